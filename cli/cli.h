/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the files of cli/ share: the verb entry points main.c dispatches
 * to, the saved login (config.c), the connection to the hub with its
 * error-to-exit-code mapping and output helpers (client.c).
 *
 * Verb entry points are main()-like: they take the verb's argv (argv[0]
 * is "hpcnet VERB", for getopt's messages) and return the process exit
 * status. Everything below them returns 0 or a negative code, and only
 * the verb turns that into an exit status, with hpcnet_cli_exit_code().
 */
#ifndef HPCNET_CLI_H
#define HPCNET_CLI_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "common/httpc.h"
#include "hpcnet/error.h"

#define HPCNET_CLI_DEFAULT_HUB "http://127.0.0.1:8080"

/*
 * A command-line mistake (unknown option, missing argument). Lives with
 * the CLI because only the CLI has a "usage error" exit status; far below
 * include/hpcnet/error.h's range so the two never collide.
 */
#define HPCNET_CLI_EUSAGE (-10100)

/* Exit statuses scripts can rely on; documented in `hpcnet --help`. */
enum hpcnet_cli_exit {
	HPCNET_EXIT_OK = 0,
	HPCNET_EXIT_FAILED = 1,      /* the operation failed (4xx, job failed) */
	HPCNET_EXIT_USAGE = 2,
	HPCNET_EXIT_AUTH = 3,        /* not signed in, token rejected, not allowed */
	HPCNET_EXIT_NOTFOUND = 4,
	HPCNET_EXIT_UNAVAILABLE = 5, /* hub unreachable or 5xx */
};

/* Verbs (one file per group). */
int hpcnet_cli_login(int argc, char **argv);
int hpcnet_cli_logout(int argc, char **argv);
int hpcnet_cli_whoami(int argc, char **argv);
int hpcnet_cli_tokens(int argc, char **argv);
int hpcnet_cli_submit(int argc, char **argv);
int hpcnet_cli_jobs(int argc, char **argv);
int hpcnet_cli_show(int argc, char **argv);
int hpcnet_cli_cancel(int argc, char **argv);
/* hold, release, suspend, resume, requeue: argv[0] ("hpcnet VERB") says which */
int hpcnet_cli_control(int argc, char **argv);
int hpcnet_cli_logs(int argc, char **argv);
int hpcnet_cli_centers(int argc, char **argv);
int hpcnet_cli_centers_create(int argc, char **argv);
int hpcnet_cli_centers_join_token(int argc, char **argv);
/* centers drain / undrain: argv[0] is "drain" or "undrain" */
int hpcnet_cli_centers_drain(int argc, char **argv);
int hpcnet_cli_users(int argc, char **argv);
int hpcnet_cli_up(int argc, char **argv);
/* money.c, money_admin.c */
int hpcnet_cli_balance(int argc, char **argv);
int hpcnet_cli_usage(int argc, char **argv);
int hpcnet_cli_invoices(int argc, char **argv);
int hpcnet_cli_quota(int argc, char **argv);
int hpcnet_cli_accounts(int argc, char **argv);
int hpcnet_cli_prices(int argc, char **argv);
int hpcnet_cli_settlement(int argc, char **argv);

/* ---- config.c: the saved login ---- */

struct hpcnet_cli_config {
	char *hub;      /* all four owned; NULL when absent */
	char *token;
	char *token_id; /* lets `logout` revoke the token on the hub */
	char *user;
};

/* $XDG_CONFIG_HOME/hpcnet/config.json, else ~/.config/hpcnet/config.json.
 * Caller frees. 0 or HPCNET_ENOTFOUND when there is no home directory. */
int hpcnet_cli_config_path(char **path);
/* Loads the saved login; a missing file is not an error (all fields NULL).
 * 0, -errno, or HPCNET_EPROTO when the file is not the JSON we wrote. */
int hpcnet_cli_config_load(struct hpcnet_cli_config *cfg);
/* Saves atomically with mode 0600 (the file holds a bearer token), making
 * the directory 0700 if needed. 0 or -errno. */
int hpcnet_cli_config_save(const struct hpcnet_cli_config *cfg);
void hpcnet_cli_config_free(struct hpcnet_cli_config *cfg);

/* ---- client.c: talking to the hub ---- */

struct hpcnet_cli {
	char *hub;   /* base URL, no trailing slash */
	char *token; /* NULL when not signed in */
	struct hpcnet_cli_config cfg;
	struct hpcnet_httpc *http;
	char error[256]; /* transport error of the last call, "" if it got an answer */
};

/* Don't print the problem for a person: the caller handles this status. */
#define HPCNET_CLI_QUIET 1u

/*
 * Resolves the hub and token (HPCNET_HUB / HPCNET_TOKEN, then the saved
 * login, then the default hub) and creates the HTTP client. With
 * need_token and no token, prints how to sign in and returns HPCNET_EAUTH.
 * The saved token is only sent to the hub it was issued by, so pointing
 * HPCNET_HUB elsewhere never leaks it. Caller calls hpcnet_cli_close().
 */
int hpcnet_cli_open(struct hpcnet_cli *c, int need_token);
/* Same, for an explicit hub URL and token (either may be NULL). */
void hpcnet_cli_open_at(struct hpcnet_cli *c, const char *hub, const char *token);
void hpcnet_cli_close(struct hpcnet_cli *c);

/*
 * One JSON call. path starts with "/api/v1". body may be NULL; header is
 * an extra header line or NULL. On a 2xx answer returns 0. Otherwise
 * returns the code for the status (401 HPCNET_EAUTH, 403 HPCNET_EPERM,
 * 404 HPCNET_ENOTFOUND, 409 HPCNET_ECONFLICT, other 4xx HPCNET_EINVAL,
 * 5xx or no answer HPCNET_EUNAVAIL) and, unless flags has
 * HPCNET_CLI_QUIET, explains it on stderr. *status (may be NULL) gets
 * the HTTP status, 0 when there was no answer; *out (may be NULL) gets
 * the parsed body, the problem body on errors, NULL if not JSON; the
 * caller json_decref()s it.
 */
int hpcnet_cli_call(struct hpcnet_cli *c, const char *method, const char *path, json_t *body,
		    const char *header, unsigned flags, long *status, json_t **out);
/* Explains a failed call on stderr (what hpcnet_cli_call prints). */
void hpcnet_cli_explain(const struct hpcnet_cli *c, long status, json_t *problem,
			const char *transport_error);
/* Maps a 4xx/5xx status to the code hpcnet_cli_call returns. */
int hpcnet_cli_status_code(long status);
/* Maps 0 or a negative code to an exit status (enum hpcnet_cli_exit). */
int hpcnet_cli_exit_code(int err);

/* Percent-encodes s for a path segment or query value; caller frees. */
char *hpcnet_cli_escape(const char *s);

/* Prints v as indented JSON on stdout (the --json output). */
void hpcnet_cli_print_json(json_t *v);
/* Prints "hpcnet: " + message on stderr. */
void hpcnet_cli_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints usage on stderr and returns HPCNET_CLI_EUSAGE (for `return`). */
int hpcnet_cli_usage_error(const char *usage);

/* Field accessors that tolerate missing or null fields ("" / 0 / -1). */
const char *hpcnet_cli_str(json_t *obj, const char *key);
int64_t hpcnet_cli_int(json_t *obj, const char *key, int64_t dflt);

/* An RFC 3339 time as local "HH:MM:SS" today, "YYYY-MM-DD HH:MM" before,
 * "-" when absent or unparsable. buf holds >= 32 bytes. */
void hpcnet_cli_format_time(const char *rfc3339, char *buf, size_t len);
/* "12s ago", "5m ago", "3h ago", "2d ago"; "never" when absent. */
void hpcnet_cli_format_ago(const char *rfc3339, char *buf, size_t len);

/* A text table: columns sized to their widest cell, two spaces apart. */
struct hpcnet_table;
struct hpcnet_table *hpcnet_table_new(int ncols, const char *const *headers);
/* Adds a row of ncols cells (copied). */
void hpcnet_table_add(struct hpcnet_table *t, const char *const *cells);
void hpcnet_table_print(struct hpcnet_table *t, FILE *f);
void hpcnet_table_free(struct hpcnet_table *t);

/*
 * Reads a secret: with from_stdin, the first line of stdin; otherwise
 * prompts on /dev/tty with echo off. Returns a new string (caller frees)
 * or NULL with the reason printed (no terminal, EOF).
 */
char *hpcnet_cli_read_secret(const char *prompt, int from_stdin);
/* Prompts on /dev/tty with echo on; NULL when there is no terminal. */
char *hpcnet_cli_prompt(const char *prompt);

/* ---- listing.c: helpers of the identity verbs ---- */

/* GETs path (a list answer) and prints a table of keys (headed heads; a
 * last "*_at" column as a local time) or, with json, the JSON. 0 or <0. */
int hpcnet_cli_list(const char *path, int json, int ncols, const char *const *heads,
		    const char *const *keys);
/* Sends body (stolen, may be NULL) and prints the answer as JSON with
 * json, else `done` when not NULL. 0 or <0. */
int hpcnet_cli_write(const char *method, const char *path, json_t *body, int json,
		     const char *done);
/* Removes "--json" from anywhere in argv; 1 if it was there. */
int hpcnet_cli_take_json(int *argc, char **argv);

/* orgs.c, identity.c, audit.c */
int hpcnet_cli_orgs(int argc, char **argv);
int hpcnet_cli_projects(int argc, char **argv);
int hpcnet_cli_roles(int argc, char **argv);
int hpcnet_cli_passwd(int argc, char **argv);
int hpcnet_cli_signup(int argc, char **argv);
int hpcnet_cli_admin(int argc, char **argv);
/* `users disable NAME` / `users enable NAME` (identity.c). */
int hpcnet_cli_users_disable(int argc, char **argv);

#endif
