/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The agent's journal: one SQLite file (WORKDIR/agent.db) that holds what
 * the agent must not forget across a crash: its credential with the hub and
 * one row per hub job it has heard of. It is the agent's write-ahead log:
 * an order is committed here before the adapter sees it, and a state the
 * adapter reports is committed here before the hub hears of it, so a
 * restarted agent (even after kill -9) resumes from this file and neither
 * loses nor repeats a job. All SQL of the agent lives in journal.c.
 *
 * A job row moves through phases, each committed before the step it
 * guards:
 *
 *   received    order stored; the adapter has never been asked to run it
 *   submitting  the adapter is being (or was) asked: the center may have
 *               the job, so a restart submits again (submit is idempotent)
 *   submitted   the adapter gave a reference; the job is polled
 *   finished    a final state is known; output and final report to ship
 *   done        the hub acknowledged the final report and the adapter
 *               purged the job. Kept (7 days) so a re-sent order is a no-op.
 *
 * Independently of the phase, "seq" counts observed state changes and
 * "acked_seq" is the highest one the hub acknowledged: the row has
 * something to report while seq > acked_seq.
 *
 * Requests from the hub beyond the order (cancel, recall, a control
 * action such as hold) are journaled the same way before the adapter is
 * told, so a restart finishes what was asked.
 */
#ifndef HPCNET_AGENT_JOURNAL_H
#define HPCNET_AGENT_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#define HPCNET_JOURNAL_SCHEMA 3

struct hpcnet_journal;

enum hpcnet_journal_phase {
	HPCNET_JP_RECEIVED,
	HPCNET_JP_SUBMITTING,
	HPCNET_JP_SUBMITTED,
	HPCNET_JP_FINISHED,
	HPCNET_JP_DONE,
};

/* Whether the hub asked to cancel a job and whether the adapter has been told. */
enum hpcnet_journal_cancel {
	HPCNET_JC_NONE,
	HPCNET_JC_REQUESTED, /* asked by the hub, adapter not yet told */
	HPCNET_JC_DELIVERED, /* adapter cancel returned; the final state comes via poll */
};

/* A recall: the hub wants an unstarted job back to place it elsewhere. */
enum hpcnet_journal_recall {
	HPCNET_JR_NONE,
	HPCNET_JR_REQUESTED, /* asked by the hub, not yet acted on */
	HPCNET_JR_DELIVERED, /* adapter cancel of the unstarted job returned */
	HPCNET_JR_DECLINED,  /* it had started (or cannot be withdrawn): it stays here */
};

/* A control action (hold, release, suspend, resume, requeue) in progress. */
enum hpcnet_journal_control {
	HPCNET_JCTL_NONE,
	HPCNET_JCTL_REQUESTED, /* asked by the hub, adapter not yet told */
	HPCNET_JCTL_DONE,      /* the adapter did it: to report as control_done */
	HPCNET_JCTL_FAILED,    /* the adapter could not: to report as control_error */
};

enum hpcnet_journal_stream { HPCNET_JS_STDOUT, HPCNET_JS_STDERR };

/* What the agent needs to talk to the hub as its center. */
struct hpcnet_journal_cred {
	char hub_url[1024];
	char center_id[128];
	char center_name[256];
	char agent_token[256];
	char adapter[64]; /* the adapter the journal's job references belong to */
};

/* One job row, as read back. State fields mirror struct hpcnet_job_status. */
struct hpcnet_journal_job {
	char job_id[128];
	enum hpcnet_journal_phase phase;
	char *order_json; /* owned by the row; NULL when cancelled before any order */
	char ref[256];    /* adapter reference, "" until submitted */
	char state[16];   /* last observed state ("pending", ...), "" if none yet */
	int exit_code;
	int signal;
	int64_t started_ms, ended_ms;
	double cpu_seconds;
	int64_t max_rss_bytes;
	double gpu_seconds;
	char reason[256];
	char stdout_path[4096];
	char stderr_path[4096];
	int64_t seq, acked_seq;
	enum hpcnet_journal_cancel cancel;
	enum hpcnet_journal_recall recall;
	char control[16];     /* action asked for, "" if none */
	enum hpcnet_journal_control control_state;
	char control_error[256];
	int64_t control_seq;      /* the change whose report carries the control result */
	int64_t control_acked_ms; /* when the hub acknowledged the last control result */
	int64_t out_acked[2];     /* bytes of stdout / stderr the hub has */
	int64_t created_ms, updated_ms, done_ms;
};

/*
 * Opens (creating if needed, mode 0600) the journal at path: WAL,
 * synchronous=FULL, busy timeout, schema created or checked. 0, or
 * HPCNET_ESTORE (message logged), or HPCNET_ECONFLICT when the file was
 * written by a newer schema. *out is freed with hpcnet_journal_close().
 */
int hpcnet_journal_open(const char *path, struct hpcnet_journal **out);
void hpcnet_journal_close(struct hpcnet_journal *j);

/*
 * Groups the writes between begin and commit into one durable transaction
 * (one fsync instead of one per row). Not nestable. 0 or HPCNET_ESTORE;
 * a failed commit rolls back.
 */
int hpcnet_journal_begin(struct hpcnet_journal *j);
int hpcnet_journal_commit(struct hpcnet_journal *j);
void hpcnet_journal_rollback(struct hpcnet_journal *j);

/* The credential: load gives 0 or HPCNET_ENOTFOUND (never joined). */
int hpcnet_journal_cred_load(struct hpcnet_journal *j, struct hpcnet_journal_cred *c);
int hpcnet_journal_cred_save(struct hpcnet_journal *j, const struct hpcnet_journal_cred *c);
int hpcnet_journal_cred_forget(struct hpcnet_journal *j);
/*
 * The credential secret to join with join_token: the one saved for that
 * token, or a new one (hpca_...) saved durably before it is returned, so
 * an agent killed after the hub took the join but before it saved the
 * credential joins again with the same secret, which the hub recognizes.
 * cred_save forgets it. 0 or HPCNET_ESTORE.
 */
int hpcnet_journal_join_secret(struct hpcnet_journal *j, const char *join_token, char *secret,
			       size_t len);

/*
 * Stores a new order (phase received). 0 when inserted, HPCNET_EEXIST when
 * the job id is already known (a re-sent order: nothing changes).
 */
int hpcnet_journal_order_add(struct hpcnet_journal *j, const char *job_id, const char *order_json);

/*
 * Records a final state ("cancelled", "recalled") for a job id the agent
 * has never seen: a finished row (to report) with no order, so a late
 * order for a cancelled job is never started. 0 when inserted,
 * HPCNET_EEXIST if the id is known.
 */
int hpcnet_journal_add_final(struct hpcnet_journal *j, const char *job_id, const char *state,
			     const char *reason);

/*
 * A new order for a job this center gave back earlier (a done row in
 * state "recalled"): the row starts over as received with order_json.
 * 0, or HPCNET_EEXIST when the row is anything else (nothing changes).
 */
int hpcnet_journal_order_renew(struct hpcnet_journal *j, const char *job_id,
			       const char *order_json);

/* Reads one job; 0 or HPCNET_ENOTFOUND. Free with hpcnet_journal_job_clear(). */
int hpcnet_journal_get(struct hpcnet_journal *j, const char *job_id, struct hpcnet_journal_job *out);
void hpcnet_journal_job_clear(struct hpcnet_journal_job *job);

/*
 * All rows not yet done, oldest first, as a new array (*out, *n) freed
 * with hpcnet_journal_jobs_free().
 */
int hpcnet_journal_active(struct hpcnet_journal *j, struct hpcnet_journal_job **out, size_t *n);
void hpcnet_journal_jobs_free(struct hpcnet_journal_job *jobs, size_t n);

/* Moves a job to phase (used for received -> submitting -> done). */
int hpcnet_journal_set_phase(struct hpcnet_journal *j, const char *job_id,
			     enum hpcnet_journal_phase phase);

/*
 * The adapter accepted the job as ref: phase submitted, and, if no state
 * was observed yet, state "pending" as a new change to report.
 */
int hpcnet_journal_submitted(struct hpcnet_journal *j, const char *job_id, const char *ref);

/*
 * Stores an observed state snapshot (the state and detail fields of job;
 * other fields ignored). If the state name differs from the stored one
 * it is a new change (seq + 1); a final state moves the row to finished.
 */
int hpcnet_journal_record(struct hpcnet_journal *j, const struct hpcnet_journal_job *job);

/*
 * The hub forgot an acknowledged report (it re-sent the order): marks the
 * last state unreported again; a done row goes back to finished so its
 * final report is sent again. Output offsets are left as they are.
 */
int hpcnet_journal_rereport(struct hpcnet_journal *j, const char *job_id);

int hpcnet_journal_set_cancel(struct hpcnet_journal *j, const char *job_id,
			      enum hpcnet_journal_cancel c);
int hpcnet_journal_set_recall(struct hpcnet_journal *j, const char *job_id,
			      enum hpcnet_journal_recall r);

/* The hub asks for a control action: stored as requested. */
int hpcnet_journal_control_request(struct hpcnet_journal *j, const char *job_id,
				   const char *action);
/*
 * The adapter's answer to the requested action: done (error NULL) or
 * failed with error. A new change to report (seq + 1) carrying it.
 */
int hpcnet_journal_control_result(struct hpcnet_journal *j, const char *job_id, const char *error);

/*
 * The hub acknowledged the report carrying seq (acked_seq never goes
 * down); a control result carried by it is then cleared.
 */
int hpcnet_journal_ack(struct hpcnet_journal *j, const char *job_id, int64_t seq);

/* The hub holds length bytes of the stream. */
int hpcnet_journal_output_acked(struct hpcnet_journal *j, const char *job_id,
				enum hpcnet_journal_stream s, int64_t length);

/* Deletes done rows whose done time is before cutoff_ms; *n gets the count. */
int hpcnet_journal_prune(struct hpcnet_journal *j, int64_t cutoff_ms, int *n);

/* Helpers on state names; "recalled" (given back to the hub) is final here. */
int hpcnet_journal_state_final(const char *state);
const char *hpcnet_journal_phase_name(enum hpcnet_journal_phase p);

#endif
