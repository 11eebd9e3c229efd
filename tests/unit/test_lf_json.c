/* SPDX-License-Identifier: Apache-2.0 */
/*
 * LF JSON (tests/vectors/lf/json/, lf.md §2.12-§2.13, §3.4): every Record object rebuilds to its
 * binary record and hash and verifies; our Record JSON is byte-identical to the reference's; Blobs,
 * u64 handling, pulses in base64, the status and owner documents.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lf/base62.h"
#include "lf/lfjson.h"
#include "lf/owner.h"
#include "lf/pulse.h"
#include "lf/record.h"
#include "vec.h"

static char *slurp(const char *rel, size_t *len)
{
	FILE *f = fopen(vec_path(rel), "rb");
	ck_assert_msg(f != NULL, "cannot open %s", rel);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *p = malloc((size_t)n + 1);
	ck_assert(p && fread(p, 1, (size_t)n, f) == (size_t)n);
	p[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return p;
}

static json_t *load(const char *rel)
{
	size_t n;
	json_error_t e;
	char *text = slurp(rel, &n);
	json_t *j = zt_lf_json_loads(text, n, &e);
	ck_assert_msg(j != NULL, "%s: %s", rel, e.text);
	free(text);
	return j;
}

/* Rebuilds a Record object, checks hash (if given), size (if > 0) and signature, and re-emits it. */
static void rebuild(const json_t *rec, const char *hash_text, size_t size, struct zt_lf_record *r,
		    struct zt_lf_record_hashes *h)
{
	char ht[ZT_LF_HASH_TEXT_MAX];
	ck_assert_int_eq(zt_lf_record_from_json(r, rec), ZT_OK);
	ck_assert_int_eq(zt_lf_record_hashes(r, h), ZT_OK);
	ck_assert_int_eq(zt_lf_hash_text(ht, h->hash), ZT_OK);
	if (hash_text)
		ck_assert_str_eq(ht, hash_text);
	if (size)
		ck_assert_uint_eq(zt_lf_record_size(r), size);
	ck_assert_int_eq(zt_lf_record_check(r, NULL), ZT_OK);
	ck_assert_int_eq(zt_lf_record_verify_signature(r, h), ZT_OK);

	/* Our JSON for it is the same document. */
	struct zt_lf_str s = { 0 };
	json_error_t e;
	ck_assert_int_eq(zt_lf_record_json(&s, r), ZT_OK);
	json_t *again = zt_lf_json_loads(s.p, s.len, &e);
	ck_assert_msg(again != NULL, "%s", e.text);
	ck_assert_msg(json_equal(again, rec), "re-emitted record differs: %s", s.p);
	json_decref(again);
	zt_lf_str_free(&s);
}

static const char *const record_files[][2] = {
	{ "lf/json/record_hello.json", "lf/record_hello.txt" },
	{ "lf/json/record_testnet_locator.json", "lf/record_testnet_locator.txt" },
	{ "lf/json/record_testnet_impostor.json", "lf/record_testnet_impostor.txt" },
};

START_TEST(record_documents)
{
	struct vec_file v;
	struct zt_lf_record r;
	struct zt_lf_record_hashes h;
	uint8_t raw[1024], buf[1024];
	size_t n;
	vec_load(&v, record_files[_i][1]);
	char *text = slurp(record_files[_i][0], &n);
	json_t *j = load(record_files[_i][0]);
	rebuild(j, vec_get(&v, "record.hash.str"), 0, &r, &h);

	size_t rn = vec_hex(vec_get(&v, "record.raw"), raw, sizeof raw);
	struct zt_wbuf w = zt_wbuf_init(buf, sizeof buf);
	ck_assert_int_eq(zt_lf_record_serialize(&r, &w), ZT_OK);
	ck_assert_uint_eq(w.len, rn);
	ck_assert_mem_eq(buf, raw, rn);

	/* Byte for byte what the reference served, including the u64 PulseToken. */
	struct zt_lf_str s = { 0 };
	ck_assert_int_eq(zt_lf_record_json(&s, &r), ZT_OK);
	ck_assert_str_eq(s.p, text);
	zt_lf_str_free(&s);

	/* The same from the parsed wire bytes. */
	struct zt_lf_record wire;
	size_t consumed;
	ck_assert_int_eq(zt_lf_record_parse(&wire, raw, rn, &consumed), ZT_OK);
	ck_assert_int_eq(zt_lf_record_json(&s, &wire), ZT_OK);
	ck_assert_str_eq(s.p, text);
	zt_lf_str_free(&s);
	zt_lf_record_clear(&wire);
	zt_lf_record_clear(&r);
	json_decref(j);
	free(text);
	vec_free(&v);
}
END_TEST

static const char *const query_files[] = {
	"lf/json/query_name_range_one_owner.json", "lf/json/query_name_range_two_owners.json",
	"lf/json/query_owner_filter.json",         "lf/json/query_keyrange.json",
	"lf/json/query_multi_set.json",            "lf/json/query_oracles.json",
};

START_TEST(query_results)
{
	static const char name[] = "com.example.ztroot.locator";
	json_t *j = load(query_files[_i]), *set, *entry;
	size_t si, ei;
	int entries = 0;
	ck_assert(json_is_array(j));
	json_array_foreach(j, si, set) {
		uint8_t first_key[32];
		json_array_foreach(set, ei, entry) {
			struct zt_lf_record r;
			struct zt_lf_record_hashes h;
			struct zt_lf_record_keys k;
			uint64_t size = 0, ordinal = 0;
			ck_assert_int_eq(zt_lf_json_u64(zt_lf_json_get(entry, "Size"), &size), ZT_OK);
			rebuild(zt_lf_json_get(entry, "Record"), json_string_value(zt_lf_json_get(entry, "Hash")),
				(size_t)size, &r, &h);
			ck_assert_int_eq(zt_lf_record_keys(&r, &h, &k), ZT_OK);
			/* A client checks that every entry of a set has the same selector keys. */
			if (ei == 0)
				memcpy(first_key, k.key[0], 32);
			ck_assert_mem_eq(k.key[0], first_key, 32);
			ck_assert_int_eq(zt_lf_selector_check_name(&r.selectors[0], h.b, name, strlen(name), &ordinal),
					 ZT_OK);
			ck_assert(ordinal == 7 || ordinal == 42);
			uint8_t want_key[32];
			ck_assert_int_eq(zt_lf_selector_key(want_key, name, strlen(name), ordinal), ZT_OK);
			ck_assert_mem_eq(k.key[0], want_key, 32);

			/* Value is present exactly when the name opens the value; it is the plaintext. */
			uint8_t *plain = NULL;
			size_t plen = 0;
			zt_err err = zt_lf_record_value(&r, name, strlen(name), &plain, &plen);
			json_t *value = zt_lf_json_get(entry, "Value");
			if (value) {
				uint8_t *want;
				size_t wlen;
				ck_assert_int_eq(err, ZT_OK);
				ck_assert_int_eq(zt_lf_json_blob_decode(value, 1024, &want, &wlen), ZT_OK);
				ck_assert_uint_eq(plen, wlen);
				ck_assert_mem_eq(plain, want, wlen);
				free(want);
			} else {
				ck_assert_int_eq(err, ZT_EAUTH);
			}
			free(plain);
			/* Pulse is at least the record's timestamp; weights are four u32 words. */
			uint64_t pulse;
			ck_assert_int_eq(zt_lf_json_u64(zt_lf_json_get(entry, "Pulse"), &pulse), ZT_OK);
			ck_assert_uint_ge(pulse, r.timestamp);
			ck_assert_uint_eq(json_array_size(zt_lf_json_get(entry, "Weight")), 4);
			zt_lf_record_clear(&r);
			entries++;
		}
	}
	ck_assert_int_gt(entries, 0);
	json_decref(j);
}
END_TEST

START_TEST(empty_query_is_null)
{
	json_t *j = load("lf/json/query_empty_result.json");
	ck_assert(json_is_null(j));
	json_decref(j);
}
END_TEST

START_TEST(make_results)
{
	struct zt_lf_owner o;
	uint8_t mk[32];
	ck_assert_int_eq(zt_lf_owner_from_passphrase(&o, mk, "spec passphrase", 15), ZT_OK);
	static const char *files[] = { "lf/json/makerecord_new.json", "lf/json/makerecord_unchanged.json" };
	uint64_t tokens[2];
	for (int i = 0; i < 2; i++) {
		json_t *j = load(files[i]);
		struct zt_lf_record r;
		struct zt_lf_record_hashes h;
		uint8_t *plain;
		size_t plen;
		uint64_t ordinal;
		rebuild(zt_lf_json_get(j, "Record"), NULL, 0, &r, &h);
		ck_assert_uint_eq(r.owner_len, o.pub_len);
		ck_assert_mem_eq(r.owner, o.pub, o.pub_len);
		ck_assert_int_eq(zt_lf_record_value(&r, mk, sizeof mk, &plain, &plen), ZT_OK);
		ck_assert_uint_gt(plen, 0);
		free(plain);
		ck_assert_int_eq(zt_lf_selector_check_name(&r.selectors[0], h.b, "com.example.ztroot.locator", 26, &ordinal),
				 ZT_OK);
		ck_assert_uint_eq(ordinal, 7);
		ck_assert(json_is_boolean(zt_lf_json_get(j, "Accepted")));
		tokens[i] = r.pulse_token;
		zt_lf_record_clear(&r);
		json_decref(j);
	}
	/* The pulsed answer's pulse (base64) belongs to one of those records' chains. */
	json_t *j = load("lf/json/makerecord_pulsed.json");
	uint8_t pulse[11];
	const char *b64 = json_string_value(zt_lf_json_get(j, "Pulse"));
	ck_assert_int_eq(zt_lf_pulse_base64_parse(pulse, b64, strlen(b64)), ZT_OK);
	ck_assert(zt_lf_pulse_check(pulse, tokens[0]) || zt_lf_pulse_check(pulse, tokens[1]));
	json_decref(j);
	/* /makepulse answered with the impostor record's 10-minute pulse. */
	struct vec_file v;
	vec_load(&v, "lf/record_testnet_impostor.txt");
	j = load("lf/json/makepulse.json");
	b64 = json_string_value(zt_lf_json_get(j, "Pulse"));
	ck_assert_str_eq(b64, vec_get(&v, "pulse.json_base64.str"));
	ck_assert_int_eq(zt_lf_pulse_base64_parse(pulse, b64, strlen(b64)), ZT_OK);
	ck_assert(zt_lf_pulse_check(pulse, strtoull(vec_get(&v, "record.pulse_token.dec"), NULL, 10)));
	json_decref(j);
	vec_free(&v);
	zt_lf_owner_wipe(&o);
}
END_TEST

START_TEST(status_and_owner_documents)
{
	struct vec_file v;
	static uint8_t gen[1024];
	vec_load(&v, "lf/testnet_dump.txt");
	size_t gn = vec_hex(vec_get(&v, "genesis_records"), gen, sizeof gen);
	json_t *st = load("lf/json/status.json");

	/* GenesisRecords is a Blob of the concatenated genesis records, in the "\b"+Base62 form. */
	json_t *gr = zt_lf_json_get(st, "GenesisRecords");
	uint8_t *blob;
	size_t blen;
	ck_assert_int_eq(zt_lf_json_blob_decode(gr, 65536, &blob, &blen), ZT_OK);
	ck_assert_uint_eq(blen, gn);
	ck_assert_mem_eq(blob, gen, gn);
	struct zt_lf_str s = { 0 };
	zt_lf_json_blob(&s, gen, gn);
	char want[2048];
	snprintf(want, sizeof want, "\"%s\"", vec_get(&v, "genesis_records.json_blob.str"));
	ck_assert_str_eq(s.p, want);
	zt_lf_str_free(&s);
	free(blob);

	/* The first genesis record's value is the GenesisParameters object; its ID is the network ID. */
	struct zt_lf_record r;
	size_t consumed;
	uint8_t *plain;
	size_t plen;
	json_error_t e;
	ck_assert_int_eq(zt_lf_record_parse(&r, gen, gn, &consumed), ZT_OK);
	ck_assert_int_eq(zt_lf_record_value(&r, NULL, 0, &plain, &plen), ZT_OK);
	json_t *params = zt_lf_json_loads((const char *)plain, plen, &e);
	ck_assert_ptr_nonnull(params);
	ck_assert(json_equal(params, zt_lf_json_get(st, "GenesisParameters")));
	uint8_t id[32], netid[32];
	size_t idlen;
	uint8_t *idp;
	ck_assert_int_eq(zt_lf_json_blob_decode(zt_lf_json_get(params, "ID"), 32, &idp, &idlen), ZT_OK);
	ck_assert_uint_eq(idlen, 32);
	memcpy(id, idp, 32);
	free(idp);
	vec_hex(vec_get(&v, "network.id"), netid, 32);
	ck_assert_mem_eq(id, netid, 32);
	json_decref(params);
	free(plain);
	zt_lf_record_clear(&r);
	json_decref(st);

	/* /owner: the owner text is the locator record's owner; the links are records of the dump. */
	json_t *os = load("lf/json/owner_status.json");
	uint8_t owner[32], h[32];
	size_t olen;
	const char *ot = json_string_value(zt_lf_json_get(os, "Owner"));
	ck_assert_int_eq(zt_lf_owner_text_parse(owner, sizeof owner, &olen, ot, strlen(ot)), ZT_OK);
	ck_assert_int_eq(zt_lf_owner_type_of(olen), ZT_LF_OWNER_P224);
	ck_assert_str_eq(json_string_value(zt_lf_json_get(os, "OwnerType")), zt_lf_owner_type_name(ZT_LF_OWNER_P224));
	json_t *links = zt_lf_json_get(os, "NewRecordLinks"), *l;
	size_t i;
	json_array_foreach(links, i, l) {
		const char *t = json_string_value(l);
		ck_assert_int_eq(zt_lf_hash_text_parse(h, t, strlen(t)), ZT_OK);
		char key[32];
		uint8_t want_h[32];
		bool found = false;
		for (int k = 0; k < 4; k++) {
			snprintf(key, sizeof key, "record%d.hash", k);
			vec_hex(vec_get(&v, key), want_h, 32);
			found |= !memcmp(h, want_h, 32);
		}
		ck_assert(found);
	}
	json_decref(os);
	vec_free(&v);
}
END_TEST

START_TEST(error_documents)
{
	/* The truncated-post error carries our parse reason. */
	json_t *j = load("lf/json/error_post_truncated.json");
	char msg[128];
	snprintf(msg, sizeof msg, "record deserialization failed: %s", zt_lf_record_parse_reason(ZT_ETRUNCATED, 10));
	ck_assert_str_eq(json_string_value(zt_lf_json_get(j, "Message")), msg);
	uint64_t code;
	ck_assert_int_eq(zt_lf_json_u64(zt_lf_json_get(j, "code"), &code), ZT_OK); /* case-insensitive */
	ck_assert_uint_eq(code, 400);
	json_decref(j);
	static const char *files[] = { "lf/json/error_404.json", "lf/json/error_405.json",
				       "lf/json/error_makerecord_forbidden.json", "lf/json/error_post_badsig.json",
				       "lf/json/error_query_noselector.json" };
	for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
		j = load(files[k]);
		ck_assert(json_is_integer(zt_lf_json_get(j, "Code")));
		ck_assert(json_is_string(zt_lf_json_get(j, "Message")));
		json_decref(j);
	}
}
END_TEST

START_TEST(u64_prepass)
{
	static const char in[] = "{\"PulseToken\":18446744073709551615,\"a\":[9223372036854775807,9223372036854775808,"
				 "-9223372036854775808,-9223372036854775809,1.5e30,0],\"s\":\"18446744073709551615\\\"\","
				 "\"Range\":[0, 18446744073709551615]}";
	size_t n;
	char *out = zt_lf_json_quote_u64(in, strlen(in), &n);
	ck_assert_str_eq(out, "{\"PulseToken\":\"18446744073709551615\",\"a\":[9223372036854775807,\"9223372036854775808\","
			      "-9223372036854775808,\"-9223372036854775809\",1.5e30,0],\"s\":\"18446744073709551615\\\"\","
			      "\"Range\":[0, \"18446744073709551615\"]}");
	ck_assert_uint_eq(n, strlen(out));
	free(out);

	json_error_t e;
	json_t *j = zt_lf_json_loads(in, strlen(in), &e);
	ck_assert_ptr_nonnull(j);
	uint64_t x;
	ck_assert_int_eq(zt_lf_json_u64(zt_lf_json_get(j, "pulsetoken"), &x), ZT_OK);
	ck_assert_uint_eq(x, UINT64_MAX);
	json_t *a = zt_lf_json_get(j, "a");
	ck_assert_int_eq(zt_lf_json_u64(json_array_get(a, 0), &x), ZT_OK);
	ck_assert_uint_eq(x, 9223372036854775807ull);
	ck_assert_int_eq(zt_lf_json_u64(json_array_get(a, 1), &x), ZT_OK);
	ck_assert_uint_eq(x, 9223372036854775808ull);
	ck_assert_int_eq(zt_lf_json_u64(json_array_get(a, 2), &x), ZT_EMALFORMED);
	ck_assert_int_eq(zt_lf_json_u64(json_array_get(a, 3), &x), ZT_EMALFORMED);
	ck_assert_int_eq(zt_lf_json_u64(json_array_get(a, 4), &x), ZT_EMALFORMED);
	json_decref(j);
	/* 2^64 does not fit. */
	j = json_string("18446744073709551616");
	ck_assert_int_eq(zt_lf_json_u64(j, &x), ZT_EMALFORMED);
	json_decref(j);
	/* Plain jansson refuses the reference's documents: the reason for the pre-pass. */
	size_t len;
	char *text = slurp("lf/json/record_hello.json", &len);
	ck_assert_ptr_null(json_loadb(text, len, 0, &e));
	free(text);
}
END_TEST

static void blob_is(const void *p, size_t n, const char *want)
{
	struct zt_lf_str s = { 0 };
	json_error_t e;
	zt_lf_json_blob(&s, p, n);
	ck_assert_str_eq(s.p, want);
	json_t *j = zt_lf_json_loads(s.p, s.len, &e);
	uint8_t *out;
	size_t olen;
	ck_assert_int_eq(zt_lf_json_blob_decode(j, 1000, &out, &olen), ZT_OK);
	ck_assert_uint_eq(olen, n);
	if (n)
		ck_assert_mem_eq(out, p, n);
	free(out);
	json_decref(j);
	zt_lf_str_free(&s);
}

START_TEST(blobs)
{
	blob_is("locator-bytes-v1", 16, "\"locator-bytes-v1\"");
	blob_is("a<b>&\"c\\\n\r\t\x01\x7f", 13, "\"a\\u003cb\\u003e\\u0026\\\"c\\\\\\n\\r\\t\\u0001\x7f\"");
	blob_is("\xe2\x80\xa8 \xe2\x80\xa9 \xc3\xa9", 10, "\"\\u2028 \\u2029 \xc3\xa9\"");
	blob_is("\x00", 1, "\"\\u0000\"");
	blob_is("\xff\x01", 2, "\"\\bGyv\"");             /* not UTF-8 */
	blob_is("\xed\xa0\x80", 3, "\"\\b13LHM\"");        /* a surrogate is not valid UTF-8 */
	blob_is("", 0, "\"\"");
	ck_assert(!zt_lf_utf8_valid("\xc0\x80", 2));    /* overlong */
	ck_assert(!zt_lf_utf8_valid("\xf4\x90\x80\x80", 4)); /* above U+10FFFF */
	ck_assert(zt_lf_utf8_valid("\xf0\x9f\x98\x80", 4));

	/* Input forms: byte arrays, null, and the documented ambiguity of a leading 0x08. */
	json_error_t e;
	uint8_t *out;
	size_t olen;
	json_t *j = json_loads("[1,2,255]", 0, &e);
	ck_assert_int_eq(zt_lf_json_blob_decode(j, 10, &out, &olen), ZT_OK);
	ck_assert_uint_eq(olen, 3);
	ck_assert_mem_eq(out, "\x01\x02\xff", 3);
	free(out);
	ck_assert_int_eq(zt_lf_json_blob_decode(j, 2, &out, &olen), ZT_ETOOBIG);
	json_decref(j);
	j = json_loads("[1,256]", 0, &e);
	ck_assert_int_eq(zt_lf_json_blob_decode(j, 10, &out, &olen), ZT_EMALFORMED);
	json_decref(j);
	j = json_loads("{}", 0, &e);
	ck_assert_int_eq(zt_lf_json_blob_decode(j, 10, &out, &olen), ZT_EMALFORMED);
	json_decref(j);
	ck_assert_int_eq(zt_lf_json_blob_decode(json_null(), 10, &out, &olen), ZT_OK);
	ck_assert_uint_eq(olen, 0);
	j = json_string("\bHBL");
	ck_assert_int_eq(zt_lf_json_blob_decode(j, 10, &out, &olen), ZT_OK);
	ck_assert_uint_eq(olen, 3);
	ck_assert_mem_eq(out, "\x01\x02\x03", 3);
	free(out);
	json_decref(j);
	/* Base62 blobs are bounded before decoding. */
	j = json_string("\b4gfFC34gfFC34gfFC34gfFC34gfFC3");
	ck_assert_int_eq(zt_lf_json_blob_decode(j, 4, &out, &olen), ZT_ETOOBIG);
	json_decref(j);
}
END_TEST

START_TEST(record_json_rejects)
{
	json_error_t e;
	struct zt_lf_record r;
	static const char *bad[] = {
		"[]",
		"{\"Timestamp\":1}",                                        /* no owner */
		"{\"Owner\":\"@DZ1zWlNe4yjiQKNkLqR\"}",                     /* no timestamp */
		"{\"Owner\":\"@DZ1zWlNe4yjiQKNkLqR\",\"Timestamp\":-1}",
		"{\"Owner\":\"@DZ1zWlNe4yjiQKNkLqR\",\"Timestamp\":1,\"Type\":16}",
		"{\"Owner\":\"@DZ1zWlNe4yjiQKNkLqR\",\"Timestamp\":1,\"WorkAlgorithm\":2}",
		"{\"Owner\":\"@DZ1zWlNe4yjiQKNkLqR\",\"Timestamp\":1,\"WorkAlgorithm\":1}", /* no work */
		"{\"Owner\":\"@DZ1zWlNe4yjiQKNkLqR\",\"Timestamp\":1,\"Work\":\"abc\"}",   /* work without algorithm */
		"{\"Owner\":\"@DZ1zWlNe4yjiQKNkLqR\",\"Timestamp\":1,\"Selectors\":[{\"Ordinal\":\"\\b0\",\"Claim\":\"x\"}]}",
		"{\"Owner\":\"@DZ1zWlNe4yjiQKNkLqR\",\"Timestamp\":1,\"Links\":\"=abc\"}",
		"{\"Owner\":\"@DZ1zWlNe4yjiQKNkLqR\",\"Timestamp\":1,\"ValueHash\":\"\\b12345\"}",
		"{\"Owner\":\"@DZ1zWlNe4yjiQKNkLqR\",\"Timestamp\":1,\"Links\":[\"=1\",\"=2\",\"=3\",\"=4\",\"=5\",\"=6\","
		"\"=7\",\"=8\",\"=9\",\"=10\",\"=11\",\"=12\",\"=13\",\"=14\",\"=15\",\"=16\"]}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_t *j = zt_lf_json_loads(bad[i], strlen(bad[i]), &e);
		ck_assert_msg(j != NULL, "%s", bad[i]);
		ck_assert_msg(zt_lf_record_from_json(&r, j) != ZT_OK, "accepted %s", bad[i]);
		ck_assert_ptr_null(r.owner);
		json_decref(j);
	}
	/* Lower-case field names are accepted, as by Go. */
	static const char ok[] = "{\"owner\":\"@DZ1zWlNe4yjiQKNkLqR\",\"timestamp\":\"18446744073709551615\","
				 "\"links\":[\"=7mkfDMkDv9EonVpqWw5pPB65TpkuZErS9o4oq5CQ3Xq\",[1,2]]}";
	json_t *j = zt_lf_json_loads(ok, strlen(ok), &e);
	ck_assert_int_eq(zt_lf_record_from_json(&r, j), ZT_OK);
	ck_assert_uint_eq(r.timestamp, UINT64_MAX);
	ck_assert_uint_eq(r.owner_len, 14);
	ck_assert_uint_eq(r.link_count, 2);
	ck_assert_uint_eq(r.links[1][0], 1);
	ck_assert_uint_eq(r.links[1][1], 2);
	ck_assert_uint_eq(r.links[1][31], 0); /* short hashes are zero-padded at the end */
	zt_lf_record_clear(&r);
	json_decref(j);
}
END_TEST

/* Regressions found by fuzz_lf_api: both were undefined behaviour or wrong results in lfjson.c. */
START_TEST(fuzz_regressions)
{
	json_error_t e;
	struct zt_lf_record r;
	/* An empty fixed-size field ("=" with nothing after it) decodes to zeros; it once did memcpy from NULL. */
	static const char empty_link[] = "{\"Owner\":\"@DZ1zWlNe4yjiQKNkLqR\",\"Timestamp\":1,\"Links\":[\"=\"]}";
	json_t *j = zt_lf_json_loads(empty_link, strlen(empty_link), &e);
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(zt_lf_record_from_json(&r, j), ZT_OK);
	ck_assert_uint_eq(r.link_count, 1);
	static const uint8_t zero[32];
	ck_assert_mem_eq(r.links[0], zero, 32);
	zt_lf_record_clear(&r);
	json_decref(j);
	/* A Base62 blob with no size bound (max = SIZE_MAX) was rejected as too big: the bound overflowed. */
	json_t *blob = json_string("\b" "Zz9");
	uint8_t *out = NULL;
	size_t n = 0;
	ck_assert_int_eq(zt_lf_json_blob_decode(blob, SIZE_MAX, &out, &n), ZT_OK);
	ck_assert_uint_gt(n, 0);
	free(out);
	json_decref(blob);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lf_json");
	TCase *tc = tcase_create("json");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, record_documents, 0, 3);
	tcase_add_loop_test(tc, query_results, 0, 6);
	tcase_add_test(tc, empty_query_is_null);
	tcase_add_test(tc, fuzz_regressions);
	tcase_add_test(tc, make_results);
	tcase_add_test(tc, status_and_owner_documents);
	tcase_add_test(tc, error_documents);
	tcase_add_test(tc, u64_prepass);
	tcase_add_test(tc, blobs);
	tcase_add_test(tc, record_json_rejects);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
