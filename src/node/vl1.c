/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "node_impl.h"

/*
 * The receive side of VL1 (packet.md §14, verbs.md): classification, reassembly, HELLO and the
 * creation of peers, authentication, decompression, verb dispatch and path learning (§17).
 * Every handler reads through the bounded decoders of verbs.h; nothing here allocates except a
 * peer for a validated identity (bounded table, rate-limited validation).
 */

#define ZTN_WHOIS_REPLY_MAX 32   /* identities per OK(WHOIS) we send */
#define ZTN_OK_WHOIS_MAX 4       /* identities of one OK(WHOIS) we consider */
#define ZTN_PUSH_CONTACT_MAX 32  /* addresses contacted per PUSH_DIRECT_PATHS */
#define ZTN_WORLDS_MAX 8         /* worlds read from one OK(HELLO) */

/* ---------------------------------------------------------------- expecting replies */

void ztn_expect_add(struct zt_node *n, uint64_t packet_id, uint64_t dest, uint8_t verb)
{
	struct ztn_expect *e = &n->expect[n->expect_next++ % ZTN_EXPECT_SLOTS];
	e->packet_id = packet_id;
	e->dest = dest;
	e->verb = verb;
	e->sent = n->now;
}

const struct ztn_expect *ztn_expect_find(struct zt_node *n, uint64_t packet_id, uint64_t source, uint8_t verb)
{
	for (unsigned i = 0; i < ZTN_EXPECT_SLOTS; i++) {
		const struct ztn_expect *e = &n->expect[i];
		if (e->sent && e->packet_id == packet_id && e->dest == source && e->verb == verb &&
		    n->now - e->sent < ZTN_EXPECT_TTL && n->now >= e->sent)
			return e;
	}
	return NULL;
}

/* ---------------------------------------------------------------- gates */

/* One identity validation per source /24 (IPv4) or /48 (IPv6) per 2 s (verbs.md §3). */
static bool idgate_pass(struct zt_node *n, const struct zt_inetaddr *from)
{
	size_t len = from->family == ZT_INETADDR_V4 ? 3 : 6;
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ from->ip[i]) * 16777619u;
	int64_t *slot = &n->idgate[h & (ZTN_IDGATE_SLOTS - 1)];
	if (*slot && n->now - *slot < ZTN_IDGATE_INTERVAL && n->now >= *slot)
		return false;
	*slot = n->now;
	return true;
}

static bool gate(int64_t *last, int64_t interval, int64_t now)
{
	if (*last && now - *last < interval && now >= *last)
		return false;
	*last = now;
	return true;
}

/* ---------------------------------------------------------------- path learning (§17) */

static void received(struct zt_node *n, struct ztn_peer *p, zt_node_socket sock, const struct zt_inetaddr *from,
		     unsigned hops, unsigned verb, bool expected_ok)
{
	p->last_receive = n->now;
	p->last_used = n->now;
	if (hops == 0) {
		struct ztn_path *pa = ztn_peer_path_find(p, from, sock);
		if (pa) {
			pa->last_receive = n->now;
			ztn_peer_check_direct(n, p);
		} else if (ztn_path_allowed(n, p, from, sock)) {
			if (verb == ZT_VERB_OK) {
				/* Only an answer to something we sent teaches a path; another OK is just traffic. */
				if (expected_ok) {
					ztn_peer_path_learn(p, from, sock, n->now);
					ztn_peer_check_direct(n, p);
					ztn_peer_save(n, p, false);
				}
			} else if (ztn_peer_confirm_gate(p, from, sock, n->now)) {
				ztn_send_hello(n, p, from, sock);
			}
		}
	}
	if (p->root)
		ztn_check_online(n);
}

/* ---------------------------------------------------------------- HELLO (§3) */

/* Common part once the HELLO is authenticated: cryptField, OK(HELLO), versions. */
static zt_err hello_accept(struct zt_node *n, struct ztn_peer *p, zt_node_socket sock,
			   const struct zt_inetaddr *from, size_t len, unsigned hops)
{
	uint8_t *pkt = n->rx;
	const uint8_t *pl = pkt + ZT_PACKET_IDX_PAYLOAD;
	size_t plen = len - ZT_PACKET_IDX_PAYLOAD;
	size_t off;
	zt_err err = zt_verb_hello_cryptfield_offset(pl, plen, &off);
	if (err == ZT_OK)
		err = zt_packet_hello_cryptfield(pkt, len, ZT_PACKET_IDX_PAYLOAD + off, p->key.key);
	else if (err == ZT_ENOTFOUND)
		err = ZT_OK;
	struct zt_verb_hello *h = &n->scratch.hello;
	if (err || (err = zt_verb_hello_decode(h, pl, plen)) != ZT_OK)
		return err;
	if (h->proto_version < ZT_PROTO_VERSION_MIN || !zt_identity_equal(&h->identity, &p->id))
		return ZT_EINVALID;
	if (hops == 0 && h->has_sent_to && p->root)
		ztn_root_external(n, p, &h->sent_to);

	struct zt_verb_ok_hello o;
	memset(&o, 0, sizeof o);
	o.in_re_packet_id = zt_packet_id(pkt);
	o.timestamp_echo = h->timestamp;
	o.proto_version = ZT_PROTO_VERSION;
	o.major = ZT_SOFTWARE_VERSION_MAJOR;
	o.minor = ZT_SOFTWARE_VERSION_MINOR;
	o.revision = ZT_SOFTWARE_VERSION_REVISION;
	o.has_observed = true;
	o.observed = *from;
	if (h->proto_version < 5)
		o.observed.port = 0;
	if (n->planet && h->has_planet && h->planet_id == n->planet->id && h->planet_timestamp < n->planet->timestamp) {
		o.worlds = n->planet->raw;
		o.worlds_len = n->planet->raw_len;
	}
	int proto = h->proto_version, major = h->major, minor = h->minor, rev = h->revision;
	struct zt_wbuf w = zt_wbuf_init(n->payload, sizeof n->payload);
	/* The reply is armored before the version is recorded, as 1.x does (verbs.md §18.4). */
	if (zt_verb_ok_hello_encode(&o, &w) == ZT_OK)
		ztn_send(n, p, ZT_VERB_OK, n->payload, w.len, from, sock, NULL);
	ztn_peer_set_version(p, proto, major, minor, rev);
	return ZT_OK;
}

/* A HELLO from an address we know under another key: ERROR(IDENTITY_COLLISION) if its MAC holds. */
static zt_err hello_collision(struct zt_node *n, const struct zt_identity *id, zt_node_socket sock,
			      const struct zt_inetaddr *from, size_t len)
{
	uint8_t key[ZT_SYMMETRIC_KEY_SIZE];
	if (!idgate_pass(n, from))
		return ZT_ELIMIT;
	zt_err err = zt_identity_agree(&n->self, id, key);
	struct ztn_peer *tmp = err ? NULL : ztn_peer_new(id, key, n->now);
	zt_wipe(key, sizeof key);
	if (!tmp)
		return ZT_ECRYPTO;
	uint64_t in_re = zt_packet_id(n->rx);
	err = zt_packet_dearmor(n->rx, len, &tmp->key);
	if (err == ZT_OK) {
		struct zt_verb_error e = { .in_re_verb = ZT_VERB_HELLO, .in_re_packet_id = in_re,
					   .code = ZT_ERROR_IDENTITY_COLLISION };
		struct zt_wbuf w = zt_wbuf_init(n->payload, sizeof n->payload);
		if (zt_verb_error_encode(&e, &w) == ZT_OK)
			ztn_send(n, tmp, ZT_VERB_ERROR, n->payload, w.len, from, sock, NULL);
		ztn_log(n, "identity collision address=%010llx", (unsigned long long)id->address);
		err = ZT_EEXIST;
	}
	ztn_peer_free(tmp);
	return err;
}

/* A cipher-0 HELLO: the only packet that can introduce an identity. */
static zt_err rx_hello_plain(struct zt_node *n, struct ztn_peer *p, zt_node_socket sock,
			     const struct zt_inetaddr *from, size_t len, unsigned hops)
{
	const uint8_t *pl = n->rx + ZT_PACKET_IDX_PAYLOAD;
	size_t plen = len - ZT_PACKET_IDX_PAYLOAD;
	if (plen < ZT_VERB_HELLO_MIN_LEN || pl[0] < ZT_PROTO_VERSION_MIN)
		return ZT_EMALFORMED;
	struct zt_identity id;
	struct zt_buf b = zt_buf_init(pl + 13, plen - 13);
	zt_err err = zt_identity_read(&id, &b);
	if (err)
		return err;
	if (id.has_private || id.address != zt_packet_source(n->rx))
		return ZT_EMALFORMED;
	if (p) {
		if (!zt_identity_equal(&p->id, &id))
			return hello_collision(n, &id, sock, from, len);
		if ((err = zt_packet_dearmor(n->rx, len, &p->key)) != ZT_OK) {
			n->stats.rx_auth_failed++;
			return err;
		}
	} else {
		if (!idgate_pass(n, from))
			return ZT_ELIMIT;
		uint8_t key[ZT_SYMMETRIC_KEY_SIZE];
		err = zt_identity_agree(&n->self, &id, key);
		struct ztn_peer *np = err ? NULL : ztn_peer_new(&id, key, n->now);
		zt_wipe(key, sizeof key);
		if (!np)
			return ZT_ECRYPTO;
		if ((err = zt_packet_dearmor(n->rx, len, &np->key)) != ZT_OK) {
			n->stats.rx_auth_failed++;
			ztn_peer_free(np);
			return err;
		}
		if ((err = ztn_validate(n, &id)) != ZT_OK || (err = ztn_peer_insert(n, np)) != ZT_OK) {
			ztn_peer_free(np);
			return err;
		}
		p = np;
		p->dirty = true;
		ztn_whois_done(n, p->id.address);
		ztn_event(n, ZT_NODE_EVENT_PEER_NEW, p->id.address);
	}
	n->stats.rx_packets++;
	p->last_receive = n->now;
	if ((err = hello_accept(n, p, sock, from, len, hops)) != ZT_OK)
		return err;
	received(n, p, sock, from, hops, ZT_VERB_HELLO, false);
	return ZT_OK;
}

/* ---------------------------------------------------------------- OK (§2, §4, §5, §9) */

static void rx_worlds(struct zt_node *n, const uint8_t *data, size_t len)
{
	if (!n->planet)
		return;
	struct zt_buf b = zt_buf_init(data, len);
	for (unsigned i = 0; i < ZTN_WORLDS_MAX && zt_buf_left(&b) > 0; i++) {
		struct zt_world *w = &n->world_scratch;
		if (zt_world_read(w, &b) != ZT_OK)
			return;
		if (w->type != ZT_WORLD_TYPE_PLANET || w->id != n->planet->id ||
		    zt_world_check_update(n->planet, w) != ZT_OK)
			continue;
		if (ztn_planet_apply(n, w) != ZT_OK)
			continue;
		if (n->cb.state_put)
			n->cb.state_put(n->cb.ctx, ZT_NODE_STATE_PLANET, w->id, w->raw, w->raw_len);
		ztn_log(n, "planet updated id=%llu timestamp=%llu", (unsigned long long)w->id,
			(unsigned long long)w->timestamp);
		ztn_event(n, ZT_NODE_EVENT_PLANET_UPDATED, 0);
	}
}

static void ok_whois(struct zt_node *n, struct ztn_peer *p, const uint8_t *pl, size_t plen)
{
	if (!p->root) /* accepted only from an upstream (verbs.md §5) */
		return;
	struct zt_verb_ok_whois *o = &n->scratch.ok_whois;
	if (zt_verb_ok_whois_decode(o, pl, plen) != ZT_OK)
		return;
	for (size_t i = 0; i < o->count && i < ZTN_OK_WHOIS_MAX; i++) {
		const struct zt_identity *id = &o->identities[i];
		if (!ztn_whois_pending(n, id->address) || ztn_peer_find(n, id->address))
			continue;
		/* 1.x trusts its roots here; we validate before first use (bounded per second). */
		zt_err err = ztn_validate(n, id);
		if (err == ZT_EINVALID) {
			ztn_log(n, "root %010llx sent an invalid identity for %010llx", (unsigned long long)p->id.address,
				(unsigned long long)id->address);
			continue;
		}
		struct ztn_peer *np = err ? NULL : ztn_peer_create(n, id, false);
		if (!np)
			continue;
		np->dirty = true;
		ztn_whois_done(n, id->address);
		ztn_event(n, ZT_NODE_EVENT_PEER_NEW, id->address);
	}
}

static void ok_echo(struct zt_node *n, struct ztn_peer *p, const uint8_t *pl, size_t plen, unsigned hops,
		    const struct zt_inetaddr *from, zt_node_socket sock)
{
	struct zt_verb_echo e;
	if (zt_verb_ok_echo_decode(&e, pl, plen) != ZT_OK || e.len != ZTN_ECHO_COOKIE_LEN)
		return;
	uint64_t cookie = zt_be64(e.data);
	for (unsigned i = 0; i < ZTN_PING_SLOTS; i++) {
		struct ztn_ping *pg = &n->pings[i];
		if (pg->state != ZTN_PING_SENT || pg->address != p->id.address || pg->cookie != cookie)
			continue;
		struct zt_node_event ev = { .type = ZT_NODE_EVENT_ECHO_REPLY, .address = p->id.address,
					    .local_socket = hops ? ZT_NODE_SOCKET_ANY : sock, .cookie = cookie,
					    .rtt_ms = n->now - pg->sent };
		if (hops == 0)
			ev.addr = *from;
		memset(pg, 0, sizeof *pg);
		ztn_event_full(n, &ev);
		return;
	}
}

/* Returns true if the OK answers something we sent (only then may it teach a path). */
static bool rx_ok(struct zt_node *n, struct ztn_peer *p, zt_node_socket sock, const struct zt_inetaddr *from,
		  const uint8_t *pl, size_t plen, unsigned hops)
{
	struct zt_verb_ok ok;
	if (zt_verb_ok_decode(&ok, pl, plen) != ZT_OK)
		return false;
	const struct ztn_expect *e = ztn_expect_find(n, ok.in_re_packet_id, p->id.address, ok.in_re_verb);
	if (!e)
		return false;
	int64_t rtt = n->now - e->sent;
	switch (ok.in_re_verb) {
	case ZT_VERB_HELLO: {
		struct zt_verb_ok_hello o;
		if (zt_verb_ok_hello_decode(&o, pl, plen) != ZT_OK || o.proto_version < ZT_PROTO_VERSION_MIN)
			return false;
		if (hops == 0 && (int64_t)o.timestamp_echo <= n->now && (int64_t)o.timestamp_echo >= 0)
			p->latency = n->now - (int64_t)o.timestamp_echo;
		if (hops == 0 && p->root && o.has_observed)
			ztn_root_external(n, p, &o.observed);
		if (p->root && o.worlds_len)
			rx_worlds(n, o.worlds, o.worlds_len);
		ztn_peer_set_version(p, o.proto_version, o.major, o.minor, o.revision);
		break;
	}
	case ZT_VERB_WHOIS:
		ok_whois(n, p, pl, plen);
		break;
	case ZT_VERB_ECHO:
		if (hops == 0 && rtt >= 0)
			p->latency = rtt;
		ok_echo(n, p, pl, plen, hops, from, sock);
		break;
	default:
		break;
	}
	return true;
}

/* ---------------------------------------------------------------- other verbs */

static void rx_error(struct zt_node *n, struct ztn_peer *p, const uint8_t *pl, size_t plen)
{
	struct zt_verb_error e;
	if (zt_verb_error_decode(&e, pl, plen) != ZT_OK)
		return;
	if (e.code == ZT_ERROR_IDENTITY_COLLISION && p->root && !n->collision) {
		ztn_log(n, "root %010llx reports that another identity holds our address",
			(unsigned long long)p->id.address);
		n->collision = true;
		ztn_event(n, ZT_NODE_EVENT_IDENTITY_COLLISION, p->id.address);
	}
}

static void rx_whois(struct zt_node *n, struct ztn_peer *p, zt_node_socket sock, const struct zt_inetaddr *from,
		     const uint8_t *pl, size_t plen)
{
	if (!gate(&p->last_whois_in, ZTN_WHOIS_IN_INTERVAL, n->now))
		return;
	struct zt_verb_whois *q = &n->scratch.whois;
	if (zt_verb_whois_decode(q, pl, plen) != ZT_OK)
		return;
	struct zt_wbuf w = zt_wbuf_init(n->payload, sizeof n->payload);
	zt_verb_ok_header_encode(&w, ZT_VERB_WHOIS, zt_packet_id(n->rx));
	unsigned found = 0;
	for (size_t i = 0; i < q->count && found < ZTN_WHOIS_REPLY_MAX; i++) {
		const struct zt_identity *id = NULL;
		const struct ztn_peer *k;
		if (q->addresses[i] == n->self.address)
			id = &n->self;
		else if ((k = ztn_peer_find(n, q->addresses[i])) != NULL)
			id = &k->id;
		if (id) {
			zt_identity_write(id, false, &w);
			found++;
		}
	}
	if (found && !w.err)
		ztn_send(n, p, ZT_VERB_OK, n->payload, w.len, from, sock, NULL);
}

static void rx_rendezvous(struct zt_node *n, struct ztn_peer *p, const uint8_t *pl, size_t plen)
{
	struct zt_verb_rendezvous r;
	if (!p->root || zt_verb_rendezvous_decode(&r, pl, plen) != ZT_OK || r.addr.port == 0)
		return;
	struct ztn_peer *t = ztn_peer_find(n, r.address);
	if (!t || t == p || !ztn_path_allowed(n, t, &r.addr, ZT_NODE_SOCKET_ANY))
		return;
	uint8_t junk[ZTN_JUNK_LEN];
	zt_random(junk, sizeof junk);
	ztn_send_raw(n, ZT_NODE_SOCKET_ANY, &r.addr, junk, sizeof junk, ZTN_JUNK_TTL);
	ztn_contact(n, t, &r.addr, ZT_NODE_SOCKET_ANY);
}

static void rx_echo(struct zt_node *n, struct ztn_peer *p, zt_node_socket sock, const struct zt_inetaddr *from,
		    const uint8_t *pl, size_t plen, unsigned hops)
{
	struct ztn_path *pa = hops == 0 ? ztn_peer_path_find(p, from, sock) : NULL;
	if (!gate(pa ? &pa->last_echo_in : &p->last_echo_in_relayed, ZTN_ECHO_IN_INTERVAL, n->now))
		return;
	struct zt_verb_echo e = { .in_re_packet_id = zt_packet_id(n->rx), .data = pl, .len = plen };
	struct zt_wbuf w = zt_wbuf_init(n->payload, ZT_PACKET_MAX_PAYLOAD);
	if (zt_verb_ok_echo_encode(&e, &w) == ZT_OK)
		ztn_send(n, p, ZT_VERB_OK, n->payload, w.len, from, sock, NULL);
}

static void rx_push(struct zt_node *n, struct ztn_peer *p, const uint8_t *pl, size_t plen)
{
	if (p->last_push_in && n->now - p->last_push_in < ZTN_PUSH_IN_WINDOW && n->now >= p->last_push_in)
		p->push_in_count++;
	else
		p->push_in_count = 0;
	p->last_push_in = n->now;
	if (p->push_in_count >= ZTN_PUSH_IN_MAX)
		return;
	struct zt_verb_push_direct_paths *d = &n->scratch.push;
	if (zt_verb_push_direct_paths_decode(d, pl, plen) != ZT_OK)
		return;
	unsigned tried[ZT_IP_SCOPE_GLOBAL + 1][2];
	memset(tried, 0, sizeof tried);
	unsigned contacted = 0;
	for (size_t i = 0; i < d->path_count && contacted < ZTN_PUSH_CONTACT_MAX; i++) {
		const struct zt_inetaddr *a = &d->paths[i].addr;
		if (d->paths[i].flags & ZT_VERB_PUSH_FLAG_FORGET)
			continue;
		bool active = false;
		for (unsigned k = 0; k < p->path_count && !active; k++)
			active = zt_inetaddr_equal(&p->paths[k].addr, a) && ztn_path_alive(&p->paths[k], n->now);
		if (active || !ztn_path_allowed(n, p, a, ZT_NODE_SOCKET_ANY))
			continue;
		unsigned *t = &tried[zt_inetaddr_scope(a)][a->family == ZT_INETADDR_V6];
		if (*t >= ZTN_PUSH_MAX_PER_SCOPE_FAMILY)
			continue;
		(*t)++;
		contacted++;
		ztn_contact(n, p, a, ZT_NODE_SOCKET_ANY);
	}
}

/* A node without a controller answers UNSUPPORTED_OPERATION (verbs.md §12). */
static void rx_config_request(struct zt_node *n, struct ztn_peer *p, zt_node_socket sock,
			      const struct zt_inetaddr *from, const uint8_t *pl, size_t plen)
{
	if (plen < 8)
		return;
	struct zt_verb_error e = { .in_re_verb = ZT_VERB_NETWORK_CONFIG_REQUEST,
				   .in_re_packet_id = zt_packet_id(n->rx),
				   .code = ZT_ERROR_UNSUPPORTED_OPERATION, .has_nwid = true, .nwid = zt_be64(pl) };
	struct zt_wbuf w = zt_wbuf_init(n->payload, sizeof n->payload);
	if (zt_verb_error_encode(&e, &w) == ZT_OK)
		ztn_send(n, p, ZT_VERB_ERROR, n->payload, w.len, from, sock, NULL);
}

/* ---------------------------------------------------------------- the pipeline */

static void enqueue(struct zt_node *n, uint64_t source, zt_node_socket sock, const struct zt_inetaddr *from,
		    size_t len)
{
	struct ztn_rxq *q = &n->rxq[0];
	for (unsigned i = 0; i < ZTN_RXQ_SLOTS; i++) {
		if (!n->rxq[i].used) {
			q = &n->rxq[i];
			break;
		}
		if (n->rxq[i].at < q->at)
			q = &n->rxq[i];
	}
	q->used = true;
	q->at = n->now;
	q->source = source;
	q->sock = sock;
	q->from = *from;
	q->len = len;
	memcpy(q->data, n->rx, len);
}

zt_err ztn_process(struct zt_node *n, zt_node_socket sock, const struct zt_inetaddr *from, size_t len)
{
	uint8_t *pkt = n->rx;
	if (len < ZT_PROTO_MIN_PACKET_LENGTH || len > ZT_PROTO_MAX_PACKET_LENGTH)
		return ZT_EMALFORMED;
	uint64_t src = zt_packet_source(pkt);
	if (zt_packet_dest(pkt) != n->self.address)
		return ZT_ENOTFOUND; /* a leaf does not relay */
	if (src == n->self.address || zt_address_is_reserved(src))
		return ZT_EMALFORMED;
	unsigned hops = zt_packet_hops(pkt), cipher = zt_packet_cipher(pkt);
	struct ztn_peer *p = ztn_peer_find(n, src);
	if (cipher == ZT_CIPHER_POLY1305_NONE && (pkt[ZT_PACKET_IDX_VERB] & ZT_VERB_MASK) == ZT_VERB_HELLO &&
	    !(pkt[ZT_PACKET_IDX_VERB] & ZT_VERB_FLAG_COMPRESSED))
		return rx_hello_plain(n, p, sock, from, len, hops);
	if (cipher != ZT_CIPHER_POLY1305_NONE && cipher != ZT_CIPHER_POLY1305_SALSA2012 &&
	    cipher != ZT_CIPHER_AES_GMAC_SIV)
		return ZT_EUNSUPPORTED;
	if (!p && !(p = ztn_lookup(n, src))) {
		if (!ztn_whois_pending(n, src))
			return ZT_ELIMIT;
		enqueue(n, src, sock, from, len);
		return ZT_OK;
	}
	zt_err err = zt_packet_dearmor(pkt, len, &p->key);
	if (err) {
		n->stats.rx_auth_failed++;
		return err;
	}
	if ((err = zt_packet_decompress(pkt, &len, sizeof n->rx)) != ZT_OK)
		return err;
	n->stats.rx_packets++;
	unsigned verb = zt_packet_verb(pkt);
	const uint8_t *pl = pkt + ZT_PACKET_IDX_PAYLOAD;
	size_t plen = len - ZT_PACKET_IDX_PAYLOAD;
	bool expected_ok = false;
	p->last_receive = n->now;
	switch (verb) {
	case ZT_VERB_HELLO:
		if ((err = hello_accept(n, p, sock, from, len, hops)) != ZT_OK)
			return err;
		break;
	case ZT_VERB_ERROR:
		rx_error(n, p, pl, plen);
		break;
	case ZT_VERB_OK:
		expected_ok = rx_ok(n, p, sock, from, pl, plen, hops);
		break;
	case ZT_VERB_WHOIS:
		rx_whois(n, p, sock, from, pl, plen);
		break;
	case ZT_VERB_RENDEZVOUS:
		rx_rendezvous(n, p, pl, plen);
		break;
	case ZT_VERB_ECHO:
		rx_echo(n, p, sock, from, pl, plen, hops);
		break;
	case ZT_VERB_PUSH_DIRECT_PATHS:
		rx_push(n, p, pl, plen);
		break;
	case ZT_VERB_NETWORK_CONFIG_REQUEST:
		p->last_nontrivial = n->now;
		rx_config_request(n, p, sock, from, pl, plen);
		break;
	case ZT_VERB_FRAME:
	case ZT_VERB_EXT_FRAME:
	case ZT_VERB_NETWORK_CONFIG:
	case ZT_VERB_MULTICAST_FRAME:
		/* No VL2 yet: counted as activity (keepalive rules, §17) and otherwise ignored. */
		p->last_nontrivial = n->now;
		break;
	default:
		break;
	}
	if (n->collision)
		return ZT_OK;
	received(n, p, sock, from, hops, verb, expected_ok);
	return ZT_OK;
}

zt_err zt_node_receive(struct zt_node *n, int64_t now, zt_node_socket local_socket, const struct zt_inetaddr *from,
		       const void *data, size_t len, int64_t *next_deadline)
{
	n->now = now;
	n->stats.rx_datagrams++;
	zt_err err = ZT_OK;
	size_t plen = 0;
	if (n->collision) {
		err = ZT_EINVALID;
	} else if (!from || !data || (from->family != ZT_INETADDR_V4 && from->family != ZT_INETADDR_V6)) {
		err = ZT_EINVALID;
	} else if (len > ZT_PROTO_MAX_PACKET_LENGTH) {
		err = ZT_ETOOBIG;
	} else {
		const uint8_t *d = data;
		switch (zt_packet_classify(d, len)) {
		case ZT_DATAGRAM_BEACON:
			break; /* LAN beacons are not answered */
		case ZT_DATAGRAM_FRAGMENT:
			if (zt_fragment_dest(d) != n->self.address) {
				err = ZT_ENOTFOUND;
				break;
			}
			err = zt_defrag_add(&n->defrag, d, len, now, n->rx, sizeof n->rx, &plen);
			if (err == ZT_OK)
				err = ztn_process(n, local_socket, from, plen);
			break;
		case ZT_DATAGRAM_HEAD:
			if (zt_packet_dest(d) != n->self.address) {
				err = ZT_ENOTFOUND;
			} else if (zt_packet_fragmented(d)) {
				err = zt_defrag_add(&n->defrag, d, len, now, n->rx, sizeof n->rx, &plen);
				if (err == ZT_OK)
					err = ztn_process(n, local_socket, from, plen);
			} else {
				memcpy(n->rx, d, len);
				err = ztn_process(n, local_socket, from, len);
			}
			break;
		default:
			err = ZT_EMALFORMED;
			break;
		}
		if (err == ZT_EPENDING)
			err = ZT_OK;
	}
	if (err)
		n->stats.rx_dropped++;
	ztn_flush(n);
	if (next_deadline)
		*next_deadline = zt_node_next_deadline(n);
	return err;
}
