/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The hub's job state machine, in one place so the hub, the tests and the
 * docs agree:
 *
 *   submitted -> queued -> dispatched -> pending -> running -> succeeded
 *                                                          -> failed
 *                                                          -> cancelled
 *   plus lost (a center cannot account for the job), held, preempted,
 *   suspended (running <-> suspended).
 *
 * A center may skip states it was too fast to report (dispatched ->
 * succeeded), so transitions move forward, except that a center may put a
 * running job back in its queue (requeue: running -> pending), and a late
 * true report (running or final) corrects `lost`.
 */
#ifndef HPCNET_JOB_H
#define HPCNET_JOB_H

enum hpcnet_job_state {
	HPCNET_JOB_SUBMITTED,
	HPCNET_JOB_QUEUED,
	HPCNET_JOB_DISPATCHED,
	HPCNET_JOB_PENDING,
	HPCNET_JOB_HELD,
	HPCNET_JOB_RUNNING,
	HPCNET_JOB_PREEMPTED,
	HPCNET_JOB_SUCCEEDED,
	HPCNET_JOB_FAILED,
	HPCNET_JOB_CANCELLED,
	HPCNET_JOB_LOST,
	HPCNET_JOB_SUSPENDED, /* started, then stopped by the center (resumable) */
	HPCNET_JOB_NSTATES,
};

const char *hpcnet_job_state_name(enum hpcnet_job_state s);
/* The state named s, or -1 when unknown. */
int hpcnet_job_state_parse(const char *s);
/* 1 for succeeded, failed, cancelled, lost. */
int hpcnet_job_state_final(enum hpcnet_job_state s);
/* 1 when a job in `from` may move to `to`. */
int hpcnet_job_transition_ok(enum hpcnet_job_state from, enum hpcnet_job_state to);

#endif
