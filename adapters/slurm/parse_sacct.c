/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `sacct -n -P` lines -> the end and usage of one job, for clusters with
 * slurmdbd: the only source of cpu time and max RSS, and of the state of
 * a job gone from slurmctld (MinJobAge). Pure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/slurm/slurm.h"
#include "hpcnet/error.h"

/* TotalCPU: "[D-][HH:]MM:SS[.mmm]" -> seconds; -1 if unreadable. */
static double cpu_time(const char *s)
{
	char whole[64];
	const char *dot = strchr(s, '.');
	double frac = dot ? strtod(dot, NULL) : 0;
	int64_t sec;

	snprintf(whole, sizeof(whole), "%.*s", (int)(dot ? dot - s : (long)strlen(s)), s);
	sec = slurm_duration_s(whole);
	return sec < 0 ? -1 : (double)sec + frac;
}

int slurm_sacct_parse(const char *text, const char *ref, struct slurm_job *job, double *cpu,
		      int64_t *rss)
{
	const char *p = text;
	int found = 0;

	memset(job, 0, sizeof(*job));
	*cpu = 0;
	*rss = 0;
	while (p && *p) {
		size_t len = strcspn(p, "\n"), nf = 0;
		char line[1024], *f[9], *s;
		size_t idlen;

		snprintf(line, sizeof(line), "%.*s", (int)(len < 1023 ? len : 1023), p);
		p += len;
		p += *p == '\n';
		if (!*line)
			continue;
		for (s = line; nf < 9; nf++) {
			f[nf] = s;
			s = strchr(s, '|');
			if (!s) {
				nf++;
				break;
			}
			*s++ = '\0';
		}
		if (nf < 9)
			return HPCNET_EPROTO;
		idlen = strlen(ref);
		if (strncmp(f[0], ref, idlen) != 0 || (f[0][idlen] && f[0][idlen] != '.'))
			continue; /* another job (sacct -j may list array siblings) */
		if (*f[8]) {
			int64_t r = slurm_mem_bytes(f[8]);

			if (r < 0)
				return HPCNET_EPROTO;
			if (r > *rss)
				*rss = r;
		}
		if (f[0][idlen])
			continue; /* a step: only its RSS counts */
		found = 1;
		snprintf(job->id, sizeof(job->id), "%.31s", f[0]);
		snprintf(job->name, sizeof(job->name), "%.159s", f[1]);
		snprintf(job->state, sizeof(job->state), "%.*s", (int)strcspn(f[2], " +"), f[2]);
		if (sscanf(f[3], "%d:%d", &job->exit_code, &job->signal) != 2)
			return HPCNET_EPROTO;
		job->start_ms = slurm_time_ms(f[4]);
		job->end_ms = slurm_time_ms(f[5]);
		job->started = job->start_ms > 0;
		job->run_s = atoll(f[6]);
		*cpu = *f[7] ? cpu_time(f[7]) : 0;
		if (job->start_ms < 0 || job->end_ms < 0 || *cpu < 0)
			return HPCNET_EPROTO;
	}
	return found ? 0 : HPCNET_ENOTFOUND;
}
