/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hpcnet logs`: a job's stdout or stderr, as raw bytes, from the hub's
 * copy. --follow is `tail -f` for a job: it long-polls from the last
 * offset (the hub answers as soon as bytes arrive) and stops once the
 * job is final and nothing more comes, so `hpcnet logs --follow ID` in a
 * script returns when the job is over. Offsets make every request
 * idempotent: a reconnect after a blip neither loses nor repeats bytes.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli/cli.h"
#include "common/clock.h"
#include "common/xalloc.h"

#define FOLLOW_WAIT_S 25             /* long-poll length; under common proxy timeouts */
#define OUTAGE_MS (5 * 60 * 1000)    /* --follow rides out a hub restart this long */

static const char usage[] =
	"Usage: hpcnet logs [--stderr] [--follow] [--json] ID\n"
	"Prints a job's output (raw bytes, as the job wrote them).\n"
	"  --stderr   the job's stderr instead of stdout\n"
	"  --follow   keep printing new output until the job has ended\n"
	"  --json     print {\"job_id\",\"stream\",\"state\",\"length\",\"data\"} (data is\n"
	"             \"data_base64\" when the output is not UTF-8)\n";

static int final_state(const char *s)
{
	return strcmp(s, "succeeded") == 0 || strcmp(s, "failed") == 0 ||
	       strcmp(s, "cancelled") == 0 || strcmp(s, "lost") == 0;
}

/* Asks for the job's state when the hub did not send X-Hpcnet-Job-State. */
static void fetch_state(struct hpcnet_cli *c, const char *eid, char *state, size_t len)
{
	char *path = hpcnet_xasprintf("/api/v1/jobs/%s", eid);
	json_t *job = NULL;

	if (hpcnet_cli_call(c, "GET", path, NULL, NULL, HPCNET_CLI_QUIET, NULL, &job) == 0)
		snprintf(state, len, "%s", hpcnet_cli_str(job, "state"));
	json_decref(job);
	free(path);
}

static json_t *as_json(const char *id, const char *stream, const char *state,
		       const struct hpcnet_buf *all)
{
	json_t *data = json_stringn(all->data, all->len); /* NULL when not UTF-8 */
	json_t *out = json_pack("{s:s, s:s, s:s, s:I}", "job_id", id, "stream", stream, "state", state,
				"length", (json_int_t)all->len);

	if (data) {
		json_object_set_new(out, "data", data);
	} else {
		size_t n = sodium_base64_encoded_len(all->len, sodium_base64_VARIANT_ORIGINAL);
		char *b64 = hpcnet_xmalloc(n);

		sodium_bin2base64(b64, n, (const unsigned char *)all->data, all->len,
				  sodium_base64_VARIANT_ORIGINAL);
		json_object_set_new(out, "data_base64", json_string(b64));
		free(b64);
	}
	return out;
}

int hpcnet_cli_logs(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "stderr", no_argument, NULL, 'e' },
		{ "follow", no_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *stream = "stdout";
	int follow = 0, json = 0, ch, rc = 0, warned = 0;
	struct hpcnet_cli c;
	struct hpcnet_buf all = { 0 };
	char *eid = NULL, state[32] = "";
	long long offset = 0;
	int64_t outage_since = 0;

	memset(&c, 0, sizeof(c));
	optind = 0;
	while ((ch = getopt_long(argc, argv, "fh", opts, NULL)) != -1) {
		switch (ch) {
		case 'e': stream = "stderr"; break;
		case 'f': follow = 1; break;
		case 'j': json = 1; break;
		case 'h': fputs(usage, stdout); return HPCNET_EXIT_OK;
		default: return hpcnet_cli_exit_code(hpcnet_cli_usage_error(usage));
		}
	}
	if (optind + 1 != argc)
		return hpcnet_cli_exit_code(hpcnet_cli_usage_error(usage));
	rc = hpcnet_cli_open(&c, 1);
	if (rc < 0)
		goto out;
	hpcnet_httpc_set_timeout(c.http, FOLLOW_WAIT_S + 30);
	eid = hpcnet_cli_escape(argv[optind]);
	hpcnet_buf_add(&all, "", 0);
	for (;;) {
		char *path = follow ? hpcnet_xasprintf("/api/v1/jobs/%s/%s?offset=%lld&wait=%d", eid,
						       stream, offset, FOLLOW_WAIT_S)
				    : hpcnet_xasprintf("/api/v1/jobs/%s/%s?offset=%lld", eid, stream, offset);
		int64_t t0 = hpcnet_mono_ms();
		struct hpcnet_http_resp r;
		size_t got;

		rc = hpcnet_httpc_request(c.http, "GET", path, NULL, NULL, 0, NULL, &r);
		free(path);
		if (rc < 0 || r.status >= 500) {
			int code = rc < 0 ? rc : HPCNET_EUNAVAIL;

			if (!outage_since)
				outage_since = hpcnet_mono_ms();
			if (!follow || hpcnet_mono_ms() - outage_since > OUTAGE_MS) {
				json_t *problem = json_loadb(r.body.data, r.body.len, 0, NULL);

				hpcnet_cli_explain(&c, r.status, problem, r.error);
				json_decref(problem);
				hpcnet_http_resp_free(&r);
				rc = code;
				goto out;
			}
			if (!warned++)
				hpcnet_cli_errorf("lost contact with the hub (%s); still following",
						  r.status ? "unavailable" : r.error);
			hpcnet_http_resp_free(&r);
			hpcnet_sleep_ms(2000);
			continue;
		}
		outage_since = 0;
		if (r.status != 200) {
			json_t *problem = json_loadb(r.body.data, r.body.len, 0, NULL);

			hpcnet_cli_explain(&c, r.status, problem, r.error);
			json_decref(problem);
			rc = hpcnet_cli_status_code(r.status);
			hpcnet_http_resp_free(&r);
			goto out;
		}
		got = r.body.len;
		if (json) {
			hpcnet_buf_add(&all, r.body.data, got);
		} else if (got) {
			fwrite(r.body.data, 1, got, stdout);
			if (follow)
				fflush(stdout);
		}
		offset += (long long)got;
		if (r.job_state[0])
			snprintf(state, sizeof(state), "%s", r.job_state);
		else if (follow)
			fetch_state(&c, eid, state, sizeof(state));
		/* done: nothing left that we know of, and (following) the job is over */
		if (r.length < 0 || offset >= r.length || got == 0) {
			if (!follow || (final_state(state) && (got == 0 || offset >= r.length))) {
				hpcnet_http_resp_free(&r);
				break;
			}
		}
		hpcnet_http_resp_free(&r);
		/* a hub that ignores ?wait= must not turn --follow into a busy loop */
		if (follow && got == 0 && hpcnet_mono_ms() - t0 < 1000)
			hpcnet_sleep_ms(1000);
	}
	if (json) {
		json_t *out = as_json(argv[optind], stream, state, &all);

		hpcnet_cli_print_json(out);
		json_decref(out);
	}
	rc = 0;
out:
	hpcnet_buf_free(&all);
	free(eid);
	hpcnet_cli_close(&c);
	return hpcnet_cli_exit_code(rc);
}
