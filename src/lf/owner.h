/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_LF_OWNER_H
#define ZT_LF_OWNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/err.h"

/*
 * LF owners (lf.md §1.2, §2.5): the key pair that signs records. The owner field of a record is the
 * first 14 (P-224) or 24 (P-384) bytes of the public key's hash, or the raw 32-byte Ed25519 key.
 */
enum zt_lf_owner_type {
	ZT_LF_OWNER_NONE = 0,
	ZT_LF_OWNER_P224 = 1,
	ZT_LF_OWNER_P384 = 2,
	ZT_LF_OWNER_ED25519 = 3,
};

#define ZT_LF_OWNER_P224_LEN 14
#define ZT_LF_OWNER_P384_LEN 24
#define ZT_LF_OWNER_ED25519_LEN 32
#define ZT_LF_OWNER_MAX_LEN 32
#define ZT_LF_OWNER_SIG_MAX_LEN 96          /* P-384 r || s */
#define ZT_LF_OWNER_PRIVATE_MAX_LEN 168     /* type byte + SEC1 DER of a P-384 key */
#define ZT_LF_OWNER_TEXT_MAX_LEN 48         /* "@" + Base62 of 32 bytes + NUL, rounded up */
#define ZT_LF_OWNER_PEM_MAX_LEN 512

/* An owner with or without its private key. Plain data: copy freely, wipe with zt_lf_owner_wipe. */
struct zt_lf_owner {
	enum zt_lf_owner_type type;
	uint8_t pub[ZT_LF_OWNER_MAX_LEN]; /* the owner field of records */
	size_t pub_len;
	bool has_private;
	uint8_t d[48];     /* ECDSA private scalar (28 or 48 bytes) or Ed25519 seed (32) */
	uint8_t x[48], y[48]; /* ECDSA public point; for Ed25519, x holds the 32-byte public key */
};

/* Owner type of an owner field, from its length alone; ZT_LF_OWNER_NONE if it matches none. */
enum zt_lf_owner_type zt_lf_owner_type_of(size_t pub_len);
/* "p224", "p384", "ed25519", or NULL. */
const char *zt_lf_owner_type_name(enum zt_lf_owner_type t);
/* Parses "p224", "p384", "ed25519"; ZT_LF_OWNER_NONE otherwise. */
enum zt_lf_owner_type zt_lf_owner_type_parse(const char *s);

/* A fresh random owner. */
zt_err zt_lf_owner_generate(struct zt_lf_owner *o, enum zt_lf_owner_type t);
/* NewOwnerFromSeed (lf.md §2.7): deterministic from any seed bytes. */
zt_err zt_lf_owner_from_seed(struct zt_lf_owner *o, enum zt_lf_owner_type t, const void *seed, size_t n);
/*
 * The passphrase owner (lf.md §2.6): P-384 from seed = passphrase. If `mk` is not NULL, also writes
 * the passphrase masking key SHA256(SHA256(passphrase)).
 */
zt_err zt_lf_owner_from_passphrase(struct zt_lf_owner *o, uint8_t mk[32], const void *passphrase, size_t n);

/*
 * PrivateBytes: 0x01|0x02 || SEC1 DER ECPrivateKey, or 0x03 || seed || public.
 * `from` recomputes the public key from the private scalar (an embedded public key is ignored).
 */
zt_err zt_lf_owner_from_private_bytes(struct zt_lf_owner *o, const uint8_t *in, size_t n);
zt_err zt_lf_owner_private_bytes(const struct zt_lf_owner *o, uint8_t *out, size_t cap, size_t *outlen);

/*
 * The PEM form "LF OWNER PRIVATE KEY" with headers Public and Type. `to_pem` writes NUL-terminated
 * text; `load` accepts PEM (detected by its BEGIN line anywhere in the input) or raw PrivateBytes.
 */
zt_err zt_lf_owner_to_pem(const struct zt_lf_owner *o, char *out, size_t cap);
zt_err zt_lf_owner_load(struct zt_lf_owner *o, const uint8_t *in, size_t n);

/* "@" + Base62 of an owner field (out: ZT_LF_OWNER_TEXT_MAX_LEN or more for the usual sizes). */
zt_err zt_lf_owner_text(char *out, size_t cap, const uint8_t *pub, size_t pub_len);
/* Parses "@..." (the '@' is optional) into an owner field; ZT_EMALFORMED on no digits. */
zt_err zt_lf_owner_text_parse(uint8_t *pub, size_t cap, size_t *pub_len, const char *s, size_t n);

/*
 * Signs the 48-byte signing hash S: r||s (56 or 96 bytes) for ECDSA with a random nonce, or a
 * 64-byte Ed25519 signature. ZT_EINVALID if the owner has no private key.
 */
zt_err zt_lf_owner_sign(const struct zt_lf_owner *o, const uint8_t s[static 48], uint8_t *sig, size_t cap,
			size_t *siglen);
/*
 * Verifies a record signature against an owner field: Ed25519 directly, ECDSA by recovering the
 * public key for recovery ids 0 and 1 and comparing its truncated hash. ZT_OK or ZT_EAUTH.
 */
zt_err zt_lf_owner_verify(const uint8_t *pub, size_t pub_len, const uint8_t s[static 48], const uint8_t *sig,
			  size_t siglen);

/* SHA256 of the private key in its pulse form (lf.md §2.11): minimal big-endian d, or seed || public. */
zt_err zt_lf_owner_private_hash(const struct zt_lf_owner *o, uint8_t out[static 32]);

void zt_lf_owner_wipe(struct zt_lf_owner *o);

#endif
