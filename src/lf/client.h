/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_LF_CLIENT_H
#define ZT_LF_CLIENT_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lf/lfapi_json.h"
#include "lf/record.h"
#include "node/err.h"

/*
 * A client of LF's HTTP API (lf.md §3) over libcurl: /status, /query, /post, /makerecord, /record,
 * /links and /owner, against a reference LF node or our mirror.
 *
 * Two ways to call it, sharing one request machine (timeouts, retries with exponential backoff,
 * error classification, parsing):
 *  - blocking calls (zt_lf_client_status ...), which wait at most
 *        (retries + 1) x timeout + the backoff pauses;
 *  - asynchronous requests (zt_lf_submit_*) on a curl multi handle, for an event loop that must
 *    never wait on an LF node: submit, poll the client's sockets with zt_lf_client_pollfds and
 *    zt_lf_client_timeout_ms, call zt_lf_client_perform, and the completion callback runs from
 *    inside perform.
 *
 * A client is not thread-safe: use it from one thread (or one client per thread). Every blocking
 * call may be made while asynchronous requests are in flight; it uses its own connections.
 *
 * Retries: connection failures (refused, unreachable, name resolution) are always retried, since
 * nothing reached the node; timeouts, transport errors and HTTP 5xx/429 only for requests that are
 * safe to repeat (all but /makerecord, where the node may still be working on the first one).
 * HTTP 4xx and unparseable answers are never retried.
 */

struct zt_lf_client;

#define ZT_LF_CLIENT_DEFAULT_URL "http://127.0.0.1:9980"
#define ZT_LF_CLIENT_CONNECT_TIMEOUT_MS 3000L
#define ZT_LF_CLIENT_TIMEOUT_MS 15000L
#define ZT_LF_CLIENT_MAKE_TIMEOUT_MS 600000L /* /makerecord may compute proof of work for minutes */
#define ZT_LF_CLIENT_RETRIES 2u
#define ZT_LF_CLIENT_MAX_RETRIES 8u
#define ZT_LF_CLIENT_BACKOFF_MS 250L
#define ZT_LF_CLIENT_BACKOFF_MAX_MS 5000L
#define ZT_LF_CLIENT_MAX_RESPONSE ((size_t)64 << 20)
#define ZT_LF_CLIENT_MESSAGE_MAX 512

struct zt_lf_client_options {
	long connect_timeout_ms; /* TCP (and TLS) connection, per attempt */
	long timeout_ms;         /* the whole exchange, per attempt */
	long make_timeout_ms;    /* the same for /makerecord */
	unsigned retries;        /* attempts after the first; at most ZT_LF_CLIENT_MAX_RETRIES */
	long backoff_ms;         /* pause before the first retry; doubled for each further one */
	long backoff_max_ms;     /* cap on a single pause */
	size_t max_response;     /* a longer answer (after decompression) fails with ZT_ETOOBIG; 0: default */
	const char *proxy;       /* an HTTP proxy URL (copied); NULL: none, whatever http_proxy says */
};
/* Fills the defaults above. A zero or negative time in options given to new means the default too. */
void zt_lf_client_options_default(struct zt_lf_client_options *o);

/* What went wrong, for the operator (the message) and for the code (err and kind). */
enum zt_lf_fail {
	ZT_LF_FAIL_NONE = 0,
	ZT_LF_FAIL_LOCAL,     /* bad arguments, out of memory, curl could not be set up */
	ZT_LF_FAIL_RESOLVE,   /* the host name does not resolve (ZT_EDNS) */
	ZT_LF_FAIL_CONNECT,   /* connection refused (-ECONNREFUSED) or unreachable */
	ZT_LF_FAIL_TIMEOUT,   /* no (complete) answer in time (-ETIMEDOUT) */
	ZT_LF_FAIL_TRANSPORT, /* reset, closed, truncated, TLS (ZT_EHTTP) */
	ZT_LF_FAIL_HTTP,      /* an HTTP status other than 200, with LF's ErrAPI when the body has one */
	ZT_LF_FAIL_REPLY,     /* 200, but the body is not what the endpoint answers (ZT_EMALFORMED ...) */
};
/* "local", "resolve", "connect", "timeout", "transport", "http", "reply" ("none" for 0). */
const char *zt_lf_fail_name(enum zt_lf_fail kind);

struct zt_lf_error {
	zt_err err;              /* ZT_OK on success */
	enum zt_lf_fail kind;
	long http_status;        /* 0 without an HTTP answer */
	bool has_lf_error;       /* the body was LF's ErrAPI: */
	struct zt_lf_api_error lf;
	unsigned attempts;       /* attempts made */
	char message[ZT_LF_CLIENT_MESSAGE_MAX]; /* one line: "POST /query: HTTP 400: query failed: ..." */
};

/*
 * Creates a client for an LF node at base_url ("http://host:port", optionally with a path prefix;
 * NULL: ZT_LF_CLIENT_DEFAULT_URL). opts NULL: the defaults. Initializes libcurl's global state
 * (reference counted by curl; zt_lf_client_free releases it).
 * ZT_ECONFIG for a URL that is not http:// or https://, -ENOMEM.
 */
zt_err zt_lf_client_new(struct zt_lf_client **c, const char *base_url, const struct zt_lf_client_options *opts);
/* Cancels every asynchronous request (their callbacks are not called) and frees the client. NULL is fine. */
void zt_lf_client_free(struct zt_lf_client *c);
/* The node's clock (X-LF-Time) from the latest answer, in Unix seconds; 0 before any. */
uint64_t zt_lf_client_server_time(const struct zt_lf_client *c);

/* ---------------------------------------------------------------- blocking calls */
/*
 * Each returns ZT_OK and fills its output (zeroed first; the caller frees it with the type's _free),
 * or an error with the details in *e (may be NULL). /query results are sorted in every set by trust,
 * then weight (zt_lf_query_result_sort).
 */
zt_err zt_lf_client_status(struct zt_lf_client *c, struct zt_lf_status *out, struct zt_lf_error *e);
zt_err zt_lf_client_query(struct zt_lf_client *c, const struct zt_lf_query *q, struct zt_lf_query_result *out,
			  struct zt_lf_error *e);
/* Posts one binary record. `echo` (may be NULL) receives the record as the node answers it. */
zt_err zt_lf_client_post(struct zt_lf_client *c, const uint8_t *record, size_t len, struct zt_lf_record *echo,
			 struct zt_lf_error *e);
/* /makerecord: only a node on loopback accepts it (403 otherwise: -EACCES). */
zt_err zt_lf_client_makerecord(struct zt_lf_client *c, const struct zt_lf_make_request *m,
			       struct zt_lf_make_result *out, struct zt_lf_error *e);
/*
 * /record/=<hash> (raw false: the JSON form, rebuilt) or /record/raw/=<hash> (the stored bytes).
 * Either way the record must hash to `hash`, else ZT_EAUTH. Unknown record: ZT_ENOTFOUND.
 */
zt_err zt_lf_client_record(struct zt_lf_client *c, const uint8_t hash[static ZT_LF_HASH_SIZE], bool raw,
			   struct zt_lf_record *out, struct zt_lf_error *e);
/* /links?count=N: up to N (1..15) link suggestions; *links is malloc'd (NULL when none). */
zt_err zt_lf_client_links(struct zt_lf_client *c, unsigned count, uint8_t (**links)[ZT_LF_HASH_SIZE],
			  size_t *nlinks, struct zt_lf_error *e);
/* /owner/@<owner>: what a record builder needs (links, server time, certificate state). */
zt_err zt_lf_client_owner(struct zt_lf_client *c, const struct zt_lf_owner_id *owner,
			  struct zt_lf_owner_status *out, struct zt_lf_error *e);

/* ---------------------------------------------------------------- asynchronous requests */

enum zt_lf_op {
	ZT_LF_OP_STATUS,
	ZT_LF_OP_QUERY,
	ZT_LF_OP_POST,
	ZT_LF_OP_MAKERECORD,
	ZT_LF_OP_RECORD,
	ZT_LF_OP_RECORD_RAW,
	ZT_LF_OP_LINKS,
	ZT_LF_OP_OWNER,
};

/*
 * A finished request. On success (error.err == ZT_OK) the member for the operation is filled:
 * STATUS status; QUERY query (sorted); POST, RECORD, RECORD_RAW record and hash; MAKERECORD make;
 * LINKS links/nlinks; OWNER owner. The client frees the result when the callback returns; to keep a
 * member, copy it out and zero it in the result (e.g. `mine = res->query; memset(&res->query, 0, ...)`).
 */
struct zt_lf_result {
	enum zt_lf_op op;
	struct zt_lf_error error;
	uint64_t server_time;                 /* X-LF-Time of the answer, 0 if none */
	struct zt_lf_status status;
	struct zt_lf_query_result query;
	struct zt_lf_record record;
	uint8_t hash[ZT_LF_HASH_SIZE];
	struct zt_lf_make_result make;
	struct zt_lf_owner_status owner;
	uint8_t (*links)[ZT_LF_HASH_SIZE];
	size_t nlinks;
};
void zt_lf_result_free(struct zt_lf_result *r);

typedef void (*zt_lf_done_fn)(struct zt_lf_result *res, void *arg);
struct zt_lf_request;

/*
 * Each submit copies what it needs from its arguments and returns at once: ZT_OK (and the request
 * in *req, which may be NULL, valid until its callback returns or it is cancelled) or an argument
 * or setup error, in which case `done` is never called. `done` is always called exactly once
 * otherwise, from zt_lf_client_perform. It may submit or cancel other requests, but must not call
 * zt_lf_client_perform or zt_lf_client_free.
 */
zt_err zt_lf_submit_status(struct zt_lf_client *c, zt_lf_done_fn done, void *arg, struct zt_lf_request **req);
zt_err zt_lf_submit_query(struct zt_lf_client *c, const struct zt_lf_query *q, zt_lf_done_fn done, void *arg,
			  struct zt_lf_request **req);
zt_err zt_lf_submit_post(struct zt_lf_client *c, const uint8_t *record, size_t len, zt_lf_done_fn done, void *arg,
			 struct zt_lf_request **req);
zt_err zt_lf_submit_makerecord(struct zt_lf_client *c, const struct zt_lf_make_request *m, zt_lf_done_fn done,
			       void *arg, struct zt_lf_request **req);
zt_err zt_lf_submit_record(struct zt_lf_client *c, const uint8_t hash[static ZT_LF_HASH_SIZE], bool raw,
			   zt_lf_done_fn done, void *arg, struct zt_lf_request **req);
zt_err zt_lf_submit_links(struct zt_lf_client *c, unsigned count, zt_lf_done_fn done, void *arg,
			  struct zt_lf_request **req);
zt_err zt_lf_submit_owner(struct zt_lf_client *c, const struct zt_lf_owner_id *owner, zt_lf_done_fn done,
			  void *arg, struct zt_lf_request **req);
/* Abandons a request; its callback is not called. Not from that request's own callback. */
void zt_lf_request_cancel(struct zt_lf_request *req);

/* Asynchronous requests submitted and not yet completed (including those waiting to retry). */
unsigned zt_lf_client_pending(const struct zt_lf_client *c);
/*
 * The sockets to watch now: fills up to `cap` entries (fd, events POLLIN/POLLOUT, revents 0) and
 * returns how many there are (more than cap means: call again with a bigger array).
 */
size_t zt_lf_client_pollfds(const struct zt_lf_client *c, struct pollfd *fds, size_t cap);
/* Milliseconds until zt_lf_client_perform must run even without socket events; -1: no timer. */
long zt_lf_client_timeout_ms(const struct zt_lf_client *c);
/*
 * Makes progress: passes every entry of fds with revents set to curl, runs expired timers and due
 * retries, and completes finished requests (their callbacks run here). fds may be NULL (n 0) when
 * only the timeout expired. Never blocks.
 */
void zt_lf_client_perform(struct zt_lf_client *c, const struct pollfd *fds, size_t n);
/*
 * For epoll-style loops: `watch` is told whenever the interest in a socket changes (events 0: stop
 * watching fd). Set it before submitting; NULL to stop.
 */
typedef void (*zt_lf_watch_fn)(void *arg, int fd, short events);
void zt_lf_client_set_watch(struct zt_lf_client *c, zt_lf_watch_fn watch, void *arg);

#endif
