/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Prices and money arithmetic: pure functions, no store, no clock, no
 * floating point anywhere (amounts are int64 minor units of a currency).
 *
 * A price list is a JSON array of items; each prices one resource, in
 * minor units per unit of that resource:
 *   {"resource": "core_hour", "price": 12}
 *   {"resource": "gpu_hour", "model": "a100", "price": 250}   model "" or absent = any model
 *   {"resource": "memory_gib_hour", "price": 1}
 *   {"resource": "storage_gib_day", "price": 3}
 *   {"resource": "network_gib", "price": 5}                     in and out alike
 * or tiered by the payer's monthly volume at that center (graduated: each
 * tier's price applies to the part of the volume inside it; up_to in whole
 * units, the last tier has none):
 *   {"resource": "core_hour", "tiers": [{"up_to": 1000, "price": 12}, {"price": 10}]}
 *
 * Rounding, defined once: a job's cost for one resource is the exact
 * rational sum over its tiers of quantity x price / unit, rounded half up
 * to a whole minor unit (hpcnet_pricing_round_div). Totals are sums of
 * these rounded amounts, so an invoice line always adds up.
 */
#ifndef HPCNET_BILLING_PRICING_H
#define HPCNET_BILLING_PRICING_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Metered resources; quantities are in base units (see usage_records). */
enum hpcnet_res {
	HPCNET_RES_CORE,    /* core-seconds */
	HPCNET_RES_GPU,     /* GPU-seconds (per model) */
	HPCNET_RES_MEMORY,  /* MiB-seconds */
	HPCNET_RES_STORAGE, /* MiB-seconds */
	HPCNET_RES_NET_IN,  /* bytes */
	HPCNET_RES_NET_OUT, /* bytes */
	HPCNET_RES_N,
};

#define HPCNET_PRICE_TIERS 8
#define HPCNET_PRICE_ITEMS 32
#define HPCNET_CURRENCY_LEN 4 /* ISO 4217: three letters */

struct hpcnet_price_tier {
	int64_t up_to; /* whole units (hours, GiB-hours ...); INT64_MAX = no limit */
	int64_t price; /* minor units per unit */
};

struct hpcnet_price_item {
	enum hpcnet_res res;     /* NET_IN items also price NET_OUT */
	char model[32];          /* GPU model, "" = any */
	int ntiers;
	struct hpcnet_price_tier tier[HPCNET_PRICE_TIERS];
};

struct hpcnet_price_list {
	int n;
	struct hpcnet_price_item item[HPCNET_PRICE_ITEMS];
};

/* "core", "gpu", ... (the usage_records names) and back; -1 unknown. */
const char *hpcnet_res_name(enum hpcnet_res r);
int hpcnet_res_parse(const char *s);
/* Base units per priced unit: 3600 core-seconds per core-hour, etc. */
int64_t hpcnet_res_divisor(enum hpcnet_res r);

/* 1 when s is three upper-case letters (ISO 4217 shape). */
int hpcnet_currency_ok(const char *s);

/* Validates a JSON items array into pl. Returns 0, or HPCNET_EINVAL with
 * every problem appended to *errors ({"field","message"}). */
int hpcnet_pricing_parse(json_t *items, struct hpcnet_price_list *pl, json_t **errors);
/* The item pricing res for GPU model (exact model first, then the
 * any-model item); NULL when the list does not price it (free). */
const struct hpcnet_price_item *hpcnet_pricing_find(const struct hpcnet_price_list *pl,
						    enum hpcnet_res res, const char *model);
/* num / den rounded half up; num >= 0, den > 0. */
int64_t hpcnet_pricing_round_div(__int128 num, int64_t den);
/* Cost of qty base units when the payer already used prior base units of
 * it this month (graduated tiers). it may be NULL (0). 0..INT64_MAX/4, or
 * HPCNET_ETOOBIG when the amount is absurdly large. */
int64_t hpcnet_pricing_cost(const struct hpcnet_price_item *it, enum hpcnet_res res,
			    int64_t prior, int64_t qty);
/* The most qty can ever cost under it, whatever the volume: the highest
 * tier price (holds use this, so a charge never exceeds its hold). */
int64_t hpcnet_pricing_max_cost(const struct hpcnet_price_item *it, enum hpcnet_res res,
				int64_t qty);
/* Platform commission of amount in basis points (1/100 %), half up. */
int64_t hpcnet_pricing_commission(int64_t amount, int64_t bp);
/* Parses "12.5" (percent, up to two decimals, 0..100) into basis points.
 * 0 or HPCNET_EINVAL. */
int hpcnet_pricing_parse_percent(const char *s, int64_t *bp);
/* amount as "12.34" (two decimals: the minor unit of every currency the
 * hub accepts is a hundredth). buf holds >= 32 bytes. */
void hpcnet_money_format(int64_t amount, char *buf, size_t len);

#endif
