-- SPDX-License-Identifier: Apache-2.0
-- v8: the earlier runs of a job its center requeued or preempted. jobs.
-- started_at is the current run's start (NULL between runs); each run that
-- ended without ending the job is kept here, so the charge at the job's end
-- meters every run exactly once (see docs/ARCHITECTURE.md "Money").
CREATE TABLE job_runs (
	job_id TEXT NOT NULL REFERENCES jobs(id),
	run INTEGER NOT NULL,            -- 1, 2, ... in the order they ran
	center_id TEXT NOT NULL,
	started_at BIGINT NOT NULL,
	ended_at BIGINT NOT NULL,        -- when the center put it back in its queue
	reason TEXT NOT NULL DEFAULT '', -- 'pending' (requeued), 'preempted', 'held'
	PRIMARY KEY (job_id, run)
);
