/* SPDX-License-Identifier: Apache-2.0 */
/* Naming an account's owner in the API (accounts.c; used by quotas too). */
#ifndef HPCNET_HUB_ACCOUNTS_H
#define HPCNET_HUB_ACCOUNTS_H

#include "common/id.h"

struct hpcnet_req;

struct hpcnet_owner {
	const char *kind;             /* user, center, org, merchant, platform, external */
	char id[HPCNET_ID_LEN + 64];
	char name[128];
};

/* "acc_...", "user:NAME", "org:NAME", "center:NAME", "platform" or "external" -> owner.
 * 0, or a 404 has been queued and <0 returned. */
int hpcnet_accounts_resolve(struct hpcnet_req *r, const char *spec, struct hpcnet_owner *o);

#endif
