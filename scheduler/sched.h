/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Placement: which center should run a job. Pure functions over plain
 * structs (no store, no clock), so every rule is unit-tested directly.
 *
 * Hard constraints first: the center is usable (online, not draining, not
 * degraded), the job fits its total capacity (cores, memory, GPUs of the
 * requested model), a pinned job only goes to its center, and it fits the
 * free capacity now (by the hub's own accounting of what it placed there).
 * Then a score: free fraction left after placement, minus the center's
 * queue and its estimated wait. Every verdict comes with a sentence.
 */
#ifndef HPCNET_SCHED_H
#define HPCNET_SCHED_H

#include <stddef.h>
#include <stdint.h>

#define HPCNET_SCHED_GPU_POOLS 8

struct hpcnet_sched_gpu {
	char model[32];        /* "" = no model given by the scheduler */
	int64_t total, used;   /* used: by jobs the hub placed asking this model */
};

struct hpcnet_sched_center {
	const char *id;
	const char *name;
	int online;            /* heartbeating */
	int draining;          /* an admin stopped new placements */
	int degraded;          /* its agent cannot reach its scheduler */
	int has_snapshot;      /* capacity known */
	int64_t total_cores, total_mem, total_gpus;
	/* what the hub has placed there and not yet seen end */
	int64_t used_cores, used_mem, used_gpus;
	int64_t waiting;       /* dispatched or pending there (the center's queue) */
	int64_t waiting_cores; /* their cores: not yet in the center's own figures */
	int64_t snap_free_cores; /* free cores by the center's last snapshot; -1 unknown */
	int64_t est_wait_s;    /* the center's own estimate for a new job; -1 unknown */
	struct hpcnet_sched_gpu gpu[HPCNET_SCHED_GPU_POOLS];
	int ngpu;
};

struct hpcnet_sched_job {
	int64_t cores, mem, gpus;
	const char *gpu_model; /* NULL = any */
	const char *pin;       /* center id the user asked for, or NULL */
};

/* One center's verdict on one job. */
struct hpcnet_sched_verdict {
	int eligible;          /* could ever run it here */
	int fits_now;
	double score;          /* meaningful when fits_now */
	char reason[200];
};

/* 1 when the center could run the job when empty; else 0 with why
 * ("needs 16 cores, alpha has 8"). A center that never reported its
 * capacity cannot. */
int hpcnet_sched_fits_ever(const struct hpcnet_sched_center *c, const struct hpcnet_sched_job *j,
			   char *why, size_t len);
/* 1 when the center is usable and the job fits its free capacity now. */
int hpcnet_sched_fits_now(const struct hpcnet_sched_center *c, const struct hpcnet_sched_job *j);
/* Higher is better; only meaningful when fits_now. */
double hpcnet_sched_score(const struct hpcnet_sched_center *c, const struct hpcnet_sched_job *j);
/* Every center's verdict (v has n entries). Returns the index of the best
 * center that fits now, or -1. */
int hpcnet_sched_explain(const struct hpcnet_sched_center *c, size_t n,
			 const struct hpcnet_sched_job *j, struct hpcnet_sched_verdict *v);
/*
 * Picks the best center for the job among n: its index, or -1 when none
 * fits now. reason gets a sentence for the job's placement_reason either
 * way. Does not modify the centers: the caller adds the job's resources to
 * the chosen one (hpcnet_sched_account) before placing the next job.
 */
int hpcnet_sched_place(const struct hpcnet_sched_center *c, size_t n,
		       const struct hpcnet_sched_job *j, char *reason, size_t len);
void hpcnet_sched_account(struct hpcnet_sched_center *c, const struct hpcnet_sched_job *j);
/*
 * Admission at submit: 0 when at least one center that has reported its
 * capacity could ever run the job; HPCNET_ENOFIT with a sentence naming
 * the largest center (or the pinned one) otherwise.
 */
int hpcnet_sched_admit(const struct hpcnet_sched_center *c, size_t n,
		       const struct hpcnet_sched_job *j, char *why, size_t len);

#endif
