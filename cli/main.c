/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one binary: `hpcnet <verb>`. One executable for the hub, the agent
 * and the client keeps installs and `hpcnet up` simple (it re-executes
 * /proc/self/exe for every daemon) and guarantees that the three always
 * speak the same version of the API. This file only dispatches; each verb
 * group lives in its own file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/xalloc.h"
#include "agent/agent.h"
#include "hub/hub.h"

#ifndef HPCNET_VERSION
#define HPCNET_VERSION "0.1.0"
#endif

struct verb {
	const char *name;
	int (*run)(int argc, char **argv);
};

static const struct verb verbs[] = {
	{ .name = "login", .run = hpcnet_cli_login },
	{ .name = "logout", .run = hpcnet_cli_logout },
	{ .name = "whoami", .run = hpcnet_cli_whoami },
	{ .name = "tokens", .run = hpcnet_cli_tokens },
	{ .name = "submit", .run = hpcnet_cli_submit },
	{ .name = "jobs", .run = hpcnet_cli_jobs },
	{ .name = "show", .run = hpcnet_cli_show },
	{ .name = "cancel", .run = hpcnet_cli_cancel },
	{ .name = "hold", .run = hpcnet_cli_control },
	{ .name = "release", .run = hpcnet_cli_control },
	{ .name = "suspend", .run = hpcnet_cli_control },
	{ .name = "resume", .run = hpcnet_cli_control },
	{ .name = "requeue", .run = hpcnet_cli_control },
	{ .name = "logs", .run = hpcnet_cli_logs },
	{ .name = "centers", .run = hpcnet_cli_centers },
	{ .name = "users", .run = hpcnet_cli_users },
	{ .name = "orgs", .run = hpcnet_cli_orgs },
	{ .name = "projects", .run = hpcnet_cli_projects },
	{ .name = "roles", .run = hpcnet_cli_roles },
	{ .name = "passwd", .run = hpcnet_cli_passwd },
	{ .name = "signup", .run = hpcnet_cli_signup },
	{ .name = "admin", .run = hpcnet_cli_admin },
	{ .name = "up", .run = hpcnet_cli_up },
	{ .name = "balance", .run = hpcnet_cli_balance },
	{ .name = "usage", .run = hpcnet_cli_usage },
	{ .name = "invoices", .run = hpcnet_cli_invoices },
	{ .name = "quota", .run = hpcnet_cli_quota },
	{ .name = "accounts", .run = hpcnet_cli_accounts },
	{ .name = "prices", .run = hpcnet_cli_prices },
	{ .name = "settlement", .run = hpcnet_cli_settlement },
	{ .name = NULL },
};

static const char usage[] =
	"hpcnet " HPCNET_VERSION " - run jobs across HPC centers\n"
	"\n"
	"Usage: hpcnet <command> [options]      (hpcnet <command> --help for more)\n"
	"\n"
	"Getting started:\n"
	"  up           start a hub and demo centers on this machine\n"
	"  login        sign in to a hub and save the login\n"
	"  logout       revoke the saved token and forget it\n"
	"  whoami       who the saved login or HPCNET_TOKEN is\n"
	"Jobs:\n"
	"  submit       submit a job; prints its id (--wait: wait, exit with its code;\n"
	"               --explain: where it would run and why, submitting nothing)\n"
	"  jobs         list your jobs\n"
	"  show ID      one job in detail, with its events\n"
	"  cancel ID... cancel jobs\n"
	"  hold ID...   keep queued jobs from starting; `release ID...` lets them go\n"
	"  suspend ID... pause running jobs; `resume ID...` continues them\n"
	"  requeue ID... stop running jobs and queue them again at their center\n"
	"               (suspend, resume, requeue: at centers whose scheduler can)\n"
	"Money:\n"
	"  balance      your balance, what jobs hold, credit, available (--org NAME)\n"
	"  usage        usage and cost by center, user, project, day (--since DATE)\n"
	"  invoices     your monthly invoices; `invoices YYYY-MM [--csv]` one of them\n"
	"  quota        use against your quotas; `quota set SCOPE RESOURCE LIMIT` (admin)\n"
	"  prices       price lists; `prices set CENTER FILE` (operator),\n"
	"               `prices approve ID` (admin)\n"
	"  accounts     (admin) every account; `accounts topup ACCOUNT AMOUNT`,\n"
	"               `accounts credit ACCOUNT LIMIT`\n"
	"  settlement   (admin) a month's earnings per center: `settlement YYYY-MM`\n"
	"Centers and administration:\n"
	"  centers      list centers; `centers create NAME`, `centers join-token NAME`,\n"
	"               `centers drain NAME`, `centers undrain NAME`\n"
	"  users        list users; `users create NAME`, `users disable|enable NAME`\n"
	"Accounts and organizations:\n"
	"  passwd       change your password (revokes your other tokens)\n"
	"  signup NAME  create an account on a hub that allows it (--invite CODE)\n"
	"  orgs         your orgs; `orgs create|members|add|remove|invite ...`\n"
	"  projects     your orgs' projects; `projects create|members|add|remove ...`\n"
	"  roles        (admin) role grants; `roles grant|revoke USER ROLE [--center C]`\n"
	"  admin audit  (admin) the audit log; `admin audit verify` checks its chain\n"
	"  tokens       list your API tokens\n"
	"Daemons:\n"
	"  hub          run the hub (hpcnet hub --help)\n"
	"  agent        run a center's agent (hpcnet agent --help)\n"
	"\n"
	"Client commands take --json to print the API's JSON instead of a table.\n"
	"\n"
	"Environment:\n"
	"  HPCNET_HUB    hub URL (overrides the saved login; default " HPCNET_CLI_DEFAULT_HUB ")\n"
	"  HPCNET_TOKEN  API token (overrides the saved login)\n"
	"  The login is saved in $XDG_CONFIG_HOME/hpcnet/config.json\n"
	"  (default ~/.config/hpcnet/config.json).\n"
	"\n"
	"Exit status:\n"
	"  0  success\n"
	"  1  the operation failed (refused by the hub; with `submit --wait`, a job\n"
	"     that failed exits with its own exit code, or 1 without one)\n"
	"  2  usage error\n"
	"  3  not signed in, token expired, or not allowed (HTTP 401, 403)\n"
	"  4  not found (HTTP 404)\n"
	"  5  hub unreachable or failing (HTTP 5xx)\n";

/* Runs a verb with argv[0] = "hpcnet VERB", so getopt's messages and the
 * usage lines name the command the user typed. */
static int run_verb(const struct verb *v, int argc, char **argv)
{
	char *name = hpcnet_xasprintf("hpcnet %s", v->name);
	int status;

	argv[0] = name;
	status = v->run(argc, argv);
	free(name);
	fflush(stdout);
	if (ferror(stdout)) {
		/* a full disk or closed pipe must not look like success */
		fprintf(stderr, "hpcnet: writing the output failed\n");
		if (status == 0)
			status = HPCNET_EXIT_FAILED;
	}
	return status;
}

static const struct verb *find_verb(const char *name)
{
	for (const struct verb *v = verbs; v->name; v++)
		if (strcmp(v->name, name) == 0)
			return v;
	return NULL;
}

int main(int argc, char **argv)
{
	const struct verb *v;

	if (argc < 2) {
		fputs(usage, stderr);
		return HPCNET_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage, stdout);
		return HPCNET_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("hpcnet %s\n", HPCNET_VERSION);
		return HPCNET_EXIT_OK;
	}
	if (strcmp(argv[1], "hub") == 0)
		return hpcnet_hub_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "agent") == 0)
		return hpcnet_agent_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "help") == 0) {
		if (argc > 2 && (v = find_verb(argv[2]))) {
			char *args[] = { argv[2], "--help", NULL };

			return run_verb(v, 2, args);
		}
		fputs(usage, stdout);
		return HPCNET_EXIT_OK;
	}
	v = find_verb(argv[1]);
	if (!v) {
		fprintf(stderr, "hpcnet: unknown command '%s' (see hpcnet --help)\n", argv[1]);
		return HPCNET_EXIT_USAGE;
	}
	return run_verb(v, argc - 1, argv + 1);
}
