/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store's domain operations: every SQL statement of the hub lives in
 * the hub/store/ files behind these functions, one file per resource. They take a
 * borrowed connection; the caller owns transactions where several calls
 * must commit together. Rows come back as JSON objects keyed by column,
 * times as integer milliseconds (the resource files shape them for the API).
 *
 * Errors: 0 (or a count), HPCNET_ENOTFOUND, HPCNET_EEXIST, HPCNET_ESTORE.
 */
#ifndef HPCNET_STORE_H
#define HPCNET_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/xalloc.h"
#include "hub/store/db.h"

/* users */
int hpcnet_store_user_create(struct hpcnet_db *db, const char *id, const char *name,
			     const char *pwhash, const char *role);
/* {id,name,role,password_hash,disabled,created_at} */
int hpcnet_store_user_by_name(struct hpcnet_db *db, const char *name, json_t **out);
int hpcnet_store_user_by_id(struct hpcnet_db *db, const char *id, json_t **out);
int hpcnet_store_user_list(struct hpcnet_db *db, json_t **out);
int hpcnet_store_user_count(struct hpcnet_db *db, int64_t *n);

/* tokens */
int hpcnet_store_token_create(struct hpcnet_db *db, const char *id, const char *hash,
			      const char *user_id, const char *name, int64_t expires_at);
/* The live token with this hash joined with its user:
 * {token_id,user_id,user_name,role,expires_at,revoked_at,disabled}. */
int hpcnet_store_token_lookup(struct hpcnet_db *db, const char *hash, json_t **out);
int hpcnet_store_token_list(struct hpcnet_db *db, const char *user_id, json_t **out);
/* Revokes the user's token id: 1 revoked, 0 not found/not theirs. */
int hpcnet_store_token_revoke(struct hpcnet_db *db, const char *user_id, const char *id);

/* sessions: the portal's cookie sessions (the secret stored as SHA-256) */
/* Also deletes sessions past their absolute expiry. */
int hpcnet_store_session_create(struct hpcnet_db *db, const char *id, const char *hash,
				const char *user_id, const char *user_agent, int64_t now,
				int64_t expires_at);
/* The session with this hash joined with its user: {session_id,user_id,
 * user_name,role,expires_at,last_seen_at,revoked_at,disabled}. */
int hpcnet_store_session_lookup(struct hpcnet_db *db, const char *hash, json_t **out);
/* Records use of the session at now (never moves last_seen_at back). 1/0. */
int hpcnet_store_session_touch(struct hpcnet_db *db, const char *id, int64_t now);
/* Signs the session out: 1 revoked, 0 unknown or already revoked. */
int hpcnet_store_session_revoke(struct hpcnet_db *db, const char *id, int64_t now);

/* centers */
int hpcnet_store_center_create(struct hpcnet_db *db, const char *id, const char *name,
			       const char *join_hash, int64_t join_expires_at);
/* By id or name. */
int hpcnet_store_center_get(struct hpcnet_db *db, const char *id_or_name, json_t **out);
int hpcnet_store_center_list(struct hpcnet_db *db, json_t **out);
int hpcnet_store_center_set_join(struct hpcnet_db *db, const char *id, const char *join_hash,
				 int64_t expires_at);
/* Spends a join token: sets the agent credential hash. 1 joined, 0 no
 * such (or expired) token. *center gets the center row. */
int hpcnet_store_center_join(struct hpcnet_db *db, const char *join_hash, const char *agent_hash,
			     const char *adapter, const char *version, int64_t now,
			     json_t **center);
/* The center whose agent credential has this hash: {id,name,status}. */
int hpcnet_store_center_by_agent(struct hpcnet_db *db, const char *agent_hash, json_t **out);
/* What a heartbeat carries (strings and JSON borrowed). */
struct hpcnet_center_beat {
	json_t *resources;          /* {total_cores, free_cores, ...} */
	const char *caps_json;      /* ["cancel", "hold", ...] */
	const char *health;         /* "ok" | "degraded" */
	const char *reason;         /* why degraded, "" if ok */
	const char *snapshot_json;  /* the full snapshot (GPU pools, est. wait ...) */
};
/* Stores a heartbeat; an offline/new center comes online. */
int hpcnet_store_center_heartbeat(struct hpcnet_db *db, const char *id,
				  const struct hpcnet_center_beat *b, int64_t now);
/* Sets or clears an admin's drain request (no new jobs; waiting ones recalled). */
int hpcnet_store_center_set_drain(struct hpcnet_db *db, const char *id, int drain);
/* Marks centers silent since before `cutoff` offline; returns how many. */
int hpcnet_store_center_expire(struct hpcnet_db *db, int64_t cutoff);

/* jobs */
struct hpcnet_job_row {
	const char *id, *user_id, *name, *script, *env_json, *files_json;
	const char *center_requested; /* center id or NULL */
	int cores, gpus;
	int64_t memory_bytes, walltime_seconds, submitted_at;
	const char *gpu_model, *partition, *account, *qos; /* NULL = center default */
};
int hpcnet_store_job_insert(struct hpcnet_db *db, const struct hpcnet_job_row *j);
/* Full row joined with user and center names. */
int hpcnet_store_job_get(struct hpcnet_db *db, const char *id, json_t **out);
/* Newest first, keyset on id. Filters may be NULL; submitted in
 * [since_ms, until_ms), either HPCNET_DB_NULL for no bound. */
int hpcnet_store_job_list(struct hpcnet_db *db, const char *user_id, const char *state,
			  const char *center_id, const char *before_id, int64_t since_ms,
			  int64_t until_ms, int64_t limit, json_t **out);
int hpcnet_store_job_events(struct hpcnet_db *db, const char *id, json_t **out);
int hpcnet_store_job_event_add(struct hpcnet_db *db, const char *id, const char *state,
			       int64_t at, const char *detail);
/* Moves the job to state with reason, if it is still in `from`. 1 moved, 0 not. */
int hpcnet_store_job_set_state(struct hpcnet_db *db, const char *id, const char *from,
			       const char *to, const char *reason, int64_t now);
int hpcnet_store_job_request_cancel(struct hpcnet_db *db, const char *id, int64_t now);
/* Applies an agent's report fields (already validated as a legal transition). */
struct hpcnet_job_report {
	const char *job_id, *state, *reason;
	const char *control_done, *control_error; /* outcome of a control request */
	int64_t started_at, ended_at;  /* 0 = unknown */
	int has_exit;
	int exit_code, signal;
	double cpu_seconds;           /* < 0 = unknown */
	int64_t max_rss_bytes;        /* < 0 = unknown */
};
int hpcnet_store_job_apply_report(struct hpcnet_db *db, const struct hpcnet_job_report *rep,
				  int64_t now);
/* Dispatch: queued -> dispatched on center with the placement reason. 1/0. */
int hpcnet_store_job_dispatch(struct hpcnet_db *db, const char *id, const char *center_id,
			      const char *reason, int64_t now);
/* Queued jobs, oldest first: {id,cores,memory_bytes,gpus,gpu_model,center_requested}. */
int hpcnet_store_job_queued(struct hpcnet_db *db, int64_t limit, json_t **out);
/* Per center and GPU model: {center_id, gpu_model, cores, memory_bytes, gpus,
 * waiting, waiting_cores} of active jobs (sum a center's rows for its totals). */
int hpcnet_store_job_load(struct hpcnet_db *db, json_t **out);
/* Orders for a center: dispatched, not cancel-requested, full spec. */
int hpcnet_store_job_orders(struct hpcnet_db *db, const char *center_id, int64_t limit,
			    json_t **out);
/* Job ids the center must cancel. */
int hpcnet_store_job_cancels(struct hpcnet_db *db, const char *center_id, json_t **out);
/* Records that an orders answer carried this job (first time only). */
int hpcnet_store_job_mark_delivered(struct hpcnet_db *db, const char *job_id, int64_t now);
/* Dispatched jobs whose order never left the hub go back to queued: safe,
 * the center cannot have them. Returns how many. */
int hpcnet_store_job_replace_undelivered(struct hpcnet_db *db, const char *center_id,
					 const char *reason, int64_t now);
/* Asks the center to give back jobs it has not started (delivered
 * dispatched, pending, held). Returns how many were newly asked. */
int hpcnet_store_job_request_recall(struct hpcnet_db *db, const char *center_id,
				    const char *reason, int64_t now);
/* Job ids the center must give back: [{id}]. */
int hpcnet_store_job_recalls(struct hpcnet_db *db, const char *center_id, json_t **out);
/* The center gave the job back unstarted: queued again, no center. 1/0. */
int hpcnet_store_job_recalled(struct hpcnet_db *db, const char *id, const char *reason,
			      int64_t now);
/* A user's hold/release/suspend/resume/requeue for the center to carry out. */
int hpcnet_store_job_request_control(struct hpcnet_db *db, const char *id, const char *action,
				     int64_t now);
/* [{job_id, action}] the center must carry out. */
int hpcnet_store_job_controls(struct hpcnet_db *db, const char *center_id, json_t **out);
/* Clears the request if it is still `action`. */
int hpcnet_store_job_control_done(struct hpcnet_db *db, const char *id, const char *action);

/* idempotency */
/* {body_sha256, job_id} for (user, key), 1 found / 0 not. */
int hpcnet_store_idem_get(struct hpcnet_db *db, const char *user_id, const char *key,
			  json_t **out);
int hpcnet_store_idem_put(struct hpcnet_db *db, const char *user_id, const char *key,
			  const char *body_sha256, const char *job_id, int64_t now);

/* output */
/* Appends at offset (see docs/API.md); *length gets the stored total.
 * HPCNET_ECONFLICT when offset leaves a gap. */
int hpcnet_store_output_append(struct hpcnet_db *db, const char *job_id, const char *stream,
			       int64_t offset, const void *data, size_t len, int64_t *length);
/* Reads up to max bytes from offset into buf; *total gets the length. */
int hpcnet_store_output_read(struct hpcnet_db *db, const char *job_id, const char *stream,
			     int64_t offset, size_t max, struct hpcnet_buf *buf, int64_t *total);

#endif
