/* SPDX-License-Identifier: Apache-2.0 */
/* Dynamic roots without the network: names, signed root sets, TXT pieces, DNS answers (src/dns/). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/msg.h"
#include "dns/name.h"
#include "dns/resolve.h"
#include "dns/rootset.h"
#include "dns/txt.h"
#include "node/buf.h"
#include "node/crypto.h"
#include "node/encoding.h"
#include "node/locator.h"

#define TS 1700000000000LL
#define DOMAIN "roots.example.org"

struct key {
	uint8_t seed[32];
	uint8_t pub[32];
};

static struct key k1, k2;

static void setup(void)
{
	ck_assert_int_eq(zt_crypto_init(), ZT_OK);
	zt_random(k1.seed, 32);
	zt_ed25519_public(k1.pub, k1.seed);
	zt_random(k2.seed, 32);
	zt_ed25519_public(k2.pub, k2.seed);
}

/*
 * A root's locator. The identity is a fresh key pair with a made-up address: signatures do not
 * depend on the memory-hard proof, which the node checks when it meets the root.
 */
static void make_root(struct zt_locator *loc, uint64_t address, int64_t ts)
{
	struct zt_identity id;
	struct zt_inetaddr a;
	char ep[32];

	memset(&id, 0, sizeof id);
	zt_c25519_generate(id.pub, id.priv);
	id.address = address;
	id.has_private = true;
	snprintf(ep, sizeof ep, "198.18.%u.%u/9993", (unsigned)(address >> 8) & 0xff, (unsigned)address & 0xff);
	ck_assert_int_eq(zt_inetaddr_parse(&a, ep), ZT_OK);
	zt_locator_init(loc, &id, ts);
	ck_assert_int_eq(zt_locator_add_udp(loc, &a), ZT_OK);
	ck_assert_int_eq(zt_locator_sign(loc, &id), ZT_OK);
	zt_identity_wipe(&id);
}

/* A signed set of n roots with addresses 0x1000000001 + i, added in descending order. */
static struct zt_rootset *make_set(unsigned n, int64_t ts, const struct key *k)
{
	struct zt_rootset *rs = malloc(sizeof *rs);
	struct zt_locator *loc = malloc(sizeof *loc);

	zt_rootset_init(rs, ts);
	for (unsigned i = n; i-- > 0;) {
		make_root(loc, 0x1000000001ULL + i, ts - 1000);
		ck_assert_int_eq(zt_rootset_add_root(rs, loc), ZT_OK);
	}
	ck_assert_int_eq(zt_rootset_sign(rs, k->seed, k->pub), ZT_OK);
	free(loc);
	return rs;
}

static void name_for(struct zt_dns_name *n, const struct key *k)
{
	char s[ZT_DNS_NAME_MAX + 1];

	ck_assert_int_eq(zt_dns_name_make(s, sizeof s, k->pub, DOMAIN), ZT_OK);
	ck_assert_int_eq(zt_dns_name_parse(n, s, NULL), ZT_OK);
}

/* The records of a set, as an array of zt_dns_txt (pointing into recs). */
static unsigned txt_of(const struct zt_rootset *rs, struct zt_dns_txt_records *recs, struct zt_dns_txt *out)
{
	ck_assert_int_eq(zt_dns_txt_split(rs, recs), ZT_OK);
	for (unsigned i = 0; i < recs->count; i++) {
		out[i].data = (const uint8_t *)recs->rec[i];
		out[i].len = strlen(recs->rec[i]);
	}
	return recs->count;
}

static void shuffle(struct zt_dns_txt *t, unsigned n)
{
	for (unsigned i = n; i > 1; i--) {
		unsigned j = (unsigned)(zt_random_u64() % i);
		struct zt_dns_txt x = t[i - 1];
		t[i - 1] = t[j];
		t[j] = x;
	}
}

/* ------------------------------------------------------------------ names */

START_TEST(crc24_check_value)
{
	/* The standard check value of CRC-24/OPENPGP. */
	ck_assert_uint_eq(zt_dns_crc24("123456789", 9), 0x21cf02);
}
END_TEST

START_TEST(name_round_trip)
{
	char s[ZT_DNS_NAME_MAX + 1], label[ZT_DNS_LABEL_LEN + 1], upper[ZT_DNS_NAME_MAX + 2];
	struct zt_dns_name n;

	ck_assert_int_eq(zt_dns_name_make(s, sizeof s, k1.pub, "Roots.Example.ORG."), ZT_OK);
	zt_dns_key_label(label, k1.pub);
	ck_assert_uint_eq(strlen(label), 61);
	ck_assert(!strncmp(s, label, 61));
	ck_assert_str_eq(s + 61, "." DOMAIN);
	for (size_t i = 0; s[i]; i++)
		ck_assert(s[i] == '.' || s[i] == '-' || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9'));
	ck_assert_int_eq(zt_dns_name_parse(&n, s, NULL), ZT_OK);
	ck_assert_mem_eq(n.key, k1.pub, 32);
	ck_assert_str_eq(n.name, s);
	ck_assert_str_eq(zt_dns_name_domain(&n), DOMAIN);
	/* DNS is case-insensitive: an upper-case name with a trailing dot is the same name. */
	for (size_t i = 0; s[i]; i++)
		upper[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i]);
	strcpy(upper + strlen(s), ".");
	ck_assert_int_eq(zt_dns_name_parse(&n, upper, NULL), ZT_OK);
	ck_assert_str_eq(n.name, s);
	ck_assert_mem_eq(n.key, k1.pub, 32);
}
END_TEST

/* The point of the checksum: every single-character typo and every swap of neighbours is caught. */
START_TEST(name_typos_are_detected)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
	char s[ZT_DNS_NAME_MAX + 1], t[ZT_DNS_NAME_MAX + 1];
	struct zt_dns_name n;
	const char *why;
	unsigned checked = 0;

	ck_assert_int_eq(zt_dns_name_make(s, sizeof s, k1.pub, DOMAIN), ZT_OK);
	for (size_t i = 5; i < 61; i++) {
		for (size_t c = 0; c < 32; c++) {
			if (alphabet[c] == s[i])
				continue;
			strcpy(t, s);
			t[i] = alphabet[c];
			ck_assert_msg(zt_dns_name_parse(&n, t, &why) == ZT_EINVALID, "typo at %zu not caught", i);
			checked++;
		}
		if (i + 1 < 61 && s[i] != s[i + 1]) {
			strcpy(t, s);
			t[i] = s[i + 1];
			t[i + 1] = s[i];
			ck_assert_msg(zt_dns_name_parse(&n, t, &why) == ZT_EINVALID, "swap at %zu not caught", i);
		}
	}
	ck_assert_uint_eq(checked, 56 * 31);
	/* Characters outside base32, a lost or an extra character. */
	strcpy(t, s);
	t[10] = '1';
	ck_assert_int_eq(zt_dns_name_parse(&n, t, &why), ZT_EINVALID);
	ck_assert_ptr_nonnull(strstr(why, "typo"));
	strcpy(t, s);
	memmove(t + 10, t + 11, strlen(t + 11) + 1);
	ck_assert_int_eq(zt_dns_name_parse(&n, t, &why), ZT_EINVALID);
	strcpy(t, s);
	memmove(t + 11, t + 10, strlen(t + 10) + 1);
	ck_assert_int_eq(zt_dns_name_parse(&n, t, &why), ZT_EINVALID);
}
END_TEST

START_TEST(name_rejects)
{
	char s[ZT_DNS_NAME_MAX + 1], t[400], label[ZT_DNS_LABEL_LEN + 1];
	struct zt_dns_name n;
	const char *why = NULL;

	zt_dns_key_label(label, k1.pub);
	ck_assert_int_eq(zt_dns_name_parse(&n, "roots.example.org", &why), ZT_EUNSUPPORTED);
	ck_assert_ptr_nonnull(why);
	ck_assert_int_eq(zt_dns_name_parse(&n, "", NULL), ZT_EUNSUPPORTED);
	ck_assert_int_eq(zt_dns_name_parse(&n, label, NULL), ZT_EMALFORMED); /* no domain */
	snprintf(t, sizeof t, "%s.", label);
	ck_assert_int_eq(zt_dns_name_parse(&n, t, NULL), ZT_EMALFORMED);
	snprintf(t, sizeof t, "%s.exa mple.org", label);
	ck_assert_int_eq(zt_dns_name_parse(&n, t, NULL), ZT_EMALFORMED);
	snprintf(t, sizeof t, "%s.example..org", label);
	ck_assert_int_eq(zt_dns_name_parse(&n, t, NULL), ZT_EMALFORMED);
	snprintf(t, sizeof t, "%s.-example.org", label);
	ck_assert_int_eq(zt_dns_name_parse(&n, t, NULL), ZT_EMALFORMED);
	/* Domains: a 64-character label, or a name over 253 characters. */
	char l64[65];
	memset(l64, 'a', 64);
	l64[64] = '\0';
	ck_assert_int_eq(zt_dns_name_make(s, sizeof s, k1.pub, l64), ZT_EMALFORMED);
	char longd[210];
	for (int i = 0; i < 201; i++)
		longd[i] = i % 10 == 9 ? '.' : 'a';
	longd[201] = '\0';
	ck_assert_int_eq(zt_dns_name_make(s, sizeof s, k1.pub, longd), ZT_ETOOBIG);
	ck_assert_int_eq(zt_dns_name_make(s, 70, k1.pub, DOMAIN), ZT_ETOOBIG);
	ck_assert_int_eq(zt_dns_name_make(s, sizeof s, k1.pub, "_roots.example.org"), ZT_OK);
}
END_TEST

/* ------------------------------------------------------------------ root sets */

START_TEST(rootset_round_trip_and_layout)
{
	struct zt_rootset *rs = make_set(3, TS, &k1), *back = malloc(sizeof *back);
	const uint8_t *p = rs->raw;
	size_t off = 10;

	ck_assert_uint_eq(p[0], 1);
	ck_assert_uint_eq(zt_be64(p + 1), (uint64_t)TS);
	ck_assert_uint_eq(p[9], 3);
	/* Sorted by address although added in descending order. */
	for (unsigned i = 0; i < 3; i++) {
		ck_assert_uint_eq(rs->roots[i].identity.address, 0x1000000001ULL + i);
		ck_assert_uint_eq(zt_be16(p + off), rs->roots[i].raw_len);
		ck_assert_mem_eq(p + off + 2, rs->roots[i].raw, rs->roots[i].raw_len);
		off += 2 + rs->roots[i].raw_len;
	}
	ck_assert_uint_eq(zt_be16(p + off), 0);
	ck_assert_uint_eq(off + 2 + 64, rs->raw_len);
	ck_assert_int_eq(zt_rootset_verify(rs, k1.pub), ZT_OK);
	ck_assert_int_eq(zt_rootset_verify(rs, k2.pub), ZT_EAUTH);
	ck_assert_int_eq(zt_rootset_parse(back, rs->raw, rs->raw_len), ZT_OK);
	ck_assert_mem_eq(back->raw, rs->raw, rs->raw_len);
	ck_assert_int_eq(zt_rootset_verify(back, k1.pub), ZT_OK);
	ck_assert_ptr_eq(zt_rootset_find(back, 0x1000000002ULL), &back->roots[1]);
	ck_assert_ptr_null(zt_rootset_find(back, 0x1000000009ULL));
	/* The signature: Ed25519 over the context string, its NUL, and the rest. */
	uint8_t msg[ZT_ROOTSET_MAX_LENGTH + 16];
	memcpy(msg, "zt-rootset-v1", 14);
	memcpy(msg + 14, rs->raw, rs->raw_len - 64);
	ck_assert(zt_ed25519_verify(rs->raw + rs->raw_len - 64, msg, 14 + rs->raw_len - 64, k1.pub));
	for (size_t n = 0; n < rs->raw_len; n++)
		ck_assert_int_ne(zt_rootset_parse(back, rs->raw, n), ZT_OK);
	free(rs);
	free(back);
}
END_TEST

START_TEST(rootset_tampering_is_detected)
{
	struct zt_rootset *rs = make_set(2, TS, &k1), *back = malloc(sizeof *back);
	uint8_t buf[ZT_ROOTSET_MAX_LENGTH];

	for (size_t i = 0; i < rs->raw_len; i++) {
		memcpy(buf, rs->raw, rs->raw_len);
		buf[i] ^= (uint8_t)(1u << (i % 8));
		if (zt_rootset_parse(back, buf, rs->raw_len) == ZT_OK)
			ck_assert_msg(zt_rootset_verify(back, k1.pub) != ZT_OK, "byte %zu changed and still verifies", i);
	}
	free(rs);
	free(back);
}
END_TEST

START_TEST(rootset_rules)
{
	struct zt_rootset *rs = malloc(sizeof *rs), *back = malloc(sizeof *back);
	struct zt_locator *loc = malloc(sizeof *loc);
	struct zt_identity id;

	zt_rootset_init(rs, TS);
	ck_assert_int_eq(zt_rootset_sign(rs, k1.seed, k1.pub), ZT_EINVALID); /* no roots */
	make_root(loc, 0x2000000001ULL, TS);
	ck_assert_int_eq(zt_rootset_add_root(rs, loc), ZT_OK);
	ck_assert_int_eq(zt_rootset_add_root(rs, loc), ZT_EEXIST);
	/* A root without an IP/port endpoint, an unsigned one, one whose signature is broken. */
	memset(&id, 0, sizeof id);
	zt_c25519_generate(id.pub, id.priv);
	id.address = 0x2000000002ULL;
	id.has_private = true;
	zt_locator_init(loc, &id, TS);
	ck_assert_int_eq(zt_locator_add_zerotier(loc, 0x2000000001ULL), ZT_OK);
	ck_assert_int_eq(zt_rootset_add_root(rs, loc), ZT_EINVALID);
	ck_assert_int_eq(zt_locator_sign(loc, &id), ZT_OK);
	ck_assert_int_eq(zt_rootset_add_root(rs, loc), ZT_EINVALID);
	make_root(loc, 0x2000000003ULL, TS);
	loc->raw[loc->raw_len - 1] ^= 1;
	ck_assert_int_eq(zt_rootset_add_root(rs, loc), ZT_EAUTH);
	/* Slipped in anyway, it is signed by the set key but caught by verify. */
	rs->roots[rs->root_count++] = *loc;
	ck_assert_int_eq(zt_rootset_sign(rs, k1.seed, k1.pub), ZT_OK);
	ck_assert_int_eq(zt_rootset_verify(rs, k1.pub), ZT_EINVALID);
	/* At most 16 roots. */
	free(rs);
	rs = make_set(ZT_ROOTSET_MAX_ROOTS, TS, &k1);
	make_root(loc, 0x3000000000ULL, TS);
	ck_assert_int_eq(zt_rootset_add_root(rs, loc), ZT_ETOOBIG);
	ck_assert_uint_le(rs->raw_len, ZT_ROOTSET_MAX_LENGTH);
	/* Parser: another version, a zero count, out of order, trailing bytes. */
	uint8_t buf[ZT_ROOTSET_MAX_LENGTH + 1];
	memcpy(buf, rs->raw, rs->raw_len);
	buf[0] = 2;
	ck_assert_int_eq(zt_rootset_parse(back, buf, rs->raw_len), ZT_EUNSUPPORTED);
	buf[0] = 1;
	buf[9] = 0;
	ck_assert_int_eq(zt_rootset_parse(back, buf, rs->raw_len), ZT_EMALFORMED);
	buf[9] = 17;
	ck_assert_int_eq(zt_rootset_parse(back, buf, rs->raw_len), ZT_ETOOBIG);
	buf[9] = (uint8_t)rs->root_count;
	ck_assert_int_eq(zt_rootset_parse(back, buf, rs->raw_len + 1), ZT_EMALFORMED);
	free(rs);
	rs = make_set(2, TS, &k1);
	size_t l0 = rs->roots[0].raw_len, l1 = rs->roots[1].raw_len;
	memcpy(buf, rs->raw, rs->raw_len);
	/* swap the two roots: same length, wrong order */
	zt_put_be16(buf + 10, (uint16_t)l1);
	memcpy(buf + 12, rs->roots[1].raw, l1);
	zt_put_be16(buf + 12 + l1, (uint16_t)l0);
	memcpy(buf + 14 + l1, rs->roots[0].raw, l0);
	ck_assert_int_eq(zt_rootset_parse(back, buf, rs->raw_len), ZT_EMALFORMED);
	free(rs);
	free(back);
	free(loc);
}
END_TEST

START_TEST(acceptance_rule)
{
	struct zt_rootset *old = make_set(2, TS, &k1), *cur = make_set(2, TS + 10, &k1);
	struct zt_rootset *same_ts = make_set(3, TS + 10, &k1), *forged = make_set(2, TS + 20, &k2);
	struct zt_rootset_state st, none = { .valid = false };
	bool unchanged;

	ck_assert_int_eq(zt_rootset_accept(NULL, k1.pub, old, &unchanged), ZT_OK);
	ck_assert(!unchanged);
	ck_assert_int_eq(zt_rootset_accept(&none, k1.pub, old, &unchanged), ZT_OK);
	zt_rootset_state_of(&st, cur);
	ck_assert(st.valid);
	ck_assert_int_eq(st.timestamp, TS + 10);
	ck_assert_int_eq(zt_rootset_accept(&st, k1.pub, old, &unchanged), ZT_ESTALE);        /* rollback */
	ck_assert_int_eq(zt_rootset_accept(&st, k1.pub, cur, &unchanged), ZT_OK);            /* idempotent */
	ck_assert(unchanged);
	ck_assert_int_eq(zt_rootset_accept(&st, k1.pub, same_ts, &unchanged), ZT_ESTALE);    /* equal, other */
	ck_assert_int_eq(zt_rootset_accept(&st, k1.pub, forged, &unchanged), ZT_EAUTH);      /* other key */
	zt_rootset_state_of(&st, old);
	ck_assert_int_eq(zt_rootset_accept(&st, k1.pub, cur, &unchanged), ZT_OK);
	ck_assert(!unchanged);
	free(old);
	free(cur);
	free(same_ts);
	free(forged);
}
END_TEST

/* ------------------------------------------------------------------ TXT records */

START_TEST(txt_record_format)
{
	struct zt_rootset *rs = make_set(ZT_ROOTSET_MAX_ROOTS, TS, &k1);
	struct zt_dns_txt_records *recs = malloc(sizeof *recs);
	char tag[9];
	uint8_t h[64];

	ck_assert_int_eq(zt_dns_txt_split(rs, recs), ZT_OK);
	ck_assert_uint_eq(recs->count, (rs->raw_len + 173) / 174);
	ck_assert_uint_gt(recs->count, 10);
	zt_sha512(h, rs->raw, rs->raw_len);
	snprintf(tag, sizeof tag, "%02x%02x%02x%02x", h[0], h[1], h[2], h[3]);
	for (unsigned i = 0; i < recs->count; i++) {
		const char *r = recs->rec[i];
		char hdr[32];

		ck_assert_uint_le(strlen(r), 252);
		snprintf(hdr, sizeof hdr, "ztr1:%s:%02u/%02u:", tag, i, recs->count);
		ck_assert_msg(!strncmp(r, hdr, 20), "record %u header %.20s", i, r);
		ck_assert_uint_eq(strspn(r, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:/-_"),
				  strlen(r));
		if (i + 1 < recs->count)
			ck_assert_uint_eq(strlen(r), 252);
	}
	free(rs);
	free(recs);
}
END_TEST

START_TEST(txt_shuffled_and_split_sets_reassemble)
{
	struct zt_rootset *rs = make_set(ZT_ROOTSET_MAX_ROOTS, TS, &k1), *out = malloc(sizeof *out);
	struct zt_dns_txt_records *recs = malloc(sizeof *recs);
	struct zt_dns_txt t[ZT_DNS_TXT_MAX_PIECES];
	struct zt_dns_verdict v;
	struct zt_dns_name n;
	unsigned count = txt_of(rs, recs, t);

	name_for(&n, &k1);
	for (int round = 0; round < 20; round++) {
		shuffle(t, count);
		ck_assert_int_eq(zt_dns_rootset_from_txt(&n, t, count, NULL, out, &v), ZT_OK);
		ck_assert_mem_eq(out->raw, rs->raw, rs->raw_len);
		ck_assert_uint_eq(v.records, count);
		ck_assert_uint_eq(v.sets, 1);
		ck_assert(!v.unchanged);
	}
	free(rs);
	/* The smallest set (one root) takes two records. */
	rs = make_set(1, TS, &k1);
	count = txt_of(rs, recs, t);
	ck_assert_uint_eq(count, 2);
	free(rs);
	free(out);
	free(recs);
}
END_TEST

START_TEST(txt_missing_duplicated_foreign)
{
	struct zt_rootset *rs = make_set(4, TS, &k1), *out = malloc(sizeof *out);
	struct zt_dns_txt_records *recs = malloc(sizeof *recs);
	struct zt_dns_txt t[ZT_DNS_TXT_MAX_PIECES + 4];
	struct zt_dns_verdict v;
	struct zt_dns_name n;
	unsigned count = txt_of(rs, recs, t);
	char changed[ZT_DNS_TXT_RECORD_MAX + 1];

	name_for(&n, &k1);
	ck_assert_uint_ge(count, 3);
	/* A piece missing. */
	ck_assert_int_eq(zt_dns_rootset_from_txt(&n, t + 1, count - 1, NULL, out, &v), ZT_ETRUNCATED);
	ck_assert_uint_eq(v.incomplete, 1);
	/* The same piece twice is harmless. */
	t[count] = t[1];
	ck_assert_int_eq(zt_dns_rootset_from_txt(&n, t, count + 1, NULL, out, &v), ZT_OK);
	/* Two different pieces with the same index are not. */
	strcpy(changed, recs->rec[1]);
	changed[30] = changed[30] == 'A' ? 'B' : 'A';
	t[count].data = (const uint8_t *)changed;
	ck_assert_int_eq(zt_dns_rootset_from_txt(&n, t, count + 1, NULL, out, &v), ZT_EMALFORMED);
	ck_assert_uint_eq(v.conflicting, 1);
	/* A piece replaced by a damaged one: the set no longer hashes to its tag. */
	t[count] = t[1];
	t[1].data = (const uint8_t *)changed;
	ck_assert_int_eq(zt_dns_rootset_from_txt(&n, t, count, NULL, out, &v), ZT_EMALFORMED);
	ck_assert_uint_eq(v.conflicting, 1);
	t[1] = t[count];
	/* Other TXT data at the name (site verification, SPF) and broken "ztr1:" records are skipped. */
	static const char spf[] = "v=spf1 -all", junk[] = "ztr1:nothex!!:00/01:AAAA", quoted[] = "\"ztr1:00000000:00/01:AA\"";
	t[count].data = (const uint8_t *)spf;
	t[count].len = sizeof spf - 1;
	t[count + 1].data = (const uint8_t *)junk;
	t[count + 1].len = sizeof junk - 1;
	t[count + 2].data = (const uint8_t *)quoted;
	t[count + 2].len = sizeof quoted - 1;
	shuffle(t, count + 3);
	ck_assert_int_eq(zt_dns_rootset_from_txt(&n, t, count + 3, NULL, out, &v), ZT_OK);
	ck_assert_uint_eq(v.foreign, 2);
	ck_assert_uint_eq(v.malformed, 1);
	ck_assert_mem_eq(out->raw, rs->raw, rs->raw_len);
	/* Nothing of ours. */
	ck_assert_int_eq(zt_dns_rootset_from_txt(&n, t, 0, NULL, out, &v), ZT_ENOTFOUND);
	t[0].data = (const uint8_t *)spf;
	t[0].len = sizeof spf - 1;
	ck_assert_int_eq(zt_dns_rootset_from_txt(&n, t, 1, NULL, out, &v), ZT_ENOTFOUND);
	free(rs);
	free(out);
	free(recs);
}
END_TEST

START_TEST(txt_piece_syntax_is_strict)
{
	struct zt_rootset *rs = make_set(1, TS, &k1), *out = malloc(sizeof *out);
	struct zt_dns_txt_records *recs = malloc(sizeof *recs);
	struct zt_dns_txt t[4];
	struct zt_dns_verdict v;
	struct zt_dns_name n;
	char bad[ZT_DNS_TXT_RECORD_MAX + 8];
	unsigned count = txt_of(rs, recs, t);
	/* Offsets in the header and what to put there. */
	static const struct { size_t off; char c; } edits[] = {
		{ 5, 'A' },   /* upper-case hex tag */
		{ 13, '.' },  /* separators */
		{ 16, ':' },
		{ 19, '/' },
		{ 14, 'x' },  /* index digits */
		{ 17, '9' },  /* count 9x > 48 */
		{ 4, '-' },
	};

	name_for(&n, &k1);
	for (size_t e = 0; e < sizeof edits / sizeof edits[0]; e++) {
		strcpy(bad, recs->rec[0]);
		bad[edits[e].off] = edits[e].c;
		t[0].data = (const uint8_t *)bad;
		t[0].len = strlen(bad);
		ck_assert_int_ne(zt_dns_rootset_from_txt(&n, t, count, NULL, out, &v), ZT_OK);
	}
	/* A first piece that is not full length would move every cut point: refused. */
	strcpy(bad, recs->rec[0]);
	bad[strlen(bad) - 4] = '\0';
	t[0].data = (const uint8_t *)bad;
	t[0].len = strlen(bad);
	ck_assert_int_eq(zt_dns_rootset_from_txt(&n, t, count, NULL, out, &v), ZT_EMALFORMED);
	ck_assert_uint_eq(v.malformed, 1);
	ck_assert_uint_eq(v.incomplete, 1);
	free(rs);
	free(out);
	free(recs);
}
END_TEST

START_TEST(txt_choice_between_sets)
{
	struct zt_rootset *old = make_set(2, TS, &k1), *new = make_set(3, TS + 10, &k1);
	struct zt_rootset *forged = make_set(2, TS + 20, &k2), *out = malloc(sizeof *out);
	struct zt_dns_txt_records *r1 = malloc(sizeof *r1), *r2 = malloc(sizeof *r2), *r3 = malloc(sizeof *r3);
	struct zt_dns_txt t[3 * ZT_DNS_TXT_MAX_PIECES];
	struct zt_rootset_state st;
	struct zt_dns_verdict v;
	struct zt_dns_name n;
	unsigned c1, c2, c3;

	name_for(&n, &k1);
	c1 = txt_of(old, r1, t);
	c2 = txt_of(new, r2, t + c1);
	c3 = txt_of(forged, r3, t + c1 + c2);
	/* During a change-over both sets are published: the newer one wins, whatever the order. */
	shuffle(t, c1 + c2);
	ck_assert_int_eq(zt_dns_rootset_from_txt(&n, t, c1 + c2, NULL, out, &v), ZT_OK);
	ck_assert_int_eq(out->timestamp, TS + 10);
	ck_assert_uint_eq(v.sets, 2);
	/* A forged newer set next to them changes nothing, but is counted. */
	shuffle(t, c1 + c2 + c3);
	ck_assert_int_eq(zt_dns_rootset_from_txt(&n, t, c1 + c2 + c3, NULL, out, &v), ZT_OK);
	ck_assert_int_eq(out->timestamp, TS + 10);
	ck_assert_uint_eq(v.forged, 1);
	/* Holding the new one: fetching it again is "unchanged"; the old one alone is a rollback. */
	zt_rootset_state_of(&st, new);
	ck_assert_int_eq(zt_dns_rootset_from_txt(&n, t, c1 + c2 + c3, &st, out, &v), ZT_OK);
	ck_assert(v.unchanged);
	ck_assert_uint_eq(v.stale, 1);
	c1 = txt_of(old, r1, t);
	ck_assert_int_eq(zt_dns_rootset_from_txt(&n, t, c1, &st, out, &v), ZT_ESTALE);
	ck_assert_uint_eq(v.stale, 1);
	/* Only a forged set: refused as such. */
	c3 = txt_of(forged, r3, t);
	ck_assert_int_eq(zt_dns_rootset_from_txt(&n, t, c3, NULL, out, &v), ZT_EAUTH);
	ck_assert_uint_eq(v.forged, 1);
	/* The same records under the other key's name are fine: the name decides who may sign. */
	name_for(&n, &k2);
	ck_assert_int_eq(zt_dns_rootset_from_txt(&n, t, c3, NULL, out, &v), ZT_OK);
	free(old);
	free(new);
	free(forged);
	free(out);
	free(r1);
	free(r2);
	free(r3);
}
END_TEST

/* ------------------------------------------------------------------ DNS answers */

struct msg {
	uint8_t b[4096];
	struct zt_wbuf w;
};

static void put_name(struct zt_wbuf *w, const char *name)
{
	while (*name) {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);

		zt_wbuf_u8(w, (uint8_t)l);
		zt_wbuf_put(w, name, l);
		name += l + (dot ? 1 : 0);
	}
	zt_wbuf_u8(w, 0);
}

static void msg_start(struct msg *m, uint16_t rcode, uint16_t an)
{
	m->w = zt_wbuf_init(m->b, sizeof m->b);
	zt_wbuf_u16(&m->w, 0x1234);
	zt_wbuf_u16(&m->w, 0x8180 | rcode);
	zt_wbuf_u16(&m->w, 1);
	zt_wbuf_u16(&m->w, an);
	zt_wbuf_u16(&m->w, 0);
	zt_wbuf_u16(&m->w, 0);
	put_name(&m->w, "x.example.org");
	zt_wbuf_u16(&m->w, 16);
	zt_wbuf_u16(&m->w, 1);
}

/* An answer record: the owner as a pointer to the question (offset 12). */
static void msg_rr(struct msg *m, uint16_t type, uint32_t ttl, const char *const *strings, size_t n)
{
	size_t rdlen = 0;

	for (size_t i = 0; i < n; i++)
		rdlen += 1 + strlen(strings[i]);
	zt_wbuf_u16(&m->w, 0xc00c);
	zt_wbuf_u16(&m->w, type);
	zt_wbuf_u16(&m->w, 1);
	zt_wbuf_u32(&m->w, ttl);
	zt_wbuf_u16(&m->w, (uint16_t)rdlen);
	for (size_t i = 0; i < n; i++) {
		zt_wbuf_u8(&m->w, (uint8_t)strlen(strings[i]));
		zt_wbuf_put(&m->w, strings[i], strlen(strings[i]));
	}
}

START_TEST(dns_answer_txt_and_ttl)
{
	struct msg m;
	struct zt_dns_txt recs[8];
	uint8_t buf[4096];
	size_t n;
	uint32_t ttl;
	static const char *const one[] = { "hello" }, *const two[] = { "ztr1:ab", "cd" }, *const a[] = { "abcd" };

	msg_start(&m, 0, 4);
	msg_rr(&m, 16, 600, one, 1);
	msg_rr(&m, 1, 5, a, 1);        /* an A record: ignored, its TTL too */
	msg_rr(&m, 16, 300, two, 2);   /* two strings: one record */
	msg_rr(&m, 5, 0x80000001u, one, 1); /* a CNAME whose TTL has the top bit: counts as 0 */
	ck_assert(!m.w.err);
	ck_assert_int_eq(zt_dns_msg_txt(m.b, m.w.len, recs, 8, &n, buf, sizeof buf, &ttl), ZT_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(recs[0].len, 5);
	ck_assert_mem_eq(recs[0].data, "hello", 5);
	ck_assert_uint_eq(recs[1].len, 9);
	ck_assert_mem_eq(recs[1].data, "ztr1:abcd", 9);
	ck_assert_uint_eq(ttl, 0);
	/* Without the CNAME, the smallest TXT TTL. */
	msg_start(&m, 0, 2);
	msg_rr(&m, 16, 600, one, 1);
	msg_rr(&m, 16, 300, two, 2);
	ck_assert_int_eq(zt_dns_msg_txt(m.b, m.w.len, recs, 8, &n, buf, sizeof buf, &ttl), ZT_OK);
	ck_assert_uint_eq(ttl, 300);
	ck_assert_int_eq(zt_dns_msg_txt(m.b, m.w.len, recs, 1, &n, buf, sizeof buf, &ttl), ZT_ETOOBIG);
	ck_assert_int_eq(zt_dns_msg_txt(m.b, m.w.len, recs, 8, &n, buf, 6, &ttl), ZT_ENOSPACE);
	for (size_t len = 0; len < m.w.len; len++)
		ck_assert_int_ne(zt_dns_msg_txt(m.b, len, recs, 8, &n, buf, sizeof buf, &ttl), ZT_OK);
	/* Error codes. */
	msg_start(&m, 3, 0);
	ck_assert_int_eq(zt_dns_msg_txt(m.b, m.w.len, recs, 8, &n, buf, sizeof buf, &ttl), ZT_ENOTFOUND);
	msg_start(&m, 2, 0);
	ck_assert_int_eq(zt_dns_msg_txt(m.b, m.w.len, recs, 8, &n, buf, sizeof buf, &ttl), ZT_EDNS);
	/* A string running past its record. */
	msg_start(&m, 0, 1);
	zt_wbuf_u16(&m.w, 0xc00c);
	zt_wbuf_u16(&m.w, 16);
	zt_wbuf_u16(&m.w, 1);
	zt_wbuf_u32(&m.w, 60);
	zt_wbuf_u16(&m.w, 3);
	zt_wbuf_put(&m.w, "\x05" "ab", 3);
	ck_assert_int_eq(zt_dns_msg_txt(m.b, m.w.len, recs, 8, &n, buf, sizeof buf, &ttl), ZT_EMALFORMED);
}
END_TEST

START_TEST(refresh_schedule)
{
	ck_assert_int_eq(zt_dns_refresh_delay_ms(ZT_OK, 0, 0), ZT_DNS_REFRESH_MIN_MS);
	ck_assert_int_eq(zt_dns_refresh_delay_ms(ZT_OK, 300, 0), 300000);
	ck_assert_int_eq(zt_dns_refresh_delay_ms(ZT_OK, 7 * 86400, 0), ZT_DNS_REFRESH_MAX_MS);
	ck_assert_int_eq(zt_dns_refresh_delay_ms(ZT_EDNS, 300, 1), ZT_DNS_RETRY_MIN_MS);
	ck_assert_int_eq(zt_dns_refresh_delay_ms(ZT_EAUTH, 300, 2), 2 * ZT_DNS_RETRY_MIN_MS);
	ck_assert_int_eq(zt_dns_refresh_delay_ms(ZT_EDNS, 300, 1000), ZT_DNS_RETRY_MAX_MS);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dns_rootset");
	TCase *tc = tcase_create("name");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, crc24_check_value);
	tcase_add_test(tc, name_round_trip);
	tcase_add_test(tc, name_typos_are_detected);
	tcase_add_test(tc, name_rejects);
	suite_add_tcase(s, tc);
	tc = tcase_create("rootset");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, rootset_round_trip_and_layout);
	tcase_add_test(tc, rootset_tampering_is_detected);
	tcase_add_test(tc, rootset_rules);
	tcase_add_test(tc, acceptance_rule);
	suite_add_tcase(s, tc);
	tc = tcase_create("txt");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, txt_record_format);
	tcase_add_test(tc, txt_shuffled_and_split_sets_reassemble);
	tcase_add_test(tc, txt_missing_duplicated_foreign);
	tcase_add_test(tc, txt_piece_syntax_is_strict);
	tcase_add_test(tc, txt_choice_between_sets);
	tcase_add_test(tc, dns_answer_txt_and_ttl);
	tcase_add_test(tc, refresh_schedule);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
