/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_ROOT_STATS_H
#define ZT_ROOT_STATS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

/*
 * Counters of the root. Each worker thread (and the validator) owns one `struct root_counters`
 * on its own cache lines and is its only writer (relaxed atomics, so readers never see torn
 * values); readers sum them. A sampler turns the sums into per-second rates and keeps a short
 * history for the status page.
 */

enum root_drop_reason {
	ROOT_DROP_JUNK = 0,        /* too short / not a ZeroTier datagram */
	ROOT_DROP_OVERSIZE,        /* larger than ZT_PROTO_MAX_PACKET_LENGTH */
	ROOT_DROP_SELF,            /* claims to come from our own address */
	ROOT_DROP_HOPS,            /* relay hop limit reached */
	ROOT_DROP_UNKNOWN_DEST,    /* relay target not in the cache */
	ROOT_DROP_NO_PATH,         /* relay target has no live path (or only the sender's) */
	ROOT_DROP_UNKNOWN_SOURCE,  /* non-HELLO from a node we do not know */
	ROOT_DROP_AUTH,            /* MAC / tag did not verify */
	ROOT_DROP_MALFORMED,       /* authenticated but the payload does not parse */
	ROOT_DROP_RATELIMIT,       /* a per-prefix or per-peer limit */
	ROOT_DROP_INVALID_IDENTITY,/* identity failed validation */
	ROOT_DROP_QUEUE_FULL,      /* validation queue full */
	ROOT_DROP_FRAGMENT,        /* fragment for us that could not be reassembled */
	ROOT_DROP_CIPHER,          /* unsupported cipher (2, 4..7) */
	ROOT_DROP_MAX
};

/* Prometheus label value of a drop reason. */
const char *root_drop_reason_name(enum root_drop_reason r);

enum root_limit_kind {
	ROOT_LIMIT_VALIDATION = 0, /* identity validations per source prefix */
	ROOT_LIMIT_REPLY,          /* replies per peer (WHOIS, ECHO, GATHER, HELLO) */
	ROOT_LIMIT_MAX
};

#define ROOT_VERBS 32

struct root_counters {
	_Atomic uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes;
	_Atomic uint64_t relayed_packets, relayed_bytes;
	_Atomic uint64_t dropped[ROOT_DROP_MAX];
	_Atomic uint64_t dropped_bytes;     /* bytes of dropped relay candidates ("discarded") */
	_Atomic uint64_t verbs[ROOT_VERBS]; /* authenticated packets for us, by verb */
	_Atomic uint64_t limited[ROOT_LIMIT_MAX];
	_Atomic uint64_t validations_ok, validations_failed;
	_Atomic uint64_t rendezvous_sent;
	_Atomic uint64_t replies;           /* OK / ERROR / HELLO packets we originated */
	_Atomic uint64_t kernel_drops;      /* SO_RXQ_OVFL, as last reported by the sockets */
	char pad[64];
} __attribute__((aligned(64)));

#define ROOT_STAT_ADD(c, field, n) atomic_fetch_add_explicit(&(c)->field, (n), memory_order_relaxed)
#define ROOT_STAT_INC(c, field) ROOT_STAT_ADD(c, field, 1)

/* Plain-number snapshot of the sum of all counters. */
struct root_totals {
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes;
	uint64_t relayed_packets, relayed_bytes;
	uint64_t dropped[ROOT_DROP_MAX];
	uint64_t dropped_total, dropped_bytes;
	uint64_t verbs[ROOT_VERBS];
	uint64_t limited[ROOT_LIMIT_MAX];
	uint64_t validations_ok, validations_failed;
	uint64_t rendezvous_sent, replies, kernel_drops;
};

/* Sums `n` counter blocks. */
void root_counters_sum(struct root_totals *t, struct root_counters *const *blocks, int n);

#define ROOT_HISTORY 300 /* one sample per second: the last five minutes */

/* Rates over the last sampling interval. */
struct root_rates {
	int64_t t;                 /* ms, end of the interval */
	double rx_pps, tx_pps, relayed_pps, dropped_pps;
	double rx_mibps, tx_mibps, relayed_mibps, dropped_mibps;
	uint64_t peers_online;
};

struct root_history {
	pthread_mutex_t lock;
	struct root_rates samples[ROOT_HISTORY];
	int head, len;              /* ring */
	struct root_totals last;    /* totals at the previous sample */
	int64_t last_t;
};

void root_history_init(struct root_history *h);
void root_history_free(struct root_history *h);
/* Records a sample from the current totals at time now (ms). */
void root_history_sample(struct root_history *h, const struct root_totals *now_totals, uint64_t peers_online,
			 int64_t now);
/* Copies up to max samples, oldest first; returns how many. */
int root_history_get(struct root_history *h, struct root_rates *out, int max);
/* The most recent sample (zeroed if none yet). */
struct root_rates root_history_latest(struct root_history *h);

#endif
