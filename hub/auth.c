/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Who is calling: resolves the bearer token of a request into a user (or a
 * center's agent) and checks it against the route's auth kind. Tokens are
 * looked up by their SHA-256, so the database never holds a usable secret;
 * user tokens start "hpcn_", agent credentials "hpca_".
 */
#include <string.h>
#include <strings.h>

#include "common/clock.h"
#include "common/crypto.h"
#include "hpcnet/error.h"
#include "hub/http.h"
#include "hub/store/store.h"

static const char *bearer(struct hpcnet_req *r)
{
	const char *h = hpcnet_req_header(r, "Authorization");

	if (!h || strncasecmp(h, "Bearer ", 7) != 0)
		return NULL;
	h += 7;
	while (*h == ' ')
		h++;
	return *h ? h : NULL;
}

static int deny(struct hpcnet_req *r, const char *detail)
{
	hpcnet_reply_header(r, "WWW-Authenticate", "Bearer realm=\"hpcnet\"");
	hpcnet_reply_problem(r, 401, "%s", detail);
	return HPCNET_EAUTH;
}

static int auth_agent(struct hpcnet_req *r, const char *hash)
{
	json_t *c = NULL;
	int rc = hpcnet_store_center_by_agent(hpcnet_req_db(r), hash, &c);

	if (rc == HPCNET_ENOTFOUND)
		return deny(r, "unknown agent credential: the center must join again with a new join token");
	if (rc < 0) {
		hpcnet_reply_error(r, rc);
		return rc;
	}
	snprintf(r->center_id, sizeof(r->center_id), "%s", json_string_value(json_object_get(c, "id")));
	json_decref(c);
	return 0;
}

static int auth_user(struct hpcnet_req *r, const char *hash, enum hpcnet_auth_kind kind)
{
	json_t *t = NULL;
	int rc = hpcnet_store_token_lookup(hpcnet_req_db(r), hash, &t);

	if (rc == HPCNET_ENOTFOUND)
		return deny(r, "invalid token: sign in again (hpcnet login)");
	if (rc < 0) {
		hpcnet_reply_error(r, rc);
		return rc;
	}
	if (!json_is_null(json_object_get(t, "revoked_at")))
		rc = deny(r, "this token was revoked: sign in again (hpcnet login)");
	else if (json_integer_value(json_object_get(t, "expires_at")) <= hpcnet_now_ms())
		rc = deny(r, "this token has expired: sign in again (hpcnet login)");
	else if (json_integer_value(json_object_get(t, "disabled")))
		rc = deny(r, "this account is disabled: contact your administrator");
	if (rc < 0)
		goto out;
	snprintf(r->user_id, sizeof(r->user_id), "%s", json_string_value(json_object_get(t, "user_id")));
	snprintf(r->user_name, sizeof(r->user_name), "%s",
		 json_string_value(json_object_get(t, "user_name")));
	r->is_admin = strcmp(json_string_value(json_object_get(t, "role")), "admin") == 0;
	if (kind == HPCNET_AUTH_ADMIN && !r->is_admin) {
		hpcnet_reply_problem(r, 403, "only an administrator may do this");
		rc = HPCNET_EPERM;
	}
out:
	json_decref(t);
	return rc;
}

int hpcnet_auth_check(struct hpcnet_req *r, enum hpcnet_auth_kind kind)
{
	char hash[HPCNET_SHA256_HEX_LEN];
	const char *tok;

	if (kind == HPCNET_AUTH_PUBLIC)
		return 0;
	tok = bearer(r);
	if (!tok)
		return deny(r, "this endpoint needs 'Authorization: Bearer <token>': sign in with"
			       " hpcnet login or POST /api/v1/tokens");
	hpcnet_crypto_sha256_hex(tok, strlen(tok), hash);
	if (kind == HPCNET_AUTH_AGENT) {
		if (strncmp(tok, "hpca_", 5) != 0) {
			hpcnet_reply_problem(r, 403, "only a center's agent may call this endpoint");
			return HPCNET_EPERM;
		}
		return auth_agent(r, hash);
	}
	if (strncmp(tok, "hpca_", 5) == 0) {
		hpcnet_reply_problem(r, 403, "an agent credential cannot be used for user endpoints");
		return HPCNET_EPERM;
	}
	return auth_user(r, hash, kind);
}
