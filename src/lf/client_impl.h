/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_LF_CLIENT_IMPL_H
#define ZT_LF_CLIENT_IMPL_H

/* Internals shared by client.c (the request machine) and client_calls.c (the endpoints). */
#include <curl/curl.h>

#include "lf/client.h"

#define LF_PATH_MAX 160

/* What to send and how to read the answer: built per endpoint, then run by the machine. */
struct lf_call {
	enum zt_lf_op op;
	bool post;                      /* POST with body, else GET */
	bool json;                      /* body is JSON (else application/octet-stream) */
	char path[LF_PATH_MAX];         /* appended to the base URL */
	char *body;                     /* malloc'd; taken by lf_submit / lf_run */
	size_t body_len;
	uint8_t hash[ZT_LF_HASH_SIZE];  /* RECORD, RECORD_RAW: the record asked for */
};

/* One curl multi handle with the sockets and timer it wants watched. */
struct lf_engine {
	struct zt_lf_client *c;
	CURLM *multi;
	struct pollfd *socks;
	size_t nsocks, capsocks;
	int64_t deadline;               /* curl's timer, monotonic ms; -1: none */
	struct zt_lf_request *head;     /* every request not yet completed */
	unsigned count;
	bool performing;
	zt_lf_watch_fn watch;
	void *watch_arg;
};

struct zt_lf_request {
	struct zt_lf_client *c;
	struct lf_engine *eng;
	struct zt_lf_request *next, **pprev;
	struct lf_call call;            /* call.body is moved to body */
	char *body;
	char *url;
	CURL *easy;
	struct curl_slist *headers;
	char *resp;                     /* the answer's body, NUL-terminated */
	size_t resp_len, resp_cap;
	bool too_big;
	uint64_t server_time;
	unsigned attempt;               /* 1 for the first */
	int64_t retry_at;               /* monotonic ms of the next attempt; -1 while one runs */
	bool in_multi;
	bool completing;                /* its callback is running */
	zt_lf_done_fn done;
	void *arg;
	char errbuf[CURL_ERROR_SIZE];
};

struct zt_lf_client {
	char *base;                     /* without trailing '/' */
	char *proxy;                    /* o.proxy points here */
	struct zt_lf_client_options o;
	struct lf_engine async;         /* zt_lf_submit_* */
	struct lf_engine sync;          /* blocking calls */
	bool sync_busy;
	uint64_t server_time;
};

int64_t lf_mono_ms(void);
zt_err lf_engine_init(struct lf_engine *eng, struct zt_lf_client *c);
void lf_engine_free(struct lf_engine *eng);
void lf_engine_perform(struct lf_engine *eng, const struct pollfd *fds, size_t n);
long lf_engine_timeout(const struct lf_engine *eng);
size_t lf_engine_pollfds(const struct lf_engine *eng, struct pollfd *fds, size_t cap);

/* Starts a request on an engine (takes call->body, also on failure). */
zt_err lf_submit(struct zt_lf_client *c, struct lf_engine *eng, struct lf_call *call, zt_lf_done_fn done,
		 void *arg, struct zt_lf_request **out);
/* Runs a call to completion on the client's blocking engine; returns res->error.err. */
zt_err lf_run(struct zt_lf_client *c, struct lf_call *call, struct zt_lf_result *res);

/* "<METHOD> <path>: <text>" into e, with the attempt count when there were several. */
void lf_error_set(const struct zt_lf_request *q, struct zt_lf_error *e, zt_err err, enum zt_lf_fail kind,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Reads a 200 answer into res according to the call's endpoint (client_calls.c). */
void lf_reply_parse(struct zt_lf_request *q, struct zt_lf_result *res);

#endif
