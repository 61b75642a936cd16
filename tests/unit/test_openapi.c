/* SPDX-License-Identifier: Apache-2.0 */
/*
 * std/openapi.json against the hub's route table (hub/routes.c): every
 * route is documented, every documented operation is a route, so neither
 * can drift without this failing. Also pins the document to OpenAPI 3.1.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>
#include <jansson.h>

#include "hub/http.h"

#define SPEC HPCNET_SOURCE_DIR "/std/openapi.json"

/* The keys of a path item that are operations (the others are
 * summary, description, parameters, servers). */
static const char *const http_methods[] = { "get", "put", "post", "delete", "options", "head",
					     "patch", "trace", NULL };

static int setup(void **state)
{
	json_error_t err;
	json_t *doc = json_load_file(SPEC, 0, &err);

	if (!doc) {
		print_error("%s:%d: %s\n", SPEC, err.line, err.text);
		return -1;
	}
	*state = doc;
	return 0;
}

static int teardown(void **state)
{
	json_decref(*state);
	return 0;
}

static void lower(const char *in, char *out, size_t len)
{
	size_t i;

	for (i = 0; in[i] && i + 1 < len; i++)
		out[i] = (char)tolower((unsigned char)in[i]);
	out[i] = '\0';
}

static void test_version(void **state)
{
	const char *v = json_string_value(json_object_get(*state, "openapi"));

	assert_non_null(v);
	assert_int_equal(strncmp(v, "3.1", 3), 0);
	assert_true(json_is_object(json_object_get(*state, "info")));
	assert_true(json_is_object(json_object_get(*state, "paths")));
}

static void test_every_route_is_documented(void **state)
{
	json_t *paths = json_object_get(*state, "paths");
	const struct hpcnet_route *r;
	int routes = 0, missing = 0;

	for (r = hpcnet_routes; r->method; r++) {
		char m[16];
		json_t *op;

		lower(r->method, m, sizeof(m));
		op = json_object_get(json_object_get(paths, r->pattern), m);
		routes++;
		if (!json_is_object(op)) {
			print_error("route %s %s is not in %s\n", r->method, r->pattern, SPEC);
			missing++;
		} else if (!json_is_object(json_object_get(op, "responses"))) {
			print_error("%s %s documents no responses\n", r->method, r->pattern);
			missing++;
		}
	}
	assert_true(routes > 0);
	assert_int_equal(missing, 0);
}

static int is_route(const char *path, const char *method)
{
	const struct hpcnet_route *r;

	for (r = hpcnet_routes; r->method; r++)
		if (strcmp(r->pattern, path) == 0 && strcasecmp(r->method, method) == 0)
			return 1;
	return 0;
}

static void test_every_documented_operation_is_a_route(void **state)
{
	json_t *paths = json_object_get(*state, "paths"), *item;
	const char *path;
	int ops = 0, stale = 0, i;

	json_object_foreach(paths, path, item) {
		int here = 0;

		for (i = 0; http_methods[i]; i++) {
			if (!json_object_get(item, http_methods[i]))
				continue;
			here++;
			ops++;
			if (!is_route(path, http_methods[i])) {
				print_error("%s %s is documented but not routed\n", http_methods[i],
					    path);
				stale++;
			}
		}
		if (!here) {
			print_error("%s documents no operation\n", path);
			stale++;
		}
	}
	assert_true(ops > 0);
	assert_int_equal(stale, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_every_route_is_documented),
		cmocka_unit_test(test_every_documented_operation_is_a_route),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
