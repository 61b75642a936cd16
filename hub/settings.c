/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GET /api/v1/settings: the hub's policies a client shapes itself by,
 * public because none is a secret and the sign-in page needs them before
 * anyone signs in: whether and how people sign up, what disabling a user
 * does to their jobs (the portal says so before an admin confirms), and
 * the platform's currency, and whether the sign-in page offers the
 * OpenID provider's button (and under which name).
 */
#include "hub/handlers.h"
#include "hub/http.h"
#include "hub/oidc.h"

int hpcnet_h_settings(struct hpcnet_req *r)
{
	static const char *signup[] = { [HPCNET_SIGNUP_CLOSED] = "closed",
					[HPCNET_SIGNUP_INVITE] = "invite",
					[HPCNET_SIGNUP_OPEN] = "open" };
	const struct hpcnet_hub *hub = r->hub;
	const struct hpcnet_oidc_cfg *oidc = hub->oidc ? hpcnet_oidc_cfg(hub->oidc) : NULL;
	json_t *browser = oidc && oidc->redirect_uri
				  ? json_pack("{s:s, s:s}", "provider_name", oidc->provider_name,
					      "login_url", "/api/v1/oidc/login")
				  : json_null();

	return hpcnet_reply_json(r, 200, json_pack("{s:s, s:s, s:s, s:o}",
		"signup", signup[hub->signup],
		"disabled_user_jobs", hub->disabled_user_jobs_cancel ? "cancel" : "keep",
		"currency", hub->billing.currency,
		"oidc_signin", browser));
}
