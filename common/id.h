/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Object ids: a type prefix and a ULID-like body (48-bit millisecond time,
 * 80 random bits, Crockford base32), e.g. "job_01JD3X...". They sort by
 * creation time, which keyset pagination relies on, and cannot be guessed,
 * so another tenant's id reveals nothing.
 */
#ifndef HPCNET_ID_H
#define HPCNET_ID_H

#include <stddef.h>

#define HPCNET_ID_LEN 48 /* enough for any prefix we use + 26 chars + NUL */

/* Writes prefix + "_" + 26 chars into out. */
void hpcnet_id_new(const char *prefix, char out[HPCNET_ID_LEN]);
/* 1 when s is prefix + "_" + 26 Crockford base32 chars, else 0. */
int hpcnet_id_valid(const char *prefix, const char *s);

#endif
