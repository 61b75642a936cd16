/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The shepherd: one small process per running job (Slurm's slurmstepd
 * plays this part). It claims the job, starts it in a process group of its
 * own, waits for it, enforces walltime and cancel, and writes the job's
 * final status. The agent only forks it and reads its files.
 *
 * Why a separate process: the agent may die at any moment (kill -9,
 * upgrade) and its jobs must neither die with it nor run twice when it
 * comes back. The shepherd is detached (double fork, own session), so it
 * outlives the agent and is never the agent's zombie, and it records in
 * the job directory everything a new agent needs: shepherd.json says "this
 * job was started, by this process" (pid + /proc start time, so a reused
 * pid is not mistaken for it), status.json says how it ended.
 *
 * The shepherd is a fork of the agent without exec (the agent is single
 * threaded, so this is safe and needs no second binary). It therefore
 * first drops everything it inherited: fds (sockets, the journal), signal
 * handlers and mask, stdio. It only ever leaves through _exit() so no
 * atexit handler or stdio buffer of the agent runs twice.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "adapters/local/local.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "hpcnet/error.h"

/* One byte on the ack pipe tells the agent how the claim went. */
#define ACK_STARTED 'S'
#define ACK_ALREADY 'A'

/* Why the shepherd stopped the job, if it did. */
enum stop_why { STOP_NONE, STOP_CANCEL, STOP_WALLTIME, STOP_SIGTERM };

struct shep {
	const char *dir;  /* the job directory (absolute) */
	const char *id;   /* its last component: the hub job id */
	struct hpcnet_local_spec spec;
	int64_t grace_ms;
	char *argv[3];    /* the script, or /bin/sh and the script */
	char **envp;
	char *script, *work, *out, *err;
	pid_t leader;     /* the job; also its process group id */
	int go_fd;        /* one byte lets the job exec, after shepherd.json is on disk */
	int fail_fd;      /* carries the job's reason if it fails before exec */
	int64_t started_ms;
};

/* Sets NAME=VALUE in env (n entries), replacing an entry of the same NAME. */
static void env_put(char **env, size_t *n, char *kv)
{
	size_t len = strcspn(kv, "=") + 1;

	for (size_t i = 0; i < *n; i++) {
		if (strncmp(env[i], kv, len) == 0) {
			free(env[i]);
			env[i] = kv;
			return;
		}
	}
	env[(*n)++] = kv;
}

/*
 * The job's environment: a clean one, not the agent's (which may hold the
 * agent's credentials), then the user's env, then our HPCNET_* variables,
 * which the job cannot override since the job id must be trustworthy.
 */
static char **job_env(const struct shep *sh)
{
	static const char *const pass[] = { "LANG", "LC_ALL" };
	char **env = hpcnet_xcalloc(sh->spec.nenv + 16, sizeof(char *));
	const struct passwd *pw = getpwuid(getuid());
	const char *home = getenv("HOME"), *user = getenv("USER");
	size_t n = 0;

	env_put(env, &n, hpcnet_xstrdup("PATH=/usr/local/bin:/usr/bin:/bin"));
	if (!home && pw)
		home = pw->pw_dir;
	if (!user && pw)
		user = pw->pw_name;
	if (home)
		env_put(env, &n, hpcnet_xasprintf("HOME=%s", home));
	if (user)
		env_put(env, &n, hpcnet_xasprintf("USER=%s", user));
	for (size_t i = 0; i < sizeof(pass) / sizeof(pass[0]); i++)
		if (getenv(pass[i]))
			env_put(env, &n, hpcnet_xasprintf("%s=%s", pass[i], getenv(pass[i])));
	env_put(env, &n, hpcnet_xasprintf("OMP_NUM_THREADS=%d", sh->spec.cores));
	for (size_t i = 0; i < sh->spec.nenv; i++)
		env_put(env, &n, hpcnet_xstrdup(sh->spec.env[i]));
	env_put(env, &n, hpcnet_xasprintf("HPCNET_JOB_ID=%s", sh->id));
	env_put(env, &n, hpcnet_xasprintf("HPCNET_JOB_NAME=%s", sh->spec.name));
	env_put(env, &n, hpcnet_xasprintf("HPCNET_CORES=%d", sh->spec.cores));
	env_put(env, &n, hpcnet_xasprintf("HPCNET_WORKDIR=%s", sh->work));
	return env;
}

static int open_onto(const char *path, int flags, int target)
{
	int fd = open(path, flags | O_CLOEXEC, 0644);

	if (fd < 0)
		return -1;
	if (fd != target && dup2(fd, target) < 0) /* dup2 clears CLOEXEC on target */
		return -1;
	if (fd != target)
		close(fd);
	return 0;
}

/*
 * The job process, between fork and exec. Waits for the shepherd's go (no
 * byte means the start could not be recorded: the job must not run), then
 * builds the job's process state. Any failure is written to fail_fd, which
 * exec closes (O_CLOEXEC): EOF there means the script is running.
 */
static void __attribute__((noreturn)) job_child(const struct shep *sh, int go_fd, int fail_fd)
{
	const struct rlimit nocore = { 0, 0 };
	const char *stage;
	sigset_t none;
	ssize_t n;
	char c = 0;

	setpgid(0, 0);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL); /* an ignored SIGPIPE or SIGTERM would survive exec */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	do
		n = read(go_fd, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		_exit(127);
	stage = "open /dev/null";
	if (open_onto("/dev/null", O_RDONLY, 0) < 0)
		goto fail;
	stage = "open stdout";
	if (open_onto(sh->out, O_WRONLY | O_CREAT | O_APPEND, 1) < 0)
		goto fail;
	stage = "open stderr";
	if (open_onto(sh->err, O_WRONLY | O_CREAT | O_APPEND, 2) < 0)
		goto fail;
	/* Nothing of the agent or the shepherd may leak into the job. */
	close_range(3, (unsigned)fail_fd - 1, 0);
	close_range((unsigned)fail_fd + 1, ~0U, 0);
	stage = "chdir to the work directory";
	if (chdir(sh->work) < 0)
		goto fail;
	setrlimit(RLIMIT_CORE, &nocore);
	stage = "execute the script";
	execve(sh->argv[0], sh->argv, sh->envp);
fail:
	dprintf(fail_fd, "%s: %s", stage, strerror(errno));
	_exit(127);
}

/* Forks the job, held before exec until go_fd gets its byte. 0 or -errno. */
static int launch(struct shep *sh)
{
	int go[2], fail[2];
	pid_t pid;

	if (pipe2(go, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(fail, O_CLOEXEC) < 0) {
		close(go[0]);
		close(go[1]);
		return -errno;
	}
	pid = fork();
	if (pid == 0) {
		close(go[1]);
		close(fail[0]);
		job_child(sh, go[0], fail[1]);
	}
	close(go[0]);
	close(fail[1]);
	if (pid < 0) {
		int rc = -errno;

		close(go[1]);
		close(fail[0]);
		return rc;
	}
	/* Also here, so the group exists before anyone signals it. */
	setpgid(pid, pid);
	sh->leader = pid;
	sh->go_fd = go[1];
	sh->fail_fd = fail[0];
	return 0;
}

/*
 * Claims the job and starts it, held before exec. Under the directory
 * lock, so it cannot interleave with an agent cancelling the pending job;
 * shepherd.json is write-once, so a second shepherd (from a restarted
 * agent) cannot claim it either. 1 claimed, 0 already claimed or
 * finished, or -errno.
 */
static int claim(struct shep *sh)
{
	struct hpcnet_local_shepherd rec = { .pid = getpid() };
	int lock, rc;

	lock = hpcnet_local_lock(sh->dir);
	if (lock < 0)
		return lock;
	rc = 0;
	if (hpcnet_local_exists(sh->dir, HPCNET_LOCAL_STATUS) ||
	    hpcnet_local_exists(sh->dir, HPCNET_LOCAL_SHEPHERD))
		goto out;
	rc = hpcnet_local_spec_read(sh->dir, &sh->spec);
	if (rc < 0)
		goto out;
	sh->envp = job_env(sh);
	if (sh->spec.shebang) {
		sh->argv[0] = sh->script;
	} else {
		sh->argv[0] = "/bin/sh";
		sh->argv[1] = sh->script;
	}
	rc = launch(sh);
	if (rc < 0)
		goto out;
	rec.pgid = sh->leader;
	sh->started_ms = rec.started_ms = hpcnet_now_ms();
	if (hpcnet_local_proc_starttime(rec.pid, &rec.starttime) < 0 ||
	    hpcnet_local_proc_starttime(sh->leader, &rec.job_starttime) < 0) {
		rc = -EIO;
		goto out;
	}
	rc = hpcnet_local_shepherd_write(sh->dir, &rec);
	if (rc == 0)
		rc = 1;
out:
	hpcnet_local_unlock(lock);
	return rc;
}

/*
 * Reaps the orphans of the job that were handed to us (we are their
 * subreaper). Returns 1 once the leader has exited; the leader itself is
 * left unreaped so its pid, which is the job's process group id, cannot be
 * reused while we still signal that group.
 */
static int leader_exited(pid_t leader)
{
	for (;;) {
		siginfo_t si;

		memset(&si, 0, sizeof(si));
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
			return 1; /* ECHILD: there is nothing left to wait for */
		if (si.si_pid == 0)
			return 0;
		if (si.si_pid == leader)
			return 1;
		waitpid(si.si_pid, NULL, 0);
	}
}

/*
 * Waits for the job to end, stopping it on cancel, walltime or a SIGTERM
 * to the shepherd: SIGTERM to the job's group, SIGKILL after the grace.
 * All waiting is in sigtimedwait() on blocked signals, so a SIGCHLD or the
 * agent's SIGTERM wakes it at once and no handler runs.
 */
static enum stop_why supervise(const struct shep *sh, const sigset_t *wake)
{
	int64_t now = hpcnet_mono_ms();
	int64_t deadline = now + sh->spec.walltime_s * 1000, kill_at = 0;
	enum stop_why why = STOP_NONE;
	int sigterm = 0;

	while (!leader_exited(sh->leader)) {
		struct timespec ts;
		int64_t wait_ms = 1000; /* the cancel marker is seen even if a signal was lost */

		now = hpcnet_mono_ms();
		if (why == STOP_NONE) {
			if (hpcnet_local_exists(sh->dir, HPCNET_LOCAL_CANCEL))
				why = STOP_CANCEL;
			else if (now >= deadline)
				why = STOP_WALLTIME;
			else if (sigterm)
				why = STOP_SIGTERM;
			if (why != STOP_NONE) {
				killpg(sh->leader, SIGTERM);
				kill_at = now + sh->grace_ms;
			}
		}
		if (kill_at && now >= kill_at) {
			killpg(sh->leader, SIGKILL);
			kill_at = 0;
		}
		if (why == STOP_NONE && deadline - now < wait_ms)
			wait_ms = deadline - now;
		if (kill_at && kill_at - now < wait_ms)
			wait_ms = kill_at - now;
		ts.tv_sec = wait_ms / 1000;
		ts.tv_nsec = (wait_ms % 1000) * 1000000;
		if (sigtimedwait(wake, NULL, &ts) == SIGTERM)
			sigterm = 1;
	}
	return why;
}

/*
 * Reaps what the job left in its group, already sent SIGKILL, so that the
 * recorded end means "nothing of the job runs any more".
 */
static void reap_group(const struct shep *sh)
{
	int64_t until = hpcnet_mono_ms() + 5000;

	while (hpcnet_mono_ms() < until) {
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		if (kill(-sh->leader, 0) < 0 && errno == ESRCH)
			return;
		hpcnet_sleep_ms(10);
	}
	hpcnet_warn("job %s: processes of group %d outlived SIGKILL", sh->id, (int)sh->leader);
}

static void describe_end(const struct shep *sh, enum stop_why why, int ws, const char *prefail,
			 struct hpcnet_job_status *st)
{
	if (WIFSIGNALED(ws)) {
		st->exit_code = -1;
		st->signal = WTERMSIG(ws);
	} else {
		st->exit_code = WEXITSTATUS(ws);
	}
	st->state = HPCNET_AS_FAILED;
	if (*prefail) {
		snprintf(st->reason, sizeof(st->reason), "could not start: %s", prefail);
	} else if (why == STOP_CANCEL) {
		st->state = HPCNET_AS_CANCELLED;
		snprintf(st->reason, sizeof(st->reason), "cancelled");
	} else if (why == STOP_WALLTIME) {
		snprintf(st->reason, sizeof(st->reason), "walltime of %lld s exceeded",
			 (long long)sh->spec.walltime_s);
	} else if (why == STOP_SIGTERM) {
		snprintf(st->reason, sizeof(st->reason),
			 "stopped: the job's shepherd got SIGTERM (host shutting down?)");
	} else if (st->signal) {
		snprintf(st->reason, sizeof(st->reason), "killed by signal %d (SIG%s)", st->signal,
			 sigabbrev_np(st->signal) ? sigabbrev_np(st->signal) : "?");
	} else if (st->exit_code) {
		snprintf(st->reason, sizeof(st->reason), "exit code %d", st->exit_code);
	} else {
		st->state = HPCNET_AS_SUCCEEDED;
	}
}

/* Runs the claimed job to its end and records it; returns the shepherd's exit code. */
static int run(struct shep *sh, const sigset_t *wake)
{
	struct hpcnet_job_status st;
	char prefail[200] = "";
	struct rusage ru;
	enum stop_why why;
	ssize_t n;
	int ws = 0, rc;

	memset(&st, 0, sizeof(st));
	sh->started_ms = hpcnet_now_ms();
	if (write(sh->go_fd, "g", 1) != 1)
		snprintf(prefail, sizeof(prefail), "the shepherd could not release the job");
	close(sh->go_fd);
	/* Blocks only until exec: the pipe is O_CLOEXEC in the job. */
	do
		n = read(sh->fail_fd, prefail, sizeof(prefail) - 1);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		prefail[n] = '\0';
	close(sh->fail_fd);
	why = supervise(sh, wake);
	/*
	 * What the job left behind in its group (background children) dies
	 * with it: a finished job holds no slots, so nothing of it may run.
	 * Sent before the leader is reaped, while its pid (the group id)
	 * cannot have been reused. Processes that started their own session
	 * escape this, as in any batch system without cgroups.
	 */
	killpg(sh->leader, SIGKILL);
	if (waitpid(sh->leader, &ws, 0) < 0) {
		hpcnet_error("job %s: wait for pid %d: %s", sh->id, (int)sh->leader, strerror(errno));
		ws = W_EXITCODE(127, 0);
	}
	reap_group(sh);
	describe_end(sh, why, ws, prefail, &st);
	/* Children of the shepherd are the job and its adopted orphans: all of it. */
	getrusage(RUSAGE_CHILDREN, &ru);
	st.cpu_seconds = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
			 (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	st.max_rss_bytes = (int64_t)ru.ru_maxrss * 1024;
	st.started_ms = *prefail ? 0 : sh->started_ms; /* 0: never reached exec */
	st.ended_ms = hpcnet_now_ms();
	rc = hpcnet_local_status_write(sh->dir, &st);
	if (rc < 0) {
		hpcnet_error("job %s: cannot record its end (%s); it will be reported lost", sh->id,
			     hpcnet_strerror(rc));
		return 1;
	}
	return 0;
}

/*
 * The shepherd's life. Detached already; ack is the pipe to the agent,
 * which waits for one byte (or EOF on failure) before going on.
 */
static void __attribute__((noreturn)) shepherd_main(struct shep *sh, int ack)
{
	sigset_t wake;
	char *log, answer;
	int rc;

	/*
	 * Signals first: the agent's handlers must never run in here, and no
	 * stray signal may kill the shepherd and so lose the job's status.
	 * All are blocked and taken with sigtimedwait(); only SIGCHLD and
	 * SIGTERM mean anything.
	 */
	sigfillset(&wake);
	sigprocmask(SIG_SETMASK, &wake, NULL);
	signal(SIGCHLD, SIG_DFL); /* SIG_IGN would auto-reap the job and lose its status */
	signal(SIGPIPE, SIG_IGN); /* a dead agent on the ack pipe is not our problem */

	/* Then fds: keep the ack pipe (as fd 3), drop all of the agent's. */
	if (ack != 3 && dup3(ack, 3, O_CLOEXEC) < 0)
		_exit(1);
	close_range(4, ~0U, 0);
	ack = 3;
	log = hpcnet_local_path(sh->dir, "shepherd.log");
	if (open_onto("/dev/null", O_RDWR, 0) < 0 || open_onto("/dev/null", O_RDWR, 1) < 0 ||
	    open_onto(log, O_WRONLY | O_CREAT | O_APPEND, 2) < 0)
		_exit(1);
	free(log);
	prctl(PR_SET_CHILD_SUBREAPER, 1); /* the job's orphans come to us, not to init */
	prctl(PR_SET_NAME, "hpcnet-shepherd");

	rc = claim(sh);
	if (rc < 0) {
		hpcnet_error("job %s: cannot start: %s", sh->id, hpcnet_strerror(rc));
		_exit(1); /* EOF on ack: the agent keeps the job pending and retries */
	}
	answer = rc == 1 ? ACK_STARTED : ACK_ALREADY;
	if (write(ack, &answer, 1) < 0)
		hpcnet_debug("job %s: agent gone before the ack", sh->id);
	close(ack);
	_exit(rc == 1 ? run(sh, &wake) : 0);
}

int hpcnet_local_shepherd_start(const char *dir, int64_t grace_s)
{
	struct shep sh = {
		.dir = dir,
		.id = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir,
		.grace_ms = (grace_s > 0 ? grace_s : 10) * 1000,
		.script = hpcnet_local_path(dir, HPCNET_LOCAL_SCRIPT),
		.work = hpcnet_local_path(dir, HPCNET_LOCAL_WORK),
		.out = hpcnet_local_path(dir, "stdout"),
		.err = hpcnet_local_path(dir, "stderr"),
	};
	int ack[2], rc = HPCNET_EUNAVAIL;
	char c = 0;
	ssize_t n;
	pid_t pid;

	if (pipe2(ack, O_CLOEXEC) < 0) {
		rc = -errno;
		goto out;
	}
	pid = fork();
	if (pid == 0) {
		close(ack[0]);
		/* New session: no signal for the agent's terminal or group reaches
		 * the job. Second fork: the middle process exits now, so the
		 * shepherd is adopted by init and never becomes our zombie. */
		if (setsid() < 0 || (pid = fork()) < 0)
			_exit(1);
		if (pid > 0)
			_exit(0);
		shepherd_main(&sh, ack[1]);
	}
	close(ack[1]);
	if (pid < 0) {
		rc = -errno;
		close(ack[0]);
		goto out;
	}
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	do
		n = read(ack[0], &c, 1);
	while (n < 0 && errno == EINTR);
	close(ack[0]);
	if (n == 1)
		rc = c == ACK_STARTED ? 1 : 0;
out:
	free(sh.script);
	free(sh.work);
	free(sh.out);
	free(sh.err);
	return rc;
}
