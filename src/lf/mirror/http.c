/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The mirror's HTTP server: LF's API (lf.md §3) over libmicrohttpd, one thread per connection so
 * that a slow request (a /makerecord computing proof of work, a client reading /dumprecords
 * slowly) never holds up the others. Paths, methods, headers and error bodies are the reference
 * node's (§3.1). Every handler works on its own LMDB read snapshot; writes (/post, /makerecord,
 * /pulse) take LMDB's single writer lock only while they insert. This file is the one place
 * libmicrohttpd errors become zt_err.
 */
#include <config.h> /* PACKAGE_VERSION */

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "common/log.h"
#include "lf/mirror/mirror.h"

#define CT_JSON "application/json"
#define CT_BINARY "application/octet-stream"
#define ALLOW_GET "GET, HEAD"
#define ALLOW_POST "POST, PUT"
#define HTTP_TIMEOUT_S 30
#define HTTP_BACKLOG 128
#define DUMP_BLOCK (256 * 1024)
#define MALFORMED "invalid or malformed payload: "
#define NOT_TRUSTED_MAKE "only trusted clients can delegate record creation"
#define NOT_TRUSTED_CONNECT "only trusted clients can add peers"
#define CODE_NOT_TRUSTED 405 /* the reference's Code inside its 403 bodies */

struct lfm_http {
	struct lfm *m;
	struct MHD_Daemon *d[LFM_MAX_LISTEN];
	uint16_t port[LFM_MAX_LISTEN];
	unsigned n;
};

/* Per request: the body read so far. */
struct req {
	char *body;
	size_t len, cap;
	bool too_big;
};

/* ---------------------------------------------------------------- responses */

static enum MHD_Result send_resp(struct lfm *m, struct MHD_Connection *c, unsigned status, const char *type,
				 struct MHD_Response *resp, const char *allow)
{
	char now[24];
	if (!resp)
		return MHD_NO;
	(void)m;
	snprintf(now, sizeof now, "%" PRIu64, lfm_now());
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache, no-store, must-revalidate");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_EXPIRES, "0");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_PRAGMA, "no-cache");
	MHD_add_response_header(resp, "X-LF-Version", LFM_LF_VERSION);
	MHD_add_response_header(resp, "X-LF-APIVersion", "1");
	MHD_add_response_header(resp, "X-LF-Time", now);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_SERVER, LFM_NAME "/" PACKAGE_VERSION);
	if (allow)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
	enum MHD_Result r = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return r;
}

/* Sends a malloc'd body (taken; NULL: out of memory, the connection is closed). */
static enum MHD_Result send_body(struct lfm *m, struct MHD_Connection *c, unsigned status, const char *type,
				 void *body, size_t len)
{
	if (!body)
		return MHD_NO;
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	return send_resp(m, c, status, type, resp, NULL);
}

static enum MHD_Result send_str(struct lfm *m, struct MHD_Connection *c, unsigned status, struct zt_lf_str *s)
{
	size_t len = 0;
	char *p = zt_lf_str_take(s, &len);
	return send_body(m, c, status, CT_JSON, p, len);
}

static enum MHD_Result send_error(struct lfm *m, struct MHD_Connection *c, unsigned status, long code,
				  const char *message, const char *allow)
{
	struct zt_lf_str s = { 0 };
	size_t len = 0;
	if (zt_lfapi_error_write(&s, code, message, NULL)) {
		zt_lf_str_free(&s);
		return MHD_NO;
	}
	char *p = zt_lf_str_take(&s, &len);
	if (!p)
		return MHD_NO;
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, p, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(p);
		return MHD_NO;
	}
	return send_resp(m, c, status, CT_JSON, resp, allow);
}

static enum MHD_Result send_internal(struct lfm *m, struct MHD_Connection *c, zt_err e)
{
	char msg[160];
	snprintf(msg, sizeof msg, "internal error: %s", zt_strerror(e));
	return send_error(m, c, MHD_HTTP_INTERNAL_SERVER_ERROR, MHD_HTTP_INTERNAL_SERVER_ERROR, msg, NULL);
}

static enum MHD_Result send_not_found(struct lfm *m, struct MHD_Connection *c, const char *url)
{
	char msg[ZT_LF_API_MESSAGE_MAX];
	snprintf(msg, sizeof msg, "%s not found", url);
	return send_error(m, c, MHD_HTTP_NOT_FOUND, MHD_HTTP_NOT_FOUND, msg, NULL);
}

/* Loopback only (lf.md §3.1): 127.0.0.0/8, ::1 and IPv4-mapped loopback. */
static bool client_trusted(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	if (!sa)
		return false;
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return false;
}

/* ---------------------------------------------------------------- GET endpoints */

static enum MHD_Result serve_status(struct lfm *m, struct MHD_Connection *c, const char *url, struct req *r)
{
	struct zt_lf_status st;
	struct zt_lf_str s = { 0 };
	struct lfm_txn t;
	struct lfm_counters cnt = { 0 };
	(void)url;
	(void)r;
	zt_err e = lfm_txn_begin(m->store, &t, false);
	if (!e) {
		const struct lfm_counters *cp = lfm_counters(&t);
		if (cp)
			cnt = *cp;
		e = t.err;
		lfm_txn_abort(&t);
	}
	if (e)
		return send_internal(m, c, e);
	memset(&st, 0, sizeof st);
	snprintf(st.software, sizeof st.software, "ZeroTier LF mirror (" LFM_NAME " " PACKAGE_VERSION ")");
	st.version[0] = 1;
	st.version[1] = 1;
	st.api_version = st.min_api_version = st.max_api_version = LFM_API_VERSION;
	st.clock = lfm_now();
	st.uptime = st.clock - m->started;
	st.record_count = cnt.records;
	st.data_size = cnt.bytes;
	st.fully_synchronized = cnt.unsynced == 0;
	pthread_rwlock_rdlock(&m->glock);
	st.genesis_records = m->genesis.records;
	st.genesis_records_len = m->genesis.records_len;
	st.genesis = m->genesis.params; /* borrowed: st is not freed */
	e = zt_lfapi_status_write(&s, &st);
	pthread_rwlock_unlock(&m->glock);
	if (e) {
		zt_lf_str_free(&s);
		return send_internal(m, c, e);
	}
	return send_str(m, c, MHD_HTTP_OK, &s);
}

static enum MHD_Result serve_links(struct lfm *m, struct MHD_Connection *c, const char *url, struct req *r)
{
	const char *arg = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "count");
	struct lfm_txn t;
	long n;
	(void)url;
	(void)r;
	pthread_rwlock_rdlock(&m->glock);
	n = (long)m->genesis.params.record_min_links;
	pthread_rwlock_unlock(&m->glock);
	if (arg) {
		char *end;
		n = strtol(arg, &end, 10);
		if (*end || end == arg || n <= 0)
			n = 1;
	}
	if (n > ZT_LF_RECORD_MAX_LINKS)
		n = ZT_LF_RECORD_MAX_LINKS;
	uint8_t(*links)[ZT_LF_HASH_SIZE] = malloc((size_t)(n ? n : 1) * ZT_LF_HASH_SIZE);
	if (!links)
		return MHD_NO;
	size_t got = 0;
	zt_err e = lfm_txn_begin(m->store, &t, false);
	if (!e) {
		got = lfm_links(&t, links, (size_t)n);
		lfm_txn_abort(&t);
	}
	if (e) {
		free(links);
		return send_internal(m, c, e);
	}
	return send_body(m, c, MHD_HTTP_OK, CT_BINARY, links, got * ZT_LF_HASH_SIZE);
}

static enum MHD_Result serve_owner(struct lfm *m, struct MHD_Connection *c, const char *url, struct req *r)
{
	const char *text = url + strlen("/owner/");
	struct zt_lf_owner_status os;
	struct zt_lf_str s = { 0 };
	uint8_t pub[64], links[ZT_LF_RECORD_MAX_LINKS][ZT_LF_HASH_SIZE];
	size_t len = 0;
	struct lfm_txn t;
	(void)r;
	if (text[0] != '@' || zt_lf_owner_text_parse(pub, sizeof pub, &len, text, strlen(text)) != ZT_OK ||
	    len > ZT_LF_OWNER_MAX_LEN)
		return send_not_found(m, c, url);
	memset(&os, 0, sizeof os);
	memcpy(os.owner.pub, pub, len);
	os.owner.len = len;
	os.type = zt_lf_owner_type_of(len);
	pthread_rwlock_rdlock(&m->glock);
	size_t want = m->genesis.params.record_min_links;
	os.auth_required = m->genesis.params.auth_required;
	pthread_rwlock_unlock(&m->glock);
	/*
	 * An owner the configuration lets post without work is reported as holding a current
	 * certificate: that is what tells LF's clients to build records without work.
	 */
	os.has_current_certificate = lfm_config_owner_without_work(&m->cfg, pub, len);
	if (want > ZT_LF_RECORD_MAX_LINKS)
		want = ZT_LF_RECORD_MAX_LINKS;
	zt_err e = lfm_txn_begin(m->store, &t, false);
	if (!e) {
		e = lfm_owner_stats(&t, pub, len, &os.record_count, &os.record_bytes);
		os.nlinks = lfm_links(&t, links, want);
		os.links = links;
		lfm_txn_abort(&t);
	}
	os.server_time = lfm_now();
	if (!e)
		e = zt_lfapi_owner_status_write(&s, &os);
	if (e) {
		zt_lf_str_free(&s);
		return send_internal(m, c, e);
	}
	return send_str(m, c, MHD_HTTP_OK, &s);
}

static enum MHD_Result serve_record_common(struct lfm *m, struct MHD_Connection *c, const char *url, bool raw)
{
	const char *text = url + strlen(raw ? "/record/raw/" : "/record/");
	uint8_t hash[ZT_LF_HASH_SIZE];
	struct lfm_txn t;
	const uint8_t *p;
	size_t n;
	if (text[0] != '=' || zt_lf_hash_text_parse(hash, text, strlen(text)) != ZT_OK)
		return send_not_found(m, c, url);
	zt_err e = lfm_txn_begin(m->store, &t, false);
	if (e)
		return send_internal(m, c, e);
	e = lfm_get_bytes(&t, hash, &p, &n);
	if (e) {
		lfm_txn_abort(&t);
		return e == ZT_ENOTFOUND ? send_not_found(m, c, url) : send_internal(m, c, e);
	}
	if (raw) {
		void *copy = malloc(n);
		if (copy)
			memcpy(copy, p, n);
		lfm_txn_abort(&t);
		return send_body(m, c, MHD_HTTP_OK, CT_BINARY, copy, n);
	}
	struct zt_lf_record rec = { 0 };
	struct zt_lf_str s = { 0 };
	size_t used;
	e = zt_lf_record_parse(&rec, p, n, &used);
	lfm_txn_abort(&t);
	if (!e)
		e = zt_lf_record_json(&s, &rec);
	zt_lf_record_clear(&rec);
	if (e) {
		zt_lf_str_free(&s);
		return send_internal(m, c, e);
	}
	return send_str(m, c, MHD_HTTP_OK, &s);
}

static enum MHD_Result serve_record(struct lfm *m, struct MHD_Connection *c, const char *url, struct req *r)
{
	(void)r;
	return serve_record_common(m, c, url, false);
}

static enum MHD_Result serve_record_raw(struct lfm *m, struct MHD_Connection *c, const char *url, struct req *r)
{
	(void)r;
	return serve_record_common(m, c, url, true);
}

/* /dumprecords streams the log up to the last record stored when the request came in. */
struct dump {
	struct lfm *m;
	uint64_t next, last;    /* sequence numbers */
	uint8_t *buf;
	size_t len, pos;
	bool failed;
};

static bool dump_add(void *arg, uint64_t seq, const uint8_t *bytes, size_t n)
{
	struct dump *d = arg;
	(void)seq;
	/* Called only while len < DUMP_BLOCK, and the buffer has room for one more record. */
	memcpy(d->buf + d->len, bytes, n);
	d->len += n;
	return d->len < DUMP_BLOCK;
}

static ssize_t dump_read(void *cls, uint64_t pos, char *out, size_t max)
{
	struct dump *d = cls;
	(void)pos;
	if (d->pos == d->len) {
		struct lfm_txn t;
		d->len = d->pos = 0;
		if (d->next > d->last)
			return MHD_CONTENT_READER_END_OF_STREAM;
		if (lfm_txn_begin(d->m->store, &t, false) ||
		    lfm_log_walk(&t, d->next, d->last, dump_add, d, &d->next)) {
			lfm_txn_abort(&t);
			return MHD_CONTENT_READER_END_WITH_ERROR;
		}
		lfm_txn_abort(&t);
		if (!d->len)
			return MHD_CONTENT_READER_END_OF_STREAM;
	}
	size_t n = d->len - d->pos < max ? d->len - d->pos : max;
	memcpy(out, d->buf + d->pos, n);
	d->pos += n;
	return (ssize_t)n;
}

static void dump_free(void *cls)
{
	struct dump *d = cls;
	free(d->buf);
	free(d);
}

static enum MHD_Result serve_dump(struct lfm *m, struct MHD_Connection *c, const char *url, struct req *r)
{
	struct lfm_txn t;
	uint64_t total = 0;
	struct dump *d = calloc(1, sizeof *d);
	(void)url;
	(void)r;
	if (!d || !(d->buf = malloc(DUMP_BLOCK + ZT_LF_RECORD_MAX_SIZE))) {
		free(d);
		return MHD_NO;
	}
	d->m = m;
	d->next = 1;
	zt_err e = lfm_txn_begin(m->store, &t, false);
	if (!e) {
		const struct lfm_counters *cnt = lfm_counters(&t);
		if (cnt) {
			d->last = cnt->next_seq - 1;
			total = cnt->bytes;
		}
		e = t.err;
		lfm_txn_abort(&t);
	}
	if (e) {
		dump_free(d);
		return send_internal(m, c, e);
	}
	struct MHD_Response *resp = MHD_create_response_from_callback(total, DUMP_BLOCK, dump_read, d, dump_free);
	if (!resp) {
		dump_free(d);
		return MHD_NO;
	}
	return send_resp(m, c, MHD_HTTP_OK, CT_BINARY, resp, NULL);
}

/* ---------------------------------------------------------------- POST endpoints */

static json_t *body_json(struct req *r, char *why, size_t whycap)
{
	json_error_t je;
	json_t *doc = zt_lf_json_loads(r->body ? r->body : "", r->len, &je);
	if (!doc)
		snprintf(why, whycap, MALFORMED "%s", je.text);
	return doc;
}

static enum MHD_Result serve_query(struct lfm *m, struct MHD_Connection *c, const char *url, struct req *r)
{
	char why[ZT_LF_API_MESSAGE_MAX], reason[ZT_LF_WHY_MAX];
	struct zt_lf_query_request qr;
	char *body = NULL;
	size_t len = 0;
	(void)url;
	json_t *doc = body_json(r, why, sizeof why);
	if (!doc)
		return send_error(m, c, MHD_HTTP_BAD_REQUEST, 400, why, NULL);
	zt_err e = zt_lfapi_query_parse(doc, &qr, reason, sizeof reason);
	json_decref(doc);
	if (e) {
		snprintf(why, sizeof why, MALFORMED "%s", reason);
		return send_error(m, c, MHD_HTTP_BAD_REQUEST, 400, why, NULL);
	}
	e = lfm_query(m, &qr, &body, &len, why, sizeof why);
	zt_lf_query_request_free(&qr);
	if (e == ZT_EINVALID)
		return send_error(m, c, MHD_HTTP_BAD_REQUEST, 400, why, NULL);
	if (e)
		return send_internal(m, c, e);
	return send_body(m, c, MHD_HTTP_OK, CT_JSON, body, len);
}

static enum MHD_Result serve_post(struct lfm *m, struct MHD_Connection *c, const char *url, struct req *r)
{
	struct lfm_entry e;
	struct lfm_verdict v;
	struct zt_lf_str s = { 0 };
	int status = 400;
	(void)url;
	zt_err err = lfm_post(m, (const uint8_t *)(r->body ? r->body : ""), r->len, &e, &v, &status);
	if (err) {
		lfm_entry_free(&e);
		return send_internal(m, c, err);
	}
	if (status == 200)
		err = zt_lf_record_json(&s, &e.rec);
	else
		err = lfm_verdict_json(&v, &s);
	if (status != 200 && zt_log_level_get() >= ZT_LOG_DEBUG)
		log_debug("post rejected: %s", v.why);
	lfm_entry_free(&e);
	if (err) {
		zt_lf_str_free(&s);
		return send_internal(m, c, err);
	}
	return send_str(m, c, status == 200 ? MHD_HTTP_OK : MHD_HTTP_BAD_REQUEST, &s);
}

static enum MHD_Result serve_makerecord(struct lfm *m, struct MHD_Connection *c, const char *url, struct req *r)
{
	char why[ZT_LF_API_MESSAGE_MAX], reason[ZT_LF_WHY_MAX];
	struct zt_lf_make_request_parsed mp;
	char *body = NULL;
	size_t len = 0;
	int status = 500;
	(void)url;
	if (!client_trusted(c))
		return send_error(m, c, MHD_HTTP_FORBIDDEN, CODE_NOT_TRUSTED, NOT_TRUSTED_MAKE, NULL);
	json_t *doc = body_json(r, why, sizeof why);
	if (!doc)
		return send_error(m, c, MHD_HTTP_BAD_REQUEST, 400, why, NULL);
	zt_err e = zt_lfapi_make_parse(doc, &mp, reason, sizeof reason);
	json_decref(doc);
	if (e) {
		snprintf(why, sizeof why, MALFORMED "%s", reason);
		return send_error(m, c, MHD_HTTP_BAD_REQUEST, 400, why, NULL);
	}
	e = lfm_makerecord(m, &mp, &status, &body, &len);
	zt_lf_make_request_parsed_free(&mp);
	if (e)
		return send_internal(m, c, e);
	return send_body(m, c, (unsigned)status, CT_JSON, body, len);
}

static enum MHD_Result serve_makepulse(struct lfm *m, struct MHD_Connection *c, const char *url, struct req *r)
{
	char why[ZT_LF_API_MESSAGE_MAX];
	char *body = NULL;
	size_t len = 0;
	int status = 500;
	(void)url;
	json_t *doc = body_json(r, why, sizeof why);
	if (!doc)
		return send_error(m, c, MHD_HTTP_BAD_REQUEST, 400, why, NULL);
	zt_err e = lfm_makepulse(m, doc, &status, &body, &len);
	json_decref(doc);
	if (e)
		return send_internal(m, c, e);
	return send_body(m, c, (unsigned)status, CT_JSON, body, len);
}

static enum MHD_Result serve_pulse(struct lfm *m, struct MHD_Connection *c, const char *url, struct req *r)
{
	char *body = NULL;
	size_t len = 0;
	int status = 500;
	(void)url;
	zt_err e = lfm_pulse(m, (const uint8_t *)r->body, r->len, &status, &body, &len);
	if (e)
		return send_internal(m, c, e);
	return send_body(m, c, (unsigned)status, CT_JSON, body, len);
}

/* Without P2P there is no one to connect to: trusted clients get the reference's empty 200. */
static enum MHD_Result serve_connect(struct lfm *m, struct MHD_Connection *c, const char *url, struct req *r)
{
	(void)url;
	(void)r;
	if (!client_trusted(c))
		return send_error(m, c, MHD_HTTP_FORBIDDEN, CODE_NOT_TRUSTED, NOT_TRUSTED_CONNECT, NULL);
	return send_resp(m, c, MHD_HTTP_OK, CT_JSON, MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT),
			 NULL);
}

/* ---------------------------------------------------------------- routing */

typedef enum MHD_Result (*serve_fn)(struct lfm *m, struct MHD_Connection *c, const char *url, struct req *r);

static const struct route {
	const char *path;
	bool prefix;
	bool post;
	serve_fn fn;
} routes[] = {
	{ "/status", false, false, serve_status },
	{ "/query", false, true, serve_query },
	{ "/post", false, true, serve_post },
	{ "/links", false, false, serve_links },
	{ "/owner/", true, false, serve_owner },
	{ "/record/raw/", true, false, serve_record_raw },
	{ "/record/", true, false, serve_record },
	{ "/dumprecords", false, false, serve_dump },
	{ "/makerecord", false, true, serve_makerecord },
	{ "/makepulse", false, true, serve_makepulse },
	{ "/pulse", false, true, serve_pulse },
	{ "/connect", false, true, serve_connect },
};

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			      const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct lfm *m = cls;
	struct req *r = *con_cls;
	(void)version;
	if (!r) {
		if (!(r = calloc(1, sizeof *r)))
			return MHD_NO;
		*con_cls = r;
		return MHD_YES;
	}
	if (*upload_size) {
		size_t n = *upload_size;
		*upload_size = 0;
		if (r->too_big || r->len + n > m->cfg.max_request) {
			r->too_big = true;
			return MHD_YES;
		}
		if (r->len + n + 1 > r->cap) {
			size_t cap = r->cap ? r->cap : 4096;
			while (cap < r->len + n + 1)
				cap *= 2;
			char *p = realloc(r->body, cap);
			if (!p)
				return MHD_NO;
			r->body = p;
			r->cap = cap;
		}
		memcpy(r->body + r->len, upload, n);
		r->len += n;
		r->body[r->len] = '\0';
		return MHD_YES;
	}

	bool get = !strcmp(method, MHD_HTTP_METHOD_GET) || !strcmp(method, MHD_HTTP_METHOD_HEAD);
	bool post = !strcmp(method, MHD_HTTP_METHOD_POST) || !strcmp(method, MHD_HTTP_METHOD_PUT);
	char msg[128];
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		const struct route *rt = &routes[i];
		if (rt->prefix ? strncmp(url, rt->path, strlen(rt->path)) : strcmp(url, rt->path))
			continue;
		if (rt->post ? !post : !get) {
			snprintf(msg, sizeof msg, "%.32s not supported for this path", method);
			return send_error(m, c, MHD_HTTP_METHOD_NOT_ALLOWED, 405, msg, rt->post ? ALLOW_POST : ALLOW_GET);
		}
		if (r->too_big) {
			snprintf(msg, sizeof msg, "request body larger than %zu bytes", m->cfg.max_request);
			return send_error(m, c, MHD_HTTP_CONTENT_TOO_LARGE, 413, msg, NULL);
		}
		return rt->fn(m, c, url, r);
	}
	if (get)
		return send_not_found(m, c, url);
	snprintf(msg, sizeof msg, "%.32s not supported for this path", method);
	return send_error(m, c, MHD_HTTP_METHOD_NOT_ALLOWED, 405, msg, ALLOW_GET);
}

static void request_done(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct req *r = *con_cls;
	(void)cls;
	(void)c;
	(void)toe;
	if (r) {
		free(r->body);
		free(r);
	}
	*con_cls = NULL;
}

__attribute__((format(printf, 2, 0))) static void http_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	(void)cls;
	vsnprintf(line, sizeof line, fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	log_warnx("http: %s", line);
}

/* ---------------------------------------------------------------- start and stop */

static int listen_socket(const struct zt_inetaddr *a, uint16_t *port)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int one = 1;
	memset(&ss, 0, sizeof ss);
	if (a->family == ZT_INETADDR_V4) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, a->ip, 4);
		s4->sin_port = htons(a->port);
		sl = sizeof *s4;
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, a->ip, 16);
		s6->sin6_port = htons(a->port);
		sl = sizeof *s6;
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, HTTP_BACKLOG) != 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	*port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
					      : ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

zt_err lfm_http_start(struct lfm *m, struct lfm_http **out)
{
	struct lfm_http *h = calloc(1, sizeof *h);
	char addr[ZT_INETADDR_STRING_MAX];
	*out = NULL;
	if (!h)
		return -ENOMEM;
	h->m = m;
	for (unsigned i = 0; i < m->cfg.nlisten; i++) {
		const struct zt_inetaddr *a = &m->cfg.listen[i];
		int fd = listen_socket(a, &h->port[i]);
		zt_inetaddr_format_ip(a, addr, sizeof addr);
		if (fd < 0) {
			log_error("http: cannot listen on %s port %u: %s", addr, a->port, zt_strerror(fd));
			lfm_http_stop(h);
			return fd;
		}
		h->d[i] = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
						   MHD_USE_ERROR_LOG | (a->family == ZT_INETADDR_V6 ? MHD_USE_IPv6 : 0),
					   0, NULL, NULL, handle, m, MHD_OPTION_EXTERNAL_LOGGER, http_log, NULL,
					   MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd, MHD_OPTION_NOTIFY_COMPLETED,
					   request_done, NULL, MHD_OPTION_CONNECTION_LIMIT, m->cfg.max_connections,
					   MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)HTTP_TIMEOUT_S, MHD_OPTION_END);
		if (!h->d[i]) {
			close(fd);
			log_error("http: cannot start the server on %s port %u", addr, h->port[i]);
			lfm_http_stop(h);
			return ZT_EHTTP;
		}
		h->n = i + 1;
		log_info("http: listening on %s port %u", addr, h->port[i]);
	}
	*out = h;
	return ZT_OK;
}

void lfm_http_stop(struct lfm_http *h)
{
	if (!h)
		return;
	for (unsigned i = 0; i < LFM_MAX_LISTEN; i++)
		if (h->d[i])
			MHD_stop_daemon(h->d[i]);
	free(h);
}

uint16_t lfm_http_port(const struct lfm_http *h, unsigned i)
{
	return i < h->n ? h->port[i] : 0;
}
