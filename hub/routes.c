/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every route of the hub in one table: method, path pattern, the action
 * whose rule in hub/perm.c decides who may call it, handler. Literal
 * segments are listed before {id} patterns they could collide with
 * (centers/join, users/me). tests/unit/test_openapi.c checks that each row
 * is documented in std/openapi.json, tests/unit/test_perm.c that each
 * names a rule, and tests/integration/test_perm_matrix.py calls each one
 * as every role.
 */
#include <stddef.h>

#include "hub/handlers.h"
#include "hub/http.h"

const struct hpcnet_route hpcnet_routes[] = {
	{ "GET", "/api/v1/health", "health.read", hpcnet_h_health },
	{ "GET", "/api/v1/openapi.json", "health.read", hpcnet_h_openapi },
	{ "GET", "/api/v1/settings", "health.read", hpcnet_h_settings },

	{ "POST", "/api/v1/tokens", "tokens.create", hpcnet_h_tokens_create },
	{ "GET", "/api/v1/tokens", "tokens.list", hpcnet_h_tokens_list },
	{ "DELETE", "/api/v1/tokens/{id}", "tokens.revoke", hpcnet_h_tokens_revoke },
	{ "POST", "/api/v1/signup", "signup", hpcnet_h_signup },

	{ "POST", "/api/v1/sessions", "sessions.create", hpcnet_h_sessions_create },
	{ "GET", "/api/v1/sessions/current", "sessions.own", hpcnet_h_sessions_current },
	{ "DELETE", "/api/v1/sessions/current", "sessions.own", hpcnet_h_sessions_delete },
	{ "GET", "/api/v1/oidc/login", "sessions.create", hpcnet_h_oidc_login },
	{ "GET", "/api/v1/oidc/callback", "sessions.create", hpcnet_h_oidc_callback },

	{ "GET", "/api/v1/users/me", "users.me", hpcnet_h_users_me },
	{ "POST", "/api/v1/users/me/password", "users.password", hpcnet_h_users_password },
	{ "GET", "/api/v1/users", "users.list", hpcnet_h_users_list },
	{ "POST", "/api/v1/users", "users.create", hpcnet_h_users_create },
	{ "POST", "/api/v1/users/{id}/disable", "users.disable", hpcnet_h_users_disable },
	{ "POST", "/api/v1/users/{id}/enable", "users.disable", hpcnet_h_users_disable },

	{ "GET", "/api/v1/roles", "roles.list", hpcnet_h_roles_list },
	{ "POST", "/api/v1/roles", "roles.grant", hpcnet_h_roles_grant },
	{ "POST", "/api/v1/roles/revoke", "roles.grant", hpcnet_h_roles_revoke },

	{ "GET", "/api/v1/orgs", "orgs.list", hpcnet_h_orgs_list },
	{ "POST", "/api/v1/orgs", "orgs.create", hpcnet_h_orgs_create },
	{ "GET", "/api/v1/orgs/{id}", "orgs.read", hpcnet_h_orgs_get },
	{ "GET", "/api/v1/orgs/{id}/members", "orgs.read", hpcnet_h_orgs_members },
	{ "POST", "/api/v1/orgs/{id}/members", "orgs.manage", hpcnet_h_orgs_member_set },
	{ "DELETE", "/api/v1/orgs/{id}/members/{user}", "orgs.manage", hpcnet_h_orgs_member_remove },
	{ "POST", "/api/v1/orgs/{id}/invites", "invites.create", hpcnet_h_invites_create },
	{ "GET", "/api/v1/orgs/{id}/invites", "orgs.manage", hpcnet_h_invites_list },
	{ "DELETE", "/api/v1/orgs/{id}/invites/{invite}", "orgs.manage", hpcnet_h_invites_revoke },

	{ "GET", "/api/v1/projects", "projects.list", hpcnet_h_projects_list },
	{ "POST", "/api/v1/projects", "projects.create", hpcnet_h_projects_create },
	{ "GET", "/api/v1/projects/{id}", "projects.read", hpcnet_h_projects_get },
	{ "GET", "/api/v1/projects/{id}/members", "projects.read", hpcnet_h_projects_members },
	{ "POST", "/api/v1/projects/{id}/members", "projects.manage", hpcnet_h_projects_member_add },
	{ "DELETE", "/api/v1/projects/{id}/members/{user}", "projects.manage",
	  hpcnet_h_projects_member_remove },

	{ "POST", "/api/v1/centers/join", "centers.join", hpcnet_h_agents_join },
	{ "GET", "/api/v1/centers", "centers.list", hpcnet_h_centers_list },
	{ "POST", "/api/v1/centers", "centers.create", hpcnet_h_centers_create },
	{ "GET", "/api/v1/centers/{id}", "centers.read", hpcnet_h_centers_get },
	{ "POST", "/api/v1/centers/{id}/join-token", "centers.manage", hpcnet_h_centers_join_token },
	{ "POST", "/api/v1/centers/{id}/drain", "centers.manage", hpcnet_h_centers_drain },
	{ "POST", "/api/v1/centers/{id}/undrain", "centers.manage", hpcnet_h_centers_undrain },
	{ "POST", "/api/v1/centers/{id}/heartbeat", "agents.report", hpcnet_h_agents_heartbeat },
	{ "GET", "/api/v1/centers/{id}/orders", "agents.report", hpcnet_h_agents_orders },
	{ "POST", "/api/v1/centers/{id}/reports", "agents.report", hpcnet_h_agents_reports },
	{ "GET", "/api/v1/centers/{id}/prices", "prices.read", hpcnet_h_prices_center_list },
	{ "POST", "/api/v1/centers/{id}/prices", "prices.set", hpcnet_h_prices_set },

	{ "GET", "/api/v1/prices", "prices.read", hpcnet_h_prices_list },
	{ "POST", "/api/v1/prices/{id}/approve", "prices.decide", hpcnet_h_prices_decide },
	{ "POST", "/api/v1/prices/{id}/reject", "prices.decide", hpcnet_h_prices_decide },

	{ "GET", "/api/v1/accounts/me", "accounts.me", hpcnet_h_accounts_me },
	{ "GET", "/api/v1/accounts", "accounts.list", hpcnet_h_accounts_list },
	{ "GET", "/api/v1/accounts/{id}", "accounts.read", hpcnet_h_accounts_get },
	{ "GET", "/api/v1/accounts/{id}/entries", "accounts.read", hpcnet_h_accounts_entries },
	{ "POST", "/api/v1/accounts/{id}/topup", "accounts.manage", hpcnet_h_accounts_topup },
	{ "POST", "/api/v1/accounts/{id}/credit-limit", "accounts.manage", hpcnet_h_accounts_credit },
	{ "GET", "/api/v1/ledger/audit", "ledger.audit", hpcnet_h_ledger_audit },
	{ "POST", "/api/v1/ledger/transfers", "accounts.manage", hpcnet_h_ledger_transfer },

	{ "GET", "/api/v1/usage", "usage.read", hpcnet_h_usage_get },
	{ "GET", "/api/v1/invoices", "invoices.read", hpcnet_h_invoices_list },
	{ "GET", "/api/v1/invoices/{id}", "invoices.read", hpcnet_h_invoices_get },
	{ "GET", "/api/v1/settlements/{id}", "settlements.read", hpcnet_h_settlements_get },
	{ "POST", "/api/v1/settlements/{id}/payouts", "settlements.payout",
	  hpcnet_h_settlements_payout },
	{ "GET", "/api/v1/quotas", "quotas.read", hpcnet_h_quotas_get },
	{ "POST", "/api/v1/quotas", "quotas.manage", hpcnet_h_quotas_set },
	{ "DELETE", "/api/v1/quotas/{id}", "quotas.manage", hpcnet_h_quotas_delete },

	{ "POST", "/api/v1/jobs", "jobs.submit", hpcnet_h_jobs_submit },
	{ "POST", "/api/v1/jobs/explain", "jobs.submit", hpcnet_h_jobs_explain },
	{ "GET", "/api/v1/jobs", "jobs.list", hpcnet_h_jobs_list },
	{ "GET", "/api/v1/jobs/{id}", "jobs.read", hpcnet_h_jobs_get },
	{ "POST", "/api/v1/jobs/{id}/cancel", "jobs.control", hpcnet_h_jobs_cancel },
	{ "POST", "/api/v1/jobs/{id}/hold", "jobs.control", hpcnet_h_jobs_control },
	{ "POST", "/api/v1/jobs/{id}/release", "jobs.control", hpcnet_h_jobs_control },
	{ "POST", "/api/v1/jobs/{id}/suspend", "jobs.control", hpcnet_h_jobs_control },
	{ "POST", "/api/v1/jobs/{id}/resume", "jobs.control", hpcnet_h_jobs_control },
	{ "POST", "/api/v1/jobs/{id}/requeue", "jobs.control", hpcnet_h_jobs_control },
	{ "GET", "/api/v1/jobs/{id}/usage", "jobs.read", hpcnet_h_usage_job },
	{ "GET", "/api/v1/jobs/{id}/stdout", "jobs.read", hpcnet_h_output_get },
	{ "GET", "/api/v1/jobs/{id}/stderr", "jobs.read", hpcnet_h_output_get },
	{ "POST", "/api/v1/jobs/{id}/stdout", "agents.report", hpcnet_h_output_put },
	{ "POST", "/api/v1/jobs/{id}/stderr", "agents.report", hpcnet_h_output_put },

	{ "GET", "/api/v1/audit", "audit.read", hpcnet_h_audit_list },
	{ "POST", "/api/v1/audit/verify", "audit.verify", hpcnet_h_audit_verify },
	{ NULL, NULL, NULL, NULL },
};
