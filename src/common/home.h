/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_HOME_H
#define ZT_HOME_H

#include <stddef.h>

#include "node/err.h"

/*
 * The daemons' home directories, shared by zerotier-root, zerotier-node and the `zerotier` CLI
 * (which needs to find the node's home). The identity kept there: identity_file.h.
 */

/*
 * Default home directory of the program `name` ("zerotier", "zerotier-root"): /var/lib/<name> when
 * running as root, else $XDG_STATE_HOME/<name>, else ~/.local/state/<name>. Returns ZT_OK, or
 * ZT_ECONFIG if there is no $HOME to use or the path does not fit.
 */
zt_err zt_home_default(const char *name, char *out, size_t cap);

/* out = name if it is absolute, else dir/name. Returns -1 (and an empty out) if it does not fit. */
int zt_path_join(char *out, size_t cap, const char *dir, const char *name);

#endif
