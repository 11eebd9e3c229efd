/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_TOOL_UTIL_H
#define ZT_TOOL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "node/err.h"
#include "tool.h"

/* Room for a quoted excerpt of user input in an error message (see tool_quote). */
#define TOOL_QUOTE_MAX 80
/* Buffer size for tool_format_time(): "2022-02-11T15:12:04.813Z" and a NUL, with margin. */
#define TOOL_TIME_MAX 40

/* True if something exists at `path` (an argument that may be a file or a literal is a file then). */
bool tool_file_exists(const char *path);

/*
 * Reads the whole file at `path` into a new buffer with a NUL appended (not counted in *len).
 * Fails with ZT_ETOOBIG if the file holds more than `max` bytes, else -errno. The caller frees the
 * buffer with tool_free_wiped(), which also wipes it, so the function may be used for secrets:
 * no intermediate copy is left behind unwiped.
 */
zt_err tool_read_file(const char *path, size_t max, char **out, size_t *len);

/* Wipes `len` bytes at p (plus the NUL tool_read_file added) and frees p. NULL is fine. */
void tool_free_wiped(char *p, size_t len);

/* Removes leading and trailing whitespace in place; returns the new start, *len updated. */
char *tool_trim(char *s, size_t *len);

/* Error message for a tool_read_file() failure ("file is larger than 4096 bytes" or strerror). */
const char *tool_read_strerror(zt_err err, size_t max, char *buf, size_t cap);

/*
 * Parses a whole unsigned 64-bit number: decimal, or hexadecimal after 0x/0X. No sign, no
 * whitespace, no empty string, no overflow. Returns false on anything else.
 */
bool tool_parse_u64(uint64_t *out, const char *s);

/*
 * Writes data to `path` through a temporary file in the same directory and rename(), so a reader
 * sees either the old or the new file; the file gets exactly `mode`. Returns ZT_OK or -errno.
 */
zt_err tool_write_atomic(const char *path, const void *data, size_t len, mode_t mode);

/* Creates `path` with O_EXCL and `mode` and writes data; -EEXIST if it exists. ZT_OK or -errno. */
zt_err tool_write_new(const char *path, const void *data, size_t len, mode_t mode);

/*
 * Copies `s` into buf for quoting in an error message: control characters become '?', and input
 * longer than fits is cut with "...". Returns buf.
 */
const char *tool_quote(char buf[static TOOL_QUOTE_MAX], const char *s);

/* Formats milliseconds since the epoch as ISO-8601 UTC with milliseconds. */
void tool_format_time(char out[static TOOL_TIME_MAX], uint64_t ms);

/* Milliseconds since the epoch now. */
uint64_t tool_now_ms(void);

/* JSON value for a u64 that may exceed what JSON readers hold exactly (2^53): a string then. */
json_t *tool_json_u64(uint64_t v);

/* JSON string of the lowercase hex of n bytes. */
json_t *tool_json_hex(const void *p, size_t n);

/*
 * Prints obj (indented) and a newline to stdout and releases it. obj NULL means an allocation
 * failed while building it. Returns TOOL_EXIT_OK, or TOOL_EXIT_FAIL after an error line.
 */
int tool_json_print(const struct tool_ctx *ctx, json_t *obj);

#endif
