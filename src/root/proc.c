/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The root's packet handling (roots.md §1 and §3): classify, relay heads and fragments for others,
 * introduce relayed pairs, and answer what is addressed to us. Every path is bounded: a datagram
 * costs at most one X25519 (for an unknown HELLO, behind a per-prefix gate) and a fixed number of
 * table lookups, and never allocates.
 */
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "common/log.h"
#include "node/crypto.h"
#include "node/hex.h"
#include "node/verbs.h"
#include "node/world.h"
#include "proto.h"
#include "validator.h"

#define REPLY_MTU ZT_DEFAULT_PHYSMTU
#define WHOIS_MAX_PER_REPLY ((REPLY_MTU - ZT_PACKET_IDX_PAYLOAD - ZT_VERB_OK_HEADER_LEN) / ZT_IDENTITY_PUBLIC_BINARY_LEN)
#define GATHER_MAX_PER_REPLY ((REPLY_MTU - ZT_PACKET_IDX_PAYLOAD - ZT_VERB_OK_GATHER_MIN_LEN) / ZT_ADDRESS_LENGTH)

/* ---------------------------------------------------------------- shared state */

zt_err root_proto_init(struct root_proto *p, struct root *r, int64_t now)
{
	zt_err e;
	memset(p, 0, sizeof *p);
	double v = r->cfg.hello_validations_per_prefix;
	double rep = r->cfg.replies_per_peer;
	if ((e = root_limiter_init(&p->validation_limit, 16384, v, 4 * v, now)) ||
	    (e = root_limiter_init(&p->reply_limit, 1u << 18, rep, 2 * rep, now)) ||
	    (e = root_limiter_init(&p->confirm_limit, 1u << 16, 1000.0 / ROOT_PATH_CONFIRM_MS, 1, now)) ||
	    (e = root_limiter_init(&p->like_limit, 1u << 18, ROOT_LIKE_RATE, ROOT_LIKE_BURST, now)) ||
	    (e = root_limiter_init(&p->reply_prefix_limit, 1u << 16, ROOT_PREFIX_REPLY_RATE, 2 * ROOT_PREFIX_REPLY_RATE, now)) ||
	    (e = root_mcast_init(&p->mcast, 4 * r->cfg.cache_max_peers)))
		goto fail;
	p->rendezvous = calloc(ROOT_RENDEZVOUS_SLOTS, sizeof *p->rendezvous);
	if (!p->rendezvous) {
		e = -12;
		goto fail;
	}
	struct zt_wbuf w = zt_wbuf_init(p->self_identity, sizeof p->self_identity);
	zt_identity_write(&r->id, false, &w);
	return ZT_OK;
fail:
	root_proto_free(p);
	return e;
}

void root_proto_free(struct root_proto *p)
{
	root_limiter_free(&p->validation_limit);
	root_limiter_free(&p->reply_limit);
	root_limiter_free(&p->confirm_limit);
	root_limiter_free(&p->like_limit);
	root_limiter_free(&p->reply_prefix_limit);
	if (p->mcast.shards[0].buckets)
		root_mcast_free(&p->mcast);
	free((void *)p->rendezvous);
	p->rendezvous = NULL;
}

zt_err root_proc_init(struct root_proc *pc)
{
	memset(pc, 0, sizeof *pc);
	pc->defrag = malloc(sizeof *pc->defrag);
	if (!pc->defrag)
		return -12;
	zt_defrag_init(pc->defrag);
	return ZT_OK;
}

void root_proc_free(struct root_proc *pc)
{
	for (int i = 0; i < ROOT_KEYCACHE_SLOTS; i++)
		if (pc->keys[i].used)
			zt_peer_key_free(&pc->keys[i].pk);
	free(pc->defrag);
	pc->defrag = NULL;
}

static inline struct root_keyslot *keyslot(struct root_proc *pc, uint64_t address)
{
	return &pc->keys[(address * 0x9e3779b97f4a7c15ULL) >> 54];
}

void root_proc_forget(struct root_proc *pc, uint64_t address)
{
	struct root_keyslot *ks = keyslot(pc, address);
	if (ks->used && ks->address == address) {
		zt_peer_key_free(&ks->pk);
		ks->used = false;
	}
}

/* ---------------------------------------------------------------- helpers */

/* The peer for address: the cache, else LMDB (entries evicted from memory come back on use). */
static bool lookup_peer(struct root *r, uint64_t address, struct root_peer *out)
{
	if (root_cache_get(&r->cache, address, out))
		return true;
	struct root_peer stored;
	if (!r->store.env || root_store_get(&r->store, address, &stored) != ZT_OK)
		return false;
	/* Another thread may have brought it back meanwhile: keep whichever is in the cache. */
	zt_err e = root_cache_put_if_absent(&r->cache, &stored, out);
	if (e != ZT_OK && e != ZT_EEXIST)
		*out = stored;
	return true;
}

/* The AES/Salsa state for a peer, derived once per worker and cached; NULL for a hostile key. */
static struct zt_peer_key *peer_key(struct root_worker *w, struct root_peer *p)
{
	struct root *r = w->root;
	struct root_keyslot *ks = keyslot(w->proc, p->address);
	if (ks->used && ks->address == p->address && !memcmp(ks->pk.key, p->key, 48) &&
	    (p->flags & ROOT_PEER_KEY_VALID))
		return &ks->pk;
	if (!(p->flags & ROOT_PEER_KEY_VALID)) {
		uint8_t full[64];
		if (zt_c25519_agree(full, r->id.priv, p->pub) != ZT_OK)
			return NULL;
		memcpy(p->key, full, 48);
		zt_wipe(full, sizeof full);
		p->flags |= ROOT_PEER_KEY_VALID;
		root_cache_set_key(&r->cache, p->address, p->key);
	}
	if (ks->used)
		zt_peer_key_free(&ks->pk);
	ks->used = false;
	if (zt_peer_key_init(&ks->pk, p->key) != ZT_OK)
		return NULL;
	ks->used = true;
	ks->address = p->address;
	return &ks->pk;
}

static void drop(struct root_worker *w, enum root_drop_reason why)
{
	ROOT_STAT_INC(&w->counters, dropped[why]);
}

static unsigned cipher_for(const struct root_peer *p)
{
	return p->proto >= 12 ? ZT_CIPHER_AES_GMAC_SIV : ZT_CIPHER_POLY1305_SALSA2012;
}

static void path_addr(const struct root_path *rp, struct zt_inetaddr *a)
{
	if (rp->family == 4)
		zt_inetaddr_set_v4(a, rp->ip, rp->port);
	else
		zt_inetaddr_set_v6(a, rp->ip, rp->port);
}

/*
 * Replies are built in the worker's scratch buffer (tx_begin), then armored and queued as one
 * datagram or, when larger than the path MTU (a big planet in OK(HELLO), a big ECHO), as fragments
 * (tx_end). The payload writer is bounded by the largest packet the protocol allows.
 */
static uint8_t *tx_begin(struct root_worker *w, uint64_t dest, uint8_t verb, struct zt_wbuf *payload)
{
	uint8_t *b = w->proc->big;
	zt_packet_init(b, zt_random_u64(), dest, w->root->id.address, verb);
	*payload = zt_wbuf_init(b + ZT_PACKET_IDX_PAYLOAD, ZT_PROTO_MAX_PACKET_LENGTH - ZT_PACKET_IDX_PAYLOAD);
	return b;
}

/* Armors and queues the packet begun with tx_begin. Returns its wire packet ID, or 0 if nothing was sent. */
static uint64_t tx_end(struct root_worker *w, uint8_t sock, const struct zt_inetaddr *to, struct zt_wbuf *payload,
		       struct zt_peer_key *pk, unsigned cipher, bool count_reply)
{
	uint8_t *b = w->proc->big;
	size_t len = ZT_PACKET_IDX_PAYLOAD + payload->len;
	if (payload->err)
		return 0;
	int n = zt_fragment_count(len, REPLY_MTU);
	if (n < 1)
		return 0;
	zt_packet_set_fragmented(b, n > 1);
	if (zt_packet_armor(b, len, pk, cipher) != ZT_OK)
		return 0;
	for (int i = 0; i < n; i++) {
		struct root_tx *t = root_io_tx_slot(&w->io, sock, to);
		if (!t)
			return 0;
		long dl = n == 1 ? (long)len : zt_fragment_build(t->data, sizeof t->data, b, len, REPLY_MTU, (unsigned)i);
		if (dl <= 0) {
			root_io_tx_cancel(&w->io);
			return 0;
		}
		if (n == 1)
			memcpy(t->data, b, len);
		t->len = (size_t)dl;
	}
	if (count_reply)
		ROOT_STAT_INC(&w->counters, replies);
	return zt_packet_id(b);
}

/*
 * The reply budget (roots.md §3: the root must not be an amplifier): per peer, and per source prefix
 * when the request does not come from the peer's own known path (a spoofed source would).
 */
static bool reply_allowed(struct root_worker *w, const struct root_peer *p, const struct zt_inetaddr *from, int64_t now)
{
	struct root *r = w->root;
	const struct root_path *known = from->family == 4 ? &p->v4 : &p->v6;
	bool on_known_path = known->family == from->family && known->port == from->port &&
			     !memcmp(known->ip, from->ip, from->family == 4 ? 4 : 16);
	if (!root_limiter_take(&r->proto->reply_limit, p->address, now) ||
	    (!on_known_path && !root_limiter_take(&r->proto->reply_prefix_limit, root_prefix_key(from), now))) {
		ROOT_STAT_INC(&w->counters, limited[ROOT_LIMIT_REPLY]);
		drop(w, ROOT_DROP_RATELIMIT);
		return false;
	}
	return true;
}

/* ---------------------------------------------------------------- relaying and introductions */

static bool rendezvous_due(struct root_proto *p, uint64_t a, uint64_t b, int64_t now)
{
	uint64_t lo = a < b ? a : b, hi = a < b ? b : a;
	uint64_t h = (lo * 0x9e3779b97f4a7c15ULL) ^ (hi * 0xc2b2ae3d27d4eb4fULL);
	_Atomic uint64_t *slot = &p->rendezvous[(h >> 20) & (ROOT_RENDEZVOUS_SLOTS - 1)];
	uint32_t tag = (uint32_t)(h >> 32) | 1;
	uint32_t secs = (uint32_t)(now / 1000);
	uint64_t old = atomic_load_explicit(slot, memory_order_relaxed);
	if ((uint32_t)(old >> 32) == tag && secs - (uint32_t)old < ZT_MIN_UNITE_INTERVAL / 1000)
		return false;
	return atomic_compare_exchange_strong(slot, &old, ((uint64_t)tag << 32) | secs);
}

static void send_rendezvous(struct root_worker *w, struct root_peer *to, const struct root_path *to_path,
			    const struct root_peer *about, const struct root_path *about_path)
{
	struct zt_peer_key *pk = peer_key(w, to);
	struct zt_inetaddr dst;
	struct zt_wbuf pl;
	if (!pk)
		return;
	path_addr(to_path, &dst);
	tx_begin(w, to->address, ZT_VERB_RENDEZVOUS, &pl);
	struct zt_verb_rendezvous rv = { .flags = 0, .address = about->address };
	path_addr(about_path, &rv.addr);
	zt_verb_rendezvous_encode(&rv, &pl);
	if (tx_end(w, to_path->sock, &dst, &pl, pk, cipher_for(to), false))
		ROOT_STAT_INC(&w->counters, rendezvous_sent);
}

/* Introduces a relayed pair (roots.md §1.4): IPv6 if both have it, else IPv4. */
static void introduce(struct root_worker *w, uint64_t src, struct root_peer *dst, int64_t now)
{
	struct root *r = w->root;
	struct root_peer s;
	if (!root_cache_get(&r->cache, src, &s))
		return;
	const struct root_path *sp = NULL, *dp = NULL;
	/* Introduce only over paths heard from recently enough to still be open (a 1.x path's lifetime). */
	bool s6 = s.v6.family && now - s.v6.last_rx <= ZT_PEER_PATH_EXPIRATION;
	bool d6 = dst->v6.family && now - dst->v6.last_rx <= ZT_PEER_PATH_EXPIRATION;
	bool s4 = s.v4.family && now - s.v4.last_rx <= ZT_PEER_PATH_EXPIRATION;
	bool d4 = dst->v4.family && now - dst->v4.last_rx <= ZT_PEER_PATH_EXPIRATION;
	if (s6 && d6) {
		sp = &s.v6;
		dp = &dst->v6;
	} else if (s4 && d4) {
		sp = &s.v4;
		dp = &dst->v4;
	} else {
		return;
	}
	if (!rendezvous_due(r->proto, src, dst->address, now))
		return;
	/* Random order, as 1.x does, so neither side systematically opens its NAT first. */
	if (zt_random_u64() & 1) {
		send_rendezvous(w, dst, dp, &s, sp);
		send_rendezvous(w, &s, sp, dst, dp);
	} else {
		send_rendezvous(w, &s, sp, dst, dp);
		send_rendezvous(w, dst, dp, &s, sp);
	}
}

static bool same_endpoint(const struct root_path *p, const struct zt_inetaddr *a)
{
	size_t n = a->family == 4 ? 4 : 16;
	return p->family == a->family && p->port == a->port && !memcmp(p->ip, a->ip, n);
}

static void relay(struct root_worker *w, uint8_t *d, size_t len, enum zt_datagram_kind kind,
		  const struct zt_inetaddr *from, int64_t now)
{
	struct root *r = w->root;
	uint64_t dest = kind == ZT_DATAGRAM_FRAGMENT ? zt_fragment_dest(d) : zt_packet_dest(d);
	unsigned hops = kind == ZT_DATAGRAM_FRAGMENT ? zt_fragment_hops(d) : zt_packet_hops(d);
	struct root_peer p;
	enum root_drop_reason why;
	if ((int)hops >= atomic_load_explicit(&r->relay_max_hops, memory_order_relaxed)) {
		why = ROOT_DROP_HOPS;
		goto dropped;
	}
	if (!lookup_peer(r, dest, &p)) {
		why = ROOT_DROP_UNKNOWN_DEST;
		goto dropped;
	}
	const struct root_path *path = root_peer_best_path(&p, now, ROOT_PATH_ALIVE_MS);
	if (!path || same_endpoint(path, from)) {
		why = ROOT_DROP_NO_PATH;
		goto dropped;
	}
	struct zt_inetaddr to;
	path_addr(path, &to);
	struct root_tx *t = root_io_tx_slot(&w->io, path->sock, &to);
	if (!t) {
		why = ROOT_DROP_NO_PATH;
		goto dropped;
	}
	memcpy(t->data, d, len);
	t->len = len;
	zt_packet_hops_increment(t->data, len);
	ROOT_STAT_INC(&w->counters, relayed_packets);
	ROOT_STAT_ADD(&w->counters, relayed_bytes, len);
	if (kind == ZT_DATAGRAM_HEAD)
		introduce(w, zt_packet_source(d), &p, now);
	return;
dropped:
	drop(w, why);
	ROOT_STAT_ADD(&w->counters, dropped_bytes, len);
}

/* ---------------------------------------------------------------- HELLO */

static uint64_t endpoint_hash(const struct zt_inetaddr *a)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ a->family;
	for (int i = 0; i < 16; i++)
		h = (h ^ a->ip[i]) * 0x100000001b3ULL;
	return (h ^ a->port) * 0x100000001b3ULL;
}

/* Remembers the wire ID of a HELLO we sent to `to`, so its OK, from there, can teach us the path. */
static void pending_add(struct root_proto *p, uint64_t id, uint64_t address, const struct zt_inetaddr *to, int64_t now)
{
	struct root_pending_hello *s = &p->pending[(id * 0x9e3779b97f4a7c15ULL) >> 52];
	atomic_store(&s->address, address);
	atomic_store(&s->endpoint, endpoint_hash(to));
	atomic_store(&s->sent, now);
	atomic_store(&s->packet_id, id);
}

/* True (once) if `id` is a HELLO we sent to `address` at the endpoint the OK came from. */
static bool pending_take(struct root_proto *p, uint64_t id, uint64_t address, const struct zt_inetaddr *from,
			 int64_t now)
{
	struct root_pending_hello *s = &p->pending[(id * 0x9e3779b97f4a7c15ULL) >> 52];
	uint64_t want = id;
	if (!id || atomic_load(&s->address) != address || atomic_load(&s->endpoint) != endpoint_hash(from) ||
	    now - atomic_load(&s->sent) > 30000)
		return false;
	return atomic_compare_exchange_strong(&s->packet_id, &want, 0);
}

/* Our own HELLO to a peer, to confirm a path it used (the 1.x way of learning paths). */
static void send_hello(struct root_worker *w, struct root_peer *p, struct zt_peer_key *pk, uint8_t sock,
		       const struct zt_inetaddr *to, int64_t now)
{
	struct root *r = w->root;
	struct zt_wbuf pl;
	uint8_t *b = tx_begin(w, p->address, ZT_VERB_HELLO, &pl);
	struct zt_verb_hello h;
	memset(&h, 0, sizeof h);
	h.proto_version = ZT_PROTO_VERSION;
	h.major = ROOT_VERSION_MAJOR;
	h.minor = ROOT_VERSION_MINOR;
	h.revision = ROOT_VERSION_REVISION;
	h.timestamp = (uint64_t)now;
	/* Only the public part: the private key must not be copied around. */
	h.identity.address = r->id.address;
	h.identity.type = r->id.type;
	memcpy(h.identity.pub, r->id.pub, sizeof h.identity.pub);
	h.sent_to = *to;
	pthread_rwlock_rdlock(&r->planet.lock);
	h.planet_id = r->planet.id;
	h.planet_timestamp = r->planet.timestamp;
	pthread_rwlock_unlock(&r->planet.lock);
	size_t cf = 0;
	if (zt_verb_hello_encode(&h, &pl, &cf) != ZT_OK || pl.err)
		return;
	zt_packet_hello_cryptfield(b, ZT_PACKET_IDX_PAYLOAD + pl.len, ZT_PACKET_IDX_PAYLOAD + cf, pk->key);
	uint64_t id = tx_end(w, sock, to, &pl, pk, ZT_CIPHER_POLY1305_NONE, true);
	if (id)
		pending_add(r->proto, id, p->address, to, now);
}

/*
 * Path learning (verbs.md §17, our variant): an authenticated hops-0 packet from a node with no
 * live path at all teaches the path at once (so a new node is reachable for relaying immediately);
 * any other new address, in either family, is only taken after our confirming HELLO's OK comes
 * back from that very address, so a replayed packet cannot redirect a node's traffic.
 */
static void learn(struct root_worker *w, struct root_peer *p, struct zt_peer_key *pk, unsigned hops,
		  const struct zt_inetaddr *from, uint8_t sock, int64_t now)
{
	struct root *r = w->root;
	if (hops != 0) {
		root_cache_touch(&r->cache, p->address, NULL, sock, false, now);
		return;
	}
	const struct root_path *known = from->family == 4 ? &p->v4 : &p->v6;
	const struct root_path *other = from->family == 4 ? &p->v6 : &p->v4;
	bool live = known->family && now - known->last_rx <= ROOT_PATH_ALIVE_MS;
	bool other_live = other->family && now - other->last_rx <= ROOT_PATH_ALIVE_MS;
	if (same_endpoint(known, from) || (!live && !other_live)) {
		root_cache_touch(&r->cache, p->address, from, sock, true, now);
		return;
	}
	root_cache_touch(&r->cache, p->address, NULL, sock, false, now);
	if (root_limiter_take(&r->proto->confirm_limit, p->address, now))
		send_hello(w, p, pk, sock, from, now);
}

static void reply_ok_hello(struct root_worker *w, struct root_peer *p, struct zt_peer_key *pk, const uint8_t *pkt,
			   const struct zt_verb_hello *h, const struct zt_inetaddr *from, uint8_t sock)
{
	struct root *r = w->root;
	struct zt_wbuf pl;
	tx_begin(w, p->address, ZT_VERB_OK, &pl);
	struct zt_verb_ok_hello ok;
	memset(&ok, 0, sizeof ok);
	ok.in_re_packet_id = zt_packet_id(pkt);
	ok.timestamp_echo = h->timestamp;
	ok.proto_version = ZT_PROTO_VERSION;
	ok.major = ROOT_VERSION_MAJOR;
	ok.minor = ROOT_VERSION_MINOR;
	ok.revision = ROOT_VERSION_REVISION;
	ok.has_observed = true;
	ok.observed = *from;
	if (h->proto_version < 5)
		ok.observed.port = 0;
	pthread_rwlock_rdlock(&r->planet.lock);
	/* The planet goes to nodes holding an older revision of the same world (world.md §4). */
	if (r->planet.bytes && h->has_planet && h->planet_id == r->planet.id && h->planet_timestamp < r->planet.timestamp) {
		ok.worlds = r->planet.bytes;
		ok.worlds_len = r->planet.len;
	}
	zt_err e = zt_verb_ok_hello_encode(&ok, &pl);
	pthread_rwlock_unlock(&r->planet.lock);
	if (e)
		return;
	/* The cipher the requester supports: it has just told us its protocol version. */
	tx_end(w, sock, from, &pl, pk, h->proto_version >= 12 ? ZT_CIPHER_AES_GMAC_SIV : ZT_CIPHER_POLY1305_SALSA2012,
	       true);
}

static void reply_collision(struct root_worker *w, const uint8_t *pkt, const struct zt_identity *id,
			    const uint8_t key[48], const struct zt_inetaddr *from, uint8_t sock)
{
	struct zt_peer_key pk;
	struct zt_wbuf pl;
	if (zt_peer_key_init(&pk, key) != ZT_OK)
		return;
	uint64_t in_re = zt_packet_id(pkt);
	tx_begin(w, id->address, ZT_VERB_ERROR, &pl);
	struct zt_verb_error er = { .in_re_verb = ZT_VERB_HELLO, .in_re_packet_id = in_re,
				    .code = ZT_ERROR_IDENTITY_COLLISION };
	zt_verb_error_encode(&er, &pl);
	/* Armored with the key of the identity that sent the HELLO, so that node can read it. */
	tx_end(w, sock, from, &pl, &pk, ZT_CIPHER_POLY1305_SALSA2012, true);
	zt_peer_key_free(&pk);
}

/*
 * HELLO (cipher 0). `validated` is set when the validator hands back a HELLO whose identity it
 * has just accepted (the peer is then in the cache).
 */
static void handle_hello(struct root_worker *w, uint8_t *pkt, size_t len, const struct zt_inetaddr *from,
			 uint8_t sock, int64_t now)
{
	struct root *r = w->root;
	const uint8_t *pl = pkt + ZT_PACKET_IDX_PAYLOAD;
	size_t n = len - ZT_PACKET_IDX_PAYLOAD;
	struct zt_identity id;
	struct zt_buf b = zt_buf_init(pl + 13, n > 13 ? n - 13 : 0);
	if (n < ZT_VERB_HELLO_MIN_LEN || zt_identity_read(&id, &b) != ZT_OK || id.has_private) {
		drop(w, ROOT_DROP_MALFORMED);
		return;
	}
	if (id.address != zt_packet_source(pkt) || pl[0] < ZT_PROTO_VERSION_MIN) {
		drop(w, ROOT_DROP_MALFORMED);
		return;
	}
	struct root_peer p;
	bool known = lookup_peer(r, id.address, &p);
	if (known && memcmp(p.pub, id.pub, 64) != 0) {
		/* Someone else's address: answer IDENTITY_COLLISION if the HELLO really is from that key. */
		uint8_t full[64];
		if (!root_limiter_take(&r->proto->validation_limit, root_prefix_key(from), now)) {
			ROOT_STAT_INC(&w->counters, limited[ROOT_LIMIT_VALIDATION]);
			drop(w, ROOT_DROP_RATELIMIT);
			return;
		}
		struct zt_peer_key tmp;
		if (zt_c25519_agree(full, r->id.priv, id.pub) != ZT_OK || zt_peer_key_init(&tmp, full) != ZT_OK) {
			zt_wipe(full, sizeof full);
			drop(w, ROOT_DROP_AUTH);
			return;
		}
		zt_err e = zt_packet_dearmor(pkt, len, &tmp);
		zt_peer_key_free(&tmp);
		if (e == ZT_OK)
			reply_collision(w, pkt, &id, full, from, sock);
		else
			drop(w, ROOT_DROP_AUTH);
		zt_wipe(full, sizeof full);
		return;
	}
	if (!known) {
		/* A new node: MAC check now (cheap), identity validation in the validator (costly). */
		uint64_t prefix = root_prefix_key(from);
		if (len > ROOT_MAX_HELLO_LENGTH) {
			drop(w, ROOT_DROP_OVERSIZE);
			return;
		}
		if (!root_limiter_take(&r->proto->validation_limit, prefix, now)) {
			ROOT_STAT_INC(&w->counters, limited[ROOT_LIMIT_VALIDATION]);
			drop(w, ROOT_DROP_RATELIMIT);
			return;
		}
		struct root_vjob *job = &w->proc->job;
		uint8_t full[64];
		struct zt_peer_key tmp;
		if (zt_c25519_agree(full, r->id.priv, id.pub) != ZT_OK || zt_peer_key_init(&tmp, full) != ZT_OK) {
			zt_wipe(full, sizeof full);
			drop(w, ROOT_DROP_AUTH);
			return;
		}
		/* Check the MAC on a copy: the validator re-runs the HELLO from the original bytes. */
		memcpy(job->pkt, pkt, len);
		zt_err e = zt_packet_dearmor(job->pkt, len, &tmp);
		zt_peer_key_free(&tmp);
		if (e != ZT_OK) {
			zt_wipe(full, sizeof full);
			drop(w, ROOT_DROP_AUTH);
			return;
		}
		memcpy(job->pkt, pkt, len);
		job->len = (uint16_t)len;
		job->worker = (uint16_t)w->index;
		job->sock = sock;
		job->from = *from;
		job->id = id;
		memcpy(job->key, full, 48);
		job->prefix = prefix;
		zt_wipe(full, sizeof full);
		if (!root_validator_submit(r->validator, job, now))
			drop(w, ROOT_DROP_QUEUE_FULL);
		zt_wipe(job->key, sizeof job->key);
		return;
	}
	struct zt_peer_key *pk = peer_key(w, &p);
	if (!pk || zt_packet_dearmor(pkt, len, pk) != ZT_OK) {
		drop(w, ROOT_DROP_AUTH);
		return;
	}
	ROOT_STAT_INC(&w->counters, verbs[ZT_VERB_HELLO]);
	if (!reply_allowed(w, &p, from, now))
		return;
	size_t cf;
	if (zt_verb_hello_cryptfield_offset(pl, n, &cf) == ZT_OK)
		zt_packet_hello_cryptfield(pkt, len, ZT_PACKET_IDX_PAYLOAD + cf, pk->key);
	struct zt_verb_hello *h = &w->proc->hello;
	if (zt_verb_hello_decode(h, pl, n) != ZT_OK) {
		drop(w, ROOT_DROP_MALFORMED);
		return;
	}
	reply_ok_hello(w, &p, pk, pkt, h, from, sock);
	if (p.proto != h->proto_version || p.vmajor != h->major || p.vminor != h->minor || p.vrev != h->revision) {
		root_cache_set_version(&r->cache, p.address, h->proto_version, h->major, h->minor, h->revision);
		p.proto = h->proto_version;
	}
	learn(w, &p, pk, zt_packet_hops(pkt), from, sock, now);
}

void root_handle_validated_hello(struct root_worker *w, uint8_t *buf, size_t len, const struct zt_inetaddr *from,
				 uint8_t sock, int64_t now)
{
	handle_hello(w, buf, len, from, sock, now);
}

/* ---------------------------------------------------------------- other verbs */

static void handle_whois(struct root_worker *w, struct root_peer *p, struct zt_peer_key *pk, const uint8_t *pkt,
			 const uint8_t *pl, size_t n, const struct zt_inetaddr *from, uint8_t sock)
{
	struct root *r = w->root;
	struct zt_wbuf out;
	size_t found = 0;
	/* At most whois_max_addresses per request, so a root is no amplifier (5 bytes in, 71 out). */
	size_t max = (size_t)r->cfg.whois_max_addresses;
	if (n / ZT_ADDRESS_LENGTH < max)
		max = n / ZT_ADDRESS_LENGTH;
	/* And never more than one datagram's worth. */
	if (max > WHOIS_MAX_PER_REPLY)
		max = WHOIS_MAX_PER_REPLY;
	uint64_t in_re = zt_packet_id(pkt);
	tx_begin(w, p->address, ZT_VERB_OK, &out);
	zt_verb_ok_header_encode(&out, ZT_VERB_WHOIS, in_re);
	for (size_t i = 0; i < max; i++) {
		uint64_t a = zt_be40(pl + i * ZT_ADDRESS_LENGTH);
		uint8_t *slot;
		if (a == r->id.address) {
			/* The 5-second WHOIS(root) of every 1.14 leaf: answered from a preformatted copy. */
			zt_wbuf_put(&out, r->proto->self_identity, ZT_IDENTITY_PUBLIC_BINARY_LEN);
			found++;
			continue;
		}
		uint8_t pub[64];
		if (!root_cache_get_identity(&r->cache, a, pub)) {
			struct root_peer q;
			if (!lookup_peer(r, a, &q))
				continue;
			memcpy(pub, q.pub, 64);
		}
		slot = zt_wbuf_reserve(&out, ZT_IDENTITY_PUBLIC_BINARY_LEN);
		zt_put_be40(slot, a);
		slot[5] = ZT_IDENTITY_TYPE_C25519;
		memcpy(slot + 6, pub, 64);
		slot[70] = 0;
		found++;
	}
	if (!found)
		return; /* 1.x sends nothing when no address is known */
	tx_end(w, sock, from, &out, pk, cipher_for(p), true);
}

static void handle_echo(struct root_worker *w, struct root_peer *p, struct zt_peer_key *pk, const uint8_t *pkt,
			const uint8_t *pl, size_t n, const struct zt_inetaddr *from, uint8_t sock)
{
	struct zt_wbuf out;
	struct zt_verb_echo e = { .in_re_packet_id = zt_packet_id(pkt), .data = pl, .len = n };
	tx_begin(w, p->address, ZT_VERB_OK, &out);
	zt_verb_ok_echo_encode(&e, &out);
	/* Any size, like 1.x: a large echo goes back fragmented. */
	tx_end(w, sock, from, &out, pk, cipher_for(p), true);
}

static void handle_like(struct root_worker *w, struct root_peer *p, const uint8_t *pl, size_t n, int64_t now)
{
	struct root *r = w->root;
	/* Each new subscription costs memory: a budget of tuples per peer (1.x re-announces a few a minute). */
	uint32_t tuples = (uint32_t)(n / ZT_VERB_MULTICAST_GROUP_LEN);
	if (!tuples)
		return;
	if (!root_limiter_take_n(&r->proto->like_limit, p->address, now, tuples)) {
		ROOT_STAT_INC(&w->counters, limited[ROOT_LIMIT_REPLY]);
		drop(w, ROOT_DROP_RATELIMIT);
		return;
	}
	/* Tuples are decoded in place: an 18-byte [nwid][mac][adi] each (verbs.md §10). */
	for (size_t off = 0; off + ZT_VERB_MULTICAST_GROUP_LEN <= n; off += ZT_VERB_MULTICAST_GROUP_LEN) {
		struct zt_multicast_group g;
		g.nwid = zt_be64(pl + off);
		memcpy(g.mac, pl + off + 8, ZT_MAC_LEN);
		g.adi = zt_be32(pl + off + 14);
		if (root_mcast_like(&r->proto->mcast, &g, p->address, now) == ZT_ELIMIT) {
			drop(w, ROOT_DROP_RATELIMIT);
			return;
		}
	}
}

static void handle_gather(struct root_worker *w, struct root_peer *p, struct zt_peer_key *pk, const uint8_t *pkt,
			  const uint8_t *pl, size_t n, const struct zt_inetaddr *from, uint8_t sock, int64_t now)
{
	struct root *r = w->root;
	struct zt_verb_multicast_gather g;
	if (zt_verb_multicast_gather_decode(&g, pl, n) != ZT_OK) {
		drop(w, ROOT_DROP_MALFORMED);
		return;
	}
	if (!g.limit)
		return;
	struct zt_verb_ok_multicast_gather *ok = &w->proc->gather;
	struct zt_multicast_group key = { .nwid = g.nwid, .adi = g.adi };
	memcpy(key.mac, g.mac, ZT_MAC_LEN);
	size_t max = g.limit < GATHER_MAX_PER_REPLY ? g.limit : GATHER_MAX_PER_REPLY;
	ok->count = root_mcast_gather(&r->proto->mcast, &key, p->address, now, ok->addresses, max, &ok->total_known);
	if (!ok->count)
		return; /* nothing to return: 1.x sends nothing either */
	ok->in_re_packet_id = zt_packet_id(pkt);
	ok->nwid = g.nwid;
	memcpy(ok->mac, g.mac, ZT_MAC_LEN);
	ok->adi = g.adi;
	struct zt_wbuf out;
	tx_begin(w, p->address, ZT_VERB_OK, &out);
	zt_verb_ok_multicast_gather_encode(ok, &out);
	tx_end(w, sock, from, &out, pk, cipher_for(p), true);
}

static void handle_ok(struct root_worker *w, struct root_peer *p, const uint8_t *pl, size_t n,
		      const struct zt_inetaddr *from, uint8_t sock, unsigned hops, int64_t now)
{
	struct root *r = w->root;
	struct zt_verb_ok ok;
	if (zt_verb_ok_decode(&ok, pl, n) != ZT_OK || ok.in_re_verb != ZT_VERB_HELLO)
		return;
	/* Only an OK to a HELLO we sent confirms a path (and tells us the version). */
	if (!pending_take(r->proto, ok.in_re_packet_id, p->address, from, now))
		return;
	struct zt_verb_ok_hello oh;
	if (zt_verb_ok_hello_decode(&oh, pl, n) == ZT_OK)
		root_cache_set_version(&r->cache, p->address, oh.proto_version, oh.major, oh.minor, oh.revision);
	if (hops == 0)
		root_cache_touch(&r->cache, p->address, from, sock, true, now);
}

static void handle_config_request(struct root_worker *w, struct root_peer *p, struct zt_peer_key *pk,
				  const uint8_t *pkt, const uint8_t *pl, size_t n, const struct zt_inetaddr *from,
				  uint8_t sock)
{
	/* We run no controller: say so, as a 1.x node built without one does. */
	if (n < 8)
		return;
	struct zt_wbuf out;
	struct zt_verb_error er = { .in_re_verb = ZT_VERB_NETWORK_CONFIG_REQUEST, .in_re_packet_id = zt_packet_id(pkt),
				    .code = ZT_ERROR_UNSUPPORTED_OPERATION, .has_nwid = true, .nwid = zt_be64(pl) };
	tx_begin(w, p->address, ZT_VERB_ERROR, &out);
	zt_verb_error_encode(&er, &out);
	tx_end(w, sock, from, &out, pk, cipher_for(p), true);
}

/* A whole packet addressed to us. */
static void handle_for_us(struct root_worker *w, uint8_t *pkt, size_t len, size_t cap, const struct zt_inetaddr *from,
			  uint8_t sock, int64_t now)
{
	struct root *r = w->root;
	uint64_t src = zt_packet_source(pkt);
	unsigned cipher = zt_packet_cipher(pkt);
	if (cipher == ZT_CIPHER_POLY1305_NONE && (pkt[ZT_PACKET_IDX_VERB] & ZT_VERB_MASK) == ZT_VERB_HELLO) {
		if (pkt[ZT_PACKET_IDX_FLAGS] & ZT_PACKET_FLAG_ENCRYPTED) {
			/* Extended armor (packet.md §11): not understood yet; 1.x never sends it. */
			drop(w, ROOT_DROP_CIPHER);
			return;
		}
		handle_hello(w, pkt, len, from, sock, now);
		return;
	}
	if (cipher != ZT_CIPHER_POLY1305_NONE && cipher != ZT_CIPHER_POLY1305_SALSA2012 &&
	    cipher != ZT_CIPHER_AES_GMAC_SIV) {
		drop(w, ROOT_DROP_CIPHER);
		return;
	}
	struct root_peer p;
	if (!lookup_peer(r, src, &p)) {
		drop(w, ROOT_DROP_UNKNOWN_SOURCE);
		return;
	}
	struct zt_peer_key *pk = peer_key(w, &p);
	if (!pk || zt_packet_dearmor(pkt, len, pk) != ZT_OK) {
		drop(w, ROOT_DROP_AUTH);
		return;
	}
	if (zt_packet_decompress(pkt, &len, cap) != ZT_OK) {
		drop(w, ROOT_DROP_MALFORMED);
		return;
	}
	unsigned verb = zt_packet_verb(pkt);
	unsigned hops = zt_packet_hops(pkt);
	const uint8_t *pl = pkt + ZT_PACKET_IDX_PAYLOAD;
	size_t n = len - ZT_PACKET_IDX_PAYLOAD;
	ROOT_STAT_INC(&w->counters, verbs[verb]);
	if (verb == ZT_VERB_OK) {
		handle_ok(w, &p, pl, n, from, sock, hops, now);
		return;
	}
	learn(w, &p, pk, hops, from, sock, now);
	switch (verb) {
	case ZT_VERB_WHOIS:
	case ZT_VERB_ECHO:
	case ZT_VERB_MULTICAST_GATHER:
	case ZT_VERB_NETWORK_CONFIG_REQUEST:
		if (!reply_allowed(w, &p, from, now))
			return;
		break;
	default:
		break;
	}
	switch (verb) {
	case ZT_VERB_WHOIS:
		handle_whois(w, &p, pk, pkt, pl, n, from, sock);
		break;
	case ZT_VERB_ECHO:
		handle_echo(w, &p, pk, pkt, pl, n, from, sock);
		break;
	case ZT_VERB_MULTICAST_LIKE:
		handle_like(w, &p, pl, n, now);
		break;
	case ZT_VERB_MULTICAST_GATHER:
		handle_gather(w, &p, pk, pkt, pl, n, from, sock, now);
		break;
	case ZT_VERB_NETWORK_CONFIG_REQUEST:
		handle_config_request(w, &p, pk, pkt, pl, n, from, sock);
		break;
	default:
		/* NOP, ERROR, HELLO in a cipher other than 0, and everything else: counted, ignored. */
		break;
	}
}

void root_handle_datagram(struct root_worker *w, uint8_t *d, size_t len, const struct zt_inetaddr *from,
			  uint8_t sock, int64_t now)
{
	struct root *r = w->root;
	ROOT_STAT_INC(&w->counters, rx_packets);
	ROOT_STAT_ADD(&w->counters, rx_bytes, len);
	if (len > ZT_PROTO_MAX_PACKET_LENGTH) {
		drop(w, ROOT_DROP_OVERSIZE);
		return;
	}
	enum zt_datagram_kind kind = zt_packet_classify(d, len);
	if (kind == ZT_DATAGRAM_JUNK || kind == ZT_DATAGRAM_BEACON) {
		drop(w, ROOT_DROP_JUNK);
		return;
	}
	uint64_t dest = kind == ZT_DATAGRAM_FRAGMENT ? zt_fragment_dest(d) : zt_packet_dest(d);
	if (dest != r->id.address) {
		if (kind == ZT_DATAGRAM_HEAD && zt_packet_source(d) == r->id.address) {
			drop(w, ROOT_DROP_SELF);
			return;
		}
		relay(w, d, len, kind, from, now);
		return;
	}
	if (kind == ZT_DATAGRAM_HEAD && zt_packet_source(d) == r->id.address) {
		drop(w, ROOT_DROP_SELF);
		return;
	}
	if (kind == ZT_DATAGRAM_FRAGMENT || zt_packet_fragmented(d)) {
		/* Rare for a root (replies to us are small), but legal: reassemble, then handle. */
		size_t out_len = 0;
		zt_err e = zt_defrag_add(w->proc->defrag, d, len, now, w->proc->whole, sizeof w->proc->whole, &out_len);
		if (e == ZT_EPENDING || e == ZT_EEXIST)
			return;
		if (e != ZT_OK) {
			drop(w, ROOT_DROP_FRAGMENT);
			return;
		}
		handle_for_us(w, w->proc->whole, out_len, sizeof w->proc->whole, from, sock, now);
		return;
	}
	handle_for_us(w, d, len, ROOT_IO_MTU, from, sock, now);
}
