/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Wake-ups for long-polls. One generation counter for everything that a
 * waiter might care about (new orders for a center, a job's new output or
 * state): waiters re-check their own condition in the store after each
 * bump. With tens of agents and followers that costs less than tracking
 * who waits for what. (With hub replicas on PostgreSQL this becomes
 * LISTEN/NOTIFY behind the same two calls.)
 */
#ifndef HPCNET_HUB_NOTIFY_H
#define HPCNET_HUB_NOTIFY_H

#include <pthread.h>
#include <stdint.h>

struct hpcnet_notify {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint64_t gen;
};

void hpcnet_notify_init(struct hpcnet_notify *n);
void hpcnet_notify_destroy(struct hpcnet_notify *n);
uint64_t hpcnet_notify_gen(struct hpcnet_notify *n);
void hpcnet_notify_bump(struct hpcnet_notify *n);
/* Waits until the generation differs from seen or the monotonic deadline
 * (ms) passes. Returns the current generation. */
uint64_t hpcnet_notify_wait(struct hpcnet_notify *n, uint64_t seen, int64_t deadline_mono_ms);

#endif
