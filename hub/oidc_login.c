/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The portal's sign-in through the OpenID provider (authorization code
 * flow + PKCE; see oidc_login.h).
 *
 * GET /oidc/login makes a state, a nonce and a PKCE verifier and keeps
 * them server-side (oidc_logins, migration 013), keyed by the state's
 * hash, rather than in a cookie: a row can be used once (the callback
 * deletes it as it reads it), lives ten minutes, holds the verifier out
 * of the browser's reach, and works whichever replica the provider's
 * redirect reaches. The row is bound to the browser that started it by a
 * random secret in a short-lived HttpOnly, SameSite=Lax cookie scoped to
 * /api/v1/oidc/ (Lax is sent on the provider's top-level GET redirect
 * back): a callback URL carried to another browser (login CSRF: signing
 * a victim into the attacker's account) finds no matching cookie there.
 *
 * GET /oidc/callback takes the row, redeems the code (oidc_code.c),
 * verifies the ID token and its nonce and finds the user exactly as the
 * ID token exchange does (oidc_signin.c), starts a session as the
 * password form does (sessions.c), and redirects to the local path the
 * sign-in started from. Every failure ends on the portal's sign-in page
 * with a reason it explains (#/signin?oidc_error=...), never a bare error
 * body, and the call is audited (a GET, but it signs someone in).
 *
 * Starting a sign-in is not audited: it changes nothing but this table
 * of short-lived rows, as using a session only moves its last_seen_at.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/crypto.h"
#include "common/log.h"
#include "hpcnet/error.h"
#include "hub/handlers.h"
#include "hub/http.h"
#include "hub/oidc.h"
#include "hub/oidc_login.h"
#include "hub/signin.h"
#include "hub/store/store.h"

#define LOGIN_COOKIE "hpcnet_oidc"
#define LOGIN_TTL_S 600
#define SECRET_LEN 44      /* 43 base64url chars (256 bits) + NUL */
#define MAX_PENDING 10000  /* sign-ins under way at once, all browsers */
#define MAX_RETURN 512

int hpcnet_oidc_return_ok(const char *s)
{
	size_t i, n = s ? strlen(s) : 0;

	if (n == 0 || n > MAX_RETURN || s[0] != '/' || s[1] == '/' || s[1] == '\\')
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f || s[i] == '\\')
			return 0;
	return 1;
}

static int configured(struct hpcnet_req *r)
{
	return r->hub->oidc && hpcnet_oidc_cfg(r->hub->oidc)->redirect_uri;
}

static int redirect(struct hpcnet_req *r, const char *location)
{
	hpcnet_reply_raw(r, 302, "text/plain; charset=utf-8", "", 0);
	hpcnet_reply_header(r, "Location", location);
	return 0;
}

static void login_cookie(struct hpcnet_req *r, const char *value, int max_age_s)
{
	char c[160];

	snprintf(c, sizeof(c), "%s=%s; Path=/api/v1/oidc/; HttpOnly; SameSite=Lax; Max-Age=%d%s",
		 LOGIN_COOKIE, value, max_age_s, r->hub->secure_cookies ? "; Secure" : "");
	hpcnet_reply_header(r, "Set-Cookie", c);
}

/* The browser's binding secret if it sent a well-formed one. */
static const char *browser_secret(struct hpcnet_req *r)
{
	const char *b = hpcnet_req_cookie(r, LOGIN_COOKIE);
	size_t i;

	if (!b || strlen(b) != SECRET_LEN - 1)
		return NULL;
	for (i = 0; b[i]; i++)
		if (!((b[i] >= 'A' && b[i] <= 'Z') || (b[i] >= 'a' && b[i] <= 'z') ||
		      (b[i] >= '0' && b[i] <= '9') || b[i] == '-' || b[i] == '_'))
			return NULL;
	return b;
}

/* Ends on the portal's sign-in page, which says what `reason` means and
 * what to do. detail (the provider's error code) is passed on only as
 * plain [A-Za-z0-9._-]: it comes from whoever made the link. */
static int fail(struct hpcnet_req *r, const char *reason, const char *detail, const char *why)
{
	char loc[160], d[65];
	size_t i, n = 0;

	for (i = 0; detail && detail[i] && n + 1 < sizeof(d); i++) {
		char ch = detail[i];

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    ch == '_' || ch == '.' || ch == '-')
			d[n++] = ch;
	}
	d[n] = '\0';
	hpcnet_info("oidc browser sign-in failed (%s): %s", reason, why);
	snprintf(r->audit_object, sizeof(r->audit_object), "oidc:%s", reason);
	snprintf(loc, sizeof(loc), "/#/signin?oidc_error=%s%s%s", reason, n ? "&oidc_detail=" : "",
		 d);
	return redirect(r, loc);
}

static int put_fn(struct hpcnet_db *db, void *arg)
{
	return hpcnet_store_oidc_login_put(db, arg, hpcnet_now_ms(), MAX_PENDING);
}

int hpcnet_h_oidc_login(struct hpcnet_req *r)
{
	char state[SECRET_LEN], nonce[SECRET_LEN], verifier[SECRET_LEN], browser[SECRET_LEN];
	char state_hash[HPCNET_SHA256_HEX_LEN], browser_hash[HPCNET_SHA256_HEX_LEN];
	const char *ret = hpcnet_req_query(r, "return_to"), *had = browser_secret(r);
	char *authorize = NULL, *token = NULL, *url;
	struct hpcnet_oidc_login l;
	int rc;

	if (!configured(r))
		return hpcnet_reply_problem(r, 404, "this hub has no OpenID Connect sign-in configured"
						    " (hub --oidc-redirect-uri): sign in with a user"
						    " name and password");
	if (!ret)
		ret = "/";
	if (!hpcnet_oidc_return_ok(ret))
		return hpcnet_reply_problem(r, 400, "return_to must be a path on this hub such as"
						    " /#/jobs, not another site's address");
	hpcnet_req_db_release(r); /* discovery may take a while */
	rc = hpcnet_oidc_endpoints(r->hub->oidc, &authorize, &token);
	if (rc < 0)
		return fail(r, "unavailable", NULL, "the provider's discovery document cannot be read");
	hpcnet_crypto_token("", state, sizeof(state));
	hpcnet_crypto_token("", nonce, sizeof(nonce));
	hpcnet_crypto_token("", verifier, sizeof(verifier));
	/* Two tabs signing in at once share the binding: each keeps working. */
	if (had)
		snprintf(browser, sizeof(browser), "%s", had);
	else
		hpcnet_crypto_token("", browser, sizeof(browser));
	hpcnet_crypto_sha256_hex(state, strlen(state), state_hash);
	hpcnet_crypto_sha256_hex(browser, strlen(browser), browser_hash);
	l = (struct hpcnet_oidc_login){ .state_hash = state_hash, .browser_hash = browser_hash,
					.nonce = nonce, .code_verifier = verifier, .return_to = ret,
					.expires_at = hpcnet_now_ms() + LOGIN_TTL_S * 1000LL };
	rc = hpcnet_req_write(r, put_fn, &l);
	if (rc < 0) {
		free(authorize);
		free(token);
		return fail(r, rc == HPCNET_EQUOTA ? "busy" : "unavailable", NULL,
			    rc == HPCNET_EQUOTA ? "too many sign-ins under way" : hpcnet_strerror(rc));
	}
	url = hpcnet_oidc_authorize_url(hpcnet_oidc_cfg(r->hub->oidc), authorize, state, nonce,
					verifier);
	login_cookie(r, browser, LOGIN_TTL_S);
	redirect(r, url);
	free(url);
	free(authorize);
	free(token);
	return 0;
}

static int take_fn(struct hpcnet_db *db, void *arg)
{
	void **a = arg;

	return hpcnet_store_oidc_login_take(db, a[0], (json_t **)a[1]);
}

/* The sign-in this callback belongs to: taken (so never usable again),
 * unexpired, and started by this browser. 0 and *login, or <0 with why. */
static int login_take(struct hpcnet_req *r, const char *state, json_t **login, const char **why)
{
	char state_hash[HPCNET_SHA256_HEX_LEN], browser_hash[HPCNET_SHA256_HEX_LEN];
	const char *browser = browser_secret(r), *want;
	void *args[2] = { state_hash, login };
	int rc;

	*login = NULL;
	hpcnet_crypto_sha256_hex(state, strlen(state), state_hash);
	r->audit_later = 1; /* a step: the call's row goes with the session, or at the end */
	rc = hpcnet_req_write(r, take_fn, args);
	r->audit_later = 0;
	if (rc == HPCNET_ENOTFOUND) {
		*why = "unknown or already used state";
		return HPCNET_EAUTH;
	}
	if (rc < 0) {
		*why = hpcnet_strerror(rc);
		return rc;
	}
	want = json_string_value(json_object_get(*login, "browser_hash"));
	if (browser)
		hpcnet_crypto_sha256_hex(browser, strlen(browser), browser_hash);
	if (!browser || !want || !hpcnet_crypto_streq(want, browser_hash))
		*why = "the sign-in was started in another browser (no matching cookie)";
	else if (json_integer_value(json_object_get(*login, "expires_at")) < hpcnet_now_ms())
		*why = "the sign-in took longer than ten minutes";
	else
		return 0;
	json_decref(*login);
	*login = NULL;
	return HPCNET_EAUTH;
}

int hpcnet_h_oidc_callback(struct hpcnet_req *r)
{
	const char *state = hpcnet_req_query(r, "state"), *code = hpcnet_req_query(r, "code");
	const char *error = hpcnet_req_query(r, "error"), *swhy = NULL, *ret;
	char why[256], *id_token = NULL;
	json_t *login = NULL, *user = NULL, *view = NULL;
	int rc;

	r->audit_read = 1; /* a GET, but it signs someone in */
	if (!configured(r))
		return fail(r, "config", NULL, "no --oidc-redirect-uri");
	if (!state || !*state || strlen(state) > 256)
		return fail(r, "state", NULL, "no state");
	rc = login_take(r, state, &login, &swhy);
	if (rc < 0)
		return fail(r, rc == HPCNET_EAUTH ? "state" : "unavailable", NULL, swhy);
	login_cookie(r, "", 0);
	if (error) {
		rc = fail(r, "provider", error, error);
		goto out;
	}
	if (!code || !*code || strlen(code) > 4096) {
		rc = fail(r, "exchange", NULL, "no code");
		goto out;
	}
	rc = hpcnet_oidc_exchange(r->hub->oidc, code,
				  json_string_value(json_object_get(login, "code_verifier")),
				  &id_token, why, sizeof(why));
	if (rc < 0) {
		rc = fail(r, rc == HPCNET_EAUTH ? "exchange" : "unavailable", NULL, why);
		goto out;
	}
	rc = hpcnet_oidc_user(r, id_token, json_string_value(json_object_get(login, "nonce")), &user,
			      why, sizeof(why));
	if (rc < 0) {
		rc = fail(r, rc == HPCNET_EAUTH ? "token" : rc == HPCNET_ENOTFOUND ? "account"
				     : rc == HPCNET_EPERM ? "disabled" : "unavailable", NULL, why);
		goto out;
	}
	rc = hpcnet_session_open(r, user, 302, &view);
	if (rc < 0) {
		rc = fail(r, "unavailable", NULL, hpcnet_strerror(rc));
		goto out;
	}
	/* Checked when stored; checked again: it is what we redirect to. */
	ret = json_string_value(json_object_get(login, "return_to"));
	rc = redirect(r, hpcnet_oidc_return_ok(ret) ? ret : "/");
out:
	json_decref(view);
	json_decref(user);
	json_decref(login);
	free(id_token);
	return rc;
}
