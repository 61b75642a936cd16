/* SPDX-License-Identifier: Apache-2.0 */
/* Holds, metering, charges and top-ups of jobs; the rules are in billing.h. */
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "hpcnet/error.h"
#include "hpcnet/job.h"
#include "hub/billing/billing.h"
#include "hub/billing/storage.h"
#include "hub/store/billing_store.h"
#include "hub/store/store.h"
#include "scheduler/sched.h"

#define SWEEP_LIMIT 500

void hpcnet_billing_defaults(struct hpcnet_billing_cfg *cfg)
{
	snprintf(cfg->currency, sizeof(cfg->currency), "CNY");
	cfg->commission_bp = 1000;
	cfg->tolerance_pct = 5;
}

void hpcnet_billing_payer(json_t *job, const char **kind, const char **id)
{
	const char *org = json_string_value(json_object_get(job, "org_id"));

	*kind = org ? "org" : "user";
	*id = org ? org : json_string_value(json_object_get(job, "user_id"));
}

static int64_t iv(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

/* The price list of a center in force at `at`; pl->n == 0 when none. */
static int load_prices(struct hpcnet_db *db, const struct hpcnet_billing_cfg *cfg,
		       const char *center_id, int64_t at, struct hpcnet_price_list *pl)
{
	json_t *row = NULL, *items = NULL, *errors = NULL;
	int rc;

	memset(pl, 0, sizeof(*pl));
	if (!center_id)
		return 0;
	rc = hpcnet_store_price_in_force(db, center_id, at, &row);
	if (rc <= 0)
		return rc;
	if (strcmp(json_string_value(json_object_get(row, "currency")), cfg->currency) != 0) {
		hpcnet_warn("price list %s is in %s, not the hub's %s: ignored",
			    json_string_value(json_object_get(row, "id")),
			    json_string_value(json_object_get(row, "currency")), cfg->currency);
		goto out;
	}
	items = json_loads(json_string_value(json_object_get(row, "items")), 0, NULL);
	if (hpcnet_pricing_parse(items, pl, &errors) < 0) {
		/* Validated when it was set: only a hand-edited database gets here. */
		hpcnet_error("price list %s no longer parses: ignored",
			     json_string_value(json_object_get(row, "id")));
		memset(pl, 0, sizeof(*pl));
	}
out:
	json_decref(errors);
	json_decref(items);
	json_decref(row);
	return 0;
}

static int64_t max_cost(const struct hpcnet_price_list *pl, const struct hpcnet_meter_row *rows,
			int n)
{
	int64_t sum = 0;
	int i;

	for (i = 0; i < n; i++) {
		int64_t c = hpcnet_pricing_max_cost(hpcnet_pricing_find(pl, rows[i].res, rows[i].model),
						    rows[i].res, rows[i].billed_qty);

		if (c < 0)
			return c;
		sum += c;
	}
	return sum;
}

int hpcnet_billing_estimate(struct hpcnet_db *db, const struct hpcnet_billing_cfg *cfg,
			    const struct hpcnet_meter_job *mj, const struct hpcnet_sched_center *c,
			    size_t n, const struct hpcnet_sched_job *sj, int64_t now,
			    struct hpcnet_estimate *out)
{
	struct hpcnet_meter_row rows[HPCNET_RES_N];
	struct hpcnet_price_list pl;
	char why[200];
	size_t i;
	int nrows = hpcnet_meter_estimate(mj, rows), rc;

	memset(out, 0, sizeof(*out));
	out->priced_at = now;
	snprintf(out->basis, sizeof(out->basis), "no center that could run it has prices: free");
	for (i = 0; i < n; i++) {
		int64_t cost;

		if (sj->pin && strcmp(sj->pin, c[i].id) != 0)
			continue;
		if (!sj->pin && !hpcnet_sched_fits_ever(&c[i], sj, why, sizeof(why)))
			continue;
		rc = load_prices(db, cfg, c[i].id, now, &pl);
		if (rc < 0)
			return rc;
		cost = max_cost(&pl, rows, nrows);
		if (cost < 0)
			return cost;
		if (cost > out->amount || (cost == out->amount && pl.n && !out->amount)) {
			out->amount = cost;
			snprintf(out->basis, sizeof(out->basis), "prices of %s", c[i].name);
		}
	}
	return 0;
}

int hpcnet_billing_hold(struct hpcnet_db *db, const struct hpcnet_billing_cfg *cfg,
			const struct hpcnet_hold_req *req, struct hpcnet_balance *b)
{
	char main_id[HPCNET_ID_LEN], holds_id[HPCNET_ID_LEN], key[96], period[8];
	struct hpcnet_ledger_entry e[2];
	struct hpcnet_ledger_tx tx;
	int64_t amount = req->est->amount;
	int rc;

	rc = hpcnet_ledger_balance(db, req->payer_kind, req->payer_id, cfg->currency, b);
	if (rc < 0)
		return rc;
	if (amount > 0 && b->available < amount)
		return HPCNET_EFUNDS;
	rc = hpcnet_store_hold_insert(db, req->job_id, req->payer_kind, req->payer_id, cfg->currency,
				      amount, req->est->basis, req->est->priced_at, req->now);
	if (rc < 0 || amount == 0)
		return rc;
	rc = hpcnet_ledger_account(db, req->payer_kind, req->payer_id, "main", cfg->currency,
				   req->now, main_id);
	if (rc == 0)
		rc = hpcnet_ledger_account(db, req->payer_kind, req->payer_id, "holds", cfg->currency,
					   req->now, holds_id);
	if (rc < 0)
		return rc;
	e[0] = (struct hpcnet_ledger_entry){ main_id, -amount };
	e[1] = (struct hpcnet_ledger_entry){ holds_id, amount };
	snprintf(key, sizeof(key), "hold:%s", req->job_id);
	hpcnet_ledger_period(req->now, period);
	tx = (struct hpcnet_ledger_tx){ .key = key, .kind = "hold", .job_id = req->job_id,
					.period = period, .memo = req->est->basis, .now = req->now,
					.e = e, .n = 2 };
	rc = hpcnet_ledger_post(db, &tx);
	return rc < 0 ? rc : 0;
}

/* The job's allocation and runs: the current one from the job row, the
 * earlier ones (requeued, preempted) from job_runs. */
static int meter_job_of(struct hpcnet_db *db, json_t *job, struct hpcnet_meter_job *mj)
{
	int64_t last_end;

	*mj = (struct hpcnet_meter_job){
		.cores = iv(job, "cores"), .gpus = iv(job, "gpus"),
		.memory_bytes = iv(job, "memory_bytes"), .walltime_s = iv(job, "walltime_seconds"),
		.gpu_model = json_string_value(json_object_get(job, "gpu_model")),
		.started_ms = iv(job, "started_at"), .ended_ms = iv(job, "ended_at"),
	};
	return hpcnet_store_job_runs_prior(db, json_string_value(json_object_get(job, "id")),
					   mj->walltime_s * 1000 + HPCNET_METER_GRACE_MS,
					   &mj->prior_ms, &last_end);
}

/* The center figures recorded for the job so far (interim records). */
static int recorded_center(struct hpcnet_db *db, const char *job_id, struct hpcnet_meter_center *c)
{
	json_t *rows = NULL, *row;
	size_t i;
	int k, rc = hpcnet_store_usage_job(db, job_id, &rows);

	for (k = 0; k < HPCNET_RES_N; k++)
		c->qty[k] = -1;
	json_array_foreach(rows, i, row) {
		int r = hpcnet_res_parse(json_string_value(json_object_get(row, "resource")));

		if (r >= 0 && json_is_integer(json_object_get(row, "center_qty")))
			c->qty[r] = iv(row, "center_qty");
	}
	json_decref(rows);
	return rc;
}

/* Writes the job's usage records; with pl, prices them (final) and adds
 * their amounts to *cost. */
static int put_usage(struct hpcnet_db *db, const struct hpcnet_billing_cfg *cfg, json_t *job,
		     const char *payer_kind, const char *payer_id, const struct hpcnet_meter_row *rows,
		     int n, const struct hpcnet_price_list *pl, int64_t at, int64_t now, int64_t *cost)
{
	const char *job_id = json_string_value(json_object_get(job, "id"));
	const char *center = json_string_value(json_object_get(job, "center_id"));
	char period[8], day[11];
	int i, rc = 0;

	hpcnet_ledger_period(at, period);
	hpcnet_ledger_day(at, day);
	for (i = 0; rc == 0 && i < n; i++) {
		const char *res = hpcnet_res_name(rows[i].res);
		struct hpcnet_usage_put u = {
			.job_id = job_id, .resource = res, .model = rows[i].model, .center_id = center,
			.user_id = json_string_value(json_object_get(job, "user_id")),
			.payer_kind = payer_kind, .payer_id = payer_id, .currency = cfg->currency,
			.period = period, .day = day,
			.center_qty = rows[i].center_qty >= 0 ? rows[i].center_qty : HPCNET_DB_NULL,
			.hub_qty = rows[i].hub_qty >= 0 ? rows[i].hub_qty : HPCNET_DB_NULL,
			.billed_qty = rows[i].billed_qty, .flagged = rows[i].flagged,
			.final = pl != NULL, .now = now,
		};

		if (pl && pl->n) { /* unpriced: free, and no tier volume to keep */
			int64_t prior = 0;

			rc = hpcnet_store_usage_volume(db, payer_kind, payer_id, center, res,
						       rows[i].model, period, &prior);
			if (rc == 0)
				rc = hpcnet_store_usage_volume_add(db, payer_kind, payer_id, center, res,
								   rows[i].model, period,
								   rows[i].billed_qty);
			if (rc < 0)
				break;
			u.amount = hpcnet_pricing_cost(hpcnet_pricing_find(pl, rows[i].res,
									   rows[i].model),
						       rows[i].res, prior, rows[i].billed_qty);
			if (u.amount < 0)
				return (int)u.amount;
			*cost += u.amount;
		}
		rc = hpcnet_store_usage_put(db, &u);
	}
	return rc;
}

int hpcnet_billing_meter_running(struct hpcnet_db *db, const struct hpcnet_billing_cfg *cfg,
				 const char *job_id, const struct hpcnet_meter_center *c,
				 int64_t now)
{
	struct hpcnet_meter_row rows[HPCNET_RES_N];
	struct hpcnet_meter_center have;
	struct hpcnet_meter_job mj;
	const char *pk, *pid;
	json_t *job = NULL;
	int n, rc = hpcnet_store_job_get(db, job_id, &job);

	if (rc < 0)
		return rc == HPCNET_ENOTFOUND ? 0 : rc;
	rc = meter_job_of(db, job, &mj);
	if (rc < 0 || mj.started_ms <= 0 || mj.ended_ms > 0 ||
	    json_is_null(json_object_get(job, "center_id")))
		goto out;
	if (!c) {
		rc = recorded_center(db, job_id, &have);
		c = &have;
	}
	hpcnet_billing_payer(job, &pk, &pid);
	n = hpcnet_meter_compute(&mj, c, now, cfg->tolerance_pct, rows);
	if (rc == 0)
		rc = put_usage(db, cfg, job, pk, pid, rows, n, NULL, now, now, NULL);
out:
	json_decref(job);
	return rc;
}

/* 1 when the transaction under key exists and its memo is memo. */
static int tx_is(struct hpcnet_db *db, const char *key, const char *memo)
{
	json_t *tx = NULL;
	int rc = hpcnet_store_ledger_tx_find(db, key, &tx);

	if (rc == 1)
		rc = !memo || strcmp(json_string_value(json_object_get(tx, "memo")), memo) == 0;
	json_decref(tx);
	return rc;
}

/* A job the hub gave up as lost was settled for nothing and its hold went
 * back; when its center then reports it ended after all (lost -> succeeded,
 * failed, cancelled, maybe through running again), what it used is owed:
 * charged now, under "charge:<job>:late", from the payer's balance (no
 * hold is left), never past the credit limit. Once, whatever re-sends. */
static int settle_late(struct hpcnet_db *db, const struct hpcnet_billing_cfg *cfg,
		       const char *job_id, json_t *hold, const struct hpcnet_meter_center *c,
		       int64_t now)
{
	char main_id[HPCNET_ID_LEN], center_acc[HPCNET_ID_LEN], platform_acc[HPCNET_ID_LEN];
	char key[96], first[96], period[8];
	struct hpcnet_meter_row rows[HPCNET_RES_N];
	struct hpcnet_ledger_entry e[3];
	struct hpcnet_meter_center have;
	struct hpcnet_price_list pl;
	struct hpcnet_meter_job mj;
	struct hpcnet_balance b;
	struct hpcnet_ledger_tx tx;
	const char *pk = json_string_value(json_object_get(hold, "payer_kind"));
	const char *pid = json_string_value(json_object_get(hold, "payer_id"));
	const char *state, *center;
	json_t *job = NULL;
	int64_t cost = 0, charged, comm, at;
	int n, rc;

	snprintf(key, sizeof(key), "charge:%s:late", job_id);
	snprintf(first, sizeof(first), "charge:%s", job_id);
	if (json_is_integer(json_object_get(hold, "late_settled_at")) || iv(hold, "cost") > 0)
		return 0; /* settled late before, even for nothing (a lost job's own
			   * settle costs 0; a cost without the mark predates it) */
	rc = tx_is(db, key, NULL);
	if (rc != 0)
		return rc < 0 ? rc : 0; /* charged late before */
	rc = tx_is(db, first, "lost");
	if (rc <= 0)
		return rc; /* its charge was for what really happened: done */
	rc = hpcnet_store_job_get(db, job_id, &job);
	if (rc < 0)
		goto out;
	state = json_string_value(json_object_get(job, "state"));
	center = json_string_value(json_object_get(job, "center_id"));
	if (!center || strcmp(state, "lost") == 0 ||
	    !hpcnet_job_state_final(hpcnet_job_state_parse(state)))
		goto out; /* still lost, or running again: its end will tell */
	rc = meter_job_of(db, job, &mj);
	if (rc == 0 && !c) {
		rc = recorded_center(db, job_id, &have);
		c = &have;
	}
	if (rc == 0)
		rc = load_prices(db, cfg, center, iv(hold, "priced_at"), &pl);
	if (rc < 0)
		goto out;
	at = mj.ended_ms > 0 ? mj.ended_ms : now;
	n = hpcnet_meter_compute(&mj, c, at, cfg->tolerance_pct, rows);
	rc = put_usage(db, cfg, job, pk, pid, rows, n, &pl, at, now, &cost);
	if (rc == 0)
		rc = hpcnet_ledger_balance(db, pk, pid, cfg->currency, &b);
	if (rc < 0)
		goto out;
	charged = cost < (b.available > 0 ? b.available : 0) ? cost
		: (b.available > 0 ? b.available : 0);
	comm = hpcnet_pricing_commission(charged, cfg->commission_bp);
	if (charged > 0) {
		rc = hpcnet_ledger_account(db, pk, pid, "main", cfg->currency, now, main_id);
		if (rc == 0)
			rc = hpcnet_ledger_account(db, "center", center, "main", cfg->currency, now,
						   center_acc);
		if (rc == 0 && comm > 0)
			rc = hpcnet_ledger_account(db, "platform", "platform", "main", cfg->currency,
						   now, platform_acc);
		if (rc < 0)
			goto out;
		e[0] = (struct hpcnet_ledger_entry){ main_id, -charged };
		e[1] = (struct hpcnet_ledger_entry){ center_acc, charged - comm };
		e[2] = (struct hpcnet_ledger_entry){ platform_acc, comm };
		hpcnet_ledger_period(at, period);
		tx = (struct hpcnet_ledger_tx){ .key = key, .kind = "charge", .job_id = job_id,
						.period = period, .now = now, .e = e, .n = comm > 0 ? 3 : 2,
						.memo = state };
		rc = hpcnet_ledger_post(db, &tx);
		if (rc < 0)
			goto out;
	}
	rc = hpcnet_store_hold_recharge(db, job_id, cost, charged, now);
	if (rc >= 0)
		rc = 1;
out:
	json_decref(job);
	return rc;
}

int hpcnet_billing_settle(struct hpcnet_db *db, const struct hpcnet_billing_cfg *cfg,
			  const char *job_id, const struct hpcnet_meter_center *c, int64_t now)
{
	char main_id[HPCNET_ID_LEN], holds_id[HPCNET_ID_LEN], center_acc[HPCNET_ID_LEN];
	char platform_acc[HPCNET_ID_LEN], key[96], period[8];
	struct hpcnet_meter_row rows[HPCNET_RES_N];
	struct hpcnet_ledger_entry e[4];
	struct hpcnet_meter_center have;
	struct hpcnet_price_list pl;
	struct hpcnet_meter_job mj;
	struct hpcnet_balance b;
	struct hpcnet_ledger_tx tx;
	json_t *hold = NULL, *job = NULL;
	const char *pk, *pid, *center;
	int64_t held, cost = 0, charged, comm, at;
	int n, rc = hpcnet_store_hold_get(db, job_id, &hold);

	if (rc == HPCNET_ENOTFOUND)
		return 0;
	if (rc == 0 && strcmp(json_string_value(json_object_get(hold, "status")), "charged") == 0) {
		rc = settle_late(db, cfg, job_id, hold, c, now);
		goto out;
	}
	if (rc < 0 || strcmp(json_string_value(json_object_get(hold, "status")), "held") != 0)
		goto out;
	rc = hpcnet_store_job_get(db, job_id, &job);
	if (rc < 0)
		goto out;
	if (!hpcnet_job_state_final(hpcnet_job_state_parse(json_string_value(json_object_get(job,
											"state")))))
		goto out; /* not ended yet: nothing to charge */
	pk = json_string_value(json_object_get(hold, "payer_kind"));
	pid = json_string_value(json_object_get(hold, "payer_id"));
	center = json_string_value(json_object_get(job, "center_id"));
	held = iv(hold, "amount");
	rc = meter_job_of(db, job, &mj);
	if (rc < 0)
		goto out;
	at = mj.ended_ms > 0 ? mj.ended_ms : now;
	if (!c) {
		rc = recorded_center(db, job_id, &have);
		c = &have;
	}
	/* A lost job is one its center cannot account for: its usage is
	 * recorded, but the payer does not pay for the center's failure. */
	if (rc == 0 && strcmp(json_string_value(json_object_get(job, "state")), "lost") == 0)
		memset(&pl, 0, sizeof(pl));
	else if (rc == 0)
		rc = load_prices(db, cfg, center, iv(hold, "priced_at"), &pl);
	n = center ? hpcnet_meter_compute(&mj, c, at, cfg->tolerance_pct, rows) : 0;
	if (rc == 0)
		rc = put_usage(db, cfg, job, pk, pid, rows, n, &pl, at, now, &cost);
	if (rc == 0)
		rc = hpcnet_ledger_balance(db, pk, pid, cfg->currency, &b);
	if (rc < 0)
		goto out;
	/* Never beyond the credit limit: the hold plus what is still
	 * available (an uncollectable excess stays visible as cost > charged). */
	charged = cost;
	if (charged > held + (b.available > 0 ? b.available : 0))
		charged = held + (b.available > 0 ? b.available : 0);
	comm = hpcnet_pricing_commission(charged, cfg->commission_bp);
	if (held == 0 && charged == 0)
		goto settled; /* nothing moves: no transaction, no accounts made */
	rc = hpcnet_ledger_account(db, pk, pid, "main", cfg->currency, now, main_id);
	if (rc == 0)
		rc = hpcnet_ledger_account(db, pk, pid, "holds", cfg->currency, now, holds_id);
	if (rc == 0 && charged > 0)
		rc = hpcnet_ledger_account(db, "center", center, "main", cfg->currency, now, center_acc);
	if (rc == 0 && comm > 0)
		rc = hpcnet_ledger_account(db, "platform", "platform", "main", cfg->currency, now,
					   platform_acc);
	if (rc < 0)
		goto out;
	e[0] = (struct hpcnet_ledger_entry){ holds_id, -held };
	e[1] = (struct hpcnet_ledger_entry){ main_id, held - charged };
	e[2] = (struct hpcnet_ledger_entry){ center_acc, charged > 0 ? charged - comm : 0 };
	e[3] = (struct hpcnet_ledger_entry){ platform_acc, comm };
	snprintf(key, sizeof(key), "charge:%s", job_id);
	hpcnet_ledger_period(at, period);
	tx = (struct hpcnet_ledger_tx){ .key = key, .kind = charged > 0 ? "charge" : "release",
					.job_id = job_id, .period = period, .now = now, .e = e,
					.n = charged > 0 ? 4 : 2,
					.memo = json_string_value(json_object_get(job, "state")) };
	rc = hpcnet_ledger_post(db, &tx);
	if (rc < 0)
		goto out;
settled:
	rc = hpcnet_store_hold_settle(db, job_id, cost, charged, now);
	if (rc >= 0)
		rc = 1;
out:
	json_decref(job);
	json_decref(hold);
	return rc;
}

int hpcnet_billing_sweep(struct hpcnet_db *db, const struct hpcnet_billing_cfg *cfg, int64_t now)
{
	json_t *rows = NULL, *row;
	size_t i;
	int rc = hpcnet_store_hold_unsettled(db, SWEEP_LIMIT, &rows), n = 0;

	json_array_foreach(rows, i, row) {
		if (rc < 0)
			break;
		rc = hpcnet_billing_settle(db, cfg, json_string_value(json_object_get(row, "job_id")),
					   NULL, now);
		n += rc > 0;
	}
	json_decref(rows);
	if (rc < 0)
		return rc;
	rc = hpcnet_db_list_json(db, &rows, "SELECT id FROM jobs WHERE state = 'running'"
				 " ORDER BY id LIMIT 2000", NULL);
	json_array_foreach(rows, i, row) {
		if (rc < 0)
			break;
		rc = hpcnet_billing_meter_running(db, cfg, json_string_value(json_object_get(row, "id")),
						  NULL, now);
	}
	json_decref(rows);
	if (rc >= 0)
		rc = hpcnet_billing_storage_sweep(db, cfg, now);
	return rc < 0 ? rc : n;
}

int hpcnet_billing_topup(struct hpcnet_db *db, const struct hpcnet_billing_cfg *cfg,
			 const char *kind, const char *owner_id, int64_t amount, const char *key,
			 const char *by, const char *memo, int64_t now)
{
	char to[HPCNET_ID_LEN], from[HPCNET_ID_LEN], period[8];
	struct hpcnet_ledger_entry e[2];
	struct hpcnet_ledger_tx tx;
	int rc = hpcnet_ledger_account(db, kind, owner_id, "main", cfg->currency, now, to);

	if (rc == 0)
		rc = hpcnet_ledger_account(db, "external", "world", "main", cfg->currency, now, from);
	if (rc < 0)
		return rc;
	e[0] = (struct hpcnet_ledger_entry){ from, -amount };
	e[1] = (struct hpcnet_ledger_entry){ to, amount };
	hpcnet_ledger_period(now, period);
	tx = (struct hpcnet_ledger_tx){ .key = key, .kind = "topup", .period = period, .memo = memo,
					.by = by, .now = now, .e = e, .n = 2 };
	return hpcnet_ledger_post(db, &tx);
}

int hpcnet_billing_payout(struct hpcnet_db *db, const struct hpcnet_billing_cfg *cfg,
			  const char *center_id, const char *period, const char *by, int64_t now,
			  int64_t *amount)
{
	char acc[HPCNET_ID_LEN], ext[HPCNET_ID_LEN], key[160], today[8];
	struct hpcnet_ledger_entry e[2];
	struct hpcnet_balance b;
	struct hpcnet_ledger_tx tx;
	json_t *rows = NULL, *row;
	int64_t net = 0;
	size_t i;
	int rc;

	if (amount)
		*amount = 0;
	snprintf(key, sizeof(key), "payout:%s:%s", center_id, period);
	rc = hpcnet_store_ledger_tx_find(db, key, &row);
	json_decref(row);
	if (rc != 0)
		return rc < 0 ? rc : 1;
	rc = hpcnet_store_settlement(db, period, &rows);
	json_array_foreach(rows, i, row)
		if (strcmp(json_string_value(json_object_get(row, "center_id")), center_id) == 0)
			net = iv(row, "net");
	json_decref(rows);
	if (rc == 0)
		rc = hpcnet_ledger_balance(db, "center", center_id, cfg->currency, &b);
	if (rc < 0)
		return rc;
	if (net > b.balance)
		net = b.balance > 0 ? b.balance : 0;
	rc = hpcnet_ledger_account(db, "center", center_id, "main", cfg->currency, now, acc);
	if (rc == 0)
		rc = hpcnet_ledger_account(db, "external", "world", "main", cfg->currency, now, ext);
	if (rc < 0)
		return rc;
	e[0] = (struct hpcnet_ledger_entry){ acc, -net };
	e[1] = (struct hpcnet_ledger_entry){ ext, net };
	hpcnet_ledger_period(now, today);
	tx = (struct hpcnet_ledger_tx){ .key = key, .kind = "payout", .period = today,
					.memo = period, .by = by, .now = now, .e = e, .n = 2 };
	rc = hpcnet_ledger_post(db, &tx);
	if (rc == 0 && amount)
		*amount = net;
	return rc;
}

int hpcnet_billing_transfer(struct hpcnet_db *db, const struct hpcnet_billing_cfg *cfg,
			    const char *from_kind, const char *from_id, const char *to_kind,
			    const char *to_id, int64_t amount, const char *key, const char *by,
			    const char *memo, int64_t now)
{
	char from[HPCNET_ID_LEN], to[HPCNET_ID_LEN], period[8];
	struct hpcnet_ledger_entry e[2];
	struct hpcnet_ledger_tx tx;
	struct hpcnet_balance b;
	json_t *prior = NULL;
	int rc = hpcnet_store_ledger_tx_find(db, key, &prior);

	json_decref(prior);
	if (rc != 0)
		return rc < 0 ? rc : 1; /* a replay must not be refused for funds */
	rc = hpcnet_ledger_balance(db, from_kind, from_id, cfg->currency, &b);
	if (rc < 0)
		return rc;
	if (strcmp(from_kind, "external") != 0 && strcmp(from_kind, "platform") != 0 &&
	    b.available < amount)
		return HPCNET_EFUNDS;
	rc = hpcnet_ledger_account(db, from_kind, from_id, "main", cfg->currency, now, from);
	if (rc == 0)
		rc = hpcnet_ledger_account(db, to_kind, to_id, "main", cfg->currency, now, to);
	if (rc < 0)
		return rc;
	e[0] = (struct hpcnet_ledger_entry){ from, -amount };
	e[1] = (struct hpcnet_ledger_entry){ to, amount };
	hpcnet_ledger_period(now, period);
	tx = (struct hpcnet_ledger_tx){ .key = key, .kind = "adjustment", .period = period,
					.memo = memo, .by = by, .now = now, .e = e, .n = 2 };
	return hpcnet_ledger_post(db, &tx);
}
