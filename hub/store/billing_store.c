/* SPDX-License-Identifier: Apache-2.0 */
/* SQL for money: accounts, ledger, holds, price lists, usage, quotas. */
#include <string.h>

#include "hpcnet/error.h"
#include "hub/store/billing_store.h"

static int found(int rc)
{
	return rc == 0 ? HPCNET_ENOTFOUND : rc < 0 ? rc : 0;
}

static int done(int rc)
{
	return rc < 0 ? rc : 0;
}

#define ACCOUNT_COLS "a.id, a.owner_kind, a.owner_id, COALESCE(u.name, c.name, a.owner_id)" \
	" AS owner_name, a.purpose, a.currency, a.balance, a.credit_limit, a.created_at" \
	" FROM accounts a LEFT JOIN users u ON a.owner_kind = 'user' AND u.id = a.owner_id" \
	" LEFT JOIN centers c ON a.owner_kind = 'center' AND c.id = a.owner_id"

int hpcnet_store_account_find(struct hpcnet_db *db, const char *kind, const char *owner_id,
			      const char *purpose, const char *currency, json_t **out)
{
	return found(hpcnet_db_get_json(db, out, "SELECT " ACCOUNT_COLS " WHERE a.owner_kind = ?"
					" AND a.owner_id = ? AND a.purpose = ? AND a.currency = ?",
					"tttt", kind, owner_id, purpose, currency));
}

int hpcnet_store_account_create(struct hpcnet_db *db, const char *id, const char *kind,
				const char *owner_id, const char *purpose, const char *currency,
				int64_t now)
{
	return done(hpcnet_db_exec(db, "INSERT INTO accounts (id, owner_kind, owner_id, purpose,"
				       " currency, created_at) VALUES (?, ?, ?, ?, ?, ?)",
				   "ttttti", id, kind, owner_id, purpose,
				   currency, now));
}

int hpcnet_store_account_get(struct hpcnet_db *db, const char *id, json_t **out)
{
	return found(hpcnet_db_get_json(db, out, "SELECT " ACCOUNT_COLS " WHERE a.id = ?", "t", id));
}

int hpcnet_store_account_list(struct hpcnet_db *db, const char *kind, json_t **out)
{
	return hpcnet_db_list_json(db, out, "SELECT " ACCOUNT_COLS " WHERE a.purpose = 'main'"
				   " AND (? IS NULL OR a.owner_kind = ?) ORDER BY a.id LIMIT 10000",
				   "tt", kind, kind);
}

int hpcnet_store_account_set_credit(struct hpcnet_db *db, const char *id, int64_t limit)
{
	return hpcnet_db_exec(db, "UPDATE accounts SET credit_limit = ? WHERE id = ?", "it", limit,
			      id);
}

int hpcnet_store_account_add(struct hpcnet_db *db, const char *id, int64_t amount)
{
	int rc = hpcnet_db_exec(db, "UPDATE accounts SET balance = balance + ? WHERE id = ?", "it",
				amount, id);

	return rc == 1 ? 0 : rc < 0 ? rc : HPCNET_ENOTFOUND;
}

int hpcnet_store_ledger_tx_find(struct hpcnet_db *db, const char *key, json_t **out)
{
	return hpcnet_db_get_json(db, out, "SELECT id, kind, job_id, period, memo, created_at"
				  " FROM ledger_transactions WHERE idempotency_key = ?", "t", key);
}

int hpcnet_store_ledger_tx_insert(struct hpcnet_db *db, const char *id, const char *key,
				  const char *kind, const char *job_id, const char *period,
				  const char *memo, const char *by, int64_t now)
{
	return done(hpcnet_db_exec(db, "INSERT INTO ledger_transactions (id, idempotency_key, kind,"
				       " job_id, period, memo, created_by, created_at)"
				       " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
				   "ttttttti", id, key, kind, job_id,
				   period, memo ? memo : "", by, now));
}

int hpcnet_store_ledger_entry_insert(struct hpcnet_db *db, const char *tx_id, int seq,
				     const char *account_id, int64_t amount)
{
	return done(hpcnet_db_exec(db, "INSERT INTO ledger_entries (tx_id, seq, account_id, amount)"
				       " VALUES (?, ?, ?, ?)", "titi", tx_id, (int64_t)seq,
				   account_id, amount));
}

int hpcnet_store_ledger_entries(struct hpcnet_db *db, const char *account_id,
				const char *before_tx, int64_t limit, json_t **out)
{
	return hpcnet_db_list_json(db, out,
		"SELECT t.id AS tx_id, t.idempotency_key AS key, t.kind, t.job_id, t.period, t.memo,"
		" t.created_at, e.amount FROM ledger_entries e JOIN ledger_transactions t"
		" ON t.id = e.tx_id WHERE e.account_id = ? AND (? IS NULL OR t.id < ?)"
		" ORDER BY t.id DESC, e.seq LIMIT ?", "ttti", account_id, before_tx, before_tx, limit);
}

int hpcnet_store_ledger_audit(struct hpcnet_db *db, int64_t *total, int64_t *unbalanced,
			      int64_t *drift)
{
	int rc = hpcnet_db_get_int(db, total, "SELECT COALESCE(SUM(amount), 0) FROM ledger_entries",
				   NULL);

	if (rc >= 0)
		rc = hpcnet_db_get_int(db, unbalanced, "SELECT COUNT(*) FROM (SELECT tx_id FROM"
				       " ledger_entries GROUP BY tx_id HAVING SUM(amount) <> 0) x", NULL);
	if (rc >= 0)
		rc = hpcnet_db_get_int(db, drift, "SELECT COUNT(*) FROM accounts a WHERE a.balance <>"
				       " (SELECT COALESCE(SUM(e.amount), 0) FROM ledger_entries e"
				       " WHERE e.account_id = a.id)", NULL);
	return done(rc);
}

int hpcnet_store_settlement(struct hpcnet_db *db, const char *period, json_t **out)
{
	return hpcnet_db_list_json(db, out,
		"SELECT c.id AS center_id, c.name AS center,"
		" SUM(CASE WHEN a.owner_kind = 'center' THEN e.amount ELSE 0 END) AS net,"
		" SUM(CASE WHEN a.owner_kind = 'platform' THEN e.amount ELSE 0 END) AS commission,"
		" SUM(CASE WHEN a.owner_kind = 'merchant' THEN e.amount ELSE 0 END) AS merchant,"
		" COUNT(DISTINCT t.job_id) AS jobs"
		" FROM ledger_transactions t JOIN ledger_entries e ON e.tx_id = t.id"
		" JOIN accounts a ON a.id = e.account_id JOIN jobs j ON j.id = t.job_id"
		" JOIN centers c ON c.id = j.center_id WHERE t.kind = 'charge' AND t.period = ?"
		" GROUP BY c.id, c.name ORDER BY c.name", "t", period);
}

int hpcnet_store_hold_insert(struct hpcnet_db *db, const char *job_id, const char *payer_kind,
			     const char *payer_id, const char *currency, int64_t amount,
			     const char *basis, int64_t priced_at, int64_t now)
{
	return done(hpcnet_db_exec(db, "INSERT INTO holds (job_id, payer_kind, payer_id, currency,"
				       " amount, basis, priced_at, status, created_at)"
				       " VALUES (?, ?, ?, ?, ?, ?, ?, 'held', ?)",
				   "ttttitii", job_id, payer_kind, payer_id, currency, amount, basis,
				   priced_at, now));
}

int hpcnet_store_hold_get(struct hpcnet_db *db, const char *job_id, json_t **out)
{
	return found(hpcnet_db_get_json(db, out, "SELECT job_id, payer_kind, payer_id, currency,"
					" amount, basis, priced_at, status, cost, charged, created_at,"
					" settled_at, late_settled_at FROM holds WHERE job_id = ?", "t", job_id));
}

int hpcnet_store_hold_settle(struct hpcnet_db *db, const char *job_id, int64_t cost,
			     int64_t charged, int64_t now)
{
	return hpcnet_db_exec(db, "UPDATE holds SET status = 'charged', cost = ?, charged = ?,"
			      " settled_at = ? WHERE job_id = ? AND status = 'held'", "iiit", cost,
			      charged, now, job_id);
}

int hpcnet_store_hold_recharge(struct hpcnet_db *db, const char *job_id, int64_t cost,
				int64_t charged, int64_t now)
{
	return hpcnet_db_exec(db, "UPDATE holds SET cost = ?, charged = ?, settled_at = ?,"
			      " late_settled_at = ? WHERE job_id = ? AND status = 'charged'", "iiiit",
			      cost, charged, now, now, job_id);
}

int hpcnet_store_hold_unsettled(struct hpcnet_db *db, int64_t limit, json_t **out)
{
	return hpcnet_db_list_json(db, out, "SELECT h.job_id FROM holds h JOIN jobs j ON j.id = h.job_id"
				   " WHERE h.status = 'held' AND j.state IN"
				   " ('succeeded', 'failed', 'cancelled', 'lost') ORDER BY h.job_id LIMIT ?",
				   "i", limit);
}

#define PRICE_COLS "p.id, p.center_id, c.name AS center_name, p.currency, p.items," \
	" p.effective_from, p.status, p.created_by, p.created_at, p.approved_by, p.approved_at" \
	" FROM price_lists p JOIN centers c ON c.id = p.center_id"

int hpcnet_store_price_insert(struct hpcnet_db *db, const char *id, const char *center_id,
			      const char *currency, const char *items_json, int64_t effective_from,
			      const char *by, int64_t now)
{
	return done(hpcnet_db_exec(db, "INSERT INTO price_lists (id, center_id, currency, items,"
				       " effective_from, status, created_by, created_at)"
				       " VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)",
				   "ttttiti", id, center_id, currency, items_json, effective_from, by,
				   now));
}

int hpcnet_store_price_get(struct hpcnet_db *db, const char *id, json_t **out)
{
	return found(hpcnet_db_get_json(db, out, "SELECT " PRICE_COLS " WHERE p.id = ?", "t", id));
}

int hpcnet_store_price_list(struct hpcnet_db *db, const char *center_id, json_t **out)
{
	return hpcnet_db_list_json(db, out, "SELECT " PRICE_COLS " WHERE (? IS NULL OR p.center_id = ?)"
				   " ORDER BY p.id DESC LIMIT 1000", "tt", center_id, center_id);
}

int hpcnet_store_price_decide(struct hpcnet_db *db, const char *id, const char *status,
			      const char *by, int64_t now)
{
	return hpcnet_db_exec(db, "UPDATE price_lists SET status = ?, approved_by = ?, approved_at = ?"
			      " WHERE id = ? AND status = 'pending'", "ttit", status, by, now, id);
}

int hpcnet_store_price_in_force(struct hpcnet_db *db, const char *center_id, int64_t at,
				json_t **out)
{
	return hpcnet_db_get_json(db, out, "SELECT " PRICE_COLS " WHERE p.center_id = ?"
				  " AND p.status = 'approved' AND p.approved_at <= ?"
				  " AND p.effective_from <= ?"
				  " ORDER BY p.effective_from DESC, p.approved_at DESC, p.id DESC LIMIT 1",
				  "tii", center_id, at, at);
}

int hpcnet_store_usage_put(struct hpcnet_db *db, const struct hpcnet_usage_put *u)
{
	return done(hpcnet_db_exec(db,
		"INSERT INTO usage_records (job_id, resource, model, center_id, user_id, payer_kind,"
		" payer_id, center_qty, hub_qty, billed_qty, flagged, amount, currency, final, period,"
		" day, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
		" ON CONFLICT (job_id, resource, model) DO UPDATE SET center_id = excluded.center_id,"
		" center_qty = excluded.center_qty, hub_qty = excluded.hub_qty,"
		" billed_qty = excluded.billed_qty, flagged = excluded.flagged,"
		" amount = excluded.amount, currency = excluded.currency, final = excluded.final,"
		" period = excluded.period, day = excluded.day, updated_at = excluded.updated_at"
		" WHERE usage_records.final = 0",
		"tttttttIIiiititti", u->job_id, u->resource, u->model, u->center_id, u->user_id,
		u->payer_kind, u->payer_id, u->center_qty, u->hub_qty, u->billed_qty,
		(int64_t)u->flagged, u->amount, u->currency, (int64_t)u->final, u->period, u->day,
		u->now));
}

int hpcnet_store_usage_volume(struct hpcnet_db *db, const char *payer_kind, const char *payer_id,
			      const char *center_id, const char *resource, const char *model,
			      const char *period, int64_t *out)
{
	int rc;

	*out = 0;
	rc = hpcnet_db_get_int(db, out, "SELECT qty FROM usage_volumes WHERE payer_kind = ?"
			       " AND payer_id = ? AND center_id = ? AND resource = ? AND model = ?"
			       " AND period = ?", "tttttt", payer_kind, payer_id, center_id,
			       resource, model, period);
	return done(rc);
}

int hpcnet_store_usage_volume_add(struct hpcnet_db *db, const char *payer_kind,
				  const char *payer_id, const char *center_id, const char *resource,
				  const char *model, const char *period, int64_t qty)
{
	return done(hpcnet_db_exec(db, "INSERT INTO usage_volumes (payer_kind, payer_id, center_id,"
				       " resource, model, period, qty) VALUES (?, ?, ?, ?, ?, ?, ?)"
				       " ON CONFLICT (payer_kind, payer_id, center_id, resource, model,"
				       " period) DO UPDATE SET qty = usage_volumes.qty + excluded.qty",
				   "tttttti", payer_kind, payer_id, center_id, resource, model, period,
				   qty));
}

int hpcnet_store_usage_job(struct hpcnet_db *db, const char *job_id, json_t **out)
{
	return hpcnet_db_list_json(db, out, "SELECT resource, model, center_qty, hub_qty, billed_qty,"
				   " flagged, amount, currency, final, period, day, updated_at"
				   " FROM usage_records WHERE job_id = ? ORDER BY resource, model",
				   "t", job_id);
}

/* One statement per grouping: the SQL never comes from input. */
#define SUMMARY(keyexpr, join) \
	"SELECT " keyexpr " AS key, r.resource, r.model, SUM(r.center_qty) AS center_qty," \
	" SUM(r.hub_qty) AS hub_qty, SUM(r.billed_qty) AS billed_qty, SUM(r.amount) AS amount," \
	" SUM(r.flagged) AS flagged, COUNT(DISTINCT r.job_id) AS jobs FROM usage_records r " join \
	" WHERE (? IS NULL OR r.user_id = ?) AND (? IS NULL OR (r.payer_kind = 'org'" \
	" AND r.payer_id = ?)) AND (? IS NULL OR r.day >= ?) AND (? IS NULL OR r.day <= ?)" \
	" GROUP BY " keyexpr ", r.resource, r.model ORDER BY key, r.resource, r.model LIMIT 10000"

int hpcnet_store_usage_summary(struct hpcnet_db *db, const char *by, const char *user_id,
			       const char *org_id, const char *since_day, const char *until_day,
			       json_t **out)
{
	static const char *q_center = SUMMARY("c.name", "JOIN centers c ON c.id = r.center_id");
	static const char *q_user = SUMMARY("u.name", "JOIN users u ON u.id = r.user_id");
	static const char *q_project = SUMMARY("COALESCE(po.name || '/' || p.name, '')",
		"JOIN jobs j ON j.id = r.job_id LEFT JOIN projects p ON p.id = j.project_id"
		" LEFT JOIN orgs po ON po.id = p.org_id");
	static const char *q_day = SUMMARY("r.day", "");
	static const char *q_period = SUMMARY("r.period", "");
	static const char *q_job = SUMMARY("r.job_id", "");
	const char *q = strcmp(by, "center") == 0 ? q_center : strcmp(by, "user") == 0 ? q_user
		: strcmp(by, "project") == 0 ? q_project : strcmp(by, "day") == 0 ? q_day
		: strcmp(by, "job") == 0 ? q_job : q_period;

	return hpcnet_db_list_json(db, out, q, "tttttttt", user_id, user_id, org_id, org_id,
				   since_day, since_day, until_day, until_day);
}

int hpcnet_store_usage_lines(struct hpcnet_db *db, const char *payer_kind, const char *payer_id,
			     const char *period, json_t **out)
{
	return hpcnet_db_list_json(db, out,
		"SELECT r.job_id, j.name AS job_name, c.name AS center_name, r.resource, r.model,"
		" r.billed_qty, r.amount, r.currency, r.day FROM usage_records r"
		" JOIN jobs j ON j.id = r.job_id JOIN centers c ON c.id = r.center_id"
		" WHERE r.payer_kind = ? AND r.payer_id = ? AND r.period = ? AND r.final = 1"
		" ORDER BY r.job_id, r.resource, r.model", "ttt", payer_kind, payer_id, period);
}

int hpcnet_store_usage_collected(struct hpcnet_db *db, const char *payer_kind,
				  const char *payer_id, const char *period, int64_t *cost,
				  int64_t *charged)
{
	json_t *row = NULL;
	int rc = hpcnet_db_get_json(db, &row, "SELECT COALESCE(SUM(h.cost), 0) AS cost,"
				    " COALESCE(SUM(h.charged), 0) AS charged FROM holds h"
				    " WHERE h.status = 'charged' AND h.job_id IN (SELECT job_id"
				    " FROM usage_records WHERE payer_kind = ? AND payer_id = ?"
				    " AND period = ? AND final = 1)", "ttt", payer_kind, payer_id,
				    period);

	*cost = json_integer_value(json_object_get(row, "cost"));
	*charged = json_integer_value(json_object_get(row, "charged"));
	json_decref(row);
	return done(rc);
}

int hpcnet_store_usage_periods(struct hpcnet_db *db, const char *payer_kind,
			       const char *payer_id, const char *currency, json_t **out)
{
	/* a month with storage charged and no job has an invoice too */
	return hpcnet_db_list_json(db, out,
		"SELECT period, currency, SUM(amount) AS amount, COUNT(DISTINCT job_id) AS jobs"
		" FROM (SELECT period, currency, amount, job_id FROM usage_records"
		" WHERE payer_kind = ? AND payer_id = ? AND final = 1"
		" UNION ALL SELECT substr(day, 1, 7), ?, amount, NULL FROM storage_days"
		" WHERE payer_kind = ? AND payer_id = ? AND +final = 1 AND COALESCE(cost, amount) > 0)"
		" GROUP BY period, currency ORDER BY period DESC", "ttttt", payer_kind, payer_id,
		currency, payer_kind, payer_id);
}

/* The scope_kind key of the kept sums (usage_totals, stored_bytes,
 * scope_active): an org or a project, else the user. */
static const char *scope_key(const char *scope_kind)
{
	return strcmp(scope_kind, "org") == 0 ? "org"
		: strcmp(scope_kind, "project") == 0 ? "project" : "user";
}

int hpcnet_store_usage_scope_total(struct hpcnet_db *db, const char *scope_kind,
				   const char *scope_id, const char *resource, const char *model,
				   const char *since_period, int64_t *out)
{
	/* Kept by triggers (migration 014): rows per model and month. */
	*out = 0;
	return done(hpcnet_db_get_int(db, out, "SELECT COALESCE(SUM(qty), 0) FROM usage_totals"
				      " WHERE scope_kind = ? AND scope_id = ? AND resource = ?"
				      " AND (? = '' OR model = ?) AND (? IS NULL OR period >= ?)",
				      "ttttttt", scope_key(scope_kind), scope_id, resource, model, model, since_period, since_period));
}

int hpcnet_store_stored_bytes(struct hpcnet_db *db, const char *scope_kind, const char *scope_id,
			      int64_t *out)
{
	/* one row kept by migration 012's triggers, not a sum over the jobs */
	*out = 0;
	return done(hpcnet_db_get_int(db, out, "SELECT bytes FROM stored_bytes"
					       " WHERE scope_kind = ? AND scope_id = ?", "tt",
				      scope_key(scope_kind), scope_id));
}

int hpcnet_store_quota_put(struct hpcnet_db *db, const char *id, const char *scope_kind,
			   const char *scope_id, const char *resource, const char *gpu_model,
			   const char *period, int64_t max_value, int soft, const char *by, int64_t now)
{
	return done(hpcnet_db_exec(db,
		"INSERT INTO quotas (id, scope_kind, scope_id, resource, gpu_model, period, max_value,"
		" soft, set_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
		" ON CONFLICT (scope_kind, scope_id, resource, gpu_model, period) DO UPDATE SET"
		" max_value = excluded.max_value, soft = excluded.soft, set_by = excluded.set_by,"
		" updated_at = excluded.updated_at",
		"ttttttiiti", id, scope_kind, scope_id, resource, gpu_model, period, max_value,
		(int64_t)(soft != 0), by, now));
}

#define QUOTA_COLS "q.id, q.scope_kind, q.scope_id," \
	" COALESCE(u.name, o.name, po.name || '/' || p.name, q.scope_id) AS scope_name," \
	" q.resource, q.gpu_model, q.period, q.max_value, q.soft, q.set_by, q.updated_at FROM quotas q" \
	" LEFT JOIN users u ON q.scope_kind = 'user' AND u.id = q.scope_id" \
	" LEFT JOIN orgs o ON q.scope_kind = 'org' AND o.id = q.scope_id" \
	" LEFT JOIN projects p ON q.scope_kind = 'project' AND p.id = q.scope_id" \
	" LEFT JOIN orgs po ON po.id = p.org_id"

/* When a role quota binds user ? (bound twice): the user holds the role.
 * 'user' and 'admin' are users.role; 'platform_admin' is 'admin'; the
 * others come from role grants and org administration. */
#define HOLDS_ROLE(q) \
	"((" q ".scope_id = 'user' AND ur.role = 'user')" \
	" OR (" q ".scope_id IN ('admin', 'platform_admin') AND ur.role = 'admin')" \
	" OR " q ".scope_id IN (SELECT g.role FROM role_grants g WHERE g.user_id = ur.id)" \
	" OR (" q ".scope_id = 'org_admin' AND EXISTS (SELECT 1 FROM org_members m" \
	" WHERE m.user_id = ur.id AND m.role = 'admin')))"

int hpcnet_store_quota_binding(struct hpcnet_db *db, const char *user_id, const char *project_id,
			       const char *org_id, json_t **out)
{
	/* A user's own quota replaces their roles' defaults for the same
	 * resource, model and period. NULL project/org: none of theirs. With
	 * org_id "*", every org the user belongs to and their projects. */
	return hpcnet_db_list_json(db, out, "SELECT " QUOTA_COLS " JOIN users ur ON ur.id = ?"
		" WHERE (q.scope_kind = 'user' AND q.scope_id = ur.id)"
		" OR (q.scope_kind = 'role' AND " HOLDS_ROLE("q")
		" AND NOT EXISTS (SELECT 1 FROM quotas o WHERE o.scope_kind = 'user'"
		" AND o.scope_id = ur.id AND o.resource = q.resource"
		" AND o.gpu_model = q.gpu_model AND o.period = q.period))"
		" OR (q.scope_kind = 'project' AND (q.scope_id = ? OR (? = '*' AND q.scope_id IN"
		" (SELECT p.id FROM projects p JOIN org_members m ON m.org_id = p.org_id"
		" WHERE m.user_id = ur.id))))"
		" OR (q.scope_kind = 'org' AND (q.scope_id = ? OR (? = '*' AND q.scope_id IN"
		" (SELECT org_id FROM org_members WHERE user_id = ur.id))))"
		" ORDER BY q.scope_kind, q.resource, q.gpu_model, q.period",
		"ttttt", user_id, project_id, org_id, org_id, org_id);
}

int hpcnet_store_user_holds_role(struct hpcnet_db *db, const char *user_id, const char *role)
{
	int64_t n = 0;
	int rc = hpcnet_db_get_int(db, &n, "SELECT COUNT(*) FROM users ur, (SELECT ? AS scope_id) r"
				   " WHERE ur.id = ? AND " HOLDS_ROLE("r"), "tt", role, user_id);

	return rc < 0 ? rc : n > 0;
}

int hpcnet_store_quota_get(struct hpcnet_db *db, const char *id, json_t **out)
{
	return found(hpcnet_db_get_json(db, out, "SELECT q.id, q.scope_kind, q.scope_id,"
					" CASE q.scope_kind WHEN 'org' THEN q.scope_id"
					" WHEN 'project' THEN p.org_id END AS org_id FROM quotas q"
					" LEFT JOIN projects p ON q.scope_kind = 'project' AND p.id = q.scope_id"
					" WHERE q.id = ?", "t", id));
}

int hpcnet_store_quota_soft_list(struct hpcnet_db *db, json_t **out)
{
	return hpcnet_db_list_json(db, out, "SELECT " QUOTA_COLS " WHERE q.soft = 1 ORDER BY q.id"
				   " LIMIT 10000", NULL);
}

int hpcnet_store_job_wait_reason(struct hpcnet_db *db, const char *job_id, const char *reason,
				 int64_t now)
{
	return hpcnet_db_exec(db, "UPDATE jobs SET state_reason = ?, updated_at = ? WHERE id = ?"
			      " AND state = 'queued' AND state_reason <> ?", "titt", reason, now,
			      job_id, reason);
}

int hpcnet_store_quota_list(struct hpcnet_db *db, json_t **out)
{
	return hpcnet_db_list_json(db, out, "SELECT " QUOTA_COLS " ORDER BY q.scope_kind, scope_name,"
				   " q.resource LIMIT 10000", NULL);
}

int hpcnet_store_quota_delete(struct hpcnet_db *db, const char *id)
{
	return hpcnet_db_exec(db, "DELETE FROM quotas WHERE id = ?", "t", id);
}

int hpcnet_store_quota_active(struct hpcnet_db *db, const char *scope_kind, const char *scope_id,
			      const char *gpu_model, int placed_only, json_t **out)
{
	/* Kept by triggers (migration 016): rows per placed-or-not and model. */
	return found(hpcnet_db_get_json(db, out,
		"SELECT COALESCE(SUM(jobs), 0) AS jobs, COALESCE(SUM(core_seconds), 0) AS core_seconds,"
		" COALESCE(SUM(CASE WHEN ? = '' OR gpu_model = ? THEN gpu_seconds ELSE 0 END), 0)"
		" AS gpu_seconds FROM scope_active WHERE scope_kind = ? AND scope_id = ?"
		" AND placed >= ?", "tttti", gpu_model, gpu_model, scope_key(scope_kind), scope_id,
		(int64_t)(placed_only != 0)));
}

