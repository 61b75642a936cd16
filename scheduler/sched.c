/* SPDX-License-Identifier: Apache-2.0 */
/* Placement rules and scoring; see sched.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpcnet/error.h"
#include "scheduler/sched.h"

#define GIB (1024.0 * 1024 * 1024)

/* Total GPUs of the model (any model when NULL). */
static int64_t gpus_of(const struct hpcnet_sched_center *c, const char *model, int64_t *used)
{
	int64_t total = 0, u = 0;
	int i;

	if (!model) {
		*used = c->used_gpus;
		return c->total_gpus;
	}
	for (i = 0; i < c->ngpu; i++) {
		if (strcmp(c->gpu[i].model, model) != 0)
			continue;
		total += c->gpu[i].total;
		u += c->gpu[i].used;
	}
	*used = u;
	return total;
}

int hpcnet_sched_fits_ever(const struct hpcnet_sched_center *c, const struct hpcnet_sched_job *j,
			   char *why, size_t len)
{
	int64_t used, have;

	if (j->pin && strcmp(j->pin, c->id) != 0) {
		snprintf(why, len, "the job is pinned to another center");
		return 0;
	}
	if (!c->has_snapshot) {
		/* A center whose agent never reported is not evidence that a
		 * job fits: admitting on it would queue jobs that may never run. */
		snprintf(why, len, "%s has not reported its capacity yet (no agent has joined)",
			 c->name);
		return 0;
	}
	if (j->cores > c->total_cores) {
		snprintf(why, len, "needs %lld cores, %s has %lld", (long long)j->cores, c->name,
			 (long long)c->total_cores);
		return 0;
	}
	if (j->mem > c->total_mem) {
		snprintf(why, len, "needs %.1f GiB of memory, %s has %.1f GiB", j->mem / GIB, c->name,
			 c->total_mem / GIB);
		return 0;
	}
	have = gpus_of(c, j->gpus ? j->gpu_model : NULL, &used);
	if (j->gpus > have) {
		snprintf(why, len, "needs %lld %s%sGPUs, %s has %lld", (long long)j->gpus,
			 j->gpu_model ? j->gpu_model : "", j->gpu_model ? " " : "", c->name,
			 (long long)have);
		return 0;
	}
	return 1;
}

static int usable(const struct hpcnet_sched_center *c)
{
	return c->online && !c->draining && !c->degraded && c->has_snapshot;
}

int hpcnet_sched_fits_now(const struct hpcnet_sched_center *c, const struct hpcnet_sched_job *j)
{
	int64_t used, have;

	if (!usable(c) || c->used_cores + j->cores > c->total_cores ||
	    c->used_mem + j->mem > c->total_mem || c->used_gpus + j->gpus > c->total_gpus)
		return 0;
	/* The center's own figure counts work the hub did not send (other
	 * users of a shared cluster); jobs the hub sent that have not started
	 * are not in it yet. */
	if (c->snap_free_cores >= 0 && c->waiting_cores + j->cores > c->snap_free_cores)
		return 0;
	if (j->gpus && j->gpu_model) {
		have = gpus_of(c, j->gpu_model, &used);
		return used + j->gpus <= have;
	}
	return 1;
}

double hpcnet_sched_score(const struct hpcnet_sched_center *c, const struct hpcnet_sched_job *j)
{
	double free_after = (double)(c->total_cores - c->used_cores - j->cores);
	double share = c->total_cores > 0 ? free_after / (double)c->total_cores : 0;
	double wait_min = c->est_wait_s > 0 ? (double)c->est_wait_s / 60.0 : 0;

	/* Fraction of the center left free (spreads load), plus a little for
	 * absolute free cores (prefers the big center on ties), minus the
	 * queue already waiting there (those jobs start first) and minus the
	 * center's own estimate of the wait, a point a minute. */
	return 100.0 * share + free_after / 1000.0 - 10.0 * (double)c->waiting - wait_min;
}

static void verdict(const struct hpcnet_sched_center *c, const struct hpcnet_sched_job *j,
		    struct hpcnet_sched_verdict *v)
{
	char why[160];

	memset(v, 0, sizeof(*v));
	v->eligible = hpcnet_sched_fits_ever(c, j, why, sizeof(why));
	if (!v->eligible) {
		snprintf(v->reason, sizeof(v->reason), "%s", why);
		return;
	}
	if (!c->online) {
		snprintf(v->reason, sizeof(v->reason), "%s is offline", c->name);
		return;
	}
	if (c->draining) {
		snprintf(v->reason, sizeof(v->reason), "%s is draining", c->name);
		return;
	}
	if (c->degraded) {
		snprintf(v->reason, sizeof(v->reason), "%s is degraded (its scheduler does not answer)",
			 c->name);
		return;
	}
	v->fits_now = hpcnet_sched_fits_now(c, j);
	if (!v->fits_now) {
		snprintf(v->reason, sizeof(v->reason), "%s has no room now (%lld/%lld cores in use)",
			 c->name, (long long)c->used_cores, (long long)c->total_cores);
		return;
	}
	v->score = hpcnet_sched_score(c, j);
	snprintf(v->reason, sizeof(v->reason), "%s: %lld/%lld cores free after placement, queue %lld%s",
		 c->name, (long long)(c->total_cores - c->used_cores - j->cores),
		 (long long)c->total_cores, (long long)c->waiting,
		 c->est_wait_s > 0 ? ", estimated wait counted" : "");
}

int hpcnet_sched_explain(const struct hpcnet_sched_center *c, size_t n,
			 const struct hpcnet_sched_job *j, struct hpcnet_sched_verdict *v)
{
	int best = -1;
	size_t i;

	for (i = 0; i < n; i++) {
		verdict(&c[i], j, &v[i]);
		if (v[i].fits_now && (best < 0 || v[i].score > v[best].score))
			best = (int)i;
	}
	return best;
}

/* Among the usable centers that could run the job, the one it will most
 * likely start on first: the shortest estimated wait the center gave,
 * else the smallest share of its cores in use. */
static const struct hpcnet_sched_center *soonest(const struct hpcnet_sched_center *c, size_t n,
						  const struct hpcnet_sched_verdict *v)
{
	const struct hpcnet_sched_center *best = NULL;
	double best_key = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		double key;

		if (!v[i].eligible || !usable(&c[i]))
			continue;
		key = c[i].est_wait_s >= 0 ? (double)c[i].est_wait_s
					   : 1e9 + (double)c[i].used_cores / (double)(c[i].total_cores + 1);
		if (!best || key < best_key) {
			best = &c[i];
			best_key = key;
		}
	}
	return best;
}

/* "waiting: 2 centers can run it (8 cores), none has room now; best: alpha
 * (est. wait ~3 min)". Nothing in it changes with every job that starts
 * or ends elsewhere: the hub stores it only when it changes. */
static void waiting_reason(const struct hpcnet_sched_center *b, int usable_eligible,
			   const struct hpcnet_sched_job *j, char *reason, size_t len)
{
	char est[48] = "";

	if (b->est_wait_s > 0)
		snprintf(est, sizeof(est), " (est. wait ~%lld min)",
			 (long long)(b->est_wait_s + 59) / 60);
	snprintf(reason, len, "waiting: %d center%s can run it (%lld cores), none has room now; "
		 "best: %s%s", usable_eligible, usable_eligible > 1 ? "s" : "", (long long)j->cores,
		 b->name, est);
}

int hpcnet_sched_place(const struct hpcnet_sched_center *c, size_t n,
		       const struct hpcnet_sched_job *j, char *reason, size_t len)
{
	struct hpcnet_sched_verdict stack[16], *v = n <= 16 ? stack : calloc(n, sizeof(*v));
	int best, usable_eligible = 0;
	const char *why = NULL;
	size_t i;

	if (!v) {
		snprintf(reason, len, "waiting: out of memory while placing");
		return -1;
	}
	best = hpcnet_sched_explain(c, n, j, v);
	for (i = 0; i < n; i++) {
		if (v[i].eligible && usable(&c[i]))
			usable_eligible++;
		/* The reason worth telling: the pinned center's, else the
		 * first center that could run it, else the first refusal. */
		if (j->pin && strcmp(j->pin, c[i].id) == 0)
			why = v[i].reason;
		else if (!j->pin && (!why || (v[i].eligible && usable_eligible == 1)))
			why = v[i].reason;
	}
	if (best >= 0)
		snprintf(reason, len, "%s (best of %d)", v[best].reason, usable_eligible);
	else if (usable_eligible)
		waiting_reason(soonest(c, n, v), usable_eligible, j, reason, len);
	else if (why)
		snprintf(reason, len, "waiting: no usable center can run it (%s)", why);
	else
		snprintf(reason, len, "waiting: no center is online");
	if (v != stack)
		free(v);
	return best;
}

void hpcnet_sched_account(struct hpcnet_sched_center *c, const struct hpcnet_sched_job *j)
{
	int i;

	c->used_cores += j->cores;
	c->used_mem += j->mem;
	c->used_gpus += j->gpus;
	c->waiting++;
	c->waiting_cores += j->cores;
	if (!j->gpus || !j->gpu_model)
		return;
	for (i = 0; i < c->ngpu; i++)
		if (strcmp(c->gpu[i].model, j->gpu_model) == 0) {
			c->gpu[i].used += j->gpus;
			return;
		}
}

int hpcnet_sched_admit(const struct hpcnet_sched_center *c, size_t n,
		       const struct hpcnet_sched_job *j, char *why, size_t len)
{
	const struct hpcnet_sched_center *largest = NULL;
	char tmp[160] = "";
	size_t i;

	for (i = 0; i < n; i++) {
		if (j->pin && strcmp(j->pin, c[i].id) != 0)
			continue;
		if (hpcnet_sched_fits_ever(&c[i], j, tmp, sizeof(tmp)))
			return 0;
		if (!largest || c[i].total_cores > largest->total_cores)
			largest = &c[i];
	}
	if (!largest) {
		snprintf(why, len, "no center is registered yet: ask an admin to add one");
		return HPCNET_ENOFIT;
	}
	hpcnet_sched_fits_ever(largest, j, tmp, sizeof(tmp));
	if (j->pin)
		snprintf(why, len, "center %s cannot run this job: %s", largest->name, tmp);
	else
		snprintf(why, len, "no center can run this job: %s (the largest center)", tmp);
	return HPCNET_ENOFIT;
}
