/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_LF_LFAPI_RD_H
#define ZT_LF_LFAPI_RD_H

/*
 * Internal to the LF API JSON readers (lfapi_json.c for answers, lfapi_request.c for requests):
 * field getters that record the first failure, with a reason naming the field, and return zero
 * values after it.
 */
#include <jansson.h>

#include "lf/lfapi_json.h"

/* A reader with a sticky error: a chain of field reads is checked once (STYLE.md, Knot's `ret`). */
struct lf_rd {
	zt_err err;
	char *why;
	size_t whycap;
};

void lf_rd_fail(struct lf_rd *r, zt_err err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
struct lf_rd lf_rd_init(char *why, size_t whycap);
/* The member `k` of `o`, or NULL (and a failure if required) when absent or null. */
json_t *lf_rd_get(struct lf_rd *r, const json_t *o, const char *k, bool required);
uint64_t lf_rd_u64(struct lf_rd *r, const json_t *o, const char *k, bool required);
long lf_rd_long(struct lf_rd *r, const json_t *o, const char *k, bool required);
bool lf_rd_bool(struct lf_rd *r, const json_t *o, const char *k, bool required);
double lf_rd_number(struct lf_rd *r, const json_t *o, const char *k, bool required);
/* A string field copied into buf (cut at cap - 1). */
void lf_rd_text(struct lf_rd *r, const json_t *o, const char *k, char *buf, size_t cap, bool required);
char *lf_rd_strdup(struct lf_rd *r, const json_t *o, const char *k);
void lf_rd_blob_value(struct lf_rd *r, const json_t *v, const char *k, size_t max, uint8_t **p, size_t *n);
void lf_rd_blob(struct lf_rd *r, const json_t *o, const char *k, size_t max, uint8_t **p, size_t *n);
/* A blob of at most `cap` bytes into a fixed buffer. */
void lf_rd_blob_into_value(struct lf_rd *r, const json_t *v, const char *k, uint8_t *buf, size_t cap, size_t *n);
void lf_rd_blob_into(struct lf_rd *r, const json_t *o, const char *k, uint8_t *buf, size_t cap, size_t *n);
void lf_rd_owner_value(struct lf_rd *r, const json_t *v, const char *k, struct zt_lf_owner_id *id);
void lf_rd_hash_value(struct lf_rd *r, const json_t *v, const char *k, uint8_t out[static ZT_LF_HASH_SIZE]);
/* An array field (absent or null gives an empty array). */
json_t *lf_rd_array(struct lf_rd *r, const json_t *o, const char *k, size_t max);
void *lf_rd_calloc(struct lf_rd *r, size_t n, size_t size);
void lf_rd_record(struct lf_rd *r, const json_t *v, const char *k, struct zt_lf_record *rec);
void lf_rd_record_hash(struct lf_rd *r, const struct zt_lf_record *rec, uint8_t hash[static ZT_LF_HASH_SIZE]);

#endif
