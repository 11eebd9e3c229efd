/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_SVC_API_H
#define ZT_SVC_API_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "node/err.h"

/*
 * The local API's transport: HTTP over the Unix socket <home>/apisocket (mode 0660), served by
 * libmicrohttpd's own thread, no TCP listener. That thread checks the token and reads the body,
 * then parks the connection (MHD suspend) and queues the request for the event-loop thread, which
 * alone touches the engine; the loop answers with api_finish, which resumes the connection. This
 * file is the one place libmicrohttpd errors become zt_err.
 */

#define SVC_API_BODY_MAX (64 * 1024)
#define SVC_API_PATH_MAX 512 /* "/root/" and a dynamic root name of up to 253 characters */
#define SVC_TOKEN_LEN 24 /* generated tokens: [a-z0-9], like 1.x's but longer */
#define SVC_TOKEN_MAX 256

struct MHD_Daemon;
struct MHD_Connection;

/* One request. Owned by the HTTP thread, except between its queuing and api_finish (the loop's). */
struct api_req {
	struct api_req *next;
	struct MHD_Connection *conn;
	char method[8];
	char path[SVC_API_PATH_MAX];
	char *body;
	size_t body_len;
	bool too_big, too_long_path, queued, done;
	unsigned status; /* the answer, set by api_finish */
	char *reply;
	size_t reply_len;
	const char *allow; /* Allow header for a 405 */
};

struct svc_api {
	struct MHD_Daemon *daemon;
	int wakefd; /* eventfd: readable when requests wait in the queue */
	pthread_mutex_t lock;
	struct api_req *head, *tail;
	bool stopping;
	char token[SVC_TOKEN_MAX];
	char sockpath[PATH_MAX];
};

/*
 * Reads <home>/authtoken.secret (surrounding whitespace trimmed), creating it with a random
 * SVC_TOKEN_LEN-character token (mode 0600) when it does not exist. Returns ZT_OK or the error.
 */
zt_err api_token_load(struct svc_api *api, const char *home);

/*
 * Binds <home>/apisocket (a stale socket left by a crash is replaced; a live one means another
 * node runs with this home: -EADDRINUSE) and starts the HTTP thread.
 */
zt_err api_start(struct svc_api *api, const char *home);

/*
 * Answers every request still queued with 503, stops the HTTP thread and removes the socket. The
 * caller must first have answered the requests it parked.
 */
void api_stop(struct svc_api *api);

/* Takes the queued requests (a list linked by ->next, oldest first) and clears the wake fd. */
struct api_req *api_take(struct svc_api *api);

/* Answers a request with `doc` (stolen; NULL: 500) and resumes its connection. */
void api_finish(struct svc_api *api, struct api_req *req, unsigned status, json_t *doc);
/* Answers with {"error": message, "status": status}. */
void api_finish_error(struct svc_api *api, struct api_req *req, unsigned status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
