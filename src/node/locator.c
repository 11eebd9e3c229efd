/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "encoding.h"
#include "hex.h"
#include "locator.h"

#define ENDPOINT_HEADER_LEN 2 /* type, value length */
#define ENDPOINT_ENCODED_MAX (ENDPOINT_HEADER_LEN + UINT8_MAX)
#define ZEROTIER_ADDRESS_LEN 5
#define ADDRESS_HEX_LEN 10
#define TIMESTAMP_MAX INT64_MAX
#define CONTEXT_LEN (sizeof ZT_LOCATOR_SIGNING_CONTEXT) /* the NUL is part of the context */
#define TEXT_PREFIX_LEN (sizeof ZT_LOCATOR_TEXT_PREFIX - 1)

void zt_locator_init(struct zt_locator *loc, const struct zt_identity *id, int64_t timestamp)
{
	memset(loc, 0, sizeof *loc);
	loc->timestamp = timestamp;
	loc->identity = *id;
	zt_identity_wipe(&loc->identity);
	loc->identity.has_private = false;
}

static zt_err endpoint_slot(struct zt_locator *loc, struct zt_locator_endpoint **e)
{
	if (loc->endpoint_count >= ZT_LOCATOR_MAX_ENDPOINTS)
		return ZT_ETOOBIG;
	*e = &loc->endpoints[loc->endpoint_count];
	memset(*e, 0, sizeof **e);
	return ZT_OK;
}

zt_err zt_locator_add_udp(struct zt_locator *loc, const struct zt_inetaddr *addr)
{
	struct zt_locator_endpoint *e;
	zt_err err;

	if ((addr->family != ZT_INETADDR_V4 && addr->family != ZT_INETADDR_V6) || !addr->port)
		return ZT_EINVALID;
	if (zt_locator_has_udp(loc, addr))
		return ZT_EEXIST;
	if ((err = endpoint_slot(loc, &e)))
		return err;
	e->type = ZT_ENDPOINT_UDP;
	e->udp = *addr;
	e->len = (uint8_t)zt_inetaddr_wire_len(addr);
	loc->endpoint_count++;
	return ZT_OK;
}

zt_err zt_locator_add_zerotier(struct zt_locator *loc, uint64_t address)
{
	struct zt_locator_endpoint *e;
	zt_err err;

	if (zt_address_is_reserved(address) || address >> 40)
		return ZT_ERESERVED;
	if (address == loc->identity.address)
		return ZT_EINVALID;
	for (unsigned i = 0; i < loc->endpoint_count; i++)
		if (loc->endpoints[i].type == ZT_ENDPOINT_ZEROTIER && loc->endpoints[i].zerotier == address)
			return ZT_EEXIST;
	if ((err = endpoint_slot(loc, &e)))
		return err;
	e->type = ZT_ENDPOINT_ZEROTIER;
	e->zerotier = address;
	e->len = ZEROTIER_ADDRESS_LEN;
	loc->endpoint_count++;
	return ZT_OK;
}

bool zt_locator_has_udp(const struct zt_locator *loc, const struct zt_inetaddr *addr)
{
	for (unsigned i = 0; i < loc->endpoint_count; i++)
		if (loc->endpoints[i].type == ZT_ENDPOINT_UDP && zt_inetaddr_equal(&loc->endpoints[i].udp, addr))
			return true;
	return false;
}

/* Encodes one endpoint (type, length, value) into out; returns its length, 0 if it cannot be encoded. */
static size_t endpoint_encode(const struct zt_locator *loc, const struct zt_locator_endpoint *e,
			      uint8_t out[static ENDPOINT_ENCODED_MAX])
{
	struct zt_wbuf w = zt_wbuf_init(out, ENDPOINT_ENCODED_MAX);

	zt_wbuf_u8(&w, e->type);
	zt_wbuf_u8(&w, e->len);
	switch (e->type) {
	case ZT_ENDPOINT_UDP:
		zt_inetaddr_write(&e->udp, &w);
		break;
	case ZT_ENDPOINT_ZEROTIER:
		zt_wbuf_u40(&w, e->zerotier);
		break;
	default:
		if ((size_t)e->raw_off + e->len > loc->raw_len)
			return 0;
		zt_wbuf_put(&w, loc->raw + e->raw_off, e->len);
	}
	if (w.err || w.len != (size_t)ENDPOINT_HEADER_LEN + e->len)
		return 0;
	return w.len;
}

/* Byte-wise order of two encodings, a proper prefix first: the canonical endpoint order. */
static int encoded_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c)
		return c;
	return alen < blen ? -1 : alen > blen;
}

struct encoded_endpoint {
	size_t len;
	uint8_t bytes[ENDPOINT_ENCODED_MAX];
};

static int encoded_endpoint_cmp(const void *a, const void *b)
{
	const struct encoded_endpoint *x = a, *y = b;

	return encoded_cmp(x->bytes, x->len, y->bytes, y->len);
}

/* The message a signature covers: the context string, its NUL, and the bytes before the signature. */
static size_t signed_message(uint8_t *msg, const uint8_t *body, size_t body_len)
{
	memcpy(msg, ZT_LOCATOR_SIGNING_CONTEXT, CONTEXT_LEN);
	memcpy(msg + CONTEXT_LEN, body, body_len);
	return CONTEXT_LEN + body_len;
}

zt_err zt_locator_sign(struct zt_locator *loc, const struct zt_identity *signer)
{
	struct encoded_endpoint *eps = NULL;
	uint8_t *body = NULL, *msg = NULL;
	struct zt_wbuf w;
	zt_err err = ZT_EINVALID;
	size_t n;

	if (!signer->has_private || signer->address != loc->identity.address ||
	    memcmp(signer->pub, loc->identity.pub, sizeof signer->pub))
		return ZT_EINVALID;
	eps = calloc(ZT_LOCATOR_MAX_ENDPOINTS, sizeof *eps);
	body = malloc(ZT_LOCATOR_MAX_LENGTH);
	msg = malloc(CONTEXT_LEN + ZT_LOCATOR_MAX_LENGTH);
	if (!eps || !body || !msg) {
		err = -ENOMEM;
		goto out;
	}
	for (unsigned i = 0; i < loc->endpoint_count; i++) {
		eps[i].len = endpoint_encode(loc, &loc->endpoints[i], eps[i].bytes);
		if (!eps[i].len)
			goto out;
	}
	qsort(eps, loc->endpoint_count, sizeof *eps, encoded_endpoint_cmp);
	w = zt_wbuf_init(body, ZT_LOCATOR_MAX_LENGTH);
	zt_wbuf_u8(&w, ZT_LOCATOR_VERSION);
	zt_wbuf_u64(&w, (uint64_t)loc->timestamp);
	zt_identity_write(&loc->identity, false, &w);
	zt_wbuf_u8(&w, loc->endpoint_count);
	for (unsigned i = 0; i < loc->endpoint_count; i++) {
		if (i && !encoded_endpoint_cmp(&eps[i - 1], &eps[i]))
			goto out; /* a duplicate added behind the add_* checks */
		zt_wbuf_put(&w, eps[i].bytes, eps[i].len);
	}
	zt_wbuf_u16(&w, loc->ext_len);
	if (loc->ext_len)
		zt_wbuf_put(&w, loc->raw + loc->ext_off, loc->ext_len);
	if (loc->timestamp < 0 || w.len + ZT_LOCATOR_SIGNATURE_LEN > ZT_LOCATOR_MAX_LENGTH || w.err) {
		err = loc->timestamp < 0 ? ZT_EINVALID : ZT_ETOOBIG;
		goto out;
	}
	n = signed_message(msg, body, w.len);
	err = zt_identity_sign(signer, msg, n, body + w.len);
	if (err)
		goto out;
	/* Reading back what was written sets every field (endpoint order, raw offsets) from the bytes. */
	err = zt_locator_parse(loc, body, w.len + ZT_LOCATOR_SIGNATURE_LEN);
out:
	free(eps);
	free(body);
	free(msg);
	return err;
}

static zt_err endpoint_decode(struct zt_locator *loc, struct zt_locator_endpoint *e, const uint8_t *value,
			      size_t raw_off)
{
	struct zt_buf v = zt_buf_init(value, e->len);
	zt_err err;

	switch (e->type) {
	case ZT_ENDPOINT_UDP:
		err = zt_inetaddr_read(&e->udp, &v);
		/* Exactly one plain IPv4 or IPv6 address with a port: nil and the skipped types say nothing. */
		if (err || zt_buf_left(&v) || (e->udp.family != ZT_INETADDR_V4 && e->udp.family != ZT_INETADDR_V6) ||
		    !e->udp.port)
			return ZT_EMALFORMED;
		return ZT_OK;
	case ZT_ENDPOINT_ZEROTIER:
		if (e->len != ZEROTIER_ADDRESS_LEN)
			return ZT_EMALFORMED;
		e->zerotier = zt_be40(value);
		if (zt_address_is_reserved(e->zerotier))
			return ZT_ERESERVED;
		return e->zerotier == loc->identity.address ? ZT_EMALFORMED : ZT_OK;
	case 0:
		return ZT_EMALFORMED; /* type 0 is reserved for "nothing" and is never written */
	default:
		e->raw_off = (uint16_t)raw_off;
		return ZT_OK;
	}
}

/* Reads everything up to and including the signature from b, which starts at the locator's first byte. */
static zt_err locator_fields_read(struct zt_locator *loc, struct zt_buf *b)
{
	const uint8_t *start = b->p, *prev = NULL;
	size_t prev_len = 0;
	uint8_t version;
	uint64_t ts;
	zt_err err;

	version = zt_buf_u8(b);
	if (b->err)
		return ZT_ETRUNCATED;
	if (version != ZT_LOCATOR_VERSION)
		return ZT_EUNSUPPORTED;
	ts = zt_buf_u64(b);
	if (b->err)
		return ZT_ETRUNCATED;
	if (ts > (uint64_t)TIMESTAMP_MAX)
		return ZT_EMALFORMED;
	loc->timestamp = (int64_t)ts;
	if ((err = zt_identity_read(&loc->identity, b)))
		return err;
	if (loc->identity.has_private)
		return ZT_EMALFORMED;
	loc->endpoint_count = zt_buf_u8(b);
	if (b->err)
		return ZT_ETRUNCATED;
	if (loc->endpoint_count > ZT_LOCATOR_MAX_ENDPOINTS)
		return ZT_ETOOBIG;
	for (unsigned i = 0; i < loc->endpoint_count; i++) {
		struct zt_locator_endpoint *e = &loc->endpoints[i];
		const uint8_t *enc = b->p, *value;

		e->type = zt_buf_u8(b);
		e->len = zt_buf_u8(b);
		value = zt_buf_get(b, e->len);
		if (b->err)
			return ZT_ETRUNCATED;
		/* Strictly ascending: one encoding per endpoint set, and no endpoint twice. */
		if (prev && encoded_cmp(prev, prev_len, enc, ENDPOINT_HEADER_LEN + e->len) >= 0)
			return ZT_EMALFORMED;
		prev = enc;
		prev_len = ENDPOINT_HEADER_LEN + e->len;
		if ((err = endpoint_decode(loc, e, value, (size_t)(value - start))))
			return err;
	}
	loc->ext_len = zt_buf_u16(b);
	loc->ext_off = (uint16_t)(b->p - start);
	zt_buf_skip(b, loc->ext_len);
	zt_buf_copy(b, loc->signature, sizeof loc->signature);
	return zt_buf_result(b);
}

zt_err zt_locator_read(struct zt_locator *loc, struct zt_buf *b)
{
	size_t avail = zt_buf_left(b);
	/* Parsing inside a window of the maximum length keeps every offset within raw. */
	struct zt_buf win = zt_buf_init(b->p, avail < ZT_LOCATOR_MAX_LENGTH ? avail : ZT_LOCATOR_MAX_LENGTH);
	size_t used;
	zt_err err;

	memset(loc, 0, sizeof *loc);
	if (b->err) {
		err = ZT_ETRUNCATED;
		goto fail;
	}
	err = locator_fields_read(loc, &win);
	if (err == ZT_ETRUNCATED && avail > ZT_LOCATOR_MAX_LENGTH)
		err = ZT_ETOOBIG;
	if (err)
		goto fail;
	used = (size_t)(win.p - b->p);
	memcpy(loc->raw, b->p, used);
	loc->raw_len = used;
	zt_buf_skip(b, used);
	return ZT_OK;
fail:
	memset(loc, 0, sizeof *loc);
	return err;
}

zt_err zt_locator_parse(struct zt_locator *loc, const uint8_t *data, size_t len)
{
	struct zt_buf b = zt_buf_init(data, len);
	zt_err err = zt_locator_read(loc, &b);

	if (!err && zt_buf_left(&b)) {
		memset(loc, 0, sizeof *loc);
		err = ZT_EMALFORMED;
	}
	return err;
}

bool zt_locator_verify(const struct zt_locator *loc)
{
	uint8_t msg[CONTEXT_LEN + ZT_LOCATOR_MAX_LENGTH];
	size_t n;

	if (loc->raw_len < ZT_LOCATOR_MIN_LENGTH || loc->raw_len > ZT_LOCATOR_MAX_LENGTH)
		return false;
	n = signed_message(msg, loc->raw, loc->raw_len - ZT_LOCATOR_SIGNATURE_LEN);
	return zt_identity_verify(&loc->identity, msg, n, loc->raw + loc->raw_len - ZT_LOCATOR_SIGNATURE_LEN,
				  ZT_LOCATOR_SIGNATURE_LEN);
}

zt_err zt_locator_check_update(const struct zt_locator *current, const struct zt_locator *candidate)
{
	if (!zt_locator_verify(candidate))
		return ZT_EAUTH;
	if (!current)
		return ZT_OK;
	if (!zt_identity_equal(&current->identity, &candidate->identity))
		return ZT_EINVALID;
	if (candidate->timestamp > current->timestamp)
		return ZT_OK;
	if (candidate->timestamp == current->timestamp && candidate->raw_len == current->raw_len &&
	    !memcmp(candidate->raw, current->raw, current->raw_len))
		return ZT_EEXIST;
	return ZT_ESTALE;
}

int zt_locator_to_string(const struct zt_locator *loc, char *out, size_t cap)
{
	char addr[ADDRESS_HEX_LEN + 1];
	size_t need;

	if (!loc->raw_len || loc->raw_len > ZT_LOCATOR_MAX_LENGTH)
		return ZT_EINVALID;
	need = TEXT_PREFIX_LEN + ADDRESS_HEX_LEN + 1 + zt_base64url_encoded_len(loc->raw_len);
	if (cap < need + 1)
		return ZT_ENOSPACE;
	zt_address_format(addr, loc->identity.address);
	memcpy(out, ZT_LOCATOR_TEXT_PREFIX, TEXT_PREFIX_LEN);
	memcpy(out + TEXT_PREFIX_LEN, addr, ADDRESS_HEX_LEN);
	out[TEXT_PREFIX_LEN + ADDRESS_HEX_LEN] = ':';
	zt_base64url_encode(out + TEXT_PREFIX_LEN + ADDRESS_HEX_LEN + 1, loc->raw, loc->raw_len);
	return (int)need;
}

zt_err zt_locator_from_string(struct zt_locator *loc, const char *s)
{
	uint8_t bin[ZT_LOCATOR_MAX_LENGTH];
	char addr_hex[ADDRESS_HEX_LEN + 1];
	uint64_t addr;
	size_t len;
	long n;
	zt_err err;

	memset(loc, 0, sizeof *loc);
	while (isspace((unsigned char)*s))
		s++;
	len = strlen(s);
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	if (len < TEXT_PREFIX_LEN + ADDRESS_HEX_LEN + 1 || memcmp(s, ZT_LOCATOR_TEXT_PREFIX, TEXT_PREFIX_LEN) ||
	    s[TEXT_PREFIX_LEN + ADDRESS_HEX_LEN] != ':')
		return ZT_EMALFORMED;
	memcpy(addr_hex, s + TEXT_PREFIX_LEN, ADDRESS_HEX_LEN);
	addr_hex[ADDRESS_HEX_LEN] = '\0';
	if (!zt_address_parse(&addr, addr_hex))
		return ZT_EMALFORMED;
	s += TEXT_PREFIX_LEN + ADDRESS_HEX_LEN + 1;
	len -= TEXT_PREFIX_LEN + ADDRESS_HEX_LEN + 1;
	n = zt_base64url_decode(bin, sizeof bin, s, len);
	if (n < 0)
		return len > zt_base64url_encoded_len(ZT_LOCATOR_MAX_LENGTH) ? ZT_ETOOBIG : ZT_EMALFORMED;
	err = zt_locator_parse(loc, bin, (size_t)n);
	if (!err && loc->identity.address != addr) {
		memset(loc, 0, sizeof *loc);
		err = ZT_EMALFORMED;
	}
	return err;
}
