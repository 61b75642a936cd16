/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SQL for job output: chunks keyed by byte offset. Appends are idempotent
 * so an agent can re-send after a lost answer without duplicating bytes.
 */
#include <string.h>

#include "hpcnet/error.h"
#include "hub/store/store.h"

static int stream_ok(const char *stream)
{
	return strcmp(stream, "stdout") == 0 || strcmp(stream, "stderr") == 0;
}

int hpcnet_store_output_append(struct hpcnet_db *db, const char *job_id, const char *stream,
			       int64_t offset, const void *data, size_t len, int64_t *length)
{
	const char *cur_sql = strcmp(stream, "stdout") == 0
		? "SELECT stdout_bytes FROM jobs WHERE id = ?"
		: "SELECT stderr_bytes FROM jobs WHERE id = ?";
	const char *upd_sql = strcmp(stream, "stdout") == 0
		? "UPDATE jobs SET stdout_bytes = ? WHERE id = ?"
		: "UPDATE jobs SET stderr_bytes = ? WHERE id = ?";
	int64_t cur = 0, skip;
	int rc;

	if (!stream_ok(stream))
		return HPCNET_EINVAL;
	rc = hpcnet_db_get_int(db, &cur, cur_sql, "t", job_id);
	if (rc <= 0)
		return rc < 0 ? rc : HPCNET_ENOTFOUND;
	*length = cur;
	if (offset > cur)
		return HPCNET_ECONFLICT; /* a gap: the agent must resume at *length */
	skip = cur - offset;
	if ((int64_t)len <= skip)
		return 0; /* everything re-sent is already stored */
	rc = hpcnet_db_exec(db, "INSERT INTO job_output (job_id, stream, offset_bytes, data)"
				" VALUES (?, ?, ?, ?)", "ttib", job_id, stream, cur,
			    (const char *)data + skip, len - (size_t)skip);
	if (rc < 0)
		return rc;
	cur += (int64_t)len - skip;
	rc = hpcnet_db_exec(db, upd_sql, "it", cur, job_id);
	if (rc < 0)
		return rc;
	*length = cur;
	return 0;
}

int hpcnet_store_output_read(struct hpcnet_db *db, const char *job_id, const char *stream,
			     int64_t offset, size_t max, struct hpcnet_buf *buf, int64_t *total)
{
	struct hpcnet_stmt *st;
	int rc;

	if (!stream_ok(stream))
		return HPCNET_EINVAL;
	rc = hpcnet_db_get_int(db, total, strcmp(stream, "stdout") == 0
				   ? "SELECT stdout_bytes FROM jobs WHERE id = ?"
				   : "SELECT stderr_bytes FROM jobs WHERE id = ?", "t", job_id);
	if (rc <= 0)
		return rc < 0 ? rc : HPCNET_ENOTFOUND;
	/* Chunks are contiguous: start from the last chunk at or before offset. */
	rc = hpcnet_db_query(db, &st,
		"SELECT offset_bytes, data FROM job_output WHERE job_id = ? AND stream = ?"
		" AND offset_bytes >= COALESCE((SELECT MAX(offset_bytes) FROM job_output"
		"   WHERE job_id = ? AND stream = ? AND offset_bytes <= ?), 0)"
		" ORDER BY offset_bytes", "tttti", job_id, stream, job_id, stream, offset);
	if (rc < 0)
		return rc;
	while (buf->len < max && (rc = hpcnet_db_next(st)) == 1) {
		int64_t at = hpcnet_db_int(st, 0);
		size_t n, skip = 0;
		const char *p = hpcnet_db_blob(st, 1, &n);

		if (at < offset)
			skip = (size_t)(offset - at);
		if (skip >= n)
			continue;
		n -= skip;
		if (n > max - buf->len)
			n = max - buf->len;
		hpcnet_buf_add(buf, p + skip, n);
	}
	hpcnet_db_done(st);
	return rc < 0 ? rc : 0;
}
