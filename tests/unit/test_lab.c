/* SPDX-License-Identifier: Apache-2.0 */
/* Every captured 1.14.1 datagram in vectors/lab (README §4.2 steps 1-3): dearmor, re-armor, relay. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/hex.h"
#include "node/packet.h"
#include "lab.h"
#include "vec.h"



static void setup(void)
{
	ck_assert_int_eq(zt_crypto_init(), ZT_OK);
}

static void teardown(void)
{
}

static void peer_key_for(struct zt_peer_key *pk, const char *pair)
{
	uint8_t key[48];
	ck_assert_int_eq(zt_peer_key_init(pk, lab_pair_key(pair, key)), ZT_OK);
}

static const char *need(const struct vec_file *f, int b, const char *name)
{
	const char *s = vec_block_get(f, b, name);
	ck_assert_msg(s != NULL, "block %d: missing %s", b, name);
	return s;
}

static uint64_t need_addr(const struct vec_file *f, int b, const char *name)
{
	uint64_t a;
	ck_assert_msg(zt_address_parse(&a, need(f, b, name)), "block %d: bad %s", b, name);
	return a;
}

struct lab_packet {
	const char *where;
	uint8_t wire[ZT_PROTO_MAX_PACKET_LENGTH];
	size_t len;
	unsigned cipher;
};

static void check_header(const struct vec_file *f, int b, const struct lab_packet *p)
{
	uint8_t id[8], mac[8];
	vec_hex(need(f, b, "packet_id"), id, sizeof id);
	vec_hex(need(f, b, "mac"), mac, sizeof mac);
	ck_assert_msg(zt_packet_id(p->wire) == zt_be64(id), "%s: packet_id", p->where);
	ck_assert_msg(zt_packet_mac(p->wire) == zt_be64(mac), "%s: mac", p->where);
	ck_assert_msg(zt_packet_dest(p->wire) == need_addr(f, b, "dest"), "%s: dest", p->where);
	ck_assert_msg(zt_packet_source(p->wire) == need_addr(f, b, "source"), "%s: source", p->where);
	ck_assert_msg(zt_packet_flags(p->wire) == strtoul(need(f, b, "flags"), NULL, 16), "%s: flags", p->where);
	ck_assert_msg(zt_packet_cipher(p->wire) == (unsigned)atoi(need(f, b, "cipher")), "%s: cipher", p->where);
	ck_assert_msg(zt_packet_hops(p->wire) == (unsigned)atoi(need(f, b, "hops")), "%s: hops", p->where);
	ck_assert_msg(zt_packet_fragmented(p->wire) == (atoi(need(f, b, "fragmented")) != 0), "%s: fragmented",
		      p->where);
	ck_assert_uint_eq(zt_packet_classify(p->wire, p->len), ZT_DATAGRAM_HEAD);
}

/* Step 1: authenticate, decrypt, decompress; the result equals `plain`. */
static void check_dearmor(const struct vec_file *f, int b, const struct lab_packet *p, struct zt_peer_key *pk)
{
	static uint8_t buf[ZT_PROTO_MAX_PACKET_LENGTH], want[ZT_PROTO_MAX_PACKET_LENGTH];
	size_t len = p->len;
	memcpy(buf, p->wire, len);
	ck_assert_msg(zt_packet_dearmor(buf, len, pk) == ZT_OK, "%s: dearmor", p->where);
	ck_assert_msg(buf[ZT_PACKET_IDX_VERB] == strtoul(need(f, b, "verb_byte_wire"), NULL, 16), "%s: verb byte",
		      p->where);
	bool compressed = !strcmp(need(f, b, "compressed"), "yes");
	ck_assert(zt_packet_compressed(buf) == compressed);
	if (compressed) {
		size_t n = vec_hex(need(f, b, "payload_compressed"), want, sizeof want);
		ck_assert_uint_eq(len - ZT_PACKET_IDX_PAYLOAD, n);
		ck_assert_mem_eq(buf + ZT_PACKET_IDX_PAYLOAD, want, n);
	}
	ck_assert_msg(zt_packet_decompress(buf, &len, sizeof buf) == ZT_OK, "%s: decompress", p->where);
	size_t n = vec_hex(need(f, b, "plain"), want, sizeof want);
	ck_assert_uint_eq(len - ZT_PACKET_IDX_VERB, n);
	ck_assert_msg(!memcmp(buf + ZT_PACKET_IDX_VERB, want, n), "%s: plain", p->where);
	ck_assert_uint_eq(zt_packet_verb(buf), strtoul(need(f, b, "verb"), NULL, 16));
}

/* Step 2: rebuild the pre-armor packet and armor it; the result equals `wire` with hops 0. */
static void check_rearmor(const struct vec_file *f, int b, const struct lab_packet *p, struct zt_peer_key *pk)
{
	static uint8_t buf[ZT_PROTO_MAX_PACKET_LENGTH], want[ZT_PROTO_MAX_PACKET_LENGTH];
	size_t len;
	memcpy(buf, p->wire, ZT_PACKET_IDX_VERB);
	buf[ZT_PACKET_IDX_FLAGS] &= (uint8_t)~ZT_PACKET_FLAGS_HOPS_MASK;
	memset(buf + ZT_PACKET_IDX_MAC, 0, ZT_PACKET_MAC_LENGTH);
	if (p->cipher == ZT_CIPHER_AES_GMAC_SIV) {
		uint8_t iv[8], got[8];
		vec_hex(need(f, b, "armor_iv"), iv, sizeof iv);
		ck_assert_int_eq(zt_packet_siv_iv(p->wire, p->len, pk, got), ZT_OK);
		ck_assert_msg(!memcmp(iv, got, 8), "%s: armor_iv", p->where);
		memcpy(buf, iv, 8);
	}
	if (!strcmp(need(f, b, "compressed"), "yes")) {
		buf[ZT_PACKET_IDX_VERB] = (uint8_t)strtoul(need(f, b, "verb_byte_wire"), NULL, 16);
		len = ZT_PACKET_IDX_PAYLOAD +
		      vec_hex(need(f, b, "payload_compressed"), buf + ZT_PACKET_IDX_PAYLOAD,
			      sizeof buf - ZT_PACKET_IDX_PAYLOAD);
	} else {
		len = ZT_PACKET_IDX_VERB +
		      vec_hex(need(f, b, "plain"), buf + ZT_PACKET_IDX_VERB, sizeof buf - ZT_PACKET_IDX_VERB);
	}
	if (zt_packet_verb(buf) == ZT_VERB_HELLO) {
		/* `plain` holds the cryptField as sent: decrypt it to check, then encrypt it back. */
		size_t off = (size_t)atoi(need(f, b, "hello_cryptfield_offset"));
		uint8_t nonce[8], cf[64];
		vec_hex(need(f, b, "hello_cryptfield_nonce"), nonce, sizeof nonce);
		ck_assert_uint_eq(zt_be64(nonce), zt_packet_id(buf) & ~7ULL);
		size_t n = vec_hex(need(f, b, "hello_cryptfield_plain"), cf, sizeof cf);
		ck_assert_uint_eq(off + n, len);
		ck_assert_int_eq(zt_packet_hello_cryptfield(buf, len, off, pk->key), ZT_OK);
		ck_assert_msg(!memcmp(buf + off, cf, n), "%s: cryptField plain", p->where);
		ck_assert_int_eq(zt_packet_hello_cryptfield(buf, len, off, pk->key), ZT_OK);
	}
	ck_assert_uint_eq(len, p->len);
	ck_assert_int_eq(zt_packet_armor(buf, len, pk, p->cipher), ZT_OK);
	memcpy(want, p->wire, len);
	want[ZT_PACKET_IDX_FLAGS] &= (uint8_t)~ZT_PACKET_FLAGS_HOPS_MASK;
	ck_assert_msg(!memcmp(buf, want, len), "%s: re-armor != wire", p->where);
}

START_TEST(lab_packets)
{
	static struct lab_packet p;
	char where[128];
	unsigned packets = 0, junk = 0, hellos = 0, compressed = 0, per_cipher[4] = { 0 };
	for (size_t c = 0; c < lab_ncaptures; c++) {
		struct vec_file f;
		vec_load(&f, lab_captures[c]);
		for (int b = 0; b < f.nblocks; b++) {
			const char *kind = vec_block_get(&f, b, "kind");
			if (!kind)
				continue;
			snprintf(where, sizeof where, "%s packet %s", lab_captures[c], need(&f, b, "packet"));
			p.where = where;
			p.len = vec_hex(need(&f, b, "wire"), p.wire, sizeof p.wire);
			ck_assert_uint_eq(p.len, (size_t)atoi(need(&f, b, "udp_len")));
			if (!strncmp(kind, "junk", 4)) {
				ck_assert_msg(zt_packet_classify(p.wire, p.len) == ZT_DATAGRAM_JUNK, "%s: junk", where);
				junk++;
				continue;
			}
			ck_assert_str_eq(kind, "packet");
			p.cipher = (unsigned)atoi(need(&f, b, "cipher"));
			struct zt_peer_key pk;
			peer_key_for(&pk, need(&f, b, "key_pair"));
			check_header(&f, b, &p);
			check_dearmor(&f, b, &p, &pk);
			check_rearmor(&f, b, &p, &pk);
			zt_peer_key_free(&pk);
			packets++;
			per_cipher[p.cipher]++;
			hellos += strtoul(need(&f, b, "verb"), NULL, 16) == ZT_VERB_HELLO;
			compressed += !strcmp(need(&f, b, "compressed"), "yes");
		}
		vec_free(&f);
	}
	ck_assert_uint_eq(packets, 21);
	ck_assert_uint_eq(junk, 1);
	ck_assert_uint_eq(hellos, 7);
	ck_assert_uint_eq(compressed, 2);
	ck_assert_uint_eq(per_cipher[0], 7);
	ck_assert_uint_eq(per_cipher[1], 7);
	ck_assert_uint_eq(per_cipher[3], 7);
}
END_TEST

/* Step 3: the root's relayed copy is our hop increment of the original, and differs only in byte 18. */
START_TEST(lab_relay)
{
	static const char *const relayed[] = { "lab/06-relayed-netconf-request-a-root-b.txt",
					       "lab/09-error-netconf-notfound-relayed.txt" };
	for (size_t c = 0; c < 2; c++) {
		static uint8_t w1[2048], w2[2048];
		struct vec_file f;
		vec_load(&f, relayed[c]);
		int b1 = -1, b2 = -1;
		for (int b = 0; b < f.nblocks; b++) {
			const char *n = vec_block_get(&f, b, "packet");
			if (n && !strcmp(n, "1"))
				b1 = b;
			if (n && !strcmp(n, "2"))
				b2 = b;
		}
		ck_assert(b1 >= 0 && b2 >= 0);
		size_t n1 = vec_hex(need(&f, b1, "wire"), w1, sizeof w1);
		size_t n2 = vec_hex(need(&f, b2, "wire"), w2, sizeof w2);
		ck_assert_uint_eq(n1, n2);
		for (size_t i = 0; i < n1; i++)
			if (i != ZT_PACKET_IDX_FLAGS)
				ck_assert_msg(w1[i] == w2[i], "%s: byte %zu differs", relayed[c], i);
		ck_assert_uint_ne(w1[ZT_PACKET_IDX_FLAGS], w2[ZT_PACKET_IDX_FLAGS]);
		ck_assert_int_eq(zt_packet_hops_increment(w1, n1), 1);
		ck_assert_mem_eq(w1, w2, n1);

		/* And the relayed copy still authenticates. */
		struct zt_peer_key pk;
		peer_key_for(&pk, need(&f, b2, "key_pair"));
		ck_assert_int_eq(zt_packet_dearmor(w2, n2, &pk), ZT_OK);
		zt_peer_key_free(&pk);
		vec_free(&f);
	}
}
END_TEST

/* keys.txt K0/K1 are the KBKDF of the key (checked through one AES block each). */
START_TEST(lab_keys)
{
	static const char *const pairs[] = { "root-a", "root-b", "a-b" };
	struct vec_file keys;
	vec_load(&keys, "lab/keys.txt");
	for (size_t i = 0; i < 3; i++) {
		uint8_t k0[48], k1[48], in[16] = { 0x5a, 0x54 }, a[16], b[16];
		struct zt_peer_key pk;
		struct zt_aes ref;
		peer_key_for(&pk, pairs[i]);
		vec_hex(vec_getf(&keys, "%s.k0", pairs[i]), k0, sizeof k0);
		vec_hex(vec_getf(&keys, "%s.k1", pairs[i]), k1, sizeof k1);
		ck_assert_int_eq(zt_aes_init(&ref, k0), ZT_OK);
		zt_aes_ecb_encrypt(&ref, a, in);
		zt_aes_ecb_encrypt(&pk.k0, b, in);
		ck_assert_mem_eq(a, b, 16);
		zt_aes_free(&ref);
		ck_assert_int_eq(zt_aes_init(&ref, k1), ZT_OK);
		zt_aes_ecb_encrypt(&ref, a, in);
		zt_aes_ecb_encrypt(&pk.k1, b, in);
		ck_assert_mem_eq(a, b, 16);
		zt_aes_free(&ref);
		zt_peer_key_free(&pk);
	}
	vec_free(&keys);
}
END_TEST

static Suite *lab_suite(void)
{
	Suite *s = suite_create("lab");
	TCase *tc = tcase_create("captures");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, lab_packets);
	tcase_add_test(tc, lab_relay);
	tcase_add_test(tc, lab_keys);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(lab_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
