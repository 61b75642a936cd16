/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Group commit (hub/store/writer.c): many threads writing at once each get
 * their own result, every acknowledged write is in the database and its
 * log was flushed to disk before the acknowledgement, a failing write
 * undoes only itself, and committed writes survive a reopen.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "common/fsutil.h"
#include "common/xalloc.h"
#include "hpcnet/error.h"
#include "hub/store/db.h"
#include "hub/store/migrate.h"
#include "hub/store/writer.h"

#define THREADS 16
#define PER_THREAD 200

/* ---- a VFS that counts what reaches the write-ahead log ----
 * Every file goes to the default (unix) VFS; for the WAL, each xWrite
 * bumps log_writes, and each xSync that succeeds records how many writes
 * it covered (those made before it started): log_synced. A write is
 * durable when log_synced passed the log writes of its commit. */
static sqlite3_vfs shim_vfs, *real_vfs;
static int64_t log_writes, log_synced;

struct shim_file {
	sqlite3_file base;
	int is_log;
	sqlite3_file *real; /* follows this struct in the same allocation */
};

#define SF(f) ((struct shim_file *)(f))
#define REAL(f) (SF(f)->real)
static int s_close(sqlite3_file *f) { return REAL(f)->pMethods->xClose(REAL(f)); }
static int s_read(sqlite3_file *f, void *b, int n, sqlite3_int64 o)
{ return REAL(f)->pMethods->xRead(REAL(f), b, n, o); }
static int s_write(sqlite3_file *f, const void *b, int n, sqlite3_int64 o)
{
	if (SF(f)->is_log)
		__atomic_add_fetch(&log_writes, 1, __ATOMIC_SEQ_CST);
	return REAL(f)->pMethods->xWrite(REAL(f), b, n, o);
}
static int s_truncate(sqlite3_file *f, sqlite3_int64 n)
{ return REAL(f)->pMethods->xTruncate(REAL(f), n); }
static int s_sync(sqlite3_file *f, int flags)
{
	int64_t covers = __atomic_load_n(&log_writes, __ATOMIC_SEQ_CST), was;
	int rc = REAL(f)->pMethods->xSync(REAL(f), flags);

	if (rc == SQLITE_OK && SF(f)->is_log) /* log_synced = max(log_synced, covers) */
		for (was = __atomic_load_n(&log_synced, __ATOMIC_SEQ_CST); was < covers &&
		     !__atomic_compare_exchange_n(&log_synced, &was, covers, 0, __ATOMIC_SEQ_CST,
						  __ATOMIC_SEQ_CST);)
			;
	return rc;
}
static int s_size(sqlite3_file *f, sqlite3_int64 *n) { return REAL(f)->pMethods->xFileSize(REAL(f), n); }
static int s_lock(sqlite3_file *f, int l) { return REAL(f)->pMethods->xLock(REAL(f), l); }
static int s_unlock(sqlite3_file *f, int l) { return REAL(f)->pMethods->xUnlock(REAL(f), l); }
static int s_check(sqlite3_file *f, int *out)
{ return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out); }
static int s_fcntl(sqlite3_file *f, int op, void *arg)
{ return REAL(f)->pMethods->xFileControl(REAL(f), op, arg); }
static int s_sector(sqlite3_file *f) { return REAL(f)->pMethods->xSectorSize(REAL(f)); }
static int s_caps(sqlite3_file *f) { return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f)); }
static int s_shm_map(sqlite3_file *f, int pg, int sz, int ext, void volatile **p)
{ return REAL(f)->pMethods->xShmMap(REAL(f), pg, sz, ext, p); }
static int s_shm_lock(sqlite3_file *f, int off, int n, int flags)
{ return REAL(f)->pMethods->xShmLock(REAL(f), off, n, flags); }
static void s_shm_barrier(sqlite3_file *f) { REAL(f)->pMethods->xShmBarrier(REAL(f)); }
static int s_shm_unmap(sqlite3_file *f, int del) { return REAL(f)->pMethods->xShmUnmap(REAL(f), del); }
static int s_fetch(sqlite3_file *f, sqlite3_int64 o, int n, void **p)
{ return REAL(f)->pMethods->xFetch(REAL(f), o, n, p); }
static int s_unfetch(sqlite3_file *f, sqlite3_int64 o, void *p)
{ return REAL(f)->pMethods->xUnfetch(REAL(f), o, p); }

static const sqlite3_io_methods shim_io = {
	.iVersion = 3, .xClose = s_close, .xRead = s_read, .xWrite = s_write,
	.xTruncate = s_truncate, .xSync = s_sync, .xFileSize = s_size, .xLock = s_lock,
	.xUnlock = s_unlock, .xCheckReservedLock = s_check, .xFileControl = s_fcntl,
	.xSectorSize = s_sector, .xDeviceCharacteristics = s_caps, .xShmMap = s_shm_map,
	.xShmLock = s_shm_lock, .xShmBarrier = s_shm_barrier, .xShmUnmap = s_shm_unmap,
	.xFetch = s_fetch, .xUnfetch = s_unfetch,
};

static int shim_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out)
{
	struct shim_file *sf = SF(f);
	int rc;

	(void)vfs;
	sf->real = (sqlite3_file *)(sf + 1);
	sf->is_log = (flags & SQLITE_OPEN_WAL) != 0;
	rc = real_vfs->xOpen(real_vfs, name, sf->real, flags, out);
	/* A failed open must leave no methods: SQLite then does not close it. */
	sf->base.pMethods = rc == SQLITE_OK && sf->real->pMethods ? &shim_io : NULL;
	return rc;
}

static void shim_install(void)
{
	if (real_vfs)
		return;
	real_vfs = sqlite3_vfs_find(NULL);
	shim_vfs = *real_vfs;
	shim_vfs.zName = "hpcnet-test-shim";
	shim_vfs.szOsFile = (int)sizeof(struct shim_file) + real_vfs->szOsFile;
	shim_vfs.xOpen = shim_open;
	assert_int_equal(sqlite3_vfs_register(&shim_vfs, 1), SQLITE_OK);
}

struct fixture {
	char dir[64];
	struct hpcnet_store *store;
};

static int setup(void **state)
{
	struct fixture *f = hpcnet_xcalloc(1, sizeof(*f));
	struct hpcnet_db *db;
	char *url;

	shim_install();
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
	int64_t log_before;    /* log writes before this write's commit */
};

static int put_fn(struct hpcnet_db *db, void *arg)
{
	struct put *p = arg;
	int rc = hpcnet_db_exec(db, "INSERT INTO t (k, v) VALUES (?, ?)", "ii", p->k, p->k * 2);

	/* Inside the batch's transaction: no commit can come between this and
	 * ours, so the log holds at least one write past this count when ours
	 * is committed (see the shim above). */
	p->log_before = __atomic_load_n(&log_writes, __ATOMIC_SEQ_CST);
	if (rc < 0)
		return rc;
	return p->fail_after_insert ? HPCNET_ECONFLICT : (int)(p->k % 1000);
}

struct worker {
	struct hpcnet_store *store;
	int id;
	int wrong;
	int not_durable; /* acknowledged before a flush covered its commit */
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
		if (rc >= 0 && __atomic_load_n(&log_synced, __ATOMIC_SEQ_CST) <= p.log_before)
			w->not_durable++;
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
		assert_int_equal(w[i].not_durable, 0);
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

/* The group commit turns a connection's commit-time sync off for its
 * batch; no connection may go back to the pool that way, or its next
 * user's own commits would not be flushed. */
static void test_pool_keeps_synchronous_commits(void **state)
{
	struct fixture *f = *state;
	struct hpcnet_db *db[THREADS];
	int i;

	test_concurrent_writers(state);
	for (i = 0; i < THREADS; i++) {
		int64_t mode = -1;

		db[i] = hpcnet_store_acquire(f->store);
		assert_int_equal(hpcnet_db_get_int(db[i], &mode, "PRAGMA synchronous", NULL), 1);
		assert_int_equal(mode, 2); /* FULL */
	}
	for (i = 0; i < THREADS; i++)
		hpcnet_store_release(f->store, db[i]);
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
		cmocka_unit_test_setup_teardown(test_pool_keeps_synchronous_commits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failure_undoes_only_itself, setup, teardown),
		cmocka_unit_test_setup_teardown(test_survives_reopen, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
