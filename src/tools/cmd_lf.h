/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_TOOL_CMD_LF_H
#define ZT_TOOL_CMD_LF_H

#include "tool.h"

/* `zerotier lf status|get|set|owner new`: a client of any LF node's HTTP API (ours or LF's own). */
int cmd_lf(int argc, char **argv, struct tool_ctx *ctx);

#endif
