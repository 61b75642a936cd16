/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `scontrol -d show nodes -o` and `scontrol show partitions -o` -> the
 * capacity part of a snapshot. -d matters: only the detailed form shows
 * GresUsed, which is how allocated GPUs are counted. Pure functions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/slurm/slurm.h"
#include "common/xalloc.h"
#include "hpcnet/error.h"

/* Calls fn on each non-empty line of text (copied, so fn may modify it). */
static int each_line(const char *text, int (*fn)(char *line, void *arg), void *arg)
{
	const char *p = text;

	while (p && *p) {
		size_t len = strcspn(p, "\n");
		char *line = hpcnet_xstrndup(p, len);
		int rc = 0;

		p += len;
		p += *p == '\n';
		if (line[strspn(line, " \t\r")] != '\0')
			rc = fn(line, arg);
		free(line);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int slurm_gres_gpus(const char *gres, char models[][32], int64_t *counts, int max)
{
	const char *p = gres;
	int n = 0;

	if (!gres || strcmp(gres, "(null)") == 0 || strcmp(gres, "N/A") == 0)
		return 0;
	while (*p) {
		/* Items are split by commas outside parentheses: "(IDX:0,2)". */
		const char *s = p;
		int depth = 0;
		char item[128], model[32] = "", *colon, *paren;
		long long cnt;
		char *end;
		int k;

		while (*p && (*p != ',' || depth > 0)) {
			depth += *p == '(';
			depth -= *p == ')' && depth > 0;
			p++;
		}
		snprintf(item, sizeof(item), "%.*s", (int)(p - s < 127 ? p - s : 127), s);
		p += *p == ',';
		if ((paren = strchr(item, '(')))
			*paren = '\0';
		if (strncmp(item, "gpu", 3) != 0 || (item[3] != ':' && item[3] != '\0'))
			continue; /* another kind of GRES (mps, shard, ...) */
		colon = strrchr(item, ':');
		if (!colon)
			return HPCNET_EPROTO; /* "gpu" without a count */
		cnt = strtoll(colon + 1, &end, 10);
		if (end == colon + 1 || *end || cnt < 0)
			return HPCNET_EPROTO;
		*colon = '\0';
		if (strlen(item) > 4) /* "gpu:a100" */
			snprintf(model, sizeof(model), "%.31s", item + 4);
		for (k = 0; k < n && strcmp(models[k], model) != 0; k++)
			;
		if (k == n) {
			if (n == max)
				continue;
			snprintf(models[n], 32, "%s", model);
			counts[n++] = 0;
		}
		counts[k] += cnt;
	}
	return n;
}

struct nodes_ctx {
	const char *partition;
	struct hpcnet_snapshot *snap;
};

static int in_list(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; p && *p;) {
		size_t len = strcspn(p, ",");

		if (len == n && strncmp(p, name, n) == 0)
			return 1;
		p += len;
		p += *p == ',';
	}
	return 0;
}

static struct hpcnet_gpu_pool *pool(struct hpcnet_snapshot *snap, const char *model)
{
	for (int i = 0; i < snap->ngpu_pools; i++)
		if (strcmp(snap->gpu_pools[i].model, model) == 0)
			return &snap->gpu_pools[i];
	if (snap->ngpu_pools == (int)(sizeof(snap->gpu_pools) / sizeof(snap->gpu_pools[0])))
		return NULL;
	snprintf(snap->gpu_pools[snap->ngpu_pools].model, sizeof(snap->gpu_pools[0].model), "%.31s",
		 model);
	return &snap->gpu_pools[snap->ngpu_pools++];
}

static int node_line(char *line, void *arg)
{
	struct nodes_ctx *c = arg;
	struct hpcnet_snapshot *snap = c->snap;
	struct slurm_kv *kv = hpcnet_xmalloc(sizeof(*kv));
	const char *state, *v;
	char models[8][32] = { "" }, umodels[8][32] = { "" };
	int64_t counts[8], ucounts[8], cpus, alloc, mem, amem;
	int usable, ng, nu, rc = HPCNET_EPROTO;

	if (slurm_kv_parse(line, kv) < 0 || strcmp(kv->kv[0].key, "NodeName") != 0)
		goto out;
	state = slurm_kv_get(kv, "State");
	if (!state || !*state || !slurm_kv_get(kv, "CPUTot"))
		goto out;
	rc = 0;
	if (c->partition && !in_list(slurm_kv_get(kv, "Partitions"), c->partition))
		goto out;
	/* "IDLE", "MIXED", "ALLOCATED", "DOWN*", "IDLE+DRAIN", "DRAINED" ... */
	usable = !strstr(state, "DOWN") && !strstr(state, "DRAIN") && !strstr(state, "FAIL") &&
		 !strchr(state, '*') && !strstr(state, "NOT_RESPONDING") &&
		 !strstr(state, "MAINT") && !strstr(state, "RESERVED") &&
		 !strstr(state, "POWER");
	cpus = atoll(slurm_kv_get(kv, "CPUTot"));
	alloc = (v = slurm_kv_get(kv, "CPUAlloc")) ? atoll(v) : 0;
	mem = (v = slurm_kv_get(kv, "RealMemory")) ? slurm_mem_bytes(v) : 0;
	amem = (v = slurm_kv_get(kv, "AllocMem")) ? slurm_mem_bytes(v) : 0;
	ng = slurm_gres_gpus(slurm_kv_get(kv, "Gres"), models, counts, 8);
	nu = slurm_gres_gpus(slurm_kv_get(kv, "GresUsed"), umodels, ucounts, 8);
	if (mem < 0 || amem < 0 || ng < 0 || nu < 0) {
		rc = HPCNET_EPROTO;
		goto out;
	}
	snap->nodes_total++;
	if (!usable)
		snap->nodes_down++;
	else if (strncmp(state, "IDLE", 4) == 0)
		snap->nodes_idle++;
	else
		snap->nodes_alloc++;
	snap->total_cores += cpus;
	snap->total_mem_bytes += mem;
	if (usable) {
		snap->free_cores += cpus > alloc ? cpus - alloc : 0;
		snap->free_mem_bytes += mem > amem ? mem - amem : 0;
	}
	for (int i = 0; i < ng; i++) {
		struct hpcnet_gpu_pool *p = pool(snap, models[i]);
		int64_t used = 0;

		for (int k = 0; k < nu; k++)
			if (strcmp(umodels[k], models[i]) == 0)
				used += ucounts[k];
		snap->total_gpus += counts[i];
		if (usable)
			snap->free_gpus += counts[i] > used ? counts[i] - used : 0;
		if (p) {
			p->total += counts[i];
			if (usable)
				p->free += counts[i] > used ? counts[i] - used : 0;
		}
	}
out:
	free(kv);
	return rc;
}

int slurm_nodes_parse(const char *text, const char *partition, struct hpcnet_snapshot *snap)
{
	struct nodes_ctx c = { .partition = partition, .snap = snap };

	if (text && strncmp(text, "No nodes", 8) == 0)
		return 0;
	return each_line(text, node_line, &c);
}

static int partition_line(char *line, void *arg)
{
	struct hpcnet_snapshot *snap = arg;
	struct slurm_kv *kv = hpcnet_xmalloc(sizeof(*kv));
	char *list = snap->partitions, tmp[2 * sizeof(snap->partitions)];
	const char *name, *dflt;
	int rc = HPCNET_EPROTO;

	if (slurm_kv_parse(line, kv) < 0 || strcmp(kv->kv[0].key, "PartitionName") != 0)
		goto out;
	name = kv->kv[0].val;
	dflt = slurm_kv_get(kv, "Default");
	if (!*name)
		goto out;
	rc = 0;
	if (strlen(list) + strlen(name) + 2 > sizeof(snap->partitions))
		goto out; /* full: the first ones (default first) are what matters */
	if (dflt && strcmp(dflt, "YES") == 0) {
		snprintf(tmp, sizeof(tmp), "%.255s%s%.255s", name, *list ? "," : "", list);
		memcpy(list, tmp, sizeof(snap->partitions) - 1); /* fits: checked above */
		list[sizeof(snap->partitions) - 1] = '\0';
	} else {
		snprintf(list + strlen(list), sizeof(snap->partitions) - strlen(list), "%s%s",
			 *list ? "," : "", name);
	}
out:
	free(kv);
	return rc;
}

int slurm_partitions_parse(const char *text, struct hpcnet_snapshot *snap)
{
	snap->partitions[0] = '\0';
	if (text && strncmp(text, "No partitions", 13) == 0)
		return 0;
	return each_line(text, partition_line, snap);
}
