/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The edge node's start-up and path set-up with the real binaries on loopback: one zerotier-root,
 * and per run two fresh zerotier-node homes A and B (identities generated before the timed part,
 * the root in roots.d/, allowLoopbackPaths, no port mapping). Each run measures:
 *   start_to_online       fork of A's zerotier-node → A logs "ONLINE" (its first root answer)
 *   first_packet_to_direct  POST /ping/<B> on A's API (A knows nothing of B: WHOIS, ECHO relayed
 *                         by the root, RENDEZVOUS) → A logs a direct path to B
 *   restart_to_direct     A stopped (SIGTERM writes peers.d/) and started again → A logs a direct
 *                         path to B (preloaded from peers.d/, no ping, no WHOIS)
 * Times are taken when this process reads the node's log line from a pipe. Baselines, measured in
 * the same run: the root's HELLO → OK(HELLO) round trip from this process for an identity the root
 * knows already (median of HELLO_SAMPLES), and one full identity validation in this process (the
 * memory-hard hash every new peer costs: the node validates its own identity twice at start, the
 * root validates a new node, and A and B validate each other on first contact). Each figure is
 * printed as a ratio to both.
 *
 * Usage: bench_node [path/to/zerotier-root [path/to/zerotier-node]]
 *        (defaults $ZT_ROOT_BIN / $ZT_NODE_BIN, else ./zerotier-root and ./zerotier-node)
 * Output: one `name: value` line per figure. No assertions on speed; exit 1 if a run fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "benchutil.h"
#include "node/crypto.h"
#include "node/hex.h"

#define RUNS 20
#define HELLO_SAMPLES 20
#define START_TIMEOUT_S 10.0
#define DIRECT_TIMEOUT_S 20.0
#define STOP_TIMEOUT_S 10.0
#define LINE_BUF 8192
#define TOKEN "benchtokenbenchtokenbench"

struct node {
	pid_t pid;           /* 0 when not running */
	int err_fd;          /* read end of the node's stderr, -1 if none */
	char home[128];
	char log[PATH_MAX];  /* everything read from stderr, for failures */
	uint16_t port;
	struct zt_identity id; /* with the private key */
	char buf[LINE_BUF];  /* a partial line */
	size_t len;
};

static const char *node_bin(int argc, char **argv)
{
	const char *env = getenv("ZT_NODE_BIN");
	return argc > 2 ? argv[2] : env && *env ? env : "./zerotier-node";
}

static bool write_file(const char *dir, const char *name, const char *text, mode_t mode)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	size_t len = strlen(text);
	bool ok = fd >= 0 && write(fd, text, len) == (ssize_t)len;
	if (fd >= 0 && close(fd) != 0)
		ok = false;
	if (!ok)
		perror(path);
	return ok;
}

/* A fresh home: identity, API token, loopback-only local.conf, the root as a static root. */
static bool node_prepare(struct node *n, const struct zt_identity *id, const struct bu_root *r)
{
	char text[1024], sec[ZT_IDENTITY_STRING_MAX], pub[ZT_IDENTITY_STRING_MAX], rootpub[ZT_IDENTITY_STRING_MAX];
	memset(n, 0, sizeof *n);
	n->err_fd = -1;
	n->id = *id;
	snprintf(n->home, sizeof n->home, "/tmp/zt-bench-node-XXXXXX");
	if (!mkdtemp(n->home)) {
		perror("mkdtemp");
		return false;
	}
	snprintf(n->log, sizeof n->log, "%s.log", n->home);
	if (!(n->port = bu_free_udp_port()))
		return false;
	if (zt_identity_to_string(id, true, sec, sizeof sec) < 0 || zt_identity_to_string(id, false, pub, sizeof pub) < 0 ||
	    zt_identity_to_string(&r->id, false, rootpub, sizeof rootpub) < 0)
		return false;
	snprintf(text, sizeof text,
		 "{\"settings\": {\"primaryPort\": %u, \"allowSecondaryPort\": false, \"portSearch\": false,"
		 " \"portMappingEnabled\": false, \"bind\": [\"127.0.0.1\"], \"allowLoopbackPaths\": true}}\n",
		 n->port);
	if (!write_file(n->home, "identity.secret", sec, 0600) || !write_file(n->home, "identity.public", pub, 0644) ||
	    !write_file(n->home, "authtoken.secret", TOKEN, 0600) || !write_file(n->home, "local.conf", text, 0644))
		return false;
	char dir[160];
	snprintf(dir, sizeof dir, "%s/roots.d", n->home);
	if (mkdir(dir, 0755) != 0) {
		perror(dir);
		return false;
	}
	snprintf(text, sizeof text, "{\"identity\": \"%s\", \"endpoints\": [\"127.0.0.1/%u\"]}\n", rootpub, r->port);
	return write_file(dir, "root.json", text, 0644);
}

/* Starts zerotier-node on the home; *spawned receives bu_now() just before the fork. */
static bool node_spawn(struct node *n, const char *bin, double *spawned)
{
	int err[2];
	if (pipe2(err, O_CLOEXEC) != 0) {
		perror("pipe");
		return false;
	}
	n->len = 0;
	fflush(stdout);
	fflush(stderr);
	*spawned = bu_now();
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		close(err[0]);
		close(err[1]);
		return false;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0)
			dup2(devnull, STDOUT_FILENO);
		dup2(err[1], STDERR_FILENO);
		execl(bin, bin, n->home, (char *)NULL);
		_exit(127);
	}
	close(err[1]);
	n->err_fd = err[0];
	n->pid = pid;
	return true;
}

static void node_show_log(const struct node *n)
{
	FILE *f = fopen(n->log, "r");
	char line[1024];
	fprintf(stderr, "--- log of the node in %s\n", n->home);
	while (f && fgets(line, sizeof line, f))
		fputs(line, stderr);
	if (f)
		fclose(f);
	fprintf(stderr, "---\n");
}

/*
 * Reads the node's log until a line contains `needle`; returns bu_now() at that read, or -1 after
 * timeout_s or if the node exited (its log is shown).
 */
static double node_wait_line(struct node *n, const char *needle, double timeout_s)
{
	double deadline = bu_now() + timeout_s;
	FILE *log = fopen(n->log, "a");
	double found = -1;
	while (found < 0 && bu_now() < deadline) {
		struct pollfd pfd = { n->err_fd, POLLIN, 0 };
		if (poll(&pfd, 1, 50) <= 0)
			continue;
		ssize_t k = read(n->err_fd, n->buf + n->len, sizeof n->buf - 1 - n->len);
		if (k <= 0)
			break; /* the node exited */
		double at = bu_now();
		n->len += (size_t)k;
		n->buf[n->len] = '\0';
		char *line = n->buf, *nl;
		while (found < 0 && (nl = strchr(line, '\n'))) {
			*nl = '\0';
			if (log)
				fprintf(log, "%s\n", line);
			if (strstr(line, needle))
				found = at;
			line = nl + 1;
		}
		size_t rest = (size_t)(n->buf + n->len - line);
		memmove(n->buf, line, rest);
		n->len = rest == sizeof n->buf - 1 ? 0 : rest; /* an overlong line is dropped */
	}
	if (log)
		fclose(log);
	if (found < 0) {
		fprintf(stderr, "no \"%s\" from the node within %.0f s\n", needle, timeout_s);
		node_show_log(n);
	}
	return found;
}

/* SIGTERM and wait (SIGKILL after STOP_TIMEOUT_S). */
static void node_stop(struct node *n)
{
	if (n->pid > 0) {
		double t0 = bu_now();
		kill(n->pid, SIGTERM);
		while (waitpid(n->pid, NULL, WNOHANG) != n->pid) {
			if (bu_now() - t0 > STOP_TIMEOUT_S) {
				fprintf(stderr, "zerotier-node did not stop after SIGTERM: SIGKILL\n");
				kill(n->pid, SIGKILL);
				waitpid(n->pid, NULL, 0);
				break;
			}
			bu_sleep(0.002);
		}
		n->pid = 0;
	}
	if (n->err_fd >= 0)
		close(n->err_fd);
	n->err_fd = -1;
}

static void node_cleanup(struct node *n)
{
	node_stop(n);
	if (n->home[0]) {
		bu_rm_rf(n->home);
		unlink(n->log);
	}
	n->home[0] = '\0';
}

/* Sends POST /ping/<address> to the node's API; returns the connection (read the answer, close it) or -1. */
static int api_ping(const struct node *n, uint64_t address)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char req[256];
	if (snprintf(sa.sun_path, sizeof sa.sun_path, "%s/apisocket", n->home) >= (int)sizeof sa.sun_path) {
		fprintf(stderr, "%s: path too long for a Unix socket\n", n->home);
		return -1;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		perror("connect to the node's apisocket");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	int len = snprintf(req, sizeof req,
			   "POST /ping/%010llx HTTP/1.1\r\nHost: localhost\r\nX-ZT1-Auth: " TOKEN
			   "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
			   (unsigned long long)address);
	if (write(fd, req, (size_t)len) != len) {
		perror("write to the node's apisocket");
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads the API's answer (the ping's reply) until the node closes the connection, then closes it. */
static void api_finish(int fd)
{
	char buf[1024];
	struct pollfd pfd = { fd, POLLIN, 0 };
	double deadline = bu_now() + START_TIMEOUT_S;
	while (bu_now() < deadline && poll(&pfd, 1, 100) >= 0)
		if ((pfd.revents & (POLLIN | POLLHUP)) && read(fd, buf, sizeof buf) <= 0)
			break;
	close(fd);
}

/* Median round trip of HELLO → OK(HELLO) to the root, in ms, for an identity the root has validated. */
static double hello_rtt_ms(const struct bu_root *r, const struct zt_identity *id)
{
	struct bu_peer p = { .id = *id };
	double v[HELLO_SAMPLES], result = -1;
	int fd = bu_udp_socket(BU_LOOPBACK, 0, false);
	if (fd < 0 || !bu_peer_init(&p, &r->id))
		goto out;
	if (!bu_hello_wait(fd, &p, r, START_TIMEOUT_S)) /* first: the root validates the identity */
		goto out;
	for (int i = 0; i < HELLO_SAMPLES; i++) {
		double t = bu_now();
		if (!bu_hello_wait(fd, &p, r, START_TIMEOUT_S))
			goto out;
		v[i] = (bu_now() - t) * 1e3;
	}
	result = bu_median(v, HELLO_SAMPLES);
out:
	bu_peer_free(&p);
	if (fd >= 0)
		close(fd);
	return result;
}

/* Median ms of zt_identity_validate over the public forms of ids[0..n-1]. */
static double validate_ms(const struct zt_identity *ids, size_t n)
{
	double v[HELLO_SAMPLES];
	for (size_t i = 0; i < HELLO_SAMPLES; i++) {
		struct zt_identity pub = ids[i % n];
		zt_wipe(pub.priv, sizeof pub.priv);
		pub.has_private = false;
		double t = bu_now();
		if (zt_identity_validate(&pub) != ZT_OK)
			return -1;
		v[i] = (bu_now() - t) * 1e3;
	}
	return bu_median(v, HELLO_SAMPLES);
}

static double max_of(const double *v, size_t n)
{
	double m = 0;
	for (size_t i = 0; i < n; i++)
		if (v[i] > m)
			m = v[i];
	return m;
}

static void print_figure(const char *name, double *v, size_t n, double rtt, double validate)
{
	double max = max_of(v, n), med = bu_median(v, n);
	printf("%s_ms_median: %.2f\n", name, med);
	printf("%s_ms_max: %.2f\n", name, max);
	printf("%s_vs_hello_rtt_ratio: %.0f\n", name, med / rtt);
	printf("%s_vs_validate_ratio: %.1f\n", name, med / validate);
}

int main(int argc, char **argv)
{
	const char *rootbin = bu_root_bin(argc, argv), *nodebin = node_bin(argc, argv);
	static struct zt_identity ids[2 * RUNS + 1];
	double online[RUNS], direct[RUNS], restart[RUNS];
	struct bu_root root;
	struct node a, b;
	int ret = EXIT_FAILURE;
	char needle[64];

	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	a.err_fd = b.err_fd = -1;
	memset(&root, 0, sizeof root);
	root.out_fd = -1;
	signal(SIGPIPE, SIG_IGN);
	if (zt_crypto_init() != ZT_OK || access(nodebin, X_OK) != 0) {
		fprintf(stderr, "%s: %s (build it with `make zerotier-node`, or pass the path / set ZT_NODE_BIN)\n",
			nodebin, strerror(errno));
		return EXIT_FAILURE;
	}
	if (!bu_identities_generate(ids, 2 * RUNS + 1, 2))
		return EXIT_FAILURE;
	if (!bu_root_prepare(&root, "\"threads\": 1") || !bu_root_spawn(&root, rootbin) ||
	    !bu_root_wait_ready(&root, START_TIMEOUT_S))
		goto out;
	double rtt = hello_rtt_ms(&root, &ids[2 * RUNS]), validate = validate_ms(ids, 2 * RUNS);
	if (rtt <= 0 || validate <= 0)
		goto out;

	for (int i = 0; i < RUNS; i++) {
		double t0, t1;
		if (!node_prepare(&a, &ids[2 * i], &root) || !node_prepare(&b, &ids[2 * i + 1], &root))
			goto out;
		if (!node_spawn(&b, nodebin, &t0) || node_wait_line(&b, "ONLINE", START_TIMEOUT_S) < 0)
			goto out;
		if (!node_spawn(&a, nodebin, &t0) || (t1 = node_wait_line(&a, "ONLINE", START_TIMEOUT_S)) < 0)
			goto out;
		online[i] = (t1 - t0) * 1e3;

		snprintf(needle, sizeof needle, "peer %010llx: direct path", (unsigned long long)b.id.address);
		t0 = bu_now();
		int fd = api_ping(&a, b.id.address);
		if (fd < 0 || (t1 = node_wait_line(&a, needle, DIRECT_TIMEOUT_S)) < 0) {
			if (fd >= 0)
				close(fd);
			goto out;
		}
		direct[i] = (t1 - t0) * 1e3;
		api_finish(fd);

		node_stop(&a);
		if (!node_spawn(&a, nodebin, &t0) || (t1 = node_wait_line(&a, needle, DIRECT_TIMEOUT_S)) < 0)
			goto out;
		restart[i] = (t1 - t0) * 1e3;
		node_cleanup(&a);
		node_cleanup(&b);
	}

	printf("node_runs: %d\n", RUNS);
	printf("root_hello_rtt_ms_median: %.3f\n", rtt);
	printf("identity_validate_ms_median: %.2f\n", validate);
	print_figure("node_start_to_online", online, RUNS, rtt, validate);
	print_figure("node_first_packet_to_direct", direct, RUNS, rtt, validate);
	print_figure("node_restart_to_direct", restart, RUNS, rtt, validate);
	ret = EXIT_SUCCESS;
out:
	node_cleanup(&a);
	node_cleanup(&b);
	bu_root_cleanup(&root);
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
		zt_identity_wipe(&ids[i]);
	return ret;
}
