/* SPDX-License-Identifier: Apache-2.0 */
#include <pthread.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <sodium.h>

#include "lf/lfcrypto.h"

void zt_lf_sha256(uint8_t out[static 32], const void *in, size_t n)
{
	SHA256(in, n, out);
}

void zt_lf_sha384(uint8_t out[static 48], const void *in, size_t n)
{
	SHA384(in, n, out);
}

void zt_lf_sha512(uint8_t out[static 64], const void *in, size_t n)
{
	SHA512(in, n, out);
}

void zt_lf_shandwich(uint8_t out[static 32], const void *in, size_t n)
{
	uint8_t h512[64];
	struct zt_lf_hash h;
	zt_lf_sha512(h512, in, n);
	zt_lf_hash_init(&h, ZT_LF_SHA256);
	zt_lf_hash_update(&h, in, n);
	zt_lf_hash_update(&h, h512, sizeof h512);
	if (zt_lf_hash_final(&h, out) != ZT_OK)
		memset(out, 0, 32); /* only on allocation failure; a zero hash never matches */
}

static const EVP_MD *digest_md(enum zt_lf_digest alg)
{
	switch (alg) {
	case ZT_LF_SHA256:
		return EVP_sha256();
	case ZT_LF_SHA384:
		return EVP_sha384();
	case ZT_LF_SHA512:
		return EVP_sha512();
	case ZT_LF_MD5:
		return EVP_md5();
	}
	return NULL;
}

void zt_lf_hash_init(struct zt_lf_hash *h, enum zt_lf_digest alg)
{
	const EVP_MD *md = digest_md(alg);
	h->err = false;
	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx || !md || EVP_DigestInit_ex(h->ctx, md, NULL) != 1)
		h->err = true;
}

void zt_lf_hash_update(struct zt_lf_hash *h, const void *p, size_t n)
{
	if (!h->err && n && EVP_DigestUpdate(h->ctx, p, n) != 1)
		h->err = true;
}

zt_err zt_lf_hash_final(struct zt_lf_hash *h, uint8_t *out)
{
	unsigned int len = 0;
	if (!h->err && EVP_DigestFinal_ex(h->ctx, out, &len) != 1)
		h->err = true;
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
	return h->err ? ZT_ECRYPTO : ZT_OK;
}

zt_err zt_lf_aes_init(struct zt_lf_aes *a, const uint8_t *key, size_t keylen)
{
	const EVP_CIPHER *c = keylen == 32 ? EVP_aes_256_ecb() : keylen == 16 ? EVP_aes_128_ecb() : NULL;
	a->ctx = NULL;
	if (!c)
		return ZT_EINVALID;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return ZT_ECRYPTO;
	if (EVP_EncryptInit_ex(ctx, c, NULL, key, NULL) != 1 || EVP_CIPHER_CTX_set_padding(ctx, 0) != 1) {
		EVP_CIPHER_CTX_free(ctx);
		return ZT_ECRYPTO;
	}
	a->ctx = ctx;
	return ZT_OK;
}

void zt_lf_aes_block(struct zt_lf_aes *a, uint8_t out[static 16], const uint8_t in[static 16])
{
	int len = 0;
	/* ECB without padding on a whole block cannot fail once the key is set. */
	(void)EVP_EncryptUpdate(a->ctx, out, &len, in, 16);
}

void zt_lf_aes_free(struct zt_lf_aes *a)
{
	EVP_CIPHER_CTX_free(a->ctx);
	a->ctx = NULL;
}

zt_err zt_lf_aes256_cfb(uint8_t *buf, size_t n, const uint8_t key[static 32], const uint8_t iv[static 16],
			bool encrypt)
{
	zt_err err = ZT_ECRYPTO;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return ZT_ECRYPTO;
	if (EVP_CipherInit_ex(ctx, EVP_aes_256_cfb128(), NULL, key, iv, encrypt ? 1 : 0) != 1)
		goto out;
	/* EVP lengths are int: walk large buffers in chunks; the stream continues across calls. */
	while (n) {
		int chunk = n > (1u << 30) ? (1 << 30) : (int)n, len = 0;
		if (EVP_CipherUpdate(ctx, buf, &len, buf, chunk) != 1 || len != chunk)
			goto out;
		buf += chunk;
		n -= (size_t)chunk;
	}
	err = ZT_OK;
out:
	EVP_CIPHER_CTX_free(ctx);
	return err;
}

void zt_lf_prng_key(uint8_t key[static 32], const void *seed, size_t n)
{
	zt_lf_sha256(key, seed, n);
	key[8]++;
}

zt_err zt_lf_prng_init(struct zt_lf_prng *p, const void *seed, size_t n)
{
	uint8_t key[32];
	memset(p, 0, sizeof *p);
	zt_lf_prng_key(key, seed, n);
	zt_err err = zt_lf_aes_init(&p->aes, key, sizeof key);
	sodium_memzero(key, sizeof key);
	p->used = sizeof p->block;
	return err;
}

void zt_lf_prng_read(struct zt_lf_prng *p, uint8_t *out, size_t n)
{
	while (n) {
		if (p->used == sizeof p->block) {
			for (size_t i = 0; i < sizeof p->ctr && ++p->ctr[i] == 0; i++)
				;
			zt_lf_aes_block(&p->aes, p->block, p->ctr);
			p->used = 0;
		}
		size_t take = sizeof p->block - p->used;
		if (take > n)
			take = n;
		memcpy(out, p->block + p->used, take);
		p->used += (unsigned)take;
		out += take;
		n -= take;
	}
}

void zt_lf_prng_free(struct zt_lf_prng *p)
{
	zt_lf_aes_free(&p->aes);
	sodium_memzero(p, sizeof *p);
}

uint16_t zt_lf_crc16(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint16_t crc = 0;
	while (n--) {
		crc ^= (uint16_t)(*b++ << 8);
		for (int i = 0; i < 8; i++)
			crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
	}
	return crc;
}

static uint32_t crc32_table[256];

static void crc32_table_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc32_table[i] = c;
	}
}

uint32_t zt_lf_crc32(uint32_t crc, const void *p, size_t n)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	const uint8_t *b = p;
	pthread_once(&once, crc32_table_init);
	crc = ~crc;
	while (n--)
		crc = crc32_table[(crc ^ *b++) & 0xff] ^ (crc >> 8);
	return ~crc;
}
