/* SPDX-License-Identifier: Apache-2.0 */
/* Group commit through a writer queue; see writer.h for why. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/log.h"
#include "common/xalloc.h"
#include "hpcnet/error.h"
#include "hub/store/db.h"
#include "hub/store/migrate.h"
#include "hub/store/writer.h"

#define MAX_BATCH 512

struct wreq {
	hpcnet_write_fn fn;
	void *arg;
	int rc;
	int done;
	pthread_cond_t cv;
	struct wreq *next;
};

struct hpcnet_writer {
	struct hpcnet_store *store;
	pthread_mutex_t lock;
	struct wreq *head, *tail;
	/* Log flushes: batches are numbered in commit order; one flush at a
	 * time covers every batch committed before it started. */
	uint64_t committed, synced;
	int syncing;
	int collecting;    /* the leader waits for more writes (see below) */
	pthread_cond_t cv; /* a flush ended, or a write arrived for a collecting leader */
};

struct hpcnet_writer *hpcnet_writer_new(struct hpcnet_store *s)
{
	struct hpcnet_writer *w = hpcnet_xcalloc(1, sizeof(*w));

	w->store = s;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cv, NULL);
	return w;
}

void hpcnet_writer_free(struct hpcnet_writer *w)
{
	if (!w)
		return;
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cv);
	free(w);
}

/* Runs the n writes from first, each in its own savepoint of the open
 * transaction; sets each one's rc. *rc < 0 once the transaction itself
 * is lost (then every later write gets it too). */
static void run_writes(struct hpcnet_db *db, struct wreq *first, int n, int *rc)
{
	struct wreq *r;
	int i;

	for (r = first, i = 0; i < n; r = r->next, i++) {
		if (*rc < 0) {
			r->rc = *rc;
			continue;
		}
		if (hpcnet_db_exec_script(db, "SAVEPOINT w") < 0) {
			*rc = r->rc = HPCNET_ESTORE;
			continue;
		}
		r->rc = r->fn(db, r->arg);
		if (r->rc < 0 && hpcnet_db_exec_script(db, "ROLLBACK TO w") < 0)
			*rc = HPCNET_ESTORE; /* cannot undo it: the whole batch must go */
		if (*rc == 0 && hpcnet_db_exec_script(db, "RELEASE w") < 0)
			*rc = HPCNET_ESTORE;
	}
}

/* Returns once batch b's log is on disk (called and returns with w->lock
 * held). The first batch to get here flushes for every batch committed
 * so far; one that commits meanwhile waits, and flushes next for all that
 * committed during this flush: one fdatasync per round, not per batch.
 *
 * A failed flush leaves committed, visible changes in an unknown state
 * (the kernel may have dropped the pages it could not write), which no
 * answer to the callers could describe truthfully. Stop, as PostgreSQL
 * does on a failed fsync: on restart SQLite recovers what the disk holds,
 * and callers retry (a submit with an Idempotency-Key is not made twice). */
static void await_sync(struct hpcnet_writer *w, struct hpcnet_db *db, uint64_t b)
{
	while (w->synced < b) {
		uint64_t upto;

		if (w->syncing) {
			pthread_cond_wait(&w->cv, &w->lock);
			continue;
		}
		w->syncing = 1;
		upto = w->committed;
		pthread_mutex_unlock(&w->lock);
		if (hpcnet_db_sync_log(db) < 0) {
			hpcnet_error("stopping: committed changes could not be flushed to disk and"
				     " none of them was acknowledged; check the disk, then restart the"
				     " hub");
			abort();
		}
		pthread_mutex_lock(&w->lock);
		w->synced = upto;
		w->syncing = 0;
		pthread_cond_broadcast(&w->cv);
	}
}

/*
 * The leader's batch, with w->lock held on entry and exit: runs what is
 * queued from `me`, and while the previous batch's log is still being
 * flushed keeps the transaction open and runs what arrives meanwhile (it
 * could not be durable sooner anyway: the disk is busy). It commits when
 * the disk is free or the batch is full. Returns the last write of the
 * batch; *db is the connection it ran on (the caller flushes the log
 * through it and releases it), *committed whether the commit worked.
 */
static struct wreq *lead_batch(struct hpcnet_writer *w, struct wreq *me, struct hpcnet_db **db,
			       int *committed)
{
	struct wreq *last = NULL, *from, *to;
	int n = 0, k, rc;

	pthread_mutex_unlock(&w->lock);
	*db = hpcnet_store_acquire(w->store);
	rc = hpcnet_db_begin_unsynced(*db);
	pthread_mutex_lock(&w->lock);
	for (;;) {
		from = last ? last->next : me;
		if (from && n < MAX_BATCH) {
			for (k = 1, to = from; to->next && n + k < MAX_BATCH; to = to->next)
				k++;
			pthread_mutex_unlock(&w->lock);
			run_writes(*db, from, k, &rc);
			pthread_mutex_lock(&w->lock);
			n += k;
			last = to;
			continue;
		}
		if (!w->syncing || n >= MAX_BATCH || rc < 0)
			break;
		w->collecting = 1;
		pthread_cond_wait(&w->cv, &w->lock);
		w->collecting = 0;
	}
	pthread_mutex_unlock(&w->lock);
	if (rc == 0)
		rc = hpcnet_db_commit(*db);
	else
		hpcnet_db_rollback(*db);
	if (rc < 0) {
		hpcnet_error("group commit of %d write(s) failed; none was acknowledged", n);
		for (from = me; ; from = from->next) {
			from->rc = HPCNET_ESTORE;
			if (from == last)
				break;
		}
	}
	pthread_mutex_lock(&w->lock);
	*committed = rc == 0;
	return last;
}

int hpcnet_store_write_via(struct hpcnet_writer *w, hpcnet_write_fn fn, void *arg)
{
	struct wreq me = { .fn = fn, .arg = arg }, *r, *last;
	struct hpcnet_db *db = NULL;
	int committed;

	pthread_cond_init(&me.cv, NULL);
	pthread_mutex_lock(&w->lock);
	if (w->tail)
		w->tail->next = &me;
	else
		w->head = &me;
	w->tail = &me;
	if (w->collecting)
		pthread_cond_broadcast(&w->cv);
	/* The front of the queue leads; everyone else waits to be done. */
	while (!me.done && w->head != &me)
		pthread_cond_wait(&me.cv, &w->lock);
	if (me.done)
		goto out;
	last = lead_batch(w, &me, &db, &committed);

	/* The next in line leads the next batch now, while this one's log is
	 * flushed: its writes run during our fdatasync instead of after it. */
	w->head = last->next;
	if (!w->head)
		w->tail = NULL;
	else
		pthread_cond_signal(&w->head->cv);
	if (committed)
		await_sync(w, db, ++w->committed);
	for (r = &me; ; ) {
		struct wreq *next = r->next;

		r->done = 1;
		if (r != &me)
			pthread_cond_signal(&r->cv);
		if (r == last)
			break;
		r = next;
	}
out:
	pthread_mutex_unlock(&w->lock);
	hpcnet_store_release(w->store, db); /* NULL when another led */
	pthread_cond_destroy(&me.cv);
	return me.rc;
}
