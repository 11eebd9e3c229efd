/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Relay throughput and CPU time per relayed packet of the real zerotier-root, next to a bare UDP
 * forwarder measured in the same run: a forked child that does recvmmsg -> sendmmsg to a fixed
 * destination with the root's socket options and no protocol work at all.
 *
 * Setup: the root runs in a temporary home bound to 127.0.0.1 with 1 and then 2 worker threads.
 * Node B says HELLO (a real identity, so the root learns B's path), node A says HELLO too (so the
 * relay path does the per-packet introduction check it does for real traffic). A sender then
 * offers pre-built packets A -> B (random payload, 1400 and 100 bytes) from NFLOWS source ports, so
 * SO_REUSEPORT spreads them over the worker threads, with sendmmsg; B counts what arrives with
 * recvmmsg. Each configuration runs at a fixed offered load that both forwarders sustain (the same
 * packets at the same instants for both) and at the maximum rate the sender reaches, REPS times,
 * alternating between the forwarders so drift in the machine's load hits all alike; medians are
 * printed. With 1 thread, a third forwarder, "bare_poll", does the root's poll-then-recvmmsg
 * instead of a blocking recvmmsg, to tell the cost of that pattern from the rest.
 *
 * CPU per packet is the forwarder process's utime + stime over the run divided by the packets B
 * received: read from the process CPU clock (clock_getcpuclockid, nanoseconds) because a run costs
 * only ~0.2 s of CPU and /proc/<pid>/stat counts 10 ms ticks; the tick-based figure is printed too
 * (`_stat_`, totals over the runs) as a cross-check.
 *
 * The machine this was written for has 2 CPUs: the load generator (sender and receiver threads)
 * is pinned to CPU 0, a 1-thread forwarder to CPU 1, a 2-thread forwarder to both. The sender runs
 * SCHED_IDLE, so when CPU 0 is short the sender slows down instead of B's socket overflowing. On
 * loopback part of each hop's receive path runs in the sending process's context; compare the
 * ratios, not the absolute numbers (bench/RESULTS.md).
 *
 * Usage: bench_relay [path/to/zerotier-root]  (default $ZT_ROOT_BIN, else ./zerotier-root)
 * Output: one `name: value` line per figure. No assertions on speed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "benchutil.h"
#include "node/crypto.h"

#define NFLOWS 16            /* sender source ports */
#define BATCH 32             /* datagrams per sendmmsg of the sender */
#define RX_BATCH 64          /* datagrams per recvmmsg (receiver and bare forwarder, as the root) */
#define PKT_MAX 2048
#define FIXED_PPS 50000.0    /* offered load both forwarders sustain on the 2-core reference machine */
#define RUN_SECONDS 1.5
#define REPS 5               /* alternating runs per forwarder and configuration (medians reported) */
#define DRAIN_SECONDS 0.3    /* quiet time after the sender stops before counting ends */
#define START_TIMEOUT_S 30.0

static const size_t sizes[] = { 1400, 100 };
#define NSIZES (sizeof sizes / sizeof sizes[0])

struct target {
	const char *name; /* "root", "bare" or "bare_poll" */
	pid_t pid;
	struct sockaddr_in sa;
	unsigned hops;    /* hop count of what it delivers: the root increments it */
};

/* One run. */
struct sample {
	uint64_t sent, delivered;
	uint64_t cpu_ns;    /* forwarder CPU over the run: process CPU clock (ns resolution) */
	uint64_t cpu_ticks; /* the same from /proc/<pid>/stat utime + stime (clock ticks) */
	double pps;
	double seconds;     /* first packet sent to last packet received */
};

/* REPS runs of one forwarder in one configuration, summarised by medians. */
struct result {
	double pps, delivered_pct, cpu_ns_per_pkt;
	double cpu_ns_per_pkt_stat; /* total ticks / total packets over the runs */
	double cpu_util_pct;        /* forwarder CPU time / wall time (100 = one CPU busy) */
};

static uint8_t tx_pkts[BATCH][PKT_MAX];
static int flow_fd[NFLOWS];
static int b_fd = -1;
static uint64_t addr_a, addr_b;
static struct bu_peer peer_a, peer_b;
static unsigned long all_cpus, forwarder_cpus_1t; /* 0 = no pinning */

/* ---------------------------------------------------------------- sender */

struct sender {
	size_t len;
	double pps;      /* 0 = as fast as possible */
	double seconds;
	uint64_t sent;
	double t_start;
	atomic_bool done;
};

static void *sender_main(void *arg)
{
	struct sender *s = arg;
	struct mmsghdr msgs[BATCH];
	struct iovec iovs[BATCH];
	for (int i = 0; i < BATCH; i++) {
		iovs[i].iov_base = tx_pkts[i];
		iovs[i].iov_len = s->len;
		memset(&msgs[i], 0, sizeof msgs[i]);
		msgs[i].msg_hdr.msg_iov = &iovs[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	/*
	 * The sender only gets the CPU the receiver leaves: when the generator's CPU is the limit,
	 * packets are then lost at the forwarder's input (its capacity) rather than at B's socket.
	 */
	struct sched_param sp = { 0 };
	pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp);
	double t0 = bu_now(), next = t0, end = t0 + s->seconds;
	int flow = 0;
	s->t_start = t0;
	for (;;) {
		double now = bu_now();
		if (now >= end)
			break;
		if (s->pps > 0 && now < next) {
			bu_sleep(next - now);
			continue;
		}
		int r = sendmmsg(flow_fd[flow], msgs, BATCH, 0);
		if (r > 0)
			s->sent += (uint64_t)r;
		flow = (flow + 1) % NFLOWS;
		next += BATCH / (s->pps > 0 ? s->pps : 1);
	}
	atomic_store(&s->done, true);
	return NULL;
}

/* ---------------------------------------------------------------- the bare forwarder */

struct bare_thread {
	int fd;
	bool use_poll;
	struct sockaddr_in dst;
};

static void *bare_loop(void *arg)
{
	struct bare_thread *b = arg;
	uint8_t (*bufs)[PKT_MAX] = malloc(RX_BATCH * sizeof *bufs);
	if (!bufs)
		_exit(1);
	struct mmsghdr rx[RX_BATCH], tx[RX_BATCH];
	struct iovec rxv[RX_BATCH], txv[RX_BATCH];
	for (int i = 0; i < RX_BATCH; i++) {
		rxv[i].iov_base = txv[i].iov_base = bufs[i];
		rxv[i].iov_len = PKT_MAX;
		memset(&rx[i], 0, sizeof rx[i]);
		rx[i].msg_hdr.msg_iov = &rxv[i];
		rx[i].msg_hdr.msg_iovlen = 1;
		memset(&tx[i], 0, sizeof tx[i]);
		tx[i].msg_hdr.msg_iov = &txv[i];
		tx[i].msg_hdr.msg_iovlen = 1;
		tx[i].msg_hdr.msg_name = &b->dst;
		tx[i].msg_hdr.msg_namelen = sizeof b->dst;
	}
	for (;;) {
		int n;
		if (b->use_poll) {
			/* The root's pattern: poll, then a non-blocking recvmmsg. */
			struct pollfd pfd = { b->fd, POLLIN, 0 };
			if (poll(&pfd, 1, 250) <= 0)
				continue;
			n = recvmmsg(b->fd, rx, RX_BATCH, MSG_DONTWAIT, NULL);
		} else {
			n = recvmmsg(b->fd, rx, RX_BATCH, MSG_WAITFORONE, NULL);
		}
		if (n <= 0)
			continue;
		for (int i = 0; i < n; i++)
			txv[i].iov_len = rx[i].msg_len;
		for (int done = 0; done < n;) {
			int r = sendmmsg(b->fd, tx + done, (unsigned)(n - done), 0);
			done += r > 0 ? r : 1;
		}
	}
	return NULL;
}

/* Opens the forwarder's sockets (the root's options), forks it and returns its pid (0 on failure). */
static pid_t bare_start(int nthreads, bool use_poll, uint16_t port, const struct sockaddr_in *dst, unsigned long cpus)
{
	static struct bare_thread th[8];
	int one = 1, pmtu = IP_PMTUDISC_DONT;
	if (nthreads > 8)
		nthreads = 8;
	for (int i = 0; i < nthreads; i++) {
		th[i].fd = bu_udp_socket(BU_LOOPBACK, port, true);
		if (th[i].fd < 0)
			return 0;
		setsockopt(th[i].fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one);
		setsockopt(th[i].fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof pmtu);
		th[i].use_poll = use_poll;
		th[i].dst = *dst;
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (cpus && !bu_pin(cpus))
			_exit(1);
		for (int i = 1; i < nthreads; i++) {
			pthread_t t;
			if (pthread_create(&t, NULL, bare_loop, &th[i]) != 0)
				_exit(1);
		}
		bare_loop(&th[0]);
		_exit(0);
	}
	for (int i = 0; i < nthreads; i++)
		close(th[i].fd);
	return pid > 0 ? pid : 0;
}

static void bare_stop(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
}

/* ---------------------------------------------------------------- one measurement */

static void drain_b(void)
{
	uint8_t buf[PKT_MAX];
	while (recv(b_fd, buf, sizeof buf, MSG_DONTWAIT) > 0)
		;
}

static void build_packets(size_t len)
{
	for (int i = 0; i < BATCH; i++) {
		zt_random(tx_pkts[i], len);
		/* A ZeroTier head from A to B, hops 0; the payload stays random (the root never decrypts it). */
		zt_put_be40(tx_pkts[i] + ZT_PACKET_IDX_DEST, addr_b);
		zt_put_be40(tx_pkts[i] + ZT_PACKET_IDX_SOURCE, addr_a);
		tx_pkts[i][ZT_PACKET_IDX_FLAGS] = (uint8_t)(ZT_CIPHER_AES_GMAC_SIV << 3);
	}
}

static bool run(const struct target *t, size_t len, double pps, double seconds, struct sample *res)
{
	static uint8_t bufs[RX_BATCH][PKT_MAX];
	struct mmsghdr msgs[RX_BATCH];
	struct iovec iovs[RX_BATCH];
	struct sender s = { .len = len, .pps = pps, .seconds = seconds };
	uint64_t t0 = 0, t1 = 0, c0 = 0, c1 = 0, got = 0;
	double last_rx = 0, stop_at = 0;
	pthread_t th;
	bool ok = false;

	drain_b();
	for (int i = 0; i < NFLOWS; i++)
		if (connect(flow_fd[i], (const struct sockaddr *)&t->sa, sizeof t->sa) != 0) {
			perror("connect");
			goto out;
		}
	if (!bu_proc_cpu_ticks(t->pid, &t0) || !bu_proc_cpu_ns(t->pid, &c0)) {
		fprintf(stderr, "cannot read the CPU time of %s (pid %d)\n", t->name, (int)t->pid);
		goto out;
	}
	atomic_init(&s.done, false);
	if (pthread_create(&th, NULL, sender_main, &s) != 0)
		goto out;
	for (;;) {
		for (int i = 0; i < RX_BATCH; i++) {
			iovs[i].iov_base = bufs[i];
			iovs[i].iov_len = PKT_MAX;
			memset(&msgs[i], 0, sizeof msgs[i]);
			msgs[i].msg_hdr.msg_iov = &iovs[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		int n = recvmmsg(b_fd, msgs, RX_BATCH, MSG_WAITFORONE, NULL);
		double now = bu_now();
		for (int i = 0; i < n; i++) {
			const uint8_t *d = bufs[i];
			if (msgs[i].msg_len == len && zt_packet_source(d) == addr_a && zt_packet_dest(d) == addr_b &&
			    zt_packet_hops(d) == t->hops)
				got++;
		}
		if (n > 0)
			last_rx = now;
		if (atomic_load(&s.done)) {
			if (!stop_at)
				stop_at = now;
			if (now - (last_rx > stop_at ? last_rx : stop_at) > DRAIN_SECONDS)
				break;
		}
	}
	pthread_join(th, NULL);
	if (!bu_proc_cpu_ticks(t->pid, &t1) || !bu_proc_cpu_ns(t->pid, &c1))
		goto out;
	double span = last_rx - s.t_start;
	res->sent = s.sent;
	res->delivered = got;
	res->pps = span > 0 ? (double)got / span : 0;
	res->cpu_ns = c1 - c0;
	res->cpu_ticks = t1 - t0;
	res->seconds = last_rx - s.t_start;
	ok = true;
out:;
	/* Back to unconnected, so the flow sockets can talk to another forwarder (and hear the root). */
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	for (int i = 0; i < NFLOWS; i++)
		connect(flow_fd[i], &unspec, sizeof unspec);
	return ok;
}

static void summarise(const struct sample *s, int n, struct result *r)
{
	double pps[REPS], pct[REPS], cpu[REPS], util[REPS];
	uint64_t ticks = 0, pkts = 0;
	for (int i = 0; i < n; i++) {
		pps[i] = s[i].pps;
		pct[i] = s[i].sent ? 100.0 * (double)s[i].delivered / (double)s[i].sent : 0;
		cpu[i] = s[i].delivered ? (double)s[i].cpu_ns / (double)s[i].delivered : 0;
		util[i] = s[i].seconds > 0 ? 100.0 * (double)s[i].cpu_ns / 1e9 / s[i].seconds : 0;
		ticks += s[i].cpu_ticks;
		pkts += s[i].delivered;
	}
	r->pps = bu_median(pps, (size_t)n);
	r->delivered_pct = bu_median(pct, (size_t)n);
	r->cpu_ns_per_pkt = bu_median(cpu, (size_t)n);
	r->cpu_util_pct = bu_median(util, (size_t)n);
	r->cpu_ns_per_pkt_stat = pkts ? (double)ticks * bu_ns_per_tick() / (double)pkts : 0;
}

/* ---------------------------------------------------------------- main */

static void print_result(const char *who, int threads, size_t len, const char *load, const struct result *r)
{
	printf("relay_pps_%s_%dt_%zub_%s: %.0f\n", who, threads, len, load, r->pps);
	printf("relay_delivered_pct_%s_%dt_%zub_%s: %.1f\n", who, threads, len, load, r->delivered_pct);
	printf("relay_cpu_ns_per_pkt_%s_%dt_%zub_%s: %.0f\n", who, threads, len, load, r->cpu_ns_per_pkt);
	printf("relay_cpu_ns_per_pkt_stat_%s_%dt_%zub_%s: %.0f\n", who, threads, len, load, r->cpu_ns_per_pkt_stat);
	printf("relay_cpu_util_pct_%s_%dt_%zub_%s: %.0f\n", who, threads, len, load, r->cpu_util_pct);
}

static void print_ratio(const char *vs, int threads, size_t len, const char *load, const struct result *root,
			const struct result *base)
{
	if (base->cpu_ns_per_pkt > 0)
		printf("relay_cpu_ratio_root_vs_%s_%dt_%zub_%s: %.2f\n", vs, threads, len, load,
		       root->cpu_ns_per_pkt / base->cpu_ns_per_pkt);
	if (base->pps > 0)
		printf("relay_pps_ratio_root_vs_%s_%dt_%zub_%s: %.2f\n", vs, threads, len, load, root->pps / base->pps);
}

static bool say_hello(struct bu_peer *p, int fd, const struct bu_root *r)
{
	if (!bu_peer_init(p, &r->id))
		return false;
	bool ok = bu_hello_wait(fd, p, r, START_TIMEOUT_S);
	zt_peer_key_free(&p->key);
	return ok;
}

/*
 * One thread count: the root, the bare forwarder (and with 1 thread the bare forwarder in the
 * root's poll-then-recvmmsg pattern) run side by side; each configuration alternates between them
 * REPS times so drift in the machine's load hits all alike.
 */
static bool measure(const char *bin, int threads, const struct sockaddr_in *b_sa, struct result (*out)[2][3])
{
	struct bu_root r;
	char extra[64];
	struct target t[3] = { { "root", 0, { 0 }, 1 }, { "bare", 0, { 0 }, 0 }, { "bare_poll", 0, { 0 }, 0 } };
	int ntargets = threads == 1 ? 3 : 2;
	bool ok = false;
	snprintf(extra, sizeof extra, "\"threads\": %d", threads);
	if (!bu_root_prepare(&r, extra))
		return false;
	r.cpus = threads == 1 ? forwarder_cpus_1t : all_cpus;
	if (!bu_root_spawn(&r, bin) || !bu_root_wait_ready(&r, START_TIMEOUT_S))
		goto out;
	/* B first (so the root learns where B is), then A from flow 0 (a known source). */
	if (!say_hello(&peer_b, b_fd, &r) || !say_hello(&peer_a, flow_fd[0], &r))
		goto out;
	t[0].pid = r.pid;
	t[0].sa = r.sa;
	for (int k = 1; k < ntargets; k++) {
		uint16_t port = bu_free_udp_port();
		bu_sockaddr(&t[k].sa, BU_LOOPBACK, port);
		t[k].pid = bare_start(k == 2 ? 1 : threads, k == 2, port, b_sa, r.cpus);
		if (!t[k].pid)
			goto out;
	}
	for (size_t si = 0; si < NSIZES; si++) {
		size_t len = sizes[si];
		build_packets(len);
		for (int load = 0; load < 2; load++) {
			const char *lname = load ? "max" : "fixed";
			double pps = load ? 0 : FIXED_PPS;
			int nt = load ? 2 : ntargets;
			struct sample smp[3][REPS];
			for (int rep = 0; rep < REPS; rep++)
				for (int k = 0; k < nt; k++)
					if (!run(&t[k], len, pps, RUN_SECONDS, &smp[k][rep]))
						goto out;
			for (int k = 0; k < nt; k++) {
				summarise(smp[k], REPS, &out[si][load][k]);
				print_result(t[k].name, threads, len, lname, &out[si][load][k]);
			}
			for (int k = 1; k < nt; k++)
				print_ratio(t[k].name, threads, len, lname, &out[si][load][0], &out[si][load][k]);
			fflush(stdout);
		}
	}
	ok = true;
out:
	if (!ok)
		bu_root_show_log(&r);
	for (int k = 1; k < ntargets; k++)
		bare_stop(t[k].pid);
	bu_root_cleanup(&r);
	return ok;
}

int main(int argc, char **argv)
{
	const char *bin = bu_root_bin(argc, argv);
	static struct zt_identity ids[2];
	static struct result res[2][NSIZES][2][3]; /* [threads-1][size][fixed/max][root/bare/bare_poll] */
	int rc = EXIT_FAILURE;

	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_TIMERSLACK, 1UL); /* precise pacing of the fixed load */
	if (zt_crypto_init() != ZT_OK || !bu_identities_generate(ids, 2, 2))
		return EXIT_FAILURE;
	peer_a.id = ids[0];
	peer_b.id = ids[1];
	addr_a = peer_a.id.address;
	addr_b = peer_b.id.address;
	b_fd = bu_udp_socket(BU_LOOPBACK, 0, false);
	struct timeval tv = { 0, 20000 };
	if (b_fd < 0 || setsockopt(b_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0)
		goto out;
	for (int i = 0; i < NFLOWS; i++)
		if ((flow_fd[i] = bu_udp_socket(BU_LOOPBACK, 0, false)) < 0)
			goto out;
	struct sockaddr_in b_sa;
	bu_sockaddr(&b_sa, BU_LOOPBACK, bu_socket_port(b_fd));

	/* Load generator (sender + receiver) on CPU 0; a 1-thread forwarder alone on CPU 1. */
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu >= 2) {
		all_cpus = ncpu >= 64 ? ~0UL : (1UL << ncpu) - 1;
		forwarder_cpus_1t = 1UL << 1;
		if (!bu_pin(1UL << 0))
			goto out;
	}
	printf("relay_cpus: %ld\n", ncpu);
	printf("relay_pinned: %s\n", ncpu >= 2 ? "generator cpu0, 1-thread forwarders cpu1, 2-thread forwarders all" : "no");
	printf("relay_sender_flows: %d\n", NFLOWS);
	printf("relay_fixed_offered_pps: %.0f\n", FIXED_PPS);
	printf("relay_run_seconds: %.1f\n", RUN_SECONDS);
	printf("relay_reps: %d\n", REPS);
	fflush(stdout);

	for (int threads = 1; threads <= 2; threads++)
		if (!measure(bin, threads, &b_sa, res[threads - 1]))
			goto out;
	for (size_t si = 0; si < NSIZES; si++)
		for (int load = 0; load < 2; load++)
			for (int k = 0; k < 2; k++) {
				double p1 = res[0][si][load][k].pps, p2 = res[1][si][load][k].pps;
				double c1 = res[0][si][load][k].cpu_ns_per_pkt, c2 = res[1][si][load][k].cpu_ns_per_pkt;
				if (p1 > 0 && load)
					printf("relay_scaling_2t_vs_1t_%s_%zub_max: %.2f\n", k ? "bare" : "root", sizes[si], p2 / p1);
				if (c1 > 0 && !load)
					printf("relay_cpu_per_pkt_2t_vs_1t_%s_%zub_fixed: %.2f\n", k ? "bare" : "root", sizes[si],
					       c2 / c1);
			}
	rc = EXIT_SUCCESS;
out:
	if (rc != EXIT_SUCCESS)
		fprintf(stderr, "bench_relay: failed\n");
	zt_identity_wipe(&peer_a.id);
	zt_identity_wipe(&peer_b.id);
	zt_identity_wipe(&ids[0]);
	zt_identity_wipe(&ids[1]);
	return rc;
}
