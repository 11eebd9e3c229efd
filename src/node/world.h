/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_WORLD_H
#define ZT_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "crypto.h"
#include "err.h"
#include "identity.h"
#include "inetaddr.h"

/*
 * Worlds (spec/world.md): the signed root lists of planets and moons. Parsing, byte-exact
 * serialization, the signed message, signing, verification and the update rule. No I/O.
 */

#define ZT_WORLD_TYPE_NULL 0
#define ZT_WORLD_TYPE_PLANET 1
#define ZT_WORLD_TYPE_MOON 127

#define ZT_WORLD_MAX_ROOTS 4
#define ZT_WORLD_MAX_STABLE_ENDPOINTS_PER_ROOT 32
#define ZT_WORLD_MAX_SERIALIZED_LENGTH 8480

/* Offsets of the fixed part (world.md §1). */
#define ZT_WORLD_IDX_TYPE 0
#define ZT_WORLD_IDX_ID 1
#define ZT_WORLD_IDX_TIMESTAMP 9
#define ZT_WORLD_IDX_SIGNER 17
#define ZT_WORLD_IDX_SIGNATURE 81
#define ZT_WORLD_IDX_ROOT_COUNT 177
#define ZT_WORLD_MIN_LENGTH 178 /* the fixed part with zero roots */

/* The signed message is wrapped in 8 bytes of 0x7f before and 8 bytes of 0xf7 after (§2). */
#define ZT_WORLD_SIGNED_MARKER_LEN 8
#define ZT_WORLD_SIGNED_PREFIX 0x7f
#define ZT_WORLD_SIGNED_SUFFIX 0xf7

/* Well-known world IDs (§4). */
#define ZT_WORLD_ID_EARTH 149604618ULL
#define ZT_WORLD_ID_MARS 227883110ULL

struct zt_world_root {
	struct zt_identity identity; /* public only, type 0 */
	uint8_t endpoint_count;
	struct zt_inetaddr endpoints[ZT_WORLD_MAX_STABLE_ENDPOINTS_PER_ROOT];
};

struct zt_world {
	uint8_t type;       /* ZT_WORLD_TYPE_* */
	uint64_t id;
	uint64_t timestamp; /* ms; the world's revision */
	uint8_t updates_must_be_signed_by[ZT_C25519_PUBLIC_LEN];
	uint8_t signature[ZT_C25519_SIGNATURE_LEN];
	uint8_t root_count;
	struct zt_world_root roots[ZT_WORLD_MAX_ROOTS];
	/*
	 * MOON only: the attached dictionary (world.md §1; empty in every moon 1.x writes). Its bytes are
	 * raw[moon_dict_off .. moon_dict_off + moon_dict_len - 1]; only a parse sets a non-zero length.
	 */
	size_t moon_dict_off;
	size_t moon_dict_len;
	/* The exact serialized bytes: set by zt_world_read/parse and by zt_world_sign/zt_world_update_raw. */
	size_t raw_len;
	uint8_t raw[ZT_WORLD_MAX_SERIALIZED_LENGTH];
};

/*
 * Reads one world from b and advances b past it, so concatenated worlds (OK(HELLO)) can be read in
 * a loop. Enforces the limits above (more than 4 roots or 32 endpoints per root: ZT_ETOOBIG; more
 * than 8480 bytes: ZT_ETOOBIG), rejects an unknown type (ZT_EUNSUPPORTED), a root identity that is
 * not a public type-0 form (the identity reader's error, or ZT_EMALFORMED for a private key), and an
 * endpoint in a reserved InetAddress encoding (ZT_EUNSUPPORTED: it could not be re-serialized, so its
 * signature could not be checked). Returns ZT_OK (w->raw holds the bytes, w->raw_len their count) or
 * ZT_ETRUNCATED. Does not check the signature. On error w is zeroed and b is in an unspecified state.
 */
zt_err zt_world_read(struct zt_world *w, struct zt_buf *b);

/*
 * Like zt_world_read on data[0..len-1]; *consumed (if not NULL) receives the world's length, which
 * may be less than len. Returns the same codes.
 */
zt_err zt_world_parse(struct zt_world *w, const uint8_t *data, size_t len, size_t *consumed);

/*
 * Appends the serialization of w's fields to out (byte-identical to the parsed input). Returns ZT_OK,
 * ZT_EINVALID (counts over the limits), ZT_ETOOBIG (over 8480 bytes) or ZT_ENOSPACE (out too small).
 */
zt_err zt_world_serialize(const struct zt_world *w, struct zt_wbuf *out);

/*
 * Re-serializes w's fields into w->raw (after building or editing a world by hand).
 * Returns the zt_world_serialize codes.
 */
zt_err zt_world_update_raw(struct zt_world *w);

/*
 * Appends the message the signature covers (§2): 7f×8, the serialization without the signature
 * (with a zero dictionary length for a moon), f7×8. Returns the zt_world_serialize codes.
 */
zt_err zt_world_signed_message(const struct zt_world *w, struct zt_wbuf *out);

/*
 * Signs w's signed message with the C25519 key pair (pub, priv) into w->signature, then refreshes
 * w->raw. It does not change updates_must_be_signed_by (set it first to name the next key).
 * Returns the zt_world_serialize codes.
 */
zt_err zt_world_sign(struct zt_world *w, const uint8_t pub[static ZT_C25519_PUBLIC_LEN],
		     const uint8_t priv[static ZT_C25519_PRIVATE_LEN]);

/* True if w->signature verifies over w's signed message under signer (a 64-byte C25519 public key). */
bool zt_world_verify(const struct zt_world *w, const uint8_t signer[static ZT_C25519_PUBLIC_LEN]);

/* True if current is "empty" in the sense of §3 rule 1: NULL, ID 0 or type NULL. */
bool zt_world_is_empty(const struct zt_world *current);

/*
 * The update rule (§3): may candidate replace current (NULL = none held)?
 * Returns ZT_OK (accept: current is empty, trust on first use, signature not checked; or same ID and
 * type, strictly newer, signed with current->updates_must_be_signed_by), ZT_EINVALID (different ID
 * or type, or candidate itself empty), ZT_ESTALE (not newer) or ZT_EAUTH (bad signature).
 */
zt_err zt_world_check_update(const struct zt_world *current, const struct zt_world *candidate);
/* zt_world_check_update(...) == ZT_OK. */
bool zt_world_should_accept(const struct zt_world *current, const struct zt_world *candidate);

/* The root whose identity has this address, or NULL. */
const struct zt_world_root *zt_world_find_root(const struct zt_world *w, uint64_t address);

#endif
