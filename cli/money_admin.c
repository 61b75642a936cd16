/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Money administration: `hpcnet accounts` (list, topup, credit),
 * `hpcnet prices` (list, set, approve, reject) and `hpcnet settlement`
 * (a month's earnings per center, payouts). The hub decides who may (a
 * platform admin tops up and approves prices; a center's operator sets its
 * prices); these verbs parse amounts without floating point and name
 * accounts as the API does: user:NAME, org:NAME, center:NAME, platform.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/money.h"
#include "common/xalloc.h"

static const char accounts_usage[] =
	"Usage: hpcnet accounts [--json]                       (admin) every account\n"
	"       hpcnet accounts show ACCOUNT [--json]\n"
	"       hpcnet accounts topup ACCOUNT AMOUNT [--memo TEXT] [--key KEY]\n"
	"       hpcnet accounts credit ACCOUNT LIMIT\n"
	"ACCOUNT is user:NAME, org:NAME, center:NAME, platform or an acc_... id.\n"
	"AMOUNT and LIMIT are in the platform currency with up to two decimals\n"
	"(12.50). A top-up with --key is applied once, however often it is sent.\n";

static void print_accounts(json_t *v)
{
	static const char *const head[] = { "ACCOUNT", "BALANCE", "HELD", "CREDIT", "AVAILABLE",
					    "CURRENCY" };
	struct hpcnet_table *t = hpcnet_table_new(6, head);
	char name[200], b[32], h[32], c[32], a[32];
	json_t *row;
	size_t i;

	json_array_foreach(json_object_get(v, "items"), i, row) {
		snprintf(name, sizeof(name), "%s:%s", hpcnet_cli_str(row, "owner_kind"),
			 hpcnet_cli_str(row, "owner_name"));
		hpcnet_cli_money(hpcnet_cli_int(row, "balance", 0), b, sizeof(b));
		hpcnet_cli_money(hpcnet_cli_int(row, "held", 0), h, sizeof(h));
		hpcnet_cli_money(hpcnet_cli_int(row, "credit_limit", 0), c, sizeof(c));
		hpcnet_cli_money(hpcnet_cli_int(row, "available", 0), a, sizeof(a));
		hpcnet_table_add(t, (const char *const[]){ name, b, h, c, a,
							   hpcnet_cli_str(row, "currency") });
	}
	hpcnet_table_print(t, stdout);
	hpcnet_table_free(t);
}

/* Prints one object with a list printer. */
static void print_one(void (*print)(json_t *), json_t *obj)
{
	json_t *wrap = json_pack("{s:[O]}", "items", obj);

	print(wrap);
	json_decref(wrap);
}

static void print_account(json_t *a)
{
	print_one(print_accounts, a);
}

int hpcnet_cli_accounts(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "memo", required_argument, NULL, 'm' }, { "key", required_argument, NULL, 'k' },
		{ "json", no_argument, NULL, 'j' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *memo = NULL, *key = NULL, *sub = argc > 1 && argv[1][0] != '-' ? argv[1] : NULL;
	int64_t amount = 0;
	json_t *body = NULL;
	char *path = NULL, *e = NULL, *hdr = NULL;
	int json = 0, ch, rc, want;

	optind = sub ? 2 : 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'm': memo = optarg; break;
		case 'k': key = optarg; break;
		case 'j': json = 1; break;
		case 'h': fputs(accounts_usage, stdout); return HPCNET_EXIT_OK;
		default: return hpcnet_cli_exit_code(hpcnet_cli_usage_error(accounts_usage));
		}
	}
	want = !sub ? 0 : strcmp(sub, "show") == 0 ? 1 : 2;
	if (argc - optind != want || (sub && strcmp(sub, "show") && strcmp(sub, "topup") &&
				      strcmp(sub, "credit")) ||
	    (want == 2 && hpcnet_cli_parse_money(argv[optind + 1], &amount) < 0))
		return hpcnet_cli_exit_code(hpcnet_cli_usage_error(accounts_usage));
	if (!sub)
		return hpcnet_cli_get_print("/api/v1/accounts", json, print_accounts);
	e = hpcnet_cli_escape(argv[optind]);
	if (strcmp(sub, "show") == 0) {
		path = hpcnet_xasprintf("/api/v1/accounts/%s", e);
		rc = hpcnet_cli_get_print(path, json, print_account);
	} else if (strcmp(sub, "topup") == 0) {
		path = hpcnet_xasprintf("/api/v1/accounts/%s/topup", e);
		body = json_pack("{s:I}", "amount", (json_int_t)amount);
		if (memo)
			json_object_set_new(body, "memo", json_string(memo));
		hdr = key ? hpcnet_xasprintf("Idempotency-Key: %s", key) : NULL;
		rc = hpcnet_cli_call_print("POST", path, body, hdr, json, print_account);
	} else {
		path = hpcnet_xasprintf("/api/v1/accounts/%s/credit-limit", e);
		body = json_pack("{s:I}", "credit_limit", (json_int_t)amount);
		rc = hpcnet_cli_call_print("POST", path, body, NULL, json, print_account);
	}
	json_decref(body);
	free(hdr);
	free(path);
	free(e);
	return rc;
}

static const char prices_usage[] =
	"Usage: hpcnet prices [CENTER] [--json]         price lists (in force marked *)\n"
	"       hpcnet prices set CENTER FILE [--from TIME]   (the center's operator)\n"
	"       hpcnet prices approve ID | reject ID          (platform admin)\n"
	"FILE (or - for stdin) holds the items as JSON, e.g.\n"
	"  [{\"resource\": \"core_hour\", \"price\": 12},\n"
	"   {\"resource\": \"gpu_hour\", \"model\": \"a100\", \"price\": 250},\n"
	"   {\"resource\": \"memory_gib_hour\", \"tiers\": [{\"up_to\": 1000, \"price\": 2}, {\"price\": 1}]}]\n"
	"Prices are integers in minor units (cents) per unit. A new list waits for a\n"
	"platform admin's approval and applies from --from (RFC 3339; default now).\n";

static void print_prices(json_t *v)
{
	static const char *const head[] = { "ID", "CENTER", "STATUS", "FROM", "ITEMS" };
	struct hpcnet_table *t = hpcnet_table_new(5, head);
	json_t *row, *it;
	size_t i, k;

	json_array_foreach(json_object_get(v, "items"), i, row) {
		struct hpcnet_buf items = { 0 };
		char from[40], status[32];

		json_array_foreach(json_object_get(row, "items"), k, it) {
			hpcnet_buf_addf(&items, "%s%s%s%s=", k ? ", " : "", hpcnet_cli_str(it, "resource"),
					*hpcnet_cli_str(it, "model") ? ":" : "", hpcnet_cli_str(it, "model"));
			if (json_object_get(it, "tiers"))
				hpcnet_buf_addf(&items, "tiered");
			else
				hpcnet_buf_addf(&items, "%lld", (long long)hpcnet_cli_int(it, "price", 0));
		}
		hpcnet_cli_format_time(hpcnet_cli_str(row, "effective_from"), from, sizeof(from));
		snprintf(status, sizeof(status), "%s%s", hpcnet_cli_str(row, "status"),
			 json_is_true(json_object_get(row, "in_force")) ? " *" : "");
		hpcnet_table_add(t, (const char *const[]){ hpcnet_cli_str(row, "id"),
							   hpcnet_cli_str(row, "center"), status, from,
							   items.data ? items.data : "" });
		hpcnet_buf_free(&items);
	}
	if (json_array_size(json_object_get(v, "items")) == 0)
		printf("No price lists: jobs run free until a center's prices are approved.\n");
	else
		hpcnet_table_print(t, stdout);
	hpcnet_table_free(t);
}

static void print_price(json_t *p)
{
	print_one(print_prices, p);
}

int hpcnet_cli_prices(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' }, { "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *sub = argc > 1 && argv[1][0] != '-' ? argv[1] : NULL, *from = NULL;
	json_t *items = NULL, *body = NULL;
	json_error_t err;
	char *path = NULL, *e = NULL;
	int json = 0, ch, rc, set, decide;

	set = sub && strcmp(sub, "set") == 0;
	decide = sub && (strcmp(sub, "approve") == 0 || strcmp(sub, "reject") == 0);
	optind = set || decide ? 2 : 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'f': from = optarg; break;
		case 'j': json = 1; break;
		case 'h': fputs(prices_usage, stdout); return HPCNET_EXIT_OK;
		default: return hpcnet_cli_exit_code(hpcnet_cli_usage_error(prices_usage));
		}
	}
	if (argc - optind != (set ? 2 : decide ? 1 : sub ? 1 : 0))
		return hpcnet_cli_exit_code(hpcnet_cli_usage_error(prices_usage));
	e = optind < argc ? hpcnet_cli_escape(argv[optind]) : NULL;
	if (!set && !decide) {
		path = sub ? hpcnet_xasprintf("/api/v1/centers/%s/prices", e)
			   : hpcnet_xstrdup("/api/v1/prices");
		rc = hpcnet_cli_get_print(path, json, print_prices);
	} else if (decide) {
		path = hpcnet_xasprintf("/api/v1/prices/%s/%s", e, sub);
		rc = hpcnet_cli_call_print("POST", path, NULL, NULL, json, print_price);
	} else {
		const char *file = argv[optind + 1];

		items = strcmp(file, "-") == 0 ? json_loadf(stdin, 0, &err) : json_load_file(file, 0, &err);
		if (!items) {
			hpcnet_cli_errorf("%s: line %d: %s", file, err.line, err.text);
			rc = HPCNET_EXIT_USAGE;
			goto out;
		}
		/* a file may hold the items or a whole {"items": [...]} body */
		body = json_is_object(items) ? json_incref(items) : json_pack("{s:O}", "items", items);
		if (from)
			json_object_set_new(body, "effective_from", json_string(from));
		path = hpcnet_xasprintf("/api/v1/centers/%s/prices", e);
		rc = hpcnet_cli_call_print("POST", path, body, NULL, json, print_price);
		if (rc == 0 && !json)
			printf("Waiting for a platform admin: hpcnet prices approve ID\n");
	}
out:
	json_decref(items);
	json_decref(body);
	free(path);
	free(e);
	return rc;
}

static const char settlement_usage[] =
	"Usage: hpcnet settlement PERIOD [--csv | --json]     (platform admin)\n"
	"       hpcnet settlement PERIOD --payout\n"
	"What the month's (YYYY-MM) charges brought each center: earned (its prices\n"
	"x usage), the platform's commission, the merchant's share and the center's\n"
	"net. --payout pays each center its net out of the platform, once per month.\n";

static void print_settlement(json_t *v)
{
	static const char *const head[] = { "CENTER", "JOBS", "EARNED", "COMMISSION", "MERCHANT",
					    "NET" };
	struct hpcnet_table *t = hpcnet_table_new(6, head);
	char jobs[24], e[32], c[32], m[32], n[32];
	json_t *row;
	size_t i;

	printf("Settlement %s (%s, commission %s %%)\n\n", hpcnet_cli_str(v, "period"),
	       hpcnet_cli_str(v, "currency"), hpcnet_cli_str(v, "commission_percent"));
	json_array_foreach(json_object_get(v, "centers"), i, row) {
		snprintf(jobs, sizeof(jobs), "%lld", (long long)hpcnet_cli_int(row, "jobs", 0));
		hpcnet_cli_money(hpcnet_cli_int(row, "earned", 0), e, sizeof(e));
		hpcnet_cli_money(hpcnet_cli_int(row, "platform_commission", 0), c, sizeof(c));
		hpcnet_cli_money(hpcnet_cli_int(row, "merchant_share", 0), m, sizeof(m));
		hpcnet_cli_money(hpcnet_cli_int(row, "net", 0), n, sizeof(n));
		hpcnet_table_add(t, (const char *const[]){ hpcnet_cli_str(row, "center"), jobs, e, c,
							   m, n });
	}
	hpcnet_table_print(t, stdout);
	hpcnet_table_free(t);
}

static void print_payouts(json_t *v)
{
	json_t *row;
	char a[32];
	size_t i;

	json_array_foreach(json_object_get(v, "payouts"), i, row) {
		hpcnet_cli_money(hpcnet_cli_int(row, "amount", 0), a, sizeof(a));
		printf("%s: %s %s (%s)\n", hpcnet_cli_str(row, "center"), a,
		       hpcnet_cli_str(v, "currency"), hpcnet_cli_str(row, "result"));
	}
}

int hpcnet_cli_settlement(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "csv", no_argument, NULL, 'c' }, { "payout", no_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int json = 0, csv = 0, payout = 0, ch, rc;
	char *path, *e;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': csv = 1; break;
		case 'p': payout = 1; break;
		case 'j': json = 1; break;
		case 'h': fputs(settlement_usage, stdout); return HPCNET_EXIT_OK;
		default: return hpcnet_cli_exit_code(hpcnet_cli_usage_error(settlement_usage));
		}
	}
	if (optind + 1 != argc || csv + payout > 1)
		return hpcnet_cli_exit_code(hpcnet_cli_usage_error(settlement_usage));
	e = hpcnet_cli_escape(argv[optind]);
	if (payout) {
		path = hpcnet_xasprintf("/api/v1/settlements/%s/payouts", e);
		rc = hpcnet_cli_call_print("POST", path, NULL, NULL, json, print_payouts);
	} else if (csv) {
		path = hpcnet_xasprintf("/api/v1/settlements/%s?format=csv", e);
		rc = hpcnet_cli_get_raw(path);
	} else {
		path = hpcnet_xasprintf("/api/v1/settlements/%s", e);
		rc = hpcnet_cli_get_print(path, json, print_settlement);
	}
	free(path);
	free(e);
	return rc;
}
