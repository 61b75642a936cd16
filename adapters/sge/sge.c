/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The `sge` adapter: drives (Son of) Grid Engine through its command-line
 * tools (qsub, qstat, qacct, qdel, qhold, qrls, qmod, qhost), run with
 * common/subproc (argv only, hard timeout). The parsers live in their own
 * files (sge.h); this file holds the ops table and the job directories.
 *
 * Each job owns WORKDIR/<job_id>/ (WORKDIR is the agent's workdir/sge),
 * which is the job's cwd with the submitted files in it, and keeps the
 * adapter's own files in WORKDIR/<job_id>/.hpcnet/:
 *
 *   script, job.sh   the job's script and the wrapper qsub runs (env, #!)
 *   spec             walltime and slots, to explain a kill at h_rt later
 *   attempt          written before qsub: a submit may have reached SGE
 *   submitted.jobid  the SGE job number, written atomically right after
 *                    qsub answers: the idempotency marker
 *   state            last state seen in qstat (and when it started)
 *   cancel           the agent asked for a qdel
 *   status           the final state, written once
 *   stdout, stderr   the job's output (qsub -o/-e)
 *
 * Why files: a finished job vanishes from qstat at once and only qacct
 * knows how it ended, so everything the adapter must still know after a
 * restart (which SGE job a hub job became, whether we cancelled it, what
 * we saw last) is on disk. submit is idempotent: with submitted.jobid it
 * returns the recorded job; with only `attempt` (a qsub cut short or
 * timed out) it looks for an SGE job named hpcnet-<id> in qstat and qacct
 * before submitting again.
 *
 * Commands that time out, fail to run or print what the parsers refuse
 * give HPCNET_EUNAVAIL ("could not look"), never a failed job.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "adapters/sge/sge.h"
#include "common/clock.h"
#include "common/fsutil.h"
#include "common/log.h"
#include "common/subproc.h"
#include "common/xalloc.h"
#include "hpcnet/error.h"

#define META ".hpcnet"
#define ID_MAX 128
#define NAME_PREFIX "hpcnet-"
/*
 * qstat is read once for all of this agent's jobs and the answer reused
 * for this long, and for 1 ms per 4 jobs in it (up to 10 s) when there
 * are many. The agent polls every active job in one burst per loop
 * iteration (every ~100 ms): without the cache, N jobs cost N qstat calls
 * per iteration (~8 ms each here, far more on a busy qmaster). With a
 * 500 ms answer a job's end reached the hub ~0.25 s late on average; at
 * 100 ms it costs at most ~10 qstat/s, and only while jobs are in flight.
 * Any submit, cancel or control invalidates it.
 */
#define QSTAT_TTL_MS 100
/*
 * A job that left qstat may not be in qacct yet: the qmaster writes the
 * accounting record when the execd has reported the end, and by default
 * buffers it (accounting_flush_time, 15 s unless configured). Until this
 * long after it was first missed, the job keeps its last state; after
 * that the adapter says HPCNET_ENOTFOUND and the agent marks it lost.
 */
#define ACCT_GRACE_MS 30000

struct sjob {
	char *id;
	int64_t number;        /* SGE job number, 0 if unknown */
	int64_t walltime_s;
	enum hpcnet_adapter_state last;
	int64_t started_ms;
	int64_t absent_since;  /* monotonic ms first missed in qstat, 0 if seen */
};

struct sge {
	char *root;            /* absolute WORKDIR */
	char *bindir;          /* "" = look the commands up in PATH */
	char *pe, *queue, *mem_res, *gpu_res, *user;
	int verify;
	int timeout_ms;
	char *env[5];
	struct hpcnet_sge_qstat qs;
	int64_t qs_at;         /* monotonic ms of qs, 0 = none */
	struct sjob *jobs;
	size_t njobs;
};

static int id_valid(const char *id)
{
	size_t n = id ? strlen(id) : 0;

	return n > 0 && n <= ID_MAX && id[0] != '.' &&
	       strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

static char *meta_path(const struct sge *S, const char *id, const char *leaf)
{
	return hpcnet_xasprintf("%s/%s/" META "%s%s", S->root, id, leaf ? "/" : "", leaf ? leaf : "");
}

static int meta_exists(const struct sge *S, const char *id, const char *leaf)
{
	char *p = meta_path(S, id, leaf);
	int ok = access(p, F_OK) == 0;

	free(p);
	return ok;
}

static int meta_write(const struct sge *S, const char *id, const char *leaf, const char *data,
		      mode_t mode)
{
	char *p = meta_path(S, id, leaf);
	int rc = hpcnet_fs_write_atomic(p, data, strlen(data), mode);

	if (rc < 0)
		hpcnet_warn("sge: cannot write %s: %s", p, strerror(-rc));
	free(p);
	return rc;
}

/* Reads a small meta file; NULL when absent or unreadable. Caller frees. */
static char *meta_read(const struct sge *S, const char *id, const char *leaf)
{
	char *p = meta_path(S, id, leaf), *data = NULL;
	size_t len;

	if (hpcnet_fs_read(p, 65536, &data, &len) < 0)
		data = NULL;
	free(p);
	return data;
}

/* The value of "key=" in a key=value-per-line text, into buf. 1 if found. */
static int kv_get(const char *text, const char *key, char *buf, size_t len)
{
	size_t n = strlen(key);

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (strncmp(l, key, n) == 0 && l[n] == '=') {
			size_t v = strcspn(l + n + 1, "\n");

			snprintf(buf, len, "%.*s", (int)v, l + n + 1);
			return 1;
		}
	}
	return 0;
}

static int64_t kv_int(const char *text, const char *key)
{
	char v[32];

	return kv_get(text, key, v, sizeof(v)) ? strtoll(v, NULL, 10) : 0;
}

/* ---- running the commands ---- */

/*
 * Runs cmd (from bindir, or PATH) with args. 0 when it ran to its end
 * (look at r->exit_code), HPCNET_EUNAVAIL when it could not be started or
 * was killed for taking too long. Caller frees r when 0.
 */
static int run(struct sge *S, const char *cmd, const char *const *args, struct hpcnet_run *r)
{
	const char *argv[32];
	char *path = *S->bindir ? hpcnet_xasprintf("%s/%s", S->bindir, cmd) : hpcnet_xstrdup(cmd);
	size_t n = 0;
	int rc;

	argv[n++] = path;
	for (; args && *args && n < 31; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	memset(r, 0, sizeof(*r));
	rc = hpcnet_run_cmd(argv, (const char *const *)S->env, NULL, S->timeout_ms, r);
	if (rc < 0) {
		hpcnet_warn("sge: %s: %s", path,
			    rc == HPCNET_ETIMEOUT ? "no answer in time, killed"
			    : rc == -ENOENT       ? "not found (is the Grid Engine client installed?)"
						  : hpcnet_strerror(rc));
		hpcnet_run_free(r);
		rc = HPCNET_EUNAVAIL;
	}
	free(path);
	return rc;
}

/* The command's complaint, on one line, for logs. */
static const char *complaint(struct hpcnet_run *r, char *buf, size_t len)
{
	const char *src = r->err.len ? r->err.data : r->out.len ? r->out.data : "(no output)";
	size_t i;

	snprintf(buf, len, "%s", src);
	for (i = 0; buf[i]; i++)
		if (buf[i] == '\n' || buf[i] == '\r')
			buf[i] = ' ';
	while (i > 0 && buf[i - 1] == ' ')
		buf[--i] = '\0';
	return buf;
}

static int mentions(const struct hpcnet_run *r, const char *s)
{
	return (r->out.data && strstr(r->out.data, s)) || (r->err.data && strstr(r->err.data, s));
}

/* The qmaster could not be reached (or the cell is not set up): try later. */
static int unreachable(const struct hpcnet_run *r)
{
	return mentions(r, "commlib error") || mentions(r, "qmaster") ||
	       mentions(r, "cell directory") || mentions(r, "SGE_ROOT");
}

/* ---- the in-memory view of the jobs ---- */

static struct sjob *job_find(struct sge *S, const char *id)
{
	for (size_t i = 0; i < S->njobs; i++)
		if (strcmp(S->jobs[i].id, id) == 0)
			return &S->jobs[i];
	return NULL;
}

/* The job's entry, loaded from its files on first use; NULL if never submitted. */
static struct sjob *job_get(struct sge *S, const char *id)
{
	struct sjob *j = job_find(S, id);
	char *num, *spec, *state, v[32];

	if (j)
		return j;
	num = meta_read(S, id, "submitted.jobid");
	if (!num)
		return NULL;
	spec = meta_read(S, id, "spec");
	state = meta_read(S, id, "state");
	S->jobs = hpcnet_xrealloc(S->jobs, (S->njobs + 1) * sizeof(*S->jobs));
	j = &S->jobs[S->njobs++];
	memset(j, 0, sizeof(*j));
	j->id = hpcnet_xstrdup(id);
	j->number = strtoll(num, NULL, 10);
	j->walltime_s = spec ? kv_int(spec, "walltime_s") : 0;
	j->last = HPCNET_AS_PENDING;
	if (state && kv_get(state, "state", v, sizeof(v))) {
		for (int s = HPCNET_AS_PENDING; s <= HPCNET_AS_SUSPENDED; s++)
			if (strcmp(v, hpcnet_adapter_state_name(s)) == 0)
				j->last = s;
		j->started_ms = kv_int(state, "started_ms");
	}
	free(num);
	free(spec);
	free(state);
	return j;
}

static void job_drop(struct sge *S, struct sjob *j)
{
	free(j->id);
	*j = S->jobs[--S->njobs];
}

/* ---- final status on disk ---- */

static int status_write(struct sge *S, const char *id, const struct hpcnet_job_status *st)
{
	char *text = hpcnet_xasprintf("state=%s\nexit_code=%d\nsignal=%d\nstarted_ms=%lld\n"
				      "ended_ms=%lld\ncpu_ms=%lld\nmax_rss_bytes=%lld\nreason=%s\n",
				      hpcnet_adapter_state_name(st->state), st->exit_code,
				      st->signal, (long long)st->started_ms,
				      (long long)st->ended_ms, (long long)(st->cpu_seconds * 1000),
				      (long long)st->max_rss_bytes, st->reason);
	int rc;

	for (char *c = strstr(text, "reason="); c && *c; c++) /* one line */
		if (*c == '\n' && c[1])
			*c = ' ';
	rc = meta_write(S, id, "status", text, 0644);
	free(text);
	return rc;
}

/* 0 and st filled, -ENOENT while the job has not finished. */
static int status_read(struct sge *S, const char *id, struct hpcnet_job_status *st)
{
	char *text = meta_read(S, id, "status"), v[32];
	int found = 0;

	if (!text)
		return -ENOENT;
	if (kv_get(text, "state", v, sizeof(v)))
		for (int s = HPCNET_AS_PENDING; s <= HPCNET_AS_SUSPENDED; s++)
			if (strcmp(v, hpcnet_adapter_state_name(s)) == 0) {
				st->state = s;
				found = 1;
			}
	st->exit_code = (int)kv_int(text, "exit_code");
	st->signal = (int)kv_int(text, "signal");
	st->started_ms = kv_int(text, "started_ms");
	st->ended_ms = kv_int(text, "ended_ms");
	st->cpu_seconds = (double)kv_int(text, "cpu_ms") / 1000.0;
	st->max_rss_bytes = kv_int(text, "max_rss_bytes");
	kv_get(text, "reason", st->reason, sizeof(st->reason));
	free(text);
	return found ? 0 : HPCNET_EPROTO;
}

/* ---- qstat, cached ---- */

static void qstat_forget(struct sge *S)
{
	hpcnet_sge_qstat_free(&S->qs);
	S->qs_at = 0;
}

/* Reads the jobs of args' qstat into *q. 0 or HPCNET_EUNAVAIL. */
static int qstat_read(struct sge *S, const char *const *args, struct hpcnet_sge_qstat *q)
{
	struct hpcnet_run r;
	char why[256];
	int rc = run(S, "qstat", args, &r);

	if (rc < 0)
		return rc;
	if (r.exit_code != 0) {
		hpcnet_warn("sge: qstat failed (exit %d): %s", r.exit_code,
			    complaint(&r, why, sizeof(why)));
		rc = HPCNET_EUNAVAIL;
	} else if (hpcnet_sge_parse_qstat(r.out.data, r.out.len, q) < 0) {
		hpcnet_warn("sge: cannot read what qstat -xml printed (%zu bytes)", r.out.len);
		rc = HPCNET_EUNAVAIL;
	}
	hpcnet_run_free(&r);
	return rc;
}

/* This agent's jobs, from a qstat at most QSTAT_TTL_MS old (longer when many). */
static int qstat_jobs(struct sge *S)
{
	const char *args[] = { "-xml", "-u", S->user, NULL };
	int64_t age = hpcnet_mono_ms() - S->qs_at;
	int rc;

	if (S->qs_at && (age < QSTAT_TTL_MS ||
			 age < (int64_t)(S->qs.njobs < 40000 ? S->qs.njobs / 4 : 10000)))
		return 0;
	qstat_forget(S);
	rc = qstat_read(S, args, &S->qs);
	if (rc == 0)
		S->qs_at = hpcnet_mono_ms();
	return rc;
}

/* ---- init / fini ---- */

static char *opt(const struct hpcnet_adapter_conf *conf, const char *key, const char *def)
{
	const char *v = hpcnet_adapter_opt(conf, key);

	return v ? hpcnet_xstrdup(v) : def ? hpcnet_xstrdup(def) : NULL;
}

/* $SGE_ROOT/bin/<arch>, arch from $SGE_ROOT/util/arch; "" (PATH) if that fails. */
static char *default_bindir(const char *sge_root, char *const env[])
{
	struct hpcnet_run r;
	const char *argv[2];
	char *arch = hpcnet_xasprintf("%s/util/arch", sge_root), *dir = hpcnet_xstrdup("");
	size_t n;

	argv[0] = arch;
	argv[1] = NULL;
	if (hpcnet_run_cmd(argv, (const char *const *)env, NULL, 10000, &r) == 0) {
		n = strcspn(r.out.data ? r.out.data : "", "\n");
		if (r.exit_code == 0 && n > 0 && n < 64) {
			free(dir);
			dir = hpcnet_xasprintf("%s/bin/%.*s", sge_root, (int)n, r.out.data);
		}
		hpcnet_run_free(&r);
	}
	if (!*dir)
		hpcnet_warn("sge: %s failed; using qsub, qstat ... from PATH", arch);
	free(arch);
	return dir;
}

static void sge_fini(void *state)
{
	struct sge *S = state;

	if (!S)
		return;
	for (size_t i = 0; i < S->njobs; i++)
		free(S->jobs[i].id);
	free(S->jobs);
	qstat_forget(S);
	for (size_t i = 0; S->env[i]; i++)
		free(S->env[i]);
	free(S->root);
	free(S->bindir);
	free(S->pe);
	free(S->queue);
	free(S->mem_res);
	free(S->gpu_res);
	free(S->user);
	free(S);
}

/* Removes what an interrupted purge left behind. */
static void sweep(struct sge *S)
{
	struct dirent *de;
	DIR *d = opendir(S->root);

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, ".purge-", 7) == 0) {
			char *p = hpcnet_xasprintf("%s/%s", S->root, de->d_name);

			hpcnet_fs_remove_tree(p);
			free(p);
		}
	}
	closedir(d);
}

static int sge_init(const struct hpcnet_adapter_conf *conf, void **state)
{
	struct sge *S;
	struct passwd *pw;
	char real[PATH_MAX], *sge_root, *sge_cell, *v;
	const char *t;
	int rc;

	if (!conf->workdir || !*conf->workdir) {
		hpcnet_error("sge: no workdir configured");
		return HPCNET_EINVAL;
	}
	rc = hpcnet_fs_mkdirs(conf->workdir, 0700);
	if (rc == 0 && !realpath(conf->workdir, real))
		rc = -errno;
	if (rc < 0) {
		hpcnet_error("sge: cannot use %s: %s", conf->workdir, strerror(-rc));
		return rc;
	}
	S = hpcnet_xcalloc(1, sizeof(*S));
	/* The job dirs are the jobs' cwd on the execution hosts: absolute. */
	S->root = hpcnet_xstrdup(real);
	sge_root = opt(conf, "sge_root", getenv("SGE_ROOT") ? getenv("SGE_ROOT") : "/var/lib/gridengine");
	sge_cell = opt(conf, "sge_cell", getenv("SGE_CELL") ? getenv("SGE_CELL") : "default");
	S->env[0] = hpcnet_xasprintf("SGE_ROOT=%s", sge_root);
	S->env[1] = hpcnet_xasprintf("SGE_CELL=%s", sge_cell);
	S->env[2] = hpcnet_xstrdup("LC_ALL=C"); /* dates and messages as parsed here */
	S->env[3] = hpcnet_xstrdup("SGE_SINGLE_LINE=1");
	S->bindir = opt(conf, "bindir", NULL);
	if (!S->bindir)
		S->bindir = default_bindir(sge_root, S->env);
	S->pe = opt(conf, "pe", "smp");
	S->queue = opt(conf, "queue", NULL);
	S->mem_res = opt(conf, "mem_resource", "h_vmem");
	S->gpu_res = opt(conf, "gpu_resource", NULL);
	v = opt(conf, "verify", "yes");
	S->verify = strcmp(v, "no") != 0 && strcmp(v, "0") != 0;
	free(v);
	t = hpcnet_adapter_opt(conf, "timeout");
	S->timeout_ms = t && atoi(t) > 0 ? atoi(t) * 1000
			: conf->cmd_timeout_ms > 0 ? conf->cmd_timeout_ms : 30000;
	pw = getpwuid(geteuid());
	S->user = pw ? hpcnet_xstrdup(pw->pw_name) : hpcnet_xasprintf("%u", (unsigned)geteuid());
	sweep(S);
	hpcnet_info("sge: SGE_ROOT=%s SGE_CELL=%s, commands from %s, jobs in %s as user %s, "
		    "pe %s, queue %s, memory as %s, command timeout %d ms",
		    sge_root, sge_cell, *S->bindir ? S->bindir : "PATH", S->root, S->user, S->pe,
		    S->queue ? S->queue : "(SGE's choice)", S->mem_res, S->timeout_ms);
	free(sge_root);
	free(sge_cell);
	*state = S;
	return 0;
}

/* ---- submit ---- */

/* A file path must stay inside the job dir and off the adapter's files. */
static int file_path_ok(const char *p)
{
	const char *c = p;

	if (!p || !*p || p[0] == '/' || p[strlen(p) - 1] == '/')
		return 0;
	if (strncmp(p, META, strlen(META)) == 0 && (!p[strlen(META)] || p[strlen(META)] == '/'))
		return 0;
	while (*c) {
		size_t n = strcspn(c, "/");

		if ((n == 2 && strncmp(c, "..", 2) == 0) || (n == 1 && c[0] == '.'))
			return 0;
		c += n;
		c += *c == '/';
	}
	return 1;
}

static int env_ok(const char *e)
{
	size_t n = e ? strcspn(e, "=") : 0;

	if (!e || !e[n] || n == 0 || isdigit((unsigned char)e[0]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)e[i]) && e[i] != '_')
			return 0;
	return 1;
}

static int check_spec(const struct sge *S, const struct hpcnet_job_spec *job)
{
	if (!job->script) {
		hpcnet_error("sge: job %s has no script", job->id);
		return HPCNET_EINVAL;
	}
	if (job->walltime_s <= 0 || job->mem_bytes < 0 || job->gpus < 0 || job->cores < 0) {
		hpcnet_error("sge: job %s: walltime must be > 0; cores, mem and gpus >= 0", job->id);
		return HPCNET_EINVAL;
	}
	if (job->gpus > 0 && !S->gpu_res) {
		hpcnet_error("sge: job %s asks for %d GPU(s); this center names no GPU resource "
			     "(adapter option gpu_resource=)", job->id, job->gpus);
		return HPCNET_EINVAL;
	}
	for (size_t i = 0; i < job->nenv; i++) {
		if (!env_ok(job->env[i])) {
			hpcnet_error("sge: job %s: env entry %zu is not NAME=VALUE with a shell name",
				     job->id, i);
			return HPCNET_EINVAL;
		}
	}
	for (size_t i = 0; i < job->nfiles; i++) {
		if (!file_path_ok(job->files[i].path)) {
			hpcnet_error("sge: job %s: file path \"%s\" must be relative, without \"..\", "
				     "not under " META "/", job->id,
				     job->files[i].path ? job->files[i].path : "(null)");
			return HPCNET_EINVAL;
		}
	}
	return 0;
}

/* s in single quotes for sh: ' becomes '\'' */
static void sh_quote(struct hpcnet_buf *b, const char *s)
{
	hpcnet_buf_add(b, "'", 1);
	for (; *s; s++) {
		if (*s == '\'')
			hpcnet_buf_add(b, "'\\''", 4);
		else
			hpcnet_buf_add(b, s, 1);
	}
	hpcnet_buf_add(b, "'", 1);
}

/*
 * The wrapper qsub spools: sets the job's environment and runs the script.
 * Env goes here, not in qsub -v, because -v splits values at commas.
 * exec keeps the script's #! line meaningful (SGE's posix_compliant mode
 * would otherwise feed it to the -S shell whatever it says).
 */
static char *wrapper(const char *dir, const struct hpcnet_job_spec *job)
{
	struct hpcnet_buf b = { 0 };
	char *script = hpcnet_xasprintf("%s/" META "/script", dir);

	hpcnet_buf_addf(&b, "#!/bin/sh\n# written by the hpcnet sge adapter for job %s\n", job->id);
	hpcnet_buf_addf(&b, "export HPCNET_JOB_ID=%s\n", job->id); /* id_valid: no quoting needed */
	for (size_t i = 0; i < job->nenv; i++) {
		size_t n = strcspn(job->env[i], "=");

		hpcnet_buf_addf(&b, "export %.*s=", (int)n, job->env[i]);
		sh_quote(&b, job->env[i] + n + 1);
		hpcnet_buf_add(&b, "\n", 1);
	}
	hpcnet_buf_addf(&b, "exec %s", strncmp(job->script, "#!", 2) == 0 ? "" : "/bin/sh ");
	sh_quote(&b, script);
	hpcnet_buf_add(&b, "\n", 1);
	free(script);
	return b.data;
}

static int write_job_files(struct sge *S, const char *dir, const struct hpcnet_job_spec *job)
{
	char *path = hpcnet_xasprintf("%s/" META, dir), *text;
	int rc = hpcnet_fs_mkdirs(path, 0755);

	for (size_t i = 0; rc == 0 && i < job->nfiles; i++) {
		char *slash;

		free(path);
		path = hpcnet_xasprintf("%s/%s", dir, job->files[i].path);
		slash = strrchr(path, '/');
		*slash = '\0';
		rc = hpcnet_fs_mkdirs(path, 0755);
		*slash = '/';
		if (rc == 0)
			rc = hpcnet_fs_write_atomic(path, job->files[i].data, job->files[i].len, 0644);
	}
	free(path);
	if (rc == 0)
		rc = meta_write(S, job->id, "script", job->script, 0755);
	if (rc == 0) {
		text = wrapper(dir, job);
		rc = meta_write(S, job->id, "job.sh", text, 0755);
		free(text);
	}
	if (rc == 0) {
		text = hpcnet_xasprintf("walltime_s=%lld\ncores=%d\nmem_bytes=%lld\n",
					(long long)job->walltime_s, job->cores > 0 ? job->cores : 1,
					(long long)job->mem_bytes);
		rc = meta_write(S, job->id, "spec", text, 0644);
		free(text);
	}
	return rc;
}

/* Records that hub job id is SGE job number (the commit point of submit). */
static int record_number(struct sge *S, const char *id, int64_t number, char *ref, size_t reflen)
{
	char text[32];
	int rc;

	snprintf(text, sizeof(text), "%lld\n", (long long)number);
	rc = meta_write(S, id, "submitted.jobid", text, 0644);
	if (rc < 0)
		return rc;
	snprintf(ref, reflen, "%lld", (long long)number);
	return 0;
}

/*
 * A submit was attempted before without a recorded answer: is there an
 * SGE job named for this id (still queued or running, or finished)?
 * 1 with *number set, 0 if none, or HPCNET_EUNAVAIL.
 */
static int find_by_name(struct sge *S, const char *id, int64_t *number)
{
	struct hpcnet_sge_qstat q;
	struct hpcnet_sge_acct a;
	struct hpcnet_run r;
	char *name = hpcnet_xasprintf(NAME_PREFIX "%s", id);
	const char *qargs[] = { "-xml", "-u", S->user, NULL };
	const char *aargs[] = { "-j", name, NULL };
	int rc = qstat_read(S, qargs, &q);

	if (rc < 0)
		goto out;
	rc = 0;
	for (size_t i = 0; i < q.njobs; i++)
		if (strcmp(q.jobs[i].name, name) == 0 && q.jobs[i].number > *number) {
			*number = q.jobs[i].number;
			rc = 1;
		}
	hpcnet_sge_qstat_free(&q);
	if (rc)
		goto out;
	rc = run(S, "qacct", aargs, &r);
	if (rc < 0)
		goto out;
	if (r.exit_code == 0 && hpcnet_sge_parse_qacct(r.out.data, r.out.len, &a) == 0 &&
	    a.jobnumber > 0) {
		*number = a.jobnumber;
		rc = 1;
	} else if (r.exit_code != 0 && mentions(&r, "not found")) {
		rc = 0;
	} else {
		rc = HPCNET_EUNAVAIL;
	}
	hpcnet_run_free(&r);
out:
	free(name);
	return rc;
}

/* qsub's answer: "123" or "123.1-4:1" (an array). */
static int64_t parse_job_number(const char *out)
{
	char *end;
	long long n;

	if (!out || !isdigit((unsigned char)*out))
		return 0;
	n = strtoll(out, &end, 10);
	if (n <= 0 || (*end && *end != '\n' && *end != '.'))
		return 0;
	return n;
}

static int qsub(struct sge *S, const char *dir, const struct hpcnet_job_spec *job, int64_t *number)
{
	const char *args[32];
	char *name = hpcnet_xasprintf(NAME_PREFIX "%s", job->id);
	char *out = hpcnet_xasprintf("%s/" META "/stdout", dir);
	char *err = hpcnet_xasprintf("%s/" META "/stderr", dir);
	char *script = hpcnet_xasprintf("%s/" META "/job.sh", dir);
	char *hrt = hpcnet_xasprintf("h_rt=%lld", (long long)job->walltime_s);
	char *envv = hpcnet_xasprintf("HPCNET_JOB_ID=%s", job->id);
	char *mem = NULL, *gpu = NULL, cores[16], why[512];
	int ncores = job->cores > 0 ? job->cores : 1, rc;
	const char *queue = job->partition && *job->partition ? job->partition : S->queue;
	struct hpcnet_run r;
	size_t n = 0;

	args[n++] = "-terse";
	args[n++] = "-N";
	args[n++] = name;
	args[n++] = "-wd";
	args[n++] = dir;
	args[n++] = "-o";
	args[n++] = out;
	args[n++] = "-e";
	args[n++] = err;
	args[n++] = "-S";
	args[n++] = "/bin/sh";
	args[n++] = "-v";
	args[n++] = envv;
	args[n++] = "-l";
	args[n++] = hrt;
	if (S->verify) { /* refuse at once what no queue could ever run */
		args[n++] = "-w";
		args[n++] = "e";
	}
	if (job->mem_bytes > 0 && strcmp(S->mem_res, "none") != 0) {
		/* SGE memory requests are per slot: divide, rounding up, in KiB. */
		int64_t kib = (job->mem_bytes + 1023) / 1024;

		mem = hpcnet_xasprintf("%s=%lldK", S->mem_res, (long long)((kib + ncores - 1) / ncores));
		args[n++] = "-l";
		args[n++] = mem;
	}
	if (job->gpus > 0) {
		/* Consumables are per slot too: the job gets gpus/cores each, at least 1. */
		gpu = hpcnet_xasprintf("%s=%d", S->gpu_res, (job->gpus + ncores - 1) / ncores);
		args[n++] = "-l";
		args[n++] = gpu;
	}
	if (ncores > 1) {
		snprintf(cores, sizeof(cores), "%d", ncores);
		args[n++] = "-pe";
		args[n++] = S->pe;
		args[n++] = cores;
	}
	if (queue) {
		args[n++] = "-q";
		args[n++] = queue;
	}
	if (job->account && *job->account) {
		args[n++] = "-A";
		args[n++] = job->account;
	}
	args[n++] = script;
	args[n] = NULL;
	rc = run(S, "qsub", args, &r);
	if (rc < 0)
		goto out; /* timed out: it may have reached SGE; `attempt` says look first */
	*number = r.exit_code == 0 ? parse_job_number(r.out.data) : 0;
	if (*number > 0) {
		rc = 0;
	} else if (r.exit_code != 0 && !unreachable(&r) && mentions(&r, "Unable to run job")) {
		hpcnet_error("sge: qsub refused job %s: %s", job->id, complaint(&r, why, sizeof(why)));
		rc = HPCNET_EINVAL;
	} else {
		hpcnet_warn("sge: qsub of job %s failed (exit %d): %s", job->id, r.exit_code,
			    complaint(&r, why, sizeof(why)));
		rc = HPCNET_EUNAVAIL;
	}
	hpcnet_run_free(&r);
out:
	free(name);
	free(out);
	free(err);
	free(script);
	free(hrt);
	free(envv);
	free(mem);
	free(gpu);
	return rc;
}

static int sge_submit(void *state, const struct hpcnet_job_spec *job, char *ref, size_t reflen)
{
	struct sge *S = state;
	struct sjob *j;
	char *dir = NULL;
	int64_t number = 0;
	int rc;

	if (!id_valid(job->id)) {
		hpcnet_error("sge: job id \"%s\" is not usable as a directory and job name",
			     job->id ? job->id : "(null)");
		return HPCNET_EINVAL;
	}
	j = job_get(S, job->id);
	if (j) { /* submitted before: idempotent */
		snprintf(ref, reflen, "%lld", (long long)j->number);
		return 0;
	}
	rc = check_spec(S, job);
	if (rc < 0)
		return rc;
	dir = hpcnet_xasprintf("%s/%s", S->root, job->id);
	if (meta_exists(S, job->id, "attempt")) {
		/* An earlier qsub may have reached SGE without our noting it. */
		rc = find_by_name(S, job->id, &number);
		if (rc < 0)
			goto out;
		if (rc == 1) {
			hpcnet_info("sge: job %s was submitted before as SGE job %lld", job->id,
				    (long long)number);
			goto commit;
		}
	} else {
		rc = write_job_files(S, dir, job);
		if (rc == 0)
			rc = meta_write(S, job->id, "attempt", "", 0644);
		if (rc < 0) {
			hpcnet_error("sge: cannot store job %s in %s: %s", job->id, dir,
				     hpcnet_strerror(rc));
			hpcnet_fs_remove_tree(dir);
			goto out;
		}
	}
	qstat_forget(S);
	rc = qsub(S, dir, job, &number);
	if (rc == HPCNET_EINVAL) {
		hpcnet_fs_remove_tree(dir); /* refused: nothing reached SGE */
		goto out;
	}
	if (rc < 0)
		goto out;
commit:
	rc = record_number(S, job->id, number, ref, reflen);
	if (rc == 0)
		job_get(S, job->id);
out:
	free(dir);
	return rc;
}

/* ---- poll ---- */

static void remember(struct sge *S, struct sjob *j, enum hpcnet_adapter_state st, int64_t started)
{
	char *text;

	if (j->last == st && j->started_ms == started)
		return;
	j->last = st;
	j->started_ms = started;
	text = hpcnet_xasprintf("state=%s\nstarted_ms=%lld\n", hpcnet_adapter_state_name(st),
				(long long)started);
	meta_write(S, j->id, "state", text, 0644); /* a cache: losing it costs little */
	free(text);
}

/* A job in error state (Eqw) will not start by itself: say why, remove it. */
static int end_in_error(struct sge *S, struct sjob *j, struct hpcnet_job_status *st)
{
	struct hpcnet_run r;
	char num[32], why[200] = "";
	const char *jargs[] = { "-j", num, "-xml", NULL };
	const char *dargs[] = { num, NULL };
	int rc;

	snprintf(num, sizeof(num), "%lld", (long long)j->number);
	rc = run(S, "qstat", jargs, &r);
	if (rc < 0)
		return rc;
	if (r.exit_code == 0)
		hpcnet_sge_parse_qstat_j_reason(r.out.data, r.out.len, why, sizeof(why));
	hpcnet_run_free(&r);
	/* Removed so an operator clearing the error cannot start a job the
	 * hub already holds as failed. */
	rc = run(S, "qdel", dargs, &r);
	if (rc < 0)
		return rc;
	hpcnet_run_free(&r);
	qstat_forget(S);
	st->state = HPCNET_AS_FAILED;
	st->exit_code = -1;
	st->ended_ms = hpcnet_now_ms();
	snprintf(st->reason, sizeof(st->reason), "Grid Engine could not start the job: %s",
		 *why ? why : "job in error state (Eqw)");
	return status_write(S, j->id, st);
}

/* The job left qstat: qacct says how it ended. 1 = not in qacct (yet). */
static int from_accounting(struct sge *S, struct sjob *j, struct hpcnet_job_status *st)
{
	struct hpcnet_sge_acct a;
	struct hpcnet_run r;
	char num[32], why[256];
	const char *args[] = { "-j", num, NULL };
	int rc;

	snprintf(num, sizeof(num), "%lld", (long long)j->number);
	rc = run(S, "qacct", args, &r);
	if (rc < 0)
		return rc;
	if (r.exit_code != 0) {
		/* "error: job id 12 not found": no record, as opposed to no answer. */
		rc = mentions(&r, "not found") ? 1 : HPCNET_EUNAVAIL;
		if (rc < 0)
			hpcnet_warn("sge: qacct -j %s failed (exit %d): %s", num, r.exit_code,
				    complaint(&r, why, sizeof(why)));
		goto out;
	}
	rc = hpcnet_sge_parse_qacct(r.out.data, r.out.len, &a);
	if (rc == HPCNET_ENOTFOUND) {
		rc = 1;
	} else if (rc < 0) {
		hpcnet_warn("sge: cannot read what qacct -j %s printed", num);
		rc = HPCNET_EUNAVAIL;
	} else {
		hpcnet_sge_acct_status(&a, meta_exists(S, j->id, "cancel"), j->walltime_s, st);
		rc = status_write(S, j->id, st);
	}
out:
	hpcnet_run_free(&r);
	return rc;
}

static int sge_poll(void *state, const char *job_id, const char *ref, struct hpcnet_job_status *st)
{
	struct sge *S = state;
	const struct hpcnet_sge_job *q;
	struct sjob *j;
	int rc;

	if (!id_valid(job_id))
		return HPCNET_ENOTFOUND;
	j = job_get(S, job_id);
	if (!j)
		return HPCNET_ENOTFOUND;
	memset(st, 0, sizeof(*st));
	snprintf(st->stdout_path, sizeof(st->stdout_path), "%s/%s/" META "/stdout", S->root, job_id);
	snprintf(st->stderr_path, sizeof(st->stderr_path), "%s/%s/" META "/stderr", S->root, job_id);
	rc = status_read(S, job_id, st);
	if (rc != -ENOENT)
		return rc;
	rc = qstat_jobs(S);
	if (rc < 0)
		return rc;
	q = hpcnet_sge_qstat_find(&S->qs, j->number);
	if (q) {
		enum hpcnet_adapter_state s;

		j->absent_since = 0;
		if (hpcnet_sge_state(q->state, &s) < 0) {
			hpcnet_warn("sge: job %s (SGE %lld) has state \"%s\", which this adapter "
				    "does not know", job_id, (long long)j->number, q->state);
			return HPCNET_EUNAVAIL;
		}
		if (s == HPCNET_AS_FAILED)
			return end_in_error(S, j, st);
		st->state = s;
		st->started_ms = q->start_ms ? q->start_ms : j->started_ms;
		if (s == HPCNET_AS_PENDING || s == HPCNET_AS_HELD)
			st->started_ms = 0; /* rescheduled (Rq): waits again */
		if (s == HPCNET_AS_HELD)
			snprintf(st->reason, sizeof(st->reason), "held (qhold)");
		else if (s == HPCNET_AS_SUSPENDED)
			snprintf(st->reason, sizeof(st->reason), "suspended (%s)", q->state);
		remember(S, j, s, st->started_ms);
		return 0;
	}
	rc = from_accounting(S, j, st);
	if (rc <= 0)
		return rc;
	/* Neither in qstat nor in qacct. */
	if (meta_exists(S, job_id, "cancel") && j->started_ms == 0) {
		/* qdel of a waiting job leaves no accounting record. */
		st->state = HPCNET_AS_CANCELLED;
		st->exit_code = -1;
		st->ended_ms = hpcnet_now_ms();
		snprintf(st->reason, sizeof(st->reason), "cancelled before it started");
		return status_write(S, job_id, st);
	}
	if (!j->absent_since)
		j->absent_since = hpcnet_mono_ms();
	if (hpcnet_mono_ms() - j->absent_since < ACCT_GRACE_MS) {
		st->state = j->last; /* accounting lags: as last seen */
		st->started_ms = j->started_ms;
		return 0;
	}
	hpcnet_warn("sge: job %s (SGE %lld) is neither in qstat nor in qacct after %d s",
		    job_id, (long long)j->number, ACCT_GRACE_MS / 1000);
	return HPCNET_ENOTFOUND;
}

/* ---- cancel, control ---- */

/* Runs a job command (qdel, qhold, qrls, qmod) on job_id's SGE job. */
static int job_cmd(struct sge *S, const char *job_id, const char *cmd, const char *flag,
		   const char *verb)
{
	struct sjob *j = id_valid(job_id) ? job_get(S, job_id) : NULL;
	struct hpcnet_run r;
	char num[32], why[256];
	const char *args[4];
	size_t n = 0;
	int rc;

	if (!j)
		return HPCNET_ENOTFOUND;
	snprintf(num, sizeof(num), "%lld", (long long)j->number);
	if (flag)
		args[n++] = flag;
	if (strcmp(cmd, "qmod") == 0 && flag && strcmp(flag, "-rj") == 0) {
		/* -f: reschedule even a job not marked rerunnable (needs
		 * operator or manager rights, or the owner's own rerunnable job). */
		args[0] = "-f";
		args[n++] = "-rj";
	}
	args[n++] = num;
	args[n] = NULL;
	qstat_forget(S);
	rc = run(S, cmd, args, &r);
	if (rc < 0)
		return rc;
	complaint(&r, why, sizeof(why));
	if (mentions(&r, "does not exist") || mentions(&r, "not found")) {
		rc = HPCNET_ENOTFOUND; /* finished meanwhile */
	} else if (unreachable(&r)) {
		hpcnet_warn("sge: %s %s: %s", cmd, num, why);
		rc = HPCNET_EUNAVAIL;
	} else if (r.exit_code != 0 || mentions(&r, "denied") || mentions(&r, "not rerun") ||
		   mentions(&r, "invalid") || mentions(&r, "cannot")) {
		/* qmod answers 0 even when it refuses: read what it says. */
		hpcnet_warn("sge: cannot %s job %s (SGE %s): %s", verb, job_id, num, why);
		rc = mentions(&r, "denied") ? HPCNET_EPERM : HPCNET_ECONFLICT;
	}
	hpcnet_run_free(&r);
	return rc;
}

static int sge_cancel(void *state, const char *job_id, const char *ref)
{
	struct sge *S = state;
	struct hpcnet_job_status st;
	int rc;

	if (!id_valid(job_id) || !job_get(S, job_id))
		return HPCNET_ENOTFOUND;
	if (status_read(S, job_id, &st) == 0)
		return 0; /* finished: nothing to stop */
	/* First the marker: the accounting record of a killed job does not
	 * say who killed it. */
	rc = meta_write(S, job_id, "cancel", "", 0644);
	if (rc < 0)
		return rc;
	rc = job_cmd(S, job_id, "qdel", NULL, "cancel");
	return rc == HPCNET_ENOTFOUND ? 0 : rc; /* gone already: poll tells how it ended */
}

static int sge_control(void *state, const char *job_id, const char *ref, enum hpcnet_job_action act)
{
	switch (act) {
	case HPCNET_ACT_HOLD:
		return job_cmd(state, job_id, "qhold", NULL, "hold");
	case HPCNET_ACT_RELEASE:
		return job_cmd(state, job_id, "qrls", NULL, "release");
	case HPCNET_ACT_SUSPEND:
		return job_cmd(state, job_id, "qmod", "-sj", "suspend");
	case HPCNET_ACT_RESUME:
		return job_cmd(state, job_id, "qmod", "-usj", "resume");
	case HPCNET_ACT_REQUEUE:
		return job_cmd(state, job_id, "qmod", "-rj", "requeue");
	}
	return HPCNET_EINVAL;
}

/* ---- snapshot ---- */

static int unusable(const char *qstate)
{
	/* disabled, unknown (execd silent), error, alarm, suspended, calendar */
	return strpbrk(qstate, "duEaAsSDC") != NULL;
}

static void add_partition(struct hpcnet_snapshot *snap, const char *name)
{
	size_t n = strlen(name), have = strlen(snap->partitions);
	const char *p = snap->partitions;

	while (*p) {
		size_t l = strcspn(p, ",");

		if (l == n && strncmp(p, name, n) == 0)
			return;
		p += l + (p[l] == ',');
	}
	if (have + n + 2 > sizeof(snap->partitions))
		return;
	snprintf(snap->partitions + have, sizeof(snap->partitions) - have, "%s%s",
		 have ? "," : "", name);
}

static int sge_snapshot(void *state, struct hpcnet_snapshot *snap)
{
	struct sge *S = state;
	struct hpcnet_sge_qstat q;
	struct hpcnet_sge_qhost h;
	struct hpcnet_run r;
	const char *qargs[] = { "-f", "-xml", "-u", "*", NULL };
	const char *hargs[] = { "-xml", NULL };
	int rc;

	memset(snap, 0, sizeof(*snap));
	rc = qstat_read(S, qargs, &q);
	if (rc < 0)
		return rc;
	rc = run(S, "qhost", hargs, &r);
	if (rc < 0)
		goto out_q;
	rc = r.exit_code == 0 ? hpcnet_sge_parse_qhost(r.out.data, r.out.len, &h) : HPCNET_EPROTO;
	hpcnet_run_free(&r);
	if (rc < 0) {
		hpcnet_warn("sge: qhost -xml failed or printed what this adapter cannot read");
		rc = HPCNET_EUNAVAIL;
		goto out_q;
	}
	/* Cores are slots: what SGE hands out, summed over queue instances. */
	for (size_t i = 0; i < q.nqueues; i++) {
		const struct hpcnet_sge_qinst *qi = &q.queues[i];

		snap->total_cores += qi->total;
		if (!unusable(qi->state) && qi->total > qi->used + qi->resv)
			snap->free_cores += qi->total - qi->used - qi->resv;
	}
	for (size_t i = 0; i < h.nhosts; i++) {
		int busy = 0;

		snap->nodes_total++;
		snap->total_mem_bytes += h.hosts[i].mem_total;
		if (h.hosts[i].mem_total > h.hosts[i].mem_used)
			snap->free_mem_bytes += h.hosts[i].mem_total - h.hosts[i].mem_used;
		for (size_t k = 0; k < q.nqueues; k++)
			busy |= strcmp(q.queues[k].host, h.hosts[i].name) == 0 && q.queues[k].used > 0;
		if (!h.hosts[i].up)
			snap->nodes_down++;
		else if (busy)
			snap->nodes_alloc++;
		else
			snap->nodes_idle++;
	}
	for (size_t i = 0; i < q.njobs; i++) {
		enum hpcnet_adapter_state s;

		if (hpcnet_sge_state(q.jobs[i].state, &s) < 0)
			continue;
		if (s == HPCNET_AS_PENDING || s == HPCNET_AS_HELD)
			snap->queue_len++;
		else if (s == HPCNET_AS_RUNNING || s == HPCNET_AS_SUSPENDED)
			snap->running++;
	}
	/* Partitions are cluster queues, the default (queue= or all.q) first. */
	if (S->queue)
		add_partition(snap, S->queue);
	for (size_t i = 0; i < q.nqueues; i++)
		if (strcmp(q.queues[i].name, "all.q") == 0)
			add_partition(snap, "all.q");
	for (size_t i = 0; i < q.nqueues; i++)
		add_partition(snap, q.queues[i].name);
	snap->est_wait_s = snap->free_cores > 0 && snap->queue_len == 0 ? 0 : -1;
	hpcnet_sge_qhost_free(&h);
	rc = 0;
out_q:
	hpcnet_sge_qstat_free(&q);
	return rc;
}

/* ---- purge ---- */

static int sge_purge(void *state, const char *job_id, const char *ref)
{
	struct sge *S = state;
	struct hpcnet_job_status st;
	struct sjob *j;
	char *dir, *gone;
	int rc;

	if (!id_valid(job_id))
		return 0;
	dir = hpcnet_xasprintf("%s/%s", S->root, job_id);
	if (access(dir, F_OK) != 0) {
		rc = 0; /* purged before: safe to repeat */
		goto out;
	}
	if (status_read(S, job_id, &st) != 0) {
		rc = HPCNET_ECONFLICT; /* not finished: its files are still in use */
		goto out;
	}
	/* One rename makes the job gone even if the removal is cut short. */
	gone = hpcnet_xasprintf("%s/.purge-%s", S->root, job_id);
	rc = rename(dir, gone) < 0 ? -errno : 0;
	if (rc == 0 && hpcnet_fs_remove_tree(gone) < 0)
		hpcnet_warn("sge: could not remove %s (removed at the next start)", gone);
	free(gone);
	j = job_find(S, job_id);
	if (rc == 0 && j)
		job_drop(S, j);
out:
	free(dir);
	return rc;
}

const struct hpcnet_adapter hpcnet_adapter_sge = {
	.name = "sge",
	.caps = HPCNET_CAP_CANCEL | HPCNET_CAP_HOLD | HPCNET_CAP_SUSPEND | HPCNET_CAP_REQUEUE,
	.init = sge_init,
	.fini = sge_fini,
	.submit = sge_submit,
	.poll = sge_poll,
	.cancel = sge_cancel,
	.snapshot = sge_snapshot,
	.purge = sge_purge,
	.control = sge_control,
};
