/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include "crypto.h"

zt_err zt_crypto_init(void)
{
	return sodium_init() < 0 ? ZT_ECRYPTO : ZT_OK;
}

void zt_random(void *out, size_t n)
{
	randombytes_buf(out, n);
}

uint64_t zt_random_u64(void)
{
	uint64_t v;
	randombytes_buf(&v, sizeof v);
	return v;
}

bool zt_ct_equal(const void *a, const void *b, size_t n)
{
	return sodium_memcmp(a, b, n) == 0;
}

void zt_wipe(void *p, size_t n)
{
	sodium_memzero(p, n);
}

void zt_sha512(uint8_t out[static 64], const void *in, size_t n)
{
	crypto_hash_sha512(out, in, n);
}

void zt_sha384(uint8_t out[static 48], const void *in, size_t n)
{
	unsigned int len = 48;
	EVP_Digest(in, n, out, &len, EVP_sha384(), NULL);
}

zt_err zt_hmac_sha384(uint8_t out[static 48], const void *key, size_t keylen, const void *msg, size_t msglen)
{
	unsigned int len = 48;
	if (!HMAC(EVP_sha384(), key, (int)keylen, msg, msglen, out, &len) || len != 48)
		return ZT_ECRYPTO;
	return ZT_OK;
}

void zt_salsa2012_xor(void *out, const void *in, size_t n, const uint8_t nonce[static 8],
		      const uint8_t key[static 32])
{
	crypto_stream_salsa2012_xor(out, in, n, nonce, key);
}

void zt_salsa20_xor_ic(void *out, const void *in, size_t n, const uint8_t nonce[static 8], uint64_t ic,
		       const uint8_t key[static 32])
{
	crypto_stream_salsa20_xor_ic(out, in, n, nonce, ic, key);
}

void zt_poly1305(uint8_t tag[static 16], const void *msg, size_t n, const uint8_t key[static 32])
{
	crypto_onetimeauth_poly1305(tag, msg, n, key);
}

void zt_x25519_public(uint8_t pub[static 32], const uint8_t secret[static 32])
{
	crypto_scalarmult_curve25519_base(pub, secret);
}

void zt_ed25519_public(uint8_t pub[static 32], const uint8_t seed[static 32])
{
	uint8_t sk[64];
	crypto_sign_ed25519_seed_keypair(pub, sk, seed);
	sodium_memzero(sk, sizeof sk);
}

void zt_ed25519_sign(uint8_t sig[static 64], const void *msg, size_t n, const uint8_t seed[static 32],
		     const uint8_t pub[static 32])
{
	uint8_t sk[64];
	memcpy(sk, seed, 32);
	memcpy(sk + 32, pub, 32);
	crypto_sign_ed25519_detached(sig, NULL, msg, n, sk);
	sodium_memzero(sk, sizeof sk);
}

bool zt_ed25519_verify(const uint8_t sig[static 64], const void *msg, size_t n, const uint8_t pub[static 32])
{
	return crypto_sign_ed25519_verify_detached(sig, msg, n, pub) == 0;
}

void zt_c25519_public(uint8_t pub[static 64], const uint8_t priv[static 64])
{
	zt_x25519_public(pub, priv);
	zt_ed25519_public(pub + 32, priv + 32);
}

void zt_c25519_generate(uint8_t pub[static 64], uint8_t priv[static 64])
{
	randombytes_buf(priv, 64);
	zt_c25519_public(pub, priv);
}

zt_err zt_c25519_agree(uint8_t out[static 64], const uint8_t my_priv[static 64], const uint8_t their_pub[static 64])
{
	uint8_t raw[32];
	/* libsodium refuses (returns -1) when the result is all zero: a low-order public key. */
	if (crypto_scalarmult_curve25519(raw, my_priv, their_pub) != 0) {
		sodium_memzero(raw, sizeof raw);
		return ZT_EINVALID;
	}
	crypto_hash_sha512(out, raw, sizeof raw);
	sodium_memzero(raw, sizeof raw);
	return ZT_OK;
}

void zt_c25519_sign(uint8_t sig[static 96], const void *msg, size_t n, const uint8_t pub[static 64],
		    const uint8_t priv[static 64])
{
	uint8_t digest[64];
	crypto_hash_sha512(digest, msg, n);
	zt_ed25519_sign(sig, digest, 32, priv + 32, pub + 32);
	memcpy(sig + 64, digest, 32);
}

bool zt_c25519_verify(const uint8_t pub[static 64], const void *msg, size_t n, const uint8_t *sig, size_t siglen)
{
	uint8_t digest[64];
	if (siglen != ZT_C25519_SIGNATURE_LEN)
		return false;
	crypto_hash_sha512(digest, msg, n);
	if (sodium_memcmp(digest, sig + 64, 32) != 0)
		return false;
	return zt_ed25519_verify(sig, digest, 32, pub + 32);
}

/* ---- AES ---- */

static EVP_CIPHER_CTX *aes_ctx_new(const EVP_CIPHER *cipher, const uint8_t *key, int enc)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return NULL;
	if (EVP_CipherInit_ex(ctx, cipher, NULL, key, NULL, enc) != 1) {
		EVP_CIPHER_CTX_free(ctx);
		return NULL;
	}
	EVP_CIPHER_CTX_set_padding(ctx, 0);
	return ctx;
}

zt_err zt_aes_init(struct zt_aes *aes, const uint8_t key[static 32])
{
	aes->ecb_enc = aes_ctx_new(EVP_aes_256_ecb(), key, 1);
	aes->ecb_dec = aes_ctx_new(EVP_aes_256_ecb(), key, 0);
	aes->ctr = aes_ctx_new(EVP_aes_256_ctr(), key, 1);
	aes->gcm = aes_ctx_new(EVP_aes_256_gcm(), key, 1);
	if (!aes->ecb_enc || !aes->ecb_dec || !aes->ctr || !aes->gcm) {
		zt_aes_free(aes);
		return ZT_ECRYPTO;
	}
	return ZT_OK;
}

void zt_aes_free(struct zt_aes *aes)
{
	EVP_CIPHER_CTX_free(aes->ecb_enc);
	EVP_CIPHER_CTX_free(aes->ecb_dec);
	EVP_CIPHER_CTX_free(aes->ctr);
	EVP_CIPHER_CTX_free(aes->gcm);
	memset(aes, 0, sizeof *aes);
}

static zt_err aes_block(void *ctx, uint8_t out[static 16], const uint8_t in[static 16])
{
	int len = 0;
	if (EVP_CipherUpdate(ctx, out, &len, in, 16) != 1 || len != 16)
		return ZT_ECRYPTO;
	return ZT_OK;
}

zt_err zt_aes_ecb_encrypt(struct zt_aes *aes, uint8_t out[static 16], const uint8_t in[static 16])
{
	return aes_block(aes->ecb_enc, out, in);
}

zt_err zt_aes_ecb_decrypt(struct zt_aes *aes, uint8_t out[static 16], const uint8_t in[static 16])
{
	return aes_block(aes->ecb_dec, out, in);
}

zt_err zt_aes_ctr(struct zt_aes *aes, const uint8_t iv[static 16], void *out, const void *in, size_t n)
{
	int len = 0;
	if (EVP_CipherInit_ex(aes->ctr, NULL, NULL, NULL, iv, 1) != 1)
		return ZT_ECRYPTO;
	if (n > (size_t)INT32_MAX)
		return ZT_ETOOBIG;
	if (n && (EVP_CipherUpdate(aes->ctr, out, &len, in, (int)n) != 1 || (size_t)len != n))
		return ZT_ECRYPTO;
	return ZT_OK;
}

zt_err zt_aes_gmac2(struct zt_aes *aes, uint8_t tag[static 16], const uint8_t iv[static 12], const void *aad1,
		    size_t n1, const void *aad2, size_t n2)
{
	int len = 0;
	uint8_t dummy[16];
	if (n1 > (size_t)INT32_MAX || n2 > (size_t)INT32_MAX)
		return ZT_ETOOBIG;
	/* A 12-byte IV is GCM's default, so only the IV needs setting per message. */
	if (EVP_EncryptInit_ex(aes->gcm, NULL, NULL, NULL, iv) != 1)
		return ZT_ECRYPTO;
	if (n1 && EVP_EncryptUpdate(aes->gcm, NULL, &len, aad1, (int)n1) != 1)
		return ZT_ECRYPTO;
	if (n2 && EVP_EncryptUpdate(aes->gcm, NULL, &len, aad2, (int)n2) != 1)
		return ZT_ECRYPTO;
	if (EVP_EncryptFinal_ex(aes->gcm, dummy, &len) != 1)
		return ZT_ECRYPTO;
	if (EVP_CIPHER_CTX_ctrl(aes->gcm, EVP_CTRL_GCM_GET_TAG, 16, tag) != 1)
		return ZT_ECRYPTO;
	return ZT_OK;
}

zt_err zt_aes_gmac(struct zt_aes *aes, uint8_t tag[static 16], const uint8_t iv[static 12], const void *aad, size_t n)
{
	return zt_aes_gmac2(aes, tag, iv, aad, n, NULL, 0);
}
