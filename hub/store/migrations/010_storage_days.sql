-- SPDX-License-Identifier: Apache-2.0
-- v10: storage metering. What the hub keeps for a user's jobs (scripts,
-- files, output: jobs.input_bytes + stdout_bytes + stderr_bytes) integrated
-- over time by a periodic sweep into one row per user and UTC day, charged
-- once the day is over at the platform's storage price (the hub, not a
-- center, keeps these bytes). See docs/ARCHITECTURE.md "Money".
CREATE TABLE storage_days (
	user_id TEXT NOT NULL REFERENCES users(id),
	day TEXT NOT NULL,                      -- 'YYYY-MM-DD' (UTC)
	byte_seconds BIGINT NOT NULL DEFAULT 0, -- bytes held x seconds that day
	swept_at BIGINT NOT NULL,               -- the last sweep that counted (ms)
	amount BIGINT NOT NULL DEFAULT 0,       -- charged (minor units), once final
	final INTEGER NOT NULL DEFAULT 0,       -- the day is over and was charged
	PRIMARY KEY (user_id, day)
);
CREATE INDEX storage_days_open ON storage_days(final, day);
