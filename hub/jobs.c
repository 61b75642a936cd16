/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /api/v1/jobs: submit, list, show, cancel.
 *
 * Submit validates everything before it writes anything, refuses a job no
 * center could ever run, and commits the job, its first events and its
 * idempotency key in one transaction (fsync'd before the 201), so an
 * acknowledged job survives any crash and a retried request with the same
 * Idempotency-Key never makes a second one. Who sees and controls a job
 * is the permission table's "jobs.read"/"jobs.control" (hub/perm.c): the
 * owner, the admins of the org of the job's project, the operators of the
 * job's center, platform admins; to anyone else it answers 404, exactly
 * like a job that does not exist.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/clock.h"
#include "common/crypto.h"
#include "common/log.h"
#include "hpcnet/error.h"
#include "hpcnet/job.h"
#include "hub/billing/billing.h"
#include "hub/billing/quota.h"
#include "hub/handlers.h"
#include "hub/http.h"
#include "hub/perm.h"
#include "hub/schedloop.h"
#include "hub/store/store.h"
#include "hub/validate.h"
#include "hub/view.h"

#define MAX_SCRIPT (1024 * 1024)
#define MAX_ENV 256
#define MAX_FILES 100

static const struct hpcnet_field submit_fields[] = {
	{ .name = "name", .type = HPCNET_F_STRING, .min = 1, .max = 128 },
	{ .name = "script", .type = HPCNET_F_STRING, .min = 1, .max = MAX_SCRIPT },
	{ .name = "command", .type = HPCNET_F_STRING, .min = 1, .max = 64 * 1024 },
	{ .name = "cores", .type = HPCNET_F_INT, .min = 1, .max = 100000 },
	{ .name = "memory_bytes", .type = HPCNET_F_INT, .min = 0, .max = INT64_MAX / 2 },
	{ .name = "gpus", .type = HPCNET_F_INT, .min = 0, .max = 1024 },
	{ .name = "walltime_seconds", .type = HPCNET_F_INT, .min = 1, .max = 365LL * 24 * 3600 },
	{ .name = "center", .type = HPCNET_F_STRING, .min = 1, .max = 64 },
	{ .name = "env", .type = HPCNET_F_OBJECT },
	{ .name = "files", .type = HPCNET_F_ARRAY },
	{ .name = "gpu_model", .type = HPCNET_F_STRING, .min = 1, .max = 31 },
	{ .name = "partition", .type = HPCNET_F_STRING, .min = 1, .max = 64 },
	{ .name = "account", .type = HPCNET_F_STRING, .min = 1, .max = 64 },
	{ .name = "qos", .type = HPCNET_F_STRING, .min = 1, .max = 64 },
	{ .name = "project", .type = HPCNET_F_STRING, .min = 1, .max = 128 },
	{ 0 },
};

/* Scheduler-facing names: letters, digits and - _ . only, so they are
 * safe on a command line and in a Slurm/Grid Engine option. */
static int word_ok(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '-' || *s == '_' || *s == '.'))
			return 0;
	return 1;
}

static int env_name_ok(const char *s)
{
	size_t i;

	if (!*s || (*s >= '0' && *s <= '9') || strlen(s) > 128)
		return 0;
	for (i = 0; s[i]; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

static void check_env(json_t *env, json_t **errors)
{
	const char *k;
	json_t *v;

	if (json_object_size(env) > MAX_ENV)
		hpcnet_validate_add(errors, "env", "has more than %d variables", MAX_ENV);
	json_object_foreach(env, k, v) {
		if (!env_name_ok(k))
			hpcnet_validate_add(errors, "env", "'%.64s' is not a valid variable name", k);
		else if (!json_is_string(v))
			hpcnet_validate_add(errors, "env", "value of '%s' must be a string", k);
	}
}

/* A relative path inside the job directory: no "..", no empty parts. */
static int path_ok(const char *p)
{
	const char *s = p;

	if (!*p || *p == '/' || strlen(p) > 255)
		return 0;
	while (*s) {
		const char *e = strchrnul(s, '/');
		size_t n = (size_t)(e - s);

		if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
			return 0;
		s = *e ? e + 1 : e;
	}
	return 1;
}

/* Files as [{path, content_base64}]: text content is encoded here so the
 * agent sees one form. Returns a new array; problems go to *errors. */
static json_t *norm_files(json_t *files, json_t **errors)
{
	json_t *out = json_array(), *f;
	size_t i;

	if (json_array_size(files) > MAX_FILES)
		hpcnet_validate_add(errors, "files", "has more than %d entries", MAX_FILES);
	json_array_foreach(files, i, f) {
		const char *path = json_string_value(json_object_get(f, "path"));
		json_t *text = json_object_get(f, "content"), *b64 = json_object_get(f, "content_base64");
		char field[32];

		snprintf(field, sizeof(field), "files[%zu]", i);
		if (!json_is_object(f) || !path || !path_ok(path)) {
			hpcnet_validate_add(errors, field, "needs a relative \"path\" without '..'");
			continue;
		}
		if (json_object_size(f) != 2 || (!json_is_string(text) == !json_is_string(b64))) {
			hpcnet_validate_add(errors, field, "needs exactly one of \"content\" or"
					    " \"content_base64\" (a string) beside \"path\"");
			continue;
		}
		if (json_is_string(text)) {
			size_t n = json_string_length(text), cap = sodium_base64_ENCODED_LEN(
					n, sodium_base64_VARIANT_ORIGINAL);
			char *enc = hpcnet_xmalloc(cap);

			sodium_bin2base64(enc, cap, (const unsigned char *)json_string_value(text), n,
					  sodium_base64_VARIANT_ORIGINAL);
			json_array_append_new(out, json_pack("{s:s, s:s}", "path", path,
							     "content_base64", enc));
			free(enc);
		} else {
			size_t n = json_string_length(b64), binlen;
			unsigned char *bin = hpcnet_xmalloc(n + 1);

			if (sodium_base642bin(bin, n + 1, json_string_value(b64), n, "\n\r ", &binlen,
					      NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
				hpcnet_validate_add(errors, field, "content_base64 is not valid base64");
			else
				json_array_append_new(out, json_pack("{s:s, s:O}", "path", path,
								     "content_base64", b64));
			free(bin);
		}
	}
	return out;
}

/* Finds a center by id or name; its id into id, its name into *name
 * (a new string) unless name is NULL. */
static int resolve_center(struct hpcnet_db *db, const char *key, char id[HPCNET_ID_LEN],
			  char **name)
{
	json_t *row = NULL;
	int rc = hpcnet_store_center_get(db, key, &row);

	if (rc == 0) {
		snprintf(id, HPCNET_ID_LEN, "%s", json_string_value(json_object_get(row, "id")));
		if (name)
			*name = hpcnet_xstrdup(json_string_value(json_object_get(row, "name")));
	}
	json_decref(row);
	return rc;
}

/* 0 when some center could ever run the job (and *est is its hold);
 * else replies 422. */
static int admit(struct hpcnet_req *r, const struct hpcnet_sched_job *j,
		 const struct hpcnet_meter_job *mj, struct hpcnet_estimate *est)
{
	struct hpcnet_sched_center *c = NULL;
	json_t *rows = NULL;
	char why[256];
	size_t n;
	int rc = hpcnet_schedloop_centers(hpcnet_req_db(r), 0, &c, &n, &rows);

	if (rc == 0)
		rc = hpcnet_sched_admit(c, n, j, why, sizeof(why));
	if (rc == 0)
		rc = hpcnet_billing_estimate(r->db, &r->hub->billing, mj, c, n, j, hpcnet_now_ms(),
					     est);
	free(c);
	json_decref(rows);
	if (rc == HPCNET_ENOFIT)
		hpcnet_reply_problem(r, 422, "%s", why);
	else if (rc < 0)
		hpcnet_reply_error(r, rc);
	return rc;
}

/* Replies with the full job view; row is the job if the caller has it
 * already (borrowed), else NULL to load it. */
static int reply_job_row(struct hpcnet_req *r, int status, const char *id, json_t *have)
{
	json_t *row = json_incref(have), *events = NULL;
	int rc = row ? 0 : hpcnet_store_job_get(hpcnet_req_db(r), id, &row);

	if (rc == 0)
		rc = hpcnet_store_job_events(hpcnet_req_db(r), id, &events);
	if (rc == 0)
		hpcnet_reply_json(r, status, hpcnet_view_job(row, events));
	else
		hpcnet_reply_error(r, rc);
	json_decref(row);
	json_decref(events);
	return 0;
}

static int reply_job(struct hpcnet_req *r, int status, const char *id)
{
	return reply_job_row(r, status, id, NULL);
}

/* One submit's write, run inside a group commit (hub/store/writer.h):
 * quotas, the job, its hold, its key, all or nothing. */
struct submit_write {
	const struct hpcnet_job_row *row;
	const char *key, *hash;
	const struct hpcnet_billing_cfg *billing;
	const struct hpcnet_estimate *est;
	char existing[HPCNET_ID_LEN]; /* out: the earlier job of a replay */
	struct hpcnet_balance bal;    /* out: with HPCNET_EFUNDS */
	struct hpcnet_quota_miss miss; /* out: with HPCNET_EQUOTA */
};

static void meter_job_of_row(const struct hpcnet_job_row *row, struct hpcnet_meter_job *mj)
{
	*mj = (struct hpcnet_meter_job){ .cores = row->cores, .gpus = row->gpus,
					 .memory_bytes = row->memory_bytes,
					 .walltime_s = row->walltime_seconds,
					 .gpu_model = row->gpu_model };
}

/* 0 inserted, 1 a replay of an earlier job under the same key (nothing
 * written), HPCNET_ECONFLICT the key was used with another body,
 * HPCNET_EQUOTA / HPCNET_EFUNDS refused (nothing written). */
static int submit_fn(struct hpcnet_db *db, void *arg)
{
	struct submit_write *w = arg;
	struct hpcnet_meter_job mj;
	json_t *prior = NULL;
	int rc = 0;

	if (w->key) {
		rc = hpcnet_store_idem_get(db, w->row->user_id, w->key, &prior);
		if (rc == 1) {
			if (strcmp(json_string_value(json_object_get(prior, "body_sha256")), w->hash))
				rc = HPCNET_ECONFLICT;
			else
				snprintf(w->existing, sizeof(w->existing), "%s",
					 json_string_value(json_object_get(prior, "job_id")));
			json_decref(prior);
			return rc;
		}
	}
	meter_job_of_row(w->row, &mj);
	/* Checked here, in the serialized write, so concurrent submits see
	 * each other's jobs: none can take what another already reserved. */
	if (rc == 0)
		rc = hpcnet_quota_check(db, w->row->user_id, w->row->project_id,
					w->row->org_id, &mj, hpcnet_store_job_input_bytes(w->row),
					w->row->submitted_at, &w->miss);
	if (rc == 0)
		rc = hpcnet_store_job_insert(db, w->row);
	if (rc == 0) {
		/* the payer: the project's org, else the user (billing.h) */
		struct hpcnet_hold_req hr = { .job_id = w->row->id,
					      .payer_kind = w->row->org_id ? "org" : "user",
					      .payer_id = w->row->org_id ? w->row->org_id
									  : w->row->user_id,
					      .est = w->est, .now = w->row->submitted_at };

		rc = hpcnet_billing_hold(db, w->billing, &hr, &w->bal);
	}
	if (rc == 0 && w->key)
		rc = hpcnet_store_idem_put(db, w->row->user_id, w->key, w->hash, w->row->id,
					   w->row->submitted_at);
	return rc;
}

/* 402 with what the job needs and what the payer has. */
static void reply_funds(struct hpcnet_req *r, const struct submit_write *w)
{
	char need[32], avail[32], bal[32], held[32], credit[32];
	const char *cur = w->billing->currency;

	hpcnet_money_format(w->est->amount, need, sizeof(need));
	hpcnet_money_format(w->bal.available, avail, sizeof(avail));
	hpcnet_money_format(w->bal.balance, bal, sizeof(bal));
	hpcnet_money_format(w->bal.held, held, sizeof(held));
	hpcnet_money_format(w->bal.credit_limit, credit, sizeof(credit));
	hpcnet_reply_problem(r, 402, "insufficient funds: this job needs a hold of %s %s (its"
			     " request for its whole walltime at the %s) but only %s %s is available"
			     " to %s (balance %s + credit limit %s; %s more is held by unfinished"
			     " jobs). Ask a platform administrator to top up the account, or ask for"
			     " fewer resources or a shorter walltime", need, cur, w->est->basis, avail,
			     cur, w->row->org_id ? "the project's organization" : "you", bal, credit,
			     held);
	json_object_set_new(r->json, "needed", json_integer(w->est->amount));
	json_object_set_new(r->json, "available", json_integer(w->bal.available));
	json_object_set_new(r->json, "currency", json_string(cur));
}

/* 409 naming the quota, its limit and what is left. */
static void reply_quota(struct hpcnet_req *r, const struct hpcnet_quota_miss *m)
{
	hpcnet_reply_problem(r, 409, "quota exceeded: %s%s%s of %s (%s) is %lld %s; %lld used or"
			     " reserved by unfinished jobs, %lld left, this job asks for %lld."
			     " Wait for jobs to end, ask for less, or ask an administrator to raise"
			     " the quota", m->resource, *m->gpu_model ? " of " : "", m->gpu_model,
			     m->scope, m->period, (long long)m->limit, m->unit, (long long)m->used,
			     (long long)m->left, (long long)m->asked);
	json_object_set_new(r->json, "quota", json_string(m->resource));
	json_object_set_new(r->json, "limit", json_integer(m->limit));
	json_object_set_new(r->json, "left", json_integer(m->left));
}

/* A validated submit body: everything the job row and the scheduler need.
 * Strings point into body or the owned buffers; free with job_clear(). */
struct job_req {
	json_t *body, *files;
	char center[HPCNET_ID_LEN];
	char project_id[HPCNET_ID_LEN], org_id[HPCNET_ID_LEN];
	char *script_buf, *env_json, *files_json;
	char *center_name, *project_name; /* of center and project, for the answer */
	struct hpcnet_sched_job sj;
	struct hpcnet_job_row row;
};

static void job_clear(struct job_req *jr)
{
	free(jr->script_buf);
	free(jr->env_json);
	free(jr->files_json);
	free(jr->center_name);
	free(jr->project_name);
	json_decref(jr->files);
	json_decref(jr->body);
}

static const char *body_str(struct job_req *jr, const char *k)
{
	return json_string_value(json_object_get(jr->body, k));
}

/* The job's project: one the caller may charge ("projects.use": a member
 * of its org). Unknown and not-yours answer alike (422 naming the field),
 * so the check does not reveal other orgs' project names. */
static int job_project(struct hpcnet_req *r, struct job_req *jr)
{
	struct hpcnet_perm_obj o = { .type = "project", .id = body_str(jr, "project") };
	json_t *p = NULL, *errors = NULL;
	int rc = hpcnet_store_project_get(hpcnet_req_db(r), o.id, &p);

	if (rc == 0) {
		o.org_id = json_string_value(json_object_get(p, "org_id"));
		rc = hpcnet_perm_allows(r, "projects.use", &o);
		if (rc == 0)
			rc = HPCNET_ENOTFOUND;
	}
	if (rc >= 0) {
		snprintf(jr->project_id, sizeof(jr->project_id), "%s",
			 json_string_value(json_object_get(p, "id")));
		snprintf(jr->org_id, sizeof(jr->org_id), "%s", o.org_id);
		jr->project_name = hpcnet_xstrdup(json_string_value(json_object_get(p, "name")));
	}
	json_decref(p);
	if (rc == HPCNET_ENOTFOUND) {
		hpcnet_validate_add(&errors, "project", "names no project of an organization you belong"
				    " to: '%s' (see hpcnet projects)", o.id);
		hpcnet_reply_invalid(r, errors);
	} else if (rc < 0) {
		hpcnet_reply_error(r, rc);
	}
	return rc < 0 ? rc : 0;
}

/* Parses and validates the request body into jr. 0, or a 400/422 reply
 * has been queued and HPCNET_EINVAL returned. Writes nothing. */
static int job_parse(struct hpcnet_req *r, struct job_req *jr)
{
	static const char *words[] = { "gpu_model", "partition", "account", "qos", NULL };
	json_t *errors, *env;
	const char *script, *pin;
	int k;

	memset(jr, 0, sizeof(*jr));
	if (hpcnet_req_json(r, &jr->body) < 0)
		return HPCNET_EINVAL;
	errors = hpcnet_validate(jr->body, submit_fields);
	if (!json_object_get(jr->body, "script") == !json_object_get(jr->body, "command"))
		hpcnet_validate_add(&errors, "script", "give exactly one of \"script\" or \"command\"");
	env = json_object_get(jr->body, "env");
	if (json_is_object(env))
		check_env(env, &errors);
	if (json_is_array(json_object_get(jr->body, "files")))
		jr->files = norm_files(json_object_get(jr->body, "files"), &errors);
	for (k = 0; words[k]; k++)
		if (body_str(jr, words[k]) && !word_ok(body_str(jr, words[k])))
			hpcnet_validate_add(&errors, words[k], "may only hold letters, digits, '-', '_'"
					    " and '.'");
	pin = body_str(jr, "center");
	if (!errors && pin && resolve_center(hpcnet_req_db(r), pin, jr->center, &jr->center_name) < 0)
		hpcnet_validate_add(&errors, "center", "names no known center: '%s' (see hpcnet centers)",
				    pin);
	if (errors) {
		hpcnet_reply_invalid(r, errors);
		return HPCNET_EINVAL;
	}
	if (body_str(jr, "project") && job_project(r, jr) < 0)
		return HPCNET_EINVAL;
	jr->sj = (struct hpcnet_sched_job){
		.cores = json_is_integer(json_object_get(jr->body, "cores"))
				 ? json_integer_value(json_object_get(jr->body, "cores")) : 1,
		.mem = json_integer_value(json_object_get(jr->body, "memory_bytes")),
		.gpus = json_integer_value(json_object_get(jr->body, "gpus")),
		.gpu_model = body_str(jr, "gpu_model"),
		.pin = pin ? jr->center : NULL,
	};
	script = body_str(jr, "script");
	if (!script)
		script = jr->script_buf = hpcnet_xasprintf("#!/bin/sh\n%s\n", body_str(jr, "command"));
	jr->env_json = json_is_object(env) ? json_dumps(env, JSON_COMPACT | JSON_SORT_KEYS)
					   : hpcnet_xstrdup("{}");
	jr->files_json = jr->files ? json_dumps(jr->files, JSON_COMPACT) : hpcnet_xstrdup("[]");
	jr->row = (struct hpcnet_job_row){
		.user_id = r->user_id, .script = script, .env_json = jr->env_json,
		.files_json = jr->files_json, .center_requested = jr->sj.pin,
		.name = body_str(jr, "name") ? body_str(jr, "name") : "job",
		.cores = (int)jr->sj.cores, .gpus = (int)jr->sj.gpus, .memory_bytes = jr->sj.mem,
		.walltime_seconds = json_is_integer(json_object_get(jr->body, "walltime_seconds"))
			? json_integer_value(json_object_get(jr->body, "walltime_seconds")) : 3600,
		.gpu_model = jr->sj.gpu_model, .partition = body_str(jr, "partition"),
		.account = body_str(jr, "account"), .qos = body_str(jr, "qos"),
		.project_id = jr->project_id[0] ? jr->project_id : NULL,
		.org_id = jr->org_id[0] ? jr->org_id : NULL,
	};
	return 0;
}

/* 201 with the job as written: the same view a GET would give, built
 * from the row in hand instead of reading it back. */
static void reply_inserted(struct hpcnet_req *r, const struct job_req *jr)
{
	struct hpcnet_job_names names = { .user = r->user_name,
					  .center_requested = jr->center_name,
					  .project = jr->project_name };
	json_t *row, *events;

	hpcnet_store_job_inserted(&jr->row, &names, &row, &events);
	hpcnet_reply_json(r, 201, hpcnet_view_job(row, events));
	json_decref(row);
	json_decref(events);
}

int hpcnet_h_jobs_submit(struct hpcnet_req *r)
{
	const char *key = hpcnet_req_header(r, "Idempotency-Key");
	char id[HPCNET_ID_LEN], hash[HPCNET_SHA256_HEX_LEN];
	struct hpcnet_estimate est;
	struct hpcnet_meter_job mj;
	struct submit_write sw;
	struct job_req jr;
	int rc;

	if (key && (!*key || strlen(key) > 255)) {
		hpcnet_reply_problem(r, 400, "Idempotency-Key must be 1 to 255 characters");
		return 0;
	}
	if (job_parse(r, &jr) < 0)
		goto out;
	meter_job_of_row(&jr.row, &mj);
	if (admit(r, &jr.sj, &mj, &est) < 0)
		goto out;
	hpcnet_crypto_sha256_hex(r->body.data, r->body.len, hash);
	hpcnet_id_new("job", id);
	jr.row.id = id;
	jr.row.submitted_at = hpcnet_now_ms();
	sw = (struct submit_write){ .row = &jr.row, .key = key, .hash = hash, .est = &est,
				    .billing = &r->hub->billing };
	r->audit_status = 201;
	snprintf(r->audit_object, sizeof(r->audit_object), "%s", id);
	rc = hpcnet_req_write(r, submit_fn, &sw);
	if (rc == 1) /* a replay changed nothing: its row names the earlier job */
		snprintf(r->audit_object, sizeof(r->audit_object), "%s", sw.existing);
	if (rc == HPCNET_EFUNDS) {
		reply_funds(r, &sw);
	} else if (rc == HPCNET_EQUOTA) {
		reply_quota(r, &sw.miss);
	} else if (rc == 1) {
		reply_job(r, 200, sw.existing);
	} else if (rc == HPCNET_ECONFLICT) {
		hpcnet_reply_problem(r, 409, "Idempotency-Key '%s' was already used with a different"
					     " request body", key);
	} else if (rc < 0) {
		hpcnet_reply_error(r, rc);
	} else {
		hpcnet_notify_bump(&r->hub->notify);
		reply_inserted(r, &jr);
	}
out:
	job_clear(&jr);
	return 0;
}

int hpcnet_h_jobs_explain(struct hpcnet_req *r)
{
	struct hpcnet_sched_center *c = NULL;
	struct hpcnet_sched_verdict *v = NULL;
	struct hpcnet_meter_job mj;
	struct hpcnet_estimate est;
	json_t *rows = NULL, *items;
	struct job_req jr;
	char why[256] = "";
	size_t i, n = 0;
	int best, rc;

	if (job_parse(r, &jr) < 0)
		goto out;
	rc = hpcnet_schedloop_centers(hpcnet_req_db(r), 1, &c, &n, &rows);
	if (rc < 0) {
		hpcnet_reply_error(r, rc);
		goto out;
	}
	v = hpcnet_xcalloc(n + 1, sizeof(*v));
	best = hpcnet_sched_explain(c, n, &jr.sj, v);
	meter_job_of_row(&jr.row, &mj);
	items = json_array();
	for (i = 0; i < n; i++) {
		json_t *cost = json_null();

		/* What running it there would cost at most (its walltime at
		 * that center's prices in force): the figure a user compares. */
		if (v[i].eligible) {
			struct hpcnet_sched_job one = jr.sj;

			one.pin = c[i].id;
			rc = hpcnet_billing_estimate(r->db, &r->hub->billing, &mj, &c[i], 1, &one,
						     hpcnet_now_ms(), &est);
			if (rc < 0) {
				json_decref(items);
				hpcnet_reply_error(r, rc);
				goto out;
			}
			cost = json_integer(est.amount);
		}
		json_array_append_new(items, json_pack("{s:s, s:s, s:b, s:b, s:o, s:s, s:o, s:o}",
			"center", c[i].name, "center_id", c[i].id, "eligible", v[i].eligible,
			"fits_now", v[i].fits_now, "score", v[i].fits_now ? json_real(v[i].score)
									  : json_null(),
			"reason", v[i].reason, "estimated_wait_seconds",
			c[i].est_wait_s >= 0 ? json_integer(c[i].est_wait_s) : json_null(),
			"estimated_cost", cost));
	}
	rc = hpcnet_sched_admit(c, n, &jr.sj, why, sizeof(why));
	hpcnet_reply_json(r, 200, json_pack("{s:o, s:o, s:b, s:s, s:s}", "verdicts", items, "choice",
					    best >= 0 ? json_string(c[best].name) : json_null(),
					    "admissible", rc == 0, "detail",
					    rc == 0 ? (best >= 0 ? "would be placed now" :
						       "would wait in the queue") : why,
					    "currency", r->hub->billing.currency));
out:
	free(v);
	free(c);
	json_decref(rows);
	job_clear(&jr);
	return 0;
}

/* Loads a job the caller may `action` on; replies 404/403 otherwise. */
static int load_job(struct hpcnet_req *r, const char *action, json_t **row)
{
	struct hpcnet_perm_obj o = { .type = "job", .id = r->params[0] };
	int rc;

	*row = NULL;
	r->perm_checked = 1;
	if (!hpcnet_id_valid("job", r->params[0])) {
		hpcnet_reply_problem(r, 404, "'%s' is not a job id (they look like job_01J...)",
				     r->params[0]);
		return HPCNET_ENOTFOUND;
	}
	rc = hpcnet_store_job_get(hpcnet_req_db(r), r->params[0], row);
	if (rc == HPCNET_ENOTFOUND)
		hpcnet_reply_problem(r, 404, "no job '%s' (or it is not yours)", r->params[0]);
	else if (rc < 0)
		hpcnet_reply_error(r, rc);
	if (rc == 0) {
		o.owner_id = json_string_value(json_object_get(*row, "user_id"));
		o.org_id = json_string_value(json_object_get(*row, "org_id"));
		o.center_id = json_string_value(json_object_get(*row, "center_id"));
		rc = hpcnet_perm_check(r, action, &o);
	}
	if (rc < 0) {
		json_decref(*row);
		*row = NULL;
	}
	return rc;
}

int hpcnet_jobs_visible(struct hpcnet_req *r, json_t **row)
{
	return load_job(r, "jobs.read", row);
}

int hpcnet_jobs_controllable(struct hpcnet_req *r, json_t **row)
{
	return load_job(r, "jobs.control", row);
}

int hpcnet_jobs_cancel_row(struct hpcnet_db *db, const struct hpcnet_billing_cfg *billing,
			   json_t *job, const char *reason)
{
	const char *id = json_string_value(json_object_get(job, "id"));
	int64_t now = hpcnet_now_ms();
	int rc = 0;

	if (json_is_null(json_object_get(job, "center_id")))
		/* No center has it yet: it ends here. If the scheduler
		 * dispatched it a moment ago, state no longer matches (0) and
		 * the cancel goes through the center instead. */
		rc = hpcnet_store_job_set_state(db, id, json_string_value(json_object_get(job, "state")),
						"cancelled", reason, now);
	if (rc == 1) /* it never ran: its hold goes back in the same commit */
		return hpcnet_billing_settle(db, billing, id, NULL, now) < 0 ? HPCNET_ESTORE : 0;
	if (rc == 0)
		rc = hpcnet_store_job_request_cancel(db, id, now);
	return rc < 0 ? rc : 0;
}

int hpcnet_h_jobs_get(struct hpcnet_req *r)
{
	json_t *row = NULL;

	if (hpcnet_jobs_visible(r, &row) < 0)
		return 0;
	reply_job_row(r, 200, r->params[0], row);
	json_decref(row);
	return 0;
}

int hpcnet_h_jobs_list(struct hpcnet_req *r)
{
	const char *state = hpcnet_req_query(r, "state"), *cursor = hpcnet_req_query(r, "cursor");
	const char *center = hpcnet_req_query(r, "center"), *user = hpcnet_req_query(r, "user");
	char center_id[HPCNET_ID_LEN], user_id[HPCNET_ID_LEN];
	json_t *rows = NULL, *items, *row, *u = NULL;
	struct hpcnet_perm_scope scope;
	struct hpcnet_job_query q;
	int64_t limit, since, until;
	size_t i;
	int rc;

	if (hpcnet_req_query_int(r, "limit", 1, 1000, 50, &limit) < 0)
		return 0;
	if (state && hpcnet_job_state_parse(state) < 0)
		return hpcnet_reply_problem(r, 400, "unknown state '%s' (one of submitted, queued,"
					    " dispatched, pending, running, succeeded, failed, cancelled,"
					    " lost)", state);
	if (cursor && !hpcnet_id_valid("job", cursor))
		return hpcnet_reply_problem(r, 400, "invalid cursor: pass next_cursor from the last page");
	if (hpcnet_req_query_time(r, "submitted_after", HPCNET_DB_NULL, &since) < 0 ||
	    hpcnet_req_query_time(r, "submitted_before", HPCNET_DB_NULL, &until) < 0)
		return 0;
	if (center && resolve_center(hpcnet_req_db(r), center, center_id, NULL) < 0)
		return hpcnet_reply_problem(r, 400, "no center with id or name '%s'", center);
	hpcnet_perm_scope(r, "jobs.read", &scope);
	user_id[0] = '\0';
	if (user) {
		/* A filter inside what the caller may see anyway: naming a
		 * user reveals nothing the plain list would not. */
		rc = hpcnet_users_find(hpcnet_req_db(r), user, &u);
		if (rc < 0 && !scope.all && !scope.org_admin && !scope.center)
			return hpcnet_reply_problem(r, 403, "only an administrator may list other users'"
						    " jobs");
		if (rc < 0)
			return hpcnet_reply_problem(r, 400, "no user '%s'", user);
		snprintf(user_id, sizeof(user_id), "%s", json_string_value(json_object_get(u, "id")));
		json_decref(u);
		if (strcmp(user_id, r->user_id) != 0 && !scope.all && !scope.org_admin && !scope.center)
			return hpcnet_reply_problem(r, 403, "only an administrator, an org admin or a"
						    " center operator may list other users' jobs");
	}
	q = (struct hpcnet_job_query){
		.caller = r->user_id, .all = scope.all, .own = scope.own, .org_admin = scope.org_admin,
		.center = scope.center, .user_id = user_id[0] ? user_id : NULL, .state = state,
		.center_id = center ? center_id : NULL, .before_id = cursor, .since_ms = since,
		.until_ms = until, .limit = limit,
	};
	rc = hpcnet_store_job_list_visible(hpcnet_req_db(r), &q, &rows);
	if (rc < 0)
		return hpcnet_reply_error(r, rc);
	items = json_array();
	json_array_foreach(rows, i, row)
		json_array_append_new(items, hpcnet_view_job(row, NULL));
	row = json_array_get(rows, json_array_size(rows) - 1);
	hpcnet_reply_json(r, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor",
					    (int64_t)json_array_size(rows) == limit
						    ? json_copy(json_object_get(row, "id"))
						    : json_null()));
	json_decref(rows);
	return 0;
}

struct cancel_write {
	json_t *row;
	const char *reason;
	const struct hpcnet_billing_cfg *billing;
};

static int cancel_fn(struct hpcnet_db *db, void *arg)
{
	struct cancel_write *w = arg;

	return hpcnet_jobs_cancel_row(db, w->billing, w->row, w->reason);
}

int hpcnet_h_jobs_cancel(struct hpcnet_req *r)
{
	struct cancel_write w;
	json_t *row = NULL;
	const char *state;
	char reason[200];
	int rc;

	if (hpcnet_jobs_controllable(r, &row) < 0)
		return 0;
	state = json_string_value(json_object_get(row, "state"));
	if (hpcnet_job_state_final(hpcnet_job_state_parse(state))) {
		hpcnet_reply_problem(r, 409, "job %s already ended (%s)", r->params[0], state);
		goto out;
	}
	snprintf(reason, sizeof(reason), "cancelled by %s", r->user_name);
	w = (struct cancel_write){ .row = row, .reason = reason, .billing = &r->hub->billing };
	rc = hpcnet_req_write(r, cancel_fn, &w);
	if (rc < 0) {
		hpcnet_reply_error(r, rc);
		goto out;
	}
	hpcnet_notify_bump(&r->hub->notify);
	reply_job(r, 200, r->params[0]);
out:
	json_decref(row);
	return 0;
}
