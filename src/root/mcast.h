/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_ROOT_MCAST_H
#define ZT_ROOT_MCAST_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "node/err.h"
#include "node/verbs.h"

/*
 * The multicast directory of last resort (roots.md §1.5): (nwid, MAC, ADI) -> members, filled by
 * MULTICAST_LIKE from anyone, read by MULTICAST_GATHER, entries expire after 600 s. Sharded, each
 * shard a hash table of groups with small member arrays; the total number of memberships is
 * bounded, so a flood of LIKEs cannot grow it without limit.
 */

#define ROOT_MCAST_SHARDS 64

struct root_mcast_group;

struct root_mcast_shard {
	pthread_mutex_t lock;
	struct root_mcast_group **buckets;
	uint32_t nbuckets;
	uint32_t ngroups;
};

struct root_mcast {
	struct root_mcast_shard shards[ROOT_MCAST_SHARDS];
	uint64_t max_members;
	_Atomic uint64_t members; /* memberships, all shards */
};

zt_err root_mcast_init(struct root_mcast *m, uint64_t max_members);
void root_mcast_free(struct root_mcast *m);

/* Records that `member` subscribes to `g` at now. Returns ZT_OK or ZT_ELIMIT when full. */
zt_err root_mcast_like(struct root_mcast *m, const struct zt_multicast_group *g, uint64_t member, int64_t now);

/*
 * Fills out[] with up to `max` members of `g` (random order, never `requester`, none older than
 * expiry) and returns how many; *total receives the number of live members (including the
 * requester if subscribed).
 */
size_t root_mcast_gather(struct root_mcast *m, const struct zt_multicast_group *g, uint64_t requester, int64_t now,
			 uint64_t *out, size_t max, uint32_t *total);

/* Drops memberships older than `older_than` and empty groups. Returns how many were dropped. */
uint64_t root_mcast_expire(struct root_mcast *m, int64_t older_than);

uint64_t root_mcast_count(struct root_mcast *m);

#endif
