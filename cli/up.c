/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hpcnet up`: a whole federation on one machine, for trying hpcnet and
 * for development. It is a small supervisor (in the spirit of runit or
 * supervisord, without the configuration): it starts a hub and a few
 * agents with the local adapter as child processes of this one binary
 * (fork + execv of /proc/self/exe), sets up an admin, a demo user and the
 * CLI login, then restarts whatever dies and stops everything in order on
 * Ctrl-C.
 *
 * Everything durable is under one data directory (hub database, agent
 * journals and credentials, generated passwords, logs), so running `up`
 * again on the same directory resumes with every job, user and center.
 *
 * Design points:
 *  - children get their own process group, so a Ctrl-C in the terminal
 *    reaches only this supervisor, which then stops agents before the hub
 *    (agents flush their last reports while the hub still listens);
 *  - children get PR_SET_PDEATHSIG, so a supervisor killed with -9 does
 *    not leave a hub holding the port and the database;
 *  - signals are blocked and taken synchronously with sigtimedwait(), so
 *    there is no handler and no async-signal-safety to get wrong;
 *  - a lock on DIR/up.lock keeps two supervisors off one data directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/units.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/fsutil.h"
#include "common/xalloc.h"

extern char **environ;

#define START_TIMEOUT_MS 30000
#define STOP_TIMEOUT_MS 10000
#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 60000
#define STABLE_MS 60000 /* a child that ran this long starts over at the minimum backoff */
#define ADMIN_TOKEN_S 600
#define DEMO_TOKEN_S (365 * 86400)
#define MAX_CENTERS 64
#define LOG_TAIL_LINES 25

static const char usage[] =
	"Usage: hpcnet up [--port P] [--data DIR] [--centers N] [--listen-host H]\n"
	"                 [--currency CODE] [--json]\n"
	"Runs a hub and N centers (local adapter) on this machine, signs the CLI in as\n"
	"user `demo`, and keeps them running until Ctrl-C. Everything is kept in DIR:\n"
	"running it again resumes with all jobs.\n"
	"  --port P          hub port (default 8080)\n"
	"  --data DIR        data directory (default ./hpcnet-data)\n"
	"  --centers N       number of centers: alpha 8 cores/16G, beta 4/8G,\n"
	"                    gamma 2/4G, then 4/8G each (default 2)\n"
	"  --listen-host H   address the hub listens on (default 127.0.0.1)\n"
	"  --currency CODE   the platform's currency, ISO 4217 (default CNY, the hub's)\n"
	"  --json            print the endpoints as JSON once up\n";

static const char *const center_names[] = {
	"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta",
	"iota", "kappa", "lambda", "mu", "nu", "xi", "omicron", "pi",
	"rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega",
};

struct child {
	char name[64];     /* "hub", "agent alpha": for messages */
	char *log;         /* its log file */
	pid_t pid;         /* 0 when not running */
	int64_t started;   /* mono ms */
	int64_t restart_at; /* mono ms; 0 = no restart due */
	int64_t backoff;
	off_t log_start;   /* log size when it started: its tail is what it said */
};

struct center {
	char name[32];
	int cores;
	int64_t mem;
	char *workdir;
};

struct up {
	char *dir, *host, *url;
	char currency[4]; /* "" = the hub's default */
	int port, ncenters, json;
	char admin_pw[128], demo_pw[128];
	struct center *centers;
	struct child hub;
	struct child *agents;
	sigset_t sigs;
	int stopping;      /* SIGINT/SIGTERM/SIGHUP seen (a second one kills at once) */
	int supervising;   /* setup is done: restart children that die */
	int lock_fd;
};

/* ---- signals and children ---- */

/* Notes a child's end and schedules its restart unless we are stopping. */
static void child_exited(struct up *u, struct child *ch, int wstatus)
{
	int64_t now = hpcnet_mono_ms();

	ch->pid = 0;
	if (!u->supervising || u->stopping)
		return; /* during setup the waiting code reports it; when stopping it is expected */
	if (now - ch->started > STABLE_MS)
		ch->backoff = BACKOFF_MIN_MS;
	else
		ch->backoff = ch->backoff ? (ch->backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS
									: ch->backoff * 2)
					  : BACKOFF_MIN_MS;
	ch->restart_at = now + ch->backoff;
	if (WIFSIGNALED(wstatus))
		fprintf(stderr, "hpcnet up: %s was killed by signal %d; restarting in %llds (see %s)\n",
			ch->name, WTERMSIG(wstatus), (long long)ch->backoff / 1000, ch->log);
	else
		fprintf(stderr, "hpcnet up: %s exited with status %d; restarting in %llds (see %s)\n",
			ch->name, WEXITSTATUS(wstatus), (long long)ch->backoff / 1000, ch->log);
}

static struct child *find_child(struct up *u, pid_t pid)
{
	if (u->hub.pid == pid)
		return &u->hub;
	for (int i = 0; i < u->ncenters; i++)
		if (u->agents[i].pid == pid)
			return &u->agents[i];
	return NULL;
}

static void reap(struct up *u)
{
	int wstatus;
	pid_t pid;

	while ((pid = waitpid(-1, &wstatus, WNOHANG)) > 0) {
		struct child *ch = find_child(u, pid);

		if (ch)
			child_exited(u, ch, wstatus);
	}
}

/*
 * Sleeps up to ms, waking early for a signal. SIGINT/SIGTERM/SIGHUP mark
 * the supervisor as stopping; SIGCHLD only wakes us, and reap() runs on
 * every return so no exit is ever missed.
 */
static void up_sleep(struct up *u, int64_t ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };
	int sig;

	while ((sig = sigtimedwait(&u->sigs, NULL, &ts)) > 0) {
		if (sig != SIGCHLD)
			u->stopping++;
		ts.tv_sec = 0;
		ts.tv_nsec = 0; /* drain what else is pending, then return */
	}
	reap(u);
}

/* NULL-terminated copy of our environment without the variables a child
 * must not inherit, plus extra (may be NULL). */
static char **child_env(const char *extra)
{
	size_t n = 0, k = 0;
	char **env;

	while (environ[n])
		n++;
	env = hpcnet_xcalloc(n + 2, sizeof(*env));
	for (size_t i = 0; i < n; i++) {
		if (strncmp(environ[i], "HPCNET_TOKEN=", 13) == 0 ||
		    strncmp(environ[i], "HPCNET_HUB=", 11) == 0 ||
		    strncmp(environ[i], "HPCNET_ADMIN_PASSWORD=", 22) == 0)
			continue;
		env[k++] = environ[i];
	}
	if (extra)
		env[k++] = (char *)extra;
	env[k] = NULL;
	return env;
}

/*
 * Starts argv (argv[0] "hpcnet") as a child of this supervisor with
 * stdout and stderr appended to ch->log. Everything the child needs is
 * prepared before fork() so the child only makes system calls.
 */
static int spawn(struct up *u, struct child *ch, char **argv, const char *extra_env)
{
	char **env = child_env(extra_env);
	pid_t parent = getpid(), pid;
	struct stat st;
	sigset_t none;
	int logfd, nullfd, rc = 0;
	char stamp[64];

	logfd = open(ch->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (logfd < 0 || nullfd < 0) {
		rc = -errno;
		hpcnet_cli_errorf("cannot open %s: %s", ch->log, strerror(errno));
		goto out;
	}
	ch->log_start = fstat(logfd, &st) == 0 ? st.st_size : 0;
	hpcnet_time_format(hpcnet_now_ms(), stamp, sizeof(stamp));
	dprintf(logfd, "---- %s: hpcnet up starts %s ----\n", stamp, ch->name);
	sigemptyset(&none);
	fflush(NULL); /* no buffered output duplicated into the child */
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		hpcnet_cli_errorf("cannot start %s: %s", ch->name, strerror(errno));
		goto out;
	}
	if (pid == 0) {
		setpgid(0, 0); /* Ctrl-C goes to the supervisor, which stops us in order */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(1); /* the supervisor died before prctl */
		sigprocmask(SIG_SETMASK, &none, NULL);
		dup2(nullfd, 0);
		dup2(logfd, 1);
		dup2(logfd, 2);
		execve("/proc/self/exe", argv, env);
		dprintf(2, "hpcnet up: cannot run /proc/self/exe: %s\n", strerror(errno));
		_exit(127);
	}
	ch->pid = pid;
	ch->started = hpcnet_mono_ms();
	ch->restart_at = 0;
out:
	if (logfd >= 0)
		close(logfd);
	if (nullfd >= 0)
		close(nullfd);
	free(env);
	return rc;
}

/* Prints what a child wrote to its log since it started (the last lines). */
static void print_log_tail(const struct child *ch)
{
	char *text = NULL, *p;
	size_t len = 0;
	int lines = 0;

	if (hpcnet_fs_read(ch->log, 64 << 20, &text, &len) < 0 || (size_t)ch->log_start > len) {
		free(text);
		return;
	}
	p = text + len;
	while (p > text + ch->log_start && lines <= LOG_TAIL_LINES)
		if (*--p == '\n' && p + 1 < text + len)
			lines++;
	if (*p == '\n')
		p++;
	fprintf(stderr, "---- last lines of %s ----\n%s", ch->log, p);
	if (len && text[len - 1] != '\n')
		fputc('\n', stderr);
	fprintf(stderr, "----\n");
	free(text);
}

static int log_mentions(const struct child *ch, const char *needle)
{
	char *text = NULL;
	size_t len = 0;
	int found;

	if (hpcnet_fs_read(ch->log, 64 << 20, &text, &len) < 0 || (size_t)ch->log_start > len) {
		free(text);
		return 0;
	}
	found = strstr(text + ch->log_start, needle) != NULL;
	free(text);
	return found;
}

/* SIGTERM to the children, wait up to STOP_TIMEOUT_MS, then SIGKILL. */
static void stop_group(struct up *u, struct child *const *group, int n)
{
	int64_t deadline = hpcnet_mono_ms() + STOP_TIMEOUT_MS;
	int running;

	for (int i = 0; i < n; i++)
		if (group[i]->pid)
			kill(group[i]->pid, SIGTERM);
	for (;;) {
		running = 0;
		for (int i = 0; i < n; i++)
			running += group[i]->pid != 0;
		/* a second Ctrl-C means "now" */
		if (!running || hpcnet_mono_ms() > deadline || u->stopping > 1)
			break;
		up_sleep(u, 100);
	}
	for (int i = 0; i < n; i++) {
		if (!group[i]->pid)
			continue;
		if (u->stopping < 2)
			fprintf(stderr, "hpcnet up: %s did not stop within %ds; killing it\n",
				group[i]->name, STOP_TIMEOUT_MS / 1000);
		kill(group[i]->pid, SIGKILL);
		waitpid(group[i]->pid, NULL, 0);
		group[i]->pid = 0;
	}
}

static void stop_all(struct up *u)
{
	struct child **agents = hpcnet_xcalloc((size_t)u->ncenters + 1, sizeof(*agents));
	struct child *hub = &u->hub;

	u->supervising = 0;
	for (int i = 0; i < u->ncenters; i++)
		agents[i] = &u->agents[i];
	/* agents first: they report their last states while the hub listens */
	stop_group(u, agents, u->ncenters);
	stop_group(u, &hub, 1);
	free(agents);
}

/* ---- files in DIR ---- */

/* Reads a one-line secret from path, or makes one and saves it (0600). */
static int load_or_make_secret(const char *path, char *out, size_t len)
{
	char *text = NULL;
	size_t n = 0;
	int rc = hpcnet_fs_read(path, 4096, &text, &n);

	if (rc == 0) {
		while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' '))
			text[--n] = '\0';
		if (n > 0 && n < len) {
			memcpy(out, text, n + 1);
			free(text);
			return 0;
		}
	}
	free(text);
	if (rc < 0 && rc != -ENOENT) {
		hpcnet_cli_errorf("cannot read %s: %s", path, hpcnet_strerror(rc));
		return rc;
	}
	hpcnet_crypto_token("", out, len < 44 ? len : 44);
	text = hpcnet_xasprintf("%s\n", out);
	rc = hpcnet_fs_write_atomic(path, text, strlen(text), 0600);
	free(text);
	if (rc < 0)
		hpcnet_cli_errorf("cannot write %s: %s", path, hpcnet_strerror(rc));
	return rc;
}

static int lock_dir(struct up *u)
{
	char *path = hpcnet_xasprintf("%s/up.lock", u->dir);
	int rc = 0;

	u->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (u->lock_fd < 0) {
		rc = -errno;
		hpcnet_cli_errorf("cannot open %s: %s", path, strerror(errno));
	} else if (flock(u->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		char pid[32] = "";
		ssize_t n = pread(u->lock_fd, pid, sizeof(pid) - 1, 0);

		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		hpcnet_cli_errorf("another `hpcnet up`%s%s%s is already running with %s",
				  *pid ? " (pid " : "", pid, *pid ? ")" : "", u->dir);
		rc = HPCNET_ECONFLICT;
	} else {
		if (ftruncate(u->lock_fd, 0) == 0)
			dprintf(u->lock_fd, "%d\n", (int)getpid());
	}
	free(path);
	return rc;
}

/* Fails early and clearly when the port is taken, rather than waiting for
 * the hub to die, and guarantees that a health check cannot be answered
 * by some other server already on the port. */
static int check_port(struct up *u)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	char port[16];
	int fd, one = 1, rc = 0, gai;

	snprintf(port, sizeof(port), "%d", u->port);
	gai = getaddrinfo(u->host, port, &hints, &res);
	if (gai != 0) {
		hpcnet_cli_errorf("cannot use --listen-host %s: %s", u->host, gai_strerror(gai));
		return HPCNET_CLI_EUSAGE;
	}
	fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, res->ai_addr, res->ai_addrlen) < 0) {
			if (errno == EADDRINUSE)
				hpcnet_cli_errorf("port %d is in use; try --port", u->port);
			else
				hpcnet_cli_errorf("cannot listen on %s:%d: %s", u->host, u->port,
						  strerror(errno));
			rc = HPCNET_ECONFLICT;
		}
		close(fd);
	}
	freeaddrinfo(res);
	return rc;
}

/* ---- the hub ---- */

static int start_hub(struct up *u)
{
	char *listen = strchr(u->host, ':') ? hpcnet_xasprintf("[%s]:%d", u->host, u->port)
					    : hpcnet_xasprintf("%s:%d", u->host, u->port);
	char *db = hpcnet_xasprintf("sqlite:%s/hub.db", u->dir);
	char *pw = hpcnet_xasprintf("HPCNET_ADMIN_PASSWORD=%s", u->admin_pw);
	char *argv[] = { "hpcnet", "hub", "--listen", listen, "--db", db, "--currency",
			 u->currency, NULL };
	int rc;

	if (!u->currency[0])
		argv[6] = NULL; /* the hub's default */
	rc = spawn(u, &u->hub, argv, pw);
	memset(pw, 0, strlen(pw));
	free(pw);
	free(listen);
	free(db);
	return rc;
}

/* Waits for GET /health; fails if the hub exits or START_TIMEOUT_MS pass. */
static int wait_hub(struct up *u)
{
	int64_t deadline = hpcnet_mono_ms() + START_TIMEOUT_MS;
	struct hpcnet_cli c;
	json_t *health = NULL;
	int rc = HPCNET_ETIMEOUT;

	memset(&c, 0, sizeof(c));
	hpcnet_cli_open_at(&c, u->url, NULL);
	hpcnet_httpc_set_timeout(c.http, 2);
	while (!u->stopping && hpcnet_mono_ms() < deadline) {
		if (!u->hub.pid) {
			hpcnet_cli_errorf("the hub exited during startup");
			print_log_tail(&u->hub);
			if (log_mentions(&u->hub, "in use"))
				hpcnet_cli_errorf("port %d is in use; try --port", u->port);
			rc = HPCNET_EUNAVAIL;
			goto out;
		}
		json_decref(health);
		health = NULL;
		if (hpcnet_cli_call(&c, "GET", "/api/v1/health", NULL, NULL, HPCNET_CLI_QUIET, NULL,
				    &health) == 0 && u->hub.pid) {
			rc = 0;
			goto out;
		}
		up_sleep(u, 200);
	}
	if (!u->stopping) {
		hpcnet_cli_errorf("the hub did not answer %s/api/v1/health within %ds",
				  u->url, START_TIMEOUT_MS / 1000);
		print_log_tail(&u->hub);
	}
out:
	json_decref(health);
	hpcnet_cli_close(&c);
	return rc;
}

/*
 * POST /tokens as user; on success *token (and *token_id if non-NULL) are
 * new strings. `why` names the password file for the error message.
 */
static int sign_in(struct up *u, const char *user, const char *password, int64_t expires,
		   const char *why, char **token, char **token_id)
{
	struct hpcnet_cli c;
	json_t *body, *resp = NULL;
	long status = 0;
	int rc;

	memset(&c, 0, sizeof(c));
	hpcnet_cli_open_at(&c, u->url, NULL);
	hpcnet_httpc_set_timeout(c.http, 10);
	body = json_pack("{s:s, s:s, s:s, s:I}", "username", user, "password", password, "name",
			 "hpcnet up", "expires_in", (json_int_t)expires);
	rc = hpcnet_cli_call(&c, "POST", "/api/v1/tokens", body, NULL, HPCNET_CLI_QUIET, &status,
			     &resp);
	if (rc == HPCNET_EAUTH)
		hpcnet_cli_errorf("the hub rejected the password in %s for user %s (was the hub "
				  "database made with another one?)", why, user);
	else if (rc < 0)
		hpcnet_cli_explain(&c, status, resp, c.error);
	if (rc == 0) {
		*token = hpcnet_xstrdup(hpcnet_cli_str(resp, "token"));
		if (token_id)
			*token_id = hpcnet_xstrdup(hpcnet_cli_str(resp, "id"));
	}
	json_decref(body);
	json_decref(resp);
	hpcnet_cli_close(&c);
	return rc;
}

static int ensure_demo_user(struct up *u, struct hpcnet_cli *admin)
{
	json_t *body = json_pack("{s:s, s:s, s:s}", "name", "demo", "password", u->demo_pw, "role",
				 "user");
	json_t *resp = NULL;
	long status = 0;
	int rc;

	rc = hpcnet_cli_call(admin, "POST", "/api/v1/users", body, NULL, HPCNET_CLI_QUIET, &status,
			     &resp);
	if (rc == HPCNET_ECONFLICT)
		rc = 0; /* exists from an earlier run */
	else if (rc < 0)
		hpcnet_cli_explain(admin, status, resp, admin->error);
	json_decref(body);
	json_decref(resp);
	return rc;
}

/* ---- money: the quick start must still submit jobs ---- */

/* Gives every demo center an approved price list (unless one is in force)
 * and the demo user a starting balance, once: the top-up's key makes a
 * restart of `up` a no-op. */
static int ensure_money(struct up *u, struct hpcnet_cli *admin)
{
	json_t *resp = NULL, *body, *p;
	long status = 0;
	size_t k;
	int rc = 0, i;

	for (i = 0; rc == 0 && i < u->ncenters; i++) {
		char *path = hpcnet_xasprintf("/api/v1/centers/%s/prices", u->centers[i].name);
		int in_force = 0;

		rc = hpcnet_cli_call(admin, "GET", path, NULL, NULL, 0, NULL, &resp);
		json_array_foreach(json_object_get(resp, "items"), k, p)
			in_force |= json_is_true(json_object_get(p, "in_force"));
		json_decref(resp);
		resp = NULL;
		if (rc == 0 && !in_force) {
			/* cents per core-hour, GiB-hour of memory, GPU-hour: cheap,
			 * and a little different per center so prices matter */
			body = json_pack("{s:[{s:s, s:i}, {s:s, s:i}, {s:s, s:i}]}", "items",
					 "resource", "core_hour", "price", 10 + 2 * i,
					 "resource", "memory_gib_hour", "price", 1,
					 "resource", "gpu_hour", "price", 100);
			rc = hpcnet_cli_call(admin, "POST", path, body, NULL, 0, NULL, &resp);
			json_decref(body);
			if (rc == 0) {
				char *ap = hpcnet_xasprintf("/api/v1/prices/%s/approve",
							    hpcnet_cli_str(resp, "id"));

				rc = hpcnet_cli_call(admin, "POST", ap, NULL, NULL, 0, NULL, NULL);
				free(ap);
			}
			json_decref(resp);
			resp = NULL;
		}
		free(path);
	}
	if (rc < 0)
		return rc;
	body = json_pack("{s:I, s:s}", "amount", (json_int_t)100000, "memo",
			 "hpcnet up: the demo user's starting balance");
	rc = hpcnet_cli_call(admin, "POST", "/api/v1/accounts/user:demo/topup", body,
			     "Idempotency-Key: hpcnet-up-demo-start", HPCNET_CLI_QUIET, &status, &resp);
	if (rc < 0)
		hpcnet_cli_explain(admin, status, resp, admin->error);
	json_decref(body);
	json_decref(resp);
	return rc;
}

/* ---- agents ---- */

static int has_credential(const struct center *ctr)
{
	char *path = hpcnet_xasprintf("%s/agent.db", ctr->workdir);
	int exists = access(path, F_OK) == 0;

	free(path);
	return exists;
}

/* A join token for ctr: create the center, or issue a new token when it
 * exists already (an earlier run that never got its agent joined). */
static int join_token(struct up *u, const struct center *ctr, char **token)
{
	char *admin_token = NULL, *admin_id = NULL, *path = NULL, *apw;
	struct hpcnet_cli c;
	json_t *body = NULL, *resp = NULL;
	long status = 0;
	int rc;

	memset(&c, 0, sizeof(c));
	apw = hpcnet_xasprintf("%s/admin-password", u->dir);
	rc = sign_in(u, "admin", u->admin_pw, ADMIN_TOKEN_S, apw, &admin_token, &admin_id);
	if (rc < 0)
		goto out;
	hpcnet_cli_open_at(&c, u->url, admin_token);
	hpcnet_httpc_set_timeout(c.http, 10);
	body = json_pack("{s:s}", "name", ctr->name);
	rc = hpcnet_cli_call(&c, "POST", "/api/v1/centers", body, NULL, HPCNET_CLI_QUIET, &status,
			     &resp);
	if (rc == HPCNET_ECONFLICT) {
		json_decref(resp);
		resp = NULL;
		path = hpcnet_xasprintf("/api/v1/centers/%s/join-token", ctr->name);
		rc = hpcnet_cli_call(&c, "POST", path, NULL, NULL, HPCNET_CLI_QUIET, &status, &resp);
	}
	if (rc < 0) {
		hpcnet_cli_explain(&c, status, resp, c.error);
		goto out;
	}
	if (!*hpcnet_cli_str(resp, "join_token")) {
		hpcnet_cli_errorf("the hub gave no join token for center %s", ctr->name);
		rc = HPCNET_EPROTO;
		goto out;
	}
	*token = hpcnet_xstrdup(hpcnet_cli_str(resp, "join_token"));
out:
	if (admin_id) { /* the admin token has done its job */
		free(path);
		path = hpcnet_xasprintf("/api/v1/tokens/%s", admin_id);
		hpcnet_cli_call(&c, "DELETE", path, NULL, NULL, HPCNET_CLI_QUIET, NULL, NULL);
	}
	json_decref(body);
	json_decref(resp);
	hpcnet_cli_close(&c);
	free(admin_token);
	free(admin_id);
	free(path);
	free(apw);
	return rc;
}

static int start_agent(struct up *u, int i)
{
	struct center *ctr = &u->centers[i];
	char cores[16], mem[32], *token = NULL;
	int rc;

	/* the agent keeps its credential in agent.db: only a first start joins */
	if (!has_credential(ctr)) {
		rc = join_token(u, ctr, &token);
		if (rc < 0)
			return rc;
	}
	snprintf(cores, sizeof(cores), "%d", ctr->cores);
	snprintf(mem, sizeof(mem), "%lld", (long long)ctr->mem);
	{
		char *argv[] = { "hpcnet", "agent", "--hub", u->url, "--name", ctr->name,
				 "--adapter", "local", "--workdir", ctr->workdir, "--cores", cores,
				 "--mem", mem, token ? "--join-token" : NULL, token, NULL };

		rc = spawn(u, &u->agents[i], argv, NULL);
	}
	if (token) {
		memset(token, 0, strlen(token));
		free(token);
	}
	return rc;
}

/* Waits until every center shows `online`; fails if an agent exits. */
static int wait_centers(struct up *u, struct hpcnet_cli *admin)
{
	int64_t deadline = hpcnet_mono_ms() + START_TIMEOUT_MS;
	json_t *list = NULL;
	int online = 0;

	while (!u->stopping && hpcnet_mono_ms() < deadline) {
		json_t *items, *ctr;
		size_t k;

		for (int i = 0; i < u->ncenters; i++) {
			if (u->agents[i].pid)
				continue;
			hpcnet_cli_errorf("the agent of center %s exited during startup",
					  u->centers[i].name);
			print_log_tail(&u->agents[i]);
			json_decref(list);
			return HPCNET_EUNAVAIL;
		}
		json_decref(list);
		list = NULL;
		online = 0;
		if (hpcnet_cli_call(admin, "GET", "/api/v1/centers?limit=1000", NULL, NULL,
				    HPCNET_CLI_QUIET, NULL, &list) == 0) {
			items = json_object_get(list, "items");
			for (int i = 0; i < u->ncenters; i++)
				json_array_foreach(items, k, ctr)
					if (strcmp(hpcnet_cli_str(ctr, "name"), u->centers[i].name) == 0 &&
					    strcmp(hpcnet_cli_str(ctr, "status"), "online") == 0)
						online++;
			if (online == u->ncenters)
				break;
		}
		up_sleep(u, 300);
	}
	json_decref(list);
	if (!u->stopping && online < u->ncenters)
		fprintf(stderr, "hpcnet up: only %d of %d centers are online after %ds; going on "
			"(see the agent logs in %s/logs)\n", online, u->ncenters,
			START_TIMEOUT_MS / 1000, u->dir);
	return 0;
}

/* ---- the demo login ---- */

/* Reuses the token in DIR/env while it still works, so shells that sourced
 * it keep working across restarts; otherwise signs demo in anew. */
static int demo_login(struct up *u, char **token, char **token_id)
{
	char *envpath = hpcnet_xasprintf("%s/env", u->dir);
	char *pwpath = hpcnet_xasprintf("%s/demo-password", u->dir);
	char *text = NULL, *line, *save = NULL, *old = NULL, *old_id = NULL, *out = NULL;
	size_t len;
	int rc = 0;

	if (hpcnet_fs_read(envpath, 65536, &text, &len) == 0) {
		for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			if (strncmp(line, "HPCNET_TOKEN=", 13) == 0)
				old = line + 13;
			else if (strncmp(line, "# token id: ", 12) == 0)
				old_id = line + 12;
		}
	}
	if (old && old_id) {
		struct hpcnet_cli c;
		json_t *me = NULL;

		memset(&c, 0, sizeof(c));
		hpcnet_cli_open_at(&c, u->url, old);
		if (hpcnet_cli_call(&c, "GET", "/api/v1/users/me", NULL, NULL, HPCNET_CLI_QUIET, NULL,
				    &me) == 0 && strcmp(hpcnet_cli_str(me, "name"), "demo") == 0) {
			*token = hpcnet_xstrdup(old);
			*token_id = hpcnet_xstrdup(old_id);
		}
		json_decref(me);
		hpcnet_cli_close(&c);
	}
	if (!*token) {
		rc = sign_in(u, "demo", u->demo_pw, DEMO_TOKEN_S, pwpath, token, token_id);
		if (rc < 0)
			goto out;
	}
	out = hpcnet_xasprintf("# written by hpcnet up; load with: set -a; . %s; set +a\n"
			       "# token id: %s\n"
			       "HPCNET_HUB=%s\n"
			       "HPCNET_TOKEN=%s\n", envpath, *token_id, u->url, *token);
	rc = hpcnet_fs_write_atomic(envpath, out, strlen(out), 0600);
	if (rc < 0)
		hpcnet_cli_errorf("cannot write %s: %s", envpath, hpcnet_strerror(rc));
out:
	free(out);
	free(text);
	free(envpath);
	free(pwpath);
	return rc;
}

/* ---- setup and supervision ---- */

static void print_summary(struct up *u)
{
	char *cfgpath = NULL;

	hpcnet_cli_config_path(&cfgpath);
	if (u->json) {
		json_t *centers = json_array(), *out;

		for (int i = 0; i < u->ncenters; i++)
			json_array_append_new(centers, json_pack("{s:s, s:i, s:I}", "name",
								 u->centers[i].name, "cores",
								 u->centers[i].cores, "memory_bytes",
								 (json_int_t)u->centers[i].mem));
		out = json_pack("{s:s, s:s+, s:s, s:s+, s:s+, s:s+, s:s+, s:s?, s:o}", "hub", u->url,
				"portal", u->url, "/", "user", "demo", "password_file", u->dir,
				"/demo-password", "admin_password_file", u->dir, "/admin-password",
				"logs", u->dir, "/logs", "env_file", u->dir, "/env", "config", cfgpath,
				"centers", centers);
		hpcnet_cli_print_json(out);
		json_decref(out);
	} else {
		printf("\nhpcnet is up.\n\n");
		printf("  Portal      %s/\n", u->url);
		printf("  Sign in     user demo, password in %s/demo-password\n", u->dir);
		printf("  Admin       user admin, password in %s/admin-password\n", u->dir);
		printf("  Money       demo starts with 1000.00 on its account; the centers have\n"
		       "              prices (hpcnet balance, hpcnet prices, hpcnet usage)\n");
		printf("  Centers    ");
		for (int i = 0; i < u->ncenters; i++) {
			char mem[16];

			hpcnet_units_format_size(u->centers[i].mem, mem, sizeof(mem));
			printf(" %s (%d cores, %s)%s", u->centers[i].name, u->centers[i].cores, mem,
			       i + 1 < u->ncenters ? "," : "\n");
		}
		printf("  Logs        %s/logs/\n", u->dir);
		printf("  CLI         signed in as demo (%s);\n"
		       "              other shells: set -a; . %s/env; set +a\n", cfgpath ? cfgpath : "",
		       u->dir);
		printf("\nTry:\n"
		       "  hpcnet submit --wrap 'echo hello from hpcnet; hostname' --wait\n"
		       "  hpcnet jobs\n"
		       "  hpcnet logs <id>\n\n"
		       "Ctrl-C stops everything (the data stays in %s).\n", u->dir);
	}
	fflush(stdout);
	free(cfgpath);
}

static int setup(struct up *u)
{
	char *admin_token = NULL, *admin_id = NULL, *demo_token = NULL, *demo_id = NULL, *path = NULL;
	struct hpcnet_cli admin;
	struct hpcnet_cli_config cfg = { 0 };
	int rc;

	memset(&admin, 0, sizeof(admin));
	fprintf(stderr, "hpcnet up: starting the hub on %s (log: %s)\n", u->url, u->hub.log);
	rc = start_hub(u);
	if (rc == 0)
		rc = wait_hub(u);
	if (rc < 0 || u->stopping)
		goto out;

	path = hpcnet_xasprintf("%s/admin-password", u->dir);
	rc = sign_in(u, "admin", u->admin_pw, ADMIN_TOKEN_S, path, &admin_token, &admin_id);
	if (rc < 0)
		goto out;
	hpcnet_cli_open_at(&admin, u->url, admin_token);
	hpcnet_httpc_set_timeout(admin.http, 10);
	rc = ensure_demo_user(u, &admin);
	if (rc < 0)
		goto out;

	for (int i = 0; i < u->ncenters && !u->stopping; i++) {
		fprintf(stderr, "hpcnet up: starting center %s (%d cores; log: %s)\n",
			u->centers[i].name, u->centers[i].cores, u->agents[i].log);
		rc = start_agent(u, i);
		if (rc < 0)
			goto out;
	}
	rc = wait_centers(u, &admin);
	if (rc < 0 || u->stopping)
		goto out;
	rc = ensure_money(u, &admin);
	if (rc < 0)
		goto out;

	rc = demo_login(u, &demo_token, &demo_id);
	if (rc < 0)
		goto out;
	cfg.hub = u->url;
	cfg.token = demo_token;
	cfg.token_id = demo_id;
	cfg.user = "demo";
	rc = hpcnet_cli_config_save(&cfg);
	if (rc < 0)
		goto out;
	print_summary(u);
out:
	if (admin_id) {
		free(path);
		path = hpcnet_xasprintf("/api/v1/tokens/%s", admin_id);
		hpcnet_cli_call(&admin, "DELETE", path, NULL, NULL, HPCNET_CLI_QUIET, NULL, NULL);
	}
	hpcnet_cli_close(&admin);
	free(admin_token);
	free(admin_id);
	free(demo_token);
	free(demo_id);
	free(path);
	return rc;
}

/* Restarts children whose backoff has passed, until a stop signal. */
static void supervise(struct up *u)
{
	while (!u->stopping) {
		int64_t now = hpcnet_mono_ms();

		if (!u->hub.pid && u->hub.restart_at && now >= u->hub.restart_at) {
			if (start_hub(u) < 0)
				u->hub.restart_at = now + BACKOFF_MAX_MS;
		}
		for (int i = 0; i < u->ncenters; i++) {
			struct child *ch = &u->agents[i];

			if (ch->pid || !ch->restart_at || now < ch->restart_at)
				continue;
			/* without a credential it needs a join token, hence the hub */
			if (start_agent(u, i) < 0) {
				ch->backoff = ch->backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS
									     : ch->backoff * 2;
				ch->restart_at = now + ch->backoff;
				fprintf(stderr, "hpcnet up: could not restart %s; trying again in %llds\n",
					ch->name, (long long)ch->backoff / 1000);
			}
		}
		up_sleep(u, 500);
	}
}

static int parse_args(struct up *u, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "data", required_argument, NULL, 'd' },
		{ "centers", required_argument, NULL, 'n' },
		{ "listen-host", required_argument, NULL, 'H' },
		{ "currency", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *data = "./hpcnet-data";
	int64_t v;
	int ch;

	u->port = 8080;
	u->ncenters = 2;
	u->host = hpcnet_xstrdup("127.0.0.1");
	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			if (hpcnet_units_parse_int(optarg, 1, 65535, &v) < 0) {
				hpcnet_cli_errorf("--port '%s' must be a number from 1 to 65535", optarg);
				return HPCNET_CLI_EUSAGE;
			}
			u->port = (int)v;
			break;
		case 'n':
			if (hpcnet_units_parse_int(optarg, 0, MAX_CENTERS, &v) < 0) {
				hpcnet_cli_errorf("--centers '%s' must be a number from 0 to %d", optarg,
						  MAX_CENTERS);
				return HPCNET_CLI_EUSAGE;
			}
			u->ncenters = (int)v;
			break;
		case 'd': data = optarg; break;
		case 'H':
			free(u->host);
			u->host = hpcnet_xstrdup(optarg);
			break;
		case 'c':
			/* checked here so a typo is a usage error, not a hub that will not start */
			if (strlen(optarg) != 3 || strspn(optarg, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 3) {
				hpcnet_cli_errorf("--currency '%s' must be an ISO 4217 code such as"
						  " CNY", optarg);
				return HPCNET_CLI_EUSAGE;
			}
			memcpy(u->currency, optarg, 4);
			break;
		case 'j': u->json = 1; break;
		case 'h': fputs(usage, stdout); return 1;
		default: return hpcnet_cli_usage_error(usage);
		}
	}
	if (optind < argc)
		return hpcnet_cli_usage_error(usage);
	u->dir = hpcnet_xstrdup(data);
	return 0;
}

/* Clients reach a hub listening on every interface through loopback. */
static char *client_url(const char *host, int port)
{
	if (strcmp(host, "0.0.0.0") == 0 || strcmp(host, "") == 0)
		return hpcnet_xasprintf("http://127.0.0.1:%d", port);
	if (strcmp(host, "::") == 0)
		return hpcnet_xasprintf("http://[::1]:%d", port);
	if (strchr(host, ':'))
		return hpcnet_xasprintf("http://[%s]:%d", host, port);
	return hpcnet_xasprintf("http://%s:%d", host, port);
}

/* Makes DIR, DIR/logs and DIR/centers/NAME (0700) and resolves DIR. */
static int prepare_dir(struct up *u)
{
	char real[PATH_MAX], *logs;
	int rc = hpcnet_fs_mkdirs(u->dir, 0700);

	if (rc < 0 || !realpath(u->dir, real)) {
		hpcnet_cli_errorf("cannot create %s: %s", u->dir,
				  hpcnet_strerror(rc < 0 ? rc : -errno));
		return rc < 0 ? rc : -errno;
	}
	free(u->dir);
	u->dir = hpcnet_xstrdup(real);
	logs = hpcnet_xasprintf("%s/logs", u->dir);
	rc = hpcnet_fs_mkdirs(logs, 0700);
	free(logs);
	u->centers = hpcnet_xcalloc((size_t)u->ncenters + 1, sizeof(*u->centers));
	u->agents = hpcnet_xcalloc((size_t)u->ncenters + 1, sizeof(*u->agents));
	for (int i = 0; i < u->ncenters && rc == 0; i++) {
		struct center *ctr = &u->centers[i];
		struct child *ch = &u->agents[i];

		if (i < (int)(sizeof(center_names) / sizeof(center_names[0])))
			snprintf(ctr->name, sizeof(ctr->name), "%s", center_names[i]);
		else
			snprintf(ctr->name, sizeof(ctr->name), "center%d", i + 1);
		/* different sizes, so placement has real choices to make */
		ctr->cores = i == 0 ? 8 : i == 2 ? 2 : 4;
		ctr->mem = (int64_t)ctr->cores * 2 << 30;
		ctr->workdir = hpcnet_xasprintf("%s/centers/%s", u->dir, ctr->name);
		rc = hpcnet_fs_mkdirs(ctr->workdir, 0700);
		snprintf(ch->name, sizeof(ch->name), "agent %s", ctr->name);
		ch->log = hpcnet_xasprintf("%s/logs/agent-%s.log", u->dir, ctr->name);
	}
	snprintf(u->hub.name, sizeof(u->hub.name), "hub");
	u->hub.log = hpcnet_xasprintf("%s/logs/hub.log", u->dir);
	if (rc < 0)
		hpcnet_cli_errorf("cannot create the directories in %s: %s", u->dir, hpcnet_strerror(rc));
	return rc;
}

static void free_up(struct up *u)
{
	for (int i = 0; u->centers && i < u->ncenters; i++) {
		free(u->centers[i].workdir);
		free(u->agents[i].log);
	}
	free(u->centers);
	free(u->agents);
	free(u->hub.log);
	free(u->dir);
	free(u->host);
	free(u->url);
	if (u->lock_fd > 0)
		close(u->lock_fd);
	memset(u->admin_pw, 0, sizeof(u->admin_pw));
	memset(u->demo_pw, 0, sizeof(u->demo_pw));
}

int hpcnet_cli_up(int argc, char **argv)
{
	struct up u;
	sigset_t old;
	char *path;
	int rc;

	memset(&u, 0, sizeof(u));
	u.lock_fd = -1;
	rc = parse_args(&u, argc, argv);
	if (rc != 0) {
		free_up(&u);
		return rc > 0 ? HPCNET_EXIT_OK : HPCNET_EXIT_USAGE;
	}
	if (hpcnet_crypto_init() < 0) {
		hpcnet_cli_errorf("cannot initialize the random generator");
		rc = HPCNET_EUNAVAIL;
		goto out;
	}
	/* block before any child exists, so none of their exits is missed */
	sigemptyset(&u.sigs);
	sigaddset(&u.sigs, SIGINT);
	sigaddset(&u.sigs, SIGTERM);
	sigaddset(&u.sigs, SIGHUP);
	sigaddset(&u.sigs, SIGCHLD);
	sigprocmask(SIG_BLOCK, &u.sigs, &old);

	rc = prepare_dir(&u);
	if (rc == 0)
		rc = lock_dir(&u);
	if (rc == 0) {
		path = hpcnet_xasprintf("%s/admin-password", u.dir);
		rc = load_or_make_secret(path, u.admin_pw, sizeof(u.admin_pw));
		free(path);
	}
	if (rc == 0) {
		path = hpcnet_xasprintf("%s/demo-password", u.dir);
		rc = load_or_make_secret(path, u.demo_pw, sizeof(u.demo_pw));
		free(path);
	}
	if (rc == 0)
		rc = check_port(&u);
	if (rc < 0)
		goto restore;
	u.url = client_url(u.host, u.port);
	rc = setup(&u);
	if (rc == 0 && !u.stopping) {
		u.supervising = 1;
		supervise(&u);
	}
	stop_all(&u);
	/* stopped on request (even mid-setup) is a success; a failed setup is not */
	if (rc == 0 || u.stopping) {
		rc = 0;
		fprintf(stderr, "hpcnet stopped; data kept in %s\n", u.dir);
	}
restore:
	sigprocmask(SIG_SETMASK, &old, NULL);
out:
	free_up(&u);
	/* any startup failure is "the operation failed", whatever its cause */
	return rc == HPCNET_CLI_EUSAGE ? HPCNET_EXIT_USAGE : rc < 0 ? HPCNET_EXIT_FAILED : 0;
}
