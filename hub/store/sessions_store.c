/* SPDX-License-Identifier: Apache-2.0 */
/* SQL for the portal's cookie sessions (see migrations/005_sessions.sql). */
#include "hpcnet/error.h"
#include "hub/store/store.h"

int hpcnet_store_session_create(struct hpcnet_db *db, const char *id, const char *hash,
				const char *user_id, const char *user_agent, int64_t now,
				int64_t expires_at)
{
	int rc;

	/* Sign-in is the natural moment to sweep sessions nobody can use any
	 * more; the index on expires_at keeps it cheap. */
	rc = hpcnet_db_exec(db, "DELETE FROM sessions WHERE expires_at < ?", "i", now);
	if (rc < 0)
		return rc;
	rc = hpcnet_db_exec(db, "INSERT INTO sessions (id, hash, user_id, created_at, last_seen_at,"
				" expires_at, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?)",
			    "tttiiit", id, hash, user_id, now, now, expires_at, user_agent);
	return rc < 0 ? rc : 0;
}

int hpcnet_store_session_lookup(struct hpcnet_db *db, const char *hash, json_t **out)
{
	int rc = hpcnet_db_get_json(db, out,
		"SELECT s.id AS session_id, s.user_id, u.name AS user_name, u.role, s.expires_at,"
		" s.last_seen_at, s.revoked_at, u.disabled FROM sessions s"
		" JOIN users u ON u.id = s.user_id WHERE s.hash = ?", "t", hash);

	return rc == 0 ? HPCNET_ENOTFOUND : rc < 0 ? rc : 0;
}

int hpcnet_store_session_touch(struct hpcnet_db *db, const char *id, int64_t now)
{
	return hpcnet_db_exec(db, "UPDATE sessions SET last_seen_at = ? WHERE id = ?"
				  " AND last_seen_at < ?", "iti", now, id, now);
}

int hpcnet_store_session_revoke(struct hpcnet_db *db, const char *id, int64_t now)
{
	return hpcnet_db_exec(db, "UPDATE sessions SET revoked_at = ? WHERE id = ?"
				  " AND revoked_at IS NULL", "it", now, id);
}
