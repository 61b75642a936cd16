/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CLI's side of the API: which hub and token to use, one call
 * wrapper that turns every failure into a sentence a person can act on
 * and an exit status a script can test, and the output helpers (JSON,
 * tables, times) every verb shares. Keeping the explanation in one place
 * is what makes "401 → run `hpcnet login`" and "connection refused → is
 * the hub running?" consistent across a dozen verbs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/clock.h"
#include "common/xalloc.h"

/* "host:port" → "http://host:port", without trailing slashes. */
static char *normalize_hub(const char *hub)
{
	size_t n = strlen(hub);

	while (n > 0 && hub[n - 1] == '/')
		n--;
	if (strstr(hub, "://"))
		return hpcnet_xstrndup(hub, n);
	return hpcnet_xasprintf("http://%.*s", (int)n, hub);
}

static int same_hub(const char *a, const char *b)
{
	char *na, *nb;
	int same;

	if (!a || !b)
		return 0;
	na = normalize_hub(a);
	nb = normalize_hub(b);
	same = strcmp(na, nb) == 0;
	free(na);
	free(nb);
	return same;
}

void hpcnet_cli_open_at(struct hpcnet_cli *c, const char *hub, const char *token)
{
	c->hub = normalize_hub(hub && *hub ? hub : HPCNET_CLI_DEFAULT_HUB);
	c->token = token && *token ? hpcnet_xstrdup(token) : NULL;
	c->http = hpcnet_httpc_new(c->hub, c->token);
}

int hpcnet_cli_open(struct hpcnet_cli *c, int need_token)
{
	const char *env_hub = getenv("HPCNET_HUB");
	const char *env_token = getenv("HPCNET_TOKEN");
	const char *hub, *token = NULL;
	int rc;

	memset(c, 0, sizeof(*c));
	rc = hpcnet_cli_config_load(&c->cfg);
	if (rc < 0)
		return rc;
	hub = env_hub && *env_hub ? env_hub : c->cfg.hub ? c->cfg.hub : HPCNET_CLI_DEFAULT_HUB;
	if (env_token && *env_token)
		token = env_token;
	else if (same_hub(hub, c->cfg.hub))
		token = c->cfg.token; /* never send a token to a hub that did not issue it */
	hpcnet_cli_open_at(c, hub, token);
	if (need_token && !c->token) {
		if (c->cfg.token)
			hpcnet_cli_errorf("not signed in to %s (the saved login is for %s): "
					  "run `hpcnet login --hub %s`", c->hub, c->cfg.hub, c->hub);
		else
			hpcnet_cli_errorf("not signed in: run `hpcnet login`");
		return HPCNET_EAUTH;
	}
	return 0;
}

void hpcnet_cli_close(struct hpcnet_cli *c)
{
	hpcnet_httpc_free(c->http);
	hpcnet_cli_config_free(&c->cfg);
	free(c->hub);
	free(c->token);
	memset(c, 0, sizeof(*c));
}

int hpcnet_cli_status_code(long status)
{
	switch (status) {
	case 401: return HPCNET_EAUTH;
	case 403: return HPCNET_EPERM;
	case 404: return HPCNET_ENOTFOUND;
	case 409: return HPCNET_ECONFLICT;
	case 413: return HPCNET_ETOOBIG;
	}
	if (status >= 500 || status == 0)
		return HPCNET_EUNAVAIL;
	return HPCNET_EINVAL;
}

int hpcnet_cli_exit_code(int err)
{
	switch (err) {
	case 0: return HPCNET_EXIT_OK;
	case HPCNET_CLI_EUSAGE: return HPCNET_EXIT_USAGE;
	case HPCNET_EAUTH:
	case HPCNET_EPERM: return HPCNET_EXIT_AUTH;
	case HPCNET_ENOTFOUND: return HPCNET_EXIT_NOTFOUND;
	case HPCNET_EUNAVAIL:
	case HPCNET_ETIMEOUT: return HPCNET_EXIT_UNAVAILABLE;
	}
	return HPCNET_EXIT_FAILED;
}

void hpcnet_cli_explain(const struct hpcnet_cli *c, long status, json_t *problem,
			const char *transport_error)
{
	const char *detail = hpcnet_cli_str(problem, "detail");
	const char *title = hpcnet_cli_str(problem, "title");
	json_t *errors = json_object_get(problem, "errors"), *e;
	size_t i;

	if (status == 0 && transport_error && strstr(transport_error, "TLS")) {
		/* it answered: the question is trust, not whether it runs */
		hpcnet_cli_errorf("cannot talk to the hub at %s: %s", c->hub, transport_error);
		return;
	}
	if (status == 0) {
		hpcnet_cli_errorf("cannot reach the hub at %s: %s. Is it running? (hpcnet up starts one)",
				  c->hub, transport_error && *transport_error ? transport_error : "no answer");
		return;
	}
	if (!*detail)
		detail = title;
	if (status == 401) {
		hpcnet_cli_errorf("not signed in or token expired: run `hpcnet login`");
		return;
	}
	if (status == 403)
		hpcnet_cli_errorf("not allowed: %s", *detail ? detail : "this needs another role (admin?)");
	else if (status >= 500)
		hpcnet_cli_errorf("the hub at %s failed (HTTP %ld)%s%s; try again later", c->hub, status,
				  *detail ? ": " : "", detail);
	else if (*detail)
		hpcnet_cli_errorf("%s", detail);
	else
		hpcnet_cli_errorf("the hub answered HTTP %ld", status);
	json_array_foreach(errors, i, e) {
		const char *field = hpcnet_cli_str(e, "field");
		const char *msg = hpcnet_cli_str(e, "message");

		/* the detail often repeats the only error; say it once */
		if (json_array_size(errors) == 1 && *msg && strstr(detail, msg))
			continue;
		fprintf(stderr, "  %s%s%s\n", field, *field ? ": " : "", msg);
	}
}

int hpcnet_cli_call(struct hpcnet_cli *c, const char *method, const char *path, json_t *body,
		    const char *header, unsigned flags, long *status, json_t **out)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	struct hpcnet_http_resp r;
	json_t *parsed = NULL;
	int rc;

	rc = hpcnet_httpc_request(c->http, method, path, "application/json", text,
				  text ? strlen(text) : 0, header, &r);
	snprintf(c->error, sizeof(c->error), "%s", rc < 0 ? r.error : "");
	if (rc == 0 && r.body.len > 0)
		parsed = json_loadb(r.body.data, r.body.len, 0, NULL);
	if (rc == 0 && (r.status < 200 || r.status > 299))
		rc = hpcnet_cli_status_code(r.status);
	if (rc < 0 && !(flags & HPCNET_CLI_QUIET))
		hpcnet_cli_explain(c, r.status, parsed, r.error);
	if (status)
		*status = r.status;
	if (out)
		*out = parsed;
	else
		json_decref(parsed);
	hpcnet_http_resp_free(&r);
	free(text);
	return rc;
}

char *hpcnet_cli_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	struct hpcnet_buf b = { 0 };

	hpcnet_buf_add(&b, "", 0);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    ch == '-' || ch == '.' || ch == '_' || ch == '~') {
			hpcnet_buf_add(&b, s, 1);
		} else {
			char esc[3] = { '%', hex[ch >> 4], hex[ch & 15] };

			hpcnet_buf_add(&b, esc, 3);
		}
	}
	return b.data;
}

void hpcnet_cli_print_json(json_t *v)
{
	json_dumpf(v, stdout, JSON_INDENT(2));
	fputc('\n', stdout);
}

void hpcnet_cli_errorf(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout); /* keep the two streams in order on a terminal */
	fputs("hpcnet: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int hpcnet_cli_usage_error(const char *usage)
{
	fputs(usage, stderr);
	return HPCNET_CLI_EUSAGE;
}

const char *hpcnet_cli_str(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : "";
}

int64_t hpcnet_cli_int(json_t *obj, const char *key, int64_t dflt)
{
	json_t *v = json_object_get(obj, key);

	if (json_is_integer(v))
		return (int64_t)json_integer_value(v);
	if (json_is_real(v))
		return (int64_t)json_real_value(v);
	return dflt;
}

void hpcnet_cli_format_time(const char *rfc3339, char *buf, size_t len)
{
	struct tm tm, now_tm;
	time_t t, now = time(NULL);
	int64_t ms;

	if (!rfc3339 || !*rfc3339 || hpcnet_time_parse(rfc3339, &ms) < 0) {
		snprintf(buf, len, "-");
		return;
	}
	t = (time_t)(ms / 1000);
	localtime_r(&t, &tm);
	localtime_r(&now, &now_tm);
	if (tm.tm_year == now_tm.tm_year && tm.tm_yday == now_tm.tm_yday)
		strftime(buf, len, "%H:%M:%S", &tm);
	else
		strftime(buf, len, "%Y-%m-%d %H:%M", &tm);
}

void hpcnet_cli_format_ago(const char *rfc3339, char *buf, size_t len)
{
	int64_t ms, ago;

	if (!rfc3339 || !*rfc3339 || hpcnet_time_parse(rfc3339, &ms) < 0) {
		snprintf(buf, len, "never");
		return;
	}
	ago = (hpcnet_now_ms() - ms) / 1000;
	if (ago < 0)
		ago = 0;
	if (ago < 120)
		snprintf(buf, len, "%llds ago", (long long)ago);
	else if (ago < 7200)
		snprintf(buf, len, "%lldm ago", (long long)(ago / 60));
	else if (ago < 2 * 86400)
		snprintf(buf, len, "%lldh ago", (long long)(ago / 3600));
	else
		snprintf(buf, len, "%lldd ago", (long long)(ago / 86400));
}

/* ---- tables ---- */

struct hpcnet_table {
	int ncols;
	size_t nrows, cap; /* rows[0] is the header */
	char ***rows;
};

/* Display width: code points, so a name with accents still lines up. */
static size_t text_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			w++;
	return w;
}

struct hpcnet_table *hpcnet_table_new(int ncols, const char *const *headers)
{
	struct hpcnet_table *t = hpcnet_xcalloc(1, sizeof(*t));

	t->ncols = ncols;
	hpcnet_table_add(t, headers);
	return t;
}

void hpcnet_table_add(struct hpcnet_table *t, const char *const *cells)
{
	char **row = hpcnet_xcalloc((size_t)t->ncols, sizeof(*row));

	for (int i = 0; i < t->ncols; i++) {
		/* a newline or tab in a job name would break the columns */
		row[i] = hpcnet_xstrdup(cells[i] ? cells[i] : "");
		for (char *p = row[i]; *p; p++)
			if (*p == '\n' || *p == '\t' || *p == '\r')
				*p = ' ';
	}
	if (t->nrows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->rows = hpcnet_xrealloc(t->rows, t->cap * sizeof(*t->rows));
	}
	t->rows[t->nrows++] = row;
}

void hpcnet_table_print(struct hpcnet_table *t, FILE *f)
{
	size_t *width = hpcnet_xcalloc((size_t)t->ncols, sizeof(*width));

	for (size_t r = 0; r < t->nrows; r++)
		for (int i = 0; i < t->ncols; i++) {
			size_t w = text_width(t->rows[r][i]);

			if (w > width[i])
				width[i] = w;
		}
	for (size_t r = 0; r < t->nrows; r++) {
		for (int i = 0; i < t->ncols; i++) {
			fputs(t->rows[r][i], f);
			if (i + 1 == t->ncols)
				break;
			for (size_t pad = text_width(t->rows[r][i]); pad < width[i] + 2; pad++)
				fputc(' ', f);
		}
		fputc('\n', f);
	}
	free(width);
}

void hpcnet_table_free(struct hpcnet_table *t)
{
	if (!t)
		return;
	for (size_t r = 0; r < t->nrows; r++) {
		for (int i = 0; i < t->ncols; i++)
			free(t->rows[r][i]);
		free(t->rows[r]);
	}
	free(t->rows);
	free(t);
}

/* ---- prompts ---- */

static char *read_line(FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, f);

	if (n < 0) {
		free(line);
		return NULL;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	return line;
}

static char *prompt_tty(const char *prompt, int echo)
{
	struct termios old, quiet;
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	int restore = 0;
	char *line = NULL;
	FILE *f;

	if (fd < 0)
		return NULL;
	f = fdopen(fd, "r+");
	if (!f) {
		close(fd);
		return NULL;
	}
	/* echo off before the prompt: an answer typed right after it must
	 * neither show nor be discarded by the flush */
	if (!echo && tcgetattr(fd, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		quiet.c_lflag |= ECHONL;
		restore = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
	}
	fputs(prompt, f);
	fflush(f);
	line = read_line(f);
	if (restore)
		tcsetattr(fd, TCSAFLUSH, &old);
	fclose(f);
	return line;
}

char *hpcnet_cli_read_secret(const char *prompt, int from_stdin)
{
	char *line;

	if (from_stdin) {
		line = read_line(stdin);
		if (!line)
			hpcnet_cli_errorf("expected the password on stdin, got nothing");
		return line;
	}
	line = prompt_tty(prompt, 0);
	if (!line)
		hpcnet_cli_errorf("no terminal to ask for the password on; use --password-stdin");
	return line;
}

char *hpcnet_cli_prompt(const char *prompt)
{
	return prompt_tty(prompt, 1);
}
