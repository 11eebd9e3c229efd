/* SPDX-License-Identifier: Apache-2.0 */
/* Dictionary (vl2.md §5): selftest.txt dictionary.0, escaping, the 1.x reading rules, limits. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/dictionary.h"
#include "vec.h"

static struct zt_dict d;

static void setup(void)
{
	zt_dict_init(&d);
}

static void teardown(void)
{
	zt_dict_free(&d);
}

static zt_err parse_str(const char *s)
{
	return zt_dict_parse(&d, (const uint8_t *)s, strlen(s));
}

/* Serializes d into a static NUL-terminated string. */
static const char *serialized(void)
{
	static char out[4096];
	struct zt_wbuf w = zt_wbuf_init(out, sizeof out - 1);
	ck_assert_int_eq(zt_dict_serialize(&d, &w), ZT_OK);
	ck_assert_uint_eq(w.len, zt_dict_serialized_len(&d));
	out[w.len] = '\0';
	return out;
}

START_TEST(selftest_dictionary_0)
{
	struct vec_file v;
	uint8_t bytes[2048], out[2048];
	struct zt_dict rebuilt;
	const char *prefix = "dictionary.0.key.";
	size_t keys = 0;

	vec_load(&v, "selftest.txt");
	size_t n = vec_hex(vec_get(&v, "dictionary.0.bytes"), bytes, sizeof bytes);
	ck_assert_uint_eq(n, 263);
	ck_assert_int_eq(zt_dict_parse(&d, bytes, n), ZT_OK);

	zt_dict_init(&rebuilt);
	for (size_t i = 0; i < v.n; i++) {
		const char *name = v.e[i].name;
		size_t nl = strlen(name);
		if (strncmp(name, prefix, strlen(prefix)) || nl < strlen(prefix) + 5 || strcmp(name + nl - 4, ".str"))
			continue;
		char key[64];
		snprintf(key, sizeof key, "%.*s", (int)(nl - strlen(prefix) - 4), name + strlen(prefix));
		const char *got = zt_dict_get_str(&d, key);
		ck_assert_msg(got != NULL, "key %s missing", key);
		ck_assert_str_eq(got, v.e[i].value);
		ck_assert_int_eq(zt_dict_set_str(&rebuilt, key, v.e[i].value), ZT_OK);
		keys++;
	}
	ck_assert_uint_eq(keys, 13);
	ck_assert_uint_eq(d.n, keys);
	ck_assert(zt_dict_equal(&d, &rebuilt));

	struct zt_wbuf w = zt_wbuf_init(out, sizeof out);
	ck_assert_int_eq(zt_dict_serialize(&rebuilt, &w), ZT_OK);
	ck_assert_uint_eq(w.len, n);
	ck_assert_mem_eq(out, bytes, n);

	/* The typed readers see the integers 1.x wrote. */
	ck_assert_uint_eq(zt_dict_get_u64(&d, "v", 0), 7);
	ck_assert_uint_eq(zt_dict_get_u64(&d, "pv", 0), 12);
	ck_assert_uint_eq(zt_dict_get_u64(&d, "mr", 0), 1024);
	ck_assert_uint_eq(zt_dict_get_u64(&d, "absent", 99), 99);

	/* Every prefix parses without trouble (entries are cut, never misread). */
	for (size_t i = 0; i <= n; i++)
		ck_assert_int_eq(zt_dict_parse(&rebuilt, bytes, i), ZT_OK);
	zt_dict_free(&rebuilt);
	vec_free(&v);
}
END_TEST

START_TEST(escaping_round_trip)
{
	const uint8_t value[] = { 'a', 0, 'b', '\r', '\n', '\\', '=', 'z', 0xff, 0x80 };
	ck_assert_int_eq(zt_dict_set(&d, "bin", value, sizeof value), ZT_OK);
	ck_assert_int_eq(zt_dict_set_str(&d, "s", "x=y"), ZT_OK);
	const char *s = serialized();
	ck_assert_str_eq(s, "bin=a\\0b\\r\\n\\\\\\ez\xff\x80\ns=x\\ey");

	struct zt_dict back;
	zt_dict_init(&back);
	ck_assert_int_eq(zt_dict_parse(&back, (const uint8_t *)s, strlen(s)), ZT_OK);
	ck_assert(zt_dict_equal(&d, &back));
	size_t len;
	const uint8_t *v = zt_dict_get(&back, "bin", &len);
	ck_assert_uint_eq(len, sizeof value);
	ck_assert_mem_eq(v, value, sizeof value);
	/* A value holding a NUL is binary, not a string. */
	ck_assert_ptr_null(zt_dict_get_str(&back, "bin"));
	ck_assert_str_eq(zt_dict_get_str(&back, "s"), "x=y");
	zt_dict_free(&back);
}
END_TEST

START_TEST(reader_rules)
{
	/* CR ends entries too; "\q" is q; a line without '=' and an empty key are skipped; first key wins. */
	ck_assert_int_eq(parse_str("a=1\rb=\\q\\\\\n\njunk\n=x\na=2\nc=raw=eq\nd=\\\ne"), ZT_OK);
	ck_assert_uint_eq(d.n, 4);
	ck_assert_str_eq(zt_dict_get_str(&d, "a"), "1");
	ck_assert_str_eq(zt_dict_get_str(&d, "b"), "q\\");
	ck_assert_str_eq(zt_dict_get_str(&d, "c"), "raw=eq");
	/* A backslash escapes the newline after it, as in 1.x: the value continues. */
	ck_assert_str_eq(zt_dict_get_str(&d, "d"), "\ne");
	ck_assert_ptr_null(zt_dict_get(&d, "junk", NULL));
	ck_assert_ptr_null(zt_dict_get(&d, "", NULL));

	/* A NUL ends the dictionary; a trailing lone backslash is dropped. */
	const uint8_t nul[] = { 'k', '=', 'v', 0, 'x', '=', 'y' };
	ck_assert_int_eq(zt_dict_parse(&d, nul, sizeof nul), ZT_OK);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_ptr_null(zt_dict_get(&d, "x", NULL));
	ck_assert_int_eq(parse_str("k=v\\"), ZT_OK);
	ck_assert_str_eq(zt_dict_get_str(&d, "k"), "v");
	ck_assert_int_eq(parse_str(""), ZT_OK);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_int_eq(parse_str("k="), ZT_OK);
	ck_assert_str_eq(zt_dict_get_str(&d, "k"), "");
}
END_TEST

START_TEST(integers_and_booleans)
{
	ck_assert_int_eq(zt_dict_set_u64(&d, "u", 7), ZT_OK);
	ck_assert_int_eq(zt_dict_set_u64(&d, "max", UINT64_MAX), ZT_OK);
	ck_assert_int_eq(zt_dict_set_i64(&d, "neg", -5), ZT_OK);
	ck_assert_int_eq(zt_dict_set_i64(&d, "min", INT64_MIN), ZT_OK);
	ck_assert_int_eq(zt_dict_set_i64(&d, "pos", 26), ZT_OK);
	ck_assert_int_eq(zt_dict_set_bool(&d, "t", true), ZT_OK);
	ck_assert_int_eq(zt_dict_set_bool(&d, "f", false), ZT_OK);
	ck_assert_str_eq(serialized(), "u=0000000000000007\nmax=ffffffffffffffff\nneg=-0000000000000005\n"
				       "min=-8000000000000000\npos=000000000000001a\nt=1\nf=0");
	ck_assert_uint_eq(zt_dict_get_u64(&d, "max", 0), UINT64_MAX);
	ck_assert_int_eq(zt_dict_get_i64(&d, "neg", 0), -5);
	ck_assert_int_eq(zt_dict_get_i64(&d, "min", 0), INT64_MIN);
	ck_assert_int_eq(zt_dict_get_i64(&d, "pos", 0), 26);
	ck_assert(zt_dict_get_bool(&d, "t", false));
	ck_assert(!zt_dict_get_bool(&d, "f", true));
	ck_assert(zt_dict_get_bool(&d, "absent", true));

	/* Permissive reading as 1.x: any length, either case, 0x prefix, garbage after digits, saturation. */
	ck_assert_int_eq(parse_str("a=7\nb=0x1F\nc=ABCdefZZ\nd=zz\ne=11112222333344445\nf=-1\ng=  \th\n"
				   "y=yes\nT=True\nn=no\nz="),
			 ZT_OK);
	ck_assert_uint_eq(zt_dict_get_u64(&d, "a", 0), 7);
	ck_assert_uint_eq(zt_dict_get_u64(&d, "b", 0), 0x1f);
	ck_assert_uint_eq(zt_dict_get_u64(&d, "c", 0), 0xabcdef);
	ck_assert_uint_eq(zt_dict_get_u64(&d, "d", 5), 0);
	ck_assert_uint_eq(zt_dict_get_u64(&d, "e", 0), UINT64_MAX);
	ck_assert_int_eq(zt_dict_get_i64(&d, "e", 0), INT64_MAX);
	ck_assert_uint_eq(zt_dict_get_u64(&d, "f", 0), UINT64_MAX);
	ck_assert_int_eq(zt_dict_get_i64(&d, "f", 0), -1);
	ck_assert_uint_eq(zt_dict_get_u64(&d, "g", 0), 0);
	ck_assert(zt_dict_get_bool(&d, "y", false));
	ck_assert(zt_dict_get_bool(&d, "T", false));
	ck_assert(!zt_dict_get_bool(&d, "n", true));
	ck_assert(zt_dict_get_bool(&d, "z", true)); /* empty: the default */
}
END_TEST

START_TEST(set_replace_remove)
{
	ck_assert_int_eq(zt_dict_set_str(&d, "a", "1"), ZT_OK);
	ck_assert_int_eq(zt_dict_set_str(&d, "b", "2"), ZT_OK);
	ck_assert_int_eq(zt_dict_set_str(&d, "c", "3"), ZT_OK);
	ck_assert_int_eq(zt_dict_set_str(&d, "a", "one\n"), ZT_OK); /* keeps its place, no duplicate */
	ck_assert_str_eq(serialized(), "a=one\\n\nb=2\nc=3");
	ck_assert_int_eq(zt_dict_remove(&d, "b"), ZT_OK);
	ck_assert_int_eq(zt_dict_remove(&d, "b"), ZT_ENOTFOUND);
	ck_assert_str_eq(serialized(), "a=one\\n\nc=3");
	ck_assert_int_eq(zt_dict_remove(&d, "a"), ZT_OK);
	ck_assert_int_eq(zt_dict_remove(&d, "c"), ZT_OK);
	ck_assert_str_eq(serialized(), "");
	ck_assert_uint_eq(zt_dict_serialized_len(&d), 0);

	char longkey[ZT_DICT_MAX_KEY_LEN + 2];
	memset(longkey, 'k', sizeof longkey);
	longkey[ZT_DICT_MAX_KEY_LEN + 1] = '\0';
	ck_assert_int_eq(zt_dict_set_str(&d, longkey, "v"), ZT_EINVALID);
	longkey[ZT_DICT_MAX_KEY_LEN] = '\0';
	ck_assert_int_eq(zt_dict_set_str(&d, longkey, "v"), ZT_OK);
	ck_assert_int_eq(zt_dict_set_str(&d, "", "v"), ZT_EINVALID);
	ck_assert_int_eq(zt_dict_set_str(&d, "a=b", "v"), ZT_EINVALID);
	ck_assert_int_eq(zt_dict_set_str(&d, "a\nb", "v"), ZT_EINVALID);
	ck_assert_int_eq(zt_dict_set_str(&d, "a\rb", "v"), ZT_EINVALID);

	/* Serializing into a short buffer fails cleanly. */
	char small[8];
	struct zt_wbuf w = zt_wbuf_init(small, sizeof small);
	ck_assert_int_eq(zt_dict_serialize(&d, &w), ZT_ENOSPACE);
}
END_TEST

START_TEST(limits)
{
	/* Too many entries. */
	size_t cap = (size_t)(ZT_DICT_MAX_ENTRIES + 1) * 8;
	char *buf = malloc(cap);
	size_t len = 0;
	for (int i = 0; i <= ZT_DICT_MAX_ENTRIES; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%x=1\n", i);
	ck_assert_int_eq(zt_dict_parse(&d, (uint8_t *)buf, len), ZT_ETOOBIG);
	ck_assert_uint_eq(d.n, 0);
	/* One fewer fits, and setting one more is refused. */
	size_t cut = len - strlen("400=1\n");
	ck_assert_int_eq(zt_dict_parse(&d, (uint8_t *)buf, cut), ZT_OK);
	ck_assert_uint_eq(d.n, ZT_DICT_MAX_ENTRIES);
	ck_assert_int_eq(zt_dict_set_str(&d, "more", "x"), ZT_ETOOBIG);
	ck_assert_int_eq(zt_dict_set_str(&d, "0", "replacing is fine"), ZT_OK);
	free(buf);

	/* A key longer than the limit in parsed input. */
	char longkey[ZT_DICT_MAX_KEY_LEN + 8];
	memset(longkey, 'k', sizeof longkey);
	memcpy(longkey + ZT_DICT_MAX_KEY_LEN + 1, "=v", 3);
	ck_assert_int_eq(parse_str(longkey), ZT_ETOOBIG);
	ck_assert_uint_eq(d.n, 0);

	/* Oversized input, and a value whose escaped form would pass the size limit. */
	uint8_t *big = malloc(ZT_DICT_MAX_SIZE + 1);
	memset(big, 'x', ZT_DICT_MAX_SIZE + 1);
	memcpy(big, "k=", 2);
	ck_assert_int_eq(zt_dict_parse(&d, big, ZT_DICT_MAX_SIZE + 1), ZT_ETOOBIG);
	ck_assert_int_eq(zt_dict_parse(&d, big, ZT_DICT_MAX_SIZE), ZT_OK);
	zt_dict_free(&d);
	memset(big, '=', ZT_DICT_MAX_SIZE / 2 + 1);
	ck_assert_int_eq(zt_dict_set(&d, "k", big, ZT_DICT_MAX_SIZE / 2 + 1), ZT_ETOOBIG);
	ck_assert_int_eq(zt_dict_set(&d, "k", big, ZT_DICT_MAX_SIZE / 4), ZT_OK);
	ck_assert_uint_le(zt_dict_serialized_len(&d), ZT_DICT_MAX_SIZE);
	ck_assert_int_eq(zt_dict_set(&d, "k", big, ZT_DICT_MAX_SIZE / 2 + 1), ZT_ETOOBIG);
	ck_assert_uint_eq(zt_dict_get(&d, "k", &len)[0], '=');
	ck_assert_uint_eq(len, ZT_DICT_MAX_SIZE / 4);
	free(big);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dictionary");
	TCase *tc = tcase_create("dictionary");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, selftest_dictionary_0);
	tcase_add_test(tc, escaping_round_trip);
	tcase_add_test(tc, reader_rules);
	tcase_add_test(tc, integers_and_booleans);
	tcase_add_test(tc, set_replace_remove);
	tcase_add_test(tc, limits);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
