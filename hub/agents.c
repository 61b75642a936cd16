/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The agent-facing half of /api/v1/centers: join, heartbeat, the orders
 * long-poll and state reports. Agents dial out to the hub, so everything a
 * center learns arrives as an answer to one of these calls. Reports are
 * idempotent: an agent that re-sends after a lost answer or a restart
 * changes nothing the second time.
 */
#include <math.h>
#include <string.h>

#include "common/clock.h"
#include "common/crypto.h"
#include "common/log.h"
#include "hpcnet/error.h"
#include "hpcnet/job.h"
#include "hub/billing/billing.h"
#include "hub/handlers.h"
#include "hub/http.h"
#include "hub/store/store.h"
#include "hub/validate.h"
#include "hub/view.h"

#define MAX_WAIT_S 60
#define PEER_CHECK_MS 1000
#define MAX_REPORTS 1000

static const struct hpcnet_field join_fields[] = {
	{ .name = "join_token", .type = HPCNET_F_STRING, .required = 1, .min = 1, .max = 256 },
	{ .name = "adapter", .type = HPCNET_F_STRING, .required = 1, .min = 1, .max = 64 },
	{ .name = "version", .type = HPCNET_F_STRING, .max = 64 },
	{ .name = "name", .type = HPCNET_F_STRING, .max = 64 },
	{ .name = "agent_token_hash", .type = HPCNET_F_STRING, .min = 64, .max = 64 },
	{ 0 },
};

static int is_sha256_hex(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

struct join_write {
	const char *jhash, *ahash, *adapter, *version, *name;
	json_t *center;                /* out */
	char center_id[HPCNET_ID_LEN]; /* out, for the audit row */
};

/* 0 joined; 1 no such (or expired) token; 2 joined before with this
 * very credential (nothing changes); HPCNET_ECONFLICT the token is
 * another center's than the name the agent gave (nothing spent). */
static int join_fn(struct hpcnet_db *db, void *arg)
{
	struct join_write *w = arg;
	int rc = hpcnet_store_center_join(db, w->jhash, w->ahash, w->adapter, w->version,
					  hpcnet_now_ms(), &w->center);

	if (rc <= 0)
		return rc < 0 ? rc : 1;
	if (rc == 2) {
		snprintf(w->center_id, sizeof(w->center_id), "%s",
			 json_string_value(json_object_get(w->center, "id")));
		return 2;
	}
	snprintf(w->center_id, sizeof(w->center_id), "%s",
		 json_string_value(json_object_get(w->center, "id")));
	if (w->name && *w->name &&
	    strcmp(w->name, json_string_value(json_object_get(w->center, "name"))) != 0)
		return HPCNET_ECONFLICT;
	return 0;
}

int hpcnet_h_agents_join(struct hpcnet_req *r)
{
	char jhash[HPCNET_SHA256_HEX_LEN], ahash[HPCNET_SHA256_HEX_LEN], secret[64];
	json_t *body = NULL, *errors, *center = NULL;
	struct join_write w = { 0 };
	const char *tok, *name, *version, *own;
	int rc;

	if (hpcnet_req_json(r, &body) < 0)
		return 0;
	errors = hpcnet_validate(body, join_fields);
	own = json_string_value(json_object_get(body, "agent_token_hash"));
	if (!errors && own && !is_sha256_hex(own))
		hpcnet_validate_add(&errors, "agent_token_hash", "must be the lowercase hex SHA-256"
				    " (64 characters) of the credential the agent made");
	if (errors) {
		hpcnet_reply_invalid(r, errors);
		goto out;
	}
	tok = json_string_value(json_object_get(body, "join_token"));
	name = json_string_value(json_object_get(body, "name"));
	version = json_string_value(json_object_get(body, "version"));
	hpcnet_crypto_sha256_hex(tok, strlen(tok), jhash);
	/* An agent that made its own credential sends only its hash: the
	 * secret never travels, and a repeat of the same join (the answer
	 * lost, the agent killed before saving) is recognized by it. Older
	 * agents get one made here, once. */
	if (own) {
		secret[0] = '\0';
		snprintf(ahash, sizeof(ahash), "%s", own);
	} else {
		hpcnet_crypto_token("hpca_", secret, sizeof(secret));
		hpcnet_crypto_sha256_hex(secret, strlen(secret), ahash);
	}
	w = (struct join_write){ .jhash = jhash, .ahash = ahash, .name = name,
				 .adapter = json_string_value(json_object_get(body, "adapter")),
				 .version = version ? version : "" };
	r->audit_object_out = w.center_id;
	rc = hpcnet_req_write(r, join_fn, &w);
	center = w.center;
	if (rc == HPCNET_ECONFLICT) {
		hpcnet_reply_problem(r, 409, "this join token is for center '%s', not '%s'",
				     json_string_value(json_object_get(center, "name")), name);
		goto out;
	}
	if (rc == 1) {
		hpcnet_reply_problem(r, 401, "unknown, used or expired join token: ask the hub admin for"
					     " a new one (hpcnet centers join-token NAME)");
		goto out;
	}
	if (rc < 0) {
		hpcnet_reply_error(r, rc);
		goto out;
	}
	hpcnet_info("center %s %s (adapter %s)", json_string_value(json_object_get(center, "name")),
		    rc == 2 ? "joined again with the same credential" : "joined",
		    json_string_value(json_object_get(body, "adapter")));
	hpcnet_reply_json(r, 200, json_pack("{s:O, s:O, s:b}", "center_id", json_object_get(center, "id"),
					    "center_name", json_object_get(center, "name"),
					    "rejoined", rc == 2));
	if (!own)
		json_object_set_new(r->json, "agent_token", json_string(secret));
out:
	json_decref(center);
	json_decref(body);
	return 0;
}

/* The {id} in the path must be the caller's own center. */
static int own_center(struct hpcnet_req *r)
{
	if (strcmp(r->params[0], r->center_id) == 0)
		return 0;
	hpcnet_reply_problem(r, 403, "this agent credential belongs to another center");
	return HPCNET_EPERM;
}

static const struct hpcnet_field hb_fields[] = {
	{ .name = "resources", .type = HPCNET_F_OBJECT, .required = 1 },
	{ .name = "caps", .type = HPCNET_F_ARRAY },
	{ .name = "health", .type = HPCNET_F_STRING, .min = 1, .max = 16 },
	{ .name = "health_reason", .type = HPCNET_F_STRING, .max = 1024 },
	{ .name = "snapshot", .type = HPCNET_F_OBJECT },
	{ 0 },
};

static const struct hpcnet_field res_fields[] = {
	{ .name = "total_cores", .type = HPCNET_F_INT, .required = 1, .min = 0, .max = INT64_MAX },
	{ .name = "free_cores", .type = HPCNET_F_INT, .min = 0, .max = INT64_MAX },
	{ .name = "total_memory_bytes", .type = HPCNET_F_INT, .min = 0, .max = INT64_MAX },
	{ .name = "free_memory_bytes", .type = HPCNET_F_INT, .min = 0, .max = INT64_MAX },
	{ .name = "total_gpus", .type = HPCNET_F_INT, .min = 0, .max = INT64_MAX },
	{ .name = "free_gpus", .type = HPCNET_F_INT, .min = 0, .max = INT64_MAX },
	{ .name = "queue_length", .type = HPCNET_F_INT, .min = 0, .max = INT64_MAX },
	{ .name = "running", .type = HPCNET_F_INT, .min = 0, .max = INT64_MAX },
	{ 0 },
};

int hpcnet_h_agents_heartbeat(struct hpcnet_req *r)
{
	json_t *body = NULL, *errors, *res, *row = NULL, *v;
	struct hpcnet_center_beat beat = { .health = "ok", .reason = "" };
	char *caps, *snap;
	int rc;

	if (own_center(r) < 0 || hpcnet_req_json(r, &body) < 0)
		return 0;
	errors = hpcnet_validate(body, hb_fields);
	res = json_object_get(body, "resources");
	if (!errors && json_is_object(res))
		errors = hpcnet_validate(res, res_fields);
	if ((v = json_object_get(body, "health")) && json_is_string(v)) {
		beat.health = json_string_value(v);
		if (strcmp(beat.health, "ok") != 0 && strcmp(beat.health, "degraded") != 0)
			hpcnet_validate_add(&errors, "health", "must be \"ok\" or \"degraded\"");
	}
	if (errors) {
		hpcnet_reply_invalid(r, errors);
		goto out;
	}
	if ((v = json_object_get(body, "health_reason")) && json_is_string(v))
		beat.reason = json_string_value(v);
	caps = json_object_get(body, "caps") ? json_dumps(json_object_get(body, "caps"), JSON_COMPACT)
					     : hpcnet_xstrdup("[]");
	snap = json_object_get(body, "snapshot") ? json_dumps(json_object_get(body, "snapshot"),
							      JSON_COMPACT)
						 : hpcnet_xstrdup("{}");
	beat.resources = res;
	beat.caps_json = caps;
	beat.snapshot_json = snap;
	rc = hpcnet_store_center_heartbeat(hpcnet_req_db(r), r->center_id, &beat, hpcnet_now_ms());
	free(caps);
	free(snap);
	if (rc == 0)
		rc = hpcnet_store_center_get(r->db, r->center_id, &row);
	if (rc < 0) {
		hpcnet_reply_error(r, rc);
		goto out;
	}
	hpcnet_notify_bump(&r->hub->notify); /* capacity changed: wake the scheduler */
	hpcnet_reply_json(r, 200, json_pack("{s:O, s:I}", "status", json_object_get(row, "status"),
					    "ttl_seconds", (json_int_t)(r->hub->center_ttl_ms / 1000)));
out:
	json_decref(row);
	json_decref(body);
	return 0;
}

/* Orders rows -> wire orders (env/files parsed back into JSON). */
static json_t *orders_view(json_t *rows)
{
	json_t *row;
	size_t i;

	json_array_foreach(rows, i, row) {
		const char *env = json_string_value(json_object_get(row, "env"));
		const char *files = json_string_value(json_object_get(row, "files"));
		json_t *e = env ? json_loads(env, 0, NULL) : NULL;
		json_t *f = files ? json_loads(files, 0, NULL) : NULL;

		json_object_set_new(row, "env", e ? e : json_object());
		json_object_set_new(row, "files", f ? f : json_array());
	}
	return rows;
}

/* The ids of [{id}] rows as an array of strings. */
static json_t *ids_of(json_t *rows)
{
	json_t *ids = json_array(), *row;
	size_t i;

	json_array_foreach(rows, i, row)
		json_array_append(ids, json_object_get(row, "id"));
	return ids;
}

/* Marks the orders of one answer as delivered (see store.h: a job whose
 * order never left the hub may be re-placed without asking the center). */
static int delivered_fn(struct hpcnet_db *db, void *arg)
{
	json_t *orders = arg, *o;
	int64_t now = hpcnet_now_ms();
	size_t i;
	int rc = 0;

	json_array_foreach(orders, i, o)
		if (rc >= 0)
			rc = hpcnet_store_job_mark_delivered(db, json_string_value(json_object_get(o,
									      "job_id")), now);
	return rc < 0 ? rc : 0;
}

int hpcnet_h_agents_orders(struct hpcnet_req *r)
{
	json_t *orders = NULL, *cancels = NULL, *recalls = NULL, *controls = NULL;
	int64_t wait_s, deadline;
	uint64_t gen;
	int rc;

	if (own_center(r) < 0 || hpcnet_req_query_int(r, "wait", 0, MAX_WAIT_S, 0, &wait_s) < 0)
		return 0;
	deadline = hpcnet_mono_ms() + wait_s * 1000;
	for (;;) {
		gen = hpcnet_notify_gen(&r->hub->notify);
		rc = hpcnet_store_job_orders(hpcnet_req_db(r), r->center_id, 100, &orders);
		if (rc == 0)
			rc = hpcnet_store_job_cancels(r->db, r->center_id, &cancels);
		if (rc == 0)
			rc = hpcnet_store_job_recalls(r->db, r->center_id, &recalls);
		if (rc == 0)
			rc = hpcnet_store_job_controls(r->db, r->center_id, &controls);
		if (rc < 0)
			goto out;
		if (json_array_size(orders) || json_array_size(cancels) || json_array_size(recalls) ||
		    json_array_size(controls) || hpcnet_mono_ms() >= deadline || r->hub->stopping)
			break;
		json_decref(orders);
		json_decref(cancels);
		json_decref(recalls);
		json_decref(controls);
		orders = cancels = recalls = controls = NULL;
		/* Never sit on a pooled connection while waiting; look each
		 * second whether the agent is still there. */
		hpcnet_req_db_release(r);
		while (!r->hub->stopping && hpcnet_mono_ms() < deadline) {
			int64_t slice = hpcnet_mono_ms() + PEER_CHECK_MS;

			if (hpcnet_notify_wait(&r->hub->notify, gen,
					       slice < deadline ? slice : deadline) != gen)
				break;
			if (hpcnet_req_peer_gone(r)) {
				rc = HPCNET_EUNAVAIL; /* the answer goes nowhere */
				goto out;
			}
		}
	}
	/* An agent killed during its long-poll closed the connection: orders
	 * "delivered" to it now would reach no one, yet count as the
	 * center's, and could not be re-placed when it goes offline. */
	if (json_array_size(orders) && hpcnet_req_peer_gone(r)) {
		rc = HPCNET_EUNAVAIL;
		goto out;
	}
	if (json_array_size(orders))
		rc = hpcnet_req_write(r, delivered_fn, orders);
	if (rc < 0)
		goto out;
	hpcnet_reply_json(r, 200, json_pack("{s:O, s:o, s:o, s:O}", "items", orders_view(orders),
					    "cancel", ids_of(cancels), "recall", ids_of(recalls),
					    "control", controls));
out:
	json_decref(orders);
	json_decref(cancels);
	json_decref(recalls);
	json_decref(controls);
	return rc < 0 ? hpcnet_reply_error(r, rc) : 0;
}

static const struct hpcnet_field report_fields[] = {
	{ .name = "job_id", .type = HPCNET_F_STRING, .required = 1, .min = 1, .max = 64 },
	{ .name = "state", .type = HPCNET_F_STRING, .required = 1, .min = 1, .max = 32 },
	{ .name = "exit_code", .type = HPCNET_F_INT, .min = -1, .max = 255 },
	{ .name = "signal", .type = HPCNET_F_INT, .min = 0, .max = 128 },
	{ .name = "started_at", .type = HPCNET_F_STRING, .max = 64 },
	{ .name = "ended_at", .type = HPCNET_F_STRING, .max = 64 },
	{ .name = "reason", .type = HPCNET_F_STRING, .max = 1024 },
	{ .name = "usage", .type = HPCNET_F_OBJECT },
	{ .name = "control_done", .type = HPCNET_F_STRING, .min = 1, .max = 16 },
	{ .name = "control_error", .type = HPCNET_F_STRING, .max = 1024 },
	{ 0 },
};

/* Validates one report into rep and its usage figures into mc; NULL
 * when fine, else the errors. */
static json_t *parse_report(json_t *item, struct hpcnet_job_report *rep,
			    struct hpcnet_meter_center *mc)
{
	json_t *errors = json_is_object(item) ? hpcnet_validate(item, report_fields) : NULL;
	json_t *usage, *v;
	const char *t;
	int st;

	if (!json_is_object(item)) {
		hpcnet_validate_add(&errors, "items", "must hold objects");
		return errors;
	}
	if (errors)
		return errors;
	memset(rep, 0, sizeof(*rep));
	rep->job_id = json_string_value(json_object_get(item, "job_id"));
	rep->state = json_string_value(json_object_get(item, "state"));
	rep->reason = json_string_value(json_object_get(item, "reason"));
	rep->control_done = json_string_value(json_object_get(item, "control_done"));
	rep->control_error = json_string_value(json_object_get(item, "control_error"));
	st = hpcnet_job_state_parse(rep->state);
	if (st < HPCNET_JOB_PENDING && strcmp(rep->state, "recalled") != 0)
		hpcnet_validate_add(&errors, "state", "'%s' is not a state a center can report",
				    rep->state);
	if ((t = json_string_value(json_object_get(item, "started_at"))) &&
	    hpcnet_time_parse(t, &rep->started_at) < 0)
		hpcnet_validate_add(&errors, "started_at", "must be an RFC 3339 time");
	if ((t = json_string_value(json_object_get(item, "ended_at"))) &&
	    hpcnet_time_parse(t, &rep->ended_at) < 0)
		hpcnet_validate_add(&errors, "ended_at", "must be an RFC 3339 time");
	if ((v = json_object_get(item, "exit_code")) && json_is_integer(v)) {
		rep->has_exit = 1;
		rep->exit_code = (int)json_integer_value(v);
		rep->signal = (int)json_integer_value(json_object_get(item, "signal"));
	}
	usage = json_object_get(item, "usage");
	hpcnet_meter_parse_usage(usage, mc, &errors);
	rep->cpu_seconds = -1;
	rep->max_rss_bytes = -1;
	if ((v = json_object_get(usage, "cpu_seconds")) && json_is_number(v) &&
	    json_number_value(v) >= 0 && isfinite(json_number_value(v)))
		rep->cpu_seconds = json_number_value(v);
	if ((v = json_object_get(usage, "max_rss_bytes")) && json_is_integer(v) &&
	    json_integer_value(v) >= 0)
		rep->max_rss_bytes = json_integer_value(v);
	return errors;
}

/* Runs: a started job its center puts back in its queue (requeue: pending;
 * preempted; held) ends its current run, kept in job_runs so the charge at
 * the job's end meters it. A start the report gives from before the last
 * run ended is that run's, re-sent: it does not open a run again (no time
 * is billed twice); a running job whose start nobody gave starts now. */
static int runs_of_report(struct hpcnet_db *db, struct hpcnet_job_report *r, int from, int to,
			  int64_t now)
{
	int64_t prior_ms, last_end;
	int rc;

	if ((from == HPCNET_JOB_RUNNING || from == HPCNET_JOB_SUSPENDED) &&
	    (to == HPCNET_JOB_PENDING || to == HPCNET_JOB_PREEMPTED || to == HPCNET_JOB_HELD)) {
		rc = hpcnet_store_job_run_close(db, r->job_id, r->ended_at > 0 ? r->ended_at : now,
						r->state);
		r->started_at = r->ended_at = 0; /* the job has neither until it runs again */
		return rc < 0 ? rc : 0;
	}
	rc = hpcnet_store_job_runs_prior(db, r->job_id, 0, &prior_ms, &last_end);
	if (rc < 0)
		return rc;
	if (last_end > 0 && r->started_at > 0 && r->started_at < last_end)
		r->started_at = 0;
	if (last_end > 0 && r->started_at == 0 && to == HPCNET_JOB_RUNNING)
		r->started_at = now > last_end ? now : last_end;
	return 0;
}

/* Applies one report inside the caller's transaction: "applied" or "ignored".
 * A report that ends the job charges it in the same transaction, so the
 * end and its charge survive a crash together or not at all. */
static int apply_report(struct hpcnet_db *db, const struct hpcnet_billing_cfg *billing,
			const char *center_id, const struct hpcnet_job_report *rep,
			const struct hpcnet_meter_center *mc, const char **result, json_t **state)
{
	json_t *job = NULL;
	int rc = hpcnet_store_job_get(db, rep->job_id, &job);
	const char *cur, *center;

	*result = "ignored";
	if (rc == HPCNET_ENOTFOUND) {
		*state = json_null();
		return 0;
	}
	if (rc < 0)
		return rc;
	cur = json_string_value(json_object_get(job, "state"));
	center = json_string_value(json_object_get(job, "center_id"));
	*state = json_string(cur);
	if (!center || strcmp(center, center_id) != 0)
		goto out; /* not this center's job (e.g. re-placed): tell it, change nothing */
	if (rep->control_done || rep->control_error) {
		const char *action = json_string_value(json_object_get(job, "control_requested"));

		if (action && (rep->control_error || strcmp(action, rep->control_done) == 0)) {
			rc = hpcnet_store_job_control_done(db, rep->job_id, action);
			if (rc >= 0)
				rc = hpcnet_store_job_event_add(db, rep->job_id, rep->control_error
								? "control_failed" : "control_done",
								hpcnet_now_ms(), rep->control_error
								? rep->control_error : action);
			if (rc < 0)
				goto out;
		}
	}
	if (strcmp(rep->state, "recalled") == 0) {
		char why[256];

		snprintf(why, sizeof(why), "given back unstarted by its center%s%s",
			 rep->reason && *rep->reason ? ": " : "", rep->reason ? rep->reason : "");
		rc = hpcnet_store_job_recalled(db, rep->job_id, why, hpcnet_now_ms());
		if (rc == 1) {
			*result = "applied";
			json_decref(*state);
			*state = json_string("queued");
		}
		goto out;
	}
	if (hpcnet_job_transition_ok(hpcnet_job_state_parse(cur), hpcnet_job_state_parse(rep->state))) {
		int st = hpcnet_job_state_parse(rep->state);
		struct hpcnet_job_report r = *rep;

		rc = runs_of_report(db, &r, hpcnet_job_state_parse(cur), st, hpcnet_now_ms());
		if (rc >= 0)
			rc = hpcnet_store_job_apply_report(db, &r, hpcnet_now_ms());
		if (rc >= 0 && hpcnet_job_state_final(st))
			rc = hpcnet_billing_settle(db, billing, rep->job_id, mc, hpcnet_now_ms());
		else if (rc >= 0 && st == HPCNET_JOB_RUNNING)
			rc = hpcnet_billing_meter_running(db, billing, rep->job_id, mc, hpcnet_now_ms());
		if (rc < 0)
			goto out;
		*result = "applied";
		json_decref(*state);
		*state = json_string(rep->state);
	}
out:
	json_decref(job);
	return rc < 0 ? rc : 0;
}

/* A batch of reports, applied as one write of a group commit. */
struct reports_write {
	const char *center_id;
	const struct hpcnet_billing_cfg *billing;
	const struct hpcnet_job_report *reps;
	const struct hpcnet_meter_center *usage;
	size_t n;
	json_t *results; /* out */
};

static int reports_fn(struct hpcnet_db *db, void *arg)
{
	struct reports_write *w = arg;
	size_t i;
	int rc = 0;

	json_array_clear(w->results);
	for (i = 0; rc == 0 && i < w->n; i++) {
		const char *result;
		json_t *state = NULL;

		rc = apply_report(db, w->billing, w->center_id, &w->reps[i], &w->usage[i], &result,
				  &state);
		if (rc == 0)
			json_array_append_new(w->results, json_pack("{s:s, s:s, s:o}", "job_id",
								    w->reps[i].job_id, "result",
								    result, "state", state));
		else
			json_decref(state);
	}
	return rc;
}

int hpcnet_h_agents_reports(struct hpcnet_req *r)
{
	json_t *body = NULL, *items, *item, *errors = NULL, *results = json_array();
	struct hpcnet_job_report *reps = NULL;
	struct hpcnet_meter_center *usage = NULL;
	struct reports_write rw;
	size_t i, n;
	int rc;

	if (own_center(r) < 0 || hpcnet_req_json(r, &body) < 0)
		goto out;
	items = json_object_get(body, "items");
	if (!json_is_array(items) || json_object_size(body) != 1) {
		hpcnet_validate_add(&errors, "items", "must be the only field, an array of reports");
		hpcnet_reply_invalid(r, errors);
		goto out;
	}
	n = json_array_size(items);
	if (n > MAX_REPORTS) {
		hpcnet_reply_problem(r, 413, "at most %d reports per call", MAX_REPORTS);
		goto out;
	}
	/* Validate everything first: a bad batch changes nothing. */
	reps = hpcnet_xcalloc(n ? n : 1, sizeof(*reps));
	usage = hpcnet_xcalloc(n ? n : 1, sizeof(*usage));
	json_array_foreach(items, i, item) {
		errors = parse_report(item, &reps[i], &usage[i]);
		if (errors) {
			hpcnet_reply_invalid(r, errors);
			goto out;
		}
	}
	rw = (struct reports_write){ .center_id = r->center_id, .reps = reps, .n = n,
				     .results = results, .billing = &r->hub->billing,
				     .usage = usage };
	rc = hpcnet_req_write(r, reports_fn, &rw);
	if (rc < 0) {
		hpcnet_reply_error(r, rc);
		goto out;
	}
	hpcnet_notify_bump(&r->hub->notify); /* followers and the scheduler */
	hpcnet_reply_json(r, 200, json_pack("{s:O}", "results", results));
out:
	free(reps);
	free(usage);
	json_decref(results);
	json_decref(body);
	return 0;
}
