-- SPDX-License-Identifier: Apache-2.0
-- v11: what each center holds of ours, kept up to date by triggers instead
-- of summed over the jobs table on every scheduling pass. The sum read every
-- job a center had (a backlog of 10k dispatched jobs meant 10k rows per
-- pass, tens of passes a second); this table is one row per center and GPU
-- model, changed in the same transaction as the job, by whatever statement
-- changes the job, so it cannot drift from what the sum would say
-- (tests/unit/test_store.c checks it against the sum after random changes).
--
-- A job counts while it is at a center: dispatched, pending, held, running,
-- preempted or suspended. "waiting" is the part not yet running there.
-- gpu_model is '' for jobs that name no model (a key column cannot be NULL).
CREATE TABLE center_load (
	center_id TEXT NOT NULL,
	gpu_model TEXT NOT NULL,
	jobs BIGINT NOT NULL DEFAULT 0,
	cores BIGINT NOT NULL DEFAULT 0,
	memory_bytes BIGINT NOT NULL DEFAULT 0,
	gpus BIGINT NOT NULL DEFAULT 0,
	waiting BIGINT NOT NULL DEFAULT 0,
	waiting_cores BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (center_id, gpu_model)
);

INSERT INTO center_load (center_id, gpu_model, jobs, cores, memory_bytes, gpus, waiting,
			 waiting_cores)
SELECT center_id, COALESCE(gpu_model, ''), COUNT(*), SUM(cores), SUM(memory_bytes), SUM(gpus),
	SUM(state IN ('dispatched', 'pending', 'held')),
	SUM(CASE WHEN state IN ('dispatched', 'pending', 'held') THEN cores ELSE 0 END)
FROM jobs
WHERE center_id IS NOT NULL
	AND state IN ('dispatched', 'pending', 'held', 'running', 'preempted', 'suspended')
GROUP BY center_id, COALESCE(gpu_model, '');

-- Every change goes through one upsert: a row inserted into this view adds
-- its numbers (negative to take a job out) to the center's row.
CREATE VIEW center_load_delta AS
	SELECT center_id, gpu_model, jobs, cores, memory_bytes, gpus, waiting, waiting_cores
	FROM center_load;
CREATE TRIGGER center_load_add INSTEAD OF INSERT ON center_load_delta
BEGIN
	INSERT INTO center_load (center_id, gpu_model, jobs, cores, memory_bytes, gpus, waiting,
				 waiting_cores)
	VALUES (NEW.center_id, NEW.gpu_model, NEW.jobs, NEW.cores, NEW.memory_bytes, NEW.gpus,
		NEW.waiting, NEW.waiting_cores)
	ON CONFLICT (center_id, gpu_model) DO UPDATE SET
		jobs = jobs + excluded.jobs, cores = cores + excluded.cores,
		memory_bytes = memory_bytes + excluded.memory_bytes, gpus = gpus + excluded.gpus,
		waiting = waiting + excluded.waiting, waiting_cores = waiting_cores + excluded.waiting_cores;
END;

-- A job in (inserted placed, or changed into a counting state) adds itself;
-- a job out (changed away, or deleted) takes its old numbers back. An
-- update that changes a counting job does both; most state changes touch
-- one row (queued -> dispatched is the first that counts).
CREATE TRIGGER center_load_insert AFTER INSERT ON jobs
WHEN NEW.center_id IS NOT NULL
	AND NEW.state IN ('dispatched', 'pending', 'held', 'running', 'preempted', 'suspended')
BEGIN
	INSERT INTO center_load_delta VALUES (NEW.center_id, COALESCE(NEW.gpu_model, ''), 1,
		NEW.cores, NEW.memory_bytes, NEW.gpus, NEW.state IN ('dispatched', 'pending', 'held'),
		CASE WHEN NEW.state IN ('dispatched', 'pending', 'held') THEN NEW.cores ELSE 0 END);
END;

CREATE TRIGGER center_load_update AFTER UPDATE OF state, center_id, cores, memory_bytes,
	gpus, gpu_model ON jobs
BEGIN
	INSERT INTO center_load_delta SELECT OLD.center_id, COALESCE(OLD.gpu_model, ''), -1,
		-OLD.cores, -OLD.memory_bytes, -OLD.gpus, -(OLD.state IN ('dispatched', 'pending', 'held')),
		CASE WHEN OLD.state IN ('dispatched', 'pending', 'held') THEN -OLD.cores ELSE 0 END
	WHERE OLD.center_id IS NOT NULL
		AND OLD.state IN ('dispatched', 'pending', 'held', 'running', 'preempted', 'suspended');
	INSERT INTO center_load_delta SELECT NEW.center_id, COALESCE(NEW.gpu_model, ''), 1,
		NEW.cores, NEW.memory_bytes, NEW.gpus, NEW.state IN ('dispatched', 'pending', 'held'),
		CASE WHEN NEW.state IN ('dispatched', 'pending', 'held') THEN NEW.cores ELSE 0 END
	WHERE NEW.center_id IS NOT NULL
		AND NEW.state IN ('dispatched', 'pending', 'held', 'running', 'preempted', 'suspended');
END;

CREATE TRIGGER center_load_delete AFTER DELETE ON jobs
WHEN OLD.center_id IS NOT NULL
	AND OLD.state IN ('dispatched', 'pending', 'held', 'running', 'preempted', 'suspended')
BEGIN
	INSERT INTO center_load_delta VALUES (OLD.center_id, COALESCE(OLD.gpu_model, ''), -1,
		-OLD.cores, -OLD.memory_bytes, -OLD.gpus, -(OLD.state IN ('dispatched', 'pending', 'held')),
		CASE WHEN OLD.state IN ('dispatched', 'pending', 'held') THEN -OLD.cores ELSE 0 END);
END;

-- What an agent's every orders call looks for: the few jobs with a cancel,
-- recall or control request pending. Indexed by the same condition as the
-- queries (hub/store/jobs_store.c), so each is a read of those few jobs,
-- not of every job the center holds.
CREATE INDEX jobs_cancels ON jobs(center_id, id) WHERE cancel_requested = 1
	AND state IN ('dispatched', 'pending', 'held', 'running', 'preempted', 'suspended');
CREATE INDEX jobs_recalls ON jobs(center_id, id) WHERE recall_requested = 1
	AND state IN ('dispatched', 'pending', 'held');
CREATE INDEX jobs_controls ON jobs(center_id, id) WHERE control_requested IS NOT NULL
	AND cancel_requested = 0 AND state IN ('dispatched', 'pending', 'held', 'running', 'suspended');

-- A center's dispatched jobs are read oldest first (the orders an agent
-- fetches): with id in the index that is a range read, not a sort of the
-- whole backlog. Indexes a new job need not enter: a job has no center
-- until it is placed, and most jobs belong to no organization; every query
-- through them names a center / an organization, which implies the
-- condition.
DROP INDEX jobs_center;
CREATE INDEX jobs_center ON jobs(center_id, state, id) WHERE center_id IS NOT NULL;
DROP INDEX jobs_org;
CREATE INDEX jobs_org ON jobs(org_id, id) WHERE org_id IS NOT NULL;

-- A job's timeline, stored in its key's order: one b-tree instead of a
-- table and its key index (each job writes five or more events).
CREATE TABLE job_events_v11 (
	job_id TEXT NOT NULL REFERENCES jobs(id),
	seq INTEGER NOT NULL,
	state TEXT NOT NULL,
	at BIGINT NOT NULL,
	detail TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (job_id, seq)
) WITHOUT ROWID;
INSERT INTO job_events_v11 (job_id, seq, state, at, detail)
	SELECT job_id, seq, state, at, detail FROM job_events;
DROP TABLE job_events;
ALTER TABLE job_events_v11 RENAME TO job_events;
