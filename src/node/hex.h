/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_HEX_H
#define ZT_HEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Value of one hex digit (either case), or -1. */
int zt_hex_digit(int c);

/* Writes 2*n lowercase hex digits and a NUL to `out` (which must hold 2*n+1 bytes). */
void zt_hex_encode(char *out, const void *in, size_t n);

/*
 * Decodes exactly `n` bytes from the first 2*n characters of `in` (upper or lower case).
 * Returns false if `in` has fewer characters or a non-hex digit. `in` need not be NUL-terminated
 * beyond 2*n characters, but a shorter NUL-terminated string is detected.
 */
bool zt_hex_decode(uint8_t *out, size_t n, const char *in);

/*
 * Decodes a whole hex string of any even length into `out` (capacity `cap`).
 * Returns the byte count, or -1 if the string is not even-length hex or does not fit.
 */
long zt_hex_decode_all(uint8_t *out, size_t cap, const char *in, size_t inlen);

/* Parses a 10-hex-digit ZeroTier address; false on wrong length or characters. */
bool zt_address_parse(uint64_t *addr, const char *s);
/* Formats a 40-bit address as 10 lowercase hex digits (out: 11 bytes). */
void zt_address_format(char out[static 11], uint64_t addr);

#endif
