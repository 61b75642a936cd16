/* SPDX-License-Identifier: Apache-2.0 */
/*
 * qhost -xml: the execution hosts with their CPUs and memory, and whether
 * their execd reports (a host whose load is "-" is not heard from: down).
 * SGE prints memory in its own human units ("23.5G"), parsed here too,
 * together with the time values qacct prints. Pure functions; see sge.h.
 *
 *   <qhost><host name='vm'><hostvalue name='num_proc'>2</hostvalue> ...
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "adapters/sge/sge.h"
#include "common/xalloc.h"
#include "hpcnet/error.h"

int hpcnet_sge_parse_mem(const char *s, int64_t *bytes)
{
	char *end;
	double v, mul = 1;

	if (!s || !*s)
		return HPCNET_EINVAL;
	v = strtod(s, &end);
	if (end == s || !isfinite(v) || v < 0)
		return HPCNET_EINVAL;
	switch (*end) {
	case 'K': case 'k': mul = 1024.0; end++; break;
	case 'M': case 'm': mul = 1024.0 * 1024; end++; break;
	case 'G': case 'g': mul = 1024.0 * 1024 * 1024; end++; break;
	case 'T': case 't': mul = 1024.0 * 1024 * 1024 * 1024; end++; break;
	default: break;
	}
	if (*end == 'B')
		end++;
	if (*end || v * mul > 9.0e18)
		return HPCNET_EINVAL;
	*bytes = (int64_t)(v * mul + 0.5); /* no libm: the adapters library does not link it */
	return 0;
}

int hpcnet_sge_parse_seconds(const char *s, double *secs)
{
	static const double unit[4][4] = { { 1 }, { 60, 1 }, { 3600, 60, 1 }, { 86400, 3600, 60, 1 } };
	double v[4];
	char *end;
	int n = 0;

	if (!s || !*s)
		return HPCNET_EINVAL;
	/* [[[days:]hours:]minutes:]seconds, with an optional "s". */
	for (;;) {
		if (n == 4)
			return HPCNET_EINVAL;
		v[n] = strtod(s, &end);
		if (end == s || !isfinite(v[n]) || v[n] < 0)
			return HPCNET_EINVAL;
		n++;
		if (*end != ':')
			break;
		s = end + 1;
	}
	if (*end == 's')
		end++;
	if (*end)
		return HPCNET_EINVAL;
	*secs = 0;
	for (int i = 0; i < n; i++)
		*secs += v[i] * unit[n - 1][i];
	return 0;
}

static int is(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static void prop(const xmlNode *n, const char *name, char *buf, size_t len)
{
	xmlChar *p = xmlGetProp(n, (const xmlChar *)name);

	snprintf(buf, len, "%s", p ? (const char *)p : "");
	xmlFree(p);
}

static void content(const xmlNode *n, char *buf, size_t len)
{
	xmlChar *t = xmlNodeGetContent(n);
	const char *s = t ? (const char *)t : "";
	size_t l;

	s += strspn(s, " \t\r\n");
	l = strlen(s);
	while (l > 0 && strchr(" \t\r\n", s[l - 1]))
		l--;
	if (l >= len)
		l = len - 1;
	memcpy(buf, s, l);
	buf[l] = '\0';
	xmlFree(t);
}

static int parse_host(const xmlNode *h, struct hpcnet_sge_host *out)
{
	char name[64], v[256];

	memset(out, 0, sizeof(*out));
	prop(h, "name", out->name, sizeof(out->name));
	if (!*out->name)
		return HPCNET_EPROTO;
	for (const xmlNode *c = h->children; c; c = c->next) {
		if (!is(c, "hostvalue"))
			continue;
		prop(c, "name", name, sizeof(name));
		content(c, v, sizeof(v));
		if (strcmp(v, "-") == 0)
			continue; /* not reported */
		if (strcmp(name, "num_proc") == 0) {
			if (hpcnet_sge_parse_mem(v, &out->ncpu) < 0)
				return HPCNET_EPROTO;
		} else if (strcmp(name, "mem_total") == 0) {
			if (hpcnet_sge_parse_mem(v, &out->mem_total) < 0)
				return HPCNET_EPROTO;
		} else if (strcmp(name, "mem_used") == 0) {
			if (hpcnet_sge_parse_mem(v, &out->mem_used) < 0)
				return HPCNET_EPROTO;
		} else if (strcmp(name, "load_avg") == 0) {
			out->up = 1;
		}
	}
	return 0;
}

int hpcnet_sge_parse_qhost(const char *buf, size_t len, struct hpcnet_sge_qhost *out)
{
	xmlDoc *doc = NULL;
	xmlNode *root;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (buf && len > 0 && len < (size_t)1 << 30)
		doc = xmlReadMemory(buf, (int)len, NULL, NULL,
				    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		return HPCNET_EPROTO;
	root = xmlDocGetRootElement(doc);
	if (!root || !is(root, "qhost")) {
		rc = HPCNET_EPROTO;
		goto out;
	}
	for (const xmlNode *c = root->children; c && rc == 0; c = c->next) {
		struct hpcnet_sge_host h;

		if (!is(c, "host"))
			continue;
		rc = parse_host(c, &h);
		if (rc < 0 || strcmp(h.name, "global") == 0)
			continue; /* the cluster-wide pseudo host */
		out->hosts = hpcnet_xrealloc(out->hosts, (out->nhosts + 1) * sizeof(*out->hosts));
		out->hosts[out->nhosts++] = h;
	}
out:
	xmlFreeDoc(doc);
	if (rc < 0)
		hpcnet_sge_qhost_free(out);
	return rc;
}

void hpcnet_sge_qhost_free(struct hpcnet_sge_qhost *q)
{
	free(q->hosts);
	memset(q, 0, sizeof(*q));
}
