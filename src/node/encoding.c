/* SPDX-License-Identifier: Apache-2.0 */
#include "encoding.h"

#define BASE32_BITS 5
#define BASE64_BITS 6
#define BITS_PER_BYTE 8

static const char base32_alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
static const char base64url_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int base32_value(char c)
{
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;
	return -1;
}

static int base64url_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

static size_t encoded_len(size_t n, unsigned bits)
{
	return (n * BITS_PER_BYTE + bits - 1) / bits;
}

size_t zt_base32_encoded_len(size_t n)
{
	return encoded_len(n, BASE32_BITS);
}

size_t zt_base64url_encoded_len(size_t n)
{
	return encoded_len(n, BASE64_BITS);
}

/* Both encodings read the input as one big-endian bit string, `bits` at a time. */
static void encode(char *out, const uint8_t *in, size_t n, unsigned bits, const char *alphabet)
{
	uint32_t acc = 0;
	unsigned have = 0;
	size_t o = 0;
	uint32_t mask = (1u << bits) - 1;

	for (size_t i = 0; i < n; i++) {
		acc = (acc << BITS_PER_BYTE) | in[i];
		have += BITS_PER_BYTE;
		while (have >= bits) {
			have -= bits;
			out[o++] = alphabet[(acc >> have) & mask];
		}
	}
	if (have)
		out[o++] = alphabet[(acc << (bits - have)) & mask];
	out[o] = '\0';
}

static long decode(uint8_t *out, size_t cap, const char *in, size_t len, unsigned bits, int (*value)(char))
{
	uint32_t acc = 0;
	unsigned have = 0;
	size_t o = 0;
	size_t n = len * bits / BITS_PER_BYTE;

	/* Only lengths an encoder produces: the leftover bits must be fewer than one character's worth. */
	if (encoded_len(n, bits) != len || n > cap)
		return -1;
	for (size_t i = 0; i < len; i++) {
		int v = value(in[i]);

		if (v < 0)
			return -1;
		acc = (acc << bits) | (uint32_t)v;
		have += bits;
		if (have >= BITS_PER_BYTE) {
			have -= BITS_PER_BYTE;
			out[o++] = (uint8_t)(acc >> have);
		}
	}
	/* Unused low bits must be zero, or two texts would decode to the same bytes. */
	if (acc & ((1u << have) - 1))
		return -1;
	return (long)o;
}

void zt_base32_encode(char *out, const void *in, size_t n)
{
	encode(out, in, n, BASE32_BITS, base32_alphabet);
}

void zt_base64url_encode(char *out, const void *in, size_t n)
{
	encode(out, in, n, BASE64_BITS, base64url_alphabet);
}

long zt_base32_decode(uint8_t *out, size_t cap, const char *in, size_t len)
{
	return decode(out, cap, in, len, BASE32_BITS, base32_value);
}

long zt_base64url_decode(uint8_t *out, size_t cap, const char *in, size_t len)
{
	return decode(out, cap, in, len, BASE64_BITS, base64url_value);
}
