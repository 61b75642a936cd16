/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Metering, the pure part: a job's usage records from its allocation, its
 * start/end times and what its center reported. Each record holds the
 * center's figure beside the hub's own check (walltime x allocated
 * resources, the walltime capped at the job's limit plus a grace) and the
 * quantity billed: the center's figure, but never more than the hub's
 * check (a center cannot bill beyond what the job was given). A center
 * figure further from the check than the tolerance is flagged for a human
 * to look at. Storage and traffic have no hub check: the center's figure
 * is billed as reported.
 */
#ifndef HPCNET_BILLING_METER_H
#define HPCNET_BILLING_METER_H

#include <stdint.h>

#include <jansson.h>

#include "hub/billing/pricing.h"

#define HPCNET_METER_GRACE_MS 60000 /* schedulers stop jobs a little after their limit */

/* What the job was given and when it ran (times in ms, 0 = not yet).
 * started_ms..ended_ms is the current run; prior_ms the time of the runs
 * before it that its center ended by putting the job back in its queue
 * (requeue, preemption), each already capped at walltime + grace. */
struct hpcnet_meter_job {
	int64_t cores, gpus, memory_bytes, walltime_s;
	const char *gpu_model;  /* NULL = any */
	int64_t started_ms, ended_ms;
	int64_t prior_ms;
};

/* The center's figures in base units; -1 = it gave none. */
struct hpcnet_meter_center {
	int64_t qty[HPCNET_RES_N];
};

struct hpcnet_meter_row {
	enum hpcnet_res res;
	char model[32];
	int64_t center_qty;   /* -1 = none */
	int64_t hub_qty;      /* -1 = no hub check for this resource */
	int64_t billed_qty;
	int flagged;
};

/* Reads the usage object of an agent's report ({core_seconds, gpu_seconds,
 * memory_mib_seconds, storage_mib_seconds, net_in_bytes, net_out_bytes};
 * every field optional, numbers >= 0) into c. 0, or HPCNET_EINVAL with
 * the problem appended to *errors. */
int hpcnet_meter_parse_usage(json_t *usage, struct hpcnet_meter_center *c, json_t **errors);
/* Stores c as a compact JSON object (fields given only); caller frees. */
char *hpcnet_meter_center_json(const struct hpcnet_meter_center *c);
/* The records of a job that started, as of now_ms for a running one
 * (ended_ms == 0). tol_pct: tolerance in percent of the hub's check (at
 * least one minute's worth). Earlier runs (prior_ms) add their hub check
 * to hub_qty and billed_qty: the center's figures describe the current
 * run only. Returns the number of rows (0 if it never started). */
int hpcnet_meter_compute(const struct hpcnet_meter_job *j, const struct hpcnet_meter_center *c,
			 int64_t now_ms, int64_t tol_pct, struct hpcnet_meter_row rows[HPCNET_RES_N]);
/* What the job can use at most (its request for its whole walltime and the
 * grace): for
 * holds and quota reservations. Same row layout, billed_qty = the maximum. */
int hpcnet_meter_estimate(const struct hpcnet_meter_job *j, struct hpcnet_meter_row rows[HPCNET_RES_N]);

#endif
