/* SPDX-License-Identifier: Apache-2.0 */
/* SQL for storage metering (stored_bytes, storage_days); the rules are in
 * hub/billing/storage.h, the kept sums in migration 012. */
#include "hpcnet/error.h"
#include "hub/store/billing_store.h"
#include "hub/store/db.h"

static int done(int rc)
{
	return rc < 0 ? rc : 0;
}

int hpcnet_store_storage_due(struct hpcnet_db *db, int64_t day_start, json_t **out)
{
	/* Two partial-index reads: payers whose level moved since it was last
	 * counted, and payers holding bytes not counted since before today.
	 * Everyone else's day so far is metered level x time, nothing to do.
	 * No ORDER BY: sorting would make SQLite walk the whole table in key
	 * order instead. */
	return hpcnet_db_list_json(db, out,
		"SELECT scope_kind AS payer_kind, scope_id AS payer_id, paid, metered, metered_at"
		" FROM stored_bytes WHERE paid != metered AND scope_kind != 'project'"
		" UNION ALL"
		" SELECT scope_kind, scope_id, paid, metered, metered_at FROM stored_bytes"
		" WHERE metered > 0 AND metered_at < ? AND paid = metered", "i", day_start);
}

int hpcnet_store_storage_metered(struct hpcnet_db *db, const char *payer_kind,
				 const char *payer_id, int64_t level, int64_t at)
{
	return done(hpcnet_db_exec(db, "UPDATE stored_bytes SET metered = ?, metered_at = ?"
				       " WHERE scope_kind = ? AND scope_id = ?", "iitt", level, at,
				   payer_kind, payer_id));
}

int hpcnet_store_storage_add(struct hpcnet_db *db, const char *payer_kind, const char *payer_id,
			     const char *day, int64_t byte_seconds, int64_t swept_at)
{
	return done(hpcnet_db_exec(db,
		"INSERT INTO storage_days (payer_kind, payer_id, day, byte_seconds, swept_at)"
		" VALUES (?, ?, ?, ?, ?) ON CONFLICT (payer_kind, payer_id, day) DO UPDATE SET"
		" byte_seconds = storage_days.byte_seconds + excluded.byte_seconds,"
		" swept_at = excluded.swept_at WHERE storage_days.final = 0",
		"tttii", payer_kind, payer_id, day, byte_seconds, swept_at));
}

int hpcnet_store_storage_open_days(struct hpcnet_db *db, const char *before_day, json_t **out)
{
	return hpcnet_db_list_json(db, out, "SELECT payer_kind, payer_id, day, byte_seconds"
					    " FROM storage_days WHERE final = 0 AND day < ?"
					    " ORDER BY day, payer_kind, payer_id LIMIT 1000",
				   "t", before_day);
}

int hpcnet_store_storage_close(struct hpcnet_db *db, const char *payer_kind, const char *payer_id,
			       const char *day, int64_t price, int64_t cost, int64_t amount)
{
	return done(hpcnet_db_exec(db, "UPDATE storage_days SET final = 1, price = ?, cost = ?,"
				       " amount = ? WHERE payer_kind = ? AND payer_id = ? AND day = ?"
				       " AND final = 0", "iiittt", price, cost, amount, payer_kind,
				   payer_id, day));
}

int hpcnet_store_storage_days(struct hpcnet_db *db, const char *payer_kind, const char *payer_id,
			      json_t **out)
{
	return hpcnet_db_list_json(db, out, "SELECT day, byte_seconds, amount, final"
					    " FROM storage_days WHERE payer_kind = ? AND payer_id = ?"
					    " ORDER BY day", "tt", payer_kind, payer_id);
}

int hpcnet_store_storage_lines(struct hpcnet_db *db, const char *payer_kind, const char *payer_id,
			       const char *period, json_t **out)
{
	/* one line per price the month's days were charged at (a price change
	 * mid-month makes two); days before migration 012 have none. "+final":
	 * read the payer's days by key, not every payer's closed days through
	 * storage_days_open. */
	return hpcnet_db_list_json(db, out,
		"SELECT price, COUNT(*) AS days, SUM(byte_seconds) AS byte_seconds,"
		" SUM(COALESCE(cost, amount)) AS cost, SUM(amount) AS amount FROM storage_days"
		" WHERE payer_kind = ? AND payer_id = ? AND day >= ? || '-01' AND day <= ? || '-31'"
		" AND +final = 1 GROUP BY price ORDER BY price", "tttt", payer_kind, payer_id, period,
		period);
}
