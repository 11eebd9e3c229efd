/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The monitoring HTTP server. libmicrohttpd runs one internal polling thread; every handler takes
 * a snapshot (counter sums, cache and store sizes, the rate history) and renders it, so nothing of
 * the packet path stays locked while a response is written. /peer streams: it snapshots only the
 * peer addresses (8 bytes each) and looks every peer up again as the client reads, so a
 * million-peer list neither holds a cache shard locked nor needs the whole document in memory.
 * This file is the one place libmicrohttpd errors become zt_err.
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
/* What the page's CSP allows: its own inline style and script, and fetches of /status. */
#define HTTP_PAGE_CSP                                                                                        \
	"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'; "    \
	"img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

/* ---------------------------------------------------------------- a growable text buffer */

/* Sticky error: once an allocation fails, every later append is a no-op and err stays set. */
struct sbuf {
	char *p;
	size_t len, cap;
	bool err;
};

static void sbuf_add(struct sbuf *b, const char *s, size_t n)
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

static void sbuf_puts(struct sbuf *b, const char *s) { sbuf_add(b, s, strlen(s)); }

__attribute__((format(printf, 2, 3))) static void sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
	char small[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->err = true;
	} else if ((size_t)n < sizeof small) {
		sbuf_add(b, small, (size_t)n);
	} else {
		char *big = malloc((size_t)n + 1);
		if (!big) {
			b->err = true;
			return;
		}
		va_start(ap, fmt);
		vsnprintf(big, (size_t)n + 1, fmt, ap);
		va_end(ap);
		sbuf_add(b, big, (size_t)n);
		free(big);
	}
}

/* Appends s with the five HTML metacharacters escaped (safe in text and in quoted attributes). */
static void sbuf_html(struct sbuf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': sbuf_puts(b, "&amp;"); break;
		case '<': sbuf_puts(b, "&lt;"); break;
		case '>': sbuf_puts(b, "&gt;"); break;
		case '"': sbuf_puts(b, "&quot;"); break;
		case '\'': sbuf_puts(b, "&#39;"); break;
		default: sbuf_add(b, s, 1);
		}
	}
}

/* ---------------------------------------------------------------- snapshot of the root */

struct snapshot {
	int64_t now;
	char address[11];
	struct root_totals t;
	struct root_rates rates;   /* the latest sample (zero if none yet) */
	uint64_t cached, online, stored, lmdb_bytes;
	bool have_planet;
	uint64_t planet_id, planet_ts;
	int planet_roots;
};

static void snapshot_take(struct root *r, struct snapshot *s)
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

static enum MHD_Result reply_sbuf(struct MHD_Connection *c, const char *type, struct sbuf *b)
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
static json_t *status_json(struct root *r, const struct snapshot *s)
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
	struct snapshot s;
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
	size_t next;        /* next address to render */
	int64_t now;
	struct sbuf out;    /* rendered, not yet handed to MHD */
	size_t out_pos;
	bool opened, closed, first;
};

/* Renders the next piece of the document into ps->out. Returns false when there is nothing left. */
static bool peer_stream_fill(struct peer_stream *ps)
{
	if (ps->closed)
		return false;
	if (!ps->opened) {
		sbuf_puts(&ps->out, "[");
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
			sbuf_puts(&ps->out, ",");
		ps->first = false;
		sbuf_puts(&ps->out, s);
		free(s);
	}
	if (ps->next == ps->list.n) {
		sbuf_puts(&ps->out, "]\n");
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

static void prom_family(struct sbuf *b, const char *name, const char *type, const char *help)
{
	sbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One sample; label may be NULL. Every sample carries root_id, as the historic gauges did. */
static void prom_u64(struct sbuf *b, const struct snapshot *s, const char *name, const char *label,
		     const char *value, uint64_t v)
{
	if (label)
		sbuf_printf(b, "%s{root_id=\"%s\",%s=\"%s\"} %" PRIu64 "\n", name, s->address, label, value, v);
	else
		sbuf_printf(b, "%s{root_id=\"%s\"} %" PRIu64 "\n", name, s->address, v);
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
	struct snapshot s;
	struct sbuf b = { 0 };
	snapshot_take(r, &s);

	/* The standalone root's five gauges, names, HELP texts and 5 significant digits unchanged. */
	const double rates[] = { s.rates.rx_mibps, s.rates.tx_mibps, s.rates.relayed_mibps, s.rates.dropped_mibps };
	prom_family(&b, "root_peers_online", "gauge", "Number of active peers online");
	prom_u64(&b, &s, "root_peers_online", NULL, NULL, s.online);
	for (size_t i = 0; i < sizeof historic_rates / sizeof historic_rates[0]; i++) {
		prom_family(&b, historic_rates[i].name, "gauge", historic_rates[i].help);
		sbuf_printf(&b, "%s{root_id=\"%s\"} %.5g\n", historic_rates[i].name, s.address, rates[i]);
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
	prom_family(&b, "root_uptime_seconds", "gauge", "Seconds since the root started.");
	prom_u64(&b, &s, "root_uptime_seconds", NULL, NULL,
		 s.now > r->start_time ? (uint64_t)(s.now - r->start_time) / 1000 : 0);
	return reply_sbuf(c, HTTP_PROMETHEUS, &b);
}

/* ---------------------------------------------------------------- / (the status page) */

static const char page_style[] =
	"<style>\n"
	":root{--fg:#1d2329;--mute:#68737d;--bg:#f6f7f9;--card:#fff;--line:#dde1e6;"
	"--rx:#2b7bb9;--tx:#3aa55d;--relayed:#e08a1e;--dropped:#d64541}\n"
	"@media (prefers-color-scheme:dark){:root{--fg:#e4e7ea;--mute:#9aa4ad;--bg:#15191d;--card:#1f252b;"
	"--line:#343c44}}\n"
	"*{box-sizing:border-box}body{margin:0;padding:24px;font:14px/1.45 system-ui,-apple-system,'Segoe UI',"
	"sans-serif;color:var(--fg);background:var(--bg)}\n"
	"h1{font-size:20px;margin:0}h2{font-size:14px;margin:0 0 8px;color:var(--mute);font-weight:600}\n"
	".mono{font-family:ui-monospace,'DejaVu Sans Mono',Menlo,monospace}.sub{color:var(--mute);margin:4px 0 16px}\n"
	".cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px;margin-bottom:16px}\n"
	".card,.panel{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 12px}\n"
	".card span{display:block;color:var(--mute);font-size:12px}.card b{font-size:22px;font-weight:600}\n"
	".panel{margin-bottom:16px}.chart{position:relative;height:200px;margin-left:56px}\n"
	".chart svg{position:absolute;inset:0;width:100%;height:100%;overflow:visible}\n"
	".chart line{stroke:var(--line)}.chart polyline{fill:none;stroke-width:1.8;stroke-linejoin:round}\n"
	".ylab{position:absolute;left:-56px;width:50px;text-align:right;font-size:11px;color:var(--mute)}\n"
	".xlab{display:flex;justify-content:space-between;margin-left:56px;font-size:11px;color:var(--mute)}\n"
	".legend{display:flex;gap:16px;flex-wrap:wrap;margin-top:6px;font-size:12px}\n"
	".legend i{display:inline-block;width:12px;height:3px;margin-right:5px;vertical-align:middle}\n"
	".two{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:16px}\n"
	"table{border-collapse:collapse;width:100%}td,th{padding:3px 6px;border-bottom:1px solid var(--line);"
	"text-align:left}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}tr.zero{color:var(--mute)}\n"
	"dl{margin:0;display:grid;grid-template-columns:max-content 1fr;gap:4px 12px}dt{color:var(--mute)}"
	"dd{margin:0;overflow-wrap:anywhere}\n"
	"footer{color:var(--mute);font-size:12px}a{color:var(--rx)}\n"
	"</style>\n";

/* Renders everything from the embedded /status document, then from /status once a second. */
static const char page_script[] =
	"<script>\n"
	"(function(){'use strict';\n"
	"var W=600,H=200,SPAN=300000,S=[['rxPps','rx'],['txPps','tx'],['relayedPps','relayed'],"
	"['droppedPps','dropped']];\n"
	"function $(id){return document.getElementById(id);}\n"
	"function num(n){return Number(n).toLocaleString('en-US');}\n"
	"function rate(x){return x>=100?x.toFixed(0):x.toFixed(1);}\n"
	"function bytes(b){var u=['B','KiB','MiB','GiB','TiB'],i=0;while(b>=1024&&i<u.length-1){b/=1024;i++;}"
	"return (i?b.toFixed(1):b)+' '+u[i];}\n"
	"function uptime(ms){var s=Math.floor(ms/1000),d=Math.floor(s/86400),h=Math.floor(s%86400/3600),"
	"m=Math.floor(s%3600/60);return (d?d+'d ':'')+(d||h?h+'h ':'')+(d||h||m?m+'m ':'')+(s%60)+'s';}\n"
	"function nice(v){if(v<=1)return 1;var p=Math.pow(10,Math.floor(Math.log10(v))),f=v/p;"
	"return (f<=1?1:f<=2?2:f<=5?5:10)*p;}\n"
	"function chart(st){var h=st.history||[],max=0;h.forEach(function(s){S.forEach(function(k){"
	"if(s[k[0]]>max)max=s[k[0]];});});var top=nice(max);\n"
	" S.forEach(function(k){var p=[];h.forEach(function(s){var x=W-(st.now-s.t)/SPAN*W;if(x<0)return;"
	"p.push(x.toFixed(1)+','+(H-s[k[0]]/top*H).toFixed(1));});$('l-'+k[1]).setAttribute('points',p.join(' '));});\n"
	" $('y4').textContent=rate(top);$('y2').textContent=rate(top/2);}\n"
	"function drops(st){var tb=$('drops'),d=st.totals.dropped;while(tb.firstChild)tb.removeChild(tb.firstChild);\n"
	" Object.keys(d).forEach(function(k){var tr=document.createElement('tr'),a=document.createElement('td'),"
	"b=document.createElement('td');a.textContent=k;b.textContent=num(d[k]);b.className='num';"
	"if(!d[k])tr.className='zero';tr.appendChild(a);tr.appendChild(b);tb.appendChild(tr);});}\n"
	"function show(st){$('uptime').textContent=uptime(st.uptimeMs);$('online').textContent=num(st.peers.online);\n"
	" $('cached').textContent=num(st.peers.cached);$('stored').textContent=num(st.peers.stored);\n"
	" $('lmdb').textContent=bytes(st.lmdbBytes);$('rx').textContent=rate(st.rates.rxPps);\n"
	" $('tx').textContent=rate(st.rates.txPps);$('relayed').textContent=rate(st.rates.relayedPps);\n"
	" $('dropped').textContent=rate(st.rates.droppedPps);$('dtotal').textContent=num(st.totals.droppedPackets);\n"
	" if(st.planet)$('pts').textContent=st.planet.timestamp+' ('+new Date(st.planet.timestamp).toISOString()+')';\n"
	" chart(st);drops(st);$('updated').textContent=new Date(st.now).toLocaleTimeString();}\n"
	"function tick(){fetch('status',{cache:'no-store'}).then(function(r){if(!r.ok)throw new Error(r.status);"
	"return r.json();}).then(function(st){show(st);$('state').textContent='live';})"
	".catch(function(){$('state').textContent='not reachable';}).then(function(){setTimeout(tick,1000);});}\n"
	"show(JSON.parse($('init').textContent));setTimeout(tick,1000);\n"
	"})();\n"
	"</script>\n";

static void page_card(struct sbuf *b, const char *id, const char *label, const char *value)
{
	sbuf_printf(b, "<div class=\"card\"><span>%s</span><b id=\"%s\">%s</b></div>\n", label, id, value);
}

static void page_rate_card(struct sbuf *b, const char *id, const char *label, double v)
{
	char text[32];
	snprintf(text, sizeof text, "%.1f", v);
	page_card(b, id, label, text);
}

static enum MHD_Result serve_page(struct root *r, struct MHD_Connection *c)
{
	struct snapshot s;
	struct sbuf b = { 0 };
	char text[64], ep[ZT_INETADDR_STRING_MAX];
	snapshot_take(r, &s);

	/* JSON_ESCAPE_SLASH turns every "</" into "<\/", so the document cannot end the <script>. */
	json_t *doc = status_json(r, &s);
	char *init = doc ? json_dumps(doc, JSON_COMPACT | JSON_ESCAPE_SLASH) : NULL;
	json_decref(doc);
	if (!init)
		return MHD_NO;

	sbuf_puts(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
		      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n<title>ZeroTier root ");
	sbuf_html(&b, s.address);
	sbuf_puts(&b, "</title>\n");
	sbuf_puts(&b, page_style);
	sbuf_puts(&b, "</head><body>\n<h1>ZeroTier root <span class=\"mono\">");
	sbuf_html(&b, s.address);
	sbuf_puts(&b, "</span></h1>\n<div class=\"sub\">zerotier-root ");
	sbuf_html(&b, PACKAGE_VERSION);
	snprintf(text, sizeof text, "%" PRId64 " s", (s.now - r->start_time) / 1000);
	sbuf_printf(&b, " &middot; up <span id=\"uptime\">%s</span> &middot; <span id=\"state\">snapshot</span> "
			"<span id=\"updated\"></span></div>\n<div class=\"cards\">\n", text);

	snprintf(text, sizeof text, "%" PRIu64, s.online);
	page_card(&b, "online", "Peers online", text);
	snprintf(text, sizeof text, "%" PRIu64, s.cached);
	page_card(&b, "cached", "Peers cached", text);
	snprintf(text, sizeof text, "%" PRIu64, s.stored);
	page_card(&b, "stored", "Peers in LMDB", text);
	snprintf(text, sizeof text, "%" PRIu64 " B", s.lmdb_bytes);
	page_card(&b, "lmdb", "LMDB size", text);
	page_rate_card(&b, "rx", "In, packets/s", s.rates.rx_pps);
	page_rate_card(&b, "tx", "Out, packets/s", s.rates.tx_pps);
	page_rate_card(&b, "relayed", "Relayed, packets/s", s.rates.relayed_pps);
	page_rate_card(&b, "dropped", "Dropped, packets/s", s.rates.dropped_pps);

	sbuf_puts(&b, "</div>\n<div class=\"panel\"><h2>Packets per second, last 5 minutes</h2>\n"
		      "<div class=\"chart\"><div class=\"ylab\" style=\"top:-7px\" id=\"y4\">1</div>"
		      "<div class=\"ylab\" style=\"top:93px\" id=\"y2\">0.5</div>"
		      "<div class=\"ylab\" style=\"top:193px\">0</div>\n"
		      "<svg viewBox=\"0 0 600 200\" preserveAspectRatio=\"none\" role=\"img\" "
		      "aria-label=\"packets per second\">\n");
	for (int i = 0; i <= 4; i++)
		sbuf_printf(&b, "<line x1=\"0\" x2=\"600\" y1=\"%d\" y2=\"%d\" vector-effect=\"non-scaling-stroke\"/>",
			    i * 50, i * 50);
	static const char *const series[] = { "rx", "tx", "relayed", "dropped" };
	for (size_t i = 0; i < sizeof series / sizeof series[0]; i++)
		sbuf_printf(&b, "\n<polyline id=\"l-%s\" style=\"stroke:var(--%s)\" vector-effect=\"non-scaling-stroke\" "
				"points=\"\"/>", series[i], series[i]);
	sbuf_puts(&b, "\n</svg></div>\n<div class=\"xlab\"><span>-5 min</span><span>-4</span><span>-3</span>"
		      "<span>-2</span><span>-1</span><span>now</span></div>\n<div class=\"legend\">"
		      "<span><i style=\"background:var(--rx)\"></i>in</span>"
		      "<span><i style=\"background:var(--tx)\"></i>out</span>"
		      "<span><i style=\"background:var(--relayed)\"></i>relayed</span>"
		      "<span><i style=\"background:var(--dropped)\"></i>dropped</span></div></div>\n");

	sbuf_printf(&b, "<div class=\"two\">\n<div class=\"panel\"><h2>Drops by reason (total <span id=\"dtotal\">"
			"%" PRIu64 "</span>)</h2>\n<table><thead><tr><th>reason</th><th class=\"num\">packets</th></tr>"
			"</thead><tbody id=\"drops\">\n", s.t.dropped_total);
	for (int i = 0; i < ROOT_DROP_MAX; i++)
		sbuf_printf(&b, "<tr%s><td>%s</td><td class=\"num\">%" PRIu64 "</td></tr>\n",
			    s.t.dropped[i] ? "" : " class=\"zero\"", root_drop_reason_name((enum root_drop_reason)i),
			    s.t.dropped[i]);
	sbuf_puts(&b, "</tbody></table></div>\n<div class=\"panel\"><h2>This root</h2><dl>\n<dt>Address</dt>"
		      "<dd class=\"mono\">");
	sbuf_html(&b, s.address);
	sbuf_puts(&b, "</dd>\n<dt>Identity (public)</dt><dd class=\"mono\">");
	sbuf_html(&b, r->id_public);
	sbuf_puts(&b, "</dd>\n<dt>Endpoints</dt><dd class=\"mono\">");
	for (int i = 0; i < r->nendpoints; i++) {
		sbuf_puts(&b, i ? "<br>" : "");
		sbuf_html(&b, zt_inetaddr_format(&r->endpoints[i].addr, ep, sizeof ep));
	}
	sbuf_puts(&b, r->nendpoints ? "</dd>\n" : "none</dd>\n");
	if (s.have_planet)
		sbuf_printf(&b, "<dt>Planet</dt><dd>id <span class=\"mono\">%" PRIu64 "</span>, %d root%s</dd>\n"
				"<dt>Planet timestamp</dt><dd id=\"pts\">%" PRIu64 "</dd>\n",
			    s.planet_id, s.planet_roots, s.planet_roots == 1 ? "" : "s", s.planet_ts);
	else
		sbuf_puts(&b, "<dt>Planet</dt><dd>none served</dd>\n");
	sbuf_puts(&b, "</dl></div>\n</div>\n<footer>Machine-readable: <a href=\"status\">/status</a> &middot; "
		      "<a href=\"peer\">/peer</a> &middot; <a href=\"metrics\">/metrics</a> &middot; "
		      "<a href=\"health\">/health</a></footer>\n<script type=\"application/json\" id=\"init\">");
	sbuf_puts(&b, init);
	free(init);
	sbuf_puts(&b, "</script>\n");
	sbuf_puts(&b, page_script);
	sbuf_puts(&b, "</body></html>\n");
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
	/* A second call means a request body is arriving after our answer was queued: ignore it. */
	if (*req_cls) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	*req_cls = r;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed");
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
	log_info("http: listening on %s port=%u", where, (unsigned)root_http_port(r));
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
