/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The root's peer cache and its LMDB store with 1,000,000 peers, in process (src/root/libztroot.a):
 *   - inserts (root_cache_put, marked dirty as the validator does for a new peer) and random
 *     WHOIS-style lookups (root_cache_get_identity) and full-entry lookups (root_cache_get, the
 *     relay path), next to the same work on a plain array of the same records (the baseline);
 *   - resident memory per cached peer (RSS delta from /proc/self/statm) and what the cache
 *     accounts for itself (root_cache_memory);
 *   - one full root_cache_foreach (what every whole-cache scan costs: the online count every
 *     second, the dirty resync of the flush);
 *   - writing all peers to a real LMDB store in a temporary directory with root_store_flush, as
 *     the root's flush thread does: once after all the inserts (the dirty ring has overflowed, so
 *     the store falls back to scanning the cache), and once in ring-sized batches (the normal path);
 *     Baselines: bare mdb_put of the same encoded records, in transactions of the store's size and
 *     in one transaction;
 *   - reopening into a fresh cache and root_store_load (the start-up cost), next to a bare LMDB
 *     cursor scan of the same database (the baseline).
 * The peers are synthetic (bu_fake_address / bu_fake_pub): nothing validates them on load.
 * Output: one `name: value` line per figure. No assertions on speed.
 */
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "benchutil.h"
#include "common/log.h"
#include "root/cache.h"
#include "root/store.h"

#define NPEERS 1000000
#define MAX_PEERS (2 * NPEERS)
#define LOOKUPS 2000000
#define RING_BATCH 60000          /* below the cache's dirty ring (65536 addresses) */
#define MAP_SIZE (4ULL << 30)
#define SPOT_CHECKS 10000
#define STORE_TXN_RECORDS 4096    /* records per transaction of root_store_flush (FLUSH_BATCH in store.c) */

static struct root_cache cache;
static volatile uint8_t sink;

static void fake_peer(uint64_t i, struct root_peer *p, int64_t now)
{
	memset(p, 0, sizeof *p);
	p->address = bu_fake_address(i);
	bu_fake_pub(i, p->pub);
	p->last_rx = now;
	p->proto = 12;
	p->vmajor = 1;
	p->vminor = 14;
	p->vrev = 1;
	p->flags = ROOT_PEER_VALIDATED;
	p->v4.family = 4;
	p->v4.ip[0] = 198;
	p->v4.ip[1] = 18;
	p->v4.ip[2] = (uint8_t)(i >> 8);
	p->v4.ip[3] = (uint8_t)i;
	p->v4.port = (uint16_t)(9993 + i % 1000);
	p->v4.last_rx = now;
}

static double per_s(uint64_t n, double secs)
{
	return secs > 0 ? (double)n / secs : 0;
}

static bool count_dirty(const struct root_peer *p, void *arg)
{
	if (p->flags & ROOT_PEER_DIRTY)
		++*(uint64_t *)arg;
	return true;
}

/* Time of a bare read-only cursor walk over the peers database (keys and values touched). */
static double lmdb_scan_ms(struct root_store *s, uint64_t *count)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k, v;
	uint64_t n = 0, bytes = 0;
	double t = bu_now();
	if (mdb_txn_begin((MDB_env *)s->env, NULL, MDB_RDONLY, &txn) != 0)
		return -1;
	if (mdb_cursor_open(txn, s->peers_dbi, &cur) != 0) {
		mdb_txn_abort(txn);
		return -1;
	}
	for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		bytes += ((const uint8_t *)k.mv_data)[0] + ((const uint8_t *)v.mv_data)[v.mv_size - 1];
		n++;
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	sink ^= (uint8_t)bytes;
	*count = n;
	return (bu_now() - t) * 1e3;
}

/*
 * Bare LMDB writes of the same records (root_store_encode, 5-byte big-endian keys, in the same
 * order) into a fresh environment opened as the store opens its own, `per_txn` records per
 * transaction. Returns the milliseconds, or -1.
 */
static double lmdb_put_ms(uint64_t per_txn, int64_t now, uint64_t *written)
{
	char dir[64];
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi dbi;
	struct root_peer p;
	double ms = -1, t;
	snprintf(dir, sizeof dir, "/tmp/ztbench-lmdb.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	if (mdb_env_create(&env) || mdb_env_set_maxdbs(env, 4) || mdb_env_set_mapsize(env, MAP_SIZE) ||
	    mdb_env_open(env, dir, MDB_NOSYNC | MDB_NOTLS, 0600) || mdb_txn_begin(env, NULL, 0, &txn) ||
	    mdb_dbi_open(txn, "peers", MDB_CREATE, &dbi) || mdb_txn_commit(txn))
		goto out;
	txn = NULL;
	t = bu_now();
	*written = bu_proc_written(getpid());
	for (uint64_t i = 0; i < NPEERS; i++) {
		uint8_t kb[5], vb[256];
		if (!txn && mdb_txn_begin(env, NULL, 0, &txn))
			goto out;
		fake_peer(i, &p, now);
		size_t len = root_store_encode(&p, vb, sizeof vb);
		zt_put_be40(kb, p.address);
		MDB_val k = { sizeof kb, kb }, v = { len, vb };
		if (!len || mdb_put(txn, dbi, &k, &v, 0))
			goto out;
		if ((i + 1) % per_txn == 0 || i + 1 == NPEERS) {
			int rc = mdb_txn_commit(txn);
			txn = NULL;
			if (rc)
				goto out;
		}
	}
	ms = (bu_now() - t) * 1e3;
	*written = bu_proc_written(getpid()) - *written;
out:
	if (txn)
		mdb_txn_abort(txn);
	if (env)
		mdb_env_close(env);
	bu_rm_rf(dir);
	return ms;
}

int main(void)
{
	static char dir1[64], dir2[64];
	struct root_store store, store2;
	struct root_peer p;
	uint8_t pub[64];
	uint64_t rng = 0x0123456789abcdefULL, loaded = 0, scanned = 0, dirty = 0;
	int64_t now = 1800000000000LL;
	int rc = EXIT_FAILURE;
	struct root_peer *arr = NULL;
	bool have_store = false;

	zt_log_init("bench_cache", ZT_LOG_WARN);
	snprintf(dir1, sizeof dir1, "/tmp/ztbench-lmdb.XXXXXX");
	snprintf(dir2, sizeof dir2, "/tmp/ztbench-lmdb.XXXXXX");
	if (!mkdtemp(dir1) || !mkdtemp(dir2)) {
		perror("mkdtemp");
		return EXIT_FAILURE;
	}

	/* ---- the cache */
	uint64_t rss0 = bu_proc_rss(getpid());
	if (root_cache_init(&cache, MAX_PEERS) != ZT_OK)
		goto out;
	double t = bu_now();
	for (uint64_t i = 0; i < NPEERS; i++) {
		fake_peer(i, &p, now);
		if (root_cache_put(&cache, &p, true) != ZT_OK)
			goto out;
	}
	double insert_s = bu_now() - t;
	uint64_t rss1 = bu_proc_rss(getpid());
	uint64_t n = root_cache_count(&cache);
	if (n != NPEERS) {
		fprintf(stderr, "expected %d peers in the cache, found %llu\n", NPEERS, (unsigned long long)n);
		goto out;
	}

	t = bu_now();
	uint64_t found = 0;
	for (uint64_t k = 0; k < LOOKUPS; k++)
		if (root_cache_get_identity(&cache, bu_fake_address(bu_rand(&rng) % NPEERS), pub)) {
			found++;
			sink ^= pub[0];
		}
	double lookup_s = bu_now() - t;
	if (found != LOOKUPS)
		goto out;
	t = bu_now();
	for (uint64_t k = 0; k < LOOKUPS; k++)
		if (root_cache_get(&cache, bu_fake_address(bu_rand(&rng) % NPEERS), &p))
			sink ^= p.pub[0];
	double get_s = bu_now() - t;
	t = bu_now();
	root_cache_foreach(&cache, count_dirty, &dirty);
	double foreach_ms = (bu_now() - t) * 1e3;

	printf("cache_peers: %llu\n", (unsigned long long)n);
	printf("cache_entry_bytes: %zu\n", sizeof(struct root_peer));
	printf("cache_insert_per_s: %.0f\n", per_s(n, insert_s));
	printf("cache_lookup_per_s: %.0f\n", per_s(LOOKUPS, lookup_s));
	printf("cache_get_per_s: %.0f\n", per_s(LOOKUPS, get_s));
	printf("cache_rss_bytes_per_peer: %.1f\n", (double)(rss1 - rss0) / (double)n);
	printf("cache_accounted_bytes_per_peer: %.1f\n", (double)root_cache_memory(&cache) / (double)n);
	printf("cache_foreach_scan_ms: %.1f\n", foreach_ms);
	fflush(stdout);

	/* ---- baseline: the same records in a plain array indexed by peer number */
	arr = malloc(NPEERS * sizeof *arr);
	if (!arr)
		goto out;
	t = bu_now();
	for (uint64_t i = 0; i < NPEERS; i++) {
		fake_peer(i, &p, now);
		arr[i] = p;
	}
	double base_insert_s = bu_now() - t;
	t = bu_now();
	for (uint64_t k = 0; k < LOOKUPS; k++) {
		uint64_t i = bu_rand(&rng) % NPEERS;
		if (arr[i].address == bu_fake_address(i)) {
			memcpy(pub, arr[i].pub, 64);
			sink ^= pub[0];
		}
	}
	double base_lookup_s = bu_now() - t;
	free(arr);
	arr = NULL;
	printf("baseline_array_insert_per_s: %.0f\n", per_s(NPEERS, base_insert_s));
	printf("baseline_array_lookup_per_s: %.0f\n", per_s(LOOKUPS, base_lookup_s));
	printf("baseline_array_bytes_per_peer: %zu\n", sizeof(struct root_peer));
	printf("cache_insert_vs_array_ratio: %.2f\n", base_insert_s / insert_s);
	printf("cache_lookup_vs_array_ratio: %.2f\n", base_lookup_s / lookup_s);
	fflush(stdout);

	/* ---- LMDB: everything dirty at once (the ring overflowed: resync scans) */
	if (root_store_open(&store, dir1, MAP_SIZE, &cache, 1000) != ZT_OK)
		goto out;
	have_store = true;
	uint64_t w0 = bu_proc_written(getpid());
	t = bu_now();
	if (root_store_flush(&store) != ZT_OK)
		goto out;
	double flush_ms = (bu_now() - t) * 1e3;
	double flush_mb = (double)(bu_proc_written(getpid()) - w0) / (1 << 20);
	uint64_t stored = root_store_count(&store);
	double db_bytes = (double)root_store_size(&store);
	printf("lmdb_flush_1m_ms: %.0f\n", flush_ms);
	printf("lmdb_flush_transactions: %llu\n", (unsigned long long)atomic_load(&store.flushes));
	printf("lmdb_flush_1m_written_mb: %.0f\n", flush_mb);
	printf("lmdb_peers: %llu\n", (unsigned long long)stored);
	printf("lmdb_bytes_per_peer: %.1f\n", stored ? db_bytes / (double)stored : 0);
	fflush(stdout);
	if (stored != n)
		goto out;

	/* ---- LMDB: the same writes in batches the dirty ring holds (the flush thread's normal case) */
	if (root_store_open(&store2, dir2, MAP_SIZE, &cache, 1000) != ZT_OK)
		goto out;
	double batched_s = 0;
	w0 = bu_proc_written(getpid());
	for (uint64_t start = 0; start < NPEERS; start += RING_BATCH) {
		for (uint64_t i = start; i < start + RING_BATCH && i < NPEERS; i++) {
			fake_peer(i, &p, now);
			root_cache_put(&cache, &p, true);
		}
		t = bu_now();
		zt_err e = root_store_flush(&store2);
		batched_s += bu_now() - t;
		if (e != ZT_OK)
			break;
	}
	double batched_mb = (double)(bu_proc_written(getpid()) - w0) / (1 << 20);
	uint64_t stored2 = root_store_count(&store2);
	root_store_close(&store2);
	bu_rm_rf(dir2);
	printf("lmdb_flush_1m_ring_batches_ms: %.0f\n", batched_s * 1e3);
	printf("lmdb_flush_1m_ring_batches_written_mb: %.0f\n", batched_mb);
	printf("lmdb_flush_overflow_vs_ring_batches_ratio: %.2f\n", batched_s > 0 ? flush_ms / (batched_s * 1e3) : 0);
	fflush(stdout);
	uint64_t put_batch_w = 0, put_one_w = 0;
	double put_batch_ms = lmdb_put_ms(STORE_TXN_RECORDS, now, &put_batch_w);
	double put_one_ms = lmdb_put_ms(NPEERS, now, &put_one_w);
	printf("baseline_lmdb_put_1m_%d_per_txn_ms: %.0f\n", STORE_TXN_RECORDS, put_batch_ms);
	printf("baseline_lmdb_put_1m_%d_per_txn_written_mb: %.0f\n", STORE_TXN_RECORDS, (double)put_batch_w / (1 << 20));
	printf("baseline_lmdb_put_1m_one_txn_ms: %.0f\n", put_one_ms);
	printf("baseline_lmdb_put_1m_one_txn_written_mb: %.0f\n", (double)put_one_w / (1 << 20));
	printf("lmdb_flush_ring_batches_vs_put_%d_per_txn_ratio: %.2f\n", STORE_TXN_RECORDS,
	       put_batch_ms > 0 ? batched_s * 1e3 / put_batch_ms : 0);
	printf("lmdb_flush_ring_batches_vs_put_one_txn_ratio: %.2f\n", put_one_ms > 0 ? batched_s * 1e3 / put_one_ms : 0);
	fflush(stdout);
	if (stored2 != n)
		goto out;

	/* ---- start-up: a fresh cache loaded from the store, next to a bare cursor walk */
	root_store_close(&store);
	have_store = false;
	root_cache_free(&cache);
	if (root_cache_init(&cache, MAX_PEERS) != ZT_OK || root_store_open(&store, dir1, MAP_SIZE, &cache, 1000) != ZT_OK)
		goto out;
	have_store = true;
	double scan_ms = lmdb_scan_ms(&store, &scanned);
	t = bu_now();
	if (root_store_load(&store, &loaded) != ZT_OK)
		goto out;
	double load_ms = (bu_now() - t) * 1e3;
	uint64_t bad = 0;
	for (uint64_t k = 0; k < SPOT_CHECKS; k++) {
		uint64_t i = bu_rand(&rng) % NPEERS;
		uint8_t want[64];
		bu_fake_pub(i, want);
		if (!root_cache_get_identity(&cache, bu_fake_address(i), pub) || memcmp(pub, want, 64) != 0)
			bad++;
	}
	printf("lmdb_load_1m_ms: %.0f\n", load_ms);
	printf("lmdb_loaded_peers: %llu\n", (unsigned long long)loaded);
	printf("baseline_lmdb_scan_1m_ms: %.0f\n", scan_ms);
	printf("lmdb_load_vs_scan_ratio: %.2f\n", scan_ms > 0 ? load_ms / scan_ms : 0);
	fflush(stdout);
	if (loaded != n || scanned != n || bad) {
		fprintf(stderr, "load: %llu peers, scan: %llu, %llu wrong identities\n", (unsigned long long)loaded,
			(unsigned long long)scanned, (unsigned long long)bad);
		goto out;
	}
	rc = EXIT_SUCCESS;
out:
	if (rc != EXIT_SUCCESS)
		fprintf(stderr, "bench_cache: failed\n");
	free(arr);
	if (have_store)
		root_store_close(&store);
	root_cache_free(&cache);
	bu_rm_rf(dir1);
	bu_rm_rf(dir2);
	return rc;
}
