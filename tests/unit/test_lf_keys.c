/* SPDX-License-Identifier: Apache-2.0 */
/*
 * LF keys (tests/vectors/lf/keys.txt): the seeded PRNG, brainpoolP160t1 name keys, owners from seeds
 * and passphrases, private-key forms, and owner signatures with public-key recovery.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lf/ecc.h"
#include "lf/lfcrypto.h"
#include "lf/owner.h"
#include "lf/selector.h"
#include "vec.h"

static struct vec_file v;

static void setup(void)
{
	vec_load(&v, "lf/keys.txt");
}

static void teardown(void)
{
	vec_free(&v);
}

static const char *get(const char *group, const char *label, const char *field)
{
	const char *s = vec_getf(&v, "%s.%s.%s", group, label, field);
	ck_assert_msg(s != NULL, "missing %s.%s.%s", group, label, field);
	return s;
}

static size_t hex(const char *group, const char *label, const char *field, uint8_t *out, size_t cap)
{
	return vec_hex(get(group, label, field), out, cap);
}

START_TEST(prng_output)
{
	static const char *seeds[] = { "bad", "lol" };
	for (size_t i = 0; i < 2; i++) {
		uint8_t key[32], want_key[32], want[48], got[48];
		const char *seed = get("prng", seeds[i], "seed.str");
		hex("prng", seeds[i], "aes_key", want_key, 32);
		hex("prng", seeds[i], "first48", want, 48);
		zt_lf_prng_key(key, seed, strlen(seed));
		ck_assert_mem_eq(key, want_key, 32);

		/* Read in uneven pieces: the stream must be continuous across reads. */
		struct zt_lf_prng p;
		ck_assert_int_eq(zt_lf_prng_init(&p, seed, strlen(seed)), ZT_OK);
		zt_lf_prng_read(&p, got, 5);
		zt_lf_prng_read(&p, got + 5, 20);
		zt_lf_prng_read(&p, got + 25, 23);
		zt_lf_prng_free(&p);
		ck_assert_mem_eq(got, want, 48);
	}
}
END_TEST

START_TEST(name_keys)
{
	static const char *labels[] = { "bad", "horse", "com_zerotier_example", "node", "com_example_ztroot_locator",
					"com_zerotier_locator_v1" };
	for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++) {
		uint8_t d[20], x[20], y[20], comp[21], ph[32], id[32];
		const char *name = get("name", labels[i], "name.str");
		hex("name", labels[i], "d", d, 20);
		hex("name", labels[i], "x", x, 20);
		hex("name", labels[i], "y", y, 20);
		hex("name", labels[i], "compressed", comp, 21);
		hex("name", labels[i], "pubhash", ph, 32);
		hex("name", labels[i], "record_id_single_selector", id, 32);

		struct zt_lf_name_key k;
		ck_assert_int_eq(zt_lf_name_key(&k, name, strlen(name)), ZT_OK);
		ck_assert_mem_eq(k.d, d, 20);
		ck_assert_mem_eq(k.x, x, 20);
		ck_assert_mem_eq(k.y, y, 20);
		ck_assert_mem_eq(k.compressed, comp, 21);
		ck_assert_mem_eq(k.pubhash, ph, 32);
		/* The ID of a record with only this selector: SHA256 of the compressed key. */
		uint8_t got[32];
		zt_lf_sha256(got, k.compressed, 21);
		ck_assert_mem_eq(got, id, 32);
	}
}
END_TEST

static void check_ecdsa_owner(const char *label, enum zt_lf_owner_type t, size_t len, size_t pub_len)
{
	uint8_t d[48], x[48], y[48], comp[49], full[32], pub[32], priv[200];
	char text[ZT_LF_OWNER_TEXT_MAX_LEN];
	const char *seed = get("owner", label, "seed.str");
	hex("owner", label, "d", d, len);
	hex("owner", label, "x", x, len);
	hex("owner", label, "y", y, len);
	hex("owner", label, "compressed", comp, len + 1);
	hex("owner", label, "pubhash_full", full, 32);
	ck_assert_uint_eq(hex("owner", label, "public", pub, sizeof pub), pub_len);
	size_t plen = hex("owner", label, "private_bytes", priv, sizeof priv);

	struct zt_lf_owner o, back;
	ck_assert_int_eq(zt_lf_owner_type_parse(get("owner", label, "type.str")), t);
	ck_assert_int_eq(zt_lf_owner_from_seed(&o, t, seed, strlen(seed)), ZT_OK);
	ck_assert_int_eq(o.type, t);
	ck_assert(o.has_private);
	ck_assert_mem_eq(o.d, d, len);
	ck_assert_mem_eq(o.x, x, len);
	ck_assert_mem_eq(o.y, y, len);
	uint8_t got[49], h[32];
	zt_lf_ec_compress(t == ZT_LF_OWNER_P224 ? ZT_LF_CURVE_P224 : ZT_LF_CURVE_P384, o.x, o.y, got);
	ck_assert_mem_eq(got, comp, len + 1);
	zt_lf_ec_pubhash(t == ZT_LF_OWNER_P224 ? ZT_LF_CURVE_P224 : ZT_LF_CURVE_P384, o.x, o.y, h);
	ck_assert_mem_eq(h, full, 32);
	ck_assert_uint_eq(o.pub_len, pub_len);
	ck_assert_mem_eq(o.pub, pub, pub_len);
	ck_assert_int_eq(zt_lf_owner_type_of(o.pub_len), t);
	ck_assert_int_eq(zt_lf_owner_text(text, sizeof text, o.pub, o.pub_len), ZT_OK);
	ck_assert_str_eq(text, get("owner", label, "public.str"));

	/* PrivateBytes: written exactly as Go writes them, and read back. */
	uint8_t out[ZT_LF_OWNER_PRIVATE_MAX_LEN];
	size_t olen;
	ck_assert_int_eq(zt_lf_owner_private_bytes(&o, out, sizeof out, &olen), ZT_OK);
	ck_assert_uint_eq(olen, plen);
	ck_assert_mem_eq(out, priv, plen);
	ck_assert_int_eq(zt_lf_owner_from_private_bytes(&back, priv, plen), ZT_OK);
	ck_assert_mem_eq(&back, &o, sizeof o);
	/* A private key of one curve labelled as the other is refused. */
	priv[0] = t == ZT_LF_OWNER_P224 ? ZT_LF_OWNER_P384 : ZT_LF_OWNER_P224;
	ck_assert_int_ne(zt_lf_owner_from_private_bytes(&back, priv, plen), ZT_OK);
	zt_lf_owner_wipe(&o);
}

START_TEST(owners_from_seed)
{
	check_ecdsa_owner("lol_p224", ZT_LF_OWNER_P224, 28, 14);
	check_ecdsa_owner("lol_p384", ZT_LF_OWNER_P384, 48, 24);

	uint8_t seed[32], pub[32], priv[65], ph[32], got[32];
	char text[ZT_LF_OWNER_TEXT_MAX_LEN];
	const char *s = get("owner", "lol_ed25519", "seed.str");
	hex("owner", "lol_ed25519", "ed25519_seed", seed, 32);
	hex("owner", "lol_ed25519", "public", pub, 32);
	ck_assert_uint_eq(hex("owner", "lol_ed25519", "private_bytes", priv, sizeof priv), 65);
	hex("owner", "lol_ed25519", "private_hash", ph, 32);
	struct zt_lf_owner o, back;
	ck_assert_int_eq(zt_lf_owner_from_seed(&o, ZT_LF_OWNER_ED25519, s, strlen(s)), ZT_OK);
	ck_assert_mem_eq(o.d, seed, 32);
	ck_assert_uint_eq(o.pub_len, 32);
	ck_assert_mem_eq(o.pub, pub, 32);
	ck_assert_int_eq(zt_lf_owner_text(text, sizeof text, o.pub, o.pub_len), ZT_OK);
	ck_assert_str_eq(text, get("owner", "lol_ed25519", "public.str"));
	uint8_t out[80];
	size_t olen;
	ck_assert_int_eq(zt_lf_owner_private_bytes(&o, out, sizeof out, &olen), ZT_OK);
	ck_assert_uint_eq(olen, 65);
	ck_assert_mem_eq(out, priv, 65);
	ck_assert_int_eq(zt_lf_owner_from_private_bytes(&back, priv, 65), ZT_OK);
	ck_assert_mem_eq(&back, &o, sizeof o);
	ck_assert_int_eq(zt_lf_owner_private_hash(&o, got), ZT_OK);
	ck_assert_mem_eq(got, ph, 32);
	priv[64] ^= 1; /* public half that is not the seed's */
	ck_assert_int_eq(zt_lf_owner_from_private_bytes(&back, priv, 65), ZT_EINVALID);
	ck_assert_int_eq(zt_lf_owner_from_private_bytes(&back, priv, 64), ZT_EMALFORMED);
	ck_assert_int_eq(zt_lf_owner_from_private_bytes(&back, (const uint8_t *)"\x07", 1), ZT_EUNSUPPORTED);
}
END_TEST

START_TEST(passphrase_owners)
{
	static const char *labels[] = { "correct_horse", "research", "spec" };
	for (size_t i = 0; i < 3; i++) {
		uint8_t pub[24], mk[32], got_mk[32];
		char text[ZT_LF_OWNER_TEXT_MAX_LEN];
		const char *pass = get("passphrase", labels[i], "passphrase.str");
		hex("passphrase", labels[i], "owner_public", pub, sizeof pub);
		hex("passphrase", labels[i], "masking_key", mk, sizeof mk);
		struct zt_lf_owner o;
		ck_assert_int_eq(zt_lf_owner_from_passphrase(&o, got_mk, pass, strlen(pass)), ZT_OK);
		ck_assert_int_eq(o.type, ZT_LF_OWNER_P384);
		ck_assert_mem_eq(o.pub, pub, 24);
		ck_assert_mem_eq(got_mk, mk, 32);
		ck_assert_int_eq(zt_lf_owner_text(text, sizeof text, o.pub, o.pub_len), ZT_OK);
		ck_assert_str_eq(text, get("passphrase", labels[i], "owner_public.str"));
		uint8_t parsed[32];
		size_t plen;
		ck_assert_int_eq(zt_lf_owner_text_parse(parsed, sizeof parsed, &plen, text, strlen(text)), ZT_OK);
		ck_assert_uint_eq(plen, 24);
		ck_assert_mem_eq(parsed, pub, 24);
	}
}
END_TEST

START_TEST(pem_round_trip)
{
	for (int t = ZT_LF_OWNER_P224; t <= ZT_LF_OWNER_ED25519; t++) {
		struct zt_lf_owner o, back;
		char pem[ZT_LF_OWNER_PEM_MAX_LEN], text[ZT_LF_OWNER_TEXT_MAX_LEN], line[128];
		ck_assert_int_eq(zt_lf_owner_generate(&o, (enum zt_lf_owner_type)t), ZT_OK);
		ck_assert_int_eq(zt_lf_owner_to_pem(&o, pem, sizeof pem), ZT_OK);
		ck_assert_int_eq(zt_lf_owner_text(text, sizeof text, o.pub, o.pub_len), ZT_OK);
		snprintf(line, sizeof line, "-----BEGIN LF OWNER PRIVATE KEY-----\nPublic: %s\nType: %s\n\n", text,
			 zt_lf_owner_type_name(o.type));
		ck_assert_msg(!strncmp(pem, line, strlen(line)), "PEM header: %s", pem);
		ck_assert(strstr(pem, "\n-----END LF OWNER PRIVATE KEY-----\n") != NULL);
		ck_assert_int_eq(zt_lf_owner_load(&back, (const uint8_t *)pem, strlen(pem)), ZT_OK);
		ck_assert_mem_eq(&back, &o, sizeof o);
		/* Leading text and CRLF line ends are tolerated. */
		char crlf[2 * ZT_LF_OWNER_PEM_MAX_LEN], *q = crlf;
		q += sprintf(q, "junk before\r\n");
		for (const char *p = pem; *p; p++) {
			if (*p == '\n')
				*q++ = '\r';
			*q++ = *p;
		}
		*q = '\0';
		ck_assert_int_eq(zt_lf_owner_load(&back, (const uint8_t *)crlf, strlen(crlf)), ZT_OK);
		ck_assert_mem_eq(&back, &o, sizeof o);
		/* Raw PrivateBytes load too. */
		uint8_t priv[ZT_LF_OWNER_PRIVATE_MAX_LEN];
		size_t plen;
		ck_assert_int_eq(zt_lf_owner_private_bytes(&o, priv, sizeof priv, &plen), ZT_OK);
		ck_assert_int_eq(zt_lf_owner_load(&back, priv, plen), ZT_OK);
		ck_assert_mem_eq(&back, &o, sizeof o);
		/* Truncated PEM. */
		ck_assert_int_ne(zt_lf_owner_load(&back, (const uint8_t *)pem, strlen(pem) / 2), ZT_OK);
		ck_assert_int_eq(zt_lf_owner_to_pem(&o, pem, 40), ZT_ENOSPACE);
	}
}
END_TEST

START_TEST(sign_and_verify_every_type)
{
	for (int t = ZT_LF_OWNER_P224; t <= ZT_LF_OWNER_ED25519; t++) {
		struct zt_lf_owner o, other;
		uint8_t s[48], sig[ZT_LF_OWNER_SIG_MAX_LEN];
		size_t siglen;
		ck_assert_int_eq(zt_lf_owner_generate(&o, (enum zt_lf_owner_type)t), ZT_OK);
		ck_assert_int_eq(zt_lf_owner_generate(&other, (enum zt_lf_owner_type)t), ZT_OK);
		for (int round = 0; round < 8; round++) {
			for (int i = 0; i < 48; i++)
				s[i] = (uint8_t)(round * 31 + i);
			ck_assert_int_eq(zt_lf_owner_sign(&o, s, sig, sizeof sig, &siglen), ZT_OK);
			ck_assert_uint_eq(siglen, t == ZT_LF_OWNER_P224 ? 56 : t == ZT_LF_OWNER_P384 ? 96 : 64);
			ck_assert_int_eq(zt_lf_owner_verify(o.pub, o.pub_len, s, sig, siglen), ZT_OK);
			ck_assert_int_eq(zt_lf_owner_verify(other.pub, other.pub_len, s, sig, siglen), ZT_EAUTH);
			ck_assert_int_eq(zt_lf_owner_verify(o.pub, o.pub_len, s, sig, siglen - 1), ZT_EAUTH);
			sig[siglen - 1] ^= 1;
			ck_assert_int_eq(zt_lf_owner_verify(o.pub, o.pub_len, s, sig, siglen), ZT_EAUTH);
			sig[siglen - 1] ^= 1;
			s[47] ^= 1;
			/* ECDSA truncates the hash to the order: P-224 signs only the first 28 bytes of S. */
			ck_assert_int_eq(zt_lf_owner_verify(o.pub, o.pub_len, s, sig, siglen),
					 t == ZT_LF_OWNER_P224 ? ZT_OK : ZT_EAUTH);
			s[0] ^= 1;
			ck_assert_int_eq(zt_lf_owner_verify(o.pub, o.pub_len, s, sig, siglen), ZT_EAUTH);
		}
		/* Without a private key there is no signature. */
		struct zt_lf_owner pub_only = o;
		pub_only.has_private = false;
		ck_assert_int_eq(zt_lf_owner_sign(&pub_only, s, sig, sizeof sig, &siglen), ZT_EINVALID);
	}
	/* Owner fields of any other length never verify. */
	uint8_t s[48] = { 0 }, sig[64] = { 0 }, pub[20] = { 0 };
	ck_assert_int_eq(zt_lf_owner_verify(pub, sizeof pub, s, sig, sizeof sig), ZT_EAUTH);
	ck_assert_int_eq(zt_lf_owner_type_of(20), ZT_LF_OWNER_NONE);
	ck_assert_ptr_null(zt_lf_owner_type_name(ZT_LF_OWNER_NONE));
}
END_TEST

START_TEST(recovery_rejects_bad_input)
{
	/* r or s of zero or not below n, and x beyond p, give no key. */
	uint8_t h[32] = { 1 }, r[20], s[20], x[20], y[20];
	memset(r, 0, 20);
	memset(s, 1, 20);
	ck_assert_int_eq(zt_lf_ec_recover(ZT_LF_CURVE_BP160, h, 32, r, s, 0, x, y), ZT_EINVALID);
	memset(r, 0xff, 20);
	ck_assert_int_eq(zt_lf_ec_recover(ZT_LF_CURVE_BP160, h, 32, r, s, 0, x, y), ZT_EINVALID);
	memset(r, 1, 20);
	memset(s, 0, 20);
	ck_assert_int_eq(zt_lf_ec_recover(ZT_LF_CURVE_BP160, h, 32, r, s, 0, x, y), ZT_EINVALID);
	/* For brainpoolP160t1, r + n is always beyond p: recovery ids 2..15 never yield a key. */
	memset(s, 1, 20);
	for (unsigned j = 2; j < 16; j++)
		ck_assert_int_eq(zt_lf_ec_recover(ZT_LF_CURVE_BP160, h, 32, r, s, j, x, y), ZT_EINVALID);
	/* Half of all x values are not on the curve: some r in a small range must fail either parity. */
	int failures = 0;
	for (int i = 1; i <= 16; i++) {
		memset(r, 0, 20);
		r[19] = (uint8_t)i;
		if (zt_lf_ec_recover(ZT_LF_CURVE_BP160, h, 32, r, s, 0, x, y) == ZT_EINVALID)
			failures++;
	}
	ck_assert_int_gt(failures, 0);
	ck_assert_int_lt(failures, 16);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lf_keys");
	TCase *tc = tcase_create("keys");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, prng_output);
	tcase_add_test(tc, name_keys);
	tcase_add_test(tc, owners_from_seed);
	tcase_add_test(tc, passphrase_owners);
	tcase_add_test(tc, pem_round_trip);
	tcase_add_test(tc, sign_and_verify_every_type);
	tcase_add_test(tc, recovery_rejects_bad_input);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
