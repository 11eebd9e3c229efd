/* SPDX-License-Identifier: Apache-2.0 */
/*
 * zerotier roots | addroot static|dynamic ... | removeroot static|dynamic ...: the node's roots.
 * A static root is an identity and addresses; a dynamic root is a DNS name whose signed TXT records
 * list the roots (docs/dynamic-roots.md). A dynamic root name's key label is checked here, before
 * the service (or DNS) ever sees it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "cmd_dns.h"
#include "dns/name.h"
#include "node/identity.h"
#include "node/locator.h"
#include "node/node.h"
#include "tool.h"
#include "util.h"

#define API_PATH_MAX (16 + ZT_DNS_NAME_MAX)
#define MS_PER_S 1000

enum root_kind { ROOT_STATIC, ROOT_DYNAMIC };

static const char *jstr(json_t *o, const char *key, const char *fallback)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : fallback;
}

static long long jint(json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

/* One row: STATE, LATENCY, ENDPOINTS (preferred) of a root or of a dynamic root's member. */
static void root_row_tail(json_t *r)
{
	long long lat = jint(r, "latency");
	char latency[24];
	json_t *ep;
	size_t j;

	if (lat >= 0)
		snprintf(latency, sizeof latency, "%lld", lat);
	else
		snprintf(latency, sizeof latency, "-");
	printf("%-7s  %7s  ", json_is_true(json_object_get(r, "online")) ? "ONLINE" : "OFFLINE", latency);
	json_array_foreach(json_object_get(r, "endpoints"), j, ep)
		printf("%s%s", j ? ", " : "", json_string_value(ep) ? json_string_value(ep) : "?");
	if (json_is_true(json_object_get(r, "preferred")))
		printf(" (preferred)");
}

static void verdict_print(json_t *v)
{
	static const char *const keys[] = { "foreign", "malformed", "sets", "dropped", "incomplete",
					    "conflicting", "invalid", "forged", "stale" };

	printf("records=%lld", jint(v, "records"));
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (jint(v, keys[i]))
			printf(" %s=%lld", keys[i], jint(v, keys[i]));
}

static void dynamic_print(json_t *d)
{
	char when[TOOL_TIME_MAX];
	json_t *members = json_object_get(d, "members"), *m, *ts = json_object_get(d, "setTimestamp");
	size_t i;

	printf("\ndynamic root %s  %s\n", jstr(d, "name", "?"),
	       json_is_true(json_object_get(d, "online")) ? "ONLINE" : "OFFLINE");
	if (json_is_integer(ts)) {
		tool_format_time(when, (uint64_t)json_integer_value(ts));
		printf("  set:      timestamp %lld (%s), %zu root%s\n", (long long)json_integer_value(ts), when,
		       json_array_size(members), json_array_size(members) == 1 ? "" : "s");
	} else {
		printf("  set:      none accepted yet (%s)\n", json_is_true(json_object_get(d, "usingDefault"))
								  ? "using the default locator"
								  : "no default locator: no roots until a lookup succeeds");
	}
	printf("  refresh:  ");
	if (jint(d, "lastRefresh") > 0) {
		tool_format_time(when, (uint64_t)jint(d, "lastRefresh"));
		printf("last %s (%s)", when, jstr(d, "lastResult", "?"));
	} else {
		printf("no lookup finished yet");
	}
	if (json_is_integer(json_object_get(d, "ttl")))
		printf(", ttl %lld s", jint(d, "ttl"));
	if (json_is_true(json_object_get(d, "refreshing")))
		printf(", lookup in progress\n");
	else
		printf(", next in %lld s\n", (jint(d, "nextRefreshIn") + MS_PER_S - 1) / MS_PER_S);
	if (json_is_string(json_object_get(d, "lastError"))) {
		printf("  error:    %s: %s (", jstr(d, "lastError", "?"), jstr(d, "lastErrorMessage", "?"));
		verdict_print(json_object_get(d, "verdict"));
		printf("), %lld failure%s in a row\n", jint(d, "failures"), jint(d, "failures") == 1 ? "" : "s");
	} else if (json_is_object(json_object_get(d, "verdict"))) {
		printf("  error:    none (");
		verdict_print(json_object_get(d, "verdict"));
		printf(")\n");
	}
	json_array_foreach(members, i, m) {
		printf("  %-10s  ", jstr(m, "address", "?"));
		root_row_tail(m);
		if (json_is_string(json_object_get(m, "problem")))
			printf(" [not used: %s]", jstr(m, "problem", "?"));
		putchar('\n');
	}
}

int cmd_roots(int argc, char **argv, struct tool_ctx *ctx)
{
	json_t *roots, *r;
	size_t i;
	int rc = tool_args(ctx, &argc, argv, NULL, 0, 0);

	if (rc != TOOL_CONTINUE)
		return rc;
	if ((rc = tool_api(ctx, "GET", "/root", NULL, TOOL_API_TIMEOUT_S, &roots)) != TOOL_CONTINUE)
		return rc;
	if (ctx->json)
		return tool_json_print(ctx, roots);
	printf("%-16s  %-10s  %-6s  %-7s  %7s  %s\n", "NAME", "ADDRESS", "SOURCE", "STATE", "LATENCY", "ENDPOINTS");
	json_array_foreach(roots, i, r) {
		if (!strcmp(jstr(r, "source", ""), "dynamic"))
			continue;
		printf("%-16s  %-10s  %-6s  ", jstr(r, "name", "?"), jstr(r, "address", "?"), jstr(r, "source", "?"));
		root_row_tail(r);
		putchar('\n');
	}
	json_array_foreach(roots, i, r)
		if (!strcmp(jstr(r, "source", ""), "dynamic"))
			dynamic_print(r);
	json_decref(roots);
	return TOOL_EXIT_OK;
}

static int root_kind(struct tool_ctx *ctx, const char *kind, enum root_kind *out)
{
	char q[TOOL_QUOTE_MAX];

	if (!strcmp(kind, "static"))
		*out = ROOT_STATIC;
	else if (!strcmp(kind, "dynamic"))
		*out = ROOT_DYNAMIC;
	else {
		tool_err(ctx, "unknown root kind '%s' (static or dynamic: %s static|dynamic ...)", tool_quote(q, kind),
			 ctx->cmd);
		return TOOL_EXIT_USAGE;
	}
	return TOOL_CONTINUE;
}

/* Parses a dynamic root name; the checksum of its key label catches typos before any lookup. */
static int dynamic_name(struct tool_ctx *ctx, const char *arg, struct zt_dns_name *name)
{
	char q[TOOL_QUOTE_MAX];
	const char *why = NULL;

	if (zt_dns_name_parse(name, arg, &why) == ZT_OK)
		return TOOL_CONTINUE;
	tool_err(ctx, "refusing name '%s': %s", tool_quote(q, arg), why ? why : "not a dynamic root name");
	return TOOL_EXIT_USAGE;
}

/* The default locator of `addroot dynamic`, checked as the node will check it. */
static int default_locator(struct tool_ctx *ctx, const char *arg, char text[static ZT_LOCATOR_STRING_MAX],
			   uint64_t *address)
{
	struct zt_locator *loc = malloc(sizeof *loc);
	const char *problem = NULL;
	bool udp = false;
	int rc;

	if (!loc) {
		tool_err(ctx, "out of memory");
		return TOOL_EXIT_FAIL;
	}
	if ((rc = tool_locator_load(ctx, "default locator", arg, loc)) != TOOL_CONTINUE)
		goto out;
	for (unsigned i = 0; i < loc->endpoint_count; i++)
		udp |= loc->endpoints[i].type == ZT_ENDPOINT_UDP;
	if (!zt_locator_verify(loc))
		problem = "its signature does not verify";
	else if (!udp)
		problem = "it has no IP/port endpoint: a root must be reachable directly";
	else if (zt_identity_validate(&loc->identity) != ZT_OK)
		problem = "its identity does not validate";
	if (problem) {
		tool_err(ctx, "default locator (root %010llx): %s", (unsigned long long)loc->identity.address, problem);
		rc = TOOL_EXIT_FAIL;
		goto out;
	}
	*address = loc->identity.address;
	rc = zt_locator_to_string(loc, text, ZT_LOCATOR_STRING_MAX) < 0 ? TOOL_EXIT_FAIL : TOOL_CONTINUE;
out:
	free(loc);
	return rc;
}

static int addroot_dynamic(int argc, char **argv, struct tool_ctx *ctx)
{
	struct zt_dns_name name;
	char path[API_PATH_MAX], loc[ZT_LOCATOR_STRING_MAX];
	uint64_t address = 0;
	json_t *r;
	int rc;

	if (argc > 4) {
		tool_err(ctx, "addroot dynamic takes a name and at most one default locator");
		return TOOL_EXIT_USAGE;
	}
	if ((rc = dynamic_name(ctx, argv[2], &name)) != TOOL_CONTINUE)
		return rc;
	if (argc == 4 && (rc = default_locator(ctx, argv[3], loc, &address)) != TOOL_CONTINUE)
		return rc;
	snprintf(path, sizeof path, "/root/%s", name.name);
	rc = tool_api(ctx, "POST", path, argc == 4 ? json_pack("{s:s}", "defaultLocator", loc) : json_object(),
		      TOOL_API_TIMEOUT_S, &r);
	if (rc != TOOL_CONTINUE)
		return rc;
	if (ctx->json)
		return tool_json_print(ctx, r);
	if (argc == 4)
		printf("added dynamic root %s (default locator: root %010llx, used until the first lookup succeeds)\n",
		       name.name, (unsigned long long)address);
	else
		printf("added dynamic root %s\n", name.name);
	json_decref(r);
	return TOOL_EXIT_OK;
}

static int addroot_static(int argc, char **argv, struct tool_ctx *ctx)
{
	struct zt_identity id;
	struct zt_inetaddr a;
	char path[32], addr[11], pub[ZT_IDENTITY_STRING_MAX];
	json_t *eps, *r;
	int rc;

	if (argc < 4) {
		tool_err(ctx, "addroot static needs the root's identity and at least one IP/port");
		return TOOL_EXIT_USAGE;
	}
	if ((rc = tool_identity_load(ctx, "identity", argv[2], &id)) != TOOL_CONTINUE)
		return rc;
	id.has_private = false; /* only the public part is sent */
	zt_identity_to_string(&id, false, pub, sizeof pub);
	zt_identity_wipe(&id);
	if (!(eps = json_array())) {
		tool_err(ctx, "out of memory");
		return TOOL_EXIT_FAIL;
	}
	for (int i = 3; i < argc; i++) {
		char s[ZT_INETADDR_STRING_MAX];

		if (!tool_parse_ipport(ctx, argv[i], &a)) {
			json_decref(eps);
			return TOOL_EXIT_USAGE;
		}
		json_array_append_new(eps, json_string(zt_inetaddr_format(&a, s, sizeof s)));
	}
	memcpy(addr, pub, 10);
	addr[10] = '\0';
	snprintf(path, sizeof path, "/root/%s", addr);
	rc = tool_api(ctx, "POST", path, json_pack("{s:s, s:o}", "identity", pub, "endpoints", eps),
		      TOOL_API_TIMEOUT_S, &r);
	if (rc != TOOL_CONTINUE)
		return rc;
	if (ctx->json)
		return tool_json_print(ctx, r);
	printf("added static root %s (%d endpoint%s)\n", addr, argc - 3, argc - 3 == 1 ? "" : "s");
	json_decref(r);
	return TOOL_EXIT_OK;
}

int cmd_addroot(int argc, char **argv, struct tool_ctx *ctx)
{
	enum root_kind kind;
	int rc = tool_args(ctx, &argc, argv, NULL, 2, 2 + ZT_NODE_MAX_ROOT_ENDPOINTS);

	if (rc != TOOL_CONTINUE)
		return rc;
	if ((rc = root_kind(ctx, argv[1], &kind)) != TOOL_CONTINUE)
		return rc;
	return kind == ROOT_DYNAMIC ? addroot_dynamic(argc, argv, ctx) : addroot_static(argc, argv, ctx);
}

int cmd_removeroot(int argc, char **argv, struct tool_ctx *ctx)
{
	char path[API_PATH_MAX];
	struct zt_dns_name name;
	enum root_kind kind;
	uint64_t address;
	json_t *r;
	int rc = tool_args(ctx, &argc, argv, NULL, 2, 2);

	if (rc != TOOL_CONTINUE)
		return rc;
	if ((rc = root_kind(ctx, argv[1], &kind)) != TOOL_CONTINUE)
		return rc;
	if (kind == ROOT_DYNAMIC) {
		if ((rc = dynamic_name(ctx, argv[2], &name)) != TOOL_CONTINUE)
			return rc;
		snprintf(path, sizeof path, "/root/%s", name.name);
	} else {
		if (!tool_parse_address(ctx, argv[2], &address))
			return TOOL_EXIT_USAGE;
		snprintf(path, sizeof path, "/root/%010llx", (unsigned long long)address);
	}
	if ((rc = tool_api(ctx, "DELETE", path, NULL, TOOL_API_TIMEOUT_S, &r)) != TOOL_CONTINUE)
		return rc;
	if (ctx->json)
		return tool_json_print(ctx, r);
	if (kind == ROOT_DYNAMIC)
		printf("removed dynamic root %s\n", name.name);
	else
		printf("removed static root %s\n", jstr(r, "name", argv[2]));
	json_decref(r);
	return TOOL_EXIT_OK;
}
