/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include <sodium.h>

#include "lf/base62.h"
#include "lf/lfcrypto.h"
#include "lf/pulse.h"

static const uint8_t th64_key[16] = { 0x01, 0xc8, 0x10, 0x5d, 0x63, 0x65, 0x10, 0x04,
				      0x63, 0xca, 0xff, 0xfe, 0x16, 0x11, 0x2a, 0xad };

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static uint64_t th64_step(struct zt_lf_aes *aes, uint64_t i)
{
	uint8_t in[16] = { 0 }, out[16];
	for (int k = 0; k < 8; k++)
		in[k] = (uint8_t)(i >> (8 * k));
	zt_lf_aes_block(aes, out, in);
	return le64(out) ^ le64(out + 8) ^ i;
}

uint64_t zt_lf_th64n(uint64_t i, uint32_t n)
{
	struct zt_lf_aes aes;
	if (n == 0)
		return i;
	/* Only an allocation failure can fail here; a zero chain value never validates a pulse. */
	if (zt_lf_aes_init(&aes, th64_key, sizeof th64_key) != ZT_OK)
		return 0;
	while (n--)
		i = th64_step(&aes, i);
	zt_lf_aes_free(&aes);
	return i;
}

uint64_t zt_lf_th64(uint64_t i)
{
	return zt_lf_th64n(i, 1);
}

static void put_be64(uint8_t p[8], uint64_t v)
{
	for (int k = 7; k >= 0; k--, v >>= 8)
		p[k] = (uint8_t)v;
}

uint64_t zt_lf_pulse_seed(const struct zt_lf_selector_spec *sel, unsigned nsel, uint64_t timestamp,
			  const uint8_t private_hash[static 32])
{
	struct zt_lf_hash h;
	uint8_t b[8], out[32];
	zt_lf_hash_init(&h, ZT_LF_SHA256);
	for (unsigned i = 0; i < nsel; i++) {
		zt_lf_hash_update(&h, sel[i].name, sel[i].name_len);
		put_be64(b, sel[i].ordinal);
		zt_lf_hash_update(&h, b, 8);
	}
	put_be64(b, timestamp);
	zt_lf_hash_update(&h, b, 8);
	zt_lf_hash_update(&h, private_hash, 32);
	if (zt_lf_hash_final(&h, out) != ZT_OK)
		return 0;
	uint64_t seed = 0;
	for (int k = 0; k < 8; k++)
		seed = (seed << 8) | out[k];
	return seed;
}

uint64_t zt_lf_pulse_token(uint64_t seed)
{
	return zt_lf_th64n(seed, ZT_LF_PULSE_SPAN);
}

void zt_lf_pulse_make(uint8_t out[static 11], uint64_t seed, uint32_t minutes)
{
	if (minutes > ZT_LF_PULSE_SPAN)
		minutes = ZT_LF_PULSE_SPAN;
	put_be64(out, zt_lf_th64n(seed, ZT_LF_PULSE_SPAN - minutes));
	out[8] = (uint8_t)(minutes >> 16);
	out[9] = (uint8_t)(minutes >> 8);
	out[10] = (uint8_t)minutes;
}

void zt_lf_pulse_parse(const uint8_t in[static 11], uint64_t *key, uint32_t *minutes)
{
	uint64_t k = 0;
	for (int i = 0; i < 8; i++)
		k = (k << 8) | in[i];
	uint32_t m = ((uint32_t)in[8] << 16) | ((uint32_t)in[9] << 8) | in[10];
	*key = k;
	*minutes = m > ZT_LF_PULSE_SPAN ? ZT_LF_PULSE_SPAN : m;
}

bool zt_lf_pulse_check(const uint8_t pulse[static 11], uint64_t token)
{
	uint64_t key;
	uint32_t m;
	zt_lf_pulse_parse(pulse, &key, &m);
	return token != 0 && key != 0 && zt_lf_th64n(key, m) == token;
}

zt_err zt_lf_pulse_text(char out[static ZT_LF_PULSE_TEXT_MAX], const uint8_t pulse[static 11])
{
	size_t len;
	out[0] = '!';
	return zt_lf_base62_encode(out + 1, ZT_LF_PULSE_TEXT_MAX - 1, pulse, ZT_LF_PULSE_SIZE, &len);
}

zt_err zt_lf_pulse_text_parse(uint8_t out[static 11], const char *s, size_t n)
{
	uint8_t buf[64];
	size_t len;
	if (n && s[0] == '!') {
		s++;
		n--;
	}
	if (n > sizeof buf)
		return ZT_EMALFORMED;
	zt_err err = zt_lf_base62_decode(buf, sizeof buf, s, n, &len);
	if (err != ZT_OK || len != ZT_LF_PULSE_SIZE)
		return ZT_EMALFORMED;
	memcpy(out, buf, ZT_LF_PULSE_SIZE);
	return ZT_OK;
}

void zt_lf_pulse_base64(char out[static ZT_LF_PULSE_BASE64_MAX], const uint8_t pulse[static 11])
{
	sodium_bin2base64(out, ZT_LF_PULSE_BASE64_MAX, pulse, ZT_LF_PULSE_SIZE, sodium_base64_VARIANT_ORIGINAL);
}

zt_err zt_lf_pulse_base64_parse(uint8_t out[static 11], const char *s, size_t n)
{
	size_t len;
	if (sodium_base642bin(out, ZT_LF_PULSE_SIZE, s, n, NULL, &len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    len != ZT_LF_PULSE_SIZE)
		return ZT_EMALFORMED;
	return ZT_OK;
}
