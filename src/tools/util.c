/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/file.h"
#include "node/crypto.h"
#include "node/hex.h"
#include "util.h"

#define JSON_SAFE_INTEGER_MAX ((1ULL << 53) - 1)

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

int tool_write_key_file(struct tool_ctx *ctx, const char *path, const uint8_t *pub, size_t publen,
			const uint8_t *secret, size_t seclen, bool force)
{
	char line[2 * 64 + 1 + 2 * 64 + 2], q[TOOL_QUOTE_MAX];
	size_t n = 2 * publen + 1 + 2 * seclen;
	zt_err err;
	if (publen > 64 || seclen > 64)
		return TOOL_EXIT_FAIL;
	zt_hex_encode(line, pub, publen);
	line[2 * publen] = ':';
	zt_hex_encode(line + 2 * publen + 1, secret, seclen);
	line[n] = '\n';
	err = force ? zt_file_write_atomic(path, line, n + 1, 0600) : zt_file_write_new(path, line, n + 1, 0600);
	zt_wipe(line, sizeof line);
	if (err == -EEXIST) {
		tool_err(ctx, "key file '%s' already exists (use --force to replace it)", tool_quote(q, path));
		return TOOL_EXIT_FAIL;
	}
	if (err) {
		tool_err(ctx, "cannot write key file '%s': %s", tool_quote(q, path), zt_strerror(err));
		return TOOL_EXIT_FAIL;
	}
	return TOOL_EXIT_OK;
}
