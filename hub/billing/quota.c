/* SPDX-License-Identifier: Apache-2.0 */
/* Quota use and enforcement; see quota.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "hpcnet/error.h"
#include "hub/billing/ledger.h"
#include "hub/billing/quota.h"
#include "hub/store/billing_store.h"
#include "hub/store/store.h"
#include "hub/view.h"

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
		  int placed_only, struct use *u)
{
	const char *res = json_string_value(json_object_get(q, "resource"));
	const char *model = json_string_value(json_object_get(q, "gpu_model"));
	const char *period = json_string_value(json_object_get(q, "period"));
	const char *kind, *id;
	char month[8];
	json_t *active = NULL;
	int rc;

	scope_of(q, user_id, &kind, &id);
	memset(u, 0, sizeof(*u));
	if (strcmp(res, "storage_bytes") == 0) {
		/* a level, not a flow: what the hub keeps now, whatever the
		 * quota's period says; one kept row (checked per output chunk) */
		u->scale = 1;
		u->unit = "bytes";
		return hpcnet_store_stored_bytes(db, kind, id, &u->used);
	}
	rc = hpcnet_store_quota_active(db, kind, id, model, placed_only, &active);
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
	}
	json_decref(active);
	return rc;
}

static int64_t up_div(int64_t a, int64_t b)
{
	return a <= 0 ? 0 : (a + b - 1) / b;
}

/* The first hard quota binding the job that it would exceed (HPCNET_EQUOTA,
 * *miss), or 0. only_storage: check storage_bytes quotas alone, and flag
 * one already past its limit (asked 0). */
static int check(struct hpcnet_db *db, const char *user_id, const char *project_id,
		 const char *org_id, const struct hpcnet_meter_job *mj, int64_t stored_bytes,
		 int only_storage, int64_t now, struct hpcnet_quota_miss *miss)
{
	json_t *qs = NULL, *q;
	size_t i;
	int rc = hpcnet_store_quota_binding(db, user_id, project_id, org_id, &qs);

	json_array_foreach(qs, i, q) {
		const char *res = json_string_value(json_object_get(q, "resource"));
		const char *model = json_string_value(json_object_get(q, "gpu_model"));
		int64_t limit = json_integer_value(json_object_get(q, "max_value")), asked;
		int storage = strcmp(res, "storage_bytes") == 0;
		struct use u;

		if (rc < 0)
			break;
		if (json_integer_value(json_object_get(q, "soft")))
			continue; /* soft: the scheduler's business, never a refusal */
		if (only_storage && !storage)
			continue;
		if (storage)
			asked = stored_bytes;
		else if (strcmp(res, "concurrent_jobs") == 0)
			asked = 1;
		else if (strcmp(res, "core_hours") == 0)
			asked = mj->cores * mj->walltime_s;
		else if (strcmp(res, "gpu_hours") == 0 &&
			 (!*model || (mj->gpu_model && strcmp(model, mj->gpu_model) == 0)))
			asked = mj->gpus * mj->walltime_s;
		else
			continue;
		if (asked == 0 && !only_storage)
			continue;
		rc = use_of(db, user_id, q, now, 0, &u);
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

json_t *hpcnet_quota_view(json_t *q)
{
	return json_pack("{s:O, s:s, s:O?, s:b, s:O, s:O?, s:O, s:I, s:O?, s:o}",
		"id", json_object_get(q, "id"),
		"scope", json_string_value(json_object_get(q, "scope_kind")),
		"scope_name", json_object_get(q, "scope_name"),
		"soft", (int)json_integer_value(json_object_get(q, "soft")),
		"resource", json_object_get(q, "resource"),
		"gpu_model", json_object_get(q, "gpu_model"),
		"period", json_object_get(q, "period"),
		"limit", (json_int_t)json_integer_value(json_object_get(q, "max_value")),
		"set_by", json_object_get(q, "set_by"),
		"updated_at", hpcnet_view_time(json_object_get(q, "updated_at")));
}

int hpcnet_quota_check(struct hpcnet_db *db, const char *user_id, const char *project_id,
		       const char *org_id, const struct hpcnet_meter_job *mj, int64_t stored_bytes,
		       int64_t now, struct hpcnet_quota_miss *miss)
{
	return check(db, user_id, project_id, org_id, mj, stored_bytes, 0, now, miss);
}

int hpcnet_quota_storage_over(struct hpcnet_db *db, const char *user_id, const char *project_id,
			      const char *org_id, int64_t now, struct hpcnet_quota_miss *miss)
{
	return check(db, user_id, project_id, org_id, NULL, 0, 1, now, miss);
}

int hpcnet_quota_status(struct hpcnet_db *db, const char *user_id, int64_t now,
			json_t **out)
{
	json_t *qs = NULL, *q, *row;
	size_t i;
	int rc = hpcnet_store_quota_binding(db, user_id, NULL, "*", &qs);

	*out = json_array();
	json_array_foreach(qs, i, q) {
		int64_t limit = json_integer_value(json_object_get(q, "max_value")), left;
		struct use u;

		if (rc < 0)
			break;
		rc = use_of(db, user_id, q, now, 0, &u);
		if (rc < 0)
			break;
		left = limit * u.scale - u.used - u.reserved;
		row = hpcnet_quota_view(q);
		json_object_update_new(row, json_pack("{s:I, s:I, s:I, s:s}",
			"used", (json_int_t)up_div(u.used, u.scale),
			"reserved", (json_int_t)up_div(u.reserved, u.scale),
			"left", (json_int_t)(left > 0 ? left / u.scale : 0), "unit", u.unit));
		json_array_append_new(*out, row);
	}
	json_decref(qs);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	return rc < 0 ? rc : 0;
}

/* ---- the scheduler's soft gate ---- */

struct soft_use {
	size_t quota;            /* index in quotas */
	char scope_id[HPCNET_ID_LEN];
	int64_t used;            /* base units, placed jobs and ended ones */
};

struct hpcnet_soft_gate {
	struct hpcnet_db *db;
	int64_t now;
	json_t *quotas;
	struct soft_use *use;
	size_t n, cap;
	json_t *roles;           /* "user id/role" -> held, looked up once per pass */
};

int hpcnet_quota_soft_load(struct hpcnet_db *db, int64_t now, struct hpcnet_soft_gate **out)
{
	json_t *qs = NULL;
	int rc = hpcnet_store_quota_soft_list(db, &qs);

	*out = NULL;
	if (rc < 0 || json_array_size(qs) == 0) {
		json_decref(qs);
		return rc;
	}
	*out = hpcnet_xcalloc(1, sizeof(**out));
	(*out)->db = db;
	(*out)->now = now;
	(*out)->quotas = qs;
	(*out)->roles = json_object();
	return 0;
}

void hpcnet_quota_soft_free(struct hpcnet_soft_gate *g)
{
	if (!g)
		return;
	json_decref(g->quotas);
	json_decref(g->roles);
	free(g->use);
	free(g);
}

/* 1 when the user holds role (looked up once per pass and pair). */
static int holds_role(struct hpcnet_soft_gate *g, const char *user_id, const char *role)
{
	char key[HPCNET_ID_LEN + 40];
	json_t *v;

	snprintf(key, sizeof(key), "%s/%s", user_id, role);
	v = json_object_get(g->roles, key);
	if (!v) {
		v = json_boolean(hpcnet_store_user_holds_role(g->db, user_id, role) > 0);
		json_object_set_new(g->roles, key, v);
	}
	return json_is_true(v);
}

/* The scope a soft quota has for this job, or NULL when it does not bind it. */
static const char *soft_scope(struct hpcnet_soft_gate *g, json_t *q,
			      const struct hpcnet_soft_job *j)
{
	const char *kind = json_string_value(json_object_get(q, "scope_kind"));
	const char *id = json_string_value(json_object_get(q, "scope_id"));

	if (strcmp(kind, "user") == 0)
		return strcmp(id, j->user_id) == 0 ? j->user_id : NULL;
	if (strcmp(kind, "role") == 0)
		return holds_role(g, j->user_id, id) ? j->user_id : NULL;
	if (strcmp(kind, "project") == 0)
		return j->project_id && strcmp(id, j->project_id) == 0 ? id : NULL;
	return j->org_id && strcmp(id, j->org_id) == 0 ? id : NULL;
}

/* What a job asks of a quota in base units; 0 when it does not apply. */
static int64_t asked_of(json_t *q, const struct hpcnet_meter_job *mj)
{
	const char *res = json_string_value(json_object_get(q, "resource"));
	const char *model = json_string_value(json_object_get(q, "gpu_model"));

	if (strcmp(res, "concurrent_jobs") == 0)
		return 1;
	if (strcmp(res, "core_hours") == 0)
		return mj->cores * mj->walltime_s;
	if (strcmp(res, "gpu_hours") == 0 &&
	    (!*model || (mj->gpu_model && strcmp(model, mj->gpu_model) == 0)))
		return mj->gpus * mj->walltime_s;
	return 0;
}

/* The cached use of quota qi for scope, loaded on first sight. */
static int soft_use_of(struct hpcnet_soft_gate *g, size_t qi, const char *scope, const char *user,
		       struct soft_use **out, int64_t *scale)
{
	struct use u;
	size_t k;
	int rc;

	for (k = 0; k < g->n; k++)
		if (g->use[k].quota == qi && strcmp(g->use[k].scope_id, scope) == 0)
			break;
	rc = use_of(g->db, user, json_array_get(g->quotas, qi), g->now, 1, &u);
	if (rc < 0)
		return rc;
	*scale = u.scale;
	if (k == g->n) {
		if (g->n == g->cap) {
			g->cap = g->cap ? g->cap * 2 : 16;
			g->use = hpcnet_xrealloc(g->use, g->cap * sizeof(*g->use));
		}
		g->use[k] = (struct soft_use){ .quota = qi, .used = u.used + u.reserved };
		snprintf(g->use[k].scope_id, sizeof(g->use[k].scope_id), "%s", scope);
		g->n++;
	}
	*out = &g->use[k];
	return 0;
}

int hpcnet_quota_soft_admit(struct hpcnet_soft_gate *g, const struct hpcnet_soft_job *j,
			    char *why, size_t len)
{
	struct soft_use *hit[64];
	int64_t asked[64], scale;
	size_t i, nhit = 0;
	json_t *q;
	int rc;

	if (!g)
		return 1;
	json_array_foreach(g->quotas, i, q) {
		const char *scope = soft_scope(g, q, j);
		int64_t a = scope ? asked_of(q, &j->mj) : 0, limit;
		struct soft_use *u;

		if (!a || nhit == 64)
			continue;
		rc = soft_use_of(g, i, scope, j->user_id, &u, &scale);
		if (rc < 0)
			return rc;
		limit = json_integer_value(json_object_get(q, "max_value")) * scale;
		if (u->used + a > limit) {
			snprintf(why, len, "waiting: soft quota %s of %s %s (%s) is %lld %s, %lld in use",
				 json_string_value(json_object_get(q, "resource")),
				 json_string_value(json_object_get(q, "scope_kind")),
				 json_string_value(json_object_get(q, "scope_name")),
				 json_string_value(json_object_get(q, "period")),
				 (long long)json_integer_value(json_object_get(q, "max_value")),
				 scale == 1 ? "jobs" : "hours", (long long)up_div(u->used, scale));
			return 0;
		}
		hit[nhit] = u;
		asked[nhit++] = a;
	}
	for (i = 0; i < nhit; i++) /* placed: it counts for the jobs after it */
		hit[i]->used += asked[i];
	return 1;
}
