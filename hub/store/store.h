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
/* Sets the token's last_used_at to now unless it was set in the last
 * every_ms (concurrent first uses write it once). Rows changed or < 0. */
int hpcnet_store_token_touch(struct hpcnet_db *db, const char *id, int64_t now, int64_t every_ms);
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
 * such (or expired) token, 2 this token was already spent by this very
 * agent_hash (a repeated join: nothing changes). *center gets the center
 * row (1 and 2). */
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
	const char *project_id, *org_id; /* NULL: a personal job */
};
int hpcnet_store_job_insert(struct hpcnet_db *db, const struct hpcnet_job_row *j);
/* What the hub keeps of the job's input: its script and files, in bytes
 * (jobs.input_bytes, counted by storage_bytes quotas). */
int64_t hpcnet_store_job_input_bytes(const struct hpcnet_job_row *j);
/* What hpcnet_store_job_get and hpcnet_store_job_events would read back
 * for a job hpcnet_store_job_insert just wrote, built without reading:
 * the submit's answer. n holds the names the read would join in. */
struct hpcnet_job_names {
	const char *user, *center_requested, *project; /* the last two NULL when unset */
};
void hpcnet_store_job_inserted(const struct hpcnet_job_row *j, const struct hpcnet_job_names *n,
			       json_t **row, json_t **events);
/* Full row joined with user and center names. */
int hpcnet_store_job_get(struct hpcnet_db *db, const char *id, json_t **out);
/* Newest first, keyset on id. Filters may be NULL; submitted in
 * [since_ms, until_ms), either HPCNET_DB_NULL for no bound. */
int hpcnet_store_job_list(struct hpcnet_db *db, const char *user_id, const char *state,
			  const char *center_id, const char *before_id, int64_t since_ms,
			  int64_t until_ms, int64_t limit, json_t **out);
/* A list as one caller sees it: the flags say which jobs are visible
 * (from the permission table's scope), the rest are filters (NULL = any). */
struct hpcnet_job_query {
	const char *caller;
	int all, own, org_admin, center;
	const char *user_id, *state, *center_id, *before_id;
	int64_t since_ms, until_ms; /* submitted in [since, until); HPCNET_DB_NULL = open */
	int64_t limit;
};
int hpcnet_store_job_list_visible(struct hpcnet_db *db, const struct hpcnet_job_query *q,
				  json_t **out);
int hpcnet_store_job_events(struct hpcnet_db *db, const char *id, json_t **out);
/* Adds the event unless the job already has one in that state: 1 added,
 * 0 there was one, <0. */
int hpcnet_store_job_event_once(struct hpcnet_db *db, const char *id, const char *state,
				int64_t at, const char *detail);
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
/* Runs (hub/store/runs_store.c). A job its center puts back in its queue
 * (requeue, preemption) closes its current run: the run is kept in
 * job_runs with end_ms and reason, and jobs.started_at becomes NULL until
 * the next run starts. 1 closed, 0 no run was open, <0. */
int hpcnet_store_job_run_close(struct hpcnet_db *db, const char *job_id, int64_t end_ms,
			       const char *reason);
/* The closed runs of a job: *ms = their durations, each capped at cap_ms,
 * summed; *last_end = when the last one ended (0 = none). 0 or <0. */
int hpcnet_store_job_runs_prior(struct hpcnet_db *db, const char *job_id, int64_t cap_ms,
				int64_t *ms, int64_t *last_end);
/* [{run, center_id, started_at, ended_at, reason}] oldest first. */
int hpcnet_store_job_runs(struct hpcnet_db *db, const char *job_id, json_t **out);
/* Dispatch: queued -> dispatched on center with the placement reason. 1/0. */
int hpcnet_store_job_dispatch(struct hpcnet_db *db, const char *id, const char *center_id,
			      const char *reason, int64_t now);
/* Queued jobs, oldest first: {id,cores,memory_bytes,gpus,gpu_model,center_requested,
 * user_id,project_id,org_id,walltime_seconds,state_reason,placement_reason}. */
int hpcnet_store_job_queued(struct hpcnet_db *db, int64_t limit, json_t **out);
/* Why a queued job still waits (its placement_reason). 1/0 (no longer queued). */
int hpcnet_store_job_set_waiting(struct hpcnet_db *db, const char *id, const char *reason);
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

/* identity: orgs, projects, role grants, invites, external identities
 * (orgs_store.c). Lookups by "id or name" accept either. */
int hpcnet_store_org_create(struct hpcnet_db *db, const char *id, const char *name,
			    const char *display_name, const char *kind, const char *created_by);
/* {id,name,display_name,kind,created_at} */
int hpcnet_store_org_get(struct hpcnet_db *db, const char *id_or_name, json_t **out);
/* All orgs (user_id NULL) or those user_id is a member of, with "my_role". */
int hpcnet_store_org_list(struct hpcnet_db *db, const char *user_id, json_t **out);
/* Adds or changes a membership (role "member" | "admin"). */
int hpcnet_store_org_member_set(struct hpcnet_db *db, const char *org_id, const char *user_id,
				const char *role);
/* 1 removed, 0 was not a member. */
int hpcnet_store_org_member_remove(struct hpcnet_db *db, const char *org_id, const char *user_id);
/* [{user_id,user_name,role,added_at}] */
int hpcnet_store_org_members(struct hpcnet_db *db, const char *org_id, json_t **out);
/* 1 and the role into role (member|admin) when user_id is a member, 0 when not. */
int hpcnet_store_org_role(struct hpcnet_db *db, const char *org_id, const char *user_id,
			  char *role, size_t len);
/* How many admins the org has (never remove the last one). */
int hpcnet_store_org_admin_count(struct hpcnet_db *db, const char *org_id, int64_t *n);

int hpcnet_store_project_create(struct hpcnet_db *db, const char *id, const char *org_id,
				const char *name, const char *description, const char *created_by);
/* {id,org_id,org_name,name,description,created_at}; key: id, or "org/name". */
int hpcnet_store_project_get(struct hpcnet_db *db, const char *key, json_t **out);
/* Projects of orgs user_id belongs to (NULL: all), optionally of one org. */
int hpcnet_store_project_list(struct hpcnet_db *db, const char *user_id, const char *org_id,
			      json_t **out);
int hpcnet_store_project_member_add(struct hpcnet_db *db, const char *project_id,
				    const char *user_id);
int hpcnet_store_project_member_remove(struct hpcnet_db *db, const char *project_id,
				       const char *user_id);
int hpcnet_store_project_members(struct hpcnet_db *db, const char *project_id, json_t **out);
/* Drops the user from every project of the org (they left the org). */
int hpcnet_store_project_members_drop_org(struct hpcnet_db *db, const char *org_id,
					  const char *user_id);

/* Role grants: center_operator (scope = center id) and merchant (scope ''). */
int hpcnet_store_grant_add(struct hpcnet_db *db, const char *user_id, const char *role,
			   const char *scope, const char *granted_by);
/* 1 revoked, 0 there was no such grant. */
int hpcnet_store_grant_remove(struct hpcnet_db *db, const char *user_id, const char *role,
			      const char *scope);
/* 1 when the user holds role at scope, else 0. */
int hpcnet_store_grant_has(struct hpcnet_db *db, const char *user_id, const char *role,
			   const char *scope);
/* [{user_id,user_name,role,scope,scope_name,created_at}], of one user or all. */
int hpcnet_store_grant_list(struct hpcnet_db *db, const char *user_id, json_t **out);
/* The distinct roles beyond "user" the user holds: [{role}] with role in
 * org_admin, center_operator, merchant. */
int hpcnet_store_user_roles(struct hpcnet_db *db, const char *user_id, json_t **out);
/* Every role with its scope, for users/me: [{role, scope_id, scope_name}]. */
int hpcnet_store_user_role_list(struct hpcnet_db *db, const char *user_id, json_t **out);

/* users beyond sign-in */
int hpcnet_store_user_set_disabled(struct hpcnet_db *db, const char *user_id, int disabled);
int hpcnet_store_user_set_password(struct hpcnet_db *db, const char *user_id, const char *pwhash);
/* Revokes every live token of the user except keep_id (may be NULL); count. */
int hpcnet_store_token_revoke_all(struct hpcnet_db *db, const char *user_id, const char *keep_id,
				  int64_t now);
/* The same for the user's portal sessions. */
int hpcnet_store_session_revoke_all(struct hpcnet_db *db, const char *user_id,
				    const char *keep_id, int64_t now);
/* The user's jobs that have not ended: [{id,state,center_id}]. */
int hpcnet_store_job_active_of_user(struct hpcnet_db *db, const char *user_id, json_t **out);

/* invites */
int hpcnet_store_invite_create(struct hpcnet_db *db, const char *id, const char *hash,
			       const char *org_id, const char *org_role, const char *created_by,
			       int64_t expires_at);
/* The org's invites, newest first: [{id, role, created_by (name),
 * created_at, expires_at, used_at, used_by (name)}]; never the code. */
int hpcnet_store_invite_list(struct hpcnet_db *db, const char *org_id, json_t **out);
/* Ends an open invite of the org now (it expires): 0, ENOTFOUND, or
 * ECONFLICT when it was used or had expired already. */
int hpcnet_store_invite_revoke(struct hpcnet_db *db, const char *org_id, const char *id,
			       int64_t now);
/* Marks an unused, unexpired invite used by user_id: 1 and *out = the
 * invite row, or 0 when there is no such usable invite. */
int hpcnet_store_invite_use(struct hpcnet_db *db, const char *hash, const char *user_id,
			    int64_t now, json_t **out);

/* OpenID Connect identities */
/* 1 and the user row (as user_by_id) for (issuer, subject), 0 unknown. */
int hpcnet_store_oidc_user(struct hpcnet_db *db, const char *issuer, const char *subject,
			   json_t **out);
int hpcnet_store_oidc_link(struct hpcnet_db *db, const char *issuer, const char *subject,
			   const char *user_id);

/* OpenID Connect browser sign-ins under way (oidc_logins_store.c) */
struct hpcnet_oidc_login {
	const char *state_hash, *browser_hash, *nonce, *code_verifier, *return_to;
	int64_t expires_at;
};
/* Sweeps expired ones, then records l: 0, or HPCNET_EQUOTA when
 * max_pending are under way already (a flood of anonymous starts must
 * not grow the table without end). */
int hpcnet_store_oidc_login_put(struct hpcnet_db *db, const struct hpcnet_oidc_login *l,
				int64_t now, int64_t max_pending);
/* Reads and deletes the sign-in of this state hash (one use): 0 and *out
 * {browser_hash, nonce, code_verifier, return_to, expires_at} (caller
 * owns), HPCNET_ENOTFOUND, or <0. Expiry is the caller's to check. */
int hpcnet_store_oidc_login_take(struct hpcnet_db *db, const char *state_hash, json_t **out);

/* audit (audit_store.c) */
struct hpcnet_audit_row {
	int64_t seq, at;
	const char *actor_type, *actor_id, *actor_name, *source_ip;
	const char *method, *route, *object_type, *object_id;
	int status;
	char prev_hash[65], hash[65];
};
/* Appends a row: fills seq, prev_hash and hash from the current head.
 * Must run inside a write transaction (the chain head is read and
 * extended atomically). */
int hpcnet_store_audit_append(struct hpcnet_db *db, struct hpcnet_audit_row *row);
/* Filtered page, newest first: NULL/0 filters match all; before_seq 0 = from the end. */
int hpcnet_store_audit_list(struct hpcnet_db *db, const char *actor_id, const char *object_id,
			    int64_t from_ms, int64_t to_ms, int64_t before_seq, int64_t limit,
			    json_t **out);
/* Recomputes the chain: 0 intact (*checked = rows), or 1 with *bad_seq the
 * first row that was edited, inserted or follows a deleted one, and why. */
int hpcnet_store_audit_verify(struct hpcnet_db *db, int64_t *checked, int64_t *bad_seq,
			      char *why, size_t whylen);
/* The canonical text hashed for a row (exported for the unit test). */
void hpcnet_audit_hash(const struct hpcnet_audit_row *row, char out[65]);

#endif
