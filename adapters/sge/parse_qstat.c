/* SPDX-License-Identifier: Apache-2.0 */
/*
 * qstat -xml, qstat -f -xml and qstat -j ID -xml, read with libxml2 (a
 * real parser: SGE escapes names and messages, and truncated output must
 * be refused, not half-read). Grid Engine has no JSON; -xml is its only
 * format meant for programs. Pure functions over a buffer; see sge.h.
 *
 * Shapes (SGE 8.1.9, samples in tests/data/sge/):
 *   <job_info><queue_info><job_list state="running">...    plain: running jobs
 *   <job_info><queue_info><Queue-List><name>all.q@h ... <job_list>   with -f
 *   <job_info><job_info><job_list state="pending">...      pending jobs
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "adapters/sge/sge.h"
#include "common/xalloc.h"
#include "hpcnet/error.h"

static int is(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* The text of n into buf (trimmed); "" when empty. */
static void text_of(const xmlNode *n, char *buf, size_t len)
{
	xmlChar *t = xmlNodeGetContent(n);
	const char *s = t ? (const char *)t : "";
	size_t l;

	while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
		s++;
	l = strlen(s);
	while (l > 0 && (s[l - 1] == ' ' || s[l - 1] == '\n' || s[l - 1] == '\t' || s[l - 1] == '\r'))
		l--;
	if (l >= len)
		l = len - 1;
	memcpy(buf, s, l);
	buf[l] = '\0';
	xmlFree(t);
}

static int to_int64(const char *s, int64_t *v)
{
	char *end;
	long long x;

	if (!*s)
		return HPCNET_EPROTO;
	x = strtoll(s, &end, 10);
	if (*end || x < 0)
		return HPCNET_EPROTO;
	*v = x;
	return 0;
}

/* "2026-11-23T19:56:59", the qmaster's local time. 0 when absent or "0". */
static int64_t local_time_ms(const char *s)
{
	struct tm tm;
	const char *end;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end || *end)
		return 0;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	return t == (time_t)-1 ? 0 : (int64_t)t * 1000;
}

static int parse_job(const xmlNode *jl, const char *queue, struct hpcnet_sge_job *j)
{
	char v[256];
	int have_num = 0, have_state = 0;

	memset(j, 0, sizeof(*j));
	snprintf(j->queue, sizeof(j->queue), "%s", queue ? queue : "");
	j->slots = 1;
	for (const xmlNode *c = jl->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		text_of(c, v, sizeof(v));
		if (is(c, "JB_job_number")) {
			if (to_int64(v, &j->number) < 0)
				return HPCNET_EPROTO;
			have_num = 1;
		} else if (is(c, "JB_name")) {
			snprintf(j->name, sizeof(j->name), "%s", v);
		} else if (is(c, "state")) {
			if (!*v || strlen(v) >= sizeof(j->state))
				return HPCNET_EPROTO;
			snprintf(j->state, sizeof(j->state), "%.15s", v);
			have_state = 1;
		} else if (is(c, "queue_name") && *v) {
			snprintf(j->queue, sizeof(j->queue), "%s", v);
		} else if (is(c, "slots")) {
			int64_t s;

			if (to_int64(v, &s) == 0 && s > 0 && s < 1000000)
				j->slots = (int)s;
		} else if (is(c, "JAT_start_time")) {
			j->start_ms = local_time_ms(v);
		} else if (is(c, "JB_submission_time")) {
			j->submit_ms = local_time_ms(v);
		}
	}
	return have_num && have_state ? 0 : HPCNET_EPROTO;
}

static int parse_qinst(const xmlNode *ql, struct hpcnet_sge_qinst *q)
{
	char v[256], *at;
	int have_name = 0;

	memset(q, 0, sizeof(*q));
	for (const xmlNode *c = ql->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		text_of(c, v, sizeof(v));
		if (is(c, "name")) {
			at = strchr(v, '@');
			if (!at || at == v || !at[1])
				return HPCNET_EPROTO;
			*at = '\0';
			snprintf(q->name, sizeof(q->name), "%s", v);
			snprintf(q->host, sizeof(q->host), "%s", at + 1);
			have_name = 1;
		} else if (is(c, "slots_used")) {
			if (to_int64(v, &q->used) < 0)
				return HPCNET_EPROTO;
		} else if (is(c, "slots_resv")) {
			if (to_int64(v, &q->resv) < 0)
				return HPCNET_EPROTO;
		} else if (is(c, "slots_total")) {
			if (to_int64(v, &q->total) < 0)
				return HPCNET_EPROTO;
		} else if (is(c, "state")) {
			snprintf(q->state, sizeof(q->state), "%.15s", v);
		}
	}
	return have_name ? 0 : HPCNET_EPROTO;
}

static int add_job(struct hpcnet_sge_qstat *out, const xmlNode *jl, const char *queue)
{
	struct hpcnet_sge_job j;
	int rc = parse_job(jl, queue, &j);

	if (rc < 0)
		return rc;
	out->jobs = hpcnet_xrealloc(out->jobs, (out->njobs + 1) * sizeof(*out->jobs));
	out->jobs[out->njobs++] = j;
	return 0;
}

/* Walks job_info's children: queue_info, job_info, Queue-List, job_list. */
static int walk(struct hpcnet_sge_qstat *out, const xmlNode *n, int depth)
{
	int rc = 0;

	if (depth > 4)
		return HPCNET_EPROTO;
	for (const xmlNode *c = n->children; c && rc == 0; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (is(c, "job_list")) {
			rc = add_job(out, c, NULL);
		} else if (is(c, "Queue-List")) {
			struct hpcnet_sge_qinst q;
			char qname[256];

			rc = parse_qinst(c, &q);
			if (rc < 0)
				break;
			snprintf(qname, sizeof(qname), "%.120s@%.120s", q.name, q.host);
			out->queues = hpcnet_xrealloc(out->queues,
						      (out->nqueues + 1) * sizeof(*out->queues));
			out->queues[out->nqueues++] = q;
			for (const xmlNode *k = c->children; k && rc == 0; k = k->next)
				if (is(k, "job_list"))
					rc = add_job(out, k, qname);
		} else if (is(c, "queue_info") || is(c, "job_info")) {
			rc = walk(out, c, depth + 1);
		}
	}
	return rc;
}

static xmlDoc *read_doc(const char *buf, size_t len)
{
	if (!buf || len == 0 || len > (size_t)1 << 30)
		return NULL;
	return xmlReadMemory(buf, (int)len, NULL, NULL,
			     XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

int hpcnet_sge_parse_qstat(const char *buf, size_t len, struct hpcnet_sge_qstat *out)
{
	xmlDoc *doc = read_doc(buf, len);
	xmlNode *root;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!doc)
		return HPCNET_EPROTO;
	root = xmlDocGetRootElement(doc);
	rc = root && is(root, "job_info") ? walk(out, root, 0) : HPCNET_EPROTO;
	xmlFreeDoc(doc);
	if (rc < 0)
		hpcnet_sge_qstat_free(out);
	return rc;
}

void hpcnet_sge_qstat_free(struct hpcnet_sge_qstat *q)
{
	free(q->jobs);
	free(q->queues);
	memset(q, 0, sizeof(*q));
}

const struct hpcnet_sge_job *hpcnet_sge_qstat_find(const struct hpcnet_sge_qstat *q, int64_t n)
{
	for (size_t i = 0; i < q->njobs; i++)
		if (q->jobs[i].number == n)
			return &q->jobs[i];
	return NULL;
}

/* First element named name below n (depth-first), or NULL. */
static const xmlNode *find_elem(const xmlNode *n, const char *name, int depth)
{
	if (depth > 32)
		return NULL;
	for (const xmlNode *c = n->children; c; c = c->next) {
		const xmlNode *f;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (is(c, name))
			return c;
		f = find_elem(c, name, depth + 1);
		if (f)
			return f;
	}
	return NULL;
}

int hpcnet_sge_parse_qstat_j_reason(const char *buf, size_t len, char *reason, size_t rlen)
{
	xmlDoc *doc = read_doc(buf, len);
	const xmlNode *root, *m = NULL, *list;
	int rc = HPCNET_ENOTFOUND;

	*reason = '\0';
	if (!doc)
		return HPCNET_EPROTO;
	root = xmlDocGetRootElement(doc);
	if (!root) {
		rc = HPCNET_EPROTO;
	} else if (is(root, "unknown_jobs")) {
		rc = HPCNET_ENOTFOUND;
	} else if (!is(root, "detailed_job_info")) {
		rc = HPCNET_EPROTO;
	} else {
		/* The task's own error message first (why it is in error state),
		 * then what the scheduler says about the job. */
		list = find_elem(root, "JAT_message_list", 0);
		if (list)
			m = find_elem(list, "QIM_message", 0);
		if (!m && (list = find_elem(root, "messages", 0)))
			m = find_elem(list, "MES_message", 0);
		if (m) {
			text_of(m, reason, rlen);
			rc = *reason ? 0 : HPCNET_ENOTFOUND;
		}
	}
	xmlFreeDoc(doc);
	return rc;
}

int hpcnet_sge_state(const char *s, enum hpcnet_adapter_state *st)
{
	int run, susp;

	if (!s || !*s || strspn(s, "dEhrRsStTqwz") != strlen(s))
		return HPCNET_EPROTO;
	run = strpbrk(s, "rt") != NULL;
	susp = strpbrk(s, "sST") != NULL;
	if (strchr(s, 'E'))
		*st = HPCNET_AS_FAILED; /* Eqw: the job could not start; needs qdel or qmod -cj */
	else if (run || (susp && !strpbrk(s, "qw")))
		*st = susp ? HPCNET_AS_SUSPENDED : HPCNET_AS_RUNNING; /* dr: running until gone */
	else if (strchr(s, 'h'))
		*st = HPCNET_AS_HELD;
	else if (strpbrk(s, "qw"))
		*st = HPCNET_AS_PENDING; /* qw, Rq (rescheduled), dqw (being deleted) */
	else
		return HPCNET_EPROTO; /* "z" (zombie) or letters alone that say nothing */
	return 0;
}
