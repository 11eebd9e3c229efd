/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_TOOL_H
#define ZT_TOOL_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Shared plumbing of the `zerotier` command-line tool: the command table type, the per-run context
 * and the dispatcher. Each command group lives in its own cmd_<group>.c and exports one entry point
 * that the table in zerotier.c names.
 */

#define TOOL_NAME "zerotier"
#define TOOL_DEFAULT_HOME "/var/lib/zerotier"

/* Exit codes (documented in zerotier(1)). */
#define TOOL_EXIT_OK 0
/* 1: invalid data, unreadable file, bad signature; service not running, token refused, an error
 * reported by the service, no ping reply */
#define TOOL_EXIT_FAIL 1
#define TOOL_EXIT_USAGE 2 /* unknown command or option, wrong argument count, unparseable argument */

/* Returned by tool_args() when the command should go on (every real exit code is >= 0). */
#define TOOL_CONTINUE (-1)

struct tool_ctx {
	bool json;               /* -j: print data as JSON on stdout */
	const char *home;        /* service home directory (-p/-D); NULL: see tool_home() in client.h */
	const char *token_path;  /* -t: the auth token file */
	char cmd[64];            /* "identity sign": the prefix of every error message */
	const char *usage;       /* usage of the command being run (arguments after its name) */
	const char *description; /* one line about it */
};

struct tool_cmd {
	const char *name;
	int (*fn)(int argc, char **argv, struct tool_ctx *ctx); /* argv[0] is the command's name */
	const char *usage;
	const char *description;
};

/*
 * Runs the entry of `table` named argv[0] (argv[0] included in argc). Records its name, usage and
 * description in ctx first. Unknown name: error line, TOOL_EXIT_USAGE. Returns the exit code.
 */
int tool_dispatch(struct tool_ctx *ctx, const struct tool_cmd *table, size_t n, int argc, char **argv);

/*
 * Entry point body of a command group: argv[0] is the group, argv[1] the subcommand. Handles
 * `<group> --help`, a missing subcommand and `-j` before the subcommand, then dispatches.
 */
int tool_group_run(struct tool_ctx *ctx, const struct tool_cmd *table, size_t n, int argc, char **argv);

/* Prints "usage: zerotier <cmd> <usage>" and the description to stdout (for --help). */
void tool_print_usage(const struct tool_ctx *ctx);

/* Options of one command, for tool_args(). */
struct tool_opt {
	const char *name;   /* long name without the dashes: "id" for --id */
	char short_name;    /* 'o' for -o, or 0 */
	const char **value; /* has an argument: stored here (NULL when absent) */
	bool *flag;         /* no argument: set to true when given */
};

/*
 * Parses a command's arguments in place: -j/--json, -h/--help and the options in `opts` (a table
 * ended by an entry with a NULL name; opts itself may be NULL) may appear anywhere before `--`.
 * On TOOL_CONTINUE, argv[1..*argc-1] are the positional arguments, and their count is between
 * `min` and `max` (max < 0: unbounded). Otherwise returns the exit code to use: TOOL_EXIT_OK after
 * printing the usage for --help, TOOL_EXIT_USAGE after an error line.
 */
int tool_args(struct tool_ctx *ctx, int *argc, char **argv, const struct tool_opt *opts, int min, int max);

/* Prints "zerotier: <cmd>: <message>\n" to stderr. */
void tool_err(const struct tool_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct zt_identity;
/*
 * Reads an identity from the file `arg` if one exists, else parses `arg` as an identity string, and
 * says which in its error line ("cannot parse <what> 'abc': ..."). `what` names the argument
 * ("identity", "root 2"). Does not validate. Returns TOOL_CONTINUE, or the exit code after an error
 * line: TOOL_EXIT_USAGE for a bad string, TOOL_EXIT_FAIL for an unreadable or bad file.
 */
int tool_identity_load(struct tool_ctx *ctx, const char *what, const char *arg, struct zt_identity *id);

/* Command groups. */
int cmd_identity(int argc, char **argv, struct tool_ctx *ctx);
int cmd_planet(int argc, char **argv, struct tool_ctx *ctx);
/* Service commands (through the local API, client.h). */
int cmd_service(int argc, char **argv, struct tool_ctx *ctx);
int cmd_status(int argc, char **argv, struct tool_ctx *ctx);
int cmd_peers(int argc, char **argv, struct tool_ctx *ctx);
int cmd_ping(int argc, char **argv, struct tool_ctx *ctx);
int cmd_roots(int argc, char **argv, struct tool_ctx *ctx);
int cmd_addroot(int argc, char **argv, struct tool_ctx *ctx);
int cmd_removeroot(int argc, char **argv, struct tool_ctx *ctx);
int cmd_set(int argc, char **argv, struct tool_ctx *ctx);

#endif
