/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What jobs cost: the hold at submit, metering while they run, the charge
 * when they end, and top-ups. The rules:
 *
 * - The payer of a job is its project's organization, or its user when
 *   it has no project.
 * - Hold at submit = the most the job can cost: its request (cores, GPUs,
 *   memory) for its whole walltime (plus the metering grace) at the
 *   highest tier price of the dearest center that could ever run it (the
 *   pinned center if it is pinned), under the price lists in force at
 *   submit. Refused (HPCNET_EFUNDS) when balance + credit limit cannot
 *   cover it. A center without an approved price list runs jobs free.
 * - Charge when the job ends, from its metered usage, at its center's
 *   prices in force at submit (so cores, GPUs and memory never cost more
 *   than their hold; storage and traffic, unknown at submit, come from the
 *   balance beyond it, never past the credit limit),
 *   tiered on the payer's monthly volume there. One transaction moves the
 *   hold out, the unused rest back to the payer, the center's share and
 *   the platform's commission to them. A job that never started costs
 *   nothing; a cancelled job pays what ran; a lost job (its center cannot
 *   account for it) costs nothing. Its key is "charge:" + job id,
 *   so it happens exactly once, whatever crashes or retries. A job its
 *   center requeued or preempted is charged for every run in that one
 *   charge (earlier runs at the hub's check; see hub/store/runs_store.c).
 */
#ifndef HPCNET_BILLING_H
#define HPCNET_BILLING_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "hub/billing/ledger.h"
#include "hub/billing/meter.h"
#include "hub/billing/pricing.h"

struct hpcnet_db;
struct hpcnet_sched_center;
struct hpcnet_sched_job;

struct hpcnet_billing_cfg {
	char currency[HPCNET_CURRENCY_LEN]; /* the platform's one currency */
	int64_t commission_bp;              /* platform share of each charge, 1/100 % */
	int64_t tolerance_pct;              /* metering discrepancy flag */
	int64_t storage_price;              /* per GiB-day kept by the hub (storage.h) */
};

/* The hub's defaults: CNY (the users are Chinese universities and
 * institutes; --currency changes it), 10 % commission, 5 % tolerance. */
void hpcnet_billing_defaults(struct hpcnet_billing_cfg *cfg);

/* The payer of a job (a store job row: org_id, user_id): its project's
 * org, else its user. */
void hpcnet_billing_payer(json_t *job, const char **kind, const char **id);

struct hpcnet_estimate {
	int64_t amount;
	char basis[96];   /* "prices of alpha", or why it is free */
	int64_t priced_at;
};

/* The hold for a job (see above) over the n centers of the scheduler's
 * view; pin (center id) or NULL. 0 or <0. */
int hpcnet_billing_estimate(struct hpcnet_db *db, const struct hpcnet_billing_cfg *cfg,
			    const struct hpcnet_meter_job *mj, const struct hpcnet_sched_center *c,
			    size_t n, const struct hpcnet_sched_job *sj, int64_t now,
			    struct hpcnet_estimate *out);

struct hpcnet_hold_req {
	const char *job_id, *payer_kind, *payer_id;
	const struct hpcnet_estimate *est;
	int64_t now;
};
/* Records the job's hold and moves its amount into the payer's holds
 * account. HPCNET_EFUNDS (nothing written; *b says what is available)
 * when balance + credit do not cover it. */
int hpcnet_billing_hold(struct hpcnet_db *db, const struct hpcnet_billing_cfg *cfg,
			const struct hpcnet_hold_req *req, struct hpcnet_balance *b);

/* Meters and charges an ended job (see above); c = the center's figures
 * from its final report, or NULL to use what was recorded. A job without
 * a hold (submitted before billing) or already charged: nothing. */
int hpcnet_billing_settle(struct hpcnet_db *db, const struct hpcnet_billing_cfg *cfg,
			  const char *job_id, const struct hpcnet_meter_center *c, int64_t now);
/* Records interim usage of a running job (hub check so far, the center's
 * figures if it gave some). */
int hpcnet_billing_meter_running(struct hpcnet_db *db, const struct hpcnet_billing_cfg *cfg,
				 const char *job_id, const struct hpcnet_meter_center *c,
				 int64_t now);
/* Periodic: charges ended jobs still holding (ends the hub saw without a
 * report: cancels, lost jobs), refreshes running jobs' usage and meters
 * (and charges, per day) what the hub stores (storage.h). Returns how many
 * jobs were charged. */
int hpcnet_billing_sweep(struct hpcnet_db *db, const struct hpcnet_billing_cfg *cfg, int64_t now);

/* Adds amount (> 0) to an owner's main account from outside the platform,
 * under key (the caller's Idempotency-Key, made unique per use). 0 done,
 * 1 the key was used before. */
int hpcnet_billing_topup(struct hpcnet_db *db, const struct hpcnet_billing_cfg *cfg,
			 const char *kind, const char *owner_id, int64_t amount, const char *key,
			 const char *by, const char *memo, int64_t now);
/* A correction: moves amount (> 0) from one main account to another as an
 * 'adjustment' transaction under key (the ledger is append-only: this is
 * how a wrong charge is undone). The source may not go below minus its
 * credit limit, except the platform and the external account.
 * HPCNET_EFUNDS (nothing written) when it would; 0 done; 1 key used before. */
int hpcnet_billing_transfer(struct hpcnet_db *db, const struct hpcnet_billing_cfg *cfg,
			    const char *from_kind, const char *from_id, const char *to_kind,
			    const char *to_id, int64_t amount, const char *key, const char *by,
			    const char *memo, int64_t now);

/* Pays a center's earnings of a period out of the platform: its net from
 * that period's charges (the settlement figure), capped by what its
 * account holds, to the external account, under the key
 * "payout:<center>:<period>". 0 paid (or nothing to pay), 1 paid before.
 * *amount (may be NULL) gets what was paid. */
int hpcnet_billing_payout(struct hpcnet_db *db, const struct hpcnet_billing_cfg *cfg,
			  const char *center_id, const char *period, const char *by, int64_t now,
			  int64_t *amount);

#endif
