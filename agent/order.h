/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Dispatch orders (docs/API.md: the job as the hub dispatched it) turned
 * into the adapter's job spec. The journal keeps each order as the JSON
 * text the hub sent, so this conversion runs again after a restart and
 * must depend on nothing but that text.
 */
#ifndef HPCNET_AGENT_ORDER_H
#define HPCNET_AGENT_ORDER_H

#include <stddef.h>

#include <jansson.h>

#include "hpcnet/adapter.h"

/* A job spec decoded from an order; owns everything spec points to. */
struct hpcnet_order {
	struct hpcnet_job_spec spec;
	json_t *json;
	const char **env;
	struct hpcnet_job_file *files;
	char *script;
};

/*
 * 1 when s can be a hub id here: 1-127 of [A-Za-z0-9_-]. Ids end up in
 * URLs and (through adapters) in paths, so nothing else is accepted.
 */
int hpcnet_order_id_ok(const char *s);

/*
 * Decodes order_json for job_id into *o (spec.id borrows job_id). 0, or
 * HPCNET_EINVAL with a reason for people in why (such a job is reported
 * failed: a malformed order will not get better by retrying). Free *o with
 * hpcnet_order_clear() in both cases.
 */
int hpcnet_order_parse(const char *job_id, const char *order_json, struct hpcnet_order *o,
		       char *why, size_t len);
void hpcnet_order_clear(struct hpcnet_order *o);

#endif
