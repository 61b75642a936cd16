/* SPDX-License-Identifier: Apache-2.0 */
/* The scheduling pass and the center-liveness sweep; see schedloop.h. */
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "hpcnet/error.h"
#include "hub/billing/quota.h"
#include "hub/http.h"
#include "hub/schedloop.h"
#include "hub/store/billing_store.h"
#include "hub/store/store.h"
#include "hub/store/writer.h"

#define PASS_LIMIT 2000
#define BILLING_SWEEP_MS 15000
#define NO_ROOM_REASONS 200 /* waiting reasons written per pass, at most */

static int64_t iv(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

/* GPU pools from the center's snapshot: [{model, total, free}]. */
static void gpu_pools(struct hpcnet_sched_center *c, json_t *row)
{
	const char *text = json_string_value(json_object_get(row, "snapshot"));
	json_t *snap = text ? json_loads(text, 0, NULL) : NULL, *pool, *w;
	size_t i;

	c->est_wait_s = -1;
	if ((w = json_object_get(snap, "est_wait_seconds")) && json_is_integer(w))
		c->est_wait_s = json_integer_value(w);
	json_array_foreach(json_object_get(snap, "gpu_pools"), i, pool) {
		if (c->ngpu >= HPCNET_SCHED_GPU_POOLS)
			break;
		snprintf(c->gpu[c->ngpu].model, sizeof(c->gpu[0].model), "%s",
			 json_string_value(json_object_get(pool, "model")) ?: "");
		c->gpu[c->ngpu++].total = iv(pool, "total");
	}
	json_decref(snap);
}

/* Adds one load row (a center's active jobs of one GPU model) to c. */
static void add_load(struct hpcnet_sched_center *c, json_t *l)
{
	const char *model = json_string_value(json_object_get(l, "gpu_model"));
	int k;

	c->used_cores += iv(l, "cores");
	c->used_mem += iv(l, "memory_bytes");
	c->used_gpus += iv(l, "gpus");
	c->waiting += iv(l, "waiting");
	c->waiting_cores += iv(l, "waiting_cores");
	for (k = 0; model && k < c->ngpu; k++)
		if (strcmp(c->gpu[k].model, model) == 0)
			c->gpu[k].used += iv(l, "gpus");
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
		c[i].draining = iv(row, "drain_requested") != 0;
		c[i].degraded = strcmp(json_string_value(json_object_get(row, "health")) ?: "ok",
				       "ok") != 0;
		c[i].has_snapshot = (int)iv(row, "has_snapshot");
		c[i].total_cores = iv(row, "total_cores");
		c[i].total_mem = iv(row, "total_memory_bytes");
		c[i].total_gpus = iv(row, "total_gpus");
		c[i].snap_free_cores = c[i].has_snapshot ? iv(row, "free_cores") : -1;
		gpu_pools(&c[i], row);
		json_array_foreach(load, k, l)
			if (strcmp(json_string_value(json_object_get(l, "center_id")), c[i].id) == 0)
				add_load(&c[i], l);
	}
	json_decref(load);
	*out = c;
	*n = json_array_size(*rows);
	return 0;
}

/* The placements of one pass, written as one write of a group commit. */
struct placement {
	const char *job_id, *center_id;
	char reason[256];
};

struct dispatch_write {
	struct placement *p;
	size_t n;
	int64_t now;
	int placed; /* out */
	/* centers that can take no job now (offline, draining): orders of
	 * theirs that never left the hub go back to the queue */
	const char *release[64];
	char release_reason[64][96];
	size_t nrelease;
	int released; /* out */
	/* queued jobs a soft quota keeps waiting, with why (only those whose
	 * stored reason differs, so a steady wait costs no write) */
	struct placement *wait;
	size_t nwait;
	/* queued jobs no center has room for now, with why and where they
	 * would start first (again only where that changed) */
	struct placement *no_room;
	size_t nno_room;
};

static int dispatch_fn(struct hpcnet_db *db, void *arg)
{
	struct dispatch_write *w = arg;
	size_t i;
	int rc;

	w->placed = 0;
	w->released = 0;
	for (i = 0; i < w->nrelease; i++) {
		rc = hpcnet_store_job_replace_undelivered(db, w->release[i], w->release_reason[i],
							  w->now);
		if (rc < 0)
			return rc;
		w->released += rc;
	}
	for (i = 0; i < w->nwait; i++) {
		rc = hpcnet_store_job_wait_reason(db, w->wait[i].job_id, w->wait[i].reason, w->now);
		if (rc < 0)
			return rc;
	}
	for (i = 0; i < w->nno_room; i++) {
		rc = hpcnet_store_job_set_waiting(db, w->no_room[i].job_id, w->no_room[i].reason);
		if (rc < 0)
			return rc;
	}
	for (i = 0; i < w->n; i++) {
		/* Guarded by state = 'queued': a job cancelled since the read
		 * is simply not dispatched. */
		rc = hpcnet_store_job_dispatch(db, w->p[i].job_id, w->p[i].center_id, w->p[i].reason,
					       w->now);
		if (rc < 0)
			return rc;
		w->placed += rc;
	}
	return 0;
}

/* 1 when some online center has a free core now: else no queued job can
 * be placed and the pass need not read them. */
static int any_room(const struct hpcnet_sched_center *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (c[i].online && !c[i].draining && !c[i].degraded && c[i].has_snapshot &&
		    c[i].used_cores < c[i].total_cores)
			return 1;
	return 0;
}

int hpcnet_schedloop_pass(struct hpcnet_hub *hub)
{
	struct hpcnet_db *db = hpcnet_store_acquire(hub->store);
	struct hpcnet_sched_center *c = NULL;
	struct dispatch_write w = { .now = hpcnet_now_ms() };
	struct hpcnet_soft_gate *gate = NULL;
	json_t *rows = NULL, *queued = NULL, *q;
	size_t i, n = 0;
	int rc, expired, room;

	expired = hpcnet_store_center_expire(db, w.now - hub->center_ttl_ms);
	if (expired > 0)
		hpcnet_warn("%d center(s) missed heartbeats for %lld s: now offline", expired,
			    (long long)(hub->center_ttl_ms / 1000));
	/* Placement is computed from plain reads, without the write lock, so
	 * submits are never held up by a long queue. Reading capacity before
	 * use is safe: only this thread adds use, and jobs ending in between
	 * only make the estimate conservative. */
	rc = hpcnet_schedloop_centers(db, 1, &c, &n, &rows);
	if (rc < 0)
		goto out;
	for (i = 0; i < n && w.nrelease < 64; i++) {
		if ((c[i].online && !c[i].draining) || c[i].waiting == 0)
			continue;
		snprintf(w.release_reason[w.nrelease], sizeof(w.release_reason[0]),
			 "re-placed: center %s is %s", c[i].name, c[i].online ? "draining" : "offline");
		w.release[w.nrelease++] = c[i].id;
	}
	/* With no room anywhere nothing can be placed: read the queue only
	 * to refresh why its first jobs wait, and at most once a second. */
	room = any_room(c, n);
	if (!room && !w.nrelease && hpcnet_mono_ms() < hub->next_reasons_ms)
		goto out;
	if (!room)
		hub->next_reasons_ms = hpcnet_mono_ms() + 1000;
	rc = hpcnet_store_job_queued(db, room ? PASS_LIMIT : NO_ROOM_REASONS, &queued);
	if (rc < 0)
		goto out;
	w.p = hpcnet_xcalloc(json_array_size(queued) + 1, sizeof(*w.p));
	w.wait = hpcnet_xcalloc(json_array_size(queued) + 1, sizeof(*w.wait));
	w.no_room = hpcnet_xcalloc(json_array_size(queued) + 1, sizeof(*w.no_room));
	if (room && json_array_size(queued) && (rc = hpcnet_quota_soft_load(db, w.now, &gate)) < 0)
		goto out;
	/* FIFO with backfill: a job that does not fit now does not block
	 * smaller ones behind it (no reservations yet). */
	json_array_foreach(queued, i, q) {
		struct hpcnet_sched_job j = {
			.cores = iv(q, "cores"), .mem = iv(q, "memory_bytes"), .gpus = iv(q, "gpus"),
			.pin = json_string_value(json_object_get(q, "center_requested")),
			.gpu_model = json_string_value(json_object_get(q, "gpu_model")),
		};
		struct placement *p = &w.p[w.n];
		int best = hpcnet_sched_place(c, n, &j, p->reason, sizeof(p->reason));
		struct hpcnet_soft_job sj = {
			.user_id = json_string_value(json_object_get(q, "user_id")),
			.project_id = json_string_value(json_object_get(q, "project_id")),
			.org_id = json_string_value(json_object_get(q, "org_id")),
			.mj = { .cores = j.cores, .gpus = j.gpus, .gpu_model = j.gpu_model,
				.walltime_s = iv(q, "walltime_seconds") },
		};
		struct placement *wt = &w.wait[w.nwait];

		if (best < 0) {
			/* Tell the user why it waits, when that changed. */
			const char *was = json_string_value(json_object_get(q, "placement_reason"));

			if (w.nno_room < NO_ROOM_REASONS && strcmp(was ?: "", p->reason) != 0) {
				w.no_room[w.nno_room] = *p;
				w.no_room[w.nno_room++].job_id =
					json_string_value(json_object_get(q, "id"));
			}
			continue;
		}
		rc = hpcnet_quota_soft_admit(gate, &sj, wt->reason, sizeof(wt->reason));
		if (rc < 0)
			goto out;
		if (rc == 0) {
			wt->job_id = json_string_value(json_object_get(q, "id"));
			if (strcmp(wt->reason, json_string_value(json_object_get(q, "state_reason"))
				   ?: "") != 0)
				w.nwait++;
			continue;
		}
		rc = 0;
		p->job_id = json_string_value(json_object_get(q, "id"));
		p->center_id = c[best].id;
		hpcnet_sched_account(&c[best], &j);
		w.n++;
	}
	hpcnet_store_release(hub->store, db);
	db = NULL;
	if (w.n > 0 || w.nrelease > 0 || w.nwait > 0 || w.nno_room > 0)
		rc = hpcnet_store_write(hub->store, dispatch_fn, &w);
	if (rc == 0 && w.released > 0)
		hpcnet_info("%d job(s) of offline or draining centers went back to the queue",
			    w.released);
	if (rc == 0 && (w.placed > 0 || w.released > 0))
		hpcnet_notify_bump(&hub->notify); /* wake the agents' long-polls and the next pass */
out:
	hpcnet_quota_soft_free(gate);
	free(w.p);
	free(w.wait);
	free(w.no_room);
	free(c);
	json_decref(rows);
	json_decref(queued);
	hpcnet_store_release(hub->store, db);
	return rc < 0 ? rc : w.placed;
}

/* Charges jobs that ended without a report carrying their end (a cancel
 * in the queue that raced, a lost job) and refreshes running jobs' usage:
 * the report path charges at once, this only catches what it cannot see. */
static int sweep_fn(struct hpcnet_db *db, void *arg)
{
	struct hpcnet_hub *hub = arg;

	return hpcnet_billing_sweep(db, &hub->billing, hpcnet_now_ms());
}

static void *loop(void *arg)
{
	struct hpcnet_hub *hub = arg;
	int64_t next_upkeep = 0, next_sweep = 0, last = 0;

	while (!hub->stopping) {
		int64_t start = hpcnet_mono_ms();
		uint64_t gen;
		int rc;

		/* Under a burst of submits every request bumps the generation:
		 * passes at least 20 ms apart batch them into one pass instead
		 * of many, while a lone submit on a quiet hub is placed at once. */
		if (start - last < 20) {
			hpcnet_sleep_ms(20 - (start - last));
			start = hpcnet_mono_ms();
		}
		last = start;
		gen = hpcnet_notify_gen(&hub->notify);
		rc = hpcnet_schedloop_pass(hub);
		if (rc < 0)
			hpcnet_warn("scheduling pass failed: %s", hpcnet_strerror(rc));
		if (start >= next_upkeep) {
			hpcnet_store_maintain(hub->store);
			next_upkeep = start + 1000;
		}
		if (start >= next_sweep) {
			rc = hpcnet_store_write(hub->store, sweep_fn, hub);
			if (rc > 0)
				hpcnet_info("billing: charged %d ended job(s) found by the sweep", rc);
			else if (rc < 0)
				hpcnet_warn("billing sweep failed: %s", hpcnet_strerror(rc));
			next_sweep = start + BILLING_SWEEP_MS;
		}
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
