/* SPDX-License-Identifier: Apache-2.0 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>

#include "lf/base62.h"

static const char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/* Digits converted per BIGNUM word operation: 62^10 fits a 64-bit word, 62^5 a 32-bit one. */
#if BN_BYTES >= 8
#define CHUNK_DIGITS 10
#define CHUNK_BASE 839299365868340224ull
#else
#define CHUNK_DIGITS 5
#define CHUNK_BASE 916132832ul
#endif

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 36;
	return -1;
}

zt_err zt_lf_base62_encode(char *out, size_t cap, const void *in, size_t n, size_t *outlen)
{
	const uint8_t *b = in;
	size_t zeros = 0, len = 0;
	zt_err err = ZT_ECRYPTO;
	BIGNUM *bn = NULL;
	char *digits = NULL;

	*outlen = 0;
	if (cap < 1)
		return ZT_ENOSPACE;
	out[0] = '\0';
	if (n == 0)
		return ZT_OK;
	while (zeros < n - 1 && b[zeros] == 0)
		zeros++;

	/* Digits come out least significant first, into a scratch buffer reversed at the end. */
	size_t dcap = ZT_LF_BASE62_CAP(n) + CHUNK_DIGITS;
	digits = malloc(dcap);
	bn = BN_bin2bn(b, (int)n, NULL);
	if (!digits || !bn || n > (size_t)1 << 30)
		goto out;
	while (!BN_is_zero(bn)) {
		BN_ULONG rem = BN_div_word(bn, (BN_ULONG)CHUNK_BASE);
		if (rem == (BN_ULONG)-1)
			goto out;
		for (int i = 0; i < CHUNK_DIGITS; i++) {
			digits[len++] = alphabet[rem % 62];
			rem /= 62;
		}
	}
	while (len > 0 && digits[len - 1] == '0')
		len--; /* the top chunk's leading zeros */
	if (len == 0)
		digits[len++] = '0';

	err = ZT_ENOSPACE;
	if (zeros + len + 1 > cap)
		goto out;
	memset(out, '0', zeros);
	for (size_t i = 0; i < len; i++)
		out[zeros + i] = digits[len - 1 - i];
	out[zeros + len] = '\0';
	*outlen = zeros + len;
	err = ZT_OK;
out:
	BN_free(bn);
	free(digits);
	return err;
}

char *zt_lf_base62_encode_alloc(const void *in, size_t n)
{
	size_t cap = ZT_LF_BASE62_CAP(n), len;
	char *s = malloc(cap);
	if (s && zt_lf_base62_encode(s, cap, in, n, &len) != ZT_OK) {
		free(s);
		s = NULL;
	}
	return s;
}

zt_err zt_lf_base62_decode(uint8_t *out, size_t cap, const char *in, size_t inlen, size_t *outlen)
{
	size_t ndigits = 0, zeros = 0, seen = 0;
	zt_err err = ZT_ECRYPTO;

	*outlen = 0;
	for (size_t i = 0; i < inlen; i++)
		if (digit_value(in[i]) >= 0)
			ndigits++;
	if (ndigits == 0)
		return ZT_OK;

	BIGNUM *bn = BN_new();
	if (!bn)
		return ZT_ECRYPTO;
	BN_ULONG chunk = 0, mul = 1;
	bool leading = true;
	for (size_t i = 0; i < inlen; i++) {
		int d = digit_value(in[i]);
		if (d < 0)
			continue;
		if (leading && d == 0 && seen < ndigits - 1)
			zeros++;
		else
			leading = false;
		seen++;
		chunk = chunk * 62 + (BN_ULONG)d;
		mul *= 62;
		if (mul == (BN_ULONG)CHUNK_BASE || seen == ndigits) {
			if (!BN_mul_word(bn, mul) || !BN_add_word(bn, chunk))
				goto out;
			chunk = 0;
			mul = 1;
		}
	}

	size_t vlen = (size_t)BN_num_bytes(bn);
	if (vlen == 0)
		vlen = 1; /* the value 0 is one zero byte */
	err = ZT_ENOSPACE;
	if (zeros + vlen > cap)
		goto out;
	memset(out, 0, zeros);
	err = ZT_ECRYPTO;
	if (BN_bn2binpad(bn, out + zeros, (int)vlen) != (int)vlen)
		goto out;
	*outlen = zeros + vlen;
	err = ZT_OK;
out:
	BN_free(bn);
	return err;
}
