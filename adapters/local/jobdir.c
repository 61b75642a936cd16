/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading and writing the local adapter's per-job files (layout in
 * local.h), and telling whether a recorded process still lives.
 *
 * Every file that marks a step (spec, shepherd, status) appears whole or
 * not at all, because a kill -9 or a power cut may strike between any two
 * lines of the agent or the shepherd; the write-once files are also the
 * locks that keep a job from running twice or ending twice.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "adapters/local/local.h"
#include "common/clock.h"
#include "common/fsutil.h"
#include "common/xalloc.h"
#include "hpcnet/error.h"

#define JSON_MAX (1 << 20)

int hpcnet_local_id_valid(const char *id)
{
	size_t n = id ? strlen(id) : 0;

	if (n == 0 || n > HPCNET_LOCAL_ID_MAX || id[0] == '.')
		return 0;
	return strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

char *hpcnet_local_path(const char *dir, const char *leaf)
{
	return hpcnet_xasprintf("%s/%s", dir, leaf);
}

int hpcnet_local_exists(const char *dir, const char *leaf)
{
	char *p = hpcnet_local_path(dir, leaf);
	int yes = access(p, F_OK) == 0;

	free(p);
	return yes;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int hpcnet_local_write_once(const char *dir, const char *leaf, const char *data)
{
	char *path = hpcnet_local_path(dir, leaf);
	char *tmp = hpcnet_xasprintf("%s.new.%d", path, (int)getpid());
	int fd, dfd = -1, rc;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	rc = write_all(fd, data, strlen(data));
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	close(fd);
	if (rc < 0)
		goto out;
	/* link(2), unlike rename(2), refuses to replace: the first writer wins. */
	if (link(tmp, path) < 0) {
		rc = errno == EEXIST ? HPCNET_EEXIST : -errno;
		goto out;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) < 0)
		rc = -errno;
out:
	if (dfd >= 0)
		close(dfd);
	unlink(tmp);
	free(tmp);
	free(path);
	return rc;
}

int hpcnet_local_lock(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			int rc = -errno;

			close(fd);
			return rc;
		}
	}
	return fd;
}

void hpcnet_local_unlock(int fd)
{
	if (fd < 0)
		return;
	/* Explicitly: a job forked while the lock was held shares this open
	 * file description, and close() alone would leave the lock to it. */
	flock(fd, LOCK_UN);
	close(fd);
}

/* Reads dir/leaf as a JSON object; -errno (-ENOENT if absent) or HPCNET_EPROTO. */
static int read_json(const char *dir, const char *leaf, json_t **out)
{
	char *path = hpcnet_local_path(dir, leaf), *text = NULL;
	json_error_t jerr;
	int rc;

	*out = NULL;
	rc = hpcnet_fs_read(path, JSON_MAX, &text, NULL);
	if (rc < 0)
		goto out;
	*out = json_loads(text, 0, &jerr);
	if (!*out || !json_is_object(*out)) {
		/* Cannot happen with atomic writes unless someone edited the file. */
		json_decref(*out);
		*out = NULL;
		rc = HPCNET_EPROTO;
	}
out:
	free(text);
	free(path);
	return rc;
}

static int write_json(const char *dir, const char *leaf, json_t *obj, int once)
{
	char *text = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
	char *path = NULL;
	int rc;

	if (!text)
		abort(); /* only fails on out-of-memory; see xalloc.h */
	if (once) {
		rc = hpcnet_local_write_once(dir, leaf, text);
	} else {
		path = hpcnet_local_path(dir, leaf);
		rc = hpcnet_fs_write_atomic(path, text, strlen(text), 0644);
	}
	free(path);
	free(text);
	json_decref(obj);
	return rc;
}

static int64_t get_int(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static const char *get_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

int hpcnet_local_spec_write(const char *dir, const struct hpcnet_job_spec *job, int64_t seq)
{
	json_t *env = json_array();
	const char *s = job->script;

	for (size_t i = 0; i < job->nenv; i++)
		json_array_append_new(env, json_string(job->env[i]));
	return write_json(dir, HPCNET_LOCAL_SPEC,
			  json_pack("{s:s, s:i, s:I, s:i, s:I, s:o, s:I, s:I, s:b}",
				    "name", job->name ? job->name : "",
				    "cores", job->cores > 0 ? job->cores : 1,
				    "mem_bytes", (json_int_t)job->mem_bytes,
				    "gpus", job->gpus,
				    "walltime_s", (json_int_t)job->walltime_s,
				    "env", env,
				    "seq", (json_int_t)seq,
				    "submitted_ms", (json_int_t)hpcnet_now_ms(),
				    "shebang", s[0] == '#' && s[1] == '!'),
			  0);
}

int hpcnet_local_spec_read(const char *dir, struct hpcnet_local_spec *s)
{
	json_t *o, *env;
	size_t i;
	int rc;

	memset(s, 0, sizeof(*s));
	rc = read_json(dir, HPCNET_LOCAL_SPEC, &o);
	if (rc < 0)
		return rc;
	s->name = hpcnet_xstrdup(get_str(o, "name"));
	s->cores = (int)get_int(o, "cores");
	s->mem_bytes = get_int(o, "mem_bytes");
	s->gpus = (int)get_int(o, "gpus");
	s->walltime_s = get_int(o, "walltime_s");
	s->seq = get_int(o, "seq");
	s->submitted_ms = get_int(o, "submitted_ms");
	s->shebang = json_is_true(json_object_get(o, "shebang"));
	env = json_object_get(o, "env");
	s->env = hpcnet_xcalloc(json_array_size(env) + 1, sizeof(char *));
	for (i = 0; i < json_array_size(env); i++) {
		const char *e = json_string_value(json_array_get(env, i));

		if (e)
			s->env[s->nenv++] = hpcnet_xstrdup(e);
	}
	json_decref(o);
	return 0;
}

void hpcnet_local_spec_clear(struct hpcnet_local_spec *s)
{
	for (size_t i = 0; i < s->nenv; i++)
		free(s->env[i]);
	free(s->env);
	free(s->name);
	memset(s, 0, sizeof(*s));
}

int hpcnet_local_shepherd_write(const char *dir, const struct hpcnet_local_shepherd *sh)
{
	return write_json(dir, HPCNET_LOCAL_SHEPHERD,
			  json_pack("{s:I, s:I, s:I, s:I, s:I}",
				    "pid", (json_int_t)sh->pid,
				    "starttime", (json_int_t)sh->starttime,
				    "pgid", (json_int_t)sh->pgid,
				    "job_starttime", (json_int_t)sh->job_starttime,
				    "started_ms", (json_int_t)sh->started_ms),
			  1);
}

int hpcnet_local_shepherd_read(const char *dir, struct hpcnet_local_shepherd *sh)
{
	json_t *o;
	int rc = read_json(dir, HPCNET_LOCAL_SHEPHERD, &o);

	memset(sh, 0, sizeof(*sh));
	if (rc < 0)
		return rc;
	sh->pid = (pid_t)get_int(o, "pid");
	sh->starttime = (uint64_t)get_int(o, "starttime");
	sh->pgid = (pid_t)get_int(o, "pgid");
	sh->job_starttime = (uint64_t)get_int(o, "job_starttime");
	sh->started_ms = get_int(o, "started_ms");
	json_decref(o);
	/* A pid of 0 or 1 would make kill(2) hit a whole group or init. */
	return sh->pid > 1 && sh->pgid > 1 ? 0 : HPCNET_EPROTO;
}

int hpcnet_local_status_write(const char *dir, const struct hpcnet_job_status *st)
{
	return write_json(dir, HPCNET_LOCAL_STATUS,
			  json_pack("{s:s, s:i, s:i, s:I, s:I, s:f, s:I, s:s}",
				    "state", hpcnet_adapter_state_name(st->state),
				    "exit_code", st->exit_code,
				    "signal", st->signal,
				    "started_ms", (json_int_t)st->started_ms,
				    "ended_ms", (json_int_t)st->ended_ms,
				    "cpu_seconds", st->cpu_seconds,
				    "max_rss_bytes", (json_int_t)st->max_rss_bytes,
				    "reason", st->reason),
			  1);
}

int hpcnet_local_status_read(const char *dir, struct hpcnet_job_status *st)
{
	const char *state;
	json_t *o;
	int rc = read_json(dir, HPCNET_LOCAL_STATUS, &o);

	if (rc < 0)
		return rc;
	rc = HPCNET_EPROTO;
	state = json_string_value(json_object_get(o, "state"));
	for (int s = HPCNET_AS_SUCCEEDED; s <= HPCNET_AS_LOST && state; s++) {
		if (strcmp(state, hpcnet_adapter_state_name(s)) == 0) {
			st->state = s;
			rc = 0;
		}
	}
	st->exit_code = (int)get_int(o, "exit_code");
	st->signal = (int)get_int(o, "signal");
	st->started_ms = get_int(o, "started_ms");
	st->ended_ms = get_int(o, "ended_ms");
	st->cpu_seconds = json_number_value(json_object_get(o, "cpu_seconds"));
	st->max_rss_bytes = get_int(o, "max_rss_bytes");
	snprintf(st->reason, sizeof(st->reason), "%s", get_str(o, "reason"));
	json_decref(o);
	return rc;
}

int hpcnet_local_proc_starttime(pid_t pid, uint64_t *starttime)
{
	char path[64], buf[1024], *p;
	unsigned long long t;
	char state;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -ENOENT; /* raced with its exit */
	buf[n] = '\0';
	/* comm (field 2) may contain spaces and ')'; fields resume after the last ')'. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s"
				 " %*s %*s %*s %*s %llu", &state, &t) != 2)
		return -EPROTO;
	/* A zombie has done all it will do; its pid is only waiting to be reaped. */
	if (state == 'Z' || state == 'X')
		return -ENOENT;
	*starttime = t;
	return 0;
}

int hpcnet_local_proc_alive(pid_t pid, uint64_t starttime)
{
	uint64_t now;
	int rc = hpcnet_local_proc_starttime(pid, &now);

	if (rc == -ENOENT)
		return 0;
	if (rc < 0) /* no usable /proc: fall back to a bare existence check */
		return kill(pid, 0) == 0 || errno == EPERM;
	return now == starttime;
}
