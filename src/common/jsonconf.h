/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_JSONCONF_H
#define ZT_JSONCONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "node/err.h"

/*
 * Reading the daemons' JSON settings files (root.json, local.conf) with messages that name the
 * file, the key and the problem: `local.conf: "primaryPort": 70000 is not a UDP port (1..65535)`.
 * Every getter returns ZT_OK, or ZT_ECONFIG after writing the message into the context.
 */

#define ZT_CONF_FILE_MAX (1 << 20)

struct zt_conf_ctx {
	const char *name; /* file name used in messages */
	char *err;
	size_t errlen;
};

/* Writes `<name>: "<key>": <message>` into the context; returns ZT_ECONFIG. */
zt_err zt_conf_fail(struct zt_conf_ctx *x, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

zt_err zt_conf_int(struct zt_conf_ctx *x, json_t *v, const char *key, long long lo, long long hi, long long *out);
/* A UDP port 1..65535; with allow_zero also 0 (meaning "none" to the caller). */
zt_err zt_conf_port(struct zt_conf_ctx *x, json_t *v, const char *key, bool allow_zero, uint16_t *out);
/* Copies a string of fewer than cap bytes. */
zt_err zt_conf_string(struct zt_conf_ctx *x, json_t *v, const char *key, char *out, size_t cap);
zt_err zt_conf_bool(struct zt_conf_ctx *x, json_t *v, const char *key, bool *out);

/*
 * Reads a settings file of at most ZT_CONF_FILE_MAX bytes into *text (free with free()). A missing
 * file is ZT_ENOTFOUND (no message) when `optional`; every other failure is ZT_ECONFIG (or -ENOMEM)
 * with a message "<path>: cannot open: ..." in err.
 */
zt_err zt_conf_read(const char *path, bool optional, char **text, char *err, size_t errlen);

/*
 * Parses JSON text whose top level must be an object (duplicate keys refused) into *out (a new
 * reference). On error returns ZT_ECONFIG with "<name>: line L column C: <problem>" in err.
 */
zt_err zt_conf_parse(const char *text, const char *name, json_t **out, char *err, size_t errlen);

#endif
