/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The adapter interface: how an agent drives one center's scheduler.
 *
 * Each scheduler (local fork/exec, Slurm, Grid Engine, ...) is one const
 * struct hpcnet_adapter with designated initializers, listed once in the
 * NULL-terminated registry in adapters/registry.c (curl's struct Curl_ssl
 * and its backend list are the model). The agent never calls a scheduler
 * command itself: only these ops, through hpcnet_adapter_*() wrappers.
 *
 * Contract shared by all ops:
 *  - return 0 or a negative code (include/hpcnet/error.h);
 *  - HPCNET_EUNAVAIL / HPCNET_ETIMEOUT mean "could not look, try again":
 *    the agent must never turn those into a failed job;
 *  - submit is idempotent in the hub job id: submitting an id the center
 *    already has returns the existing reference and starts nothing new.
 *    This is what makes a restarted agent safe (no job runs twice).
 */
#ifndef HPCNET_ADAPTER_H
#define HPCNET_ADAPTER_H

#include <stddef.h>
#include <stdint.h>

/* What an adapter can do beyond submit/poll; the API exposes only these. */
enum hpcnet_adapter_cap {
	HPCNET_CAP_CANCEL = 1u << 0,
	HPCNET_CAP_HOLD = 1u << 1,    /* hold / release */
	HPCNET_CAP_SUSPEND = 1u << 2, /* suspend / resume */
	HPCNET_CAP_REQUEUE = 1u << 3,
	HPCNET_CAP_USAGE = 1u << 4,   /* live usage of running jobs */
	HPCNET_CAP_GPUS = 1u << 5,
};

/* A file to place in the job's working directory before it starts. */
struct hpcnet_job_file {
	const char *path; /* relative, validated by the hub: no "..", no leading "/" */
	const void *data;
	size_t len;
};

/* What the center is asked to run. Borrowed by the adapter for the call only. */
struct hpcnet_job_spec {
	const char *id;     /* hub job id: the idempotency key */
	const char *name;
	const char *script; /* run as a file; starts with #! or runs under /bin/sh */
	int cores;
	int64_t mem_bytes;  /* 0 = scheduler default */
	int gpus;
	int64_t walltime_s; /* > 0 */
	const char *const *env; /* NAME=VALUE strings */
	size_t nenv;
	const struct hpcnet_job_file *files;
	size_t nfiles;
	/* Optional placement details (NULL: the center's default). */
	const char *gpu_model;  /* e.g. "a100"; NULL = any model */
	const char *partition;  /* Slurm partition / Grid Engine queue */
	const char *account;
	const char *qos;
};

/* Where a job is, as the center sees it. */
enum hpcnet_adapter_state {
	HPCNET_AS_PENDING,   /* accepted, waiting for resources */
	HPCNET_AS_RUNNING,
	HPCNET_AS_SUCCEEDED, /* exited 0 */
	HPCNET_AS_FAILED,    /* non-zero exit, signal, walltime, node failure ... */
	HPCNET_AS_CANCELLED,
	HPCNET_AS_LOST,      /* the center has no record of a job it accepted */
	HPCNET_AS_HELD,      /* waiting, held by a user or an operator */
	HPCNET_AS_SUSPENDED, /* started, then stopped (SIGSTOP, preemption by suspend) */
};

/* Things a user may ask of a job beyond cancel; an adapter lists the ones
 * it can do in its caps. */
enum hpcnet_job_action {
	HPCNET_ACT_HOLD,
	HPCNET_ACT_RELEASE,
	HPCNET_ACT_SUSPEND,
	HPCNET_ACT_RESUME,
	HPCNET_ACT_REQUEUE,
};

struct hpcnet_job_status {
	enum hpcnet_adapter_state state;
	int exit_code;           /* valid when finished; -1 if killed by a signal */
	int signal;              /* terminating signal, 0 if none */
	int64_t started_ms;      /* 0 if not started */
	int64_t ended_ms;        /* 0 if not ended */
	double cpu_seconds;      /* user + system, so far or final */
	int64_t max_rss_bytes;
	double gpu_seconds;      /* allocated GPUs x elapsed, 0 if none */
	char reason[256];        /* why pending/failed, for people; may be "" */
	char stdout_path[4096];  /* files the agent ships to the hub; "" if none */
	char stderr_path[4096];
};

/* The center's capacity now. */
struct hpcnet_snapshot {
	int64_t total_cores, free_cores;
	int64_t total_mem_bytes, free_mem_bytes;
	int64_t total_gpus, free_gpus;
	int64_t queue_len;  /* jobs accepted but not yet running */
	int64_t running;
	/* Optional detail (zero when the adapter cannot tell). */
	int64_t est_wait_s;      /* expected wait of a new small job; -1 unknown */
	int64_t nodes_total, nodes_idle, nodes_alloc, nodes_down;
	struct hpcnet_gpu_pool {
		char model[32];  /* "a100"; "" when the scheduler has no type */
		int64_t total, free;
	} gpu_pools[8];
	int ngpu_pools;
	char partitions[256];    /* comma-separated names, default first */
};

/* Settings an agent passes to its adapter (from its command line). */
struct hpcnet_adapter_conf {
	const char *workdir;     /* adapter-private state and job directories live here */
	int cores;               /* capacity the center offers (local: slots) */
	int64_t mem_bytes;
	int gpus;
	int64_t kill_grace_s;    /* SIGTERM -> SIGKILL delay on cancel/walltime */
	int cmd_timeout_ms;      /* limit for one scheduler command (0: 30 s) */
	/* --adapter-opt KEY=VALUE strings, e.g. "partition=debug",
	 * "sge_root=/var/lib/gridengine"; each adapter documents its own. */
	const char *const *opts;
	size_t nopts;
};

struct hpcnet_adapter {
	const char *name;
	unsigned caps;
	/* Creates the adapter's private state (*state); may scan the workdir
	 * to recover jobs from an earlier run. */
	int (*init)(const struct hpcnet_adapter_conf *conf, void **state);
	void (*fini)(void *state);
	/* Starts (or queues) job; writes the scheduler's reference into ref. */
	int (*submit)(void *state, const struct hpcnet_job_spec *job, char *ref, size_t reflen);
	/* Reads the job's state; also the place where a queueing adapter
	 * starts waiting jobs. HPCNET_ENOTFOUND if the center never had it. */
	int (*poll)(void *state, const char *job_id, const char *ref, struct hpcnet_job_status *st);
	/* Asks the center to stop the job; the final state arrives via poll. */
	int (*cancel)(void *state, const char *job_id, const char *ref);
	int (*snapshot)(void *state, struct hpcnet_snapshot *snap);
	/* Forgets a finished job whose results the hub has acknowledged. Optional. */
	int (*purge)(void *state, const char *job_id, const char *ref);
	/* Hold / release / suspend / resume / requeue. Optional; only the
	 * actions named in caps are ever asked for. */
	int (*control)(void *state, const char *job_id, const char *ref, enum hpcnet_job_action act);
};

/* The built-in adapters, also listed in hpcnet_adapters[]. */
extern const struct hpcnet_adapter hpcnet_adapter_local; /* fork/exec on this host */
extern const struct hpcnet_adapter hpcnet_adapter_none;  /* accepts all, succeeds at once */

/* The NULL-terminated registry and lookup by name (NULL if unknown). */
extern const struct hpcnet_adapter *const hpcnet_adapters[];
const struct hpcnet_adapter *hpcnet_adapter_find(const char *name);

/* Adapter state names for the wire ("pending", "running", ...). */
const char *hpcnet_adapter_state_name(enum hpcnet_adapter_state s);
/* The value of KEY in conf->opts ("KEY=VALUE"), or NULL. */
const char *hpcnet_adapter_opt(const struct hpcnet_adapter_conf *conf, const char *key);

#endif
