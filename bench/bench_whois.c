/* SPDX-License-Identifier: Apache-2.0 */
/*
 * WHOIS answered per second by the real zerotier-root holding 1,000,000 peers, and its time from
 * start to serving with those peers in LMDB.
 *
 * Before the daemon starts, its home gets an identity and a peers.lmdb written with the store API
 * (root_store_open / root_cache_put dirty / root_store_flush): 1,000,000 synthetic peers (valid-
 * looking identities; nothing validates them on load) plus NCLIENTS real client identities. The
 * clock then starts at fork: client 0 sends a WHOIS every POLL_S until the first OK(WHOIS) comes
 * back (root_start_to_serving_1m_ms); the clients are in the store, so, as after a restart, they
 * need no new HELLO to be answered. Then every client says HELLO (and gets its OK), and the
 * clients keep a window of WINDOW requests each in flight for RUN_SECONDS: WHOIS for one random
 * known address per request (as 1.x asks), armored with cipher 3 (the clients speak protocol 12).
 * Every reply is counted by its header (from the root, to that client); one in VERIFY_EVERY is
 * decrypted and checked (OK(WHOIS) carrying the identity asked for) so the client does not spend
 * the CPUs the root needs on a 2-core machine.
 *
 * Baseline, same daemon and clients: ECHO with an 8-byte payload, answered with OK(ECHO), the
 * cheapest armored reply the root makes; the ratio shows what the WHOIS lookup in a 1M-peer cache
 * adds. The root's per-peer reply limit (rateLimits.repliesPerPeer, default 20/s) is raised to its
 * maximum, 100000/s per client, in this benchmark's root.json.
 *
 * Usage: bench_whois [path/to/zerotier-root]  (default $ZT_ROOT_BIN, else ./zerotier-root)
 * Output: one `name: value` line per figure. No assertions on speed.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "benchutil.h"
#include "common/log.h"
#include "node/crypto.h"
#include "node/verbs.h"
#include "root/cache.h"
#include "root/store.h"

#define NPEERS 1000000
#define NCLIENTS 8
#define POPULATE_BATCH 60000  /* below the cache's dirty ring, so every flush takes the normal path */
#define MAP_SIZE (4ULL << 30)
#define REPLIES_PER_PEER 100000
#define PREBUILT 1024          /* requests per client, sent round-robin */
#define WINDOW 64              /* requests in flight per client */
#define SEND_BATCH 32
#define RX_BATCH 64
#define RUN_SECONDS 3.0
#define LOSS_TIMEOUT_S 0.02    /* no reply for this long: the requests in flight count as lost */
#define VERIFY_EVERY 16
#define DRAIN_QUIET_S 0.2      /* between phases: no reply for this long */
#define DRAIN_MAX_S 10.0
#define POLL_S 0.002
#define SERVE_TIMEOUT_S 120.0
#define START_TIMEOUT_S 30.0
#define IDLE_SECONDS 3.0
#define ECHO_LEN 8
#define PKT_MAX 256

struct client {
	struct bu_peer peer;
	int fd;
	uint8_t (*pkts)[PKT_MAX];
	size_t *lens;
	uint64_t *wire_ids;
	uint64_t *targets;     /* peer number asked for (WHOIS) */
	size_t next;
	uint64_t sent, answered, lost;
	double last_progress;
};

struct phase {
	uint64_t replies, verified, bad, lost;
	double seconds;
	uint64_t cpu_ns;
};

static struct client clients[NCLIENTS];
static struct root_cache cache;

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void fake_peer(uint64_t i, struct root_peer *p, int64_t now)
{
	memset(p, 0, sizeof *p);
	p->address = bu_fake_address(i);
	bu_fake_pub(i, p->pub);
	p->last_rx = now;
	p->proto = 12;
	p->vmajor = 1;
	p->vminor = 14;
	p->vrev = 1;
	p->flags = ROOT_PEER_VALIDATED;
	p->v4.family = 4;
	p->v4.ip[0] = 198;
	p->v4.ip[1] = 18;
	p->v4.ip[2] = (uint8_t)(i >> 8);
	p->v4.ip[3] = (uint8_t)i;
	p->v4.port = (uint16_t)(9993 + i % 1000);
	p->v4.last_rx = now;
}

/* Writes NPEERS synthetic peers and the clients into <home>/peers.lmdb. */
static bool populate(const char *home, double *seconds)
{
	char dir[256];
	struct root_store s;
	struct root_peer p;
	int64_t now = wall_ms();
	bool ok = false;
	double t = bu_now();
	snprintf(dir, sizeof dir, "%s/peers.lmdb", home);
	if (root_cache_init(&cache, NPEERS + NCLIENTS) != ZT_OK)
		return false;
	if (root_store_open(&s, dir, MAP_SIZE, &cache, 1000) != ZT_OK)
		goto out_cache;
	for (uint64_t start = 0; start < NPEERS; start += POPULATE_BATCH) {
		for (uint64_t i = start; i < start + POPULATE_BATCH && i < NPEERS; i++) {
			fake_peer(i, &p, now);
			if (root_cache_put(&cache, &p, true) != ZT_OK)
				goto out;
		}
		if (root_store_flush(&s) != ZT_OK)
			goto out;
	}
	for (int c = 0; c < NCLIENTS; c++) {
		memset(&p, 0, sizeof p);
		p.address = clients[c].peer.id.address;
		memcpy(p.pub, clients[c].peer.id.pub, 64);
		p.last_rx = now;
		p.flags = ROOT_PEER_VALIDATED;
		if (root_cache_put(&cache, &p, true) != ZT_OK)
			goto out;
	}
	ok = root_store_flush(&s) == ZT_OK && root_store_count(&s) == NPEERS + NCLIENTS;
out:
	root_store_close(&s);
out_cache:
	root_cache_free(&cache);
	*seconds = bu_now() - t;
	if (!ok)
		fprintf(stderr, "could not write the peer store\n");
	return ok;
}

/* Pre-builds each client's requests: WHOIS for random peers, or ECHO. */
static bool build_requests(uint64_t root_address, bool whois, uint64_t *rng)
{
	for (int c = 0; c < NCLIENTS; c++) {
		struct client *cl = &clients[c];
		for (size_t k = 0; k < PREBUILT; k++) {
			uint8_t payload[ECHO_LEN];
			size_t n = ECHO_LEN;
			if (whois) {
				cl->targets[k] = bu_rand(rng) % NPEERS;
				zt_put_be40(payload, bu_fake_address(cl->targets[k]));
				n = ZT_ADDRESS_LENGTH;
			} else {
				zt_random(payload, sizeof payload);
			}
			cl->lens[k] = bu_packet_build(&cl->peer, root_address, whois ? ZT_VERB_WHOIS : ZT_VERB_ECHO, payload, n,
						      cl->pkts[k], PKT_MAX, &cl->wire_ids[k]);
			if (!cl->lens[k])
				return false;
		}
		cl->next = 0;
	}
	return true;
}

/* Requests sent and neither answered nor given up (a late answer to a given-up request is not lost). */
static uint64_t inflight_of(struct client *cl)
{
	if (cl->answered + cl->lost > cl->sent)
		cl->lost = cl->sent - cl->answered;
	return cl->sent - cl->answered - cl->lost;
}

/* Sends until `cl` has WINDOW requests in flight. */
static void fill_window(struct client *cl, const struct bu_root *r)
{
	struct mmsghdr msgs[SEND_BATCH];
	struct iovec iovs[SEND_BATCH];
	for (;;) {
		uint64_t inflight = inflight_of(cl);
		if (inflight >= WINDOW)
			return;
		unsigned k = (unsigned)(WINDOW - inflight < SEND_BATCH ? WINDOW - inflight : SEND_BATCH);
		for (unsigned i = 0; i < k; i++) {
			size_t j = (cl->next + i) % PREBUILT;
			iovs[i].iov_base = cl->pkts[j];
			iovs[i].iov_len = cl->lens[j];
			memset(&msgs[i], 0, sizeof msgs[i]);
			msgs[i].msg_hdr.msg_name = (void *)&r->sa;
			msgs[i].msg_hdr.msg_namelen = sizeof r->sa;
			msgs[i].msg_hdr.msg_iov = &iovs[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		int n = sendmmsg(cl->fd, msgs, k, 0);
		if (n <= 0)
			return;
		cl->next = (cl->next + (size_t)n) % PREBUILT;
		cl->sent += (uint64_t)n;
	}
}

/* Decrypts one reply and checks it answers one of our requests as it should. */
static bool verify(struct client *cl, const struct bu_root *r, uint8_t *d, size_t len, size_t cap, bool whois)
{
	struct bu_reply rep;
	if (!bu_reply_parse(&cl->peer, r->id.address, d, len, cap, &rep) || rep.verb != ZT_VERB_OK)
		return false;
	if (!whois)
		return rep.in_re_verb == ZT_VERB_ECHO && rep.body_len == ECHO_LEN;
	if (rep.in_re_verb != ZT_VERB_WHOIS || rep.body_len < ZT_IDENTITY_PUBLIC_BINARY_LEN)
		return false;
	for (size_t k = 0; k < PREBUILT; k++)
		if (cl->wire_ids[k] == rep.in_re_packet_id) {
			uint8_t want[64];
			bu_fake_pub(cl->targets[k], want);
			return zt_be40(rep.body) == bu_fake_address(cl->targets[k]) && !memcmp(rep.body + 6, want, 64);
		}
	return false;
}

/* Drops whatever the clients still receive (until DRAIN_QUIET_S without any), so a phase counts only its own replies. */
static void drain_clients(void)
{
	uint8_t buf[ZT_PROTO_MAX_PACKET_LENGTH];
	for (double quiet = bu_now(), t1 = quiet; bu_now() - quiet < DRAIN_QUIET_S && bu_now() - t1 < DRAIN_MAX_S;) {
		bu_sleep(0.01);
		for (int c = 0; c < NCLIENTS; c++)
			while (recv(clients[c].fd, buf, sizeof buf, MSG_DONTWAIT) > 0)
				quiet = bu_now();
	}
}

static bool run_phase(const struct bu_root *r, bool whois, uint64_t *rng, struct phase *ph)
{
	static uint8_t bufs[RX_BATCH][ZT_PROTO_MAX_PACKET_LENGTH];
	struct pollfd pfds[NCLIENTS];
	uint64_t c0 = 0, c1 = 0, seen = 0;
	memset(ph, 0, sizeof *ph);
	if (!build_requests(r->id.address, whois, rng))
		return false;
	drain_clients();
	bu_proc_cpu_ns(r->pid, &c0);
	double t0 = bu_now(), end = t0 + RUN_SECONDS, now = t0;
	for (int c = 0; c < NCLIENTS; c++) {
		clients[c].sent = clients[c].answered = clients[c].lost = 0;
		clients[c].last_progress = t0;
		fill_window(&clients[c], r);
	}
	while ((now = bu_now()) < end) {
		for (int c = 0; c < NCLIENTS; c++) {
			pfds[c].fd = clients[c].fd;
			pfds[c].events = POLLIN;
			pfds[c].revents = 0;
		}
		if (poll(pfds, NCLIENTS, 5) < 0 && errno != EINTR)
			return false;
		now = bu_now();
		for (int c = 0; c < NCLIENTS; c++) {
			struct client *cl = &clients[c];
			if (pfds[c].revents & POLLIN) {
				struct mmsghdr msgs[RX_BATCH];
				struct iovec iovs[RX_BATCH];
				for (int i = 0; i < RX_BATCH; i++) {
					iovs[i].iov_base = bufs[i];
					iovs[i].iov_len = sizeof bufs[i];
					memset(&msgs[i], 0, sizeof msgs[i]);
					msgs[i].msg_hdr.msg_iov = &iovs[i];
					msgs[i].msg_hdr.msg_iovlen = 1;
				}
				int n = recvmmsg(cl->fd, msgs, RX_BATCH, MSG_DONTWAIT, NULL);
				for (int i = 0; i < n; i++) {
					const uint8_t *d = bufs[i];
					size_t len = msgs[i].msg_len;
					if (len < ZT_PACKET_HEADER_LENGTH || zt_packet_source(d) != r->id.address ||
					    zt_packet_dest(d) != cl->peer.id.address)
						continue;
					cl->answered++;
					ph->replies++;
					if (++seen % VERIFY_EVERY == 0) {
						if (verify(cl, r, bufs[i], len, sizeof bufs[i], whois))
							ph->verified++;
						else
							ph->bad++;
					}
				}
				if (n > 0)
					cl->last_progress = now;
			}
			if (inflight_of(cl) > 0 && now - cl->last_progress > LOSS_TIMEOUT_S) {
				/* Requests or replies dropped somewhere: stop waiting for them. */
				cl->lost = cl->sent - cl->answered;
				cl->last_progress = now;
			}
			fill_window(cl, r);
		}
	}
	bu_proc_cpu_ns(r->pid, &c1);
	ph->seconds = now - t0;
	ph->cpu_ns = c1 - c0;
	for (int c = 0; c < NCLIENTS; c++)
		ph->lost += clients[c].lost;
	drain_clients();
	return true;
}

/* Until the first OK(WHOIS) answers client 0: returns seconds since the daemon was forked, or -1. */
static double wait_serving(const struct bu_root *r)
{
	struct client *cl = &clients[0];
	uint8_t pkt[PKT_MAX], rx[ZT_PROTO_MAX_PACKET_LENGTH], payload[ZT_ADDRESS_LENGTH];
	double next = 0;
	zt_put_be40(payload, bu_fake_address(NPEERS / 2));
	while (bu_now() - r->spawned < SERVE_TIMEOUT_S) {
		if (bu_now() >= next) {
			uint64_t id;
			size_t len = bu_packet_build(&cl->peer, r->id.address, ZT_VERB_WHOIS, payload, sizeof payload, pkt,
						     sizeof pkt, &id);
			if (!len)
				return -1;
			sendto(cl->fd, pkt, len, 0, (const struct sockaddr *)&r->sa, sizeof r->sa);
			next = bu_now() + POLL_S;
		}
		struct pollfd pfd = { cl->fd, POLLIN, 0 };
		if (poll(&pfd, 1, 1) <= 0)
			continue;
		ssize_t n = recv(cl->fd, rx, sizeof rx, MSG_DONTWAIT);
		double t = bu_now();
		struct bu_reply rep;
		if (n > 0 && bu_reply_parse(&cl->peer, r->id.address, rx, (size_t)n, sizeof rx, &rep) &&
		    rep.verb == ZT_VERB_OK && rep.in_re_verb == ZT_VERB_WHOIS && rep.body_len >= ZT_IDENTITY_PUBLIC_BINARY_LEN)
			return t - r->spawned;
	}
	fprintf(stderr, "no OK(WHOIS) within %.0f s of the start\n", SERVE_TIMEOUT_S);
	return -1;
}

int main(int argc, char **argv)
{
	const char *bin = bu_root_bin(argc, argv);
	static struct zt_identity ids[NCLIENTS + 1];
	struct bu_root r = { .pid = 0, .out_fd = -1 };
	struct phase whois, echo;
	uint64_t rng = 0x77686f6973ULL;
	int rc = EXIT_FAILURE;
	char extra[128];
	double populate_s = 0;

	signal(SIGPIPE, SIG_IGN);
	zt_log_init("bench_whois", ZT_LOG_WARN);
	if (zt_crypto_init() != ZT_OK || !bu_identities_generate(ids, NCLIENTS + 1, (int)sysconf(_SC_NPROCESSORS_ONLN)))
		goto out;
	snprintf(extra, sizeof extra, "\"rateLimits\": {\"repliesPerPeer\": %d}", REPLIES_PER_PEER);
	if (!bu_root_prepare(&r, extra) || !bu_root_write_identity(&r, &ids[NCLIENTS]))
		goto out;
	/* The daemon's public identity, as its clients would know it from the planet. */
	r.id = ids[NCLIENTS];
	r.id.has_private = false;
	memset(r.id.priv, 0, sizeof r.id.priv);
	for (int c = 0; c < NCLIENTS; c++) {
		struct client *cl = &clients[c];
		cl->peer.id = ids[c];
		cl->fd = bu_udp_socket(BU_LOOPBACK, 0, false);
		cl->pkts = malloc(PREBUILT * sizeof *cl->pkts);
		cl->lens = malloc(PREBUILT * sizeof *cl->lens);
		cl->wire_ids = malloc(PREBUILT * sizeof *cl->wire_ids);
		cl->targets = malloc(PREBUILT * sizeof *cl->targets);
		if (cl->fd < 0 || !cl->pkts || !cl->lens || !cl->wire_ids || !cl->targets || !bu_peer_init(&cl->peer, &r.id))
			goto out;
	}
	if (!populate(r.home, &populate_s))
		goto out;

	if (!bu_root_spawn(&r, bin))
		goto out;
	double serving_s = wait_serving(&r);
	if (serving_s < 0 || !bu_root_wait_ready(&r, START_TIMEOUT_S))
		goto out_log;
	double load_ms = bu_root_log_number(&r, "loaded ", " in ");
	for (int c = 0; c < NCLIENTS; c++)
		if (!bu_hello_wait(clients[c].fd, &clients[c].peer, &r, START_TIMEOUT_S))
			goto out_log;

	uint64_t idle0 = 0, idle1 = 0;
	bu_proc_cpu_ns(r.pid, &idle0);
	double ti = bu_now();
	bu_sleep(IDLE_SECONDS);
	bu_proc_cpu_ns(r.pid, &idle1);
	double idle_pct = 100.0 * (double)(idle1 - idle0) / 1e9 / (bu_now() - ti);
	uint64_t rss = bu_proc_rss(r.pid);
	uint64_t rss_anon = bu_proc_status_bytes(r.pid, "RssAnon"), rss_file = bu_proc_status_bytes(r.pid, "RssFile");

	printf("whois_peers_in_store: %d\n", NPEERS);
	printf("whois_store_populate_s: %.1f\n", populate_s);
	printf("root_start_to_serving_1m_ms: %.0f\n", serving_s * 1e3);
	printf("root_lmdb_load_1m_ms: %.0f\n", load_ms);
	printf("root_rss_mb_1m: %.1f\n", (double)rss / (1 << 20));
	printf("root_rss_bytes_per_peer_1m: %.1f\n", (double)rss / NPEERS);
	printf("root_rss_anon_bytes_per_peer_1m: %.1f\n", (double)rss_anon / NPEERS);
	printf("root_rss_file_mb_1m: %.1f\n", (double)rss_file / (1 << 20));
	printf("root_idle_cpu_pct_1m: %.1f\n", idle_pct);
	fflush(stdout);

	if (!run_phase(&r, true, &rng, &whois) || !run_phase(&r, false, &rng, &echo))
		goto out_log;
	double wr = (double)whois.replies / whois.seconds, er = (double)echo.replies / echo.seconds;
	double wc = whois.replies ? (double)whois.cpu_ns / 1e3 / (double)whois.replies : 0;
	double ec = echo.replies ? (double)echo.cpu_ns / 1e3 / (double)echo.replies : 0;
	printf("whois_clients: %d\n", NCLIENTS);
	printf("whois_replies_per_peer_limit: %d\n", REPLIES_PER_PEER);
	printf("whois_per_s: %.0f\n", wr);
	printf("whois_cpu_us_per_reply: %.2f\n", wc);
	printf("whois_verified: %llu\n", (unsigned long long)whois.verified);
	printf("whois_verify_failures: %llu\n", (unsigned long long)whois.bad);
	printf("whois_lost: %llu\n", (unsigned long long)whois.lost);
	printf("echo_per_s: %.0f\n", er);
	printf("echo_cpu_us_per_reply: %.2f\n", ec);
	printf("echo_verify_failures: %llu\n", (unsigned long long)echo.bad);
	printf("echo_lost: %llu\n", (unsigned long long)echo.lost);
	printf("whois_vs_echo_ratio: %.2f\n", er > 0 ? wr / er : 0);
	printf("whois_vs_echo_cpu_ratio: %.2f\n", ec > 0 ? wc / ec : 0);
	double stop_s = bu_root_stop(&r);
	printf("root_stop_1m_ms: %.0f\n", stop_s * 1e3);
	rc = whois.bad || echo.bad || !whois.verified ? EXIT_FAILURE : EXIT_SUCCESS;
out_log:
	if (rc != EXIT_SUCCESS)
		bu_root_show_log(&r);
out:
	if (rc != EXIT_SUCCESS)
		fprintf(stderr, "bench_whois: failed\n");
	bu_root_cleanup(&r);
	for (int c = 0; c < NCLIENTS; c++) {
		struct client *cl = &clients[c];
		if (cl->fd > 0)
			close(cl->fd);
		free(cl->pkts);
		free(cl->lens);
		free(cl->wire_ids);
		free(cl->targets);
		bu_peer_free(&cl->peer);
	}
	for (int i = 0; i <= NCLIENTS; i++)
		zt_identity_wipe(&ids[i]);
	return rc;
}
