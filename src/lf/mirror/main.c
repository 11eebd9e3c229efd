/* SPDX-License-Identifier: Apache-2.0 */
/*
 * zerotier-lf: an LF mirror for sites that run their own (lf.md §5, docs/air-gapped.md).
 *   zerotier-lf [--home DIR] [--config FILE]            serve LF's HTTP API (127.0.0.1:9980)
 *   zerotier-lf [--home DIR] import FILE...             add the records of dump files
 *   zerotier-lf [--home DIR] export FILE                write every record (the /dumprecords format)
 * Exit codes: 0 success, 1 failure, 2 usage or configuration error.
 */
#include <config.h> /* PACKAGE_VERSION */

#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/file.h"
#include "common/home.h"
#include "common/log.h"
#include "lf/mirror/mirror.h"

#define EXIT_USAGE 2

static void usage(FILE *f)
{
	fprintf(f,
		"usage: zerotier-lf [--home DIR] [--config FILE] [--log-level LEVEL]\n"
		"       zerotier-lf [--home DIR] [--config FILE] import FILE...\n"
		"       zerotier-lf [--home DIR] [--config FILE] export FILE\n"
		"       zerotier-lf --help | --version\n"
		"\n"
		"  -H, --home DIR     state directory (default /var/lib/zerotier-lf as root,\n"
		"                     ~/.local/state/zerotier-lf otherwise): records (db/), proof-of-work table\n"
		"  -c, --config FILE  settings (default DIR/" LFM_CONFIG_FILE " if present; see zerotier-lf(8))\n"
		"  -l, --log-level L  error, warn, info (default) or debug\n"
		"\n"
		"Without a command it serves LF's HTTP API (default on " LFM_DEFAULT_LISTEN ").\n"
		"import FILE  adds the records of a dump (what /dumprecords and 'export' write; '-' for stdin).\n"
		"             A mirror without records must first import its network's genesis records,\n"
		"             which start every dump of an LF node.\n"
		"export FILE  writes every stored record, in arrival order ('-' for stdout).\n");
}

static int serve(struct lfm *m)
{
	struct lfm_http *http = NULL;
	struct lfm_pull *pull = NULL;
	sigset_t set;
	int rc = EXIT_FAILURE;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL); /* every thread started from here inherits the mask */
	signal(SIGPIPE, SIG_IGN);

	if (lfm_http_start(m, &http))
		goto out;
	if (lfm_pull_start(m, &pull)) {
		log_error("cannot start the upstream pull thread");
		goto out;
	}
	pthread_rwlock_rdlock(&m->glock);
	bool have = m->genesis.have;
	pthread_rwlock_unlock(&m->glock);
	log_info("ready: home=%s upstreams=%u genesis=%s", m->home, m->cfg.nupstreams,
		 have ? "loaded" : "none yet (import a dump, or configure an upstream)");
	for (;;) {
		struct timespec ts = { LFM_SYNC_INTERVAL_S, 0 };
		int sig = sigtimedwait(&set, NULL, &ts);
		if (sig == SIGINT || sig == SIGTERM) {
			log_info("signal %d: stopping", sig);
			break;
		}
		if (sig == SIGHUP) {
			log_info("SIGHUP: nothing to reload (restart to apply a changed config)");
			continue;
		}
		lfm_store_sync(m->store);
		if (!have) {
			/* A genesis import by another process (zerotier-lf import) shows up here. */
			lfm_genesis_reload(m);
			pthread_rwlock_rdlock(&m->glock);
			have = m->genesis.have;
			pthread_rwlock_unlock(&m->glock);
		}
	}
	rc = EXIT_SUCCESS;
out:
	atomic_store(&m->stop, true);
	lfm_pull_stop(pull);
	lfm_http_stop(http);
	return rc;
}

static int cmd_import(struct lfm *m, int argc, char **argv)
{
	int rc = EXIT_SUCCESS;
	for (int i = 0; i < argc; i++) {
		struct lfm_import_stats st;
		zt_err e = lfm_import_file(m, argv[i], &st);
		printf("%s: %llu records (%llu bytes): %llu added (%llu genesis), %llu already stored, %llu rejected, "
		       "%llu kept unapproved\n",
		       argv[i], (unsigned long long)st.records, (unsigned long long)st.bytes, (unsigned long long)st.added,
		       (unsigned long long)st.genesis, (unsigned long long)st.duplicates,
		       (unsigned long long)st.rejected, (unsigned long long)st.limbo);
		if (e) {
			fprintf(stderr, LFM_NAME ": import %s failed: %s\n", argv[i], zt_strerror(e));
			rc = EXIT_FAILURE;
		}
	}
	return rc;
}

static int cmd_export(struct lfm *m, const char *path)
{
	uint64_t records = 0, bytes = 0;
	zt_err e = lfm_export_file(m, path, &records, &bytes);
	if (e) {
		fprintf(stderr, LFM_NAME ": export %s failed: %s\n", path, zt_strerror(e));
		return EXIT_FAILURE;
	}
	if (strcmp(path, "-"))
		printf("%s: %llu records, %llu bytes\n", path, (unsigned long long)records, (unsigned long long)bytes);
	return EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "home", required_argument, NULL, 'H' },
		{ "config", required_argument, NULL, 'c' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	char home[PATH_MAX] = "", config[PATH_MAX] = "", err[512];
	const char *home_arg = NULL, *config_arg = NULL;
	int log_level = -1, c, rc;
	struct lfm_config cfg;
	struct lfm *m;

	while ((c = getopt_long(argc, argv, "+H:c:l:hv", opts, NULL)) != -1) {
		switch (c) {
		case 'H':
			home_arg = optarg;
			break;
		case 'c':
			config_arg = optarg;
			break;
		case 'l':
			if ((log_level = zt_log_level_parse(optarg)) < 0) {
				fprintf(stderr, LFM_NAME ": unknown log level '%s' (error, warn, info, debug)\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		case 'v':
			printf(LFM_NAME " %s (LF API %d, compatible with LF %s)\n", PACKAGE_VERSION, LFM_API_VERSION,
			       LFM_LF_VERSION);
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	const char *cmd = optind < argc ? argv[optind] : NULL;
	if (cmd && strcmp(cmd, "import") && strcmp(cmd, "export")) {
		fprintf(stderr, LFM_NAME ": unknown command '%s' (import, export; or none to serve)\n", cmd);
		return EXIT_USAGE;
	}
	if (cmd && !strcmp(cmd, "import") && argc - optind < 2) {
		fprintf(stderr, LFM_NAME ": import needs at least one file\n");
		return EXIT_USAGE;
	}
	if (cmd && !strcmp(cmd, "export") && argc - optind != 2) {
		fprintf(stderr, LFM_NAME ": export needs exactly one file\n");
		return EXIT_USAGE;
	}

	zt_log_init(LFM_NAME, ZT_LOG_INFO);
	if (home_arg)
		snprintf(home, sizeof home, "%s", home_arg);
	else if (zt_home_default(LFM_NAME, home, sizeof home)) {
		fprintf(stderr, LFM_NAME ": no home directory: set --home (or $HOME)\n");
		return EXIT_USAGE;
	}
	lfm_config_defaults(&cfg);
	if (config_arg)
		snprintf(config, sizeof config, "%s", config_arg);
	else
		zt_path_join(config, sizeof config, home, LFM_CONFIG_FILE);
	zt_err e = lfm_config_load(&cfg, config, config_arg == NULL, err, sizeof err);
	if (e && e != ZT_ENOTFOUND) {
		fprintf(stderr, LFM_NAME ": %s\n", e == ZT_ECONFIG ? err : zt_strerror(e));
		return EXIT_USAGE;
	}
	zt_log_set_level(log_level >= 0 ? log_level : cfg.log_level);
	if ((e = zt_mkdir_p(home, 0700))) {
		fprintf(stderr, LFM_NAME ": cannot create home directory %s: %s\n", home, zt_strerror(e));
		return EXIT_FAILURE;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, LFM_NAME ": cannot initialize libcurl\n");
		return EXIT_FAILURE;
	}
	if (!(m = calloc(1, sizeof *m)))
		return EXIT_FAILURE;
	bool exporting = cmd && !strcmp(cmd, "export");
	if ((e = lfm_open(m, home, &cfg, exporting))) {
		free(m);
		curl_global_cleanup();
		return EXIT_FAILURE;
	}
	if (!cmd)
		rc = serve(m);
	else if (exporting)
		rc = cmd_export(m, argv[optind + 1]);
	else
		rc = cmd_import(m, argc - optind - 1, argv + optind + 1);
	lfm_close(m);
	free(m);
	curl_global_cleanup();
	return rc;
}
