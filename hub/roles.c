/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /api/v1/roles: the roles that are not org membership, granted by a
 * platform admin: center_operator of one center (sees and manages that
 * center's jobs, drains it) and merchant (publishes apps). org_admin is
 * granted through /orgs/{id}/members, platform_admin through users.role.
 */
#include <string.h>

#include "hpcnet/error.h"
#include "hub/handlers.h"
#include "hub/http.h"
#include "hub/store/store.h"
#include "hub/validate.h"
#include "hub/view.h"

static const struct hpcnet_field grant_fields[] = {
	{ .name = "user", .type = HPCNET_F_STRING, .required = 1, .min = 1, .max = 128 },
	{ .name = "role", .type = HPCNET_F_STRING, .required = 1 },
	{ .name = "center", .type = HPCNET_F_STRING, .min = 1, .max = 64 },
	{ 0 },
};

int hpcnet_h_roles_list(struct hpcnet_req *r)
{
	const char *key = hpcnet_req_query(r, "user");
	json_t *rows = NULL, *user = NULL;
	int rc;

	if (key && hpcnet_users_find(hpcnet_req_db(r), key, &user) < 0)
		return hpcnet_reply_problem(r, 400, "no user '%s'", key);
	rc = hpcnet_store_grant_list(hpcnet_req_db(r),
				     user ? json_string_value(json_object_get(user, "id")) : NULL, &rows);
	json_decref(user);
	if (rc < 0)
		return hpcnet_reply_error(r, rc);
	hpcnet_reply_json(r, 200, hpcnet_view_page(rows));
	json_decref(rows);
	return 0;
}

/* Validates a grant body: user id, role and scope (center id or ""). */
static int parse_grant(struct hpcnet_req *r, json_t *body, char *user_id, char *scope)
{
	json_t *errors = hpcnet_validate(body, grant_fields), *user = NULL, *center = NULL;
	const char *role = json_string_value(json_object_get(body, "role"));
	const char *key = json_string_value(json_object_get(body, "user"));
	const char *ckey = json_string_value(json_object_get(body, "center"));

	scope[0] = '\0';
	if (role && strcmp(role, "center_operator") && strcmp(role, "merchant"))
		hpcnet_validate_add(&errors, "role", "must be \"center_operator\" or \"merchant\""
				    " (org_admin: POST /orgs/{id}/members; platform admin: users.role)");
	if (role && !strcmp(role, "center_operator") && !ckey)
		hpcnet_validate_add(&errors, "center", "is required for center_operator");
	if (role && !strcmp(role, "merchant") && ckey)
		hpcnet_validate_add(&errors, "center", "does not apply to merchant");
	if (!errors && hpcnet_users_find(hpcnet_req_db(r), key, &user) < 0)
		hpcnet_validate_add(&errors, "user", "names no user: '%s'", key);
	if (!errors && ckey && hpcnet_store_center_get(hpcnet_req_db(r), ckey, &center) < 0)
		hpcnet_validate_add(&errors, "center", "names no center: '%s'", ckey);
	if (errors) {
		json_decref(user);
		hpcnet_reply_invalid(r, errors);
		return HPCNET_EINVAL;
	}
	snprintf(user_id, HPCNET_ID_LEN, "%s", json_string_value(json_object_get(user, "id")));
	if (center)
		snprintf(scope, HPCNET_ID_LEN, "%s", json_string_value(json_object_get(center, "id")));
	json_decref(user);
	json_decref(center);
	return 0;
}

struct grant_write {
	const char *user_id, *role, *scope, *by;
};

static int grant_add_fn(struct hpcnet_db *db, void *arg)
{
	struct grant_write *w = arg;

	return hpcnet_store_grant_add(db, w->user_id, w->role, w->scope, w->by);
}

/* The store's 1 revoked / 0 none as a write's 0 changed / 1 nothing. */
static int grant_remove_fn(struct hpcnet_db *db, void *arg)
{
	struct grant_write *w = arg;
	int rc = hpcnet_store_grant_remove(db, w->user_id, w->role, w->scope);

	return rc < 0 ? rc : !rc;
}

int hpcnet_h_roles_grant(struct hpcnet_req *r)
{
	struct grant_write w;
	char user_id[HPCNET_ID_LEN], scope[HPCNET_ID_LEN];
	json_t *body = NULL, *rows = NULL;
	int rc;

	if (hpcnet_req_json(r, &body) < 0 || parse_grant(r, body, user_id, scope) < 0)
		goto out;
	w = (struct grant_write){ .user_id = user_id, .scope = scope, .by = r->user_id,
				  .role = json_string_value(json_object_get(body, "role")) };
	r->audit_status = 201;
	snprintf(r->audit_object, sizeof(r->audit_object), "%s", user_id);
	rc = hpcnet_req_write(r, grant_add_fn, &w);
	if (rc == 0)
		rc = hpcnet_store_grant_list(hpcnet_req_db(r), user_id, &rows);
	if (rc < 0) {
		hpcnet_reply_error(r, rc);
		goto out;
	}
	hpcnet_reply_json(r, 201, hpcnet_view_page(rows));
out:
	json_decref(rows);
	json_decref(body);
	return 0;
}

int hpcnet_h_roles_revoke(struct hpcnet_req *r)
{
	struct grant_write w;
	char user_id[HPCNET_ID_LEN], scope[HPCNET_ID_LEN];
	json_t *body = NULL;
	int rc;

	if (hpcnet_req_json(r, &body) < 0 || parse_grant(r, body, user_id, scope) < 0)
		goto out;
	w = (struct grant_write){ .user_id = user_id, .scope = scope,
				  .role = json_string_value(json_object_get(body, "role")) };
	r->audit_status = 204;
	snprintf(r->audit_object, sizeof(r->audit_object), "%s", user_id);
	rc = hpcnet_req_write(r, grant_remove_fn, &w);
	if (rc < 0)
		hpcnet_reply_error(r, rc);
	else if (rc == 1)
		hpcnet_reply_problem(r, 404, "the user does not hold that role");
	else
		hpcnet_reply_raw(r, 204, "application/json", "", 0);
out:
	json_decref(body);
	return 0;
}
