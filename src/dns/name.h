/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_DNS_NAME_H
#define ZT_DNS_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/err.h"

/*
 * Names of dynamic roots (docs/dynamic-roots.md §2): the first DNS label carries the Ed25519
 * public key that signs the root set published at that name, so whoever answers the DNS query
 * cannot substitute another set.
 *
 *   label = "ztr1-" base32(key (32 bytes) || CRC-24/OpenPGP(key) (3 bytes, big-endian))
 *
 * 35 bytes are exactly 56 base32 characters (no padding bits), so the label is 61 characters. The
 * CRC detects every error burst of up to 24 bits, hence with certainty any single mistyped
 * character and any swap of two neighbours, before a name is ever looked up.
 */

#define ZT_DNS_KEY_LEN 32
#define ZT_DNS_LABEL_PREFIX "ztr1-"
#define ZT_DNS_LABEL_LEN 61
#define ZT_DNS_LABEL_MAX 63     /* any DNS label */
#define ZT_DNS_NAME_MAX 253     /* a whole name in text, without the trailing dot */
#define ZT_DNS_CHECKSUM_LEN 3

struct zt_dns_name {
	uint8_t key[ZT_DNS_KEY_LEN];      /* the root-set signer's Ed25519 public key */
	char name[ZT_DNS_NAME_MAX + 1];   /* canonical: lowercase, no trailing dot */
};

/* The operator's domain: what follows the key label in n->name. */
static inline const char *zt_dns_name_domain(const struct zt_dns_name *n)
{
	return n->name + ZT_DNS_LABEL_LEN + 1;
}

/* CRC-24 as in RFC 4880 §6.1 (init 0xb704ce, polynomial 0x864cfb, MSB first). */
uint32_t zt_dns_crc24(const void *data, size_t n);

/* Writes the key label and a NUL into out (ZT_DNS_LABEL_LEN + 1 bytes). */
void zt_dns_key_label(char out[static ZT_DNS_LABEL_LEN + 1], const uint8_t key[static ZT_DNS_KEY_LEN]);

/*
 * Writes "<key label>.<domain>" (domain lowercased, a trailing dot dropped) and a NUL into out.
 * Returns ZT_OK, ZT_EMALFORMED (domain is not a DNS name of letters, digits, '-' and '_'), or
 * ZT_ETOOBIG (the name would exceed 253 characters or cap).
 */
zt_err zt_dns_name_make(char *out, size_t cap, const uint8_t key[static ZT_DNS_KEY_LEN], const char *domain);

/*
 * Parses a dynamic root name. Returns ZT_OK, ZT_EMALFORMED (not a DNS name, or no domain after the
 * key label), ZT_EUNSUPPORTED (the first label does not start with "ztr1-") or ZT_EINVALID (the
 * key label is damaged: wrong length, a character outside base32, or a checksum mismatch, which is
 * what a typo gives). *why (if not NULL) receives a one-line explanation for the user.
 */
zt_err zt_dns_name_parse(struct zt_dns_name *n, const char *s, const char **why);

#endif
