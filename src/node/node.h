/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_NODE_H
#define ZT_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "identity.h"
#include "inetaddr.h"
#include "world.h"

/*
 * The VL1 engine of the edge node (a 1.x-compatible leaf, protocol 12): roots, peers, paths,
 * HELLO/OK/WHOIS/ECHO/RENDEZVOUS/PUSH_DIRECT_PATHS, keepalives, relaying through roots, fragments
 * and compression. It does no I/O and reads no clock: the service feeds it datagrams and the time,
 * and the engine answers through the callbacks below.
 *
 * Threading: single-threaded by contract. Every zt_node_* call on one node must come from the same
 * thread (the service's event loop), and callbacks must not call back into the engine, except the
 * query functions zt_node_status, zt_node_peers, zt_node_peer and zt_node_roots, which are safe
 * from inside `event`.
 *
 * Times are milliseconds (int64) of the service's clock; it must never go backwards by much (a
 * monotonic clock offset to the epoch is ideal). HELLO carries it, so it should be epoch-based.
 */

/* A local socket identifier chosen by the service (e.g. the fd or an index). */
typedef int64_t zt_node_socket;
/*
 * "No particular socket": the service chooses (e.g. its primary socket of the address's family, or
 * every bound socket of that family). Used for first contact with a root endpoint or a tried address.
 */
#define ZT_NODE_SOCKET_ANY ((zt_node_socket)-1)

/* Limits (everything from the network is bounded). */
#define ZT_NODE_MAX_PEERS 4096          /* peer table; least recently used non-root peer evicted */
#define ZT_NODE_MAX_ROOTS 16            /* static + planet roots together */
#define ZT_NODE_MAX_PATHS 8             /* physical paths per peer */
#define ZT_NODE_MAX_ROOT_ENDPOINTS 8    /* endpoints kept per root */
#define ZT_NODE_MAX_TRY_ADDRESSES 8     /* zt_node_try addresses kept per peer */
#define ZT_NODE_MAX_LOCAL_ADDRESSES 16  /* zt_node_set_explicit/local_addresses */
#define ZT_NODE_ROOT_NAME_MAX 64        /* including the NUL */
#define ZT_NODE_PING_TIMEOUT 10000      /* default ms after which an unanswered zt_node_ping times out */
#define ZT_NODE_PING_TIMEOUT_MAX 60000  /* longest timeout zt_node_ping accepts */
/* Largest peer cache object (ZT_NODE_STATE_PEER), what `state_get` must return for a peer. */
#define ZT_NODE_STATE_MAX 2048
/* Largest planet object (ZT_NODE_STATE_PLANET): a serialized world, world.md. */
#define ZT_NODE_STATE_PLANET_MAX ZT_WORLD_MAX_SERIALIZED_LENGTH

struct zt_node;

/* ---------------------------------------------------------------- callbacks */

/* Typed objects the engine stores through the service (it decides file names and format on disk). */
enum zt_node_state_type {
	/* A peer cache entry (identity, version, recent paths), id = the peer's address. Opaque bytes. */
	ZT_NODE_STATE_PEER = 1,
	/* The planet (serialized world, world.md), id = world ID; written when a root sends a newer one. */
	ZT_NODE_STATE_PLANET = 2,
};

enum zt_node_event_type {
	/* At least one root answered within ZT_PEER_ACTIVITY_TIMEOUT (first time, or again). */
	ZT_NODE_EVENT_ONLINE = 1,
	/* No root has answered within ZT_PEER_ACTIVITY_TIMEOUT (only after ONLINE was reported). */
	ZT_NODE_EVENT_OFFLINE = 2,
	/* `address` now has a live direct path (`addr`, `local_socket`: the preferred one). */
	ZT_NODE_EVENT_PEER_DIRECT = 3,
	/* `address` lost its last direct path; traffic goes through a root. */
	ZT_NODE_EVENT_PEER_RELAYED = 4,
	/* OK(ECHO) for zt_node_ping: `cookie`, `rtt_ms`, `address`, and `addr` if it came directly (hops 0). */
	ZT_NODE_EVENT_ECHO_REPLY = 5,
	/* zt_node_ping got no reply within its timeout (`cookie`, `address`). */
	ZT_NODE_EVENT_ECHO_TIMEOUT = 6,
	/*
	 * Fatal: a root says another identity holds our address (ERROR(IDENTITY_COLLISION)). `address`
	 * is the root. The service should stop and tell the operator to generate a new identity.
	 */
	ZT_NODE_EVENT_IDENTITY_COLLISION = 7,
	/* A root reported a new external address for us (`addr`, `address` = the root). */
	ZT_NODE_EVENT_EXTERNAL_ADDRESS = 8,
	/* The planet was replaced by a newer one from a root (also stored via state_put). */
	ZT_NODE_EVENT_PLANET_UPDATED = 9,
	/* A peer was learned from its HELLO or from OK(WHOIS), identity validated (not roots, not cache loads). */
	ZT_NODE_EVENT_PEER_NEW = 10,
	/* An operator-level log line in `message` (rate-limited, never secrets). */
	ZT_NODE_EVENT_LOG = 11,
};

struct zt_node_event {
	enum zt_node_event_type type;
	uint64_t address;            /* the peer or root concerned, 0 if none */
	zt_node_socket local_socket; /* PEER_DIRECT, ECHO_REPLY */
	struct zt_inetaddr addr;     /* see each type; nil otherwise */
	uint64_t cookie;             /* ECHO_REPLY, ECHO_TIMEOUT */
	int64_t rtt_ms;              /* ECHO_REPLY */
	const char *message;         /* LOG (valid during the call only); NULL otherwise */
};

struct zt_node_callbacks {
	void *ctx; /* passed back to every callback */

	/*
	 * Sends one UDP datagram of `len` bytes (<= ZT_DEFAULT_PHYSMTU) to `to` from `local_socket`
	 * (ZT_NODE_SOCKET_ANY: the service picks). `ttl` is the IP TTL / hop limit for this datagram
	 * only; 0 means the socket default (2 is used for the RENDEZVOUS NAT-opening datagram).
	 * Returns 0 if handed to the OS, a negative zt_err otherwise (the engine counts it and moves on).
	 * Required.
	 */
	int (*send)(void *ctx, zt_node_socket local_socket, const struct zt_inetaddr *to, const void *data,
		    size_t len, unsigned ttl);

	/*
	 * Stores an object (data/len copied by the service before returning), or deletes it when
	 * data == NULL. Returns 0 or a negative zt_err (ignored by the engine beyond a log event).
	 * Optional (NULL: nothing is persisted).
	 */
	int (*state_put)(void *ctx, enum zt_node_state_type type, uint64_t id, const void *data, size_t len);

	/*
	 * Loads an object into buf of capacity cap: at least ZT_NODE_STATE_MAX for a PEER and
	 * ZT_NODE_STATE_PLANET_MAX for a PLANET (zt_node_state_max). Returns its length, or a negative
	 * zt_err (ZT_ENOTFOUND if absent, ZT_ETOOBIG if it does not fit). The engine validates
	 * everything it reads back. Optional (NULL: nothing is loaded).
	 */
	long (*state_get)(void *ctx, enum zt_node_state_type type, uint64_t id, void *buf, size_t cap);

	/* Reports an event (the struct and its pointers are valid during the call only). Optional. */
	void (*event)(void *ctx, const struct zt_node_event *ev);

	/*
	 * Extra local path policy, asked after the engine's own (scope) policy accepted an address:
	 * may `address` (the peer; 0 when it is one of our own addresses about to be advertised) be
	 * reached at `addr` from `local_socket` (ZT_NODE_SOCKET_ANY when not decided yet)?
	 * Return false to refuse (e.g. an address that is inside our own virtual network). Optional.
	 */
	bool (*path_check)(void *ctx, uint64_t address, zt_node_socket local_socket, const struct zt_inetaddr *addr);
};

/* Engine settings; zero-initialized = the defaults. */
struct zt_node_config {
	/*
	 * Accept loopback (127/8, ::1) addresses as paths, which 1.x refuses (verbs.md §17). For tests
	 * on one host ("allowLoopbackPaths" in local.conf). Link-local and multicast stay refused.
	 */
	bool allow_loopback_paths;
	/* Physical MTU for fragmentation; 0 = ZT_DEFAULT_PHYSMTU. Clamped to [ZT_MIN_PHYSMTU, 1432]. */
	unsigned mtu;
	/* Peer table size; 0 = ZT_NODE_MAX_PEERS (also the upper bound). Roots always fit. */
	unsigned max_peers;
};

/* ---------------------------------------------------------------- lifecycle */

/*
 * Creates an engine for `identity`, which must hold its private key (copied; the caller may wipe
 * its copy). `cb` is copied; `cfg` may be NULL (defaults). `now`: the current time.
 * Sends nothing: add roots next (zt_node_root_add_static / zt_node_roots_from_world), then call
 * zt_node_background.
 * Returns ZT_OK and *out (free with zt_node_free), ZT_EINVALID (no private key, or no send callback),
 * -ENOMEM or ZT_ECRYPTO.
 */
zt_err zt_node_new(struct zt_node **out, const struct zt_node_callbacks *cb, const struct zt_node_config *cfg,
		   const struct zt_identity *identity, int64_t now);

/*
 * Frees the engine and wipes its keys. NULL is a no-op. Sends and stores nothing: call
 * zt_node_save_state first to keep the peer cache's latest changes.
 */
void zt_node_free(struct zt_node *node);

/*
 * Writes every peer whose cache entry is out of date through state_put now, ignoring the usual
 * pace (at most one write per peer per 10 s), e.g. before zt_node_free at shutdown. Peers with
 * nothing new are not written. Returns ZT_OK (also without a state_put callback), or the first
 * error state_put returned (every peer is still tried; a failed one stays out of date).
 */
zt_err zt_node_save_state(struct zt_node *node, int64_t now);

/*
 * Feeds the engine a peer it knew before: `data` is a ZT_NODE_STATE_PEER object the engine wrote
 * through state_put (borrowed for the call). Its identity is fully validated (a few ms; the caller
 * bounds how many it feeds), the peer is added as a leaf with its cached versions, and a HELLO goes
 * to each cached address the local policy accepts, so a direct path comes back without a WHOIS.
 * Never evicts another peer.
 * Returns ZT_OK; the parser's error (ZT_EMALFORMED, ZT_ETRUNCATED, ZT_EUNSUPPORTED, ...) if `data`
 * is not a peer cache object of this version; ZT_EINVALID (the identity does not validate, or it is
 * our own address); ZT_EEXIST (already known, e.g. a root); ZT_ELIMIT (the peer table is full);
 * -ENOMEM.
 */
zt_err zt_node_peer_preload(struct zt_node *node, const void *data, size_t len, int64_t now);

/* The buffer size state_get needs for objects of `type` (ZT_NODE_STATE_MAX or _PLANET_MAX; 0 if unknown). */
size_t zt_node_state_max(enum zt_node_state_type type);

/* Replaces the settings (e.g. after POST /config). Takes effect for later decisions. */
void zt_node_set_config(struct zt_node *node, const struct zt_node_config *cfg);

/* ---------------------------------------------------------------- driving the engine */

/*
 * Hands the engine one received UDP datagram (data/len only borrowed for the call), from `from`
 * on `local_socket`. Any reply is sent through the callbacks before this returns.
 * *next_deadline (if not NULL) receives the time by which zt_node_background must next be called.
 * Returns ZT_OK if the datagram was processed or queued, or why it was dropped (ZT_EMALFORMED,
 * ZT_EAUTH, ZT_ELIMIT, ...). The return value is informational: drops are normal and never fatal.
 */
zt_err zt_node_receive(struct zt_node *node, int64_t now, zt_node_socket local_socket,
		       const struct zt_inetaddr *from, const void *data, size_t len, int64_t *next_deadline);

/*
 * Runs the timers: HELLO to roots, keepalives, PUSH_DIRECT_PATHS, WHOIS retries, path and queue
 * expiry, ping timeouts. Call it at (or after) the deadline it or zt_node_receive returned, and
 * after API calls that send (they report no deadline). Calling it more often is harmless.
 * *next_deadline (if not NULL) receives the next time to call it (at most ZT_PING_CHECK_INTERVAL
 * ahead). Returns ZT_OK (or ZT_EINVALID after an identity collision: the engine then stays silent).
 */
zt_err zt_node_background(struct zt_node *node, int64_t now, int64_t *next_deadline);

/* The next time zt_node_background wants to run (same value the last call reported, or sooner). */
int64_t zt_node_next_deadline(const struct zt_node *node);

/* ---------------------------------------------------------------- roots */

enum zt_node_root_source {
	ZT_NODE_ROOT_STATIC = 1, /* zt_node_root_add_static */
	ZT_NODE_ROOT_PLANET = 2, /* zt_node_roots_from_world */
};

/*
 * Adds (or, for an address already a root, replaces the endpoints and name of) a static root:
 * `identity` (public part used; validated here, ~5 ms), `endpoints[0..n-1]` (IPv4/IPv6 with a port;
 * at most ZT_NODE_MAX_ROOT_ENDPOINTS are kept, n may be 0 if a planet or the peer cache knows it),
 * `name` (NULL or empty: the address in hex; truncated to ZT_NODE_ROOT_NAME_MAX-1). Sends a HELLO
 * to its endpoints right away. The service persists its root list itself.
 * Returns ZT_OK, ZT_EINVALID (bad identity, our own address, or an endpoint without IP/port),
 * ZT_ELIMIT (ZT_NODE_MAX_ROOTS reached), ZT_EEXIST (the name is used by another root).
 */
zt_err zt_node_root_add_static(struct zt_node *node, const struct zt_identity *identity,
			       const struct zt_inetaddr *endpoints, size_t n, const char *name, int64_t now);

/*
 * Stops using `address` as a root. A root that is both static and in the planet loses only its
 * static listing (it stays a planet root with the planet's endpoints and name); otherwise the root
 * is dropped, and the peer stays known as a leaf (it may be evicted later).
 * Returns ZT_OK or ZT_ENOTFOUND.
 */
zt_err zt_node_root_remove(struct zt_node *node, uint64_t address);

/*
 * Uses the roots of a planet `world` (type PLANET, as from a planet file; not signature-checked here,
 * the caller trusts its file): replaces the previous planet's roots (static roots stay; a planet root
 * that is also static keeps its static name), remembers the planet's ID and timestamp for HELLO, and
 * from then on accepts newer signed versions of it from roots in OK(HELLO) (world.md §3). Roots are
 * named "<planet id in hex>-<n>". Sends HELLO to the new roots.
 * Returns ZT_OK, ZT_EINVALID (not a planet, no roots) or ZT_ELIMIT (too many roots; none added).
 */
zt_err zt_node_roots_from_world(struct zt_node *node, const struct zt_world *world, int64_t now);

struct zt_node_root_info {
	uint64_t address;
	char name[ZT_NODE_ROOT_NAME_MAX];
	enum zt_node_root_source source;
	struct zt_identity identity; /* public only */
	unsigned endpoint_count;
	struct zt_inetaddr endpoints[ZT_NODE_MAX_ROOT_ENDPOINTS];
	bool online;                /* answered within ZT_PEER_ACTIVITY_TIMEOUT */
	bool preferred;             /* the root used for WHOIS and relaying now */
	int64_t latency_ms;         /* -1 unknown */
	int64_t last_receive;       /* 0 never */
	int64_t last_hello;         /* last full HELLO sent, 0 never */
	struct zt_inetaddr external; /* our address as this root last reported it (nil if never) */
};

/*
 * Copies up to `cap` roots into out[] (by value) in insertion order; *count (if not NULL) receives
 * the total number of roots, which may exceed cap. Returns ZT_OK.
 */
zt_err zt_node_roots(const struct zt_node *node, int64_t now, struct zt_node_root_info *out, size_t cap,
		     size_t *count);

/* ---------------------------------------------------------------- peers */

/*
 * Sends an ECHO to `address` carrying a fresh random cookie (*cookie, if not NULL, receives it).
 * If the peer is unknown it is first looked up (peer cache, then WHOIS to the best root); the ECHO
 * goes on the best direct path, or through the best root when there is none. The answer arrives
 * as ZT_NODE_EVENT_ECHO_REPLY, or ZT_NODE_EVENT_ECHO_TIMEOUT after `timeout_ms` (0: the default
 * ZT_NODE_PING_TIMEOUT; at most ZT_NODE_PING_TIMEOUT_MAX).
 * Returns ZT_OK, ZT_EINVALID (reserved or our own address, or a timeout out of range), ZT_ELIMIT
 * (too many pings pending) or ZT_ENOTFOUND (peer unknown and no root to ask).
 */
zt_err zt_node_ping(struct zt_node *node, uint64_t address, int64_t timeout_ms, int64_t now, uint64_t *cookie);

/*
 * Explicit physical addresses for reaching `address` (`zerotier set try`): replaces the previous
 * list for that peer (n = 0 clears it; at most ZT_NODE_MAX_TRY_ADDRESSES kept). The engine sends a
 * HELLO to each now (after WHOIS if the peer is unknown) and again at each keepalive while the peer
 * has no live direct path. Addresses refused by local policy are ignored.
 * Returns ZT_OK or ZT_EINVALID (reserved or own address, or an address without IP/port).
 */
zt_err zt_node_try(struct zt_node *node, uint64_t address, const struct zt_inetaddr *addrs, size_t n,
		   int64_t now);

/*
 * Our own external addresses to advertise in PUSH_DIRECT_PATHS (`explicitAddresses`); when this
 * list is non-empty only these are pushed. n = 0 clears it. At most ZT_NODE_MAX_LOCAL_ADDRESSES.
 * Returns ZT_OK or ZT_EINVALID.
 */
zt_err zt_node_set_explicit_addresses(struct zt_node *node, const struct zt_inetaddr *addrs, size_t n);

/*
 * The addresses our sockets are bound to on local interfaces (with the port), advertised in
 * PUSH_DIRECT_PATHS together with the external addresses roots report, when no explicit addresses
 * are set. Only those local policy accepts are pushed. Same contract as above.
 */
zt_err zt_node_set_local_addresses(struct zt_node *node, const struct zt_inetaddr *addrs, size_t n);

/*
 * The external address a port mapping (UPnP / NAT-PMP) gave us: advertised in PUSH_DIRECT_PATHS
 * like an external address a root reported (when no explicit addresses are set), for as long as it
 * is set rather than for the time a root's report lasts. NULL or a nil address clears it.
 * Returns ZT_OK or ZT_EINVALID (not IPv4/IPv6 with a port).
 */
zt_err zt_node_set_mapped_address(struct zt_node *node, const struct zt_inetaddr *addr);

/* ---------------------------------------------------------------- introspection */

enum zt_node_peer_role {
	ZT_NODE_PEER_LEAF = 0,
	ZT_NODE_PEER_ROOT = 1,
};

struct zt_node_path_info {
	struct zt_inetaddr addr;
	zt_node_socket local_socket;
	int64_t last_send;    /* 0 never */
	int64_t last_receive; /* 0 never */
	bool active;          /* received within the path alive window (19 s) */
	bool preferred;       /* the one used for sending */
	bool expired;         /* no receive for ZT_PEER_PATH_EXPIRATION (about to be dropped) */
};

struct zt_node_peer_info {
	uint64_t address;
	enum zt_node_peer_role role;
	struct zt_identity identity; /* public only */
	int64_t latency_ms;          /* -1 unknown */
	int proto_version;           /* -1 unknown (e.g. known only through WHOIS) */
	int version_major, version_minor, version_revision; /* -1 unknown */
	int64_t last_receive;        /* any authenticated packet, direct or relayed; 0 never */
	int64_t last_send;           /* 0 never */
	bool direct;                 /* has an active path */
	unsigned path_count;
	struct zt_node_path_info paths[ZT_NODE_MAX_PATHS];
};

/*
 * Copies up to `cap` peers (roots included) into out[] by value, ordered by address; *count (if not
 * NULL) receives the total number of peers. Returns ZT_OK.
 */
zt_err zt_node_peers(const struct zt_node *node, int64_t now, struct zt_node_peer_info *out, size_t cap,
		     size_t *count);

/* One peer by address. Returns ZT_OK or ZT_ENOTFOUND. */
zt_err zt_node_peer(const struct zt_node *node, int64_t now, uint64_t address, struct zt_node_peer_info *out);

struct zt_node_status {
	uint64_t address;
	char public_identity[ZT_IDENTITY_STRING_MAX]; /* "addr:0:pub" */
	bool online;
	bool collision;               /* a root reported an identity collision; the engine is silent */
	struct zt_inetaddr external;  /* latest external address a root reported (nil if none) */
	int64_t external_time;        /* when, 0 never */
	unsigned peer_count;          /* roots included */
	unsigned direct_peer_count;   /* peers with an active path */
	unsigned path_count;          /* all paths of all peers */
	unsigned root_count;
	unsigned roots_online;
	uint64_t planet_id;           /* 0 if no planet */
	uint64_t planet_timestamp;
	/* Counters since start. */
	uint64_t rx_datagrams, rx_packets, rx_dropped, rx_auth_failed;
	uint64_t tx_datagrams, tx_failed;
	uint64_t whois_sent, relayed_sent;
};

/* Fills *out. Returns ZT_OK. */
zt_err zt_node_status(const struct zt_node *node, int64_t now, struct zt_node_status *out);

#endif
