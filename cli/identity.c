/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Accounts from the CLI: `hpcnet passwd`, `hpcnet signup`, `hpcnet roles`
 * (center_operator and merchant grants), `hpcnet users disable|enable`.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/xalloc.h"
#include "hpcnet/error.h"

static void wipe(char *s)
{
	if (s) {
		memset(s, 0, strlen(s));
		free(s);
	}
}

static const char passwd_usage[] =
	"Usage: hpcnet passwd [--password-stdin] [--json]\n"
	"Changes your password: asks for the old one and the new one twice on the\n"
	"terminal, or reads the old and the new from the first two lines of stdin.\n"
	"Every other token of yours is revoked; this login keeps working.\n";

int hpcnet_cli_passwd(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "password-stdin", no_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *old = NULL, *new = NULL, *again = NULL, msg[96];
	int from_stdin = 0, json = 0, ch, rc = HPCNET_CLI_EUSAGE;
	struct hpcnet_cli c;
	json_t *body = NULL, *resp = NULL;

	memset(&c, 0, sizeof(c));
	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'p': from_stdin = 1; break;
		case 'j': json = 1; break;
		case 'h': fputs(passwd_usage, stdout); return HPCNET_EXIT_OK;
		default: return hpcnet_cli_exit_code(hpcnet_cli_usage_error(passwd_usage));
		}
	}
	if (optind != argc)
		return hpcnet_cli_exit_code(hpcnet_cli_usage_error(passwd_usage));
	rc = hpcnet_cli_open(&c, 1);
	if (rc < 0)
		goto out;
	rc = HPCNET_CLI_EUSAGE;
	old = hpcnet_cli_read_secret("Old password: ", from_stdin);
	new = old ? hpcnet_cli_read_secret("New password: ", from_stdin) : NULL;
	if (!new)
		goto out;
	if (!from_stdin) {
		again = hpcnet_cli_read_secret("Again: ", 0);
		if (!again || strcmp(new, again) != 0) {
			hpcnet_cli_errorf("the new passwords differ; nothing changed");
			goto out;
		}
	}
	body = json_pack("{s:s, s:s}", "old_password", old, "new_password", new);
	rc = hpcnet_cli_call(&c, "POST", "/api/v1/users/me/password", body, NULL, 0, NULL, &resp);
	if (rc == 0 && json) {
		hpcnet_cli_print_json(resp);
	} else if (rc == 0) {
		snprintf(msg, sizeof(msg), "%lld", (long long)hpcnet_cli_int(resp, "tokens_revoked", 0));
		printf("Password changed; %s other token(s) revoked.\n", msg);
	}
out:
	wipe(old);
	wipe(new);
	wipe(again);
	json_decref(body);
	json_decref(resp);
	hpcnet_cli_close(&c);
	return hpcnet_cli_exit_code(rc);
}

static const char signup_usage[] =
	"Usage: hpcnet signup [--hub URL] [--invite CODE] [--password-stdin] [--json] NAME\n"
	"Creates an account on a hub that allows sign-up (hpcnet hub --signup open or\n"
	"invite); then sign in with: hpcnet login --user NAME\n";

int hpcnet_cli_signup(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "hub", required_argument, NULL, 'u' },
		{ "invite", required_argument, NULL, 'i' },
		{ "password-stdin", no_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *hub = NULL, *invite = NULL;
	int from_stdin = 0, json = 0, ch, rc = HPCNET_CLI_EUSAGE;
	char *pw = NULL, *again = NULL;
	struct hpcnet_cli c;
	json_t *body, *resp = NULL;

	memset(&c, 0, sizeof(c));
	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'u': hub = optarg; break;
		case 'i': invite = optarg; break;
		case 'p': from_stdin = 1; break;
		case 'j': json = 1; break;
		case 'h': fputs(signup_usage, stdout); return HPCNET_EXIT_OK;
		default: return hpcnet_cli_exit_code(hpcnet_cli_usage_error(signup_usage));
		}
	}
	if (optind + 1 != argc)
		return hpcnet_cli_exit_code(hpcnet_cli_usage_error(signup_usage));
	if (hub)
		hpcnet_cli_open_at(&c, hub, NULL);
	else if ((rc = hpcnet_cli_open(&c, 0)) < 0)
		goto out;
	rc = HPCNET_CLI_EUSAGE;
	pw = hpcnet_cli_read_secret("Password: ", from_stdin);
	if (!pw)
		goto out;
	if (!from_stdin) {
		again = hpcnet_cli_read_secret("Again: ", 0);
		if (!again || strcmp(pw, again) != 0) {
			hpcnet_cli_errorf("the passwords differ; nothing created");
			goto out;
		}
	}
	body = json_pack("{s:s, s:s}", "name", argv[optind], "password", pw);
	if (invite)
		json_object_set_new(body, "invite", json_string(invite));
	rc = hpcnet_cli_call(&c, "POST", "/api/v1/signup", body, NULL, 0, NULL, &resp);
	json_decref(body);
	if (rc == 0 && json)
		hpcnet_cli_print_json(resp);
	else if (rc == 0)
		printf("Account %s created. Sign in with: hpcnet login --hub %s --user %s\n",
		       hpcnet_cli_str(resp, "name"), c.hub, hpcnet_cli_str(resp, "name"));
out:
	wipe(pw);
	wipe(again);
	json_decref(resp);
	hpcnet_cli_close(&c);
	return hpcnet_cli_exit_code(rc);
}

static const char roles_usage[] =
	"Usage: hpcnet roles [--user USER] [--json]              (platform admin) role grants\n"
	"       hpcnet roles grant USER center_operator --center CENTER\n"
	"       hpcnet roles grant USER merchant\n"
	"       hpcnet roles revoke USER ROLE [--center CENTER]\n"
	"org_admin is given with `hpcnet orgs add ORG USER --admin`.\n";

int hpcnet_cli_roles(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "user", required_argument, NULL, 'u' },
		{ "center", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const h[] = { "USER", "ROLE", "CENTER", "GRANTED" };
	static const char *const k[] = { "user_name", "role", "scope_name", "created_at" };
	int json = hpcnet_cli_take_json(&argc, argv), ch, rc, revoke;
	const char *user = NULL, *center = NULL;
	char *path, *e;
	json_t *body;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (ch) {
		case 'u': user = optarg; break;
		case 'c': center = optarg; break;
		case 'h': fputs(roles_usage, stdout); return HPCNET_EXIT_OK;
		default: return hpcnet_cli_exit_code(hpcnet_cli_usage_error(roles_usage));
		}
	}
	if (optind == argc) {
		e = user ? hpcnet_cli_escape(user) : NULL;
		path = e ? hpcnet_xasprintf("/api/v1/roles?user=%s", e) : hpcnet_xstrdup("/api/v1/roles");
		rc = hpcnet_cli_list(path, json, 4, h, k);
		free(path);
		free(e);
		return hpcnet_cli_exit_code(rc);
	}
	revoke = !strcmp(argv[optind], "revoke");
	if ((!revoke && strcmp(argv[optind], "grant")) || argc - optind < 3)
		return hpcnet_cli_exit_code(hpcnet_cli_usage_error(roles_usage));
	/* options may also follow: grant USER ROLE --center C */
	{
		int first = optind;

		optind = first + 3;
		while (optind < argc && (ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1)
			if (ch == 'c')
				center = optarg;
			else
				return hpcnet_cli_exit_code(hpcnet_cli_usage_error(roles_usage));
		if (optind != argc)
			return hpcnet_cli_exit_code(hpcnet_cli_usage_error(roles_usage));
		body = json_pack("{s:s, s:s}", "user", argv[first + 1], "role", argv[first + 2]);
	}
	if (center)
		json_object_set_new(body, "center", json_string(center));
	rc = hpcnet_cli_write("POST", revoke ? "/api/v1/roles/revoke" : "/api/v1/roles", body, json,
			      revoke ? "Role revoked." : "Role granted.");
	return hpcnet_cli_exit_code(rc);
}

int hpcnet_cli_users_disable(int argc, char **argv)
{
	int json = hpcnet_cli_take_json(&argc, argv), enable = !strcmp(argv[0], "enable"), rc;
	char *path, *e;

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "Usage: hpcnet users %s NAME [--json]\n", argv[0]);
		return HPCNET_EXIT_USAGE;
	}
	e = hpcnet_cli_escape(argv[1]);
	path = hpcnet_xasprintf("/api/v1/users/%s/%s", e, enable ? "enable" : "disable");
	rc = hpcnet_cli_write("POST", path, NULL, json,
			      enable ? "User enabled." : "User disabled: their tokens no longer work.");
	free(path);
	free(e);
	return hpcnet_cli_exit_code(rc);
}
