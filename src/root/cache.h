/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_ROOT_CACHE_H
#define ZT_ROOT_CACHE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/err.h"
#include "node/inetaddr.h"

/*
 * The root's in-memory peer directory: address -> identity, derived key, latest IPv4 and IPv6
 * paths, last-seen time and version. Sharded by address, each shard an open-addressing table with
 * its own read/write lock, so lookups on the packet path of different threads rarely meet.
 * Entries are copied in and out; no pointer into the table escapes a lock.
 * Memory is bounded by max_peers; root_cache_sweep() expires and evicts (LMDB keeps everything).
 */

#define ROOT_CACHE_SHARDS 256

struct root_path {
	int64_t last_rx;    /* ms */
	uint8_t ip[16];     /* IPv4 in the first 4 bytes for family 4 */
	uint16_t port;
	uint8_t family;     /* 0 = none, 4, 6 */
	uint8_t sock;       /* index of the local socket it arrived on */
};

#define ROOT_PEER_KEY_VALID 0x01 /* key[] holds the agreed key */
#define ROOT_PEER_VALIDATED 0x02 /* the identity passed full validation */
#define ROOT_PEER_DIRTY 0x04     /* changed since the last LMDB flush */

struct root_peer {
	uint64_t address;       /* 0 = empty slot */
	uint8_t pub[64];
	uint8_t key[48];
	struct root_path v4;
	struct root_path v6;
	int64_t last_rx;        /* any authenticated packet */
	int64_t persisted_rx;   /* last_rx as last written to LMDB */
	uint16_t vrev;
	uint8_t proto;          /* 0 = unknown */
	uint8_t vmajor, vminor;
	uint8_t flags;
};

/*
 * A shard keeps entries densely in fixed-size chunks (never moved, so growth costs no copy of the
 * entries) and finds them through a table of 4-byte indices (linear probing, load <= 1/2): about
 * sizeof(struct root_peer) + 8 bytes per peer.
 */
#define ROOT_CACHE_CHUNK 256
struct root_cache_shard {
	pthread_rwlock_t lock;
	uint32_t *index;        /* 0 = empty, else entry number + 1 */
	uint32_t cap;           /* index slots, power of two */
	uint32_t count;
	struct root_peer **chunks;
	uint32_t nchunks;
	uint32_t used;          /* entries ever handed out (high-water mark) */
	uint32_t free_head;     /* free entry list, entry number + 1 (0 = empty) */
};

struct root_cache {
	struct root_cache_shard shards[ROOT_CACHE_SHARDS];
	uint64_t max_peers;
	_Atomic uint64_t count;
	/* Addresses that became dirty, for the flush thread (a bounded ring; overflow sets `resync`). */
	pthread_mutex_t dirty_lock;
	uint64_t *dirty;
	size_t dirty_cap, dirty_head, dirty_len;
	atomic_bool resync;
};

zt_err root_cache_init(struct root_cache *c, uint64_t max_peers);
void root_cache_free(struct root_cache *c);

/* Copies the entry for `address` into *out. Returns false if absent. */
bool root_cache_get(struct root_cache *c, uint64_t address, struct root_peer *out);

/* Copies out only the public key (for WHOIS). Returns false if absent. */
bool root_cache_get_identity(struct root_cache *c, uint64_t address, uint8_t pub[static 64]);

/*
 * Inserts or replaces the whole entry (by address). Marks it dirty when `dirty` is true.
 * Returns ZT_OK, ZT_ELIMIT when the cache is at max_peers and the address is new, or -ENOMEM.
 */
zt_err root_cache_put(struct root_cache *c, const struct root_peer *p, bool dirty);

/*
 * Inserts `in` unless the address is already present; either way *out receives the entry now in
 * the cache (lookup and insert under one lock, so two threads never overwrite each other). The
 * entry is marked dirty if in->flags has ROOT_PEER_DIRTY. Returns ZT_OK (inserted), ZT_EEXIST
 * (present; *out is the existing entry), ZT_ELIMIT or -ENOMEM.
 */
zt_err root_cache_put_if_absent(struct root_cache *c, const struct root_peer *in, struct root_peer *out);

/*
 * Records an authenticated receive from `address` at `from` (hops 0 when `learn_path`): updates
 * last_rx, and if learn_path, the path of that family (address, port, socket). Marks the entry dirty
 * when the path changed or the persisted last_rx is older than 60 s. Returns false if absent.
 */
bool root_cache_touch(struct root_cache *c, uint64_t address, const struct zt_inetaddr *from, uint8_t sock,
		      bool learn_path, int64_t now);

/* Stores the agreed key and sets ROOT_PEER_KEY_VALID. */
void root_cache_set_key(struct root_cache *c, uint64_t address, const uint8_t key[static 48]);

/* Records the protocol and software version (from HELLO / OK(HELLO)). */
void root_cache_set_version(struct root_cache *c, uint64_t address, uint8_t proto, uint8_t major, uint8_t minor,
			    uint16_t rev);

/* Sets flag bits on an entry. */
void root_cache_set_flags(struct root_cache *c, uint64_t address, uint8_t flags);

/* Removes an entry (e.g. an identity that failed validation). */
void root_cache_remove(struct root_cache *c, uint64_t address);

/*
 * Drains up to `max` dirty addresses into out[] and returns how many. If the ring overflowed since
 * the last call, *resync is set: the caller should scan with root_cache_foreach for DIRTY entries.
 */
size_t root_cache_take_dirty(struct root_cache *c, uint64_t *out, size_t max, bool *resync);
/*
 * Clears the DIRTY flag and records what was persisted, but only if the entry still equals
 * `persisted` (identity, version, paths): if it changed after the copy was taken, it stays dirty
 * and is queued again. Returns true if it was marked clean.
 */
bool root_cache_mark_clean(struct root_cache *c, const struct root_peer *persisted);

/*
 * Calls fn for a copy of every entry, one shard at a time under its read lock (fn must not call
 * back into the cache). Stops early if fn returns false.
 */
void root_cache_foreach(struct root_cache *c, bool (*fn)(const struct root_peer *p, void *arg), void *arg);

/*
 * Expiry and the memory bound: removes entries silent since before `older_than`, then, while the
 * count exceeds max_peers * 0.95, the least recently seen ones. Dirty entries are never evicted.
 * Returns the number removed.
 */
uint64_t root_cache_sweep(struct root_cache *c, int64_t older_than);

static inline uint64_t root_cache_count(struct root_cache *c) { return atomic_load(&c->count); }

/* Approximate bytes used by the tables. */
uint64_t root_cache_memory(struct root_cache *c);

/* Path of `p` to send to: the most recently heard of v4/v6 that is alive at `now`, or NULL. */
const struct root_path *root_peer_best_path(const struct root_peer *p, int64_t now, int64_t alive_ms);

#endif
