/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DNS answers as a resolver hands them over, then the TXT records they carry as root-set pieces,
 * and the same bytes as a dynamic-root name.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/msg.h"
#include "dns/name.h"
#include "dns/txt.h"
#include "node/crypto.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The corpus is signed with the key of seed 01 01 ... 01 (as fuzz_rootset). */
static const uint8_t seed[32] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
				  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
static struct zt_dns_name name, parsed;
static struct zt_rootset out;
static struct zt_dns_txt recs[ZT_DNS_MSG_MAX_TXT];
static uint8_t buf[65536];
static char text[512];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char s[ZT_DNS_NAME_MAX + 1];

	if (zt_crypto_init() != ZT_OK)
		abort();
	zt_ed25519_public(name.key, seed);
	if (zt_dns_name_make(s, sizeof s, name.key, "roots.example.org") != ZT_OK ||
	    zt_dns_name_parse(&name, s, NULL) != ZT_OK)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zt_rootset_state st;
	struct zt_dns_verdict v;
	size_t n = 0, total = 0;
	uint32_t ttl;

	if (size <= sizeof buf && zt_dns_msg_txt(data, size, recs, ZT_DNS_MSG_MAX_TXT, &n, buf, size, &ttl) == ZT_OK) {
		if (n > ZT_DNS_MSG_MAX_TXT || ttl > 0x7fffffffu)
			abort();
		for (size_t i = 0; i < n; i++) {
			if (recs[i].data < buf || recs[i].data + recs[i].len > buf + size)
				abort();
			total += recs[i].len;
		}
		if (total > size)
			abort();
		if (zt_dns_rootset_from_txt(&name, recs, n, NULL, &out, &v) == ZT_OK) {
			if (v.records != n || zt_rootset_verify(&out, name.key) != ZT_OK)
				abort();
			zt_rootset_state_of(&st, &out);
			if (zt_dns_rootset_from_txt(&name, recs, n, &st, &out, &v) != ZT_OK || !v.unchanged)
				abort();
		}
	}
	if (size < sizeof text) {
		memcpy(text, data, size);
		text[size] = '\0';
		if (zt_dns_name_parse(&parsed, text, NULL) == ZT_OK && strlen(parsed.name) > ZT_DNS_NAME_MAX)
			abort();
	}
	return 0;
}
