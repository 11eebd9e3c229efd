/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Armor / dearmor throughput at 1400 bytes for ciphers 0, 1 and 3, each next to the raw primitive
 * it is built on, measured in the same run so the ratio says how much the codec adds:
 *   cipher 0: Poly1305 over 1400 bytes;
 *   cipher 1: Salsa20/12 XOR of 1400 bytes + Poly1305;
 *   cipher 3: AES-256-GCM encryption of 1400 bytes (OpenSSL EVP), which does the same AES and GHASH work.
 * Output: one `name: value` line per figure. No assertions on speed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "node/packet.h"

#define PKT_LEN 1400
#define BATCH 256
#define SECONDS 1.0

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct zt_peer_key pk;
static uint8_t plain[PKT_LEN], armored[4][PKT_LEN], buf[PKT_LEN];
static volatile uint8_t sink;
static EVP_CIPHER_CTX *gcm;

typedef void (*op_fn)(unsigned cipher);

static void op_armor(unsigned cipher)
{
	memcpy(buf, plain, PKT_LEN);
	if (zt_packet_armor(buf, PKT_LEN, &pk, cipher) != ZT_OK)
		abort();
	sink ^= buf[ZT_PACKET_IDX_MAC];
}

static void op_dearmor(unsigned cipher)
{
	memcpy(buf, armored[cipher], PKT_LEN);
	if (zt_packet_dearmor(buf, PKT_LEN, &pk) != ZT_OK)
		abort();
	sink ^= buf[PKT_LEN - 1];
}

/* The raw primitives, with the same copy-in as the codec loops. */
static void op_raw(unsigned cipher)
{
	static const uint8_t nonce[12] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t tag[16];
	memcpy(buf, plain, PKT_LEN);
	switch (cipher) {
	case 0:
		crypto_onetimeauth_poly1305(tag, buf + ZT_PACKET_IDX_VERB, PKT_LEN - ZT_PACKET_IDX_VERB, pk.key);
		break;
	case 1:
		crypto_stream_salsa2012_xor(buf + ZT_PACKET_IDX_VERB, buf + ZT_PACKET_IDX_VERB, PKT_LEN - ZT_PACKET_IDX_VERB,
					    nonce, pk.key);
		crypto_onetimeauth_poly1305(tag, buf + ZT_PACKET_IDX_VERB, PKT_LEN - ZT_PACKET_IDX_VERB, pk.key);
		break;
	default: {
		int len;
		if (EVP_EncryptInit_ex(gcm, NULL, NULL, NULL, nonce) != 1 ||
		    EVP_EncryptUpdate(gcm, buf, &len, buf, PKT_LEN) != 1 || EVP_EncryptFinal_ex(gcm, tag, &len) != 1 ||
		    EVP_CIPHER_CTX_ctrl(gcm, EVP_CTRL_GCM_GET_TAG, 16, tag) != 1)
			abort();
	}
	}
	sink ^= tag[0];
}

/* Operations per second over about SECONDS of wall time. */
static double rate(op_fn op, unsigned cipher)
{
	unsigned long n = 0;
	for (int i = 0; i < BATCH; i++) /* warm-up */
		op(cipher);
	double t0 = now_s(), t;
	do {
		for (int i = 0; i < BATCH; i++)
			op(cipher);
		n += BATCH;
		t = now_s() - t0;
	} while (t < SECONDS);
	return (double)n / t;
}

int main(void)
{
	uint8_t key[48];
	if (zt_crypto_init() != ZT_OK)
		return 1;
	zt_random(key, sizeof key);
	zt_random(plain, sizeof plain);
	if (zt_peer_key_init(&pk, key) != ZT_OK)
		return 1;
	zt_packet_init(plain, zt_random_u64(), 0x1122334455ULL, 0x6677889900ULL, ZT_VERB_FRAME);
	gcm = EVP_CIPHER_CTX_new();
	if (!gcm || EVP_EncryptInit_ex(gcm, EVP_aes_256_gcm(), NULL, key, NULL) != 1)
		return 1;

	static const unsigned ciphers[] = { 0, 1, 3 };
	printf("packet_bytes: %d\n", PKT_LEN);
	for (size_t i = 0; i < sizeof ciphers / sizeof ciphers[0]; i++) {
		unsigned c = ciphers[i];
		memcpy(armored[c], plain, PKT_LEN);
		if (zt_packet_armor(armored[c], PKT_LEN, &pk, c) != ZT_OK)
			return 1;
		double raw = rate(op_raw, c);
		double arm = rate(op_armor, c);
		double dearm = rate(op_dearmor, c);
		printf("raw_c%u_pps: %.0f\n", c, raw);
		printf("armor_c%u_pps: %.0f\n", c, arm);
		printf("dearmor_c%u_pps: %.0f\n", c, dearm);
		printf("armor_c%u_vs_raw_ratio: %.2f\n", c, arm / raw);
		printf("dearmor_c%u_vs_raw_ratio: %.2f\n", c, dearm / raw);
		printf("armor_c%u_mbit_s: %.0f\n", c, arm * PKT_LEN * 8 / 1e6);
		fflush(stdout);
	}
	EVP_CIPHER_CTX_free(gcm);
	zt_peer_key_free(&pk);
	return 0;
}
