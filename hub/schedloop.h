/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The hub's periodic work: the scheduling pass (queued -> dispatched) and
 * marking silent centers offline. Runs on one thread, woken by the notify
 * generation (a submit or a heartbeat) or every sched_interval_ms.
 */
#ifndef HPCNET_HUB_SCHEDLOOP_H
#define HPCNET_HUB_SCHEDLOOP_H

#include <stddef.h>

#include <jansson.h>

#include "scheduler/sched.h"

struct hpcnet_hub;
struct hpcnet_db;

/* The scheduler's view of every center: capacity from the last snapshot
 * and, with_load, use from the hub's own active jobs (a scan of them:
 * admission at submit needs only capacity and skips it). *rows keeps the
 * strings alive; the caller frees *out and json_decref(*rows). */
int hpcnet_schedloop_centers(struct hpcnet_db *db, int with_load,
			     struct hpcnet_sched_center **out, size_t *n, json_t **rows);
/* One pass; returns the number of jobs dispatched or <0. */
int hpcnet_schedloop_pass(struct hpcnet_hub *hub);
int hpcnet_schedloop_start(struct hpcnet_hub *hub);
void hpcnet_schedloop_stop(struct hpcnet_hub *hub);

#endif
