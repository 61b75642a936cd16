/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The permission table (hub/perm.c) as data: every route names a rule,
 * every rule is reachable, and the decisions for the roles and relations
 * the product promises (owners, org admins, center operators, platform
 * admins, agents, anonymous callers).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hub/http.h"
#include "hub/perm.h"

#define B(r) HPCNET_ROLE_BIT(HPCNET_ROLE_##r)
#define ANON B(ANON)
#define AGENT B(AGENT)
#define USER B(USER)
#define ORG_ADMIN (B(USER) | B(ORG_ADMIN))
#define OPERATOR (B(USER) | B(CENTER_OPERATOR))
#define MERCHANT (B(USER) | B(MERCHANT))
#define PADMIN (B(USER) | B(PLATFORM_ADMIN))

#define OWN HPCNET_REL_OWN
#define MEMBER HPCNET_REL_MEMBER
#define ORGADM (HPCNET_REL_MEMBER | HPCNET_REL_ORG_ADMIN)
#define CENTER HPCNET_REL_CENTER
#define NONE 0u

static int may(const char *action, unsigned roles, unsigned rels)
{
	const struct hpcnet_perm_rule *rule = hpcnet_perm_rule(action);

	if (!rule)
		fail_msg("no rule '%s'", action);
	return hpcnet_perm_decide(rule, roles, rels);
}

static void test_every_route_names_a_rule(void **state)
{
	const struct hpcnet_route *rt;

	for (rt = hpcnet_routes; rt->method; rt++)
		if (!hpcnet_perm_rule(rt->action))
			fail_msg("%s %s names no rule '%s'", rt->method, rt->pattern,
				 rt->action ? rt->action : "(null)");
}

/* Rules no route names are dead weight or typos, unless a handler uses
 * them for an inner check (listed here). */
static void test_every_rule_is_used(void **state)
{
	static const char *const inner[] = { "projects.use", "orgs.create_open",
					     "orgs.create_closed", NULL };
	const struct hpcnet_perm_rule *p, *q;
	const struct hpcnet_route *rt;
	int used, i;

	for (p = hpcnet_perm_rules; p->action; p++) {
		used = 0;
		for (rt = hpcnet_routes; rt->method && !used; rt++)
			used = strcmp(rt->action, p->action) == 0;
		for (i = 0; inner[i] && !used; i++)
			used = strcmp(inner[i], p->action) == 0;
		if (!used)
			fail_msg("rule '%s' is named by no route", p->action);
		if (p->see && !hpcnet_perm_rule(p->see))
			fail_msg("rule '%s' sees through unknown '%s'", p->action, p->see);
		for (q = p + 1; q->action; q++)
			if (strcmp(q->action, p->action) == 0)
				fail_msg("rule '%s' is listed twice", p->action);
	}
}

static void test_auth_kind(void **state)
{
	assert_int_equal(hpcnet_perm_auth_kind(hpcnet_perm_rule("health.read")), HPCNET_AUTH_PUBLIC);
	assert_int_equal(hpcnet_perm_auth_kind(hpcnet_perm_rule("signup")), HPCNET_AUTH_PUBLIC);
	assert_int_equal(hpcnet_perm_auth_kind(hpcnet_perm_rule("agents.report")), HPCNET_AUTH_AGENT);
	assert_int_equal(hpcnet_perm_auth_kind(hpcnet_perm_rule("jobs.read")), HPCNET_AUTH_USER);
	assert_int_equal(hpcnet_perm_auth_kind(hpcnet_perm_rule("audit.verify")), HPCNET_AUTH_USER);
}

static void test_jobs(void **state)
{
	/* owners */
	assert_true(may("jobs.read", USER, OWN));
	assert_false(may("jobs.read", USER, NONE));
	assert_false(may("jobs.read", USER, MEMBER)); /* a plain member does not see the org's jobs */
	assert_true(may("jobs.control", USER, OWN));
	/* org admins: their org's jobs, not other orgs' */
	assert_true(may("jobs.read", ORG_ADMIN, ORGADM));
	assert_true(may("jobs.control", ORG_ADMIN, ORGADM));
	assert_false(may("jobs.read", ORG_ADMIN, NONE));
	assert_false(may("jobs.read", ORG_ADMIN, MEMBER));
	/* center operators: jobs at their center only */
	assert_true(may("jobs.read", OPERATOR, CENTER));
	assert_false(may("jobs.read", OPERATOR, NONE));
	assert_false(may("jobs.read", OPERATOR, ORGADM));
	/* merchants are plain users for jobs */
	assert_false(may("jobs.read", MERCHANT, NONE));
	assert_true(may("jobs.read", MERCHANT, OWN));
	/* platform admins: everything */
	assert_true(may("jobs.read", PADMIN, NONE));
	assert_true(may("jobs.control", PADMIN, NONE));
	/* agents and anonymous callers never */
	assert_false(may("jobs.read", AGENT, CENTER));
	assert_false(may("jobs.read", ANON, NONE));
	assert_false(may("jobs.submit", ANON, NONE));
	assert_true(may("jobs.submit", USER, NONE));
}

static void test_orgs_and_projects(void **state)
{
	assert_true(may("orgs.read", USER, MEMBER));
	assert_false(may("orgs.read", USER, NONE));
	assert_false(may("orgs.manage", USER, MEMBER));
	assert_true(may("orgs.manage", ORG_ADMIN, ORGADM));
	assert_false(may("orgs.manage", ORG_ADMIN, NONE)); /* admin of another org */
	assert_true(may("orgs.manage", PADMIN, NONE));
	assert_false(may("orgs.create_closed", ORG_ADMIN, ORGADM));
	assert_true(may("orgs.create_closed", PADMIN, NONE));
	assert_true(may("orgs.create_open", USER, NONE));
	assert_false(may("orgs.create_open", ANON, NONE));
	assert_true(may("projects.use", USER, MEMBER));
	assert_false(may("projects.use", USER, NONE));
	assert_true(may("projects.create", ORG_ADMIN, ORGADM));
	assert_false(may("projects.create", USER, MEMBER));
	assert_true(may("invites.create", ORG_ADMIN, ORGADM));
	assert_false(may("invites.create", OPERATOR, CENTER));
}

static void test_admin_only_and_public(void **state)
{
	static const char *const admin_only[] = { "users.list", "users.create", "users.disable",
						  "orgs.create_closed",
						  "roles.grant", "roles.list", "audit.read",
						  "audit.verify", "centers.create", NULL };
	int i;

	for (i = 0; admin_only[i]; i++) {
		assert_true(may(admin_only[i], PADMIN, NONE));
		assert_false(may(admin_only[i], ORG_ADMIN, ORGADM));
		assert_false(may(admin_only[i], OPERATOR, CENTER));
		assert_false(may(admin_only[i], MERCHANT, OWN));
		assert_false(may(admin_only[i], AGENT, CENTER));
		assert_false(may(admin_only[i], ANON, NONE));
	}
	assert_true(may("tokens.create", ANON, NONE));
	assert_true(may("health.read", AGENT, NONE));
	assert_true(may("centers.manage", OPERATOR, CENTER));
	assert_false(may("centers.manage", OPERATOR, NONE));
	assert_true(may("agents.report", AGENT, CENTER));
	assert_false(may("agents.report", AGENT, NONE)); /* another center's */
	assert_false(may("agents.report", PADMIN, NONE));
	assert_true(may("tokens.revoke", USER, OWN));
	assert_false(may("tokens.revoke", PADMIN, NONE));
}

static void test_describe_names_roles(void **state)
{
	char buf[256];

	hpcnet_perm_describe(hpcnet_perm_rule("jobs.control"), buf, sizeof(buf));
	assert_non_null(strstr(buf, "org_admin of the job's organization"));
	assert_non_null(strstr(buf, "center_operator of the job's center"));
	assert_non_null(strstr(buf, "platform_admin"));
	hpcnet_perm_describe(hpcnet_perm_rule("orgs.manage"), buf, sizeof(buf));
	assert_string_equal(buf, "org_admin of the org or platform_admin");
	hpcnet_perm_describe(hpcnet_perm_rule("audit.read"), buf, sizeof(buf));
	assert_string_equal(buf, "platform_admin");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_route_names_a_rule),
		cmocka_unit_test(test_every_rule_is_used),
		cmocka_unit_test(test_auth_kind),
		cmocka_unit_test(test_jobs),
		cmocka_unit_test(test_orgs_and_projects),
		cmocka_unit_test(test_admin_only_and_public),
		cmocka_unit_test(test_describe_names_roles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
