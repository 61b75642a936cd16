/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /api/v1/projects: projects inside an organization (what jobs are
 * charged to). Org admins create them and keep their member lists; every
 * member of the org sees them and may submit jobs to them. A project is
 * named by its id or "org/name".
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

static const struct hpcnet_field project_fields[] = {
	{ .name = "org", .type = HPCNET_F_STRING, .required = 1, .min = 1, .max = 128 },
	{ .name = "name", .type = HPCNET_F_STRING, .required = 1, .min = 1, .max = 63 },
	{ .name = "description", .type = HPCNET_F_STRING, .min = 0, .max = 1000 },
	{ 0 },
};

static const struct hpcnet_field member_fields[] = {
	{ .name = "user", .type = HPCNET_F_STRING, .required = 1, .min = 1, .max = 128 },
	{ 0 },
};

int hpcnet_projects_load(struct hpcnet_req *r, const char *key, const char *action,
			 json_t **project)
{
	return hpcnet_perm_load(r, "project", key, action, hpcnet_store_project_get, "org_id", project);
}

int hpcnet_h_projects_list(struct hpcnet_req *r)
{
	const char *org_key = hpcnet_req_query(r, "org");
	struct hpcnet_perm_scope s;
	json_t *rows = NULL, *org = NULL;
	const char *org_id = NULL;
	int rc;

	if (org_key) {
		if (hpcnet_orgs_load(r, org_key, "orgs.read", &org) < 0)
			return 0;
		org_id = json_string_value(json_object_get(org, "id"));
	}
	hpcnet_perm_scope(r, "projects.read", &s);
	rc = hpcnet_store_project_list(hpcnet_req_db(r), s.all ? NULL : r->user_id, org_id, &rows);
	if (rc < 0)
		hpcnet_reply_error(r, rc);
	else
		hpcnet_reply_json(r, 200, hpcnet_view_page(rows));
	json_decref(rows);
	json_decref(org);
	return 0;
}

struct project_write {
	const char *id, *org_id, *name, *desc, *by; /* create */
	const char *project_id, *user_id;           /* membership */
};

static int project_create_fn(struct hpcnet_db *db, void *arg)
{
	struct project_write *w = arg;

	return hpcnet_store_project_create(db, w->id, w->org_id, w->name, w->desc, w->by);
}

static int member_add_fn(struct hpcnet_db *db, void *arg)
{
	struct project_write *w = arg;

	return hpcnet_store_project_member_add(db, w->project_id, w->user_id);
}

/* The store's 1 removed / 0 none as a write's 0 changed / 1 nothing. */
static int member_remove_fn(struct hpcnet_db *db, void *arg)
{
	struct project_write *w = arg;
	int rc = hpcnet_store_project_member_remove(db, w->project_id, w->user_id);

	return rc < 0 ? rc : !rc;
}

int hpcnet_h_projects_create(struct hpcnet_req *r)
{
	struct project_write w;
	json_t *body = NULL, *errors, *org = NULL, *p = NULL;
	const char *name, *desc;
	char id[HPCNET_ID_LEN];
	int rc;

	if (hpcnet_req_json(r, &body) < 0)
		return 0;
	errors = hpcnet_validate(body, project_fields);
	name = json_string_value(json_object_get(body, "name"));
	if (name && !hpcnet_validate_name(name))
		hpcnet_validate_add(&errors, "name", "must be 1-63 characters of a-z, 0-9, '-', '_', '.'");
	if (errors) {
		hpcnet_reply_invalid(r, errors);
		goto out;
	}
	if (hpcnet_orgs_load(r, json_string_value(json_object_get(body, "org")), "projects.create",
			     &org) < 0)
		goto out;
	desc = json_string_value(json_object_get(body, "description"));
	hpcnet_id_new("prj", id);
	w = (struct project_write){ .id = id, .name = name, .desc = desc ? desc : "",
				    .org_id = json_string_value(json_object_get(org, "id")),
				    .by = r->user_id };
	r->audit_status = 201;
	snprintf(r->audit_object, sizeof(r->audit_object), "%s", id);
	rc = hpcnet_req_write(r, project_create_fn, &w);
	if (rc == HPCNET_EEXIST) {
		hpcnet_reply_problem(r, 409, "org '%s' already has a project '%s'",
				     json_string_value(json_object_get(org, "name")), name);
		goto out;
	}
	if (rc == 0)
		rc = hpcnet_store_project_get(hpcnet_req_db(r), id, &p);
	if (rc < 0) {
		hpcnet_reply_error(r, rc);
		goto out;
	}
	snprintf(r->audit_object, sizeof(r->audit_object), "%s", id);
	hpcnet_reply_json(r, 201, hpcnet_view_row(p));
out:
	json_decref(p);
	json_decref(org);
	json_decref(body);
	return 0;
}

int hpcnet_h_projects_get(struct hpcnet_req *r)
{
	json_t *p = NULL;

	if (hpcnet_projects_load(r, r->params[0], "projects.read", &p) < 0)
		return 0;
	hpcnet_reply_json(r, 200, hpcnet_view_row(p));
	json_decref(p);
	return 0;
}

static int reply_members(struct hpcnet_req *r, const char *project_id)
{
	json_t *rows = NULL;
	int rc = hpcnet_store_project_members(hpcnet_req_db(r), project_id, &rows);

	if (rc < 0)
		return hpcnet_reply_error(r, rc);
	hpcnet_reply_json(r, 200, hpcnet_view_page(rows));
	json_decref(rows);
	return 0;
}

int hpcnet_h_projects_members(struct hpcnet_req *r)
{
	json_t *p = NULL;

	if (hpcnet_projects_load(r, r->params[0], "projects.read", &p) < 0)
		return 0;
	reply_members(r, json_string_value(json_object_get(p, "id")));
	json_decref(p);
	return 0;
}

int hpcnet_h_projects_member_add(struct hpcnet_req *r)
{
	json_t *p = NULL, *body = NULL, *errors, *user = NULL;
	struct project_write w;
	const char *key, *pid, *uid;
	char role[16];
	int rc;

	if (hpcnet_projects_load(r, r->params[0], "projects.manage", &p) < 0 ||
	    hpcnet_req_json(r, &body) < 0)
		goto out;
	errors = hpcnet_validate(body, member_fields);
	key = json_string_value(json_object_get(body, "user"));
	if (!errors && hpcnet_users_find(hpcnet_req_db(r), key, &user) < 0)
		hpcnet_validate_add(&errors, "user", "names no user: '%s'", key);
	if (errors) {
		hpcnet_reply_invalid(r, errors);
		goto out;
	}
	pid = json_string_value(json_object_get(p, "id"));
	uid = json_string_value(json_object_get(user, "id"));
	rc = hpcnet_store_org_role(r->db, json_string_value(json_object_get(p, "org_id")), uid, role,
				   sizeof(role));
	if (rc == 0) {
		hpcnet_reply_problem(r, 422, "'%s' is not a member of org '%s': add them to the org first",
				     key, json_string_value(json_object_get(p, "org_name")));
		goto out;
	}
	snprintf(r->audit_object, sizeof(r->audit_object), "%s/%s", pid, uid);
	if (rc > 0) {
		w = (struct project_write){ .project_id = pid, .user_id = uid };
		rc = hpcnet_req_write(r, member_add_fn, &w);
	}
	if (rc < 0) {
		hpcnet_reply_error(r, rc);
		goto out;
	}
	reply_members(r, pid);
out:
	json_decref(user);
	json_decref(body);
	json_decref(p);
	return 0;
}

int hpcnet_h_projects_member_remove(struct hpcnet_req *r)
{
	json_t *p = NULL, *user = NULL;
	struct project_write w;
	const char *pid, *uid;
	int rc;

	if (hpcnet_projects_load(r, r->params[0], "projects.manage", &p) < 0)
		goto out;
	if (hpcnet_users_find(hpcnet_req_db(r), r->params[1], &user) < 0) {
		hpcnet_reply_problem(r, 404, "no user '%s'", r->params[1]);
		goto out;
	}
	pid = json_string_value(json_object_get(p, "id"));
	uid = json_string_value(json_object_get(user, "id"));
	w = (struct project_write){ .project_id = pid, .user_id = uid };
	r->audit_status = 204;
	snprintf(r->audit_object, sizeof(r->audit_object), "%s/%s", pid, uid);
	rc = hpcnet_req_write(r, member_remove_fn, &w);
	if (rc < 0)
		hpcnet_reply_error(r, rc);
	else if (rc == 1)
		hpcnet_reply_problem(r, 404, "'%s' is not a member of this project", r->params[1]);
	else
		hpcnet_reply_raw(r, 204, "application/json", "", 0);
out:
	json_decref(user);
	json_decref(p);
	return 0;
}
