/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "mcast.h"
#include "node/constants.h"
#include "node/crypto.h"

#define INITIAL_BUCKETS 64
#define INITIAL_MEMBERS 4

struct root_mcast_member {
	uint64_t address;
	int64_t last;
};

struct root_mcast_group {
	struct root_mcast_group *next;
	struct zt_multicast_group key;
	struct root_mcast_member *members;
	uint32_t n, cap;
};

static uint64_t group_hash(const struct zt_multicast_group *g)
{
	uint64_t h = g->nwid * 0x9e3779b97f4a7c15ULL;
	for (int i = 0; i < ZT_MAC_LEN; i++)
		h = (h ^ g->mac[i]) * 0x100000001b3ULL;
	h ^= g->adi;
	h ^= h >> 29;
	return h * 0xbf58476d1ce4e5b9ULL;
}

static bool group_eq(const struct zt_multicast_group *a, const struct zt_multicast_group *b)
{
	return a->nwid == b->nwid && a->adi == b->adi && !memcmp(a->mac, b->mac, ZT_MAC_LEN);
}

zt_err root_mcast_init(struct root_mcast *m, uint64_t max_members)
{
	memset(m, 0, sizeof *m);
	m->max_members = max_members;
	for (int i = 0; i < ROOT_MCAST_SHARDS; i++) {
		struct root_mcast_shard *s = &m->shards[i];
		pthread_mutex_init(&s->lock, NULL);
		s->nbuckets = INITIAL_BUCKETS;
		s->buckets = calloc(s->nbuckets, sizeof *s->buckets);
		if (!s->buckets) {
			root_mcast_free(m);
			return -ENOMEM;
		}
	}
	return ZT_OK;
}

static void free_group(struct root_mcast_group *g)
{
	free(g->members);
	free(g);
}

void root_mcast_free(struct root_mcast *m)
{
	for (int i = 0; i < ROOT_MCAST_SHARDS; i++) {
		struct root_mcast_shard *s = &m->shards[i];
		if (!s->buckets)
			continue;
		for (uint32_t b = 0; b < s->nbuckets; b++)
			for (struct root_mcast_group *g = s->buckets[b], *next; g; g = next) {
				next = g->next;
				free_group(g);
			}
		free(s->buckets);
		s->buckets = NULL;
		pthread_mutex_destroy(&s->lock);
	}
}

static struct root_mcast_shard *shard_of(struct root_mcast *m, uint64_t h)
{
	return &m->shards[h % ROOT_MCAST_SHARDS];
}

static struct root_mcast_group **bucket_of(struct root_mcast_shard *s, uint64_t h)
{
	return &s->buckets[(h >> 8) & (s->nbuckets - 1)];
}

static void rehash(struct root_mcast_shard *s)
{
	uint32_t n = s->nbuckets * 2;
	struct root_mcast_group **nb = calloc(n, sizeof *nb);
	if (!nb)
		return; /* keep the longer chains; still correct */
	for (uint32_t b = 0; b < s->nbuckets; b++)
		for (struct root_mcast_group *g = s->buckets[b], *next; g; g = next) {
			next = g->next;
			struct root_mcast_group **slot = &nb[(group_hash(&g->key) >> 8) & (n - 1)];
			g->next = *slot;
			*slot = g;
		}
	free(s->buckets);
	s->buckets = nb;
	s->nbuckets = n;
}

zt_err root_mcast_like(struct root_mcast *m, const struct zt_multicast_group *key, uint64_t member, int64_t now)
{
	uint64_t h = group_hash(key);
	struct root_mcast_shard *s = shard_of(m, h);
	zt_err e = ZT_OK;
	pthread_mutex_lock(&s->lock);
	struct root_mcast_group **head = bucket_of(s, h), *g;
	for (g = *head; g && !group_eq(&g->key, key); g = g->next)
		;
	if (g) {
		for (uint32_t i = 0; i < g->n; i++)
			if (g->members[i].address == member) {
				g->members[i].last = now;
				goto out;
			}
	}
	if (atomic_load(&m->members) >= m->max_members) {
		e = ZT_ELIMIT;
		goto out;
	}
	if (!g) {
		g = calloc(1, sizeof *g);
		if (!g) {
			e = -ENOMEM;
			goto out;
		}
		g->key = *key;
		g->next = *head;
		*head = g;
		if (++s->ngroups > s->nbuckets)
			rehash(s);
	}
	if (g->n == g->cap) {
		uint32_t ncap = g->cap ? g->cap * 2 : INITIAL_MEMBERS;
		struct root_mcast_member *nm = realloc(g->members, ncap * sizeof *nm);
		if (!nm) {
			e = -ENOMEM;
			goto out;
		}
		g->members = nm;
		g->cap = ncap;
	}
	g->members[g->n].address = member;
	g->members[g->n].last = now;
	g->n++;
	atomic_fetch_add(&m->members, 1);
out:
	pthread_mutex_unlock(&s->lock);
	return e;
}

size_t root_mcast_gather(struct root_mcast *m, const struct zt_multicast_group *key, uint64_t requester, int64_t now,
			 uint64_t *out, size_t max, uint32_t *total)
{
	uint64_t h = group_hash(key);
	struct root_mcast_shard *s = shard_of(m, h);
	size_t n = 0;
	uint32_t live = 0;
	pthread_mutex_lock(&s->lock);
	struct root_mcast_group *g;
	for (g = *bucket_of(s, h); g && !group_eq(&g->key, key); g = g->next)
		;
	if (g) {
		int64_t horizon = now - ZT_MULTICAST_LIKE_EXPIRE;
		/* Reservoir sampling gives a uniform random subset in one pass. */
		uint64_t seen = 0;
		for (uint32_t i = 0; i < g->n; i++) {
			if (g->members[i].last < horizon)
				continue;
			live++;
			if (g->members[i].address == requester)
				continue;
			seen++;
			if (n < max) {
				out[n++] = g->members[i].address;
			} else if (max) {
				uint64_t j = zt_random_u64() % seen;
				if (j < max)
					out[j] = g->members[i].address;
			}
		}
		/* Shuffle so the first `max` members are not always listed in arrival order. */
		for (size_t i = n; i > 1; i--) {
			size_t j = (size_t)(zt_random_u64() % i);
			uint64_t t = out[i - 1];
			out[i - 1] = out[j];
			out[j] = t;
		}
	}
	pthread_mutex_unlock(&s->lock);
	*total = live;
	return n;
}

uint64_t root_mcast_expire(struct root_mcast *m, int64_t older_than)
{
	uint64_t dropped = 0;
	for (int i = 0; i < ROOT_MCAST_SHARDS; i++) {
		struct root_mcast_shard *s = &m->shards[i];
		pthread_mutex_lock(&s->lock);
		for (uint32_t b = 0; b < s->nbuckets; b++) {
			struct root_mcast_group **pp = &s->buckets[b];
			while (*pp) {
				struct root_mcast_group *g = *pp;
				uint32_t k = 0;
				for (uint32_t j = 0; j < g->n; j++)
					if (g->members[j].last >= older_than)
						g->members[k++] = g->members[j];
				dropped += g->n - k;
				atomic_fetch_sub(&m->members, g->n - k);
				g->n = k;
				if (!k) {
					*pp = g->next;
					free_group(g);
					s->ngroups--;
				} else {
					pp = &g->next;
				}
			}
		}
		pthread_mutex_unlock(&s->lock);
	}
	return dropped;
}

uint64_t root_mcast_count(struct root_mcast *m)
{
	return atomic_load(&m->members);
}
