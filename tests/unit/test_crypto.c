/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The small primitives everything else trusts: password hashes, secrets and
 * their SHA-256 (common/crypto.c), object ids (common/id.c) and RFC 3339
 * times (common/clock.c). Known vectors where they exist, properties
 * (distinct, sortable, round-trips) where they do not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/clock.h"
#include "common/crypto.h"
#include "common/id.h"
#include "hpcnet/error.h"

/* ---- crypto ---- */

static void test_password_hash(void **state)
{
	char h1[HPCNET_PWHASH_LEN], h2[HPCNET_PWHASH_LEN];

	assert_int_equal(hpcnet_crypto_password_hash("correct horse", h1), 0);
	assert_int_equal(strncmp(h1, "$argon2id$", 10), 0);
	assert_int_equal(hpcnet_crypto_password_verify(h1, "correct horse"), 1);
	assert_int_equal(hpcnet_crypto_password_verify(h1, "correct horsE"), 0);
	assert_int_equal(hpcnet_crypto_password_verify(h1, ""), 0);
	assert_int_equal(hpcnet_crypto_password_verify("not a hash", "correct horse"), 0);

	/* Salted: the same password hashes differently, both verify. */
	assert_int_equal(hpcnet_crypto_password_hash("correct horse", h2), 0);
	assert_string_not_equal(h1, h2);
	assert_int_equal(hpcnet_crypto_password_verify(h2, "correct horse"), 1);
}

static int is_b64url(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

#define NTOKENS 1000

static void test_tokens(void **state)
{
	static char tok[NTOKENS][64];
	char small[25];
	int i, k;

	for (i = 0; i < NTOKENS; i++) {
		hpcnet_crypto_token("hpcn_", tok[i], sizeof(tok[i]));
		assert_int_equal(strncmp(tok[i], "hpcn_", 5), 0);
		assert_int_equal(strlen(tok[i]), 5 + 43);
		for (k = 5; tok[i][k]; k++)
			assert_true(is_b64url(tok[i][k]));
	}
	qsort(tok, NTOKENS, sizeof(tok[0]), cmp_str);
	for (i = 1; i < NTOKENS; i++)
		assert_string_not_equal(tok[i - 1], tok[i]);

	/* A short buffer truncates (the hub makes 24-char admin passwords this
	 * way) instead of overflowing or aborting. */
	memset(small, 'x', sizeof(small));
	hpcnet_crypto_token("", small, sizeof(small));
	assert_int_equal(strlen(small), sizeof(small) - 1);
	for (k = 0; small[k]; k++)
		assert_true(is_b64url(small[k]));
}

static void test_sha256_vectors(void **state)
{
	char hex[HPCNET_SHA256_HEX_LEN];

	hpcnet_crypto_sha256_hex("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	hpcnet_crypto_sha256_hex("", 0, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_streq(void **state)
{
	assert_int_equal(hpcnet_crypto_streq("hpca_secret", "hpca_secret"), 1);
	assert_int_equal(hpcnet_crypto_streq("", ""), 1);
	assert_int_equal(hpcnet_crypto_streq("hpca_secret", "hpca_secreT"), 0);
	assert_int_equal(hpcnet_crypto_streq("hpca_secret", "hpca_secre"), 0);
	assert_int_equal(hpcnet_crypto_streq("hpca_secre", "hpca_secret"), 0);
	assert_int_equal(hpcnet_crypto_streq("", "a"), 0);
}

/* ---- ids ---- */

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* The millisecond time in an id's first 10 body chars. */
static int64_t id_time(const char *body)
{
	int64_t t = 0;
	int i;

	for (i = 0; i < 10; i++)
		t = t * 32 + (strchr(crockford, body[i]) - crockford);
	return t;
}

static void test_id_shape(void **state)
{
	char id[HPCNET_ID_LEN], bad[HPCNET_ID_LEN];
	int64_t before = hpcnet_now_ms(), after;
	int i;

	hpcnet_id_new("job", id);
	after = hpcnet_now_ms();
	assert_int_equal(strlen(id), 4 + 26);
	assert_int_equal(strncmp(id, "job_", 4), 0);
	for (i = 4; id[i]; i++)
		assert_non_null(strchr(crockford, id[i]));
	/* The time part is the creation time. */
	assert_true(id_time(id + 4) >= before);
	assert_true(id_time(id + 4) <= after);

	assert_int_equal(hpcnet_id_valid("job", id), 1);
	assert_int_equal(hpcnet_id_valid("ctr", id), 0);
	assert_int_equal(hpcnet_id_valid("jo", id), 0);
	assert_int_equal(hpcnet_id_valid("job", "job_"), 0);
	assert_int_equal(hpcnet_id_valid("job", ""), 0);
	assert_int_equal(hpcnet_id_valid("job", "job_0123456789ABCDEFGHJKMNPQ"), 0); /* 24 */
	assert_int_equal(hpcnet_id_valid("job", "job_0123456789ABCDEFGHJKMNPQRSTV"), 0); /* 28 */
	assert_int_equal(hpcnet_id_valid("job", "job_0123456789ABCDEFGHJKMNPQRS"), 1);
	assert_int_equal(hpcnet_id_valid("job", "job-0123456789ABCDEFGHJKMNPQRS"), 0);
	assert_int_equal(hpcnet_id_valid("job", "jobs_123456789ABCDEFGHJKMNPQRS"), 0);
	/* Letters Crockford leaves out, lower case and punctuation. */
	for (i = 0; i < 6; i++) {
		static const char wrong[] = { 'I', 'L', 'O', 'U', 'a', '/' };

		snprintf(bad, sizeof(bad), "%s", id);
		bad[4 + 10 + i] = wrong[i];
		assert_int_equal(hpcnet_id_valid("job", bad), 0);
	}
}

static void test_ids_distinct_and_time_ordered(void **state)
{
	char prev[HPCNET_ID_LEN], next[HPCNET_ID_LEN], same[HPCNET_ID_LEN];
	int i;

	hpcnet_id_new("job", prev);
	for (i = 0; i < 20; i++) {
		int64_t t = hpcnet_now_ms();

		while (hpcnet_now_ms() == t) /* a later millisecond, however long that takes */
			hpcnet_sleep_ms(1);
		hpcnet_id_new("job", next);
		assert_true(strcmp(prev, next) < 0);
		hpcnet_id_new("job", same); /* and within one millisecond they still differ */
		assert_string_not_equal(next, same);
		snprintf(prev, sizeof(prev), "%s", same);
	}
}

/* Within one process ids are strictly increasing even inside a
 * millisecond (the ULID monotonic rule), so "newest first" by id holds
 * for a burst of submits too. */
static void test_ids_monotonic_in_a_burst(void **state)
{
	char prev[HPCNET_ID_LEN], next[HPCNET_ID_LEN];
	int i;

	hpcnet_id_new("job", prev);
	for (i = 0; i < 10000; i++) {
		hpcnet_id_new("job", next);
		if (strcmp(prev, next) >= 0)
			fail_msg("id %d: %s after %s", i, next, prev);
		assert_int_equal(hpcnet_id_valid("job", next), 1);
		memcpy(prev, next, sizeof(prev));
	}
}

/* ---- clock ---- */

static void assert_parses(const char *s, int64_t want)
{
	int64_t ms = -1;

	if (hpcnet_time_parse(s, &ms) != 0)
		fail_msg("\"%s\" was refused", s);
	assert_int_equal(ms, want);
}

static void test_time_format(void **state)
{
	char buf[32];

	hpcnet_time_format(0, buf, sizeof(buf));
	assert_string_equal(buf, "1970-01-01T00:00:00.000Z");
	hpcnet_time_format(1795458605123LL, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-23T18:30:05.123Z");
	hpcnet_time_format(951782400000LL, buf, sizeof(buf));
	assert_string_equal(buf, "2000-02-29T00:00:00.000Z");
}

static void test_time_round_trip(void **state)
{
	static const int64_t samples[] = { 0, 1, 999, 946684799999LL, 951782400000LL,
					   1795458605123LL, 4102444799999LL };
	char buf[32];
	size_t i;

	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		hpcnet_time_format(samples[i], buf, sizeof(buf));
		assert_parses(buf, samples[i]);
	}
	for (i = 0; i < 1000; i++) {
		int64_t t = (int64_t)(((uint64_t)rand() << 20) ^ (uint64_t)rand()) % 4102444800000LL;

		hpcnet_time_format(t, buf, sizeof(buf));
		assert_parses(buf, t);
	}
	hpcnet_time_format(hpcnet_now_ms(), buf, sizeof(buf));
	assert_int_equal(strlen(buf), 24);
}

static void test_time_parse_variants(void **state)
{
	const int64_t t = 1795458605000LL; /* 2026-11-23T18:30:05Z */

	assert_parses("2026-11-23T18:30:05Z", t);
	assert_parses("2026-11-23T18:30:05z", t);
	/* Offsets: the same instant written in other zones. */
	assert_parses("2026-11-24T02:30:05+08:00", t);
	assert_parses("2026-11-23T13:00:05-05:30", t);
	assert_parses("2026-11-23T18:30:05+00:00", t);
	assert_parses("2026-11-23T18:30:05-00:00", t);
	/* Fractions of any length; beyond milliseconds is truncated. */
	assert_parses("2026-11-23T18:30:05.5Z", t + 500);
	assert_parses("2026-11-23T18:30:05.05Z", t + 50);
	assert_parses("2026-11-23T18:30:05.123Z", t + 123);
	assert_parses("2026-11-23T18:30:05.123999999Z", t + 123);
	assert_parses("2026-11-24T02:30:05.250+08:00", t + 250);
	assert_parses("2000-02-29T00:00:00Z", 951782400000LL);
}

static void test_time_parse_rejects_garbage(void **state)
{
	static const char *bad[] = {
		"",
		"garbage",
		"2026-11-23",
		"2026-11-23T18:30:05",       /* no zone */
		"2026-11-23 18:30:05Z",      /* space for T */
		"2026-11-23T18:30Z",
		"2026-11-23T18:30:05.Z",     /* empty fraction */
		"2026-11-23T18:30:05ZZ",
		"2026-11-23T18:30:05Z junk",
		"2026-11-23T18:30:05+0800",
		"2026-11-23T18:30:05+08",
		"2026-11-23T18:30:05+08:00:00",
		"2026-11-23T18:30:05+24:00", /* offsets stay within a day */
		"2026-11-23T18:30:05+08:60",
		"2026-13-01T00:00:00Z",
		"2026-00-10T00:00:00Z",
		"2026-11-00T00:00:00Z",
		"2026-11-31T00:00:00Z",      /* November has 30 days */
		"2026-02-29T00:00:00Z",      /* not a leap year */
		"2026-11-23T24:00:00Z",
		"2026-11-23T18:60:00Z",
		"2026-11-23T-1:30:05Z",      /* signs and spaces in a field */
		"2026-11-23T 1:30:05Z",
		"2026-+1-23T18:30:05Z",
		"2026-11-23T18:30:05+-8:00",
		"2026-11-23T18:30:05+ 8:00",
		"26-11-23T18:30:05Z",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t ms = 42;

		if (hpcnet_time_parse(bad[i], &ms) != HPCNET_EINVAL)
			fail_msg("\"%s\" was accepted as %lld", bad[i], (long long)ms);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_password_hash),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_sha256_vectors),
		cmocka_unit_test(test_streq),
		cmocka_unit_test(test_id_shape),
		cmocka_unit_test(test_ids_distinct_and_time_ordered),
		cmocka_unit_test(test_ids_monotonic_in_a_burst),
		cmocka_unit_test(test_time_format),
		cmocka_unit_test(test_time_round_trip),
		cmocka_unit_test(test_time_parse_variants),
		cmocka_unit_test(test_time_parse_rejects_garbage),
	};

	if (hpcnet_crypto_init() != 0)
		return 1;
	srand(4242);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
