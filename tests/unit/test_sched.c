/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Placement rules (scheduler/sched.c): hard constraints (online, pinned,
 * fits ever, fits now), the score's preferences, admission at submit, and
 * a seeded random run that places many jobs and checks no center is ever
 * overcommitted and that place() finds a center whenever one has room.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hpcnet/error.h"
#include "scheduler/sched.h"

#define GIB (1024LL * 1024 * 1024)

static struct hpcnet_sched_center center(const char *id, const char *name, int64_t cores,
					 int64_t mem_gib, int64_t gpus)
{
	return (struct hpcnet_sched_center){
		.id = id, .name = name, .online = 1, .has_snapshot = 1,
		.total_cores = cores, .total_mem = mem_gib * GIB, .total_gpus = gpus,
		.snap_free_cores = -1, .est_wait_s = -1,
	};
}

static struct hpcnet_sched_job job(int64_t cores, int64_t mem_gib, int64_t gpus, const char *pin)
{
	return (struct hpcnet_sched_job){ .cores = cores, .mem = mem_gib * GIB, .gpus = gpus,
					  .pin = pin };
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void assert_contains(const char *s, const char *part)
{
	if (!strstr(s, part))
		fail_msg("\"%s\" does not contain \"%s\"", s, part);
}

static void test_fits_ever(void **state)
{
	struct hpcnet_sched_center a = center("ctr_a", "alpha", 8, 16, 0);
	struct hpcnet_sched_job j;
	char why[160];

	j = job(8, 16, 0, NULL);
	assert_int_equal(hpcnet_sched_fits_ever(&a, &j, why, sizeof(why)), 1);
	a.used_cores = 8; /* ever means when empty: current use does not matter */
	assert_int_equal(hpcnet_sched_fits_ever(&a, &j, why, sizeof(why)), 1);

	j = job(16, 1, 0, NULL);
	assert_int_equal(hpcnet_sched_fits_ever(&a, &j, why, sizeof(why)), 0);
	assert_string_equal(why, "needs 16 cores, alpha has 8");
	j = job(1, 32, 0, NULL);
	assert_int_equal(hpcnet_sched_fits_ever(&a, &j, why, sizeof(why)), 0);
	assert_string_equal(why, "needs 32.0 GiB of memory, alpha has 16.0 GiB");
	j = job(1, 1, 2, NULL);
	assert_int_equal(hpcnet_sched_fits_ever(&a, &j, why, sizeof(why)), 0);
	assert_string_equal(why, "needs 2 GPUs, alpha has 0");

	j = job(1, 1, 0, "ctr_b");
	assert_int_equal(hpcnet_sched_fits_ever(&a, &j, why, sizeof(why)), 0);
	assert_contains(why, "pinned");
	j.pin = "ctr_a";
	assert_int_equal(hpcnet_sched_fits_ever(&a, &j, why, sizeof(why)), 1);

	/* Capacity not reported yet: nothing is known to fit. */
	a.has_snapshot = 0;
	j = job(1, 0, 0, NULL);
	assert_int_equal(hpcnet_sched_fits_ever(&a, &j, why, sizeof(why)), 0);
	assert_contains(why, "not reported");
}

static void test_fits_now(void **state)
{
	struct hpcnet_sched_center a = center("ctr_a", "alpha", 8, 16, 2);
	struct hpcnet_sched_job j = job(4, 8, 1, NULL);

	a.used_cores = 4;
	a.used_mem = 8 * GIB;
	a.used_gpus = 1;
	assert_int_equal(hpcnet_sched_fits_now(&a, &j), 1); /* exactly full is fine */
	j.cores = 5;
	assert_int_equal(hpcnet_sched_fits_now(&a, &j), 0);
	j = job(4, 8, 1, NULL);
	j.mem += 1;
	assert_int_equal(hpcnet_sched_fits_now(&a, &j), 0);
	j = job(4, 8, 2, NULL);
	assert_int_equal(hpcnet_sched_fits_now(&a, &j), 0);

	j = job(1, 1, 0, NULL);
	a.online = 0;
	assert_int_equal(hpcnet_sched_fits_now(&a, &j), 0);
	a.online = 1;
	a.has_snapshot = 0; /* unknown capacity is never "room now" */
	assert_int_equal(hpcnet_sched_fits_now(&a, &j), 0);
}

static void test_pinned_job_only_on_its_center(void **state)
{
	struct hpcnet_sched_center c[] = {
		center("ctr_a", "alpha", 128, 512, 8), /* far roomier */
		center("ctr_b", "beta", 8, 16, 0),
	};
	struct hpcnet_sched_job j = job(4, 4, 0, "ctr_b");
	char reason[256];

	assert_int_equal(hpcnet_sched_place(c, N(c), &j, reason, sizeof(reason)), 1);
	assert_contains(reason, "beta");
	/* Its center full: it waits, even though alpha has room. */
	c[1].used_cores = 6;
	assert_int_equal(hpcnet_sched_place(c, N(c), &j, reason, sizeof(reason)), -1);
	assert_contains(reason, "waiting");
	/* Its center offline: it waits too, and the reason says which problem. */
	c[1].used_cores = 0;
	c[1].online = 0;
	assert_int_equal(hpcnet_sched_place(c, N(c), &j, reason, sizeof(reason)), -1);
	assert_contains(reason, "beta is offline");
	/* Too big for its center (capacity learned after submit): the reason
	 * is about that center, not about the others it is not pinned to. */
	c[1].online = 1;
	j.cores = 64;
	{
		struct hpcnet_sched_center d[] = { c[1], c[0] }; /* the pinned one first */

		assert_int_equal(hpcnet_sched_place(d, N(d), &j, reason, sizeof(reason)), -1);
		assert_contains(reason, "needs 64 cores, beta has 8");
	}
	j.cores = 4;
	c[1].online = 0;
	/* And an unpinned twin goes to the roomier center. */
	j.pin = NULL;
	assert_int_equal(hpcnet_sched_place(c, N(c), &j, reason, sizeof(reason)), 0);
}

static void test_admit(void **state)
{
	struct hpcnet_sched_center c[] = {
		center("ctr_a", "alpha", 16, 64, 0),
		center("ctr_b", "beta", 64, 256, 4),
		center("ctr_c", "gamma", 32, 512, 0),
	};
	struct hpcnet_sched_job j;
	char why[256];

	j = job(64, 128, 2, NULL);
	why[0] = '\0';
	assert_int_equal(hpcnet_sched_admit(c, N(c), &j, why, sizeof(why)), 0);

	/* Larger than every center: refused, naming the largest one. */
	j = job(100, 1, 0, NULL);
	assert_int_equal(hpcnet_sched_admit(c, N(c), &j, why, sizeof(why)), HPCNET_ENOFIT);
	assert_contains(why, "beta");
	assert_contains(why, "100 cores");
	assert_null(strstr(why, "alpha"));

	/* Fits no single center even though each resource exists somewhere. */
	j = job(64, 512, 0, NULL);
	assert_int_equal(hpcnet_sched_admit(c, N(c), &j, why, sizeof(why)), HPCNET_ENOFIT);

	/* Admission is about "ever": an offline or busy center still counts. */
	j = job(64, 128, 0, NULL);
	c[1].online = 0;
	c[1].used_cores = 64;
	assert_int_equal(hpcnet_sched_admit(c, N(c), &j, why, sizeof(why)), 0);

	/* Pinned: judged against that center alone. */
	j = job(32, 1, 0, "ctr_a");
	assert_int_equal(hpcnet_sched_admit(c, N(c), &j, why, sizeof(why)), HPCNET_ENOFIT);
	assert_contains(why, "alpha");
	assert_null(strstr(why, "beta"));
	j.pin = "ctr_c";
	assert_int_equal(hpcnet_sched_admit(c, N(c), &j, why, sizeof(why)), 0);

	/* A center whose capacity is unknown admits nothing, even small jobs
	 * pinned to it; the others still do. */
	j = job(1, 1, 0, "ctr_a");
	c[0].has_snapshot = 0;
	assert_int_equal(hpcnet_sched_admit(c, N(c), &j, why, sizeof(why)), HPCNET_ENOFIT);
	assert_contains(why, "not reported");
	j.pin = NULL;
	assert_int_equal(hpcnet_sched_admit(c, N(c), &j, why, sizeof(why)), 0);

	/* No centers at all: refused with a message that says what to do. */
	why[0] = '\0';
	assert_int_equal(hpcnet_sched_admit(c, 0, &j, why, sizeof(why)), HPCNET_ENOFIT);
	assert_true(why[0] != '\0');
}

static void test_offline_never_chosen(void **state)
{
	struct hpcnet_sched_center c[] = {
		center("ctr_a", "alpha", 1024, 4096, 16),
		center("ctr_b", "beta", 8, 16, 0),
	};
	struct hpcnet_sched_job j = job(2, 2, 0, NULL);
	char reason[256];

	c[0].online = 0;
	assert_int_equal(hpcnet_sched_place(c, N(c), &j, reason, sizeof(reason)), 1);
	c[1].online = 0;
	assert_int_equal(hpcnet_sched_place(c, N(c), &j, reason, sizeof(reason)), -1);
	assert_contains(reason, "is offline");
}

static void test_score_prefers_free_fraction_and_short_queue(void **state)
{
	struct hpcnet_sched_center c[] = {
		center("ctr_a", "alpha", 100, 1000, 0), /* 40 free cores, 40% */
		center("ctr_b", "beta", 10, 1000, 0),   /* 8 free cores, 80% */
	};
	struct hpcnet_sched_job j = job(2, 1, 0, NULL);
	char reason[256];

	c[0].used_cores = 60;
	c[1].used_cores = 2;
	assert_true(hpcnet_sched_score(&c[1], &j) > hpcnet_sched_score(&c[0], &j));
	assert_int_equal(hpcnet_sched_place(c, N(c), &j, reason, sizeof(reason)), 1);
	assert_contains(reason, "beta");

	/* Same room, different queues: the shorter queue wins. */
	c[0] = center("ctr_a", "alpha", 32, 64, 0);
	c[1] = center("ctr_b", "beta", 32, 64, 0);
	c[1].waiting = 3;
	assert_true(hpcnet_sched_score(&c[0], &j) > hpcnet_sched_score(&c[1], &j));
	assert_int_equal(hpcnet_sched_place(c, N(c), &j, reason, sizeof(reason)), 0);
	assert_contains(reason, "alpha");
	/* Each waiting job costs score. */
	c[1].waiting = 0;
	{
		double s0 = hpcnet_sched_score(&c[1], &j);

		c[1].waiting = 1;
		assert_true(hpcnet_sched_score(&c[1], &j) < s0);
	}
	/* A tie on fraction and queue goes to the bigger center. */
	c[0] = center("ctr_a", "alpha", 16, 64, 0);
	c[1] = center("ctr_b", "beta", 64, 64, 0);
	c[0].used_cores = 6;  /* 8 of 16 free after placement */
	c[1].used_cores = 30; /* 32 of 64 free after placement */
	assert_int_equal(hpcnet_sched_place(c, N(c), &j, reason, sizeof(reason)), 1);
}

static void test_reason_names_the_center(void **state)
{
	struct hpcnet_sched_center c[] = {
		center("ctr_a", "alpha", 8, 16, 0),
		center("ctr_b", "beta", 16, 16, 0),
	};
	struct hpcnet_sched_job j = job(4, 1, 0, NULL);
	char reason[256];

	assert_int_equal(hpcnet_sched_place(c, N(c), &j, reason, sizeof(reason)), 1);
	assert_string_equal(reason, "beta: 12/16 cores free after placement, queue 0 (best of 2)");

	/* Nothing has room: the reason says so, and how many could run it. */
	c[0].used_cores = 8;
	c[1].used_cores = 16;
	assert_int_equal(hpcnet_sched_place(c, N(c), &j, reason, sizeof(reason)), -1);
	assert_contains(reason, "2 centers can run it");
	/* Nothing could ever run it: the reason says why. */
	j = job(64, 1, 0, NULL);
	assert_int_equal(hpcnet_sched_place(c, N(c), &j, reason, sizeof(reason)), -1);
	assert_contains(reason, "needs 64 cores");
}

/* Equal centers and equal jobs: accounting each placement spreads them
 * round-robin rather than filling one center first. */
static void test_account_spreads_load(void **state)
{
	struct hpcnet_sched_center c[4];
	static const char *names[] = { "c0", "c1", "c2", "c3" };
	struct hpcnet_sched_job j = job(4, 4, 0, NULL);
	int placed[4] = { 0 }, i, k;
	char reason[256];

	for (k = 0; k < 4; k++)
		c[k] = center(names[k], names[k], 64, 256, 0);
	for (i = 0; i < 40; i++) {
		int best = hpcnet_sched_place(c, N(c), &j, reason, sizeof(reason));

		assert_true(best >= 0);
		hpcnet_sched_account(&c[best], &j);
		placed[best]++;
	}
	for (k = 0; k < 4; k++) {
		assert_int_equal(placed[k], 10);
		assert_int_equal(c[k].used_cores, 40);
		assert_int_equal(c[k].used_mem, 40 * GIB);
		assert_int_equal(c[k].waiting, 10);
	}
}

static int64_t rnd(int64_t lo, int64_t hi)
{
	return lo + rand() % (hi - lo + 1);
}

/* Property: with random centers and random jobs, placing and accounting
 * never pushes a center past its capacity, never uses an offline or
 * unknown center or ignores a pin, and returns -1 only when no center
 * truly has room. */
static void test_random_placements_never_overcommit(void **state)
{
	static const char *ids[] = { "c0", "c1", "c2", "c3", "c4", "c5" };
	struct hpcnet_sched_center c[6];
	int round, i, k, placed = 0, waited = 0;
	char reason[256];

	srand(12345);
	for (round = 0; round < 20; round++) {
		for (k = 0; k < 6; k++) {
			c[k] = center(ids[k], ids[k], rnd(1, 128), rnd(1, 512), rnd(0, 8));
			c[k].online = rand() % 5 != 0;
			c[k].has_snapshot = rand() % 6 != 0;
		}
		for (i = 0; i < 200; i++) {
			struct hpcnet_sched_job j = job(rnd(1, 32), rnd(0, 64), rnd(0, 2),
							rand() % 8 == 0 ? ids[rand() % 6] : NULL);
			int best = hpcnet_sched_place(c, N(c), &j, reason, sizeof(reason)), any = 0;

			for (k = 0; k < 6; k++)
				any |= (!j.pin || strcmp(j.pin, c[k].id) == 0) &&
				       hpcnet_sched_fits_now(&c[k], &j);
			if (best < 0) {
				assert_false(any);
				assert_contains(reason, "waiting");
				waited++;
				continue;
			}
			assert_true(c[best].online);
			assert_true(c[best].has_snapshot);
			if (j.pin)
				assert_string_equal(j.pin, c[best].id);
			assert_int_equal(strncmp(reason, c[best].name, strlen(c[best].name)), 0);
			hpcnet_sched_account(&c[best], &j);
			placed++;
			for (k = 0; k < 6; k++) {
				assert_true(c[k].used_cores <= c[k].total_cores);
				assert_true(c[k].used_mem <= c[k].total_mem);
				assert_true(c[k].used_gpus <= c[k].total_gpus);
			}
		}
	}
	/* The run exercised both outcomes. */
	assert_true(placed > 100);
	assert_true(waited > 100);
}

static void add_pool(struct hpcnet_sched_center *c, const char *model, int64_t total)
{
	snprintf(c->gpu[c->ngpu].model, sizeof(c->gpu[0].model), "%s", model);
	c->gpu[c->ngpu++].total = total;
}

static void test_gpu_models(void **state)
{
	struct hpcnet_sched_center c[] = {
		center("ctr_a", "alpha", 64, 256, 2),
		center("ctr_b", "beta", 64, 256, 4),
	};
	struct hpcnet_sched_job j = job(1, 1, 2, NULL);
	char reason[256], why[256];

	add_pool(&c[0], "a100", 2);
	add_pool(&c[1], "v100", 4);
	j.gpu_model = "a100";
	assert_int_equal(hpcnet_sched_place(c, N(c), &j, reason, sizeof(reason)), 0);
	assert_contains(reason, "alpha");
	/* Only alpha has a100s: with them in use the job waits, beta's v100s
	 * do not count. */
	hpcnet_sched_account(&c[0], &j);
	assert_int_equal(c[0].gpu[0].used, 2);
	assert_int_equal(hpcnet_sched_place(c, N(c), &j, reason, sizeof(reason)), -1);
	/* More a100s than anyone has: refused at submit, naming the model. */
	j.gpus = 3;
	assert_int_equal(hpcnet_sched_admit(c, N(c), &j, why, sizeof(why)), HPCNET_ENOFIT);
	assert_contains(why, "a100");
	/* Any model: beta's v100s do. */
	j.gpu_model = NULL;
	assert_int_equal(hpcnet_sched_place(c, N(c), &j, reason, sizeof(reason)), 1);
}

static void test_draining_and_degraded_never_chosen(void **state)
{
	struct hpcnet_sched_center c[] = {
		center("ctr_a", "alpha", 64, 256, 0),
		center("ctr_b", "beta", 8, 16, 0),
	};
	struct hpcnet_sched_verdict v[2];
	struct hpcnet_sched_job j = job(1, 1, 0, NULL);
	char reason[256];

	c[0].draining = 1;
	assert_int_equal(hpcnet_sched_place(c, N(c), &j, reason, sizeof(reason)), 1);
	c[1].degraded = 1;
	assert_int_equal(hpcnet_sched_place(c, N(c), &j, reason, sizeof(reason)), -1);
	assert_int_equal(hpcnet_sched_explain(c, N(c), &j, v), -1);
	assert_true(v[0].eligible);
	assert_false(v[0].fits_now);
	assert_contains(v[0].reason, "draining");
	assert_contains(v[1].reason, "degraded");
	/* Admission still counts them: they come back. */
	assert_int_equal(hpcnet_sched_admit(c, N(c), &j, reason, sizeof(reason)), 0);
}

static void test_snapshot_free_counts(void **state)
{
	struct hpcnet_sched_center c[] = {
		center("ctr_a", "alpha", 16, 64, 0),
		center("ctr_b", "beta", 16, 64, 0),
	};
	struct hpcnet_sched_job j = job(4, 1, 0, NULL);
	char reason[256];

	/* alpha is busy with work the hub did not send: only 2 cores free */
	c[0].snap_free_cores = 2;
	c[1].snap_free_cores = 16;
	assert_int_equal(hpcnet_sched_place(c, N(c), &j, reason, sizeof(reason)), 1);
	/* beta: 16 free by its snapshot, 12 already sent and not started */
	hpcnet_sched_account(&c[1], &j);
	hpcnet_sched_account(&c[1], &j);
	hpcnet_sched_account(&c[1], &j);
	assert_int_equal(c[1].waiting_cores, 12);
	assert_int_equal(hpcnet_sched_place(c, N(c), &j, reason, sizeof(reason)), 1);
	hpcnet_sched_account(&c[1], &j);
	assert_int_equal(hpcnet_sched_place(c, N(c), &j, reason, sizeof(reason)), -1);
}

static void test_estimated_wait_counts(void **state)
{
	struct hpcnet_sched_center c[] = {
		center("ctr_a", "alpha", 16, 64, 0),
		center("ctr_b", "beta", 16, 64, 0),
	};
	struct hpcnet_sched_verdict v[2];
	struct hpcnet_sched_job j = job(1, 1, 0, NULL);

	c[0].est_wait_s = 1800; /* alpha says new jobs wait half an hour */
	c[1].est_wait_s = -1;
	assert_int_equal(hpcnet_sched_explain(c, N(c), &j, v), 1);
	assert_true(v[0].fits_now && v[1].fits_now);
	assert_true(v[1].score > v[0].score);
	assert_contains(v[1].reason, "beta");
}

static void test_waiting_reason_names_the_soonest_center(void **state)
{
	struct hpcnet_sched_center c[] = {
		center("ctr_a", "alpha", 16, 64, 0),
		center("ctr_b", "beta", 16, 64, 0),
		center("ctr_c", "gamma", 4, 64, 0),
	};
	struct hpcnet_sched_job j = job(8, 1, 0, NULL);
	char reason[256], again[256];

	c[0].used_cores = 12;
	c[1].used_cores = 10;
	/* Both big centers full for it, no estimates: the less loaded one. */
	assert_int_equal(hpcnet_sched_place(c, N(c), &j, reason, sizeof(reason)), -1);
	assert_contains(reason, "waiting: 2 centers can run it (8 cores), none has room now");
	assert_contains(reason, "best: beta");
	/* A center's own estimate wins over load, rounded up to minutes. */
	c[0].est_wait_s = 130;
	c[1].est_wait_s = 900;
	assert_int_equal(hpcnet_sched_place(c, N(c), &j, reason, sizeof(reason)), -1);
	assert_contains(reason, "best: alpha (est. wait ~3 min)");
	/* Stable while only the load changes (the hub writes it on change). */
	c[0].used_cores = 13;
	assert_int_equal(hpcnet_sched_place(c, N(c), &j, again, sizeof(again)), -1);
	assert_string_equal(reason, again);
	/* One that fits no usable center still says why. */
	c[0].online = c[1].online = 0;
	assert_int_equal(hpcnet_sched_place(c, N(c), &j, reason, sizeof(reason)), -1);
	assert_contains(reason, "waiting: no usable center can run it");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fits_ever),
		cmocka_unit_test(test_fits_now),
		cmocka_unit_test(test_pinned_job_only_on_its_center),
		cmocka_unit_test(test_admit),
		cmocka_unit_test(test_offline_never_chosen),
		cmocka_unit_test(test_score_prefers_free_fraction_and_short_queue),
		cmocka_unit_test(test_reason_names_the_center),
		cmocka_unit_test(test_account_spreads_load),
		cmocka_unit_test(test_random_placements_never_overcommit),
		cmocka_unit_test(test_gpu_models),
		cmocka_unit_test(test_draining_and_degraded_never_chosen),
		cmocka_unit_test(test_estimated_wait_counts),
		cmocka_unit_test(test_snapshot_free_counts),
		cmocka_unit_test(test_waiting_reason_names_the_soonest_center),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
