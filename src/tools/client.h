/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_TOOL_CLIENT_H
#define ZT_TOOL_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "node/inetaddr.h"
#include "tool.h"

/*
 * The service commands' side of the local API: HTTP over <home>/apisocket with libcurl, the token
 * found as zerotier(1) documents (-t, else <home>/authtoken.secret, else ~/.zerotierauth). Every
 * failure is reported here as one line, so commands only handle success.
 */

#define TOOL_API_TIMEOUT_S 30
#define TOOL_API_SOCKET "apisocket"
#define TOOL_TOKEN_FILE "authtoken.secret"
#define TOOL_USER_TOKEN_FILE ".zerotierauth"

/*
 * The service's home directory: -p/-D, else $ZT_HOME, else /var/lib/zerotier when running as root
 * or when a service there has its API socket, else ~/.local/state/zerotier (a user's own node).
 */
const char *tool_home(struct tool_ctx *ctx);

/*
 * Sends `method` `path` (body: a JSON document, stolen, or NULL) and waits up to timeout_s.
 * Returns TOOL_CONTINUE with *out (new reference, may be NULL) for a 2xx answer. Otherwise prints
 * one line and returns the exit code: TOOL_EXIT_FAIL for "service not running", an unreadable or
 * refused token, and any error the service reports (its message is quoted).
 */
int tool_api(struct tool_ctx *ctx, const char *method, const char *path, json_t *body, long timeout_s, json_t **out);

/* Parses a node address; on failure prints a line and returns false (the caller exits 2). */
bool tool_parse_address(struct tool_ctx *ctx, const char *s, uint64_t *address);
/* Parses "IP/port" with a port 1..65535; on failure prints a line and returns false. */
bool tool_parse_ipport(struct tool_ctx *ctx, const char *s, struct zt_inetaddr *a);

#endif
