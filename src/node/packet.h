/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_PACKET_H
#define ZT_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "constants.h"
#include "crypto.h"
#include "err.h"

/*
 * VL1 packet codec (spec/packet.md): header layout, armor (Salsa20/12+Poly1305, AES-GMAC-SIV),
 * the HELLO cryptField, LZ4 compression, hop counting and datagram classification.
 * Everything works in place on a caller-owned buffer; nothing allocates on the hot path, nothing
 * reads a clock or does I/O.
 */

/* ---------------------------------------------------------------- verbs (verbs.md §1) */
enum {
	ZT_VERB_NOP = 0x00,
	ZT_VERB_HELLO = 0x01,
	ZT_VERB_ERROR = 0x02,
	ZT_VERB_OK = 0x03,
	ZT_VERB_WHOIS = 0x04,
	ZT_VERB_RENDEZVOUS = 0x05,
	ZT_VERB_FRAME = 0x06,
	ZT_VERB_EXT_FRAME = 0x07,
	ZT_VERB_ECHO = 0x08,
	ZT_VERB_MULTICAST_LIKE = 0x09,
	ZT_VERB_NETWORK_CREDENTIALS = 0x0a,
	ZT_VERB_NETWORK_CONFIG_REQUEST = 0x0b,
	ZT_VERB_NETWORK_CONFIG = 0x0c,
	ZT_VERB_MULTICAST_GATHER = 0x0d,
	ZT_VERB_MULTICAST_FRAME = 0x0e,
	ZT_VERB_PUSH_DIRECT_PATHS = 0x10,
	ZT_VERB_ACK = 0x12,
	ZT_VERB_QOS_MEASUREMENT = 0x13,
	ZT_VERB_USER_MESSAGE = 0x14,
	ZT_VERB_REMOTE_TRACE = 0x15,
	ZT_VERB_PATH_NEGOTIATION_REQUEST = 0x16,
};
#define ZT_VERB_MASK 0x1f            /* low 5 bits of the verb byte */
#define ZT_VERB_FLAG_COMPRESSED 0x80 /* payload is an LZ4 block */

/* ---------------------------------------------------------------- ERROR codes (verbs.md §2) */
enum {
	ZT_ERROR_NONE = 0x00,
	ZT_ERROR_INVALID_REQUEST = 0x01,
	ZT_ERROR_BAD_PROTOCOL_VERSION = 0x02,
	ZT_ERROR_OBJ_NOT_FOUND = 0x03,
	ZT_ERROR_IDENTITY_COLLISION = 0x04,
	ZT_ERROR_UNSUPPORTED_OPERATION = 0x05,
	ZT_ERROR_NEED_MEMBERSHIP_CERTIFICATE = 0x06,
	ZT_ERROR_NETWORK_ACCESS_DENIED = 0x07,
	ZT_ERROR_UNWANTED_MULTICAST = 0x08,
	ZT_ERROR_NETWORK_AUTHENTICATION_REQUIRED = 0x09,
};

/* ---------------------------------------------------------------- cipher suites (§4) */
enum {
	ZT_CIPHER_POLY1305_NONE = 0,
	ZT_CIPHER_POLY1305_SALSA2012 = 1,
	ZT_CIPHER_NONE_TRUSTED = 2,
	ZT_CIPHER_AES_GMAC_SIV = 3,
};

/* ---------------------------------------------------------------- header layout (§3) */
#define ZT_PACKET_IDX_IV 0       /* 8-byte packet ID */
#define ZT_PACKET_IDX_DEST 8     /* 5-byte destination address */
#define ZT_PACKET_IDX_SOURCE 13  /* 5-byte source address */
#define ZT_PACKET_IDX_FLAGS 18   /* E F C C C H H H */
#define ZT_PACKET_IDX_MAC 19     /* 8-byte MAC */
#define ZT_PACKET_IDX_VERB 27    /* verb byte: first byte inside the encryption */
#define ZT_PACKET_IDX_PAYLOAD 28 /* verb payload */
#define ZT_PACKET_HEADER_LENGTH ZT_PACKET_IDX_PAYLOAD
#define ZT_PACKET_MAC_LENGTH 8

#define ZT_PACKET_FLAG_ENCRYPTED 0x80  /* deprecated: set exactly when cipher = 1 */
#define ZT_PACKET_FLAG_FRAGMENTED 0x40 /* this head is fragment 0 of a larger packet */
#define ZT_PACKET_FLAGS_CIPHER_MASK 0x38
#define ZT_PACKET_FLAGS_HOPS_MASK 0x07

/* Payloads larger than this are worth trying to compress (§8). */
#define ZT_PACKET_COMPRESS_MIN_PAYLOAD 64
/* Largest payload (after the verb byte) a decompression may produce: 10024 - 28. */
#define ZT_PACKET_MAX_PAYLOAD (ZT_PROTO_MAX_PACKET_LENGTH - ZT_PACKET_IDX_PAYLOAD)

/* Fragment (1..N-1) layout (§9). */
#define ZT_FRAGMENT_IDX_PACKET_ID 0
#define ZT_FRAGMENT_IDX_DEST 8
#define ZT_FRAGMENT_IDX_INDICATOR 13 /* always 0xff */
#define ZT_FRAGMENT_IDX_NO 14        /* (total << 4) | index */
#define ZT_FRAGMENT_IDX_HOPS 15
#define ZT_FRAGMENT_IDX_PAYLOAD 16
#define ZT_FRAGMENT_INDICATOR 0xff

#define ZT_BEACON_LENGTH 13

/* ---------------------------------------------------------------- header accessors */
/* All take a buffer of at least ZT_PROTO_MIN_PACKET_LENGTH bytes (the caller checks the length). */
static inline uint64_t zt_packet_id(const uint8_t *pkt) { return zt_be64(pkt + ZT_PACKET_IDX_IV); }
static inline uint64_t zt_packet_dest(const uint8_t *pkt) { return zt_be40(pkt + ZT_PACKET_IDX_DEST); }
static inline uint64_t zt_packet_source(const uint8_t *pkt) { return zt_be40(pkt + ZT_PACKET_IDX_SOURCE); }
static inline uint8_t zt_packet_flags(const uint8_t *pkt) { return pkt[ZT_PACKET_IDX_FLAGS]; }
static inline unsigned zt_packet_cipher(const uint8_t *pkt)
{
	return (pkt[ZT_PACKET_IDX_FLAGS] & ZT_PACKET_FLAGS_CIPHER_MASK) >> 3;
}
static inline unsigned zt_packet_hops(const uint8_t *pkt) { return pkt[ZT_PACKET_IDX_FLAGS] & ZT_PACKET_FLAGS_HOPS_MASK; }
static inline bool zt_packet_fragmented(const uint8_t *pkt)
{
	return (pkt[ZT_PACKET_IDX_FLAGS] & ZT_PACKET_FLAG_FRAGMENTED) != 0;
}
/* The 8 MAC bytes as a big-endian integer (for logging / comparing with captures). */
static inline uint64_t zt_packet_mac(const uint8_t *pkt) { return zt_be64(pkt + ZT_PACKET_IDX_MAC); }
/* Verb without the flag bits; only meaningful on a plaintext (dearmored) packet. */
static inline unsigned zt_packet_verb(const uint8_t *pkt) { return pkt[ZT_PACKET_IDX_VERB] & ZT_VERB_MASK; }
static inline bool zt_packet_compressed(const uint8_t *pkt)
{
	return (pkt[ZT_PACKET_IDX_VERB] & ZT_VERB_FLAG_COMPRESSED) != 0;
}

static inline void zt_packet_set_id(uint8_t *pkt, uint64_t id) { zt_put_be64(pkt + ZT_PACKET_IDX_IV, id); }
static inline void zt_packet_set_fragmented(uint8_t *pkt, bool on)
{
	if (on)
		pkt[ZT_PACKET_IDX_FLAGS] |= ZT_PACKET_FLAG_FRAGMENTED;
	else
		pkt[ZT_PACKET_IDX_FLAGS] &= (uint8_t)~ZT_PACKET_FLAG_FRAGMENTED;
}

/*
 * Writes a plaintext header into pkt[0..27]: packet ID, destination, source, flags 0 (cipher and
 * hops are set by armor), MAC zero, verb byte `verb` (no compression flag). The caller appends the
 * payload from ZT_PACKET_IDX_PAYLOAD and keeps track of the total length. `pkt` must hold at least
 * ZT_PACKET_HEADER_LENGTH bytes. Returns ZT_PACKET_HEADER_LENGTH (the length so far).
 */
size_t zt_packet_init(uint8_t *pkt, uint64_t packet_id, uint64_t dest, uint64_t source, uint8_t verb);

/* ---------------------------------------------------------------- peer keys (§5.2) */
/*
 * Per-peer symmetric state: the 48-byte agreed key and the two AES-256 contexts of AES-GMAC-SIV
 * (K0 = GMAC key, K1 = ECB/CTR key), derived once with KBKDF-HMAC-SHA384. The AES contexts are not
 * safe for concurrent use: one zt_peer_key per thread, or a lock around armor/dearmor.
 */
struct zt_peer_key {
	uint8_t key[ZT_SYMMETRIC_KEY_SIZE];
	struct zt_aes k0;
	struct zt_aes k1;
};

/* Derives K0/K1 from `key48` and copies the key. Returns ZT_OK or ZT_ECRYPTO (pk then needs no free). */
zt_err zt_peer_key_init(struct zt_peer_key *pk, const uint8_t key48[static ZT_SYMMETRIC_KEY_SIZE]);
/* Releases the AES contexts and wipes the key. Safe on a zeroed struct; idempotent. */
void zt_peer_key_free(struct zt_peer_key *pk);

/* ---------------------------------------------------------------- armor (§5) */
/*
 * Armors pkt[0..len-1] in place for `cipher` (0, 1 or 3): sets the cipher/encrypted bits of byte 18
 * and clears the hops (the FRAGMENTED flag is kept, so set it first when fragmenting), encrypts
 * the verb byte and payload (cipher 1 and 3) and writes the MAC.
 * Cipher 3: pkt[0..7] on input is the random IV8; on return it holds the tag-derived wire packet ID
 * (read it with zt_packet_id() afterwards if a reply is expected).
 * Returns ZT_OK, ZT_ETRUNCATED (len < 28), ZT_ETOOBIG (len > 10024), ZT_EUNSUPPORTED (other cipher)
 * or ZT_ECRYPTO.
 */
zt_err zt_packet_armor(uint8_t *pkt, size_t len, struct zt_peer_key *pk, unsigned cipher);

/*
 * Verifies and decrypts pkt[0..len-1] in place according to the cipher in byte 18 (hops ignored).
 * On success the verb byte and payload are plaintext (possibly still compressed); the header is
 * unchanged (for cipher 3 pkt[0..7] keeps the wire ID). On any error the buffer is left as it was,
 * so the caller may retry with another key.
 * Returns ZT_OK, ZT_ETRUNCATED (len < 28), ZT_ETOOBIG (len > 10024), ZT_EAUTH (MAC mismatch),
 * ZT_EUNSUPPORTED (cipher 2 or 4..7) or ZT_ECRYPTO.
 */
zt_err zt_packet_dearmor(uint8_t *pkt, size_t len, struct zt_peer_key *pk);

/*
 * Cipher 3 only: recovers the sender's pre-armor IV8 from an armored header (ECB-decrypting
 * pkt[0..7] || pkt[19..26] under K1). The header is the same before and after dearmor, so this
 * works on either; it does not authenticate anything. Returns ZT_OK, ZT_ETRUNCATED (len < 28),
 * ZT_EUNSUPPORTED (not cipher 3) or ZT_ECRYPTO.
 */
zt_err zt_packet_siv_iv(const uint8_t *pkt, size_t len, struct zt_peer_key *pk, uint8_t iv8[static 8]);

/*
 * HELLO cryptField (§7): XORs pkt[offset..len-1] with Salsa20/12 keyed by key[0..31], nonce
 * pkt[0..7] with the low 3 bits of byte 7 cleared. The same call encrypts and decrypts. Senders
 * apply it before armor (cipher 0), receivers after dearmor. Returns ZT_OK, or ZT_ETRUNCATED if
 * len < 28 or offset > len (offset == len is a no-op).
 */
zt_err zt_packet_hello_cryptfield(uint8_t *pkt, size_t len, size_t offset,
				  const uint8_t key[static ZT_SYMMETRIC_KEY_SIZE]);

/* ---------------------------------------------------------------- compression (§8) */
/*
 * Compresses the plaintext payload pkt[28..*len-1] in place if it is longer than 64 bytes and the
 * LZ4 block is strictly shorter; then sets ZT_VERB_FLAG_COMPRESSED and updates *len. Otherwise
 * leaves the packet as is. Returns ZT_OK in both cases (*compressed tells which), ZT_ETRUNCATED if
 * *len < 28, ZT_ETOOBIG if *len > 10024. Uses a stack buffer; never allocates.
 */
zt_err zt_packet_compress(uint8_t *pkt, size_t *len, bool *compressed);

/*
 * If the verb byte has ZT_VERB_FLAG_COMPRESSED, decompresses pkt[28..*len-1] in place (the buffer
 * `pkt` must have `cap` bytes; cap >= ZT_PROTO_MAX_PACKET_LENGTH is always enough), clears the flag
 * and updates *len. The result must be 1..9996 payload bytes. A packet without the flag is left
 * alone (ZT_OK). Returns ZT_OK, ZT_ETRUNCATED (*len < 28), ZT_ECOMPRESS (bad LZ4, empty result, or a
 * result over 9996 bytes), ZT_ENOSPACE (cap too small for the result).
 */
zt_err zt_packet_decompress(uint8_t *pkt, size_t *len, size_t cap);

/* ---------------------------------------------------------------- relaying and classification */
/*
 * Increments the hop count (mod 8) of a packet head (byte 18) or a fragment (byte 15), whichever
 * zt_packet_classify says `pkt` is. Returns the new hop count, or ZT_EMALFORMED for a beacon/junk.
 * Relay policy (only relay if hops < ZT_RELAY_MAX_HOPS) is the caller's.
 */
int zt_packet_hops_increment(uint8_t *pkt, size_t len);

enum zt_datagram_kind {
	ZT_DATAGRAM_JUNK = 0,     /* drop silently */
	ZT_DATAGRAM_BEACON = 1,   /* 13-byte LAN beacon: [8] anything [5] sender address */
	ZT_DATAGRAM_FRAGMENT = 2, /* fragment 1..N-1 (fragment.h) */
	ZT_DATAGRAM_HEAD = 3,     /* a whole packet or fragment 0 */
};

/* Classifies a received datagram by length and byte 13 (§2). Never reads past len. */
enum zt_datagram_kind zt_packet_classify(const uint8_t *d, size_t len);

/* Hop count of a fragment datagram (byte 15, low 3 bits); caller has classified it. */
static inline unsigned zt_fragment_hops(const uint8_t *frag) { return frag[ZT_FRAGMENT_IDX_HOPS] & 0x07; }

#endif
