/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_CRYPTO_H
#define ZT_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/*
 * Thin wrappers over libsodium and OpenSSL libcrypto. No primitive is implemented here; this file
 * only fixes the calling conventions the protocol code uses, and is the one place crypto library
 * errors become zt_err.
 */

#define ZT_C25519_PUBLIC_LEN 64   /* X25519 public (32) || Ed25519 public (32) */
#define ZT_C25519_PRIVATE_LEN 64  /* X25519 secret (32) || Ed25519 seed (32) */
#define ZT_C25519_SIGNATURE_LEN 96 /* Ed25519 signature (64) || SHA-512(msg)[0..31] */
#define ZT_C25519_AGREEMENT_LEN 64 /* SHA-512 of the raw X25519 output */

/* Must be called once before any other function (idempotent, thread-safe). */
zt_err zt_crypto_init(void);

void zt_random(void *out, size_t n);
uint64_t zt_random_u64(void);
/* Constant-time comparison: true if equal. */
bool zt_ct_equal(const void *a, const void *b, size_t n);
/* Wipes secrets (sodium_memzero). */
void zt_wipe(void *p, size_t n);

void zt_sha512(uint8_t out[static 64], const void *in, size_t n);
void zt_sha384(uint8_t out[static 48], const void *in, size_t n);
zt_err zt_hmac_sha384(uint8_t out[static 48], const void *key, size_t keylen, const void *msg, size_t msglen);

/* Salsa20/12 (8-byte nonce, block counter 0): out = in XOR keystream. out may equal in. */
void zt_salsa2012_xor(void *out, const void *in, size_t n, const uint8_t nonce[static 8],
		      const uint8_t key[static 32]);
/* Salsa20/20 starting at block counter `ic`: out = in XOR keystream. out may equal in. */
void zt_salsa20_xor_ic(void *out, const void *in, size_t n, const uint8_t nonce[static 8], uint64_t ic,
		       const uint8_t key[static 32]);

/* Poly1305 one-time authenticator: full 16-byte tag. */
void zt_poly1305(uint8_t tag[static 16], const void *msg, size_t n, const uint8_t key[static 32]);

/* X25519 public key of a secret scalar. */
void zt_x25519_public(uint8_t pub[static 32], const uint8_t secret[static 32]);
/* Ed25519 public key of a 32-byte seed. */
void zt_ed25519_public(uint8_t pub[static 32], const uint8_t seed[static 32]);
/* Ed25519 pure signature over msg with the key pair (seed, pub). */
void zt_ed25519_sign(uint8_t sig[static 64], const void *msg, size_t n, const uint8_t seed[static 32],
		     const uint8_t pub[static 32]);
bool zt_ed25519_verify(const uint8_t sig[static 64], const void *msg, size_t n, const uint8_t pub[static 32]);

/* Fills both public halves from a 64-byte C25519 private key. */
void zt_c25519_public(uint8_t pub[static 64], const uint8_t priv[static 64]);
/* Generates a fresh random C25519 key pair. */
void zt_c25519_generate(uint8_t pub[static 64], uint8_t priv[static 64]);
/*
 * out = SHA-512(X25519(my_priv[0..31], their_pub[0..31])).
 * Returns ZT_EINVALID if the raw X25519 output is all zero (a low-order key).
 */
zt_err zt_c25519_agree(uint8_t out[static 64], const uint8_t my_priv[static 64], const uint8_t their_pub[static 64]);
/* The 96-byte ZeroTier signature: Ed25519(SHA-512(msg)[0..31]) || SHA-512(msg)[0..31]. */
void zt_c25519_sign(uint8_t sig[static 96], const void *msg, size_t n, const uint8_t pub[static 64],
		    const uint8_t priv[static 64]);
/* Verifies a ZeroTier signature; any length other than 96 fails. */
bool zt_c25519_verify(const uint8_t pub[static 64], const void *msg, size_t n, const uint8_t *sig, size_t siglen);

/*
 * AES-256 with the key schedule done once. A context is not safe for concurrent use from two
 * threads; give each thread (or each peer under a lock) its own.
 */
struct zt_aes {
	void *ecb_enc; /* EVP_CIPHER_CTX * */
	void *ecb_dec;
	void *ctr;
	void *gcm;
};
zt_err zt_aes_init(struct zt_aes *aes, const uint8_t key[static 32]);
void zt_aes_free(struct zt_aes *aes);
zt_err zt_aes_ecb_encrypt(struct zt_aes *aes, uint8_t out[static 16], const uint8_t in[static 16]);
zt_err zt_aes_ecb_decrypt(struct zt_aes *aes, uint8_t out[static 16], const uint8_t in[static 16]);
/* AES-256-CTR; iv is the initial 16-byte counter block (big-endian counter in the low bytes). */
zt_err zt_aes_ctr(struct zt_aes *aes, const uint8_t iv[static 16], void *out, const void *in, size_t n);
/* GMAC: the AES-256-GCM tag over `aad` with an empty plaintext and a 12-byte IV. */
zt_err zt_aes_gmac(struct zt_aes *aes, uint8_t tag[static 16], const uint8_t iv[static 12], const void *aad,
		   size_t n);
/* GMAC over the concatenation of two AAD parts (saves a copy when the AAD is header || payload). */
zt_err zt_aes_gmac2(struct zt_aes *aes, uint8_t tag[static 16], const uint8_t iv[static 12], const void *aad1,
		    size_t n1, const void *aad2, size_t n2);

#endif
