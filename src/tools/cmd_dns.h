/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_TOOL_CMD_DNS_H
#define ZT_TOOL_CMD_DNS_H

#include <jansson.h>

#include "tool.h"

/* The dynamic-roots command groups: `zerotier locator ...` and `zerotier dns ...`. */

struct zt_locator;

int cmd_locator(int argc, char **argv, struct tool_ctx *ctx);
int cmd_dns(int argc, char **argv, struct tool_ctx *ctx);

/*
 * Reads a locator from the file `arg` if one exists (text form, or binary), else parses `arg` as
 * the text form; says which in its error line. `what` names the argument ("locator", "locator 2").
 * Checks no signature. Returns TOOL_CONTINUE, or the exit code after an error line:
 * TOOL_EXIT_USAGE for a bad string, TOOL_EXIT_FAIL for an unreadable or bad file.
 */
int tool_locator_load(struct tool_ctx *ctx, const char *what, const char *arg, struct zt_locator *loc);

/* JSON object describing a locator (shared by `locator show` and `dns lookup`), or NULL. */
json_t *tool_locator_json(const struct zt_locator *loc);

/* Prints a locator for humans, each line starting with `indent`. */
void tool_locator_print(const struct zt_locator *loc, const char *indent);

#endif
