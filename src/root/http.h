/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_ROOT_HTTP_H
#define ZT_ROOT_HTTP_H

#include <stdint.h>

#include "node/err.h"
#include "root.h"

/*
 * The root's monitoring surface over HTTP (libmicrohttpd, one internal polling thread), bound to
 * cfg.http ("IP:port", IPv4 or IPv6; "" disables it). GET and HEAD only (405 otherwise), 404 for
 * any other path; every response is built from a consistent snapshot and never holds a lock of
 * the packet path while it is written to the socket. No output ever contains a private key or a
 * peer's key material.
 *
 *   GET /         self-contained HTML status page (inline CSS/JS, no external assets) with a live
 *                 chart of the last five minutes, refreshed from /status every second
 *   GET /status   JSON: identity, version, uptime, endpoints, peer counts, LMDB size, planet, the
 *                 latest rates, all counter totals, and the rate history (up to ROOT_HISTORY samples)
 *   GET /peer     JSON array in the shape of the 1.x / standalone-root /peer (roots.md §2.7), "/"
 *                 escaped as "\/"; at most ROOT_HTTP_PEER_LIMIT peers, with the headers
 *                 X-Peers-Total and X-Peers-Truncated telling when the list was cut
 *   GET /metrics  Prometheus text format 0.0.4: the five historic root_* gauges plus counters
 *   GET /health   200 {"ok":true,...} while the workers run, 503 {"ok":false,...} otherwise
 */

#define ROOT_HTTP_PEER_LIMIT 1000000   /* peers listed by GET /peer */
#define ROOT_HTTP_CONNECTION_LIMIT 64  /* concurrent connections */
#define ROOT_HTTP_PER_IP_LIMIT 32      /* concurrent connections from one IP */
#define ROOT_HTTP_TIMEOUT_S 10         /* idle connection timeout */
#define ROOT_HTTP_BACKLOG 64

/*
 * Creates the listening socket for r->cfg.http and starts the server; the MHD daemon is kept in
 * r->http. Port 0 binds an ephemeral port (see root_http_port). Does nothing and returns ZT_OK if
 * cfg.http is "". Returns ZT_OK, ZT_ECONFIG for an address that does not parse, -errno if the
 * socket cannot be created or bound, or ZT_EHTTP if libmicrohttpd fails (each logged).
 * `r` must outlive the server: the request handlers read it until root_http_stop returns.
 */
zt_err root_http_start(struct root *r);

/* Stops the server (waits for its thread, closes all connections and the socket). Idempotent. */
void root_http_stop(struct root *r);

/* The TCP port the server listens on, or 0 when it is not running. */
uint16_t root_http_port(struct root *r);

#endif
