/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The `local` adapter, for real: every test runs jobs through fork/exec in
 * a temp workdir and checks what the job saw and what the adapter
 * reported. Agent crashes are simulated by fini() without stopping
 * anything (what kill -9 leaves behind) and shepherd deaths by SIGKILL.
 * Waits poll with short sleeps against a 20 s deadline; nothing asserts a
 * tighter timing than that.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "adapters/local/local.h"
#include "common/clock.h"
#include "common/fsutil.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "hpcnet/adapter.h"
#include "hpcnet/error.h"

#define DEADLINE_MS 20000

static const struct hpcnet_adapter *const A = &hpcnet_adapter_local;

struct fx {
	char dir[64];
	struct hpcnet_adapter_conf conf;
	void *s;
};

static int setup(void **state)
{
	struct fx *f = hpcnet_xcalloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/hpcnet-local-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->conf = (struct hpcnet_adapter_conf){ .workdir = f->dir, .cores = 2, .kill_grace_s = 1 };
	*state = f;
	return A->init(&f->conf, &f->s);
}

/* Simulates an agent restart (or a reconfiguration) on the same workdir. */
static void restart(struct fx *f, int cores)
{
	A->fini(f->s);
	f->s = NULL;
	f->conf.cores = cores;
	assert_int_equal(A->init(&f->conf, &f->s), 0);
}

static int final(enum hpcnet_adapter_state s)
{
	return s != HPCNET_AS_PENDING && s != HPCNET_AS_RUNNING;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char *jobs = hpcnet_xasprintf("%s/jobs", f->dir);
	struct dirent *de;
	DIR *d = opendir(jobs);

	/* A failed test may leave jobs running: stop them before removing the dir. */
	while (d && f->s && (de = readdir(d))) {
		struct hpcnet_job_status st;
		int64_t until = hpcnet_mono_ms() + DEADLINE_MS;

		if (A->cancel(f->s, de->d_name, de->d_name) < 0)
			continue;
		while (A->poll(f->s, de->d_name, de->d_name, &st) == 0 && !final(st.state) &&
		       hpcnet_mono_ms() < until)
			hpcnet_sleep_ms(20);
	}
	if (d)
		closedir(d);
	if (f->s)
		A->fini(f->s);
	hpcnet_fs_remove_tree(f->dir);
	free(jobs);
	free(f);
	return 0;
}

static struct hpcnet_job_spec spec(const char *id, const char *script)
{
	return (struct hpcnet_job_spec){ .id = id, .name = "test", .script = script, .cores = 1,
					 .walltime_s = 60 };
}

static void submit(struct fx *f, const struct hpcnet_job_spec *j)
{
	char ref[256];

	assert_int_equal(A->submit(f->s, j, ref, sizeof(ref)), 0);
	assert_string_equal(ref, j->id);
}

static void run(struct fx *f, const char *id, const char *script)
{
	struct hpcnet_job_spec j = spec(id, script);

	submit(f, &j);
}

static void poll_ok(struct fx *f, const char *id, struct hpcnet_job_status *st)
{
	assert_int_equal(A->poll(f->s, id, id, st), 0);
}

static void wait_state(struct fx *f, const char *id, enum hpcnet_adapter_state want,
		       struct hpcnet_job_status *st)
{
	int64_t until = hpcnet_mono_ms() + DEADLINE_MS;

	for (;;) {
		poll_ok(f, id, st);
		if (st->state == want || (want != HPCNET_AS_RUNNING && final(st->state)))
			break;
		if (hpcnet_mono_ms() > until)
			fail_msg("job %s: still %s after 20 s", id,
				 hpcnet_adapter_state_name(st->state));
		hpcnet_sleep_ms(20);
	}
	if (st->state != want)
		fail_msg("job %s: %s (%s), expected %s", id, hpcnet_adapter_state_name(st->state),
			 st->reason, hpcnet_adapter_state_name(want));
}

/* The file's content, waiting (up to the deadline) until it ends in a newline. */
static char *slurp(const char *path)
{
	int64_t until = hpcnet_mono_ms() + DEADLINE_MS;
	char *text = NULL;
	size_t len = 0;

	while (hpcnet_mono_ms() < until) {
		if (hpcnet_fs_read(path, 1 << 20, &text, &len) == 0 && len > 0 &&
		    text[len - 1] == '\n')
			return text;
		free(text);
		text = NULL;
		hpcnet_sleep_ms(20);
	}
	fail_msg("%s never got a full line", path);
	return NULL;
}

static char *job_file(struct fx *f, const char *id, const char *leaf)
{
	char *path = hpcnet_xasprintf("%s/jobs/%s/%s", f->dir, id, leaf);
	char *text = slurp(path);

	free(path);
	return text;
}

static pid_t job_pid(struct fx *f, const char *id, const char *leaf)
{
	char *text = job_file(f, id, leaf);
	pid_t pid = (pid_t)atoi(text);

	free(text);
	assert_true(pid > 1);
	return pid;
}

/* Live (non-zombie) processes whose process group is pgid. Here PID 1
 * may not reap orphans, so a zombie counts as gone. */
static int group_alive(pid_t pgid)
{
	struct dirent *de;
	DIR *d = opendir("/proc");
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d))) {
		char path[300], buf[512], state, *p;
		int pgrp = 0;
		FILE *fp;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		fp = fopen(path, "r");
		if (!fp)
			continue;
		if (fgets(buf, sizeof(buf), fp) && (p = strrchr(buf, ')')) &&
		    sscanf(p + 1, " %c %*d %d", &state, &pgrp) == 2 && pgrp == pgid && state != 'Z')
			n++;
		fclose(fp);
	}
	closedir(d);
	return n;
}

static int proc_alive(pid_t pid)
{
	uint64_t t;

	return hpcnet_local_proc_starttime(pid, &t) == 0;
}

static void test_success(void **state)
{
	struct fx *f = *state;
	struct hpcnet_job_spec j = spec("job_ok",
		"#!/bin/sh\n"
		"echo \"hello $HPCNET_JOB_ID cores=$HPCNET_CORES omp=$OMP_NUM_THREADS "
		"foo=$FOO secret=${HPCNET_TEST_SECRET-unset} path=$PATH\"\n"
		"echo oops >&2\n"
		"i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done\n"
		"ls -l /proc/$$/fd > fds.txt\n"
		"test \"$(pwd)\" = \"$HPCNET_WORKDIR\"\n");
	const char *env[] = { "FOO=bar", "HPCNET_JOB_ID=spoofed" };
	struct hpcnet_job_status st;
	char *text, *leak;
	int fd;

	j.env = env;
	j.nenv = 2;
	/* Neither the agent's environment nor its open fds may reach the job. */
	setenv("HPCNET_TEST_SECRET", "leaked", 1);
	leak = hpcnet_xasprintf("%s/agent-private", f->dir);
	fd = open(leak, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	submit(f, &j);
	wait_state(f, "job_ok", HPCNET_AS_SUCCEEDED, &st);
	close(fd);
	unsetenv("HPCNET_TEST_SECRET");

	assert_int_equal(st.exit_code, 0);
	assert_int_equal(st.signal, 0);
	assert_true(st.started_ms > 0 && st.ended_ms >= st.started_ms);
	assert_true(st.cpu_seconds > 0);
	assert_true(st.max_rss_bytes > 0);
	assert_string_equal(st.reason, "");
	text = job_file(f, "job_ok", "stdout");
	assert_string_equal(text, "hello job_ok cores=1 omp=1 foo=bar secret=unset "
				  "path=/usr/local/bin:/usr/bin:/bin\n");
	free(text);
	assert_non_null(strstr(st.stdout_path, "/jobs/job_ok/stdout"));
	text = slurp(st.stderr_path);
	assert_string_equal(text, "oops\n");
	free(text);
	text = job_file(f, "job_ok", "work/fds.txt");
	assert_null(strstr(text, "agent-private"));
	assert_null(strstr(text, "shepherd.log"));
	assert_null(strstr(text, "pipe:"));
	assert_null(strstr(text, "socket:"));
	assert_non_null(strstr(text, " 0 -> /dev/null"));
	free(text);
	free(leak);
}

static void test_exit_code(void **state)
{
	struct fx *f = *state;
	struct hpcnet_job_status st;

	run(f, "job_three", "exit 3\n"); /* no #!: runs under /bin/sh */
	wait_state(f, "job_three", HPCNET_AS_FAILED, &st);
	assert_int_equal(st.exit_code, 3);
	assert_int_equal(st.signal, 0);
	assert_string_equal(st.reason, "exit code 3");

	run(f, "job_killed", "kill -KILL $$\n");
	wait_state(f, "job_killed", HPCNET_AS_FAILED, &st);
	assert_int_equal(st.exit_code, -1);
	assert_int_equal(st.signal, SIGKILL);
	assert_string_equal(st.reason, "killed by signal 9 (SIGKILL)");
}

static void test_exec_failure(void **state)
{
	struct fx *f = *state;
	struct hpcnet_job_status st;

	run(f, "job_noexec", "#!/nonexistent/interpreter\necho never\n");
	wait_state(f, "job_noexec", HPCNET_AS_FAILED, &st);
	assert_int_equal(st.started_ms, 0); /* never reached exec */
	assert_non_null(strstr(st.reason, "could not start"));
	assert_non_null(strstr(st.reason, "No such file"));
}

static void test_walltime(void **state)
{
	struct fx *f = *state;
	struct hpcnet_job_spec j = spec("job_slow", "sleep 30\n");
	struct hpcnet_job_status st;

	j.walltime_s = 1;
	submit(f, &j);
	wait_state(f, "job_slow", HPCNET_AS_FAILED, &st);
	assert_string_equal(st.reason, "walltime of 1 s exceeded");
	assert_true(st.signal != 0 || st.exit_code != 0);
	assert_true(st.ended_ms - st.started_ms < DEADLINE_MS);
}

static void test_cancel_running(void **state)
{
	struct fx *f = *state;
	struct hpcnet_job_status st;
	pid_t leader, child;

	run(f, "job_cx", "echo $$ > leader\nsleep 30 &\necho $! > child\nwait\n");
	wait_state(f, "job_cx", HPCNET_AS_RUNNING, &st);
	leader = job_pid(f, "job_cx", "work/leader");
	child = job_pid(f, "job_cx", "work/child");
	assert_true(group_alive(leader) >= 2);
	assert_int_equal(A->cancel(f->s, "job_cx", "job_cx"), 0);
	wait_state(f, "job_cx", HPCNET_AS_CANCELLED, &st);
	assert_string_equal(st.reason, "cancelled");
	/* The final status is written only once the whole group is gone. */
	assert_int_equal(group_alive(leader), 0);
	assert_false(proc_alive(child));
	/* Cancelling a finished job changes nothing. */
	assert_int_equal(A->cancel(f->s, "job_cx", "job_cx"), 0);
	poll_ok(f, "job_cx", &st);
	assert_int_equal(st.state, HPCNET_AS_CANCELLED);
	assert_int_equal(A->cancel(f->s, "job_nope", "job_nope"), HPCNET_ENOTFOUND);
}

static void test_cancel_escalates(void **state)
{
	struct fx *f = *state;
	struct hpcnet_job_status st;
	char *out;
	pid_t leader;

	/* Ignores SIGTERM (and so does its child): only the SIGKILL after the
	 * 1 s grace can end it. */
	run(f, "job_stubborn",
	    "trap '' TERM\necho $$ > leader\nsleep 30 &\nwait\necho survived\n");
	wait_state(f, "job_stubborn", HPCNET_AS_RUNNING, &st);
	leader = job_pid(f, "job_stubborn", "work/leader");
	assert_int_equal(A->cancel(f->s, "job_stubborn", "job_stubborn"), 0);
	wait_state(f, "job_stubborn", HPCNET_AS_CANCELLED, &st);
	assert_int_equal(st.signal, SIGKILL);
	assert_int_equal(group_alive(leader), 0);
	assert_int_equal(hpcnet_fs_read(st.stdout_path, 1024, &out, NULL), 0);
	assert_null(strstr(out, "survived"));
	free(out);
}

static void test_capacity(void **state)
{
	struct fx *f = *state;
	struct hpcnet_job_status a, b, c;
	struct hpcnet_job_spec wide = spec("job_wide", "true\n");
	struct hpcnet_snapshot snap;
	char ref[256];

	wide.cores = 3; /* the center has 2 */
	assert_int_equal(A->submit(f->s, &wide, ref, sizeof(ref)), HPCNET_EINVAL);
	assert_int_equal(A->poll(f->s, "job_wide", "job_wide", &a), HPCNET_ENOTFOUND);

	run(f, "job_c1", "sleep 1\n");
	run(f, "job_c2", "sleep 1\n");
	run(f, "job_c3", "sleep 1\n");
	poll_ok(f, "job_c1", &a);
	poll_ok(f, "job_c3", &c);
	assert_int_equal(c.state, HPCNET_AS_PENDING);
	assert_true(c.reason[0] != '\0');
	assert_int_equal(A->snapshot(f->s, &snap), 0);
	assert_int_equal(snap.total_cores, 2);
	if (snap.running == 2) { /* unless a 1 s job already ended on a slow host */
		assert_int_equal(snap.free_cores, 0);
		assert_int_equal(snap.queue_len, 1);
	}
	wait_state(f, "job_c1", HPCNET_AS_SUCCEEDED, &a);
	wait_state(f, "job_c2", HPCNET_AS_SUCCEEDED, &b);
	wait_state(f, "job_c3", HPCNET_AS_SUCCEEDED, &c);
	/* The third started only after a slot was given back. */
	assert_true(c.started_ms >= (a.ended_ms < b.ended_ms ? a.ended_ms : b.ended_ms));
	assert_int_equal(A->snapshot(f->s, &snap), 0);
	assert_int_equal(snap.free_cores, 2);
	assert_int_equal(snap.running, 0);
	assert_int_equal(snap.queue_len, 0);
}

static void test_cancel_pending(void **state)
{
	struct fx *f = *state;
	struct hpcnet_job_spec big = spec("job_big", "sleep 30\n");
	struct hpcnet_job_status st;

	big.cores = 2;
	submit(f, &big);
	run(f, "job_waiting", "echo ran\n");
	wait_state(f, "job_big", HPCNET_AS_RUNNING, &st);
	poll_ok(f, "job_waiting", &st);
	assert_int_equal(st.state, HPCNET_AS_PENDING);
	assert_int_equal(A->cancel(f->s, "job_waiting", "job_waiting"), 0);
	poll_ok(f, "job_waiting", &st);
	assert_int_equal(st.state, HPCNET_AS_CANCELLED);
	assert_int_equal(st.started_ms, 0);
	assert_int_equal(A->cancel(f->s, "job_big", "job_big"), 0);
	wait_state(f, "job_big", HPCNET_AS_CANCELLED, &st);
	/* The cancelled job never ran, even though a slot is now free. */
	poll_ok(f, "job_waiting", &st);
	assert_int_equal(st.state, HPCNET_AS_CANCELLED);
	assert_int_not_equal(access(st.stdout_path, F_OK), 0);
}

static void test_idempotent(void **state)
{
	struct fx *f = *state;
	char *counter = hpcnet_xasprintf("COUNTER=%s/count", f->dir);
	const char *env[] = { counter };
	struct hpcnet_job_spec j = spec("job_once", "echo run >> \"$COUNTER\"\nsleep 1\n");
	struct hpcnet_job_status st;
	char *text, *dir;

	j.env = env;
	j.nenv = 1;
	submit(f, &j);
	submit(f, &j);
	wait_state(f, "job_once", HPCNET_AS_RUNNING, &st);
	submit(f, &j);
	/* A second shepherd (as from a restarted agent) finds the job claimed. */
	dir = hpcnet_xasprintf("%s/jobs/job_once", f->dir);
	assert_int_equal(hpcnet_local_shepherd_start(dir, 1), 0);
	restart(f, 2);
	submit(f, &j);
	wait_state(f, "job_once", HPCNET_AS_SUCCEEDED, &st);
	submit(f, &j);
	poll_ok(f, "job_once", &st);
	assert_int_equal(st.state, HPCNET_AS_SUCCEEDED);
	assert_int_equal(hpcnet_local_shepherd_start(dir, 1), 0);
	hpcnet_sleep_ms(200);
	text = slurp(counter + strlen("COUNTER="));
	assert_string_equal(text, "run\n");
	free(text);
	free(dir);
	free(counter);
}

static void test_files(void **state)
{
	static const char *const bad[] = { "/etc/evil", "../evil", "a/../../evil", "", "dir/",
					   ".", "a/..", NULL };
	struct fx *f = *state;
	struct hpcnet_job_file files[] = {
		{ .path = "data/deep/in.txt", .data = "hello\n", .len = 6 },
		{ .path = "top.txt", .data = "x\n", .len = 2 },
	};
	struct hpcnet_job_spec j = spec("job_files", "cat data/deep/in.txt top.txt\n");
	struct hpcnet_job_status st;
	char ref[256], *text;

	j.files = files;
	j.nfiles = 2;
	submit(f, &j);
	wait_state(f, "job_files", HPCNET_AS_SUCCEEDED, &st);
	text = slurp(st.stdout_path);
	assert_string_equal(text, "hello\nx\n");
	free(text);
	text = job_file(f, "job_files", "work/data/deep/in.txt");
	assert_string_equal(text, "hello\n");
	free(text);

	for (size_t i = 0; bad[i]; i++) {
		struct hpcnet_job_file one = { .path = bad[i], .data = "x", .len = 1 };
		char *dir = hpcnet_xasprintf("%s/jobs/job_bad", f->dir);

		j.id = "job_bad";
		j.files = &one;
		j.nfiles = 1;
		assert_int_equal(A->submit(f->s, &j, ref, sizeof(ref)), HPCNET_EINVAL);
		assert_int_equal(A->poll(f->s, "job_bad", "job_bad", &st), HPCNET_ENOTFOUND);
		assert_int_not_equal(access(dir, F_OK), 0);
		free(dir);
	}
}

static void test_invalid(void **state)
{
	struct fx *f = *state;
	struct hpcnet_job_spec j = spec("../escape", "true\n");
	const char *env[] = { "NOEQUALS" };
	char ref[256];

	assert_int_equal(A->submit(f->s, &j, ref, sizeof(ref)), HPCNET_EINVAL);
	j = spec("job_nowall", "true\n");
	j.walltime_s = 0;
	assert_int_equal(A->submit(f->s, &j, ref, sizeof(ref)), HPCNET_EINVAL);
	j = spec("job_badenv", "true\n");
	j.env = env;
	j.nenv = 1;
	assert_int_equal(A->submit(f->s, &j, ref, sizeof(ref)), HPCNET_EINVAL);
	j = spec("job_gpu", "true\n");
	j.gpus = 1; /* this center has none */
	assert_int_equal(A->submit(f->s, &j, ref, sizeof(ref)), HPCNET_EINVAL);
	assert_int_equal(A->poll(f->s, "../escape", "x", &(struct hpcnet_job_status){ 0 }),
			 HPCNET_ENOTFOUND);
}

static void test_restart(void **state)
{
	struct fx *f = *state;
	struct hpcnet_job_status st, before;
	struct hpcnet_snapshot snap;
	char *text, *torn;

	restart(f, 1);
	run(f, "job_first", "sleep 2\necho done\n");
	run(f, "job_second", "echo second\n");
	wait_state(f, "job_first", HPCNET_AS_RUNNING, &before);
	poll_ok(f, "job_second", &st);
	assert_int_equal(st.state, HPCNET_AS_PENDING);

	/* The agent dies (fini stops nothing, like kill -9); a submit was cut
	 * short before its commit point. A new agent takes over. */
	torn = hpcnet_xasprintf("%s/jobs/job_torn/work", f->dir);
	assert_int_equal(hpcnet_fs_mkdirs(torn, 0700), 0);
	restart(f, 1);
	assert_int_not_equal(access(torn, F_OK), 0);
	assert_int_equal(A->poll(f->s, "job_torn", "job_torn", &st), HPCNET_ENOTFOUND);
	assert_int_equal(A->snapshot(f->s, &snap), 0);
	assert_int_equal(snap.running, 1);
	assert_int_equal(snap.queue_len, 1);
	poll_ok(f, "job_first", &st);
	assert_int_equal(st.state, HPCNET_AS_RUNNING);
	assert_int_equal(st.started_ms, before.started_ms);
	poll_ok(f, "job_second", &st);
	assert_int_equal(st.state, HPCNET_AS_PENDING);

	wait_state(f, "job_first", HPCNET_AS_SUCCEEDED, &st);
	text = slurp(st.stdout_path);
	assert_string_equal(text, "done\n");
	free(text);
	wait_state(f, "job_second", HPCNET_AS_SUCCEEDED, &st);
	text = slurp(st.stdout_path);
	assert_string_equal(text, "second\n");
	free(text);
	free(torn);
}

static void test_lost(void **state)
{
	struct fx *f = *state;
	struct hpcnet_local_shepherd sh;
	struct hpcnet_job_status st;
	char *dir = hpcnet_xasprintf("%s/jobs/job_lost", f->dir);

	run(f, "job_lost", "sleep 30\n");
	wait_state(f, "job_lost", HPCNET_AS_RUNNING, &st);
	assert_int_equal(hpcnet_local_shepherd_read(dir, &sh), 0);
	/* The shepherd dies without a word, and its job is gone too. */
	assert_int_equal(kill(sh.pid, SIGKILL), 0);
	killpg(sh.pgid, SIGKILL);
	wait_state(f, "job_lost", HPCNET_AS_LOST, &st);
	assert_non_null(strstr(st.reason, "shepherd"));
	/* The verdict is recorded: a new agent says the same. */
	restart(f, 2);
	poll_ok(f, "job_lost", &st);
	assert_int_equal(st.state, HPCNET_AS_LOST);
	free(dir);
}

static void test_lost_kills_orphans(void **state)
{
	struct fx *f = *state;
	struct hpcnet_local_shepherd sh;
	struct hpcnet_job_status st;
	struct hpcnet_snapshot snap;
	char *dir = hpcnet_xasprintf("%s/jobs/job_orphan", f->dir);
	int64_t until = hpcnet_mono_ms() + DEADLINE_MS;

	run(f, "job_orphan", "sleep 30\n");
	wait_state(f, "job_orphan", HPCNET_AS_RUNNING, &st);
	assert_int_equal(hpcnet_local_shepherd_read(dir, &sh), 0);
	assert_true(group_alive(sh.pgid) > 0);
	assert_int_equal(kill(sh.pid, SIGKILL), 0);
	wait_state(f, "job_orphan", HPCNET_AS_LOST, &st);
	/* A lost job holds no slot, so what is left of it must not run on. */
	while (group_alive(sh.pgid) > 0 && hpcnet_mono_ms() < until)
		hpcnet_sleep_ms(20);
	assert_int_equal(group_alive(sh.pgid), 0);
	assert_int_equal(A->snapshot(f->s, &snap), 0);
	assert_int_equal(snap.free_cores, 2);
	free(dir);
}

static void test_purge(void **state)
{
	struct fx *f = *state;
	struct hpcnet_job_status st;
	char *dir = hpcnet_xasprintf("%s/jobs/job_p", f->dir);

	run(f, "job_p", "sleep 1\n");
	wait_state(f, "job_p", HPCNET_AS_RUNNING, &st);
	assert_int_equal(A->purge(f->s, "job_p", "job_p"), HPCNET_ECONFLICT);
	wait_state(f, "job_p", HPCNET_AS_SUCCEEDED, &st);
	assert_int_equal(A->purge(f->s, "job_p", "job_p"), 0);
	assert_int_not_equal(access(dir, F_OK), 0);
	assert_int_equal(A->poll(f->s, "job_p", "job_p", &st), HPCNET_ENOTFOUND);
	assert_int_equal(A->purge(f->s, "job_p", "job_p"), 0);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_success, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exit_code, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walltime, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_running, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_escalates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_capacity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_pending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idempotent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_kills_orphans, setup, teardown),
		cmocka_unit_test_setup_teardown(test_purge, setup, teardown),
	};

	hpcnet_log_init("test", HPCNET_LOG_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
