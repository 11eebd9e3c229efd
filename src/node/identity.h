/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_IDENTITY_H
#define ZT_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

/* Type-0 (C25519) identities: spec/identity.md §1. */

#define ZT_IDENTITY_TYPE_C25519 0
#define ZT_IDENTITY_PUBLIC_BINARY_LEN 71   /* address(5) type(1) public(64) privlen(1)=0 */
#define ZT_IDENTITY_SECRET_BINARY_LEN 135  /* ... privlen(1)=64 private(64) */
#define ZT_IDENTITY_PUBLIC_STRING_LEN 141  /* addr:0:pub, without NUL */
#define ZT_IDENTITY_SECRET_STRING_LEN 270  /* addr:0:pub:priv, without NUL */
#define ZT_IDENTITY_STRING_MAX 271         /* buffer size for any string form incl. NUL */
#define ZT_IDENTITY_MEMHARD_SIZE 2097152

struct zt_identity {
	uint64_t address;     /* 40 bits */
	uint8_t type;         /* ZT_IDENTITY_TYPE_C25519 */
	bool has_private;
	uint8_t pub[64];      /* X25519 public || Ed25519 public */
	uint8_t priv[64];     /* X25519 secret || Ed25519 seed; valid only if has_private */
};

/* True for 0000000000 and any address whose first byte is 0xff. */
bool zt_address_is_reserved(uint64_t address);

/*
 * Computes the 64-byte memory-hard digest of a 64-byte public key (§1.3).
 * Allocates a 2 MiB work buffer; returns -ENOMEM if that fails.
 */
zt_err zt_identity_memhard_digest(uint8_t digest[static 64], const uint8_t pub[static 64]);

/* Generates a new valid identity with a private key (takes ~15 memory-hard hashes on average). */
zt_err zt_identity_generate(struct zt_identity *id);

/*
 * Full validation: the memory-hard digest matches the address, digest[0] < 17, the address is not
 * reserved, and, if a private key is present, it yields the public key. Costly (~10-50 ms).
 * Returns ZT_OK or ZT_EINVALID (or -ENOMEM).
 */
zt_err zt_identity_validate(const struct zt_identity *id);

/*
 * Parses "addr:0:pub[:priv]" (trailing whitespace ignored, hex in either case). Does not run validation.
 * Errors: ZT_EMALFORMED, ZT_EUNSUPPORTED (a numeric type other than 0), ZT_ERESERVED. id untouched on error.
 */
zt_err zt_identity_from_string(struct zt_identity *id, const char *s);
/*
 * Writes the string form (with the private key only if include_private and present) and a NUL into
 * out (cap >= ZT_IDENTITY_STRING_MAX is always enough). Returns the length, or a negative zt_err.
 */
int zt_identity_to_string(const struct zt_identity *id, bool include_private, char *out, size_t cap);

/*
 * Reads the binary form (71 or 135 bytes) from b. Rejects short input (ZT_ETRUNCATED), type != 0
 * (ZT_EUNSUPPORTED), bad private lengths (ZT_EMALFORMED) and reserved addresses (ZT_ERESERVED).
 */
zt_err zt_identity_read(struct zt_identity *id, struct zt_buf *b);
/* Appends the binary form (public, or with the private key if include_private and present). */
void zt_identity_write(const struct zt_identity *id, bool include_private, struct zt_wbuf *w);

/* 48-byte symmetric key with a peer: SHA-512(X25519(me.priv, them.pub))[0..47]. Needs me->has_private. */
zt_err zt_identity_agree(const struct zt_identity *me, const struct zt_identity *them, uint8_t key[static 48]);

/* 96-byte signature (§1.8). Needs id->has_private (ZT_EINVALID otherwise). */
zt_err zt_identity_sign(const struct zt_identity *id, const void *msg, size_t n, uint8_t sig[static 96]);
bool zt_identity_verify(const struct zt_identity *id, const void *msg, size_t n, const uint8_t *sig, size_t siglen);

/* True if both have the same address, type and public key. */
bool zt_identity_equal(const struct zt_identity *a, const struct zt_identity *b);

/* Wipes the private key. */
void zt_identity_wipe(struct zt_identity *id);

#endif
