/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Root-set parser and the TXT pieces: a set that parses keeps its bytes, verifies or not without
 * harm, and its TXT records reassemble to the same bytes, with the verdict the signature implies.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/name.h"
#include "dns/rootset.h"
#include "dns/txt.h"
#include "node/crypto.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The seed corpus was signed (zerotier dns txt) with the key whose secret is 01 01 ... 01. */
static const uint8_t seed[32] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
				  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
static struct zt_dns_name name;
static struct zt_rootset rs, out;
static struct zt_dns_txt_records recs;
static struct zt_dns_txt txt[ZT_DNS_TXT_MAX_PIECES];

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
	zt_err verdict, err;
	bool unchanged;

	if (zt_rootset_parse(&rs, data, size) != ZT_OK)
		return 0;
	if (rs.raw_len != size || memcmp(rs.raw, data, size) || !rs.root_count || rs.root_count > ZT_ROOTSET_MAX_ROOTS)
		abort();
	for (unsigned i = 1; i < rs.root_count; i++)
		if (rs.roots[i - 1].identity.address >= rs.roots[i].identity.address)
			abort();
	verdict = zt_rootset_verify(&rs, name.key);
	zt_rootset_state_of(&st, &rs);
	if (zt_rootset_check_update(&st, &rs, &unchanged) != ZT_OK || !unchanged)
		abort();
	if (zt_dns_txt_split(&rs, &recs) != ZT_OK)
		abort();
	for (unsigned i = 0; i < recs.count; i++) {
		if (strlen(recs.rec[i]) > ZT_DNS_TXT_RECORD_MAX)
			abort();
		txt[recs.count - 1 - i].data = (const uint8_t *)recs.rec[i];
		txt[recs.count - 1 - i].len = strlen(recs.rec[i]);
	}
	err = zt_dns_rootset_from_txt(&name, txt, recs.count, NULL, &out, &v);
	if (verdict == ZT_OK && (err != ZT_OK || out.raw_len != rs.raw_len || memcmp(out.raw, rs.raw, rs.raw_len)))
		abort();
	if (verdict == ZT_EAUTH && err != ZT_EAUTH)
		abort();
	if (verdict == ZT_EINVALID && err != ZT_EMALFORMED)
		abort();
	return 0;
}
