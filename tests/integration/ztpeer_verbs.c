/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ztpeer: what a leaf does with each authenticated verb. HELLO (answered with OK(HELLO), new
 * identities validated), OK and ERROR (decoded into the event), WHOIS and ECHO (answered), RENDEZVOUS
 * from the root (NAT-opening datagram, then HELLO to the introduced peer), path confirmation.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "node/crypto.h"
#include "node/hex.h"
#include "ztpeer.h"

#define ZTP_CONFIRM_MS 1000   /* at most one path-confirming HELLO per path per second (1.x) */
#define ZTP_JUNK_TTL 2        /* the NAT-opening datagram after RENDEZVOUS */

static void version_string(char out[static 24], unsigned major, unsigned minor, unsigned revision)
{
	snprintf(out, 24, "%u.%u.%u", major, minor, revision);
}

static void reply(struct ztp *z, struct ztp_peer *to, const struct zt_inetaddr *path, uint8_t verb,
		  const struct zt_wbuf *w, int cipher)
{
	struct ztp_send_opts o = { .cipher = cipher };
	if (!w->err)
		(void)ztp_send(z, to, path, verb, w->p, w->len, &o, NULL);
}

/* ---------------------------------------------------------------- contact after RENDEZVOUS */

/*
 * As 1.x: a 4-byte random datagram with IP TTL 2 to open our NAT toward the peer without reaching
 * it, then a full HELLO (the peer's version is unknown right after an introduction).
 */
static void contact(struct ztp *z, struct ztp_peer *p, const struct zt_inetaddr *at)
{
	uint8_t junk[4];
	zt_random(junk, sizeof junk);
	int level = at->family == ZT_INETADDR_V6 ? IPPROTO_IPV6 : IPPROTO_IP;
	int opt = at->family == ZT_INETADDR_V6 ? IPV6_UNICAST_HOPS : IP_TTL;
	int old = 64, ttl = ZTP_JUNK_TTL;
	socklen_t ol = sizeof old;
	(void)getsockopt(z->fd, level, opt, &old, &ol);
	if (setsockopt(z->fd, level, opt, &ttl, sizeof ttl) == 0) {
		(void)ztp_send_raw(z, junk, sizeof junk, at);
		(void)setsockopt(z->fd, level, opt, &old, sizeof old);
	}
	(void)ztp_send_hello(z, p, at, NULL);
}

static void contacts_check(struct ztp *z)
{
	for (size_t i = 0; i < ZTP_CONTACT_SLOTS; i++) {
		struct ztp_contact *c = &z->contact[i];
		struct ztp_peer *p = c->address ? ztp_peer_find(z, c->address) : NULL;
		if (p) {
			contact(z, p, &c->at);
			c->address = 0;
		}
	}
}

/* ---------------------------------------------------------------- HELLO */

/* 1.x: a packet other than OK arriving at hops 0 on a path not yet confirmed gets a HELLO back. */
void ztp_rx_confirm_path(struct ztp *z, struct ztp_rx *rx, json_t *ev)
{
	struct ztp_peer *p = rx->peer;
	int64_t now = ztp_now();
	if (rx->hops || rx->verb == ZT_VERB_OK || zt_inetaddr_equal(&p->path, rx->from))
		return;
	if (zt_inetaddr_equal(&p->confirm_path, rx->from) && now - p->last_confirm < ZTP_CONFIRM_MS)
		return;
	p->confirm_path = *rx->from;
	p->last_confirm = now;
	if (ztp_send_hello(z, p, rx->from, NULL) == ZT_OK)
		ztp_jset_bool(ev, "confirm_hello", true);
}

/* An authenticated HELLO: decrypt the cryptField, decode, answer OK(HELLO), record the version. */
void ztp_rx_hello_body(struct ztp *z, uint8_t *pkt, size_t len, struct ztp_rx *rx, json_t *ev)
{
	struct ztp_peer *p = rx->peer;
	const uint8_t *payload = pkt + ZT_PACKET_IDX_PAYLOAD;
	size_t n = len - ZT_PACKET_IDX_PAYLOAD, off;
	if (zt_verb_hello_cryptfield_offset(payload, n, &off) == ZT_OK)
		(void)zt_packet_hello_cryptfield(pkt, len, ZT_PACKET_IDX_PAYLOAD + off, p->key.key);
	ztp_jset_hex(ev, "payload", payload, n);

	struct zt_verb_hello *h = malloc(sizeof *h);
	zt_err err = h ? zt_verb_hello_decode(h, payload, n) : -ENOMEM;
	if (err) {
		ztp_rx_status(ev, "malformed", zt_strerror(err));
		goto out;
	}
	if (h->proto_version < ZT_PROTO_VERSION_MIN) {
		ztp_rx_status(ev, "dropped", "protocol version below 4");
		goto out;
	}
	char s[ZT_IDENTITY_STRING_MAX];
	if (zt_identity_to_string(&h->identity, false, s, sizeof s) > 0)
		ztp_jset_str(ev, "identity", s);
	ztp_jset_int(ev, "proto", h->proto_version);
	char v[24];
	version_string(v, h->major, h->minor, h->revision);
	ztp_jset_str(ev, "version", v);
	ztp_jset_u64(ev, "timestamp", h->timestamp);
	if (h->has_sent_to)
		ztp_jset_inet(ev, "sent_to", &h->sent_to);
	if (h->has_planet) {
		ztp_jset_u64(ev, "planet_id", h->planet_id);
		ztp_jset_u64(ev, "planet_timestamp", h->planet_timestamp);
	}
	if (h->has_moons)
		ztp_jset_int(ev, "moons", h->moon_count);

	/* 1.x armors the OK before it records the sender's version: the first OK to a new peer is cipher 1. */
	unsigned cipher = ztp_cipher_for(z, p);
	struct zt_verb_ok_hello o = {
		.in_re_packet_id = zt_packet_id(pkt),
		.timestamp_echo = h->timestamp,
		.proto_version = z->proto,
		.major = z->major,
		.minor = z->minor,
		.revision = z->revision,
		.observed = *rx->from,
	};
	if (h->proto_version < 5)
		o.observed.port = 0;
	if (z->lite && h->has_planet)
		o.worlds_len = ztp_lite_worlds(z, h->planet_id, h->planet_timestamp, &o.worlds);
	uint8_t buf[ZT_VERB_MAX_PAYLOAD];
	struct zt_wbuf w = zt_wbuf_init(buf, sizeof buf);
	if (zt_verb_ok_hello_encode(&o, &w) == ZT_OK) {
		reply(z, p, rx->from, ZT_VERB_OK, &w, (int)cipher);
		ztp_jset_bool(ev, "answered", true);
		ztp_jset_int(ev, "reply_cipher", cipher);
		ztp_jset_int(ev, "reply_worlds_len", (long long)o.worlds_len);
	}
	p->proto = h->proto_version;
	p->major = h->major;
	p->minor = h->minor;
	p->revision = h->revision;
	ztp_rx_confirm_path(z, rx, ev);
out:
	free(h);
}

/* HELLO from a known address with another key: 1.x answers ERROR(IDENTITY_COLLISION) if its MAC verifies. */
static void hello_collision(struct ztp *z, uint8_t *pkt, size_t len, struct ztp_rx *rx,
			    const struct zt_identity *id, json_t *ev)
{
	struct ztp_peer *tmp = calloc(1, sizeof *tmp);
	uint8_t key[ZT_SYMMETRIC_KEY_SIZE];
	if (!tmp || zt_identity_agree(&z->self, id, key) || zt_peer_key_init(&tmp->key, key)) {
		ztp_rx_status(ev, "dropped", "identity collision (key agreement failed)");
		goto out;
	}
	tmp->id = *id;
	tmp->proto = ZTP_NO_PROTO;
	if (zt_packet_dearmor(pkt, len, &tmp->key)) {
		ztp_rx_status(ev, "auth_failed", "identity collision with a bad MAC");
		goto out;
	}
	ztp_rx_status(ev, "collision", "known address, different identity");
	if (z->lite) {
		uint8_t buf[ZT_VERB_ERROR_HEADER_LEN];
		struct zt_wbuf w = zt_wbuf_init(buf, sizeof buf);
		struct zt_verb_error e = {
			.in_re_verb = ZT_VERB_HELLO,
			.in_re_packet_id = zt_packet_id(pkt),
			.code = ZT_ERROR_IDENTITY_COLLISION,
		};
		if (zt_verb_error_encode(&e, &w) == ZT_OK)
			reply(z, tmp, rx->from, ZT_VERB_ERROR, &w, ZT_CIPHER_POLY1305_SALSA2012);
		ztp_jset_bool(ev, "answered", true);
	}
out:
	zt_wipe(key, sizeof key);
	if (tmp)
		zt_peer_key_free(&tmp->key);
	free(tmp);
}

/* A cipher-0 HELLO: the only packet that may introduce an unknown identity. */
void ztp_rx_hello(struct ztp *z, uint8_t *pkt, size_t len, struct ztp_rx *rx, json_t *ev)
{
	struct zt_identity id;
	struct zt_buf b = zt_buf_init(pkt + ZT_PACKET_IDX_PAYLOAD, len - ZT_PACKET_IDX_PAYLOAD);
	zt_buf_skip(&b, ZT_VERB_HELLO_MIN_LEN - ZT_IDENTITY_PUBLIC_BINARY_LEN);
	zt_err err = b.err ? ZT_ETRUNCATED : zt_identity_read(&id, &b);
	ztp_jset_str(ev, "verb", "HELLO");
	ztp_jset_int(ev, "verb_num", ZT_VERB_HELLO);
	if (!err && id.has_private)
		err = ZT_EMALFORMED;
	if (err) {
		ztp_rx_status(ev, "malformed", zt_strerror(err));
		z->rx_dropped++;
		goto out;
	}
	if (id.address != rx->source) {
		ztp_rx_status(ev, "dropped", "identity address differs from the source address");
		z->rx_dropped++;
		goto out;
	}
	struct ztp_peer *p = ztp_peer_find(z, id.address);
	if (p && !zt_identity_equal(&p->id, &id)) {
		hello_collision(z, pkt, len, rx, &id, ev);
		goto out;
	}
	bool fresh = !p;
	if (fresh && !(p = ztp_peer_add(z, &id))) {
		ztp_rx_status(ev, "dropped", "key agreement failed");
		goto out;
	}
	/* The cheap MAC check first, then the costly proof of work. */
	err = zt_packet_dearmor(pkt, len, &p->key);
	if (err) {
		ztp_rx_status(ev, "auth_failed", zt_strerror(err));
		z->rx_auth_failed++;
		if (fresh)
			ztp_peer_remove(z, p);
		goto out;
	}
	if (fresh && (err = zt_identity_validate(&id)) != ZT_OK) {
		ztp_rx_status(ev, "invalid_identity", zt_strerror(err));
		z->rx_dropped++;
		ztp_peer_remove(z, p);
		goto out;
	}
	ztp_rx_status(ev, "ok", NULL);
	ztp_jset_bool(ev, "new_peer", fresh);
	rx->peer = p;
	rx->verb = ZT_VERB_HELLO;
	rx->payload = pkt + ZT_PACKET_IDX_PAYLOAD;
	rx->len = len - ZT_PACKET_IDX_PAYLOAD;
	ztp_rx_hello_body(z, pkt, len, rx, ev);
out:
	zt_identity_wipe(&id);
}

/* ---------------------------------------------------------------- OK and ERROR */

static void ok_hello(struct ztp *z, struct ztp_rx *rx, json_t *ev)
{
	struct zt_verb_ok_hello o;
	zt_err err = zt_verb_ok_hello_decode(&o, rx->payload, rx->len);
	if (err) {
		ztp_rx_status(ev, "malformed", zt_strerror(err));
		return;
	}
	char v[24];
	version_string(v, o.major, o.minor, o.revision);
	ztp_jset_int(ev, "proto", o.proto_version);
	ztp_jset_str(ev, "version", v);
	ztp_jset_u64(ev, "timestamp_echo", o.timestamp_echo);
	if (o.has_observed)
		ztp_jset_inet(ev, "observed", &o.observed);
	ztp_jset_int(ev, "worlds_len", (long long)o.worlds_len);
	json_t *list = json_array();
	struct zt_world *w = malloc(sizeof *w);
	struct zt_buf b = zt_buf_init(o.worlds, o.worlds_len);
	while (w && zt_buf_left(&b)) {
		json_t *j = json_object();
		err = zt_world_read(w, &b);
		if (err) {
			ztp_jset_str(j, "error", zt_strerror(err));
			json_array_append_new(list, j);
			break;
		}
		ztp_jset_int(j, "type", w->type);
		ztp_jset_u64(j, "id", w->id);
		ztp_jset_u64(j, "timestamp", w->timestamp);
		ztp_jset_int(j, "roots", w->root_count);
		ztp_jset_int(j, "len", (long long)w->raw_len);
		ztp_jset_bool(j, "self_signed_ok", zt_world_verify(w, w->updates_must_be_signed_by));
		json_array_append_new(list, j);
	}
	free(w);
	ztp_jset_int(ev, "worlds", (long long)json_array_size(list));
	json_object_set_new(ev, "world_list", list);
	if (rx->req) {
		rx->peer->proto = o.proto_version;
		rx->peer->major = o.major;
		rx->peer->minor = o.minor;
		rx->peer->revision = o.revision;
	}
}

static void ok_whois(struct ztp *z, struct ztp_rx *rx, json_t *ev)
{
	struct zt_verb_ok_whois *o = malloc(sizeof *o);
	zt_err err = o ? zt_verb_ok_whois_decode(o, rx->payload, rx->len) : -ENOMEM;
	if (err) {
		ztp_rx_status(ev, "malformed", zt_strerror(err));
		free(o);
		return;
	}
	json_t *list = json_array();
	unsigned learned = 0;
	for (size_t i = 0; i < o->count; i++) {
		const struct zt_identity *id = &o->identities[i];
		json_t *j = json_object();
		char s[ZT_IDENTITY_STRING_MAX];
		ztp_jset_address(j, "address", id->address);
		if (zt_identity_to_string(id, false, s, sizeof s) > 0)
			ztp_jset_str(j, "identity", s);
		bool valid = zt_identity_validate(id) == ZT_OK;
		ztp_jset_bool(j, "valid", valid);
		json_array_append_new(list, j);
		/* Like 1.x, identities are taken only from an upstream; unlike 1.x, only valid ones. */
		if (valid && rx->peer->is_root && id->address != z->self.address && ztp_peer_add(z, id)) {
			learned++;
			for (size_t k = 0; k < ZTP_WHOIS_SLOTS; k++)
				if (z->whois[k].address == id->address)
					z->whois[k].address = 0;
		}
	}
	json_object_set_new(ev, "identities", list);
	ztp_jset_int(ev, "learned", learned);
	if (learned)
		contacts_check(z);
	free(o);
}

static void ok_gather(struct ztp_rx *rx, json_t *ev)
{
	struct zt_verb_ok_multicast_gather *o = malloc(sizeof *o);
	zt_err err = o ? zt_verb_ok_multicast_gather_decode(o, rx->payload, rx->len) : -ENOMEM;
	if (err) {
		ztp_rx_status(ev, "malformed", zt_strerror(err));
		free(o);
		return;
	}
	ztp_jset_group(ev, o->nwid, o->mac, o->adi);
	ztp_jset_int(ev, "total", o->total_known);
	ztp_jset_int(ev, "count", (long long)o->count);
	json_t *list = json_array();
	for (size_t i = 0; i < o->count; i++) {
		char s[11];
		zt_address_format(s, o->addresses[i]);
		json_array_append_new(list, json_string(s));
	}
	json_object_set_new(ev, "members", list);
	free(o);
}

void ztp_rx_ok(struct ztp *z, struct ztp_rx *rx, json_t *ev)
{
	struct zt_verb_ok ok;
	zt_err err = zt_verb_ok_decode(&ok, rx->payload, rx->len);
	if (err) {
		ztp_rx_status(ev, "malformed", zt_strerror(err));
		return;
	}
	rx->in_re_verb = ok.in_re_verb;
	rx->in_re_id = ok.in_re_packet_id;
	rx->req = ztp_request_find(z, ok.in_re_packet_id, rx->source);
	ztp_jset_str(ev, "in_re_verb", ztp_verb_name(ok.in_re_verb));
	ztp_jset_hex64(ev, "in_re_id", ok.in_re_packet_id);
	ztp_jset_bool(ev, "expected", rx->req != NULL);
	if (rx->req)
		ztp_jset_int(ev, "rtt_ms", ztp_now() - rx->req->sent);
	if (rx->hops == 0)
		rx->peer->path = *rx->from; /* 1.x learns paths from OK only */
	switch (ok.in_re_verb) {
	case ZT_VERB_HELLO:
		ok_hello(z, rx, ev);
		break;
	case ZT_VERB_WHOIS:
		ok_whois(z, rx, ev);
		break;
	case ZT_VERB_ECHO:
		ztp_jset_hex(ev, "data", ok.body, ok.body_len);
		break;
	case ZT_VERB_MULTICAST_GATHER:
		ok_gather(rx, ev);
		break;
	default:
		break;
	}
}

void ztp_rx_error(struct ztp *z, struct ztp_rx *rx, json_t *ev)
{
	struct zt_verb_error e;
	zt_err err = zt_verb_error_decode(&e, rx->payload, rx->len);
	if (err) {
		ztp_rx_status(ev, "malformed", zt_strerror(err));
		return;
	}
	rx->in_re_verb = e.in_re_verb;
	rx->in_re_id = e.in_re_packet_id;
	rx->req = ztp_request_find(z, e.in_re_packet_id, rx->source);
	ztp_jset_str(ev, "in_re_verb", ztp_verb_name(e.in_re_verb));
	ztp_jset_hex64(ev, "in_re_id", e.in_re_packet_id);
	ztp_jset_bool(ev, "expected", rx->req != NULL);
	ztp_jset_int(ev, "error_code", e.code);
	ztp_jset_str(ev, "error_name", ztp_error_name(e.code));
	if (e.has_nwid)
		ztp_jset_hex64(ev, "nwid", e.nwid);
}

/* ---------------------------------------------------------------- requests we answer */

void ztp_rx_whois(struct ztp *z, struct ztp_rx *rx, json_t *ev)
{
	struct zt_verb_whois *q = malloc(sizeof *q);
	uint8_t *buf = malloc(ZT_VERB_MAX_PAYLOAD);
	zt_err err = q && buf ? zt_verb_whois_decode(q, rx->payload, rx->len) : -ENOMEM;
	if (err) {
		ztp_rx_status(ev, "malformed", zt_strerror(err));
		goto out;
	}
	struct zt_wbuf w = zt_wbuf_init(buf, ZT_VERB_MAX_PAYLOAD);
	zt_verb_ok_header_encode(&w, ZT_VERB_WHOIS, rx->packet_id);
	json_t *list = json_array();
	unsigned known = 0;
	for (size_t i = 0; i < q->count; i++) {
		char s[11];
		zt_address_format(s, q->addresses[i]);
		json_array_append_new(list, json_string(s));
		const struct ztp_peer *p = ztp_peer_find(z, q->addresses[i]);
		const struct zt_identity *id = q->addresses[i] == z->self.address ? &z->self : p ? &p->id : NULL;
		if (id && w.len + ZT_IDENTITY_PUBLIC_BINARY_LEN <= w.cap) {
			zt_identity_write(id, false, &w);
			known++;
		}
	}
	json_object_set_new(ev, "addresses", list);
	ztp_jset_int(ev, "answered", known);
	if (known) /* 1.x sends nothing when it knows none of them */
		reply(z, rx->peer, rx->from, ZT_VERB_OK, &w, -1);
out:
	free(buf);
	free(q);
}

void ztp_rx_echo(struct ztp *z, struct ztp_rx *rx, json_t *ev)
{
	uint8_t *buf = malloc(ZT_VERB_MAX_PAYLOAD);
	if (!buf)
		return;
	struct zt_wbuf w = zt_wbuf_init(buf, ZT_VERB_MAX_PAYLOAD);
	struct zt_verb_echo e = {
		.in_re_packet_id = rx->packet_id,
		.data = rx->payload,
		.len = rx->len,
	};
	if (zt_verb_ok_echo_encode(&e, &w) == ZT_OK) {
		reply(z, rx->peer, rx->from, ZT_VERB_OK, &w, -1);
		ztp_jset_bool(ev, "answered", true);
	}
	free(buf);
}

void ztp_rx_rendezvous(struct ztp *z, struct ztp_rx *rx, json_t *ev)
{
	struct zt_verb_rendezvous r;
	zt_err err = zt_verb_rendezvous_decode(&r, rx->payload, rx->len);
	if (err) {
		ztp_rx_status(ev, "malformed", zt_strerror(err));
		return;
	}
	ztp_jset_address(ev, "peer", r.address);
	ztp_jset_inet(ev, "peer_path", &r.addr);
	ztp_jset_int(ev, "rendezvous_flags", r.flags);
	if (!rx->peer->is_root || z->lite) {
		ztp_rx_status(ev, "ignored", "RENDEZVOUS is honoured only from a root");
		return;
	}
	if (!r.addr.port) {
		ztp_rx_status(ev, "ignored", "port 0");
		return;
	}
	struct ztp_peer *p = ztp_peer_find(z, r.address);
	if (p) {
		contact(z, p, &r.addr);
		ztp_jset_bool(ev, "contacted", true);
		return;
	}
	/* Not known yet (typically: the relayed packet's WHOIS is still in flight): contact it later. */
	ztp_jset_bool(ev, "contacted", false);
	for (size_t i = 0; i < ZTP_CONTACT_SLOTS; i++) {
		struct ztp_contact *c = &z->contact[i];
		if (!c->address || c->address == r.address) {
			c->address = r.address;
			c->at = r.addr;
			c->t = ztp_now();
			ztp_whois_request(z, r.address);
			break;
		}
	}
}
