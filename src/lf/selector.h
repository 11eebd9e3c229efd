/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_LF_SELECTOR_H
#define ZT_LF_SELECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/err.h"

/*
 * Selectors (lf.md §1.3, §2.8, §2.9): a plain name (any bytes) and a 64-bit ordinal become a
 * 16-byte order-preserving masked ordinal and an ECDSA claim by the name's deterministic
 * brainpoolP160t1 key. A node derives a 32-byte selector key from the claim; a client from the name.
 */
#define ZT_LF_SELECTOR_SIZE 57    /* wire form */
#define ZT_LF_ORDINAL_SIZE 16
#define ZT_LF_CLAIM_SIZE 41       /* r(20) || s(20) || recovery id(1): the JSON/internal form */
#define ZT_LF_SELECTOR_KEY_SIZE 32
#define ZT_LF_NAME_PUB_SIZE 21    /* compressed brainpoolP160t1 point */
#define ZT_LF_BP160_LEN 20

struct zt_lf_selector {
	uint8_t ordinal[ZT_LF_ORDINAL_SIZE];
	uint8_t claim[ZT_LF_CLAIM_SIZE]; /* claim[40] is the recovery id, 0..15 on the wire */
};

/* A selector as a record builder gives it: plain name and ordinal. */
struct zt_lf_selector_spec {
	const void *name;
	size_t name_len;
	uint64_t ordinal;
};

/* The deterministic key pair of a name (Go <= 1.19 rule over the PRNG seeded with the name). */
struct zt_lf_name_key {
	uint8_t d[ZT_LF_BP160_LEN];
	uint8_t x[ZT_LF_BP160_LEN], y[ZT_LF_BP160_LEN];
	uint8_t compressed[ZT_LF_NAME_PUB_SIZE];
	uint8_t pubhash[32];
};
zt_err zt_lf_name_key(struct zt_lf_name_key *k, const void *name, size_t len);

/* OrdinalSet: the 16-byte masked ordinal of `value` under `name`. */
zt_err zt_lf_ordinal_set(uint8_t out[static 16], uint64_t value, const void *name, size_t len);
/*
 * OrdinalGet: the plain value of a masked ordinal. ZT_EINVALID if the ordinal cannot have been made
 * with this name (a column decodes out of range).
 */
zt_err zt_lf_ordinal_get(uint64_t *value, const uint8_t ordinal[static 16], const void *name, size_t len);

/* addOrdinalToHash, with the reference's carry quirk (lf.md §2.8). */
void zt_lf_add_ordinal_to_hash(uint8_t out[static 32], const uint8_t hash[static 32],
			       const uint8_t ordinal[static 16]);

/* MakeSelectorKey(name, value): the key a client queries for. */
zt_err zt_lf_selector_key(uint8_t out[static 32], const void *name, size_t len, uint64_t value);
/* Selector key from a name key already derived and a masked ordinal. */
void zt_lf_selector_key_of(uint8_t out[static 32], const struct zt_lf_name_key *k, const uint8_t ordinal[static 16]);

/* The claim hash SHA256(B || masked ordinal). */
void zt_lf_claim_hash(uint8_t out[static 32], const uint8_t b[static 48], const uint8_t ordinal[static 16]);

/*
 * Makes selector i of a record whose body hash B is final: masked ordinal, claim with a random
 * nonce, and the recovery id that recovers the name's key.
 */
zt_err zt_lf_selector_make(struct zt_lf_selector *s, const struct zt_lf_selector_spec *spec,
			   const uint8_t b[static 48]);

/*
 * Recovers the name's public key from a claim (with the record's B): writes the compressed point
 * (`pub`, 21 bytes, may be NULL) and the selector key (`key`, may be NULL). ZT_EINVALID when the
 * claim yields no key.
 */
zt_err zt_lf_selector_recover(const struct zt_lf_selector *s, const uint8_t b[static 48],
			      uint8_t pub[ZT_LF_NAME_PUB_SIZE], uint8_t key[ZT_LF_SELECTOR_KEY_SIZE]);

/*
 * isNamed: ZT_OK if the claim recovers the key of `name`, ZT_EAUTH if it recovers another key,
 * ZT_EINVALID if it recovers none. On ZT_OK and a non-NULL `value`, also the plain ordinal.
 */
zt_err zt_lf_selector_check_name(const struct zt_lf_selector *s, const uint8_t b[static 48], const void *name,
				 size_t len, uint64_t *value);

#endif
