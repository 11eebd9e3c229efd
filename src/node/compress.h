/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_COMPRESS_H
#define ZT_COMPRESS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/*
 * LZ4 block format (raw blocks: no frame header, no checksum), the payload compression of
 * spec/packet.md §8. The packet-level entry points are zt_packet_compress/zt_packet_decompress
 * in packet.h; these are the bounded primitives underneath.
 */

/*
 * Compresses in[0..n-1] into out (capacity cap). Returns the compressed length (> 0), or
 * ZT_ENOSPACE if it does not fit in cap, ZT_ETOOBIG if n exceeds what LZ4 accepts.
 */
long zt_lz4_compress(uint8_t *out, size_t cap, const uint8_t *in, size_t n);

/*
 * Decompresses the LZ4 block in[0..n-1] into out (capacity cap), never writing past cap.
 * Returns the decompressed length (>= 0), or ZT_ECOMPRESS if the block is malformed or would
 * expand beyond cap.
 */
long zt_lz4_decompress(uint8_t *out, size_t cap, const uint8_t *in, size_t n);

#endif
