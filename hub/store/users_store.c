/* SPDX-License-Identifier: Apache-2.0 */
/* SQL for users and their API tokens. */
#include "common/clock.h"
#include "hpcnet/error.h"
#include "hub/store/store.h"

/* get_json's 1/0 as 0/HPCNET_ENOTFOUND. */
static int found(int rc)
{
	return rc == 0 ? HPCNET_ENOTFOUND : rc < 0 ? rc : 0;
}

int hpcnet_store_user_create(struct hpcnet_db *db, const char *id, const char *name,
			     const char *pwhash, const char *role)
{
	int rc = hpcnet_db_exec(db, "INSERT INTO users (id, name, password_hash, role, created_at)"
				    " VALUES (?, ?, ?, ?, ?)",
				"tttti", id, name, pwhash, role, hpcnet_now_ms());

	return rc < 0 ? rc : 0;
}

#define USER_COLS "id, name, role, password_hash, disabled, created_at"

int hpcnet_store_user_by_name(struct hpcnet_db *db, const char *name, json_t **out)
{
	return found(hpcnet_db_get_json(db, out, "SELECT " USER_COLS " FROM users WHERE name = ?",
					"t", name));
}

int hpcnet_store_user_by_id(struct hpcnet_db *db, const char *id, json_t **out)
{
	return found(hpcnet_db_get_json(db, out, "SELECT " USER_COLS " FROM users WHERE id = ?",
					"t", id));
}

int hpcnet_store_user_list(struct hpcnet_db *db, json_t **out)
{
	return hpcnet_db_list_json(db, out, "SELECT id, name, role, disabled, created_at"
					    " FROM users ORDER BY name", NULL);
}

int hpcnet_store_user_count(struct hpcnet_db *db, int64_t *n)
{
	int rc = hpcnet_db_get_int(db, n, "SELECT COUNT(*) FROM users", NULL);

	return rc < 0 ? rc : 0;
}

int hpcnet_store_token_create(struct hpcnet_db *db, const char *id, const char *hash,
			      const char *user_id, const char *name, int64_t expires_at)
{
	int rc = hpcnet_db_exec(db, "INSERT INTO tokens (id, hash, user_id, name, created_at, expires_at)"
				    " VALUES (?, ?, ?, ?, ?, ?)",
				"ttttii", id, hash, user_id, name, hpcnet_now_ms(), expires_at);

	return rc < 0 ? rc : 0;
}

int hpcnet_store_token_lookup(struct hpcnet_db *db, const char *hash, json_t **out)
{
	return found(hpcnet_db_get_json(db, out,
		"SELECT t.id AS token_id, t.user_id, u.name AS user_name, u.role, t.expires_at,"
		" t.revoked_at, t.last_used_at, u.disabled FROM tokens t JOIN users u ON u.id = t.user_id"
		" WHERE t.hash = ?", "t", hash));
}

int hpcnet_store_token_list(struct hpcnet_db *db, const char *user_id, json_t **out)
{
	return hpcnet_db_list_json(db, out,
		"SELECT id, name, created_at, expires_at, revoked_at, last_used_at FROM tokens"
		" WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ? ORDER BY id",
		"ti", user_id, hpcnet_now_ms());
}

int hpcnet_store_token_touch(struct hpcnet_db *db, const char *id, int64_t now, int64_t every_ms)
{
	return hpcnet_db_exec(db, "UPDATE tokens SET last_used_at = ? WHERE id = ?"
				  " AND (last_used_at IS NULL OR last_used_at <= ?)", "iti", now, id,
			      now - every_ms);
}

int hpcnet_store_token_revoke(struct hpcnet_db *db, const char *user_id, const char *id)
{
	return hpcnet_db_exec(db, "UPDATE tokens SET revoked_at = ? WHERE id = ? AND user_id = ?"
				  " AND revoked_at IS NULL", "itt", hpcnet_now_ms(), id, user_id);
}
