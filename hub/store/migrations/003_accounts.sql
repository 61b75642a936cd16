-- SPDX-License-Identifier: Apache-2.0
-- v3: identity. Organizations (a university, a company, a research group)
-- with members, projects inside an organization, scoped role grants
-- (center operator of one center, merchant), sign-up invites, external
-- OpenID Connect identities, and the hash-chained audit log. Jobs may
-- name a project; org_id is copied from the project at submit so "the
-- org's jobs" is one indexed column, not a join per listing.
-- The platform administrator stays users.role = 'admin'.

CREATE TABLE orgs (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	display_name TEXT NOT NULL DEFAULT '',
	kind TEXT NOT NULL DEFAULT 'group' CHECK (kind IN ('university', 'company', 'group')),
	created_by TEXT REFERENCES users(id),
	created_at BIGINT NOT NULL
);

-- role 'admin' = org_admin of this org; every admin is also a member.
CREATE TABLE org_members (
	org_id TEXT NOT NULL REFERENCES orgs(id),
	user_id TEXT NOT NULL REFERENCES users(id),
	role TEXT NOT NULL CHECK (role IN ('member', 'admin')),
	added_at BIGINT NOT NULL,
	PRIMARY KEY (org_id, user_id)
);
CREATE INDEX org_members_user ON org_members(user_id, role);

CREATE TABLE projects (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL REFERENCES orgs(id),
	name TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	created_by TEXT REFERENCES users(id),
	created_at BIGINT NOT NULL,
	UNIQUE (org_id, name)
);

CREATE TABLE project_members (
	project_id TEXT NOT NULL REFERENCES projects(id),
	user_id TEXT NOT NULL REFERENCES users(id),
	added_at BIGINT NOT NULL,
	PRIMARY KEY (project_id, user_id)
);
CREATE INDEX project_members_user ON project_members(user_id);

-- Roles that are not org membership: center_operator of one center
-- (scope = center id), merchant (scope = '').
CREATE TABLE role_grants (
	user_id TEXT NOT NULL REFERENCES users(id),
	role TEXT NOT NULL CHECK (role IN ('center_operator', 'merchant')),
	scope TEXT NOT NULL DEFAULT '',
	granted_by TEXT REFERENCES users(id),
	created_at BIGINT NOT NULL,
	PRIMARY KEY (user_id, role, scope)
);

-- Sign-up invites: only the SHA-256 of the code is kept.
CREATE TABLE invites (
	id TEXT PRIMARY KEY,
	hash TEXT NOT NULL UNIQUE,
	org_id TEXT REFERENCES orgs(id),
	org_role TEXT NOT NULL DEFAULT 'member' CHECK (org_role IN ('member', 'admin')),
	created_by TEXT NOT NULL REFERENCES users(id),
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	used_at BIGINT,
	used_by TEXT REFERENCES users(id)
);

-- An external identity (OpenID Connect iss + sub) bound to a user.
CREATE TABLE oidc_identities (
	issuer TEXT NOT NULL,
	subject TEXT NOT NULL,
	user_id TEXT NOT NULL REFERENCES users(id),
	created_at BIGINT NOT NULL,
	PRIMARY KEY (issuer, subject)
);

-- Append-only, hash-chained: hash = SHA-256(canonical row + prev_hash).
CREATE TABLE audit_log (
	seq BIGINT PRIMARY KEY,
	at BIGINT NOT NULL,
	actor_type TEXT NOT NULL,
	actor_id TEXT NOT NULL,
	actor_name TEXT NOT NULL,
	source_ip TEXT NOT NULL,
	method TEXT NOT NULL,
	route TEXT NOT NULL,
	object_type TEXT NOT NULL,
	object_id TEXT NOT NULL,
	status INTEGER NOT NULL,
	prev_hash TEXT NOT NULL,
	hash TEXT NOT NULL
);
CREATE INDEX audit_actor ON audit_log(actor_id, seq);
CREATE INDEX audit_object ON audit_log(object_id, seq);
CREATE INDEX audit_at ON audit_log(at);

ALTER TABLE jobs ADD COLUMN project_id TEXT REFERENCES projects(id);
ALTER TABLE jobs ADD COLUMN org_id TEXT REFERENCES orgs(id);
CREATE INDEX jobs_org ON jobs(org_id, id);
