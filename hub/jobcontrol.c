/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /api/v1/jobs/{id}/{hold,release,suspend,resume,requeue}: what a user may
 * ask of a job beyond cancel. A job still in the hub's queue is held and
 * released by the hub itself; a job at a center becomes a request its
 * agent carries out through its adapter, allowed only when the center's
 * caps say its scheduler can (Slurm can suspend, the local adapter cannot).
 */
#include <string.h>

#include "common/clock.h"
#include "hpcnet/error.h"
#include "hpcnet/job.h"
#include "hub/handlers.h"
#include "hub/http.h"
#include "hub/store/store.h"
#include "hub/store/writer.h"



static const struct action {
	const char *name;  /* the path's last segment and the request's value */
	const char *cap;   /* what the center must be able to do */
	const char *from[5]; /* states it applies to at a center */
} actions[] = {
	{ "hold", "hold", { "dispatched", "pending", NULL } },
	{ "release", "hold", { "held", NULL } },
	{ "suspend", "suspend", { "running", NULL } },
	{ "resume", "suspend", { "suspended", NULL } },
	{ "requeue", "requeue", { "running", "suspended", NULL } },
};

static const struct action *action_of(const char *path)
{
	const char *last = strrchr(path, '/');
	size_t i;

	for (i = 0; last && i < sizeof(actions) / sizeof(actions[0]); i++)
		if (strcmp(last + 1, actions[i].name) == 0)
			return &actions[i];
	return NULL;
}

static int applies(const struct action *a, const char *state)
{
	int i;

	for (i = 0; a->from[i]; i++)
		if (strcmp(a->from[i], state) == 0)
			return 1;
	return 0;
}

/* 1 when the center's caps (a JSON text array) include cap. */
static int center_can(struct hpcnet_db *db, const char *center_id, const char *cap,
		      char *name, size_t len)
{
	json_t *c = NULL, *caps, *v;
	size_t i;
	int ok = 0;

	if (hpcnet_store_center_get(db, center_id, &c) < 0)
		return 0;
	snprintf(name, len, "%s", json_string_value(json_object_get(c, "name")));
	caps = json_loads(json_string_value(json_object_get(c, "caps")) ?: "[]", 0, NULL);
	json_array_foreach(caps, i, v)
		ok |= json_is_string(v) && strcmp(json_string_value(v), cap) == 0;
	json_decref(caps);
	json_decref(c);
	return ok;
}

struct control_write {
	const char *job_id, *from, *to, *action, *reason;
	int at_hub;
};

static int control_fn(struct hpcnet_db *db, void *arg)
{
	struct control_write *w = arg;
	int rc;

	if (w->at_hub) /* guarded by the state read: a dispatch in between wins */
		rc = hpcnet_store_job_set_state(db, w->job_id, w->from, w->to, w->reason,
						hpcnet_now_ms());
	else
		rc = hpcnet_store_job_request_control(db, w->job_id, w->action, hpcnet_now_ms());
	return rc < 0 ? rc : rc == 0 ? HPCNET_ECONFLICT : 0;
}

int hpcnet_h_jobs_control(struct hpcnet_req *r)
{
	const struct action *a = action_of(r->path);
	struct control_write w = { .job_id = r->params[0] };
	const char *state, *center;
	char reason[160], cname[64] = "";
	json_t *row = NULL;
	int rc;

	if (!a)
		return hpcnet_reply_problem(r, 404, "no such action");
	if (hpcnet_jobs_controllable(r, &row) < 0)
		return 0;
	state = json_string_value(json_object_get(row, "state"));
	center = json_string_value(json_object_get(row, "center_id"));
	w.from = state;
	w.action = a->name;
	snprintf(reason, sizeof(reason), "%s by %s", strcmp(a->name, "hold") == 0 ? "held"
						     : "released", r->user_name);
	w.reason = reason;
	if (!center && strcmp(state, "queued") == 0 && strcmp(a->name, "hold") == 0) {
		w.at_hub = 1;
		w.to = "held";
	} else if (!center && strcmp(state, "held") == 0 && strcmp(a->name, "release") == 0) {
		w.at_hub = 1;
		w.to = "queued";
	} else if (!center || !applies(a, state)) {
		hpcnet_reply_problem(r, 409, "cannot %s job %s while it is %s%s", a->name, r->params[0],
				     state, center ? "" : " (not at a center yet)");
		goto out;
	} else if (!center_can(hpcnet_req_db(r), center, a->cap, cname, sizeof(cname))) {
		hpcnet_reply_problem(r, 409, "center %s cannot %s jobs (its scheduler does not"
					     " support it)", cname, a->name);
		goto out;
	}
	rc = hpcnet_req_write(r, control_fn, &w);
	if (rc == HPCNET_ECONFLICT) {
		hpcnet_reply_problem(r, 409, "job %s changed state meanwhile: look again", r->params[0]);
		goto out;
	}
	if (rc < 0) {
		hpcnet_reply_error(r, rc);
		goto out;
	}
	hpcnet_notify_bump(&r->hub->notify);
	/* 200 with the job; a center's action shows as control_requested until done */
	hpcnet_h_jobs_get(r);
out:
	json_decref(row);
	return 0;
}
