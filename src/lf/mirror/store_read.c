/* SPDX-License-Identifier: Apache-2.0 */
/* The store's lookups for the LF API: range scans, owners, link suggestions, the log, pulses. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lf/mirror/store_impl.h"
#include "node/buf.h"

#define LINKS_POOL_FACTOR 4 /* candidates looked at per link asked for, for the random tie break */

static zt_err cursor_end(struct lfm_txn *t, MDB_cursor *c, int rc, const char *what)
{
	mdb_cursor_close(c);
	if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
		return lfm_txn_fail(t, lfm_db_err(rc, what));
	return t->err;
}

zt_err lfm_sel_scan(struct lfm_txn *t, unsigned idx, const uint8_t lo[static LFM_KEY_SIZE],
		    const uint8_t hi[static LFM_KEY_SIZE], lfm_sel_fn fn, void *arg)
{
	uint8_t start[SEL_KEY_SIZE] = { 0 };
	MDB_cursor *c = lfm_cursor(t, DB_SEL);
	MDB_val k = { sizeof start, start }, v;
	if (!c)
		return t->err;
	start[0] = (uint8_t)idx;
	memcpy(start + 1, lo, LFM_KEY_SIZE);
	int rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	for (; rc == MDB_SUCCESS; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		const uint8_t *kp = k.mv_data;
		if (k.mv_size != SEL_KEY_SIZE || kp[0] != idx || memcmp(kp + 1, hi, LFM_KEY_SIZE) > 0)
			break;
		if (v.mv_size == ZT_LF_HASH_SIZE && !fn(arg, v.mv_data))
			break;
	}
	return cursor_end(t, c, rc, "sel");
}

zt_err lfm_owner_stats(struct lfm_txn *t, const uint8_t *owner, size_t owner_len, uint64_t *count,
		       uint64_t *bytes)
{
	uint8_t k[1 + ZT_LF_OWNER_MAX_LEN];
	MDB_val v;
	*count = *bytes = 0;
	if (owner_len > ZT_LF_OWNER_MAX_LEN)
		return ZT_OK;
	size_t n = lfm_owner_prefix(k, owner, owner_len);
	if (lfm_db_get(t, DB_OWNERSTAT, k, n, &v) && v.mv_size == 16) {
		*count = zt_be64(v.mv_data);
		*bytes = zt_be64((uint8_t *)v.mv_data + 8);
	}
	return t->err;
}

zt_err lfm_owner_newest(struct lfm_txn *t, const uint8_t *owner, size_t owner_len,
			const uint8_t (*keys)[LFM_KEY_SIZE], unsigned nkeys, uint8_t hash[static ZT_LF_HASH_SIZE])
{
	uint8_t k[OWNER_KEY_MAX];
	if (owner_len > ZT_LF_OWNER_MAX_LEN)
		return ZT_ENOTFOUND;
	size_t n = lfm_owner_prefix(k, owner, owner_len);
	memset(k + n, 0xff, 16);
	MDB_cursor *c = lfm_cursor(t, DB_OWNER);
	MDB_val key = { n + 16, k }, v;
	zt_err found = ZT_ENOTFOUND;
	if (!c)
		return t->err;
	/* Newest first: from just after the owner's last key, backwards. */
	int rc = mdb_cursor_get(c, &key, &v, MDB_SET_RANGE);
	rc = rc == MDB_SUCCESS ? mdb_cursor_get(c, &key, &v, MDB_PREV) : mdb_cursor_get(c, &key, &v, MDB_LAST);
	for (; rc == MDB_SUCCESS; rc = mdb_cursor_get(c, &key, &v, MDB_PREV)) {
		struct lfm_meta m;
		if (key.mv_size != n + 16 || memcmp(key.mv_data, k, n))
			break;
		if (v.mv_size != ZT_LF_HASH_SIZE || lfm_get_meta(t, v.mv_data, &m) != ZT_OK)
			continue;
		if (m.nsel == nkeys && !memcmp(m.keys, keys, (size_t)nkeys * LFM_KEY_SIZE)) {
			memcpy(hash, v.mv_data, ZT_LF_HASH_SIZE);
			found = ZT_OK;
			break;
		}
	}
	zt_err e = cursor_end(t, c, rc, "owner");
	return e ? e : found;
}

size_t lfm_links(struct lfm_txn *t, uint8_t (*out)[ZT_LF_HASH_SIZE], size_t max)
{
	size_t pool_cap = max * LINKS_POOL_FACTOR, n = 0;
	struct cand {
		uint32_t inlinks;
		uint8_t hash[32];
	} *pool;
	MDB_cursor *c;
	MDB_val k, v;
	if (!max || !(pool = malloc(pool_cap * sizeof *pool)))
		return 0;
	if (!(c = lfm_cursor(t, DB_LINKCAND))) {
		free(pool);
		return 0;
	}
	for (int rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == MDB_SUCCESS && n < pool_cap;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 36)
			continue;
		pool[n].inlinks = zt_be32(k.mv_data);
		memcpy(pool[n].hash, (uint8_t *)k.mv_data + 4, 32);
		n++;
	}
	mdb_cursor_close(c);
	/* The pool is ordered by incoming links; shuffle within each run of equal counts. */
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && pool[j].inlinks == pool[i].inlinks)
			j++;
		for (size_t a = j - 1; a > i; a--) {
			size_t b = i + randombytes_uniform((uint32_t)(a - i + 1));
			struct cand tmp = pool[a];
			pool[a] = pool[b];
			pool[b] = tmp;
		}
		i = j;
	}
	if (n > max)
		n = max;
	for (size_t i = 0; i < n; i++)
		memcpy(out[i], pool[i].hash, 32);
	free(pool);
	return n;
}

zt_err lfm_log_walk(struct lfm_txn *t, uint64_t from, uint64_t to, lfm_log_fn fn, void *arg, uint64_t *next)
{
	uint8_t kb[8];
	MDB_cursor *c = lfm_cursor(t, DB_LOG);
	MDB_val k = { 8, kb }, v;
	uint64_t seq = from;
	if (next)
		*next = from;
	if (!c)
		return t->err;
	zt_put_be64(kb, from);
	int rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	for (; rc == MDB_SUCCESS; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		const uint8_t *p;
		size_t n;
		if (k.mv_size != 8 || v.mv_size != 32)
			continue;
		seq = zt_be64(k.mv_data);
		if (to && seq > to)
			break;
		if (lfm_get_bytes(t, v.mv_data, &p, &n) != ZT_OK) {
			lfm_txn_fail(t, ZT_EDB);
			break;
		}
		if (next)
			*next = seq + 1;
		if (!fn(arg, seq, p, n))
			break;
	}
	return cursor_end(t, c, rc, "log");
}

zt_err lfm_pulse_apply(struct lfm_txn *t, uint64_t token, uint32_t minutes, uint64_t now, uint64_t drift,
		       bool *accepted)
{
	uint8_t tk[8];
	MDB_cursor *c;
	MDB_val k = { 8, tk }, v;
	uint8_t(*hashes)[32] = NULL;
	size_t n = 0, cap = 0;
	*accepted = false;
	if (!token)
		return ZT_OK;
	zt_put_be64(tk, token);
	if (!(c = lfm_cursor(t, DB_PULSE)))
		return t->err;
	int rc = mdb_cursor_get(c, &k, &v, MDB_SET);
	for (; rc == MDB_SUCCESS; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT_DUP)) {
		if (v.mv_size != 32)
			continue;
		if (n == cap) {
			size_t nc = cap ? 2 * cap : 4;
			void *p = realloc(hashes, nc * 32);
			if (!p) {
				lfm_txn_fail(t, -ENOMEM);
				break;
			}
			hashes = p;
			cap = nc;
		}
		memcpy(hashes[n++], v.mv_data, 32);
	}
	cursor_end(t, c, rc, "pulse");
	int64_t when = (int64_t)now - 60 * (int64_t)minutes;
	for (size_t i = 0; i < n && !t->err; i++) {
		struct lfm_meta m;
		struct lfm_state st;
		if (lfm_get_meta(t, hashes[i], &m) != ZT_OK || lfm_get_state(t, hashes[i], &st) != ZT_OK)
			continue;
		int64_t d = (int64_t)m.ts - when;
		if ((d < 0 ? -d : d) > (int64_t)drift || st.pulse_minutes >= minutes)
			continue;
		st.pulse_minutes = minutes;
		lfm_put_state(t, hashes[i], &st);
		*accepted = true;
	}
	free(hashes);
	return t->err;
}

unsigned lfm_comment_count(struct lfm_txn *t, const uint8_t hash[static ZT_LF_HASH_SIZE],
			   const struct zt_lf_owner_id *oracles, unsigned noracles)
{
	MDB_cursor *c = lfm_cursor(t, DB_COMMENT);
	MDB_val k = { 32, (void *)hash }, v;
	unsigned count = 0;
	if (!c)
		return 0;
	int rc = mdb_cursor_get(c, &k, &v, MDB_SET);
	for (; rc == MDB_SUCCESS; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT_DUP)) {
		const uint8_t *p = v.mv_data;
		if (v.mv_size < 1 || (size_t)p[0] + 1 != v.mv_size)
			continue;
		for (unsigned i = 0; i < noracles; i++)
			if (oracles[i].len == p[0] && !memcmp(oracles[i].pub, p + 1, p[0]))
				count++;
	}
	cursor_end(t, c, rc, "comment");
	return count;
}
