/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The `local` adapter: runs jobs on this host with fork/exec, so a center
 * works out of the box with no cluster. It is a tiny batch system of its
 * own: conf->cores slots (and memory, GPUs), a FIFO queue, one shepherd
 * process per running job (shepherd.c), and all state in per-job
 * directories (layout and locking rules in local.h, files in jobdir.c).
 *
 * This file holds the ops table and the in-memory view: which jobs wait
 * and which hold slots. That view is only a cache of the directories,
 * rebuilt by init's scan, which is why the agent can be killed at any
 * moment: a new agent reads the same files and carries on. Jobs start
 * from poll (and snapshot), the one call an agent makes regularly.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "adapters/local/local.h"
#include "common/clock.h"
#include "common/fsutil.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "hpcnet/error.h"

enum lphase { LP_PENDING, LP_RUNNING, LP_DONE };

struct ljob {
	char *id;
	char *dir;
	int cores;
	int64_t mem;
	int gpus;
	int64_t seq;
	enum lphase phase; /* LP_RUNNING: holds slots until status.json appears */
};

struct local {
	char *root; /* absolute WORKDIR/jobs */
	int cores;
	int64_t mem; /* 0: memory is not accounted */
	int gpus;
	int64_t grace_s;
	struct ljob *jobs; /* sorted by seq: the FIFO order */
	size_t njobs;
	int64_t next_seq;
};

static struct ljob *find(struct local *L, const char *id)
{
	if (!hpcnet_local_id_valid(id))
		return NULL;
	for (size_t i = 0; i < L->njobs; i++)
		if (strcmp(L->jobs[i].id, id) == 0)
			return &L->jobs[i];
	return NULL;
}

static enum lphase phase_on_disk(const char *dir)
{
	if (hpcnet_local_exists(dir, HPCNET_LOCAL_STATUS))
		return LP_DONE;
	return hpcnet_local_exists(dir, HPCNET_LOCAL_SHEPHERD) ? LP_RUNNING : LP_PENDING;
}

static void add(struct local *L, const char *id, const struct hpcnet_local_spec *spec)
{
	struct ljob *j;

	L->jobs = hpcnet_xrealloc(L->jobs, (L->njobs + 1) * sizeof(*L->jobs));
	j = &L->jobs[L->njobs++];
	j->id = hpcnet_xstrdup(id);
	j->dir = hpcnet_local_path(L->root, id);
	j->cores = spec->cores;
	j->mem = spec->mem_bytes;
	j->gpus = spec->gpus;
	j->seq = spec->seq;
	j->phase = phase_on_disk(j->dir);
	if (spec->seq >= L->next_seq)
		L->next_seq = spec->seq + 1;
}

static void drop(struct local *L, struct ljob *j)
{
	size_t i = (size_t)(j - L->jobs);

	free(j->id);
	free(j->dir);
	memmove(j, j + 1, (L->njobs - i - 1) * sizeof(*j));
	L->njobs--;
}

static int by_seq(const void *a, const void *b)
{
	const struct ljob *x = a, *y = b;

	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Rebuilds the in-memory view from the job directories of an earlier run. */
static void scan(struct local *L)
{
	struct dirent *de;
	DIR *d = opendir(L->root);

	if (!d) {
		hpcnet_warn("local: cannot scan %s: %s", L->root, strerror(errno));
		return;
	}
	while ((de = readdir(d))) {
		struct hpcnet_local_spec spec;
		char *dir;
		int rc;

		if (strncmp(de->d_name, ".purge-", 7) == 0) { /* a purge cut short */
			dir = hpcnet_local_path(L->root, de->d_name);
			hpcnet_fs_remove_tree(dir);
			free(dir);
			continue;
		}
		if (!hpcnet_local_id_valid(de->d_name))
			continue; /* ".", "..", temp files */
		dir = hpcnet_local_path(L->root, de->d_name);
		rc = hpcnet_local_spec_read(dir, &spec);
		if (rc == -ENOENT) {
			/* A submit that never reached its commit point was never
			 * acknowledged: the agent will submit it again. */
			hpcnet_info("local: removing uncommitted job directory %s", dir);
			hpcnet_fs_remove_tree(dir);
		} else if (rc < 0) {
			hpcnet_warn("local: ignoring %s: %s", dir, hpcnet_strerror(rc));
		} else {
			add(L, de->d_name, &spec);
			hpcnet_local_spec_clear(&spec);
		}
		free(dir);
	}
	closedir(d);
	if (L->njobs > 1) /* jobs is NULL when there are none */
		qsort(L->jobs, L->njobs, sizeof(*L->jobs), by_seq);
}

/*
 * Ends a job that never started with a final status written by the agent
 * (cancel, or a job that can never fit). Under the directory lock, so a
 * shepherd cannot claim it at the same time. 0 when the job is final
 * (by us or before), 1 when a shepherd claimed it first, or -errno.
 */
static int end_unstarted(struct ljob *j, enum hpcnet_adapter_state state, const char *reason)
{
	struct hpcnet_job_status st = { .state = state, .exit_code = -1 };
	int lock, rc = 1;

	lock = hpcnet_local_lock(j->dir);
	if (lock < 0)
		return lock;
	if (hpcnet_local_exists(j->dir, HPCNET_LOCAL_SHEPHERD))
		goto out;
	st.ended_ms = hpcnet_now_ms();
	snprintf(st.reason, sizeof(st.reason), "%s", reason);
	rc = hpcnet_local_status_write(j->dir, &st);
	if (rc == 0 || rc == HPCNET_EEXIST) {
		j->phase = LP_DONE;
		rc = 0;
	}
out:
	hpcnet_local_unlock(lock);
	return rc;
}

static int fits_ever(const struct local *L, int cores, int64_t mem, int gpus)
{
	return cores <= L->cores && (L->mem <= 0 || mem <= L->mem) && gpus <= L->gpus;
}

/* Slots held now, after noticing the jobs that have ended. */
static void used(struct local *L, int64_t *cores, int64_t *mem, int64_t *gpus)
{
	*cores = *mem = *gpus = 0;
	for (size_t i = 0; i < L->njobs; i++) {
		struct ljob *j = &L->jobs[i];

		if (j->phase == LP_RUNNING && hpcnet_local_exists(j->dir, HPCNET_LOCAL_STATUS))
			j->phase = LP_DONE;
		if (j->phase != LP_RUNNING)
			continue;
		*cores += j->cores;
		*mem += j->mem;
		*gpus += j->gpus;
	}
}

/*
 * Starts waiting jobs in FIFO order while they fit. Strict FIFO (no
 * backfill): a wide job at the head is not starved by narrow ones.
 */
static void schedule(struct local *L)
{
	int64_t cores, mem, gpus;

	used(L, &cores, &mem, &gpus);
	for (size_t i = 0; i < L->njobs; i++) {
		struct ljob *j = &L->jobs[i];
		int rc;

		if (j->phase != LP_PENDING)
			continue;
		if (!fits_ever(L, j->cores, j->mem, j->gpus)) {
			/* Accepted under a larger configuration: it would block the queue. */
			end_unstarted(j, HPCNET_AS_FAILED, "needs more than this center's capacity");
			continue;
		}
		if (cores + j->cores > L->cores || (L->mem > 0 && mem + j->mem > L->mem) ||
		    gpus + j->gpus > L->gpus)
			break;
		rc = hpcnet_local_shepherd_start(j->dir, L->grace_s);
		if (rc < 0) {
			hpcnet_warn("local: cannot start job %s (%s), see %s/shepherd.log; retrying",
				    j->id, hpcnet_strerror(rc), j->dir);
			break;
		}
		/* rc == 0: a shepherd of an earlier agent had claimed it already. */
		j->phase = phase_on_disk(j->dir);
		if (j->phase == LP_RUNNING) {
			cores += j->cores;
			mem += j->mem;
			gpus += j->gpus;
		}
	}
}

static void pending_reason(const struct local *L, const struct ljob *j, char *buf, size_t len)
{
	int64_t ahead = 0;

	for (const struct ljob *k = L->jobs; k < j; k++)
		ahead += k->phase == LP_PENDING;
	if (ahead > 0)
		snprintf(buf, len, "queued behind %lld earlier job(s)", (long long)ahead);
	else
		snprintf(buf, len, "waiting for free slots (%d core(s) wanted)", j->cores);
}

/*
 * Kills what may be left of a job whose shepherd died: it no longer holds
 * slots, so it must not keep running. The leader's start time guards
 * against a reused pid; a group whose leader is gone cannot have a reused
 * id (Linux does not hand out a pid still in use as a group id).
 */
static void kill_orphans(const struct ljob *j, const struct hpcnet_local_shepherd *sh)
{
	uint64_t t;
	int rc = hpcnet_local_proc_starttime(sh->pgid, &t);

	if ((rc == 0 && t == sh->job_starttime) || (rc == -ENOENT && kill(-sh->pgid, 0) == 0)) {
		hpcnet_warn("local: job %s: killing process group %d left by its dead shepherd",
			    j->id, (int)sh->pgid);
		killpg(sh->pgid, SIGKILL);
	}
}

/* Fills st from the job's files; the heart of poll. */
static int job_status(struct local *L, struct ljob *j, struct hpcnet_job_status *st)
{
	struct hpcnet_local_shepherd sh;
	int rc;

	rc = hpcnet_local_status_read(j->dir, st);
	if (rc != -ENOENT)
		goto out;
	rc = hpcnet_local_shepherd_read(j->dir, &sh);
	if (rc == -ENOENT) {
		st->state = HPCNET_AS_PENDING;
		pending_reason(L, j, st->reason, sizeof(st->reason));
		return 0;
	}
	if (rc < 0)
		goto out;
	st->started_ms = sh.started_ms;
	if (hpcnet_local_proc_alive(sh.pid, sh.starttime)) {
		st->state = HPCNET_AS_RUNNING;
		j->phase = LP_RUNNING;
		return 0;
	}
	/* The shepherd may have recorded the end and exited since the first read. */
	rc = hpcnet_local_status_read(j->dir, st);
	if (rc != -ENOENT)
		goto out;
	kill_orphans(j, &sh);
	st->state = HPCNET_AS_LOST;
	st->exit_code = -1;
	st->ended_ms = hpcnet_now_ms();
	snprintf(st->reason, sizeof(st->reason),
		 "the job's shepherd (pid %d) died without recording how the job ended",
		 (int)sh.pid);
	hpcnet_warn("local: job %s: %s", j->id, st->reason);
	/* Recorded, so the verdict stays the same across polls and restarts. */
	rc = hpcnet_local_status_write(j->dir, st);
	if (rc == HPCNET_EEXIST)
		rc = hpcnet_local_status_read(j->dir, st);
out:
	if (rc == 0)
		j->phase = LP_DONE;
	return rc;
}

static int local_init(const struct hpcnet_adapter_conf *conf, void **state)
{
	struct local *L = NULL;
	char *root = NULL, real[PATH_MAX];
	size_t running = 0;
	int rc;

	if (!conf->workdir || !*conf->workdir) {
		hpcnet_error("local: no workdir configured");
		return HPCNET_EINVAL;
	}
	root = hpcnet_xasprintf("%s/jobs", conf->workdir);
	rc = hpcnet_fs_mkdirs(root, 0700);
	if (rc == 0 && !realpath(root, real))
		rc = -errno;
	if (rc < 0) {
		hpcnet_error("local: cannot use %s: %s", root, strerror(-rc));
		goto out;
	}
	L = hpcnet_xcalloc(1, sizeof(*L));
	/* Shepherds and jobs may run in other dirs: every path is absolute. */
	L->root = hpcnet_xstrdup(real);
	L->cores = conf->cores > 0 ? conf->cores : (int)sysconf(_SC_NPROCESSORS_ONLN);
	L->mem = conf->mem_bytes > 0 ? conf->mem_bytes : 0;
	L->gpus = conf->gpus > 0 ? conf->gpus : 0;
	L->grace_s = conf->kill_grace_s > 0 ? conf->kill_grace_s : 10;
	L->next_seq = 1;
	scan(L);
	for (size_t i = 0; i < L->njobs; i++)
		running += L->jobs[i].phase == LP_RUNNING;
	hpcnet_info("local: %d core(s) in %s; found %zu job(s) of an earlier run, %zu running",
		    L->cores, L->root, L->njobs, running);
	*state = L;
out:
	free(root);
	return rc;
}

static void local_fini(void *state)
{
	struct local *L = state;

	if (!L)
		return;
	/* Running jobs are left to their shepherds: they outlive the agent. */
	for (size_t i = 0; i < L->njobs; i++) {
		free(L->jobs[i].id);
		free(L->jobs[i].dir);
	}
	free(L->jobs);
	free(L->root);
	free(L);
}

/* A file path must stay inside the work dir: relative, no "..", names a file. */
static int file_path_ok(const char *p)
{
	const char *c = p;

	if (!p || !*p || p[0] == '/' || p[strlen(p) - 1] == '/')
		return 0;
	while (*c) {
		size_t n = strcspn(c, "/");

		if ((n == 2 && strncmp(c, "..", 2) == 0) || (n == 1 && c[0] == '.' && !c[1]))
			return 0;
		c += n;
		c += *c == '/';
	}
	return 1;
}

static int check_spec(const struct local *L, const struct hpcnet_job_spec *job)
{
	int cores = job->cores > 0 ? job->cores : 1;

	if (!job->script) {
		hpcnet_error("local: job %s has no script", job->id);
		return HPCNET_EINVAL;
	}
	if (job->walltime_s <= 0 || job->mem_bytes < 0 || job->gpus < 0) {
		hpcnet_error("local: job %s: walltime must be > 0, mem and gpus >= 0", job->id);
		return HPCNET_EINVAL;
	}
	if (!fits_ever(L, cores, job->mem_bytes, job->gpus)) {
		hpcnet_error("local: job %s asks %d core(s), %lld bytes, %d GPU(s); this center "
			     "has %d core(s), %lld bytes (0: not counted), %d GPU(s): it can never "
			     "run here",
			     job->id, cores, (long long)job->mem_bytes, job->gpus, L->cores,
			     (long long)L->mem, L->gpus);
		return HPCNET_EINVAL;
	}
	for (size_t i = 0; i < job->nenv; i++) {
		if (!job->env[i] || !strchr(job->env[i], '=') || job->env[i][0] == '=') {
			hpcnet_error("local: job %s: env entry %zu is not NAME=VALUE", job->id, i);
			return HPCNET_EINVAL;
		}
	}
	for (size_t i = 0; i < job->nfiles; i++) {
		if (!file_path_ok(job->files[i].path)) {
			hpcnet_error("local: job %s: file path \"%s\" must be relative, without \"..\"",
				     job->id, job->files[i].path ? job->files[i].path : "(null)");
			return HPCNET_EINVAL;
		}
	}
	return 0;
}

/* Writes everything but spec.json; the caller commits with spec.json. */
static int write_job_files(const char *dir, const struct hpcnet_job_spec *job)
{
	char *path = hpcnet_local_path(dir, HPCNET_LOCAL_WORK);
	int rc = hpcnet_fs_mkdirs(path, 0755);

	free(path);
	path = hpcnet_local_path(dir, HPCNET_LOCAL_SCRIPT);
	if (rc == 0)
		rc = hpcnet_fs_write_atomic(path, job->script, strlen(job->script), 0700);
	for (size_t i = 0; rc == 0 && i < job->nfiles; i++) {
		char *slash;

		free(path);
		path = hpcnet_xasprintf("%s/%s/%s", dir, HPCNET_LOCAL_WORK, job->files[i].path);
		slash = strrchr(path, '/');
		*slash = '\0';
		rc = hpcnet_fs_mkdirs(path, 0755);
		*slash = '/';
		if (rc == 0)
			rc = hpcnet_fs_write_atomic(path, job->files[i].data, job->files[i].len, 0644);
	}
	free(path);
	return rc;
}

static int local_submit(void *state, const struct hpcnet_job_spec *job, char *ref, size_t reflen)
{
	struct local *L = state;
	struct hpcnet_local_spec spec;
	char *dir = NULL;
	int rc;

	if (!hpcnet_local_id_valid(job->id)) {
		hpcnet_error("local: job id \"%s\" is not usable as a directory name",
			     job->id ? job->id : "(null)");
		return HPCNET_EINVAL;
	}
	/* The job id is the reference: it names the job's directory. */
	if ((size_t)snprintf(ref, reflen, "%s", job->id) >= reflen)
		return HPCNET_EINVAL;
	if (find(L, job->id))
		return 0; /* committed before: idempotent */
	rc = check_spec(L, job);
	if (rc < 0)
		return rc;
	dir = hpcnet_local_path(L->root, job->id);
	if (hpcnet_local_exists(dir, HPCNET_LOCAL_SPEC)) {
		/* Committed, but init could not read it: never overwrite a job
		 * that may have run. */
		hpcnet_error("local: job %s: %s/%s exists but is unreadable", job->id, dir,
			     HPCNET_LOCAL_SPEC);
		rc = HPCNET_EPROTO;
		goto out;
	}
	/* Leftovers of a submit cut short before its commit point. */
	rc = hpcnet_fs_remove_tree(dir);
	if (rc == 0)
		rc = write_job_files(dir, job);
	if (rc == 0)
		rc = hpcnet_local_spec_write(dir, job, L->next_seq);
	if (rc == 0)
		rc = hpcnet_local_spec_read(dir, &spec);
	if (rc < 0) {
		hpcnet_error("local: cannot store job %s in %s: %s", job->id, dir,
			     hpcnet_strerror(rc));
		hpcnet_fs_remove_tree(dir);
		goto out;
	}
	add(L, job->id, &spec);
	hpcnet_local_spec_clear(&spec);
out:
	free(dir);
	return rc;
}

static int local_poll(void *state, const char *job_id, const char *ref,
		      struct hpcnet_job_status *st)
{
	struct local *L = state;
	struct ljob *j;
	int rc;

	memset(st, 0, sizeof(*st));
	schedule(L);
	j = find(L, job_id);
	if (!j)
		return HPCNET_ENOTFOUND;
	rc = job_status(L, j, st);
	snprintf(st->stdout_path, sizeof(st->stdout_path), "%s/stdout", j->dir);
	snprintf(st->stderr_path, sizeof(st->stderr_path), "%s/stderr", j->dir);
	return rc;
}

static int local_cancel(void *state, const char *job_id, const char *ref)
{
	struct local *L = state;
	struct hpcnet_local_shepherd sh;
	struct ljob *j = find(L, job_id);
	char *marker;
	int rc;

	if (!j)
		return HPCNET_ENOTFOUND;
	if (hpcnet_local_exists(j->dir, HPCNET_LOCAL_STATUS))
		return 0; /* finished: nothing to stop */
	rc = end_unstarted(j, HPCNET_AS_CANCELLED, "cancelled before it started");
	if (rc <= 0)
		return rc;
	/*
	 * Running: the marker tells the shepherd (and any later shepherd
	 * check) why, the signal wakes it. The shepherd does SIGTERM and,
	 * after the grace, SIGKILL to the job's group, so we never wait here.
	 */
	marker = hpcnet_local_path(j->dir, HPCNET_LOCAL_CANCEL);
	rc = hpcnet_fs_write_atomic(marker, "", 0, 0644);
	free(marker);
	if (rc < 0)
		return rc;
	if (hpcnet_local_shepherd_read(j->dir, &sh) == 0 &&
	    hpcnet_local_proc_alive(sh.pid, sh.starttime))
		kill(sh.pid, SIGTERM);
	return 0;
}

static int local_snapshot(void *state, struct hpcnet_snapshot *snap)
{
	struct local *L = state;
	int64_t cores, mem, gpus;

	schedule(L);
	used(L, &cores, &mem, &gpus);
	memset(snap, 0, sizeof(*snap));
	/* Clamped: jobs started under a larger configuration may hold more. */
	snap->total_cores = L->cores;
	snap->free_cores = L->cores > cores ? L->cores - cores : 0;
	snap->total_mem_bytes = L->mem;
	snap->free_mem_bytes = L->mem > mem ? L->mem - mem : 0;
	snap->total_gpus = L->gpus;
	snap->free_gpus = L->gpus > gpus ? L->gpus - gpus : 0;
	for (size_t i = 0; i < L->njobs; i++) {
		snap->queue_len += L->jobs[i].phase == LP_PENDING;
		snap->running += L->jobs[i].phase == LP_RUNNING;
	}
	return 0;
}

static int local_purge(void *state, const char *job_id, const char *ref)
{
	struct local *L = state;
	struct hpcnet_job_status st;
	struct ljob *j = find(L, job_id);
	char *gone;
	int rc;

	if (!j)
		return 0; /* purged before: safe to repeat */
	memset(&st, 0, sizeof(st));
	rc = job_status(L, j, &st);
	if (rc < 0)
		return rc;
	if (j->phase != LP_DONE)
		return HPCNET_ECONFLICT;
	/* One rename makes the job gone even if the removal is cut short. */
	gone = hpcnet_xasprintf("%s/.purge-%s", L->root, j->id);
	if (rename(j->dir, gone) < 0 && errno != ENOENT) {
		rc = -errno;
		goto out;
	}
	rc = hpcnet_fs_remove_tree(gone);
	if (rc < 0) /* init removes it next time */
		hpcnet_warn("local: removing %s: %s", gone, strerror(-rc));
	rc = 0;
	drop(L, j);
out:
	free(gone);
	return rc;
}

const struct hpcnet_adapter hpcnet_adapter_local = {
	.name = "local",
	.caps = HPCNET_CAP_CANCEL,
	.init = local_init,
	.fini = local_fini,
	.submit = local_submit,
	.poll = local_poll,
	.cancel = local_cancel,
	.snapshot = local_snapshot,
	.purge = local_purge,
};
