/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The list of adapters an agent can drive and the names states travel
 * under. Adding a scheduler is one folder under adapters/ plus one line
 * here (curl's backend list in lib/vtls/vtls.c is the model); nothing else
 * in the tree names a concrete adapter.
 */
#include <stddef.h>
#include <string.h>

#include "hpcnet/adapter.h"

extern const struct hpcnet_adapter hpcnet_adapter_slurm; /* adapters/slurm/ */
extern const struct hpcnet_adapter hpcnet_adapter_sge;   /* adapters/sge/ */

const struct hpcnet_adapter *const hpcnet_adapters[] = {
	&hpcnet_adapter_local, /* the embedded default: needs no cluster */
	&hpcnet_adapter_none,
	&hpcnet_adapter_slurm,
	&hpcnet_adapter_sge,
	NULL,
};

const struct hpcnet_adapter *hpcnet_adapter_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; hpcnet_adapters[i]; i++)
		if (strcmp(hpcnet_adapters[i]->name, name) == 0)
			return hpcnet_adapters[i];
	return NULL;
}

const char *hpcnet_adapter_state_name(enum hpcnet_adapter_state s)
{
	/* These strings are wire format (the hub parses them): never rename. */
	static const char *const names[] = {
		[HPCNET_AS_PENDING] = "pending",     [HPCNET_AS_RUNNING] = "running",
		[HPCNET_AS_SUCCEEDED] = "succeeded", [HPCNET_AS_FAILED] = "failed",
		[HPCNET_AS_CANCELLED] = "cancelled", [HPCNET_AS_LOST] = "lost",
		[HPCNET_AS_HELD] = "held",           [HPCNET_AS_SUSPENDED] = "suspended",
	};

	if ((unsigned)s >= sizeof(names) / sizeof(names[0]) || !names[s])
		return "unknown";
	return names[s];
}

const char *hpcnet_adapter_opt(const struct hpcnet_adapter_conf *conf, const char *key)
{
	size_t i, n = strlen(key);

	for (i = 0; i < conf->nopts; i++)
		if (strncmp(conf->opts[i], key, n) == 0 && conf->opts[i][n] == '=')
			return conf->opts[i] + n + 1;
	return NULL;
}
