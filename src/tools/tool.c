/* SPDX-License-Identifier: Apache-2.0 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tool.h"

/* Usage columns line up at the longest entry's width, within these bounds. */
#define USAGE_COLUMN_MIN 24
#define USAGE_COLUMN_MAX 40

void tool_err(const struct tool_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout); /* keep the order of stdout and stderr when both go to one terminal */
	fputs(TOOL_NAME ": ", stderr);
	if (ctx && ctx->cmd[0])
		fprintf(stderr, "%s: ", ctx->cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void cmd_path_push(struct tool_ctx *ctx, const char *name)
{
	size_t len = strlen(ctx->cmd);

	snprintf(ctx->cmd + len, sizeof ctx->cmd - len, "%s%s", len ? " " : "", name);
}

int tool_dispatch(struct tool_ctx *ctx, const struct tool_cmd *table, size_t n, int argc, char **argv)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(table[i].name, argv[0]))
			continue;
		cmd_path_push(ctx, table[i].name);
		ctx->usage = table[i].usage;
		ctx->description = table[i].description;
		return table[i].fn(argc, argv, ctx);
	}
	tool_err(ctx, "unknown command '%s' (see '" TOOL_NAME " help%s%s')", argv[0], ctx->cmd[0] ? " " : "",
		 ctx->cmd);
	return TOOL_EXIT_USAGE;
}

static void print_group_usage(FILE *f, const struct tool_ctx *ctx, const struct tool_cmd *table, size_t n)
{
	int width = USAGE_COLUMN_MIN;

	fprintf(f, "usage: " TOOL_NAME " [-j] %s <command> [args]\n\n%s\n\ncommands:\n", ctx->cmd,
		ctx->description);
	for (size_t i = 0; i < n; i++) {
		int w = (int)(strlen(table[i].name) + 1 + strlen(table[i].usage));

		if (w > width && w <= USAGE_COLUMN_MAX)
			width = w;
	}
	for (size_t i = 0; i < n; i++) {
		int w = (int)(strlen(table[i].name) + 1 + strlen(table[i].usage));

		if (w > width) /* a long synopsis gets its own line rather than pushing every column right */
			fprintf(f, "  %s %s\n  %*s  %s\n", table[i].name, table[i].usage, width, "", table[i].description);
		else
			fprintf(f, "  %s %s%*s  %s\n", table[i].name, table[i].usage, width - w, "", table[i].description);
	}
	fprintf(f, "\nSee '" TOOL_NAME " help %s <command>' or zerotier(1) for details.\n", ctx->cmd);
}

static bool is_help(const char *a)
{
	return !strcmp(a, "-h") || !strcmp(a, "--help") || !strcmp(a, "help");
}

static bool is_json(const char *a)
{
	return !strcmp(a, "-j") || !strcmp(a, "--json");
}

int tool_group_run(struct tool_ctx *ctx, const struct tool_cmd *table, size_t n, int argc, char **argv)
{
	int i = 1;

	while (i < argc && is_json(argv[i]))
		ctx->json = true, i++;
	if (i < argc && is_help(argv[i])) {
		print_group_usage(stdout, ctx, table, n);
		return TOOL_EXIT_OK;
	}
	if (i >= argc) {
		print_group_usage(stderr, ctx, table, n);
		return TOOL_EXIT_USAGE;
	}
	return tool_dispatch(ctx, table, n, argc - i, argv + i);
}

void tool_print_usage(const struct tool_ctx *ctx)
{
	printf("usage: " TOOL_NAME " [-j] %s%s%s\n\n%s\n", ctx->cmd, ctx->usage[0] ? " " : "", ctx->usage,
	       ctx->description);
}

static const struct tool_opt *opt_find(const struct tool_opt *opts, const char *name, size_t len, char short_name)
{
	for (; opts && opts->name; opts++) {
		if (short_name ? opts->short_name == short_name
			       : strlen(opts->name) == len && !strncmp(opts->name, name, len))
			return opts;
	}
	return NULL;
}

/* Stores one option; `inline_value` is the part after '=' or after a short option's letter. */
static int opt_take(struct tool_ctx *ctx, const struct tool_opt *o, const char *arg, const char *inline_value,
		    int argc, char **argv, int *i)
{
	if (!o->value) {
		if (inline_value) {
			tool_err(ctx, "option '%s' takes no value", arg);
			return TOOL_EXIT_USAGE;
		}
		*o->flag = true;
		return TOOL_CONTINUE;
	}
	if (*o->value) {
		tool_err(ctx, "option --%s given twice", o->name);
		return TOOL_EXIT_USAGE;
	}
	if (!inline_value) {
		if (*i + 1 >= argc) {
			tool_err(ctx, "option '%s' needs a value", arg);
			return TOOL_EXIT_USAGE;
		}
		inline_value = argv[++*i];
	}
	*o->value = inline_value;
	return TOOL_CONTINUE;
}

static int parse_one_option(struct tool_ctx *ctx, const struct tool_opt *opts, int argc, char **argv, int *i)
{
	const char *arg = argv[*i];
	const struct tool_opt *o;

	if (arg[1] == '-') {
		const char *name = arg + 2, *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);

		o = opt_find(opts, name, len, 0);
		if (o)
			return opt_take(ctx, o, arg, eq ? eq + 1 : NULL, argc, argv, i);
	} else {
		o = opt_find(opts, NULL, 0, arg[1]);
		if (o)
			return opt_take(ctx, o, arg, arg[2] ? arg + 2 : NULL, argc, argv, i);
	}
	tool_err(ctx, "unknown option '%s' (see '" TOOL_NAME " help %s')", arg, ctx->cmd);
	return TOOL_EXIT_USAGE;
}

static int count_error(struct tool_ctx *ctx, int got, int min, int max)
{
	if (max == min)
		tool_err(ctx, "expected %d argument%s, got %d (usage: " TOOL_NAME " %s %s)", min, min == 1 ? "" : "s",
			 got, ctx->cmd, ctx->usage);
	else if (max < 0)
		tool_err(ctx, "expected at least %d argument%s, got %d (usage: " TOOL_NAME " %s %s)", min,
			 min == 1 ? "" : "s", got, ctx->cmd, ctx->usage);
	else
		tool_err(ctx, "expected %d to %d arguments, got %d (usage: " TOOL_NAME " %s %s)", min, max, got,
			 ctx->cmd, ctx->usage);
	return TOOL_EXIT_USAGE;
}

int tool_args(struct tool_ctx *ctx, int *argc, char **argv, const struct tool_opt *opts, int min, int max)
{
	bool help = false, dashdash = false;
	int w = 1;

	for (int i = 1; i < *argc; i++) {
		const char *a = argv[i];

		if (dashdash || a[0] != '-' || !a[1]) {
			argv[w++] = argv[i]; /* w <= i: positionals move towards the front in place */
		} else if (!strcmp(a, "--")) {
			dashdash = true;
		} else if (is_json(a)) {
			ctx->json = true;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			help = true;
		} else {
			int rc = parse_one_option(ctx, opts, *argc, argv, &i);

			if (rc != TOOL_CONTINUE)
				return rc;
		}
	}
	argv[w] = NULL;
	*argc = w;
	if (help) {
		tool_print_usage(ctx);
		return TOOL_EXIT_OK;
	}
	if (w - 1 < min || (max >= 0 && w - 1 > max))
		return count_error(ctx, w - 1, min, max);
	return TOOL_CONTINUE;
}
