/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /api/v1/tokens: sign-in (user + password -> bearer token, checked by
 * signin.c; or an OpenID Connect ID token, oidc_signin.c), list, revoke.
 */
#include <string.h>

#include "common/clock.h"
#include "common/crypto.h"
#include "hpcnet/error.h"
#include "hub/audit.h"
#include "hub/handlers.h"
#include "hub/http.h"
#include "hub/oidc.h"
#include "hub/signin.h"
#include "hub/store/store.h"
#include "hub/validate.h"
#include "hub/view.h"

#define DAY_S (24 * 3600)

/* Either username + password or an OpenID Connect id_token. */
static const struct hpcnet_field token_fields[] = {
	{ .name = "username", .type = HPCNET_F_STRING, .min = 1, .max = 128 },
	{ .name = "password", .type = HPCNET_F_STRING, .min = 1, .max = 1024 },
	{ .name = "id_token", .type = HPCNET_F_STRING, .min = 1, .max = 16384 },
	{ .name = "name", .type = HPCNET_F_STRING, .min = 0, .max = 128 },
	{ .name = "expires_in", .type = HPCNET_F_INT, .min = 60, .max = 365 * DAY_S },
	{ 0 },
};

struct token_write {
	const char *id, *hash, *user_id, *name;
	int64_t expires_at;
};

static int token_create_fn(struct hpcnet_db *db, void *arg)
{
	struct token_write *w = arg;

	return hpcnet_store_token_create(db, w->id, w->hash, w->user_id, w->name, w->expires_at);
}

/* The store's 1 revoked / 0 none as a write's 0 changed / 1 nothing. */
static int token_revoke_fn(struct hpcnet_db *db, void *arg)
{
	struct hpcnet_req *r = arg;
	int rc = hpcnet_store_token_revoke(db, r->user_id, r->params[0]);

	return rc < 0 ? rc : !rc;
}

int hpcnet_h_tokens_create(struct hpcnet_req *r)
{
	struct token_write w;
	char secret[64], hash[HPCNET_SHA256_HEX_LEN], id[HPCNET_ID_LEN];
	json_t *body = NULL, *errors, *user = NULL, *out;
	const char *id_token;
	int64_t ttl, now = hpcnet_now_ms();
	int rc;

	if (hpcnet_req_json(r, &body) < 0)
		return 0;
	errors = hpcnet_validate(body, token_fields);
	id_token = json_string_value(json_object_get(body, "id_token"));
	if (id_token && (json_object_get(body, "username") || json_object_get(body, "password")))
		hpcnet_validate_add(&errors, "id_token", "give either an id_token or a username and"
				    " password, not both");
	else if (!id_token && !json_object_get(body, "username"))
		hpcnet_validate_add(&errors, "username", "is required (or sign in with an id_token)");
	else if (!id_token && !json_object_get(body, "password"))
		hpcnet_validate_add(&errors, "password", "is required");
	if (errors) {
		hpcnet_reply_invalid(r, errors);
		goto out;
	}
	if (id_token ? hpcnet_oidc_signin(r, id_token, &user) < 0
		     : hpcnet_signin_password(r, body, &user) < 0)
		goto out;
	ttl = json_is_integer(json_object_get(body, "expires_in"))
		      ? json_integer_value(json_object_get(body, "expires_in"))
		      : 30 * DAY_S;
	hpcnet_crypto_token("hpcn_", secret, sizeof(secret));
	hpcnet_crypto_sha256_hex(secret, strlen(secret), hash);
	hpcnet_id_new("tok", id);
	w = (struct token_write){ .id = id, .hash = hash, .expires_at = now + ttl * 1000,
				  .user_id = json_string_value(json_object_get(user, "id")),
				  .name = json_string_value(json_object_get(body, "name"))
						  ? json_string_value(json_object_get(body, "name"))
						  : "cli" };
	hpcnet_audit_signin(r, id, user);
	rc = hpcnet_req_write(r, token_create_fn, &w);
	if (rc < 0) {
		hpcnet_reply_error(r, rc);
		goto out;
	}
	out = json_pack("{s:s, s:s, s:o, s:o}", "id", id, "token", secret, "expires_at",
			hpcnet_view_time_ms(now + ttl * 1000), "user", hpcnet_view_user(user));
	hpcnet_reply_json(r, 201, out);
out:
	json_decref(user);
	json_decref(body);
	return 0;
}

int hpcnet_h_tokens_list(struct hpcnet_req *r)
{
	json_t *rows = NULL, *items = json_array(), *row;
	size_t i;
	int rc = hpcnet_store_token_list(hpcnet_req_db(r), r->user_id, &rows);

	if (rc < 0) {
		json_decref(items);
		return hpcnet_reply_error(r, rc);
	}
	json_array_foreach(rows, i, row)
		json_array_append_new(items, hpcnet_view_token(row));
	json_decref(rows);
	return hpcnet_reply_json(r, 200, json_pack("{s:o}", "items", items));
}

int hpcnet_h_tokens_revoke(struct hpcnet_req *r)
{
	int rc;

	/* "tokens.revoke" is OWN only: the store revokes the caller's own
	 * token or nothing, and both other cases answer the same 404. */
	r->perm_checked = 1;
	if (!hpcnet_id_valid("tok", r->params[0]))
		return hpcnet_reply_problem(r, 404, "no such token: '%s'", r->params[0]);
	r->audit_status = 204;
	rc = hpcnet_req_write(r, token_revoke_fn, r);
	if (rc < 0)
		return hpcnet_reply_error(r, rc);
	if (rc == 1)
		return hpcnet_reply_problem(r, 404, "no such token of yours: '%s'", r->params[0]);
	return hpcnet_reply_raw(r, 204, "application/json", "", 0);
}
