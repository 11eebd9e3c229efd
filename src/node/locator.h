/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_LOCATOR_H
#define ZT_LOCATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "crypto.h"
#include "err.h"
#include "identity.h"
#include "inetaddr.h"

/*
 * Locators (docs/locators.md): a node's signed statement of where it can be reached, with a
 * timestamp so a newer one replaces an older one. Binary form, one-line text form, signing,
 * verification and the replacement rule. No I/O.
 *
 * Binary form, version 1 (all integers big-endian):
 *   [1] version = 1   [8] timestamp (ms, < 2^63)   [71] identity (public binary form)
 *   [1] endpoint count (0..16), then per endpoint: [1] type [1] value length [..] value
 *   [2] extension length (0 from v1 writers), [..] extension
 *   [96] signature by the identity over "zt-locator-v1\0" || every byte before the signature
 * Endpoints are in strictly ascending order of their encoded bytes (so sorted and distinct).
 */

#define ZT_LOCATOR_VERSION 1
#define ZT_LOCATOR_MAX_ENDPOINTS 16
#define ZT_LOCATOR_MAX_LENGTH 1024 /* the whole binary form; also bounds unknown endpoints */
#define ZT_LOCATOR_MIN_LENGTH (1 + 8 + ZT_IDENTITY_PUBLIC_BINARY_LEN + 1 + 2 + ZT_C25519_SIGNATURE_LEN)
#define ZT_LOCATOR_SIGNATURE_LEN ZT_C25519_SIGNATURE_LEN
/* Domain separation: a locator signature can never be taken for a signature over anything else. */
#define ZT_LOCATOR_SIGNING_CONTEXT "zt-locator-v1"

/* Endpoint types. Any other value is kept as opaque bytes, so newer locators still verify. */
#define ZT_ENDPOINT_UDP 0x01      /* value: an InetAddress (04 + IPv4 + port, or 06 + IPv6 + port) */
#define ZT_ENDPOINT_ZEROTIER 0x02 /* value: the 5-byte address of a root that has custody of the node */

/* Text form: "loc1:" <10 hex address> ":" <base64url of the binary form>. */
#define ZT_LOCATOR_TEXT_PREFIX "loc1:"
#define ZT_LOCATOR_STRING_MAX (sizeof ZT_LOCATOR_TEXT_PREFIX - 1 + 10 + 1 + (ZT_LOCATOR_MAX_LENGTH * 4 + 2) / 3 + 1)

struct zt_locator_endpoint {
	uint8_t type;            /* ZT_ENDPOINT_* or an unknown type */
	uint8_t len;             /* length of the encoded value */
	uint16_t raw_off;        /* unknown types: the value is raw[raw_off .. raw_off + len - 1] */
	struct zt_inetaddr udp;  /* ZT_ENDPOINT_UDP */
	uint64_t zerotier;       /* ZT_ENDPOINT_ZEROTIER */
};

struct zt_locator {
	int64_t timestamp;          /* ms since the epoch */
	struct zt_identity identity; /* public only */
	uint8_t endpoint_count;
	struct zt_locator_endpoint endpoints[ZT_LOCATOR_MAX_ENDPOINTS];
	uint8_t signature[ZT_LOCATOR_SIGNATURE_LEN];
	uint16_t ext_off, ext_len;  /* the extension bytes in raw (kept for the signature) */
	/* The exact binary form: set by zt_locator_read/parse/from_string and by zt_locator_sign. */
	size_t raw_len;
	uint8_t raw[ZT_LOCATOR_MAX_LENGTH];
};

/* Starts an unsigned locator for the public part of id (no private key is copied). */
void zt_locator_init(struct zt_locator *loc, const struct zt_identity *id, int64_t timestamp);

/*
 * Adds an endpoint. Returns ZT_OK, ZT_EINVALID (a nil address, port 0, or the node's own address
 * as its custody root), ZT_ERESERVED (a reserved ZeroTier address), ZT_EEXIST (already listed) or
 * ZT_ETOOBIG (16 endpoints already).
 */
zt_err zt_locator_add_udp(struct zt_locator *loc, const struct zt_inetaddr *addr);
zt_err zt_locator_add_zerotier(struct zt_locator *loc, uint64_t address);

/*
 * Sorts the endpoints, writes the binary form into loc->raw and signs it with `signer`, which must
 * hold the private key of loc->identity. Returns ZT_OK, ZT_EINVALID (no private key, or another
 * identity) or ZT_ETOOBIG (over ZT_LOCATOR_MAX_LENGTH, only possible with unknown endpoints).
 */
zt_err zt_locator_sign(struct zt_locator *loc, const struct zt_identity *signer);

/*
 * Reads one binary locator from b and advances past it. Returns ZT_OK (loc->raw holds the bytes),
 * ZT_ETRUNCATED, ZT_EUNSUPPORTED (another version or identity type), ZT_EMALFORMED (a bad field,
 * endpoints out of order or duplicated, a known endpoint type with a bad value, a private key),
 * ZT_ERESERVED (a reserved address) or ZT_ETOOBIG (over the limits). Does not check the signature.
 * On error loc is zeroed.
 */
zt_err zt_locator_read(struct zt_locator *loc, struct zt_buf *b);
/* zt_locator_read over exactly data[0..len-1]: trailing bytes are ZT_EMALFORMED. */
zt_err zt_locator_parse(struct zt_locator *loc, const uint8_t *data, size_t len);

/*
 * True if the signature verifies under the locator's own identity. This proves the holder of that
 * key wrote it; it does not run the memory-hard identity validation (zt_identity_validate), which a
 * caller must do, or compare the identity with one it already trusts, before believing the address.
 */
bool zt_locator_verify(const struct zt_locator *loc);

/*
 * The replacement rule: may `candidate` replace `current` (NULL = none held)? Checks the
 * candidate's signature. Returns ZT_OK (no current one, or same identity and newer), ZT_EAUTH (bad
 * signature), ZT_EINVALID (another identity), ZT_EEXIST (the same locator again: nothing to do) or
 * ZT_ESTALE (older, or a different locator with the same timestamp: the first one seen stays).
 */
zt_err zt_locator_check_update(const struct zt_locator *current, const struct zt_locator *candidate);

/*
 * Writes the text form and a NUL into out (cap >= ZT_LOCATOR_STRING_MAX is always enough).
 * Returns its length, or ZT_ENOSPACE / ZT_EINVALID (not signed: raw is empty).
 */
int zt_locator_to_string(const struct zt_locator *loc, char *out, size_t cap);
/*
 * Parses the text form (surrounding whitespace ignored). Returns ZT_OK, ZT_EMALFORMED (not the
 * text form, or the address does not match the identity inside) or any zt_locator_parse error.
 */
zt_err zt_locator_from_string(struct zt_locator *loc, const char *s);

/* True if the locator lists this endpoint. */
bool zt_locator_has_udp(const struct zt_locator *loc, const struct zt_inetaddr *addr);

#endif
