/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_ENCODING_H
#define ZT_ENCODING_H

#include <stddef.h>
#include <stdint.h>

/*
 * Text encodings of binary data (RFC 4648), without padding:
 * - base32 with the lowercase alphabet a-z 2-7, for DNS labels (case-insensitive, so a resolver
 *   that changes case changes nothing);
 * - base64url (A-Z a-z 0-9 - _), for one-line text forms that must survive shells, zone files and
 *   dnsmasq options unquoted.
 * The decoders are strict: one canonical text per byte string. They refuse padding, whitespace,
 * characters outside the alphabet, a length no encoder produces, and non-zero unused bits in the
 * last character.
 */

/* Characters needed for n bytes, without the NUL. */
size_t zt_base32_encoded_len(size_t n);
size_t zt_base64url_encoded_len(size_t n);

/* Writes the encoding of in[0..n-1] and a NUL to out (zt_*_encoded_len(n) + 1 bytes). */
void zt_base32_encode(char *out, const void *in, size_t n);
void zt_base64url_encode(char *out, const void *in, size_t n);

/*
 * Decodes in[0..len-1] into out (capacity cap). base32 accepts upper case too (DNS names are
 * case-insensitive). Returns the byte count, or -1 for text that is not canonical or does not fit.
 */
long zt_base32_decode(uint8_t *out, size_t cap, const char *in, size_t len);
long zt_base64url_decode(uint8_t *out, size_t cap, const char *in, size_t len);

#endif
