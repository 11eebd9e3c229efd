/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ztpeer selftest: three in-process instances on 127.0.0.1 served by one wait loop. "root" is a
 * root-lite, "c" a protocol-12 leaf (cipher 3), "d" a protocol-11 leaf (cipher 1 only). The
 * commands run unchanged against the root-lite; their results are checked from the events each
 * instance captured. Prints {"event":"check",...} per check and a final {"event":"selftest",...}.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/crypto.h"
#include "node/hex.h"
#include "ztpeer.h"

#define ST_NODES 3
#define ST_TIMEOUT_MS 3000
#define ST_PLANET_ID 0x5e1f7e57ULL
#define ST_FRAGMENTED_ECHO_LEN 3000

struct st {
	struct ztp *n[ST_NODES]; /* root, c, d */
	json_t *events[ST_NODES];
	unsigned checks, failed;
};

static void capture(struct ztp *z, const struct ztp_rx *rx, json_t *ev, void *ctx)
{
	(void)z;
	(void)rx;
	json_array_append(ctx, ev);
}

static void check(struct st *st, const char *name, bool ok)
{
	json_t *ev = ztp_event("check");
	ztp_jset_str(ev, "name", name);
	ztp_jset_bool(ev, "ok", ok);
	ztp_emit(NULL, ev);
	st->checks++;
	st->failed += !ok;
}

static const char *jstr(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

static long long jint(const json_t *o, const char *k) { return json_integer_value(json_object_get(o, k)); }

/*
 * The last captured event of node i (searching from index `from`) whose string fields equal the
 * given key/value pairs (NULL-terminated), or NULL.
 */
static json_t *find(struct st *st, int i, size_t from, ...)
{
	json_t *found = NULL, *ev;
	size_t k;
	json_array_foreach(st->events[i], k, ev) {
		if (k < from)
			continue;
		va_list ap;
		va_start(ap, from);
		bool match = true;
		for (const char *key; match && (key = va_arg(ap, const char *)) != NULL;)
			match = !strcmp(jstr(ev, key), va_arg(ap, const char *));
		va_end(ap);
		if (match)
			found = ev;
	}
	return found;
}

static size_t mark(struct st *st, int i) { return json_array_size(st->events[i]); }

static const char *addr(struct st *st, int i, char out[static 11])
{
	zt_address_format(out, st->n[i]->self.address);
	return out;
}

static bool inet_is(const json_t *ev, const char *key, const struct zt_inetaddr *a)
{
	char s[ZT_INETADDR_STRING_MAX];
	return !strcmp(jstr(ev, key), zt_inetaddr_format(a, s, sizeof s));
}

static zt_err setup(struct st *st, bool verbose)
{
	static const char *names[ST_NODES] = { "root", "c", "d" };
	struct zt_inetaddr lo;
	zt_err err = zt_inetaddr_parse(&lo, "127.0.0.1/0");
	for (int i = 0; !err && i < ST_NODES; i++) {
		struct ztp *z = st->n[i] = ztp_new();
		st->events[i] = json_array();
		if (!z || !st->events[i])
			return -ENOMEM;
		z->name = names[i];
		z->verbose = verbose;
		z->timeout_ms = ST_TIMEOUT_MS;
		z->group = st->n;
		z->ngroup = ST_NODES;
		z->hook = capture;
		z->hook_ctx = st->events[i];
		z->planet_id = ST_PLANET_ID;
		z->planet_ts = i ? 1 : 0;
		err = zt_identity_generate(&z->self);
		if (!err)
			err = ztp_open(z, &lo);
	}
	if (err)
		return err;
	struct ztp *d = st->n[2];
	d->cipher = ZT_CIPHER_POLY1305_SALSA2012;
	d->proto = 11;
	d->sent_log = json_array();
	err = ztp_lite_enable(st->n[0], ZT_RELAY_MAX_HOPS);
	for (int i = 1; !err && i < ST_NODES; i++)
		err = ztp_set_root(st->n[i], &st->n[0]->self, &st->n[0]->local);
	return err;
}

/* Runs a command on node i with print_all restored afterwards; returns its exit code. */
static int run(struct st *st, int i, int (*cmd)(struct ztp *, int, char **), int argc, const char **argv)
{
	int rc = cmd(st->n[i], argc, (char **)argv);
	st->n[i]->print_all = false;
	return rc;
}

static void test_hello(struct st *st)
{
	size_t m = mark(st, 1);
	check(st, "c: hello exits 0", run(st, 1, ztp_cmd_hello, 0, NULL) == ZTP_EXIT_OK);
	json_t *ok = find(st, 1, m, "verb", "OK", "in_re_verb", "HELLO", NULL);
	check(st, "c: OK(HELLO) seen", ok != NULL);
	check(st, "c: first OK(HELLO) is cipher 1 (1.x quirk)", ok && jint(ok, "cipher") == 1);
	check(st, "c: observed address is our bound address", ok && inet_is(ok, "observed", &st->n[1]->local));
	check(st, "c: root version is protocol 12", ok && jint(ok, "proto") == 12);
	json_t *w = ok ? json_array_get(json_object_get(ok, "world_list"), 0) : NULL;
	check(st, "c: the planet came with OK(HELLO) and parses",
	      ok && jint(ok, "worlds") == 1 && w && jint(w, "id") == (long long)ST_PLANET_ID && jint(w, "type") == 1 &&
		      json_is_true(json_object_get(w, "self_signed_ok")));
	ztp_linger(st->n[1], 200, false); /* the root's HELLO and c's OK(HELLO) */
	struct ztp_peer *cp = ztp_peer_find(st->n[0], st->n[1]->self.address);
	check(st, "root: learned c's path through its confirming HELLO",
	      cp && zt_inetaddr_equal(&cp->path, &st->n[1]->local));

	m = mark(st, 1);
	check(st, "c: second hello exits 0", run(st, 1, ztp_cmd_hello, 0, NULL) == ZTP_EXIT_OK);
	ok = find(st, 1, m, "verb", "OK", "in_re_verb", "HELLO", NULL);
	check(st, "c: second OK(HELLO) is cipher 3", ok && jint(ok, "cipher") == 3);

	for (int k = 0; k < 2; k++) {
		m = mark(st, 2);
		check(st, "d: hello exits 0", run(st, 2, ztp_cmd_hello, 0, NULL) == ZTP_EXIT_OK);
		ok = find(st, 2, m, "verb", "OK", "in_re_verb", "HELLO", NULL);
		check(st, "d (protocol 11): OK(HELLO) is cipher 1", ok && jint(ok, "cipher") == 1);
	}
}

static void test_echo_whois(struct st *st)
{
	char a[3][11];
	size_t m = mark(st, 1);
	const char *echo[] = { "00112233445566778899aabbccddeeff" };
	check(st, "c: echo exits 0", run(st, 1, ztp_cmd_echo, 1, echo) == ZTP_EXIT_OK);
	json_t *ok = find(st, 1, m, "verb", "OK", "in_re_verb", "ECHO", NULL);
	check(st, "c: OK(ECHO) is cipher 3 and echoes the payload",
	      ok && jint(ok, "cipher") == 3 && !strcmp(jstr(ok, "data"), echo[0]));
	m = mark(st, 2);
	check(st, "d: echo exits 0", run(st, 2, ztp_cmd_echo, 0, NULL) == ZTP_EXIT_OK);
	ok = find(st, 2, m, "verb", "OK", "in_re_verb", "ECHO", NULL);
	check(st, "d: OK(ECHO) is cipher 1", ok && jint(ok, "cipher") == 1);

	m = mark(st, 1);
	const char *who[] = { addr(st, 0, a[0]), addr(st, 2, a[2]), "0123456789" };
	check(st, "c: whois exits 0", run(st, 1, ztp_cmd_whois, 3, who) == ZTP_EXIT_OK);
	ok = find(st, 1, m, "verb", "OK", "in_re_verb", "WHOIS", NULL);
	json_t *ids = ok ? json_object_get(ok, "identities") : NULL;
	check(st, "c: OK(WHOIS) holds the root's and d's valid identities",
	      json_array_size(ids) == 2 && !strcmp(jstr(json_array_get(ids, 0), "address"), a[0]) &&
		      !strcmp(jstr(json_array_get(ids, 1), "address"), a[2]) &&
		      json_is_true(json_object_get(json_array_get(ids, 0), "valid")) &&
		      json_is_true(json_object_get(json_array_get(ids, 1), "valid")));
	const char *unknown[] = { "0123456789" };
	st->n[1]->timeout_ms = 1200;
	check(st, "c: whois of an unknown address exits 1", run(st, 1, ztp_cmd_whois, 1, unknown) == ZTP_EXIT_FAIL);
	st->n[1]->timeout_ms = ST_TIMEOUT_MS;
}

static void test_multicast(struct st *st)
{
	char a[11];
	const char *group[] = { "8056c2e21c000001", "01:00:5e:00:00:01", "0", "10" };
	check(st, "c: like exits 0", run(st, 1, ztp_cmd_like, 3, group) == ZTP_EXIT_OK);
	check(st, "d: like exits 0", run(st, 2, ztp_cmd_like, 3, group) == ZTP_EXIT_OK);
	size_t m = mark(st, 1);
	check(st, "c: gather exits 0", run(st, 1, ztp_cmd_gather, 4, group) == ZTP_EXIT_OK);
	json_t *ok = find(st, 1, m, "verb", "OK", "in_re_verb", "MULTICAST_GATHER", NULL);
	json_t *members = ok ? json_object_get(ok, "members") : NULL;
	check(st, "c: OK(GATHER) lists d only, total 2",
	      ok && jint(ok, "total") == 2 && json_array_size(members) == 1 &&
		      !strcmp(json_string_value(json_array_get(members, 0)), addr(st, 2, a)) &&
		      !strcmp(jstr(ok, "mac"), "01:00:5e:00:00:01"));
	const char *lonely[] = { "8056c2e21c000001", "33:33:00:00:00:01", "0", "10" };
	st->n[1]->timeout_ms = 1200;
	check(st, "c: gather of a group nobody else joined exits 1",
	      run(st, 1, ztp_cmd_gather, 4, lonely) == ZTP_EXIT_FAIL);
	st->n[1]->timeout_ms = ST_TIMEOUT_MS;
}

static const char *last_sent_wire(struct st *st, const char *verb)
{
	json_t *ev, *found = NULL;
	size_t k;
	json_array_foreach(st->n[2]->sent_log, k, ev)
		if (!strcmp(jstr(ev, "verb"), verb))
			found = ev;
	return found ? jstr(found, "wire") : "?";
}

static void test_relay(struct st *st)
{
	char a[11], b[11];
	struct ztp_lite_counters before, after;
	ztp_lite_counters(st->n[0], &before);
	size_t mc = mark(st, 1), md = mark(st, 2);
	const char *send[] = { addr(st, 1, a), "8", "0badc0ffee" };
	ztp_opts.count = 2;
	ztp_opts.linger_ms = 1500;
	check(st, "d: send 2 ECHO to c exits 0", run(st, 2, ztp_cmd_send, 3, send) == ZTP_EXIT_OK);
	json_t *e = find(st, 1, mc, "verb", "ECHO", "source", addr(st, 2, b), "status", "ok", NULL);
	check(st, "c: got d's relayed ECHO with hops 1", e && jint(e, "hops") == 1);
	check(st, "c: the relayed ECHO is byte-identical but for the hops",
	      e && !strcmp(jstr(e, "wire_hops0"), last_sent_wire(st, "ECHO")));
	json_t *ok = find(st, 2, md, "verb", "OK", "in_re_verb", "ECHO", "source", a, NULL);
	check(st, "d: got c's OK(ECHO) back through the root", ok && jint(ok, "hops") == 1 &&
								   json_is_true(json_object_get(ok, "expected")) &&
								   !strcmp(jstr(ok, "data"), "0badc0ffee"));
	json_t *rc = find(st, 1, mc, "verb", "RENDEZVOUS", "peer", b, NULL);
	json_t *rd = find(st, 2, md, "verb", "RENDEZVOUS", "peer", a, NULL);
	check(st, "c: RENDEZVOUS names d at d's address", rc && inet_is(rc, "peer_path", &st->n[2]->local));
	check(st, "d: RENDEZVOUS names c at c's address", rd && inet_is(rd, "peer_path", &st->n[1]->local));
	json_t *direct = find(st, 2, md, "verb", "OK", "in_re_verb", "HELLO", "source", a, NULL);
	check(st, "d: direct OK(HELLO) from c after the introduction", direct && jint(direct, "hops") == 0);
	ztp_lite_counters(st->n[0], &after);
	check(st, "root: relayed at least 4 packets and sent 2 RENDEZVOUS",
	      after.relayed - before.relayed >= 4 && after.rendezvous_sent - before.rendezvous_sent == 2);

	/* The hop limit: 2 becomes 3 and is delivered; 3 is dropped. */
	ztp_opts.linger_ms = 500;
	mc = mark(st, 1);
	const char *hops2[] = { a, "2" }, *hops3[] = { a, "3" };
	check(st, "d: badhops 2 exits 0", run(st, 2, ztp_cmd_badhops, 2, hops2) == ZTP_EXIT_OK);
	e = find(st, 1, mc, "verb", "ECHO", "source", b, NULL);
	check(st, "c: an ECHO sent with hops 2 arrives with hops 3", e && jint(e, "hops") == 3);
	mc = mark(st, 1);
	ztp_lite_counters(st->n[0], &before);
	check(st, "d: badhops 3 exits 0", run(st, 2, ztp_cmd_badhops, 2, hops3) == ZTP_EXIT_OK);
	ztp_lite_counters(st->n[0], &after);
	check(st, "c: an ECHO sent with hops 3 never arrives", !find(st, 1, mc, "verb", "ECHO", "source", b, NULL));
	check(st, "root: dropped it for the hop limit", after.relay_dropped == before.relay_dropped + 1);

	/* A packet over the MTU: fragments relayed, reassembled at c, and the OK comes back the same way. */
	char *hex = malloc(2 * ST_FRAGMENTED_ECHO_LEN + 1);
	uint8_t *data = malloc(ST_FRAGMENTED_ECHO_LEN);
	if (hex && data) {
		zt_random(data, ST_FRAGMENTED_ECHO_LEN);
		zt_hex_encode(hex, data, ST_FRAGMENTED_ECHO_LEN);
		const char *big[] = { a, "8", hex };
		mc = mark(st, 1);
		md = mark(st, 2);
		ztp_opts.count = 1;
		ztp_opts.linger_ms = 1000;
		check(st, "d: send of a 3000-byte ECHO exits 0", run(st, 2, ztp_cmd_send, 3, big) == ZTP_EXIT_OK);
		e = find(st, 1, mc, "verb", "ECHO", "kind", "reassembled", NULL);
		check(st, "c: reassembled the relayed fragments", e != NULL);
		check(st, "c: saw 3 fragment pieces with hops 1",
		      find(st, 1, mc, "kind", "fragment", "status", "fragment_pending", NULL) &&
			      find(st, 1, mc, "kind", "fragment", "status", "reassembled", NULL));
		ok = find(st, 2, md, "verb", "OK", "in_re_verb", "ECHO", "kind", "reassembled", NULL);
		check(st, "d: the fragmented OK(ECHO) came back intact", ok && !strcmp(jstr(ok, "data"), hex));
	}
	free(hex);
	free(data);
	ztp_opts.linger_ms = -1;
	ztp_opts.count = 1;
}

static void test_junk(struct st *st)
{
	struct ztp *root = st->n[0];
	size_t peers = root->npeers;
	unsigned long bad = root->rx_dropped + root->rx_auth_failed;
	size_t mc = mark(st, 1);
	for (size_t k = 0; ztp_junk_kinds[k]; k++) {
		unsigned long n = strcmp(ztp_junk_kinds[k], "helloflood") ? 8 : 3;
		char name[64];
		snprintf(name, sizeof name, "c: junk %s sent", ztp_junk_kinds[k]);
		check(st, name, ztp_junk_send(st->n[1], ztp_junk_kinds[k], n, 0) == ZT_OK);
		ztp_linger(st->n[1], 200, false);
	}
	check(st, "root: counted the junk as dropped or failed", root->rx_dropped + root->rx_auth_failed >= bad + 30);
	json_t *e = find(st, 1, mc, "verb", "ERROR", "error_name", "IDENTITY_COLLISION", NULL);
	check(st, "c: ERROR(IDENTITY_COLLISION) for its twin, readable with the twin's key",
	      e && json_is_true(json_object_get(e, "alt_key")) && !strcmp(jstr(e, "in_re_verb"), "HELLO"));
	check(st, "root: learned no peer from the flood", root->npeers == peers);
	check(st, "c: echo still answered after the junk", run(st, 1, ztp_cmd_echo, 0, NULL) == ZTP_EXIT_OK);
}

int ztp_cmd_selftest(struct ztp *unused, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct st st = { 0 };
	zt_err err = setup(&st, unused->verbose);
	if (err) {
		ztp_fail("self-test setup failed: %s", zt_strerror(err));
	} else {
		test_hello(&st);
		test_echo_whois(&st);
		test_multicast(&st);
		test_relay(&st);
		test_junk(&st);
		json_t *ev = ztp_event("selftest");
		ztp_jset_int(ev, "checks", st.checks);
		ztp_jset_int(ev, "failed", st.failed);
		ztp_emit(NULL, ev);
	}
	for (int i = 0; i < ST_NODES; i++) {
		if (st.n[i]) {
			json_decref(st.n[i]->sent_log);
			st.n[i]->hook = NULL;
		}
		ztp_free(st.n[i]);
		json_decref(st.events[i]);
	}
	return err || st.failed ? ZTP_EXIT_FAIL : ZTP_EXIT_OK;
}
