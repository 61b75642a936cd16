/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the Grid Engine adapter: the parsers of what qstat -xml,
 * qhost -xml and qacct print (pure functions over a buffer, one file each,
 * unit-tested on output captured from a real SGE 8.1.9 in tests/data/sge/),
 * and the mapping from SGE's state letters to adapter states.
 *
 * Parsers return 0, HPCNET_EPROTO when the text is not what the command
 * prints (truncated, garbage, an error message on stdout), or, for qacct,
 * HPCNET_ENOTFOUND when it holds no record. The adapter turns EPROTO into
 * "could not look" (HPCNET_EUNAVAIL), never into a failed job.
 */
#ifndef HPCNET_ADAPTERS_SGE_H
#define HPCNET_ADAPTERS_SGE_H

#include <stddef.h>
#include <stdint.h>

#include "hpcnet/adapter.h"

/* One job of qstat -xml (plain or -f). */
struct hpcnet_sge_job {
	int64_t number;
	char name[256];
	char state[16];     /* SGE's letters: "qw", "hqw", "r", "Eqw", "dr", ... */
	char queue[256];    /* "all.q@host" when running, else "" */
	int slots;
	int64_t start_ms;   /* JAT_start_time (running), else 0 */
	int64_t submit_ms;  /* JB_submission_time (pending), else 0 */
};

/* One queue instance of qstat -f -xml ("all.q@host"). */
struct hpcnet_sge_qinst {
	char name[256];     /* cluster queue, "all.q" */
	char host[256];
	int64_t used, resv, total;
	char state[16];     /* "" when fine; "d" disabled, "u" unknown, "a" alarm ... */
};

struct hpcnet_sge_qstat {
	struct hpcnet_sge_job *jobs;
	size_t njobs;
	struct hpcnet_sge_qinst *queues; /* only with qstat -f */
	size_t nqueues;
};

/* Parses qstat -xml or qstat -f -xml output. Free with hpcnet_sge_qstat_free(). */
int hpcnet_sge_parse_qstat(const char *buf, size_t len, struct hpcnet_sge_qstat *out);
void hpcnet_sge_qstat_free(struct hpcnet_sge_qstat *q);
/* The job numbered n in q, or NULL. */
const struct hpcnet_sge_job *hpcnet_sge_qstat_find(const struct hpcnet_sge_qstat *q, int64_t n);

/*
 * The error reason of a job in error state (Eqw) from qstat -j ID -xml
 * (its JAT_message_list, else the scheduler's messages) into reason.
 * 0, HPCNET_ENOTFOUND when the job is unknown or has no message, HPCNET_EPROTO.
 */
int hpcnet_sge_parse_qstat_j_reason(const char *buf, size_t len, char *reason, size_t rlen);

/*
 * Maps SGE's state letters to an adapter state: E -> failed; r/t/R running
 * unless also s/S/T (suspended); s/S/T suspended; h held; q/w pending.
 * Returns 0, or HPCNET_EPROTO for letters it does not know.
 */
int hpcnet_sge_state(const char *letters, enum hpcnet_adapter_state *st);

/* One host of qhost -xml (the pseudo-host "global" is skipped). */
struct hpcnet_sge_host {
	char name[256];
	int64_t ncpu;          /* 0 when unknown ("-") */
	int64_t mem_total, mem_used;
	int up;                /* the execd reports load */
};

struct hpcnet_sge_qhost {
	struct hpcnet_sge_host *hosts;
	size_t nhosts;
};

int hpcnet_sge_parse_qhost(const char *buf, size_t len, struct hpcnet_sge_qhost *out);
void hpcnet_sge_qhost_free(struct hpcnet_sge_qhost *q);

/* The last accounting record of qacct -j ID. */
struct hpcnet_sge_acct {
	int64_t jobnumber;
	int failed;            /* 0: ran to its end; 100: ended by a signal; others: see sge_status(5) */
	char failed_text[128]; /* what follows "failed N :", e.g. "assumedly after job" */
	int exit_status;       /* 128 + signal when killed */
	int64_t start_ms, end_ms; /* 0 when it never started ("-/-") */
	double wallclock_s;
	double cpu_s;          /* ru_utime + ru_stime */
	int64_t maxvmem;       /* bytes */
	int64_t maxrss;        /* bytes (ru_maxrss) */
	char qname[128];
};

int hpcnet_sge_parse_qacct(const char *buf, size_t len, struct hpcnet_sge_acct *out);

/*
 * What an accounting record means for the job (fills state, exit code,
 * signal, times, usage and reason of st). cancelled: the agent asked for
 * a qdel; walltime_s: the h_rt the job was given (0 unknown), so a kill at
 * that limit reads "walltime exceeded" rather than "killed by signal 9".
 */
void hpcnet_sge_acct_status(const struct hpcnet_sge_acct *a, int cancelled, int64_t walltime_s,
			    struct hpcnet_job_status *st);

/*
 * Parses an SGE memory value ("23.5G", "320.2M", "4.582KB", "0.000B",
 * "1024") into bytes (K = 1024). 0 or HPCNET_EINVAL.
 */
int hpcnet_sge_parse_mem(const char *s, int64_t *bytes);
/* Parses an SGE time value ("0.195s", "3s", "1:02:03", "1:00:00:05") into seconds. */
int hpcnet_sge_parse_seconds(const char *s, double *secs);

#endif
