/* SPDX-License-Identifier: Apache-2.0 */
/* SQL for storage metering (storage_days); the rules are in
 * hub/billing/storage.h. */
#include "hpcnet/error.h"
#include "hub/store/billing_store.h"
#include "hub/store/db.h"

int hpcnet_store_storage_holders(struct hpcnet_db *db, json_t **out)
{
	/* every user the hub keeps bytes for, or metered before (their last
	 * sweep is where the next interval starts) */
	return hpcnet_db_list_json(db, out,
		"SELECT u.id AS user_id,"
		" COALESCE((SELECT SUM(j.input_bytes + j.stdout_bytes + j.stderr_bytes) FROM jobs j"
		" WHERE j.user_id = u.id), 0) AS bytes,"
		" (SELECT MAX(s.swept_at) FROM storage_days s WHERE s.user_id = u.id) AS swept_at"
		" FROM users u WHERE EXISTS (SELECT 1 FROM jobs j WHERE j.user_id = u.id)"
		" ORDER BY u.id", NULL);
}

int hpcnet_store_storage_add(struct hpcnet_db *db, const char *user_id, const char *day,
			     int64_t byte_seconds, int64_t swept_at)
{
	int rc = hpcnet_db_exec(db,
		"INSERT INTO storage_days (user_id, day, byte_seconds, swept_at) VALUES (?, ?, ?, ?)"
		" ON CONFLICT (user_id, day) DO UPDATE SET"
		" byte_seconds = storage_days.byte_seconds + excluded.byte_seconds,"
		" swept_at = excluded.swept_at WHERE storage_days.final = 0",
		"ttii", user_id, day, byte_seconds, swept_at);

	return rc < 0 ? rc : 0;
}

int hpcnet_store_storage_open_days(struct hpcnet_db *db, const char *before_day, json_t **out)
{
	return hpcnet_db_list_json(db, out, "SELECT user_id, day, byte_seconds FROM storage_days"
					    " WHERE final = 0 AND day < ? ORDER BY day, user_id"
					    " LIMIT 1000", "t", before_day);
}

int hpcnet_store_storage_close(struct hpcnet_db *db, const char *user_id, const char *day,
			       int64_t amount)
{
	int rc = hpcnet_db_exec(db, "UPDATE storage_days SET final = 1, amount = ?"
				    " WHERE user_id = ? AND day = ? AND final = 0", "itt", amount,
				user_id, day);

	return rc < 0 ? rc : 0;
}

int hpcnet_store_storage_days(struct hpcnet_db *db, const char *user_id, json_t **out)
{
	return hpcnet_db_list_json(db, out, "SELECT day, byte_seconds, amount, final"
					    " FROM storage_days WHERE user_id = ? ORDER BY day",
				   "t", user_id);
}
