/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The HTTP client the agent and the CLI share: one libcurl easy handle per
 * client (connections are kept alive between calls), JSON or raw bodies,
 * bearer auth. Not thread-safe: one client per thread.
 */
#ifndef HPCNET_HTTPC_H
#define HPCNET_HTTPC_H

#include <stddef.h>

#include <jansson.h>

#include "common/xalloc.h"

struct hpcnet_httpc;

struct hpcnet_http_resp {
	long status;             /* HTTP status; 0 if no answer */
	struct hpcnet_buf body;  /* raw body, NUL-terminated */
	char job_state[32];      /* X-Hpcnet-Job-State header, if any */
	long long length;        /* X-Hpcnet-Length header, -1 if absent */
	char error[256];         /* transport error text when status == 0 */
};

/* base: "http://127.0.0.1:8080" (no trailing /api/v1). token may be NULL. */
struct hpcnet_httpc *hpcnet_httpc_new(const char *base, const char *token);
void hpcnet_httpc_free(struct hpcnet_httpc *c);
void hpcnet_httpc_set_token(struct hpcnet_httpc *c, const char *token);
/* Per-request timeout in seconds (default 30). */
void hpcnet_httpc_set_timeout(struct hpcnet_httpc *c, long seconds);

/*
 * Sends METHOD base+path with an optional body (content type given, e.g.
 * "application/json" or "application/octet-stream") and optional extra
 * header line (e.g. "Idempotency-Key: x"). Fills *resp (caller calls
 * hpcnet_http_resp_free). Returns 0 when an HTTP answer arrived (any
 * status), HPCNET_EUNAVAIL when the server could not be reached or the
 * connection broke, HPCNET_ETIMEOUT on timeout.
 */
int hpcnet_httpc_request(struct hpcnet_httpc *c, const char *method, const char *path,
			 const char *ctype, const void *body, size_t len, const char *header,
			 struct hpcnet_http_resp *resp);
/* JSON convenience: body may be NULL; *out gets the parsed answer (or NULL
 * if not JSON). Return as hpcnet_httpc_request. */
int hpcnet_httpc_json(struct hpcnet_httpc *c, const char *method, const char *path,
		      json_t *body, const char *header, long *status, json_t **out);
void hpcnet_http_resp_free(struct hpcnet_http_resp *r);

/* TLS for a libcurl handle that talks to the hub: peers are verified
 * against the system's CAs, or only against the PEM bundle named by
 * HPCNET_CA_FILE (a hub with a private CA or a self-signed certificate).
 * Every handle the agent and the CLI make goes through this. */
void hpcnet_httpc_tls(void *curl);
/* The text for a failed transfer: curl's, plus what to do about the
 * certificate errors people meet when a hub serves HTTPS. */
void hpcnet_httpc_describe(int curl_code, char *out, size_t len);

#endif
