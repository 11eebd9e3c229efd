/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <string.h>

#include "hex.h"

int zt_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void zt_hex_encode(char *out, const void *in, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	const uint8_t *p = in;
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

bool zt_hex_decode(uint8_t *out, size_t n, const char *in)
{
	for (size_t i = 0; i < n; i++) {
		int hi = zt_hex_digit(in[2 * i]);
		if (hi < 0)
			return false;
		int lo = zt_hex_digit(in[2 * i + 1]);
		if (lo < 0)
			return false;
		out[i] = (uint8_t)((hi << 4) | lo);
	}
	return true;
}

long zt_hex_decode_all(uint8_t *out, size_t cap, const char *in, size_t inlen)
{
	if (inlen % 2 || inlen / 2 > cap)
		return -1;
	if (!zt_hex_decode(out, inlen / 2, in))
		return -1;
	return (long)(inlen / 2);
}

bool zt_address_parse(uint64_t *addr, const char *s)
{
	uint8_t b[5];
	if (strlen(s) != 10 || !zt_hex_decode(b, 5, s))
		return false;
	*addr = ((uint64_t)b[0] << 32) | ((uint64_t)b[1] << 24) | ((uint64_t)b[2] << 16) |
		((uint64_t)b[3] << 8) | b[4];
	return true;
}

void zt_address_format(char out[static 11], uint64_t addr)
{
	snprintf(out, 11, "%010llx", (unsigned long long)(addr & 0xffffffffffULL));
}
