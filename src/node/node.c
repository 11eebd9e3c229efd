/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "node_impl.h"

/*
 * The engine's API: lifecycle, the send path (armor, compression, fragments, relaying through a
 * root), events, the background timers and introspection. Receive dispatch is in vl1.c, the peer
 * table and roots in topology.c.
 */

/* ---------------------------------------------------------------- events and budgets */

void ztn_event_full(struct zt_node *n, const struct zt_node_event *ev)
{
	if (n->cb.event)
		n->cb.event(n->cb.ctx, ev);
}

void ztn_event(struct zt_node *n, enum zt_node_event_type type, uint64_t address)
{
	struct zt_node_event ev = { .type = type, .address = address, .local_socket = ZT_NODE_SOCKET_ANY };
	ztn_event_full(n, &ev);
}

bool ztn_rate_take(struct ztn_bucket_rate *r, unsigned limit, int64_t now)
{
	if (now - r->window >= 1000 || now < r->window) {
		r->window = now;
		r->used = 0;
	}
	if (r->used >= limit)
		return false;
	r->used++;
	return true;
}

void ztn_log(struct zt_node *n, const char *fmt, ...)
{
	if (!n->cb.event || !ztn_rate_take(&n->log_rate, ZTN_LOG_PER_SEC, n->now))
		return;
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	struct zt_node_event ev = { .type = ZT_NODE_EVENT_LOG, .local_socket = ZT_NODE_SOCKET_ANY, .message = msg };
	ztn_event_full(n, &ev);
}

/* ---------------------------------------------------------------- sending */

int ztn_send_raw(struct zt_node *n, zt_node_socket sock, const struct zt_inetaddr *to, const void *data,
		 size_t len, unsigned ttl)
{
	if (n->collision)
		return ZT_EINVALID;
	int rc = n->cb.send(n->cb.ctx, sock, to, data, len, ttl);
	n->stats.tx_datagrams++;
	if (rc < 0)
		n->stats.tx_failed++;
	return rc < 0 ? rc : ZT_OK;
}

/* Sends an armored packet, fragmenting it at the MTU. */
static zt_err deliver(struct zt_node *n, zt_node_socket sock, const struct zt_inetaddr *to, const uint8_t *pkt,
		      size_t len)
{
	if (len <= n->mtu)
		return ztn_send_raw(n, sock, to, pkt, len, 0);
	int count = zt_fragment_count(len, n->mtu);
	if (count < 0)
		return count;
	zt_err err = ZT_OK;
	for (int i = 0; i < count; i++) {
		long fl = zt_fragment_build(n->frag, sizeof n->frag, pkt, len, n->mtu, (unsigned)i);
		if (fl < 0)
			return (zt_err)fl;
		zt_err e = ztn_send_raw(n, sock, to, n->frag, (size_t)fl, 0);
		if (e && !err)
			err = e;
	}
	return err;
}

static bool expects_reply(uint8_t verb)
{
	return verb == ZT_VERB_HELLO || verb == ZT_VERB_WHOIS || verb == ZT_VERB_ECHO;
}

static void note_sent(struct zt_node *n, struct ztn_peer *p, const struct zt_inetaddr *to, zt_node_socket sock)
{
	p->last_send = n->now;
	struct ztn_path *pa = ztn_peer_path_find(p, to, sock);
	if (pa)
		pa->last_send = n->now;
}

zt_err ztn_send(struct zt_node *n, struct ztn_peer *p, uint8_t verb, const void *payload, size_t len,
		const struct zt_inetaddr *addr, zt_node_socket sock, uint64_t *wire_id)
{
	if (n->collision)
		return ZT_EINVALID;
	if (len > ZT_PACKET_MAX_PAYLOAD)
		return ZT_ETOOBIG;
	struct zt_inetaddr to;
	zt_node_socket s = sock;
	struct ztn_peer *via = p;
	zt_err err;
	if (addr) {
		to = *addr;
	} else if (p->root) {
		if ((err = ztn_root_route(n, p, &to, &s)) != ZT_OK)
			return err;
	} else {
		struct ztn_path *pa = ztn_peer_best_path(p, n->now);
		if (pa) {
			to = pa->addr;
			s = pa->sock;
		} else {
			via = ztn_root_best(n);
			if (!via || via == p)
				return ZT_ENOTFOUND;
			if ((err = ztn_root_route(n, via, &to, &s)) != ZT_OK)
				return err;
			n->stats.relayed_sent++;
		}
	}

	size_t total = zt_packet_init(n->tx, zt_random_u64(), p->id.address, n->self.address, verb);
	if (len)
		memcpy(n->tx + total, payload, len);
	total += len;
	if (verb != ZT_VERB_HELLO) {
		bool compressed;
		if ((err = zt_packet_compress(n->tx, &total, &compressed)) != ZT_OK)
			return err;
	}
	zt_packet_set_fragmented(n->tx, zt_fragment_needed(total, n->mtu));
	if ((err = zt_packet_armor(n->tx, total, &p->key, ztn_peer_cipher(p))) != ZT_OK)
		return err;
	uint64_t id = zt_packet_id(n->tx);
	if (wire_id)
		*wire_id = id;
	if (expects_reply(verb))
		ztn_expect_add(n, id, p->id.address, verb);
	err = deliver(n, s, &to, n->tx, total);
	note_sent(n, p, &to, s);
	if (via != p)
		note_sent(n, via, &to, s);
	return err;
}

zt_err ztn_send_hello(struct zt_node *n, struct ztn_peer *p, const struct zt_inetaddr *addr, zt_node_socket sock)
{
	if (n->collision)
		return ZT_EINVALID;
	struct zt_verb_hello h;
	memset(&h, 0, sizeof h);
	h.proto_version = ZT_PROTO_VERSION;
	h.major = ZT_SOFTWARE_VERSION_MAJOR;
	h.minor = ZT_SOFTWARE_VERSION_MINOR;
	h.revision = ZT_SOFTWARE_VERSION_REVISION;
	h.timestamp = (uint64_t)n->now;
	h.identity = n->self;
	zt_wipe(h.identity.priv, sizeof h.identity.priv);
	h.identity.has_private = false;
	h.sent_to = *addr;
	if (n->planet) {
		h.planet_id = n->planet->id;
		h.planet_timestamp = n->planet->timestamp;
	}
	size_t total = zt_packet_init(n->tx, zt_random_u64(), p->id.address, n->self.address, ZT_VERB_HELLO);
	struct zt_wbuf w = zt_wbuf_init(n->tx + total, sizeof n->tx - total);
	size_t cf = 0;
	zt_err err = zt_verb_hello_encode(&h, &w, &cf);
	if (err)
		return err;
	total += w.len;
	if ((err = zt_packet_hello_cryptfield(n->tx, total, ZT_PACKET_IDX_PAYLOAD + cf, p->key.key)) != ZT_OK)
		return err;
	if ((err = zt_packet_armor(n->tx, total, &p->key, ZT_CIPHER_POLY1305_NONE)) != ZT_OK)
		return err;
	ztn_expect_add(n, zt_packet_id(n->tx), p->id.address, ZT_VERB_HELLO);
	err = deliver(n, sock, addr, n->tx, total);
	note_sent(n, p, addr, sock);
	p->last_hello = n->now;
	return err;
}

zt_err ztn_contact(struct zt_node *n, struct ztn_peer *p, const struct zt_inetaddr *addr, zt_node_socket sock)
{
	bool v110 = p->major == 1 && p->minor == 1 && p->revision == 0;
	if (p->proto >= 5 && !v110)
		return ztn_send(n, p, ZT_VERB_ECHO, NULL, 0, addr, sock, NULL);
	return ztn_send_hello(n, p, addr, sock);
}

bool ztn_path_allowed(struct zt_node *n, const struct ztn_peer *p, const struct zt_inetaddr *addr,
		      zt_node_socket sock)
{
	if ((addr->family != ZT_INETADDR_V4 && addr->family != ZT_INETADDR_V6) || addr->port == 0)
		return false;
	if (!zt_inetaddr_usable_as_path(addr) &&
	    !(n->cfg.allow_loopback_paths && zt_inetaddr_scope(addr) == ZT_IP_SCOPE_LOOPBACK))
		return false;
	const struct ztn_root *r = p ? ztn_root_find(n, p->id.address) : NULL;
	if (r && r->ep_count) {
		/* A root's listed endpoints are an allow-list (world.md §4): IP compared, not port. */
		bool listed = false;
		for (unsigned i = 0; i < r->ep_count && !listed; i++)
			listed = zt_inetaddr_ip_equal(&r->eps[i], addr);
		if (!listed)
			return false;
	}
	if (n->cb.path_check && !n->cb.path_check(n->cb.ctx, p ? p->id.address : 0, sock, addr))
		return false;
	return true;
}

/* ---------------------------------------------------------------- state transitions */

void ztn_peer_check_direct(struct zt_node *n, struct ztn_peer *p)
{
	struct ztn_path *best = ztn_peer_best_path(p, n->now);
	if ((best != NULL) == p->direct)
		return;
	p->direct = best != NULL;
	struct zt_node_event ev = { .type = best ? ZT_NODE_EVENT_PEER_DIRECT : ZT_NODE_EVENT_PEER_RELAYED,
				    .address = p->id.address, .local_socket = ZT_NODE_SOCKET_ANY };
	if (best) {
		ev.addr = best->addr;
		ev.local_socket = best->sock;
	}
	ztn_event_full(n, &ev);
}

void ztn_check_online(struct zt_node *n)
{
	bool online = false;
	for (unsigned i = 0; i < n->root_count && !online; i++) {
		const struct ztn_peer *p = ztn_peer_find(n, n->roots[i].address);
		online = p && p->last_receive > 0 && n->now - p->last_receive < ZT_PEER_ACTIVITY_TIMEOUT;
	}
	if (online == n->online)
		return;
	n->online = online;
	ztn_event(n, online ? ZT_NODE_EVENT_ONLINE : ZT_NODE_EVENT_OFFLINE, 0);
}

zt_err ztn_peer_save(struct zt_node *n, struct ztn_peer *p, bool force)
{
	if (!n->cb.state_put || !p->dirty)
		return ZT_OK;
	if (!force && p->last_saved && n->now - p->last_saved < ZTN_STATE_SAVE_INTERVAL && n->now >= p->last_saved)
		return ZT_OK;
	long len = ztn_peer_state_write(p, n->state, sizeof n->state);
	if (len < 0)
		return (zt_err)len;
	p->last_saved = n->now;
	int rc = n->cb.state_put(n->cb.ctx, ZT_NODE_STATE_PEER, p->id.address, n->state, (size_t)len);
	if (rc < 0) {
		/* Stays dirty: the next try comes at the usual pace, not on every packet. */
		ztn_log(n, "peer cache write failed address=%010llx", (unsigned long long)p->id.address);
		return rc;
	}
	p->dirty = false;
	return ZT_OK;
}

/* ---------------------------------------------------------------- pending work */

static void ping_try_send(struct zt_node *n, struct ztn_ping *pg)
{
	struct ztn_peer *p = ztn_peer_find(n, pg->address);
	if (!p)
		return;
	uint8_t cookie[ZTN_ECHO_COOKIE_LEN];
	zt_put_be64(cookie, pg->cookie);
	p->last_interest = n->now;
	/* Only "no route yet" keeps it waiting; a failed send is not retried on every datagram. */
	if (ztn_send(n, p, ZT_VERB_ECHO, cookie, sizeof cookie, NULL, 0, NULL) != ZT_ENOTFOUND) {
		pg->state = ZTN_PING_SENT;
		pg->sent = n->now;
	}
}

static void try_apply(struct zt_node *n, struct ztn_peer *p, const struct zt_inetaddr *addrs, size_t count)
{
	p->try_count = 0;
	for (size_t i = 0; i < count && p->try_count < ZT_NODE_MAX_TRY_ADDRESSES; i++)
		if (ztn_path_allowed(n, p, &addrs[i], ZT_NODE_SOCKET_ANY))
			p->try_addrs[p->try_count++] = addrs[i];
	p->last_interest = n->now;
	p->last_try = n->now;
	for (unsigned i = 0; i < p->try_count; i++)
		ztn_send_hello(n, p, &p->try_addrs[i], ZT_NODE_SOCKET_ANY);
}

void ztn_flush(struct zt_node *n)
{
	if (n->collision)
		return;
	/* Queued packets whose sender is now known. Processing one never queues another from the
	 * same (known) sender, so this terminates. */
	for (unsigned i = 0; i < ZTN_RXQ_SLOTS; i++) {
		struct ztn_rxq *q = &n->rxq[i];
		if (!q->used || !ztn_peer_find(n, q->source))
			continue;
		q->used = false;
		memcpy(n->rx, q->data, q->len);
		(void)ztn_process(n, q->sock, &q->from, q->len);
	}
	for (unsigned i = 0; i < ZTN_PING_SLOTS; i++)
		if (n->pings[i].state == ZTN_PING_WAITING)
			ping_try_send(n, &n->pings[i]);
	for (unsigned i = 0; i < ZTN_PENDING_TRY_SLOTS; i++) {
		struct ztn_pending_try *t = &n->tries[i];
		struct ztn_peer *p = t->address ? ztn_peer_find(n, t->address) : NULL;
		if (p) {
			t->address = 0;
			try_apply(n, p, t->addrs, t->n);
		}
	}
}

/* ---------------------------------------------------------------- lifecycle */

static void apply_config(struct zt_node *n, const struct zt_node_config *cfg)
{
	if (cfg)
		n->cfg = *cfg;
	else
		memset(&n->cfg, 0, sizeof n->cfg);
	n->mtu = n->cfg.mtu ? n->cfg.mtu : ZT_DEFAULT_PHYSMTU;
	if (n->mtu < ZT_MIN_PHYSMTU)
		n->mtu = ZT_MIN_PHYSMTU;
	if (n->mtu > ZT_DEFAULT_PHYSMTU)
		n->mtu = ZT_DEFAULT_PHYSMTU;
	if (!n->cfg.max_peers || n->cfg.max_peers > ZT_NODE_MAX_PEERS)
		n->cfg.max_peers = ZT_NODE_MAX_PEERS;
}

zt_err zt_node_new(struct zt_node **out, const struct zt_node_callbacks *cb, const struct zt_node_config *cfg,
		   const struct zt_identity *identity, int64_t now)
{
	*out = NULL;
	if (!cb || !cb->send || !identity || !identity->has_private || identity->type != ZT_IDENTITY_TYPE_C25519)
		return ZT_EINVALID;
	zt_err err = zt_crypto_init();
	if (err)
		return err;
	if ((err = zt_identity_validate(identity)) != ZT_OK)
		return err == -ENOMEM ? err : ZT_EINVALID;
	struct zt_node *n = calloc(1, sizeof *n);
	if (!n)
		return -ENOMEM;
	n->cb = *cb;
	apply_config(n, cfg);
	n->self = *identity;
	n->now = now;
	n->last_ping_check = now - ZT_PING_CHECK_INTERVAL;
	zt_identity_to_string(identity, false, n->self_public, sizeof n->self_public);
	zt_defrag_init(&n->defrag);
	*out = n;
	return ZT_OK;
}

static void free_peer(struct zt_node *n, struct ztn_peer *p, void *arg)
{
	(void)n;
	(void)arg;
	ztn_peer_free(p);
}

void zt_node_free(struct zt_node *n)
{
	if (!n)
		return;
	ztn_peer_foreach(n, free_peer, NULL);
	free(n->planet);
	zt_wipe(&n->self, sizeof n->self);
	zt_wipe(n->tx, sizeof n->tx);
	zt_wipe(n->rx, sizeof n->rx);
	free(n);
}

void zt_node_set_config(struct zt_node *n, const struct zt_node_config *cfg)
{
	apply_config(n, cfg);
}

static void save_peer(struct zt_node *n, struct ztn_peer *p, void *arg)
{
	zt_err *first = arg;
	zt_err e = ztn_peer_save(n, p, true);
	if (e && !*first)
		*first = e;
}

zt_err zt_node_save_state(struct zt_node *n, int64_t now)
{
	zt_err first = ZT_OK;
	n->now = now;
	ztn_peer_foreach(n, save_peer, &first);
	return first;
}

size_t zt_node_state_max(enum zt_node_state_type type)
{
	switch (type) {
	case ZT_NODE_STATE_PEER:
		return ZT_NODE_STATE_MAX;
	case ZT_NODE_STATE_PLANET:
		return ZT_NODE_STATE_PLANET_MAX;
	}
	return 0;
}

/* ---------------------------------------------------------------- timers */

static bool peer_active(const struct zt_node *n, const struct ztn_peer *p)
{
	return (p->last_nontrivial && n->now - p->last_nontrivial < ZT_PEER_ACTIVITY_TIMEOUT) ||
	       (p->last_interest && n->now - p->last_interest < ZT_PEER_ACTIVITY_TIMEOUT) || p->try_count > 0;
}

static bool addr_listed(const struct zt_inetaddr *list, unsigned count, const struct zt_inetaddr *a)
{
	for (unsigned i = 0; i < count; i++)
		if (zt_inetaddr_equal(&list[i], a))
			return true;
	return false;
}

/* PUSH_DIRECT_PATHS (verbs.md §15): explicit addresses, else local ones and what roots see. */
static void push_paths(struct zt_node *n, struct ztn_peer *p)
{
	struct zt_verb_push_direct_paths *d = &n->scratch.push;
	memset(d, 0, sizeof *d);
	struct zt_inetaddr list[ZT_NODE_MAX_LOCAL_ADDRESSES * 2 + ZT_NODE_MAX_ROOTS + 1];
	unsigned count = 0;
	if (n->explicit_count) {
		for (unsigned i = 0; i < n->explicit_count; i++)
			list[count++] = n->explicit_addrs[i];
	} else {
		for (unsigned i = 0; i < n->local_count; i++)
			if (ztn_path_allowed(n, NULL, &n->local_addrs[i], ZT_NODE_SOCKET_ANY))
				list[count++] = n->local_addrs[i];
		for (unsigned i = 0; i < n->root_count; i++) {
			const struct zt_inetaddr *e = &n->roots[i].external;
			if (e->family != ZT_INETADDR_NIL && n->now - n->roots[i].external_time < ZT_PEER_ACTIVITY_TIMEOUT &&
			    !addr_listed(list, count, e))
				list[count++] = *e;
		}
		if (n->mapped.family != ZT_INETADDR_NIL && !addr_listed(list, count, &n->mapped))
			list[count++] = n->mapped;
	}
	for (unsigned i = 0; i < count && d->path_count < ZT_VERB_PUSH_MAX_PATHS; i++) {
		d->paths[d->path_count].flags = 0;
		d->paths[d->path_count++].addr = list[i];
	}
	if (!d->path_count)
		return;
	struct zt_wbuf w = zt_wbuf_init(n->payload, sizeof n->payload);
	if (zt_verb_push_direct_paths_encode(d, &w) == ZT_OK)
		ztn_send(n, p, ZT_VERB_PUSH_DIRECT_PATHS, n->payload, w.len, NULL, 0, NULL);
}

static void peer_keepalive(struct zt_node *n, struct ztn_peer *p, void *arg)
{
	(void)arg;
	ztn_peer_paths_expire(p, n->now);
	ztn_peer_check_direct(n, p);
	if (!p->root && peer_active(n, p)) {
		if (n->now - p->last_hello >= ZT_PEER_PING_PERIOD) {
			struct ztn_path *best = ztn_peer_best_path(p, n->now);
			if (best)
				ztn_send_hello(n, p, &best->addr, best->sock);
		}
		for (unsigned i = 0; i < p->path_count; i++) {
			struct ztn_path *pa = &p->paths[i];
			if (n->now - pa->last_send >= ZT_PATH_HEARTBEAT_PERIOD) {
				struct zt_inetaddr a = pa->addr;
				ztn_send(n, p, ZT_VERB_ECHO, NULL, 0, &a, pa->sock, NULL);
			}
		}
		int64_t interval = p->direct ? ZTN_PUSH_INTERVAL_DIRECT : ZTN_PUSH_INTERVAL;
		if (n->now - p->last_push_sent >= interval) {
			p->last_push_sent = n->now;
			push_paths(n, p);
		}
	}
	if (p->try_count && !ztn_peer_has_alive_path(p, n->now) && n->now - p->last_try >= ZTN_TRY_INTERVAL) {
		p->last_try = n->now;
		for (unsigned i = 0; i < p->try_count; i++)
			ztn_send_hello(n, p, &p->try_addrs[i], ZT_NODE_SOCKET_ANY);
	}
	ztn_peer_save(n, p, false);
}

static void expire_tables(struct zt_node *n)
{
	for (unsigned i = 0; i < ZTN_RXQ_SLOTS; i++)
		if (n->rxq[i].used && (n->now - n->rxq[i].at >= ZT_RECEIVE_QUEUE_TIMEOUT || n->now < n->rxq[i].at))
			n->rxq[i].used = false;
	for (unsigned i = 0; i < ZTN_PING_SLOTS; i++) {
		struct ztn_ping *pg = &n->pings[i];
		if (pg->state == ZTN_PING_FREE || n->now - pg->created < pg->timeout)
			continue;
		struct zt_node_event ev = { .type = ZT_NODE_EVENT_ECHO_TIMEOUT, .address = pg->address,
					    .local_socket = ZT_NODE_SOCKET_ANY, .cookie = pg->cookie };
		memset(pg, 0, sizeof *pg);
		ztn_event_full(n, &ev);
	}
	for (unsigned i = 0; i < ZTN_PENDING_TRY_SLOTS; i++)
		if (n->tries[i].address && n->now - n->tries[i].created >= ZT_NODE_PING_TIMEOUT)
			n->tries[i].address = 0;
}

int64_t zt_node_next_deadline(const struct zt_node *n)
{
	int64_t d = n->last_ping_check + ZT_PING_CHECK_INTERVAL;
	for (unsigned i = 0; i < ZTN_WHOIS_SLOTS; i++)
		if (n->whois[i].address && n->whois[i].last_sent + ZT_WHOIS_RETRY_DELAY < d)
			d = n->whois[i].last_sent + ZT_WHOIS_RETRY_DELAY;
	for (unsigned i = 0; i < ZTN_PING_SLOTS; i++)
		if (n->pings[i].state != ZTN_PING_FREE && n->pings[i].created + n->pings[i].timeout < d)
			d = n->pings[i].created + n->pings[i].timeout;
	for (unsigned i = 0; i < ZTN_RXQ_SLOTS; i++)
		if (n->rxq[i].used && n->rxq[i].at + ZT_RECEIVE_QUEUE_TIMEOUT < d)
			d = n->rxq[i].at + ZT_RECEIVE_QUEUE_TIMEOUT;
	return d < n->now ? n->now : d;
}

zt_err zt_node_background(struct zt_node *n, int64_t now, int64_t *next_deadline)
{
	n->now = now;
	zt_err ret = ZT_OK;
	if (n->collision) {
		ret = ZT_EINVALID;
		n->last_ping_check = now;
		goto out;
	}
	ztn_whois_service(n);
	expire_tables(n);
	if (now - n->last_ping_check >= ZT_PING_CHECK_INTERVAL || now < n->last_ping_check) {
		n->last_ping_check = now;
		zt_defrag_expire(&n->defrag, now);
		ztn_roots_ping(n);
		ztn_peer_foreach(n, peer_keepalive, NULL);
		ztn_check_online(n);
	}
	ztn_flush(n);
out:
	if (next_deadline)
		*next_deadline = zt_node_next_deadline(n);
	return ret;
}

/* ---------------------------------------------------------------- peers API */

zt_err zt_node_ping(struct zt_node *n, uint64_t address, int64_t timeout_ms, int64_t now, uint64_t *cookie)
{
	n->now = now;
	if (address == n->self.address || zt_address_is_reserved(address) || address > ZT_ADDRESS_MASK ||
	    timeout_ms < 0 || timeout_ms > ZT_NODE_PING_TIMEOUT_MAX)
		return ZT_EINVALID;
	if (n->collision)
		return ZT_EINVALID;
	struct ztn_ping *pg = NULL;
	for (unsigned i = 0; i < ZTN_PING_SLOTS && !pg; i++)
		if (n->pings[i].state == ZTN_PING_FREE)
			pg = &n->pings[i];
	if (!pg)
		return ZT_ELIMIT;
	struct ztn_peer *p = ztn_lookup(n, address);
	if (!p && !n->root_count)
		return ZT_ENOTFOUND;
	if (!p && !ztn_whois_pending(n, address))
		return ZT_ELIMIT;
	memset(pg, 0, sizeof *pg);
	pg->state = ZTN_PING_WAITING;
	do
		pg->cookie = zt_random_u64();
	while (!pg->cookie);
	pg->address = address;
	pg->created = now;
	pg->timeout = timeout_ms ? timeout_ms : ZT_NODE_PING_TIMEOUT;
	if (cookie)
		*cookie = pg->cookie;
	if (p) {
		p->last_interest = now;
		ping_try_send(n, pg);
	}
	ztn_flush(n);
	return ZT_OK;
}

static bool addrs_valid(const struct zt_inetaddr *addrs, size_t count)
{
	if (count && !addrs)
		return false;
	for (size_t i = 0; i < count; i++)
		if ((addrs[i].family != ZT_INETADDR_V4 && addrs[i].family != ZT_INETADDR_V6) || !addrs[i].port)
			return false;
	return true;
}

zt_err zt_node_try(struct zt_node *n, uint64_t address, const struct zt_inetaddr *addrs, size_t count, int64_t now)
{
	n->now = now;
	if (address == n->self.address || zt_address_is_reserved(address) || address > ZT_ADDRESS_MASK ||
	    !addrs_valid(addrs, count))
		return ZT_EINVALID;
	if (count > ZT_NODE_MAX_TRY_ADDRESSES)
		count = ZT_NODE_MAX_TRY_ADDRESSES;
	struct ztn_peer *p = ztn_lookup(n, address);
	if (p) {
		try_apply(n, p, addrs, count);
		return ZT_OK;
	}
	struct ztn_pending_try *t = &n->tries[0];
	for (unsigned i = 0; i < ZTN_PENDING_TRY_SLOTS; i++) {
		if (n->tries[i].address == address || !n->tries[i].address) {
			t = &n->tries[i];
			break;
		}
		if (n->tries[i].created < t->created)
			t = &n->tries[i];
	}
	t->address = address;
	t->created = now;
	t->n = (unsigned)count;
	if (count)
		memcpy(t->addrs, addrs, count * sizeof *addrs);
	return ZT_OK;
}

static zt_err set_addrs(struct zt_inetaddr *dst, unsigned *dst_count, const struct zt_inetaddr *addrs, size_t count)
{
	if (!addrs_valid(addrs, count))
		return ZT_EINVALID;
	*dst_count = 0;
	for (size_t i = 0; i < count && *dst_count < ZT_NODE_MAX_LOCAL_ADDRESSES; i++)
		if (!addr_listed(dst, *dst_count, &addrs[i]))
			dst[(*dst_count)++] = addrs[i];
	return ZT_OK;
}

zt_err zt_node_set_explicit_addresses(struct zt_node *n, const struct zt_inetaddr *addrs, size_t count)
{
	return set_addrs(n->explicit_addrs, &n->explicit_count, addrs, count);
}

zt_err zt_node_set_local_addresses(struct zt_node *n, const struct zt_inetaddr *addrs, size_t count)
{
	return set_addrs(n->local_addrs, &n->local_count, addrs, count);
}

zt_err zt_node_set_mapped_address(struct zt_node *n, const struct zt_inetaddr *addr)
{
	if (!addr || addr->family == ZT_INETADDR_NIL) {
		memset(&n->mapped, 0, sizeof n->mapped);
		return ZT_OK;
	}
	if (!addrs_valid(addr, 1))
		return ZT_EINVALID;
	n->mapped = *addr;
	return ZT_OK;
}

/* ---------------------------------------------------------------- introspection */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

zt_err zt_node_peers(const struct zt_node *n, int64_t now, struct zt_node_peer_info *out, size_t cap,
		     size_t *count)
{
	if (count)
		*count = n->peer_count;
	if (!cap || !n->peer_count)
		return ZT_OK;
	uint64_t *addrs = malloc(n->peer_count * sizeof *addrs);
	if (!addrs)
		return -ENOMEM;
	size_t k = 0;
	for (unsigned b = 0; b < ZTN_BUCKETS; b++)
		for (const struct ztn_peer *p = n->buckets[b]; p && k < n->peer_count; p = p->next)
			addrs[k++] = p->id.address;
	qsort(addrs, k, sizeof *addrs, cmp_u64);
	for (size_t i = 0; i < k && i < cap; i++)
		ztn_peer_info(ztn_peer_find(n, addrs[i]), now, &out[i]);
	free(addrs);
	return ZT_OK;
}

zt_err zt_node_peer(const struct zt_node *n, int64_t now, uint64_t address, struct zt_node_peer_info *out)
{
	const struct ztn_peer *p = ztn_peer_find(n, address);
	if (!p)
		return ZT_ENOTFOUND;
	ztn_peer_info(p, now, out);
	return ZT_OK;
}

static void count_peer(struct zt_node *n, struct ztn_peer *p, void *arg)
{
	struct zt_node_status *s = arg;
	s->path_count += p->path_count;
	if (ztn_peer_has_alive_path(p, n->now))
		s->direct_peer_count++;
}

zt_err zt_node_status(const struct zt_node *node, int64_t now, struct zt_node_status *out)
{
	struct zt_node *n = (struct zt_node *)node; /* only n->now is touched, and restored */
	int64_t saved = n->now;
	n->now = now;
	*out = n->stats;
	out->address = n->self.address;
	snprintf(out->public_identity, sizeof out->public_identity, "%s", n->self_public);
	out->collision = n->collision;
	out->external = n->external;
	out->external_time = n->external_time;
	out->peer_count = n->peer_count;
	out->direct_peer_count = out->path_count = 0;
	ztn_peer_foreach(n, count_peer, out);
	out->root_count = n->root_count;
	out->roots_online = 0;
	for (unsigned i = 0; i < n->root_count; i++) {
		const struct ztn_peer *p = ztn_peer_find(n, n->roots[i].address);
		if (p && p->last_receive > 0 && now - p->last_receive < ZT_PEER_ACTIVITY_TIMEOUT)
			out->roots_online++;
	}
	out->online = out->roots_online > 0;
	out->planet_id = n->planet ? n->planet->id : 0;
	out->planet_timestamp = n->planet ? n->planet->timestamp : 0;
	n->now = saved;
	return ZT_OK;
}
