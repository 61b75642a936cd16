/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Applies the numbered migrations in hub/store/migrations/ (embedded at
 * build time) in order, recording each in schema_migrations; one missing
 * from the database is applied even if a higher one already is. A hub
 * that finds a database newer than itself refuses to start rather than
 * guess.
 */
#include <stddef.h>
#include <stdint.h>

#include "common/clock.h"
#include "common/log.h"
#include "hpcnet/error.h"
#include "hub/store/db.h"
#include "hub/store/migrate.h"

extern const char hpcnet_migration_001[], hpcnet_migration_002[], hpcnet_migration_003[],
	hpcnet_migration_004[], hpcnet_migration_005[], hpcnet_migration_006[],
	hpcnet_migration_007[], hpcnet_migration_008[], hpcnet_migration_009[],
	hpcnet_migration_010[], hpcnet_migration_011[], hpcnet_migration_012[],
	hpcnet_migration_013[], hpcnet_migration_014[], hpcnet_migration_015[],
	hpcnet_migration_016[];

static const struct {
	int version;
	const char *sql;
} migrations[] = {
	{ .version = 1, .sql = hpcnet_migration_001 },
	{ .version = 2, .sql = hpcnet_migration_002 },
	{ .version = 3, .sql = hpcnet_migration_003 },
	{ .version = 4, .sql = hpcnet_migration_004 },
	{ .version = 5, .sql = hpcnet_migration_005 },
	{ .version = 6, .sql = hpcnet_migration_006 },
	{ .version = 7, .sql = hpcnet_migration_007 },
	{ .version = 8, .sql = hpcnet_migration_008 },
	{ .version = 9, .sql = hpcnet_migration_009 },
	{ .version = 10, .sql = hpcnet_migration_010 },
	{ .version = 11, .sql = hpcnet_migration_011 },
	{ .version = 12, .sql = hpcnet_migration_012 },
	{ .version = 13, .sql = hpcnet_migration_013 },
	{ .version = 14, .sql = hpcnet_migration_014 },
	{ .version = 15, .sql = hpcnet_migration_015 },
	{ .version = 16, .sql = hpcnet_migration_016 },
};

#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

int hpcnet_store_migration_count(void)
{
	return NMIGRATIONS;
}

int hpcnet_store_migrate(struct hpcnet_db *db)
{
	int64_t have = 0;
	int i, rc;

	rc = hpcnet_db_exec_script(db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
				       " version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
	if (rc < 0)
		return rc;
	rc = hpcnet_db_get_int(db, &have, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", NULL);
	if (rc < 0)
		return rc;
	if (have > migrations[NMIGRATIONS - 1].version) {
		hpcnet_error("database schema version %lld is newer than this hub (%d): upgrade hpcnet",
			     (long long)have, migrations[NMIGRATIONS - 1].version);
		return HPCNET_ESTORE;
	}
	for (i = 0; i < NMIGRATIONS; i++) {
		int64_t applied = 0;

		/* By presence, not by "newer than the highest": migrations are
		 * numbered by branches landing in any order, so a database may
		 * have 4 and not yet 3. */
		rc = hpcnet_db_get_int(db, &applied, "SELECT COUNT(*) FROM schema_migrations"
				       " WHERE version = ?", "i", (int64_t)migrations[i].version);
		if (rc < 0)
			return rc;
		if (applied)
			continue;
		rc = hpcnet_db_begin(db);
		if (rc == 0)
			rc = hpcnet_db_exec_script(db, migrations[i].sql);
		if (rc == 0)
			rc = hpcnet_db_exec(db, "INSERT INTO schema_migrations (version, applied_at)"
						" VALUES (?, ?)", "ii",
					    (int64_t)migrations[i].version, hpcnet_now_ms()) < 0 ? HPCNET_ESTORE : 0;
		if (rc == 0)
			rc = hpcnet_db_commit(db);
		if (rc < 0) {
			hpcnet_db_rollback(db);
			hpcnet_error("migration %d failed", migrations[i].version);
			return rc;
		}
		hpcnet_info("applied schema migration %d", migrations[i].version);
	}
	return 0;
}
