/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <lmdb.h>

#include "common/log.h"
#include "node/crypto.h"
#include "node/buf.h"
#include "store.h"

#define RECORD_VERSION 1
#define RECORD_MAX 256
#define FLUSH_BATCH 4096

/* The one translation of LMDB errors. */
static zt_err db_err(int rc, const char *what)
{
	if (rc == MDB_SUCCESS)
		return ZT_OK;
	if (rc == MDB_NOTFOUND)
		return ZT_ENOTFOUND;
	log_error("lmdb: %s: %s", what, mdb_strerror(rc));
	return ZT_EDB;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void put_path(struct zt_wbuf *w, const struct root_path *p, uint8_t family)
{
	size_t n = family == 4 ? 4 : 16;
	zt_wbuf_u8(w, p->family == family ? family : 0);
	zt_wbuf_put(w, p->ip, n);
	zt_wbuf_u16(w, p->port);
	zt_wbuf_u64(w, (uint64_t)p->last_rx);
}

static void get_path(struct zt_buf *b, struct root_path *p, uint8_t family)
{
	size_t n = family == 4 ? 4 : 16;
	uint8_t f = zt_buf_u8(b);
	memset(p, 0, sizeof *p);
	zt_buf_copy(b, p->ip, n);
	p->port = zt_buf_u16(b);
	p->last_rx = (int64_t)zt_buf_u64(b);
	if (f == family) {
		p->family = family;
		p->sock = 0xff; /* sockets are new after a restart: the I/O layer picks one by family */
	} else {
		memset(p, 0, sizeof *p);
	}
}

size_t root_store_encode(const struct root_peer *p, uint8_t *out, size_t cap)
{
	struct zt_wbuf w = zt_wbuf_init(out, cap);
	zt_wbuf_u8(&w, RECORD_VERSION);
	zt_wbuf_put(&w, p->pub, 64);
	zt_wbuf_u64(&w, (uint64_t)p->last_rx);
	zt_wbuf_u8(&w, p->proto);
	zt_wbuf_u8(&w, p->vmajor);
	zt_wbuf_u8(&w, p->vminor);
	zt_wbuf_u16(&w, p->vrev);
	zt_wbuf_u8(&w, p->flags & ROOT_PEER_VALIDATED);
	put_path(&w, &p->v4, 4);
	put_path(&w, &p->v6, 6);
	zt_wbuf_u16(&w, 0); /* length of the node's locator; none stored yet */
	return w.err ? 0 : w.len;
}

zt_err root_store_decode(struct root_peer *p, uint64_t address, const uint8_t *in, size_t len)
{
	struct zt_buf b = zt_buf_init(in, len);
	memset(p, 0, sizeof *p);
	if (zt_buf_u8(&b) != RECORD_VERSION)
		return ZT_EUNSUPPORTED;
	p->address = address;
	zt_buf_copy(&b, p->pub, 64);
	p->last_rx = (int64_t)zt_buf_u64(&b);
	p->persisted_rx = p->last_rx;
	p->proto = zt_buf_u8(&b);
	p->vmajor = zt_buf_u8(&b);
	p->vminor = zt_buf_u8(&b);
	p->vrev = zt_buf_u16(&b);
	p->flags = zt_buf_u8(&b) & ROOT_PEER_VALIDATED;
	get_path(&b, &p->v4, 4);
	get_path(&b, &p->v6, 6);
	zt_buf_skip(&b, zt_buf_u16(&b));
	return b.err ? ZT_ETRUNCATED : ZT_OK;
}

static void addr_key(uint8_t k[5], uint64_t address)
{
	zt_put_be40(k, address);
}

zt_err root_store_open(struct root_store *s, const char *dir, uint64_t map_size, struct root_cache *cache,
		       int64_t flush_interval_ms)
{
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi peers, meta;
	int rc;
	memset(s, 0, sizeof *s);
	s->cache = cache;
	s->flush_interval_ms = flush_interval_ms;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		log_warn("cannot create %s", dir);
		return -errno;
	}
	/* Every thread that may read (workers, HTTP, flush, validator) needs a reader slot. */
	if ((rc = mdb_env_create(&env)) || (rc = mdb_env_set_maxdbs(env, 4)) ||
	    (rc = mdb_env_set_maxreaders(env, ROOT_STORE_READERS)) ||
	    (rc = mdb_env_set_mapsize(env, (size_t)map_size)) ||
	    (rc = mdb_env_open(env, dir, MDB_NOSYNC | MDB_NOTLS, 0600))) {
		zt_err e = db_err(rc, dir);
		if (env)
			mdb_env_close(env);
		return e;
	}
	if ((rc = mdb_txn_begin(env, NULL, 0, &txn)) || (rc = mdb_dbi_open(txn, "peers", MDB_CREATE, &peers)) ||
	    (rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &meta)) || (rc = mdb_txn_commit(txn))) {
		zt_err e = db_err(rc, "opening databases");
		if (txn && rc)
			mdb_txn_abort(txn);
		mdb_env_close(env);
		return e;
	}
	s->env = env;
	s->peers_dbi = peers;
	s->meta_dbi = meta;
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->wake_lock, NULL);
	pthread_cond_init(&s->wake, NULL);
	return ZT_OK;
}

void root_store_close(struct root_store *s)
{
	if (!s->env)
		return;
	root_store_stop(s);
	mdb_env_sync(s->env, 1);
	mdb_env_close(s->env);
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->wake_lock);
	pthread_cond_destroy(&s->wake);
	s->env = NULL;
}

zt_err root_store_load(struct root_store *s, uint64_t *count)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k, v;
	uint64_t n = 0, bad = 0;
	int rc;
	zt_err e = ZT_OK;
	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)))
		return db_err(rc, "load");
	if ((rc = mdb_cursor_open(txn, s->peers_dbi, &cur))) {
		mdb_txn_abort(txn);
		return db_err(rc, "load cursor");
	}
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == MDB_SUCCESS; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct root_peer p;
		if (k.mv_size != 5 || root_store_decode(&p, zt_be40(k.mv_data), v.mv_data, v.mv_size) != ZT_OK) {
			bad++;
			continue;
		}
		e = root_cache_put(s->cache, &p, false);
		if (e == ZT_ELIMIT) {
			log_warnx("peer cache full (%llu peers) while loading: the rest stays in LMDB only",
				  (unsigned long long)n);
			e = ZT_OK;
			break;
		}
		if (e)
			break;
		n++;
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	if (bad)
		log_warnx("lmdb: skipped %llu unreadable peer records", (unsigned long long)bad);
	*count = n;
	return e;
}

zt_err root_store_get(struct root_store *s, uint64_t address, struct root_peer *out)
{
	MDB_txn *txn;
	uint8_t kb[5];
	MDB_val k = { 5, kb }, v;
	int rc;
	addr_key(kb, address);
	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn))) {
		atomic_fetch_add(&s->errors, 1);
		if (zt_log_ratelimit((uint64_t)(int64_t)rc, now_ms(), 10000))
			db_err(rc, "get");
		return ZT_EDB;
	}
	rc = mdb_get(txn, s->peers_dbi, &k, &v);
	zt_err e = ZT_ENOTFOUND;
	if (rc == MDB_SUCCESS) {
		e = root_store_decode(out, address, v.mv_data, v.mv_size);
	} else if (rc != MDB_NOTFOUND) {
		/* On the packet path: count, and log at most one line per error kind per 10 s. */
		atomic_fetch_add(&s->errors, 1);
		if (zt_log_ratelimit((uint64_t)(int64_t)rc, now_ms(), 10000))
			db_err(rc, "get");
		e = ZT_EDB;
	}
	mdb_txn_abort(txn);
	return e;
}

struct dirty_scan {
	uint64_t *out;
	size_t n, cap;
};

static bool collect_dirty(const struct root_peer *p, void *arg)
{
	struct dirty_scan *d = arg;
	if (p->flags & ROOT_PEER_DIRTY) {
		if (d->n == d->cap)
			return false;
		d->out[d->n++] = p->address;
	}
	return true;
}

/* Writes one batch of addresses in one transaction. */
static zt_err flush_batch(struct root_store *s, const uint64_t *addrs, size_t n)
{
	MDB_txn *txn;
	int rc;
	size_t written = 0;
	struct root_peer *copies = malloc(n * sizeof *copies);
	uint8_t *done = calloc(n, 1);
	zt_err e = ZT_OK;
	if (!copies || !done) {
		e = -ENOMEM;
		goto out;
	}
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn))) {
		e = db_err(rc, "flush begin");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		uint8_t kb[5], vb[RECORD_MAX];
		if (!root_cache_get(s->cache, addrs[i], &copies[i]))
			continue; /* removed meanwhile (failed validation, expiry of a clean entry) */
		size_t len = root_store_encode(&copies[i], vb, sizeof vb);
		addr_key(kb, addrs[i]);
		MDB_val k = { 5, kb }, v = { len, vb };
		if ((rc = mdb_put(txn, s->peers_dbi, &k, &v, 0))) {
			e = db_err(rc, "flush put");
			mdb_txn_abort(txn);
			goto out;
		}
		done[i] = 1;
		written++;
	}
	if ((rc = mdb_txn_commit(txn))) {
		e = db_err(rc, "flush commit");
		goto out;
	}
	/* Only after the commit, and only if unchanged since copied: otherwise it stays dirty. */
	for (size_t i = 0; i < n; i++)
		if (done[i])
			root_cache_mark_clean(s->cache, &copies[i]);
	atomic_fetch_add(&s->flushed, written);
	atomic_fetch_add(&s->flushes, 1);
out:
	if (e)
		atomic_fetch_add(&s->errors, 1);
	if (copies)
		zt_wipe(copies, n * sizeof *copies);
	free(copies);
	free(done);
	return e;
}

zt_err root_store_flush(struct root_store *s)
{
	uint64_t *addrs = malloc(FLUSH_BATCH * sizeof *addrs);
	zt_err e = ZT_OK;
	bool resync = false, overflowed = false;
	size_t n;
	if (!addrs)
		return -ENOMEM;
	pthread_mutex_lock(&s->lock);
	while (!e && (n = root_cache_take_dirty(s->cache, addrs, FLUSH_BATCH, &overflowed)) > 0) {
		resync |= overflowed;
		e = flush_batch(s, addrs, n);
	}
	resync |= overflowed;
	if (!e && resync) {
		/* The dirty ring overflowed: find the remaining dirty entries by scanning (rare). */
		struct dirty_scan d = { addrs, 0, FLUSH_BATCH };
		do {
			d.n = 0;
			root_cache_foreach(s->cache, collect_dirty, &d);
			if (d.n)
				e = flush_batch(s, addrs, d.n);
		} while (!e && d.n == d.cap);
	}
	pthread_mutex_unlock(&s->lock);
	free(addrs);
	return e;
}

static void *flush_thread(void *arg)
{
	struct root_store *s = arg;
	int64_t last_sync = now_ms();
	for (;;) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		int64_t ns = ts.tv_nsec + (s->flush_interval_ms % 1000) * 1000000;
		ts.tv_sec += s->flush_interval_ms / 1000 + ns / 1000000000;
		ts.tv_nsec = ns % 1000000000;
		pthread_mutex_lock(&s->wake_lock);
		if (!atomic_load(&s->stop))
			pthread_cond_timedwait(&s->wake, &s->wake_lock, &ts);
		bool stop = atomic_load(&s->stop);
		pthread_mutex_unlock(&s->wake_lock);
		if (stop)
			break; /* root_store_stop does the final flush */
		root_store_flush(s);
		if (now_ms() - last_sync >= ROOT_STORE_SYNC_MS) {
			mdb_env_sync(s->env, 1);
			last_sync = now_ms();
		}
	}
	return NULL;
}

zt_err root_store_start(struct root_store *s)
{
	atomic_store(&s->stop, false);
	int rc = pthread_create(&s->thread, NULL, flush_thread, s);
	if (rc)
		return -rc;
	s->thread_running = true;
	return ZT_OK;
}

void root_store_stop(struct root_store *s)
{
	if (s->thread_running) {
		/* Under the lock the thread waits with, so the wake-up cannot be lost. */
		pthread_mutex_lock(&s->wake_lock);
		atomic_store(&s->stop, true);
		pthread_cond_broadcast(&s->wake);
		pthread_mutex_unlock(&s->wake_lock);
		pthread_join(s->thread, NULL);
		s->thread_running = false;
	}
	if (s->env)
		root_store_flush(s);
}

uint64_t root_store_size(struct root_store *s)
{
	MDB_envinfo info;
	MDB_stat st;
	if (mdb_env_info(s->env, &info) || mdb_env_stat(s->env, &st))
		return 0;
	return (uint64_t)(info.me_last_pgno + 1) * st.ms_psize;
}

uint64_t root_store_count(struct root_store *s)
{
	MDB_txn *txn;
	MDB_stat st;
	uint64_t n = 0;
	if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn))
		return 0;
	if (!mdb_stat(txn, s->peers_dbi, &st))
		n = st.ms_entries;
	mdb_txn_abort(txn);
	return n;
}
