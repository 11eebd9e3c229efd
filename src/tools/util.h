/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_TOOL_UTIL_H
#define ZT_TOOL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "node/err.h"
#include "tool.h"

/* Room for a quoted excerpt of user input in an error message (see tool_quote). */
#define TOOL_QUOTE_MAX 80
/* Buffer size for tool_format_time(): "2022-02-11T15:12:04.813Z" and a NUL, with margin. */
#define TOOL_TIME_MAX 40

/* Removes leading and trailing whitespace in place; returns the new start, *len updated. */
char *tool_trim(char *s, size_t *len);

/* Error message for a zt_file_read() failure ("file is larger than 4096 bytes" or strerror). */
const char *tool_read_strerror(zt_err err, size_t max, char *buf, size_t cap);

/*
 * Parses a whole unsigned 64-bit number: decimal, or hexadecimal after 0x/0X. No sign, no
 * whitespace, no empty string, no overflow. Returns false on anything else.
 */
bool tool_parse_u64(uint64_t *out, const char *s);

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

/*
 * Writes a key file: one line "<public hex>:<secret hex>\n", mode 0600. Without `force` the file must
 * not exist (O_EXCL: a lost signing key cannot be recovered); with it the file is replaced atomically.
 * The formatted secret is wiped. Reports failures on stderr (naming the file) and returns
 * TOOL_EXIT_OK or TOOL_EXIT_FAIL. Keys are at most 64 bytes each.
 */
int tool_write_key_file(struct tool_ctx *ctx, const char *path, const uint8_t *pub, size_t publen,
			const uint8_t *secret, size_t seclen, bool force);

#endif
