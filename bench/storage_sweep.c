/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the storage sweep and the per-chunk storage quota check cost with
 * many users: N users with 3 jobs each, one of them with 20,000 (and a
 * storage_bytes quota),
 * in a fresh SQLite store, then the median time of
 *   - a sweep when nothing changed (the every-15-s case),
 *   - a sweep after 100 users' output grew,
 *   - the sweep after midnight (every holder's day closes),
 *   - one storage quota check (what each output chunk pays).
 * Built and run by bench/storage_sweep.sh; uses only the store and billing
 * calls whose signatures did not change, so the same file measures an
 * older tree for a before/after.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/fsutil.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "hub/billing/billing.h"
#include "hub/billing/quota.h"
#include "hub/billing/storage.h"
#include "hub/store/db.h"
#include "hub/store/store.h"

#define DAY_MS 86400000LL
#define T0 (20000 * DAY_MS + 3600000LL) /* 01:00 UTC */
#define REPS 5

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void die(const char *what)
{
	fprintf(stderr, "bench: %s failed\n", what);
	exit(1);
}

static double sweep(struct hpcnet_db *db, const struct hpcnet_billing_cfg *cfg, int64_t at)
{
	double t = now_ms();

	if (hpcnet_db_begin(db) != 0 || hpcnet_billing_storage_sweep(db, cfg, at) < 0 ||
	    hpcnet_db_commit(db) != 0)
		die("sweep");
	return now_ms() - t;
}

static void grow(struct hpcnet_db *db, int users, int n, int round)
{
	char id[32];
	int i;

	if (hpcnet_db_begin(db) != 0)
		die("begin");
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "job_%06d_00000", (i * 97 + round) % users);
		if (hpcnet_db_exec(db, "UPDATE jobs SET stdout_bytes = stdout_bytes + 4096"
				       " WHERE id = ?", "t", id) != 1)
			die("grow");
	}
	if (hpcnet_db_commit(db) != 0)
		die("commit");
}

int main(int argc, char **argv)
{
	int users = argc > 1 ? atoi(argv[1]) : 10000, i, k;
	char dir[] = "/tmp/hpcnet-bench-storage-XXXXXX", id[32], uid[32], *url;
	double idle[REPS], changed[REPS], quota[REPS * 20], midnight, t;
	struct hpcnet_billing_cfg cfg;
	struct hpcnet_quota_miss miss;
	struct hpcnet_store *store;
	struct hpcnet_db *db;

	hpcnet_log_init("bench", HPCNET_LOG_ERROR);
	if (!mkdtemp(dir))
		die("mkdtemp");
	url = hpcnet_xasprintf("sqlite:%s/hub.db", dir);
	if (hpcnet_store_open(url, &store) != 0)
		die("open");
	db = hpcnet_store_acquire(store);
	hpcnet_billing_defaults(&cfg);
	cfg.storage_price = 100;

	t = now_ms();
	if (hpcnet_db_begin(db) != 0)
		die("begin");
	for (i = 0; i < users; i++) {
		snprintf(uid, sizeof(uid), "usr_%06d", i);
		snprintf(id, sizeof(id), "u%06d", i);
		if (hpcnet_store_user_create(db, uid, id, "x", "user") != 0)
			die("user");
		for (k = 0; k < (i ? 3 : 20000); k++) {
			struct hpcnet_job_row j = { .name = "b", .script = "true", .env_json = "{}",
						    .files_json = "[]", .user_id = uid, .cores = 1,
						    .walltime_seconds = 60, .submitted_at = T0 };

			snprintf(id, sizeof(id), "job_%06d_%05d", i, k);
			j.id = id;
			if (hpcnet_store_job_insert(db, &j) != 0)
				die("job");
		}
	}
	if (hpcnet_db_exec(db, "UPDATE jobs SET stdout_bytes = 1048576", NULL) < 0 ||
	    hpcnet_db_exec(db, "INSERT INTO quotas (id, scope_kind, scope_id, resource, gpu_model,"
			       " period, max_value, soft, set_by, updated_at) VALUES ('quo_1', 'user',"
			       " 'usr_000000', 'storage_bytes', '', 'lifetime', 1099511627776, 0,"
			       " NULL, 0)", NULL) != 1 ||
	    hpcnet_db_commit(db) != 0)
		die("fill");
	printf("users %d, jobs %d (filled in %.0f ms)\n", users, users * 3 + 19997, now_ms() - t);

	sweep(db, &cfg, T0); /* first sight: metering starts */
	for (i = 0; i < REPS; i++)
		idle[i] = sweep(db, &cfg, T0 + (i + 1) * 61000LL);
	for (i = 0; i < REPS; i++) {
		grow(db, users, 100, i);
		changed[i] = sweep(db, &cfg, T0 + (REPS + i + 1) * 61000LL);
	}
	midnight = sweep(db, &cfg, T0 + DAY_MS);
	for (i = 0; i < REPS * 20; i++) {
		t = now_ms();
		if (hpcnet_quota_storage_over(db, "usr_000000", NULL, NULL, T0, &miss) < 0)
			die("quota");
		quota[i] = now_ms() - t;
	}
	qsort(idle, REPS, sizeof(double), cmp);
	qsort(changed, REPS, sizeof(double), cmp);
	qsort(quota, REPS * 20, sizeof(double), cmp);
	printf("sweep, nothing changed:        %8.2f ms (median of %d)\n", idle[REPS / 2], REPS);
	printf("sweep, 100 users' output grew: %8.2f ms (median of %d)\n", changed[REPS / 2], REPS);
	printf("sweep after midnight (closes every holder's day): %.2f ms\n", midnight);
	printf("storage quota check of the user with 20,000 jobs (per output chunk): %.3f ms"
	       " (median of %d)\n",
	       quota[REPS * 10], REPS * 20);
	hpcnet_store_release(store, db);
	hpcnet_store_close(store);
	hpcnet_fs_remove_tree(dir);
	free(url);
	return 0;
}
