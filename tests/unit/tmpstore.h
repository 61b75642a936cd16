/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A hub store on a fresh SQLite file in its own temp dir, for unit tests
 * that need the real schema: opened with every migration applied, one
 * connection held, and removed whole afterwards. Include after cmocka.h.
 */
#ifndef HPCNET_TESTS_TMPSTORE_H
#define HPCNET_TESTS_TMPSTORE_H

#include <stdio.h>
#include <stdlib.h>

#include "common/fsutil.h"
#include "common/xalloc.h"
#include "hub/store/store.h"

/* dir (at least 64 bytes) gets /tmp/hpcnet-test-<name>-XXXXXX. */
static inline void tmpstore_open(char *dir, size_t dirsz, const char *name,
				 struct hpcnet_store **store, struct hpcnet_db **db)
{
	char *url;

	snprintf(dir, dirsz, "/tmp/hpcnet-test-%s-XXXXXX", name);
	assert_non_null(mkdtemp(dir));
	url = hpcnet_xasprintf("sqlite:%s/hub.db", dir);
	assert_int_equal(hpcnet_store_open(url, store), 0);
	free(url);
	*db = hpcnet_store_acquire(*store);
}

static inline void tmpstore_close(const char *dir, struct hpcnet_store *store, struct hpcnet_db *db)
{
	hpcnet_store_release(store, db);
	hpcnet_store_close(store);
	hpcnet_fs_remove_tree(dir);
}

#endif
