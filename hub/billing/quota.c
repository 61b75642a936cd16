/* SPDX-License-Identifier: Apache-2.0 */
/* Quota use and enforcement; see quota.h. */
#include <stdio.h>
#include <string.h>

#include "hpcnet/error.h"
#include "hub/billing/ledger.h"
#include "hub/billing/quota.h"
#include "hub/store/billing_store.h"

/* One quota's use in base units (seconds of cores/GPUs, or jobs). */
struct use {
	int64_t used, reserved, scale; /* scale: base units per quota unit */
	const char *unit;
};

/* Whose use a quota counts: a user's (their own or their role's default
 * applied to them), a project's or an org's. */
static void scope_of(json_t *q, const char *user_id, const char **kind, const char **id)
{
	const char *k = json_string_value(json_object_get(q, "scope_kind"));

	if (strcmp(k, "project") == 0 || strcmp(k, "org") == 0) {
		*kind = k;
		*id = json_string_value(json_object_get(q, "scope_id"));
	} else {
		*kind = "user";
		*id = user_id;
	}
}

static int use_of(struct hpcnet_db *db, const char *user_id, json_t *q, int64_t now,
		  struct use *u)
{
	const char *res = json_string_value(json_object_get(q, "resource"));
	const char *model = json_string_value(json_object_get(q, "gpu_model"));
	const char *period = json_string_value(json_object_get(q, "period"));
	const char *kind, *id;
	char month[8];
	json_t *active = NULL;
	int rc;

	scope_of(q, user_id, &kind, &id);
	rc = hpcnet_store_quota_active(db, kind, id, model, &active);

	memset(u, 0, sizeof(*u));
	if (rc < 0)
		return rc;
	hpcnet_ledger_period(now, month);
	if (strcmp(res, "concurrent_jobs") == 0) {
		u->reserved = json_integer_value(json_object_get(active, "jobs"));
		u->scale = 1;
		u->unit = "jobs";
	} else if (strcmp(res, "core_hours") == 0 || strcmp(res, "gpu_hours") == 0) {
		int cores = strcmp(res, "core_hours") == 0;

		u->reserved = json_integer_value(json_object_get(active, cores ? "core_seconds"
									       : "gpu_seconds"));
		u->scale = 3600;
		u->unit = "hours";
		rc = hpcnet_store_usage_scope_total(db, kind, id, cores ? "core" : "gpu", model,
						    strcmp(period, "month") == 0 ? month : NULL,
						    &u->used);
	} else {
		/* storage_bytes: nothing meters stored bytes per user until the
		 * data module exists; shown, never exceeded. */
		u->scale = 1;
		u->unit = "bytes";
	}
	json_decref(active);
	return rc;
}

static int64_t up_div(int64_t a, int64_t b)
{
	return a <= 0 ? 0 : (a + b - 1) / b;
}

int hpcnet_quota_check(struct hpcnet_db *db, const char *user_id, const char *role,
		       const char *project_id, const char *org_id, const struct hpcnet_meter_job *mj,
		       int64_t now, struct hpcnet_quota_miss *miss)
{
	json_t *qs = NULL, *q;
	size_t i;
	int rc = hpcnet_store_quota_binding(db, user_id, role, project_id, org_id, &qs);

	json_array_foreach(qs, i, q) {
		const char *res = json_string_value(json_object_get(q, "resource"));
		const char *model = json_string_value(json_object_get(q, "gpu_model"));
		int64_t limit = json_integer_value(json_object_get(q, "max_value")), asked;
		struct use u;

		if (rc < 0)
			break;
		if (strcmp(res, "concurrent_jobs") == 0)
			asked = 1;
		else if (strcmp(res, "core_hours") == 0)
			asked = mj->cores * mj->walltime_s;
		else if (strcmp(res, "gpu_hours") == 0 &&
			 (!*model || (mj->gpu_model && strcmp(model, mj->gpu_model) == 0)))
			asked = mj->gpus * mj->walltime_s;
		else
			continue;
		if (asked == 0)
			continue;
		rc = use_of(db, user_id, q, now, &u);
		if (rc < 0)
			break;
		if (u.used + u.reserved + asked <= limit * u.scale)
			continue;
		memset(miss, 0, sizeof(*miss));
		snprintf(miss->scope, sizeof(miss->scope), "%s %s",
			 json_string_value(json_object_get(q, "scope_kind")),
			 json_string_value(json_object_get(q, "scope_name")));
		snprintf(miss->resource, sizeof(miss->resource), "%s", res);
		snprintf(miss->gpu_model, sizeof(miss->gpu_model), "%s", model);
		snprintf(miss->period, sizeof(miss->period), "%s",
			 json_string_value(json_object_get(q, "period")));
		snprintf(miss->unit, sizeof(miss->unit), "%s", u.unit);
		miss->limit = limit;
		miss->used = up_div(u.used + u.reserved, u.scale);
		miss->left = limit * u.scale - u.used - u.reserved;
		miss->left = miss->left > 0 ? miss->left / u.scale : 0;
		miss->asked = up_div(asked, u.scale);
		rc = HPCNET_EQUOTA;
		break;
	}
	json_decref(qs);
	return rc;
}

int hpcnet_quota_status(struct hpcnet_db *db, const char *user_id, const char *role, int64_t now,
			json_t **out)
{
	json_t *qs = NULL, *q;
	size_t i;
	int rc = hpcnet_store_quota_binding(db, user_id, role, NULL, "*", &qs);

	*out = json_array();
	json_array_foreach(qs, i, q) {
		int64_t limit = json_integer_value(json_object_get(q, "max_value")), left;
		struct use u;

		if (rc < 0)
			break;
		rc = use_of(db, user_id, q, now, &u);
		if (rc < 0)
			break;
		left = limit * u.scale - u.used - u.reserved;
		json_array_append_new(*out, json_pack("{s:O, s:s, s:O, s:O, s:O, s:O, s:I, s:I, s:I,"
						      " s:I, s:s}",
			"id", json_object_get(q, "id"),
			"scope", json_string_value(json_object_get(q, "scope_kind")),
			"resource", json_object_get(q, "resource"),
			"gpu_model", json_object_get(q, "gpu_model"),
			"period", json_object_get(q, "period"),
			"scope_name", json_object_get(q, "scope_name"),
			"limit", (json_int_t)limit, "used", (json_int_t)up_div(u.used, u.scale),
			"reserved", (json_int_t)up_div(u.reserved, u.scale),
			"left", (json_int_t)(left > 0 ? left / u.scale : 0), "unit", u.unit));
	}
	json_decref(qs);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	return rc < 0 ? rc : 0;
}
