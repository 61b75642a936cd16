/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Quotas and charges on a real store (hub/billing/quota.c, billing.c):
 * a core-hour quota exactly at its limit and one second past it, a role's
 * default and a user's own quota replacing it, project and org quotas
 * binding only their jobs, lifetime vs month, the soft gate counting what
 * it lets through, tiered prices charged across jobs from the payer's
 * running monthly volume, and lost jobs costing nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/tmpstore.h"

#include "common/clock.h"
#include "common/fsutil.h"
#include "common/id.h"
#include "hpcnet/error.h"
#include "hub/billing/billing.h"
#include "hub/billing/quota.h"
#include "hub/store/billing_store.h"
#include "hub/store/store.h"

struct fx {
	char dir[64];
	struct hpcnet_store *store;
	struct hpcnet_db *db;
	char ann[HPCNET_ID_LEN], bob[HPCNET_ID_LEN], center[HPCNET_ID_LEN];
	char org[HPCNET_ID_LEN], proj[HPCNET_ID_LEN];
};

static int setup(void **state)
{
	struct fx *f = hpcnet_xcalloc(1, sizeof(*f));

	tmpstore_open(f->dir, sizeof(f->dir), "quota", &f->store, &f->db);
	hpcnet_id_new("usr", f->ann);
	hpcnet_id_new("usr", f->bob);
	hpcnet_id_new("ctr", f->center);
	hpcnet_id_new("org", f->org);
	hpcnet_id_new("prj", f->proj);
	assert_int_equal(hpcnet_store_user_create(f->db, f->ann, "ann", "x", "user"), 0);
	assert_int_equal(hpcnet_store_user_create(f->db, f->bob, "bob", "x", "user"), 0);
	assert_int_equal(hpcnet_store_center_create(f->db, f->center, "alpha", f->center,
						    hpcnet_now_ms() + 3600000), 0);
	assert_int_equal(hpcnet_store_org_create(f->db, f->org, "uni", "Uni", "university", NULL), 0);
	assert_int_equal(hpcnet_store_org_member_set(f->db, f->org, f->ann, "member"), 0);
	assert_int_equal(hpcnet_store_project_create(f->db, f->proj, f->org, "phys", "", NULL), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	tmpstore_close(f->dir, f->store, f->db);
	free(f);
	return 0;
}

static void quota(struct fx *f, const char *kind, const char *scope, const char *res,
		  int64_t limit, const char *period, int soft)
{
	char id[HPCNET_ID_LEN];

	hpcnet_id_new("quo", id);
	assert_int_equal(hpcnet_store_quota_put(f->db, id, kind, scope, res, "", period, limit, soft,
						NULL, hpcnet_now_ms()), 0);
}

/* Inserts a queued job of user (in project/org or NULL). */
static void job(struct fx *f, const char *user, int cores, int64_t walltime, int in_project,
		char id[HPCNET_ID_LEN])
{
	struct hpcnet_job_row row = { .name = "q", .script = "true", .env_json = "{}",
				      .files_json = "[]", .user_id = user, .cores = cores,
				      .walltime_seconds = walltime, .submitted_at = hpcnet_now_ms(),
				      .project_id = in_project ? f->proj : NULL,
				      .org_id = in_project ? f->org : NULL };

	hpcnet_id_new("job", id);
	row.id = id;
	assert_int_equal(hpcnet_store_job_insert(f->db, &row), 0);
}

static int check(struct fx *f, const char *user, int cores, int64_t walltime, int in_project,
		 struct hpcnet_quota_miss *miss)
{
	struct hpcnet_meter_job mj = { .cores = cores, .walltime_s = walltime };

	return hpcnet_quota_check(f->db, user, in_project ? f->proj : NULL,
				  in_project ? f->org : NULL, &mj, 0, hpcnet_now_ms(), miss);
}

static void test_exactly_at_the_limit(void **state)
{
	struct fx *f = *state;
	struct hpcnet_quota_miss m;
	char id[HPCNET_ID_LEN];

	quota(f, "user", f->ann, "core_hours", 1, "month", 0);
	assert_int_equal(check(f, f->ann, 2, 1800, 0, &m), 0); /* exactly 3600 core-seconds */
	job(f, f->ann, 2, 1800, 0, id);
	assert_int_equal(check(f, f->ann, 1, 1, 0, &m), HPCNET_EQUOTA);
	assert_string_equal(m.resource, "core_hours");
	assert_string_equal(m.scope, "user ann");
	assert_int_equal(m.limit, 1);
	assert_int_equal(m.left, 0);
	/* cancelled before it ran: what it reserved is free again */
	assert_int_equal(hpcnet_store_job_set_state(f->db, id, "queued", "cancelled", "", hpcnet_now_ms()),
			 1);
	assert_int_equal(check(f, f->ann, 1, 3600, 0, &m), 0);
	/* bob has no quota */
	assert_int_equal(check(f, f->bob, 64, 86400, 0, &m), 0);
}

static void test_role_default_and_override(void **state)
{
	struct fx *f = *state;
	struct hpcnet_quota_miss m;
	char id[HPCNET_ID_LEN];

	quota(f, "role", "user", "concurrent_jobs", 1, "lifetime", 0);
	quota(f, "user", f->ann, "concurrent_jobs", 3, "lifetime", 0);
	job(f, f->bob, 1, 60, 0, id);
	job(f, f->ann, 1, 60, 0, id);
	assert_int_equal(check(f, f->bob, 1, 60, 0, &m), HPCNET_EQUOTA); /* the role's 1 */
	assert_string_equal(m.resource, "concurrent_jobs");
	assert_int_equal(check(f, f->ann, 1, 60, 0, &m), 0);             /* her own 3 */
	job(f, f->ann, 1, 60, 0, id);
	job(f, f->ann, 1, 60, 0, id);
	assert_int_equal(check(f, f->ann, 1, 60, 0, &m), HPCNET_EQUOTA);
}

static void test_roles_from_grants_and_orgs(void **state)
{
	struct fx *f = *state;
	struct hpcnet_quota_miss m;

	/* a default for org admins binds ann once she administers an org */
	quota(f, "role", "org_admin", "core_hours", 1, "month", 0);
	assert_int_equal(check(f, f->ann, 1, 7200, 0, &m), 0);
	assert_int_equal(hpcnet_store_org_member_set(f->db, f->org, f->ann, "admin"), 0);
	assert_int_equal(check(f, f->ann, 1, 7200, 0, &m), HPCNET_EQUOTA);
	assert_string_equal(m.scope, "role org_admin");
	assert_int_equal(check(f, f->bob, 1, 7200, 0, &m), 0);
	assert_int_equal(hpcnet_store_user_holds_role(f->db, f->ann, "org_admin"), 1);
	assert_int_equal(hpcnet_store_user_holds_role(f->db, f->bob, "org_admin"), 0);
	assert_int_equal(hpcnet_store_user_holds_role(f->db, f->bob, "user"), 1);
	assert_int_equal(hpcnet_store_user_holds_role(f->db, f->bob, "admin"), 0);
}

static void test_project_and_org_scopes(void **state)
{
	struct fx *f = *state;
	struct hpcnet_quota_miss m;
	char id[HPCNET_ID_LEN];

	quota(f, "project", f->proj, "concurrent_jobs", 1, "month", 0);
	quota(f, "org", f->org, "core_hours", 2, "month", 0);
	job(f, f->ann, 1, 60, 1, id);
	/* the project is full; her personal jobs are not bound by it */
	assert_int_equal(check(f, f->ann, 1, 60, 1, &m), HPCNET_EQUOTA);
	assert_string_equal(m.scope, "project uni/phys");
	assert_int_equal(check(f, f->ann, 1, 60, 0, &m), 0);
	/* the org's core-hours: 60 s used of 7200, a 7200 s job is too much */
	quota(f, "project", f->proj, "concurrent_jobs", 10, "month", 0);
	assert_int_equal(check(f, f->ann, 1, 7200, 1, &m), HPCNET_EQUOTA);
	assert_string_equal(m.scope, "org uni");
	assert_int_equal(check(f, f->ann, 1, 7140, 1, &m), 0);
}

static void test_soft_gate(void **state)
{
	struct fx *f = *state;
	struct hpcnet_soft_gate *g = NULL;
	struct hpcnet_quota_miss m;
	struct hpcnet_soft_job sj = { .user_id = f->ann, .mj = { .cores = 1, .walltime_s = 60 } };
	char why[256];

	assert_int_equal(hpcnet_quota_soft_load(f->db, hpcnet_now_ms(), &g), 0);
	assert_null(g); /* no soft quota: nothing to load, everything passes */
	assert_int_equal(hpcnet_quota_soft_admit(g, &sj, why, sizeof(why)), 1);
	quota(f, "user", f->ann, "concurrent_jobs", 2, "month", 1);
	assert_int_equal(check(f, f->ann, 1, 60, 0, &m), 0); /* soft never refuses */
	assert_int_equal(hpcnet_quota_soft_load(f->db, hpcnet_now_ms(), &g), 0);
	assert_non_null(g);
	assert_int_equal(hpcnet_quota_soft_admit(g, &sj, why, sizeof(why)), 1);
	assert_int_equal(hpcnet_quota_soft_admit(g, &sj, why, sizeof(why)), 1);
	assert_int_equal(hpcnet_quota_soft_admit(g, &sj, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "waiting: soft quota concurrent_jobs of user ann"));
	sj.user_id = f->bob;
	assert_int_equal(hpcnet_quota_soft_admit(g, &sj, why, sizeof(why)), 1);
	hpcnet_quota_soft_free(g);
}

/* Ends a job at the center after `seconds` and charges it; its charge. */
static int64_t run_and_charge(struct fx *f, const struct hpcnet_billing_cfg *cfg, const char *user,
			      int64_t seconds, const char *state)
{
	struct hpcnet_estimate est = { .amount = 1000000, .priced_at = hpcnet_now_ms() };
	struct hpcnet_job_report rep = { .state = state, .cpu_seconds = -1, .max_rss_bytes = -1 };
	struct hpcnet_balance b;
	struct hpcnet_hold_req hr;
	char id[HPCNET_ID_LEN];
	json_t *hold = NULL;
	int64_t now = hpcnet_now_ms(), charged;

	job(f, user, 1, 100000, 0, id);
	hr = (struct hpcnet_hold_req){ .job_id = id, .payer_kind = "user", .payer_id = user,
				       .est = &est, .now = now };
	assert_int_equal(hpcnet_billing_hold(f->db, cfg, &hr, &b), 0);
	assert_int_equal(hpcnet_store_job_dispatch(f->db, id, f->center, "", now), 1);
	rep.job_id = id;
	rep.started_at = now - seconds * 1000;
	rep.ended_at = now;
	assert_int_equal(hpcnet_store_job_apply_report(f->db, &rep, now), 0);
	assert_int_equal(hpcnet_billing_settle(f->db, cfg, id, NULL, now), 1);
	assert_int_equal(hpcnet_billing_settle(f->db, cfg, id, NULL, now), 0); /* once */
	assert_int_equal(hpcnet_store_hold_get(f->db, id, &hold), 0);
	charged = json_integer_value(json_object_get(hold, "charged"));
	json_decref(hold);
	return charged;
}

static void test_tiers_across_jobs(void **state)
{
	struct fx *f = *state;
	struct hpcnet_billing_cfg cfg;
	char id[HPCNET_ID_LEN];
	int64_t now = hpcnet_now_ms();

	hpcnet_billing_defaults(&cfg);
	hpcnet_id_new("prl", id);
	/* 1 core-hour at 3600 (1 per core-second), then 1800 */
	assert_int_equal(hpcnet_store_price_insert(f->db, id, f->center, "CNY",
		"[{\"resource\":\"core_hour\",\"tiers\":[{\"up_to\":1,\"price\":3600},{\"price\":1800}]}]",
		now - 1000, NULL, now - 1000), 0);
	assert_int_equal(hpcnet_store_price_decide(f->db, id, "approved", NULL, now - 1000), 1);
	assert_int_equal(hpcnet_billing_topup(f->db, &cfg, "user", f->bob, 10000000, "t1", NULL, "",
					      now), 0);
	assert_int_equal(run_and_charge(f, &cfg, f->bob, 3000, "succeeded"), 3000);      /* all first tier */
	assert_int_equal(run_and_charge(f, &cfg, f->bob, 1200, "failed"), 600 + 300); /* 600 s + 600 s */
	assert_int_equal(run_and_charge(f, &cfg, f->bob, 1000, "cancelled"), 500);       /* all second tier */
	/* ann's volume is her own: she starts in the first tier */
	assert_int_equal(hpcnet_billing_topup(f->db, &cfg, "user", f->ann, 10000000, "t2", NULL, "",
					      now), 0);
	assert_int_equal(run_and_charge(f, &cfg, f->ann, 1000, "succeeded"), 1000);
	/* a lost job: its center could not account for it, nobody pays */
	assert_int_equal(run_and_charge(f, &cfg, f->ann, 1000, "lost"), 0);
}

/* The slow sum migration 014's usage_totals replaces (the query the quota
 * check ran before it). */
static int64_t slow_total(struct fx *f, const char *col, const char *scope, const char *res,
			  const char *model, const char *since)
{
	char *sql = hpcnet_xasprintf("SELECT COALESCE(SUM(r.billed_qty), 0) FROM usage_records r"
				     " JOIN jobs j ON j.id = r.job_id WHERE j.%s = ? AND r.resource = ?"
				     " AND r.final = 1 AND (? = '' OR r.model = ?)"
				     " AND (? IS NULL OR r.period >= ?)", col);
	int64_t v = -1;

	assert_int_equal(hpcnet_db_get_int(f->db, &v, sql, "tttttt", scope, res, model, model, since,
					   since), 1);
	free(sql);
	return v;
}

/* Whatever happens to usage records (interim, final, a final one restated
 * or removed by hand, rolled back), the kept totals per user, project and
 * org answer what the sum over the records answers, for every resource,
 * model and starting month. */
static void test_usage_totals_match_the_records(void **state)
{
	static const char *res[] = { "core", "gpu" }, *models[] = { "", "a100", "h100" };
	static const char *months[] = { "2026-10", "2026-11", "2026-12" };
	struct fx *f = *state;
	char jobs[12][HPCNET_ID_LEN];
	unsigned seed = 14;
	int i, k;

	for (i = 0; i < 12; i++)
		job(f, i % 2 ? f->ann : f->bob, 1, 60, i % 3 == 0, jobs[i]);
	for (i = 0; i < 1500; i++) {
		int j = rand_r(&seed) % 12, op = rand_r(&seed) % 8;
		const char *r = res[rand_r(&seed) % 2], *m = models[rand_r(&seed) % 3];
		struct hpcnet_usage_put u = {
			.job_id = jobs[j], .resource = r, .model = m, .center_id = f->center,
			.user_id = j % 2 ? f->ann : f->bob, .payer_kind = j % 3 == 0 ? "org" : "user",
			.payer_id = j % 3 == 0 ? f->org : (j % 2 ? f->ann : f->bob), .currency = "CNY",
			.period = months[rand_r(&seed) % 3], .day = "2026-11-05",
			.center_qty = HPCNET_DB_NULL, .hub_qty = HPCNET_DB_NULL,
			.billed_qty = rand_r(&seed) % 10000, .final = rand_r(&seed) % 2, .now = i,
		};

		if (op == 7)
			assert_int_equal(hpcnet_db_begin(f->db), 0);
		if (op < 5 || op == 7)
			assert_int_equal(hpcnet_store_usage_put(f->db, &u), 0);
		else if (op == 5) { /* a correction by hand: every column the totals use */
			int rc = hpcnet_db_exec(f->db, "UPDATE usage_records SET billed_qty = ?,"
						" period = ?, model = ? WHERE job_id = ? AND resource = ?",
						"itttt", (int64_t)(rand_r(&seed) % 500),
						months[rand_r(&seed) % 3], m, jobs[j], r);

			assert_true(rc >= 0 || rc == HPCNET_EEXIST); /* that model is there already */
		}
		else
			assert_true(hpcnet_db_exec(f->db, "DELETE FROM usage_records WHERE job_id = ?"
						   " AND resource = ?", "tt", jobs[j], r) >= 0);
		if (op == 7)
			hpcnet_db_rollback(f->db);
		if (i % 50)
			continue;
		for (k = 0; k < 2 * 3 * 4; k++) {
			const char *rr = res[k % 2], *mm = models[k / 2 % 3];
			const char *since = k / 6 < 3 ? months[k / 6] : NULL;
			int64_t got = -1;

			assert_int_equal(hpcnet_store_usage_scope_total(f->db, "user", f->ann, rr, mm,
									since, &got), 0);
			assert_int_equal(got, slow_total(f, "user_id", f->ann, rr, mm, since));
			assert_int_equal(hpcnet_store_usage_scope_total(f->db, "user", f->bob, rr, mm,
									since, &got), 0);
			assert_int_equal(got, slow_total(f, "user_id", f->bob, rr, mm, since));
			assert_int_equal(hpcnet_store_usage_scope_total(f->db, "project", f->proj, rr,
									mm, since, &got), 0);
			assert_int_equal(got, slow_total(f, "project_id", f->proj, rr, mm, since));
			assert_int_equal(hpcnet_store_usage_scope_total(f->db, "org", f->org, rr, mm,
									since, &got), 0);
			assert_int_equal(got, slow_total(f, "org_id", f->org, rr, mm, since));
		}
	}
}

/* The slow sum migration 016's scope_active replaces (the query the quota
 * check ran before it), as "jobs,core_seconds,gpu_seconds". */
static void slow_active(struct fx *f, const char *col, const char *scope, const char *model,
			int placed, char *out, size_t len)
{
	char *sql = hpcnet_xasprintf("SELECT COUNT(*) AS jobs, COALESCE(SUM(cores * walltime_seconds),"
				     " 0) AS core_seconds, COALESCE(SUM(CASE WHEN ? = '' OR gpu_model = ?"
				     " THEN gpus * walltime_seconds ELSE 0 END), 0) AS gpu_seconds FROM"
				     " jobs WHERE %s = ? AND state NOT IN ('succeeded', 'failed',"
				     " 'cancelled', 'lost')%s", col, placed ? " AND center_id IS NOT NULL"
				     : "");
	json_t *rows = NULL, *r;

	assert_int_equal(hpcnet_db_list_json(f->db, &rows, sql, "ttt", model, model, scope), 0);
	r = json_array_get(rows, 0);
	snprintf(out, len, "%lld,%lld,%lld", (long long)json_integer_value(json_object_get(r, "jobs")),
		 (long long)json_integer_value(json_object_get(r, "core_seconds")),
		 (long long)json_integer_value(json_object_get(r, "gpu_seconds")));
	json_decref(rows);
	free(sql);
}

static void kept_active(struct fx *f, const char *kind, const char *scope, const char *model,
			int placed, char *out, size_t len)
{
	json_t *r = NULL;

	assert_int_equal(hpcnet_store_quota_active(f->db, kind, scope, model, placed, &r), 0);
	snprintf(out, len, "%lld,%lld,%lld", (long long)json_integer_value(json_object_get(r, "jobs")),
		 (long long)json_integer_value(json_object_get(r, "core_seconds")),
		 (long long)json_integer_value(json_object_get(r, "gpu_seconds")));
	json_decref(r);
}

/* Whatever statement changes a job (state, placement, size, model, owner,
 * project), the kept unfinished-job sums per user, project and org answer
 * what the sum over the jobs answers, placed or not, any model or one. */
static void test_active_sums_match_the_jobs(void **state)
{
	static const char *states[] = { "queued", "dispatched", "pending", "running", "held",
					"succeeded", "failed", "cancelled", "lost" };
	static const char *models[] = { "", "a100", "h100" };
	struct fx *f = *state;
	char jobs[16][HPCNET_ID_LEN], a[96], b[96];
	unsigned seed = 16;
	int i, k;

	for (i = 0; i < 16; i++)
		job(f, i % 2 ? f->ann : f->bob, i % 4 + 1, 60 * (i + 1), i % 3 == 0, jobs[i]);
	for (i = 0; i < 1500; i++) {
		const char *id = jobs[rand_r(&seed) % 16];
		int op = rand_r(&seed) % 6;

		if (op == 5)
			assert_int_equal(hpcnet_db_begin(f->db), 0);
		if (op < 2)
			assert_true(hpcnet_db_exec(f->db, "UPDATE jobs SET state = ? WHERE id = ?", "tt",
						   states[rand_r(&seed) % 9], id) >= 0);
		else if (op == 2)
			assert_true(hpcnet_db_exec(f->db, "UPDATE jobs SET center_id = ? WHERE id = ?",
						   "tt", rand_r(&seed) % 2 ? f->center : NULL, id) >= 0);
		else if (op == 3) /* one size at a time: each must count on its own */
			assert_true(hpcnet_db_exec(f->db, (const char *[]){
						   "UPDATE jobs SET cores = ? WHERE id = ?",
						   "UPDATE jobs SET gpus = ? WHERE id = ?",
						   "UPDATE jobs SET walltime_seconds = ? WHERE id = ?" }
						   [rand_r(&seed) % 3], "it", (int64_t)(rand_r(&seed) % 8 + 1),
						   id) >= 0);
		else
			assert_true(hpcnet_db_exec(f->db, "UPDATE jobs SET gpu_model = NULLIF(?, ''),"
						   " project_id = ?, org_id = ? WHERE id = ?", "tttt",
						   models[rand_r(&seed) % 3], rand_r(&seed) % 2 ? f->proj : NULL,
						   rand_r(&seed) % 2 ? f->org : NULL, id) >= 0);
		if (op == 5)
			hpcnet_db_rollback(f->db);
		if (i % 25)
			continue;
		for (k = 0; k < 3 * 2; k++) {
			const char *m = models[k % 3];
			int placed = k / 3;

			slow_active(f, "user_id", f->ann, m, placed, a, sizeof(a));
			kept_active(f, "user", f->ann, m, placed, b, sizeof(b));
			assert_string_equal(b, a);
			slow_active(f, "user_id", f->bob, m, placed, a, sizeof(a));
			kept_active(f, "user", f->bob, m, placed, b, sizeof(b));
			assert_string_equal(b, a);
			slow_active(f, "project_id", f->proj, m, placed, a, sizeof(a));
			kept_active(f, "project", f->proj, m, placed, b, sizeof(b));
			assert_string_equal(b, a);
			slow_active(f, "org_id", f->org, m, placed, a, sizeof(a));
			kept_active(f, "org", f->org, m, placed, b, sizeof(b));
			assert_string_equal(b, a);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_exactly_at_the_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_role_default_and_override, setup, teardown),
		cmocka_unit_test_setup_teardown(test_roles_from_grants_and_orgs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_project_and_org_scopes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_soft_gate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tiers_across_jobs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_usage_totals_match_the_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_active_sums_match_the_jobs, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
