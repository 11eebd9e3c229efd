/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "benchutil.h"
#include "node/crypto.h"
#include "node/verbs.h"

#define LOG_MAX (1 << 20)
#define HELLO_RETRY_S 0.1
#define HELLO_IDS_KEPT 128

double bu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void bu_sleep(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

double bu_median(double *v, size_t n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

bool bu_proc_cpu_ticks(pid_t pid, uint64_t *ticks)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	/* The command name may contain spaces: fields are counted from the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p)
		return false;
	unsigned long long utime = 0, stime = 0;
	/* After ')': state(3) ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime(14) stime(15). */
	if (sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2)
		return false;
	*ticks = utime + stime;
	return true;
}

bool bu_proc_cpu_ns(pid_t pid, uint64_t *ns)
{
	clockid_t clk;
	struct timespec ts;
	if (clock_getcpuclockid(pid, &clk) != 0 || clock_gettime(clk, &ts) != 0)
		return false;
	*ns = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	return true;
}

double bu_ns_per_tick(void)
{
	long hz = sysconf(_SC_CLK_TCK);
	return 1e9 / (double)(hz > 0 ? hz : 100);
}

uint64_t bu_proc_rss(pid_t pid)
{
	char path[64];
	unsigned long size = 0, resident = 0;
	snprintf(path, sizeof path, "/proc/%d/statm", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%lu %lu", &size, &resident) != 2)
		resident = 0;
	fclose(f);
	return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

uint64_t bu_proc_status_bytes(pid_t pid, const char *field)
{
	char path[64], line[256];
	size_t fl = strlen(field);
	unsigned long long kb = 0;
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, field, fl) && line[fl] == ':') {
			kb = strtoull(line + fl + 1, NULL, 10);
			break;
		}
	fclose(f);
	return (uint64_t)kb * 1024;
}

uint64_t bu_proc_written(pid_t pid)
{
	char path[64], line[128];
	unsigned long long v = 0;
	snprintf(path, sizeof path, "/proc/%d/io", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, "wchar:", 6)) {
			v = strtoull(line + 6, NULL, 10);
			break;
		}
	fclose(f);
	return (uint64_t)v;
}

void bu_sockaddr(struct sockaddr_in *sa, const char *ip, uint16_t port)
{
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_port = htons(port);
	inet_pton(AF_INET, ip, &sa->sin_addr);
}

void bu_inetaddr(struct zt_inetaddr *a, const char *ip, uint16_t port)
{
	uint8_t b[4];
	inet_pton(AF_INET, ip, b);
	zt_inetaddr_set_v4(a, b, port);
}

int bu_udp_socket(const char *ip, uint16_t port, bool reuseport)
{
	struct sockaddr_in sa;
	int one = 1, buf = BU_SOCKET_BUFFER;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("socket");
		return -1;
	}
	if (reuseport)
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
	/* As the root does: privileged runs get the full size whatever rmem_max says. */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof buf);
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof buf);
	bu_sockaddr(&sa, ip, port);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		fprintf(stderr, "bind %s:%u: %s\n", ip, port, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

uint16_t bu_socket_port(int fd)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	if (getsockname(fd, (struct sockaddr *)&sa, &sl) != 0)
		return 0;
	return ntohs(sa.sin_port);
}

uint16_t bu_free_udp_port(void)
{
	int fd = bu_udp_socket(BU_LOOPBACK, 0, false);
	if (fd < 0)
		return 0;
	uint16_t port = bu_socket_port(fd);
	close(fd);
	return port;
}

const char *bu_root_bin(int argc, char **argv)
{
	const char *env = getenv("ZT_ROOT_BIN");
	if (argc > 1)
		return argv[1];
	if (env && *env)
		return env;
	return "./zerotier-root";
}

static bool write_file(const char *dir, const char *name, const char *text, mode_t mode)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return false;
	}
	size_t len = strlen(text);
	bool ok = write(fd, text, len) == (ssize_t)len;
	close(fd);
	return ok;
}

bool bu_root_prepare(struct bu_root *r, const char *extra)
{
	char json[1024];
	memset(r, 0, sizeof *r);
	r->out_fd = -1;
	snprintf(r->home, sizeof r->home, "/tmp/ztbench.XXXXXX");
	if (!mkdtemp(r->home)) {
		perror("mkdtemp");
		r->home[0] = '\0';
		return false;
	}
	snprintf(r->log, sizeof r->log, "%s/root.log", r->home);
	r->port = bu_free_udp_port();
	if (!r->port)
		return false;
	bu_sockaddr(&r->sa, BU_LOOPBACK, r->port);
	bu_inetaddr(&r->addr, BU_LOOPBACK, r->port);
	snprintf(json, sizeof json, "{\"port\": %u, \"bind\": [\"" BU_LOOPBACK "\"], \"http\": false%s%s}\n", r->port,
		 extra && *extra ? ", " : "", extra ? extra : "");
	return write_file(r->home, "root.json", json, 0644);
}

bool bu_root_write_identity(struct bu_root *r, const struct zt_identity *id)
{
	char s[ZT_IDENTITY_STRING_MAX];
	bool ok = zt_identity_to_string(id, true, s, sizeof s) > 0 && write_file(r->home, "identity.secret", s, 0600);
	zt_wipe(s, sizeof s);
	ok = ok && zt_identity_to_string(id, false, s, sizeof s) > 0 && write_file(r->home, "identity.public", s, 0644);
	return ok;
}

bool bu_root_spawn(struct bu_root *r, const char *bin)
{
	int out[2];
	if (access(bin, X_OK) != 0) {
		fprintf(stderr, "%s: %s (build it with `make zerotier-root`, or pass the path / set ZT_ROOT_BIN)\n", bin,
			strerror(errno));
		return false;
	}
	if (pipe2(out, O_CLOEXEC) != 0) {
		perror("pipe");
		return false;
	}
	int logfd = open(r->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (logfd < 0) {
		perror(r->log);
		close(out[0]);
		close(out[1]);
		return false;
	}
	fflush(stdout);
	fflush(stderr);
	r->spawned = bu_now();
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		close(out[0]);
		close(out[1]);
		close(logfd);
		return false;
	}
	if (pid == 0) {
		if (r->cpus && !bu_pin(r->cpus))
			_exit(127);
		dup2(out[1], STDOUT_FILENO);
		dup2(logfd, STDERR_FILENO);
		execl(bin, bin, "--home", r->home, (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	close(logfd);
	r->out_fd = out[0];
	r->pid = pid;
	return true;
}

bool bu_root_wait_ready(struct bu_root *r, double timeout_s)
{
	char path[PATH_MAX];
	double deadline = bu_now() + timeout_s;
	char line[512];
	size_t n = 0;
	while (bu_now() < deadline) {
		struct pollfd pfd = { r->out_fd, POLLIN, 0 };
		if (poll(&pfd, 1, 100) > 0) {
			ssize_t k = read(r->out_fd, line + n, sizeof line - 1 - n);
			if (k <= 0)
				break; /* the daemon closed stdout: it exited */
			n += (size_t)k;
			line[n] = '\0';
			if (strchr(line, '\n'))
				goto ready;
			if (n == sizeof line - 1)
				goto ready;
		}
		if (waitpid(r->pid, NULL, WNOHANG) == r->pid) {
			r->pid = 0;
			break;
		}
	}
	fprintf(stderr, "zerotier-root did not start\n");
	bu_root_show_log(r);
	return false;
ready:
	snprintf(path, sizeof path, "%s/identity.public", r->home);
	char text[ZT_IDENTITY_STRING_MAX + 8];
	FILE *f = fopen(path, "r");
	size_t len = f ? fread(text, 1, sizeof text - 1, f) : 0;
	if (f)
		fclose(f);
	text[len] = '\0';
	if (zt_identity_from_string(&r->id, text) != ZT_OK) {
		fprintf(stderr, "%s: not an identity\n", path);
		return false;
	}
	return true;
}

double bu_root_stop(struct bu_root *r)
{
	double t0 = bu_now();
	if (r->pid > 0) {
		kill(r->pid, SIGTERM);
		for (;;) {
			if (waitpid(r->pid, NULL, WNOHANG) == r->pid)
				break;
			if (bu_now() - t0 > BU_STOP_TIMEOUT_S) {
				fprintf(stderr, "zerotier-root did not stop after SIGTERM: SIGKILL\n");
				kill(r->pid, SIGKILL);
				waitpid(r->pid, NULL, 0);
				break;
			}
			bu_sleep(0.005);
		}
		r->pid = 0;
	}
	if (r->out_fd >= 0)
		close(r->out_fd);
	r->out_fd = -1;
	return bu_now() - t0;
}

bool bu_pin(unsigned long cpus)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	for (unsigned i = 0; i < 8 * sizeof cpus; i++)
		if (cpus & (1UL << i))
			CPU_SET(i, &set);
	if (sched_setaffinity(0, sizeof set, &set) != 0) {
		perror("sched_setaffinity");
		return false;
	}
	return true;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

void bu_rm_rf(const char *dir)
{
	if (dir && dir[0])
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void bu_root_cleanup(struct bu_root *r)
{
	bu_root_stop(r);
	bu_rm_rf(r->home);
	r->home[0] = '\0';
}

static char *read_log(const struct bu_root *r)
{
	FILE *f = fopen(r->log, "r");
	char *text = malloc(LOG_MAX + 1);
	size_t n = 0;
	if (text && f)
		n = fread(text, 1, LOG_MAX, f);
	if (text)
		text[n] = '\0';
	if (f)
		fclose(f);
	return text;
}

void bu_root_show_log(const struct bu_root *r)
{
	char *text = read_log(r);
	if (text)
		fprintf(stderr, "--- %s\n%s---\n", r->log, text);
	free(text);
}

double bu_root_log_number(const struct bu_root *r, const char *anchor, const char *key)
{
	char *text = read_log(r);
	double v = -1;
	char *p = text ? strstr(text, anchor) : NULL;
	if (p)
		p = strstr(p, key);
	if (p)
		v = strtod(p + strlen(key), NULL);
	free(text);
	return v;
}

struct gen_job {
	struct zt_identity *ids;
	size_t from, to;
	bool ok;
};

static void *gen_thread(void *arg)
{
	struct gen_job *j = arg;
	j->ok = true;
	for (size_t i = j->from; i < j->to && j->ok; i++)
		j->ok = zt_identity_generate(&j->ids[i]) == ZT_OK;
	return NULL;
}

bool bu_identities_generate(struct zt_identity *ids, size_t n, int threads)
{
	pthread_t th[16];
	struct gen_job jobs[16];
	bool ok = true;
	if (threads < 1)
		threads = 1;
	if (threads > 16)
		threads = 16;
	for (int t = 0; t < threads; t++) {
		jobs[t] = (struct gen_job){ ids, n * (size_t)t / (size_t)threads, n * (size_t)(t + 1) / (size_t)threads, false };
		if (pthread_create(&th[t], NULL, gen_thread, &jobs[t]) != 0) {
			threads = t;
			ok = false;
			break;
		}
	}
	for (int t = 0; t < threads; t++) {
		pthread_join(th[t], NULL);
		ok = ok && jobs[t].ok;
	}
	return ok;
}

bool bu_peer_init(struct bu_peer *p, const struct zt_identity *root)
{
	if (zt_identity_agree(&p->id, root, p->key48) != ZT_OK)
		return false;
	return zt_peer_key_init(&p->key, p->key48) == ZT_OK;
}

void bu_peer_free(struct bu_peer *p)
{
	zt_peer_key_free(&p->key);
	zt_wipe(p->key48, sizeof p->key48);
	zt_identity_wipe(&p->id);
}

size_t bu_hello_build(struct bu_peer *p, uint64_t root_address, const struct zt_inetaddr *sent_to, uint8_t *out,
		      size_t cap, uint64_t *packet_id)
{
	struct zt_verb_hello h;
	struct timespec ts;
	size_t cf = 0;
	if (cap < ZT_PACKET_HEADER_LENGTH)
		return 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	memset(&h, 0, sizeof h);
	h.proto_version = ZT_PROTO_VERSION;
	h.major = ZT_SOFTWARE_VERSION_MAJOR;
	h.minor = ZT_SOFTWARE_VERSION_MINOR;
	h.revision = ZT_SOFTWARE_VERSION_REVISION;
	h.timestamp = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	h.identity = p->id;
	h.identity.has_private = false;
	memset(h.identity.priv, 0, sizeof h.identity.priv);
	h.sent_to = *sent_to;
	zt_packet_init(out, zt_random_u64(), root_address, p->id.address, ZT_VERB_HELLO);
	struct zt_wbuf w = zt_wbuf_init(out + ZT_PACKET_IDX_PAYLOAD, cap - ZT_PACKET_IDX_PAYLOAD);
	if (zt_verb_hello_encode(&h, &w, &cf) != ZT_OK)
		return 0;
	size_t len = ZT_PACKET_IDX_PAYLOAD + w.len;
	if (zt_packet_hello_cryptfield(out, len, ZT_PACKET_IDX_PAYLOAD + cf, p->key48) != ZT_OK ||
	    zt_packet_armor(out, len, &p->key, ZT_CIPHER_POLY1305_NONE) != ZT_OK)
		return 0;
	*packet_id = zt_packet_id(out);
	return len;
}

size_t bu_packet_build(struct bu_peer *p, uint64_t dest, uint8_t verb, const void *payload, size_t n, uint8_t *out,
		       size_t cap, uint64_t *wire_id)
{
	size_t len = ZT_PACKET_IDX_PAYLOAD + n;
	if (len > cap)
		return 0;
	zt_packet_init(out, zt_random_u64(), dest, p->id.address, verb);
	memcpy(out + ZT_PACKET_IDX_PAYLOAD, payload, n);
	if (zt_packet_armor(out, len, &p->key, ZT_CIPHER_AES_GMAC_SIV) != ZT_OK)
		return 0;
	*wire_id = zt_packet_id(out);
	return len;
}

bool bu_reply_parse(struct bu_peer *p, uint64_t source, uint8_t *d, size_t len, size_t cap, struct bu_reply *out)
{
	if (len < ZT_PACKET_HEADER_LENGTH || zt_packet_classify(d, len) != ZT_DATAGRAM_HEAD ||
	    zt_packet_dest(d) != p->id.address || zt_packet_source(d) != source || zt_packet_fragmented(d))
		return false;
	if (zt_packet_dearmor(d, len, &p->key) != ZT_OK)
		return false;
	if (zt_packet_compressed(d) && zt_packet_decompress(d, &len, cap) != ZT_OK)
		return false;
	memset(out, 0, sizeof *out);
	out->verb = (uint8_t)zt_packet_verb(d);
	out->body = d + ZT_PACKET_IDX_PAYLOAD;
	out->body_len = len - ZT_PACKET_IDX_PAYLOAD;
	if (out->verb == ZT_VERB_OK || out->verb == ZT_VERB_ERROR) {
		if (out->body_len < ZT_VERB_OK_HEADER_LEN)
			return false;
		out->in_re_verb = out->body[0] & ZT_VERB_MASK;
		out->in_re_packet_id = zt_be64(out->body + 1);
		out->body += ZT_VERB_OK_HEADER_LEN;
		out->body_len -= ZT_VERB_OK_HEADER_LEN;
	}
	return true;
}

bool bu_hello_wait(int fd, struct bu_peer *p, const struct bu_root *r, double timeout_s)
{
	uint64_t sent[HELLO_IDS_KEPT];
	size_t nsent = 0;
	uint8_t pkt[2048], rx[ZT_PROTO_MAX_PACKET_LENGTH];
	double deadline = bu_now() + timeout_s, next = 0;
	while (bu_now() < deadline) {
		if (bu_now() >= next) {
			uint64_t id;
			size_t len = bu_hello_build(p, r->id.address, &r->addr, pkt, sizeof pkt, &id);
			if (!len)
				return false;
			if (sendto(fd, pkt, len, 0, (const struct sockaddr *)&r->sa, sizeof r->sa) < 0 && errno != ECONNREFUSED)
				perror("sendto HELLO");
			sent[nsent++ % HELLO_IDS_KEPT] = id;
			next = bu_now() + HELLO_RETRY_S;
		}
		struct pollfd pfd = { fd, POLLIN, 0 };
		if (poll(&pfd, 1, 10) <= 0)
			continue;
		ssize_t n = recv(fd, rx, sizeof rx, MSG_DONTWAIT);
		struct bu_reply rep;
		if (n <= 0 || !bu_reply_parse(p, r->id.address, rx, (size_t)n, sizeof rx, &rep))
			continue;
		if (rep.verb != ZT_VERB_OK || rep.in_re_verb != ZT_VERB_HELLO)
			continue;
		for (size_t i = 0; i < nsent && i < HELLO_IDS_KEPT; i++)
			if (sent[i] == rep.in_re_packet_id)
				return true;
	}
	fprintf(stderr, "no OK(HELLO) from the root within %.0f s\n", timeout_s);
	return false;
}

/* A bijection on 32 bits (xorshift-multiply rounds), so distinct i give distinct low address bits. */
static uint32_t perm32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

uint64_t bu_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t bu_fake_address(uint64_t i)
{
	uint64_t s = i;
	/* First byte 0x01..0xfe: never 0x00 (address 0) nor 0xff (reserved). */
	uint64_t top = 1 + bu_rand(&s) % 0xfe;
	return (top << 32) | perm32((uint32_t)i);
}

void bu_fake_pub(uint64_t i, uint8_t pub[static 64])
{
	uint64_t s = i ^ 0x5eed5eed5eed5eedULL;
	for (int k = 0; k < 8; k++) {
		uint64_t v = bu_rand(&s);
		memcpy(pub + 8 * k, &v, 8);
	}
}
