/* SPDX-License-Identifier: Apache-2.0 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/hex.h"
#include "vec.h"

#ifndef ZT_VECTORS_DIR
#error "ZT_VECTORS_DIR must be defined by the build"
#endif

const char *vec_path(const char *relpath)
{
	static char path[4096];
	snprintf(path, sizeof path, "%s/%s", ZT_VECTORS_DIR, relpath);
	return path;
}

static char *trim(char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

void vec_load(struct vec_file *f, const char *relpath)
{
	FILE *fp = fopen(vec_path(relpath), "r");
	ck_assert_msg(fp != NULL, "cannot open vector file %s", vec_path(relpath));
	memset(f, 0, sizeof *f);
	size_t cap = 0;
	int block = 0;
	bool in_block = false;
	char *line = NULL;
	size_t linecap = 0;
	while (getline(&line, &linecap, fp) >= 0) {
		trim(line);
		if (line[0] == '#')
			continue;
		if (line[0] == '\0') {
			if (in_block)
				block++;
			in_block = false;
			continue;
		}
		char *sep = strstr(line, ": ");
		char *value = "";
		if (sep) {
			*sep = '\0';
			value = sep + 2;
		} else if (line[strlen(line) - 1] == ':') {
			line[strlen(line) - 1] = '\0';
		} else {
			continue;
		}
		if (f->n == cap) {
			cap = cap ? cap * 2 : 64;
			f->e = realloc(f->e, cap * sizeof *f->e);
			ck_assert(f->e != NULL);
		}
		f->e[f->n].name = strdup(line);
		f->e[f->n].value = strdup(value);
		f->e[f->n].block = block;
		f->n++;
		in_block = true;
	}
	f->nblocks = in_block ? block + 1 : block;
	free(line);
	fclose(fp);
}

void vec_free(struct vec_file *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->e[i].name);
		free(f->e[i].value);
	}
	free(f->e);
	memset(f, 0, sizeof *f);
}

const char *vec_get(const struct vec_file *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->e[i].name, name))
			return f->e[i].value;
	return NULL;
}

const char *vec_getf(const struct vec_file *f, const char *fmt, ...)
{
	char name[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(name, sizeof name, fmt, ap);
	va_end(ap);
	return vec_get(f, name);
}

const char *vec_block_get_nth(const struct vec_file *f, int block, const char *name, int idx)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->e[i].block == block && !strcmp(f->e[i].name, name) && idx-- == 0)
			return f->e[i].value;
	return NULL;
}

const char *vec_block_get(const struct vec_file *f, int block, const char *name)
{
	return vec_block_get_nth(f, block, name, 0);
}

size_t vec_hex(const char *value, uint8_t *out, size_t cap)
{
	ck_assert_msg(value != NULL, "missing vector value");
	long n = zt_hex_decode_all(out, cap, value, strlen(value));
	ck_assert_msg(n >= 0, "bad hex or too long (%zu chars, cap %zu)", strlen(value), cap);
	return (size_t)n;
}

size_t vec_hexfile(const char *relpath, uint8_t *out, size_t cap)
{
	FILE *fp = fopen(vec_path(relpath), "r");
	ck_assert_msg(fp != NULL, "cannot open %s", vec_path(relpath));
	char *line = NULL;
	size_t linecap = 0;
	size_t n = 0;
	while (getline(&line, &linecap, fp) >= 0) {
		trim(line);
		if (line[0] == '#' || line[0] == '\0')
			continue;
		n = vec_hex(line, out, cap);
		break;
	}
	free(line);
	fclose(fp);
	return n;
}
