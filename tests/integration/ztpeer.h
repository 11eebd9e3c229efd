/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZTPEER_H
#define ZTPEER_H

/*
 * ztpeer: a small ZeroTier 1.x leaf built on src/node/, for integration tests of the root.
 * One UDP socket, one command, JSON lines on stdout (one object per event), exit 0 / 1 / 2.
 * The event vocabulary is described in ztpeer.c (usage) and in the integration test scripts.
 *
 * Everything is single-threaded: commands send, then wait in ztp_wait(), which receives and
 * handles datagrams (answering HELLO, ECHO and WHOIS like a leaf, WHOISing unknown senders) and
 * reports each handled packet to the command through a hook. In the self-test several instances
 * share one ztp_wait() loop (a "group"), one of them playing a minimal root ("root-lite").
 */

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "node/fragment.h"
#include "node/identity.h"
#include "node/inetaddr.h"
#include "node/packet.h"
#include "node/verbs.h"
#include "node/world.h"

#define ZTP_EXIT_OK 0
#define ZTP_EXIT_FAIL 1
#define ZTP_EXIT_USAGE 2

#define ZTP_MAX_DATAGRAM 65536      /* we read whole datagrams, even oversized junk */
#define ZTP_REQUESTS 256            /* remembered requests (in-re matching of OK / ERROR) */
#define ZTP_WHOIS_SLOTS 32          /* addresses being WHOISed */
#define ZTP_QUEUE_SLOTS 64          /* packets from unknown senders waiting for a WHOIS */
#define ZTP_CONTACT_SLOTS 8         /* RENDEZVOUS waiting for the named peer's identity */
#define ZTP_RETRY_MS 1000           /* re-send of HELLO / WHOIS / ECHO / GATHER by the commands */
#define ZTP_KEEPALIVE_MS 5000       /* HELLO to the root while listening (the 1.x ping check period) */
#define ZTP_DEFAULT_TIMEOUT_MS 10000
#define ZTP_NO_PROTO (-1)

struct ztp_peer {
	struct zt_identity id;  /* public part only */
	struct zt_peer_key key;
	int proto;              /* remote protocol version, ZTP_NO_PROTO until it told us */
	uint8_t major, minor;
	uint16_t revision;
	struct zt_inetaddr path; /* where an authenticated hops-0 packet last came from; nil if never */
	struct zt_inetaddr confirm_path; /* where we last sent a path-confirming HELLO, and when */
	int64_t last_confirm;
	bool is_root;
};

struct ztp_request {
	uint64_t id;   /* wire packet ID (after armor) */
	uint64_t to;
	uint8_t verb;
	int64_t sent;  /* ms, ztp_now() */
};

struct ztp_whois {
	uint64_t address; /* 0 = free */
	int64_t first, last;
};

struct ztp_queued {
	uint8_t *pkt; /* NULL = free; a whole armored packet */
	size_t len;
	struct zt_inetaddr from;
	int64_t t;
	const char *kind; /* "packet" or "reassembled", for the event */
};

/* A RENDEZVOUS whose peer we are still WHOISing: contact it when the identity arrives. */
struct ztp_contact {
	uint64_t address; /* 0 = free */
	struct zt_inetaddr at;
	int64_t t;
};

/* What a handled packet was; given to the command's hook together with the JSON event. */
struct ztp_rx {
	const struct zt_inetaddr *from;
	struct ztp_peer *peer;   /* the authenticated sender, or NULL */
	uint64_t source, dest;
	uint64_t packet_id;      /* wire ID (the in-re ID of our replies) */
	unsigned hops, cipher;
	uint8_t verb;            /* valid when peer != NULL */
	const uint8_t *payload;  /* plaintext after the verb byte (decompressed) */
	size_t len;
	uint8_t in_re_verb;      /* OK / ERROR only */
	uint64_t in_re_id;
	const struct ztp_request *req; /* OK / ERROR answering one of our requests, else NULL */
};

struct ztp;
typedef void (*ztp_hook_fn)(struct ztp *z, const struct ztp_rx *rx, json_t *ev, void *ctx);

struct ztp_lite;

struct ztp {
	/* settings */
	struct zt_identity self;
	unsigned cipher;         /* 1 or 3: the best cipher we speak */
	uint8_t proto;           /* protocol version we advertise */
	uint8_t major, minor;
	uint16_t revision;
	uint64_t planet_id, planet_ts;
	int64_t timeout_ms;
	size_t mtu;
	bool verbose;            /* print every datagram sent and received */
	bool print_all;          /* print every datagram received (listen, send) */
	const char *name;        /* self-test: added to each event as "node" */

	int fd;
	struct zt_inetaddr local; /* the bound address, port filled in */

	struct ztp_peer **peers; /* each allocated on its own, so pointers stay valid */
	size_t npeers, peers_cap;
	struct ztp_peer *root;   /* one of peers, NULL if none */
	struct zt_inetaddr root_path;

	struct ztp_request req[ZTP_REQUESTS];
	unsigned req_next;
	struct ztp_whois whois[ZTP_WHOIS_SLOTS];
	struct ztp_queued queue[ZTP_QUEUE_SLOTS];
	struct ztp_contact contact[ZTP_CONTACT_SLOTS];
	struct zt_defrag *defrag;

	ztp_hook_fn hook;
	void *hook_ctx;
	struct ztp **group;      /* instances served by ztp_wait() (self-test); NULL = just this one */
	size_t ngroup;
	struct ztp_lite *lite;   /* root-lite state, NULL for a leaf */

	struct zt_peer_key *alt_key; /* junk collision: key of our made-up twin with the root, or NULL */
	json_t *sent_log;        /* self-test: every "sent" event of ztp_send() is appended here */
	/* counters (self-test and the final summary of root-lite) */
	unsigned long rx_packets, rx_auth_failed, rx_dropped;

	uint8_t rx_buf[ZTP_MAX_DATAGRAM];
	uint8_t work[ZT_PROTO_MAX_PACKET_LENGTH];
};

extern volatile sig_atomic_t ztp_stop;

/* ---------------------------------------------------------------- ztpeer_core.c */
int64_t ztp_now(void);           /* monotonic ms */
uint64_t ztp_wallclock(void);    /* ms since the epoch (HELLO timestamps) */

/* Allocates an instance with defaults (cipher 3, protocol 12, timeout 10 s, MTU 1432). NULL on ENOMEM. */
struct ztp *ztp_new(void);
/* Closes the socket and frees everything, including the identity's private key. NULL is fine. */
void ztp_free(struct ztp *z);
/* Opens the UDP socket bound to `bind` (port 0 = any) and records the bound address in z->local. */
zt_err ztp_open(struct ztp *z, const struct zt_inetaddr *bind);
/* Adds (or returns the existing) peer for a public identity; derives the keys. NULL on failure. */
struct ztp_peer *ztp_peer_add(struct ztp *z, const struct zt_identity *id);
struct ztp_peer *ztp_peer_find(struct ztp *z, uint64_t address);
/* Sets the root: adds its identity as a peer and remembers where it is. */
zt_err ztp_set_root(struct ztp *z, const struct zt_identity *id, const struct zt_inetaddr *path);

/* The cipher for non-HELLO packets to p, as 1.x chooses it (capped by z->cipher). */
unsigned ztp_cipher_for(const struct ztp *z, const struct ztp_peer *p);

struct ztp_send_opts {
	int cipher;     /* 0, 1 or 3; -1 = ztp_cipher_for() */
	unsigned hops;  /* written after armor (badhops) */
	bool compress;
	bool print;     /* emit a "sent" event (also done when z->verbose) */
	json_t *extra;  /* fields added to that event (borrowed) */
};

/*
 * Builds a packet to `to` with `verb` and payload, armors it and sends it to `path` (fragmenting
 * above z->mtu). The request is remembered for in-re matching. *wire_id (if not NULL) receives
 * the wire packet ID. Returns ZT_OK or an error (also -errno from sendto).
 */
zt_err ztp_send(struct ztp *z, struct ztp_peer *to, const struct zt_inetaddr *path, uint8_t verb,
		const void *payload, size_t n, const struct ztp_send_opts *o, uint64_t *wire_id);
/* Sends a full HELLO to `to` at `path` (cipher 0, cryptField applied, 1.14.1 layout). */
zt_err ztp_send_hello(struct ztp *z, struct ztp_peer *to, const struct zt_inetaddr *path, uint64_t *wire_id);
/*
 * Builds (does not send) a HELLO from `from` (with private key; its agreed key with the recipient
 * is `key`) to address `dest`, claiming `sent_to`, into out. Returns the length or a negative zt_err.
 */
long ztp_build_hello(const struct ztp *z, uint8_t *out, size_t cap, const struct zt_identity *from,
		     struct zt_peer_key *key, uint64_t dest, const struct zt_inetaddr *sent_to);
/* Sends raw bytes to `to`; prints a "sent" event when z->verbose. Returns ZT_OK or -errno. */
zt_err ztp_send_raw(struct ztp *z, const void *d, size_t len, const struct zt_inetaddr *to);
/* Sends WHOIS for the given addresses to the root. */
zt_err ztp_send_whois(struct ztp *z, const uint64_t *addr, size_t n, uint64_t *wire_id);

/*
 * Waits until `deadline` (ztp_now() ms) or until at least one datagram was handled, whichever is
 * first, on every instance of the group. Also runs timers (WHOIS retries, queue expiry).
 * Returns ZT_OK, or -EINTR when ztp_stop is set.
 */
zt_err ztp_wait(struct ztp *z, int64_t deadline);
/* Handles one received datagram (the buffer is modified). Exposed for the self-test. */
void ztp_handle_datagram(struct ztp *z, uint8_t *d, size_t len, const struct zt_inetaddr *from);

/* Requests we sent: the one with wire ID `id` sent to `from`, or NULL. */
const struct ztp_request *ztp_request_find(const struct ztp *z, uint64_t id, uint64_t from);
/* Forgets a peer (a HELLO that failed its MAC or its proof of work). */
void ztp_peer_remove(struct ztp *z, struct ztp_peer *p);

/* ---------------------------------------------------------------- receiving (ztpeer_rx.c) */
/* Sets "status" (and "error" if not NULL) of a recv event. */
void ztp_rx_status(json_t *ev, const char *status, const char *error);
/* WHOIS an address through the root unless one is in flight (retried every 500 ms for 5 s). */
void ztp_whois_request(struct ztp *z, uint64_t address);

/* ---------------------------------------------------------------- verbs (ztpeer_verbs.c) */
/*
 * Each fills the event of an authenticated packet (rx->peer set, payload plaintext) and answers
 * where a 1.x leaf does. ztp_rx_hello takes a cipher-0 HELLO before authentication (it may
 * introduce the sender) and sets rx->peer when it accepts it; pkt has its whole length.
 */
void ztp_rx_hello(struct ztp *z, uint8_t *pkt, size_t len, struct ztp_rx *rx, json_t *ev);
void ztp_rx_hello_body(struct ztp *z, uint8_t *pkt, size_t len, struct ztp_rx *rx, json_t *ev);
void ztp_rx_ok(struct ztp *z, struct ztp_rx *rx, json_t *ev);
void ztp_rx_error(struct ztp *z, struct ztp_rx *rx, json_t *ev);
void ztp_rx_whois(struct ztp *z, struct ztp_rx *rx, json_t *ev);
void ztp_rx_echo(struct ztp *z, struct ztp_rx *rx, json_t *ev);
void ztp_rx_rendezvous(struct ztp *z, struct ztp_rx *rx, json_t *ev);
/* 1.x: a packet other than OK at hops 0 from a path not yet confirmed gets a HELLO back. */
void ztp_rx_confirm_path(struct ztp *z, struct ztp_rx *rx, json_t *ev);

/* ---------------------------------------------------------------- events (ztpeer_core.c) */
/* Prints ev as one compact JSON line (adds "node" in the self-test) and releases it. NULL is ignored. */
void ztp_emit(const struct ztp *z, json_t *ev);
json_t *ztp_event(const char *name);
void ztp_jset_str(json_t *o, const char *key, const char *s);
void ztp_jset_int(json_t *o, const char *key, long long v);
void ztp_jset_bool(json_t *o, const char *key, bool v);
void ztp_jset_u64(json_t *o, const char *key, uint64_t v); /* a string above 2^53 */
json_t *ztp_json_hex(const void *p, size_t n);
void ztp_jset_hex(json_t *o, const char *key, const void *p, size_t n);
void ztp_jset_hex64(json_t *o, const char *key, uint64_t v); /* 16 hex digits */
void ztp_jset_address(json_t *o, const char *key, uint64_t address);
void ztp_jset_inet(json_t *o, const char *key, const struct zt_inetaddr *a);
const char *ztp_verb_name(unsigned verb);
const char *ztp_error_name(unsigned code);
/* Fills "nwid", "mac", "adi" of a multicast group. */
void ztp_jset_group(json_t *o, uint64_t nwid, const uint8_t mac[static ZT_MAC_LEN], uint32_t adi);

/* ---------------------------------------------------------------- ztpeer_cmd.c */
/* Every command takes the instance and its positional arguments; returns an exit code. */
struct ztp_cmd_opts {
	unsigned long count;
	int64_t interval_ms;
	int64_t linger_ms;       /* -1 = default of the command */
	unsigned hops;
	bool compress;
	bool no_hello;           /* skip the HELLO to the root that every command starts with */
};
extern struct ztp_cmd_opts ztp_opts;

/*
 * HELLO to the root until OK(HELLO) or the timeout; emits "ok_hello" and, if `out` is not NULL,
 * stores a copy of that event there (the caller releases it). ZT_OK or ZT_ENOTFOUND.
 */
zt_err ztp_hello_root(struct ztp *z, json_t **out);
/*
 * Sends a request (by calling send(z, ctx)) every ZTP_RETRY_MS until `from` answers with an OK
 * in-re `verb` to one of our requests, or z->timeout_ms pass. Returns a copy of that OK's "recv"
 * event renamed to `event` (caller-owned), or NULL. *attempts (if not NULL) gets the send count.
 */
json_t *ztp_request(struct ztp *z, struct ztp_peer *from, uint8_t verb, zt_err (*send)(struct ztp *z, void *ctx),
		    void *ctx, const char *event, unsigned *attempts);
/* WHOIS through the root until it answers; returns the peer or NULL (after a message). */
struct ztp_peer *ztp_whois_wait(struct ztp *z, uint64_t address);
/* Keeps handling packets (and HELLO to the root every 5 s if keepalive) until `ms` elapse or ztp_stop. */
void ztp_linger(struct ztp *z, int64_t ms, bool keepalive);

int ztp_cmd_hello(struct ztp *z, int argc, char **argv);
int ztp_cmd_whois(struct ztp *z, int argc, char **argv);
int ztp_cmd_echo(struct ztp *z, int argc, char **argv);
int ztp_cmd_like(struct ztp *z, int argc, char **argv);
int ztp_cmd_gather(struct ztp *z, int argc, char **argv);
int ztp_cmd_listen(struct ztp *z, int argc, char **argv);
int ztp_cmd_send(struct ztp *z, int argc, char **argv);
int ztp_cmd_badhops(struct ztp *z, int argc, char **argv);

/* ---------------------------------------------------------------- ztpeer_junk.c */
int ztp_cmd_raw(struct ztp *z, int argc, char **argv);
int ztp_cmd_junk(struct ztp *z, int argc, char **argv);
/* Sends `count` datagrams of a junk kind to the root; the names are listed in ztp_junk_kinds. */
zt_err ztp_junk_send(struct ztp *z, const char *kind, unsigned long count, int64_t interval_ms);
extern const char *const ztp_junk_kinds[];

/* ---------------------------------------------------------------- ztpeer_lite.c */
/* Turns z into a root-lite serving a signed planet (id z->planet_id, timestamp z->planet_ts). */
zt_err ztp_lite_enable(struct ztp *z, unsigned max_hops);
void ztp_lite_free(struct ztp *z);
/* Root-lite handling of a packet not addressed to it (relay) and of verbs only a root answers. */
void ztp_lite_relay(struct ztp *z, uint8_t *d, size_t len, const struct zt_inetaddr *from, json_t *ev);
/* Returns true if it handled the verb (LIKE, GATHER). */
bool ztp_lite_verb(struct ztp *z, const struct ztp_rx *rx, json_t *ev);
/* Worlds for an OK(HELLO) answering a HELLO that names planet (id, ts): the raw planet or nothing. */
size_t ztp_lite_worlds(struct ztp *z, uint64_t id, uint64_t ts, const uint8_t **worlds);
int ztp_cmd_rootlite(struct ztp *z, int argc, char **argv);
struct ztp_lite_counters {
	unsigned long relayed, relay_dropped, rendezvous_sent;
};
void ztp_lite_counters(const struct ztp *z, struct ztp_lite_counters *c);

/* ---------------------------------------------------------------- ztpeer_selftest.c */
int ztp_cmd_selftest(struct ztp *z, int argc, char **argv);

/* ---------------------------------------------------------------- parsing helpers (ztpeer.c) */
bool ztp_parse_u64(uint64_t *out, const char *s);
bool ztp_parse_nwid(uint64_t *out, const char *s);
bool ztp_parse_mac(uint8_t mac[static ZT_MAC_LEN], const char *s);
/* Decodes a hex string into a new buffer (*out, freed by the caller); false if not hex. */
bool ztp_parse_hex(uint8_t **out, size_t *len, const char *s);
/* One-line failure message "ztpeer: ..." on stderr. */
void ztp_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
