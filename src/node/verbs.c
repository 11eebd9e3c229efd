/* SPDX-License-Identifier: Apache-2.0 */
/* VL1 verb payloads: OK framing, HELLO, OK(HELLO), ERROR, WHOIS, RENDEZVOUS, ECHO (verbs.md §2-9). */
#include <string.h>

#include "verbs.h"

#define RENDEZVOUS_IPV4_LEN 4
#define RENDEZVOUS_IPV6_LEN 16

/* Reads a public identity; a private key on the wire is a sender bug we refuse to store. */
static zt_err read_public_identity(struct zt_identity *id, struct zt_buf *b)
{
	zt_err err = zt_identity_read(id, b);
	if (!err && id->has_private) {
		zt_identity_wipe(id);
		err = ZT_EMALFORMED;
	}
	return err;
}

/* Reads the OK header and checks the in-re verb against `want`. */
static zt_err read_ok_header(struct zt_buf *b, uint8_t want, uint64_t *in_re_packet_id)
{
	uint8_t verb = zt_buf_u8(b);
	*in_re_packet_id = zt_buf_u64(b);
	if (b->err)
		return ZT_ETRUNCATED;
	return verb == want ? ZT_OK : ZT_EMALFORMED;
}

zt_err zt_verb_ok_decode(struct zt_verb_ok *ok, const uint8_t *p, size_t n)
{
	struct zt_buf b = zt_buf_init(p, n);
	memset(ok, 0, sizeof *ok);
	ok->in_re_verb = zt_buf_u8(&b);
	ok->in_re_packet_id = zt_buf_u64(&b);
	ok->body_len = zt_buf_left(&b);
	ok->body = zt_buf_get(&b, ok->body_len);
	return zt_buf_result(&b);
}

void zt_verb_ok_header_encode(struct zt_wbuf *w, uint8_t in_re_verb, uint64_t in_re_packet_id)
{
	zt_wbuf_u8(w, in_re_verb);
	zt_wbuf_u64(w, in_re_packet_id);
}

/* ---------------------------------------------------------------- HELLO */

/* Everything up to the cryptField; each optional group must be whole if it starts. */
static zt_err hello_read_head(struct zt_verb_hello *h, struct zt_buf *b)
{
	memset(h, 0, sizeof *h);
	h->proto_version = zt_buf_u8(b);
	h->major = zt_buf_u8(b);
	h->minor = zt_buf_u8(b);
	h->revision = zt_buf_u16(b);
	h->timestamp = zt_buf_u64(b);
	if (b->err)
		return ZT_ETRUNCATED;
	zt_err err = read_public_identity(&h->identity, b);
	if (err || !zt_buf_left(b))
		return err;
	err = zt_inetaddr_read(&h->sent_to, b);
	if (err)
		return err;
	h->has_sent_to = true;
	if (!zt_buf_left(b))
		return ZT_OK;
	h->planet_id = zt_buf_u64(b);
	h->planet_timestamp = zt_buf_u64(b);
	if (b->err)
		return ZT_ETRUNCATED;
	h->has_planet = true;
	return ZT_OK;
}

zt_err zt_verb_hello_decode(struct zt_verb_hello *h, const uint8_t *p, size_t n)
{
	struct zt_buf b = zt_buf_init(p, n);
	zt_err err = hello_read_head(h, &b);
	if (err || !zt_buf_left(&b))
		return err;
	h->cryptfield_offset = n - zt_buf_left(&b);
	h->moon_count = zt_buf_u16(&b);
	for (unsigned i = 0; i < h->moon_count && !b.err; i++) {
		struct zt_verb_hello_moon m;
		m.type = zt_buf_u8(&b);
		m.id = zt_buf_u64(&b);
		m.timestamp = zt_buf_u64(&b);
		if (i < ZT_VERB_HELLO_MAX_MOONS)
			h->moons[i] = m;
	}
	if (b.err)
		return ZT_ETRUNCATED;
	h->has_moons = true;
	return ZT_OK;
}

zt_err zt_verb_hello_cryptfield_offset(const uint8_t *p, size_t n, size_t *offset)
{
	struct zt_verb_hello h;
	struct zt_buf b = zt_buf_init(p, n);
	zt_err err = hello_read_head(&h, &b);
	if (err)
		return err;
	if (!h.has_planet || !zt_buf_left(&b))
		return ZT_ENOTFOUND;
	*offset = n - zt_buf_left(&b);
	return ZT_OK;
}

zt_err zt_verb_hello_encode(const struct zt_verb_hello *h, struct zt_wbuf *w, size_t *cryptfield_offset)
{
	size_t start = w->len;
	if (h->moon_count > ZT_VERB_HELLO_MAX_MOONS)
		return ZT_EINVALID;
	zt_wbuf_u8(w, h->proto_version);
	zt_wbuf_u8(w, h->major);
	zt_wbuf_u8(w, h->minor);
	zt_wbuf_u16(w, h->revision);
	zt_wbuf_u64(w, h->timestamp);
	zt_identity_write(&h->identity, false, w);
	zt_inetaddr_write(&h->sent_to, w);
	zt_wbuf_u64(w, h->planet_id);
	zt_wbuf_u64(w, h->planet_timestamp);
	if (cryptfield_offset)
		*cryptfield_offset = w->len - start;
	zt_wbuf_u16(w, h->moon_count);
	for (unsigned i = 0; i < h->moon_count; i++) {
		zt_wbuf_u8(w, h->moons[i].type);
		zt_wbuf_u64(w, h->moons[i].id);
		zt_wbuf_u64(w, h->moons[i].timestamp);
	}
	return zt_wbuf_result(w);
}

/* ---------------------------------------------------------------- OK(HELLO) */

zt_err zt_verb_ok_hello_decode(struct zt_verb_ok_hello *o, const uint8_t *p, size_t n)
{
	struct zt_buf b = zt_buf_init(p, n);
	memset(o, 0, sizeof *o);
	zt_err err = read_ok_header(&b, ZT_VERB_HELLO, &o->in_re_packet_id);
	o->timestamp_echo = zt_buf_u64(&b);
	o->proto_version = zt_buf_u8(&b);
	o->major = zt_buf_u8(&b);
	o->minor = zt_buf_u8(&b);
	o->revision = zt_buf_u16(&b);
	if (b.err)
		return ZT_ETRUNCATED;
	if (err || !zt_buf_left(&b))
		return err;
	err = zt_inetaddr_read(&o->observed, &b);
	if (err)
		return err;
	o->has_observed = true;
	/* 1.x reads the world length only if both bytes are there; a lone trailing byte is ignored. */
	if (zt_buf_left(&b) < 2)
		return ZT_OK;
	o->worlds_len = zt_buf_u16(&b);
	o->worlds = zt_buf_get(&b, o->worlds_len);
	return zt_buf_result(&b);
}

zt_err zt_verb_ok_hello_encode(const struct zt_verb_ok_hello *o, struct zt_wbuf *w)
{
	if (o->worlds_len > UINT16_MAX || (o->worlds_len && !o->worlds))
		return ZT_EINVALID;
	zt_verb_ok_header_encode(w, ZT_VERB_HELLO, o->in_re_packet_id);
	zt_wbuf_u64(w, o->timestamp_echo);
	zt_wbuf_u8(w, o->proto_version);
	zt_wbuf_u8(w, o->major);
	zt_wbuf_u8(w, o->minor);
	zt_wbuf_u16(w, o->revision);
	zt_inetaddr_write(&o->observed, w);
	zt_wbuf_u16(w, (uint16_t)o->worlds_len);
	zt_wbuf_put(w, o->worlds, o->worlds_len);
	return zt_wbuf_result(w);
}

/* ---------------------------------------------------------------- ERROR */

/* The codes whose network ID a 1.x receiver reads unconditionally (it drops the packet without it). */
static bool error_requires_nwid(uint8_t code, uint8_t in_re_verb)
{
	switch (code) {
	case ZT_ERROR_OBJ_NOT_FOUND:
	case ZT_ERROR_UNSUPPORTED_OPERATION:
		return in_re_verb == ZT_VERB_NETWORK_CONFIG_REQUEST;
	case ZT_ERROR_NEED_MEMBERSHIP_CERTIFICATE:
	case ZT_ERROR_NETWORK_ACCESS_DENIED:
	case ZT_ERROR_UNWANTED_MULTICAST:
	case ZT_ERROR_NETWORK_AUTHENTICATION_REQUIRED:
		return true;
	default:
		return false;
	}
}

static bool error_may_carry_nwid(uint8_t code)
{
	return error_requires_nwid(code, ZT_VERB_NETWORK_CONFIG_REQUEST);
}

zt_err zt_verb_error_decode(struct zt_verb_error *e, const uint8_t *p, size_t n)
{
	struct zt_buf b = zt_buf_init(p, n);
	memset(e, 0, sizeof *e);
	e->in_re_verb = zt_buf_u8(&b);
	e->in_re_packet_id = zt_buf_u64(&b);
	e->code = zt_buf_u8(&b);
	if (b.err)
		return ZT_ETRUNCATED;
	if (!error_may_carry_nwid(e->code))
		return ZT_OK;
	if (!error_requires_nwid(e->code, e->in_re_verb) && zt_buf_left(&b) < sizeof(uint64_t))
		return ZT_OK;
	e->nwid = zt_buf_u64(&b);
	e->has_nwid = !b.err;
	if (e->code == ZT_ERROR_UNWANTED_MULTICAST) {
		zt_buf_copy(&b, e->mac, sizeof e->mac);
		e->adi = zt_buf_u32(&b);
	} else if (e->code == ZT_ERROR_NETWORK_AUTHENTICATION_REQUIRED && zt_buf_left(&b) >= 2) {
		size_t len = zt_buf_u16(&b);
		/* 1.x treats a Dictionary that does not fit as absent rather than dropping the error. */
		if (len <= zt_buf_left(&b)) {
			e->dict_len = len;
			e->dict = zt_buf_get(&b, len);
		}
	}
	return zt_buf_result(&b);
}

zt_err zt_verb_error_encode(const struct zt_verb_error *e, struct zt_wbuf *w)
{
	if (error_requires_nwid(e->code, e->in_re_verb) && !e->has_nwid)
		return ZT_EINVALID;
	if (e->has_nwid && !error_may_carry_nwid(e->code))
		return ZT_EINVALID;
	if (e->dict && (e->code != ZT_ERROR_NETWORK_AUTHENTICATION_REQUIRED || e->dict_len > UINT16_MAX))
		return ZT_EINVALID;
	zt_wbuf_u8(w, e->in_re_verb);
	zt_wbuf_u64(w, e->in_re_packet_id);
	zt_wbuf_u8(w, e->code);
	if (e->has_nwid)
		zt_wbuf_u64(w, e->nwid);
	if (e->code == ZT_ERROR_UNWANTED_MULTICAST) {
		zt_wbuf_put(w, e->mac, sizeof e->mac);
		zt_wbuf_u32(w, e->adi);
	}
	if (e->dict) {
		zt_wbuf_u16(w, (uint16_t)e->dict_len);
		zt_wbuf_put(w, e->dict, e->dict_len);
	}
	return zt_wbuf_result(w);
}

/* ---------------------------------------------------------------- WHOIS and OK(WHOIS) */

zt_err zt_verb_whois_decode(struct zt_verb_whois *q, const uint8_t *p, size_t n)
{
	struct zt_buf b = zt_buf_init(p, n);
	q->count = n / ZT_ADDRESS_LENGTH;
	if (q->count == 0)
		return ZT_ETRUNCATED;
	if (q->count > ZT_VERB_WHOIS_MAX_ADDRESSES)
		return ZT_ETOOBIG;
	for (size_t i = 0; i < q->count; i++)
		q->addresses[i] = zt_buf_u40(&b);
	return zt_buf_result(&b);
}

zt_err zt_verb_whois_encode(const struct zt_verb_whois *q, struct zt_wbuf *w)
{
	if (q->count == 0 || q->count > ZT_VERB_WHOIS_MAX_ADDRESSES)
		return ZT_EINVALID;
	for (size_t i = 0; i < q->count; i++)
		zt_wbuf_u40(w, q->addresses[i]);
	return zt_wbuf_result(w);
}

zt_err zt_verb_ok_whois_decode(struct zt_verb_ok_whois *o, const uint8_t *p, size_t n)
{
	struct zt_buf b = zt_buf_init(p, n);
	zt_err err = read_ok_header(&b, ZT_VERB_WHOIS, &o->in_re_packet_id);
	o->count = 0;
	if (err)
		return err;
	while (zt_buf_left(&b)) {
		if (o->count == ZT_VERB_OK_WHOIS_MAX_IDENTITIES)
			return ZT_ETOOBIG;
		err = read_public_identity(&o->identities[o->count], &b);
		if (err)
			return err;
		o->count++;
	}
	return o->count ? ZT_OK : ZT_ETRUNCATED;
}

zt_err zt_verb_ok_whois_encode(const struct zt_verb_ok_whois *o, struct zt_wbuf *w)
{
	if (o->count == 0 || o->count > ZT_VERB_OK_WHOIS_MAX_IDENTITIES)
		return ZT_EINVALID;
	zt_verb_ok_header_encode(w, ZT_VERB_WHOIS, o->in_re_packet_id);
	for (size_t i = 0; i < o->count; i++)
		zt_identity_write(&o->identities[i], false, w);
	return zt_wbuf_result(w);
}

/* ---------------------------------------------------------------- RENDEZVOUS */

zt_err zt_verb_rendezvous_decode(struct zt_verb_rendezvous *r, const uint8_t *p, size_t n)
{
	struct zt_buf b = zt_buf_init(p, n);
	memset(r, 0, sizeof *r);
	r->flags = zt_buf_u8(&b);
	r->address = zt_buf_u40(&b);
	uint16_t port = zt_buf_u16(&b);
	uint8_t iplen = zt_buf_u8(&b);
	if (b.err)
		return ZT_ETRUNCATED;
	if (iplen != RENDEZVOUS_IPV4_LEN && iplen != RENDEZVOUS_IPV6_LEN)
		return ZT_EMALFORMED;
	const uint8_t *ip = zt_buf_get(&b, iplen);
	if (!ip)
		return ZT_ETRUNCATED;
	if (iplen == RENDEZVOUS_IPV4_LEN)
		zt_inetaddr_set_v4(&r->addr, ip, port);
	else
		zt_inetaddr_set_v6(&r->addr, ip, port);
	return ZT_OK;
}

zt_err zt_verb_rendezvous_encode(const struct zt_verb_rendezvous *r, struct zt_wbuf *w)
{
	uint8_t iplen;
	if (r->addr.family == ZT_INETADDR_V4)
		iplen = RENDEZVOUS_IPV4_LEN;
	else if (r->addr.family == ZT_INETADDR_V6)
		iplen = RENDEZVOUS_IPV6_LEN;
	else
		return ZT_EINVALID;
	zt_wbuf_u8(w, r->flags);
	zt_wbuf_u40(w, r->address);
	zt_wbuf_u16(w, r->addr.port);
	zt_wbuf_u8(w, iplen);
	zt_wbuf_put(w, r->addr.ip, iplen);
	return zt_wbuf_result(w);
}

/* ---------------------------------------------------------------- ECHO and OK(ECHO) */

zt_err zt_verb_echo_decode(struct zt_verb_echo *e, const uint8_t *p, size_t n)
{
	struct zt_buf b = zt_buf_init(p, n);
	e->in_re_packet_id = 0;
	e->len = n;
	e->data = zt_buf_get(&b, n);
	return zt_buf_result(&b);
}

zt_err zt_verb_echo_encode(const struct zt_verb_echo *e, struct zt_wbuf *w)
{
	if (e->len && !e->data)
		return ZT_EINVALID;
	zt_wbuf_put(w, e->data, e->len);
	return zt_wbuf_result(w);
}

zt_err zt_verb_ok_echo_decode(struct zt_verb_echo *e, const uint8_t *p, size_t n)
{
	struct zt_buf b = zt_buf_init(p, n);
	zt_err err = read_ok_header(&b, ZT_VERB_ECHO, &e->in_re_packet_id);
	if (err)
		return err;
	e->len = zt_buf_left(&b);
	e->data = zt_buf_get(&b, e->len);
	return zt_buf_result(&b);
}

zt_err zt_verb_ok_echo_encode(const struct zt_verb_echo *e, struct zt_wbuf *w)
{
	if (e->len && !e->data)
		return ZT_EINVALID;
	zt_verb_ok_header_encode(w, ZT_VERB_ECHO, e->in_re_packet_id);
	zt_wbuf_put(w, e->data, e->len);
	return zt_wbuf_result(w);
}
