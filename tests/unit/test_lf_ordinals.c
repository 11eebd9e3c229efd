/* SPDX-License-Identifier: Apache-2.0 */
/* Ordinals and selector keys (tests/vectors/lf/ordinals.txt, lf.md §2.8-§2.9). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lf/selector.h"
#include "vec.h"

static struct vec_file v;

static void setup(void)
{
	vec_load(&v, "lf/ordinals.txt");
}

static void teardown(void)
{
	vec_free(&v);
}

START_TEST(ordinal_cases)
{
	int i;
	for (i = 0; vec_getf(&v, "case%d.name.str", i); i++) {
		const char *name = vec_getf(&v, "case%d.name.str", i);
		uint64_t value = strtoull(vec_getf(&v, "case%d.value.dec", i), NULL, 10), back;
		uint8_t want_ord[16], want_key[32], ord[16], key[32];
		vec_hex(vec_getf(&v, "case%d.ordinal", i), want_ord, 16);
		vec_hex(vec_getf(&v, "case%d.selector_key", i), want_key, 32);

		ck_assert_int_eq(zt_lf_ordinal_set(ord, value, name, strlen(name)), ZT_OK);
		ck_assert_msg(!memcmp(ord, want_ord, 16), "case%d ordinal", i);
		ck_assert_int_eq(zt_lf_ordinal_get(&back, want_ord, name, strlen(name)), ZT_OK);
		ck_assert_msg(back == value, "case%d OrdinalGet %llu != %llu", i, (unsigned long long)back,
			      (unsigned long long)value);
		ck_assert_int_eq(zt_lf_selector_key(key, name, strlen(name), value), ZT_OK);
		ck_assert_msg(!memcmp(key, want_key, 32), "case%d selector key", i);
	}
	ck_assert_int_eq(i, 24);
}
END_TEST

START_TEST(ordinals_preserve_order)
{
	/* Byte order of masked ordinals follows numeric order for one name, across column boundaries. */
	static const uint64_t values[] = { 0, 1, 2, 3, 4, 5, 0xfffe, 0xffff, 0x10000, 0x10001, 0x1ffff,
					   0xffffffff, 0x100000000ull, 0x1122334455ull, 0xffffffffffull,
					   0x7fffffffffffffffull, 0xfffffffffffffffeull, 0xffffffffffffffffull };
	static const char name[] = "com.zerotier.locator:v1";
	uint8_t prev[16], cur[16];
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
		uint64_t back;
		ck_assert_int_eq(zt_lf_ordinal_set(cur, values[i], name, strlen(name)), ZT_OK);
		ck_assert_int_eq(zt_lf_ordinal_get(&back, cur, name, strlen(name)), ZT_OK);
		ck_assert_uint_eq(back, values[i]);
		if (i)
			ck_assert_msg(memcmp(prev, cur, 16) < 0, "order broken at %zu", i);
		memcpy(prev, cur, 16);
	}
}
END_TEST

START_TEST(ordinal_get_rejects_garbage)
{
	/* A word below the alphabet's first entry decodes out of range. */
	uint8_t ord[16] = { 0 };
	uint64_t back = 1;
	ck_assert_int_eq(zt_lf_ordinal_get(&back, ord, "bad", 3), ZT_EINVALID);
	ck_assert_uint_eq(back, 0);
}
END_TEST

START_TEST(add_ordinal_cases)
{
	int i;
	for (i = 0; vec_getf(&v, "add.case%d.hash", i); i++) {
		uint8_t h[32], o[16], want[32], got[32];
		vec_hex(vec_getf(&v, "add.case%d.hash", i), h, 32);
		vec_hex(vec_getf(&v, "add.case%d.ordinal", i), o, 16);
		vec_hex(vec_getf(&v, "add.case%d.result", i), want, 32);
		zt_lf_add_ordinal_to_hash(got, h, o);
		ck_assert_msg(!memcmp(got, want, 32), "add.case%d", i);
	}
	ck_assert_int_eq(i, 5);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lf_ordinals");
	TCase *tc = tcase_create("ordinals");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, ordinal_cases);
	tcase_add_test(tc, ordinals_preserve_order);
	tcase_add_test(tc, ordinal_get_rejects_garbage);
	tcase_add_test(tc, add_ordinal_cases);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
