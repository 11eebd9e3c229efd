/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/home.h"

zt_err zt_home_default(const char *name, char *out, size_t cap)
{
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	int n;

	if (geteuid() == 0)
		n = snprintf(out, cap, "/var/lib/%s", name);
	else if (state && *state)
		n = snprintf(out, cap, "%s/%s", state, name);
	else if (home && *home)
		n = snprintf(out, cap, "%s/.local/state/%s", home, name);
	else
		return ZT_ECONFIG;
	return n > 0 && (size_t)n < cap ? ZT_OK : ZT_ECONFIG;
}

int zt_path_join(char *out, size_t cap, const char *dir, const char *name)
{
	size_t dl = name[0] == '/' ? 0 : strlen(dir), nl = strlen(name);

	if (dl + 1 + nl + 1 > cap) {
		out[0] = '\0';
		return -1;
	}
	if (dl) {
		memcpy(out, dir, dl);
		out[dl++] = '/';
	}
	memcpy(out + dl, name, nl + 1);
	return 0;
}
