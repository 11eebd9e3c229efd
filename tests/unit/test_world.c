/* SPDX-License-Identifier: Apache-2.0 */
/* Worlds (world.md): Earth (vectors README §3), the lab planet and its updates (§4.2 step 5), moons, limits. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "node/crypto.h"
#include "node/hex.h"
#include "node/world.h"
#include "vec.h"

#define EARTH_LEN 570
#define LAB_LEN 257

static uint8_t earth[1024], lab[512];
static size_t earth_len, lab_len;
static uint8_t lab_pub[64], lab_priv[64];
static struct vec_file keyfile;
/* Worlds are ~12 KiB each: keep them off the stack. */
static struct zt_world w1, w2, w3;

static void setup(void)
{
	ck_assert_int_eq(zt_crypto_init(), ZT_OK);
	earth_len = vec_hexfile("earth-planet.hex", earth, sizeof earth);
	lab_len = vec_hexfile("lab/planet.hex", lab, sizeof lab);
	vec_load(&keyfile, "lab/world-signing-key.txt");
	vec_hex(vec_get(&keyfile, "world_signing.public"), lab_pub, sizeof lab_pub);
	vec_hex(vec_get(&keyfile, "world_signing.secret"), lab_priv, sizeof lab_priv);
}

static void teardown(void)
{
	vec_free(&keyfile);
}

static void parse_ok(struct zt_world *w, const uint8_t *p, size_t n)
{
	size_t consumed = 0;
	ck_assert_int_eq(zt_world_parse(w, p, n, &consumed), ZT_OK);
	ck_assert_uint_eq(consumed, n);
	ck_assert_uint_eq(w->raw_len, n);
	ck_assert_mem_eq(w->raw, p, n);
}

static void check_hex(const uint8_t *got, size_t n, const char *want)
{
	char s[512];
	zt_hex_encode(s, got, n);
	ck_assert_str_eq(s, want);
}

static void check_reserialize(const struct zt_world *w, const uint8_t *p, size_t n)
{
	uint8_t out[ZT_WORLD_MAX_SERIALIZED_LENGTH];
	struct zt_wbuf o = zt_wbuf_init(out, sizeof out);
	ck_assert_int_eq(zt_world_serialize(w, &o), ZT_OK);
	ck_assert_uint_eq(o.len, n);
	ck_assert_mem_eq(out, p, n);
}

START_TEST(earth_fields)
{
	static const struct {
		const char *address, *pub, *v4, *v6;
	} roots[4] = {
		{ "cafe9efeb9", "ccdef76bc7b97ded904eabc5df09886d9c1514a610036cb9139cc214001a2958978efcec15712dd3948c6e6b3a8e893df01ff493d1f8d9806a860c5420571bf0",
		  "104.194.8.134/9993", "2605:9880:200:1200:30:571:e34:51/9993" },
		{ "778cde7190", "3f6681a99e5ad1895e9fba33e6212d4454e168bcec7112101bf000956ed8e92e42892cb6f2ec410881a84ab19da50e1287ba3d926c3a1f755cccf299a1207055",
		  "103.195.103.66/9993", "2605:9880:400:c3:254:f2bc:a1f7:19/9993" },
		{ "62f865ae71", "e2076c57de870e6288d7d5e7404408b1545efca37d67f77b87e9e54168c25d3ef1a9abf2905ea5e785c01dff23887ad4232d95c7a8fd2c27111a72bd159322dc",
		  "50.7.252.138/9993", "2001:49f0:d0db:2::2/9993" },
		{ "cafe04eba9", "6c6a9d1dea55c1616bfe2a2b8f0ff9a8cacaf70374fb1f39e3bef81cbfebef17b7228268a0a2a29d3488c752565c6c965cbd6506ec24397cc8a5d9d15285a87f",
		  "84.17.53.155/9993", "2a02:6ea0:d405::9993/9993" },
	};
	ck_assert_uint_eq(earth_len, EARTH_LEN);
	parse_ok(&w1, earth, earth_len);
	ck_assert_uint_eq(w1.type, ZT_WORLD_TYPE_PLANET);
	ck_assert_uint_eq(w1.id, ZT_WORLD_ID_EARTH);
	ck_assert_uint_eq(w1.id, 0x0000000008eac90aULL);
	ck_assert_uint_eq(w1.timestamp, 1644592324813ULL);
	check_hex(w1.updates_must_be_signed_by, 64,
		  "b8b388a469221491aa9acd66cc764cdefd56039f1067ae15e69c6fb42d7b55330e3fdaac529c0792fd7340a6aa21aba8a489fdaea44a39bf2d00659ac9c818eb");
	check_hex(w1.signature, 96,
		  "3600927637ef4d1404a44d544684851379751faa79b4c4ea85040175ea065860482402e1eb342052000e6290061a9be0cd293c8b55f1c3d2524808afc54922080e3539a75addc3cef0f6ad260d588293bb7786e71efa4b9057dad9867afe12dd");
	ck_assert_uint_eq(w1.root_count, 4);
	for (int i = 0; i < 4; i++) {
		const struct zt_world_root *r = &w1.roots[i];
		char addr[11], s[ZT_INETADDR_STRING_MAX];
		zt_address_format(addr, r->identity.address);
		ck_assert_str_eq(addr, roots[i].address);
		ck_assert_uint_eq(r->identity.type, ZT_IDENTITY_TYPE_C25519);
		ck_assert(!r->identity.has_private);
		check_hex(r->identity.pub, 64, roots[i].pub);
		ck_assert_uint_eq(r->endpoint_count, 2);
		ck_assert_str_eq(zt_inetaddr_format(&r->endpoints[0], s, sizeof s), roots[i].v4);
		ck_assert_str_eq(zt_inetaddr_format(&r->endpoints[1], s, sizeof s), roots[i].v6);
		ck_assert_ptr_eq(zt_world_find_root(&w1, r->identity.address), r);
	}
	ck_assert_ptr_null(zt_world_find_root(&w1, 0x1122334455ULL));
}
END_TEST

START_TEST(earth_signature)
{
	uint8_t msg[1024], want[1024];
	parse_ok(&w1, earth, earth_len);
	struct zt_wbuf o = zt_wbuf_init(msg, sizeof msg);
	ck_assert_int_eq(zt_world_signed_message(&w1, &o), ZT_OK);
	ck_assert_uint_eq(o.len, 490);
	/* README §3 test 3: 7f x 8 || bytes 0..80 || bytes 177..569 || f7 x 8. */
	memset(want, 0x7f, 8);
	memcpy(want + 8, earth, 81);
	memcpy(want + 89, earth + 177, EARTH_LEN - 177);
	memset(want + 89 + EARTH_LEN - 177, 0xf7, 8);
	ck_assert_mem_eq(msg, want, 490);
	ck_assert(zt_world_verify(&w1, w1.updates_must_be_signed_by));
	ck_assert(!zt_world_verify(&w1, lab_pub));
	check_reserialize(&w1, earth, earth_len);
}
END_TEST

START_TEST(earth_truncated_and_corrupted)
{
	for (size_t n = 0; n < earth_len; n++) {
		size_t consumed = 99;
		ck_assert_msg(zt_world_parse(&w1, earth, n, &consumed) == ZT_ETRUNCATED, "length %zu", n);
		ck_assert_uint_eq(consumed, 0);
		ck_assert_uint_eq(w1.raw_len, 0);
		ck_assert_uint_eq(w1.root_count, 0);
	}
	/* Any flipped bit in the signed part breaks the signature (sampled to keep the test quick). */
	uint8_t copy[EARTH_LEN];
	for (size_t i = 0; i < EARTH_LEN; i += 7) {
		memcpy(copy, earth, EARTH_LEN);
		copy[i] ^= 0x01;
		if (zt_world_parse(&w1, copy, EARTH_LEN, NULL) != ZT_OK)
			continue; /* a type or count byte became invalid */
		ck_assert_msg(!zt_world_verify(&w1, earth + ZT_WORLD_IDX_SIGNER), "byte %zu", i);
	}
}
END_TEST

START_TEST(concatenated_worlds)
{
	uint8_t both[1024];
	memcpy(both, earth, earth_len);
	memcpy(both + earth_len, lab, lab_len);
	struct zt_buf b = zt_buf_init(both, earth_len + lab_len);
	ck_assert_int_eq(zt_world_read(&w1, &b), ZT_OK);
	ck_assert_uint_eq(w1.raw_len, earth_len);
	ck_assert_int_eq(zt_world_read(&w2, &b), ZT_OK);
	ck_assert_uint_eq(w2.raw_len, lab_len);
	ck_assert_uint_eq(w2.id, 0x7a7a7a7aULL);
	ck_assert_uint_eq(zt_buf_left(&b), 0);
	size_t consumed;
	ck_assert_int_eq(zt_world_parse(&w3, both, earth_len + 10, &consumed), ZT_OK);
	ck_assert_uint_eq(consumed, earth_len);
}
END_TEST

START_TEST(lab_planet)
{
	uint8_t msg[512], want[512], sig[96];
	char s[ZT_INETADDR_STRING_MAX];
	ck_assert_uint_eq(lab_len, LAB_LEN);
	parse_ok(&w1, lab, lab_len);
	ck_assert_uint_eq(w1.type, ZT_WORLD_TYPE_PLANET);
	ck_assert_uint_eq(w1.id, 0x7a7a7a7aULL);
	ck_assert_uint_eq(w1.timestamp, 1795603881000ULL);
	ck_assert_mem_eq(w1.updates_must_be_signed_by, lab_pub, 64);
	ck_assert_uint_eq(w1.root_count, 1);
	ck_assert_uint_eq(w1.roots[0].identity.address, 0xea697c101fULL);
	ck_assert_uint_eq(w1.roots[0].endpoint_count, 1);
	ck_assert_str_eq(zt_inetaddr_format(&w1.roots[0].endpoints[0], s, sizeof s), "198.18.0.1/9993");

	size_t n = vec_hex(vec_get(&keyfile, "planet.signed_message"), want, sizeof want);
	ck_assert_uint_eq(n, 177);
	struct zt_wbuf o = zt_wbuf_init(msg, sizeof msg);
	ck_assert_int_eq(zt_world_signed_message(&w1, &o), ZT_OK);
	ck_assert_uint_eq(o.len, n);
	ck_assert_mem_eq(msg, want, n);
	vec_hex(vec_get(&keyfile, "planet.signature"), sig, sizeof sig);
	ck_assert_mem_eq(w1.signature, sig, 96);
	ck_assert(zt_world_verify(&w1, lab_pub));

	/* Ed25519 is deterministic: re-signing reproduces the stored signature and bytes. */
	memset(w1.signature, 0, sizeof w1.signature);
	ck_assert_int_eq(zt_world_sign(&w1, lab_pub, lab_priv), ZT_OK);
	ck_assert_mem_eq(w1.signature, sig, 96);
	ck_assert_uint_eq(w1.raw_len, lab_len);
	ck_assert_mem_eq(w1.raw, lab, lab_len);
}
END_TEST

/* w = lab planet with timestamp + delta, signed by (pub, priv). */
static void make_update(struct zt_world *w, int64_t delta, const uint8_t *pub, const uint8_t *priv)
{
	parse_ok(w, lab, lab_len);
	w->timestamp = (uint64_t)((int64_t)w->timestamp + delta);
	ck_assert_int_eq(zt_world_sign(w, pub, priv), ZT_OK);
	/* What goes on the wire parses back to the same world. */
	uint8_t raw[ZT_WORLD_MAX_SERIALIZED_LENGTH];
	size_t n = w->raw_len;
	memcpy(raw, w->raw, n);
	parse_ok(w, raw, n);
}

START_TEST(update_rule)
{
	uint8_t other_pub[64], other_priv[64];
	zt_c25519_generate(other_pub, other_priv);
	parse_ok(&w1, lab, lab_len);

	make_update(&w2, 1, lab_pub, lab_priv);
	ck_assert_int_eq(zt_world_check_update(&w1, &w2), ZT_OK);
	ck_assert(zt_world_should_accept(&w1, &w2));

	make_update(&w2, 1, other_pub, other_priv);
	ck_assert_int_eq(zt_world_check_update(&w1, &w2), ZT_EAUTH);
	ck_assert(!zt_world_should_accept(&w1, &w2));

	make_update(&w2, 0, lab_pub, lab_priv);
	ck_assert_int_eq(zt_world_check_update(&w1, &w2), ZT_ESTALE);
	make_update(&w2, -1, lab_pub, lab_priv);
	ck_assert_int_eq(zt_world_check_update(&w1, &w2), ZT_ESTALE);

	make_update(&w2, 1, lab_pub, lab_priv);
	w2.id++;
	ck_assert_int_eq(zt_world_sign(&w2, lab_pub, lab_priv), ZT_OK);
	ck_assert_int_eq(zt_world_check_update(&w1, &w2), ZT_EINVALID);
	make_update(&w2, 1, lab_pub, lab_priv);
	w2.type = ZT_WORLD_TYPE_MOON;
	ck_assert_int_eq(zt_world_sign(&w2, lab_pub, lab_priv), ZT_OK);
	ck_assert_int_eq(zt_world_check_update(&w1, &w2), ZT_EINVALID);

	/* A tampered update (a byte changed after signing) is rejected. */
	make_update(&w2, 1, lab_pub, lab_priv);
	w2.roots[0].endpoints[0].port++;
	ck_assert_int_eq(zt_world_check_update(&w1, &w2), ZT_EAUTH);

	/* Trust on first use: nothing held, ID 0 or type NULL accepts anything, even badly signed. */
	make_update(&w2, 1, other_pub, other_priv);
	ck_assert_int_eq(zt_world_check_update(NULL, &w2), ZT_OK);
	memset(&w3, 0, sizeof w3);
	ck_assert(zt_world_is_empty(&w3));
	ck_assert_int_eq(zt_world_check_update(&w3, &w2), ZT_OK);
	parse_ok(&w3, lab, lab_len);
	w3.id = 0;
	ck_assert_int_eq(zt_world_check_update(&w3, &w2), ZT_OK);
	w3.id = w2.id;
	w3.type = ZT_WORLD_TYPE_NULL;
	ck_assert_int_eq(zt_world_check_update(&w3, &w2), ZT_OK);
	/* ...but an empty candidate is never taken. */
	ck_assert_int_eq(zt_world_check_update(NULL, &w3), ZT_EINVALID);
}
END_TEST

START_TEST(key_rotation)
{
	uint8_t next_pub[64], next_priv[64];
	zt_c25519_generate(next_pub, next_priv);
	parse_ok(&w1, lab, lab_len);
	/* Update 1: signed by the lab key, names the next key. */
	parse_ok(&w2, lab, lab_len);
	w2.timestamp++;
	memcpy(w2.updates_must_be_signed_by, next_pub, 64);
	ck_assert_int_eq(zt_world_sign(&w2, lab_pub, lab_priv), ZT_OK);
	ck_assert(zt_world_should_accept(&w1, &w2));
	/* Update 2 must be signed by the next key; the old key no longer works. */
	memcpy(&w3, &w2, sizeof w3);
	w3.timestamp++;
	ck_assert_int_eq(zt_world_sign(&w3, next_pub, next_priv), ZT_OK);
	ck_assert(zt_world_should_accept(&w2, &w3));
	ck_assert_int_eq(zt_world_sign(&w3, lab_pub, lab_priv), ZT_OK);
	ck_assert_int_eq(zt_world_check_update(&w2, &w3), ZT_EAUTH);
}
END_TEST

/* A moon with two Earth roots as members, signed with a fresh key. */
static void make_moon(struct zt_world *m, uint8_t pub[64], uint8_t priv[64])
{
	parse_ok(&w3, earth, earth_len);
	memset(m, 0, sizeof *m);
	m->type = ZT_WORLD_TYPE_MOON;
	m->id = w3.roots[0].identity.address; /* by convention the seed's address */
	m->timestamp = 1700000000000ULL;
	zt_c25519_generate(pub, priv);
	memcpy(m->updates_must_be_signed_by, pub, 64);
	m->root_count = 2;
	m->roots[0] = w3.roots[0];
	m->roots[1] = w3.roots[2];
	m->roots[1].endpoint_count = 0;
	ck_assert_int_eq(zt_world_sign(m, pub, priv), ZT_OK);
}

START_TEST(moon_round_trip)
{
	uint8_t pub[64], priv[64], bytes[ZT_WORLD_MAX_SERIALIZED_LENGTH];
	make_moon(&w1, pub, priv);
	size_t n = w1.raw_len;
	ck_assert_uint_eq(n, 178 + (71 + 1 + 7 + 19) + (71 + 1) + 2);
	ck_assert_uint_eq(w1.raw[0], 127);
	ck_assert_uint_eq(w1.raw[n - 2], 0);
	ck_assert_uint_eq(w1.raw[n - 1], 0);
	memcpy(bytes, w1.raw, n);
	parse_ok(&w2, bytes, n);
	check_reserialize(&w2, bytes, n);
	ck_assert(zt_world_verify(&w2, pub));
	ck_assert_uint_eq(w2.roots[1].endpoint_count, 0);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(zt_world_parse(&w3, bytes, i, NULL), ZT_ETRUNCATED);

	/* A moon carrying a dictionary: kept byte for byte, left out of the signed message. */
	memcpy(bytes + n - 2, "\x00\x03" "abc", 5);
	parse_ok(&w2, bytes, n + 3);
	ck_assert_uint_eq(w2.moon_dict_len, 3);
	ck_assert_mem_eq(w2.raw + w2.moon_dict_off, "abc", 3);
	check_reserialize(&w2, bytes, n + 3);
	ck_assert(zt_world_verify(&w2, pub));
	/* Editing the roots moves the dictionary; re-signing keeps it. */
	w2.root_count = 1;
	ck_assert_int_eq(zt_world_sign(&w2, pub, priv), ZT_OK);
	ck_assert_uint_eq(w2.raw_len, n + 3 - 72);
	ck_assert_mem_eq(w2.raw + w2.raw_len - 3, "abc", 3);
	ck_assert_uint_eq(w2.moon_dict_off, w2.raw_len - 3);
	memcpy(bytes, w2.raw, w2.raw_len);
	parse_ok(&w3, bytes, w2.raw_len);
	ck_assert(zt_world_verify(&w3, pub));
}
END_TEST

START_TEST(limits_and_bad_input)
{
	uint8_t b[ZT_WORLD_MAX_SERIALIZED_LENGTH + 512];
	/* Root count 5. */
	memcpy(b, lab, lab_len);
	b[ZT_WORLD_IDX_ROOT_COUNT] = 5;
	ck_assert_int_eq(zt_world_parse(&w1, b, lab_len, NULL), ZT_ETOOBIG);
	/* Unknown world type. */
	memcpy(b, lab, lab_len);
	b[0] = 2;
	ck_assert_int_eq(zt_world_parse(&w1, b, lab_len, NULL), ZT_EUNSUPPORTED);
	/* Root identity of type 1. */
	memcpy(b, lab, lab_len);
	b[ZT_WORLD_MIN_LENGTH + 5] = 1;
	ck_assert_int_eq(zt_world_parse(&w1, b, lab_len, NULL), ZT_EUNSUPPORTED);
	/* Root identity with a private key length byte. */
	memcpy(b, lab, lab_len);
	b[ZT_WORLD_MIN_LENGTH + 70] = 64;
	memset(b + lab_len, 0, 64);
	ck_assert_int_ne(zt_world_parse(&w1, b, lab_len + 64, NULL), ZT_OK);
	b[ZT_WORLD_MIN_LENGTH + 70] = 7;
	ck_assert_int_eq(zt_world_parse(&w1, b, lab_len, NULL), ZT_EMALFORMED);
	/* Endpoint in a reserved encoding (7 bytes, like the IPv4 it replaces). */
	memcpy(b, lab, lab_len);
	b[lab_len - 7] = 0x01;
	ck_assert_int_eq(zt_world_parse(&w1, b, lab_len, NULL), ZT_EUNSUPPORTED);
	b[lab_len - 7] = 0x05;
	ck_assert_int_eq(zt_world_parse(&w1, b, lab_len, NULL), ZT_EMALFORMED);
	/* 33 endpoints. */
	memcpy(b, lab, lab_len - 8);
	b[lab_len - 8] = 33;
	for (int i = 0; i < 33; i++)
		memcpy(b + lab_len - 7 + 7 * i, lab + lab_len - 7, 7);
	ck_assert_int_eq(zt_world_parse(&w1, b, lab_len + 7 * 32, NULL), ZT_ETOOBIG);
	b[lab_len - 8] = 32;
	ck_assert_int_eq(zt_world_parse(&w1, b, lab_len + 7 * 31, NULL), ZT_OK);

	/* A moon over 8480 bytes (through its dictionary). */
	uint8_t pub[64], priv[64];
	make_moon(&w2, pub, priv);
	size_t n = w2.raw_len;
	memcpy(b, w2.raw, n);
	size_t dict = ZT_WORLD_MAX_SERIALIZED_LENGTH - n + 1;
	b[n - 2] = (uint8_t)(dict >> 8);
	b[n - 1] = (uint8_t)dict;
	memset(b + n, 'x', dict);
	ck_assert_int_eq(zt_world_parse(&w1, b, n + dict, NULL), ZT_ETOOBIG);
	dict--;
	b[n - 2] = (uint8_t)(dict >> 8);
	b[n - 1] = (uint8_t)dict;
	ck_assert_int_eq(zt_world_parse(&w1, b, n + dict, NULL), ZT_OK);
	ck_assert_uint_eq(w1.raw_len, ZT_WORLD_MAX_SERIALIZED_LENGTH);

	/* Serializing invalid counts or into a short buffer fails cleanly. */
	parse_ok(&w1, lab, lab_len);
	uint8_t small[100];
	struct zt_wbuf o = zt_wbuf_init(small, sizeof small);
	ck_assert_int_eq(zt_world_serialize(&w1, &o), ZT_ENOSPACE);
	w1.root_count = 5;
	o = zt_wbuf_init(b, sizeof b);
	ck_assert_int_eq(zt_world_serialize(&w1, &o), ZT_EINVALID);
	ck_assert_int_eq(zt_world_sign(&w1, lab_pub, lab_priv), ZT_EINVALID);
	ck_assert(!zt_world_verify(&w1, lab_pub));
	w1.root_count = 1;
	w1.roots[0].endpoint_count = 33;
	ck_assert_int_eq(zt_world_update_raw(&w1), ZT_EINVALID);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("world");
	TCase *tc = tcase_create("world");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, earth_fields);
	tcase_add_test(tc, earth_signature);
	tcase_add_test(tc, earth_truncated_and_corrupted);
	tcase_add_test(tc, concatenated_worlds);
	tcase_add_test(tc, lab_planet);
	tcase_add_test(tc, update_rule);
	tcase_add_test(tc, key_rotation);
	tcase_add_test(tc, moon_round_trip);
	tcase_add_test(tc, limits_and_bad_input);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
