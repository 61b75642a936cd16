/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The audit log: every state-changing call (any method but GET/HEAD on a
 * matched route, allowed or refused) becomes one row of a hash chain,
 * written by the dispatcher after the handler answered and before the
 * answer is sent, so no route can forget it. Agent heartbeats are left
 * out: they arrive every few seconds per center, change nothing but the
 * center's liveness figures, and would drown the log.
 */
#ifndef HPCNET_HUB_AUDIT_H
#define HPCNET_HUB_AUDIT_H

struct hpcnet_req;

/* Appends r's row (durably, through the writer queue) when it is audited;
 * a failure is logged and does not change the answer. */
void hpcnet_audit_record(struct hpcnet_req *r);

#endif
