/* SPDX-License-Identifier: Apache-2.0 */
/*
 * zerotier-node [home]: the edge node. Runs with no arguments and no config file: home directory
 * /var/lib/zerotier as root (else ~/.local/state/zerotier), identity and API token created on first
 * start, UDP 9993 (and a secondary port) on all addresses, the local API on <home>/apisocket.
 * SIGHUP re-reads local.conf, the static roots and the planet; SIGTERM/SIGINT stop it (exit 0).
 * One thread runs everything that touches the engine: this file's event loop.
 */
#include <config.h> /* PACKAGE_VERSION */

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "common/file.h"
#include "common/home.h"
#include "common/identity_file.h"
#include "common/log.h"
#include "dns/resolve.h"
#include "node/constants.h"
#include "node/crypto.h"
#include "node/hex.h"
#include "service.h"

#define HOUSEKEEPING_MS 60000 /* re-reading the interface addresses */
#define POLL_MAX_MS 1000
#define RECV_BATCH 64 /* datagrams taken from one socket before looking at the others */
#define ERR_MAX 512
#define PRELOAD_SLICE_MS 10 /* peer cache entries validated per loop pass, then the sockets again */

static void usage(FILE *f)
{
	fprintf(f, "usage: " SVC_NAME " [-l LEVEL] [home]\n"
		   "       " SVC_NAME " -h | -v\n"
		   "\n"
		   "  home       state directory (default $ZT_HOME, else /var/lib/zerotier as root,\n"
		   "             ~/.local/state/zerotier otherwise): identity, authtoken.secret,\n"
		   "             local.conf, roots.d/, planet, peers.d/, apisocket\n"
		   "  -l LEVEL   log level: error, warn, info (default) or debug\n"
		   "  -h, --help, -v, --version\n"
		   "\n"
		   "Signals: SIGHUP re-reads local.conf, roots.d/ and the planet; SIGTERM stops.\n"
		   "Control it with zerotier(1); see zerotier-node(8).\n");
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t svc_now(const struct svc *s)
{
	return mono_ms() + s->clock_offset;
}

/* ---------------------------------------------------------------- engine callbacks */

static int cb_send(void *ctx, zt_node_socket sock, const struct zt_inetaddr *to, const void *data, size_t len,
		   unsigned ttl)
{
	struct svc *s = ctx;

	return svc_udp_send(&s->udp, sock, to, data, len, ttl);
}

static void cb_event(void *ctx, const struct zt_node_event *ev)
{
	struct svc *s = ctx;
	char a[ZT_INETADDR_STRING_MAX];

	switch (ev->type) {
	case ZT_NODE_EVENT_ONLINE:
		log_info("ONLINE: a root answers");
		break;
	case ZT_NODE_EVENT_OFFLINE:
		log_warnx("OFFLINE: no root has answered for %d s", ZT_PEER_ACTIVITY_TIMEOUT / 1000);
		break;
	case ZT_NODE_EVENT_PEER_DIRECT:
		log_info("peer %010llx: direct path %s", (unsigned long long)ev->address,
			 zt_inetaddr_format(&ev->addr, a, sizeof a));
		break;
	case ZT_NODE_EVENT_PEER_RELAYED:
		log_info("peer %010llx: no direct path left, relayed through a root", (unsigned long long)ev->address);
		break;
	case ZT_NODE_EVENT_ECHO_REPLY:
	case ZT_NODE_EVENT_ECHO_TIMEOUT:
		svc_control_echo(s, ev);
		break;
	case ZT_NODE_EVENT_IDENTITY_COLLISION:
		log_error("root %010llx reports that another node holds our address %010llx: stop this node, move "
			  "identity.secret and identity.public out of %s and start it again to get a new identity",
			  (unsigned long long)ev->address, (unsigned long long)s->id.address, s->home);
		s->exit_code = 1;
		s->stop = true;
		break;
	case ZT_NODE_EVENT_EXTERNAL_ADDRESS:
		log_debug("root %010llx sees us at %s", (unsigned long long)ev->address,
			  zt_inetaddr_format(&ev->addr, a, sizeof a));
		break;
	case ZT_NODE_EVENT_PLANET_UPDATED:
		log_info("planet updated by root %010llx", (unsigned long long)ev->address);
		break;
	case ZT_NODE_EVENT_PEER_NEW:
		log_debug("peer %010llx learned", (unsigned long long)ev->address);
		break;
	case ZT_NODE_EVENT_LOG:
		if (ev->message)
			log_info("%s", ev->message);
		break;
	}
}

/* ---------------------------------------------------------------- settings */

void svc_refresh_local_addresses(struct svc *s)
{
	struct zt_inetaddr a[ZT_NODE_MAX_LOCAL_ADDRESSES];
	size_t n = svc_udp_local_addresses(&s->udp, a, ZT_NODE_MAX_LOCAL_ADDRESSES);

	zt_node_set_local_addresses(s->node, a, n);
	zt_node_set_mapped_address(s->node, &s->mapped); /* pushed like what roots see of us */
}

zt_err svc_apply_settings(struct svc *s, const struct svc_settings *next, char *err, size_t errlen)
{
	struct zt_node_config cfg = { .allow_loopback_paths = next->allow_loopback_paths };
	uint16_t old_primary = s->udp.port[SVC_PORT_PRIMARY];
	zt_err e = svc_udp_configure(&s->udp, next, s->id.address);

	if (e) {
		snprintf(err, errlen, "cannot bind UDP port %u%s: %s", next->primary_port,
			 next->port_search && next->primary_port ? " (nor the ports after it)" : "", zt_strerror(e));
		return e;
	}
	zt_node_set_config(s->node, &cfg);
	svc_dynroots_settings(s, next);
	if ((e = zt_node_set_explicit_addresses(s->node, next->explicit_addrs, (size_t)next->nexplicit))) {
		snprintf(err, errlen, "explicitAddresses: %s", zt_strerror(e));
		return e;
	}
	if (!next->port_mapping) {
		if (s->portmap.running)
			log_info("port mapping: off");
		svc_portmap_stop(&s->portmap);
		memset(&s->mapped, 0, sizeof s->mapped);
	} else if (!s->portmap.running || old_primary != s->udp.port[SVC_PORT_PRIMARY]) {
		memset(&s->mapped, 0, sizeof s->mapped);
		if ((e = svc_portmap_start(&s->portmap, s->udp.port[SVC_PORT_PRIMARY])))
			log_warnx("port mapping: cannot start its thread: %s", zt_strerror(e));
	}
	s->settings = *next;
	svc_refresh_local_addresses(s);
	return ZT_OK;
}

void svc_apply_try(struct svc *s)
{
	json_t *virt = json_object_get(s->conf, "virtual"), *v;
	const char *key;
	int64_t now = svc_now(s);

	json_object_foreach(virt, key, v) {
		struct zt_inetaddr addrs[ZT_NODE_MAX_TRY_ADDRESSES];
		char err[ERR_MAX];
		struct zt_conf_ctx x = { SVC_CONF_NAME, err, sizeof err };
		uint64_t address;
		int n = 0;
		json_t *t = json_object_get(v, "try");

		if (!t || !zt_address_parse(&address, key) ||
		    svc_conf_addrs(&x, t, "try", addrs, ZT_NODE_MAX_TRY_ADDRESSES, &n) != ZT_OK)
			continue; /* validated when read: nothing to do here */
		zt_err e = zt_node_try(s->node, address, addrs, (size_t)n, now);
		if (e)
			log_warnx("%s: virtual.%s.try: %s", SVC_CONF_NAME, key, zt_strerror(e));
	}
}

static void reload(struct svc *s)
{
	char err[ERR_MAX];
	struct svc_settings next;
	json_t *doc = NULL;

	log_info("SIGHUP: re-reading %s, the static and dynamic roots and the planet", s->conf_path);
	if (svc_conf_load(s->conf_path, &doc, &next, err, sizeof err) != ZT_OK) {
		log_error("%s", err);
		log_warnx("settings not reloaded: keeping the previous ones");
	} else if (svc_apply_settings(s, &next, err, sizeof err) != ZT_OK) {
		log_error("%s: keeping the previous settings", err);
		json_decref(doc);
	} else {
		json_decref(s->conf);
		s->conf = doc;
		svc_apply_try(s);
	}
	svc_planet_load(s);
	svc_roots_load(s);
	svc_dynroots_reload(s);
	s->next_deadline = svc_now(s);
}

/* ---------------------------------------------------------------- the event loop */

static void receive(struct svc *s, const struct svc_socket *sk)
{
	static uint8_t buf[SVC_UDP_MTU];

	for (int i = 0; i < RECV_BATCH; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		struct zt_inetaddr from;
		int64_t deadline = 0;
		ssize_t r = recvfrom(sk->fd, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&ss, &sl);

		if (r < 0)
			return;
		if (zt_inetaddr_from_sockaddr(&from, (struct sockaddr *)&ss, sl) != ZT_OK)
			continue;
		zt_node_receive(s->node, svc_now(s), sk->id, &from, buf, (size_t)r, &deadline);
		if (deadline && deadline < s->next_deadline)
			s->next_deadline = deadline;
	}
}

static void portmap_results(struct svc *s)
{
	struct svc_portmap_result r;
	char a[ZT_INETADDR_STRING_MAX];

	while (svc_portmap_read(&s->portmap, &r)) {
		if (r.external.family == ZT_INETADDR_NIL)
			log_info("port mapping: no mapping (no NAT-PMP or UPnP gateway answered)");
		else
			log_info("port mapping: %s maps %s to udp %u here", svc_portmap_method_name(r.method),
				 zt_inetaddr_format(&r.external, a, sizeof a), s->udp.port[SVC_PORT_PRIMARY]);
		s->mapped = r.external;
		svc_refresh_local_addresses(s);
	}
}

static void signals(struct svc *s)
{
	struct signalfd_siginfo si;

	while (read(s->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
		if (si.ssi_signo == SIGHUP) {
			reload(s);
		} else {
			log_info("%s: stopping", si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
			s->stop = true;
		}
	}
}

static int64_t earliest_ping(const struct svc *s, int64_t t)
{
	for (const struct svc_ping *p = s->pings; p; p = p->next)
		if (p->deadline < t)
			t = p->deadline;
	return t;
}

static void loop(struct svc *s)
{
	struct pollfd pfds[SVC_UDP_MAX + 3 + ZT_DNS_POLLFD_MAX];
	const struct svc_socket *socks[SVC_UDP_MAX];

	while (!s->stop) {
		int64_t now = svc_now(s), wake;
		int n = 0, nsock, dns_first, ndns, timeout;

		if (now >= s->next_deadline) {
			int64_t deadline = now + ZT_PING_CHECK_INTERVAL;

			zt_node_background(s->node, now, &deadline);
			s->next_deadline = deadline > now ? deadline : now + 1;
		}
		if (now >= s->next_housekeeping) {
			svc_refresh_local_addresses(s);
			svc_dynroots_sync(s); /* members a planet update or a static root change took away */
			s->next_housekeeping = now + HOUSEKEEPING_MS;
		}
		svc_control_expire(s, now);
		if (s->stop)
			break;
		if (s->preload)
			svc_peers_preload_step(s, now + PRELOAD_SLICE_MS);
		wake = earliest_ping(s, s->next_deadline < s->next_housekeeping ? s->next_deadline : s->next_housekeeping);
		int64_t dns_wake = svc_dynroots_wake(s, now);
		if (dns_wake < wake)
			wake = dns_wake;
		timeout = wake - now > POLL_MAX_MS ? POLL_MAX_MS : wake > now ? (int)(wake - now) : 0;
		if (s->preload)
			timeout = 0;

		for (int i = 0; i < s->udp.n; i++) {
			socks[n] = &s->udp.socks[i];
			pfds[n++] = (struct pollfd){ .fd = s->udp.socks[i].fd, .events = POLLIN };
		}
		nsock = n;
		pfds[n++] = (struct pollfd){ .fd = s->api.wakefd, .events = POLLIN };
		pfds[n++] = (struct pollfd){ .fd = s->sigfd, .events = POLLIN };
		pfds[n++] = (struct pollfd){ .fd = svc_portmap_fd(&s->portmap), .events = POLLIN };
		dns_first = n; /* the resolver's sockets come last */
		ndns = svc_dynroots_pollfds(s, pfds + dns_first, ZT_DNS_POLLFD_MAX);
		n += ndns;
		if (poll(pfds, (nfds_t)n, timeout) < 0 && errno != EINTR) {
			log_warn("poll");
			continue;
		}
		/* First, while the resolver is the one that filled its entries (requests below may replace it). */
		svc_dynroots_process(s, pfds + dns_first, ndns, svc_now(s));
		/* Sockets may be replaced below (POST /config, SIGHUP): they are served first. */
		for (int i = 0; i < nsock; i++)
			if (pfds[i].revents & POLLIN)
				receive(s, socks[i]);
		if (pfds[nsock].revents & POLLIN) {
			struct api_req *req = api_take(&s->api);

			while (req) {
				struct api_req *next = req->next;

				svc_control_handle(s, req);
				req = next;
			}
		}
		if (pfds[nsock + 1].revents & POLLIN)
			signals(s);
		if (pfds[nsock + 2].revents & POLLIN)
			portmap_results(s);
	}
}

/* ---------------------------------------------------------------- start-up */

static int setup_signals(struct svc *s)
{
	sigset_t sigs;

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	/* Blocked before any thread starts, so every thread inherits the mask and only the fd sees them. */
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	s->sigfd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	return s->sigfd < 0 ? -errno : 0;
}

static void banner(struct svc *s)
{
	char id[ZT_IDENTITY_STRING_MAX], a[ZT_INETADDR_STRING_MAX];

	zt_identity_to_string(&s->id, false, id, sizeof id);
	log_info(SVC_NAME " %s: address %010llx, home %s", PACKAGE_VERSION, (unsigned long long)s->id.address,
		 s->home);
	for (int i = 0; i < s->udp.n; i++)
		log_info("listening on udp %s", zt_inetaddr_format(&s->udp.socks[i].local, a, sizeof a));
	/* The public identity on stdout tells a supervisor (or a test) that start-up is complete. */
	printf("%s\n", id);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "log-level", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	static struct svc svc;
	struct svc *s = &svc;
	struct zt_node_callbacks cb = { .ctx = s, .send = cb_send, .state_put = svc_state_put,
					.state_get = svc_state_get, .event = cb_event };
	struct zt_node_config cfg = { 0 };
	struct svc_settings settings;
	char err[ERR_MAX], peers[PATH_MAX];
	const char *env;
	int c, level;
	zt_err e;

	s->exit_code = 1;
	s->sigfd = -1;
	s->api.wakefd = -1;
	svc_udp_init(&s->udp);
	svc_portmap_init(&s->portmap);
	zt_log_init(SVC_NAME, ZT_LOG_INFO);
	while ((c = getopt_long(argc, argv, "l:hv", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			if ((level = zt_log_level_parse(optarg)) < 0) {
				fprintf(stderr, SVC_NAME ": -l: '%s' is not one of error, warn, info, debug\n", optarg);
				return 2;
			}
			zt_log_set_level((enum zt_log_level)level);
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'v':
			printf(SVC_NAME " %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind > 1) {
		fprintf(stderr, SVC_NAME ": unexpected argument '%s'\n", argv[optind + 1]);
		usage(stderr);
		return 2;
	}
	if (optind < argc)
		snprintf(s->home, sizeof s->home, "%s", argv[optind]);
	else if ((env = getenv("ZT_HOME")) && *env)
		snprintf(s->home, sizeof s->home, "%s", env);
	else if (zt_home_default("zerotier", s->home, sizeof s->home) != ZT_OK) {
		fprintf(stderr, SVC_NAME ": no home directory ($HOME is not set): give one as the argument\n");
		return 2;
	}
	if (zt_crypto_init() != ZT_OK) {
		log_error("libsodium failed to initialize");
		return 1;
	}
	if (zt_path_join(s->conf_path, sizeof s->conf_path, s->home, SVC_CONF_NAME)) {
		fprintf(stderr, SVC_NAME ": home directory path too long\n");
		return 2;
	}
	if ((e = svc_conf_load(s->conf_path, &s->conf, &settings, err, sizeof err))) {
		log_error("%s", e == ZT_ECONFIG ? err : zt_strerror(e));
		return 2;
	}
	if ((e = zt_mkdir_p(s->home, 0755))) {
		log_error("cannot create the home directory %s: %s", s->home, zt_strerror(e));
		goto out;
	}
	if (setup_signals(s) != 0) {
		log_warn("signalfd");
		goto out;
	}
	s->clock_offset = 0;
	{
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		s->clock_offset = ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000) - mono_ms();
	}
	s->start_time = svc_now(s);
	if (zt_home_identity_load(s->home, &s->id) != ZT_OK || api_token_load(&s->api, s->home) != ZT_OK)
		goto out;
	/* First, so a second node on this home stops here; requests wait in the queue for the loop. */
	if (api_start(&s->api, s->home) != ZT_OK)
		goto out;
	if (!zt_path_join(peers, sizeof peers, s->home, SVC_PEERS_DIR) && (e = zt_mkdir_p(peers, 0700)))
		log_warnx("cannot create %s (no peer cache): %s", peers, zt_strerror(e));

	cfg.allow_loopback_paths = settings.allow_loopback_paths;
	if ((e = zt_node_new(&s->node, &cb, &cfg, &s->id, s->start_time))) {
		log_error("cannot start the engine: %s", zt_strerror(e));
		goto out;
	}
	if (svc_apply_settings(s, &settings, err, sizeof err) != ZT_OK) {
		log_error("%s", err);
		goto out;
	}
	svc_apply_try(s);
	svc_planet_load(s);
	svc_roots_load(s);
	svc_dynroots_start(s);
	svc_peers_preload_start(s, SVC_PEERS_PRELOAD_MAX); /* fed to the engine by the loop, a slice at a time */
	banner(s);
	s->next_deadline = svc_now(s);
	s->next_housekeeping = s->next_deadline + HOUSEKEEPING_MS;
	s->exit_code = 0;
	loop(s);
out:
	svc_control_abort(s);
	svc_dynroots_stop(s);
	api_stop(&s->api);
	svc_portmap_stop(&s->portmap);
	/* The engine writes a changed peer at most every 10 s: what it holds back goes now. */
	if (s->node && (e = zt_node_save_state(s->node, svc_now(s))))
		log_warnx("peer cache: not every change was written at shutdown: %s", zt_strerror(e));
	svc_peers_preload_stop(s);
	zt_node_free(s->node);
	svc_udp_close(&s->udp);
	json_decref(s->conf);
	if (s->sigfd >= 0)
		close(s->sigfd);
	zt_wipe(s->api.token, sizeof s->api.token);
	zt_identity_wipe(&s->id);
	return s->exit_code;
}
