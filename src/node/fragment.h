/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_FRAGMENT_H
#define ZT_FRAGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "constants.h"
#include "err.h"
#include "packet.h"

/*
 * Fragmentation of armored VL1 packets (spec/packet.md §9): splitting for a path MTU and a fixed-size
 * reassembly table. Nothing here is authenticated; the reassembled packet goes to zt_packet_dearmor.
 */

/* Chunk size of fragments 1..N-1 for a path MTU. */
#define ZT_FRAGMENT_CHUNK(mtu) ((mtu) - ZT_PROTO_MIN_FRAGMENT_LENGTH)
/* Smallest MTU we accept for splitting: a whole packet head must fit in fragment 0. */
#define ZT_FRAGMENT_MIN_MTU ZT_PROTO_MIN_PACKET_LENGTH
/* Reassembly slots (the reference keeps 32). */
#define ZT_DEFRAG_SLOTS 32

/* True if a packet of `len` bytes must be fragmented at `mtu` (set ZT_PACKET_FLAG_FRAGMENTED before armor). */
static inline bool zt_fragment_needed(size_t len, size_t mtu) { return len > mtu; }

/*
 * Number of datagrams a packet of `len` bytes becomes at `mtu` (1 when it fits). Returns
 * ZT_EINVALID if mtu < ZT_FRAGMENT_MIN_MTU or len < 28, ZT_ETOOBIG if more than
 * ZT_MAX_PACKET_FRAGMENTS pieces would be needed or len > ZT_PROTO_MAX_PACKET_LENGTH.
 */
int zt_fragment_count(size_t len, size_t mtu);

/*
 * Writes datagram `i` (0 = the head, pkt[0..mtu-1]; 1..N-1 = a fragment with its 16-byte header) of
 * the armored packet pkt[0..len-1] into `out` (capacity `cap`, caller-owned; mtu bytes is always
 * enough). The fragment header takes the packet ID and destination from pkt and hops 0.
 * Returns the datagram length, or ZT_EINVALID / ZT_ETOOBIG (as zt_fragment_count, or i >= count),
 * ZT_ENOSPACE (cap too small).
 */
long zt_fragment_build(uint8_t *out, size_t cap, const uint8_t *pkt, size_t len, size_t mtu, unsigned i);

/* Header fields of a fragment datagram (len > 16, byte 13 == 0xff; the caller has classified it). */
static inline uint64_t zt_fragment_packet_id(const uint8_t *f) { return zt_be64(f + ZT_FRAGMENT_IDX_PACKET_ID); }
static inline uint64_t zt_fragment_dest(const uint8_t *f) { return zt_be40(f + ZT_FRAGMENT_IDX_DEST); }
static inline unsigned zt_fragment_total(const uint8_t *f) { return f[ZT_FRAGMENT_IDX_NO] >> 4; }
static inline unsigned zt_fragment_index(const uint8_t *f) { return f[ZT_FRAGMENT_IDX_NO] & 0x0f; }

/* ---------------------------------------------------------------- reassembly */
struct zt_defrag_slot {
	uint64_t packet_id;
	int64_t first_seen;     /* ms, caller's clock; the slot is free when `have` is 0 */
	uint8_t have;           /* bit i: piece i present (bit 0 = head) */
	uint8_t total;          /* 0 until a fragment has told us */
	uint16_t used;          /* bytes of `data` in use */
	uint16_t off[ZT_MAX_PACKET_FRAGMENTS];
	uint16_t len[ZT_MAX_PACKET_FRAGMENTS];
	/* Pieces in arrival order: the head whole, fragments without their 16-byte header. */
	uint8_t data[ZT_PROTO_MAX_PACKET_LENGTH];
};

/*
 * The reassembly table: fixed memory (~320 KiB), no allocation. Embed it or allocate it once.
 * Not thread-safe.
 */
struct zt_defrag {
	struct zt_defrag_slot slot[ZT_DEFRAG_SLOTS];
	/*
	 * Pieces that were stored and then thrown away without making a packet (expired, evicted when
	 * the table was full, or with a packet that grew too big): for drop statistics. Pieces that
	 * zt_defrag_add rejects outright are not counted here; its return code tells the caller.
	 */
	uint64_t discarded;
};

/* Empties the table. */
void zt_defrag_init(struct zt_defrag *t);

/*
 * Adds a received datagram: a packet head with the FRAGMENTED flag, or a fragment (as classified by
 * zt_packet_classify). `now` is the caller's clock in ms (monotonic). Pieces of a packet older than
 * ZT_RECEIVE_QUEUE_TIMEOUT are discarded. When the table is full the oldest partial packet is evicted.
 * When the packet becomes complete it is written to `out` (capacity `cap`, caller-owned;
 * ZT_PROTO_MAX_PACKET_LENGTH is always enough), *out_len is set, the slot is freed and ZT_OK returned.
 * Otherwise returns:
 *   ZT_EPENDING   stored, more pieces needed;
 *   ZT_EEXIST     duplicate piece, ignored;
 *   ZT_EINVALID   not a fragmented head nor a fragment, or index/total out of range (1 <= i < total,
 *                 1 < total <= 7) or disagreeing with an earlier fragment's total;
 *   ZT_ETOOBIG    the pieces would exceed ZT_PROTO_MAX_PACKET_LENGTH (the partial packet is dropped);
 *   ZT_ENOSPACE   `cap` too small for the complete packet (the partial packet is dropped).
 */
zt_err zt_defrag_add(struct zt_defrag *t, const uint8_t *d, size_t len, int64_t now, uint8_t *out, size_t cap,
		     size_t *out_len);

/* Frees every slot whose first piece is older than ZT_RECEIVE_QUEUE_TIMEOUT. Returns how many. */
unsigned zt_defrag_expire(struct zt_defrag *t, int64_t now);

/* Number of slots holding a partial packet (for tests and statistics). */
unsigned zt_defrag_in_use(const struct zt_defrag *t);

#endif
