/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the identity verbs (orgs, projects, roles, audit) share: one GET of
 * a list printed as a table of chosen fields or as JSON, one write whose
 * answer is printed, and splitting "verb sub-command" argument vectors.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "hpcnet/error.h"

int hpcnet_cli_list(const char *path, int json, int ncols, const char *const *heads,
		    const char *const *keys)
{
	struct hpcnet_cli c;
	struct hpcnet_table *t = NULL;
	json_t *resp = NULL, *items, *row;
	const char *cells[16];
	char buf[16][40];
	size_t i;
	int rc, k;

	memset(&c, 0, sizeof(c));
	rc = hpcnet_cli_open(&c, 1);
	if (rc == 0)
		rc = hpcnet_cli_call(&c, "GET", path, NULL, NULL, 0, NULL, &resp);
	if (rc < 0 || json) {
		if (rc == 0)
			hpcnet_cli_print_json(resp);
		goto out;
	}
	items = json_is_array(resp) ? resp : json_object_get(resp, "items");
	t = hpcnet_table_new(ncols, heads);
	json_array_foreach(items, i, row) {
		for (k = 0; k < ncols && k < 16; k++) {
			json_t *v = json_object_get(row, keys[k]);
			size_t n = strlen(keys[k]);

			cells[k] = buf[k];
			if (n > 3 && strcmp(keys[k] + n - 3, "_at") == 0)
				hpcnet_cli_format_time(hpcnet_cli_str(row, keys[k]), buf[k], sizeof(buf[k]));
			else if (json_is_integer(v))
				snprintf(buf[k], sizeof(buf[k]), "%lld", (long long)json_integer_value(v));
			else
				cells[k] = hpcnet_cli_str(row, keys[k]);
		}
		hpcnet_table_add(t, cells);
	}
	hpcnet_table_print(t, stdout);
	if (json_is_string(json_object_get(resp, "next_cursor")))
		fprintf(stderr, "(first %zu shown; --json and the API's cursor give the rest)\n",
			json_array_size(items));
out:
	hpcnet_table_free(t);
	json_decref(resp);
	hpcnet_cli_close(&c);
	return rc;
}

int hpcnet_cli_write(const char *method, const char *path, json_t *body, int json,
		     const char *done)
{
	struct hpcnet_cli c;
	json_t *resp = NULL;
	int rc;

	memset(&c, 0, sizeof(c));
	rc = hpcnet_cli_open(&c, 1);
	if (rc == 0)
		rc = hpcnet_cli_call(&c, method, path, body, NULL, 0, NULL, &resp);
	if (rc == 0 && json)
		hpcnet_cli_print_json(resp ? resp : json_object());
	else if (rc == 0 && done)
		printf("%s\n", done);
	json_decref(resp);
	json_decref(body);
	hpcnet_cli_close(&c);
	return rc;
}

/* Removes every "--json" from argv (any position); returns 1 if one was. */
int hpcnet_cli_take_json(int *argc, char **argv)
{
	int i, j, found = 0;

	for (i = j = 0; i < *argc; i++) {
		if (i > 0 && strcmp(argv[i], "--json") == 0)
			found = 1;
		else
			argv[j++] = argv[i];
	}
	*argc = j;
	argv[j] = NULL;
	return found;
}
