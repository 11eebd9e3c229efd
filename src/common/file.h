/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_FILE_H
#define ZT_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "node/err.h"

/*
 * Small file helpers shared by the daemons and the CLI. Errors are zt_err (-errno for system
 * errors, ZT_ETOOBIG for a file over the caller's bound).
 */

/*
 * Reads a whole file of at most `max` bytes into a new NUL-terminated buffer (*out, free with
 * zt_file_free). *len (if not NULL) receives the length without the NUL.
 */
zt_err zt_file_read(const char *path, size_t max, char **out, size_t *len);
/* Wipes (the contents may be secret) and frees a buffer from zt_file_read. */
void zt_file_free(char *p, size_t len);

/* Writes data to path atomically (a temporary file in the same directory, fsync, rename) with mode. */
zt_err zt_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode);

/* Creates path (O_EXCL) with mode and writes data; -EEXIST if it exists. */
zt_err zt_file_write_new(const char *path, const void *data, size_t len, mode_t mode);

/* Creates a directory and its parents (mode for the ones it creates). */
zt_err zt_mkdir_p(const char *path, mode_t mode);

bool zt_file_exists(const char *path);

#endif
