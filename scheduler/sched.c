/* SPDX-License-Identifier: Apache-2.0 */
/* Placement rules and scoring; see sched.h. */
#include <stdio.h>
#include <string.h>

#include "hpcnet/error.h"
#include "scheduler/sched.h"

#define GIB (1024.0 * 1024 * 1024)

int hpcnet_sched_fits_ever(const struct hpcnet_sched_center *c, const struct hpcnet_sched_job *j,
			   char *why, size_t len)
{
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
	if (j->gpus > c->total_gpus) {
		snprintf(why, len, "needs %lld GPUs, %s has %lld", (long long)j->gpus, c->name,
			 (long long)c->total_gpus);
		return 0;
	}
	return 1;
}

int hpcnet_sched_fits_now(const struct hpcnet_sched_center *c, const struct hpcnet_sched_job *j)
{
	return c->online && c->has_snapshot && c->used_cores + j->cores <= c->total_cores &&
	       c->used_mem + j->mem <= c->total_mem && c->used_gpus + j->gpus <= c->total_gpus;
}

double hpcnet_sched_score(const struct hpcnet_sched_center *c, const struct hpcnet_sched_job *j)
{
	double free_after = (double)(c->total_cores - c->used_cores - j->cores);
	double share = c->total_cores > 0 ? free_after / (double)c->total_cores : 0;

	/* Fraction of the center left free (spreads load), plus a little for
	 * absolute free cores (prefers the big center on ties), minus the
	 * queue already waiting there (those jobs start first). */
	return 100.0 * share + free_after / 1000.0 - 10.0 * (double)c->waiting;
}

int hpcnet_sched_place(const struct hpcnet_sched_center *c, size_t n,
		       const struct hpcnet_sched_job *j, char *reason, size_t len)
{
	char why[160] = "";
	int best = -1, eligible = 0;
	double best_score = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		double s;

		/* Other centers are no candidates for a pinned job; skipping them
		 * here keeps `why` about the pinned center, not "pinned elsewhere". */
		if (j->pin && strcmp(j->pin, c[i].id) != 0)
			continue;
		if (!c[i].online || !hpcnet_sched_fits_ever(&c[i], j, why, sizeof(why)))
			continue;
		eligible++;
		if (!hpcnet_sched_fits_now(&c[i], j))
			continue;
		s = hpcnet_sched_score(&c[i], j);
		if (best < 0 || s > best_score) {
			best = (int)i;
			best_score = s;
		}
	}
	if (best < 0) {
		if (eligible)
			snprintf(reason, len, "waiting: %d online center%s can run it, none has room now",
				 eligible, eligible > 1 ? "s" : "");
		else if (why[0])
			snprintf(reason, len, "waiting: no online center can run it (%s)", why);
		else if (j->pin)
			snprintf(reason, len, "waiting: the center it is pinned to is not online");
		else
			snprintf(reason, len, "waiting: no center is online");
		return -1;
	}
	snprintf(reason, len, "%s: %lld/%lld cores free after placement, queue %lld (best of %d)",
		 c[best].name, (long long)(c[best].total_cores - c[best].used_cores - j->cores),
		 (long long)c[best].total_cores, (long long)c[best].waiting, eligible);
	return best;
}

void hpcnet_sched_account(struct hpcnet_sched_center *c, const struct hpcnet_sched_job *j)
{
	c->used_cores += j->cores;
	c->used_mem += j->mem;
	c->used_gpus += j->gpus;
	c->waiting++;
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
