/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Quotas: limits on concurrent jobs, core-hours and GPU-hours (optionally
 * of one GPU model) per user, per project, per organization, or per role
 * as every user's default, per month or for life. A job is bound by its
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
 * it would exceed in *miss. */
int hpcnet_quota_check(struct hpcnet_db *db, const char *user_id, const char *role,
		       const char *project_id, const char *org_id, const struct hpcnet_meter_job *mj,
		       int64_t now, struct hpcnet_quota_miss *miss);
/* Use against every quota binding the user, their orgs and their orgs'
 * projects: [{id, scope, scope_name, resource,
 * gpu_model, period, limit, used, reserved, left, unit}] (hours for
 * core/GPU-hours, rounded up; jobs for concurrent_jobs). */
int hpcnet_quota_status(struct hpcnet_db *db, const char *user_id, const char *role, int64_t now,
			json_t **out);

#endif
