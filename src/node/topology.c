/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "node_impl.h"

/*
 * The peer table (hash of addresses, bounded, LRU eviction of leaves), the roots (static and from a
 * planet), the choice of root for WHOIS and relaying, root keepalive, and identity lookups
 * (peer cache, then WHOIS).
 */

/* ---------------------------------------------------------------- peer table */

static unsigned bucket_of(uint64_t address)
{
	return (unsigned)((address * 0x9e3779b97f4a7c15ULL) >> 51) & (ZTN_BUCKETS - 1);
}

struct ztn_peer *ztn_peer_find(const struct zt_node *n, uint64_t address)
{
	for (struct ztn_peer *p = n->buckets[bucket_of(address)]; p; p = p->next)
		if (p->id.address == address)
			return p;
	return NULL;
}

static void unlink_peer(struct zt_node *n, struct ztn_peer *p)
{
	struct ztn_peer **pp = &n->buckets[bucket_of(p->id.address)];
	while (*pp && *pp != p)
		pp = &(*pp)->next;
	if (*pp) {
		*pp = p->next;
		n->peer_count--;
	}
}

void ztn_peer_remove(struct zt_node *n, struct ztn_peer *p)
{
	unlink_peer(n, p);
	ztn_peer_free(p);
}

void ztn_peer_foreach(struct zt_node *n, void (*fn)(struct zt_node *, struct ztn_peer *, void *), void *arg)
{
	for (unsigned b = 0; b < ZTN_BUCKETS; b++)
		for (struct ztn_peer *p = n->buckets[b], *next; p; p = next) {
			next = p->next;
			fn(n, p, arg);
		}
}

zt_err ztn_peer_insert(struct zt_node *n, struct ztn_peer *p)
{
	if (n->peer_count >= n->cfg.max_peers && !p->root) {
		/* Evict the least recently used leaf. A linear scan is fine: insertions are rate-limited
		 * by identity validation, so this runs at most a few times per second. */
		struct ztn_peer *victim = NULL;
		for (unsigned b = 0; b < ZTN_BUCKETS; b++)
			for (struct ztn_peer *q = n->buckets[b]; q; q = q->next)
				if (!q->root && (!victim || q->last_used < victim->last_used))
					victim = q;
		if (!victim || victim == p)
			return ZT_ELIMIT;
		ztn_peer_save(n, victim, true); /* its latest paths, before they are gone */
		ztn_peer_remove(n, victim);
	}
	unsigned b = bucket_of(p->id.address);
	p->next = n->buckets[b];
	n->buckets[b] = p;
	n->peer_count++;
	return ZT_OK;
}

struct ztn_peer *ztn_peer_create(struct zt_node *n, const struct zt_identity *id, bool root)
{
	uint8_t key[ZT_SYMMETRIC_KEY_SIZE];
	struct ztn_peer *p = NULL;
	if (id->address == n->self.address || ztn_peer_find(n, id->address))
		return NULL;
	if (zt_identity_agree(&n->self, id, key) != ZT_OK)
		goto out;
	p = ztn_peer_new(id, key, n->now);
	if (p)
		p->root = root;
	if (p && ztn_peer_insert(n, p) != ZT_OK) {
		ztn_peer_free(p);
		p = NULL;
	}
out:
	zt_wipe(key, sizeof key);
	return p;
}

/* ---------------------------------------------------------------- roots */

struct ztn_root *ztn_root_find(struct zt_node *n, uint64_t address)
{
	for (unsigned i = 0; i < n->root_count; i++)
		if (n->roots[i].address == address)
			return &n->roots[i];
	return NULL;
}

static bool root_online(const struct zt_node *n, const struct ztn_peer *p)
{
	return p->last_receive > 0 && n->now - p->last_receive < ZT_PEER_ACTIVITY_TIMEOUT;
}

struct ztn_peer *ztn_root_best(struct zt_node *n)
{
	struct ztn_peer *best = NULL;
	int best_class = -1;
	for (unsigned i = 0; i < n->root_count; i++) {
		struct ztn_peer *p = ztn_peer_find(n, n->roots[i].address);
		if (!p)
			continue;
		int cls = ztn_peer_has_alive_path(p, n->now) ? 2 : root_online(n, p) ? 1 : 0;
		if (cls > best_class) {
			best = p;
			best_class = cls;
		} else if (cls == best_class && cls == 2 && p->latency >= 0 &&
			   (best->latency < 0 || p->latency < best->latency)) {
			best = p;
		}
	}
	return best;
}

zt_err ztn_root_route(struct zt_node *n, struct ztn_peer *root, struct zt_inetaddr *addr, zt_node_socket *sock)
{
	struct ztn_path *pa = ztn_peer_best_path(root, n->now);
	if (!pa)
		for (unsigned i = 0; i < root->path_count; i++)
			if (!pa || root->paths[i].last_receive > pa->last_receive)
				pa = &root->paths[i];
	if (pa) {
		*addr = pa->addr;
		*sock = pa->sock;
		return ZT_OK;
	}
	struct ztn_root *r = ztn_root_find(n, root->id.address);
	if (!r || !r->ep_count)
		return ZT_ENOTFOUND;
	*addr = r->eps[r->ep_next++ % r->ep_count];
	*sock = ZT_NODE_SOCKET_ANY;
	return ZT_OK;
}

/* HELLO to every endpoint (first contact) and to the cached paths of the root. */
static void root_contact_all(struct zt_node *n, struct ztn_root *r, struct ztn_peer *p)
{
	for (unsigned i = 0; i < r->ep_count; i++)
		ztn_send_hello(n, p, &r->eps[i], ZT_NODE_SOCKET_ANY);
	for (unsigned i = 0; i < p->path_count; i++)
		ztn_send_hello(n, p, &p->paths[i].addr, p->paths[i].sock);
	r->last_hello = r->last_contact = n->now;
}

/* Restores cached paths into a fresh peer as HELLO targets (sent by the caller). */
static void peer_restore(struct zt_node *n, struct ztn_peer *p, const struct ztn_peer_state *s, bool hello)
{
	if (s->proto >= 0)
		ztn_peer_set_version(p, s->proto, s->major, s->minor, s->revision);
	p->dirty = false;
	if (!hello)
		return;
	const struct ztn_root *r = ztn_root_find(n, p->id.address);
	for (unsigned i = 0; i < s->addr_count; i++) {
		bool is_endpoint = false;
		for (unsigned k = 0; r && k < r->ep_count; k++)
			is_endpoint |= zt_inetaddr_equal(&r->eps[k], &s->addrs[i]);
		if (!is_endpoint && ztn_path_allowed(n, p, &s->addrs[i], ZT_NODE_SOCKET_ANY))
			ztn_send_hello(n, p, &s->addrs[i], ZT_NODE_SOCKET_ANY);
	}
}

static bool state_load(struct zt_node *n, uint64_t address, struct ztn_peer_state *s)
{
	if (!n->cb.state_get)
		return false;
	long len = n->cb.state_get(n->cb.ctx, ZT_NODE_STATE_PEER, address, n->state, sizeof n->state);
	if (len <= 0 || (size_t)len > sizeof n->state)
		return false;
	return ztn_peer_state_read(s, n->state, (size_t)len) == ZT_OK && s->id.address == address;
}

zt_err zt_node_peer_preload(struct zt_node *n, const void *data, size_t len, int64_t now)
{
	struct ztn_peer_state s;
	n->now = now;
	zt_err err = data ? ztn_peer_state_read(&s, data, len) : ZT_EMALFORMED;
	if (err)
		return err;
	if (s.id.address == n->self.address)
		return ZT_EINVALID;
	if (ztn_peer_find(n, s.id.address))
		return ZT_EEXIST;
	if (n->peer_count >= n->cfg.max_peers)
		return ZT_ELIMIT;
	/* Not under the per-second budget of ztn_validate: that one is for what the network sends. */
	if ((err = zt_identity_validate(&s.id)) != ZT_OK)
		return err == -ENOMEM ? err : ZT_EINVALID;
	struct ztn_peer *p = ztn_peer_create(n, &s.id, false);
	if (!p)
		return -ENOMEM;
	peer_restore(n, p, &s, true);
	return ZT_OK;
}

/* The peer for a root identity: existing, replaced if its identity differs (root config wins), or new. */
static struct ztn_peer *root_peer(struct zt_node *n, const struct zt_identity *id)
{
	struct ztn_peer *p = ztn_peer_find(n, id->address);
	if (p && !zt_identity_equal(&p->id, id)) {
		p->root = false;
		ztn_peer_remove(n, p);
		p = NULL;
	}
	if (!p) {
		struct ztn_peer_state s;
		p = ztn_peer_create(n, id, true);
		/* Cached addresses get a HELLO now; the endpoints get theirs from root_contact_all. */
		if (p && state_load(n, id->address, &s) && zt_identity_equal(&s.id, id))
			peer_restore(n, p, &s, true);
	}
	if (p)
		p->root = true;
	return p;
}

static bool endpoint_ok(const struct zt_inetaddr *a)
{
	return (a->family == ZT_INETADDR_V4 || a->family == ZT_INETADDR_V6) && a->port != 0;
}

static void set_endpoints(struct ztn_root *r, const struct zt_inetaddr *eps, size_t count)
{
	r->ep_count = 0;
	for (size_t i = 0; i < count && r->ep_count < ZT_NODE_MAX_ROOT_ENDPOINTS; i++)
		if (endpoint_ok(&eps[i]))
			r->eps[r->ep_count++] = eps[i];
}

static bool name_taken(const struct zt_node *n, const char *name, uint64_t except)
{
	for (unsigned i = 0; i < n->root_count; i++)
		if (n->roots[i].address != except && strcmp(n->roots[i].name, name) == 0)
			return true;
	return false;
}

static void root_drop(struct zt_node *n, unsigned i)
{
	struct ztn_peer *p = ztn_peer_find(n, n->roots[i].address);
	if (p)
		p->root = false;
	memmove(&n->roots[i], &n->roots[i + 1], (n->root_count - i - 1) * sizeof n->roots[0]);
	n->root_count--;
}

zt_err zt_node_root_add_static(struct zt_node *n, const struct zt_identity *identity,
			       const struct zt_inetaddr *endpoints, size_t count, const char *name, int64_t now)
{
	n->now = now;
	if (!identity || identity->type != ZT_IDENTITY_TYPE_C25519 || identity->address == n->self.address ||
	    (count && !endpoints))
		return ZT_EINVALID;
	for (size_t i = 0; i < count; i++)
		if (!endpoint_ok(&endpoints[i]))
			return ZT_EINVALID;
	char nm[ZT_NODE_ROOT_NAME_MAX];
	if (name && *name)
		snprintf(nm, sizeof nm, "%s", name);
	else
		zt_address_format(nm, identity->address);
	if (name_taken(n, nm, identity->address))
		return ZT_EEXIST;
	struct ztn_root *r = ztn_root_find(n, identity->address);
	if (!r && n->root_count >= ZT_NODE_MAX_ROOTS)
		return ZT_ELIMIT;
	struct zt_identity pub = *identity;
	zt_wipe(pub.priv, sizeof pub.priv);
	pub.has_private = false;
	if (zt_identity_validate(&pub) != ZT_OK)
		return ZT_EINVALID;
	if (!r) {
		r = &n->roots[n->root_count++];
		memset(r, 0, sizeof *r);
		r->address = identity->address;
	}
	r->is_static = true;
	r->id = pub;
	snprintf(r->name, sizeof r->name, "%s", nm);
	set_endpoints(r, endpoints, count);
	struct ztn_peer *p = root_peer(n, &pub);
	if (!p) {
		root_drop(n, (unsigned)(r - n->roots));
		return -ENOMEM;
	}
	root_contact_all(n, r, p);
	ztn_flush(n);
	return ZT_OK;
}

/* Names a planet root "<planet id>-<index>" (unique among the roots). */
static void planet_root_name(struct zt_node *n, struct ztn_root *r, uint64_t world_id, unsigned index)
{
	char hex[17];
	snprintf(hex, sizeof hex, "%016llx", (unsigned long long)world_id);
	snprintf(r->name, sizeof r->name, "%s-%u", hex, index);
	for (unsigned k = 1; name_taken(n, r->name, r->address); k++)
		snprintf(r->name, sizeof r->name, "%s-%u.%u", hex, index, k);
}

zt_err zt_node_root_remove(struct zt_node *n, uint64_t address)
{
	for (unsigned i = 0; i < n->root_count; i++) {
		struct ztn_root *r = &n->roots[i];
		if (r->address != address)
			continue;
		const struct zt_world_root *wr = r->is_static && r->in_planet && n->planet
							 ? zt_world_find_root(n->planet, address)
							 : NULL;
		if (wr) {
			/* Static and in the planet: it stays a planet root, with the planet's endpoints. */
			r->is_static = false;
			set_endpoints(r, wr->endpoints, wr->endpoint_count);
			planet_root_name(n, r, n->planet->id, (unsigned)(wr - n->planet->roots));
		} else {
			root_drop(n, i);
		}
		ztn_check_online(n);
		return ZT_OK;
	}
	return ZT_ENOTFOUND;
}

zt_err ztn_planet_apply(struct zt_node *n, const struct zt_world *w)
{
	if (!w || w->type != ZT_WORLD_TYPE_PLANET || w->root_count == 0 || w->root_count > ZT_WORLD_MAX_ROOTS)
		return ZT_EINVALID;
	unsigned keep = 0, add = 0;
	for (unsigned i = 0; i < n->root_count; i++)
		if (n->roots[i].is_static || zt_world_find_root(w, n->roots[i].address))
			keep++;
	for (unsigned i = 0; i < w->root_count; i++)
		if (!ztn_root_find(n, w->roots[i].identity.address))
			add++;
	if (keep + add > ZT_NODE_MAX_ROOTS)
		return ZT_ELIMIT;
	for (unsigned i = 0; i < w->root_count; i++)
		if (w->roots[i].identity.address == n->self.address)
			return ZT_EINVALID;
	if (!n->planet && !(n->planet = malloc(sizeof *n->planet)))
		return -ENOMEM;
	*n->planet = *w;

	for (unsigned i = n->root_count; i-- > 0;) {
		struct ztn_root *r = &n->roots[i];
		if (r->in_planet && !zt_world_find_root(w, r->address)) {
			r->in_planet = false;
			if (!r->is_static)
				root_drop(n, i);
		}
	}
	for (unsigned i = 0; i < w->root_count; i++) {
		const struct zt_world_root *wr = &w->roots[i];
		struct ztn_root *r = ztn_root_find(n, wr->identity.address);
		bool fresh = !r;
		if (!r) {
			r = &n->roots[n->root_count++];
			memset(r, 0, sizeof *r);
			r->address = wr->identity.address;
			planet_root_name(n, r, w->id, i);
		}
		r->in_planet = true;
		if (!r->is_static) {
			r->id = wr->identity;
			set_endpoints(r, wr->endpoints, wr->endpoint_count);
		}
		struct ztn_peer *p = root_peer(n, &r->id);
		if (!p) {
			root_drop(n, (unsigned)(r - n->roots));
			continue;
		}
		if (fresh)
			root_contact_all(n, r, p);
	}
	ztn_check_online(n);
	return ZT_OK;
}

zt_err zt_node_roots_from_world(struct zt_node *n, const struct zt_world *world, int64_t now)
{
	n->now = now;
	zt_err err = ztn_planet_apply(n, world);
	if (!err)
		ztn_flush(n);
	return err;
}

void ztn_root_external(struct zt_node *n, struct ztn_peer *root, const struct zt_inetaddr *addr)
{
	struct ztn_root *r = ztn_root_find(n, root->id.address);
	if (!r || addr->family == ZT_INETADDR_NIL)
		return;
	bool changed = !zt_inetaddr_equal(&r->external, addr);
	r->external = *addr;
	r->external_time = n->now;
	bool global_changed = !zt_inetaddr_equal(&n->external, addr);
	n->external = *addr;
	n->external_time = n->now;
	if (changed && global_changed) {
		struct zt_node_event ev = { .type = ZT_NODE_EVENT_EXTERNAL_ADDRESS, .address = root->id.address,
					    .addr = *addr };
		ztn_event_full(n, &ev);
	}
}

/* ECHO on each path of p that has sent nothing for a heartbeat period. Returns families touched. */
static unsigned echo_idle_paths(struct zt_node *n, struct ztn_peer *p)
{
	unsigned fams = 0;
	for (unsigned i = 0; i < p->path_count; i++) {
		struct ztn_path *pa = &p->paths[i];
		if (ztn_path_expired(pa, n->now) || n->now - pa->last_send < ZT_PATH_HEARTBEAT_PERIOD)
			continue;
		struct zt_inetaddr a = pa->addr;
		bool alive = ztn_path_alive(pa, n->now);
		/* Only a live path counts as contact; a dead one still gets its ECHO in case it revives. */
		if (ztn_send(n, p, ZT_VERB_ECHO, NULL, 0, &a, pa->sock, NULL) == ZT_OK && alive)
			fams |= a.family == ZT_INETADDR_V4 ? 1u : 2u;
	}
	return fams;
}

void ztn_roots_ping(struct zt_node *n)
{
	for (unsigned i = 0; i < n->root_count; i++) {
		struct ztn_root *r = &n->roots[i];
		struct ztn_peer *p = ztn_peer_find(n, r->address);
		if (!p)
			continue;
		bool alive = ztn_peer_has_alive_path(p, n->now);
		if (alive && n->now - r->last_hello < ZTN_ROOT_CONTACT_GATE) {
			/* 1.x skips the root here and relies on its 5 s WHOIS(root) quirk to keep the path
			 * (and NAT mapping) busy; we keep it alive with ECHO on idle paths instead. */
			echo_idle_paths(n, p);
			continue;
		}
		unsigned fams = 0;
		if (alive && n->now - p->last_hello >= ZT_PEER_PING_PERIOD) {
			for (unsigned f = 0; f < 2; f++) {
				uint8_t fam = f ? ZT_INETADDR_V6 : ZT_INETADDR_V4;
				struct ztn_path *best = NULL;
				for (unsigned k = 0; k < p->path_count; k++)
					if (p->paths[k].addr.family == fam && ztn_path_alive(&p->paths[k], n->now) &&
					    (!best || p->paths[k].last_receive > best->last_receive))
						best = &p->paths[k];
				if (best && ztn_send_hello(n, p, &best->addr, best->sock) == ZT_OK) {
					fams |= 1u << f;
					r->last_hello = n->now;
				}
			}
		}
		fams |= echo_idle_paths(n, p);
		if (n->now - r->last_contact < ZT_PING_CHECK_INTERVAL)
			continue;
		bool contacted = false;
		for (unsigned f = 0; f < 2; f++) {
			uint8_t fam = f ? ZT_INETADDR_V6 : ZT_INETADDR_V4;
			if ((fams & (1u << f)) || ztn_peer_has_alive_family(p, fam, n->now))
				continue;
			/* One stable endpoint of that family, rotating. */
			for (unsigned k = 0; k < r->ep_count; k++) {
				const struct zt_inetaddr *ep = &r->eps[(r->ep_next + k) % r->ep_count];
				if (ep->family != fam)
					continue;
				r->ep_next = (r->ep_next + k + 1) % r->ep_count;
				if (ztn_send_hello(n, p, ep, ZT_NODE_SOCKET_ANY) == ZT_OK)
					r->last_hello = n->now;
				contacted = true;
				break;
			}
		}
		if (!contacted && !alive && !r->ep_count)
			for (unsigned k = 0; k < p->path_count; k++)
				if (ztn_send_hello(n, p, &p->paths[k].addr, p->paths[k].sock) == ZT_OK)
					contacted = true;
		if (contacted)
			r->last_contact = n->now;
	}
}

zt_err zt_node_roots(const struct zt_node *n, int64_t now, struct zt_node_root_info *out, size_t cap,
		     size_t *count)
{
	struct zt_node *m = (struct zt_node *)n; /* best-root choice reads n->now only */
	int64_t saved = m->now;
	m->now = now;
	struct ztn_peer *best = ztn_root_best(m);
	for (unsigned i = 0; i < n->root_count && i < cap; i++) {
		const struct ztn_root *r = &n->roots[i];
		struct zt_node_root_info *o = &out[i];
		memset(o, 0, sizeof *o);
		o->address = r->address;
		snprintf(o->name, sizeof o->name, "%s", r->name);
		o->source = r->is_static ? ZT_NODE_ROOT_STATIC : ZT_NODE_ROOT_PLANET;
		o->identity = r->id;
		o->endpoint_count = r->ep_count;
		memcpy(o->endpoints, r->eps, sizeof r->eps);
		o->last_hello = r->last_hello;
		o->external = r->external;
		o->latency_ms = -1;
		const struct ztn_peer *p = ztn_peer_find(n, r->address);
		if (p) {
			o->online = root_online(m, p);
			o->preferred = p == best;
			o->latency_ms = p->latency;
			o->last_receive = p->last_receive;
		}
	}
	m->now = saved;
	if (count)
		*count = n->root_count;
	return ZT_OK;
}

/* ---------------------------------------------------------------- lookups */

zt_err ztn_validate(struct zt_node *n, const struct zt_identity *id)
{
	if (!ztn_rate_take(&n->validate_rate, ZTN_VALIDATE_PER_SEC, n->now))
		return ZT_ELIMIT;
	return zt_identity_validate(id) == ZT_OK ? ZT_OK : ZT_EINVALID;
}

bool ztn_whois_pending(const struct zt_node *n, uint64_t address)
{
	for (unsigned i = 0; i < ZTN_WHOIS_SLOTS; i++)
		if (n->whois[i].address == address)
			return true;
	return false;
}

static void whois_send(struct zt_node *n, struct ztn_whois *w)
{
	struct ztn_peer *root = ztn_root_best(n);
	if (w->sends > 0 && n->root_count > 1) {
		/* Retries rotate through the roots, in case the best one does not know the address. */
		struct ztn_peer *alt = ztn_peer_find(n, n->roots[w->sends % n->root_count].address);
		if (alt)
			root = alt;
	}
	w->last_sent = n->now;
	w->sends++;
	if (!root)
		return;
	uint8_t payload[ZT_ADDRESS_LENGTH];
	zt_put_be40(payload, w->address);
	if (ztn_send(n, root, ZT_VERB_WHOIS, payload, sizeof payload, NULL, 0, NULL) == ZT_OK)
		n->stats.whois_sent++;
}

struct ztn_peer *ztn_lookup(struct zt_node *n, uint64_t address)
{
	struct ztn_peer *p = ztn_peer_find(n, address);
	if (p) {
		p->last_used = n->now;
		return p;
	}
	if (address == n->self.address || zt_address_is_reserved(address) || ztn_whois_pending(n, address))
		return NULL;
	if (!ztn_rate_take(&n->whois_rate, ZTN_NEW_WHOIS_PER_SEC, n->now))
		return NULL;
	struct ztn_peer_state s;
	if (state_load(n, address, &s) && ztn_validate(n, &s.id) == ZT_OK && (p = ztn_peer_create(n, &s.id, false))) {
		peer_restore(n, p, &s, true);
		n->pending_work = true;
		return p;
	}
	struct ztn_whois *w = &n->whois[0];
	for (unsigned i = 0; i < ZTN_WHOIS_SLOTS; i++) {
		if (!n->whois[i].address) {
			w = &n->whois[i];
			break;
		}
		if (n->whois[i].first < w->first)
			w = &n->whois[i];
	}
	memset(w, 0, sizeof *w);
	w->address = address;
	w->first = n->now;
	whois_send(n, w);
	return NULL;
}

void ztn_whois_done(struct zt_node *n, uint64_t address)
{
	for (unsigned i = 0; i < ZTN_WHOIS_SLOTS; i++)
		if (n->whois[i].address == address)
			memset(&n->whois[i], 0, sizeof n->whois[i]);
}

void ztn_whois_service(struct zt_node *n)
{
	for (unsigned i = 0; i < ZTN_WHOIS_SLOTS; i++) {
		struct ztn_whois *w = &n->whois[i];
		if (!w->address)
			continue;
		if (n->now - w->first >= ZTN_WHOIS_GIVEUP || n->now < w->first) {
			uint64_t a = w->address;
			memset(w, 0, sizeof *w);
			for (unsigned k = 0; k < ZTN_RXQ_SLOTS; k++)
				if (n->rxq[k].used && n->rxq[k].source == a)
					n->rxq[k].used = false;
			for (unsigned k = 0; k < ZTN_PENDING_TRY_SLOTS; k++)
				if (n->tries[k].address == a)
					n->tries[k].address = 0;
			continue;
		}
		if (n->now - w->last_sent >= ZT_WHOIS_RETRY_DELAY)
			whois_send(n, w);
	}
}
