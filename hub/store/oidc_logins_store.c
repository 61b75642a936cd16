/* SPDX-License-Identifier: Apache-2.0 */
/* SQL for OpenID Connect sign-ins under way (see migrations/013_oidc_logins.sql). */
#include "hpcnet/error.h"
#include "hub/store/store.h"

int hpcnet_store_oidc_login_put(struct hpcnet_db *db, const struct hpcnet_oidc_login *l,
				int64_t now, int64_t max_pending)
{
	int64_t n = 0;
	int rc;

	/* Starting a sign-in is the moment to sweep those nobody finished. */
	rc = hpcnet_db_exec(db, "DELETE FROM oidc_logins WHERE expires_at < ?", "i", now);
	if (rc >= 0)
		rc = hpcnet_db_get_int(db, &n, "SELECT COUNT(*) FROM oidc_logins", NULL);
	if (rc < 0)
		return rc;
	if (n >= max_pending)
		return HPCNET_EQUOTA;
	rc = hpcnet_db_exec(db, "INSERT INTO oidc_logins (state_hash, browser_hash, nonce,"
				" code_verifier, return_to, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
			    "ttttti", l->state_hash, l->browser_hash, l->nonce, l->code_verifier,
			    l->return_to, l->expires_at);
	return rc < 0 ? rc : 0;
}

int hpcnet_store_oidc_login_take(struct hpcnet_db *db, const char *state_hash, json_t **out)
{
	int rc = hpcnet_db_get_json(db, out, "SELECT browser_hash, nonce, code_verifier, return_to,"
					     " expires_at FROM oidc_logins WHERE state_hash = ?",
				    "t", state_hash);

	if (rc <= 0)
		return rc == 0 ? HPCNET_ENOTFOUND : rc;
	rc = hpcnet_db_exec(db, "DELETE FROM oidc_logins WHERE state_hash = ?", "t", state_hash);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
		return rc;
	}
	return 0;
}
