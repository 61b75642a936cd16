/* SPDX-License-Identifier: Apache-2.0 */
/* Durable file helpers; see fsutil.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "xalloc.h"

int hpcnet_fs_mkdirs(const char *path, mode_t mode)
{
	char *p = hpcnet_xstrdup(path), *s;
	int rc = 0;

	for (s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;

		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST) {
			rc = -errno;
			goto out;
		}
		*s = c;
		if (c == '\0')
			break;
	}
out:
	free(p);
	return rc;
}

static int fsync_dir_of(const char *path)
{
	char *copy = hpcnet_xstrdup(path);
	int fd, rc = 0;

	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0)
		rc = -errno;
	if (fd >= 0)
		close(fd);
	free(copy);
	return rc;
}

int hpcnet_fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	char *tmp = hpcnet_xasprintf("%s.tmp.%d", path, (int)getpid());
	const char *p = data;
	int fd, rc = 0;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			goto out;
		}
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		rc = -errno;
		fd = -1;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		rc = -errno;
		goto out;
	}
	rc = fsync_dir_of(path);
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

int hpcnet_fs_read(const char *path, size_t max, char **out, size_t *len)
{
	struct hpcnet_buf b = { 0 };
	char chunk[65536];
	int fd, rc = 0;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			goto out;
		}
		if (n == 0)
			break;
		if (b.len + (size_t)n > max) {
			rc = -EFBIG;
			goto out;
		}
		hpcnet_buf_add(&b, chunk, (size_t)n);
	}
	if (!b.data)
		hpcnet_buf_add(&b, "", 0);
	*out = b.data;
	if (len)
		*len = b.len;
	b.data = NULL;
out:
	close(fd);
	hpcnet_buf_free(&b);
	return rc;
}

int hpcnet_fs_remove_tree(const char *path)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int rc = 0;

	if (!*path || strcmp(path, "/") == 0)
		return -EINVAL;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlink(path) < 0 ? -errno : 0;
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char *child = hpcnet_xasprintf("%s/%s", path, de->d_name);
		int r = hpcnet_fs_remove_tree(child);

		if (r < 0 && rc == 0)
			rc = r;
		free(child);
	}
	closedir(d);
	if (rmdir(path) < 0 && rc == 0)
		rc = -errno;
	return rc;
}
