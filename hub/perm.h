/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Who may do what: the one permission table of the hub (perm.c) and the
 * checks every endpoint goes through.
 *
 * A rule names an action ("jobs.cancel") and, for each role, the set of
 * relations between caller and object under which the role may do it.
 * Every row of hub/routes.c names an action; the dispatcher authenticates
 * the caller, loads the roles they hold and refuses the call (403) when no
 * role they hold has the action at all. Handlers that touch one object
 * call hpcnet_perm_check() with what the object is (owner, org, center),
 * which answers 404 when the caller may not even see the object (the
 * rule's `see` action) and 403 naming the missing role when they may see
 * it but not do this. Lists ask hpcnet_perm_scope() which objects the
 * caller may see and filter in SQL.
 *
 * Roles held by a caller: anonymous, agent (a center's credential), user
 * (anyone signed in), org_admin (of one or more orgs), center_operator (of
 * one or more centers), merchant, platform_admin (users.role = 'admin').
 */
#ifndef HPCNET_HUB_PERM_H
#define HPCNET_HUB_PERM_H

#include "hub/http.h"

enum hpcnet_role {
	HPCNET_ROLE_ANON,
	HPCNET_ROLE_AGENT,
	HPCNET_ROLE_USER,
	HPCNET_ROLE_ORG_ADMIN,
	HPCNET_ROLE_CENTER_OPERATOR,
	HPCNET_ROLE_MERCHANT,
	HPCNET_ROLE_PLATFORM_ADMIN,
	HPCNET_NROLES,
};

#define HPCNET_ROLE_BIT(r) (1u << (r))

/* How the caller relates to the object (bits; several may hold at once). */
enum {
	HPCNET_REL_OWN = 1,       /* the caller owns it (their job, their token) */
	HPCNET_REL_MEMBER = 2,    /* it belongs to an org the caller is a member of */
	HPCNET_REL_ORG_ADMIN = 4, /* it belongs to an org the caller administers */
	HPCNET_REL_CENTER = 8,    /* it is at a center the caller operates (or is the agent of) */
	HPCNET_REL_ANY = 16,      /* any object at all: always holds */
};

struct hpcnet_perm_rule {
	const char *action;
	const char *object; /* "job", "org" ... for messages; NULL: no object */
	const char *see;    /* the action deciding 404 vs 403; NULL: 404 never applies */
	unsigned allow[HPCNET_NROLES]; /* per role: HPCNET_REL_* under which it may */
};

/* The table (perm.c), terminated by a NULL action. */
extern const struct hpcnet_perm_rule hpcnet_perm_rules[];

/* The object an action touches; NULL fields mean "does not apply". */
struct hpcnet_perm_obj {
	const char *type, *id;   /* for messages: "job", "job_01J..." */
	const char *owner_id;    /* user owning it */
	const char *org_id;      /* org it belongs to */
	const char *center_id;   /* center it is at */
};

/* Which objects of a list the caller may see (from the rule of action). */
struct hpcnet_perm_scope {
	int all;        /* everything */
	int own;        /* objects the caller owns */
	int member;     /* objects of orgs the caller is a member of */
	int org_admin;  /* objects of orgs the caller administers */
	int center;     /* objects at centers the caller operates */
};

/* The rule for action, or NULL when the table has none. */
const struct hpcnet_perm_rule *hpcnet_perm_rule(const char *action);

/* Pure decision: 1 when some role in `roles` (HPCNET_ROLE_BIT set) may
 * act under one of the relations in `rels`. */
int hpcnet_perm_decide(const struct hpcnet_perm_rule *rule, unsigned roles, unsigned rels);

/* The credential a route needs, derived from its rule: PUBLIC when the
 * anonymous role may, AGENT when only agents may, else USER. */
enum hpcnet_auth_kind hpcnet_perm_auth_kind(const struct hpcnet_perm_rule *rule);

/* Writes the roles that could do the action, for a 403 ("org_admin of the
 * job's org or platform_admin"). */
void hpcnet_perm_describe(const struct hpcnet_perm_rule *rule, char *buf, size_t len);

/* Loads the roles the authenticated caller holds into r->roles. 0 or <0. */
int hpcnet_perm_load_roles(struct hpcnet_req *r);

/* Route-level gate (dispatcher): 0 when some role the caller holds has the
 * action, else replies 403 and returns HPCNET_EPERM. */
int hpcnet_perm_route(struct hpcnet_req *r, const struct hpcnet_perm_rule *rule);

/* Object-level check: 0 allowed; else a 404 (caller may not see it) or
 * 403 (may see, not do) has been replied and HPCNET_ENOTFOUND/EPERM
 * returned. Store errors reply 503 and return HPCNET_ESTORE. */
int hpcnet_perm_check(struct hpcnet_req *r, const char *action, const struct hpcnet_perm_obj *o);

/* The same question without a reply: 1 allowed, 0 not, <0 store error. */
int hpcnet_perm_allows(struct hpcnet_req *r, const char *action, const struct hpcnet_perm_obj *o);

/* Loads the object named key with get() (a store lookup by id or name)
 * and checks action on it, the object's org being its org_column: 0 with
 * *row (caller owns), or a 404/403 has been replied and <0 returned. */
struct hpcnet_db;
int hpcnet_perm_load(struct hpcnet_req *r, const char *type, const char *key, const char *action,
		     int (*get)(struct hpcnet_db *db, const char *key, json_t **out),
		     const char *org_column, json_t **row);

/* Which objects of the action's type the caller may see in a list. */
void hpcnet_perm_scope(struct hpcnet_req *r, const char *action, struct hpcnet_perm_scope *s);

#endif
