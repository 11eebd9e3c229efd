/* SPDX-License-Identifier: Apache-2.0 */
/* ztpeer: the commands that talk to the root as a leaf (hello, whois, echo, like, gather, listen, send). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "node/crypto.h"
#include "node/hex.h"
#include "ztpeer.h"

#define ZTP_DEFAULT_ECHO_LEN 16
#define ZTP_BADHOPS_ECHO_LEN 8

/* ---------------------------------------------------------------- request / reply */

struct reply_wait {
	struct ztp_peer *from;
	uint8_t in_re_verb;
	json_t *result;
	ztp_hook_fn next; /* the hook that was installed before; still called */
	void *next_ctx;
};

static void reply_hook(struct ztp *z, const struct ztp_rx *rx, json_t *ev, void *ctx)
{
	struct reply_wait *w = ctx;
	if (w->next)
		w->next(z, rx, ev, w->next_ctx);
	if (!w->result && rx->peer == w->from && rx->verb == ZT_VERB_OK && rx->in_re_verb == w->in_re_verb && rx->req)
		w->result = json_deep_copy(ev);
}

json_t *ztp_request(struct ztp *z, struct ztp_peer *from, uint8_t verb, zt_err (*send)(struct ztp *z, void *ctx),
		    void *ctx, const char *event, unsigned *attempts)
{
	struct reply_wait w = { .from = from, .in_re_verb = verb, .next = z->hook, .next_ctx = z->hook_ctx };
	z->hook = reply_hook;
	z->hook_ctx = &w;
	int64_t now = ztp_now(), deadline = now + z->timeout_ms, next = now;
	unsigned n = 0;
	while (!w.result && !ztp_stop && (now = ztp_now()) < deadline) {
		if (now >= next) {
			zt_err err = send(z, ctx);
			if (err) {
				ztp_fail("cannot send %s: %s", ztp_verb_name(verb), zt_strerror(err));
				break;
			}
			n++;
			next = now + ZTP_RETRY_MS;
		}
		(void)ztp_wait(z, next < deadline ? next : deadline);
	}
	z->hook = w.next;
	z->hook_ctx = w.next_ctx;
	if (attempts)
		*attempts = n;
	if (w.result) {
		ztp_jset_str(w.result, "event", event);
		ztp_jset_int(w.result, "attempts", n);
	}
	return w.result;
}

static zt_err send_hello_root(struct ztp *z, void *ctx)
{
	(void)ctx;
	return ztp_send_hello(z, z->root, &z->root_path, NULL);
}

zt_err ztp_hello_root(struct ztp *z, json_t **out)
{
	unsigned n;
	if (ztp_opts.no_hello)
		return ZT_OK;
	json_t *r = ztp_request(z, z->root, ZT_VERB_HELLO, send_hello_root, NULL, "ok_hello", &n);
	if (!r) {
		char a[11], p[ZT_INETADDR_STRING_MAX];
		zt_address_format(a, z->root->id.address);
		if (!ztp_stop)
			ztp_fail("no OK(HELLO) from the root %s at %s within %lld ms (%u HELLO sent)", a,
				 zt_inetaddr_format(&z->root_path, p, sizeof p), (long long)z->timeout_ms, n);
		return ZT_ENOTFOUND;
	}
	if (out)
		*out = json_deep_copy(r);
	ztp_emit(z, r);
	return ZT_OK;
}

struct whois_req {
	const uint64_t *addr;
	size_t n;
};

static zt_err send_whois(struct ztp *z, void *ctx)
{
	const struct whois_req *q = ctx;
	return ztp_send_whois(z, q->addr, q->n, NULL);
}

struct ztp_peer *ztp_whois_wait(struct ztp *z, uint64_t address)
{
	struct whois_req q = { &address, 1 };
	char a[11];
	zt_address_format(a, address);
	json_t *r = ztp_request(z, z->root, ZT_VERB_WHOIS, send_whois, &q, "ok_whois", NULL);
	if (!r) {
		if (!ztp_stop)
			ztp_fail("no OK(WHOIS) for %s from the root within %lld ms", a, (long long)z->timeout_ms);
		return NULL;
	}
	if (z->verbose)
		ztp_emit(z, r);
	else
		json_decref(r);
	struct ztp_peer *p = ztp_peer_find(z, address);
	if (!p)
		ztp_fail("the root's OK(WHOIS) holds no valid identity for %s", a);
	return p;
}

void ztp_linger(struct ztp *z, int64_t ms, bool keepalive)
{
	int64_t now = ztp_now(), end = ms < 0 ? INT64_MAX : now + ms, next_hello = now + ZTP_KEEPALIVE_MS;
	while (!ztp_stop && (now = ztp_now()) < end) {
		if (keepalive && z->root && now >= next_hello) {
			(void)ztp_send_hello(z, z->root, &z->root_path, NULL);
			next_hello = now + ZTP_KEEPALIVE_MS;
		}
		(void)ztp_wait(z, end < next_hello ? end : next_hello);
	}
}

static int64_t linger_or(int64_t dflt)
{
	return ztp_opts.linger_ms >= 0 ? ztp_opts.linger_ms : dflt;
}

/* ---------------------------------------------------------------- hello, whois, echo */

int ztp_cmd_hello(struct ztp *z, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (ztp_hello_root(z, NULL))
		return ZTP_EXIT_FAIL;
	ztp_linger(z, linger_or(0), false);
	return ZTP_EXIT_OK;
}

int ztp_cmd_whois(struct ztp *z, int argc, char **argv)
{
	uint64_t *addr = calloc((size_t)argc, sizeof *addr);
	int rc = ZTP_EXIT_USAGE;
	if (!addr)
		return ZTP_EXIT_FAIL;
	for (int i = 0; i < argc; i++) {
		if (!zt_address_parse(&addr[i], argv[i])) {
			ztp_fail("Unable to parse address `%s'", argv[i]);
			goto out;
		}
	}
	rc = ZTP_EXIT_FAIL;
	if (ztp_hello_root(z, NULL))
		goto out;
	struct whois_req q = { addr, (size_t)argc };
	json_t *r = ztp_request(z, z->root, ZT_VERB_WHOIS, send_whois, &q, "ok_whois", NULL);
	if (!r) {
		if (!ztp_stop)
			ztp_fail("no OK(WHOIS) from the root within %lld ms", (long long)z->timeout_ms);
		goto out;
	}
	/* The root answers once with what it knows; list what it did not return. */
	json_t *ids = json_object_get(r, "identities"), *missing = json_array();
	for (int i = 0; i < argc; i++) {
		char a[11];
		zt_address_format(a, addr[i]);
		bool found = false;
		size_t k;
		json_t *id;
		json_array_foreach(ids, k, id)
			found |= !strcmp(json_string_value(json_object_get(id, "address")), a);
		if (!found)
			json_array_append_new(missing, json_string(a));
	}
	json_object_set_new(r, "missing", missing);
	ztp_emit(z, r);
	ztp_linger(z, linger_or(0), false);
	rc = ZTP_EXIT_OK;
out:
	free(addr);
	return rc;
}

struct echo_req {
	const uint8_t *data;
	size_t len;
};

static zt_err send_echo(struct ztp *z, void *ctx)
{
	const struct echo_req *e = ctx;
	return ztp_send(z, z->root, &z->root_path, ZT_VERB_ECHO, e->data, e->len, NULL, NULL);
}

int ztp_cmd_echo(struct ztp *z, int argc, char **argv)
{
	uint8_t *data = NULL;
	size_t len = ZTP_DEFAULT_ECHO_LEN;
	if (argc > 0) {
		if (!ztp_parse_hex(&data, &len, argv[0]) || len > ZT_VERB_MAX_PAYLOAD) {
			ztp_fail("Unable to parse payload hex `%.40s'", argv[0]);
			free(data);
			return ZTP_EXIT_USAGE;
		}
	} else if ((data = malloc(len)) != NULL) {
		zt_random(data, len);
	} else {
		return ZTP_EXIT_FAIL;
	}
	int rc = ZTP_EXIT_FAIL;
	if (ztp_hello_root(z, NULL))
		goto out;
	struct echo_req e = { data, len };
	json_t *r = ztp_request(z, z->root, ZT_VERB_ECHO, send_echo, &e, "ok_echo", NULL);
	if (!r) {
		if (!ztp_stop)
			ztp_fail("no OK(ECHO) from the root within %lld ms", (long long)z->timeout_ms);
		goto out;
	}
	json_t *sent = ztp_json_hex(data, len);
	bool match = json_equal(sent, json_object_get(r, "data"));
	json_decref(sent);
	ztp_jset_bool(r, "match", match);
	ztp_jset_hex(r, "sent_data", data, len);
	ztp_emit(z, r);
	if (!match) {
		ztp_fail("OK(ECHO) payload differs from the ECHO payload");
		goto out;
	}
	ztp_linger(z, linger_or(0), false);
	rc = ZTP_EXIT_OK;
out:
	free(data);
	return rc;
}

/* ---------------------------------------------------------------- multicast */

static bool parse_group(struct zt_multicast_group *g, char **argv)
{
	uint64_t adi;
	if (!ztp_parse_nwid(&g->nwid, argv[0])) {
		ztp_fail("Unable to parse network ID `%s' (16 hex digits)", argv[0]);
		return false;
	}
	if (!ztp_parse_mac(g->mac, argv[1])) {
		ztp_fail("Unable to parse MAC `%s'", argv[1]);
		return false;
	}
	if (!ztp_parse_u64(&adi, argv[2]) || adi > UINT32_MAX) {
		ztp_fail("Unable to parse ADI `%s'", argv[2]);
		return false;
	}
	g->adi = (uint32_t)adi;
	return true;
}

int ztp_cmd_like(struct ztp *z, int argc, char **argv)
{
	(void)argc;
	struct zt_verb_multicast_like *l = calloc(1, sizeof *l);
	int rc = ZTP_EXIT_USAGE;
	if (!l)
		return ZTP_EXIT_FAIL;
	l->count = 1;
	if (!parse_group(&l->groups[0], argv))
		goto out;
	rc = ZTP_EXIT_FAIL;
	if (ztp_hello_root(z, NULL))
		goto out;
	uint8_t buf[ZT_VERB_MULTICAST_GROUP_LEN];
	struct zt_wbuf w = zt_wbuf_init(buf, sizeof buf);
	zt_err err = zt_verb_multicast_like_encode(l, &w);
	json_t *extra = json_object();
	ztp_jset_group(extra, l->groups[0].nwid, l->groups[0].mac, l->groups[0].adi);
	struct ztp_send_opts o = { .cipher = -1, .print = true, .extra = extra };
	if (!err)
		err = ztp_send(z, z->root, &z->root_path, ZT_VERB_MULTICAST_LIKE, buf, w.len, &o, NULL);
	json_decref(extra);
	if (err) {
		ztp_fail("cannot send MULTICAST_LIKE: %s", zt_strerror(err));
		goto out;
	}
	ztp_linger(z, linger_or(0), false);
	rc = ZTP_EXIT_OK;
out:
	free(l);
	return rc;
}

struct gather_req {
	uint8_t buf[ZT_VERB_GATHER_MIN_LEN];
	size_t len;
};

static zt_err send_gather(struct ztp *z, void *ctx)
{
	const struct gather_req *g = ctx;
	return ztp_send(z, z->root, &z->root_path, ZT_VERB_MULTICAST_GATHER, g->buf, g->len, NULL, NULL);
}

int ztp_cmd_gather(struct ztp *z, int argc, char **argv)
{
	(void)argc;
	struct zt_multicast_group g;
	uint64_t limit;
	if (!parse_group(&g, argv))
		return ZTP_EXIT_USAGE;
	if (!ztp_parse_u64(&limit, argv[3]) || limit > UINT32_MAX) {
		ztp_fail("Unable to parse limit `%s'", argv[3]);
		return ZTP_EXIT_USAGE;
	}
	struct zt_verb_multicast_gather q = { .nwid = g.nwid, .adi = g.adi, .limit = (uint32_t)limit };
	memcpy(q.mac, g.mac, sizeof q.mac);
	struct gather_req req;
	struct zt_wbuf w = zt_wbuf_init(req.buf, sizeof req.buf);
	if (zt_verb_multicast_gather_encode(&q, &w) != ZT_OK)
		return ZTP_EXIT_FAIL;
	req.len = w.len;
	if (ztp_hello_root(z, NULL))
		return ZTP_EXIT_FAIL;
	json_t *r = ztp_request(z, z->root, ZT_VERB_MULTICAST_GATHER, send_gather, &req, "ok_gather", NULL);
	if (!r) {
		if (!ztp_stop)
			ztp_fail("no OK(MULTICAST_GATHER) from the root within %lld ms", (long long)z->timeout_ms);
		return ZTP_EXIT_FAIL;
	}
	ztp_emit(z, r);
	ztp_linger(z, linger_or(0), false);
	return ZTP_EXIT_OK;
}

/* ---------------------------------------------------------------- listen, send, badhops */

static void emit_ready(struct ztp *z)
{
	json_t *ev = ztp_event("ready");
	char s[ZT_IDENTITY_STRING_MAX];
	ztp_jset_address(ev, "address", z->self.address);
	if (zt_identity_to_string(&z->self, false, s, sizeof s) > 0)
		ztp_jset_str(ev, "identity", s);
	ztp_jset_inet(ev, "bind", &z->local);
	if (z->root)
		ztp_jset_address(ev, "root", z->root->id.address);
	ztp_emit(z, ev);
}

int ztp_cmd_listen(struct ztp *z, int argc, char **argv)
{
	uint64_t seconds = 0;
	if (argc > 0 && (!ztp_parse_u64(&seconds, argv[0]) || seconds > 86400 * 365)) {
		ztp_fail("Unable to parse seconds `%s'", argv[0]);
		return ZTP_EXIT_USAGE;
	}
	if (ztp_hello_root(z, NULL))
		return ZTP_EXIT_FAIL;
	emit_ready(z);
	z->print_all = true;
	ztp_linger(z, argc > 0 ? (int64_t)seconds * 1000 : -1, true);
	return ZTP_EXIT_OK;
}

static int send_to(struct ztp *z, uint64_t dest, uint8_t verb, const uint8_t *payload, size_t len, unsigned hops)
{
	if (ztp_hello_root(z, NULL))
		return ZTP_EXIT_FAIL;
	struct ztp_peer *p = ztp_whois_wait(z, dest);
	if (!p)
		return ZTP_EXIT_FAIL;
	z->print_all = true;
	for (unsigned long i = 0; i < ztp_opts.count && !ztp_stop; i++) {
		json_t *extra = json_object();
		ztp_jset_int(extra, "seq", (long long)i);
		struct ztp_send_opts o = {
			.cipher = (int)z->cipher, .hops = hops, .compress = ztp_opts.compress, .print = true, .extra = extra,
		};
		zt_err err = ztp_send(z, p, &z->root_path, verb, payload, len, &o, NULL);
		json_decref(extra);
		if (err) {
			ztp_fail("cannot send: %s", zt_strerror(err));
			return ZTP_EXIT_FAIL;
		}
		if (i + 1 < ztp_opts.count)
			ztp_linger(z, ztp_opts.interval_ms, true);
	}
	ztp_linger(z, linger_or(z->timeout_ms), true);
	return ZTP_EXIT_OK;
}

int ztp_cmd_send(struct ztp *z, int argc, char **argv)
{
	uint64_t dest, verb;
	uint8_t *payload = NULL;
	size_t len = 0;
	if (!zt_address_parse(&dest, argv[0])) {
		ztp_fail("Unable to parse address `%s'", argv[0]);
		return ZTP_EXIT_USAGE;
	}
	if (!ztp_parse_u64(&verb, argv[1]) || verb > ZT_VERB_MASK) {
		ztp_fail("Unable to parse verb number `%s' (0..31)", argv[1]);
		return ZTP_EXIT_USAGE;
	}
	if (argc > 2 && (!ztp_parse_hex(&payload, &len, argv[2]) || len > ZT_VERB_MAX_PAYLOAD)) {
		ztp_fail("Unable to parse payload hex `%.40s'", argv[2]);
		free(payload);
		return ZTP_EXIT_USAGE;
	}
	int rc = send_to(z, dest, (uint8_t)verb, payload, len, ztp_opts.hops);
	free(payload);
	return rc;
}

int ztp_cmd_badhops(struct ztp *z, int argc, char **argv)
{
	(void)argc;
	uint64_t dest, hops;
	uint8_t payload[ZTP_BADHOPS_ECHO_LEN];
	if (!zt_address_parse(&dest, argv[0])) {
		ztp_fail("Unable to parse address `%s'", argv[0]);
		return ZTP_EXIT_USAGE;
	}
	if (!ztp_parse_u64(&hops, argv[1]) || hops > ZT_PROTO_MAX_HOPS) {
		ztp_fail("Unable to parse hop count `%s' (0..7)", argv[1]);
		return ZTP_EXIT_USAGE;
	}
	zt_random(payload, sizeof payload);
	ztp_opts.count = 1;
	return send_to(z, dest, ZT_VERB_ECHO, payload, sizeof payload, (unsigned)hops);
}
