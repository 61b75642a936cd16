/* SPDX-License-Identifier: Apache-2.0 */
/* `hpcnet admin audit [verify]`: the platform's audit log. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/xalloc.h"
#include "hpcnet/error.h"

static const char admin_usage[] =
	"Usage: hpcnet admin audit [--user USER] [--object ID] [--from TIME] [--to TIME]\n"
	"                          [--limit N] [--json]    (platform admin) the audit log\n"
	"       hpcnet admin audit verify [--json]         check its hash chain; exits 1\n"
	"                                                  naming the first bad row\n"
	"TIME is RFC 3339, e.g. 2026-12-01T08:00:00Z.\n";

static void add_query(char **q, const char *name, const char *value)
{
	char *e = hpcnet_cli_escape(value), *next;

	next = hpcnet_xasprintf("%s%s%s=%s", *q, strchr(*q, '?') ? "&" : "?", name, e);
	free(*q);
	free(e);
	*q = next;
}

static int verify(int json)
{
	struct hpcnet_cli c;
	json_t *resp = NULL;
	int rc;

	memset(&c, 0, sizeof(c));
	rc = hpcnet_cli_open(&c, 1);
	if (rc == 0)
		rc = hpcnet_cli_call(&c, "POST", "/api/v1/audit/verify", NULL, NULL, 0, NULL, &resp);
	if (rc == 0) {
		if (json)
			hpcnet_cli_print_json(resp);
		else
			printf("%s (%lld rows checked)\n", hpcnet_cli_str(resp, "detail"),
			       (long long)hpcnet_cli_int(resp, "rows_checked", 0));
		if (!json_is_true(json_object_get(resp, "ok")))
			rc = HPCNET_EINVAL; /* a broken chain is a failure for scripts */
	}
	json_decref(resp);
	hpcnet_cli_close(&c);
	return rc;
}

int hpcnet_cli_admin(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "user", required_argument, NULL, 'u' },
		{ "object", required_argument, NULL, 'o' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "limit", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const h[] = { "SEQ", "ACTOR", "IP", "METHOD", "ROUTE", "OBJECT", "STATUS",
					 "AT" };
	static const char *const k[] = { "seq", "actor_name", "source_ip", "method", "route",
					 "object_id", "status", "at" };
	int json = hpcnet_cli_take_json(&argc, argv), ch, rc;
	char *path;

	if (argc < 2 || strcmp(argv[1], "audit") != 0) {
		if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
			fputs(admin_usage, stdout);
			return HPCNET_EXIT_OK;
		}
		return hpcnet_cli_exit_code(hpcnet_cli_usage_error(admin_usage));
	}
	if (argc == 3 && !strcmp(argv[2], "verify"))
		return hpcnet_cli_exit_code(verify(json));
	path = hpcnet_xstrdup("/api/v1/audit");
	optind = 0;
	argc--;
	argv++;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'u': add_query(&path, "user", optarg); break;
		case 'o': add_query(&path, "object", optarg); break;
		case 'f': add_query(&path, "from", optarg); break;
		case 't': add_query(&path, "to", optarg); break;
		case 'l': add_query(&path, "limit", optarg); break;
		case 'h': fputs(admin_usage, stdout); free(path); return HPCNET_EXIT_OK;
		default: free(path); return hpcnet_cli_exit_code(hpcnet_cli_usage_error(admin_usage));
		}
	}
	if (optind != argc) {
		free(path);
		return hpcnet_cli_exit_code(hpcnet_cli_usage_error(admin_usage));
	}
	rc = hpcnet_cli_list(path, json, 8, h, k);
	free(path);
	return hpcnet_cli_exit_code(rc);
}
