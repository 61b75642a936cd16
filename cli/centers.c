/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hpcnet centers`: what every center offers right now (free/total
 * cores, memory, GPUs, queue, heartbeat age), so a user can see where a
 * job would fit and whether a center is alive (or draining, or degraded:
 * alive but its scheduler not answering). GPUs show by model when the
 * agent reports pools, since "2 GPUs free" says little if a job needs an
 * a100. The admin sub-commands (`centers create`, `join-token`, `drain`,
 * `undrain`) live in admin.c; this file only routes them.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/units.h"
#include "common/xalloc.h"

static const char usage[] =
	"Usage: hpcnet centers [--json]\n"
	"       hpcnet centers create NAME          (admin) register a center\n"
	"       hpcnet centers join-token NAME      (admin) issue a new join token\n"
	"       hpcnet centers drain NAME           (admin) stop sending it jobs\n"
	"       hpcnet centers undrain NAME         (admin) let it take jobs again\n"
	"Lists the centers with their free/total capacity and last heartbeat.\n"
	"STATUS is online, offline, new (no agent yet), draining, or degraded (the\n"
	"agent is there but its scheduler does not answer; no jobs go there).\n";

/* "6/8"; "-" when the center has not reported yet. */
static void free_total(json_t *res, const char *free_key, const char *total_key, int sizes,
		       char *buf, size_t len)
{
	json_t *fv = json_object_get(res, free_key), *tv = json_object_get(res, total_key);
	char f[32], t[32];

	if (!json_is_integer(tv)) {
		snprintf(buf, len, "-");
		return;
	}
	if (sizes) {
		hpcnet_units_format_size(json_integer_value(fv), f, sizeof(f));
		hpcnet_units_format_size(json_integer_value(tv), t, sizeof(t));
	} else {
		snprintf(f, sizeof(f), "%lld", (long long)json_integer_value(fv));
		snprintf(t, sizeof(t), "%lld", (long long)json_integer_value(tv));
	}
	snprintf(buf, len, "%s/%s", f, t);
}

static void count(json_t *res, const char *key, char *buf, size_t len)
{
	int64_t v = hpcnet_cli_int(res, key, -1);

	if (v < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%lld", (long long)v);
}

/* What a person needs first: draining (an admin's decision) over degraded
 * (the scheduler's trouble) over the hub's online/offline/new. */
static void status_of(json_t *ctr, char *buf, size_t len)
{
	const char *status = hpcnet_cli_str(ctr, "status");

	if (json_is_true(json_object_get(ctr, "draining")))
		snprintf(buf, len, "draining%s", strcmp(status, "offline") == 0 ? " (offline)" : "");
	else if (strcmp(hpcnet_cli_str(ctr, "health"), "degraded") == 0 &&
		 strcmp(status, "offline") != 0)
		snprintf(buf, len, "degraded");
	else
		snprintf(buf, len, "%s", *status ? status : "-");
}

/* "a100 1/2, v100 4/4" from the snapshot's gpu_pools; 0 when it has none. */
static int gpu_pools(json_t *ctr, char *buf, size_t len)
{
	json_t *pools = json_object_get(json_object_get(ctr, "snapshot"), "gpu_pools"), *p;
	size_t i, used = 0;

	buf[0] = '\0';
	json_array_foreach(pools, i, p) {
		int n = snprintf(buf + used, len - used, "%s%s %lld/%lld", i ? ", " : "",
				 *hpcnet_cli_str(p, "model") ? hpcnet_cli_str(p, "model") : "gpu",
				 (long long)hpcnet_cli_int(p, "free", 0),
				 (long long)hpcnet_cli_int(p, "total", 0));

		if (n < 0 || (size_t)n >= len - used)
			break; /* truncated: the table still lines up */
		used += (size_t)n;
	}
	return used > 0;
}

static void print_table(json_t *items)
{
	static const char *const head[] = { "NAME", "STATUS", "CORES", "MEM", "GPUS", "QUEUE",
					    "RUNNING", "LAST HEARTBEAT" };
	struct hpcnet_table *t = hpcnet_table_new(8, head);
	json_t *ctr;
	size_t i;

	json_array_foreach(items, i, ctr) {
		/* a center whose agent never reported has no capacity to show */
		json_t *res = strcmp(hpcnet_cli_str(ctr, "status"), "new") == 0
				      ? NULL : json_object_get(ctr, "resources");
		char cores[72], mem[72], gpus[256], queue[24], running[24], hb[32], status[32];

		free_total(res, "free_cores", "total_cores", 0, cores, sizeof(cores));
		free_total(res, "free_memory_bytes", "total_memory_bytes", 1, mem, sizeof(mem));
		if (!res || !gpu_pools(ctr, gpus, sizeof(gpus)))
			free_total(res, "free_gpus", "total_gpus", 0, gpus, sizeof(gpus));
		status_of(ctr, status, sizeof(status));
		count(res, "queue_length", queue, sizeof(queue));
		count(res, "running", running, sizeof(running));
		hpcnet_cli_format_ago(hpcnet_cli_str(ctr, "last_heartbeat_at"), hb, sizeof(hb));
		hpcnet_table_add(t, (const char *const[]){ hpcnet_cli_str(ctr, "name"),
							   status, cores, mem, gpus,
							   queue, running, hb });
	}
	hpcnet_table_print(t, stdout);
	hpcnet_table_free(t);
	/* why a center is degraded is worth a line of its own */
	json_array_foreach(items, i, ctr) {
		const char *why = hpcnet_cli_str(ctr, "health_reason");

		if (strcmp(hpcnet_cli_str(ctr, "health"), "degraded") == 0 && *why)
			printf("%s is degraded: %s\n", hpcnet_cli_str(ctr, "name"), why);
	}
}

int hpcnet_cli_centers(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct hpcnet_cli c;
	json_t *items, *page = NULL;
	char *cursor = NULL;
	int json = 0, ch, rc;

	if (argc > 1 && strcmp(argv[1], "create") == 0)
		return hpcnet_cli_centers_create(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "join-token") == 0)
		return hpcnet_cli_centers_join_token(argc - 1, argv + 1);
	if (argc > 1 && (strcmp(argv[1], "drain") == 0 || strcmp(argv[1], "undrain") == 0))
		return hpcnet_cli_centers_drain(argc - 1, argv + 1);
	items = json_array();
	memset(&c, 0, sizeof(c));
	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'j': json = 1; break;
		case 'h': fputs(usage, stdout); rc = 0; goto out;
		default: rc = hpcnet_cli_usage_error(usage); goto out;
		}
	}
	if (optind < argc) {
		hpcnet_cli_errorf("unknown sub-command '%s'", argv[optind]);
		rc = hpcnet_cli_usage_error(usage);
		goto out;
	}
	rc = hpcnet_cli_open(&c, 1);
	if (rc < 0)
		goto out;
	do {
		char *ecur = cursor ? hpcnet_cli_escape(cursor) : NULL;
		char *path = ecur ? hpcnet_xasprintf("/api/v1/centers?limit=1000&cursor=%s", ecur)
				  : hpcnet_xstrdup("/api/v1/centers?limit=1000");
		const char *next;

		json_decref(page);
		page = NULL;
		rc = hpcnet_cli_call(&c, "GET", path, NULL, NULL, 0, NULL, &page);
		free(path);
		free(ecur);
		if (rc < 0)
			goto out;
		json_array_extend(items, json_is_array(page) ? page : json_object_get(page, "items"));
		next = hpcnet_cli_str(page, "next_cursor");
		free(cursor);
		cursor = *next ? hpcnet_xstrdup(next) : NULL;
	} while (cursor);
	if (json) {
		json_t *out = json_pack("{s:O, s:n}", "items", items, "next_cursor");

		hpcnet_cli_print_json(out);
		json_decref(out);
	} else if (json_array_size(items) == 0) {
		printf("No centers yet. An admin adds one with `hpcnet centers create NAME`.\n");
	} else {
		print_table(items);
	}
out:
	free(cursor);
	json_decref(page);
	json_decref(items);
	hpcnet_cli_close(&c);
	return hpcnet_cli_exit_code(rc);
}
