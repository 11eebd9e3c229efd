/* SPDX-License-Identifier: Apache-2.0 */
/*
 * New-peer HELLOs per second handled by the real zerotier-root, next to the cost of the work each
 * one needs, measured alone in this process in the same run: one identity validation (the
 * memory-hard hash) plus one X25519 key agreement. The bound is what the root's validator threads
 * could do if that were all they did: 1e6 / cost_us x validator threads.
 *
 * NIDS fresh valid identities are generated before the timed part (about 60 ms each). Each HELLO
 * leaves from its own source address 127.x.y.1 (IP_PKTINFO on one wildcard socket; loopback owns
 * all of 127/8), so every HELLO comes from a different /24 and the root's per-prefix validation
 * gate lets them all through, as it would for new nodes spread over the Internet. The clock runs
 * from the first HELLO sent to the last OK(HELLO) received (decrypted and matched to its HELLO).
 * A HELLO without an answer after RETRY_S is sent again (counted in hello_retries).
 *
 * Usage: bench_hello [path/to/zerotier-root]  (default $ZT_ROOT_BIN, else ./zerotier-root)
 * Output: one `name: value` line per figure. No assertions on speed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "benchutil.h"
#include "node/crypto.h"
#include "node/verbs.h"

#define NIDS 300
#define CORE_SAMPLES 50     /* validate + agree timings for the median */
#define SEND_BATCH 64
#define RX_BATCH 64
#define PKT_MAX 2048
#define RETRY_S 3.0
#define HELLO_TIMEOUT_S 120.0
#define START_TIMEOUT_S 30.0
#define SOURCES_PER_OCTET 250

struct hello {
	struct bu_peer peer;
	uint8_t pkt[PKT_MAX];
	size_t len;
	uint64_t packet_id;
	struct in_addr src;  /* 127.x.y.1 */
	double sent;         /* last send, bu_now() */
	bool done;
};

static struct hello hellos[NIDS];
static struct zt_identity ids[NIDS];

/* Same rule as the root (src/root/main.c): one validator thread per two CPUs, at least one. */
static int validator_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 2 ? (int)(n / 2) : 1;
}

/* Median microseconds of zt_identity_validate (public identity, as the root sees it) + zt_c25519_agree. */
static double core_cost_us(void)
{
	double v[CORE_SAMPLES];
	uint8_t full[64];
	for (int i = 0; i < CORE_SAMPLES; i++) {
		struct zt_identity pub = ids[i % NIDS];
		pub.has_private = false;
		memset(pub.priv, 0, sizeof pub.priv);
		const struct zt_identity *me = &ids[(i + 1) % NIDS];
		double t = bu_now();
		if (zt_identity_validate(&pub) != ZT_OK || zt_c25519_agree(full, me->priv, pub.pub) != ZT_OK)
			return -1;
		v[i] = (bu_now() - t) * 1e6;
	}
	zt_wipe(full, sizeof full);
	return bu_median(v, CORE_SAMPLES);
}

/* Sends the HELLOs in idx[0..n-1], each from its own source address. */
static void send_hellos(int fd, const struct sockaddr_in *to, const size_t *idx, size_t n)
{
	struct mmsghdr msgs[SEND_BATCH];
	struct iovec iovs[SEND_BATCH];
	union {
		char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct cmsghdr align;
	} ctrl[SEND_BATCH];
	while (n) {
		size_t k = n < SEND_BATCH ? n : SEND_BATCH;
		for (size_t i = 0; i < k; i++) {
			struct hello *h = &hellos[idx[i]];
			iovs[i].iov_base = h->pkt;
			iovs[i].iov_len = h->len;
			memset(&msgs[i], 0, sizeof msgs[i]);
			memset(&ctrl[i], 0, sizeof ctrl[i]);
			msgs[i].msg_hdr.msg_name = (void *)to;
			msgs[i].msg_hdr.msg_namelen = sizeof *to;
			msgs[i].msg_hdr.msg_iov = &iovs[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
			msgs[i].msg_hdr.msg_control = ctrl[i].buf;
			msgs[i].msg_hdr.msg_controllen = sizeof ctrl[i].buf;
			struct cmsghdr *c = CMSG_FIRSTHDR(&msgs[i].msg_hdr);
			c->cmsg_level = IPPROTO_IP;
			c->cmsg_type = IP_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
			struct in_pktinfo pi = { .ipi_ifindex = 0, .ipi_spec_dst = h->src };
			memcpy(CMSG_DATA(c), &pi, sizeof pi);
			h->sent = bu_now();
		}
		int r = sendmmsg(fd, msgs, (unsigned)k, 0);
		if (r < 0) {
			perror("sendmmsg");
			return;
		}
		/* A datagram the kernel refused is retried later like a lost one. */
		idx += k;
		n -= k;
	}
}

static struct hello *find_hello(uint64_t address)
{
	for (size_t i = 0; i < NIDS; i++)
		if (hellos[i].peer.id.address == address)
			return &hellos[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const char *bin = bu_root_bin(argc, argv);
	static uint8_t bufs[RX_BATCH][ZT_PROTO_MAX_PACKET_LENGTH];
	static size_t idx[NIDS];
	struct bu_root r = { .pid = 0, .out_fd = -1 };
	int rc = EXIT_FAILURE, fd = -1;
	size_t ndone = 0, retries = 0;

	signal(SIGPIPE, SIG_IGN);
	if (zt_crypto_init() != ZT_OK)
		return EXIT_FAILURE;
	double tg = bu_now();
	if (!bu_identities_generate(ids, NIDS, (int)sysconf(_SC_NPROCESSORS_ONLN)))
		goto out;
	tg = bu_now() - tg;
	double cost_us = core_cost_us();
	if (cost_us <= 0)
		goto out;

	if (!bu_root_prepare(&r, "") || !bu_root_spawn(&r, bin) || !bu_root_wait_ready(&r, START_TIMEOUT_S))
		goto out;
	fd = bu_udp_socket("0.0.0.0", 0, false);
	if (fd < 0)
		goto out;
	for (size_t i = 0; i < NIDS; i++) {
		struct hello *h = &hellos[i];
		char ip[32];
		h->peer.id = ids[i];
		if (!bu_peer_init(&h->peer, &r.id))
			goto out;
		snprintf(ip, sizeof ip, "127.%zu.%zu.1", 1 + i / SOURCES_PER_OCTET, i % SOURCES_PER_OCTET);
		inet_pton(AF_INET, ip, &h->src);
		h->len = bu_hello_build(&h->peer, r.id.address, &r.addr, h->pkt, sizeof h->pkt, &h->packet_id);
		if (!h->len)
			goto out;
		idx[i] = i;
	}
	uint64_t cpu0 = 0, cpu1 = 0;
	bu_proc_cpu_ns(r.pid, &cpu0);

	double t0 = bu_now(), t_last = t0;
	send_hellos(fd, &r.sa, idx, NIDS);
	while (ndone < NIDS && bu_now() - t0 < HELLO_TIMEOUT_S) {
		struct mmsghdr msgs[RX_BATCH];
		struct iovec iovs[RX_BATCH];
		struct pollfd pfd = { fd, POLLIN, 0 };
		if (poll(&pfd, 1, 50) > 0) {
			for (int i = 0; i < RX_BATCH; i++) {
				iovs[i].iov_base = bufs[i];
				iovs[i].iov_len = sizeof bufs[i];
				memset(&msgs[i], 0, sizeof msgs[i]);
				msgs[i].msg_hdr.msg_iov = &iovs[i];
				msgs[i].msg_hdr.msg_iovlen = 1;
			}
			int n = recvmmsg(fd, msgs, RX_BATCH, MSG_DONTWAIT, NULL);
			double now = bu_now();
			for (int i = 0; i < n; i++) {
				struct bu_reply rep;
				size_t len = msgs[i].msg_len;
				struct hello *h = len >= ZT_PACKET_HEADER_LENGTH ? find_hello(zt_packet_dest(bufs[i])) : NULL;
				if (!h || h->done || !bu_reply_parse(&h->peer, r.id.address, bufs[i], len, sizeof bufs[i], &rep))
					continue;
				if (rep.verb == ZT_VERB_OK && rep.in_re_verb == ZT_VERB_HELLO && rep.in_re_packet_id == h->packet_id) {
					h->done = true;
					ndone++;
					t_last = now;
				}
			}
		}
		size_t nretry = 0;
		double now = bu_now();
		for (size_t i = 0; i < NIDS; i++)
			if (!hellos[i].done && now - hellos[i].sent > RETRY_S)
				idx[nretry++] = i;
		if (nretry) {
			retries += nretry;
			send_hellos(fd, &r.sa, idx, nretry);
		}
	}
	bu_proc_cpu_ns(r.pid, &cpu1);
	double secs = t_last - t0;
	double rate = secs > 0 ? (double)ndone / secs : 0;
	int vthreads = validator_threads();
	double bound = 1e6 / cost_us * vthreads;

	printf("hello_identities: %d\n", NIDS);
	printf("hello_identity_generate_s: %.1f\n", tg);
	printf("hello_ok: %zu\n", ndone);
	printf("hello_retries: %zu\n", retries);
	printf("hello_seconds: %.3f\n", secs);
	printf("hello_new_peers_per_s: %.1f\n", rate);
	printf("hello_root_cpu_us_per_new_peer: %.0f\n", ndone ? (double)(cpu1 - cpu0) / 1e3 / (double)ndone : 0);
	printf("identity_validate_plus_agree_us: %.0f\n", cost_us);
	printf("hello_validator_threads: %d\n", vthreads);
	printf("hello_single_core_bound_per_s: %.1f\n", bound);
	printf("hello_vs_single_core_bound_ratio: %.2f\n", rate / bound);
	rc = ndone == NIDS ? EXIT_SUCCESS : EXIT_FAILURE;
	if (rc != EXIT_SUCCESS)
		bu_root_show_log(&r);
out:
	if (rc != EXIT_SUCCESS)
		fprintf(stderr, "bench_hello: failed\n");
	if (fd >= 0)
		close(fd);
	bu_root_cleanup(&r);
	for (size_t i = 0; i < NIDS; i++) {
		bu_peer_free(&hellos[i].peer);
		zt_identity_wipe(&ids[i]);
	}
	return rc;
}
