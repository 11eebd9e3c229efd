/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_LF_WHARRGARBL_H
#define ZT_LF_WHARRGARBL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/err.h"

/*
 * Wharrgarbl proof of work (lf.md §2.10): find two 40-bit colliders whose "frankenhash" over the
 * work hash W collides modulo (D << 29) | 0x1fffffff. Verifying costs two hash evaluations but
 * needs the 128 MiB static table; solving is a memory-bound collision search.
 */
#define ZT_LF_WORK_SIZE 14
#define ZT_LF_WTABLE_SIZE 134217728u          /* 0x8000000 */
#define ZT_LF_WTABLE_CRC32 0xf25f8b7du
#define ZT_LF_WTABLE_SEED "My hovercraft is full of eels!"
#define ZT_LF_SCORE_NO_WORK 0x000fffffu
#define ZT_LF_SCORE_CAP 0xffffa8dbu
#define ZT_LF_COST_MAX 0x0f7b0000u
#define ZT_LF_SOLVE_DEFAULT_MEMORY ((size_t)512 << 20)
#define ZT_LF_SOLVE_MIN_MEMORY ((size_t)1 << 20)
#define ZT_LF_COLLIDER_MASK 0xffffffffffull   /* 40 bits */

/* The static table: built in memory, or mapped read-only from a cache file. Share it freely. */
struct zt_lf_wtable {
	const uint8_t *data; /* ZT_LF_WTABLE_SIZE bytes */
	void *base;
	bool mapped;
};

/* Builds the table in memory (a few seconds). */
zt_err zt_lf_wtable_build(struct zt_lf_wtable *t);
/* Maps a cache file read-only: ZT_ENOTFOUND if it cannot be opened, ZT_EINVALID if size or CRC-32 is wrong. */
zt_err zt_lf_wtable_map(struct zt_lf_wtable *t, const char *path);
/*
 * Maps `cache_path` if it holds a table with the right size and CRC-32; otherwise builds the table
 * and (best effort) writes it there through a temporary file and rename. NULL path: build only.
 */
zt_err zt_lf_wtable_load(struct zt_lf_wtable *t, const char *cache_path);
void zt_lf_wtable_free(struct zt_lf_wtable *t);

/* F(x) for a work hash W (lf.md §2.10), for tests and diagnostics. 0 on an OpenSSL failure. */
uint64_t zt_lf_frankenhash(const struct zt_lf_wtable *t, const uint8_t w[static 48], uint64_t collider);
/* The collision modulus (D << 29) | 0x1fffffff. */
uint64_t zt_lf_wharrgarbl_diff64(uint32_t difficulty);
/* WharrgarblVerify: D if the 14-byte work is a valid proof over W, else 0 (also for other lengths). */
uint32_t zt_lf_wharrgarbl_verify(const struct zt_lf_wtable *t, const uint8_t *work, size_t work_len,
				 const uint8_t w[static 48]);
/* recordWharrgarblCost: the difficulty a record of `billable` bytes must pay. */
uint32_t zt_lf_wharrgarbl_cost(uint32_t billable);
/* recordWharrgarblScore: a record's score for a difficulty. */
uint32_t zt_lf_wharrgarbl_score(uint32_t difficulty);
/* Integer square root rounded to nearest (bit-by-bit, +1 if the remainder exceeds the root). */
uint32_t zt_lf_isqrt_rounded(uint32_t v);

struct zt_lf_solve_opts {
	unsigned threads;       /* 0: every online CPU */
	size_t memory;          /* collision table bytes; 0: 512 MiB; raised to 1 MiB at least */
	/* Either stops the search (-ECANCELED): a flag (e.g. set by a signal handler) or a callback. */
	const volatile sig_atomic_t *stop;
	bool (*cancel)(void *arg);
	/* Called from the calling thread every poll interval with the colliders tried so far. */
	void (*progress)(void *arg, uint64_t iterations, uint64_t elapsed_ms);
	void *arg;
	unsigned poll_ms;       /* 0: 250 ms */
};

/*
 * Solves for difficulty D over W: writes x(5) || y(5) || BE32(D) to `work`. Blocks the calling thread
 * (which polls the stop conditions and reports progress) while worker threads search.
 * Returns ZT_OK, -ECANCELED, -ENOMEM or ZT_ECRYPTO. `iterations` (may be NULL) gets the total tried.
 */
zt_err zt_lf_wharrgarbl_solve(const struct zt_lf_wtable *t, const uint8_t w[static 48], uint32_t difficulty,
			      const struct zt_lf_solve_opts *opts, uint8_t work[static ZT_LF_WORK_SIZE],
			      uint64_t *iterations);

#endif
