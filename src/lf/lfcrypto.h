/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_LF_CRYPTO_H
#define ZT_LF_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/err.h"

/*
 * The hash, cipher and checksum building blocks LF uses (lf.md §0, §2.6, §2.7), over OpenSSL
 * libcrypto. No primitive is implemented here except the two CRC checksums. This is the one place
 * in src/lf where OpenSSL digest and cipher errors become zt_err.
 */

#define ZT_LF_SHA256_LEN 32
#define ZT_LF_SHA384_LEN 48
#define ZT_LF_SHA512_LEN 64

void zt_lf_sha256(uint8_t out[static 32], const void *in, size_t n);
void zt_lf_sha384(uint8_t out[static 48], const void *in, size_t n);
void zt_lf_sha512(uint8_t out[static 64], const void *in, size_t n);
/* shandwich(x) = SHA256(x || SHA512(x)): record hashes and public-key hashes. */
void zt_lf_shandwich(uint8_t out[static 32], const void *in, size_t n);

/*
 * Incremental digest. The error is sticky: update after a failure does nothing and final reports it.
 * final always releases the context, so an init must be paired with exactly one final.
 */
enum zt_lf_digest { ZT_LF_SHA256, ZT_LF_SHA384, ZT_LF_SHA512, ZT_LF_MD5 };
struct zt_lf_hash {
	void *ctx; /* EVP_MD_CTX * */
	bool err;
};
void zt_lf_hash_init(struct zt_lf_hash *h, enum zt_lf_digest alg);
void zt_lf_hash_update(struct zt_lf_hash *h, const void *p, size_t n);
/* Writes the digest (32, 48, 64 or 16 bytes) and frees the context; ZT_ECRYPTO after any failure. */
zt_err zt_lf_hash_final(struct zt_lf_hash *h, uint8_t *out);

/* One AES key (128 or 256 bits) for single-block ECB encryption. Not for concurrent use. */
struct zt_lf_aes {
	void *ctx; /* EVP_CIPHER_CTX * */
};
zt_err zt_lf_aes_init(struct zt_lf_aes *a, const uint8_t *key, size_t keylen);
/* out = AES(key, in); out may equal in. */
void zt_lf_aes_block(struct zt_lf_aes *a, uint8_t out[static 16], const uint8_t in[static 16]);
void zt_lf_aes_free(struct zt_lf_aes *a);

/* AES-256-CFB with 128-bit segments over `n` bytes in place (one continuous stream per call). */
zt_err zt_lf_aes256_cfb(uint8_t *buf, size_t n, const uint8_t key[static 32], const uint8_t iv[static 16],
			bool encrypt);

/*
 * The seeded PRNG of lf.md §2.7: AES-256 keyed by SHA256(seed) with byte 8 incremented, over a
 * 16-byte little-endian counter that is incremented before each block.
 */
struct zt_lf_prng {
	struct zt_lf_aes aes;
	uint8_t ctr[16];
	uint8_t block[16];
	unsigned used; /* bytes of `block` already handed out */
};
zt_err zt_lf_prng_init(struct zt_lf_prng *p, const void *seed, size_t n);
void zt_lf_prng_read(struct zt_lf_prng *p, uint8_t *out, size_t n);
void zt_lf_prng_free(struct zt_lf_prng *p);
/* The PRNG's AES key for a seed (for tests and diagnostics). */
void zt_lf_prng_key(uint8_t key[static 32], const void *seed, size_t n);

/* CRC-16/XMODEM (poly 0x1021, init 0, no reflection, no xor-out). */
uint16_t zt_lf_crc16(const void *p, size_t n);
/* CRC-32 (IEEE 802.3, reflected, as zlib's crc32). */
uint32_t zt_lf_crc32(uint32_t crc, const void *p, size_t n);

#endif
