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
#include "hub/view.h"

static int audited(const struct hpcnet_req *r)
{
	size_t n;

	if (!r->route || !strcmp(r->method, "GET") || !strcmp(r->method, "HEAD"))
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

static int append_fn(struct hpcnet_db *db, void *arg)
{
	return hpcnet_store_audit_append(db, arg);
}

void hpcnet_audit_record(struct hpcnet_req *r)
{
	struct hpcnet_audit_row row = { .at = hpcnet_now_ms(), .source_ip = r->ip,
					.method = r->method, .status = r->status };
	char otype[32], oid[sizeof(r->audit_object)] = "", tried[64];
	json_t *signed_in = json_object_get(json_object_get(r->json, "user"), "id");
	int rc;

	if (!audited(r))
		return;
	row.route = r->route->pattern;
	if (r->user_id[0]) {
		row.actor_type = "user";
		row.actor_id = r->user_id;
		row.actor_name = r->user_name;
	} else if (r->center_id[0]) {
		row.actor_type = "agent";
		row.actor_id = r->center_id;
		row.actor_name = "";
	} else if (r->status < 300 && json_is_string(signed_in)) {
		/* A sign-in: the actor is who got the token. */
		row.actor_type = "user";
		row.actor_id = json_string_value(signed_in);
		row.actor_name = json_string_value(json_object_get(json_object_get(r->json, "user"),
								   "name"));
	} else {
		/* A refused sign-in: keep the name it tried (never the password),
		 * so guessing at one account shows in the log. */
		row.actor_type = "anonymous";
		row.actor_id = "";
		row.actor_name = claimed_name(r, tried, sizeof(tried));
	}
	if (!row.actor_name)
		row.actor_name = "";
	object_type(row.route, otype, sizeof(otype));
	row.object_type = otype;
	if (r->audit_object[0])
		snprintf(oid, sizeof(oid), "%s", r->audit_object);
	else if (r->params[0])
		snprintf(oid, sizeof(oid), "%s", r->params[0]);
	else if (r->status < 300 && json_is_string(json_object_get(r->json, "id")))
		snprintf(oid, sizeof(oid), "%s", json_string_value(json_object_get(r->json, "id")));
	row.object_id = oid;
	rc = hpcnet_req_write(r, append_fn, &row);
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
