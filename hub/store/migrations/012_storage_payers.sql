-- SPDX-License-Identifier: Apache-2.0
-- v12: storage billed to whoever pays for the job (its project's org, else
-- its user: the rule compute already follows, hub/billing/billing.h), and
-- the bytes the hub keeps per user, project and org kept up to date by
-- triggers instead of summed over the jobs table. The sum read every job
-- of every user on every billing sweep (every 15 s) and every job of the
-- owner on every output chunk (the storage_bytes quota check); this table
-- is changed in the same transaction as the job, by whatever statement
-- changes it, so it cannot drift from what the sum would say
-- (tests/unit/test_store.c checks it against the sum after random changes).
--
-- bytes: what the scope's jobs keep (input_bytes + stdout_bytes +
--        stderr_bytes), which its storage_bytes quotas count;
-- paid:  the part the scope pays for: an org every job of its projects, a
--        user their jobs outside any project, a project nothing;
-- metered, metered_at: the level the storage sweep last counted and when
--        (ms; NULL = never). The sweep only reads rows whose paid level
--        moved away from it, and those holding bytes once a day is over.
CREATE TABLE stored_bytes (
	scope_kind TEXT NOT NULL,           -- 'user', 'project', 'org'
	scope_id TEXT NOT NULL,
	bytes BIGINT NOT NULL DEFAULT 0,
	paid BIGINT NOT NULL DEFAULT 0,
	metered BIGINT NOT NULL DEFAULT 0,
	metered_at BIGINT,
	PRIMARY KEY (scope_kind, scope_id)
);
CREATE INDEX stored_bytes_changed ON stored_bytes(scope_kind, scope_id) WHERE paid != metered;
CREATE INDEX stored_bytes_held ON stored_bytes(metered_at) WHERE metered > 0;

-- storage_days keyed by payer. Days metered before were the user's (they
-- paid for their project jobs' bytes too) and stay theirs. price and cost
-- say what a closed day was priced at and what it cost before the credit
-- limit (amount is what was taken): the invoice's storage lines.
CREATE TABLE storage_days_v12 (
	payer_kind TEXT NOT NULL,               -- 'user' or 'org'
	payer_id TEXT NOT NULL,
	day TEXT NOT NULL,                      -- 'YYYY-MM-DD' (UTC)
	byte_seconds BIGINT NOT NULL DEFAULT 0, -- bytes held x seconds that day
	swept_at BIGINT NOT NULL,               -- the last sweep that counted (ms)
	amount BIGINT NOT NULL DEFAULT 0,       -- charged (minor units), once final
	final INTEGER NOT NULL DEFAULT 0,       -- the day is over and was charged
	price BIGINT,                           -- per GiB-day, once final
	cost BIGINT,                            -- before the credit limit, once final
	PRIMARY KEY (payer_kind, payer_id, day)
);
INSERT INTO storage_days_v12 (payer_kind, payer_id, day, byte_seconds, swept_at, amount, final,
			      cost)
	SELECT 'user', user_id, day, byte_seconds, swept_at, amount, final,
		CASE WHEN final = 1 THEN amount END
	FROM storage_days;
DROP TABLE storage_days;
ALTER TABLE storage_days_v12 RENAME TO storage_days;
CREATE INDEX storage_days_open ON storage_days(final, day);

-- What the jobs keep now. A user's metering goes on from their last sweep
-- at their own share; an org's starts at the next sweep (NULL).
INSERT INTO stored_bytes (scope_kind, scope_id, bytes, paid)
	SELECT 'user', user_id, SUM(input_bytes + stdout_bytes + stderr_bytes),
		SUM(CASE WHEN org_id IS NULL THEN input_bytes + stdout_bytes + stderr_bytes ELSE 0 END)
	FROM jobs GROUP BY user_id;
INSERT INTO stored_bytes (scope_kind, scope_id, bytes)
	SELECT 'project', project_id, SUM(input_bytes + stdout_bytes + stderr_bytes)
	FROM jobs WHERE project_id IS NOT NULL GROUP BY project_id;
INSERT INTO stored_bytes (scope_kind, scope_id, bytes, paid)
	SELECT 'org', org_id, SUM(input_bytes + stdout_bytes + stderr_bytes),
		SUM(input_bytes + stdout_bytes + stderr_bytes)
	FROM jobs WHERE org_id IS NOT NULL GROUP BY org_id;
UPDATE stored_bytes SET metered = paid,
	metered_at = (SELECT MAX(s.swept_at) FROM storage_days s
		      WHERE s.payer_kind = 'user' AND s.payer_id = stored_bytes.scope_id)
WHERE scope_kind = 'user';
UPDATE stored_bytes SET metered = 0 WHERE metered_at IS NULL;

-- Every change goes through one upsert: a row inserted into this view adds
-- its numbers (negative to take a job out) to the scope's row.
CREATE VIEW stored_bytes_delta AS SELECT scope_kind, scope_id, bytes, paid FROM stored_bytes;
CREATE TRIGGER stored_bytes_add INSTEAD OF INSERT ON stored_bytes_delta
BEGIN
	INSERT INTO stored_bytes (scope_kind, scope_id, bytes, paid)
	VALUES (NEW.scope_kind, NEW.scope_id, NEW.bytes, NEW.paid)
	ON CONFLICT (scope_kind, scope_id) DO UPDATE SET
		bytes = bytes + excluded.bytes, paid = paid + excluded.paid;
END;

-- A job's bytes count for its user (paid when it has no org), its project
-- and its org (paid). One job's change (bytes negative to take it out) is a
-- row of this view, spread over its scopes; every trigger below writes one
-- (or, to move a job, two).
CREATE VIEW stored_bytes_job_delta AS
	SELECT user_id, project_id, org_id, input_bytes + stdout_bytes + stderr_bytes AS bytes
	FROM jobs;
CREATE TRIGGER stored_bytes_job_add INSTEAD OF INSERT ON stored_bytes_job_delta
BEGIN
	INSERT INTO stored_bytes_delta
	SELECT 'user', NEW.user_id, NEW.bytes, CASE WHEN NEW.org_id IS NULL THEN NEW.bytes ELSE 0 END
	UNION ALL SELECT 'project', NEW.project_id, NEW.bytes, 0 WHERE NEW.project_id IS NOT NULL
	UNION ALL SELECT 'org', NEW.org_id, NEW.bytes, NEW.bytes WHERE NEW.org_id IS NOT NULL;
END;

-- A new job adds its bytes; a deleted one takes them back.
CREATE TRIGGER stored_bytes_insert AFTER INSERT ON jobs
BEGIN
	INSERT INTO stored_bytes_job_delta VALUES (NEW.user_id, NEW.project_id, NEW.org_id,
		NEW.input_bytes + NEW.stdout_bytes + NEW.stderr_bytes);
END;

CREATE TRIGGER stored_bytes_delete AFTER DELETE ON jobs
BEGIN
	INSERT INTO stored_bytes_job_delta VALUES (OLD.user_id, OLD.project_id, OLD.org_id,
		-(OLD.input_bytes + OLD.stdout_bytes + OLD.stderr_bytes));
END;

-- The common change, output growing (every chunk): the same scopes, one
-- upsert each with the difference.
CREATE TRIGGER stored_bytes_grow AFTER UPDATE OF input_bytes, stdout_bytes, stderr_bytes,
	user_id, project_id, org_id ON jobs
WHEN OLD.user_id = NEW.user_id AND OLD.project_id IS NEW.project_id
	AND OLD.org_id IS NEW.org_id
	AND OLD.input_bytes + OLD.stdout_bytes + OLD.stderr_bytes
		!= NEW.input_bytes + NEW.stdout_bytes + NEW.stderr_bytes
BEGIN
	INSERT INTO stored_bytes_job_delta VALUES (NEW.user_id, NEW.project_id, NEW.org_id,
		(NEW.input_bytes + NEW.stdout_bytes + NEW.stderr_bytes)
		- (OLD.input_bytes + OLD.stdout_bytes + OLD.stderr_bytes));
END;

-- A job moved to another user, project or org (rare): out of the old
-- scopes, into the new ones.
CREATE TRIGGER stored_bytes_move AFTER UPDATE OF input_bytes, stdout_bytes, stderr_bytes,
	user_id, project_id, org_id ON jobs
WHEN NOT (OLD.user_id = NEW.user_id AND OLD.project_id IS NEW.project_id
	AND OLD.org_id IS NEW.org_id)
BEGIN
	INSERT INTO stored_bytes_job_delta VALUES (OLD.user_id, OLD.project_id, OLD.org_id,
		-(OLD.input_bytes + OLD.stdout_bytes + OLD.stderr_bytes));
	INSERT INTO stored_bytes_job_delta VALUES (NEW.user_id, NEW.project_id, NEW.org_id,
		NEW.input_bytes + NEW.stdout_bytes + NEW.stderr_bytes);
END;
