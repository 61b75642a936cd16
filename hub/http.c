/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libmicrohttpd glue: collects the body, matches the route, authenticates,
 * calls the handler, and sends what it replied. Every failure a client can
 * cause ends as a JSON problem body (RFC 9457) with the right status.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "common/clock.h"
#include "common/log.h"
#include "hpcnet/error.h"
#include "hub/audit.h"
#include "hub/http.h"
#include "hub/perm.h"
#include "hub/static.h"
#include "hub/store/db.h"
#include "hub/store/writer.h"

static const char *status_title(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 402: return "Payment Required";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	}
	return "Error";
}

struct hpcnet_db *hpcnet_req_db(struct hpcnet_req *r)
{
	if (!r->db)
		r->db = hpcnet_store_acquire(r->hub->store);
	return r->db;
}

void hpcnet_req_db_release(struct hpcnet_req *r)
{
	if (r->db)
		hpcnet_store_release(r->hub->store, r->db);
	r->db = NULL;
}

int hpcnet_req_write(struct hpcnet_req *r, int (*fn)(struct hpcnet_db *db, void *arg), void *arg)
{
	hpcnet_req_db_release(r);
	return hpcnet_audit_write(r, fn, arg);
}

int hpcnet_req_peer_gone(struct hpcnet_req *r)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct pollfd p;
	char c;

	if (!ci)
		return 0;
	p = (struct pollfd){ .fd = ci->connect_fd, .events = POLLIN | POLLRDHUP };
	if (poll(&p, 1, 0) <= 0)
		return 0;
	if (p.revents & (POLLHUP | POLLERR | POLLRDHUP))
		return 1;
	/* Readable: either the next pipelined request (still there) or EOF. */
	return (p.revents & POLLIN) && recv(ci->connect_fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

const char *hpcnet_req_query(struct hpcnet_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *hpcnet_req_header(struct hpcnet_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *hpcnet_req_cookie(struct hpcnet_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

int hpcnet_req_query_int(struct hpcnet_req *r, const char *name, int64_t min, int64_t max,
			 int64_t def, int64_t *out)
{
	const char *s = hpcnet_req_query(r, name);
	char *end;
	long long v;

	if (!s) {
		*out = def;
		return 0;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		hpcnet_reply_problem(r, 400, "query parameter '%s' must be an integer between %lld and %lld",
				     name, (long long)min, (long long)max);
		return HPCNET_EINVAL;
	}
	*out = v;
	return 0;
}

int hpcnet_req_query_time(struct hpcnet_req *r, const char *name, int64_t absent, int64_t *ms)
{
	const char *s = hpcnet_req_query(r, name);

	*ms = absent;
	if (s && hpcnet_time_parse(s, ms) < 0) {
		hpcnet_reply_problem(r, 400, "query parameter '%s' must be an RFC 3339 time such as"
				     " 2026-11-23T18:30:05Z", name);
		return HPCNET_EINVAL;
	}
	return 0;
}

int hpcnet_req_json(struct hpcnet_req *r, json_t **out)
{
	json_error_t err;

	*out = NULL;
	if (r->body.len == 0) {
		hpcnet_reply_problem(r, 400, "the request needs a JSON object body");
		return HPCNET_EINVAL;
	}
	*out = json_loadb(r->body.data, r->body.len, JSON_REJECT_DUPLICATES, &err);
	if (!*out) {
		hpcnet_reply_problem(r, 400, "malformed JSON at line %d column %d: %s", err.line,
				     err.column, err.text);
		return HPCNET_EINVAL;
	}
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		hpcnet_reply_problem(r, 400, "the request body must be a JSON object");
		return HPCNET_EINVAL;
	}
	return 0;
}

static void reply_reset(struct hpcnet_req *r)
{
	json_decref(r->json);
	r->json = NULL;
	hpcnet_buf_free(&r->raw);
}

int hpcnet_reply_json(struct hpcnet_req *r, int status, json_t *json)
{
	reply_reset(r);
	r->status = status;
	r->json = json;
	r->ctype = "application/json";
	return 0;
}

int hpcnet_reply_raw(struct hpcnet_req *r, int status, const char *ctype, const void *data,
		     size_t len)
{
	reply_reset(r);
	r->status = status;
	r->ctype = ctype;
	hpcnet_buf_add(&r->raw, data, len);
	return 0;
}

static int reply_problem_v(struct hpcnet_req *r, int status, json_t *errors, const char *fmt,
			   va_list ap)
{
	char detail[1024];
	json_t *p;

	vsnprintf(detail, sizeof(detail), fmt, ap);
	p = json_pack("{s:s, s:s, s:i, s:s}", "type", "about:blank", "title", status_title(status),
		      "status", status, "detail", detail);
	if (errors)
		json_object_set_new(p, "errors", errors);
	hpcnet_reply_json(r, status, p);
	r->ctype = "application/problem+json";
	return 0;
}

int hpcnet_reply_problem(struct hpcnet_req *r, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply_problem_v(r, status, NULL, fmt, ap);
	va_end(ap);
	return 0;
}

static int reply_problem_errors(struct hpcnet_req *r, int status, json_t *errors,
				const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply_problem_v(r, status, errors, fmt, ap);
	va_end(ap);
	return 0;
}

int hpcnet_reply_invalid(struct hpcnet_req *r, json_t *errors)
{
	json_t *first = json_array_get(errors, 0);
	const char *field = json_string_value(json_object_get(first, "field"));
	const char *msg = json_string_value(json_object_get(first, "message"));

	if (json_array_size(errors) > 1)
		return reply_problem_errors(r, 422, errors, "%zu fields are invalid; first: '%s' %s",
					    json_array_size(errors), field ? field : "?", msg ? msg : "");
	return reply_problem_errors(r, 422, errors, "field '%s' %s", field ? field : "?",
				    msg ? msg : "is invalid");
}

int hpcnet_reply_error(struct hpcnet_req *r, int err)
{
	switch (err) {
	case HPCNET_ENOTFOUND:
		return hpcnet_reply_problem(r, 404, "no such object (or it is not yours)");
	case HPCNET_EEXIST:
		return hpcnet_reply_problem(r, 409, "an object with that name already exists");
	case HPCNET_ECONFLICT:
		return hpcnet_reply_problem(r, 409, "the object's state does not allow this");
	case HPCNET_EAUTH:
		return hpcnet_reply_problem(r, 401, "missing or invalid credentials");
	case HPCNET_EPERM:
		return hpcnet_reply_problem(r, 403, "you are not allowed to do this");
	case HPCNET_ESTORE:
	case HPCNET_EUNAVAIL:
		hpcnet_reply_header(r, "Retry-After", "1");
		return hpcnet_reply_problem(r, 503, "the hub's database is unavailable; retry shortly");
	}
	hpcnet_error("internal error %d (%s) on %s %s", err, hpcnet_strerror(err), r->method, r->path);
	return hpcnet_reply_problem(r, 500, "internal error: %s", hpcnet_strerror(err));
}

void hpcnet_reply_header(struct hpcnet_req *r, const char *name, const char *value)
{
	if (r->nheaders >= HPCNET_MAX_HEADERS)
		return;
	r->headers[r->nheaders][0] = hpcnet_xstrdup(name);
	r->headers[r->nheaders][1] = hpcnet_xstrdup(value);
	r->nheaders++;
}

/* Matches path against pattern; fills params. 1 on match. */
static int route_match(const char *pattern, const char *path, struct hpcnet_req *r)
{
	int np = 0;

	while (*pattern && *path) {
		if (*pattern == '{') {
			const char *pe = strchr(pattern, '}');
			const char *se = strchrnul(path, '/');

			if (!pe || se == path || np >= HPCNET_MAX_PARAMS)
				return 0;
			free(r->params[np]);
			r->params[np++] = hpcnet_xstrndup(path, (size_t)(se - path));
			pattern = pe + 1;
			path = se;
			continue;
		}
		if (*pattern++ != *path++)
			return 0;
	}
	return *pattern == '\0' && *path == '\0';
}

/* Who is calling, may they (hub/perm.c), then the handler. */
static void authorize_and_handle(struct hpcnet_req *r, const struct hpcnet_route *rt)
{
	const struct hpcnet_perm_rule *rule = hpcnet_perm_rule(rt->action);
	enum hpcnet_auth_kind kind;

	if (!rule) {
		hpcnet_error("route %s %s names no permission rule '%s'", rt->method, rt->pattern,
			     rt->action ? rt->action : "(null)");
		hpcnet_reply_problem(r, 500, "internal error: this endpoint has no permission rule");
		return;
	}
	kind = hpcnet_perm_auth_kind(rule);
	if (hpcnet_auth_check(r, kind) < 0)
		return;
	if (kind == HPCNET_AUTH_USER) {
		int rc = hpcnet_perm_load_roles(r);

		if (rc < 0) {
			hpcnet_reply_error(r, rc);
			return;
		}
	} else {
		r->roles = HPCNET_ROLE_BIT(kind == HPCNET_AUTH_AGENT ? HPCNET_ROLE_AGENT
								     : HPCNET_ROLE_ANON);
	}
	if (hpcnet_perm_route(r, rule) < 0)
		return;
	r->in_handler = 1;
	rt->handler(r);
	r->in_handler = 0;
	if (!r->status)
		hpcnet_reply_error(r, HPCNET_EINVAL);
	/* A rule about one object must have been checked against it: a
	 * handler that forgot would hand any role-holder every object. */
	if (rule->see && !r->perm_checked && r->status < 400)
		hpcnet_error("BUG: %s %s answered %d without an object permission check (%s)",
			     r->method, r->path, r->status, rule->action);
}

static void dispatch(struct hpcnet_req *r)
{
	const struct hpcnet_route *rt, *found = NULL;
	int path_known = 0;

	if (strncmp(r->path, "/api/", 5) != 0 &&
	    (strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0) && hpcnet_static_serve(r))
		return;
	for (rt = hpcnet_routes; rt->method; rt++) {
		if (!route_match(rt->pattern, r->path, r))
			continue;
		path_known = 1;
		if (strcmp(rt->method, r->method) == 0) {
			found = rt;
			break;
		}
	}
	if (!found) {
		if (path_known)
			hpcnet_reply_problem(r, 405, "method %s is not allowed on %s", r->method, r->path);
		else
			hpcnet_reply_problem(r, 404, "no such endpoint: %s %s (see /api/v1/openapi.json)",
					     r->method, r->path);
		return;
	}
	if (r->too_big) {
		hpcnet_reply_problem(r, 413, "request body larger than the limit of %zu bytes",
				     r->hub->max_body);
		return;
	}
	r->route = found;
	authorize_and_handle(r, found);
	/* Every state-changing call, allowed or not, ends in the audit log
	 * before its answer leaves (hub/audit.c). */
	hpcnet_audit_record(r);
}

static enum MHD_Result queue_reply(struct hpcnet_req *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char *text = NULL;
	int i;

	if (r->json) {
		text = json_dumps(r->json, JSON_COMPACT);
		resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	} else {
		resp = MHD_create_response_from_buffer(r->raw.len, r->raw.data ? r->raw.data : (char *)"",
						       MHD_RESPMEM_MUST_COPY);
	}
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", r->ctype ? r->ctype : "application/json");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	for (i = 0; i < r->nheaders; i++)
		MHD_add_response_header(resp, r->headers[i][0], r->headers[i][1]);
	/* API answers are per user and change all the time: never cached,
	 * unless the handler said otherwise (the portal's static files). */
	if (!MHD_get_response_header(resp, "Cache-Control"))
		MHD_add_response_header(resp, "Cache-Control", "no-store");
	ret = MHD_queue_response(r->conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void peer_address(struct MHD_Connection *conn, char *buf, size_t len)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(buf, len, "-");
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, (socklen_t)len);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf, (socklen_t)len);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct hpcnet_hub *hub = cls;
	struct hpcnet_req *r = *con_cls;

	if (!r) {
		/* Answering on this first call would make libmicrohttpd drop
		 * keep-alive (PERF-NOTES): only set up, answer on the next. */
		r = hpcnet_xcalloc(1, sizeof(*r));
		r->hub = hub;
		r->conn = conn;
		r->method = method;
		r->path = hpcnet_xstrdup(url);
		peer_address(conn, r->ip, sizeof(r->ip));
		*con_cls = r;
		return MHD_YES;
	}
	if (*upload_size) {
		if (!r->too_big && r->body.len + *upload_size <= hub->max_body)
			hpcnet_buf_add(&r->body, upload, *upload_size);
		else
			r->too_big = 1;
		*upload_size = 0;
		return MHD_YES;
	}
	if (!r->dispatched) {
		r->dispatched = 1;
		dispatch(r);
		hpcnet_req_db_release(r);
	}
	return queue_reply(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct hpcnet_req *r = *con_cls;
	int i;

	if (!r)
		return;
	hpcnet_req_db_release(r);
	for (i = 0; i < HPCNET_MAX_PARAMS; i++)
		free(r->params[i]);
	for (i = 0; i < r->nheaders; i++) {
		free(r->headers[i][0]);
		free(r->headers[i][1]);
	}
	json_decref(r->json);
	hpcnet_buf_free(&r->raw);
	hpcnet_buf_free(&r->body);
	free(r->path);
	free(r);
	*con_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	hpcnet_warn("http: %s", msg);
}

int hpcnet_http_start(struct hpcnet_hub *hub, const char *host, int port, int *bound)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	const union MHD_DaemonInfo *info;

	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		hpcnet_error("cannot listen on '%s': give an IPv4 address such as 127.0.0.1 or 0.0.0.0",
			     host);
		return HPCNET_EINVAL;
	}
	struct MHD_OptionItem tls[] = {
		{ MHD_OPTION_HTTPS_MEM_CERT, 0, hub->tls_cert },
		{ MHD_OPTION_HTTPS_MEM_KEY, 0, hub->tls_key },
		/* TLS 1.2 and 1.3 only, GnuTLS's default ciphers for them */
		{ MHD_OPTION_HTTPS_PRIORITIES, 0,
		  (void *)"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:%SERVER_PRECEDENCE" },
		{ MHD_OPTION_END, 0, NULL },
	};
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
			 MHD_USE_POLL | MHD_USE_ERROR_LOG;

	if (hub->tls_cert && !MHD_is_feature_supported(MHD_FEATURE_TLS)) {
		hpcnet_error("this libmicrohttpd was built without TLS: serve plain HTTP behind a TLS"
			     " proxy instead of --tls-cert");
		return HPCNET_EINVAL;
	}
	if (hub->tls_cert)
		flags |= MHD_USE_TLS;
	hub->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, hub,
				    MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
				    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
				    MHD_OPTION_NOTIFY_COMPLETED, on_completed, hub,
				    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
				    MHD_OPTION_CONNECTION_LIMIT, (unsigned)2000,
				    MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
				    MHD_OPTION_ARRAY, hub->tls_cert ? tls : tls + 3,
				    MHD_OPTION_END);
	if (!hub->mhd) {
		hpcnet_error("cannot listen on %s:%d (is the port in use?%s)", host, port,
			     hub->tls_cert ? " do --tls-cert and --tls-key hold a PEM certificate and"
			     " its private key?" : "");
		return HPCNET_EUNAVAIL;
	}
	info = MHD_get_daemon_info(hub->mhd, MHD_DAEMON_INFO_BIND_PORT);
	*bound = info ? info->port : port;
	return 0;
}

void hpcnet_http_stop(struct hpcnet_hub *hub)
{
	if (hub->mhd)
		MHD_stop_daemon(hub->mhd);
	hub->mhd = NULL;
}
