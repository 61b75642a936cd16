/* SPDX-License-Identifier: Apache-2.0 */
/* The portal's embedded static files. */
#ifndef HPCNET_HUB_STATIC_H
#define HPCNET_HUB_STATIC_H

struct hpcnet_req;

/* Replies with the file at r->path and returns 1, or returns 0 if there is none. */
int hpcnet_static_serve(struct hpcnet_req *r);

#endif
