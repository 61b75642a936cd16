/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The `none` adapter and the registry: the adapter other tests lean on as
 * their double must keep its promises (idempotent submit, success on the
 * first poll, cancel only before that, capacity all free).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hpcnet/adapter.h"
#include "hpcnet/error.h"

static const struct hpcnet_adapter_conf conf = {
	.workdir = "/nonexistent", .cores = 8, .mem_bytes = 1 << 30, .gpus = 2,
};

static struct hpcnet_job_spec job(const char *id)
{
	return (struct hpcnet_job_spec){ .id = id, .name = id, .script = "true", .cores = 1,
					 .walltime_s = 60 };
}

static void test_registry(void **unused)
{
	assert_ptr_equal(hpcnet_adapter_find("none"), &hpcnet_adapter_none);
	assert_ptr_equal(hpcnet_adapter_find("local"), &hpcnet_adapter_local);
	assert_null(hpcnet_adapter_find("slurm-but-not-built"));
	assert_null(hpcnet_adapter_find(NULL));
	for (size_t i = 0; hpcnet_adapters[i]; i++) {
		assert_non_null(hpcnet_adapters[i]->submit);
		assert_non_null(hpcnet_adapters[i]->poll);
	}
	assert_string_equal(hpcnet_adapter_state_name(HPCNET_AS_PENDING), "pending");
	assert_string_equal(hpcnet_adapter_state_name(HPCNET_AS_SUCCEEDED), "succeeded");
	assert_string_equal(hpcnet_adapter_state_name(HPCNET_AS_LOST), "lost");
	assert_string_equal(hpcnet_adapter_state_name((enum hpcnet_adapter_state)99), "unknown");
}

static void test_lifecycle(void **unused)
{
	const struct hpcnet_adapter *a = &hpcnet_adapter_none;
	struct hpcnet_job_spec j = job("job_a");
	struct hpcnet_job_status st, again;
	struct hpcnet_snapshot snap;
	char ref[64], ref2[64];
	void *s;

	assert_int_equal(a->init(&conf, &s), 0);
	assert_int_equal(a->poll(s, "job_a", "job_a", &st), HPCNET_ENOTFOUND);
	assert_int_equal(a->cancel(s, "job_a", "job_a"), HPCNET_ENOTFOUND);
	assert_int_equal(a->submit(s, &j, ref, sizeof(ref)), 0);
	assert_int_equal(a->submit(s, &j, ref2, sizeof(ref2)), 0);
	assert_string_equal(ref, ref2);

	assert_int_equal(a->poll(s, "job_a", ref, &st), 0);
	assert_int_equal(st.state, HPCNET_AS_SUCCEEDED);
	assert_int_equal(st.exit_code, 0);
	assert_true(st.started_ms > 0);
	assert_int_equal(st.started_ms, st.ended_ms);
	/* Final is final: later polls and a cancel change nothing. */
	assert_int_equal(a->cancel(s, "job_a", ref), 0);
	assert_int_equal(a->poll(s, "job_a", ref, &again), 0);
	assert_int_equal(again.state, HPCNET_AS_SUCCEEDED);
	assert_int_equal(again.ended_ms, st.ended_ms);

	assert_int_equal(a->snapshot(s, &snap), 0);
	assert_int_equal(snap.total_cores, 8);
	assert_int_equal(snap.free_cores, 8);
	assert_int_equal(snap.free_mem_bytes, 1 << 30);
	assert_int_equal(snap.free_gpus, 2);
	assert_int_equal(snap.queue_len, 0);

	assert_int_equal(a->purge(s, "job_a", ref), 0);
	assert_int_equal(a->purge(s, "job_a", ref), 0);
	assert_int_equal(a->poll(s, "job_a", ref, &st), HPCNET_ENOTFOUND);
	a->fini(s);
}

static void test_cancel_before_poll(void **unused)
{
	const struct hpcnet_adapter *a = &hpcnet_adapter_none;
	struct hpcnet_job_spec j1 = job("job_1"), j2 = job("job_2");
	struct hpcnet_job_status st;
	char ref[64];
	void *s;

	assert_int_equal(a->init(&conf, &s), 0);
	assert_int_equal(a->submit(s, &j1, ref, sizeof(ref)), 0);
	assert_int_equal(a->submit(s, &j2, ref, sizeof(ref)), 0);
	assert_int_equal(a->cancel(s, "job_1", "job_1"), 0);
	assert_int_equal(a->poll(s, "job_1", "job_1", &st), 0);
	assert_int_equal(st.state, HPCNET_AS_CANCELLED);
	assert_int_equal(st.started_ms, 0);
	assert_int_equal(a->poll(s, "job_2", "job_2", &st), 0);
	assert_int_equal(st.state, HPCNET_AS_SUCCEEDED);
	/* A reference buffer too small is an error, not a truncated id. */
	assert_int_equal(a->submit(s, &j1, ref, 3), HPCNET_EINVAL);
	a->fini(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_lifecycle),
		cmocka_unit_test(test_cancel_before_poll),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
