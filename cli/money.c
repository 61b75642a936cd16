/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What things cost, for the person paying: `hpcnet balance`, `hpcnet usage`,
 * `hpcnet invoices` and `hpcnet quota`. Amounts come from the hub as
 * integers in minor units and are shown with two decimals (hpcnet prints,
 * never computes, money). Admin verbs that move money live in
 * money_admin.c.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/money.h"
#include "common/xalloc.h"

void hpcnet_cli_money(int64_t minor, char *buf, size_t len)
{
	uint64_t a = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;

	snprintf(buf, len, "%s%llu.%02llu", minor < 0 ? "-" : "", (unsigned long long)(a / 100),
		 (unsigned long long)(a % 100));
}

int hpcnet_cli_parse_money(const char *s, int64_t *minor)
{
	int64_t whole = 0;
	int frac = 0, nf = 0, nw = 0;

	for (; *s >= '0' && *s <= '9' && nw < 15; s++, nw++)
		whole = whole * 10 + (*s - '0');
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9' && nf < 2; s++, nf++)
			frac = frac * 10 + (*s - '0');
	if (nw == 0 || *s)
		return HPCNET_EINVAL;
	*minor = whole * 100 + (nf == 1 ? frac * 10 : frac);
	return 0;
}

int hpcnet_cli_call_print(const char *method, const char *path, json_t *body, const char *header,
			  int json, void (*print)(json_t *))
{
	struct hpcnet_cli c;
	json_t *out = NULL;
	int rc;

	memset(&c, 0, sizeof(c));
	rc = hpcnet_cli_open(&c, 1);
	if (rc == 0)
		rc = hpcnet_cli_call(&c, method, path, body, header, 0, NULL, &out);
	if (rc == 0 && json)
		hpcnet_cli_print_json(out);
	else if (rc == 0 && print)
		print(out);
	json_decref(out);
	hpcnet_cli_close(&c);
	return hpcnet_cli_exit_code(rc);
}

int hpcnet_cli_get_print(const char *path, int json, void (*print)(json_t *))
{
	return hpcnet_cli_call_print("GET", path, NULL, NULL, json, print);
}

int hpcnet_cli_get_raw(const char *path)
{
	struct hpcnet_cli c;
	struct hpcnet_http_resp r;
	int rc;

	memset(&c, 0, sizeof(c));
	rc = hpcnet_cli_open(&c, 1);
	if (rc < 0)
		goto out;
	rc = hpcnet_httpc_request(c.http, "GET", path, NULL, NULL, 0, NULL, &r);
	if (rc == 0 && (r.status < 200 || r.status > 299)) {
		json_t *p = json_loadb(r.body.data, r.body.len, 0, NULL);

		rc = hpcnet_cli_status_code(r.status);
		hpcnet_cli_explain(&c, r.status, p, r.error);
		json_decref(p);
	} else if (rc == 0) {
		fwrite(r.body.data, 1, r.body.len, stdout);
	} else {
		hpcnet_cli_explain(&c, 0, NULL, r.error);
	}
	hpcnet_http_resp_free(&r);
out:
	hpcnet_cli_close(&c);
	return hpcnet_cli_exit_code(rc);
}

/* Appends "&name=value" (escaped) when value is set. */
static void add_q(struct hpcnet_buf *b, const char *name, const char *value)
{
	char *e;

	if (!value)
		return;
	e = hpcnet_cli_escape(value);
	hpcnet_buf_addf(b, "%c%s=%s", strchr(b->data, '?') ? '&' : '?', name, e);
	free(e);
}

/* ---- balance ---- */

static const char balance_usage[] =
	"Usage: hpcnet balance [--org NAME] [--json]\n"
	"Your account (or, for its admins, an organization's): the balance, what\n"
	"unfinished jobs hold, the credit limit and what is available for new jobs.\n"
	"A job's hold is its request for its whole walltime at the dearest center\n"
	"that could run it; the unused part comes back when it ends.\n";

static void print_balance(json_t *a)
{
	char b[32], h[32], cl[32], av[32];
	const char *cur = hpcnet_cli_str(a, "currency");

	hpcnet_cli_money(hpcnet_cli_int(a, "balance", 0), b, sizeof(b));
	hpcnet_cli_money(hpcnet_cli_int(a, "held", 0), h, sizeof(h));
	hpcnet_cli_money(hpcnet_cli_int(a, "credit_limit", 0), cl, sizeof(cl));
	hpcnet_cli_money(hpcnet_cli_int(a, "available", 0), av, sizeof(av));
	printf("%s %s\n", hpcnet_cli_str(a, "owner_kind"), hpcnet_cli_str(a, "owner_name"));
	printf("  balance       %12s %s\n", b, cur);
	printf("  held by jobs  %12s %s\n", h, cur);
	printf("  credit limit  %12s %s\n", cl, cur);
	printf("  available     %12s %s\n", av, cur);
}

int hpcnet_cli_balance(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "org", required_argument, NULL, 'o' }, { "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *org = NULL;
	char *path, *e;
	int json = 0, ch, rc;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'o': org = optarg; break;
		case 'j': json = 1; break;
		case 'h': fputs(balance_usage, stdout); return HPCNET_EXIT_OK;
		default: return hpcnet_cli_exit_code(hpcnet_cli_usage_error(balance_usage));
		}
	}
	if (optind != argc)
		return hpcnet_cli_exit_code(hpcnet_cli_usage_error(balance_usage));
	e = org ? hpcnet_cli_escape(org) : NULL;
	path = e ? hpcnet_xasprintf("/api/v1/accounts/org:%s", e) : hpcnet_xstrdup("/api/v1/accounts/me");
	rc = hpcnet_cli_get_print(path, json, print_balance);
	free(path);
	free(e);
	return rc;
}

/* ---- usage ---- */

static const char usage_usage[] =
	"Usage: hpcnet usage [--by center|user|project|day|job|period] [--since YYYY-MM-DD]\n"
	"                    [--until YYYY-MM-DD] [--user NAME] [--org NAME] [--json]\n"
	"Metered usage and what it cost, summed by center (default). Quantities in\n"
	"hours (core, GPU), GiB-hours (memory, storage) or GiB (traffic). FLAGGED\n"
	"counts records where the center's figure and the hub's check disagree.\n"
	"Admins: --user NAME for one user (default everyone); org admins: --org NAME.\n";

/* "12.50 h" style: base units over a divisor, two decimals, no floats. */
static void quantity(json_t *row, char *buf, size_t len)
{
	const char *res = hpcnet_cli_str(row, "resource");
	int64_t q = hpcnet_cli_int(row, "billed_qty", 0), div = 3600;
	const char *unit = "h";

	if (strcmp(res, "memory") == 0) {
		div = 1024LL * 3600;
		unit = "GiB-h";
	} else if (strcmp(res, "storage") == 0) {
		div = 1024LL * 3600;
		unit = "GiB-h";
	} else if (strcmp(res, "hub_storage") == 0) { /* an invoice's: byte-seconds */
		div = (1LL << 30) * 86400;
		unit = "GiB-d";
	} else if (strncmp(res, "net", 3) == 0) {
		div = 1LL << 30;
		unit = "GiB";
	}
	snprintf(buf, len, "%lld.%02lld %s", (long long)(q / div),
		 (long long)((q % div) * 100 / div), unit);
}

static void print_usage_rows(json_t *u)
{
	static const char *const head[] = { "KEY", "RESOURCE", "USED", "AMOUNT", "JOBS", "FLAGGED" };
	struct hpcnet_table *t = hpcnet_table_new(6, head);
	json_t *row, *items = json_object_get(u, "items");
	int64_t total = 0;
	char q[48], a[32], jobs[24], fl[24], res[64], tot[32];
	size_t i;

	json_array_foreach(items, i, row) {
		quantity(row, q, sizeof(q));
		hpcnet_cli_money(hpcnet_cli_int(row, "amount", 0), a, sizeof(a));
		total += hpcnet_cli_int(row, "amount", 0);
		snprintf(jobs, sizeof(jobs), "%lld", (long long)hpcnet_cli_int(row, "jobs", 0));
		snprintf(fl, sizeof(fl), "%lld", (long long)hpcnet_cli_int(row, "flagged", 0));
		snprintf(res, sizeof(res), "%s%s%s", hpcnet_cli_str(row, "resource"),
			 *hpcnet_cli_str(row, "model") ? ":" : "", hpcnet_cli_str(row, "model"));
		hpcnet_table_add(t, (const char *const[]){ *hpcnet_cli_str(row, "key")
							   ? hpcnet_cli_str(row, "key") : "-",
							   res, q, a, jobs, fl });
	}
	if (json_array_size(items) == 0) {
		printf("No usage yet.\n");
	} else {
		hpcnet_table_print(t, stdout);
		hpcnet_cli_money(total, tot, sizeof(tot));
		printf("total %s %s\n", tot, hpcnet_cli_str(u, "currency"));
	}
	hpcnet_table_free(t);
}

int hpcnet_cli_usage(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "by", required_argument, NULL, 'b' }, { "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' }, { "user", required_argument, NULL, 'U' },
		{ "org", required_argument, NULL, 'o' }, { "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *by = NULL, *since = NULL, *until = NULL, *user = NULL, *org = NULL;
	struct hpcnet_buf p = { 0 };
	int json = 0, ch, rc;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'b': by = optarg; break;
		case 's': since = optarg; break;
		case 'u': until = optarg; break;
		case 'U': user = optarg; break;
		case 'o': org = optarg; break;
		case 'j': json = 1; break;
		case 'h': fputs(usage_usage, stdout); return HPCNET_EXIT_OK;
		default: return hpcnet_cli_exit_code(hpcnet_cli_usage_error(usage_usage));
		}
	}
	if (optind != argc)
		return hpcnet_cli_exit_code(hpcnet_cli_usage_error(usage_usage));
	hpcnet_buf_addf(&p, "/api/v1/usage");
	add_q(&p, "by", by);
	add_q(&p, "since", since);
	add_q(&p, "until", until);
	add_q(&p, "user", user);
	add_q(&p, "org", org);
	rc = hpcnet_cli_get_print(p.data, json, print_usage_rows);
	hpcnet_buf_free(&p);
	return rc;
}

/* ---- invoices ---- */

static const char invoices_usage[] =
	"Usage: hpcnet invoices [PERIOD] [--csv] [--org NAME] [--user NAME] [--json]\n"
	"Without PERIOD, lists your monthly invoices; with PERIOD (YYYY-MM), shows\n"
	"that month's invoice line by line (--csv: as CSV for a spreadsheet).\n"
	"Org admins: --org NAME for the organization's; admins: --user NAME.\n";

static void print_invoice_list(json_t *v)
{
	static const char *const head[] = { "PERIOD", "JOBS", "TOTAL", "CURRENCY" };
	struct hpcnet_table *t = hpcnet_table_new(4, head);
	json_t *row;
	char jobs[24], tot[32];
	size_t i;

	json_array_foreach(json_object_get(v, "items"), i, row) {
		snprintf(jobs, sizeof(jobs), "%lld", (long long)hpcnet_cli_int(row, "jobs", 0));
		hpcnet_cli_money(hpcnet_cli_int(row, "total", 0), tot, sizeof(tot));
		hpcnet_table_add(t, (const char *const[]){ hpcnet_cli_str(row, "period"), jobs, tot,
							   hpcnet_cli_str(row, "currency") });
	}
	if (json_array_size(json_object_get(v, "items")) == 0)
		printf("No invoices yet: nothing has been charged.\n");
	else
		hpcnet_table_print(t, stdout);
	hpcnet_table_free(t);
}

static void print_invoice(json_t *v)
{
	static const char *const head[] = { "JOB", "NAME", "CENTER", "RESOURCE", "USED", "AMOUNT" };
	struct hpcnet_table *t = hpcnet_table_new(6, head);
	json_t *l, *payer = json_object_get(v, "payer");
	char q[48], a[32], res[64], tot[32];
	size_t i;

	printf("Invoice %s for %s %s\n\n", hpcnet_cli_str(v, "period"), hpcnet_cli_str(payer, "kind"),
	       hpcnet_cli_str(payer, "name"));
	json_array_foreach(json_object_get(v, "lines"), i, l) {
		json_t *row = json_pack("{s:O, s:O}", "resource", json_object_get(l, "resource"),
					"billed_qty", json_object_get(l, "quantity"));

		quantity(row, q, sizeof(q));
		json_decref(row);
		hpcnet_cli_money(hpcnet_cli_int(l, "amount", 0), a, sizeof(a));
		snprintf(res, sizeof(res), "%s%s%s", hpcnet_cli_str(l, "resource"),
			 *hpcnet_cli_str(l, "model") ? ":" : "", hpcnet_cli_str(l, "model"));
		hpcnet_table_add(t, (const char *const[]){ *hpcnet_cli_str(l, "job_id")
							   ? hpcnet_cli_str(l, "job_id") : "-",
							   hpcnet_cli_str(l, "job_name"),
							   hpcnet_cli_str(l, "center"), res, q, a });
	}
	hpcnet_table_print(t, stdout);
	hpcnet_table_free(t);
	hpcnet_cli_money(hpcnet_cli_int(v, "total", 0), tot, sizeof(tot));
	printf("\ntotal %s %s\n", tot, hpcnet_cli_str(v, "currency"));
}

int hpcnet_cli_invoices(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "csv", no_argument, NULL, 'c' }, { "org", required_argument, NULL, 'o' },
		{ "user", required_argument, NULL, 'U' }, { "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *org = NULL, *user = NULL;
	struct hpcnet_buf p = { 0 };
	int json = 0, csv = 0, ch, rc;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': csv = 1; break;
		case 'o': org = optarg; break;
		case 'U': user = optarg; break;
		case 'j': json = 1; break;
		case 'h': fputs(invoices_usage, stdout); return HPCNET_EXIT_OK;
		default: return hpcnet_cli_exit_code(hpcnet_cli_usage_error(invoices_usage));
		}
	}
	if (optind + 1 < argc || (csv && optind == argc))
		return hpcnet_cli_exit_code(hpcnet_cli_usage_error(invoices_usage));
	if (optind < argc) {
		char *e = hpcnet_cli_escape(argv[optind]);

		hpcnet_buf_addf(&p, "/api/v1/invoices/%s", e);
		free(e);
	} else {
		hpcnet_buf_addf(&p, "/api/v1/invoices");
	}
	add_q(&p, "org", org);
	add_q(&p, "user", user);
	if (csv) {
		add_q(&p, "format", "csv");
		rc = hpcnet_cli_get_raw(p.data);
	} else {
		rc = hpcnet_cli_get_print(p.data, json, optind < argc ? print_invoice
								       : print_invoice_list);
	}
	hpcnet_buf_free(&p);
	return rc;
}

/* ---- quota ---- */

static const char quota_usage[] =
	"Usage: hpcnet quota [--user NAME] [--json]\n"
	"       hpcnet quota set SCOPE RESOURCE LIMIT [--period month|lifetime]\n"
	"                        [--gpu-model MODEL] [--soft]\n"
	"       hpcnet quota rm ID\n"
	"Shows use against every quota that binds you, your organizations and their\n"
	"projects (reserved: what unfinished jobs may still use). `set` (admins; org\n"
	"admins for their org and its projects): SCOPE is user:NAME, org:NAME,\n"
	"project:ORG/NAME or role:ROLE (user, admin, org_admin, center_operator,\n"
	"merchant: a default for everyone holding it); RESOURCE is concurrent_jobs, core_hours,\n"
	"gpu_hours or storage_bytes. A job past a quota is refused at submit; past a\n"
	"--soft one it is accepted and waits in the queue, with the reason, for room.\n";

static void print_quotas(json_t *v)
{
	static const char *const head[] = { "SCOPE", "RESOURCE", "PERIOD", "LIMIT", "USED",
					    "RESERVED", "LEFT", "ID" };
	struct hpcnet_table *t = hpcnet_table_new(8, head);
	json_t *q;
	char scope[192], res[80], lim[48], used[32], resv[32], left[32];
	size_t i;

	json_array_foreach(json_object_get(v, "items"), i, q) {
		snprintf(scope, sizeof(scope), "%s:%s", hpcnet_cli_str(q, "scope"),
			 hpcnet_cli_str(q, "scope_name"));
		snprintf(res, sizeof(res), "%s%s%s", hpcnet_cli_str(q, "resource"),
			 *hpcnet_cli_str(q, "gpu_model") ? ":" : "", hpcnet_cli_str(q, "gpu_model"));
		snprintf(lim, sizeof(lim), "%lld %s%s", (long long)hpcnet_cli_int(q, "limit", 0),
			 hpcnet_cli_str(q, "unit"),
			 json_is_true(json_object_get(q, "soft")) ? " (soft)" : "");
		snprintf(used, sizeof(used), "%lld", (long long)hpcnet_cli_int(q, "used", 0));
		snprintf(resv, sizeof(resv), "%lld", (long long)hpcnet_cli_int(q, "reserved", 0));
		snprintf(left, sizeof(left), "%lld", (long long)hpcnet_cli_int(q, "left", 0));
		hpcnet_table_add(t, (const char *const[]){ scope, res, hpcnet_cli_str(q, "period"),
							   lim, used, resv, left,
							   hpcnet_cli_str(q, "id") });
	}
	if (json_array_size(json_object_get(v, "items")) == 0)
		printf("No quotas bind you.\n");
	else
		hpcnet_table_print(t, stdout);
	hpcnet_table_free(t);
}

static void print_quota_set(json_t *q)
{
	printf("quota %s of %s: %lld (%s%s)\n", hpcnet_cli_str(q, "resource"),
	       hpcnet_cli_str(q, "scope"), (long long)hpcnet_cli_int(q, "limit", 0),
	       hpcnet_cli_str(q, "period"), json_is_true(json_object_get(q, "soft")) ? ", soft" : "");
}

static int quota_set(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "period", required_argument, NULL, 'p' }, { "gpu-model", required_argument, NULL, 'g' },
		{ "soft", no_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *period = NULL, *model = NULL;
	json_t *body;
	int64_t limit;
	int json = 0, soft = 0, ch, rc;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 's': soft = 1; break;
		case 'p': period = optarg; break;
		case 'g': model = optarg; break;
		case 'j': json = 1; break;
		case 'h': fputs(quota_usage, stdout); return HPCNET_EXIT_OK;
		default: return hpcnet_cli_exit_code(hpcnet_cli_usage_error(quota_usage));
		}
	}
	if (optind + 3 != argc || sscanf(argv[optind + 2], "%lld", (long long *)&limit) != 1)
		return hpcnet_cli_exit_code(hpcnet_cli_usage_error(quota_usage));
	body = json_pack("{s:s, s:s, s:I}", "scope", argv[optind], "resource", argv[optind + 1],
			 "limit", (json_int_t)limit);
	if (period)
		json_object_set_new(body, "period", json_string(period));
	if (model)
		json_object_set_new(body, "gpu_model", json_string(model));
	if (soft)
		json_object_set_new(body, "soft", json_true());
	rc = hpcnet_cli_call_print("POST", "/api/v1/quotas", body, NULL, json, print_quota_set);
	json_decref(body);
	return rc;
}

static int quota_rm(int argc, char **argv)
{
	char *path, *e;
	int rc;

	if (argc != 2)
		return hpcnet_cli_exit_code(hpcnet_cli_usage_error(quota_usage));
	e = hpcnet_cli_escape(argv[1]);
	path = hpcnet_xasprintf("/api/v1/quotas/%s", e);
	rc = hpcnet_cli_call_print("DELETE", path, NULL, NULL, 0, NULL);
	if (rc == HPCNET_EXIT_OK)
		printf("removed quota %s\n", argv[1]);
	free(path);
	free(e);
	return rc;
}

int hpcnet_cli_quota(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "user", required_argument, NULL, 'U' }, { "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *user = NULL;
	struct hpcnet_buf p = { 0 };
	int json = 0, ch, rc;

	if (argc > 1 && strcmp(argv[1], "set") == 0)
		return quota_set(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "rm") == 0)
		return quota_rm(argc - 1, argv + 1);
	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'U': user = optarg; break;
		case 'j': json = 1; break;
		case 'h': fputs(quota_usage, stdout); return HPCNET_EXIT_OK;
		default: return hpcnet_cli_exit_code(hpcnet_cli_usage_error(quota_usage));
		}
	}
	if (optind != argc)
		return hpcnet_cli_exit_code(hpcnet_cli_usage_error(quota_usage));
	hpcnet_buf_addf(&p, "/api/v1/quotas");
	add_q(&p, "user", user);
	rc = hpcnet_cli_get_print(p.data, json, print_quotas);
	hpcnet_buf_free(&p);
	return rc;
}
