/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Administration from the command line: registering centers (and handing
 * the operator the exact agent command with its one-time join token),
 * draining them for maintenance, and managing users. The hub enforces the admin role; these verbs only make
 * the 403 readable and never put a password on a command line, where `ps`
 * and shell history would keep it.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/xalloc.h"

static const char create_usage[] =
	"Usage: hpcnet centers create [--json] NAME\n"
	"Registers a center (admin) and prints its one-time join token with the\n"
	"agent command to run where the center's jobs are submitted.\n";

static const char join_usage[] =
	"Usage: hpcnet centers join-token [--json] NAME\n"
	"Issues a new one-time join token for a center (admin), e.g. to move its\n"
	"agent to another machine. Prints the agent command to run.\n";

/* Parses "[--json] NAME"; returns 0, 1 for --help, or HPCNET_CLI_EUSAGE. */
static int parse_name(int argc, char **argv, const char *usage, int *json, const char **name)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'j': *json = 1; break;
		case 'h': fputs(usage, stdout); return 1;
		default: return hpcnet_cli_usage_error(usage);
		}
	}
	if (optind + 1 != argc)
		return hpcnet_cli_usage_error(usage);
	*name = argv[optind];
	return 0;
}

static void print_agent_command(const struct hpcnet_cli *c, const char *name, const char *token)
{
	printf("Join token (single use, shown once): %s\n\n", token);
	printf("Start the center's agent where its jobs are submitted (a login node):\n\n");
	printf("  hpcnet agent --hub %s --join-token %s --name %s --adapter local \\\n"
	       "      --workdir ~/hpcnet-agent-%s\n\n", c->hub, token, name, name);
	printf("(--adapter names the center's scheduler; the agent keeps its credential in\n"
	       "--workdir, so later starts need no token.)\n");
	if (strstr(c->hub, "://127.") || strstr(c->hub, "://localhost"))
		printf("Note: %s is only reachable from this machine; give the agent an address\n"
		       "it can reach.\n", c->hub);
}

int hpcnet_cli_centers_create(int argc, char **argv)
{
	struct hpcnet_cli c;
	const char *name = NULL;
	json_t *body = NULL, *ctr = NULL;
	int json = 0, rc;

	memset(&c, 0, sizeof(c));
	rc = parse_name(argc, argv, create_usage, &json, &name);
	if (rc != 0)
		return rc > 0 ? HPCNET_EXIT_OK : hpcnet_cli_exit_code(rc);
	rc = hpcnet_cli_open(&c, 1);
	if (rc < 0)
		goto out;
	body = json_pack("{s:s}", "name", name);
	rc = hpcnet_cli_call(&c, "POST", "/api/v1/centers", body, NULL, 0, NULL, &ctr);
	if (rc == HPCNET_ECONFLICT)
		hpcnet_cli_errorf("to issue a new join token for it: hpcnet centers join-token %s", name);
	if (rc < 0)
		goto out;
	if (json) {
		hpcnet_cli_print_json(ctr);
		goto out;
	}
	printf("Center %s created (%s).\n", hpcnet_cli_str(ctr, "name"), hpcnet_cli_str(ctr, "id"));
	print_agent_command(&c, hpcnet_cli_str(ctr, "name"), hpcnet_cli_str(ctr, "join_token"));
out:
	json_decref(body);
	json_decref(ctr);
	hpcnet_cli_close(&c);
	return hpcnet_cli_exit_code(rc);
}

int hpcnet_cli_centers_join_token(int argc, char **argv)
{
	struct hpcnet_cli c;
	const char *name = NULL;
	char *ename = NULL, *path = NULL;
	json_t *resp = NULL;
	int json = 0, rc;

	memset(&c, 0, sizeof(c));
	rc = parse_name(argc, argv, join_usage, &json, &name);
	if (rc != 0)
		return rc > 0 ? HPCNET_EXIT_OK : hpcnet_cli_exit_code(rc);
	rc = hpcnet_cli_open(&c, 1);
	if (rc < 0)
		goto out;
	ename = hpcnet_cli_escape(name);
	path = hpcnet_xasprintf("/api/v1/centers/%s/join-token", ename);
	rc = hpcnet_cli_call(&c, "POST", path, NULL, NULL, 0, NULL, &resp);
	if (rc < 0)
		goto out;
	if (json) {
		hpcnet_cli_print_json(resp);
		goto out;
	}
	if (!*hpcnet_cli_str(resp, "join_token")) {
		hpcnet_cli_errorf("the hub answered without a join_token");
		rc = HPCNET_EPROTO;
		goto out;
	}
	print_agent_command(&c, name, hpcnet_cli_str(resp, "join_token"));
out:
	json_decref(resp);
	free(ename);
	free(path);
	hpcnet_cli_close(&c);
	return hpcnet_cli_exit_code(rc);
}

/* ---- drain ---- */

static const char drain_usage[] =
	"Usage: hpcnet centers drain [--json] NAME\n"
	"       hpcnet centers undrain [--json] NAME\n"
	"Drains a center (admin), e.g. before maintenance: the hub sends it no new\n"
	"jobs, jobs it has not received yet are placed elsewhere, and jobs it has\n"
	"not started are recalled (its agent gives them back). Running jobs finish\n"
	"there. `undrain` lets it take jobs again.\n";

static const char *plural(json_int_t n)
{
	return n == 1 ? "" : "s";
}

int hpcnet_cli_centers_drain(int argc, char **argv)
{
	/* argv[0] is "drain" or "undrain" (centers.c passes the sub-command) */
	int drain = strcmp(argv[0], "undrain") != 0;
	struct hpcnet_cli c;
	const char *name = NULL;
	char *ename = NULL, *path = NULL;
	json_t *ctr = NULL;
	int json = 0, rc;

	memset(&c, 0, sizeof(c));
	rc = parse_name(argc, argv, drain_usage, &json, &name);
	if (rc != 0)
		return rc > 0 ? HPCNET_EXIT_OK : hpcnet_cli_exit_code(rc);
	rc = hpcnet_cli_open(&c, 1);
	if (rc < 0)
		goto out;
	ename = hpcnet_cli_escape(name);
	path = hpcnet_xasprintf("/api/v1/centers/%s/%s", ename, drain ? "drain" : "undrain");
	rc = hpcnet_cli_call(&c, "POST", path, NULL, NULL, 0, NULL, &ctr);
	if (rc < 0)
		goto out;
	if (json) {
		hpcnet_cli_print_json(ctr);
	} else if (drain) {
		json_int_t replaced = hpcnet_cli_int(ctr, "jobs_replaced", 0);
		json_int_t recalled = hpcnet_cli_int(ctr, "jobs_recalled", 0);

		printf("Center %s is draining: it gets no new jobs; running jobs finish there.\n",
		       hpcnet_cli_str(ctr, "name"));
		printf("%lld job%s not yet delivered re-placed, %lld job%s not yet started recalled.\n",
		       (long long)replaced, plural(replaced), (long long)recalled, plural(recalled));
		printf("(`hpcnet centers undrain %s` lets it take jobs again.)\n", name);
	} else {
		printf("Center %s takes jobs again.\n", hpcnet_cli_str(ctr, "name"));
	}
out:
	json_decref(ctr);
	free(ename);
	free(path);
	hpcnet_cli_close(&c);
	return hpcnet_cli_exit_code(rc);
}

/* ---- users ---- */

static const char users_usage[] =
	"Usage: hpcnet users [--json]                      (admin) list users\n"
	"       hpcnet users create [--admin] [--password-stdin] [--json] NAME\n"
	"       hpcnet users disable NAME   (admin) their tokens stop working at once\n"
	"       hpcnet users enable NAME\n"
	"Creating a user asks for the password twice on the terminal, or reads it\n"
	"from the first line of stdin with --password-stdin.\n";

static int users_create(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "admin", no_argument, NULL, 'a' },
		{ "password-stdin", no_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int admin = 0, from_stdin = 0, json = 0, ch, rc;
	char *password = NULL, *again = NULL;
	struct hpcnet_cli c;
	json_t *body = NULL, *user = NULL;

	memset(&c, 0, sizeof(c));
	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'a': admin = 1; break;
		case 'p': from_stdin = 1; break;
		case 'j': json = 1; break;
		case 'h': fputs(users_usage, stdout); return 0;
		default: return hpcnet_cli_usage_error(users_usage);
		}
	}
	if (optind + 1 != argc)
		return hpcnet_cli_usage_error(users_usage);
	rc = hpcnet_cli_open(&c, 1);
	if (rc < 0)
		goto out;
	password = hpcnet_cli_read_secret("New user's password: ", from_stdin);
	if (!password) {
		rc = HPCNET_CLI_EUSAGE;
		goto out;
	}
	if (!from_stdin) {
		again = hpcnet_cli_read_secret("Again: ", 0);
		if (!again || strcmp(password, again) != 0) {
			hpcnet_cli_errorf("the passwords differ; nothing created");
			rc = HPCNET_CLI_EUSAGE;
			goto out;
		}
	}
	body = json_pack("{s:s, s:s, s:s}", "name", argv[optind], "password", password, "role",
			 admin ? "admin" : "user");
	rc = hpcnet_cli_call(&c, "POST", "/api/v1/users", body, NULL, 0, NULL, &user);
	if (rc < 0)
		goto out;
	if (json)
		hpcnet_cli_print_json(user);
	else
		printf("User %s created (%s). They sign in with: hpcnet login --hub %s --user %s\n",
		       hpcnet_cli_str(user, "name"), admin ? "admin" : "user", c.hub,
		       hpcnet_cli_str(user, "name"));
out:
	if (password) {
		memset(password, 0, strlen(password));
		free(password);
	}
	if (again) {
		memset(again, 0, strlen(again));
		free(again);
	}
	json_decref(body);
	json_decref(user);
	hpcnet_cli_close(&c);
	return rc;
}

int hpcnet_cli_users(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const head[] = { "NAME", "ROLE", "ID", "CREATED" };
	struct hpcnet_cli c;
	struct hpcnet_table *t = NULL;
	json_t *resp = NULL, *items, *u;
	int json = 0, ch, rc;
	size_t i;

	if (argc > 1 && strcmp(argv[1], "create") == 0)
		return hpcnet_cli_exit_code(users_create(argc - 1, argv + 1));
	if (argc > 1 && (strcmp(argv[1], "disable") == 0 || strcmp(argv[1], "enable") == 0))
		return hpcnet_cli_users_disable(argc - 1, argv + 1);
	memset(&c, 0, sizeof(c));
	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'j': json = 1; break;
		case 'h': fputs(users_usage, stdout); return HPCNET_EXIT_OK;
		default: return hpcnet_cli_exit_code(hpcnet_cli_usage_error(users_usage));
		}
	}
	if (optind < argc) {
		hpcnet_cli_errorf("unknown sub-command '%s'", argv[optind]);
		return hpcnet_cli_exit_code(hpcnet_cli_usage_error(users_usage));
	}
	rc = hpcnet_cli_open(&c, 1);
	if (rc < 0)
		goto out;
	rc = hpcnet_cli_call(&c, "GET", "/api/v1/users?limit=1000", NULL, NULL, 0, NULL, &resp);
	if (rc < 0)
		goto out;
	if (json) {
		hpcnet_cli_print_json(resp);
		goto out;
	}
	items = json_is_array(resp) ? resp : json_object_get(resp, "items");
	t = hpcnet_table_new(4, head);
	json_array_foreach(items, i, u) {
		char created[32];

		hpcnet_cli_format_time(hpcnet_cli_str(u, "created_at"), created, sizeof(created));
		hpcnet_table_add(t, (const char *const[]){ hpcnet_cli_str(u, "name"),
							   hpcnet_cli_str(u, "role"),
							   hpcnet_cli_str(u, "id"), created });
	}
	hpcnet_table_print(t, stdout);
	if (json_is_string(json_object_get(resp, "next_cursor")))
		fprintf(stderr, "(first %zu users shown)\n", json_array_size(items));
out:
	hpcnet_table_free(t);
	json_decref(resp);
	hpcnet_cli_close(&c);
	return hpcnet_cli_exit_code(rc);
}
