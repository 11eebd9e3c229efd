/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_LF_BASE62_H
#define ZT_LF_BASE62_H

#include <stddef.h>
#include <stdint.h>

#include "node/err.h"

/*
 * LF's Base62 (lf.md §2.12): alphabet 0-9A-Za-z, the bytes read as one big-endian number, one extra
 * '0' per leading zero byte (except the last byte). Round trips preserve length.
 */

/* Output capacity (including the NUL) that always suffices for `n` input bytes. */
#define ZT_LF_BASE62_CAP(n) (2 * (size_t)(n) + 2)

/*
 * Writes the text and a NUL to `out` (capacity `cap`) and its length to *outlen.
 * An empty input gives "". ZT_ENOSPACE if `cap` is too small, ZT_ECRYPTO if a BIGNUM call fails.
 */
zt_err zt_lf_base62_encode(char *out, size_t cap, const void *in, size_t n, size_t *outlen);
/* Allocating form: a NUL-terminated string the caller frees, or NULL on failure. */
char *zt_lf_base62_encode_alloc(const void *in, size_t n);

/*
 * Decodes `inlen` characters, ignoring every character outside the alphabet, into `out` (capacity
 * `cap`; `inlen` bytes always suffice). Input with no alphabet characters decodes to zero bytes.
 * ZT_ENOSPACE if the result does not fit.
 */
zt_err zt_lf_base62_decode(uint8_t *out, size_t cap, const char *in, size_t inlen, size_t *outlen);

#endif
