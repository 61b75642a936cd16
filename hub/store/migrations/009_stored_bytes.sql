-- SPDX-License-Identifier: Apache-2.0
-- v9: what the hub keeps of a job's input (script and files as submitted,
-- in bytes), beside stdout_bytes/stderr_bytes of its output: the
-- storage_bytes quotas count their sum per user, project or org.
ALTER TABLE jobs ADD COLUMN input_bytes BIGINT NOT NULL DEFAULT 0;
-- Jobs from before: their length in characters (bytes for ASCII).
UPDATE jobs SET input_bytes = LENGTH(script) + LENGTH(files);
