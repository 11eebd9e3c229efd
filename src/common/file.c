/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "node/crypto.h"

zt_err zt_file_read(const char *path, size_t max, char **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	zt_err e = ZT_OK;
	char *buf = NULL;
	size_t n = 0, cap;
	*out = NULL;
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0) {
		e = -errno;
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		e = -EISDIR;
		goto out;
	}
	/* Start from the size the file claims (bounded); grow if it was still being written. */
	cap = (st.st_size > 0 && (uint64_t)st.st_size < max ? (size_t)st.st_size : (max < 4096 ? max : 4096)) + 1;
	buf = malloc(cap);
	if (!buf) {
		e = -ENOMEM;
		goto out;
	}
	for (;;) {
		if (n + 1 == cap) {
			if (n > max) {
				e = ZT_ETOOBIG;
				goto out;
			}
			size_t ncap = cap * 2 > max + 2 ? max + 2 : cap * 2;
			char *nb = malloc(ncap);
			if (!nb) {
				e = -ENOMEM;
				goto out;
			}
			/* Copy rather than realloc so a secret never lingers in freed memory. */
			memcpy(nb, buf, n);
			zt_wipe(buf, cap);
			free(buf);
			buf = nb;
			cap = ncap;
		}
		ssize_t r = read(fd, buf + n, cap - 1 - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			e = -errno;
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			e = ZT_ETOOBIG;
			goto out;
		}
	}
	buf[n] = '\0';
	*out = buf;
	if (len)
		*len = n;
	buf = NULL;
out:
	if (buf) {
		zt_wipe(buf, cap);
		free(buf);
	}
	close(fd);
	return e;
}

void zt_file_free(char *p, size_t len)
{
	if (!p)
		return;
	zt_wipe(p, len);
	free(p);
}

static zt_err write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		len -= (size_t)w;
	}
	return ZT_OK;
}

zt_err zt_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path) >= (int)sizeof tmp)
		return -ENAMETOOLONG;
	/* An unpredictable name created O_EXCL: nobody can plant a symlink where a secret goes. */
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	zt_err e = ZT_OK;
	if (fchmod(fd, mode) != 0)
		e = -errno;
	if (!e)
		e = write_all(fd, data, len);
	if (!e && fsync(fd) != 0)
		e = -errno;
	if (close(fd) != 0 && !e)
		e = -errno;
	if (!e && rename(tmp, path) != 0)
		e = -errno;
	if (e)
		unlink(tmp);
	return e;
}

zt_err zt_file_write_new(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	zt_err e = write_all(fd, data, len);
	if (!e && fsync(fd) != 0)
		e = -errno;
	if (close(fd) != 0 && !e)
		e = -errno;
	if (e)
		unlink(path);
	return e;
}

zt_err zt_mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);
	if (n == 0 || n >= sizeof buf)
		return -ENAMETOOLONG;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) != 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) != 0 && errno != EEXIST)
		return -errno;
	return ZT_OK;
}

bool zt_file_exists(const char *path)
{
	return access(path, F_OK) == 0;
}
