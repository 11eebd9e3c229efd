/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lf/base62.h"
#include "lf/lfcrypto.h"
#include "lf/mask.h"
#include "lf/record.h"

#define FLAGS_KNOWN 0xff7u /* bits 0-2, link count 4-7, type 8-11; bit 3 and 12-63 are reserved */

void zt_lf_record_clear(struct zt_lf_record *r)
{
	free(r->value);
	free(r->owner);
	free(r->signature);
	memset(r, 0, sizeof *r);
}

static zt_err set_field(uint8_t **field, size_t *len, const void *p, size_t n)
{
	uint8_t *copy = NULL;
	if (n > ZT_LF_RECORD_MAX_SIZE)
		return ZT_ETOOBIG;
	if (n) {
		if (!(copy = malloc(n)))
			return -ENOMEM;
		memcpy(copy, p, n);
	}
	free(*field);
	*field = copy;
	*len = n;
	return ZT_OK;
}

zt_err zt_lf_record_set_value(struct zt_lf_record *r, const void *p, size_t n)
{
	return set_field(&r->value, &r->value_len, p, n);
}

zt_err zt_lf_record_set_owner(struct zt_lf_record *r, const void *p, size_t n)
{
	return set_field(&r->owner, &r->owner_len, p, n);
}

zt_err zt_lf_record_set_signature(struct zt_lf_record *r, const void *p, size_t n)
{
	return set_field(&r->signature, &r->signature_len, p, n);
}

zt_err zt_lf_record_copy(struct zt_lf_record *dst, const struct zt_lf_record *src)
{
	*dst = *src;
	dst->value = dst->owner = dst->signature = NULL;
	dst->value_len = dst->owner_len = dst->signature_len = 0;
	zt_err err = zt_lf_record_set_value(dst, src->value, src->value_len);
	if (err == ZT_OK)
		err = zt_lf_record_set_owner(dst, src->owner, src->owner_len);
	if (err == ZT_OK)
		err = zt_lf_record_set_signature(dst, src->signature, src->signature_len);
	if (err != ZT_OK)
		zt_lf_record_clear(dst);
	return err;
}

size_t zt_lf_uvarint_size(uint64_t v)
{
	size_t n = 1;
	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

void zt_lf_wbuf_uvarint(struct zt_wbuf *w, uint64_t v)
{
	while (v >= 0x80) {
		zt_wbuf_u8(w, (uint8_t)(v | 0x80));
		v >>= 7;
	}
	zt_wbuf_u8(w, (uint8_t)v);
}

zt_err zt_lf_buf_uvarint(struct zt_buf *b, uint64_t *v, bool *minimal)
{
	uint64_t x = 0;
	*v = 0;
	for (unsigned i = 0; i < ZT_LF_UVARINT_MAX; i++) {
		if (zt_buf_left(b) == 0) {
			zt_buf_skip(b, 1); /* sets the sticky error */
			return ZT_ETRUNCATED;
		}
		uint8_t c = zt_buf_u8(b);
		if (c < 0x80) {
			if (i == ZT_LF_UVARINT_MAX - 1 && c > 1)
				return ZT_EMALFORMED;
			if (minimal)
				*minimal = i == 0 || c != 0;
			*v = x | (uint64_t)c << (7 * i);
			return ZT_OK;
		}
		x |= (uint64_t)(c & 0x7f) << (7 * i);
	}
	return ZT_EMALFORMED;
}

/* A uvarint length followed by that many bytes, copied into a fresh allocation. */
static zt_err read_field(struct zt_buf *b, uint8_t **out, size_t *len, bool *canonical)
{
	uint64_t n;
	bool minimal;
	zt_err err = zt_lf_buf_uvarint(b, &n, &minimal);
	if (err != ZT_OK)
		return err;
	if (!minimal)
		*canonical = false;
	if (n > ZT_LF_RECORD_MAX_SIZE)
		return ZT_ETOOBIG;
	const uint8_t *p = zt_buf_get(b, (size_t)n);
	if (!p)
		return ZT_ETRUNCATED;
	return set_field(out, len, p, (size_t)n);
}

zt_err zt_lf_record_parse(struct zt_lf_record *r, const uint8_t *in, size_t n, size_t *consumed)
{
	struct zt_buf b = zt_buf_init(in, n);
	uint64_t flags;
	bool minimal, canonical = true;
	zt_err err;

	memset(r, 0, sizeof *r);
	*consumed = 0;
	if ((err = zt_lf_buf_uvarint(&b, &flags, &minimal)) != ZT_OK)
		goto out;
	canonical &= minimal && (flags & ~(uint64_t)FLAGS_KNOWN) == 0;
	err = ZT_EUNSUPPORTED;
	if (flags & ZT_LF_FLAG_VALUE_IS_HASH)
		goto out;
	r->link_count = (unsigned)(flags >> 4) & 0xf;
	r->type = (unsigned)(flags >> 8) & 0xf;

	if (flags & ZT_LF_FLAG_HAS_VALUE) {
		if ((err = read_field(&b, &r->value, &r->value_len, &canonical)) != ZT_OK)
			goto out;
		if (r->value_len == 0)
			canonical = false; /* read as "no value" */
	}
	if ((err = read_field(&b, &r->owner, &r->owner_len, &canonical)) != ZT_OK)
		goto out;
	for (unsigned i = 0; i < r->link_count; i++)
		zt_buf_copy(&b, r->links[i], ZT_LF_HASH_SIZE);
	if ((err = zt_lf_buf_uvarint(&b, &r->timestamp, &minimal)) != ZT_OK)
		goto out;
	canonical &= minimal;
	if (flags & ZT_LF_FLAG_HAS_PULSE) {
		r->pulse_token = zt_buf_u64(&b);
		if (r->pulse_token == 0)
			canonical = false;
	}

	uint8_t sa = zt_buf_u8(&b);
	err = ZT_ETRUNCATED;
	if (b.err)
		goto out;
	r->selector_count = sa & 0xf;
	r->work_algorithm = sa >> 4;
	err = ZT_EUNSUPPORTED;
	if (r->work_algorithm != ZT_LF_WORK_NONE && r->work_algorithm != ZT_LF_WORK_WHARRGARBL)
		goto out;
	for (unsigned i = 0; i < r->selector_count; i++) {
		struct zt_lf_selector *s = &r->selectors[i];
		uint8_t t = zt_buf_u8(&b);
		zt_buf_copy(&b, s->ordinal, ZT_LF_ORDINAL_SIZE);
		zt_buf_copy(&b, s->claim, 40);
		s->claim[40] = t >> 4;
		err = ZT_ETRUNCATED;
		if (b.err)
			goto out;
		err = ZT_EMALFORMED;
		if ((t & 0xf) != 0)
			goto out; /* selector type: only brainpoolP160t1 exists */
	}
	if (r->work_algorithm == ZT_LF_WORK_WHARRGARBL)
		zt_buf_copy(&b, r->work, ZT_LF_WORK_SIZE);
	err = ZT_ETRUNCATED;
	if (b.err)
		goto out;
	if ((err = read_field(&b, &r->signature, &r->signature_len, &canonical)) != ZT_OK)
		goto out;
	r->noncanonical = !canonical;
	*consumed = n - zt_buf_left(&b);
	err = ZT_OK;
out:
	if (err == ZT_OK && b.err)
		err = ZT_ETRUNCATED;
	if (err != ZT_OK)
		zt_lf_record_clear(r);
	return err;
}

const char *zt_lf_record_parse_reason(zt_err err, size_t input_len)
{
	switch (err) {
	case ZT_OK:
		return "";
	case ZT_ETRUNCATED:
		return input_len == 0 ? "EOF" : "unexpected EOF";
	case ZT_ETOOBIG:
		return "record invalid";
	case ZT_EMALFORMED:
		return "invalid object";
	case ZT_EUNSUPPORTED:
		return "unsupported algorithm or type";
	default:
		return "record invalid";
	}
}

uint64_t zt_lf_record_flags(const struct zt_lf_record *r)
{
	uint64_t f = ((uint64_t)(r->link_count & 0xf) << 4) | ((uint64_t)(r->type & 0xf) << 8);
	if (r->value_len)
		f |= ZT_LF_FLAG_HAS_VALUE;
	if (r->pulse_token)
		f |= ZT_LF_FLAG_HAS_PULSE;
	return f;
}

static bool representable(const struct zt_lf_record *r)
{
	if (r->link_count > ZT_LF_RECORD_MAX_LINKS || r->selector_count > ZT_LF_RECORD_MAX_SELECTORS ||
	    r->type > ZT_LF_TYPE_MAX ||
	    (r->work_algorithm != ZT_LF_WORK_NONE && r->work_algorithm != ZT_LF_WORK_WHARRGARBL))
		return false;
	for (unsigned i = 0; i < r->selector_count; i++)
		if (r->selectors[i].claim[40] > 15)
			return false;
	return true;
}

/* Fields 1-6; in hash form the flags carry 0x4 and the value is replaced by its SHA384. */
static void write_body(const struct zt_lf_record *r, struct zt_wbuf *w, bool hash_form)
{
	uint64_t flags = zt_lf_record_flags(r);
	zt_lf_wbuf_uvarint(w, hash_form ? flags | ZT_LF_FLAG_VALUE_IS_HASH : flags);
	if (r->value_len) {
		if (hash_form) {
			uint8_t *h = zt_wbuf_reserve(w, 48);
			if (h)
				zt_lf_sha384(h, r->value, r->value_len);
		} else {
			zt_lf_wbuf_uvarint(w, r->value_len);
			zt_wbuf_put(w, r->value, r->value_len);
		}
	}
	zt_lf_wbuf_uvarint(w, r->owner_len);
	zt_wbuf_put(w, r->owner, r->owner_len);
	zt_wbuf_put(w, r->links, (size_t)r->link_count * ZT_LF_HASH_SIZE);
	zt_lf_wbuf_uvarint(w, r->timestamp);
	if (r->pulse_token)
		zt_wbuf_u64(w, r->pulse_token);
}

static void write_selectors(const struct zt_lf_record *r, struct zt_wbuf *w)
{
	for (unsigned i = 0; i < r->selector_count; i++) {
		const struct zt_lf_selector *s = &r->selectors[i];
		zt_wbuf_u8(w, (uint8_t)(s->claim[40] << 4));
		zt_wbuf_put(w, s->ordinal, ZT_LF_ORDINAL_SIZE);
		zt_wbuf_put(w, s->claim, 40);
	}
}

/* Everything after the body: selector/algorithm byte, selectors, work, signature. */
static void write_tail(const struct zt_lf_record *r, struct zt_wbuf *w)
{
	zt_wbuf_u8(w, (uint8_t)((r->work_algorithm << 4) | r->selector_count));
	write_selectors(r, w);
	if (r->work_algorithm == ZT_LF_WORK_WHARRGARBL)
		zt_wbuf_put(w, r->work, ZT_LF_WORK_SIZE);
	zt_lf_wbuf_uvarint(w, r->signature_len);
	zt_wbuf_put(w, r->signature, r->signature_len);
}

zt_err zt_lf_record_serialize(const struct zt_lf_record *r, struct zt_wbuf *w)
{
	if (!representable(r))
		return ZT_EINVALID;
	write_body(r, w, false);
	write_tail(r, w);
	return zt_wbuf_result(w);
}

size_t zt_lf_record_body_size(const struct zt_lf_record *r)
{
	size_t n = zt_lf_uvarint_size(zt_lf_record_flags(r));
	if (r->value_len)
		n += zt_lf_uvarint_size(r->value_len) + r->value_len;
	n += zt_lf_uvarint_size(r->owner_len) + r->owner_len;
	n += (size_t)r->link_count * ZT_LF_HASH_SIZE;
	n += zt_lf_uvarint_size(r->timestamp);
	if (r->pulse_token)
		n += 8;
	return n;
}

static size_t tail_size(const struct zt_lf_record *r)
{
	return 1 + (size_t)r->selector_count * ZT_LF_SELECTOR_SIZE +
	       (r->work_algorithm == ZT_LF_WORK_WHARRGARBL ? ZT_LF_WORK_SIZE : 0) +
	       zt_lf_uvarint_size(r->signature_len) + r->signature_len;
}

size_t zt_lf_record_size(const struct zt_lf_record *r)
{
	return zt_lf_record_body_size(r) + tail_size(r);
}

size_t zt_lf_record_value_data_size(const struct zt_lf_record *r)
{
	return r->value_len > 2 ? r->value_len - 2 : 0;
}

static size_t hash_body_size(const struct zt_lf_record *r)
{
	size_t n = zt_lf_record_body_size(r);
	if (r->value_len)
		n = n - zt_lf_uvarint_size(r->value_len) - r->value_len + 48;
	return n - zt_lf_uvarint_size(zt_lf_record_flags(r)) +
	       zt_lf_uvarint_size(zt_lf_record_flags(r) | ZT_LF_FLAG_VALUE_IS_HASH);
}

zt_err zt_lf_record_hash_stream(const struct zt_lf_record *r, bool full, struct zt_wbuf *w)
{
	if (!representable(r))
		return ZT_EINVALID;
	write_body(r, w, true);
	if (full)
		write_tail(r, w);
	return zt_wbuf_result(w);
}

zt_err zt_lf_record_hashes(const struct zt_lf_record *r, struct zt_lf_record_hashes *h)
{
	size_t body = hash_body_size(r), total = body + tail_size(r);
	uint8_t *m = malloc(total);
	struct zt_lf_hash hs;
	zt_err err;

	if (!m)
		return -ENOMEM;
	struct zt_wbuf w = zt_wbuf_init(m, total);
	if ((err = zt_lf_record_hash_stream(r, true, &w)) != ZT_OK)
		goto out;
	err = ZT_ECRYPTO;
	if (w.len != total)
		goto out;
	zt_lf_sha384(h->b, m, body);

	/* The selectors in wire form follow the selector/algorithm byte. */
	zt_lf_hash_init(&hs, ZT_LF_SHA384);
	zt_lf_hash_update(&hs, h->b, 48);
	zt_lf_hash_update(&hs, m + body + 1, (size_t)r->selector_count * ZT_LF_SELECTOR_SIZE);
	if ((err = zt_lf_hash_final(&hs, h->w)) != ZT_OK)
		goto out;

	uint8_t alg = (uint8_t)r->work_algorithm;
	zt_lf_hash_init(&hs, ZT_LF_SHA384);
	zt_lf_hash_update(&hs, h->w, 48);
	if (r->work_algorithm == ZT_LF_WORK_WHARRGARBL)
		zt_lf_hash_update(&hs, r->work, ZT_LF_WORK_SIZE);
	zt_lf_hash_update(&hs, &alg, 1);
	if ((err = zt_lf_hash_final(&hs, h->s)) != ZT_OK)
		goto out;

	zt_lf_shandwich(h->hash, m, total);
	size_t billable = zt_lf_record_body_size(r) + (size_t)r->selector_count * ZT_LF_SELECTOR_SIZE;
	h->billable = billable > UINT32_MAX ? UINT32_MAX : (uint32_t)billable;
	err = ZT_OK;
out:
	free(m);
	return err;
}

zt_err zt_lf_record_keys(const struct zt_lf_record *r, const struct zt_lf_record_hashes *h,
			 struct zt_lf_record_keys *k)
{
	memset(k, 0, sizeof *k);
	if (r->selector_count > ZT_LF_RECORD_MAX_SELECTORS)
		return ZT_EINVALID;
	for (unsigned i = 0; i < r->selector_count; i++) {
		zt_err err = zt_lf_selector_recover(&r->selectors[i], h->b, k->pub[i], k->key[i]);
		if (err != ZT_OK)
			return err;
	}
	k->count = r->selector_count;
	if (k->count)
		zt_lf_sha256(k->id, k->pub, (size_t)k->count * ZT_LF_NAME_PUB_SIZE);
	else
		memcpy(k->id, h->hash, sizeof k->id);
	return ZT_OK;
}

zt_err zt_lf_record_check(const struct zt_lf_record *r, const char **why)
{
	const char *reason = NULL;
	zt_err err = ZT_EINVALID;
	if (r->owner_len == 0)
		reason = "owner is empty";
	else if (!representable(r))
		reason = "record invalid";
	else if (zt_lf_record_size(r) > ZT_LF_RECORD_MAX_SIZE) {
		reason = "record too large";
		err = ZT_ETOOBIG;
	} else {
		for (unsigned i = 1; i < r->link_count && !reason; i++)
			if (memcmp(r->links[i - 1], r->links[i], ZT_LF_HASH_SIZE) >= 0)
				reason = "links must be sorted and unique";
	}
	if (why)
		*why = reason ? reason : "";
	return reason ? err : ZT_OK;
}

zt_err zt_lf_record_verify_signature(const struct zt_lf_record *r, const struct zt_lf_record_hashes *h)
{
	if (!r->owner_len || !r->signature_len)
		return ZT_EAUTH;
	return zt_lf_owner_verify(r->owner, r->owner_len, h->s, r->signature, r->signature_len);
}

uint32_t zt_lf_record_work_difficulty(const struct zt_lf_record *r, const struct zt_lf_record_hashes *h,
				      const struct zt_lf_wtable *t)
{
	if (r->work_algorithm != ZT_LF_WORK_WHARRGARBL)
		return 0;
	return zt_lf_wharrgarbl_verify(t, r->work, ZT_LF_WORK_SIZE, h->w);
}

bool zt_lf_record_work_pays(const struct zt_lf_record *r, const struct zt_lf_record_hashes *h,
			    const struct zt_lf_wtable *t)
{
	uint32_t d = zt_lf_record_work_difficulty(r, h, t);
	return d != 0 && d >= zt_lf_wharrgarbl_cost(h->billable);
}

uint32_t zt_lf_record_score(const struct zt_lf_record *r, const struct zt_lf_record_hashes *h,
			    const struct zt_lf_wtable *t)
{
	if (r->work_algorithm != ZT_LF_WORK_WHARRGARBL)
		return ZT_LF_SCORE_NO_WORK;
	return zt_lf_wharrgarbl_score(zt_lf_record_work_difficulty(r, h, t));
}

zt_err zt_lf_record_value(const struct zt_lf_record *r, const void *mk, size_t mklen, uint8_t **out,
			  size_t *outlen)
{
	return zt_lf_value_unmask(out, outlen, r->value, r->value_len, r->timestamp, mk, mklen, r->owner,
				  r->owner_len, NULL);
}

zt_err zt_lf_hash_text(char out[static ZT_LF_HASH_TEXT_MAX], const uint8_t hash[static 32])
{
	size_t len;
	out[0] = '=';
	return zt_lf_base62_encode(out + 1, ZT_LF_HASH_TEXT_MAX - 1, hash, ZT_LF_HASH_SIZE, &len);
}

zt_err zt_lf_hash_text_parse(uint8_t hash[static 32], const char *s, size_t n)
{
	uint8_t buf[64];
	size_t len;
	if (n && s[0] == '=') {
		s++;
		n--;
	}
	if (n > sizeof buf)
		return ZT_EMALFORMED;
	if (zt_lf_base62_decode(buf, sizeof buf, s, n, &len) != ZT_OK || len != ZT_LF_HASH_SIZE)
		return ZT_EMALFORMED;
	memcpy(hash, buf, ZT_LF_HASH_SIZE);
	return ZT_OK;
}
