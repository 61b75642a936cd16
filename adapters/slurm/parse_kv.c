/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one tokenizer behind every scontrol parser: a line of Key=Value
 * pairs, plus the value formats Slurm uses in them (local timestamps,
 * [D-]HH:MM:SS durations, sizes with a unit). Pure functions; see slurm.h.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adapters/slurm/slurm.h"
#include "hpcnet/error.h"

/* Keys look like "JobId", "CPUs/Task", "ReqB:S:C:T", "MCS_label". */
static int key_ok(const char *k, const char *end)
{
	if (k == end || !isalpha((unsigned char)*k))
		return 0;
	for (; k < end; k++)
		if (!isalnum((unsigned char)*k) && !strchr("_:/", *k))
			return 0;
	return 1;
}

int slurm_kv_parse(char *line, struct slurm_kv *kv)
{
	char *p = line, *prev_end = NULL;
	int skipping = 0; /* past SLURM_KV_MAX: drop pairs, and their continuations */

	kv->n = 0;
	line[strcspn(line, "\r\n")] = '\0';
	while (*p) {
		char *w, *end, *eq;
		int last;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		w = p;
		end = w + strcspn(w, " \t");
		eq = memchr(w, '=', (size_t)(end - w));
		last = *end == '\0';
		if (eq && key_ok(w, eq)) {
			skipping = kv->n >= SLURM_KV_MAX;
			if (!skipping) {
				*eq = '\0';
				kv->kv[kv->n].key = w;
				kv->kv[kv->n].val = eq + 1;
				kv->n++;
			}
		} else if (kv->n == 0) {
			return HPCNET_EPROTO;
		} else if (!skipping) {
			/* A value with spaces: put back the ones we cut. */
			for (char *c = prev_end; c < w; c++)
				*c = ' ';
		}
		*end = '\0';
		if (!skipping)
			prev_end = end;
		p = last ? end : end + 1;
	}
	return kv->n > 0 ? 0 : HPCNET_EPROTO;
}

const char *slurm_kv_get(const struct slurm_kv *kv, const char *key)
{
	for (size_t i = 0; i < kv->n; i++)
		if (strcmp(kv->kv[i].key, key) == 0)
			return kv->kv[i].val;
	return NULL;
}

static int unset(const char *s)
{
	return !*s || strcmp(s, "Unknown") == 0 || strcmp(s, "None") == 0 ||
	       strcmp(s, "N/A") == 0 || strcmp(s, "(null)") == 0;
}

int64_t slurm_time_ms(const char *s)
{
	struct tm tm = { 0 };
	const char *end;
	time_t t;

	if (!s)
		return -1;
	if (unset(s))
		return 0;
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end || *end)
		return -1;
	tm.tm_isdst = -1; /* Slurm prints local time */
	t = mktime(&tm);
	return t == (time_t)-1 ? -1 : (int64_t)t * 1000;
}

int64_t slurm_duration_s(const char *s)
{
	long long part[3] = { 0, 0, 0 }, days = 0;
	const char *p = s;
	int n = 0;
	char *end;

	if (!s || !*s)
		return -1;
	if (strchr(s, '-')) {
		days = strtoll(s, &end, 10);
		if (end == s || *end != '-' || days < 0)
			return -1;
		p = end + 1;
	}
	while (n < 3) {
		if (!isdigit((unsigned char)*p))
			return -1;
		part[n++] = strtoll(p, &end, 10);
		p = end;
		if (*p != ':')
			break;
		p++;
	}
	if (*p)
		return -1;
	if (n == 1) /* minutes */
		return days * 86400 + part[0] * 60;
	if (n == 2) /* MM:SS, or HH:MM after "D-" */
		return days ? days * 86400 + part[0] * 3600 + part[1] * 60
			    : part[0] * 60 + part[1];
	return days * 86400 + part[0] * 3600 + part[1] * 60 + part[2];
}

int64_t slurm_mem_bytes(const char *s)
{
	char *end;
	double v;
	int64_t mul = 1 << 20; /* Slurm's default unit is MiB */

	if (!s || !isdigit((unsigned char)*s))
		return -1;
	v = strtod(s, &end);
	switch (*end) {
	case '\0':
		break;
	case 'K':
		mul = 1 << 10;
		break;
	case 'M':
		break;
	case 'G':
		mul = (int64_t)1 << 30;
		break;
	case 'T':
		mul = (int64_t)1 << 40;
		break;
	default:
		return -1;
	}
	if (*end && end[1])
		return -1;
	return (int64_t)(v * (double)mul);
}
