/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ztpeer: a small real ZeroTier 1.x leaf for the root's integration tests. See usage() for the
 * commands; every result is a JSON object on its own line on stdout. Exit codes: 0 success,
 * 1 failure or timeout (one line on stderr), 2 usage error.
 *
 * Events ("event" field):
 *   recv        one per datagram received (listen, send, raw, junk, or any command with -v): "from",
 *               "len", "kind" (packet, fragment, reassembled, junk, beacon), header fields ("dest",
 *               "source", "packet_id", "hops", "cipher", "fragmented"), "wire" and "wire_hops0" (the
 *               bytes as received, and with the hop count cleared), "status" (ok, auth_failed,
 *               unknown_source, malformed, dropped, invalid_identity, collision, foreign, ignored,
 *               fragment_pending, fragment_duplicate, fragment_invalid, reassembled, junk; root-lite
 *               also relayed) with "error", and once authenticated "verb", "verb_num", "payload" and
 *               the verb's decoded fields.
 *   ok_hello, ok_whois, ok_echo, ok_gather
 *               the reply a command waited for: the same fields as its recv event, plus "attempts".
 *   sent        a packet we sent (send, badhops, like, or -v): "to", "via", "verb", "cipher",
 *               "packet_id", "hops", "len", "wire", "wire_hops0", "fragments" when split.
 *   sent_raw, junk_done, ready, rootlite_done, check, selftest: see the commands.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "node/crypto.h"
#include "node/hex.h"
#include "ztpeer.h"

#define ZTP_FILE_MAX 4096

struct ztp_cmd_opts ztp_opts = { .count = 1, .interval_ms = 100, .linger_ms = -1 };

static const struct {
	const char *name;
	int (*fn)(struct ztp *z, int argc, char **argv);
	int min_args, max_args; /* max -1: any number */
	bool needs_root;
	const char *args;
} commands[] = {
	{ "hello", ztp_cmd_hello, 0, 0, true, "" },
	{ "whois", ztp_cmd_whois, 1, -1, true, "<address>..." },
	{ "echo", ztp_cmd_echo, 0, 1, true, "[payload-hex]" },
	{ "like", ztp_cmd_like, 3, 3, true, "<nwid> <mac> <adi>" },
	{ "gather", ztp_cmd_gather, 4, 4, true, "<nwid> <mac> <adi> <limit>" },
	{ "listen", ztp_cmd_listen, 0, 1, true, "[seconds]" },
	{ "send", ztp_cmd_send, 2, 3, true, "<dest> <verb-number> [payload-hex]" },
	{ "badhops", ztp_cmd_badhops, 2, 2, true, "<dest> <hops>" },
	{ "raw", ztp_cmd_raw, 1, 1, true, "<hex>" },
	{ "junk", ztp_cmd_junk, 1, 2, true, "<kind> [count]" },
	{ "rootlite", ztp_cmd_rootlite, 0, 1, false, "[seconds]" },
	{ "selftest", ztp_cmd_selftest, 0, 0, false, "" },
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: ztpeer --identity <file> [--bind <IP/port>] --root <identity|file>@<IP/port> [options] <command> [args]\n"
		"\n"
		"A ZeroTier 1.x leaf for tests. Prints one JSON object per line on stdout.\n"
		"Exit: 0 success, 1 failure or timeout (reason on stderr), 2 usage error.\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %s %s\n", commands[i].name, commands[i].args);
	fprintf(f,
		"\n"
		"Junk kinds: ");
	for (size_t i = 0; ztp_junk_kinds[i]; i++)
		fprintf(f, "%s%s", i ? ", " : "", ztp_junk_kinds[i]);
	fprintf(f,
		"\n\n"
		"Options:\n"
		"  --identity <file>    secret identity; generated and written if the file does not exist\n"
		"  --bind <IP/port>     local address (default 0.0.0.0/0, or ::/0 for an IPv6 root)\n"
		"  --root <id>@<IP/port> the root: an identity string or a file holding one\n"
		"  --cipher 1|3         best cipher we speak (default 3); 1 also advertises protocol 11\n"
		"  --proto <n>          protocol version advertised in HELLO (default 12, or 11 with --cipher 1)\n"
		"  --timeout <ms>       per request phase (default 10000)\n"
		"  --planet-id <n>      planet world ID named in HELLO (default 0); root-lite: the ID it serves\n"
		"  --planet-ts <n>      planet timestamp named in HELLO (default 0); root-lite: its timestamp\n"
		"  --count <n>          send, junk: how many (default 1)\n"
		"  --interval <ms>      send, junk: pause between packets (default 100 for send, 0 for junk)\n"
		"  --hops <n>           send: hop count written into the sent packets (default 0)\n"
		"  --linger <ms>        keep receiving and printing after the command (default: --timeout for\n"
		"                       send and badhops, 0 otherwise)\n"
		"  --mtu <n>            fragment packets above this size (default 1432)\n"
		"  --compress           send: LZ4-compress the payload when it helps\n"
		"  --no-hello           skip the HELLO every command starts with (the root must know us\n"
		"                       already, e.g. from its peer store; cipher 1 is used toward it then)\n"
		"  --max-hops <n>       root-lite: relay hop limit (default 3)\n"
		"  -v, --verbose        print every datagram sent and received\n"
		"  -h, --help           this text\n");
}

void ztp_fail(const char *fmt, ...)
{
	va_list ap;
	fputs("ztpeer: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---------------------------------------------------------------- parsing helpers */

bool ztp_parse_u64(uint64_t *out, const char *s)
{
	int base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return false;
	uint64_t v = 0;
	for (; *s; s++) {
		unsigned d;
		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			return false;
		if (v > (UINT64_MAX - d) / (unsigned)base)
			return false;
		v = v * (unsigned)base + d;
	}
	*out = v;
	return true;
}

bool ztp_parse_nwid(uint64_t *out, const char *s)
{
	uint8_t b[8];
	if (strlen(s) != 16 || !zt_hex_decode(b, sizeof b, s))
		return false;
	*out = zt_be64(b);
	return true;
}

bool ztp_parse_mac(uint8_t mac[static ZT_MAC_LEN], const char *s)
{
	char hex[13];
	size_t n = 0;
	for (size_t i = 0; s[i]; i++) {
		if (s[i] == ':' && i % 3 == 2 && strlen(s) == 17)
			continue;
		if (n == 12)
			return false;
		hex[n++] = s[i];
	}
	hex[n] = 0;
	return n == 12 && zt_hex_decode(mac, ZT_MAC_LEN, hex);
}

bool ztp_parse_hex(uint8_t **out, size_t *len, const char *s)
{
	size_t n = strlen(s);
	uint8_t *b = malloc(n / 2 + 1);
	if (!b)
		return false;
	long r = zt_hex_decode_all(b, n / 2 + 1, s, n);
	if (r < 0) {
		free(b);
		return false;
	}
	*out = b;
	*len = (size_t)r;
	return true;
}

static bool parse_int(long long *out, const char *s, long long min, long long max)
{
	uint64_t v;
	if (!ztp_parse_u64(&v, s) || v > (uint64_t)max || (long long)v < min)
		return false;
	*out = (long long)v;
	return true;
}

/* ---------------------------------------------------------------- identities */

/* Reads a small text file, trimmed, into a new NUL-terminated buffer (wiped and freed by the caller). */
static zt_err read_text(const char *path, char **out)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	char *buf = calloc(1, ZTP_FILE_MAX + 1);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	size_t n = fread(buf, 1, ZTP_FILE_MAX, f);
	zt_err err = ferror(f) ? -EIO : ZT_OK;
	fclose(f);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		buf[--n] = 0;
	if (err) {
		free(buf);
		return err;
	}
	*out = buf;
	return ZT_OK;
}

static void free_text(char *s)
{
	if (s) {
		zt_wipe(s, strlen(s));
		free(s);
	}
}

/* Loads the secret identity from `path`, or generates one and writes it there (mode 0600). */
static bool load_identity(struct zt_identity *id, const char *path)
{
	char *text = NULL;
	zt_err err = read_text(path, &text);
	if (err == -ENOENT) {
		char s[ZT_IDENTITY_STRING_MAX];
		err = zt_identity_generate(id);
		int n = err ? err : zt_identity_to_string(id, true, s, sizeof s);
		if (n < 0) {
			ztp_fail("cannot generate an identity: %s", zt_strerror(n));
			return false;
		}
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		bool ok = fd >= 0 && write(fd, s, (size_t)n) == n;
		err = ok ? ZT_OK : -errno;
		if (fd >= 0 && close(fd) < 0 && ok)
			err = -errno;
		zt_wipe(s, sizeof s);
		if (err) {
			ztp_fail("cannot write identity file `%s': %s", path, zt_strerror(err));
			return false;
		}
		return true;
	}
	if (err) {
		ztp_fail("cannot read identity file `%s': %s", path, zt_strerror(err));
		return false;
	}
	err = zt_identity_from_string(id, text);
	free_text(text);
	if (err || !id->has_private) {
		ztp_fail("identity file `%s' does not hold a secret identity%s%s", path, err ? ": " : "",
			 err ? zt_strerror(err) : "");
		return false;
	}
	return true;
}

/* "<identity string or file>@<IP/port>"; the address part is after the last '@'. */
static bool parse_root(struct zt_identity *id, struct zt_inetaddr *at, const char *arg)
{
	const char *sep = strrchr(arg, '@');
	if (!sep) {
		ztp_fail("--root needs <identity|file>@<IP/port>: `%s'", arg);
		return false;
	}
	if (zt_inetaddr_parse(at, sep + 1) || at->family == ZT_INETADDR_NIL || !at->port) {
		ztp_fail("Unable to parse root address `%s'", sep + 1);
		return false;
	}
	char *left = strndup(arg, (size_t)(sep - arg));
	if (!left)
		return false;
	zt_err err = zt_identity_from_string(id, left);
	if (err) {
		char *text = NULL;
		err = read_text(left, &text);
		if (err) {
			ztp_fail("root identity `%s' is neither an identity nor a readable file: %s", left,
				 zt_strerror(err));
			free(left);
			return false;
		}
		err = zt_identity_from_string(id, text);
		free_text(text);
	}
	if (err) {
		ztp_fail("Unable to parse root identity from `%s': %s", left, zt_strerror(err));
		free(left);
		return false;
	}
	free(left);
	zt_identity_wipe(id);
	id->has_private = false;
	if (zt_identity_validate(id) != ZT_OK) {
		ztp_fail("the root identity does not validate");
		return false;
	}
	return true;
}

/* ---------------------------------------------------------------- main */

static void on_signal(int sig)
{
	(void)sig;
	ztp_stop = 1;
}

enum {
	OPT_IDENTITY = 256, OPT_BIND, OPT_ROOT, OPT_CIPHER, OPT_PROTO, OPT_TIMEOUT, OPT_PLANET_ID, OPT_PLANET_TS,
	OPT_COUNT, OPT_INTERVAL, OPT_HOPS, OPT_LINGER, OPT_MTU, OPT_COMPRESS, OPT_MAX_HOPS, OPT_NO_HELLO,
};

static const struct option long_options[] = {
	{ "identity", required_argument, NULL, OPT_IDENTITY },
	{ "bind", required_argument, NULL, OPT_BIND },
	{ "root", required_argument, NULL, OPT_ROOT },
	{ "cipher", required_argument, NULL, OPT_CIPHER },
	{ "proto", required_argument, NULL, OPT_PROTO },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "planet-id", required_argument, NULL, OPT_PLANET_ID },
	{ "planet-ts", required_argument, NULL, OPT_PLANET_TS },
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "interval", required_argument, NULL, OPT_INTERVAL },
	{ "hops", required_argument, NULL, OPT_HOPS },
	{ "linger", required_argument, NULL, OPT_LINGER },
	{ "mtu", required_argument, NULL, OPT_MTU },
	{ "compress", no_argument, NULL, OPT_COMPRESS },
	{ "max-hops", required_argument, NULL, OPT_MAX_HOPS },
	{ "no-hello", no_argument, NULL, OPT_NO_HELLO },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct settings {
	const char *identity, *bind, *root;
	long long cipher, proto, timeout, max_hops, mtu;
	uint64_t planet_id, planet_ts;
	bool verbose, interval_set;
};

static int parse_options(struct settings *s, int argc, char **argv)
{
	int c, li = 0;
	long long v;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":vh", long_options, &li)) != -1) {
		const char *a = optarg;
		bool ok = true;
		switch (c) {
		case OPT_IDENTITY: s->identity = a; break;
		case OPT_BIND: s->bind = a; break;
		case OPT_ROOT: s->root = a; break;
		case OPT_CIPHER: ok = parse_int(&s->cipher, a, 1, 3) && s->cipher != 2; break;
		case OPT_PROTO: ok = parse_int(&s->proto, a, 1, 255); break;
		case OPT_TIMEOUT: ok = parse_int(&s->timeout, a, 1, 86400000); break;
		case OPT_PLANET_ID: ok = ztp_parse_u64(&s->planet_id, a); break;
		case OPT_PLANET_TS: ok = ztp_parse_u64(&s->planet_ts, a); break;
		case OPT_COUNT: ok = parse_int(&v, a, 1, 100000000); ztp_opts.count = (unsigned long)v; break;
		case OPT_INTERVAL:
			ok = parse_int(&v, a, 0, 3600000);
			ztp_opts.interval_ms = v;
			s->interval_set = true;
			break;
		case OPT_HOPS: ok = parse_int(&v, a, 0, ZT_PROTO_MAX_HOPS); ztp_opts.hops = (unsigned)v; break;
		case OPT_LINGER: ok = parse_int(&v, a, 0, 86400000); ztp_opts.linger_ms = v; break;
		case OPT_MTU: ok = parse_int(&s->mtu, a, ZT_FRAGMENT_MIN_MTU, ZT_PROTO_MAX_PACKET_LENGTH); break;
		case OPT_COMPRESS: ztp_opts.compress = true; break;
		case OPT_NO_HELLO: ztp_opts.no_hello = true; break;
		case OPT_MAX_HOPS: ok = parse_int(&s->max_hops, a, 0, ZT_PROTO_MAX_HOPS); break;
		case 'v': s->verbose = true; break;
		case 'h': usage(stdout); return -1;
		case ':':
			ztp_fail("option `%s' needs a value", argv[optind - 1]);
			return ZTP_EXIT_USAGE;
		default:
			ztp_fail("unknown option `%s'", argv[optind - 1]);
			return ZTP_EXIT_USAGE;
		}
		if (!ok) {
			ztp_fail("invalid value for --%s: `%s'", long_options[li].name, a);
			return ZTP_EXIT_USAGE;
		}
	}
	return ZTP_EXIT_OK;
}

int main(int argc, char **argv)
{
	struct settings s = { .cipher = 3, .proto = -1, .timeout = ZTP_DEFAULT_TIMEOUT_MS, .max_hops = ZT_RELAY_MAX_HOPS,
			      .mtu = ZT_DEFAULT_PHYSMTU };
	struct ztp *z = NULL;
	struct zt_identity root_id = { 0 };
	struct zt_inetaddr root_at = { 0 }, bind_at = { 0 };
	int rc = parse_options(&s, argc, argv);
	if (rc < 0)
		return ZTP_EXIT_OK;
	if (rc)
		return rc;
	if (optind >= argc) {
		ztp_fail("no command (try --help)");
		return ZTP_EXIT_USAGE;
	}
	const char *name = argv[optind];
	int nargs = argc - optind - 1;
	size_t ci;
	for (ci = 0; ci < sizeof commands / sizeof commands[0]; ci++)
		if (!strcmp(commands[ci].name, name))
			break;
	if (ci == sizeof commands / sizeof commands[0]) {
		ztp_fail("unknown command `%s' (try --help)", name);
		return ZTP_EXIT_USAGE;
	}
	if (nargs < commands[ci].min_args || (commands[ci].max_args >= 0 && nargs > commands[ci].max_args)) {
		ztp_fail("usage: ztpeer [options] %s %s", name, commands[ci].args);
		return ZTP_EXIT_USAGE;
	}
	if (!s.interval_set && !strcmp(name, "junk"))
		ztp_opts.interval_ms = 0;
	if (zt_crypto_init() != ZT_OK) {
		ztp_fail("crypto initialisation failed");
		return ZTP_EXIT_FAIL;
	}
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	z = ztp_new();
	if (!z) {
		ztp_fail("out of memory");
		return ZTP_EXIT_FAIL;
	}
	z->cipher = (unsigned)s.cipher;
	z->proto = (uint8_t)(s.proto >= 0 ? s.proto : s.cipher == 1 ? 11 : ZT_PROTO_VERSION);
	if (z->proto < 12) { /* a pre-AES node: 1.4.6 was the last of those */
		z->major = 1;
		z->minor = 4;
		z->revision = 6;
	}
	z->timeout_ms = s.timeout;
	z->planet_id = s.planet_id;
	z->planet_ts = s.planet_ts;
	z->mtu = (size_t)s.mtu;
	z->verbose = s.verbose;
	char **args = argv + optind + 1;

	if (!strcmp(name, "selftest")) {
		rc = commands[ci].fn(z, nargs, args);
		goto out;
	}
	rc = ZTP_EXIT_USAGE;
	if (!s.identity) {
		ztp_fail("--identity is required");
		goto out;
	}
	if (commands[ci].needs_root && !s.root) {
		ztp_fail("--root is required for `%s'", name);
		goto out;
	}
	if (s.root && !parse_root(&root_id, &root_at, s.root))
		goto out;
	const char *bind_text = s.bind ? s.bind : root_at.family == ZT_INETADDR_V6 ? "::/0" : "0.0.0.0/0";
	if (zt_inetaddr_parse(&bind_at, bind_text) || bind_at.family == ZT_INETADDR_NIL) {
		ztp_fail("Unable to parse bind address `%s'", bind_text);
		goto out;
	}
	if (s.root && bind_at.family != root_at.family) {
		ztp_fail("--bind and --root must be of the same address family");
		goto out;
	}
	rc = ZTP_EXIT_FAIL;
	if (!load_identity(&z->self, s.identity))
		goto out;
	zt_err err = ztp_open(z, &bind_at);
	if (err) {
		char b[ZT_INETADDR_STRING_MAX];
		ztp_fail("cannot bind %s: %s", zt_inetaddr_format(&bind_at, b, sizeof b), zt_strerror(err));
		goto out;
	}
	if (s.root && (err = ztp_set_root(z, &root_id, &root_at)) != ZT_OK) {
		ztp_fail("cannot use the root identity: %s", zt_strerror(err));
		goto out;
	}
	if (!strcmp(name, "rootlite") && (err = ztp_lite_enable(z, (unsigned)s.max_hops)) != ZT_OK) {
		ztp_fail("cannot start the root-lite: %s", zt_strerror(err));
		goto out;
	}
	rc = commands[ci].fn(z, nargs, args);
out:
	ztp_free(z);
	return rc;
}
