/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /api/v1/settlements/{period}: what the month's charges brought each
 * center (its prices x usage: earned, of which the platform's commission
 * and the merchant's share, the rest net to the center), JSON or CSV.
 * Built from the ledger's charge transactions of the month, so it agrees
 * with the accounts to the minor unit. .../payouts pays each center's net
 * of the month out of the platform (once per center and month).
 * Administrators only.
 */
#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "hpcnet/error.h"
#include "hub/billing/billing.h"
#include "hub/handlers.h"
#include "hub/http.h"
#include "hub/store/billing_store.h"

static void csv_settlement(struct hpcnet_req *r, const char *period, json_t *centers)
{
	struct hpcnet_buf b = { 0 };
	char e[32], c[32], m[32], n[32];
	json_t *row;
	size_t i;

	hpcnet_buf_addf(&b, "period,center,jobs,earned,platform_commission,merchant_share,net,"
			    "currency\r\n");
	json_array_foreach(centers, i, row) {
		hpcnet_money_format(json_integer_value(json_object_get(row, "earned")), e, sizeof(e));
		hpcnet_money_format(json_integer_value(json_object_get(row, "platform_commission")), c,
				    sizeof(c));
		hpcnet_money_format(json_integer_value(json_object_get(row, "merchant_share")), m,
				    sizeof(m));
		hpcnet_money_format(json_integer_value(json_object_get(row, "net")), n, sizeof(n));
		hpcnet_buf_addf(&b, "%s,", period);
		hpcnet_csv_field(&b, json_string_value(json_object_get(row, "center")), 0);
		hpcnet_buf_addf(&b, "%lld,%s,%s,%s,%s,%s\r\n",
				(long long)json_integer_value(json_object_get(row, "jobs")), e, c, m, n,
				r->hub->billing.currency);
	}
	hpcnet_reply_raw(r, 200, "text/csv; charset=utf-8", b.data, b.len);
	hpcnet_buf_free(&b);
}

int hpcnet_h_settlements_get(struct hpcnet_req *r)
{
	const char *format = hpcnet_req_query(r, "format");
	json_t *rows = NULL, *row, *centers;
	int64_t earned = 0, comm = 0, merchant = 0;
	char pct[48], now[40];
	size_t i;
	int rc;

	if (!hpcnet_period_valid(r->params[0]))
		return hpcnet_reply_problem(r, 404, "'%s' is not a month: settlements are named"
					    " YYYY-MM", r->params[0]);
	if (format && strcmp(format, "csv") != 0 && strcmp(format, "json") != 0)
		return hpcnet_reply_problem(r, 400, "'format' must be json or csv");
	rc = hpcnet_store_settlement(hpcnet_req_db(r), r->params[0], &rows);
	if (rc < 0)
		return hpcnet_reply_error(r, rc);
	centers = json_array();
	json_array_foreach(rows, i, row) {
		int64_t net = json_integer_value(json_object_get(row, "net"));
		int64_t c = json_integer_value(json_object_get(row, "commission"));
		int64_t m = json_integer_value(json_object_get(row, "merchant"));

		earned += net + c + m;
		comm += c;
		merchant += m;
		json_array_append_new(centers, json_pack("{s:O, s:O, s:O, s:I, s:I, s:I, s:I}",
			"center_id", json_object_get(row, "center_id"),
			"center", json_object_get(row, "center"), "jobs", json_object_get(row, "jobs"),
			"earned", (json_int_t)(net + c + m), "platform_commission", (json_int_t)c,
			"merchant_share", (json_int_t)m, "net", (json_int_t)net));
	}
	json_decref(rows);
	if (format && strcmp(format, "csv") == 0) {
		csv_settlement(r, r->params[0], centers);
		json_decref(centers);
		return 0;
	}
	snprintf(pct, sizeof(pct), "%lld.%02lld", (long long)(r->hub->billing.commission_bp / 100),
		 (long long)(r->hub->billing.commission_bp % 100));
	hpcnet_time_format(hpcnet_now_ms(), now, sizeof(now));
	return hpcnet_reply_json(r, 200, json_pack("{s:s, s:s, s:s, s:o, s:I, s:I, s:I, s:[], s:s}",
		"period", r->params[0], "currency", r->hub->billing.currency,
		"commission_percent", pct, "centers", centers, "total_earned", (json_int_t)earned,
		"platform_commission", (json_int_t)comm, "merchant_share", (json_int_t)merchant,
		"merchants", "generated_at", now));
}

struct payout_write {
	const struct hpcnet_billing_cfg *billing;
	const char *period, *by;
	json_t *out; /* [{center_id, center, amount, result}] */
};

static int payout_fn(struct hpcnet_db *db, void *arg)
{
	struct payout_write *w = arg;
	json_t *rows = NULL, *row;
	size_t i;
	int rc = hpcnet_store_settlement(db, w->period, &rows);

	json_array_clear(w->out);
	json_array_foreach(rows, i, row) {
		int64_t paid = 0;

		if (rc < 0)
			break;
		rc = hpcnet_billing_payout(db, w->billing, json_string_value(json_object_get(row,
								"center_id")),
					   w->period, w->by, hpcnet_now_ms(), &paid);
		if (rc >= 0)
			json_array_append_new(w->out, json_pack("{s:O, s:O, s:I, s:s}",
				"center_id", json_object_get(row, "center_id"),
				"center", json_object_get(row, "center"), "amount", (json_int_t)paid,
				"result", rc == 1 ? "paid before" : paid ? "paid" : "nothing to pay"));
	}
	json_decref(rows);
	return rc < 0 ? rc : 0;
}

int hpcnet_h_settlements_payout(struct hpcnet_req *r)
{
	struct payout_write w = { .billing = &r->hub->billing, .period = r->params[0],
				  .by = r->user_id, .out = json_array() };
	int rc;

	if (!hpcnet_period_valid(r->params[0])) {
		json_decref(w.out);
		return hpcnet_reply_problem(r, 404, "'%s' is not a month: settlements are named"
					    " YYYY-MM", r->params[0]);
	}
	rc = hpcnet_req_write(r, payout_fn, &w);
	if (rc < 0) {
		json_decref(w.out);
		return hpcnet_reply_error(r, rc);
	}
	return hpcnet_reply_json(r, 200, json_pack("{s:s, s:s, s:o}", "period", r->params[0],
						   "currency", r->hub->billing.currency, "payouts", w.out));
}
