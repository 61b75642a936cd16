/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Who the CLI acts as: `login` trades a user name and password for an API
 * token and saves it, `logout` revokes it on the hub before forgetting it
 * (a token only deleted locally would stay valid for weeks), `whoami` and
 * `tokens` show the account. The password never touches the disk or the
 * command line: it comes from the terminal with echo off, or from stdin
 * for scripts.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/units.h"
#include "common/xalloc.h"

static const char login_usage[] =
	"Usage: hpcnet login [--hub URL] [--user NAME] [--password-stdin]\n"
	"                    [--expires-in DURATION] [--json]\n"
	"       hpcnet login [--hub URL] --id-token-stdin    (OpenID Connect)\n"
	"Signs in and saves the token in ~/.config/hpcnet/config.json (mode 0600).\n"
	"Asks for what is not given on the terminal (the password without echo).\n"
	"  --hub URL            hub to sign in to (default: HPCNET_HUB, the saved hub,\n"
	"                       " HPCNET_CLI_DEFAULT_HUB ")\n"
	"  --user NAME          user name\n"
	"  --password-stdin     read the password from the first line of stdin\n"
	"  --id-token-stdin     sign in with an ID token of the hub's OpenID Connect\n"
	"                       provider, read from the first line of stdin\n"
	"  --expires-in D       token lifetime, e.g. 7d, 12h (default: the hub's, 30 days)\n"
	"  --json               print the hub's answer (includes the token)\n";

/* The token's name on the hub, so `hpcnet tokens` says where it lives. */
static char *token_name(void)
{
	char host[256] = "";

	if (gethostname(host, sizeof(host) - 1) < 0 || !*host)
		snprintf(host, sizeof(host), "unknown host");
	return hpcnet_xasprintf("hpcnet CLI on %s", host);
}

/* Best effort: a re-login should not leave the previous token valid. */
static void revoke_quietly(const char *hub, const char *token, const char *token_id)
{
	struct hpcnet_cli old;
	char *id = hpcnet_cli_escape(token_id);
	char *path = hpcnet_xasprintf("/api/v1/tokens/%s", id);

	memset(&old, 0, sizeof(old));
	hpcnet_cli_open_at(&old, hub, token);
	hpcnet_httpc_set_timeout(old.http, 5);
	hpcnet_cli_call(&old, "DELETE", path, NULL, NULL, HPCNET_CLI_QUIET, NULL, NULL);
	hpcnet_cli_close(&old);
	free(path);
	free(id);
}

int hpcnet_cli_login(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "hub", required_argument, NULL, 'H' },
		{ "user", required_argument, NULL, 'u' },
		{ "password-stdin", no_argument, NULL, 'p' },
		{ "id-token-stdin", no_argument, NULL, 'i' },
		{ "expires-in", required_argument, NULL, 'e' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *hub_opt = NULL, *user_opt = NULL;
	int from_stdin = 0, id_token = 0, json = 0, ch, rc;
	int64_t expires = 0;
	struct hpcnet_cli c;
	struct hpcnet_cli_config saved = { 0 }, cfg = { 0 };
	char *user = NULL, *password = NULL, *name = NULL, *path = NULL;
	json_t *body = NULL, *resp = NULL;
	long status = 0;

	memset(&c, 0, sizeof(c));
	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'H': hub_opt = optarg; break;
		case 'u': user_opt = optarg; break;
		case 'p': from_stdin = 1; break;
		case 'i': id_token = 1; break;
		case 'e':
			if (hpcnet_units_parse_duration(optarg, &expires) < 0 || expires <= 0) {
				hpcnet_cli_errorf("--expires-in: '%s' is not a duration (e.g. 7d, 12h)", optarg);
				return HPCNET_EXIT_USAGE;
			}
			break;
		case 'j': json = 1; break;
		case 'h': fputs(login_usage, stdout); return HPCNET_EXIT_OK;
		default: return hpcnet_cli_exit_code(hpcnet_cli_usage_error(login_usage));
		}
	}
	if (optind < argc)
		return hpcnet_cli_exit_code(hpcnet_cli_usage_error(login_usage));

	rc = hpcnet_cli_config_load(&saved);
	if (rc < 0)
		goto out;
	if (!hub_opt)
		hub_opt = getenv("HPCNET_HUB") && *getenv("HPCNET_HUB") ? getenv("HPCNET_HUB") : saved.hub;
	hpcnet_cli_open_at(&c, hub_opt, NULL);

	if (id_token) {
		/* The provider names the user: no user name or password here. */
		user = hpcnet_xstrdup("");
		password = hpcnet_cli_read_secret("ID token: ", 1);
		if (!password) {
			rc = HPCNET_CLI_EUSAGE;
			goto out;
		}
		name = token_name();
		body = json_pack("{s:s, s:s}", "id_token", password, "name", name);
		goto send;
	}
	if (user_opt) {
		user = hpcnet_xstrdup(user_opt);
	} else {
		char *prompt = saved.user ? hpcnet_xasprintf("User [%s]: ", saved.user)
					  : hpcnet_xstrdup("User: ");

		user = hpcnet_cli_prompt(prompt);
		free(prompt);
		if (user && !*user && saved.user) {
			free(user);
			user = hpcnet_xstrdup(saved.user);
		}
		if (!user) {
			hpcnet_cli_errorf("no terminal to ask for the user name on; use --user");
			rc = HPCNET_CLI_EUSAGE;
			goto out;
		}
	}
	if (!*user) {
		hpcnet_cli_errorf("the user name is empty");
		rc = HPCNET_CLI_EUSAGE;
		goto out;
	}
	password = hpcnet_cli_read_secret("Password: ", from_stdin);
	if (!password) {
		rc = HPCNET_CLI_EUSAGE;
		goto out;
	}

	name = token_name();
	body = json_pack("{s:s, s:s, s:s}", "username", user, "password", password, "name", name);
send:
	if (expires > 0)
		json_object_set_new(body, "expires_in", json_integer(expires));
	rc = hpcnet_cli_call(&c, "POST", "/api/v1/tokens", body, NULL, HPCNET_CLI_QUIET, &status, &resp);
	if (rc == HPCNET_EAUTH && id_token) {
		hpcnet_cli_errorf("%s rejected the ID token: %s", c.hub, hpcnet_cli_str(resp, "detail"));
		goto out;
	}
	if (rc == HPCNET_EAUTH) {
		hpcnet_cli_errorf("%s rejected the user name or password", c.hub);
		goto out;
	}
	if (rc < 0) {
		hpcnet_cli_explain(&c, status, resp, c.error);
		goto out;
	}
	if (!*hpcnet_cli_str(resp, "token")) {
		hpcnet_cli_errorf("%s answered without a token; is it an hpcnet hub?", c.hub);
		rc = HPCNET_EPROTO;
		goto out;
	}

	if (saved.token && saved.token_id && strcmp(saved.hub ? saved.hub : "", c.hub) == 0)
		revoke_quietly(saved.hub, saved.token, saved.token_id);
	cfg.hub = c.hub;
	cfg.token = (char *)hpcnet_cli_str(resp, "token");
	cfg.token_id = (char *)hpcnet_cli_str(resp, "id");
	cfg.user = (char *)hpcnet_cli_str(json_object_get(resp, "user"), "name");
	if (!*cfg.user)
		cfg.user = user;
	rc = hpcnet_cli_config_save(&cfg);
	if (rc < 0)
		goto out;
	if (json) {
		hpcnet_cli_print_json(resp);
	} else {
		char when[32];

		hpcnet_cli_format_time(hpcnet_cli_str(resp, "expires_at"), when, sizeof(when));
		hpcnet_cli_config_path(&path);
		printf("Signed in to %s as %s (token valid until %s), saved in %s\n", c.hub, cfg.user,
		       when, path);
	}
	if (getenv("HPCNET_TOKEN") && *getenv("HPCNET_TOKEN"))
		hpcnet_cli_errorf("note: HPCNET_TOKEN is set and overrides this login; unset it to use it");
out:
	if (password) {
		memset(password, 0, strlen(password));
		free(password);
	}
	json_decref(body); /* holds a copy of the password too */
	json_decref(resp);
	hpcnet_cli_config_free(&saved);
	hpcnet_cli_close(&c);
	free(user);
	free(name);
	free(path);
	return hpcnet_cli_exit_code(rc);
}

static int parse_simple(int argc, char **argv, const char *usage, int *json);

static const char logout_usage[] =
	"Usage: hpcnet logout [--json]\n"
	"Revokes the saved token on the hub and forgets it (the hub URL and user\n"
	"name are kept as defaults for the next `hpcnet login`).\n";

int hpcnet_cli_logout(int argc, char **argv)
{
	struct hpcnet_cli_config cfg = { 0 }, kept = { 0 };
	struct hpcnet_cli c;
	char *id = NULL, *path = NULL;
	long status = 0;
	int rc, json = 0, revoked = 0;

	memset(&c, 0, sizeof(c));
	rc = parse_simple(argc, argv, logout_usage, &json);
	if (rc != 0)
		return rc > 0 ? HPCNET_EXIT_OK : hpcnet_cli_exit_code(rc);
	rc = hpcnet_cli_config_load(&cfg);
	if (rc < 0)
		goto out;
	if (!cfg.token) {
		if (json) {
			json_t *out = json_pack("{s:b, s:b}", "signed_out", 1, "revoked", 0);

			hpcnet_cli_print_json(out);
			json_decref(out);
		} else
			printf("Not signed in.\n");
		goto out;
	}
	if (cfg.token_id) {
		hpcnet_cli_open_at(&c, cfg.hub, cfg.token);
		id = hpcnet_cli_escape(cfg.token_id);
		path = hpcnet_xasprintf("/api/v1/tokens/%s", id);
		rc = hpcnet_cli_call(&c, "DELETE", path, NULL, NULL, HPCNET_CLI_QUIET, &status, NULL);
		/* already expired or revoked: the goal is reached */
		if (rc == HPCNET_EAUTH || rc == HPCNET_ENOTFOUND)
			rc = 0;
		revoked = rc == 0;
		if (rc < 0) {
			hpcnet_cli_explain(&c, status, NULL, c.error);
			hpcnet_cli_errorf("the token could not be revoked on the hub; it is forgotten "
					  "here but stays valid until it expires");
		}
	} else {
		hpcnet_cli_errorf("the saved login has no token id, so it cannot be revoked on the hub; "
				  "forgetting it here (see `hpcnet tokens`)");
	}
	kept.hub = cfg.hub;
	kept.user = cfg.user;
	if (hpcnet_cli_config_save(&kept) < 0) {
		if (rc == 0)
			rc = HPCNET_EINVAL;
	} else if (json) {
		json_t *out = json_pack("{s:b, s:b, s:s?}", "signed_out", 1, "revoked", revoked, "hub",
					cfg.hub);

		hpcnet_cli_print_json(out);
		json_decref(out);
	} else {
		printf("Signed out of %s.\n", cfg.hub ? cfg.hub : HPCNET_CLI_DEFAULT_HUB);
	}
out:
	if (getenv("HPCNET_TOKEN") && *getenv("HPCNET_TOKEN"))
		hpcnet_cli_errorf("note: HPCNET_TOKEN is still set in the environment; unset it too");
	hpcnet_cli_close(&c);
	hpcnet_cli_config_free(&cfg);
	free(id);
	free(path);
	return hpcnet_cli_exit_code(rc);
}

/* Parses the common "--json / --help, no other argument" command line. */
static int parse_simple(int argc, char **argv, const char *usage, int *json)
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
	if (optind < argc)
		return hpcnet_cli_usage_error(usage);
	return 0;
}

static const char whoami_usage[] =
	"Usage: hpcnet whoami [--json]\n"
	"Shows the user the saved login (or HPCNET_TOKEN) acts as.\n";

int hpcnet_cli_whoami(int argc, char **argv)
{
	struct hpcnet_cli c;
	json_t *me = NULL;
	int json = 0, rc;

	memset(&c, 0, sizeof(c));
	rc = parse_simple(argc, argv, whoami_usage, &json);
	if (rc != 0)
		return rc > 0 ? HPCNET_EXIT_OK : hpcnet_cli_exit_code(rc);
	rc = hpcnet_cli_open(&c, 1);
	if (rc < 0)
		goto out;
	rc = hpcnet_cli_call(&c, "GET", "/api/v1/users/me", NULL, NULL, 0, NULL, &me);
	if (rc < 0)
		goto out;
	if (json)
		hpcnet_cli_print_json(me);
	else
		printf("%s (%s) at %s\n", hpcnet_cli_str(me, "name"),
		       *hpcnet_cli_str(me, "role") ? hpcnet_cli_str(me, "role") : "user", c.hub);
out:
	json_decref(me);
	hpcnet_cli_close(&c);
	return hpcnet_cli_exit_code(rc);
}

static const char tokens_usage[] =
	"Usage: hpcnet tokens [--json]\n"
	"       hpcnet tokens revoke ID...\n"
	"Lists your API tokens (never their secrets; * marks the saved login's),\n"
	"or revokes some.\n";

static int tokens_revoke(struct hpcnet_cli *c, int argc, char **argv)
{
	int first_err = 0;

	if (argc < 1)
		return hpcnet_cli_usage_error(tokens_usage);
	for (int i = 0; i < argc; i++) {
		char *id = hpcnet_cli_escape(argv[i]);
		char *path = hpcnet_xasprintf("/api/v1/tokens/%s", id);
		int rc = hpcnet_cli_call(c, "DELETE", path, NULL, NULL, 0, NULL, NULL);

		if (rc == 0)
			printf("%s revoked\n", argv[i]);
		else if (!first_err)
			first_err = rc;
		free(path);
		free(id);
	}
	return first_err;
}

int hpcnet_cli_tokens(int argc, char **argv)
{
	static const char *const head[] = { "", "ID", "NAME", "CREATED", "EXPIRES", "LAST USED" };
	struct hpcnet_cli c;
	struct hpcnet_table *t = NULL;
	json_t *resp = NULL, *items, *tok;
	int json = 0, rc;
	size_t i;

	memset(&c, 0, sizeof(c));
	if (argc > 1 && strcmp(argv[1], "revoke") == 0) {
		rc = hpcnet_cli_open(&c, 1);
		if (rc == 0)
			rc = tokens_revoke(&c, argc - 2, argv + 2);
		goto out;
	}
	rc = parse_simple(argc, argv, tokens_usage, &json);
	if (rc != 0)
		return rc > 0 ? HPCNET_EXIT_OK : hpcnet_cli_exit_code(rc);
	rc = hpcnet_cli_open(&c, 1);
	if (rc < 0)
		goto out;
	rc = hpcnet_cli_call(&c, "GET", "/api/v1/tokens", NULL, NULL, 0, NULL, &resp);
	if (rc < 0)
		goto out;
	if (json) {
		hpcnet_cli_print_json(resp);
		goto out;
	}
	items = json_is_array(resp) ? resp : json_object_get(resp, "items");
	t = hpcnet_table_new(6, head);
	json_array_foreach(items, i, tok) {
		char created[32], expires[32], used[32];
		const char *id = hpcnet_cli_str(tok, "id");
		const char *cur = c.cfg.token_id && strcmp(c.cfg.token_id, id) == 0 &&
					  c.cfg.token && c.token && strcmp(c.cfg.token, c.token) == 0
				  ? "*" : "";

		hpcnet_cli_format_time(hpcnet_cli_str(tok, "created_at"), created, sizeof(created));
		hpcnet_cli_format_time(hpcnet_cli_str(tok, "expires_at"), expires, sizeof(expires));
		hpcnet_cli_format_time(hpcnet_cli_str(tok, "last_used_at"), used, sizeof(used));
		hpcnet_table_add(t, (const char *const[]){ cur, id, hpcnet_cli_str(tok, "name"), created,
							   expires, used });
	}
	hpcnet_table_print(t, stdout);
out:
	hpcnet_table_free(t);
	json_decref(resp);
	hpcnet_cli_close(&c);
	return hpcnet_cli_exit_code(rc);
}
