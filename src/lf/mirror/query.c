/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /query (lf.md §3.5): ranges become intervals of selector keys; a range scan over selector
 * position 0 finds the candidates, the other positions filter them; candidates are grouped by
 * (tuple of selector keys, owner) into entries (the newest record, summed weight, lowest
 * reputation), filtered, and gathered into one result set per key tuple, in ordinal order.
 *
 * Documented improvements over the reference (lf.md §5.4, §5.7): every set is sorted (Trust, then
 * Weight, descending) even without oracles, and entries are never merged into another key tuple's
 * set. One limit of our own: an answer of more than "maxQueryResults" entries is refused.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lf/lfcrypto.h"
#include "lf/mirror/mirror.h"
#include "node/buf.h"

#define QUERY_FAILED "query failed: "
/*
 * Selector keys of names recently asked for, by (SHA256(name), ordinal). Deriving one costs about
 * a millisecond (the name's key pair and four order-preserving alphabets), far more than the
 * lookup itself, and roots ask for the same locators again and again.
 */
#define KEY_CACHE_SLOTS 4096
#define CANDIDATES_PER_RESULT 10 /* records looked at per answer entry allowed, before giving up */
#define AUTH_PENALTY 0.9

struct key_slot {
	uint8_t name[32];
	uint64_t ordinal;
	uint8_t key[LFM_KEY_SIZE];
	bool used;
};
static struct key_slot key_cache[KEY_CACHE_SLOTS];
static pthread_mutex_t key_cache_lock = PTHREAD_MUTEX_INITIALIZER;

static size_t key_slot_of(const uint8_t name[32], uint64_t ordinal)
{
	return (size_t)((zt_be64(name) ^ (ordinal * 0x9e3779b97f4a7c15ULL)) % KEY_CACHE_SLOTS);
}

/* MakeSelectorKey(name, lo) and (name, hi), through the cache. */
static zt_err range_keys(const struct zt_lf_query_range *r, uint8_t lo[static LFM_KEY_SIZE],
			 uint8_t hi[static LFM_KEY_SIZE])
{
	uint8_t nh[32], ord[ZT_LF_ORDINAL_SIZE];
	uint64_t want[2] = { r->lo, r->hi };
	uint8_t *out[2] = { lo, hi };
	bool have[2] = { false, false }, nk_done = false;
	struct zt_lf_name_key nk;
	zt_lf_sha256(nh, r->name, r->name_len);
	pthread_mutex_lock(&key_cache_lock);
	for (int i = 0; i < 2; i++) {
		const struct key_slot *ks = &key_cache[key_slot_of(nh, want[i])];
		if (ks->used && ks->ordinal == want[i] && !memcmp(ks->name, nh, 32)) {
			memcpy(out[i], ks->key, LFM_KEY_SIZE);
			have[i] = true;
		}
	}
	pthread_mutex_unlock(&key_cache_lock);
	for (int i = 0; i < 2; i++) {
		zt_err e;
		if (have[i])
			continue;
		if (i == 1 && want[1] == want[0]) {
			memcpy(hi, lo, LFM_KEY_SIZE);
			continue;
		}
		if (!nk_done && (e = zt_lf_name_key(&nk, r->name, r->name_len)))
			return e;
		nk_done = true;
		if ((e = zt_lf_ordinal_set(ord, want[i], r->name, r->name_len)))
			return e;
		zt_lf_selector_key_of(out[i], &nk, ord);
		pthread_mutex_lock(&key_cache_lock);
		struct key_slot *ks = &key_cache[key_slot_of(nh, want[i])];
		memcpy(ks->name, nh, 32);
		ks->ordinal = want[i];
		memcpy(ks->key, out[i], LFM_KEY_SIZE);
		ks->used = true;
		pthread_mutex_unlock(&key_cache_lock);
	}
	return ZT_OK;
}

struct cand {
	uint8_t hash[ZT_LF_HASH_SIZE];
	uint8_t id[32];
	uint8_t owner[ZT_LF_OWNER_MAX_LEN];
	uint8_t owner_len, nsel, rep;
	uint64_t ts, seq, weight_hi, weight_lo;
	uint32_t size, pulse_minutes;
	uint8_t (*keys)[LFM_KEY_SIZE]; /* nsel keys, in the arena */
};

struct scan {
	struct lfm_txn *t;
	const uint8_t (*lo)[LFM_KEY_SIZE], (*hi)[LFM_KEY_SIZE];
	unsigned nranges;
	struct cand *c;
	size_t n, cap, max;
	uint8_t (*arena)[LFM_KEY_SIZE];
	size_t arena_n, arena_cap;
	bool too_many, nomem;
};

static bool scan_one(void *arg, const uint8_t hash[static ZT_LF_HASH_SIZE])
{
	struct scan *s = arg;
	struct lfm_meta m;
	struct lfm_state st;
	if (lfm_get_meta(s->t, hash, &m) != ZT_OK || lfm_get_state(s->t, hash, &st) != ZT_OK)
		return true;
	if (m.nsel < s->nranges)
		return true;
	for (unsigned i = 1; i < s->nranges; i++)
		if (memcmp(m.keys[i], s->lo[i], LFM_KEY_SIZE) < 0 || memcmp(m.keys[i], s->hi[i], LFM_KEY_SIZE) > 0)
			return true;
	if (s->n == s->max) {
		s->too_many = true;
		return false;
	}
	if (s->n == s->cap) {
		size_t nc = s->cap ? 2 * s->cap : 64;
		void *p = realloc(s->c, nc * sizeof *s->c);
		if (!p) {
			s->nomem = true;
			return false;
		}
		s->c = p;
		s->cap = nc;
	}
	if (s->arena_n + m.nsel > s->arena_cap) {
		size_t nc = s->arena_cap ? 2 * s->arena_cap : 256;
		while (nc < s->arena_n + m.nsel)
			nc *= 2;
		void *p = realloc(s->arena, nc * LFM_KEY_SIZE);
		if (!p) {
			s->nomem = true;
			return false;
		}
		s->arena = p;
		s->arena_cap = nc;
	}
	struct cand *c = &s->c[s->n++];
	memcpy(c->hash, hash, ZT_LF_HASH_SIZE);
	memcpy(c->id, m.id, 32);
	memcpy(c->owner, m.owner, m.owner_len);
	c->owner_len = (uint8_t)m.owner_len;
	c->nsel = m.nsel;
	c->rep = st.rep;
	c->ts = m.ts;
	c->seq = m.seq;
	c->weight_hi = st.weight_hi;
	c->weight_lo = st.weight_lo;
	c->size = m.size;
	c->pulse_minutes = st.pulse_minutes;
	memcpy(s->arena[s->arena_n], m.keys, (size_t)m.nsel * LFM_KEY_SIZE);
	c->keys = (void *)(uintptr_t)s->arena_n; /* an index until the arena stops moving */
	s->arena_n += m.nsel;
	return true;
}

static int keys_cmp(const struct cand *a, const struct cand *b)
{
	if (a->nsel != b->nsel)
		return a->nsel < b->nsel ? -1 : 1;
	return memcmp(a->keys, b->keys, (size_t)a->nsel * LFM_KEY_SIZE);
}

static int group_cmp(const struct cand *a, const struct cand *b)
{
	int c = keys_cmp(a, b);
	if (c)
		return c;
	if (a->owner_len != b->owner_len)
		return a->owner_len < b->owner_len ? -1 : 1;
	return memcmp(a->owner, b->owner, a->owner_len);
}

static int cand_cmp(const void *x, const void *y)
{
	const struct cand *a = x, *b = y;
	int c = group_cmp(a, b);
	if (c)
		return c;
	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* One entry under construction: a group of candidates [first, last]; `newest` is last. */
struct group {
	size_t first, last;
	uint64_t weight_hi, weight_lo;
	uint8_t rep;
	double slander;
};

static void weight_words(uint32_t w[4], uint64_t hi, uint64_t lo)
{
	w[0] = (uint32_t)(hi >> 32);
	w[1] = (uint32_t)hi;
	w[2] = (uint32_t)(lo >> 32);
	w[3] = (uint32_t)lo;
}

/* Outer order of the sets: selector count, then masked ordinals selector by selector. */
static int set_cmp(const void *x, const void *y)
{
	const struct zt_lf_query_set *a = x, *b = y;
	const struct zt_lf_record *ra = &a->entries[0].record, *rb = &b->entries[0].record;
	if (ra->selector_count != rb->selector_count)
		return ra->selector_count < rb->selector_count ? -1 : 1;
	for (unsigned i = 0; i < ra->selector_count; i++) {
		int c = memcmp(ra->selectors[i].ordinal, rb->selectors[i].ordinal, ZT_LF_ORDINAL_SIZE);
		if (c)
			return c;
	}
	return 0;
}

static int by_weight(const void *x, const void *y)
{
	const struct zt_lf_query_entry *a = x, *b = y;
	return -zt_lf_weight_cmp(a->weight, b->weight);
}

static int by_timestamp(const void *x, const void *y)
{
	const struct zt_lf_query_entry *a = x, *b = y;
	return a->record.timestamp < b->record.timestamp ? 1 : a->record.timestamp > b->record.timestamp ? -1 : 0;
}

static bool owner_wanted(const struct zt_lf_query *q, const struct cand *c)
{
	if (!q->nowners)
		return true;
	for (unsigned i = 0; i < q->nowners; i++)
		if (q->owners[i].len == c->owner_len && !memcmp(q->owners[i].pub, c->owner, c->owner_len))
			return true;
	return false;
}

zt_err lfm_query(struct lfm *m, const struct zt_lf_query_request *qr, char **body, size_t *len, char *why,
		 size_t whycap)
{
	const struct zt_lf_query *q = &qr->q;
	uint8_t lo[ZT_LF_MAX_QUERY_RANGES][LFM_KEY_SIZE], hi[ZT_LF_MAX_QUERY_RANGES][LFM_KEY_SIZE];
	struct scan s = { 0 };
	struct group *groups = NULL;
	struct zt_lf_query_result res = { 0 };
	struct zt_lf_str out = { 0 };
	struct lfm_txn t;
	const void *mk = q->masking_key;
	size_t mklen = q->masking_key_len, ngroups = 0;
	bool auth_certs;
	zt_err e;

	*body = NULL;
	*len = 0;
	if (q->nranges == 0) {
		snprintf(why, whycap, QUERY_FAILED "query requires at least one selector");
		return ZT_EINVALID;
	}
	for (unsigned i = 0; i < q->nranges; i++) {
		const struct zt_lf_query_range *r = &q->ranges[i];
		if (r->by_key) {
			memcpy(lo[i], r->key_lo, LFM_KEY_SIZE);
			memcpy(hi[i], r->key_hi, LFM_KEY_SIZE);
		} else if ((e = range_keys(r, lo[i], hi[i]))) {
			snprintf(why, whycap, QUERY_FAILED "cannot compute the selector keys: %s", zt_strerror(e));
			return ZT_EINVALID;
		}
	}
	if (!q->masking_key_set && !q->ranges[0].by_key) {
		mk = q->ranges[0].name;
		mklen = q->ranges[0].name_len;
	}
	if (q->noracles) {
		const char *so = qr->sort_order;
		if (so[0] && strcmp(so, "trust") && strcmp(so, "weight") && strcmp(so, "timestamp")) {
			snprintf(why, whycap, QUERY_FAILED "invalid sort order value");
			return ZT_EINVALID;
		}
	}
	pthread_rwlock_rdlock(&m->glock);
	auth_certs = m->genesis.params.auth_certificates_len > 0;
	pthread_rwlock_unlock(&m->glock);

	if ((e = lfm_txn_begin(m->store, &t, false)))
		return e;
	s.t = &t;
	s.lo = (const uint8_t(*)[LFM_KEY_SIZE])lo;
	s.hi = (const uint8_t(*)[LFM_KEY_SIZE])hi;
	s.nranges = q->nranges;
	s.max = m->cfg.max_query_results * CANDIDATES_PER_RESULT;
	if ((e = lfm_sel_scan(&t, 0, lo[0], hi[0], scan_one, &s)))
		goto out;
	if (s.nomem) {
		e = -ENOMEM;
		goto out;
	}
	if (s.too_many) {
		snprintf(why, whycap, QUERY_FAILED "more than %zu matching records: narrow the ranges",
			 s.max);
		e = ZT_EINVALID;
		goto out;
	}
	for (size_t i = 0; i < s.n; i++)
		s.c[i].keys = s.arena + (uintptr_t)s.c[i].keys;
	if (s.n)
		qsort(s.c, s.n, sizeof *s.c, cand_cmp);

	/* Groups (entries), filtered. */
	if (s.n && !(groups = calloc(s.n, sizeof *groups))) {
		e = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < s.n;) {
		size_t j = i;
		struct group g = { .first = i, .rep = s.c[i].rep };
		while (j < s.n && !group_cmp(&s.c[i], &s.c[j])) {
			uint64_t lo64 = g.weight_lo + s.c[j].weight_lo;
			g.weight_hi += s.c[j].weight_hi + (lo64 < g.weight_lo);
			g.weight_lo = lo64;
			if (s.c[j].rep < g.rep)
				g.rep = s.c[j].rep;
			j++;
		}
		g.last = j - 1;
		const struct cand *newest = &s.c[g.last];
		i = j;
		if (!owner_wanted(q, newest))
			continue;
		if (q->time_range && (newest->ts < q->time_min || newest->ts > q->time_max))
			continue;
		if (newest->nsel != q->nranges && !q->open)
			continue;
		if (q->noracles) {
			unsigned count = 0;
			for (size_t k = g.first; k <= g.last; k++)
				count += lfm_comment_count(&t, s.c[k].hash, q->oracles, q->noracles);
			g.slander = (double)count / q->noracles;
		}
		groups[ngroups++] = g;
	}
	if (ngroups > m->cfg.max_query_results) {
		snprintf(why, whycap, QUERY_FAILED "more than %zu results: narrow the ranges or name owners",
			 m->cfg.max_query_results);
		e = ZT_EINVALID;
		goto out;
	}
	/* slander(ID, owner): the highest among the entries of that record ID and owner. */
	if (q->noracles) {
		for (size_t i = 0; i < ngroups; i++)
			for (size_t j = 0; j < ngroups; j++) {
				const struct cand *a = &s.c[groups[i].last], *b = &s.c[groups[j].last];
				if (groups[j].slander > groups[i].slander && !memcmp(a->id, b->id, 32) &&
				    a->owner_len == b->owner_len && !memcmp(a->owner, b->owner, a->owner_len))
					groups[i].slander = groups[j].slander;
			}
	}

	/* Sets: consecutive entries with the same key tuple. */
	if (ngroups && !(res.sets = calloc(ngroups, sizeof *res.sets))) {
		e = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < ngroups && !e; i++) {
		const struct cand *c = &s.c[groups[i].last];
		struct zt_lf_query_set *set;
		if (i == 0 || keys_cmp(&s.c[groups[i - 1].last], c)) {
			set = &res.sets[res.nsets++];
			if (!(set->entries = calloc(ngroups - i, sizeof *set->entries))) {
				e = -ENOMEM;
				break;
			}
		} else {
			set = &res.sets[res.nsets - 1];
		}
		struct zt_lf_query_entry *en = &set->entries[set->n];
		if ((e = lfm_get_record(&t, c->hash, &en->record)))
			break;
		set->n++;
		memcpy(en->hash, c->hash, sizeof en->hash);
		en->size = c->size;
		en->pulse = c->ts + 60 * (uint64_t)c->pulse_minutes;
		weight_words(en->weight, groups[i].weight_hi, groups[i].weight_lo);
		en->local_trust = groups[i].rep >= LFM_REP_NORMAL ? 1.0 : 0.0;
		if (q->noracles) {
			double n = q->noracles;
			en->oracle_trust = groups[i].slander < 1.0 ? 1.0 - groups[i].slander : 0.0;
			en->trust = (en->local_trust + en->oracle_trust * n) / (n + 1);
			if (auth_certs)
				en->trust *= AUTH_PENALTY;
		} else {
			en->oracle_trust = en->trust = en->local_trust;
		}
		if (en->record.value_len &&
		    zt_lf_record_value(&en->record, mk, mklen, &en->value, &en->value_len) == ZT_OK)
			en->has_value = true;
	}
	if (e)
		goto out;
	if (res.nsets)
		qsort(res.sets, res.nsets, sizeof *res.sets, set_cmp);
	if (q->noracles && !strcmp(qr->sort_order, "weight")) {
		for (size_t i = 0; i < res.nsets; i++)
			qsort(res.sets[i].entries, res.sets[i].n, sizeof *res.sets[i].entries, by_weight);
	} else if (q->noracles && !strcmp(qr->sort_order, "timestamp")) {
		for (size_t i = 0; i < res.nsets; i++)
			qsort(res.sets[i].entries, res.sets[i].n, sizeof *res.sets[i].entries, by_timestamp);
	} else {
		zt_lf_query_result_sort(&res);
	}
	if (q->noracles && qr->has_limit && qr->limit > 0)
		for (size_t i = 0; i < res.nsets; i++)
			while (res.sets[i].n > (size_t)qr->limit) {
				struct zt_lf_query_entry *en = &res.sets[i].entries[--res.sets[i].n];
				zt_lf_record_clear(&en->record);
				free(en->value);
				memset(en, 0, sizeof *en);
			}
	if ((e = zt_lfapi_query_result_write(&out, &res)))
		goto out;
	*body = zt_lf_str_take(&out, len);
	if (!*body)
		e = -ENOMEM;
out:
	lfm_txn_abort(&t);
	zt_lf_str_free(&out);
	zt_lf_query_result_free(&res);
	free(groups);
	free(s.c);
	free(s.arena);
	return e;
}
