/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/file.h"
#include "common/jsonconf.h"

zt_err zt_conf_fail(struct zt_conf_ctx *x, const char *key, const char *fmt, ...)
{
	int n = snprintf(x->err, x->errlen, "%s: \"%s\": ", x->name, key);

	if (n >= 0 && (size_t)n < x->errlen) {
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(x->err + n, x->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return ZT_ECONFIG;
}

zt_err zt_conf_int(struct zt_conf_ctx *x, json_t *v, const char *key, long long lo, long long hi, long long *out)
{
	if (!json_is_integer(v))
		return zt_conf_fail(x, key, "must be an integer");
	long long n = json_integer_value(v);
	if (n < lo || n > hi)
		return zt_conf_fail(x, key, "%lld is out of range (%lld..%lld)", n, lo, hi);
	*out = n;
	return ZT_OK;
}

zt_err zt_conf_port(struct zt_conf_ctx *x, json_t *v, const char *key, bool allow_zero, uint16_t *out)
{
	json_int_t lo = allow_zero ? 0 : 1;

	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > 65535) {
		char *s = json_dumps(v, JSON_ENCODE_ANY);
		zt_err e = zt_conf_fail(x, key, "%s is not a UDP port (%s..65535)", s ? s : "value",
					allow_zero ? "0 for none, 1" : "1");
		free(s);
		return e;
	}
	*out = (uint16_t)json_integer_value(v);
	return ZT_OK;
}

zt_err zt_conf_string(struct zt_conf_ctx *x, json_t *v, const char *key, char *out, size_t cap)
{
	if (!json_is_string(v))
		return zt_conf_fail(x, key, "must be a string");
	if (json_string_length(v) >= cap)
		return zt_conf_fail(x, key, "is too long (at most %zu characters)", cap - 1);
	memcpy(out, json_string_value(v), json_string_length(v) + 1);
	return ZT_OK;
}

zt_err zt_conf_bool(struct zt_conf_ctx *x, json_t *v, const char *key, bool *out)
{
	if (!json_is_boolean(v))
		return zt_conf_fail(x, key, "must be true or false");
	*out = json_is_true(v);
	return ZT_OK;
}

zt_err zt_conf_read(const char *path, bool optional, char **text, char *err, size_t errlen)
{
	size_t len = 0;
	zt_err e = zt_file_read(path, ZT_CONF_FILE_MAX, text, &len);

	if (e == -ENOENT && optional)
		return ZT_ENOTFOUND;
	if (e == ZT_ETOOBIG) {
		snprintf(err, errlen, "%s: larger than 1 MiB, not a config file", path);
		return ZT_ECONFIG;
	}
	if (e == -ENOMEM)
		return e;
	if (e) {
		snprintf(err, errlen, "%s: cannot open: %s", path, zt_strerror(e));
		return ZT_ECONFIG;
	}
	return ZT_OK;
}

zt_err zt_conf_parse(const char *text, const char *name, json_t **out, char *err, size_t errlen)
{
	json_error_t je;
	json_t *doc = json_loads(text, JSON_REJECT_DUPLICATES, &je);

	*out = NULL;
	if (!doc) {
		snprintf(err, errlen, "%s: line %d column %d: %s", name, je.line, je.column, je.text);
		return ZT_ECONFIG;
	}
	if (!json_is_object(doc)) {
		snprintf(err, errlen, "%s: the top level must be a JSON object", name);
		json_decref(doc);
		return ZT_ECONFIG;
	}
	*out = doc;
	return ZT_OK;
}
