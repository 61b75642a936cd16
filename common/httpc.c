/* SPDX-License-Identifier: Apache-2.0 */
/* libcurl-based client for the hub API; see httpc.h. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "common/httpc.h"
#include "hpcnet/error.h"

struct hpcnet_httpc {
	CURL *curl;
	char *base;
	char *auth;  /* "Authorization: Bearer ..." or NULL */
	long timeout;
};

struct hpcnet_httpc *hpcnet_httpc_new(const char *base, const char *token)
{
	struct hpcnet_httpc *c = hpcnet_xcalloc(1, sizeof(*c));
	size_t n = strlen(base);

	/* curl_global_init is idempotent after the first call and both users
	 * (agent, CLI) create their client before starting any thread. */
	curl_global_init(CURL_GLOBAL_DEFAULT);
	c->curl = curl_easy_init();
	while (n > 0 && base[n - 1] == '/')
		n--;
	c->base = hpcnet_xstrndup(base, n);
	c->timeout = 30;
	hpcnet_httpc_set_token(c, token);
	return c;
}

void hpcnet_httpc_free(struct hpcnet_httpc *c)
{
	if (!c)
		return;
	curl_easy_cleanup(c->curl);
	free(c->base);
	free(c->auth);
	free(c);
}

void hpcnet_httpc_set_token(struct hpcnet_httpc *c, const char *token)
{
	free(c->auth);
	c->auth = token && *token ? hpcnet_xasprintf("Authorization: Bearer %s", token) : NULL;
}

void hpcnet_httpc_set_timeout(struct hpcnet_httpc *c, long seconds)
{
	c->timeout = seconds;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	hpcnet_buf_add(ud, p, size * n);
	return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	struct hpcnet_http_resp *r = ud;
	size_t len = size * n;

	if (len > 20 && strncasecmp(p, "X-Hpcnet-Job-State:", 19) == 0) {
		sscanf(p + 19, " %31[a-z_]", r->job_state);
	} else if (len > 16 && strncasecmp(p, "X-Hpcnet-Length:", 16) == 0) {
		r->length = strtoll(p + 16, NULL, 10);
	}
	return len;
}

int hpcnet_httpc_request(struct hpcnet_httpc *c, const char *method, const char *path,
			 const char *ctype, const void *body, size_t len, const char *header,
			 struct hpcnet_http_resp *resp)
{
	struct curl_slist *hdrs = NULL;
	char *url = hpcnet_xasprintf("%s%s", c->base, path);
	char *ct = NULL;
	CURLcode cc;
	int rc = 0;

	memset(resp, 0, sizeof(*resp));
	resp->length = -1;
	curl_easy_reset(c->curl);
	curl_easy_setopt(c->curl, CURLOPT_URL, url);
	curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, c->timeout);
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &resp->body);
	curl_easy_setopt(c->curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c->curl, CURLOPT_HEADERDATA, resp);
	hpcnet_httpc_tls(c->curl);
	if (c->auth)
		hdrs = curl_slist_append(hdrs, c->auth);
	if (header)
		hdrs = curl_slist_append(hdrs, header);
	hdrs = curl_slist_append(hdrs, "Expect:"); /* no 100-continue round trip */
	if (body || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0) {
		ct = hpcnet_xasprintf("Content-Type: %s", ctype ? ctype : "application/json");
		hdrs = curl_slist_append(hdrs, ct);
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body ? (const char *)body : "");
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? len : 0));
	}
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, hdrs);
	cc = curl_easy_perform(c->curl);
	if (cc == CURLE_OK) {
		curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &resp->status);
	} else {
		hpcnet_httpc_describe((int)cc, resp->error, sizeof(resp->error));
		rc = cc == CURLE_OPERATION_TIMEDOUT ? HPCNET_ETIMEOUT : HPCNET_EUNAVAIL;
	}
	if (!resp->body.data)
		hpcnet_buf_add(&resp->body, "", 0);
	curl_slist_free_all(hdrs);
	free(ct);
	free(url);
	return rc;
}

void hpcnet_httpc_tls(void *curl)
{
	const char *ca = getenv("HPCNET_CA_FILE");

	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(curl, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (ca && *ca)
		curl_easy_setopt(curl, CURLOPT_CAINFO, ca);
}

void hpcnet_httpc_describe(int curl_code, char *out, size_t len)
{
	const char *ca = getenv("HPCNET_CA_FILE");
	CURLcode cc = (CURLcode)curl_code;

	if (cc == CURLE_PEER_FAILED_VERIFICATION)
		snprintf(out, len, "%s: the hub's TLS certificate is not trusted%s",
			 curl_easy_strerror(cc), ca && *ca ? " by HPCNET_CA_FILE (is it the CA that signed"
			 " the hub's certificate, and does the certificate name this host?)"
			 : " (set HPCNET_CA_FILE to the PEM file of the CA that signed it)");
	else if (cc == CURLE_SSL_CACERT_BADFILE)
		snprintf(out, len, "%s: cannot read HPCNET_CA_FILE '%s' as PEM certificates",
			 curl_easy_strerror(cc), ca ? ca : "");
	else if (cc == CURLE_SSL_CONNECT_ERROR)
		snprintf(out, len, "%s: the TLS handshake failed (does the hub serve HTTPS on this"
			 " port? use http:// for a hub without --tls-cert)", curl_easy_strerror(cc));
	else
		snprintf(out, len, "%s", curl_easy_strerror(cc));
}

int hpcnet_httpc_json(struct hpcnet_httpc *c, const char *method, const char *path,
		      json_t *body, const char *header, long *status, json_t **out)
{
	struct hpcnet_http_resp r;
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	int rc;

	rc = hpcnet_httpc_request(c, method, path, "application/json", text,
				  text ? strlen(text) : 0, header, &r);
	free(text);
	*status = r.status;
	if (out)
		*out = rc == 0 ? json_loadb(r.body.data, r.body.len, 0, NULL) : NULL;
	hpcnet_http_resp_free(&r);
	return rc;
}

void hpcnet_http_resp_free(struct hpcnet_http_resp *r)
{
	hpcnet_buf_free(&r->body);
}
