/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_BUF_H
#define ZT_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/*
 * Bounds-checked reader and writer for wire data (all integers big-endian).
 * A getter that would read past the end sets `err`, returns zero/NULL and consumes nothing more;
 * every later getter then fails too, so a parser reads a whole structure and checks `err` once.
 * The writer works the same way on a caller-owned buffer.
 */
struct zt_buf {
	const uint8_t *p; /* next byte to read */
	size_t n;         /* bytes left */
	bool err;         /* sticky: a read went past the end */
};

struct zt_wbuf {
	uint8_t *p;   /* start of the caller's buffer */
	size_t cap;   /* its size */
	size_t len;   /* bytes written */
	bool err;     /* sticky: a write did not fit */
};

static inline struct zt_buf zt_buf_init(const void *p, size_t n)
{
	struct zt_buf b = { (const uint8_t *)p, n, false };
	return b;
}

static inline struct zt_wbuf zt_wbuf_init(void *p, size_t cap)
{
	struct zt_wbuf w = { (uint8_t *)p, cap, 0, false };
	return w;
}

/* Returns a pointer to the next `len` bytes and advances, or NULL (and sets err). */
const uint8_t *zt_buf_get(struct zt_buf *b, size_t len);
/* Copies `len` bytes into `out` (zero-filled on error). */
void zt_buf_copy(struct zt_buf *b, void *out, size_t len);
void zt_buf_skip(struct zt_buf *b, size_t len);
uint8_t zt_buf_u8(struct zt_buf *b);
uint16_t zt_buf_u16(struct zt_buf *b);
uint32_t zt_buf_u32(struct zt_buf *b);
uint64_t zt_buf_u40(struct zt_buf *b); /* 5-byte ZeroTier address */
uint64_t zt_buf_u64(struct zt_buf *b);
static inline size_t zt_buf_left(const struct zt_buf *b) { return b->err ? 0 : b->n; }

/* Reserves `len` bytes and returns a pointer to them, or NULL (and sets err). */
uint8_t *zt_wbuf_reserve(struct zt_wbuf *w, size_t len);
void zt_wbuf_put(struct zt_wbuf *w, const void *p, size_t len);
void zt_wbuf_u8(struct zt_wbuf *w, uint8_t v);
void zt_wbuf_u16(struct zt_wbuf *w, uint16_t v);
void zt_wbuf_u32(struct zt_wbuf *w, uint32_t v);
void zt_wbuf_u40(struct zt_wbuf *w, uint64_t v);
void zt_wbuf_u64(struct zt_wbuf *w, uint64_t v);

/* The usual verdicts after a whole structure was read or written: ZT_ETRUNCATED / ZT_ENOSPACE on overrun. */
static inline zt_err zt_buf_result(const struct zt_buf *b) { return b->err ? ZT_ETRUNCATED : ZT_OK; }
static inline zt_err zt_wbuf_result(const struct zt_wbuf *w) { return w->err ? ZT_ENOSPACE : ZT_OK; }

/* Unchecked big-endian helpers for fixed-offset header fields the caller has bounds-checked. */
static inline uint16_t zt_be16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static inline uint32_t zt_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline uint64_t zt_be40(const uint8_t *p)
{
	return ((uint64_t)p[0] << 32) | ((uint64_t)p[1] << 24) | ((uint64_t)p[2] << 16) |
	       ((uint64_t)p[3] << 8) | p[4];
}
static inline uint64_t zt_be64(const uint8_t *p)
{
	return ((uint64_t)zt_be32(p) << 32) | zt_be32(p + 4);
}
static inline void zt_put_be16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void zt_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
static inline void zt_put_be40(uint8_t *p, uint64_t v)
{
	p[0] = (uint8_t)(v >> 32); p[1] = (uint8_t)(v >> 24); p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 8); p[4] = (uint8_t)v;
}
static inline void zt_put_be64(uint8_t *p, uint64_t v)
{
	zt_put_be32(p, (uint32_t)(v >> 32));
	zt_put_be32(p + 4, (uint32_t)v);
}

#endif
