/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The agent's run loop: join, then one thread doing, in order, every
 * iteration (at most ~100 ms apart):
 *
 *   1. let libcurl work on the orders long-poll (the wait of the loop);
 *   2. journal a finished long-poll's orders, cancels, recalls and
 *      control requests (commit);
 *   3. tick: submit journaled orders (decoded by agent/order.c), deliver
 *      cancels and control actions, poll the adapter for every active
 *      job, withdraw recalled ones that have not started, journal what
 *      changed (commit);
 *   4. ship: output of running jobs (every ~1 s, agent/output.c), then
 *      for finished jobs all remaining output followed by the final
 *      report; reports of everything unacknowledged; purge what the hub
 *      acknowledged;
 *   5. heartbeat when due; re-arm the long-poll.
 *
 * Why this order: every order is committed before the adapter sees it,
 * every state before the hub hears of it, and a long-poll is only sent
 * after this iteration's reports, so an orders answer never predates a
 * report we already made (see on_orders()).
 *
 * Why one thread: the local adapter forks without exec, which is only
 * safe in a single-threaded process; the long-poll therefore runs on a
 * curl multi handle driven from here rather than on a thread.
 *
 * Failures split two ways. "Try again" (hub unreachable or 5xx, adapter
 * HPCNET_EUNAVAIL/ETIMEOUT, journal write errors) pauses that peer with
 * exponential backoff and jitter, logged once per outage; nothing is lost
 * because everything unacknowledged is still in the journal. "Stop" (the
 * hub refuses our credential) ends the agent with exit status 1.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "agent/hublink.h"
#include "agent/journal.h"
#include "agent/loop.h"
#include "agent/order.h"
#include "agent/output.h"
#include "common/clock.h"
#include "common/fsutil.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "hpcnet/adapter.h"
#include "hpcnet/error.h"

#ifndef HPCNET_VERSION
#define HPCNET_VERSION "0.1.0"
#endif

#define TICK_MS 100              /* adapter poll period (only jobs in flight are polled) */
#define ORDERS_WAIT_S 25         /* long-poll hold when idle */
#define OUTPUT_PERIOD_MS 1000    /* incremental output of running jobs */
#define REPORT_RETRY_MS 1000     /* re-send unacknowledged reports */
#define SHIP_BUDGET (8u << 20)   /* output bytes per iteration, so polling goes on */
#define REPORT_BATCH 100
#define BACKOFF_MIN_MS 500
#define BACKOFF_MAX_MS 30000
#define PRUNE_AGE_MS (7LL * 24 * 3600 * 1000)
#define PRUNE_PERIOD_MS (3600LL * 1000)
#define KILL_GRACE_S 10

/* Set by SIGTERM/SIGINT: the one piece of global state (a signal cannot carry context). */
static volatile sig_atomic_t agent_stop;

static void on_signal(int sig)
{
	(void)sig;
	agent_stop = 1;
}

/* Exponential backoff with jitter for one peer (the hub, the adapter, the journal). */
struct backoff {
	const char *peer;
	int down;
	int64_t delay_ms; /* next delay before jitter */
	int64_t next_ms;  /* monotonic time of the next try */
	int64_t since_ms; /* start of the outage (wall clock, for the log) */
};

struct agent {
	const struct hpcnet_agent_conf *conf;
	struct hpcnet_journal *j;
	struct hpcnet_hublink *hub;
	const struct hpcnet_adapter *ad;
	void *ad_state;
	struct hpcnet_journal_cred cred;
	struct backoff hub_bo, ad_bo, db_bo;
	int64_t next_tick_ms, next_output_ms, next_report_ms, next_heartbeat_ms;
	int64_t next_orders_ms, next_prune_ms, next_poll_warn_ms;
	int64_t orders_sent_ms; /* wall clock when the current long-poll was sent */
	int dirty;        /* a state change not yet offered to the hub */
	int more_output;  /* the output budget ran out: ship again soon */
	int fatal;        /* exit status when the agent must stop, else 0 */
	char center_status[32];
	struct hpcnet_snapshot last_snap; /* the last good one, for when the scheduler is away */
	uint64_t rng;
};

static uint64_t rng_next(struct agent *a)
{
	/* xorshift64: jitter needs spread, not secrecy. */
	a->rng ^= a->rng << 13;
	a->rng ^= a->rng >> 7;
	a->rng ^= a->rng << 17;
	return a->rng;
}

static int backoff_ready(const struct backoff *b)
{
	return !b->down || hpcnet_mono_ms() >= b->next_ms;
}

static void backoff_fail(struct agent *a, struct backoff *b, const char *why)
{
	int64_t now = hpcnet_mono_ms(), wait;

	if (!b->down) {
		b->down = 1;
		b->delay_ms = BACKOFF_MIN_MS;
		b->since_ms = hpcnet_now_ms();
		hpcnet_warn("%s unavailable (%s); jobs keep running, retrying with backoff up to %d s",
			    b->peer, why, BACKOFF_MAX_MS / 1000);
	} else if (now < b->next_ms) {
		return; /* a second failure within one try: already paused */
	} else {
		hpcnet_debug("%s still unavailable: %s", b->peer, why);
		b->delay_ms = b->delay_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : b->delay_ms * 2;
	}
	/* Uniform in [delay/2, delay]: agents that lost the hub together do not return together. */
	wait = b->delay_ms / 2 + (int64_t)(rng_next(a) % (uint64_t)(b->delay_ms / 2 + 1));
	b->next_ms = now + wait;
}

static void backoff_ok(struct backoff *b)
{
	if (!b->down)
		return;
	hpcnet_info("%s available again after %.1f s", b->peer,
		    (double)(hpcnet_now_ms() - b->since_ms) / 1000.0);
	b->down = 0;
}

static int transient(int rc)
{
	return rc == HPCNET_EUNAVAIL || rc == HPCNET_ETIMEOUT;
}

/*
 * Handles a hub error common to all calls: a refused credential stops the
 * agent, an unreachable hub pauses all hub traffic. Returns 1 when the
 * caller should stop talking to the hub for now.
 */
static int hub_failed(struct agent *a, int rc)
{
	if (rc == HPCNET_EAUTH) {
		hpcnet_error("the hub refused this agent's credential (%s): center %s was deleted, "
			     "or another agent joined as %s with a new join token. If this agent "
			     "should serve it, ask the hub admin for a new join token (hpcnet "
			     "centers join-token %s) and restart with --rejoin --join-token TOKEN "
			     "(jobs in the journal are kept)",
			     hpcnet_hublink_error(a->hub), a->cred.center_name, a->cred.center_name,
			     a->cred.center_name);
		a->fatal = 1;
		return 1;
	}
	if (transient(rc) || rc == HPCNET_EPROTO) {
		backoff_fail(a, &a->hub_bo, hpcnet_hublink_error(a->hub));
		hpcnet_hublink_orders_abort(a->hub);
		return 1;
	}
	return 0;
}

static int hub_ready(struct agent *a)
{
	return !a->fatal && backoff_ready(&a->hub_bo);
}

/* A journal write failed: pause the work that needs it (logged once). */
static void db_failed(struct agent *a)
{
	hpcnet_journal_rollback(a->j);
	backoff_fail(a, &a->db_bo, "journal write failed");
}

/* ---- adapter calls: the only place the loop touches the ops table ---- */

static int ad_submit(struct agent *a, const struct hpcnet_job_spec *spec, char *ref, size_t len)
{
	return a->ad->submit(a->ad_state, spec, ref, len);
}

static int ad_poll(struct agent *a, const struct hpcnet_journal_job *row,
		   struct hpcnet_job_status *st)
{
	memset(st, 0, sizeof(*st));
	return a->ad->poll(a->ad_state, row->job_id, row->ref, st);
}

static int ad_cancel(struct agent *a, const struct hpcnet_journal_job *row)
{
	if (!a->ad->cancel)
		return HPCNET_ECONFLICT;
	return a->ad->cancel(a->ad_state, row->job_id, row->ref);
}

static int ad_purge(struct agent *a, const struct hpcnet_journal_job *row)
{
	return a->ad->purge ? a->ad->purge(a->ad_state, row->job_id, row->ref) : 0;
}

static int ad_snapshot(struct agent *a, struct hpcnet_snapshot *snap)
{
	memset(snap, 0, sizeof(*snap));
	return a->ad->snapshot ? a->ad->snapshot(a->ad_state, snap) : HPCNET_EUNAVAIL;
}

/* ---- orders ---- */

/*
 * The hub asks to cancel job_id. Journaled before anything else happens,
 * so the decision survives a crash.
 */
static int cancel_one(struct agent *a, const char *job_id)
{
	struct hpcnet_journal_job row;
	int rc;

	rc = hpcnet_journal_get(a->j, job_id, &row);
	if (rc == HPCNET_ENOTFOUND) {
		/* Never ordered: remember it so a late order is never started. */
		rc = hpcnet_journal_add_final(a->j, job_id, "cancelled",
					      "cancelled before the order reached the center");
		if (rc == 0) {
			hpcnet_info("job %s cancelled before its order arrived", job_id);
			a->dirty = 1;
		}
		return rc;
	}
	if (rc < 0)
		return rc;
	switch (row.phase) {
	case HPCNET_JP_RECEIVED:
		/* The adapter never saw it: nothing to stop. */
		snprintf(row.state, sizeof(row.state), "cancelled");
		snprintf(row.reason, sizeof(row.reason), "cancelled before it was submitted");
		row.ended_ms = hpcnet_now_ms();
		rc = hpcnet_journal_record(a->j, &row);
		if (rc == 0) {
			hpcnet_info("job %s cancelled before it was submitted", job_id);
			a->dirty = 1;
		}
		break;
	case HPCNET_JP_SUBMITTING:
	case HPCNET_JP_SUBMITTED:
		/* Maybe at the center (a submit may have reached it): the tick
		 * submits if needed and then tells the adapter. */
		if (row.cancel == HPCNET_JC_NONE) {
			rc = hpcnet_journal_set_cancel(a->j, job_id, HPCNET_JC_REQUESTED);
			hpcnet_info("job %s: cancel requested by the hub", job_id);
		}
		break;
	case HPCNET_JP_FINISHED:
	case HPCNET_JP_DONE:
		break; /* its final state is (being) reported */
	}
	hpcnet_journal_job_clear(&row);
	return rc;
}

/*
 * The hub re-sent an order we already have. Normal until our pending
 * report lands. If the hub had acknowledged a report for it before this
 * long-poll was sent, the hub lost it (say, restored from a backup):
 * report the job's state again. (A long-poll sent before the ack may
 * legitimately still carry the order; the row's last write tells.)
 */
static int order_known(struct agent *a, const char *job_id)
{
	struct hpcnet_journal_job row;
	int rc = hpcnet_journal_get(a->j, job_id, &row);

	if (rc < 0)
		return rc;
	if (row.seq > 0 && row.acked_seq >= row.seq && row.updated_ms < a->orders_sent_ms) {
		hpcnet_warn("the hub re-sent the order of job %s, which it had acknowledged as %s: "
			    "reporting it again, not running it again",
			    job_id, row.state);
		rc = hpcnet_journal_rereport(a->j, job_id);
		a->dirty = 1;
	}
	hpcnet_journal_job_clear(&row);
	return rc;
}

/*
 * The hub wants job_id back unstarted (its center is being drained), to
 * place it elsewhere. Journaled, then acted on by the tick, which withdraws
 * the job only if the scheduler has not started it: nothing runs twice.
 */
static int recall_one(struct agent *a, const char *job_id)
{
	struct hpcnet_journal_job row;
	int rc;

	rc = hpcnet_journal_get(a->j, job_id, &row);
	if (rc == HPCNET_ENOTFOUND) {
		rc = hpcnet_journal_add_final(a->j, job_id, "recalled",
					      "the order never reached the center");
		if (rc == 0) {
			hpcnet_info("job %s recalled before its order arrived", job_id);
			a->dirty = 1;
		}
		return rc;
	}
	if (rc < 0)
		return rc;
	if (row.phase == HPCNET_JP_RECEIVED && row.cancel == HPCNET_JC_NONE) {
		snprintf(row.state, sizeof(row.state), "recalled");
		snprintf(row.reason, sizeof(row.reason), "given back before it was submitted");
		row.ended_ms = hpcnet_now_ms();
		rc = hpcnet_journal_record(a->j, &row);
		if (rc == 0) {
			hpcnet_info("job %s recalled before it was submitted", job_id);
			a->dirty = 1;
		}
	} else if ((row.phase == HPCNET_JP_SUBMITTING || row.phase == HPCNET_JP_SUBMITTED) &&
		   row.recall == HPCNET_JR_NONE && row.cancel == HPCNET_JC_NONE) {
		rc = hpcnet_journal_set_recall(a->j, job_id, HPCNET_JR_REQUESTED);
		hpcnet_info("job %s: recall requested by the hub", job_id);
	}
	hpcnet_journal_job_clear(&row);
	return rc;
}

/* The control actions of the API, the adapter op and cap for each. */
static const struct control_action {
	const char *name;
	enum hpcnet_job_action act;
	unsigned cap;
} control_actions[] = {
	{ "hold", HPCNET_ACT_HOLD, HPCNET_CAP_HOLD },
	{ "release", HPCNET_ACT_RELEASE, HPCNET_CAP_HOLD },
	{ "suspend", HPCNET_ACT_SUSPEND, HPCNET_CAP_SUSPEND },
	{ "resume", HPCNET_ACT_RESUME, HPCNET_CAP_SUSPEND },
	{ "requeue", HPCNET_ACT_REQUEUE, HPCNET_CAP_REQUEUE },
};

static const struct control_action *control_find(const char *name)
{
	size_t i;

	for (i = 0; name && i < sizeof(control_actions) / sizeof(control_actions[0]); i++)
		if (strcmp(control_actions[i].name, name) == 0)
			return &control_actions[i];
	return NULL;
}

/*
 * The hub asks for a control action on job_id; it repeats the request
 * until our report carries the result. A job not at the scheduler yet
 * waits for the next repetition; a repetition of a request we already
 * answered (the answer was computed before our report) is ignored.
 */
static int control_one(struct agent *a, const char *job_id, const char *action)
{
	struct hpcnet_journal_job row;
	int rc;

	if (!control_find(action)) {
		hpcnet_warn("job %s: ignoring unknown control action '%s'", job_id,
			    action ? action : "(none)");
		return 0;
	}
	rc = hpcnet_journal_get(a->j, job_id, &row);
	if (rc == HPCNET_ENOTFOUND)
		return 0;
	if (rc < 0)
		return rc;
	if ((row.phase == HPCNET_JP_SUBMITTING || row.phase == HPCNET_JP_SUBMITTED) &&
	    !(strcmp(row.control, action) == 0 &&
	      (row.control_state != HPCNET_JCTL_NONE || row.control_acked_ms >= a->orders_sent_ms))) {
		rc = hpcnet_journal_control_request(a->j, job_id, action);
		hpcnet_info("job %s: %s requested by the hub", job_id, action);
	}
	hpcnet_journal_job_clear(&row);
	return rc;
}

/*
 * An orders answer: journal every new order, cancel, recall and control
 * request in one transaction, before the adapter sees any of them.
 */
static void on_orders(struct agent *a, json_t *ans)
{
	json_t *items = json_object_get(ans, "items");
	json_t *cancel = json_object_get(ans, "cancel");
	size_t i, nnew = 0, nseen = 0;
	json_t *v;
	int rc;

	if (!backoff_ready(&a->db_bo))
		return; /* the hub re-sends until we report */
	rc = hpcnet_journal_begin(a->j);
	json_array_foreach(items, i, v) {
		const char *id = json_string_value(json_object_get(v, "job_id"));
		char *text;

		if (rc < 0)
			break;
		if (!json_is_object(v) || !hpcnet_order_id_ok(id)) {
			hpcnet_warn("ignoring an order without a valid job_id");
			continue;
		}
		nseen++;
		text = json_dumps(v, JSON_COMPACT);
		rc = hpcnet_journal_order_add(a->j, id, text);
		if (rc == 0) {
			nnew++;
			hpcnet_info("order for job %s (%s, %lld cores) journaled", id,
				    json_string_value(json_object_get(v, "name")) ?: "job",
				    (long long)json_integer_value(json_object_get(v, "cores")));
		} else if (rc == HPCNET_EEXIST) {
			/* A job this center gave back may be placed here again. */
			rc = hpcnet_journal_order_renew(a->j, id, text);
			if (rc == 0) {
				nnew++;
				hpcnet_info("order for job %s journaled again (recalled earlier)", id);
			} else if (rc == HPCNET_EEXIST) {
				rc = order_known(a, id);
			}
		}
		free(text);
	}
	json_array_foreach(cancel, i, v) {
		const char *id = json_string_value(v);

		if (rc < 0)
			break;
		if (!hpcnet_order_id_ok(id))
			continue;
		nseen++;
		rc = cancel_one(a, id);
	}
	json_array_foreach(json_object_get(ans, "recall"), i, v) {
		const char *id = json_string_value(v);

		if (rc < 0)
			break;
		if (!hpcnet_order_id_ok(id))
			continue;
		nseen++;
		rc = recall_one(a, id);
	}
	json_array_foreach(json_object_get(ans, "control"), i, v) {
		const char *id = json_string_value(json_object_get(v, "job_id"));

		if (rc < 0)
			break;
		if (!hpcnet_order_id_ok(id))
			continue;
		nseen++;
		rc = control_one(a, id, json_string_value(json_object_get(v, "action")));
	}
	if (rc == 0)
		rc = hpcnet_journal_commit(a->j);
	if (rc < 0) {
		db_failed(a);
		return;
	}
	backoff_ok(&a->db_bo);
	/*
	 * The hub answers at once while anything is pending for us, e.g. an
	 * order the adapter cannot take yet or a cancel still in progress.
	 * When an answer brought nothing new, wait a little before asking
	 * again instead of spinning with the hub.
	 */
	if (nseen > 0 && nnew == 0)
		a->next_orders_ms = hpcnet_mono_ms() + 1000;
	if (nnew > 0)
		a->next_tick_ms = 0; /* submit now, not at the next tick */
}

/* ---- tick: the adapter side ---- */

static void copy_status(struct hpcnet_journal_job *row, const struct hpcnet_job_status *st)
{
	snprintf(row->state, sizeof(row->state), "%s", hpcnet_adapter_state_name(st->state));
	row->exit_code = st->exit_code;
	row->signal = st->signal;
	row->started_ms = st->started_ms;
	row->ended_ms = st->ended_ms;
	row->cpu_seconds = st->cpu_seconds;
	row->max_rss_bytes = st->max_rss_bytes;
	row->gpu_seconds = st->gpu_seconds;
	snprintf(row->reason, sizeof(row->reason), "%s", st->reason);
	snprintf(row->stdout_path, sizeof(row->stdout_path), "%s", st->stdout_path);
	snprintf(row->stderr_path, sizeof(row->stderr_path), "%s", st->stderr_path);
}

/* Marks row failed for a reason (a job the center refused or cannot run). */
static int record_failed(struct agent *a, struct hpcnet_journal_job *row, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int record_failed(struct agent *a, struct hpcnet_journal_job *row, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(row->reason, sizeof(row->reason), fmt, ap);
	va_end(ap);
	snprintf(row->state, sizeof(row->state), "failed");
	row->exit_code = -1;
	row->ended_ms = hpcnet_now_ms();
	hpcnet_warn("job %s failed: %s", row->job_id, row->reason);
	a->dirty = 1;
	return hpcnet_journal_record(a->j, row);
}

/* Errors of submit that mean "this job can never run here", not "try later". */
static int submit_refused(int rc)
{
	return rc == HPCNET_EINVAL || rc == HPCNET_ETOOBIG || rc == HPCNET_ENOFIT ||
	       rc == HPCNET_EPERM;
}

/*
 * Hands a journaled order to the adapter. The row is already "submitting"
 * (committed), so a crash from here on leads to a second, idempotent
 * submit at the next start. Returns 0, or a transient adapter error.
 */
static int submit_one(struct agent *a, struct hpcnet_journal_job *row)
{
	struct hpcnet_order o;
	char ref[256] = "", why[256];
	int rc;

	rc = hpcnet_order_parse(row->job_id, row->order_json, &o, why, sizeof(why));
	if (rc < 0) {
		rc = record_failed(a, row, "the center could not read the order: %s", why);
		goto out;
	}
	rc = ad_submit(a, &o.spec, ref, sizeof(ref));
	if (rc == 0) {
		rc = hpcnet_journal_submitted(a->j, row->job_id, ref);
		hpcnet_info("job %s submitted to %s as %s", row->job_id, a->ad->name, ref);
		a->dirty = 1;
	} else if (submit_refused(rc)) {
		rc = record_failed(a, row, "the %s adapter refused the job: %s", a->ad->name,
				   hpcnet_strerror(rc));
	} else {
		/* EUNAVAIL, ETIMEOUT, or an OS error such as a full disk: the
		 * scheduler may take it later, so never fail the job for it. */
		backoff_fail(a, &a->ad_bo, hpcnet_strerror(rc));
		rc = HPCNET_EUNAVAIL;
	}
out:
	hpcnet_order_clear(&o);
	return rc;
}

/*
 * Compares the adapter's view (now, a copy of row with the status filled
 * in) with the journal's and records a difference.
 */
static int observe(struct agent *a, struct hpcnet_journal_job *row,
		   const struct hpcnet_journal_job *now)
{
	/* Usage grows every tick; only a new state or new file paths are
	 * worth a durable write. The final write carries the final usage. */
	if (strcmp(now->state, row->state) == 0 && now->started_ms == row->started_ms &&
	    strcmp(now->stdout_path, row->stdout_path) == 0 &&
	    strcmp(now->stderr_path, row->stderr_path) == 0 &&
	    strcmp(now->reason, row->reason) == 0)
		return 0;
	if (strcmp(now->state, row->state) != 0) {
		a->dirty = 1;
		if (hpcnet_journal_state_final(now->state) && now->started_ms > 0)
			hpcnet_info("job %s %s (exit %d%s%s%s%s)", row->job_id, now->state,
				    now->exit_code, now->signal ? ", signal " : "",
				    now->signal ? strsignal(now->signal) : "",
				    *now->reason ? ": " : "", now->reason);
		else if (*now->reason)
			hpcnet_info("job %s %s: %s", row->job_id, now->state, now->reason);
		else
			hpcnet_info("job %s %s", row->job_id, now->state);
		if (*now->reason)
			hpcnet_debug("job %s: %s", row->job_id, now->reason);
	}
	return hpcnet_journal_record(a->j, now);
}

/* Hands a requested control action to the adapter and journals its answer. */
static int deliver_control(struct agent *a, struct hpcnet_journal_job *row)
{
	const struct control_action *c = control_find(row->control);
	char err[256] = "";
	int rc;

	if (!c) {
		snprintf(err, sizeof(err), "unknown action '%s'", row->control);
	} else if (!(a->ad->caps & c->cap) || !a->ad->control) {
		snprintf(err, sizeof(err), "the %s scheduler cannot %s jobs", a->ad->name, c->name);
	} else {
		rc = a->ad->control(a->ad_state, row->job_id, row->ref, c->act);
		if (transient(rc)) {
			backoff_fail(a, &a->ad_bo, hpcnet_strerror(rc));
			return HPCNET_EUNAVAIL;
		}
		if (rc < 0)
			snprintf(err, sizeof(err), "%s failed: %s", c->name, hpcnet_strerror(rc));
	}
	if (*err)
		hpcnet_warn("job %s: %s", row->job_id, err);
	else
		hpcnet_info("job %s: %s done", row->job_id, c->name);
	a->dirty = 1;
	rc = hpcnet_journal_control_result(a->j, row->job_id, *err ? err : NULL);
	if (rc == 0)
		row->control_state = *err ? HPCNET_JCTL_FAILED : HPCNET_JCTL_DONE;
	return rc;
}

/*
 * Acts on a recall once the job's fresh state is known (now): withdraw it
 * while it waits, keep it once it started. Within this single thread
 * nothing starts a local job between that poll and the cancel.
 */
static int deliver_recall(struct agent *a, struct hpcnet_journal_job *row,
			  const struct hpcnet_job_status *st)
{
	int waiting = (st->state == HPCNET_AS_PENDING || st->state == HPCNET_AS_HELD) &&
		      st->started_ms == 0;
	int rc;

	if (st->state == HPCNET_AS_CANCELLED && st->started_ms == 0) {
		/* We withdrew it already and crashed before noting it. */
		rc = hpcnet_journal_set_recall(a->j, row->job_id, HPCNET_JR_DELIVERED);
		if (rc == 0)
			row->recall = HPCNET_JR_DELIVERED;
		return rc;
	}
	if (!waiting || !a->ad->cancel) {
		if (!hpcnet_journal_state_final(hpcnet_adapter_state_name(st->state)))
			hpcnet_info("job %s stays: %s", row->job_id,
				    waiting ? "its scheduler cannot withdraw jobs"
					    : "it started before the recall");
		rc = hpcnet_journal_set_recall(a->j, row->job_id, HPCNET_JR_DECLINED);
		if (rc == 0)
			row->recall = HPCNET_JR_DECLINED;
		return rc;
	}
	rc = ad_cancel(a, row);
	if (transient(rc)) {
		backoff_fail(a, &a->ad_bo, hpcnet_strerror(rc));
		return HPCNET_EUNAVAIL;
	}
	rc = hpcnet_journal_set_recall(a->j, row->job_id, HPCNET_JR_DELIVERED);
	if (rc == 0)
		row->recall = HPCNET_JR_DELIVERED;
	return rc;
}

/*
 * Polls one submitted job: delivers a pending cancel or control action
 * first, and a recall once the poll shows whether the job started.
 */
static int poll_one(struct agent *a, struct hpcnet_journal_job *row)
{
	struct hpcnet_journal_job now;
	struct hpcnet_job_status st;
	int rc;

	if (row->cancel == HPCNET_JC_REQUESTED) {
		rc = ad_cancel(a, row);
		if (transient(rc)) {
			backoff_fail(a, &a->ad_bo, hpcnet_strerror(rc));
			return rc;
		}
		if (rc == HPCNET_ECONFLICT && !a->ad->cancel)
			hpcnet_warn("job %s: the %s adapter cannot cancel; it runs to its end",
				    row->job_id, a->ad->name);
		else if (rc < 0 && rc != HPCNET_ENOTFOUND)
			hpcnet_warn("job %s: cancel failed: %s", row->job_id, hpcnet_strerror(rc));
		rc = hpcnet_journal_set_cancel(a->j, row->job_id, HPCNET_JC_DELIVERED);
		if (rc < 0)
			return rc;
		row->cancel = HPCNET_JC_DELIVERED;
	}
	if (row->control_state == HPCNET_JCTL_REQUESTED && row->cancel == HPCNET_JC_NONE) {
		rc = deliver_control(a, row);
		if (rc < 0)
			return rc;
	}
	rc = ad_poll(a, row, &st);
	if (rc == HPCNET_ENOTFOUND) {
		struct hpcnet_journal_job lost = *row;

		lost.order_json = NULL;
		snprintf(lost.state, sizeof(lost.state), "lost");
		snprintf(lost.reason, sizeof(lost.reason),
			 "the %s scheduler has no record of this job (reference %.100s)",
			 a->ad->name, *row->ref ? row->ref : "none");
		lost.ended_ms = hpcnet_now_ms();
		hpcnet_warn("job %s lost: %s", row->job_id, lost.reason);
		a->dirty = 1;
		return hpcnet_journal_record(a->j, &lost);
	}
	if (transient(rc)) {
		backoff_fail(a, &a->ad_bo, hpcnet_strerror(rc));
		return HPCNET_EUNAVAIL;
	}
	if (rc < 0) {
		/* Something wrong with this one job (say, a damaged status
		 * file): keep polling the others, and say so now and then. */
		if (hpcnet_mono_ms() >= a->next_poll_warn_ms) {
			hpcnet_warn("job %s: poll failed: %s (will retry)", row->job_id,
				    hpcnet_strerror(rc));
			a->next_poll_warn_ms = hpcnet_mono_ms() + 60000;
		}
		return 0;
	}
	if (row->recall == HPCNET_JR_REQUESTED && row->cancel == HPCNET_JC_NONE) {
		rc = deliver_recall(a, row, &st);
		if (rc < 0)
			return rc;
	}
	now = *row;
	now.order_json = NULL; /* a borrowed view; the row keeps ownership */
	copy_status(&now, &st);
	if (row->recall == HPCNET_JR_DELIVERED && row->cancel == HPCNET_JC_NONE &&
	    st.state == HPCNET_AS_CANCELLED) {
		/* Withdrawn for the recall, not cancelled by anyone. */
		if (st.started_ms == 0) {
			snprintf(now.state, sizeof(now.state), "recalled");
			snprintf(now.reason, sizeof(now.reason), "withdrawn unstarted from %s",
				 a->ad->name);
		} else {
			snprintf(now.state, sizeof(now.state), "failed");
			snprintf(now.reason, sizeof(now.reason),
				 "stopped by a recall: it started just before %s withdrew it",
				 a->ad->name);
		}
	}
	return observe(a, row, &now);
}

/*
 * One pass over the active jobs on the adapter side. Orders are first
 * marked "submitting" and committed, then submitted; all resulting state
 * changes are committed in one transaction before anything is reported.
 */
static void tick(struct agent *a)
{
	struct hpcnet_journal_job *rows = NULL;
	size_t n = 0, i, nrecv = 0;
	int rc;

	if (!backoff_ready(&a->ad_bo) || !backoff_ready(&a->db_bo))
		return;
	rc = hpcnet_journal_active(a->j, &rows, &n);
	if (rc < 0)
		goto fail;
	for (i = 0; i < n; i++)
		nrecv += rows[i].phase == HPCNET_JP_RECEIVED;
	if (nrecv > 0) {
		rc = hpcnet_journal_begin(a->j);
		for (i = 0; i < n && rc == 0; i++) {
			if (rows[i].phase != HPCNET_JP_RECEIVED)
				continue;
			rc = hpcnet_journal_set_phase(a->j, rows[i].job_id, HPCNET_JP_SUBMITTING);
			rows[i].phase = HPCNET_JP_SUBMITTING;
		}
		if (rc == 0)
			rc = hpcnet_journal_commit(a->j);
		if (rc < 0)
			goto fail;
	}
	rc = hpcnet_journal_begin(a->j);
	for (i = 0; i < n && rc == 0 && !agent_stop; i++) {
		if (rows[i].phase == HPCNET_JP_SUBMITTING)
			rc = submit_one(a, &rows[i]);
		else if (rows[i].phase == HPCNET_JP_SUBMITTED)
			rc = poll_one(a, &rows[i]);
	}
	if (rc == HPCNET_EUNAVAIL)
		rc = 0; /* adapter paused: keep what was recorded so far */
	else if (rc == 0)
		backoff_ok(&a->ad_bo);
	if (rc == 0)
		rc = hpcnet_journal_commit(a->j);
	if (rc < 0)
		goto fail;
	backoff_ok(&a->db_bo);
	hpcnet_journal_jobs_free(rows, n);
	return;
fail:
	db_failed(a);
	hpcnet_journal_jobs_free(rows, n);
}

/* ---- ship: output and reports to the hub ---- */

/* Ships row's output within the round's budget; 0 or a hub error. */
static int ship_output(struct agent *a, struct hpcnet_journal_job *row, size_t *budget,
		       int *complete)
{
	int answered = 0;
	int rc = hpcnet_output_ship(a->hub, a->j, row, budget, complete, &answered);

	if (answered)
		backoff_ok(&a->hub_bo);
	if (rc == HPCNET_ESTORE) {
		db_failed(a);
		*complete = 0;
		return 0;
	}
	if (rc == 0 && !*complete)
		a->more_output = 1; /* the budget ran out: next round at once */
	return rc;
}

/* The center's own metering figures for the hub to check against its
 * own (hub/billing/meter.h): what the job was given (its order) for as
 * long as the scheduler says it ran. */
static void center_figures(const struct hpcnet_journal_job *row, json_t *usage)
{
	json_t *order = row->order_json ? json_loads(row->order_json, 0, NULL) : NULL;
	int64_t wall_ms = row->ended_ms - row->started_ms;
	int64_t cores = json_integer_value(json_object_get(order, "cores"));
	int64_t mib = (json_integer_value(json_object_get(order, "memory_bytes")) + (1 << 20) - 1) >> 20;

	if (order && wall_ms >= 0 && row->started_ms > 0 && row->ended_ms > 0) {
		json_object_set_new(usage, "core_seconds", json_integer((cores * wall_ms + 500) / 1000));
		if (mib > 0)
			json_object_set_new(usage, "memory_mib_seconds",
					    json_integer((mib * wall_ms + 500) / 1000));
	}
	json_decref(order);
}

static json_t *report_item(const struct hpcnet_journal_job *row)
{
	json_t *it = json_pack("{s:s, s:s}", "job_id", row->job_id, "state", row->state);
	char t[40];
	int final = hpcnet_journal_state_final(row->state);

	if (row->started_ms > 0) {
		hpcnet_time_format(row->started_ms, t, sizeof(t));
		json_object_set_new(it, "started_at", json_string(t));
	}
	if (*row->reason)
		json_object_set_new(it, "reason", json_string(row->reason));
	if (row->control_state == HPCNET_JCTL_DONE)
		json_object_set_new(it, "control_done", json_string(row->control));
	else if (row->control_state == HPCNET_JCTL_FAILED)
		json_object_set_new(it, "control_error", json_string(row->control_error));
	if (final && row->ended_ms > 0) {
		hpcnet_time_format(row->ended_ms, t, sizeof(t));
		json_object_set_new(it, "ended_at", json_string(t));
	}
	/* Exit status and usage only describe a job that ran. */
	if (!final || row->started_ms == 0 || strcmp(row->state, "lost") == 0)
		return it;
	json_object_set_new(it, "exit_code", json_integer(row->exit_code));
	json_object_set_new(it, "signal", json_integer(row->signal));
	json_object_set_new(it, "usage", json_pack("{s:f, s:I}", "cpu_seconds", row->cpu_seconds,
						   "max_rss_bytes", (json_int_t)row->max_rss_bytes));
	if (row->gpu_seconds > 0)
		json_object_set_new(json_object_get(it, "usage"), "gpu_seconds",
				    json_real(row->gpu_seconds));
	center_figures(row, json_object_get(it, "usage"));
	return it;
}

/*
 * The hub has the final report of row: let the adapter forget the job
 * and close the row. The order matters: ack (committed) -> purge -> done,
 * so a crash in between only repeats a purge, which is harmless.
 */
static void finish_row(struct agent *a, struct hpcnet_journal_job *row)
{
	int rc = ad_purge(a, row);

	if (transient(rc)) {
		backoff_fail(a, &a->ad_bo, hpcnet_strerror(rc));
		return; /* the row stays finished; purged on a later round */
	}
	if (rc < 0 && rc != HPCNET_ENOTFOUND)
		hpcnet_warn("job %s: purge failed (%s); leaving its files", row->job_id,
			    hpcnet_strerror(rc));
	if (hpcnet_journal_set_phase(a->j, row->job_id, HPCNET_JP_DONE) < 0)
		db_failed(a);
	else
		row->phase = HPCNET_JP_DONE;
}

/*
 * Sends one batch of reports; acknowledges every result "applied" or
 * "ignored". The rows array is parallel to items. A batch the hub rejects
 * as a whole (400/422) is retried item by item so one bad report cannot
 * block the others; an item rejected alone is dropped with an error.
 */
static int send_reports(struct agent *a, json_t *items, struct hpcnet_journal_job **rows)
{
	json_t *results = NULL, *r;
	size_t i, k;
	int rc;

	rc = hpcnet_hublink_reports(a->hub, items, &results);
	if (rc == HPCNET_EINVAL && json_array_size(items) > 1) {
		hpcnet_warn("the hub rejected a batch of %zu reports (%s); sending them one by one",
			    json_array_size(items), hpcnet_hublink_error(a->hub));
		for (i = 0; i < json_array_size(items); i++) {
			json_t *one = json_pack("[O]", json_array_get(items, i));

			rc = send_reports(a, one, &rows[i]);
			json_decref(one);
			if (rc < 0)
				return rc;
		}
		return 0;
	}
	if (rc == HPCNET_EINVAL) {
		hpcnet_error("the hub rejected the report of job %s as %s (%s); not sending it again",
			     rows[0]->job_id, rows[0]->state, hpcnet_hublink_error(a->hub));
		results = json_pack("[{s:s, s:s}]", "job_id", rows[0]->job_id, "result", "ignored");
		rc = 0;
	}
	if (rc < 0)
		return rc;
	backoff_ok(&a->hub_bo);
	json_array_foreach(results, k, r) {
		const char *id = json_string_value(json_object_get(r, "job_id"));
		const char *res = json_string_value(json_object_get(r, "result"));

		for (i = 0; id && i < json_array_size(items); i++) {
			struct hpcnet_journal_job *row = rows[i];

			if (strcmp(row->job_id, id) != 0)
				continue;
			if (!res || (strcmp(res, "applied") != 0 && strcmp(res, "ignored") != 0)) {
				hpcnet_warn("job %s: unexpected report result '%s'", id,
					    res ? res : "(none)");
				break;
			}
			if (strcmp(res, "ignored") == 0)
				hpcnet_debug("job %s: hub ignored %s (it has %s)", id, row->state,
					     json_string_value(json_object_get(r, "state")) ?: "?");
			if (hpcnet_journal_ack(a->j, id, row->seq) < 0) {
				db_failed(a);
				break;
			}
			row->acked_seq = row->seq;
			if (row->phase == HPCNET_JP_FINISHED)
				finish_row(a, row);
			break;
		}
	}
	json_decref(results);
	return 0;
}

/*
 * One shipping round: output, then reports, then purges. Final reports
 * wait until all of their job's output is at the hub, so a user who sees
 * "succeeded" also sees the whole stdout.
 */
static void ship(struct agent *a)
{
	struct hpcnet_journal_job *rows = NULL, **batch = NULL;
	int64_t now = hpcnet_mono_ms();
	int output_due = now >= a->next_output_ms || a->more_output;
	size_t n = 0, i, budget = SHIP_BUDGET;
	json_t *items = NULL;
	int rc = 0, complete;

	if (!hub_ready(a) || !backoff_ready(&a->db_bo))
		return;
	if (!a->dirty && !output_due && now < a->next_report_ms)
		return;
	if (hpcnet_journal_active(a->j, &rows, &n) < 0) {
		db_failed(a);
		return;
	}
	a->dirty = 0;
	a->more_output = 0;
	if (output_due)
		a->next_output_ms = now + OUTPUT_PERIOD_MS;
	a->next_report_ms = now + REPORT_RETRY_MS;
	items = json_array();
	batch = hpcnet_xcalloc(n + 1, sizeof(*batch));
	for (i = 0; i < n && rc == 0 && !a->fatal; i++) {
		struct hpcnet_journal_job *row = &rows[i];
		int unreported = row->seq > row->acked_seq;

		if (row->phase == HPCNET_JP_SUBMITTED && output_due) {
			rc = ship_output(a, row, &budget, &complete);
		} else if (row->phase == HPCNET_JP_FINISHED && unreported) {
			rc = ship_output(a, row, &budget, &complete);
			if (rc < 0 || !complete)
				continue; /* the final report waits for the output */
		} else if (row->phase == HPCNET_JP_FINISHED) {
			finish_row(a, row); /* acknowledged before a crash or a purge retry */
			continue;
		}
		if (rc < 0 || !unreported)
			continue;
		batch[json_array_size(items)] = row;
		json_array_append_new(items, report_item(row));
		if (json_array_size(items) == REPORT_BATCH) {
			rc = send_reports(a, items, batch);
			json_array_clear(items);
		}
	}
	if (rc == 0 && json_array_size(items) > 0)
		rc = send_reports(a, items, batch);
	if (rc < 0 && !hub_failed(a, rc)) {
		/* 404 and the like: the hub and we disagree on the API; keep
		 * everything and retry slowly rather than drop reports. */
		hpcnet_warn("shipping to the hub failed: %s", hpcnet_hublink_error(a->hub));
		backoff_fail(a, &a->hub_bo, hpcnet_hublink_error(a->hub));
	}
	json_decref(items);
	free(batch);
	hpcnet_journal_jobs_free(rows, n);
}

/* ---- heartbeat ---- */

static json_t *caps_json(unsigned caps)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {
		{ HPCNET_CAP_CANCEL, "cancel" }, { HPCNET_CAP_HOLD, "hold" },
		{ HPCNET_CAP_SUSPEND, "suspend" }, { HPCNET_CAP_REQUEUE, "requeue" },
		{ HPCNET_CAP_USAGE, "usage" }, { HPCNET_CAP_GPUS, "gpus" },
	};
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (caps & names[i].bit)
			json_array_append_new(arr, json_string(names[i].name));
	return arr;
}

/* The snapshot's optional detail (the hub's scheduler reads gpu_pools and est_wait_seconds). */
static json_t *snapshot_json(const struct hpcnet_snapshot *s)
{
	json_t *o = json_object(), *pools = json_array(), *parts = json_array();
	char names[sizeof(s->partitions)], *p, *save = NULL;
	int i;

	for (i = 0; i < s->ngpu_pools && i < (int)(sizeof(s->gpu_pools) / sizeof(s->gpu_pools[0]));
	     i++)
		json_array_append_new(pools, json_pack("{s:s, s:I, s:I}", "model",
						       s->gpu_pools[i].model, "total",
						       (json_int_t)s->gpu_pools[i].total, "free",
						       (json_int_t)s->gpu_pools[i].free));
	json_object_set_new(o, "gpu_pools", pools);
	if (s->est_wait_s >= 0)
		json_object_set_new(o, "est_wait_seconds", json_integer(s->est_wait_s));
	if (s->nodes_total > 0)
		json_object_set_new(o, "nodes",
				    json_pack("{s:I, s:I, s:I, s:I}", "total",
					      (json_int_t)s->nodes_total, "idle",
					      (json_int_t)s->nodes_idle, "alloc",
					      (json_int_t)s->nodes_alloc, "down",
					      (json_int_t)s->nodes_down));
	snprintf(names, sizeof(names), "%s", s->partitions);
	for (p = strtok_r(names, ",", &save); p; p = strtok_r(NULL, ",", &save))
		json_array_append_new(parts, json_string(p));
	json_object_set_new(o, "partitions", parts);
	return o;
}

/*
 * Heartbeat: capacity for the hub's scheduler and our health. When the
 * scheduler does not answer, the center says "degraded" and offers no
 * free capacity, so the hub stops placing jobs here until it recovers.
 */
static void heartbeat(struct agent *a)
{
	struct hpcnet_snapshot s;
	char status[32] = "", why[300] = "";
	json_t *body;
	int rc, ttl = 0;

	if (!hub_ready(a) || hpcnet_mono_ms() < a->next_heartbeat_ms)
		return;
	a->next_heartbeat_ms = hpcnet_mono_ms() + (int64_t)a->conf->heartbeat_s * 1000;
	rc = backoff_ready(&a->ad_bo) ? ad_snapshot(a, &s) : HPCNET_EUNAVAIL;
	if (rc == 0) {
		a->last_snap = s;
	} else {
		/* The scheduler cannot say: offer nothing new, keep the totals. */
		s = a->last_snap;
		s.free_cores = s.free_mem_bytes = s.free_gpus = 0;
		snprintf(why, sizeof(why), "the %s scheduler does not answer (%s)", a->ad->name,
			 hpcnet_strerror(rc));
	}
	body = json_pack("{s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}, s:o, s:o, s:s, s:s}",
			 "resources",
			 "total_cores", (json_int_t)s.total_cores, "free_cores",
			 (json_int_t)s.free_cores, "total_memory_bytes", (json_int_t)s.total_mem_bytes,
			 "free_memory_bytes", (json_int_t)s.free_mem_bytes, "total_gpus",
			 (json_int_t)s.total_gpus, "free_gpus", (json_int_t)s.free_gpus,
			 "queue_length", (json_int_t)s.queue_len, "running", (json_int_t)s.running,
			 "caps", caps_json(a->ad->caps), "snapshot", snapshot_json(&s), "health",
			 *why ? "degraded" : "ok", "health_reason", why);
	rc = hpcnet_hublink_heartbeat(a->hub, body, status, sizeof(status), &ttl);
	json_decref(body);
	if (rc < 0) {
		if (!hub_failed(a, rc))
			hpcnet_warn("heartbeat refused: %s", hpcnet_hublink_error(a->hub));
		return;
	}
	backoff_ok(&a->hub_bo);
	if (strcmp(status, a->center_status) != 0) {
		hpcnet_info("hub says center %s is %s", a->cred.center_name, status);
		if (ttl > 0 && a->conf->heartbeat_s >= ttl)
			hpcnet_warn("--heartbeat %d is not below the hub's %d s timeout: the hub will "
				    "see this center as offline between heartbeats; use --heartbeat %d",
				    a->conf->heartbeat_s, ttl, ttl / 3 > 0 ? ttl / 3 : 1);
		snprintf(a->center_status, sizeof(a->center_status), "%s", status);
	}
}

/* ---- start-up ---- */

static void prune(struct agent *a)
{
	int n = 0;

	if (hpcnet_mono_ms() < a->next_prune_ms)
		return;
	a->next_prune_ms = hpcnet_mono_ms() + PRUNE_PERIOD_MS;
	if (hpcnet_journal_prune(a->j, hpcnet_now_ms() - PRUNE_AGE_MS, &n) == 0 && n > 0)
		hpcnet_info("pruned %d finished jobs older than 7 days from the journal", n);
}

/* Waits up to ms, returning early on SIGTERM/SIGINT. */
static void nap(struct agent *a, int64_t ms)
{
	int64_t end = hpcnet_mono_ms() + ms;

	while (!agent_stop && hpcnet_mono_ms() < end)
		hpcnet_hublink_wait(a->hub, 200);
}

/*
 * First start: trade the join token for a credential and commit it. An
 * unreachable hub is waited for (the agent may start before the hub);
 * a refused token is final. Returns 0 or an exit status.
 */
static int join(struct agent *a)
{
	const struct hpcnet_agent_conf *c = a->conf;
	struct hpcnet_hublink_join got;
	char secret[sizeof(got.agent_token)];
	const char *crash;
	int rc;

	if (!c->join_token) {
		hpcnet_error("this agent has not joined a hub yet (no credential in %s/agent.db): "
			     "start it once with --join-token TOKEN; the hub admin makes one with: "
			     "hpcnet centers join-token %s",
			     c->workdir, c->name ? c->name : "NAME");
		return 2;
	}
	/* Made and saved before asking: whatever happens to this process
	 * between the hub's answer and the credential being saved, the next
	 * start asks again with the same secret (hub/agents.c). */
	if (hpcnet_journal_join_secret(a->j, c->join_token, secret, sizeof(secret)) < 0) {
		hpcnet_error("cannot save the credential secret in %s/agent.db before joining:"
			     " check the disk", c->workdir);
		return 1;
	}
	for (;;) {
		rc = hpcnet_hublink_join(a->hub, c->join_token, c->adapter, HPCNET_VERSION, c->name,
					 secret, &got);
		if (!transient(rc) || agent_stop)
			break;
		backoff_fail(a, &a->hub_bo, hpcnet_hublink_error(a->hub));
		nap(a, a->hub_bo.next_ms - hpcnet_mono_ms());
	}
	if (agent_stop)
		return 0;
	if (rc < 0) {
		hpcnet_error("the hub at %s refused the join token (%s): ask the hub admin for a new "
			     "join token: hpcnet centers join-token %s",
			     c->hub, hpcnet_hublink_error(a->hub), c->name ? c->name : "NAME");
		return 1;
	}
	backoff_ok(&a->hub_bo);
	/* Fault injection for the test of exactly this window. */
	crash = getenv("HPCNET_AGENT_CRASH_AT");
	if (crash && strcmp(crash, "joined") == 0)
		raise(SIGKILL);
	snprintf(a->cred.hub_url, sizeof(a->cred.hub_url), "%s", c->hub);
	snprintf(a->cred.center_id, sizeof(a->cred.center_id), "%s", got.center_id);
	snprintf(a->cred.center_name, sizeof(a->cred.center_name), "%s",
		 *got.center_name ? got.center_name : (c->name ? c->name : got.center_id));
	snprintf(a->cred.agent_token, sizeof(a->cred.agent_token), "%s", got.agent_token);
	snprintf(a->cred.adapter, sizeof(a->cred.adapter), "%s", c->adapter);
	if (hpcnet_journal_cred_save(a->j, &a->cred) < 0) {
		hpcnet_error("joined the hub as center %s but could not save the credential in "
			     "%s/agent.db: fix the disk and start the agent again with the same "
			     "join token (it is honored again for this agent)",
			     a->cred.center_name, c->workdir);
		return 1;
	}
	hpcnet_info("joined the hub at %s as center %s (%s)", c->hub, a->cred.center_name,
		    a->cred.center_id);
	if (c->name && strcmp(c->name, a->cred.center_name) != 0) {
		hpcnet_error("the join token belongs to center %s, not %s (--name): the credential "
			     "is saved; restart with --name %s if that is right",
			     a->cred.center_name, c->name, a->cred.center_name);
		return 1;
	}
	return 0;
}

/* Loads or makes the credential and checks it against the options. */
static int credential(struct agent *a)
{
	const struct hpcnet_agent_conf *c = a->conf;
	struct hpcnet_journal_job *rows = NULL;
	size_t n = 0, i, inflight = 0;
	int rc;

	if (c->rejoin) {
		if (!c->join_token) {
			hpcnet_error("--rejoin needs --join-token TOKEN (hpcnet centers join-token %s)",
				     c->name ? c->name : "NAME");
			return 2;
		}
		if (hpcnet_journal_cred_forget(a->j) < 0)
			return 1;
		hpcnet_info("forgot the saved credential; joining again");
	}
	rc = hpcnet_journal_cred_load(a->j, &a->cred);
	if (rc == HPCNET_ENOTFOUND)
		return join(a);
	if (rc < 0)
		return 1;
	if (c->join_token && !c->rejoin)
		hpcnet_info("already joined as center %s: --join-token is ignored",
			    a->cred.center_name);
	if (c->name && strcmp(c->name, a->cred.center_name) != 0) {
		hpcnet_error("%s belongs to center %s, not %s: check --workdir and --name",
			     c->workdir, a->cred.center_name, c->name);
		return 1;
	}
	if (strcmp(a->cred.adapter, c->adapter) != 0) {
		/* References of one scheduler mean nothing to another. */
		if (hpcnet_journal_active(a->j, &rows, &n) < 0)
			return 1;
		for (i = 0; i < n; i++)
			inflight += rows[i].phase == HPCNET_JP_SUBMITTING ||
				    rows[i].phase == HPCNET_JP_SUBMITTED;
		hpcnet_journal_jobs_free(rows, n);
		if (inflight > 0) {
			hpcnet_error("%zu jobs in the journal were submitted through the %s adapter: "
				     "restart with --adapter %s until they have finished",
				     inflight, a->cred.adapter, a->cred.adapter);
			return 1;
		}
		hpcnet_info("adapter changed from %s to %s", a->cred.adapter, c->adapter);
		snprintf(a->cred.adapter, sizeof(a->cred.adapter), "%s", c->adapter);
		if (hpcnet_journal_cred_save(a->j, &a->cred) < 0)
			return 1;
	}
	if (strcmp(a->cred.hub_url, c->hub) != 0) {
		hpcnet_warn("the hub URL changed from %s to %s; using %s", a->cred.hub_url, c->hub,
			    c->hub);
		snprintf(a->cred.hub_url, sizeof(a->cred.hub_url), "%s", c->hub);
		if (hpcnet_journal_cred_save(a->j, &a->cred) < 0)
			return 1;
	}
	return 0;
}

static int adapter_start(struct agent *a)
{
	struct hpcnet_adapter_conf ac;
	char *dir = hpcnet_xasprintf("%s/%s", a->conf->workdir, a->ad->name);
	int rc;

	rc = hpcnet_fs_mkdirs(dir, 0700);
	if (rc < 0) {
		hpcnet_error("cannot create %s: %s", dir, hpcnet_strerror(rc));
		goto out;
	}
	ac = (struct hpcnet_adapter_conf){
		.workdir = dir,
		.cores = a->conf->cores,
		.mem_bytes = a->conf->mem_bytes,
		.gpus = a->conf->gpus,
		.kill_grace_s = KILL_GRACE_S,
		.opts = a->conf->adapter_opts,
		.nopts = a->conf->nadapter_opts,
	};
	rc = a->ad->init(&ac, &a->ad_state);
	if (rc < 0)
		hpcnet_error("the %s adapter failed to start: %s", a->ad->name, hpcnet_strerror(rc));
out:
	free(dir);
	return rc;
}

static void report_resume(struct agent *a)
{
	struct hpcnet_journal_job *rows = NULL;
	size_t n = 0, i, cnt[HPCNET_JP_DONE + 1] = { 0 };

	if (hpcnet_journal_active(a->j, &rows, &n) < 0 || n == 0)
		goto out;
	for (i = 0; i < n; i++)
		cnt[rows[i].phase]++;
	hpcnet_info("resuming from the journal: %zu to submit, %zu submitted, %zu finished to report",
		    cnt[HPCNET_JP_RECEIVED] + cnt[HPCNET_JP_SUBMITTING], cnt[HPCNET_JP_SUBMITTED],
		    cnt[HPCNET_JP_FINISHED]);
out:
	hpcnet_journal_jobs_free(rows, n);
}

static void run_loop(struct agent *a)
{
	while (!agent_stop && !a->fatal) {
		int64_t now = hpcnet_mono_ms(), wait = a->next_tick_ms - now;
		json_t *orders = NULL;
		int rc;

		if ((a->dirty || a->more_output) && hub_ready(a) && backoff_ready(&a->db_bo))
			wait = 0; /* ship now */
		hpcnet_hublink_wait(a->hub, wait < 0 ? 0 : wait > TICK_MS ? TICK_MS : (int)wait);
		if (hpcnet_hublink_orders_take(a->hub, &rc, &orders)) {
			if (rc == 0) {
				backoff_ok(&a->hub_bo);
				on_orders(a, orders);
			} else if (!hub_failed(a, rc)) {
				/* 404/409/4xx to a plain GET: the hub and we disagree
				 * on the API; do not spin. */
				hpcnet_warn("orders request refused: %s", hpcnet_hublink_error(a->hub));
				backoff_fail(a, &a->hub_bo, hpcnet_hublink_error(a->hub));
			}
			json_decref(orders);
		}
		if (agent_stop || a->fatal)
			break;
		if (hpcnet_mono_ms() >= a->next_tick_ms) {
			a->next_tick_ms = hpcnet_mono_ms() + TICK_MS;
			tick(a);
		}
		if (agent_stop)
			break;
		ship(a);
		heartbeat(a);
		prune(a);
		if (!hpcnet_hublink_orders_busy(a->hub) && hub_ready(a) &&
		    hpcnet_mono_ms() >= a->next_orders_ms) {
			a->orders_sent_ms = hpcnet_now_ms();
			hpcnet_hublink_orders_start(a->hub, ORDERS_WAIT_S);
		}
	}
}

int hpcnet_agent_run(const struct hpcnet_agent_conf *conf)
{
	struct sigaction sa = { .sa_handler = on_signal }, old_term, old_int;
	struct agent a = {
		.conf = conf,
		.hub_bo = { .peer = "hub" },
		.ad_bo = { .peer = "scheduler" },
		.db_bo = { .peer = "journal" },
	};
	char *path = NULL;
	int status = 1;

	/* No SA_RESTART: the loop's poll must return at once on a signal. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGINT, &sa, &old_int);
	agent_stop = 0;
	a.rng = (uint64_t)hpcnet_now_ms() ^ ((uint64_t)getpid() << 32) ^ 0x9e3779b97f4a7c15ull;
	a.ad = hpcnet_adapter_find(conf->adapter);
	if (!a.ad) {
		hpcnet_error("unknown adapter '%s'", conf->adapter);
		status = 2;
		goto out;
	}
	path = hpcnet_xasprintf("%s/agent.db", conf->workdir);
	if (hpcnet_journal_open(path, &a.j) < 0)
		goto out;
	a.hub = hpcnet_hublink_new(conf->hub);
	status = credential(&a);
	if (status != 0 || agent_stop)
		goto out;
	hpcnet_hublink_set_center(a.hub, a.cred.center_id, a.cred.agent_token);
	if (adapter_start(&a) < 0) {
		status = 1;
		goto out;
	}
	hpcnet_info("center %s (%s) on %s: adapter %s, %d cores, %lld bytes memory, %d GPUs",
		    a.cred.center_name, a.cred.center_id, conf->hub, a.ad->name, conf->cores,
		    (long long)conf->mem_bytes, conf->gpus);
	/* Until the adapter answers a snapshot, the totals are what we offer. */
	a.last_snap.total_cores = conf->cores;
	a.last_snap.total_mem_bytes = conf->mem_bytes;
	a.last_snap.total_gpus = conf->gpus;
	a.last_snap.est_wait_s = -1;
	report_resume(&a);
	run_loop(&a);
	status = a.fatal;
	if (status == 0)
		hpcnet_info("stopping; running jobs keep running and are picked up at the next start");
	a.ad->fini(a.ad_state);
out:
	hpcnet_hublink_free(a.hub);
	hpcnet_journal_close(a.j);
	free(path);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGINT, &old_int, NULL);
	return status;
}
