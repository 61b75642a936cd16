/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /api/v1/orgs: organizations (a university, a company, a research group)
 * and their members. Platform admins create orgs (on a hub with open
 * sign-up, anyone may, and becomes the new org's admin); an org's admins
 * manage its members; members see their org. An org always keeps at least one
 * admin, so it never becomes unmanageable without a platform admin.
 */
#include <string.h>

#include "common/id.h"
#include "hpcnet/error.h"
#include "hub/handlers.h"
#include "hub/http.h"
#include "hub/perm.h"
#include "hub/store/store.h"
#include "hub/validate.h"
#include "hub/view.h"

static const struct hpcnet_field org_fields[] = {
	{ .name = "name", .type = HPCNET_F_STRING, .required = 1, .min = 1, .max = 63 },
	{ .name = "display_name", .type = HPCNET_F_STRING, .min = 0, .max = 200 },
	{ .name = "kind", .type = HPCNET_F_STRING },
	{ .name = "admin", .type = HPCNET_F_STRING, .min = 1, .max = 128 },
	{ 0 },
};

static const struct hpcnet_field member_fields[] = {
	{ .name = "user", .type = HPCNET_F_STRING, .required = 1, .min = 1, .max = 128 },
	{ .name = "role", .type = HPCNET_F_STRING },
	{ 0 },
};

int hpcnet_orgs_load(struct hpcnet_req *r, const char *key, const char *action, json_t **org)
{
	return hpcnet_perm_load(r, "org", key, action, hpcnet_store_org_get, "id", org);
}

int hpcnet_h_orgs_list(struct hpcnet_req *r)
{
	struct hpcnet_perm_scope s;
	json_t *rows = NULL;
	int rc;

	hpcnet_perm_scope(r, "orgs.read", &s);
	rc = hpcnet_store_org_list(hpcnet_req_db(r), s.all ? NULL : r->user_id, &rows);
	if (rc < 0)
		return hpcnet_reply_error(r, rc);
	hpcnet_reply_json(r, 200, hpcnet_view_page(rows));
	json_decref(rows);
	return 0;
}

struct org_write {
	const char *id, *name, *display, *kind, *by, *admin_id;
};

static int org_create_fn(struct hpcnet_db *db, void *arg)
{
	struct org_write *w = arg;
	int rc = hpcnet_store_org_create(db, w->id, w->name, w->display, w->kind, w->by);

	if (rc == 0 && w->admin_id)
		rc = hpcnet_store_org_member_set(db, w->id, w->admin_id, "admin");
	return rc;
}

int hpcnet_h_orgs_create(struct hpcnet_req *r)
{
	json_t *body = NULL, *errors, *admin = NULL, *org = NULL;
	const char *kind, *admin_key;
	char id[HPCNET_ID_LEN];
	struct org_write w;
	int rc;

	if (hpcnet_perm_check(r, r->hub->signup == HPCNET_SIGNUP_OPEN ? "orgs.create_open"
								       : "orgs.create_closed",
			      &(struct hpcnet_perm_obj){ .type = "org" }) < 0 ||
	    hpcnet_req_json(r, &body) < 0)
		return 0;
	errors = hpcnet_validate(body, org_fields);
	kind = json_string_value(json_object_get(body, "kind"));
	if (!kind)
		kind = "group";
	if (strcmp(kind, "university") && strcmp(kind, "company") && strcmp(kind, "group"))
		hpcnet_validate_add(&errors, "kind", "must be \"university\", \"company\" or \"group\"");
	w.name = json_string_value(json_object_get(body, "name"));
	if (w.name && !hpcnet_validate_name(w.name))
		hpcnet_validate_add(&errors, "name", "must be 1-63 characters of a-z, 0-9, '-', '_', '.'");
	admin_key = json_string_value(json_object_get(body, "admin"));
	/* A user making their own org (open sign-up) becomes its admin. */
	if (!r->is_admin && admin_key && strcmp(admin_key, r->user_name) != 0 &&
	    strcmp(admin_key, r->user_id) != 0)
		hpcnet_validate_add(&errors, "admin", "may only name yourself: you become the admin of"
				    " the org you create");
	if (!r->is_admin)
		admin_key = r->user_id;
	if (!errors && admin_key && hpcnet_users_find(hpcnet_req_db(r), admin_key, &admin) < 0)
		hpcnet_validate_add(&errors, "admin", "names no user: '%s'", admin_key);
	if (errors) {
		hpcnet_reply_invalid(r, errors);
		goto out;
	}
	hpcnet_id_new("org", id);
	w.id = id;
	w.display = json_string_value(json_object_get(body, "display_name"));
	if (!w.display)
		w.display = w.name;
	w.kind = kind;
	w.by = r->user_id;
	w.admin_id = admin ? json_string_value(json_object_get(admin, "id")) : NULL;
	r->audit_status = 201;
	snprintf(r->audit_object, sizeof(r->audit_object), "%s", id);
	rc = hpcnet_req_write(r, org_create_fn, &w);
	if (rc == HPCNET_EEXIST) {
		hpcnet_reply_problem(r, 409, "an org named '%s' already exists", w.name);
		goto out;
	}
	if (rc == 0)
		rc = hpcnet_store_org_get(hpcnet_req_db(r), id, &org);
	if (rc < 0) {
		hpcnet_reply_error(r, rc);
		goto out;
	}
	snprintf(r->audit_object, sizeof(r->audit_object), "%s", id);
	hpcnet_reply_json(r, 201, hpcnet_view_row(org));
out:
	json_decref(org);
	json_decref(admin);
	json_decref(body);
	return 0;
}

int hpcnet_h_orgs_get(struct hpcnet_req *r)
{
	json_t *org = NULL;

	if (hpcnet_orgs_load(r, r->params[0], "orgs.read", &org) < 0)
		return 0;
	hpcnet_reply_json(r, 200, hpcnet_view_row(org));
	json_decref(org);
	return 0;
}

int hpcnet_orgs_reply_list(struct hpcnet_req *r, const char *action,
			   int (*list)(struct hpcnet_db *db, const char *org_id, json_t **out))
{
	json_t *org = NULL, *rows = NULL;
	int rc;

	if (hpcnet_orgs_load(r, r->params[0], action, &org) < 0)
		return 0;
	rc = list(hpcnet_req_db(r), json_string_value(json_object_get(org, "id")), &rows);
	if (rc < 0)
		hpcnet_reply_error(r, rc);
	else
		hpcnet_reply_json(r, 200, hpcnet_view_page(rows));
	json_decref(rows);
	json_decref(org);
	return 0;
}

int hpcnet_h_orgs_members(struct hpcnet_req *r)
{
	return hpcnet_orgs_reply_list(r, "orgs.read", hpcnet_store_org_members);
}

struct member_write {
	const char *org_id, *user_id, *role; /* role NULL: remove */
	int removed;
};

/* Refuses (HPCNET_ECONFLICT) to leave the org without an admin. */
static int member_fn(struct hpcnet_db *db, void *arg)
{
	struct member_write *w = arg;
	char was[16] = "";
	int64_t admins = 0;
	int rc = hpcnet_store_org_role(db, w->org_id, w->user_id, was, sizeof(was));

	if (rc < 0)
		return rc;
	if (strcmp(was, "admin") == 0 && (!w->role || strcmp(w->role, "admin") != 0)) {
		rc = hpcnet_store_org_admin_count(db, w->org_id, &admins);
		if (rc < 0)
			return rc;
		if (admins <= 1)
			return HPCNET_ECONFLICT;
	}
	if (w->role)
		return hpcnet_store_org_member_set(db, w->org_id, w->user_id, w->role);
	rc = hpcnet_store_org_member_remove(db, w->org_id, w->user_id);
	if (rc < 0)
		return rc;
	w->removed = rc;
	if (!rc)
		return 1; /* not a member: nothing changed (no audit row with it) */
	return hpcnet_store_project_members_drop_org(db, w->org_id, w->user_id);
}

int hpcnet_h_orgs_member_set(struct hpcnet_req *r)
{
	json_t *org = NULL, *body = NULL, *errors, *user = NULL, *rows = NULL;
	struct member_write w = { 0 };
	const char *key;
	int rc;

	if (hpcnet_orgs_load(r, r->params[0], "orgs.manage", &org) < 0 ||
	    hpcnet_req_json(r, &body) < 0)
		goto out;
	errors = hpcnet_validate(body, member_fields);
	w.role = json_string_value(json_object_get(body, "role"));
	if (!w.role)
		w.role = "member";
	if (strcmp(w.role, "member") && strcmp(w.role, "admin"))
		hpcnet_validate_add(&errors, "role", "must be \"member\" or \"admin\"");
	key = json_string_value(json_object_get(body, "user"));
	if (!errors && hpcnet_users_find(hpcnet_req_db(r), key, &user) < 0)
		hpcnet_validate_add(&errors, "user", "names no user: '%s'", key);
	if (errors) {
		hpcnet_reply_invalid(r, errors);
		goto out;
	}
	w.org_id = json_string_value(json_object_get(org, "id"));
	w.user_id = json_string_value(json_object_get(user, "id"));
	snprintf(r->audit_object, sizeof(r->audit_object), "%s/%s", w.org_id, w.user_id);
	rc = hpcnet_req_write(r, member_fn, &w);
	if (rc == HPCNET_ECONFLICT) {
		hpcnet_reply_problem(r, 409, "'%s' is the org's last admin: make another member admin"
					     " first", key);
		goto out;
	}
	if (rc == 0)
		rc = hpcnet_store_org_members(hpcnet_req_db(r), w.org_id, &rows);
	if (rc < 0) {
		hpcnet_reply_error(r, rc);
		goto out;
	}
	snprintf(r->audit_object, sizeof(r->audit_object), "%s/%s", w.org_id, w.user_id);
	hpcnet_reply_json(r, 200, hpcnet_view_page(rows));
out:
	json_decref(rows);
	json_decref(user);
	json_decref(body);
	json_decref(org);
	return 0;
}

int hpcnet_h_orgs_member_remove(struct hpcnet_req *r)
{
	json_t *org = NULL, *user = NULL;
	struct member_write w = { 0 };
	int rc;

	if (hpcnet_orgs_load(r, r->params[0], "orgs.manage", &org) < 0)
		goto out;
	if (hpcnet_users_find(hpcnet_req_db(r), r->params[1], &user) < 0) {
		hpcnet_reply_problem(r, 404, "no user '%s'", r->params[1]);
		goto out;
	}
	w.org_id = json_string_value(json_object_get(org, "id"));
	w.user_id = json_string_value(json_object_get(user, "id"));
	r->audit_status = 204;
	snprintf(r->audit_object, sizeof(r->audit_object), "%s/%s", w.org_id, w.user_id);
	rc = hpcnet_req_write(r, member_fn, &w);
	if (rc == HPCNET_ECONFLICT)
		hpcnet_reply_problem(r, 409, "'%s' is the org's last admin: make another member admin"
					     " first", r->params[1]);
	else if (rc < 0)
		hpcnet_reply_error(r, rc);
	else if (!w.removed)
		hpcnet_reply_problem(r, 404, "'%s' is not a member of this org", r->params[1]);
	else
		hpcnet_reply_raw(r, 204, "application/json", "", 0);
	snprintf(r->audit_object, sizeof(r->audit_object), "%s/%s", w.org_id, w.user_id);
out:
	json_decref(user);
	json_decref(org);
	return 0;
}
