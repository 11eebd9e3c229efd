/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "node/crypto.h"
#include "node/hex.h"
#include "util.h"

#define READ_CHUNK 4096
#define JSON_SAFE_INTEGER_MAX ((1ULL << 53) - 1)

bool tool_file_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* Moves the buffer to a bigger one, wiping the old copy: the content may be a secret key. */
static char *grow_wiped(char *old, size_t used, size_t oldcap, size_t newcap)
{
	char *p = malloc(newcap);

	if (p && used)
		memcpy(p, old, used);
	if (old) {
		zt_wipe(old, oldcap);
		free(old);
	}
	return p;
}

zt_err tool_read_file(const char *path, size_t max, char **out, size_t *len)
{
	struct stat st;
	char *p = NULL;
	size_t cap = 0, used = 0;
	zt_err err = ZT_OK;
	int fd;

	*out = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		err = -errno;
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		err = -EISDIR;
		goto out;
	}
	/* A regular file's size is a hint only (it may change while we read); pipes report 0. */
	if (S_ISREG(st.st_mode) && (uintmax_t)st.st_size > max) {
		err = ZT_ETOOBIG;
		goto out;
	}
	for (;;) {
		if (used == cap) {
			size_t want = cap ? cap * 2 : READ_CHUNK;

			if (S_ISREG(st.st_mode) && !cap && (size_t)st.st_size + 1 > want)
				want = (size_t)st.st_size + 1;
			if (want > max + 1)
				want = max + 1; /* one byte beyond max tells "too big" from "exactly max" */
			if (want <= cap) {
				err = ZT_ETOOBIG;
				goto out;
			}
			p = grow_wiped(p, used, cap, want);
			if (!p) {
				err = -ENOMEM;
				goto out;
			}
			cap = want;
		}
		ssize_t r = read(fd, p + used, cap - used);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto out;
		}
		if (r == 0)
			break;
		used += (size_t)r;
		if (used > max) {
			err = ZT_ETOOBIG;
			goto out;
		}
	}
	if (used == cap) {
		p = grow_wiped(p, used, cap, used + 1);
		if (!p) {
			err = -ENOMEM;
			goto out;
		}
		cap = used + 1;
	}
	p[used] = '\0';
	*out = p;
	*len = used;
	p = NULL;
out:
	if (p) {
		zt_wipe(p, cap);
		free(p);
	}
	close(fd);
	return err;
}

void tool_free_wiped(char *p, size_t len)
{
	if (!p)
		return;
	zt_wipe(p, len + 1);
	free(p);
}

char *tool_trim(char *s, size_t *len)
{
	size_t n = *len;

	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	s[n] = '\0';
	*len = n;
	return s;
}

const char *tool_read_strerror(zt_err err, size_t max, char *buf, size_t cap)
{
	if (err == ZT_ETOOBIG) {
		snprintf(buf, cap, "file is larger than %zu bytes", max);
		return buf;
	}
	return zt_strerror(err);
}

bool tool_parse_u64(uint64_t *out, const char *s)
{
	unsigned base = 10;
	uint64_t v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return false;
	for (; *s; s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			return false;
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

static zt_err write_all(int fd, const void *data, size_t len)
{
	const uint8_t *p = data;

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

zt_err tool_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	size_t plen = strlen(path);
	char *tmp = malloc(plen + sizeof ".tmp.XXXXXX");
	zt_err err = ZT_OK;
	int fd = -1;

	if (!tmp)
		return -ENOMEM;
	memcpy(tmp, path, plen);
	memcpy(tmp + plen, ".tmp.XXXXXX", sizeof ".tmp.XXXXXX");
	/* mkstemp creates the file 0600, so nobody reads it before fchmod gives it its final mode. */
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	err = write_all(fd, data, len);
	if (!err && fchmod(fd, mode) < 0)
		err = -errno;
	if (!err && fsync(fd) < 0)
		err = -errno;
	if (close(fd) < 0 && !err)
		err = -errno;
	fd = -1;
	if (!err && rename(tmp, path) < 0)
		err = -errno;
	if (err)
		unlink(tmp);
out:
	free(tmp);
	return err;
}

zt_err tool_write_new(const char *path, const void *data, size_t len, mode_t mode)
{
	zt_err err;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);

	if (fd < 0)
		return -errno;
	err = write_all(fd, data, len);
	if (!err && fsync(fd) < 0)
		err = -errno;
	if (close(fd) < 0 && !err)
		err = -errno;
	if (err)
		unlink(path); /* we created it, so a half-written file is ours to remove */
	return err;
}

const char *tool_quote(char buf[static TOOL_QUOTE_MAX], const char *s)
{
	static const char ellipsis[] = "...";
	size_t n = strlen(s), keep = n, i;

	if (n >= TOOL_QUOTE_MAX)
		keep = TOOL_QUOTE_MAX - sizeof ellipsis;
	for (i = 0; i < keep; i++)
		buf[i] = isprint((unsigned char)s[i]) ? s[i] : '?';
	if (keep < n)
		memcpy(buf + keep, ellipsis, sizeof ellipsis);
	else
		buf[keep] = '\0';
	return buf;
}

void tool_format_time(char out[static TOOL_TIME_MAX], uint64_t ms)
{
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;

	if (!gmtime_r(&secs, &tm) ||
	    !strftime(out, TOOL_TIME_MAX - 5, "%Y-%m-%dT%H:%M:%S", &tm)) {
		snprintf(out, TOOL_TIME_MAX, "(out of range)");
		return;
	}
	snprintf(out + strlen(out), 6, ".%03uZ", (unsigned)(ms % 1000));
}

uint64_t tool_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

json_t *tool_json_u64(uint64_t v)
{
	char buf[24];

	if (v <= JSON_SAFE_INTEGER_MAX)
		return json_integer((json_int_t)v);
	snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
	return json_string(buf);
}

json_t *tool_json_hex(const void *p, size_t n)
{
	char *hex = malloc(2 * n + 1);
	json_t *j;

	if (!hex)
		return NULL;
	zt_hex_encode(hex, p, n);
	j = json_string(hex);
	zt_wipe(hex, 2 * n + 1); /* may be a secret key */
	free(hex);
	return j;
}

int tool_json_print(const struct tool_ctx *ctx, json_t *obj)
{
	int rc = TOOL_EXIT_OK;

	if (!obj) {
		tool_err(ctx, "out of memory building JSON output");
		return TOOL_EXIT_FAIL;
	}
	if (json_dumpf(obj, stdout, JSON_INDENT(2)) < 0 || fputc('\n', stdout) == EOF) {
		tool_err(ctx, "cannot write JSON output");
		rc = TOOL_EXIT_FAIL;
	}
	json_decref(obj);
	return rc;
}
