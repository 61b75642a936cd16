/* SPDX-License-Identifier: Apache-2.0 */
/* Running commands with captured output and a timeout; see subproc.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/subproc.h"
#include "hpcnet/error.h"

#define MAX_OUTPUT (64u << 20)

extern char **environ;

/* The current environment plus extra "K=V" entries, built before fork so
 * the child only makes async-signal-safe calls. Caller frees the array. */
static char **make_env(const char *const extra[])
{
	size_t n = 0, k = 0, i;
	char **envp;

	while (environ[n])
		n++;
	while (extra && extra[k])
		k++;
	envp = hpcnet_xcalloc(n + k + 1, sizeof(*envp));
	for (i = 0; i < k; i++)
		envp[i] = (char *)extra[i]; /* first wins in getenv: extras override */
	for (i = 0; i < n; i++)
		envp[k + i] = environ[i];
	return envp;
}

/* In the child: only async-signal-safe calls until exec. */
static void child(const char *const argv[], char **envp, int in, int out, int err)
{
	setpgid(0, 0);
	dup2(in, 0);
	dup2(out, 1);
	dup2(err, 2);
	signal(SIGPIPE, SIG_DFL);
	execvpe(argv[0], (char *const *)argv, envp);
}

static void drain(int *fd, struct hpcnet_buf *b)
{
	char chunk[65536];
	ssize_t n = read(*fd, chunk, sizeof(chunk));

	if (n > 0) {
		if (b->len + (size_t)n <= MAX_OUTPUT)
			hpcnet_buf_add(b, chunk, (size_t)n);
		return;
	}
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	close(*fd);
	*fd = -1;
}

int hpcnet_run_cmd(const char *const argv[], const char *const env[], const char *stdin_data,
		   int timeout_ms, struct hpcnet_run *res)
{
	int fds[8] = { -1, -1, -1, -1, -1, -1, -1, -1 }, i;
	int *in = fds, *out = fds + 2, *err = fds + 4, *ex = fds + 6;
	char **envp = make_env(env);
	size_t in_len = stdin_data ? strlen(stdin_data) : 0, in_off = 0;
	int64_t deadline = hpcnet_mono_ms() + timeout_ms;
	int rc = 0, status = 0, timed_out = 0;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	hpcnet_buf_add(&res->out, "", 0);
	hpcnet_buf_add(&res->err, "", 0);
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 ||
	    pipe2(ex, O_CLOEXEC) < 0) {
		rc = -errno;
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		goto out;
	}
	if (pid == 0) {
		child(argv, envp, in[0], out[1], err[1]);
		{
			int e = errno;

			if (write(ex[1], &e, sizeof(e)) < 0)
				_exit(126);
		}
		_exit(127);
	}
	setpgid(pid, pid); /* also here, so the kill below cannot miss */
	close(in[0]);
	close(out[1]);
	close(err[1]);
	close(ex[1]);
	in[0] = out[1] = err[1] = ex[1] = -1;
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	if (!in_len) {
		close(in[1]);
		in[1] = -1;
	}
	while (out[0] >= 0 || err[0] >= 0) {
		struct pollfd p[3] = { { .fd = out[0], .events = POLLIN }, { .fd = err[0], .events = POLLIN },
				       { .fd = in[1], .events = POLLOUT } };
		int64_t left = deadline - hpcnet_mono_ms();

		if (left <= 0) {
			timed_out = 1;
			kill(-pid, SIGKILL);
			break;
		}
		if (poll(p, 3, (int)left) < 0 && errno != EINTR)
			break;
		if (p[0].revents)
			drain(&out[0], &res->out);
		if (p[1].revents)
			drain(&err[0], &res->err);
		if (in[1] >= 0 && p[2].revents) {
			ssize_t n = write(in[1], stdin_data + in_off, in_len - in_off);

			if (n > 0)
				in_off += (size_t)n;
			if ((n < 0 && errno != EAGAIN && errno != EINTR) || in_off == in_len) {
				close(in[1]);
				in[1] = -1;
			}
		}
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	{
		int e = 0;

		if (read(ex[0], &e, sizeof(e)) == (ssize_t)sizeof(e) && e) {
			rc = -e; /* exec failed: not installed, not executable */
			goto out;
		}
	}
	if (timed_out) {
		rc = HPCNET_ETIMEOUT;
		goto out;
	}
	if (WIFEXITED(status)) {
		res->exit_code = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		res->exit_code = -1;
		res->signal = WTERMSIG(status);
	}
out:
	for (i = 0; i < 8; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(envp);
	return rc;
}

void hpcnet_run_free(struct hpcnet_run *res)
{
	hpcnet_buf_free(&res->out);
	hpcnet_buf_free(&res->err);
}
