/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The LF client: its JSON layer against every response body of the reference node in
 * tests/vectors/lf/json (parsed, checked, and written back byte for byte), and the client end to
 * end over real HTTP on loopback. A libmicrohttpd server inside the test serves those bodies for
 * the matching requests and checks what the client sends; other servers fail in the ways a real
 * LF node fails (500 then 200, never answering, refusing connections, answering garbage).
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#include "lf/client.h"
#include "lf/lfapi_json.h"
#include "lf/lfjson.h"
#include "lf/record.h"
#include "vec.h"

#define LOCATOR_NAME "com.example.ztroot.locator"
#define LOCATOR_OWNER "@DZ1zWlNe4yjiQKNkLqR"
#define LOCATOR_HASH "=13AdKDbwp3q7E7ntarDl3P2J71xBM3YutnkwgIMTCPg"
#define UNKNOWN_HASH "=13AdKDbwp3q7E7ntarDl3P2J71xBM3YutnkwgIMTCPh"
#define SERVER_TIME "1795605293"

/* ---------------------------------------------------------------- helpers */

static char *slurp(const char *relpath, size_t *len)
{
	FILE *f = fopen(vec_path(relpath), "rb");
	ck_assert_msg(f != NULL, "cannot open %s", relpath);
	char *buf = NULL;
	size_t cap = 0, n = 0, k;
	do {
		if (n + 4096 + 1 > cap) {
			cap = cap ? 2 * cap : 8192;
			buf = realloc(buf, cap);
			ck_assert(buf != NULL);
		}
		k = fread(buf + n, 1, cap - n - 1, f);
		n += k;
	} while (k > 0);
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static json_t *load_vec_json(const char *name, char **text, size_t *len)
{
	char path[128];
	snprintf(path, sizeof path, "lf/json/%s", name);
	*text = slurp(path, len);
	json_error_t jerr;
	json_t *doc = zt_lf_json_loads(*text, *len, &jerr);
	ck_assert_msg(doc != NULL, "%s: %s", name, jerr.text);
	return doc;
}

/* Compares a writer's output with the reference node's bytes, and frees both. */
static void assert_same_bytes(const char *what, struct zt_lf_str *s, char *expect, size_t elen)
{
	ck_assert_msg(!s->err, "%s: writer failed", what);
	ck_assert_msg(s->len == elen && !memcmp(s->p, expect, elen), "%s differs:\n got %s\nwant %s", what, s->p,
		      expect);
	zt_lf_str_free(s);
	free(expect);
}

static void hash_of(const char *text, uint8_t out[32])
{
	ck_assert_int_eq(zt_lf_hash_text_parse(out, text, strlen(text)), ZT_OK);
}

static size_t record_raw(const char *file, uint8_t *out, size_t cap)
{
	struct vec_file f;
	vec_load(&f, file);
	size_t n = vec_hex(vec_get(&f, "record.raw"), out, cap);
	vec_free(&f);
	return n;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---------------------------------------------------------------- big integers */

START_TEST(big_integers_exact)
{
	char *text;
	size_t len;
	json_error_t jerr;

	/* Jansson alone refuses PulseToken 10871736522694621303, and reads it lossily as a real. */
	text = slurp("lf/json/record_hello.json", &len);
	ck_assert_ptr_null(json_loadb(text, len, 0, &jerr));
	ck_assert_msg(strstr(jerr.text, "too big") != NULL, "jansson said: %s", jerr.text);
	json_t *lossy = json_loadb(text, len, JSON_DECODE_INT_AS_REAL, &jerr);
	ck_assert(lossy != NULL);
	ck_assert((uint64_t)json_real_value(json_object_get(lossy, "PulseToken")) != 10871736522694621303ULL);
	json_decref(lossy);

	/* Our path keeps it exact, and the record rebuilt from the JSON hashes to the vector's hash. */
	json_t *doc = zt_lf_json_loads(text, len, &jerr);
	ck_assert(doc != NULL);
	uint64_t token;
	ck_assert_int_eq(zt_lf_json_u64(zt_lf_json_get(doc, "PulseToken"), &token), ZT_OK);
	ck_assert(token == 10871736522694621303ULL);
	struct zt_lf_record r;
	uint8_t hash[32], want[32];
	char why[ZT_LF_WHY_MAX];
	ck_assert_int_eq(zt_lfapi_record_parse(doc, &r, hash, why, sizeof why), ZT_OK);
	ck_assert(r.pulse_token == 10871736522694621303ULL);
	hash_of("=MuppJs7py4S4xYB3RKxFkBrNNECRrBq9iX1XnW7fllx", want);
	ck_assert_mem_eq(hash, want, 32);
	zt_lf_record_clear(&r);
	json_decref(doc);
	free(text);

	/* The limits themselves: 2^63-1 stays an integer, 2^63 and 2^64-1 become exact strings, 2^64 is refused. */
	const char *edge = "{\"a\":9223372036854775807,\"b\":9223372036854775808,\"c\":18446744073709551615,"
			   "\"d\":18446744073709551616,\"e\":\"9223372036854775808 in a string\",\"f\":-1,\"g\":1.5e300}";
	doc = zt_lf_json_loads(edge, strlen(edge), &jerr);
	ck_assert_msg(doc != NULL, "%s", jerr.text);
	uint64_t v;
	ck_assert(json_is_integer(json_object_get(doc, "a")));
	ck_assert_int_eq(zt_lf_json_u64(json_object_get(doc, "a"), &v), ZT_OK);
	ck_assert(v == 9223372036854775807ULL);
	ck_assert_int_eq(zt_lf_json_u64(json_object_get(doc, "b"), &v), ZT_OK);
	ck_assert(v == 9223372036854775808ULL);
	ck_assert_int_eq(zt_lf_json_u64(json_object_get(doc, "c"), &v), ZT_OK);
	ck_assert(v == UINT64_MAX);
	ck_assert_int_ne(zt_lf_json_u64(json_object_get(doc, "d"), &v), ZT_OK);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "e")), "9223372036854775808 in a string");
	ck_assert_int_ne(zt_lf_json_u64(json_object_get(doc, "f"), &v), ZT_OK);
	ck_assert(json_is_real(json_object_get(doc, "g")));
	json_decref(doc);
}
END_TEST

/* ---------------------------------------------------------------- the vectors through the JSON layer */

START_TEST(vector_status)
{
	char *text, why[ZT_LF_WHY_MAX];
	size_t len;
	json_t *doc = load_vec_json("status.json", &text, &len);
	struct zt_lf_status st;
	ck_assert_int_eq(zt_lfapi_status_parse(doc, &st, why, sizeof why), ZT_OK);
	ck_assert_str_eq(st.software, "ZeroTier LF Reference");
	ck_assert_uint_eq(st.version[0], 1);
	ck_assert_uint_eq(st.version[1], 1);
	ck_assert_int_eq(st.api_version, 1);
	ck_assert(st.clock == 1795605293ULL);
	ck_assert(st.record_count == 6 && st.data_size == 1643 && st.uptime == 10);
	ck_assert(st.fully_synchronized);
	ck_assert_uint_eq(st.genesis.id[0], 123);
	ck_assert_uint_eq(st.genesis.id[31], 72);
	ck_assert_str_eq(st.genesis.name, "LFResearchTest");
	ck_assert_str_eq(st.genesis.contact, "test@example.invalid");
	ck_assert_uint_eq(st.genesis.namendable_fields, 1);
	ck_assert_str_eq(st.genesis.amendable_fields[0], "authcertificates");
	ck_assert(!st.genesis.auth_required);
	ck_assert(st.genesis.record_min_links == 2 && st.genesis.record_max_value_size == 1024 &&
		  st.genesis.record_max_time_drift == 60);
	ck_assert_int_eq(st.p2p_port, 19908);
	ck_assert(!st.local_test_mode && !st.has_oracle);
	ck_assert_uint_eq(st.identity_len, 49);

	/* GenesisRecords is the 559-byte genesis prefix of the node's dump. */
	struct vec_file dump;
	uint8_t genesis[1024];
	vec_load(&dump, "lf/testnet_dump.txt");
	size_t glen = vec_hex(vec_get(&dump, "genesis_records"), genesis, sizeof genesis);
	vec_free(&dump);
	ck_assert_uint_eq(st.genesis_records_len, glen);
	ck_assert_mem_eq(st.genesis_records, genesis, glen);

	struct zt_lf_str s = { 0 };
	ck_assert_int_eq(zt_lfapi_status_write(&s, &st), ZT_OK);
	assert_same_bytes("status.json", &s, text, len);
	zt_lf_status_free(&st);
	json_decref(doc);

	/* Shape errors name the field. */
	doc = json_pack("{s:i,s:s}", "APIVersion", 1, "Clock", "soon");
	ck_assert_int_eq(zt_lfapi_status_parse(doc, &st, why, sizeof why), ZT_EMALFORMED);
	ck_assert_msg(strstr(why, "Clock") != NULL, "%s", why);
	json_decref(doc);
}
END_TEST

START_TEST(vector_owner_status)
{
	char *text, why[ZT_LF_WHY_MAX];
	size_t len;
	json_t *doc = load_vec_json("owner_status.json", &text, &len);
	struct zt_lf_owner_status os;
	struct zt_lf_owner_id want;
	uint8_t h[32];
	ck_assert_int_eq(zt_lfapi_owner_status_parse(doc, &os, why, sizeof why), ZT_OK);
	ck_assert_int_eq(zt_lf_owner_id_parse(&want, LOCATOR_OWNER), ZT_OK);
	ck_assert_uint_eq(os.owner.len, 14);
	ck_assert_mem_eq(os.owner.pub, want.pub, 14);
	ck_assert_int_eq(os.type, ZT_LF_OWNER_P224);
	ck_assert(!os.has_current_certificate && !os.auth_required);
	ck_assert(os.record_count == 1 && os.record_bytes == 241);
	ck_assert_uint_eq(os.nlinks, 2);
	hash_of(LOCATOR_HASH, h);
	ck_assert_mem_eq(os.links[1], h, 32);
	ck_assert(os.server_time == 1795605293ULL);
	struct zt_lf_str s = { 0 };
	ck_assert_int_eq(zt_lfapi_owner_status_write(&s, &os), ZT_OK);
	assert_same_bytes("owner_status.json", &s, text, len);
	zt_lf_owner_status_free(&os);
	json_decref(doc);
}
END_TEST

static const struct {
	const char *file;
	size_t nsets;
	size_t entries[2];
	uint32_t weight0; /* weight of the first entry of the last set */
} query_vectors[] = {
	{ "query_name_range_one_owner.json", 1, { 1 }, 510939 },
	{ "query_name_range_two_owners.json", 1, { 2 }, 1045302 },
	{ "query_owner_filter.json", 1, { 1 }, 1985498 },
	{ "query_keyrange.json", 1, { 1 }, 1985498 },
	{ "query_multi_set.json", 2, { 1, 2 }, 1985498 },
	{ "query_oracles.json", 1, { 2 }, 1985498 },
	{ "query_empty_result.json", 0, { 0 }, 0 },
};

START_TEST(vector_queries)
{
	char *text, why[ZT_LF_WHY_MAX];
	size_t len;
	json_t *doc = load_vec_json(query_vectors[_i].file, &text, &len);
	struct zt_lf_query_result qr;
	ck_assert_msg(zt_lfapi_query_result_parse(doc, &qr, why, sizeof why) == ZT_OK, "%s: %s",
		      query_vectors[_i].file, why);
	ck_assert_uint_eq(qr.nsets, query_vectors[_i].nsets);

	/* Written back unsorted, it is the node's body byte for byte ("null" for no result). */
	struct zt_lf_str s = { 0 };
	ck_assert_int_eq(zt_lfapi_query_result_write(&s, &qr), ZT_OK);
	assert_same_bytes(query_vectors[_i].file, &s, text, len);

	for (size_t i = 0; i < qr.nsets; i++) {
		ck_assert_uint_eq(qr.sets[i].n, query_vectors[_i].entries[i]);
		ck_assert(zt_lf_query_set_consistent(&qr.sets[i]));
		for (size_t j = 0; j < qr.sets[i].n; j++) {
			const struct zt_lf_query_entry *e = &qr.sets[i].entries[j];
			/* Every entry rebuilds to its Hash and its owner signature verifies. */
			ck_assert_int_eq(zt_lf_query_entry_verify(e), ZT_OK);
			ck_assert(e->size == zt_lf_record_size(&e->record));
			if (e->has_value) {
				/* The node's Value is what we unmask ourselves with the name. */
				uint8_t *v;
				size_t vlen;
				ck_assert_int_eq(zt_lf_query_entry_value(e, LOCATOR_NAME, strlen(LOCATOR_NAME), &v, &vlen),
						 ZT_OK);
				ck_assert_uint_eq(vlen, e->value_len);
				ck_assert_mem_eq(v, e->value, vlen);
				free(v);
			}
		}
	}
	if (qr.nsets) {
		const struct zt_lf_query_set *last = &qr.sets[qr.nsets - 1];
		ck_assert_uint_eq(last->entries[0].weight[3], query_vectors[_i].weight0);
		ck_assert(last->entries[0].trust == 1.0);
		ck_assert(last->entries[0].has_value);
		ck_assert_uint_eq(last->entries[0].value_len, 16);
		ck_assert_mem_eq(last->entries[0].value, "locator-bytes-v1", 16);
		ck_assert(last->entries[0].record.pulse_token == 5645396230034938592ULL);
	}
	if (qr.nsets && qr.sets[qr.nsets - 1].n == 2) {
		/* The impostor's PulseToken is above 2^63-1. */
		const struct zt_lf_query_entry *imp = &qr.sets[qr.nsets - 1].entries[1];
		ck_assert(imp->record.pulse_token == 11612153850623362869ULL);
		ck_assert(!imp->has_value);
		ck_assert_uint_eq(imp->weight[3], 534363);
	}
	zt_lf_query_result_free(&qr);
	json_decref(doc);
}
END_TEST

START_TEST(query_sort_trust_then_weight)
{
	char *text;
	size_t len;
	json_t *doc = load_vec_json("query_oracles.json", &text, &len);
	struct zt_lf_query_result qr;
	ck_assert_int_eq(zt_lfapi_query_result_parse(doc, &qr, NULL, 0), ZT_OK);
	struct zt_lf_query_entry *e = qr.sets[0].entries;

	/* The node's order is by owner bytes; put the lower trust first and sort it back. */
	struct zt_lf_query_entry t = e[0];
	e[0] = e[1];
	e[1] = t;
	ck_assert(e[0].trust == 0.5);
	zt_lf_query_result_sort(&qr);
	ck_assert(e[0].trust == 1.0 && e[1].trust == 0.5);

	/* Equal trust (within 1e-10): the heavier weight first, by the high words before the low ones. */
	e[0].trust = 0.5 + 1e-12;
	e[0].weight[2] = 0;
	e[0].weight[3] = 0xffffffff;
	e[1].weight[2] = 1;
	e[1].weight[3] = 0;
	zt_lf_query_result_sort(&qr);
	ck_assert_uint_eq(e[0].weight[2], 1);
	ck_assert(zt_lf_weight_cmp(e[0].weight, e[1].weight) > 0);

	/* Entries of another ordinal in the same set (the reference's set-merge bug) are detected. */
	ck_assert(zt_lf_query_set_consistent(&qr.sets[0]));
	e[1].record.selectors[0].ordinal[15] ^= 1;
	ck_assert(!zt_lf_query_set_consistent(&qr.sets[0]));
	/* And a tampered record no longer verifies against its hash. */
	ck_assert_int_eq(zt_lf_query_entry_verify(&e[1]), ZT_EAUTH);

	zt_lf_query_result_free(&qr);
	json_decref(doc);
	free(text);
}
END_TEST

static const char *const record_vectors[][2] = {
	{ "record_hello.json", "=MuppJs7py4S4xYB3RKxFkBrNNECRrBq9iX1XnW7fllx" },
	{ "record_testnet_locator.json", LOCATOR_HASH },
	{ "record_testnet_impostor.json", "=o7p7ToSmujoGOVHviLGDkBJNFMbNZbS0U0ijTeIiU6L" },
};

START_TEST(vector_records)
{
	char *text, why[ZT_LF_WHY_MAX];
	size_t len;
	json_t *doc = load_vec_json(record_vectors[_i][0], &text, &len);
	struct zt_lf_record r;
	uint8_t hash[32], want[32];
	ck_assert_int_eq(zt_lfapi_record_parse(doc, &r, hash, why, sizeof why), ZT_OK);
	hash_of(record_vectors[_i][1], want);
	ck_assert_mem_eq(hash, want, 32);
	struct zt_lf_str s = { 0 };
	ck_assert_int_eq(zt_lf_record_json(&s, &r), ZT_OK);
	assert_same_bytes(record_vectors[_i][0], &s, text, len);
	zt_lf_record_clear(&r);
	json_decref(doc);
}
END_TEST

START_TEST(vector_make_results)
{
	static const char *const files[] = { "makerecord_new.json", "makerecord_unchanged.json",
					     "makerecord_pulsed.json", "makepulse.json" };
	static const uint8_t makepulse[11] = { 0xc4, 0x23, 0x3c, 0x12, 0xfe, 0x87, 0x8b, 0xec, 0x00, 0x00, 0x0a };
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char *text, why[ZT_LF_WHY_MAX];
		size_t len;
		json_t *doc = load_vec_json(files[i], &text, &len);
		struct zt_lf_make_result mr;
		ck_assert_msg(zt_lfapi_make_result_parse(doc, &mr, why, sizeof why) == ZT_OK, "%s: %s", files[i], why);
		ck_assert(mr.accepted == (i != 1));
		ck_assert(mr.has_record == (i < 2));
		ck_assert(mr.has_pulse == (i >= 2));
		if (mr.has_record) {
			struct zt_lf_record_hashes h;
			ck_assert_int_eq(zt_lf_record_hashes(&mr.record, &h), ZT_OK);
			ck_assert_int_eq(zt_lf_record_verify_signature(&mr.record, &h), ZT_OK);
			ck_assert_uint_eq(mr.record.owner_len, 24);
		}
		if (i == 3)
			ck_assert_mem_eq(mr.pulse, makepulse, 11);
		struct zt_lf_str s = { 0 };
		ck_assert_int_eq(zt_lfapi_make_result_write(&s, &mr), ZT_OK);
		assert_same_bytes(files[i], &s, text, len);
		zt_lf_make_result_free(&mr);
		json_decref(doc);
	}
	/* PulseToken of makerecord_new is above 2^63-1 too. */
	char *text;
	size_t len;
	json_t *doc = load_vec_json("makerecord_new.json", &text, &len);
	struct zt_lf_make_result mr;
	ck_assert_int_eq(zt_lfapi_make_result_parse(doc, &mr, NULL, 0), ZT_OK);
	ck_assert(mr.record.pulse_token == 13956881959139477948ULL);
	zt_lf_make_result_free(&mr);
	json_decref(doc);
	free(text);
}
END_TEST

static const struct {
	const char *file;
	long code;
	const char *message, *type;
} error_vectors[] = {
	{ "error_404.json", 404, "/record/" UNKNOWN_HASH " not found", "" },
	{ "error_405.json", 405, "GET not supported for this path", "" },
	{ "error_makerecord_forbidden.json", 405, "only trusted clients can delegate record creation", "" },
	{ "error_post_badsig.json", 0, "record rejected or record import failed: owner signature check failed",
	  "ErrRecord" },
	{ "error_post_truncated.json", 400, "record deserialization failed: unexpected EOF", "" },
	{ "error_query_noselector.json", 400, "query failed: query requires at least one selector", "" },
};

START_TEST(vector_errors)
{
	char *text, why[ZT_LF_WHY_MAX];
	size_t len;
	json_t *doc = load_vec_json(error_vectors[_i].file, &text, &len);
	struct zt_lf_api_error e;
	ck_assert_int_eq(zt_lfapi_error_parse(doc, &e, why, sizeof why), ZT_OK);
	ck_assert_int_eq(e.code, error_vectors[_i].code);
	ck_assert_str_eq(e.message, error_vectors[_i].message);
	ck_assert_str_eq(e.type, error_vectors[_i].type);
	struct zt_lf_str s = { 0 };
	ck_assert_int_eq(zt_lfapi_error_write(&s, e.code, e.message, e.type), ZT_OK);
	assert_same_bytes(error_vectors[_i].file, &s, text, len);
	json_decref(doc);
}
END_TEST

START_TEST(request_writers)
{
	struct zt_lf_str s = { 0 };
	struct zt_lf_query_range r[2];
	struct zt_lf_query q = { .ranges = r, .nranges = 1 };

	/* The examples of lf.md §3.6: full u64 range written exactly. */
	zt_lf_query_range_name(&r[0], LOCATOR_NAME, strlen(LOCATOR_NAME), 0, UINT64_MAX);
	ck_assert_int_eq(zt_lfapi_query_write(&s, &q), ZT_OK);
	ck_assert_str_eq(s.p, "{\"Ranges\":[{\"Name\":\"" LOCATOR_NAME "\",\"Range\":[0,18446744073709551615]}]}");
	zt_lf_str_free(&s);

	struct zt_lf_owner_id owner;
	ck_assert_int_eq(zt_lf_owner_id_parse(&owner, LOCATOR_OWNER), ZT_OK);
	zt_lf_query_range_name(&r[0], LOCATOR_NAME, strlen(LOCATOR_NAME), 42, 42);
	q.owners = &owner;
	q.nowners = 1;
	q.open = true;
	q.time_range = true;
	q.time_min = 1;
	q.time_max = ZT_LF_TIME_MAX;
	ck_assert_int_eq(zt_lfapi_query_write(&s, &q), ZT_OK);
	ck_assert_str_eq(s.p, "{\"Ranges\":[{\"Name\":\"" LOCATOR_NAME "\",\"Range\":[42]}],"
			      "\"TimeRange\":[1,9223372036854775807],\"Owners\":[\"" LOCATOR_OWNER "\"],\"Open\":true}");
	zt_lf_str_free(&s);

	/* Key ranges: the keys are the vectors' selector keys of ordinals 0 and 2^64-1, in "\b" Base62. */
	struct vec_file ord;
	uint8_t k0[32], kmax[32];
	vec_load(&ord, "lf/ordinals.txt");
	vec_hex(vec_get(&ord, "case18.selector_key"), k0, 32);
	vec_hex(vec_get(&ord, "case20.selector_key"), kmax, 32);
	vec_free(&ord);
	ck_assert_int_eq(zt_lf_query_range_keys(&r[0], LOCATOR_NAME, strlen(LOCATOR_NAME), 0, UINT64_MAX), ZT_OK);
	ck_assert_mem_eq(r[0].key_lo, k0, 32);
	ck_assert_mem_eq(r[0].key_hi, kmax, 32);
	memset(&q, 0, sizeof q);
	q.ranges = r;
	q.nranges = 1;
	q.masking_key = LOCATOR_NAME;
	q.masking_key_len = strlen(LOCATOR_NAME);
	q.masking_key_set = true;
	ck_assert_int_eq(zt_lfapi_query_write(&s, &q), ZT_OK);
	json_t *doc = zt_lf_json_loads(s.p, s.len, NULL);
	ck_assert(doc != NULL);
	json_t *kr = json_object_get(json_array_get(json_object_get(doc, "Ranges"), 0), "KeyRange");
	uint8_t *key;
	size_t klen;
	ck_assert_int_eq(zt_lf_json_blob_decode(json_array_get(kr, 1), 32, &key, &klen), ZT_OK);
	ck_assert_uint_eq(klen, 32);
	ck_assert_mem_eq(key, kmax, 32);
	free(key);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "MaskingKey")), LOCATOR_NAME);
	json_decref(doc);
	zt_lf_str_free(&s);

	/* A name that is text starting with U+0008 goes out as Base62, so it reads back as itself. */
	zt_lf_query_range_name(&r[0], "\bx", 2, 1, 1);
	ck_assert_int_eq(zt_lfapi_query_write(&s, &q), ZT_OK);
	doc = zt_lf_json_loads(s.p, s.len, NULL);
	ck_assert_int_eq(zt_lf_json_blob_decode(json_object_get(json_array_get(json_object_get(doc, "Ranges"), 0), "Name"),
						 16, &key, &klen), ZT_OK);
	ck_assert_uint_eq(klen, 2);
	ck_assert_mem_eq(key, "\bx", 2);
	free(key);
	json_decref(doc);
	zt_lf_str_free(&s);

	/* Bad queries are refused before anything is sent. */
	q.nranges = 0;
	ck_assert_int_eq(zt_lfapi_query_write(&s, &q), ZT_EINVALID);
	q.nranges = 1;
	zt_lf_query_range_name(&r[0], "", 0, 1, 1);
	ck_assert_int_eq(zt_lfapi_query_write(&s, &q), ZT_EINVALID);
	zt_lf_str_free(&s);

	/* MakeRecord as the controller driver sent it (lf.md §6.1), with a binary value and a big ordinal. */
	struct zt_lf_selector_spec sel = { LOCATOR_NAME, strlen(LOCATOR_NAME), 18446744073709551000ULL };
	struct zt_lf_make_request m = { .selectors = &sel, .nselectors = 1, .value = "\x01\x02\xff", .value_len = 3,
					.passphrase = "research passphrase", .pulse_if_unchanged = true };
	ck_assert_int_eq(zt_lfapi_make_write(&s, &m), ZT_OK);
	ck_assert_str_eq(s.p, "{\"Selectors\":[{\"Name\":\"" LOCATOR_NAME "\",\"Ordinal\":18446744073709551000}],"
			      "\"Value\":\"\\bHFP\",\"Passphrase\":\"research passphrase\",\"PulseIfUnchanged\":true}");
	zt_lf_str_free(&s);
	m.passphrase = NULL;
	ck_assert_int_eq(zt_lfapi_make_write(&s, &m), ZT_EINVALID); /* no owner at all */
	zt_lf_str_free(&s);
}
END_TEST

/* What the client writes, a server (the mirror) reads back the same, and writes again identically. */
START_TEST(request_parsers)
{
	struct zt_lf_query_range r[2];
	struct zt_lf_owner_id owners[2];
	struct zt_lf_query q = { .ranges = r, .nranges = 2, .owners = owners, .nowners = 2, .open = true,
				 .time_range = true, .time_min = 7, .time_max = UINT64_MAX - 1,
				 .masking_key = "\x00\xffmk", .masking_key_len = 4, .masking_key_set = true };
	struct zt_lf_str a = { 0 }, b = { 0 };
	struct zt_lf_query_request qr;
	char why[ZT_LF_WHY_MAX];

	zt_lf_query_range_name(&r[0], LOCATOR_NAME, strlen(LOCATOR_NAME), 9223372036854775808ULL, UINT64_MAX);
	ck_assert_int_eq(zt_lf_query_range_keys(&r[1], "node", 4, 42, 42), ZT_OK);
	ck_assert_int_eq(zt_lf_owner_id_parse(&owners[0], LOCATOR_OWNER), ZT_OK);
	ck_assert_int_eq(zt_lf_owner_id_parse(&owners[1], "@2fO0qCO7IsVN2lAPSnLalakBrnteIT0vJ"), ZT_OK);
	ck_assert_int_eq(zt_lfapi_query_write(&a, &q), ZT_OK);
	json_t *doc = zt_lf_json_loads(a.p, a.len, NULL);
	ck_assert_int_eq(zt_lfapi_query_parse(doc, &qr, why, sizeof why), ZT_OK);
	json_decref(doc);
	ck_assert_uint_eq(qr.q.nranges, 2);
	ck_assert_uint_eq(qr.dropped, 0);
	ck_assert(!qr.ranges[0].by_key && qr.ranges[1].by_key);
	ck_assert(qr.ranges[0].lo == 9223372036854775808ULL && qr.ranges[0].hi == UINT64_MAX);
	ck_assert_mem_eq(qr.ranges[0].name, LOCATOR_NAME, strlen(LOCATOR_NAME));
	ck_assert_mem_eq(qr.ranges[1].key_lo, r[1].key_lo, 32);
	ck_assert_mem_eq(qr.ranges[1].key_hi, r[1].key_lo, 32);
	ck_assert_uint_eq(qr.q.nowners, 2);
	ck_assert_uint_eq(qr.q.owners[1].len, 24);
	ck_assert(qr.q.time_range && qr.q.time_min == 7 && qr.q.time_max == UINT64_MAX - 1);
	ck_assert(qr.q.masking_key_set && qr.q.masking_key_len == 4);
	ck_assert(qr.q.open);
	ck_assert_int_eq(zt_lfapi_query_write(&b, &qr.q), ZT_OK);
	ck_assert_str_eq(a.p, b.p);
	zt_lf_query_request_free(&qr);
	zt_lf_str_free(&a);
	zt_lf_str_free(&b);

	/* The reference's range shapes: no Range is ordinal 0; three bounds drop the range. */
	static const char shapes[] = "{\"Ranges\":[{\"Name\":\"a\"},{\"Name\":\"b\",\"Range\":[1,2,3]},"
				     "{\"KeyRange\":[\"\\b1\"]},{}],\"TimeRange\":[5],\"Limit\":3,\"SortOrder\":\"weight\"}";
	doc = zt_lf_json_loads(shapes, strlen(shapes), NULL);
	ck_assert(doc != NULL);
	ck_assert_int_eq(zt_lfapi_query_parse(doc, &qr, why, sizeof why), ZT_OK);
	json_decref(doc);
	ck_assert_uint_eq(qr.q.nranges, 2);
	ck_assert_uint_eq(qr.dropped, 2);
	ck_assert(qr.ranges[0].lo == 0 && qr.ranges[0].hi == 0);
	ck_assert(qr.ranges[1].by_key && qr.ranges[1].key_lo[0] == 1 && qr.ranges[1].key_lo[1] == 0);
	ck_assert(qr.q.time_min == 5 && qr.q.time_max == ZT_LF_TIME_MAX);
	ck_assert(qr.has_limit && qr.limit == 3);
	ck_assert_str_eq(qr.sort_order, "weight");
	zt_lf_query_request_free(&qr);
	doc = json_loads("{\"Ranges\":[{\"Name\":\"a\",\"Range\":[\"x\"]}]}", 0, NULL);
	ck_assert_int_eq(zt_lfapi_query_parse(doc, &qr, why, sizeof why), ZT_EMALFORMED);
	ck_assert_msg(strstr(why, "Range") != NULL, "%s", why);
	json_decref(doc);

	/* MakeRecord, with a PEM owner and a binary masking key. */
	struct zt_lf_selector_spec sel[2] = { { "a", 1, UINT64_MAX }, { "\x01\x02", 2, 0 } };
	static const char pem[] = "-----BEGIN LF OWNER PRIVATE KEY-----\nType: p384\n\nAQID\n"
				  "-----END LF OWNER PRIVATE KEY-----\n";
	struct zt_lf_make_request m = { .selectors = sel, .nselectors = 2, .value = "v", .value_len = 1,
					.owner_private = pem, .owner_private_len = strlen(pem), .masking_key = "\xfe",
					.masking_key_len = 1, .masking_key_set = true, .timestamp = 1795604843,
					.pulse_if_unchanged = true };
	struct zt_lf_make_request_parsed mp;
	ck_assert_int_eq(zt_lfapi_make_write(&a, &m), ZT_OK);
	doc = zt_lf_json_loads(a.p, a.len, NULL);
	ck_assert_int_eq(zt_lfapi_make_parse(doc, &mp, why, sizeof why), ZT_OK);
	json_decref(doc);
	ck_assert_uint_eq(mp.m.nselectors, 2);
	ck_assert(mp.m.selectors[0].ordinal == UINT64_MAX);
	ck_assert_uint_eq(mp.m.selectors[1].name_len, 2);
	ck_assert_uint_eq(mp.m.owner_private_len, strlen(pem));
	ck_assert_mem_eq(mp.m.owner_private, pem, strlen(pem));
	ck_assert(mp.m.timestamp == 1795604843ULL && mp.m.pulse_if_unchanged && !mp.m.passphrase);
	ck_assert_int_eq(zt_lfapi_make_write(&b, &mp.m), ZT_OK);
	ck_assert_str_eq(a.p, b.p);
	zt_lf_make_request_parsed_free(&mp);
	zt_lf_str_free(&a);
	zt_lf_str_free(&b);
}
END_TEST

START_TEST(float_text)
{
	static const struct {
		double v;
		const char *text;
	} cases[] = {
		{ 1, "1" },		{ 0.5, "0.5" },	     { 0, "0" },	   { 0.1, "0.1" },
		{ 0.9, "0.9" },		{ 1e-7, "1e-7" },    { 0.000001, "0.000001" }, { 123456.789, "123456.789" },
		{ 1e21, "1e+21" },	{ 1e20, "100000000000000000000" }, { -2.5, "-2.5" },
		{ 0.30000000000000004, "0.30000000000000004" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct zt_lf_str s = { 0 };
		zt_lfapi_write_float(&s, cases[i].v);
		ck_assert_str_eq(s.p, cases[i].text);
		zt_lf_str_free(&s);
	}
}
END_TEST

/* Every body in tests/vectors/lf/json is one of the cases above. */
START_TEST(every_vector_covered)
{
	static const char *const others[] = { "status.json", "owner_status.json", "makerecord_new.json",
					      "makerecord_unchanged.json", "makerecord_pulsed.json", "makepulse.json" };
	char dirpath[512];
	snprintf(dirpath, sizeof dirpath, "%s", vec_path("lf/json"));
	DIR *d = opendir(dirpath);
	ck_assert(d != NULL);
	struct dirent *de;
	unsigned files = 0;
	while ((de = readdir(d))) {
		const char *n = de->d_name;
		bool found = false;
		if (n[0] == '.')
			continue;
		files++;
		for (size_t i = 0; i < sizeof query_vectors / sizeof query_vectors[0]; i++)
			found |= !strcmp(n, query_vectors[i].file);
		for (size_t i = 0; i < sizeof record_vectors / sizeof record_vectors[0]; i++)
			found |= !strcmp(n, record_vectors[i][0]);
		for (size_t i = 0; i < sizeof error_vectors / sizeof error_vectors[0]; i++)
			found |= !strcmp(n, error_vectors[i].file);
		for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
			found |= !strcmp(n, others[i]);
		ck_assert_msg(found, "vector %s is not tested", n);
	}
	closedir(d);
	ck_assert_uint_eq(files, 22);
}
END_TEST

/* ---------------------------------------------------------------- an LF node on loopback */

enum srv_mode {
	SRV_VECTORS,  /* the reference node's answers for the requests it recognises */
	SRV_FLAKY,    /* the first `fail_first` requests get 500, then SRV_VECTORS */
	SRV_GARBAGE,  /* 200 with a body that is not JSON */
};

struct srv {
	struct MHD_Daemon *d;
	uint16_t port;
	enum srv_mode mode;
	unsigned fail_first;
	pthread_mutex_t lock;
	unsigned hits;
	char failure[256];     /* first request that did not look as it should */
	char last_path[256];
};

struct upload {
	char *p;
	size_t n;
};

static void srv_fail(struct srv *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void srv_fail(struct srv *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pthread_mutex_lock(&s->lock);
	if (!s->failure[0])
		vsnprintf(s->failure, sizeof s->failure, fmt, ap);
	pthread_mutex_unlock(&s->lock);
	va_end(ap);
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const void *body, size_t len,
			     const char *type)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "X-LF-Time", SERVER_TIME);
	enum MHD_Result ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_vec(struct MHD_Connection *conn, unsigned status, const char *file)
{
	char path[128];
	size_t len;
	snprintf(path, sizeof path, "lf/json/%s", file);
	char *body = slurp(path, &len);
	enum MHD_Result ret = reply(conn, status, body, len, "application/json");
	free(body);
	return ret;
}

/* Checks a /query body and picks the vector the reference answered to it. */
static const char *route_query(struct srv *s, const struct upload *up, unsigned *status)
{
	json_t *doc = zt_lf_json_loads(up->p ? up->p : "", up->n, NULL);
	json_t *ranges = zt_lf_json_get(doc, "Ranges"), *r0 = json_array_get(ranges, 0);
	json_t *name = zt_lf_json_get(r0, "Name"), *range = zt_lf_json_get(r0, "Range");
	const char *file = NULL;
	uint64_t lo = 0, hi = 0;

	*status = 200;
	if (!doc)
		srv_fail(s, "query body is not JSON: %s", up->p ? up->p : "");
	if (!json_is_array(ranges) || json_array_size(ranges) == 0) {
		*status = 400;
		file = "error_query_noselector.json";
	} else if (zt_lf_json_get(r0, "KeyRange")) {
		json_t *kr = zt_lf_json_get(r0, "KeyRange");
		struct vec_file ord;
		uint8_t k0[32], kmax[32], *a = NULL, *b = NULL;
		size_t alen = 0, blen = 0;
		vec_load(&ord, "lf/ordinals.txt");
		vec_hex(vec_get(&ord, "case18.selector_key"), k0, 32);
		vec_hex(vec_get(&ord, "case20.selector_key"), kmax, 32);
		vec_free(&ord);
		if (zt_lf_json_blob_decode(json_array_get(kr, 0), 32, &a, &alen) != ZT_OK ||
		    zt_lf_json_blob_decode(json_array_get(kr, 1), 32, &b, &blen) != ZT_OK || alen != 32 ||
		    blen != 32 || memcmp(a, k0, 32) || memcmp(b, kmax, 32))
			srv_fail(s, "%s", "KeyRange is not the name's full key range");
		free(a);
		free(b);
		file = "query_keyrange.json";
	} else if (!json_is_string(name) || json_array_size(range) < 1 ||
		   zt_lf_json_u64(json_array_get(range, 0), &lo) != ZT_OK) {
		srv_fail(s, "query range is not a name and an ordinal range: %s", up->p);
	} else {
		if (json_array_size(range) == 2 && zt_lf_json_u64(json_array_get(range, 1), &hi) != ZT_OK)
			srv_fail(s, "query range end is not a u64: %s", up->p);
		if (strcmp(json_string_value(name), LOCATOR_NAME))
			file = "query_empty_result.json";
		else if (zt_lf_json_get(doc, "Owners"))
			file = "query_owner_filter.json";
		else if (lo == 0 && hi == 100)
			file = "query_multi_set.json";
		else if (lo == 0 && hi == UINT64_MAX)
			file = "query_name_range_two_owners.json";
		else
			srv_fail(s, "unexpected query %s", up->p);
	}
	json_decref(doc);
	return file;
}

/* Checks a /makerecord body: the passphrase owner, one selector with an exact u64 ordinal. */
static const char *route_make(struct srv *s, const struct upload *up, unsigned *status)
{
	json_t *doc = zt_lf_json_loads(up->p ? up->p : "", up->n, NULL);
	json_t *sel = json_array_get(zt_lf_json_get(doc, "Selectors"), 0);
	json_t *pass = zt_lf_json_get(doc, "Passphrase");
	uint64_t ord = 0;
	*status = 200;
	if (!json_is_string(pass) || !json_is_true(zt_lf_json_get(doc, "PulseIfUnchanged")) ||
	    zt_lf_json_u64(zt_lf_json_get(sel, "Ordinal"), &ord) != ZT_OK || ord != 18446744073709551000ULL ||
	    strcmp(json_string_value(zt_lf_json_get(sel, "Name")), LOCATOR_NAME) ||
	    strcmp(json_string_value(zt_lf_json_get(doc, "Value")), "locator-bytes-v2"))
		srv_fail(s, "unexpected makerecord body %s", up->p ? up->p : "");
	const char *file = "makerecord_new.json";
	if (json_is_string(pass) && !strcmp(json_string_value(pass), "forbidden")) {
		*status = 403;
		file = "error_makerecord_forbidden.json";
	}
	json_decref(doc);
	return file;
}

/* A posted record: the locator record is accepted, a bad signature and truncated bytes are not. */
static const char *route_post(struct srv *s, struct MHD_Connection *conn, const struct upload *up, unsigned *status)
{
	const char *type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
	struct zt_lf_record r;
	struct zt_lf_record_hashes h;
	size_t used;
	if (!type || strcmp(type, "application/octet-stream"))
		srv_fail(s, "post Content-Type is %s", type ? type : "(none)");
	*status = 400;
	if (zt_lf_record_parse(&r, (const uint8_t *)up->p, up->n, &used) != ZT_OK)
		return "error_post_truncated.json";
	const char *file = "error_post_badsig.json";
	if (zt_lf_record_hashes(&r, &h) == ZT_OK && zt_lf_record_verify_signature(&r, &h) == ZT_OK) {
		*status = 200;
		file = "record_testnet_locator.json";
	}
	zt_lf_record_clear(&r);
	return file;
}

static enum MHD_Result route(struct srv *s, struct MHD_Connection *conn, const char *url, const char *method,
			     const struct upload *up)
{
	bool get = !strcmp(method, "GET"), post = !strcmp(method, "POST");
	unsigned status = 200;
	const char *file = NULL;

	if (post && strcmp(url, "/post")) {
		const char *type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
		if (!type || strcmp(type, "application/json"))
			srv_fail(s, "JSON request with Content-Type %s", type ? type : "(none)");
	}
	if (get && !strcmp(url, "/status")) {
		file = "status.json";
	} else if (post && !strcmp(url, "/query")) {
		file = route_query(s, up, &status);
	} else if (!strcmp(url, "/query")) {
		status = 405;
		file = "error_405.json";
	} else if (post && !strcmp(url, "/post")) {
		file = route_post(s, conn, up, &status);
	} else if (post && !strcmp(url, "/makerecord")) {
		file = route_make(s, up, &status);
	} else if (get && !strcmp(url, "/record/" LOCATOR_HASH)) {
		file = "record_testnet_locator.json";
	} else if (get && !strcmp(url, "/record/raw/" LOCATOR_HASH)) {
		uint8_t raw[512];
		size_t n = record_raw("lf/record_testnet_locator.txt", raw, sizeof raw);
		return reply(conn, 200, raw, n, "application/octet-stream");
	} else if (get && !strcmp(url, "/record/raw/" UNKNOWN_HASH)) {
		/* A lying node: the locator record's bytes for another hash. */
		uint8_t raw[512];
		size_t n = record_raw("lf/record_testnet_locator.txt", raw, sizeof raw);
		return reply(conn, 200, raw, n, "application/octet-stream");
	} else if (get && !strncmp(url, "/record/", 8)) {
		status = 404;
		file = "error_404.json";
	} else if (get && !strcmp(url, "/links")) {
		const char *count = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "count");
		uint8_t links[64];
		if (!count || strcmp(count, "2"))
			srv_fail(s, "links count is %s", count ? count : "(none)");
		hash_of("=7mkfDMkDv9EonVpqWw5pPB65TpkuZErS9o4oq5CQ3Xq", links);
		hash_of(LOCATOR_HASH, links + 32);
		return reply(conn, 200, links, sizeof links, "application/octet-stream");
	} else if (get && !strcmp(url, "/owner/" LOCATOR_OWNER)) {
		file = "owner_status.json";
	} else {
		srv_fail(s, "unexpected request for %s", url);
		status = 404;
		file = "error_404.json";
	}
	if (!file)
		return reply(conn, 500, "", 0, "text/plain");
	return reply_vec(conn, status, file);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
			       const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct srv *s = cls;
	struct upload *up = *con_cls;
	(void)version;
	if (!up) {
		*con_cls = calloc(1, sizeof *up);
		return *con_cls ? MHD_YES : MHD_NO;
	}
	if (*upload_data_size) {
		char *p = realloc(up->p, up->n + *upload_data_size + 1);
		if (!p)
			return MHD_NO;
		memcpy(p + up->n, upload_data, *upload_data_size);
		up->p = p;
		up->n += *upload_data_size;
		up->p[up->n] = '\0';
		*upload_data_size = 0;
		return MHD_YES;
	}

	pthread_mutex_lock(&s->lock);
	unsigned hit = ++s->hits;
	snprintf(s->last_path, sizeof s->last_path, "%s %s", method, url);
	pthread_mutex_unlock(&s->lock);
	if (s->mode == SRV_FLAKY && hit <= s->fail_first) {
		static const char body[] = "{\"Code\":500,\"Message\":\"temporarily out of order\"}";
		return reply(conn, 500, body, sizeof body - 1, "application/json");
	}
	if (s->mode == SRV_GARBAGE) {
		static const char body[] = "<html>this is not an LF node</html>";
		return reply(conn, 200, body, sizeof body - 1, "text/html");
	}
	return route(s, conn, url, method, up);
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct upload *up = *con_cls;
	(void)cls;
	(void)conn;
	(void)toe;
	if (up) {
		free(up->p);
		free(up);
		*con_cls = NULL;
	}
}

static void srv_start(struct srv *s, enum srv_mode mode, unsigned fail_first)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	memset(s, 0, sizeof *s);
	s->mode = mode;
	s->fail_first = fail_first;
	pthread_mutex_init(&s->lock, NULL);
	s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL, handler, s,
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_NOTIFY_COMPLETED, completed,
				NULL, MHD_OPTION_END);
	ck_assert(s->d != NULL);
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	ck_assert(info != NULL && info->port != 0);
	s->port = info->port;
}

static void srv_stop(struct srv *s)
{
	MHD_stop_daemon(s->d);
	ck_assert_msg(!s->failure[0], "server saw: %s", s->failure);
	pthread_mutex_destroy(&s->lock);
}

static struct zt_lf_client *client_for(uint16_t port, const struct zt_lf_client_options *o)
{
	char url[64];
	struct zt_lf_client *c;
	snprintf(url, sizeof url, "http://127.0.0.1:%u/", port);
	ck_assert_int_eq(zt_lf_client_new(&c, url, o), ZT_OK);
	return c;
}

/* Fast failure settings for the tests. */
static void quick_options(struct zt_lf_client_options *o, unsigned retries)
{
	zt_lf_client_options_default(o);
	o->connect_timeout_ms = 1000;
	o->timeout_ms = 400;
	o->retries = retries;
	o->backoff_ms = 30;
	o->backoff_max_ms = 100;
}

/* A port on loopback with nobody listening: bound, then closed. */
static uint16_t closed_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	close(fd);
	return ntohs(sa.sin_port);
}

/* A listener that never accepts: the kernel completes the handshake, nobody ever answers. */
static int silent_listener(uint16_t *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	ck_assert_int_eq(listen(fd, 16), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

/* ---------------------------------------------------------------- blocking calls against the vectors */

START_TEST(http_status_owner_links)
{
	struct srv s;
	struct zt_lf_error e;
	srv_start(&s, SRV_VECTORS, 0);
	/* A proxy in the environment is not used: the node on loopback is reached directly. */
	setenv("http_proxy", "http://127.0.0.1:1", 1);
	struct zt_lf_client *c = client_for(s.port, NULL);

	struct zt_lf_status st;
	ck_assert_int_eq(zt_lf_client_status(c, &st, &e), ZT_OK);
	ck_assert_int_eq(e.err, ZT_OK);
	ck_assert_int_eq(e.http_status, 200);
	ck_assert_str_eq(st.genesis.name, "LFResearchTest");
	ck_assert_uint_eq(st.genesis_records_len, 559);
	ck_assert(zt_lf_client_server_time(c) == 1795605293ULL);
	zt_lf_status_free(&st);

	struct zt_lf_owner_id owner;
	struct zt_lf_owner_status os;
	ck_assert_int_eq(zt_lf_owner_id_parse(&owner, LOCATOR_OWNER), ZT_OK);
	ck_assert_int_eq(zt_lf_client_owner(c, &owner, &os, &e), ZT_OK);
	ck_assert_uint_eq(os.nlinks, 2);
	ck_assert(os.server_time == 1795605293ULL);
	zt_lf_owner_status_free(&os);

	uint8_t (*links)[32];
	size_t nlinks;
	uint8_t h[32];
	ck_assert_int_eq(zt_lf_client_links(c, 2, &links, &nlinks, &e), ZT_OK);
	ck_assert_uint_eq(nlinks, 2);
	hash_of(LOCATOR_HASH, h);
	ck_assert_mem_eq(links[1], h, 32);
	free(links);
	ck_assert_int_eq(zt_lf_client_links(c, 0, &links, &nlinks, &e), ZT_EINVALID);
	ck_assert_int_eq(e.kind, ZT_LF_FAIL_LOCAL);

	zt_lf_client_free(c);
	unsetenv("http_proxy");
	srv_stop(&s);
}
END_TEST

START_TEST(http_queries)
{
	struct srv s;
	struct zt_lf_error e;
	struct zt_lf_query_result qr;
	struct zt_lf_query_range r;
	struct zt_lf_query q = { .ranges = &r, .nranges = 1 };
	srv_start(&s, SRV_VECTORS, 0);
	struct zt_lf_client *c = client_for(s.port, NULL);

	/* Name over the full u64 range: the server checks 18446744073709551615 arrived exactly. */
	zt_lf_query_range_name(&r, LOCATOR_NAME, strlen(LOCATOR_NAME), 0, UINT64_MAX);
	ck_assert_int_eq(zt_lf_client_query(c, &q, &qr, &e), ZT_OK);
	ck_assert_uint_eq(qr.nsets, 1);
	ck_assert_uint_eq(qr.sets[0].n, 2);
	ck_assert(qr.sets[0].entries[0].trust == 1.0);
	ck_assert(qr.sets[0].entries[1].record.pulse_token == 11612153850623362869ULL);
	zt_lf_query_result_free(&qr);

	/* Two sets, in ordinal order, each sorted. */
	zt_lf_query_range_name(&r, LOCATOR_NAME, strlen(LOCATOR_NAME), 0, 100);
	ck_assert_int_eq(zt_lf_client_query(c, &q, &qr, &e), ZT_OK);
	ck_assert_uint_eq(qr.nsets, 2);
	ck_assert_uint_eq(qr.sets[1].n, 2);
	ck_assert(qr.sets[1].entries[0].trust >= qr.sets[1].entries[1].trust);
	zt_lf_query_result_free(&qr);

	/* The owner filter. */
	struct zt_lf_owner_id owner;
	ck_assert_int_eq(zt_lf_owner_id_parse(&owner, LOCATOR_OWNER), ZT_OK);
	q.owners = &owner;
	q.nowners = 1;
	zt_lf_query_range_name(&r, LOCATOR_NAME, strlen(LOCATOR_NAME), 0, UINT64_MAX);
	ck_assert_int_eq(zt_lf_client_query(c, &q, &qr, &e), ZT_OK);
	ck_assert_uint_eq(qr.nsets, 1);
	ck_assert_uint_eq(qr.sets[0].n, 1);
	ck_assert_mem_eq(qr.sets[0].entries[0].record.owner, owner.pub, owner.len);
	zt_lf_query_result_free(&qr);

	/* A key range: the name never leaves the client; we unmask the value ourselves. */
	ck_assert_int_eq(zt_lf_query_range_keys(&r, LOCATOR_NAME, strlen(LOCATOR_NAME), 0, UINT64_MAX), ZT_OK);
	q.masking_key = LOCATOR_NAME;
	q.masking_key_len = strlen(LOCATOR_NAME);
	q.masking_key_set = true;
	ck_assert_int_eq(zt_lf_client_query(c, &q, &qr, &e), ZT_OK);
	ck_assert_uint_eq(qr.nsets, 1);
	uint8_t *v;
	size_t vlen;
	ck_assert_int_eq(zt_lf_query_entry_value(&qr.sets[0].entries[0], LOCATOR_NAME, strlen(LOCATOR_NAME), &v, &vlen),
			 ZT_OK);
	ck_assert_uint_eq(vlen, 16);
	ck_assert_mem_eq(v, "locator-bytes-v1", 16);
	free(v);
	zt_lf_query_result_free(&qr);

	/* No match: the body `null` is an empty result, not an error. */
	memset(&q, 0, sizeof q);
	q.ranges = &r;
	q.nranges = 1;
	zt_lf_query_range_name(&r, "nothing here", 12, 0, 0);
	ck_assert_int_eq(zt_lf_client_query(c, &q, &qr, &e), ZT_OK);
	ck_assert_uint_eq(qr.nsets, 0);
	zt_lf_query_result_free(&qr);

	zt_lf_client_free(c);
	srv_stop(&s);
}
END_TEST

START_TEST(http_records_post_make)
{
	struct srv s;
	struct zt_lf_error e;
	uint8_t h[32], raw[512];
	struct zt_lf_record r;
	srv_start(&s, SRV_VECTORS, 0);
	struct zt_lf_client *c = client_for(s.port, NULL);

	/* /record in both forms, each checked against the hash asked for. */
	hash_of(LOCATOR_HASH, h);
	ck_assert_int_eq(zt_lf_client_record(c, h, false, &r, &e), ZT_OK);
	ck_assert(r.pulse_token == 5645396230034938592ULL);
	ck_assert_uint_eq(r.owner_len, 14);
	zt_lf_record_clear(&r);
	ck_assert_int_eq(zt_lf_client_record(c, h, true, &r, &e), ZT_OK);
	ck_assert_uint_eq(zt_lf_record_size(&r), 241);
	zt_lf_record_clear(&r);

	/* Unknown record: 404 with LF's message. A node serving other bytes for a hash: caught. */
	hash_of(UNKNOWN_HASH, h);
	ck_assert_int_eq(zt_lf_client_record(c, h, false, &r, &e), ZT_ENOTFOUND);
	ck_assert_int_eq(e.kind, ZT_LF_FAIL_HTTP);
	ck_assert_int_eq(e.http_status, 404);
	ck_assert(e.has_lf_error);
	ck_assert_int_eq(e.lf.code, 404);
	ck_assert_msg(strstr(e.message, "HTTP 404") && strstr(e.message, "not found"), "%s", e.message);
	ck_assert_int_eq(zt_lf_client_record(c, h, true, &r, &e), ZT_EAUTH);
	ck_assert_int_eq(e.kind, ZT_LF_FAIL_REPLY);
	ck_assert_uint_eq(r.owner_len, 0);

	/* /post: accepted, the echo is the record; a bad signature is LF's Code 0 rejection. */
	size_t n = record_raw("lf/record_testnet_locator.txt", raw, sizeof raw);
	ck_assert_int_eq(zt_lf_client_post(c, raw, n, &r, &e), ZT_OK);
	ck_assert(r.timestamp == 1795604077ULL);
	zt_lf_record_clear(&r);
	raw[n - 1] ^= 0x55;
	ck_assert_int_eq(zt_lf_client_post(c, raw, n, NULL, &e), ZT_EINVALID);
	ck_assert(e.has_lf_error);
	ck_assert_int_eq(e.lf.code, 0);
	ck_assert_str_eq(e.lf.type, "ErrRecord");
	ck_assert_msg(strstr(e.message, "owner signature check failed") && strstr(e.message, "LF code 0, ErrRecord"),
		      "%s", e.message);
	ck_assert_int_eq(zt_lf_client_post(c, raw, 100, NULL, &e), ZT_EINVALID);
	ck_assert_str_eq(e.lf.message, "record deserialization failed: unexpected EOF");
	ck_assert_uint_eq(e.attempts, 1); /* 4xx is never retried */

	/* /makerecord: the new record, then a refusal (403 carrying Code 405). */
	struct zt_lf_selector_spec sel = { LOCATOR_NAME, strlen(LOCATOR_NAME), 18446744073709551000ULL };
	struct zt_lf_make_request m = { .selectors = &sel, .nselectors = 1, .value = "locator-bytes-v2", .value_len = 16,
					.passphrase = "research passphrase", .pulse_if_unchanged = true };
	struct zt_lf_make_result mr;
	ck_assert_int_eq(zt_lf_client_makerecord(c, &m, &mr, &e), ZT_OK);
	ck_assert(mr.accepted && mr.has_record && !mr.has_pulse);
	ck_assert(mr.record.pulse_token == 13956881959139477948ULL);
	zt_lf_make_result_free(&mr);
	m.passphrase = "forbidden";
	ck_assert_int_eq(zt_lf_client_makerecord(c, &m, &mr, &e), -EACCES);
	ck_assert_int_eq(e.http_status, 403);
	ck_assert_int_eq(e.lf.code, 405);
	ck_assert_msg(strstr(e.message, "only trusted clients"), "%s", e.message);

	zt_lf_client_free(c);
	srv_stop(&s);
}
END_TEST

/* ---------------------------------------------------------------- failures */

START_TEST(http_retry_500_then_200)
{
	struct srv s;
	struct zt_lf_error e;
	struct zt_lf_client_options o;
	struct zt_lf_status st;

	/* Two 500s, then the answer: three attempts with retries = 2. */
	srv_start(&s, SRV_FLAKY, 2);
	quick_options(&o, 2);
	struct zt_lf_client *c = client_for(s.port, &o);
	ck_assert_int_eq(zt_lf_client_status(c, &st, &e), ZT_OK);
	ck_assert_uint_eq(e.attempts, 3);
	ck_assert_uint_eq(s.hits, 3);
	ck_assert_str_eq(st.software, "ZeroTier LF Reference");
	zt_lf_status_free(&st);
	zt_lf_client_free(c);
	srv_stop(&s);

	/* The pauses double: 100 + 200 + 400 ms before the fourth attempt succeeds. */
	srv_start(&s, SRV_FLAKY, 3);
	quick_options(&o, 3);
	o.backoff_ms = 100;
	o.backoff_max_ms = 1000;
	c = client_for(s.port, &o);
	int64_t t0 = now_ms();
	ck_assert_int_eq(zt_lf_client_status(c, &st, &e), ZT_OK);
	int64_t dt = now_ms() - t0;
	ck_assert_msg(dt >= 700 && dt < 2500, "took %lld ms", (long long)dt);
	ck_assert_uint_eq(e.attempts, 4);
	zt_lf_status_free(&st);
	zt_lf_client_free(c);
	srv_stop(&s);

	/* Retries exhausted: the last 500 with LF's message and the attempt count. */
	srv_start(&s, SRV_FLAKY, 100);
	quick_options(&o, 1);
	c = client_for(s.port, &o);
	ck_assert_int_eq(zt_lf_client_status(c, &st, &e), ZT_EHTTP);
	ck_assert_int_eq(e.kind, ZT_LF_FAIL_HTTP);
	ck_assert_int_eq(e.http_status, 500);
	ck_assert_uint_eq(e.attempts, 2);
	ck_assert_msg(strstr(e.message, "GET /status: HTTP 500: temporarily out of order (after 2 attempts)"), "%s",
		      e.message);

	/* /makerecord is not repeated after the node has seen it. */
	unsigned before = s.hits;
	struct zt_lf_selector_spec sel = { LOCATOR_NAME, strlen(LOCATOR_NAME), 1 };
	struct zt_lf_make_request m = { .selectors = &sel, .nselectors = 1, .passphrase = "p" };
	struct zt_lf_make_result mr;
	ck_assert_int_eq(zt_lf_client_makerecord(c, &m, &mr, &e), ZT_EHTTP);
	ck_assert_uint_eq(e.attempts, 1);
	ck_assert_uint_eq(s.hits, before + 1);
	zt_lf_client_free(c);
	srv_stop(&s);
}
END_TEST

START_TEST(http_timeout_bounded)
{
	struct zt_lf_error e;
	struct zt_lf_client_options o;
	struct zt_lf_status st;
	uint16_t port;
	int fd = silent_listener(&port);

	/* 2 attempts x 400 ms + a 30 ms pause: about 830 ms, never before 800 ms (3 s leaves room for slow CI). */
	quick_options(&o, 1);
	struct zt_lf_client *c = client_for(port, &o);
	int64_t t0 = now_ms();
	ck_assert_int_eq(zt_lf_client_status(c, &st, &e), -ETIMEDOUT);
	int64_t dt = now_ms() - t0;
	ck_assert_msg(dt >= 800 && dt < 3000, "took %lld ms", (long long)dt);
	ck_assert_int_eq(e.kind, ZT_LF_FAIL_TIMEOUT);
	ck_assert_uint_eq(e.attempts, 2);
	ck_assert_msg(strstr(e.message, "no answer from the LF node in time"), "%s", e.message);
	zt_lf_client_free(c);
	close(fd);
}
END_TEST

START_TEST(http_connection_refused)
{
	struct zt_lf_error e;
	struct zt_lf_client_options o;
	struct zt_lf_status st;
	quick_options(&o, 2);
	struct zt_lf_client *c = client_for(closed_port(), &o);
	int64_t t0 = now_ms();
	ck_assert_int_eq(zt_lf_client_status(c, &st, &e), -ECONNREFUSED);
	ck_assert_int_lt(now_ms() - t0, 2000);
	ck_assert_int_eq(e.kind, ZT_LF_FAIL_CONNECT);
	ck_assert_int_eq(e.http_status, 0);
	ck_assert_uint_eq(e.attempts, 3);
	ck_assert_msg(strstr(e.message, "cannot connect to the LF node: Connection refused"), "%s", e.message);
	ck_assert_str_eq(zt_strerror(e.err), "Connection refused");
	zt_lf_client_free(c);

	/* A URL that is not HTTP is refused at once. */
	ck_assert_int_eq(zt_lf_client_new(&c, "ftp://127.0.0.1/", NULL), ZT_ECONFIG);
	ck_assert_ptr_null(c);
}
END_TEST

START_TEST(http_garbage_body)
{
	struct srv s;
	struct zt_lf_error e;
	struct zt_lf_status st;
	struct zt_lf_client_options o;
	srv_start(&s, SRV_GARBAGE, 0);
	quick_options(&o, 2);
	struct zt_lf_client *c = client_for(s.port, &o);
	ck_assert_int_eq(zt_lf_client_status(c, &st, &e), ZT_EMALFORMED);
	ck_assert_int_eq(e.kind, ZT_LF_FAIL_REPLY);
	ck_assert_int_eq(e.http_status, 200);
	ck_assert_uint_eq(e.attempts, 1);
	ck_assert_msg(strstr(e.message, "bad answer from the LF node: not JSON"), "%s", e.message);
	/* Binary answers that are not what they should be are caught too. */
	uint8_t (*links)[32];
	size_t nlinks;
	ck_assert_int_eq(zt_lf_client_links(c, 2, &links, &nlinks, &e), ZT_EMALFORMED);
	ck_assert_msg(strstr(e.message, "multiple of 32"), "%s", e.message);
	zt_lf_client_free(c);
	srv_stop(&s);

	/* An answer above the size limit is cut off, not buffered. */
	srv_start(&s, SRV_VECTORS, 0);
	quick_options(&o, 2);
	o.max_response = 1000; /* status.json is 1455 bytes */
	c = client_for(s.port, &o);
	ck_assert_int_eq(zt_lf_client_status(c, &st, &e), ZT_ETOOBIG);
	ck_assert_int_eq(e.kind, ZT_LF_FAIL_REPLY);
	ck_assert_uint_eq(e.attempts, 1);
	zt_lf_client_free(c);
	srv_stop(&s);
}
END_TEST

/* ---------------------------------------------------------------- the asynchronous interface */

struct done_log {
	unsigned calls;
	enum zt_lf_op ops[16];
	zt_err errs[16];
	enum zt_lf_fail kinds[16];
	struct zt_lf_query_result kept;  /* a result member taken out of the callback */
	struct zt_lf_client *c;
	bool chained;
};

static void on_done(struct zt_lf_result *res, void *arg)
{
	struct done_log *log = arg;
	ck_assert_uint_lt(log->calls, 16);
	log->ops[log->calls] = res->op;
	log->errs[log->calls] = res->error.err;
	log->kinds[log->calls] = res->error.kind;
	log->calls++;
	if (res->op == ZT_LF_OP_QUERY && res->error.err == ZT_OK) {
		log->kept = res->query;
		memset(&res->query, 0, sizeof res->query);
	}
	/* A callback may submit the next request. */
	if (res->op == ZT_LF_OP_STATUS && log->c && !log->chained) {
		struct zt_lf_owner_id owner;
		log->chained = true;
		ck_assert_int_eq(zt_lf_owner_id_parse(&owner, LOCATOR_OWNER), ZT_OK);
		ck_assert_int_eq(zt_lf_submit_owner(log->c, &owner, on_done, log, NULL), ZT_OK);
	}
}

struct watch_log {
	unsigned adds, removes;
};

static void on_watch(void *arg, int fd, short events)
{
	struct watch_log *w = arg;
	ck_assert_int_ge(fd, 0);
	if (events)
		w->adds++;
	else
		w->removes++;
}

/* The test's own event loop: returns the number of iterations; no perform call may block. */
static unsigned drive(struct zt_lf_client *c, int64_t limit_ms, int64_t *slowest)
{
	struct pollfd fds[16];
	unsigned iterations = 0;
	int64_t end = now_ms() + limit_ms;
	*slowest = 0;
	while (zt_lf_client_pending(c) && now_ms() < end) {
		size_t n = zt_lf_client_pollfds(c, fds, 16);
		long t = zt_lf_client_timeout_ms(c);
		ck_assert_uint_le(n, 16);
		if (t < 0 || t > 50)
			t = 50; /* the loop has other work: it wakes at least every 50 ms */
		poll(fds, (nfds_t)n, (int)t);
		int64_t t0 = now_ms();
		zt_lf_client_perform(c, fds, n);
		int64_t dt = now_ms() - t0;
		if (dt > *slowest)
			*slowest = dt;
		iterations++;
	}
	return iterations;
}

START_TEST(async_completes_in_own_loop)
{
	struct srv s;
	struct done_log log = { 0 };
	struct watch_log w = { 0 };
	struct zt_lf_query_range r;
	struct zt_lf_query q = { .ranges = &r, .nranges = 1 };
	uint8_t h[32];
	int64_t slowest;
	srv_start(&s, SRV_VECTORS, 0);
	struct zt_lf_client *c = client_for(s.port, NULL);
	log.c = c;
	zt_lf_client_set_watch(c, on_watch, &w);

	zt_lf_query_range_name(&r, LOCATOR_NAME, strlen(LOCATOR_NAME), 0, 100);
	hash_of(LOCATOR_HASH, h);
	ck_assert_int_eq(zt_lf_submit_status(c, on_done, &log, NULL), ZT_OK);
	ck_assert_int_eq(zt_lf_submit_query(c, &q, on_done, &log, NULL), ZT_OK);
	ck_assert_int_eq(zt_lf_submit_record(c, h, true, on_done, &log, NULL), ZT_OK);
	ck_assert_int_eq(zt_lf_submit_links(c, 2, on_done, &log, NULL), ZT_OK);
	ck_assert_uint_eq(zt_lf_client_pending(c), 4);
	ck_assert_uint_eq(log.calls, 0); /* nothing completes before the loop drives it */
	ck_assert_int_eq(zt_lf_client_timeout_ms(c), 0);

	unsigned it = drive(c, 5000, &slowest);
	ck_assert_uint_eq(zt_lf_client_pending(c), 0);
	ck_assert_uint_eq(log.calls, 5); /* four, plus the /owner the status callback chained */
	for (unsigned i = 0; i < log.calls; i++)
		ck_assert_msg(log.errs[i] == ZT_OK, "op %d failed: %s", log.ops[i], zt_strerror(log.errs[i]));
	unsigned seen = 0;
	for (unsigned i = 0; i < log.calls; i++)
		seen |= 1u << log.ops[i];
	ck_assert_uint_eq(seen, (1u << ZT_LF_OP_STATUS) | (1u << ZT_LF_OP_QUERY) | (1u << ZT_LF_OP_RECORD_RAW) |
					(1u << ZT_LF_OP_LINKS) | (1u << ZT_LF_OP_OWNER));
	ck_assert_uint_eq(log.kept.nsets, 2);
	ck_assert_uint_gt(it, 1);
	ck_assert_int_lt(slowest, 500);
	ck_assert_uint_gt(w.adds, 0);
	zt_lf_query_result_free(&log.kept);

	/* A submit with bad arguments fails at once and never calls back. */
	ck_assert_int_eq(zt_lf_submit_links(c, 99, on_done, &log, NULL), ZT_EINVALID);
	ck_assert_uint_eq(zt_lf_client_pending(c), 0);

	/* Retries run from the loop's timer too: 500 twice, then the answer. */
	zt_lf_client_free(c);
	srv_stop(&s);
	srv_start(&s, SRV_FLAKY, 2);
	struct zt_lf_client_options o;
	quick_options(&o, 2);
	c = client_for(s.port, &o);
	memset(&log, 0, sizeof log);
	ck_assert_int_eq(zt_lf_submit_status(c, on_done, &log, NULL), ZT_OK);
	drive(c, 5000, &slowest);
	ck_assert_uint_eq(log.calls, 1);
	ck_assert_int_eq(log.errs[0], ZT_OK);
	ck_assert_uint_eq(s.hits, 3);
	zt_lf_client_free(c);
	srv_stop(&s);
}
END_TEST

START_TEST(async_unreachable_never_blocks)
{
	struct done_log log = { 0 };
	struct zt_lf_client_options o;
	struct zt_lf_request *req;
	int64_t slowest;
	uint16_t port;
	int fd = silent_listener(&port);

	quick_options(&o, 1);
	struct zt_lf_client *refused = client_for(closed_port(), &o);
	o.timeout_ms = 1000; /* one attempt of a second: the loop must keep turning all along */
	o.retries = 0;
	struct zt_lf_client *c = client_for(port, &o);

	/* Both fail in the callback while the loop keeps turning; no perform call waits on them. */
	ck_assert_int_eq(zt_lf_submit_status(c, on_done, &log, NULL), ZT_OK);
	ck_assert_int_eq(zt_lf_submit_status(refused, on_done, &log, NULL), ZT_OK);
	unsigned it = drive(refused, 3000, &slowest);
	ck_assert_int_lt(slowest, 250);
	ck_assert_uint_ge(it, 1);
	ck_assert_uint_eq(log.calls, 1);
	ck_assert_int_eq(log.errs[0], -ECONNREFUSED);
	ck_assert_int_eq(log.kinds[0], ZT_LF_FAIL_CONNECT);

	int64_t t0 = now_ms();
	it = drive(c, 3000, &slowest);
	int64_t dt = now_ms() - t0;
	ck_assert_uint_eq(log.calls, 2);
	ck_assert_int_eq(log.errs[1], -ETIMEDOUT);
	ck_assert_int_eq(log.kinds[1], ZT_LF_FAIL_TIMEOUT);
	ck_assert_msg(dt >= 900 && dt < 3000, "took %lld ms", (long long)dt);
	ck_assert_int_lt(slowest, 250);
	ck_assert_uint_gt(it, 10); /* the loop ran many times while waiting */

	/* A cancelled request never calls back and leaves nothing behind. */
	ck_assert_int_eq(zt_lf_submit_status(c, on_done, &log, &req), ZT_OK);
	drive(c, 100, &slowest);
	ck_assert_uint_eq(zt_lf_client_pending(c), 1);
	zt_lf_request_cancel(req);
	ck_assert_uint_eq(zt_lf_client_pending(c), 0);
	ck_assert_int_eq(zt_lf_client_timeout_ms(c), -1);
	ck_assert_uint_eq(log.calls, 2);

	/* Freeing a client with requests in flight cancels them. */
	ck_assert_int_eq(zt_lf_submit_status(c, on_done, &log, NULL), ZT_OK);
	drive(c, 50, &slowest);
	zt_lf_client_free(c);
	zt_lf_client_free(refused);
	ck_assert_uint_eq(log.calls, 2);
	close(fd);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lf_client");
	TCase *tc = tcase_create("json");
	tcase_add_test(tc, big_integers_exact);
	tcase_add_test(tc, vector_status);
	tcase_add_test(tc, vector_owner_status);
	tcase_add_loop_test(tc, vector_queries, 0, sizeof query_vectors / sizeof query_vectors[0]);
	tcase_add_test(tc, query_sort_trust_then_weight);
	tcase_add_loop_test(tc, vector_records, 0, sizeof record_vectors / sizeof record_vectors[0]);
	tcase_add_test(tc, vector_make_results);
	tcase_add_loop_test(tc, vector_errors, 0, sizeof error_vectors / sizeof error_vectors[0]);
	tcase_add_test(tc, request_writers);
	tcase_add_test(tc, request_parsers);
	tcase_add_test(tc, float_text);
	tcase_add_test(tc, every_vector_covered);
	suite_add_tcase(s, tc);

	tc = tcase_create("http");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, http_status_owner_links);
	tcase_add_test(tc, http_queries);
	tcase_add_test(tc, http_records_post_make);
	tcase_add_test(tc, http_retry_500_then_200);
	tcase_add_test(tc, http_timeout_bounded);
	tcase_add_test(tc, http_connection_refused);
	tcase_add_test(tc, http_garbage_body);
	tcase_add_test(tc, async_completes_in_own_loop);
	tcase_add_test(tc, async_unreachable_never_blocks);
	suite_add_tcase(s, tc);

	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
