/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <brotli/decode.h>
#include <brotli/encode.h>
#include <sodium.h>

#include "lf/lfcrypto.h"
#include "lf/mask.h"

void zt_lf_mask_key(uint8_t k[static 48], uint64_t timestamp, const void *mk, size_t mklen, const uint8_t *owner,
		    size_t owner_len)
{
	uint8_t ts[8];
	struct zt_lf_hash h;
	for (int i = 7; i >= 0; i--, timestamp >>= 8)
		ts[i] = (uint8_t)timestamp;
	zt_lf_hash_init(&h, ZT_LF_SHA384);
	zt_lf_hash_update(&h, ts, sizeof ts);
	zt_lf_hash_update(&h, mk, mklen);
	zt_lf_hash_update(&h, owner, owner_len);
	if (zt_lf_hash_final(&h, k) != ZT_OK)
		randombytes_buf(k, 48); /* allocation failure: a key nobody can reproduce */
}

zt_err zt_lf_brotli_compress(uint8_t **out, size_t *outlen, const uint8_t *in, size_t n)
{
	size_t cap = BrotliEncoderMaxCompressedSize(n);
	*out = NULL;
	*outlen = 0;
	if (cap == 0)
		return ZT_ETOOBIG;
	uint8_t *buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	if (!BrotliEncoderCompress(ZT_LF_VALUE_BROTLI_QUALITY, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC, n, in, &cap,
				   buf)) {
		free(buf);
		return ZT_ECRYPTO;
	}
	*out = buf;
	*outlen = cap;
	return ZT_OK;
}

zt_err zt_lf_brotli_decompress(uint8_t **out, size_t *outlen, const uint8_t *in, size_t n, size_t max)
{
	zt_err err = -ENOMEM;
	*out = NULL;
	*outlen = 0;
	uint8_t *buf = malloc(max ? max : 1);
	BrotliDecoderState *st = BrotliDecoderCreateInstance(NULL, NULL, NULL);
	if (!buf || !st)
		goto out;
	size_t avail_in = n, avail_out = max;
	const uint8_t *next_in = in;
	uint8_t *next_out = buf;
	BrotliDecoderResult r = BrotliDecoderDecompressStream(st, &avail_in, &next_in, &avail_out, &next_out, NULL);
	/* NEEDS_MORE_OUTPUT with a full buffer is the reference's silent cut at `max`. */
	err = ZT_EMALFORMED;
	if (r != BROTLI_DECODER_RESULT_SUCCESS && r != BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT)
		goto out;
	*outlen = max - avail_out;
	if (*outlen == 0) {
		free(buf);
		buf = NULL;
	}
	*out = buf;
	buf = NULL;
	err = ZT_OK;
out:
	BrotliDecoderDestroyInstance(st);
	free(buf);
	return err;
}

zt_err zt_lf_value_mask(uint8_t **out, size_t *outlen, const void *plain, size_t n, uint64_t timestamp,
			const void *mk, size_t mklen, const uint8_t *owner, size_t owner_len)
{
	uint8_t k[48], *comp = NULL, *buf = NULL;
	size_t clen = 0;
	const uint8_t *v = plain;
	int c = ZT_LF_VALUE_RAW;
	zt_err err;

	*out = NULL;
	*outlen = 0;
	if (n == 0)
		return ZT_OK;
	if (n > ZT_LF_VALUE_COMPRESS_OVER) {
		if ((err = zt_lf_brotli_compress(&comp, &clen, plain, n)) != ZT_OK)
			return err;
		if (clen < n) {
			v = comp;
			n = clen;
			c = ZT_LF_VALUE_BROTLI;
		}
	}
	err = -ENOMEM;
	if (!(buf = malloc(n + ZT_LF_VALUE_HEADER_SIZE)))
		goto out;
	uint16_t hdr = (uint16_t)((zt_lf_crc16(v, n) & 0xfffc) | c);
	buf[0] = (uint8_t)(hdr >> 8);
	buf[1] = (uint8_t)hdr;
	memcpy(buf + 2, v, n);
	zt_lf_mask_key(k, timestamp, mk, mklen, owner, owner_len);
	if ((err = zt_lf_aes256_cfb(buf, n + 2, k, k + 32, true)) != ZT_OK)
		goto out;
	*out = buf;
	*outlen = n + 2;
	buf = NULL;
out:
	sodium_memzero(k, sizeof k);
	free(comp);
	free(buf);
	return err;
}

zt_err zt_lf_value_unmask(uint8_t **out, size_t *outlen, const uint8_t *masked, size_t n, uint64_t timestamp,
			  const void *mk, size_t mklen, const uint8_t *owner, size_t owner_len, int *compression)
{
	uint8_t k[48], *buf = NULL;
	zt_err err;

	*out = NULL;
	*outlen = 0;
	if (compression)
		*compression = ZT_LF_VALUE_RAW;
	if (n == 0)
		return ZT_OK;
	if (n < ZT_LF_VALUE_HEADER_SIZE)
		return ZT_EMALFORMED;
	if (!(buf = malloc(n)))
		return -ENOMEM;
	memcpy(buf, masked, n);
	zt_lf_mask_key(k, timestamp, mk, mklen, owner, owner_len);
	if ((err = zt_lf_aes256_cfb(buf, n, k, k + 32, false)) != ZT_OK)
		goto out;
	uint16_t hdr = (uint16_t)((buf[0] << 8) | buf[1]);
	size_t vlen = n - 2;
	err = ZT_EAUTH;
	if ((hdr >> 2) != (zt_lf_crc16(buf + 2, vlen) >> 2))
		goto out;
	int c = hdr & 3;
	if (compression)
		*compression = c;
	if (c == ZT_LF_VALUE_BROTLI) {
		err = zt_lf_brotli_decompress(out, outlen, buf + 2, vlen, ZT_LF_VALUE_MAX_PLAIN);
		goto out;
	}
	err = ZT_EUNSUPPORTED;
	if (c != ZT_LF_VALUE_RAW)
		goto out;
	err = ZT_OK;
	if (vlen) {
		memmove(buf, buf + 2, vlen);
		*out = buf;
		*outlen = vlen;
		buf = NULL;
	}
out:
	sodium_memzero(k, sizeof k);
	if (buf) {
		sodium_memzero(buf, n);
		free(buf);
	}
	return err;
}
