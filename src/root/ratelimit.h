/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_ROOT_RATELIMIT_H
#define ZT_ROOT_RATELIMIT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "node/err.h"
#include "node/inetaddr.h"

/*
 * Token buckets in a fixed hashed table, lock-free (one 64-bit CAS per check): each key (a source
 * prefix, a peer address) hashes to a slot holding its tokens and last refill time. Keys that share
 * a slot share a bucket, which only ever makes a limit stricter. Memory is fixed at creation.
 */
struct root_limiter {
	_Atomic uint64_t *slots;
	uint32_t mask;
	int64_t rate_milli;  /* tokens per second x 1000 */
	int64_t burst_milli; /* bucket size x 1000 */
	int64_t epoch;       /* ms; slot times are relative to it */
};

/* `slots` is rounded up to a power of two. rate: tokens per second; burst: bucket size. */
zt_err root_limiter_init(struct root_limiter *l, uint32_t slots, double rate, double burst, int64_t now);
void root_limiter_free(struct root_limiter *l);

/* Takes one token for key at now (ms); false if the bucket is empty. */
bool root_limiter_take(struct root_limiter *l, uint64_t key, int64_t now);
/* Takes n tokens at once (all or nothing). */
bool root_limiter_take_n(struct root_limiter *l, uint64_t key, int64_t now, uint32_t n);

/* Puts a bucket into debt (e.g. after a failed identity validation): it refills from -tokens. */
void root_limiter_penalize(struct root_limiter *l, uint64_t key, int64_t now, double tokens);

/* Key of an IP's /24 (IPv4) or /48 (IPv6) prefix, the unit of the identity-validation gate. */
uint64_t root_prefix_key(const struct zt_inetaddr *a);

#endif
