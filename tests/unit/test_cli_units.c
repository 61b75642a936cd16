/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CLI's size, duration and GPU parsers: what users type after --mem,
 * --time and --gpus. Compiled from the source (the cli objects are not a library)
 * so the test exercises exactly the code the binary runs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../cli/units.c"

#define KIB 1024LL
#define MIB (1024LL * KIB)
#define GIB (1024LL * MIB)
#define TIB (1024LL * GIB)
#define PIB (1024LL * TIB)

static int64_t size_ok(const char *s)
{
	int64_t v = -12345;

	assert_int_equal(hpcnet_units_parse_size(s, &v), 0);
	return v;
}

static void size_bad(const char *s)
{
	int64_t v = -12345;

	assert_int_equal(hpcnet_units_parse_size(s, &v), HPCNET_EINVAL);
	assert_int_equal(v, -12345); /* untouched on error */
}

static int64_t dur_ok(const char *s)
{
	int64_t v = -12345;

	assert_int_equal(hpcnet_units_parse_duration(s, &v), 0);
	return v;
}

static void dur_bad(const char *s)
{
	int64_t v = -12345;

	assert_int_equal(hpcnet_units_parse_duration(s, &v), HPCNET_EINVAL);
	assert_int_equal(v, -12345);
}

static void test_size_units(void **state)
{
	(void)state;
	assert_int_equal(size_ok("2G"), 2 * GIB);
	assert_int_equal(size_ok("512M"), 512 * MIB);
	assert_int_equal(size_ok("1.5T"), 3 * TIB / 2);
	assert_int_equal(size_ok("4K"), 4 * KIB);
	assert_int_equal(size_ok("1P"), PIB);
	assert_int_equal(size_ok("2g"), 2 * GIB);
	assert_int_equal(size_ok("2GB"), 2 * GIB);
	assert_int_equal(size_ok("2GiB"), 2 * GIB);
	assert_int_equal(size_ok("2gib"), 2 * GIB);
	assert_int_equal(size_ok("100B"), 100);
	assert_int_equal(size_ok("0"), 0);
	assert_int_equal(size_ok("0G"), 0);
	assert_int_equal(size_ok("0.5K"), 512);
	assert_int_equal(size_ok("1.25G"), 5 * GIB / 4);
	/* rounds to the nearest byte */
	assert_int_equal(size_ok("0.1K"), 102);
}

static void test_size_bare_number_is_megabytes(void **state)
{
	(void)state;
	/* Slurm: sbatch --mem=4000 is 4000 MB */
	assert_int_equal(size_ok("4000"), 4000 * MIB);
	assert_int_equal(size_ok("1.5"), 3 * MIB / 2);
}

static void test_size_bad(void **state)
{
	(void)state;
	size_bad("");
	size_bad("G");
	size_bad("-1G");
	size_bad("+1G");
	size_bad(" 1G");
	size_bad("1G ");
	size_bad("1 G");
	size_bad("1X");
	size_bad("1GG");
	size_bad("1Gi");
	size_bad("1Gx");
	size_bad("1.G");
	size_bad(".5G");
	size_bad("1.5B");
	size_bad("1,5G");
	size_bad("0x10");
	size_bad("inf");
	size_bad("nan");
	size_bad("1e3");
	size_bad("8193P"); /* > int64 bytes */
	size_bad("99999999999999999999");
	size_bad("9223372036854775807M");
	assert_int_equal(hpcnet_units_parse_size(NULL, &(int64_t){ 0 }), HPCNET_EINVAL);
}

static void test_size_limits(void **state)
{
	(void)state;
	assert_int_equal(size_ok("9223372036854775807B"), INT64_MAX);
	assert_int_equal(size_ok("8191P"), 8191 * PIB);
}

static void test_duration_slurm_forms(void **state)
{
	(void)state;
	/* a bare number is minutes */
	assert_int_equal(dur_ok("90"), 90 * 60);
	assert_int_equal(dur_ok("0"), 0);
	/* mm:ss */
	assert_int_equal(dur_ok("10:00"), 600);
	assert_int_equal(dur_ok("0:05"), 5);
	assert_int_equal(dur_ok("90:30"), 90 * 60 + 30); /* the first field is unbounded */
	/* h:mm:ss */
	assert_int_equal(dur_ok("1:00:00"), 3600);
	assert_int_equal(dur_ok("1:02:03"), 3723);
	assert_int_equal(dur_ok("48:00:00"), 48 * 3600);
	/* d-h, d-h:mm, d-h:mm:ss */
	assert_int_equal(dur_ok("2-00:00:00"), 2 * 86400);
	assert_int_equal(dur_ok("1-12"), 86400 + 12 * 3600);
	assert_int_equal(dur_ok("1-12:30"), 86400 + 12 * 3600 + 30 * 60);
	assert_int_equal(dur_ok("0-00:00:01"), 1);
	assert_int_equal(dur_ok("365-00:00:00"), 365 * 86400);
}

static void test_duration_suffixes(void **state)
{
	(void)state;
	assert_int_equal(dur_ok("90s"), 90);
	assert_int_equal(dur_ok("2h"), 7200);
	assert_int_equal(dur_ok("30m"), 1800);
	assert_int_equal(dur_ok("1d"), 86400);
	assert_int_equal(dur_ok("2H"), 7200);
	assert_int_equal(dur_ok("1h30m"), 5400);
	assert_int_equal(dur_ok("1d2h3m4s"), 86400 + 7200 + 180 + 4);
	assert_int_equal(dur_ok("1.5h"), 5400);
	assert_int_equal(dur_ok("0.5s"), 1); /* rounds to the nearest second */
}

static void test_duration_bad(void **state)
{
	(void)state;
	dur_bad("");
	dur_bad("abc");
	dur_bad("-5");
	dur_bad("1:");
	dur_bad(":30");
	dur_bad("1::00");
	dur_bad("10:60");      /* seconds out of range */
	dur_bad("1:60:00");    /* minutes out of range */
	dur_bad("1:00:60");
	dur_bad("1:00:00:00"); /* four fields */
	dur_bad("1-24:00:00"); /* hours out of range after days */
	dur_bad("1-");
	dur_bad("-1-00");
	dur_bad("1-00:00:00:00");
	dur_bad("1-1-1");
	dur_bad("1h30");       /* a trailing number without a unit is ambiguous */
	dur_bad("h");
	dur_bad("1x");
	dur_bad("1.5");        /* minutes with a fraction: not a Slurm form */
	dur_bad("1.5:00");
	dur_bad(" 10");
	dur_bad("10 ");
	dur_bad("1 h");
	dur_bad("99999999999999999999");
	dur_bad("9223372036854775807d"); /* overflow in the multiplication */
	dur_bad("153722867280912931"); /* minutes * 60 overflows */
	dur_bad("106751991167301-00:00:00");
	assert_int_equal(hpcnet_units_parse_duration(NULL, &(int64_t){ 0 }), HPCNET_EINVAL);
}

static void test_parse_int(void **state)
{
	int64_t v = 0;

	(void)state;
	assert_int_equal(hpcnet_units_parse_int("4", 1, 10, &v), 0);
	assert_int_equal(v, 4);
	assert_int_equal(hpcnet_units_parse_int("0", 1, 10, &v), HPCNET_EINVAL);
	assert_int_equal(hpcnet_units_parse_int("11", 1, 10, &v), HPCNET_EINVAL);
	assert_int_equal(hpcnet_units_parse_int("-1", 0, 10, &v), HPCNET_EINVAL);
	assert_int_equal(hpcnet_units_parse_int("4x", 1, 10, &v), HPCNET_EINVAL);
	assert_int_equal(hpcnet_units_parse_int("", 0, 10, &v), HPCNET_EINVAL);
	assert_int_equal(hpcnet_units_parse_int("0x4", 0, 10, &v), HPCNET_EINVAL);
	assert_int_equal(v, 4);
}

static void test_format_size(void **state)
{
	char buf[16];

	(void)state;
	hpcnet_units_format_size(0, buf, sizeof(buf));
	assert_string_equal(buf, "0B");
	hpcnet_units_format_size(100, buf, sizeof(buf));
	assert_string_equal(buf, "100B");
	hpcnet_units_format_size(1536, buf, sizeof(buf));
	assert_string_equal(buf, "1.5K");
	hpcnet_units_format_size(16 * GIB, buf, sizeof(buf));
	assert_string_equal(buf, "16G");
	hpcnet_units_format_size(512 * MIB, buf, sizeof(buf));
	assert_string_equal(buf, "512M");
	hpcnet_units_format_size(3 * TIB / 2, buf, sizeof(buf));
	assert_string_equal(buf, "1.5T");
	hpcnet_units_format_size(1024 * KIB - 1, buf, sizeof(buf)); /* not "1024.0K" */
	assert_string_equal(buf, "1M");
	hpcnet_units_format_size(INT64_MAX, buf, sizeof(buf));
	assert_string_equal(buf, "8E");
}

static void test_format_duration(void **state)
{
	char buf[32];

	(void)state;
	hpcnet_units_format_duration(0, buf, sizeof(buf));
	assert_string_equal(buf, "0:00");
	hpcnet_units_format_duration(5, buf, sizeof(buf));
	assert_string_equal(buf, "0:05");
	hpcnet_units_format_duration(3599, buf, sizeof(buf));
	assert_string_equal(buf, "59:59");
	hpcnet_units_format_duration(3600, buf, sizeof(buf));
	assert_string_equal(buf, "1:00:00");
	hpcnet_units_format_duration(2 * 86400, buf, sizeof(buf));
	assert_string_equal(buf, "2-00:00:00");
	hpcnet_units_format_duration(-7, buf, sizeof(buf));
	assert_string_equal(buf, "0:00");
}

/* What format_duration prints, parse_duration reads back. */
static void test_duration_round_trip(void **state)
{
	static const int64_t samples[] = { 0, 1, 59, 60, 61, 3599, 3600, 3661, 86399, 86400,
					   90061, 31536000 };
	char buf[32];

	(void)state;
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		hpcnet_units_format_duration(samples[i], buf, sizeof(buf));
		assert_int_equal(dur_ok(buf), samples[i]);
	}
}

static void gpus_ok(const char *s, const char *model, int64_t count)
{
	char m[HPCNET_UNITS_GPU_MODEL_MAX + 1] = "untouched";
	int64_t n = -12345;

	assert_int_equal(hpcnet_units_parse_gpus(s, m, sizeof(m), &n), 0);
	assert_string_equal(m, model);
	assert_int_equal(n, count);
}

static void gpus_bad(const char *s)
{
	char m[HPCNET_UNITS_GPU_MODEL_MAX + 1] = "untouched";
	int64_t n = -12345;

	assert_int_equal(hpcnet_units_parse_gpus(s, m, sizeof(m), &n), HPCNET_EINVAL);
	assert_string_equal(m, "untouched"); /* untouched on error */
	assert_int_equal(n, -12345);
}

static void test_gpus_slurm_forms(void **state)
{
	(void)state;
	gpus_ok("0", "", 0);
	gpus_ok("2", "", 2);
	gpus_ok("1024", "", 1024);
	gpus_ok("a100:2", "a100", 2);
	gpus_ok("A100:1", "A100", 1); /* case is the center's business */
	gpus_ok("h100-80gb:8", "h100-80gb", 8);
	gpus_ok("tesla_v100.32g:0", "tesla_v100.32g", 0);
	/* exactly HPCNET_UNITS_GPU_MODEL_MAX (31) characters */
	gpus_ok("abcdefghijklmnopqrstuvwxyz01234:1", "abcdefghijklmnopqrstuvwxyz01234", 1);
}

static void test_gpus_bad(void **state)
{
	(void)state;
	gpus_bad("");
	gpus_bad("a100");        /* a model alone is --gpu-model, not a count */
	gpus_bad("a100:");
	gpus_bad(":2");
	gpus_bad("a100:2:1");
	gpus_bad("gpu:a100:2");  /* the --gres form is not --gpus */
	gpus_bad("a100:-1");
	gpus_bad("a100:1025");
	gpus_bad("a100:2x");
	gpus_bad("a100: 2");
	gpus_bad("a 100:2");
	gpus_bad("a/100:2");
	gpus_bad("a100;rm:2");
	gpus_bad("abcdefghijklmnopqrstuvwxyz012345:1"); /* 32 characters */
	gpus_bad("-1");
	gpus_bad("+2");
	gpus_bad("0x2");
	gpus_bad("2.0");
	gpus_bad("99999999999999999999999");
}

static void test_gpus_small_buffer(void **state)
{
	char m[8] = "same";
	int64_t n = 7;

	(void)state;
	/* a buffer that could not hold the longest model is refused outright */
	assert_int_equal(hpcnet_units_parse_gpus("a100:2", m, sizeof(m), &n), HPCNET_EINVAL);
	assert_int_equal(hpcnet_units_parse_gpus(NULL, m, sizeof(m), &n), HPCNET_EINVAL);
	assert_int_equal(n, 7);
	assert_string_equal(m, "same");
}

static void test_valid_word(void **state)
{
	(void)state;
	assert_true(hpcnet_units_valid_word("gpu", 64));
	assert_true(hpcnet_units_valid_word("proj-1_a.b", 64));
	assert_true(hpcnet_units_valid_word("abc", 3));
	assert_false(hpcnet_units_valid_word("abcd", 3));
	assert_false(hpcnet_units_valid_word("", 64));
	assert_false(hpcnet_units_valid_word(NULL, 64));
	assert_false(hpcnet_units_valid_word("a b", 64));
	assert_false(hpcnet_units_valid_word("a/b", 64));
	assert_false(hpcnet_units_valid_word("a:b", 64));
	assert_false(hpcnet_units_valid_word("$(x)", 64));
	assert_false(hpcnet_units_valid_word("caf\xc3\xa9", 64)); /* letters, but not ASCII */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size_units),
		cmocka_unit_test(test_size_bare_number_is_megabytes),
		cmocka_unit_test(test_size_bad),
		cmocka_unit_test(test_size_limits),
		cmocka_unit_test(test_duration_slurm_forms),
		cmocka_unit_test(test_duration_suffixes),
		cmocka_unit_test(test_duration_bad),
		cmocka_unit_test(test_parse_int),
		cmocka_unit_test(test_format_size),
		cmocka_unit_test(test_format_duration),
		cmocka_unit_test(test_duration_round_trip),
		cmocka_unit_test(test_gpus_slurm_forms),
		cmocka_unit_test(test_gpus_bad),
		cmocka_unit_test(test_gpus_small_buffer),
		cmocka_unit_test(test_valid_word),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
