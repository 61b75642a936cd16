/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The job state machine (common/jobstate.c), written out as the full
 * from x to matrix so a change to any single transition shows up here as
 * a one-cell diff, next to names, parsing and finality.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "hpcnet/job.h"

#define NS HPCNET_JOB_NSTATES

/*
 * allowed[from][to]. Columns in enum order:
 * sub que dis pen hel run pre suc fai can los sus
 *
 * Rules: only forward (a center may skip states it was too fast to
 * report); queued <- dispatched is the hub re-placing a job no center took;
 * queued <-> held is a hold in the hub's own queue;
 * pending/held/running interleave as the center's scheduler decides
 * (running -> pending is a requeue);
 * preempted only from running; succeeded/failed/lost only once a center
 * has the job; cancelled from anything not final; nothing out of
 * succeeded/failed/cancelled; lost can still be corrected by a late,
 * true report (running or final); nothing back to submitted; same -> same is no move.
 */
static const unsigned char allowed[NS][NS] = {
	/*                sub que dis pen hel run pre suc fai can los sus */
	[HPCNET_JOB_SUBMITTED]  = { 0,  1,  0,  0,  0,  0,  0,  0,  0,  1,  0,  0 },
	[HPCNET_JOB_QUEUED]     = { 0,  0,  1,  0,  1,  0,  0,  0,  0,  1,  0,  0 },
	[HPCNET_JOB_DISPATCHED] = { 0,  1,  0,  1,  1,  1,  0,  1,  1,  1,  1,  0 },
	[HPCNET_JOB_PENDING]    = { 0,  0,  0,  0,  1,  1,  0,  1,  1,  1,  1,  0 },
	[HPCNET_JOB_HELD]       = { 0,  1,  0,  1,  0,  1,  0,  1,  1,  1,  1,  0 },
	[HPCNET_JOB_RUNNING]    = { 0,  0,  0,  1,  0,  0,  1,  1,  1,  1,  1,  1 },
	[HPCNET_JOB_PREEMPTED]  = { 0,  0,  0,  1,  1,  1,  0,  1,  1,  1,  1,  0 },
	[HPCNET_JOB_SUCCEEDED]  = { 0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0 },
	[HPCNET_JOB_FAILED]     = { 0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0 },
	[HPCNET_JOB_CANCELLED]  = { 0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0 },
	[HPCNET_JOB_LOST]       = { 0,  0,  0,  0,  0,  1,  0,  1,  1,  1,  0,  0 },
	[HPCNET_JOB_SUSPENDED]  = { 0,  0,  0,  1,  0,  1,  0,  1,  1,  1,  1,  0 },
};

static const char *const names[NS] = {
	"submitted", "queued", "dispatched", "pending", "held", "running",
	"preempted", "succeeded", "failed", "cancelled", "lost", "suspended",
};

static void test_transition_matrix(void **state)
{
	int from, to, mismatches = 0;

	for (from = 0; from < NS; from++)
		for (to = 0; to < NS; to++) {
			int got = hpcnet_job_transition_ok((enum hpcnet_job_state)from,
							   (enum hpcnet_job_state)to);

			if (got != allowed[from][to]) {
				print_error("%s -> %s: got %d, want %d\n", names[from], names[to], got,
					    allowed[from][to]);
				mismatches++;
			}
		}
	assert_int_equal(mismatches, 0);
}

/* The rules the matrix encodes, stated on their own so a wrong table
 * cannot silently agree with wrong code. */
static void test_matrix_invariants(void **state)
{
	int s, t;

	for (s = 0; s < NS; s++) {
		assert_false(hpcnet_job_transition_ok(s, s));
		assert_false(hpcnet_job_transition_ok(s, HPCNET_JOB_SUBMITTED));
		for (t = 0; t < NS; t++) {
			if (s == HPCNET_JOB_SUCCEEDED || s == HPCNET_JOB_FAILED ||
			    s == HPCNET_JOB_CANCELLED)
				assert_false(hpcnet_job_transition_ok(s, t));
		}
		if (!hpcnet_job_state_final(s))
			assert_true(hpcnet_job_transition_ok(s, HPCNET_JOB_CANCELLED));
	}
	assert_true(hpcnet_job_transition_ok(HPCNET_JOB_LOST, HPCNET_JOB_SUCCEEDED));
	assert_true(hpcnet_job_transition_ok(HPCNET_JOB_LOST, HPCNET_JOB_FAILED));
	assert_true(hpcnet_job_transition_ok(HPCNET_JOB_LOST, HPCNET_JOB_CANCELLED));
	assert_true(hpcnet_job_transition_ok(HPCNET_JOB_LOST, HPCNET_JOB_RUNNING));
	assert_false(hpcnet_job_transition_ok(HPCNET_JOB_LOST, HPCNET_JOB_QUEUED));
	/* A center may skip what it was too fast to report. */
	assert_true(hpcnet_job_transition_ok(HPCNET_JOB_DISPATCHED, HPCNET_JOB_SUCCEEDED));
	/* But a job no center has cannot have run. */
	assert_false(hpcnet_job_transition_ok(HPCNET_JOB_QUEUED, HPCNET_JOB_RUNNING));
	assert_false(hpcnet_job_transition_ok(HPCNET_JOB_QUEUED, HPCNET_JOB_SUCCEEDED));
	assert_false(hpcnet_job_transition_ok(HPCNET_JOB_QUEUED, HPCNET_JOB_LOST));
}

static void test_out_of_range(void **state)
{
	assert_false(hpcnet_job_transition_ok(NS, HPCNET_JOB_QUEUED));
	assert_false(hpcnet_job_transition_ok(HPCNET_JOB_QUEUED, NS));
	assert_false(hpcnet_job_transition_ok((enum hpcnet_job_state)-1, HPCNET_JOB_CANCELLED));
	assert_string_equal(hpcnet_job_state_name(NS), "unknown");
	assert_string_equal(hpcnet_job_state_name((enum hpcnet_job_state)-1), "unknown");
}

static void test_names_round_trip(void **state)
{
	int s;

	for (s = 0; s < NS; s++) {
		assert_string_equal(hpcnet_job_state_name(s), names[s]);
		assert_int_equal(hpcnet_job_state_parse(names[s]), s);
	}
	assert_int_equal(hpcnet_job_state_parse("unknown"), -1);
	assert_int_equal(hpcnet_job_state_parse(""), -1);
	assert_int_equal(hpcnet_job_state_parse("Running"), -1);
	assert_int_equal(hpcnet_job_state_parse("running "), -1);
	assert_int_equal(hpcnet_job_state_parse("cancel_requested"), -1); /* an event, not a state */
}

static void test_final_states(void **state)
{
	int s;

	for (s = 0; s < NS; s++)
		assert_int_equal(hpcnet_job_state_final(s),
				 s == HPCNET_JOB_SUCCEEDED || s == HPCNET_JOB_FAILED ||
				 s == HPCNET_JOB_CANCELLED || s == HPCNET_JOB_LOST);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transition_matrix),
		cmocka_unit_test(test_matrix_invariants),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_names_round_trip),
		cmocka_unit_test(test_final_states),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
