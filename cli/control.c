/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hold`, `release`, `suspend`, `resume`, `requeue`: what a user may ask
 * of a job beyond cancel. They are one verb group because the API makes
 * them one shape (POST /jobs/{id}/ACTION → the job) and they differ only
 * in words. A job still in the hub's queue changes at once; a job at a
 * center changes when its agent has done it, so the output says which of
 * the two happened rather than claiming a change that is only requested.
 * Whether a center can suspend or requeue at all is its scheduler's
 * business: the hub's 409 says so and the verb passes it on (exit 1).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/xalloc.h"

struct control {
	const char *name; /* the verb and the API's action */
	const char *done; /* what the job is when the hub did it at once */
	const char *help; /* one line for the usage text */
};

static const struct control controls[] = {
	{ .name = "hold", .done = "held",
	  .help = "Holds jobs: a held job is not started until released. A job in the\n"
		  "hub's queue is held at once; one at a center is held by its scheduler\n"
		  "(if it can) before it starts.\n" },
	{ .name = "release", .done = "released",
	  .help = "Releases held jobs, so they can be placed and started again.\n" },
	{ .name = "suspend", .done = "suspended",
	  .help = "Suspends running jobs (stopped, keeping their memory), at centers whose\n"
		  "scheduler can (Slurm can; the local adapter cannot).\n" },
	{ .name = "resume", .done = "resumed",
	  .help = "Resumes suspended jobs.\n" },
	{ .name = "requeue", .done = "requeued",
	  .help = "Stops running jobs and queues them again at their center, at centers\n"
		  "whose scheduler can.\n" },
};

static const struct control *control_of(const char *verb)
{
	/* argv[0] is "hpcnet VERB" (main.c) */
	const char *name = strrchr(verb, ' ') ? strrchr(verb, ' ') + 1 : verb;

	for (size_t i = 0; i < sizeof(controls) / sizeof(controls[0]); i++)
		if (strcmp(controls[i].name, name) == 0)
			return &controls[i];
	return NULL;
}

static void usage(const struct control *k, FILE *f)
{
	fprintf(f, "Usage: hpcnet %s [--json] ID...\n%s"
		"  --json   print the jobs as JSON (an array)\n", k->name, k->help);
}

/* One line per job: what happened, or what the center still has to do. */
static void print_result(const struct control *k, const char *id, json_t *job)
{
	const char *pending = hpcnet_cli_str(job, "control_requested");
	const char *center = hpcnet_cli_str(job, "center");
	const char *state = hpcnet_cli_str(job, "state");

	if (strcmp(pending, k->name) == 0)
		printf("%s %s requested at %s; done when it confirms\n", id, k->name,
		       *center ? center : "its center");
	else if (strcmp(state, k->done) == 0)
		printf("%s %s\n", id, k->done);
	else
		printf("%s %s (now %s)\n", id, k->done, state);
}

static int run_control(const struct control *k, int argc, char **argv)
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
		case 'h': usage(k, stdout); rc = 0; goto out;
		default: usage(k, stderr); rc = HPCNET_CLI_EUSAGE; goto out;
		}
	}
	if (optind >= argc) {
		usage(k, stderr);
		rc = HPCNET_CLI_EUSAGE;
		goto out;
	}
	rc = hpcnet_cli_open(&c, 1);
	if (rc < 0)
		goto out;
	/* as with cancel: one refusal (a running job cannot be held) does not
	 * stop the others, and the first failure sets the exit status */
	for (int i = optind; i < argc; i++) {
		char *id = hpcnet_cli_escape(argv[i]);
		char *path = hpcnet_xasprintf("/api/v1/jobs/%s/%s", id, k->name);
		json_t *job = NULL;

		rc = hpcnet_cli_call(&c, "POST", path, NULL, NULL, 0, NULL, &job);
		if (rc < 0) {
			if (!first_err)
				first_err = rc;
		} else if (json) {
			json_array_append(results, job);
		} else {
			print_result(k, argv[i], job);
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

int hpcnet_cli_control(int argc, char **argv)
{
	const struct control *k = control_of(argv[0]);

	if (!k) { /* main.c registered a name this table lacks */
		hpcnet_cli_errorf("internal error: no job action for '%s'", argv[0]);
		return HPCNET_EXIT_USAGE;
	}
	return run_control(k, argc, argv);
}
