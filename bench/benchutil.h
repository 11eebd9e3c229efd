/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_BENCH_BENCHUTIL_H
#define ZT_BENCH_BENCHUTIL_H

/*
 * Helpers shared by the benchmarks that drive the real zerotier-root: clocks, process CPU time and
 * resident memory from /proc, loopback UDP sockets, a throw-away home directory with a root.json,
 * starting and stopping the daemon, and a minimal client (HELLO, reply parsing) built on src/node/.
 * Everything here is for benchmarks only: it fails loudly (a message on stderr) rather than
 * recovering, and never decides anything from a timing.
 */

#include <limits.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "node/identity.h"
#include "node/inetaddr.h"
#include "node/packet.h"

#define BU_LOOPBACK "127.0.0.1"
#define BU_SOCKET_BUFFER (16 << 20) /* the same as the root's (src/root/io.c) */
#define BU_STOP_TIMEOUT_S 60.0      /* SIGTERM flushes the cache to LMDB: allow for 1M peers */

/* Monotonic time in seconds. */
double bu_now(void);
/* Sleeps for `s` seconds (interrupted sleeps are resumed). */
void bu_sleep(double s);

/* Median of v[0..n-1] (sorts v). */
double bu_median(double *v, size_t n);

/* utime + stime of a process (all its threads) in clock ticks; false if it cannot be read. */
bool bu_proc_cpu_ticks(pid_t pid, uint64_t *ticks);
/*
 * The same utime + stime at nanosecond resolution: the process's CPU-time clock
 * (clock_getcpuclockid), which the kernel keeps exactly where /proc/<pid>/stat rounds to ticks.
 */
bool bu_proc_cpu_ns(pid_t pid, uint64_t *ns);
/* Nanoseconds per clock tick (1e9 / sysconf(_SC_CLK_TCK)). */
double bu_ns_per_tick(void);
/* Resident set size of a process in bytes (from /proc/<pid>/statm), 0 if unreadable. */
uint64_t bu_proc_rss(pid_t pid);
/*
 * One line of /proc/<pid>/status in bytes, e.g. "RssAnon" (private memory) or "RssFile" (mapped
 * file pages such as an LMDB map, which the kernel can drop and re-read). 0 if absent.
 */
uint64_t bu_proc_status_bytes(pid_t pid, const char *field);
/* Bytes a process has passed to write-type system calls so far ("wchar" of /proc/<pid>/io). */
uint64_t bu_proc_written(pid_t pid);

/*
 * A UDP/IPv4 socket bound to ip:port (port 0 = any), with the root's buffer sizes. reuseport sets
 * SO_REUSEPORT. Returns the fd or -1 (after a message).
 */
int bu_udp_socket(const char *ip, uint16_t port, bool reuseport);
/* The port a socket is bound to (host order). */
uint16_t bu_socket_port(int fd);
/* A UDP port on 127.0.0.1 that was free a moment ago. 0 on failure. */
uint16_t bu_free_udp_port(void);
void bu_sockaddr(struct sockaddr_in *sa, const char *ip, uint16_t port);
void bu_inetaddr(struct zt_inetaddr *a, const char *ip, uint16_t port);

/* The root binary: argv[1] if given, else $ZT_ROOT_BIN, else ./zerotier-root. */
const char *bu_root_bin(int argc, char **argv);

/* A running (or about to run) zerotier-root in a temporary home directory. */
struct bu_root {
	pid_t pid;               /* 0 when not running */
	int out_fd;              /* read end of the daemon's stdout (the banner line), -1 if none */
	char home[128];          /* temporary home directory (removed by bu_root_cleanup) */
	char log[PATH_MAX];      /* the daemon's stderr */
	uint16_t port;
	struct zt_identity id;   /* public (read from identity.public once it exists) */
	struct sockaddr_in sa;   /* 127.0.0.1:port */
	struct zt_inetaddr addr;
	double spawned;          /* bu_now() just before fork */
	unsigned long cpus;      /* CPU affinity mask for the daemon (bit i = CPU i), 0 = any */
};

/*
 * Creates a temporary home and writes root.json: {"port": P, "bind": ["127.0.0.1"], "http": false,
 * <extra>} with a free port; `extra` is more JSON members ("" for none). Returns false on failure.
 */
bool bu_root_prepare(struct bu_root *r, const char *extra);
/* Writes identity.secret and identity.public for `id` (with its private key) into the home. */
bool bu_root_write_identity(struct bu_root *r, const struct zt_identity *id);
/* Starts the daemon (stdout to a pipe, stderr to r->log, pinned to r->cpus if set). Does not wait. */
bool bu_root_spawn(struct bu_root *r, const char *bin);
/*
 * Waits for the daemon's banner (it prints its identity once every socket and thread is up), then
 * reads identity.public into r->id. False on timeout or if the daemon exited (the log is shown).
 */
bool bu_root_wait_ready(struct bu_root *r, double timeout_s);
/* SIGTERM, wait (SIGKILL after BU_STOP_TIMEOUT_S). Returns the seconds the exit took. */
double bu_root_stop(struct bu_root *r);
/* Stops the daemon if running and removes the home directory. */
void bu_root_cleanup(struct bu_root *r);
/* Prints the daemon's log on stderr (for failures). */
void bu_root_show_log(const struct bu_root *r);
/* Finds `anchor` in the log, then `key` after it, and returns the number that follows, or -1. */
double bu_root_log_number(const struct bu_root *r, const char *anchor, const char *key);

/* Restricts the calling thread (and the threads and processes it creates later) to a CPU mask. */
bool bu_pin(unsigned long cpus);

/* Removes a directory tree. */
void bu_rm_rf(const char *dir);

/* Generates n valid identities using `threads` threads. False on failure. */
bool bu_identities_generate(struct zt_identity *ids, size_t n, int threads);

/* A client node talking to the root: its identity (with private key) and the keys agreed with the root. */
struct bu_peer {
	struct zt_identity id;
	uint8_t key48[ZT_SYMMETRIC_KEY_SIZE];
	struct zt_peer_key key;
};

/* Agrees the key with root (public). False on failure. */
bool bu_peer_init(struct bu_peer *p, const struct zt_identity *root);
void bu_peer_free(struct bu_peer *p);

/*
 * Builds a HELLO (protocol 12, as 1.14.1 writes it, cryptField applied, cipher 0) from p to
 * root_address claiming to have sent it to `sent_to`. Returns the length (0 on failure) and the
 * packet ID in *packet_id.
 */
size_t bu_hello_build(struct bu_peer *p, uint64_t root_address, const struct zt_inetaddr *sent_to, uint8_t *out,
		      size_t cap, uint64_t *packet_id);

/*
 * Builds and armors (cipher 3) a packet from p to `dest` with verb and payload. Returns the length,
 * 0 on failure; *wire_id receives the wire packet ID (what an OK refers to).
 */
size_t bu_packet_build(struct bu_peer *p, uint64_t dest, uint8_t verb, const void *payload, size_t n, uint8_t *out,
		       size_t cap, uint64_t *wire_id);

/* A reply from the root, authenticated and decrypted in place. */
struct bu_reply {
	uint8_t verb;
	uint8_t in_re_verb;       /* OK / ERROR */
	uint64_t in_re_packet_id; /* OK / ERROR */
	const uint8_t *body;      /* after the 9-byte OK header (OK), else the payload */
	size_t body_len;
};

/*
 * Authenticates d (from `source` to p; `cap` bytes of room for decompression) in place and decodes
 * its OK/ERROR header. False if it is not such a packet.
 */
bool bu_reply_parse(struct bu_peer *p, uint64_t source, uint8_t *d, size_t len, size_t cap, struct bu_reply *out);

/*
 * Sends HELLOs from fd to the root every 100 ms until an OK(HELLO) to one of them arrives (the root
 * validates a new identity asynchronously and answers once it is done). False after timeout_s.
 */
bool bu_hello_wait(int fd, struct bu_peer *p, const struct bu_root *r, double timeout_s);

/*
 * A synthetic peer population for the cache and store benchmarks: peer i has a distinct address
 * (a bijection of i on 40 bits, moved off the reserved ranges), a pseudo-random public key, an IPv4
 * path and a version. The identities are not valid; nothing checks them on load.
 */
uint64_t bu_fake_address(uint64_t i);
void bu_fake_pub(uint64_t i, uint8_t pub[static 64]);

/* splitmix64: a small, fast PRNG for benchmark workloads (state advanced in place). */
uint64_t bu_rand(uint64_t *state);

#endif
