/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <config.h>
#include "node/constants.h"
#include "node/crypto.h"
#include "cmd_dns.h"
#include "cmd_lf.h"
#include "tool.h"
#include "util.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define HELP_ARGV_MAX 8

static int cmd_help(int argc, char **argv, struct tool_ctx *ctx);
static int cmd_version(int argc, char **argv, struct tool_ctx *ctx);

/* Service commands talk to the running node through its local API (client.h). */
static const struct tool_cmd commands[] = {
	{ "help", cmd_help, "[<command> [<subcommand>]]", "show the commands, or the usage of one" },
	{ "version", cmd_version, "", "print the version of this tool" },
	{ "service", cmd_service, "[<home>]", "run the node service (zerotier-node) in the foreground" },
	{ "status", cmd_status, "", "this node: address, ONLINE/OFFLINE, version, ports" },
	{ "peers", cmd_peers, "", "the peers: address, version, role, latency, paths" },
	{ "roots", cmd_roots, "", "the roots: static, the planet's, dynamic ones with their members" },
	{ "addroot", cmd_addroot, "static|dynamic ...",
	  "add a root (kept across restarts): static <identity> <IP/port>..., or dynamic <name> "
	  "[<default locator>] (a root set signed in DNS)" },
	{ "removeroot", cmd_removeroot, "static <address> | dynamic <name>", "remove a static or a dynamic root" },
	{ "set", cmd_set, "<setting> <value> ...", "change a setting (port, portmapping, try, ...)" },
	{ "ping", cmd_ping, "[--timeout ms] <address>", "ECHO round trip to a node, through a root if needed" },
	{ "identity", cmd_identity, "new|getpublic|validate|sign|verify ...",
	  "create node identities, check them, sign and verify with them" },
	{ "planet", cmd_planet, "keygen|new|show ...", "create, sign and inspect planet and moon files" },
	{ "locator", cmd_locator, "new|show|verify ...", "sign and check locators: where a node can be reached" },
	{ "dns", cmd_dns, "keygen|name|txt|lookup ...", "dynamic roots: signing keys, names, TXT records, lookups" },
	{ "lf", cmd_lf, "status|get|set|owner new ...", "LF: node status, query and publish records, owner keys" },
};

static void print_main_usage(FILE *f)
{
	fputs("usage: " TOOL_NAME " [-j] [-p <home>] [-t <token file>] [-h|--help] [-v|--version] <command> [args]\n\n"
	      "options:\n"
	      "  -j, --json      print data as JSON\n"
	      "  -p <home>       home directory of the service (default $ZT_HOME, else " TOOL_DEFAULT_HOME "\n"
	      "                  or, for a user's own node, ~/.local/state/zerotier); -D is the same\n"
	      "  -t <file>       the auth token file (default <home>/authtoken.secret, else ~/.zerotierauth)\n"
	      "  -h, --help      show this help\n"
	      "  -v, --version   print the version\n\ncommands:\n",
	      f);
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-10s %-40s %s\n", commands[i].name, commands[i].usage, commands[i].description);
	fputs("\nSee '" TOOL_NAME " help <command>' or zerotier(1) for details.\n", f);
}

/* `help a b` is `a b --help`, so each command prints its own usage from its own table. */
static int cmd_help(int argc, char **argv, struct tool_ctx *ctx)
{
	char *args[HELP_ARGV_MAX + 2];

	if (argc < 2) {
		print_main_usage(stdout);
		return TOOL_EXIT_OK;
	}
	if (argc - 1 > HELP_ARGV_MAX) {
		tool_err(ctx, "too many arguments");
		return TOOL_EXIT_USAGE;
	}
	for (int i = 1; i < argc; i++)
		args[i - 1] = argv[i];
	args[argc - 1] = (char *)"--help";
	args[argc] = NULL;
	ctx->cmd[0] = '\0';
	return tool_dispatch(ctx, commands, ARRAY_SIZE(commands), argc, args);
}

static int cmd_version(int argc, char **argv, struct tool_ctx *ctx)
{
	int rc = tool_args(ctx, &argc, argv, NULL, 0, 0);

	if (rc != TOOL_CONTINUE)
		return rc;
	if (ctx->json)
		return tool_json_print(ctx, json_pack("{s:s, s:i}", "version", PACKAGE_VERSION, "protocol",
						      ZT_PROTO_VERSION));
	printf(TOOL_NAME " %s (ZeroTier protocol %d)\n", PACKAGE_VERSION, ZT_PROTO_VERSION);
	return TOOL_EXIT_OK;
}

int main(int argc, char **argv)
{
	struct tool_ctx ctx = { .home = NULL };
	int i = 1, rc;

	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			ctx.json = true;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			print_main_usage(stdout);
			return TOOL_EXIT_OK;
		} else if (!strcmp(a, "-v") || !strcmp(a, "--version")) {
			return cmd_version(1, (char *[]){ (char *)"version", NULL }, &ctx);
		} else if (!strcmp(a, "-p") || !strcmp(a, "-D") || !strcmp(a, "-t")) {
			if (i + 1 >= argc) {
				tool_err(&ctx, "option %s needs a %s", a, a[1] == 't' ? "file" : "directory");
				return TOOL_EXIT_USAGE;
			}
			*(a[1] == 't' ? &ctx.token_path : &ctx.home) = argv[++i];
		} else if ((!strncmp(a, "-p", 2) || !strncmp(a, "-D", 2) || !strncmp(a, "-t", 2)) && a[2]) {
			*(a[1] == 't' ? &ctx.token_path : &ctx.home) = a + 2;
		} else if (!strcmp(a, "--")) {
			i++;
			break;
		} else {
			tool_err(&ctx, "unknown option '%s' (see '" TOOL_NAME " help')", a);
			return TOOL_EXIT_USAGE;
		}
	}
	if (i >= argc) {
		print_main_usage(stderr);
		return TOOL_EXIT_USAGE;
	}
	if (zt_crypto_init() != ZT_OK) {
		tool_err(&ctx, "cannot initialize the crypto libraries");
		return TOOL_EXIT_FAIL;
	}
	rc = tool_dispatch(&ctx, commands, ARRAY_SIZE(commands), argc - i, argv + i);
	/* Output that never arrived (full disk, closed pipe) must not look like success. */
	if (fflush(stdout) == EOF || ferror(stdout)) {
		tool_err(&ctx, "cannot write to standard output");
		if (rc == TOOL_EXIT_OK)
			rc = TOOL_EXIT_FAIL;
	}
	return rc;
}
