/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The hub's HTTP layer: the server state, one request's context, the route
 * table and the reply helpers every resource file uses.
 *
 * libmicrohttpd runs a thread per connection: long-polls (agents' orders,
 * `logs --follow`) simply block their own thread on a condition variable,
 * and keep-alive connections cost one idle thread each.
 */
#ifndef HPCNET_HUB_HTTP_H
#define HPCNET_HUB_HTTP_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/id.h"
#include "common/xalloc.h"
#include "hub/billing/billing.h"
#include "hub/notify.h"

struct MHD_Daemon;
struct MHD_Connection;
struct hpcnet_store;
struct hpcnet_db;
struct hpcnet_oidc;

struct hpcnet_hub {
	struct hpcnet_store *store;
	struct MHD_Daemon *mhd;
	struct hpcnet_notify notify;
	int64_t center_ttl_ms;   /* no heartbeat for this long -> offline */
	size_t max_body;         /* request bodies above this get 413 */
	int64_t sched_interval_ms;
	int64_t session_idle_ms; /* a portal session unused this long ends */
	int64_t session_max_ms;  /* and every session ends this long after sign-in */
	int secure_cookies;      /* mark cookies Secure (served over TLS, or behind a TLS proxy) */
	char *tls_cert, *tls_key; /* PEM, when the hub serves HTTPS itself (--tls-cert/--tls-key) */
	struct hpcnet_billing_cfg billing; /* currency, commission, metering tolerance */
	int64_t next_reasons_ms; /* scheduler thread only: see hpcnet_schedloop_pass() */
	volatile int stopping;
	pthread_t sched_thread;
	enum { HPCNET_SIGNUP_CLOSED, HPCNET_SIGNUP_INVITE, HPCNET_SIGNUP_OPEN } signup;
	int disabled_user_jobs_cancel; /* disabling a user cancels their jobs */
	struct hpcnet_oidc *oidc;      /* NULL unless --oidc-issuer was given */
};

enum hpcnet_auth_kind {
	HPCNET_AUTH_PUBLIC,
	HPCNET_AUTH_USER,  /* any signed-in user */
	HPCNET_AUTH_ADMIN,
	HPCNET_AUTH_AGENT, /* a center's agent credential */
};

#define HPCNET_MAX_PARAMS 2
#define HPCNET_CSRF_LEN 65 /* hex SHA-256 + NUL (hub/signin.h) */
/* The portal's session cookie. */
#define HPCNET_SESSION_COOKIE "hpcnet_session"

#define HPCNET_MAX_HEADERS 8

struct hpcnet_req {
	struct hpcnet_hub *hub;
	struct MHD_Connection *conn;
	const char *method;
	char *path;
	char *params[HPCNET_MAX_PARAMS]; /* {id} values from the route pattern */
	struct hpcnet_buf body;
	int too_big;
	int dispatched;
	struct hpcnet_db *db; /* borrowed lazily, returned at completion */

	/* who is calling (filled by auth) */
	char user_id[HPCNET_ID_LEN];
	char user_name[128];
	int is_admin;
	char center_id[HPCNET_ID_LEN];
	/* set when a portal session cookie (not a bearer token) signed the request in */
	char session_id[HPCNET_ID_LEN];
	char csrf_token[HPCNET_CSRF_LEN];
	int64_t session_expires_at;
	unsigned roles;     /* HPCNET_ROLE_BIT()s the caller holds (hub/perm.h) */
	char token_id[HPCNET_ID_LEN]; /* the user token of this request */
	char ip[48];        /* the peer's address, for the audit log */
	const struct hpcnet_route *route; /* the matched row */
	int perm_checked;   /* an object check ran (hpcnet_perm_check) */
	/* what the call touched, for the audit log; handlers that create an
	 * object set it, else the route's {id} is used */
	char audit_object[HPCNET_ID_LEN + 64];
	/* what the handler answers once its write commits (0: 200); the row
	 * written with the change says so (hub/audit.h) */
	int audit_status;
	const char *audit_object_out; /* or the id a write fills in (made inside it) */
	/* a sign-in's actor (no caller yet): who gets the session or token */
	char audit_actor_id[HPCNET_ID_LEN];
	char audit_actor_name[128];
	int audit_later;     /* the next writes are steps before the change: no row */
	int audit_read;      /* a GET that changes state (the OIDC callback signs in): audited */
	int audit_committed; /* the status the committed row announced, 0: none yet */
	int in_handler;      /* the route's handler is running */

	/* the reply */
	int status;
	json_t *json;
	struct hpcnet_buf raw;
	const char *ctype;
	char *headers[HPCNET_MAX_HEADERS][2];
	int nheaders;
};

struct hpcnet_route {
	const char *method;
	const char *pattern; /* "/api/v1/jobs/{id}/cancel" */
	const char *action;  /* the permission rule (hub/perm.c) that decides who may */
	int (*handler)(struct hpcnet_req *r);
};

/* The NULL-terminated route table (routes.c); also what the OpenAPI test walks. */
extern const struct hpcnet_route hpcnet_routes[];

/* Starts libmicrohttpd on host:port (port 0 = ephemeral); *bound gets the
 * port actually bound. 0 or -errno / HPCNET_EUNAVAIL. */
int hpcnet_http_start(struct hpcnet_hub *hub, const char *host, int port, int *bound);
void hpcnet_http_stop(struct hpcnet_hub *hub);

/* The request's database connection, borrowed on first use. */
struct hpcnet_db *hpcnet_req_db(struct hpcnet_req *r);
/* Returns the connection early (before a long-poll wait). */
void hpcnet_req_db_release(struct hpcnet_req *r);
/* Runs fn in the store's next group commit (hub/store/writer.h) and returns
 * its result once durable. Gives back the request's own connection first:
 * a request waiting in the queue must not hold one the leader needs. The
 * first write of an audited call that returns 0 carries the call's audit
 * row in the same transaction (hpcnet_audit_write, hub/audit.h): set
 * r->audit_status (and r->audit_object for a create) before it when the
 * answer is not 200 / the object is not the route's {id}. */
int hpcnet_req_write(struct hpcnet_req *r, int (*fn)(struct hpcnet_db *db, void *arg), void *arg);
/* 1 when the client has closed its end (its process died or gave up), so
 * an answer would reach no one: a long-poll checks before it hands out
 * work. 0 while it is there or when the hub cannot tell (a peer that
 * vanished without closing, e.g. a powered-off host, looks present). */
int hpcnet_req_peer_gone(struct hpcnet_req *r);
const char *hpcnet_req_query(struct hpcnet_req *r, const char *name);
const char *hpcnet_req_header(struct hpcnet_req *r, const char *name);
const char *hpcnet_req_cookie(struct hpcnet_req *r, const char *name);
/* Parses an integer query parameter within [min,max]; absent -> def. On a
 * bad value replies 400 and returns HPCNET_EINVAL. */
int hpcnet_req_query_int(struct hpcnet_req *r, const char *name, int64_t min, int64_t max,
			 int64_t def, int64_t *out);
/* Parses an RFC 3339 query parameter into ms; absent -> `absent`. On a
 * bad value replies 400 and returns HPCNET_EINVAL. */
int hpcnet_req_query_time(struct hpcnet_req *r, const char *name, int64_t absent, int64_t *ms);
/* Parses the body as a JSON object; on failure replies 400/413 and returns
 * HPCNET_EINVAL. The caller owns *out. */
int hpcnet_req_json(struct hpcnet_req *r, json_t **out);

/* Replies; each takes ownership of json and returns 0 so a handler can
 * `return hpcnet_reply_json(...)`. */
int hpcnet_reply_json(struct hpcnet_req *r, int status, json_t *json);
int hpcnet_reply_raw(struct hpcnet_req *r, int status, const char *ctype, const void *data,
		     size_t len);
int hpcnet_reply_problem(struct hpcnet_req *r, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* 422 with a field list (json array of {"field","message"}; stolen). */
int hpcnet_reply_invalid(struct hpcnet_req *r, json_t *errors);
/* Maps a store/internal error code to the right problem reply. */
int hpcnet_reply_error(struct hpcnet_req *r, int err);
void hpcnet_reply_header(struct hpcnet_req *r, const char *name, const char *value);

/* Authenticates the request for the route's auth kind (auth.c). 0, or a
 * reply has been queued (401/403) and HPCNET_EAUTH/HPCNET_EPERM returned. */
int hpcnet_auth_check(struct hpcnet_req *r, enum hpcnet_auth_kind kind);

#endif
