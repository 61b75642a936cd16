/* SPDX-License-Identifier: Apache-2.0 */
/* SQL for jobs: insert, read, list, state changes, dispatch, orders, events. */
#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "hpcnet/error.h"
#include "hub/store/store.h"

#define JOB_COLS "j.id, j.user_id, u.name AS user_name, j.name, j.state, j.state_reason," \
	" j.script, j.cores, j.memory_bytes, j.gpus, j.walltime_seconds, j.env, j.files," \
	" j.center_requested, cr.name AS center_requested_name, j.center_id, c.name AS center_name," \
	" j.placement_reason, j.cancel_requested, j.submitted_at, j.dispatched_at, j.started_at," \
	" j.ended_at, j.exit_code, j.signal, j.cpu_seconds, j.max_rss_bytes, j.stdout_bytes," \
	" j.stderr_bytes, j.updated_at, j.gpu_model, j.partition_name, j.account, j.qos," \
	" j.order_delivered_at, j.recall_requested, j.control_requested, j.project_id, j.org_id," \
	" pr.name AS project_name"
#define JOB_FROM " FROM jobs j JOIN users u ON u.id = j.user_id" \
	" LEFT JOIN centers c ON c.id = j.center_id LEFT JOIN centers cr ON cr.id = j.center_requested" \
	" LEFT JOIN projects pr ON pr.id = j.project_id"

int64_t hpcnet_store_job_input_bytes(const struct hpcnet_job_row *j)
{
	return (int64_t)strlen(j->script) + (int64_t)strlen(j->files_json ? j->files_json : "[]");
}

/* A new job's timeline: it was submitted and waits in the hub's queue
 * (two events: the insert below writes both). */
static const struct {
	const char *state, *detail;
} first_events[2] = { { "submitted", "" }, { "queued", "waiting for a center" } };

int hpcnet_store_job_insert(struct hpcnet_db *db, const struct hpcnet_job_row *j)
{
	int rc = hpcnet_db_exec(db,
		"INSERT INTO jobs (id, user_id, name, state, script, cores, memory_bytes, gpus,"
		" walltime_seconds, env, files, center_requested, submitted_at, updated_at,"
		" gpu_model, partition_name, account, qos, project_id, org_id, input_bytes)"
		" VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		"ttttiiiitttiitttttti", j->id, j->user_id, j->name, j->script, (int64_t)j->cores,
		j->memory_bytes, (int64_t)j->gpus, j->walltime_seconds, j->env_json, j->files_json,
		j->center_requested, j->submitted_at, j->submitted_at, j->gpu_model, j->partition,
		j->account, j->qos, j->project_id, j->org_id, hpcnet_store_job_input_bytes(j));

	/* A new job's events are its first: numbered here, no MAX(seq) lookup. */
	if (rc >= 0)
		rc = hpcnet_db_exec(db, "INSERT INTO job_events (job_id, seq, state, at, detail)"
					" VALUES (?, 1, ?, ?, ?), (?, 2, ?, ?, ?)", "ttitttit",
				    j->id, first_events[0].state, j->submitted_at, first_events[0].detail,
				    j->id, first_events[1].state, j->submitted_at, first_events[1].detail);
	return rc < 0 ? rc : 0;
}

/* NULL as JSON null, the way a row read from the database has it. */
static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

void hpcnet_store_job_inserted(const struct hpcnet_job_row *j, const struct hpcnet_job_names *n,
			       json_t **row, json_t **events)
{
	size_t i;

	*row = json_object();
	json_object_set_new(*row, "id", json_string(j->id));
	json_object_set_new(*row, "user_id", json_string(j->user_id));
	json_object_set_new(*row, "user_name", json_string(n->user));
	json_object_set_new(*row, "name", json_string(j->name));
	json_object_set_new(*row, "state", json_string("queued"));
	json_object_set_new(*row, "state_reason", json_string(""));
	json_object_set_new(*row, "script", json_string(j->script));
	json_object_set_new(*row, "cores", json_integer(j->cores));
	json_object_set_new(*row, "memory_bytes", json_integer(j->memory_bytes));
	json_object_set_new(*row, "gpus", json_integer(j->gpus));
	json_object_set_new(*row, "walltime_seconds", json_integer(j->walltime_seconds));
	json_object_set_new(*row, "env", json_string(j->env_json));
	json_object_set_new(*row, "files", json_string(j->files_json));
	json_object_set_new(*row, "center_requested", str_or_null(j->center_requested));
	json_object_set_new(*row, "center_requested_name", str_or_null(n->center_requested));
	json_object_set_new(*row, "center_id", json_null());
	json_object_set_new(*row, "center_name", json_null());
	json_object_set_new(*row, "placement_reason", json_string(""));
	json_object_set_new(*row, "cancel_requested", json_integer(0));
	json_object_set_new(*row, "submitted_at", json_integer(j->submitted_at));
	json_object_set_new(*row, "dispatched_at", json_null());
	json_object_set_new(*row, "started_at", json_null());
	json_object_set_new(*row, "ended_at", json_null());
	json_object_set_new(*row, "exit_code", json_null());
	json_object_set_new(*row, "signal", json_null());
	json_object_set_new(*row, "cpu_seconds", json_null());
	json_object_set_new(*row, "max_rss_bytes", json_null());
	json_object_set_new(*row, "stdout_bytes", json_integer(0));
	json_object_set_new(*row, "stderr_bytes", json_integer(0));
	json_object_set_new(*row, "updated_at", json_integer(j->submitted_at));
	json_object_set_new(*row, "gpu_model", str_or_null(j->gpu_model));
	json_object_set_new(*row, "partition_name", str_or_null(j->partition));
	json_object_set_new(*row, "account", str_or_null(j->account));
	json_object_set_new(*row, "qos", str_or_null(j->qos));
	json_object_set_new(*row, "order_delivered_at", json_null());
	json_object_set_new(*row, "recall_requested", json_integer(0));
	json_object_set_new(*row, "control_requested", json_null());
	json_object_set_new(*row, "project_id", str_or_null(j->project_id));
	json_object_set_new(*row, "org_id", str_or_null(j->org_id));
	json_object_set_new(*row, "project_name", str_or_null(n->project));
	*events = json_array();
	for (i = 0; i < sizeof(first_events) / sizeof(first_events[0]); i++)
		json_array_append_new(*events, json_pack("{s:s, s:I, s:s}", "state",
							 first_events[i].state, "at",
							 (json_int_t)j->submitted_at, "detail",
							 first_events[i].detail));
}

int hpcnet_store_job_get(struct hpcnet_db *db, const char *id, json_t **out)
{
	int rc = hpcnet_db_get_json(db, out, "SELECT " JOB_COLS JOB_FROM " WHERE j.id = ?", "t", id);

	return rc == 0 ? HPCNET_ENOTFOUND : rc < 0 ? rc : 0;
}

int hpcnet_store_job_list(struct hpcnet_db *db, const char *user_id, const char *state,
			  const char *center_id, const char *before_id, int64_t since_ms,
			  int64_t until_ms, int64_t limit, json_t **out)
{
	/* NULL filters match everything: one statement, no SQL built from input. */
	return hpcnet_db_list_json(db, out,
		"SELECT " JOB_COLS JOB_FROM
		" WHERE (? IS NULL OR j.user_id = ?) AND (? IS NULL OR j.state = ?)"
		" AND (? IS NULL OR j.center_id = ?) AND (? IS NULL OR j.id < ?)"
		" AND (? IS NULL OR j.submitted_at >= ?) AND (? IS NULL OR j.submitted_at < ?)"
		" ORDER BY j.id DESC LIMIT ?",
		"ttttttttIIIIi", user_id, user_id, state, state, center_id, center_id, before_id,
		before_id, since_ms, since_ms, until_ms, until_ms, limit);
}

int hpcnet_store_job_list_visible(struct hpcnet_db *db, const struct hpcnet_job_query *q,
				  json_t **out)
{
	/* Visibility as flags bound into one fixed statement: the caller's own
	 * jobs, their admin orgs' jobs, their centers' jobs, or all. */
	return hpcnet_db_list_json(db, out,
		"SELECT " JOB_COLS JOB_FROM
		" WHERE (? = 1 OR (? = 1 AND j.user_id = ?)"
		" OR (? = 1 AND j.org_id IN (SELECT org_id FROM org_members WHERE user_id = ?"
		" AND role = 'admin'))"
		" OR (? = 1 AND j.center_id IN (SELECT scope FROM role_grants WHERE user_id = ?"
		" AND role = 'center_operator')))"
		" AND (? IS NULL OR j.user_id = ?) AND (? IS NULL OR j.state = ?)"
		" AND (? IS NULL OR j.center_id = ?) AND (? IS NULL OR j.id < ?)"
		" AND (? IS NULL OR j.submitted_at >= ?) AND (? IS NULL OR j.submitted_at < ?)"
		" ORDER BY j.id DESC LIMIT ?",
		"iitititttttttttIIIIi", (int64_t)q->all, (int64_t)q->own, q->caller,
		(int64_t)q->org_admin, q->caller, (int64_t)q->center, q->caller, q->user_id, q->user_id,
		q->state, q->state, q->center_id, q->center_id, q->before_id, q->before_id, q->since_ms,
		q->since_ms, q->until_ms, q->until_ms, q->limit);
}

int hpcnet_store_job_events(struct hpcnet_db *db, const char *id, json_t **out)
{
	return hpcnet_db_list_json(db, out, "SELECT state, at, detail FROM job_events"
					    " WHERE job_id = ? ORDER BY seq", "t", id);
}

int hpcnet_store_job_event_add(struct hpcnet_db *db, const char *id, const char *state,
			       int64_t at, const char *detail)
{
	int rc = hpcnet_db_exec(db, "INSERT INTO job_events (job_id, seq, state, at, detail)"
				    " SELECT ?, COALESCE(MAX(seq), 0) + 1, ?, ?, ? FROM job_events"
				    " WHERE job_id = ?", "ttitt", id, state, at, detail, id);

	return rc < 0 ? rc : 0;
}

int hpcnet_store_job_event_once(struct hpcnet_db *db, const char *id, const char *state,
				int64_t at, const char *detail)
{
	int64_t n = 0;
	int rc = hpcnet_db_get_int(db, &n, "SELECT COUNT(*) FROM job_events WHERE job_id = ?"
					   " AND state = ?", "tt", id, state);

	if (rc < 0 || n > 0)
		return rc < 0 ? rc : 0;
	rc = hpcnet_store_job_event_add(db, id, state, at, detail);
	return rc < 0 ? rc : 1;
}

int hpcnet_store_job_set_state(struct hpcnet_db *db, const char *id, const char *from,
			       const char *to, const char *reason, int64_t now)
{
	int rc = hpcnet_db_exec(db, "UPDATE jobs SET state = ?, state_reason = ?, updated_at = ?,"
				    " ended_at = CASE WHEN ? IN ('cancelled','failed','lost','succeeded')"
				    " AND ended_at IS NULL THEN ? ELSE ended_at END"
				    " WHERE id = ? AND state = ?",
				"ttititt", to, reason, now, to, now, id, from);

	if (rc <= 0)
		return rc;
	rc = hpcnet_store_job_event_add(db, id, to, now, reason);
	return rc < 0 ? rc : 1;
}

int hpcnet_store_job_request_cancel(struct hpcnet_db *db, const char *id, int64_t now)
{
	int rc = hpcnet_db_exec(db, "UPDATE jobs SET cancel_requested = 1, updated_at = ?"
				    " WHERE id = ? AND cancel_requested = 0", "it", now, id);

	if (rc <= 0)
		return rc;
	rc = hpcnet_store_job_event_add(db, id, "cancel_requested", now,
					"waiting for the center to stop the job");
	return rc < 0 ? rc : 1;
}

int hpcnet_store_job_apply_report(struct hpcnet_db *db, const struct hpcnet_job_report *rep,
				  int64_t now)
{
	/* Fields a report does not carry keep their stored value (COALESCE). */
	int rc = hpcnet_db_exec(db,
		"UPDATE jobs SET state = ?, state_reason = ?, updated_at = ?,"
		" started_at = COALESCE(?, started_at), ended_at = COALESCE(?, ended_at),"
		" exit_code = COALESCE(?, exit_code), signal = COALESCE(?, signal),"
		" cpu_seconds = COALESCE(?, cpu_seconds), max_rss_bytes = COALESCE(?, max_rss_bytes)"
		" WHERE id = ?",
		"ttiIIIIDIt", rep->state, rep->reason ? rep->reason : "", now,
		rep->started_at > 0 ? rep->started_at : HPCNET_DB_NULL,
		rep->ended_at > 0 ? rep->ended_at : HPCNET_DB_NULL,
		rep->has_exit ? (int64_t)rep->exit_code : HPCNET_DB_NULL,
		rep->has_exit ? (int64_t)rep->signal : HPCNET_DB_NULL,
		rep->cpu_seconds, rep->max_rss_bytes >= 0 ? rep->max_rss_bytes : HPCNET_DB_NULL,
		rep->job_id);

	if (rc <= 0)
		return rc < 0 ? rc : HPCNET_ENOTFOUND;
	return hpcnet_store_job_event_add(db, rep->job_id, rep->state, now,
					  rep->reason ? rep->reason : "");
}

int hpcnet_store_job_dispatch(struct hpcnet_db *db, const char *id, const char *center_id,
			      const char *reason, int64_t now)
{
	/* a soft quota's "waiting: ..." (hub/billing/quota.h) no longer holds */
	int rc = hpcnet_db_exec(db, "UPDATE jobs SET state = 'dispatched', center_id = ?,"
				    " placement_reason = ?, dispatched_at = ?, updated_at = ?,"
				    " state_reason = CASE WHEN state_reason LIKE 'waiting: soft quota%'"
				    " THEN '' ELSE state_reason END"
				    " WHERE id = ? AND state = 'queued'",
				"ttiit", center_id, reason, now, now, id);

	if (rc <= 0)
		return rc;
	rc = hpcnet_store_job_event_add(db, id, "dispatched", now, reason);
	return rc < 0 ? rc : 1;
}

int hpcnet_store_job_queued(struct hpcnet_db *db, int64_t limit, json_t **out)
{
	return hpcnet_db_list_json(db, out, "SELECT id, cores, memory_bytes, gpus, gpu_model,"
					    " center_requested, user_id, project_id, org_id,"
					    " walltime_seconds, state_reason, placement_reason"
					    " FROM jobs WHERE state = 'queued' ORDER BY id LIMIT ?",
				   "i", limit);
}

int hpcnet_store_job_set_waiting(struct hpcnet_db *db, const char *id, const char *reason)
{
	/* Not an event and not updated_at: advice that changes with the
	 * centers' load, not a change of the job. */
	return hpcnet_db_exec(db, "UPDATE jobs SET placement_reason = ? WHERE id = ?"
				  " AND state = 'queued'", "tt", reason, id);
}

int hpcnet_store_job_load(struct hpcnet_db *db, json_t **out)
{
	/* Kept by triggers (migration 011), one row per center and GPU model. */
	return hpcnet_db_list_json(db, out,
		"SELECT center_id, NULLIF(gpu_model, '') AS gpu_model, cores, memory_bytes, gpus,"
		" waiting, waiting_cores FROM center_load WHERE jobs > 0", NULL);
}

int hpcnet_store_job_orders(struct hpcnet_db *db, const char *center_id, int64_t limit,
			    json_t **out)
{
	return hpcnet_db_list_json(db, out,
		"SELECT id AS job_id, name, script, cores, memory_bytes, gpus, walltime_seconds,"
		" env, files, gpu_model, partition_name AS partition, account, qos"
		" FROM jobs WHERE center_id = ? AND state = 'dispatched'"
		" AND cancel_requested = 0 AND recall_requested = 0 ORDER BY id LIMIT ?",
		"ti", center_id, limit);
}

int hpcnet_store_job_cancels(struct hpcnet_db *db, const char *center_id, json_t **out)
{
	return hpcnet_db_list_json(db, out,
		"SELECT id FROM jobs WHERE center_id = ? AND cancel_requested = 1"
		" AND state IN ('dispatched', 'pending', 'held', 'running', 'preempted', 'suspended')"
		" ORDER BY id LIMIT 1000", "t", center_id);
}

int hpcnet_store_idem_get(struct hpcnet_db *db, const char *user_id, const char *key,
			  json_t **out)
{
	return hpcnet_db_get_json(db, out, "SELECT body_sha256, job_id FROM idempotency_keys"
					   " WHERE user_id = ? AND key = ?", "tt", user_id, key);
}

int hpcnet_store_idem_put(struct hpcnet_db *db, const char *user_id, const char *key,
			  const char *body_sha256, const char *job_id, int64_t now)
{
	int rc = hpcnet_db_exec(db, "INSERT INTO idempotency_keys (user_id, key, body_sha256, job_id,"
				    " created_at) VALUES (?, ?, ?, ?, ?)",
				"tttti", user_id, key, body_sha256, job_id, now);

	return rc < 0 ? rc : 0;
}

int hpcnet_store_job_mark_delivered(struct hpcnet_db *db, const char *job_id, int64_t now)
{
	return hpcnet_db_exec(db, "UPDATE jobs SET order_delivered_at = ? WHERE id = ?"
				  " AND order_delivered_at IS NULL", "it", now, job_id);
}

/* Runs `update` (binding now and the job id) for every job of center_id
 * selected by `select`, and adds an event: `state`, or the job's new state
 * when state is NULL. Returns how many were updated. */
static int each_job(struct hpcnet_db *db, const char *select, const char *center_id,
		    const char *update, const char *state, const char *detail, int64_t now)
{
	json_t *ids = NULL, *row, *after = NULL;
	size_t i;
	int rc = hpcnet_db_list_json(db, &ids, select, "t", center_id), n = 0;

	json_array_foreach(ids, i, row) {
		const char *id = json_string_value(json_object_get(row, "id"));

		if (rc < 0)
			break;
		rc = hpcnet_db_exec(db, update, "it", now, id);
		if (rc > 0 && !state)
			rc = hpcnet_db_get_json(db, &after, "SELECT state FROM jobs WHERE id = ?", "t",
						id);
		if (rc > 0)
			rc = hpcnet_store_job_event_add(db, id, state ? state :
							json_string_value(json_object_get(after,
											  "state")),
							now, detail);
		json_decref(after);
		after = NULL;
		if (rc >= 0)
			n++;
	}
	json_decref(ids);
	return rc < 0 ? rc : n;
}

/* A job given back by its center keeps a hold the user asked for: it
 * waits in the hub as held instead of going back to the queue. */
#define BACK_STATE "CASE WHEN state = 'held' OR control_requested = 'hold' THEN 'held'" \
	" ELSE 'queued' END"

int hpcnet_store_job_replace_undelivered(struct hpcnet_db *db, const char *center_id,
					 const char *reason, int64_t now)
{
	return each_job(db, "SELECT id FROM jobs WHERE center_id = ? AND state = 'dispatched'"
			    " AND order_delivered_at IS NULL", center_id,
			"UPDATE jobs SET state = " BACK_STATE ", center_id = NULL, dispatched_at = NULL,"
			" control_requested = NULL, placement_reason = '', updated_at = ?"
			" WHERE id = ? AND state = 'dispatched' AND order_delivered_at IS NULL",
			NULL, reason, now);
}

int hpcnet_store_job_request_recall(struct hpcnet_db *db, const char *center_id,
				    const char *reason, int64_t now)
{
	return each_job(db, "SELECT id FROM jobs WHERE center_id = ? AND recall_requested = 0"
			    " AND cancel_requested = 0 AND state IN ('dispatched', 'pending', 'held')",
			center_id,
			"UPDATE jobs SET recall_requested = 1, updated_at = ? WHERE id = ?",
			"recall_requested", reason, now);
}

int hpcnet_store_job_recalls(struct hpcnet_db *db, const char *center_id, json_t **out)
{
	return hpcnet_db_list_json(db, out,
		"SELECT id FROM jobs WHERE center_id = ? AND recall_requested = 1"
		" AND state IN ('dispatched', 'pending', 'held') ORDER BY id LIMIT 1000", "t",
		center_id);
}

int hpcnet_store_job_recalled(struct hpcnet_db *db, const char *id, const char *reason,
			      int64_t now)
{
	int rc = hpcnet_db_exec(db,
		"UPDATE jobs SET state = " BACK_STATE ", center_id = NULL, dispatched_at = NULL,"
		" order_delivered_at = NULL, recall_requested = 0, control_requested = NULL,"
		" placement_reason = '', state_reason = ?, updated_at = ? WHERE id = ?"
		" AND recall_requested = 1 AND state IN ('dispatched', 'pending', 'held')",
		"tit", reason, now, id);
	json_t *after = NULL;

	if (rc <= 0)
		return rc;
	rc = hpcnet_db_get_json(db, &after, "SELECT state FROM jobs WHERE id = ?", "t", id);
	if (rc > 0)
		rc = hpcnet_store_job_event_add(db, id, json_string_value(json_object_get(after,
											  "state")),
						now, reason);
	json_decref(after);
	return rc < 0 ? rc : 1;
}

int hpcnet_store_job_request_control(struct hpcnet_db *db, const char *id, const char *action,
				     int64_t now)
{
	int rc = hpcnet_db_exec(db, "UPDATE jobs SET control_requested = ?, updated_at = ?"
				    " WHERE id = ?", "tit", action, now, id);

	if (rc <= 0)
		return rc;
	rc = hpcnet_store_job_event_add(db, id, "control_requested", now, action);
	return rc < 0 ? rc : 1;
}

int hpcnet_store_job_controls(struct hpcnet_db *db, const char *center_id, json_t **out)
{
	return hpcnet_db_list_json(db, out,
		"SELECT id AS job_id, control_requested AS action FROM jobs WHERE center_id = ?"
		" AND control_requested IS NOT NULL AND cancel_requested = 0"
		" AND state IN ('dispatched', 'pending', 'held', 'running', 'suspended')"
		" ORDER BY id LIMIT 1000", "t", center_id);
}

int hpcnet_store_job_control_done(struct hpcnet_db *db, const char *id, const char *action)
{
	return hpcnet_db_exec(db, "UPDATE jobs SET control_requested = NULL WHERE id = ?"
				  " AND control_requested = ?", "tt", id, action);
}
