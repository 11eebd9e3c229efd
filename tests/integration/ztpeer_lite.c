/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ztpeer: "root-lite", a minimal stand-in root used only to test ztpeer itself (the self-test and
 * test_ztpeer.sh). It answers HELLO (with its planet when the leaf's copy is older), WHOIS, ECHO,
 * MULTICAST_LIKE/GATHER, relays packets and fragments with a hop limit, and sends RENDEZVOUS to both
 * sides of a relayed head once per pair per 30 s. No rate limits, no expiry, no persistence: it is
 * a test double, not a root.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "node/crypto.h"
#include "node/hex.h"
#include "ztpeer.h"

#define ZTP_LITE_RDV_SLOTS 64
#define ZTP_LITE_DEFAULT_WORLD_ID 0x7a7a7a7aULL

struct ztp_lite_like {
	struct zt_multicast_group g;
	uint64_t member;
};

struct ztp_lite {
	struct zt_world world;
	unsigned max_hops;
	struct ztp_lite_like *likes;
	size_t nlikes, likes_cap;
	struct {
		uint64_t a, b;
		int64_t t;
	} rdv[ZTP_LITE_RDV_SLOTS];
	unsigned rdv_next;
	unsigned long relayed, relay_dropped, rendezvous_sent;
};

zt_err ztp_lite_enable(struct ztp *z, unsigned max_hops)
{
	struct ztp_lite *l = calloc(1, sizeof *l);
	if (!l)
		return -ENOMEM;
	l->max_hops = max_hops;
	struct zt_world *w = &l->world;
	uint8_t pub[ZT_C25519_PUBLIC_LEN], priv[ZT_C25519_PRIVATE_LEN];
	zt_c25519_generate(pub, priv);
	w->type = ZT_WORLD_TYPE_PLANET;
	w->id = z->planet_id ? z->planet_id : ZTP_LITE_DEFAULT_WORLD_ID;
	w->timestamp = z->planet_ts ? z->planet_ts : ztp_wallclock();
	memcpy(w->updates_must_be_signed_by, pub, sizeof pub);
	w->root_count = 1;
	w->roots[0].identity = z->self;
	zt_identity_wipe(&w->roots[0].identity);
	w->roots[0].identity.has_private = false;
	w->roots[0].endpoint_count = 1;
	w->roots[0].endpoints[0] = z->local;
	zt_err err = zt_world_sign(w, pub, priv);
	zt_wipe(priv, sizeof priv);
	if (err) {
		free(l);
		return err;
	}
	z->lite = l;
	return ZT_OK;
}

void ztp_lite_free(struct ztp *z)
{
	if (!z->lite)
		return;
	free(z->lite->likes);
	free(z->lite);
	z->lite = NULL;
}

size_t ztp_lite_worlds(struct ztp *z, uint64_t id, uint64_t ts, const uint8_t **worlds)
{
	const struct zt_world *w = &z->lite->world;
	if (id != w->id || ts >= w->timestamp)
		return 0;
	*worlds = w->raw;
	return w->raw_len;
}

/* ---------------------------------------------------------------- relaying and RENDEZVOUS */

static void rendezvous_send(struct ztp *z, struct ztp_peer *to, const struct ztp_peer *about)
{
	uint8_t buf[1 + ZT_ADDRESS_LENGTH + 2 + 1 + 16];
	struct zt_wbuf w = zt_wbuf_init(buf, sizeof buf);
	struct zt_verb_rendezvous r = { .address = about->id.address, .addr = about->path };
	if (zt_verb_rendezvous_encode(&r, &w) == ZT_OK &&
	    ztp_send(z, to, &to->path, ZT_VERB_RENDEZVOUS, buf, w.len, NULL, NULL) == ZT_OK)
		z->lite->rendezvous_sent++;
}

static bool rendezvous(struct ztp *z, uint64_t source, uint64_t dest)
{
	struct ztp_lite *l = z->lite;
	struct ztp_peer *s = ztp_peer_find(z, source), *d = ztp_peer_find(z, dest);
	if (!s || !d || !s->path.family || !d->path.family || s->path.family != d->path.family)
		return false;
	uint64_t a = source < dest ? source : dest, b = source < dest ? dest : source;
	int64_t now = ztp_now();
	for (size_t i = 0; i < ZTP_LITE_RDV_SLOTS; i++)
		if (l->rdv[i].a == a && l->rdv[i].b == b && now - l->rdv[i].t < ZT_MIN_UNITE_INTERVAL)
			return false;
	unsigned slot = l->rdv_next++ % ZTP_LITE_RDV_SLOTS;
	l->rdv[slot].a = a;
	l->rdv[slot].b = b;
	l->rdv[slot].t = now;
	rendezvous_send(z, d, s);
	rendezvous_send(z, s, d);
	return true;
}

void ztp_lite_relay(struct ztp *z, uint8_t *d, size_t len, const struct zt_inetaddr *from, json_t *ev)
{
	(void)from;
	struct ztp_lite *l = z->lite;
	bool fragment = zt_packet_classify(d, len) == ZT_DATAGRAM_FRAGMENT;
	unsigned hops = fragment ? zt_fragment_hops(d) : zt_packet_hops(d);
	uint64_t dest = fragment ? zt_fragment_dest(d) : zt_packet_dest(d);
	struct ztp_peer *p = ztp_peer_find(z, dest);
	if (hops >= l->max_hops) {
		ztp_jset_str(ev, "status", "dropped");
		ztp_jset_str(ev, "error", "hop limit");
		l->relay_dropped++;
		return;
	}
	if (!p || !p->path.family) {
		ztp_jset_str(ev, "status", "dropped");
		ztp_jset_str(ev, "error", "unknown destination");
		l->relay_dropped++;
		return;
	}
	(void)zt_packet_hops_increment(d, len);
	if (ztp_send_raw(z, d, len, &p->path) != ZT_OK) {
		ztp_jset_str(ev, "status", "dropped");
		ztp_jset_str(ev, "error", "send failed");
		l->relay_dropped++;
		return;
	}
	l->relayed++;
	ztp_jset_str(ev, "status", "relayed");
	ztp_jset_inet(ev, "relayed_to", &p->path);
	if (!fragment && rendezvous(z, zt_packet_source(d), dest))
		ztp_jset_bool(ev, "rendezvous", true);
}

/* ---------------------------------------------------------------- multicast directory */

static void like(struct ztp *z, const struct ztp_rx *rx, json_t *ev)
{
	struct ztp_lite *l = z->lite;
	struct zt_verb_multicast_like *m = malloc(sizeof *m);
	if (!m || zt_verb_multicast_like_decode(m, rx->payload, rx->len) != ZT_OK) {
		ztp_jset_str(ev, "status", "malformed");
		free(m);
		return;
	}
	for (size_t i = 0; i < m->count; i++) {
		bool have = false;
		for (size_t k = 0; k < l->nlikes && !have; k++)
			have = l->likes[k].member == rx->source && l->likes[k].g.nwid == m->groups[i].nwid &&
			       l->likes[k].g.adi == m->groups[i].adi && !memcmp(l->likes[k].g.mac, m->groups[i].mac, ZT_MAC_LEN);
		if (have)
			continue;
		if (l->nlikes == l->likes_cap) {
			size_t cap = l->likes_cap ? l->likes_cap * 2 : 16;
			struct ztp_lite_like *n = realloc(l->likes, cap * sizeof *n);
			if (!n)
				break;
			l->likes = n;
			l->likes_cap = cap;
		}
		l->likes[l->nlikes++] = (struct ztp_lite_like){ .g = m->groups[i], .member = rx->source };
	}
	ztp_jset_int(ev, "groups", (long long)m->count);
	free(m);
}

static void gather(struct ztp *z, const struct ztp_rx *rx, json_t *ev)
{
	struct ztp_lite *l = z->lite;
	struct zt_verb_multicast_gather g;
	struct zt_verb_ok_multicast_gather *o = calloc(1, sizeof *o);
	uint8_t *buf = malloc(ZT_VERB_MAX_PAYLOAD);
	if (!o || !buf || zt_verb_multicast_gather_decode(&g, rx->payload, rx->len) != ZT_OK) {
		ztp_jset_str(ev, "status", "malformed");
		goto out;
	}
	o->in_re_packet_id = rx->packet_id;
	o->nwid = g.nwid;
	memcpy(o->mac, g.mac, ZT_MAC_LEN);
	o->adi = g.adi;
	for (size_t k = 0; k < l->nlikes; k++) {
		const struct ztp_lite_like *e = &l->likes[k];
		if (e->g.nwid != g.nwid || e->g.adi != g.adi || memcmp(e->g.mac, g.mac, ZT_MAC_LEN))
			continue;
		o->total_known++;
		if (e->member != rx->source && o->count < g.limit && o->count < ZT_VERB_OK_GATHER_MAX_ADDRESSES)
			o->addresses[o->count++] = e->member;
	}
	ztp_jset_int(ev, "answered", o->count > 0);
	if (o->count) { /* 1.x sends nothing when it has no address to give */
		struct zt_wbuf w = zt_wbuf_init(buf, ZT_VERB_MAX_PAYLOAD);
		if (zt_verb_ok_multicast_gather_encode(o, &w) == ZT_OK)
			(void)ztp_send(z, rx->peer, rx->from, ZT_VERB_OK, buf, w.len, NULL, NULL);
	}
out:
	free(buf);
	free(o);
}

bool ztp_lite_verb(struct ztp *z, const struct ztp_rx *rx, json_t *ev)
{
	switch (rx->verb) {
	case ZT_VERB_MULTICAST_LIKE:
		like(z, rx, ev);
		return true;
	case ZT_VERB_MULTICAST_GATHER:
		gather(z, rx, ev);
		return true;
	default:
		return false;
	}
}

void ztp_lite_counters(const struct ztp *z, struct ztp_lite_counters *c)
{
	c->relayed = z->lite->relayed;
	c->relay_dropped = z->lite->relay_dropped;
	c->rendezvous_sent = z->lite->rendezvous_sent;
}

/* ---------------------------------------------------------------- the command */

int ztp_cmd_rootlite(struct ztp *z, int argc, char **argv)
{
	uint64_t seconds = 0;
	if (argc > 0 && (!ztp_parse_u64(&seconds, argv[0]) || seconds > 86400 * 365)) {
		ztp_fail("Unable to parse seconds `%s'", argv[0]);
		return ZTP_EXIT_USAGE;
	}
	json_t *ev = ztp_event("ready");
	char s[ZT_IDENTITY_STRING_MAX];
	ztp_jset_address(ev, "address", z->self.address);
	if (zt_identity_to_string(&z->self, false, s, sizeof s) > 0)
		ztp_jset_str(ev, "identity", s);
	ztp_jset_inet(ev, "bind", &z->local);
	ztp_jset_u64(ev, "world_id", z->lite->world.id);
	ztp_jset_u64(ev, "world_timestamp", z->lite->world.timestamp);
	ztp_emit(z, ev);
	z->print_all = true;
	ztp_linger(z, argc > 0 ? (int64_t)seconds * 1000 : -1, false);
	ev = ztp_event("rootlite_done");
	ztp_jset_int(ev, "peers", (long long)z->npeers);
	ztp_jset_int(ev, "rx_packets", (long long)z->rx_packets);
	ztp_jset_int(ev, "rx_dropped", (long long)z->rx_dropped);
	ztp_jset_int(ev, "rx_auth_failed", (long long)z->rx_auth_failed);
	ztp_jset_int(ev, "relayed", (long long)z->lite->relayed);
	ztp_jset_int(ev, "relay_dropped", (long long)z->lite->relay_dropped);
	ztp_jset_int(ev, "rendezvous_sent", (long long)z->lite->rendezvous_sent);
	ztp_emit(z, ev);
	return ZTP_EXIT_OK;
}
