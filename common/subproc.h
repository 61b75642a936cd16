/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Running a scheduler's command-line tools (sbatch, squeue, qsub, qstat ...)
 * the way adapters need: argv only (never a shell), stdin from a buffer,
 * stdout and stderr captured, a hard timeout after which the whole process
 * group is killed. A command that hangs or dies is reported, never waited
 * on forever: adapters turn HPCNET_ETIMEOUT / HPCNET_EUNAVAIL into "could
 * not look, try again", never into a failed job.
 */
#ifndef HPCNET_SUBPROC_H
#define HPCNET_SUBPROC_H

#include "common/xalloc.h"

struct hpcnet_run {
	struct hpcnet_buf out;  /* stdout, NUL-terminated */
	struct hpcnet_buf err;  /* stderr, NUL-terminated */
	int exit_code;          /* when it exited; -1 if killed by a signal */
	int signal;             /* terminating signal, 0 if none */
};

/*
 * Runs argv[0] (looked up in PATH) with argv, the given extra environment
 * entries ("K=V", NULL-terminated, may be NULL) added to the current one,
 * feeding stdin_data (may be NULL: /dev/null). Waits at most timeout_ms.
 * Returns 0 when the command ran to completion (whatever its exit code:
 * look at res->exit_code), HPCNET_ETIMEOUT when it was killed for taking
 * too long, -errno when it could not be started (e.g. -ENOENT: not
 * installed). Output beyond 64 MiB is dropped. Caller frees with
 * hpcnet_run_free(). Only call from a single-threaded process or with no
 * locks held: it forks.
 */
int hpcnet_run_cmd(const char *const argv[], const char *const env[], const char *stdin_data,
		   int timeout_ms, struct hpcnet_run *res);
void hpcnet_run_free(struct hpcnet_run *res);

#endif
