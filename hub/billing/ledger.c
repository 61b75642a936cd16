/* SPDX-License-Identifier: Apache-2.0 */
/* Accounts and balanced, idempotent transactions; see ledger.h. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "hpcnet/error.h"
#include "hub/billing/ledger.h"
#include "hub/store/billing_store.h"

int hpcnet_ledger_account(struct hpcnet_db *db, const char *kind, const char *owner_id,
			  const char *purpose, const char *currency, int64_t now,
			  char id[HPCNET_ID_LEN])
{
	json_t *row = NULL;
	int rc = hpcnet_store_account_find(db, kind, owner_id, purpose, currency, &row);

	if (rc == 0) {
		snprintf(id, HPCNET_ID_LEN, "%s", json_string_value(json_object_get(row, "id")));
		json_decref(row);
		return 0;
	}
	if (rc != HPCNET_ENOTFOUND)
		return rc;
	hpcnet_id_new("acc", id);
	return hpcnet_store_account_create(db, id, kind, owner_id, purpose, currency, now);
}

int hpcnet_ledger_post(struct hpcnet_db *db, const struct hpcnet_ledger_tx *tx)
{
	char id[HPCNET_ID_LEN];
	json_t *prior = NULL;
	int64_t sum = 0;
	size_t i;
	int rc, seq = 0, nonzero = 0;

	for (i = 0; i < tx->n; i++) {
		if (tx->e[i].amount > INT64_MAX / 4 || tx->e[i].amount < -(INT64_MAX / 4))
			return HPCNET_ETOOBIG;
		sum += tx->e[i].amount;
		nonzero += tx->e[i].amount != 0;
	}
	if (sum != 0) {
		hpcnet_error("ledger: transaction %s does not balance (off by %lld); refused",
			     tx->key, (long long)sum);
		return HPCNET_EINVAL;
	}
	rc = hpcnet_store_ledger_tx_find(db, tx->key, &prior);
	json_decref(prior);
	if (rc != 0)
		return rc < 0 ? rc : 1;
	if (!nonzero)
		return 0;
	hpcnet_id_new("ltx", id);
	rc = hpcnet_store_ledger_tx_insert(db, id, tx->key, tx->kind, tx->job_id, tx->period,
					   tx->memo, tx->by, tx->now);
	if (rc == HPCNET_EEXIST)
		return 1; /* the unique key is the last word, whatever raced us */
	for (i = 0; rc == 0 && i < tx->n; i++) {
		if (!tx->e[i].amount)
			continue;
		rc = hpcnet_store_ledger_entry_insert(db, id, ++seq, tx->e[i].account_id,
						      tx->e[i].amount);
		if (rc == 0)
			rc = hpcnet_store_account_add(db, tx->e[i].account_id, tx->e[i].amount);
	}
	return rc;
}

/* The balance and credit limit of an account; zeros when it does not exist yet. */
static int read_account(struct hpcnet_db *db, const char *kind, const char *owner_id,
			const char *purpose, const char *currency, char *id, int64_t *balance,
			int64_t *credit)
{
	json_t *row = NULL;
	int rc = hpcnet_store_account_find(db, kind, owner_id, purpose, currency, &row);

	if (rc == HPCNET_ENOTFOUND)
		return 0;
	if (rc < 0)
		return rc;
	if (id)
		snprintf(id, HPCNET_ID_LEN, "%s", json_string_value(json_object_get(row, "id")));
	*balance = json_integer_value(json_object_get(row, "balance"));
	if (credit)
		*credit = json_integer_value(json_object_get(row, "credit_limit"));
	json_decref(row);
	return 0;
}

int hpcnet_ledger_balance(struct hpcnet_db *db, const char *kind, const char *owner_id,
			  const char *currency, struct hpcnet_balance *b)
{
	int rc;

	memset(b, 0, sizeof(*b));
	rc = read_account(db, kind, owner_id, "main", currency, b->account_id, &b->balance,
			  &b->credit_limit);
	if (rc == 0)
		rc = read_account(db, kind, owner_id, "holds", currency, NULL, &b->held, NULL);
	b->available = b->balance + b->credit_limit;
	return rc;
}

void hpcnet_ledger_period(int64_t ms, char out[8])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, 8, "%04u-%02u", (unsigned)(tm.tm_year + 1900) % 10000u,
		 (unsigned)(tm.tm_mon + 1) % 100u);
}

void hpcnet_ledger_day(int64_t ms, char out[11])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)(tm.tm_year + 1900) % 10000u,
		 (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u);
}
