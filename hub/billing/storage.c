/* SPDX-License-Identifier: Apache-2.0 */
/* Storage metering and its daily charge; the rules are in storage.h. */
#include <stdio.h>
#include <string.h>

#include "hpcnet/error.h"
#include "hub/billing/billing.h"
#include "hub/billing/storage.h"
#include "hub/store/billing_store.h"

#define DAY_MS 86400000LL
#define GIB_DAY (1073741824LL * 86400) /* byte-seconds in a GiB-day */

/* A payer's level held over [from, to): into the rows of the days it spans. */
static int add_held(struct hpcnet_db *db, const char *kind, const char *id, int64_t bytes,
		    int64_t from, int64_t to)
{
	char day[11];
	int rc = 0;

	while (rc == 0 && from < to) {
		int64_t end = (from / DAY_MS + 1) * DAY_MS;

		if (end > to)
			end = to;
		hpcnet_ledger_day(from, day);
		/* truncated per interval: under one byte-second lost each */
		rc = hpcnet_store_storage_add(db, kind, id, day,
					      (int64_t)((__int128)bytes * (end - from) / 1000), to);
		from = end;
	}
	return rc;
}

/* Counts the payers whose level changed or whose day ended: the level
 * they held since it was last counted, up to now. Everyone else held the
 * same bytes all along; their time is counted when that changes, or at
 * the latest after midnight, so the sweep costs what changed. */
static int meter(struct hpcnet_db *db, int64_t now)
{
	json_t *rows = NULL, *row;
	size_t i;
	int rc = hpcnet_store_storage_due(db, now / DAY_MS * DAY_MS, &rows);

	json_array_foreach(rows, i, row) {
		const char *kind = json_string_value(json_object_get(row, "payer_kind"));
		const char *id = json_string_value(json_object_get(row, "payer_id"));
		json_t *at = json_object_get(row, "metered_at");
		int64_t last = json_integer_value(at);
		int64_t held = json_integer_value(json_object_get(row, "metered"));
		char day[11];

		if (rc < 0)
			break;
		if (json_is_integer(at) && (now <= last || (now - last < HPCNET_STORAGE_SWEEP_MS &&
							    now / DAY_MS == last / DAY_MS)))
			continue; /* too soon (a day's end is always counted) */
		if (json_is_integer(at) && held > 0) {
			rc = add_held(db, kind, id, held, last, now);
		} else { /* first seen, or nothing held: metering starts now */
			hpcnet_ledger_day(now, day);
			rc = hpcnet_store_storage_add(db, kind, id, day, 0, now);
		}
		if (rc == 0)
			rc = hpcnet_store_storage_metered(db, kind, id,
							  json_integer_value(json_object_get(row, "paid")),
							  now);
	}
	json_decref(rows);
	return rc;
}

/* Charges one day that is over; 0 or <0. */
static int charge_day(struct hpcnet_db *db, const struct hpcnet_billing_cfg *cfg,
		      const char *kind, const char *payer, const char *day, int64_t byte_seconds,
		      int64_t now)
{
	char from[HPCNET_ID_LEN], to[HPCNET_ID_LEN], key[96], period[8];
	struct hpcnet_ledger_entry e[2];
	struct hpcnet_ledger_tx tx;
	struct hpcnet_balance b;
	int64_t cost = hpcnet_pricing_round_div((__int128)byte_seconds * cfg->storage_price,
						GIB_DAY);
	int64_t amount = cost;
	int rc = 0;

	if (amount > 0)
		rc = hpcnet_ledger_balance(db, kind, payer, cfg->currency, &b);
	if (rc < 0)
		return rc;
	if (amount > 0 && amount > b.available) /* never past the credit limit */
		amount = b.available > 0 ? b.available : 0;
	if (amount > 0) {
		rc = hpcnet_ledger_account(db, kind, payer, "main", cfg->currency, now, from);
		if (rc == 0)
			rc = hpcnet_ledger_account(db, "platform", "platform", "main", cfg->currency,
						   now, to);
		if (rc < 0)
			return rc;
		e[0] = (struct hpcnet_ledger_entry){ from, -amount };
		e[1] = (struct hpcnet_ledger_entry){ to, amount };
		/* ids carry their kind (usr_, org_): one key space for both */
		snprintf(key, sizeof(key), "storage:%s:%s", payer, day);
		snprintf(period, sizeof(period), "%.7s", day);
		tx = (struct hpcnet_ledger_tx){ .key = key, .kind = "charge", .period = period,
						.memo = "storage", .now = now, .e = e, .n = 2 };
		rc = hpcnet_ledger_post(db, &tx);
		if (rc < 0)
			return rc;
	}
	return hpcnet_store_storage_close(db, kind, payer, day, cfg->storage_price, cost, amount);
}

int hpcnet_billing_storage_sweep(struct hpcnet_db *db, const struct hpcnet_billing_cfg *cfg,
				 int64_t now)
{
	json_t *rows = NULL, *row;
	char today[11];
	size_t i;
	int rc = meter(db, now), n = 0;

	if (rc < 0)
		return rc;
	hpcnet_ledger_day(now, today);
	rc = hpcnet_store_storage_open_days(db, today, &rows);
	json_array_foreach(rows, i, row) {
		if (rc < 0)
			break;
		rc = charge_day(db, cfg, json_string_value(json_object_get(row, "payer_kind")),
				json_string_value(json_object_get(row, "payer_id")),
				json_string_value(json_object_get(row, "day")),
				json_integer_value(json_object_get(row, "byte_seconds")), now);
		n += rc == 0;
	}
	json_decref(rows);
	return rc < 0 ? rc : n;
}
