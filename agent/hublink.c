/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Requests from the agent to the hub; see hublink.h for the error mapping.
 * This file knows URLs, status codes and JSON shapes of the agent API and
 * nothing about jobs or the journal, so the loop reads as policy only.
 *
 * The agent must stay single-threaded (the local adapter forks without
 * exec), but this libcurl resolves names on a helper thread, which for the
 * long-poll would run while the loop forks. So the hub's name is resolved
 * here, synchronously, and handed to libcurl as a CURLOPT_RESOLVE entry:
 * libcurl then finds it cached and starts no thread. IP literals need none.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "agent/hublink.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/httpc.h"
#include "common/xalloc.h"
#include "hpcnet/error.h"

struct hpcnet_hublink {
	char *base;                /* "http://host:port", no trailing slash */
	char *center_id;
	char *auth;                /* "Authorization: Bearer ..." for the long-poll */
	struct hpcnet_httpc *sync; /* join, heartbeat, reports, output */
	CURLM *multi;              /* the orders long-poll */
	CURL *poll;
	struct curl_slist *poll_hdrs;
	struct curl_slist *resolve;  /* "host:port:addr,..." for the long-poll */
	char *host;                  /* the hub's host name; NULL for an IP literal */
	long port;
	int64_t resolve_next_ms;     /* when to look the name up again */
	struct hpcnet_buf poll_body;
	int poll_busy;             /* added to the multi handle */
	int poll_done;             /* finished, outcome in poll_rc / poll_body */
	int poll_rc;
	char error[512];
};

/* Finds the host name the long-poll would have to resolve (none for an IP). */
static void parse_host(struct hpcnet_hublink *h)
{
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL;
	unsigned char addr[16];

	if (curl_url_set(u, CURLUPART_URL, h->base, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK &&
	    host[0] != '[' && inet_pton(AF_INET, host, addr) != 1) {
		h->host = hpcnet_xstrdup(host);
		h->port = strtol(port, NULL, 10);
	}
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
}

/*
 * Looks the hub's name up (again, once a minute) for the long-poll; see
 * the top of the file. 0, or HPCNET_EUNAVAIL when the name does not
 * resolve and no earlier answer is at hand.
 */
static int resolve_hub(struct hpcnet_hublink *h)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL, *ai;
	struct hpcnet_buf entry = { 0 };
	char text[INET6_ADDRSTRLEN];
	int rc;

	if (!h->host || hpcnet_mono_ms() < h->resolve_next_ms)
		return 0;
	rc = getaddrinfo(h->host, NULL, &hints, &res);
	if (rc != 0) {
		snprintf(h->error, sizeof(h->error), "cannot resolve %s: %s", h->host,
			 gai_strerror(rc));
		h->resolve_next_ms = hpcnet_mono_ms() + 5000;
		return h->resolve ? 0 : HPCNET_EUNAVAIL; /* an old answer beats none */
	}
	hpcnet_buf_addf(&entry, "%s:%ld:", h->host, h->port);
	for (ai = res; ai; ai = ai->ai_next) {
		const void *a = ai->ai_family == AF_INET6
					? (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr
					: (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr;

		if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
		    !inet_ntop(ai->ai_family, a, text, sizeof(text)))
			continue;
		hpcnet_buf_addf(&entry, ai->ai_family == AF_INET6 ? "%s[%s]" : "%s%s",
				entry.data[entry.len - 1] == ':' ? "" : ",", text);
	}
	freeaddrinfo(res);
	curl_slist_free_all(h->resolve);
	h->resolve = curl_slist_append(NULL, entry.data);
	hpcnet_buf_free(&entry);
	h->resolve_next_ms = hpcnet_mono_ms() + 60000;
	return 0;
}

struct hpcnet_hublink *hpcnet_hublink_new(const char *hub)
{
	struct hpcnet_hublink *h = hpcnet_xcalloc(1, sizeof(*h));
	size_t n = strlen(hub);

	while (n > 0 && hub[n - 1] == '/')
		n--;
	if (n >= 7 && strncmp(hub + n - 7, "/api/v1", 7) == 0)
		n -= 7;
	h->base = hpcnet_xstrndup(hub, n);
	h->sync = hpcnet_httpc_new(h->base, NULL); /* does curl_global_init */
	h->multi = curl_multi_init();
	h->poll = curl_easy_init();
	parse_host(h);
	return h;
}

void hpcnet_hublink_free(struct hpcnet_hublink *h)
{
	if (!h)
		return;
	hpcnet_hublink_orders_abort(h);
	curl_easy_cleanup(h->poll);
	curl_multi_cleanup(h->multi);
	curl_slist_free_all(h->poll_hdrs);
	curl_slist_free_all(h->resolve);
	hpcnet_buf_free(&h->poll_body);
	hpcnet_httpc_free(h->sync);
	free(h->host);
	free(h->base);
	free(h->center_id);
	free(h->auth);
	free(h);
}

void hpcnet_hublink_set_center(struct hpcnet_hublink *h, const char *center_id, const char *token)
{
	free(h->center_id);
	free(h->auth);
	h->center_id = hpcnet_xstrdup(center_id);
	h->auth = hpcnet_xasprintf("Authorization: Bearer %s", token);
	hpcnet_httpc_set_token(h->sync, token);
}

const char *hpcnet_hublink_error(const struct hpcnet_hublink *h)
{
	return h->error;
}

/* Maps an HTTP status to the error space of hublink.h and describes it. */
static int status_rc(struct hpcnet_hublink *h, long status, const char *body)
{
	json_t *j = body ? json_loads(body, 0, NULL) : NULL;
	const char *detail = NULL;
	int rc;

	if (status >= 200 && status < 300) {
		json_decref(j);
		return 0;
	}
	if (json_is_object(j)) {
		detail = json_string_value(json_object_get(j, "detail"));
		if (!detail)
			detail = json_string_value(json_object_get(j, "title"));
	}
	snprintf(h->error, sizeof(h->error), "HTTP %ld%s%s", status, detail ? ": " : "",
		 detail ? detail : "");
	json_decref(j);
	if (status >= 500 || status == 429)
		rc = HPCNET_EUNAVAIL;
	else if (status == 401 || status == 403)
		rc = HPCNET_EAUTH;
	else if (status == 404)
		rc = HPCNET_ENOTFOUND;
	else if (status == 409)
		rc = HPCNET_ECONFLICT;
	else if (status >= 400)
		rc = HPCNET_EINVAL;
	else
		rc = HPCNET_EPROTO; /* 1xx/3xx: we follow no redirects */
	return rc;
}

/*
 * One synchronous JSON call. On 0, *out (may be NULL) gets the parsed
 * answer, or the call fails with HPCNET_EPROTO if the answer is not JSON.
 */
static int call_json(struct hpcnet_hublink *h, const char *method, const char *path, json_t *body,
		     json_t **out)
{
	struct hpcnet_http_resp r;
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	int rc;

	if (out)
		*out = NULL;
	rc = hpcnet_httpc_request(h->sync, method, path, "application/json", text,
				  text ? strlen(text) : 0, NULL, &r);
	free(text);
	if (rc < 0) {
		snprintf(h->error, sizeof(h->error), "%s", r.error);
		goto out;
	}
	rc = status_rc(h, r.status, r.body.data);
	if (rc == 0 && out) {
		*out = json_loadb(r.body.data, r.body.len, 0, NULL);
		if (!json_is_object(*out)) {
			json_decref(*out);
			*out = NULL;
			snprintf(h->error, sizeof(h->error), "HTTP %ld with a body that is not a JSON object",
				 r.status);
			rc = HPCNET_EPROTO;
		}
	}
out:
	hpcnet_http_resp_free(&r);
	return rc;
}

static void copy_str(json_t *o, const char *key, char *dst, size_t len)
{
	snprintf(dst, len, "%s", json_string_value(json_object_get(o, key)) ?: "");
}

int hpcnet_hublink_join(struct hpcnet_hublink *h, const char *join_token, const char *adapter,
			const char *version, const char *name, const char *secret,
			struct hpcnet_hublink_join *out)
{
	char hash[HPCNET_SHA256_HEX_LEN];
	json_t *body, *ans = NULL;
	int rc;

	/* The secret never travels at join: a retried join (answer lost,
	 * agent killed before saving) sends the same hash and the hub
	 * recognizes it instead of refusing a spent token. */
	hpcnet_crypto_sha256_hex(secret, strlen(secret), hash);
	body = json_pack("{s:s, s:s, s:s, s:s}", "join_token", join_token, "adapter", adapter,
			 "version", version, "agent_token_hash", hash);

	memset(out, 0, sizeof(*out));
	/* The hub checks it before spending the token: a token for another
	 * center is refused (409) and stays usable where it belongs. */
	if (name)
		json_object_set_new(body, "name", json_string(name));
	rc = call_json(h, "POST", "/api/v1/centers/join", body, &ans);
	json_decref(body);
	if (rc < 0)
		goto out;
	copy_str(ans, "center_id", out->center_id, sizeof(out->center_id));
	copy_str(ans, "center_name", out->center_name, sizeof(out->center_name));
	snprintf(out->agent_token, sizeof(out->agent_token), "%s", secret);
	if (!*out->center_id) {
		snprintf(h->error, sizeof(h->error), "join answer lacks center_id");
		rc = HPCNET_EPROTO;
	}
out:
	json_decref(ans);
	return rc;
}

int hpcnet_hublink_heartbeat(struct hpcnet_hublink *h, json_t *body, char *status, size_t len,
			     int *ttl_s)
{
	char *path = hpcnet_xasprintf("/api/v1/centers/%s/heartbeat", h->center_id);
	json_t *ans = NULL;
	int rc;

	*ttl_s = 0;
	rc = call_json(h, "POST", path, body, &ans);
	if (rc == 0) {
		copy_str(ans, "status", status, len);
		*ttl_s = (int)json_integer_value(json_object_get(ans, "ttl_seconds"));
	}
	json_decref(ans);
	free(path);
	return rc;
}

int hpcnet_hublink_reports(struct hpcnet_hublink *h, json_t *items, json_t **results)
{
	char *path = hpcnet_xasprintf("/api/v1/centers/%s/reports", h->center_id);
	json_t *body = json_pack("{s:O}", "items", items);
	json_t *ans = NULL;
	int rc;

	*results = NULL;
	rc = call_json(h, "POST", path, body, &ans);
	if (rc == 0) {
		*results = json_incref(json_object_get(ans, "results"));
		if (!json_is_array(*results)) {
			json_decref(*results);
			*results = NULL;
			snprintf(h->error, sizeof(h->error), "reports answer lacks a results array");
			rc = HPCNET_EPROTO;
		}
	}
	json_decref(ans);
	json_decref(body);
	free(path);
	return rc;
}

int hpcnet_hublink_output(struct hpcnet_hublink *h, const char *job_id, const char *stream,
			  int64_t offset, const void *data, size_t len, int64_t *length)
{
	char *path = hpcnet_xasprintf("/api/v1/jobs/%s/%s?offset=%lld", job_id, stream,
				      (long long)offset);
	struct hpcnet_http_resp r;
	json_t *ans = NULL, *v;
	int rc;

	*length = -1;
	/* An empty body still needs a non-NULL pointer to be sent as a POST. */
	rc = hpcnet_httpc_request(h->sync, "POST", path, "application/octet-stream",
				  len ? data : "", len, NULL, &r);
	if (rc < 0) {
		snprintf(h->error, sizeof(h->error), "%s", r.error);
		goto out;
	}
	rc = status_rc(h, r.status, r.body.data);
	if (rc != 0 && rc != HPCNET_ECONFLICT)
		goto out;
	ans = json_loadb(r.body.data, r.body.len, 0, NULL);
	v = json_object_get(ans, "length");
	if (json_is_integer(v))
		*length = json_integer_value(v);
	else if (r.length >= 0)
		*length = r.length; /* X-Hpcnet-Length, should the body lack it */
	if (rc == 0 && *length < 0) {
		snprintf(h->error, sizeof(h->error), "output answer lacks length");
		rc = HPCNET_EPROTO;
	}
out:
	json_decref(ans);
	hpcnet_http_resp_free(&r);
	free(path);
	return rc;
}

static size_t on_poll_body(char *p, size_t size, size_t n, void *ud)
{
	struct hpcnet_buf *b = ud;

	/* An orders answer is bounded by the hub's body limit; refuse a runaway. */
	if (b->len + size * n > 64u << 20)
		return 0;
	hpcnet_buf_add(b, p, size * n);
	return size * n;
}

void hpcnet_hublink_orders_start(struct hpcnet_hublink *h, int wait_s)
{
	char *url;

	if (h->poll_busy || h->poll_done)
		return;
	if (resolve_hub(h) < 0) {
		h->poll_done = 1; /* fails at once, like a refused connection */
		h->poll_rc = HPCNET_EUNAVAIL;
		return;
	}
	url = hpcnet_xasprintf("%s/api/v1/centers/%s/orders?wait=%d", h->base, h->center_id,
			       wait_s);
	hpcnet_buf_free(&h->poll_body);
	curl_slist_free_all(h->poll_hdrs);
	h->poll_hdrs = curl_slist_append(NULL, h->auth);
	curl_easy_reset(h->poll);
	curl_easy_setopt(h->poll, CURLOPT_URL, url);
	curl_easy_setopt(h->poll, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(h->poll, CURLOPT_HTTPHEADER, h->poll_hdrs);
	if (h->resolve)
		curl_easy_setopt(h->poll, CURLOPT_RESOLVE, h->resolve);
	curl_easy_setopt(h->poll, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h->poll, CURLOPT_CONNECTTIMEOUT, 10L);
	/* The hub holds the request up to wait_s; allow for a slow answer. */
	curl_easy_setopt(h->poll, CURLOPT_TIMEOUT, (long)wait_s + 20L);
	curl_easy_setopt(h->poll, CURLOPT_WRITEFUNCTION, on_poll_body);
	curl_easy_setopt(h->poll, CURLOPT_WRITEDATA, &h->poll_body);
	hpcnet_httpc_tls(h->poll);
	curl_multi_add_handle(h->multi, h->poll);
	h->poll_busy = 1;
	free(url);
}

int hpcnet_hublink_orders_busy(const struct hpcnet_hublink *h)
{
	return h->poll_busy || h->poll_done;
}

/* Collects the outcome of a finished long-poll. */
static void poll_finished(struct hpcnet_hublink *h, CURLcode cc)
{
	long status = 0;

	curl_multi_remove_handle(h->multi, h->poll);
	h->poll_busy = 0;
	h->poll_done = 1;
	if (cc != CURLE_OK) {
		hpcnet_httpc_describe((int)cc, h->error, sizeof(h->error));
		h->poll_rc = cc == CURLE_OPERATION_TIMEDOUT ? HPCNET_ETIMEOUT : HPCNET_EUNAVAIL;
		return;
	}
	curl_easy_getinfo(h->poll, CURLINFO_RESPONSE_CODE, &status);
	h->poll_rc = status_rc(h, status, h->poll_body.data);
}

void hpcnet_hublink_wait(struct hpcnet_hublink *h, int timeout_ms)
{
	CURLMsg *msg;
	int running = 0, left;

	/* With no transfer this is a plain interruptible sleep. */
	curl_multi_poll(h->multi, NULL, 0, timeout_ms, NULL);
	if (!h->poll_busy)
		return;
	curl_multi_perform(h->multi, &running);
	while ((msg = curl_multi_info_read(h->multi, &left)))
		if (msg->msg == CURLMSG_DONE && msg->easy_handle == h->poll)
			poll_finished(h, msg->data.result);
}

int hpcnet_hublink_orders_take(struct hpcnet_hublink *h, int *rc, json_t **orders)
{
	*orders = NULL;
	if (!h->poll_done)
		return 0;
	h->poll_done = 0;
	*rc = h->poll_rc;
	if (*rc == 0) {
		*orders = json_loadb(h->poll_body.data ? h->poll_body.data : "", h->poll_body.len, 0,
				     NULL);
		if (!json_is_object(*orders)) {
			json_decref(*orders);
			*orders = NULL;
			snprintf(h->error, sizeof(h->error), "orders answer is not a JSON object");
			*rc = HPCNET_EPROTO;
		}
	}
	return 1;
}

void hpcnet_hublink_orders_abort(struct hpcnet_hublink *h)
{
	if (h->poll_busy)
		curl_multi_remove_handle(h->multi, h->poll);
	h->poll_busy = 0;
	h->poll_done = 0;
}
