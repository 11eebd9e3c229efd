/* SPDX-License-Identifier: Apache-2.0 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "node/buf.h"
#include "node/err.h"
#include "node/hex.h"

START_TEST(reader_reads_big_endian)
{
	const uint8_t data[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20 };
	struct zt_buf b = zt_buf_init(data, sizeof data);
	ck_assert_uint_eq(zt_buf_u8(&b), 1);
	ck_assert_uint_eq(zt_buf_u16(&b), 0x0203);
	ck_assert_uint_eq(zt_buf_u32(&b), 0x04050607);
	ck_assert_uint_eq(zt_buf_u40(&b), 0x08090a0b0cULL);
	ck_assert_uint_eq(zt_buf_u64(&b), 0x0d0e0f1011121314ULL);
	ck_assert(!b.err);
	ck_assert_uint_eq(zt_buf_left(&b), 0);
}
END_TEST

START_TEST(reader_error_is_sticky)
{
	const uint8_t data[] = { 1, 2, 3 };
	struct zt_buf b = zt_buf_init(data, sizeof data);
	ck_assert_uint_eq(zt_buf_u32(&b), 0);
	ck_assert(b.err);
	/* Nothing more can be read once an overrun happened, even what would fit. */
	ck_assert_uint_eq(zt_buf_u8(&b), 0);
	ck_assert(zt_buf_get(&b, 0) == NULL);
	ck_assert_uint_eq(zt_buf_left(&b), 0);
}
END_TEST

START_TEST(reader_huge_length_does_not_wrap)
{
	const uint8_t data[4] = { 0 };
	struct zt_buf b = zt_buf_init(data, sizeof data);
	zt_buf_skip(&b, 2);
	ck_assert(zt_buf_get(&b, SIZE_MAX) == NULL);
	ck_assert(b.err);
}
END_TEST

START_TEST(writer_bounds)
{
	uint8_t out[8];
	struct zt_wbuf w = zt_wbuf_init(out, sizeof out);
	zt_wbuf_u40(&w, 0x0102030405ULL);
	zt_wbuf_u16(&w, 0x0607);
	ck_assert(!w.err);
	zt_wbuf_u16(&w, 0x0809); /* one byte too many */
	ck_assert(w.err);
	ck_assert_uint_eq(w.len, 7);
	zt_wbuf_u8(&w, 1); /* sticky */
	ck_assert_uint_eq(w.len, 7);
	ck_assert_mem_eq(out, "\x01\x02\x03\x04\x05\x06\x07", 7);
}
END_TEST

START_TEST(hex_roundtrip_and_errors)
{
	uint8_t b[4];
	char s[9];
	ck_assert(zt_hex_decode(b, 4, "DEADbeef"));
	zt_hex_encode(s, b, 4);
	ck_assert_str_eq(s, "deadbeef");
	ck_assert(!zt_hex_decode(b, 4, "deadbe"));
	ck_assert(!zt_hex_decode(b, 4, "deadbeeg"));
	ck_assert_int_eq(zt_hex_decode_all(b, 4, "abc", 3), -1);
	ck_assert_int_eq(zt_hex_decode_all(b, 2, "abcdef", 6), -1);
	uint64_t a;
	ck_assert(zt_address_parse(&a, "ea697c101f"));
	ck_assert_uint_eq(a, 0xea697c101fULL);
	ck_assert(!zt_address_parse(&a, "ea697c101"));
	ck_assert(!zt_address_parse(&a, "ea697c101fa"));
	char as[11];
	zt_address_format(as, 0x00bfb0f64dULL);
	ck_assert_str_eq(as, "00bfb0f64d");
}
END_TEST

START_TEST(strerror_covers_everything)
{
	for (int e = ZT_ERR_BASE - 1; e >= ZT_ELIMIT; e--)
		ck_assert_str_ne(zt_strerror(e), "unknown error");
	ck_assert_str_eq(zt_strerror(ZT_OK), "success");
	ck_assert_str_ne(zt_strerror(-2), "unknown error");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("buf");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, reader_reads_big_endian);
	tcase_add_test(tc, reader_error_is_sticky);
	tcase_add_test(tc, reader_huge_length_does_not_wrap);
	tcase_add_test(tc, writer_bounds);
	tcase_add_test(tc, hex_roundtrip_and_errors);
	tcase_add_test(tc, strerror_covers_everything);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
