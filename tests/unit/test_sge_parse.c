/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sge adapter's parsers against output captured from a real Son of
 * Grid Engine 8.1.9 (tests/data/sge/, made on tests/setup/sge.sh's
 * cluster): qstat -f -xml with pending, held, running, 2-slot, suspended
 * and error-state (Eqw) jobs, a disabled queue, qstat -j of the Eqw job,
 * qhost -xml, and qacct records of jobs that succeeded, exited 3, were
 * killed at h_rt, were qdel'ed and died of SIGSEGV; plus input that is
 * cut short or is not SGE's at all, which must never read as a job's end.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "adapters/sge/sge.h"
#include "common/fsutil.h"
#include "hpcnet/error.h"

static char *data(const char *name, size_t *len)
{
	char path[1024], *text = NULL;
	size_t n;

	snprintf(path, sizeof(path), "%s/tests/data/sge/%s", HPCNET_SOURCE_DIR, name);
	if (hpcnet_fs_read(path, 1 << 22, &text, &n) != 0)
		fail_msg("cannot read %s", path);
	if (len)
		*len = n;
	return text;
}

static const struct hpcnet_sge_job *by_name(const struct hpcnet_sge_qstat *q, const char *name)
{
	for (size_t i = 0; i < q->njobs; i++)
		if (strcmp(q->jobs[i].name, name) == 0)
			return &q->jobs[i];
	fail_msg("no job %s", name);
	return NULL;
}

static enum hpcnet_adapter_state state_of(const char *letters)
{
	enum hpcnet_adapter_state s = HPCNET_AS_LOST;

	assert_int_equal(hpcnet_sge_state(letters, &s), 0);
	return s;
}

static void test_qstat_mixed(void **unused)
{
	struct hpcnet_sge_qstat q;
	size_t len;
	char *text = data("qstat-f-mixed.xml", &len);
	const struct hpcnet_sge_job *j;

	assert_int_equal(hpcnet_sge_parse_qstat(text, len, &q), 0);
	assert_int_equal(q.njobs, 6);
	assert_int_equal(q.nqueues, 2);
	assert_string_equal(q.queues[0].name, "all.q");
	assert_string_equal(q.queues[0].host, "vm");
	assert_int_equal(q.queues[0].total, 16);
	assert_int_equal(q.queues[0].used, 3);
	assert_string_equal(q.queues[1].name, "long.q");
	assert_int_equal(q.queues[1].total, 2);

	j = by_name(&q, "hpcnet-job_susp");
	assert_int_equal(j->number, 66);
	assert_string_equal(j->state, "s");
	assert_string_equal(j->queue, "all.q@vm");
	assert_true(j->start_ms > 0);
	assert_int_equal(state_of(j->state), HPCNET_AS_SUSPENDED);
	j = by_name(&q, "hpcnet-job_pe2");
	assert_int_equal(j->slots, 2);
	assert_int_equal(state_of(j->state), HPCNET_AS_RUNNING);
	j = by_name(&q, "hpcnet-job_long");
	assert_string_equal(j->queue, "long.q@vm");
	j = by_name(&q, "hpcnet-job_big");
	assert_int_equal(j->slots, 16);
	assert_int_equal(j->start_ms, 0);
	assert_true(j->submit_ms > 0);
	assert_int_equal(state_of(j->state), HPCNET_AS_PENDING);
	assert_int_equal(state_of(by_name(&q, "hpcnet-job_eqw")->state), HPCNET_AS_FAILED);
	assert_int_equal(state_of(by_name(&q, "hpcnet-job_held")->state), HPCNET_AS_HELD);
	assert_non_null(hpcnet_sge_qstat_find(&q, 65));
	assert_null(hpcnet_sge_qstat_find(&q, 71)); /* qdel'ed before the capture */
	hpcnet_sge_qstat_free(&q);
	free(text);
}

static void test_qstat_empty_and_disabled(void **unused)
{
	struct hpcnet_sge_qstat q;
	size_t len;
	char *text = data("qstat-f-empty.xml", &len);

	assert_int_equal(hpcnet_sge_parse_qstat(text, len, &q), 0);
	assert_int_equal(q.njobs, 0);
	assert_int_equal(q.nqueues, 2);
	assert_string_equal(q.queues[0].state, "");
	hpcnet_sge_qstat_free(&q);
	free(text);

	text = data("qstat-f-disabled.xml", &len);
	assert_int_equal(hpcnet_sge_parse_qstat(text, len, &q), 0);
	assert_string_equal(q.queues[1].name, "long.q");
	assert_string_equal(q.queues[1].state, "d");
	assert_int_equal(q.queues[1].used, 1);
	hpcnet_sge_qstat_free(&q);
	free(text);
}

static void test_qstat_garbage(void **unused)
{
	struct hpcnet_sge_qstat q;
	size_t len;
	char *text = data("qstat-f-mixed.xml", &len);
	static const char *bad[] = {
		"",
		"garbage\n",
		"error: commlib error: got select error (Connection refused)\n",
		"<?xml version='1.0'?>\n<qhost></qhost>\n",
		"<?xml version='1.0'?><job_info><job_info><job_list><JB_job_number>x</JB_job_number>"
		"<state>qw</state></job_list></job_info></job_info>",
		"<?xml version='1.0'?><job_info><job_info><job_list><JB_job_number>5</JB_job_number>"
		"</job_list></job_info></job_info>",
	};

	/* Cut anywhere: refused, never "no jobs". */
	for (size_t cut = 1; cut < len - 2; cut += len / 37 + 1)
		assert_int_equal(hpcnet_sge_parse_qstat(text, cut, &q), HPCNET_EPROTO);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(hpcnet_sge_parse_qstat(bad[i], strlen(bad[i]), &q), HPCNET_EPROTO);
	assert_int_equal(hpcnet_sge_parse_qstat(NULL, 0, &q), HPCNET_EPROTO);
	free(text);
}

static void test_qstat_j_reason(void **unused)
{
	size_t len;
	char *text = data("qstat-j-eqw.xml", &len), why[256];
	static const char unknown[] = "<?xml version='1.0'?>\n<unknown_jobs >\n"
				      "    <ST_name>99999</ST_name>\n</unknown_jobs>\n";

	assert_int_equal(hpcnet_sge_parse_qstat_j_reason(text, len, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "can't chdir to /nonexistent/dir"));
	assert_int_equal(hpcnet_sge_parse_qstat_j_reason(unknown, strlen(unknown), why, sizeof(why)),
			 HPCNET_ENOTFOUND);
	assert_int_equal(hpcnet_sge_parse_qstat_j_reason(text, len / 2, why, sizeof(why)),
			 HPCNET_EPROTO);
	free(text);
}

static void test_states(void **unused)
{
	enum hpcnet_adapter_state s;

	assert_int_equal(state_of("qw"), HPCNET_AS_PENDING);
	assert_int_equal(state_of("Rq"), HPCNET_AS_PENDING);   /* rescheduled */
	assert_int_equal(state_of("dqw"), HPCNET_AS_PENDING);  /* deleted before start */
	assert_int_equal(state_of("hqw"), HPCNET_AS_HELD);
	assert_int_equal(state_of("hRwq"), HPCNET_AS_HELD);
	assert_int_equal(state_of("r"), HPCNET_AS_RUNNING);
	assert_int_equal(state_of("t"), HPCNET_AS_RUNNING);
	assert_int_equal(state_of("Rr"), HPCNET_AS_RUNNING);
	assert_int_equal(state_of("dr"), HPCNET_AS_RUNNING);   /* being deleted */
	assert_int_equal(state_of("hr"), HPCNET_AS_RUNNING);
	assert_int_equal(state_of("s"), HPCNET_AS_SUSPENDED);
	assert_int_equal(state_of("S"), HPCNET_AS_SUSPENDED);
	assert_int_equal(state_of("T"), HPCNET_AS_SUSPENDED);
	assert_int_equal(state_of("ds"), HPCNET_AS_SUSPENDED);
	assert_int_equal(state_of("Eqw"), HPCNET_AS_FAILED);
	assert_int_equal(state_of("Ehqw"), HPCNET_AS_FAILED);
	assert_int_equal(hpcnet_sge_state("", &s), HPCNET_EPROTO);
	assert_int_equal(hpcnet_sge_state("x", &s), HPCNET_EPROTO);
	assert_int_equal(hpcnet_sge_state("z", &s), HPCNET_EPROTO);
	assert_int_equal(hpcnet_sge_state(NULL, &s), HPCNET_EPROTO);
}

static void test_qhost(void **unused)
{
	struct hpcnet_sge_qhost h;
	size_t len;
	char *text = data("qhost.xml", &len);

	assert_int_equal(hpcnet_sge_parse_qhost(text, len, &h), 0);
	assert_int_equal(h.nhosts, 1); /* "global" is not a host */
	assert_string_equal(h.hosts[0].name, "vm");
	assert_int_equal(h.hosts[0].ncpu, 2);
	assert_true(h.hosts[0].up);
	assert_true(h.hosts[0].mem_total > (int64_t)20 << 30);
	assert_true(h.hosts[0].mem_used > 0 && h.hosts[0].mem_used < h.hosts[0].mem_total);
	hpcnet_sge_qhost_free(&h);
	assert_int_equal(hpcnet_sge_parse_qhost(text, len - 20, &h), HPCNET_EPROTO);
	assert_int_equal(hpcnet_sge_parse_qhost("junk", 4, &h), HPCNET_EPROTO);
	free(text);
}

static void test_units(void **unused)
{
	int64_t b;
	double s;

	assert_int_equal(hpcnet_sge_parse_mem("23.5G", &b), 0);
	assert_true(b == (int64_t)(23.5 * 1024 * 1024 * 1024));
	assert_int_equal(hpcnet_sge_parse_mem("3.477MB", &b), 0);
	assert_true(b > 3600000 && b < 3700000);
	assert_int_equal(hpcnet_sge_parse_mem("0.000B", &b), 0);
	assert_int_equal(b, 0);
	assert_int_equal(hpcnet_sge_parse_mem("1024", &b), 0);
	assert_int_equal(b, 1024);
	assert_int_equal(hpcnet_sge_parse_mem("-", &b), HPCNET_EINVAL);
	assert_int_equal(hpcnet_sge_parse_mem("12Q", &b), HPCNET_EINVAL);
	assert_int_equal(hpcnet_sge_parse_mem("nan", &b), HPCNET_EINVAL);
	assert_int_equal(hpcnet_sge_parse_seconds("0.195s", &s), 0);
	assert_true(s > 0.194 && s < 0.196);
	assert_int_equal(hpcnet_sge_parse_seconds("3s", &s), 0);
	assert_true(s == 3);
	assert_int_equal(hpcnet_sge_parse_seconds("1:02:03", &s), 0);
	assert_true(s == 3723);
	assert_int_equal(hpcnet_sge_parse_seconds("1:00:00:05", &s), 0);
	assert_true(s == 86405);
	assert_int_equal(hpcnet_sge_parse_seconds("1:2:3:4:5", &s), HPCNET_EINVAL);
	assert_int_equal(hpcnet_sge_parse_seconds("abc", &s), HPCNET_EINVAL);
}

static struct hpcnet_job_status acct_status(const char *file, int cancelled, int64_t walltime,
					    struct hpcnet_sge_acct *a)
{
	struct hpcnet_job_status st;
	size_t len;
	char *text = data(file, &len);

	assert_int_equal(hpcnet_sge_parse_qacct(text, len, a), 0);
	memset(&st, 0, sizeof(st));
	hpcnet_sge_acct_status(a, cancelled, walltime, &st);
	free(text);
	return st;
}

static void test_qacct(void **unused)
{
	struct hpcnet_sge_acct a;
	struct hpcnet_job_status st;

	st = acct_status("qacct-ok.txt", 0, 60, &a);
	assert_int_equal(a.jobnumber, 12);
	assert_int_equal(a.failed, 0);
	assert_string_equal(a.qname, "all.q");
	assert_true(a.cpu_s > 0.19 && a.cpu_s < 0.21); /* 0.195 + 0.004 */
	assert_true(a.start_ms > 0 && a.end_ms >= a.start_ms);
	assert_int_equal(st.state, HPCNET_AS_SUCCEEDED);
	assert_int_equal(st.exit_code, 0);
	/* Even with a qdel on its way, a job that ended well succeeded. */
	assert_int_equal(acct_status("qacct-ok.txt", 1, 60, &a).state, HPCNET_AS_SUCCEEDED);

	st = acct_status("qacct-bad.txt", 0, 60, &a);
	assert_int_equal(st.state, HPCNET_AS_FAILED);
	assert_int_equal(st.exit_code, 3);
	assert_int_equal(st.signal, 0);
	assert_string_equal(st.reason, "exited with status 3");

	st = acct_status("qacct-wall.txt", 0, 2, &a);
	assert_int_equal(a.failed, 37);
	assert_int_equal(a.exit_status, 137);
	assert_true(a.maxvmem > 3000000);
	assert_int_equal(st.state, HPCNET_AS_FAILED);
	assert_int_equal(st.signal, 9);
	assert_int_equal(st.exit_code, -1);
	assert_non_null(strstr(st.reason, "walltime exceeded"));
	/* The same limit kill of a job with a longer walltime is not "walltime". */
	st = acct_status("qacct-wall.txt", 0, 600, &a);
	assert_null(strstr(st.reason, "walltime exceeded"));
	assert_non_null(strstr(st.reason, "limit"));

	st = acct_status("qacct-killed.txt", 1, 60, &a);
	assert_int_equal(a.failed, 100);
	assert_string_equal(a.failed_text, "assumedly after job");
	assert_int_equal(st.state, HPCNET_AS_CANCELLED);
	assert_string_equal(st.reason, "cancelled while running");
	st = acct_status("qacct-killed.txt", 0, 60, &a);
	assert_int_equal(st.state, HPCNET_AS_FAILED);
	assert_int_equal(st.signal, 9);
	assert_non_null(strstr(st.reason, "signal 9"));

	st = acct_status("qacct-sig.txt", 0, 60, &a);
	assert_int_equal(st.state, HPCNET_AS_FAILED);
	assert_int_equal(st.signal, SIGSEGV);
	assert_int_equal(st.exit_code, -1);
}

static void test_qacct_garbage(void **unused)
{
	struct hpcnet_sge_acct a;
	size_t len;
	char *text = data("qacct-ok.txt", &len), *two;
	static const char notfound[] = "error: job id 99999 not found\n";
	static const char binary[] = "====\nqname all.q\0\n";

	/* Cut before the usage lines: not a record (the job's end is unknown). */
	assert_int_equal(hpcnet_sge_parse_qacct(text, (size_t)(strstr(text, "ru_stime") - text), &a),
			 HPCNET_EPROTO);
	assert_int_equal(hpcnet_sge_parse_qacct(text, 40, &a), HPCNET_EPROTO);
	assert_int_equal(hpcnet_sge_parse_qacct(notfound, strlen(notfound), &a), HPCNET_EPROTO);
	assert_int_equal(hpcnet_sge_parse_qacct("", 0, &a), HPCNET_ENOTFOUND);
	assert_int_equal(hpcnet_sge_parse_qacct(binary, sizeof(binary) - 1, &a), HPCNET_EPROTO);
	/* Two records (a rescheduled job): the last one counts. */
	two = malloc(2 * len + 1);
	memcpy(two, text, len);
	memcpy(two + len, text, len);
	two[2 * len] = '\0';
	memcpy(strstr(two + len, "exit_status  0") + 13, "4", 1);
	assert_int_equal(hpcnet_sge_parse_qacct(two, 2 * len, &a), 0);
	assert_int_equal(a.exit_status, 4);
	free(two);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qstat_mixed),  cmocka_unit_test(test_qstat_empty_and_disabled),
		cmocka_unit_test(test_qstat_garbage), cmocka_unit_test(test_qstat_j_reason),
		cmocka_unit_test(test_states),       cmocka_unit_test(test_qhost),
		cmocka_unit_test(test_units),        cmocka_unit_test(test_qacct),
		cmocka_unit_test(test_qacct_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
