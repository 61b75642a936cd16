/* SPDX-License-Identifier: Apache-2.0 */
/* ID token verification against a cached JWKS; see oidc.h. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <cjose/cjose.h>

#include "common/clock.h"
#include "common/fsutil.h"
#include "common/httpc.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "hpcnet/error.h"
#include "hub/oidc.h"

#define MAX_TOKEN (16 * 1024)
#define MAX_JWKS (1024 * 1024)

struct hpcnet_oidc {
	struct hpcnet_oidc_cfg cfg;
	pthread_mutex_t lock;
	json_t *keys;        /* the JWKS "keys" array; NULL until fetched */
	char *jwks_uri;      /* --oidc-jwks, or the discovery document's jwks_uri */
	int64_t fetched_ms;  /* when the last fetch was tried (mono) */
	char *authorize_uri; /* the discovery document's endpoints; NULL until read */
	char *token_uri;
	int64_t discovered_ms; /* when discovery for them was last tried (mono) */
};

static char *dup_or_null(const char *s)
{
	return s ? hpcnet_xstrdup(s) : NULL;
}

struct hpcnet_oidc *hpcnet_oidc_new(const struct hpcnet_oidc_cfg *cfg)
{
	struct hpcnet_oidc *o = hpcnet_xcalloc(1, sizeof(*o));

	o->cfg = *cfg;
	o->cfg.issuer = dup_or_null(cfg->issuer);
	o->cfg.audience = dup_or_null(cfg->audience);
	o->cfg.jwks = dup_or_null(cfg->jwks);
	o->cfg.org_claim = dup_or_null(cfg->org_claim);
	o->cfg.client_id = dup_or_null(cfg->client_id ? cfg->client_id : cfg->audience);
	o->cfg.client_secret = dup_or_null(cfg->client_secret);
	o->cfg.redirect_uri = dup_or_null(cfg->redirect_uri);
	o->cfg.provider_name = dup_or_null(cfg->provider_name);
	if (!o->cfg.provider_name && cfg->issuer) {
		/* "https://login.example.edu/realms/x" -> "login.example.edu" */
		const char *h = strstr(cfg->issuer, "://");

		h = h ? h + 3 : cfg->issuer;
		o->cfg.provider_name = hpcnet_xstrndup(h, strcspn(h, "/:"));
	}
	o->jwks_uri = dup_or_null(cfg->jwks);
	pthread_mutex_init(&o->lock, NULL);
	return o;
}

void hpcnet_oidc_free(struct hpcnet_oidc *o)
{
	if (!o)
		return;
	free((char *)o->cfg.issuer);
	free((char *)o->cfg.audience);
	free((char *)o->cfg.jwks);
	free((char *)o->cfg.org_claim);
	free((char *)o->cfg.client_id);
	free((char *)o->cfg.client_secret);
	free((char *)o->cfg.redirect_uri);
	free((char *)o->cfg.provider_name);
	free(o->authorize_uri);
	free(o->token_uri);
	json_decref(o->keys);
	free(o->jwks_uri);
	pthread_mutex_destroy(&o->lock);
	free(o);
}

const struct hpcnet_oidc_cfg *hpcnet_oidc_cfg(const struct hpcnet_oidc *o)
{
	return &o->cfg;
}

/* A JSON document's text (the JWKS, the discovery document, or what a
 * POST of form to the token endpoint answered) from its URL or file.
 * Caller frees *text. A POST's non-200 answer is returned too, with
 * *status, so the provider's error can be named. */
static int doc_fetch(const char *src, const char *form, const char *header, long *status,
		     char **text)
{
	struct hpcnet_http_resp resp = { 0 };
	struct hpcnet_httpc *c;
	const char *path;
	size_t len;
	char *base;
	int rc;

	*text = NULL;
	*status = 0;
	if (strncmp(src, "http://", 7) != 0 && strncmp(src, "https://", 8) != 0)
		return form ? HPCNET_EINVAL : hpcnet_fs_read(src, MAX_JWKS, text, &len);
	path = strchr(src + (src[4] == 's' ? 8 : 7), '/');
	base = path ? hpcnet_xstrndup(src, (size_t)(path - src)) : hpcnet_xstrdup(src);
	c = hpcnet_httpc_new(base, NULL);
	hpcnet_httpc_set_timeout(c, 10);
	rc = hpcnet_httpc_request(c, form ? "POST" : "GET", path ? path : "/",
				  form ? "application/x-www-form-urlencoded" : NULL, form,
				  form ? strlen(form) : 0, header, &resp);
	*status = resp.status;
	if (rc == 0 && resp.status != 200 && !form) {
		hpcnet_warn("oidc: %s answered HTTP %ld", src, resp.status);
		rc = HPCNET_EUNAVAIL;
	}
	if (rc == 0 && resp.body.len > MAX_JWKS)
		rc = HPCNET_ETOOBIG;
	if (rc == 0)
		*text = hpcnet_xstrndup(resp.body.data ? resp.body.data : "", resp.body.len);
	hpcnet_http_resp_free(&resp);
	hpcnet_httpc_free(c);
	free(base);
	return rc;
}

static int doc_load(const char *src, char **text)
{
	long status;

	return doc_fetch(src, NULL, NULL, &status, text);
}

int hpcnet_oidc_post_form(const char *url, const char *form, const char *header, long *status,
			  char **text)
{
	return doc_fetch(url, form, header, status, text);
}

static int is_http_url(const char *s)
{
	return s && (strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0);
}

static void keep_url(char **slot, const char *uri)
{
	if (!is_http_url(uri))
		return;
	free(*slot);
	*slot = hpcnet_xstrdup(uri);
}

/* The provider's discovery document (OpenID Connect Discovery 1.0:
 * <issuer>/.well-known/openid-configuration), whose "issuer" must be
 * ours exactly: the keys' URL (without --oidc-jwks) and the endpoints of
 * the browser sign-in. Lock held. 0, or HPCNET_EUNAVAIL (logged). */
static int discover(struct hpcnet_oidc *o)
{
	const char *iss = o->cfg.issuer, *uri, *said;
	size_t n = strlen(iss);
	char *url, *text = NULL;
	json_t *doc = NULL;
	int rc;

	url = hpcnet_xasprintf("%.*s/.well-known/openid-configuration",
			       (int)(n && iss[n - 1] == '/' ? n - 1 : n), iss);
	rc = strncmp(iss, "http://", 7) && strncmp(iss, "https://", 8) ? HPCNET_EINVAL
								       : doc_load(url, &text);
	if (rc == 0)
		doc = json_loads(text, 0, NULL);
	uri = json_string_value(json_object_get(doc, "jwks_uri"));
	said = json_string_value(json_object_get(doc, "issuer"));
	if (rc < 0) {
		hpcnet_warn("oidc: cannot read the discovery document %s: %s", url,
			    hpcnet_strerror(rc));
	} else if (!said || strcmp(said, iss) != 0) {
		hpcnet_warn("oidc: %s names issuer '%s', not '%s' (--oidc-issuer must match it"
			    " exactly)", url, said ? said : "(none)", iss);
		rc = HPCNET_EUNAVAIL;
	} else if (!o->cfg.jwks && !is_http_url(uri)) {
		hpcnet_warn("oidc: %s has no http(s) jwks_uri", url);
		rc = HPCNET_EUNAVAIL;
	} else {
		if (!o->cfg.jwks) {
			keep_url(&o->jwks_uri, uri);
			hpcnet_info("oidc: %s says the keys are at %s", url, uri);
		}
		keep_url(&o->authorize_uri,
			 json_string_value(json_object_get(doc, "authorization_endpoint")));
		keep_url(&o->token_uri, json_string_value(json_object_get(doc, "token_endpoint")));
	}
	json_decref(doc);
	free(text);
	free(url);
	return rc < 0 ? HPCNET_EUNAVAIL : 0;
}

/* Fetches the JWKS again if allowed now (lock held). 0, or <0 (logged). */
static int jwks_refresh(struct hpcnet_oidc *o)
{
	int64_t now = hpcnet_mono_ms();
	json_t *doc, *keys;
	char *text = NULL;
	int rc;

	if (o->keys && now - o->fetched_ms < o->cfg.refresh_ms)
		return 0;
	if (!o->keys && o->fetched_ms && now - o->fetched_ms < 1000)
		return HPCNET_EUNAVAIL; /* failed a moment ago: do not hammer */
	o->fetched_ms = now;
	if (!o->jwks_uri && discover(o) < 0)
		return HPCNET_EUNAVAIL;
	rc = doc_load(o->jwks_uri, &text);
	if (rc < 0) {
		hpcnet_warn("oidc: cannot get the JWKS from %s: %s", o->jwks_uri, hpcnet_strerror(rc));
		if (!o->cfg.jwks) { /* discovered: ask again next time, it may have moved */
			free(o->jwks_uri);
			o->jwks_uri = NULL;
		}
		return HPCNET_EUNAVAIL;
	}
	doc = json_loads(text, 0, NULL);
	free(text);
	keys = json_object_get(doc, "keys");
	if (!json_is_array(keys)) {
		hpcnet_warn("oidc: %s is not a JWKS (no \"keys\" array)", o->jwks_uri);
		json_decref(doc);
		return HPCNET_EUNAVAIL;
	}
	json_decref(o->keys);
	o->keys = json_incref(keys);
	json_decref(doc);
	hpcnet_info("oidc: loaded %zu key(s) from %s", json_array_size(o->keys), o->jwks_uri);
	return 0;
}

/* A copy of the JWK with this kid (any key if kid is NULL and there is
 * only one), or NULL. Lock held. */
static json_t *key_find(struct hpcnet_oidc *o, const char *kid)
{
	json_t *k;
	size_t i;

	if (!kid)
		return json_array_size(o->keys) == 1 ? json_deep_copy(json_array_get(o->keys, 0)) : NULL;
	json_array_foreach(o->keys, i, k)
		if (json_is_string(json_object_get(k, "kid")) &&
		    strcmp(json_string_value(json_object_get(k, "kid")), kid) == 0)
			return json_deep_copy(k);
	return NULL;
}

int hpcnet_oidc_endpoints(struct hpcnet_oidc *o, char **authorize, char **token)
{
	int64_t now = hpcnet_mono_ms();
	int rc = 0;

	*authorize = *token = NULL;
	pthread_mutex_lock(&o->lock);
	if (!o->authorize_uri || !o->token_uri) {
		if (o->discovered_ms && now - o->discovered_ms < 1000) {
			rc = HPCNET_EUNAVAIL; /* failed a moment ago: do not hammer */
		} else {
			o->discovered_ms = now;
			rc = discover(o);
			if (rc == 0 && (!o->authorize_uri || !o->token_uri)) {
				hpcnet_warn("oidc: the discovery document of %s names no http(s)"
					    " authorization_endpoint and token_endpoint: the browser"
					    " sign-in cannot work", o->cfg.issuer);
				rc = HPCNET_EUNAVAIL;
			}
		}
	}
	if (rc == 0) {
		*authorize = hpcnet_xstrdup(o->authorize_uri);
		*token = hpcnet_xstrdup(o->token_uri);
	}
	pthread_mutex_unlock(&o->lock);
	return rc;
}

/* The key for kid, refetching the JWKS once when the cache lacks it. */
static int key_get(struct hpcnet_oidc *o, const char *kid, json_t **jwk)
{
	int rc = 0;

	pthread_mutex_lock(&o->lock);
	*jwk = o->keys ? key_find(o, kid) : NULL;
	if (!*jwk) {
		rc = jwks_refresh(o);
		if (rc == 0)
			*jwk = key_find(o, kid);
	}
	pthread_mutex_unlock(&o->lock);
	return *jwk ? 0 : rc < 0 ? rc : HPCNET_ENOTFOUND;
}

static int aud_ok(json_t *aud, const char *want)
{
	json_t *a;
	size_t i;

	if (json_is_string(aud))
		return strcmp(json_string_value(aud), want) == 0;
	json_array_foreach(aud, i, a)
		if (json_is_string(a) && strcmp(json_string_value(a), want) == 0)
			return 1;
	return 0;
}

/* The authorized party (OpenID Connect Core 3.1.3.7): a token naming
 * several audiences must say which one it was issued to, and that party,
 * when named, must be this hub; else a token issued to another client that
 * merely lists this hub among its audiences would sign in here. */
static int azp_ok(const struct hpcnet_oidc_cfg *cfg, json_t *c)
{
	json_t *aud = json_object_get(c, "aud");
	const char *azp = json_string_value(json_object_get(c, "azp"));

	if (!azp)
		return !json_is_array(aud) || json_array_size(aud) <= 1;
	return strcmp(azp, cfg->audience) == 0 ||
	       (cfg->client_id && strcmp(azp, cfg->client_id) == 0);
}

/* iss, aud, azp, exp, nbf, iat, sub. 0 or HPCNET_EAUTH with why. */
static int claims_ok(const struct hpcnet_oidc_cfg *cfg, json_t *c, int64_t now, char *why,
		     size_t len)
{
	const char *iss = json_string_value(json_object_get(c, "iss"));
	json_t *exp = json_object_get(c, "exp"), *nbf = json_object_get(c, "nbf");
	json_t *iat = json_object_get(c, "iat");
	const char *sub = json_string_value(json_object_get(c, "sub"));

	if (!iss || strcmp(iss, cfg->issuer) != 0)
		snprintf(why, len, "the ID token was issued by '%s', not by this hub's provider",
			 iss ? iss : "(none)");
	else if (!aud_ok(json_object_get(c, "aud"), cfg->audience) &&
		 !aud_ok(json_object_get(c, "aud"), cfg->client_id))
		snprintf(why, len, "the ID token is not meant for this hub (aud)");
	else if (!azp_ok(cfg, c))
		snprintf(why, len, "the ID token was issued to another client (azp), or names several"
			 " audiences without saying which party it was issued to");
	else if (!json_is_number(exp))
		snprintf(why, len, "the ID token has no expiry (exp)");
	else if (json_number_value(exp) + (double)cfg->leeway_s <= (double)now)
		snprintf(why, len, "the ID token has expired: sign in at your provider again");
	else if (nbf && (!json_is_number(nbf) || json_number_value(nbf) - (double)cfg->leeway_s > (double)now))
		snprintf(why, len, "the ID token is not valid yet (nbf)");
	else if (!json_is_number(iat) || json_number_value(iat) - (double)cfg->leeway_s > (double)now)
		snprintf(why, len, "the ID token's issue time (iat) is missing or in the future");
	else if (!sub || !*sub || strlen(sub) > 255)
		snprintf(why, len, "the ID token names no subject (sub)");
	else
		return 0;
	return HPCNET_EAUTH;
}

/* The "alg" of the token's header, read before cjose parses it so that a
 * token cjose would refuse anyway ("none") is told apart and named. */
static char *header_alg(const char *token)
{
	const char *dot = strchr(token, '.');
	uint8_t *raw = NULL;
	size_t n = 0;
	cjose_err err;
	json_t *h;
	char *alg = NULL;

	if (!dot || !cjose_base64url_decode(token, (size_t)(dot - token), &raw, &n, &err))
		return NULL;
	h = json_loadb((const char *)raw, n, 0, NULL);
	if (json_is_string(json_object_get(h, "alg")))
		alg = hpcnet_xstrdup(json_string_value(json_object_get(h, "alg")));
	json_decref(h);
	cjose_get_dealloc()(raw);
	return alg;
}

int hpcnet_oidc_verify(struct hpcnet_oidc *o, const char *token, int64_t now_s, json_t **claims,
		       char *why, size_t whylen)
{
	cjose_err err = { 0 };
	cjose_jws_t *jws = NULL;
	cjose_jwk_t *key = NULL;
	cjose_header_t *hdr;
	json_t *jwk = NULL;
	const char *alg, *kid, *kty;
	uint8_t *plain = NULL;
	size_t plain_len = 0;
	char *jwk_text = NULL, *first_alg = NULL;
	int rc = HPCNET_EAUTH;

	*claims = NULL;
	snprintf(why, whylen, "the ID token is malformed");
	if (strlen(token) > MAX_TOKEN)
		goto out;
	first_alg = header_alg(token);
	if (first_alg && strcmp(first_alg, "RS256") != 0 && strcmp(first_alg, "ES256") != 0) {
		snprintf(why, whylen, "the ID token is signed with '%.16s': only RS256 and ES256 are"
			 " accepted", first_alg);
		goto out;
	}
	jws = cjose_jws_import(token, strlen(token), &err);
	if (!jws)
		goto out;
	hdr = cjose_jws_get_protected(jws);
	alg = hdr ? cjose_header_get(hdr, "alg", &err) : NULL;
	kid = hdr ? cjose_header_get(hdr, "kid", &err) : NULL;
	/* Only what this hub means to accept: never "none", never an HMAC
	 * whose secret would be the provider's public key. */
	if (!alg || (strcmp(alg, "RS256") != 0 && strcmp(alg, "ES256") != 0)) {
		snprintf(why, whylen, "the ID token is signed with '%s': only RS256 and ES256 are"
			 " accepted", alg ? alg : "(none)");
		goto out;
	}
	rc = key_get(o, kid, &jwk);
	if (rc == HPCNET_ENOTFOUND) {
		snprintf(why, whylen, "the ID token's key id '%s' is not among the provider's keys",
			 kid ? kid : "(none)");
		rc = HPCNET_EAUTH;
		goto out;
	}
	if (rc < 0) {
		snprintf(why, whylen, "the identity provider's keys cannot be fetched now; retry shortly");
		goto out;
	}
	rc = HPCNET_EAUTH;
	kty = json_string_value(json_object_get(jwk, "kty"));
	if (!kty || strcmp(kty, alg[0] == 'R' ? "RSA" : "EC") != 0) {
		snprintf(why, whylen, "the ID token's algorithm %s does not fit its key", alg);
		goto out;
	}
	jwk_text = json_dumps(jwk, JSON_COMPACT);
	key = jwk_text ? cjose_jwk_import(jwk_text, strlen(jwk_text), &err) : NULL;
	if (!key) {
		snprintf(why, whylen, "the provider's key '%s' cannot be used", kid ? kid : "");
		goto out;
	}
	if (!cjose_jws_verify(jws, key, &err)) {
		snprintf(why, whylen, "the ID token's signature is not valid");
		goto out;
	}
	if (!cjose_jws_get_plaintext(jws, &plain, &plain_len, &err))
		goto out;
	*claims = json_loadb((const char *)plain, plain_len, 0, NULL);
	if (!json_is_object(*claims)) {
		snprintf(why, whylen, "the ID token's claims are not a JSON object");
		goto out;
	}
	rc = claims_ok(&o->cfg, *claims, now_s, why, whylen);
out:
	if (rc < 0) {
		json_decref(*claims);
		*claims = NULL;
	}
	if (key)
		cjose_jwk_release(key);
	if (jws)
		cjose_jws_release(jws);
	free(jwk_text);
	free(first_alg);
	json_decref(jwk);
	return rc;
}
