/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The agent's journal on SQLite; see journal.h for the phases and why
 * they exist. This file owns every SQL statement of the agent, the schema
 * and its version (PRAGMA user_version), so the rest of the agent deals
 * in rows, not SQL.
 *
 * Durability: WAL with synchronous=FULL, so a committed write survives
 * kill -9 and power loss; the agent commits before it acts. The file is
 * created 0600 (it holds the agent token) and SQLite gives its -wal and
 * -shm files the same mode. A busy timeout lets an operator read the file
 * with the sqlite3 shell while the agent runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "agent/journal.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "hpcnet/error.h"

struct hpcnet_journal {
	sqlite3 *db;
	char *path;
};

static const char *const phase_names[] = {
	[HPCNET_JP_RECEIVED] = "received",
	[HPCNET_JP_SUBMITTING] = "submitting",
	[HPCNET_JP_SUBMITTED] = "submitted",
	[HPCNET_JP_FINISHED] = "finished",
	[HPCNET_JP_DONE] = "done",
};

/*
 * The schema, one step per version, applied in order from the file's
 * user_version. Times are milliseconds since the epoch. Text columns for
 * phase and state so an operator can read the file with the sqlite3 shell.
 */
static const char schema_v1[] =
	"CREATE TABLE credential ("
	" id INTEGER PRIMARY KEY CHECK (id = 1),"
	" hub_url TEXT NOT NULL,"
	" center_id TEXT NOT NULL,"
	" center_name TEXT NOT NULL,"
	" agent_token TEXT NOT NULL,"
	" adapter TEXT NOT NULL,"
	" saved_ms INTEGER NOT NULL);"
	"CREATE TABLE jobs ("
	" job_id TEXT PRIMARY KEY,"
	" order_json TEXT,"
	" phase TEXT NOT NULL CHECK (phase IN"
	"  ('received','submitting','submitted','finished','done')),"
	" ref TEXT NOT NULL DEFAULT '',"
	" state TEXT NOT NULL DEFAULT '',"
	" exit_code INTEGER NOT NULL DEFAULT 0,"
	" signal INTEGER NOT NULL DEFAULT 0,"
	" started_ms INTEGER NOT NULL DEFAULT 0,"
	" ended_ms INTEGER NOT NULL DEFAULT 0,"
	" cpu_seconds REAL NOT NULL DEFAULT 0,"
	" max_rss_bytes INTEGER NOT NULL DEFAULT 0,"
	" reason TEXT NOT NULL DEFAULT '',"
	" stdout_path TEXT NOT NULL DEFAULT '',"
	" stderr_path TEXT NOT NULL DEFAULT '',"
	" seq INTEGER NOT NULL DEFAULT 0,"
	" acked_seq INTEGER NOT NULL DEFAULT 0,"
	" cancel INTEGER NOT NULL DEFAULT 0,"
	" stdout_acked INTEGER NOT NULL DEFAULT 0,"
	" stderr_acked INTEGER NOT NULL DEFAULT 0,"
	" created_ms INTEGER NOT NULL,"
	" updated_ms INTEGER NOT NULL,"
	" done_ms INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX jobs_active ON jobs(created_ms) WHERE phase <> 'done';"
	"CREATE INDEX jobs_done ON jobs(done_ms) WHERE phase = 'done';";

/* v2: recalls and control actions from the hub, GPU usage. */
static const char schema_v2[] =
	"ALTER TABLE jobs ADD COLUMN recall INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE jobs ADD COLUMN control TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE jobs ADD COLUMN control_state INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE jobs ADD COLUMN control_error TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE jobs ADD COLUMN control_seq INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE jobs ADD COLUMN control_acked_ms INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE jobs ADD COLUMN gpu_seconds REAL NOT NULL DEFAULT 0;";

/* The credential secret made before a join and bound to its join token
 * (by hash), so a join answered but not saved is retried with the same
 * secret (see hpcnet_journal_join_secret). */
static const char schema_v3[] =
	"CREATE TABLE join_secret ("
	" id INTEGER PRIMARY KEY CHECK (id = 1),"
	" join_hash TEXT NOT NULL,"
	" secret TEXT NOT NULL);";

static const char *const schema_steps[HPCNET_JOURNAL_SCHEMA] = { schema_v1, schema_v2, schema_v3 };

#define JOB_COLS                                                                              \
	"job_id, order_json, phase, ref, state, exit_code, signal, started_ms, ended_ms,"     \
	" cpu_seconds, max_rss_bytes, reason, stdout_path, stderr_path, seq, acked_seq,"      \
	" cancel, stdout_acked, stderr_acked, created_ms, updated_ms, done_ms, recall, control,"   \
	" control_state, control_error, control_seq, control_acked_ms, gpu_seconds"

static int db_error(struct hpcnet_journal *j, const char *what)
{
	hpcnet_error("journal %s: %s: %s", j->path, what, sqlite3_errmsg(j->db));
	return HPCNET_ESTORE;
}

/*
 * Prepares sql and binds the variadic arguments by the letters of types:
 * s = const char * (NULL binds NULL), i = int64_t, d = double.
 */
static int prep(struct hpcnet_journal *j, sqlite3_stmt **st, const char *sql, const char *types, ...)
{
	va_list ap;
	int i, rc = 0;

	if (sqlite3_prepare_v2(j->db, sql, -1, st, NULL) != SQLITE_OK)
		return db_error(j, "prepare");
	va_start(ap, types);
	for (i = 0; types[i]; i++) {
		int k = i + 1, r;

		switch (types[i]) {
		case 's': {
			const char *s = va_arg(ap, const char *);

			r = s ? sqlite3_bind_text(*st, k, s, -1, SQLITE_TRANSIENT)
			      : sqlite3_bind_null(*st, k);
			break;
		}
		case 'i':
			r = sqlite3_bind_int64(*st, k, va_arg(ap, int64_t));
			break;
		case 'd':
			r = sqlite3_bind_double(*st, k, va_arg(ap, double));
			break;
		default:
			r = SQLITE_MISUSE;
		}
		if (r != SQLITE_OK) {
			rc = db_error(j, "bind");
			break;
		}
	}
	va_end(ap);
	if (rc < 0) {
		sqlite3_finalize(*st);
		*st = NULL;
	}
	return rc;
}

/* Runs a statement that returns no rows; *changes (may be NULL) gets the row count. */
static int run(struct hpcnet_journal *j, sqlite3_stmt *st, int *changes)
{
	int rc = 0;

	if (!st)
		return HPCNET_ESTORE;
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = db_error(j, "write");
	else if (changes)
		*changes = sqlite3_changes(j->db);
	sqlite3_finalize(st);
	return rc;
}

static int exec(struct hpcnet_journal *j, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(j->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		hpcnet_error("journal %s: %s", j->path, msg ? msg : sqlite3_errmsg(j->db));
		sqlite3_free(msg);
		return HPCNET_ESTORE;
	}
	return 0;
}

static void copy_col(sqlite3_stmt *st, int col, char *dst, size_t len)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	snprintf(dst, len, "%s", s ? (const char *)s : "");
}

static enum hpcnet_journal_phase phase_parse(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(phase_names) / sizeof(phase_names[0]); i++)
		if (strcmp(s, phase_names[i]) == 0)
			return (enum hpcnet_journal_phase)i;
	return HPCNET_JP_RECEIVED; /* the CHECK constraint makes this unreachable */
}

static void row_read(sqlite3_stmt *st, struct hpcnet_journal_job *job)
{
	const unsigned char *order;
	char phase[16];

	memset(job, 0, sizeof(*job));
	copy_col(st, 0, job->job_id, sizeof(job->job_id));
	order = sqlite3_column_text(st, 1);
	job->order_json = order ? hpcnet_xstrdup((const char *)order) : NULL;
	copy_col(st, 2, phase, sizeof(phase));
	job->phase = phase_parse(phase);
	copy_col(st, 3, job->ref, sizeof(job->ref));
	copy_col(st, 4, job->state, sizeof(job->state));
	job->exit_code = sqlite3_column_int(st, 5);
	job->signal = sqlite3_column_int(st, 6);
	job->started_ms = sqlite3_column_int64(st, 7);
	job->ended_ms = sqlite3_column_int64(st, 8);
	job->cpu_seconds = sqlite3_column_double(st, 9);
	job->max_rss_bytes = sqlite3_column_int64(st, 10);
	copy_col(st, 11, job->reason, sizeof(job->reason));
	copy_col(st, 12, job->stdout_path, sizeof(job->stdout_path));
	copy_col(st, 13, job->stderr_path, sizeof(job->stderr_path));
	job->seq = sqlite3_column_int64(st, 14);
	job->acked_seq = sqlite3_column_int64(st, 15);
	job->cancel = (enum hpcnet_journal_cancel)sqlite3_column_int(st, 16);
	job->out_acked[HPCNET_JS_STDOUT] = sqlite3_column_int64(st, 17);
	job->out_acked[HPCNET_JS_STDERR] = sqlite3_column_int64(st, 18);
	job->created_ms = sqlite3_column_int64(st, 19);
	job->updated_ms = sqlite3_column_int64(st, 20);
	job->done_ms = sqlite3_column_int64(st, 21);
	job->recall = (enum hpcnet_journal_recall)sqlite3_column_int(st, 22);
	copy_col(st, 23, job->control, sizeof(job->control));
	job->control_state = (enum hpcnet_journal_control)sqlite3_column_int(st, 24);
	copy_col(st, 25, job->control_error, sizeof(job->control_error));
	job->control_seq = sqlite3_column_int64(st, 26);
	job->control_acked_ms = sqlite3_column_int64(st, 27);
	job->gpu_seconds = sqlite3_column_double(st, 28);
}

/*
 * Brings the schema to the current version, all steps in one transaction;
 * a newer file is refused rather than misread.
 */
static int migrate(struct hpcnet_journal *j)
{
	sqlite3_stmt *st = NULL;
	int version, rc, v;
	char *bump;

	rc = prep(j, &st, "PRAGMA user_version", "");
	if (rc < 0)
		return rc;
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return db_error(j, "read schema version");
	}
	version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version == HPCNET_JOURNAL_SCHEMA)
		return 0;
	if (version > HPCNET_JOURNAL_SCHEMA) {
		hpcnet_error("journal %s has schema version %d, this hpcnet knows up to %d: "
			     "run the newer hpcnet that wrote it",
			     j->path, version, HPCNET_JOURNAL_SCHEMA);
		return HPCNET_ECONFLICT;
	}
	rc = exec(j, "BEGIN IMMEDIATE");
	if (rc < 0)
		return rc;
	for (v = version; v < HPCNET_JOURNAL_SCHEMA && rc == 0; v++)
		rc = exec(j, schema_steps[v]);
	bump = hpcnet_xasprintf("PRAGMA user_version = %d", HPCNET_JOURNAL_SCHEMA);
	if (rc == 0)
		rc = exec(j, bump);
	free(bump);
	if (rc == 0)
		rc = exec(j, "COMMIT");
	if (rc == 0 && version > 0)
		hpcnet_info("journal %s: schema upgraded from version %d to %d", j->path, version,
			    HPCNET_JOURNAL_SCHEMA);
	if (rc < 0)
		sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

int hpcnet_journal_open(const char *path, struct hpcnet_journal **out)
{
	struct hpcnet_journal *j = hpcnet_xcalloc(1, sizeof(*j));
	int fd, rc = 0;

	*out = NULL;
	j->path = hpcnet_xstrdup(path);
	/* Create the file ourselves so it is 0600 whatever the umask. */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = -errno;
		hpcnet_error("journal %s: %s", path, strerror(errno));
		goto out;
	}
	close(fd);
	if (sqlite3_open_v2(path, &j->db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		rc = db_error(j, "open");
		goto out;
	}
	sqlite3_busy_timeout(j->db, 5000);
	/* journal_mode answers with a row; exec ignores it. */
	rc = exec(j, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
		     " PRAGMA foreign_keys = ON;");
	if (rc < 0)
		goto out;
	rc = migrate(j);
out:
	if (rc < 0)
		hpcnet_journal_close(j);
	else
		*out = j;
	return rc;
}

void hpcnet_journal_close(struct hpcnet_journal *j)
{
	if (!j)
		return;
	sqlite3_close(j->db);
	free(j->path);
	free(j);
}

int hpcnet_journal_begin(struct hpcnet_journal *j)
{
	return exec(j, "BEGIN IMMEDIATE");
}

int hpcnet_journal_commit(struct hpcnet_journal *j)
{
	int rc = exec(j, "COMMIT");

	if (rc < 0)
		hpcnet_journal_rollback(j);
	return rc;
}

void hpcnet_journal_rollback(struct hpcnet_journal *j)
{
	if (!sqlite3_get_autocommit(j->db))
		sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
}

int hpcnet_journal_cred_load(struct hpcnet_journal *j, struct hpcnet_journal_cred *c)
{
	sqlite3_stmt *st = NULL;
	int rc, r;

	memset(c, 0, sizeof(*c));
	rc = prep(j, &st,
		  "SELECT hub_url, center_id, center_name, agent_token, adapter"
		  " FROM credential WHERE id = 1",
		  "");
	if (rc < 0)
		return rc;
	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		copy_col(st, 0, c->hub_url, sizeof(c->hub_url));
		copy_col(st, 1, c->center_id, sizeof(c->center_id));
		copy_col(st, 2, c->center_name, sizeof(c->center_name));
		copy_col(st, 3, c->agent_token, sizeof(c->agent_token));
		copy_col(st, 4, c->adapter, sizeof(c->adapter));
	} else if (r == SQLITE_DONE) {
		rc = HPCNET_ENOTFOUND;
	} else {
		rc = db_error(j, "read credential");
	}
	sqlite3_finalize(st);
	return rc;
}

int hpcnet_journal_cred_save(struct hpcnet_journal *j, const struct hpcnet_journal_cred *c)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = prep(j, &st,
		  "INSERT OR REPLACE INTO credential"
		  " (id, hub_url, center_id, center_name, agent_token, adapter, saved_ms)"
		  " VALUES (1, ?, ?, ?, ?, ?, ?)",
		  "sssssi", c->hub_url, c->center_id, c->center_name, c->agent_token,
		  c->adapter, hpcnet_now_ms());
	rc = rc < 0 ? rc : run(j, st, NULL);
	/* Joined: the secret is in the credential now. */
	if (rc == 0)
		rc = exec(j, "DELETE FROM join_secret");
	return rc;
}

int hpcnet_journal_join_secret(struct hpcnet_journal *j, const char *join_token, char *secret,
			       size_t len)
{
	char jhash[HPCNET_SHA256_HEX_LEN];
	sqlite3_stmt *st = NULL;
	int rc, r;

	hpcnet_crypto_sha256_hex(join_token, strlen(join_token), jhash);
	rc = prep(j, &st, "SELECT secret FROM join_secret WHERE id = 1 AND join_hash = ?", "s",
		  jhash);
	if (rc < 0)
		return rc;
	r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		copy_col(st, 0, secret, len);
	sqlite3_finalize(st);
	if (r == SQLITE_ROW)
		return 0;
	if (r != SQLITE_DONE)
		return db_error(j, "read join secret");
	hpcnet_crypto_token("hpca_", secret, len);
	rc = prep(j, &st, "INSERT OR REPLACE INTO join_secret (id, join_hash, secret) VALUES (1, ?, ?)",
		  "ss", jhash, secret);
	return rc < 0 ? rc : run(j, st, NULL);
}

int hpcnet_journal_cred_forget(struct hpcnet_journal *j)
{
	return exec(j, "DELETE FROM credential");
}

int hpcnet_journal_order_add(struct hpcnet_journal *j, const char *job_id, const char *order_json)
{
	sqlite3_stmt *st = NULL;
	int64_t now = hpcnet_now_ms();
	int rc, n = 0;

	rc = prep(j, &st,
		  "INSERT OR IGNORE INTO jobs (job_id, order_json, phase, created_ms, updated_ms)"
		  " VALUES (?, ?, 'received', ?, ?)",
		  "ssii", job_id, order_json, now, now);
	if (rc == 0)
		rc = run(j, st, &n);
	if (rc == 0 && n == 0)
		rc = HPCNET_EEXIST;
	return rc;
}

int hpcnet_journal_add_final(struct hpcnet_journal *j, const char *job_id, const char *state,
			     const char *reason)
{
	sqlite3_stmt *st = NULL;
	int64_t now = hpcnet_now_ms();
	int rc, n = 0;

	rc = prep(j, &st,
		  "INSERT OR IGNORE INTO jobs (job_id, order_json, phase, state, reason, seq,"
		  " ended_ms, created_ms, updated_ms)"
		  " VALUES (?, NULL, 'finished', ?, ?, 1, ?, ?, ?)",
		  "sssiii", job_id, state, reason, now, now, now);
	if (rc == 0)
		rc = run(j, st, &n);
	if (rc == 0 && n == 0)
		rc = HPCNET_EEXIST;
	return rc;
}

int hpcnet_journal_order_renew(struct hpcnet_journal *j, const char *job_id,
			       const char *order_json)
{
	sqlite3_stmt *st = NULL;
	int64_t now = hpcnet_now_ms();
	int rc, n = 0;

	/* Every column back to its default except the id and creation time. */
	rc = prep(j, &st,
		  "UPDATE jobs SET order_json = ?, phase = 'received', ref = '', state = '',"
		  " exit_code = 0, signal = 0, started_ms = 0, ended_ms = 0, cpu_seconds = 0,"
		  " max_rss_bytes = 0, gpu_seconds = 0, reason = '', stdout_path = '',"
		  " stderr_path = '', seq = 0, acked_seq = 0, cancel = 0, recall = 0,"
		  " control = '', control_state = 0, control_error = '', control_seq = 0,"
		  " stdout_acked = 0, stderr_acked = 0, updated_ms = ?, done_ms = 0"
		  " WHERE job_id = ? AND phase = 'done' AND state = 'recalled'",
		  "sis", order_json, now, job_id);
	if (rc == 0)
		rc = run(j, st, &n);
	if (rc == 0 && n == 0)
		rc = HPCNET_EEXIST;
	return rc;
}

int hpcnet_journal_get(struct hpcnet_journal *j, const char *job_id, struct hpcnet_journal_job *out)
{
	sqlite3_stmt *st = NULL;
	int rc, r;

	memset(out, 0, sizeof(*out));
	rc = prep(j, &st, "SELECT " JOB_COLS " FROM jobs WHERE job_id = ?", "s", job_id);
	if (rc < 0)
		return rc;
	r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		row_read(st, out);
	else if (r == SQLITE_DONE)
		rc = HPCNET_ENOTFOUND;
	else
		rc = db_error(j, "read job");
	sqlite3_finalize(st);
	return rc;
}

void hpcnet_journal_job_clear(struct hpcnet_journal_job *job)
{
	free(job->order_json);
	job->order_json = NULL;
}

int hpcnet_journal_active(struct hpcnet_journal *j, struct hpcnet_journal_job **out, size_t *n)
{
	struct hpcnet_journal_job *jobs = NULL;
	sqlite3_stmt *st = NULL;
	size_t len = 0, cap = 0;
	int rc, r;

	*out = NULL;
	*n = 0;
	rc = prep(j, &st,
		  "SELECT " JOB_COLS " FROM jobs WHERE phase <> 'done' ORDER BY created_ms, job_id",
		  "");
	if (rc < 0)
		return rc;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? cap * 2 : 16;
			jobs = hpcnet_xrealloc(jobs, cap * sizeof(*jobs));
		}
		row_read(st, &jobs[len++]);
	}
	if (r != SQLITE_DONE) {
		rc = db_error(j, "list jobs");
		hpcnet_journal_jobs_free(jobs, len);
		jobs = NULL;
		len = 0;
	}
	sqlite3_finalize(st);
	*out = jobs;
	*n = len;
	return rc;
}

void hpcnet_journal_jobs_free(struct hpcnet_journal_job *jobs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		hpcnet_journal_job_clear(&jobs[i]);
	free(jobs);
}

/* Runs an UPDATE on one job; HPCNET_ENOTFOUND when no row matched. */
static int update_one(struct hpcnet_journal *j, sqlite3_stmt *st)
{
	int n = 0, rc = run(j, st, &n);

	return rc == 0 && n == 0 ? HPCNET_ENOTFOUND : rc;
}

int hpcnet_journal_set_phase(struct hpcnet_journal *j, const char *job_id,
			     enum hpcnet_journal_phase phase)
{
	sqlite3_stmt *st = NULL;
	int64_t now = hpcnet_now_ms();
	int rc;

	rc = prep(j, &st,
		  "UPDATE jobs SET phase = ?, updated_ms = ?,"
		  " done_ms = CASE WHEN ? = 'done' THEN ? ELSE done_ms END WHERE job_id = ?",
		  "sisis", phase_names[phase], now, phase_names[phase], now, job_id);
	return rc < 0 ? rc : update_one(j, st);
}

int hpcnet_journal_submitted(struct hpcnet_journal *j, const char *job_id, const char *ref)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = prep(j, &st,
		  "UPDATE jobs SET phase = 'submitted', ref = ?, updated_ms = ?,"
		  " seq = seq + (state = ''),"
		  " state = CASE WHEN state = '' THEN 'pending' ELSE state END"
		  " WHERE job_id = ?",
		  "sis", ref, hpcnet_now_ms(), job_id);
	return rc < 0 ? rc : update_one(j, st);
}

int hpcnet_journal_record(struct hpcnet_journal *j, const struct hpcnet_journal_job *job)
{
	sqlite3_stmt *st = NULL;
	int final = hpcnet_journal_state_final(job->state);
	int rc;

	rc = prep(j, &st,
		  "UPDATE jobs SET seq = seq + (state <> ?1), state = ?1,"
		  " exit_code = ?2, signal = ?3, started_ms = ?4, ended_ms = ?5,"
		  " cpu_seconds = ?6, max_rss_bytes = ?7, reason = ?8,"
		  " stdout_path = ?9, stderr_path = ?10, updated_ms = ?11,"
		  " phase = CASE WHEN ?12 AND phase <> 'done' THEN 'finished' ELSE phase END,"
		  " gpu_seconds = ?14"
		  " WHERE job_id = ?13",
		  "siiiidisssiisd", job->state, (int64_t)job->exit_code, (int64_t)job->signal,
		  job->started_ms, job->ended_ms, job->cpu_seconds, job->max_rss_bytes, job->reason,
		  job->stdout_path, job->stderr_path, hpcnet_now_ms(), (int64_t)final, job->job_id,
		  job->gpu_seconds);
	return rc < 0 ? rc : update_one(j, st);
}

int hpcnet_journal_rereport(struct hpcnet_journal *j, const char *job_id)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = prep(j, &st,
		  "UPDATE jobs SET acked_seq = seq - 1, done_ms = 0, updated_ms = ?,"
		  " phase = CASE WHEN phase = 'done' THEN 'finished' ELSE phase END"
		  " WHERE job_id = ? AND seq > 0",
		  "is", hpcnet_now_ms(), job_id);
	return rc < 0 ? rc : update_one(j, st);
}

int hpcnet_journal_set_cancel(struct hpcnet_journal *j, const char *job_id,
			      enum hpcnet_journal_cancel c)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = prep(j, &st, "UPDATE jobs SET cancel = ?, updated_ms = ? WHERE job_id = ?", "iis",
		  (int64_t)c, hpcnet_now_ms(), job_id);
	return rc < 0 ? rc : update_one(j, st);
}

int hpcnet_journal_set_recall(struct hpcnet_journal *j, const char *job_id,
			      enum hpcnet_journal_recall r)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = prep(j, &st, "UPDATE jobs SET recall = ?, updated_ms = ? WHERE job_id = ?", "iis",
		  (int64_t)r, hpcnet_now_ms(), job_id);
	return rc < 0 ? rc : update_one(j, st);
}

int hpcnet_journal_control_request(struct hpcnet_journal *j, const char *job_id,
				   const char *action)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = prep(j, &st,
		  "UPDATE jobs SET control = ?, control_state = 1, control_error = '',"
		  " updated_ms = ? WHERE job_id = ?",
		  "sis", action, hpcnet_now_ms(), job_id);
	return rc < 0 ? rc : update_one(j, st);
}

int hpcnet_journal_control_result(struct hpcnet_journal *j, const char *job_id, const char *error)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = prep(j, &st,
		  "UPDATE jobs SET control_state = CASE WHEN ?1 IS NULL THEN 2 ELSE 3 END,"
		  " control_error = coalesce(?1, ''), control_seq = seq + 1, seq = seq + 1,"
		  " updated_ms = ?2 WHERE job_id = ?3 AND control_state = 1",
		  "sis", error, hpcnet_now_ms(), job_id);
	return rc < 0 ? rc : update_one(j, st);
}

int hpcnet_journal_ack(struct hpcnet_journal *j, const char *job_id, int64_t seq)
{
	sqlite3_stmt *st = NULL;
	int rc;

	/* Every SET sees the old row, so "done" below is judged on the old seq. */
	rc = prep(j, &st,
		  "UPDATE jobs SET acked_seq = max(acked_seq, min(?1, seq)), updated_ms = ?2,"
		  " control_acked_ms = CASE WHEN control_state IN (2, 3) AND ?1 >= control_seq"
		  "  THEN ?2 ELSE control_acked_ms END,"
		  " control_state = CASE WHEN control_state IN (2, 3) AND ?1 >= control_seq"
		  "  THEN 0 ELSE control_state END"
		  " WHERE job_id = ?3",
		  "iis", seq, hpcnet_now_ms(), job_id);
	return rc < 0 ? rc : update_one(j, st);
}

int hpcnet_journal_output_acked(struct hpcnet_journal *j, const char *job_id,
				enum hpcnet_journal_stream s, int64_t length)
{
	static const char *const sql[] = {
		[HPCNET_JS_STDOUT] = "UPDATE jobs SET stdout_acked = ?, updated_ms = ? WHERE job_id = ?",
		[HPCNET_JS_STDERR] = "UPDATE jobs SET stderr_acked = ?, updated_ms = ? WHERE job_id = ?",
	};
	sqlite3_stmt *st = NULL;
	int rc;

	rc = prep(j, &st, sql[s], "iis", length, hpcnet_now_ms(), job_id);
	return rc < 0 ? rc : update_one(j, st);
}

int hpcnet_journal_prune(struct hpcnet_journal *j, int64_t cutoff_ms, int *n)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*n = 0;
	rc = prep(j, &st, "DELETE FROM jobs WHERE phase = 'done' AND done_ms < ?", "i", cutoff_ms);
	return rc < 0 ? rc : run(j, st, n);
}

int hpcnet_journal_state_final(const char *state)
{
	return strcmp(state, "succeeded") == 0 || strcmp(state, "failed") == 0 ||
	       strcmp(state, "cancelled") == 0 || strcmp(state, "lost") == 0 ||
	       strcmp(state, "recalled") == 0;
}

const char *hpcnet_journal_phase_name(enum hpcnet_journal_phase p)
{
	return phase_names[p];
}
