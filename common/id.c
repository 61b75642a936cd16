/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ULID-like ids; see id.h. Monotonic within a process (the ULID spec's
 * rule): ids made in the same millisecond increment the random part
 * instead of drawing a new one, so "newest first" by id holds exactly.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "crypto.h"
#include "id.h"

static const char b32[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* The last id's time and random part: a named singleton, under its lock. */
static pthread_mutex_t last_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t last_t;
static unsigned char last_rnd[10];

/* Fills t and rnd: a new draw, or the last one plus one in the same ms. */
static void next_parts(uint64_t *t, unsigned char rnd[10])
{
	int i;

	pthread_mutex_lock(&last_lock);
	if (*t <= last_t) {
		*t = last_t;
		for (i = 9; i >= 0 && ++last_rnd[i] == 0; i--)
			;
	} else {
		last_t = *t;
		hpcnet_crypto_random(last_rnd, sizeof(last_rnd));
		last_rnd[0] &= 0x7f; /* room to increment without overflowing */
	}
	memcpy(rnd, last_rnd, sizeof(last_rnd));
	pthread_mutex_unlock(&last_lock);
}

void hpcnet_id_new(const char *prefix, char out[HPCNET_ID_LEN])
{
	unsigned char rnd[10];
	uint64_t t = (uint64_t)hpcnet_now_ms();
	char body[27];
	int i;

	next_parts(&t, rnd);
	for (i = 9; i >= 0; i--) { /* 10 chars x 5 bits = 50 bits of time */
		body[i] = b32[t & 31];
		t >>= 5;
	}
	for (i = 0; i < 16; i++) { /* 16 chars x 5 bits = 80 random bits */
		int bit = i * 5, byte = bit / 8, shift = bit % 8;
		unsigned v = (unsigned)rnd[byte] << 8 | (byte + 1 < 10 ? rnd[byte + 1] : 0);

		body[10 + i] = b32[(v >> (11 - shift)) & 31];
	}
	body[26] = '\0';
	snprintf(out, HPCNET_ID_LEN, "%s_%s", prefix, body);
}

int hpcnet_id_valid(const char *prefix, const char *s)
{
	size_t plen = strlen(prefix);
	int i;

	if (strncmp(s, prefix, plen) != 0 || s[plen] != '_' || strlen(s + plen + 1) != 26)
		return 0;
	for (i = 0; i < 26; i++)
		if (!strchr(b32, s[plen + 1 + i]) || s[plen + 1 + i] == '\0')
			return 0;
	return 1;
}
