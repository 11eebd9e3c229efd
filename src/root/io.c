/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "common/log.h"
#include "io.h"

#define SOCKET_BUFFER (16 << 20)

struct root_io_ops {
	int (*recv)(struct root_io *io, int fd, int sock, int max);
	void (*flush)(struct root_io *io);
};

/* Records the SO_RXQ_OVFL counter carried in a received message's control data. */
static void note_drops(struct root_io *io, int sock, struct msghdr *mh)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL && c->cmsg_len >= CMSG_LEN(4))
			memcpy(&io->kernel_drops[sock], CMSG_DATA(c), 4);
}

static void rx_fill(struct root_io *io, int i, int sock, size_t len, struct sockaddr_storage *ss, socklen_t sl)
{
	io->rx[i].data = io->rxbuf[i];
	io->rx[i].len = len;
	io->rx[i].sock = (uint8_t)sock;
	if (zt_inetaddr_from_sockaddr(&io->rx[i].from, (struct sockaddr *)ss, sl) != ZT_OK)
		io->rx[i].len = 0; /* unknown family: the handler drops empty datagrams */
	io->rx_packets++;
	io->rx_bytes += len;
}

/* ---- plain path: one syscall per datagram ---- */

static int plain_recv(struct root_io *io, int fd, int sock, int max)
{
	int n = 0;
	while (n < max) {
		struct sockaddr_storage ss;
		char ctrl[CMSG_SPACE(4)];
		struct iovec iov = { io->rxbuf[n], ROOT_IO_MTU };
		struct msghdr mh = { .msg_name = &ss, .msg_namelen = sizeof ss, .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = ctrl, .msg_controllen = sizeof ctrl };
		ssize_t r = recvmsg(fd, &mh, MSG_DONTWAIT);
		if (r < 0)
			break;
		note_drops(io, sock, &mh);
		rx_fill(io, n, sock, (size_t)r, &ss, mh.msg_namelen);
		n++;
	}
	return n;
}

static void plain_flush(struct root_io *io)
{
	for (int i = 0; i < io->ntx; i++) {
		struct root_tx *t = &io->tx[i];
		if (sendto(io->fds[t->sock], t->data, t->len, 0, (struct sockaddr *)&t->to, t->tolen) < 0) {
			io->tx_errors++;
			continue;
		}
		io->tx_packets++;
		io->tx_bytes += t->len;
	}
	io->ntx = 0;
}

/* ---- batched path ---- */

static int mmsg_recv(struct root_io *io, int fd, int sock, int max)
{
	struct mmsghdr msgs[ROOT_IO_BATCH];
	struct iovec iovs[ROOT_IO_BATCH];
	struct sockaddr_storage addrs[ROOT_IO_BATCH];
	char ctrl[ROOT_IO_BATCH][CMSG_SPACE(4)];
	for (int i = 0; i < max; i++) {
		iovs[i].iov_base = io->rxbuf[i];
		iovs[i].iov_len = ROOT_IO_MTU;
		memset(&msgs[i], 0, sizeof msgs[i]);
		msgs[i].msg_hdr.msg_name = &addrs[i];
		msgs[i].msg_hdr.msg_namelen = sizeof addrs[i];
		msgs[i].msg_hdr.msg_iov = &iovs[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_control = ctrl[i];
		msgs[i].msg_hdr.msg_controllen = sizeof ctrl[i];
	}
	int n = recvmmsg(fd, msgs, (unsigned)max, MSG_DONTWAIT, NULL);
	if (n <= 0)
		return 0;
	for (int i = 0; i < n; i++) {
		note_drops(io, sock, &msgs[i].msg_hdr);
		rx_fill(io, i, sock, msgs[i].msg_len, &addrs[i], msgs[i].msg_hdr.msg_namelen);
	}
	return n;
}

static void mmsg_flush(struct root_io *io)
{
	struct mmsghdr msgs[ROOT_IO_BATCH];
	struct iovec iovs[ROOT_IO_BATCH];
	int start = 0;
	while (start < io->ntx) {
		/* One sendmmsg per run of datagrams leaving through the same socket. */
		int sock = io->tx[start].sock, n = 0;
		while (start + n < io->ntx && io->tx[start + n].sock == sock) {
			struct root_tx *t = &io->tx[start + n];
			iovs[n].iov_base = t->data;
			iovs[n].iov_len = t->len;
			memset(&msgs[n], 0, sizeof msgs[n]);
			msgs[n].msg_hdr.msg_name = &t->to;
			msgs[n].msg_hdr.msg_namelen = t->tolen;
			msgs[n].msg_hdr.msg_iov = &iovs[n];
			msgs[n].msg_hdr.msg_iovlen = 1;
			n++;
		}
		int done = 0;
		while (done < n) {
			int r = sendmmsg(io->fds[sock], msgs + done, (unsigned)(n - done), 0);
			if (r <= 0) {
				/* Skip the datagram that failed (e.g. unreachable) and go on. */
				io->tx_errors++;
				done++;
				continue;
			}
			for (int i = 0; i < r; i++) {
				io->tx_packets++;
				io->tx_bytes += iovs[done + i].iov_len;
			}
			done += r;
		}
		start += n;
	}
	io->ntx = 0;
}

static const struct root_io_ops plain_ops = { plain_recv, plain_flush };
static const struct root_io_ops mmsg_ops = { mmsg_recv, mmsg_flush };

static int open_socket(const struct root_endpoint *ep)
{
	struct sockaddr_storage ss;
	socklen_t sl = zt_inetaddr_to_sockaddr(&ep->addr, &ss);
	int one = 1, buf = SOCKET_BUFFER;
	int fd = socket(ep->addr.family == 6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
	/* Privileged: lets root exceed rmem_max; silently ignored otherwise. */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof buf);
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof buf);
	setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one);
	if (ep->addr.family == 6) {
		int pmtu = IPV6_PMTUDISC_DONT;
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
		setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &pmtu, sizeof pmtu);
	} else {
		int pmtu = IP_PMTUDISC_DONT;
		setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof pmtu);
	}
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

zt_err root_io_probe(const struct root_endpoint *eps, int neps)
{
	for (int i = 0; i < neps; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = zt_inetaddr_to_sockaddr(&eps[i].addr, &ss);
		int one = 1;
		int fd = socket(eps[i].addr.family == 6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		if (eps[i].addr.family == 6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
		if (bind(fd, (struct sockaddr *)&ss, sl) != 0) {
			int e = errno;
			char a[ZT_INETADDR_STRING_MAX];
			close(fd);
			errno = e;
			log_warn("cannot use udp %s%s", zt_inetaddr_format(&eps[i].addr, a, sizeof a),
				 e == EADDRINUSE ? " (another process is using it)" : "");
			return -e;
		}
		close(fd);
	}
	return ZT_OK;
}

zt_err root_io_open(struct root_io *io, const struct root_endpoint *eps, int neps, bool batched)
{
	memset(io, 0, sizeof *io);
	io->ops = batched ? &mmsg_ops : &plain_ops;
	if (neps > ROOT_IO_MAX_ENDPOINTS)
		return ZT_ETOOBIG;
	io->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	io->rxbuf = malloc(ROOT_IO_BATCH * sizeof *io->rxbuf);
	io->tx = malloc(ROOT_IO_BATCH * sizeof *io->tx);
	if (io->wakefd < 0 || !io->rxbuf || !io->tx) {
		root_io_close(io);
		return -ENOMEM;
	}
	for (int i = 0; i < neps; i++) {
		int fd = open_socket(&eps[i]);
		if (fd < 0) {
			char a[ZT_INETADDR_STRING_MAX];
			errno = -fd;
			log_warn("cannot open UDP socket on %s", zt_inetaddr_format(&eps[i].addr, a, sizeof a));
			root_io_close(io);
			return fd;
		}
		io->fds[io->nfds] = fd;
		io->families[io->nfds] = eps[i].addr.family;
		io->nfds++;
	}
	return ZT_OK;
}

void root_io_close(struct root_io *io)
{
	for (int i = 0; i < io->nfds; i++)
		close(io->fds[i]);
	io->nfds = 0;
	if (io->wakefd > 0)
		close(io->wakefd);
	io->wakefd = -1;
	free(io->rxbuf);
	free(io->tx);
	io->rxbuf = NULL;
	io->tx = NULL;
}

int root_io_recv(struct root_io *io, int timeout_ms)
{
	struct pollfd pfds[ROOT_IO_MAX_ENDPOINTS + 1];
	for (int i = 0; i < io->nfds; i++) {
		pfds[i].fd = io->fds[i];
		pfds[i].events = POLLIN;
		pfds[i].revents = 0;
	}
	pfds[io->nfds].fd = io->wakefd;
	pfds[io->nfds].events = POLLIN;
	pfds[io->nfds].revents = 0;
	io->woken = false;
	int r = poll(pfds, (nfds_t)io->nfds + 1, timeout_ms);
	if (r < 0)
		return errno == EINTR ? 0 : -errno;
	if (r == 0)
		return 0;
	if (pfds[io->nfds].revents & POLLIN) {
		uint64_t v;
		if (read(io->wakefd, &v, sizeof v) < 0)
			v = 0;
		io->woken = true;
	}
	/* Receive from the first ready socket; the next call serves the others (poll is level-triggered). */
	for (int i = 0; i < io->nfds; i++)
		if (pfds[i].revents & POLLIN)
			return io->ops->recv(io, io->fds[i], i, ROOT_IO_BATCH);
	return 0;
}

struct root_tx *root_io_tx_slot(struct root_io *io, uint8_t sock, const struct zt_inetaddr *to)
{
	if (sock == ROOT_IO_SOCK_ANY || sock >= io->nfds || io->families[sock] != to->family) {
		sock = ROOT_IO_SOCK_ANY;
		for (int i = 0; i < io->nfds; i++)
			if (io->families[i] == to->family) {
				sock = (uint8_t)i;
				break;
			}
		if (sock == ROOT_IO_SOCK_ANY)
			return NULL;
	}
	if (io->ntx == ROOT_IO_BATCH)
		root_io_flush(io);
	struct root_tx *t = &io->tx[io->ntx++];
	t->sock = sock;
	t->tolen = zt_inetaddr_to_sockaddr(to, &t->to);
	t->len = 0;
	return t;
}

void root_io_tx_cancel(struct root_io *io)
{
	if (io->ntx)
		io->ntx--;
}

void root_io_wake(struct root_io *io)
{
	uint64_t one = 1;
	if (write(io->wakefd, &one, sizeof one) < 0)
		return; /* the counter is saturated: the worker is already due to wake */
}

void root_io_flush(struct root_io *io)
{
	if (io->ntx)
		io->ops->flush(io);
}

uint64_t root_io_kernel_drops(const struct root_io *io)
{
	uint64_t n = 0;
	for (int i = 0; i < io->nfds; i++)
		n += io->kernel_drops[i];
	return n;
}
