/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The LF mirror (src/lf/mirror), in process, with real LMDB files in a temporary directory:
 *  - records verified per second: the acceptance checks of /post (parse, hashes, structure, owner
 *    signature with public-key recovery, selector claims, proof of work) on the test network's real
 *    records (P-224 and P-384 owners with Wharrgarbl work) and on Ed25519 records; baseline: the bare
 *    signature verification of the same owner type (libsodium Ed25519, OpenSSL ECDSA P-384);
 *  - import rate: a dump of freshly made records (the test network's genesis records first)
 *    imported as `zerotier-lf import` does (parallel verification, batched inserts); baseline: the
 *    same records verified one after the other on one CPU (verification alone);
 *  - query latency with 100,000 records under one name (one per ordinal, one owner, each linking to
 *    two earlier ones, as locators would be): one ordinal by name (the mirror derives the keys), by
 *    key range, over HTTP (a real loopback connection), and a 100-ordinal range; baseline: a bare
 *    LMDB cursor lookup of the same key in the same database.
 * Prints one `name: value` line per figure. No assertions on speed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <lmdb.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "common/log.h"
#include "lf/base62.h"
#include "lf/mask.h"
#include "lf/mirror/mirror.h"
#include "lf/mirror/store_impl.h"
#include "lf/owner.h"
#include "lf/selector.h"
#include "node/buf.h"
#include "node/hex.h"

#define VERIFY_ROUNDS 200          /* per record */
#define IMPORT_RECORDS 2000
#define QUERY_RECORDS 100000
#define QUERY_RUNS 200
#define RANGE_RUNS 50
#define INSERT_BATCH 1000
#define NAME "com.zerotier.locator:v1"
#define MAX_THREADS 16
#define DUMP_VECTOR ZT_TOP_SRCDIR "/tests/vectors/lf/testnet_dump.txt"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof *v, cmp_double);
	return v[n / 2];
}

static void die(const char *what)
{
	fprintf(stderr, "bench_lf: %s\n", what);
	exit(1);
}

static unsigned ncpu(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (unsigned)n;
}

/* The test network's dump (4 records: 2 genesis, 2 with work) from the vectors. */
static uint8_t *load_dump(size_t *n)
{
	FILE *f = fopen(DUMP_VECTOR, "r");
	static char line[8192];
	uint8_t *out = NULL;
	*n = 0;
	if (!f)
		die("cannot open " DUMP_VECTOR);
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, "dump: ", 6))
			continue;
		size_t len = strcspn(line + 6, "\r\n");
		line[6 + len] = '\0';
		out = malloc(len / 2);
		if (!out || !zt_hex_decode(out, len / 2, line + 6))
			die("bad dump vector");
		*n = len / 2;
	}
	fclose(f);
	if (!out)
		die("no dump in the vector file");
	return out;
}

static void make_home(char *dir, size_t cap, const char *tag)
{
	snprintf(dir, cap, "/tmp/ztbench-lf-%s.XXXXXX", tag);
	if (!mkdtemp(dir))
		die("mkdtemp");
}

static void rm_rf(const char *dir)
{
	char cmd[256];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_lf: could not remove %s\n", dir);
}

/* ---------------------------------------------------------------- records verified per second */

/* A signed record: Ed25519 owner, one selector, value, two links, no work (the owner is allowed). */
static size_t make_record(const struct zt_lf_owner *o, uint64_t ordinal, const uint8_t (*links)[32], unsigned nlinks,
			  uint64_t ts, uint8_t *out, size_t cap)
{
	struct zt_lf_record r = { 0 };
	char value[64];
	int vn = snprintf(value, sizeof value, "locator of %010llx", (unsigned long long)ordinal);
	struct zt_lf_selector_spec sel = { NAME, strlen(NAME), ordinal };
	struct zt_lf_record_params p = {
		.owner = o, .value = value, .value_len = (size_t)vn, .selectors = &sel, .selector_count = 1,
		.links = links, .link_count = nlinks, .timestamp = ts, .type = ZT_LF_TYPE_DATUM,
	};
	struct zt_wbuf w = zt_wbuf_init(out, cap);
	if (zt_lf_record_make(&r, &p) || zt_lf_record_sign(&r, o) || zt_lf_record_serialize(&r, &w))
		die("cannot make a record");
	zt_lf_record_clear(&r);
	return w.len;
}

static double verify_rate(const struct lfm_policy *pol, const uint8_t *rec, size_t n, bool genesis)
{
	double t0 = now_s();
	for (int i = 0; i < VERIFY_ROUNDS; i++) {
		struct lfm_entry e;
		struct lfm_verdict v;
		size_t used;
		if (lfm_parse(&e, rec, n, &used, &v) || lfm_verify(pol, &e, genesis, &v))
			die(v.why);
		lfm_entry_free(&e);
	}
	return VERIFY_ROUNDS / (now_s() - t0);
}

static double ed25519_baseline(void)
{
	uint8_t pk[32], sk[64], sig[64], msg[48] = { 1 };
	crypto_sign_keypair(pk, sk);
	crypto_sign_detached(sig, NULL, msg, sizeof msg, sk);
	double t0 = now_s();
	for (int i = 0; i < VERIFY_ROUNDS * 4; i++)
		if (crypto_sign_verify_detached(sig, msg, sizeof msg, pk))
			die("ed25519 baseline");
	return VERIFY_ROUNDS * 4 / (now_s() - t0);
}

static double p384_baseline(void)
{
	uint8_t msg[48] = { 2 }, sig[128];
	size_t sl = sizeof sig;
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	EVP_PKEY_CTX *sc = k ? EVP_PKEY_CTX_new(k, NULL) : NULL, *vc = k ? EVP_PKEY_CTX_new(k, NULL) : NULL;
	if (!sc || !vc || EVP_PKEY_sign_init(sc) != 1 || EVP_PKEY_sign(sc, sig, &sl, msg, sizeof msg) != 1 ||
	    EVP_PKEY_verify_init(vc) != 1)
		die("p384 baseline key");
	double t0 = now_s();
	for (int i = 0; i < VERIFY_ROUNDS; i++)
		if (EVP_PKEY_verify(vc, sig, sl, msg, sizeof msg) != 1)
			die("p384 baseline");
	double rate = VERIFY_ROUNDS / (now_s() - t0);
	EVP_PKEY_CTX_free(sc);
	EVP_PKEY_CTX_free(vc);
	EVP_PKEY_free(k);
	return rate;
}

/* ---------------------------------------------------------------- 100,000 records under one name */

struct gen {
	uint64_t from, to;
	const struct zt_lf_name_key *nk;
	uint8_t (*ordinals)[16];
	uint8_t (*keys)[32];
};

static void *gen_keys(void *arg)
{
	struct gen *g = arg;
	for (uint64_t i = g->from; i < g->to; i++) {
		if (zt_lf_ordinal_set(g->ordinals[i], i, NAME, strlen(NAME)))
			die("ordinal");
		zt_lf_selector_key_of(g->keys[i], g->nk, g->ordinals[i]);
	}
	return NULL;
}

/*
 * Fills a store with QUERY_RECORDS records as the store layer receives them from the acceptance
 * checks: real masked ordinals, selector keys and masked values; claims and signatures are random
 * bytes (nothing verifies them at this layer, and making 100,000 claims would dominate the run).
 */
static void fill_store(struct lfm_store *s, uint8_t (*hashes)[32], double *keys_s, double *insert_s)
{
	struct zt_lf_name_key nk;
	uint8_t(*ordinals)[16] = malloc((size_t)QUERY_RECORDS * 16);
	uint8_t(*keys)[32] = malloc((size_t)QUERY_RECORDS * 32);
	uint8_t owner[32], sig[64];
	pthread_t tid[MAX_THREADS];
	struct gen g[MAX_THREADS];
	unsigned n = ncpu();
	if (!ordinals || !keys || zt_lf_name_key(&nk, NAME, strlen(NAME)))
		die("fill: setup");
	double t0 = now_s();
	for (unsigned i = 0; i < n; i++) {
		g[i] = (struct gen){ (uint64_t)QUERY_RECORDS * i / n, (uint64_t)QUERY_RECORDS * (i + 1) / n, &nk, ordinals, keys };
		if (pthread_create(&tid[i], NULL, gen_keys, &g[i]))
			die("thread");
	}
	for (unsigned i = 0; i < n; i++)
		pthread_join(tid[i], NULL);
	*keys_s = now_s() - t0;

	randombytes_buf(owner, sizeof owner);
	uint64_t ts = (uint64_t)time(NULL) - QUERY_RECORDS;
	struct lfm_txn t;
	t0 = now_s();
	for (uint64_t i = 0; i < QUERY_RECORDS; i++) {
		struct lfm_entry e = { 0 };
		struct zt_lf_record_hashes h;
		char value[64];
		int vn = snprintf(value, sizeof value, "locator of %010llx", (unsigned long long)i);
		if (i % INSERT_BATCH == 0 && lfm_txn_begin(s, &t, true))
			die("fill: begin");
		struct zt_lf_record *r = &e.rec;
		zt_lf_record_set_owner(r, owner, sizeof owner);
		randombytes_buf(sig, sizeof sig);
		zt_lf_record_set_signature(r, sig, sizeof sig);
		r->timestamp = ts + i;
		if (zt_lf_value_mask(&r->value, &r->value_len, value, (size_t)vn, r->timestamp, NAME, strlen(NAME), owner,
				     sizeof owner))
			die("fill: mask");
		r->link_count = i >= 2 ? 2 : (unsigned)i;
		for (unsigned k = 0; k < r->link_count; k++)
			memcpy(r->links[k], hashes[i - 1 - k], 32);
		if (r->link_count == 2 && memcmp(r->links[0], r->links[1], 32) > 0) {
			uint8_t tmp[32];
			memcpy(tmp, r->links[0], 32);
			memcpy(r->links[0], r->links[1], 32);
			memcpy(r->links[1], tmp, 32);
		}
		r->selector_count = 1;
		memcpy(r->selectors[0].ordinal, ordinals[i], 16);
		randombytes_buf(r->selectors[0].claim, 40);
		e.size = zt_lf_record_size(r);
		e.bytes = malloc(e.size);
		struct zt_wbuf w = zt_wbuf_init(e.bytes, e.size);
		if (zt_lf_record_serialize(r, &w) || zt_lf_record_hashes(r, &h))
			die("fill: serialize");
		memcpy(e.hash, h.hash, 32);
		memcpy(hashes[i], h.hash, 32);
		e.keys.count = 1;
		memcpy(e.keys.key[0], keys[i], 32);
		memcpy(e.keys.id, nk.pubhash, 32); /* one name, one owner: one record ID */
		e.score = ZT_LF_SCORE_NO_WORK;
		e.approval = LFM_APPROVED_OWNER;
		if (lfm_insert(&t, &e, 60))
			die("fill: insert");
		lfm_entry_free(&e);
		if ((i + 1) % INSERT_BATCH == 0 || i + 1 == QUERY_RECORDS) {
			if (lfm_txn_commit(&t))
				die("fill: commit");
		}
	}
	*insert_s = now_s() - t0;
	free(ordinals);
	free(keys);
}

static double query_us(struct lfm *m, const char *json, int runs, size_t *answer_len)
{
	double *v = malloc((size_t)runs * sizeof *v);
	char why[256];
	for (int i = 0; i < runs; i++) {
		struct zt_lf_query_request qr;
		json_error_t je;
		char *body;
		size_t len;
		double t0 = now_s();
		json_t *doc = zt_lf_json_loads(json, strlen(json), &je);
		if (!doc || zt_lfapi_query_parse(doc, &qr, why, sizeof why))
			die("query parse");
		json_decref(doc);
		if (lfm_query(m, &qr, &body, &len, why, sizeof why))
			die(why);
		zt_lf_query_request_free(&qr);
		v[i] = (now_s() - t0) * 1e6;
		*answer_len = len;
		if (len < 8)
			die("query found nothing");
		free(body);
	}
	double med = median(v, (size_t)runs);
	free(v);
	return med;
}

static size_t sink_write(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	*(size_t *)arg += size * n;
	return size * n;
}

static double http_query_us(uint16_t port, const char *json, int runs)
{
	char url[64];
	double *v = malloc((size_t)runs * sizeof *v);
	size_t got = 0;
	CURL *c = curl_easy_init();
	snprintf(url, sizeof url, "http://127.0.0.1:%u/query", port);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &got);
	for (int i = 0; i < runs; i++) {
		double t0 = now_s();
		long code = 0;
		if (curl_easy_perform(c) != CURLE_OK || curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code) || code != 200)
			die("http query");
		v[i] = (now_s() - t0) * 1e6;
	}
	curl_easy_cleanup(c);
	double med = median(v, (size_t)runs);
	free(v);
	return med;
}

static double lmdb_lookup_us(struct lfm_store *s, const uint8_t key[32], int runs)
{
	double *v = malloc((size_t)runs * sizeof *v);
	uint8_t k[1 + 32 + 16] = { 0 };
	memcpy(k + 1, key, 32);
	for (int i = 0; i < runs; i++) {
		MDB_txn *txn;
		MDB_cursor *c;
		MDB_val kv = { sizeof k, k }, vv;
		double t0 = now_s();
		if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn) || mdb_cursor_open(txn, s->dbi[DB_SEL], &c) ||
		    mdb_cursor_get(c, &kv, &vv, MDB_SET_RANGE) || memcmp((uint8_t *)kv.mv_data + 1, key, 32))
			die("lmdb lookup");
		mdb_cursor_close(c);
		mdb_txn_abort(txn);
		v[i] = (now_s() - t0) * 1e6;
	}
	double med = median(v, (size_t)runs);
	free(v);
	return med;
}

/* ---------------------------------------------------------------- main */

int main(void)
{
	char home[128], home2[128];
	struct lfm_config cfg;
	struct lfm *m = calloc(1, sizeof *m), *m2 = calloc(1, sizeof *m2);
	struct lfm_policy pol;
	struct zt_lf_owner owner;
	size_t dump_len;
	uint8_t *dump = load_dump(&dump_len);

	zt_log_init("bench_lf", ZT_LOG_WARN);
	if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) || !m || !m2)
		die("init");
	if (zt_lf_owner_generate(&owner, ZT_LF_OWNER_ED25519))
		die("owner");

	/* A mirror with the test network's genesis, the Ed25519 owner allowed without work. */
	make_home(home, sizeof home, "import");
	lfm_config_defaults(&cfg);
	cfg.nlisten = 0;
	memcpy(cfg.no_work[0].pub, owner.pub, owner.pub_len);
	cfg.no_work[0].len = owner.pub_len;
	cfg.nno_work = 1;
	if (lfm_open(m, home, &cfg, false))
		die("open");

	/* Records verified per second. */
	size_t off = 0, sizes[4];
	const uint8_t *recs[4];
	for (int i = 0; i < 4; i++) {
		struct zt_lf_record r = { 0 };
		if (zt_lf_record_parse(&r, dump + off, dump_len - off, &sizes[i]))
			die("dump");
		zt_lf_record_clear(&r);
		recs[i] = dump + off;
		off += sizes[i];
	}
	{
		struct lfm_import *imp;
		struct lfm_import_stats st;
		if (lfm_import_new(&imp, m, NULL, 0) || lfm_import_feed(imp, dump, 559) || lfm_import_finish(imp, &st))
			die("genesis import");
		lfm_import_free(imp);
	}
	lfm_policy_get(m, &pol);
	double genesis_rate = verify_rate(&pol, recs[0], sizes[0], true);
	double p224_rate = verify_rate(&pol, recs[2], sizes[2], false);
	double p384_rate = verify_rate(&pol, recs[3], sizes[3], false);
	uint8_t one[1024], links[2][32];
	struct zt_lf_record_hashes h;
	struct zt_lf_record g0 = { 0 }, g1 = { 0 };
	size_t used;
	zt_lf_record_parse(&g0, recs[0], sizes[0], &used);
	zt_lf_record_parse(&g1, recs[1], sizes[1], &used);
	zt_lf_record_hashes(&g0, &h);
	memcpy(links[0], h.hash, 32);
	zt_lf_record_hashes(&g1, &h);
	memcpy(links[1], h.hash, 32);
	zt_lf_record_clear(&g0);
	zt_lf_record_clear(&g1);
	if (memcmp(links[0], links[1], 32) > 0) {
		uint8_t tmp[32];
		memcpy(tmp, links[0], 32);
		memcpy(links[0], links[1], 32);
		memcpy(links[1], tmp, 32);
	}
	size_t one_len = make_record(&owner, 1, (const uint8_t(*)[32])links, 2, (uint64_t)time(NULL) - 10, one, sizeof one);
	double ed_rate = verify_rate(&pol, one, one_len, false);
	double ed_base = ed25519_baseline(), p384_base = p384_baseline();
	printf("lf_verify_ed25519_records_per_s: %.0f\n", ed_rate);
	printf("lf_verify_p224_work_records_per_s: %.0f\n", p224_rate);
	printf("lf_verify_p384_work_records_per_s: %.0f\n", p384_rate);
	printf("lf_verify_p384_genesis_records_per_s: %.0f\n", genesis_rate);
	printf("baseline_ed25519_verify_per_s: %.0f\n", ed_base);
	printf("baseline_p384_ecdsa_verify_per_s: %.0f\n", p384_base);
	printf("lf_verify_ed25519_vs_bare_signature_ratio: %.3f\n", ed_rate / ed_base);
	printf("lf_verify_p384_vs_bare_signature_ratio: %.3f\n", p384_rate / p384_base);

	/* Import rate: a dump of IMPORT_RECORDS new records after the genesis records. */
	uint8_t *file = malloc(559 + (size_t)IMPORT_RECORDS * 512);
	uint8_t(*hist)[32] = malloc((size_t)(IMPORT_RECORDS + 2) * 32);
	size_t flen = 559;
	memcpy(file, dump, 559);
	memcpy(hist[0], links[0], 32);
	memcpy(hist[1], links[1], 32);
	for (size_t i = 0; i < IMPORT_RECORDS; i++) {
		uint8_t l[2][32];
		memcpy(l[0], hist[i], 32);
		memcpy(l[1], hist[i + 1], 32);
		if (memcmp(l[0], l[1], 32) > 0) {
			memcpy(l[0], hist[i + 1], 32);
			memcpy(l[1], hist[i], 32);
		}
		size_t n = make_record(&owner, 1000 + i, (const uint8_t(*)[32])l, 2, (uint64_t)time(NULL) - 5, file + flen, 512);
		struct zt_lf_record r = { 0 };
		zt_lf_record_parse(&r, file + flen, n, &used);
		zt_lf_record_hashes(&r, &h);
		zt_lf_record_clear(&r);
		memcpy(hist[i + 2], h.hash, 32);
		flen += n;
	}
	double t0 = now_s();
	for (size_t o = 559; o < flen;) {
		struct lfm_entry e;
		struct lfm_verdict v;
		if (lfm_parse(&e, file + o, flen - o, &used, &v) || lfm_verify(&pol, &e, false, &v))
			die("verify-only baseline");
		lfm_entry_free(&e);
		o += used;
	}
	double verify_only_s = now_s() - t0;
	lfm_close(m);
	rm_rf(home);
	make_home(home, sizeof home, "import2");
	if (lfm_open(m, home, &cfg, false))
		die("open 2");
	struct lfm_import *imp;
	struct lfm_import_stats st;
	t0 = now_s();
	if (lfm_import_new(&imp, m, NULL, 0) || lfm_import_feed(imp, file, flen) || lfm_import_finish(imp, &st))
		die("import");
	double import_s = now_s() - t0;
	lfm_import_free(imp);
	if (st.added != IMPORT_RECORDS + 2)
		die("import did not add every record");
	printf("lf_import_records: %d\n", IMPORT_RECORDS);
	printf("lf_import_threads: %u\n", ncpu());
	printf("lf_import_records_per_s: %.0f\n", IMPORT_RECORDS / import_s);
	printf("baseline_verify_only_one_cpu_records_per_s: %.0f\n", IMPORT_RECORDS / verify_only_s);
	printf("lf_import_vs_verify_only_ratio: %.3f\n", verify_only_s / import_s);
	lfm_close(m);
	rm_rf(home);
	free(file);
	free(hist);

	/* Query latency with 100,000 records under one name. */
	make_home(home2, sizeof home2, "query");
	struct zt_inetaddr lo;
	zt_inetaddr_parse(&lo, "127.0.0.1:0");
	cfg.listen[0] = lo;
	cfg.nlisten = 1;
	cfg.max_query_results = QUERY_RECORDS;
	if (lfm_open(m2, home2, &cfg, true))
		die("open query store");
	uint8_t(*hashes)[32] = malloc((size_t)QUERY_RECORDS * 32);
	double keys_s, insert_s;
	fill_store(m2->store, hashes, &keys_s, &insert_s);
	printf("lf_query_store_records: %d\n", QUERY_RECORDS);
	printf("lf_query_store_key_derivation_s: %.1f\n", keys_s);
	printf("lf_store_insert_records_per_s: %.0f\n", QUERY_RECORDS / insert_s);
	printf("lf_store_bytes_per_record: %.0f\n", (double)lfm_store_file_size(m2->store) / QUERY_RECORDS);

	uint64_t target = QUERY_RECORDS / 2 + 7;
	char jname[256], jkey[256], jrange[256];
	uint8_t key[32], key_hi[32];
	zt_lf_selector_key(key, NAME, strlen(NAME), target);
	zt_lf_selector_key(key_hi, NAME, strlen(NAME), target + 99);
	char *k62 = zt_lf_base62_encode_alloc(key, 32), *k62hi = zt_lf_base62_encode_alloc(key_hi, 32);
	snprintf(jname, sizeof jname, "{\"Ranges\":[{\"Name\":\"%s\",\"Range\":[%llu]}]}", NAME, (unsigned long long)target);
	snprintf(jkey, sizeof jkey, "{\"Ranges\":[{\"KeyRange\":[\"\\b%s\"]}],\"MaskingKey\":\"%s\"}", k62, NAME);
	snprintf(jrange, sizeof jrange, "{\"Ranges\":[{\"KeyRange\":[\"\\b%s\",\"\\b%s\"]}],\"MaskingKey\":\"%s\"}", k62,
		 k62hi, NAME);
	size_t len_name, len_key, len_range;
	double by_name_first = query_us(m2, jname, 1, &len_name); /* derives the keys: about 1 ms */
	double by_name = query_us(m2, jname, QUERY_RUNS, &len_name); /* then from the mirror's key cache */
	double by_key = query_us(m2, jkey, QUERY_RUNS, &len_key);
	double range = query_us(m2, jrange, RANGE_RUNS, &len_range);
	double base = lmdb_lookup_us(m2->store, key, QUERY_RUNS);
	struct lfm_http *http;
	if (lfm_http_start(m2, &http))
		die("http");
	double over_http = http_query_us(lfm_http_port(http, 0), jkey, QUERY_RUNS);
	lfm_http_stop(http);
	printf("lf_query_one_ordinal_by_name_first_us: %.0f\n", by_name_first);
	printf("lf_query_one_ordinal_by_name_us: %.0f\n", by_name);
	printf("lf_query_one_ordinal_by_key_us: %.0f\n", by_key);
	printf("lf_query_one_ordinal_by_key_over_http_us: %.0f\n", over_http);
	printf("lf_query_100_ordinals_by_key_us: %.0f\n", range);
	printf("lf_query_answer_bytes_one_ordinal: %zu\n", len_key);
	printf("lf_query_answer_bytes_100_ordinals: %zu\n", len_range);
	printf("baseline_lmdb_cursor_lookup_us: %.1f\n", base);
	printf("lf_query_by_key_vs_lmdb_lookup_ratio: %.1f\n", by_key / base);
	printf("lf_query_by_name_first_vs_by_key_ratio: %.1f\n", by_name_first / by_key);
	free(k62);
	free(k62hi);
	free(hashes);
	lfm_close(m2);
	rm_rf(home2);
	free(m);
	free(m2);
	free(dump);
	zt_lf_owner_wipe(&owner);
	curl_global_cleanup();
	return 0;
}
