/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dns/rootset.h"
#include "node/buf.h"
#include "node/crypto.h"

#define CONTEXT_LEN (sizeof ZT_ROOTSET_SIGNING_CONTEXT) /* the NUL is part of the context */
#define TIMESTAMP_MAX INT64_MAX
#define MESSAGE_MAX (CONTEXT_LEN + ZT_ROOTSET_MAX_LENGTH)

void zt_rootset_init(struct zt_rootset *rs, int64_t timestamp)
{
	memset(rs, 0, sizeof *rs);
	rs->timestamp = timestamp;
}

static bool has_udp_endpoint(const struct zt_locator *loc)
{
	for (unsigned i = 0; i < loc->endpoint_count; i++)
		if (loc->endpoints[i].type == ZT_ENDPOINT_UDP)
			return true;
	return false;
}

const struct zt_locator *zt_rootset_find(const struct zt_rootset *rs, uint64_t address)
{
	for (unsigned i = 0; i < rs->root_count; i++)
		if (rs->roots[i].identity.address == address)
			return &rs->roots[i];
	return NULL;
}

zt_err zt_rootset_add_root(struct zt_rootset *rs, const struct zt_locator *loc)
{
	if (!loc->raw_len || !has_udp_endpoint(loc))
		return ZT_EINVALID;
	if (!zt_locator_verify(loc))
		return ZT_EAUTH;
	if (zt_rootset_find(rs, loc->identity.address))
		return ZT_EEXIST;
	if (rs->root_count >= ZT_ROOTSET_MAX_ROOTS)
		return ZT_ETOOBIG;
	rs->roots[rs->root_count++] = *loc;
	return ZT_OK;
}

static int root_cmp(const void *a, const void *b)
{
	uint64_t x = (*(const struct zt_locator *const *)a)->identity.address;
	uint64_t y = (*(const struct zt_locator *const *)b)->identity.address;

	return x < y ? -1 : x > y;
}

static size_t signed_message(uint8_t *msg, const uint8_t *body, size_t body_len)
{
	memcpy(msg, ZT_ROOTSET_SIGNING_CONTEXT, CONTEXT_LEN);
	memcpy(msg + CONTEXT_LEN, body, body_len);
	return CONTEXT_LEN + body_len;
}

zt_err zt_rootset_sign(struct zt_rootset *rs, const uint8_t seed[static 32], const uint8_t pub[static ZT_DNS_KEY_LEN])
{
	const struct zt_locator *order[ZT_ROOTSET_MAX_ROOTS];
	uint8_t *body = malloc(ZT_ROOTSET_MAX_LENGTH), *msg = malloc(MESSAGE_MAX);
	struct zt_wbuf w;
	zt_err err = ZT_EINVALID;

	if (!body || !msg) {
		err = -ENOMEM;
		goto out;
	}
	if (!rs->root_count || rs->root_count > ZT_ROOTSET_MAX_ROOTS || rs->timestamp < 0)
		goto out;
	for (unsigned i = 0; i < rs->root_count; i++)
		order[i] = &rs->roots[i];
	qsort(order, rs->root_count, sizeof order[0], root_cmp);
	w = zt_wbuf_init(body, ZT_ROOTSET_MAX_LENGTH);
	zt_wbuf_u8(&w, ZT_ROOTSET_VERSION);
	zt_wbuf_u64(&w, (uint64_t)rs->timestamp);
	zt_wbuf_u8(&w, rs->root_count);
	for (unsigned i = 0; i < rs->root_count; i++) {
		if (i && order[i - 1]->identity.address == order[i]->identity.address)
			goto out;
		zt_wbuf_u16(&w, (uint16_t)order[i]->raw_len);
		zt_wbuf_put(&w, order[i]->raw, order[i]->raw_len);
	}
	zt_wbuf_u16(&w, rs->ext_len);
	if (rs->ext_len)
		zt_wbuf_put(&w, rs->raw + rs->ext_off, rs->ext_len);
	if (w.err || w.len + ZT_ROOTSET_SIGNATURE_LEN > ZT_ROOTSET_MAX_LENGTH) {
		err = ZT_ETOOBIG;
		goto out;
	}
	zt_ed25519_sign(body + w.len, msg, signed_message(msg, body, w.len), seed, pub);
	/* Reading the bytes back sets every field in canonical order. */
	err = zt_rootset_parse(rs, body, w.len + ZT_ROOTSET_SIGNATURE_LEN);
out:
	free(body);
	free(msg);
	return err;
}

static zt_err rootset_fields_read(struct zt_rootset *rs, struct zt_buf *b, const uint8_t *start)
{
	uint8_t version;
	uint64_t ts;
	zt_err err;

	version = zt_buf_u8(b);
	if (b->err)
		return ZT_ETRUNCATED;
	if (version != ZT_ROOTSET_VERSION)
		return ZT_EUNSUPPORTED;
	ts = zt_buf_u64(b);
	rs->root_count = zt_buf_u8(b);
	if (b->err)
		return ZT_ETRUNCATED;
	if (ts > (uint64_t)TIMESTAMP_MAX || !rs->root_count)
		return ZT_EMALFORMED;
	if (rs->root_count > ZT_ROOTSET_MAX_ROOTS)
		return ZT_ETOOBIG;
	rs->timestamp = (int64_t)ts;
	for (unsigned i = 0; i < rs->root_count; i++) {
		uint16_t len = zt_buf_u16(b);
		const uint8_t *p = zt_buf_get(b, len);

		if (!p)
			return ZT_ETRUNCATED;
		if ((err = zt_locator_parse(&rs->roots[i], p, len)))
			return err;
		if (i && rs->roots[i - 1].identity.address >= rs->roots[i].identity.address)
			return ZT_EMALFORMED;
	}
	rs->ext_len = zt_buf_u16(b);
	rs->ext_off = (uint16_t)(b->p - start);
	zt_buf_skip(b, rs->ext_len);
	zt_buf_copy(b, rs->signature, sizeof rs->signature);
	return zt_buf_result(b);
}

zt_err zt_rootset_parse(struct zt_rootset *rs, const uint8_t *data, size_t len)
{
	struct zt_buf b = zt_buf_init(data, len);
	zt_err err;

	memset(rs, 0, sizeof *rs);
	if (len > ZT_ROOTSET_MAX_LENGTH) {
		err = ZT_ETOOBIG;
		goto fail;
	}
	err = rootset_fields_read(rs, &b, data);
	if (!err && zt_buf_left(&b))
		err = ZT_EMALFORMED;
	if (err)
		goto fail;
	memcpy(rs->raw, data, len);
	rs->raw_len = len;
	return ZT_OK;
fail:
	memset(rs, 0, sizeof *rs);
	return err;
}

zt_err zt_rootset_verify(const struct zt_rootset *rs, const uint8_t key[static ZT_DNS_KEY_LEN])
{
	uint8_t *msg;
	bool ok;

	if (rs->raw_len <= ZT_ROOTSET_SIGNATURE_LEN || rs->raw_len > ZT_ROOTSET_MAX_LENGTH)
		return ZT_EAUTH;
	msg = malloc(MESSAGE_MAX);
	if (!msg)
		return -ENOMEM;
	ok = zt_ed25519_verify(rs->raw + rs->raw_len - ZT_ROOTSET_SIGNATURE_LEN, msg,
			       signed_message(msg, rs->raw, rs->raw_len - ZT_ROOTSET_SIGNATURE_LEN), key);
	free(msg);
	if (!ok)
		return ZT_EAUTH;
	for (unsigned i = 0; i < rs->root_count; i++)
		if (!zt_locator_verify(&rs->roots[i]))
			return ZT_EINVALID;
	return ZT_OK;
}

void zt_rootset_state_of(struct zt_rootset_state *st, const struct zt_rootset *rs)
{
	uint8_t h[64];

	zt_sha512(h, rs->raw, rs->raw_len);
	st->valid = true;
	st->timestamp = rs->timestamp;
	memcpy(st->digest, h, sizeof st->digest);
}

zt_err zt_rootset_check_update(const struct zt_rootset_state *cur, const struct zt_rootset *cand, bool *unchanged)
{
	struct zt_rootset_state c;

	if (unchanged)
		*unchanged = false;
	if (!cur || !cur->valid || cand->timestamp > cur->timestamp)
		return ZT_OK;
	if (cand->timestamp < cur->timestamp)
		return ZT_ESTALE;
	zt_rootset_state_of(&c, cand);
	if (!zt_ct_equal(c.digest, cur->digest, sizeof c.digest))
		return ZT_ESTALE;
	if (unchanged)
		*unchanged = true;
	return ZT_OK;
}

zt_err zt_rootset_accept(const struct zt_rootset_state *cur, const uint8_t key[static ZT_DNS_KEY_LEN],
			 const struct zt_rootset *cand, bool *unchanged)
{
	zt_err err = zt_rootset_verify(cand, key);

	if (unchanged)
		*unchanged = false;
	return err ? err : zt_rootset_check_update(cur, cand, unchanged);
}
