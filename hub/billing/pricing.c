/* SPDX-License-Identifier: Apache-2.0 */
/* Price lists and integer money arithmetic; see pricing.h for the rules. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpcnet/error.h"
#include "hub/billing/pricing.h"
#include "hub/validate.h"

#define MAX_AMOUNT (INT64_MAX / 4) /* room to add a few without overflow */
#define MAX_PRICE 1000000000000LL  /* 10^12 minor units per unit: beyond any real price */

static const struct {
	const char *name, *priced_as;
	int64_t divisor;
} res_table[HPCNET_RES_N] = {
	[HPCNET_RES_CORE] = { "core", "core_hour", 3600 },
	[HPCNET_RES_GPU] = { "gpu", "gpu_hour", 3600 },
	[HPCNET_RES_MEMORY] = { "memory", "memory_gib_hour", 1024LL * 3600 },
	[HPCNET_RES_STORAGE] = { "storage", "storage_gib_day", 1024LL * 86400 },
	[HPCNET_RES_NET_IN] = { "net_in", "network_gib", 1024LL * 1024 * 1024 },
	[HPCNET_RES_NET_OUT] = { "net_out", "network_gib", 1024LL * 1024 * 1024 },
};

const char *hpcnet_res_name(enum hpcnet_res r)
{
	return r < HPCNET_RES_N ? res_table[r].name : "?";
}

int hpcnet_res_parse(const char *s)
{
	int i;

	for (i = 0; s && i < HPCNET_RES_N; i++)
		if (strcmp(s, res_table[i].name) == 0)
			return i;
	return -1;
}

int64_t hpcnet_res_divisor(enum hpcnet_res r)
{
	return res_table[r].divisor;
}

int hpcnet_currency_ok(const char *s)
{
	int i;

	for (i = 0; i < 3; i++)
		if (!s || s[i] < 'A' || s[i] > 'Z')
			return 0;
	return s[3] == '\0';
}

/* The resource an item's "resource" names (NET_IN stands for traffic). */
static int priced_parse(const char *s)
{
	int i;

	for (i = 0; s && i < HPCNET_RES_N; i++)
		if (strcmp(s, res_table[i].priced_as) == 0)
			return i;
	return -1;
}

static int price_ok(json_t *v)
{
	return json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= MAX_PRICE;
}

static void parse_tiers(json_t *tiers, struct hpcnet_price_item *it, const char *field,
			json_t **errors)
{
	json_t *t;
	size_t i;

	if (!json_is_array(tiers) || json_array_size(tiers) < 1 ||
	    json_array_size(tiers) > HPCNET_PRICE_TIERS) {
		hpcnet_validate_add(errors, field, "\"tiers\" must be an array of 1 to %d"
				    " {\"up_to\", \"price\"} objects", HPCNET_PRICE_TIERS);
		return;
	}
	json_array_foreach(tiers, i, t) {
		json_t *up = json_object_get(t, "up_to");
		int last = i + 1 == json_array_size(tiers);

		if (!json_is_object(t) || !price_ok(json_object_get(t, "price"))) {
			hpcnet_validate_add(errors, field, "tier %zu needs a \"price\": an integer of"
					    " minor units, 0 to %lld", i, MAX_PRICE);
			return;
		}
		if (last != !up || (up && (!json_is_integer(up) || json_integer_value(up) < 1 ||
					   json_integer_value(up) > MAX_PRICE))) {
			hpcnet_validate_add(errors, field, "every tier but the last needs \"up_to\""
					    " (whole units, rising); the last has none");
			return;
		}
		it->tier[i].price = json_integer_value(json_object_get(t, "price"));
		it->tier[i].up_to = up ? json_integer_value(up) : INT64_MAX;
		if (i > 0 && it->tier[i].up_to <= it->tier[i - 1].up_to) {
			hpcnet_validate_add(errors, field, "tier limits (\"up_to\") must rise");
			return;
		}
	}
	it->ntiers = (int)json_array_size(tiers);
}

static const char *const item_keys[] = { "resource", "model", "price", "tiers", NULL };
static const char *const tier_keys[] = { "up_to", "price", NULL };

/* 1 when every key of obj (an object, or an array of them) is in keys;
 * anything else is left to the type checks. */
static int keys_ok(json_t *obj, const char *const *keys)
{
	const char *k;
	json_t *v;
	size_t i;
	int n;

	if (json_is_array(obj)) {
		json_array_foreach(obj, i, v)
			if (!keys_ok(v, keys))
				return 0;
		return 1;
	}
	json_object_foreach(obj, k, v) {
		for (n = 0; keys[n] && strcmp(keys[n], k) != 0; n++)
			;
		if (!keys[n])
			return 0;
	}
	return 1;
}

int hpcnet_pricing_parse(json_t *items, struct hpcnet_price_list *pl, json_t **errors)
{
	json_t *item;
	size_t i, before = json_array_size(*errors);

	memset(pl, 0, sizeof(*pl));
	if (!json_is_array(items) || json_array_size(items) > HPCNET_PRICE_ITEMS) {
		hpcnet_validate_add(errors, "items", "must be an array of at most %d prices",
				    HPCNET_PRICE_ITEMS);
		return HPCNET_EINVAL;
	}
	json_array_foreach(items, i, item) {
		struct hpcnet_price_item *it = &pl->item[pl->n];
		const char *res = json_string_value(json_object_get(item, "resource"));
		const char *model = json_string_value(json_object_get(item, "model"));
		json_t *price = json_object_get(item, "price"), *tiers = json_object_get(item, "tiers");
		char field[32];
		int r = priced_parse(res), k;

		snprintf(field, sizeof(field), "items[%zu]", i);
		if (!keys_ok(item, item_keys) || !keys_ok(tiers, tier_keys)) {
			hpcnet_validate_add(errors, field, "has an unknown field (an item has resource,"
					    " model, price, tiers; a tier up_to and price)");
			continue;
		}
		if (!json_is_object(item) || r < 0 || r == HPCNET_RES_NET_OUT) {
			hpcnet_validate_add(errors, field, "\"resource\" must be one of core_hour,"
					    " gpu_hour, memory_gib_hour, storage_gib_day, network_gib");
			continue;
		}
		it->res = (enum hpcnet_res)r;
		if (json_object_get(item, "model") && (!model || strlen(model) >= sizeof(it->model) ||
						       r != HPCNET_RES_GPU)) {
			hpcnet_validate_add(errors, field, "\"model\" (a GPU model name, < 32 chars)"
					    " only goes with gpu_hour");
			continue;
		}
		snprintf(it->model, sizeof(it->model), "%s", model ? model : "");
		if (!price == !tiers) {
			hpcnet_validate_add(errors, field, "give exactly one of \"price\" or \"tiers\"");
			continue;
		}
		if (price) {
			if (!price_ok(price)) {
				hpcnet_validate_add(errors, field, "\"price\" must be an integer of minor"
						    " units, 0 to %lld", MAX_PRICE);
				continue;
			}
			it->ntiers = 1;
			it->tier[0] = (struct hpcnet_price_tier){ INT64_MAX, json_integer_value(price) };
		} else {
			parse_tiers(tiers, it, field, errors);
			if (!it->ntiers)
				continue;
		}
		for (k = 0; k < pl->n; k++)
			if (pl->item[k].res == it->res && strcmp(pl->item[k].model, it->model) == 0)
				break;
		if (k < pl->n) {
			hpcnet_validate_add(errors, field, "prices %s%s%s twice", res,
					    *it->model ? " of model " : "", it->model);
			continue;
		}
		pl->n++;
	}
	return json_array_size(*errors) > before ? HPCNET_EINVAL : 0;
}

const struct hpcnet_price_item *hpcnet_pricing_find(const struct hpcnet_price_list *pl,
						    enum hpcnet_res res, const char *model)
{
	const struct hpcnet_price_item *any = NULL;
	int i;

	if (res == HPCNET_RES_NET_OUT)
		res = HPCNET_RES_NET_IN;
	for (i = 0; i < pl->n; i++) {
		if (pl->item[i].res != res)
			continue;
		if (!*pl->item[i].model)
			any = &pl->item[i];
		else if (model && strcmp(pl->item[i].model, model) == 0)
			return &pl->item[i];
	}
	return any;
}

int64_t hpcnet_pricing_round_div(__int128 num, int64_t den)
{
	return (int64_t)((num + den / 2) / den);
}

static int64_t clamp_amount(__int128 num, int64_t den)
{
	__int128 v = (num + den / 2) / den;

	return v > MAX_AMOUNT ? HPCNET_ETOOBIG : (int64_t)v;
}

int64_t hpcnet_pricing_cost(const struct hpcnet_price_item *it, enum hpcnet_res res,
			    int64_t prior, int64_t qty)
{
	int64_t div = hpcnet_res_divisor(res), lo = 0;
	__int128 num = 0, start = prior, end = (__int128)prior + qty;
	int i;

	if (!it || qty <= 0)
		return 0;
	for (i = 0; i < it->ntiers && start < end; i++) {
		/* The tier covers base units [lo, hi) of the month's volume. */
		__int128 hi = it->tier[i].up_to == INT64_MAX ? end
			: (__int128)it->tier[i].up_to * div, a, b;

		a = start > lo ? start : lo;
		b = end < hi ? end : hi;
		if (b > a) {
			num += (b - a) * it->tier[i].price;
			start = b;
		}
		lo = hi > INT64_MAX ? INT64_MAX : (int64_t)hi;
	}
	return clamp_amount(num, div);
}

int64_t hpcnet_pricing_max_cost(const struct hpcnet_price_item *it, enum hpcnet_res res,
				int64_t qty)
{
	int64_t top = 0;
	int i;

	if (!it || qty <= 0)
		return 0;
	for (i = 0; i < it->ntiers; i++)
		if (it->tier[i].price > top)
			top = it->tier[i].price;
	return clamp_amount((__int128)qty * top, hpcnet_res_divisor(res));
}

int64_t hpcnet_pricing_commission(int64_t amount, int64_t bp)
{
	return amount <= 0 ? 0 : hpcnet_pricing_round_div((__int128)amount * bp, 10000);
}

int hpcnet_pricing_parse_percent(const char *s, int64_t *bp)
{
	int64_t whole = 0, frac = 0;
	int nw = 0, nf = 0;

	for (; *s >= '0' && *s <= '9' && nw < 4; s++, nw++)
		whole = whole * 10 + (*s - '0');
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9' && nf < 2; s++, nf++)
			frac = frac * 10 + (*s - '0');
	if (nf == 1)
		frac *= 10;
	if (nw == 0 || *s || whole * 100 + frac > 10000)
		return HPCNET_EINVAL;
	*bp = whole * 100 + frac;
	return 0;
}

void hpcnet_money_format(int64_t amount, char *buf, size_t len)
{
	/* Minor units are hundredths in every currency the hub accepts today. */
	uint64_t a = amount < 0 ? (uint64_t)0 - (uint64_t)amount : (uint64_t)amount;

	snprintf(buf, len, "%s%llu.%02llu", amount < 0 ? "-" : "", (unsigned long long)(a / 100),
		 (unsigned long long)(a % 100));
}
