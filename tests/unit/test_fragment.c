/* SPDX-License-Identifier: Apache-2.0 */
/* Fragmentation (packet.md §9): split, reassembly in any order, limits, slot bounds, expiry. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "node/fragment.h"

#define MAX_PIECES ZT_MAX_PACKET_FRAGMENTS
#define DGRAM_CAP 2048

static struct zt_defrag table;
static struct zt_peer_key pk;

static void setup(void)
{
	uint8_t key[48];
	ck_assert_int_eq(zt_crypto_init(), ZT_OK);
	for (unsigned i = 0; i < sizeof key; i++)
		key[i] = (uint8_t)(i * 7 + 1);
	ck_assert_int_eq(zt_peer_key_init(&pk, key), ZT_OK);
	zt_defrag_init(&table);
}

static void teardown(void)
{
	zt_peer_key_free(&pk);
}

static uint32_t rng = 1;
static uint32_t next(void)
{
	rng = rng * 1103515245u + 12345u;
	return rng >> 8;
}

/* Builds an armored packet of `len` bytes (FRAGMENTED set when it will not fit in `mtu`). */
static void make_packet(uint8_t *pkt, size_t len, size_t mtu, uint64_t id, unsigned cipher)
{
	for (size_t i = 0; i < len; i++)
		pkt[i] = (uint8_t)next();
	zt_packet_init(pkt, id, 0x1122334455ULL, 0x6677889900ULL, ZT_VERB_FRAME);
	zt_packet_set_fragmented(pkt, zt_fragment_needed(len, mtu));
	ck_assert_int_eq(zt_packet_armor(pkt, len, &pk, cipher), ZT_OK);
}

struct pieces {
	uint8_t d[MAX_PIECES][DGRAM_CAP];
	size_t len[MAX_PIECES];
	int n;
};

static void split(struct pieces *p, const uint8_t *pkt, size_t len, size_t mtu)
{
	p->n = zt_fragment_count(len, mtu);
	ck_assert_int_gt(p->n, 0);
	size_t total = 0;
	for (int i = 0; i < p->n; i++) {
		long n = zt_fragment_build(p->d[i], DGRAM_CAP, pkt, len, mtu, (unsigned)i);
		ck_assert_int_gt(n, 0);
		ck_assert_uint_le((size_t)n, mtu);
		p->len[i] = (size_t)n;
		total += i ? (size_t)n - ZT_FRAGMENT_IDX_PAYLOAD : (size_t)n;
		if (i == 0) {
			ck_assert_int_eq(zt_packet_classify(p->d[i], p->len[i]), ZT_DATAGRAM_HEAD);
			continue;
		}
		ck_assert_int_eq(zt_packet_classify(p->d[i], p->len[i]), ZT_DATAGRAM_FRAGMENT);
		ck_assert_uint_eq(zt_fragment_packet_id(p->d[i]), zt_packet_id(pkt));
		ck_assert_uint_eq(zt_fragment_dest(p->d[i]), zt_packet_dest(pkt));
		ck_assert_uint_eq(zt_fragment_total(p->d[i]), (unsigned)p->n);
		ck_assert_uint_eq(zt_fragment_index(p->d[i]), (unsigned)i);
		ck_assert_uint_eq(zt_fragment_hops(p->d[i]), 0);
	}
	ck_assert_uint_eq(total, len);
}

/* Feeds pieces in `order` (duplicates allowed); expects completion exactly at the last new piece. */
static void feed(const struct pieces *p, const int *order, int norder, const uint8_t *want, size_t want_len,
		 int64_t now)
{
	static uint8_t out[ZT_PROTO_MAX_PACKET_LENGTH];
	unsigned seen = 0, all = (1u << p->n) - 1;
	bool done = false;
	for (int k = 0; k < norder; k++) {
		int i = order[k];
		size_t out_len = 0;
		zt_err err = zt_defrag_add(&table, p->d[i], p->len[i], now, out, sizeof out, &out_len);
		if (done) {
			/* A straggler after completion opens a new partial packet. */
			ck_assert_int_eq(err, ZT_EPENDING);
			continue;
		}
		if (seen & (1u << i)) {
			ck_assert_int_eq(err, ZT_EEXIST);
			continue;
		}
		seen |= 1u << i;
		if (seen != all) {
			ck_assert_int_eq(err, ZT_EPENDING);
			continue;
		}
		ck_assert_int_eq(err, ZT_OK);
		ck_assert_uint_eq(out_len, want_len);
		ck_assert_mem_eq(out, want, want_len);
		ck_assert_int_eq(zt_packet_dearmor(out, out_len, &pk), ZT_OK);
		ck_assert_uint_eq(zt_packet_verb(out), ZT_VERB_FRAME);
		done = true;
	}
	ck_assert(done);
}

START_TEST(split_reassemble)
{
	static uint8_t pkt[ZT_PROTO_MAX_PACKET_LENGTH];
	static struct pieces p;
	static const size_t mtus[] = { ZT_DEFAULT_PHYSMTU, ZT_MIN_PHYSMTU, 1500, 576 };
	static const size_t sizes[] = { 1433, 2000, 2848, 2849, 5000, 8500, 9928 };
	uint64_t id = 1000;
	unsigned tested = 0;
	for (size_t m = 0; m < sizeof mtus / sizeof mtus[0]; m++) {
		for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
			size_t mtu = mtus[m], len = sizes[s];
			int count = zt_fragment_count(len, mtu);
			if (count == ZT_ETOOBIG || count == 1) /* too many pieces at this MTU, or fits whole */
				continue;
			ck_assert_int_gt(count, 1);
			tested++;
			for (int order_kind = 0; order_kind < 5; order_kind++) {
				int order[2 * MAX_PIECES], n = 0;
				make_packet(pkt, len, mtu, ++id, order_kind % 2 ? 3 : 1);
				split(&p, pkt, len, mtu);
				ck_assert_int_eq(p.n, count);
				ck_assert_int_gt(p.n, 1);
				for (int i = 0; i < p.n; i++)
					order[n++] = order_kind == 1 ? p.n - 1 - i : i;
				if (order_kind == 2) { /* shuffled */
					for (int i = n - 1; i > 0; i--) {
						int j = (int)(next() % (uint32_t)(i + 1)), t = order[i];
						order[i] = order[j];
						order[j] = t;
					}
				} else if (order_kind == 3) { /* every piece twice, then a straggler */
					for (int i = 0; i < p.n; i++)
						order[2 * i] = order[2 * i + 1] = i;
					n = 2 * p.n;
				} else if (order_kind == 4) { /* head last */
					for (int i = 0; i < p.n; i++)
						order[i] = (i + 1) % p.n;
				}
				feed(&p, order, n, pkt, len, 10);
				/* The duplicate of the last piece arrived after completion and waits in a slot. */
				ck_assert_uint_eq(zt_defrag_in_use(&table), order_kind == 3 ? 1 : 0);
				zt_defrag_init(&table);
			}
		}
	}
	ck_assert_uint_ge(tested, 20);
}
END_TEST

START_TEST(split_limits)
{
	static uint8_t pkt[ZT_PROTO_MAX_PACKET_LENGTH + 1];
	uint8_t out[DGRAM_CAP];
	memset(pkt, 0, sizeof pkt);
	ck_assert_int_eq(zt_fragment_count(1432, 1432), 1);
	ck_assert_int_eq(zt_fragment_count(1433, 1432), 2);
	ck_assert_int_eq(zt_fragment_count(1432 + 1416, 1432), 2);
	ck_assert_int_eq(zt_fragment_count(1432 + 1417, 1432), 3);
	ck_assert_int_eq(zt_fragment_count(1432 + 6 * 1416, 1432), 7);
	ck_assert_int_eq(zt_fragment_count(1432 + 6 * 1416 + 1, 1432), ZT_ETOOBIG);
	ck_assert_int_eq(zt_fragment_count(ZT_PROTO_MAX_PACKET_LENGTH + 1, 9000), ZT_ETOOBIG);
	ck_assert_int_eq(zt_fragment_count(27, 1432), ZT_EINVALID);
	ck_assert_int_eq(zt_fragment_count(100, 27), ZT_EINVALID);

	ck_assert_int_eq(zt_fragment_build(out, sizeof out, pkt, 100, 1432, 0), 100);
	ck_assert_int_eq(zt_fragment_build(out, sizeof out, pkt, 100, 1432, 1), ZT_EINVALID);
	ck_assert_int_eq(zt_fragment_build(out, sizeof out, pkt, 2000, 1432, 2), ZT_EINVALID);
	ck_assert_int_eq(zt_fragment_build(out, 1431, pkt, 2000, 1432, 0), ZT_ENOSPACE);
	ck_assert_int_eq(zt_fragment_build(out, 16 + 567, pkt, 2000, 1432, 1), ZT_ENOSPACE);
	ck_assert_int_eq(zt_fragment_build(out, 16 + 568, pkt, 2000, 1432, 1), 16 + 568);
}
END_TEST

/* A hand-made fragment datagram with `chunk` payload bytes. */
static size_t mkfrag(uint8_t *d, uint64_t id, unsigned total, unsigned idx, size_t chunk)
{
	memset(d, 0xab, ZT_FRAGMENT_IDX_PAYLOAD + chunk);
	zt_put_be64(d, id);
	zt_put_be40(d + ZT_FRAGMENT_IDX_DEST, 0x1122334455ULL);
	d[ZT_FRAGMENT_IDX_INDICATOR] = ZT_FRAGMENT_INDICATOR;
	d[ZT_FRAGMENT_IDX_NO] = (uint8_t)((total << 4) | idx);
	d[ZT_FRAGMENT_IDX_HOPS] = 0;
	return ZT_FRAGMENT_IDX_PAYLOAD + chunk;
}

static size_t mkhead(uint8_t *d, uint64_t id, size_t len)
{
	memset(d, 0xcd, len);
	zt_packet_init(d, id, 0x1122334455ULL, 0x6677889900ULL, ZT_VERB_FRAME);
	d[ZT_PACKET_IDX_FLAGS] = 0x40 | 0x18;
	return len;
}

START_TEST(reassembly_limits)
{
	static uint8_t d[DGRAM_CAP], out[ZT_PROTO_MAX_PACKET_LENGTH];
	size_t n, out_len;
	n = mkfrag(d, 1, 8, 1, 100);
	ck_assert_int_eq(zt_defrag_add(&table, d, n, 0, out, sizeof out, &out_len), ZT_EINVALID);
	n = mkfrag(d, 1, 3, 0, 100);
	ck_assert_int_eq(zt_defrag_add(&table, d, n, 0, out, sizeof out, &out_len), ZT_EINVALID);
	n = mkfrag(d, 1, 3, 3, 100);
	ck_assert_int_eq(zt_defrag_add(&table, d, n, 0, out, sizeof out, &out_len), ZT_EINVALID);
	n = mkfrag(d, 1, 3, 5, 100);
	ck_assert_int_eq(zt_defrag_add(&table, d, n, 0, out, sizeof out, &out_len), ZT_EINVALID);
	n = mkfrag(d, 1, 1, 0, 100);
	ck_assert_int_eq(zt_defrag_add(&table, d, n, 0, out, sizeof out, &out_len), ZT_EINVALID);
	n = mkfrag(d, 1, 15, 7, 100);
	ck_assert_int_eq(zt_defrag_add(&table, d, n, 0, out, sizeof out, &out_len), ZT_EINVALID);
	/* Not fragmented, junk, beacon. */
	n = mkhead(d, 1, 100);
	d[ZT_PACKET_IDX_FLAGS] = 0x18;
	ck_assert_int_eq(zt_defrag_add(&table, d, n, 0, out, sizeof out, &out_len), ZT_EINVALID);
	ck_assert_int_eq(zt_defrag_add(&table, d, 20, 0, out, sizeof out, &out_len), ZT_EINVALID);
	ck_assert_int_eq(zt_defrag_add(&table, d, 13, 0, out, sizeof out, &out_len), ZT_EINVALID);
	ck_assert_uint_eq(zt_defrag_in_use(&table), 0);

	/* A later fragment disagreeing on the total is dropped; the packet is still completable. */
	n = mkfrag(d, 2, 3, 1, 100);
	ck_assert_int_eq(zt_defrag_add(&table, d, n, 0, out, sizeof out, &out_len), ZT_EPENDING);
	n = mkfrag(d, 2, 4, 2, 100);
	ck_assert_int_eq(zt_defrag_add(&table, d, n, 0, out, sizeof out, &out_len), ZT_EINVALID);
	n = mkfrag(d, 2, 3, 2, 100);
	ck_assert_int_eq(zt_defrag_add(&table, d, n, 0, out, sizeof out, &out_len), ZT_EPENDING);
	n = mkhead(d, 2, 500);
	ck_assert_int_eq(zt_defrag_add(&table, d, n, 0, out, sizeof out, &out_len), ZT_OK);
	ck_assert_uint_eq(out_len, 700);
	ck_assert_uint_eq(out[0], 0);
	ck_assert_uint_eq(out[499], 0xcd);
	ck_assert_uint_eq(out[500], 0xab);

	/* Fragment 5 of 7 held: a duplicate is ignored, a fragment claiming total 3 is refused. */
	n = mkfrag(d, 3, 7, 5, 100);
	ck_assert_int_eq(zt_defrag_add(&table, d, n, 0, out, sizeof out, &out_len), ZT_EPENDING);
	n = mkfrag(d, 3, 7, 5, 100);
	ck_assert_int_eq(zt_defrag_add(&table, d, n, 0, out, sizeof out, &out_len), ZT_EEXIST);
	n = mkfrag(d, 3, 3, 1, 100);
	ck_assert_int_eq(zt_defrag_add(&table, d, n, 0, out, sizeof out, &out_len), ZT_EINVALID);
	ck_assert_uint_eq(zt_defrag_in_use(&table), 1);

	/* Oversize: a head and 1500-byte chunks pass 10024 bytes; the partial packet is dropped. */
	n = mkhead(d, 4, 1500);
	ck_assert_int_eq(zt_defrag_add(&table, d, n, 0, out, sizeof out, &out_len), ZT_EPENDING);
	zt_err err = ZT_EPENDING;
	for (unsigned i = 1; i < 7 && err == ZT_EPENDING; i++) {
		n = mkfrag(d, 4, 7, i, 1500);
		err = zt_defrag_add(&table, d, n, 0, out, sizeof out, &out_len);
	}
	ck_assert_int_eq(err, ZT_ETOOBIG);
	ck_assert_uint_eq(zt_defrag_in_use(&table), 1); /* only packet 3 */

	/* A single datagram larger than the protocol limit. */
	static uint8_t big[ZT_PROTO_MAX_PACKET_LENGTH + 100];
	n = mkhead(big, 5, sizeof big);
	ck_assert_int_eq(zt_defrag_add(&table, big, n, 0, out, sizeof out, &out_len), ZT_ETOOBIG);

	/* Exactly 10024 bytes complete; a caller buffer one byte short gets ZT_ENOSPACE. */
	for (int round = 0; round < 2; round++) {
		size_t cap = round ? ZT_PROTO_MAX_PACKET_LENGTH - 1 : ZT_PROTO_MAX_PACKET_LENGTH;
		n = mkhead(d, 6, 1432);
		ck_assert_int_eq(zt_defrag_add(&table, d, n, 0, out, cap, &out_len), ZT_EPENDING);
		for (unsigned i = 1; i < 7; i++) {
			n = mkfrag(d, 6, 7, i, 1432); /* 7 x 1432 = 10024 */
			err = zt_defrag_add(&table, d, n, 0, out, cap, &out_len);
		}
		ck_assert_int_eq(err, round ? ZT_ENOSPACE : ZT_OK);
		if (!round)
			ck_assert_uint_eq(out_len, ZT_PROTO_MAX_PACKET_LENGTH);
	}
	ck_assert_uint_eq(zt_defrag_in_use(&table), 1);
}
END_TEST

START_TEST(slot_exhaustion)
{
	static uint8_t d[DGRAM_CAP], out[ZT_PROTO_MAX_PACKET_LENGTH];
	size_t n, out_len;
	/* 32 partial packets fill the table; each new one then evicts the oldest. */
	for (unsigned i = 0; i < ZT_DEFRAG_SLOTS; i++) {
		n = mkhead(d, 100 + i, 200);
		ck_assert_int_eq(zt_defrag_add(&table, d, n, (int64_t)i, out, sizeof out, &out_len), ZT_EPENDING);
	}
	ck_assert_uint_eq(zt_defrag_in_use(&table), ZT_DEFRAG_SLOTS);
	uint64_t discarded0 = table.discarded;
	for (unsigned i = 0; i < 1000; i++) {
		n = mkfrag(d, 1000 + i, 2, 1, 50);
		ck_assert_int_eq(zt_defrag_add(&table, d, n, 100 + (int64_t)i, out, sizeof out, &out_len), ZT_EPENDING);
		ck_assert_uint_eq(zt_defrag_in_use(&table), ZT_DEFRAG_SLOTS);
	}
	/* Every eviction threw away one stored piece, and is counted. */
	ck_assert_uint_eq(table.discarded - discarded0, 1000);
	/* Packet 1999 is still there and completes; packet 100 was evicted and starts over. */
	n = mkhead(d, 1999, 200);
	ck_assert_int_eq(zt_defrag_add(&table, d, n, 1200, out, sizeof out, &out_len), ZT_OK);
	ck_assert_uint_eq(out_len, 250);
	n = mkfrag(d, 100, 2, 1, 50);
	ck_assert_int_eq(zt_defrag_add(&table, d, n, 1200, out, sizeof out, &out_len), ZT_EPENDING);
}
END_TEST

START_TEST(expiry)
{
	static uint8_t d[DGRAM_CAP], out[ZT_PROTO_MAX_PACKET_LENGTH];
	size_t n, out_len;
	int64_t t0 = 1000000;
	uint64_t discarded0 = table.discarded;
	n = mkhead(d, 7, 300);
	ck_assert_int_eq(zt_defrag_add(&table, d, n, t0, out, sizeof out, &out_len), ZT_EPENDING);
	n = mkfrag(d, 7, 3, 1, 10);
	ck_assert_int_eq(zt_defrag_add(&table, d, n, t0 + ZT_RECEIVE_QUEUE_TIMEOUT, out, sizeof out, &out_len),
			 ZT_EPENDING);
	/* The last piece arrives too late: the old pieces are gone and it starts a new entry. */
	n = mkfrag(d, 7, 3, 2, 10);
	ck_assert_int_eq(zt_defrag_add(&table, d, n, t0 + ZT_RECEIVE_QUEUE_TIMEOUT + 1, out, sizeof out, &out_len),
			 ZT_EPENDING);
	ck_assert_uint_eq(zt_defrag_in_use(&table), 1);
	ck_assert_uint_eq(table.discarded - discarded0, 2); /* the head and fragment 1 of the first try */
	n = mkfrag(d, 8, 3, 2, 10);
	ck_assert_int_eq(zt_defrag_add(&table, d, n, t0 + 2000, out, sizeof out, &out_len), ZT_EPENDING);
	ck_assert_uint_eq(zt_defrag_in_use(&table), 2);
	ck_assert_uint_eq(zt_defrag_expire(&table, t0 + ZT_RECEIVE_QUEUE_TIMEOUT + 1), 0);
	ck_assert_uint_eq(zt_defrag_expire(&table, t0 + 2000 + ZT_RECEIVE_QUEUE_TIMEOUT + 1), 1);
	ck_assert_uint_eq(zt_defrag_in_use(&table), 1);
	ck_assert_uint_eq(zt_defrag_expire(&table, t0 + 100000), 1);
	ck_assert_uint_eq(zt_defrag_in_use(&table), 0);
	ck_assert_uint_eq(table.discarded - discarded0, 4);
}
END_TEST

START_TEST(relayed_fragments)
{
	/* A relay bumps each fragment's hop count; reassembly ignores hops and the MAC does not cover them. */
	static uint8_t pkt[ZT_PROTO_MAX_PACKET_LENGTH];
	static struct pieces p;
	make_packet(pkt, 3000, 1432, 77, 3);
	split(&p, pkt, 3000, 1432);
	for (int i = 0; i < p.n; i++)
		ck_assert_int_eq(zt_packet_hops_increment(p.d[i], p.len[i]), 1);
	int order[] = { 2, 0, 1 };
	uint8_t want[3000];
	memcpy(want, pkt, sizeof want);
	want[ZT_PACKET_IDX_FLAGS] |= 1;
	feed(&p, order, 3, want, sizeof want, 5);
}
END_TEST

static Suite *fragment_suite(void)
{
	Suite *s = suite_create("fragment");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, split_reassemble);
	tcase_add_test(tc, split_limits);
	tcase_add_test(tc, reassembly_limits);
	tcase_add_test(tc, slot_exhaustion);
	tcase_add_test(tc, expiry);
	tcase_add_test(tc, relayed_fragments);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(fragment_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
