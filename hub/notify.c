/* SPDX-License-Identifier: Apache-2.0 */
/* Generation-counter wake-ups for long-polls; see notify.h. */
#include <time.h>

#include "common/clock.h"
#include "hub/notify.h"

void hpcnet_notify_init(struct hpcnet_notify *n)
{
	pthread_condattr_t a;

	pthread_mutex_init(&n->lock, NULL);
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&n->cond, &a);
	pthread_condattr_destroy(&a);
	n->gen = 1;
}

void hpcnet_notify_destroy(struct hpcnet_notify *n)
{
	pthread_mutex_destroy(&n->lock);
	pthread_cond_destroy(&n->cond);
}

uint64_t hpcnet_notify_gen(struct hpcnet_notify *n)
{
	uint64_t g;

	pthread_mutex_lock(&n->lock);
	g = n->gen;
	pthread_mutex_unlock(&n->lock);
	return g;
}

void hpcnet_notify_bump(struct hpcnet_notify *n)
{
	pthread_mutex_lock(&n->lock);
	n->gen++;
	pthread_cond_broadcast(&n->cond);
	pthread_mutex_unlock(&n->lock);
}

uint64_t hpcnet_notify_wait(struct hpcnet_notify *n, uint64_t seen, int64_t deadline_mono_ms)
{
	struct timespec ts = { .tv_sec = deadline_mono_ms / 1000,
			       .tv_nsec = (deadline_mono_ms % 1000) * 1000000 };
	uint64_t g;

	pthread_mutex_lock(&n->lock);
	while (n->gen == seen && hpcnet_mono_ms() < deadline_mono_ms)
		if (pthread_cond_timedwait(&n->cond, &n->lock, &ts) != 0)
			break;
	g = n->gen;
	pthread_mutex_unlock(&n->lock);
	return g;
}
