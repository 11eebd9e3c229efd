/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The record codec against record_hello.txt, record_testnet_locator.txt, record_testnet_impostor.txt
 * and testnet_dump.txt (lf.md §2.2-§2.8, §1.8): parse, serialize, every hash stream and hash, keys,
 * ID, claims, values, signatures. Also building records, and hostile input.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lf/lfcrypto.h"
#include "lf/mask.h"
#include "lf/owner.h"
#include "lf/pulse.h"
#include "lf/record.h"
#include "vec.h"

static const char *const record_files[] = { "lf/record_hello.txt", "lf/record_testnet_locator.txt",
					    "lf/record_testnet_impostor.txt" };
static struct vec_file v;

static void teardown(void)
{
	vec_free(&v);
}

static const char *get(const char *name)
{
	const char *s = vec_get(&v, name);
	ck_assert_msg(s != NULL, "missing %s", name);
	return s;
}

static uint64_t dec(const char *name)
{
	return strtoull(get(name), NULL, 10);
}

static size_t hexv(const char *name, uint8_t *out, size_t cap)
{
	return vec_hex(get(name), out, cap);
}

static uint8_t raw[4096];
static size_t raw_len;

static void parse_raw(struct zt_lf_record *r)
{
	size_t consumed;
	raw_len = hexv("record.raw", raw, sizeof raw);
	ck_assert_uint_eq(raw_len, dec("record.size.dec"));
	ck_assert_int_eq(zt_lf_record_parse(r, raw, raw_len, &consumed), ZT_OK);
	ck_assert_uint_eq(consumed, raw_len);
	ck_assert(!r->noncanonical);
}

START_TEST(fields_and_serialization)
{
	struct zt_lf_record r;
	uint8_t buf[4096], want[512];
	vec_load(&v, record_files[_i]);
	parse_raw(&r);

	ck_assert_uint_eq(zt_lf_record_flags(&r), dec("record.flags.dec"));
	ck_assert_uint_eq(r.type, dec("record.type.dec"));
	size_t n = hexv("record.value_masked", want, sizeof want);
	ck_assert_uint_eq(r.value_len, n);
	ck_assert_mem_eq(r.value, want, n);
	ck_assert_uint_eq(zt_lf_record_value_data_size(&r), dec("record.value_data_size.dec"));
	n = hexv("record.owner", want, sizeof want);
	ck_assert_uint_eq(r.owner_len, n);
	ck_assert_mem_eq(r.owner, want, n);
	char text[64];
	ck_assert_int_eq(zt_lf_owner_text(text, sizeof text, r.owner, r.owner_len), ZT_OK);
	ck_assert_str_eq(text, get("record.owner.str"));
	ck_assert_str_eq(zt_lf_owner_type_name(zt_lf_owner_type_of(r.owner_len)), get("record.owner_type.str"));
	ck_assert_uint_eq(r.link_count, dec("record.link_count.dec"));
	for (unsigned i = 0; i < r.link_count; i++) {
		char key[32], ht[ZT_LF_HASH_TEXT_MAX];
		uint8_t back[32];
		snprintf(key, sizeof key, "record.link%u", i);
		hexv(key, want, 32);
		ck_assert_mem_eq(r.links[i], want, 32);
		snprintf(key, sizeof key, "record.link%u.str", i);
		ck_assert_int_eq(zt_lf_hash_text(ht, r.links[i]), ZT_OK);
		ck_assert_str_eq(ht, get(key));
		ck_assert_int_eq(zt_lf_hash_text_parse(back, ht, strlen(ht)), ZT_OK);
		ck_assert_mem_eq(back, want, 32);
	}
	ck_assert_uint_eq(r.timestamp, dec("record.timestamp.dec"));
	ck_assert_uint_eq(r.pulse_token, dec("record.pulse_token.dec"));
	ck_assert_uint_eq(r.selector_count, dec("record.selector_count.dec"));
	ck_assert_uint_eq(r.work_algorithm, dec("record.work_algorithm.dec"));
	n = hexv("record.work", want, sizeof want);
	ck_assert_uint_eq(n, r.work_algorithm ? ZT_LF_WORK_SIZE : 0);
	ck_assert_mem_eq(r.work, want, n);
	n = hexv("record.signature", want, sizeof want);
	ck_assert_uint_eq(r.signature_len, n);
	ck_assert_mem_eq(r.signature, want, n);

	/* Serializing the parsed record gives the wire bytes back. */
	struct zt_wbuf w = zt_wbuf_init(buf, sizeof buf);
	ck_assert_int_eq(zt_lf_record_serialize(&r, &w), ZT_OK);
	ck_assert_uint_eq(w.len, raw_len);
	ck_assert_mem_eq(buf, raw, raw_len);
	ck_assert_uint_eq(zt_lf_record_size(&r), raw_len);

	/* The normal body is the start of the record. */
	n = hexv("record.body", want, sizeof want);
	ck_assert_uint_eq(zt_lf_record_body_size(&r), n);
	ck_assert_mem_eq(raw, want, n);

	/* Deep copies are independent and equal. */
	struct zt_lf_record copy = { 0 };
	ck_assert_int_eq(zt_lf_record_copy(&copy, &r), ZT_OK);
	w = zt_wbuf_init(buf, sizeof buf);
	ck_assert_int_eq(zt_lf_record_serialize(&copy, &w), ZT_OK);
	ck_assert_mem_eq(buf, raw, raw_len);
	zt_lf_record_clear(&copy);
	zt_lf_record_clear(&r);
}
END_TEST

START_TEST(hashes_and_id)
{
	struct zt_lf_record r;
	struct zt_lf_record_hashes h;
	struct zt_lf_record_keys k;
	uint8_t buf[4096], want[4096];
	char ht[ZT_LF_HASH_TEXT_MAX];
	vec_load(&v, record_files[_i]);
	parse_raw(&r);

	struct zt_wbuf w = zt_wbuf_init(buf, sizeof buf);
	ck_assert_int_eq(zt_lf_record_hash_stream(&r, false, &w), ZT_OK);
	size_t n = hexv("record.body_hash_input", want, sizeof want);
	ck_assert_uint_eq(w.len, n);
	ck_assert_mem_eq(buf, want, n);
	w = zt_wbuf_init(buf, sizeof buf);
	ck_assert_int_eq(zt_lf_record_hash_stream(&r, true, &w), ZT_OK);
	n = hexv("record.hash_input", want, sizeof want);
	ck_assert_uint_eq(w.len, n);
	ck_assert_mem_eq(buf, want, n);

	ck_assert_int_eq(zt_lf_record_hashes(&r, &h), ZT_OK);
	hexv("record.b", want, 48);
	ck_assert_mem_eq(h.b, want, 48);
	hexv("record.w", want, 48);
	ck_assert_mem_eq(h.w, want, 48);
	hexv("record.s", want, 48);
	ck_assert_mem_eq(h.s, want, 48);
	hexv("record.hash", want, 32);
	ck_assert_mem_eq(h.hash, want, 32);
	ck_assert_uint_eq(h.billable, dec("record.billable_bytes.dec"));
	ck_assert_int_eq(zt_lf_hash_text(ht, h.hash), ZT_OK);
	ck_assert_str_eq(ht, get("record.hash.str"));

	ck_assert_int_eq(zt_lf_record_keys(&r, &h, &k), ZT_OK);
	ck_assert_uint_eq(k.count, r.selector_count);
	hexv("record.id", want, 32);
	ck_assert_mem_eq(k.id, want, 32);

	for (unsigned i = 0; i < r.selector_count; i++) {
		char key[64];
		uint8_t ch[32];
		const struct zt_lf_selector *s = &r.selectors[i];
#define SEL(field) (snprintf(key, sizeof key, "selector%u." field, i), key)
		n = hexv(SEL("bytes"), want, sizeof want);
		ck_assert_uint_eq(n, ZT_LF_SELECTOR_SIZE);
		ck_assert_uint_eq(want[0], (unsigned)(s->claim[40] << 4));
		hexv(SEL("ordinal"), want, 16);
		ck_assert_mem_eq(s->ordinal, want, 16);
		hexv(SEL("claim_r"), want, 20);
		ck_assert_mem_eq(s->claim, want, 20);
		hexv(SEL("claim_s"), want, 20);
		ck_assert_mem_eq(s->claim + 20, want, 20);
		ck_assert_uint_eq(s->claim[40], dec(SEL("recovery_id.dec")));
		hexv(SEL("claim_hash"), want, 32);
		zt_lf_claim_hash(ch, h.b, s->ordinal);
		ck_assert_mem_eq(ch, want, 32);
		hexv(SEL("claim_pub"), want, 21);
		ck_assert_mem_eq(k.pub[i], want, 21);
		hexv(SEL("key"), want, 32);
		ck_assert_mem_eq(k.key[i], want, 32);

		/* The name check recovers the name's key and the plain ordinal; another name fails. */
		const char *name = get(SEL("name.str"));
		uint64_t value = 0;
		ck_assert_int_eq(zt_lf_selector_check_name(s, h.b, name, strlen(name), &value), ZT_OK);
		ck_assert_uint_eq(value, dec(SEL("ordinal_value.dec")));
		ck_assert_int_eq(zt_lf_selector_check_name(s, h.b, "horse", 5, NULL), ZT_EAUTH);
		/* The client's key for (name, ordinal) is the node's key for the claim. */
		uint8_t ck[32];
		ck_assert_int_eq(zt_lf_selector_key(ck, name, strlen(name), value), ZT_OK);
		ck_assert_mem_eq(ck, k.key[i], 32);
#undef SEL
	}
	zt_lf_record_clear(&r);
}
END_TEST

START_TEST(signature_and_value)
{
	struct zt_lf_record r;
	struct zt_lf_record_hashes h;
	uint8_t want[256], mk[64], *out;
	size_t outlen;
	vec_load(&v, record_files[_i]);
	parse_raw(&r);
	ck_assert_int_eq(zt_lf_record_hashes(&r, &h), ZT_OK);
	const char *why = NULL;
	ck_assert_int_eq(zt_lf_record_check(&r, &why), ZT_OK);
	ck_assert_str_eq(why, "");
	ck_assert_int_eq(zt_lf_record_verify_signature(&r, &h), ZT_OK);

	/* The value, with the masking key the record was made with. */
	size_t mklen;
	if (vec_get(&v, "value.masking_key.str")) {
		mklen = strlen(get("value.masking_key.str"));
		memcpy(mk, get("value.masking_key.str"), mklen);
	} else {
		mklen = hexv("value.masking_key", mk, sizeof mk);
	}
	size_t n = hexv("value.plain", want, sizeof want);
	ck_assert_int_eq(zt_lf_record_value(&r, mk, mklen, &out, &outlen), ZT_OK);
	ck_assert_uint_eq(outlen, n);
	ck_assert_mem_eq(out, want, n);
	ck_assert_mem_eq(out, get("value.plain.str"), n);
	free(out);
	int c = -1;
	ck_assert_int_eq(zt_lf_value_unmask(&out, &outlen, r.value, r.value_len, r.timestamp, mk, mklen, r.owner,
					    r.owner_len, &c),
			 ZT_OK);
	ck_assert_int_eq(c, (int)dec("value.compression.dec"));
	free(out);
	/* The impostor's value does not open with the selector name, as observed on the node. */
	if (_i == 2) {
		const char *name = get("selector0.name.str");
		ck_assert_int_eq(zt_lf_record_value(&r, name, strlen(name), &out, &outlen), ZT_EAUTH);
	}

	/* Any change to the signed content breaks the signature. */
	r.timestamp++;
	ck_assert_int_eq(zt_lf_record_hashes(&r, &h), ZT_OK);
	ck_assert_int_eq(zt_lf_record_verify_signature(&r, &h), ZT_EAUTH);
	r.timestamp--;
	r.selectors[0].ordinal[15] ^= 1;
	ck_assert_int_eq(zt_lf_record_hashes(&r, &h), ZT_OK);
	ck_assert_int_eq(zt_lf_record_verify_signature(&r, &h), ZT_EAUTH);
	r.selectors[0].ordinal[15] ^= 1;
	r.signature[3] ^= 0x40;
	ck_assert_int_eq(zt_lf_record_hashes(&r, &h), ZT_OK);
	ck_assert_int_eq(zt_lf_record_verify_signature(&r, &h), ZT_EAUTH);
	zt_lf_record_clear(&r);
}
END_TEST

START_TEST(testnet_dump_stream)
{
	static uint8_t dump[2048];
	vec_load(&v, "lf/testnet_dump.txt");
	size_t n = hexv("dump", dump, sizeof dump), off = 0;
	ck_assert_uint_eq(n, dec("dump.size.dec"));
	int i;
	for (i = 0; off < n; i++) {
		struct zt_lf_record r;
		struct zt_lf_record_hashes h;
		struct zt_lf_record_keys k;
		size_t consumed;
		char key[64];
		uint8_t want[32], buf[1024];
		ck_assert_int_eq(zt_lf_record_parse(&r, dump + off, n - off, &consumed), ZT_OK);
		snprintf(key, sizeof key, "record%d.offset.dec", i);
		ck_assert_uint_eq(off, dec(key));
		snprintf(key, sizeof key, "record%d.size.dec", i);
		ck_assert_uint_eq(consumed, dec(key));
		snprintf(key, sizeof key, "record%d.type.dec", i);
		ck_assert_uint_eq(r.type, dec(key));
		ck_assert_int_eq(zt_lf_record_hashes(&r, &h), ZT_OK);
		snprintf(key, sizeof key, "record%d.hash", i);
		hexv(key, want, 32);
		ck_assert_mem_eq(h.hash, want, 32);
		ck_assert_int_eq(zt_lf_record_verify_signature(&r, &h), ZT_OK);
		ck_assert_int_eq(zt_lf_record_keys(&r, &h, &k), ZT_OK);
		if (r.selector_count == 0)
			ck_assert_mem_eq(k.id, h.hash, 32);
		struct zt_wbuf w = zt_wbuf_init(buf, sizeof buf);
		ck_assert_int_eq(zt_lf_record_serialize(&r, &w), ZT_OK);
		ck_assert_uint_eq(w.len, consumed);
		ck_assert_mem_eq(buf, dump + off, consumed);

		if (i < 2) { /* the genesis records */
			snprintf(key, sizeof key, "genesis%d.b", i);
			uint8_t h48[48];
			hexv(key, h48, 48);
			ck_assert_mem_eq(h.b, h48, 48);
			snprintf(key, sizeof key, "genesis%d.w", i);
			hexv(key, h48, 48);
			ck_assert_mem_eq(h.w, h48, 48);
			snprintf(key, sizeof key, "genesis%d.s", i);
			hexv(key, h48, 48);
			ck_assert_mem_eq(h.s, h48, 48);
			snprintf(key, sizeof key, "genesis%d.billable_bytes.dec", i);
			ck_assert_uint_eq(h.billable, dec(key));
			snprintf(key, sizeof key, "genesis%d.work", i);
			ck_assert_uint_eq(hexv(key, h48, 48), ZT_LF_WORK_SIZE);
			ck_assert_mem_eq(r.work, h48, ZT_LF_WORK_SIZE);
		}
		if (i == 0) {
			/* Genesis parameters: no masking key, Brotli-compressed JSON. */
			static uint8_t comp[1024], plain[1024];
			uint8_t *out, owner[24];
			size_t outlen;
			int c;
			hexv("genesis0.owner", owner, sizeof owner);
			ck_assert_mem_eq(r.owner, owner, 24);
			ck_assert_uint_eq(r.timestamp, dec("genesis0.timestamp.dec"));
			ck_assert_uint_eq(r.link_count, 0);
			size_t cn = hexv("genesis0.value_compressed", comp, sizeof comp);
			size_t pn = hexv("genesis0.value_plain", plain, sizeof plain);
			ck_assert_int_eq(zt_lf_value_unmask(&out, &outlen, r.value, r.value_len, r.timestamp, NULL, 0,
							    r.owner, r.owner_len, &c),
					 ZT_OK);
			ck_assert_int_eq(c, ZT_LF_VALUE_BROTLI);
			ck_assert_uint_eq(outlen, pn);
			ck_assert_mem_eq(out, plain, pn);
			ck_assert_mem_eq(out, get("genesis0.value_plain.str"), pn);
			free(out);
			ck_assert_uint_eq(r.value_len, cn + 2);
		}
		if (i == 1) {
			ck_assert_uint_eq(r.value_len, 0);
			ck_assert_uint_eq(r.link_count, 1);
		}
		off += consumed;
		if (off == dec("genesis_records.size.dec")) {
			static uint8_t gen[1024];
			size_t gn = hexv("genesis_records", gen, sizeof gen);
			ck_assert_uint_eq(gn, off);
			ck_assert_mem_eq(gen, dump, gn);
		}
		zt_lf_record_clear(&r);
	}
	ck_assert_int_eq(i, 4);
	ck_assert_uint_eq(off, n);
}
END_TEST

START_TEST(parse_rejects_hostile_input)
{
	struct zt_lf_record r;
	size_t consumed;
	static uint8_t buf[70000];
	vec_load(&v, "lf/record_testnet_locator.txt");
	size_t n = hexv("record.raw", raw, sizeof raw);

	/* Every truncation is "unexpected EOF" (or "EOF" when empty); nothing leaks. */
	for (size_t k = 0; k < n; k++) {
		ck_assert_int_eq(zt_lf_record_parse(&r, raw, k, &consumed), ZT_ETRUNCATED);
		ck_assert_uint_eq(consumed, 0);
		ck_assert_ptr_null(r.value);
		ck_assert_ptr_null(r.owner);
	}
	ck_assert_str_eq(zt_lf_record_parse_reason(ZT_ETRUNCATED, 0), "EOF");
	ck_assert_str_eq(zt_lf_record_parse_reason(ZT_ETRUNCATED, 10), "unexpected EOF");

	/* Trailing bytes are not part of the record. */
	memcpy(buf, raw, n);
	memset(buf + n, 0xee, 10);
	ck_assert_int_eq(zt_lf_record_parse(&r, buf, n + 10, &consumed), ZT_OK);
	ck_assert_uint_eq(consumed, n);
	zt_lf_record_clear(&r);

	/* ValueIsHash on the wire. */
	memcpy(buf, raw, n);
	buf[0] |= 0x04;
	ck_assert_int_eq(zt_lf_record_parse(&r, buf, n, &consumed), ZT_EUNSUPPORTED);
	ck_assert_str_eq(zt_lf_record_parse_reason(ZT_EUNSUPPORTED, n), "unsupported algorithm or type");

	/* Offsets in this record: flags 0, value length 1, value 2..19, owner length 20, owner 21..34,
	 * links 35..98, timestamp 99..103, pulse 104..111, selector/algorithm byte 112, selector 113. */
	ck_assert_uint_eq(raw[112], 0x11);
	memcpy(buf, raw, n);
	buf[112] = 0x21; /* work algorithm 2 */
	ck_assert_int_eq(zt_lf_record_parse(&r, buf, n, &consumed), ZT_EUNSUPPORTED);
	memcpy(buf, raw, n);
	buf[113] |= 0x01; /* selector type 1 */
	ck_assert_int_eq(zt_lf_record_parse(&r, buf, n, &consumed), ZT_EMALFORMED);
	ck_assert_str_eq(zt_lf_record_parse_reason(ZT_EMALFORMED, n), "invalid object");

	/* A length above 65536 ("record invalid"), even with the bytes present. */
	memset(buf, 0, sizeof buf);
	buf[0] = 0x01;
	buf[1] = 0x81; /* 65537 = 0x10001 */
	buf[2] = 0x80;
	buf[3] = 0x04;
	ck_assert_int_eq(zt_lf_record_parse(&r, buf, sizeof buf, &consumed), ZT_ETOOBIG);
	ck_assert_str_eq(zt_lf_record_parse_reason(ZT_ETOOBIG, sizeof buf), "record invalid");
	/* A varint overflow. */
	memset(buf, 0xff, 10);
	buf[10] = 0x01;
	ck_assert_int_eq(zt_lf_record_parse(&r, buf, 11, &consumed), ZT_EMALFORMED);
}
END_TEST

START_TEST(noncanonical_input)
{
	struct zt_lf_record r, canon;
	size_t consumed;
	uint8_t buf[4096], out[4096];
	vec_load(&v, "lf/record_testnet_locator.txt");
	size_t n = hexv("record.raw", raw, sizeof raw);

	/* 1: non-minimal timestamp varint (5 bytes at 99..103 become 6). */
	memcpy(buf, raw, 103);
	buf[103] = (uint8_t)(raw[103] | 0x80);
	buf[104] = 0x00;
	memcpy(buf + 105, raw + 104, n - 104);
	/* 2: a reserved flag bit (bit 12) makes the flags two bytes. */
	uint8_t buf2[4096];
	buf2[0] = (uint8_t)(raw[0] | 0x80);
	buf2[1] = 0x20;
	memcpy(buf2 + 2, raw + 1, n - 1);
	const struct { const uint8_t *p; size_t n; } cases[] = { { buf, n + 1 }, { buf2, n + 1 } };

	ck_assert_int_eq(zt_lf_record_parse(&canon, raw, n, &consumed), ZT_OK);
	for (size_t c = 0; c < 2; c++) {
		ck_assert_int_eq(zt_lf_record_parse(&r, cases[c].p, cases[c].n, &consumed), ZT_OK);
		ck_assert_uint_eq(consumed, cases[c].n);
		ck_assert(r.noncanonical);
		/* Re-serialization is canonical: the original bytes, and so the same hash and signature. */
		struct zt_wbuf w = zt_wbuf_init(out, sizeof out);
		ck_assert_int_eq(zt_lf_record_serialize(&r, &w), ZT_OK);
		ck_assert_uint_eq(w.len, n);
		ck_assert_mem_eq(out, raw, n);
		struct zt_lf_record_hashes h;
		ck_assert_int_eq(zt_lf_record_hashes(&r, &h), ZT_OK);
		ck_assert_int_eq(zt_lf_record_verify_signature(&r, &h), ZT_OK);
		zt_lf_record_clear(&r);
	}

	/* 3: HasValue with length 0 reads as no value; 4: HasPulseToken with token 0 as no token. */
	uint8_t small[] = { 0x03, 0x00, 0x01, 0xaa, 0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x01, 0x77 };
	ck_assert_int_eq(zt_lf_record_parse(&r, small, sizeof small, &consumed), ZT_OK);
	ck_assert_uint_eq(consumed, sizeof small);
	ck_assert(r.noncanonical);
	ck_assert_uint_eq(r.value_len, 0);
	ck_assert_uint_eq(r.pulse_token, 0);
	ck_assert_uint_eq(zt_lf_record_flags(&r), 0);
	ck_assert_uint_eq(zt_lf_record_size(&r), sizeof small - 1 - 8);
	zt_lf_record_clear(&r);
	zt_lf_record_clear(&canon);
}
END_TEST

START_TEST(structure_checks)
{
	struct zt_lf_record r;
	const char *why;
	vec_load(&v, "lf/record_hello.txt");
	parse_raw(&r);
	ck_assert_int_eq(zt_lf_record_check(&r, &why), ZT_OK);
	uint8_t l0[32], l1[32];
	memcpy(l0, r.links[0], 32);
	memcpy(l1, r.links[1], 32);
	memcpy(r.links[0], l1, 32);
	memcpy(r.links[1], l0, 32);
	ck_assert_int_eq(zt_lf_record_check(&r, &why), ZT_EINVALID);
	ck_assert_str_eq(why, "links must be sorted and unique");
	memcpy(r.links[0], l0, 32);
	ck_assert_int_eq(zt_lf_record_check(&r, &why), ZT_EINVALID); /* a duplicate */
	memcpy(r.links[1], l1, 32);
	ck_assert_int_eq(zt_lf_record_check(&r, &why), ZT_OK);

	/* Canonical size above 65536. */
	static uint8_t big[65536];
	ck_assert_int_eq(zt_lf_record_set_value(&r, big, sizeof big), ZT_OK);
	ck_assert_int_eq(zt_lf_record_check(&r, &why), ZT_ETOOBIG);
	ck_assert_str_eq(why, "record too large");
	ck_assert_int_eq(zt_lf_record_set_value(&r, NULL, 0), ZT_OK);
	ck_assert_int_eq(zt_lf_record_check(&r, &why), ZT_OK);

	/* Unrepresentable fields are refused by the serializer and the check. */
	uint8_t out[1024];
	struct zt_wbuf w = zt_wbuf_init(out, sizeof out);
	r.selectors[0].claim[40] = 16;
	ck_assert_int_eq(zt_lf_record_serialize(&r, &w), ZT_EINVALID);
	ck_assert_int_eq(zt_lf_record_check(&r, &why), ZT_EINVALID);
	r.selectors[0].claim[40] = 0;
	r.type = 16;
	ck_assert_int_eq(zt_lf_record_check(&r, &why), ZT_EINVALID);
	r.type = 0;
	ck_assert_int_eq(zt_lf_record_set_owner(&r, NULL, 0), ZT_OK);
	ck_assert_int_eq(zt_lf_record_check(&r, &why), ZT_EINVALID);
	ck_assert_str_eq(why, "owner is empty");
	zt_lf_record_clear(&r);
}
END_TEST

/* A claim that recovers no key: the record ID cannot be computed and the record must be refused. */
START_TEST(unrecoverable_claim)
{
	struct zt_lf_record r;
	struct zt_lf_record_hashes h;
	struct zt_lf_record_keys k;
	vec_load(&v, "lf/record_hello.txt");
	parse_raw(&r);
	ck_assert_int_eq(zt_lf_record_hashes(&r, &h), ZT_OK);
	memset(r.selectors[1].claim, 0xff, 20); /* r >= n */
	ck_assert_int_eq(zt_lf_record_keys(&r, &h, &k), ZT_EINVALID);
	memset(r.selectors[1].claim, 0, 20); /* r = 0 */
	ck_assert_int_eq(zt_lf_record_keys(&r, &h, &k), ZT_EINVALID);
	zt_lf_record_clear(&r);
}
END_TEST

static void build_and_verify(enum zt_lf_owner_type t, bool with_value, unsigned nsel)
{
	struct zt_lf_owner o;
	struct zt_lf_record r, back;
	struct zt_lf_record_hashes h, h2;
	struct zt_lf_record_keys k;
	uint8_t links[3][32], buf[4096], *out;
	size_t outlen, consumed;
	static const char plain[] = "a value that is long enough to try compression, compression, compression";
	ck_assert_int_eq(zt_lf_owner_generate(&o, t), ZT_OK);
	memset(links[0], 0x22, 32);
	memset(links[1], 0x11, 32);
	memset(links[2], 0x22, 32); /* a duplicate */
	struct zt_lf_selector_spec sel[3] = {
		{ "com.zerotier.locator:v1", 23, 0x1122334455ull },
		{ "com.zerotier.locator:v1/op/x", 28, 0 },
		{ "\x00\xff binary name", 15, UINT64_MAX },
	};
	struct zt_lf_record_params p = {
		.owner = &o,
		.value = with_value ? plain : NULL,
		.value_len = with_value ? sizeof plain - 1 : 0,
		.selectors = sel,
		.selector_count = nsel,
		.links = (const uint8_t(*)[32])links,
		.link_count = 3,
		.timestamp = 1700000000,
		.pulse = true,
	};
	ck_assert_int_eq(zt_lf_record_make(&r, &p), ZT_OK);
	ck_assert_int_eq(zt_lf_record_sign(&r, &o), ZT_OK);
	ck_assert_uint_eq(r.link_count, 2);
	ck_assert_int_eq(zt_lf_record_check(&r, NULL), ZT_OK);

	struct zt_wbuf w = zt_wbuf_init(buf, sizeof buf);
	ck_assert_int_eq(zt_lf_record_serialize(&r, &w), ZT_OK);
	ck_assert_int_eq(zt_lf_record_parse(&back, buf, w.len, &consumed), ZT_OK);
	ck_assert_uint_eq(consumed, w.len);
	ck_assert_int_eq(zt_lf_record_hashes(&back, &h), ZT_OK);
	ck_assert_int_eq(zt_lf_record_hashes(&r, &h2), ZT_OK);
	ck_assert_mem_eq(h.hash, h2.hash, 32);
	ck_assert_int_eq(zt_lf_record_verify_signature(&back, &h), ZT_OK);
	ck_assert_int_eq(zt_lf_record_keys(&back, &h, &k), ZT_OK);
	for (unsigned i = 0; i < nsel; i++) {
		uint8_t key[32];
		uint64_t value;
		ck_assert_int_eq(zt_lf_selector_key(key, sel[i].name, sel[i].name_len, sel[i].ordinal), ZT_OK);
		ck_assert_mem_eq(key, k.key[i], 32);
		ck_assert_int_eq(zt_lf_selector_check_name(&back.selectors[i], h.b, sel[i].name, sel[i].name_len, &value),
				 ZT_OK);
		ck_assert_uint_eq(value, sel[i].ordinal);
	}
	/* The default masking key is the first selector's name, or none. */
	const void *mk = nsel ? sel[0].name : NULL;
	size_t mklen = nsel ? sel[0].name_len : 0;
	ck_assert_int_eq(zt_lf_record_value(&back, mk, mklen, &out, &outlen), ZT_OK);
	ck_assert_uint_eq(outlen, p.value_len);
	if (outlen)
		ck_assert_mem_eq(out, plain, outlen);
	free(out);
	/* The pulse token is the end of the owner's chain for these selectors. */
	uint64_t seed;
	uint8_t pulse[11];
	ck_assert_int_eq(zt_lf_record_pulse_seed(&seed, &o, sel, nsel, p.timestamp), ZT_OK);
	ck_assert_uint_eq(back.pulse_token, zt_lf_pulse_token(seed));
	zt_lf_pulse_make(pulse, seed, 5);
	ck_assert(zt_lf_pulse_check(pulse, back.pulse_token));

	/* Signing with another owner is refused. */
	struct zt_lf_owner other;
	ck_assert_int_eq(zt_lf_owner_generate(&other, t), ZT_OK);
	ck_assert_int_eq(zt_lf_record_sign(&r, &other), ZT_EINVALID);
	zt_lf_record_clear(&back);
	zt_lf_record_clear(&r);
	zt_lf_owner_wipe(&o);
}

START_TEST(build_records)
{
	for (int t = ZT_LF_OWNER_P224; t <= ZT_LF_OWNER_ED25519; t++) {
		build_and_verify((enum zt_lf_owner_type)t, true, 1);
		build_and_verify((enum zt_lf_owner_type)t, false, 0);
	}
	build_and_verify(ZT_LF_OWNER_P384, true, 3);
	build_and_verify(ZT_LF_OWNER_ED25519, true, 2);
}
END_TEST

START_TEST(build_with_explicit_masking_key)
{
	struct zt_lf_owner o;
	struct zt_lf_record r;
	uint8_t mk[32], *out;
	size_t outlen;
	ck_assert_int_eq(zt_lf_owner_from_passphrase(&o, mk, "spec passphrase", 15), ZT_OK);
	struct zt_lf_selector_spec sel = { "com.example.ztroot.locator", 26, 7 };
	struct zt_lf_record_params p = { .owner = &o, .value = "v2", .value_len = 2, .masking_key = mk,
					 .masking_key_len = 32, .masking_key_set = true, .selectors = &sel,
					 .selector_count = 1, .timestamp = 42, .type = ZT_LF_TYPE_COMMENTARY };
	ck_assert_int_eq(zt_lf_record_make(&r, &p), ZT_OK);
	ck_assert_uint_eq(r.pulse_token, 0);
	ck_assert_uint_eq(r.type, ZT_LF_TYPE_COMMENTARY);
	ck_assert_int_eq(zt_lf_record_value(&r, mk, 32, &out, &outlen), ZT_OK);
	ck_assert_uint_eq(outlen, 2);
	ck_assert_mem_eq(out, "v2", 2);
	free(out);
	ck_assert_int_eq(zt_lf_record_value(&r, sel.name, sel.name_len, &out, &outlen), ZT_EAUTH);
	/* An unsigned record does not verify. */
	struct zt_lf_record_hashes h;
	ck_assert_int_eq(zt_lf_record_hashes(&r, &h), ZT_OK);
	ck_assert_int_eq(zt_lf_record_verify_signature(&r, &h), ZT_EAUTH);
	ck_assert_int_eq(zt_lf_record_sign(&r, &o), ZT_OK);
	ck_assert_int_eq(zt_lf_record_hashes(&r, &h), ZT_OK);
	ck_assert_int_eq(zt_lf_record_verify_signature(&r, &h), ZT_OK);
	zt_lf_record_clear(&r);
	/* Bad parameters. */
	p.type = 16;
	ck_assert_int_eq(zt_lf_record_make(&r, &p), ZT_EINVALID);
	p.type = 0;
	p.selector_count = 16;
	ck_assert_int_eq(zt_lf_record_make(&r, &p), ZT_EINVALID);
	zt_lf_owner_wipe(&o);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lf_record");
	TCase *tc = tcase_create("record");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, fields_and_serialization, 0, 3);
	tcase_add_loop_test(tc, hashes_and_id, 0, 3);
	tcase_add_loop_test(tc, signature_and_value, 0, 3);
	tcase_add_test(tc, testnet_dump_stream);
	tcase_add_test(tc, parse_rejects_hostile_input);
	tcase_add_test(tc, noncanonical_input);
	tcase_add_test(tc, structure_checks);
	tcase_add_test(tc, unrecoverable_claim);
	tcase_add_test(tc, build_records);
	tcase_add_test(tc, build_with_explicit_masking_key);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
