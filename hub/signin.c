/* SPDX-License-Identifier: Apache-2.0 */
/*
 * User name + password -> user, for tokens.c and sessions.c alike. Wrong
 * user and wrong password get the same answer and take the same time (a
 * dummy hash is verified for unknown users), so sign-in does not reveal
 * which user names exist.
 */
#include <pthread.h>

#include "common/crypto.h"
#include "common/log.h"
#include "hpcnet/error.h"
#include "hub/http.h"
#include "hub/signin.h"
#include "hub/store/store.h"

/* Process-wide dummy hash, computed once on first use. */
static char dummy_hash[HPCNET_PWHASH_LEN];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void dummy_init(void)
{
	char pw[64];

	hpcnet_crypto_token("", pw, sizeof(pw));
	if (hpcnet_crypto_password_hash(pw, dummy_hash) < 0)
		dummy_hash[0] = '\0';
}

int hpcnet_signin_password(struct hpcnet_req *r, json_t *body, json_t **user)
{
	const char *name = json_string_value(json_object_get(body, "username"));
	const char *pw = json_string_value(json_object_get(body, "password"));
	const char *stored;
	int ok, rc;

	*user = NULL;
	rc = hpcnet_store_user_by_name(hpcnet_req_db(r), name, user);
	if (rc < 0 && rc != HPCNET_ENOTFOUND) {
		hpcnet_reply_error(r, rc);
		return rc;
	}
	/* The hash check takes ~0.1 s and 64 MiB: never hold a connection. */
	hpcnet_req_db_release(r);
	pthread_once(&dummy_once, dummy_init);
	stored = *user ? json_string_value(json_object_get(*user, "password_hash")) : dummy_hash;
	ok = hpcnet_crypto_password_verify(stored, pw) && *user &&
	     !json_integer_value(json_object_get(*user, "disabled"));
	if (ok)
		return 0;
	hpcnet_info("sign-in failed for '%s'", name);
	json_decref(*user);
	*user = NULL;
	hpcnet_reply_problem(r, 401, "wrong user name or password");
	return HPCNET_EAUTH;
}
