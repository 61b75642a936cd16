/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The permission table: action x role -> relations under which the role
 * may act. This is the only place that says who may do what; routes.c
 * names an action per route, handlers describe their object, and lists
 * ask for a scope. To add an endpoint: add its action here (or reuse one),
 * name it in routes.c, and add its row to the permission matrix test
 * (tests/integration/test_perm_matrix.py), which fails until you do.
 */
#include <stdio.h>
#include <string.h>

#include "hpcnet/error.h"
#include "hub/perm.h"
#include "hub/store/store.h"

#define OWN HPCNET_REL_OWN
#define MEMBER HPCNET_REL_MEMBER
#define ORGADM HPCNET_REL_ORG_ADMIN
#define CENTER HPCNET_REL_CENTER
#define ANY HPCNET_REL_ANY

#define ANON HPCNET_ROLE_ANON
#define AGENT HPCNET_ROLE_AGENT
#define USER HPCNET_ROLE_USER
#define ORG_ADMIN HPCNET_ROLE_ORG_ADMIN
#define OPERATOR HPCNET_ROLE_CENTER_OPERATOR
#define MERCHANT HPCNET_ROLE_MERCHANT
#define PADMIN HPCNET_ROLE_PLATFORM_ADMIN

/* Every signed-in caller holds the user role beside any other, so a
 * [USER] entry speaks for everyone signed in and the other roles list
 * only what they add. */
#define SIGNED_IN(rel) [USER] = (rel)
#define EVERYONE(rel) [ANON] = (rel), [AGENT] = (rel), [USER] = (rel)

const struct hpcnet_perm_rule hpcnet_perm_rules[] = {
	/* public */
	{ "health.read", NULL, NULL, { EVERYONE(ANY) } },
	{ "tokens.create", NULL, NULL, { EVERYONE(ANY) } },
	{ "signup", NULL, NULL, { EVERYONE(ANY) } },
	{ "centers.join", NULL, NULL, { EVERYONE(ANY) } },

	/* the caller's own account */
	{ "tokens.list", NULL, NULL, { SIGNED_IN(ANY) } },
	{ "tokens.revoke", "token", "tokens.revoke", { SIGNED_IN(OWN) } },
	{ "users.me", NULL, NULL, { SIGNED_IN(ANY) } },
	{ "users.password", NULL, NULL, { SIGNED_IN(ANY) } },

	/* user administration */
	{ "users.list", NULL, NULL, { [PADMIN] = ANY } },
	{ "users.create", NULL, NULL, { [PADMIN] = ANY } },
	{ "users.disable", "user", NULL, { [PADMIN] = ANY } },
	{ "roles.list", NULL, NULL, { [PADMIN] = ANY } },
	{ "roles.grant", NULL, NULL, { [PADMIN] = ANY } },

	/* organizations and projects */
	{ "orgs.list", NULL, NULL, { SIGNED_IN(ANY) } },
	/* Who creates orgs depends on the hub's sign-up policy: the route's
	 * gate lets everyone signed in through and the handler checks one of
	 * the two rules below (hub --signup open: anyone, else platform admins). */
	{ "orgs.create", NULL, NULL, { SIGNED_IN(ANY) } },
	{ "orgs.create_closed", NULL, NULL, { [PADMIN] = ANY } },
	{ "orgs.create_open", NULL, NULL, { SIGNED_IN(ANY) } },
	{ "orgs.read", "org", "orgs.read", { SIGNED_IN(MEMBER), [PADMIN] = ANY } },
	{ "orgs.manage", "org", "orgs.read", { [ORG_ADMIN] = ORGADM, [PADMIN] = ANY } },
	{ "invites.create", "org", "orgs.read", { [ORG_ADMIN] = ORGADM, [PADMIN] = ANY } },
	{ "projects.list", NULL, NULL, { SIGNED_IN(ANY) } },
	{ "projects.create", "org", "orgs.read", { [ORG_ADMIN] = ORGADM, [PADMIN] = ANY } },
	{ "projects.read", "project", "projects.read", { SIGNED_IN(MEMBER), [PADMIN] = ANY } },
	{ "projects.manage", "project", "projects.read", { [ORG_ADMIN] = ORGADM, [PADMIN] = ANY } },
	/* charging a job to a project: members of the project's org */
	{ "projects.use", "project", "projects.read", { SIGNED_IN(MEMBER), [PADMIN] = ANY } },

	/* centers */
	{ "centers.list", NULL, NULL, { SIGNED_IN(ANY) } },
	{ "centers.read", "center", NULL, { SIGNED_IN(ANY) } },
	{ "centers.create", NULL, NULL, { [PADMIN] = ANY } },
	{ "centers.manage", "center", "centers.read", { [OPERATOR] = CENTER, [PADMIN] = ANY } },
	{ "agents.report", "center", NULL, { [AGENT] = CENTER } },

	/* jobs: owners, the admins of the job's org, the operators of its center */
	{ "jobs.submit", NULL, NULL, { SIGNED_IN(ANY) } },
	{ "jobs.list", NULL, NULL, { SIGNED_IN(ANY) } },
	{ "jobs.read", "job", "jobs.read",
	  { [USER] = OWN, [ORG_ADMIN] = ORGADM, [OPERATOR] = CENTER, [PADMIN] = ANY } },
	{ "jobs.control", "job", "jobs.read",
	  { [USER] = OWN, [ORG_ADMIN] = ORGADM, [OPERATOR] = CENTER, [PADMIN] = ANY } },

	/* portal sessions (hub/sessions.c): sign in, and one's own session */
	{ "sessions.create", NULL, NULL, { EVERYONE(ANY) } },
	{ "sessions.own", NULL, NULL, { SIGNED_IN(ANY) } },

	/* money (hub/{prices,accounts,usage,invoices,quotas}.c). Rules with
	 * [USER] = ANY leave the object to the handler's own check. */
	{ "prices.read", NULL, NULL, { SIGNED_IN(ANY) } },
	{ "prices.set", "center", NULL, { [OPERATOR] = CENTER, [PADMIN] = ANY } },
	{ "prices.decide", NULL, NULL, { [PADMIN] = ANY } },
	{ "accounts.me", NULL, NULL, { SIGNED_IN(ANY) } },
	{ "accounts.list", NULL, NULL, { [PADMIN] = ANY } },
	{ "accounts.read", "account", NULL,
	  { [USER] = OWN, [ORG_ADMIN] = ORGADM, [OPERATOR] = CENTER, [PADMIN] = ANY } },
	{ "accounts.manage", NULL, NULL, { [PADMIN] = ANY } },
	{ "ledger.audit", NULL, NULL, { [PADMIN] = ANY } },
	{ "usage.read", NULL, NULL, { SIGNED_IN(ANY) } },
	{ "invoices.read", NULL, NULL, { SIGNED_IN(ANY) } },
	{ "settlements.read", NULL, NULL, { [PADMIN] = ANY } },
	{ "settlements.payout", NULL, NULL, { [PADMIN] = ANY } },
	{ "quotas.read", NULL, NULL, { SIGNED_IN(ANY) } },
	{ "quotas.manage", "quota", NULL, { [ORG_ADMIN] = ORGADM, [PADMIN] = ANY } },

	/* audit */
	{ "audit.read", NULL, NULL, { [PADMIN] = ANY } },
	{ "audit.verify", NULL, NULL, { [PADMIN] = ANY } },
	{ NULL, NULL, NULL, { 0 } },
};

static const char *const role_names[HPCNET_NROLES] = {
	[ANON] = "anonymous", [AGENT] = "agent", [USER] = "user", [ORG_ADMIN] = "org_admin",
	[OPERATOR] = "center_operator", [MERCHANT] = "merchant", [PADMIN] = "platform_admin",
};

const struct hpcnet_perm_rule *hpcnet_perm_rule(const char *action)
{
	const struct hpcnet_perm_rule *p;

	for (p = hpcnet_perm_rules; action && p->action; p++)
		if (strcmp(p->action, action) == 0)
			return p;
	return NULL;
}

int hpcnet_perm_decide(const struct hpcnet_perm_rule *rule, unsigned roles, unsigned rels)
{
	int i;

	rels |= ANY;
	for (i = 0; i < HPCNET_NROLES; i++)
		if ((roles & HPCNET_ROLE_BIT(i)) && (rule->allow[i] & rels))
			return 1;
	return 0;
}

enum hpcnet_auth_kind hpcnet_perm_auth_kind(const struct hpcnet_perm_rule *rule)
{
	int i;

	if (rule->allow[ANON])
		return HPCNET_AUTH_PUBLIC;
	for (i = USER; i < HPCNET_NROLES; i++)
		if (rule->allow[i])
			return HPCNET_AUTH_USER;
	return HPCNET_AUTH_AGENT;
}

static void rel_phrase(unsigned rel, const char *object, char *buf, size_t len)
{
	const char *what = object ? object : "object";
	int is_org = object && strcmp(object, "org") == 0;
	int is_center = object && strcmp(object, "center") == 0;

	if (rel & ANY)
		buf[0] = '\0';
	else if (rel & ORGADM)
		snprintf(buf, len, is_org ? " of the org" : " of the %s's organization", what);
	else if (rel & MEMBER)
		snprintf(buf, len, is_org ? " in the org" : " in the %s's organization", what);
	else if (rel & CENTER)
		snprintf(buf, len, is_center ? " of the center" : " of the %s's center", what);
	else
		snprintf(buf, len, " owning the %s", what);
}

void hpcnet_perm_describe(const struct hpcnet_perm_rule *rule, char *buf, size_t len)
{
	char phrase[96];
	size_t n = 0;
	int i, first = 1;

	buf[0] = '\0';
	for (i = USER; i < HPCNET_NROLES && n < len; i++) {
		if (!rule->allow[i])
			continue;
		rel_phrase(rule->allow[i], rule->object, phrase, sizeof(phrase));
		n += (size_t)snprintf(buf + n, len - n, "%s%s%s", first ? "" : " or ", role_names[i],
				      phrase);
		first = 0;
	}
	if (first)
		snprintf(buf, len, "agent (a center's credential)");
}

int hpcnet_perm_load_roles(struct hpcnet_req *r)
{
	json_t *roles = NULL, *row;
	size_t i;
	int rc;

	r->roles = HPCNET_ROLE_BIT(USER);
	if (r->is_admin)
		r->roles |= HPCNET_ROLE_BIT(PADMIN);
	rc = hpcnet_store_user_roles(hpcnet_req_db(r), r->user_id, &roles);
	if (rc < 0)
		return rc;
	json_array_foreach(roles, i, row) {
		const char *name = json_string_value(json_object_get(row, "role"));

		if (!name)
			continue;
		if (strcmp(name, "org_admin") == 0)
			r->roles |= HPCNET_ROLE_BIT(ORG_ADMIN);
		else if (strcmp(name, "center_operator") == 0)
			r->roles |= HPCNET_ROLE_BIT(OPERATOR);
		else if (strcmp(name, "merchant") == 0)
			r->roles |= HPCNET_ROLE_BIT(MERCHANT);
	}
	json_decref(roles);
	return 0;
}

int hpcnet_perm_route(struct hpcnet_req *r, const struct hpcnet_perm_rule *rule)
{
	char need[256];

	/* Rules about one object leave 404-or-403 to the handler's check: a
	 * refusal here would tell apart objects the caller cannot see. */
	if (rule->see || hpcnet_perm_decide(rule, r->roles, OWN | MEMBER | ORGADM | CENTER))
		return 0;
	hpcnet_perm_describe(rule, need, sizeof(need));
	hpcnet_reply_problem(r, 403, "%s needs the role %s; ask a platform administrator", rule->action,
			     need);
	return HPCNET_EPERM;
}

/* The relations between the caller and o. */
static int relations(struct hpcnet_req *r, const struct hpcnet_perm_obj *o, unsigned *rels)
{
	char role[16] = "";
	int rc;

	*rels = ANY;
	if (r->center_id[0]) { /* an agent: its own center only */
		if (o->center_id && strcmp(o->center_id, r->center_id) == 0)
			*rels |= CENTER;
		return 0;
	}
	if (!r->user_id[0])
		return 0;
	if (o->owner_id && strcmp(o->owner_id, r->user_id) == 0)
		*rels |= OWN;
	if (o->org_id && *o->org_id) {
		rc = hpcnet_store_org_role(hpcnet_req_db(r), o->org_id, r->user_id, role, sizeof(role));
		if (rc < 0)
			return rc;
		if (rc > 0)
			*rels |= MEMBER;
		if (rc > 0 && strcmp(role, "admin") == 0)
			*rels |= ORGADM;
	}
	if (o->center_id && *o->center_id && (r->roles & HPCNET_ROLE_BIT(OPERATOR))) {
		rc = hpcnet_store_grant_has(hpcnet_req_db(r), r->user_id, "center_operator", o->center_id);
		if (rc < 0)
			return rc;
		if (rc > 0)
			*rels |= CENTER;
	}
	return 0;
}

int hpcnet_perm_allows(struct hpcnet_req *r, const char *action, const struct hpcnet_perm_obj *o)
{
	const struct hpcnet_perm_rule *rule = hpcnet_perm_rule(action);
	unsigned rels;
	int rc;

	if (!rule)
		return HPCNET_EINVAL;
	rc = relations(r, o, &rels);
	if (rc < 0)
		return rc;
	return hpcnet_perm_decide(rule, r->roles, rels);
}

int hpcnet_perm_check(struct hpcnet_req *r, const char *action, const struct hpcnet_perm_obj *o)
{
	const struct hpcnet_perm_rule *rule = hpcnet_perm_rule(action), *see;
	char need[256];
	unsigned rels;
	int rc;

	r->perm_checked = 1;
	if (!rule) {
		hpcnet_reply_problem(r, 500, "internal error: no permission rule for '%s'", action);
		return HPCNET_EINVAL;
	}
	rc = relations(r, o, &rels);
	if (rc < 0) {
		hpcnet_reply_error(r, rc);
		return rc;
	}
	if (hpcnet_perm_decide(rule, r->roles, rels))
		return 0;
	see = rule->see ? hpcnet_perm_rule(rule->see) : NULL;
	if (see && !hpcnet_perm_decide(see, r->roles, rels)) {
		hpcnet_reply_problem(r, 404, "no %s '%s' (or it is not yours)", o->type ? o->type : "object",
				     o->id ? o->id : "");
		return HPCNET_ENOTFOUND;
	}
	hpcnet_perm_describe(rule, need, sizeof(need));
	if (o->id)
		hpcnet_reply_problem(r, 403, "%s on %s '%s' needs the role %s", rule->action,
				     o->type ? o->type : "object", o->id, need);
	else
		hpcnet_reply_problem(r, 403, "%s needs the role %s", rule->action, need);
	return HPCNET_EPERM;
}

void hpcnet_perm_scope(struct hpcnet_req *r, const char *action, struct hpcnet_perm_scope *s)
{
	const struct hpcnet_perm_rule *rule = hpcnet_perm_rule(action);
	unsigned m = 0;
	int i;

	memset(s, 0, sizeof(*s));
	for (i = 0; rule && i < HPCNET_NROLES; i++)
		if (r->roles & HPCNET_ROLE_BIT(i))
			m |= rule->allow[i];
	s->all = !!(m & ANY);
	s->own = !!(m & OWN);
	s->member = !!(m & MEMBER);
	s->org_admin = !!(m & ORGADM);
	s->center = !!(m & CENTER);
}

int hpcnet_perm_load(struct hpcnet_req *r, const char *type, const char *key, const char *action,
		     int (*get)(struct hpcnet_db *db, const char *key, json_t **out),
		     const char *org_column, json_t **row)
{
	struct hpcnet_perm_obj o = { .type = type, .id = key };
	int rc = get(hpcnet_req_db(r), key, row);

	if (rc == HPCNET_ENOTFOUND) {
		r->perm_checked = 1;
		hpcnet_reply_problem(r, 404, "no %s '%s' (or it is not yours)", type, key);
		return rc;
	}
	if (rc < 0) {
		hpcnet_reply_error(r, rc);
		return rc;
	}
	o.org_id = json_string_value(json_object_get(*row, org_column));
	rc = hpcnet_perm_check(r, action, &o);
	if (rc < 0) {
		json_decref(*row);
		*row = NULL;
	}
	return rc;
}
