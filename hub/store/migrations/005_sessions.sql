-- SPDX-License-Identifier: Apache-2.0
-- Browser sessions for the portal. The cookie carries a random secret;
-- only its SHA-256 is stored (like API tokens), so the table holds nothing
-- a reader could sign in with. A session ends at expires_at (absolute),
-- after the hub's idle limit without use (last_seen_at), or at sign-out
-- (revoked_at).

CREATE TABLE sessions (
	id TEXT PRIMARY KEY,
	hash TEXT NOT NULL UNIQUE,
	user_id TEXT NOT NULL REFERENCES users(id),
	created_at BIGINT NOT NULL,
	last_seen_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	revoked_at BIGINT,
	user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_expires ON sessions(expires_at);
