/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The request machine of the LF client: one curl multi handle per "engine", driven through curl's
 * socket interface (CURLMOPT_SOCKETFUNCTION / TIMERFUNCTION) so that an event loop can watch the
 * sockets itself. Blocking calls run the same machine on a private engine with a small poll loop,
 * so retries, timeouts and error reporting behave identically in both forms.
 *
 * This is the one place where curl's errors become zt_err (classify_transport).
 */
#include <config.h> /* PACKAGE_VERSION */

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "lf/client_impl.h"

#define USER_AGENT "zerotier-lf-client/" PACKAGE_VERSION
#define SYNC_POLL_MAX_MS 1000 /* a blocking call re-checks its timers at least this often */
#define SYNC_POLL_FDS 16

int64_t lf_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *zt_lf_fail_name(enum zt_lf_fail kind)
{
	switch (kind) {
	case ZT_LF_FAIL_NONE: return "none";
	case ZT_LF_FAIL_LOCAL: return "local";
	case ZT_LF_FAIL_RESOLVE: return "resolve";
	case ZT_LF_FAIL_CONNECT: return "connect";
	case ZT_LF_FAIL_TIMEOUT: return "timeout";
	case ZT_LF_FAIL_TRANSPORT: return "transport";
	case ZT_LF_FAIL_HTTP: return "http";
	case ZT_LF_FAIL_REPLY: return "reply";
	}
	return "unknown";
}

void zt_lf_result_free(struct zt_lf_result *r)
{
	zt_lf_status_free(&r->status);
	zt_lf_query_result_free(&r->query);
	zt_lf_record_clear(&r->record);
	zt_lf_make_result_free(&r->make);
	zt_lf_owner_status_free(&r->owner);
	free(r->links);
	memset(r, 0, sizeof *r);
}

/* ---------------------------------------------------------------- curl's socket and timer callbacks */

static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct lf_engine *eng = userp;
	short events = 0;
	size_t i;
	(void)easy;
	(void)socketp;

	if (what == CURL_POLL_IN)
		events = POLLIN;
	else if (what == CURL_POLL_OUT)
		events = POLLOUT;
	else if (what == CURL_POLL_INOUT)
		events = POLLIN | POLLOUT;

	for (i = 0; i < eng->nsocks && eng->socks[i].fd != fd; i++)
		;
	if (what == CURL_POLL_REMOVE) {
		if (i < eng->nsocks)
			eng->socks[i] = eng->socks[--eng->nsocks];
	} else if (i < eng->nsocks) {
		eng->socks[i].events = events;
	} else {
		if (eng->nsocks == eng->capsocks) {
			size_t cap = eng->capsocks ? 2 * eng->capsocks : 8;
			struct pollfd *p = realloc(eng->socks, cap * sizeof *p);
			if (!p)
				return -1; /* curl fails the transfer */
			eng->socks = p;
			eng->capsocks = cap;
		}
		eng->socks[eng->nsocks++] = (struct pollfd){ .fd = fd, .events = events };
	}
	if (eng->watch)
		eng->watch(eng->watch_arg, fd, events);
	return 0;
}

static int on_timer(CURLM *multi, long timeout_ms, void *userp)
{
	struct lf_engine *eng = userp;
	(void)multi;
	eng->deadline = timeout_ms < 0 ? -1 : lf_mono_ms() + timeout_ms;
	return 0;
}

zt_err lf_engine_init(struct lf_engine *eng, struct zt_lf_client *c)
{
	memset(eng, 0, sizeof *eng);
	eng->c = c;
	eng->deadline = -1;
	if (!(eng->multi = curl_multi_init()))
		return -ENOMEM;
	curl_multi_setopt(eng->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(eng->multi, CURLMOPT_SOCKETDATA, eng);
	curl_multi_setopt(eng->multi, CURLMOPT_TIMERFUNCTION, on_timer);
	curl_multi_setopt(eng->multi, CURLMOPT_TIMERDATA, eng);
	return ZT_OK;
}

static void req_free(struct zt_lf_request *q);

void lf_engine_free(struct lf_engine *eng)
{
	while (eng->head)
		zt_lf_request_cancel(eng->head);
	if (eng->multi)
		curl_multi_cleanup(eng->multi);
	free(eng->socks);
	memset(eng, 0, sizeof *eng);
}

/* ---------------------------------------------------------------- one request */

static size_t on_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct zt_lf_request *q = arg;
	size_t n = size * nmemb;
	if (n > q->c->o.max_response - q->resp_len) {
		q->too_big = true;
		return 0;
	}
	if (q->resp_len + n + 1 > q->resp_cap) {
		size_t cap = q->resp_cap ? q->resp_cap : 4096;
		while (cap < q->resp_len + n + 1)
			cap *= 2;
		char *b = realloc(q->resp, cap);
		if (!b)
			return 0;
		q->resp = b;
		q->resp_cap = cap;
	}
	memcpy(q->resp + q->resp_len, p, n);
	q->resp_len += n;
	q->resp[q->resp_len] = '\0';
	return n;
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *arg)
{
	static const char name[] = "x-lf-time:";
	struct zt_lf_request *q = arg;
	size_t n = size * nmemb;
	if (n > sizeof name - 1 && !strncasecmp(p, name, sizeof name - 1)) {
		char buf[32];
		size_t len = n - (sizeof name - 1);
		if (len >= sizeof buf)
			len = sizeof buf - 1;
		memcpy(buf, p + sizeof name - 1, len);
		buf[len] = '\0';
		q->server_time = strtoull(buf, NULL, 10);
	}
	return n;
}

static void req_free(struct zt_lf_request *q)
{
	if (q->easy)
		curl_easy_cleanup(q->easy);
	curl_slist_free_all(q->headers);
	free(q->url);
	free(q->body);
	free(q->resp);
	free(q);
}

static void req_unlink(struct zt_lf_request *q)
{
	if (q->next)
		q->next->pprev = q->pprev;
	*q->pprev = q->next;
	q->eng->count--;
}

static zt_err req_start(struct zt_lf_request *q)
{
	q->resp_len = 0;
	q->errbuf[0] = '\0';
	q->too_big = false;
	q->server_time = 0;
	q->retry_at = -1;
	if (curl_multi_add_handle(q->eng->multi, q->easy) != CURLM_OK)
		return -ENOMEM;
	q->in_multi = true;
	return ZT_OK;
}

/* Takes call->body. */
zt_err lf_submit(struct zt_lf_client *c, struct lf_engine *eng, struct lf_call *call, zt_lf_done_fn done, void *arg,
		 struct zt_lf_request **out)
{
	struct zt_lf_request *q = calloc(1, sizeof *q);
	zt_err err = -ENOMEM;
	size_t ulen = strlen(c->base) + strlen(call->path) + 1;

	if (out)
		*out = NULL;
	if (!q) {
		free(call->body);
		call->body = NULL;
		return -ENOMEM;
	}
	q->c = c;
	q->eng = eng;
	q->call = *call;
	q->call.body = NULL;
	q->body = call->body;
	call->body = NULL;
	q->done = done;
	q->arg = arg;
	q->retry_at = -1;
	if (!(q->url = malloc(ulen)) || !(q->easy = curl_easy_init()))
		goto fail;
	snprintf(q->url, ulen, "%s%s", c->base, call->path);

	CURL *e = q->easy;
	long timeout = call->op == ZT_LF_OP_MAKERECORD ? c->o.make_timeout_ms : c->o.timeout_ms;
	curl_easy_setopt(e, CURLOPT_URL, q->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, q);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, c->o.connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, q);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, q);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, q->errbuf);
	curl_easy_setopt(e, CURLOPT_USERAGENT, USER_AGENT);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(e, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(e, CURLOPT_PROXY, c->proxy ? c->proxy : "");
	if (call->post) {
		const char *type = call->json ? "Content-Type: application/json" : "Content-Type: application/octet-stream";
		struct curl_slist *h = curl_slist_append(NULL, type);
		if (!h || !(q->headers = curl_slist_append(h, "Expect:"))) {
			curl_slist_free_all(h);
			goto fail;
		}
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, q->headers);
		curl_easy_setopt(e, CURLOPT_POST, 1L);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, q->body ? q->body : "");
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)call->body_len);
	} else {
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	}

	q->next = eng->head;
	if (eng->head)
		eng->head->pprev = &q->next;
	q->pprev = &eng->head;
	eng->head = q;
	eng->count++;
	q->attempt = 1;
	if ((err = req_start(q)) != ZT_OK) {
		req_unlink(q);
		goto fail;
	}
	if (out)
		*out = q;
	return ZT_OK;
fail:
	req_free(q);
	return err;
}

void zt_lf_request_cancel(struct zt_lf_request *q)
{
	if (!q || q->completing)
		return;
	if (q->in_multi)
		curl_multi_remove_handle(q->eng->multi, q->easy);
	req_unlink(q);
	req_free(q);
}

/* ---------------------------------------------------------------- outcomes */

void lf_error_set(const struct zt_lf_request *q, struct zt_lf_error *e, zt_err err, enum zt_lf_fail kind,
		  const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(e->message, sizeof e->message, "%s %s: ", q->call.post ? "POST" : "GET", q->call.path);
	e->err = err;
	e->kind = kind;
	if (n < 0 || (size_t)n >= sizeof e->message)
		return;
	va_start(ap, fmt);
	vsnprintf(e->message + n, sizeof e->message - (size_t)n, fmt, ap);
	va_end(ap);
	if (q->attempt > 1) {
		size_t len = strlen(e->message);
		snprintf(e->message + len, sizeof e->message - len, " (after %u attempts)", q->attempt);
	}
}

/* curl's verdict on a transfer without a complete answer. Returns whether it is worth retrying. */
static bool classify_transport(struct zt_lf_request *q, CURLcode rc, struct zt_lf_error *e)
{
	const char *detail = q->errbuf[0] ? q->errbuf : curl_easy_strerror(rc);
	long os_errno = 0;
	curl_off_t connect_time = 0;
	bool idempotent = q->call.op != ZT_LF_OP_MAKERECORD;

	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		lf_error_set(q, e, ZT_EDNS, ZT_LF_FAIL_RESOLVE, "cannot resolve the LF node's host: %s", detail);
		return true;
	case CURLE_COULDNT_CONNECT:
		curl_easy_getinfo(q->easy, CURLINFO_OS_ERRNO, &os_errno);
		lf_error_set(q, e, os_errno > 0 ? (zt_err)-os_errno : -ECONNREFUSED, ZT_LF_FAIL_CONNECT,
			     "cannot connect to the LF node: %s", os_errno > 0 ? strerror((int)os_errno) : detail);
		return true;
	case CURLE_OPERATION_TIMEDOUT:
		/* Never connected: the node has not seen the request, so even /makerecord may be retried. */
		curl_easy_getinfo(q->easy, CURLINFO_CONNECT_TIME_T, &connect_time);
		lf_error_set(q, e, -ETIMEDOUT, ZT_LF_FAIL_TIMEOUT, "no answer from the LF node in time: %s", detail);
		return idempotent || connect_time == 0;
	case CURLE_WRITE_ERROR:
		if (q->too_big) {
			lf_error_set(q, e, ZT_ETOOBIG, ZT_LF_FAIL_REPLY, "answer larger than %zu bytes",
				     q->c->o.max_response);
			return false;
		}
		lf_error_set(q, e, -ENOMEM, ZT_LF_FAIL_LOCAL, "out of memory receiving the answer");
		return false;
	case CURLE_OUT_OF_MEMORY:
		lf_error_set(q, e, -ENOMEM, ZT_LF_FAIL_LOCAL, "%s", detail);
		return false;
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		lf_error_set(q, e, ZT_ECONFIG, ZT_LF_FAIL_LOCAL, "bad LF URL `%s': %s", q->url, detail);
		return false;
	default:
		lf_error_set(q, e, ZT_EHTTP, ZT_LF_FAIL_TRANSPORT, "%s", detail);
		return idempotent;
	}
}

static zt_err http_status_err(long status)
{
	switch (status) {
	case 400: return ZT_EINVALID;
	case 403: return -EACCES;
	case 404: return ZT_ENOTFOUND;
	case 405: return ZT_EUNSUPPORTED;
	case 429: return ZT_ELIMIT;
	default: return ZT_EHTTP;
	}
}

/* A non-200 answer: LF's ErrAPI if the body is one, else a printable excerpt of the body. */
static bool classify_http(struct zt_lf_request *q, long status, struct zt_lf_error *e)
{
	json_t *doc = q->resp_len ? zt_lf_json_loads(q->resp, q->resp_len, NULL) : NULL;
	e->has_lf_error = doc && zt_lfapi_error_parse(doc, &e->lf, NULL, 0) == ZT_OK;
	json_decref(doc);

	if (e->has_lf_error) {
		char extra[96] = "";
		if (e->lf.code != status || e->lf.type[0])
			snprintf(extra, sizeof extra, " (LF code %ld%s%s)", e->lf.code, e->lf.type[0] ? ", " : "",
				 e->lf.type);
		lf_error_set(q, e, http_status_err(status), ZT_LF_FAIL_HTTP, "HTTP %ld: %s%s", status,
			     e->lf.message[0] ? e->lf.message : "(no message)", extra);
	} else {
		char excerpt[81];
		size_t n = 0;
		for (size_t i = 0; i < q->resp_len && n < sizeof excerpt - 1; i++)
			excerpt[n++] = q->resp[i] >= 0x20 && q->resp[i] < 0x7f ? q->resp[i] : '.';
		excerpt[n] = '\0';
		lf_error_set(q, e, http_status_err(status), ZT_LF_FAIL_HTTP, "HTTP %ld%s%s%s", status,
			     n ? " `" : "", excerpt, n ? "'" : "");
	}
	bool transient = status >= 500 || status == 429;
	return transient && q->call.op != ZT_LF_OP_MAKERECORD;
}

static int64_t backoff_ms(const struct zt_lf_client *c, unsigned failed_attempts)
{
	int64_t d = c->o.backoff_ms;
	for (unsigned i = 1; i < failed_attempts && d < c->o.backoff_max_ms; i++)
		d *= 2;
	return d < c->o.backoff_max_ms ? d : c->o.backoff_max_ms;
}

/* Removes a finished transfer from curl, then either schedules a retry or completes the request. */
static void req_finish(struct zt_lf_request *q, CURLcode rc)
{
	struct zt_lf_client *c = q->c;
	struct zt_lf_result *res = calloc(1, sizeof *res);
	long status = 0;
	bool retry = false;

	curl_multi_remove_handle(q->eng->multi, q->easy);
	q->in_multi = false;
	if (!res) {
		/* Try again later rather than lose the completion. */
		q->retry_at = lf_mono_ms() + backoff_ms(c, 1);
		return;
	}
	res->op = q->call.op;
	res->error.attempts = q->attempt;
	res->server_time = q->server_time;
	if (q->server_time)
		c->server_time = q->server_time;

	if (rc != CURLE_OK) {
		retry = classify_transport(q, rc, &res->error);
	} else {
		curl_easy_getinfo(q->easy, CURLINFO_RESPONSE_CODE, &status);
		res->error.http_status = status;
		if (status != 200)
			retry = classify_http(q, status, &res->error);
		else
			lf_reply_parse(q, res);
	}

	if (retry && q->attempt <= c->o.retries) {
		q->retry_at = lf_mono_ms() + backoff_ms(c, q->attempt);
		q->attempt++;
		zt_lf_result_free(res);
		free(res);
		return;
	}
	req_unlink(q);
	q->completing = true;
	q->done(res, q->arg);
	zt_lf_result_free(res);
	free(res);
	req_free(q);
}

/* ---------------------------------------------------------------- driving an engine */

void lf_engine_perform(struct lf_engine *eng, const struct pollfd *fds, size_t n)
{
	int running, left;
	CURLMsg *msg;

	if (eng->performing)
		return;
	eng->performing = true;
	for (size_t i = 0; i < n; i++) {
		int ev = 0;
		if (!fds[i].revents)
			continue;
		if (fds[i].revents & (POLLIN | POLLHUP))
			ev |= CURL_CSELECT_IN;
		if (fds[i].revents & POLLOUT)
			ev |= CURL_CSELECT_OUT;
		if (fds[i].revents & (POLLERR | POLLNVAL))
			ev |= CURL_CSELECT_ERR;
		curl_multi_socket_action(eng->multi, fds[i].fd, ev, &running);
	}

	int64_t now = lf_mono_ms();
	for (struct zt_lf_request *q = eng->head; q; q = q->next) {
		if (!q->in_multi && q->retry_at >= 0 && now >= q->retry_at && req_start(q) != ZT_OK)
			q->retry_at = now + backoff_ms(eng->c, 1);
	}
	if (eng->deadline >= 0 && lf_mono_ms() >= eng->deadline) {
		eng->deadline = -1;
		curl_multi_socket_action(eng->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	}

	while ((msg = curl_multi_info_read(eng->multi, &left))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		struct zt_lf_request *q = NULL;
		CURLcode rc = msg->data.result;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&q);
		if (q)
			req_finish(q, rc);
	}
	eng->performing = false;
}

long lf_engine_timeout(const struct lf_engine *eng)
{
	int64_t next = eng->deadline;
	for (const struct zt_lf_request *q = eng->head; q; q = q->next)
		if (!q->in_multi && q->retry_at >= 0 && (next < 0 || q->retry_at < next))
			next = q->retry_at;
	if (next < 0)
		return -1;
	int64_t d = next - lf_mono_ms();
	return d < 0 ? 0 : d > LONG_MAX ? LONG_MAX : (long)d;
}

size_t lf_engine_pollfds(const struct lf_engine *eng, struct pollfd *fds, size_t cap)
{
	for (size_t i = 0; i < eng->nsocks && i < cap; i++)
		fds[i] = (struct pollfd){ .fd = eng->socks[i].fd, .events = eng->socks[i].events };
	return eng->nsocks;
}

struct sync_ctx {
	struct zt_lf_result *res;
	bool done;
};

static void sync_done(struct zt_lf_result *res, void *arg)
{
	struct sync_ctx *ctx = arg;
	*ctx->res = *res;
	memset(res, 0, sizeof *res);
	ctx->done = true;
}

zt_err lf_run(struct zt_lf_client *c, struct lf_call *call, struct zt_lf_result *res)
{
	struct sync_ctx ctx = { res, false };
	struct pollfd fds[SYNC_POLL_FDS];
	zt_err err;

	memset(res, 0, sizeof *res);
	res->op = call->op;
	if (c->sync_busy) {
		free(call->body);
		call->body = NULL;
		res->error.err = -EBUSY;
		res->error.kind = ZT_LF_FAIL_LOCAL;
		snprintf(res->error.message, sizeof res->error.message, "blocking LF calls cannot nest");
		return -EBUSY;
	}
	if ((err = lf_submit(c, &c->sync, call, sync_done, &ctx, NULL)) != ZT_OK) {
		res->error.err = err;
		res->error.kind = ZT_LF_FAIL_LOCAL;
		snprintf(res->error.message, sizeof res->error.message, "%s: cannot start the request: %s", call->path,
			 zt_strerror(err));
		return err;
	}
	c->sync_busy = true;
	while (!ctx.done) {
		size_t n = lf_engine_pollfds(&c->sync, fds, SYNC_POLL_FDS);
		long t = lf_engine_timeout(&c->sync);
		if (n > SYNC_POLL_FDS)
			n = SYNC_POLL_FDS;
		if (t < 0 || t > SYNC_POLL_MAX_MS)
			t = SYNC_POLL_MAX_MS;
		if (poll(fds, (nfds_t)n, (int)t) < 0 && errno != EINTR)
			break;
		lf_engine_perform(&c->sync, fds, n);
	}
	c->sync_busy = false;
	if (!ctx.done) {
		/* poll itself failed: abandon the request. */
		err = -errno;
		while (c->sync.head)
			zt_lf_request_cancel(c->sync.head);
		res->error.err = err;
		res->error.kind = ZT_LF_FAIL_LOCAL;
		snprintf(res->error.message, sizeof res->error.message, "%s: poll: %s", call->path, strerror(-err));
	}
	return res->error.err;
}

/* ---------------------------------------------------------------- the client */

void zt_lf_client_options_default(struct zt_lf_client_options *o)
{
	o->connect_timeout_ms = ZT_LF_CLIENT_CONNECT_TIMEOUT_MS;
	o->timeout_ms = ZT_LF_CLIENT_TIMEOUT_MS;
	o->make_timeout_ms = ZT_LF_CLIENT_MAKE_TIMEOUT_MS;
	o->retries = ZT_LF_CLIENT_RETRIES;
	o->backoff_ms = ZT_LF_CLIENT_BACKOFF_MS;
	o->backoff_max_ms = ZT_LF_CLIENT_BACKOFF_MAX_MS;
	o->max_response = ZT_LF_CLIENT_MAX_RESPONSE;
	o->proxy = NULL;
}

zt_err zt_lf_client_new(struct zt_lf_client **out, const char *base_url, const struct zt_lf_client_options *opts)
{
	struct zt_lf_client *c = NULL;
	struct zt_lf_client_options def;
	zt_err err = -ENOMEM;

	*out = NULL;
	if (!base_url)
		base_url = ZT_LF_CLIENT_DEFAULT_URL;
	if (strncasecmp(base_url, "http://", 7) && strncasecmp(base_url, "https://", 8))
		return ZT_ECONFIG;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return ZT_EHTTP;
	if (!(c = calloc(1, sizeof *c)) || !(c->base = strdup(base_url)))
		goto fail;
	size_t len = strlen(c->base);
	while (len > 0 && c->base[len - 1] == '/')
		c->base[--len] = '\0';

	zt_lf_client_options_default(&def);
	c->o = opts ? *opts : def;
	if (c->o.connect_timeout_ms <= 0)
		c->o.connect_timeout_ms = def.connect_timeout_ms;
	if (c->o.timeout_ms <= 0)
		c->o.timeout_ms = def.timeout_ms;
	if (c->o.make_timeout_ms <= 0)
		c->o.make_timeout_ms = def.make_timeout_ms;
	if (c->o.retries > ZT_LF_CLIENT_MAX_RETRIES)
		c->o.retries = ZT_LF_CLIENT_MAX_RETRIES;
	if (c->o.backoff_ms <= 0)
		c->o.backoff_ms = def.backoff_ms;
	if (c->o.backoff_max_ms < c->o.backoff_ms)
		c->o.backoff_max_ms = c->o.backoff_ms;
	if (c->o.max_response == 0)
		c->o.max_response = def.max_response;
	if (c->o.proxy && !(c->o.proxy = c->proxy = strdup(c->o.proxy)))
		goto fail;

	if ((err = lf_engine_init(&c->async, c)) != ZT_OK || (err = lf_engine_init(&c->sync, c)) != ZT_OK)
		goto fail;
	*out = c;
	return ZT_OK;
fail:
	zt_lf_client_free(c);
	if (!c)
		curl_global_cleanup();
	return err;
}

void zt_lf_client_free(struct zt_lf_client *c)
{
	if (!c)
		return;
	lf_engine_free(&c->async);
	lf_engine_free(&c->sync);
	free(c->base);
	free(c->proxy);
	free(c);
	curl_global_cleanup();
}

uint64_t zt_lf_client_server_time(const struct zt_lf_client *c)
{
	return c->server_time;
}

unsigned zt_lf_client_pending(const struct zt_lf_client *c)
{
	return c->async.count;
}

size_t zt_lf_client_pollfds(const struct zt_lf_client *c, struct pollfd *fds, size_t cap)
{
	return lf_engine_pollfds(&c->async, fds, cap);
}

long zt_lf_client_timeout_ms(const struct zt_lf_client *c)
{
	return lf_engine_timeout(&c->async);
}

void zt_lf_client_perform(struct zt_lf_client *c, const struct pollfd *fds, size_t n)
{
	lf_engine_perform(&c->async, fds, n);
}

void zt_lf_client_set_watch(struct zt_lf_client *c, zt_lf_watch_fn watch, void *arg)
{
	c->async.watch = watch;
	c->async.watch_arg = arg;
}
