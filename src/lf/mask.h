/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_LF_MASK_H
#define ZT_LF_MASK_H

#include <stddef.h>
#include <stdint.h>

#include "node/err.h"

/*
 * Value masking (lf.md §2.6): K = SHA384(BE64(timestamp) || mk || owner), AES-256-CFB with key K[0:32]
 * and IV K[32:48] over BE16((crc16(v') & 0xfffc) | c) || v', where v' is the value, Brotli-compressed
 * (c = 1) when it is longer than 24 bytes and compression makes it shorter.
 *
 * "No masking key" (genesis and commentary records) is the empty mk: pass NULL, 0.
 */
#define ZT_LF_VALUE_HEADER_SIZE 2
#define ZT_LF_VALUE_COMPRESS_OVER 24     /* Brotli is tried only above this length */
#define ZT_LF_VALUE_MAX_PLAIN 65536      /* decompressed output is cut here, as by the reference */
#define ZT_LF_VALUE_BROTLI_QUALITY 11
#define ZT_LF_CERT_MASKING_KEY "lfCertificate"

enum { ZT_LF_VALUE_RAW = 0, ZT_LF_VALUE_BROTLI = 1 };

void zt_lf_mask_key(uint8_t k[static 48], uint64_t timestamp, const void *mk, size_t mklen, const uint8_t *owner,
		    size_t owner_len);

/*
 * Masks a plaintext. On success *out is a malloc'd buffer of *outlen (at most n + 2) bytes that the
 * caller frees; an empty plaintext gives *out = NULL and *outlen = 0 (a record without a value).
 */
zt_err zt_lf_value_mask(uint8_t **out, size_t *outlen, const void *plain, size_t n, uint64_t timestamp,
			const void *mk, size_t mklen, const uint8_t *owner, size_t owner_len);

/*
 * Unmasks a masked value. On success *out is a malloc'd plaintext (caller frees; NULL when empty).
 * ZT_EAUTH: the 14-bit check failed (wrong key). ZT_EUNSUPPORTED: compression type 2 or 3.
 * ZT_EMALFORMED: shorter than the header, or a bad Brotli stream. A Brotli value whose plaintext
 * exceeds ZT_LF_VALUE_MAX_PLAIN is cut to that size. If `compression` is not NULL it receives c.
 */
zt_err zt_lf_value_unmask(uint8_t **out, size_t *outlen, const uint8_t *masked, size_t n, uint64_t timestamp,
			  const void *mk, size_t mklen, const uint8_t *owner, size_t owner_len, int *compression);

/* Brotli decompression with an output cap (the excess is dropped). *out is malloc'd (may be NULL if empty). */
zt_err zt_lf_brotli_decompress(uint8_t **out, size_t *outlen, const uint8_t *in, size_t n, size_t max);
/* Brotli compression at the reference's quality; *out is malloc'd. */
zt_err zt_lf_brotli_compress(uint8_t **out, size_t *outlen, const uint8_t *in, size_t n);

#endif
