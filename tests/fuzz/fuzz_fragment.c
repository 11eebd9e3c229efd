/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reassembly table fed with a sequence of datagrams. Input: records of
 * [1] time step (x 50 ms) [2] big-endian length [length] datagram; a short last record is cut.
 * The table persists across inputs (as it does in a node), with the clock always moving forward.
 */
#include <stdlib.h>
#include <string.h>

#include "node/fragment.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct zt_defrag table;
static int64_t now;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[ZT_PROTO_MAX_PACKET_LENGTH];
	static bool ready;
	if (!ready) {
		zt_defrag_init(&table);
		ready = true;
	}
	while (size >= 3) {
		now += (int64_t)data[0] * 50;
		size_t n = ((size_t)data[1] << 8) | data[2];
		data += 3;
		size -= 3;
		if (n > size)
			n = size;
		size_t out_len = 0;
		/* Alternate between a roomy and a tight output buffer to reach ZT_ENOSPACE. */
		size_t cap = (n & 1) ? sizeof out : 2000;
		zt_err err = zt_defrag_add(&table, data, n, now, out, cap, &out_len);
		if (err == ZT_OK && (out_len < ZT_PROTO_MIN_PACKET_LENGTH || out_len > cap ||
				     zt_packet_classify(out, out_len) != ZT_DATAGRAM_HEAD))
			abort();
		if (zt_defrag_in_use(&table) > ZT_DEFRAG_SLOTS)
			abort();
		data += n;
		size -= n;
	}
	zt_defrag_expire(&table, now);
	return 0;
}
