/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Looking at and stopping jobs: `jobs` (a table, following the API's
 * cursors for --all), `show` (one job with its placement reason, usage
 * and event timeline: the answer to "why is my job where it is") and
 * `cancel`. Tables are for people; --json passes the API's objects
 * through untouched for scripts.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/units.h"
#include "common/clock.h"
#include "common/xalloc.h"

#define PAGE_MAX 500 /* per request with --all; the API allows up to 1000 */

static int final_state(const char *s)
{
	return strcmp(s, "succeeded") == 0 || strcmp(s, "failed") == 0 ||
	       strcmp(s, "cancelled") == 0 || strcmp(s, "lost") == 0;
}

/* Time from started_at to ended_at (or now, while running); "-" if never started. */
static void format_elapsed(json_t *job, char *buf, size_t len)
{
	int64_t start, end;

	if (hpcnet_time_parse(hpcnet_cli_str(job, "started_at"), &start) < 0) {
		snprintf(buf, len, "-");
		return;
	}
	if (hpcnet_time_parse(hpcnet_cli_str(job, "ended_at"), &end) < 0)
		end = hpcnet_now_ms();
	hpcnet_units_format_duration((end - start) / 1000, buf, len);
}

/* A state as a person reads it: "cancelling" says more than "running". */
static const char *display_state(json_t *job)
{
	const char *state = hpcnet_cli_str(job, "state");

	if (json_is_true(json_object_get(job, "cancel_requested")) && !final_state(state))
		return "cancelling";
	return state;
}

static const char jobs_usage[] =
	"Usage: hpcnet jobs [--state S] [--center C] [--user U] [--limit N | --all] [--json]\n"
	"Lists your jobs, newest first (admins: everyone's).\n"
	"  --state S    only jobs in state S (queued, running, succeeded, failed, ...)\n"
	"  --center C   only jobs placed at center C\n"
	"  --user U     only user U's jobs (admins)\n"
	"  --limit N    at most N jobs (default 50)\n"
	"  --all        every job, following the pages\n"
	"  --json       print {\"items\": [...], \"next_cursor\": ...}\n";

static void add_query(struct hpcnet_buf *q, const char *key, const char *value)
{
	char *v;

	if (!value)
		return;
	v = hpcnet_cli_escape(value);
	hpcnet_buf_addf(q, "&%s=%s", key, v);
	free(v);
}

static void print_jobs_table(json_t *items, int with_user)
{
	static const char *const head[] = { "ID", "NAME", "STATE", "CENTER", "CORES", "SUBMITTED",
					    "ELAPSED", "USER" };
	struct hpcnet_table *t = hpcnet_table_new(with_user ? 8 : 7, head);
	json_t *job;
	size_t i;

	json_array_foreach(items, i, job) {
		char cores[24], submitted[32], elapsed[32];
		const char *center = hpcnet_cli_str(job, "center");

		snprintf(cores, sizeof(cores), "%lld", (long long)hpcnet_cli_int(job, "cores", 0));
		hpcnet_cli_format_time(hpcnet_cli_str(job, "submitted_at"), submitted, sizeof(submitted));
		format_elapsed(job, elapsed, sizeof(elapsed));
		hpcnet_table_add(t, (const char *const[]){
			hpcnet_cli_str(job, "id"), hpcnet_cli_str(job, "name"), display_state(job),
			*center ? center : "-", cores, submitted, elapsed, hpcnet_cli_str(job, "user") });
	}
	hpcnet_table_print(t, stdout);
	hpcnet_table_free(t);
}

int hpcnet_cli_jobs(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state", required_argument, NULL, 's' },
		{ "center", required_argument, NULL, 'c' },
		{ "user", required_argument, NULL, 'u' },
		{ "limit", required_argument, NULL, 'n' },
		{ "all", no_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *state = NULL, *center = NULL, *user = NULL, *me;
	int64_t limit = 50;
	int all = 0, json = 0, ch, rc, with_user;
	struct hpcnet_cli c;
	json_t *items = json_array(), *page = NULL, *job;
	char *cursor = NULL;
	size_t i;

	memset(&c, 0, sizeof(c));
	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 's': state = optarg; break;
		case 'c': center = optarg; break;
		case 'u': user = optarg; break;
		case 'n':
			if (hpcnet_units_parse_int(optarg, 1, INT64_MAX, &limit) < 0) {
				hpcnet_cli_errorf("--limit '%s' must be a positive whole number", optarg);
				rc = HPCNET_CLI_EUSAGE;
				goto out;
			}
			break;
		case 'a': all = 1; break;
		case 'j': json = 1; break;
		case 'h': fputs(jobs_usage, stdout); rc = 0; goto out;
		default: rc = hpcnet_cli_usage_error(jobs_usage); goto out;
		}
	}
	if (optind < argc) {
		rc = hpcnet_cli_usage_error(jobs_usage);
		goto out;
	}
	rc = hpcnet_cli_open(&c, 1);
	if (rc < 0)
		goto out;
	do {
		int64_t want = all ? PAGE_MAX : limit - (int64_t)json_array_size(items);
		struct hpcnet_buf q = { 0 };
		const char *next;

		hpcnet_buf_addf(&q, "/api/v1/jobs?limit=%lld",
				(long long)(want > PAGE_MAX ? PAGE_MAX : want));
		add_query(&q, "state", state);
		add_query(&q, "center", center);
		add_query(&q, "user", user);
		add_query(&q, "cursor", cursor);
		json_decref(page);
		page = NULL;
		rc = hpcnet_cli_call(&c, "GET", q.data, NULL, NULL, 0, NULL, &page);
		hpcnet_buf_free(&q);
		if (rc < 0)
			goto out;
		json_array_extend(items, json_object_get(page, "items"));
		free(cursor);
		next = hpcnet_cli_str(page, "next_cursor");
		cursor = *next ? hpcnet_xstrdup(next) : NULL;
		/* a hub that ignores ?limit= must not make us print more than asked */
		while (!all && (int64_t)json_array_size(items) > limit)
			json_array_remove(items, json_array_size(items) - 1);
	} while (cursor && (all || (int64_t)json_array_size(items) < limit));

	if (json) {
		json_t *out = json_pack("{s:O, s:s?}", "items", items, "next_cursor", cursor);

		hpcnet_cli_print_json(out);
		json_decref(out);
		goto out;
	}
	/* an admin's view of others' jobs: say whose job it is */
	with_user = user != NULL;
	me = c.cfg.token && c.token && strcmp(c.cfg.token, c.token) == 0 ? c.cfg.user : NULL;
	json_array_foreach(items, i, job) {
		const char *owner = hpcnet_cli_str(job, "user");

		if (strcmp(owner, hpcnet_cli_str(json_array_get(items, 0), "user")) != 0 ||
		    (me && strcmp(owner, me) != 0))
			with_user = 1;
	}
	if (json_array_size(items) == 0)
		printf("No jobs%s%s.\n", state ? " in state " : "", state ? state : "");
	else
		print_jobs_table(items, with_user);
	if (cursor)
		fprintf(stderr, "(%zu shown; more with --all or --limit)\n", json_array_size(items));
out:
	free(cursor);
	json_decref(page);
	json_decref(items);
	hpcnet_cli_close(&c);
	return hpcnet_cli_exit_code(rc);
}

/* ---- show ---- */

static const char show_usage[] =
	"Usage: hpcnet show [--json] ID\n"
	"Shows one job: resources, where it runs and why, times, usage, events.\n";

static void full_time(const char *rfc3339, char *buf, size_t len)
{
	struct tm tm;
	time_t t;
	int64_t ms;

	if (hpcnet_time_parse(rfc3339, &ms) < 0) {
		snprintf(buf, len, "-");
		return;
	}
	t = (time_t)(ms / 1000);
	localtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
}

static void line(const char *label, const char *value)
{
	if (value && *value)
		printf("%-12s %s\n", label, value);
}

static void show_times(json_t *job)
{
	static const char *const keys[] = { "submitted_at", "dispatched_at", "started_at", "ended_at" };
	static const char *const labels[] = { "Submitted", "Dispatched", "Started", "Ended" };
	char buf[64];

	for (size_t i = 0; i < 4; i++) {
		if (!*hpcnet_cli_str(job, keys[i]))
			continue;
		full_time(hpcnet_cli_str(job, keys[i]), buf, sizeof(buf));
		line(labels[i], buf);
	}
	format_elapsed(job, buf, sizeof(buf));
	if (strcmp(buf, "-") != 0)
		line("Elapsed", buf);
}

/* "partition gpu, account proj1, qos high": what goes to the center's
 * scheduler as is; "" when none was given. */
static void show_sched_words(json_t *job, char *buf, size_t len)
{
	static const char *const keys[] = { "partition", "account", "qos" };
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < 3; i++) {
		const char *v = hpcnet_cli_str(job, keys[i]);
		int n;

		if (!*v)
			continue;
		n = snprintf(buf + used, len - used, "%s%s %s", used ? ", " : "", keys[i], v);
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
}

/* A request the job's center has not carried out yet: a hold, suspend...
 * asked by the user, or a recall by a drain. "" when there is none. */
static void show_pending(json_t *job, char *buf, size_t len)
{
	const char *control = hpcnet_cli_str(job, "control_requested");
	const char *center = hpcnet_cli_str(job, "center");
	int recall = json_is_true(json_object_get(job, "recall_requested"));

	if (!*center)
		center = "its center";
	buf[0] = '\0';
	if (*control)
		snprintf(buf, len, "%s requested, waiting for %s to confirm%s", control, center,
			 recall ? "; recall requested too" : "");
	else if (recall)
		snprintf(buf, len, "recall requested: %s gives the job back, then the hub places it "
			 "again", center);
}

static void show_job(json_t *job)
{
	const char *state = hpcnet_cli_str(job, "state");
	const char *reason = hpcnet_cli_str(job, "state_reason");
	const char *center = hpcnet_cli_str(job, "center");
	const char *requested = hpcnet_cli_str(job, "center_requested");
	const char *gpu_model = hpcnet_cli_str(job, "gpu_model");
	json_t *usage = json_object_get(job, "usage"), *events = json_object_get(job, "events"), *ev;
	int64_t mem = hpcnet_cli_int(job, "memory_bytes", 0);
	int64_t cores = hpcnet_cli_int(job, "cores", 1), gpus = hpcnet_cli_int(job, "gpus", 0);
	char buf[512], mem_s[32], wall_s[32];
	size_t i;

	line("ID", hpcnet_cli_str(job, "id"));
	line("Name", hpcnet_cli_str(job, "name"));
	line("User", hpcnet_cli_str(job, "user"));
	snprintf(buf, sizeof(buf), "%s%s%s%s", display_state(job), *reason ? " (" : "", reason,
		 *reason ? ")" : "");
	line("State", buf);
	if (final_state(state) && strcmp(state, "cancelled") != 0) {
		int64_t sig = hpcnet_cli_int(job, "signal", 0), code = hpcnet_cli_int(job, "exit_code", -1);

		if (sig > 0)
			snprintf(buf, sizeof(buf), "killed by signal %lld", (long long)sig);
		else if (code >= 0)
			snprintf(buf, sizeof(buf), "%lld", (long long)code);
		else
			snprintf(buf, sizeof(buf), "-");
		line("Exit code", buf);
	}
	snprintf(buf, sizeof(buf), "%s (requested: %s)", *center ? center : "not placed yet",
		 *requested ? requested : "any");
	line("Center", buf);
	line("Placement", hpcnet_cli_str(job, "placement_reason"));
	if (mem > 0)
		hpcnet_units_format_size(mem, mem_s, sizeof(mem_s));
	else
		snprintf(mem_s, sizeof(mem_s), "center default");
	hpcnet_units_format_duration(hpcnet_cli_int(job, "walltime_seconds", 0), wall_s, sizeof(wall_s));
	snprintf(buf, sizeof(buf), "%lld core%s, memory %s, %lld %s%sGPU%s, walltime %s",
		 (long long)cores, cores == 1 ? "" : "s", mem_s, (long long)gpus, gpu_model,
		 *gpu_model ? " " : "", gpus == 1 ? "" : "s", wall_s);
	line("Resources", buf);
	show_sched_words(job, buf, sizeof(buf));
	line("Scheduler", buf);
	show_pending(job, buf, sizeof(buf));
	line("Pending", buf);
	show_times(job);
	if (json_is_object(usage)) {
		json_t *cpu = json_object_get(usage, "cpu_seconds");
		json_t *wall = json_object_get(usage, "wall_seconds");
		int64_t rss = hpcnet_cli_int(usage, "max_rss_bytes", -1);
		char rss_s[32] = "-";

		if (rss >= 0)
			hpcnet_units_format_size(rss, rss_s, sizeof(rss_s));
		snprintf(buf, sizeof(buf), "CPU %.2fs, max RSS %s, wall %.2fs", json_number_value(cpu),
			 rss_s, json_number_value(wall));
		line("Usage", buf);
	}
	snprintf(buf, sizeof(buf), "%lld bytes stdout, %lld bytes stderr (hpcnet logs %s [--stderr])",
		 (long long)hpcnet_cli_int(job, "stdout_bytes", 0),
		 (long long)hpcnet_cli_int(job, "stderr_bytes", 0), hpcnet_cli_str(job, "id"));
	line("Output", buf);
	if (json_array_size(events) == 0)
		return;
	printf("Events\n");
	json_array_foreach(events, i, ev) {
		const char *detail = hpcnet_cli_str(ev, "detail");

		full_time(hpcnet_cli_str(ev, "at"), buf, sizeof(buf));
		if (*detail)
			printf("  %s  %-11s %s\n", buf, hpcnet_cli_str(ev, "state"), detail);
		else
			printf("  %s  %s\n", buf, hpcnet_cli_str(ev, "state"));
	}
}

int hpcnet_cli_show(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct hpcnet_cli c;
	json_t *job = NULL;
	char *id = NULL, *path = NULL;
	int json = 0, ch, rc;

	memset(&c, 0, sizeof(c));
	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'j': json = 1; break;
		case 'h': fputs(show_usage, stdout); return HPCNET_EXIT_OK;
		default: return hpcnet_cli_exit_code(hpcnet_cli_usage_error(show_usage));
		}
	}
	if (optind + 1 != argc)
		return hpcnet_cli_exit_code(hpcnet_cli_usage_error(show_usage));
	rc = hpcnet_cli_open(&c, 1);
	if (rc < 0)
		goto out;
	id = hpcnet_cli_escape(argv[optind]);
	path = hpcnet_xasprintf("/api/v1/jobs/%s", id);
	rc = hpcnet_cli_call(&c, "GET", path, NULL, NULL, 0, NULL, &job);
	if (rc < 0)
		goto out;
	if (json)
		hpcnet_cli_print_json(job);
	else
		show_job(job);
out:
	json_decref(job);
	free(id);
	free(path);
	hpcnet_cli_close(&c);
	return hpcnet_cli_exit_code(rc);
}

/* ---- cancel ---- */

static const char cancel_usage[] =
	"Usage: hpcnet cancel [--json] ID...\n"
	"Cancels jobs. Queued jobs end at once; running ones end when their center\n"
	"confirms (the state shows `cancelling` until then).\n";

int hpcnet_cli_cancel(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct hpcnet_cli c;
	json_t *results = json_array();
	int json = 0, ch, rc, first_err = 0;

	memset(&c, 0, sizeof(c));
	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'j': json = 1; break;
		case 'h': fputs(cancel_usage, stdout); rc = 0; goto out;
		default: rc = hpcnet_cli_usage_error(cancel_usage); goto out;
		}
	}
	if (optind >= argc) {
		rc = hpcnet_cli_usage_error(cancel_usage);
		goto out;
	}
	rc = hpcnet_cli_open(&c, 1);
	if (rc < 0)
		goto out;
	/* one failure (an unknown id) should not stop the others */
	for (int i = optind; i < argc; i++) {
		char *id = hpcnet_cli_escape(argv[i]);
		char *path = hpcnet_xasprintf("/api/v1/jobs/%s/cancel", id);
		json_t *job = NULL;

		rc = hpcnet_cli_call(&c, "POST", path, NULL, NULL, 0, NULL, &job);
		if (rc < 0) {
			if (!first_err)
				first_err = rc;
		} else if (json) {
			json_array_append(results, job);
		} else if (final_state(hpcnet_cli_str(job, "state"))) {
			printf("%s %s\n", argv[i], hpcnet_cli_str(job, "state"));
		} else {
			printf("%s cancel requested; ends when %s confirms\n", argv[i],
			       *hpcnet_cli_str(job, "center") ? hpcnet_cli_str(job, "center")
							       : "its center");
		}
		json_decref(job);
		free(path);
		free(id);
	}
	if (json)
		hpcnet_cli_print_json(results);
	rc = first_err;
out:
	json_decref(results);
	hpcnet_cli_close(&c);
	return hpcnet_cli_exit_code(rc);
}
