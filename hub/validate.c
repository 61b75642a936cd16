/* SPDX-License-Identifier: Apache-2.0 */
/* Field-table validation of JSON request bodies; see validate.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hub/validate.h"

void hpcnet_validate_add(json_t **errors, const char *field, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!*errors)
		*errors = json_array();
	json_array_append_new(*errors, json_pack("{s:s, s:s}", "field", field, "message", msg));
}

static const char *type_name(enum hpcnet_field_type t)
{
	static const char *names[] = { "a string", "an integer", "a boolean", "an object",
				       "an array" };
	return names[t];
}

static int type_ok(json_t *v, enum hpcnet_field_type t)
{
	switch (t) {
	case HPCNET_F_STRING: return json_is_string(v);
	case HPCNET_F_INT: return json_is_integer(v);
	case HPCNET_F_BOOL: return json_is_boolean(v);
	case HPCNET_F_OBJECT: return json_is_object(v);
	case HPCNET_F_ARRAY: return json_is_array(v);
	}
	return 0;
}

json_t *hpcnet_validate(json_t *obj, const struct hpcnet_field *fields)
{
	const struct hpcnet_field *f;
	json_t *errors = NULL, *v;
	const char *key;

	json_object_foreach(obj, key, v) {
		for (f = fields; f->name; f++)
			if (strcmp(f->name, key) == 0)
				break;
		if (!f->name)
			hpcnet_validate_add(&errors, key, "is not a known field");
	}
	for (f = fields; f->name; f++) {
		v = json_object_get(obj, f->name);
		if (!v || json_is_null(v)) {
			if (f->required)
				hpcnet_validate_add(&errors, f->name, "is required");
			continue;
		}
		if (!type_ok(v, f->type)) {
			hpcnet_validate_add(&errors, f->name, "must be %s", type_name(f->type));
			continue;
		}
		if (f->type == HPCNET_F_INT && (json_integer_value(v) < f->min ||
						json_integer_value(v) > f->max))
			hpcnet_validate_add(&errors, f->name, "must be an integer between %lld and %lld",
					    (long long)f->min, (long long)f->max);
		if (f->type == HPCNET_F_STRING && (f->min || f->max) &&
		    ((int64_t)json_string_length(v) < f->min || (int64_t)json_string_length(v) > f->max))
			hpcnet_validate_add(&errors, f->name, "must be %lld to %lld bytes long",
					    (long long)f->min, (long long)f->max);
	}
	return errors;
}

int hpcnet_validate_name(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 1 || n > 63)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || (c != '-' && c != '_' && c != '.')))
			return 0;
	}
	return 1;
}
