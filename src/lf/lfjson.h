/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_LF_JSON_H
#define ZT_LF_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "lf/record.h"
#include "node/err.h"

/*
 * LF's JSON forms (lf.md §2.12, §2.13, §3.4). Output is written by hand, byte for byte as the
 * reference (Go encoding/json) writes it, because jansson can neither emit unsigned 64-bit numbers
 * above 2^63-1 nor reproduce Go's escaping. Input goes through jansson after zt_lf_json_quote_u64,
 * which turns such numbers into strings; every u64 reader here accepts a number or a decimal string.
 */

/* A growable NUL-terminated string with a sticky error (allocation failure). */
struct zt_lf_str {
	char *p;
	size_t len, cap;
	bool err;
};
void zt_lf_str_append(struct zt_lf_str *s, const void *p, size_t n);
void zt_lf_str_puts(struct zt_lf_str *s, const char *z);
void zt_lf_str_u64(struct zt_lf_str *s, uint64_t v);
/* Takes the buffer (caller frees) and resets s; NULL after an error. */
char *zt_lf_str_take(struct zt_lf_str *s, size_t *len);
void zt_lf_str_free(struct zt_lf_str *s);

/* Valid UTF-8 as Go's utf8.Valid sees it (no overlongs, surrogates or values above U+10FFFF). */
bool zt_lf_utf8_valid(const void *p, size_t n);
/* A JSON string of valid UTF-8 with Go's escaping (\u003c \u003e \u0026 \u2028 \u2029, \u00XX). */
void zt_lf_json_string(struct zt_lf_str *s, const void *p, size_t n);
/* A Blob: a plain string if the bytes are valid UTF-8, else "\b" + Base62. */
void zt_lf_json_blob(struct zt_lf_str *s, const void *p, size_t n);

/* The record as the reference's Record JSON object (field order and omissions as in lf.md §3.4). */
zt_err zt_lf_record_json(struct zt_lf_str *s, const struct zt_lf_record *r);

/*
 * Copies JSON text, wrapping every integer literal outside int64 in quotes so jansson accepts it.
 * Returns a malloc'd NUL-terminated copy (length in *outlen, may be NULL), or NULL on failure.
 */
char *zt_lf_json_quote_u64(const char *in, size_t n, size_t *outlen);
/* zt_lf_json_quote_u64 then json_loadb with JSON_ALLOW_NUL | JSON_DECODE_ANY. */
json_t *zt_lf_json_loads(const char *text, size_t n, json_error_t *error);

/* Go-style case-insensitive member lookup (an exact match wins). */
json_t *zt_lf_json_get(const json_t *obj, const char *name);
/* An unsigned 64-bit value from a non-negative integer or a decimal string. */
zt_err zt_lf_json_u64(const json_t *v, uint64_t *out);
/*
 * A Blob from JSON: "\b"+Base62, a plain string (its UTF-8 bytes), an array of 0..255, or null.
 * *out is malloc'd (NULL when empty); ZT_ETOOBIG above `max` bytes, ZT_EMALFORMED otherwise.
 */
zt_err zt_lf_json_blob_decode(const json_t *v, size_t max, uint8_t **out, size_t *outlen);

/*
 * Rebuilds a record from its JSON (lf.md §2.13) into a zeroed or cleared `r`. A record whose
 * value was replaced by its hash (ValueHash) cannot be rebuilt: ZT_EUNSUPPORTED.
 */
zt_err zt_lf_record_from_json(struct zt_lf_record *r, const json_t *obj);

#endif
