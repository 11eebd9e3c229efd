/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "dns/name.h"
#include "node/encoding.h"

#define CRC24_INIT 0xb704ceu
#define CRC24_POLY 0x1864cfbu /* x^24 included, so the top bit clears itself */
#define CRC24_TOP 0x1000000u
#define CRC24_MASK 0xffffffu
#define LABEL_PREFIX_LEN (sizeof ZT_DNS_LABEL_PREFIX - 1)
#define LABEL_PAYLOAD_LEN (ZT_DNS_KEY_LEN + ZT_DNS_CHECKSUM_LEN)
#define LABEL_BASE32_LEN (ZT_DNS_LABEL_LEN - LABEL_PREFIX_LEN)

uint32_t zt_dns_crc24(const void *data, size_t n)
{
	const uint8_t *p = data;
	uint32_t crc = CRC24_INIT;

	for (size_t i = 0; i < n; i++) {
		crc ^= (uint32_t)p[i] << 16;
		for (int bit = 0; bit < 8; bit++) {
			crc <<= 1;
			if (crc & CRC24_TOP)
				crc ^= CRC24_POLY;
		}
	}
	return crc & CRC24_MASK;
}

static void label_payload(uint8_t out[static LABEL_PAYLOAD_LEN], const uint8_t key[static ZT_DNS_KEY_LEN])
{
	uint32_t crc = zt_dns_crc24(key, ZT_DNS_KEY_LEN);

	memcpy(out, key, ZT_DNS_KEY_LEN);
	out[ZT_DNS_KEY_LEN] = (uint8_t)(crc >> 16);
	out[ZT_DNS_KEY_LEN + 1] = (uint8_t)(crc >> 8);
	out[ZT_DNS_KEY_LEN + 2] = (uint8_t)crc;
}

void zt_dns_key_label(char out[static ZT_DNS_LABEL_LEN + 1], const uint8_t key[static ZT_DNS_KEY_LEN])
{
	uint8_t payload[LABEL_PAYLOAD_LEN];

	label_payload(payload, key);
	memcpy(out, ZT_DNS_LABEL_PREFIX, LABEL_PREFIX_LEN);
	zt_base32_encode(out + LABEL_PREFIX_LEN, payload, sizeof payload);
}

static bool label_char_ok(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_';
}

/*
 * Checks a domain in text form (labels of letters, digits, '-', '_'; 1..63 characters; no '-' at
 * either end; one optional trailing dot) and returns its length without that dot, or 0 if invalid.
 * '_' is allowed because operators often keep records under names like _roots.example.org.
 */
static size_t domain_check(const char *d)
{
	size_t len = strlen(d), label = 0;

	if (len && d[len - 1] == '.')
		len--;
	if (!len || len > ZT_DNS_NAME_MAX)
		return 0;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || d[i] == '.') {
			if (!label || label > ZT_DNS_LABEL_MAX || d[i - 1] == '-' || d[i - label] == '-')
				return 0;
			label = 0;
		} else if (label_char_ok(d[i])) {
			label++;
		} else {
			return 0;
		}
	}
	return len;
}

zt_err zt_dns_name_make(char *out, size_t cap, const uint8_t key[static ZT_DNS_KEY_LEN], const char *domain)
{
	size_t dlen = domain_check(domain), total;

	if (!dlen)
		return ZT_EMALFORMED;
	total = ZT_DNS_LABEL_LEN + 1 + dlen;
	if (total > ZT_DNS_NAME_MAX || total + 1 > cap)
		return ZT_ETOOBIG;
	zt_dns_key_label(out, key);
	out[ZT_DNS_LABEL_LEN] = '.';
	for (size_t i = 0; i < dlen; i++)
		out[ZT_DNS_LABEL_LEN + 1 + i] = (char)tolower((unsigned char)domain[i]);
	out[total] = '\0';
	return ZT_OK;
}

static zt_err fail(const char **why, const char *msg, zt_err err)
{
	if (why)
		*why = msg;
	return err;
}

zt_err zt_dns_name_parse(struct zt_dns_name *n, const char *s, const char **why)
{
	uint8_t payload[LABEL_PAYLOAD_LEN];
	const char *dot = strchr(s, '.');
	size_t label_len = dot ? (size_t)(dot - s) : strlen(s);
	uint32_t crc;

	memset(n, 0, sizeof *n);
	if (label_len < LABEL_PREFIX_LEN || strncasecmp(s, ZT_DNS_LABEL_PREFIX, LABEL_PREFIX_LEN))
		return fail(why, "the first label must be the signing key label 'ztr1-...' (see 'zerotier dns name')",
			    ZT_EUNSUPPORTED);
	if (!dot || !dot[1] || !domain_check(dot + 1))
		return fail(why, "expected ztr1-<key>.<domain>, with a valid DNS domain after the key label",
			    ZT_EMALFORMED);
	if (label_len != ZT_DNS_LABEL_LEN)
		return fail(why, "the key label must be exactly 61 characters: a character was added or lost",
			    ZT_EINVALID);
	if (zt_base32_decode(payload, sizeof payload, s + LABEL_PREFIX_LEN, LABEL_BASE32_LEN) != LABEL_PAYLOAD_LEN)
		return fail(why, "the key label holds a character outside a-z and 2-7: a typo", ZT_EINVALID);
	crc = zt_dns_crc24(payload, ZT_DNS_KEY_LEN);
	if (payload[ZT_DNS_KEY_LEN] != (uint8_t)(crc >> 16) || payload[ZT_DNS_KEY_LEN + 1] != (uint8_t)(crc >> 8) ||
	    payload[ZT_DNS_KEY_LEN + 2] != (uint8_t)crc)
		return fail(why, "the key label's checksum does not match: the name was mistyped or damaged",
			    ZT_EINVALID);
	memcpy(n->key, payload, ZT_DNS_KEY_LEN);
	if (zt_dns_name_make(n->name, sizeof n->name, n->key, dot + 1) != ZT_OK)
		return fail(why, "the name is longer than 253 characters", ZT_EMALFORMED);
	return ZT_OK;
}
