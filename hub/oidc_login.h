/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The portal's sign-in through the OpenID provider (authorization code +
 * PKCE): GET /api/v1/oidc/login sends the browser to the provider, GET
 * /api/v1/oidc/callback brings it back signed in (oidc_login.c). The
 * pure pieces are here for the unit tests.
 */
#ifndef HPCNET_HUB_OIDC_LOGIN_H
#define HPCNET_HUB_OIDC_LOGIN_H

#include <stddef.h>

struct hpcnet_oidc_cfg;

/* base64url(SHA-256(verifier)) without padding: 43 chars + NUL. */
#define HPCNET_PKCE_CHALLENGE_LEN 44

/* The S256 code_challenge of a PKCE verifier (RFC 7636 4.2). */
void hpcnet_oidc_pkce_challenge(const char *verifier, char out[HPCNET_PKCE_CHALLENGE_LEN]);

/* The provider's authorization endpoint with response_type=code,
 * client_id, redirect_uri, scope, state, nonce and the S256 challenge of
 * verifier, all form-encoded. Caller frees. */
char *hpcnet_oidc_authorize_url(const struct hpcnet_oidc_cfg *cfg, const char *endpoint,
				const char *state, const char *nonce, const char *verifier);

/* 1 when s may be where a sign-in ends: a path of this site ("/",
 * "/#/jobs"), never an absolute URL, "//host" or "/\host" (which browsers
 * read as another site), nor anything with control characters, spaces
 * or backslashes. 0 otherwise. */
int hpcnet_oidc_return_ok(const char *s);

#endif
