/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /api/v1/accounts: balances, ledger entries, top-ups and credit limits;
 * /api/v1/ledger/audit: the books' invariants; /api/v1/ledger/transfers:
 * corrections between accounts (the ledger is append-only). A user sees their own
 * account; administrators see and move every account. An account is
 * named by its id (acc_...) or by its owner: "user:NAME", "org:NAME", "center:NAME",
 * "platform", "external". Top-ups take an Idempotency-Key: the same key
 * again applies nothing and answers with the account as it is.
 */
#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "hpcnet/error.h"
#include "hub/accounts.h"
#include "hub/billing/billing.h"
#include "hub/handlers.h"
#include "hub/http.h"
#include "hub/perm.h"
#include "hub/store/billing_store.h"
#include "hub/store/store.h"
#include "hub/validate.h"
#include "hub/view.h"

#define MAX_TOPUP (INT64_MAX / 1024) /* far beyond any real amount, far from overflow */

/* Resolves spec (see the file comment) into an owner; replies 404. */
int hpcnet_accounts_resolve(struct hpcnet_req *r, const char *spec, struct hpcnet_owner *o)
{
	const char *colon = strchr(spec, ':');
	json_t *row = NULL;
	int rc = 0;

	memset(o, 0, sizeof(*o));
	if (strncmp(spec, "acc_", 4) == 0) {
		rc = hpcnet_store_account_get(hpcnet_req_db(r), spec, &row);
		if (rc == 0) {
			const char *k = json_string_value(json_object_get(row, "owner_kind"));

			o->kind = strcmp(k, "user") == 0 ? "user" : strcmp(k, "center") == 0 ? "center"
				: strcmp(k, "platform") == 0 ? "platform" : strcmp(k, "org") == 0
				? "org" : strcmp(k, "merchant") == 0 ? "merchant" : "external";
			snprintf(o->id, sizeof(o->id), "%s",
				 json_string_value(json_object_get(row, "owner_id")));
			snprintf(o->name, sizeof(o->name), "%s",
				 json_string_value(json_object_get(row, "owner_name")));
		}
	} else if (strcmp(spec, "platform") == 0 || strcmp(spec, "external") == 0) {
		o->kind = spec[0] == 'p' ? "platform" : "external";
		snprintf(o->id, sizeof(o->id), "%s", spec[0] == 'p' ? "platform" : "world");
		snprintf(o->name, sizeof(o->name), "%s", spec);
	} else if (colon && strncmp(spec, "user:", 5) == 0) {
		rc = hpcnet_store_user_by_name(hpcnet_req_db(r), colon + 1, &row);
		o->kind = "user";
	} else if (colon && strncmp(spec, "center:", 7) == 0) {
		rc = hpcnet_store_center_get(hpcnet_req_db(r), colon + 1, &row);
		o->kind = "center";
	} else if (colon && strncmp(spec, "org:", 4) == 0) {
		rc = hpcnet_store_org_get(hpcnet_req_db(r), colon + 1, &row);
		o->kind = "org";
	} else if (colon && strncmp(spec, "merchant:", 9) == 0) {
		/* a merchant (app seller) is a user holding the merchant role;
		 * their earnings are kept apart from their own spending */
		rc = hpcnet_store_user_by_name(hpcnet_req_db(r), colon + 1, &row);
		o->kind = "merchant";
	} else {
		rc = HPCNET_ENOTFOUND;
	}
	if (rc == 0 && row && !*o->id) {
		snprintf(o->id, sizeof(o->id), "%s", json_string_value(json_object_get(row, "id")));
		snprintf(o->name, sizeof(o->name), "%s", json_string_value(json_object_get(row, "name")));
	}
	json_decref(row);
	if (rc == HPCNET_ENOTFOUND)
		hpcnet_reply_problem(r, 404, "no account '%s': name one as acc_..., user:NAME,"
				     " org:NAME, center:NAME, merchant:NAME, platform or external", spec);
	else if (rc < 0)
		hpcnet_reply_error(r, rc);
	return rc;
}

/* The caller may see this owner's account ("accounts.read", hub/perm.c):
 * their own, their org's if they administer it, their center's if they
 * operate it, any if they are a platform admin. */
static int may_see(struct hpcnet_req *r, const struct hpcnet_owner *o)
{
	struct hpcnet_perm_obj obj = {
		.type = "account", .id = o->name,
		.owner_id = strcmp(o->kind, "user") == 0 ? o->id : NULL,
		.org_id = strcmp(o->kind, "org") == 0 ? o->id : NULL,
		.center_id = strcmp(o->kind, "center") == 0 ? o->id : NULL,
	};
	int rc = hpcnet_perm_allows(r, "accounts.read", &obj);

	if (rc > 0)
		return 0;
	if (rc < 0) {
		hpcnet_reply_error(r, rc);
		return rc;
	}
	hpcnet_reply_problem(r, 404, "no account you may see by that name");
	return HPCNET_ENOTFOUND;
}

static json_t *balance_view(const struct hpcnet_owner *o, const char *currency,
			    const struct hpcnet_balance *b)
{
	return json_pack("{s:o, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I}",
			 "id", *b->account_id ? json_string(b->account_id) : json_null(),
			 "owner_kind", o->kind, "owner_id", o->id, "owner_name", o->name,
			 "currency", currency, "balance", (json_int_t)b->balance,
			 "held", (json_int_t)b->held, "credit_limit", (json_int_t)b->credit_limit,
			 "available", (json_int_t)b->available);
}

static int reply_balance(struct hpcnet_req *r, int status, const struct hpcnet_owner *o)
{
	struct hpcnet_balance b;
	int rc = hpcnet_ledger_balance(hpcnet_req_db(r), o->kind, o->id, r->hub->billing.currency, &b);

	if (rc < 0)
		return hpcnet_reply_error(r, rc);
	return hpcnet_reply_json(r, status, balance_view(o, r->hub->billing.currency, &b));
}

int hpcnet_h_accounts_me(struct hpcnet_req *r)
{
	struct hpcnet_owner o = { .kind = "user" };

	snprintf(o.id, sizeof(o.id), "%s", r->user_id);
	snprintf(o.name, sizeof(o.name), "%s", r->user_name);
	return reply_balance(r, 200, &o);
}

int hpcnet_h_accounts_get(struct hpcnet_req *r)
{
	struct hpcnet_owner o;

	if (hpcnet_accounts_resolve(r, r->params[0], &o) < 0 || may_see(r, &o) < 0)
		return 0;
	return reply_balance(r, 200, &o);
}

int hpcnet_h_accounts_list(struct hpcnet_req *r)
{
	const char *kind = hpcnet_req_query(r, "kind");
	json_t *rows = NULL, *row, *items;
	size_t i;
	int rc = hpcnet_store_account_list(hpcnet_req_db(r), kind, &rows);

	if (rc < 0)
		return hpcnet_reply_error(r, rc);
	items = json_array();
	json_array_foreach(rows, i, row) {
		struct hpcnet_owner o = { .kind = json_string_value(json_object_get(row, "owner_kind")) };
		struct hpcnet_balance b;

		snprintf(o.id, sizeof(o.id), "%s", json_string_value(json_object_get(row, "owner_id")));
		snprintf(o.name, sizeof(o.name), "%s",
			 json_string_value(json_object_get(row, "owner_name")));
		rc = hpcnet_ledger_balance(r->db, o.kind, o.id,
					   json_string_value(json_object_get(row, "currency")), &b);
		if (rc < 0)
			break;
		json_array_append_new(items, balance_view(&o, json_string_value(json_object_get(row,
									"currency")), &b));
	}
	json_decref(rows);
	if (rc < 0) {
		json_decref(items);
		return hpcnet_reply_error(r, rc);
	}
	return hpcnet_reply_json(r, 200, json_pack("{s:o, s:n}", "items", items, "next_cursor"));
}

int hpcnet_h_accounts_entries(struct hpcnet_req *r)
{
	const char *cursor = hpcnet_req_query(r, "cursor");
	json_t *acc = NULL, *rows = NULL, *row, *items;
	struct hpcnet_owner o;
	int64_t limit;
	size_t i;
	int rc;

	if (hpcnet_req_query_int(r, "limit", 1, 1000, 50, &limit) < 0 ||
	    hpcnet_accounts_resolve(r, r->params[0], &o) < 0 || may_see(r, &o) < 0)
		return 0;
	rc = hpcnet_store_account_find(r->db, o.kind, o.id, "main", r->hub->billing.currency, &acc);
	if (rc == HPCNET_ENOTFOUND)
		return hpcnet_reply_json(r, 200, json_pack("{s:[], s:n}", "items", "next_cursor"));
	if (rc == 0)
		rc = hpcnet_store_ledger_entries(r->db, json_string_value(json_object_get(acc, "id")),
						 cursor, limit, &rows);
	json_decref(acc);
	if (rc < 0)
		return hpcnet_reply_error(r, rc);
	items = json_array();
	json_array_foreach(rows, i, row) {
		json_object_set_new(row, "created_at", hpcnet_view_time(json_object_get(row,
									       "created_at")));
		json_array_append(items, row);
	}
	row = json_array_get(rows, json_array_size(rows) - 1);
	hpcnet_reply_json(r, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor",
					    (int64_t)json_array_size(rows) == limit
						    ? json_copy(json_object_get(row, "tx_id"))
						    : json_null()));
	json_decref(rows);
	return 0;
}

static const struct hpcnet_field topup_fields[] = {
	{ .name = "amount", .type = HPCNET_F_INT, .required = 1, .min = 1, .max = MAX_TOPUP },
	{ .name = "currency", .type = HPCNET_F_STRING, .min = 3, .max = 3 },
	{ .name = "memo", .type = HPCNET_F_STRING, .max = 256 },
	{ 0 },
};

struct topup_write {
	const struct hpcnet_billing_cfg *billing;
	const struct hpcnet_owner *o;
	int64_t amount;
	const char *key, *by, *memo;
};

static int topup_fn(struct hpcnet_db *db, void *arg)
{
	struct topup_write *w = arg;

	return hpcnet_billing_topup(db, w->billing, w->o->kind, w->o->id, w->amount, w->key, w->by,
				    w->memo, hpcnet_now_ms());
}

int hpcnet_h_accounts_topup(struct hpcnet_req *r)
{
	const char *key = hpcnet_req_header(r, "Idempotency-Key"), *cur;
	char full[384], tx[HPCNET_ID_LEN];
	json_t *body = NULL, *errors;
	struct topup_write w;
	struct hpcnet_owner o;
	int rc;

	if (key && (!*key || strlen(key) > 255))
		return hpcnet_reply_problem(r, 400, "Idempotency-Key must be 1 to 255 characters");
	if (hpcnet_accounts_resolve(r, r->params[0], &o) < 0 || hpcnet_req_json(r, &body) < 0)
		return 0;
	errors = hpcnet_validate(body, topup_fields);
	cur = json_string_value(json_object_get(body, "currency"));
	if (cur && strcmp(cur, r->hub->billing.currency) != 0)
		hpcnet_validate_add(&errors, "currency", "must be the platform's currency, %s",
				    r->hub->billing.currency);
	if (strcmp(o.kind, "external") == 0)
		hpcnet_validate_add(&errors, "account", "the external account cannot be topped up");
	if (errors) {
		hpcnet_reply_invalid(r, errors);
		goto out;
	}
	/* Keys are the caller's: scope them to the caller so two admins'
	 * keys never collide, and give keyless top-ups a fresh one. */
	hpcnet_id_new("top", tx);
	snprintf(full, sizeof(full), "topup:%s:%s", r->user_id, key ? key : tx);
	w = (struct topup_write){ .billing = &r->hub->billing, .o = &o,
				  .amount = json_integer_value(json_object_get(body, "amount")),
				  .key = full, .by = r->user_id,
				  .memo = json_string_value(json_object_get(body, "memo")) };
	r->audit_status = 201; /* a replay (1) changes nothing and answers 200 */
	rc = hpcnet_req_write(r, topup_fn, &w);
	if (rc < 0)
		hpcnet_reply_error(r, rc);
	else
		reply_balance(r, rc == 1 ? 200 : 201, &o);
out:
	json_decref(body);
	return 0;
}

static const struct hpcnet_field credit_fields[] = {
	{ .name = "credit_limit", .type = HPCNET_F_INT, .required = 1, .min = 0, .max = MAX_TOPUP },
	{ 0 },
};

struct credit_write {
	const struct hpcnet_billing_cfg *billing;
	const struct hpcnet_owner *o;
	int64_t limit;
};

static int credit_fn(struct hpcnet_db *db, void *arg)
{
	struct credit_write *w = arg;
	char id[HPCNET_ID_LEN];
	int rc = hpcnet_ledger_account(db, w->o->kind, w->o->id, "main", w->billing->currency,
				       hpcnet_now_ms(), id);

	if (rc == 0)
		rc = hpcnet_store_account_set_credit(db, id, w->limit);
	return rc < 0 ? rc : 0;
}

int hpcnet_h_accounts_credit(struct hpcnet_req *r)
{
	json_t *body = NULL, *errors;
	struct credit_write w;
	struct hpcnet_owner o;
	int rc;

	if (hpcnet_accounts_resolve(r, r->params[0], &o) < 0 || hpcnet_req_json(r, &body) < 0)
		return 0;
	errors = hpcnet_validate(body, credit_fields);
	if (!errors && strcmp(o.kind, "external") == 0)
		hpcnet_validate_add(&errors, "account", "the external account has no credit limit");
	if (errors) {
		hpcnet_reply_invalid(r, errors);
		goto out;
	}
	w = (struct credit_write){ .billing = &r->hub->billing, .o = &o,
				   .limit = json_integer_value(json_object_get(body, "credit_limit")) };
	rc = hpcnet_req_write(r, credit_fn, &w);
	if (rc < 0)
		hpcnet_reply_error(r, rc);
	else
		reply_balance(r, 200, &o);
out:
	json_decref(body);
	return 0;
}

static const struct hpcnet_field transfer_fields[] = {
	{ .name = "from", .type = HPCNET_F_STRING, .required = 1, .min = 1, .max = 200 },
	{ .name = "to", .type = HPCNET_F_STRING, .required = 1, .min = 1, .max = 200 },
	{ .name = "amount", .type = HPCNET_F_INT, .required = 1, .min = 1, .max = MAX_TOPUP },
	{ .name = "memo", .type = HPCNET_F_STRING, .required = 1, .min = 1, .max = 256 },
	{ 0 },
};

struct transfer_write {
	const struct hpcnet_billing_cfg *billing;
	const struct hpcnet_owner *from, *to;
	int64_t amount;
	const char *key, *by, *memo;
	char tx[HPCNET_ID_LEN]; /* out */
};

static int transfer_fn(struct hpcnet_db *db, void *arg)
{
	struct transfer_write *w = arg;
	json_t *tx = NULL;
	int rc = hpcnet_billing_transfer(db, w->billing, w->from->kind, w->from->id, w->to->kind,
					 w->to->id, w->amount, w->key, w->by, w->memo,
					 hpcnet_now_ms());

	if (rc >= 0 && hpcnet_store_ledger_tx_find(db, w->key, &tx) == 1)
		snprintf(w->tx, sizeof(w->tx), "%s", json_string_value(json_object_get(tx, "id")));
	json_decref(tx);
	return rc;
}

int hpcnet_h_ledger_transfer(struct hpcnet_req *r)
{
	const char *key = hpcnet_req_header(r, "Idempotency-Key");
	char full[384], fresh[HPCNET_ID_LEN];
	struct hpcnet_owner from, to;
	struct transfer_write w;
	json_t *body = NULL, *errors;
	int rc;

	if (key && (!*key || strlen(key) > 255))
		return hpcnet_reply_problem(r, 400, "Idempotency-Key must be 1 to 255 characters");
	if (hpcnet_req_json(r, &body) < 0)
		return 0;
	errors = hpcnet_validate(body, transfer_fields);
	if (errors) {
		hpcnet_reply_invalid(r, errors);
		goto out;
	}
	if (hpcnet_accounts_resolve(r, json_string_value(json_object_get(body, "from")), &from) < 0 ||
	    hpcnet_accounts_resolve(r, json_string_value(json_object_get(body, "to")), &to) < 0)
		goto out;
	if (strcmp(from.kind, to.kind) == 0 && strcmp(from.id, to.id) == 0) {
		hpcnet_validate_add(&errors, "to", "must be another account than \"from\"");
		hpcnet_reply_invalid(r, errors);
		goto out;
	}
	hpcnet_id_new("adj", fresh);
	snprintf(full, sizeof(full), "adjustment:%s:%s", r->user_id, key ? key : fresh);
	w = (struct transfer_write){ .billing = &r->hub->billing, .from = &from, .to = &to,
				     .amount = json_integer_value(json_object_get(body, "amount")),
				     .key = full, .by = r->user_id,
				     .memo = json_string_value(json_object_get(body, "memo")) };
	r->audit_status = 201; /* a replay (1) changes nothing and answers 200 */
	r->audit_object_out = w.tx; /* made inside the write */
	rc = hpcnet_req_write(r, transfer_fn, &w);
	if (rc == HPCNET_EFUNDS)
		hpcnet_reply_problem(r, 402, "%s %s cannot give that much: it would go below minus its"
				     " credit limit", from.kind, from.name);
	else if (rc < 0)
		hpcnet_reply_error(r, rc);
	else
		hpcnet_reply_json(r, rc == 1 ? 200 : 201,
				  json_pack("{s:s, s:s, s:s, s:I, s:s, s:b}", "id", w.tx, "from",
					    json_string_value(json_object_get(body, "from")), "to",
					    json_string_value(json_object_get(body, "to")), "amount",
					    (json_int_t)w.amount, "currency", r->hub->billing.currency,
					    "replayed", rc == 1));
out:
	json_decref(body);
	return 0;
}

int hpcnet_h_ledger_audit(struct hpcnet_req *r)
{
	int64_t total = 0, unbalanced = 0, drift = 0;
	int rc = hpcnet_store_ledger_audit(hpcnet_req_db(r), &total, &unbalanced, &drift);

	if (rc < 0)
		return hpcnet_reply_error(r, rc);
	return hpcnet_reply_json(r, 200, json_pack("{s:I, s:I, s:I, s:b}", "sum_of_all_entries",
						   (json_int_t)total, "unbalanced_transactions",
						   (json_int_t)unbalanced, "accounts_off_their_entries",
						   (json_int_t)drift, "ok",
						   total == 0 && unbalanced == 0 && drift == 0));
}
