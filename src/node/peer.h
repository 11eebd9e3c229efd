/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_PEER_H
#define ZT_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "identity.h"
#include "inetaddr.h"
#include "node.h"
#include "packet.h"

/*
 * Engine-internal: one known peer (identity, key, versions) and its physical paths, with the
 * path rules of verbs.md §17. Pure data logic: no sending, no callbacks. Used by node.c, vl1.c,
 * topology.c only; nothing here is part of the engine's API (node.h).
 */

/* A path is "alive" (used for sending) this long after its last receive (packet.md §13). */
#define ZTN_PATH_ALIVE_MS (ZT_PATH_HEARTBEAT_PERIOD + 5000)
/* Unknown paths we sent a confirming HELLO to, remembered per peer for the 1 s gate. */
#define ZTN_CONFIRM_SLOTS 4
#define ZTN_CONFIRM_INTERVAL 1000
/* Inbound ECHO answered at most once per this many ms per path (verbs.md §9). */
#define ZTN_ECHO_IN_INTERVAL (1000 / 6)
/* Inbound WHOIS answered at most once per this many ms per peer (non-root rule, verbs.md §5). */
#define ZTN_WHOIS_IN_INTERVAL 100
/* Peer cache entries are written at most this often per peer. */
#define ZTN_STATE_SAVE_INTERVAL 10000
/* Peer cache format version (first byte of a ZT_NODE_STATE_PEER object). */
#define ZTN_PEER_STATE_VERSION 1

struct ztn_path {
	struct zt_inetaddr addr;
	zt_node_socket sock;
	int64_t last_send;
	int64_t last_receive;
	int64_t last_echo_in; /* inbound ECHO gate */
};

struct ztn_confirm {
	struct zt_inetaddr addr;
	zt_node_socket sock;
	int64_t at;
};

struct ztn_peer {
	struct ztn_peer *next; /* hash chain (topology.c) */
	struct zt_identity id; /* public only */
	struct zt_peer_key key;
	int proto; /* -1 = unknown (learned by WHOIS or the cache only) */
	int major, minor, revision;
	int64_t latency; /* -1 unknown */

	bool root;   /* listed as a root (topology.c keeps this in sync with the root table) */
	bool direct; /* last reported direct/relayed state (for events) */
	bool dirty;  /* cache entry out of date */

	int64_t last_receive;    /* any authenticated packet */
	int64_t last_send;
	int64_t last_nontrivial; /* FRAME, EXT_FRAME, NETWORK_CONFIG(_REQUEST), MULTICAST_FRAME received */
	int64_t last_interest;   /* zt_node_ping / zt_node_try from the local user */
	int64_t last_used;       /* LRU */
	int64_t last_hello;      /* last full HELLO sent (any address) */
	int64_t last_try;        /* last HELLO round to try addresses */
	int64_t last_whois_in;
	int64_t last_echo_in_relayed;
	int64_t last_push_sent;
	int64_t last_push_in;
	unsigned push_in_count;
	int64_t last_saved;

	unsigned path_count;
	struct ztn_path paths[ZT_NODE_MAX_PATHS];
	struct ztn_confirm confirm[ZTN_CONFIRM_SLOTS];
	unsigned try_count;
	struct zt_inetaddr try_addrs[ZT_NODE_MAX_TRY_ADDRESSES];
};

/*
 * Allocates a peer for the public part of `id` with the agreed 48-byte key. Returns NULL on
 * allocation or key-setup failure. Free with ztn_peer_free.
 */
struct ztn_peer *ztn_peer_new(const struct zt_identity *id, const uint8_t key[static ZT_SYMMETRIC_KEY_SIZE],
			      int64_t now);
void ztn_peer_free(struct ztn_peer *p);

static inline bool ztn_path_alive(const struct ztn_path *pa, int64_t now)
{
	return pa->last_receive > 0 && now - pa->last_receive < ZTN_PATH_ALIVE_MS;
}
static inline bool ztn_path_expired(const struct ztn_path *pa, int64_t now)
{
	return now - pa->last_receive >= ZT_PEER_PATH_EXPIRATION;
}

/* The path with exactly this address and local socket, or NULL. */
struct ztn_path *ztn_peer_path_find(struct ztn_peer *p, const struct zt_inetaddr *addr, zt_node_socket sock);
/* The alive path with the latest receive (the one we send on), or NULL. */
struct ztn_path *ztn_peer_best_path(struct ztn_peer *p, int64_t now);
/* True if some path is alive. */
bool ztn_peer_has_alive_path(const struct ztn_peer *p, int64_t now);
/* True if some alive path has the given address family. */
bool ztn_peer_has_alive_family(const struct ztn_peer *p, uint8_t family, int64_t now);

/*
 * Learns a path (verbs.md §17): refreshes it if known; otherwise replaces an expired path to the same
 * IP on the same socket, or fills an empty slot, or replaces the path with the oldest receive.
 * Returns the path (never NULL).
 */
struct ztn_path *ztn_peer_path_learn(struct ztn_peer *p, const struct zt_inetaddr *addr, zt_node_socket sock,
				     int64_t now);
/* Drops paths with no receive for ZT_PEER_PATH_EXPIRATION. Returns how many. */
unsigned ztn_peer_paths_expire(struct ztn_peer *p, int64_t now);

/*
 * The 1 s confirmation gate for an unknown path: true (and remembers now) if no confirming HELLO
 * went to (addr, sock) within ZTN_CONFIRM_INTERVAL.
 */
bool ztn_peer_confirm_gate(struct ztn_peer *p, const struct zt_inetaddr *addr, zt_node_socket sock, int64_t now);

/* Records the remote versions (from HELLO or OK(HELLO)). */
void ztn_peer_set_version(struct ztn_peer *p, int proto, int major, int minor, int revision);
/* The cipher to armor non-HELLO packets with: 3 if the remote speaks protocol >= 12, else 1. */
unsigned ztn_peer_cipher(const struct ztn_peer *p);

/*
 * The peer cache entry (ZT_NODE_STATE_PEER): version byte, public identity, versions, latency and
 * the paths' addresses. Returns the length written into out (cap >= ZT_NODE_STATE_MAX always
 * suffices) or a negative zt_err.
 */
long ztn_peer_state_write(const struct ztn_peer *p, uint8_t *out, size_t cap);

struct ztn_peer_state {
	struct zt_identity id;
	int proto, major, minor, revision;
	unsigned addr_count;
	struct zt_inetaddr addrs[ZT_NODE_MAX_PATHS];
};
/* Parses a cache entry (bounded; rejects anything malformed). Does not validate the identity. */
zt_err ztn_peer_state_read(struct ztn_peer_state *s, const uint8_t *data, size_t len);

/* Fills the introspection record (by value). */
void ztn_peer_info(const struct ztn_peer *p, int64_t now, struct zt_node_peer_info *out);

#endif
