/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `scontrol show job -o` -> struct slurm_job -> adapter status. The
 * mapping of Slurm's job states lives here and nowhere else, so the
 * decision "is this job over, and did it fail?" can be read (and tested)
 * in one place against output captured from real daemons.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/slurm/slurm.h"
#include "common/xalloc.h"
#include "hpcnet/error.h"

static void copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

static int set(const char *s)
{
	return s && *s && strcmp(s, "(null)") != 0 && strcmp(s, "N/A") != 0;
}

/* GPUs in "gres:gpu:a100:1,gres:mps:10" (TresPerNode / TresPerJob). */
static int tres_gpus(const char *s)
{
	int total = 0;

	while (s && *s) {
		size_t n = strcspn(s, ",");
		char item[128];
		const char *last;

		snprintf(item, sizeof(item), "%.*s", (int)(n < 127 ? n : 127), s);
		if (strncmp(item, "gres:", 5) == 0 || strncmp(item, "gres/", 5) == 0)
			memmove(item, item + 5, strlen(item + 5) + 1);
		last = strrchr(item, ':');
		if (strncmp(item, "gpu", 3) == 0 && (item[3] == ':' || item[3] == '=') && last)
			total += atoi(last + 1);
		else if (strncmp(item, "gpu=", 4) == 0) /* TRES form "gres/gpu=2" */
			total += atoi(item + 4);
		s += n;
		s += *s == ',';
	}
	return total;
}

int slurm_job_parse(const char *line, struct slurm_job *job)
{
	struct slurm_kv *kv = hpcnet_xmalloc(sizeof(*kv));
	char *buf = hpcnet_xstrdup(line);
	const char *v, *state;
	int rc = HPCNET_EPROTO;

	memset(job, 0, sizeof(*job));
	if (slurm_kv_parse(buf, kv) < 0 || strcmp(kv->kv[0].key, "JobId") != 0)
		goto out;
	state = slurm_kv_get(kv, "JobState");
	v = kv->kv[0].val;
	if (!*v || strspn(v, "0123456789_") != strlen(v) || !state || !*state)
		goto out;
	/* Fields every job line has: a line cut short must not read as a job. */
	if (!slurm_kv_get(kv, "JobName") || !slurm_kv_get(kv, "ExitCode") ||
	    !slurm_kv_get(kv, "RunTime") || !slurm_kv_get(kv, "StartTime") ||
	    !slurm_kv_get(kv, "EndTime"))
		goto out;
	copy(job->id, sizeof(job->id), v);
	/* "CANCELLED by 0" in some versions: the word is what counts. */
	snprintf(job->state, sizeof(job->state), "%.*s", (int)strcspn(state, " +"), state);
	copy(job->name, sizeof(job->name), slurm_kv_get(kv, "JobName"));
	if (set(slurm_kv_get(kv, "Comment")))
		copy(job->comment, sizeof(job->comment), slurm_kv_get(kv, "Comment"));
	copy(job->reason, sizeof(job->reason), slurm_kv_get(kv, "Reason"));
	if (sscanf(slurm_kv_get(kv, "ExitCode"), "%d:%d", &job->exit_code, &job->signal) != 2)
		goto out;
	v = slurm_kv_get(kv, "Requeue");
	job->requeue = v && strcmp(v, "1") == 0;
	job->started = set(slurm_kv_get(kv, "BatchHost"));
	job->start_ms = slurm_time_ms(slurm_kv_get(kv, "StartTime"));
	job->end_ms = slurm_time_ms(slurm_kv_get(kv, "EndTime"));
	if (job->start_ms < 0 || job->end_ms < 0)
		goto out;
	if ((job->run_s = slurm_duration_s(slurm_kv_get(kv, "RunTime"))) < 0)
		goto out;
	v = slurm_kv_get(kv, "TimeLimit");
	job->limit_s = v && strcmp(v, "UNLIMITED") != 0 && strcmp(v, "Partition_Limit") != 0
			       ? slurm_duration_s(v)
			       : 0;
	if (job->limit_s < 0)
		job->limit_s = 0;
	job->cpus = (v = slurm_kv_get(kv, "NumCPUs")) ? atoi(v) : 0;
	job->gpus = tres_gpus(slurm_kv_get(kv, "TresPerJob"));
	if (job->gpus == 0) {
		v = slurm_kv_get(kv, "NumNodes");
		job->gpus = tres_gpus(slurm_kv_get(kv, "TresPerNode")) * (v && atoi(v) > 0 ? atoi(v) : 1);
	}
	if (set(slurm_kv_get(kv, "StdOut")))
		copy(job->stdout_path, sizeof(job->stdout_path), slurm_kv_get(kv, "StdOut"));
	if (set(slurm_kv_get(kv, "StdErr")))
		copy(job->stderr_path, sizeof(job->stderr_path), slurm_kv_get(kv, "StdErr"));
	rc = 0;
out:
	free(buf);
	free(kv);
	return rc;
}

int slurm_jobs_parse(const char *text, struct slurm_job **jobs, size_t *n)
{
	size_t cap = 0;
	const char *p = text;

	*jobs = NULL;
	*n = 0;
	while (p && *p) {
		size_t len = strcspn(p, "\n"), off = (size_t)(p - text);
		char *line = hpcnet_xstrndup(p, len);
		int rc = 0;

		p += len;
		p += *p == '\n';
		if (line[strspn(line, " \t\r")] == '\0' || strcmp(line, "No jobs in the system") == 0) {
			free(line);
			continue;
		}
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*jobs = hpcnet_xrealloc(*jobs, cap * sizeof(**jobs));
		}
		rc = slurm_job_parse(line, &(*jobs)[*n]);
		(*jobs)[*n].line_off = off;
		(*jobs)[*n].line_len = len;
		free(line);
		if (rc < 0) {
			free(*jobs);
			*jobs = NULL;
			*n = 0;
			return rc;
		}
		(*n)++;
	}
	return 0;
}

/* Every JobState of Slurm 22.05 (slurm.h job_states + the flag names). */
static const struct {
	const char *name;
	enum hpcnet_adapter_state as;
	int final;
	const char *why; /* for failed jobs: what happened, in words */
} states[] = {
	{ "PENDING", HPCNET_AS_PENDING, 0, NULL },
	{ "REQUEUED", HPCNET_AS_PENDING, 0, NULL },
	{ "REQUEUE_FED", HPCNET_AS_PENDING, 0, NULL },
	{ "REQUEUE_HOLD", HPCNET_AS_HELD, 0, NULL },
	{ "SPECIAL_EXIT", HPCNET_AS_HELD, 0, NULL },
	{ "CONFIGURING", HPCNET_AS_RUNNING, 0, NULL },
	{ "RUNNING", HPCNET_AS_RUNNING, 0, NULL },
	{ "COMPLETING", HPCNET_AS_RUNNING, 0, NULL }, /* epilog, cleanup: not over yet */
	{ "STAGE_OUT", HPCNET_AS_RUNNING, 0, NULL },
	{ "SIGNALING", HPCNET_AS_RUNNING, 0, NULL },
	{ "RESIZING", HPCNET_AS_RUNNING, 0, NULL },
	{ "SUSPENDED", HPCNET_AS_SUSPENDED, 0, NULL },
	{ "STOPPED", HPCNET_AS_SUSPENDED, 0, NULL },
	{ "PREEMPTED", HPCNET_AS_FAILED, 1, "preempted" }, /* pending if Requeue=1 */
	{ "COMPLETED", HPCNET_AS_SUCCEEDED, 1, NULL },
	{ "CANCELLED", HPCNET_AS_CANCELLED, 1, NULL },
	{ "REVOKED", HPCNET_AS_CANCELLED, 1, NULL },
	{ "FAILED", HPCNET_AS_FAILED, 1, NULL },
	{ "TIMEOUT", HPCNET_AS_FAILED, 1, "walltime exceeded" },
	{ "OUT_OF_MEMORY", HPCNET_AS_FAILED, 1, "out of memory" },
	{ "NODE_FAIL", HPCNET_AS_FAILED, 1, "node failure" },
	{ "BOOT_FAIL", HPCNET_AS_FAILED, 1, "node boot failure" },
	{ "DEADLINE", HPCNET_AS_FAILED, 1, "deadline reached" },
};

static int state_index(const char *state)
{
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (strcmp(states[i].name, state) == 0)
			return (int)i;
	return -1;
}

int slurm_state_final(const char *state)
{
	int i = state_index(state);

	return i >= 0 && states[i].final;
}

/* Slurm's pending reasons most users meet, in words. */
static void pending_reason(const struct slurm_job *j, char *buf, size_t len)
{
	static const struct {
		const char *code, *text;
	} r[] = {
		{ "Resources", "waiting for resources" },
		{ "Priority", "queued behind higher-priority jobs" },
		{ "BeginTime", "waiting for its begin time" },
		{ "Dependency", "waiting for a dependency" },
		{ "PartitionTimeLimit", "walltime above the partition's limit: never runs unless "
					"an administrator raises it" },
		{ "PartitionConfig", "more than the partition's nodes have: never runs unless "
				     "an administrator changes the partition" },
		{ "ReqNodeNotAvail", "requested nodes not available" },
		{ "QOSMaxJobsPerUserLimit", "QOS job limit reached" },
		{ "AssocGrpCpuLimit", "account CPU limit reached" },
	};
	const char *text = NULL;

	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		if (strncmp(j->reason, r[i].code, strlen(r[i].code)) == 0)
			text = r[i].text;
	if (!*j->reason || strcmp(j->reason, "None") == 0)
		snprintf(buf, len, "queued (Slurm %s)", j->state);
	else if (text)
		snprintf(buf, len, "%s (Slurm: %s)", text, j->reason);
	else
		snprintf(buf, len, "Slurm: %s", j->reason);
}

int slurm_job_status(const struct slurm_job *j, struct hpcnet_job_status *st)
{
	int i = state_index(j->state);
	enum hpcnet_adapter_state as;

	if (i < 0)
		return HPCNET_EPROTO;
	as = states[i].as;
	st->state = as;
	st->exit_code = 0;
	st->signal = 0;
	st->started_ms = 0;
	st->ended_ms = 0;
	st->reason[0] = '\0';
	/* StartTime of a waiting job is Slurm's forecast, not a start. */
	if (j->started && as != HPCNET_AS_PENDING && as != HPCNET_AS_HELD)
		st->started_ms = j->start_ms;
	if (states[i].final)
		st->ended_ms = j->end_ms;
	st->gpu_seconds = (double)j->gpus * (double)(j->run_s > 0 ? j->run_s : 0);

	if (strcmp(j->state, "PREEMPTED") == 0 && j->requeue) {
		st->state = HPCNET_AS_PENDING;
		st->started_ms = st->ended_ms = 0;
		snprintf(st->reason, sizeof(st->reason), "preempted; Slurm requeues it (PREEMPTED)");
		return 0;
	}
	switch (st->state) {
	case HPCNET_AS_PENDING:
		pending_reason(j, st->reason, sizeof(st->reason));
		if (strncmp(j->reason, "JobHeld", 7) == 0) {
			st->state = HPCNET_AS_HELD;
			snprintf(st->reason, sizeof(st->reason), "held by %s (Slurm: %s)",
				 strcmp(j->reason, "JobHeldAdmin") == 0 ? "an administrator"
									: "its owner",
				 j->reason);
		}
		break;
	case HPCNET_AS_HELD:
		snprintf(st->reason, sizeof(st->reason), "held (Slurm %s, %s)", j->state, j->reason);
		break;
	case HPCNET_AS_SUSPENDED:
		snprintf(st->reason, sizeof(st->reason), "suspended (Slurm %s)", j->state);
		break;
	case HPCNET_AS_RUNNING:
		if (strcmp(j->state, "RUNNING") != 0)
			snprintf(st->reason, sizeof(st->reason), "Slurm %s", j->state);
		break;
	case HPCNET_AS_SUCCEEDED:
		st->exit_code = j->exit_code;
		break;
	case HPCNET_AS_CANCELLED:
		st->exit_code = -1;
		st->signal = j->signal;
		snprintf(st->reason, sizeof(st->reason), "cancelled%s (Slurm %s)",
			 j->started ? "" : " before it started", j->state);
		break;
	default: /* failed */
		st->exit_code = j->signal ? -1 : j->exit_code;
		st->signal = j->signal;
		if (states[i].why)
			snprintf(st->reason, sizeof(st->reason), "%s (%s)", states[i].why, j->state);
		else if (j->signal)
			snprintf(st->reason, sizeof(st->reason), "killed by signal %d (Slurm %s, %s)",
				 j->signal, j->state, j->reason);
		else
			snprintf(st->reason, sizeof(st->reason), "exited with code %d (Slurm %s)",
				 j->exit_code, j->state);
		if (st->exit_code == 0 && !st->signal)
			st->exit_code = -1; /* failed without an exit code of its own */
		break;
	}
	return 0;
}
