/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Placement: which center should run a job. Pure functions over plain
 * structs (no store, no clock), so every rule is unit-tested directly.
 *
 * v1 rules: hard constraints first (center online, the job fits the
 * center's total capacity, pinned center honoured, fits the free capacity
 * now), then a score that prefers more free capacity left after placement
 * and a shorter queue. The reason string says what was chosen and why.
 */
#ifndef HPCNET_SCHED_H
#define HPCNET_SCHED_H

#include <stddef.h>
#include <stdint.h>

struct hpcnet_sched_center {
	const char *id;
	const char *name;
	int online;        /* heartbeating and not draining */
	int has_snapshot;  /* capacity known */
	int64_t total_cores, total_mem, total_gpus;
	/* what the hub has placed there and not yet seen end */
	int64_t used_cores, used_mem, used_gpus;
	int64_t waiting;   /* dispatched or pending there (the center's queue) */
};

struct hpcnet_sched_job {
	int64_t cores, mem, gpus;
	const char *pin;   /* center id the user asked for, or NULL */
};

/* 1 when the center could run the job when empty; else 0 with why
 * ("needs 16 cores, alpha has 8"). A center that never reported its
 * capacity cannot. */
int hpcnet_sched_fits_ever(const struct hpcnet_sched_center *c, const struct hpcnet_sched_job *j,
			   char *why, size_t len);
/* 1 when the job fits the center's free capacity now. */
int hpcnet_sched_fits_now(const struct hpcnet_sched_center *c, const struct hpcnet_sched_job *j);
/* Higher is better; only meaningful when fits_now. */
double hpcnet_sched_score(const struct hpcnet_sched_center *c, const struct hpcnet_sched_job *j);
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
