/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_LF_MIRROR_STORE_H
#define ZT_LF_MIRROR_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lf/lfapi_json.h"
#include "lf/record.h"
#include "node/err.h"

/*
 * The mirror's record store: one LMDB environment (real files in a directory) holding every record
 * by hash plus the indexes the LF API needs (lf.md §5.2). The layout:
 *
 *   records   hash(32) -> canonical record bytes                        (every stored record)
 *   meta      hash(32) -> immutable metadata: seq, type, timestamp, owner, ID, score, size,
 *                         approval, pulse token, selector keys, links   (every stored record)
 *   state     hash(32) -> mutable state: weight (128 bits), incoming links, unresolved links,
 *                         reputation, synchronised flag, latest pulse minutes
 *   log       BE64 seq -> hash                   arrival order: export, /dumprecords, DataSize
 *   sel       idx(1) | key(32) | BE64 ts | BE64 seq -> hash      synchronised records, by selector
 *                                                                 position then key: range scans
 *   owner     olen(1) | owner | BE64 ts | BE64 seq -> hash       synchronised records by owner
 *   ownerstat olen(1) | owner -> BE64 count | BE64 bytes          /owner figures (synchronised)
 *   idowner   id(32) | olen(1) | owner -> BE32 records | best synchronised reputation (0..63, 0xff none)
 *   idrec     id(32) | olen(1) | owner | BE64 seq -> hash        the collision rule's reset (§1.5)
 *   wait      (dupsort) hash of a linked record -> hash of a record waiting for it to synchronise
 *   linkcand  BE32 incoming links | hash -> -                     synchronised reputation-63
 *                                                                 records: /links, NewRecordLinks
 *   pulse     (dupsort) BE64 pulse token -> hash                  /pulse
 *   comment   (dupsort) subject hash(32) -> olen(1) | owner      "collides" commentary (oracles)
 *   limbo     hash(32) -> record bytes           imported records not approved here (certificates)
 *   info      text keys -> counters, genesis records, upstream pull positions
 *
 * Writes go through a transaction with a sticky error (lfm_txn): a chain of operations is checked
 * once, at commit. This file pair is the one place LMDB errors become zt_err (ZT_EDB, logged;
 * ZT_ENOSPACE when the map is full).
 */

#define LFM_KEY_SIZE 32
#define LFM_DEFAULT_MAP_SIZE ((uint64_t)16 << 30)
#define LFM_READERS 512
/*
 * Weights (lf.md §1.4, §5.3): when a record synchronises, its score is added to its ancestors in
 * breadth-first order, at most this many of them. Exact for small DAGs (every test network); on a
 * large network the weight of an old record stops growing. Documented deviation (lf.md §5.7).
 */
#define LFM_WEIGHT_MAX_ANCESTORS 64
#define LFM_REP_NORMAL 63
#define LFM_REP_TEMPORAL 48
#define LFM_REP_COLLISION 0
#define LFM_REP_NONE 0xff

/* How a stored record was approved (meta.approval). */
enum lfm_approval {
	LFM_APPROVED_WORK = 1,   /* Wharrgarbl work that pays (or the configured difficulty) */
	LFM_APPROVED_OWNER = 2,  /* an owner the mirror's configuration lets post without work */
	LFM_APPROVED_GENESIS = 3,/* a genesis record (inserted without the acceptance rules) */
};

#define LFM_STATE_SYNCED 0x01

/* A verified record, ready to insert (accept.c fills it). Owns rec and bytes. */
struct lfm_entry {
	struct zt_lf_record rec;
	uint8_t hash[ZT_LF_HASH_SIZE];
	uint8_t *bytes;            /* canonical serialization (malloc'd) */
	size_t size;
	struct zt_lf_record_keys keys;
	uint32_t score;
	enum lfm_approval approval;
};
void lfm_entry_free(struct lfm_entry *e);

struct lfm_meta {
	uint64_t seq, ts, pulse_token;
	uint32_t score, size;
	uint8_t type, approval, nsel, nlinks;
	uint8_t id[32];
	uint8_t owner[ZT_LF_OWNER_MAX_LEN];
	size_t owner_len;
	uint8_t keys[ZT_LF_RECORD_MAX_SELECTORS][LFM_KEY_SIZE];
	uint8_t links[ZT_LF_RECORD_MAX_LINKS][ZT_LF_HASH_SIZE];
};

struct lfm_state {
	uint64_t weight_hi, weight_lo;
	uint32_t inlinks, pending, pulse_minutes;
	uint8_t rep, flags;
};

/* Store-wide figures, kept in `info` and updated in the same transactions as the records. */
struct lfm_counters {
	uint64_t next_seq;     /* arrival sequence of the next record (the first is 1) */
	uint64_t records;      /* stored records */
	uint64_t bytes;        /* their canonical bytes: the /dumprecords length (DataSize) */
	uint64_t unsynced;     /* records waiting for a missing link somewhere below them */
	uint64_t limbo;
};

struct lfm_store;

struct lfm_txn {
	struct lfm_store *s;
	void *txn;             /* MDB_txn * */
	zt_err err;            /* sticky: the first failure; later operations do nothing */
	bool write;
	bool counters_loaded, counters_dirty;
	struct lfm_counters c;
};

/*
 * Opens (creating) the store in `dir` (created 0700 if missing) with a map of `map_size` bytes
 * (0: LFM_DEFAULT_MAP_SIZE). The environment is not synced on every commit: lfm_store_sync does it
 * (the daemon calls it every few seconds and at exit; a killed process loses nothing that was
 * committed, an operating-system crash at most the last seconds). ZT_OK, ZT_EDB (logged), -errno.
 */
zt_err lfm_store_open(struct lfm_store **s, const char *dir, uint64_t map_size);
void lfm_store_close(struct lfm_store *s);
zt_err lfm_store_sync(struct lfm_store *s);

/* Transactions. A read transaction sees one snapshot; only one write transaction runs at a time. */
zt_err lfm_txn_begin(struct lfm_store *s, struct lfm_txn *t, bool write);
/* Commits (write) or ends (read); returns the sticky error if there was one (then it aborts). */
zt_err lfm_txn_commit(struct lfm_txn *t);
void lfm_txn_abort(struct lfm_txn *t);
/* Records a failure in the transaction (the first one wins) and returns it. */
zt_err lfm_txn_fail(struct lfm_txn *t, zt_err err);

/* The counters as of this transaction (NULL after an error). */
const struct lfm_counters *lfm_counters(struct lfm_txn *t);

/* ---------------------------------------------------------------- records */

bool lfm_has(struct lfm_txn *t, const uint8_t hash[static ZT_LF_HASH_SIZE]);
/* The stored bytes (valid until the transaction ends). ZT_ENOTFOUND if absent (not sticky). */
zt_err lfm_get_bytes(struct lfm_txn *t, const uint8_t hash[static ZT_LF_HASH_SIZE], const uint8_t **p, size_t *n);
/* Parses the stored record into `r` (zeroed or cleared). */
zt_err lfm_get_record(struct lfm_txn *t, const uint8_t hash[static ZT_LF_HASH_SIZE], struct zt_lf_record *r);
zt_err lfm_get_meta(struct lfm_txn *t, const uint8_t hash[static ZT_LF_HASH_SIZE], struct lfm_meta *m);
zt_err lfm_get_state(struct lfm_txn *t, const uint8_t hash[static ZT_LF_HASH_SIZE], struct lfm_state *st);

/*
 * Stores a verified record and runs everything that follows from its arrival (store_insert.c): the
 * collision rule, incoming-link counts, synchronisation of it and of every record that was waiting
 * for it (temporal check, weights, indexes). `drift` is RecordMaxTimeDrift. ZT_EEXIST (not sticky)
 * for a duplicate; other failures are sticky.
 */
zt_err lfm_insert(struct lfm_txn *t, const struct lfm_entry *e, uint64_t drift);

/* Keeps an imported record that is not approved here (certificates are not verified). */
zt_err lfm_limbo_put(struct lfm_txn *t, const uint8_t hash[static ZT_LF_HASH_SIZE], const uint8_t *p, size_t n);

/* ---------------------------------------------------------------- reads for the API (store_read.c) */

/* Calls fn for every synchronised record whose selector `idx` has a key in [lo, hi], in key order. */
typedef bool (*lfm_sel_fn)(void *arg, const uint8_t hash[static ZT_LF_HASH_SIZE]);
zt_err lfm_sel_scan(struct lfm_txn *t, unsigned idx, const uint8_t lo[static LFM_KEY_SIZE],
		    const uint8_t hi[static LFM_KEY_SIZE], lfm_sel_fn fn, void *arg);

/* Synchronised records and their bytes for an owner (0 and 0 if none). */
zt_err lfm_owner_stats(struct lfm_txn *t, const uint8_t *owner, size_t owner_len, uint64_t *count,
		       uint64_t *bytes);
/*
 * The newest synchronised record of `owner` whose selector keys are exactly keys[0..nkeys-1]
 * (what /makerecord's PulseIfUnchanged looks for). ZT_ENOTFOUND if none.
 */
zt_err lfm_owner_newest(struct lfm_txn *t, const uint8_t *owner, size_t owner_len,
			const uint8_t (*keys)[LFM_KEY_SIZE], unsigned nkeys, uint8_t hash[static ZT_LF_HASH_SIZE]);

/* Up to `max` link suggestions: synchronised reputation-63 records, fewest incoming links first. */
size_t lfm_links(struct lfm_txn *t, uint8_t (*out)[ZT_LF_HASH_SIZE], size_t max);

/*
 * Walks the arrival log from sequence `from` (inclusive) up to `to` (inclusive; 0: the end).
 * fn returns false to stop; *next (may be NULL) gets the sequence after the last one visited.
 */
typedef bool (*lfm_log_fn)(void *arg, uint64_t seq, const uint8_t *bytes, size_t n);
zt_err lfm_log_walk(struct lfm_txn *t, uint64_t from, uint64_t to, lfm_log_fn fn, void *arg, uint64_t *next);

/*
 * Applies a pulse (lf.md §2.11): `token` is th64n(key, minutes). Accepted if some record with that
 * token has a timestamp within `drift` of now - 60 * minutes and a lower stored minute count.
 * *accepted tells; ZT_OK otherwise.
 */
zt_err lfm_pulse_apply(struct lfm_txn *t, uint64_t token, uint32_t minutes, uint64_t now, uint64_t drift,
		       bool *accepted);

/* How many "collides" comments the owners `oracles` made about the record `hash`. */
unsigned lfm_comment_count(struct lfm_txn *t, const uint8_t hash[static ZT_LF_HASH_SIZE],
			   const struct zt_lf_owner_id *oracles, unsigned noracles);

/* ---------------------------------------------------------------- info (small named values) */

/* ZT_ENOTFOUND (not sticky) if absent; the bytes stay valid until the transaction ends. */
zt_err lfm_info_get(struct lfm_txn *t, const char *key, const uint8_t **p, size_t *n);
zt_err lfm_info_put(struct lfm_txn *t, const char *key, const void *p, size_t n);
/* Appends to a value (the genesis records). */
zt_err lfm_info_append(struct lfm_txn *t, const char *key, const void *p, size_t n);

/* Bytes of the database file in use. */
uint64_t lfm_store_file_size(struct lfm_store *s);

/* Codec of the metadata, exposed for the unit tests. */
size_t lfm_meta_encode(const struct lfm_meta *m, uint8_t *out, size_t cap);
zt_err lfm_meta_decode(struct lfm_meta *m, const uint8_t *in, size_t n);

#endif
