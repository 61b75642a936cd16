/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SQLite driver for the store interface (db.h).
 *
 * WAL mode with synchronous=FULL: every commit the API acknowledges has
 * been fsync'd, which is what "survives kill -9 and power loss" needs
 * (NORMAL would lose the last commits on power loss). A small pool of
 * connections lets readers run beside the one writer WAL allows; writers
 * take the lock up front (BEGIN IMMEDIATE) and wait on busy_timeout.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/log.h"
#include "common/xalloc.h"
#include "hpcnet/error.h"
#include "hub/store/db.h"
#include "hub/store/migrate.h"
#include "hub/store/writer.h"

#define POOL_MAX 16
#define STMT_CACHE 64
#define WAL_MAX_FRAMES 8192 /* 32 MiB of 4 KiB pages */

/* Prepared statements are kept per connection and reused: preparing a
 * join costs more than running it (a GET went from 2 prepares per query
 * to none). Keyed by the SQL text's address, confirmed by its content. */
struct stmt_slot {
	const char *sql;
	sqlite3_stmt *st;
	int busy;
};

struct hpcnet_db {
	struct hpcnet_store *store;
	sqlite3 *conn;
	int in_tx; /* holds store->write_lock */
	int unsynced; /* in a hpcnet_db_begin_unsynced transaction */
	int broken;   /* stuck unsynced: closed instead of pooled */
	struct stmt_slot cache[STMT_CACHE];
	int ncache;
};

struct hpcnet_stmt {
	sqlite3_stmt *st;
	struct stmt_slot *slot; /* NULL when not cached */
};

struct hpcnet_store {
	char *path;
	pthread_mutex_t lock;
	pthread_cond_t freed;
	struct hpcnet_db *idle[POOL_MAX];
	int nidle;
	int nopen;
	/* SQLite allows one writer; when writers collide, its busy handler
	 * sleeps 1, 2, 5 ... 100 ms between tries, which caps a busy hub at a
	 * few hundred commits/s. Writers of this process queue here instead
	 * and are handed the lock at once. */
	pthread_mutex_t write_lock;
	struct hpcnet_writer *writer; /* group commit queue (writer.c) */
};

static int open_conn(struct hpcnet_store *s, const char *path, struct hpcnet_db **out)
{
	static const char *pragmas = "PRAGMA journal_mode=WAL;"
				     "PRAGMA synchronous=FULL;"
				     "PRAGMA foreign_keys=ON;"
				     /* Checkpoints run in the background (see
				      * hpcnet_store_maintain), never inside a request's
				      * commit, where they stalled it for tens of ms. */
				     "PRAGMA wal_autocheckpoint=0;"
				     "PRAGMA journal_size_limit=67108864;"
				     "PRAGMA temp_store=MEMORY;";
	struct hpcnet_db *db = hpcnet_xcalloc(1, sizeof(*db));
	char *err = NULL;

	db->store = s;
	if (sqlite3_open_v2(path, &db->conn,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		hpcnet_error("cannot open database %s: %s", path, sqlite3_errmsg(db->conn));
		goto fail;
	}
	sqlite3_busy_timeout(db->conn, 10000);
	if (sqlite3_exec(db->conn, pragmas, NULL, NULL, &err) != SQLITE_OK) {
		hpcnet_error("cannot configure database %s: %s", path, err);
		sqlite3_free(err);
		goto fail;
	}
	*out = db;
	return 0;
fail:
	sqlite3_close(db->conn);
	free(db);
	return HPCNET_ESTORE;
}

static void close_conn(struct hpcnet_db *db)
{
	int k;

	for (k = 0; k < db->ncache; k++)
		sqlite3_finalize(db->cache[k].st);
	sqlite3_close(db->conn);
	free(db);
}

/* Process-wide SQLite settings, before SQLite initializes itself. Memory
 * statistics off: with them every sqlite3_malloc of every connection takes
 * one global mutex, which the hub's request threads and its writer fought
 * over (~4% of the hub's CPU in futex calls under submit load). Once the
 * library is initialized (another SQLite user of this process was first)
 * the call is refused, which only costs that speed. */
static void configure_sqlite(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int hpcnet_store_open(const char *url, struct hpcnet_store **out)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct hpcnet_store *s;
	struct hpcnet_db *db;
	int rc;

	pthread_once(&once, configure_sqlite);

	if (strncmp(url, "sqlite:", 7) != 0 || url[7] == '\0') {
		hpcnet_error("unsupported database URL '%s' (use sqlite:PATH)", url);
		return HPCNET_EINVAL;
	}
	s = hpcnet_xcalloc(1, sizeof(*s));
	s->path = hpcnet_xstrdup(url + 7);
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->write_lock, NULL);
	pthread_cond_init(&s->freed, NULL);
	rc = open_conn(s, s->path, &db);
	if (rc < 0)
		goto fail;
	s->nopen = 1;
	rc = hpcnet_store_migrate(db);
	hpcnet_store_release(s, db);
	if (rc < 0)
		goto fail;
	s->writer = hpcnet_writer_new(s);
	*out = s;
	return 0;
fail:
	hpcnet_store_close(s);
	return rc;
}

void hpcnet_store_close(struct hpcnet_store *s)
{
	int i;

	if (!s)
		return;
	for (i = 0; i < s->nidle; i++)
		close_conn(s->idle[i]);
	hpcnet_writer_free(s->writer);
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->write_lock);
	pthread_cond_destroy(&s->freed);
	free(s->path);
	free(s);
}

struct hpcnet_db *hpcnet_store_acquire(struct hpcnet_store *s)
{
	struct hpcnet_db *db = NULL;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		if (s->nidle > 0) {
			db = s->idle[--s->nidle];
			break;
		}
		if (s->nopen < POOL_MAX) {
			s->nopen++;
			pthread_mutex_unlock(&s->lock);
			if (open_conn(s, s->path, &db) == 0)
				return db;
			/* The file was openable at start; failing now means the
			 * disk or fd table is exhausted: wait for a free one. */
			pthread_mutex_lock(&s->lock);
			s->nopen--;
			db = NULL;
		}
		pthread_cond_wait(&s->freed, &s->lock);
	}
	pthread_mutex_unlock(&s->lock);
	return db;
}

void hpcnet_store_release(struct hpcnet_store *s, struct hpcnet_db *db)
{
	if (!db)
		return;
	if (db->in_tx)
		hpcnet_db_rollback(db);
	pthread_mutex_lock(&s->lock);
	if (db->broken) { /* closed, not pooled; the next acquire opens anew */
		s->nopen--;
		close_conn(db);
	} else {
		s->idle[s->nidle++] = db;
	}
	pthread_cond_signal(&s->freed);
	pthread_mutex_unlock(&s->lock);
}

static int exec_simple(struct hpcnet_db *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db->conn, sql, NULL, NULL, &err) != SQLITE_OK) {
		hpcnet_error("store: %s: %s", sql, err);
		sqlite3_free(err);
		return HPCNET_ESTORE;
	}
	return 0;
}

static void write_unlock(struct hpcnet_db *db)
{
	if (!db->in_tx)
		return;
	/* A pooled connection must not commit unsynced for its next user. */
	if (db->unsynced && exec_simple(db, "PRAGMA synchronous=FULL") < 0)
		db->broken = 1;
	db->unsynced = 0;
	db->in_tx = 0;
	pthread_mutex_unlock(&db->store->write_lock);
}

int hpcnet_db_begin(struct hpcnet_db *db)
{
	int rc;

	pthread_mutex_lock(&db->store->write_lock);
	rc = exec_simple(db, "BEGIN IMMEDIATE");
	if (rc == 0)
		db->in_tx = 1;
	else
		pthread_mutex_unlock(&db->store->write_lock);
	return rc;
}

int hpcnet_db_begin_unsynced(struct hpcnet_db *db)
{
	/* In WAL mode, NORMAL differs from FULL only by the WAL sync at the
	 * end of each commit (SQLite's PRAGMA synchronous docs); the syncs
	 * before checkpoints and on log restart stay. The writer adds the
	 * commit's sync back with hpcnet_db_sync_log, outside the write lock.
	 * write_unlock() puts the connection back to FULL. */
	int rc = exec_simple(db, "PRAGMA synchronous=NORMAL");

	if (rc == 0)
		rc = hpcnet_db_begin(db);
	if (rc == 0)
		db->unsynced = 1;
	else if (exec_simple(db, "PRAGMA synchronous=FULL") < 0)
		db->broken = 1;
	return rc;
}

int hpcnet_db_sync_log(struct hpcnet_db *db)
{
	sqlite3_file *log = NULL;
	int rc = sqlite3_file_control(db->conn, "main", SQLITE_FCNTL_JOURNAL_POINTER, &log);

	/* fdatasync of the log file: everything written to it so far, by any
	 * connection (one file, appended in commit order). */
	if (rc == SQLITE_OK && log && log->pMethods)
		rc = log->pMethods->xSync(log, SQLITE_SYNC_NORMAL);
	else if (rc == SQLITE_OK)
		rc = SQLITE_IOERR; /* no log open: not in WAL mode */
	if (rc != SQLITE_OK) {
		hpcnet_error("store: flushing the write-ahead log of %s failed (%s)",
			     db->store->path, sqlite3_errstr(rc));
		return HPCNET_ESTORE;
	}
	return 0;
}

int hpcnet_db_commit(struct hpcnet_db *db)
{
	int rc = exec_simple(db, "COMMIT");

	if (rc < 0 && sqlite3_get_autocommit(db->conn) == 0)
		sqlite3_exec(db->conn, "ROLLBACK", NULL, NULL, NULL);
	write_unlock(db);
	return rc;
}

void hpcnet_db_rollback(struct hpcnet_db *db)
{
	if (sqlite3_get_autocommit(db->conn) == 0)
		sqlite3_exec(db->conn, "ROLLBACK", NULL, NULL, NULL);
	write_unlock(db);
}

static struct stmt_slot *cache_find(struct hpcnet_db *db, const char *sql)
{
	int k;

	for (k = 0; k < db->ncache; k++)
		if (db->cache[k].sql == sql && !db->cache[k].busy &&
		    strcmp(sqlite3_sql(db->cache[k].st), sql) == 0)
			return &db->cache[k];
	return NULL;
}

/* Gives back a statement from prepare_v: reset if cached, else finalized. */
static void stmt_release(sqlite3_stmt *st, struct stmt_slot *slot)
{
	if (!slot) {
		sqlite3_finalize(st);
		return;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	slot->busy = 0;
}

static int prepare_v(struct hpcnet_db *db, sqlite3_stmt **out, struct stmt_slot **slotp,
		     const char *sql, const char *types, va_list ap)
{
	struct stmt_slot *slot = cache_find(db, sql);
	sqlite3_stmt *st;
	int i, rc = 0;

	if (slot) {
		st = slot->st;
	} else if (sqlite3_prepare_v3(db->conn, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) !=
		   SQLITE_OK) {
		hpcnet_error("store: prepare failed: %s: %s", sqlite3_errmsg(db->conn), sql);
		return HPCNET_ESTORE;
	} else if (db->ncache < STMT_CACHE) {
		slot = &db->cache[db->ncache++];
		slot->sql = sql;
		slot->st = st;
	}
	if (slot)
		slot->busy = 1;
	for (i = 0; types && types[i]; i++) {
		int col = i + 1, r = SQLITE_OK;

		switch (types[i]) {
		case 't': {
			const char *v = va_arg(ap, const char *);

			r = v ? sqlite3_bind_text(st, col, v, -1, SQLITE_TRANSIENT)
			      : sqlite3_bind_null(st, col);
			break;
		}
		case 'i':
			r = sqlite3_bind_int64(st, col, va_arg(ap, int64_t));
			break;
		case 'd':
			r = sqlite3_bind_double(st, col, va_arg(ap, double));
			break;
		case 'I': {
			int64_t v = va_arg(ap, int64_t);

			r = v == HPCNET_DB_NULL ? sqlite3_bind_null(st, col)
						: sqlite3_bind_int64(st, col, v);
			break;
		}
		case 'D': {
			double v = va_arg(ap, double);

			r = v < 0 ? sqlite3_bind_null(st, col) : sqlite3_bind_double(st, col, v);
			break;
		}
		case 'b': {
			const void *p = va_arg(ap, const void *);
			size_t n = va_arg(ap, size_t);

			r = sqlite3_bind_blob64(st, col, p ? p : "", n, SQLITE_TRANSIENT);
			break;
		}
		default:
			abort(); /* programmer error: unknown type code */
		}
		if (r != SQLITE_OK) {
			hpcnet_error("store: bind %d failed: %s", col, sqlite3_errmsg(db->conn));
			rc = HPCNET_ESTORE;
			break;
		}
	}
	if (rc < 0) {
		stmt_release(st, slot);
		return rc;
	}
	*out = st;
	*slotp = slot;
	return 0;
}

int hpcnet_db_exec(struct hpcnet_db *db, const char *sql, const char *types, ...)
{
	struct stmt_slot *slot;
	sqlite3_stmt *st;
	va_list ap;
	int rc, r, locked;

	va_start(ap, types);
	rc = prepare_v(db, &st, &slot, sql, types, ap);
	va_end(ap);
	if (rc < 0)
		return rc;
	/* A write outside a transaction is its own transaction: same queue. */
	locked = !db->in_tx && !sqlite3_stmt_readonly(st);
	if (locked)
		pthread_mutex_lock(&db->store->write_lock);
	r = sqlite3_step(st);
	if (locked)
		pthread_mutex_unlock(&db->store->write_lock);
	if (r == SQLITE_DONE || r == SQLITE_ROW) {
		rc = sqlite3_changes(db->conn);
	} else if (r == SQLITE_CONSTRAINT &&
		   (sqlite3_extended_errcode(db->conn) == SQLITE_CONSTRAINT_UNIQUE ||
		    sqlite3_extended_errcode(db->conn) == SQLITE_CONSTRAINT_PRIMARYKEY)) {
		rc = HPCNET_EEXIST;
	} else {
		hpcnet_error("store: %s: %s", sqlite3_errmsg(db->conn), sql);
		rc = HPCNET_ESTORE;
	}
	stmt_release(st, slot);
	return rc;
}

static int query_v(struct hpcnet_db *db, struct hpcnet_stmt **out, const char *sql,
		   const char *types, va_list ap)
{
	struct stmt_slot *slot;
	sqlite3_stmt *st;
	int rc = prepare_v(db, &st, &slot, sql, types, ap);

	if (rc < 0)
		return rc;
	*out = hpcnet_xmalloc(sizeof(**out));
	(*out)->st = st;
	(*out)->slot = slot;
	return 0;
}

int hpcnet_db_query(struct hpcnet_db *db, struct hpcnet_stmt **st, const char *sql,
		    const char *types, ...)
{
	va_list ap;
	int rc;

	va_start(ap, types);
	rc = query_v(db, st, sql, types, ap);
	va_end(ap);
	return rc;
}

int hpcnet_db_next(struct hpcnet_stmt *st)
{
	int r = sqlite3_step(st->st);

	if (r == SQLITE_ROW)
		return 1;
	if (r == SQLITE_DONE)
		return 0;
	hpcnet_error("store: step: %s", sqlite3_errmsg(sqlite3_db_handle(st->st)));
	return HPCNET_ESTORE;
}

void hpcnet_db_done(struct hpcnet_stmt *st)
{
	if (!st)
		return;
	stmt_release(st->st, st->slot);
	free(st);
}

const char *hpcnet_db_text(struct hpcnet_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st->st, col);

	return t ? (const char *)t : "";
}

int hpcnet_db_is_null(struct hpcnet_stmt *st, int col)
{
	return sqlite3_column_type(st->st, col) == SQLITE_NULL;
}

int64_t hpcnet_db_int(struct hpcnet_stmt *st, int col)
{
	return sqlite3_column_int64(st->st, col);
}

double hpcnet_db_double(struct hpcnet_stmt *st, int col)
{
	return sqlite3_column_double(st->st, col);
}

const void *hpcnet_db_blob(struct hpcnet_stmt *st, int col, size_t *len)
{
	const void *p = sqlite3_column_blob(st->st, col);

	*len = (size_t)sqlite3_column_bytes(st->st, col);
	return p;
}

json_t *hpcnet_db_row_json(struct hpcnet_stmt *st)
{
	json_t *o = json_object();
	int i, n = sqlite3_column_count(st->st);

	for (i = 0; i < n; i++) {
		const char *name = sqlite3_column_name(st->st, i);
		json_t *v;

		switch (sqlite3_column_type(st->st, i)) {
		case SQLITE_INTEGER:
			v = json_integer(sqlite3_column_int64(st->st, i));
			break;
		case SQLITE_FLOAT:
			v = json_real(sqlite3_column_double(st->st, i));
			break;
		case SQLITE_NULL:
			v = json_null();
			break;
		default:
			v = json_stringn((const char *)sqlite3_column_text(st->st, i),
					 (size_t)sqlite3_column_bytes(st->st, i));
			if (!v) /* not UTF-8 (a blob): expose as null, never crash */
				v = json_null();
		}
		json_object_set_new(o, name, v);
	}
	return o;
}

int hpcnet_db_get_int(struct hpcnet_db *db, int64_t *out, const char *sql, const char *types, ...)
{
	struct hpcnet_stmt *st;
	va_list ap;
	int rc;

	va_start(ap, types);
	rc = query_v(db, &st, sql, types, ap);
	va_end(ap);
	if (rc < 0)
		return rc;
	rc = hpcnet_db_next(st);
	if (rc == 1)
		*out = hpcnet_db_int(st, 0);
	hpcnet_db_done(st);
	return rc;
}

int hpcnet_db_get_json(struct hpcnet_db *db, json_t **out, const char *sql, const char *types, ...)
{
	struct hpcnet_stmt *st;
	va_list ap;
	int rc;

	*out = NULL;
	va_start(ap, types);
	rc = query_v(db, &st, sql, types, ap);
	va_end(ap);
	if (rc < 0)
		return rc;
	rc = hpcnet_db_next(st);
	if (rc == 1)
		*out = hpcnet_db_row_json(st);
	hpcnet_db_done(st);
	return rc;
}

int hpcnet_db_list_json(struct hpcnet_db *db, json_t **out, const char *sql, const char *types, ...)
{
	struct hpcnet_stmt *st;
	va_list ap;
	int rc;

	*out = NULL;
	va_start(ap, types);
	rc = query_v(db, &st, sql, types, ap);
	va_end(ap);
	if (rc < 0)
		return rc;
	*out = json_array();
	while ((rc = hpcnet_db_next(st)) == 1)
		json_array_append_new(*out, hpcnet_db_row_json(st));
	hpcnet_db_done(st);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
		return rc;
	}
	return 0;
}

/* Used by migrate.c: runs a multi-statement script inside a transaction. */
int hpcnet_db_exec_script(struct hpcnet_db *db, const char *sql)
{
	return exec_simple(db, sql);
}

int hpcnet_store_write(struct hpcnet_store *s, hpcnet_write_fn fn, void *arg)
{
	return hpcnet_store_write_via(s->writer, fn, arg);
}

int hpcnet_store_maintain(struct hpcnet_store *s)
{
	struct hpcnet_db *db = hpcnet_store_acquire(s);
	int log = 0, done = 0, rc;

	/* PASSIVE copies what it can without waiting for readers or blocking
	 * writers. Under steady writes it never catches up with the end of
	 * the log, so the WAL would only grow: past WAL_MAX_FRAMES, hold our
	 * writers for one RESTART checkpoint (most frames are already copied,
	 * so the pause is short) and the next commit writes the log from its
	 * start again. RESTART, not TRUNCATE: the file keeps its blocks, so
	 * commits overwrite them and a commit's fdatasync flushes data only;
	 * growing the file made each one also commit the file system's
	 * journal (about twice the time here). journal_size_limit caps it. */
	rc = sqlite3_wal_checkpoint_v2(db->conn, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
	if (rc == SQLITE_OK && log > WAL_MAX_FRAMES) {
		pthread_mutex_lock(&s->write_lock);
		rc = sqlite3_wal_checkpoint_v2(db->conn, NULL, SQLITE_CHECKPOINT_RESTART, &log, &done);
		pthread_mutex_unlock(&s->write_lock);
	}
	hpcnet_store_release(s, db);
	if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
		hpcnet_warn("store: checkpoint failed: %s", sqlite3_errstr(rc));
		return HPCNET_ESTORE;
	}
	return 0;
}
