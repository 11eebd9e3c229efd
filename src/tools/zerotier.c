/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <config.h>
#include "node/constants.h"
#include "node/crypto.h"
#include "tool.h"
#include "util.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define HELP_ARGV_MAX 8

static int cmd_help(int argc, char **argv, struct tool_ctx *ctx);
static int cmd_version(int argc, char **argv, struct tool_ctx *ctx);

/* Service commands (status, peers, ...) join this table; they find the home directory in ctx. */
static const struct tool_cmd commands[] = {
	{ "help", cmd_help, "[<command> [<subcommand>]]", "show the commands, or the usage of one" },
	{ "version", cmd_version, "", "print the version of this tool" },
	{ "identity", cmd_identity, "new|getpublic|validate|sign|verify ...",
	  "create node identities, check them, sign and verify with them" },
	{ "planet", cmd_planet, "keygen|new|show ...", "create, sign and inspect planet and moon files" },
};

static void print_main_usage(FILE *f)
{
	fputs("usage: " TOOL_NAME " [-j] [-D <home>] [-h|--help] [-v|--version] <command> [args]\n\n"
	      "options:\n"
	      "  -j, --json      print data as JSON\n"
	      "  -D <home>       home directory of the service (default $ZT_HOME or " TOOL_DEFAULT_HOME ")\n"
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
	struct tool_ctx ctx = { .home = getenv("ZT_HOME") };
	int i = 1, rc;

	if (!ctx.home || !*ctx.home)
		ctx.home = TOOL_DEFAULT_HOME;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			ctx.json = true;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			print_main_usage(stdout);
			return TOOL_EXIT_OK;
		} else if (!strcmp(a, "-v") || !strcmp(a, "--version")) {
			return cmd_version(1, (char *[]){ (char *)"version", NULL }, &ctx);
		} else if (!strcmp(a, "-D")) {
			if (i + 1 >= argc) {
				tool_err(&ctx, "option -D needs a directory");
				return TOOL_EXIT_USAGE;
			}
			ctx.home = argv[++i];
		} else if (!strncmp(a, "-D", 2) && a[2]) {
			ctx.home = a + 2;
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
