/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The agent's side of the hub API (docs/API.md, "Centers and agents"):
 * join, heartbeat, the orders long-poll, reports and output upload. It
 * owns two libcurl handles: a multi handle for the long-poll, so the
 * agent's single-threaded loop keeps polling its adapter while the hub
 * holds the request, and a synchronous client (common/httpc.h) for
 * everything else.
 *
 * Every call maps the HTTP outcome onto one error space so the loop can
 * decide between "retry later" and "stop":
 *   0                  2xx
 *   HPCNET_EUNAVAIL    no answer, broken connection, 5xx, 429
 *   HPCNET_ETIMEOUT    no answer in time
 *   HPCNET_EAUTH       401 or 403: the hub refuses this credential
 *   HPCNET_ENOTFOUND   404
 *   HPCNET_ECONFLICT   409
 *   HPCNET_EINVAL      other 4xx (the hub rejects what we sent)
 *   HPCNET_EPROTO      2xx whose body is not what the API promises
 * and keeps a one-line description of the last failure for the logs.
 */
#ifndef HPCNET_AGENT_HUBLINK_H
#define HPCNET_AGENT_HUBLINK_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct hpcnet_hublink;

/* What a successful join returns. */
struct hpcnet_hublink_join {
	char center_id[128];
	char center_name[256];
	char agent_token[256];
};

/* hub: "http://host:port" (a trailing "/" or "/api/v1" is dropped). */
struct hpcnet_hublink *hpcnet_hublink_new(const char *hub);
void hpcnet_hublink_free(struct hpcnet_hublink *h);
/* The center the calls below act for, and its agent token (copied). */
void hpcnet_hublink_set_center(struct hpcnet_hublink *h, const char *center_id, const char *token);
/* The last failure in words ("HTTP 503: store unavailable", "Connection refused"). */
const char *hpcnet_hublink_error(const struct hpcnet_hublink *h);

/* POST /centers/join; name (may be NULL) is the center the caller expects.
 * secret is the credential the agent made (hpcnet_journal_join_secret):
 * only its SHA-256 is sent, and out->agent_token is set to it. Fills *out
 * on success. */
int hpcnet_hublink_join(struct hpcnet_hublink *h, const char *join_token, const char *adapter,
			const char *version, const char *name, const char *secret,
			struct hpcnet_hublink_join *out);

/*
 * POST /centers/{id}/heartbeat with body (borrowed). status gets the
 * center's status as the hub sees it, *ttl_s the hub's offline timeout
 * (0 if not given).
 */
int hpcnet_hublink_heartbeat(struct hpcnet_hublink *h, json_t *body, char *status, size_t len,
			     int *ttl_s);

/*
 * POST /centers/{id}/reports {"items": items} (borrowed). *results gets the
 * answer's "results" array (new reference, caller decrefs).
 */
int hpcnet_hublink_reports(struct hpcnet_hublink *h, json_t *items, json_t **results);

/*
 * POST /jobs/{id}/{stream}?offset=N with len raw bytes. On 0, *length is
 * what the hub now holds; on HPCNET_ECONFLICT (a gap) *length is the hub's
 * current length, or -1 when the answer did not say.
 */
int hpcnet_hublink_output(struct hpcnet_hublink *h, const char *job_id, const char *stream,
			  int64_t offset, const void *data, size_t len, int64_t *length);

/*
 * The orders long-poll. start() sends GET /centers/{id}/orders?wait=S in
 * the background (no-op while one is in flight); wait() lets libcurl work
 * for at most timeout_ms (returning early when the answer arrives or a
 * signal interrupts); take() returns 1 and the outcome (rc, and *orders, a
 * new reference, when rc is 0) once the request has finished, else 0.
 */
void hpcnet_hublink_orders_start(struct hpcnet_hublink *h, int wait_s);
int hpcnet_hublink_orders_busy(const struct hpcnet_hublink *h);
void hpcnet_hublink_wait(struct hpcnet_hublink *h, int timeout_ms);
int hpcnet_hublink_orders_take(struct hpcnet_hublink *h, int *rc, json_t **orders);
/* Drops an in-flight long-poll (shutdown, or after the hub went away). */
void hpcnet_hublink_orders_abort(struct hpcnet_hublink *h);

#endif
