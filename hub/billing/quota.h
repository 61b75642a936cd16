/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Quotas: limits on concurrent jobs, core-hours and GPU-hours (optionally
 * of one GPU model) and stored bytes per user, per project, per organization, or per role
 * (user, admin, org_admin, center_operator, merchant) as the default of
 * everyone holding it, per month or for life. A job is bound by its
 * user's, its project's and its project's org's quotas at once. Enforced at submit inside the same serialized write that inserts
 * the job, counting what queued and running jobs may still use (their
 * request x walltime) beside what ended jobs used, so two submits racing
 * for the last core-hour can never both get it.
 */
#ifndef HPCNET_BILLING_QUOTA_H
#define HPCNET_BILLING_QUOTA_H

#include <stdint.h>

#include <jansson.h>

#include "hub/billing/meter.h"

struct hpcnet_db;

struct hpcnet_quota_miss {
	char scope[160];  /* "user alice", "project physics/lattice", "org physics" */
	char resource[32], gpu_model[32], period[16];
	int64_t limit, used, left, asked; /* in the quota's unit (jobs, hours) */
	char unit[16];
};

/* 0 when the job (of user_id, in project_id of org_id; either may be
 * NULL) fits every quota binding it; HPCNET_EQUOTA with the first quota
 * it would exceed in *miss. stored_bytes: what the hub keeps for the job
 * at submit (its script and files), for storage_bytes quotas, which count
 * what the hub keeps for the scope's jobs now (scripts, files, output),
 * whatever their period. */
int hpcnet_quota_check(struct hpcnet_db *db, const char *user_id, const char *project_id,
		       const char *org_id, const struct hpcnet_meter_job *mj, int64_t stored_bytes,
		       int64_t now, struct hpcnet_quota_miss *miss);
/* A quota as the API shows it, from a store row (borrowed): {id, scope
 * (its kind: user, role, org, project), scope_name, soft, resource,
 * gpu_model, period, limit, set_by, updated_at}. GET /quotas?all=1 lists
 * these; GET /quotas adds the use below to each. */
json_t *hpcnet_quota_view(json_t *q);
/* After output was stored: HPCNET_EQUOTA (*miss) when a storage_bytes quota
 * binding the job's owner is now past its limit, else 0. Output keeps
 * being accepted (nothing a job wrote is lost); new submits are refused
 * until the use is back under the limit. */
int hpcnet_quota_storage_over(struct hpcnet_db *db, const char *user_id, const char *project_id,
			      const char *org_id, int64_t now, struct hpcnet_quota_miss *miss);
/* Use against every quota binding the user, their orgs and their orgs'
 * projects: [hpcnet_quota_view + {used, reserved, left, unit}] (hours for
 * core/GPU-hours, rounded up; jobs for concurrent_jobs). */
int hpcnet_quota_status(struct hpcnet_db *db, const char *user_id, int64_t now,
			json_t **out);

/*
 * Soft quotas never refuse a submit: the scheduler asks this gate before
 * placing each queued job and keeps it queued, with the reason, while
 * placing it would take a soft quota's scope past the limit (counting the
 * scope's jobs at centers and what ended jobs used). Load once per pass
 * (NULL when no soft quota exists: admit then always says yes).
 */
struct hpcnet_soft_gate;
struct hpcnet_soft_job {
	const char *user_id, *project_id, *org_id; /* project/org may be NULL */
	struct hpcnet_meter_job mj;
};
int hpcnet_quota_soft_load(struct hpcnet_db *db, int64_t now, struct hpcnet_soft_gate **g);
/* 1 placeable (and counted, for the jobs after it in the pass), 0 it must
 * wait (why says which quota), <0 store error. */
int hpcnet_quota_soft_admit(struct hpcnet_soft_gate *g, const struct hpcnet_soft_job *j,
			    char *why, size_t len);
void hpcnet_quota_soft_free(struct hpcnet_soft_gate *g);

#endif
