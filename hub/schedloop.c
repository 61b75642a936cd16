/* SPDX-License-Identifier: Apache-2.0 */
/* The scheduling pass and the center-liveness sweep; see schedloop.h. */
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "hpcnet/error.h"
#include "hub/http.h"
#include "hub/schedloop.h"
#include "hub/store/store.h"

#define PASS_LIMIT 2000

static int64_t iv(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

int hpcnet_schedloop_centers(struct hpcnet_db *db, int with_load,
			     struct hpcnet_sched_center **out, size_t *n, json_t **rows)
{
	json_t *load = NULL, *row, *l;
	struct hpcnet_sched_center *c;
	size_t i, k;
	int rc;

	*out = NULL;
	*n = 0;
	rc = hpcnet_store_center_list(db, rows);
	if (rc == 0 && with_load)
		rc = hpcnet_store_job_load(db, &load);
	if (rc < 0) {
		json_decref(*rows);
		*rows = NULL;
		return rc;
	}
	c = hpcnet_xcalloc(json_array_size(*rows) + 1, sizeof(*c));
	json_array_foreach(*rows, i, row) {
		c[i].id = json_string_value(json_object_get(row, "id"));
		c[i].name = json_string_value(json_object_get(row, "name"));
		c[i].online = strcmp(json_string_value(json_object_get(row, "status")), "online") == 0;
		c[i].has_snapshot = (int)iv(row, "has_snapshot");
		c[i].total_cores = iv(row, "total_cores");
		c[i].total_mem = iv(row, "total_memory_bytes");
		c[i].total_gpus = iv(row, "total_gpus");
		json_array_foreach(load, k, l) {
			if (strcmp(json_string_value(json_object_get(l, "center_id")), c[i].id) != 0)
				continue;
			c[i].used_cores = iv(l, "cores");
			c[i].used_mem = iv(l, "memory_bytes");
			c[i].used_gpus = iv(l, "gpus");
			c[i].waiting = iv(l, "waiting");
		}
	}
	json_decref(load);
	*out = c;
	*n = json_array_size(*rows);
	return 0;
}

int hpcnet_schedloop_pass(struct hpcnet_hub *hub)
{
	struct hpcnet_db *db = hpcnet_store_acquire(hub->store);
	struct hpcnet_sched_center *c = NULL;
	json_t *rows = NULL, *queued = NULL, *q;
	int64_t now = hpcnet_now_ms();
	size_t i, n = 0;
	int rc, placed = 0, expired;

	rc = hpcnet_db_begin(db);
	if (rc < 0)
		goto out;
	expired = hpcnet_store_center_expire(db, now - hub->center_ttl_ms);
	if (expired > 0)
		hpcnet_warn("%d center(s) missed heartbeats for %lld s: now offline", expired,
			    (long long)(hub->center_ttl_ms / 1000));
	rc = hpcnet_schedloop_centers(db, 1, &c, &n, &rows);
	if (rc == 0)
		rc = hpcnet_store_job_queued(db, PASS_LIMIT, &queued);
	/* FIFO with backfill: a job that does not fit now does not block
	 * smaller ones behind it (no reservations yet). */
	json_array_foreach(queued, i, q) {
		struct hpcnet_sched_job j = {
			.cores = iv(q, "cores"), .mem = iv(q, "memory_bytes"), .gpus = iv(q, "gpus"),
			.pin = json_string_value(json_object_get(q, "center_requested")),
		};
		char reason[256];
		int best;

		if (rc < 0)
			break;
		best = hpcnet_sched_place(c, n, &j, reason, sizeof(reason));
		if (best < 0)
			continue;
		rc = hpcnet_store_job_dispatch(db, json_string_value(json_object_get(q, "id")),
					       c[best].id, reason, now);
		if (rc > 0) {
			hpcnet_sched_account(&c[best], &j);
			placed++;
			rc = 0;
		}
	}
	if (rc == 0)
		rc = hpcnet_db_commit(db);
	else
		hpcnet_db_rollback(db);
	if (rc == 0 && placed > 0)
		hpcnet_notify_bump(&hub->notify); /* wake the agents' long-polls */
out:
	free(c);
	json_decref(rows);
	json_decref(queued);
	hpcnet_store_release(hub->store, db);
	return rc < 0 ? rc : placed;
}

static void *loop(void *arg)
{
	struct hpcnet_hub *hub = arg;

	while (!hub->stopping) {
		int64_t start = hpcnet_mono_ms();
		uint64_t gen = hpcnet_notify_gen(&hub->notify);
		int rc = hpcnet_schedloop_pass(hub);

		if (rc < 0)
			hpcnet_warn("scheduling pass failed: %s", hpcnet_strerror(rc));
		/* Under a burst of submits every request bumps the generation:
		 * a short pause batches them into one pass instead of many. */
		hpcnet_sleep_ms(20);
		hpcnet_notify_wait(&hub->notify, gen, start + hub->sched_interval_ms);
	}
	return NULL;
}

int hpcnet_schedloop_start(struct hpcnet_hub *hub)
{
	return -pthread_create(&hub->sched_thread, NULL, loop, hub);
}

void hpcnet_schedloop_stop(struct hpcnet_hub *hub)
{
	hub->stopping = 1;
	hpcnet_notify_bump(&hub->notify);
	pthread_join(hub->sched_thread, NULL);
}
