/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shipping a job's stdout and stderr files to the hub, resumable at any
 * byte: the journal holds how many bytes of each stream the hub has
 * acknowledged, and the hub's append-at-offset API acknowledges re-sent
 * bytes it already holds, so a crash at any point costs at most one
 * chunk sent twice.
 */
#ifndef HPCNET_AGENT_OUTPUT_H
#define HPCNET_AGENT_OUTPUT_H

#include <stddef.h>

#include "agent/hublink.h"
#include "agent/journal.h"

#define HPCNET_OUTPUT_CHUNK (1u << 20) /* bytes per POST */

/*
 * Sends what the hub lacks of row's stdout and stderr, at most *budget
 * bytes (decremented), updating row->out_acked and the journal as the hub
 * acknowledges. *complete is 1 when the hub has both files whole, or will
 * never take more of them (file gone or unreadable, hub refuses them:
 * logged). *answered is set to 1 when the hub answered a request.
 *
 * Returns 0; a hub error (hublink.h) for the caller's retry policy; or
 * HPCNET_ESTORE when the journal could not record progress.
 */
int hpcnet_output_ship(struct hpcnet_hublink *hub, struct hpcnet_journal *j,
		       struct hpcnet_journal_job *row, size_t *budget, int *complete,
		       int *answered);

#endif
