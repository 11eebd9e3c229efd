/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <microhttpd.h>

#include "api.h"
#include "common/file.h"
#include "common/home.h"
#include "common/log.h"
#include "node/crypto.h"

#define API_JSON "application/json"
#define API_BACKLOG 16
#define API_CONNECTION_LIMIT 64
#define API_TIMEOUT_S 30
#define API_SOCKET_MODE 0660
#define API_DRAIN_MS 1000 /* at shutdown, how long open connections may take to finish */
#define API_DRAIN_STEP_MS 10
#define TOKEN_FILE_MAX 4096
#define TOKEN_ALPHABET "abcdefghijklmnopqrstuvwxyz0123456789"
#define TOKEN_ALPHABET_LEN 36

/* ---------------------------------------------------------------- the token */

static void token_generate(char out[static SVC_TOKEN_LEN + 1])
{
	/* 252 = 7 * 36: bytes at or above it are drawn again so every character is equally likely. */
	for (size_t i = 0; i < SVC_TOKEN_LEN;) {
		uint8_t b;

		zt_random(&b, 1);
		if (b < 252)
			out[i++] = TOKEN_ALPHABET[b % TOKEN_ALPHABET_LEN];
	}
	out[SVC_TOKEN_LEN] = '\0';
}

zt_err api_token_load(struct svc_api *api, const char *home)
{
	char path[PATH_MAX];
	char *text = NULL;
	size_t len = 0, start = 0;
	zt_err e;

	if (zt_path_join(path, sizeof path, home, "authtoken.secret"))
		return ZT_ETOOBIG;
	e = zt_file_read(path, TOKEN_FILE_MAX, &text, &len);
	if (e == -ENOENT) {
		token_generate(api->token);
		e = zt_file_write_new(path, api->token, SVC_TOKEN_LEN, 0600);
		if (e)
			log_error("cannot write %s: %s", path, zt_strerror(e));
		else
			log_info("created %s (the local API token)", path);
		return e;
	}
	if (e) {
		log_error("cannot read %s: %s", path, zt_strerror(e));
		return e;
	}
	while (start < len && strchr(" \t\r\n", text[start]))
		start++;
	while (len > start && strchr(" \t\r\n", text[len - 1]))
		len--;
	if (len == start || len - start >= sizeof api->token) {
		log_error("%s: the token must be 1..%zu characters", path, sizeof api->token - 1);
		e = ZT_ECONFIG;
	} else {
		memcpy(api->token, text + start, len - start);
		api->token[len - start] = '\0';
	}
	zt_file_free(text, len);
	return e;
}

/* ---------------------------------------------------------------- responses */

static enum MHD_Result send_reply(struct MHD_Connection *c, unsigned status, char *body, size_t len, const char *allow)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (!body)
		return MHD_NO;
	resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, API_JSON);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (allow)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static char *error_body(unsigned status, const char *message, size_t *len)
{
	json_t *doc = json_pack("{s:s, s:i}", "error", message, "status", (int)status);
	char *s = doc ? json_dumps(doc, JSON_COMPACT) : NULL;

	json_decref(doc);
	*len = s ? strlen(s) : 0;
	return s;
}

static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *message)
{
	size_t len;
	char *body = error_body(status, message, &len);

	return send_reply(c, status, body, len, NULL);
}

void api_finish(struct svc_api *api, struct api_req *req, unsigned status, json_t *doc)
{
	char *s = doc ? json_dumps(doc, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;

	(void)api;
	json_decref(doc);
	if (!s) {
		status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		s = error_body(status, "out of memory", &req->reply_len);
	} else {
		req->reply_len = strlen(s);
	}
	req->status = status;
	req->reply = s;
	req->done = true;
	/* From here on the HTTP thread owns req again. */
	MHD_resume_connection(req->conn);
}

void api_finish_error(struct svc_api *api, struct api_req *req, unsigned status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	api_finish(api, req, status, json_pack("{s:s, s:i}", "error", msg, "status", (int)status));
}

/* ---------------------------------------------------------------- the HTTP thread */

static bool authorized(struct svc_api *api, struct MHD_Connection *c)
{
	const char *t = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-ZT1-Auth");
	size_t want = strlen(api->token);

	if (!t) {
		const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);

		if (h && !strncasecmp(h, "bearer ", 7)) {
			t = h + 7;
			while (*t == ' ')
				t++;
		}
	}
	return t && strlen(t) == want && zt_ct_equal(t, api->token, want);
}

static void wake(struct svc_api *api)
{
	uint64_t one = 1;

	if (write(api->wakefd, &one, sizeof one) < 0)
		return; /* saturated: the loop is due to wake anyway */
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			      const char *version, const char *upload_data, size_t *upload_data_size, void **req_cls)
{
	struct svc_api *api = cls;
	struct api_req *req = *req_cls;

	(void)version;
	if (!req) {
		if (!authorized(api, c))
			return send_error(c, MHD_HTTP_UNAUTHORIZED,
					  "missing or wrong token (send 'X-ZT1-Auth: <token>' or 'Authorization: Bearer "
					  "<token>'; the token is in authtoken.secret)");
		req = calloc(1, sizeof *req);
		if (!req)
			return MHD_NO;
		req->conn = c;
		snprintf(req->method, sizeof req->method, "%s", method);
		if (strlen(url) >= sizeof req->path)
			req->too_long_path = true;
		else
			snprintf(req->path, sizeof req->path, "%s", url);
		*req_cls = req;
		return MHD_YES;
	}
	if (req->done) {
		char *body = req->reply;

		req->reply = NULL; /* the response owns it now */
		return send_reply(c, req->status, body, req->reply_len, req->allow);
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;

		*upload_data_size = 0;
		if (req->too_big || req->body_len + n > SVC_API_BODY_MAX) {
			req->too_big = true;
			return MHD_YES;
		}
		char *b = realloc(req->body, req->body_len + n + 1);
		if (!b)
			return MHD_NO;
		memcpy(b + req->body_len, upload_data, n);
		req->body = b;
		req->body_len += n;
		b[req->body_len] = '\0';
		return MHD_YES;
	}
	if (req->queued)
		return MHD_YES; /* a spurious call while parked */
	if (req->too_big)
		return send_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "request body too large");
	if (req->too_long_path)
		return send_error(c, MHD_HTTP_URI_TOO_LONG, "path too long");
	pthread_mutex_lock(&api->lock);
	if (api->stopping) {
		pthread_mutex_unlock(&api->lock);
		return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "the service is stopping");
	}
	req->queued = true;
	MHD_suspend_connection(c);
	if (api->tail)
		api->tail->next = req;
	else
		api->head = req;
	api->tail = req;
	pthread_mutex_unlock(&api->lock);
	wake(api);
	return MHD_YES;
}

static void completed(void *cls, struct MHD_Connection *c, void **req_cls, enum MHD_RequestTerminationCode toe)
{
	struct api_req *req = *req_cls;

	(void)cls, (void)c, (void)toe;
	if (!req)
		return;
	free(req->body);
	free(req->reply);
	free(req);
	*req_cls = NULL;
}

__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[256];
	size_t n;

	(void)cls;
	vsnprintf(line, sizeof line, fmt, ap);
	n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	log_warnx("api: %s", line);
}

/* ---------------------------------------------------------------- start / stop */

/* A socket that accepts a connection belongs to a running node; one that refuses is stale. */
static bool socket_alive(const struct sockaddr_un *sun)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool alive;

	if (fd < 0)
		return false;
	alive = connect(fd, (const struct sockaddr *)sun, sizeof *sun) == 0;
	close(fd);
	return alive;
}

zt_err api_start(struct svc_api *api, const char *home)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = -1;
	mode_t old_umask;
	zt_err e = ZT_OK;

	pthread_mutex_init(&api->lock, NULL);
	api->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (api->wakefd < 0)
		return -errno;
	if (zt_path_join(api->sockpath, sizeof api->sockpath, home, "apisocket") ||
	    strlen(api->sockpath) >= sizeof sun.sun_path) {
		log_error("api: the socket path %s/apisocket is longer than a Unix socket path may be (%zu)", home,
			  sizeof sun.sun_path - 1);
		api->sockpath[0] = '\0';
		return ZT_ETOOBIG;
	}
	memcpy(sun.sun_path, api->sockpath, strlen(api->sockpath) + 1);
	if (socket_alive(&sun)) {
		log_error("api: %s answers: another zerotier-node is running with this home directory", api->sockpath);
		api->sockpath[0] = '\0'; /* not ours: never unlink it */
		return -EADDRINUSE;
	}
	unlink(api->sockpath); /* stale, from a node that did not stop cleanly */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		e = -errno;
		goto out;
	}
	/* The mode is set at creation (no window with a wider one); the HTTP thread does not exist yet. */
	old_umask = umask(0777 & ~API_SOCKET_MODE);
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) != 0)
		e = -errno;
	umask(old_umask);
	if (e || listen(fd, API_BACKLOG) != 0) {
		e = e ? e : -errno;
		log_error("api: cannot listen on %s: %s", api->sockpath, zt_strerror(e));
		goto out;
	}
	api->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_ALLOW_SUSPEND_RESUME |
					       MHD_USE_ERROR_LOG,
				       0, NULL, NULL, handle, api, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, api,
				       MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd, MHD_OPTION_NOTIFY_COMPLETED, completed,
				       api, MHD_OPTION_CONNECTION_LIMIT, (unsigned int)API_CONNECTION_LIMIT,
				       MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)API_TIMEOUT_S, MHD_OPTION_END);
	fd = -1; /* libmicrohttpd owns (and closes) the socket from here, whether it started or not */
	if (!api->daemon) {
		log_error("api: libmicrohttpd failed to start on %s", api->sockpath);
		e = ZT_EHTTP;
		goto out;
	}
	log_info("api: listening on %s", api->sockpath);
out:
	if (fd >= 0)
		close(fd);
	if (e && api->sockpath[0]) {
		unlink(api->sockpath);
		api->sockpath[0] = '\0';
	}
	return e;
}

struct api_req *api_take(struct svc_api *api)
{
	struct api_req *list;
	uint64_t v;

	if (read(api->wakefd, &v, sizeof v) < 0)
		v = 0; /* nothing signalled: the queue may still hold what an earlier wake announced */
	pthread_mutex_lock(&api->lock);
	list = api->head;
	api->head = api->tail = NULL;
	pthread_mutex_unlock(&api->lock);
	return list;
}

void api_stop(struct svc_api *api)
{
	struct api_req *list = NULL;

	if (api->daemon) {
		pthread_mutex_lock(&api->lock);
		api->stopping = true;
		list = api->head;
		api->head = api->tail = NULL;
		pthread_mutex_unlock(&api->lock);
		while (list) {
			struct api_req *next = list->next;

			api_finish_error(api, list, MHD_HTTP_SERVICE_UNAVAILABLE, "the service is stopping");
			list = next;
		}
		/* No new connections; the answers just resumed get a moment to reach their clients. */
		MHD_quiesce_daemon(api->daemon);
		for (int i = 0; i < API_DRAIN_MS / API_DRAIN_STEP_MS; i++) {
			const union MHD_DaemonInfo *info =
				MHD_get_daemon_info(api->daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);

			if (!info || info->num_connections == 0)
				break;
			usleep(API_DRAIN_STEP_MS * 1000);
		}
		MHD_stop_daemon(api->daemon);
		api->daemon = NULL;
		pthread_mutex_destroy(&api->lock);
	}
	if (api->wakefd >= 0)
		close(api->wakefd);
	api->wakefd = -1;
	if (api->sockpath[0])
		unlink(api->sockpath);
	api->sockpath[0] = '\0';
}
