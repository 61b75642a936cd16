/* SPDX-License-Identifier: Apache-2.0 */
/*
 * File helpers with the durability the crash-safety promise needs: a file
 * written with hpcnet_fs_write_atomic() is either the old or the new
 * content after a crash, never a torn mix (write temp, fsync, rename,
 * fsync the directory).
 */
#ifndef HPCNET_FSUTIL_H
#define HPCNET_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

/* mkdir -p with mode; 0 or -errno. */
int hpcnet_fs_mkdirs(const char *path, mode_t mode);
/* Atomically replaces path with data (mode for a new file); 0 or -errno. */
int hpcnet_fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode);
/* Reads a whole file (at most max bytes) into a new NUL-terminated buffer;
 * 0 or -errno (-EFBIG when larger than max). Caller frees *out. */
int hpcnet_fs_read(const char *path, size_t max, char **out, size_t *len);
/* rm -rf; 0 or -errno. Refuses "" and "/". */
int hpcnet_fs_remove_tree(const char *path);

#endif
