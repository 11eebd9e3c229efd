/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "dns/msg.h"
#include "node/buf.h"

#define HEADER_LEN 12
#define RCODE_MASK 0x000f
#define RCODE_NOERROR 0
#define RCODE_NXDOMAIN 3
#define TYPE_CNAME 5
#define TYPE_TXT 16
#define CLASS_IN 1
#define LABEL_POINTER 0xc0
#define LABEL_LEN_MAX 63
#define TTL_MAX 0x7fffffffu /* RFC 2181 §8: a TTL with the top bit set means 0 */

/* Skips an encoded name; a compression pointer ends it, and is not followed (nothing here needs it). */
static void name_skip(struct zt_buf *b)
{
	while (!b->err) {
		uint8_t l = zt_buf_u8(b);

		if (!l)
			return;
		if ((l & LABEL_POINTER) == LABEL_POINTER) {
			zt_buf_skip(b, 1);
			return;
		}
		if (l > LABEL_LEN_MAX) {
			b->err = true; /* the 0x40 and 0x80 label types are obsolete or unused */
			return;
		}
		zt_buf_skip(b, l);
	}
}

static uint32_t ttl_min(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

zt_err zt_dns_msg_txt(const uint8_t *msg, size_t len, struct zt_dns_txt *recs, size_t max, size_t *n, uint8_t *buf,
		      size_t cap, uint32_t *ttl)
{
	struct zt_buf b = zt_buf_init(msg, len);
	uint16_t flags, qd, an;
	uint32_t min = UINT32_MAX;
	size_t used = 0;

	*n = 0;
	*ttl = 0;
	zt_buf_skip(&b, 2); /* ID: c-ares matched it */
	flags = zt_buf_u16(&b);
	qd = zt_buf_u16(&b);
	an = zt_buf_u16(&b);
	zt_buf_skip(&b, 4); /* authority and additional counts */
	if (b.err)
		return ZT_ETRUNCATED;
	if ((flags & RCODE_MASK) == RCODE_NXDOMAIN)
		return ZT_ENOTFOUND;
	if ((flags & RCODE_MASK) != RCODE_NOERROR)
		return ZT_EDNS;
	for (unsigned i = 0; i < qd && !b.err; i++) {
		name_skip(&b);
		zt_buf_skip(&b, 4); /* type, class */
	}
	for (unsigned i = 0; i < an && !b.err; i++) {
		uint16_t type, class, rdlen;
		uint32_t rr_ttl;
		const uint8_t *rdata;

		name_skip(&b);
		type = zt_buf_u16(&b);
		class = zt_buf_u16(&b);
		rr_ttl = zt_buf_u32(&b);
		rdlen = zt_buf_u16(&b);
		rdata = zt_buf_get(&b, rdlen);
		if (b.err)
			break;
		if (rr_ttl > TTL_MAX)
			rr_ttl = 0;
		if (class != CLASS_IN || (type != TYPE_TXT && type != TYPE_CNAME))
			continue;
		min = ttl_min(min, rr_ttl);
		if (type != TYPE_TXT)
			continue;
		if (*n == max)
			return ZT_ETOOBIG;
		struct zt_buf r = zt_buf_init(rdata, rdlen);
		size_t start = used;
		while (zt_buf_left(&r)) {
			uint8_t slen = zt_buf_u8(&r);
			const uint8_t *s = zt_buf_get(&r, slen);

			if (!s)
				return ZT_EMALFORMED;
			if (slen > cap - used)
				return ZT_ENOSPACE;
			if (slen) {
				memcpy(buf + used, s, slen);
				used += slen;
			}
		}
		recs[*n].data = buf + start;
		recs[*n].len = used - start;
		(*n)++;
	}
	if (b.err)
		return ZT_ETRUNCATED;
	*ttl = min == UINT32_MAX ? 0 : min;
	return ZT_OK;
}
