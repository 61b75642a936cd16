/* SPDX-License-Identifier: Apache-2.0 */
/* Names for the error codes of include/hpcnet/error.h and for -errno. */
#include <string.h>

#include "hpcnet/error.h"

const char *hpcnet_strerror(int err)
{
	switch (err) {
	case 0: return "success";
	case HPCNET_EINVAL: return "invalid input";
	case HPCNET_ENOTFOUND: return "not found";
	case HPCNET_EEXIST: return "already exists";
	case HPCNET_ECONFLICT: return "conflicts with the current state";
	case HPCNET_EAUTH: return "missing or invalid credentials";
	case HPCNET_EPERM: return "permission denied";
	case HPCNET_ESTORE: return "database error";
	case HPCNET_ETOOBIG: return "too large";
	case HPCNET_EPROTO: return "unexpected answer from peer";
	case HPCNET_EUNAVAIL: return "service unavailable";
	case HPCNET_ETIMEOUT: return "timed out";
	case HPCNET_ENOFIT: return "no center can run this job";
	case HPCNET_EFUNDS: return "insufficient funds";
	case HPCNET_EQUOTA: return "quota exceeded";
	}
	if (err < 0 && err > -4096)
		return strerror(-err);
	return "unknown error";
}
