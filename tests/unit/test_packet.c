/* SPDX-License-Identifier: Apache-2.0 */
/* Packet codec: armor.* and lz4.* of selftest.txt (vectors README §1), compression, hops, classifier. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "node/compress.h"
#include "node/packet.h"
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

static size_t getx(const char *group, int i, const char *field, uint8_t *out, size_t cap)
{
	const char *s = vec_getf(&v, "%s.%d.%s", group, i, field);
	ck_assert_msg(s != NULL, "missing %s.%d.%s", group, i, field);
	return vec_hex(s, out, cap);
}

/* Deterministic filler so failures reproduce. */
static void fill(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}

struct armor_vec {
	uint8_t key[48], input[1500], wire[1500];
	size_t len;
	unsigned cipher;
};

static void armor_vec_load(struct armor_vec *a, int i)
{
	ck_assert_uint_eq(getx("armor", i, "key", a->key, sizeof a->key), 48);
	a->len = getx("armor", i, "input", a->input, sizeof a->input);
	ck_assert_uint_eq(getx("armor", i, "wire", a->wire, sizeof a->wire), a->len);
	a->cipher = (unsigned)atoi(vec_getf(&v, "armor.%d.cipher.int", i));
}

START_TEST(armor_known_answers)
{
	int i;
	for (i = 0; vec_getf(&v, "armor.%d.key", i); i++) {
		struct armor_vec a;
		struct zt_peer_key pk;
		uint8_t buf[1500];
		armor_vec_load(&a, i);
		ck_assert_int_eq(zt_peer_key_init(&pk, a.key), ZT_OK);

		memcpy(buf, a.input, a.len);
		ck_assert_int_eq(zt_packet_armor(buf, a.len, &pk, a.cipher), ZT_OK);
		ck_assert_msg(!memcmp(buf, a.wire, a.len), "armor.%d: armor != wire", i);

		memcpy(buf, a.wire, a.len);
		ck_assert_int_eq(zt_packet_dearmor(buf, a.len, &pk), ZT_OK);
		ck_assert_msg(!memcmp(buf + ZT_PACKET_IDX_VERB, a.input + ZT_PACKET_IDX_VERB, a.len - ZT_PACKET_IDX_VERB),
			      "armor.%d: dearmor != input", i);
		ck_assert_msg(!memcmp(buf, a.wire, ZT_PACKET_IDX_VERB), "armor.%d: header changed", i);
		ck_assert_uint_eq(zt_packet_cipher(buf), a.cipher);
		if (a.cipher == ZT_CIPHER_AES_GMAC_SIV) {
			uint8_t iv[8];
			ck_assert_int_eq(zt_packet_siv_iv(buf, a.len, &pk, iv), ZT_OK);
			ck_assert_mem_eq(iv, a.input, 8);
		} else {
			uint8_t iv[8];
			ck_assert_int_eq(zt_packet_siv_iv(buf, a.len, &pk, iv), ZT_EUNSUPPORTED);
		}
		zt_peer_key_free(&pk);
	}
	ck_assert_int_eq(i, 5);
}
END_TEST

/* Every byte except the hop bits is bound by the MAC; a failed dearmor leaves the buffer as it was. */
START_TEST(armor_tamper)
{
	for (int i = 0; vec_getf(&v, "armor.%d.key", i); i++) {
		struct armor_vec a;
		struct zt_peer_key pk;
		uint8_t buf[1500];
		armor_vec_load(&a, i);
		ck_assert_int_eq(zt_peer_key_init(&pk, a.key), ZT_OK);
		for (size_t j = 0; j < a.len; j++) {
			static const uint8_t flips[] = { 0x01, 0x80, 0xff };
			for (size_t f = 0; f < sizeof flips; f++) {
				uint8_t x = flips[f];
				if (j == ZT_PACKET_IDX_FLAGS)
					x &= (uint8_t)~ZT_PACKET_FLAGS_HOPS_MASK;
				if (!x)
					continue;
				memcpy(buf, a.wire, a.len);
				buf[j] ^= x;
				zt_err err = zt_packet_dearmor(buf, a.len, &pk);
				ck_assert_msg(err == ZT_EAUTH || err == ZT_EUNSUPPORTED,
					      "armor.%d: flip byte %zu ^%02x accepted (%d)", i, j, x, err);
				buf[j] ^= x;
				ck_assert_msg(!memcmp(buf, a.wire, a.len), "armor.%d: failed dearmor changed buffer", i);
			}
		}
		for (unsigned bit = 0x08; bit <= 0x80; bit <<= 1) {
			memcpy(buf, a.wire, a.len);
			buf[ZT_PACKET_IDX_FLAGS] ^= (uint8_t)bit;
			ck_assert_int_ne(zt_packet_dearmor(buf, a.len, &pk), ZT_OK);
		}
		for (unsigned hops = 0; hops < 8; hops++) {
			memcpy(buf, a.wire, a.len);
			buf[ZT_PACKET_IDX_FLAGS] = (uint8_t)((buf[ZT_PACKET_IDX_FLAGS] & 0xf8) | hops);
			ck_assert_int_eq(zt_packet_dearmor(buf, a.len, &pk), ZT_OK);
			ck_assert_mem_eq(buf + ZT_PACKET_IDX_VERB, a.input + ZT_PACKET_IDX_VERB, a.len - ZT_PACKET_IDX_VERB);
		}
		/* The length is bound too (per-packet key for Poly1305, GHASH length block for GMAC). */
		memcpy(buf, a.wire, a.len);
		ck_assert_int_eq(zt_packet_dearmor(buf, a.len - 1, &pk), ZT_EAUTH);
		/* A wrong key fails. */
		struct zt_peer_key other;
		uint8_t k2[48];
		memcpy(k2, a.key, 48);
		k2[47] ^= 1; /* only the KBKDF sees byte 47: cipher 3 fails, Salsa ciphers ignore it */
		ck_assert_int_eq(zt_peer_key_init(&other, k2), ZT_OK);
		memcpy(buf, a.wire, a.len);
		ck_assert_int_eq(zt_packet_dearmor(buf, a.len, &other),
				 a.cipher == ZT_CIPHER_AES_GMAC_SIV ? ZT_EAUTH : ZT_OK);
		zt_peer_key_free(&other);
		k2[47] ^= 1;
		k2[0] ^= 1;
		ck_assert_int_eq(zt_peer_key_init(&other, k2), ZT_OK);
		memcpy(buf, a.wire, a.len);
		if (a.cipher != ZT_CIPHER_AES_GMAC_SIV)
			ck_assert_int_eq(zt_packet_dearmor(buf, a.len, &other), ZT_EAUTH);
		zt_peer_key_free(&other);
		zt_peer_key_free(&pk);
	}
}
END_TEST

START_TEST(armor_hello_cryptfield)
{
	uint8_t key[48], wire[200], nonce[8], plain[16], enc[16], ks[16];
	size_t len = getx("armor", 0, "wire", wire, sizeof wire);
	getx("armor", 0, "key", key, sizeof key);
	getx("armor", 0, "hello_cryptfield_nonce", nonce, sizeof nonce);
	size_t n = getx("armor", 0, "hello_cryptfield_plain", plain, sizeof plain);
	ck_assert_uint_eq(getx("armor", 0, "hello_cryptfield_encrypted", enc, sizeof enc), n);
	size_t off = (size_t)atoi(vec_get(&v, "armor.0.hello_cryptfield_offset.int"));
	ck_assert_uint_eq(off + n, len);
	ck_assert_mem_eq(wire + off, enc, n);

	/* The raw primitive as the README states it. */
	memcpy(ks, enc, n);
	zt_salsa2012_xor(ks, ks, n, nonce, key);
	ck_assert_mem_eq(ks, plain, n);

	/* Our codec derives the same nonce from the packet ID and is its own inverse. */
	ck_assert_uint_eq(nonce[7], wire[7] & 0xf8);
	ck_assert_int_eq(zt_packet_hello_cryptfield(wire, len, off, key), ZT_OK);
	ck_assert_mem_eq(wire + off, plain, n);
	ck_assert_int_eq(zt_packet_hello_cryptfield(wire, len, off, key), ZT_OK);
	ck_assert_mem_eq(wire + off, enc, n);

	ck_assert_int_eq(zt_packet_hello_cryptfield(wire, len, len, key), ZT_OK);
	ck_assert_int_eq(zt_packet_hello_cryptfield(wire, len, len + 1, key), ZT_ETRUNCATED);
	ck_assert_int_eq(zt_packet_hello_cryptfield(wire, 27, 20, key), ZT_ETRUNCATED);
}
END_TEST

START_TEST(armor_round_trip)
{
	static uint8_t buf[ZT_PROTO_MAX_PACKET_LENGTH], orig[ZT_PROTO_MAX_PACKET_LENGTH];
	static const size_t lens[] = { 28, 29, 43, 44, 45, 91, 92, 93, 1400, 1432, 4096, ZT_PROTO_MAX_PACKET_LENGTH };
	static const unsigned ciphers[] = { 0, 1, 3 };
	uint8_t key[48];
	struct zt_peer_key pk;
	fill(key, sizeof key, 7);
	ck_assert_int_eq(zt_peer_key_init(&pk, key), ZT_OK);
	for (size_t c = 0; c < 3; c++) {
		for (size_t l = 0; l < sizeof lens / sizeof lens[0]; l++) {
			size_t len = lens[l];
			fill(orig, len, (uint32_t)(len * 31 + c));
			zt_packet_init(orig, 0x0102030405060708ULL, 0x1122334455ULL, 0x99aabbccddULL, ZT_VERB_ECHO);
			orig[ZT_PACKET_IDX_FLAGS] = (uint8_t)(l & 1 ? ZT_PACKET_FLAG_FRAGMENTED | 5 : 0xff);
			memcpy(buf, orig, len);
			ck_assert_int_eq(zt_packet_armor(buf, len, &pk, ciphers[c]), ZT_OK);
			ck_assert_uint_eq(zt_packet_cipher(buf), ciphers[c]);
			ck_assert_uint_eq(zt_packet_hops(buf), 0);
			ck_assert(zt_packet_fragmented(buf) == ((orig[ZT_PACKET_IDX_FLAGS] & 0x40) != 0));
			ck_assert(!!(buf[ZT_PACKET_IDX_FLAGS] & ZT_PACKET_FLAG_ENCRYPTED) == (ciphers[c] == 1));
			if (ciphers[c] == ZT_CIPHER_AES_GMAC_SIV)
				ck_assert(zt_packet_id(buf) != 0x0102030405060708ULL);
			else
				ck_assert_uint_eq(zt_packet_id(buf), 0x0102030405060708ULL);
			ck_assert_int_eq(zt_packet_dearmor(buf, len, &pk), ZT_OK);
			ck_assert_mem_eq(buf + ZT_PACKET_IDX_VERB, orig + ZT_PACKET_IDX_VERB, len - ZT_PACKET_IDX_VERB);
			ck_assert_uint_eq(zt_packet_verb(buf), ZT_VERB_ECHO);
		}
	}
	zt_peer_key_free(&pk);
	zt_peer_key_free(&pk); /* idempotent */
}
END_TEST

START_TEST(armor_limits)
{
	static uint8_t buf[ZT_PROTO_MAX_PACKET_LENGTH + 1];
	uint8_t key[48] = { 1 };
	struct zt_peer_key pk;
	ck_assert_int_eq(zt_peer_key_init(&pk, key), ZT_OK);
	memset(buf, 0, sizeof buf);
	ck_assert_int_eq(zt_packet_armor(buf, 27, &pk, 1), ZT_ETRUNCATED);
	ck_assert_int_eq(zt_packet_armor(buf, sizeof buf, &pk, 1), ZT_ETOOBIG);
	ck_assert_int_eq(zt_packet_dearmor(buf, 27, &pk), ZT_ETRUNCATED);
	ck_assert_int_eq(zt_packet_dearmor(buf, 0, &pk), ZT_ETRUNCATED);
	ck_assert_int_eq(zt_packet_dearmor(buf, sizeof buf, &pk), ZT_ETOOBIG);
	for (unsigned c = 2; c < 8; c++) {
		if (c == 3)
			continue;
		ck_assert_int_eq(zt_packet_armor(buf, 100, &pk, c), ZT_EUNSUPPORTED);
		buf[ZT_PACKET_IDX_FLAGS] = (uint8_t)(c << 3);
		ck_assert_int_eq(zt_packet_dearmor(buf, 100, &pk), ZT_EUNSUPPORTED);
	}
	zt_peer_key_free(&pk);
}
END_TEST

/* K0/K1 equal kbkdf.0.k0/k1[0..31]: compared through one AES block, since the contexts hide the keys. */
START_TEST(kbkdf_keys)
{
	uint8_t key[48], k0[48], k1[48], in[16] = { 1, 2, 3 }, a[16], b[16];
	struct zt_peer_key pk;
	struct zt_aes ref;
	getx("kbkdf", 0, "key", key, sizeof key);
	getx("kbkdf", 0, "k0", k0, sizeof k0);
	getx("kbkdf", 0, "k1", k1, sizeof k1);
	ck_assert_int_eq(zt_peer_key_init(&pk, key), ZT_OK);
	ck_assert_mem_eq(pk.key, key, 48);
	ck_assert_int_eq(zt_aes_init(&ref, k0), ZT_OK);
	ck_assert_int_eq(zt_aes_ecb_encrypt(&ref, a, in), ZT_OK);
	ck_assert_int_eq(zt_aes_ecb_encrypt(&pk.k0, b, in), ZT_OK);
	ck_assert_mem_eq(a, b, 16);
	zt_aes_free(&ref);
	ck_assert_int_eq(zt_aes_init(&ref, k1), ZT_OK);
	ck_assert_int_eq(zt_aes_ecb_encrypt(&ref, a, in), ZT_OK);
	ck_assert_int_eq(zt_aes_ecb_encrypt(&pk.k1, b, in), ZT_OK);
	ck_assert_mem_eq(a, b, 16);
	zt_aes_free(&ref);
	zt_peer_key_free(&pk);
	uint8_t zero[48] = { 0 };
	ck_assert_mem_eq(pk.key, zero, 48);
}
END_TEST

START_TEST(header_fields)
{
	uint8_t p[ZT_PACKET_HEADER_LENGTH];
	ck_assert_uint_eq(zt_packet_init(p, 0xfedcba9876543210ULL, 0xea697c101fULL, 0x45de99e693ULL, ZT_VERB_WHOIS),
			  ZT_PACKET_IDX_PAYLOAD);
	ck_assert_uint_eq(zt_packet_id(p), 0xfedcba9876543210ULL);
	ck_assert_uint_eq(zt_packet_dest(p), 0xea697c101fULL);
	ck_assert_uint_eq(zt_packet_source(p), 0x45de99e693ULL);
	ck_assert_uint_eq(zt_packet_flags(p), 0);
	ck_assert_uint_eq(zt_packet_mac(p), 0);
	ck_assert_uint_eq(zt_packet_verb(p), ZT_VERB_WHOIS);
	ck_assert(!zt_packet_compressed(p));
	p[ZT_PACKET_IDX_FLAGS] = 0x5b;
	ck_assert_uint_eq(zt_packet_cipher(p), 3);
	ck_assert_uint_eq(zt_packet_hops(p), 3);
	ck_assert(zt_packet_fragmented(p));
	zt_packet_set_fragmented(p, false);
	ck_assert_uint_eq(zt_packet_flags(p), 0x1b);
	zt_packet_set_id(p, 42);
	ck_assert_uint_eq(zt_packet_id(p), 42);
	p[ZT_PACKET_IDX_VERB] = 0x8b;
	ck_assert(zt_packet_compressed(p));
	ck_assert_uint_eq(zt_packet_verb(p), ZT_VERB_NETWORK_CONFIG_REQUEST);
}
END_TEST

START_TEST(lz4_known_answer)
{
	uint8_t c[512], d[512], out[1024];
	size_t cn = getx("lz4", 0, "compressed", c, sizeof c);
	size_t dn = getx("lz4", 0, "decompressed", d, sizeof d);
	ck_assert_int_eq(zt_lz4_decompress(out, sizeof out, c, cn), (long)dn);
	ck_assert_mem_eq(out, d, dn);
	/* Exactly enough room works; one byte less is an error, not an overflow. */
	ck_assert_int_eq(zt_lz4_decompress(out, dn, c, cn), (long)dn);
	ck_assert_int_eq(zt_lz4_decompress(out, dn - 1, c, cn), ZT_ECOMPRESS);

	/* As a packet: verb byte 0x8b + the block. */
	static uint8_t pkt[ZT_PROTO_MAX_PACKET_LENGTH];
	zt_packet_init(pkt, 1, 2, 3, ZT_VERB_NETWORK_CONFIG_REQUEST | ZT_VERB_FLAG_COMPRESSED);
	memcpy(pkt + ZT_PACKET_IDX_PAYLOAD, c, cn);
	size_t len = ZT_PACKET_IDX_PAYLOAD + cn;
	ck_assert_int_eq(zt_packet_decompress(pkt, &len, sizeof pkt), ZT_OK);
	ck_assert_uint_eq(len, ZT_PACKET_IDX_PAYLOAD + dn);
	ck_assert_uint_eq(pkt[ZT_PACKET_IDX_VERB], ZT_VERB_NETWORK_CONFIG_REQUEST);
	ck_assert_mem_eq(pkt + ZT_PACKET_IDX_PAYLOAD, d, dn);
	/* Without the flag nothing happens. */
	ck_assert_int_eq(zt_packet_decompress(pkt, &len, sizeof pkt), ZT_OK);
	ck_assert_uint_eq(len, ZT_PACKET_IDX_PAYLOAD + dn);
}
END_TEST

START_TEST(compress_round_trip)
{
	static uint8_t pkt[ZT_PROTO_MAX_PACKET_LENGTH], orig[ZT_PROTO_MAX_PACKET_LENGTH];
	static const size_t payloads[] = { 0, 1, 63, 64, 65, 100, 289, 1400, 5000, ZT_PACKET_MAX_PAYLOAD };
	for (int kind = 0; kind < 3; kind++) {
		for (size_t k = 0; k < sizeof payloads / sizeof payloads[0]; k++) {
			size_t n = payloads[k], len = ZT_PACKET_IDX_PAYLOAD + n;
			bool compressed;
			zt_packet_init(orig, 9, 8, 7, ZT_VERB_MULTICAST_LIKE);
			if (kind == 0)
				memset(orig + ZT_PACKET_IDX_PAYLOAD, 0, n);
			else if (kind == 1)
				fill(orig + ZT_PACKET_IDX_PAYLOAD, n, (uint32_t)n);
			else
				for (size_t j = 0; j < n; j++)
					orig[ZT_PACKET_IDX_PAYLOAD + j] = (uint8_t)"network config "[j % 15];
			memcpy(pkt, orig, len);
			ck_assert_int_eq(zt_packet_compress(pkt, &len, &compressed), ZT_OK);
			if (n <= ZT_PACKET_COMPRESS_MIN_PAYLOAD || kind == 1) {
				/* too small, or random data that LZ4 cannot shrink */
				ck_assert(!compressed);
				ck_assert_uint_eq(len, ZT_PACKET_IDX_PAYLOAD + n);
				ck_assert_mem_eq(pkt, orig, len);
				continue;
			}
			ck_assert(compressed);
			ck_assert_uint_lt(len, ZT_PACKET_IDX_PAYLOAD + n);
			ck_assert(zt_packet_compressed(pkt));
			ck_assert_uint_eq(zt_packet_verb(pkt), ZT_VERB_MULTICAST_LIKE);
			ck_assert_int_eq(zt_packet_decompress(pkt, &len, sizeof pkt), ZT_OK);
			ck_assert_uint_eq(len, ZT_PACKET_IDX_PAYLOAD + n);
			ck_assert_mem_eq(pkt, orig, len);
		}
	}
	size_t len = 27;
	bool c;
	ck_assert_int_eq(zt_packet_compress(pkt, &len, &c), ZT_ETRUNCATED);
	ck_assert_int_eq(zt_packet_decompress(pkt, &len, sizeof pkt), ZT_ETRUNCATED);
}
END_TEST

/* Puts an LZ4 block of `n` zero bytes into a compressed packet; returns the packet length. */
static size_t zeros_packet(uint8_t *pkt, size_t n)
{
	static uint8_t zeros[20000];
	memset(zeros, 0, sizeof zeros);
	zt_packet_init(pkt, 1, 2, 3, ZT_VERB_FRAME | ZT_VERB_FLAG_COMPRESSED);
	long c = zt_lz4_compress(pkt + ZT_PACKET_IDX_PAYLOAD, 1000, zeros, n);
	ck_assert_int_gt(c, 0);
	return ZT_PACKET_IDX_PAYLOAD + (size_t)c;
}

START_TEST(decompress_bounds)
{
	static uint8_t pkt[ZT_PROTO_MAX_PACKET_LENGTH + 64];
	size_t len;

	len = zeros_packet(pkt, ZT_PACKET_MAX_PAYLOAD);
	ck_assert_int_eq(zt_packet_decompress(pkt, &len, ZT_PROTO_MAX_PACKET_LENGTH), ZT_OK);
	ck_assert_uint_eq(len, ZT_PROTO_MAX_PACKET_LENGTH);

	len = zeros_packet(pkt, ZT_PACKET_MAX_PAYLOAD);
	size_t before = len;
	ck_assert_int_eq(zt_packet_decompress(pkt, &len, ZT_PROTO_MAX_PACKET_LENGTH - 1), ZT_ENOSPACE);
	ck_assert_uint_eq(len, before);

	/* One byte over the protocol limit, and a much larger expansion: refused whatever the buffer. */
	len = zeros_packet(pkt, ZT_PACKET_MAX_PAYLOAD + 1);
	ck_assert_int_eq(zt_packet_decompress(pkt, &len, sizeof pkt), ZT_ECOMPRESS);
	len = zeros_packet(pkt, 20000);
	ck_assert_int_eq(zt_packet_decompress(pkt, &len, sizeof pkt), ZT_ECOMPRESS);

	/* Empty result. */
	len = zeros_packet(pkt, 0);
	ck_assert_int_eq(zt_packet_decompress(pkt, &len, sizeof pkt), ZT_ECOMPRESS);
	/* Flag set but no payload at all. */
	len = ZT_PACKET_IDX_PAYLOAD;
	ck_assert_int_eq(zt_packet_decompress(pkt, &len, sizeof pkt), ZT_ECOMPRESS);
	/* A literal run that claims more bytes than follow, and a match reaching before the start. */
	static const uint8_t bad1[] = { 0xf0, 0xff, 0x10, 'a' };
	static const uint8_t bad2[] = { 0x1f, 'a', 0x40, 0x00 };
	zt_packet_init(pkt, 1, 2, 3, ZT_VERB_FRAME | ZT_VERB_FLAG_COMPRESSED);
	memcpy(pkt + ZT_PACKET_IDX_PAYLOAD, bad1, sizeof bad1);
	len = ZT_PACKET_IDX_PAYLOAD + sizeof bad1;
	ck_assert_int_eq(zt_packet_decompress(pkt, &len, sizeof pkt), ZT_ECOMPRESS);
	memcpy(pkt + ZT_PACKET_IDX_PAYLOAD, bad2, sizeof bad2);
	len = ZT_PACKET_IDX_PAYLOAD + sizeof bad2;
	ck_assert_int_eq(zt_packet_decompress(pkt, &len, sizeof pkt), ZT_ECOMPRESS);

	/* Random garbage: an error or a bounded result, never anything else. */
	for (uint32_t seed = 0; seed < 2000; seed++) {
		size_t n = 1 + seed % 300;
		zt_packet_init(pkt, 1, 2, 3, ZT_VERB_FRAME | ZT_VERB_FLAG_COMPRESSED);
		fill(pkt + ZT_PACKET_IDX_PAYLOAD, n, seed);
		len = ZT_PACKET_IDX_PAYLOAD + n;
		zt_err err = zt_packet_decompress(pkt, &len, ZT_PROTO_MAX_PACKET_LENGTH);
		ck_assert(err == ZT_OK || err == ZT_ECOMPRESS);
		if (err == ZT_OK)
			ck_assert(len > ZT_PACKET_IDX_PAYLOAD && len <= ZT_PROTO_MAX_PACKET_LENGTH);
	}
}
END_TEST

START_TEST(hops_increment)
{
	uint8_t head[64] = { 0 }, frag[40] = { 0 }, junk[20] = { 0 };
	head[ZT_PACKET_IDX_FLAGS] = 0x88;
	for (unsigned i = 1; i <= 8; i++) {
		ck_assert_int_eq(zt_packet_hops_increment(head, sizeof head), (int)(i & 7));
		ck_assert_uint_eq(head[ZT_PACKET_IDX_FLAGS], 0x88 | (i & 7));
	}
	head[ZT_PACKET_IDX_FLAGS] = 0x5f; /* 0x40 | cipher 3 | hops 7 */
	ck_assert_int_eq(zt_packet_hops_increment(head, sizeof head), 0);
	ck_assert_uint_eq(head[ZT_PACKET_IDX_FLAGS], 0x58);

	frag[ZT_FRAGMENT_IDX_INDICATOR] = ZT_FRAGMENT_INDICATOR;
	frag[ZT_FRAGMENT_IDX_NO] = 0x31;
	for (unsigned i = 1; i <= 8; i++) {
		ck_assert_int_eq(zt_packet_hops_increment(frag, sizeof frag), (int)(i & 7));
		ck_assert_uint_eq(frag[ZT_FRAGMENT_IDX_HOPS], i & 7);
		ck_assert_uint_eq(frag[ZT_PACKET_IDX_FLAGS], 0); /* chunk data untouched */
	}
	frag[ZT_FRAGMENT_IDX_HOPS] = 0xf2;
	ck_assert_int_eq(zt_packet_hops_increment(frag, sizeof frag), 3);
	ck_assert_uint_eq(frag[ZT_FRAGMENT_IDX_HOPS], 3);
	ck_assert_uint_eq(frag[ZT_FRAGMENT_IDX_NO], 0x31);

	ck_assert_int_eq(zt_packet_hops_increment(junk, sizeof junk), ZT_EMALFORMED);
	ck_assert_int_eq(zt_packet_hops_increment(junk, 13), ZT_EMALFORMED);
}
END_TEST

START_TEST(classify)
{
	uint8_t d[64] = { 0 };
	ck_assert_int_eq(zt_packet_classify(d, 0), ZT_DATAGRAM_JUNK);
	ck_assert_int_eq(zt_packet_classify(d, 4), ZT_DATAGRAM_JUNK);
	ck_assert_int_eq(zt_packet_classify(d, 13), ZT_DATAGRAM_BEACON);
	ck_assert_int_eq(zt_packet_classify(d, 16), ZT_DATAGRAM_JUNK);
	ck_assert_int_eq(zt_packet_classify(d, 17), ZT_DATAGRAM_JUNK);
	ck_assert_int_eq(zt_packet_classify(d, 27), ZT_DATAGRAM_JUNK);
	ck_assert_int_eq(zt_packet_classify(d, 28), ZT_DATAGRAM_HEAD);
	ck_assert_int_eq(zt_packet_classify(d, 64), ZT_DATAGRAM_HEAD);
	d[13] = 0xff;
	ck_assert_int_eq(zt_packet_classify(d, 13), ZT_DATAGRAM_BEACON);
	ck_assert_int_eq(zt_packet_classify(d, 16), ZT_DATAGRAM_JUNK);
	ck_assert_int_eq(zt_packet_classify(d, 17), ZT_DATAGRAM_FRAGMENT);
	ck_assert_int_eq(zt_packet_classify(d, 28), ZT_DATAGRAM_FRAGMENT);
	ck_assert_int_eq(zt_packet_classify(d, 64), ZT_DATAGRAM_FRAGMENT);
	ck_assert_int_eq(zt_packet_classify(NULL, 0), ZT_DATAGRAM_JUNK);
}
END_TEST

static Suite *packet_suite(void)
{
	Suite *s = suite_create("packet");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, armor_known_answers);
	tcase_add_test(tc, armor_tamper);
	tcase_add_test(tc, armor_hello_cryptfield);
	tcase_add_test(tc, armor_round_trip);
	tcase_add_test(tc, armor_limits);
	tcase_add_test(tc, kbkdf_keys);
	tcase_add_test(tc, header_fields);
	tcase_add_test(tc, lz4_known_answer);
	tcase_add_test(tc, compress_round_trip);
	tcase_add_test(tc, decompress_bounds);
	tcase_add_test(tc, hops_increment);
	tcase_add_test(tc, classify);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(packet_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
