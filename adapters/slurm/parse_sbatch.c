/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What sbatch, scancel and scontrol answer, read the careful way: a job
 * id only when it is one, and an error counts as "this job can never run
 * here" only when Slurm said so in words we know. Anything else (the
 * controller is down, busy, or printed something new) means "try again",
 * because failing a job on a guess cannot be undone. Pure functions.
 */
#include <stdio.h>
#include <string.h>

#include "adapters/slurm/slurm.h"
#include "hpcnet/error.h"

int slurm_sbatch_jobid(const char *out, char *id, size_t len)
{
	size_t n;

	if (!out)
		return HPCNET_EPROTO;
	n = strspn(out, "0123456789");
	/* "123\n" or "123;cluster\n", nothing else. */
	if (n == 0 || n >= len || n > 20 || (out[n] != '\n' && out[n] != ';' && out[n] != '\0'))
		return HPCNET_EPROTO;
	if (out[n] == '\n' && out[n + 1] != '\0')
		return HPCNET_EPROTO;
	snprintf(id, len, "%.*s", (int)n, out);
	return 0;
}

int slurm_sbatch_error(const char *err)
{
	/* Messages of slurm_strerror() and sbatch itself for a job the
	 * cluster refuses as asked (22.05). */
	static const char *const refused[] = {
		"Invalid partition name",
		"Invalid account",
		"Invalid qos",
		"Invalid generic resource",
		"Invalid Trackable RESource",
		"Requested node configuration is not available",
		"Requested partition configuration not available",
		"Requested time limit is invalid",
		"Memory required by task is not available",
		"More processors requested than permitted",
		"Node count specification invalid",
		"Job violates accounting/QOS policy",
		"Access/permission denied",
		"User's group not permitted to use this partition",
		"Invalid job credential",
		"Invalid feature specification",
		"This does not look like a batch script",
		"Batch job submission failed: Invalid",
		"invalid gres",
		"Invalid --time",
		"Invalid --mem",
	};

	if (!err)
		return HPCNET_EUNAVAIL;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (strcasestr(err, refused[i]))
			return HPCNET_EINVAL;
	return HPCNET_EUNAVAIL;
}

int slurm_invalid_job(const char *err)
{
	return err && (strstr(err, "Invalid job id specified") ||
		       strstr(err, "Invalid job id") || strstr(err, "Job ID not found"));
}
