-- SPDX-License-Identifier: Apache-2.0
-- v4: money. Usage records (metering), price lists, accounts, a
-- double-entry ledger with idempotency keys, holds, and quotas.
-- See docs/ARCHITECTURE.md "Money" for the design. The ledger tables are
-- append-only: the store has no UPDATE or DELETE for them; a correction
-- is a new transaction.

-- Every holder of money has a 'main' account; payers also have a 'holds'
-- account where the estimated cost of their running jobs waits. The
-- 'external' account is the world outside the platform (top-ups come from
-- it, payouts go to it), so the balances of all accounts always sum to 0.
-- balance is the sum of the account's entries, kept beside them in the
-- same transaction so a balance check does not scan the ledger.
CREATE TABLE accounts (
	id TEXT PRIMARY KEY,
	owner_kind TEXT NOT NULL CHECK (owner_kind IN
		('user', 'org', 'center', 'merchant', 'platform', 'external')),
	owner_id TEXT NOT NULL,
	purpose TEXT NOT NULL CHECK (purpose IN ('main', 'holds')),
	currency TEXT NOT NULL,
	balance BIGINT NOT NULL DEFAULT 0,
	credit_limit BIGINT NOT NULL DEFAULT 0 CHECK (credit_limit >= 0),
	created_at BIGINT NOT NULL,
	UNIQUE (owner_kind, owner_id, purpose, currency)
);

-- One money movement. The key is unique: applying the same key twice is
-- refused by the database itself, whatever the code above it does.
CREATE TABLE ledger_transactions (
	id TEXT PRIMARY KEY,
	idempotency_key TEXT NOT NULL UNIQUE,
	kind TEXT NOT NULL CHECK (kind IN
		('topup', 'hold', 'charge', 'release', 'payout', 'adjustment')),
	job_id TEXT,
	period TEXT,                -- 'YYYY-MM' of the movement (settlement, invoices)
	memo TEXT NOT NULL DEFAULT '',
	created_by TEXT,
	created_at BIGINT NOT NULL
);
CREATE INDEX ledger_tx_job ON ledger_transactions(job_id);
CREATE INDEX ledger_tx_period ON ledger_transactions(period, kind);

-- Entries of a transaction sum to zero (checked before they are written).
CREATE TABLE ledger_entries (
	tx_id TEXT NOT NULL REFERENCES ledger_transactions(id),
	seq INTEGER NOT NULL,
	account_id TEXT NOT NULL REFERENCES accounts(id),
	amount BIGINT NOT NULL,
	PRIMARY KEY (tx_id, seq)
);
CREATE INDEX ledger_entries_account ON ledger_entries(account_id, tx_id);

-- The hold of a job: how much waits in the payer's holds account, and
-- under which prices it was estimated (the charge uses the same ones).
CREATE TABLE holds (
	job_id TEXT PRIMARY KEY REFERENCES jobs(id),
	payer_kind TEXT NOT NULL,
	payer_id TEXT NOT NULL,
	currency TEXT NOT NULL,
	amount BIGINT NOT NULL CHECK (amount >= 0),
	basis TEXT NOT NULL DEFAULT '',  -- which center's prices set the estimate
	priced_at BIGINT NOT NULL,       -- price lists in force at this time apply
	status TEXT NOT NULL CHECK (status IN ('held', 'charged')),
	cost BIGINT,                     -- metered cost at the charge
	charged BIGINT,                  -- what was taken (cost, capped by hold + credit)
	created_at BIGINT NOT NULL,
	settled_at BIGINT
);
CREATE INDEX holds_status ON holds(status);

-- A center's prices. Set by its operator (pending), in force once a
-- platform admin approved it and from effective_from on; the newest
-- approved list whose effective_from has passed wins. items is the
-- validated JSON list of prices (see hub/billing/pricing.h).
CREATE TABLE price_lists (
	id TEXT PRIMARY KEY,
	center_id TEXT NOT NULL REFERENCES centers(id),
	currency TEXT NOT NULL,
	items TEXT NOT NULL,
	effective_from BIGINT NOT NULL,
	status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
	created_by TEXT,
	created_at BIGINT NOT NULL,
	approved_by TEXT,
	approved_at BIGINT
);
CREATE INDEX price_lists_center ON price_lists(center_id, status, effective_from);

-- Metering: one row per job per resource (and GPU model). center_qty is
-- the center's figure (NULL when it gave none), hub_qty the hub's check
-- (walltime x allocated), billed_qty what is priced. Quantities are in
-- base units: core/gpu seconds, MiB-seconds, bytes. final = the job ended.
CREATE TABLE usage_records (
	job_id TEXT NOT NULL REFERENCES jobs(id),
	resource TEXT NOT NULL CHECK (resource IN
		('core', 'gpu', 'memory', 'storage', 'net_in', 'net_out')),
	model TEXT NOT NULL DEFAULT '',
	center_id TEXT NOT NULL,
	user_id TEXT NOT NULL,
	payer_kind TEXT NOT NULL,
	payer_id TEXT NOT NULL,
	center_qty BIGINT,
	hub_qty BIGINT,
	billed_qty BIGINT NOT NULL,
	flagged INTEGER NOT NULL DEFAULT 0,
	amount BIGINT NOT NULL DEFAULT 0,  -- priced at the charge (minor units)
	currency TEXT NOT NULL DEFAULT '',
	final INTEGER NOT NULL DEFAULT 0,
	period TEXT NOT NULL,           -- 'YYYY-MM' the job ended (or now, if running)
	day TEXT NOT NULL,              -- 'YYYY-MM-DD' likewise
	updated_at BIGINT NOT NULL,
	PRIMARY KEY (job_id, resource, model)
);
CREATE INDEX usage_user ON usage_records(user_id, period);
CREATE INDEX usage_center ON usage_records(center_id, period);
CREATE INDEX usage_payer ON usage_records(payer_kind, payer_id, center_id, resource, period);

-- Limits per user/project/org (or a default for every holder of a role).
CREATE TABLE quotas (
	id TEXT PRIMARY KEY,
	scope_kind TEXT NOT NULL CHECK (scope_kind IN ('user', 'project', 'org', 'role')),
	scope_id TEXT NOT NULL,
	resource TEXT NOT NULL CHECK (resource IN
		('concurrent_jobs', 'core_hours', 'gpu_hours', 'storage_bytes')),
	gpu_model TEXT NOT NULL DEFAULT '',
	period TEXT NOT NULL CHECK (period IN ('month', 'lifetime')),
	max_value BIGINT NOT NULL CHECK (max_value >= 0),
	set_by TEXT,
	updated_at BIGINT NOT NULL,
	UNIQUE (scope_kind, scope_id, resource, gpu_model, period)
);
