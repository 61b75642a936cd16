-- SPDX-License-Identifier: Apache-2.0
-- Browser sign-ins through the OpenID Connect provider that are under
-- way: made by GET /api/v1/oidc/login, taken (read and deleted: one use)
-- by GET /api/v1/oidc/callback. In the database rather than in the hub's
-- memory so that the callback may reach another replica, or the hub after
-- a restart. The state is stored only as its SHA-256, like session and
-- token secrets; browser_hash is the SHA-256 of the short-lived cookie
-- that ties the sign-in to the browser that started it. Rows live ten
-- minutes and are swept when new ones are made.

CREATE TABLE oidc_logins (
	state_hash TEXT PRIMARY KEY,
	browser_hash TEXT NOT NULL,
	nonce TEXT NOT NULL,
	code_verifier TEXT NOT NULL,
	return_to TEXT NOT NULL,
	expires_at BIGINT NOT NULL
);
CREATE INDEX oidc_logins_expires ON oidc_logins(expires_at);
