/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `squeue --start -h -t PD -o %i|%S` -> the latest start Slurm expects
 * among the waiting jobs: the backfill scheduler's plan, and so a fair
 * guess of how long a new small job would wait behind them. Pure.
 */
#include <stdio.h>
#include <string.h>

#include "adapters/slurm/slurm.h"
#include "common/xalloc.h"
#include "hpcnet/error.h"

int slurm_start_parse(const char *text, int64_t *latest_ms)
{
	const char *p = text;

	*latest_ms = 0;
	while (p && *p) {
		size_t len = strcspn(p, "\n");
		char line[256], *bar;
		int64_t t;

		snprintf(line, sizeof(line), "%.*s", (int)(len < 255 ? len : 255), p);
		p += len;
		p += *p == '\n';
		line[strcspn(line, "\r")] = '\0';
		if (!*line)
			continue;
		bar = strchr(line, '|');
		if (!bar || bar == line || strspn(line, "0123456789_[]-") != (size_t)(bar - line))
			return HPCNET_EPROTO;
		t = slurm_time_ms(bar + 1);
		if (t < 0)
			return HPCNET_EPROTO;
		if (t > *latest_ms)
			*latest_ms = t;
	}
	return 0;
}
