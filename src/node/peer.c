/* SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "peer.h"

struct ztn_peer *ztn_peer_new(const struct zt_identity *id, const uint8_t key[static ZT_SYMMETRIC_KEY_SIZE],
			      int64_t now)
{
	struct ztn_peer *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	if (zt_peer_key_init(&p->key, key) != ZT_OK) {
		free(p);
		return NULL;
	}
	p->id = *id;
	zt_wipe(p->id.priv, sizeof p->id.priv);
	p->id.has_private = false;
	p->proto = p->major = p->minor = p->revision = -1;
	p->latency = -1;
	p->last_used = now;
	return p;
}

void ztn_peer_free(struct ztn_peer *p)
{
	if (!p)
		return;
	zt_peer_key_free(&p->key);
	free(p);
}

struct ztn_path *ztn_peer_path_find(struct ztn_peer *p, const struct zt_inetaddr *addr, zt_node_socket sock)
{
	for (unsigned i = 0; i < p->path_count; i++)
		if (p->paths[i].sock == sock && zt_inetaddr_equal(&p->paths[i].addr, addr))
			return &p->paths[i];
	return NULL;
}

struct ztn_path *ztn_peer_best_path(struct ztn_peer *p, int64_t now)
{
	struct ztn_path *best = NULL;
	for (unsigned i = 0; i < p->path_count; i++) {
		struct ztn_path *pa = &p->paths[i];
		if (ztn_path_alive(pa, now) && (!best || pa->last_receive > best->last_receive))
			best = pa;
	}
	return best;
}

bool ztn_peer_has_alive_path(const struct ztn_peer *p, int64_t now)
{
	for (unsigned i = 0; i < p->path_count; i++)
		if (ztn_path_alive(&p->paths[i], now))
			return true;
	return false;
}

bool ztn_peer_has_alive_family(const struct ztn_peer *p, uint8_t family, int64_t now)
{
	for (unsigned i = 0; i < p->path_count; i++)
		if (p->paths[i].addr.family == family && ztn_path_alive(&p->paths[i], now))
			return true;
	return false;
}

struct ztn_path *ztn_peer_path_learn(struct ztn_peer *p, const struct zt_inetaddr *addr, zt_node_socket sock,
				     int64_t now)
{
	struct ztn_path *pa = ztn_peer_path_find(p, addr, sock);
	if (!pa) {
		/* Same IP on the same socket whose path died: the NAT changed the port. */
		for (unsigned i = 0; i < p->path_count && !pa; i++)
			if (p->paths[i].sock == sock && zt_inetaddr_ip_equal(&p->paths[i].addr, addr) &&
			    !ztn_path_alive(&p->paths[i], now))
				pa = &p->paths[i];
		if (!pa && p->path_count < ZT_NODE_MAX_PATHS)
			pa = &p->paths[p->path_count++];
		if (!pa) {
			pa = &p->paths[0];
			for (unsigned i = 1; i < p->path_count; i++)
				if (p->paths[i].last_receive < pa->last_receive)
					pa = &p->paths[i];
		}
		memset(pa, 0, sizeof *pa);
		pa->addr = *addr;
		pa->sock = sock;
		p->dirty = true;
	}
	pa->last_receive = now;
	return pa;
}

unsigned ztn_peer_paths_expire(struct ztn_peer *p, int64_t now)
{
	unsigned kept = 0, dropped = 0;
	for (unsigned i = 0; i < p->path_count; i++) {
		if (ztn_path_expired(&p->paths[i], now)) {
			dropped++;
			continue;
		}
		if (kept != i)
			p->paths[kept] = p->paths[i];
		kept++;
	}
	p->path_count = kept;
	if (dropped)
		p->dirty = true;
	return dropped;
}

bool ztn_peer_confirm_gate(struct ztn_peer *p, const struct zt_inetaddr *addr, zt_node_socket sock, int64_t now)
{
	struct ztn_confirm *slot = NULL, *oldest = &p->confirm[0];
	for (unsigned i = 0; i < ZTN_CONFIRM_SLOTS; i++) {
		struct ztn_confirm *c = &p->confirm[i];
		if (c->at && c->sock == sock && zt_inetaddr_equal(&c->addr, addr))
			slot = c;
		if (c->at < oldest->at)
			oldest = c;
	}
	if (slot && now - slot->at < ZTN_CONFIRM_INTERVAL && now >= slot->at)
		return false;
	if (!slot) {
		slot = oldest;
		slot->addr = *addr;
		slot->sock = sock;
	}
	slot->at = now;
	return true;
}

void ztn_peer_set_version(struct ztn_peer *p, int proto, int major, int minor, int revision)
{
	if (p->proto != proto || p->major != major || p->minor != minor || p->revision != revision)
		p->dirty = true;
	p->proto = proto;
	p->major = major;
	p->minor = minor;
	p->revision = revision;
}

unsigned ztn_peer_cipher(const struct ztn_peer *p)
{
	return p->proto >= 12 ? ZT_CIPHER_AES_GMAC_SIV : ZT_CIPHER_POLY1305_SALSA2012;
}

/* Cache entry: [1] version [71] identity [1] proto [1] major [1] minor [2] revision (0xff.. = unknown)
 * [1] path count, then per path [1/7/19] InetAddress. */
long ztn_peer_state_write(const struct ztn_peer *p, uint8_t *out, size_t cap)
{
	struct zt_wbuf w = zt_wbuf_init(out, cap);
	zt_wbuf_u8(&w, ZTN_PEER_STATE_VERSION);
	zt_identity_write(&p->id, false, &w);
	zt_wbuf_u8(&w, p->proto < 0 ? 0xff : (uint8_t)p->proto);
	zt_wbuf_u8(&w, p->major < 0 ? 0xff : (uint8_t)p->major);
	zt_wbuf_u8(&w, p->minor < 0 ? 0xff : (uint8_t)p->minor);
	zt_wbuf_u16(&w, p->revision < 0 ? 0xffff : (uint16_t)p->revision);
	zt_wbuf_u8(&w, (uint8_t)p->path_count);
	for (unsigned i = 0; i < p->path_count; i++)
		zt_inetaddr_write(&p->paths[i].addr, &w);
	zt_err err = zt_wbuf_result(&w);
	return err ? err : (long)w.len;
}

zt_err ztn_peer_state_read(struct ztn_peer_state *s, const uint8_t *data, size_t len)
{
	memset(s, 0, sizeof *s);
	struct zt_buf b = zt_buf_init(data, len);
	if (zt_buf_u8(&b) != ZTN_PEER_STATE_VERSION)
		return b.err ? ZT_ETRUNCATED : ZT_EUNSUPPORTED;
	zt_err err = zt_identity_read(&s->id, &b);
	if (err)
		return err;
	if (s->id.has_private)
		return ZT_EMALFORMED;
	uint8_t proto = zt_buf_u8(&b), major = zt_buf_u8(&b), minor = zt_buf_u8(&b);
	uint16_t rev = zt_buf_u16(&b);
	unsigned n = zt_buf_u8(&b);
	if (b.err)
		return ZT_ETRUNCATED;
	s->proto = proto == 0xff ? -1 : proto;
	s->major = major == 0xff ? -1 : major;
	s->minor = minor == 0xff ? -1 : minor;
	s->revision = rev == 0xffff ? -1 : rev;
	if (n > ZT_NODE_MAX_PATHS)
		return ZT_ETOOBIG;
	for (unsigned i = 0; i < n; i++) {
		struct zt_inetaddr a;
		if ((err = zt_inetaddr_read(&a, &b)) != ZT_OK)
			return err;
		if (a.family != ZT_INETADDR_NIL && a.port != 0)
			s->addrs[s->addr_count++] = a;
	}
	return ZT_OK;
}

void ztn_peer_info(const struct ztn_peer *p, int64_t now, struct zt_node_peer_info *out)
{
	memset(out, 0, sizeof *out);
	out->address = p->id.address;
	out->role = p->root ? ZT_NODE_PEER_ROOT : ZT_NODE_PEER_LEAF;
	out->identity = p->id;
	out->latency_ms = p->latency;
	out->proto_version = p->proto;
	out->version_major = p->major;
	out->version_minor = p->minor;
	out->version_revision = p->revision;
	out->last_receive = p->last_receive;
	out->last_send = p->last_send;
	const struct ztn_path *best = NULL;
	for (unsigned i = 0; i < p->path_count; i++) {
		const struct ztn_path *pa = &p->paths[i];
		if (ztn_path_alive(pa, now) && (!best || pa->last_receive > best->last_receive))
			best = pa;
	}
	out->direct = best != NULL;
	out->path_count = p->path_count;
	for (unsigned i = 0; i < p->path_count; i++) {
		const struct ztn_path *pa = &p->paths[i];
		struct zt_node_path_info *pi = &out->paths[i];
		pi->addr = pa->addr;
		pi->local_socket = pa->sock;
		pi->last_send = pa->last_send;
		pi->last_receive = pa->last_receive;
		pi->active = ztn_path_alive(pa, now);
		pi->preferred = pa == best;
		pi->expired = ztn_path_expired(pa, now);
	}
}
