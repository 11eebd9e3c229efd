/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_SVC_SERVICE_H
#define ZT_SVC_SERVICE_H

#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "api.h"
#include "conf.h"
#include "node/identity.h"
#include "node/node.h"
#include "portmap.h"
#include "udp.h"

/*
 * zerotier-node: the edge daemon around the VL1 engine (node.h). One event-loop thread owns the
 * engine, the UDP sockets and every file in the home directory; the API's HTTP thread and the
 * port-mapping thread only hand it work or results through file descriptors (api.h, portmap.h).
 *
 * Home directory layout (docs/man/zerotier-node.8):
 *   identity.secret, identity.public   the node's identity (created on first start)
 *   authtoken.secret                   the local API token (created on first start, 0600)
 *   local.conf                         settings (optional)
 *   apisocket                          the local API (HTTP over a Unix socket, while running)
 *   roots.d/<name>.json                static roots: {"identity": "...", "endpoints": ["IP/port", ...]}
 *   roots.d/dynamic/<name>.json        dynamic roots: the DNS name, the default locator, the last accepted set
 *   planet                             a 1.x planet file: its roots are used as static roots
 *   peers.d/<address>.peer             the peer cache (written by the engine's state callbacks)
 */

#define SVC_NAME "zerotier-node"
#define SVC_API_SOCKET "apisocket"
#define SVC_TOKEN_FILE "authtoken.secret"
#define SVC_ROOTS_DIR "roots.d"
#define SVC_DYNROOTS_DIR SVC_ROOTS_DIR "/dynamic"
#define SVC_PEERS_DIR "peers.d"
#define SVC_PLANET_FILE "planet"
/* Longest an API ping waits beyond the engine's own timeout before it is answered 504 anyway. */
#define SVC_PING_GRACE_MS 2000

struct svc_ping {
	struct svc_ping *next;
	struct api_req *req;
	uint64_t address;
	uint64_t cookie;
	int64_t started, deadline;
	int64_t timeout; /* ms, as given to the engine */
};

struct zt_dns_resolver;
struct svc_dynroot;
struct svc_preload;

struct svc {
	char home[PATH_MAX];
	char conf_path[PATH_MAX];
	struct zt_identity id;
	struct svc_settings settings;
	json_t *conf; /* local.conf as read or last written */
	struct zt_node *node;
	struct svc_udp udp;
	struct svc_api api;
	struct svc_portmap portmap;
	struct zt_inetaddr mapped; /* external address from port mapping, nil if none */
	struct svc_ping *pings;    /* API pings waiting for their echo */
	struct zt_dns_resolver *resolver; /* dynamic roots' lookups (dynroots.c); NULL until it starts */
	struct svc_dynroot *dynroots;     /* dynamic roots, in the order they were added */
	struct svc_dynroot *dynroots_gone; /* removed while a lookup was in flight: freed by its callback */
	struct svc_preload *preload;       /* peers.d/ entries still to give the engine (state.c), or NULL */
	int sigfd;
	int64_t clock_offset; /* epoch ms - monotonic ms at start */
	int64_t start_time;
	int64_t next_deadline;
	int64_t next_housekeeping;
	bool stop;
	int exit_code;
};

/* Milliseconds since the epoch, from the monotonic clock (never goes backwards). */
int64_t svc_now(const struct svc *s);

/* Tells the engine its local (and mapped) addresses; called after sockets change and periodically. */
void svc_refresh_local_addresses(struct svc *s);

/*
 * Applies new settings at runtime (POST /config, SIGHUP): sockets, port mapping, explicit
 * addresses, engine config. On ZT_OK s->settings is updated; on failure (e.g. the new primary port
 * cannot be bound) the old settings stay in force and `err` says why.
 */
zt_err svc_apply_settings(struct svc *s, const struct svc_settings *next, char *err, size_t errlen);

/* Sends each "virtual".<address>."try" list of the config document to the engine. */
void svc_apply_try(struct svc *s);

/* ---- roots.c: static roots in roots.d/ and the planet file */

/* True if name is usable as a root name and file name: 1..63 of [A-Za-z0-9._-], not starting with '.'. */
bool svc_root_name_valid(const char *name);
/* Adds every root in roots.d/ to the engine (a bad file is logged and skipped). */
void svc_roots_load(struct svc *s);
/* Writes roots.d/<name>.json. */
zt_err svc_root_save(struct svc *s, const char *name, const struct zt_identity *id, const struct zt_inetaddr *eps,
		     size_t n);
/* Removes roots.d/<name>.json; ZT_ENOTFOUND if there is none. */
zt_err svc_root_delete(struct svc *s, const char *name);
/* Uses the roots of the 1.x planet file in the home directory, if there is one. */
zt_err svc_planet_load(struct svc *s);

/* ---- dynroots.c: dynamic roots (root sets in signed DNS TXT records, docs/dynamic-roots.md) */

/*
 * Engine roots that belong to dynamic roots are named SVC_DYNROOT_PREFIX "<address>": a name no
 * static root can have (':' is not allowed there), so the static roots' code leaves them alone.
 */
#define SVC_DYNROOT_PREFIX "dns:"
#define SVC_DYNROOT_MAX 8 /* dynamic roots per node (their members share the engine's 16 roots) */

/* True if an engine root of this name is a dynamic root's member (dynroots.c manages it). */
bool svc_dynroot_member_name(const char *engine_name);
/* Starts the resolver and loads the dynamic roots saved in roots.d/dynamic/ (their sets used at once). */
void svc_dynroots_start(struct svc *s);
/* SIGHUP: loads new files of roots.d/dynamic/, drops the roots whose file is gone, re-adds members. */
void svc_dynroots_reload(struct svc *s);
/* Frees everything (in-flight lookups are dropped). */
void svc_dynroots_stop(struct svc *s);
/* Settings changed (dnsServers): a new resolver when the servers differ. Before s->settings changes. */
void svc_dynroots_settings(struct svc *s, const struct svc_settings *next);
/* Puts every member of every dynamic root back into the engine (after other roots changed). */
void svc_dynroots_sync(struct svc *s);
/* The event loop's part: sockets to watch (returns the count), the next time to wake, the work. */
int svc_dynroots_pollfds(struct svc *s, struct pollfd *fds, int max);
int64_t svc_dynroots_wake(struct svc *s, int64_t now);
void svc_dynroots_process(struct svc *s, const struct pollfd *fds, int n, int64_t now);

/* ---- dynroots_api.c: /root/<dynamic root name> and the dynamic entries of GET /root */

/* True if `arg` of /root/<arg> names a dynamic root (it starts with "ztr1-", any case). */
bool svc_dynroot_arg(const char *arg);
/* Serves GET, POST/PUT and DELETE /root/<dynamic root name>. */
void svc_dynroot_serve(struct svc *s, struct api_req *req, const char *arg, int64_t now);
/* Appends one document per dynamic root to arr. */
void svc_dynroots_json_append(struct svc *s, json_t *arr, int64_t now);

/* ---- state.c: the engine's state callbacks (peer cache, planet) */
int svc_state_put(void *ctx, enum zt_node_state_type type, uint64_t id, const void *data, size_t len);
long svc_state_get(void *ctx, enum zt_node_state_type type, uint64_t id, void *buf, size_t cap);
/* Peers fed back to the engine at start: the newest entries of peers.d/, each validated (a few ms). */
#define SVC_PEERS_PRELOAD_MAX 32
/*
 * Queues the `max` (at most SVC_PEERS_PRELOAD_MAX) most recently written entries of peers.d/,
 * newest first, in s->preload (left NULL when there are none).
 */
void svc_peers_preload_start(struct svc *s, unsigned max);
/*
 * Hands queued entries to the engine (zt_node_peer_preload) until svc_now passes `deadline`, at
 * least one; unusable entries are skipped (logged at debug level), roots known already too. Frees
 * the queue and logs a summary once it is empty. Returns how many peers this call added.
 */
unsigned svc_peers_preload_step(struct svc *s, int64_t deadline);
/* Drops what is still queued (shutdown). */
void svc_peers_preload_stop(struct svc *s);

/* ---- control.c: API requests, executed on the loop thread */

/* Handles one request from the API thread: answers it (api_finish) or parks it (ping). */
void svc_control_handle(struct svc *s, struct api_req *req);
/* Answers the pings whose echo came back (or timed out) and runs ping deadlines. */
void svc_control_echo(struct svc *s, const struct zt_node_event *ev);
void svc_control_expire(struct svc *s, int64_t now);
/* Answers every parked request with 503 (shutdown). */
void svc_control_abort(struct svc *s);

#endif
