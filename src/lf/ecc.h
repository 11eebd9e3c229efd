/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_LF_ECC_H
#define ZT_LF_ECC_H

#include <stddef.h>
#include <stdint.h>

#include "lf/lfcrypto.h"
#include "node/err.h"

/*
 * The three ECDSA curves of LF (lf.md §2.5, §2.7, §2.8): NIST P-224 and P-384 for owners,
 * brainpoolP160t1 for selector names. All arithmetic goes through OpenSSL EC_POINT/BIGNUM; signing
 * through EVP. Scalars and coordinates are fixed-width big-endian, left-zero-padded to the curve's
 * size (field size == order size for these three curves).
 */
enum zt_lf_curve {
	ZT_LF_CURVE_P224,
	ZT_LF_CURVE_P384,
	ZT_LF_CURVE_BP160,
};

#define ZT_LF_EC_MAX_LEN 48 /* P-384 */

/* Bytes of a scalar or coordinate: 28, 48 or 20. */
size_t zt_lf_ec_len(enum zt_lf_curve c);
/* The curve name hashed into public-key hashes: "P-224", "P-384", "brainpoolP160t1". */
const char *zt_lf_ec_name(enum zt_lf_curve c);

/*
 * The Go <= 1.19 GenerateKey rule over an LF PRNG: reads bitlen(n)/8 + 8 bytes, d = (k mod (n-1)) + 1.
 * Writes d, X and Y (each zt_lf_ec_len bytes).
 */
zt_err zt_lf_ec_key_from_prng(enum zt_lf_curve c, struct zt_lf_prng *prng, uint8_t *d, uint8_t *x, uint8_t *y);
/* Q = d*G. ZT_EINVALID if d is 0 or not below the order. */
zt_err zt_lf_ec_public(enum zt_lf_curve c, const uint8_t *d, uint8_t *x, uint8_t *y);

/*
 * ECDSA signature with a random nonce over `hash` (truncated to the order's bit length as usual):
 * writes r and s, each zt_lf_ec_len bytes. (x, y) must be the public key of d.
 */
zt_err zt_lf_ec_sign(enum zt_lf_curve c, const uint8_t *d, const uint8_t *x, const uint8_t *y,
		     const uint8_t *hash, size_t hashlen, uint8_t *r, uint8_t *s);

/*
 * Public-key recovery (lf.md §2.5) for recovery id j (0..15): writes X and Y of Q, or returns
 * ZT_EINVALID when there is no key (r or s out of range, x >= p, no square root, Q at infinity).
 */
zt_err zt_lf_ec_recover(enum zt_lf_curve c, const uint8_t *hash, size_t hashlen, const uint8_t *r,
			const uint8_t *s, unsigned j, uint8_t *x, uint8_t *y);

/* pubhash(Q) = shandwich(X || Y || curve name). */
void zt_lf_ec_pubhash(enum zt_lf_curve c, const uint8_t *x, const uint8_t *y, uint8_t out[static 32]);
/* Compressed point: 0x02 + (Y mod 2), then X. Writes 1 + zt_lf_ec_len bytes. */
void zt_lf_ec_compress(enum zt_lf_curve c, const uint8_t *x, const uint8_t *y, uint8_t *out);

#endif
