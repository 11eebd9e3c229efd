/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ratelimit.h"

/* Slot layout: high 32 bits = tokens x 1000 (signed), low 32 bits = ms since epoch of the last refill. */
static inline uint64_t pack(int32_t tokens, uint32_t t)
{
	return ((uint64_t)(uint32_t)tokens << 32) | t;
}

static inline int32_t slot_tokens(uint64_t v)
{
	return (int32_t)(uint32_t)(v >> 32);
}

static inline uint64_t hash(uint64_t k)
{
	k ^= k >> 31;
	k *= 0x7fb5d329728ea185ULL;
	k ^= k >> 27;
	k *= 0x81dadef4bc2dd44dULL;
	k ^= k >> 33;
	return k;
}

zt_err root_limiter_init(struct root_limiter *l, uint32_t slots, double rate, double burst, int64_t now)
{
	uint32_t n = 1;
	while (n < slots)
		n <<= 1;
	memset(l, 0, sizeof *l);
	l->slots = calloc(n, sizeof *l->slots);
	if (!l->slots)
		return -ENOMEM;
	l->mask = n - 1;
	l->rate_milli = (int64_t)(rate * 1000.0);
	l->burst_milli = (int64_t)(burst * 1000.0);
	if (l->burst_milli > INT32_MAX)
		l->burst_milli = INT32_MAX;
	l->epoch = now;
	/* A zero slot means "never used": start full. */
	for (uint32_t i = 0; i < n; i++)
		l->slots[i] = pack((int32_t)l->burst_milli, 0);
	return ZT_OK;
}

void root_limiter_free(struct root_limiter *l)
{
	free(l->slots);
	l->slots = NULL;
}

/* Tokens in a slot at time t after refilling. */
static int64_t refill(const struct root_limiter *l, uint64_t v, uint32_t t)
{
	uint32_t last = (uint32_t)v;
	int64_t tokens = slot_tokens(v);
	/* Times are 32-bit ms (49 days); after a wrap the bucket simply counts as refilled. */
	int64_t elapsed = t >= last ? (int64_t)(t - last) : l->burst_milli;
	tokens += elapsed * l->rate_milli / 1000;
	return tokens > l->burst_milli ? l->burst_milli : tokens;
}

bool root_limiter_take_n(struct root_limiter *l, uint64_t key, int64_t now, uint32_t n)
{
	_Atomic uint64_t *slot = &l->slots[hash(key) & l->mask];
	uint32_t t = (uint32_t)(now - l->epoch);
	int64_t cost = (int64_t)n * 1000;
	uint64_t v = atomic_load_explicit(slot, memory_order_relaxed);
	for (;;) {
		int64_t tokens = refill(l, v, t);
		if (tokens < cost)
			return false;
		if (atomic_compare_exchange_weak(slot, &v, pack((int32_t)(tokens - cost), t)))
			return true;
	}
}

bool root_limiter_take(struct root_limiter *l, uint64_t key, int64_t now)
{
	return root_limiter_take_n(l, key, now, 1);
}

void root_limiter_penalize(struct root_limiter *l, uint64_t key, int64_t now, double tokens)
{
	_Atomic uint64_t *slot = &l->slots[hash(key) & l->mask];
	uint32_t t = (uint32_t)(now - l->epoch);
	int64_t debt = -(int64_t)(tokens * 1000.0);
	if (debt < INT32_MIN / 2)
		debt = INT32_MIN / 2;
	atomic_store(slot, pack((int32_t)debt, t));
}

uint64_t root_prefix_key(const struct zt_inetaddr *a)
{
	uint64_t k = 0;
	if (a->family == 4) {
		k = ((uint64_t)4 << 56) | ((uint64_t)a->ip[0] << 16) | ((uint64_t)a->ip[1] << 8) | a->ip[2];
	} else if (a->family == 6) {
		k = (uint64_t)6 << 56;
		for (int i = 0; i < 6; i++)
			k |= (uint64_t)a->ip[i] << (8 * (5 - i));
	}
	return k;
}
