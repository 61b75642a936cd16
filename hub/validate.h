/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Request body validation against a field table: types, ranges, required
 * and unknown fields. Every problem found is listed (not just the first),
 * as `errors: [{"field","message"}]` for a 422 reply.
 */
#ifndef HPCNET_HUB_VALIDATE_H
#define HPCNET_HUB_VALIDATE_H

#include <stdint.h>

#include <jansson.h>

enum hpcnet_field_type { HPCNET_F_STRING, HPCNET_F_INT, HPCNET_F_BOOL, HPCNET_F_OBJECT,
			 HPCNET_F_ARRAY };

struct hpcnet_field {
	const char *name;
	enum hpcnet_field_type type;
	int required;
	int64_t min, max; /* INT: value range; STRING: length range (bytes) */
};

/* Checks obj against the NULL-name-terminated table. Returns NULL when
 * valid, else a new array of {"field","message"} (caller owns). */
json_t *hpcnet_validate(json_t *obj, const struct hpcnet_field *fields);
/* Appends one {"field","message"} to *errors (creating the array). */
void hpcnet_validate_add(json_t **errors, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* 1 when s is a good object name: 1..63 chars of [a-z0-9._-], first alnum. */
int hpcnet_validate_name(const char *s);

#endif
