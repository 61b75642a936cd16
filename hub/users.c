/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /api/v1/users: who am I (with roles and orgs), password change, user
 * administration (create, disable, enable); first-admin bootstrap.
 * Disabling takes effect on the next request (auth checks the flag on
 * every call); the user's jobs follow the hub's --disabled-user-jobs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/crypto.h"
#include "common/log.h"
#include "hpcnet/error.h"
#include "hub/handlers.h"
#include "hub/http.h"
#include "hub/store/store.h"
#include "hub/validate.h"
#include "hub/view.h"

static const struct hpcnet_field user_fields[] = {
	{ .name = "name", .type = HPCNET_F_STRING, .required = 1, .min = 1, .max = 63 },
	{ .name = "password", .type = HPCNET_F_STRING, .required = 1, .min = 8, .max = 1024 },
	{ .name = "role", .type = HPCNET_F_STRING },
	{ 0 },
};

static const struct hpcnet_field password_fields[] = {
	{ .name = "old_password", .type = HPCNET_F_STRING, .required = 1, .min = 1, .max = 1024 },
	{ .name = "new_password", .type = HPCNET_F_STRING, .required = 1, .min = 8, .max = 1024 },
	{ 0 },
};

int hpcnet_users_find(struct hpcnet_db *db, const char *key, json_t **out)
{
	*out = NULL;
	if (!key)
		return HPCNET_ENOTFOUND;
	if (hpcnet_id_valid("usr", key))
		return hpcnet_store_user_by_id(db, key, out);
	return hpcnet_store_user_by_name(db, key, out);
}

int hpcnet_h_users_me(struct hpcnet_req *r)
{
	json_t *u = NULL, *roles = NULL, *orgs = NULL, *view;
	int rc = hpcnet_store_user_by_id(hpcnet_req_db(r), r->user_id, &u);

	if (rc == 0)
		rc = hpcnet_store_user_role_list(r->db, r->user_id, &roles);
	if (rc == 0)
		rc = hpcnet_store_org_list(r->db, r->user_id, &orgs);
	if (rc < 0) {
		hpcnet_reply_error(r, rc);
		goto out;
	}
	view = hpcnet_view_user(u);
	if (r->is_admin)
		json_array_insert_new(roles, 0, json_pack("{s:s, s:n, s:n}", "role", "platform_admin",
							  "scope_id", "scope_name"));
	json_object_set_new(view, "roles", hpcnet_view_rows(roles));
	json_object_set_new(view, "orgs", hpcnet_view_rows(orgs));
	hpcnet_reply_json(r, 200, view);
out:
	json_decref(orgs);
	json_decref(roles);
	json_decref(u);
	return 0;
}

/* The token or portal session the change is made with stays valid; every
 * other one of the user's is revoked. */
struct password_write {
	const char *user_id, *keep_token, *keep_session, *hash;
	int revoked;
};

static int password_fn(struct hpcnet_db *db, void *arg)
{
	struct password_write *w = arg;
	int rc = hpcnet_store_user_set_password(db, w->user_id, w->hash);

	if (rc >= 0)
		rc = w->revoked = hpcnet_store_token_revoke_all(db, w->user_id, w->keep_token,
								hpcnet_now_ms());
	if (rc >= 0) {
		rc = hpcnet_store_session_revoke_all(db, w->user_id, w->keep_session, hpcnet_now_ms());
		if (rc >= 0)
			w->revoked += rc;
	}
	return rc < 0 ? rc : 0; /* counts are no "nothing changed" (hub/audit.h) */
}

int hpcnet_h_users_password(struct hpcnet_req *r)
{
	json_t *body = NULL, *errors, *u = NULL;
	char hash[HPCNET_PWHASH_LEN];
	struct password_write w;
	int rc;

	if (hpcnet_req_json(r, &body) < 0)
		return 0;
	errors = hpcnet_validate(body, password_fields);
	if (errors) {
		hpcnet_reply_invalid(r, errors);
		goto out;
	}
	rc = hpcnet_store_user_by_id(hpcnet_req_db(r), r->user_id, &u);
	if (rc < 0) {
		hpcnet_reply_error(r, rc);
		goto out;
	}
	/* ~0.1 s and 64 MiB per hash: hold no connection meanwhile. */
	hpcnet_req_db_release(r);
	if (!hpcnet_crypto_password_verify(json_string_value(json_object_get(u, "password_hash")),
					   json_string_value(json_object_get(body, "old_password")))) {
		hpcnet_reply_problem(r, 403, "the old password is wrong");
		goto out;
	}
	if (hpcnet_crypto_password_hash(json_string_value(json_object_get(body, "new_password")),
					hash) < 0) {
		hpcnet_reply_error(r, HPCNET_ESTORE);
		goto out;
	}
	w = (struct password_write){ .user_id = r->user_id, .hash = hash,
				     .keep_token = r->token_id[0] ? r->token_id : NULL,
				     .keep_session = r->session_id[0] ? r->session_id : NULL };
	snprintf(r->audit_object, sizeof(r->audit_object), "%s", r->user_id);
	rc = hpcnet_req_write(r, password_fn, &w);
	if (rc < 0) {
		hpcnet_reply_error(r, rc);
		goto out;
	}
	hpcnet_reply_json(r, 200, json_pack("{s:b, s:i}", "changed", 1, "tokens_revoked", w.revoked));
out:
	json_decref(u);
	json_decref(body);
	return 0;
}

struct disable_write {
	const char *user_id, *by;
	const struct hpcnet_billing_cfg *billing;
	int disable, cancel_jobs, cancelled;
};

static int disable_fn(struct hpcnet_db *db, void *arg)
{
	struct disable_write *w = arg;
	json_t *jobs = NULL, *job;
	char reason[200];
	size_t i;
	int rc = hpcnet_store_user_set_disabled(db, w->user_id, w->disable);

	if (rc <= 0)
		return rc < 0 ? rc : HPCNET_ENOTFOUND;
	if (!w->disable || !w->cancel_jobs)
		return 0;
	rc = hpcnet_store_job_active_of_user(db, w->user_id, &jobs);
	snprintf(reason, sizeof(reason), "cancelled: the user was disabled by %s", w->by);
	json_array_foreach(jobs, i, job) {
		if (rc < 0)
			break;
		rc = hpcnet_jobs_cancel_row(db, w->billing, job, reason);
		w->cancelled++;
	}
	json_decref(jobs);
	return rc < 0 ? rc : 0;
}

int hpcnet_h_users_disable(struct hpcnet_req *r)
{
	struct disable_write w = { .by = r->user_name, .billing = &r->hub->billing };
	char id[HPCNET_ID_LEN];
	json_t *u = NULL;
	int rc;

	w.disable = strstr(r->path, "/disable") != NULL;
	w.cancel_jobs = r->hub->disabled_user_jobs_cancel;
	r->perm_checked = 1; /* platform admins only: the route gate decided */
	if (hpcnet_users_find(hpcnet_req_db(r), r->params[0], &u) < 0)
		return hpcnet_reply_problem(r, 404, "no user '%s'", r->params[0]);
	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(u, "id")));
	w.user_id = id; /* u is reloaded below */
	snprintf(r->audit_object, sizeof(r->audit_object), "%s", w.user_id);
	if (w.disable && strcmp(w.user_id, r->user_id) == 0) {
		hpcnet_reply_problem(r, 409, "you cannot disable yourself");
		goto out;
	}
	rc = hpcnet_req_write(r, disable_fn, &w);
	json_decref(u);
	u = NULL;
	if (rc == 0)
		rc = hpcnet_store_user_by_id(hpcnet_req_db(r), w.user_id, &u);
	if (rc < 0) {
		hpcnet_reply_error(r, rc);
		goto out;
	}
	if (w.cancelled)
		hpcnet_notify_bump(&r->hub->notify);
	hpcnet_reply_json(r, 200, json_pack("{s:o, s:i}", "user", hpcnet_view_user(u),
					    "jobs_cancelled", w.cancelled));
out:
	json_decref(u);
	return 0;
}

int hpcnet_h_users_list(struct hpcnet_req *r)
{
	json_t *rows = NULL, *items = json_array(), *row;
	size_t i;
	int rc = hpcnet_store_user_list(hpcnet_req_db(r), &rows);

	if (rc < 0) {
		json_decref(items);
		return hpcnet_reply_error(r, rc);
	}
	json_array_foreach(rows, i, row)
		json_array_append_new(items, hpcnet_view_user(row));
	json_decref(rows);
	return hpcnet_reply_json(r, 200, json_pack("{s:o, s:n}", "items", items, "next_cursor"));
}

static int create_user(struct hpcnet_db *db, const char *name, const char *pw, const char *role,
		       json_t **out)
{
	char hash[HPCNET_PWHASH_LEN], id[HPCNET_ID_LEN];
	int rc = hpcnet_crypto_password_hash(pw, hash);

	if (rc < 0)
		return rc;
	hpcnet_id_new("usr", id);
	rc = hpcnet_store_user_create(db, id, name, hash, role);
	if (rc == 0 && out)
		rc = hpcnet_store_user_by_id(db, id, out);
	return rc;
}

struct user_write {
	const char *id, *name, *role;
	char hash[HPCNET_PWHASH_LEN];
};

static int user_create_fn(struct hpcnet_db *db, void *arg)
{
	struct user_write *w = arg;

	return hpcnet_store_user_create(db, w->id, w->name, w->hash, w->role);
}

int hpcnet_h_users_create(struct hpcnet_req *r)
{
	char id[HPCNET_ID_LEN];
	struct user_write w;
	json_t *body = NULL, *errors, *u = NULL;
	const char *name, *role;
	int rc;

	if (hpcnet_req_json(r, &body) < 0)
		return 0;
	errors = hpcnet_validate(body, user_fields);
	name = json_string_value(json_object_get(body, "name"));
	role = json_string_value(json_object_get(body, "role"));
	if (!role)
		role = "user";
	if (name && !hpcnet_validate_name(name))
		hpcnet_validate_add(&errors, "name", "must be 1-63 characters of a-z, 0-9, '-', '_', '.'");
	if (strcmp(role, "user") != 0 && strcmp(role, "admin") != 0)
		hpcnet_validate_add(&errors, "role", "must be \"user\" or \"admin\"");
	if (errors) {
		hpcnet_reply_invalid(r, errors);
		goto out;
	}
	if (hpcnet_crypto_password_hash(json_string_value(json_object_get(body, "password")),
					w.hash) < 0) {
		hpcnet_reply_error(r, HPCNET_ESTORE);
		goto out;
	}
	hpcnet_id_new("usr", id);
	w.id = id;
	w.name = name;
	w.role = role;
	r->audit_status = 201;
	snprintf(r->audit_object, sizeof(r->audit_object), "%s", id);
	rc = hpcnet_req_write(r, user_create_fn, &w);
	if (rc == 0)
		rc = hpcnet_store_user_by_id(hpcnet_req_db(r), id, &u);
	if (rc == HPCNET_EEXIST)
		hpcnet_reply_problem(r, 409, "user '%s' already exists", name);
	else if (rc < 0)
		hpcnet_reply_error(r, rc);
	else
		hpcnet_reply_json(r, 201, hpcnet_view_user(u));
out:
	json_decref(u);
	json_decref(body);
	return 0;
}

int hpcnet_users_bootstrap(struct hpcnet_hub *hub)
{
	struct hpcnet_db *db = hpcnet_store_acquire(hub->store);
	const char *env = getenv("HPCNET_ADMIN_PASSWORD");
	char generated[64];
	int64_t n = 0;
	int rc;

	rc = hpcnet_store_user_count(db, &n);
	if (rc < 0 || n > 0)
		goto out;
	if (!env || !*env) {
		hpcnet_crypto_token("", generated, 25);
		env = generated;
	}
	rc = create_user(db, "admin", env, "admin", NULL);
	if (rc < 0) {
		hpcnet_error("cannot create the first admin user: %s", hpcnet_strerror(rc));
		goto out;
	}
	if (env == generated)
		/* Printed once, to the operator starting the hub; never stored. */
		fprintf(stderr, "hpcnet: created user 'admin' with password: %s\n"
				"hpcnet: this is shown only once; set HPCNET_ADMIN_PASSWORD to choose it\n",
			generated);
	else
		hpcnet_info("created user 'admin' with the password from HPCNET_ADMIN_PASSWORD");
out:
	hpcnet_store_release(hub->store, db);
	return rc;
}
