/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /api/v1/quotas: use against limits (the caller's, or ?user=NAME for
 * administrators; ?all=1 lists every quota set), and setting/removing
 * quotas: platform admins for users and roles, org admins (and platform
 * admins) for their orgs and their orgs' projects ("quotas.manage" in
 * hub/perm.c). Enforcement is in hub/billing/quota.c: hard quotas in the
 * submit write, soft ones ("soft": true) in the scheduling pass.
 */
#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "hpcnet/error.h"
#include "hub/billing/quota.h"
#include "hub/handlers.h"
#include "hub/http.h"
#include "hub/perm.h"
#include "hub/store/billing_store.h"
#include "hub/store/store.h"
#include "hub/validate.h"
#include "hub/view.h"

static const struct hpcnet_field quota_fields[] = {
	{ .name = "scope", .type = HPCNET_F_STRING, .required = 1, .min = 1, .max = 128 },
	{ .name = "resource", .type = HPCNET_F_STRING, .required = 1, .min = 1, .max = 32 },
	{ .name = "limit", .type = HPCNET_F_INT, .required = 1, .min = 0, .max = INT64_MAX / 4096 },
	{ .name = "period", .type = HPCNET_F_STRING, .min = 1, .max = 16 },
	{ .name = "gpu_model", .type = HPCNET_F_STRING, .min = 1, .max = 31 },
	{ .name = "soft", .type = HPCNET_F_BOOL },
	{ 0 },
};

int hpcnet_h_quotas_get(struct hpcnet_req *r)
{
	char user_id[HPCNET_ID_LEN];
	json_t *items = NULL;
	const char *all = hpcnet_req_query(r, "all");
	int rc;

	if (all && strcmp(all, "1") == 0) {
		if (!r->is_admin)
			return hpcnet_reply_problem(r, 403, "only an administrator may list every quota");
		json_t *rows = NULL, *q;
		size_t i;

		rc = hpcnet_store_quota_list(hpcnet_req_db(r), &rows);
		if (rc < 0)
			return hpcnet_reply_error(r, rc);
		/* The same shape as the caller's own quotas below, without use. */
		items = json_array();
		json_array_foreach(rows, i, q)
			json_array_append_new(items, hpcnet_quota_view(q));
		json_decref(rows);
		return hpcnet_reply_json(r, 200, json_pack("{s:o, s:n}", "items", items,
							   "next_cursor"));
	}
	if (hpcnet_usage_subject(r, user_id, 0) < 0)
		return 0;
	rc = hpcnet_quota_status(hpcnet_req_db(r), user_id, hpcnet_now_ms(), &items);
	if (rc < 0)
		return hpcnet_reply_error(r, rc);
	return hpcnet_reply_json(r, 200, json_pack("{s:o, s:n}", "items", items, "next_cursor"));
}

struct quota_write {
	const char *id, *kind, *scope_id, *resource, *model, *period, *by;
	int64_t limit;
	int soft;
};

static int quota_fn(struct hpcnet_db *db, void *arg)
{
	struct quota_write *w = arg;

	return hpcnet_store_quota_put(db, w->id, w->kind, w->scope_id, w->resource, w->model,
				      w->period, w->limit, w->soft, w->by, hpcnet_now_ms());
}

/* "role:NAME" for a role quota_binding knows how to find holders of. */
static int role_ok(const char *scope)
{
	static const char *roles[] = { "user", "admin", "platform_admin", "org_admin",
				       "center_operator", "merchant", NULL };
	int k;

	if (strncmp(scope, "role:", 5) != 0)
		return 0;
	for (k = 0; roles[k]; k++)
		if (strcmp(scope + 5, roles[k]) == 0)
			return 1;
	return 0;
}

int hpcnet_h_quotas_set(struct hpcnet_req *r)
{
	static const char *resources[] = { "concurrent_jobs", "core_hours", "gpu_hours",
					   "storage_bytes", NULL };
	json_t *body = NULL, *errors, *u = NULL;
	struct quota_write w = { .by = r->user_id };
	struct hpcnet_perm_obj obj = { .type = "quota" };
	char id[HPCNET_ID_LEN];
	const char *scope;
	int k, rc;

	if (hpcnet_req_json(r, &body) < 0)
		return 0;
	errors = hpcnet_validate(body, quota_fields);
	scope = json_string_value(json_object_get(body, "scope"));
	w.resource = json_string_value(json_object_get(body, "resource"));
	w.period = json_string_value(json_object_get(body, "period"));
	w.model = json_string_value(json_object_get(body, "gpu_model"));
	w.limit = json_integer_value(json_object_get(body, "limit"));
	w.soft = json_is_true(json_object_get(body, "soft"));
	if (!w.period)
		w.period = "month";
	if (!w.model)
		w.model = "";
	for (k = 0; w.resource && resources[k] && strcmp(resources[k], w.resource); k++)
		;
	if (w.resource && !resources[k])
		hpcnet_validate_add(&errors, "resource", "must be concurrent_jobs, core_hours,"
				    " gpu_hours or storage_bytes");
	if (strcmp(w.period, "month") != 0 && strcmp(w.period, "lifetime") != 0)
		hpcnet_validate_add(&errors, "period", "must be month or lifetime");
	if (*w.model && (!w.resource || strcmp(w.resource, "gpu_hours") != 0))
		hpcnet_validate_add(&errors, "gpu_model", "only goes with gpu_hours");
	if (scope && strncmp(scope, "user:", 5) == 0) {
		w.kind = "user";
		rc = hpcnet_store_user_by_name(hpcnet_req_db(r), scope + 5, &u);
		if (rc == 0)
			w.scope_id = json_string_value(json_object_get(u, "id"));
		else if (rc == HPCNET_ENOTFOUND)
			hpcnet_validate_add(&errors, "scope", "no user '%s'", scope + 5);
		else
			goto fail;
	} else if (scope && role_ok(scope)) {
		w.kind = "role";
		w.scope_id = scope + 5;
	} else if (scope && (strncmp(scope, "org:", 4) == 0 || strncmp(scope, "project:", 8) == 0)) {
		int org = scope[0] == 'o';

		w.kind = org ? "org" : "project";
		rc = org ? hpcnet_store_org_get(hpcnet_req_db(r), scope + 4, &u)
			 : hpcnet_store_project_get(hpcnet_req_db(r), scope + 8, &u);
		if (rc == 0) {
			w.scope_id = json_string_value(json_object_get(u, "id"));
			obj.org_id = json_string_value(json_object_get(u, org ? "id" : "org_id"));
		} else if (rc == HPCNET_ENOTFOUND) {
			hpcnet_validate_add(&errors, "scope", "no %s '%s'", w.kind, scope + (org ? 4 : 8));
		} else {
			goto fail;
		}
	} else if (scope) {
		hpcnet_validate_add(&errors, "scope", "must be user:NAME, org:NAME, project:ORG/NAME"
				    " or role:ROLE (user, admin, org_admin, center_operator, merchant)");
	}
	/* Users and roles: platform admins; an org and its projects: its admins too. */
	if (!errors && hpcnet_perm_check(r, "quotas.manage", &obj) < 0)
		goto out;
	if (errors) {
		hpcnet_reply_invalid(r, errors);
		goto out;
	}
	hpcnet_id_new("quo", id);
	w.id = id;
	rc = hpcnet_req_write(r, quota_fn, &w);
	if (rc < 0)
		goto fail;
	hpcnet_reply_json(r, 200, json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:b}", "scope", scope,
					    "resource", w.resource, "gpu_model", w.model, "period",
					    w.period, "set_by", r->user_name, "limit",
					    (json_int_t)w.limit, "soft", w.soft));
	goto out;
fail:
	hpcnet_reply_error(r, rc);
out:
	json_decref(u);
	json_decref(body);
	return 0;
}

static int quota_del_fn(struct hpcnet_db *db, void *arg)
{
	int rc = hpcnet_store_quota_delete(db, arg);

	return rc < 0 ? rc : !rc; /* 0 deleted (audited with it), 1 there was none */
}

int hpcnet_h_quotas_delete(struct hpcnet_req *r)
{
	struct hpcnet_perm_obj obj = { .type = "quota", .id = r->params[0] };
	json_t *q = NULL;
	int rc = hpcnet_id_valid("quo", r->params[0]) ? hpcnet_store_quota_get(hpcnet_req_db(r),
									       r->params[0], &q)
						      : HPCNET_ENOTFOUND;

	if (rc == 0) {
		obj.org_id = json_string_value(json_object_get(q, "org_id"));
		rc = hpcnet_perm_check(r, "quotas.manage", &obj) < 0 ? 1 : 0;
	}
	json_decref(q);
	if (rc == 1)
		return 0;
	if (rc == 0)
		rc = hpcnet_req_write(r, quota_del_fn, r->params[0]);
	if (rc == HPCNET_ENOTFOUND || rc == 1)
		return hpcnet_reply_problem(r, 404, "no quota '%s' (see GET /api/v1/quotas?all=1)",
					    r->params[0]);
	if (rc < 0)
		return hpcnet_reply_error(r, rc);
	return hpcnet_reply_json(r, 200, json_pack("{s:s, s:b}", "id", r->params[0], "deleted", 1));
}
