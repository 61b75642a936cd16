/* SPDX-License-Identifier: Apache-2.0 */
/* Group commit through a writer queue; see writer.h for why. */
#include <pthread.h>
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
};

struct hpcnet_writer *hpcnet_writer_new(struct hpcnet_store *s)
{
	struct hpcnet_writer *w = hpcnet_xcalloc(1, sizeof(*w));

	w->store = s;
	pthread_mutex_init(&w->lock, NULL);
	return w;
}

void hpcnet_writer_free(struct hpcnet_writer *w)
{
	if (!w)
		return;
	pthread_mutex_destroy(&w->lock);
	free(w);
}

/* Runs the n writes starting at first in one transaction; sets each rc. */
static void run_batch(struct hpcnet_store *s, struct wreq *first, int n)
{
	struct hpcnet_db *db = hpcnet_store_acquire(s);
	struct wreq *r;
	int i, rc = hpcnet_db_begin(db);

	for (r = first, i = 0; i < n; r = r->next, i++) {
		if (rc < 0) {
			r->rc = rc;
			continue;
		}
		if (hpcnet_db_exec_script(db, "SAVEPOINT w") < 0) {
			rc = r->rc = HPCNET_ESTORE;
			continue;
		}
		r->rc = r->fn(db, r->arg);
		if (r->rc < 0 && hpcnet_db_exec_script(db, "ROLLBACK TO w") < 0)
			rc = HPCNET_ESTORE; /* cannot undo it: the whole batch must go */
		if (rc == 0 && hpcnet_db_exec_script(db, "RELEASE w") < 0)
			rc = HPCNET_ESTORE;
	}
	if (rc == 0)
		rc = hpcnet_db_commit(db);
	else
		hpcnet_db_rollback(db);
	if (rc < 0) {
		hpcnet_error("group commit of %d write(s) failed; none was acknowledged", n);
		for (r = first, i = 0; i < n; r = r->next, i++)
			r->rc = HPCNET_ESTORE;
	}
	hpcnet_store_release(s, db);
}

int hpcnet_store_write_via(struct hpcnet_writer *w, hpcnet_write_fn fn, void *arg)
{
	struct wreq me = { .fn = fn, .arg = arg }, *r, *last;
	int n;

	pthread_cond_init(&me.cv, NULL);
	pthread_mutex_lock(&w->lock);
	if (w->tail)
		w->tail->next = &me;
	else
		w->head = &me;
	w->tail = &me;
	/* The front of the queue leads; everyone else waits to be done. */
	while (!me.done && w->head != &me)
		pthread_cond_wait(&me.cv, &w->lock);
	if (me.done)
		goto out;
	for (n = 1, last = &me; last->next && n < MAX_BATCH; last = last->next)
		n++;
	pthread_mutex_unlock(&w->lock);

	run_batch(w->store, &me, n); /* new arrivals queue behind `last` */

	pthread_mutex_lock(&w->lock);
	w->head = last->next;
	if (!w->head)
		w->tail = NULL;
	for (r = &me; ; ) {
		struct wreq *next = r->next;

		r->done = 1;
		if (r != &me)
			pthread_cond_signal(&r->cv);
		if (r == last)
			break;
		r = next;
	}
	if (w->head) /* the next in line leads the next batch */
		pthread_cond_signal(&w->head->cv);
out:
	pthread_mutex_unlock(&w->lock);
	pthread_cond_destroy(&me.cv);
	return me.rc;
}
