/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Allocation wrappers that abort on out-of-memory. A daemon that cannot get
 * a few hundred bytes has no useful way to go on, and checking every small
 * allocation buries the real error paths (the same call Redis and git make).
 */
#ifndef HPCNET_XALLOC_H
#define HPCNET_XALLOC_H

#include <stddef.h>

void *hpcnet_xmalloc(size_t n);
void *hpcnet_xcalloc(size_t n, size_t size);
void *hpcnet_xrealloc(void *p, size_t n);
char *hpcnet_xstrdup(const char *s);
/* At most n bytes of s, stopping at its NUL; always NUL-terminated. */
char *hpcnet_xstrndup(const char *s, size_t n);
/* printf into a new string; caller frees. */
char *hpcnet_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * A growable byte buffer. len excludes the NUL that is always kept after
 * the data so text can be used as a C string. Owner frees with
 * hpcnet_buf_free().
 */
struct hpcnet_buf {
	char *data;
	size_t len;
	size_t cap;
};

void hpcnet_buf_add(struct hpcnet_buf *b, const void *p, size_t n);
void hpcnet_buf_addf(struct hpcnet_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void hpcnet_buf_free(struct hpcnet_buf *b);

#endif
