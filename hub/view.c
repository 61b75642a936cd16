/* SPDX-License-Identifier: Apache-2.0 */
/* Row-to-API shaping; see view.h. */
#include <string.h>

#include "common/clock.h"
#include "hub/view.h"

json_t *hpcnet_view_time_ms(int64_t ms)
{
	char buf[40];

	hpcnet_time_format(ms, buf, sizeof(buf));
	return json_string(buf);
}

json_t *hpcnet_view_time(json_t *ms)
{
	return json_is_integer(ms) ? hpcnet_view_time_ms(json_integer_value(ms)) : json_null();
}

static void copy(json_t *dst, json_t *row, const char *from, const char *to)
{
	json_t *v = json_object_get(row, from);

	json_object_set(dst, to, v ? v : json_null());
}

static void copy_time(json_t *dst, json_t *row, const char *from, const char *to)
{
	json_object_set_new(dst, to, hpcnet_view_time(json_object_get(row, from)));
}

/* A JSON text column (env, files, caps) parsed back, or the fallback. */
static json_t *parsed(json_t *row, const char *col, json_t *fallback)
{
	const char *s = json_string_value(json_object_get(row, col));
	json_t *v = s ? json_loads(s, 0, NULL) : NULL;

	if (!v)
		return fallback;
	json_decref(fallback);
	return v;
}

json_t *hpcnet_view_job(json_t *row, json_t *events)
{
	json_t *j = json_object(), *usage = json_object(), *files;
	json_t *started = json_object_get(row, "started_at"), *ended = json_object_get(row, "ended_at");
	size_t i;

	copy(j, row, "id", "id");
	copy(j, row, "name", "name");
	copy(j, row, "user_name", "user");
	copy(j, row, "state", "state");
	copy(j, row, "state_reason", "state_reason");
	copy(j, row, "cores", "cores");
	copy(j, row, "memory_bytes", "memory_bytes");
	copy(j, row, "gpus", "gpus");
	copy(j, row, "walltime_seconds", "walltime_seconds");
	copy(j, row, "gpu_model", "gpu_model");
	copy(j, row, "partition_name", "partition");
	copy(j, row, "account", "account");
	copy(j, row, "qos", "qos");
	copy(j, row, "project_name", "project");
	copy(j, row, "project_id", "project_id");
	copy(j, row, "org_id", "org_id");
	copy(j, row, "center_requested_name", "center_requested");
	copy(j, row, "center_name", "center");
	copy(j, row, "center_id", "center_id");
	copy(j, row, "placement_reason", "placement_reason");
	json_object_set_new(j, "cancel_requested",
			    json_boolean(json_integer_value(json_object_get(row, "cancel_requested"))));
	json_object_set_new(j, "recall_requested",
			    json_boolean(json_integer_value(json_object_get(row, "recall_requested"))));
	copy(j, row, "control_requested", "control_requested");
	copy_time(j, row, "submitted_at", "submitted_at");
	copy_time(j, row, "dispatched_at", "dispatched_at");
	copy_time(j, row, "started_at", "started_at");
	copy_time(j, row, "ended_at", "ended_at");
	copy(j, row, "exit_code", "exit_code");
	copy(j, row, "signal", "signal");
	copy(usage, row, "cpu_seconds", "cpu_seconds");
	copy(usage, row, "max_rss_bytes", "max_rss_bytes");
	if (json_is_integer(started) && json_is_integer(ended))
		json_object_set_new(usage, "wall_seconds",
				    json_real((double)(json_integer_value(ended) -
						       json_integer_value(started)) / 1000.0));
	else
		json_object_set_new(usage, "wall_seconds", json_null());
	json_object_set_new(j, "usage", usage);
	copy(j, row, "stdout_bytes", "stdout_bytes");
	copy(j, row, "stderr_bytes", "stderr_bytes");
	if (events) { /* the full view: script, env, file names, timeline */
		json_t *ev = json_array(), *e;

		copy(j, row, "script", "script");
		json_object_set_new(j, "env", parsed(row, "env", json_object()));
		files = parsed(row, "files", json_array());
		for (i = 0; i < json_array_size(files); i++) /* names only, not contents */
			json_object_del(json_array_get(files, i), "content_base64");
		json_object_set_new(j, "files", files);
		json_array_foreach(events, i, e) {
			json_t *o = json_object();

			copy(o, e, "state", "state");
			copy_time(o, e, "at", "at");
			copy(o, e, "detail", "detail");
			json_array_append_new(ev, o);
		}
		json_object_set_new(j, "events", ev);
	}
	return j;
}

json_t *hpcnet_view_center(json_t *row)
{
	static const char *res[] = { "total_cores", "free_cores", "total_memory_bytes",
				     "free_memory_bytes", "total_gpus", "free_gpus", "queue_length",
				     "running", NULL };
	json_t *c = json_object(), *r = json_object();
	int i;

	copy(c, row, "id", "id");
	copy(c, row, "name", "name");
	copy(c, row, "status", "status");
	json_object_set_new(c, "draining",
			    json_boolean(json_integer_value(json_object_get(row, "drain_requested"))));
	copy(c, row, "health", "health");
	copy(c, row, "health_reason", "health_reason");
	copy(c, row, "adapter", "adapter");
	copy(c, row, "agent_version", "agent_version");
	json_object_set_new(c, "caps", parsed(row, "caps", json_array()));
	copy_time(c, row, "created_at", "created_at");
	copy_time(c, row, "last_heartbeat_at", "last_heartbeat_at");
	for (i = 0; res[i]; i++)
		copy(r, row, res[i], res[i]);
	json_object_set_new(c, "resources", r);
	json_object_set_new(c, "snapshot", parsed(row, "snapshot", json_object()));
	return c;
}

json_t *hpcnet_view_user(json_t *row)
{
	json_t *u = json_object();

	copy(u, row, "id", "id");
	copy(u, row, "name", "name");
	copy(u, row, "role", "role");
	json_object_set_new(u, "disabled",
			    json_boolean(json_integer_value(json_object_get(row, "disabled"))));
	copy_time(u, row, "created_at", "created_at");
	return u;
}

json_t *hpcnet_view_token(json_t *row)
{
	json_t *t = json_object();

	copy(t, row, "id", "id");
	copy(t, row, "name", "name");
	copy_time(t, row, "created_at", "created_at");
	copy_time(t, row, "expires_at", "expires_at");
	copy_time(t, row, "last_used_at", "last_used_at");
	return t;
}

json_t *hpcnet_view_row(json_t *row)
{
	json_t *out = json_object(), *v;
	const char *k;
	size_t n;

	json_object_foreach(row, k, v) {
		n = strlen(k);
		/* "at" alone too: the audit log's time column. */
		if ((n > 3 && strcmp(k + n - 3, "_at") == 0) || strcmp(k, "at") == 0)
			json_object_set_new(out, k, hpcnet_view_time(v));
		else
			json_object_set(out, k, v);
	}
	return out;
}

json_t *hpcnet_view_rows(json_t *rows)
{
	json_t *items = json_array(), *row;
	size_t i;

	json_array_foreach(rows, i, row)
		json_array_append_new(items, hpcnet_view_row(row));
	return items;
}

json_t *hpcnet_view_page(json_t *rows)
{
	return json_pack("{s:o, s:n}", "items", hpcnet_view_rows(rows), "next_cursor");
}
