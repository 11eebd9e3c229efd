/* SPDX-License-Identifier: Apache-2.0 */
/* Value masking and Brotli (tests/vectors/lf/masking.txt, lf.md §2.6). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lf/lfcrypto.h"
#include "lf/mask.h"
#include "vec.h"

static struct vec_file v;
static uint8_t owner[32];
static uint64_t ts;
static const char *mk;

static void setup(void)
{
	vec_load(&v, "lf/masking.txt");
	ck_assert_uint_eq(vec_hex(vec_get(&v, "material.owner"), owner, sizeof owner), 32);
	ts = strtoull(vec_get(&v, "material.timestamp.dec"), NULL, 10);
	mk = vec_get(&v, "material.mk.str");
}

static void teardown(void)
{
	vec_free(&v);
}

START_TEST(key_material)
{
	uint8_t k[48], want[48], key[32], iv[16];
	vec_hex(vec_get(&v, "material.k"), want, 48);
	vec_hex(vec_get(&v, "material.aes_key"), key, 32);
	vec_hex(vec_get(&v, "material.iv"), iv, 16);
	zt_lf_mask_key(k, ts, mk, strlen(mk), owner, 32);
	ck_assert_mem_eq(k, want, 48);
	ck_assert_mem_eq(k, key, 32);
	ck_assert_mem_eq(k + 32, iv, 16);

	uint8_t nomk_owner[32];
	vec_hex(vec_get(&v, "nomk.owner"), nomk_owner, 32);
	vec_hex(vec_get(&v, "nomk.k"), want, 48);
	zt_lf_mask_key(k, strtoull(vec_get(&v, "nomk.timestamp.dec"), NULL, 10), NULL, 0, nomk_owner, 32);
	ck_assert_mem_eq(k, want, 48);
}
END_TEST

START_TEST(short_value)
{
	uint8_t plain[16], hdr[2], masked[16], *out;
	size_t pn = vec_hex(vec_get(&v, "short.plain"), plain, sizeof plain), outlen;
	vec_hex(vec_get(&v, "short.header"), hdr, 2);
	size_t mn = vec_hex(vec_get(&v, "short.masked"), masked, sizeof masked);
	ck_assert_uint_eq((zt_lf_crc16(plain, pn) & 0xfffc) >> 8, hdr[0]);
	/* No compression at this length, so masking is deterministic. */
	ck_assert_int_eq(zt_lf_value_mask(&out, &outlen, plain, pn, ts, mk, strlen(mk), owner, 32), ZT_OK);
	ck_assert_uint_eq(outlen, mn);
	ck_assert_mem_eq(out, masked, mn);
	free(out);
	int c = -1;
	ck_assert_int_eq(zt_lf_value_unmask(&out, &outlen, masked, mn, ts, mk, strlen(mk), owner, 32, &c), ZT_OK);
	ck_assert_int_eq(c, ZT_LF_VALUE_RAW);
	ck_assert_uint_eq(outlen, pn);
	ck_assert_mem_eq(out, plain, pn);
	free(out);
}
END_TEST

START_TEST(brotli_value)
{
	uint8_t plain[128], comp[64], hdr[2], masked[64], *out;
	size_t pn = vec_hex(vec_get(&v, "brotli.plain"), plain, sizeof plain), outlen;
	size_t cn = vec_hex(vec_get(&v, "brotli.compressed"), comp, sizeof comp);
	vec_hex(vec_get(&v, "brotli.header"), hdr, 2);
	size_t mn = vec_hex(vec_get(&v, "brotli.masked"), masked, sizeof masked);
	ck_assert_uint_eq(((zt_lf_crc16(comp, cn) & 0xfffc) | 1), (unsigned)((hdr[0] << 8) | hdr[1]));

	/* The reference's masked bytes decode to the plaintext. */
	int c = -1;
	ck_assert_int_eq(zt_lf_value_unmask(&out, &outlen, masked, mn, ts, mk, strlen(mk), owner, 32, &c), ZT_OK);
	ck_assert_int_eq(c, ZT_LF_VALUE_BROTLI);
	ck_assert_uint_eq(outlen, pn);
	ck_assert_mem_eq(out, plain, pn);
	free(out);
	ck_assert_int_eq(zt_lf_brotli_decompress(&out, &outlen, comp, cn, ZT_LF_VALUE_MAX_PLAIN), ZT_OK);
	ck_assert_uint_eq(outlen, pn);
	ck_assert_mem_eq(out, plain, pn);
	free(out);

	/* Our masking compresses too (any valid stream will do) and round-trips. */
	uint8_t *mine;
	size_t minelen;
	ck_assert_int_eq(zt_lf_value_mask(&mine, &minelen, plain, pn, ts, mk, strlen(mk), owner, 32), ZT_OK);
	ck_assert_uint_lt(minelen, pn + 2);
	ck_assert_int_eq(zt_lf_value_unmask(&out, &outlen, mine, minelen, ts, mk, strlen(mk), owner, 32, &c), ZT_OK);
	ck_assert_int_eq(c, ZT_LF_VALUE_BROTLI);
	ck_assert_uint_eq(outlen, pn);
	ck_assert_mem_eq(out, plain, pn);
	free(out);
	free(mine);
}
END_TEST

START_TEST(wrong_key)
{
	uint8_t masked[16], want[16], k[48];
	size_t mn = vec_hex(vec_get(&v, "short.masked"), masked, sizeof masked);
	vec_hex(vec_get(&v, "wrongkey.decrypted"), want, sizeof want);
	const char *wrong = vec_get(&v, "wrongkey.mk.str");
	zt_lf_mask_key(k, ts, wrong, strlen(wrong), owner, 32);
	uint8_t buf[16];
	memcpy(buf, masked, mn);
	ck_assert_int_eq(zt_lf_aes256_cfb(buf, mn, k, k + 32, false), ZT_OK);
	ck_assert_mem_eq(buf, want, mn);

	uint8_t *out = (uint8_t *)1;
	size_t outlen = 1;
	ck_assert_int_eq(zt_lf_value_unmask(&out, &outlen, masked, mn, ts, wrong, strlen(wrong), owner, 32, NULL),
			 ZT_EAUTH);
	ck_assert_ptr_null(out);
	ck_assert_uint_eq(outlen, 0);
}
END_TEST

START_TEST(edge_cases)
{
	uint8_t *out;
	size_t outlen;
	/* Empty plaintext: no value; empty masked value: empty plaintext; one byte: malformed. */
	ck_assert_int_eq(zt_lf_value_mask(&out, &outlen, "", 0, ts, NULL, 0, owner, 32), ZT_OK);
	ck_assert_ptr_null(out);
	ck_assert_uint_eq(outlen, 0);
	ck_assert_int_eq(zt_lf_value_unmask(&out, &outlen, owner, 0, ts, NULL, 0, owner, 32, NULL), ZT_OK);
	ck_assert_uint_eq(outlen, 0);
	ck_assert_int_eq(zt_lf_value_unmask(&out, &outlen, owner, 1, ts, NULL, 0, owner, 32, NULL), ZT_EMALFORMED);

	/* Compression types 2 and 3 are rejected; a broken Brotli stream too. */
	for (int c = 1; c <= 3; c++) {
		uint8_t buf[8] = { 0, 0, 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02 }, k[48];
		uint16_t hdr = (uint16_t)((zt_lf_crc16(buf + 2, 6) & 0xfffc) | c);
		buf[0] = (uint8_t)(hdr >> 8);
		buf[1] = (uint8_t)hdr;
		zt_lf_mask_key(k, ts, NULL, 0, owner, 32);
		ck_assert_int_eq(zt_lf_aes256_cfb(buf, sizeof buf, k, k + 32, true), ZT_OK);
		ck_assert_int_eq(zt_lf_value_unmask(&out, &outlen, buf, sizeof buf, ts, NULL, 0, owner, 32, NULL),
				 c == 1 ? ZT_EMALFORMED : ZT_EUNSUPPORTED);
	}

	/* Values that do not shrink stay uncompressed; long ones round-trip. */
	uint8_t noise[300];
	for (size_t i = 0; i < sizeof noise; i++)
		noise[i] = (uint8_t)((i * 2654435761u) >> 13);
	uint8_t *m;
	size_t mlen;
	int c;
	ck_assert_int_eq(zt_lf_value_mask(&m, &mlen, noise, sizeof noise, ts, "k", 1, owner, 32), ZT_OK);
	ck_assert_int_eq(zt_lf_value_unmask(&out, &outlen, m, mlen, ts, "k", 1, owner, 32, &c), ZT_OK);
	ck_assert_uint_eq(outlen, sizeof noise);
	ck_assert_mem_eq(out, noise, sizeof noise);
	ck_assert_uint_le(mlen, sizeof noise + 2);
	free(out);
	free(m);
}
END_TEST

START_TEST(brotli_output_is_capped)
{
	/* A Brotli bomb: 1 MiB of zeros decompresses to at most the cap, without error. */
	size_t n = 1u << 20;
	uint8_t *zeros = calloc(1, n), *comp, *out;
	size_t clen, outlen;
	ck_assert_int_eq(zt_lf_brotli_compress(&comp, &clen, zeros, n), ZT_OK);
	ck_assert_uint_lt(clen, 64);
	ck_assert_int_eq(zt_lf_brotli_decompress(&out, &outlen, comp, clen, ZT_LF_VALUE_MAX_PLAIN), ZT_OK);
	ck_assert_uint_eq(outlen, ZT_LF_VALUE_MAX_PLAIN);
	free(out);
	/* Truncated stream. */
	ck_assert_int_eq(zt_lf_brotli_decompress(&out, &outlen, comp, clen / 2, ZT_LF_VALUE_MAX_PLAIN), ZT_EMALFORMED);
	free(comp);
	free(zeros);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lf_masking");
	TCase *tc = tcase_create("masking");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, key_material);
	tcase_add_test(tc, short_value);
	tcase_add_test(tc, brotli_value);
	tcase_add_test(tc, wrong_key);
	tcase_add_test(tc, edge_cases);
	tcase_add_test(tc, brotli_output_is_capped);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
