/* SPDX-License-Identifier: Apache-2.0 */
/* The job state machine of include/hpcnet/job.h. */
#include <string.h>

#include "hpcnet/job.h"

static const char *const names[HPCNET_JOB_NSTATES] = {
	[HPCNET_JOB_SUBMITTED] = "submitted", [HPCNET_JOB_QUEUED] = "queued",
	[HPCNET_JOB_DISPATCHED] = "dispatched", [HPCNET_JOB_PENDING] = "pending",
	[HPCNET_JOB_HELD] = "held",           [HPCNET_JOB_RUNNING] = "running",
	[HPCNET_JOB_PREEMPTED] = "preempted", [HPCNET_JOB_SUCCEEDED] = "succeeded",
	[HPCNET_JOB_FAILED] = "failed",       [HPCNET_JOB_CANCELLED] = "cancelled",
	[HPCNET_JOB_LOST] = "lost",           [HPCNET_JOB_SUSPENDED] = "suspended",
};

const char *hpcnet_job_state_name(enum hpcnet_job_state s)
{
	return (unsigned)s < HPCNET_JOB_NSTATES ? names[s] : "unknown";
}

int hpcnet_job_state_parse(const char *s)
{
	int i;

	for (i = 0; i < HPCNET_JOB_NSTATES; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

int hpcnet_job_state_final(enum hpcnet_job_state s)
{
	return s == HPCNET_JOB_SUCCEEDED || s == HPCNET_JOB_FAILED || s == HPCNET_JOB_CANCELLED ||
	       s == HPCNET_JOB_LOST;
}

int hpcnet_job_transition_ok(enum hpcnet_job_state from, enum hpcnet_job_state to)
{
	if ((unsigned)from >= HPCNET_JOB_NSTATES || (unsigned)to >= HPCNET_JOB_NSTATES || from == to)
		return 0;
	if (from == HPCNET_JOB_LOST) /* a late, true answer from the center wins */
		return to == HPCNET_JOB_RUNNING || to == HPCNET_JOB_SUCCEEDED ||
		       to == HPCNET_JOB_FAILED || to == HPCNET_JOB_CANCELLED;
	if (hpcnet_job_state_final(from))
		return 0;
	switch (to) {
	case HPCNET_JOB_SUBMITTED:
		return 0;
	case HPCNET_JOB_QUEUED: /* admission, re-placement before a center took it,
				 * or released from a hold in the hub's queue */
		return from == HPCNET_JOB_SUBMITTED || from == HPCNET_JOB_DISPATCHED ||
		       from == HPCNET_JOB_HELD;
	case HPCNET_JOB_DISPATCHED:
		return from == HPCNET_JOB_QUEUED;
	case HPCNET_JOB_CANCELLED: /* from anywhere not final */
		return 1;
	case HPCNET_JOB_HELD: /* at a center, or in the hub's queue */
		return from == HPCNET_JOB_QUEUED || from == HPCNET_JOB_DISPATCHED ||
		       from == HPCNET_JOB_PENDING || from == HPCNET_JOB_PREEMPTED;
	case HPCNET_JOB_PENDING: /* also back from running: the center requeued it */
		return from == HPCNET_JOB_DISPATCHED || from == HPCNET_JOB_HELD ||
		       from == HPCNET_JOB_PREEMPTED || from == HPCNET_JOB_RUNNING ||
		       from == HPCNET_JOB_SUSPENDED;
	case HPCNET_JOB_SUSPENDED:
		return from == HPCNET_JOB_RUNNING;
	case HPCNET_JOB_RUNNING:
		return from >= HPCNET_JOB_DISPATCHED && from != HPCNET_JOB_RUNNING;
	case HPCNET_JOB_PREEMPTED:
		return from == HPCNET_JOB_RUNNING;
	default: /* succeeded, failed, lost: only once a center has the job */
		return from >= HPCNET_JOB_DISPATCHED;
	}
}
