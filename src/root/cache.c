/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"

#define SHARD_INITIAL_CAP 64
#define DIRTY_RING 65536
#define PERSIST_RX_GRANULARITY_MS 60000

/* Addresses are already uniform-ish, but mix so shard and slot use different bits. */
static inline uint64_t mix(uint64_t a)
{
	a ^= a >> 33;
	a *= 0xff51afd7ed558ccdULL;
	a ^= a >> 33;
	a *= 0xc4ceb9fe1a85ec53ULL;
	a ^= a >> 33;
	return a;
}

static inline struct root_cache_shard *shard_of(struct root_cache *c, uint64_t address, uint64_t *h)
{
	*h = mix(address);
	return &c->shards[*h & (ROOT_CACHE_SHARDS - 1)];
}

static inline struct root_peer *entry(struct root_cache_shard *s, uint32_t ref)
{
	uint32_t n = ref - 1;
	return &s->chunks[n / ROOT_CACHE_CHUNK][n % ROOT_CACHE_CHUNK];
}

static inline uint32_t home_slot(const struct root_cache_shard *s, uint64_t h)
{
	return (uint32_t)(h >> 8) & (s->cap - 1);
}

/* Linear probing: the index slot holding address, or the empty slot where it would go. */
static uint32_t *probe(struct root_cache_shard *s, uint64_t address, uint64_t h)
{
	uint32_t mask = s->cap - 1;
	for (uint32_t i = home_slot(s, h);; i = (i + 1) & mask) {
		uint32_t *slot = &s->index[i];
		if (!*slot || entry(s, *slot)->address == address)
			return slot;
	}
}

/* The entry for address, or NULL. */
static struct root_peer *find(struct root_cache_shard *s, uint64_t address, uint64_t h)
{
	uint32_t *slot = probe(s, address, h);
	return *slot ? entry(s, *slot) : NULL;
}

zt_err root_cache_init(struct root_cache *c, uint64_t max_peers)
{
	memset(c, 0, sizeof *c);
	c->max_peers = max_peers;
	for (int i = 0; i < ROOT_CACHE_SHARDS; i++) {
		struct root_cache_shard *s = &c->shards[i];
		pthread_rwlock_init(&s->lock, NULL);
		s->cap = SHARD_INITIAL_CAP;
		s->index = calloc(s->cap, sizeof *s->index);
		if (!s->index) {
			root_cache_free(c);
			return -ENOMEM;
		}
	}
	pthread_mutex_init(&c->dirty_lock, NULL);
	c->dirty_cap = DIRTY_RING;
	c->dirty = calloc(c->dirty_cap, sizeof *c->dirty);
	if (!c->dirty) {
		root_cache_free(c);
		return -ENOMEM;
	}
	return ZT_OK;
}

void root_cache_free(struct root_cache *c)
{
	for (int i = 0; i < ROOT_CACHE_SHARDS; i++) {
		struct root_cache_shard *s = &c->shards[i];
		if (!s->index)
			continue;
		for (uint32_t k = 0; k < s->nchunks; k++) {
			/* Entries hold the key shared with the peer: wipe before freeing. */
			explicit_bzero(s->chunks[k], ROOT_CACHE_CHUNK * sizeof(struct root_peer));
			free(s->chunks[k]);
		}
		free(s->chunks);
		free(s->index);
		pthread_rwlock_destroy(&s->lock);
		memset(s, 0, sizeof *s);
	}
	if (c->dirty) {
		free(c->dirty);
		pthread_mutex_destroy(&c->dirty_lock);
	}
	c->dirty = NULL;
}

static void dirty_push(struct root_cache *c, uint64_t address)
{
	pthread_mutex_lock(&c->dirty_lock);
	if (c->dirty_len == c->dirty_cap) {
		atomic_store(&c->resync, true);
	} else {
		c->dirty[(c->dirty_head + c->dirty_len) % c->dirty_cap] = address;
		c->dirty_len++;
	}
	pthread_mutex_unlock(&c->dirty_lock);
}

/* Sets DIRTY; returns true if it was clean (so the caller queues the address once). */
static inline bool set_dirty(struct root_peer *p)
{
	bool was_clean = !(p->flags & ROOT_PEER_DIRTY);
	p->flags |= ROOT_PEER_DIRTY;
	return was_clean;
}

static int grow_index(struct root_cache_shard *s)
{
	uint32_t ncap = s->cap * 2;
	uint32_t *nindex = calloc(ncap, sizeof *nindex);
	if (!nindex)
		return -ENOMEM;
	uint32_t *old = s->index;
	uint32_t ocap = s->cap;
	s->index = nindex;
	s->cap = ncap;
	for (uint32_t i = 0; i < ocap; i++)
		if (old[i]) {
			uint64_t a = entry(s, old[i])->address;
			*probe(s, a, mix(a)) = old[i];
		}
	free(old);
	return 0;
}

/* Hands out a zeroed entry; returns its reference (number + 1) or 0 when out of memory. */
static uint32_t alloc_entry(struct root_cache_shard *s)
{
	uint32_t ref = s->free_head;
	if (ref) {
		struct root_peer *e = entry(s, ref);
		memcpy(&s->free_head, e->pub, sizeof s->free_head);
		memset(e, 0, sizeof *e);
		return ref;
	}
	if (s->used == s->nchunks * ROOT_CACHE_CHUNK) {
		struct root_peer **nc = realloc(s->chunks, (s->nchunks + 1) * sizeof *nc);
		if (!nc)
			return 0;
		s->chunks = nc;
		s->chunks[s->nchunks] = calloc(ROOT_CACHE_CHUNK, sizeof(struct root_peer));
		if (!s->chunks[s->nchunks])
			return 0;
		s->nchunks++;
	}
	return ++s->used;
}

/* Backward-shift deletion keeps linear probing correct without tombstones. */
static void erase(struct root_cache_shard *s, uint32_t *slot)
{
	uint32_t mask = s->cap - 1;
	uint32_t i = (uint32_t)(slot - s->index);
	struct root_peer *e = entry(s, *slot);
	explicit_bzero(e, sizeof *e);
	memcpy(e->pub, &s->free_head, sizeof s->free_head);
	s->free_head = *slot;
	for (uint32_t j = (i + 1) & mask; s->index[j]; j = (j + 1) & mask) {
		uint32_t home = home_slot(s, mix(entry(s, s->index[j])->address));
		/* The entry at j may fill the hole at i unless its home lies cyclically in (i, j]. */
		bool stays = (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
		if (!stays) {
			s->index[i] = s->index[j];
			i = j;
		}
	}
	s->index[i] = 0;
	s->count--;
}

bool root_cache_get(struct root_cache *c, uint64_t address, struct root_peer *out)
{
	uint64_t h;
	struct root_cache_shard *s = shard_of(c, address, &h);
	if (!address)
		return false;
	pthread_rwlock_rdlock(&s->lock);
	struct root_peer *p = find(s, address, h);
	if (p)
		*out = *p;
	pthread_rwlock_unlock(&s->lock);
	return p != NULL;
}

bool root_cache_get_identity(struct root_cache *c, uint64_t address, uint8_t pub[static 64])
{
	uint64_t h;
	struct root_cache_shard *s = shard_of(c, address, &h);
	if (!address)
		return false;
	pthread_rwlock_rdlock(&s->lock);
	struct root_peer *p = find(s, address, h);
	if (p)
		memcpy(pub, p->pub, 64);
	pthread_rwlock_unlock(&s->lock);
	return p != NULL;
}

/*
 * Makes room for a new entry for `address` (whose index slot `*slot` is empty) under the shard's
 * write lock: the memory bound, index growth, an entry. Returns the zeroed entry or NULL with *e set.
 */
static struct root_peer *insert_slot(struct root_cache *c, struct root_cache_shard *s, uint64_t address, uint64_t h,
				     uint32_t *slot, zt_err *e)
{
	if (atomic_load(&c->count) >= c->max_peers) {
		*e = ZT_ELIMIT;
		return NULL;
	}
	/* Keep the index at most half full. */
	if ((s->count + 1) * 2 > s->cap) {
		if (grow_index(s)) {
			*e = -ENOMEM;
			return NULL;
		}
		slot = probe(s, address, h);
	}
	uint32_t ref = alloc_entry(s);
	if (!ref) {
		*e = -ENOMEM;
		return NULL;
	}
	*slot = ref;
	s->count++;
	atomic_fetch_add(&c->count, 1);
	return entry(s, ref);
}

zt_err root_cache_put(struct root_cache *c, const struct root_peer *in, bool dirty)
{
	uint64_t h;
	struct root_cache_shard *s = shard_of(c, in->address, &h);
	zt_err e = ZT_OK;
	bool queue = false;
	if (!in->address)
		return ZT_EINVALID;
	pthread_rwlock_wrlock(&s->lock);
	uint32_t *slot = probe(s, in->address, h);
	uint8_t old_flags = 0;
	struct root_peer *p;
	if (*slot) {
		p = entry(s, *slot);
		old_flags = p->flags;
	} else if (!(p = insert_slot(c, s, in->address, h, slot, &e))) {
		goto out;
	}
	*p = *in;
	p->flags = (uint8_t)((in->flags & ~ROOT_PEER_DIRTY) | (old_flags & ROOT_PEER_DIRTY));
	if (dirty)
		queue = set_dirty(p);
out:
	pthread_rwlock_unlock(&s->lock);
	if (queue)
		dirty_push(c, in->address);
	return e;
}

zt_err root_cache_put_if_absent(struct root_cache *c, const struct root_peer *in, struct root_peer *out)
{
	uint64_t h;
	struct root_cache_shard *s = shard_of(c, in->address, &h);
	zt_err e = ZT_OK;
	bool queue = false;
	if (!in->address)
		return ZT_EINVALID;
	pthread_rwlock_wrlock(&s->lock);
	uint32_t *slot = probe(s, in->address, h);
	if (*slot) {
		*out = *entry(s, *slot);
		e = ZT_EEXIST;
		goto out;
	}
	struct root_peer *p = insert_slot(c, s, in->address, h, slot, &e);
	if (!p)
		goto out;
	*p = *in;
	p->flags &= (uint8_t)~ROOT_PEER_DIRTY;
	if (in->flags & ROOT_PEER_DIRTY)
		queue = set_dirty(p);
	*out = *p;
out:
	pthread_rwlock_unlock(&s->lock);
	if (queue)
		dirty_push(c, in->address);
	return e;
}

static bool path_update(struct root_path *rp, const struct zt_inetaddr *from, uint8_t sock, int64_t now)
{
	size_t n = from->family == 4 ? 4 : 16;
	bool changed = rp->family != from->family || rp->port != from->port || rp->sock != sock ||
		       memcmp(rp->ip, from->ip, n) != 0;
	if (changed) {
		memset(rp->ip, 0, sizeof rp->ip);
		memcpy(rp->ip, from->ip, n);
		rp->port = from->port;
		rp->family = from->family;
		rp->sock = sock;
	}
	rp->last_rx = now;
	return changed;
}

bool root_cache_touch(struct root_cache *c, uint64_t address, const struct zt_inetaddr *from, uint8_t sock,
		      bool learn_path, int64_t now)
{
	uint64_t h;
	struct root_cache_shard *s = shard_of(c, address, &h);
	bool queue = false;
	if (!address)
		return false;
	pthread_rwlock_wrlock(&s->lock);
	struct root_peer *p = find(s, address, h);
	if (p) {
		bool changed = false;
		p->last_rx = now;
		if (learn_path && from && (from->family == 4 || from->family == 6))
			changed = path_update(from->family == 4 ? &p->v4 : &p->v6, from, sock, now);
		if (changed || now - p->persisted_rx > PERSIST_RX_GRANULARITY_MS)
			queue = set_dirty(p);
	}
	pthread_rwlock_unlock(&s->lock);
	if (queue)
		dirty_push(c, address);
	return p != NULL;
}

/* Runs fn on the entry under the write lock; returns whether it existed. */
static bool modify(struct root_cache *c, uint64_t address, void (*fn)(struct root_peer *, const void *),
		   const void *arg)
{
	uint64_t h;
	struct root_cache_shard *s = shard_of(c, address, &h);
	if (!address)
		return false;
	pthread_rwlock_wrlock(&s->lock);
	struct root_peer *p = find(s, address, h);
	if (p)
		fn(p, arg);
	pthread_rwlock_unlock(&s->lock);
	return p != NULL;
}

static void do_set_key(struct root_peer *p, const void *key)
{
	memcpy(p->key, key, 48);
	p->flags |= ROOT_PEER_KEY_VALID;
}

void root_cache_set_key(struct root_cache *c, uint64_t address, const uint8_t key[static 48])
{
	modify(c, address, do_set_key, key);
}

struct version_arg {
	uint8_t proto, major, minor;
	uint16_t rev;
};

static void do_set_version(struct root_peer *p, const void *arg)
{
	const struct version_arg *v = arg;
	p->proto = v->proto;
	p->vmajor = v->major;
	p->vminor = v->minor;
	p->vrev = v->rev;
}

void root_cache_set_version(struct root_cache *c, uint64_t address, uint8_t proto, uint8_t major, uint8_t minor,
			    uint16_t rev)
{
	struct version_arg v = { proto, major, minor, rev };
	modify(c, address, do_set_version, &v);
}

static void do_set_flags(struct root_peer *p, const void *arg)
{
	p->flags |= *(const uint8_t *)arg;
}

void root_cache_set_flags(struct root_cache *c, uint64_t address, uint8_t flags)
{
	modify(c, address, do_set_flags, &flags);
}

void root_cache_remove(struct root_cache *c, uint64_t address)
{
	uint64_t h;
	struct root_cache_shard *s = shard_of(c, address, &h);
	if (!address)
		return;
	pthread_rwlock_wrlock(&s->lock);
	uint32_t *slot = probe(s, address, h);
	if (*slot) {
		erase(s, slot);
		atomic_fetch_sub(&c->count, 1);
	}
	pthread_rwlock_unlock(&s->lock);
}

size_t root_cache_take_dirty(struct root_cache *c, uint64_t *out, size_t max, bool *resync)
{
	size_t n = 0;
	pthread_mutex_lock(&c->dirty_lock);
	while (n < max && c->dirty_len) {
		out[n++] = c->dirty[c->dirty_head];
		c->dirty_head = (c->dirty_head + 1) % c->dirty_cap;
		c->dirty_len--;
	}
	pthread_mutex_unlock(&c->dirty_lock);
	*resync = atomic_exchange(&c->resync, false);
	return n;
}

static bool same_path(const struct root_path *a, const struct root_path *b)
{
	return a->family == b->family && a->port == b->port && !memcmp(a->ip, b->ip, sizeof a->ip);
}

bool root_cache_mark_clean(struct root_cache *c, const struct root_peer *persisted)
{
	uint64_t h;
	struct root_cache_shard *s = shard_of(c, persisted->address, &h);
	bool clean = false, requeue = false;
	pthread_rwlock_wrlock(&s->lock);
	struct root_peer *p = find(s, persisted->address, h);
	if (p) {
		if (!memcmp(p->pub, persisted->pub, 64) && same_path(&p->v4, &persisted->v4) &&
		    same_path(&p->v6, &persisted->v6) && p->proto == persisted->proto && p->vmajor == persisted->vmajor &&
		    p->vminor == persisted->vminor && p->vrev == persisted->vrev &&
		    (p->flags & ROOT_PEER_VALIDATED) == (persisted->flags & ROOT_PEER_VALIDATED)) {
			p->flags &= (uint8_t)~ROOT_PEER_DIRTY;
			p->persisted_rx = persisted->last_rx;
			clean = true;
		} else {
			/* Changed since it was copied for writing: stays dirty, written next time. */
			requeue = true;
		}
	}
	pthread_rwlock_unlock(&s->lock);
	if (requeue)
		dirty_push(c, persisted->address);
	return clean;
}

void root_cache_foreach(struct root_cache *c, bool (*fn)(const struct root_peer *p, void *arg), void *arg)
{
	for (int i = 0; i < ROOT_CACHE_SHARDS; i++) {
		struct root_cache_shard *s = &c->shards[i];
		bool more = true;
		pthread_rwlock_rdlock(&s->lock);
		for (uint32_t j = 0; j < s->cap && more; j++)
			if (s->index[j])
				more = fn(entry(s, s->index[j]), arg);
		pthread_rwlock_unlock(&s->lock);
		if (!more)
			return;
	}
}

static uint64_t sweep_shard(struct root_cache *c, struct root_cache_shard *s, int64_t older_than)
{
	uint64_t removed = 0;
	pthread_rwlock_wrlock(&s->lock);
	for (uint32_t j = 0; j < s->cap;) {
		struct root_peer *p = s->index[j] ? entry(s, s->index[j]) : NULL;
		if (p && p->last_rx < older_than && !(p->flags & ROOT_PEER_DIRTY)) {
			/* erase() may shift a later entry into slot j: look at j again. */
			erase(s, &s->index[j]);
			atomic_fetch_sub(&c->count, 1);
			removed++;
			continue;
		}
		j++;
	}
	pthread_rwlock_unlock(&s->lock);
	return removed;
}

struct rx_collect {
	int64_t *t;
	size_t n, cap;
};

static bool collect_rx(const struct root_peer *p, void *arg)
{
	struct rx_collect *rc = arg;
	if (rc->n == rc->cap)
		return false;
	rc->t[rc->n++] = p->last_rx;
	return true;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

uint64_t root_cache_sweep(struct root_cache *c, int64_t older_than)
{
	uint64_t removed = 0;
	for (int i = 0; i < ROOT_CACHE_SHARDS; i++)
		removed += sweep_shard(c, &c->shards[i], older_than);
	uint64_t target = c->max_peers - c->max_peers / 20;
	uint64_t n = root_cache_count(c);
	if (n <= target)
		return removed;
	/* Over the bound: find the last_rx below which the oldest (n - target) entries lie. */
	struct rx_collect rc = { malloc((n + 1024) * sizeof(int64_t)), 0, n + 1024 };
	if (!rc.t)
		return removed;
	root_cache_foreach(c, collect_rx, &rc);
	if (rc.n > target) {
		qsort(rc.t, rc.n, sizeof *rc.t, cmp_i64);
		int64_t cutoff = rc.t[rc.n - target];
		for (int i = 0; i < ROOT_CACHE_SHARDS; i++)
			removed += sweep_shard(c, &c->shards[i], cutoff);
	}
	free(rc.t);
	return removed;
}

uint64_t root_cache_memory(struct root_cache *c)
{
	uint64_t bytes = sizeof *c + c->dirty_cap * sizeof *c->dirty;
	for (int i = 0; i < ROOT_CACHE_SHARDS; i++) {
		const struct root_cache_shard *s = &c->shards[i];
		bytes += (uint64_t)s->cap * sizeof *s->index;
		bytes += (uint64_t)s->nchunks * (ROOT_CACHE_CHUNK * sizeof(struct root_peer) + sizeof(void *));
	}
	return bytes;
}

const struct root_path *root_peer_best_path(const struct root_peer *p, int64_t now, int64_t alive_ms)
{
	const struct root_path *best = NULL;
	if (p->v4.family && now - p->v4.last_rx <= alive_ms)
		best = &p->v4;
	if (p->v6.family && now - p->v6.last_rx <= alive_ms && (!best || p->v6.last_rx > best->last_rx))
		best = &p->v6;
	return best;
}
