/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The hub's store (hub/store/): every domain operation against a real
 * SQLite file in a temp dir, because the SQL is the behaviour. Covers
 * migrations and reopen, users, tokens and sessions, center join/heartbeat/expiry,
 * the job lifecycle (insert, list, dispatch, reports, cancel, orders,
 * load), idempotency keys, output chunks, transactions and two writers
 * from the connection pool at once.
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

#include "common/fsutil.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "hpcnet/error.h"
#include "hub/store/migrate.h"
#include "hub/store/store.h"

#define GIB (1024LL * 1024 * 1024)
#define NMIGRATIONS hpcnet_store_migration_count()
#define FAR_FUTURE 4102444800000LL /* 2100-01-01 */

struct fixture {
	char dir[64];
	char *url;
	struct hpcnet_store *store;
	struct hpcnet_db *db; /* borrowed for the whole test */
};

static int setup(void **state)
{
	struct fixture *f = hpcnet_xcalloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/hpcnet-test-store-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->url = hpcnet_xasprintf("sqlite:%s/hub.db", f->dir);
	assert_int_equal(hpcnet_store_open(f->url, &f->store), 0);
	f->db = hpcnet_store_acquire(f->store);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f->store) {
		hpcnet_store_release(f->store, f->db);
		hpcnet_store_close(f->store);
	}
	hpcnet_fs_remove_tree(f->dir);
	free(f->url);
	free(f);
	return 0;
}

/* Closes the store and opens the same file again (migrations run again). */
static int reopen(struct fixture *f)
{
	int rc;

	hpcnet_store_release(f->store, f->db);
	hpcnet_store_close(f->store);
	f->store = NULL;
	f->db = NULL;
	rc = hpcnet_store_open(f->url, &f->store);
	if (rc == 0)
		f->db = hpcnet_store_acquire(f->store);
	else
		f->store = NULL;
	return rc;
}

/* Small accessors for the JSON rows the store returns. */
static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static json_int_t num(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

static int64_t count(struct hpcnet_db *db, const char *sql, const char *arg)
{
	int64_t n = -1;

	assert_int_equal(hpcnet_db_get_int(db, &n, sql, arg ? "t" : NULL, arg), 1);
	return n;
}

static void add_user(struct hpcnet_db *db, const char *id, const char *name)
{
	assert_int_equal(hpcnet_store_user_create(db, id, name, "$argon2id$fake", "user"), 0);
}

static void add_center(struct hpcnet_db *db, const char *id, const char *name)
{
	char join[64];

	snprintf(join, sizeof(join), "join-%s", name);
	assert_int_equal(hpcnet_store_center_create(db, id, name, join, FAR_FUTURE), 0);
}

static void add_job(struct hpcnet_db *db, const char *id, const char *user, const char *pin,
		    int cores, int64_t mem, int gpus, int64_t at)
{
	struct hpcnet_job_row j = {
		.id = id, .user_id = user, .name = "job", .script = "#!/bin/sh\necho hi\n",
		.env_json = "{\"A\":\"1\"}", .files_json = "[]", .center_requested = pin,
		.cores = cores, .gpus = gpus, .memory_bytes = mem, .walltime_seconds = 600,
		.submitted_at = at,
	};

	assert_int_equal(hpcnet_store_job_insert(db, &j), 0);
}

static json_t *get_job(struct hpcnet_db *db, const char *id)
{
	json_t *j = NULL;

	assert_int_equal(hpcnet_store_job_get(db, id, &j), 0);
	assert_non_null(j);
	return j;
}

static json_t *get_center(struct hpcnet_db *db, const char *id_or_name)
{
	json_t *c = NULL;

	assert_int_equal(hpcnet_store_center_get(db, id_or_name, &c), 0);
	assert_non_null(c);
	return c;
}

static void assert_job_state(struct hpcnet_db *db, const char *id, const char *state)
{
	json_t *j = get_job(db, id);

	assert_string_equal(str(j, "state"), state);
	json_decref(j);
}

/* The ids of a JSON array of rows, joined with ",": easy to compare. */
static void ids_of(json_t *rows, const char *key, char *out, size_t len)
{
	size_t i, used = 0;
	json_t *r;

	out[0] = '\0';
	json_array_foreach(rows, i, r)
		used += (size_t)snprintf(out + used, len - used, "%s%s", i ? "," : "", str(r, key));
}

static void assert_list(struct hpcnet_db *db, const char *user, const char *state,
			const char *center, const char *before, int64_t limit, const char *want)
{
	json_t *rows = NULL;
	char got[512];

	assert_int_equal(hpcnet_store_job_list(db, user, state, center, before, HPCNET_DB_NULL,
					       HPCNET_DB_NULL, limit, &rows), 0);
	ids_of(rows, "id", got, sizeof(got));
	assert_string_equal(got, want);
	json_decref(rows);
}

/* ---- migrations ---- */

static void test_open_migrates_once_and_keeps_data(void **state)
{
	struct fixture *f = *state;
	struct hpcnet_store *s = NULL;
	int64_t applied_at = 0;
	json_t *u = NULL;

	assert_int_equal(count(f->db, "SELECT COUNT(*) FROM schema_migrations", NULL), NMIGRATIONS);
	assert_int_equal(hpcnet_db_get_int(f->db, &applied_at, "SELECT applied_at FROM"
					   " schema_migrations WHERE version = 1", NULL), 1);
	add_user(f->db, "usr_1", "alice");

	assert_int_equal(reopen(f), 0);
	/* Not applied a second time (would have failed on CREATE TABLE anyway,
	 * but the record must be the original one), and the data survived. */
	assert_int_equal(count(f->db, "SELECT COUNT(*) FROM schema_migrations", NULL), NMIGRATIONS);
	assert_int_equal(count(f->db, "SELECT applied_at FROM schema_migrations WHERE version = 1",
			       NULL), applied_at);
	assert_int_equal(hpcnet_store_user_by_name(f->db, "alice", &u), 0);
	assert_string_equal(str(u, "id"), "usr_1");
	json_decref(u);

	assert_int_equal(hpcnet_store_open("postgres://x", &s), HPCNET_EINVAL);
	assert_int_equal(hpcnet_store_open("sqlite:", &s), HPCNET_EINVAL);
	assert_null(s);
}

static void test_newer_schema_refused(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(hpcnet_db_exec(f->db, "INSERT INTO schema_migrations (version, applied_at)"
					       " VALUES (99, 0)", NULL), 1);
	assert_int_equal(reopen(f), HPCNET_ESTORE);
	assert_null(f->store);
}

/* Migration numbers are taken by branches that land in any order: one
 * missing below the highest applied is applied at the next open. */
static void test_missing_migration_applied(void **state)
{
	struct fixture *f = *state;

	assert_true(hpcnet_db_exec(f->db, "DROP TABLE sessions", NULL) >= 0);
	assert_int_equal(hpcnet_db_exec(f->db, "DELETE FROM schema_migrations WHERE version = 5",
					NULL), 1);
	assert_int_equal(reopen(f), 0);
	assert_int_equal(count(f->db, "SELECT COUNT(*) FROM schema_migrations", NULL), NMIGRATIONS);
	assert_int_equal(count(f->db, "SELECT COUNT(*) FROM sessions", NULL), 0);
}

/* ---- users and tokens ---- */

static void test_users(void **state)
{
	struct fixture *f = *state;
	json_t *u = NULL, *list = NULL;
	int64_t n = -1;

	add_user(f->db, "usr_1", "alice");
	assert_int_equal(hpcnet_store_user_create(f->db, "usr_2", "bob", "h2", "admin"), 0);
	assert_int_equal(hpcnet_store_user_create(f->db, "usr_3", "alice", "h3", "user"),
			 HPCNET_EEXIST);
	assert_int_equal(hpcnet_store_user_create(f->db, "usr_1", "carol", "h3", "user"),
			 HPCNET_EEXIST);

	assert_int_equal(hpcnet_store_user_by_name(f->db, "bob", &u), 0);
	assert_string_equal(str(u, "id"), "usr_2");
	assert_string_equal(str(u, "role"), "admin");
	assert_string_equal(str(u, "password_hash"), "h2");
	assert_int_equal(num(u, "disabled"), 0);
	assert_true(num(u, "created_at") > 0);
	json_decref(u);

	assert_int_equal(hpcnet_store_user_by_id(f->db, "usr_1", &u), 0);
	assert_string_equal(str(u, "name"), "alice");
	json_decref(u);
	assert_int_equal(hpcnet_store_user_by_name(f->db, "nobody", &u), HPCNET_ENOTFOUND);
	assert_null(u);
	assert_int_equal(hpcnet_store_user_by_id(f->db, "usr_9", &u), HPCNET_ENOTFOUND);

	assert_int_equal(hpcnet_store_user_count(f->db, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(hpcnet_store_user_list(f->db, &list), 0);
	assert_int_equal(json_array_size(list), 2);
	assert_string_equal(str(json_array_get(list, 0), "name"), "alice"); /* by name */
	/* The list is what admins see: never the password hash. */
	assert_null(json_object_get(json_array_get(list, 0), "password_hash"));
	json_decref(list);
}

static void test_tokens(void **state)
{
	struct fixture *f = *state;
	json_t *t = NULL, *list = NULL;

	add_user(f->db, "usr_1", "alice");
	add_user(f->db, "usr_2", "bob");
	assert_int_equal(hpcnet_store_token_create(f->db, "tok_1", "hash1", "usr_1", "laptop",
						   FAR_FUTURE), 0);
	assert_int_equal(hpcnet_store_token_create(f->db, "tok_2", "hash2", "usr_1", "old", 1000),
			 0);
	assert_int_equal(hpcnet_store_token_create(f->db, "tok_3", "hash1", "usr_2", "dup",
						   FAR_FUTURE), HPCNET_EEXIST);

	assert_int_equal(hpcnet_store_token_lookup(f->db, "hash1", &t), 0);
	assert_string_equal(str(t, "token_id"), "tok_1");
	assert_string_equal(str(t, "user_id"), "usr_1");
	assert_string_equal(str(t, "user_name"), "alice");
	assert_string_equal(str(t, "role"), "user");
	assert_int_equal(num(t, "expires_at"), FAR_FUTURE);
	assert_true(json_is_null(json_object_get(t, "revoked_at")));
	json_decref(t);
	assert_int_equal(hpcnet_store_token_lookup(f->db, "nope", &t), HPCNET_ENOTFOUND);

	/* The list shows live tokens only: the expired one is left out. */
	assert_int_equal(hpcnet_store_token_list(f->db, "usr_1", &list), 0);
	assert_int_equal(json_array_size(list), 1);
	assert_string_equal(str(json_array_get(list, 0), "id"), "tok_1");
	assert_string_equal(str(json_array_get(list, 0), "name"), "laptop");
	json_decref(list);

	/* Only the owner revokes, and only once. */
	assert_int_equal(hpcnet_store_token_revoke(f->db, "usr_2", "tok_1"), 0);
	assert_int_equal(hpcnet_store_token_revoke(f->db, "usr_1", "tok_1"), 1);
	assert_int_equal(hpcnet_store_token_revoke(f->db, "usr_1", "tok_1"), 0);
	assert_int_equal(hpcnet_store_token_list(f->db, "usr_1", &list), 0);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);
	/* Lookup still finds it, marked revoked, so auth can say so. */
	assert_int_equal(hpcnet_store_token_lookup(f->db, "hash1", &t), 0);
	assert_true(json_is_integer(json_object_get(t, "revoked_at")));
	json_decref(t);
}

static void test_sessions(void **state)
{
	struct fixture *f = *state;
	json_t *s = NULL;

	add_user(f->db, "usr_1", "alice");
	assert_int_equal(hpcnet_store_session_create(f->db, "ses_old", "hash0", "usr_1", "", 500,
						     1000), 0);
	assert_int_equal(hpcnet_store_session_create(f->db, "ses_1", "hash1", "usr_1", "firefox",
						     2000, FAR_FUTURE), 0);
	/* Creating one swept the session past its absolute expiry. */
	assert_int_equal(hpcnet_store_session_lookup(f->db, "hash0", &s), HPCNET_ENOTFOUND);
	assert_int_equal(hpcnet_store_session_create(f->db, "ses_2", "hash1", "usr_1", "", 2000,
						     FAR_FUTURE), HPCNET_EEXIST);

	assert_int_equal(hpcnet_store_session_lookup(f->db, "hash1", &s), 0);
	assert_string_equal(str(s, "session_id"), "ses_1");
	assert_string_equal(str(s, "user_id"), "usr_1");
	assert_string_equal(str(s, "user_name"), "alice");
	assert_string_equal(str(s, "role"), "user");
	assert_int_equal(num(s, "last_seen_at"), 2000);
	assert_int_equal(num(s, "expires_at"), FAR_FUTURE);
	assert_true(json_is_null(json_object_get(s, "revoked_at")));
	json_decref(s);

	/* Touch moves last_seen_at forward only. */
	assert_int_equal(hpcnet_store_session_touch(f->db, "ses_1", 5000), 1);
	assert_int_equal(hpcnet_store_session_touch(f->db, "ses_1", 3000), 0);
	assert_int_equal(hpcnet_store_session_lookup(f->db, "hash1", &s), 0);
	assert_int_equal(num(s, "last_seen_at"), 5000);
	json_decref(s);

	/* Revoked once; lookup still finds it so auth can say why. */
	assert_int_equal(hpcnet_store_session_revoke(f->db, "ses_1", 6000), 1);
	assert_int_equal(hpcnet_store_session_revoke(f->db, "ses_1", 7000), 0);
	assert_int_equal(hpcnet_store_session_lookup(f->db, "hash1", &s), 0);
	assert_int_equal(num(s, "revoked_at"), 6000);
	json_decref(s);
}

/* ---- centers ---- */

static void test_center_create_get_join(void **state)
{
	struct fixture *f = *state;
	json_t *c = NULL;
	int64_t now = 1000000;

	assert_int_equal(hpcnet_store_center_create(f->db, "ctr_a", "alpha", "jh-a", now + 60000), 0);
	assert_int_equal(hpcnet_store_center_create(f->db, "ctr_x", "alpha", "jh-x", now + 60000),
			 HPCNET_EEXIST);
	c = get_center(f->db, "ctr_a");
	assert_string_equal(str(c, "name"), "alpha");
	assert_string_equal(str(c, "status"), "new");
	assert_int_equal(num(c, "has_snapshot"), 0);
	assert_null(json_object_get(c, "join_token_hash")); /* secrets stay inside */
	json_decref(c);
	c = get_center(f->db, "alpha");
	assert_string_equal(str(c, "id"), "ctr_a");
	json_decref(c);
	assert_int_equal(hpcnet_store_center_get(f->db, "beta", &c), HPCNET_ENOTFOUND);

	/* Wrong token: nothing. */
	assert_int_equal(hpcnet_store_center_join(f->db, "jh-wrong", "ah-a", "local", "1.0", now, &c),
			 0);
	assert_null(c);
	/* Right token: joined, the credential works. */
	assert_int_equal(hpcnet_store_center_join(f->db, "jh-a", "ah-a", "slurm", "1.2", now, &c), 1);
	assert_non_null(c);
	assert_string_equal(str(c, "id"), "ctr_a");
	json_decref(c);
	assert_int_equal(hpcnet_store_center_by_agent(f->db, "ah-a", &c), 0);
	assert_string_equal(str(c, "id"), "ctr_a");
	assert_string_equal(str(c, "name"), "alpha");
	assert_string_equal(str(c, "status"), "new");
	json_decref(c);
	c = get_center(f->db, "alpha");
	assert_string_equal(str(c, "adapter"), "slurm");
	assert_string_equal(str(c, "agent_version"), "1.2");
	json_decref(c);
	/* The join token is spent: a second join with it gets nothing and the
	 * first credential is untouched. */
	assert_int_equal(hpcnet_store_center_join(f->db, "jh-a", "ah-evil", "local", "1.0", now, &c),
			 0);
	assert_null(c);
	assert_int_equal(hpcnet_store_center_by_agent(f->db, "ah-evil", &c), HPCNET_ENOTFOUND);
	assert_int_equal(hpcnet_store_center_by_agent(f->db, "ah-a", &c), 0);
	json_decref(c);

	/* An expired join token is refused, even exactly at its expiry. */
	assert_int_equal(hpcnet_store_center_create(f->db, "ctr_b", "beta", "jh-b", now), 0);
	assert_int_equal(hpcnet_store_center_join(f->db, "jh-b", "ah-b", "local", "1.0", now, &c), 0);
	assert_null(c);
	assert_int_equal(hpcnet_store_center_join(f->db, "jh-b", "ah-b", "local", "1.0", now + 1, &c),
			 0);
	/* A fresh one from set_join works. */
	assert_int_equal(hpcnet_store_center_set_join(f->db, "ctr_b", "jh-b2", now + 60000), 0);
	assert_int_equal(hpcnet_store_center_set_join(f->db, "ctr_zz", "jh-z", now), HPCNET_ENOTFOUND);
	assert_int_equal(hpcnet_store_center_join(f->db, "jh-b", "ah-b", "local", "1.0", now, &c), 0);
	assert_int_equal(hpcnet_store_center_join(f->db, "jh-b2", "ah-b", "local", "1.0", now, &c), 1);
	assert_string_equal(str(c, "name"), "beta");
	json_decref(c);
}

static void test_center_heartbeat_and_expire(void **state)
{
	struct fixture *f = *state;
	json_t *r = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "total_cores", 64,
			      "free_cores", 48, "total_memory_bytes", 256 * GIB,
			      "free_memory_bytes", 200 * GIB, "total_gpus", 4, "free_gpus", -3,
			      "queue_length", 7, "running", 2);
	struct hpcnet_center_beat beat = { .resources = r, .caps_json = "[\"gpus\"]",
					   .health = "ok", .reason = "",
					   .snapshot_json = "{\"est_wait_seconds\":5}" };
	json_t *c;

	add_center(f->db, "ctr_a", "alpha");
	add_center(f->db, "ctr_b", "beta");
	add_center(f->db, "ctr_c", "gamma");

	assert_int_equal(hpcnet_store_center_heartbeat(f->db, "ctr_a", &beat, 1000), 0);
	assert_int_equal(hpcnet_store_center_heartbeat(f->db, "ctr_zz", &beat, 1000),
			 HPCNET_ENOTFOUND);
	c = get_center(f->db, "alpha");
	assert_string_equal(str(c, "status"), "online");
	assert_int_equal(num(c, "last_heartbeat_at"), 1000);
	assert_int_equal(num(c, "has_snapshot"), 1);
	assert_int_equal(num(c, "total_cores"), 64);
	assert_int_equal(num(c, "free_cores"), 48);
	assert_int_equal(num(c, "total_memory_bytes"), 256 * GIB);
	assert_int_equal(num(c, "total_gpus"), 4);
	assert_int_equal(num(c, "free_gpus"), 0); /* negative figures are clamped */
	assert_int_equal(num(c, "queue_length"), 7);
	assert_string_equal(str(c, "caps"), "[\"gpus\"]");
	assert_string_equal(str(c, "snapshot"), "{\"est_wait_seconds\":5}");
	assert_string_equal(str(c, "health"), "ok");
	json_decref(c);
	beat.caps_json = "[]";

	/* An admin's drain survives heartbeats; liveness is separate. */
	assert_int_equal(hpcnet_store_center_set_drain(f->db, "ctr_b", 1), 0);
	beat.health = "degraded";
	beat.reason = "squeue timed out";
	assert_int_equal(hpcnet_store_center_heartbeat(f->db, "ctr_b", &beat, 1000), 0);
	c = get_center(f->db, "beta");
	assert_string_equal(str(c, "status"), "online");
	assert_int_equal(num(c, "drain_requested"), 1);
	assert_string_equal(str(c, "health"), "degraded");
	assert_string_equal(str(c, "health_reason"), "squeue timed out");
	assert_int_equal(num(c, "has_snapshot"), 1);
	json_decref(c);
	assert_int_equal(hpcnet_store_center_set_drain(f->db, "ctr_zz", 1), HPCNET_ENOTFOUND);
	beat.health = "ok";
	beat.reason = "";

	/* Expiry: alpha last heard at 1000, gamma at 5000. */
	assert_int_equal(hpcnet_store_center_heartbeat(f->db, "ctr_c", &beat, 5000), 0);
	assert_int_equal(hpcnet_store_center_expire(f->db, 1000), 0); /* not older than cutoff */
	c = get_center(f->db, "alpha");
	assert_string_equal(str(c, "status"), "online");
	json_decref(c);
	/* alpha and beta (draining does not stop liveness tracking) */
	assert_int_equal(hpcnet_store_center_expire(f->db, 3000), 2);
	c = get_center(f->db, "alpha");
	assert_string_equal(str(c, "status"), "offline");
	json_decref(c);
	c = get_center(f->db, "gamma");
	assert_string_equal(str(c, "status"), "online");
	json_decref(c);
	assert_int_equal(hpcnet_store_center_expire(f->db, 3000), 0); /* already offline */

	/* A heartbeat brings an offline center back. */
	assert_int_equal(hpcnet_store_center_heartbeat(f->db, "ctr_a", &beat, 6000), 0);
	c = get_center(f->db, "alpha");
	assert_string_equal(str(c, "status"), "online");
	json_decref(c);
	json_decref(r);
}

/* ---- jobs ---- */

/* Two users, two centers, seven queued jobs job_01..job_07 (u1 has 1-5). */
static void seed_jobs(struct hpcnet_db *db)
{
	char id[16];
	int i;

	add_user(db, "usr_1", "alice");
	add_user(db, "usr_2", "bob");
	add_center(db, "ctr_a", "alpha");
	add_center(db, "ctr_b", "beta");
	for (i = 1; i <= 7; i++) {
		snprintf(id, sizeof(id), "job_%02d", i);
		add_job(db, id, i <= 5 ? "usr_1" : "usr_2", i == 6 ? "ctr_b" : NULL, i, i * GIB,
			i == 7, 1000 + i);
	}
}

static void test_job_insert_get_events(void **state)
{
	struct fixture *f = *state;
	json_t *j, *ev = NULL;

	seed_jobs(f->db);
	j = get_job(f->db, "job_06");
	assert_string_equal(str(j, "user_id"), "usr_2");
	assert_string_equal(str(j, "user_name"), "bob");
	assert_string_equal(str(j, "state"), "queued");
	assert_string_equal(str(j, "script"), "#!/bin/sh\necho hi\n");
	assert_string_equal(str(j, "env"), "{\"A\":\"1\"}");
	assert_int_equal(num(j, "cores"), 6);
	assert_int_equal(num(j, "memory_bytes"), 6 * GIB);
	assert_int_equal(num(j, "walltime_seconds"), 600);
	assert_string_equal(str(j, "center_requested"), "ctr_b");
	assert_string_equal(str(j, "center_requested_name"), "beta");
	assert_true(json_is_null(json_object_get(j, "center_id")));
	assert_int_equal(num(j, "submitted_at"), 1006);
	assert_int_equal(num(j, "stdout_bytes"), 0);
	json_decref(j);
	assert_int_equal(hpcnet_store_job_get(f->db, "job_99", &j), HPCNET_ENOTFOUND);

	/* Inserting the same id again is a conflict, not a second job. */
	{
		struct hpcnet_job_row dup = { .id = "job_01", .user_id = "usr_1", .name = "x",
					      .script = "x", .env_json = "{}", .files_json = "[]",
					      .cores = 1, .submitted_at = 1 };

		assert_int_equal(hpcnet_store_job_insert(f->db, &dup), HPCNET_EEXIST);
	}

	assert_int_equal(hpcnet_store_job_events(f->db, "job_06", &ev), 0);
	assert_int_equal(json_array_size(ev), 2);
	assert_string_equal(str(json_array_get(ev, 0), "state"), "submitted");
	assert_string_equal(str(json_array_get(ev, 1), "state"), "queued");
	assert_int_equal(num(json_array_get(ev, 1), "at"), 1006);
	json_decref(ev);
}

/* The submit answers from what it wrote, not by reading it back: that
 * answer must be what the read would have given, column for column. */
static void test_job_inserted_is_what_get_reads(void **state)
{
	struct fixture *f = *state;
	struct hpcnet_job_row j = {
		.id = "job_50", .user_id = "usr_2", .name = "sized", .script = "#!/bin/sh\ntrue\n",
		.env_json = "{}", .files_json = "[{\"path\":\"a\",\"content_base64\":\"eA==\"}]",
		.center_requested = "ctr_a", .cores = 4, .gpus = 2, .memory_bytes = 3 * GIB,
		.walltime_seconds = 90, .submitted_at = 5000, .gpu_model = "a100",
		.partition = "gpu", .account = "acct1", .qos = NULL,
	};
	struct hpcnet_job_names names = { .user = "bob", .center_requested = "alpha" };
	json_t *row, *events, *got, *got_events = NULL;

	seed_jobs(f->db);
	assert_int_equal(hpcnet_store_job_insert(f->db, &j), 0);
	hpcnet_store_job_inserted(&j, &names, &row, &events);
	got = get_job(f->db, "job_50");
	assert_int_equal(hpcnet_store_job_events(f->db, "job_50", &got_events), 0);
	assert_int_equal(json_object_size(row), json_object_size(got));
	assert_true(json_equal(row, got));
	assert_true(json_equal(events, got_events));
	json_decref(row);
	json_decref(events);
	json_decref(got);
	json_decref(got_events);
}

static void test_job_list_pages_and_filters(void **state)
{
	struct fixture *f = *state;

	seed_jobs(f->db);
	/* Keyset pages, newest id first: each page starts below the last id. */
	assert_list(f->db, NULL, NULL, NULL, NULL, 3, "job_07,job_06,job_05");
	assert_list(f->db, NULL, NULL, NULL, "job_05", 3, "job_04,job_03,job_02");
	assert_list(f->db, NULL, NULL, NULL, "job_02", 3, "job_01");
	assert_list(f->db, NULL, NULL, NULL, "job_01", 3, "");

	assert_int_equal(hpcnet_store_job_dispatch(f->db, "job_02", "ctr_a", "r", 2000), 1);
	assert_int_equal(hpcnet_store_job_dispatch(f->db, "job_03", "ctr_b", "r", 2000), 1);
	assert_int_equal(hpcnet_store_job_dispatch(f->db, "job_04", "ctr_a", "r", 2000), 1);
	assert_int_equal(hpcnet_store_job_dispatch(f->db, "job_07", "ctr_a", "r", 2000), 1);

	assert_list(f->db, "usr_1", NULL, NULL, NULL, 100, "job_05,job_04,job_03,job_02,job_01");
	assert_list(f->db, "usr_2", NULL, NULL, NULL, 100, "job_07,job_06");
	assert_list(f->db, NULL, "dispatched", NULL, NULL, 100, "job_07,job_04,job_03,job_02");
	assert_list(f->db, NULL, "queued", NULL, NULL, 100, "job_06,job_05,job_01");
	assert_list(f->db, NULL, NULL, "ctr_a", NULL, 100, "job_07,job_04,job_02");
	assert_list(f->db, NULL, NULL, "ctr_b", NULL, 100, "job_03");
	/* Filters combine, and with paging. */
	assert_list(f->db, "usr_1", "dispatched", "ctr_a", NULL, 100, "job_04,job_02");
	assert_list(f->db, "usr_1", NULL, "ctr_a", NULL, 1, "job_04");
	assert_list(f->db, "usr_1", NULL, "ctr_a", "job_04", 1, "job_02");
	assert_list(f->db, "usr_2", "queued", "ctr_a", NULL, 100, "");
	assert_list(f->db, NULL, "running", NULL, NULL, 100, "");
	/* Submitted in [since, until): jobs were submitted at 1001..1007 ms. */
	{
		json_t *rows = NULL;
		char got[512];

		assert_int_equal(hpcnet_store_job_list(f->db, NULL, NULL, NULL, NULL, 1003, 1006, 100,
						       &rows), 0);
		ids_of(rows, "id", got, sizeof(got));
		assert_string_equal(got, "job_05,job_04,job_03");
		json_decref(rows);
		assert_int_equal(hpcnet_store_job_list(f->db, "usr_1", NULL, NULL, "job_05", 1004,
						       HPCNET_DB_NULL, 100, &rows), 0);
		ids_of(rows, "id", got, sizeof(got));
		assert_string_equal(got, "job_04");
		json_decref(rows);
	}
}

static void test_job_queued_oldest_first(void **state)
{
	struct fixture *f = *state;
	json_t *q = NULL;
	char got[256];

	seed_jobs(f->db);
	assert_int_equal(hpcnet_store_job_dispatch(f->db, "job_02", "ctr_a", "r", 2000), 1);
	assert_int_equal(hpcnet_store_job_queued(f->db, 3, &q), 0);
	ids_of(q, "id", got, sizeof(got));
	assert_string_equal(got, "job_01,job_03,job_04");
	assert_int_equal(num(json_array_get(q, 1), "cores"), 3);
	assert_int_equal(num(json_array_get(q, 1), "memory_bytes"), 3 * GIB);
	json_decref(q);
	assert_int_equal(hpcnet_store_job_queued(f->db, 100, &q), 0);
	assert_int_equal(json_array_size(q), 6);
	assert_string_equal(str(json_array_get(q, 4), "center_requested"), "ctr_b"); /* job_06 */
	assert_int_equal(num(json_array_get(q, 5), "gpus"), 1);                      /* job_07 */
	json_decref(q);
}

static void test_dispatch_and_set_state(void **state)
{
	struct fixture *f = *state;
	json_t *j, *ev = NULL, *last;

	seed_jobs(f->db);
	assert_int_equal(hpcnet_store_job_dispatch(f->db, "job_01", "ctr_a", "alpha: best", 2000), 1);
	j = get_job(f->db, "job_01");
	assert_string_equal(str(j, "state"), "dispatched");
	assert_string_equal(str(j, "center_id"), "ctr_a");
	assert_string_equal(str(j, "center_name"), "alpha");
	assert_string_equal(str(j, "placement_reason"), "alpha: best");
	assert_int_equal(num(j, "dispatched_at"), 2000);
	json_decref(j);
	/* Only from queued: a second dispatch (say, to another center) is a no-op. */
	assert_int_equal(hpcnet_store_job_dispatch(f->db, "job_01", "ctr_b", "beta", 2100), 0);
	j = get_job(f->db, "job_01");
	assert_string_equal(str(j, "center_id"), "ctr_a");
	assert_int_equal(num(j, "dispatched_at"), 2000);
	json_decref(j);
	assert_int_equal(hpcnet_store_job_dispatch(f->db, "job_99", "ctr_b", "beta", 2100), 0);

	/* set_state moves only from the named state. */
	assert_int_equal(hpcnet_store_job_set_state(f->db, "job_01", "queued", "cancelled", "x", 3000),
			 0);
	assert_job_state(f->db, "job_01", "dispatched");
	assert_int_equal(hpcnet_store_job_set_state(f->db, "job_01", "dispatched", "queued",
						    "center went away", 3000), 1);
	assert_job_state(f->db, "job_01", "queued");
	assert_int_equal(hpcnet_store_job_set_state(f->db, "job_01", "queued", "cancelled",
						    "cancelled by alice", 4000), 1);
	j = get_job(f->db, "job_01");
	assert_string_equal(str(j, "state"), "cancelled");
	assert_string_equal(str(j, "state_reason"), "cancelled by alice");
	assert_int_equal(num(j, "ended_at"), 4000); /* a final state stamps the end */
	assert_int_equal(num(j, "updated_at"), 4000);
	json_decref(j);

	assert_int_equal(hpcnet_store_job_events(f->db, "job_01", &ev), 0);
	assert_int_equal(json_array_size(ev), 5); /* submitted queued dispatched queued cancelled */
	assert_string_equal(str(json_array_get(ev, 2), "state"), "dispatched");
	assert_string_equal(str(json_array_get(ev, 2), "detail"), "alpha: best");
	last = json_array_get(ev, 4);
	assert_string_equal(str(last, "state"), "cancelled");
	assert_string_equal(str(last, "detail"), "cancelled by alice");
	assert_int_equal(num(last, "at"), 4000);
	json_decref(ev);
}

static void test_apply_report_keeps_absent_fields(void **state)
{
	struct fixture *f = *state;
	struct hpcnet_job_report rep = {
		.job_id = "job_01", .state = "running", .started_at = 5000,
		.cpu_seconds = -1, .max_rss_bytes = -1,
	};
	json_t *j;

	seed_jobs(f->db);
	assert_int_equal(hpcnet_store_job_dispatch(f->db, "job_01", "ctr_a", "r", 2000), 1);
	assert_int_equal(hpcnet_store_job_apply_report(f->db, &rep, 5001), 0);
	j = get_job(f->db, "job_01");
	assert_string_equal(str(j, "state"), "running");
	assert_string_equal(str(j, "state_reason"), ""); /* NULL reason stored as "" */
	assert_int_equal(num(j, "started_at"), 5000);
	assert_true(json_is_null(json_object_get(j, "ended_at")));
	assert_true(json_is_null(json_object_get(j, "exit_code")));
	assert_true(json_is_null(json_object_get(j, "cpu_seconds")));
	assert_true(json_is_null(json_object_get(j, "max_rss_bytes")));
	json_decref(j);

	/* The end report does not carry started_at: the stored one stays. An
	 * exit code of 0 is a value, not "unknown". */
	rep = (struct hpcnet_job_report){ .job_id = "job_01", .state = "succeeded", .reason = "done",
					  .ended_at = 9000, .has_exit = 1, .exit_code = 0,
					  .signal = 0, .cpu_seconds = 1.5, .max_rss_bytes = 4096 };
	assert_int_equal(hpcnet_store_job_apply_report(f->db, &rep, 9001), 0);
	j = get_job(f->db, "job_01");
	assert_string_equal(str(j, "state"), "succeeded");
	assert_string_equal(str(j, "state_reason"), "done");
	assert_int_equal(num(j, "started_at"), 5000);
	assert_int_equal(num(j, "ended_at"), 9000);
	assert_int_equal(num(j, "exit_code"), 0);
	assert_int_equal(num(j, "signal"), 0);
	assert_true(json_real_value(json_object_get(j, "cpu_seconds")) == 1.5);
	assert_int_equal(num(j, "max_rss_bytes"), 4096);
	json_decref(j);

	/* A re-sent report with nothing but the state changes no figure. */
	rep = (struct hpcnet_job_report){ .job_id = "job_01", .state = "succeeded",
					  .cpu_seconds = -1, .max_rss_bytes = -1 };
	assert_int_equal(hpcnet_store_job_apply_report(f->db, &rep, 9500), 0);
	j = get_job(f->db, "job_01");
	assert_int_equal(num(j, "started_at"), 5000);
	assert_int_equal(num(j, "ended_at"), 9000);
	assert_int_equal(num(j, "exit_code"), 0);
	assert_true(json_real_value(json_object_get(j, "cpu_seconds")) == 1.5);
	assert_int_equal(num(j, "max_rss_bytes"), 4096);
	assert_int_equal(num(j, "updated_at"), 9500);
	json_decref(j);

	rep.job_id = "job_99";
	assert_int_equal(hpcnet_store_job_apply_report(f->db, &rep, 9500), HPCNET_ENOTFOUND);
}

static void test_cancel_orders_and_cancels(void **state)
{
	struct fixture *f = *state;
	json_t *o = NULL, *ev = NULL;
	char got[256];

	seed_jobs(f->db);
	assert_int_equal(hpcnet_store_job_dispatch(f->db, "job_01", "ctr_a", "r", 2000), 1);
	assert_int_equal(hpcnet_store_job_dispatch(f->db, "job_02", "ctr_a", "r", 2000), 1);
	assert_int_equal(hpcnet_store_job_dispatch(f->db, "job_03", "ctr_a", "r", 2000), 1);
	assert_int_equal(hpcnet_store_job_dispatch(f->db, "job_04", "ctr_b", "r", 2000), 1);
	/* A running job is no longer an order. */
	assert_int_equal(hpcnet_store_job_set_state(f->db, "job_03", "dispatched", "running", "", 2500),
			 1);

	assert_int_equal(hpcnet_store_job_orders(f->db, "ctr_a", 100, &o), 0);
	ids_of(o, "job_id", got, sizeof(got));
	assert_string_equal(got, "job_01,job_02");
	/* An order carries the full spec the agent needs. */
	assert_string_equal(str(json_array_get(o, 1), "script"), "#!/bin/sh\necho hi\n");
	assert_string_equal(str(json_array_get(o, 1), "env"), "{\"A\":\"1\"}");
	assert_string_equal(str(json_array_get(o, 1), "files"), "[]");
	assert_int_equal(num(json_array_get(o, 1), "cores"), 2);
	assert_int_equal(num(json_array_get(o, 1), "walltime_seconds"), 600);
	json_decref(o);
	assert_int_equal(hpcnet_store_job_orders(f->db, "ctr_a", 1, &o), 0);
	assert_int_equal(json_array_size(o), 1);
	json_decref(o);

	/* Cancel requests: once, then the job leaves the orders and joins the
	 * center's cancel list (running ones too). */
	assert_int_equal(hpcnet_store_job_request_cancel(f->db, "job_01", 3000), 1);
	assert_int_equal(hpcnet_store_job_request_cancel(f->db, "job_01", 3001), 0);
	assert_int_equal(hpcnet_store_job_request_cancel(f->db, "job_03", 3000), 1);
	assert_int_equal(hpcnet_store_job_request_cancel(f->db, "job_99", 3000), 0);
	assert_int_equal(hpcnet_store_job_orders(f->db, "ctr_a", 100, &o), 0);
	ids_of(o, "job_id", got, sizeof(got));
	assert_string_equal(got, "job_02");
	json_decref(o);
	assert_int_equal(hpcnet_store_job_cancels(f->db, "ctr_a", &o), 0);
	ids_of(o, "id", got, sizeof(got));
	assert_string_equal(got, "job_01,job_03");
	json_decref(o);
	assert_int_equal(hpcnet_store_job_cancels(f->db, "ctr_b", &o), 0);
	assert_int_equal(json_array_size(o), 0);
	json_decref(o);
	assert_job_state(f->db, "job_01", "dispatched"); /* the center decides when it stops */

	/* Once the center reports the end, there is nothing left to cancel. */
	assert_int_equal(hpcnet_store_job_set_state(f->db, "job_01", "dispatched", "cancelled", "",
						    4000), 1);
	assert_int_equal(hpcnet_store_job_cancels(f->db, "ctr_a", &o), 0);
	ids_of(o, "id", got, sizeof(got));
	assert_string_equal(got, "job_03");
	json_decref(o);

	assert_int_equal(hpcnet_store_job_events(f->db, "job_01", &ev), 0);
	assert_string_equal(str(json_array_get(ev, 3), "state"), "cancel_requested");
	json_decref(ev);
}

static void test_job_load_per_center(void **state)
{
	struct fixture *f = *state;
	json_t *load = NULL, *a = NULL, *b = NULL, *row;
	size_t i;

	seed_jobs(f->db); /* job_N has N cores, N GiB; job_07 has a GPU */
	assert_int_equal(hpcnet_store_job_dispatch(f->db, "job_01", "ctr_a", "r", 2000), 1);
	assert_int_equal(hpcnet_store_job_dispatch(f->db, "job_02", "ctr_a", "r", 2000), 1);
	assert_int_equal(hpcnet_store_job_dispatch(f->db, "job_07", "ctr_a", "r", 2000), 1);
	assert_int_equal(hpcnet_store_job_dispatch(f->db, "job_03", "ctr_a", "r", 2000), 1);
	assert_int_equal(hpcnet_store_job_dispatch(f->db, "job_04", "ctr_b", "r", 2000), 1);
	assert_int_equal(hpcnet_store_job_set_state(f->db, "job_02", "dispatched", "running", "", 1), 1);
	assert_int_equal(hpcnet_store_job_set_state(f->db, "job_07", "dispatched", "held", "", 1), 1);
	/* Finished jobs free their share; queued ones (job_05, job_06) have none. */
	assert_int_equal(hpcnet_store_job_set_state(f->db, "job_03", "dispatched", "succeeded", "", 1),
			 1);

	assert_int_equal(hpcnet_store_job_load(f->db, &load), 0);
	assert_int_equal(json_array_size(load), 2);
	json_array_foreach(load, i, row) {
		if (strcmp(str(row, "center_id"), "ctr_a") == 0)
			a = row;
		else if (strcmp(str(row, "center_id"), "ctr_b") == 0)
			b = row;
	}
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(num(a, "cores"), 1 + 2 + 7);
	assert_int_equal(num(a, "memory_bytes"), (1 + 2 + 7) * GIB);
	assert_int_equal(num(a, "gpus"), 1);
	assert_int_equal(num(a, "waiting"), 2); /* job_01 dispatched, job_07 held; job_02 runs */
	assert_int_equal(num(b, "cores"), 4);
	assert_int_equal(num(b, "waiting"), 1);
	json_decref(load);
}

/* The sum the triggers of migration 011 keep in center_load, computed the
 * slow way; as a string so two answers compare in one assert. */
#define LOAD_SUM "SELECT group_concat(r, ';') AS v FROM (SELECT center_id || '/' ||" \
	" COALESCE(gpu_model, '') || ':' || COUNT(*) || ',' || SUM(cores) || ',' ||" \
	" SUM(memory_bytes) || ',' || SUM(gpus) || ',' ||" \
	" SUM(state IN ('dispatched', 'pending', 'held')) || ',' ||" \
	" SUM(CASE WHEN state IN ('dispatched', 'pending', 'held') THEN cores ELSE 0 END) AS r" \
	" FROM jobs WHERE center_id IS NOT NULL AND state IN ('dispatched', 'pending', 'held'," \
	" 'running', 'preempted', 'suspended') GROUP BY center_id, COALESCE(gpu_model, '')" \
	" ORDER BY 1)"
#define LOAD_KEPT "SELECT group_concat(r, ';') AS v FROM (SELECT center_id || '/' || gpu_model" \
	" || ':' || jobs || ',' || cores || ',' || memory_bytes || ',' || gpus || ',' ||" \
	" waiting || ',' || waiting_cores AS r FROM center_load WHERE jobs > 0 ORDER BY 1)"

static char *one_text(struct hpcnet_db *db, const char *sql)
{
	json_t *rows = NULL;
	const char *v;
	char *out;

	assert_int_equal(hpcnet_db_list_json(db, &rows, sql, NULL), 0);
	v = json_string_value(json_object_get(json_array_get(rows, 0), "v"));
	out = strdup(v ? v : "");
	json_decref(rows);
	return out;
}

/* Whatever statement changes a job, center_load says what the sum over
 * the jobs table says: 2,000 random changes of state, center, size and
 * GPU model, some rolled back, and jobs inserted already placed. */
static void test_center_load_matches_sum(void **state)
{
	static const char *states[] = { "queued", "dispatched", "pending", "held", "running",
					"preempted", "suspended", "succeeded", "failed", "lost" };
	static const char *centers[] = { NULL, "ctr_a", "ctr_b" };
	static const char *models[] = { NULL, "a100", "h100" };
	struct fixture *f = *state;
	unsigned seed = 11;
	char id[16];
	int i;

	seed_jobs(f->db);
	for (i = 8; i <= 40; i++) {
		snprintf(id, sizeof(id), "job_%02d", i);
		add_job(f->db, id, "usr_1", NULL, i % 5 + 1, GIB, i % 3, 2000 + i);
	}
	for (i = 0; i < 2000; i++) {
		int k = rand_r(&seed) % 40 + 1, op = rand_r(&seed) % 10;
		char *sum, *kept;

		snprintf(id, sizeof(id), "job_%02d", k);
		if (op == 9)
			assert_int_equal(hpcnet_db_begin(f->db), 0);
		if (op < 5)
			assert_true(hpcnet_db_exec(f->db, "UPDATE jobs SET state = ?, center_id = ?"
						   " WHERE id = ?", "ttt", states[rand_r(&seed) % 10],
						   centers[rand_r(&seed) % 3], id) >= 0);
		else if (op == 5)
			assert_true(hpcnet_db_exec(f->db, "UPDATE jobs SET cores = ?, gpus = ?"
						   " WHERE id = ?", "iit", (int64_t)(rand_r(&seed) % 8 + 1),
						   (int64_t)(rand_r(&seed) % 3), id) >= 0);
		else if (op == 6)
			assert_true(hpcnet_db_exec(f->db, "UPDATE jobs SET gpu_model = ? WHERE id = ?",
						   "tt", models[rand_r(&seed) % 3], id) >= 0);
		else
			assert_true(hpcnet_db_exec(f->db, "UPDATE jobs SET state = ?, memory_bytes = ?"
						   " WHERE id = ?", "tit", states[rand_r(&seed) % 10],
						   (int64_t)(rand_r(&seed) % 4) * GIB, id) >= 0);
		if (op == 9)
			hpcnet_db_rollback(f->db);
		sum = one_text(f->db, LOAD_SUM);
		kept = one_text(f->db, LOAD_KEPT);
		assert_string_equal(kept, sum);
		free(sum);
		free(kept);
	}
	/* a job that arrives already placed (an import, a restore) counts too */
	assert_true(hpcnet_db_exec(f->db, "INSERT INTO jobs (id, user_id, name, state, script, cores,"
				   " memory_bytes, gpus, walltime_seconds, submitted_at, updated_at,"
				   " center_id) VALUES ('job_99', 'usr_1', 'j', 'running', '', 3, 0, 0,"
				   " 60, 1, 1, 'ctr_b')", NULL) == 1);
	{
		char *sum = one_text(f->db, LOAD_SUM), *kept = one_text(f->db, LOAD_KEPT);

		assert_string_equal(kept, sum);
		assert_non_null(strstr(kept, "ctr_b/"));
		free(sum);
		free(kept);
	}
}

/* A hub upgraded with jobs in flight: migration 011 carries every event
 * over and starts center_load from the jobs already placed. The store is
 * taken back to its v10 shape by hand, filled, and opened again. */
static void test_migration_011_keeps_events_and_load(void **state)
{
	struct fixture *f = *state;
	char *sum, *kept;

	seed_jobs(f->db);
	assert_int_equal(hpcnet_store_job_dispatch(f->db, "job_01", "ctr_a", "r", 2000), 1);
	assert_int_equal(hpcnet_store_job_dispatch(f->db, "job_07", "ctr_b", "r", 2000), 1);
	assert_int_equal(hpcnet_store_job_set_state(f->db, "job_07", "dispatched", "running", "", 1), 1);
	assert_true(hpcnet_db_exec_script(f->db,
		"DROP TRIGGER center_load_insert; DROP TRIGGER center_load_update;"
		" DROP TRIGGER center_load_delete; DROP VIEW center_load_delta; DROP TABLE center_load;"
		" DROP INDEX jobs_cancels; DROP INDEX jobs_recalls; DROP INDEX jobs_controls;"
		" DROP INDEX jobs_center; CREATE INDEX jobs_center ON jobs(center_id, state);"
		" DROP INDEX jobs_org; CREATE INDEX jobs_org ON jobs(org_id, id);"
		" CREATE TABLE old_events (job_id TEXT NOT NULL REFERENCES jobs(id), seq INTEGER NOT NULL,"
		"  state TEXT NOT NULL, at BIGINT NOT NULL, detail TEXT NOT NULL DEFAULT '',"
		"  PRIMARY KEY (job_id, seq));"
		" INSERT INTO old_events SELECT * FROM job_events; DROP TABLE job_events;"
		" ALTER TABLE old_events RENAME TO job_events;"
		" DELETE FROM schema_migrations WHERE version = 11") == 0);
	/* placed while the hub ran v10: no trigger saw it */
	assert_int_equal(hpcnet_store_job_dispatch(f->db, "job_02", "ctr_a", "r", 2100), 1);
	assert_int_equal(count(f->db, "SELECT COUNT(*) FROM job_events", NULL), 7 * 2 + 4);

	assert_int_equal(reopen(f), 0);
	assert_int_equal(count(f->db, "SELECT COUNT(*) FROM job_events", NULL), 7 * 2 + 4);
	assert_int_equal(count(f->db, "SELECT COUNT(*) FROM job_events WHERE job_id = ?", "job_07"), 4);
	sum = one_text(f->db, LOAD_SUM);
	kept = one_text(f->db, LOAD_KEPT);
	assert_string_equal(kept, sum);
	assert_non_null(strstr(kept, "ctr_a/:2,3,"));
	free(sum);
	free(kept);
	/* and the triggers keep it from here on */
	assert_int_equal(hpcnet_store_job_set_state(f->db, "job_01", "dispatched", "succeeded", "", 1),
			 1);
	sum = one_text(f->db, LOAD_SUM);
	kept = one_text(f->db, LOAD_KEPT);
	assert_string_equal(kept, sum);
	free(sum);
	free(kept);
}

/* The sums the triggers of migration 012 keep in stored_bytes, computed
 * the slow way: "kind/id:bytes,paid" per scope holding something. */
#define JOB_BYTES "(input_bytes + stdout_bytes + stderr_bytes)"
#define STORED_SUM "SELECT group_concat(r, ';') AS v FROM (SELECT r FROM (" \
	" SELECT 'user/' || user_id || ':' || SUM(" JOB_BYTES ") || ',' ||" \
	"  SUM(CASE WHEN org_id IS NULL THEN " JOB_BYTES " ELSE 0 END) AS r," \
	"  SUM(" JOB_BYTES ") AS b, SUM(CASE WHEN org_id IS NULL THEN " JOB_BYTES " ELSE 0 END) AS p" \
	"  FROM jobs GROUP BY user_id" \
	" UNION ALL SELECT 'project/' || project_id || ':' || SUM(" JOB_BYTES ") || ',0'," \
	"  SUM(" JOB_BYTES "), 0 FROM jobs WHERE project_id IS NOT NULL GROUP BY project_id" \
	" UNION ALL SELECT 'org/' || org_id || ':' || SUM(" JOB_BYTES ") || ',' || SUM(" JOB_BYTES ")," \
	"  SUM(" JOB_BYTES "), SUM(" JOB_BYTES ") FROM jobs WHERE org_id IS NOT NULL GROUP BY org_id)" \
	" WHERE b != 0 OR p != 0 ORDER BY 1)"
#define STORED_KEPT "SELECT group_concat(r, ';') AS v FROM (SELECT scope_kind || '/' ||" \
	" scope_id || ':' || bytes || ',' || paid AS r FROM stored_bytes" \
	" WHERE bytes != 0 OR paid != 0 ORDER BY 1)"

static void add_org_project(struct hpcnet_db *db, const char *org, const char *prj)
{
	char name[32];

	snprintf(name, sizeof(name), "o-%s", org);
	if (count(db, "SELECT COUNT(*) FROM orgs WHERE id = ?", org) == 0)
		assert_int_equal(hpcnet_store_org_create(db, org, name, name, "group", "usr_1"), 0);
	snprintf(name, sizeof(name), "p-%s", prj);
	assert_int_equal(hpcnet_store_project_create(db, prj, org, name, "", "usr_1"), 0);
}

static void assert_stored_matches(struct hpcnet_db *db)
{
	char *sum = one_text(db, STORED_SUM), *kept = one_text(db, STORED_KEPT);

	assert_string_equal(kept, sum);
	free(sum);
	free(kept);
}

/* Whatever statement changes a job, stored_bytes says what the sum over
 * the jobs table says, for users, projects and orgs, and which part each
 * pays for: 2,000 random changes of output, input, owner and project, jobs
 * inserted and deleted, some rolled back. */
static void test_stored_bytes_match_sum(void **state)
{
	static const char *orgs[] = { NULL, "org_a", "org_a", "org_b" };
	static const char *prjs[] = { NULL, "prj_a1", "prj_a2", "prj_b1" };
	static const char *users[] = { "usr_1", "usr_2" };
	struct fixture *f = *state;
	unsigned seed = 12;
	char id[16];
	int i, next = 8;

	seed_jobs(f->db);
	for (i = 1; i < 4; i++)
		add_org_project(f->db, orgs[i], prjs[i]);
	assert_stored_matches(f->db);
	for (i = 0; i < 2000; i++) {
		int k = rand_r(&seed) % (next - 1) + 1, op = rand_r(&seed) % 12, p;

		snprintf(id, sizeof(id), "job_%03d", k);
		if (k < 8)
			snprintf(id, sizeof(id), "job_%02d", k);
		if (op == 11)
			assert_int_equal(hpcnet_db_begin(f->db), 0);
		if (op < 4) {
			assert_true(hpcnet_db_exec(f->db, "UPDATE jobs SET stdout_bytes = stdout_bytes + ?"
						   " WHERE id = ?", "it", (int64_t)(rand_r(&seed) % 5000),
						   id) >= 0);
		} else if (op == 4) {
			assert_true(hpcnet_db_exec(f->db, "UPDATE jobs SET stderr_bytes = ?, input_bytes = ?"
						   " WHERE id = ?", "iit", (int64_t)(rand_r(&seed) % 3000),
						   (int64_t)(rand_r(&seed) % 100), id) >= 0);
		} else if (op == 5 || op == 6) {
			p = rand_r(&seed) % 4;
			assert_true(hpcnet_db_exec(f->db, "UPDATE jobs SET project_id = ?, org_id = ?"
						   " WHERE id = ?", "ttt", prjs[p], orgs[p], id) >= 0);
		} else if (op == 7) {
			assert_true(hpcnet_db_exec(f->db, "UPDATE jobs SET user_id = ?, stdout_bytes = ?"
						   " WHERE id = ?", "tit", users[rand_r(&seed) % 2],
						   (int64_t)(rand_r(&seed) % 700), id) >= 0);
		} else if (op == 8 || op == 9) {
			struct hpcnet_job_row j = {
				.id = id, .user_id = users[rand_r(&seed) % 2], .name = "j",
				.script = "echo", .env_json = "{}", .files_json = "[]", .cores = 1,
				.walltime_seconds = 60, .submitted_at = 3000 + i,
			};

			p = rand_r(&seed) % 4;
			j.project_id = prjs[p];
			j.org_id = orgs[p];
			snprintf(id, sizeof(id), "job_%03d", next++);
			assert_int_equal(hpcnet_store_job_insert(f->db, &j), 0);
		} else if (op == 10) {
			assert_true(hpcnet_db_exec(f->db, "DELETE FROM job_events WHERE job_id = ?", "t",
						   id) >= 0);
			assert_true(hpcnet_db_exec(f->db, "DELETE FROM jobs WHERE id = ?", "t", id) >= 0);
		} else {
			assert_true(hpcnet_db_exec(f->db, "UPDATE jobs SET stdout_bytes = 0, org_id = NULL,"
						   " project_id = NULL WHERE id = ?", "t", id) >= 0);
		}
		if (op == 11)
			hpcnet_db_rollback(f->db);
		assert_stored_matches(f->db);
	}
	assert_true(count(f->db, "SELECT COUNT(*) FROM stored_bytes WHERE scope_kind = 'org'"
			  " AND paid > 0", NULL) > 0);
	assert_true(count(f->db, "SELECT COUNT(*) FROM jobs", NULL) > 7);
}

/* A hub upgraded from v11: its storage days stay its users' (they paid
 * them), stored_bytes starts from the jobs, each user's metering goes on
 * from their last sweep and an org's starts at the next. */
static void test_migration_012_keeps_days_and_sums(void **state)
{
	struct fixture *f = *state;
	struct hpcnet_job_row j = { .id = "job_p1", .user_id = "usr_1", .name = "j", .script = "echo",
				    .env_json = "{}", .files_json = "[]", .cores = 1,
				    .walltime_seconds = 60, .submitted_at = 3000,
				    .project_id = "prj_a1", .org_id = "org_a" };

	seed_jobs(f->db);
	add_org_project(f->db, "org_a", "prj_a1");
	assert_int_equal(hpcnet_store_job_insert(f->db, &j), 0);
	assert_int_equal(hpcnet_db_exec(f->db, "UPDATE jobs SET stdout_bytes = 1000 WHERE id = ?",
					"t", "job_p1"), 1);
	assert_true(hpcnet_db_exec_script(f->db,
		"DROP TRIGGER stored_bytes_insert; DROP TRIGGER stored_bytes_grow;"
		" DROP TRIGGER stored_bytes_move; DROP TRIGGER stored_bytes_delete;"
		" DROP VIEW stored_bytes_job_delta; DROP VIEW stored_bytes_delta; DROP TABLE stored_bytes;"
		" DROP TABLE storage_days;"
		" CREATE TABLE storage_days (user_id TEXT NOT NULL REFERENCES users(id),"
		"  day TEXT NOT NULL, byte_seconds BIGINT NOT NULL DEFAULT 0, swept_at BIGINT NOT NULL,"
		"  amount BIGINT NOT NULL DEFAULT 0, final INTEGER NOT NULL DEFAULT 0,"
		"  PRIMARY KEY (user_id, day));"
		" CREATE INDEX storage_days_open ON storage_days(final, day);"
		" INSERT INTO storage_days VALUES ('usr_1', '2026-11-30', 500, 4000, 7, 1),"
		"  ('usr_1', '2026-12-01', 90, 5000, 0, 0), ('usr_2', '2026-12-01', 80, 4500, 0, 0);"
		" DELETE FROM schema_migrations WHERE version = 12") == 0);
	/* output shipped while the hub ran v11: no trigger saw it */
	assert_int_equal(hpcnet_db_exec(f->db, "UPDATE jobs SET stdout_bytes = 50 WHERE id = ?",
					"t", "job_02"), 1);

	assert_int_equal(reopen(f), 0);
	assert_stored_matches(f->db);
	assert_int_equal(count(f->db, "SELECT COUNT(*) FROM storage_days WHERE payer_kind = 'user'",
			       NULL), 3);
	assert_int_equal(count(f->db, "SELECT amount FROM storage_days WHERE payer_id = 'usr_1'"
			       " AND day = '2026-11-30' AND cost = 7 AND final = 1", NULL), 7);
	/* usr_1 goes on from their last sweep at their own share (not job_p1) */
	assert_int_equal(count(f->db, "SELECT metered_at FROM stored_bytes WHERE scope_kind = 'user'"
			       " AND scope_id = ? AND metered = paid", "usr_1"), 5000);
	assert_int_equal(count(f->db, "SELECT COUNT(*) FROM stored_bytes WHERE scope_kind = 'org'"
			       " AND scope_id = ? AND metered_at IS NULL AND paid > 1000", "org_a"), 1);
	/* and the triggers keep it from here on */
	assert_int_equal(hpcnet_db_exec(f->db, "UPDATE jobs SET stdout_bytes = 9 WHERE id = ?", "t",
					"job_p1"), 1);
	assert_stored_matches(f->db);
}

/* ---- idempotency ---- */

static void test_idempotency_keys(void **state)
{
	struct fixture *f = *state;
	json_t *k = NULL;

	seed_jobs(f->db);
	assert_int_equal(hpcnet_store_idem_get(f->db, "usr_1", "key-1", &k), 0);
	assert_null(k);
	assert_int_equal(hpcnet_store_idem_put(f->db, "usr_1", "key-1", "sha-a", "job_01", 1), 0);
	assert_int_equal(hpcnet_store_idem_get(f->db, "usr_1", "key-1", &k), 1);
	assert_string_equal(str(k, "body_sha256"), "sha-a");
	assert_string_equal(str(k, "job_id"), "job_01");
	json_decref(k);
	assert_int_equal(hpcnet_store_idem_put(f->db, "usr_1", "key-1", "sha-b", "job_02", 2),
			 HPCNET_EEXIST);
	/* Keys are per user. */
	assert_int_equal(hpcnet_store_idem_get(f->db, "usr_2", "key-1", &k), 0);
	assert_int_equal(hpcnet_store_idem_put(f->db, "usr_2", "key-1", "sha-c", "job_06", 3), 0);
	assert_int_equal(hpcnet_store_idem_get(f->db, "usr_1", "key-1", &k), 1);
	assert_string_equal(str(k, "job_id"), "job_01"); /* the first answer stands */
	json_decref(k);
}

/* ---- output ---- */

static int append(struct hpcnet_db *db, const char *stream, int64_t off, const char *data,
		  size_t len, int64_t *length)
{
	*length = -1;
	return hpcnet_store_output_append(db, "job_01", stream, off, data, len, length);
}

/* Reads into a fresh NUL-terminated string the caller frees. */
static char *read_out(struct hpcnet_db *db, const char *stream, int64_t off, size_t max,
		      int64_t *total, size_t *len)
{
	struct hpcnet_buf b = { 0 };

	assert_int_equal(hpcnet_store_output_read(db, "job_01", stream, off, max, &b, total), 0);
	*len = b.len;
	return b.data ? b.data : hpcnet_xstrdup("");
}

static void assert_read(struct hpcnet_db *db, const char *stream, int64_t off, size_t max,
			const char *want, int64_t want_total)
{
	int64_t total = -1;
	size_t len;
	char *got = read_out(db, stream, off, max, &total, &len);

	assert_int_equal(len, strlen(want));
	assert_string_equal(got, want);
	assert_int_equal(total, want_total);
	free(got);
}

static void test_output_append_semantics(void **state)
{
	struct fixture *f = *state;
	const char *chunks_sql = "SELECT COUNT(*) FROM job_output WHERE job_id = ?";
	struct hpcnet_buf b = { 0 };
	int64_t len, total;
	json_t *j;

	seed_jobs(f->db);
	assert_int_equal(append(f->db, "stdout", 0, "hello", 5, &len), 0);
	assert_int_equal(len, 5);
	/* Re-sent with more: only the tail " world" is added. */
	assert_int_equal(append(f->db, "stdout", 0, "hello world", 11, &len), 0);
	assert_int_equal(len, 11);
	assert_int_equal(count(f->db, chunks_sql, "job_01"), 2);
	assert_read(f->db, "stdout", 0, 100, "hello world", 11);
	/* Exact re-sends, whole or partial, change nothing. */
	assert_int_equal(append(f->db, "stdout", 0, "hello world", 11, &len), 0);
	assert_int_equal(len, 11);
	assert_int_equal(append(f->db, "stdout", 6, "world", 5, &len), 0);
	assert_int_equal(len, 11);
	assert_int_equal(append(f->db, "stdout", 11, "", 0, &len), 0);
	assert_int_equal(len, 11);
	assert_int_equal(count(f->db, chunks_sql, "job_01"), 2);
	assert_read(f->db, "stdout", 0, 100, "hello world", 11);
	/* A gap is refused with the length to resume from. */
	assert_int_equal(append(f->db, "stdout", 12, "!", 1, &len), HPCNET_ECONFLICT);
	assert_int_equal(len, 11);
	assert_int_equal(count(f->db, chunks_sql, "job_01"), 2);

	/* stderr is a separate stream. */
	assert_int_equal(append(f->db, "stderr", 1, "x", 1, &len), HPCNET_ECONFLICT);
	assert_int_equal(len, 0);
	assert_int_equal(append(f->db, "stderr", 0, "oops\n", 5, &len), 0);
	assert_int_equal(len, 5);
	j = get_job(f->db, "job_01");
	assert_int_equal(num(j, "stdout_bytes"), 11);
	assert_int_equal(num(j, "stderr_bytes"), 5);
	json_decref(j);

	/* Reads from any offset, across the chunk boundary at 5. */
	assert_read(f->db, "stdout", 3, 5, "lo wo", 11);
	assert_read(f->db, "stdout", 5, 100, " world", 11);
	assert_read(f->db, "stdout", 4, 1, "o", 11);
	assert_read(f->db, "stdout", 11, 100, "", 11);
	assert_read(f->db, "stdout", 50, 100, "", 11);
	assert_read(f->db, "stdout", 0, 0, "", 11);
	assert_read(f->db, "stderr", 2, 100, "ps\n", 5);

	assert_int_equal(append(f->db, "stdin", 0, "x", 1, &len), HPCNET_EINVAL);
	assert_int_equal(hpcnet_store_output_read(f->db, "job_01", "stdin", 0, 1, &b, &total),
			 HPCNET_EINVAL);
	assert_int_equal(hpcnet_store_output_append(f->db, "job_99", "stdout", 0, "x", 1, &len),
			 HPCNET_ENOTFOUND);
	assert_int_equal(hpcnet_store_output_read(f->db, "job_99", "stdout", 0, 1, &b, &total),
			 HPCNET_ENOTFOUND);
	hpcnet_buf_free(&b);
}

/* Binary output in uneven chunks, re-sent with overlaps the way an agent
 * retrying after lost answers would; every (offset, max) read must match. */
static void test_output_binary_reads_everywhere(void **state)
{
	struct fixture *f = *state;
	static const size_t sizes[] = { 1, 37, 100, 2, 64, 255, 13, 0, 90 };
	unsigned char want[600];
	size_t n = 0, i, off, m;
	int64_t len;

	seed_jobs(f->db);
	for (i = 0; i < sizeof(want); i++)
		want[i] = (unsigned char)(i * 7 + i / 256); /* includes NULs */
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t back = n >= 5 ? 5 : n; /* re-send the last few bytes too */

		assert_int_equal(append(f->db, "stdout", (int64_t)(n - back), (const char *)want + n - back,
					back + sizes[i], &len), 0);
		n += sizes[i];
		assert_int_equal(len, n);
	}
	for (off = 0; off <= n; off++) {
		static const size_t maxes[] = { 1, 3, 64, 1000 };

		for (m = 0; m < sizeof(maxes) / sizeof(maxes[0]); m++) {
			size_t expect = n - off < maxes[m] ? n - off : maxes[m], got_len;
			int64_t total;
			char *got = read_out(f->db, "stdout", (int64_t)off, maxes[m], &total, &got_len);

			assert_int_equal(total, n);
			assert_int_equal(got_len, expect);
			if (expect)
				assert_memory_equal(got, want + off, expect);
			free(got);
		}
	}
}

/* ---- transactions ---- */

static void test_rollback_leaves_nothing(void **state)
{
	struct fixture *f = *state;
	struct hpcnet_db *other;
	json_t *u = NULL;

	assert_int_equal(hpcnet_db_begin(f->db), 0);
	add_user(f->db, "usr_1", "alice");
	add_center(f->db, "ctr_a", "alpha");
	add_job(f->db, "job_01", "usr_1", NULL, 1, GIB, 0, 1);
	/* Visible inside the transaction... */
	assert_int_equal(hpcnet_store_user_by_name(f->db, "alice", &u), 0);
	json_decref(u);
	hpcnet_db_rollback(f->db);
	/* ...and gone, every table, after the rollback. */
	assert_int_equal(hpcnet_store_user_by_name(f->db, "alice", &u), HPCNET_ENOTFOUND);
	assert_int_equal(count(f->db, "SELECT COUNT(*) FROM jobs", NULL), 0);
	assert_int_equal(count(f->db, "SELECT COUNT(*) FROM job_events", NULL), 0);
	assert_int_equal(count(f->db, "SELECT COUNT(*) FROM centers", NULL), 0);

	/* A borrower that forgets its transaction: release rolls it back, and
	 * the connection comes back usable. */
	other = hpcnet_store_acquire(f->store);
	assert_int_equal(hpcnet_db_begin(other), 0);
	add_user(other, "usr_2", "ghost");
	hpcnet_store_release(f->store, other);
	assert_int_equal(hpcnet_store_user_by_name(f->db, "ghost", &u), HPCNET_ENOTFOUND);
	other = hpcnet_store_acquire(f->store);
	assert_int_equal(hpcnet_db_begin(other), 0);
	add_user(other, "usr_3", "kept");
	assert_int_equal(hpcnet_db_commit(other), 0);
	hpcnet_store_release(f->store, other);
	/* Committed on one connection, seen from another. */
	assert_int_equal(hpcnet_store_user_by_name(f->db, "kept", &u), 0);
	json_decref(u);
}

#define WRITERS 2
#define WRITES 200

struct writer {
	struct hpcnet_store *store;
	int n;
	int failures;
};

/* Read-then-write inside each transaction: the pattern that deadlocks
 * when BEGIN takes only a read lock and two writers both try to upgrade. */
static void *writer_main(void *arg)
{
	struct writer *w = arg;
	struct hpcnet_db *db = hpcnet_store_acquire(w->store);
	int i;

	for (i = 0; i < WRITES; i++) {
		char id[32], name[32];
		int64_t users = 0;

		snprintf(id, sizeof(id), "usr_%d_%d", w->n, i);
		snprintf(name, sizeof(name), "w%d-%d", w->n, i);
		if (hpcnet_db_begin(db) != 0 ||
		    hpcnet_db_get_int(db, &users, "SELECT COUNT(*) FROM users", NULL) != 1 ||
		    hpcnet_store_user_create(db, id, name, "h", "user") != 0 ||
		    hpcnet_db_commit(db) != 0) {
			hpcnet_db_rollback(db);
			w->failures++;
		}
	}
	hpcnet_store_release(w->store, db);
	return NULL;
}

static void test_two_writers_from_the_pool(void **state)
{
	struct fixture *f = *state;
	struct writer w[WRITERS];
	pthread_t t[WRITERS];
	int i;

	for (i = 0; i < WRITERS; i++) {
		w[i] = (struct writer){ .store = f->store, .n = i };
		assert_int_equal(pthread_create(&t[i], NULL, writer_main, &w[i]), 0);
	}
	for (i = 0; i < WRITERS; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(w[i].failures, 0);
	}
	assert_int_equal(count(f->db, "SELECT COUNT(*) FROM users", NULL), WRITERS * WRITES);
	assert_int_equal(count(f->db, "SELECT COUNT(*) FROM users WHERE name LIKE 'w1-%'", NULL),
			 WRITES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_migrates_once_and_keeps_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_migration_applied, setup, teardown),
		cmocka_unit_test_setup_teardown(test_users, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sessions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
		cmocka_unit_test_setup_teardown(test_center_create_get_join, setup, teardown),
		cmocka_unit_test_setup_teardown(test_center_heartbeat_and_expire, setup, teardown),
		cmocka_unit_test_setup_teardown(test_job_insert_get_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_job_inserted_is_what_get_reads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_job_list_pages_and_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_job_queued_oldest_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dispatch_and_set_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_apply_report_keeps_absent_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_orders_and_cancels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_job_load_per_center, setup, teardown),
		cmocka_unit_test_setup_teardown(test_center_load_matches_sum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migration_011_keeps_events_and_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stored_bytes_match_sum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migration_012_keeps_days_and_sums, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idempotency_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_append_semantics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_binary_reads_everywhere, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_writers_from_the_pool, setup, teardown),
	};

	/* Some cases provoke store errors on purpose; keep the output clean. */
	hpcnet_log_init("test_store", (enum hpcnet_log_level)(HPCNET_LOG_ERROR + 1));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
