/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The monitoring HTTP server against real requests: a hand-built root (real identity, cache,
 * LMDB store in a temporary directory, counters, history), the server on an ephemeral loopback
 * port, libcurl as the client. Every document is parsed: JSON with jansson, Prometheus text with
 * the strict parser below.
 */
#include <check.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "common/log.h"
#include "node/hex.h"
#include "node/identity.h"
#include "root/http.h"
#include "root/root.h"

#define MIB 1048576ULL

static struct root R;
static struct root_worker worker;
static char dir[64];
static char secret[ZT_IDENTITY_STRING_MAX]; /* the private-key part of our identity string */
static char address[11];
static int64_t now;

/* Peers: A (v4, 1.14.1, online), B (v4 + v6, version unknown, online), C (v6 only, silent). */
static const uint64_t PEER_A = 0x45de99e693ULL, PEER_B = 0x1122334455ULL, PEER_C = 0x0abcdef012ULL;

static struct root_peer mkpeer(uint64_t a, int64_t last_rx)
{
	struct root_peer p;
	memset(&p, 0, sizeof p);
	p.address = a;
	for (int i = 0; i < 64; i++)
		p.pub[i] = (uint8_t)(0xa0 + i);
	memset(p.key, 0x5c, sizeof p.key);
	p.last_rx = last_rx;
	p.flags = ROOT_PEER_VALIDATED | ROOT_PEER_KEY_VALID;
	return p;
}

static void set_v4(struct root_path *p, const char *ip4, uint16_t port, int64_t t)
{
	p->family = 4;
	memcpy(p->ip, ip4, 4);
	p->port = port;
	p->last_rx = t;
}

static void set_v6(struct root_path *p, const char *ip6, uint16_t port, int64_t t)
{
	p->family = 6;
	memcpy(p->ip, ip6, 16);
	p->port = port;
	p->last_rx = t;
}

/* Fills the counters: worker and misc blocks are summed by the server. */
static void count(uint64_t k)
{
	struct root_counters *w = &worker.counters, *m = &R.misc_counters;
	ROOT_STAT_ADD(w, rx_packets, 500 * k);
	ROOT_STAT_ADD(w, rx_bytes, 2 * MIB * k);
	ROOT_STAT_ADD(w, tx_packets, 300 * k);
	ROOT_STAT_ADD(w, tx_bytes, MIB / 2 * k);
	ROOT_STAT_ADD(w, relayed_packets, 200 * k);
	ROOT_STAT_ADD(w, relayed_bytes, MIB / 4 * k);
	ROOT_STAT_ADD(w, dropped[ROOT_DROP_AUTH], 7 * k);
	ROOT_STAT_ADD(w, dropped[ROOT_DROP_JUNK], 3 * k);
	ROOT_STAT_ADD(w, dropped_bytes, MIB / 8 * k);
	ROOT_STAT_ADD(w, verbs[1], 11 * k); /* HELLO */
	ROOT_STAT_ADD(w, verbs[4], 13 * k); /* WHOIS */
	ROOT_STAT_ADD(w, limited[ROOT_LIMIT_REPLY], 5 * k);
	ROOT_STAT_ADD(w, rendezvous_sent, 17 * k);
	ROOT_STAT_ADD(m, validations_ok, 19 * k);
	ROOT_STAT_ADD(m, validations_failed, 2 * k);
	ROOT_STAT_ADD(m, limited[ROOT_LIMIT_VALIDATION], 23 * k);
	ROOT_STAT_ADD(m, rx_packets, 1 * k); /* proves the misc block is summed */
	atomic_store(&w->kernel_drops, 29 * k);
}

static void build_root(const char *http)
{
	zt_log_init("test", ZT_LOG_ERROR);
	memset(&R, 0, sizeof R);
	memset(&worker, 0, sizeof worker);
	root_config_defaults(&R.cfg);
	snprintf(R.cfg.http, sizeof R.cfg.http, "%s", http);
	now = root_now();
	R.start_time = now - 3723000; /* up 1 h 2 min 3 s */

	ck_assert_int_eq(zt_identity_generate(&R.id), ZT_OK);
	ck_assert_int_gt(zt_identity_to_string(&R.id, false, R.id_public, sizeof R.id_public), 0);
	char full[ZT_IDENTITY_STRING_MAX];
	ck_assert_int_gt(zt_identity_to_string(&R.id, true, full, sizeof full), 0);
	snprintf(secret, sizeof secret, "%s", strrchr(full, ':') + 1);
	ck_assert_uint_eq(strlen(secret), 128);
	zt_address_format(address, R.id.address);

	ck_assert_int_eq(zt_inetaddr_parse(&R.endpoints[0].addr, "198.18.0.1/9993"), ZT_OK);
	ck_assert_int_eq(zt_inetaddr_parse(&R.endpoints[1].addr, "[2001:db8::1]:9993"), ZT_OK);
	R.nendpoints = 2;

	ck_assert_int_eq(root_cache_init(&R.cache, 100000), ZT_OK);
	struct root_peer a = mkpeer(PEER_A, now - 1000), b = mkpeer(PEER_B, now - 2000), c = mkpeer(PEER_C, now - 600000);
	set_v4(&a.v4, "\xc6\x12\x00\x02", 9994, now - 1000);
	a.proto = 12, a.vmajor = 1, a.vminor = 14, a.vrev = 1;
	set_v4(&b.v4, "\xc6\x12\x00\x03", 9993, now - 2000);
	set_v6(&b.v6, "\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03", 41641, now - 3000);
	set_v6(&c.v6, "\xfd\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x04", 9993, now - 600000);
	ck_assert_int_eq(root_cache_put(&R.cache, &a, true), ZT_OK);
	ck_assert_int_eq(root_cache_put(&R.cache, &b, true), ZT_OK);
	ck_assert_int_eq(root_cache_put(&R.cache, &c, true), ZT_OK);

	snprintf(dir, sizeof dir, "/tmp/zt-http-XXXXXX");
	ck_assert(mkdtemp(dir) != NULL);
	ck_assert_int_eq(root_store_open(&R.store, dir, 64ULL << 20, &R.cache, 1000), ZT_OK);
	ck_assert_int_eq(root_store_flush(&R.store), ZT_OK);

	ck_assert_int_eq(pthread_rwlock_init(&R.planet.lock, NULL), 0);
	R.planet.bytes = malloc(16);
	ck_assert(R.planet.bytes != NULL);
	R.planet.len = 16;
	R.planet.id = 149604618;
	R.planet.timestamp = 1567191349589ULL;
	R.planet.nroots = 4;

	R.workers = &worker;
	R.nworkers = 1;
	worker.root = &R;

	/* Two samples one second apart: every rate is the per-call increment of count(). */
	struct root_totals t;
	root_history_init(&R.history);
	uint64_t online = root_peers_online(&R, now);
	ck_assert_uint_eq(online, 2);
	for (int i = 0; i < 3; i++) {
		count(1);
		root_totals(&R, &t);
		root_history_sample(&R.history, &t, online, now - 3000 + 1000 * i);
	}
}

static void free_root(void)
{
	root_http_stop(&R);
	root_store_close(&R.store);
	root_cache_free(&R.cache);
	root_history_free(&R.history);
	free(R.planet.bytes);
	pthread_rwlock_destroy(&R.planet.lock);
	zt_identity_wipe(&R.id);
	if (dir[0]) {
		char cmd[128];
		snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
		ck_assert_int_eq(system(cmd), 0);
		dir[0] = '\0';
	}
}

static void setup(void)
{
	build_root("127.0.0.1:0");
	ck_assert_int_eq(root_http_start(&R), ZT_OK);
	ck_assert(R.http != NULL);
	ck_assert_uint_gt(root_http_port(&R), 0);
}

static void teardown(void) { free_root(); }

/* ---------------------------------------------------------------- an HTTP client */

struct resp {
	long status;
	char *body;
	size_t len;
	char *headers;
	size_t hlen;
	char type[128];
};

static size_t collect(char *p, size_t size, size_t n, void *arg, bool header)
{
	struct resp *r = arg;
	char **buf = header ? &r->headers : &r->body;
	size_t *len = header ? &r->hlen : &r->len;
	char *q = realloc(*buf, *len + size * n + 1);
	if (!q)
		return 0;
	memcpy(q + *len, p, size * n);
	*len += size * n;
	q[*len] = '\0';
	*buf = q;
	return size * n;
}

static size_t on_body(char *p, size_t size, size_t n, void *arg) { return collect(p, size, n, arg, false); }
static size_t on_header(char *p, size_t size, size_t n, void *arg) { return collect(p, size, n, arg, true); }

static struct resp request_on(const char *host, uint16_t port, const char *method, const char *path, const char *body)
{
	struct resp r;
	char url[256];
	memset(&r, 0, sizeof r);
	snprintf(url, sizeof url, "http://%s:%u%s", host, (unsigned)port, path);
	CURL *c = curl_easy_init();
	ck_assert(c != NULL);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	if (!strcmp(method, "HEAD"))
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	else if (strcmp(method, "GET"))
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (body)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	CURLcode rc = curl_easy_perform(c);
	ck_assert_msg(rc == CURLE_OK, "%s %s: %s", method, url, curl_easy_strerror(rc));
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
	char *type = NULL;
	curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &type);
	snprintf(r.type, sizeof r.type, "%s", type ? type : "");
	curl_easy_cleanup(c);
	if (!r.body)
		r.body = calloc(1, 1);
	if (!r.headers)
		r.headers = calloc(1, 1);
	ck_assert(r.body && r.headers);
	return r;
}

static struct resp request(const char *method, const char *path, const char *body)
{
	return request_on("127.0.0.1", root_http_port(&R), method, path, body);
}

static void resp_free(struct resp *r)
{
	free(r->body);
	free(r->headers);
}

static json_t *parse_json(const struct resp *r)
{
	json_error_t e;
	json_t *doc = json_loadb(r->body, r->len, 0, &e);
	ck_assert_msg(doc != NULL, "invalid JSON: %s at %d: %.200s", e.text, e.position, r->body);
	return doc;
}

/* True if the object has exactly the given keys (NULL-terminated list). */
static bool has_exact_keys(json_t *o, const char *const *keys)
{
	size_t n = 0;
	for (; keys[n]; n++)
		if (!json_object_get(o, keys[n]))
			return false;
	return json_is_object(o) && json_object_size(o) == n;
}

static json_int_t jint(json_t *o, const char *path)
{
	/* "a.b.c" */
	char buf[128], *save = NULL;
	snprintf(buf, sizeof buf, "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k; k = strtok_r(NULL, ".", &save))
		o = json_object_get(o, k);
	ck_assert_msg(json_is_integer(o), "%s is not an integer", path);
	return json_integer_value(o);
}

static double jreal(json_t *o, const char *path)
{
	char buf[128], *save = NULL;
	snprintf(buf, sizeof buf, "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k; k = strtok_r(NULL, ".", &save))
		o = json_object_get(o, k);
	ck_assert_msg(json_is_number(o), "%s is not a number", path);
	return json_number_value(o);
}

/* ---------------------------------------------------------------- a strict Prometheus 0.0.4 parser */

#define PROM_MAX 512
struct prom_sample {
	char name[128];
	char labels[256]; /* as written between the braces */
	double value;
};
struct prom {
	struct prom_sample s[PROM_MAX];
	int n;
	char types[PROM_MAX][128]; /* families with a TYPE line, in order */
	char kinds[PROM_MAX][16];
	int ntypes;
};

static bool is_name_start(char c) { return isalpha((unsigned char)c) || c == '_' || c == ':'; }
static bool is_name_char(char c) { return isalnum((unsigned char)c) || c == '_' || c == ':'; }

/* Reads a metric name; returns its length (0 if none). */
static size_t prom_name(const char *p)
{
	size_t n = 0;
	if (!is_name_start(p[0]))
		return 0;
	while (is_name_char(p[n]))
		n++;
	return n;
}

/*
 * Parses the whole exposition. Checks: every line ends with \n; comments are "# HELP name text" or
 * "# TYPE name counter|gauge" with HELP right before TYPE and each family declared once; samples
 * are name{label="value",...} value, belong to the family most recently declared (families are not
 * interleaved), counters end in _total, label names are valid and values properly escaped.
 */
static void prom_parse(const char *text, struct prom *p)
{
	char help_for[128] = "", family[128] = "";
	int lineno = 0;
	memset(p, 0, sizeof *p);
	ck_assert_msg(*text && text[strlen(text) - 1] == '\n', "exposition must end with a newline");
	for (const char *line = text; *line; lineno++) {
		const char *end = strchr(line, '\n');
		ck_assert(end != NULL);
		char l[1024];
		size_t len = (size_t)(end - line);
		ck_assert_msg(len > 0 && len < sizeof l, "line %d: empty or too long", lineno);
		memcpy(l, line, len);
		l[len] = '\0';
		line = end + 1;

		if (l[0] == '#') {
			size_t n;
			if (!strncmp(l, "# HELP ", 7)) {
				n = prom_name(l + 7);
				ck_assert_msg(n && l[7 + n] == ' ' && l[8 + n], "line %d: bad HELP: %s", lineno, l);
				snprintf(help_for, sizeof help_for, "%.*s", (int)n, l + 7);
			} else if (!strncmp(l, "# TYPE ", 7)) {
				n = prom_name(l + 7);
				ck_assert_msg(n && l[7 + n] == ' ', "line %d: bad TYPE: %s", lineno, l);
				char name[128];
				snprintf(name, sizeof name, "%.*s", (int)n, l + 7);
				const char *kind = l + 8 + n;
				ck_assert_msg(!strcmp(kind, "counter") || !strcmp(kind, "gauge"), "line %d: type %s", lineno, kind);
				ck_assert_msg(!strcmp(help_for, name), "line %d: TYPE %s without HELP before it", lineno, name);
				for (int i = 0; i < p->ntypes; i++)
					ck_assert_msg(strcmp(p->types[i], name), "line %d: %s declared twice", lineno, name);
				if (!strcmp(kind, "counter"))
					ck_assert_msg(strlen(name) > 6 && !strcmp(name + strlen(name) - 6, "_total"),
						      "counter %s lacks _total", name);
				ck_assert_int_lt(p->ntypes, PROM_MAX);
				snprintf(p->types[p->ntypes], sizeof p->types[0], "%s", name);
				snprintf(p->kinds[p->ntypes], sizeof p->kinds[0], "%s", kind);
				p->ntypes++;
				snprintf(family, sizeof family, "%s", name);
			} else {
				ck_abort_msg("line %d: unknown comment: %s", lineno, l);
			}
			continue;
		}

		ck_assert_int_lt(p->n, PROM_MAX);
		struct prom_sample *s = &p->s[p->n++];
		size_t n = prom_name(l), i = n;
		ck_assert_msg(n > 0, "line %d: no metric name: %s", lineno, l);
		snprintf(s->name, sizeof s->name, "%.*s", (int)n, l);
		ck_assert_msg(!strcmp(s->name, family), "line %d: sample %s outside its family (%s)", lineno, s->name,
			      family);
		if (l[i] == '{') {
			size_t start = ++i;
			for (;;) {
				ck_assert_msg(isalpha((unsigned char)l[i]) || l[i] == '_', "line %d: label name", lineno);
				while (isalnum((unsigned char)l[i]) || l[i] == '_')
					i++;
				ck_assert_msg(l[i] == '=' && l[i + 1] == '"', "line %d: label syntax", lineno);
				for (i += 2; l[i] != '"'; i++) {
					ck_assert_msg(l[i] && l[i] != '\n', "line %d: unterminated label value", lineno);
					if (l[i] == '\\') {
						i++;
						ck_assert_msg(l[i] == '\\' || l[i] == '"' || l[i] == 'n', "line %d: escape", lineno);
					}
				}
				i++;
				if (l[i] == ',') {
					i++;
					continue;
				}
				ck_assert_msg(l[i] == '}', "line %d: expected } at %zu: %s", lineno, i, l);
				break;
			}
			snprintf(s->labels, sizeof s->labels, "%.*s", (int)(i - start), l + start);
			i++;
		}
		ck_assert_msg(l[i] == ' ' && l[i + 1], "line %d: expected one space and a value: %s", lineno, l);
		char *vend;
		errno = 0;
		s->value = strtod(l + i + 1, &vend);
		ck_assert_msg(errno == 0 && *vend == '\0' && !isspace((unsigned char)l[i + 1]), "line %d: value: %s",
			      lineno, l);
	}
	ck_assert_int_gt(p->n, 0);
}

static double prom_get(const struct prom *p, const char *name, const char *labels)
{
	for (int i = 0; i < p->n; i++)
		if (!strcmp(p->s[i].name, name) && !strcmp(p->s[i].labels, labels))
			return p->s[i].value;
	ck_abort_msg("metric %s{%s} missing", name, labels);
	return NAN;
}

static const char *prom_kind(const struct prom *p, const char *name)
{
	for (int i = 0; i < p->ntypes; i++)
		if (!strcmp(p->types[i], name))
			return p->kinds[i];
	return "";
}

/* ---------------------------------------------------------------- tests */

START_TEST(status_document)
{
	struct resp r = request("GET", "/status", NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.type, "application/json");
	json_t *doc = parse_json(&r);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "address")), address);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "identity")), R.id_public);
	ck_assert(json_is_string(json_object_get(doc, "version")));
	ck_assert_int_ge(jint(doc, "uptimeMs"), 3723000);
	ck_assert_int_ge(jint(doc, "now"), now);
	json_t *eps = json_object_get(doc, "endpoints");
	ck_assert_uint_eq(json_array_size(eps), 2);
	ck_assert_str_eq(json_string_value(json_array_get(eps, 0)), "198.18.0.1/9993");
	ck_assert_str_eq(json_string_value(json_array_get(eps, 1)), "2001:db8::1/9993");

	ck_assert_int_eq(jint(doc, "peers.cached"), 3);
	ck_assert_int_eq(jint(doc, "peers.online"), 2);
	ck_assert_int_eq(jint(doc, "peers.stored"), 3);
	ck_assert_int_gt(jint(doc, "lmdbBytes"), 0);
	ck_assert_int_eq(jint(doc, "planet.id"), 149604618);
	ck_assert_int_eq(jint(doc, "planet.timestamp"), 1567191349589LL);
	ck_assert_int_eq(jint(doc, "planet.roots"), 4);

	ck_assert_int_eq(jint(doc, "rates.t"), now - 1000);
	ck_assert_double_eq_tol(jreal(doc, "rates.rxPps"), 501.0, 1e-9);
	ck_assert_double_eq_tol(jreal(doc, "rates.txPps"), 300.0, 1e-9);
	ck_assert_double_eq_tol(jreal(doc, "rates.relayedPps"), 200.0, 1e-9);
	ck_assert_double_eq_tol(jreal(doc, "rates.droppedPps"), 10.0, 1e-9);
	ck_assert_double_eq_tol(jreal(doc, "rates.rxMiBps"), 2.0, 1e-9);
	ck_assert_double_eq_tol(jreal(doc, "rates.droppedMiBps"), 0.125, 1e-9);
	ck_assert_int_eq(jint(doc, "rates.peersOnline"), 2);

	ck_assert_int_eq(jint(doc, "totals.rxPackets"), 3 * 501);
	ck_assert_int_eq(jint(doc, "totals.txBytes"), 3 * MIB / 2);
	ck_assert_int_eq(jint(doc, "totals.relayedPackets"), 600);
	ck_assert_int_eq(jint(doc, "totals.droppedPackets"), 30);
	ck_assert_int_eq(jint(doc, "totals.dropped.authentication"), 21);
	ck_assert_int_eq(jint(doc, "totals.dropped.junk"), 9);
	ck_assert_int_eq(jint(doc, "totals.dropped.cipher"), 0);
	ck_assert_uint_eq(json_object_size(json_object_get(json_object_get(doc, "totals"), "dropped")), ROOT_DROP_MAX);
	json_t *verbs = json_object_get(json_object_get(doc, "totals"), "verbs");
	ck_assert_uint_eq(json_array_size(verbs), ROOT_VERBS);
	ck_assert_int_eq(json_integer_value(json_array_get(verbs, 1)), 33);
	ck_assert_int_eq(json_integer_value(json_array_get(verbs, 4)), 39);
	ck_assert_int_eq(jint(doc, "totals.rateLimited.reply"), 15);
	ck_assert_int_eq(jint(doc, "totals.rateLimited.validation"), 69);
	ck_assert_int_eq(jint(doc, "totals.validationsOk"), 57);
	ck_assert_int_eq(jint(doc, "totals.validationsFailed"), 6);
	ck_assert_int_eq(jint(doc, "totals.rendezvousSent"), 51);
	ck_assert_int_eq(jint(doc, "totals.kernelDrops"), 29);

	json_t *hist = json_object_get(doc, "history");
	ck_assert_uint_eq(json_array_size(hist), 2);
	static const char *const sample_keys[] = { "t", "rxPps", "txPps", "relayedPps", "droppedPps", NULL };
	for (size_t i = 0; i < 2; i++)
		ck_assert(has_exact_keys(json_array_get(hist, i), sample_keys));
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(hist, 0), "t")), now - 2000);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(hist, 1), "t")), now - 1000);
	ck_assert_ptr_null(strstr(r.body, secret));
	json_decref(doc);
	resp_free(&r);

	/* Without a planet or a store the document keeps its shape. */
	free(R.planet.bytes);
	R.planet.bytes = NULL;
	root_store_close(&R.store);
	memset(&R.store, 0, sizeof R.store);
	r = request("GET", "/status", NULL);
	doc = parse_json(&r);
	ck_assert(json_is_null(json_object_get(doc, "planet")));
	ck_assert_int_eq(jint(doc, "lmdbBytes"), 0);
	ck_assert_int_eq(jint(doc, "peers.stored"), 0);
	json_decref(doc);
	resp_free(&r);
}
END_TEST

static json_t *find_peer(json_t *arr, uint64_t a)
{
	char hex[11];
	zt_address_format(hex, a);
	for (size_t i = 0; i < json_array_size(arr); i++)
		if (!strcmp(json_string_value(json_object_get(json_array_get(arr, i), "address")), hex))
			return json_array_get(arr, i);
	ck_abort_msg("peer %s missing", hex);
	return NULL;
}

START_TEST(peer_array_matches_1x_shape)
{
	struct resp r = request("GET", "/peer", NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.type, "application/json");
	/* The 1.x escaping of the path address, checked in the raw text. */
	ck_assert_ptr_nonnull(strstr(r.body, "\"address\":\"198.18.0.2\\/9994\""));
	ck_assert_ptr_nonnull(strstr(r.body, "\"address\":\"2001:db8::3\\/41641\""));
	ck_assert_ptr_null(strstr(r.body, "198.18.0.2/9994"));
	for (const char *p = r.body; (p = strchr(p, '/')); p++)
		ck_assert_msg(p > r.body && p[-1] == '\\', "unescaped slash in /peer");
	ck_assert_ptr_nonnull(strstr(r.headers, "X-Peers-Total: 3"));
	ck_assert_ptr_nonnull(strstr(r.headers, "X-Peers-Truncated: false"));
	/* No key material: neither the peers' public keys nor their session keys. */
	char pubhex[129];
	struct root_peer any = mkpeer(1, 0);
	zt_hex_encode(pubhex, any.pub, 16);
	ck_assert_ptr_null(strstr(r.body, pubhex));
	ck_assert_ptr_null(strstr(r.body, "5c5c5c5c"));

	json_t *arr = parse_json(&r);
	ck_assert(json_is_array(arr));
	ck_assert_uint_eq(json_array_size(arr), 3);
	static const char *const peer_keys[] = { "address", "latency", "paths", "role", "version", "versionMajor",
						 "versionMinor", "versionRev", NULL };
	static const char *const path_keys[] = { "active", "address", "expired", "lastReceive", "lastSend",
						 "preferred", "trustedPathId", NULL };
	for (size_t i = 0; i < 3; i++) {
		json_t *p = json_array_get(arr, i);
		ck_assert(has_exact_keys(p, peer_keys));
		ck_assert_int_eq(jint(p, "latency"), -1);
		ck_assert_str_eq(json_string_value(json_object_get(p, "role")), "LEAF");
		json_t *paths = json_object_get(p, "paths");
		ck_assert(json_is_array(paths));
		for (size_t k = 0; k < json_array_size(paths); k++) {
			ck_assert(has_exact_keys(json_array_get(paths, k), path_keys));
			ck_assert_int_eq(jint(json_array_get(paths, k), "trustedPathId"), 0);
		}
	}

	json_t *a = find_peer(arr, PEER_A), *pa = json_array_get(json_object_get(a, "paths"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(a, "version")), "1.14.1");
	ck_assert_int_eq(jint(a, "versionMajor"), 1);
	ck_assert_int_eq(jint(a, "versionMinor"), 14);
	ck_assert_int_eq(jint(a, "versionRev"), 1);
	ck_assert_uint_eq(json_array_size(json_object_get(a, "paths")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(pa, "address")), "198.18.0.2/9994");
	ck_assert(json_is_true(json_object_get(pa, "active")));
	ck_assert(json_is_false(json_object_get(pa, "expired")));
	ck_assert(json_is_true(json_object_get(pa, "preferred")));
	ck_assert_int_eq(jint(pa, "lastReceive"), now - 1000);
	ck_assert_int_eq(jint(pa, "lastSend"), now - 1000);

	json_t *b = find_peer(arr, PEER_B), *bpaths = json_object_get(b, "paths");
	ck_assert_str_eq(json_string_value(json_object_get(b, "version")), "-1.-1.-1");
	ck_assert_int_eq(jint(b, "versionMajor"), -1);
	ck_assert_int_eq(jint(b, "versionMinor"), -1);
	ck_assert_int_eq(jint(b, "versionRev"), -1);
	ck_assert_uint_eq(json_array_size(bpaths), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(bpaths, 0), "address")), "198.18.0.3/9993");
	ck_assert(json_is_true(json_object_get(json_array_get(bpaths, 0), "preferred")));
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(bpaths, 1), "address")), "2001:db8::3/41641");
	ck_assert(json_is_false(json_object_get(json_array_get(bpaths, 1), "preferred")));

	/* IPv6 only: preferred; silent for 10 minutes: expired and not active. */
	json_t *c = find_peer(arr, PEER_C), *pc = json_array_get(json_object_get(c, "paths"), 0);
	ck_assert_uint_eq(json_array_size(json_object_get(c, "paths")), 1);
	ck_assert(json_is_true(json_object_get(pc, "preferred")));
	ck_assert(json_is_true(json_object_get(pc, "expired")));
	ck_assert(json_is_false(json_object_get(pc, "active")));
	json_decref(arr);
	resp_free(&r);
}
END_TEST

START_TEST(peer_array_streams_many)
{
	/* Enough peers for the document to be produced in many pieces. */
	const uint64_t n = 5000;
	for (uint64_t i = 0; i < n; i++) {
		struct root_peer p = mkpeer(0x2000000000ULL + i * 977, now - 5000);
		set_v4(&p.v4, "\x0a\x01\x02\x03", (uint16_t)(1000 + i), now - 5000);
		ck_assert_int_eq(root_cache_put(&R.cache, &p, false), ZT_OK);
	}
	struct resp r = request("GET", "/peer", NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_gt(r.len, 5000 * 200);
	json_t *arr = parse_json(&r);
	ck_assert_uint_eq(json_array_size(arr), n + 3);
	json_decref(arr);
	resp_free(&r);

	/* An empty directory is an empty array. */
	root_cache_free(&R.cache);
	ck_assert_int_eq(root_cache_init(&R.cache, 1000), ZT_OK);
	r = request("GET", "/peer", NULL);
	arr = parse_json(&r);
	ck_assert(json_is_array(arr));
	ck_assert_uint_eq(json_array_size(arr), 0);
	json_decref(arr);
	resp_free(&r);
}
END_TEST

START_TEST(metrics_exposition)
{
	struct resp r = request("GET", "/metrics", NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.type, "text/plain; version=0.0.4");
	static struct prom p;
	prom_parse(r.body, &p);
	char id[32];
	snprintf(id, sizeof id, "root_id=\"%s\"", address);

	/* The standalone root's gauges, HELP texts included. */
	ck_assert_ptr_nonnull(strstr(r.body, "# HELP root_peers_online Number of active peers online\n"));
	ck_assert_ptr_nonnull(strstr(r.body, "# HELP root_input_rate Input rate MiB/s\n"));
	ck_assert_ptr_nonnull(strstr(r.body, "# HELP root_output_rate Output rate MiB/s\n"));
	ck_assert_ptr_nonnull(strstr(r.body, "# HELP root_forwarded_rate Forwarded packet rate MiB/s\n"));
	ck_assert_ptr_nonnull(strstr(r.body, "# HELP root_discarded_rate Discarded forwards MiB/s\n"));
	static const char *const gauges[] = { "root_peers_online", "root_input_rate", "root_output_rate",
					      "root_forwarded_rate", "root_discarded_rate", "root_peers_cached",
					      "root_lmdb_bytes", "root_uptime_seconds" };
	for (size_t i = 0; i < sizeof gauges / sizeof gauges[0]; i++)
		ck_assert_str_eq(prom_kind(&p, gauges[i]), "gauge");
	ck_assert_double_eq(prom_get(&p, "root_peers_online", id), 2);
	ck_assert_double_eq_tol(prom_get(&p, "root_input_rate", id), 2.0, 1e-9);
	ck_assert_double_eq_tol(prom_get(&p, "root_output_rate", id), 0.5, 1e-9);
	ck_assert_double_eq_tol(prom_get(&p, "root_forwarded_rate", id), 0.25, 1e-9);
	ck_assert_double_eq_tol(prom_get(&p, "root_discarded_rate", id), 0.125, 1e-9);
	ck_assert_ptr_nonnull(strstr(r.body, "root_forwarded_rate{" "root_id=\""));

	char l[96];
	ck_assert_str_eq(prom_kind(&p, "root_packets_received_total"), "counter");
	ck_assert_double_eq(prom_get(&p, "root_packets_received_total", id), 3 * 501);
	ck_assert_double_eq(prom_get(&p, "root_packets_sent_total", id), 900);
	ck_assert_double_eq(prom_get(&p, "root_bytes_received_total", id), 6.0 * MIB);
	ck_assert_double_eq(prom_get(&p, "root_bytes_sent_total", id), 1.5 * MIB);
	ck_assert_double_eq(prom_get(&p, "root_relayed_packets_total", id), 600);
	snprintf(l, sizeof l, "%s,verb=\"HELLO\"", id);
	ck_assert_double_eq(prom_get(&p, "root_packets_by_verb_total", l), 33);
	snprintf(l, sizeof l, "%s,verb=\"WHOIS\"", id);
	ck_assert_double_eq(prom_get(&p, "root_packets_by_verb_total", l), 39);
	snprintf(l, sizeof l, "%s,verb=\"ECHO\"", id);
	ck_assert_double_eq(prom_get(&p, "root_packets_by_verb_total", l), 0);
	for (int i = 0; i < ROOT_DROP_MAX; i++) {
		snprintf(l, sizeof l, "%s,reason=\"%s\"", id, root_drop_reason_name((enum root_drop_reason)i));
		prom_get(&p, "root_dropped_packets_total", l);
	}
	snprintf(l, sizeof l, "%s,reason=\"authentication\"", id);
	ck_assert_double_eq(prom_get(&p, "root_dropped_packets_total", l), 21);
	snprintf(l, sizeof l, "%s,kind=\"validation\"", id);
	ck_assert_double_eq(prom_get(&p, "root_rate_limited_total", l), 69);
	snprintf(l, sizeof l, "%s,kind=\"reply\"", id);
	ck_assert_double_eq(prom_get(&p, "root_rate_limited_total", l), 15);
	snprintf(l, sizeof l, "%s,result=\"ok\"", id);
	ck_assert_double_eq(prom_get(&p, "root_identity_validations_total", l), 57);
	snprintf(l, sizeof l, "%s,result=\"failed\"", id);
	ck_assert_double_eq(prom_get(&p, "root_identity_validations_total", l), 6);
	ck_assert_double_eq(prom_get(&p, "root_rendezvous_sent_total", id), 51);
	ck_assert_double_eq(prom_get(&p, "root_kernel_receive_drops_total", id), 29);
	ck_assert_double_eq(prom_get(&p, "root_peers_cached", id), 3);
	ck_assert_double_gt(prom_get(&p, "root_lmdb_bytes", id), 0);
	ck_assert_double_ge(prom_get(&p, "root_uptime_seconds", id), 3723);
	ck_assert_ptr_null(strstr(r.body, secret));
	resp_free(&r);
}
END_TEST

START_TEST(health_follows_workers)
{
	struct resp r = request("GET", "/health", NULL);
	ck_assert_int_eq(r.status, 200);
	json_t *doc = parse_json(&r);
	ck_assert(json_is_true(json_object_get(doc, "ok")));
	ck_assert_int_eq(jint(doc, "workers"), 1);
	json_decref(doc);
	resp_free(&r);

	atomic_store(&R.stop, true);
	r = request("GET", "/health", NULL);
	ck_assert_int_eq(r.status, 503);
	doc = parse_json(&r);
	ck_assert(json_is_false(json_object_get(doc, "ok")));
	ck_assert_str_eq(json_string_value(json_object_get(doc, "reason")), "stopping");
	json_decref(doc);
	resp_free(&r);

	atomic_store(&R.stop, false);
	R.nworkers = 0;
	r = request("GET", "/health", NULL);
	ck_assert_int_eq(r.status, 503);
	resp_free(&r);
	R.nworkers = 1;
}
END_TEST

START_TEST(errors_and_methods)
{
	struct resp r = request("GET", "/nope", NULL);
	ck_assert_int_eq(r.status, 404);
	ck_assert_str_eq(r.type, "application/json");
	json_t *doc = parse_json(&r);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "error")), "not found");
	json_decref(doc);
	resp_free(&r);

	r = request("POST", "/status", "{\"x\":1}");
	ck_assert_int_eq(r.status, 405);
	ck_assert_ptr_nonnull(strstr(r.headers, "Allow: GET, HEAD"));
	doc = parse_json(&r);
	ck_assert_int_eq(jint(doc, "status"), 405);
	json_decref(doc);
	resp_free(&r);

	static const char *const methods[] = { "PUT", "DELETE", "OPTIONS", "PATCH" };
	for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
		r = request(methods[i], "/", NULL);
		ck_assert_int_eq(r.status, 405);
		resp_free(&r);
	}

	/* HEAD: the headers of GET, no body. The server keeps serving afterwards. */
	r = request("HEAD", "/status", NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.type, "application/json");
	ck_assert_uint_eq(r.len, 0);
	resp_free(&r);
	r = request("HEAD", "/peer", NULL);
	ck_assert_int_eq(r.status, 200);
	resp_free(&r);
	r = request("GET", "/health", NULL);
	ck_assert_int_eq(r.status, 200);
	resp_free(&r);
}
END_TEST

START_TEST(status_page)
{
	struct resp r = request("GET", "/", NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.type, "text/html; charset=utf-8");
	ck_assert_ptr_nonnull(strstr(r.headers, "Content-Security-Policy: default-src 'none'"));
	ck_assert_ptr_nonnull(strstr(r.body, "<!DOCTYPE html>"));
	ck_assert_ptr_nonnull(strstr(r.body, address));
	ck_assert_ptr_nonnull(strstr(r.body, R.id_public));
	ck_assert_ptr_nonnull(strstr(r.body, "198.18.0.1/9993"));
	ck_assert_ptr_nonnull(strstr(r.body, "149604618"));
	ck_assert_ptr_nonnull(strstr(r.body, "<svg"));
	ck_assert_ptr_nonnull(strstr(r.body, "fetch('status'"));
	ck_assert_ptr_nonnull(strstr(r.body, "authentication"));
	ck_assert_ptr_null(strstr(r.body, secret));
	/* Self-contained: nothing is loaded from elsewhere. */
	ck_assert_ptr_null(strstr(r.body, "http://"));
	ck_assert_ptr_null(strstr(r.body, "https://"));
	ck_assert_ptr_null(strstr(r.body, " src="));
	ck_assert_ptr_null(strstr(r.body, "@import"));
	/* The embedded /status document parses and cannot close its <script> early. */
	const char *start = strstr(r.body, "id=\"init\">"), *end = start ? strstr(start, "</script>") : NULL;
	ck_assert(start && end);
	start += strlen("id=\"init\">");
	json_error_t e;
	json_t *doc = json_loadb(start, (size_t)(end - start), 0, &e);
	ck_assert_msg(doc != NULL, "embedded JSON: %s", e.text);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "address")), address);
	json_decref(doc);
	resp_free(&r);
}
END_TEST

START_TEST(listen_addresses)
{
	/* IPv6 loopback, where the host has it. */
	free_root();
	build_root("[::1]:0");
	zt_err e = root_http_start(&R);
	if (e == -EADDRNOTAVAIL || e == -EAFNOSUPPORT) {
		fprintf(stderr, "skipping IPv6: %s\n", zt_strerror(e));
	} else {
		ck_assert_int_eq(e, ZT_OK);
		struct resp r = request_on("[::1]", root_http_port(&R), "GET", "/health", NULL);
		ck_assert_int_eq(r.status, 200);
		resp_free(&r);
		root_http_stop(&R);
		root_http_stop(&R); /* idempotent */
		ck_assert_uint_eq(root_http_port(&R), 0);
	}

	/* Disabled: nothing starts. */
	R.cfg.http[0] = '\0';
	ck_assert_int_eq(root_http_start(&R), ZT_OK);
	ck_assert_ptr_null(R.http);

	snprintf(R.cfg.http, sizeof R.cfg.http, "localhost:80x");
	ck_assert_int_eq(root_http_start(&R), ZT_ECONFIG);
	ck_assert_ptr_null(R.http);

	/* A port already taken is reported as such, and nothing leaks. */
	snprintf(R.cfg.http, sizeof R.cfg.http, "127.0.0.1:0");
	ck_assert_int_eq(root_http_start(&R), ZT_OK);
	static struct root other;
	memset(&other, 0, sizeof other);
	memcpy(&other.cfg, &R.cfg, sizeof other.cfg);
	snprintf(other.cfg.http, sizeof other.cfg.http, "127.0.0.1:%u", (unsigned)root_http_port(&R));
	ck_assert_int_eq(root_http_start(&other), -EADDRINUSE);
	ck_assert_ptr_null(other.http);
}
END_TEST

int main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	Suite *s = suite_create("root_http");
	TCase *tc = tcase_create("http");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, status_document);
	tcase_add_test(tc, peer_array_matches_1x_shape);
	tcase_add_test(tc, peer_array_streams_many);
	tcase_add_test(tc, metrics_exposition);
	tcase_add_test(tc, health_follows_workers);
	tcase_add_test(tc, errors_and_methods);
	tcase_add_test(tc, status_page);
	tcase_add_test(tc, listen_addresses);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	curl_global_cleanup();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
