/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Group commit (hub/store/writer.c): many threads writing at once each get
 * their own result, every acknowledged write is in the database, a failing
 * write undoes only itself, and committed writes survive a reopen.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "common/fsutil.h"
#include "common/xalloc.h"
#include "hpcnet/error.h"
#include "hub/store/db.h"
#include "hub/store/migrate.h"
#include "hub/store/writer.h"

#define THREADS 16
#define PER_THREAD 200

struct fixture {
	char dir[64];
	struct hpcnet_store *store;
};

static int setup(void **state)
{
	struct fixture *f = hpcnet_xcalloc(1, sizeof(*f));
	struct hpcnet_db *db;
	char *url;

	snprintf(f->dir, sizeof(f->dir), "/tmp/hpcnet-test-writer-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	url = hpcnet_xasprintf("sqlite:%s/hub.db", f->dir);
	assert_int_equal(hpcnet_store_open(url, &f->store), 0);
	free(url);
	db = hpcnet_store_acquire(f->store);
	assert_int_equal(hpcnet_db_exec_script(db, "CREATE TABLE t (k INTEGER PRIMARY KEY, v INTEGER)"), 0);
	hpcnet_store_release(f->store, db);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	hpcnet_store_close(f->store);
	hpcnet_fs_remove_tree(f->dir);
	free(f);
	return 0;
}

struct put {
	int64_t k;
	int fail_after_insert; /* insert, then report failure: must be undone */
};

static int put_fn(struct hpcnet_db *db, void *arg)
{
	struct put *p = arg;
	int rc = hpcnet_db_exec(db, "INSERT INTO t (k, v) VALUES (?, ?)", "ii", p->k, p->k * 2);

	if (rc < 0)
		return rc;
	return p->fail_after_insert ? HPCNET_ECONFLICT : (int)(p->k % 1000);
}

struct worker {
	struct hpcnet_store *store;
	int id;
	int wrong;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	int i;

	for (i = 0; i < PER_THREAD; i++) {
		struct put p = { .k = (int64_t)w->id * PER_THREAD + i, .fail_after_insert = i % 10 == 9 };
		int rc = hpcnet_store_write(w->store, put_fn, &p);
		int want = p.fail_after_insert ? HPCNET_ECONFLICT : (int)(p.k % 1000);

		if (rc != want)
			w->wrong++;
	}
	return NULL;
}

static void test_concurrent_writers(void **state)
{
	struct fixture *f = *state;
	struct worker w[THREADS];
	pthread_t t[THREADS];
	struct hpcnet_db *db;
	int64_t n = 0, bad = 0;
	int i;

	for (i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ .store = f->store, .id = i };
		assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].wrong, 0); /* each caller got its own result */
	}
	db = hpcnet_store_acquire(f->store);
	assert_int_equal(hpcnet_db_get_int(db, &n, "SELECT COUNT(*) FROM t", NULL), 1);
	/* every successful write is there; every failed one (1 in 10) is not */
	assert_int_equal(n, THREADS * PER_THREAD * 9 / 10);
	assert_int_equal(hpcnet_db_get_int(db, &bad, "SELECT COUNT(*) FROM t WHERE k % 10 = 9"
						     " OR v != 2 * k", NULL), 1);
	assert_int_equal(bad, 0);
	hpcnet_store_release(f->store, db);
}

static void test_failure_undoes_only_itself(void **state)
{
	struct fixture *f = *state;
	struct put ok = { .k = 1 }, dup = { .k = 1 }, bad = { .k = 2, .fail_after_insert = 1 };
	struct hpcnet_db *db;
	int64_t n = 0;

	assert_int_equal(hpcnet_store_write(f->store, put_fn, &ok), 1);
	assert_int_equal(hpcnet_store_write(f->store, put_fn, &dup), HPCNET_EEXIST);
	assert_int_equal(hpcnet_store_write(f->store, put_fn, &bad), HPCNET_ECONFLICT);
	db = hpcnet_store_acquire(f->store);
	assert_int_equal(hpcnet_db_get_int(db, &n, "SELECT COUNT(*) FROM t", NULL), 1);
	assert_int_equal(n, 1);
	hpcnet_store_release(f->store, db);
}

static void test_survives_reopen(void **state)
{
	struct fixture *f = *state;
	struct put p = { .k = 42 };
	struct hpcnet_db *db;
	int64_t v = 0;
	char *url = hpcnet_xasprintf("sqlite:%s/hub.db", f->dir);

	assert_int_equal(hpcnet_store_write(f->store, put_fn, &p), 42);
	hpcnet_store_close(f->store);
	assert_int_equal(hpcnet_store_open(url, &f->store), 0);
	free(url);
	db = hpcnet_store_acquire(f->store);
	assert_int_equal(hpcnet_db_get_int(db, &v, "SELECT v FROM t WHERE k = 42", NULL), 1);
	assert_int_equal(v, 84);
	hpcnet_store_release(f->store, db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_concurrent_writers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failure_undoes_only_itself, setup, teardown),
		cmocka_unit_test_setup_teardown(test_survives_reopen, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
