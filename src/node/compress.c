/* SPDX-License-Identifier: Apache-2.0 */
/* LZ4 payload compression (spec/packet.md §8). */
#include <limits.h>
#include <string.h>

#include <lz4.h>

#include "compress.h"
#include "packet.h"

long zt_lz4_compress(uint8_t *out, size_t cap, const uint8_t *in, size_t n)
{
	if (n > LZ4_MAX_INPUT_SIZE)
		return ZT_ETOOBIG;
	int c = (int)(cap > INT_MAX ? INT_MAX : cap);
	int r = LZ4_compress_default((const char *)in, (char *)out, (int)n, c);
	return r > 0 ? r : ZT_ENOSPACE;
}

long zt_lz4_decompress(uint8_t *out, size_t cap, const uint8_t *in, size_t n)
{
	if (n > INT_MAX)
		return ZT_ECOMPRESS;
	int c = (int)(cap > INT_MAX ? INT_MAX : cap);
	/* The _safe decoder checks every read and write against the given bounds. */
	int r = LZ4_decompress_safe((const char *)in, (char *)out, (int)n, c);
	return r >= 0 ? r : ZT_ECOMPRESS;
}

zt_err zt_packet_compress(uint8_t *pkt, size_t *len, bool *compressed)
{
	*compressed = false;
	if (*len < ZT_PROTO_MIN_PACKET_LENGTH)
		return ZT_ETRUNCATED;
	if (*len > ZT_PROTO_MAX_PACKET_LENGTH)
		return ZT_ETOOBIG;
	size_t n = *len - ZT_PACKET_IDX_PAYLOAD;
	if (n <= ZT_PACKET_COMPRESS_MIN_PAYLOAD || (pkt[ZT_PACKET_IDX_VERB] & ZT_VERB_FLAG_COMPRESSED))
		return ZT_OK;
	/* Capacity n - 1: LZ4 gives up early once the result could not be strictly shorter. */
	uint8_t tmp[ZT_PACKET_MAX_PAYLOAD];
	long c = zt_lz4_compress(tmp, n - 1, pkt + ZT_PACKET_IDX_PAYLOAD, n);
	if (c <= 0)
		return ZT_OK;
	memcpy(pkt + ZT_PACKET_IDX_PAYLOAD, tmp, (size_t)c);
	pkt[ZT_PACKET_IDX_VERB] |= ZT_VERB_FLAG_COMPRESSED;
	*len = ZT_PACKET_IDX_PAYLOAD + (size_t)c;
	*compressed = true;
	return ZT_OK;
}

zt_err zt_packet_decompress(uint8_t *pkt, size_t *len, size_t cap)
{
	if (*len < ZT_PROTO_MIN_PACKET_LENGTH)
		return ZT_ETRUNCATED;
	if (!(pkt[ZT_PACKET_IDX_VERB] & ZT_VERB_FLAG_COMPRESSED))
		return ZT_OK;
	uint8_t tmp[ZT_PACKET_MAX_PAYLOAD];
	long r = zt_lz4_decompress(tmp, sizeof tmp, pkt + ZT_PACKET_IDX_PAYLOAD, *len - ZT_PACKET_IDX_PAYLOAD);
	if (r < 1)
		return ZT_ECOMPRESS; /* malformed, empty, or more than 9996 bytes */
	if (cap < ZT_PACKET_IDX_PAYLOAD + (size_t)r)
		return ZT_ENOSPACE;
	memcpy(pkt + ZT_PACKET_IDX_PAYLOAD, tmp, (size_t)r);
	pkt[ZT_PACKET_IDX_VERB] &= (uint8_t)~ZT_VERB_FLAG_COMPRESSED;
	*len = ZT_PACKET_IDX_PAYLOAD + (size_t)r;
	return ZT_OK;
}
