/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What happens when a record arrives (lf.md §1.5, §1.10, §5.3), inside one write transaction:
 *  - it is stored and logged in arrival order;
 *  - it gets its local reputation by the collision rule (first come, first served per record ID);
 *  - each record it links to gains an incoming link; links to records not yet synchronised (or
 *    absent) are remembered in `wait`;
 *  - once every link is present and synchronised the record synchronises: temporal check, weight
 *    propagation, the query/owner/link indexes; then every record waiting for it is reconsidered.
 * Synchronisation runs here, synchronously, in arrival order, so bulk imports keep first-come
 * semantics (a documented improvement over the reference's background thread, lf.md §5.7).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lf/mask.h"
#include "lf/mirror/store_impl.h"
#include "node/buf.h"

#define COMMENT_COLLIDES 1
#define VISIT_SLOTS 256 /* > 2 x LFM_WEIGHT_MAX_ANCESTORS, a power of two */

/* ---------------------------------------------------------------- helpers */

static void weight_add(struct lfm_state *st, uint32_t score)
{
	uint64_t lo = st->weight_lo + score;
	if (lo < st->weight_lo)
		st->weight_hi++;
	st->weight_lo = lo;
}

static void linkcand_key(uint8_t k[36], uint32_t inlinks, const uint8_t hash[static 32])
{
	zt_put_be32(k, inlinks);
	memcpy(k + 4, hash, 32);
}

static bool is_candidate(const struct lfm_state *st)
{
	return (st->flags & LFM_STATE_SYNCED) && st->rep >= LFM_REP_NORMAL;
}

/* A record the new one links to, and is present, gains an incoming link. */
static void inlinks_bump(struct lfm_txn *t, const uint8_t hash[static 32], struct lfm_state *st)
{
	uint8_t k[36];
	if (is_candidate(st)) {
		linkcand_key(k, st->inlinks, hash);
		lfm_db_del(t, DB_LINKCAND, k, sizeof k, NULL, 0);
		linkcand_key(k, st->inlinks + 1, hash);
		lfm_db_put(t, DB_LINKCAND, k, sizeof k, "", 0, 0);
	}
	st->inlinks++;
	lfm_put_state(t, hash, st);
}

/* Sets a record's reputation to 0 (a collision), taking it out of the link candidates. */
static void rep_zero(struct lfm_txn *t, const uint8_t hash[static 32])
{
	struct lfm_state st;
	uint8_t k[36];
	if (lfm_get_state(t, hash, &st) != ZT_OK || st.rep == LFM_REP_COLLISION)
		return;
	if (is_candidate(&st)) {
		linkcand_key(k, st.inlinks, hash);
		lfm_db_del(t, DB_LINKCAND, k, sizeof k, NULL, 0);
	}
	st.rep = LFM_REP_COLLISION;
	lfm_put_state(t, hash, &st);
}

/* Every record of (id, owner) gets reputation 0. */
static void zero_owner_records(struct lfm_txn *t, const uint8_t *idowner, size_t n)
{
	MDB_cursor *c = lfm_cursor(t, DB_IDREC);
	MDB_val k = { n, (void *)idowner }, v;
	if (!c)
		return;
	int rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	/* Collect first: the cursor's database is not written, but state and linkcand are. */
	size_t cap = 16, cnt = 0;
	uint8_t(*hashes)[32] = malloc(cap * 32);
	while (hashes && rc == MDB_SUCCESS && k.mv_size == n + 8 && !memcmp(k.mv_data, idowner, n)) {
		if (v.mv_size == 32) {
			if (cnt == cap) {
				void *p = realloc(hashes, cap * 2 * 32);
				if (!p)
					break;
				hashes = p;
				cap *= 2;
			}
			memcpy(hashes[cnt++], v.mv_data, 32);
		}
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	if (!hashes) {
		lfm_txn_fail(t, -ENOMEM);
		return;
	}
	if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
		lfm_txn_fail(t, lfm_db_err(rc, "idrec"));
	for (size_t i = 0; i < cnt; i++)
		rep_zero(t, hashes[i]);
	free(hashes);
}

/*
 * The collision rule (lf.md §1.5), for a record not yet counted in idowner:
 *  1. synchronised records with the same ID and owner: inherit the best reputation among them;
 *  2. else any record with the same ID and another owner: 0, and every record of that ID whose
 *     owner has no synchronised positive-reputation record with that ID becomes 0 too;
 *  3. else 63.
 */
static uint8_t reputation(struct lfm_txn *t, const struct lfm_meta *m)
{
	uint8_t key[IDOWNER_KEY_MAX];
	size_t kn = lfm_idowner_key(key, m->id, m->owner, m->owner_len);
	MDB_val v;
	if (lfm_db_get(t, DB_IDOWNER, key, kn, &v) && v.mv_size == 5 && ((uint8_t *)v.mv_data)[4] != LFM_REP_NONE)
		return ((uint8_t *)v.mv_data)[4];

	MDB_cursor *c = lfm_cursor(t, DB_IDOWNER);
	MDB_val k = { 32, (void *)m->id };
	bool collision = false;
	size_t nzero = 0, cap = 0;
	uint8_t(*zero)[IDOWNER_KEY_MAX + 1] = NULL;
	if (!c)
		return LFM_REP_COLLISION;
	int rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	for (; rc == MDB_SUCCESS && k.mv_size > 32 && !memcmp(k.mv_data, m->id, 32); rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		bool same = k.mv_size == kn && !memcmp(k.mv_data, key, kn);
		uint8_t best = v.mv_size == 5 ? ((uint8_t *)v.mv_data)[4] : LFM_REP_NONE;
		if (!same)
			collision = true;
		if ((best == LFM_REP_NONE || best == 0) && k.mv_size <= IDOWNER_KEY_MAX) {
			if (nzero == cap) {
				size_t nc = cap ? 2 * cap : 4;
				void *p = realloc(zero, nc * sizeof *zero);
				if (!p) {
					lfm_txn_fail(t, -ENOMEM);
					break;
				}
				zero = p;
				cap = nc;
			}
			zero[nzero][0] = (uint8_t)k.mv_size;
			memcpy(zero[nzero] + 1, k.mv_data, k.mv_size);
			nzero++;
		}
	}
	mdb_cursor_close(c);
	if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
		lfm_txn_fail(t, lfm_db_err(rc, "idowner"));
	if (collision)
		for (size_t i = 0; i < nzero; i++)
			zero_owner_records(t, zero[i] + 1, zero[i][0]);
	free(zero);
	return collision ? LFM_REP_COLLISION : LFM_REP_NORMAL;
}

static void idowner_update(struct lfm_txn *t, const struct lfm_meta *m, bool add, int synced_rep)
{
	uint8_t key[IDOWNER_KEY_MAX], val[5];
	size_t kn = lfm_idowner_key(key, m->id, m->owner, m->owner_len);
	MDB_val v;
	uint32_t count = 0;
	uint8_t best = LFM_REP_NONE;
	if (lfm_db_get(t, DB_IDOWNER, key, kn, &v) && v.mv_size == 5) {
		count = zt_be32(v.mv_data);
		best = ((uint8_t *)v.mv_data)[4];
	}
	if (add)
		count++;
	if (synced_rep >= 0 && (best == LFM_REP_NONE || synced_rep > best))
		best = (uint8_t)synced_rep;
	zt_put_be32(val, count);
	val[4] = best;
	lfm_db_put(t, DB_IDOWNER, key, kn, val, sizeof val, 0);
}

/* ---------------------------------------------------------------- weights */

struct visit {
	uint8_t (*slot)[32];
	bool *used;
};

/* True if newly added. */
static bool visit_add(struct visit *vs, const uint8_t h[static 32])
{
	size_t i = (size_t)zt_be32(h) & (VISIT_SLOTS - 1);
	while (vs->used[i]) {
		if (!memcmp(vs->slot[i], h, 32))
			return false;
		i = (i + 1) & (VISIT_SLOTS - 1);
	}
	vs->used[i] = true;
	memcpy(vs->slot[i], h, 32);
	return true;
}

/*
 * Adds `score` to the weights of the record's ancestors, breadth first, each once, at most
 * LFM_WEIGHT_MAX_ANCESTORS of them (see store.h).
 */
static void weight_propagate(struct lfm_txn *t, const struct lfm_meta *m)
{
	enum { QCAP = LFM_WEIGHT_MAX_ANCESTORS * ZT_LF_RECORD_MAX_LINKS + ZT_LF_RECORD_MAX_LINKS };
	uint8_t(*q)[32] = malloc(QCAP * 32);
	struct visit vs = { malloc(VISIT_SLOTS * 32), calloc(VISIT_SLOTS, sizeof(bool)) };
	size_t head = 0, tail = 0, done = 0;
	if (!q || !vs.slot || !vs.used) {
		lfm_txn_fail(t, -ENOMEM);
		goto out;
	}
	for (unsigned i = 0; i < m->nlinks; i++)
		if (visit_add(&vs, m->links[i]))
			memcpy(q[tail++], m->links[i], 32);
	while (head < tail && done < LFM_WEIGHT_MAX_ANCESTORS && !t->err) {
		const uint8_t *h = q[head++];
		struct lfm_state st;
		struct lfm_meta am;
		if (lfm_get_state(t, h, &st) != ZT_OK)
			continue;
		weight_add(&st, m->score);
		lfm_put_state(t, h, &st);
		done++;
		if (done >= LFM_WEIGHT_MAX_ANCESTORS || lfm_get_meta(t, h, &am) != ZT_OK)
			continue;
		for (unsigned i = 0; i < am.nlinks && tail < QCAP; i++)
			if (visit_add(&vs, am.links[i]))
				memcpy(q[tail++], am.links[i], 32);
	}
out:
	free(q);
	free(vs.slot);
	free(vs.used);
}

/* ---------------------------------------------------------------- commentary */

/* Indexes the "collides" assertions of a commentary record (lf.md §1.5): no masking key. */
static void comments_index(struct lfm_txn *t, const uint8_t hash[static 32], const struct lfm_meta *m)
{
	struct zt_lf_record r = { 0 };
	uint8_t *v = NULL, ok[1 + ZT_LF_OWNER_MAX_LEN];
	size_t n = 0, okn = lfm_owner_prefix(ok, m->owner, m->owner_len);
	if (lfm_get_record(t, hash, &r) != ZT_OK)
		return;
	if (zt_lf_record_value(&r, NULL, 0, &v, &n) == ZT_OK) {
		struct zt_buf b = zt_buf_init(v, n);
		while (zt_buf_left(&b) >= 3) {
			uint8_t assertion = zt_buf_u8(&b);
			zt_buf_u8(&b); /* reason */
			uint8_t len = zt_buf_u8(&b);
			const uint8_t *subject = zt_buf_get(&b, len);
			if (!subject)
				break;
			if (assertion == COMMENT_COLLIDES && len == ZT_LF_HASH_SIZE)
				lfm_db_put(t, DB_COMMENT, subject, len, ok, okn, MDB_NODUPDATA);
		}
	}
	free(v);
	zt_lf_record_clear(&r);
}

/* ---------------------------------------------------------------- synchronisation */

struct hashq {
	uint8_t (*h)[32];
	size_t n, cap;
};

static bool hashq_push(struct hashq *q, const uint8_t h[static 32])
{
	if (q->n == q->cap) {
		size_t nc = q->cap ? 2 * q->cap : 16;
		void *p = realloc(q->h, nc * 32);
		if (!p)
			return false;
		q->h = p;
		q->cap = nc;
	}
	memcpy(q->h[q->n++], h, 32);
	return true;
}

/* Index keys of a synchronised record: sel, owner. */
static void index_record(struct lfm_txn *t, const uint8_t hash[static 32], const struct lfm_meta *m)
{
	uint8_t k[OWNER_KEY_MAX > SEL_KEY_SIZE ? OWNER_KEY_MAX : SEL_KEY_SIZE], sv[16];
	MDB_val v;
	for (unsigned i = 0; i < m->nsel; i++) {
		k[0] = (uint8_t)i;
		memcpy(k + 1, m->keys[i], LFM_KEY_SIZE);
		zt_put_be64(k + 1 + LFM_KEY_SIZE, m->ts);
		zt_put_be64(k + 1 + LFM_KEY_SIZE + 8, m->seq);
		lfm_db_put(t, DB_SEL, k, SEL_KEY_SIZE, hash, 32, 0);
	}
	size_t n = lfm_owner_prefix(k, m->owner, m->owner_len);
	uint64_t count = 0, bytes = 0;
	if (lfm_db_get(t, DB_OWNERSTAT, k, n, &v) && v.mv_size == 16) {
		count = zt_be64(v.mv_data);
		bytes = zt_be64((uint8_t *)v.mv_data + 8);
	}
	zt_put_be64(sv, count + 1);
	zt_put_be64(sv + 8, bytes + m->size);
	lfm_db_put(t, DB_OWNERSTAT, k, n, sv, sizeof sv, 0);
	zt_put_be64(k + n, m->ts);
	zt_put_be64(k + n + 8, m->seq);
	lfm_db_put(t, DB_OWNER, k, n + 16, hash, 32, 0);
}

/* Every link present and synchronised: the record synchronises. Ready waiters go onto q. */
static void sync_one(struct lfm_txn *t, const uint8_t hash[static 32], uint64_t drift, struct hashq *q)
{
	struct lfm_meta m, lm;
	struct lfm_state st, ws;
	struct lfm_counters *c = lfm_counters_rw(t);
	if (!c || lfm_get_meta(t, hash, &m) != ZT_OK || lfm_get_state(t, hash, &st) != ZT_OK) {
		lfm_txn_fail(t, ZT_EDB);
		return;
	}
	if (st.flags & LFM_STATE_SYNCED)
		return;
	for (unsigned i = 0; i < m.nlinks; i++)
		if (lfm_get_meta(t, m.links[i], &lm) == ZT_OK && lm.ts > m.ts + drift && st.rep > LFM_REP_TEMPORAL)
			st.rep = LFM_REP_TEMPORAL;
	st.flags |= LFM_STATE_SYNCED;
	if (c->unsynced)
		c->unsynced--;
	t->counters_dirty = true;
	lfm_put_state(t, hash, &st);
	weight_propagate(t, &m);
	index_record(t, hash, &m);
	idowner_update(t, &m, false, st.rep);
	if (is_candidate(&st)) {
		uint8_t k[36];
		linkcand_key(k, st.inlinks, hash);
		lfm_db_put(t, DB_LINKCAND, k, sizeof k, "", 0, 0);
	}
	if (m.type == ZT_LF_TYPE_COMMENTARY)
		comments_index(t, hash, &m);

	/* The records waiting for this one. */
	MDB_cursor *cur = lfm_cursor(t, DB_WAIT);
	MDB_val k = { 32, (void *)hash }, v;
	struct hashq waiters = { 0 };
	if (!cur)
		return;
	int rc = mdb_cursor_get(cur, &k, &v, MDB_SET);
	while (rc == MDB_SUCCESS) {
		if (v.mv_size == 32 && !hashq_push(&waiters, v.mv_data)) {
			lfm_txn_fail(t, -ENOMEM);
			break;
		}
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP);
	}
	mdb_cursor_close(cur);
	if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
		lfm_txn_fail(t, lfm_db_err(rc, "wait"));
	if (waiters.n)
		lfm_db_del(t, DB_WAIT, hash, 32, NULL, 0);
	for (size_t i = 0; i < waiters.n && !t->err; i++) {
		if (lfm_get_state(t, waiters.h[i], &ws) != ZT_OK || !ws.pending)
			continue;
		ws.pending--;
		lfm_put_state(t, waiters.h[i], &ws);
		if (!ws.pending && !hashq_push(q, waiters.h[i]))
			lfm_txn_fail(t, -ENOMEM);
	}
	free(waiters.h);
}

static void sync_cascade(struct lfm_txn *t, const uint8_t hash[static 32], uint64_t drift)
{
	struct hashq q = { 0 };
	size_t head = 0;
	if (!hashq_push(&q, hash)) {
		lfm_txn_fail(t, -ENOMEM);
		return;
	}
	while (head < q.n && !t->err) {
		uint8_t h[32];
		memcpy(h, q.h[head++], 32);
		sync_one(t, h, drift, &q);
	}
	free(q.h);
}

/* ---------------------------------------------------------------- insert */

zt_err lfm_insert(struct lfm_txn *t, const struct lfm_entry *e, uint64_t drift)
{
	const struct zt_lf_record *r = &e->rec;
	struct lfm_counters *c;
	struct lfm_meta m;
	struct lfm_state st;
	uint8_t mb[META_MAX], k[IDREC_KEY_MAX];
	MDB_val v;

	if (t->err)
		return t->err;
	if (lfm_has(t, e->hash))
		return ZT_EEXIST;
	if (!(c = lfm_counters_rw(t)))
		return t->err;
	if (r->owner_len > ZT_LF_OWNER_MAX_LEN || r->selector_count != e->keys.count || e->size > UINT32_MAX)
		return ZT_EINVALID; /* not verified by accept.c: not sticky */

	memset(&m, 0, sizeof m);
	m.seq = c->next_seq++;
	m.ts = r->timestamp;
	m.pulse_token = r->pulse_token;
	m.score = e->score;
	m.size = (uint32_t)e->size;
	m.type = (uint8_t)r->type;
	m.approval = (uint8_t)e->approval;
	m.nsel = (uint8_t)r->selector_count;
	m.nlinks = (uint8_t)r->link_count;
	memcpy(m.id, e->keys.id, 32);
	memcpy(m.owner, r->owner, r->owner_len);
	m.owner_len = r->owner_len;
	memcpy(m.keys, e->keys.key, sizeof m.keys);
	memcpy(m.links, r->links, sizeof m.links);
	size_t mn = lfm_meta_encode(&m, mb, sizeof mb);
	if (!mn)
		return lfm_txn_fail(t, ZT_EINVALID);

	lfm_db_put(t, DB_RECORDS, e->hash, 32, e->bytes, e->size, 0);
	lfm_db_put(t, DB_META, e->hash, 32, mb, mn, 0);
	zt_put_be64(k, m.seq);
	lfm_db_put(t, DB_LOG, k, 8, e->hash, 32, MDB_APPEND);
	c->records++;
	c->bytes += e->size;
	c->unsynced++;
	t->counters_dirty = true;

	memset(&st, 0, sizeof st);
	st.weight_lo = m.score;
	st.rep = reputation(t, &m);

	/* Records that arrived earlier and link to this one. */
	MDB_cursor *cur = lfm_cursor(t, DB_WAIT);
	if (cur) {
		MDB_val wk = { 32, (void *)e->hash };
		size_t cnt = 0;
		if (mdb_cursor_get(cur, &wk, &v, MDB_SET) == MDB_SUCCESS && mdb_cursor_count(cur, &cnt) == MDB_SUCCESS)
			st.inlinks = (uint32_t)cnt;
		mdb_cursor_close(cur);
	}

	for (unsigned i = 0; i < r->link_count && !t->err; i++) {
		struct lfm_state ls;
		zt_err le = lfm_get_state(t, r->links[i], &ls);
		if (le == ZT_OK) {
			inlinks_bump(t, r->links[i], &ls);
			if (ls.flags & LFM_STATE_SYNCED)
				continue;
		} else if (le != ZT_ENOTFOUND) {
			return lfm_txn_fail(t, le);
		}
		st.pending++;
		lfm_db_put(t, DB_WAIT, r->links[i], 32, e->hash, 32, MDB_NODUPDATA);
	}
	lfm_put_state(t, e->hash, &st);
	if (m.pulse_token) {
		uint8_t tk[8];
		zt_put_be64(tk, m.pulse_token);
		lfm_db_put(t, DB_PULSE, tk, 8, e->hash, 32, MDB_NODUPDATA);
	}
	size_t kn = lfm_idowner_key(k, m.id, m.owner, m.owner_len);
	zt_put_be64(k + kn, m.seq);
	lfm_db_put(t, DB_IDREC, k, kn + 8, e->hash, 32, 0);
	idowner_update(t, &m, true, -1);
	if (!st.pending && !t->err)
		sync_cascade(t, e->hash, drift);
	return t->err;
}
