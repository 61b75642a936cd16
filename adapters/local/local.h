/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the local adapter: the per-job files (jobdir.c) and the
 * shepherd (shepherd.c) that local.c's ops are built on.
 *
 * Each job owns WORKDIR/jobs/<job_id>/ and its state is nothing but the
 * files in it, so any process (the agent, a restarted agent, a shepherd)
 * can tell where the job is:
 *
 *   script         the job's script (0700)
 *   work/          the job's cwd; submitted files go here
 *   spec.json      resources, env, FIFO sequence. Commit point of submit.
 *   shepherd.json  written once by the shepherd that claimed the job:
 *                  "started". Nobody else may start it after that.
 *   cancel         marker: the agent asked for a cancel
 *   stdout stderr  the job's output (append)
 *   shepherd.log   the shepherd's own log lines
 *   status.json    final state, written once (by the shepherd, or by the
 *                  agent for a job cancelled before start or found lost)
 *
 * "Written once" is enforced by the file system (link(2) fails with
 * EEXIST), not by trusting the writers. Claiming a job (shepherd.json) and
 * cancelling it before it started (status.json) both happen under an
 * flock on the job directory, so they exclude each other.
 */
#ifndef HPCNET_ADAPTERS_LOCAL_H
#define HPCNET_ADAPTERS_LOCAL_H

#include <stdint.h>
#include <sys/types.h>

#include "hpcnet/adapter.h"

#define HPCNET_LOCAL_SPEC "spec.json"
#define HPCNET_LOCAL_SHEPHERD "shepherd.json"
#define HPCNET_LOCAL_STATUS "status.json"
#define HPCNET_LOCAL_CANCEL "cancel"
#define HPCNET_LOCAL_SCRIPT "script"
#define HPCNET_LOCAL_WORK "work"
#define HPCNET_LOCAL_ID_MAX 128

/* spec.json, as read back. */
struct hpcnet_local_spec {
	char *name;
	int cores;
	int64_t mem_bytes;
	int gpus;
	int64_t walltime_s;
	char **env; /* NAME=VALUE */
	size_t nenv;
	int64_t seq;          /* FIFO order among this workdir's jobs */
	int64_t submitted_ms;
	int shebang;          /* script starts with #!: exec it directly */
};

/* shepherd.json: who runs the job, precise enough to survive pid reuse. */
struct hpcnet_local_shepherd {
	pid_t pid;
	uint64_t starttime;     /* of pid, /proc/<pid>/stat field 22 */
	pid_t pgid;             /* the job's process group (= its leader's pid) */
	uint64_t job_starttime; /* of the leader */
	int64_t started_ms;
};

/* 1 when id is usable as a directory name (1-128 of [A-Za-z0-9._-], no
 * leading dot), else 0. */
int hpcnet_local_id_valid(const char *id);

/* "dir/leaf", newly allocated (caller frees). */
char *hpcnet_local_path(const char *dir, const char *leaf);

/* 1 if dir/leaf exists, 0 if not. */
int hpcnet_local_exists(const char *dir, const char *leaf);

/*
 * Creates dir/leaf with data, atomically and only if it does not exist
 * yet (temp file, fsync, link, fsync dir). 0, HPCNET_EEXIST when the file
 * was already there (its content is left alone), or -errno.
 */
int hpcnet_local_write_once(const char *dir, const char *leaf, const char *data);

/* Takes / releases the job directory's flock; lock returns an fd or -errno. */
int hpcnet_local_lock(const char *dir);
void hpcnet_local_unlock(int fd);

/* Writes spec.json (the commit point of a submit) for job with seq. 0 or -errno. */
int hpcnet_local_spec_write(const char *dir, const struct hpcnet_job_spec *job, int64_t seq);
/* Reads spec.json; free with hpcnet_local_spec_clear(). 0, -errno or HPCNET_EPROTO. */
int hpcnet_local_spec_read(const char *dir, struct hpcnet_local_spec *s);
void hpcnet_local_spec_clear(struct hpcnet_local_spec *s);

/* shepherd.json: write is write-once (HPCNET_EEXIST if claimed already). */
int hpcnet_local_shepherd_write(const char *dir, const struct hpcnet_local_shepherd *sh);
int hpcnet_local_shepherd_read(const char *dir, struct hpcnet_local_shepherd *sh);

/*
 * status.json from/into the state fields of st (state, exit_code, signal,
 * started/ended, cpu, rss, reason). Write is write-once. Read gives 0,
 * -ENOENT while the job has not finished, or HPCNET_EPROTO.
 */
int hpcnet_local_status_write(const char *dir, const struct hpcnet_job_status *st);
int hpcnet_local_status_read(const char *dir, struct hpcnet_job_status *st);

/* /proc/<pid>/stat field 22; 0, or -errno (-ENOENT when gone or a zombie). */
int hpcnet_local_proc_starttime(pid_t pid, uint64_t *starttime);
/* 1 when pid is alive and is still the process that had starttime. */
int hpcnet_local_proc_alive(pid_t pid, uint64_t starttime);

/*
 * Starts the shepherd of the job in dir: it detaches (double fork, new
 * session) so it outlives the caller and is never its zombie, claims the
 * job, runs it and records its end. Blocks only until the claim is on
 * disk. Returns 1 when this call started the job, 0 when the job had
 * already been claimed or finished (nothing started), -errno or
 * HPCNET_EUNAVAIL when no shepherd could start it (the reason is in the
 * job's shepherd.log; the job stays pending). grace_s: SIGTERM -> SIGKILL
 * delay, 10 s when <= 0.
 */
int hpcnet_local_shepherd_start(const char *dir, int64_t grace_s);

#endif
