/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the slurm adapter: the parsers of what Slurm's commands
 * print (pure functions, one file each, unit-tested on output captured
 * from real daemons in tests/data/slurm/) and the per-job files.
 *
 * Slurm 22.05 has no JSON for scontrol, and `squeue --json` returns every
 * job of the cluster whatever -j says, so the adapter reads the one-line
 * Key=Value form (`scontrol show job -o`, `scontrol -d show nodes -o`,
 * `scontrol show partitions -o`) with a single tokenizer (parse_kv.c).
 *
 * Parsers return 0 or HPCNET_EPROTO ("this is not what Slurm prints"),
 * which the adapter turns into HPCNET_EUNAVAIL: output we cannot read
 * never becomes a verdict on a job.
 */
#ifndef HPCNET_ADAPTERS_SLURM_H
#define HPCNET_ADAPTERS_SLURM_H

#include <stddef.h>
#include <stdint.h>

#include "hpcnet/adapter.h"

/* ---- parse_kv.c: one line of Key=Value pairs ---- */

#define SLURM_KV_MAX 160

struct slurm_kv {
	struct {
		char *key, *val; /* point into the caller's line, NUL-terminated */
	} kv[SLURM_KV_MAX];
	size_t n;
};

/*
 * Splits line (modified in place; must stay alive while kv is used) into
 * Key=Value pairs separated by spaces. A word without '=' continues the
 * previous value (values such as OS= hold spaces). HPCNET_EPROTO when the
 * line does not start with Key=.
 */
int slurm_kv_parse(char *line, struct slurm_kv *kv);
/* The value of key, or NULL. */
const char *slurm_kv_get(const struct slurm_kv *kv, const char *key);
/* "2026-11-23T19:52:48" (local time, as Slurm prints it) -> ms; 0 for
 * Unknown / None / N/A / empty; -1 if unreadable. */
int64_t slurm_time_ms(const char *s);
/* "[D-]HH:MM:SS", "MM:SS" -> seconds; -1 if unreadable. */
int64_t slurm_duration_s(const char *s);
/* "1234M", "2G", "512K", "7T", plain MiB -> bytes; -1 if unreadable. */
int64_t slurm_mem_bytes(const char *s);

/* ---- parse_job.c: `scontrol show job -o` ---- */

struct slurm_job {
	char id[32];
	char name[160];
	char comment[160];
	char state[32];     /* JobState, e.g. "RUNNING" */
	char reason[128];   /* Reason, e.g. "Resources"; "None" when none */
	int exit_code;      /* ExitCode=X:Y */
	int signal;
	int requeue;        /* Requeue=1: a preempted job goes back to the queue */
	int started;        /* it has (had) a batch host */
	int64_t start_ms, end_ms; /* 0 when Unknown */
	int64_t run_s;      /* RunTime */
	int64_t limit_s;    /* TimeLimit; 0 when UNLIMITED */
	int cpus;           /* NumCPUs */
	int gpus;           /* allocated or requested GPUs in total */
	char stdout_path[512];
	char stderr_path[512];
	/* where its line is in the text slurm_jobs_parse() read (0/0 from
	 * slurm_job_parse()) */
	size_t line_off, line_len;
};

/* One line of `scontrol show job -o`. 0 or HPCNET_EPROTO. */
int slurm_job_parse(const char *line, struct slurm_job *job);
/*
 * Every job in the output of `scontrol show job -o` (with or without an
 * id): *jobs is a new array of *n (caller frees; NULL when n == 0), each
 * with the offset and length of its line in text. "No jobs in the
 * system" is 0 jobs. HPCNET_EPROTO when any line is not a job.
 */
int slurm_jobs_parse(const char *text, struct slurm_job **jobs, size_t *n);
/* 1 when the JobState is one a job never leaves. */
int slurm_state_final(const char *state);
/*
 * What the job is in adapter terms: fills state, exit_code, signal,
 * started/ended, gpu_seconds and a reason for people. Usage that Slurm
 * does not show without accounting (cpu, max RSS) is left 0. Returns 0,
 * or HPCNET_EPROTO for a JobState this code does not know.
 */
int slurm_job_status(const struct slurm_job *job, struct hpcnet_job_status *st);

/* ---- parse_node.c: nodes and partitions for a snapshot ---- */

/*
 * Adds the nodes of `scontrol -d show nodes -o` to snap (cores, memory,
 * GPUs by model, node counts). When partition is non-NULL only nodes in
 * it count. 0 or HPCNET_EPROTO.
 */
int slurm_nodes_parse(const char *text, const char *partition, struct hpcnet_snapshot *snap);
/* Partition names of `scontrol show partitions -o` into snap->partitions,
 * comma-separated, default first. 0 or HPCNET_EPROTO. */
int slurm_partitions_parse(const char *text, struct hpcnet_snapshot *snap);
/*
 * GPUs in a Gres / GresUsed string ("gpu:a100:2(S:0-1),gpu:1,mps:100")
 * summed by model into models/counts (at most max entries; a gpu without
 * a type has model ""). Returns the number of entries, or HPCNET_EPROTO.
 */
int slurm_gres_gpus(const char *gres, char models[][32], int64_t *counts, int max);

/* ---- parse_squeue.c: `squeue --start -h -o %i|%S` ---- */

/*
 * The latest expected start (ms) among the lines "JOBID|START" ("N/A"
 * when Slurm has not planned the job yet); 0 when none is known. 0 or
 * HPCNET_EPROTO.
 */
int slurm_start_parse(const char *text, int64_t *latest_ms);

/* ---- parse_sacct.c: `sacct -n -P -j ID -o JobIDRaw,JobName,State,ExitCode,
 *      Start,End,ElapsedRaw,TotalCPU,MaxRSS` (needs slurmdbd) ---- */

/*
 * The allocation line of job ref into job (state, exit code, times,
 * elapsed), its TotalCPU into *cpu and the largest MaxRSS of its steps
 * into *rss. 0, HPCNET_ENOTFOUND when ref is not in text, HPCNET_EPROTO.
 */
int slurm_sacct_parse(const char *text, const char *ref, struct slurm_job *job, double *cpu,
		      int64_t *rss);

/* ---- parse_sbatch.c: what sbatch and friends print ---- */

/* "123" or "123;cluster" -> "123" in id. 0 or HPCNET_EPROTO. */
int slurm_sbatch_jobid(const char *out, char *id, size_t len);
/*
 * Whether an sbatch error (its stderr) means the cluster refuses this
 * job for good (bad partition, account, QOS, GPU model, limits:
 * HPCNET_EINVAL) or may take it later (controller down, busy: HPCNET_EUNAVAIL).
 * Unknown messages count as "later": a job is never failed on a guess.
 */
int slurm_sbatch_error(const char *err);
/* "Invalid job id specified" and friends: 1 when Slurm has no such job. */
int slurm_invalid_job(const char *err);

#endif
