/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The double-entry ledger. Every money movement is one transaction of
 * entries that sum to zero, under an idempotency key that the database
 * keeps unique: posting the same key again changes nothing and says so.
 * Nothing is ever updated or deleted; a correction is a new transaction.
 * Each account's balance is kept beside its entries in the same database
 * transaction, so "balance + credit limit" is one row read.
 *
 * Sign convention: an entry adds to the account's balance. A payer's
 * money is positive; the 'external' account (the world outside the
 * platform) goes negative by what was topped up, so all balances together
 * always sum to zero.
 *
 * All functions run inside the caller's database transaction (a write of
 * the group commit) and return 0 or a negative HPCNET_E* code.
 */
#ifndef HPCNET_BILLING_LEDGER_H
#define HPCNET_BILLING_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "common/id.h"

struct hpcnet_db;

struct hpcnet_ledger_entry {
	const char *account_id;
	int64_t amount;
};

struct hpcnet_ledger_tx {
	const char *key;    /* unique; e.g. "charge:job_01J..." */
	const char *kind;   /* topup, hold, charge, release, payout, adjustment */
	const char *job_id; /* or NULL */
	const char *period; /* "YYYY-MM" */
	const char *memo;
	const char *by;     /* user id of whoever asked, or NULL (the hub) */
	int64_t now;
	const struct hpcnet_ledger_entry *e;
	size_t n;
};

/* The id of the owner's account, created on first use. */
int hpcnet_ledger_account(struct hpcnet_db *db, const char *kind, const char *owner_id,
			  const char *purpose, const char *currency, int64_t now,
			  char id[HPCNET_ID_LEN]);
/* Posts tx: 0 posted, 1 its key was applied before (nothing written),
 * HPCNET_EINVAL when its entries do not sum to zero (a bug: logged).
 * Zero-amount entries are dropped; a transaction left empty is not
 * written and returns 0. */
int hpcnet_ledger_post(struct hpcnet_db *db, const struct hpcnet_ledger_tx *tx);

/* A payer's position: main balance, what its holds account keeps for
 * running jobs, its credit limit, and what it may still spend. Reads
 * only: an owner without accounts yet has zeros (account_id ""). */
struct hpcnet_balance {
	char account_id[HPCNET_ID_LEN];
	int64_t balance, held, credit_limit, available;
};
int hpcnet_ledger_balance(struct hpcnet_db *db, const char *kind, const char *owner_id,
			  const char *currency, struct hpcnet_balance *b);

/* "YYYY-MM" and "YYYY-MM-DD" of a time (UTC). */
void hpcnet_ledger_period(int64_t ms, char out[8]);
void hpcnet_ledger_day(int64_t ms, char out[11]);

#endif
