/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /api/v1/centers: the list everyone sees, and what admins do to register
 * a center (create it, issue join tokens). A join token is a single-use
 * secret valid for a day, shown once; the agent trades it for its own
 * long-lived credential (agents.c).
 */
#include <string.h>

#include "common/clock.h"
#include "common/crypto.h"
#include "hpcnet/error.h"
#include "hub/handlers.h"
#include "hub/http.h"
#include "hub/perm.h"
#include "hub/store/store.h"
#include "hub/store/writer.h"
#include "hub/validate.h"
#include "hub/view.h"

#define JOIN_TTL_MS (24LL * 3600 * 1000)

static const struct hpcnet_field center_fields[] = {
	{ .name = "name", .type = HPCNET_F_STRING, .required = 1, .min = 1, .max = 63 },
	{ 0 },
};

int hpcnet_h_centers_list(struct hpcnet_req *r)
{
	json_t *rows = NULL, *items = json_array(), *row;
	size_t i;
	int rc = hpcnet_store_center_list(hpcnet_req_db(r), &rows);

	if (rc < 0) {
		json_decref(items);
		return hpcnet_reply_error(r, rc);
	}
	json_array_foreach(rows, i, row)
		json_array_append_new(items, hpcnet_view_center(row));
	json_decref(rows);
	return hpcnet_reply_json(r, 200, json_pack("{s:o, s:n}", "items", items, "next_cursor"));
}

int hpcnet_h_centers_get(struct hpcnet_req *r)
{
	json_t *row = NULL;
	int rc = hpcnet_store_center_get(hpcnet_req_db(r), r->params[0], &row);

	if (rc == HPCNET_ENOTFOUND)
		return hpcnet_reply_problem(r, 404, "no center with id or name '%s'", r->params[0]);
	if (rc < 0)
		return hpcnet_reply_error(r, rc);
	hpcnet_reply_json(r, 200, hpcnet_view_center(row));
	json_decref(row);
	return 0;
}

/* Loads the center of r->params[0] and checks "centers.manage" on it
 * (platform admins, and operators of that center). 0, or replied. */
static int manageable(struct hpcnet_req *r, json_t **row)
{
	struct hpcnet_perm_obj o = { .type = "center", .id = r->params[0] };
	int rc = hpcnet_store_center_get(hpcnet_req_db(r), r->params[0], row);

	r->perm_checked = 1;
	if (rc == HPCNET_ENOTFOUND)
		hpcnet_reply_problem(r, 404, "no center with id or name '%s'", r->params[0]);
	else if (rc < 0)
		hpcnet_reply_error(r, rc);
	if (rc < 0)
		return rc;
	o.center_id = json_string_value(json_object_get(*row, "id"));
	rc = hpcnet_perm_check(r, "centers.manage", &o);
	if (rc < 0) {
		json_decref(*row);
		*row = NULL;
	}
	return rc;
}

/* A new join token: its secret into secret, its hash into hash. */
static void new_join_token(char secret[64], char hash[HPCNET_SHA256_HEX_LEN])
{
	hpcnet_crypto_token("hpcj_", secret, 64);
	hpcnet_crypto_sha256_hex(secret, strlen(secret), hash);
}

static int reply_with_join(struct hpcnet_req *r, int status, const char *id, const char *secret,
			   int64_t expires)
{
	json_t *row = NULL, *c;
	int rc = hpcnet_store_center_get(hpcnet_req_db(r), id, &row);

	if (rc < 0)
		return hpcnet_reply_error(r, rc);
	c = hpcnet_view_center(row);
	json_decref(row);
	json_object_set_new(c, "join_token", json_string(secret));
	json_object_set_new(c, "join_token_expires_at", hpcnet_view_time_ms(expires));
	return hpcnet_reply_json(r, status, c);
}

struct join_write {
	const char *id, *name, *hash;
	int64_t expires;
};

static int center_create_fn(struct hpcnet_db *db, void *arg)
{
	struct join_write *w = arg;

	return hpcnet_store_center_create(db, w->id, w->name, w->hash, w->expires);
}

static int set_join_fn(struct hpcnet_db *db, void *arg)
{
	struct join_write *w = arg;

	return hpcnet_store_center_set_join(db, w->id, w->hash, w->expires);
}

int hpcnet_h_centers_create(struct hpcnet_req *r)
{
	struct join_write w;
	char secret[64], hash[HPCNET_SHA256_HEX_LEN], id[HPCNET_ID_LEN];
	int64_t expires = hpcnet_now_ms() + JOIN_TTL_MS;
	json_t *body = NULL, *errors;
	const char *name;
	int rc;

	if (hpcnet_req_json(r, &body) < 0)
		return 0;
	errors = hpcnet_validate(body, center_fields);
	name = json_string_value(json_object_get(body, "name"));
	if (!errors && (!hpcnet_validate_name(name) || strcmp(name, "join") == 0))
		hpcnet_validate_add(&errors, "name", "must be 1-63 characters of a-z, 0-9, '-', '_', '.'"
				    " (and not \"join\")");
	if (errors) {
		hpcnet_reply_invalid(r, errors);
		goto out;
	}
	new_join_token(secret, hash);
	hpcnet_id_new("ctr", id);
	w = (struct join_write){ .id = id, .name = name, .hash = hash, .expires = expires };
	r->audit_status = 201;
	snprintf(r->audit_object, sizeof(r->audit_object), "%s", id);
	rc = hpcnet_req_write(r, center_create_fn, &w);
	if (rc == HPCNET_EEXIST)
		hpcnet_reply_problem(r, 409, "center '%s' already exists; issue a new join token with"
					     " POST /api/v1/centers/%s/join-token", name, name);
	else if (rc < 0)
		hpcnet_reply_error(r, rc);
	else
		reply_with_join(r, 201, id, secret, expires);
out:
	json_decref(body);
	return 0;
}

int hpcnet_h_centers_join_token(struct hpcnet_req *r)
{
	struct join_write w;
	char secret[64], hash[HPCNET_SHA256_HEX_LEN], id[HPCNET_ID_LEN];
	int64_t expires = hpcnet_now_ms() + JOIN_TTL_MS;
	json_t *row = NULL;
	int rc;

	if (manageable(r, &row) < 0)
		return 0;
	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(row, "id")));
	json_decref(row);
	new_join_token(secret, hash);
	w = (struct join_write){ .id = id, .hash = hash, .expires = expires };
	rc = hpcnet_req_write(r, set_join_fn, &w);
	if (rc < 0)
		return hpcnet_reply_error(r, rc);
	return reply_with_join(r, 200, id, secret, expires);
}

/* A drain's write: the flag, plus giving back what has not started. */
struct drain_write {
	const char *center_id, *reason;
	int drain;
	int replaced, recalled; /* out */
};

static int drain_fn(struct hpcnet_db *db, void *arg)
{
	struct drain_write *w = arg;
	int64_t now = hpcnet_now_ms();
	int rc = hpcnet_store_center_set_drain(db, w->center_id, w->drain);

	if (rc < 0 || !w->drain)
		return rc;
	/* Orders the agent never received go back at once; jobs it holds but
	 * has not started are asked back (the agent confirms each). */
	w->replaced = hpcnet_store_job_replace_undelivered(db, w->center_id, w->reason, now);
	if (w->replaced < 0)
		return w->replaced;
	w->recalled = hpcnet_store_job_request_recall(db, w->center_id, w->reason, now);
	return w->recalled < 0 ? w->recalled : 0;
}

static int set_drain(struct hpcnet_req *r, int drain)
{
	struct drain_write w = { .drain = drain };
	char id[HPCNET_ID_LEN], reason[160];
	json_t *row = NULL, *c;
	int rc;

	if (manageable(r, &row) < 0)
		return 0;
	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(row, "id")));
	snprintf(reason, sizeof(reason), "center %s is draining (by %s)",
		 json_string_value(json_object_get(row, "name")), r->user_name);
	json_decref(row);
	w.center_id = id;
	w.reason = reason;
	rc = hpcnet_req_write(r, drain_fn, &w);
	if (rc < 0)
		return hpcnet_reply_error(r, rc);
	hpcnet_notify_bump(&r->hub->notify); /* the scheduler re-places, agents see recalls */
	rc = hpcnet_store_center_get(hpcnet_req_db(r), id, &row);
	if (rc < 0)
		return hpcnet_reply_error(r, rc);
	c = hpcnet_view_center(row);
	json_decref(row);
	if (drain) {
		json_object_set_new(c, "jobs_replaced", json_integer(w.replaced));
		json_object_set_new(c, "jobs_recalled", json_integer(w.recalled));
	}
	return hpcnet_reply_json(r, 200, c);
}

int hpcnet_h_centers_drain(struct hpcnet_req *r)
{
	return set_drain(r, 1);
}

int hpcnet_h_centers_undrain(struct hpcnet_req *r)
{
	return set_drain(r, 0);
}
