/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "buf.h"

const uint8_t *zt_buf_get(struct zt_buf *b, size_t len)
{
	if (b->err || len > b->n) {
		b->err = true;
		b->n = 0;
		return NULL;
	}
	const uint8_t *r = b->p;
	b->p += len;
	b->n -= len;
	return r;
}

void zt_buf_copy(struct zt_buf *b, void *out, size_t len)
{
	const uint8_t *p = zt_buf_get(b, len);
	if (p)
		memcpy(out, p, len);
	else
		memset(out, 0, len);
}

void zt_buf_skip(struct zt_buf *b, size_t len)
{
	(void)zt_buf_get(b, len);
}

uint8_t zt_buf_u8(struct zt_buf *b)
{
	const uint8_t *p = zt_buf_get(b, 1);
	return p ? p[0] : 0;
}

uint16_t zt_buf_u16(struct zt_buf *b)
{
	const uint8_t *p = zt_buf_get(b, 2);
	return p ? zt_be16(p) : 0;
}

uint32_t zt_buf_u32(struct zt_buf *b)
{
	const uint8_t *p = zt_buf_get(b, 4);
	return p ? zt_be32(p) : 0;
}

uint64_t zt_buf_u40(struct zt_buf *b)
{
	const uint8_t *p = zt_buf_get(b, 5);
	return p ? zt_be40(p) : 0;
}

uint64_t zt_buf_u64(struct zt_buf *b)
{
	const uint8_t *p = zt_buf_get(b, 8);
	return p ? zt_be64(p) : 0;
}

uint8_t *zt_wbuf_reserve(struct zt_wbuf *w, size_t len)
{
	if (w->err || len > w->cap - w->len) {
		w->err = true;
		return NULL;
	}
	uint8_t *r = w->p + w->len;
	w->len += len;
	return r;
}

void zt_wbuf_put(struct zt_wbuf *w, const void *p, size_t len)
{
	uint8_t *d = zt_wbuf_reserve(w, len);
	if (d && len)
		memcpy(d, p, len);
}

void zt_wbuf_u8(struct zt_wbuf *w, uint8_t v)
{
	uint8_t *d = zt_wbuf_reserve(w, 1);
	if (d)
		d[0] = v;
}

void zt_wbuf_u16(struct zt_wbuf *w, uint16_t v)
{
	uint8_t *d = zt_wbuf_reserve(w, 2);
	if (d)
		zt_put_be16(d, v);
}

void zt_wbuf_u32(struct zt_wbuf *w, uint32_t v)
{
	uint8_t *d = zt_wbuf_reserve(w, 4);
	if (d)
		zt_put_be32(d, v);
}

void zt_wbuf_u40(struct zt_wbuf *w, uint64_t v)
{
	uint8_t *d = zt_wbuf_reserve(w, 5);
	if (d)
		zt_put_be40(d, v);
}

void zt_wbuf_u64(struct zt_wbuf *w, uint64_t v)
{
	uint8_t *d = zt_wbuf_reserve(w, 8);
	if (d)
		zt_put_be64(d, v);
}
