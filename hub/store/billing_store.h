/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store's money operations (SQL only; the rules live in hub/billing/):
 * accounts, the append-only ledger, holds, price lists, usage records and
 * quotas. Same conventions as store.h: borrowed connection, the caller
 * owns the transaction, rows as JSON objects, times in ms.
 */
#ifndef HPCNET_STORE_BILLING_H
#define HPCNET_STORE_BILLING_H

#include <stdint.h>

#include <jansson.h>

#include "hub/store/db.h"

/* accounts: {id, owner_kind, owner_id, owner_name, purpose, currency,
 * balance, credit_limit, created_at} */
int hpcnet_store_account_find(struct hpcnet_db *db, const char *kind, const char *owner_id,
			      const char *purpose, const char *currency, json_t **out);
int hpcnet_store_account_create(struct hpcnet_db *db, const char *id, const char *kind,
				const char *owner_id, const char *purpose, const char *currency,
				int64_t now);
int hpcnet_store_account_get(struct hpcnet_db *db, const char *id, json_t **out);
/* Main accounts (kind NULL = all kinds), oldest first. */
int hpcnet_store_account_list(struct hpcnet_db *db, const char *kind, json_t **out);
int hpcnet_store_account_set_credit(struct hpcnet_db *db, const char *id, int64_t limit);
/* balance += amount; only the ledger calls this, beside the entry. */
int hpcnet_store_account_add(struct hpcnet_db *db, const char *id, int64_t amount);

/* ledger (append-only: there is no update or delete) */
/* {id, kind, job_id, period, created_at} of the transaction with key: 1/0. */
int hpcnet_store_ledger_tx_find(struct hpcnet_db *db, const char *key, json_t **out);
/* HPCNET_EEXIST when the key was used. */
int hpcnet_store_ledger_tx_insert(struct hpcnet_db *db, const char *id, const char *key,
				  const char *kind, const char *job_id, const char *period,
				  const char *memo, const char *by, int64_t now);
int hpcnet_store_ledger_entry_insert(struct hpcnet_db *db, const char *tx_id, int seq,
				     const char *account_id, int64_t amount);
/* An account's entries, newest first, keyset on tx id:
 * {tx_id, key, kind, job_id, period, memo, created_at, amount}. */
int hpcnet_store_ledger_entries(struct hpcnet_db *db, const char *account_id,
				const char *before_tx, int64_t limit, json_t **out);
/* Invariants, for tests and the health of the books: *total the sum of
 * every entry, *unbalanced the transactions whose entries do not sum to
 * 0, *drift the accounts whose balance is not the sum of their entries. */
int hpcnet_store_ledger_audit(struct hpcnet_db *db, int64_t *total, int64_t *unbalanced,
			      int64_t *drift);
/* What each center's charges of a period brought: [{center_id, center,
 * net (to the center), commission (to the platform), merchant, jobs}]. */
int hpcnet_store_settlement(struct hpcnet_db *db, const char *period, json_t **out);

/* holds: {job_id, payer_kind, payer_id, currency, amount, basis, priced_at,
 * status, cost, charged, created_at, settled_at} */
int hpcnet_store_hold_insert(struct hpcnet_db *db, const char *job_id, const char *payer_kind,
			     const char *payer_id, const char *currency, int64_t amount,
			     const char *basis, int64_t priced_at, int64_t now);
int hpcnet_store_hold_get(struct hpcnet_db *db, const char *job_id, json_t **out);
/* held -> charged. 1 done, 0 it was not held. */
int hpcnet_store_hold_settle(struct hpcnet_db *db, const char *job_id, int64_t cost,
			     int64_t charged, int64_t now);
/* A charged hold's figures after a late correction (billing.c,
 * settle_late), marked late-settled so no re-send settles it again. */
int hpcnet_store_hold_recharge(struct hpcnet_db *db, const char *job_id, int64_t cost,
				int64_t charged, int64_t now);
/* [{job_id}] of held holds whose job has ended. */
int hpcnet_store_hold_unsettled(struct hpcnet_db *db, int64_t limit, json_t **out);

/* price lists: {id, center_id, center_name, currency, items, effective_from,
 * status, created_by, created_at, approved_by, approved_at} */
int hpcnet_store_price_insert(struct hpcnet_db *db, const char *id, const char *center_id,
			      const char *currency, const char *items_json, int64_t effective_from,
			      const char *by, int64_t now);
int hpcnet_store_price_get(struct hpcnet_db *db, const char *id, json_t **out);
/* center_id NULL = all centers; newest first. */
int hpcnet_store_price_list(struct hpcnet_db *db, const char *center_id, json_t **out);
/* pending -> status ('approved' | 'rejected'). 1 done, 0 not pending. */
int hpcnet_store_price_decide(struct hpcnet_db *db, const char *id, const char *status,
			      const char *by, int64_t now);
/* The list in force at `at` (approved by then, effective by then, the
 * latest effective_from wins): 1 found, 0 none (the center is free). */
int hpcnet_store_price_in_force(struct hpcnet_db *db, const char *center_id, int64_t at,
				json_t **out);

/* usage records */
struct hpcnet_usage_put {
	const char *job_id, *resource, *model, *center_id, *user_id, *payer_kind, *payer_id;
	const char *currency, *period, *day;
	int64_t center_qty, hub_qty; /* HPCNET_DB_NULL = none */
	int64_t billed_qty, amount;
	int flagged, final;
	int64_t now;
};
/* Inserts or replaces the job's record for (resource, model); a final
 * record is never replaced by a later interim one. */
int hpcnet_store_usage_put(struct hpcnet_db *db, const struct hpcnet_usage_put *u);
/* The payer's billed quantity of resource/model at center in period so
 * far (charged jobs): the volume its tiers start from. */
int hpcnet_store_usage_volume(struct hpcnet_db *db, const char *payer_kind, const char *payer_id,
			      const char *center_id, const char *resource, const char *model,
			      const char *period, int64_t *out);
/* Adds a charged job's quantity to that volume (in the charge's transaction). */
int hpcnet_store_usage_volume_add(struct hpcnet_db *db, const char *payer_kind,
				  const char *payer_id, const char *center_id, const char *resource,
				  const char *model, const char *period, int64_t qty);
int hpcnet_store_usage_job(struct hpcnet_db *db, const char *job_id, json_t **out);
/* Totals grouped by `by` ("center", "user", "project" (key "org/name", ""
 * for personal jobs), "day", "job", "period"): [{key, resource, model,
 * center_qty, hub_qty, billed_qty, amount, flagged, jobs}]. user_id: that
 * user's jobs; org_id: jobs the org pays for; NULL = no filter. Days are
 * 'YYYY-MM-DD' bounds (NULL = open). */
int hpcnet_store_usage_summary(struct hpcnet_db *db, const char *by, const char *user_id,
			       const char *org_id, const char *since_day, const char *until_day,
			       json_t **out);
/* Invoice lines of a payer in a period: final records with the job's name
 * and center: [{job_id, job_name, center_name, resource, model, billed_qty,
 * amount, currency, day}], by job. */
int hpcnet_store_usage_lines(struct hpcnet_db *db, const char *payer_kind, const char *payer_id,
			     const char *period, json_t **out);
/* What the payer's jobs of a period cost and what was actually taken (a
 * charge stops at the payer's credit limit: cost - charged went
 * uncollected). */
int hpcnet_store_usage_collected(struct hpcnet_db *db, const char *payer_kind,
				  const char *payer_id, const char *period, int64_t *cost,
				  int64_t *charged);
/* [{period, currency, amount, jobs}] a payer was invoiced, newest first:
 * its jobs' charges and the storage days that cost something (in
 * `currency`, the platform's). */
int hpcnet_store_usage_periods(struct hpcnet_db *db, const char *payer_kind,
			       const char *payer_id, const char *currency, json_t **out);
/* Bytes the hub keeps for the jobs of a user, project or org (scope_kind
 * "user", "project", "org"): scripts and files as submitted, and the
 * output shipped by their centers. The storage_bytes quotas count it.
 * One row that migration 012's triggers keep, not a sum over the jobs. */
int hpcnet_store_stored_bytes(struct hpcnet_db *db, const char *scope_kind, const char *scope_id,
			      int64_t *out);
/* For quotas: billed_qty of `resource` (model "" = every model) over
 * final records of the jobs of a user, project or org (scope_kind) since
 * the period since_period (NULL = lifetime). */
int hpcnet_store_usage_scope_total(struct hpcnet_db *db, const char *scope_kind,
				   const char *scope_id, const char *resource, const char *model,
				   const char *since_period, int64_t *out);

/* quotas: {id, scope_kind, scope_id, scope_name, resource, gpu_model, period,
 * max_value, soft, set_by, updated_at} */
int hpcnet_store_quota_put(struct hpcnet_db *db, const char *id, const char *scope_kind,
			   const char *scope_id, const char *resource, const char *gpu_model,
			   const char *period, int64_t max_value, int soft, const char *by, int64_t now);
/* The quotas binding a job of user_id in project_id of org_id (either
 * NULL): the user's, the defaults of every role they hold (user or admin,
 * org_admin, center_operator, merchant) unless the user has the same one,
 * the project's and the org's. org_id "*": every org the user belongs to
 * and every project of those (for showing use). */
int hpcnet_store_quota_binding(struct hpcnet_db *db, const char *user_id, const char *project_id,
			       const char *org_id, json_t **out);
/* 1 when the user holds role (as quota_binding reads roles), 0 not, <0. */
int hpcnet_store_user_holds_role(struct hpcnet_db *db, const char *user_id, const char *role);
/* {id, scope_kind, scope_id, org_id (of an org or project quota, else null)} */
int hpcnet_store_quota_get(struct hpcnet_db *db, const char *id, json_t **out);
int hpcnet_store_quota_list(struct hpcnet_db *db, json_t **out);
int hpcnet_store_quota_delete(struct hpcnet_db *db, const char *id);
/* The unfinished jobs of a user, project or org (scope_kind) - with
 * placed_only, those a center has - and what they may still use:
 * {jobs, core_seconds, gpu_seconds} (request x walltime). */
int hpcnet_store_quota_active(struct hpcnet_db *db, const char *scope_kind, const char *scope_id,
			      const char *gpu_model, int placed_only, json_t **out);
/* Every soft quota. */
int hpcnet_store_quota_soft_list(struct hpcnet_db *db, json_t **out);
/* Sets a queued job's state_reason (why it waits); 1 changed, 0 not. */
int hpcnet_store_job_wait_reason(struct hpcnet_db *db, const char *job_id, const char *reason,
				 int64_t now);

/* Storage metering (storage_store.c), per payer ("user" or "org").
 * [{payer_kind, payer_id, paid (held now), metered (the level last
 * counted), metered_at (ms, null = never)}] of the payers the sweep must
 * look at: those whose level changed since it was counted, and those
 * holding bytes last counted before day_start (ms: today's midnight). */
int hpcnet_store_storage_due(struct hpcnet_db *db, int64_t day_start, json_t **out);
/* Notes that the payer's level `level` is counted up to `at`. */
int hpcnet_store_storage_metered(struct hpcnet_db *db, const char *payer_kind,
				 const char *payer_id, int64_t level, int64_t at);
/* Adds byte_seconds to the payer's day (made if new) and notes the sweep. */
int hpcnet_store_storage_add(struct hpcnet_db *db, const char *payer_kind, const char *payer_id,
			     const char *day, int64_t byte_seconds, int64_t swept_at);
/* [{payer_kind, payer_id, day, byte_seconds}] of days before before_day
 * not yet closed. */
int hpcnet_store_storage_open_days(struct hpcnet_db *db, const char *before_day, json_t **out);
/* Closes a day: priced at `price` per GiB-day it cost `cost`, of which
 * `amount` was taken (the credit limit stops the rest). */
int hpcnet_store_storage_close(struct hpcnet_db *db, const char *payer_kind, const char *payer_id,
			       const char *day, int64_t price, int64_t cost, int64_t amount);
/* [{day, byte_seconds, amount, final}] of a payer, oldest first. */
int hpcnet_store_storage_days(struct hpcnet_db *db, const char *payer_kind, const char *payer_id,
			      json_t **out);
/* The invoice's storage lines of a payer and month: [{price (null before
 * prices were recorded), days, byte_seconds, cost, amount}] over the
 * closed days, one per price. */
int hpcnet_store_storage_lines(struct hpcnet_db *db, const char *payer_kind, const char *payer_id,
			       const char *period, json_t **out);

#endif
