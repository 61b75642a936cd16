/* SPDX-License-Identifier: Apache-2.0 */
/* Allocation wrappers and the growable buffer; see xalloc.h for why. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static void oom(size_t n)
{
	fprintf(stderr, "hpcnet: out of memory allocating %zu bytes\n", n);
	abort();
}

void *hpcnet_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom(n);
	return p;
}

void *hpcnet_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		oom(n * size);
	return p;
}

void *hpcnet_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

char *hpcnet_xstrdup(const char *s)
{
	return hpcnet_xstrndup(s, strlen(s));
}

char *hpcnet_xstrndup(const char *s, size_t n)
{
	char *p;

	n = strnlen(s, n); /* like strndup: stops at the string's end */
	p = hpcnet_xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *hpcnet_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		oom(0);
	va_end(ap);
	return s;
}

static void buf_reserve(struct hpcnet_buf *b, size_t extra)
{
	size_t want = b->len + extra + 1;

	if (want <= b->cap)
		return;
	b->cap = b->cap ? b->cap : 256;
	while (b->cap < want)
		b->cap *= 2;
	b->data = hpcnet_xrealloc(b->data, b->cap);
}

void hpcnet_buf_add(struct hpcnet_buf *b, const void *p, size_t n)
{
	buf_reserve(b, n);
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void hpcnet_buf_addf(struct hpcnet_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	buf_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void hpcnet_buf_free(struct hpcnet_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
