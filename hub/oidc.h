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

/* POST /tokens with {"id_token"}: verifies it and finds (or creates) the
 * user, joining the orgs its org claim names. 0 with *user (a users row,
 * caller owns), or a reply is queued and <0 returned. */
int hpcnet_oidc_signin(struct hpcnet_req *r, const char *id_token, json_t **user);

#endif
