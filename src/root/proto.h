/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_ROOT_PROTO_H
#define ZT_ROOT_PROTO_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "mcast.h"
#include "node/verbs.h"
#include "node/fragment.h"
#include "node/packet.h"
#include "ratelimit.h"
#include "root.h"

/*
 * What the root does with packets (roots.md §1, §3): relay, introduce (RENDEZVOUS), answer HELLO,
 * WHOIS, ECHO, MULTICAST_LIKE/GATHER. Shared state lives in struct root_proto (one per daemon);
 * per-thread state (AES contexts of recently used peers, fragment reassembly) in struct
 * root_proc (one per worker). Nothing here does I/O itself: replies go into the worker's send batch.
 */

#define ROOT_KEYCACHE_SLOTS 1024
#define ROOT_PENDING_HELLO_SLOTS 4096
#define ROOT_RENDEZVOUS_SLOTS (1u << 16)
#define ROOT_MAX_HELLO_LENGTH 1400   /* a HELLO with 32 moons is 681 bytes */
#define ROOT_PATH_ALIVE_MS 500000     /* relay to a path heard from within this window */
#define ROOT_PATH_CONFIRM_MS 1000     /* at most one confirming HELLO per peer per second */
#define ROOT_LIKE_RATE 16             /* multicast subscriptions per peer per second ... */
#define ROOT_LIKE_BURST 256           /* ... with this burst (a 1.x leaf announces ~3 per network a minute) */
#define ROOT_PREFIX_REPLY_RATE 200    /* replies per second per source prefix for off-path requests */

/* The software version we advertise in HELLO and OK(HELLO). */
#define ROOT_VERSION_MAJOR 0
#define ROOT_VERSION_MINOR 1
#define ROOT_VERSION_REVISION 0

struct root_pending_hello {
	_Atomic uint64_t packet_id; /* wire ID of a HELLO we sent (0 = free) */
	_Atomic uint64_t address;
	_Atomic uint64_t endpoint;  /* hash of where it was sent: only an OK from there confirms the path */
	_Atomic int64_t sent;
};

struct root_proto {
	struct root_limiter validation_limit; /* per source prefix */
	struct root_limiter reply_limit;      /* per peer address */
	struct root_limiter confirm_limit;    /* confirming HELLOs per peer */
	struct root_limiter like_limit;       /* MULTICAST_LIKE tuples per peer */
	struct root_limiter reply_prefix_limit; /* replies per source prefix to requests off a peer's known path */
	struct root_mcast mcast;
	_Atomic uint64_t *rendezvous;         /* slot: pair tag (32) | seconds (32) */
	struct root_pending_hello pending[ROOT_PENDING_HELLO_SLOTS];
	uint8_t self_identity[ZT_IDENTITY_PUBLIC_BINARY_LEN]; /* preformatted for WHOIS(root) */
};

zt_err root_proto_init(struct root_proto *p, struct root *r, int64_t now);
void root_proto_free(struct root_proto *p);

struct root_keyslot {
	uint64_t address;
	struct zt_peer_key pk;
	bool used;
};

/* A HELLO from an unknown node waiting for (or returning from) identity validation. */
struct root_vjob {
	uint8_t pkt[ROOT_MAX_HELLO_LENGTH];
	uint16_t len;
	uint16_t worker;
	uint8_t sock;
	struct zt_inetaddr from;
	struct zt_identity id;     /* public, from the HELLO */
	uint8_t key[48];           /* agreed key (the MAC verified with it) */
	uint64_t prefix;
};

struct root_proc {
	struct root_keyslot keys[ROOT_KEYCACHE_SLOTS];
	struct zt_defrag *defrag; /* reassembly of fragmented packets addressed to us */
	uint8_t whole[ZT_PROTO_MAX_PACKET_LENGTH + 16]; /* a reassembled packet */
	uint8_t big[ZT_PROTO_MAX_PACKET_LENGTH];        /* a reply being built (tx_begin/tx_end) */
	/* Large scratch structures, kept here rather than on the stack. */
	struct zt_verb_hello hello;
	struct zt_verb_ok_multicast_gather gather;
	struct root_vjob job;
};

zt_err root_proc_init(struct root_proc *pc);
void root_proc_free(struct root_proc *pc);
/* Forgets any cached AES state for address (after an identity change). */
void root_proc_forget(struct root_proc *pc, uint64_t address);

/*
 * Handles one received datagram. `buf` holds `len` bytes and has room for ZT_PROTO_MAX_PACKET_LENGTH
 * (it is modified: hops, decryption). `validated` is true when the validator re-submits a HELLO
 * whose identity it has just validated.
 */
void root_handle_datagram(struct root_worker *w, uint8_t *buf, size_t len, const struct zt_inetaddr *from,
			  uint8_t sock, int64_t now);

/* Re-runs a HELLO after its identity passed validation (called by the worker that queued it). */
void root_handle_validated_hello(struct root_worker *w, uint8_t *buf, size_t len, const struct zt_inetaddr *from,
				 uint8_t sock, int64_t now);

#endif
