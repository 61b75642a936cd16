/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The `slurm` adapter: drives a Slurm cluster through its command-line
 * tools (sbatch, scontrol, squeue, scancel, sacct), run with argv only
 * and a hard timeout (common/subproc.h). Parsers live in parse_*.c.
 *
 * Each job owns WORKDIR/<job_id>/ (the agent's WORKDIR/slurm/<job_id>/),
 * which is also its working
 * directory (the submitted files are there):
 *
 *   hpcnet-script     the user's script, as sent
 *   hpcnet-job.sh     what sbatch gets: sets the job's environment, then
 *                     execs hpcnet-script (so #SBATCH lines in the user's
 *                     script, and SBATCH_* variables in its env, cannot
 *                     change what was asked of Slurm)
 *   hpcnet-stdout/-stderr   --output / --error
 *   submitted.jobid   Slurm's job id, written atomically right after
 *                     sbatch returns: the idempotency record of submit
 *   hpcnet-state      the last `scontrol show job -o` line seen whose
 *                     JobState differed from the one before, so a job
 *                     that ended and aged out of slurmctld (MinJobAge) is
 *                     still reported as it ended
 *
 * Submit is idempotent in the hub job id: before sbatch, the marker and
 * then `squeue --name=hpcnet-<id>` (name + comment hpcnet:<id>) are
 * checked, so an agent killed between sbatch and its journal commit, or an
 * sbatch that timed out on our side after slurmctld took the job, never
 * leads to a second Slurm job.
 *
 * Poll reads `scontrol show job -o` for ALL jobs at most once per
 * poll_ms (100 ms by default), and a table of N jobs at most once per N/4
 * ms (up to 10 s), since slurmctld's work for it grows with N (~5 ms for a
 * dozen jobs); every job is answered from that table. The agent polls
 * only while it has jobs in flight (every 100 ms); one scontrol per job
 * per poll would be hundreds of forks a second with a busy queue. A fresh
 * table is what lets a job that ended be reported within ~0.1 s: with a
 * 1 s table the hub learned of it ~0.5 s late on average. (Timing the
 * reading instead of counting jobs would mostly time our own fork under
 * load.) Measured on
 * 22.05 (13 jobs): scontrol show job -o (all) 6 ms, 14 KB; squeue --json
 * 11 ms, 47 KB, and it returns every job too (it ignores -j); one
 * scontrol per job 5 ms each. Same RPC underneath, so scontrol's text,
 * read by the parser the other commands need anyway, wins.
 *
 * Whatever goes wrong while looking (a command that hangs, fails, or
 * prints something we cannot read) is HPCNET_EUNAVAIL: the agent retries
 * and never records a verdict it did not see.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "adapters/slurm/slurm.h"
#include "common/clock.h"
#include "common/fsutil.h"
#include "common/log.h"
#include "common/subproc.h"
#include "common/xalloc.h"
#include "hpcnet/error.h"

#define F_SCRIPT "hpcnet-script"
#define F_WRAPPER "hpcnet-job.sh"
#define F_STDOUT "hpcnet-stdout"
#define F_STDERR "hpcnet-stderr"
#define F_JOBID "submitted.jobid"
#define F_STATE "hpcnet-state"
#define PARTITIONS_TTL_MS 60000

struct slurm {
	char *root;      /* absolute WORKDIR/slurm */
	char *bindir;    /* option bindir=: where the Slurm commands are; NULL: PATH */
	char *partition; /* options partition= account= qos=: defaults for jobs */
	char *account;
	char *qos;
	int timeout_ms;
	int64_t poll_ms;
	/* All jobs of the cluster as of jobs_at (monotonic ms; 0: none yet),
	 * and the text they were read from (each job's line is in it). */
	struct slurm_job *jobs;
	char *jobs_text;
	size_t njobs;
	int64_t jobs_at;
	char partitions[256];
	int64_t partitions_at;
	int accounting; /* sacct usable: -1 unknown, 0 no (no slurmdbd), 1 yes */
};

/* ---- running commands ---- */

/*
 * Runs a Slurm command. 0 when it ran (look at r->exit_code), else
 * HPCNET_ETIMEOUT or HPCNET_EUNAVAIL (logged): never a verdict on a job.
 */
/* "scontrol -d show nodes" for logs: the command and its first words. */
static const char *cmd_name(const char *const argv[], char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; argv[i] && i < 4 && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? " " : "", argv[i]);
	return buf;
}

static int run(struct slurm *S, const char *const argv[], struct hpcnet_run *r)
{
	char what[128];
	char *path = S->bindir ? hpcnet_xasprintf("%s/%s", S->bindir, argv[0]) : NULL;
	const char *args[40];
	size_t n;
	int rc;

	for (n = 0; argv[n] && n < 39; n++)
		args[n] = argv[n];
	args[n] = NULL;
	if (path)
		args[0] = path;
	memset(r, 0, sizeof(*r));
	rc = hpcnet_run_cmd(args, NULL, NULL, S->timeout_ms, r);
	if (rc == HPCNET_ETIMEOUT) {
		hpcnet_warn("slurm: %s did not answer within %d ms (%s)", cmd_name(argv, what, sizeof(what)),
			    S->timeout_ms, args[0]);
	} else if (rc == -ENOENT) {
		hpcnet_warn("slurm: %s not found (install slurm-client, or set the adapter option "
			    "bindir=DIR)", args[0]);
		rc = HPCNET_EUNAVAIL;
	} else if (rc < 0) {
		hpcnet_warn("slurm: cannot run %s: %s", args[0], hpcnet_strerror(rc));
		rc = HPCNET_EUNAVAIL;
	}
	free(path);
	if (rc < 0)
		hpcnet_run_free(r);
	return rc;
}

/* First line of a command's stderr, for logs. */
static const char *first_line(struct hpcnet_run *r, char *buf, size_t len)
{
	const char *s = r->err.len ? r->err.data : r->out.len ? r->out.data : "";

	snprintf(buf, len, "%.*s", (int)strcspn(s, "\n"), s);
	return buf;
}

/* ---- job directories ---- */

static int id_ok(const char *id)
{
	size_t n = id ? strlen(id) : 0;

	return n > 0 && n <= 128 && id[0] != '.' &&
	       strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

static int ref_ok(const char *ref)
{
	size_t n = ref ? strlen(ref) : 0;

	return n > 0 && n < 32 && strspn(ref, "0123456789") == n;
}

static char *job_dir(const struct slurm *S, const char *id)
{
	return hpcnet_xasprintf("%s/%s", S->root, id);
}

static char *job_file(const struct slurm *S, const char *id, const char *leaf)
{
	return hpcnet_xasprintf("%s/%s/%s", S->root, id, leaf);
}

/* The Slurm job id recorded by an earlier submit into ref; 0 or -ENOENT. */
static int marker_read(const struct slurm *S, const char *id, char *ref, size_t len)
{
	char *path = job_file(S, id, F_JOBID), *data = NULL;
	size_t n;
	int rc = hpcnet_fs_read(path, 64, &data, &n);

	if (rc == 0) {
		data[strcspn(data, "\n")] = '\0';
		if (ref_ok(data) && strlen(data) < len)
			snprintf(ref, len, "%s", data);
		else
			rc = HPCNET_EPROTO;
	}
	if (rc == HPCNET_EPROTO)
		hpcnet_warn("slurm: ignoring damaged %s", path);
	free(path);
	free(data);
	return rc == HPCNET_EPROTO ? -ENOENT : rc;
}

static int marker_write(const struct slurm *S, const char *id, const char *ref)
{
	char *dir = job_dir(S, id), *path = job_file(S, id, F_JOBID);
	char *text = hpcnet_xasprintf("%s\n", ref);
	int rc = hpcnet_fs_mkdirs(dir, 0755);

	if (rc == 0)
		rc = hpcnet_fs_write_atomic(path, text, strlen(text), 0644);
	if (rc < 0)
		hpcnet_error("slurm: job %s is Slurm job %s, but %s cannot be written: %s", id, ref,
			     path, hpcnet_strerror(rc));
	free(dir);
	free(path);
	free(text);
	return rc;
}

/* The recorded scontrol line of the job (caller frees), or NULL. */
static char *record_read(const struct slurm *S, const char *id, struct slurm_job *job)
{
	char *path = job_file(S, id, F_STATE), *data = NULL;
	size_t n;

	if (hpcnet_fs_read(path, 1 << 16, &data, &n) == 0 && slurm_job_parse(data, job) < 0) {
		hpcnet_warn("slurm: ignoring damaged %s", path);
		free(data);
		data = NULL;
	}
	free(path);
	return data;
}

/* A file path must stay inside the job dir and not clash with ours. */
static int file_path_ok(const char *p)
{
	static const char *const ours[] = { F_SCRIPT, F_WRAPPER, F_STDOUT, F_STDERR, F_JOBID,
					    F_STATE };
	const char *c = p;

	if (!p || !*p || p[0] == '/' || p[strlen(p) - 1] == '/')
		return 0;
	for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
		if (strcmp(p, ours[i]) == 0)
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

static int env_name_ok(const char *kv)
{
	size_t n = strcspn(kv, "=");

	if (n == 0 || !kv[n] || !(kv[0] == '_' || (kv[0] | 32) >= 'a'))
		return 0;
	return strspn(kv, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") == n &&
	       !(kv[0] >= '0' && kv[0] <= '9');
}

/* Appends s single-quoted for /bin/sh. */
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

static void export(struct hpcnet_buf *b, const char *name, const char *val)
{
	hpcnet_buf_addf(b, "export %s=", name);
	sh_quote(b, val);
	hpcnet_buf_add(b, "\n", 1);
}

/*
 * The batch script sbatch gets. The user's env comes first, our HPCNET_*
 * variables after it so a job cannot fake its own id; the agent's join
 * token (if it had one in its env) is not the job's business.
 */
static char *wrapper(const char *dir, const struct hpcnet_job_spec *job)
{
	struct hpcnet_buf b = { 0 };
	char num[32];

	hpcnet_buf_addf(&b, "#!/bin/sh\n# Written by the hpcnet slurm adapter for hub job %s.\n"
			    "unset HPCNET_JOIN_TOKEN\n", job->id);
	snprintf(num, sizeof(num), "%d", job->cores > 0 ? job->cores : 1);
	export(&b, "OMP_NUM_THREADS", num);
	for (size_t i = 0; i < job->nenv; i++) {
		size_t n = strcspn(job->env[i], "=");
		char *name = hpcnet_xstrndup(job->env[i], n);

		export(&b, name, job->env[i] + n + 1);
		free(name);
	}
	export(&b, "HPCNET_JOB_ID", job->id);
	export(&b, "HPCNET_JOB_NAME", job->name ? job->name : job->id);
	export(&b, "HPCNET_CORES", num);
	export(&b, "HPCNET_WORKDIR", dir);
	hpcnet_buf_add(&b, "cd ", 3);
	sh_quote(&b, dir);
	hpcnet_buf_add(&b, " || exit 1\n", 11);
	/* exec: Slurm sees the user's script's own exit code or signal. */
	hpcnet_buf_addf(&b, "exec %s./" F_SCRIPT " \"$@\"\n",
			strncmp(job->script, "#!", 2) == 0 ? "" : "/bin/sh ");
	return b.data;
}

static int write_files(const char *dir, const struct hpcnet_job_spec *job)
{
	char *path = NULL, *text;
	int rc = hpcnet_fs_mkdirs(dir, 0755);

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
	path = hpcnet_xasprintf("%s/" F_SCRIPT, dir);
	if (rc == 0)
		rc = hpcnet_fs_write_atomic(path, job->script, strlen(job->script), 0755);
	free(path);
	path = hpcnet_xasprintf("%s/" F_WRAPPER, dir);
	text = wrapper(dir, job);
	if (rc == 0)
		rc = hpcnet_fs_write_atomic(path, text, strlen(text), 0755);
	free(text);
	free(path);
	return rc;
}

/* Slurm expands %j, %u ... in --output paths: "%%" is a literal "%". */
static char *pct_escape(const char *s)
{
	struct hpcnet_buf b = { 0 };

	hpcnet_buf_add(&b, "", 0);
	for (; *s; s++)
		hpcnet_buf_add(&b, *s == '%' ? "%%" : s, *s == '%' ? 2 : 1);
	return b.data;
}

/* ---- the table of jobs ---- */


/* Reads all jobs unless the table is younger than poll_ms or than 1 ms
 * per 4 jobs in it, up to 10 s (force: always). */
static int jobs_refresh(struct slurm *S, int force)
{
	static const char *const argv[] = { "scontrol", "show", "job", "-o", NULL };
	int64_t age = hpcnet_mono_ms() - S->jobs_at;
	struct hpcnet_run r;
	struct slurm_job *jobs;
	size_t n;
	char msg[256];
	int rc;

	if (!force && S->jobs_at &&
	    (age < S->poll_ms || age < (int64_t)(S->njobs < 40000 ? S->njobs / 4 : 10000)))
		return 0;
	rc = run(S, argv, &r);
	if (rc < 0)
		return rc;
	if (r.exit_code != 0) {
		hpcnet_warn("slurm: scontrol show job failed (exit %d): %s", r.exit_code,
			    first_line(&r, msg, sizeof(msg)));
		rc = HPCNET_EUNAVAIL;
	} else if (slurm_jobs_parse(r.out.data ? r.out.data : "", &jobs, &n) < 0) {
		r.err.len = 0; /* first_line: show stdout */
		hpcnet_warn("slurm: cannot read what scontrol show job printed: %s",
			    first_line(&r, msg, sizeof(msg)));
		rc = HPCNET_EUNAVAIL;
	} else {
		free(S->jobs);
		free(S->jobs_text);
		S->jobs = jobs;
		S->njobs = n;
		S->jobs_text = r.out.data; /* kept: record() writes lines from it */
		r.out.data = NULL;
		S->jobs_at = hpcnet_mono_ms();
	}
	hpcnet_run_free(&r);
	return rc;
}

/* The job ref in the table, if it is ours (a Slurm id reused after a
 * wiped slurmctld state belongs to someone else). */
static const struct slurm_job *jobs_find(const struct slurm *S, const char *id, const char *ref)
{
	char name[160];

	snprintf(name, sizeof(name), "hpcnet-%s", id);
	for (size_t i = 0; i < S->njobs; i++)
		if (strcmp(S->jobs[i].id, ref) == 0)
			return strcmp(S->jobs[i].name, name) == 0 ? &S->jobs[i] : NULL;
	return NULL;
}

/* ---- accounting (slurmdbd), when the cluster has it ---- */

/* Fills usage of a finished job from sacct; 0, or < 0 when sacct cannot tell. */
static int sacct_usage(struct slurm *S, const char *ref, struct slurm_job *job, double *cpu,
		       int64_t *rss)
{
	const char *argv[] = { "sacct", "-n", "-P", "-j", ref, "-o",
			       "JobIDRaw,JobName,State,ExitCode,Start,End,ElapsedRaw,TotalCPU,MaxRSS",
			       NULL };
	struct hpcnet_run r;
	int rc;

	if (S->accounting == 0)
		return HPCNET_ENOTFOUND;
	rc = run(S, argv, &r);
	if (rc < 0)
		return rc;
	if (r.exit_code != 0 || (r.err.data && strstr(r.err.data, "accounting storage is disabled"))) {
		if (r.err.data && strstr(r.err.data, "accounting storage is disabled")) {
			hpcnet_info("slurm: no accounting (slurmdbd) on this cluster: usage is what "
				    "scontrol shows, and jobs gone from slurmctld are read from "
				    "the adapter's own records");
			S->accounting = 0;
			rc = HPCNET_ENOTFOUND;
		} else {
			rc = HPCNET_EUNAVAIL;
		}
		hpcnet_run_free(&r);
		return rc;
	}
	S->accounting = 1;
	rc = slurm_sacct_parse(r.out.data ? r.out.data : "", ref, job, cpu, rss);
	hpcnet_run_free(&r);
	return rc;
}

/* ---- ops ---- */

static int slurm_init(const struct hpcnet_adapter_conf *conf, void **state)
{
	struct slurm *S;
	char *root, real[PATH_MAX];
	const char *v;
	int rc;

	if (!conf->workdir || !*conf->workdir) {
		hpcnet_error("slurm: no workdir configured");
		return HPCNET_EINVAL;
	}
	/* The agent gives each adapter its own dir (AGENT_WORKDIR/slurm):
	 * job dirs go right in it. */
	root = hpcnet_xstrdup(conf->workdir);
	rc = hpcnet_fs_mkdirs(root, 0755);
	if (rc == 0 && !realpath(root, real))
		rc = -errno;
	if (rc < 0) {
		hpcnet_error("slurm: cannot use %s: %s", root, hpcnet_strerror(rc));
		free(root);
		return rc;
	}
	free(root);
	S = hpcnet_xcalloc(1, sizeof(*S));
	/* Jobs run on other nodes in this directory: it must be on a file
	 * system they share, and every path we give Slurm is absolute. */
	S->root = hpcnet_xstrdup(real);
	S->timeout_ms = conf->cmd_timeout_ms > 0 ? conf->cmd_timeout_ms : 30000;
	S->poll_ms = 100;
	S->accounting = -1;
	if ((v = hpcnet_adapter_opt(conf, "bindir")) && *v)
		S->bindir = hpcnet_xstrdup(v);
	if ((v = hpcnet_adapter_opt(conf, "partition")) && *v)
		S->partition = hpcnet_xstrdup(v);
	if ((v = hpcnet_adapter_opt(conf, "account")) && *v)
		S->account = hpcnet_xstrdup(v);
	if ((v = hpcnet_adapter_opt(conf, "qos")) && *v)
		S->qos = hpcnet_xstrdup(v);
	if ((v = hpcnet_adapter_opt(conf, "poll_ms"))) {
		char *end;
		long long ms = strtoll(v, &end, 10);

		if (end == v || *end || ms < 0 || ms > 600000) {
			hpcnet_error("slurm: adapter option poll_ms=%s: want milliseconds, 0-600000",
				     v);
			free(S->root);
			free(S->bindir);
			free(S->partition);
			free(S->account);
			free(S->qos);
			free(S);
			return HPCNET_EINVAL;
		}
		S->poll_ms = ms;
	}
	if ((v = hpcnet_adapter_opt(conf, "timeout_ms")) && atoi(v) > 0)
		S->timeout_ms = atoi(v);
	if ((v = hpcnet_adapter_opt(conf, "accounting")))
		S->accounting = strcmp(v, "no") == 0 ? 0 : strcmp(v, "yes") == 0 ? 1 : -1;
	hpcnet_info("slurm: jobs in %s; commands from %s; partition %s, account %s, qos %s",
		    S->root, S->bindir ? S->bindir : "PATH", S->partition ? S->partition : "(default)",
		    S->account ? S->account : "(default)", S->qos ? S->qos : "(default)");
	*state = S;
	return 0;
}

static void slurm_fini(void *state)
{
	struct slurm *S = state;

	if (!S)
		return;
	free(S->jobs);
	free(S->jobs_text);
	free(S->root);
	free(S->bindir);
	free(S->partition);
	free(S->account);
	free(S->qos);
	free(S);
}

static int check_spec(const struct hpcnet_job_spec *job)
{
	const char *m = job->gpu_model;

	if (!job->script) {
		hpcnet_error("slurm: job %s has no script", job->id);
		return HPCNET_EINVAL;
	}
	if (job->walltime_s <= 0 || job->mem_bytes < 0 || job->gpus < 0 || job->cores < 0) {
		hpcnet_error("slurm: job %s: walltime must be > 0, cores, mem and gpus >= 0", job->id);
		return HPCNET_EINVAL;
	}
	if (m && *m && strspn(m, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") !=
			       strlen(m)) {
		hpcnet_error("slurm: job %s: GPU model \"%s\" is not a Slurm GRES type", job->id, m);
		return HPCNET_EINVAL;
	}
	for (size_t i = 0; i < job->nenv; i++) {
		if (!job->env[i] || !env_name_ok(job->env[i])) {
			hpcnet_error("slurm: job %s: env entry %zu is not NAME=VALUE with a shell "
				     "variable name", job->id, i);
			return HPCNET_EINVAL;
		}
	}
	for (size_t i = 0; i < job->nfiles; i++) {
		if (!file_path_ok(job->files[i].path)) {
			hpcnet_error("slurm: job %s: file path \"%s\" must be relative, without "
				     "\"..\", and not one of the adapter's own hpcnet-* files",
				     job->id, job->files[i].path ? job->files[i].path : "(null)");
			return HPCNET_EINVAL;
		}
	}
	return 0;
}

/*
 * A job submitted before under this hub id (its marker was not written:
 * killed between sbatch and the marker, or sbatch timed out on our side).
 * 0 with ref filled, HPCNET_ENOTFOUND, or a transient error.
 */
static int find_submitted(struct slurm *S, const char *id, char *ref, size_t len)
{
	char *name = hpcnet_xasprintf("--name=hpcnet-%s", id);
	char *comment = hpcnet_xasprintf("hpcnet:%s", id);
	const char *argv[] = { "squeue", "-h", "-t", "all", name, "-o", "%i|%k", NULL };
	struct hpcnet_run r;
	char msg[256];
	int rc = run(S, argv, &r);

	if (rc < 0)
		goto out;
	rc = HPCNET_ENOTFOUND;
	if (r.exit_code != 0) {
		hpcnet_warn("slurm: squeue failed (exit %d): %s", r.exit_code,
			    first_line(&r, msg, sizeof(msg)));
		rc = HPCNET_EUNAVAIL;
	}
	for (const char *p = r.out.data; rc == HPCNET_ENOTFOUND && p && *p;) {
		size_t n = strcspn(p, "\n"), k = strcspn(p, "|");
		char jid[32];

		if (k >= n || k == 0 || k >= sizeof(jid) || strspn(p, "0123456789") != k) {
			hpcnet_warn("slurm: cannot read what squeue printed: %.80s", p);
			rc = HPCNET_EUNAVAIL;
			break;
		}
		snprintf(jid, sizeof(jid), "%.*s", (int)k, p);
		if (n - k - 1 == strlen(comment) && strncmp(p + k + 1, comment, n - k - 1) == 0 &&
		    strlen(jid) < len) {
			snprintf(ref, len, "%s", jid);
			rc = 0;
		}
		p += n;
		p += *p == '\n';
	}
	hpcnet_run_free(&r);
out:
	free(name);
	free(comment);
	return rc;
}

static int slurm_submit(void *state, const struct hpcnet_job_spec *job, char *ref, size_t reflen)
{
	struct slurm *S = state;
	const char *part, *acct, *qos;
	char *dir = NULL, *a[16] = { NULL }, *edir = NULL, msg[512];
	const char *argv[40];
	struct hpcnet_run r;
	size_t n = 0, na = 0;
	int rc;

	if (!id_ok(job->id)) {
		hpcnet_error("slurm: job id \"%s\" is not usable as a directory name",
			     job->id ? job->id : "(null)");
		return HPCNET_EINVAL;
	}
	if (marker_read(S, job->id, ref, reflen) == 0)
		return 0; /* submitted before: idempotent */
	rc = check_spec(job);
	if (rc < 0)
		return rc;
	rc = find_submitted(S, job->id, ref, reflen);
	if (rc == 0) {
		hpcnet_info("slurm: job %s was submitted before as Slurm job %s: not again", job->id,
			    ref);
		return marker_write(S, job->id, ref);
	}
	if (rc != HPCNET_ENOTFOUND)
		return rc;

	dir = job_dir(S, job->id);
	rc = write_files(dir, job);
	if (rc < 0) {
		hpcnet_error("slurm: cannot write job %s's files in %s: %s", job->id, dir,
			     hpcnet_strerror(rc));
		goto out;
	}
	part = job->partition && *job->partition ? job->partition : S->partition;
	acct = job->account && *job->account ? job->account : S->account;
	qos = job->qos && *job->qos ? job->qos : S->qos;
	edir = pct_escape(dir);
	argv[n++] = "sbatch";
	argv[n++] = "--parsable";
	argv[n++] = a[na++] = hpcnet_xasprintf("--job-name=hpcnet-%s", job->id);
	argv[n++] = a[na++] = hpcnet_xasprintf("--comment=hpcnet:%s", job->id);
	argv[n++] = "--ntasks=1";
	argv[n++] = a[na++] = hpcnet_xasprintf("--cpus-per-task=%d", job->cores > 0 ? job->cores : 1);
	if (job->mem_bytes > 0)
		argv[n++] = a[na++] = hpcnet_xasprintf(
			"--mem=%lldM", (long long)((job->mem_bytes + (1 << 20) - 1) >> 20));
	if (job->gpus > 0)
		argv[n++] = a[na++] =
			job->gpu_model && *job->gpu_model
				? hpcnet_xasprintf("--gres=gpu:%s:%d", job->gpu_model, job->gpus)
				: hpcnet_xasprintf("--gres=gpu:%d", job->gpus);
	argv[n++] = a[na++] =
		hpcnet_xasprintf("--time=%lld", (long long)((job->walltime_s + 59) / 60));
	if (part)
		argv[n++] = a[na++] = hpcnet_xasprintf("--partition=%s", part);
	if (acct)
		argv[n++] = a[na++] = hpcnet_xasprintf("--account=%s", acct);
	if (qos)
		argv[n++] = a[na++] = hpcnet_xasprintf("--qos=%s", qos);
	argv[n++] = a[na++] = hpcnet_xasprintf("--chdir=%s", dir);
	argv[n++] = a[na++] = hpcnet_xasprintf("--output=%s/" F_STDOUT, edir);
	argv[n++] = a[na++] = hpcnet_xasprintf("--error=%s/" F_STDERR, edir);
	argv[n++] = "--export=ALL";
	argv[n++] = a[na++] = hpcnet_xasprintf("%s/" F_WRAPPER, dir);
	argv[n] = NULL;

	rc = run(S, argv, &r);
	if (rc < 0)
		goto out; /* it may have reached slurmctld: the retry looks first */
	if (r.exit_code != 0) {
		rc = slurm_sbatch_error(r.err.data);
		first_line(&r, msg, sizeof(msg));
		if (rc == HPCNET_EINVAL)
			hpcnet_error("slurm: Slurm refused job %s: %s", job->id, msg);
		else
			hpcnet_warn("slurm: sbatch of job %s failed (exit %d), will retry: %s",
				    job->id, r.exit_code, msg);
	} else if (slurm_sbatch_jobid(r.out.data, ref, reflen) < 0) {
		hpcnet_warn("slurm: sbatch of job %s printed no job id (%.80s); will look again",
			    job->id, r.out.data ? r.out.data : "");
		rc = HPCNET_EUNAVAIL;
	} else {
		rc = marker_write(S, job->id, ref);
		S->jobs_at = 0; /* the table does not have it yet */
	}
	hpcnet_run_free(&r);
out:
	for (size_t i = 0; i < na; i++)
		free(a[i]);
	free(edir);
	free(dir);
	return rc;
}

/*
 * Answers from the recorded line of a job slurmctld no longer shows, or
 * from sacct. HPCNET_ENOTFOUND when neither knows an end.
 */
static int poll_gone(struct slurm *S, const char *job_id, const char *ref,
		     struct hpcnet_job_status *st)
{
	struct slurm_job job;
	double cpu = 0;
	int64_t rss = 0;
	char *line = record_read(S, job_id, &job);
	int rc;

	free(line);
	if (line && slurm_state_final(job.state))
		return slurm_job_status(&job, st);
	rc = sacct_usage(S, ref, &job, &cpu, &rss);
	if (rc == 0 && slurm_state_final(job.state)) {
		rc = slurm_job_status(&job, st);
		st->cpu_seconds = cpu;
		st->max_rss_bytes = rss;
		return rc;
	}
	if (rc == HPCNET_EUNAVAIL || rc == HPCNET_ETIMEOUT)
		return rc;
	hpcnet_warn("slurm: job %s (Slurm %s) is gone from slurmctld; %s", job_id, ref,
		    line ? "it had not ended when last seen" : "it was never seen there");
	return HPCNET_ENOTFOUND;
}

/* Keeps the line of a job whose state changed; an ended job's is final. */
static void record(struct slurm *S, const char *job_id, const struct slurm_job *now)
{
	struct slurm_job before;
	char *old = record_read(S, job_id, &before), *path;
	int rc;

	if (old && strcmp(before.state, now->state) == 0) {
		free(old);
		return;
	}
	free(old);
	/* The line of the table now came from: no second scontrol. */
	if (!S->jobs_text || now->line_len == 0)
		return;
	path = job_file(S, job_id, F_STATE);
	rc = hpcnet_fs_write_atomic(path, S->jobs_text + now->line_off, now->line_len, 0644);
	if (rc < 0)
		hpcnet_warn("slurm: cannot record the state of job %s in %s: %s", job_id, path,
			    hpcnet_strerror(rc));
	free(path);
}

static int slurm_poll(void *state, const char *job_id, const char *ref,
		      struct hpcnet_job_status *st)
{
	struct slurm *S = state;
	const struct slurm_job *j;
	int64_t before;
	int rc;

	memset(st, 0, sizeof(*st));
	if (!id_ok(job_id) || !ref_ok(ref))
		return HPCNET_ENOTFOUND;
	before = S->jobs_at;
	rc = jobs_refresh(S, 0);
	if (rc < 0)
		return rc;
	j = jobs_find(S, job_id, ref);
	if (!j && S->jobs_at == before) {
		/* The table may predate the job; look once more, now. */
		rc = jobs_refresh(S, 1);
		if (rc < 0)
			return rc;
		j = jobs_find(S, job_id, ref);
	}
	if (j) {
		struct slurm_job acct;

		record(S, job_id, j);
		rc = slurm_job_status(j, st);
		if (rc < 0) {
			hpcnet_warn("slurm: job %s: unknown Slurm state %s", job_id, j->state);
			return HPCNET_EUNAVAIL;
		}
		/* Without slurmdbd, cpu time and max RSS stay 0: elapsed x
		 * CPUs would be an upper bound, not a measurement. */
		if (slurm_state_final(j->state) && S->accounting != 0)
			sacct_usage(S, ref, &acct, &st->cpu_seconds, &st->max_rss_bytes);
	} else {
		rc = poll_gone(S, job_id, ref, st);
		if (rc < 0)
			return rc;
	}
	snprintf(st->stdout_path, sizeof(st->stdout_path), "%s/%s/" F_STDOUT, S->root, job_id);
	snprintf(st->stderr_path, sizeof(st->stderr_path), "%s/%s/" F_STDERR, S->root, job_id);
	return 0;
}

/* For scancel/scontrol answers: a controller we could not reach? */
static int unreachable(const char *err)
{
	return err && (strstr(err, "Unable to contact") || strstr(err, "timed out") ||
		       strstr(err, "Connection refused") || strstr(err, "Zero Bytes") ||
		       strstr(err, "temporarily"));
}

static int slurm_cancel(void *state, const char *job_id, const char *ref)
{
	struct slurm *S = state;
	char *name;
	const char *argv[] = { "scancel", NULL, NULL, NULL };
	struct hpcnet_run r;
	char msg[256];
	int rc;

	if (!id_ok(job_id) || !ref_ok(ref))
		return HPCNET_ENOTFOUND;
	/* --name: scancel leaves the job alone unless it is ours. */
	name = hpcnet_xasprintf("--name=hpcnet-%s", job_id);
	argv[1] = name;
	argv[2] = ref;
	rc = run(S, argv, &r);
	free(name);
	if (rc < 0)
		return rc;
	if (r.exit_code != 0) {
		first_line(&r, msg, sizeof(msg));
		rc = slurm_invalid_job(msg) ? HPCNET_ENOTFOUND
		     : unreachable(msg)      ? HPCNET_EUNAVAIL
					     : HPCNET_EUNAVAIL;
		hpcnet_warn("slurm: scancel %s (job %s): %s", ref, job_id, msg);
	}
	S->jobs_at = 0;
	hpcnet_run_free(&r);
	return rc;
}

static int slurm_control(void *state, const char *job_id, const char *ref,
			 enum hpcnet_job_action act)
{
	static const char *const verbs[] = {
		[HPCNET_ACT_HOLD] = "hold",       [HPCNET_ACT_RELEASE] = "release",
		[HPCNET_ACT_SUSPEND] = "suspend", [HPCNET_ACT_RESUME] = "resume",
		[HPCNET_ACT_REQUEUE] = "requeue",
	};
	struct slurm *S = state;
	const char *argv[] = { "scontrol", NULL, ref, NULL };
	const struct slurm_job *j;
	struct hpcnet_run r;
	char msg[256];
	int rc;

	if ((unsigned)act >= sizeof(verbs) / sizeof(verbs[0]) || !verbs[act])
		return HPCNET_EINVAL;
	if (!id_ok(job_id) || !ref_ok(ref))
		return HPCNET_ENOTFOUND;
	/* Only a job of ours: the table says whose it is. */
	rc = jobs_refresh(S, 0);
	if (rc < 0)
		return rc;
	j = jobs_find(S, job_id, ref);
	if (!j)
		return HPCNET_ENOTFOUND;
	if (slurm_state_final(j->state))
		return HPCNET_ECONFLICT;
	argv[1] = verbs[act];
	rc = run(S, argv, &r);
	if (rc < 0)
		return rc;
	if (r.exit_code != 0) {
		first_line(&r, msg, sizeof(msg));
		rc = unreachable(msg) ? HPCNET_EUNAVAIL : HPCNET_ECONFLICT;
		hpcnet_warn("slurm: scontrol %s %s (job %s): %s", verbs[act], ref, job_id, msg);
	}
	S->jobs_at = 0;
	hpcnet_run_free(&r);
	return rc;
}

static int run_text(struct slurm *S, const char *const argv[], struct hpcnet_run *r)
{
	char msg[256];
	int rc = run(S, argv, r);

	if (rc < 0)
		return rc;
	if (r->exit_code != 0) {
		char what[128];

		hpcnet_warn("slurm: %s failed (exit %d): %s", cmd_name(argv, what, sizeof(what)),
			    r->exit_code, first_line(r, msg, sizeof(msg)));
		hpcnet_run_free(r);
		return HPCNET_EUNAVAIL;
	}
	return 0;
}

static int slurm_snapshot(void *state, struct hpcnet_snapshot *snap)
{
	static const char *const nodes[] = { "scontrol", "-d", "show", "nodes", "-o", NULL };
	static const char *const parts[] = { "scontrol", "show", "partitions", "-o", NULL };
	static const char *const start[] = { "squeue", "--start", "-h", "-t", "PD", "-o", "%i|%S",
					     NULL };
	struct slurm *S = state;
	struct hpcnet_run r;
	int64_t latest = 0;
	int rc;

	memset(snap, 0, sizeof(*snap));
	snap->est_wait_s = -1;
	rc = run_text(S, nodes, &r);
	if (rc < 0)
		return rc;
	rc = slurm_nodes_parse(r.out.data ? r.out.data : "", S->partition, snap);
	hpcnet_run_free(&r);
	if (rc < 0) {
		hpcnet_warn("slurm: cannot read what scontrol show nodes printed");
		return HPCNET_EUNAVAIL;
	}
	if (!S->partitions_at || hpcnet_mono_ms() - S->partitions_at >= PARTITIONS_TTL_MS) {
		struct hpcnet_snapshot p;

		rc = run_text(S, parts, &r);
		if (rc < 0)
			return rc;
		rc = slurm_partitions_parse(r.out.data ? r.out.data : "", &p);
		hpcnet_run_free(&r);
		if (rc < 0)
			return HPCNET_EUNAVAIL;
		memcpy(S->partitions, p.partitions, sizeof(S->partitions));
		S->partitions_at = hpcnet_mono_ms();
	}
	memcpy(snap->partitions, S->partitions, sizeof(snap->partitions));
	rc = jobs_refresh(S, 0);
	if (rc < 0)
		return rc;
	/* The whole cluster's queue: other users' jobs wait ahead of ours too. */
	for (size_t i = 0; i < S->njobs; i++) {
		struct hpcnet_job_status st;

		if (slurm_job_status(&S->jobs[i], &st) < 0)
			continue;
		snap->queue_len += st.state == HPCNET_AS_PENDING || st.state == HPCNET_AS_HELD;
		snap->running += st.state == HPCNET_AS_RUNNING;
	}
	if (snap->queue_len == 0 && snap->free_cores > 0) {
		snap->est_wait_s = 0;
	} else if (snap->queue_len > 0 && run_text(S, start, &r) == 0) {
		if (slurm_start_parse(r.out.data ? r.out.data : "", &latest) == 0 && latest > 0)
			snap->est_wait_s = latest > hpcnet_now_ms()
						   ? (latest - hpcnet_now_ms() + 999) / 1000
						   : 0;
		hpcnet_run_free(&r);
	}
	return 0;
}

static int slurm_purge(void *state, const char *job_id, const char *ref)
{
	struct slurm *S = state;
	char *dir, *gone;
	int rc;

	if (!id_ok(job_id))
		return 0;
	dir = job_dir(S, job_id);
	/* One rename makes the job gone even if the removal is cut short. */
	gone = hpcnet_xasprintf("%s/.purge-%s", S->root, job_id);
	rc = rename(dir, gone) < 0 && errno != ENOENT ? -errno : 0;
	if (rc == 0 && (rc = hpcnet_fs_remove_tree(gone)) < 0 && rc != -ENOENT)
		hpcnet_warn("slurm: removing %s: %s", gone, hpcnet_strerror(rc));
	free(dir);
	free(gone);
	return 0;
}

const struct hpcnet_adapter hpcnet_adapter_slurm = {
	.name = "slurm",
	.caps = HPCNET_CAP_CANCEL | HPCNET_CAP_HOLD | HPCNET_CAP_SUSPEND | HPCNET_CAP_REQUEUE |
		HPCNET_CAP_GPUS,
	.init = slurm_init,
	.fini = slurm_fini,
	.submit = slurm_submit,
	.poll = slurm_poll,
	.cancel = slurm_cancel,
	.snapshot = slurm_snapshot,
	.purge = slurm_purge,
	.control = slurm_control,
};
