/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Recording calls in the audit log (see audit.h) and /api/v1/audit:
 * reading it (platform admins; by user, object, time range; newest
 * first, cursor = seq) and verifying the chain.
 */
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "hpcnet/error.h"
#include "hub/audit.h"
#include "hub/handlers.h"
#include "hub/http.h"
#include "hub/store/store.h"
#include "hub/store/writer.h"
#include "hub/view.h"

static int audited(const struct hpcnet_req *r)
{
	size_t n;

	if (!r->route || ((!strcmp(r->method, "GET") || !strcmp(r->method, "HEAD")) && !r->audit_read))
		return 0;
	n = strlen(r->route->pattern);
	return !(n > 10 && strcmp(r->route->pattern + n - 10, "/heartbeat") == 0);
}

/* "jobs" from "/api/v1/jobs/{id}/cancel". */
static void object_type(const char *pattern, char *buf, size_t len)
{
	const char *p = pattern + strlen("/api/v1/");

	snprintf(buf, len, "%.*s", (int)strcspn(p, "/"), p);
}

/* The "username" a request body names, or "". */
static const char *claimed_name(struct hpcnet_req *r, char *buf, size_t len)
{
	json_t *body = r->body.len ? json_loadb(r->body.data, r->body.len, 0, NULL) : NULL;
	const char *name = json_string_value(json_object_get(body, "username"));

	snprintf(buf, len, "%s", name ? name : "");
	json_decref(body);
	return buf;
}

/* Storage for one row's strings while it is built. */
struct audit_draft {
	struct hpcnet_audit_row row;
	char otype[32], oid[HPCNET_ID_LEN + 64], tried[64];
};

/* Fills d for r answered with status. After the handler (after = 1) a
 * sign-in's actor is read from its answer; inside a write it is what the
 * handler declared (r->audit_actor_id). */
static void draft(struct hpcnet_req *r, int status, int after, struct audit_draft *d)
{
	struct hpcnet_audit_row *row = &d->row;
	json_t *user = after ? json_object_get(r->json, "user") : NULL;
	json_t *signed_in = json_object_get(user, "id");

	*row = (struct hpcnet_audit_row){ .at = hpcnet_now_ms(), .source_ip = r->ip,
					  .method = r->method, .status = status,
					  .route = r->route->pattern };
	if (r->user_id[0]) {
		row->actor_type = "user";
		row->actor_id = r->user_id;
		row->actor_name = r->user_name;
	} else if (r->center_id[0]) {
		row->actor_type = "agent";
		row->actor_id = r->center_id;
		row->actor_name = "";
	} else if (status < 400 && r->audit_actor_id[0]) {
		/* a sign-in's user: answered 201, or 302 by the OIDC callback */
		row->actor_type = "user";
		row->actor_id = r->audit_actor_id;
		row->actor_name = r->audit_actor_name;
	} else if (status < 300 && json_is_string(signed_in)) {
		/* A sign-in: the actor is who got the token. */
		row->actor_type = "user";
		row->actor_id = json_string_value(signed_in);
		row->actor_name = json_string_value(json_object_get(user, "name"));
	} else {
		/* A refused sign-in: keep the name it tried (never the password),
		 * so guessing at one account shows in the log. */
		row->actor_type = "anonymous";
		row->actor_id = "";
		row->actor_name = claimed_name(r, d->tried, sizeof(d->tried));
	}
	if (!row->actor_name)
		row->actor_name = "";
	object_type(row->route, d->otype, sizeof(d->otype));
	row->object_type = d->otype;
	d->oid[0] = '\0';
	if (r->audit_object[0])
		snprintf(d->oid, sizeof(d->oid), "%s", r->audit_object);
	else if (r->audit_object_out && r->audit_object_out[0])
		snprintf(d->oid, sizeof(d->oid), "%s", r->audit_object_out);
	else if (r->params[0])
		snprintf(d->oid, sizeof(d->oid), "%s", r->params[0]);
	else if (after && status < 300 && json_is_string(json_object_get(r->json, "id")))
		snprintf(d->oid, sizeof(d->oid), "%s", json_string_value(json_object_get(r->json, "id")));
	row->object_id = d->oid;
}

static int append_fn(struct hpcnet_db *db, void *arg)
{
	return hpcnet_store_audit_append(db, arg);
}

struct audited_write {
	struct hpcnet_req *r;
	hpcnet_write_fn fn;
	void *arg;
	int status;
};

/* The handler's write, then its call's row, in one savepoint of one group
 * commit: either both are durable or neither is. The row is appended
 * after the change, at the head as it is inside this batch, so rows of
 * writes batched together chain in commit order. */
static int audited_fn(struct hpcnet_db *db, void *arg)
{
	struct audited_write *aw = arg;
	struct audit_draft d;
	int rc = aw->fn(db, aw->arg);

	if (rc != 0)
		return rc;
	draft(aw->r, aw->status, 0, &d);
	rc = hpcnet_store_audit_append(db, &d.row);
	return rc < 0 ? rc : 0;
}

int hpcnet_audit_write(struct hpcnet_req *r, hpcnet_write_fn fn, void *arg)
{
	struct audited_write aw = { .r = r, .fn = fn, .arg = arg,
				    .status = r->audit_status ? r->audit_status : 200 };
	int rc;

	if (!r->in_handler || r->audit_later || r->audit_committed || !audited(r))
		return hpcnet_store_write(r->hub->store, fn, arg);
	rc = hpcnet_store_write(r->hub->store, audited_fn, &aw);
	if (rc == 0)
		r->audit_committed = aw.status;
	/* It points into the handler's frame: keep a copy, not the pointer. */
	if (r->audit_object_out && !r->audit_object[0])
		snprintf(r->audit_object, sizeof(r->audit_object), "%s", r->audit_object_out);
	r->audit_object_out = NULL;
	return rc;
}

void hpcnet_audit_signin(struct hpcnet_req *r, const char *object_id, json_t *user)
{
	const char *id = json_string_value(json_object_get(user, "id"));
	const char *name = json_string_value(json_object_get(user, "name"));

	r->audit_status = 201;
	snprintf(r->audit_object, sizeof(r->audit_object), "%s", object_id);
	snprintf(r->audit_actor_id, sizeof(r->audit_actor_id), "%s", id ? id : "");
	snprintf(r->audit_actor_name, sizeof(r->audit_actor_name), "%s", name ? name : "");
}

void hpcnet_audit_record(struct hpcnet_req *r)
{
	struct audit_draft d;
	int rc;

	if (!audited(r))
		return;
	/* Its row went in with its change and announced this very answer. */
	if (r->audit_committed && r->audit_committed == r->status)
		return;
	if (r->audit_committed)
		hpcnet_warn("audit: %s %s committed its change announcing %d but answered %d;"
			    " recording the answer too", r->method, r->path, r->audit_committed,
			    r->status);
	draft(r, r->status, 1, &d);
	rc = hpcnet_req_write(r, append_fn, &d.row);
	if (rc < 0)
		hpcnet_error("audit: cannot record %s %s (%d): %s", r->method, r->path, r->status,
			     hpcnet_strerror(rc));
}

int hpcnet_h_audit_list(struct hpcnet_req *r)
{
	const char *user = hpcnet_req_query(r, "user"), *object = hpcnet_req_query(r, "object");
	int64_t limit, cursor, from, to;
	json_t *rows = NULL, *u = NULL, *last;
	const char *actor = NULL;
	int rc;

	if (hpcnet_req_query_int(r, "limit", 1, 1000, 50, &limit) < 0 ||
	    hpcnet_req_query_int(r, "cursor", 1, INT64_MAX, 0, &cursor) < 0 ||
	    hpcnet_req_query_time(r, "from", 0, &from) < 0 ||
	    hpcnet_req_query_time(r, "to", 0, &to) < 0)
		return 0;
	if (user) {
		/* A deleted or renamed user's rows still match by id. */
		actor = user;
		if (hpcnet_users_find(hpcnet_req_db(r), user, &u) == 0)
			actor = json_string_value(json_object_get(u, "id"));
	}
	rc = hpcnet_store_audit_list(hpcnet_req_db(r), actor, object, from, to, cursor, limit, &rows);
	if (rc < 0) {
		hpcnet_reply_error(r, rc);
		goto out;
	}
	last = json_array_get(rows, json_array_size(rows) - 1);
	hpcnet_reply_json(r, 200, json_pack("{s:o, s:o}", "items", hpcnet_view_rows(rows),
					    "next_cursor", (int64_t)json_array_size(rows) == limit
						    ? json_sprintf("%lld", (long long)json_integer_value(
								json_object_get(last, "seq")))
						    : json_null()));
out:
	json_decref(rows);
	json_decref(u);
	return 0;
}

int hpcnet_h_audit_verify(struct hpcnet_req *r)
{
	int64_t checked = 0, bad = 0;
	char why[200] = "";
	int rc = hpcnet_store_audit_verify(hpcnet_req_db(r), &checked, &bad, why, sizeof(why));

	if (rc < 0)
		return hpcnet_reply_error(r, rc);
	return hpcnet_reply_json(r, 200, json_pack("{s:b, s:I, s:o, s:s}", "ok", rc == 0,
						   "rows_checked", (json_int_t)checked,
						   "first_bad_seq", rc ? json_integer(bad) : json_null(),
						   "detail", rc ? why : "the chain is intact"));
}
