/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /api/v1/sessions: the portal's sign-in. A session is a random secret in
 * an HttpOnly, SameSite=Lax cookie (scripts cannot read it; other sites'
 * forms and scripts cannot make the browser send it, only a top-level
 * link, which is a GET, and GETs change nothing), stored only as its
 * SHA-256, ending
 * after the hub's idle limit without use, at its absolute expiry, or at
 * sign-out. The answer carries the session's CSRF token, which the portal
 * sends back in X-CSRF-Token on every change (hub/auth.c checks it).
 */
#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "common/crypto.h"
#include "hpcnet/error.h"
#include "hub/audit.h"
#include "hub/handlers.h"
#include "hub/http.h"
#include "hub/signin.h"
#include "hub/store/store.h"
#include "hub/validate.h"
#include "hub/view.h"

static const struct hpcnet_field session_fields[] = {
	{ .name = "username", .type = HPCNET_F_STRING, .required = 1, .min = 1, .max = 128 },
	{ .name = "password", .type = HPCNET_F_STRING, .required = 1, .min = 1, .max = 1024 },
	{ 0 },
};

void hpcnet_session_csrf(const char *secret, char *out)
{
	char buf[128];
	int n = snprintf(buf, sizeof(buf), "hpcnet-csrf:%s", secret);

	hpcnet_crypto_sha256_hex(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1, out);
}

static void set_cookie(struct hpcnet_req *r, const char *value, int64_t max_age_s)
{
	char c[256];

	snprintf(c, sizeof(c), "%s=%s; Path=/; HttpOnly; SameSite=Lax; Max-Age=%lld%s",
		 HPCNET_SESSION_COOKIE, value, (long long)max_age_s,
		 r->hub->secure_cookies ? "; Secure" : "");
	hpcnet_reply_header(r, "Set-Cookie", c);
}

/* What the portal needs to know about its session. Takes user. */
static json_t *session_view(struct hpcnet_req *r, const char *id, json_t *user,
			    const char *csrf, int64_t expires_at)
{
	return json_pack("{s:s, s:o, s:s, s:o, s:I}", "id", id, "user", user, "csrf_token", csrf,
			 "expires_at", hpcnet_view_time_ms(expires_at), "idle_timeout_seconds",
			 (json_int_t)(r->hub->session_idle_ms / 1000));
}

struct create_w {
	const char *id, *hash, *user_id, *agent;
	int64_t now, expires_at;
};

static int create_fn(struct hpcnet_db *db, void *arg)
{
	struct create_w *w = arg;

	return hpcnet_store_session_create(db, w->id, w->hash, w->user_id, w->agent, w->now,
					   w->expires_at);
}

int hpcnet_session_open(struct hpcnet_req *r, json_t *user, int status, json_t **view)
{
	char secret[64], hash[HPCNET_SHA256_HEX_LEN], id[HPCNET_ID_LEN], csrf[HPCNET_CSRF_LEN];
	char agent[256];
	const char *ua = hpcnet_req_header(r, "User-Agent");
	struct create_w w;
	int rc;

	*view = NULL;
	hpcnet_crypto_token("hpcs_", secret, sizeof(secret));
	hpcnet_crypto_sha256_hex(secret, strlen(secret), hash);
	hpcnet_id_new("ses", id);
	/* Shown to the user in a session list one day; bounded, never trusted. */
	snprintf(agent, sizeof(agent), "%s", ua ? ua : "");
	w = (struct create_w){ .id = id, .hash = hash, .agent = agent,
			       .user_id = json_string_value(json_object_get(user, "id")),
			       .now = hpcnet_now_ms() };
	w.expires_at = w.now + r->hub->session_max_ms;
	hpcnet_audit_signin(r, id, user);
	r->audit_status = status;
	rc = hpcnet_req_write(r, create_fn, &w);
	if (rc < 0)
		return rc;
	hpcnet_session_csrf(secret, csrf);
	set_cookie(r, secret, r->hub->session_max_ms / 1000);
	*view = session_view(r, id, hpcnet_view_user(user), csrf, w.expires_at);
	return 0;
}

int hpcnet_h_sessions_create(struct hpcnet_req *r)
{
	json_t *body = NULL, *errors, *user = NULL, *view;
	int rc;

	if (hpcnet_req_json(r, &body) < 0)
		return 0;
	errors = hpcnet_validate(body, session_fields);
	if (errors) {
		hpcnet_reply_invalid(r, errors);
		goto out;
	}
	if (hpcnet_signin_password(r, body, &user) < 0)
		goto out;
	rc = hpcnet_session_open(r, user, 201, &view);
	if (rc < 0)
		hpcnet_reply_error(r, rc);
	else
		hpcnet_reply_json(r, 201, view);
out:
	json_decref(user);
	json_decref(body);
	return 0;
}

static int not_a_session(struct hpcnet_req *r)
{
	return hpcnet_reply_problem(r, 404, "this request was not signed in with a session cookie"
				    " (a bearer token has no session): POST /api/v1/sessions first");
}

int hpcnet_h_sessions_current(struct hpcnet_req *r)
{
	json_t *u = NULL;
	int rc;

	if (!r->session_id[0])
		return not_a_session(r);
	rc = hpcnet_store_user_by_id(hpcnet_req_db(r), r->user_id, &u);
	if (rc < 0)
		return hpcnet_reply_error(r, rc);
	hpcnet_reply_json(r, 200, session_view(r, r->session_id, hpcnet_view_user(u), r->csrf_token,
					      r->session_expires_at));
	json_decref(u);
	return 0;
}

/* 0 (a change, its audit row with it) even when the session was ended
 * already: signing out answers 204 either way. */
static int revoke_fn(struct hpcnet_db *db, void *arg)
{
	int rc = hpcnet_store_session_revoke(db, arg, hpcnet_now_ms());

	return rc < 0 ? rc : 0;
}

int hpcnet_h_sessions_delete(struct hpcnet_req *r)
{
	int rc;

	if (!r->session_id[0])
		return not_a_session(r);
	r->audit_status = 204;
	rc = hpcnet_req_write(r, revoke_fn, r->session_id);
	if (rc < 0)
		return hpcnet_reply_error(r, rc);
	set_cookie(r, "", 0);
	return hpcnet_reply_raw(r, 204, "application/json", "", 0);
}
