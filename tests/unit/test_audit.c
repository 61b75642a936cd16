/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The audit chain (hub/store/audit_store.c) on a real SQLite store: rows
 * link by hash, the hash covers every field, and verify names the first
 * row that was edited, deleted, inserted or replaced behind the hub's back.
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
#include "common/xalloc.h"
#include "hub/store/db.h"
#include "hub/store/store.h"

struct fixture {
	char dir[64];
	struct hpcnet_store *store;
	struct hpcnet_db *db;
};

static int setup(void **state)
{
	struct fixture *f = hpcnet_xcalloc(1, sizeof(*f));

	tmpstore_open(f->dir, sizeof(f->dir), "audit", &f->store, &f->db);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	tmpstore_close(f->dir, f->store, f->db);
	free(f);
	return 0;
}

static struct hpcnet_audit_row row_of(int i)
{
	static char ids[64][32];

	snprintf(ids[i % 64], sizeof(ids[0]), "job_%04d", i);
	return (struct hpcnet_audit_row){
		.at = 1764576000000LL + i, .actor_type = "user", .actor_id = "usr_1",
		.actor_name = "ann", .source_ip = "127.0.0.1", .method = "POST",
		.route = "/api/v1/jobs/{id}/cancel", .object_type = "jobs",
		.object_id = ids[i % 64], .status = 200,
	};
}

/* Appends n rows, each in its own transaction as the writer would. */
static void append(struct fixture *f, int from, int n)
{
	int i;

	for (i = from; i < from + n; i++) {
		struct hpcnet_audit_row r = row_of(i);

		assert_int_equal(hpcnet_db_begin(f->db), 0);
		assert_int_equal(hpcnet_store_audit_append(f->db, &r), 0);
		assert_int_equal(hpcnet_db_commit(f->db), 0);
		assert_int_equal(r.seq, i + 1);
	}
}

static int64_t verify(struct fixture *f, int64_t *checked, char *why)
{
	int64_t bad = -1;

	why[0] = '\0';
	assert_true(hpcnet_store_audit_verify(f->db, checked, &bad, why, 200) >= 0);
	return bad;
}

static void exec(struct fixture *f, const char *sql)
{
	assert_true(hpcnet_db_exec(f->db, sql, NULL) >= 0);
}

static void test_chain_links_and_verifies(void **state)
{
	struct fixture *f = *state;
	struct hpcnet_audit_row a = row_of(0), b = row_of(1);
	char why[200];
	int64_t checked;

	assert_int_equal(verify(f, &checked, why), 0); /* empty: intact */
	assert_int_equal(checked, 0);
	assert_int_equal(hpcnet_db_begin(f->db), 0);
	assert_int_equal(hpcnet_store_audit_append(f->db, &a), 0);
	assert_int_equal(hpcnet_store_audit_append(f->db, &b), 0);
	assert_int_equal(hpcnet_db_commit(f->db), 0);
	assert_int_equal(a.seq, 1);
	assert_int_equal(b.seq, 2);
	assert_string_equal(a.prev_hash, "0000000000000000000000000000000000000000000000000000000000000000");
	assert_string_equal(b.prev_hash, a.hash);
	assert_int_equal(strlen(a.hash), 64);
	append(f, 2, 40);
	assert_int_equal(verify(f, &checked, why), 0);
	assert_int_equal(checked, 42);
}

static void test_hash_covers_every_field(void **state)
{
	struct hpcnet_audit_row base = row_of(7), r;
	char h0[65], h[65];
	int k;

	(void)state;
	snprintf(base.prev_hash, sizeof(base.prev_hash), "%064d", 0);
	base.seq = 8;
	hpcnet_audit_hash(&base, h0);
	hpcnet_audit_hash(&base, h);
	assert_string_equal(h0, h); /* deterministic */
	for (k = 0; k < 12; k++) {
		r = base;
		switch (k) {
		case 0: r.seq = 9; break;
		case 1: r.at++; break;
		case 2: r.actor_type = "agent"; break;
		case 3: r.actor_id = "usr_2"; break;
		case 4: r.actor_name = "bob"; break;
		case 5: r.source_ip = "10.0.0.1"; break;
		case 6: r.method = "DELETE"; break;
		case 7: r.route = "/api/v1/jobs"; break;
		case 8: r.object_type = "orgs"; break;
		case 9: r.object_id = "job_9999"; break;
		case 10: r.status = 403; break;
		case 11: r.prev_hash[0] = '1'; break;
		}
		hpcnet_audit_hash(&r, h);
		if (strcmp(h, h0) == 0)
			fail_msg("field %d is not covered by the hash", k);
	}
	/* no field can pose as two: moving text between neighbours changes it */
	r = base;
	r.actor_id = "usr_1ann";
	r.actor_name = "";
	hpcnet_audit_hash(&r, h);
	assert_string_not_equal(h, h0);
}

static void test_edit_is_named(void **state)
{
	struct fixture *f = *state;
	char why[200];
	int64_t checked;

	append(f, 0, 10);
	exec(f, "UPDATE audit_log SET status = 201 WHERE seq = 6");
	assert_int_equal(verify(f, &checked, why), 6);
	assert_int_equal(checked, 5);
	assert_non_null(strstr(why, "row 6 was edited"));
}

static void test_delete_is_named(void **state)
{
	struct fixture *f = *state;
	char why[200];
	int64_t checked;

	append(f, 0, 10);
	exec(f, "DELETE FROM audit_log WHERE seq = 4");
	assert_int_equal(verify(f, &checked, why), 4);
	assert_non_null(strstr(why, "row 4 is missing"));
	/* an edit before the deletion is the first bad one */
	exec(f, "UPDATE audit_log SET actor_name = 'eve' WHERE seq = 2");
	assert_int_equal(verify(f, &checked, why), 2);
}

static void test_first_row_deleted_or_replaced(void **state)
{
	struct fixture *f = *state;
	char why[200];
	int64_t checked;

	append(f, 0, 5);
	exec(f, "DELETE FROM audit_log WHERE seq = 1");
	assert_int_equal(verify(f, &checked, why), 1);
	/* a forged row 1 with a self-consistent hash still breaks row 2's link */
	exec(f, "INSERT INTO audit_log SELECT 1, at, actor_type, actor_id, 'mallory', source_ip,"
		" method, route, object_type, object_id, status, prev_hash, hash FROM audit_log"
		" WHERE seq = 2");
	assert_int_equal(verify(f, &checked, why), 1);
	assert_non_null(strstr(why, "prev_hash"));
}

static void test_rehashed_edit_breaks_the_next_link(void **state)
{
	struct fixture *f = *state;
	struct hpcnet_audit_row r = row_of(2);
	char why[200], sql[512];
	int64_t checked;

	append(f, 0, 6);
	/* the attacker edits row 3 and recomputes its own hash correctly */
	r.seq = 3;
	r.status = 500;
	{
		json_t *prev = NULL;

		assert_int_equal(hpcnet_db_get_json(f->db, &prev, "SELECT prev_hash FROM audit_log"
						    " WHERE seq = 3", NULL), 1);
		snprintf(r.prev_hash, sizeof(r.prev_hash), "%s",
			 json_string_value(json_object_get(prev, "prev_hash")));
		json_decref(prev);
	}
	hpcnet_audit_hash(&r, r.hash);
	snprintf(sql, sizeof(sql), "UPDATE audit_log SET status = 500, hash = '%s' WHERE seq = 3",
		 r.hash);
	exec(f, sql);
	assert_int_equal(verify(f, &checked, why), 4);
	assert_non_null(strstr(why, "prev_hash"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_chain_links_and_verifies, setup, teardown),
		cmocka_unit_test(test_hash_covers_every_field),
		cmocka_unit_test_setup_teardown(test_edit_is_named, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_is_named, setup, teardown),
		cmocka_unit_test_setup_teardown(test_first_row_deleted_or_replaced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rehashed_edit_breaks_the_next_link, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
