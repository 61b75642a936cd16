/* SPDX-License-Identifier: Apache-2.0 */
/* ULID-like ids; see id.h. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "crypto.h"
#include "id.h"

static const char b32[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

void hpcnet_id_new(const char *prefix, char out[HPCNET_ID_LEN])
{
	unsigned char rnd[10];
	uint64_t t = (uint64_t)hpcnet_now_ms();
	char body[27];
	int i;

	hpcnet_crypto_random(rnd, sizeof(rnd));
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
