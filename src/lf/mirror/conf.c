/* SPDX-License-Identifier: Apache-2.0 */
/* zerotier-lf's settings: embedded defaults, overridden by a JSON file (docs/man/zerotier-lf.8). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonconf.h"
#include "common/log.h"
#include "lf/mirror/mirror.h"

void lfm_config_defaults(struct lfm_config *c)
{
	memset(c, 0, sizeof *c);
	zt_inetaddr_parse(&c->listen[0], LFM_DEFAULT_LISTEN);
	c->nlisten = 1;
	c->pull_interval_s = LFM_DEFAULT_PULL_INTERVAL_S;
	c->work_lf = true;
	c->map_size = LFM_DEFAULT_MAP_SIZE;
	c->max_connections = LFM_DEFAULT_MAX_CONNECTIONS;
	c->max_request = LFM_DEFAULT_MAX_REQUEST;
	c->max_query_results = LFM_DEFAULT_MAX_QUERY_RESULTS;
	c->work_memory = LFM_DEFAULT_WORK_MEMORY;
	c->log_level = ZT_LOG_INFO;
}

bool lfm_config_owner_without_work(const struct lfm_config *c, const uint8_t *owner, size_t len)
{
	for (unsigned i = 0; i < c->nno_work; i++)
		if (c->no_work[i].len == len && !memcmp(c->no_work[i].pub, owner, len))
			return true;
	return false;
}

static zt_err parse_listen(struct zt_conf_ctx *x, struct lfm_config *c, json_t *v)
{
	json_t *one = json_is_string(v) ? v : NULL;
	size_t n = one ? 1 : json_is_array(v) ? json_array_size(v) : 0;
	if (n == 0 || n > LFM_MAX_LISTEN)
		return zt_conf_fail(x, "listen", "must be \"IP:port\" or an array of 1..%d of them", LFM_MAX_LISTEN);
	c->nlisten = 0;
	for (size_t i = 0; i < n; i++) {
		json_t *a = one ? one : json_array_get(v, i);
		/* Port 0 (any free port, logged at start) is for tests. */
		if (!json_is_string(a) || zt_inetaddr_parse(&c->listen[i], json_string_value(a)) != ZT_OK ||
		    c->listen[i].family == ZT_INETADDR_NIL)
			return zt_conf_fail(x, "listen", "entry %zu is not IP:port (e.g. \"127.0.0.1:9980\" or "
							 "\"[::1]:9980\")", i);
		c->nlisten++;
	}
	return ZT_OK;
}

static zt_err parse_upstreams(struct zt_conf_ctx *x, struct lfm_config *c, json_t *v)
{
	size_t i;
	json_t *u;
	if (!json_is_array(v) || json_array_size(v) > LFM_MAX_UPSTREAMS)
		return zt_conf_fail(x, "upstreams", "must be an array of at most %d URLs", LFM_MAX_UPSTREAMS);
	c->nupstreams = 0;
	json_array_foreach(v, i, u) {
		const char *s = json_string_value(u);
		if (!s || (strncmp(s, "http://", 7) && strncmp(s, "https://", 8)))
			return zt_conf_fail(x, "upstreams", "entry %zu is not an http:// or https:// URL", i);
		if (strlen(s) >= LFM_URL_MAX)
			return zt_conf_fail(x, "upstreams", "entry %zu is longer than %d characters", i, LFM_URL_MAX - 1);
		snprintf(c->upstreams[c->nupstreams++], LFM_URL_MAX, "%s", s);
	}
	return ZT_OK;
}

static zt_err parse_owners(struct zt_conf_ctx *x, struct lfm_config *c, json_t *v)
{
	size_t i;
	json_t *o;
	if (!json_is_array(v) || json_array_size(v) > LFM_MAX_NO_WORK_OWNERS)
		return zt_conf_fail(x, "ownersWithoutWork", "must be an array of at most %d owners (\"@...\")",
				    LFM_MAX_NO_WORK_OWNERS);
	c->nno_work = 0;
	json_array_foreach(v, i, o) {
		if (!json_is_string(o) || zt_lf_owner_id_parse(&c->no_work[c->nno_work], json_string_value(o)) != ZT_OK)
			return zt_conf_fail(x, "ownersWithoutWork", "entry %zu is not an LF owner (\"@\" and Base62)", i);
		c->nno_work++;
	}
	return ZT_OK;
}

static zt_err parse_work(struct zt_conf_ctx *x, struct lfm_config *c, json_t *v)
{
	long long n;
	if (json_is_string(v) && !strcmp(json_string_value(v), "lf")) {
		c->work_lf = true;
		return ZT_OK;
	}
	if (!json_is_integer(v))
		return zt_conf_fail(x, "workDifficulty", "must be \"lf\" (LF's rule: the cost of the record's size) "
							  "or a difficulty (0..4294967295)");
	zt_err e = zt_conf_int(x, v, "workDifficulty", 0, UINT32_MAX, &n);
	if (!e) {
		c->work_lf = false;
		c->work_difficulty = (uint32_t)n;
	}
	return e;
}

zt_err lfm_config_parse(struct lfm_config *c, const char *json, const char *name, char *err, size_t errlen)
{
	struct zt_conf_ctx x = { name, err, errlen };
	json_t *root = NULL, *v;
	const char *key;
	long long n;
	zt_err e = zt_conf_parse(json, name, &root, err, errlen);
	if (e)
		return e;
	json_object_foreach(root, key, v) {
		if (!strcmp(key, "comment")) {
			continue; /* documentation only */
		} else if (!strcmp(key, "listen")) {
			e = parse_listen(&x, c, v);
		} else if (!strcmp(key, "upstreams")) {
			e = parse_upstreams(&x, c, v);
		} else if (!strcmp(key, "pullIntervalSeconds")) {
			if (!(e = zt_conf_int(&x, v, key, 1, 7 * 86400, &n)))
				c->pull_interval_s = (unsigned)n;
		} else if (!strcmp(key, "ownersWithoutWork")) {
			e = parse_owners(&x, c, v);
		} else if (!strcmp(key, "workDifficulty")) {
			e = parse_work(&x, c, v);
		} else if (!strcmp(key, "wharrgarblTable")) {
			e = zt_conf_string(&x, v, key, c->wtable, sizeof c->wtable);
		} else if (!strcmp(key, "mapSizeMiB")) {
			if (!(e = zt_conf_int(&x, v, key, 16, 1LL << 24, &n)))
				c->map_size = (uint64_t)n << 20;
		} else if (!strcmp(key, "maxConnections")) {
			if (!(e = zt_conf_int(&x, v, key, 1, 10000, &n)))
				c->max_connections = (unsigned)n;
		} else if (!strcmp(key, "maxRequestBytes")) {
			if (!(e = zt_conf_int(&x, v, key, 65536 + 1024, 64LL << 20, &n)))
				c->max_request = (size_t)n;
		} else if (!strcmp(key, "maxQueryResults")) {
			if (!(e = zt_conf_int(&x, v, key, 1, 100000000, &n)))
				c->max_query_results = (size_t)n;
		} else if (!strcmp(key, "workMemoryMiB")) {
			if (!(e = zt_conf_int(&x, v, key, 1, 65536, &n)))
				c->work_memory = (size_t)n << 20;
		} else if (!strcmp(key, "workThreads")) {
			if (!(e = zt_conf_int(&x, v, key, 0, 1024, &n)))
				c->work_threads = (unsigned)n;
		} else if (!strcmp(key, "logLevel")) {
			if (!json_is_string(v) || zt_log_level_parse(json_string_value(v)) < 0)
				e = zt_conf_fail(&x, key, "must be one of \"error\", \"warn\", \"info\", \"debug\"");
			else
				c->log_level = zt_log_level_parse(json_string_value(v));
		} else {
			e = zt_conf_fail(&x, key, "unknown key (see zerotier-lf(8) for the settings)");
		}
		if (e)
			break;
	}
	json_decref(root);
	return e;
}

zt_err lfm_config_load(struct lfm_config *c, const char *path, bool optional, char *err, size_t errlen)
{
	char *text = NULL;
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	zt_err e = zt_conf_read(path, optional, &text, err, errlen);
	if (e)
		return e;
	e = lfm_config_parse(c, text, name, err, errlen);
	free(text);
	return e;
}
