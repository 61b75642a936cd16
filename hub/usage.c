/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /api/v1/usage: metered usage summed by center, user, day, job or period
 * (the portal's charts, `hpcnet usage`), and /api/v1/jobs/{id}/usage: one
 * job's records with the center's figure beside the hub's check and the
 * discrepancy flag, plus its hold. Users see their own usage; org admins
 * what their org pays for (?org=NAME); platform admins anyone's
 * (?user=NAME) or everyone's.
 */
#include <stdio.h>
#include <string.h>

#include "hpcnet/error.h"
#include "hub/billing/pricing.h"
#include "hub/handlers.h"
#include "hub/http.h"
#include "hub/perm.h"
#include "hub/store/billing_store.h"
#include "hub/store/store.h"
#include "hub/view.h"

/* jobs.c: loads a job the caller may see, else replies 404. */
int hpcnet_jobs_visible(struct hpcnet_req *r, json_t **row);

static const char *unit_of(const char *res)
{
	if (strcmp(res, "core") == 0)
		return "core_seconds";
	if (strcmp(res, "gpu") == 0)
		return "gpu_seconds";
	if (strcmp(res, "memory") == 0 || strcmp(res, "storage") == 0)
		return "mib_seconds";
	return "bytes";
}

/* 1 when s is YYYY-MM-DD. */
static int day_ok(const char *s)
{
	int i;

	for (i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
			return 0;
	return s[10] == '\0';
}

int hpcnet_usage_org(struct hpcnet_req *r, char org_id[HPCNET_ID_LEN])
{
	const char *org = hpcnet_req_query(r, "org");
	struct hpcnet_perm_obj o = { .type = "org", .id = org };
	json_t *row = NULL;
	int rc;

	org_id[0] = '\0';
	if (!org)
		return 0;
	rc = hpcnet_store_org_get(hpcnet_req_db(r), org, &row);
	if (rc == 0) {
		snprintf(org_id, HPCNET_ID_LEN, "%s", json_string_value(json_object_get(row, "id")));
		o.org_id = org_id;
		/* the org's money: its admins and platform admins (accounts.read) */
		rc = hpcnet_perm_allows(r, "accounts.read", &o);
		rc = rc == 0 ? HPCNET_ENOTFOUND : rc < 0 ? rc : 1;
	}
	json_decref(row);
	if (rc == HPCNET_ENOTFOUND)
		hpcnet_reply_problem(r, 404, "no organization '%s' whose accounts you administer", org);
	else if (rc < 0)
		hpcnet_reply_error(r, rc);
	return rc < 0 ? rc : 1;
}

int hpcnet_usage_subject(struct hpcnet_req *r, char user_id[HPCNET_ID_LEN], int all_ok)
{
	const char *user = hpcnet_req_query(r, "user");
	json_t *u = NULL;
	int rc;

	snprintf(user_id, HPCNET_ID_LEN, "%s", r->user_id);
	if (!user || strcmp(user, r->user_name) == 0)
		return r->is_admin && all_ok && !user ? (user_id[0] = '\0', 0) : 0;
	if (!r->is_admin) {
		hpcnet_reply_problem(r, 403, "only an administrator may see other users' usage");
		return HPCNET_EPERM;
	}
	rc = hpcnet_store_user_by_name(hpcnet_req_db(r), user, &u);
	if (rc == 0)
		snprintf(user_id, HPCNET_ID_LEN, "%s", json_string_value(json_object_get(u, "id")));
	json_decref(u);
	if (rc == HPCNET_ENOTFOUND)
		hpcnet_reply_problem(r, 400, "no user '%s'", user);
	else if (rc < 0)
		hpcnet_reply_error(r, rc);
	return rc;
}

/* by=storage: a payer's storage days (hub/billing/storage.h): a user's
 * own, or with ?org= an org's (its projects' jobs), since/until filtering
 * the days. */
static int storage_days(struct hpcnet_req *r, const char *since, const char *until)
{
	char payer[HPCNET_ID_LEN];
	json_t *rows = NULL, *row, *items;
	size_t i;
	int rc, org = hpcnet_usage_org(r, payer);

	if (org < 0 || (!org && hpcnet_usage_subject(r, payer, 0) < 0))
		return 0;
	rc = hpcnet_store_storage_days(hpcnet_req_db(r), org ? "org" : "user", payer, &rows);
	if (rc < 0)
		return hpcnet_reply_error(r, rc);
	items = json_array();
	json_array_foreach(rows, i, row) {
		const char *day = json_string_value(json_object_get(row, "day"));

		if ((since && strcmp(day, since) < 0) || (until && strcmp(day, until) >= 0))
			continue;
		json_object_set_new(row, "final", json_boolean(json_integer_value(
								json_object_get(row, "final"))));
		json_object_set_new(row, "unit", json_string("byte-seconds"));
		json_array_append(items, row);
	}
	json_decref(rows);
	return hpcnet_reply_json(r, 200, json_pack("{s:s, s:o, s:o, s:s, s:I, s:o, s:n}", "by",
		"storage", "since", since ? json_string(since) : json_null(),
		"until", until ? json_string(until) : json_null(),
		"currency", r->hub->billing.currency, "price_per_gib_day",
		(json_int_t)r->hub->billing.storage_price, "items", items, "next_cursor"));
}

int hpcnet_h_usage_get(struct hpcnet_req *r)
{
	static const char *bys[] = { "center", "user", "project", "day", "job", "period", "storage",
				     NULL };
	const char *by = hpcnet_req_query(r, "by"), *since = hpcnet_req_query(r, "since");
	const char *until = hpcnet_req_query(r, "until");
	char user_id[HPCNET_ID_LEN], org_id[HPCNET_ID_LEN];
	json_t *rows = NULL, *row;
	size_t i;
	int k, rc, org;

	if (!by)
		by = "center";
	for (k = 0; bys[k] && strcmp(bys[k], by) != 0; k++)
		;
	if (!bys[k])
		return hpcnet_reply_problem(r, 400, "'by' must be center, user, project, day, job,"
					    " period or storage");
	if ((since && !day_ok(since)) || (until && !day_ok(until)))
		return hpcnet_reply_problem(r, 400, "'since' and 'until' are days: YYYY-MM-DD (UTC)");
	if (strcmp(by, "storage") == 0)
		return storage_days(r, since, until);
	org = hpcnet_usage_org(r, org_id);
	if (org < 0 || (!org && hpcnet_usage_subject(r, user_id, 1) < 0))
		return 0;
	rc = hpcnet_store_usage_summary(hpcnet_req_db(r), by, !org && *user_id ? user_id : NULL,
					org ? org_id : NULL, since, until, &rows);
	if (rc < 0)
		return hpcnet_reply_error(r, rc);
	json_array_foreach(rows, i, row) {
		json_object_set_new(row, "unit",
				    json_string(unit_of(json_string_value(json_object_get(row,
										  "resource")))));
		json_object_set_new(row, "currency", json_string(r->hub->billing.currency));
	}
	return hpcnet_reply_json(r, 200, json_pack("{s:s, s:o, s:o, s:s, s:o, s:n}", "by", by,
		"since", since ? json_string(since) : json_null(),
		"until", until ? json_string(until) : json_null(),
		"currency", r->hub->billing.currency, "items", rows, "next_cursor"));
}

int hpcnet_h_usage_job(struct hpcnet_req *r)
{
	json_t *job = NULL, *rows = NULL, *hold = NULL, *row, *h = json_null(), *runs = NULL;
	size_t i;
	int rc;

	if (hpcnet_jobs_visible(r, &job) < 0)
		return 0;
	rc = hpcnet_store_usage_job(hpcnet_req_db(r), r->params[0], &rows);
	if (rc == 0) /* earlier runs (requeued, preempted): the records include them */
		rc = hpcnet_store_job_runs(hpcnet_req_db(r), r->params[0], &runs);
	if (rc == 0) {
		rc = hpcnet_store_hold_get(r->db, r->params[0], &hold);
		if (rc == 0)
			h = json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:o}",
				      "amount", json_object_get(hold, "amount"),
				      "currency", json_object_get(hold, "currency"),
				      "basis", json_object_get(hold, "basis"),
				      "status", json_object_get(hold, "status"),
				      "cost", json_object_get(hold, "cost"),
				      "charged", json_object_get(hold, "charged"),
				      "settled_at", hpcnet_view_time(json_object_get(hold, "settled_at")));
		rc = rc == HPCNET_ENOTFOUND ? 0 : rc;
	}
	if (rc < 0) {
		json_decref(rows);
		rows = NULL;
		hpcnet_reply_error(r, rc);
		goto out;
	}
	json_array_foreach(rows, i, row) {
		json_object_set_new(row, "unit",
				    json_string(unit_of(json_string_value(json_object_get(row,
										  "resource")))));
		json_object_set_new(row, "flagged", json_boolean(json_integer_value(
								json_object_get(row, "flagged"))));
		json_object_set_new(row, "final", json_boolean(json_integer_value(
								json_object_get(row, "final"))));
		json_object_set_new(row, "updated_at", hpcnet_view_time(json_object_get(row,
										  "updated_at")));
	}
	json_array_foreach(runs, i, row) {
		json_object_set_new(row, "started_at", hpcnet_view_time(json_object_get(row,
										  "started_at")));
		json_object_set_new(row, "ended_at", hpcnet_view_time(json_object_get(row,
										"ended_at")));
	}
	hpcnet_reply_json(r, 200, json_pack("{s:s, s:o, s:o, s:o}", "job_id", r->params[0], "items",
					    rows, "hold", h, "earlier_runs", runs));
	h = NULL;
	runs = NULL;
out:
	json_decref(runs);
	json_decref(h);
	json_decref(hold);
	json_decref(job);
	return 0;
}
