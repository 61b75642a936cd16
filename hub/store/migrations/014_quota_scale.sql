-- SPDX-License-Identifier: Apache-2.0
-- v14: a submit's quota check costs what the scope holds now, not what it
-- ever ran. It read, per binding quota, every job of the user, project or
-- org (a project's: every job on the hub, there being no index) to sum
-- the unfinished ones, and every final usage record of the scope's jobs.
--
-- Unfinished jobs by scope: partial indexes with the queries' own condition
-- (hub/store/billing_store.c ACTIVE), so each sum reads only the scope's
-- unfinished jobs.
CREATE INDEX jobs_active_user ON jobs(user_id)
	WHERE state NOT IN ('succeeded', 'failed', 'cancelled', 'lost');
CREATE INDEX jobs_active_project ON jobs(project_id)
	WHERE state NOT IN ('succeeded', 'failed', 'cancelled', 'lost');
CREATE INDEX jobs_active_org ON jobs(org_id)
	WHERE state NOT IN ('succeeded', 'failed', 'cancelled', 'lost');

-- Final usage by scope (the job's user, project and org), resource, model
-- and month, kept by triggers on usage_records in the same transaction as
-- the record; tests/unit/test_quota.c holds it equal to the sum over the
-- records after random changes.
CREATE TABLE usage_totals (
	scope_kind TEXT NOT NULL,   -- 'user', 'project', 'org'
	scope_id TEXT NOT NULL,
	resource TEXT NOT NULL,
	model TEXT NOT NULL,
	period TEXT NOT NULL,       -- 'YYYY-MM'
	qty BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (scope_kind, scope_id, resource, model, period)
) WITHOUT ROWID;

-- One usage change (qty negative to take one out), spread to the scopes of
-- its job and added to each scope's row.
CREATE VIEW usage_totals_delta AS
	SELECT job_id, user_id, resource, model, period, billed_qty AS qty FROM usage_records;
CREATE TRIGGER usage_totals_add INSTEAD OF INSERT ON usage_totals_delta
BEGIN
	INSERT INTO usage_totals (scope_kind, scope_id, resource, model, period, qty)
	SELECT kind, id, NEW.resource, NEW.model, NEW.period, NEW.qty FROM (
		SELECT 'user' AS kind, NEW.user_id AS id
		UNION ALL SELECT 'project', project_id FROM jobs WHERE id = NEW.job_id
		UNION ALL SELECT 'org', org_id FROM jobs WHERE id = NEW.job_id)
	WHERE id IS NOT NULL
	ON CONFLICT (scope_kind, scope_id, resource, model, period) DO UPDATE SET
		qty = qty + excluded.qty;
END;

CREATE TRIGGER usage_totals_insert AFTER INSERT ON usage_records WHEN NEW.final = 1
BEGIN
	INSERT INTO usage_totals_delta VALUES (NEW.job_id, NEW.user_id, NEW.resource, NEW.model,
		NEW.period, NEW.billed_qty);
END;

CREATE TRIGGER usage_totals_update AFTER UPDATE ON usage_records
BEGIN
	INSERT INTO usage_totals_delta SELECT OLD.job_id, OLD.user_id, OLD.resource, OLD.model,
		OLD.period, -OLD.billed_qty WHERE OLD.final = 1;
	INSERT INTO usage_totals_delta SELECT NEW.job_id, NEW.user_id, NEW.resource, NEW.model,
		NEW.period, NEW.billed_qty WHERE NEW.final = 1;
END;

CREATE TRIGGER usage_totals_delete AFTER DELETE ON usage_records WHEN OLD.final = 1
BEGIN
	INSERT INTO usage_totals_delta VALUES (OLD.job_id, OLD.user_id, OLD.resource, OLD.model,
		OLD.period, -OLD.billed_qty);
END;

-- what a hub upgraded with usage already recorded starts from
INSERT INTO usage_totals_delta SELECT job_id, user_id, resource, model, period, billed_qty
	FROM usage_records WHERE final = 1;
