/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sign-in through an external OpenID Connect provider: verifying ID
 * tokens (oidc.c) and mapping their claims to hpcnet users and orgs
 * (oidc_signin.c). Signature checks are cjose's (RS256, ES256) against
 * the provider's JWKS, fetched with the shared libcurl client (or read
 * from a file), cached, and fetched again when a token names a key id the
 * cache lacks (key rotation) at most once per refresh interval, so a
 * flood of forged kids cannot make the hub hammer the provider.
 */
#ifndef HPCNET_HUB_OIDC_H
#define HPCNET_HUB_OIDC_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct hpcnet_req;

struct hpcnet_oidc_cfg {
	const char *issuer;    /* exact "iss" */
	const char *audience;  /* must be in "aud" */
	const char *jwks;      /* http(s):// URL or a file path; NULL: discovered */
	const char *org_claim; /* claim listing org names to join (NULL: none) */
	int create_users;      /* make a user on first sign-in */
	int64_t refresh_ms;    /* least time between JWKS fetches */
	int64_t leeway_s;      /* clock skew allowed on exp/nbf/iat */
	/* The browser sign-in (authorization code + PKCE, oidc_login.c): on
	 * when redirect_uri is set. client_id is also accepted as "aud". */
	const char *client_id;     /* default: audience */
	const char *client_secret; /* NULL: a public client (PKCE alone) */
	const char *redirect_uri;  /* <hub>/api/v1/oidc/callback, as registered */
	const char *provider_name; /* on the portal's button; default: the issuer's host */
};

struct hpcnet_oidc;

/* Copies cfg (strings too). Fetches nothing yet: a provider that is down
 * at hub start only delays OIDC sign-ins, not the hub. */
struct hpcnet_oidc *hpcnet_oidc_new(const struct hpcnet_oidc_cfg *cfg);
void hpcnet_oidc_free(struct hpcnet_oidc *o);
const struct hpcnet_oidc_cfg *hpcnet_oidc_cfg(const struct hpcnet_oidc *o);

/* Verifies a compact JWS ID token at time now_s: signature (RS256/ES256,
 * key by kid), iss, aud, exp, nbf, iat, sub. 0 and *claims (caller owns),
 * or HPCNET_EAUTH with why filled (safe to show the caller), or
 * HPCNET_EUNAVAIL when the JWKS cannot be had. Thread-safe. */
int hpcnet_oidc_verify(struct hpcnet_oidc *o, const char *token, int64_t now_s, json_t **claims,
		       char *why, size_t whylen);

/* The provider's authorization and token endpoints from its discovery
 * document (fetched once, retried at most once a second while it fails).
 * 0 with both strings (caller frees), or HPCNET_EUNAVAIL (logged). */
int hpcnet_oidc_endpoints(struct hpcnet_oidc *o, char **authorize, char **token);

/* POSTs an application/x-www-form-urlencoded form (with an optional extra
 * header line) to an http(s) URL: 0 with *status and the answer's *text
 * (caller frees) whatever the status, or HPCNET_EUNAVAIL/ETIMEOUT/ETOOBIG. */
int hpcnet_oidc_post_form(const char *url, const char *form, const char *header, long *status,
			  char **text);

/* Code -> ID token at the token endpoint (oidc_code.c), with the PKCE
 * verifier, authenticated by client_secret_basic when a secret is set.
 * 0 and *id_token (caller frees); HPCNET_EAUTH when the provider refused
 * (why says so); HPCNET_EUNAVAIL when it could not be asked. */
int hpcnet_oidc_exchange(struct hpcnet_oidc *o, const char *code, const char *verifier,
			 char **id_token, char *why, size_t whylen);

/* The ID token -> user step both sign-ins share: verifies the token (and,
 * when nonce is not NULL, that its "nonce" is that one), then finds or
 * creates the user and joins the org claim's orgs. 0 with *user (caller
 * owns), or <0 with why: HPCNET_EAUTH (bad token), HPCNET_ENOTFOUND (no
 * linked account and no creating), HPCNET_EPERM (account disabled),
 * HPCNET_EUNAVAIL (provider keys unavailable), or a store error. */
int hpcnet_oidc_user(struct hpcnet_req *r, const char *id_token, const char *nonce,
		     json_t **user, char *why, size_t whylen);

/* POST /tokens with {"id_token"}: verifies it and finds (or creates) the
 * user, joining the orgs its org claim names. 0 with *user (a users row,
 * caller owns), or a reply is queued and <0 returned. */
int hpcnet_oidc_signin(struct hpcnet_req *r, const char *id_token, json_t **user);

#endif
