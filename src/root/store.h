/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_ROOT_STORE_H
#define ZT_ROOT_STORE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "cache.h"
#include "node/err.h"

/*
 * LMDB persistence of the peer cache: identities, last known paths, versions (and, later, locators).
 * Writes are batched by a background thread: every flush interval it takes the cache's dirty
 * addresses and writes them in one transaction, so a kill -9 loses at most one interval. The
 * environment is opened without per-commit fsync (integrity is kept; an OS crash may lose the
 * last transactions), and synced to disk every ROOT_STORE_SYNC_MS.
 * This file is the one place LMDB error codes become zt_err.
 */

#define ROOT_STORE_SYNC_MS 30000
/* Reader slots: every thread that may read (up to 256 workers, HTTP, flush, validators) needs one. */
#define ROOT_STORE_READERS 1024

struct root_store {
	void *env;              /* MDB_env * */
	unsigned int peers_dbi; /* MDB_dbi */
	unsigned int meta_dbi;
	struct root_cache *cache;
	int64_t flush_interval_ms;
	pthread_t thread;
	bool thread_running;
	pthread_mutex_t lock;   /* serializes flushes (thread, SIGTERM path, tests) */
	pthread_mutex_t wake_lock; /* with `wake`: the flush thread's sleep */
	pthread_cond_t wake;
	atomic_bool stop;
	_Atomic uint64_t flushed;  /* records written since start */
	_Atomic uint64_t flushes;  /* transactions committed */
	_Atomic uint64_t errors;
};

/*
 * Opens (creating) the LMDB environment in directory `dir` (created mode 0700 if missing) with the
 * given map size and ROOT_STORE_READERS reader slots. Returns ZT_OK or ZT_EDB (the reason is logged).
 */
zt_err root_store_open(struct root_store *s, const char *dir, uint64_t map_size, struct root_cache *cache,
		       int64_t flush_interval_ms);
void root_store_close(struct root_store *s);

/* Loads every stored peer into the cache (not marked dirty). *count gets how many. */
zt_err root_store_load(struct root_store *s, uint64_t *count);

/* Writes all dirty cache entries now, in one transaction. */
zt_err root_store_flush(struct root_store *s);

/*
 * Reads one stored peer (a miss in the cache can fall back to this). Returns ZT_ENOTFOUND if absent,
 * ZT_EDB on a database error (counted in `errors`, logged at most every 10 s).
 */
zt_err root_store_get(struct root_store *s, uint64_t address, struct root_peer *out);

/* Starts / stops the background flush thread (stop does a final flush). */
zt_err root_store_start(struct root_store *s);
void root_store_stop(struct root_store *s);

/* Bytes of the database file in use (pages used x page size). */
uint64_t root_store_size(struct root_store *s);
/* Number of stored peers. */
uint64_t root_store_count(struct root_store *s);

/* Record codec, exposed for tests: returns the encoded length or 0 if it does not fit. */
size_t root_store_encode(const struct root_peer *p, uint8_t *out, size_t cap);
zt_err root_store_decode(struct root_peer *p, uint64_t address, const uint8_t *in, size_t len);

#endif
