/* SPDX-License-Identifier: Apache-2.0 */
/* common/subproc.c: output capture, exit codes, stdin, env, timeouts, missing commands. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/clock.h"
#include "common/subproc.h"
#include "hpcnet/error.h"

static void test_output_and_exit(void **state)
{
	const char *argv[] = { "sh", "-c", "echo out; echo err >&2; exit 3", NULL };
	struct hpcnet_run r;

	assert_int_equal(hpcnet_run_cmd(argv, NULL, NULL, 5000, &r), 0);
	assert_string_equal(r.out.data, "out\n");
	assert_string_equal(r.err.data, "err\n");
	assert_int_equal(r.exit_code, 3);
	assert_int_equal(r.signal, 0);
	hpcnet_run_free(&r);
}

static void test_stdin_and_env(void **state)
{
	const char *argv[] = { "sh", "-c", "cat; echo \"$HPCNET_T\"", NULL };
	const char *env[] = { "HPCNET_T=from-env", NULL };
	struct hpcnet_run r;

	assert_int_equal(hpcnet_run_cmd(argv, env, "line1\nline2\n", 5000, &r), 0);
	assert_string_equal(r.out.data, "line1\nline2\nfrom-env\n");
	hpcnet_run_free(&r);
}

static void test_timeout_kills_group(void **state)
{
	const char *argv[] = { "sh", "-c", "sleep 30 & sleep 30", NULL };
	int64_t t0 = hpcnet_mono_ms();
	struct hpcnet_run r;

	assert_int_equal(hpcnet_run_cmd(argv, NULL, NULL, 300, &r), HPCNET_ETIMEOUT);
	assert_true(hpcnet_mono_ms() - t0 < 10000);
	hpcnet_run_free(&r);
}

static void test_signal_and_missing(void **state)
{
	const char *kill_self[] = { "sh", "-c", "kill -9 $$", NULL };
	const char *missing[] = { "hpcnet-no-such-command", NULL };
	struct hpcnet_run r;

	assert_int_equal(hpcnet_run_cmd(kill_self, NULL, NULL, 5000, &r), 0);
	assert_int_equal(r.exit_code, -1);
	assert_int_equal(r.signal, 9);
	hpcnet_run_free(&r);
	assert_int_equal(hpcnet_run_cmd(missing, NULL, NULL, 5000, &r), -ENOENT);
	hpcnet_run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_output_and_exit),
		cmocka_unit_test(test_stdin_and_env),
		cmocka_unit_test(test_timeout_kills_group),
		cmocka_unit_test(test_signal_and_missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
