/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The agent journal (agent/journal.c): the write-ahead rules the agent's
 * crash safety rests on. Each test works on a fresh file in a temp dir and
 * most reopen it, because surviving a restart is the journal's whole job.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "agent/journal.h"
#include "common/fsutil.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "hpcnet/error.h"

struct fixture {
	char dir[64];
	char *path;
	struct hpcnet_journal *j;
};

static int setup(void **state)
{
	struct fixture *f = hpcnet_xcalloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/hpcnet-test-journal-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->path = hpcnet_xasprintf("%s/agent.db", f->dir);
	assert_int_equal(hpcnet_journal_open(f->path, &f->j), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	hpcnet_journal_close(f->j);
	hpcnet_fs_remove_tree(f->dir);
	free(f->path);
	free(f);
	return 0;
}

static void reopen(struct fixture *f)
{
	hpcnet_journal_close(f->j);
	f->j = NULL;
	assert_int_equal(hpcnet_journal_open(f->path, &f->j), 0);
}

static void get(struct fixture *f, const char *id, struct hpcnet_journal_job *job)
{
	assert_int_equal(hpcnet_journal_get(f->j, id, job), 0);
}

static void test_file_mode_and_schema(void **state)
{
	struct fixture *f = *state;
	struct stat sb;

	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600); /* it will hold the agent token */
	reopen(f); /* an existing file at the current version opens as is */
}

static void test_order_insert_and_duplicate(void **state)
{
	struct fixture *f = *state;
	struct hpcnet_journal_job job;

	assert_int_equal(hpcnet_journal_order_add(f->j, "job_A", "{\"job_id\":\"job_A\"}"), 0);
	/* The hub re-sends orders until the job is reported: a no-op. */
	assert_int_equal(hpcnet_journal_order_add(f->j, "job_A", "{\"other\":1}"), HPCNET_EEXIST);
	get(f, "job_A", &job);
	assert_string_equal(job.order_json, "{\"job_id\":\"job_A\"}");
	assert_int_equal(job.phase, HPCNET_JP_RECEIVED);
	assert_string_equal(job.state, "");
	assert_int_equal(job.seq, 0); /* nothing to report before the adapter has it */
	hpcnet_journal_job_clear(&job);
	assert_int_equal(hpcnet_journal_get(f->j, "job_missing", &job), HPCNET_ENOTFOUND);

	/* Even a done job keeps its row so a late order cannot start it again. */
	assert_int_equal(hpcnet_journal_set_phase(f->j, "job_A", HPCNET_JP_DONE), 0);
	reopen(f);
	assert_int_equal(hpcnet_journal_order_add(f->j, "job_A", "{}"), HPCNET_EEXIST);
	get(f, "job_A", &job);
	assert_int_equal(job.phase, HPCNET_JP_DONE);
	assert_true(job.done_ms > 0);
	hpcnet_journal_job_clear(&job);
}

static void test_state_changes_and_acks(void **state)
{
	struct fixture *f = *state;
	struct hpcnet_journal_job job, obs;

	assert_int_equal(hpcnet_journal_order_add(f->j, "job_B", "{}"), 0);
	assert_int_equal(hpcnet_journal_set_phase(f->j, "job_B", HPCNET_JP_SUBMITTING), 0);
	assert_int_equal(hpcnet_journal_submitted(f->j, "job_B", "ref-42"), 0);
	get(f, "job_B", &job);
	assert_int_equal(job.phase, HPCNET_JP_SUBMITTED);
	assert_string_equal(job.ref, "ref-42");
	assert_string_equal(job.state, "pending");
	assert_int_equal(job.seq, 1);
	assert_int_equal(job.acked_seq, 0); /* pending is there to report */

	/* The hub acknowledges seq 1. */
	assert_int_equal(hpcnet_journal_ack(f->j, "job_B", 1), 0);
	hpcnet_journal_job_clear(&job);
	get(f, "job_B", &job);
	assert_int_equal(job.acked_seq, 1);

	/* Same state observed again: stored, but not a change to report. */
	obs = job;
	obs.order_json = NULL;
	snprintf(obs.reason, sizeof(obs.reason), "waiting for cores");
	assert_int_equal(hpcnet_journal_record(f->j, &obs), 0);
	hpcnet_journal_job_clear(&job);
	get(f, "job_B", &job);
	assert_int_equal(job.seq, 1);
	assert_string_equal(job.reason, "waiting for cores");

	/* running, then succeeded before the hub heard of running. */
	snprintf(obs.state, sizeof(obs.state), "running");
	obs.started_ms = 1000;
	snprintf(obs.stdout_path, sizeof(obs.stdout_path), "/x/stdout");
	assert_int_equal(hpcnet_journal_record(f->j, &obs), 0);
	snprintf(obs.state, sizeof(obs.state), "succeeded");
	obs.ended_ms = 2000;
	obs.exit_code = 0;
	obs.cpu_seconds = 1.5;
	obs.max_rss_bytes = 4096;
	assert_int_equal(hpcnet_journal_record(f->j, &obs), 0);
	hpcnet_journal_job_clear(&job);
	reopen(f);
	get(f, "job_B", &job);
	assert_int_equal(job.seq, 3);
	assert_int_equal(job.acked_seq, 1);
	assert_int_equal(job.phase, HPCNET_JP_FINISHED); /* a final state finishes the row */
	assert_string_equal(job.state, "succeeded");
	assert_int_equal(job.started_ms, 1000);
	assert_int_equal(job.ended_ms, 2000);
	assert_true(job.cpu_seconds > 1.4 && job.cpu_seconds < 1.6);
	assert_int_equal(job.max_rss_bytes, 4096);
	assert_string_equal(job.stdout_path, "/x/stdout");

	/* A late ack of an older report never moves acked_seq back, and an
	 * ack can never claim more than was observed. */
	assert_int_equal(hpcnet_journal_ack(f->j, "job_B", 3), 0);
	assert_int_equal(hpcnet_journal_ack(f->j, "job_B", 2), 0);
	assert_int_equal(hpcnet_journal_ack(f->j, "job_B", 99), 0);
	hpcnet_journal_job_clear(&job);
	get(f, "job_B", &job);
	assert_int_equal(job.acked_seq, 3);
	hpcnet_journal_job_clear(&job);
	assert_int_equal(hpcnet_journal_ack(f->j, "job_nope", 1), HPCNET_ENOTFOUND);
}

static void test_rereport(void **state)
{
	struct fixture *f = *state;
	struct hpcnet_journal_job job;

	/* A job whose final report the hub acknowledged and then forgot. */
	assert_int_equal(hpcnet_journal_order_add(f->j, "job_R", "{}"), 0);
	assert_int_equal(hpcnet_journal_submitted(f->j, "job_R", "r"), 0);
	get(f, "job_R", &job);
	snprintf(job.state, sizeof(job.state), "failed");
	assert_int_equal(hpcnet_journal_record(f->j, &job), 0);
	hpcnet_journal_job_clear(&job);
	assert_int_equal(hpcnet_journal_ack(f->j, "job_R", 2), 0);
	assert_int_equal(hpcnet_journal_set_phase(f->j, "job_R", HPCNET_JP_DONE), 0);

	assert_int_equal(hpcnet_journal_rereport(f->j, "job_R"), 0);
	get(f, "job_R", &job);
	assert_int_equal(job.phase, HPCNET_JP_FINISHED); /* back in the active set */
	assert_int_equal(job.seq, 2);
	assert_int_equal(job.acked_seq, 1); /* the final state is to report again */
	assert_string_equal(job.state, "failed");
	hpcnet_journal_job_clear(&job);
}

static void test_active_list_and_cancel(void **state)
{
	struct fixture *f = *state;
	struct hpcnet_journal_job *jobs, job;
	size_t n;

	assert_int_equal(hpcnet_journal_order_add(f->j, "job_1", "{}"), 0);
	assert_int_equal(hpcnet_journal_order_add(f->j, "job_2", "{}"), 0);
	assert_int_equal(hpcnet_journal_set_phase(f->j, "job_2", HPCNET_JP_DONE), 0);
	/* A cancel for a job never ordered is journaled as cancelled, to report. */
	assert_int_equal(hpcnet_journal_add_final(f->j, "job_3", "cancelled", "cancelled early"), 0);
	assert_int_equal(hpcnet_journal_add_final(f->j, "job_3", "cancelled", "x"), HPCNET_EEXIST);
	assert_int_equal(hpcnet_journal_add_final(f->j, "job_1", "cancelled", "x"), HPCNET_EEXIST);
	/* ... and the late order for it is a no-op. */
	assert_int_equal(hpcnet_journal_order_add(f->j, "job_3", "{}"), HPCNET_EEXIST);

	assert_int_equal(hpcnet_journal_active(f->j, &jobs, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(jobs[0].job_id, "job_1");
	assert_string_equal(jobs[1].job_id, "job_3");
	assert_null(jobs[1].order_json);
	assert_int_equal(jobs[1].phase, HPCNET_JP_FINISHED);
	assert_string_equal(jobs[1].state, "cancelled");
	assert_string_equal(jobs[1].reason, "cancelled early");
	assert_true(jobs[1].seq > jobs[1].acked_seq);
	hpcnet_journal_jobs_free(jobs, n);

	assert_int_equal(hpcnet_journal_set_cancel(f->j, "job_1", HPCNET_JC_REQUESTED), 0);
	reopen(f);
	get(f, "job_1", &job);
	assert_int_equal(job.cancel, HPCNET_JC_REQUESTED);
	hpcnet_journal_job_clear(&job);
}

static void test_recall_and_renew(void **state)
{
	struct fixture *f = *state;
	struct hpcnet_journal_job job;

	/* A recall of a job never seen: given back at once, to report. */
	assert_int_equal(hpcnet_journal_add_final(f->j, "job_G", "recalled", "never here"), 0);
	get(f, "job_G", &job);
	assert_int_equal(job.phase, HPCNET_JP_FINISHED);
	assert_true(hpcnet_journal_state_final(job.state));
	hpcnet_journal_job_clear(&job);
	/* Not renewable before the hub acknowledged it and the row is done. */
	assert_int_equal(hpcnet_journal_order_renew(f->j, "job_G", "{\"n\":2}"), HPCNET_EEXIST);
	assert_int_equal(hpcnet_journal_ack(f->j, "job_G", 1), 0);
	assert_int_equal(hpcnet_journal_set_phase(f->j, "job_G", HPCNET_JP_DONE), 0);
	/* Placed here again later: a fresh order on the same row. */
	assert_int_equal(hpcnet_journal_order_renew(f->j, "job_G", "{\"n\":2}"), 0);
	reopen(f);
	get(f, "job_G", &job);
	assert_int_equal(job.phase, HPCNET_JP_RECEIVED);
	assert_string_equal(job.order_json, "{\"n\":2}");
	assert_string_equal(job.state, "");
	assert_int_equal(job.seq, 0);
	assert_int_equal(job.acked_seq, 0);
	assert_int_equal(job.done_ms, 0);
	hpcnet_journal_job_clear(&job);

	/* A done job that finished any other way is never renewed. */
	assert_int_equal(hpcnet_journal_add_final(f->j, "job_C", "cancelled", "x"), 0);
	assert_int_equal(hpcnet_journal_set_phase(f->j, "job_C", HPCNET_JP_DONE), 0);
	assert_int_equal(hpcnet_journal_order_renew(f->j, "job_C", "{}"), HPCNET_EEXIST);

	assert_int_equal(hpcnet_journal_order_add(f->j, "job_H", "{}"), 0);
	assert_int_equal(hpcnet_journal_set_recall(f->j, "job_H", HPCNET_JR_REQUESTED), 0);
	reopen(f);
	get(f, "job_H", &job);
	assert_int_equal(job.recall, HPCNET_JR_REQUESTED);
	hpcnet_journal_job_clear(&job);
}

static void test_control(void **state)
{
	struct fixture *f = *state;
	struct hpcnet_journal_job job;

	assert_int_equal(hpcnet_journal_order_add(f->j, "job_K", "{}"), 0);
	assert_int_equal(hpcnet_journal_submitted(f->j, "job_K", "r"), 0);
	assert_int_equal(hpcnet_journal_ack(f->j, "job_K", 1), 0);
	/* A result without a request is refused: results come from the adapter. */
	assert_int_equal(hpcnet_journal_control_result(f->j, "job_K", NULL), HPCNET_ENOTFOUND);
	assert_int_equal(hpcnet_journal_control_request(f->j, "job_K", "hold"), 0);
	reopen(f);
	get(f, "job_K", &job);
	assert_string_equal(job.control, "hold");
	assert_int_equal(job.control_state, HPCNET_JCTL_REQUESTED);
	assert_int_equal(job.seq, 1); /* nothing to report yet */
	hpcnet_journal_job_clear(&job);

	/* The adapter held it: a change to report, carrying the result. */
	assert_int_equal(hpcnet_journal_control_result(f->j, "job_K", NULL), 0);
	get(f, "job_K", &job);
	assert_int_equal(job.control_state, HPCNET_JCTL_DONE);
	assert_int_equal(job.seq, 2);
	assert_int_equal(job.control_seq, 2);
	hpcnet_journal_job_clear(&job);
	/* An ack of an older report leaves it; the ack of seq 2 clears it. */
	assert_int_equal(hpcnet_journal_ack(f->j, "job_K", 1), 0);
	get(f, "job_K", &job);
	assert_int_equal(job.control_state, HPCNET_JCTL_DONE);
	hpcnet_journal_job_clear(&job);
	assert_int_equal(hpcnet_journal_ack(f->j, "job_K", 2), 0);
	get(f, "job_K", &job);
	assert_int_equal(job.control_state, HPCNET_JCTL_NONE);
	assert_true(job.control_acked_ms > 0);
	assert_string_equal(job.control, "hold"); /* kept: tells a stale re-send apart */
	hpcnet_journal_job_clear(&job);

	/* A failure carries its reason. */
	assert_int_equal(hpcnet_journal_control_request(f->j, "job_K", "suspend"), 0);
	assert_int_equal(hpcnet_journal_control_result(f->j, "job_K", "cannot suspend"), 0);
	get(f, "job_K", &job);
	assert_int_equal(job.control_state, HPCNET_JCTL_FAILED);
	assert_string_equal(job.control_error, "cannot suspend");
	hpcnet_journal_job_clear(&job);
}

static void test_upgrade_from_v1(void **state)
{
	struct fixture *f = *state;
	static const char *const v2_cols[] = { "recall", "control", "control_state",
					       "control_error", "control_seq",
					       "control_acked_ms", "gpu_seconds" };
	struct hpcnet_journal_job job;
	sqlite3 *db;
	size_t i;

	/* Turn the fresh file into a version 1 file with a job in it. */
	assert_int_equal(hpcnet_journal_order_add(f->j, "job_V", "{\"v\":1}"), 0);
	assert_int_equal(hpcnet_journal_submitted(f->j, "job_V", "r1"), 0);
	hpcnet_journal_close(f->j);
	f->j = NULL;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	for (i = 0; i < sizeof(v2_cols) / sizeof(v2_cols[0]); i++) {
		char *sql = hpcnet_xasprintf("ALTER TABLE jobs DROP COLUMN %s", v2_cols[i]);

		assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
		free(sql);
	}
	assert_int_equal(sqlite3_exec(db, "DROP TABLE join_secret", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 1", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	/* Opening it upgrades in place and keeps the job. */
	assert_int_equal(hpcnet_journal_open(f->path, &f->j), 0);
	get(f, "job_V", &job);
	assert_string_equal(job.order_json, "{\"v\":1}");
	assert_string_equal(job.ref, "r1");
	assert_int_equal(job.phase, HPCNET_JP_SUBMITTED);
	assert_int_equal(job.recall, HPCNET_JR_NONE);
	assert_int_equal(job.control_state, HPCNET_JCTL_NONE);
	hpcnet_journal_job_clear(&job);
	assert_int_equal(hpcnet_journal_control_request(f->j, "job_V", "hold"), 0);
}

static void test_output_offsets(void **state)
{
	struct fixture *f = *state;
	struct hpcnet_journal_job job;

	assert_int_equal(hpcnet_journal_order_add(f->j, "job_O", "{}"), 0);
	assert_int_equal(hpcnet_journal_output_acked(f->j, "job_O", HPCNET_JS_STDOUT, 1048576), 0);
	assert_int_equal(hpcnet_journal_output_acked(f->j, "job_O", HPCNET_JS_STDERR, 17), 0);
	reopen(f);
	get(f, "job_O", &job);
	assert_int_equal(job.out_acked[HPCNET_JS_STDOUT], 1048576);
	assert_int_equal(job.out_acked[HPCNET_JS_STDERR], 17);
	hpcnet_journal_job_clear(&job);
	assert_int_equal(hpcnet_journal_output_acked(f->j, "job_X", HPCNET_JS_STDOUT, 1),
			 HPCNET_ENOTFOUND);
}

static void test_credential(void **state)
{
	struct fixture *f = *state;
	struct hpcnet_journal_cred c = { 0 }, got;

	assert_int_equal(hpcnet_journal_cred_load(f->j, &got), HPCNET_ENOTFOUND);
	snprintf(c.hub_url, sizeof(c.hub_url), "http://127.0.0.1:8080");
	snprintf(c.center_id, sizeof(c.center_id), "ctr_01");
	snprintf(c.center_name, sizeof(c.center_name), "alpha");
	snprintf(c.agent_token, sizeof(c.agent_token), "hpca_secret");
	snprintf(c.adapter, sizeof(c.adapter), "local");
	assert_int_equal(hpcnet_journal_cred_save(f->j, &c), 0);
	reopen(f);
	assert_int_equal(hpcnet_journal_cred_load(f->j, &got), 0);
	assert_string_equal(got.hub_url, c.hub_url);
	assert_string_equal(got.center_id, "ctr_01");
	assert_string_equal(got.center_name, "alpha");
	assert_string_equal(got.agent_token, "hpca_secret");
	assert_string_equal(got.adapter, "local");

	/* Saving again replaces (a moved hub URL, a re-join). */
	snprintf(c.hub_url, sizeof(c.hub_url), "https://hub.example");
	assert_int_equal(hpcnet_journal_cred_save(f->j, &c), 0);
	assert_int_equal(hpcnet_journal_cred_load(f->j, &got), 0);
	assert_string_equal(got.hub_url, "https://hub.example");

	assert_int_equal(hpcnet_journal_cred_forget(f->j), 0);
	assert_int_equal(hpcnet_journal_cred_load(f->j, &got), HPCNET_ENOTFOUND);
}

/* The secret made before a join survives a restart, is tied to its join
 * token, and is gone once the credential is saved. */
static void test_join_secret(void **state)
{
	struct fixture *f = *state;
	struct hpcnet_journal_cred c = { 0 };
	char s1[128], s2[128], s3[128];

	assert_int_equal(hpcnet_journal_join_secret(f->j, "hpcj_one", s1, sizeof(s1)), 0);
	assert_true(strncmp(s1, "hpca_", 5) == 0 && strlen(s1) > 30);
	reopen(f); /* the agent was killed after the hub's answer */
	assert_int_equal(hpcnet_journal_join_secret(f->j, "hpcj_one", s2, sizeof(s2)), 0);
	assert_string_equal(s1, s2);
	/* another join token: a fresh secret */
	assert_int_equal(hpcnet_journal_join_secret(f->j, "hpcj_two", s3, sizeof(s3)), 0);
	assert_string_not_equal(s3, s1);
	snprintf(c.hub_url, sizeof(c.hub_url), "http://127.0.0.1:8080");
	snprintf(c.center_id, sizeof(c.center_id), "ctr_01");
	snprintf(c.agent_token, sizeof(c.agent_token), "%s", s3);
	assert_int_equal(hpcnet_journal_cred_save(f->j, &c), 0);
	assert_int_equal(hpcnet_journal_join_secret(f->j, "hpcj_two", s2, sizeof(s2)), 0);
	assert_string_not_equal(s2, s3);
}

static void test_transaction_rollback(void **state)
{
	struct fixture *f = *state;
	struct hpcnet_journal_job job;

	assert_int_equal(hpcnet_journal_begin(f->j), 0);
	assert_int_equal(hpcnet_journal_order_add(f->j, "job_T1", "{}"), 0);
	hpcnet_journal_rollback(f->j);
	assert_int_equal(hpcnet_journal_get(f->j, "job_T1", &job), HPCNET_ENOTFOUND);

	assert_int_equal(hpcnet_journal_begin(f->j), 0);
	assert_int_equal(hpcnet_journal_order_add(f->j, "job_T2", "{}"), 0);
	assert_int_equal(hpcnet_journal_set_phase(f->j, "job_T2", HPCNET_JP_SUBMITTING), 0);
	assert_int_equal(hpcnet_journal_commit(f->j), 0);
	reopen(f);
	get(f, "job_T2", &job);
	assert_int_equal(job.phase, HPCNET_JP_SUBMITTING);
	hpcnet_journal_job_clear(&job);
}

static void test_prune(void **state)
{
	struct fixture *f = *state;
	struct hpcnet_journal_job job;
	int n;

	assert_int_equal(hpcnet_journal_order_add(f->j, "job_P1", "{}"), 0);
	assert_int_equal(hpcnet_journal_order_add(f->j, "job_P2", "{}"), 0);
	assert_int_equal(hpcnet_journal_set_phase(f->j, "job_P1", HPCNET_JP_DONE), 0);
	/* Nothing is older than a cutoff in the past. */
	assert_int_equal(hpcnet_journal_prune(f->j, 1, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(hpcnet_journal_prune(f->j, INT64_MAX, &n), 0);
	assert_int_equal(n, 1); /* only the done row; active rows are never pruned */
	assert_int_equal(hpcnet_journal_get(f->j, "job_P1", &job), HPCNET_ENOTFOUND);
	get(f, "job_P2", &job);
	hpcnet_journal_job_clear(&job);
}

static void test_newer_schema_refused(void **state)
{
	struct fixture *f = *state;
	struct hpcnet_journal *j2 = NULL;
	sqlite3 *db;

	/* A file from a newer hpcnet must be refused, not misread. */
	hpcnet_journal_close(f->j);
	f->j = NULL;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(hpcnet_journal_open(f->path, &j2), HPCNET_ECONFLICT);
	assert_null(j2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_file_mode_and_schema, setup, teardown),
		cmocka_unit_test_setup_teardown(test_order_insert_and_duplicate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_changes_and_acks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rereport, setup, teardown),
		cmocka_unit_test_setup_teardown(test_active_list_and_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recall_and_renew, setup, teardown),
		cmocka_unit_test_setup_teardown(test_control, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upgrade_from_v1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_offsets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_credential, setup, teardown),
		cmocka_unit_test_setup_teardown(test_join_secret, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transaction_rollback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
	};

	/* The refused-schema case logs an error by design; keep the output clean. */
	hpcnet_log_init("test_journal", (enum hpcnet_log_level)(HPCNET_LOG_ERROR + 1));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
