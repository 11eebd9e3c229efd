/* SPDX-License-Identifier: Apache-2.0 */
/* VL1 packet armor, cryptField, hops and classification (spec/packet.md §2-§7, §10). */
#include <string.h>

#include "packet.h"

/* Bytes of the Salsa20 keystream consumed before the payload: block 0 holds the Poly1305 key. */
#define SALSA_BLOCK 64
#define POLY1305_KEY_LEN 32
#define POLY1305_TAG_LEN 16
/* Verb byte and payload: what both ciphers authenticate and encrypt. */
#define MAX_ARMORED_BODY (ZT_PROTO_MAX_PACKET_LENGTH - ZT_PACKET_IDX_VERB)
/* The GMAC-SIV AAD header: dest, source, flags (11 bytes) padded to one AES block. */
#define SIV_HEADER_AAD_LEN 16

size_t zt_packet_init(uint8_t *pkt, uint64_t packet_id, uint64_t dest, uint64_t source, uint8_t verb)
{
	zt_put_be64(pkt + ZT_PACKET_IDX_IV, packet_id);
	zt_put_be40(pkt + ZT_PACKET_IDX_DEST, dest & ZT_ADDRESS_MASK);
	zt_put_be40(pkt + ZT_PACKET_IDX_SOURCE, source & ZT_ADDRESS_MASK);
	pkt[ZT_PACKET_IDX_FLAGS] = 0;
	memset(pkt + ZT_PACKET_IDX_MAC, 0, ZT_PACKET_MAC_LENGTH);
	pkt[ZT_PACKET_IDX_VERB] = verb;
	return ZT_PACKET_HEADER_LENGTH;
}

/* ---------------------------------------------------------------- keys */

/* KBKDF (counter mode, HMAC-SHA384) block: u32 counter 0, "ZT", label, 0x00, context 0x00, u32 384. */
static zt_err kbkdf_aes(struct zt_aes *aes, const uint8_t key[static ZT_SYMMETRIC_KEY_SIZE], char label)
{
	uint8_t msg[13] = { 0, 0, 0, 0, 'Z', 'T', (uint8_t)label, 0, 0, 0, 0, 0x01, 0x80 };
	uint8_t out[48];
	zt_err err = zt_hmac_sha384(out, key, ZT_SYMMETRIC_KEY_SIZE, msg, sizeof msg);
	if (err == ZT_OK)
		err = zt_aes_init(aes, out);
	zt_wipe(out, sizeof out);
	return err;
}

zt_err zt_peer_key_init(struct zt_peer_key *pk, const uint8_t key48[static ZT_SYMMETRIC_KEY_SIZE])
{
	zt_err err;
	memset(pk, 0, sizeof *pk);
	memcpy(pk->key, key48, ZT_SYMMETRIC_KEY_SIZE);
	if ((err = kbkdf_aes(&pk->k0, pk->key, '0')) != ZT_OK)
		goto out;
	err = kbkdf_aes(&pk->k1, pk->key, '1');
out:
	if (err != ZT_OK)
		zt_peer_key_free(pk);
	return err;
}

void zt_peer_key_free(struct zt_peer_key *pk)
{
	zt_aes_free(&pk->k0);
	zt_aes_free(&pk->k1);
	zt_wipe(pk->key, sizeof pk->key);
}

/* ---------------------------------------------------------------- Salsa20/12 + Poly1305 (§5.1) */

/* Per-packet key K': the long-term key mixed with the header (hops masked) and the length. */
static void salsa_packet_key(uint8_t out[static 32], const uint8_t *pkt, size_t len, const uint8_t *key)
{
	memcpy(out, key, 32);
	for (unsigned i = 0; i < ZT_PACKET_IDX_FLAGS; i++)
		out[i] ^= pkt[i];
	out[ZT_PACKET_IDX_FLAGS] ^= pkt[ZT_PACKET_IDX_FLAGS] & (uint8_t)~ZT_PACKET_FLAGS_HOPS_MASK;
	out[19] ^= (uint8_t)(len & 0xff);
	out[20] ^= (uint8_t)((len >> 8) & 0xff);
}

/*
 * libsodium's Salsa20/12 always starts at block counter 0, but the payload must be XORed from
 * keystream byte 64 on. One call over a scratch buffer (64 zero bytes, then the body) yields the
 * Poly1305 key in scratch[0..31] and the transformed body in scratch[64..], with no second
 * keystream computation.
 */
struct salsa_scratch {
	uint8_t b[SALSA_BLOCK + MAX_ARMORED_BODY];
};

static void salsa_body_xor(struct salsa_scratch *s, const uint8_t *body, size_t n, const uint8_t *pkt,
			   const uint8_t kp[static 32])
{
	memset(s->b, 0, SALSA_BLOCK);
	memcpy(s->b + SALSA_BLOCK, body, n);
	zt_salsa2012_xor(s->b, s->b, SALSA_BLOCK + n, pkt + ZT_PACKET_IDX_IV, kp);
}

static void poly_tag(uint8_t tag[static POLY1305_TAG_LEN], const uint8_t *pkt, size_t len,
		     const uint8_t polykey[static POLY1305_KEY_LEN])
{
	zt_poly1305(tag, pkt + ZT_PACKET_IDX_VERB, len - ZT_PACKET_IDX_VERB, polykey);
}

static void salsa_armor(uint8_t *pkt, size_t len, const struct zt_peer_key *pk, bool encrypt)
{
	uint8_t kp[32], tag[POLY1305_TAG_LEN];
	uint8_t *body = pkt + ZT_PACKET_IDX_VERB;
	size_t n = len - ZT_PACKET_IDX_VERB;
	salsa_packet_key(kp, pkt, len, pk->key);
	if (encrypt) {
		struct salsa_scratch s;
		salsa_body_xor(&s, body, n, pkt, kp);
		memcpy(body, s.b + SALSA_BLOCK, n);
		poly_tag(tag, pkt, len, s.b);
		zt_wipe(s.b, POLY1305_KEY_LEN);
	} else {
		uint8_t block0[SALSA_BLOCK] = { 0 };
		zt_salsa2012_xor(block0, block0, sizeof block0, pkt + ZT_PACKET_IDX_IV, kp);
		poly_tag(tag, pkt, len, block0);
		zt_wipe(block0, sizeof block0);
	}
	memcpy(pkt + ZT_PACKET_IDX_MAC, tag, ZT_PACKET_MAC_LENGTH);
	zt_wipe(kp, sizeof kp);
}

static zt_err salsa_dearmor(uint8_t *pkt, size_t len, const struct zt_peer_key *pk, bool encrypted)
{
	uint8_t kp[32], tag[POLY1305_TAG_LEN];
	uint8_t *body = pkt + ZT_PACKET_IDX_VERB;
	size_t n = len - ZT_PACKET_IDX_VERB;
	zt_err err = ZT_OK;
	salsa_packet_key(kp, pkt, len, pk->key);
	if (encrypted) {
		struct salsa_scratch s;
		salsa_body_xor(&s, body, n, pkt, kp);
		poly_tag(tag, pkt, len, s.b);
		zt_wipe(s.b, POLY1305_KEY_LEN);
		/* Only a packet that authenticates gets its plaintext written back. */
		if (zt_ct_equal(tag, pkt + ZT_PACKET_IDX_MAC, ZT_PACKET_MAC_LENGTH))
			memcpy(body, s.b + SALSA_BLOCK, n);
		else
			err = ZT_EAUTH;
	} else {
		uint8_t block0[SALSA_BLOCK] = { 0 };
		zt_salsa2012_xor(block0, block0, sizeof block0, pkt + ZT_PACKET_IDX_IV, kp);
		poly_tag(tag, pkt, len, block0);
		zt_wipe(block0, sizeof block0);
		if (!zt_ct_equal(tag, pkt + ZT_PACKET_IDX_MAC, ZT_PACKET_MAC_LENGTH))
			err = ZT_EAUTH;
	}
	zt_wipe(kp, sizeof kp);
	return err;
}

/* ---------------------------------------------------------------- AES-GMAC-SIV (§5.2) */

/* T8 = G[0..7] ^ G[8..15], G = GMAC_K0(IV8 || 0^4, dest || source || flags&0xf8 || 0^5 || body). */
static zt_err siv_tag8(struct zt_peer_key *pk, uint8_t t8[static 8], const uint8_t iv8[static 8], const uint8_t *pkt,
		       size_t len)
{
	uint8_t iv12[12] = { 0 }, aad[SIV_HEADER_AAD_LEN] = { 0 }, g[16];
	memcpy(iv12, iv8, 8);
	memcpy(aad, pkt + ZT_PACKET_IDX_DEST, ZT_PACKET_IDX_MAC - ZT_PACKET_IDX_DEST);
	aad[ZT_PACKET_IDX_FLAGS - ZT_PACKET_IDX_DEST] &= (uint8_t)~ZT_PACKET_FLAGS_HOPS_MASK;
	zt_err err = zt_aes_gmac2(&pk->k0, g, iv12, aad, sizeof aad, pkt + ZT_PACKET_IDX_VERB,
				  len - ZT_PACKET_IDX_VERB);
	for (unsigned i = 0; i < 8; i++)
		t8[i] = g[i] ^ g[i + 8];
	return err;
}

/* CTR under K1 with the synthetic IV as counter block, top bit of the 32-bit counter cleared. */
static zt_err siv_ctr(struct zt_peer_key *pk, const uint8_t siv[static 16], uint8_t *pkt, size_t len)
{
	uint8_t ctr[16];
	memcpy(ctr, siv, 16);
	ctr[12] &= 0x7f;
	return zt_aes_ctr(&pk->k1, ctr, pkt + ZT_PACKET_IDX_VERB, pkt + ZT_PACKET_IDX_VERB, len - ZT_PACKET_IDX_VERB);
}

static zt_err siv_armor(uint8_t *pkt, size_t len, struct zt_peer_key *pk)
{
	uint8_t in[16], siv[16];
	zt_err err;
	memcpy(in, pkt + ZT_PACKET_IDX_IV, 8);
	if ((err = siv_tag8(pk, in + 8, pkt + ZT_PACKET_IDX_IV, pkt, len)) != ZT_OK)
		return err;
	if ((err = zt_aes_ecb_encrypt(&pk->k1, siv, in)) != ZT_OK)
		return err;
	memcpy(pkt + ZT_PACKET_IDX_IV, siv, 8);
	memcpy(pkt + ZT_PACKET_IDX_MAC, siv + 8, 8);
	return siv_ctr(pk, siv, pkt, len);
}

static zt_err siv_dearmor(uint8_t *pkt, size_t len, struct zt_peer_key *pk)
{
	uint8_t siv[16], ivt[16], t8[8];
	zt_err err;
	memcpy(siv, pkt + ZT_PACKET_IDX_IV, 8);
	memcpy(siv + 8, pkt + ZT_PACKET_IDX_MAC, 8);
	if ((err = zt_aes_ecb_decrypt(&pk->k1, ivt, siv)) != ZT_OK)
		return err;
	if ((err = siv_ctr(pk, siv, pkt, len)) != ZT_OK)
		return err;
	if ((err = siv_tag8(pk, t8, ivt, pkt, len)) != ZT_OK)
		return err;
	if (!zt_ct_equal(t8, ivt + 8, 8)) {
		/* CTR is an involution: restore the ciphertext so a failed attempt leaves no trace. */
		err = siv_ctr(pk, siv, pkt, len);
		return err == ZT_OK ? ZT_EAUTH : err;
	}
	return ZT_OK;
}

/* ---------------------------------------------------------------- public armor */

static zt_err check_len(size_t len)
{
	if (len < ZT_PROTO_MIN_PACKET_LENGTH)
		return ZT_ETRUNCATED;
	if (len > ZT_PROTO_MAX_PACKET_LENGTH)
		return ZT_ETOOBIG;
	return ZT_OK;
}

zt_err zt_packet_armor(uint8_t *pkt, size_t len, struct zt_peer_key *pk, unsigned cipher)
{
	zt_err err = check_len(len);
	if (err != ZT_OK)
		return err;
	if (cipher != ZT_CIPHER_POLY1305_NONE && cipher != ZT_CIPHER_POLY1305_SALSA2012 &&
	    cipher != ZT_CIPHER_AES_GMAC_SIV)
		return ZT_EUNSUPPORTED;
	/* Keep only FRAGMENTED; hops restart at 0; the deprecated 0x80 marks exactly cipher 1. */
	uint8_t flags = pkt[ZT_PACKET_IDX_FLAGS] & ZT_PACKET_FLAG_FRAGMENTED;
	flags |= (uint8_t)(cipher << 3);
	if (cipher == ZT_CIPHER_POLY1305_SALSA2012)
		flags |= ZT_PACKET_FLAG_ENCRYPTED;
	pkt[ZT_PACKET_IDX_FLAGS] = flags;
	if (cipher == ZT_CIPHER_AES_GMAC_SIV)
		return siv_armor(pkt, len, pk);
	salsa_armor(pkt, len, pk, cipher == ZT_CIPHER_POLY1305_SALSA2012);
	return ZT_OK;
}

zt_err zt_packet_dearmor(uint8_t *pkt, size_t len, struct zt_peer_key *pk)
{
	zt_err err = check_len(len);
	if (err != ZT_OK)
		return err;
	switch (zt_packet_cipher(pkt)) {
	case ZT_CIPHER_POLY1305_NONE:
		return salsa_dearmor(pkt, len, pk, false);
	case ZT_CIPHER_POLY1305_SALSA2012:
		return salsa_dearmor(pkt, len, pk, true);
	case ZT_CIPHER_AES_GMAC_SIV:
		return siv_dearmor(pkt, len, pk);
	default:
		/* Trusted path needs path configuration this layer does not have; 4..7 are undefined. */
		return ZT_EUNSUPPORTED;
	}
}

zt_err zt_packet_siv_iv(const uint8_t *pkt, size_t len, struct zt_peer_key *pk, uint8_t iv8[static 8])
{
	uint8_t siv[16], ivt[16];
	if (len < ZT_PROTO_MIN_PACKET_LENGTH)
		return ZT_ETRUNCATED;
	if (zt_packet_cipher(pkt) != ZT_CIPHER_AES_GMAC_SIV)
		return ZT_EUNSUPPORTED;
	memcpy(siv, pkt + ZT_PACKET_IDX_IV, 8);
	memcpy(siv + 8, pkt + ZT_PACKET_IDX_MAC, 8);
	zt_err err = zt_aes_ecb_decrypt(&pk->k1, ivt, siv);
	if (err == ZT_OK)
		memcpy(iv8, ivt, 8);
	return err;
}

zt_err zt_packet_hello_cryptfield(uint8_t *pkt, size_t len, size_t offset,
				  const uint8_t key[static ZT_SYMMETRIC_KEY_SIZE])
{
	if (len < ZT_PROTO_MIN_PACKET_LENGTH || offset > len)
		return ZT_ETRUNCATED;
	if (offset == len)
		return ZT_OK;
	uint8_t nonce[8];
	memcpy(nonce, pkt + ZT_PACKET_IDX_IV, 8);
	nonce[7] &= 0xf8;
	zt_salsa2012_xor(pkt + offset, pkt + offset, len - offset, nonce, key);
	return ZT_OK;
}

/* ---------------------------------------------------------------- relaying, classification */

enum zt_datagram_kind zt_packet_classify(const uint8_t *d, size_t len)
{
	if (len == ZT_BEACON_LENGTH)
		return ZT_DATAGRAM_BEACON;
	if (len > ZT_PROTO_MIN_FRAGMENT_LENGTH && d[ZT_FRAGMENT_IDX_INDICATOR] == ZT_FRAGMENT_INDICATOR)
		return ZT_DATAGRAM_FRAGMENT;
	if (len >= ZT_PROTO_MIN_PACKET_LENGTH)
		return ZT_DATAGRAM_HEAD;
	return ZT_DATAGRAM_JUNK;
}

int zt_packet_hops_increment(uint8_t *pkt, size_t len)
{
	switch (zt_packet_classify(pkt, len)) {
	case ZT_DATAGRAM_HEAD: {
		uint8_t b = pkt[ZT_PACKET_IDX_FLAGS];
		b = (uint8_t)((b & ~ZT_PACKET_FLAGS_HOPS_MASK) | ((b + 1) & ZT_PACKET_FLAGS_HOPS_MASK));
		pkt[ZT_PACKET_IDX_FLAGS] = b;
		return b & ZT_PACKET_FLAGS_HOPS_MASK;
	}
	case ZT_DATAGRAM_FRAGMENT:
		/* The upper bits of a fragment's hop byte are defined as 0, so they are cleared. */
		pkt[ZT_FRAGMENT_IDX_HOPS] = (uint8_t)((pkt[ZT_FRAGMENT_IDX_HOPS] + 1) & 0x07);
		return pkt[ZT_FRAGMENT_IDX_HOPS];
	default:
		return ZT_EMALFORMED;
	}
}
