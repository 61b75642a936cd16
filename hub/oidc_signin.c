/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OpenID Connect claims -> hpcnet user (see oidc.h). A user is found by
 * (iss, sub), never by name or e-mail, which a provider may reassign. A
 * new one is made on first sign-in only when the hub allows it
 * (--oidc-create-users), named after preferred_username (or the e-mail's
 * local part) made into a valid hpcnet name, with a suffix from the
 * subject when that name is taken; it has no usable password. The org
 * claim (--oidc-org-claim, a string or a list) adds the user to the orgs
 * it names that exist here, as a member; it never removes nor demotes,
 * so an org admin's choices are not undone by the next sign-in.
 */
#include <ctype.h>
#include <string.h>

#include "common/clock.h"
#include "common/crypto.h"
#include "common/id.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "hpcnet/error.h"
#include "hub/http.h"
#include "hub/oidc.h"
#include "hub/store/store.h"

/* An unusable password hash: no password verifies against it. */
#define NO_PASSWORD "!oidc"

/* A valid user name from a claim: lower case, [a-z0-9._-], 1-40 chars. */
static void name_from(const char *claim, char *out, size_t len)
{
	size_t n = 0;

	for (; claim && *claim && *claim != '@' && n + 1 < len && n < 40; claim++) {
		char ch = (char)tolower((unsigned char)*claim);

		if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
		    ch == '-')
			out[n++] = ch;
	}
	out[n] = '\0';
	if (n == 0 || !isalnum((unsigned char)out[0]))
		snprintf(out, len, "oidc");
}

struct link_write {
	const char *issuer, *subject, *name, *suffix;
	char id[HPCNET_ID_LEN];
	json_t *orgs; /* org names from the claim (borrowed) */
	int created;
};

static int join_orgs(struct hpcnet_db *db, const char *user_id, json_t *orgs)
{
	char role[16];
	json_t *v, *org = NULL;
	size_t i;
	int rc = 0;

	json_array_foreach(orgs, i, v) {
		if (!json_is_string(v) || hpcnet_store_org_get(db, json_string_value(v), &org) < 0)
			continue; /* groups of the provider that are not orgs here */
		rc = hpcnet_store_org_role(db, json_string_value(json_object_get(org, "id")), user_id, role,
					   sizeof(role));
		if (rc == 0)
			rc = hpcnet_store_org_member_set(db, json_string_value(json_object_get(org, "id")),
							 user_id, "member");
		json_decref(org);
		org = NULL;
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Finds or creates the user of (issuer, subject) and joins the orgs. */
static int link_fn(struct hpcnet_db *db, void *arg)
{
	struct link_write *w = arg;
	char name[64];
	json_t *u = NULL;
	int rc = hpcnet_store_oidc_user(db, w->issuer, w->subject, &u);

	if (rc < 0)
		return rc;
	if (rc == 1) {
		snprintf(w->id, sizeof(w->id), "%s", json_string_value(json_object_get(u, "id")));
		json_decref(u);
		return join_orgs(db, w->id, w->orgs);
	}
	if (!w->name)
		return HPCNET_ENOTFOUND; /* creating users is not allowed */
	hpcnet_id_new("usr", w->id);
	snprintf(name, sizeof(name), "%s", w->name);
	rc = hpcnet_store_user_create(db, w->id, name, NO_PASSWORD, "user");
	if (rc == HPCNET_EEXIST) {
		snprintf(name, sizeof(name), "%s-%s", w->name, w->suffix);
		rc = hpcnet_store_user_create(db, w->id, name, NO_PASSWORD, "user");
	}
	if (rc == 0)
		rc = hpcnet_store_oidc_link(db, w->issuer, w->subject, w->id);
	if (rc == 0)
		w->created = 1;
	return rc < 0 ? rc : join_orgs(db, w->id, w->orgs);
}

int hpcnet_oidc_user(struct hpcnet_req *r, const char *id_token, const char *nonce,
		     json_t **user, char *why, size_t whylen)
{
	struct hpcnet_oidc *o = r->hub->oidc;
	const struct hpcnet_oidc_cfg *cfg = hpcnet_oidc_cfg(o);
	char name[48], hash[HPCNET_SHA256_HEX_LEN], suffix[8];
	struct link_write w = { 0 };
	json_t *claims = NULL, *orgs = NULL, *oc;
	const char *pref, *said;
	int rc;

	*user = NULL;
	hpcnet_req_db_release(r); /* the JWKS fetch may take a while */
	rc = hpcnet_oidc_verify(o, id_token, hpcnet_now_ms() / 1000, &claims, why, whylen);
	if (rc < 0)
		return rc;
	/* The browser sign-in's nonce: an ID token made for another sign-in
	 * (replayed, or injected into this browser's callback) is refused. */
	said = json_string_value(json_object_get(claims, "nonce"));
	if (nonce && (!said || strlen(said) != strlen(nonce) || !hpcnet_crypto_streq(said, nonce))) {
		snprintf(why, whylen, "the ID token was not made for this sign-in (nonce)");
		rc = HPCNET_EAUTH;
		goto out;
	}
	w.issuer = json_string_value(json_object_get(claims, "iss"));
	w.subject = json_string_value(json_object_get(claims, "sub"));
	if (cfg->create_users) {
		pref = json_string_value(json_object_get(claims, "preferred_username"));
		if (!pref)
			pref = json_string_value(json_object_get(claims, "email"));
		name_from(pref, name, sizeof(name));
		w.name = name;
	}
	snprintf(hash, sizeof(hash), "%s|%s", w.issuer, w.subject);
	hpcnet_crypto_sha256_hex(hash, strlen(hash), hash);
	snprintf(suffix, sizeof(suffix), "%.6s", hash);
	w.suffix = suffix;
	oc = cfg->org_claim ? json_object_get(claims, cfg->org_claim) : NULL;
	orgs = json_is_array(oc) ? json_incref(oc) : json_is_string(oc) ? json_pack("[O]", oc)
									   : json_array();
	w.orgs = orgs;
	/* A step before the call's change (the token or session it hands
	 * out): the call's audit row goes in with that. */
	r->audit_later = 1;
	rc = hpcnet_req_write(r, link_fn, &w);
	r->audit_later = 0;
	if (rc == HPCNET_ENOTFOUND) {
		snprintf(why, whylen, "no hpcnet account is linked to this identity and this hub does"
				      " not create accounts on first sign-in: ask an administrator");
		goto out;
	}
	if (rc == 0)
		rc = hpcnet_store_user_by_id(hpcnet_req_db(r), w.id, user);
	if (rc < 0) {
		snprintf(why, whylen, "%s", hpcnet_strerror(rc));
		goto out;
	}
	if (json_integer_value(json_object_get(*user, "disabled"))) {
		json_decref(*user);
		*user = NULL;
		snprintf(why, whylen, "this account is disabled: contact your administrator");
		rc = HPCNET_EPERM;
		goto out;
	}
	if (w.created)
		hpcnet_info("oidc: created user %s for %s at %s", w.id, w.subject, w.issuer);
out:
	json_decref(orgs);
	json_decref(claims);
	return rc;
}

int hpcnet_oidc_signin(struct hpcnet_req *r, const char *id_token, json_t **user)
{
	char why[256];
	int rc;

	*user = NULL;
	if (!r->hub->oidc) {
		hpcnet_reply_problem(r, 422, "this hub has no OpenID Connect provider configured: sign in"
					     " with a user name and password");
		return HPCNET_EINVAL;
	}
	rc = hpcnet_oidc_user(r, id_token, NULL, user, why, sizeof(why));
	switch (rc) {
	case 0:
		return 0;
	case HPCNET_EAUTH:
		hpcnet_info("oidc sign-in refused: %s", why);
		hpcnet_reply_problem(r, 401, "%s", why);
		break;
	case HPCNET_EPERM: /* a disabled account is a refused sign-in, as with passwords */
		hpcnet_reply_problem(r, 401, "%s", why);
		break;
	case HPCNET_ENOTFOUND:
		hpcnet_reply_problem(r, 403, "%s", why);
		break;
	case HPCNET_EUNAVAIL:
		hpcnet_reply_header(r, "Retry-After", "5");
		hpcnet_reply_problem(r, 503, "%s", why);
		break;
	default:
		hpcnet_reply_error(r, rc);
	}
	return rc;
}
