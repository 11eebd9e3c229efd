/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <string.h>

#include "config.h"

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "version")) {
		printf("zerotier %s\n", PACKAGE_VERSION);
		return 0;
	}
	fprintf(stderr, "usage: zerotier <command>\n");
	return 2;
}
