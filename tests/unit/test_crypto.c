/* SPDX-License-Identifier: Apache-2.0 */
/* Known answers for every primitive in tests/vectors/selftest.txt (README §1). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "node/crypto.h"
#include "vec.h"

static struct vec_file v;

static void setup(void)
{
	ck_assert_int_eq(zt_crypto_init(), ZT_OK);
	vec_load(&v, "selftest.txt");
}

static void teardown(void)
{
	vec_free(&v);
}

/* Loads "<group>.<i>.<field>" as hex; returns its length, or -1 if the index does not exist. */
static long getx(const char *group, int i, const char *field, uint8_t *out, size_t cap)
{
	const char *s = vec_getf(&v, "%s.%d.%s", group, i, field);
	if (!s)
		return -1;
	return (long)vec_hex(s, out, cap);
}

START_TEST(salsa20_keystream)
{
	int i;
	for (i = 0; vec_getf(&v, "salsa20.%d.key", i); i++) {
		uint8_t key[32], iv[8], want[64], got[64] = { 0 };
		getx("salsa20", i, "key", key, 32);
		getx("salsa20", i, "iv", iv, 8);
		getx("salsa20", i, "keystream", want, 64);
		int rounds = atoi(vec_getf(&v, "salsa20.%d.rounds.int", i));
		if (rounds == 12)
			zt_salsa2012_xor(got, got, 64, iv, key);
		else
			zt_salsa20_xor_ic(got, got, 64, iv, 0, key);
		ck_assert_msg(!memcmp(got, want, 64), "salsa20.%d (%d rounds)", i, rounds);
	}
	ck_assert_int_eq(i, 2);
}
END_TEST

START_TEST(salsa20_counter_continues)
{
	/* Block counter 1 of the stream equals bytes 64..127 of the stream from counter 0. */
	uint8_t key[32], iv[8], a[128] = { 0 }, b[64] = { 0 };
	getx("salsa20", 0, "key", key, 32);
	getx("salsa20", 0, "iv", iv, 8);
	zt_salsa20_xor_ic(a, a, 128, iv, 0, key);
	zt_salsa20_xor_ic(b, b, 64, iv, 1, key);
	ck_assert_mem_eq(a + 64, b, 64);
}
END_TEST

START_TEST(poly1305_tags)
{
	int i;
	for (i = 0; vec_getf(&v, "poly1305.%d.key", i); i++) {
		uint8_t key[32], msg[256], want[16], got[16];
		getx("poly1305", i, "key", key, 32);
		long n = getx("poly1305", i, "msg", msg, sizeof msg);
		getx("poly1305", i, "tag", want, 16);
		zt_poly1305(got, msg, (size_t)n, key);
		ck_assert_mem_eq(got, want, 16);
	}
	ck_assert_int_eq(i, 2);
}
END_TEST

START_TEST(sha_digests)
{
	uint8_t msg[128], want[64], got[64];
	long n = getx("sha512", 0, "msg", msg, sizeof msg);
	getx("sha512", 0, "digest", want, 64);
	zt_sha512(got, msg, (size_t)n);
	ck_assert_mem_eq(got, want, 64);
	n = getx("sha384", 0, "msg", msg, sizeof msg);
	getx("sha384", 0, "digest", want, 48);
	zt_sha384(got, msg, (size_t)n);
	ck_assert_mem_eq(got, want, 48);
}
END_TEST

START_TEST(c25519_agreement_and_signatures)
{
	int i;
	for (i = 0; vec_getf(&v, "c25519.%d.pub1", i); i++) {
		uint8_t pub1[64], priv1[64], pub2[64], priv2[64], agreement[64], sig1[96], sig2[96];
		uint8_t got[96], derived[64];
		getx("c25519", i, "pub1", pub1, 64);
		getx("c25519", i, "priv1", priv1, 64);
		getx("c25519", i, "pub2", pub2, 64);
		getx("c25519", i, "priv2", priv2, 64);
		getx("c25519", i, "agreement", agreement, 64);
		getx("c25519", i, "sig1", sig1, 96);
		getx("c25519", i, "sig2", sig2, 96);

		zt_c25519_public(derived, priv1);
		ck_assert_msg(!memcmp(derived, pub1, 64), "c25519.%d pub1 from priv1", i);
		zt_c25519_public(derived, priv2);
		ck_assert_msg(!memcmp(derived, pub2, 64), "c25519.%d pub2 from priv2", i);

		ck_assert_int_eq(zt_c25519_agree(got, priv1, pub2), ZT_OK);
		ck_assert_msg(!memcmp(got, agreement, 64), "c25519.%d agreement 1->2", i);
		ck_assert_int_eq(zt_c25519_agree(got, priv2, pub1), ZT_OK);
		ck_assert_msg(!memcmp(got, agreement, 64), "c25519.%d agreement 2->1", i);

		zt_c25519_sign(got, agreement, 64, pub1, priv1);
		ck_assert_msg(!memcmp(got, sig1, 96), "c25519.%d sig1", i);
		zt_c25519_sign(got, agreement, 64, pub2, priv2);
		ck_assert_msg(!memcmp(got, sig2, 96), "c25519.%d sig2", i);
		ck_assert(zt_c25519_verify(pub1, agreement, 64, sig1, 96));
		ck_assert(zt_c25519_verify(pub2, agreement, 64, sig2, 96));
		ck_assert(!zt_c25519_verify(pub2, agreement, 64, sig1, 96));
		ck_assert(!zt_c25519_verify(pub1, agreement, 64, sig1, 95));

		/* Flipping any bit of the signature or of the message breaks verification. */
		for (int bit = 0; bit < 96 * 8; bit += (i == 0 ? 1 : 37)) {
			sig1[bit / 8] ^= (uint8_t)(1 << (bit % 8));
			ck_assert_msg(!zt_c25519_verify(pub1, agreement, 64, sig1, 96), "sig bit %d", bit);
			sig1[bit / 8] ^= (uint8_t)(1 << (bit % 8));
		}
		for (int bit = 0; bit < 64 * 8; bit += (i == 0 ? 1 : 41)) {
			agreement[bit / 8] ^= (uint8_t)(1 << (bit % 8));
			ck_assert_msg(!zt_c25519_verify(pub1, agreement, 64, sig1, 96), "msg bit %d", bit);
			agreement[bit / 8] ^= (uint8_t)(1 << (bit % 8));
		}
	}
	ck_assert_int_eq(i, 32);
}
END_TEST

START_TEST(c25519_rejects_low_order_key)
{
	uint8_t priv[64], zero_pub[64] = { 0 }, out[64];
	zt_random(priv, sizeof priv);
	ck_assert_int_eq(zt_c25519_agree(out, priv, zero_pub), ZT_EINVALID);
}
END_TEST

START_TEST(aes256_ecb)
{
	struct zt_aes aes;
	uint8_t key[32], in[16], want[16], got[16];
	getx("aes256", 0, "key", key, 32);
	getx("aes256", 0, "in", in, 16);
	getx("aes256", 0, "out", want, 16);
	ck_assert_int_eq(zt_aes_init(&aes, key), ZT_OK);
	ck_assert_int_eq(zt_aes_ecb_encrypt(&aes, got, in), ZT_OK);
	ck_assert_mem_eq(got, want, 16);
	ck_assert_int_eq(zt_aes_ecb_decrypt(&aes, got, want), ZT_OK);
	ck_assert_mem_eq(got, in, 16);
	zt_aes_free(&aes);
}
END_TEST

START_TEST(aes256_ctr)
{
	int i;
	for (i = 0; vec_getf(&v, "aes256ctr.%d.key", i); i++) {
		struct zt_aes aes;
		uint8_t key[32], iv[16], in[1024], want[1024], got[1024];
		getx("aes256ctr", i, "key", key, 32);
		getx("aes256ctr", i, "iv", iv, 16);
		long n = getx("aes256ctr", i, "in", in, sizeof in);
		ck_assert_int_eq(getx("aes256ctr", i, "out", want, sizeof want), n);
		ck_assert_int_eq(zt_aes_init(&aes, key), ZT_OK);
		ck_assert_int_eq(zt_aes_ctr(&aes, iv, got, in, (size_t)n), ZT_OK);
		ck_assert_msg(!memcmp(got, want, (size_t)n), "aes256ctr.%d", i);
		/* Again with the same context: the key schedule is reused, the IV reset. */
		ck_assert_int_eq(zt_aes_ctr(&aes, iv, got, want, (size_t)n), ZT_OK);
		ck_assert_msg(!memcmp(got, in, (size_t)n), "aes256ctr.%d inverse", i);
		zt_aes_free(&aes);
	}
	ck_assert_int_eq(i, 2);
}
END_TEST

START_TEST(gmac_tags)
{
	int i;
	for (i = 0; vec_getf(&v, "gmac.%d.key", i); i++) {
		struct zt_aes aes;
		uint8_t key[32], iv[12], aad[1024], want[16], got[16];
		getx("gmac", i, "key", key, 32);
		getx("gmac", i, "iv", iv, 12);
		long n = getx("gmac", i, "aad", aad, sizeof aad);
		getx("gmac", i, "tag", want, 16);
		ck_assert_int_eq(zt_aes_init(&aes, key), ZT_OK);
		ck_assert_int_eq(zt_aes_gmac(&aes, got, iv, aad, (size_t)n), ZT_OK);
		ck_assert_msg(!memcmp(got, want, 16), "gmac.%d", i);
		/* The two-part form gives the same tag for any split point. */
		ck_assert_int_eq(zt_aes_gmac2(&aes, got, iv, aad, 16, aad + 16, (size_t)n - 16), ZT_OK);
		ck_assert_msg(!memcmp(got, want, 16), "gmac.%d split", i);
		zt_aes_free(&aes);
	}
	ck_assert_int_eq(i, 3);
}
END_TEST

START_TEST(kbkdf_hmac_sha384)
{
	uint8_t key[64], msg0[32], msg1[32], k0[48], k1[48], got[48];
	long kn = getx("kbkdf", 0, "key", key, sizeof key);
	long m0 = getx("kbkdf", 0, "msg0", msg0, sizeof msg0);
	long m1 = getx("kbkdf", 0, "msg1", msg1, sizeof msg1);
	long n0 = getx("kbkdf", 0, "k0", k0, sizeof k0);
	getx("kbkdf", 0, "k1", k1, sizeof k1);
	ck_assert_int_eq(zt_hmac_sha384(got, key, (size_t)kn, msg0, (size_t)m0), ZT_OK);
	ck_assert_mem_eq(got, k0, (size_t)n0);
	ck_assert_int_eq(zt_hmac_sha384(got, key, (size_t)kn, msg1, (size_t)m1), ZT_OK);
	ck_assert_mem_eq(got, k1, (size_t)n0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("crypto");
	TCase *tc = tcase_create("selftest");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, salsa20_keystream);
	tcase_add_test(tc, salsa20_counter_continues);
	tcase_add_test(tc, poly1305_tags);
	tcase_add_test(tc, sha_digests);
	tcase_add_test(tc, c25519_agreement_and_signatures);
	tcase_add_test(tc, c25519_rejects_low_order_key);
	tcase_add_test(tc, aes256_ecb);
	tcase_add_test(tc, aes256_ctr);
	tcase_add_test(tc, gmac_tags);
	tcase_add_test(tc, kbkdf_hmac_sha384);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
