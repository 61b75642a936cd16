/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Request body validation (hub/validate.c): what a 422 reply lists. Each
 * rule is checked on its own against one field table, then all at once,
 * because reporting every problem in one answer is the point.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hub/validate.h"

static const struct hpcnet_field fields[] = {
	{ .name = "name", .type = HPCNET_F_STRING, .required = 1, .min = 1, .max = 8 },
	{ .name = "cores", .type = HPCNET_F_INT, .min = 1, .max = 64 },
	{ .name = "exclusive", .type = HPCNET_F_BOOL },
	{ .name = "env", .type = HPCNET_F_OBJECT },
	{ .name = "files", .type = HPCNET_F_ARRAY },
	{ .name = "note", .type = HPCNET_F_STRING }, /* no length bounds */
	{ .name = NULL },
};

/* Validates a body written as JSON text; returns the errors (or NULL). */
static json_t *check(const char *text)
{
	json_error_t err;
	json_t *body = json_loads(text, 0, &err), *errors;

	if (!body)
		fail_msg("bad test JSON %s: %s", text, err.text);
	errors = hpcnet_validate(body, fields);
	json_decref(body);
	return errors;
}

static void assert_valid(const char *text)
{
	json_t *errors = check(text);

	if (errors) {
		char *dump = json_dumps(errors, 0);

		fail_msg("%s: unexpected errors %s", text, dump);
	}
}

/* Exactly one error, on `field`, whose message contains `part`. */
static void assert_one_error(const char *text, const char *field, const char *part)
{
	json_t *errors = check(text), *e;

	assert_non_null(errors);
	assert_true(json_is_array(errors));
	assert_int_equal(json_array_size(errors), 1);
	e = json_array_get(errors, 0);
	assert_string_equal(json_string_value(json_object_get(e, "field")), field);
	if (!strstr(json_string_value(json_object_get(e, "message")), part))
		fail_msg("%s: message \"%s\" lacks \"%s\"", text,
			 json_string_value(json_object_get(e, "message")), part);
	json_decref(errors);
}

static void test_valid_bodies(void **state)
{
	assert_valid("{\"name\":\"a\"}");
	assert_valid("{\"name\":\"abcdefgh\",\"cores\":64,\"exclusive\":false,\"env\":{},"
		     "\"files\":[],\"note\":\"\"}");
	assert_valid("{\"name\":\"x\",\"cores\":1}");
	/* Optional fields may be null, meaning "not given". */
	assert_valid("{\"name\":\"x\",\"cores\":null,\"env\":null}");
	/* Unbounded strings have no length limit. */
	{
		char text[5000];

		snprintf(text, sizeof(text), "{\"name\":\"x\",\"note\":\"%4000s\"}", "");
		assert_valid(text);
	}
}

static void test_unknown_field(void **state)
{
	assert_one_error("{\"name\":\"x\",\"corse\":4}", "corse", "not a known field");
	/* Field names are exact. */
	assert_one_error("{\"name\":\"x\",\"Cores\":4}", "Cores", "not a known field");
}

static void test_wrong_types(void **state)
{
	assert_one_error("{\"name\":4}", "name", "must be a string");
	assert_one_error("{\"name\":\"x\",\"cores\":\"4\"}", "cores", "must be an integer");
	assert_one_error("{\"name\":\"x\",\"cores\":4.0}", "cores", "must be an integer");
	assert_one_error("{\"name\":\"x\",\"cores\":true}", "cores", "must be an integer");
	assert_one_error("{\"name\":\"x\",\"exclusive\":1}", "exclusive", "must be a boolean");
	assert_one_error("{\"name\":\"x\",\"env\":[]}", "env", "must be an object");
	assert_one_error("{\"name\":\"x\",\"files\":{}}", "files", "must be an array");
	assert_one_error("{\"name\":[\"x\"]}", "name", "must be a string");
}

static void test_int_range(void **state)
{
	assert_one_error("{\"name\":\"x\",\"cores\":0}", "cores", "between 1 and 64");
	assert_one_error("{\"name\":\"x\",\"cores\":65}", "cores", "between 1 and 64");
	assert_one_error("{\"name\":\"x\",\"cores\":-1}", "cores", "between 1 and 64");
	assert_one_error("{\"name\":\"x\",\"cores\":9223372036854775807}", "cores", "between");
	assert_valid("{\"name\":\"x\",\"cores\":1}");
	assert_valid("{\"name\":\"x\",\"cores\":64}");
}

static void test_string_length(void **state)
{
	assert_one_error("{\"name\":\"\"}", "name", "1 to 8 bytes");
	assert_one_error("{\"name\":\"abcdefghi\"}", "name", "1 to 8 bytes");
	assert_valid("{\"name\":\"abcdefgh\"}");
	/* Bytes, not characters: four 2-byte characters fit, five do not. */
	assert_valid("{\"name\":\"\\u00e9\\u00e9\\u00e9\\u00e9\"}");
	assert_one_error("{\"name\":\"\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\"}", "name", "bytes");
}

static void test_required(void **state)
{
	assert_one_error("{}", "name", "is required");
	assert_one_error("{\"name\":null}", "name", "is required");
	assert_one_error("{\"cores\":4}", "name", "is required");
}

static void test_all_errors_reported_at_once(void **state)
{
	json_t *errors = check("{\"bogus\":1,\"extra\":2,\"cores\":100,\"exclusive\":\"yes\","
			       "\"env\":[],\"note\":7}");
	const char *want[] = { "bogus", "extra", "name", "cores", "exclusive", "env", "note" };
	size_t i, k;
	json_t *e;

	assert_non_null(errors);
	assert_int_equal(json_array_size(errors), 7);
	/* Each field once, whatever the order. */
	for (k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
		int seen = 0;

		json_array_foreach(errors, i, e) {
			assert_non_null(json_string_value(json_object_get(e, "message")));
			if (strcmp(json_string_value(json_object_get(e, "field")), want[k]) == 0)
				seen++;
		}
		if (seen != 1)
			fail_msg("field %s reported %d times", want[k], seen);
	}
	json_decref(errors);
}

static void test_validate_add(void **state)
{
	json_t *errors = NULL;

	hpcnet_validate_add(&errors, "role", "must be \"%s\" or \"%s\"", "user", "admin");
	assert_non_null(errors);
	hpcnet_validate_add(&errors, "name", "taken");
	assert_int_equal(json_array_size(errors), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(errors, 0), "message")),
			    "must be \"user\" or \"admin\"");
	assert_string_equal(json_string_value(json_object_get(json_array_get(errors, 1), "field")),
			    "name");
	json_decref(errors);
}

static void test_names(void **state)
{
	static const char *good[] = { "a", "alpha", "a-b", "a_b", "a.b", "0day", "9", "node-01.hpc",
				      "abc-" };
	static const char *bad[] = { "", "-a", "_a", ".a", "Alpha", "alpHa", "a b", "a/b", "a:b",
				     "a\n", "caf\xc3\xa9", "a@b", "a+b" };
	char longest[65];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!hpcnet_validate_name(good[i]))
			fail_msg("\"%s\" refused", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (hpcnet_validate_name(bad[i]))
			fail_msg("\"%s\" accepted", bad[i]);

	memset(longest, 'a', 63);
	longest[63] = '\0';
	assert_int_equal(hpcnet_validate_name(longest), 1);
	longest[63] = 'a';
	longest[64] = '\0';
	assert_int_equal(hpcnet_validate_name(longest), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_bodies),
		cmocka_unit_test(test_unknown_field),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_int_range),
		cmocka_unit_test(test_string_length),
		cmocka_unit_test(test_required),
		cmocka_unit_test(test_all_errors_reported_at_once),
		cmocka_unit_test(test_validate_add),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
