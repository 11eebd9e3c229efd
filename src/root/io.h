/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_ROOT_IO_H
#define ZT_ROOT_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "node/err.h"
#include "node/inetaddr.h"

/*
 * UDP I/O of the root: every (bind address, port) pair is a local endpoint; every worker thread
 * opens its own socket on every endpoint with SO_REUSEPORT, so the kernel spreads flows over the
 * threads and a flow always lands on the same thread. Receive and send are batched with
 * recvmmsg/sendmmsg; the plain recvfrom/sendto path is always built and used when batching is
 * disabled or unavailable (an ops table, as the fast path is optional).
 */

#define ROOT_IO_MAX_ENDPOINTS 32
#define ROOT_IO_BATCH 64
#define ROOT_IO_MTU 10240 /* receive buffer per datagram (> ZT_PROTO_MAX_PACKET_LENGTH) */
#define ROOT_IO_SOCK_ANY 0xff

struct root_endpoint {
	struct zt_inetaddr addr; /* bind address (family 4 or 6; all-zero IP = wildcard) and port */
};

struct root_rx {
	uint8_t *data;
	size_t len;
	struct zt_inetaddr from;
	uint8_t sock; /* endpoint index */
};

struct root_tx {
	uint8_t data[ROOT_IO_MTU];
	size_t len;
	struct sockaddr_storage to;
	socklen_t tolen;
	uint8_t sock;
};

struct root_io_ops;

/* One worker's sockets and batch buffers. */
struct root_io {
	const struct root_io_ops *ops;
	int fds[ROOT_IO_MAX_ENDPOINTS];
	uint8_t families[ROOT_IO_MAX_ENDPOINTS];
	int nfds;
	int wakefd;   /* eventfd: another thread has work for this worker (root_io_wake) */
	bool woken;   /* set by root_io_recv when the wake fd fired */
	/* receive batch */
	uint8_t (*rxbuf)[ROOT_IO_MTU];
	struct root_rx rx[ROOT_IO_BATCH];
	/* send batch, per endpoint order irrelevant */
	struct root_tx *tx;
	int ntx;
	/* counters (this thread only; summed by the stats code) */
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes, tx_errors;
	uint32_t kernel_drops[ROOT_IO_MAX_ENDPOINTS]; /* SO_RXQ_OVFL counters as last reported */
};

/*
 * Opens one socket per endpoint for a worker (SO_REUSEPORT, large buffers, IPV6_V6ONLY for v6,
 * path-MTU discovery off). `batched` selects recvmmsg/sendmmsg. Returns ZT_OK or -errno
 * (with a log line naming the endpoint).
 */
zt_err root_io_open(struct root_io *io, const struct root_endpoint *eps, int neps, bool batched);
void root_io_close(struct root_io *io);

/*
 * Checks that no other process holds an endpoint: binds each one briefly without SO_REUSEPORT
 * (with it, a second daemon on the same port would silently share the traffic). Returns ZT_OK or
 * -EADDRINUSE / -errno, with a log line naming the endpoint.
 */
zt_err root_io_probe(const struct root_endpoint *eps, int neps);

/*
 * Waits up to timeout_ms for datagrams on any socket and receives up to ROOT_IO_BATCH of them
 * into io->rx. Returns the count (0 on timeout) or a negative zt_err.
 */
int root_io_recv(struct root_io *io, int timeout_ms);

/*
 * Returns a send slot to fill (data, len) for endpoint `sock` toward `to`, or NULL if `to` has no
 * usable family on any endpoint. Slots are sent by root_io_flush (called automatically when the
 * batch is full).
 */
struct root_tx *root_io_tx_slot(struct root_io *io, uint8_t sock, const struct zt_inetaddr *to);
/* Withdraws the slot most recently returned by root_io_tx_slot (e.g. armor failed). */
void root_io_tx_cancel(struct root_io *io);
/* Wakes the worker owning io from root_io_recv (thread-safe). */
void root_io_wake(struct root_io *io);
/* Sends all queued datagrams. */
void root_io_flush(struct root_io *io);

/* Total kernel receive drops seen on this worker's sockets. */
uint64_t root_io_kernel_drops(const struct root_io *io);

#endif
