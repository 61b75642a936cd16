/* SPDX-License-Identifier: Apache-2.0 */
/* /api/v1/users: who am I, and user administration; first-admin bootstrap. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int hpcnet_h_users_me(struct hpcnet_req *r)
{
	json_t *u = NULL;
	int rc = hpcnet_store_user_by_id(hpcnet_req_db(r), r->user_id, &u);

	if (rc < 0)
		return hpcnet_reply_error(r, rc);
	hpcnet_reply_json(r, 200, hpcnet_view_user(u));
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

int hpcnet_h_users_create(struct hpcnet_req *r)
{
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
	rc = create_user(hpcnet_req_db(r), name,
			 json_string_value(json_object_get(body, "password")), role, &u);
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
