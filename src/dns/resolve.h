/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_DNS_RESOLVE_H
#define ZT_DNS_RESOLVE_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/name.h"
#include "dns/rootset.h"
#include "dns/txt.h"
#include "node/err.h"
#include "node/inetaddr.h"

/*
 * Asynchronous lookup of dynamic root sets with c-ares, for a single-threaded poll() loop. Nothing
 * here blocks: the owner asks for the sockets to watch and the longest it may sleep, polls, and
 * hands the result back; answers arrive through callbacks run from zt_dns_resolver_process().
 *
 *   for (;;) {
 *       int n = zt_dns_resolver_pollfds(r, fds, ZT_DNS_POLLFD_MAX);   // + the loop's own fds
 *       int t = zt_dns_resolver_timeout_ms(r);                       // -1: no lookup pending
 *       poll(fds, n, min(t, other timers));
 *       zt_dns_resolver_process(r, fds, n);
 *   }
 *
 * A resolver and its callbacks belong to one thread. c-ares errors become zt_err here only.
 */

#define ZT_DNS_POLLFD_MAX 16            /* c-ares watches at most this many sockets at once */
#define ZT_DNS_DEFAULT_TIMEOUT_MS 2000  /* first try; c-ares doubles it on each retry round */
#define ZT_DNS_DEFAULT_TRIES 2
#define ZT_DNS_EDNS_PAYLOAD 1232        /* advertised UDP size; larger answers come over TCP */

/* Refresh schedule (zt_dns_refresh_delay_ms). */
#define ZT_DNS_REFRESH_MIN_MS (60 * 1000)            /* even with TTL 0 (dnsmasq's default) */
#define ZT_DNS_REFRESH_MAX_MS (24 * 3600 * 1000)     /* even with a TTL of a week */
#define ZT_DNS_RETRY_MIN_MS (30 * 1000)              /* after a first failure */
#define ZT_DNS_RETRY_MAX_MS (3600 * 1000)            /* the backoff stops doubling here */

struct zt_dns_resolver;

struct zt_dns_resolver_config {
	const struct zt_inetaddr *servers; /* servers as IP/port (air-gapped sites, tests); NULL: the system's */
	size_t server_count;
	int timeout_ms;                    /* 0: ZT_DNS_DEFAULT_TIMEOUT_MS */
	int tries;                         /* 0: ZT_DNS_DEFAULT_TRIES */
};

/* The outcome of one lookup. Pointers are valid only during the callback. */
struct zt_dns_result {
	zt_err err;                      /* ZT_OK: `set` is the set to use (new, or the one held) */
	const struct zt_dns_name *name;
	const struct zt_rootset *set;    /* NULL unless err == ZT_OK */
	bool unchanged;                  /* ZT_OK and `set` is the very set given as current */
	uint32_t ttl;                    /* seconds: the smallest TTL of the answer (0 without one) */
	struct zt_dns_verdict verdict;   /* what the TXT records held, for the log */
	const char *detail;              /* the resolver's message for a failed lookup, else "" */
};

typedef void (*zt_dns_result_fn)(void *arg, const struct zt_dns_result *res);

/*
 * Creates a resolver. Returns ZT_OK, ZT_EINVALID (a server that is not IPv4/IPv6 with a port),
 * ZT_EDNS (c-ares could not start: its message is logged nowhere, see ares_init_options) or -ENOMEM.
 */
zt_err zt_dns_resolver_new(struct zt_dns_resolver **out, const struct zt_dns_resolver_config *cfg);

/* Destroys the resolver. Pending lookups are dropped: their callbacks are not called. NULL is fine. */
void zt_dns_resolver_free(struct zt_dns_resolver *r);

/*
 * Starts looking up the root set of `name` (already parsed, so a name with a damaged key never
 * gets here). `cur` (copied; NULL = nothing accepted yet) is the state of the newest set accepted
 * for this name: the answer must not roll back behind it. `fn` runs exactly once with the result,
 * from zt_dns_resolver_process(), or, if c-ares fails at once, before this function returns.
 * Returns ZT_OK or -ENOMEM.
 */
zt_err zt_dns_resolve_rootset(struct zt_dns_resolver *r, const struct zt_dns_name *name,
			      const struct zt_rootset_state *cur, zt_dns_result_fn fn, void *arg);

/* Lookups in flight. */
unsigned zt_dns_resolver_pending(const struct zt_dns_resolver *r);

/*
 * Fills fds[0..] (at most max entries; ZT_DNS_POLLFD_MAX is always enough) with the sockets to
 * watch and their events, revents cleared. Returns the count. Call before every poll(): the set
 * changes as lookups start and finish.
 */
int zt_dns_resolver_pollfds(struct zt_dns_resolver *r, struct pollfd *fds, int max);

/* Milliseconds until zt_dns_resolver_process must run anyway (retries, timeouts); -1 if idle. */
int zt_dns_resolver_timeout_ms(struct zt_dns_resolver *r);

/*
 * After poll(): handles the sockets among fds[0..n-1] that are ready (the entries
 * zt_dns_resolver_pollfds filled) and every timeout that has expired. Result callbacks run here.
 */
void zt_dns_resolver_process(struct zt_dns_resolver *r, const struct pollfd *fds, int n);

/*
 * When to look a name up again, in milliseconds: after a success, its TTL within
 * [ZT_DNS_REFRESH_MIN_MS, ZT_DNS_REFRESH_MAX_MS]; after `failures` (>= 1) failed lookups in a row,
 * ZT_DNS_RETRY_MIN_MS doubled per further failure, up to ZT_DNS_RETRY_MAX_MS. A failure here means
 * anything but ZT_OK: a forged or stale answer is retried like an unreachable server.
 */
int64_t zt_dns_refresh_delay_ms(zt_err err, uint32_t ttl, unsigned failures);

#endif
