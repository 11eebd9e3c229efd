/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_DNS_ROOTSET_H
#define ZT_DNS_ROOTSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/name.h"
#include "node/err.h"
#include "node/locator.h"

/*
 * Signed root sets (docs/dynamic-roots.md §3): the roots a dynamic-root name stands for, each as
 * its own signed locator, signed as a whole by the Ed25519 key carried in the name.
 *
 * Binary form, version 1 (integers big-endian):
 *   [1] version = 1   [8] timestamp (ms, < 2^63; the set's revision)
 *   [1] root count (1..16), then per root: [2] locator length [..] locator (locator.h)
 *   [2] extension length (0 from v1 writers), [..] extension
 *   [64] Ed25519 signature over "zt-rootset-v1\0" || every byte before the signature
 * Roots are in strictly ascending order of address (sorted, no node twice).
 */

#define ZT_ROOTSET_VERSION 1
#define ZT_ROOTSET_MAX_ROOTS 16
#define ZT_ROOTSET_MAX_LENGTH 8192
#define ZT_ROOTSET_SIGNATURE_LEN 64
#define ZT_ROOTSET_DIGEST_LEN 32
#define ZT_ROOTSET_SIGNING_CONTEXT "zt-rootset-v1"

struct zt_rootset {
	int64_t timestamp;
	uint8_t root_count;
	struct zt_locator roots[ZT_ROOTSET_MAX_ROOTS];
	uint8_t signature[ZT_ROOTSET_SIGNATURE_LEN];
	uint16_t ext_off, ext_len; /* extension bytes in raw */
	size_t raw_len;            /* the exact binary form, set by parse and sign */
	uint8_t raw[ZT_ROOTSET_MAX_LENGTH];
};

/*
 * What the acceptance rule remembers per name: the newest accepted set's timestamp and digest
 * (SHA-512 of its binary form, first 32 bytes). A node keeps the accepted set itself on disk and
 * derives this from it with zt_rootset_state_of().
 */
struct zt_rootset_state {
	bool valid; /* false: nothing accepted yet */
	int64_t timestamp;
	uint8_t digest[ZT_ROOTSET_DIGEST_LEN];
};

/* Starts an empty, unsigned set. The struct is large (~36 KiB): allocate it. */
void zt_rootset_init(struct zt_rootset *rs, int64_t timestamp);

/*
 * Adds a root given its signed locator (copied). Returns ZT_OK, ZT_EINVALID (not signed, or no UDP
 * endpoint: a root must be reachable directly), ZT_EAUTH (its signature does not verify),
 * ZT_EEXIST (a root with that address is in the set) or ZT_ETOOBIG (16 roots already).
 */
zt_err zt_rootset_add_root(struct zt_rootset *rs, const struct zt_locator *loc);

/*
 * Sorts the roots, writes the binary form into rs->raw and signs it with the Ed25519 key pair
 * (seed, pub). Returns ZT_OK, ZT_EINVALID (no roots, negative timestamp) or ZT_ETOOBIG (over
 * ZT_ROOTSET_MAX_LENGTH).
 */
zt_err zt_rootset_sign(struct zt_rootset *rs, const uint8_t seed[static 32], const uint8_t pub[static ZT_DNS_KEY_LEN]);

/*
 * Parses exactly data[0..len-1]. Returns ZT_OK, ZT_ETRUNCATED, ZT_ETOOBIG, ZT_EUNSUPPORTED
 * (another version), ZT_EMALFORMED (no roots, roots out of order or repeated, trailing bytes) or a
 * locator's parse error. Checks no signature. On error rs is zeroed.
 */
zt_err zt_rootset_parse(struct zt_rootset *rs, const uint8_t *data, size_t len);

/*
 * Checks the set's signature under `key` (the key from the name), then each root's locator
 * signature. Returns ZT_OK, ZT_EAUTH (the set is not signed by key) or ZT_EINVALID (signed by key,
 * but a root's locator is not signed by that root: an operator's mistake).
 */
zt_err zt_rootset_verify(const struct zt_rootset *rs, const uint8_t key[static ZT_DNS_KEY_LEN]);

/* The state recording rs as the newest accepted set. */
void zt_rootset_state_of(struct zt_rootset_state *st, const struct zt_rootset *rs);

/*
 * The no-rollback rule, for a set already verified: may `cand` be used, given what was accepted
 * before (cur may be NULL or !valid)? Returns ZT_OK (newer, or nothing held; *unchanged = false),
 * ZT_OK with *unchanged = true (the very set held: fetching it again is harmless) or ZT_ESTALE
 * (older, or a different set with the same timestamp). unchanged may be NULL.
 */
zt_err zt_rootset_check_update(const struct zt_rootset_state *cur, const struct zt_rootset *cand, bool *unchanged);

/* zt_rootset_verify, then zt_rootset_check_update: the whole acceptance rule. */
zt_err zt_rootset_accept(const struct zt_rootset_state *cur, const uint8_t key[static ZT_DNS_KEY_LEN],
			 const struct zt_rootset *cand, bool *unchanged);

/* The root with this address, or NULL. */
const struct zt_locator *zt_rootset_find(const struct zt_rootset *rs, uint64_t address);

#endif
