/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_ROOT_VALIDATOR_H
#define ZT_ROOT_VALIDATOR_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "node/identity.h"
#include "node/inetaddr.h"
#include "proto.h"
#include "root.h"

/*
 * Identity validation off the packet path. A worker that receives a HELLO from an unknown node
 * checks its MAC (cheap), then queues the HELLO here; a validator thread runs the memory-hard hash
 * and, if the identity is valid, adds the peer to the cache and hands the HELLO back to that worker,
 * which answers it. Two queues: the first-class one holds at most one HELLO per source prefix, and
 * only from prefixes with no recent failed validation; it is always served first. So a flood of
 * bogus identities delays a new node from another prefix by at most one validation per flooding
 * prefix, and the flooders' own further HELLOs wait in the second-class queue.
 */

#define ROOT_VALIDATOR_QUEUE 1024
#define ROOT_SUSPECT_SLOTS 16384
#define ROOT_SUSPECT_MS 60000 /* a prefix stays suspect this long after a failed validation */


struct root_vqueue {
	struct root_vjob *jobs;
	size_t head, len, cap;
};

struct root_validator {
	struct root *root;
	pthread_t *threads;
	int nthreads;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct root_vqueue clean, suspect;
	bool stop;
	_Atomic int64_t *suspect_until; /* per prefix hash slot */
	uint8_t *clean_pending;         /* per prefix hash slot: a job is in the first-class queue (under lock) */
};

zt_err root_validator_start(struct root *r, int nthreads);
void root_validator_stop(struct root *r);

/* True if the source prefix had a failed validation recently. */
bool root_validator_is_suspect(struct root_validator *v, uint64_t prefix, int64_t now);

/* Queues a job (copied). Returns false when the queue for its class is full. */
bool root_validator_submit(struct root_validator *v, const struct root_vjob *job, int64_t now);

/* Jobs waiting (both queues). */
size_t root_validator_backlog(struct root_validator *v);

#endif
