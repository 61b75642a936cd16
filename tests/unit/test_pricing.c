/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Money arithmetic and metering (hub/billing/pricing.c, meter.c): price
 * list validation, graduated tiers across their boundaries, round half up
 * once per job and resource, the hold as an upper bound of the charge,
 * commission in basis points, and usage records with the hub's check,
 * the billed quantity and the discrepancy flag.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "hpcnet/error.h"
#include "hub/billing/meter.h"
#include "hub/billing/pricing.h"

static int parse(const char *text, struct hpcnet_price_list *pl, json_t **errors)
{
	json_t *items = json_loads(text, 0, NULL);
	int rc;

	assert_non_null(items);
	*errors = NULL;
	rc = hpcnet_pricing_parse(items, pl, errors);
	json_decref(items);
	return rc;
}

static void test_parse_valid(void **state)
{
	struct hpcnet_price_list pl;
	json_t *errors;

	assert_int_equal(parse("[{\"resource\":\"core_hour\",\"price\":12},"
			       "{\"resource\":\"gpu_hour\",\"model\":\"a100\",\"price\":250},"
			       "{\"resource\":\"gpu_hour\",\"price\":100},"
			       "{\"resource\":\"memory_gib_hour\",\"tiers\":[{\"up_to\":10,\"price\":3},"
			       "{\"price\":1}]},{\"resource\":\"network_gib\",\"price\":5}]",
			       &pl, &errors), 0);
	assert_null(errors);
	assert_int_equal(pl.n, 5);
	assert_int_equal(hpcnet_pricing_find(&pl, HPCNET_RES_GPU, "a100")->tier[0].price, 250);
	assert_int_equal(hpcnet_pricing_find(&pl, HPCNET_RES_GPU, "h100")->tier[0].price, 100);
	assert_int_equal(hpcnet_pricing_find(&pl, HPCNET_RES_GPU, NULL)->tier[0].price, 100);
	assert_int_equal(hpcnet_pricing_find(&pl, HPCNET_RES_NET_OUT, NULL)->tier[0].price, 5);
	assert_null(hpcnet_pricing_find(&pl, HPCNET_RES_STORAGE, NULL));
	assert_int_equal(hpcnet_pricing_find(&pl, HPCNET_RES_MEMORY, NULL)->ntiers, 2);
}

static void test_parse_invalid_lists_every_problem(void **state)
{
	struct hpcnet_price_list pl;
	json_t *errors;

	assert_int_equal(parse("[{\"resource\":\"core_hour\",\"price\":1.5},"
			       "{\"resource\":\"core_hour\",\"price\":-1},"
			       "{\"resource\":\"disk\",\"price\":1},"
			       "{\"resource\":\"core_hour\",\"model\":\"x\",\"price\":1},"
			       "{\"resource\":\"gpu_hour\",\"price\":1,\"tiers\":[{\"price\":1}]},"
			       "{\"resource\":\"gpu_hour\",\"tiers\":[{\"up_to\":5,\"price\":1},"
			       "{\"up_to\":3,\"price\":1},{\"price\":1}]},"
			       "{\"resource\":\"gpu_hour\",\"tiers\":[{\"up_to\":5,\"price\":1}]},"
			       "{\"resource\":\"memory_gib_hour\",\"price\":1},"
			       "{\"resource\":\"memory_gib_hour\",\"price\":2},"
			       "{\"resource\":\"storage_gib_day\",\"price\":2,\"currency\":\"EUR\"},"
			       "{\"resource\":\"network_gib\",\"tiers\":[{\"price\":2,\"from\":0}]}]",
			       &pl, &errors), HPCNET_EINVAL);
	assert_int_equal(json_array_size(errors), 10);
	json_decref(errors);
	assert_int_equal(parse("{}", &pl, &errors), HPCNET_EINVAL);
	json_decref(errors);
}

static void test_rounding_half_up(void **state)
{
	assert_int_equal(hpcnet_pricing_round_div(0, 3600), 0);
	assert_int_equal(hpcnet_pricing_round_div(1799, 3600), 0);
	assert_int_equal(hpcnet_pricing_round_div(1800, 3600), 1); /* exactly half: up */
	assert_int_equal(hpcnet_pricing_round_div(5399, 3600), 1);
	assert_int_equal(hpcnet_pricing_round_div(5400, 3600), 2);
	assert_int_equal(hpcnet_pricing_round_div(5, 10), 1);
	assert_int_equal(hpcnet_pricing_round_div(4, 10), 0);
}

static void test_fixed_and_tiered_cost(void **state)
{
	struct hpcnet_price_list pl;
	const struct hpcnet_price_item *core, *mem;
	json_t *errors;

	assert_int_equal(parse("[{\"resource\":\"core_hour\",\"tiers\":[{\"up_to\":10,\"price\":100},"
			       "{\"up_to\":20,\"price\":50},{\"price\":10}]},"
			       "{\"resource\":\"memory_gib_hour\",\"price\":7}]", &pl, &errors), 0);
	core = hpcnet_pricing_find(&pl, HPCNET_RES_CORE, NULL);
	mem = hpcnet_pricing_find(&pl, HPCNET_RES_MEMORY, NULL);
	/* 1 core-hour in the first tier */
	assert_int_equal(hpcnet_pricing_cost(core, HPCNET_RES_CORE, 0, 3600), 100);
	/* 9.5 h used, 1 h more: 0.5 h at 100 + 0.5 h at 50 = 75 */
	assert_int_equal(hpcnet_pricing_cost(core, HPCNET_RES_CORE, 9 * 3600 + 1800, 3600), 75);
	/* 5 h to 25 h: 5 at 100, 10 at 50, 5 at 10 = 1050 */
	assert_int_equal(hpcnet_pricing_cost(core, HPCNET_RES_CORE, 5 * 3600, 20 * 3600), 1050);
	/* far beyond every tier */
	assert_int_equal(hpcnet_pricing_cost(core, HPCNET_RES_CORE, 1000 * 3600, 3600), 10);
	/* one core-second at 100/h = 0.0277...: rounds to 0; 18 s = 0.5: rounds up to 1 */
	assert_int_equal(hpcnet_pricing_cost(core, HPCNET_RES_CORE, 0, 1), 0);
	assert_int_equal(hpcnet_pricing_cost(core, HPCNET_RES_CORE, 0, 18), 1);
	/* 2 GiB for an hour = 2048 MiB x 3600 s at 7 per GiB-hour */
	assert_int_equal(hpcnet_pricing_cost(mem, HPCNET_RES_MEMORY, 0, 2048LL * 3600), 14);
	assert_int_equal(hpcnet_pricing_cost(NULL, HPCNET_RES_CORE, 0, 3600), 0);
	assert_int_equal(hpcnet_pricing_cost(core, HPCNET_RES_CORE, 0, 0), 0);
	/* the hold's bound: the highest tier price, never below any real cost */
	assert_int_equal(hpcnet_pricing_max_cost(core, HPCNET_RES_CORE, 25 * 3600), 2500);
	assert_true(hpcnet_pricing_max_cost(core, HPCNET_RES_CORE, 20 * 3600) >=
		    hpcnet_pricing_cost(core, HPCNET_RES_CORE, 3 * 3600, 20 * 3600));
	/* huge volumes stay exact (128-bit intermediates) ... */
	assert_int_equal(hpcnet_pricing_cost(core, HPCNET_RES_CORE, 0, INT64_MAX),
			 (int64_t)(((__int128)INT64_MAX * 10 - 20 * 3600 * 10 + 10 * 3600 * 100 +
				    10 * 3600 * 50 + 1800) / 3600));
	/* ... and absurd amounts are refused, never wrapped */
	assert_int_equal(parse("[{\"resource\":\"core_hour\",\"price\":1000000000000}]", &pl,
			       &errors), 0);
	core = hpcnet_pricing_find(&pl, HPCNET_RES_CORE, NULL);
	assert_int_equal(hpcnet_pricing_cost(core, HPCNET_RES_CORE, 0, INT64_MAX / 2), HPCNET_ETOOBIG);
	assert_int_equal(hpcnet_pricing_max_cost(core, HPCNET_RES_CORE, INT64_MAX / 2),
			 HPCNET_ETOOBIG);
}

static void test_tier_sum_matches_split(void **state)
{
	/* Charging a volume in pieces costs what charging it at once does,
	 * up to one rounding per piece. */
	struct hpcnet_price_list pl;
	const struct hpcnet_price_item *core;
	json_t *errors;
	int64_t whole, parts = 0, used = 0;
	int i;

	assert_int_equal(parse("[{\"resource\":\"core_hour\",\"tiers\":[{\"up_to\":3,\"price\":360},"
			       "{\"price\":180}]}]", &pl, &errors), 0);
	core = hpcnet_pricing_find(&pl, HPCNET_RES_CORE, NULL);
	whole = hpcnet_pricing_cost(core, HPCNET_RES_CORE, 0, 6 * 3600);
	for (i = 0; i < 6; i++, used += 3600)
		parts += hpcnet_pricing_cost(core, HPCNET_RES_CORE, used, 3600);
	assert_int_equal(whole, 3 * 360 + 3 * 180);
	assert_int_equal(parts, whole); /* boundaries fall on whole hours here */
}

static void test_commission_and_percent(void **state)
{
	int64_t bp;

	assert_int_equal(hpcnet_pricing_commission(1000, 1000), 100);
	assert_int_equal(hpcnet_pricing_commission(15, 1000), 2);  /* 1.5 -> 2 */
	assert_int_equal(hpcnet_pricing_commission(14, 1000), 1);  /* 1.4 -> 1 */
	assert_int_equal(hpcnet_pricing_commission(0, 1000), 0);
	assert_int_equal(hpcnet_pricing_commission(999, 10000), 999);
	assert_int_equal(hpcnet_pricing_parse_percent("10", &bp), 0);
	assert_int_equal(bp, 1000);
	assert_int_equal(hpcnet_pricing_parse_percent("12.5", &bp), 0);
	assert_int_equal(bp, 1250);
	assert_int_equal(hpcnet_pricing_parse_percent("0.05", &bp), 0);
	assert_int_equal(bp, 5);
	assert_int_equal(hpcnet_pricing_parse_percent("100", &bp), 0);
	assert_int_equal(hpcnet_pricing_parse_percent("100.01", &bp), HPCNET_EINVAL);
	assert_int_equal(hpcnet_pricing_parse_percent("-1", &bp), HPCNET_EINVAL);
	assert_int_equal(hpcnet_pricing_parse_percent("1.234", &bp), HPCNET_EINVAL);
	assert_int_equal(hpcnet_pricing_parse_percent("", &bp), HPCNET_EINVAL);
	assert_int_equal(hpcnet_pricing_parse_percent("ten", &bp), HPCNET_EINVAL);
}

static void test_money_format_and_currency(void **state)
{
	char buf[32];

	hpcnet_money_format(123456, buf, sizeof(buf));
	assert_string_equal(buf, "1234.56");
	hpcnet_money_format(-5, buf, sizeof(buf));
	assert_string_equal(buf, "-0.05");
	hpcnet_money_format(INT64_MIN, buf, sizeof(buf));
	assert_string_equal(buf, "-92233720368547758.08");
	assert_true(hpcnet_currency_ok("EUR"));
	assert_false(hpcnet_currency_ok("eur"));
	assert_false(hpcnet_currency_ok("EURO"));
	assert_false(hpcnet_currency_ok(""));
}

static void test_meter_records(void **state)
{
	struct hpcnet_meter_job j = { .cores = 4, .gpus = 2, .gpu_model = "a100",
				      .memory_bytes = 3LL << 30, .walltime_s = 3600,
				      .started_ms = 1000000, .ended_ms = 1000000 + 100500 };
	struct hpcnet_meter_center c = { .qty = { 402, -1, -1, -1, 5000, -1 } };
	struct hpcnet_meter_row rows[HPCNET_RES_N];
	int n = hpcnet_meter_compute(&j, &c, 0, 5, rows);

	assert_int_equal(n, 4); /* core, gpu, memory, net_in */
	assert_int_equal(rows[0].res, HPCNET_RES_CORE);
	assert_int_equal(rows[0].hub_qty, 402);  /* 4 x 100.5 s */
	assert_int_equal(rows[0].center_qty, 402);
	assert_int_equal(rows[0].billed_qty, 402);
	assert_false(rows[0].flagged);
	assert_int_equal(rows[1].res, HPCNET_RES_GPU);
	assert_string_equal(rows[1].model, "a100");
	assert_int_equal(rows[1].hub_qty, 201);
	assert_int_equal(rows[1].center_qty, -1);
	assert_int_equal(rows[1].billed_qty, 201);
	assert_int_equal(rows[2].hub_qty, 3072LL * 1005 / 10);
	assert_int_equal(rows[3].res, HPCNET_RES_NET_IN);
	assert_int_equal(rows[3].hub_qty, -1);
	assert_int_equal(rows[3].billed_qty, 5000);

	/* a center claiming far more than the job was given is flagged and
	 * billed the hub's check; a little less within tolerance is billed as is */
	c.qty[HPCNET_RES_CORE] = 10000;
	n = hpcnet_meter_compute(&j, &c, 0, 5, rows);
	assert_true(rows[0].flagged);
	assert_int_equal(rows[0].billed_qty, 402);
	c.qty[HPCNET_RES_CORE] = 390;
	n = hpcnet_meter_compute(&j, &c, 0, 5, rows);
	assert_false(rows[0].flagged); /* 12 core-seconds off: within 4 cores x 60 s */
	assert_int_equal(rows[0].billed_qty, 390);

	/* running: measured up to now; never started: nothing */
	j.ended_ms = 0;
	n = hpcnet_meter_compute(&j, NULL, 1000000 + 10000, 5, rows);
	assert_int_equal(rows[0].hub_qty, 40);
	j.started_ms = 0;
	assert_int_equal(hpcnet_meter_compute(&j, NULL, 5000000, 5, rows), 0);
}

/* A job requeued or preempted before: its earlier runs add their hub check;
 * the center's figure speaks for the current run only (checked, flagged
 * and capped against that run), and with no current run it is ignored. */
static void test_meter_earlier_runs(void **state)
{
	struct hpcnet_meter_job j = { .cores = 2, .walltime_s = 3600, .started_ms = 1000000,
				      .ended_ms = 1000000 + 30000, .prior_ms = 100500 };
	struct hpcnet_meter_center c = { .qty = { 50, -1, -1, -1, -1, 700 } };
	struct hpcnet_meter_row rows[HPCNET_RES_N];
	int n = hpcnet_meter_compute(&j, &c, 0, 5, rows);

	(void)state;
	assert_int_equal(n, 2); /* core, net_out */
	assert_int_equal(rows[0].center_qty, 50);
	assert_int_equal(rows[0].hub_qty, 60 + 201);   /* 2 x 30 s now, 2 x 100.5 s before */
	assert_int_equal(rows[0].billed_qty, 50 + 201); /* the center's 50 for this run */
	assert_false(rows[0].flagged);                  /* 10 off: within 2 cores x 60 s */
	assert_int_equal(rows[1].billed_qty, 700);
	c.qty[HPCNET_RES_CORE] = 5000;                  /* beyond this run: flagged, capped */
	hpcnet_meter_compute(&j, &c, 0, 5, rows);
	assert_true(rows[0].flagged);
	assert_int_equal(rows[0].billed_qty, 60 + 201);
	j.started_ms = 0;                               /* ended back in the queue */
	n = hpcnet_meter_compute(&j, &c, 0, 5, rows);
	assert_int_equal(n, 2);
	assert_int_equal(rows[0].center_qty, -1);
	assert_int_equal(rows[0].billed_qty, 201);
	assert_false(rows[0].flagged);
	assert_int_equal(rows[1].billed_qty, 700);
}

static void test_meter_walltime_cap_and_estimate(void **state)
{
	struct hpcnet_meter_job j = { .cores = 2, .walltime_s = 60, .started_ms = 1,
				      .ended_ms = 1 + 3600 * 1000 };
	struct hpcnet_meter_row rows[HPCNET_RES_N], est[HPCNET_RES_N];
	int n = hpcnet_meter_compute(&j, NULL, 0, 5, rows);

	assert_int_equal(n, 1);
	assert_int_equal(rows[0].hub_qty, 2 * (60 + HPCNET_METER_GRACE_MS / 1000));
	assert_int_equal(hpcnet_meter_estimate(&j, est), 1);
	assert_int_equal(est[0].billed_qty, rows[0].billed_qty); /* the hold covers the worst case */
}

static void test_meter_parse_usage(void **state)
{
	struct hpcnet_meter_center c;
	json_t *errors = NULL, *u = json_pack("{s:f, s:I, s:s}", "gpu_seconds", 10.5,
					      "core_seconds", (json_int_t)7, "net_in_bytes", "x");

	assert_int_equal(hpcnet_meter_parse_usage(u, &c, &errors), HPCNET_EINVAL);
	assert_int_equal(c.qty[HPCNET_RES_GPU], 11);
	assert_int_equal(c.qty[HPCNET_RES_CORE], 7);
	assert_int_equal(c.qty[HPCNET_RES_MEMORY], -1);
	assert_int_equal(json_array_size(errors), 1);
	json_decref(errors);
	json_decref(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_valid),
		cmocka_unit_test(test_parse_invalid_lists_every_problem),
		cmocka_unit_test(test_rounding_half_up),
		cmocka_unit_test(test_fixed_and_tiered_cost),
		cmocka_unit_test(test_tier_sum_matches_split),
		cmocka_unit_test(test_commission_and_percent),
		cmocka_unit_test(test_money_format_and_currency),
		cmocka_unit_test(test_meter_records),
		cmocka_unit_test(test_meter_earlier_runs),
		cmocka_unit_test(test_meter_walltime_cap_and_estimate),
		cmocka_unit_test(test_meter_parse_usage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
