/* SPDX-License-Identifier: Apache-2.0 */
/* zerotier service | status | peers | ping: the node service and what it knows. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "node/node.h"
#include "tool.h"
#include "util.h"

#define SERVICE_BINARY "zerotier-node"
/* The service answers a ping after at most its timeout plus a grace period: wait a bit longer. */
#define PING_WAIT_MARGIN_MS 5000

/* ---------------------------------------------------------------- service */

/*
 * `service` execs zerotier-node, found next to this program first (an uninstalled build tree, or
 * both installed in the same bin directory), then in $PATH. The node replaces this process, so it
 * gets the signals and its exit status is the command's.
 */
int cmd_service(int argc, char **argv, struct tool_ctx *ctx)
{
	char self[PATH_MAX], sibling[PATH_MAX + sizeof SERVICE_BINARY];
	char *args[3] = { (char *)SERVICE_BINARY, NULL, NULL };
	int rc = tool_args(ctx, &argc, argv, NULL, 0, 1);
	ssize_t n;

	if (rc != TOOL_CONTINUE)
		return rc;
	if (argc == 2)
		args[1] = argv[1];
	else if (ctx->home)
		args[1] = (char *)ctx->home;
	fflush(stdout);
	n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0) {
		char *slash;

		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			slash[1] = '\0';
			snprintf(sibling, sizeof sibling, "%s" SERVICE_BINARY, self);
			if (access(sibling, X_OK) == 0)
				execv(sibling, args);
		}
	}
	execvp(SERVICE_BINARY, args);
	tool_err(ctx, "cannot run " SERVICE_BINARY ": %s", strerror(errno));
	return TOOL_EXIT_FAIL;
}

/* ---------------------------------------------------------------- status */

static const char *jstr(json_t *o, const char *key, const char *fallback)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : fallback;
}

static long long jint(json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

int cmd_status(int argc, char **argv, struct tool_ctx *ctx)
{
	json_t *st, *ports;
	int rc = tool_args(ctx, &argc, argv, NULL, 0, 0);

	if (rc != TOOL_CONTINUE)
		return rc;
	if ((rc = tool_api(ctx, "GET", "/status", NULL, TOOL_API_TIMEOUT_S, &st)) != TOOL_CONTINUE)
		return rc;
	if (ctx->json)
		return tool_json_print(ctx, st);
	ports = json_object_get(st, "ports");
	printf("address    %s\n", jstr(st, "address", "?"));
	printf("state      %s (%lld of %lld roots answer)\n", json_is_true(json_object_get(st, "online")) ? "ONLINE"
			: "OFFLINE", jint(st, "rootsOnline"), jint(st, "rootCount"));
	if (json_is_true(json_object_get(st, "identityCollision")))
		printf("           IDENTITY COLLISION: another node holds this address (see zerotier-node(8))\n");
	printf("version    %s (%s %s, protocol %lld)\n", jstr(st, "version", "?"), "zerotier-c",
	       jstr(st, "packageVersion", "?"), jint(st, "protocolVersion"));
	printf("ports      %lld (primary)", jint(ports, "primary"));
	if (json_is_integer(json_object_get(ports, "secondary")))
		printf(", %lld (secondary)", jint(ports, "secondary"));
	if (json_is_integer(json_object_get(ports, "tertiary")))
		printf(", %lld (tertiary)", jint(ports, "tertiary"));
	printf("\nexternal   %s\n", jstr(st, "externalAddress", "-"));
	printf("mapped     %s\n", jstr(st, "mappedAddress", "-"));
	printf("peers      %lld (%lld direct), %lld paths\n", jint(st, "peerCount"), jint(st, "directPeerCount"),
	       jint(st, "pathCount"));
	printf("home       %s\n", jstr(st, "home", "?"));
	json_decref(st);
	return TOOL_EXIT_OK;
}

/* ---------------------------------------------------------------- peers */

/*
 * "198.18.0.2/9993 (preferred), 10.0.0.2/9993" or "relayed" when there is no path. A remote address
 * reached from several local sockets is shown once (-j has every path).
 */
static void print_paths(json_t *paths)
{
	size_t i, j, shown = 0;
	json_t *p, *q;

	json_array_foreach(paths, i, p) {
		const char *addr = jstr(p, "address", "?");
		bool preferred = false, active = false, seen = false;

		for (j = 0; j < i && !seen; j++)
			seen = !strcmp(jstr(json_array_get(paths, j), "address", "?"), addr);
		if (seen)
			continue;
		json_array_foreach(paths, j, q) {
			if (strcmp(jstr(q, "address", "?"), addr))
				continue;
			preferred |= json_is_true(json_object_get(q, "preferred"));
			active |= json_is_true(json_object_get(q, "active"));
		}
		printf("%s%s", shown++ ? ", " : "", addr);
		if (preferred || !active)
			printf(" (%s%s%s)", preferred ? "preferred" : "", preferred && !active ? ", " : "",
			       active ? "" : "inactive");
	}
	if (!shown)
		printf("relayed");
}

int cmd_peers(int argc, char **argv, struct tool_ctx *ctx)
{
	json_t *peers, *p;
	size_t i;
	int rc = tool_args(ctx, &argc, argv, NULL, 0, 0);

	if (rc != TOOL_CONTINUE)
		return rc;
	if ((rc = tool_api(ctx, "GET", "/peer", NULL, TOOL_API_TIMEOUT_S, &peers)) != TOOL_CONTINUE)
		return rc;
	if (ctx->json)
		return tool_json_print(ctx, peers);
	printf("%-10s  %-8s  %-4s  %7s  %s\n", "ADDRESS", "VERSION", "ROLE", "LATENCY", "PATHS");
	json_array_foreach(peers, i, p) {
		long long lat = jint(p, "latency");
		char latency[24];

		if (lat >= 0)
			snprintf(latency, sizeof latency, "%lld", lat);
		else
			snprintf(latency, sizeof latency, "-");
		printf("%-10s  %-8s  %-4s  %7s  ", jstr(p, "address", "?"), jstr(p, "version", "-"), jstr(p, "role", "?"),
		       latency);
		print_paths(json_object_get(p, "paths"));
		putchar('\n');
	}
	json_decref(peers);
	return TOOL_EXIT_OK;
}

/* ---------------------------------------------------------------- ping */

int cmd_ping(int argc, char **argv, struct tool_ctx *ctx)
{
	const char *timeout_arg = NULL;
	const struct tool_opt opts[] = { { "timeout", 0, &timeout_arg, NULL }, { NULL, 0, NULL, NULL } };
	char path[32], q[TOOL_QUOTE_MAX];
	uint64_t address, timeout = ZT_NODE_PING_TIMEOUT;
	json_t *r, *body = NULL;
	int rc = tool_args(ctx, &argc, argv, opts, 1, 1);

	if (rc != TOOL_CONTINUE)
		return rc;
	if (timeout_arg && (!tool_parse_u64(&timeout, timeout_arg) || timeout < 1 || timeout > ZT_NODE_PING_TIMEOUT_MAX)) {
		tool_err(ctx, "--timeout: '%s' is not a number of milliseconds from 1 to %d", tool_quote(q, timeout_arg),
			 ZT_NODE_PING_TIMEOUT_MAX);
		return TOOL_EXIT_USAGE;
	}
	if (!tool_parse_address(ctx, argv[1], &address))
		return TOOL_EXIT_USAGE;
	if (timeout_arg && !(body = json_pack("{s:I}", "timeout", (json_int_t)timeout))) {
		tool_err(ctx, "out of memory");
		return TOOL_EXIT_FAIL;
	}
	snprintf(path, sizeof path, "/ping/%010llx", (unsigned long long)address);
	rc = tool_api(ctx, "POST", path, body, (long)((timeout + PING_WAIT_MARGIN_MS + 999) / 1000), &r);
	if (rc != TOOL_CONTINUE)
		return rc;
	if (ctx->json)
		return tool_json_print(ctx, r);
	if (json_is_true(json_object_get(r, "direct")))
		printf("reply from %s: %lld ms (direct, %s)\n", jstr(r, "address", "?"), jint(r, "latency"),
		       jstr(r, "path", "?"));
	else
		printf("reply from %s: %lld ms (relayed through a root)\n", jstr(r, "address", "?"), jint(r, "latency"));
	json_decref(r);
	return TOOL_EXIT_OK;
}
