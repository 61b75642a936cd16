/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The slurm adapter's parsers against output captured from real Slurm
 * 22.05 daemons (tests/data/slurm/, made by tests/setup/slurm.sh's
 * cluster): every job state the adapter maps, nodes with GPUs, partitions,
 * squeue --start, sbatch's answers, and input that is cut short or is not
 * Slurm's at all, which must never read as a job's end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "adapters/slurm/slurm.h"
#include "common/fsutil.h"
#include "common/xalloc.h"
#include "hpcnet/error.h"

static char *data(const char *name)
{
	char path[1024], *text = NULL;
	size_t len;

	snprintf(path, sizeof(path), "%s/tests/data/slurm/%s", HPCNET_SOURCE_DIR, name);
	if (hpcnet_fs_read(path, 1 << 22, &text, &len) != 0)
		fail_msg("cannot read %s", path);
	return text;
}

/* Parses a captured job and maps it; returns the status. */
static struct hpcnet_job_status status_of(const char *file, struct slurm_job *job)
{
	struct hpcnet_job_status st;
	char *text = data(file);

	memset(&st, 0, sizeof(st));
	assert_int_equal(slurm_job_parse(text, job), 0);
	assert_int_equal(slurm_job_status(job, &st), 0);
	free(text);
	return st;
}

static int64_t local_ms(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
			 .tm_min = mi, .tm_sec = s, .tm_isdst = -1 };

	return (int64_t)mktime(&tm) * 1000;
}

static void test_kv(void **unused)
{
	char line[] = "NodeName=vm OS=Linux 6.1 #1 SMP  Power= CPUs/Task=2 ReqB:S:C:T=0:0:*:*\n";
	char bad[] = "slurm_load_jobs error: Unable to contact slurm controller";
	char empty[] = "   ";
	struct slurm_kv kv;

	assert_int_equal(slurm_kv_parse(line, &kv), 0);
	assert_int_equal(kv.n, 5);
	assert_string_equal(slurm_kv_get(&kv, "OS"), "Linux 6.1 #1 SMP");
	assert_string_equal(slurm_kv_get(&kv, "Power"), "");
	assert_string_equal(slurm_kv_get(&kv, "CPUs/Task"), "2");
	assert_string_equal(slurm_kv_get(&kv, "ReqB:S:C:T"), "0:0:*:*");
	assert_null(slurm_kv_get(&kv, "Nope"));
	assert_int_equal(slurm_kv_parse(bad, &kv), HPCNET_EPROTO);
	assert_int_equal(slurm_kv_parse(empty, &kv), HPCNET_EPROTO);
}

static void test_values(void **unused)
{
	assert_int_equal(slurm_duration_s("00:01:17"), 77);
	assert_int_equal(slurm_duration_s("1-02:03:04"), 93784);
	assert_int_equal(slurm_duration_s("10:05"), 605);
	assert_int_equal(slurm_duration_s("5"), 300);
	assert_int_equal(slurm_duration_s("UNLIMITED"), -1);
	assert_int_equal(slurm_duration_s("1:x"), -1);
	assert_int_equal(slurm_mem_bytes("22899"), 22899LL << 20);
	assert_int_equal(slurm_mem_bytes("300M"), 300LL << 20);
	assert_int_equal(slurm_mem_bytes("2G"), 2LL << 30);
	assert_int_equal(slurm_mem_bytes("1234K"), 1234LL << 10);
	assert_int_equal(slurm_mem_bytes("12Q"), -1);
	assert_int_equal(slurm_mem_bytes("n/a"), -1);
	assert_int_equal(slurm_time_ms("Unknown"), 0);
	assert_int_equal(slurm_time_ms("None"), 0);
	assert_int_equal(slurm_time_ms("2026-11-23T19:52:48"), local_ms(2026, 11, 23, 19, 52, 48));
	assert_int_equal(slurm_time_ms("2026-11-23T19:52"), -1);
	assert_int_equal(slurm_time_ms("yesterday"), -1);
}

static void test_pending(void **unused)
{
	struct slurm_job j;
	struct hpcnet_job_status st = status_of("job-pending-resources.txt", &j);

	assert_string_equal(j.id, "12");
	assert_string_equal(j.state, "PENDING");
	assert_int_equal(st.state, HPCNET_AS_PENDING);
	assert_int_equal(st.started_ms, 0); /* StartTime=Unknown */
	assert_non_null(strstr(st.reason, "waiting for resources (Slurm: Resources)"));

	st = status_of("job-pending-priority.txt", &j);
	assert_int_equal(st.state, HPCNET_AS_PENDING);
	assert_non_null(strstr(st.reason, "Priority"));

	/* A requeued job waits with its old StartTime: not a start. */
	st = status_of("job-requeued.txt", &j);
	assert_int_equal(st.state, HPCNET_AS_PENDING);
	assert_int_equal(st.started_ms, 0);
	assert_non_null(strstr(st.reason, "BeginTime"));

	st = status_of("job-pending-partition-limit.txt", &j);
	assert_int_equal(st.state, HPCNET_AS_PENDING);
	assert_non_null(strstr(st.reason, "never runs unless"));
	st = status_of("job-pending-toobig.txt", &j);
	assert_non_null(strstr(st.reason, "PartitionConfig"));
}

static void test_held(void **unused)
{
	struct slurm_job j;
	struct hpcnet_job_status st = status_of("job-held-user.txt", &j);

	assert_int_equal(st.state, HPCNET_AS_HELD);
	assert_non_null(strstr(st.reason, "its owner (Slurm: JobHeldUser)"));
	st = status_of("job-held-admin.txt", &j);
	assert_int_equal(st.state, HPCNET_AS_HELD);
	assert_non_null(strstr(st.reason, "administrator"));
}

static void test_running_and_suspended(void **unused)
{
	struct slurm_job j;
	struct hpcnet_job_status st = status_of("job-running.txt", &j);

	assert_int_equal(st.state, HPCNET_AS_RUNNING);
	assert_int_equal(st.started_ms, local_ms(2026, 11, 23, 19, 52, 48));
	assert_int_equal(st.ended_ms, 0); /* EndTime of a running job is its limit */
	assert_int_equal(j.limit_s, 60);
	assert_int_equal(j.run_s, 10);
	assert_string_equal(j.stdout_path, "/tmp/sl/cap/cap-timeout.out");

	st = status_of("job-suspended.txt", &j);
	assert_int_equal(st.state, HPCNET_AS_SUSPENDED);
	assert_true(st.started_ms > 0);
}

static void test_gpu(void **unused)
{
	struct slurm_job j;
	struct hpcnet_job_status st = status_of("job-running-gpu.txt", &j);

	assert_int_equal(st.state, HPCNET_AS_RUNNING);
	assert_int_equal(j.gpus, 2); /* TresPerNode=gres:gpu:a100:2 */
	assert_true(st.gpu_seconds == 14.0);

	st = status_of("job-hpcnet-gpu-running.txt", &j);
	assert_string_equal(j.name, "hpcnet-capgpu");
	assert_string_equal(j.comment, "hpcnet:capgpu");
	assert_int_equal(j.gpus, 1);
	assert_int_equal(j.cpus, 2);
	assert_int_equal(st.state, HPCNET_AS_PENDING);

	st = status_of("job-hpcnet-gpu-failed.txt", &j);
	assert_int_equal(st.state, HPCNET_AS_FAILED);
	assert_int_equal(st.exit_code, 2);
	assert_int_equal(st.signal, 0);
	assert_true(st.gpu_seconds == 3.0);
	assert_string_equal(st.reason, "exited with code 2 (Slurm FAILED)");
	assert_string_equal(j.stderr_path, "/tmp/sl/cap/g2.err");
}

static void test_final(void **unused)
{
	struct slurm_job j;
	struct hpcnet_job_status st = status_of("job-completed.txt", &j);

	assert_int_equal(st.state, HPCNET_AS_SUCCEEDED);
	assert_int_equal(st.exit_code, 0);
	assert_true(st.started_ms > 0 && st.ended_ms >= st.started_ms);
	assert_true(slurm_state_final(j.state));

	st = status_of("job-failed.txt", &j);
	assert_int_equal(st.state, HPCNET_AS_FAILED);
	assert_int_equal(st.exit_code, 3);

	st = status_of("job-signal.txt", &j);
	assert_int_equal(st.state, HPCNET_AS_FAILED);
	assert_int_equal(st.exit_code, -1);
	assert_int_equal(st.signal, 9);
	assert_non_null(strstr(st.reason, "signal 9"));

	st = status_of("job-timeout.txt", &j);
	assert_int_equal(st.state, HPCNET_AS_FAILED);
	assert_string_equal(st.reason, "walltime exceeded (TIMEOUT)");
	assert_int_equal(st.exit_code, -1);
	assert_int_equal(st.signal, 15);
	assert_int_equal(j.run_s, 77);

	st = status_of("job-cancelled.txt", &j);
	assert_int_equal(st.state, HPCNET_AS_CANCELLED);
	assert_int_equal(st.started_ms, 0);
	assert_true(st.ended_ms > 0);
	assert_non_null(strstr(st.reason, "before it started"));
	assert_false(slurm_state_final("RUNNING"));
	assert_false(slurm_state_final("SUSPENDED"));
}

/* States this cluster cannot produce (no cgroups, no preemption): the
 * captured completed job with another JobState and Requeue. */
static void test_synthesized_states(void **unused)
{
	char *text = data("job-completed.txt"), *line, *p;
	struct hpcnet_job_status st;
	struct slurm_job j;
	static const struct {
		const char *state, *requeue;
		enum hpcnet_adapter_state as;
		const char *reason;
	} cases[] = {
		{ "OUT_OF_MEMORY", "1", HPCNET_AS_FAILED, "out of memory (OUT_OF_MEMORY)" },
		{ "NODE_FAIL", "1", HPCNET_AS_FAILED, "node failure (NODE_FAIL)" },
		{ "DEADLINE", "1", HPCNET_AS_FAILED, "deadline reached (DEADLINE)" },
		{ "BOOT_FAIL", "1", HPCNET_AS_FAILED, "node boot failure (BOOT_FAIL)" },
		{ "PREEMPTED", "1", HPCNET_AS_PENDING, "preempted; Slurm requeues it (PREEMPTED)" },
		{ "PREEMPTED", "0", HPCNET_AS_FAILED, "preempted (PREEMPTED)" },
		{ "COMPLETING", "1", HPCNET_AS_RUNNING, "Slurm COMPLETING" },
		{ "REQUEUE_HOLD", "1", HPCNET_AS_HELD, NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		p = strstr(text, "JobState=COMPLETED");
		assert_non_null(p);
		line = malloc(strlen(text) + 64);
		sprintf(line, "%.*sJobState=%s%s", (int)(p - text), text, cases[i].state,
			p + strlen("JobState=COMPLETED"));
		p = strstr(line, "Requeue=1");
		assert_non_null(p);
		p[8] = cases[i].requeue[0];
		assert_int_equal(slurm_job_parse(line, &j), 0);
		assert_int_equal(slurm_job_status(&j, &st), 0);
		assert_int_equal(st.state, cases[i].as);
		if (cases[i].reason)
			assert_string_equal(st.reason, cases[i].reason);
		free(line);
	}
	/* A state this code does not know is not a verdict. */
	memcpy(text + (strstr(text, "JobState=COMPLETED") - text) + 9, "FROBNICAT", 9);
	assert_int_equal(slurm_job_parse(text, &j), 0);
	assert_int_equal(slurm_job_status(&j, &st), HPCNET_EPROTO);
	free(text);
}

static void test_all_jobs_and_garbage(void **unused)
{
	char *text = data("jobs-all.txt"), *cut, *err;
	struct slurm_job *jobs = NULL, one;
	size_t n = 0, nl = 0;

	assert_int_equal(slurm_jobs_parse(text, &jobs, &n), 0);
	for (char *p = text; *p; p++)
		nl += *p == '\n';
	assert_int_equal(n, nl);
	assert_int_equal(n, 13);
	/* Each job knows its own line (the adapter records it as it is). */
	for (size_t i = 0; i < n; i++) {
		char *line = strndup(text + jobs[i].line_off, jobs[i].line_len);

		assert_int_equal(slurm_job_parse(line, &one), 0);
		assert_string_equal(one.id, jobs[i].id);
		assert_null(strchr(line, '\n'));
		assert_int_equal(text[jobs[i].line_off + jobs[i].line_len], '\n');
		free(line);
	}
	free(jobs);

	/* Cut anywhere inside the second line: never a readable table with a
	 * wrong job in it; either an error or only whole jobs. */
	cut = strchr(text, '\n') + 1;
	for (size_t k = 1; k < 200; k += 7) {
		char *t = strndup(text, (size_t)(cut - text) + k);

		assert_int_equal(slurm_jobs_parse(t, &jobs, &n), HPCNET_EPROTO);
		assert_null(jobs);
		assert_int_equal(n, 0);
		free(t);
	}
	/* Truncated inside ExitCode=: an error, not exit code 0. */
	cut = strstr(text, "ExitCode=") + 10;
	*cut = '\0';
	assert_int_equal(slurm_job_parse(text, &one), HPCNET_EPROTO);
	free(text);

	err = data("scontrol-controller-down.stderr.txt");
	assert_int_equal(slurm_jobs_parse(err, &jobs, &n), HPCNET_EPROTO);
	free(err);
	assert_int_equal(slurm_jobs_parse("<html><body>502</body></html>\n", &jobs, &n),
			 HPCNET_EPROTO);
	assert_int_equal(slurm_jobs_parse("JobId=abc JobState=RUNNING\n", &jobs, &n), HPCNET_EPROTO);
	assert_int_equal(slurm_jobs_parse("JobId=5 JobName=x\n", &jobs, &n), HPCNET_EPROTO);
	assert_int_equal(slurm_jobs_parse("No jobs in the system\n", &jobs, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(slurm_jobs_parse("", &jobs, &n), 0);
	assert_int_equal(n, 0);
}

static void test_gres(void **unused)
{
	char m[8][32];
	int64_t c[8];

	assert_int_equal(slurm_gres_gpus("gpu:a100:2(S:0-1),gpu:v100:1,mps:100", m, c, 8), 2);
	assert_string_equal(m[0], "a100");
	assert_int_equal(c[0], 2);
	assert_string_equal(m[1], "v100");
	assert_int_equal(c[1], 1);
	assert_int_equal(slurm_gres_gpus("gpu:a100:1(IDX:0,2),gpu:a100:1(IDX:3)", m, c, 8), 1);
	assert_int_equal(c[0], 2);
	assert_int_equal(slurm_gres_gpus("gpu:2", m, c, 8), 1);
	assert_string_equal(m[0], "");
	assert_int_equal(c[0], 2);
	assert_int_equal(slurm_gres_gpus("(null)", m, c, 8), 0);
	assert_int_equal(slurm_gres_gpus("gpu:a100:x", m, c, 8), HPCNET_EPROTO);
	assert_int_equal(slurm_gres_gpus("gpu", m, c, 8), HPCNET_EPROTO);
}

static void test_nodes(void **unused)
{
	char *text = data("nodes.txt"), *busy = data("nodes-busy.txt");
	struct hpcnet_snapshot s;

	memset(&s, 0, sizeof(s));
	assert_int_equal(slurm_nodes_parse(text, NULL, &s), 0);
	assert_int_equal(s.total_cores, 16);
	assert_int_equal(s.free_cores, 14);
	assert_int_equal(s.total_mem_bytes, 22899LL << 20);
	assert_int_equal(s.free_mem_bytes, (22899LL - 2292) << 20);
	assert_int_equal(s.total_gpus, 2);
	assert_int_equal(s.free_gpus, 0); /* GresUsed=gpu:a100:2(IDX:0-1) */
	assert_int_equal(s.ngpu_pools, 1);
	assert_string_equal(s.gpu_pools[0].model, "a100");
	assert_int_equal(s.gpu_pools[0].total, 2);
	assert_int_equal(s.gpu_pools[0].free, 0);
	assert_int_equal(s.nodes_total, 1);
	assert_int_equal(s.nodes_alloc, 1);

	memset(&s, 0, sizeof(s));
	assert_int_equal(slurm_nodes_parse(busy, "long", &s), 0);
	assert_int_equal(s.free_cores, 0);
	assert_int_equal(s.free_gpus, 2);
	assert_int_equal(s.gpu_pools[0].free, 2);

	memset(&s, 0, sizeof(s));
	assert_int_equal(slurm_nodes_parse(text, "nope", &s), 0);
	assert_int_equal(s.total_cores, 0);

	/* A drained node counts in the totals, not in what is free. */
	{
		char *p = strstr(text, "State=MIXED");
		char *line = malloc(strlen(text) + 16);

		sprintf(line, "%.*sState=IDLE+DRAIN%s", (int)(p - text), text, p + 11);
		memset(&s, 0, sizeof(s));
		assert_int_equal(slurm_nodes_parse(line, NULL, &s), 0);
		assert_int_equal(s.total_cores, 16);
		assert_int_equal(s.free_cores, 0);
		assert_int_equal(s.nodes_down, 1);
		free(line);
	}
	memset(&s, 0, sizeof(s));
	assert_int_equal(slurm_nodes_parse("NodeName=vm Arch=x86_64\n", NULL, &s), HPCNET_EPROTO);
	assert_int_equal(slurm_nodes_parse("garbage\n", NULL, &s), HPCNET_EPROTO);
	free(text);
	free(busy);
}

static void test_partitions(void **unused)
{
	char *text = data("partitions.txt"), *swapped;
	int nl;
	struct hpcnet_snapshot s;

	memset(&s, 0, sizeof(s));
	assert_int_equal(slurm_partitions_parse(text, &s), 0);
	assert_string_equal(s.partitions, "debug,long");
	/* The default goes first wherever Slurm lists it. */
	nl = (int)strcspn(text, "\n");
	swapped = malloc(strlen(text) + 2);
	sprintf(swapped, "%s\n%.*s\n", text + nl + 1, nl, text);
	assert_int_equal(slurm_partitions_parse(swapped, &s), 0);
	assert_string_equal(s.partitions, "debug,long");
	assert_int_equal(slurm_partitions_parse("Partition debug is up\n", &s), HPCNET_EPROTO);
	free(swapped);
	free(text);
}

static void test_squeue_start(void **unused)
{
	char *text = data("squeue-start.txt");
	int64_t t;

	assert_int_equal(slurm_start_parse(text, &t), 0);
	assert_int_equal(t, local_ms(2026, 11, 23, 20, 12, 18));
	assert_int_equal(slurm_start_parse("22|N/A\n", &t), 0);
	assert_int_equal(t, 0);
	assert_int_equal(slurm_start_parse("", &t), 0);
	assert_int_equal(slurm_start_parse("JOBID START_TIME\n", &t), HPCNET_EPROTO);
	assert_int_equal(slurm_start_parse("21|soon\n", &t), HPCNET_EPROTO);
	free(text);
}

static void test_sbatch(void **unused)
{
	char id[32], *e;

	assert_int_equal(slurm_sbatch_jobid("15\n", id, sizeof(id)), 0);
	assert_string_equal(id, "15");
	assert_int_equal(slurm_sbatch_jobid("16;hpcnet\n", id, sizeof(id)), 0);
	assert_string_equal(id, "16");
	assert_int_equal(slurm_sbatch_jobid("", id, sizeof(id)), HPCNET_EPROTO);
	assert_int_equal(slurm_sbatch_jobid("Submitted batch job 15\n", id, sizeof(id)),
			 HPCNET_EPROTO);
	assert_int_equal(slurm_sbatch_jobid("15\n16\n", id, sizeof(id)), HPCNET_EPROTO);
	assert_int_equal(slurm_sbatch_jobid("15x\n", id, sizeof(id)), HPCNET_EPROTO);

	e = data("sbatch-invalid-partition.stderr.txt");
	assert_int_equal(slurm_sbatch_error(e), HPCNET_EINVAL);
	free(e);
	e = data("sbatch-no-h100.stderr.txt");
	assert_int_equal(slurm_sbatch_error(e), HPCNET_EINVAL);
	free(e);
	e = data("sbatch-controller-down.stderr.txt");
	assert_int_equal(slurm_sbatch_error(e), HPCNET_EUNAVAIL);
	free(e);
	assert_int_equal(slurm_sbatch_error("something new\n"), HPCNET_EUNAVAIL);
	assert_int_equal(slurm_sbatch_error(NULL), HPCNET_EUNAVAIL);
	e = data("invalid-job.stderr.txt");
	assert_true(slurm_invalid_job(e));
	free(e);
	assert_false(slurm_invalid_job("Unable to contact slurm controller"));
}

/* No slurmdbd on the test cluster: lines in the format sacct -P prints. */
static void test_sacct(void **unused)
{
	const char *text = "42|hpcnet-a|COMPLETED|0:0|2026-11-23T19:52:48|2026-11-23T19:53:50|62|"
			   "00:41.500|\n"
			   "42.batch|batch|COMPLETED|0:0|2026-11-23T19:52:48|2026-11-23T19:53:50|"
			   "62|00:41.500|5120K\n"
			   "42.extern|extern|COMPLETED|0:0|2026-11-23T19:52:48|2026-11-23T19:53:50|"
			   "62|00:00:00|1024K\n"
			   "420|hpcnet-b|FAILED|1:0|2026-11-23T19:52:48|2026-11-23T19:53:50|62|"
			   "1-00:00:00|9G\n";
	struct slurm_job j;
	struct hpcnet_job_status st;
	double cpu;
	int64_t rss;

	assert_int_equal(slurm_sacct_parse(text, "42", &j, &cpu, &rss), 0);
	assert_string_equal(j.state, "COMPLETED");
	assert_true(cpu > 41.49 && cpu < 41.51);
	assert_int_equal(rss, 5120 << 10);
	assert_int_equal(j.run_s, 62);
	assert_int_equal(slurm_job_status(&j, &st), 0);
	assert_int_equal(st.state, HPCNET_AS_SUCCEEDED);
	assert_int_equal(slurm_sacct_parse(text, "43", &j, &cpu, &rss), HPCNET_ENOTFOUND);
	assert_int_equal(slurm_sacct_parse("42|x|CANCELLED by 0|0:15\n", "42", &j, &cpu, &rss),
			 HPCNET_EPROTO);
	assert_int_equal(slurm_sacct_parse("42|x|CANCELLED by 0|0:15|2026-11-23T19:52:48|"
					   "2026-11-23T19:53:50|62||\n",
					   "42", &j, &cpu, &rss),
			 0);
	assert_string_equal(j.state, "CANCELLED");
}

/* ---- live: the adapter against the running cluster ----
 *
 * Run only with HPCNET_SLURM_LIVE=1 (tests/integration/slurm/test_slurm.py
 * does, inside the slurm CTest fixture): the adapter's own contracts that
 * the hub and agent cannot show from outside, such as a second submit of
 * the same hub job id, and the control actions.
 */
#include <sys/stat.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/subproc.h"

static const struct hpcnet_adapter *SL; /* found through the registry */
static char live_dir[256];
static char live_fake[300];

static void *live_adapter(const char *extra_opt)
{
	const char *opts[3] = { "timeout_ms=3000", extra_opt, NULL };
	struct hpcnet_adapter_conf conf = { .workdir = live_dir, .cores = 16, .opts = opts,
					    .nopts = extra_opt ? 2 : 1 };
	void *st = NULL;

	assert_int_equal(SL->init(&conf, &st), 0);
	return st;
}

static struct hpcnet_job_spec live_job(const char *id, const char *script, int cores)
{
	return (struct hpcnet_job_spec){ .id = id, .name = id, .script = script, .cores = cores,
					 .walltime_s = 120 };
}

/* Polls until the job is in state (or fails the test after timeout_s). */
static void wait_state(void *st, const char *id, const char *ref, enum hpcnet_adapter_state want,
		       int timeout_s, struct hpcnet_job_status *out)
{
	int64_t end = hpcnet_mono_ms() + timeout_s * 1000;
	struct hpcnet_job_status js;
	int rc;

	for (;;) {
		rc = SL->poll(st, id, ref, &js);
		if (rc == 0 && js.state == want)
			break;
		if (hpcnet_mono_ms() > end)
			fail_msg("job %s (%s): rc %d state %s, want %s (%s)", id, ref, rc,
				 hpcnet_adapter_state_name(js.state), hpcnet_adapter_state_name(want),
				 js.reason);
		hpcnet_sleep_ms(200);
	}
	if (out)
		*out = js;
}

/* How many Slurm jobs carry this hub id's name. */
static int slurm_count(const char *id)
{
	char name[200];
	const char *argv[] = { "squeue", "-h", "-t", "all", name, "-o", "%i", NULL };
	struct hpcnet_run r;
	int n = 0;

	snprintf(name, sizeof(name), "--name=hpcnet-%s", id);
	assert_int_equal(hpcnet_run_cmd(argv, NULL, NULL, 10000, &r), 0);
	assert_int_equal(r.exit_code, 0);
	for (char *p = r.out.data; p && *p; p++)
		n += *p == '\n';
	hpcnet_run_free(&r);
	return n;
}

static void live_id(char *buf, size_t len, const char *what)
{
	snprintf(buf, len, "live-%d-%s", (int)getpid(), what);
}

static void test_live_snapshot(void **unused)
{
	void *st = live_adapter(NULL);
	struct hpcnet_snapshot s;

	assert_int_equal(SL->snapshot(st, &s), 0);
	assert_int_equal(s.total_cores, 16);
	assert_true(s.total_mem_bytes > 0);
	assert_int_equal(s.total_gpus, 2);
	assert_int_equal(s.ngpu_pools, 1);
	assert_string_equal(s.gpu_pools[0].model, "a100");
	assert_string_equal(s.partitions, "debug,long");
	assert_int_equal(s.nodes_total, 1);
	SL->fini(st);
}

static void test_live_submit_twice(void **unused)
{
	void *st = live_adapter(NULL);
	char id[64], ref[64], ref2[64], ref3[64], *marker, *out;
	struct hpcnet_job_spec j;
	struct hpcnet_job_status js;
	size_t len;

	live_id(id, sizeof(id), "twice");
	j = live_job(id, "#!/bin/sh\nsleep 2\necho \"hello $HPCNET_JOB_ID $GREETING\"\n", 1);
	j.env = (const char *const[]){ "GREETING=it's, a test" };
	j.nenv = 1;
	assert_int_equal(SL->submit(st, &j, ref, sizeof(ref)), 0);
	assert_int_equal(SL->submit(st, &j, ref2, sizeof(ref2)), 0);
	assert_string_equal(ref, ref2);
	/* As if the agent died between sbatch and the marker: squeue finds it. */
	marker = hpcnet_xasprintf("%s/%s/submitted.jobid", live_dir, id);
	assert_int_equal(unlink(marker), 0);
	assert_int_equal(SL->submit(st, &j, ref3, sizeof(ref3)), 0);
	assert_string_equal(ref, ref3);
	assert_int_equal(access(marker, F_OK), 0);
	free(marker);
	assert_int_equal(slurm_count(id), 1);
	/* A restarted adapter finds it too. */
	SL->fini(st);
	st = live_adapter(NULL);
	assert_int_equal(SL->submit(st, &j, ref2, sizeof(ref2)), 0);
	assert_string_equal(ref, ref2);
	wait_state(st, id, ref, HPCNET_AS_SUCCEEDED, 60, &js);
	assert_int_equal(slurm_count(id), 1);
	assert_int_equal(js.exit_code, 0);
	assert_true(js.started_ms > 0 && js.ended_ms >= js.started_ms);
	assert_int_equal(hpcnet_fs_read(js.stdout_path, 4096, &out, &len), 0);
	{
		char want[200];

		snprintf(want, sizeof(want), "hello %s it's, a test\n", id);
		assert_string_equal(out, want);
	}
	free(out);
	assert_int_equal(SL->purge(st, id, ref), 0);
	SL->fini(st);
}

static void test_live_control(void **unused)
{
	void *st = live_adapter(NULL);
	char a[64], b[64], ra[64], rb[64];
	struct hpcnet_job_spec ja, jb;
	struct hpcnet_job_status js;

	live_id(a, sizeof(a), "blocker");
	live_id(b, sizeof(b), "waiter");
	struct hpcnet_snapshot snap;

	/* The blocker takes every free core (other tests may run jobs). */
	assert_int_equal(SL->snapshot(st, &snap), 0);
	assert_true(snap.free_cores > 0);
	ja = live_job(a, "sleep 120\n", (int)snap.free_cores);
	jb = live_job(b, "echo waited\n", 1);
	assert_int_equal(SL->submit(st, &ja, ra, sizeof(ra)), 0);
	wait_state(st, a, ra, HPCNET_AS_RUNNING, 30, NULL);
	assert_int_equal(SL->submit(st, &jb, rb, sizeof(rb)), 0);
	wait_state(st, b, rb, HPCNET_AS_PENDING, 10, &js);
	assert_int_equal(SL->control(st, b, rb, HPCNET_ACT_HOLD), 0);
	wait_state(st, b, rb, HPCNET_AS_HELD, 10, &js);
	assert_int_equal(SL->control(st, a, ra, HPCNET_ACT_SUSPEND), 0);
	wait_state(st, a, ra, HPCNET_AS_SUSPENDED, 10, NULL);
	assert_int_equal(SL->control(st, a, ra, HPCNET_ACT_RESUME), 0);
	wait_state(st, a, ra, HPCNET_AS_RUNNING, 10, NULL);
	/* Held, so it stays put even with the blocker gone. */
	assert_int_equal(SL->cancel(st, a, ra), 0);
	wait_state(st, a, ra, HPCNET_AS_CANCELLED, 30, &js);
	assert_true(js.started_ms > 0);
	hpcnet_sleep_ms(1500);
	wait_state(st, b, rb, HPCNET_AS_HELD, 1, NULL);
	assert_int_equal(SL->control(st, b, rb, HPCNET_ACT_RELEASE), 0);
	wait_state(st, b, rb, HPCNET_AS_SUCCEEDED, 30, NULL);
	/* Nothing to do to a finished job; and never to one that is not ours. */
	assert_int_equal(SL->control(st, b, rb, HPCNET_ACT_HOLD), HPCNET_ECONFLICT);
	assert_int_equal(SL->control(st, "not-ours", rb, HPCNET_ACT_HOLD),
			 HPCNET_ENOTFOUND);
	SL->fini(st);
}

static void test_live_requeue(void **unused)
{
	void *st = live_adapter(NULL);
	char a[64], ra[64];
	struct hpcnet_job_spec ja;
	struct hpcnet_job_status js;

	live_id(a, sizeof(a), "requeue");
	ja = live_job(a, "#!/bin/sh\necho run-$SLURM_RESTART_COUNT\nsleep 3\n", 1);
	assert_int_equal(SL->submit(st, &ja, ra, sizeof(ra)), 0);
	wait_state(st, a, ra, HPCNET_AS_RUNNING, 30, NULL);
	assert_int_equal(SL->control(st, a, ra, HPCNET_ACT_REQUEUE), 0);
	wait_state(st, a, ra, HPCNET_AS_PENDING, 10, &js);
	assert_int_equal(js.started_ms, 0);
	/* Requeued jobs wait out a begin time (~1-2 min in 22.05): cancel. */
	assert_int_equal(SL->cancel(st, a, ra), 0);
	wait_state(st, a, ra, HPCNET_AS_CANCELLED, 30, NULL);
	SL->fini(st);
}

/* A job Slurm has forgotten (MinJobAge) is answered from the record. */
static void test_live_gone(void **unused)
{
	void *st = live_adapter(NULL);
	char *dir = hpcnet_xasprintf("%s/gone", live_dir);
	char *rec = hpcnet_xasprintf("%s/hpcnet-state", dir), *text = data("job-failed.txt");
	struct hpcnet_job_status js;

	assert_int_equal(SL->poll(st, "never", "999999", &js), HPCNET_ENOTFOUND);
	assert_int_equal(hpcnet_fs_mkdirs(dir, 0755), 0);
	assert_int_equal(hpcnet_fs_write_atomic(rec, text, strlen(text), 0644), 0);
	assert_int_equal(SL->poll(st, "gone", "999999", &js), 0);
	assert_int_equal(js.state, HPCNET_AS_FAILED);
	assert_int_equal(js.exit_code, 3);
	/* A record of a job that had not ended: the center cannot say. */
	free(text);
	text = data("job-running.txt");
	assert_int_equal(hpcnet_fs_write_atomic(rec, text, strlen(text), 0644), 0);
	assert_int_equal(SL->poll(st, "gone", "999999", &js), HPCNET_ENOTFOUND);
	free(text);
	free(rec);
	free(dir);
	SL->fini(st);
}

static void fake_mode(const char *mode)
{
	char *p = hpcnet_xasprintf("%s/mode", live_fake);

	assert_int_equal(hpcnet_fs_write_atomic(p, mode, strlen(mode), 0644), 0);
	free(p);
}

static void test_live_faults(void **unused)
{
	static const char *const cmds[] = { "sbatch", "squeue", "scontrol", "scancel", "sacct" };
	char opt[400], id[64], ref[64], ref2[64];
	struct hpcnet_job_status js;
	struct hpcnet_snapshot snap;
	struct hpcnet_job_spec j;
	void *st;
	int64_t t0;

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		char *path = hpcnet_xasprintf("%s/%s", live_fake, cmds[i]);
		char *script = hpcnet_xasprintf(
			"#!/bin/sh\ncase \"$(cat %s/mode)\" in\n"
			"hang) sleep 600 ;;\n"
			"fail) echo 'slurm_load_jobs error: Unable to contact slurm controller' >&2; "
			"exit 1 ;;\n"
			"garbage) echo '<html>502 Bad Gateway</html>'; exit 0 ;;\n"
			"esac\nexec /usr/bin/%s \"$@\"\n",
			live_fake, cmds[i]);

		assert_int_equal(hpcnet_fs_write_atomic(path, script, strlen(script), 0755), 0);
		free(path);
		free(script);
	}
	fake_mode("real");
	snprintf(opt, sizeof(opt), "bindir=%s", live_fake);
	st = live_adapter(opt);
	live_id(id, sizeof(id), "fault");
	j = live_job(id, "sleep 4; exit 7\n", 1);
	assert_int_equal(SL->submit(st, &j, ref, sizeof(ref)), 0);
	wait_state(st, id, ref, HPCNET_AS_RUNNING, 30, NULL);
	/* While the commands fail, hang or babble, the job ends in Slurm;
	 * the adapter must say "could not look", never a verdict. */
	static const char *const modes[] = { "fail", "garbage", "hang" };
	for (size_t m = 0; m < 3; m++) {
		fake_mode(modes[m]);
		for (int k = 0; k < (m == 2 ? 1 : 3); k++) {
			int rc;

			/* past the table's lifetime: poll_ms, or 1 ms per 4
			 * jobs in slurmctld's table (fewer than 4400 here) */
			hpcnet_sleep_ms(1100);
			t0 = hpcnet_mono_ms();
			rc = SL->poll(st, id, ref, &js);
			assert_true(rc == HPCNET_EUNAVAIL || rc == HPCNET_ETIMEOUT);
		}
		assert_true(hpcnet_mono_ms() - t0 < 5000); /* timeout_ms=3000 holds */
		assert_true(SL->snapshot(st, &snap) < 0);
		assert_int_equal(SL->snapshot(st, &snap) == HPCNET_EINVAL, 0);
	}
	/* A submit that cannot look first must not submit blindly either. */
	{
		char id2[64];
		struct hpcnet_job_spec j2;

		live_id(id2, sizeof(id2), "fault2");
		j2 = live_job(id2, "true\n", 1);
		fake_mode("fail");
		assert_int_equal(SL->submit(st, &j2, ref2, sizeof(ref2)),
				 HPCNET_EUNAVAIL);
		fake_mode("real");
		assert_int_equal(slurm_count(id2), 0);
	}
	fake_mode("real");
	wait_state(st, id, ref, HPCNET_AS_FAILED, 30, &js);
	assert_int_equal(js.exit_code, 7);
	SL->fini(st);
}

static int live_setup(void **unused)
{
	SL = hpcnet_adapter_find("slurm");
	assert_non_null(SL);
	snprintf(live_dir, sizeof(live_dir), "/tmp/hpcnet-slurm-live-%d", (int)getpid());
	snprintf(live_fake, sizeof(live_fake), "%s/fakebin", live_dir);
	assert_int_equal(hpcnet_fs_mkdirs(live_fake, 0755), 0);
	return 0;
}

static int live_teardown(void **unused)
{
	if (!getenv("HPCNET_KEEP_TMP"))
		hpcnet_fs_remove_tree(live_dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kv),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_pending),
		cmocka_unit_test(test_held),
		cmocka_unit_test(test_running_and_suspended),
		cmocka_unit_test(test_gpu),
		cmocka_unit_test(test_final),
		cmocka_unit_test(test_synthesized_states),
		cmocka_unit_test(test_all_jobs_and_garbage),
		cmocka_unit_test(test_gres),
		cmocka_unit_test(test_nodes),
		cmocka_unit_test(test_partitions),
		cmocka_unit_test(test_squeue_start),
		cmocka_unit_test(test_sbatch),
		cmocka_unit_test(test_sacct),
	};

	const struct CMUnitTest live[] = {
		cmocka_unit_test(test_live_snapshot),
		cmocka_unit_test(test_live_submit_twice),
		cmocka_unit_test(test_live_control),
		cmocka_unit_test(test_live_requeue),
		cmocka_unit_test(test_live_gone),
		cmocka_unit_test(test_live_faults),
	};

	if (getenv("HPCNET_SLURM_LIVE"))
		return cmocka_run_group_tests(live, live_setup, live_teardown);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
