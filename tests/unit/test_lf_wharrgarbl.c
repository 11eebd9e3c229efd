/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Wharrgarbl (tests/vectors/lf/wharrgarbl.txt, lf.md §2.10): cost and score, the 128 MiB table, the
 * frankenhash and verification of four real proofs, the work of the testnet records, and solving at
 * a small difficulty (the vectors' difficulties take tens of seconds and are only verified).
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lf/lfcrypto.h"
#include "lf/record.h"
#include "lf/wharrgarbl.h"
#include "vec.h"

static struct vec_file v;
static struct zt_lf_wtable table;

static void setup(void)
{
	vec_load(&v, "lf/wharrgarbl.txt");
}

static void teardown(void)
{
	vec_free(&v);
}

/* Built once per test case, in the parent: the forked tests share it. */
static void table_setup(void)
{
	ck_assert_int_eq(zt_lf_wtable_build(&table), ZT_OK);
}

static void table_teardown(void)
{
	zt_lf_wtable_free(&table);
}

static uint64_t hexn(const char *s, size_t n)
{
	uint8_t b[8];
	ck_assert_uint_eq(vec_hex(s, b, n), n);
	uint64_t x = 0;
	for (size_t i = 0; i < n; i++)
		x = (x << 8) | b[i];
	return x;
}

START_TEST(cost_and_score)
{
	int count = 0;
	for (size_t i = 0; i < v.n; i++) {
		const char *name = v.e[i].name;
		char prefix[64];
		unsigned b;
		char again[80];
		if (sscanf(name, "cost.%u.billable.dec", &b) != 1)
			continue;
		snprintf(again, sizeof again, "cost.%u.billable.dec", b);
		if (strcmp(again, name))
			continue;
		snprintf(prefix, sizeof prefix, "cost.%u", b);
		ck_assert_uint_eq(strtoul(v.e[i].value, NULL, 10), b);
		uint32_t cost = (uint32_t)hexn(vec_getf(&v, "%s.cost", prefix), 4);
		uint32_t score = (uint32_t)hexn(vec_getf(&v, "%s.score", prefix), 4);
		ck_assert_msg(zt_lf_wharrgarbl_cost(b) == cost, "cost(%u)", b);
		ck_assert_msg(zt_lf_wharrgarbl_score(cost) == score, "score(cost(%u))", b);
		count++;
	}
	ck_assert_int_eq(count, 23);
	ck_assert_uint_eq(hexn(vec_get(&v, "score.max_cost"), 4), ZT_LF_COST_MAX);
	ck_assert_uint_eq(hexn(vec_get(&v, "score.cap"), 4), ZT_LF_SCORE_CAP);
	ck_assert_uint_eq(hexn(vec_get(&v, "score.no_work"), 4), ZT_LF_SCORE_NO_WORK);
	ck_assert_uint_eq(zt_lf_wharrgarbl_score(0), 1);
	ck_assert_uint_eq(zt_lf_wharrgarbl_score(ZT_LF_COST_MAX + 1), ZT_LF_SCORE_CAP);
	ck_assert_uint_eq(zt_lf_wharrgarbl_cost(1000000), zt_lf_wharrgarbl_cost(65536));
}
END_TEST

START_TEST(table_digests)
{
	uint8_t want[32], got[32];
	ck_assert_uint_eq(strtoul(vec_get(&v, "table.size.dec"), NULL, 10), ZT_LF_WTABLE_SIZE);
	ck_assert_str_eq(vec_get(&v, "table.seed.str"), ZT_LF_WTABLE_SEED);
	ck_assert_uint_eq(zt_lf_crc32(0, table.data, ZT_LF_WTABLE_SIZE), (uint32_t)hexn(vec_get(&v, "table.crc32"), 4));
	ck_assert_uint_eq(ZT_LF_WTABLE_CRC32, (uint32_t)hexn(vec_get(&v, "table.crc32"), 4));
	vec_hex(vec_get(&v, "table.sha256"), want, 32);
	zt_lf_sha256(got, table.data, ZT_LF_WTABLE_SIZE);
	ck_assert_mem_eq(got, want, 32);
	vec_hex(vec_get(&v, "table.first32"), want, 32);
	ck_assert_mem_eq(table.data, want, 32);
	vec_hex(vec_get(&v, "table.at_0x4000000"), want, 32);
	ck_assert_mem_eq(table.data + 0x4000000, want, 32);
	vec_hex(vec_get(&v, "table.last32"), want, 32);
	ck_assert_mem_eq(table.data + ZT_LF_WTABLE_SIZE - 32, want, 32);
}
END_TEST

START_TEST(verify_real_proofs)
{
	int i;
	for (i = 0; vec_getf(&v, "verify%d.w", i); i++) {
		uint8_t w[48], h512[64], want512[64], work[14];
		vec_hex(vec_getf(&v, "verify%d.w", i), w, 48);
		vec_hex(vec_getf(&v, "verify%d.sha512_w", i), want512, 64);
		zt_lf_sha512(h512, w, 48);
		ck_assert_mem_eq(h512, want512, 64);
		ck_assert_uint_eq(vec_hex(vec_getf(&v, "verify%d.work", i), work, 14), 14);
		uint64_t x = 0, y = 0;
		for (int k = 0; k < 5; k++) {
			x = (x << 8) | work[k];
			y = (y << 8) | work[5 + k];
		}
		uint32_t d = (uint32_t)hexn(vec_getf(&v, "verify%d.required_cost", i), 4);
		uint64_t diff64 = hexn(vec_getf(&v, "verify%d.diff64", i), 8);
		ck_assert_uint_eq(zt_lf_wharrgarbl_diff64(d), diff64);
		uint64_t fx = zt_lf_frankenhash(&table, w, x), fy = zt_lf_frankenhash(&table, w, y);
		ck_assert_msg(fx == hexn(vec_getf(&v, "verify%d.frankenhash_collider0", i), 8), "verify%d F(x)", i);
		ck_assert_msg(fy == hexn(vec_getf(&v, "verify%d.frankenhash_collider1", i), 8), "verify%d F(y)", i);
		ck_assert_uint_eq(fx % diff64, hexn(vec_getf(&v, "verify%d.collision", i), 8));
		ck_assert_uint_eq(fy % diff64, fx % diff64);
		uint32_t result = (uint32_t)hexn(vec_getf(&v, "verify%d.result_difficulty", i), 4);
		ck_assert_uint_eq(zt_lf_wharrgarbl_verify(&table, work, 14, w), result);
		ck_assert_uint_eq(zt_lf_wharrgarbl_cost((uint32_t)strtoul(vec_getf(&v, "verify%d.billable_bytes.dec", i), NULL, 10)),
				  d);
		/* Any other work fails: wrong length, equal colliders, another difficulty, another W. */
		ck_assert_uint_eq(zt_lf_wharrgarbl_verify(&table, work, 13, w), 0);
		uint8_t bad[14];
		memcpy(bad, work, 14);
		memcpy(bad + 5, bad, 5);
		ck_assert_uint_eq(zt_lf_wharrgarbl_verify(&table, bad, 14, w), 0);
		memcpy(bad, work, 14);
		bad[13] ^= 1;
		ck_assert_uint_eq(zt_lf_wharrgarbl_verify(&table, bad, 14, w), 0);
		w[0] ^= 1;
		ck_assert_uint_eq(zt_lf_wharrgarbl_verify(&table, work, 14, w), 0);
	}
	ck_assert_int_eq(i, 4);
}
END_TEST

/* Every record of the testnet dump: its work pays for it, and its score is as observed. */
START_TEST(testnet_records_work)
{
	struct vec_file dump;
	static uint8_t bytes[2048];
	vec_load(&dump, "lf/testnet_dump.txt");
	size_t n = vec_hex(vec_get(&dump, "dump"), bytes, sizeof bytes), off = 0;
	int i;
	for (i = 0; off < n; i++) {
		struct zt_lf_record r;
		struct zt_lf_record_hashes h;
		size_t consumed;
		uint8_t w[48];
		ck_assert_int_eq(zt_lf_record_parse(&r, bytes + off, n - off, &consumed), ZT_OK);
		ck_assert_int_eq(zt_lf_record_hashes(&r, &h), ZT_OK);
		vec_hex(vec_getf(&v, "verify%d.w", i), w, 48);
		ck_assert_mem_eq(h.w, w, 48);
		ck_assert_uint_eq(h.billable, strtoul(vec_getf(&v, "verify%d.billable_bytes.dec", i), NULL, 10));
		ck_assert(zt_lf_record_work_pays(&r, &h, &table));
		ck_assert_uint_eq(zt_lf_record_score(&r, &h, &table),
				  zt_lf_wharrgarbl_score(zt_lf_wharrgarbl_cost(h.billable)));
		if (i == 2) /* the locator record: score 510939, its observed weight alone */
			ck_assert_uint_eq(zt_lf_record_score(&r, &h, &table), 510939);
		if (i == 3) /* the impostor: 534363 */
			ck_assert_uint_eq(zt_lf_record_score(&r, &h, &table), 534363);
		/* Without the work the record is unpaid and scores as "no work". */
		r.work_algorithm = ZT_LF_WORK_NONE;
		ck_assert(!zt_lf_record_work_pays(&r, &h, &table));
		ck_assert_uint_eq(zt_lf_record_score(&r, &h, &table), ZT_LF_SCORE_NO_WORK);
		zt_lf_record_clear(&r);
		off += consumed;
	}
	ck_assert_int_eq(i, 4);
	vec_free(&dump);
}
END_TEST

static unsigned progress_calls;
static uint64_t last_iterations;

static void on_progress(void *arg, uint64_t iterations, uint64_t elapsed_ms)
{
	(void)arg;
	(void)elapsed_ms;
	progress_calls++;
	last_iterations = iterations;
}

START_TEST(solve_small_difficulty)
{
	uint8_t w[48], work[14];
	for (int i = 0; i < 48; i++)
		w[i] = (uint8_t)(i * 13 + _i);
	struct zt_lf_solve_opts o = { .threads = 2, .memory = 1 << 20, .progress = on_progress, .poll_ms = 10 };
	uint64_t iterations;
	progress_calls = 0;
	ck_assert_int_eq(zt_lf_wharrgarbl_solve(&table, w, 1, &o, work, &iterations), ZT_OK);
	ck_assert_uint_eq(zt_lf_wharrgarbl_verify(&table, work, 14, w), 1);
	ck_assert_uint_gt(iterations, 0);
	ck_assert_uint_gt(progress_calls, 0); /* at least the final report */
	ck_assert_uint_le(last_iterations, iterations);
	/* The difficulty is part of the work. */
	ck_assert_uint_eq(work[13], 1);
}
END_TEST

START_TEST(record_work)
{
	struct zt_lf_owner o;
	struct zt_lf_record r;
	struct zt_lf_record_hashes h;
	ck_assert_int_eq(zt_lf_owner_generate(&o, ZT_LF_OWNER_P224), ZT_OK);
	struct zt_lf_selector_spec sel = { "com.zerotier.locator:v1", 23, 0x1122334455ull };
	struct zt_lf_record_params p = { .owner = &o, .value = "locator", .value_len = 7, .selectors = &sel,
					 .selector_count = 1, .timestamp = 1700000000, .pulse = true };
	ck_assert_int_eq(zt_lf_record_make(&r, &p), ZT_OK);
	struct zt_lf_solve_opts opts = { .threads = 2, .memory = 1 << 20 };
	ck_assert_int_eq(zt_lf_record_make_work(&r, &table, 2, &opts), ZT_OK);
	ck_assert_int_eq(zt_lf_record_sign(&r, &o), ZT_OK);
	ck_assert_int_eq(zt_lf_record_hashes(&r, &h), ZT_OK);
	ck_assert_int_eq(zt_lf_record_verify_signature(&r, &h), ZT_OK);
	ck_assert_uint_eq(zt_lf_record_work_difficulty(&r, &h, &table), 2);
	/* Difficulty 2 is far below this record's cost. */
	ck_assert(!zt_lf_record_work_pays(&r, &h, &table));
	ck_assert_uint_eq(zt_lf_record_score(&r, &h, &table), zt_lf_wharrgarbl_score(2));
	zt_lf_record_clear(&r);
	zt_lf_owner_wipe(&o);
}
END_TEST

static unsigned polls;

static bool cancel_after_three(void *arg)
{
	(void)arg;
	return ++polls >= 3;
}

START_TEST(solve_is_interruptible)
{
	uint8_t w[48] = { 7 }, work[14];
	uint64_t iterations;
	/* At the highest difficulty no collision will be found: only cancellation ends the search. */
	polls = 0;
	struct zt_lf_solve_opts o = { .threads = 2, .memory = 1 << 20, .cancel = cancel_after_three, .poll_ms = 20 };
	ck_assert_int_eq(zt_lf_wharrgarbl_solve(&table, w, 0xffffffffu, &o, work, &iterations), -ECANCELED);
	ck_assert_uint_ge(polls, 3);
	ck_assert_uint_gt(iterations, 0);

	volatile sig_atomic_t stop = 1;
	struct zt_lf_solve_opts o2 = { .threads = 1, .memory = 1 << 20, .stop = &stop, .poll_ms = 5 };
	ck_assert_int_eq(zt_lf_wharrgarbl_solve(&table, w, 0xffffffffu, &o2, work, NULL), -ECANCELED);
	/* No table, no search. */
	struct zt_lf_wtable none = { 0 };
	ck_assert_int_eq(zt_lf_wharrgarbl_solve(&none, w, 1, &o2, work, NULL), ZT_EINVALID);
	ck_assert_uint_eq(zt_lf_wharrgarbl_verify(&none, work, 14, w), 0);
}
END_TEST

START_TEST(table_cache_file)
{
	char dir[] = "/tmp/lfwtable.XXXXXX", path[256];
	struct zt_lf_wtable t;
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/wharrgarbl-table.bin", dir);
	ck_assert_int_eq(zt_lf_wtable_map(&t, path), ZT_ENOTFOUND);
	/* A good cache file is mapped, and serves verification. */
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(table.data, 1, ZT_LF_WTABLE_SIZE, f), ZT_LF_WTABLE_SIZE);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(zt_lf_wtable_load(&t, path), ZT_OK);
	ck_assert(t.mapped);
	uint8_t w[48], work[14];
	vec_hex(vec_get(&v, "verify2.w"), w, 48);
	vec_hex(vec_get(&v, "verify2.work"), work, 14);
	ck_assert_uint_eq(zt_lf_wharrgarbl_verify(&t, work, 14, w), 0x78cf);
	zt_lf_wtable_free(&t);
	ck_assert_ptr_null(t.data);
	/* One changed byte, or a short file, and it is refused (zt_lf_wtable_load would rebuild it). */
	f = fopen(path, "r+");
	fseek(f, 12345, SEEK_SET);
	fputc(table.data[12345] ^ 1, f);
	fclose(f);
	ck_assert_int_eq(zt_lf_wtable_map(&t, path), ZT_EINVALID);
	ck_assert_int_eq(truncate(path, 4096), 0);
	ck_assert_int_eq(zt_lf_wtable_map(&t, path), ZT_EINVALID);
	unlink(path);
	rmdir(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lf_wharrgarbl");
	TCase *plain = tcase_create("cost");
	tcase_add_checked_fixture(plain, setup, teardown);
	tcase_add_test(plain, cost_and_score);
	suite_add_tcase(s, plain);

	TCase *tc = tcase_create("table");
	tcase_add_unchecked_fixture(tc, table_setup, table_teardown);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, table_digests);
	tcase_add_test(tc, verify_real_proofs);
	tcase_add_test(tc, testnet_records_work);
	tcase_add_loop_test(tc, solve_small_difficulty, 0, 2);
	tcase_add_test(tc, record_work);
	tcase_add_test(tc, solve_is_interruptible);
	tcase_add_test(tc, table_cache_file);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
