/* SPDX-License-Identifier: Apache-2.0 */
/* SQL for centers: registration, join tokens, agent credentials, heartbeats. */
#include "common/clock.h"
#include "hpcnet/error.h"
#include "hub/store/store.h"

#define CENTER_COLS "id, name, status, adapter, agent_version, caps, created_at," \
	" last_heartbeat_at, has_snapshot, total_cores, free_cores, total_memory_bytes," \
	" free_memory_bytes, total_gpus, free_gpus, queue_length, running, health, health_reason," \
	" snapshot, drain_requested"

int hpcnet_store_center_create(struct hpcnet_db *db, const char *id, const char *name,
			       const char *join_hash, int64_t join_expires_at)
{
	int rc = hpcnet_db_exec(db, "INSERT INTO centers (id, name, status, join_token_hash,"
				    " join_token_expires_at, created_at) VALUES (?, ?, 'new', ?, ?, ?)",
				"tttii", id, name, join_hash, join_expires_at, hpcnet_now_ms());

	return rc < 0 ? rc : 0;
}

int hpcnet_store_center_get(struct hpcnet_db *db, const char *id_or_name, json_t **out)
{
	int rc = hpcnet_db_get_json(db, out, "SELECT " CENTER_COLS " FROM centers"
					     " WHERE id = ? OR name = ?", "tt", id_or_name, id_or_name);

	return rc == 0 ? HPCNET_ENOTFOUND : rc < 0 ? rc : 0;
}

int hpcnet_store_center_list(struct hpcnet_db *db, json_t **out)
{
	return hpcnet_db_list_json(db, out, "SELECT " CENTER_COLS " FROM centers ORDER BY name", NULL);
}

int hpcnet_store_center_set_join(struct hpcnet_db *db, const char *id, const char *join_hash,
				 int64_t expires_at)
{
	int rc = hpcnet_db_exec(db, "UPDATE centers SET join_token_hash = ?, join_token_expires_at = ?"
				    " WHERE id = ?", "tit", join_hash, expires_at, id);

	return rc < 0 ? rc : rc == 0 ? HPCNET_ENOTFOUND : 0;
}

int hpcnet_store_center_join(struct hpcnet_db *db, const char *join_hash, const char *agent_hash,
			     const char *adapter, const char *version, int64_t now,
			     json_t **center)
{
	int rc;

	*center = NULL;
	rc = hpcnet_db_get_json(db, center, "SELECT " CENTER_COLS " FROM centers"
					    " WHERE join_token_hash = ? AND join_token_expires_at > ?",
				"ti", join_hash, now);
	if (rc == 0) {
		/* Spent by this very credential: the same join again (the agent
		 * lost the answer). Until a new join token replaces it. */
		rc = hpcnet_db_get_json(db, center, "SELECT " CENTER_COLS " FROM centers"
					" WHERE join_token_hash = ? AND join_token_expires_at IS NULL"
					" AND agent_token_hash = ?", "tt", join_hash, agent_hash);
		return rc < 0 ? rc : rc ? 2 : 0;
	}
	if (rc < 0)
		return rc;
	/* Spending the join token and setting the credential in one statement:
	 * a join token can never produce two credentials. The spent token's
	 * hash stays (without an expiry) to recognize a repeated join. */
	rc = hpcnet_db_exec(db, "UPDATE centers SET join_token_expires_at = NULL,"
				" agent_token_hash = ?, adapter = ?, agent_version = ?"
				" WHERE id = ? AND join_token_hash = ? AND join_token_expires_at IS NOT NULL",
			    "ttttt", agent_hash, adapter, version,
			    json_string_value(json_object_get(*center, "id")), join_hash);
	if (rc <= 0) {
		json_decref(*center);
		*center = NULL;
	}
	return rc < 0 ? rc : rc > 0;
}

int hpcnet_store_center_by_agent(struct hpcnet_db *db, const char *agent_hash, json_t **out)
{
	int rc = hpcnet_db_get_json(db, out, "SELECT id, name, status FROM centers"
					     " WHERE agent_token_hash = ?", "t", agent_hash);

	return rc == 0 ? HPCNET_ENOTFOUND : rc < 0 ? rc : 0;
}

static int64_t res(json_t *r, const char *k)
{
	json_int_t v = json_integer_value(json_object_get(r, k));

	return v < 0 ? 0 : v;
}

int hpcnet_store_center_heartbeat(struct hpcnet_db *db, const char *id,
				  const struct hpcnet_center_beat *b, int64_t now)
{
	json_t *r = b->resources;
	int rc = hpcnet_db_exec(db,
		"UPDATE centers SET last_heartbeat_at = ?, has_snapshot = 1, caps = ?, status = 'online',"
		" health = ?, health_reason = ?, snapshot = ?,"
		" total_cores = ?, free_cores = ?, total_memory_bytes = ?, free_memory_bytes = ?,"
		" total_gpus = ?, free_gpus = ?, queue_length = ?, running = ? WHERE id = ?",
		"ittttiiiiiiiit", now, b->caps_json, b->health, b->reason,
		b->snapshot_json, res(r, "total_cores"), res(r, "free_cores"),
		res(r, "total_memory_bytes"), res(r, "free_memory_bytes"), res(r, "total_gpus"),
		res(r, "free_gpus"), res(r, "queue_length"), res(r, "running"), id);

	return rc < 0 ? rc : rc == 0 ? HPCNET_ENOTFOUND : 0;
}

int hpcnet_store_center_set_drain(struct hpcnet_db *db, const char *id, int drain)
{
	int rc = hpcnet_db_exec(db, "UPDATE centers SET drain_requested = ? WHERE id = ?", "it",
				(int64_t)drain, id);

	return rc < 0 ? rc : rc == 0 ? HPCNET_ENOTFOUND : 0;
}

int hpcnet_store_center_expire(struct hpcnet_db *db, int64_t cutoff)
{
	return hpcnet_db_exec(db, "UPDATE centers SET status = 'offline'"
				  " WHERE status = 'online' AND last_heartbeat_at < ?", "i", cutoff);
}
