/* SPDX-License-Identifier: Apache-2.0 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "root/cache.h"

static struct root_peer mkpeer(uint64_t address)
{
	struct root_peer p;
	memset(&p, 0, sizeof p);
	p.address = address;
	for (int i = 0; i < 64; i++)
		p.pub[i] = (uint8_t)(address + (uint64_t)i);
	return p;
}

START_TEST(put_get_remove_many)
{
	struct root_cache c;
	ck_assert_int_eq(root_cache_init(&c, 1000000), ZT_OK);
	const uint64_t n = 50000;
	for (uint64_t a = 1; a <= n; a++) {
		struct root_peer p = mkpeer(a * 7919);
		ck_assert_int_eq(root_cache_put(&c, &p, false), ZT_OK);
	}
	ck_assert_uint_eq(root_cache_count(&c), n);
	/* Remove every third, check the rest are all still found (backward-shift deletion). */
	for (uint64_t a = 1; a <= n; a += 3)
		root_cache_remove(&c, a * 7919);
	for (uint64_t a = 1; a <= n; a++) {
		struct root_peer got;
		bool present = root_cache_get(&c, a * 7919, &got);
		ck_assert_msg(present == ((a - 1) % 3 != 0), "address %llu", (unsigned long long)(a * 7919));
		if (present)
			ck_assert_uint_eq(got.pub[5], (uint8_t)(a * 7919 + 5));
	}
	ck_assert_uint_eq(root_cache_count(&c), n - (n + 2) / 3);
	/* Freed entries are reused. */
	for (uint64_t a = 1; a <= n; a += 3) {
		struct root_peer p = mkpeer(a * 7919);
		ck_assert_int_eq(root_cache_put(&c, &p, false), ZT_OK);
	}
	ck_assert_uint_eq(root_cache_count(&c), n);
	/* Entries are dense: chunk slack only (the 1M-peer figure is measured by bench/). */
	ck_assert_uint_ge(root_cache_memory(&c), n * sizeof(struct root_peer));
	ck_assert_uint_lt(root_cache_memory(&c) / n, 2 * sizeof(struct root_peer));
	root_cache_free(&c);
}
END_TEST

START_TEST(bound_is_enforced)
{
	struct root_cache c;
	ck_assert_int_eq(root_cache_init(&c, 100), ZT_OK);
	for (uint64_t a = 1; a <= 100; a++) {
		struct root_peer p = mkpeer(a);
		ck_assert_int_eq(root_cache_put(&c, &p, false), ZT_OK);
	}
	struct root_peer extra = mkpeer(101);
	ck_assert_int_eq(root_cache_put(&c, &extra, false), ZT_ELIMIT);
	/* Replacing an existing entry is always allowed. */
	struct root_peer again = mkpeer(50);
	ck_assert_int_eq(root_cache_put(&c, &again, false), ZT_OK);
	root_cache_free(&c);
}
END_TEST

START_TEST(touch_learns_paths_and_marks_dirty)
{
	struct root_cache c;
	ck_assert_int_eq(root_cache_init(&c, 1000), ZT_OK);
	struct root_peer p = mkpeer(0x45de99e693ULL);
	ck_assert_int_eq(root_cache_put(&c, &p, true), ZT_OK);
	uint64_t dirty[8];
	bool resync;
	ck_assert_uint_eq(root_cache_take_dirty(&c, dirty, 8, &resync), 1);
	ck_assert_uint_eq(dirty[0], 0x45de99e693ULL);
	struct root_peer copy;
	ck_assert(root_cache_get(&c, dirty[0], &copy));
	ck_assert(root_cache_mark_clean(&c, &copy));

	struct zt_inetaddr from;
	memset(&from, 0, sizeof from);
	from.family = 4;
	memcpy(from.ip, "\xc6\x12\x00\x02", 4);
	from.port = 9994;
	ck_assert(root_cache_touch(&c, 0x45de99e693ULL, &from, 1, true, 2000));
	ck_assert_uint_eq(root_cache_take_dirty(&c, dirty, 8, &resync), 1);
	/* A copy taken before a change does not clean the entry: it is queued again. */
	ck_assert(root_cache_get(&c, dirty[0], &copy));
	from.port = 9995;
	ck_assert(root_cache_touch(&c, 0x45de99e693ULL, &from, 1, true, 2001));
	ck_assert(!root_cache_mark_clean(&c, &copy));
	ck_assert_uint_eq(root_cache_take_dirty(&c, dirty, 8, &resync), 1);
	ck_assert(root_cache_get(&c, dirty[0], &copy));
	ck_assert(root_cache_mark_clean(&c, &copy));
	from.port = 9994;
	ck_assert(root_cache_touch(&c, 0x45de99e693ULL, &from, 1, true, 2002));
	ck_assert_uint_eq(root_cache_take_dirty(&c, dirty, 8, &resync), 1);
	ck_assert(root_cache_get(&c, dirty[0], &copy));
	ck_assert(root_cache_mark_clean(&c, &copy));
	/* Same path again shortly after: nothing to persist. */
	ck_assert(root_cache_touch(&c, 0x45de99e693ULL, &from, 1, true, 3000));
	ck_assert_uint_eq(root_cache_take_dirty(&c, dirty, 8, &resync), 0);

	struct root_peer got;
	ck_assert(root_cache_get(&c, 0x45de99e693ULL, &got));
	ck_assert_uint_eq(got.v4.family, 4);
	ck_assert_uint_eq(got.v4.port, 9994);
	ck_assert_int_eq(got.v4.last_rx, 3000);
	ck_assert(root_peer_best_path(&got, 3500, 1000) == &got.v4);
	ck_assert(root_peer_best_path(&got, 9000, 1000) == NULL);
	ck_assert(!root_cache_touch(&c, 0x1111111111ULL, &from, 1, true, 3000));

	/* put_if_absent never overwrites. */
	struct root_peer other = mkpeer(0x45de99e693ULL), now_there;
	other.pub[0] ^= 1;
	ck_assert_int_eq(root_cache_put_if_absent(&c, &other, &now_there), ZT_EEXIST);
	ck_assert_uint_eq(now_there.pub[0], got.pub[0]);
	struct root_peer fresh = mkpeer(0x2222222222ULL);
	ck_assert_int_eq(root_cache_put_if_absent(&c, &fresh, &now_there), ZT_OK);
	ck_assert_uint_eq(now_there.address, 0x2222222222ULL);
	root_cache_free(&c);
}
END_TEST

START_TEST(sweep_expires_and_evicts_oldest)
{
	struct root_cache c;
	ck_assert_int_eq(root_cache_init(&c, 1000), ZT_OK);
	for (uint64_t a = 1; a <= 1000; a++) {
		struct root_peer p = mkpeer(a);
		p.last_rx = (int64_t)a;
		ck_assert_int_eq(root_cache_put(&c, &p, false), ZT_OK);
	}
	/* Expire everything silent before t=101. */
	ck_assert_uint_eq(root_cache_sweep(&c, 101), 100);
	ck_assert_uint_eq(root_cache_count(&c), 900);
	struct root_peer got;
	ck_assert(!root_cache_get(&c, 100, &got));
	ck_assert(root_cache_get(&c, 101, &got));
	/* Fill up again: the sweep brings it back to 95% by dropping the oldest. */
	for (uint64_t a = 2001; a <= 2100; a++) {
		struct root_peer p = mkpeer(a);
		p.last_rx = (int64_t)a;
		ck_assert_int_eq(root_cache_put(&c, &p, false), ZT_OK);
	}
	ck_assert_uint_eq(root_cache_count(&c), 1000);
	root_cache_sweep(&c, 0);
	ck_assert_uint_le(root_cache_count(&c), 950);
	ck_assert(!root_cache_get(&c, 101, &got));
	ck_assert(root_cache_get(&c, 2100, &got));
	root_cache_free(&c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("root_cache");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, put_get_remove_many);
	tcase_add_test(tc, bound_is_enforced);
	tcase_add_test(tc, touch_learns_paths_and_marks_dirty);
	tcase_add_test(tc, sweep_expires_and_evicts_oldest);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
