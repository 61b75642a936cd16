/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One error space for the whole tree. Functions return 0 on success and a
 * negative code on failure: either -errno (from the OS) or one of the
 * HPCNET_E* codes below, which sit far below any errno value so the two
 * never collide (libuv's convention). hpcnet_strerror() names either kind.
 */
#ifndef HPCNET_ERROR_H
#define HPCNET_ERROR_H

enum hpcnet_error {
	HPCNET_EINVAL = -10001,  /* input failed validation */
	HPCNET_ENOTFOUND = -10002,
	HPCNET_EEXIST = -10003,
	HPCNET_ECONFLICT = -10004, /* state does not allow this */
	HPCNET_EAUTH = -10005,   /* no or bad credentials */
	HPCNET_EPERM = -10006,   /* authenticated but not allowed */
	HPCNET_ESTORE = -10007,  /* database failure */
	HPCNET_ETOOBIG = -10008,
	HPCNET_EPROTO = -10009,  /* a peer answered something we cannot parse */
	HPCNET_EUNAVAIL = -10010, /* peer down or not reachable */
	HPCNET_ETIMEOUT = -10011,
	HPCNET_ENOFIT = -10012,  /* no center could ever run this job */
	HPCNET_EFUNDS = -10013,  /* balance + credit do not cover the hold */
	HPCNET_EQUOTA = -10014,  /* a quota would be exceeded */
};

/* Returns a static, human-readable name for any code this tree returns. */
const char *hpcnet_strerror(int err);

#endif
