/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Output upload; see output.h. The files belong to the adapter (its
 * status gives their paths) and are read here with pread at the offset
 * the hub acknowledged, never held open between rounds, so a job that is
 * still writing them is never disturbed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/output.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "hpcnet/error.h"

static const char *const stream_names[] = {
	[HPCNET_JS_STDOUT] = "stdout",
	[HPCNET_JS_STDERR] = "stderr",
};

static int ship_stream(struct hpcnet_hublink *hub, struct hpcnet_journal *j,
		       struct hpcnet_journal_job *row, enum hpcnet_journal_stream s,
		       size_t *budget, int *complete, int *answered)
{
	const char *path = s == HPCNET_JS_STDOUT ? row->stdout_path : row->stderr_path;
	const char *name = stream_names[s];
	int64_t acked = row->out_acked[s], size, length;
	int fd, rc = 0, conflicts = 0;
	char *buf = NULL;
	struct stat sb;

	*complete = 1;
	if (!*path)
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		/* Gone (purged, never written): nothing left that anyone can ship. */
		if (errno != ENOENT)
			hpcnet_warn("job %s: cannot read %s (%s): not shipping its %s", row->job_id,
				    path, strerror(errno), name);
		return 0;
	}
	if (fstat(fd, &sb) < 0) {
		hpcnet_warn("job %s: stat %s: %s", row->job_id, path, strerror(errno));
		goto out;
	}
	size = sb.st_size;
	buf = hpcnet_xmalloc(HPCNET_OUTPUT_CHUNK);
	while (acked < size && *budget > 0) {
		size_t want = (size_t)(size - acked);
		ssize_t got;

		if (want > HPCNET_OUTPUT_CHUNK)
			want = HPCNET_OUTPUT_CHUNK;
		if (want > *budget)
			want = *budget;
		got = pread(fd, buf, want, acked);
		if (got <= 0) {
			/* Truncated under us: what is gone cannot be shipped. */
			hpcnet_warn("job %s: read %s at %lld: %s", row->job_id, path,
				    (long long)acked, got < 0 ? strerror(errno) : "file shrank");
			size = acked;
			break;
		}
		rc = hpcnet_hublink_output(hub, row->job_id, name, acked, buf, (size_t)got, &length);
		if (rc == 0 || rc == HPCNET_ECONFLICT)
			*answered = 1;
		if (rc == 0 && length > acked) {
			*budget -= (size_t)got < *budget ? (size_t)got : *budget;
			acked = length;
			conflicts = 0;
		} else if (rc == HPCNET_ECONFLICT && length >= 0 && ++conflicts < 3) {
			/* A gap: the hub holds less (or more) than we thought. */
			hpcnet_debug("job %s: the hub holds %lld bytes of %s; resuming there",
				     row->job_id, (long long)length, name);
			acked = length;
			rc = 0;
		} else if (rc == 0 || rc == HPCNET_ECONFLICT || rc == HPCNET_ENOTFOUND ||
			   rc == HPCNET_EINVAL) {
			/* The hub will not take these bytes; retrying cannot help,
			 * and the job's final report must not wait for them. */
			hpcnet_warn("job %s: the hub refused %s at offset %lld (%s); giving up on "
				    "the rest of it",
				    row->job_id, name, (long long)acked,
				    rc ? hpcnet_hublink_error(hub) : "no progress");
			acked = size;
			rc = 0;
		} else {
			break; /* unreachable, 5xx, auth: the caller's business */
		}
		if (hpcnet_journal_output_acked(j, row->job_id, s, acked) < 0) {
			rc = HPCNET_ESTORE;
			break;
		}
		row->out_acked[s] = acked;
	}
	*complete = rc == 0 && acked >= size;
out:
	free(buf);
	close(fd);
	return rc;
}

int hpcnet_output_ship(struct hpcnet_hublink *hub, struct hpcnet_journal *j,
		       struct hpcnet_journal_job *row, size_t *budget, int *complete,
		       int *answered)
{
	int c1 = 1, c2 = 1, rc;

	rc = ship_stream(hub, j, row, HPCNET_JS_STDOUT, budget, &c1, answered);
	if (rc == 0)
		rc = ship_stream(hub, j, row, HPCNET_JS_STDERR, budget, &c2, answered);
	*complete = rc == 0 && c1 && c2;
	return rc;
}
