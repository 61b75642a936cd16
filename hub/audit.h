/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The audit log: every state-changing call (any method but GET/HEAD on a
 * matched route, allowed or refused) becomes one row of a hash chain.
 * A call that changes something through hpcnet_req_write() gets its row
 * in the same transaction as the change (hpcnet_audit_write), so a crash
 * can never keep an acknowledged change without its row, and the change
 * costs one durable commit, not two. Every other call (refused, failed,
 * changing nothing) gets its row from the dispatcher after the handler
 * answered and before the answer is sent, so no route can forget it. Agent heartbeats are left
 * out: they arrive every few seconds per center, change nothing but the
 * center's liveness figures, and would drown the log.
 */
#ifndef HPCNET_HUB_AUDIT_H
#define HPCNET_HUB_AUDIT_H

#include <jansson.h>

#include "hub/store/writer.h"

struct hpcnet_req;

/* hpcnet_req_write()'s body: runs fn in the next group commit and, when
 * r is an audited call inside its handler whose row is not written yet,
 * appends that row in the same savepoint once fn returned 0 (fn's change
 * made): status r->audit_status (0: 200), object r->audit_object or the
 * route's {id}, actor the caller or r->audit_actor_id. fn returning
 * non-zero (failed, or changed nothing) leaves the row to
 * hpcnet_audit_record(). Result as hpcnet_store_write(). */
int hpcnet_audit_write(struct hpcnet_req *r, hpcnet_write_fn fn, void *arg);

/* Before a sign-in's write (a token or session for user, a users row,
 * named object_id): its row announces 201 and names user as the actor,
 * the caller not being signed in yet. */
void hpcnet_audit_signin(struct hpcnet_req *r, const char *object_id, json_t *user);

/* Appends r's row (durably, through the writer queue) when it is audited
 * and no row announcing this answer went in with its change (a second
 * row when the answer differs from the one the committed row announced);
 * a failure is logged and does not change the answer. */
void hpcnet_audit_record(struct hpcnet_req *r);

#endif
