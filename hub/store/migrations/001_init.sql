-- SPDX-License-Identifier: Apache-2.0
-- hpcnet schema v1: users, tokens, centers, jobs, their events and output.
-- Portable SQL (SQLite and PostgreSQL): times are integer milliseconds
-- since the epoch, ids are prefixed ULID-like text, booleans are integers.

CREATE TABLE users (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	password_hash TEXT NOT NULL,
	role TEXT NOT NULL CHECK (role IN ('user', 'admin')),
	disabled INTEGER NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL
);

-- Only the SHA-256 of a token is stored; the secret is shown once.
CREATE TABLE tokens (
	id TEXT PRIMARY KEY,
	hash TEXT NOT NULL UNIQUE,
	user_id TEXT NOT NULL REFERENCES users(id),
	name TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	revoked_at BIGINT,
	last_used_at BIGINT
);
CREATE INDEX tokens_user ON tokens(user_id);

CREATE TABLE centers (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	status TEXT NOT NULL CHECK (status IN ('new', 'online', 'offline', 'draining')),
	join_token_hash TEXT UNIQUE,
	join_token_expires_at BIGINT,
	agent_token_hash TEXT UNIQUE,
	adapter TEXT NOT NULL DEFAULT '',
	agent_version TEXT NOT NULL DEFAULT '',
	caps TEXT NOT NULL DEFAULT '[]',
	created_at BIGINT NOT NULL,
	last_heartbeat_at BIGINT,
	has_snapshot INTEGER NOT NULL DEFAULT 0,
	total_cores BIGINT NOT NULL DEFAULT 0,
	free_cores BIGINT NOT NULL DEFAULT 0,
	total_memory_bytes BIGINT NOT NULL DEFAULT 0,
	free_memory_bytes BIGINT NOT NULL DEFAULT 0,
	total_gpus BIGINT NOT NULL DEFAULT 0,
	free_gpus BIGINT NOT NULL DEFAULT 0,
	queue_length BIGINT NOT NULL DEFAULT 0,
	running BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE jobs (
	id TEXT PRIMARY KEY,
	user_id TEXT NOT NULL REFERENCES users(id),
	name TEXT NOT NULL,
	state TEXT NOT NULL,
	state_reason TEXT NOT NULL DEFAULT '',
	script TEXT NOT NULL,
	cores INTEGER NOT NULL,
	memory_bytes BIGINT NOT NULL,
	gpus INTEGER NOT NULL,
	walltime_seconds BIGINT NOT NULL,
	env TEXT NOT NULL DEFAULT '{}',
	files TEXT NOT NULL DEFAULT '[]',
	center_requested TEXT REFERENCES centers(id),
	center_id TEXT REFERENCES centers(id),
	placement_reason TEXT NOT NULL DEFAULT '',
	cancel_requested INTEGER NOT NULL DEFAULT 0,
	submitted_at BIGINT NOT NULL,
	dispatched_at BIGINT,
	started_at BIGINT,
	ended_at BIGINT,
	exit_code INTEGER,
	signal INTEGER,
	cpu_seconds DOUBLE PRECISION,
	max_rss_bytes BIGINT,
	stdout_bytes BIGINT NOT NULL DEFAULT 0,
	stderr_bytes BIGINT NOT NULL DEFAULT 0,
	updated_at BIGINT NOT NULL
);
CREATE INDEX jobs_user ON jobs(user_id, id);
CREATE INDEX jobs_state ON jobs(state, id);
CREATE INDEX jobs_center ON jobs(center_id, state);

-- Same key + same body -> same job; same key + other body -> 409.
CREATE TABLE idempotency_keys (
	user_id TEXT NOT NULL REFERENCES users(id),
	key TEXT NOT NULL,
	body_sha256 TEXT NOT NULL,
	job_id TEXT NOT NULL REFERENCES jobs(id),
	created_at BIGINT NOT NULL,
	PRIMARY KEY (user_id, key)
);

CREATE TABLE job_events (
	job_id TEXT NOT NULL REFERENCES jobs(id),
	seq INTEGER NOT NULL,
	state TEXT NOT NULL,
	at BIGINT NOT NULL,
	detail TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (job_id, seq)
);

-- Output arrives from agents in chunks at byte offsets; a chunk is stored
-- once (the offset is the key), so re-sent chunks change nothing.
CREATE TABLE job_output (
	job_id TEXT NOT NULL REFERENCES jobs(id),
	stream TEXT NOT NULL CHECK (stream IN ('stdout', 'stderr')),
	offset_bytes BIGINT NOT NULL,
	data BLOB NOT NULL,
	PRIMARY KEY (job_id, stream, offset_bytes)
);
