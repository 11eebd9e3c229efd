/* SPDX-License-Identifier: Apache-2.0 */
/*
 * zerotier-root: the root server. Runs with no arguments: home directory (default
 * /var/lib/zerotier-root as root), identity created on first start, UDP 9993 on all addresses,
 * HTTP status on 127.0.0.1:9993. SIGHUP reloads root.json and the planet; SIGTERM/SIGINT flush
 * the peer cache to LMDB and exit 0.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <config.h> /* autotools: PACKAGE_VERSION */

#include "common/file.h"
#include "common/home.h"
#include "common/identity_file.h"
#include "common/log.h"
#include "conf.h"
#include "http.h"
#include "node/crypto.h"
#include "node/hex.h"
#include "node/world.h"
#include "proto.h"
#include "root.h"
#include "validator.h"

#define PLANET_FILE_MAX (64 * 1024)
#define HOUSEKEEPING_MS 30000
#define ONLINE_RECOUNT_MS 10000

static void usage(FILE *f)
{
	fprintf(f,
		"usage: zerotier-root [--home DIR] [--config FILE] [--log-level LEVEL] [--no-batch]\n"
		"       zerotier-root --help | --version\n"
		"\n"
		"  -H, --home DIR    state directory (default /var/lib/zerotier-root as root,\n"
		"                    ~/.local/state/zerotier-root otherwise): identity, root.json, planet, peers\n"
		"  -c, --config FILE settings file (default DIR/root.json if present; see docs/running-a-root.md)\n"
		"  -l, --log-level L error, warn, info (default) or debug (overrides root.json, also after SIGHUP)\n"
		"  --no-batch        use one system call per datagram instead of recvmmsg/sendmmsg\n"
		"\n"
		"  -h, --help, -v, --version\n"
		"\n"
		"Signals: SIGHUP reloads the config and the planet; SIGTERM flushes the peer cache and exits.\n");
}

/*
 * Loads the planet to serve (cfg.planet_file, else "planet" in the home directory if present).
 * On a reload failure the old planet stays.
 */
static zt_err load_planet(struct root *r)
{
	char path[PATH_MAX];
	char *data = NULL;
	size_t len = 0;
	bool configured = r->cfg.planet_file[0] != '\0';
	zt_path_join(path, sizeof path, r->home, configured ? r->cfg.planet_file : "planet");
	zt_err e = zt_file_read(path, PLANET_FILE_MAX, &data, &len);
	if (e == -ENOENT && !configured)
		return ZT_OK;
	if (e) {
		log_error("planet %s: %s", path, zt_strerror(e));
		return e;
	}
	struct zt_world *w = calloc(1, sizeof *w);
	size_t used = 0;
	if (!w) {
		zt_file_free(data, len);
		return -ENOMEM;
	}
	e = zt_world_parse(w, (const uint8_t *)data, len, &used);
	if (!e && used != len)
		e = ZT_EMALFORMED;
	if (e) {
		log_error("planet %s: not a planet file: %s", path, zt_strerror(e));
		goto out;
	}
	pthread_rwlock_rdlock(&r->planet.lock);
	struct zt_world *prev = NULL;
	if (r->planet.bytes && (prev = calloc(1, sizeof *prev)) &&
	    zt_world_parse(prev, r->planet.bytes, r->planet.len, &used) != ZT_OK) {
		free(prev);
		prev = NULL;
	}
	pthread_rwlock_unlock(&r->planet.lock);
	if (prev && !(prev->id == w->id && prev->timestamp == w->timestamp)) {
		/* A reload: nodes holding the previous planet take this one only under the update rule. */
		zt_err ue = zt_world_check_update(prev, w);
		if (ue)
			log_warnx("planet %s: nodes holding the previous planet (timestamp %llu) will not accept this "
				  "one: %s (it must have the same id, a newer timestamp, and be signed with the "
				  "previous planet's key)", path, (unsigned long long)prev->timestamp, zt_strerror(ue));
	} else if (!prev && !zt_world_verify(w, w->updates_must_be_signed_by)) {
		log_info("planet %s is not signed with the key it names for updates (normal after a key "
			 "rotation; nodes check it against the key of the planet they hold)", path);
	}
	free(prev);
	if (!zt_world_find_root(w, r->id.address))
		log_warnx("planet %s does not list this root (%010llx): nodes using it will not treat us as a root",
			  path, (unsigned long long)r->id.address);
	uint8_t *copy = malloc(len);
	if (!copy) {
		e = -ENOMEM;
		goto out;
	}
	memcpy(copy, data, len);
	pthread_rwlock_wrlock(&r->planet.lock);
	free(r->planet.bytes);
	r->planet.bytes = copy;
	r->planet.len = len;
	r->planet.id = w->id;
	r->planet.timestamp = w->timestamp;
	r->planet.nroots = (int)w->root_count;
	snprintf(r->planet.path, sizeof r->planet.path, "%s", path);
	pthread_rwlock_unlock(&r->planet.lock);
	log_info("serving planet %s: id=%llu timestamp=%llu roots=%d", path, (unsigned long long)w->id,
		 (unsigned long long)w->timestamp, (int)w->root_count);
out:
	free(w);
	zt_file_free(data, len);
	return e;
}

static zt_err load_config(struct root *r, struct root_config *c)
{
	char err[512];
	root_config_defaults(c);
	if (!r->config_path[0])
		return ZT_OK;
	zt_err e = root_config_load(c, r->config_path, r->config_optional, err, sizeof err);
	if (e == ZT_ENOTFOUND)
		return ZT_OK;
	if (e) {
		log_error("%s", err);
		return e;
	}
	return ZT_OK;
}

static void make_endpoints(struct root *r)
{
	static const uint8_t any4[4], any6[16];
	r->nendpoints = 0;
	for (int p = 0; p < r->cfg.nports; p++) {
		if (r->cfg.nbinds == 0) {
			zt_inetaddr_set_v4(&r->endpoints[r->nendpoints++].addr, any4, r->cfg.ports[p]);
			zt_inetaddr_set_v6(&r->endpoints[r->nendpoints++].addr, any6, r->cfg.ports[p]);
			continue;
		}
		for (int b = 0; b < r->cfg.nbinds && r->nendpoints < ROOT_IO_MAX_ENDPOINTS; b++) {
			struct zt_inetaddr *a = &r->endpoints[r->nendpoints++].addr;
			*a = r->cfg.binds[b];
			a->port = r->cfg.ports[p];
		}
	}
}

static void *worker_main(void *arg)
{
	struct root_worker *w = arg;
	struct root *r = w->root;
	struct root_vjob *jobs = NULL;
	size_t njobs = 0, cap = 0;
	int64_t last_expire = 0;
	uint64_t defrag_counted = 0;
	while (!atomic_load(&r->stop)) {
		int n = root_io_recv(&w->io, 250);
		int64_t now = root_now();
		for (int i = 0; i < n; i++)
			if (w->io.rx[i].len)
				root_handle_datagram(w, w->io.rx[i].data, w->io.rx[i].len, &w->io.rx[i].from,
						     w->io.rx[i].sock, now);
		if (w->io.woken) {
			/* Take the validated HELLOs in one go and answer them outside the lock. */
			pthread_mutex_lock(&w->done_lock);
			struct root_vjob *t = jobs;
			size_t tcap = cap;
			jobs = w->done;
			njobs = w->done_len;
			cap = w->done_cap;
			w->done = t;
			w->done_cap = tcap;
			w->done_len = 0;
			pthread_mutex_unlock(&w->done_lock);
			for (size_t i = 0; i < njobs; i++)
				root_handle_validated_hello(w, jobs[i].pkt, jobs[i].len, &jobs[i].from, jobs[i].sock, now);
			if (njobs)
				zt_wipe(jobs, njobs * sizeof *jobs);
		}
		root_io_flush(&w->io);
		atomic_store_explicit(&w->counters.tx_packets, w->io.tx_packets, memory_order_relaxed);
		atomic_store_explicit(&w->counters.tx_bytes, w->io.tx_bytes, memory_order_relaxed);
		atomic_store_explicit(&w->counters.kernel_drops, root_io_kernel_drops(&w->io), memory_order_relaxed);
		if (now - last_expire > 1000) {
			zt_defrag_expire(w->proc->defrag, now);
			last_expire = now;
		}
		/* Fragments for us that were held and then given up on are drops too. */
		if (w->proc->defrag->discarded != defrag_counted) {
			ROOT_STAT_ADD(&w->counters, dropped[ROOT_DROP_FRAGMENT], w->proc->defrag->discarded - defrag_counted);
			defrag_counted = w->proc->defrag->discarded;
		}
	}
	if (jobs)
		zt_wipe(jobs, cap * sizeof *jobs);
	free(jobs);
	return NULL;
}

static int cpu_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

static zt_err start_workers(struct root *r, bool batched)
{
	int n = r->cfg.threads > 0 ? r->cfg.threads : cpu_count();
	r->workers = calloc((size_t)n, sizeof *r->workers);
	if (!r->workers)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		struct root_worker *w = &r->workers[i];
		w->root = r;
		w->index = i;
		pthread_mutex_init(&w->done_lock, NULL);
		w->proc = malloc(sizeof *w->proc);
		zt_err e = w->proc ? root_proc_init(w->proc) : -ENOMEM;
		if (!e)
			e = root_io_open(&w->io, r->endpoints, r->nendpoints, batched);
		if (e) {
			if (w->proc)
				root_proc_free(w->proc);
			free(w->proc);
			w->proc = NULL;
			return e;
		}
		r->nworkers++;
	}
	for (int i = 0; i < r->nworkers; i++) {
		int rc = pthread_create(&r->workers[i].thread, NULL, worker_main, &r->workers[i]);
		if (rc) {
			/* Its sockets are bound already: the kernel would hand it flows no thread reads. */
			log_error("cannot start worker thread %d: %s", i, strerror(rc));
			return -rc;
		}
		r->workers[i].started = true;
	}
	return ZT_OK;
}

static void stop_workers(struct root *r)
{
	atomic_store(&r->stop, true);
	for (int i = 0; i < r->nworkers; i++)
		root_io_wake(&r->workers[i].io);
	for (int i = 0; i < r->nworkers; i++) {
		struct root_worker *w = &r->workers[i];
		if (w->started)
			pthread_join(w->thread, NULL);
	}
}

static void free_workers(struct root *r)
{
	for (int i = 0; i < r->nworkers; i++) {
		struct root_worker *w = &r->workers[i];
		root_io_close(&w->io);
		if (w->proc) {
			root_proc_free(w->proc);
			free(w->proc);
		}
		if (w->done)
			zt_wipe(w->done, w->done_cap * sizeof *w->done);
		free(w->done);
		pthread_mutex_destroy(&w->done_lock);
	}
	free(r->workers);
	r->workers = NULL;
	r->nworkers = 0;
}

static void apply_log_level(struct root *r)
{
	zt_log_set_level((enum zt_log_level)(r->cli_log_level >= 0 ? r->cli_log_level : r->cfg.log_level));
}

static void reload(struct root *r)
{
	struct root_config c;
	log_info("SIGHUP: reloading %s and the planet", r->config_path);
	if (load_config(r, &c) == ZT_OK) {
		/* Applied at once; sockets, threads, tables and limiter rates stay as started. */
		atomic_store(&r->relay_max_hops, c.relay_max_hops);
		r->cfg.log_level = c.log_level;
		memcpy(r->cfg.planet_file, c.planet_file, sizeof c.planet_file);
		apply_log_level(r);
		bool restart = c.nports != r->cfg.nports || memcmp(c.ports, r->cfg.ports, sizeof c.ports) ||
			       c.nbinds != r->cfg.nbinds || memcmp(c.binds, r->cfg.binds, sizeof c.binds) ||
			       c.threads != r->cfg.threads || strcmp(c.http, r->cfg.http) ||
			       c.flush_interval_ms != r->cfg.flush_interval_ms ||
			       c.cache_max_peers != r->cfg.cache_max_peers || c.peer_expiry_ms != r->cfg.peer_expiry_ms ||
			       c.lmdb_map_size != r->cfg.lmdb_map_size ||
			       c.hello_validations_per_prefix != r->cfg.hello_validations_per_prefix ||
			       c.replies_per_peer != r->cfg.replies_per_peer ||
			       c.whois_max_addresses != r->cfg.whois_max_addresses;
		if (restart)
			log_warnx("applied relayMaxHops, logLevel and planetFile; the other changed settings (port, "
				  "bind, threads, http, flushIntervalMs, cacheMaxPeers, peerExpirySeconds, "
				  "lmdbMapSizeMiB, rateLimits) take effect at the next restart");
	} else {
		log_warnx("config not reloaded: keeping the previous settings");
	}
	load_planet(r);
}

static void print_banner(struct root *r)
{
	char a[ZT_INETADDR_STRING_MAX];
	log_info("zerotier-root %s: address %010llx, home %s", PACKAGE_VERSION, (unsigned long long)r->id.address,
		 r->home);
	log_info("identity %s", r->id_public);
	for (int i = 0; i < r->nendpoints; i++)
		log_info("listening on udp %s", zt_inetaddr_format(&r->endpoints[i].addr, a, sizeof a));
	if (r->cfg.http[0])
		log_info("status on http://%s/ (metrics at /metrics)", r->cfg.http);
	printf("%s\n", r->id_public);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "home", required_argument, NULL, 'H' },     { "config", required_argument, NULL, 'c' },
		{ "log-level", required_argument, NULL, 'l' }, { "no-batch", no_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },           { "version", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	static struct root root;
	struct root *r = &root;
	int log_level = -1, c, rc = 1;
	bool batched = true;
	sigset_t sigs;
	zt_err e;

	zt_log_init("zerotier-root", ZT_LOG_INFO);
	while ((c = getopt_long(argc, argv, "H:c:l:hv", opts, NULL)) != -1) {
		switch (c) {
		case 'H':
			snprintf(r->home, sizeof r->home, "%s", optarg);
			break;
		case 'c':
			snprintf(r->config_path, sizeof r->config_path, "%s", optarg);
			break;
		case 'l':
			if ((log_level = zt_log_level_parse(optarg)) < 0) {
				fprintf(stderr, "zerotier-root: --log-level: '%s' is not one of error, warn, info, debug\n",
					optarg);
				return 2;
			}
			break;
		case 'B':
			batched = false;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'v':
			printf("zerotier-root %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "zerotier-root: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (zt_crypto_init() != ZT_OK) {
		log_error("libsodium failed to initialize");
		return 1;
	}
	if (!r->home[0] && zt_home_default("zerotier-root", r->home, sizeof r->home) != ZT_OK) {
		fprintf(stderr, "zerotier-root: no home directory: use --home DIR\n");
		return 2;
	}
	if (!r->config_path[0]) {
		zt_path_join(r->config_path, sizeof r->config_path, r->home, "root.json");
		r->config_optional = true;
	}
	if (load_config(r, &r->cfg) != ZT_OK)
		return 2;
	r->cli_log_level = log_level;
	apply_log_level(r);
	atomic_store(&r->relay_max_hops, r->cfg.relay_max_hops);
	if ((e = zt_mkdir_p(r->home, 0700))) {
		log_error("cannot create home directory %s: %s", r->home, zt_strerror(e));
		return 1;
	}
	/* Signals are taken synchronously by the main thread; workers inherit the mask. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	pthread_rwlock_init(&r->planet.lock, NULL);
	root_history_init(&r->history);
	r->start_time = root_now();
	if (zt_home_identity_load(r->home, &r->id) != ZT_OK)
		goto out;
	zt_identity_to_string(&r->id, false, r->id_public, sizeof r->id_public);
	if (load_planet(r) != ZT_OK)
		goto out;
	make_endpoints(r);
	if (root_io_probe(r->endpoints, r->nendpoints) != ZT_OK)
		goto out;

	if ((e = root_cache_init(&r->cache, r->cfg.cache_max_peers))) {
		log_error("peer cache: %s", zt_strerror(e));
		goto out;
	}
	char dbdir[PATH_MAX];
	zt_path_join(dbdir, sizeof dbdir, r->home, "peers.lmdb");
	if ((e = root_store_open(&r->store, dbdir, r->cfg.lmdb_map_size, &r->cache, r->cfg.flush_interval_ms)))
		goto out;
	int64_t t0 = root_now();
	uint64_t loaded = 0;
	if ((e = root_store_load(&r->store, &loaded)))
		goto out;
	log_info("loaded %llu peers from %s in %lld ms", (unsigned long long)loaded, dbdir, (long long)(root_now() - t0));
	if ((e = root_store_start(&r->store)))
		goto out;

	r->proto = malloc(sizeof *r->proto);
	if (!r->proto || (e = root_proto_init(r->proto, r, root_now()))) {
		free(r->proto);
		r->proto = NULL;
		log_error("protocol state: %s", zt_strerror(e));
		goto out;
	}
	int ncpu = cpu_count();
	if ((e = root_validator_start(r, ncpu > 2 ? ncpu / 2 : 1))) {
		log_error("validator: %s", zt_strerror(e));
		goto out;
	}
	if ((e = start_workers(r, batched))) {
		log_error("cannot start: %s", zt_strerror(e));
		goto out;
	}
	if ((e = root_http_start(r)))
		goto out;
	print_banner(r);

	/* The main thread: signals and housekeeping. */
	int64_t last_sweep = root_now(), last_count = 0;
	for (;;) {
		struct timespec ts = { 1, 0 };
		int sig = sigtimedwait(&sigs, NULL, &ts);
		int64_t now = root_now();
		if (sig == SIGTERM || sig == SIGINT) {
			log_info("%s: flushing the peer cache and stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
			break;
		}
		if (sig == SIGHUP)
			reload(r);
		struct root_totals t;
		root_totals(r, &t);
		if (now - last_count >= ONLINE_RECOUNT_MS) {
			/* A walk of the whole cache: every few seconds is plenty for a gauge. */
			atomic_store(&r->online, root_peers_online(r, now));
			last_count = now;
		}
		root_history_sample(&r->history, &t, atomic_load(&r->online), now);
		if (now - last_sweep >= HOUSEKEEPING_MS) {
			uint64_t gone = root_cache_sweep(&r->cache, now - r->cfg.peer_expiry_ms);
			uint64_t unliked = root_mcast_expire(&r->proto->mcast, now - ZT_MULTICAST_LIKE_EXPIRE);
			if (gone || unliked)
				log_debug("housekeeping: %llu peers left the cache, %llu multicast subscriptions expired",
					  (unsigned long long)gone, (unsigned long long)unliked);
			last_sweep = now;
		}
	}
	rc = 0;
out:
	root_http_stop(r);
	stop_workers(r);
	root_validator_stop(r);
	if (r->store.env)
		root_store_close(&r->store); /* final flush */
	free_workers(r);
	if (r->proto) {
		root_proto_free(r->proto);
		free(r->proto);
	}
	root_cache_free(&r->cache);
	root_history_free(&r->history);
	free(r->planet.bytes);
	zt_identity_wipe(&r->id);
	return rc;
}
