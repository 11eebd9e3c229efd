/* SPDX-License-Identifier: Apache-2.0 */
/* LF primitives (tests/vectors/lf/primitives.txt): MD5, CRC-16, Base62, uvarint, shandwich, th64, isqrt. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lf/base62.h"
#include "lf/lfcrypto.h"
#include "lf/pulse.h"
#include "lf/record.h"
#include "lf/wharrgarbl.h"
#include "vec.h"

static struct vec_file v;

static void setup(void)
{
	vec_load(&v, "lf/primitives.txt");
}

static void teardown(void)
{
	vec_free(&v);
}

/* Calls fn(label) for every distinct "<group>.<label>.<field>" name in the file. */
static int for_each_label(const char *group, const char *field, void (*fn)(const char *label))
{
	int count = 0;
	size_t glen = strlen(group), flen = strlen(field);
	for (size_t i = 0; i < v.n; i++) {
		const char *name = v.e[i].name;
		size_t n = strlen(name);
		if (n <= glen + flen + 2 || strncmp(name, group, glen) || name[glen] != '.' ||
		    strcmp(name + n - flen, field) || name[n - flen - 1] != '.')
			continue;
		char label[128];
		size_t llen = n - glen - flen - 2;
		ck_assert(llen < sizeof label);
		memcpy(label, name + glen + 1, llen);
		label[llen] = '\0';
		fn(label);
		count++;
	}
	return count;
}

static const char *get(const char *group, const char *label, const char *field)
{
	const char *s = vec_getf(&v, "%s.%s.%s", group, label, field);
	ck_assert_msg(s != NULL, "missing %s.%s.%s", group, label, field);
	return s;
}

START_TEST(md5_digest)
{
	uint8_t want[16], got[16];
	const char *in = vec_get(&v, "md5.input.str");
	vec_hex(vec_get(&v, "md5.digest"), want, sizeof want);
	struct zt_lf_hash h;
	zt_lf_hash_init(&h, ZT_LF_MD5);
	zt_lf_hash_update(&h, in, strlen(in));
	ck_assert_int_eq(zt_lf_hash_final(&h, got), ZT_OK);
	ck_assert_mem_eq(got, want, 16);
}
END_TEST

static void crc16_case(const char *label)
{
	uint8_t in[64], want[2];
	size_t n = vec_hex(get("crc16", label, "input"), in, sizeof in);
	vec_hex(get("crc16", label, "crc"), want, 2);
	ck_assert_uint_eq(zt_lf_crc16(in, n), (unsigned)((want[0] << 8) | want[1]));
}

START_TEST(crc16_xmodem)
{
	ck_assert_int_eq(for_each_label("crc16", "crc", crc16_case), 4);
	ck_assert_uint_eq(zt_lf_crc16("123456789", 9), 0x31c3);
}
END_TEST

static void base62_case(const char *label)
{
	uint8_t bytes[64], got[64];
	char text[ZT_LF_BASE62_CAP(64)];
	if (!strcmp(label, "lenient"))
		return; /* decode-only: tested below */
	size_t n = vec_hex(get("base62", label, "bytes"), bytes, sizeof bytes), len;
	const char *want = get("base62", label, "text.str");
	ck_assert_int_eq(zt_lf_base62_encode(text, sizeof text, bytes, n, &len), ZT_OK);
	ck_assert_str_eq(text, want);
	ck_assert_uint_eq(len, strlen(want));
	ck_assert_int_eq(zt_lf_base62_decode(got, sizeof got, want, strlen(want), &len), ZT_OK);
	ck_assert_uint_eq(len, n);
	ck_assert_mem_eq(got, bytes, n);
}

START_TEST(base62_both_directions)
{
	ck_assert_int_eq(for_each_label("base62", "text.str", base62_case), 12); /* 11 cases + lenient */
}
END_TEST

START_TEST(base62_lenient_and_edges)
{
	uint8_t want[8], got[8];
	char text[8];
	size_t n = vec_hex(vec_get(&v, "base62.lenient.bytes"), want, sizeof want), len;
	const char *in = vec_get(&v, "base62.lenient.text.str");
	ck_assert_int_eq(zt_lf_base62_decode(got, sizeof got, in, strlen(in), &len), ZT_OK);
	ck_assert_uint_eq(len, n);
	ck_assert_mem_eq(got, want, n);
	/* Empty in both directions; output too small; no alphabet characters at all. */
	ck_assert_int_eq(zt_lf_base62_encode(text, sizeof text, "", 0, &len), ZT_OK);
	ck_assert_uint_eq(len, 0);
	ck_assert_str_eq(text, "");
	ck_assert_int_eq(zt_lf_base62_encode(text, 3, "\xff\xff\xff\xff", 4, &len), ZT_ENOSPACE);
	ck_assert_int_eq(zt_lf_base62_decode(got, sizeof got, "-- !", 4, &len), ZT_OK);
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(zt_lf_base62_decode(got, 2, "4gfFC3", 6, &len), ZT_ENOSPACE);
}
END_TEST

START_TEST(base62_random_round_trips)
{
	/* Lengths up to 1 KiB, with leading zero bytes: length and content must survive. */
	for (size_t n = 1; n < 1024; n += 37) {
		uint8_t *in = malloc(n), *out = malloc(n);
		char *text = malloc(ZT_LF_BASE62_CAP(n));
		size_t len, olen;
		for (size_t i = 0; i < n; i++)
			in[i] = (uint8_t)(i < n / 3 ? 0 : (i * 7919u) >> 3);
		ck_assert_int_eq(zt_lf_base62_encode(text, ZT_LF_BASE62_CAP(n), in, n, &len), ZT_OK);
		ck_assert_int_eq(zt_lf_base62_decode(out, n, text, len, &olen), ZT_OK);
		ck_assert_uint_eq(olen, n);
		ck_assert_mem_eq(in, out, n);
		free(in);
		free(out);
		free(text);
	}
}
END_TEST

static void uvarint_case(const char *label)
{
	uint8_t want[16], buf[16];
	uint64_t value = strtoull(get("uvarint", label, "value.dec"), NULL, 10), got;
	size_t n = vec_hex(get("uvarint", label, "encoded"), want, sizeof want);
	struct zt_wbuf w = zt_wbuf_init(buf, sizeof buf);
	zt_lf_wbuf_uvarint(&w, value);
	ck_assert_int_eq(zt_wbuf_result(&w), ZT_OK);
	ck_assert_uint_eq(w.len, n);
	ck_assert_uint_eq(zt_lf_uvarint_size(value), n);
	ck_assert_mem_eq(buf, want, n);
	struct zt_buf b = zt_buf_init(want, n);
	bool minimal = false;
	ck_assert_int_eq(zt_lf_buf_uvarint(&b, &got, &minimal), ZT_OK);
	ck_assert(minimal);
	ck_assert_uint_eq(got, value);
	ck_assert_uint_eq(zt_buf_left(&b), 0);
}

START_TEST(uvarint_encodings)
{
	ck_assert_int_eq(for_each_label("uvarint", "encoded", uvarint_case), 9);
}
END_TEST

START_TEST(uvarint_reader_edges)
{
	uint64_t x;
	bool minimal;
	/* Non-minimal forms are accepted and reported. */
	static const uint8_t nonmin[] = { 0x80, 0x00 }, nonmin2[] = { 0xff, 0x80, 0x00 };
	struct zt_buf b = zt_buf_init(nonmin, sizeof nonmin);
	ck_assert_int_eq(zt_lf_buf_uvarint(&b, &x, &minimal), ZT_OK);
	ck_assert_uint_eq(x, 0);
	ck_assert(!minimal);
	b = zt_buf_init(nonmin2, sizeof nonmin2);
	ck_assert_int_eq(zt_lf_buf_uvarint(&b, &x, &minimal), ZT_OK);
	ck_assert_uint_eq(x, 127);
	ck_assert(!minimal);
	/* Overflow: a 10th byte above 1, or an 11th byte. */
	static const uint8_t over[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02 };
	static const uint8_t eleven[] = { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00 };
	b = zt_buf_init(over, sizeof over);
	ck_assert_int_eq(zt_lf_buf_uvarint(&b, &x, NULL), ZT_EMALFORMED);
	b = zt_buf_init(eleven, sizeof eleven);
	ck_assert_int_eq(zt_lf_buf_uvarint(&b, &x, NULL), ZT_EMALFORMED);
	/* Truncation. */
	b = zt_buf_init(over, 3);
	ck_assert_int_eq(zt_lf_buf_uvarint(&b, &x, NULL), ZT_ETRUNCATED);
	ck_assert(b.err);
	b = zt_buf_init(over, 0);
	ck_assert_int_eq(zt_lf_buf_uvarint(&b, &x, NULL), ZT_ETRUNCATED);
}
END_TEST

static void shandwich_case(const char *label)
{
	uint8_t in[64], want[32], got[32];
	size_t n = vec_hex(get("shandwich", label, "input"), in, sizeof in);
	vec_hex(get("shandwich", label, "output"), want, sizeof want);
	zt_lf_shandwich(got, in, n);
	ck_assert_mem_eq(got, want, 32);
}

START_TEST(shandwich_outputs)
{
	ck_assert_int_eq(for_each_label("shandwich", "output", shandwich_case), 2);
}
END_TEST

static uint64_t hex64(const char *s)
{
	uint8_t b[8];
	ck_assert_uint_eq(vec_hex(s, b, 8), 8);
	uint64_t x = 0;
	for (int i = 0; i < 8; i++)
		x = (x << 8) | b[i];
	return x;
}

START_TEST(th64_chain)
{
	int i;
	for (i = 0; vec_getf(&v, "th64.case%d.input", i); i++) {
		uint64_t in = hex64(vec_getf(&v, "th64.case%d.input", i));
		ck_assert_uint_eq(zt_lf_th64(in), hex64(vec_getf(&v, "th64.case%d.th64", i)));
		ck_assert_uint_eq(zt_lf_th64n(in, 2), hex64(vec_getf(&v, "th64.case%d.th64n_2", i)));
		ck_assert_uint_eq(zt_lf_th64n(in, 0), in);
		const char *full = vec_getf(&v, "th64.case%d.th64n_525600", i);
		if (full)
			ck_assert_uint_eq(zt_lf_th64n(in, ZT_LF_PULSE_SPAN), hex64(full));
	}
	ck_assert_int_eq(i, 3);
}
END_TEST

static void isqrt_case(const char *label)
{
	uint32_t in = (uint32_t)strtoul(get("isqrt_rounded", label, "input.dec"), NULL, 10);
	uint32_t out = (uint32_t)strtoul(get("isqrt_rounded", label, "output.dec"), NULL, 10);
	ck_assert_uint_eq(zt_lf_isqrt_rounded(in), out);
}

START_TEST(isqrt_rounded)
{
	ck_assert_int_eq(for_each_label("isqrt_rounded", "output.dec", isqrt_case), 14);
	ck_assert_uint_eq(zt_lf_isqrt_rounded(0xffffffffu), 65536);
}
END_TEST

START_TEST(crc32_ieee)
{
	ck_assert_uint_eq(zt_lf_crc32(0, "123456789", 9), 0xcbf43926u);
	/* Incremental use continues the same checksum. */
	ck_assert_uint_eq(zt_lf_crc32(zt_lf_crc32(0, "1234", 4), "56789", 5), 0xcbf43926u);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lf_primitives");
	TCase *tc = tcase_create("primitives");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, md5_digest);
	tcase_add_test(tc, crc16_xmodem);
	tcase_add_test(tc, base62_both_directions);
	tcase_add_test(tc, base62_lenient_and_edges);
	tcase_add_test(tc, base62_random_round_trips);
	tcase_add_test(tc, uvarint_encodings);
	tcase_add_test(tc, uvarint_reader_edges);
	tcase_add_test(tc, shandwich_outputs);
	tcase_add_test(tc, th64_chain);
	tcase_add_test(tc, isqrt_rounded);
	tcase_add_test(tc, crc32_ieee);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
