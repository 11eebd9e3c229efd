/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The monitoring HTTP server. libmicrohttpd runs one internal polling thread; every handler takes
 * a snapshot (counter sums, cache and store sizes, the rate history) and renders it, so nothing of
 * the packet path stays locked while a response is written. /peer streams: it snapshots only the
 * peer addresses (8 bytes each) and looks every peer up again as the client reads, so a
 * million-peer list neither holds a cache shard locked nor needs the whole document in memory.
 * This file is the one place libmicrohttpd errors become zt_err. The HTML of GET / is rendered by
 * http_page.c; http_page.h holds what the two share (the text buffer, the snapshot).
 */
#include <config.h> /* autoconf's (PACKAGE_VERSION); the root settings are conf.h */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include <jansson.h>
#include <microhttpd.h>

#include "common/log.h"
#include "http.h"
#include "validator.h"
#include "http_page.h"
#include "node/constants.h"
#include "node/crypto.h"
#include "node/hex.h"
#include "node/packet.h"

#define HTTP_JSON "application/json"
#define HTTP_HTML "text/html; charset=utf-8"
#define HTTP_PROMETHEUS "text/plain; version=0.0.4"
/* The sampler's peers-online figure is used while it is this fresh (it saves a cache walk). */
#define HTTP_SAMPLE_FRESH_MS 5000
/* /peer serializes about this much ahead of what the client has read. */
#define HTTP_PEER_CHUNK 16384
#define HTTP_PEER_BLOCK 65536

/* ---------------------------------------------------------------- a growable text buffer (http_page.h) */

void http_sbuf_add(struct http_sbuf *b, const char *s, size_t n)
{
	if (b->err)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->err = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void http_sbuf_puts(struct http_sbuf *b, const char *s) { http_sbuf_add(b, s, strlen(s)); }

void http_sbuf_printf(struct http_sbuf *b, const char *fmt, ...)
{
	char small[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->err = true;
	} else if ((size_t)n < sizeof small) {
		http_sbuf_add(b, small, (size_t)n);
	} else {
		char *big = malloc((size_t)n + 1);
		if (!big) {
			b->err = true;
			return;
		}
		va_start(ap, fmt);
		vsnprintf(big, (size_t)n + 1, fmt, ap);
		va_end(ap);
		http_sbuf_add(b, big, (size_t)n);
		free(big);
	}
}

/* ---------------------------------------------------------------- snapshot of the root */

static void snapshot_take(struct root *r, struct http_snapshot *s)
{
	memset(s, 0, sizeof *s);
	s->now = root_now();
	zt_address_format(s->address, r->id.address);
	root_totals(r, &s->t);
	s->rates = root_history_latest(&r->history);
	s->cached = root_cache_count(&r->cache);
	if (s->rates.t && s->now - s->rates.t <= HTTP_SAMPLE_FRESH_MS)
		s->online = s->rates.peers_online;
	else
		s->online = root_peers_online(r, s->now);
	if (r->store.env) {
		s->stored = root_store_count(&r->store);
		s->lmdb_bytes = root_store_size(&r->store);
	}
	s->validation_backlog = r->validator ? root_validator_backlog(r->validator) : 0;
	pthread_rwlock_rdlock(&r->planet.lock);
	if (r->planet.bytes) {
		s->have_planet = true;
		s->planet_id = r->planet.id;
		s->planet_ts = r->planet.timestamp;
		s->planet_roots = r->planet.nroots;
	}
	pthread_rwlock_unlock(&r->planet.lock);
}

static const char *const verb_names[ROOT_VERBS] = {
	[ZT_VERB_NOP] = "NOP",
	[ZT_VERB_HELLO] = "HELLO",
	[ZT_VERB_ERROR] = "ERROR",
	[ZT_VERB_OK] = "OK",
	[ZT_VERB_WHOIS] = "WHOIS",
	[ZT_VERB_RENDEZVOUS] = "RENDEZVOUS",
	[ZT_VERB_FRAME] = "FRAME",
	[ZT_VERB_EXT_FRAME] = "EXT_FRAME",
	[ZT_VERB_ECHO] = "ECHO",
	[ZT_VERB_MULTICAST_LIKE] = "MULTICAST_LIKE",
	[ZT_VERB_NETWORK_CREDENTIALS] = "NETWORK_CREDENTIALS",
	[ZT_VERB_NETWORK_CONFIG_REQUEST] = "NETWORK_CONFIG_REQUEST",
	[ZT_VERB_NETWORK_CONFIG] = "NETWORK_CONFIG",
	[ZT_VERB_MULTICAST_GATHER] = "MULTICAST_GATHER",
	[ZT_VERB_MULTICAST_FRAME] = "MULTICAST_FRAME",
	[ZT_VERB_PUSH_DIRECT_PATHS] = "PUSH_DIRECT_PATHS",
	[ZT_VERB_ACK] = "ACK",
	[ZT_VERB_QOS_MEASUREMENT] = "QOS_MEASUREMENT",
	[ZT_VERB_USER_MESSAGE] = "USER_MESSAGE",
	[ZT_VERB_REMOTE_TRACE] = "REMOTE_TRACE",
	[ZT_VERB_PATH_NEGOTIATION_REQUEST] = "PATH_NEGOTIATION_REQUEST",
};

/* ---------------------------------------------------------------- responses */

static enum MHD_Result queue(struct MHD_Connection *c, unsigned status, const char *type, struct MHD_Response *resp)
{
	if (!resp)
		return MHD_NO; /* out of memory: MHD closes the connection */
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	enum MHD_Result ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Sends body (malloc'd, owned from here on; NULL means rendering ran out of memory). */
static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type, char *body, size_t len)
{
	if (!body)
		return MHD_NO;
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!resp)
		free(body);
	return queue(c, status, type, resp);
}

/* Sends a JSON document (reference stolen). */
static enum MHD_Result reply_json(struct MHD_Connection *c, unsigned status, json_t *doc, size_t flags)
{
	char *s = doc ? json_dumps(doc, flags) : NULL;
	json_decref(doc);
	return reply(c, status, HTTP_JSON, s, s ? strlen(s) : 0);
}

static enum MHD_Result reply_error(struct MHD_Connection *c, unsigned status, const char *message)
{
	return reply_json(c, status, json_pack("{s:s, s:i}", "error", message, "status", (int)status), JSON_COMPACT);
}

static enum MHD_Result reply_sbuf(struct MHD_Connection *c, const char *type, struct http_sbuf *b)
{
	if (b->err) {
		free(b->p);
		return MHD_NO;
	}
	return reply(c, MHD_HTTP_OK, type, b->p, b->len);
}

/* ---------------------------------------------------------------- /status */

/* Adds v under key; on any failure (NULL o or v, no memory) sets *err. Steals v. */
static void jset(json_t *o, const char *key, json_t *v, bool *err)
{
	if (json_object_set_new(o, key, v))
		*err = true;
}

static json_t *json_u64(uint64_t v) { return json_integer((json_int_t)v); }

static json_t *status_totals(const struct root_totals *t, bool *err)
{
	json_t *o = json_object(), *dropped = json_object(), *verbs = json_array(), *limited = json_object();
	jset(o, "rxPackets", json_u64(t->rx_packets), err);
	jset(o, "rxBytes", json_u64(t->rx_bytes), err);
	jset(o, "txPackets", json_u64(t->tx_packets), err);
	jset(o, "txBytes", json_u64(t->tx_bytes), err);
	jset(o, "relayedPackets", json_u64(t->relayed_packets), err);
	jset(o, "relayedBytes", json_u64(t->relayed_bytes), err);
	jset(o, "droppedPackets", json_u64(t->dropped_total), err);
	jset(o, "droppedBytes", json_u64(t->dropped_bytes), err);
	for (int i = 0; i < ROOT_DROP_MAX; i++)
		jset(dropped, root_drop_reason_name((enum root_drop_reason)i), json_u64(t->dropped[i]), err);
	jset(o, "dropped", dropped, err);
	for (int v = 0; v < ROOT_VERBS; v++)
		if (json_array_append_new(verbs, json_u64(t->verbs[v])))
			*err = true;
	jset(o, "verbs", verbs, err);
	jset(limited, "validation", json_u64(t->limited[ROOT_LIMIT_VALIDATION]), err);
	jset(limited, "reply", json_u64(t->limited[ROOT_LIMIT_REPLY]), err);
	jset(o, "rateLimited", limited, err);
	jset(o, "validationsOk", json_u64(t->validations_ok), err);
	jset(o, "validationsFailed", json_u64(t->validations_failed), err);
	jset(o, "rendezvousSent", json_u64(t->rendezvous_sent), err);
	jset(o, "replies", json_u64(t->replies), err);
	jset(o, "kernelDrops", json_u64(t->kernel_drops), err);
	return o;
}

static json_t *status_rates(const struct root_rates *s, bool full, bool *err)
{
	json_t *o = json_object();
	jset(o, "t", json_integer(s->t), err);
	jset(o, "rxPps", json_real(s->rx_pps), err);
	jset(o, "txPps", json_real(s->tx_pps), err);
	jset(o, "relayedPps", json_real(s->relayed_pps), err);
	jset(o, "droppedPps", json_real(s->dropped_pps), err);
	if (full) {
		jset(o, "rxMiBps", json_real(s->rx_mibps), err);
		jset(o, "txMiBps", json_real(s->tx_mibps), err);
		jset(o, "relayedMiBps", json_real(s->relayed_mibps), err);
		jset(o, "droppedMiBps", json_real(s->dropped_mibps), err);
		jset(o, "peersOnline", json_u64(s->peers_online), err);
	}
	return o;
}

/* The /status document (NULL if out of memory). The HTML page embeds the same document. */
static json_t *status_json(struct root *r, const struct http_snapshot *s)
{
	bool err = false;
	json_t *o = json_object(), *peers = json_object(), *eps = json_array(), *hist = json_array();
	char ep[ZT_INETADDR_STRING_MAX];

	jset(o, "address", json_string(s->address), &err);
	jset(o, "identity", json_string(r->id_public), &err);
	jset(o, "version", json_string(PACKAGE_VERSION), &err);
	jset(o, "uptimeMs", json_integer(s->now - r->start_time), &err);
	jset(o, "now", json_integer(s->now), &err);
	for (int i = 0; i < r->nendpoints; i++)
		if (json_array_append_new(eps, json_string(zt_inetaddr_format(&r->endpoints[i].addr, ep, sizeof ep))))
			err = true;
	jset(o, "endpoints", eps, &err);
	jset(peers, "cached", json_u64(s->cached), &err);
	jset(peers, "online", json_u64(s->online), &err);
	jset(peers, "stored", json_u64(s->stored), &err);
	jset(o, "peers", peers, &err);
	jset(o, "lmdbBytes", json_u64(s->lmdb_bytes), &err);
	jset(o, "validationBacklog", json_u64(s->validation_backlog), &err);
	if (s->have_planet)
		jset(o, "planet",
		     json_pack("{s:I, s:I, s:i}", "id", (json_int_t)s->planet_id, "timestamp", (json_int_t)s->planet_ts,
			       "roots", s->planet_roots),
		     &err);
	else
		jset(o, "planet", json_null(), &err);
	jset(o, "rates", status_rates(&s->rates, true, &err), &err);
	jset(o, "totals", status_totals(&s->t, &err), &err);

	struct root_rates *samples = malloc(ROOT_HISTORY * sizeof *samples);
	int n = samples ? root_history_get(&r->history, samples, ROOT_HISTORY) : 0;
	if (!samples)
		err = true;
	for (int i = 0; i < n; i++)
		if (json_array_append_new(hist, status_rates(&samples[i], false, &err)))
			err = true;
	free(samples);
	jset(o, "history", hist, &err);

	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static enum MHD_Result serve_status(struct root *r, struct MHD_Connection *c)
{
	struct http_snapshot s;
	snapshot_take(r, &s);
	return reply_json(c, MHD_HTTP_OK, status_json(r, &s), JSON_COMPACT);
}

/* ---------------------------------------------------------------- /health */

static enum MHD_Result serve_health(struct root *r, struct MHD_Connection *c)
{
	bool stopping = atomic_load(&r->stop);
	bool running = r->workers && r->nworkers > 0 && !stopping;
	json_t *doc = json_pack("{s:b, s:i, s:I}", "ok", running, "workers", r->workers ? r->nworkers : 0,
				"uptimeMs", (json_int_t)(root_now() - r->start_time));
	if (doc && !running)
		json_object_set_new(doc, "reason", json_string(stopping ? "stopping" : "no workers"));
	return reply_json(c, running ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, doc, JSON_COMPACT);
}

/* ---------------------------------------------------------------- /peer */

static json_t *peer_path_json(const struct root_path *p, bool preferred, int64_t now)
{
	struct zt_inetaddr a;
	char text[ZT_INETADDR_STRING_MAX];
	if (p->family == ZT_INETADDR_V4)
		zt_inetaddr_set_v4(&a, p->ip, p->port);
	else
		zt_inetaddr_set_v6(&a, p->ip, p->port);
	bool expired = now - p->last_rx > ZT_PEER_PATH_EXPIRATION;
	/* We do not track sends per path; like the standalone root, lastSend repeats lastReceive. */
	return json_pack("{s:b, s:s, s:b, s:I, s:I, s:b, s:i}", "active", !expired, "address",
			 zt_inetaddr_format(&a, text, sizeof text), "expired", expired, "lastReceive",
			 (json_int_t)p->last_rx, "lastSend", (json_int_t)p->last_rx, "preferred", preferred,
			 "trustedPathId", 0);
}

/* One element of the 1.x /peer array (roots.md §2.7); never any key material. */
static json_t *peer_json(const struct root_peer *p, int64_t now)
{
	char address[11], version[24];
	json_t *paths = json_array();
	bool has_v4 = p->v4.family == ZT_INETADDR_V4, has_v6 = p->v6.family == ZT_INETADDR_V6;
	if (has_v4)
		json_array_append_new(paths, peer_path_json(&p->v4, true, now));
	if (has_v6)
		json_array_append_new(paths, peer_path_json(&p->v6, !has_v4, now));
	if (json_array_size(paths) != (size_t)has_v4 + (size_t)has_v6) {
		json_decref(paths);
		return NULL;
	}
	bool known = p->proto != 0;
	int major = known ? p->vmajor : -1, minor = known ? p->vminor : -1, rev = known ? p->vrev : -1;
	snprintf(version, sizeof version, "%d.%d.%d", major, minor, rev);
	zt_address_format(address, p->address);
	return json_pack("{s:s, s:i, s:o, s:s, s:s, s:i, s:i, s:i}", "address", address, "latency", -1, "paths",
			 paths, "role", "LEAF", "version", version, "versionMajor", major, "versionMinor", minor,
			 "versionRev", rev);
}

struct peer_list {
	uint64_t *addrs;
	size_t n, cap;
	uint64_t total; /* peers seen, including those beyond ROOT_HTTP_PEER_LIMIT */
	bool err;
};

static bool peer_list_add(const struct root_peer *p, void *arg)
{
	struct peer_list *l = arg;
	l->total++;
	if (l->n == ROOT_HTTP_PEER_LIMIT || l->err)
		return true; /* keep counting */
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 1024;
		uint64_t *a = realloc(l->addrs, cap * sizeof *a);
		if (!a) {
			l->err = true;
			return false;
		}
		l->addrs = a;
		l->cap = cap;
	}
	l->addrs[l->n++] = p->address;
	return true;
}

/* The state of one /peer response while MHD pulls it. */
struct peer_stream {
	struct root *r;
	struct peer_list list;
	size_t next;          /* next address to render */
	int64_t now;
	struct http_sbuf out; /* rendered, not yet handed to MHD */
	size_t out_pos;
	bool opened, closed, first;
};

/* Renders the next piece of the document into ps->out. Returns false when there is nothing left. */
static bool peer_stream_fill(struct peer_stream *ps)
{
	if (ps->closed)
		return false;
	if (!ps->opened) {
		http_sbuf_puts(&ps->out, "[");
		ps->opened = true;
	}
	while (ps->next < ps->list.n && ps->out.len < HTTP_PEER_CHUNK && !ps->out.err) {
		struct root_peer p;
		if (!root_cache_get(&ps->r->cache, ps->list.addrs[ps->next++], &p))
			continue; /* expired since the snapshot */
		json_t *doc = peer_json(&p, ps->now);
		zt_wipe(p.key, sizeof p.key); /* the copy carried the session key; only public fields are used */
		char *s = doc ? json_dumps(doc, JSON_COMPACT | JSON_ESCAPE_SLASH | JSON_SORT_KEYS) : NULL;
		json_decref(doc);
		if (!s) {
			ps->out.err = true;
			break;
		}
		if (!ps->first)
			http_sbuf_puts(&ps->out, ",");
		ps->first = false;
		http_sbuf_puts(&ps->out, s);
		free(s);
	}
	if (ps->next == ps->list.n) {
		http_sbuf_puts(&ps->out, "]\n");
		ps->closed = true;
	}
	return true;
}

static ssize_t peer_stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct peer_stream *ps = cls;
	size_t n = 0;
	while (n < max) {
		if (ps->out_pos < ps->out.len) {
			size_t k = ps->out.len - ps->out_pos;
			if (k > max - n)
				k = max - n;
			memcpy(buf + n, ps->out.p + ps->out_pos, k);
			ps->out_pos += k;
			n += k;
			continue;
		}
		ps->out.len = 0;
		ps->out_pos = 0;
		if (!peer_stream_fill(ps) || ps->out.err)
			break;
	}
	if (ps->out.err)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	return n ? (ssize_t)n : MHD_CONTENT_READER_END_OF_STREAM;
}

static void peer_stream_free(void *cls)
{
	struct peer_stream *ps = cls;
	free(ps->list.addrs);
	free(ps->out.p);
	free(ps);
}

static enum MHD_Result serve_peer(struct root *r, struct MHD_Connection *c)
{
	struct peer_stream *ps = calloc(1, sizeof *ps);
	if (!ps)
		return MHD_NO;
	ps->r = r;
	ps->now = root_now();
	ps->first = true;
	root_cache_foreach(&r->cache, peer_list_add, &ps->list);
	if (ps->list.err) {
		peer_stream_free(ps);
		return MHD_NO;
	}
	struct MHD_Response *resp =
		MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, HTTP_PEER_BLOCK, peer_stream_read, ps, peer_stream_free);
	if (!resp) {
		peer_stream_free(ps);
		return MHD_NO;
	}
	char num[24];
	snprintf(num, sizeof num, "%" PRIu64, ps->list.total);
	MHD_add_response_header(resp, "X-Peers-Total", num);
	MHD_add_response_header(resp, "X-Peers-Truncated", ps->list.total > ps->list.n ? "true" : "false");
	return queue(c, MHD_HTTP_OK, HTTP_JSON, resp);
}

/* ---------------------------------------------------------------- /metrics */

static void prom_family(struct http_sbuf *b, const char *name, const char *type, const char *help)
{
	http_sbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One sample; label may be NULL. Every sample carries root_id, as the historic gauges did. */
static void prom_u64(struct http_sbuf *b, const struct http_snapshot *s, const char *name, const char *label,
		     const char *value, uint64_t v)
{
	if (label)
		http_sbuf_printf(b, "%s{root_id=\"%s\",%s=\"%s\"} %" PRIu64 "\n", name, s->address, label, value, v);
	else
		http_sbuf_printf(b, "%s{root_id=\"%s\"} %" PRIu64 "\n", name, s->address, v);
}

/* In the order of the rates array in serve_metrics. */
static const struct {
	const char *name, *help;
} historic_rates[] = {
	{ "root_input_rate", "Input rate MiB/s" },
	{ "root_output_rate", "Output rate MiB/s" },
	{ "root_forwarded_rate", "Forwarded packet rate MiB/s" },
	{ "root_discarded_rate", "Discarded forwards MiB/s" },
};

static const struct {
	const char *name, *help;
	size_t offset; /* of a uint64_t in struct root_totals */
} plain_counters[] = {
	{ "root_packets_received_total", "UDP datagrams received.", offsetof(struct root_totals, rx_packets) },
	{ "root_packets_sent_total", "UDP datagrams sent.", offsetof(struct root_totals, tx_packets) },
	{ "root_bytes_received_total", "UDP payload bytes received.", offsetof(struct root_totals, rx_bytes) },
	{ "root_bytes_sent_total", "UDP payload bytes sent.", offsetof(struct root_totals, tx_bytes) },
	{ "root_relayed_packets_total", "Packets and fragments relayed to another peer.",
	  offsetof(struct root_totals, relayed_packets) },
	{ "root_relayed_bytes_total", "Bytes relayed to another peer.", offsetof(struct root_totals, relayed_bytes) },
	{ "root_discarded_bytes_total", "Bytes of relay candidates that were dropped.",
	  offsetof(struct root_totals, dropped_bytes) },
	{ "root_rendezvous_sent_total", "RENDEZVOUS messages sent to introduce peers.",
	  offsetof(struct root_totals, rendezvous_sent) },
	{ "root_replies_sent_total", "OK, ERROR and HELLO packets originated by the root.",
	  offsetof(struct root_totals, replies) },
	{ "root_kernel_receive_drops_total", "Datagrams the kernel dropped because a receive queue was full.",
	  offsetof(struct root_totals, kernel_drops) },
};

static enum MHD_Result serve_metrics(struct root *r, struct MHD_Connection *c)
{
	struct http_snapshot s;
	struct http_sbuf b = { 0 };
	snapshot_take(r, &s);

	/* The standalone root's five gauges, names, HELP texts and 5 significant digits unchanged. */
	const double rates[] = { s.rates.rx_mibps, s.rates.tx_mibps, s.rates.relayed_mibps, s.rates.dropped_mibps };
	prom_family(&b, "root_peers_online", "gauge", "Number of active peers online");
	prom_u64(&b, &s, "root_peers_online", NULL, NULL, s.online);
	for (size_t i = 0; i < sizeof historic_rates / sizeof historic_rates[0]; i++) {
		prom_family(&b, historic_rates[i].name, "gauge", historic_rates[i].help);
		http_sbuf_printf(&b, "%s{root_id=\"%s\"} %.5g\n", historic_rates[i].name, s.address, rates[i]);
	}

	for (size_t i = 0; i < sizeof plain_counters / sizeof plain_counters[0]; i++) {
		uint64_t v;
		memcpy(&v, (const char *)&s.t + plain_counters[i].offset, sizeof v);
		prom_family(&b, plain_counters[i].name, "counter", plain_counters[i].help);
		prom_u64(&b, &s, plain_counters[i].name, NULL, NULL, v);
	}

	prom_family(&b, "root_packets_by_verb_total", "counter", "Authenticated packets addressed to the root, by verb.");
	for (int v = 0; v < ROOT_VERBS; v++) {
		char unknown[16];
		const char *name = verb_names[v];
		if (!name) {
			if (!s.t.verbs[v])
				continue;
			snprintf(unknown, sizeof unknown, "0x%02x", (unsigned)v);
			name = unknown;
		}
		prom_u64(&b, &s, "root_packets_by_verb_total", "verb", name, s.t.verbs[v]);
	}

	prom_family(&b, "root_dropped_packets_total", "counter", "Packets dropped, by reason.");
	for (int i = 0; i < ROOT_DROP_MAX; i++)
		prom_u64(&b, &s, "root_dropped_packets_total", "reason", root_drop_reason_name((enum root_drop_reason)i),
			 s.t.dropped[i]);

	prom_family(&b, "root_rate_limited_total", "counter", "Requests refused by a rate limit, by kind.");
	prom_u64(&b, &s, "root_rate_limited_total", "kind", "validation", s.t.limited[ROOT_LIMIT_VALIDATION]);
	prom_u64(&b, &s, "root_rate_limited_total", "kind", "reply", s.t.limited[ROOT_LIMIT_REPLY]);

	prom_family(&b, "root_identity_validations_total", "counter", "Identity validations, by result.");
	prom_u64(&b, &s, "root_identity_validations_total", "result", "ok", s.t.validations_ok);
	prom_u64(&b, &s, "root_identity_validations_total", "result", "failed", s.t.validations_failed);

	prom_family(&b, "root_peers_cached", "gauge", "Peers in the in-memory directory.");
	prom_u64(&b, &s, "root_peers_cached", NULL, NULL, s.cached);
	prom_family(&b, "root_peers_stored", "gauge", "Peers in the LMDB store.");
	prom_u64(&b, &s, "root_peers_stored", NULL, NULL, s.stored);
	prom_family(&b, "root_lmdb_bytes", "gauge", "Bytes of the LMDB database in use.");
	prom_u64(&b, &s, "root_lmdb_bytes", NULL, NULL, s.lmdb_bytes);
	prom_family(&b, "root_validation_backlog", "gauge", "HELLOs of new nodes waiting for identity validation.");
	prom_u64(&b, &s, "root_validation_backlog", NULL, NULL, s.validation_backlog);
	prom_family(&b, "root_uptime_seconds", "gauge", "Seconds since the root started.");
	prom_u64(&b, &s, "root_uptime_seconds", NULL, NULL,
		 s.now > r->start_time ? (uint64_t)(s.now - r->start_time) / 1000 : 0);
	return reply_sbuf(c, HTTP_PROMETHEUS, &b);
}

/* ---------------------------------------------------------------- / (the status page, http_page.c) */

static enum MHD_Result serve_page(struct root *r, struct MHD_Connection *c)
{
	struct http_snapshot s;
	struct http_sbuf b = { 0 };
	snapshot_take(r, &s);

	/* JSON_ESCAPE_SLASH turns every "</" into "<\/", so the document cannot end the <script>. */
	json_t *doc = status_json(r, &s);
	char *init = doc ? json_dumps(doc, JSON_COMPACT | JSON_ESCAPE_SLASH) : NULL;
	json_decref(doc);
	if (!init)
		return MHD_NO;
	http_page_render(&b, r, &s, init);
	free(init);
	if (b.err) {
		free(b.p);
		return MHD_NO;
	}
	struct MHD_Response *resp = MHD_create_response_from_buffer(b.len, b.p, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(b.p);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Security-Policy", HTTP_PAGE_CSP);
	return queue(c, MHD_HTTP_OK, HTTP_HTML, resp);
}

/* ---------------------------------------------------------------- dispatch */

static const struct {
	const char *path;
	enum MHD_Result (*serve)(struct root *r, struct MHD_Connection *c);
} routes[] = {
	{ "/", serve_page },
	{ "/status", serve_status },
	{ "/peer", serve_peer },
	{ "/metrics", serve_metrics },
	{ "/health", serve_health },
};

static enum MHD_Result http_handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				   const char *version, const char *upload_data, size_t *upload_data_size,
				   void **req_cls)
{
	struct root *r = cls;
	/* Refused at once: answering before the body is read makes MHD drop the body and the connection. */
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed");
	/* GET and HEAD are answered once the whole request is in, so the connection can be kept alive. */
	if (!*req_cls) {
		*req_cls = r;
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0; /* a body on GET means nothing: discard it */
		return MHD_YES;
	}
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
		if (!strcmp(url, routes[i].path))
			return routes[i].serve(r, c);
	return reply_error(c, MHD_HTTP_NOT_FOUND, "not found");
}

__attribute__((format(printf, 2, 0))) static void http_log(void *cls, const char *fmt, va_list ap)
{
	char line[256];
	vsnprintf(line, sizeof line, fmt, ap);
	size_t n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	log_warnx("http: %s", line);
}

/* ---------------------------------------------------------------- start / stop */

zt_err root_http_start(struct root *r)
{
	struct zt_inetaddr a;
	struct sockaddr_storage ss;
	socklen_t sslen = 0;
	char where[ZT_INETADDR_STRING_MAX];
	const int one = 1;
	int fd = -1;
	zt_err e = ZT_OK;

	if (!r->cfg.http[0] || r->http)
		return ZT_OK;
	if (zt_inetaddr_parse(&a, r->cfg.http) != ZT_OK || !(sslen = zt_inetaddr_to_sockaddr(&a, &ss))) {
		log_error("http: unable to parse listen address `%s'", r->cfg.http);
		return ZT_ECONFIG;
	}
	zt_inetaddr_format(&a, where, sizeof where);

	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (fd < 0) {
		e = -errno;
		log_warn("http: socket for %s", where);
		goto out;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
	    (ss.ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one))) {
		e = -errno;
		log_warn("http: setsockopt on %s", where);
		goto out;
	}
	if (bind(fd, (const struct sockaddr *)&ss, sslen) || listen(fd, ROOT_HTTP_BACKLOG)) {
		e = -errno;
		log_warn("http: unable to listen on %s", where);
		goto out;
	}

	struct MHD_Daemon *d = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG, 0, NULL, NULL, http_handle, r,
		MHD_OPTION_EXTERNAL_LOGGER, http_log, NULL,
		MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)ROOT_HTTP_CONNECTION_LIMIT,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)ROOT_HTTP_PER_IP_LIMIT,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)ROOT_HTTP_TIMEOUT_S,
		MHD_OPTION_END);
	fd = -1; /* libmicrohttpd closes the socket, whether it started or not */
	if (!d) {
		e = ZT_EHTTP;
		log_error("http: libmicrohttpd failed to start on %s", where);
		goto out;
	}
	r->http = d;
	a.port = root_http_port(r); /* the one bound when cfg.http asked for port 0 */
	log_info("http: listening on %s", zt_inetaddr_format(&a, where, sizeof where));
out:
	if (fd >= 0)
		close(fd);
	return e;
}

void root_http_stop(struct root *r)
{
	if (!r->http)
		return;
	MHD_stop_daemon(r->http);
	r->http = NULL;
}

uint16_t root_http_port(struct root *r)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	if (!r->http)
		return 0;
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(r->http, MHD_DAEMON_INFO_LISTEN_FD);
	if (!info || getsockname(info->listen_fd, (struct sockaddr *)&ss, &len))
		return 0;
	struct zt_inetaddr a;
	if (zt_inetaddr_from_sockaddr(&a, (const struct sockaddr *)&ss, len) != ZT_OK)
		return 0;
	return a.port;
}
