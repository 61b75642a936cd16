/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Storage metering on a real store (hub/billing/storage.c): the bytes the
 * hub keeps for a user's jobs integrated over sweeps into one row per UTC
 * day, split at midnight, a day charged once when it is over at the
 * platform's price (rounded half up once), capped by what the user has,
 * and nothing charged at price 0.
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
	char ann[HPCNET_ID_LEN], bob[HPCNET_ID_LEN];
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

/* A job of user keeping `bytes` in all (script "true", files "[]", output). */
static void job(struct fx *f, const char *user, int64_t bytes)
{
	struct hpcnet_job_row row = { .name = "s", .script = "true", .env_json = "{}",
				      .files_json = "[]", .user_id = user, .cores = 1,
				      .walltime_seconds = 60, .submitted_at = T0 };
	char id[HPCNET_ID_LEN];

	hpcnet_id_new("job", id);
	row.id = id;
	assert_int_equal(hpcnet_store_job_insert(f->db, &row), 0);
	assert_int_equal(hpcnet_db_exec(f->db, "UPDATE jobs SET stdout_bytes = ? WHERE id = ?", "it",
					bytes - 6, id), 1);
}

static int sweep(struct fx *f, int64_t now)
{
	int rc;

	assert_int_equal(hpcnet_db_begin(f->db), 0);
	rc = hpcnet_billing_storage_sweep(f->db, &f->cfg, now);
	assert_int_equal(hpcnet_db_commit(f->db), 0);
	return rc;
}

static int64_t day_int(struct fx *f, const char *user, const char *day, const char *col)
{
	char sql[160];
	int64_t v = -1;

	snprintf(sql, sizeof(sql), "SELECT %s FROM storage_days WHERE user_id = ? AND day = ?", col);
	assert_int_equal(hpcnet_db_get_int(f->db, &v, sql, "tt", user, day), 1);
	return v;
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
	assert_int_equal(sweep(f, T0 + 12 * 3600000LL), 0); /* a quarter day */
	assert_int_equal(day_int(f, f->ann, d0, "byte_seconds"), 2 * GIB * 6 * 3600);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_days_split_and_charged_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_price_zero_meters_only, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
