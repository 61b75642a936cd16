/* SPDX-License-Identifier: Apache-2.0 */
/* The portal's embedded static files. */
#ifndef HPCNET_HUB_STATIC_H
#define HPCNET_HUB_STATIC_H

#include <stddef.h>

struct hpcnet_req;

/* One file of web/, as cmake/embed_dir.cmake generates them. */
struct hpcnet_web_file {
	const char *path;  /* "/js/main.js" */
	const char *ctype;
	const char *data;
	size_t len;
	const char *etag;  /* quoted, from the content's SHA-256 */
};

/* The generated table, ended by a row with a NULL path. */
extern const struct hpcnet_web_file hpcnet_web_files[];

/* Replies with the file at r->path and returns 1, or returns 0 if there is none. */
int hpcnet_static_serve(struct hpcnet_req *r);

#endif
