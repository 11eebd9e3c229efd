/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_SVC_UDP_H
#define ZT_SVC_UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "node/err.h"
#include "node/inetaddr.h"
#include "node/node.h"

/*
 * The edge node's UDP sockets: the primary, secondary and tertiary ports, each on every bind
 * address (0.0.0.0 and :: when none is configured). The engine names a socket by an id that stays
 * the same while the socket is open (a closed socket's id is never reused).
 */

#define SVC_UDP_MAX (3 * SVC_MAX_BINDS)
#define SVC_UDP_MTU 10240 /* receive buffer (> ZT_PROTO_MAX_PACKET_LENGTH) */
/* How far a busy port is searched upward when portSearch is on. */
#define SVC_PORT_SEARCH_SPAN 100
/* The derived secondary port (1.x): SVC_SECONDARY_BASE + address % SVC_SECONDARY_SPAN. */
#define SVC_SECONDARY_BASE 20000
#define SVC_SECONDARY_SPAN 45500

enum svc_port_role { SVC_PORT_PRIMARY = 0, SVC_PORT_SECONDARY = 1, SVC_PORT_TERTIARY = 2, SVC_PORT_ROLES = 3 };

struct svc_socket {
	int fd;
	zt_node_socket id;
	enum svc_port_role role;
	struct zt_inetaddr local; /* bound IP (possibly the wildcard) and port */
};

/* What one role asked for; a role whose request did not change keeps its sockets on reconfigure. */
struct svc_port_request {
	int32_t port; /* -1: role not wanted; 0: any port */
	bool search;
};

struct svc_udp {
	struct svc_socket socks[SVC_UDP_MAX];
	int n;
	zt_node_socket next_id;
	struct svc_port_request req[SVC_PORT_ROLES];
	uint16_t port[SVC_PORT_ROLES]; /* bound ports, 0: none */
	struct zt_inetaddr binds[SVC_MAX_BINDS];
	int nbinds;
};

void svc_udp_init(struct svc_udp *u);

/*
 * Opens (or keeps) the sockets the settings ask for and closes the others. A port whose request
 * did not change keeps its sockets; one that changed is closed before it is opened again, so the
 * same port can be bound with other addresses. The primary port is required: if it (and, with
 * portSearch, the ports after it) cannot be bound on every bind address, the previous primary port
 * is bound again, the other ports stay as they were, and the error is returned. Secondary and
 * tertiary ports that cannot be bound are logged and left out. `address` derives the automatic
 * secondary port.
 */
zt_err svc_udp_configure(struct svc_udp *u, const struct svc_settings *s, uint64_t address);

void svc_udp_close(struct svc_udp *u);

/*
 * Sends one datagram from socket `id` (ZT_NODE_SOCKET_ANY, an unknown id or one of another
 * family: the first primary socket of to's family). ttl 0: the socket default. Returns 0 or -errno.
 */
int svc_udp_send(struct svc_udp *u, zt_node_socket id, const struct zt_inetaddr *to, const void *data, size_t len,
		 unsigned ttl);

/*
 * Fills out[] with the addresses the sockets are reachable at on this host's interfaces (every
 * interface address for wildcard sockets), each with its port. Returns the count (at most cap).
 */
size_t svc_udp_local_addresses(const struct svc_udp *u, struct zt_inetaddr *out, size_t cap);

#endif
