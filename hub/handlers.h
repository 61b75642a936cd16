/* SPDX-License-Identifier: Apache-2.0 */
/* Route handlers, one file per resource; listed in routes.c. */
#ifndef HPCNET_HUB_HANDLERS_H
#define HPCNET_HUB_HANDLERS_H

#include <jansson.h>

struct hpcnet_req;
struct hpcnet_hub;
struct hpcnet_db;

/* health.c */
int hpcnet_h_health(struct hpcnet_req *r);
int hpcnet_h_openapi(struct hpcnet_req *r);
/* settings.c: the hub's public policies */
int hpcnet_h_settings(struct hpcnet_req *r);
/* tokens.c */
int hpcnet_h_tokens_create(struct hpcnet_req *r);
int hpcnet_h_tokens_list(struct hpcnet_req *r);
int hpcnet_h_tokens_revoke(struct hpcnet_req *r);
/* sessions.c: the portal's cookie sessions */
int hpcnet_h_sessions_create(struct hpcnet_req *r);
int hpcnet_h_sessions_current(struct hpcnet_req *r);
int hpcnet_h_sessions_delete(struct hpcnet_req *r);
/* oidc_login.c: the portal's sign-in through the OpenID provider */
int hpcnet_h_oidc_login(struct hpcnet_req *r);
int hpcnet_h_oidc_callback(struct hpcnet_req *r);
/* signup.c: self-service accounts and org invites */
int hpcnet_h_signup(struct hpcnet_req *r);
int hpcnet_h_invites_create(struct hpcnet_req *r);
int hpcnet_h_invites_list(struct hpcnet_req *r);
int hpcnet_h_invites_revoke(struct hpcnet_req *r);
/* users.c */
int hpcnet_h_users_me(struct hpcnet_req *r);
int hpcnet_h_users_password(struct hpcnet_req *r);
int hpcnet_h_users_list(struct hpcnet_req *r);
int hpcnet_h_users_create(struct hpcnet_req *r);
int hpcnet_h_users_disable(struct hpcnet_req *r); /* also enable */
/* A user by id (usr_...) or name into *out (caller owns). 0 or ENOTFOUND. */
int hpcnet_users_find(struct hpcnet_db *db, const char *key, json_t **out);
/* roles.c: center_operator and merchant grants */
int hpcnet_h_roles_list(struct hpcnet_req *r);
int hpcnet_h_roles_grant(struct hpcnet_req *r);
int hpcnet_h_roles_revoke(struct hpcnet_req *r);
/* orgs.c */
int hpcnet_h_orgs_list(struct hpcnet_req *r);
int hpcnet_h_orgs_create(struct hpcnet_req *r);
int hpcnet_h_orgs_get(struct hpcnet_req *r);
int hpcnet_h_orgs_members(struct hpcnet_req *r);
int hpcnet_h_orgs_member_set(struct hpcnet_req *r);
int hpcnet_h_orgs_member_remove(struct hpcnet_req *r);
/* Loads the org named by id or name and checks `action` on it (hub/perm.h):
 * 0 with *org (caller owns), or a 404/403 has been replied. */
int hpcnet_orgs_load(struct hpcnet_req *r, const char *key, const char *action, json_t **org);
/* Replies with the list page list() gives for the org of {id} (params[0])
 * after checking `action` on it (org members, invites). */
int hpcnet_orgs_reply_list(struct hpcnet_req *r, const char *action,
			   int (*list)(struct hpcnet_db *db, const char *org_id, json_t **out));
/* projects.c */
int hpcnet_h_projects_list(struct hpcnet_req *r);
int hpcnet_h_projects_create(struct hpcnet_req *r);
int hpcnet_h_projects_get(struct hpcnet_req *r);
int hpcnet_h_projects_members(struct hpcnet_req *r);
int hpcnet_h_projects_member_add(struct hpcnet_req *r);
int hpcnet_h_projects_member_remove(struct hpcnet_req *r);
/* The same as hpcnet_orgs_load for a project (id or "org/name"). */
int hpcnet_projects_load(struct hpcnet_req *r, const char *key, const char *action,
			 json_t **project);
/* Creates the first admin on an empty database (HPCNET_ADMIN_PASSWORD or a
 * generated password printed once). 0 or <0. */
int hpcnet_users_bootstrap(struct hpcnet_hub *hub);
/* centers.c */
int hpcnet_h_centers_list(struct hpcnet_req *r);
int hpcnet_h_centers_get(struct hpcnet_req *r);
int hpcnet_h_centers_create(struct hpcnet_req *r);
int hpcnet_h_centers_join_token(struct hpcnet_req *r);
int hpcnet_h_centers_drain(struct hpcnet_req *r);
int hpcnet_h_centers_undrain(struct hpcnet_req *r);
/* agents.c: the agent-facing endpoints */
int hpcnet_h_agents_join(struct hpcnet_req *r);
int hpcnet_h_agents_heartbeat(struct hpcnet_req *r);
int hpcnet_h_agents_orders(struct hpcnet_req *r);
int hpcnet_h_agents_reports(struct hpcnet_req *r);
/* jobs.c */
int hpcnet_h_jobs_submit(struct hpcnet_req *r);
int hpcnet_h_jobs_explain(struct hpcnet_req *r);
int hpcnet_h_jobs_list(struct hpcnet_req *r);
int hpcnet_h_jobs_get(struct hpcnet_req *r);
int hpcnet_h_jobs_cancel(struct hpcnet_req *r);
/* Loads the job of r->params[0] if the caller may see it ("jobs.read") /
 * control it ("jobs.control"); else a 404/403 has been replied. */
int hpcnet_jobs_visible(struct hpcnet_req *r, json_t **row);
int hpcnet_jobs_controllable(struct hpcnet_req *r, json_t **row);
/* Cancels a job row {id,state,center_id} inside a write: ends it when no
 * center has it, else asks its center. 0 or <0. */
struct hpcnet_billing_cfg;
int hpcnet_jobs_cancel_row(struct hpcnet_db *db, const struct hpcnet_billing_cfg *billing,
			   json_t *job, const char *reason);
/* jobcontrol.c: hold, release, suspend, resume, requeue */
int hpcnet_h_jobs_control(struct hpcnet_req *r);
/* accounts.c: balances, entries, top-ups, credit limits, ledger audit */
int hpcnet_h_accounts_me(struct hpcnet_req *r);
int hpcnet_h_accounts_list(struct hpcnet_req *r);
int hpcnet_h_accounts_get(struct hpcnet_req *r);
int hpcnet_h_accounts_entries(struct hpcnet_req *r);
int hpcnet_h_accounts_topup(struct hpcnet_req *r);
int hpcnet_h_accounts_credit(struct hpcnet_req *r);
int hpcnet_h_ledger_audit(struct hpcnet_req *r);
int hpcnet_h_ledger_transfer(struct hpcnet_req *r);
/* prices.c */
int hpcnet_h_prices_list(struct hpcnet_req *r);
int hpcnet_h_prices_center_list(struct hpcnet_req *r);
int hpcnet_h_prices_set(struct hpcnet_req *r);
/* approve / reject: the path says which */
int hpcnet_h_prices_decide(struct hpcnet_req *r);
/* usage.c */
int hpcnet_h_usage_get(struct hpcnet_req *r);
int hpcnet_h_usage_job(struct hpcnet_req *r);
/* Whose usage the caller asks for: their own, or (administrators)
 * ?user=NAME, or with all_ok and no ?user, everyone (user_id ""). 0, or
 * a 400/403 has been queued and <0 returned. */
int hpcnet_usage_subject(struct hpcnet_req *r, char user_id[48], int all_ok);
/* ?org=NAME: an org whose money the caller may see (its admins, platform
 * admins). 1 with org_id set, 0 no ?org, or a 404 has been queued and <0
 * returned. */
int hpcnet_usage_org(struct hpcnet_req *r, char org_id[48]);
/* invoices.c */
int hpcnet_h_invoices_list(struct hpcnet_req *r);
int hpcnet_h_invoices_get(struct hpcnet_req *r);
/* 1 when s is a month "YYYY-MM". */
int hpcnet_period_valid(const char *s);
struct hpcnet_buf;
/* Appends s as one CSV field (RFC 4180 quoting), then ',' or CRLF. */
void hpcnet_csv_field(struct hpcnet_buf *b, const char *s, int last);
/* settlements.c */
int hpcnet_h_settlements_get(struct hpcnet_req *r);
int hpcnet_h_settlements_payout(struct hpcnet_req *r);
/* quotas.c */
int hpcnet_h_quotas_get(struct hpcnet_req *r);
int hpcnet_h_quotas_set(struct hpcnet_req *r);
int hpcnet_h_quotas_delete(struct hpcnet_req *r);
/* output.c */
int hpcnet_h_output_get(struct hpcnet_req *r);
int hpcnet_h_output_put(struct hpcnet_req *r);
/* audit.c */
int hpcnet_h_audit_list(struct hpcnet_req *r);
int hpcnet_h_audit_verify(struct hpcnet_req *r);

#endif
