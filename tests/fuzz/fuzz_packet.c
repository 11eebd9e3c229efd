/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Received-datagram path of the packet codec: classify, hop increment, dearmor with a fixed peer
 * key, decompress, cryptField. Also decompresses the raw input directly, since a random input
 * almost never passes the MAC and the LZ4 decoder would otherwise go unexercised.
 */
#include <stdlib.h>
#include <string.h>

#include "node/packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct zt_peer_key *peer_key(void)
{
	static struct zt_peer_key pk;
	static bool ready;
	if (!ready) {
		/* The lab root-a key, so seeds taken from captures authenticate. */
		static const uint8_t key[48] = {
			0x08, 0x95, 0x6d, 0x8a, 0xd0, 0xc3, 0x71, 0xa5, 0x19, 0x74, 0x8c, 0x25, 0xb6, 0xe0, 0xb8, 0xef,
			0x37, 0xb6, 0xbf, 0xb8, 0x8f, 0x02, 0x4b, 0x79, 0x00, 0x96, 0x08, 0x57, 0x77, 0xfe, 0xc9, 0x2e,
			0x6d, 0x3e, 0x28, 0x07, 0x68, 0x3f, 0x93, 0x18, 0x0e, 0x3b, 0x18, 0x91, 0xa1, 0x7f, 0x54, 0x05,
		};
		if (zt_crypto_init() != ZT_OK || zt_peer_key_init(&pk, key) != ZT_OK)
			abort();
		ready = true;
	}
	return &pk;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[ZT_PROTO_MAX_PACKET_LENGTH + 64];
	struct zt_peer_key *pk = peer_key();
	if (size > sizeof buf)
		return 0;
	memcpy(buf, data, size);

	enum zt_datagram_kind kind = zt_packet_classify(buf, size);
	int hops = zt_packet_hops_increment(buf, size);
	if ((kind == ZT_DATAGRAM_HEAD || kind == ZT_DATAGRAM_FRAGMENT) != (hops >= 0))
		abort();
	memcpy(buf, data, size);

	if (kind == ZT_DATAGRAM_HEAD) {
		size_t len = size;
		zt_err err = zt_packet_dearmor(buf, len, pk);
		if (err != ZT_OK && memcmp(buf, data, size) != 0)
			abort(); /* a failed dearmor must leave the packet untouched */
		if (err == ZT_OK) {
			if (zt_packet_decompress(buf, &len, sizeof buf) == ZT_OK &&
			    (len < ZT_PROTO_MIN_PACKET_LENGTH || len > ZT_PROTO_MAX_PACKET_LENGTH))
				abort();
			if (zt_packet_verb(buf) == ZT_VERB_HELLO)
				zt_packet_hello_cryptfield(buf, len, buf[len - 1] % (len + 1), pk->key);
		}
		/* Unauthenticated decompression, as if the MAC had passed. */
		memcpy(buf, data, size);
		len = size;
		buf[ZT_PACKET_IDX_VERB] |= ZT_VERB_FLAG_COMPRESSED;
		if (zt_packet_decompress(buf, &len, sizeof buf) == ZT_OK && len > ZT_PROTO_MAX_PACKET_LENGTH)
			abort();
		/* Armor then dearmor of the input as plaintext, with the cipher taken from byte 18. */
		if (size <= ZT_PROTO_MAX_PACKET_LENGTH) {
			unsigned cipher = zt_packet_cipher(data) % 4;
			if (cipher == ZT_CIPHER_NONE_TRUSTED)
				cipher = ZT_CIPHER_AES_GMAC_SIV;
			memcpy(buf, data, size);
			if (zt_packet_armor(buf, size, pk, cipher) != ZT_OK || zt_packet_dearmor(buf, size, pk) != ZT_OK ||
			    memcmp(buf + ZT_PACKET_IDX_VERB, data + ZT_PACKET_IDX_VERB, size - ZT_PACKET_IDX_VERB) != 0)
				abort();
		}
	}
	return 0;
}
