/* SPDX-License-Identifier: Apache-2.0 */
/* Usage records from allocation, times and the center's figures; see meter.h. */
#include <stdio.h>
#include <string.h>

#include "hpcnet/error.h"
#include "hub/billing/meter.h"
#include "hub/validate.h"

#define MIB (1024 * 1024)

static const char *usage_field[HPCNET_RES_N] = {
	[HPCNET_RES_CORE] = "core_seconds", [HPCNET_RES_GPU] = "gpu_seconds",
	[HPCNET_RES_MEMORY] = "memory_mib_seconds", [HPCNET_RES_STORAGE] = "storage_mib_seconds",
	[HPCNET_RES_NET_IN] = "net_in_bytes", [HPCNET_RES_NET_OUT] = "net_out_bytes",
};

int hpcnet_meter_parse_usage(json_t *usage, struct hpcnet_meter_center *c, json_t **errors)
{
	int i, rc = 0;

	for (i = 0; i < HPCNET_RES_N; i++) {
		json_t *v = json_object_get(usage, usage_field[i]);

		c->qty[i] = -1;
		if (!v || json_is_null(v))
			continue;
		/* Agents report seconds as reals (0.25 s of a core); the ledger
		 * wants integers: round half up once, here. */
		if (json_is_integer(v) && json_integer_value(v) >= 0) {
			c->qty[i] = json_integer_value(v);
		} else if (json_is_real(v) && json_real_value(v) >= 0 && json_real_value(v) < 9e15) {
			c->qty[i] = (int64_t)(json_real_value(v) + 0.5);
		} else {
			hpcnet_validate_add(errors, "usage", "'%s' must be a number >= 0", usage_field[i]);
			rc = HPCNET_EINVAL;
		}
	}
	return rc;
}

char *hpcnet_meter_center_json(const struct hpcnet_meter_center *c)
{
	json_t *o = json_object();
	char *s;
	int i;

	for (i = 0; i < HPCNET_RES_N; i++)
		if (c->qty[i] >= 0)
			json_object_set_new(o, usage_field[i], json_integer(c->qty[i]));
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return s;
}

/* units x ms / 1000, half up, without overflow for any sane input. */
static int64_t unit_seconds(int64_t units, int64_t ms)
{
	return hpcnet_pricing_round_div((__int128)units * ms, 1000);
}

static void add_row(struct hpcnet_meter_row *rows, int *n, enum hpcnet_res res, const char *model,
		    int64_t center, int64_t hub, int64_t units_per_s, int64_t tol_pct)
{
	struct hpcnet_meter_row *r = &rows[(*n)++];

	memset(r, 0, sizeof(*r));
	r->res = res;
	snprintf(r->model, sizeof(r->model), "%s", model ? model : "");
	r->center_qty = center;
	r->hub_qty = hub;
	if (hub < 0) {
		r->billed_qty = center;
	} else if (center < 0) {
		r->billed_qty = hub;
	} else {
		int64_t tol = hub / 100 * tol_pct + (hub % 100) * tol_pct / 100, d;

		if (tol < units_per_s * 60)
			tol = units_per_s * 60;
		d = center > hub ? center - hub : hub - center;
		r->flagged = d > tol;
		r->billed_qty = center < hub ? center : hub;
	}
}

static int build(const struct hpcnet_meter_job *j, const struct hpcnet_meter_center *c,
		 int64_t wall_ms, int64_t tol_pct, struct hpcnet_meter_row *rows)
{
	int64_t mib = (j->memory_bytes + MIB - 1) / MIB;
	int n = 0, i;

	add_row(rows, &n, HPCNET_RES_CORE, "", c ? c->qty[HPCNET_RES_CORE] : -1,
		unit_seconds(j->cores, wall_ms), j->cores, tol_pct);
	if (j->gpus > 0)
		add_row(rows, &n, HPCNET_RES_GPU, j->gpu_model, c ? c->qty[HPCNET_RES_GPU] : -1,
			unit_seconds(j->gpus, wall_ms), j->gpus, tol_pct);
	if (mib > 0)
		add_row(rows, &n, HPCNET_RES_MEMORY, "", c ? c->qty[HPCNET_RES_MEMORY] : -1,
			unit_seconds(mib, wall_ms), mib, tol_pct);
	for (i = HPCNET_RES_STORAGE; c && i < HPCNET_RES_N; i++)
		if (c->qty[i] >= 0)
			add_row(rows, &n, (enum hpcnet_res)i, "", c->qty[i], -1, 0, tol_pct);
	return n;
}

int hpcnet_meter_compute(const struct hpcnet_meter_job *j, const struct hpcnet_meter_center *c,
			 int64_t now_ms, int64_t tol_pct, struct hpcnet_meter_row rows[HPCNET_RES_N])
{
	struct hpcnet_meter_row prior[HPCNET_RES_N];
	struct hpcnet_meter_center rest;
	int64_t end, wall = 0, cap = j->walltime_s * 1000 + HPCNET_METER_GRACE_MS;
	int n, np, i;

	if (j->started_ms <= 0 && j->prior_ms <= 0)
		return 0;
	if (j->started_ms > 0) {
		end = j->ended_ms > 0 ? j->ended_ms : now_ms;
		wall = end > j->started_ms ? end - j->started_ms : 0;
		if (wall > cap)
			wall = cap;
	} else if (c) {
		/* Back in the queue when it ended: no current run for the center's
		 * core/GPU/memory figures to describe; storage and traffic stand. */
		rest = *c;
		rest.qty[HPCNET_RES_CORE] = rest.qty[HPCNET_RES_GPU] = -1;
		rest.qty[HPCNET_RES_MEMORY] = -1;
		c = &rest;
	}
	n = build(j, c, wall, tol_pct, rows);
	if (j->prior_ms <= 0)
		return n;
	/* Same allocation, so the same leading rows (core, GPU, memory). */
	np = build(j, NULL, j->prior_ms, 0, prior);
	for (i = 0; i < np; i++) {
		rows[i].hub_qty += prior[i].hub_qty;
		rows[i].billed_qty += prior[i].billed_qty;
	}
	return n;
}

int hpcnet_meter_estimate(const struct hpcnet_meter_job *j, struct hpcnet_meter_row rows[HPCNET_RES_N])
{
	return build(j, NULL, j->walltime_s * 1000 + HPCNET_METER_GRACE_MS, 0, rows);
}
