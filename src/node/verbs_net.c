/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Verb payloads that serve virtual networks and path discovery: MULTICAST_LIKE, MULTICAST_GATHER and
 * its OK, PUSH_DIRECT_PATHS, NETWORK_CONFIG_REQUEST (verbs.md §10-15). Declared in verbs.h.
 */
#include <string.h>

#include "verbs.h"

#define PUSH_IPV4_ADDR_LEN 6  /* IP + port */
#define PUSH_IPV6_ADDR_LEN 18
#define PUSH_TYPE_IPV4 4
#define PUSH_TYPE_IPV6 6

static void read_group(struct zt_buf *b, uint64_t *nwid, uint8_t mac[static ZT_MAC_LEN], uint32_t *adi)
{
	*nwid = zt_buf_u64(b);
	zt_buf_copy(b, mac, ZT_MAC_LEN);
	*adi = zt_buf_u32(b);
}

static void write_group(struct zt_wbuf *w, uint64_t nwid, const uint8_t mac[static ZT_MAC_LEN], uint32_t adi)
{
	zt_wbuf_u64(w, nwid);
	zt_wbuf_put(w, mac, ZT_MAC_LEN);
	zt_wbuf_u32(w, adi);
}

/* ---------------------------------------------------------------- MULTICAST_LIKE */

zt_err zt_verb_multicast_like_decode(struct zt_verb_multicast_like *l, const uint8_t *p, size_t n)
{
	struct zt_buf b = zt_buf_init(p, n);
	l->count = n / ZT_VERB_MULTICAST_GROUP_LEN;
	if (l->count == 0)
		return ZT_ETRUNCATED;
	if (l->count > ZT_VERB_LIKE_MAX_GROUPS)
		return ZT_ETOOBIG;
	for (size_t i = 0; i < l->count; i++) {
		struct zt_multicast_group *g = &l->groups[i];
		read_group(&b, &g->nwid, g->mac, &g->adi);
	}
	return zt_buf_result(&b);
}

zt_err zt_verb_multicast_like_encode(const struct zt_verb_multicast_like *l, struct zt_wbuf *w)
{
	if (l->count == 0 || l->count > ZT_VERB_LIKE_MAX_GROUPS)
		return ZT_EINVALID;
	for (size_t i = 0; i < l->count; i++)
		write_group(w, l->groups[i].nwid, l->groups[i].mac, l->groups[i].adi);
	return zt_wbuf_result(w);
}

/* ---------------------------------------------------------------- MULTICAST_GATHER and its OK */

zt_err zt_verb_multicast_gather_decode(struct zt_verb_multicast_gather *g, const uint8_t *p, size_t n)
{
	struct zt_buf b = zt_buf_init(p, n);
	memset(g, 0, sizeof *g);
	g->nwid = zt_buf_u64(&b);
	g->flags = zt_buf_u8(&b);
	zt_buf_copy(&b, g->mac, sizeof g->mac);
	g->adi = zt_buf_u32(&b);
	g->limit = zt_buf_u32(&b);
	if (b.err)
		return ZT_ETRUNCATED;
	/* The COM describes its own length, but we leave its parsing to the credential code. */
	if (g->flags & ZT_VERB_GATHER_FLAG_COM) {
		g->com_len = zt_buf_left(&b);
		if (!g->com_len)
			return ZT_ETRUNCATED; /* 1.x fails to read the announced COM and drops the packet */
		g->com = zt_buf_get(&b, g->com_len);
	}
	return zt_buf_result(&b);
}

zt_err zt_verb_multicast_gather_encode(const struct zt_verb_multicast_gather *g, struct zt_wbuf *w)
{
	bool with_com = (g->flags & ZT_VERB_GATHER_FLAG_COM) != 0;
	if (with_com && (!g->com || !g->com_len))
		return ZT_EINVALID;
	zt_wbuf_u64(w, g->nwid);
	zt_wbuf_u8(w, g->flags);
	zt_wbuf_put(w, g->mac, sizeof g->mac);
	zt_wbuf_u32(w, g->adi);
	zt_wbuf_u32(w, g->limit);
	if (with_com)
		zt_wbuf_put(w, g->com, g->com_len);
	return zt_wbuf_result(w);
}

zt_err zt_verb_ok_multicast_gather_decode(struct zt_verb_ok_multicast_gather *o, const uint8_t *p, size_t n)
{
	struct zt_buf b = zt_buf_init(p, n);
	uint8_t verb = zt_buf_u8(&b);
	o->in_re_packet_id = zt_buf_u64(&b);
	read_group(&b, &o->nwid, o->mac, &o->adi);
	o->total_known = zt_buf_u32(&b);
	o->count = zt_buf_u16(&b);
	if (b.err) {
		o->count = 0;
		return ZT_ETRUNCATED;
	}
	if (verb != ZT_VERB_MULTICAST_GATHER) {
		o->count = 0;
		return ZT_EMALFORMED;
	}
	/* Not reachable from a real packet (the array holds what fits), only from oversized input. */
	if (o->count > ZT_VERB_OK_GATHER_MAX_ADDRESSES) {
		o->count = 0;
		return ZT_ETOOBIG;
	}
	for (size_t i = 0; i < o->count; i++)
		o->addresses[i] = zt_buf_u40(&b);
	return zt_buf_result(&b);
}

zt_err zt_verb_ok_multicast_gather_encode(const struct zt_verb_ok_multicast_gather *o, struct zt_wbuf *w)
{
	if (o->count > ZT_VERB_OK_GATHER_MAX_ADDRESSES)
		return ZT_EINVALID;
	zt_verb_ok_header_encode(w, ZT_VERB_MULTICAST_GATHER, o->in_re_packet_id);
	write_group(w, o->nwid, o->mac, o->adi);
	zt_wbuf_u32(w, o->total_known);
	zt_wbuf_u16(w, (uint16_t)o->count);
	for (size_t i = 0; i < o->count; i++)
		zt_wbuf_u40(w, o->addresses[i]);
	return zt_wbuf_result(w);
}

/* ---------------------------------------------------------------- PUSH_DIRECT_PATHS */

/* Reads one record; *kept is set if it is an IPv4/IPv6 address (stored in *path). */
static zt_err push_read_record(struct zt_buf *b, struct zt_verb_push_path *path, bool *kept)
{
	*kept = false;
	path->flags = zt_buf_u8(b);
	zt_buf_skip(b, zt_buf_u16(b)); /* extension: defined by nobody, skipped by everybody */
	uint8_t type = zt_buf_u8(b);
	uint8_t len = zt_buf_u8(b);
	if (b->err)
		return ZT_ETRUNCATED;
	if (type != PUSH_TYPE_IPV4 && type != PUSH_TYPE_IPV6) {
		zt_buf_skip(b, len); /* 1.x skips unknown address types by their length */
		return zt_buf_result(b);
	}
	size_t iplen = type == PUSH_TYPE_IPV4 ? PUSH_IPV4_ADDR_LEN - 2 : PUSH_IPV6_ADDR_LEN - 2;
	if (len != iplen + 2)
		return ZT_EMALFORMED;
	const uint8_t *ip = zt_buf_get(b, iplen);
	uint16_t port = zt_buf_u16(b);
	if (b->err)
		return ZT_ETRUNCATED;
	if (type == PUSH_TYPE_IPV4)
		zt_inetaddr_set_v4(&path->addr, ip, port);
	else
		zt_inetaddr_set_v6(&path->addr, ip, port);
	*kept = true;
	return ZT_OK;
}

zt_err zt_verb_push_direct_paths_decode(struct zt_verb_push_direct_paths *d, const uint8_t *p, size_t n)
{
	struct zt_buf b = zt_buf_init(p, n);
	d->path_count = 0;
	d->count = zt_buf_u16(&b);
	if (b.err)
		return ZT_ETRUNCATED;
	for (unsigned i = 0; i < d->count; i++) {
		struct zt_verb_push_path path;
		bool kept;
		memset(&path, 0, sizeof path);
		zt_err err = push_read_record(&b, &path, &kept);
		if (err)
			return err;
		if (kept && d->path_count < ZT_VERB_PUSH_MAX_PATHS)
			d->paths[d->path_count++] = path;
	}
	return ZT_OK;
}

zt_err zt_verb_push_direct_paths_encode(const struct zt_verb_push_direct_paths *d, struct zt_wbuf *w)
{
	if (d->path_count > ZT_VERB_PUSH_MAX_PATHS)
		return ZT_EINVALID;
	for (size_t i = 0; i < d->path_count; i++) {
		uint8_t family = d->paths[i].addr.family;
		if (family != ZT_INETADDR_V4 && family != ZT_INETADDR_V6)
			return ZT_EINVALID;
	}
	zt_wbuf_u16(w, (uint16_t)d->path_count);
	for (size_t i = 0; i < d->path_count; i++) {
		const struct zt_verb_push_path *path = &d->paths[i];
		bool v4 = path->addr.family == ZT_INETADDR_V4;
		zt_wbuf_u8(w, path->flags);
		zt_wbuf_u16(w, 0);
		zt_wbuf_u8(w, v4 ? PUSH_TYPE_IPV4 : PUSH_TYPE_IPV6);
		zt_wbuf_u8(w, v4 ? PUSH_IPV4_ADDR_LEN : PUSH_IPV6_ADDR_LEN);
		zt_wbuf_put(w, path->addr.ip, v4 ? PUSH_IPV4_ADDR_LEN - 2 : PUSH_IPV6_ADDR_LEN - 2);
		zt_wbuf_u16(w, path->addr.port);
	}
	return zt_wbuf_result(w);
}

/* ---------------------------------------------------------------- NETWORK_CONFIG_REQUEST */

zt_err zt_verb_network_config_request_decode(struct zt_verb_network_config_request *r, const uint8_t *p, size_t n)
{
	struct zt_buf b = zt_buf_init(p, n);
	memset(r, 0, sizeof *r);
	r->nwid = zt_buf_u64(&b);
	r->metadata_len = zt_buf_u16(&b);
	r->metadata = zt_buf_get(&b, r->metadata_len);
	if (b.err)
		return ZT_ETRUNCATED;
	if (zt_buf_left(&b) >= sizeof(uint64_t))
		r->revision = zt_buf_u64(&b);
	if (zt_buf_left(&b) >= sizeof(uint64_t))
		r->timestamp = zt_buf_u64(&b);
	return zt_buf_result(&b);
}

zt_err zt_verb_network_config_request_encode(const struct zt_verb_network_config_request *r,
					      struct zt_wbuf *w)
{
	if (r->metadata_len > UINT16_MAX || (r->metadata_len && !r->metadata))
		return ZT_EINVALID;
	zt_wbuf_u64(w, r->nwid);
	zt_wbuf_u16(w, (uint16_t)r->metadata_len);
	zt_wbuf_put(w, r->metadata, r->metadata_len);
	zt_wbuf_u64(w, r->revision);
	zt_wbuf_u64(w, r->timestamp);
	return zt_wbuf_result(w);
}
