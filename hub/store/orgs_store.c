/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SQL for identity beyond users and tokens: organizations and their
 * members, projects, scoped role grants, sign-up invites and external
 * (OpenID Connect) identities.
 */
#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "hpcnet/error.h"
#include "hub/store/store.h"

static int found(int rc)
{
	return rc == 0 ? HPCNET_ENOTFOUND : rc < 0 ? rc : 0;
}

static int done(int rc)
{
	return rc < 0 ? rc : 0;
}

int hpcnet_store_org_create(struct hpcnet_db *db, const char *id, const char *name,
			    const char *display_name, const char *kind, const char *created_by)
{
	return done(hpcnet_db_exec(db, "INSERT INTO orgs (id, name, display_name, kind, created_by,"
				       " created_at) VALUES (?, ?, ?, ?, ?, ?)", "ttttti", id, name,
				   display_name, kind, created_by, hpcnet_now_ms()));
}

int hpcnet_store_org_get(struct hpcnet_db *db, const char *id_or_name, json_t **out)
{
	return found(hpcnet_db_get_json(db, out, "SELECT id, name, display_name, kind, created_at"
					    " FROM orgs WHERE id = ? OR name = ?", "tt", id_or_name,
					id_or_name));
}

int hpcnet_store_org_list(struct hpcnet_db *db, const char *user_id, json_t **out)
{
	if (!user_id)
		return hpcnet_db_list_json(db, out, "SELECT o.id, o.name, o.display_name, o.kind,"
					   " o.created_at, NULL AS my_role FROM orgs o ORDER BY o.name", NULL);
	return hpcnet_db_list_json(db, out, "SELECT o.id, o.name, o.display_name, o.kind, o.created_at,"
				   " m.role AS my_role FROM orgs o JOIN org_members m ON m.org_id = o.id"
				   " WHERE m.user_id = ? ORDER BY o.name", "t", user_id);
}

int hpcnet_store_org_member_set(struct hpcnet_db *db, const char *org_id, const char *user_id,
				const char *role)
{
	int rc = hpcnet_db_exec(db, "UPDATE org_members SET role = ? WHERE org_id = ? AND user_id = ?",
				"ttt", role, org_id, user_id);

	if (rc != 0)
		return done(rc);
	return done(hpcnet_db_exec(db, "INSERT INTO org_members (org_id, user_id, role, added_at)"
				       " VALUES (?, ?, ?, ?)", "ttti", org_id, user_id, role,
				   hpcnet_now_ms()));
}

int hpcnet_store_org_member_remove(struct hpcnet_db *db, const char *org_id, const char *user_id)
{
	return hpcnet_db_exec(db, "DELETE FROM org_members WHERE org_id = ? AND user_id = ?", "tt",
			      org_id, user_id);
}

int hpcnet_store_org_members(struct hpcnet_db *db, const char *org_id, json_t **out)
{
	return hpcnet_db_list_json(db, out, "SELECT m.user_id, u.name AS user_name, m.role, m.added_at"
				   " FROM org_members m JOIN users u ON u.id = m.user_id"
				   " WHERE m.org_id = ? ORDER BY u.name", "t", org_id);
}

int hpcnet_store_org_role(struct hpcnet_db *db, const char *org_id, const char *user_id,
			  char *role, size_t len)
{
	json_t *row = NULL;
	int rc = hpcnet_db_get_json(db, &row, "SELECT role FROM org_members WHERE org_id = ? AND"
				    " user_id = ?", "tt", org_id, user_id);

	if (rc == 1)
		snprintf(role, len, "%s", json_string_value(json_object_get(row, "role")));
	json_decref(row);
	return rc;
}

int hpcnet_store_org_admin_count(struct hpcnet_db *db, const char *org_id, int64_t *n)
{
	return done(hpcnet_db_get_int(db, n, "SELECT COUNT(*) FROM org_members WHERE org_id = ?"
				      " AND role = 'admin'", "t", org_id));
}

int hpcnet_store_project_create(struct hpcnet_db *db, const char *id, const char *org_id,
				const char *name, const char *description, const char *created_by)
{
	return done(hpcnet_db_exec(db, "INSERT INTO projects (id, org_id, name, description,"
				       " created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)", "ttttti",
				   id, org_id, name, description, created_by, hpcnet_now_ms()));
}

#define PROJECT_SELECT "SELECT p.id, p.org_id, o.name AS org_name, p.name, p.description," \
	" p.created_at FROM projects p JOIN orgs o ON o.id = p.org_id"

int hpcnet_store_project_get(struct hpcnet_db *db, const char *key, json_t **out)
{
	const char *slash = strchr(key, '/');
	char org[128];

	if (!slash)
		return found(hpcnet_db_get_json(db, out, PROJECT_SELECT " WHERE p.id = ?", "t", key));
	snprintf(org, sizeof(org), "%.*s", (int)(slash - key), key);
	return found(hpcnet_db_get_json(db, out, PROJECT_SELECT " WHERE (o.id = ? OR o.name = ?)"
					" AND p.name = ?", "ttt", org, org, slash + 1));
}

int hpcnet_store_project_list(struct hpcnet_db *db, const char *user_id, const char *org_id,
			      json_t **out)
{
	return hpcnet_db_list_json(db, out, PROJECT_SELECT
				   " WHERE (? IS NULL OR p.org_id = ?) AND (? IS NULL OR p.org_id IN"
				   " (SELECT org_id FROM org_members WHERE user_id = ?))"
				   " ORDER BY o.name, p.name", "tttt", org_id, org_id, user_id, user_id);
}

int hpcnet_store_project_member_add(struct hpcnet_db *db, const char *project_id,
				    const char *user_id)
{
	int rc = hpcnet_db_exec(db, "INSERT INTO project_members (project_id, user_id, added_at)"
				" VALUES (?, ?, ?)", "tti", project_id, user_id, hpcnet_now_ms());

	return rc == HPCNET_EEXIST ? 0 : done(rc);
}

int hpcnet_store_project_member_remove(struct hpcnet_db *db, const char *project_id,
				       const char *user_id)
{
	return hpcnet_db_exec(db, "DELETE FROM project_members WHERE project_id = ? AND user_id = ?",
			      "tt", project_id, user_id);
}

int hpcnet_store_project_members(struct hpcnet_db *db, const char *project_id, json_t **out)
{
	return hpcnet_db_list_json(db, out, "SELECT m.user_id, u.name AS user_name, m.added_at"
				   " FROM project_members m JOIN users u ON u.id = m.user_id"
				   " WHERE m.project_id = ? ORDER BY u.name", "t", project_id);
}

int hpcnet_store_project_members_drop_org(struct hpcnet_db *db, const char *org_id,
					  const char *user_id)
{
	return done(hpcnet_db_exec(db, "DELETE FROM project_members WHERE user_id = ? AND project_id"
				       " IN (SELECT id FROM projects WHERE org_id = ?)", "tt", user_id,
				   org_id));
}

int hpcnet_store_grant_add(struct hpcnet_db *db, const char *user_id, const char *role,
			   const char *scope, const char *granted_by)
{
	int rc = hpcnet_db_exec(db, "INSERT INTO role_grants (user_id, role, scope, granted_by,"
				" created_at) VALUES (?, ?, ?, ?, ?)", "tttti", user_id, role, scope,
				granted_by, hpcnet_now_ms());

	return rc == HPCNET_EEXIST ? 0 : done(rc); /* granting twice is granting */
}

int hpcnet_store_grant_remove(struct hpcnet_db *db, const char *user_id, const char *role,
			      const char *scope)
{
	return hpcnet_db_exec(db, "DELETE FROM role_grants WHERE user_id = ? AND role = ? AND scope = ?",
			      "ttt", user_id, role, scope);
}

int hpcnet_store_grant_has(struct hpcnet_db *db, const char *user_id, const char *role,
			   const char *scope)
{
	int64_t n = 0;
	int rc = hpcnet_db_get_int(db, &n, "SELECT COUNT(*) FROM role_grants WHERE user_id = ? AND"
				   " role = ? AND scope = ?", "ttt", user_id, role, scope);

	return rc < 0 ? rc : n > 0;
}

int hpcnet_store_grant_list(struct hpcnet_db *db, const char *user_id, json_t **out)
{
	return hpcnet_db_list_json(db, out, "SELECT g.user_id, u.name AS user_name, g.role, g.scope,"
				   " c.name AS scope_name, g.created_at FROM role_grants g"
				   " JOIN users u ON u.id = g.user_id LEFT JOIN centers c ON c.id = g.scope"
				   " WHERE (? IS NULL OR g.user_id = ?) ORDER BY u.name, g.role",
				   "tt", user_id, user_id);
}

int hpcnet_store_user_roles(struct hpcnet_db *db, const char *user_id, json_t **out)
{
	return hpcnet_db_list_json(db, out, "SELECT DISTINCT 'org_admin' AS role FROM org_members"
				   " WHERE user_id = ? AND role = 'admin'"
				   " UNION SELECT DISTINCT role FROM role_grants WHERE user_id = ?",
				   "tt", user_id, user_id);
}

int hpcnet_store_user_role_list(struct hpcnet_db *db, const char *user_id, json_t **out)
{
	return hpcnet_db_list_json(db, out,
		"SELECT 'org_admin' AS role, o.id AS scope_id, o.name AS scope_name FROM org_members m"
		" JOIN orgs o ON o.id = m.org_id WHERE m.user_id = ? AND m.role = 'admin'"
		" UNION ALL SELECT g.role, g.scope AS scope_id, c.name AS scope_name FROM role_grants g"
		" LEFT JOIN centers c ON c.id = g.scope WHERE g.user_id = ?"
		" ORDER BY 1, 3", "tt", user_id, user_id);
}

int hpcnet_store_user_set_disabled(struct hpcnet_db *db, const char *user_id, int disabled)
{
	return hpcnet_db_exec(db, "UPDATE users SET disabled = ? WHERE id = ?", "it",
			      (int64_t)disabled, user_id);
}

int hpcnet_store_user_set_password(struct hpcnet_db *db, const char *user_id, const char *pwhash)
{
	return hpcnet_db_exec(db, "UPDATE users SET password_hash = ? WHERE id = ?", "tt", pwhash,
			      user_id);
}

int hpcnet_store_token_revoke_all(struct hpcnet_db *db, const char *user_id, const char *keep_id,
				  int64_t now)
{
	return hpcnet_db_exec(db, "UPDATE tokens SET revoked_at = ? WHERE user_id = ? AND"
				  " revoked_at IS NULL AND (? IS NULL OR id <> ?)", "ittt", now, user_id,
			      keep_id, keep_id);
}

int hpcnet_store_session_revoke_all(struct hpcnet_db *db, const char *user_id,
				    const char *keep_id, int64_t now)
{
	return hpcnet_db_exec(db, "UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND"
				  " revoked_at IS NULL AND (? IS NULL OR id <> ?)", "ittt", now, user_id,
			      keep_id, keep_id);
}

int hpcnet_store_job_active_of_user(struct hpcnet_db *db, const char *user_id, json_t **out)
{
	return hpcnet_db_list_json(db, out, "SELECT id, state, center_id FROM jobs WHERE user_id = ?"
				   " AND state NOT IN ('succeeded', 'failed', 'cancelled', 'lost')"
				   " ORDER BY id", "t", user_id);
}

int hpcnet_store_invite_create(struct hpcnet_db *db, const char *id, const char *hash,
			       const char *org_id, const char *org_role, const char *created_by,
			       int64_t expires_at)
{
	return done(hpcnet_db_exec(db, "INSERT INTO invites (id, hash, org_id, org_role, created_by,"
				       " created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
				   "tttttii", id, hash, org_id, org_role, created_by, hpcnet_now_ms(),
				   expires_at));
}

int hpcnet_store_invite_list(struct hpcnet_db *db, const char *org_id, json_t **out)
{
	return hpcnet_db_list_json(db, out, "SELECT i.id, i.org_role AS role, c.name AS created_by,"
				   " i.created_at, i.expires_at, i.used_at, u.name AS used_by"
				   " FROM invites i JOIN users c ON c.id = i.created_by"
				   " LEFT JOIN users u ON u.id = i.used_by WHERE i.org_id = ?"
				   " ORDER BY i.created_at DESC, i.id DESC LIMIT 1000", "t", org_id);
}

int hpcnet_store_invite_revoke(struct hpcnet_db *db, const char *org_id, const char *id,
			       int64_t now)
{
	json_t *row = NULL;
	int rc = hpcnet_db_exec(db, "UPDATE invites SET expires_at = ? WHERE id = ? AND org_id = ?"
				" AND used_at IS NULL AND expires_at > ?", "itti", now, id, org_id, now);

	if (rc != 0)
		return rc < 0 ? rc : 0;
	rc = hpcnet_db_get_json(db, &row, "SELECT id FROM invites WHERE id = ? AND org_id = ?",
				"tt", id, org_id);
	json_decref(row);
	return rc < 0 ? rc : rc == 0 ? HPCNET_ENOTFOUND : HPCNET_ECONFLICT;
}

int hpcnet_store_invite_use(struct hpcnet_db *db, const char *hash, const char *user_id,
			    int64_t now, json_t **out)
{
	int rc = hpcnet_db_exec(db, "UPDATE invites SET used_at = ?, used_by = ? WHERE hash = ? AND"
				" used_at IS NULL AND expires_at > ?", "itti", now, user_id, hash, now);

	if (rc <= 0)
		return rc;
	rc = hpcnet_db_get_json(db, out, "SELECT id, org_id, org_role FROM invites WHERE hash = ?",
				"t", hash);
	return rc < 0 ? rc : 1;
}

int hpcnet_store_oidc_user(struct hpcnet_db *db, const char *issuer, const char *subject,
			   json_t **out)
{
	return hpcnet_db_get_json(db, out, "SELECT u.id, u.name, u.role, u.password_hash, u.disabled,"
				  " u.created_at FROM oidc_identities i JOIN users u ON u.id = i.user_id"
				  " WHERE i.issuer = ? AND i.subject = ?", "tt", issuer, subject);
}

int hpcnet_store_oidc_link(struct hpcnet_db *db, const char *issuer, const char *subject,
			   const char *user_id)
{
	return done(hpcnet_db_exec(db, "INSERT INTO oidc_identities (issuer, subject, user_id,"
				       " created_at) VALUES (?, ?, ?, ?)", "ttti", issuer, subject,
				   user_id, hpcnet_now_ms()));
}
