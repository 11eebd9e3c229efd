/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_NODE_IMPL_H
#define ZT_NODE_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fragment.h"
#include "node.h"
#include "peer.h"
#include "verbs.h"
#include "world.h"

/*
 * Engine-internal: the node structure shared by node.c (API, sending, timers), vl1.c (receive
 * dispatch) and topology.c (peer table, roots, lookups). Never included outside src/node/.
 */

#define ZTN_BUCKETS 8192               /* peer hash buckets (power of two) */
#define ZTN_EXPECT_SLOTS 1024          /* "expecting a reply to" ring */
#define ZTN_EXPECT_TTL 30000           /* an OK older than this is unexpected */
#define ZTN_WHOIS_SLOTS 64             /* addresses being looked up */
#define ZTN_WHOIS_GIVEUP ZT_RECEIVE_QUEUE_TIMEOUT
#define ZTN_RXQ_SLOTS 16               /* packets waiting for their sender's identity */
#define ZTN_PING_SLOTS 32              /* zt_node_ping in flight */
#define ZTN_PENDING_TRY_SLOTS 8        /* zt_node_try for peers not yet known */
#define ZTN_IDGATE_SLOTS 4096          /* identity-validation gate per source /24 or /48 */
#define ZTN_IDGATE_INTERVAL ZT_IDENTITY_VALIDATION_SOURCE_RATE_LIMIT
#define ZTN_VALIDATE_PER_SEC 10        /* full identity validations per second (each ~5 ms) */
#define ZTN_NEW_WHOIS_PER_SEC 20       /* new lookups (cache read + WHOIS) per second */
#define ZTN_LOG_PER_SEC 10             /* LOG events per second */
#define ZTN_ROOT_CONTACT_GATE (ZT_PATH_HEARTBEAT_PERIOD * 16) /* 224 s, verbs.md §17 */
#define ZTN_PUSH_INTERVAL 15000
#define ZTN_PUSH_INTERVAL_DIRECT 120000
#define ZTN_PUSH_IN_WINDOW 30000
#define ZTN_PUSH_IN_MAX 8
#define ZTN_PUSH_MAX_PER_SCOPE_FAMILY 8
#define ZTN_TRY_INTERVAL 15000         /* HELLO to try addresses while a peer has no live path */
#define ZTN_JUNK_LEN 4
#define ZTN_JUNK_TTL 2
#define ZTN_ECHO_COOKIE_LEN 8

struct ztn_root {
	uint64_t address;
	char name[ZT_NODE_ROOT_NAME_MAX];
	bool is_static;
	bool in_planet;
	struct zt_identity id; /* public */
	unsigned ep_count;
	struct zt_inetaddr eps[ZT_NODE_MAX_ROOT_ENDPOINTS];
	unsigned ep_next;        /* endpoint rotation for pathless contact */
	int64_t last_hello;      /* full HELLO sent */
	int64_t last_contact;    /* last pathless contact attempt (HELLO to endpoints) */
	struct zt_inetaddr external;
	int64_t external_time;
};

struct ztn_expect {
	uint64_t packet_id; /* wire ID */
	uint64_t dest;
	uint8_t verb;
	int64_t sent;
};

struct ztn_whois {
	uint64_t address; /* 0 = free */
	int64_t first;
	int64_t last_sent;
	unsigned sends;
};

struct ztn_rxq {
	bool used;
	int64_t at;
	uint64_t source;
	zt_node_socket sock;
	struct zt_inetaddr from;
	size_t len;
	uint8_t data[ZT_PROTO_MAX_PACKET_LENGTH];
};

enum ztn_ping_state { ZTN_PING_FREE = 0, ZTN_PING_WAITING, ZTN_PING_SENT };

struct ztn_ping {
	enum ztn_ping_state state;
	uint64_t cookie;
	uint64_t address;
	int64_t created;
	int64_t sent;
	int64_t timeout; /* ms after `created` */
};

struct ztn_pending_try {
	uint64_t address; /* 0 = free */
	int64_t created;
	unsigned n;
	struct zt_inetaddr addrs[ZT_NODE_MAX_TRY_ADDRESSES];
};

struct ztn_bucket_rate {
	int64_t window; /* start of the current second */
	unsigned used;
};

struct zt_node {
	struct zt_node_callbacks cb;
	struct zt_node_config cfg;
	unsigned mtu;
	struct zt_identity self; /* with private key */
	char self_public[ZT_IDENTITY_STRING_MAX];
	bool collision;
	int64_t now;

	struct ztn_peer *buckets[ZTN_BUCKETS];
	unsigned peer_count;

	unsigned root_count;
	struct ztn_root roots[ZT_NODE_MAX_ROOTS];
	struct zt_world *planet; /* NULL if none */
	bool online;             /* last reported */
	struct zt_inetaddr external;
	int64_t external_time;

	unsigned explicit_count, local_count;
	struct zt_inetaddr explicit_addrs[ZT_NODE_MAX_LOCAL_ADDRESSES];
	struct zt_inetaddr local_addrs[ZT_NODE_MAX_LOCAL_ADDRESSES];
	struct zt_inetaddr mapped; /* from the service's port mapping; nil if none */

	unsigned expect_next;
	struct ztn_expect expect[ZTN_EXPECT_SLOTS];
	struct ztn_whois whois[ZTN_WHOIS_SLOTS];
	struct ztn_ping pings[ZTN_PING_SLOTS];
	struct ztn_pending_try tries[ZTN_PENDING_TRY_SLOTS];
	struct ztn_rxq rxq[ZTN_RXQ_SLOTS];
	int64_t idgate[ZTN_IDGATE_SLOTS];
	struct ztn_bucket_rate validate_rate, whois_rate, log_rate;
	bool pending_work; /* something may be unblocked: run ztn_flush */

	int64_t last_ping_check;
	struct zt_node_status stats; /* counters only */

	struct zt_defrag defrag;
	uint8_t rx[ZT_PROTO_MAX_PACKET_LENGTH];      /* the packet being processed */
	uint8_t tx[ZT_PROTO_MAX_PACKET_LENGTH];      /* the packet being built */
	uint8_t frag[ZT_PROTO_MAX_PACKET_LENGTH];    /* one fragment on its way out */
	uint8_t payload[ZT_PROTO_MAX_PACKET_LENGTH]; /* a payload being composed */
	uint8_t state[ZT_NODE_STATE_MAX];
	/* Large decode results; one at a time (single-threaded, never nested). */
	union {
		struct zt_verb_hello hello;
		struct zt_verb_whois whois;
		struct zt_verb_ok_whois ok_whois;
		struct zt_verb_push_direct_paths push;
	} scratch;
	struct zt_world world_scratch;
};

/* ---------------------------------------------------------------- node.c */
void ztn_event(struct zt_node *n, enum zt_node_event_type type, uint64_t address);
void ztn_event_full(struct zt_node *n, const struct zt_node_event *ev);
void ztn_log(struct zt_node *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A simple per-second budget: true (and counts) if fewer than `limit` were used this second. */
bool ztn_rate_take(struct ztn_bucket_rate *r, unsigned limit, int64_t now);

/* Sends raw bytes on the wire (counts, never fails loudly). */
int ztn_send_raw(struct zt_node *n, zt_node_socket sock, const struct zt_inetaddr *to, const void *data,
		 size_t len, unsigned ttl);
/*
 * Builds, compresses (if worth it), armors and sends a packet with `verb` and payload[0..len-1] to
 * peer p: to `addr` on `sock` if addr is not NULL, else on p's best live path, else relayed through
 * the best root. Records the expected reply for HELLO/WHOIS/ECHO. *wire_id receives the packet ID.
 * Returns ZT_OK or why nothing was sent (ZT_ENOTFOUND: no route).
 */
zt_err ztn_send(struct zt_node *n, struct ztn_peer *p, uint8_t verb, const void *payload, size_t len,
		const struct zt_inetaddr *addr, zt_node_socket sock, uint64_t *wire_id);
/* Full HELLO to p at a physical address (cipher 0 with the cryptField). */
zt_err ztn_send_hello(struct zt_node *n, struct ztn_peer *p, const struct zt_inetaddr *addr, zt_node_socket sock);
/* "attemptToContactAt": ECHO if p's protocol is known >= 5, else a full HELLO. */
zt_err ztn_contact(struct zt_node *n, struct ztn_peer *p, const struct zt_inetaddr *addr, zt_node_socket sock);
/* Local path policy (scope, loopback setting, root endpoint allow-list, the service's check). */
bool ztn_path_allowed(struct zt_node *n, const struct ztn_peer *p, const struct zt_inetaddr *addr,
		      zt_node_socket sock);
/* Direct/relayed and online/offline transitions, state saving. */
void ztn_peer_check_direct(struct zt_node *n, struct ztn_peer *p);
void ztn_check_online(struct zt_node *n);
/* Writes p's cache entry if it changed (force: even within ZTN_STATE_SAVE_INTERVAL). ZT_OK or state_put's error. */
zt_err ztn_peer_save(struct zt_node *n, struct ztn_peer *p, bool force);
/* Handles things waiting for a peer or a route: queued packets, pings, pending tries. */
void ztn_flush(struct zt_node *n);

/* ---------------------------------------------------------------- vl1.c */
/* Processes one whole (reassembled) armored packet in n->rx. */
zt_err ztn_process(struct zt_node *n, zt_node_socket sock, const struct zt_inetaddr *from, size_t len);
/* Remembers an outgoing request; returns the matching entry on the OK (NULL if unexpected). */
void ztn_expect_add(struct zt_node *n, uint64_t packet_id, uint64_t dest, uint8_t verb);
const struct ztn_expect *ztn_expect_find(struct zt_node *n, uint64_t packet_id, uint64_t source, uint8_t verb);

/* ---------------------------------------------------------------- topology.c */
struct ztn_peer *ztn_peer_find(const struct zt_node *n, uint64_t address);
/* Inserts p (the address must not be present), evicting the least recently used leaf when full. */
zt_err ztn_peer_insert(struct zt_node *n, struct ztn_peer *p);
/* Removes and frees a peer (never a root). */
void ztn_peer_remove(struct zt_node *n, struct ztn_peer *p);
/*
 * Creates a peer for a public identity (key agreement with ours) and inserts it; a root is never
 * evicted and always fits. NULL on failure.
 */
struct ztn_peer *ztn_peer_create(struct zt_node *n, const struct zt_identity *id, bool root);
/* Calls fn for every peer (fn must not insert or remove). */
void ztn_peer_foreach(struct zt_node *n, void (*fn)(struct zt_node *, struct ztn_peer *, void *), void *arg);

struct ztn_root *ztn_root_find(struct zt_node *n, uint64_t address);
/* The root to use for WHOIS and relaying (lowest latency among those online), or NULL. */
struct ztn_peer *ztn_root_best(struct zt_node *n);
/* Sends a packet to a root peer: best live path, else a non-expired path, else an endpoint. */
zt_err ztn_root_route(struct zt_node *n, struct ztn_peer *root, struct zt_inetaddr *addr, zt_node_socket *sock);
/* Keepalive and contact of all roots (verbs.md §17, without the WHOIS quirk). */
void ztn_roots_ping(struct zt_node *n);
/* Called when a root reports our external address. */
void ztn_root_external(struct zt_node *n, struct ztn_peer *root, const struct zt_inetaddr *addr);
/* Replaces the planet and its roots (shared by the API and OK(HELLO) updates). */
zt_err ztn_planet_apply(struct zt_node *n, const struct zt_world *w);

/*
 * Looks `address` up: the peer if known; else loads it from the peer cache; else starts (or keeps)
 * a WHOIS through the best root and returns NULL.
 */
struct ztn_peer *ztn_lookup(struct zt_node *n, uint64_t address);
/* Full identity validation under the per-second budget: ZT_OK, ZT_ELIMIT or ZT_EINVALID. */
zt_err ztn_validate(struct zt_node *n, const struct zt_identity *id);
/* WHOIS retries and give-ups. */
void ztn_whois_service(struct zt_node *n);
void ztn_whois_done(struct zt_node *n, uint64_t address);
bool ztn_whois_pending(const struct zt_node *n, uint64_t address);

#endif
