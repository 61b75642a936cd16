/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /api/v1/invoices: a payer's monthly invoices, JSON or CSV (?format=csv).
 * An invoice lists every charged job of the month, one line per job and
 * resource with the billed quantity and its amount (rounded per job per
 * resource), then what the hub kept for the payer's jobs that month: one
 * "hub_storage" line per price with its byte-seconds, GiB-days, price per
 * GiB-day and the amount the days' charges took (each day rounded once,
 * as charged). The lines add up to the total; `uncollected` is what
 * charges could not take past the payer's credit limit. The payer is a user (their
 * own; platform admins: ?user=NAME) or an organization (?org=NAME: its
 * admins and platform admins), which pays for its projects' jobs.
 */
#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "hpcnet/error.h"
#include "hub/billing/pricing.h"
#include "hub/handlers.h"
#include "hub/http.h"
#include "hub/store/billing_store.h"
#include "hub/store/store.h"

/* 1 when s is YYYY-MM. */
static int period_ok(const char *s)
{
	int i;

	for (i = 0; i < 7; i++)
		if (i == 4 ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
			return 0;
	return s[7] == '\0' && (s[5] == '0' || (s[5] == '1' && s[6] <= '2')) &&
	       !(s[5] == '0' && s[6] == '0');
}

int hpcnet_period_valid(const char *s)
{
	return s && period_ok(s);
}

/* CSV field: quoted when it holds a comma, quote or line break. */
void hpcnet_csv_field(struct hpcnet_buf *b, const char *s, int last)
{
	const char *p;

	if (strpbrk(s, ",\"\r\n")) {
		hpcnet_buf_add(b, "\"", 1);
		for (p = s; *p; p++)
			hpcnet_buf_add(b, p, 1 + (*p == '"')); /* doubles a quote */
		hpcnet_buf_add(b, "\"", 1);
	} else {
		hpcnet_buf_add(b, s, strlen(s));
	}
	hpcnet_buf_add(b, last ? "\r\n" : ",", last ? 2 : 1);
}

/* The payer an invoice request names: ?org=NAME or a user. 0, or a reply
 * has been queued and <0 returned. */
static int invoice_payer(struct hpcnet_req *r, const char **kind, char id[HPCNET_ID_LEN])
{
	int org = hpcnet_usage_org(r, id);

	if (org < 0)
		return org;
	*kind = org ? "org" : "user";
	return org ? 0 : hpcnet_usage_subject(r, id, 0);
}

int hpcnet_h_invoices_list(struct hpcnet_req *r)
{
	char payer[HPCNET_ID_LEN];
	json_t *rows = NULL, *row;
	const char *kind;
	size_t i;
	int rc;

	if (invoice_payer(r, &kind, payer) < 0)
		return 0;
	rc = hpcnet_store_usage_periods(hpcnet_req_db(r), kind, payer, r->hub->billing.currency,
					&rows);
	if (rc < 0)
		return hpcnet_reply_error(r, rc);
	json_array_foreach(rows, i, row) {
		json_object_set_new(row, "payer_kind", json_string(kind));
		json_object_set_new(row, "payer_id", json_string(payer));
		json_object_set(row, "total", json_object_get(row, "amount"));
		json_object_del(row, "amount");
	}
	return hpcnet_reply_json(r, 200, json_pack("{s:o, s:n}", "items", rows, "next_cursor"));
}

/* A line's text field; "" for the fields storage lines have none of. */
static const char *text(json_t *v)
{
	return json_is_string(v) ? json_string_value(v) : "";
}

/* byte-seconds as GiB-days, six decimals, exact (no floating point). */
static void gib_days(int64_t byte_seconds, char *buf, size_t len)
{
	const int64_t gib_day = 1073741824LL * 86400;
	__int128 micro = ((__int128)byte_seconds * 1000000 + gib_day / 2) / gib_day;

	snprintf(buf, len, "%lld.%06lld", (long long)(micro / 1000000),
		 (long long)(micro % 1000000));
}

/* Appends the payer's storage lines of the period (see the top); adds
 * their amounts to *total and what was not taken to *uncollected. */
static int storage_lines(struct hpcnet_req *r, const char *kind, const char *payer,
			 json_t *lines, int64_t *total, int64_t *uncollected)
{
	json_t *rows = NULL, *row;
	char gd[40];
	size_t i;
	int rc = hpcnet_store_storage_lines(r->db, kind, payer, r->params[0], &rows);

	json_array_foreach(rows, i, row) {
		int64_t amount = json_integer_value(json_object_get(row, "amount"));
		int64_t cost = json_integer_value(json_object_get(row, "cost"));

		*total += amount;
		*uncollected += cost > amount ? cost - amount : 0;
		gib_days(json_integer_value(json_object_get(row, "byte_seconds")), gd, sizeof(gd));
		json_array_append_new(lines, json_pack("{s:n, s:n, s:n, s:s, s:s, s:O, s:s, s:s,"
						       " s:O, s:O, s:I, s:n}",
			"job_id", "job_name", "center", "resource", "hub_storage", "model", "",
			"quantity", json_object_get(row, "byte_seconds"), "unit", "byte-seconds",
			"gib_days", gd, "unit_price", json_object_get(row, "price"),
			"days", json_object_get(row, "days"), "amount", (json_int_t)amount, "day"));
	}
	json_decref(rows);
	return rc;
}

static void csv_invoice(struct hpcnet_req *r, const char *period, const char *payer,
			json_t *lines, int64_t total, int64_t uncollected)
{
	struct hpcnet_buf b = { 0 };
	char num[32], money[32];
	json_t *l;
	size_t i;

	hpcnet_buf_addf(&b, "period,payer,job_id,job_name,center,resource,model,quantity,amount,"
			    "currency,day,gib_days,unit_price\r\n");
	json_array_foreach(lines, i, l) {
		json_t *price = json_object_get(l, "unit_price");

		hpcnet_csv_field(&b, period, 0);
		hpcnet_csv_field(&b, payer, 0);
		hpcnet_csv_field(&b, text(json_object_get(l, "job_id")), 0);
		hpcnet_csv_field(&b, text(json_object_get(l, "job_name")), 0);
		hpcnet_csv_field(&b, text(json_object_get(l, "center")), 0);
		hpcnet_csv_field(&b, json_string_value(json_object_get(l, "resource")), 0);
		hpcnet_csv_field(&b, json_string_value(json_object_get(l, "model")), 0);
		snprintf(num, sizeof(num), "%lld",
			 (long long)json_integer_value(json_object_get(l, "quantity")));
		hpcnet_csv_field(&b, num, 0);
		hpcnet_money_format(json_integer_value(json_object_get(l, "amount")), money,
				    sizeof(money));
		hpcnet_csv_field(&b, money, 0);
		hpcnet_csv_field(&b, r->hub->billing.currency, 0);
		hpcnet_csv_field(&b, text(json_object_get(l, "day")), 0);
		hpcnet_csv_field(&b, text(json_object_get(l, "gib_days")), 0);
		money[0] = '\0';
		if (json_is_integer(price))
			hpcnet_money_format(json_integer_value(price), money, sizeof(money));
		hpcnet_csv_field(&b, money, 1);
	}
	hpcnet_money_format(total, money, sizeof(money));
	hpcnet_buf_addf(&b, "%s,", period);
	hpcnet_csv_field(&b, payer, 0);
	hpcnet_buf_addf(&b, "total,,,,,,%s,%s,,,\r\n", money, r->hub->billing.currency);
	if (uncollected > 0) {
		hpcnet_money_format(uncollected, money, sizeof(money));
		hpcnet_buf_addf(&b, "%s,", period);
		hpcnet_csv_field(&b, payer, 0);
		hpcnet_buf_addf(&b, "uncollected,,,,,,%s,%s,,,\r\n", money,
				r->hub->billing.currency);
	}
	hpcnet_reply_raw(r, 200, "text/csv; charset=utf-8", b.data, b.len);
	hpcnet_buf_free(&b);
}

int hpcnet_h_invoices_get(struct hpcnet_req *r)
{
	const char *format = hpcnet_req_query(r, "format"), *kind;
	char payer[HPCNET_ID_LEN], now[40];
	json_t *rows = NULL, *row, *lines, *u = NULL;
	int64_t total = 0, cost = 0, charged = 0, uncollected;
	size_t i;
	int rc;

	if (!hpcnet_period_valid(r->params[0]))
		return hpcnet_reply_problem(r, 404, "'%s' is not a month: invoices are named YYYY-MM",
					    r->params[0]);
	if (format && strcmp(format, "csv") != 0 && strcmp(format, "json") != 0)
		return hpcnet_reply_problem(r, 400, "'format' must be json or csv");
	if (invoice_payer(r, &kind, payer) < 0)
		return 0;
	rc = strcmp(kind, "org") == 0 ? hpcnet_store_org_get(hpcnet_req_db(r), payer, &u)
				       : hpcnet_store_user_by_id(hpcnet_req_db(r), payer, &u);
	if (rc == 0)
		rc = hpcnet_store_usage_lines(r->db, kind, payer, r->params[0], &rows);
	if (rc == 0)
		rc = hpcnet_store_usage_collected(r->db, kind, payer, r->params[0], &cost, &charged);
	if (rc < 0) {
		json_decref(u);
		return hpcnet_reply_error(r, rc);
	}
	lines = json_array();
	json_array_foreach(rows, i, row) {
		total += json_integer_value(json_object_get(row, "amount"));
		json_array_append_new(lines, json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O}",
			"job_id", json_object_get(row, "job_id"),
			"job_name", json_object_get(row, "job_name"),
			"center", json_object_get(row, "center_name"),
			"resource", json_object_get(row, "resource"),
			"model", json_object_get(row, "model"),
			"quantity", json_object_get(row, "billed_qty"),
			"amount", json_object_get(row, "amount"), "day", json_object_get(row, "day")));
	}
	json_decref(rows);
	uncollected = cost > charged ? cost - charged : 0;
	rc = storage_lines(r, kind, payer, lines, &total, &uncollected);
	if (rc < 0) {
		json_decref(lines);
		json_decref(u);
		return hpcnet_reply_error(r, rc);
	}
	if (format && strcmp(format, "csv") == 0) {
		csv_invoice(r, r->params[0], json_string_value(json_object_get(u, "name")), lines, total,
			    uncollected);
		json_decref(lines);
	} else {
		hpcnet_time_format(hpcnet_now_ms(), now, sizeof(now));
		hpcnet_reply_json(r, 200, json_pack("{s:s, s:{s:s, s:s, s:O}, s:s, s:o, s:I, s:I, s:s}",
			"period", r->params[0], "payer", "kind", kind, "id", payer, "name",
			json_object_get(u, "name"), "currency", r->hub->billing.currency,
			"lines", lines, "total", (json_int_t)total, "uncollected",
			(json_int_t)uncollected, "generated_at", now));
	}
	json_decref(u);
	return 0;
}
