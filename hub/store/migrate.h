/* SPDX-License-Identifier: Apache-2.0 */
/* Schema migrations: numbered SQL files embedded in the binary. */
#ifndef HPCNET_STORE_MIGRATE_H
#define HPCNET_STORE_MIGRATE_H

struct hpcnet_db;

/* Applies every migration newer than the database's version, each in its
 * own transaction. 0 or HPCNET_ESTORE. */
int hpcnet_store_migrate(struct hpcnet_db *db);
/* How many migrations this build carries (a fully migrated database has
 * that many rows in schema_migrations). */
int hpcnet_store_migration_count(void);
/* Driver hook: runs several statements separated by ';'. */
int hpcnet_db_exec_script(struct hpcnet_db *db, const char *sql);

#endif
