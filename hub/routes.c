/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every route of the hub in one table: method, path pattern, who may call
 * it, handler. Literal segments are listed before {id} patterns they could
 * collide with (centers/join). tests/unit/test_openapi.c checks that each
 * row is documented in std/openapi.json.
 */
#include <stddef.h>

#include "hub/handlers.h"
#include "hub/http.h"

#define PUBLIC HPCNET_AUTH_PUBLIC
#define USER HPCNET_AUTH_USER
#define ADMIN HPCNET_AUTH_ADMIN
#define AGENT HPCNET_AUTH_AGENT

const struct hpcnet_route hpcnet_routes[] = {
	{ "GET", "/api/v1/health", PUBLIC, hpcnet_h_health },
	{ "GET", "/api/v1/openapi.json", PUBLIC, hpcnet_h_openapi },

	{ "POST", "/api/v1/tokens", PUBLIC, hpcnet_h_tokens_create },
	{ "GET", "/api/v1/tokens", USER, hpcnet_h_tokens_list },
	{ "DELETE", "/api/v1/tokens/{id}", USER, hpcnet_h_tokens_revoke },

	{ "POST", "/api/v1/sessions", PUBLIC, hpcnet_h_sessions_create },
	{ "GET", "/api/v1/sessions/current", USER, hpcnet_h_sessions_current },
	{ "DELETE", "/api/v1/sessions/current", USER, hpcnet_h_sessions_delete },

	{ "GET", "/api/v1/users/me", USER, hpcnet_h_users_me },
	{ "GET", "/api/v1/users", ADMIN, hpcnet_h_users_list },
	{ "POST", "/api/v1/users", ADMIN, hpcnet_h_users_create },

	{ "POST", "/api/v1/centers/join", PUBLIC, hpcnet_h_agents_join },
	{ "GET", "/api/v1/centers", USER, hpcnet_h_centers_list },
	{ "POST", "/api/v1/centers", ADMIN, hpcnet_h_centers_create },
	{ "GET", "/api/v1/centers/{id}", USER, hpcnet_h_centers_get },
	{ "POST", "/api/v1/centers/{id}/join-token", ADMIN, hpcnet_h_centers_join_token },
	{ "POST", "/api/v1/centers/{id}/drain", ADMIN, hpcnet_h_centers_drain },
	{ "POST", "/api/v1/centers/{id}/undrain", ADMIN, hpcnet_h_centers_undrain },
	{ "POST", "/api/v1/centers/{id}/heartbeat", AGENT, hpcnet_h_agents_heartbeat },
	{ "GET", "/api/v1/centers/{id}/orders", AGENT, hpcnet_h_agents_orders },
	{ "POST", "/api/v1/centers/{id}/reports", AGENT, hpcnet_h_agents_reports },
	{ "GET", "/api/v1/centers/{id}/prices", USER, hpcnet_h_prices_center_list },
	{ "POST", "/api/v1/centers/{id}/prices", ADMIN, hpcnet_h_prices_set },

	{ "GET", "/api/v1/prices", USER, hpcnet_h_prices_list },
	{ "POST", "/api/v1/prices/{id}/approve", ADMIN, hpcnet_h_prices_decide },
	{ "POST", "/api/v1/prices/{id}/reject", ADMIN, hpcnet_h_prices_decide },

	{ "GET", "/api/v1/accounts/me", USER, hpcnet_h_accounts_me },
	{ "GET", "/api/v1/accounts", ADMIN, hpcnet_h_accounts_list },
	{ "GET", "/api/v1/accounts/{id}", USER, hpcnet_h_accounts_get },
	{ "GET", "/api/v1/accounts/{id}/entries", USER, hpcnet_h_accounts_entries },
	{ "POST", "/api/v1/accounts/{id}/topup", ADMIN, hpcnet_h_accounts_topup },
	{ "POST", "/api/v1/accounts/{id}/credit-limit", ADMIN, hpcnet_h_accounts_credit },
	{ "GET", "/api/v1/ledger/audit", ADMIN, hpcnet_h_ledger_audit },

	{ "GET", "/api/v1/usage", USER, hpcnet_h_usage_get },
	{ "GET", "/api/v1/invoices", USER, hpcnet_h_invoices_list },
	{ "GET", "/api/v1/invoices/{id}", USER, hpcnet_h_invoices_get },
	{ "GET", "/api/v1/settlements/{id}", ADMIN, hpcnet_h_settlements_get },
	{ "GET", "/api/v1/quotas", USER, hpcnet_h_quotas_get },
	{ "POST", "/api/v1/quotas", ADMIN, hpcnet_h_quotas_set },
	{ "DELETE", "/api/v1/quotas/{id}", ADMIN, hpcnet_h_quotas_delete },

	{ "POST", "/api/v1/jobs", USER, hpcnet_h_jobs_submit },
	{ "POST", "/api/v1/jobs/explain", USER, hpcnet_h_jobs_explain },
	{ "GET", "/api/v1/jobs", USER, hpcnet_h_jobs_list },
	{ "GET", "/api/v1/jobs/{id}", USER, hpcnet_h_jobs_get },
	{ "POST", "/api/v1/jobs/{id}/cancel", USER, hpcnet_h_jobs_cancel },
	{ "POST", "/api/v1/jobs/{id}/hold", USER, hpcnet_h_jobs_control },
	{ "POST", "/api/v1/jobs/{id}/release", USER, hpcnet_h_jobs_control },
	{ "POST", "/api/v1/jobs/{id}/suspend", USER, hpcnet_h_jobs_control },
	{ "POST", "/api/v1/jobs/{id}/resume", USER, hpcnet_h_jobs_control },
	{ "POST", "/api/v1/jobs/{id}/requeue", USER, hpcnet_h_jobs_control },
	{ "GET", "/api/v1/jobs/{id}/usage", USER, hpcnet_h_usage_job },
	{ "GET", "/api/v1/jobs/{id}/stdout", USER, hpcnet_h_output_get },
	{ "GET", "/api/v1/jobs/{id}/stderr", USER, hpcnet_h_output_get },
	{ "POST", "/api/v1/jobs/{id}/stdout", AGENT, hpcnet_h_output_put },
	{ "POST", "/api/v1/jobs/{id}/stderr", AGENT, hpcnet_h_output_put },
	{ NULL, NULL, PUBLIC, NULL },
};
