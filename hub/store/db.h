/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store's driver interface: the only way hub code reaches SQL.
 *
 * A struct hpcnet_store is a pool of connections to one database; a request
 * borrows a connection (struct hpcnet_db) for as long as it needs one and
 * gives it back. The SQL written against it is portable (positional `?`
 * parameters, no SQLite-only functions, integers for times) so that a
 * PostgreSQL back end can join behind this same interface: today sqlite.c
 * is the only driver.
 *
 * Parameters are bound from a type string, one char per argument:
 *   't' const char * (NULL binds SQL NULL), 'i' int64_t, 'd' double,
 *   'b' blob as (const void *, size_t),
 *   'I' int64_t that binds NULL when equal to HPCNET_DB_NULL,
 *   'D' double that binds NULL when negative (usage figures are never < 0).
 */
#ifndef HPCNET_STORE_DB_H
#define HPCNET_STORE_DB_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define HPCNET_DB_NULL INT64_MIN

struct hpcnet_store;
struct hpcnet_db;
struct hpcnet_stmt;

/* Opens "sqlite:PATH", applies pending migrations. 0, HPCNET_EINVAL (bad
 * URL), HPCNET_ESTORE (cannot open or migrate; logged). */
int hpcnet_store_open(const char *url, struct hpcnet_store **out);
void hpcnet_store_close(struct hpcnet_store *s);
/* Borrows a connection, waiting if all are in use. Never NULL. */
struct hpcnet_db *hpcnet_store_acquire(struct hpcnet_store *s);
/* Gives it back; rolls back a transaction the borrower left open. */
void hpcnet_store_release(struct hpcnet_store *s, struct hpcnet_db *db);

/* Background upkeep (WAL checkpoint); call about once a second from a
 * thread that serves no request. 0 or HPCNET_ESTORE. */
int hpcnet_store_maintain(struct hpcnet_store *s);

/* BEGIN for writers: takes the write lock at once, so two writers never
 * deadlock upgrading read locks. */
int hpcnet_db_begin(struct hpcnet_db *db);
int hpcnet_db_commit(struct hpcnet_db *db);
void hpcnet_db_rollback(struct hpcnet_db *db);
/* For the group commit (hub/store/writer.c): a transaction whose COMMIT
 * writes the log without waiting for the disk, so the next batch can run
 * while this one's log is flushed. hpcnet_db_sync_log flushes the log
 * (this commit's and every earlier one's) and must return 0 before any of
 * that transaction's writes is acknowledged. */
int hpcnet_db_begin_unsynced(struct hpcnet_db *db);
int hpcnet_db_sync_log(struct hpcnet_db *db);

/* Runs one statement that returns no rows. Returns the number of rows
 * changed (>= 0) or HPCNET_ESTORE / HPCNET_EEXIST (unique constraint). */
int hpcnet_db_exec(struct hpcnet_db *db, const char *sql, const char *types, ...);
/* Prepares and binds a query; iterate with hpcnet_db_next, then
 * hpcnet_db_done. 0 or HPCNET_ESTORE. */
int hpcnet_db_query(struct hpcnet_db *db, struct hpcnet_stmt **st, const char *sql,
		    const char *types, ...);
/* 1 when a row is ready, 0 at the end, HPCNET_ESTORE on error. */
int hpcnet_db_next(struct hpcnet_stmt *st);
void hpcnet_db_done(struct hpcnet_stmt *st);

const char *hpcnet_db_text(struct hpcnet_stmt *st, int col); /* "" for NULL */
int hpcnet_db_is_null(struct hpcnet_stmt *st, int col);
int64_t hpcnet_db_int(struct hpcnet_stmt *st, int col);
double hpcnet_db_double(struct hpcnet_stmt *st, int col);
const void *hpcnet_db_blob(struct hpcnet_stmt *st, int col, size_t *len);
/* The current row as a JSON object keyed by column name (NULL → null). */
json_t *hpcnet_db_row_json(struct hpcnet_stmt *st);

/* Single-value conveniences: 1 found, 0 no row, <0 error. */
int hpcnet_db_get_int(struct hpcnet_db *db, int64_t *out, const char *sql, const char *types, ...);
/* First row as JSON object into *out (NULL if none): 1, 0, or <0. */
int hpcnet_db_get_json(struct hpcnet_db *db, json_t **out, const char *sql, const char *types, ...);
/* All rows as a JSON array: 0 or <0. */
int hpcnet_db_list_json(struct hpcnet_db *db, json_t **out, const char *sql, const char *types, ...);

#endif
