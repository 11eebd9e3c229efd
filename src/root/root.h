/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_ROOT_ROOT_H
#define ZT_ROOT_ROOT_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "cache.h"
#include "conf.h"
#include "io.h"
#include "node/identity.h"
#include "stats.h"
#include "store.h"

/*
 * The root daemon's shared state. Worker threads each own a `struct root_worker` (sockets, send
 * batch, counters); everything in `struct root` is either immutable after start, internally
 * locked (cache, store, planet, history), or atomic.
 */

#define ROOT_VERSION_STRING PACKAGE_VERSION

/* The planet served in OK(HELLO) to nodes holding an older copy of the same world. */
struct root_planet {
	pthread_rwlock_t lock;
	uint8_t *bytes;         /* raw serialized world, NULL if none */
	size_t len;
	uint64_t id;
	uint64_t timestamp;
	int nroots;
	char path[PATH_MAX];
};

struct root;
struct root_proto;
struct root_proc;
struct root_validator;
struct root_vjob;

struct root_worker {
	struct root *root;
	int index;
	pthread_t thread;
	bool started;
	struct root_io io;
	struct root_proc *proc;
	struct root_counters counters;
	/* HELLOs whose identity the validator accepted, to be answered by this worker. */
	pthread_mutex_t done_lock;
	struct root_vjob *done;
	size_t done_len, done_cap;
};

struct root {
	struct root_config cfg;
	char home[PATH_MAX];
	char config_path[PATH_MAX];  /* "" if none */
	bool config_optional;        /* the default root.json may be absent */
	struct zt_identity id;
	char id_public[ZT_IDENTITY_STRING_MAX];
	int64_t start_time;          /* ms */

	struct root_endpoint endpoints[ROOT_IO_MAX_ENDPOINTS];
	int nendpoints;

	struct root_cache cache;
	struct root_store store;
	struct root_planet planet;
	struct root_history history;

	struct root_worker *workers;
	int nworkers;
	struct root_counters misc_counters; /* validator, housekeeping */

	void *http;                  /* struct MHD_Daemon * */
	struct root_proto *proto;
	struct root_validator *validator;

	/* Settings that SIGHUP changes while workers run. */
	_Atomic int relay_max_hops;
	int cli_log_level;           /* --log-level, overrides root.json; -1 if not given */
	_Atomic uint64_t online;     /* peers online, recounted by housekeeping every few seconds */

	atomic_bool stop;
	atomic_bool reload;
};

/* Peers heard from within this window count as online (ZT_PEER_ACTIVITY_TIMEOUT). */
#define ROOT_ONLINE_WINDOW_MS 500000

/* Sums every counter block of the root (workers + misc). */
void root_totals(struct root *r, struct root_totals *t);
/* Number of peers heard from within ROOT_ONLINE_WINDOW_MS of now. */
uint64_t root_peers_online(struct root *r, int64_t now);
/* Wall clock in ms. */
int64_t root_now(void);

#endif
