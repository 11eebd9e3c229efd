/* SPDX-License-Identifier: Apache-2.0 */
/* zerotier set ...: change the node's settings (saved in local.conf by the service). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client.h"
#include "node/node.h"
#include "tool.h"
#include "util.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define SET_DNS_SERVERS_MAX 8 /* SVC_MAX_DNS_SERVERS of the service */

/* Sends {"settings": {key: value}} and reports the value the service now holds. */
static int post_setting(struct tool_ctx *ctx, const char *key, json_t *value)
{
	json_t *cfg, *now;
	char *shown;
	int rc = tool_api(ctx, "POST", "/config", json_pack("{s:{s:o}}", "settings", key, value), TOOL_API_TIMEOUT_S,
			  &cfg);

	if (rc != TOOL_CONTINUE)
		return rc;
	if (ctx->json)
		return tool_json_print(ctx, cfg);
	now = json_object_get(json_object_get(cfg, "settings"), key);
	shown = now ? json_dumps(now, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
	printf("%s = %s (saved in local.conf)\n", key, shown ? shown : "?");
	free(shown);
	json_decref(cfg);
	return TOOL_EXIT_OK;
}

static bool parse_port(struct tool_ctx *ctx, const char *s, bool allow_zero, uint16_t *out)
{
	char q[TOOL_QUOTE_MAX];
	uint64_t v;

	if (tool_parse_u64(&v, s) && v <= 65535 && (v > 0 || allow_zero)) {
		*out = (uint16_t)v;
		return true;
	}
	tool_err(ctx, "'%s' is not a UDP port (%s..65535)", tool_quote(q, s), allow_zero ? "0 to disable, 1" : "1");
	return false;
}

static bool parse_bool(struct tool_ctx *ctx, const char *s, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", "1" }, *const no[] = { "false", "no", "off", "0" };
	char q[TOOL_QUOTE_MAX];

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(s, yes[i]) || !strcasecmp(s, no[i])) {
			*out = !strcasecmp(s, yes[i]);
			return true;
		}
	}
	tool_err(ctx, "'%s' is not a boolean (true/false, yes/no, on/off, 1/0)", tool_quote(q, s));
	return false;
}

static int set_port_key(int argc, char **argv, struct tool_ctx *ctx, const char *key, bool allow_zero)
{
	uint16_t port;
	int rc = tool_args(ctx, &argc, argv, NULL, 1, 1);

	if (rc != TOOL_CONTINUE)
		return rc;
	if (!parse_port(ctx, argv[1], allow_zero, &port))
		return TOOL_EXIT_USAGE;
	return post_setting(ctx, key, json_integer(port));
}

static int set_bool_key(int argc, char **argv, struct tool_ctx *ctx, const char *key)
{
	bool v;
	int rc = tool_args(ctx, &argc, argv, NULL, 1, 1);

	if (rc != TOOL_CONTINUE)
		return rc;
	if (!parse_bool(ctx, argv[1], &v))
		return TOOL_EXIT_USAGE;
	return post_setting(ctx, key, json_boolean(v));
}

/* Parses argv[first..argc-1] as IP/port into a JSON array; NULL after an error line. */
static json_t *ipport_list(struct tool_ctx *ctx, int argc, char **argv, int first)
{
	json_t *arr = json_array();
	struct zt_inetaddr a;
	char s[ZT_INETADDR_STRING_MAX];

	for (int i = first; arr && i < argc; i++) {
		if (!tool_parse_ipport(ctx, argv[i], &a)) {
			json_decref(arr);
			return NULL;
		}
		json_array_append_new(arr, json_string(zt_inetaddr_format(&a, s, sizeof s)));
	}
	return arr;
}

static int set_port(int argc, char **argv, struct tool_ctx *ctx)
{
	return set_port_key(argc, argv, ctx, "primaryPort", false);
}

static int set_secondaryport(int argc, char **argv, struct tool_ctx *ctx)
{
	return set_port_key(argc, argv, ctx, "secondaryPort", true);
}

static int set_tertiaryport(int argc, char **argv, struct tool_ctx *ctx)
{
	return set_port_key(argc, argv, ctx, "tertiaryPort", true);
}

static int set_portsearch(int argc, char **argv, struct tool_ctx *ctx)
{
	return set_bool_key(argc, argv, ctx, "portSearch");
}

static int set_portmapping(int argc, char **argv, struct tool_ctx *ctx)
{
	return set_bool_key(argc, argv, ctx, "portMappingEnabled");
}

static int set_explicitaddresses(int argc, char **argv, struct tool_ctx *ctx)
{
	json_t *arr;
	int rc = tool_args(ctx, &argc, argv, NULL, 0, ZT_NODE_MAX_LOCAL_ADDRESSES);

	if (rc != TOOL_CONTINUE)
		return rc;
	if (!(arr = ipport_list(ctx, argc, argv, 1)))
		return TOOL_EXIT_USAGE;
	return post_setting(ctx, "explicitAddresses", arr);
}

static int set_dnsservers(int argc, char **argv, struct tool_ctx *ctx)
{
	json_t *arr;
	int rc = tool_args(ctx, &argc, argv, NULL, 0, SET_DNS_SERVERS_MAX);

	if (rc != TOOL_CONTINUE)
		return rc;
	if (!(arr = ipport_list(ctx, argc, argv, 1)))
		return TOOL_EXIT_USAGE;
	return post_setting(ctx, "dnsServers", arr);
}

static int set_try(int argc, char **argv, struct tool_ctx *ctx)
{
	char path[32];
	uint64_t address;
	json_t *arr, *r, *a;
	size_t i;
	int rc = tool_args(ctx, &argc, argv, NULL, 1, 1 + ZT_NODE_MAX_TRY_ADDRESSES);

	if (rc != TOOL_CONTINUE)
		return rc;
	if (!tool_parse_address(ctx, argv[1], &address) || !(arr = ipport_list(ctx, argc, argv, 2)))
		return TOOL_EXIT_USAGE;
	snprintf(path, sizeof path, "/try/%010llx", (unsigned long long)address);
	if ((rc = tool_api(ctx, "POST", path, json_pack("{s:o}", "endpoints", arr), TOOL_API_TIMEOUT_S, &r)) !=
	    TOOL_CONTINUE)
		return rc;
	if (ctx->json)
		return tool_json_print(ctx, r);
	if (json_array_size(json_object_get(r, "try")) == 0) {
		printf("%s: no addresses to try (saved in local.conf)\n", argv[1]);
	} else {
		printf("%s: trying", argv[1]);
		json_array_foreach(json_object_get(r, "try"), i, a)
			printf("%s %s", i ? "," : "", json_string_value(a) ? json_string_value(a) : "?");
		printf(" (saved in local.conf)\n");
	}
	json_decref(r);
	return TOOL_EXIT_OK;
}

static const struct tool_cmd set_commands[] = {
	{ "port", set_port, "<port>", "the primary UDP port (primaryPort)" },
	{ "secondaryport", set_secondaryport, "<port|0>", "the secondary UDP port, 0 for none (secondaryPort)" },
	{ "tertiaryport", set_tertiaryport, "<port|0>", "a third UDP port, 0 for none (tertiaryPort)" },
	{ "portsearch", set_portsearch, "<bool>", "try the next ports when one is busy (portSearch)" },
	{ "portmapping", set_portmapping, "<bool>", "map the primary port with UPnP/NAT-PMP (portMappingEnabled)" },
	{ "explicitaddresses", set_explicitaddresses, "[<IP/port> ...]",
	  "advertise only these external addresses; none: automatic (explicitAddresses)" },
	{ "dnsservers", set_dnsservers, "[<IP/port> ...]",
	  "DNS servers for dynamic roots' lookups; none: the system's (dnsServers)" },
	{ "try", set_try, "<address> [<IP/port> ...]", "addresses to try for reaching a node; none: clear" },
};

int cmd_set(int argc, char **argv, struct tool_ctx *ctx)
{
	return tool_group_run(ctx, set_commands, ARRAY_SIZE(set_commands), argc, argv);
}
