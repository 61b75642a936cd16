/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Self-service accounts: POST /api/v1/signup under the hub's policy
 * (--signup open | invite | closed) and the invites org admins hand out
 * (POST /api/v1/orgs/{id}/invites). An invite is a one-time code (only
 * its SHA-256 is stored) that also makes the new user a member of the
 * org; under "open" it is optional, under "invite" required. Org admins
 * list their org's invites (never the codes) and revoke open ones.
 */
#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "common/crypto.h"
#include "common/id.h"
#include "hpcnet/error.h"
#include "hub/handlers.h"
#include "hub/http.h"
#include "hub/store/store.h"
#include "hub/validate.h"
#include "hub/view.h"

#define DAY_S (24 * 3600)

static const struct hpcnet_field signup_fields[] = {
	{ .name = "name", .type = HPCNET_F_STRING, .required = 1, .min = 1, .max = 63 },
	{ .name = "password", .type = HPCNET_F_STRING, .required = 1, .min = 8, .max = 1024 },
	{ .name = "invite", .type = HPCNET_F_STRING, .min = 1, .max = 128 },
	{ 0 },
};

static const struct hpcnet_field invite_fields[] = {
	{ .name = "role", .type = HPCNET_F_STRING },
	{ .name = "expires_in", .type = HPCNET_F_INT, .min = 60, .max = 90 * DAY_S },
	{ 0 },
};

struct signup_write {
	const char *id, *name, *pwhash, *invite_hash;
	int bad_invite;
};

static int signup_fn(struct hpcnet_db *db, void *arg)
{
	struct signup_write *w = arg;
	json_t *inv = NULL;
	int rc = hpcnet_store_user_create(db, w->id, w->name, w->pwhash, "user");

	if (rc < 0 || !w->invite_hash)
		return rc;
	rc = hpcnet_store_invite_use(db, w->invite_hash, w->id, hpcnet_now_ms(), &inv);
	if (rc == 0) {
		w->bad_invite = 1;
		return HPCNET_EINVAL; /* undoes the user too */
	}
	if (rc > 0 && !json_is_null(json_object_get(inv, "org_id")))
		rc = hpcnet_store_org_member_set(db, json_string_value(json_object_get(inv, "org_id")),
						 w->id, json_string_value(json_object_get(inv, "org_role")));
	json_decref(inv);
	return rc < 0 ? rc : 0;
}

int hpcnet_h_signup(struct hpcnet_req *r)
{
	char id[HPCNET_ID_LEN], pwhash[HPCNET_PWHASH_LEN], ihash[HPCNET_SHA256_HEX_LEN];
	json_t *body = NULL, *errors, *u = NULL;
	struct signup_write w = { 0 };
	const char *invite;
	int rc;

	if (r->hub->signup == HPCNET_SIGNUP_CLOSED)
		return hpcnet_reply_problem(r, 403, "sign-up is closed on this hub: ask an administrator"
					    " for an account");
	if (hpcnet_req_json(r, &body) < 0)
		return 0;
	errors = hpcnet_validate(body, signup_fields);
	w.name = json_string_value(json_object_get(body, "name"));
	if (w.name && !hpcnet_validate_name(w.name))
		hpcnet_validate_add(&errors, "name", "must be 1-63 characters of a-z, 0-9, '-', '_', '.'");
	invite = json_string_value(json_object_get(body, "invite"));
	if (!invite && r->hub->signup == HPCNET_SIGNUP_INVITE)
		hpcnet_validate_add(&errors, "invite", "is required: this hub signs up by invitation only");
	if (errors) {
		hpcnet_reply_invalid(r, errors);
		goto out;
	}
	if (hpcnet_crypto_password_hash(json_string_value(json_object_get(body, "password")),
					pwhash) < 0) {
		hpcnet_reply_error(r, HPCNET_ESTORE);
		goto out;
	}
	if (invite) {
		hpcnet_crypto_sha256_hex(invite, strlen(invite), ihash);
		w.invite_hash = ihash;
	}
	hpcnet_id_new("usr", id);
	w.id = id;
	w.pwhash = pwhash;
	r->audit_status = 201;
	snprintf(r->audit_object, sizeof(r->audit_object), "%s", id);
	rc = hpcnet_req_write(r, signup_fn, &w);
	if (w.bad_invite) {
		hpcnet_reply_problem(r, 403, "this invite code is unknown, used or expired: ask your"
					     " organization's admin for a new one");
		goto out;
	}
	if (rc == HPCNET_EEXIST) {
		hpcnet_reply_problem(r, 409, "the user name '%s' is taken: pick another", w.name);
		goto out;
	}
	if (rc == 0)
		rc = hpcnet_store_user_by_id(hpcnet_req_db(r), id, &u);
	if (rc < 0) {
		hpcnet_reply_error(r, rc);
		goto out;
	}
	snprintf(r->audit_object, sizeof(r->audit_object), "%s", id);
	hpcnet_reply_json(r, 201, hpcnet_view_user(u));
out:
	json_decref(u);
	json_decref(body);
	return 0;
}

struct invite_write {
	const char *id, *hash, *org_id, *role, *by;
	int64_t expires_at;
};

static int invite_fn(struct hpcnet_db *db, void *arg)
{
	struct invite_write *w = arg;

	return hpcnet_store_invite_create(db, w->id, w->hash, w->org_id, w->role, w->by,
					  w->expires_at);
}

int hpcnet_h_invites_create(struct hpcnet_req *r)
{
	char secret[64], hash[HPCNET_SHA256_HEX_LEN], id[HPCNET_ID_LEN];
	json_t *org = NULL, *body = NULL, *errors;
	struct invite_write w;
	const char *role;
	int64_t ttl, now = hpcnet_now_ms();
	int rc;

	if (hpcnet_orgs_load(r, r->params[0], "invites.create", &org) < 0)
		return 0;
	if (r->body.len == 0)
		body = json_object();
	else if (hpcnet_req_json(r, &body) < 0)
		goto out;
	errors = hpcnet_validate(body, invite_fields);
	role = json_string_value(json_object_get(body, "role"));
	if (!role)
		role = "member";
	if (strcmp(role, "member") && strcmp(role, "admin"))
		hpcnet_validate_add(&errors, "role", "must be \"member\" or \"admin\"");
	if (errors) {
		hpcnet_reply_invalid(r, errors);
		goto out;
	}
	ttl = json_is_integer(json_object_get(body, "expires_in"))
		      ? json_integer_value(json_object_get(body, "expires_in")) : 7 * DAY_S;
	hpcnet_crypto_token("hpci_", secret, sizeof(secret));
	hpcnet_crypto_sha256_hex(secret, strlen(secret), hash);
	hpcnet_id_new("inv", id);
	w = (struct invite_write){ .id = id, .hash = hash, .role = role, .by = r->user_id,
				   .org_id = json_string_value(json_object_get(org, "id")),
				   .expires_at = now + ttl * 1000 };
	r->audit_status = 201;
	snprintf(r->audit_object, sizeof(r->audit_object), "%s", id);
	rc = hpcnet_req_write(r, invite_fn, &w);
	if (rc < 0) {
		hpcnet_reply_error(r, rc);
		goto out;
	}
	hpcnet_reply_json(r, 201, json_pack("{s:s, s:s, s:O, s:s, s:o}", "id", id, "code", secret,
					    "org", json_object_get(org, "name"), "role", role,
					    "expires_at", hpcnet_view_time_ms(now + ttl * 1000)));
out:
	json_decref(body);
	json_decref(org);
	return 0;
}

int hpcnet_h_invites_list(struct hpcnet_req *r)
{
	return hpcnet_orgs_reply_list(r, "orgs.manage", hpcnet_store_invite_list);
}

struct revoke_write {
	const char *org_id, *id;
};

static int revoke_fn(struct hpcnet_db *db, void *arg)
{
	struct revoke_write *w = arg;

	return hpcnet_store_invite_revoke(db, w->org_id, w->id, hpcnet_now_ms());
}

int hpcnet_h_invites_revoke(struct hpcnet_req *r)
{
	json_t *org = NULL;
	struct revoke_write w = { .id = r->params[1] };
	int rc;

	if (hpcnet_orgs_load(r, r->params[0], "orgs.manage", &org) < 0)
		return 0;
	w.org_id = json_string_value(json_object_get(org, "id"));
	r->audit_status = 204;
	snprintf(r->audit_object, sizeof(r->audit_object), "%s", w.id);
	rc = hpcnet_req_write(r, revoke_fn, &w);
	if (rc == HPCNET_ENOTFOUND)
		hpcnet_reply_problem(r, 404, "no invite '%s' of this organization (see GET"
				     " /api/v1/orgs/%s/invites)", w.id, r->params[0]);
	else if (rc == HPCNET_ECONFLICT)
		hpcnet_reply_problem(r, 409, "invite '%s' was used or has expired: there is nothing"
				     " to revoke", w.id);
	else if (rc < 0)
		hpcnet_reply_error(r, rc);
	else
		hpcnet_reply_raw(r, 204, "application/json", "", 0);
	json_decref(org);
	return 0;
}
