/* SPDX-License-Identifier: Apache-2.0 */
/* Field readers shared by the LF API JSON parsers (see lfapi_rd.h). */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lf/lfapi_rd.h"
void lf_rd_fail(struct lf_rd *r, zt_err err, const char *fmt, ...)
{
	if (r->err != ZT_OK)
		return;
	r->err = err;
	if (r->why && r->whycap) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(r->why, r->whycap, fmt, ap);
		va_end(ap);
	}
}

struct lf_rd lf_rd_init(char *why, size_t whycap)
{
	struct lf_rd r = { ZT_OK, why, whycap };
	if (why && whycap)
		why[0] = '\0';
	return r;
}

/* The member `k` of `o`, or NULL (and a failure if required) when absent or null. */
json_t *lf_rd_get(struct lf_rd *r, const json_t *o, const char *k, bool required)
{
	json_t *v = zt_lf_json_get(o, k);
	if (v && json_is_null(v))
		v = NULL;
	if (!v && required)
		lf_rd_fail(r, ZT_EMALFORMED, "missing field `%s'", k);
	return v;
}

uint64_t lf_rd_u64(struct lf_rd *r, const json_t *o, const char *k, bool required)
{
	uint64_t x = 0;
	json_t *v = lf_rd_get(r, o, k, required);
	if (v && zt_lf_json_u64(v, &x) != ZT_OK)
		lf_rd_fail(r, ZT_EMALFORMED, "field `%s' is not an unsigned 64-bit integer", k);
	return x;
}

long lf_rd_long(struct lf_rd *r, const json_t *o, const char *k, bool required)
{
	json_t *v = lf_rd_get(r, o, k, required);
	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < LONG_MIN || json_integer_value(v) > LONG_MAX) {
		lf_rd_fail(r, ZT_EMALFORMED, "field `%s' is not an integer", k);
		return 0;
	}
	return (long)json_integer_value(v);
}

bool lf_rd_bool(struct lf_rd *r, const json_t *o, const char *k, bool required)
{
	json_t *v = lf_rd_get(r, o, k, required);
	if (v && !json_is_boolean(v))
		lf_rd_fail(r, ZT_EMALFORMED, "field `%s' is not a boolean", k);
	return v && json_is_true(v);
}

double lf_rd_number(struct lf_rd *r, const json_t *o, const char *k, bool required)
{
	json_t *v = lf_rd_get(r, o, k, required);
	if (v && !json_is_number(v))
		lf_rd_fail(r, ZT_EMALFORMED, "field `%s' is not a number", k);
	return v && json_is_number(v) ? json_number_value(v) : 0;
}

/* A string field copied into buf (cut at cap - 1). */
void lf_rd_text(struct lf_rd *r, const json_t *o, const char *k, char *buf, size_t cap, bool required)
{
	json_t *v = lf_rd_get(r, o, k, required);
	buf[0] = '\0';
	if (!v)
		return;
	if (!json_is_string(v)) {
		lf_rd_fail(r, ZT_EMALFORMED, "field `%s' is not a string", k);
		return;
	}
	snprintf(buf, cap, "%s", json_string_value(v));
}

char *lf_rd_strdup(struct lf_rd *r, const json_t *o, const char *k)
{
	json_t *v = lf_rd_get(r, o, k, false);
	if (!v)
		return NULL;
	if (!json_is_string(v)) {
		lf_rd_fail(r, ZT_EMALFORMED, "field `%s' is not a string", k);
		return NULL;
	}
	char *s = strdup(json_string_value(v));
	if (!s)
		lf_rd_fail(r, -ENOMEM, "out of memory");
	return s;
}

void lf_rd_blob_value(struct lf_rd *r, const json_t *v, const char *k, size_t max, uint8_t **p, size_t *n)
{
	*p = NULL;
	*n = 0;
	if (!v || r->err != ZT_OK)
		return;
	zt_err err = zt_lf_json_blob_decode(v, max, p, n);
	if (err != ZT_OK)
		lf_rd_fail(r, err, "field `%s' is not a valid blob", k);
}

void lf_rd_blob(struct lf_rd *r, const json_t *o, const char *k, size_t max, uint8_t **p, size_t *n)
{
	lf_rd_blob_value(r, lf_rd_get(r, o, k, false), k, max, p, n);
}

/* A blob of at most `cap` bytes into a fixed buffer. */
void lf_rd_blob_into_value(struct lf_rd *r, const json_t *v, const char *k, uint8_t *buf, size_t cap, size_t *n)
{
	uint8_t *p;
	lf_rd_blob_value(r, v, k, cap, &p, n);
	if (p)
		memcpy(buf, p, *n);
	free(p);
}

void lf_rd_blob_into(struct lf_rd *r, const json_t *o, const char *k, uint8_t *buf, size_t cap, size_t *n)
{
	lf_rd_blob_into_value(r, lf_rd_get(r, o, k, false), k, buf, cap, n);
}

void lf_rd_owner_value(struct lf_rd *r, const json_t *v, const char *k, struct zt_lf_owner_id *id)
{
	memset(id, 0, sizeof *id);
	if (!v || r->err != ZT_OK)
		return;
	if (!json_is_string(v) ||
	    zt_lf_owner_text_parse(id->pub, sizeof id->pub, &id->len, json_string_value(v), json_string_length(v)) !=
		    ZT_OK)
		lf_rd_fail(r, ZT_EMALFORMED, "field `%s' is not an owner", k);
}

void lf_rd_hash_value(struct lf_rd *r, const json_t *v, const char *k, uint8_t out[static ZT_LF_HASH_SIZE])
{
	memset(out, 0, ZT_LF_HASH_SIZE);
	if (r->err != ZT_OK)
		return;
	if (!json_is_string(v) ||
	    zt_lf_hash_text_parse(out, json_string_value(v), json_string_length(v)) != ZT_OK)
		lf_rd_fail(r, ZT_EMALFORMED, "field `%s' is not a record hash", k);
}

/* An array field (absent or null gives an empty array). */
json_t *lf_rd_array(struct lf_rd *r, const json_t *o, const char *k, size_t max)
{
	json_t *v = lf_rd_get(r, o, k, false);
	if (v && (!json_is_array(v) || json_array_size(v) > max)) {
		lf_rd_fail(r, ZT_EMALFORMED, "field `%s' is not an array of at most %zu elements", k, max);
		return NULL;
	}
	return v;
}

void *lf_rd_calloc(struct lf_rd *r, size_t n, size_t size)
{
	void *p = n ? calloc(n, size) : NULL;
	if (n && !p)
		lf_rd_fail(r, -ENOMEM, "out of memory");
	return p;
}

void lf_rd_record(struct lf_rd *r, const json_t *v, const char *k, struct zt_lf_record *rec)
{
	if (r->err != ZT_OK)
		return;
	zt_err err = zt_lf_record_from_json(rec, v);
	if (err != ZT_OK)
		lf_rd_fail(r, err, "field `%s' is not a record: %s", k, zt_strerror(err));
}

void lf_rd_record_hash(struct lf_rd *r, const struct zt_lf_record *rec, uint8_t hash[static ZT_LF_HASH_SIZE])
{
	struct zt_lf_record_hashes h;
	if (r->err != ZT_OK)
		return;
	zt_err err = zt_lf_record_hashes(rec, &h);
	if (err != ZT_OK)
		lf_rd_fail(r, err, "record cannot be hashed: %s", zt_strerror(err));
	else
		memcpy(hash, h.hash, ZT_LF_HASH_SIZE);
}
