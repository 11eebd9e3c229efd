/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_TEST_VEC_H
#define ZT_TEST_VEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Loader for the conformance vectors in tests/vectors (format: tests/vectors/README.md).
 * Lines are "name: value"; '#' lines are comments; a blank line ends a block. Entries keep their
 * order and block number, and a name may repeat (the lab capture files repeat "field:").
 */
struct vec_entry {
	char *name;
	char *value;
	int block;
};

struct vec_file {
	struct vec_entry *e;
	size_t n;
	int nblocks;
};

/* Loads tests/vectors/<relpath>; aborts the test (ck_abort) if the file cannot be read. */
void vec_load(struct vec_file *f, const char *relpath);
void vec_free(struct vec_file *f);

/* The first value with this name anywhere in the file, or NULL. */
const char *vec_get(const struct vec_file *f, const char *name);
/* printf-style name. */
const char *vec_getf(const struct vec_file *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The first value with this name inside block `block`, or NULL. */
const char *vec_block_get(const struct vec_file *f, int block, const char *name);
/* The idx-th (0-based) value with this name inside block `block`, or NULL. */
const char *vec_block_get_nth(const struct vec_file *f, int block, const char *name, int idx);

/* Decodes hex value `value` into out; returns the length, aborts the test on bad hex / overflow. */
size_t vec_hex(const char *value, uint8_t *out, size_t cap);
/* Reads a whole vector file's single hex line (e.g. earth-planet.hex); returns the length. */
size_t vec_hexfile(const char *relpath, uint8_t *out, size_t cap);

/* Absolute path of tests/vectors/<relpath> (static buffer). */
const char *vec_path(const char *relpath);

#endif
