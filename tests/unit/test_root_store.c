/* SPDX-License-Identifier: Apache-2.0 */
/* The LMDB store against a real LMDB environment in a temporary directory. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "root/store.h"

static char dir[64];

static void setup(void)
{
	zt_log_init("test", ZT_LOG_ERROR);
	snprintf(dir, sizeof dir, "/tmp/zt-store-XXXXXX");
	ck_assert(mkdtemp(dir) != NULL);
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static struct root_peer mkpeer(uint64_t a)
{
	struct root_peer p;
	memset(&p, 0, sizeof p);
	p.address = a;
	for (int i = 0; i < 64; i++)
		p.pub[i] = (uint8_t)(a * 31 + (uint64_t)i);
	p.last_rx = 1795603888000LL + (int64_t)a;
	p.proto = 12;
	p.vmajor = 1;
	p.vminor = 14;
	p.vrev = 1;
	p.flags = ROOT_PEER_VALIDATED | ROOT_PEER_KEY_VALID;
	p.v4.family = 4;
	memcpy(p.v4.ip, "\xc6\x12\x00\x02", 4);
	p.v4.port = 9994;
	p.v4.last_rx = p.last_rx;
	if (a % 2) {
		p.v6.family = 6;
		memcpy(p.v6.ip, "\xfd\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02", 16);
		p.v6.port = 9995;
		p.v6.last_rx = p.last_rx - 5;
	}
	return p;
}

START_TEST(codec_roundtrip_and_truncation)
{
	struct root_peer p = mkpeer(0x45de99e693ULL), q;
	uint8_t buf[256];
	size_t n = root_store_encode(&p, buf, sizeof buf);
	ck_assert_uint_gt(n, 0);
	ck_assert_int_eq(root_store_decode(&q, p.address, buf, n), ZT_OK);
	ck_assert_mem_eq(q.pub, p.pub, 64);
	ck_assert_int_eq(q.last_rx, p.last_rx);
	ck_assert_uint_eq(q.v4.port, 9994);
	ck_assert_uint_eq(q.v6.port, 9995);
	ck_assert_uint_eq(q.vminor, 14);
	/* The key is never stored: it is derived again from our secret when needed. */
	ck_assert_uint_eq(q.flags & ROOT_PEER_KEY_VALID, 0);
	ck_assert_uint_eq(q.flags & ROOT_PEER_VALIDATED, ROOT_PEER_VALIDATED);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_ne(root_store_decode(&q, p.address, buf, i), ZT_OK);
	buf[0] = 99;
	ck_assert_int_eq(root_store_decode(&q, p.address, buf, n), ZT_EUNSUPPORTED);
	ck_assert_uint_eq(root_store_encode(&p, buf, 10), 0);
}
END_TEST

START_TEST(flush_close_reopen_load)
{
	struct root_cache c1, c2;
	struct root_store s;
	ck_assert_int_eq(root_cache_init(&c1, 100000), ZT_OK);
	ck_assert_int_eq(root_store_open(&s, dir, 64 << 20, &c1, 1000), ZT_OK);
	for (uint64_t a = 1; a <= 5000; a++) {
		struct root_peer p = mkpeer(a);
		ck_assert_int_eq(root_cache_put(&c1, &p, true), ZT_OK);
	}
	ck_assert_int_eq(root_store_flush(&s), ZT_OK);
	ck_assert_uint_eq(root_store_count(&s), 5000);
	ck_assert_uint_eq(s.flushed, 5000);
	/* Nothing dirty: a second flush writes nothing. */
	ck_assert_int_eq(root_store_flush(&s), ZT_OK);
	ck_assert_uint_eq(s.flushed, 5000);
	ck_assert_uint_gt(root_store_size(&s), 5000 * 100);
	struct root_peer got;
	ck_assert_int_eq(root_store_get(&s, 77, &got), ZT_OK);
	ck_assert_uint_eq(got.pub[0], (uint8_t)(77 * 31));
	ck_assert_int_eq(root_store_get(&s, 999999, &got), ZT_ENOTFOUND);
	root_store_close(&s);
	root_cache_free(&c1);

	ck_assert_int_eq(root_cache_init(&c2, 100000), ZT_OK);
	ck_assert_int_eq(root_store_open(&s, dir, 64 << 20, &c2, 1000), ZT_OK);
	uint64_t n = 0;
	ck_assert_int_eq(root_store_load(&s, &n), ZT_OK);
	ck_assert_uint_eq(n, 5000);
	ck_assert(root_cache_get(&c2, 4321, &got));
	struct root_peer want = mkpeer(4321);
	ck_assert_mem_eq(got.pub, want.pub, 64);
	ck_assert_uint_eq(got.v6.port, 9995);
	ck_assert_uint_eq(got.v4.sock, 0xff);
	/* Loaded entries are clean. */
	uint64_t addrs[4];
	bool resync;
	ck_assert_uint_eq(root_cache_take_dirty(&c2, addrs, 4, &resync), 0);
	root_store_close(&s);
	root_cache_free(&c2);
}
END_TEST

START_TEST(background_thread_flushes_within_interval)
{
	struct root_cache c;
	struct root_store s;
	ck_assert_int_eq(root_cache_init(&c, 1000), ZT_OK);
	ck_assert_int_eq(root_store_open(&s, dir, 16 << 20, &c, 50), ZT_OK);
	ck_assert_int_eq(root_store_start(&s), ZT_OK);
	struct root_peer p = mkpeer(42);
	ck_assert_int_eq(root_cache_put(&c, &p, true), ZT_OK);
	/* Wait (bounded) for the thread to write it; no timing claim, just that it happens. */
	for (int i = 0; i < 200 && root_store_count(&s) == 0; i++)
		usleep(10000);
	ck_assert_uint_eq(root_store_count(&s), 1);
	struct root_peer q = mkpeer(43);
	ck_assert_int_eq(root_cache_put(&c, &q, true), ZT_OK);
	root_store_stop(&s); /* the final flush writes 43 */
	ck_assert_uint_eq(root_store_count(&s), 2);
	root_store_close(&s);
	root_cache_free(&c);
}
END_TEST

START_TEST(ring_overflow_resyncs_by_scan)
{
	struct root_cache c;
	struct root_store s;
	ck_assert_int_eq(root_cache_init(&c, 200000), ZT_OK);
	ck_assert_int_eq(root_store_open(&s, dir, 128 << 20, &c, 1000), ZT_OK);
	/* More dirty entries than the ring holds (65536). */
	for (uint64_t a = 1; a <= 70000; a++) {
		struct root_peer p = mkpeer(a);
		ck_assert_int_eq(root_cache_put(&c, &p, true), ZT_OK);
	}
	ck_assert_int_eq(root_store_flush(&s), ZT_OK);
	ck_assert_uint_eq(root_store_count(&s), 70000);
	root_store_close(&s);
	root_cache_free(&c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("root_store");
	TCase *tc = tcase_create("lmdb");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, codec_roundtrip_and_truncation);
	tcase_add_test(tc, flush_close_reopen_load);
	tcase_add_test(tc, background_thread_flushes_within_interval);
	tcase_add_test(tc, ring_overflow_resyncs_by_scan);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
