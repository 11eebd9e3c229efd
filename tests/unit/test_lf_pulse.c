/* SPDX-License-Identifier: Apache-2.0 */
/* Pulses (tests/vectors/lf/pulse.txt and the impostor record's pulse, lf.md §2.11). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lf/owner.h"
#include "lf/pulse.h"
#include "lf/record.h"
#include "vec.h"

static struct vec_file v, hello, impostor;

static void setup(void)
{
	vec_load(&v, "lf/pulse.txt");
	vec_load(&hello, "lf/record_hello.txt");
	vec_load(&impostor, "lf/record_testnet_impostor.txt");
}

static void teardown(void)
{
	vec_free(&v);
	vec_free(&hello);
	vec_free(&impostor);
}

static uint64_t hex64(const char *s)
{
	uint8_t b[8];
	ck_assert_uint_eq(vec_hex(s, b, 8), 8);
	uint64_t x = 0;
	for (int i = 0; i < 8; i++)
		x = (x << 8) | b[i];
	return x;
}

START_TEST(hello_chain)
{
	struct zt_lf_owner o;
	uint8_t ph[32], want_ph[32], seed_hash[32];
	ck_assert_int_eq(zt_lf_owner_from_seed(&o, ZT_LF_OWNER_ED25519, "lol", 3), ZT_OK);
	ck_assert_int_eq(zt_lf_owner_private_hash(&o, ph), ZT_OK);
	vec_hex(vec_get(&v, "owner_private_hash"), want_ph, 32);
	ck_assert_mem_eq(ph, want_ph, 32);
	vec_hex(vec_get(&v, "seed_hash"), seed_hash, 32);

	/* The record's selectors and timestamp give the seed; the seed gives the token in the record. */
	const char *n0 = vec_get(&hello, "selector0.name.str"), *n1 = vec_get(&hello, "selector1.name.str");
	struct zt_lf_selector_spec sel[2] = {
		{ n0, strlen(n0), strtoull(vec_get(&hello, "selector0.ordinal_value.dec"), NULL, 10) },
		{ n1, strlen(n1), strtoull(vec_get(&hello, "selector1.ordinal_value.dec"), NULL, 10) },
	};
	uint64_t ts = strtoull(vec_get(&hello, "record.timestamp.dec"), NULL, 10);
	uint64_t seed = zt_lf_pulse_seed(sel, 2, ts, ph);
	ck_assert_uint_eq(seed, hex64(vec_get(&v, "seed")));
	uint64_t first8 = 0;
	for (int i = 0; i < 8; i++)
		first8 = (first8 << 8) | seed_hash[i];
	ck_assert_uint_eq(seed, first8);
	uint64_t via_record = 0;
	ck_assert_int_eq(zt_lf_record_pulse_seed(&via_record, &o, sel, 2, ts), ZT_OK);
	ck_assert_uint_eq(via_record, seed);

	uint64_t token = zt_lf_pulse_token(seed);
	ck_assert_uint_eq(token, hex64(vec_get(&v, "token")));
	ck_assert_uint_eq(token, hex64(vec_get(&hello, "record.pulse_token")));
	ck_assert_uint_eq(token, strtoull(vec_get(&hello, "record.pulse_token.dec"), NULL, 10));

	static const int minutes[] = { 0, 1, 60 };
	for (size_t i = 0; i < 3; i++) {
		uint8_t want[11], got[11];
		char key[64];
		snprintf(key, sizeof key, "pulse_m%d.bytes", minutes[i]);
		vec_hex(vec_get(&v, key), want, 11);
		snprintf(key, sizeof key, "pulse_m%d.minutes.dec", minutes[i]);
		ck_assert_int_eq(atoi(vec_get(&v, key)), minutes[i]);
		zt_lf_pulse_make(got, seed, (uint32_t)minutes[i]);
		ck_assert_mem_eq(got, want, 11);
		ck_assert(zt_lf_pulse_check(want, token));
		ck_assert(!zt_lf_pulse_check(want, token ^ 1));
		uint64_t k;
		uint32_t m;
		zt_lf_pulse_parse(want, &k, &m);
		ck_assert_uint_eq(m, (uint32_t)minutes[i]);
		/* Claiming one minute more than the key is worth fails. */
		want[10]++;
		ck_assert(!zt_lf_pulse_check(want, token));
	}

	uint8_t p60[11], back[11];
	char text[ZT_LF_PULSE_TEXT_MAX];
	vec_hex(vec_get(&v, "pulse_m60.bytes"), p60, 11);
	ck_assert_int_eq(zt_lf_pulse_text(text, p60), ZT_OK);
	ck_assert_str_eq(text, vec_get(&v, "pulse_m60.text.str"));
	ck_assert_int_eq(zt_lf_pulse_text_parse(back, text, strlen(text)), ZT_OK);
	ck_assert_mem_eq(back, p60, 11);
	ck_assert_int_eq(zt_lf_pulse_text_parse(back, "!0", 2), ZT_EMALFORMED);
	zt_lf_owner_wipe(&o);
}
END_TEST

START_TEST(impostor_pulse)
{
	uint8_t p[11], back[11];
	char b64[ZT_LF_PULSE_BASE64_MAX];
	uint64_t token = hex64(vec_get(&impostor, "record.pulse_token"));
	vec_hex(vec_get(&impostor, "pulse.bytes"), p, 11);
	ck_assert(zt_lf_pulse_check(p, token));
	uint64_t k;
	uint32_t m;
	zt_lf_pulse_parse(p, &k, &m);
	ck_assert_uint_eq(m, strtoul(vec_get(&impostor, "pulse.minutes.dec"), NULL, 10));
	/* The query's Pulse field is the record timestamp + 60 m. */
	ck_assert_uint_eq(strtoull(vec_get(&impostor, "record.timestamp.dec"), NULL, 10) + 60 * m,
			  strtoull(vec_get(&impostor, "pulse.query_pulse_field.dec"), NULL, 10));
	zt_lf_pulse_base64(b64, p);
	ck_assert_str_eq(b64, vec_get(&impostor, "pulse.json_base64.str"));
	ck_assert_int_eq(zt_lf_pulse_base64_parse(back, b64, strlen(b64)), ZT_OK);
	ck_assert_mem_eq(back, p, 11);
	ck_assert_int_eq(zt_lf_pulse_base64_parse(back, "xCM8", 4), ZT_EMALFORMED);
}
END_TEST

START_TEST(pulse_limits)
{
	uint8_t p[11];
	uint64_t seed = 0x0123456789abcdefull, token = zt_lf_pulse_token(seed), k;
	uint32_t m;
	/* Minutes beyond a year are clamped when made and when read. */
	zt_lf_pulse_make(p, seed, ZT_LF_PULSE_SPAN + 10);
	zt_lf_pulse_parse(p, &k, &m);
	ck_assert_uint_eq(m, ZT_LF_PULSE_SPAN);
	ck_assert_uint_eq(k, seed);
	ck_assert(zt_lf_pulse_check(p, token));
	p[8] = 0xff;
	zt_lf_pulse_parse(p, &k, &m);
	ck_assert_uint_eq(m, ZT_LF_PULSE_SPAN);
	/* Token 0 means "no pulses"; key 0 is never accepted. */
	ck_assert(!zt_lf_pulse_check(p, 0));
	memset(p, 0, sizeof p);
	ck_assert(!zt_lf_pulse_check(p, zt_lf_th64n(0, 0)));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lf_pulse");
	TCase *tc = tcase_create("pulse");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, hello_chain);
	tcase_add_test(tc, impostor_pulse);
	tcase_add_test(tc, pulse_limits);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
