/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "udp.h"

#define SOCKET_BUFFER (1 << 20)

static const char *const role_names[SVC_PORT_ROLES] = { "primary", "secondary", "tertiary" };

void svc_udp_init(struct svc_udp *u)
{
	memset(u, 0, sizeof *u);
	u->next_id = 1;
	for (int r = 0; r < SVC_PORT_ROLES; r++)
		u->req[r].port = -1;
}

static int socket_open(const struct zt_inetaddr *a)
{
	struct sockaddr_storage ss;
	socklen_t sl = zt_inetaddr_to_sockaddr(a, &ss);
	int one = 1, buf = SOCKET_BUFFER;
	int fd = socket(a->family == ZT_INETADDR_V6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
	if (a->family == ZT_INETADDR_V6) {
		int pmtu = IPV6_PMTUDISC_DONT;

		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
		setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &pmtu, sizeof pmtu);
	} else {
		int pmtu = IP_PMTUDISC_DONT;

		setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof pmtu);
	}
	/* No SO_REUSEADDR/SO_REUSEPORT: a second node on the same port must fail, not share it. */
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

static uint16_t socket_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	struct zt_inetaddr a;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) || zt_inetaddr_from_sockaddr(&a, (struct sockaddr *)&ss, len))
		return 0;
	return a.port;
}

/* The addresses a role binds: the configured ones, or both wildcards. */
static int bind_addresses(const struct svc_udp *u, struct zt_inetaddr *out)
{
	static const uint8_t any4[4], any6[16];

	if (u->nbinds == 0) {
		zt_inetaddr_set_v4(&out[0], any4, 0);
		zt_inetaddr_set_v6(&out[1], any6, 0);
		return 2;
	}
	memcpy(out, u->binds, (size_t)u->nbinds * sizeof *out);
	return u->nbinds;
}

static bool is_wildcard(const struct zt_inetaddr *a)
{
	static const uint8_t zero[16];

	return !memcmp(a->ip, zero, sizeof zero);
}

/* Binds `port` (0: any) on every bind address into u->socks; on failure closes what it opened. */
static zt_err role_bind(struct svc_udp *u, enum svc_port_role role, uint16_t port)
{
	struct zt_inetaddr addrs[SVC_MAX_BINDS];
	int naddrs = bind_addresses(u, addrs), first = u->n, opened = 0;
	zt_err e = ZT_OK;

	for (int i = 0; i < naddrs; i++) {
		struct zt_inetaddr a = addrs[i];
		int fd;

		if (u->n >= SVC_UDP_MAX) {
			e = ZT_ELIMIT;
			break;
		}
		a.port = port;
		fd = socket_open(&a);
		if (fd == -EAFNOSUPPORT || (fd == -EADDRNOTAVAIL && u->nbinds == 0)) {
			/* A host without IPv6 (or IPv4): the wildcard of that family is simply left out. */
			continue;
		}
		if (fd < 0) {
			e = fd;
			break;
		}
		if (port == 0)
			port = socket_port(fd); /* the kernel's pick, used for the other addresses too */
		a.port = port;
		u->socks[u->n++] = (struct svc_socket){ .fd = fd, .id = u->next_id++, .role = role, .local = a };
		opened++;
	}
	if (!e && opened == 0)
		e = -EAFNOSUPPORT;
	if (e) {
		while (u->n > first)
			close(u->socks[--u->n].fd);
		return e;
	}
	u->port[role] = port;
	return ZT_OK;
}

static zt_err role_open(struct svc_udp *u, enum svc_port_role role, const struct svc_port_request *rq)
{
	int tries = rq->search && rq->port != 0 ? SVC_PORT_SEARCH_SPAN : 1;
	zt_err e = ZT_OK;

	for (int t = 0; t < tries && rq->port + t <= 65535; t++) {
		uint16_t p = (uint16_t)(rq->port + t);

		e = role_bind(u, role, p);
		if (e == ZT_OK) {
			if (t > 0)
				log_info("udp: %s port %d is busy: using %u (portSearch)", role_names[role], rq->port, p);
			return ZT_OK;
		}
		if (e != -EADDRINUSE)
			break;
	}
	return e;
}

static bool binds_equal(const struct svc_udp *u, const struct svc_settings *s)
{
	if (u->nbinds != s->nbinds)
		return false;
	for (int i = 0; i < s->nbinds; i++)
		if (!zt_inetaddr_equal(&u->binds[i], &s->binds[i]))
			return false;
	return true;
}

static void requests_from(const struct svc_settings *s, uint64_t address, struct svc_port_request *rq)
{
	rq[SVC_PORT_PRIMARY] = (struct svc_port_request){ s->primary_port, s->port_search };
	if (!s->allow_secondary_port || s->secondary_port == 0)
		rq[SVC_PORT_SECONDARY] = (struct svc_port_request){ -1, false };
	else if (s->secondary_port == SVC_PORT_AUTO)
		rq[SVC_PORT_SECONDARY] =
			(struct svc_port_request){ (int32_t)(SVC_SECONDARY_BASE + address % SVC_SECONDARY_SPAN), true };
	else
		rq[SVC_PORT_SECONDARY] = (struct svc_port_request){ s->secondary_port, s->port_search };
	rq[SVC_PORT_TERTIARY] = (struct svc_port_request){ s->tertiary_port ? s->tertiary_port : -1, s->port_search };
}

/* Closes u's sockets of `role` that are still open (done[] marks those moved or closed). */
static void role_close(struct svc_udp *u, enum svc_port_role role, bool *done)
{
	for (int i = 0; i < u->n; i++)
		if (!done[i] && u->socks[i].role == role) {
			close(u->socks[i].fd);
			done[i] = true;
		}
}

/*
 * After the new primary port failed: the old primary port is bound again (its old sockets were
 * closed to free the port) and every other role keeps its sockets, so the node runs as before.
 */
static void restore(struct svc_udp *u, struct svc_udp *next, bool *done)
{
	struct svc_port_request old = { u->port[SVC_PORT_PRIMARY], false };

	memcpy(next->binds, u->binds, sizeof next->binds);
	next->nbinds = u->nbinds;
	memcpy(next->req, u->req, sizeof next->req);
	next->n = 0;
	memset(next->port, 0, sizeof next->port);
	if (old.port && role_open(next, SVC_PORT_PRIMARY, &old) != ZT_OK)
		log_error("udp: the primary port %d could not be bound again: this node has no primary port now",
			  old.port);
	for (int i = 0; i < u->n; i++)
		if (!done[i]) {
			next->socks[next->n++] = u->socks[i];
			done[i] = true;
		}
	for (int r = SVC_PORT_PRIMARY + 1; r < SVC_PORT_ROLES; r++)
		next->port[r] = u->port[r];
	*u = *next;
}

zt_err svc_udp_configure(struct svc_udp *u, const struct svc_settings *s, uint64_t address)
{
	static struct svc_udp next; /* large; only the loop thread configures sockets */
	struct svc_port_request rq[SVC_PORT_ROLES];
	bool same_binds = binds_equal(u, s);
	bool done[SVC_UDP_MAX] = { false }; /* u's sockets moved to next or closed */
	char a[ZT_INETADDR_STRING_MAX];

	requests_from(s, address, rq);
	memset(&next, 0, sizeof next);
	next.next_id = u->next_id;
	memcpy(next.binds, s->binds, sizeof next.binds);
	next.nbinds = s->nbinds;
	for (int r = 0; r < SVC_PORT_ROLES; r++) {
		next.req[r] = rq[r];
		if (rq[r].port < 0)
			continue;
		if (same_binds && u->port[r] && u->req[r].port == rq[r].port && u->req[r].search == rq[r].search) {
			for (int i = 0; i < u->n; i++)
				if (u->socks[i].role == (enum svc_port_role)r) {
					next.socks[next.n++] = u->socks[i];
					done[i] = true;
				}
			next.port[r] = u->port[r];
			continue;
		}
		/* Our own sockets of this role may hold the port wanted (e.g. only "bind" changed). */
		role_close(u, (enum svc_port_role)r, done);
		zt_err e = role_open(&next, (enum svc_port_role)r, &rq[r]);
		if (e && r == SVC_PORT_PRIMARY) {
			log_warnx("udp: cannot bind the primary port %d%s: %s", rq[r].port,
				  rq[r].search && rq[r].port ? " (nor the ports after it)" : "", zt_strerror(e));
			restore(u, &next, done);
			return e;
		}
		if (e) {
			log_warnx("udp: %s port %d not bound: %s", role_names[r], rq[r].port, zt_strerror(e));
			next.req[r].port = -1;
		}
	}
	for (int i = 0; i < u->n; i++)
		if (!done[i])
			close(u->socks[i].fd);
	*u = next;
	for (int i = 0; i < u->n; i++)
		log_debug("udp: socket %lld on %s (%s)", (long long)u->socks[i].id,
			  zt_inetaddr_format(&u->socks[i].local, a, sizeof a), role_names[u->socks[i].role]);
	return ZT_OK;
}

void svc_udp_close(struct svc_udp *u)
{
	for (int i = 0; i < u->n; i++)
		close(u->socks[i].fd);
	u->n = 0;
	for (int r = 0; r < SVC_PORT_ROLES; r++)
		u->port[r] = 0;
}

static const struct svc_socket *socket_for(const struct svc_udp *u, zt_node_socket id, uint8_t family)
{
	for (int i = 0; i < u->n; i++)
		if (u->socks[i].id == id && u->socks[i].local.family == family)
			return &u->socks[i];
	for (int i = 0; i < u->n; i++)
		if (u->socks[i].role == SVC_PORT_PRIMARY && u->socks[i].local.family == family)
			return &u->socks[i];
	for (int i = 0; i < u->n; i++)
		if (u->socks[i].local.family == family)
			return &u->socks[i];
	return NULL;
}

static int set_ttl(int fd, uint8_t family, int ttl)
{
	if (family == ZT_INETADDR_V6)
		return setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof ttl);
	return setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl);
}

int svc_udp_send(struct svc_udp *u, zt_node_socket id, const struct zt_inetaddr *to, const void *data, size_t len,
		 unsigned ttl)
{
	struct sockaddr_storage ss;
	socklen_t sl = zt_inetaddr_to_sockaddr(to, &ss);
	const struct svc_socket *sk;
	ssize_t r;
	int e = 0;

	if (!sl)
		return -EAFNOSUPPORT;
	sk = socket_for(u, id, to->family);
	if (!sk)
		return -EAFNOSUPPORT;
	if (ttl)
		set_ttl(sk->fd, to->family, (int)ttl);
	r = sendto(sk->fd, data, len, 0, (struct sockaddr *)&ss, sl);
	if (r < 0)
		e = -errno;
	if (ttl)
		set_ttl(sk->fd, to->family, -1); /* -1: back to the system default */
	return e;
}

static bool add_unique(struct zt_inetaddr *out, size_t *n, size_t cap, const struct zt_inetaddr *a)
{
	for (size_t i = 0; i < *n; i++)
		if (zt_inetaddr_equal(&out[i], a))
			return true;
	if (*n >= cap)
		return false;
	out[(*n)++] = *a;
	return true;
}

size_t svc_udp_local_addresses(const struct svc_udp *u, struct zt_inetaddr *out, size_t cap)
{
	struct ifaddrs *ifs = NULL;
	size_t n = 0;

	if (getifaddrs(&ifs) != 0)
		ifs = NULL;
	for (int i = 0; i < u->n; i++) {
		const struct svc_socket *sk = &u->socks[i];

		if (!is_wildcard(&sk->local)) {
			add_unique(out, &n, cap, &sk->local);
			continue;
		}
		for (struct ifaddrs *f = ifs; f; f = f->ifa_next) {
			struct zt_inetaddr a;

			if (!f->ifa_addr || !(f->ifa_flags & IFF_UP))
				continue;
			if (zt_inetaddr_from_sockaddr(&a, f->ifa_addr,
						      f->ifa_addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
											  : sizeof(struct sockaddr_in)) != ZT_OK ||
			    a.family != sk->local.family)
				continue;
			a.port = sk->local.port;
			if (!add_unique(out, &n, cap, &a))
				break;
		}
	}
	if (ifs)
		freeifaddrs(ifs);
	return n;
}
