/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The portal's static files (web/), embedded in the binary at build time so
 * an installed hub needs no data directory and fetches nothing at run time.
 * The portal talks to the hub only through the public /api/v1.
 */
#include <string.h>

#include "hub/http.h"
#include "hub/static.h"

extern const char hpcnet_web_index_html[], hpcnet_web_app_js[], hpcnet_web_style_css[];
extern const size_t hpcnet_web_index_html_len, hpcnet_web_app_js_len, hpcnet_web_style_css_len;

static const struct {
	const char *path;
	const char *ctype;
	const char *data;
	const size_t *len;
} files[] = {
	{ "/", "text/html; charset=utf-8", hpcnet_web_index_html, &hpcnet_web_index_html_len },
	{ "/index.html", "text/html; charset=utf-8", hpcnet_web_index_html, &hpcnet_web_index_html_len },
	{ "/app.js", "text/javascript; charset=utf-8", hpcnet_web_app_js, &hpcnet_web_app_js_len },
	{ "/style.css", "text/css; charset=utf-8", hpcnet_web_style_css, &hpcnet_web_style_css_len },
};

int hpcnet_static_serve(struct hpcnet_req *r)
{
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (strcmp(files[i].path, r->path) != 0)
			continue;
		hpcnet_reply_raw(r, 200, files[i].ctype, files[i].data, *files[i].len);
		/* Only our own scripts and styles, and API calls to this origin. */
		hpcnet_reply_header(r, "Content-Security-Policy",
				    "default-src 'self'; frame-ancestors 'none'; base-uri 'none'");
		hpcnet_reply_header(r, "Referrer-Policy", "no-referrer");
		return 1;
	}
	return 0;
}
