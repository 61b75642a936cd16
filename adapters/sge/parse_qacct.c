/* SPDX-License-Identifier: Apache-2.0 */
/*
 * qacct -j ID: the accounting record of a finished job, the only place
 * SGE keeps its exit status and usage once it has left qstat (which it
 * does the moment it ends). Records are "key  value" lines between lines
 * of "="; a job that ran more than once (rescheduled, or a job number
 * reused after a wrap) has several: the last one is the final word.
 *
 * Fields used (SGE 8.1.9, samples in tests/data/sge/qacct-*.txt):
 *   failed       0 | 100 : assumedly after job | 37  : qmaster enforced h_rt, ...
 *   exit_status  3 | 137                  (Killed)
 *   start_time   Mon Nov 23 19:57:28 2026  ("-/-" when it never started)
 *   ru_wallclock 3s   ru_utime 0.195s   ru_stime 0.004s   maxvmem 3.477MB
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adapters/sge/sge.h"
#include "hpcnet/error.h"

/* "Mon Nov 23 19:57:28 2026" in the qmaster's local time; 0 for "-/-". */
static int ctime_ms(const char *s, int64_t *ms)
{
	struct tm tm;
	const char *end;
	time_t t;

	*ms = 0;
	if (strcmp(s, "-/-") == 0)
		return 0;
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%a %b %d %H:%M:%S %Y", &tm);
	if (!end || *end)
		return HPCNET_EPROTO;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	if (t == (time_t)-1)
		return HPCNET_EPROTO;
	*ms = (int64_t)t * 1000;
	return 0;
}

static int to_int64(const char *s, int64_t *v)
{
	char *end;
	long long x = strtoll(s, &end, 10);

	if (end == s || *end || x <= 0)
		return HPCNET_EPROTO;
	*v = x;
	return 0;
}

static int to_int(const char *s, int *v, const char **rest)
{
	char *end;
	long x = strtol(s, &end, 10);

	if (end == s || x < 0 || x > 1000000)
		return HPCNET_EPROTO;
	*v = (int)x;
	*rest = end;
	return 0;
}

/* Applies one "key value" line to a; unknown keys are ignored. */
static int field(struct hpcnet_sge_acct *a, const char *key, const char *val, unsigned *seen)
{
	const char *rest;
	double d;

	if (strcmp(key, "failed") == 0) {
		if (to_int(val, &a->failed, &rest) < 0)
			return HPCNET_EPROTO;
		rest += strspn(rest, " ");
		if (*rest == ':')
			rest += 1 + strspn(rest + 1, " ");
		snprintf(a->failed_text, sizeof(a->failed_text), "%s", rest);
		*seen |= 1;
	} else if (strcmp(key, "exit_status") == 0) {
		if (to_int(val, &a->exit_status, &rest) < 0)
			return HPCNET_EPROTO;
		*seen |= 2;
	} else if (strcmp(key, "start_time") == 0) {
		return ctime_ms(val, &a->start_ms);
	} else if (strcmp(key, "end_time") == 0) {
		return ctime_ms(val, &a->end_ms);
	} else if (strcmp(key, "ru_wallclock") == 0) {
		return hpcnet_sge_parse_seconds(val, &a->wallclock_s) < 0 ? HPCNET_EPROTO : 0;
	} else if (strcmp(key, "ru_utime") == 0 || strcmp(key, "ru_stime") == 0) {
		if (hpcnet_sge_parse_seconds(val, &d) < 0)
			return HPCNET_EPROTO;
		a->cpu_s += d;
		if (key[3] == 's')
			*seen |= 4; /* the last field used: the record is whole up to here */
	} else if (strcmp(key, "jobnumber") == 0) {
		return to_int64(val, &a->jobnumber);
	} else if (strcmp(key, "maxvmem") == 0) {
		return hpcnet_sge_parse_mem(val, &a->maxvmem) < 0 ? HPCNET_EPROTO : 0;
	} else if (strcmp(key, "ru_maxrss") == 0) {
		return hpcnet_sge_parse_mem(val, &a->maxrss) < 0 ? HPCNET_EPROTO : 0;
	} else if (strcmp(key, "qname") == 0) {
		snprintf(a->qname, sizeof(a->qname), "%s", val);
	}
	return 0;
}

int hpcnet_sge_parse_qacct(const char *buf, size_t len, struct hpcnet_sge_acct *out)
{
	struct hpcnet_sge_acct cur;
	const char *p = buf, *end = buf ? buf + len : NULL;
	unsigned seen = 0;
	int records = 0, in_record = 0, rc;

	memset(out, 0, sizeof(*out));
	memset(&cur, 0, sizeof(cur));
	while (p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char line[512], *key, *val, *e;

		if (n >= sizeof(line))
			return HPCNET_EPROTO;
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl ? nl + 1 : end;
		if (memchr(line, '\0', n))
			return HPCNET_EPROTO;
		if (n > 0 && strspn(line, "=") == n) { /* a record starts */
			if (in_record) {
				if (seen != 7)
					return HPCNET_EPROTO;
				*out = cur;
				records++;
			}
			memset(&cur, 0, sizeof(cur));
			seen = 0;
			in_record = 1;
			continue;
		}
		key = line + strspn(line, " ");
		if (!*key)
			continue;
		if (!in_record)
			return HPCNET_EPROTO; /* an error message, not a record */
		val = key + strcspn(key, " \t");
		if (*val)
			*val++ = '\0';
		val += strspn(val, " \t");
		e = val + strlen(val);
		while (e > val && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			*--e = '\0';
		rc = field(&cur, key, val, &seen);
		if (rc < 0)
			return rc;
	}
	if (in_record) {
		/* A cut-short last record (no exit status yet) is not a record. */
		if (seen != 7)
			return HPCNET_EPROTO;
		*out = cur;
		records++;
	}
	return records ? 0 : HPCNET_ENOTFOUND;
}

/* Killed at (or just past) its h_rt: SGE measures whole seconds. */
static int at_walltime(const struct hpcnet_sge_acct *a, int64_t walltime_s)
{
	return walltime_s > 0 && a->wallclock_s + 1 >= (double)walltime_s;
}

void hpcnet_sge_acct_status(const struct hpcnet_sge_acct *a, int cancelled, int64_t walltime_s,
			    struct hpcnet_job_status *st)
{
	int sig = a->exit_status > 128 && a->exit_status < 128 + 65 ? a->exit_status - 128 : 0;

	st->started_ms = a->start_ms;
	st->ended_ms = a->end_ms;
	st->cpu_seconds = a->cpu_s;
	/* maxvmem is what SGE samples (virtual size); its ru_maxrss is not
	 * reliable across versions. An upper bound, then. */
	st->max_rss_bytes = a->maxvmem;
	st->exit_code = a->exit_status;
	st->signal = 0;
	st->reason[0] = '\0';
	if (a->failed == 0 && a->exit_status == 0) {
		st->state = HPCNET_AS_SUCCEEDED;
		return;
	}
	if (cancelled) {
		st->state = HPCNET_AS_CANCELLED;
		st->exit_code = -1;
		st->signal = sig;
		snprintf(st->reason, sizeof(st->reason), "%s",
			 a->start_ms ? "cancelled while running" : "cancelled before it started");
		return;
	}
	st->state = HPCNET_AS_FAILED;
	if (a->failed == 0 && !(sig == 9 && at_walltime(a, walltime_s))) {
		snprintf(st->reason, sizeof(st->reason), "exited with status %d", a->exit_status);
		return;
	}
	st->exit_code = -1;
	st->signal = sig;
	if ((a->failed == 0 || a->failed == 37 || a->failed == 100) && at_walltime(a, walltime_s) &&
	    (sig == 9 || a->failed == 37)) {
		snprintf(st->reason, sizeof(st->reason),
			 "walltime exceeded: killed after %.0f s (limit %lld s, h_rt)", a->wallclock_s,
			 (long long)walltime_s);
	} else if (a->failed == 37) {
		snprintf(st->reason, sizeof(st->reason),
			 "a resource limit was exceeded (%s)", a->failed_text);
	} else if (a->failed == 100 && sig) {
		snprintf(st->reason, sizeof(st->reason), "killed by signal %d (%s)", sig,
			 strsignal(sig));
	} else {
		/* The job did not get to run its script to the end: SGE says why
		 * (e.g. 26 "opening input/output file", 28 "changing into working
		 * directory"); see sge_status(5). */
		if (a->failed != 100 && !sig)
			st->exit_code = a->exit_status ? a->exit_status : -1;
		snprintf(st->reason, sizeof(st->reason), "Grid Engine: failed %d: %s", a->failed,
			 *a->failed_text ? a->failed_text : "(no reason given)");
	}
}
