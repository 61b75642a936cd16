-- SPDX-License-Identifier: Apache-2.0
-- v16: what each user, project and org has unfinished (the quota check's
-- reserved walltime), kept by triggers like center_load (migration 011)
-- instead of migration 014's partial indexes. Those indexes named `state`
-- in their condition, so every state change of every job rewrote three
-- index entries (~15% of the hub's submit rate); these triggers do work
-- only when a job's share changes: it is submitted, placed, ends, or is
-- resized. tests/unit/test_quota.c holds the table equal to the sum over
-- the jobs after random changes.
DROP INDEX IF EXISTS jobs_active_user;
DROP INDEX IF EXISTS jobs_active_project;
DROP INDEX IF EXISTS jobs_active_org;

-- placed: 1 once a center has the job (the soft gate counts only those).
-- gpu_model '' for jobs that name none.
CREATE TABLE scope_active (
	scope_kind TEXT NOT NULL,   -- 'user', 'project', 'org'
	scope_id TEXT NOT NULL,
	placed INTEGER NOT NULL,
	gpu_model TEXT NOT NULL,
	jobs BIGINT NOT NULL DEFAULT 0,
	core_seconds BIGINT NOT NULL DEFAULT 0,
	gpu_seconds BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (scope_kind, scope_id, placed, gpu_model)
) WITHOUT ROWID;

-- One job's share (negative to take it out), added to each of its scopes.
CREATE VIEW scope_active_delta AS
	SELECT user_id, project_id, org_id, center_id IS NOT NULL AS placed, gpu_model,
		1 AS jobs, cores * walltime_seconds AS core_seconds,
		gpus * walltime_seconds AS gpu_seconds
	FROM jobs;
CREATE TRIGGER scope_active_add INSTEAD OF INSERT ON scope_active_delta
BEGIN
	INSERT INTO scope_active (scope_kind, scope_id, placed, gpu_model, jobs, core_seconds,
				  gpu_seconds)
	SELECT kind, id, NEW.placed, COALESCE(NEW.gpu_model, ''), NEW.jobs, NEW.core_seconds,
		NEW.gpu_seconds FROM (
		SELECT 'user' AS kind, NEW.user_id AS id
		UNION ALL SELECT 'project', NEW.project_id
		UNION ALL SELECT 'org', NEW.org_id)
	WHERE id IS NOT NULL
	ON CONFLICT (scope_kind, scope_id, placed, gpu_model) DO UPDATE SET
		jobs = jobs + excluded.jobs, core_seconds = core_seconds + excluded.core_seconds,
		gpu_seconds = gpu_seconds + excluded.gpu_seconds;
END;

CREATE TRIGGER scope_active_insert AFTER INSERT ON jobs
WHEN NEW.state NOT IN ('succeeded', 'failed', 'cancelled', 'lost')
BEGIN
	INSERT INTO scope_active_delta VALUES (NEW.user_id, NEW.project_id, NEW.org_id,
		NEW.center_id IS NOT NULL, NEW.gpu_model, 1, NEW.cores * NEW.walltime_seconds,
		NEW.gpus * NEW.walltime_seconds);
END;

-- Only when the share changes: most state changes (queued -> dispatched
-- aside) leave it as it was and cost this WHEN alone.
CREATE TRIGGER scope_active_update AFTER UPDATE OF state, center_id, cores, gpus,
	walltime_seconds, gpu_model, user_id, project_id, org_id ON jobs
WHEN (OLD.state IN ('succeeded', 'failed', 'cancelled', 'lost'))
		IS NOT (NEW.state IN ('succeeded', 'failed', 'cancelled', 'lost'))
	OR (OLD.center_id IS NULL) IS NOT (NEW.center_id IS NULL)
	OR OLD.cores IS NOT NEW.cores OR OLD.gpus IS NOT NEW.gpus
	OR OLD.walltime_seconds IS NOT NEW.walltime_seconds OR OLD.gpu_model IS NOT NEW.gpu_model
	OR OLD.user_id IS NOT NEW.user_id OR OLD.project_id IS NOT NEW.project_id
	OR OLD.org_id IS NOT NEW.org_id
BEGIN
	INSERT INTO scope_active_delta SELECT OLD.user_id, OLD.project_id, OLD.org_id,
		OLD.center_id IS NOT NULL, OLD.gpu_model, -1, -OLD.cores * OLD.walltime_seconds,
		-OLD.gpus * OLD.walltime_seconds
	WHERE OLD.state NOT IN ('succeeded', 'failed', 'cancelled', 'lost');
	INSERT INTO scope_active_delta SELECT NEW.user_id, NEW.project_id, NEW.org_id,
		NEW.center_id IS NOT NULL, NEW.gpu_model, 1, NEW.cores * NEW.walltime_seconds,
		NEW.gpus * NEW.walltime_seconds
	WHERE NEW.state NOT IN ('succeeded', 'failed', 'cancelled', 'lost');
END;

CREATE TRIGGER scope_active_delete AFTER DELETE ON jobs
WHEN OLD.state NOT IN ('succeeded', 'failed', 'cancelled', 'lost')
BEGIN
	INSERT INTO scope_active_delta VALUES (OLD.user_id, OLD.project_id, OLD.org_id,
		OLD.center_id IS NOT NULL, OLD.gpu_model, -1, -OLD.cores * OLD.walltime_seconds,
		-OLD.gpus * OLD.walltime_seconds);
END;

-- what a hub upgraded with unfinished jobs starts from
INSERT INTO scope_active_delta SELECT user_id, project_id, org_id, center_id IS NOT NULL,
	gpu_model, 1, cores * walltime_seconds, gpus * walltime_seconds
	FROM jobs WHERE state NOT IN ('succeeded', 'failed', 'cancelled', 'lost');
