/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /api/v1/jobs/{id}/stdout and /stderr: agents append (POST, raw bytes at
 * an offset), owners read (GET from an offset, optionally waiting for more
 * bytes: that long-poll is what `hpcnet logs --follow` rides on).
 */
#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "hpcnet/error.h"
#include "hpcnet/job.h"
#include "hub/billing/quota.h"
#include "common/log.h"
#include "hub/handlers.h"
#include "hub/http.h"
#include "hub/store/store.h"

#define MAX_READ (8 * 1024 * 1024)
#define MAX_WAIT_S 60



/* "stdout" or "stderr" from the request path. */
static const char *stream_of(struct hpcnet_req *r)
{
	size_t n = strlen(r->path);

	return n > 6 && strcmp(r->path + n - 6, "stderr") == 0 ? "stderr" : "stdout";
}

int hpcnet_h_output_get(struct hpcnet_req *r)
{
	const char *stream = stream_of(r);
	struct hpcnet_buf buf = { 0 };
	int64_t offset, wait_s, total = 0, deadline;
	char num[32], state[32];
	json_t *row = NULL;
	int rc;

	if (hpcnet_req_query_int(r, "offset", 0, INT64_MAX, 0, &offset) < 0 ||
	    hpcnet_req_query_int(r, "wait", 0, MAX_WAIT_S, 0, &wait_s) < 0 ||
	    hpcnet_jobs_visible(r, &row) < 0)
		return 0;
	deadline = hpcnet_mono_ms() + wait_s * 1000;
	for (;;) {
		uint64_t gen = hpcnet_notify_gen(&r->hub->notify);

		json_decref(row);
		rc = hpcnet_store_job_get(hpcnet_req_db(r), r->params[0], &row);
		if (rc == 0)
			rc = hpcnet_store_output_read(r->db, r->params[0], stream, offset, MAX_READ, &buf,
						      &total);
		if (rc < 0)
			break;
		snprintf(state, sizeof(state), "%s", json_string_value(json_object_get(row, "state")));
		if (buf.len > 0 || hpcnet_job_state_final(hpcnet_job_state_parse(state)) ||
		    hpcnet_mono_ms() >= deadline || r->hub->stopping)
			break;
		hpcnet_req_db_release(r);
		hpcnet_notify_wait(&r->hub->notify, gen, deadline);
	}
	json_decref(row);
	if (rc < 0) {
		hpcnet_buf_free(&buf);
		return hpcnet_reply_error(r, rc);
	}
	hpcnet_reply_raw(r, 200, "text/plain; charset=utf-8", buf.data ? buf.data : "", buf.len);
	hpcnet_buf_free(&buf);
	snprintf(num, sizeof(num), "%lld", (long long)total);
	hpcnet_reply_header(r, "X-Hpcnet-Length", num);
	hpcnet_reply_header(r, "X-Hpcnet-Job-State", state);
	return 0;
}

/* One output chunk, appended as a write of a group commit. */
struct output_write {
	const char *job_id, *center_id, *stream;
	int64_t offset;
	const void *data;
	size_t len;
	int64_t length; /* out: stored length after (or, on a gap, before) */
};

/* Output past a storage_bytes quota is still stored: a running job's
 * output is never lost for a limit. The job gets one event saying so, and
 * its owner's submits are refused (quota.h) until the use is back under. */
static int storage_flag(struct hpcnet_db *db, json_t *job)
{
	struct hpcnet_quota_miss m;
	const char *id = json_string_value(json_object_get(job, "id"));
	char detail[400];
	int rc = hpcnet_quota_storage_over(db, json_string_value(json_object_get(job, "user_id")),
					   json_string_value(json_object_get(job, "project_id")),
					   json_string_value(json_object_get(job, "org_id")),
					   hpcnet_now_ms(), &m);

	if (rc != HPCNET_EQUOTA)
		return rc;
	snprintf(detail, sizeof(detail), "storage quota exceeded: storage_bytes of %s is %lld bytes,"
		 " %lld stored; output is still kept, new submits are refused until the"
		 " quota is raised", m.scope, (long long)m.limit,
		 (long long)m.used);
	rc = hpcnet_store_job_event_once(db, id, "storage_over_quota", hpcnet_now_ms(), detail);
	if (rc == 1)
		hpcnet_warn("job %s: %s", id, detail);
	return rc < 0 ? rc : 0;
}

static int output_fn(struct hpcnet_db *db, void *arg)
{
	struct output_write *w = arg;
	json_t *row = NULL;
	const char *center;
	int rc = hpcnet_store_job_get(db, w->job_id, &row);

	center = json_string_value(json_object_get(row, "center_id"));
	if (rc == 0 && (!center || strcmp(center, w->center_id) != 0))
		rc = HPCNET_ENOTFOUND; /* only the center running a job writes its output */
	if (rc == 0)
		rc = hpcnet_store_output_append(db, w->job_id, w->stream, w->offset, w->data, w->len,
						&w->length);
	if (rc == 0 && w->len)
		rc = storage_flag(db, row);
	json_decref(row);
	return rc;
}

int hpcnet_h_output_put(struct hpcnet_req *r)
{
	struct output_write w = { .stream = stream_of(r), .job_id = r->params[0],
				  .center_id = r->center_id, .data = r->body.data,
				  .len = r->body.len };
	int rc;

	if (hpcnet_req_query_int(r, "offset", 0, INT64_MAX, -1, &w.offset) < 0)
		return 0;
	if (w.offset < 0)
		return hpcnet_reply_problem(r, 400, "query parameter 'offset' is required");
	if (!hpcnet_id_valid("job", r->params[0]))
		return hpcnet_reply_problem(r, 404, "'%s' is not a job id", r->params[0]);
	rc = hpcnet_req_write(r, output_fn, &w);
	if (rc == HPCNET_ECONFLICT)
		return hpcnet_reply_json(r, 409, json_pack("{s:s, s:s, s:i, s:s, s:I}", "type",
			"about:blank", "title", "Conflict", "status", 409, "detail",
			"offset is past the end of the stored output: resume at 'length'", "length",
			(json_int_t)w.length));
	if (rc == HPCNET_ENOTFOUND)
		return hpcnet_reply_problem(r, 404, "no job '%s' at this center", r->params[0]);
	if (rc < 0)
		return hpcnet_reply_error(r, rc);
	if (r->body.len)
		hpcnet_notify_bump(&r->hub->notify);
	return hpcnet_reply_json(r, 200, json_pack("{s:I}", "length", (json_int_t)w.length));
}
