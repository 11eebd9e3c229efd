/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dnsquery: one dynamic-root lookup through src/dns/resolve.c, driven by a poll() loop the way the
 * node drives it, for tests/integration/test_dns.sh.
 *
 *   dnsquery [-s <IP/port>[,...]] [--state <file>] [--timeout <ms>] <name>
 *
 * --state is what the node keeps on disk: the last accepted set (binary). It is read (and checked
 * against the name's key) before the lookup, and replaced when a newer set is accepted.
 * Prints one line of key=value pairs. Exit: 0 accepted, 1 rejected or failed, 2 usage, 3 name
 * refused before any lookup.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/file.h"
#include "dns/name.h"
#include "dns/resolve.h"
#include "dns/rootset.h"
#include "node/crypto.h"
#include "node/inetaddr.h"

#define EXIT_REJECTED 1
#define EXIT_USAGE 2
#define EXIT_REFUSED 3
#define SERVERS_MAX 8
#define STATE_MODE 0644
#define WALL_LIMIT_MS 30000 /* a lookup that takes longer than this is a bug in the loop */

struct run {
	const char *state_path;
	bool done;
	int rc;
	unsigned loops;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *err_name(zt_err err)
{
	switch (err) {
	case ZT_EAUTH: return "forged";
	case ZT_ESTALE: return "stale";
	case ZT_EMALFORMED: return "malformed";
	case ZT_ETRUNCATED: return "incomplete";
	case ZT_ENOTFOUND: return "notfound";
	case ZT_EDNS: return "dns";
	default: return "other";
	}
}

static void print_verdict(const struct zt_dns_verdict *v)
{
	printf(" records=%u foreign=%u malformed=%u sets=%u incomplete=%u conflicting=%u invalid=%u forged=%u stale=%u",
	       v->records, v->foreign, v->malformed, v->sets, v->incomplete, v->conflicting, v->invalid, v->forged,
	       v->stale);
}

static void on_result(void *arg, const struct zt_dns_result *res)
{
	struct run *run = arg;
	zt_err err;

	run->done = true;
	if (res->err) {
		printf("result=rejected error=%s code=%d", err_name(res->err), res->err);
		print_verdict(&res->verdict);
		printf(" detail=\"%s\" message=\"%s\"\n", res->detail, zt_strerror(res->err));
		run->rc = EXIT_REJECTED;
		return;
	}
	printf("result=accepted timestamp=%lld roots=%u ttl=%u unchanged=%d", (long long)res->set->timestamp,
	       res->set->root_count, res->ttl, res->unchanged);
	print_verdict(&res->verdict);
	printf("\n");
	run->rc = 0;
	if (run->state_path && !res->unchanged) {
		err = zt_file_write_atomic(run->state_path, res->set->raw, res->set->raw_len, STATE_MODE);
		if (err) {
			fprintf(stderr, "dnsquery: cannot write %s: %s\n", run->state_path, zt_strerror(err));
			run->rc = EXIT_REJECTED;
		}
	}
}

/* The last accepted set, checked as the node checks its own file at start. */
static bool state_load(const char *path, const struct zt_dns_name *name, struct zt_rootset_state *st)
{
	struct zt_rootset *rs = malloc(sizeof *rs);
	char *buf = NULL;
	size_t len = 0;
	bool ok = false;

	if (!rs || zt_file_read(path, ZT_ROOTSET_MAX_LENGTH, &buf, &len) != ZT_OK)
		goto out;
	if (zt_rootset_parse(rs, (const uint8_t *)buf, len) != ZT_OK || zt_rootset_verify(rs, name->key) != ZT_OK) {
		fprintf(stderr, "dnsquery: ignoring %s: not a root set signed by the name's key\n", path);
		goto out;
	}
	zt_rootset_state_of(st, rs);
	ok = true;
out:
	zt_file_free(buf, len);
	free(rs);
	return ok;
}

static int servers_parse(char *list, struct zt_inetaddr *out, size_t *n)
{
	char *save = NULL;

	*n = 0;
	for (char *s = strtok_r(list, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
		if (*n == SERVERS_MAX || zt_inetaddr_parse(&out[*n], s) != ZT_OK || !out[*n].port) {
			fprintf(stderr, "dnsquery: bad server '%s'\n", s);
			return -1;
		}
		(*n)++;
	}
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: dnsquery [-s <IP/port>[,...]] [--state <file>] [--timeout <ms>] <name>\n");
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	struct zt_inetaddr servers[SERVERS_MAX];
	struct zt_dns_resolver_config cfg = { .servers = servers };
	struct zt_dns_resolver *r = NULL;
	struct zt_rootset_state st = { .valid = false };
	struct zt_dns_name name;
	struct run run = { NULL, false, EXIT_REJECTED, 0 };
	struct pollfd fds[ZT_DNS_POLLFD_MAX];
	const char *name_arg = NULL, *why;
	int64_t start;
	zt_err err;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-s") && i + 1 < argc) {
			if (servers_parse(argv[++i], servers, &cfg.server_count))
				return EXIT_USAGE;
		} else if (!strcmp(argv[i], "--state") && i + 1 < argc) {
			run.state_path = argv[++i];
		} else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
			cfg.timeout_ms = atoi(argv[++i]);
		} else if (argv[i][0] != '-' && !name_arg) {
			name_arg = argv[i];
		} else {
			return usage();
		}
	}
	if (!name_arg)
		return usage();
	if (zt_crypto_init() != ZT_OK)
		return EXIT_REJECTED;
	/* Before any resolver exists: a damaged name never reaches the network. */
	if (zt_dns_name_parse(&name, name_arg, &why) != ZT_OK) {
		printf("result=refused reason=\"%s\"\n", why);
		return EXIT_REFUSED;
	}
	if (run.state_path && zt_file_exists(run.state_path) && state_load(run.state_path, &name, &st))
		printf("state timestamp=%lld\n", (long long)st.timestamp);
	cfg.tries = 1;
	err = zt_dns_resolver_new(&r, &cfg);
	if (err) {
		fprintf(stderr, "dnsquery: cannot start the resolver: %s\n", zt_strerror(err));
		return EXIT_REJECTED;
	}
	err = zt_dns_resolve_rootset(r, &name, &st, on_result, &run);
	start = now_ms();
	while (!err && !run.done) {
		int n = zt_dns_resolver_pollfds(r, fds, ZT_DNS_POLLFD_MAX);
		int t = zt_dns_resolver_timeout_ms(r);

		if (now_ms() - start > WALL_LIMIT_MS) {
			fprintf(stderr, "dnsquery: no result after %d ms\n", WALL_LIMIT_MS);
			break;
		}
		/* -1 with nothing pending would wait forever: the loop must always have a deadline. */
		if (t < 0 && !zt_dns_resolver_pending(r))
			break;
		if (poll(fds, (nfds_t)n, t) < 0 && errno != EINTR) {
			perror("dnsquery: poll");
			break;
		}
		zt_dns_resolver_process(r, fds, n);
		run.loops++;
	}
	if (err)
		fprintf(stderr, "dnsquery: %s\n", zt_strerror(err));
	fprintf(stderr, "dnsquery: %u loop iterations, %lld ms\n", run.loops, (long long)(now_ms() - start));
	zt_dns_resolver_free(r);
	return run.done ? run.rc : EXIT_REJECTED;
}
