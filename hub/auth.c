/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Who is calling: resolves a request's credential into a user (or a
 * center's agent) and checks it against the route's auth kind. Two kinds
 * of user credential: a bearer token (CLI, tools) or the portal's session
 * cookie. Both are looked up by their SHA-256, so the database never holds
 * a usable secret; user tokens start "hpcn_", agent credentials "hpca_",
 * session secrets "hpcs_".
 *
 * A browser sends its cookie with every request to the hub, including
 * ones a hostile page makes it send, so a state-changing request signed in
 * by the cookie must also carry the session's CSRF token in X-CSRF-Token,
 * which only the portal's own pages can read. Bearer tokens are never sent
 * by a browser on its own and need no such token.
 */
#include <string.h>
#include <strings.h>

#include "common/clock.h"
#include "common/crypto.h"
#include "common/log.h"
#include "hpcnet/error.h"
#include "hub/http.h"
#include "hub/signin.h"
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

/* The checks a live credential's row (token or session joined with its
 * user) still has to pass, then who the caller is. */
static int accept_user(struct hpcnet_req *r, json_t *row, enum hpcnet_auth_kind kind)
{
	if (json_integer_value(json_object_get(row, "disabled")))
		return deny(r, "this account is disabled: contact your administrator");
	snprintf(r->user_id, sizeof(r->user_id), "%s",
		 json_string_value(json_object_get(row, "user_id")));
	snprintf(r->user_name, sizeof(r->user_name), "%s",
		 json_string_value(json_object_get(row, "user_name")));
	r->is_admin = strcmp(json_string_value(json_object_get(row, "role")), "admin") == 0;
	if (kind == HPCNET_AUTH_ADMIN && !r->is_admin) {
		hpcnet_reply_problem(r, 403, "only an administrator may do this");
		return HPCNET_EPERM;
	}
	return 0;
}

/* How stale a token's last_used_at may get: one small write a minute per
 * token in use, not one per request. */
#define TOKEN_TOUCH_MS 60000

static int token_touch_fn(struct hpcnet_db *db, void *arg)
{
	struct hpcnet_req *r = arg;
	int rc = hpcnet_store_token_touch(db, r->token_id, hpcnet_now_ms(), TOKEN_TOUCH_MS);

	return rc < 0 ? rc : 0;
}

static int auth_token(struct hpcnet_req *r, const char *hash, enum hpcnet_auth_kind kind)
{
	json_t *t = NULL, *used;
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
	else
		rc = accept_user(r, t, kind);
	if (rc == 0) /* a password change keeps the token it was made with */
		snprintf(r->token_id, sizeof(r->token_id), "%s",
			 json_string_value(json_object_get(t, "token_id")));
	used = json_object_get(t, "last_used_at");
	if (rc == 0 && (!json_is_integer(used) ||
			hpcnet_now_ms() - json_integer_value(used) >= TOKEN_TOUCH_MS) &&
	    hpcnet_req_write(r, token_touch_fn, r) < 0)
		hpcnet_warn("could not record the use of token %s", r->token_id);
	json_decref(t);
	return rc;
}

static int touch_fn(struct hpcnet_db *db, void *arg)
{
	struct hpcnet_req *r = arg;

	return hpcnet_store_session_touch(db, r->session_id, hpcnet_now_ms());
}

/* Safe methods change nothing, so a forged one gains an attacker nothing
 * (the answer goes to the victim's browser, which same-origin hides). */
static int needs_csrf(const char *method)
{
	return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
}

static int check_session(struct hpcnet_req *r, json_t *s, int64_t now)
{
	int64_t idle = now - json_integer_value(json_object_get(s, "last_seen_at"));

	if (!json_is_null(json_object_get(s, "revoked_at")))
		return deny(r, "you signed out of this session: sign in again");
	if (json_integer_value(json_object_get(s, "expires_at")) <= now)
		return deny(r, "your session has expired: sign in again");
	if (idle > r->hub->session_idle_ms)
		return deny(r, "your session expired after a while without use: sign in again");
	return 0;
}

static int auth_session(struct hpcnet_req *r, const char *secret, enum hpcnet_auth_kind kind)
{
	char hash[HPCNET_SHA256_HEX_LEN];
	const char *sent;
	json_t *s = NULL;
	int64_t now = hpcnet_now_ms(), last;
	int rc;

	hpcnet_crypto_sha256_hex(secret, strlen(secret), hash);
	rc = hpcnet_store_session_lookup(hpcnet_req_db(r), hash, &s);
	if (rc == HPCNET_ENOTFOUND)
		return deny(r, "your session is unknown or has ended: sign in again");
	if (rc < 0) {
		hpcnet_reply_error(r, rc);
		return rc;
	}
	rc = check_session(r, s, now);
	if (rc == 0)
		rc = accept_user(r, s, kind);
	if (rc < 0)
		goto out;
	snprintf(r->session_id, sizeof(r->session_id), "%s",
		 json_string_value(json_object_get(s, "session_id")));
	r->session_expires_at = json_integer_value(json_object_get(s, "expires_at"));
	hpcnet_session_csrf(secret, r->csrf_token);
	if (needs_csrf(r->method)) {
		sent = hpcnet_req_header(r, "X-CSRF-Token");
		if (!sent || strlen(sent) != strlen(r->csrf_token) ||
		    !hpcnet_crypto_streq(sent, r->csrf_token)) {
			hpcnet_reply_problem(r, 403, "%s X-CSRF-Token header: a change made with the"
					     " session cookie must send the session's csrf_token"
					     " (from POST /api/v1/sessions or GET"
					     " /api/v1/sessions/current); reload the page",
					     sent ? "wrong" : "missing");
			rc = HPCNET_EPERM;
			goto out;
		}
	}
	/* Record use at most every minute (or quarter of the idle limit):
	 * one small write, not one per request. */
	last = json_integer_value(json_object_get(s, "last_seen_at"));
	if (now - last > (r->hub->session_idle_ms / 4 < 60000 ? r->hub->session_idle_ms / 4 : 60000) &&
	    hpcnet_req_write(r, touch_fn, r) < 0)
		hpcnet_warn("could not record the use of session %s", r->session_id);
out:
	json_decref(s);
	return rc;
}

int hpcnet_auth_check(struct hpcnet_req *r, enum hpcnet_auth_kind kind)
{
	char hash[HPCNET_SHA256_HEX_LEN];
	const char *tok, *cookie;

	if (kind == HPCNET_AUTH_PUBLIC)
		return 0;
	tok = bearer(r);
	if (!tok) {
		cookie = hpcnet_req_cookie(r, HPCNET_SESSION_COOKIE);
		if (cookie && *cookie && kind != HPCNET_AUTH_AGENT)
			return auth_session(r, cookie, kind);
		return deny(r, "this endpoint needs 'Authorization: Bearer <token>' (or the portal's"
			       " session cookie): sign in with hpcnet login, POST /api/v1/tokens or"
			       " POST /api/v1/sessions");
	}
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
	return auth_token(r, hash, kind);
}
