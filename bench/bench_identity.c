/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Identity generation and validation times, next to the raw Salsa20/20 keystream cost of the same
 * 163,840 blocks the memory-hard hash consumes: the ratio shows how much the hash adds over the cipher.
 * Prints "name: value" lines. No assertions on timing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "node/crypto.h"
#include "node/identity.h"

#define GENERATE_RUNS 20
#define VALIDATE_RUNS 50
#define SALSA_RUNS 20
#define MEMHARD_KEYSTREAM_BLOCKS 163840 /* 32,768 fill + 131,072 mixing */
#define SALSA_BLOCK 64

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(void)
{
	static double gen[GENERATE_RUNS], val[VALIDATE_RUNS], salsa[SALSA_RUNS];
	struct zt_identity id;
	int ret = EXIT_FAILURE;
	size_t stream_len = (size_t)MEMHARD_KEYSTREAM_BLOCKS * SALSA_BLOCK;
	uint8_t *stream = malloc(stream_len);
	uint8_t key[crypto_stream_salsa20_KEYBYTES] = { 1 }, nonce[crypto_stream_salsa20_NONCEBYTES] = { 2 };

	if (!stream || zt_crypto_init() != ZT_OK)
		goto out;

	for (int i = 0; i < GENERATE_RUNS; i++) {
		double t = now_ms();
		if (zt_identity_generate(&id) != ZT_OK)
			goto out;
		gen[i] = now_ms() - t;
	}
	for (int i = 0; i < VALIDATE_RUNS; i++) {
		double t = now_ms();
		if (zt_identity_validate(&id) != ZT_OK)
			goto out;
		val[i] = now_ms() - t;
	}
	zt_identity_wipe(&id);
	for (int i = 0; i < SALSA_RUNS; i++) {
		double t = now_ms();
		crypto_stream_salsa20(stream, stream_len, nonce, key);
		salsa[i] = now_ms() - t;
		key[1] ^= stream[i]; /* keeps the calls from being folded together */
	}

	double gen_mean = 0;
	for (int i = 0; i < GENERATE_RUNS; i++)
		gen_mean += gen[i] / GENERATE_RUNS;
	double g = median(gen, GENERATE_RUNS), v = median(val, VALIDATE_RUNS), s = median(salsa, SALSA_RUNS);
	printf("identity_generate_runs: %d\n", GENERATE_RUNS);
	printf("identity_generate_ms_median: %.1f\n", g);
	printf("identity_generate_ms_mean: %.1f\n", gen_mean);
	printf("identity_validate_runs: %d\n", VALIDATE_RUNS);
	printf("identity_validate_ms_median: %.2f\n", v);
	printf("salsa20_baseline_blocks: %d\n", MEMHARD_KEYSTREAM_BLOCKS);
	printf("salsa20_baseline_ms: %.2f\n", s);
	printf("identity_validate_vs_salsa20_ratio: %.2f\n", v / s);
	ret = EXIT_SUCCESS;
out:
	free(stream);
	if (ret != EXIT_SUCCESS)
		fprintf(stderr, "bench_identity: failed\n");
	return ret;
}
