/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The hub as an OAuth 2.0 client of its OpenID provider, for the browser
 * sign-in (oidc_login.c): the authorization URL the browser is sent to
 * (authorization code flow with PKCE, RFC 7636, S256 only: the verifier
 * never leaves the hub until the code is redeemed, so a code stolen from
 * the browser's address bar or history is useless), and the code's
 * exchange for an ID token. Only the ID token is kept: the hub calls no
 * API of the provider, so access and refresh tokens are dropped unread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <sodium.h>

#include "common/log.h"
#include "common/xalloc.h"
#include "hpcnet/error.h"
#include "hub/oidc.h"
#include "hub/oidc_login.h"

static void param(struct hpcnet_buf *b, const char *name, const char *value)
{
	char *v = curl_easy_escape(NULL, value, 0);

	hpcnet_buf_addf(b, "%s%s=%s", b->len ? "&" : "", name, v ? v : "");
	curl_free(v);
}

void hpcnet_oidc_pkce_challenge(const char *verifier, char out[HPCNET_PKCE_CHALLENGE_LEN])
{
	unsigned char digest[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(digest, (const unsigned char *)verifier, strlen(verifier));
	sodium_bin2base64(out, HPCNET_PKCE_CHALLENGE_LEN, digest, sizeof(digest),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

char *hpcnet_oidc_authorize_url(const struct hpcnet_oidc_cfg *cfg, const char *endpoint,
				const char *state, const char *nonce, const char *verifier)
{
	struct hpcnet_buf q = { 0 };
	char challenge[HPCNET_PKCE_CHALLENGE_LEN];
	char *url;

	hpcnet_oidc_pkce_challenge(verifier, challenge);
	param(&q, "response_type", "code");
	param(&q, "client_id", cfg->client_id);
	param(&q, "redirect_uri", cfg->redirect_uri);
	param(&q, "scope", "openid profile email");
	param(&q, "state", state);
	param(&q, "nonce", nonce);
	param(&q, "code_challenge", challenge);
	param(&q, "code_challenge_method", "S256");
	/* The endpoint may carry a query of its own (some providers' do). */
	url = hpcnet_xasprintf("%s%c%.*s", endpoint, strchr(endpoint, '?') ? '&' : '?',
			       (int)q.len, q.data ? q.data : "");
	hpcnet_buf_free(&q);
	return url;
}

/* "Authorization: Basic ..." for client_secret_basic (RFC 6749 2.3.1:
 * the id and secret form-encoded first, then base64). Caller frees. */
static char *basic_auth(const char *id, const char *secret)
{
	char *eid = curl_easy_escape(NULL, id, 0), *esecret = curl_easy_escape(NULL, secret, 0);
	char *pair = hpcnet_xasprintf("%s:%s", eid ? eid : "", esecret ? esecret : "");
	size_t n = sodium_base64_ENCODED_LEN(strlen(pair), sodium_base64_VARIANT_ORIGINAL);
	char *b64 = hpcnet_xmalloc(n), *header;

	sodium_bin2base64(b64, n, (const unsigned char *)pair, strlen(pair),
			  sodium_base64_VARIANT_ORIGINAL);
	header = hpcnet_xasprintf("Authorization: Basic %s", b64);
	sodium_memzero(pair, strlen(pair));
	free(pair);
	free(b64);
	curl_free(eid);
	curl_free(esecret);
	return header;
}

int hpcnet_oidc_exchange(struct hpcnet_oidc *o, const char *code, const char *verifier,
			 char **id_token, char *why, size_t whylen)
{
	const struct hpcnet_oidc_cfg *cfg = hpcnet_oidc_cfg(o);
	struct hpcnet_buf form = { 0 };
	char *authorize = NULL, *token_uri = NULL, *auth = NULL, *text = NULL;
	const char *err, *tok;
	json_t *doc = NULL;
	long status = 0;
	int rc;

	*id_token = NULL;
	snprintf(why, whylen, "the identity provider cannot be reached now; retry shortly");
	rc = hpcnet_oidc_endpoints(o, &authorize, &token_uri);
	if (rc < 0)
		goto out;
	param(&form, "grant_type", "authorization_code");
	param(&form, "code", code);
	param(&form, "redirect_uri", cfg->redirect_uri);
	param(&form, "code_verifier", verifier);
	/* With a secret the client authenticates by HTTP Basic, the method
	 * every provider must support; client_id in the body as well does
	 * no harm and is what a public client (no secret) must send. */
	param(&form, "client_id", cfg->client_id);
	if (cfg->client_secret)
		auth = basic_auth(cfg->client_id, cfg->client_secret);
	rc = hpcnet_oidc_post_form(token_uri, form.data, auth, &status, &text);
	if (rc < 0) {
		hpcnet_warn("oidc: cannot reach the token endpoint %s: %s", token_uri,
			    hpcnet_strerror(rc));
		rc = HPCNET_EUNAVAIL;
		goto out;
	}
	doc = json_loads(text, 0, NULL);
	err = json_string_value(json_object_get(doc, "error"));
	tok = json_string_value(json_object_get(doc, "id_token"));
	if (status == 200 && tok) {
		*id_token = hpcnet_xstrdup(tok);
		rc = 0;
	} else if (status >= 500 || (status == 200 && !tok)) {
		hpcnet_warn("oidc: the token endpoint %s answered HTTP %ld%s", token_uri, status,
			    status == 200 ? " without an id_token" : "");
		rc = HPCNET_EUNAVAIL;
	} else {
		/* invalid_grant: the code was used, expired, or the PKCE verifier
		 * does not match; invalid_client: the secret is wrong. */
		hpcnet_info("oidc: the token endpoint refused the code: HTTP %ld %.64s", status,
			    err ? err : "");
		snprintf(why, whylen, "the identity provider refused the sign-in code (%.64s)",
			 err ? err : "no reason given");
		rc = HPCNET_EAUTH;
	}
out:
	if (auth)
		sodium_memzero(auth, strlen(auth));
	free(auth);
	free(authorize);
	free(token_uri);
	free(text);
	json_decref(doc);
	if (form.data)
		sodium_memzero(form.data, form.len);
	hpcnet_buf_free(&form);
	return rc;
}
