/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The LF mirror's LMDB store (src/lf/mirror/store*.c) against real LMDB files in a temporary
 * directory: the records of the test network's dump (tests/vectors/lf/testnet_dump.txt) with the
 * reference's observed reputations and weights, arrival out of order, synthetic DAGs for the
 * temporal rule and the weight bound, pulses, persistence across a reopen.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "lf/mirror/store.h"
#include "lf/pulse.h"
#include "node/buf.h"
#include "vec.h"

#define DRIFT 60
#define DUMP_MAX 2048

static char dir[64];
static uint8_t dump[DUMP_MAX];
static size_t dump_len;
/* The dump's records: 0, 1 genesis; 2 the locator (P-224 owner); 3 the impostor (same ID). */
static struct lfm_entry recs[4];

/* An entry from wire bytes, with what accept.c would compute (keys, score from the stated work). */
static void entry_from(struct lfm_entry *e, const uint8_t *p, size_t n, size_t *used)
{
	struct zt_lf_record_hashes h;
	memset(e, 0, sizeof *e);
	ck_assert_int_eq(zt_lf_record_parse(&e->rec, p, n, used), ZT_OK);
	ck_assert_int_eq(zt_lf_record_hashes(&e->rec, &h), ZT_OK);
	ck_assert_int_eq(zt_lf_record_keys(&e->rec, &h, &e->keys), ZT_OK);
	memcpy(e->hash, h.hash, 32);
	e->size = *used;
	e->bytes = malloc(*used);
	memcpy(e->bytes, p, *used);
	e->score = e->rec.work_algorithm ? zt_lf_wharrgarbl_score(zt_be32(e->rec.work + 10)) : ZT_LF_SCORE_NO_WORK;
	e->approval = e->rec.type == ZT_LF_TYPE_GENESIS ? LFM_APPROVED_GENESIS : LFM_APPROVED_WORK;
}

static void setup(void)
{
	struct vec_file f;
	size_t off = 0;
	zt_log_init("test", ZT_LOG_ERROR);
	snprintf(dir, sizeof dir, "/tmp/zt-lfstore-XXXXXX");
	ck_assert(mkdtemp(dir) != NULL);
	vec_load(&f, "lf/testnet_dump.txt");
	dump_len = vec_hex(vec_get(&f, "dump"), dump, sizeof dump);
	vec_free(&f);
	for (int i = 0; i < 4; i++) {
		size_t used;
		entry_from(&recs[i], dump + off, dump_len - off, &used);
		off += used;
	}
	ck_assert_uint_eq(off, dump_len);
}

static void teardown(void)
{
	char cmd[128];
	for (int i = 0; i < 4; i++)
		lfm_entry_free(&recs[i]);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void insert(struct lfm_store *s, const struct lfm_entry *e, zt_err want)
{
	struct lfm_txn t;
	ck_assert_int_eq(lfm_txn_begin(s, &t, true), ZT_OK);
	ck_assert_int_eq(lfm_insert(&t, e, DRIFT), want);
	ck_assert_int_eq(want == ZT_OK ? lfm_txn_commit(&t) : (lfm_txn_abort(&t), ZT_OK), ZT_OK);
}

static struct lfm_state state_of(struct lfm_store *s, const uint8_t hash[32])
{
	struct lfm_txn t;
	struct lfm_state st;
	ck_assert_int_eq(lfm_txn_begin(s, &t, false), ZT_OK);
	ck_assert_int_eq(lfm_get_state(&t, hash, &st), ZT_OK);
	lfm_txn_abort(&t);
	return st;
}

static struct lfm_counters counters_of(struct lfm_store *s)
{
	struct lfm_txn t;
	ck_assert_int_eq(lfm_txn_begin(s, &t, false), ZT_OK);
	struct lfm_counters c = *lfm_counters(&t);
	lfm_txn_abort(&t);
	return c;
}

struct hits {
	uint8_t h[8][32];
	size_t n;
};

static bool collect(void *arg, const uint8_t hash[static 32])
{
	struct hits *x = arg;
	if (x->n < 8)
		memcpy(x->h[x->n++], hash, 32);
	return true;
}

START_TEST(meta_codec_roundtrip)
{
	struct lfm_meta m, d;
	uint8_t buf[2048];
	memset(&m, 0, sizeof m);
	m.seq = 7;
	m.ts = 1795604077;
	m.pulse_token = 0xfedcba9876543210ULL;
	m.score = 510939;
	m.size = 241;
	m.type = 0;
	m.approval = LFM_APPROVED_WORK;
	m.nsel = 2;
	m.nlinks = 3;
	m.owner_len = 14;
	for (int i = 0; i < 14; i++)
		m.owner[i] = (uint8_t)i;
	memset(m.id, 0xaa, 32);
	memset(m.keys[0], 1, 32);
	memset(m.keys[1], 2, 32);
	for (int i = 0; i < 3; i++)
		memset(m.links[i], 0x10 + i, 32);
	size_t n = lfm_meta_encode(&m, buf, sizeof buf);
	ck_assert_uint_gt(n, 0);
	ck_assert_int_eq(lfm_meta_decode(&d, buf, n), ZT_OK);
	ck_assert_int_eq(memcmp(&m, &d, sizeof m), 0);
	ck_assert_int_eq(lfm_meta_decode(&d, buf, n - 1), ZT_ETRUNCATED);
	buf[0] = 99;
	ck_assert_int_eq(lfm_meta_decode(&d, buf, n), ZT_EUNSUPPORTED);
	ck_assert_uint_eq(lfm_meta_encode(&m, buf, 10), 0);
}
END_TEST

/* The reference node's observed state after importing the dump in order (lf.md §1.4, §1.5, §3.6). */
START_TEST(testnet_dump_in_order)
{
	struct lfm_store *s;
	struct lfm_txn t;
	ck_assert_int_eq(lfm_store_open(&s, dir, 64 << 20), ZT_OK);
	for (int i = 0; i < 4; i++)
		insert(s, &recs[i], ZT_OK);
	insert(s, &recs[2], ZT_EEXIST);

	struct lfm_counters c = counters_of(s);
	ck_assert_uint_eq(c.records, 4);
	ck_assert_uint_eq(c.bytes, dump_len);
	ck_assert_uint_eq(c.unsynced, 0);
	ck_assert_uint_eq(c.next_seq, 5);

	struct lfm_state loc = state_of(s, recs[2].hash), imp = state_of(s, recs[3].hash);
	ck_assert(loc.flags & LFM_STATE_SYNCED);
	ck_assert_uint_eq(loc.rep, LFM_REP_NORMAL);
	ck_assert_uint_eq(imp.rep, LFM_REP_COLLISION); /* same record ID, another owner, later */
	ck_assert_uint_eq(loc.weight_lo, 1045302);     /* 510939 + the impostor's 534363 */
	ck_assert_uint_eq(imp.weight_lo, 534363);
	ck_assert_uint_eq(loc.inlinks, 1);
	ck_assert_uint_eq(state_of(s, recs[0].hash).inlinks, 2);

	/* Range scan on selector 0: both records under the locator name's key. */
	struct hits hits = { 0 };
	const uint8_t *k = recs[2].keys.key[0];
	ck_assert_int_eq(lfm_txn_begin(s, &t, false), ZT_OK);
	ck_assert_int_eq(lfm_sel_scan(&t, 0, k, k, collect, &hits), ZT_OK);
	ck_assert_uint_eq(hits.n, 2);
	hits.n = 0;
	ck_assert_int_eq(lfm_sel_scan(&t, 1, k, k, collect, &hits), ZT_OK);
	ck_assert_uint_eq(hits.n, 0);

	/* Owner figures count synchronised records. */
	uint64_t count, bytes;
	ck_assert_int_eq(lfm_owner_stats(&t, recs[2].rec.owner, recs[2].rec.owner_len, &count, &bytes), ZT_OK);
	ck_assert_uint_eq(count, 1);
	ck_assert_uint_eq(bytes, 241);
	uint8_t newest[32];
	ck_assert_int_eq(lfm_owner_newest(&t, recs[2].rec.owner, recs[2].rec.owner_len,
					  (const uint8_t(*)[32])recs[2].keys.key, 1, newest), ZT_OK);
	ck_assert_int_eq(memcmp(newest, recs[2].hash, 32), 0);
	ck_assert_int_eq(lfm_owner_newest(&t, recs[2].rec.owner, recs[2].rec.owner_len,
					  (const uint8_t(*)[32])recs[2].keys.key, 0, newest), ZT_ENOTFOUND);

	/* Link suggestions: reputation-63 records only, the least linked first. */
	uint8_t links[15][32];
	size_t nl = lfm_links(&t, links, 15);
	ck_assert_uint_eq(nl, 3);
	ck_assert_int_eq(memcmp(links[0], recs[2].hash, 32), 0);
	for (size_t i = 0; i < nl; i++)
		ck_assert_int_ne(memcmp(links[i], recs[3].hash, 32), 0);
	lfm_txn_abort(&t);
	lfm_store_close(s);
}
END_TEST

struct walk {
	uint8_t buf[DUMP_MAX];
	size_t len;
	uint64_t seqs[8];
	size_t n;
};

static bool walk_one(void *arg, uint64_t seq, const uint8_t *bytes, size_t n)
{
	struct walk *w = arg;
	memcpy(w->buf + w->len, bytes, n);
	w->len += n;
	w->seqs[w->n++] = seq;
	return true;
}

/* Records arriving before the records they link to wait, then synchronise in a cascade. */
START_TEST(out_of_order_then_reopen)
{
	struct lfm_store *s;
	struct lfm_txn t;
	ck_assert_int_eq(lfm_store_open(&s, dir, 64 << 20), ZT_OK);
	insert(s, &recs[3], ZT_OK); /* the impostor first: links to 1 and 2, neither here */
	insert(s, &recs[2], ZT_OK);
	insert(s, &recs[1], ZT_OK);
	struct lfm_counters c = counters_of(s);
	ck_assert_uint_eq(c.unsynced, 3);
	ck_assert(!(state_of(s, recs[3].hash).flags & LFM_STATE_SYNCED));
	ck_assert_uint_eq(state_of(s, recs[2].hash).inlinks, 1); /* counted when it arrived */
	insert(s, &recs[0], ZT_OK);
	c = counters_of(s);
	ck_assert_uint_eq(c.unsynced, 0);
	struct lfm_state imp = state_of(s, recs[3].hash), loc = state_of(s, recs[2].hash);
	ck_assert(imp.flags & LFM_STATE_SYNCED);
	/* Both arrived before either was synchronised: both end up with 0 (lf.md §1.5). */
	ck_assert_uint_eq(imp.rep, LFM_REP_COLLISION);
	ck_assert_uint_eq(loc.rep, LFM_REP_COLLISION);
	ck_assert_uint_eq(loc.weight_lo, 1045302);
	lfm_store_close(s);

	/* Reopen: everything is still there, the log in arrival order. */
	ck_assert_int_eq(lfm_store_open(&s, dir, 64 << 20), ZT_OK);
	c = counters_of(s);
	ck_assert_uint_eq(c.records, 4);
	struct walk w = { .len = 0 };
	ck_assert_int_eq(lfm_txn_begin(s, &t, false), ZT_OK);
	for (int i = 0; i < 4; i++) {
		struct zt_lf_record r = { 0 };
		ck_assert_int_eq(lfm_get_record(&t, recs[i].hash, &r), ZT_OK);
		ck_assert_uint_eq(r.timestamp, recs[i].rec.timestamp);
		zt_lf_record_clear(&r);
	}
	uint64_t next;
	ck_assert_int_eq(lfm_log_walk(&t, 1, 0, walk_one, &w, &next), ZT_OK);
	ck_assert_uint_eq(w.n, 4);
	ck_assert_uint_eq(next, 5);
	ck_assert_uint_eq(w.len, dump_len);
	ck_assert_int_eq(memcmp(w.buf, recs[3].bytes, recs[3].size), 0);
	w.n = w.len = 0;
	ck_assert_int_eq(lfm_log_walk(&t, 2, 3, walk_one, &w, &next), ZT_OK);
	ck_assert_uint_eq(w.n, 2);
	ck_assert_uint_eq(w.seqs[0], 2);
	lfm_txn_abort(&t);
	lfm_store_close(s);
}
END_TEST

/* The impostor's pulse that the reference accepted (10 minutes), accepted once here too. */
START_TEST(pulse_accepted_once)
{
	struct lfm_store *s;
	struct lfm_txn t;
	struct vec_file f;
	uint8_t pulse[ZT_LF_PULSE_SIZE];
	uint64_t key;
	uint32_t minutes;
	bool ok;
	vec_load(&f, "lf/record_testnet_impostor.txt");
	ck_assert_uint_eq(vec_hex(vec_get(&f, "pulse.bytes"), pulse, sizeof pulse), sizeof pulse);
	vec_free(&f);
	zt_lf_pulse_parse(pulse, &key, &minutes);
	uint64_t token = zt_lf_th64n(key, minutes), now = recs[3].rec.timestamp + 60 * minutes;
	ck_assert_uint_eq(token, recs[3].rec.pulse_token);

	ck_assert_int_eq(lfm_store_open(&s, dir, 64 << 20), ZT_OK);
	for (int i = 0; i < 4; i++)
		insert(s, &recs[i], ZT_OK);
	ck_assert_int_eq(lfm_txn_begin(s, &t, true), ZT_OK);
	ck_assert_int_eq(lfm_pulse_apply(&t, token, minutes, now + DRIFT + 1, DRIFT, &ok), ZT_OK);
	ck_assert(!ok); /* outside the drift window */
	ck_assert_int_eq(lfm_pulse_apply(&t, token, minutes, now, DRIFT, &ok), ZT_OK);
	ck_assert(ok);
	ck_assert_int_eq(lfm_pulse_apply(&t, token, minutes, now, DRIFT, &ok), ZT_OK);
	ck_assert(!ok); /* a replay */
	ck_assert_int_eq(lfm_pulse_apply(&t, token + 1, minutes, now, DRIFT, &ok), ZT_OK);
	ck_assert(!ok);
	ck_assert_int_eq(lfm_txn_commit(&t), ZT_OK);
	ck_assert_uint_eq(state_of(s, recs[3].hash).pulse_minutes, 10);
	lfm_store_close(s);
}
END_TEST

/* ---------------------------------------------------------------- synthetic DAGs */

/* A record the store accepts as given (nothing verifies it here): owner bytes `who`, one selector key. */
static void synth(struct lfm_entry *e, uint8_t who, uint64_t ts, const uint8_t (*links)[32], unsigned nlinks,
		  const uint8_t key[32], uint32_t score)
{
	struct zt_lf_record_hashes h;
	uint8_t owner[32], sig[64];
	memset(e, 0, sizeof *e);
	memset(owner, who, sizeof owner);
	memset(sig, 0x5a, sizeof sig);
	zt_lf_record_set_owner(&e->rec, owner, sizeof owner);
	zt_lf_record_set_signature(&e->rec, sig, sizeof sig);
	e->rec.timestamp = ts;
	for (unsigned i = 0; i < nlinks; i++)
		memcpy(e->rec.links[i], links[i], 32);
	e->rec.link_count = nlinks;
	if (key) {
		e->rec.selector_count = 1;
		e->rec.selectors[0].ordinal[15] = (uint8_t)ts;
		e->keys.count = 1;
		memcpy(e->keys.key[0], key, 32);
	}
	e->size = zt_lf_record_size(&e->rec);
	e->bytes = malloc(e->size);
	struct zt_wbuf w = zt_wbuf_init(e->bytes, e->size);
	ck_assert_int_eq(zt_lf_record_serialize(&e->rec, &w), ZT_OK);
	ck_assert_int_eq(zt_lf_record_hashes(&e->rec, &h), ZT_OK);
	memcpy(e->hash, h.hash, 32);
	memset(e->keys.id, who, 32); /* one record ID per owner: no collisions between them */
	e->score = score;
	e->approval = LFM_APPROVED_OWNER;
}

/* A record linking to one far newer than itself gets reputation 48 (lf.md §1.5). */
START_TEST(temporal_violation)
{
	struct lfm_store *s;
	struct lfm_entry a, b, c;
	uint8_t key[32] = { 7 };
	ck_assert_int_eq(lfm_store_open(&s, dir, 64 << 20), ZT_OK);
	synth(&a, 1, 1000000, NULL, 0, key, 10);
	synth(&b, 2, 1000000 - DRIFT - 1, (const uint8_t(*)[32])a.hash, 1, key, 10);
	synth(&c, 3, 1000000 - DRIFT, (const uint8_t(*)[32])a.hash, 1, key, 10);
	insert(s, &a, ZT_OK);
	insert(s, &b, ZT_OK);
	insert(s, &c, ZT_OK);
	ck_assert_uint_eq(state_of(s, b.hash).rep, LFM_REP_TEMPORAL);
	ck_assert_uint_eq(state_of(s, c.hash).rep, LFM_REP_NORMAL);
	/* 48 is not a link candidate. */
	struct lfm_txn t;
	uint8_t links[15][32];
	ck_assert_int_eq(lfm_txn_begin(s, &t, false), ZT_OK);
	size_t n = lfm_links(&t, links, 15);
	lfm_txn_abort(&t);
	ck_assert_uint_eq(n, 2);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_ne(memcmp(links[i], b.hash, 32), 0);
	lfm_entry_free(&a);
	lfm_entry_free(&b);
	lfm_entry_free(&c);
	lfm_store_close(s);
}
END_TEST

/* A chain: each record's score reaches at most LFM_WEIGHT_MAX_ANCESTORS ancestors. */
START_TEST(weight_bound_on_a_chain)
{
	enum { N = LFM_WEIGHT_MAX_ANCESTORS + 20 };
	struct lfm_store *s;
	struct lfm_entry *e = calloc(N, sizeof *e);
	uint8_t key[32] = { 9 };
	ck_assert_int_eq(lfm_store_open(&s, dir, 64 << 20), ZT_OK);
	for (int i = 0; i < N; i++) {
		synth(&e[i], 4, 2000000 + (uint64_t)i, i ? (const uint8_t(*)[32])e[i - 1].hash : NULL, i ? 1 : 0, key, 100);
		insert(s, &e[i], ZT_OK);
	}
	ck_assert_uint_eq(state_of(s, e[0].hash).weight_lo, 100 + 100 * LFM_WEIGHT_MAX_ANCESTORS);
	ck_assert_uint_eq(state_of(s, e[N - 1].hash).weight_lo, 100);
	ck_assert_uint_eq(state_of(s, e[N - 2].hash).weight_lo, 200);
	/* All under one key, one owner: a range scan finds them all, the owner counts them all. */
	struct lfm_txn t;
	uint64_t count, bytes;
	ck_assert_int_eq(lfm_txn_begin(s, &t, false), ZT_OK);
	ck_assert_int_eq(lfm_owner_stats(&t, e[0].rec.owner, 32, &count, &bytes), ZT_OK);
	ck_assert_uint_eq(count, N);
	uint8_t newest[32];
	ck_assert_int_eq(lfm_owner_newest(&t, e[0].rec.owner, 32, (const uint8_t(*)[32])&key, 1, newest), ZT_OK);
	ck_assert_int_eq(memcmp(newest, e[N - 1].hash, 32), 0);
	lfm_txn_abort(&t);
	for (int i = 0; i < N; i++)
		lfm_entry_free(&e[i]);
	free(e);
	lfm_store_close(s);
}
END_TEST

/* A failed operation makes the whole transaction fail at commit, and nothing of it is kept. */
START_TEST(sticky_error_and_limbo)
{
	struct lfm_store *s;
	struct lfm_txn t;
	const uint8_t *p;
	size_t n;
	ck_assert_int_eq(lfm_store_open(&s, dir, 64 << 20), ZT_OK);
	ck_assert_int_eq(lfm_txn_begin(s, &t, true), ZT_OK);
	ck_assert_int_eq(lfm_insert(&t, &recs[0], DRIFT), ZT_OK);
	lfm_txn_fail(&t, ZT_EDB);
	ck_assert_int_eq(lfm_insert(&t, &recs[1], DRIFT), ZT_EDB);
	ck_assert_int_eq(lfm_txn_commit(&t), ZT_EDB);
	ck_assert_uint_eq(counters_of(s).records, 0);

	ck_assert_int_eq(lfm_txn_begin(s, &t, true), ZT_OK);
	ck_assert_int_eq(lfm_limbo_put(&t, recs[2].hash, recs[2].bytes, recs[2].size), ZT_OK);
	ck_assert_int_eq(lfm_limbo_put(&t, recs[2].hash, recs[2].bytes, recs[2].size), ZT_EEXIST);
	ck_assert_int_eq(lfm_info_put(&t, "x", "ab", 2), ZT_OK);
	ck_assert_int_eq(lfm_info_append(&t, "x", "cd", 2), ZT_OK);
	ck_assert_int_eq(lfm_txn_commit(&t), ZT_OK);
	struct lfm_counters c = counters_of(s);
	ck_assert_uint_eq(c.limbo, 1);
	ck_assert_uint_eq(c.records, 0);
	ck_assert_int_eq(lfm_txn_begin(s, &t, false), ZT_OK);
	ck_assert_int_eq(lfm_info_get(&t, "x", &p, &n), ZT_OK);
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(memcmp(p, "abcd", 4), 0);
	ck_assert_int_eq(lfm_info_get(&t, "y", &p, &n), ZT_ENOTFOUND);
	ck_assert(!lfm_has(&t, recs[2].hash));
	lfm_txn_abort(&t);
	lfm_store_close(s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lf_store");
	TCase *tc = tcase_create("lmdb");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, meta_codec_roundtrip);
	tcase_add_test(tc, testnet_dump_in_order);
	tcase_add_test(tc, out_of_order_then_reopen);
	tcase_add_test(tc, pulse_accepted_once);
	tcase_add_test(tc, temporal_violation);
	tcase_add_test(tc, weight_bound_on_a_chain);
	tcase_add_test(tc, sticky_error_and_limbo);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
