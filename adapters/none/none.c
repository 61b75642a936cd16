/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The `none` adapter: a center that accepts every job and reports it
 * succeeded (exit 0) the first time it is polled. It runs nothing and
 * keeps its jobs in memory only, so a restart forgets them.
 *
 * It exists for two reasons (Slurm's auth/none plugin plays the same
 * role): it is the test double that lets the scheduler and agent tests run
 * without forking anything, and it is the smallest complete adapter, the
 * file to copy when adding a scheduler. Every op below shows the contract
 * in include/hpcnet/adapter.h and nothing more.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/xalloc.h"
#include "hpcnet/adapter.h"
#include "hpcnet/error.h"

struct none_job {
	char *id;
	enum hpcnet_adapter_state state;
	int64_t ended_ms; /* 0 until the first poll finishes it */
};

struct none {
	struct hpcnet_adapter_conf conf; /* numbers only; workdir is not used */
	struct none_job *jobs;
	size_t njobs;
};

static struct none_job *none_lookup(struct none *n, const char *id)
{
	for (size_t i = 0; i < n->njobs; i++)
		if (strcmp(n->jobs[i].id, id) == 0)
			return &n->jobs[i];
	return NULL;
}

static int none_init(const struct hpcnet_adapter_conf *conf, void **state)
{
	struct none *n = hpcnet_xcalloc(1, sizeof(*n));

	n->conf = *conf;
	n->conf.workdir = NULL;
	*state = n;
	return 0;
}

static void none_fini(void *state)
{
	struct none *n = state;

	if (!n)
		return;
	for (size_t i = 0; i < n->njobs; i++)
		free(n->jobs[i].id);
	free(n->jobs);
	free(n);
}

static int none_submit(void *state, const struct hpcnet_job_spec *job, char *ref, size_t reflen)
{
	struct none *n = state;

	if (!job->id || !*job->id)
		return HPCNET_EINVAL;
	/* The job id is the reference: a second submit finds the first. */
	if ((size_t)snprintf(ref, reflen, "%s", job->id) >= reflen)
		return HPCNET_EINVAL;
	if (none_lookup(n, job->id))
		return 0;
	n->jobs = hpcnet_xrealloc(n->jobs, (n->njobs + 1) * sizeof(*n->jobs));
	n->jobs[n->njobs++] = (struct none_job){ .id = hpcnet_xstrdup(job->id),
						 .state = HPCNET_AS_PENDING };
	return 0;
}

static int none_poll(void *state, const char *job_id, const char *ref, struct hpcnet_job_status *st)
{
	struct none_job *j = none_lookup(state, job_id);

	if (!j)
		return HPCNET_ENOTFOUND;
	if (j->state == HPCNET_AS_PENDING) {
		j->state = HPCNET_AS_SUCCEEDED;
		j->ended_ms = hpcnet_now_ms();
	}
	memset(st, 0, sizeof(*st));
	st->state = j->state;
	st->exit_code = j->state == HPCNET_AS_SUCCEEDED ? 0 : -1;
	st->ended_ms = j->ended_ms;
	/* A job cancelled before its first poll never started. */
	st->started_ms = j->state == HPCNET_AS_SUCCEEDED ? j->ended_ms : 0;
	if (j->state == HPCNET_AS_CANCELLED)
		snprintf(st->reason, sizeof(st->reason), "cancelled before it started");
	return 0;
}

static int none_cancel(void *state, const char *job_id, const char *ref)
{
	struct none_job *j = none_lookup(state, job_id);

	if (!j)
		return HPCNET_ENOTFOUND;
	if (j->state == HPCNET_AS_PENDING) { /* finished jobs stay as they are */
		j->state = HPCNET_AS_CANCELLED;
		j->ended_ms = hpcnet_now_ms();
	}
	return 0;
}

static int none_snapshot(void *state, struct hpcnet_snapshot *snap)
{
	const struct none *n = state;

	/* Jobs take no time, so the whole capacity is always free. */
	*snap = (struct hpcnet_snapshot){
		.total_cores = n->conf.cores,
		.free_cores = n->conf.cores,
		.total_mem_bytes = n->conf.mem_bytes,
		.free_mem_bytes = n->conf.mem_bytes,
		.total_gpus = n->conf.gpus,
		.free_gpus = n->conf.gpus,
	};
	return 0;
}

static int none_purge(void *state, const char *job_id, const char *ref)
{
	struct none *n = state;
	struct none_job *j = none_lookup(n, job_id);

	if (!j) /* already forgotten: purge is safe to repeat */
		return 0;
	free(j->id);
	*j = n->jobs[--n->njobs];
	return 0;
}

const struct hpcnet_adapter hpcnet_adapter_none = {
	.name = "none",
	.caps = HPCNET_CAP_CANCEL,
	.init = none_init,
	.fini = none_fini,
	.submit = none_submit,
	.poll = none_poll,
	.cancel = none_cancel,
	.snapshot = none_snapshot,
	.purge = none_purge,
};
