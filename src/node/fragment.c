/* SPDX-License-Identifier: Apache-2.0 */
/* Fragmentation and reassembly of armored packets (spec/packet.md §9). */
#include <string.h>

#include "fragment.h"

int zt_fragment_count(size_t len, size_t mtu)
{
	if (mtu < ZT_FRAGMENT_MIN_MTU || len < ZT_PROTO_MIN_PACKET_LENGTH)
		return ZT_EINVALID;
	if (len > ZT_PROTO_MAX_PACKET_LENGTH)
		return ZT_ETOOBIG;
	if (len <= mtu)
		return 1;
	size_t chunk = ZT_FRAGMENT_CHUNK(mtu);
	size_t count = 1 + (len - mtu + chunk - 1) / chunk;
	if (count > ZT_MAX_PACKET_FRAGMENTS)
		return ZT_ETOOBIG;
	return (int)count;
}

long zt_fragment_build(uint8_t *out, size_t cap, const uint8_t *pkt, size_t len, size_t mtu, unsigned i)
{
	int count = zt_fragment_count(len, mtu);
	if (count < 0)
		return count;
	if (i >= (unsigned)count)
		return ZT_EINVALID;
	if (i == 0) {
		size_t n = len < mtu ? len : mtu;
		if (cap < n)
			return ZT_ENOSPACE;
		memcpy(out, pkt, n);
		return (long)n;
	}
	size_t chunk = ZT_FRAGMENT_CHUNK(mtu);
	size_t start = mtu + (i - 1) * chunk;
	size_t n = len - start < chunk ? len - start : chunk;
	if (cap < ZT_FRAGMENT_IDX_PAYLOAD + n)
		return ZT_ENOSPACE;
	memcpy(out + ZT_FRAGMENT_IDX_PACKET_ID, pkt + ZT_PACKET_IDX_IV, 8);
	memcpy(out + ZT_FRAGMENT_IDX_DEST, pkt + ZT_PACKET_IDX_DEST, ZT_ADDRESS_LENGTH);
	out[ZT_FRAGMENT_IDX_INDICATOR] = ZT_FRAGMENT_INDICATOR;
	out[ZT_FRAGMENT_IDX_NO] = (uint8_t)(((unsigned)count << 4) | i);
	out[ZT_FRAGMENT_IDX_HOPS] = 0;
	memcpy(out + ZT_FRAGMENT_IDX_PAYLOAD, pkt + start, n);
	return (long)(ZT_FRAGMENT_IDX_PAYLOAD + n);
}

/* ---------------------------------------------------------------- reassembly */

void zt_defrag_init(struct zt_defrag *t)
{
	t->discarded = 0;
	for (unsigned i = 0; i < ZT_DEFRAG_SLOTS; i++) {
		t->slot[i].have = 0;
		t->slot[i].total = 0;
		t->slot[i].used = 0;
	}
}

static void slot_clear(struct zt_defrag_slot *s)
{
	s->have = 0;
	s->total = 0;
	s->used = 0;
}

/* Frees a slot whose pieces will never make a packet, counting them (they were stored, now lost). */
static void slot_discard(struct zt_defrag *t, struct zt_defrag_slot *s)
{
	t->discarded += (uint64_t)__builtin_popcount(s->have);
	slot_clear(s);
}

static bool slot_stale(const struct zt_defrag_slot *s, int64_t now)
{
	return s->have && now - s->first_seen > ZT_RECEIVE_QUEUE_TIMEOUT;
}

/*
 * The slot holding `id`, or a free one, or (table full) the oldest one, recycled. A stale slot for
 * `id` is recycled too, so a late piece of an expired packet starts afresh instead of completing
 * it with pieces from another era.
 */
static struct zt_defrag_slot *slot_for(struct zt_defrag *t, uint64_t id, int64_t now)
{
	struct zt_defrag_slot *free_slot = NULL, *oldest = NULL;
	for (unsigned i = 0; i < ZT_DEFRAG_SLOTS; i++) {
		struct zt_defrag_slot *s = &t->slot[i];
		if (slot_stale(s, now))
			slot_discard(t, s);
		if (s->have && s->packet_id == id)
			return s;
		if (!s->have) {
			if (!free_slot)
				free_slot = s;
		} else if (!oldest || s->first_seen < oldest->first_seen) {
			oldest = s;
		}
	}
	struct zt_defrag_slot *s = free_slot ? free_slot : oldest;
	slot_discard(t, s); /* nothing to count for a free slot; the evicted oldest's pieces are lost */
	s->packet_id = id;
	s->first_seen = now;
	return s;
}

/* Copies the pieces in fragment-number order; the slot is freed whatever the outcome. */
static zt_err slot_assemble(struct zt_defrag *t, struct zt_defrag_slot *s, uint8_t *out, size_t cap, size_t *out_len)
{
	zt_err err = ZT_OK;
	if (cap < s->used) {
		err = ZT_ENOSPACE;
		/* The piece just added is the caller's to count; the ones held before are lost here. */
		t->discarded += (uint64_t)__builtin_popcount(s->have) - 1;
		goto out;
	}
	size_t n = 0;
	for (unsigned i = 0; i < s->total; i++) {
		memcpy(out + n, s->data + s->off[i], s->len[i]);
		n += s->len[i];
	}
	*out_len = n;
out:
	slot_clear(s);
	return err;
}

zt_err zt_defrag_add(struct zt_defrag *t, const uint8_t *d, size_t len, int64_t now, uint8_t *out, size_t cap,
		     size_t *out_len)
{
	unsigned idx, total = 0;
	const uint8_t *piece;
	size_t piece_len;
	uint64_t id;

	switch (zt_packet_classify(d, len)) {
	case ZT_DATAGRAM_HEAD:
		if (!zt_packet_fragmented(d))
			return ZT_EINVALID;
		id = zt_packet_id(d);
		idx = 0;
		piece = d;
		piece_len = len;
		break;
	case ZT_DATAGRAM_FRAGMENT:
		id = zt_fragment_packet_id(d);
		idx = zt_fragment_index(d);
		total = zt_fragment_total(d);
		if (total < 2 || total > ZT_MAX_PACKET_FRAGMENTS || idx < 1 || idx >= total)
			return ZT_EINVALID;
		piece = d + ZT_FRAGMENT_IDX_PAYLOAD;
		piece_len = len - ZT_FRAGMENT_IDX_PAYLOAD;
		break;
	default:
		return ZT_EINVALID;
	}
	if (piece_len > ZT_PROTO_MAX_PACKET_LENGTH)
		return ZT_ETOOBIG;

	struct zt_defrag_slot *s = slot_for(t, id, now);
	if (s->have & (1u << idx))
		return ZT_EEXIST;
	if (total) {
		/* Only fragments carry the total, and index < total was checked: the held pieces fit. */
		if (s->total && s->total != total)
			return ZT_EINVALID;
		s->total = (uint8_t)total;
	}
	if (s->used + piece_len > ZT_PROTO_MAX_PACKET_LENGTH) {
		slot_discard(t, s); /* the held pieces; the caller counts the rejected one */
		return ZT_ETOOBIG;
	}
	memcpy(s->data + s->used, piece, piece_len);
	s->off[idx] = s->used;
	s->len[idx] = (uint16_t)piece_len;
	s->used = (uint16_t)(s->used + piece_len);
	s->have |= (uint8_t)(1u << idx);

	if (!s->total || s->have != (uint8_t)((1u << s->total) - 1))
		return ZT_EPENDING;
	return slot_assemble(t, s, out, cap, out_len);
}

unsigned zt_defrag_expire(struct zt_defrag *t, int64_t now)
{
	unsigned n = 0;
	for (unsigned i = 0; i < ZT_DEFRAG_SLOTS; i++) {
		if (slot_stale(&t->slot[i], now)) {
			slot_discard(t, &t->slot[i]);
			n++;
		}
	}
	return n;
}

unsigned zt_defrag_in_use(const struct zt_defrag *t)
{
	unsigned n = 0;
	for (unsigned i = 0; i < ZT_DEFRAG_SLOTS; i++)
		n += t->slot[i].have != 0;
	return n;
}
