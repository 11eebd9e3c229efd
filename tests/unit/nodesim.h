/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_TEST_NODESIM_H
#define ZT_TEST_NODESIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/identity.h"
#include "node/inetaddr.h"
#include "node/node.h"

/*
 * An in-memory UDP network for engine tests: several zt_node engines, a simulated clock, datagrams
 * delivered after a fixed latency, an optional "relay" role for a node's address (forwards packets
 * addressed to other nodes, as a root does), and a log of every datagram sent, which tests decode
 * with the pair keys (the harness knows all secret keys).
 */

#define SIM_MAX_NODES 6
#define SIM_MAX_EVENTS 1024
#define SIM_MAX_STATES 32
#define SIM_MAX_EXTRA 4
#define SIM_START_TIME 1795603888354LL

struct sim_event {
	enum zt_node_event_type type;
	int64_t at;
	uint64_t address;
	uint64_t cookie;
	int64_t rtt;
	struct zt_inetaddr addr;
};

struct sim_state {
	bool used;
	int type;
	uint64_t id;
	size_t len;
	uint8_t data[ZT_NODE_STATE_PLANET_MAX]; /* a peer entry or a planet */
};

struct sim;

struct sim_node {
	struct sim *sim;
	int idx;
	struct zt_identity id; /* with secret */
	struct zt_inetaddr addr;
	struct zt_node *node;
	bool up;    /* runs timers and receives */
	bool relay; /* forwards packets whose destination is another sim node (hops + 1) */
	int64_t deadline;
	unsigned nevents;
	struct sim_event events[SIM_MAX_EVENTS];
	struct sim_state states[SIM_MAX_STATES];
	unsigned state_puts, state_gets;
};

struct sim_dgram {
	int64_t at;
	int src; /* sending node index, -1 for the harness */
	struct zt_inetaddr from, to;
	unsigned ttl;
	size_t len;
	uint8_t *data;
};

struct sim {
	int64_t now;
	int64_t latency;
	int count;
	struct sim_node nodes[SIM_MAX_NODES];
	size_t qn, qcap;
	struct sim_dgram *q;   /* in flight */
	size_t logn, logcap;
	struct sim_dgram *log; /* everything ever sent (including relayed copies) */
	unsigned dropped;      /* datagrams to an address with no live node */
	int extra_count;       /* identities the harness plays (for decoding) */
	struct zt_identity extra[SIM_MAX_EXTRA];
};

void sim_init(struct sim *s);
void sim_free(struct sim *s);
/* Adds an engine with the identity `secret` (string form) at ip/port; returns its index. */
int sim_add(struct sim *s, const char *secret, const char *ip_port, const struct zt_node_config *cfg);
/* Re-creates node i's engine (same identity, address and state store), e.g. to test a restart. */
void sim_restart(struct sim *s, int i);
/* Registers an identity the harness speaks for, so its packets in the log can be decoded. */
void sim_extra(struct sim *s, const struct zt_identity *secret);
/* Runs the network and the timers for ms milliseconds of simulated time. */
void sim_run(struct sim *s, int64_t ms);
/* Delivers a datagram to node i right now (from `from`). Returns zt_node_receive's result. */
int sim_inject(struct sim *s, int i, const struct zt_inetaddr *from, const void *data, size_t len);
/* Makes node i run its timers at the next sim_run step. */
void sim_kick(struct sim *s, int i);

/* Number of events of a type seen by node i (address 0 = any). */
unsigned sim_events(const struct sim *s, int i, enum zt_node_event_type type, uint64_t address);
const struct sim_event *sim_last_event(const struct sim *s, int i, enum zt_node_event_type type);

/*
 * Decodes a logged datagram (a whole packet, not a fragment) with the keys the harness knows:
 * dearmor and decompress into out (cap >= 10024). Returns the verb, or -1 if not decodable.
 * *len receives the packet length; for OK and ERROR, *in_re the in-re verb (else -1).
 */
int sim_decode(const struct sim *s, const struct sim_dgram *d, uint8_t *out, size_t *len, int *in_re);
/*
 * Counts logged datagrams since time `since` from address `from` (NULL = any) to `to` (NULL = any)
 * whose verb is `verb` (-1 = any datagram; for OK, in_re selects the in-re verb, -1 = any).
 */
unsigned sim_count(const struct sim *s, int64_t since, const struct zt_inetaddr *from, const struct zt_inetaddr *to,
		   int verb, int in_re);

/* ---------------------------------------------------------------- playing a peer by hand */
/*
 * Builds an armored packet from `from` (secret) to `to` with `verb` and payload; cipher 0/1/3,
 * hops, optional compression. Not fragmented (set `fragmented` to set the flag before armor for a
 * caller that splits it). Returns the length; *packet_id (if not NULL) the wire ID.
 */
size_t sim_craft(uint8_t *out, const struct zt_identity *from, const struct zt_identity *to, uint8_t verb,
		 const void *payload, size_t len, unsigned cipher, unsigned hops, bool compress, bool fragmented,
		 uint64_t *packet_id);
/* A full HELLO as 1.14.1 sends it. */
size_t sim_craft_hello(uint8_t *out, const struct zt_identity *from, const struct zt_identity *to,
		       const struct zt_inetaddr *sent_to, int64_t timestamp, uint64_t *packet_id);
/* Dearmors and decompresses a packet between a (secret) and b; returns the verb or -1. */
int sim_open(const uint8_t *d, size_t len, const struct zt_identity *a, const struct zt_identity *b, uint8_t *out,
	     size_t *outlen);

/* Parses "IP/port" (aborts the test on error). */
struct zt_inetaddr sim_addr(const char *s);
/* Parses an identity string (aborts on error). */
struct zt_identity sim_identity(const char *s);

#endif
