/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Time as the API speaks it: int64 milliseconds since the Unix epoch inside
 * the tree, RFC 3339 UTC strings ("2026-11-23T18:30:05Z") on the wire.
 */
#ifndef HPCNET_CLOCK_H
#define HPCNET_CLOCK_H

#include <stddef.h>
#include <stdint.h>

int64_t hpcnet_now_ms(void);
/* A monotonic clock for timeouts and intervals (never jumps with NTP). */
int64_t hpcnet_mono_ms(void);
/* Formats ms as RFC 3339 UTC with millisecond precision into buf (>= 32). */
void hpcnet_time_format(int64_t ms, char *buf, size_t len);
/* Parses RFC 3339 (Z or +hh:mm offset, optional fraction). 0 or HPCNET_EINVAL. */
int hpcnet_time_parse(const char *s, int64_t *ms);
void hpcnet_sleep_ms(int64_t ms);

#endif
