/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The earlier runs of a job its center requeued or preempted (job_runs):
 * closing the current run when the job goes back to its center's queue,
 * and what the metering needs of them. See docs/ARCHITECTURE.md "Money".
 */
#include "hpcnet/error.h"
#include "hub/store/db.h"
#include "hub/store/store.h"

int hpcnet_store_job_run_close(struct hpcnet_db *db, const char *job_id, int64_t end_ms,
			       const char *reason)
{
	/* The run is numbered after the ones before it; a run ending before it
	 * began (clocks of the center) lasted no time rather than negative time. */
	int rc = hpcnet_db_exec(db,
		"INSERT INTO job_runs (job_id, run, center_id, started_at, ended_at, reason)"
		" SELECT j.id, (SELECT COALESCE(MAX(r.run), 0) + 1 FROM job_runs r"
		" WHERE r.job_id = j.id), j.center_id, j.started_at,"
		" CASE WHEN ? > j.started_at THEN ? ELSE j.started_at END, ?"
		" FROM jobs j WHERE j.id = ? AND j.started_at IS NOT NULL AND j.center_id IS NOT NULL",
		"iitt", end_ms, end_ms, reason, job_id);

	if (rc <= 0)
		return rc;
	rc = hpcnet_db_exec(db, "UPDATE jobs SET started_at = NULL WHERE id = ?", "t", job_id);
	/* The center's interim figures were of the closed run, which is billed
	 * at the hub's check: they must not cap the next run. */
	if (rc >= 0)
		rc = hpcnet_db_exec(db, "UPDATE usage_records SET center_qty = NULL, flagged = 0"
					" WHERE job_id = ? AND final = 0", "t", job_id);
	return rc < 0 ? rc : 1;
}

int hpcnet_store_job_runs_prior(struct hpcnet_db *db, const char *job_id, int64_t cap_ms,
				int64_t *ms, int64_t *last_end)
{
	struct hpcnet_stmt *st;
	int rc = hpcnet_db_query(db, &st,
		"SELECT COALESCE(SUM(CASE WHEN ended_at - started_at > ? THEN ?"
		" ELSE ended_at - started_at END), 0), COALESCE(MAX(ended_at), 0)"
		" FROM job_runs WHERE job_id = ?", "iit", cap_ms, cap_ms, job_id);

	*ms = *last_end = 0;
	if (rc < 0)
		return rc;
	rc = hpcnet_db_next(st);
	if (rc == 1) {
		*ms = hpcnet_db_int(st, 0);
		*last_end = hpcnet_db_int(st, 1);
	}
	hpcnet_db_done(st);
	return rc < 0 ? rc : 0;
}

int hpcnet_store_job_runs(struct hpcnet_db *db, const char *job_id, json_t **out)
{
	return hpcnet_db_list_json(db, out, "SELECT run, center_id, started_at, ended_at, reason"
					    " FROM job_runs WHERE job_id = ? ORDER BY run", "t", job_id);
}
