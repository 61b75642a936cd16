/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The portal's static files (web/), embedded in the binary at build time so
 * an installed hub needs no data directory and fetches nothing at run time.
 * The portal talks to the hub only through the public /api/v1.
 *
 * Browsers revalidate every file (no-cache) and get 304 when its ETag (a
 * hash of the content, fixed at build time) still matches: a new hub
 * binary is seen at once, an unchanged one costs no bytes. The
 * Content-Security-Policy allows only this origin's own scripts, styles
 * and API: no inline script, no eval, nothing from elsewhere, no framing.
 */
#include <string.h>

#include "hub/http.h"
#include "hub/static.h"

#define CSP                                                                                   \
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"      \
	" connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

int hpcnet_static_serve(struct hpcnet_req *r)
{
	const char *path = strcmp(r->path, "/") == 0 ? "/index.html" : r->path;
	const struct hpcnet_web_file *f;
	const char *inm;

	for (f = hpcnet_web_files; f->path; f++) {
		if (strcmp(f->path, path) != 0)
			continue;
		inm = hpcnet_req_header(r, "If-None-Match");
		if (inm && strcmp(inm, f->etag) == 0)
			hpcnet_reply_raw(r, 304, f->ctype, "", 0);
		else
			hpcnet_reply_raw(r, 200, f->ctype, f->data, f->len);
		hpcnet_reply_header(r, "ETag", f->etag);
		hpcnet_reply_header(r, "Cache-Control", "no-cache");
		hpcnet_reply_header(r, "Content-Security-Policy", CSP);
		hpcnet_reply_header(r, "Referrer-Policy", "no-referrer");
		hpcnet_reply_header(r, "X-Frame-Options", "DENY");
		return 1;
	}
	return 0;
}
