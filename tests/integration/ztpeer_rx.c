/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ztpeer: receiving. Classify, reassemble, authenticate, WHOIS unknown senders through the root
 * (queueing their packets meanwhile), hand each verb to ztpeer_verbs.c, and describe every datagram
 * in a "recv" event.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ztpeer.h"

#define ZTP_GROUP_MAX 8
#define ZTP_POLL_SLICE_MS 100 /* timers (WHOIS retries, expiry) run at least this often */
#define ZTP_DRAIN_MAX 64      /* datagrams read from one socket per round */

/* ---------------------------------------------------------------- small helpers */

void ztp_rx_status(json_t *ev, const char *status, const char *error)
{
	ztp_jset_str(ev, "status", status);
	if (error)
		ztp_jset_str(ev, "error", error);
}

/* The datagram as received, and the same bytes with the hop count cleared (relay comparisons). */
static void add_wire(json_t *ev, uint8_t *d, size_t len, bool fragment)
{
	ztp_jset_hex(ev, "wire", d, len);
	size_t at = fragment ? ZT_FRAGMENT_IDX_HOPS : ZT_PACKET_IDX_FLAGS;
	uint8_t saved = d[at];
	d[at] = (uint8_t)(saved & ~ZT_PACKET_FLAGS_HOPS_MASK);
	ztp_jset_hex(ev, "wire_hops0", d, len);
	d[at] = saved;
}

static void packet_fields(json_t *ev, uint8_t *pkt, size_t len)
{
	ztp_jset_address(ev, "dest", zt_packet_dest(pkt));
	ztp_jset_address(ev, "source", zt_packet_source(pkt));
	ztp_jset_hex64(ev, "packet_id", zt_packet_id(pkt));
	ztp_jset_int(ev, "hops", zt_packet_hops(pkt));
	ztp_jset_int(ev, "cipher", zt_packet_cipher(pkt));
	ztp_jset_bool(ev, "fragmented", zt_packet_fragmented(pkt));
	add_wire(ev, pkt, len, false);
}

static void finish(struct ztp *z, const struct ztp_rx *rx, json_t *ev)
{
	if (z->hook)
		z->hook(z, rx, ev, z->hook_ctx);
	if (z->print_all || z->verbose)
		ztp_emit(z, ev);
	else
		json_decref(ev);
}

/* ---------------------------------------------------------------- WHOIS of unknown senders */

void ztp_whois_request(struct ztp *z, uint64_t address)
{
	struct ztp_whois *free_slot = NULL;
	for (size_t i = 0; i < ZTP_WHOIS_SLOTS; i++) {
		if (z->whois[i].address == address)
			return; /* in flight; the timer retries */
		if (!z->whois[i].address && !free_slot)
			free_slot = &z->whois[i];
	}
	if (!free_slot || !z->root)
		return;
	free_slot->address = address;
	free_slot->first = free_slot->last = ztp_now();
	(void)ztp_send_whois(z, &address, 1, NULL);
}

static bool queue_packet(struct ztp *z, const uint8_t *pkt, size_t len, const struct zt_inetaddr *from,
			 const char *kind)
{
	for (size_t i = 0; i < ZTP_QUEUE_SLOTS; i++) {
		struct ztp_queued *q = &z->queue[i];
		if (q->pkt)
			continue;
		q->pkt = malloc(len);
		if (!q->pkt)
			return false;
		memcpy(q->pkt, pkt, len);
		q->len = len;
		q->from = *from;
		q->t = ztp_now();
		q->kind = kind;
		return true;
	}
	return false;
}

/* ---------------------------------------------------------------- one whole packet */

static bool authenticate(struct ztp *z, struct ztp_peer *p, uint8_t *pkt, size_t *len, json_t *ev)
{
	unsigned cipher = zt_packet_cipher(pkt);
	if (cipher == ZT_CIPHER_AES_GMAC_SIV && z->cipher == ZT_CIPHER_POLY1305_SALSA2012) {
		ztp_rx_status(ev, "auth_failed", "cipher 3, but we speak only cipher 1 (--cipher 1)");
		z->rx_auth_failed++;
		return false;
	}
	zt_err err = zt_packet_dearmor(pkt, *len, &p->key);
	/* `junk collision`: the root answers the colliding identity, whose key we also hold. */
	if (err == ZT_EAUTH && p->is_root && z->alt_key && zt_packet_dearmor(pkt, *len, z->alt_key) == ZT_OK) {
		err = ZT_OK;
		ztp_jset_bool(ev, "alt_key", true);
	}
	if (!err) {
		ztp_jset_bool(ev, "compressed", (pkt[ZT_PACKET_IDX_VERB] & ZT_VERB_FLAG_COMPRESSED) != 0);
		err = zt_packet_decompress(pkt, len, ZT_PROTO_MAX_PACKET_LENGTH);
	}
	if (err) {
		ztp_rx_status(ev, err == ZT_ECOMPRESS ? "malformed" : "auth_failed", zt_strerror(err));
		z->rx_auth_failed++;
		return false;
	}
	return true;
}

/* `pkt` must have room for ZT_PROTO_MAX_PACKET_LENGTH bytes (decompression). */
static void handle_packet(struct ztp *z, uint8_t *pkt, size_t len, const struct zt_inetaddr *from, const char *kind)
{
	json_t *ev = ztp_event("recv");
	ztp_jset_inet(ev, "from", from);
	ztp_jset_str(ev, "kind", kind);
	ztp_jset_int(ev, "len", (long long)len);
	packet_fields(ev, pkt, len);
	struct ztp_rx rx = {
		.from = from,
		.source = zt_packet_source(pkt),
		.dest = zt_packet_dest(pkt),
		.hops = zt_packet_hops(pkt),
		.cipher = zt_packet_cipher(pkt),
		.packet_id = zt_packet_id(pkt),
	};
	z->rx_packets++;
	if (rx.source == z->self.address || zt_address_is_reserved(rx.source)) {
		ztp_rx_status(ev, "dropped", "reserved or own source address");
		z->rx_dropped++;
		goto out;
	}
	if (rx.cipher == ZT_CIPHER_POLY1305_NONE && (pkt[ZT_PACKET_IDX_VERB] & ZT_VERB_MASK) == ZT_VERB_HELLO) {
		ztp_rx_hello(z, pkt, len, &rx, ev);
		goto out;
	}
	struct ztp_peer *p = ztp_peer_find(z, rx.source);
	if (!p) {
		/* Reported when its fate is known: after the WHOIS, or when it expires. */
		if (!z->lite && z->root && queue_packet(z, pkt, len, from, kind)) {
			ztp_whois_request(z, rx.source);
			json_decref(ev);
			return;
		}
		ztp_rx_status(ev, "unknown_source", NULL);
		z->rx_dropped++;
		goto out;
	}
	if (!authenticate(z, p, pkt, &len, ev))
		goto out;
	rx.peer = p;
	rx.verb = pkt[ZT_PACKET_IDX_VERB] & ZT_VERB_MASK;
	rx.payload = pkt + ZT_PACKET_IDX_PAYLOAD;
	rx.len = len - ZT_PACKET_IDX_PAYLOAD;
	ztp_rx_status(ev, "ok", NULL);
	ztp_jset_str(ev, "verb", ztp_verb_name(rx.verb));
	ztp_jset_int(ev, "verb_num", rx.verb);
	if (rx.verb != ZT_VERB_HELLO)
		ztp_jset_hex(ev, "payload", rx.payload, rx.len);
	switch (rx.verb) {
	case ZT_VERB_HELLO:
		ztp_rx_hello_body(z, pkt, len, &rx, ev);
		break;
	case ZT_VERB_OK:
		ztp_rx_ok(z, &rx, ev);
		break;
	case ZT_VERB_ERROR:
		ztp_rx_error(z, &rx, ev);
		break;
	case ZT_VERB_WHOIS:
		ztp_rx_whois(z, &rx, ev);
		break;
	case ZT_VERB_RENDEZVOUS:
		ztp_rx_rendezvous(z, &rx, ev);
		break;
	case ZT_VERB_ECHO:
		ztp_rx_echo(z, &rx, ev);
		break;
	default:
		if (z->lite)
			(void)ztp_lite_verb(z, &rx, ev);
		break;
	}
	if (rx.verb != ZT_VERB_HELLO)
		ztp_rx_confirm_path(z, &rx, ev);
out:
	finish(z, &rx, ev);
}

/* ---------------------------------------------------------------- datagrams */

/* Adds a piece of a fragmented packet for us; returns the packet length when it completes, else 0. */
static size_t reassemble(struct ztp *z, const uint8_t *d, size_t len, json_t *ev)
{
	size_t out_len = 0;
	zt_err err = zt_defrag_add(z->defrag, d, len, ztp_now(), z->work, sizeof z->work, &out_len);
	switch (err) {
	case ZT_OK:
		ztp_rx_status(ev, "reassembled", NULL);
		return out_len;
	case ZT_EPENDING:
		ztp_rx_status(ev, "fragment_pending", NULL);
		break;
	case ZT_EEXIST:
		ztp_rx_status(ev, "fragment_duplicate", NULL);
		break;
	default:
		ztp_rx_status(ev, "fragment_invalid", zt_strerror(err));
		z->rx_dropped++;
		break;
	}
	return 0;
}

static void foreign(struct ztp *z, uint8_t *d, size_t len, const struct zt_inetaddr *from, json_t *ev)
{
	if (z->lite)
		ztp_lite_relay(z, d, len, from, ev);
	else
		ztp_rx_status(ev, "foreign", "not addressed to us");
}

void ztp_handle_datagram(struct ztp *z, uint8_t *d, size_t len, const struct zt_inetaddr *from)
{
	enum zt_datagram_kind kind = len > ZT_PROTO_MAX_PACKET_LENGTH ? ZT_DATAGRAM_JUNK : zt_packet_classify(d, len);
	if (kind == ZT_DATAGRAM_HEAD && !zt_packet_fragmented(d) && zt_packet_dest(d) == z->self.address) {
		handle_packet(z, d, len, from, "packet");
		return;
	}
	json_t *ev = ztp_event("recv");
	struct ztp_rx rx = { .from = from };
	size_t complete = 0;
	ztp_jset_inet(ev, "from", from);
	ztp_jset_int(ev, "len", (long long)len);
	switch (kind) {
	case ZT_DATAGRAM_JUNK:
	case ZT_DATAGRAM_BEACON:
		ztp_jset_str(ev, "kind", kind == ZT_DATAGRAM_JUNK ? "junk" : "beacon");
		ztp_jset_hex(ev, "wire", d, len);
		ztp_rx_status(ev, kind == ZT_DATAGRAM_JUNK ? "junk" : "ignored", NULL);
		z->rx_dropped += kind == ZT_DATAGRAM_JUNK;
		break;
	case ZT_DATAGRAM_FRAGMENT:
		rx.dest = zt_fragment_dest(d);
		rx.hops = zt_fragment_hops(d);
		ztp_jset_str(ev, "kind", "fragment");
		ztp_jset_address(ev, "dest", rx.dest);
		ztp_jset_hex64(ev, "packet_id", zt_fragment_packet_id(d));
		ztp_jset_int(ev, "fragment_index", zt_fragment_index(d));
		ztp_jset_int(ev, "fragment_total", zt_fragment_total(d));
		ztp_jset_int(ev, "hops", rx.hops);
		add_wire(ev, d, len, true);
		if (rx.dest != z->self.address)
			foreign(z, d, len, from, ev);
		else
			complete = reassemble(z, d, len, ev);
		break;
	case ZT_DATAGRAM_HEAD:
		rx.dest = zt_packet_dest(d);
		rx.source = zt_packet_source(d);
		rx.hops = zt_packet_hops(d);
		rx.cipher = zt_packet_cipher(d);
		ztp_jset_str(ev, "kind", "packet");
		packet_fields(ev, d, len);
		if (rx.dest != z->self.address)
			foreign(z, d, len, from, ev);
		else
			complete = reassemble(z, d, len, ev);
		break;
	}
	finish(z, &rx, ev);
	if (complete)
		handle_packet(z, z->work, complete, from, "reassembled");
}

/* ---------------------------------------------------------------- timers and the wait loop */

static void queue_expire_or_run(struct ztp *z, int64_t now)
{
	uint8_t *buf = NULL;
	for (size_t i = 0; i < ZTP_QUEUE_SLOTS; i++) {
		struct ztp_queued *q = &z->queue[i];
		if (!q->pkt)
			continue;
		bool known = ztp_peer_find(z, zt_packet_source(q->pkt)) != NULL;
		if (!known && now - q->t <= ZT_RECEIVE_QUEUE_TIMEOUT)
			continue;
		if (!buf && !(buf = malloc(ZT_PROTO_MAX_PACKET_LENGTH)))
			return;
		size_t len = q->len;
		const char *kind = q->kind;
		struct zt_inetaddr from = q->from;
		memcpy(buf, q->pkt, len);
		free(q->pkt);
		q->pkt = NULL;
		if (known) {
			handle_packet(z, buf, len, &from, kind);
		} else {
			json_t *ev = ztp_event("recv");
			struct ztp_rx rx = { .from = &from, .source = zt_packet_source(buf), .dest = zt_packet_dest(buf) };
			ztp_jset_inet(ev, "from", &from);
			ztp_jset_str(ev, "kind", kind);
			ztp_jset_int(ev, "len", (long long)len);
			packet_fields(ev, buf, len);
			ztp_rx_status(ev, "unknown_source", "no OK(WHOIS) for the source");
			z->rx_dropped++;
			finish(z, &rx, ev);
		}
	}
	free(buf);
}

static void timers(struct ztp *z, int64_t now)
{
	uint64_t again[ZTP_WHOIS_SLOTS];
	size_t n = 0;
	for (size_t i = 0; i < ZTP_WHOIS_SLOTS; i++) {
		struct ztp_whois *w = &z->whois[i];
		if (!w->address)
			continue;
		if (now - w->first > ZT_RECEIVE_QUEUE_TIMEOUT) {
			w->address = 0;
		} else if (now - w->last >= ZT_WHOIS_RETRY_DELAY) {
			w->last = now;
			again[n++] = w->address;
		}
	}
	if (n)
		(void)ztp_send_whois(z, again, n, NULL);
	for (size_t i = 0; i < ZTP_CONTACT_SLOTS; i++)
		if (z->contact[i].address && now - z->contact[i].t > ZT_RECEIVE_QUEUE_TIMEOUT)
			z->contact[i].address = 0;
	zt_defrag_expire(z->defrag, now);
	queue_expire_or_run(z, now);
}

static void receive_some(struct ztp *z)
{
	for (int i = 0; i < ZTP_DRAIN_MAX; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		ssize_t r = recvfrom(z->fd, z->rx_buf, sizeof z->rx_buf, MSG_DONTWAIT, (struct sockaddr *)&ss, &sl);
		if (r < 0)
			return;
		struct zt_inetaddr from;
		if (zt_inetaddr_from_sockaddr(&from, (struct sockaddr *)&ss, sl) != ZT_OK)
			continue;
		ztp_handle_datagram(z, z->rx_buf, (size_t)r, &from);
	}
}

zt_err ztp_wait(struct ztp *z, int64_t deadline)
{
	struct ztp *one[1] = { z };
	struct ztp **all = z->group ? z->group : one;
	size_t n = z->group ? z->ngroup : 1;
	struct pollfd pfd[ZTP_GROUP_MAX];
	if (n > ZTP_GROUP_MAX)
		return ZT_EINVALID;
	int64_t wait = deadline - ztp_now();
	if (wait < 0)
		wait = 0;
	if (wait > ZTP_POLL_SLICE_MS)
		wait = ZTP_POLL_SLICE_MS;
	for (size_t i = 0; i < n; i++)
		pfd[i] = (struct pollfd){ .fd = all[i]->fd, .events = POLLIN };
	int r = poll(pfd, (nfds_t)n, (int)wait);
	if (r < 0 && errno != EINTR)
		return -errno;
	for (size_t i = 0; r > 0 && i < n; i++)
		if (pfd[i].revents & POLLIN)
			receive_some(all[i]);
	for (size_t i = 0; i < n; i++)
		timers(all[i], ztp_now());
	return ztp_stop ? -EINTR : ZT_OK;
}
