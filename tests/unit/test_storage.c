/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Storage metering on a real store (hub/billing/storage.c): the bytes the
 * hub keeps for a payer's jobs integrated over sweeps into one row per UTC
 * day, split at midnight, a day charged once when it is over at the
 * platform's price (rounded half up once), capped by what the payer has,
 * and nothing charged at price 0. A project job's bytes are its org's.
 * A sweep visits only payers whose level changed or whose day ended.
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

#include "common/fsutil.h"
#include "common/id.h"
#include "hub/billing/billing.h"
#include "hub/billing/storage.h"
#include "hub/store/billing_store.h"
#include "hub/store/store.h"

#define DAY_MS 86400000LL
#define T0 (20000 * DAY_MS) /* a UTC midnight */
#define GIB (1LL << 30)

struct fx {
	char dir[64];
	struct hpcnet_store *store;
	struct hpcnet_db *db;
	struct hpcnet_billing_cfg cfg;
	char ann[HPCNET_ID_LEN], bob[HPCNET_ID_LEN], org[HPCNET_ID_LEN], prj[HPCNET_ID_LEN];
};

static int setup(void **state)
{
	struct fx *f = hpcnet_xcalloc(1, sizeof(*f));

	tmpstore_open(f->dir, sizeof(f->dir), "storage", &f->store, &f->db);
	hpcnet_billing_defaults(&f->cfg);
	hpcnet_id_new("usr", f->ann);
	hpcnet_id_new("usr", f->bob);
	assert_int_equal(hpcnet_store_user_create(f->db, f->ann, "ann", "x", "user"), 0);
	assert_int_equal(hpcnet_store_user_create(f->db, f->bob, "bob", "x", "user"), 0);
	hpcnet_id_new("org", f->org);
	hpcnet_id_new("prj", f->prj);
	assert_int_equal(hpcnet_store_org_create(f->db, f->org, "uni", "Uni", "university", f->ann),
			 0);
	assert_int_equal(hpcnet_store_project_create(f->db, f->prj, f->org, "phys", "", f->ann), 0);
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

/* A job of user (in the fixture's project when prj) keeping `bytes` in
 * all (script "true", files "[]", output); its id into id (may be NULL). */
static void job_in(struct fx *f, const char *user, int prj, int64_t bytes, char *id_out)
{
	struct hpcnet_job_row row = { .name = "s", .script = "true", .env_json = "{}",
				      .files_json = "[]", .user_id = user, .cores = 1,
				      .walltime_seconds = 60, .submitted_at = T0 };
	char id[HPCNET_ID_LEN];

	hpcnet_id_new("job", id);
	row.id = id;
	if (prj) {
		row.project_id = f->prj;
		row.org_id = f->org;
	}
	assert_int_equal(hpcnet_store_job_insert(f->db, &row), 0);
	assert_int_equal(hpcnet_db_exec(f->db, "UPDATE jobs SET stdout_bytes = ? WHERE id = ?", "it",
					bytes - 6, id), 1);
	if (id_out)
		memcpy(id_out, id, HPCNET_ID_LEN);
}

static void job(struct fx *f, const char *user, int64_t bytes)
{
	job_in(f, user, 0, bytes, NULL);
}

static int sweep(struct fx *f, int64_t now)
{
	int rc;

	assert_int_equal(hpcnet_db_begin(f->db), 0);
	rc = hpcnet_billing_storage_sweep(f->db, &f->cfg, now);
	assert_int_equal(hpcnet_db_commit(f->db), 0);
	return rc;
}

/* A column of a payer's day (payer ids carry their kind: usr_, org_). */
static int64_t day_int(struct fx *f, const char *payer, const char *day, const char *col)
{
	char sql[160];
	int64_t v = -1;

	snprintf(sql, sizeof(sql), "SELECT %s FROM storage_days WHERE payer_id = ? AND day = ?", col);
	assert_int_equal(hpcnet_db_get_int(f->db, &v, sql, "tt", payer, day), 1);
	return v;
}

static int64_t count(struct fx *f, const char *sql, const char *arg)
{
	int64_t n = -1;

	assert_int_equal(hpcnet_db_get_int(f->db, &n, sql, arg ? "t" : NULL, arg), 1);
	return n;
}

static void test_days_split_and_charged_once(void **state)
{
	struct fx *f = *state;
	struct hpcnet_balance b;
	char d0[11], d1[11];

	f->cfg.storage_price = 100; /* 1.00 a GiB-day */
	hpcnet_ledger_day(T0, d0);
	hpcnet_ledger_day(T0 + DAY_MS, d1);
	job(f, f->ann, 2 * GIB); /* 2 GiB */
	job(f, f->bob, GIB / 3); /* a third of a GiB */
	assert_int_equal(hpcnet_billing_topup(f->db, &f->cfg, "user", f->ann, 10000, "t:a", NULL, "",
					      T0), 0);
	assert_int_equal(hpcnet_billing_topup(f->db, &f->cfg, "user", f->bob, 20, "t:b", NULL, "",
					      T0), 0);
	assert_int_equal(sweep(f, T0 + 6 * 3600000LL), 0); /* first seen: metering starts */
	assert_int_equal(sweep(f, T0 + 6 * 3600000LL + 1000), 0); /* too soon: nothing */
	assert_int_equal(day_int(f, f->ann, d0, "byte_seconds"), 0);
	/* the level did not change: nothing to write until the day ends */
	assert_int_equal(sweep(f, T0 + 12 * 3600000LL), 0);
	assert_int_equal(day_int(f, f->ann, d0, "byte_seconds"), 0);
	/* across midnight: the rest of day 0 and six hours of day 1, then day 0
	 * is over and charged, for both */
	assert_int_equal(sweep(f, T0 + DAY_MS + 6 * 3600000LL), 2);
	assert_int_equal(day_int(f, f->ann, d0, "byte_seconds"), 2 * GIB * 18 * 3600);
	assert_int_equal(day_int(f, f->ann, d1, "byte_seconds"), 2 * GIB * 6 * 3600);
	assert_int_equal(day_int(f, f->ann, d0, "final"), 1);
	assert_int_equal(day_int(f, f->ann, d0, "amount"), 150); /* 2 GiB x 0.75 day */
	assert_int_equal(day_int(f, f->ann, d1, "final"), 0);
	assert_int_equal(hpcnet_ledger_balance(f->db, "user", f->ann, f->cfg.currency, &b), 0);
	assert_int_equal(b.balance, 10000 - 150);
	/* bob: 1/3 GiB x 0.75 day = 25 exactly; he has 20 and no credit */
	assert_int_equal(day_int(f, f->bob, d0, "amount"), 20);
	assert_int_equal(hpcnet_ledger_balance(f->db, "user", f->bob, f->cfg.currency, &b), 0);
	assert_int_equal(b.balance, 0);
	/* later sweeps charge day 0 again never */
	assert_int_equal(sweep(f, T0 + DAY_MS + 12 * 3600000LL), 0);
	assert_int_equal(hpcnet_ledger_balance(f->db, "user", f->ann, f->cfg.currency, &b), 0);
	assert_int_equal(b.balance, 10000 - 150);
	assert_int_equal(day_int(f, f->ann, d0, "byte_seconds"), 2 * GIB * 18 * 3600);
}

static void test_price_zero_meters_only(void **state)
{
	struct fx *f = *state;
	int64_t n = -1;
	char d0[11];

	hpcnet_ledger_day(T0, d0);
	job(f, f->ann, GIB);
	assert_int_equal(sweep(f, T0), 0);
	assert_int_equal(sweep(f, T0 + 2 * DAY_MS), 2); /* two days closed */
	assert_int_equal(day_int(f, f->ann, d0, "byte_seconds"), GIB * 86400);
	assert_int_equal(day_int(f, f->ann, d0, "amount"), 0);
	assert_int_equal(hpcnet_db_get_int(f->db, &n, "SELECT COUNT(*) FROM ledger_transactions",
					   NULL), 1);
	assert_int_equal(n, 0);
}

/* A project job's bytes are metered and charged to the project's org,
 * not its user (compute's rule); the user pays for their own jobs only. */
static void test_project_jobs_billed_to_org(void **state)
{
	struct fx *f = *state;
	struct hpcnet_balance b;
	char d0[11];

	f->cfg.storage_price = 100;
	hpcnet_ledger_day(T0, d0);
	job_in(f, f->ann, 1, 4 * GIB, NULL);
	job(f, f->ann, GIB);
	assert_int_equal(hpcnet_billing_topup(f->db, &f->cfg, "user", f->ann, 10000, "t:a", NULL, "",
					      T0), 0);
	assert_int_equal(hpcnet_billing_topup(f->db, &f->cfg, "org", f->org, 10000, "t:o", NULL, "",
					      T0), 0);
	assert_int_equal(sweep(f, T0), 0);
	assert_int_equal(sweep(f, T0 + DAY_MS), 2);
	assert_int_equal(day_int(f, f->org, d0, "byte_seconds"), 4 * GIB * 86400);
	assert_int_equal(day_int(f, f->ann, d0, "byte_seconds"), GIB * 86400);
	assert_int_equal(day_int(f, f->org, d0, "amount"), 400);
	assert_int_equal(day_int(f, f->ann, d0, "amount"), 100);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM storage_days WHERE payer_kind = 'org'"
				  " AND payer_id = ?", f->org), 1);
	assert_int_equal(hpcnet_ledger_balance(f->db, "org", f->org, f->cfg.currency, &b), 0);
	assert_int_equal(b.balance, 10000 - 400);
	assert_int_equal(hpcnet_ledger_balance(f->db, "user", f->ann, f->cfg.currency, &b), 0);
	assert_int_equal(b.balance, 10000 - 100);
}

/* A level that changes mid-day: the old level is counted up to the sweep
 * that sees the change, the new one from there; a sweep with nothing
 * changed visits nobody. */
static void test_change_counts_old_level_until_seen(void **state)
{
	struct fx *f = *state;
	json_t *due = NULL;
	char d0[11], id[HPCNET_ID_LEN];

	hpcnet_ledger_day(T0, d0);
	job_in(f, f->ann, 0, GIB, id);
	assert_int_equal(sweep(f, T0), 0);
	assert_int_equal(hpcnet_store_storage_due(f->db, T0, &due), 0);
	assert_int_equal(json_array_size(due), 0); /* nothing changed since */
	json_decref(due);
	/* output grows to 3 GiB at 8 h */
	assert_int_equal(hpcnet_db_exec(f->db, "UPDATE jobs SET stderr_bytes = ? WHERE id = ?", "it",
					2 * GIB, id), 1);
	assert_int_equal(hpcnet_store_storage_due(f->db, T0, &due), 0);
	assert_int_equal(json_array_size(due), 1);
	json_decref(due);
	assert_int_equal(sweep(f, T0 + 8 * 3600000LL), 0);
	assert_int_equal(day_int(f, f->ann, d0, "byte_seconds"), GIB * 8 * 3600);
	/* a minute later it shrinks back; too soon to count: stays due */
	assert_int_equal(hpcnet_db_exec(f->db, "UPDATE jobs SET stderr_bytes = 0 WHERE id = ?", "t",
					id), 1);
	assert_int_equal(sweep(f, T0 + 8 * 3600000LL + 30000), 0);
	assert_int_equal(day_int(f, f->ann, d0, "byte_seconds"), GIB * 8 * 3600);
	assert_int_equal(sweep(f, T0 + 8 * 3600000LL + 60000), 0);
	assert_int_equal(day_int(f, f->ann, d0, "byte_seconds"), GIB * 8 * 3600 + 3 * GIB * 60);
	/* the day ends: 1 GiB for the rest of it */
	assert_int_equal(sweep(f, T0 + DAY_MS), 1);
	assert_int_equal(day_int(f, f->ann, d0, "byte_seconds"),
			 GIB * 8 * 3600 + 3 * GIB * 60 + GIB * (16 * 3600 - 60));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_days_split_and_charged_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_price_zero_meters_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_project_jobs_billed_to_org, setup, teardown),
		cmocka_unit_test_setup_teardown(test_change_counts_old_level_until_seen, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
