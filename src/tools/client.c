/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "client.h"
#include "common/file.h"
#include "common/home.h"
#include "node/crypto.h"
#include "node/hex.h"
#include "util.h"

#define REPLY_MAX (64 << 20)
#define TOKEN_FILE_MAX 4096
#define TOKEN_MAX 256

const char *tool_home(struct tool_ctx *ctx)
{
	static char home[PATH_MAX];
	const char *env = getenv("ZT_HOME");
	char sock[PATH_MAX];

	if (ctx->home)
		return ctx->home;
	if (env && *env)
		return ctx->home = env;
	zt_path_join(sock, sizeof sock, TOOL_DEFAULT_HOME, TOOL_API_SOCKET);
	if (geteuid() == 0 || access(sock, F_OK) == 0 || zt_home_default("zerotier", home, sizeof home) != ZT_OK)
		return ctx->home = TOOL_DEFAULT_HOME;
	return ctx->home = home;
}

/* Reads a token file (whitespace trimmed) into out; returns 0 or a negative errno/zt_err. */
static zt_err token_read(const char *path, char out[static TOKEN_MAX])
{
	char *buf = NULL, *t;
	size_t size = 0, len;
	zt_err e = zt_file_read(path, TOKEN_FILE_MAX, &buf, &size);

	if (e)
		return e;
	len = size;
	t = tool_trim(buf, &len);
	if (len == 0 || len >= TOKEN_MAX)
		e = ZT_EMALFORMED;
	else
		memcpy(out, t, len + 1);
	zt_file_free(buf, size);
	return e;
}

static int token_find(struct tool_ctx *ctx, char out[static TOKEN_MAX], char *from, size_t fromcap)
{
	char q[TOOL_QUOTE_MAX], home_path[PATH_MAX], user_path[PATH_MAX];
	const char *user_home = getenv("HOME");
	zt_err e, e2 = -ENOENT;

	if (ctx->token_path) {
		snprintf(from, fromcap, "%s", ctx->token_path);
		if ((e = token_read(ctx->token_path, out)) == ZT_OK)
			return TOOL_CONTINUE;
		tool_err(ctx, "cannot read the auth token from '%s': %s", tool_quote(q, ctx->token_path),
			 e == ZT_EMALFORMED ? "empty or too long" : zt_strerror(e));
		return TOOL_EXIT_FAIL;
	}
	zt_path_join(home_path, sizeof home_path, tool_home(ctx), TOOL_TOKEN_FILE);
	snprintf(from, fromcap, "%s", home_path);
	if ((e = token_read(home_path, out)) == ZT_OK)
		return TOOL_CONTINUE;
	if (user_home && *user_home && !zt_path_join(user_path, sizeof user_path, user_home, TOOL_USER_TOKEN_FILE) &&
	    (e2 = token_read(user_path, out)) == ZT_OK) {
		snprintf(from, fromcap, "%s", user_path);
		return TOOL_CONTINUE;
	}
	tool_err(ctx, "no auth token: cannot read %s (%s) nor ~/" TOOL_USER_TOKEN_FILE " (%s); %suse -t <file>",
		 home_path, e == ZT_EMALFORMED ? "empty or too long" : zt_strerror(e),
		 e2 == ZT_EMALFORMED ? "empty or too long" : zt_strerror(e2),
		 e == -EACCES ? "run as root, copy the token to ~/" TOOL_USER_TOKEN_FILE ", or " : "");
	return TOOL_EXIT_FAIL;
}

struct reply_buf {
	char *p;
	size_t len;
	bool too_big;
};

static size_t on_data(char *data, size_t size, size_t nmemb, void *arg)
{
	struct reply_buf *b = arg;
	size_t n = size * nmemb;
	char *p;

	if (b->len + n > REPLY_MAX) {
		b->too_big = true;
		return 0;
	}
	p = realloc(b->p, b->len + n + 1);
	if (!p)
		return 0;
	memcpy(p + b->len, data, n);
	b->p = p;
	b->len += n;
	p[b->len] = '\0';
	return n;
}

static int transport_error(struct tool_ctx *ctx, CURLcode rc, long os_errno, const char *sock)
{
	if (rc == CURLE_COULDNT_CONNECT && (os_errno == ENOENT || os_errno == ECONNREFUSED))
		tool_err(ctx, "service not running: nothing answers on %s", sock);
	else if (rc == CURLE_COULDNT_CONNECT && os_errno == EACCES)
		tool_err(ctx, "cannot connect to %s: permission denied (run as root or in the socket's group)", sock);
	else if (rc == CURLE_OPERATION_TIMEDOUT)
		tool_err(ctx, "the service did not answer in time (%s)", sock);
	else
		tool_err(ctx, "cannot talk to the service on %s: %s", sock, curl_easy_strerror(rc));
	return TOOL_EXIT_FAIL;
}

/* The message of a non-2xx answer. */
static int service_error(struct tool_ctx *ctx, long status, json_t *doc, const char *token_from)
{
	const char *msg = json_string_value(json_object_get(doc, "error"));

	if (status == 401)
		tool_err(ctx, "the service refused the auth token from %s (wrong token; -t selects another file)",
			 token_from);
	else
		tool_err(ctx, "%s (HTTP %ld)", msg ? msg : "the service answered with an error", status);
	return TOOL_EXIT_FAIL;
}

int tool_api(struct tool_ctx *ctx, const char *method, const char *path, json_t *body, long timeout_s, json_t **out)
{
	static bool curl_ready;
	char sock[PATH_MAX], url[512], auth[TOKEN_MAX + 32], token[TOKEN_MAX], token_from[PATH_MAX];
	struct reply_buf reply = { 0 };
	struct curl_slist *headers = NULL;
	char *payload = NULL;
	CURL *curl = NULL;
	struct stat st;
	long status = 0, os_errno = 0;
	json_error_t je;
	CURLcode rc;
	int ret = TOOL_EXIT_FAIL;

	*out = NULL;
	if (zt_path_join(sock, sizeof sock, tool_home(ctx), TOOL_API_SOCKET)) {
		tool_err(ctx, "home directory path too long");
		goto out;
	}
	if (stat(sock, &st) != 0) {
		if (errno == ENOENT)
			tool_err(ctx, "service not running: no API socket at %s (start it with '" TOOL_NAME
				      " service' or zerotier-node; -p selects another home)", sock);
		else
			tool_err(ctx, "cannot reach the service at %s: %s", sock, strerror(errno));
		goto out;
	}
	if ((ret = token_find(ctx, token, token_from, sizeof token_from)) != TOOL_CONTINUE)
		goto out;
	ret = TOOL_EXIT_FAIL;
	snprintf(auth, sizeof auth, "X-ZT1-Auth: %s", token);
	zt_wipe(token, sizeof token);
	snprintf(url, sizeof url, "http://localhost%s", path);
	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			tool_err(ctx, "cannot initialize libcurl");
			goto out;
		}
		curl_ready = true;
	}
	if (body && !(payload = json_dumps(body, JSON_COMPACT))) {
		tool_err(ctx, "out of memory");
		goto out;
	}
	curl = curl_easy_init();
	headers = curl_slist_append(headers, auth);
	if (payload)
		headers = curl_slist_append(headers, "Content-Type: application/json");
	if (!curl || !headers) {
		tool_err(ctx, "cannot initialize libcurl");
		goto out;
	}
	curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, sock);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout_s);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply);
	if (payload)
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, payload);
	else if (strcmp(method, "GET"))
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, 0L);
	rc = curl_easy_perform(curl);
	if (rc != CURLE_OK) {
		curl_easy_getinfo(curl, CURLINFO_OS_ERRNO, &os_errno);
		ret = transport_error(ctx, rc, os_errno, sock);
		goto out;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	json_t *doc = reply.p ? json_loadb(reply.p, reply.len, JSON_DECODE_ANY, &je) : NULL;
	if (status < 200 || status > 299) {
		ret = service_error(ctx, status, doc, token_from);
		json_decref(doc);
		goto out;
	}
	if (!doc) {
		tool_err(ctx, "the service sent a reply that is not JSON (HTTP %ld)", status);
		goto out;
	}
	*out = doc;
	ret = TOOL_CONTINUE;
out:
	zt_wipe(auth, sizeof auth);
	curl_slist_free_all(headers);
	if (curl)
		curl_easy_cleanup(curl);
	free(payload);
	free(reply.p);
	json_decref(body);
	return ret;
}

bool tool_parse_address(struct tool_ctx *ctx, const char *s, uint64_t *address)
{
	char q[TOOL_QUOTE_MAX];

	if (zt_address_parse(address, s))
		return true;
	tool_err(ctx, "'%s' is not a node address (10 hex digits, e.g. 89e92ceee5)", tool_quote(q, s));
	return false;
}

bool tool_parse_ipport(struct tool_ctx *ctx, const char *s, struct zt_inetaddr *a)
{
	char q[TOOL_QUOTE_MAX];

	if (zt_inetaddr_parse(a, s) == ZT_OK && a->port != 0)
		return true;
	tool_err(ctx, "cannot parse IP/port '%s' (e.g. 198.51.100.7/9993 or [2001:db8::1]/9993)", tool_quote(q, s));
	return false;
}
