/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Order JSON -> struct hpcnet_job_spec; see order.h. Validation here is a
 * second line: the hub already checked the submit, but the agent must not
 * trust the wire with what reaches a scheduler (ids, sizes, base64).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "agent/order.h"
#include "common/xalloc.h"
#include "hpcnet/error.h"

int hpcnet_order_id_ok(const char *s)
{
	size_t n;

	if (!s || !*s)
		return 0;
	for (n = 0; s[n]; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
		      (s[n] >= '0' && s[n] <= '9') || s[n] == '_' || s[n] == '-'))
			return 0;
	return n < 128;
}

void hpcnet_order_clear(struct hpcnet_order *o)
{
	size_t i;

	for (i = 0; i < o->spec.nenv; i++)
		free((char *)o->env[i]);
	free(o->env);
	for (i = 0; i < o->spec.nfiles; i++)
		free((void *)o->files[i].data);
	free(o->files);
	free(o->script);
	json_decref(o->json);
	memset(o, 0, sizeof(*o));
}

static int64_t int_field(json_t *o, const char *key, int64_t dflt, int64_t min, int64_t max,
			 char *why, size_t len)
{
	json_t *v = json_object_get(o, key);
	int64_t x;

	if (!v || json_is_null(v))
		return dflt;
	x = json_is_integer(v) ? json_integer_value(v) : min - 1;
	if (x < min || x > max) {
		snprintf(why, len, "field '%s' must be an integer from %lld to %lld", key,
			 (long long)min, (long long)max);
		return dflt;
	}
	return x;
}

/* The string at key, or NULL when absent, null or "". */
static const char *nonempty(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s && *s ? s : NULL;
}

int hpcnet_order_parse(const char *job_id, const char *order_json, struct hpcnet_order *o,
		       char *why, size_t len)
{
	json_t *env, *files, *v;
	const char *key, *s;
	size_t i;

	memset(o, 0, sizeof(*o));
	*why = '\0';
	o->json = json_loads(order_json ? order_json : "", 0, NULL);
	if (!json_is_object(o->json)) {
		snprintf(why, len, "the order is not a JSON object");
		return HPCNET_EINVAL;
	}
	o->spec.id = job_id;
	o->spec.name = json_string_value(json_object_get(o->json, "name")) ?: "job";
	if ((s = json_string_value(json_object_get(o->json, "script")))) {
		o->script = hpcnet_xstrdup(s);
	} else if ((s = json_string_value(json_object_get(o->json, "command")))) {
		o->script = hpcnet_xasprintf("#!/bin/sh\n%s\n", s);
	} else {
		snprintf(why, len, "the order has no script");
		return HPCNET_EINVAL;
	}
	o->spec.script = o->script;
	/* Placement details for schedulers that have them; absent = the center's default. */
	o->spec.gpu_model = nonempty(o->json, "gpu_model");
	o->spec.partition = nonempty(o->json, "partition");
	o->spec.account = nonempty(o->json, "account");
	o->spec.qos = nonempty(o->json, "qos");
	o->spec.cores = (int)int_field(o->json, "cores", 1, 1, 100000, why, len);
	o->spec.mem_bytes = int_field(o->json, "memory_bytes", 0, 0, INT64_MAX, why, len);
	o->spec.gpus = (int)int_field(o->json, "gpus", 0, 0, 1024, why, len);
	o->spec.walltime_s = int_field(o->json, "walltime_seconds", 3600, 1, 31536000, why, len);
	if (*why)
		return HPCNET_EINVAL;

	env = json_object_get(o->json, "env");
	if (env && !json_is_null(env)) {
		if (!json_is_object(env)) {
			snprintf(why, len, "field 'env' must be an object");
			return HPCNET_EINVAL;
		}
		o->env = hpcnet_xcalloc(json_object_size(env) + 1, sizeof(*o->env));
		json_object_foreach(env, key, v) {
			if (!json_is_string(v)) {
				snprintf(why, len, "env '%s' must be a string", key);
				return HPCNET_EINVAL;
			}
			o->env[o->spec.nenv++] = hpcnet_xasprintf("%s=%s", key, json_string_value(v));
		}
		o->spec.env = o->env;
	}

	files = json_object_get(o->json, "files");
	if (files && !json_is_null(files)) {
		if (!json_is_array(files)) {
			snprintf(why, len, "field 'files' must be an array");
			return HPCNET_EINVAL;
		}
		o->files = hpcnet_xcalloc(json_array_size(files) + 1, sizeof(*o->files));
		json_array_foreach(files, i, v) {
			struct hpcnet_job_file *f = &o->files[o->spec.nfiles];
			const char *path = json_string_value(json_object_get(v, "path"));
			const char *b64 = json_string_value(json_object_get(v, "content_base64"));
			const char *raw = json_string_value(json_object_get(v, "content"));
			size_t blen, dlen = 0;
			unsigned char *data;

			if (!path || (!b64 && !raw)) {
				snprintf(why, len, "files[%zu] needs 'path' and 'content_base64'", i);
				return HPCNET_EINVAL;
			}
			if (raw) {
				dlen = strlen(raw);
				data = (unsigned char *)hpcnet_xstrdup(raw);
			} else {
				blen = strlen(b64);
				data = hpcnet_xmalloc(blen / 4 * 3 + 3);
				if (sodium_base642bin(data, blen / 4 * 3 + 3, b64, blen, " \r\n", &dlen,
						      NULL, sodium_base64_VARIANT_ORIGINAL) != 0) {
					free(data);
					snprintf(why, len, "files[%zu] '%s': content_base64 is not base64",
						 i, path);
					return HPCNET_EINVAL;
				}
			}
			f->path = path;
			f->data = data;
			f->len = dlen;
			o->spec.nfiles++;
		}
		o->spec.files = o->files;
	}
	return 0;
}
