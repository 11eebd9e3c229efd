/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/jsonconf.h"
#include "common/log.h"
#include "conf.h"
#include "node/constants.h"

void root_config_defaults(struct root_config *c)
{
	memset(c, 0, sizeof *c);
	c->ports[0] = ZT_DEFAULT_PORT;
	c->nports = 1;
	c->threads = 0;
	c->relay_max_hops = ZT_RELAY_MAX_HOPS;
	c->flush_interval_ms = 1000;
	snprintf(c->http, sizeof c->http, "%s", ROOT_DEFAULT_HTTP);
	c->cache_max_peers = 4000000;
	c->peer_expiry_ms = 24LL * 3600 * 1000;
	c->lmdb_map_size = 16ULL << 30;
	c->hello_validations_per_prefix = 8;
	c->replies_per_peer = 20;
	c->whois_max_addresses = 16;
	c->log_level = ZT_LOG_INFO;
}

static zt_err parse_ports(struct zt_conf_ctx *x, struct root_config *c, json_t *v)
{
	if (json_is_integer(v)) {
		c->nports = 1;
		return zt_conf_port(x, v, "port", false, &c->ports[0]);
	}
	if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > ROOT_MAX_PORTS)
		return zt_conf_fail(x, "port", "must be a port number or an array of 1..%d port numbers", ROOT_MAX_PORTS);
	size_t i;
	json_t *p;
	c->nports = 0;
	json_array_foreach(v, i, p) {
		zt_err e = zt_conf_port(x, p, "port", false, &c->ports[c->nports++]);
		if (e)
			return e;
	}
	return ZT_OK;
}

static zt_err parse_binds(struct zt_conf_ctx *x, struct root_config *c, json_t *v)
{
	if (!json_is_array(v) || json_array_size(v) > ROOT_MAX_BINDS)
		return zt_conf_fail(x, "bind", "must be an array of at most %d IP addresses", ROOT_MAX_BINDS);
	size_t i;
	json_t *a;
	c->nbinds = 0;
	json_array_foreach(v, i, a) {
		if (!json_is_string(a) || zt_inetaddr_parse(&c->binds[c->nbinds], json_string_value(a)) != ZT_OK ||
		    c->binds[c->nbinds].port != 0)
			return zt_conf_fail(x, "bind", "entry %zu is not an IPv4 or IPv6 address (without a port)", i);
		c->nbinds++;
	}
	return ZT_OK;
}

static zt_err parse_limits(struct zt_conf_ctx *x, struct root_config *c, json_t *o)
{
	if (!json_is_object(o))
		return zt_conf_fail(x, "rateLimits", "must be an object");
	const char *key;
	json_t *v;
	long long n;
	json_object_foreach(o, key, v) {
		zt_err e;
		if (!strcmp(key, "helloValidationsPerPrefix")) {
			if ((e = zt_conf_int(x, v, "rateLimits.helloValidationsPerPrefix", 1, 100000, &n)))
				return e;
			c->hello_validations_per_prefix = (int)n;
		} else if (!strcmp(key, "repliesPerPeer")) {
			if ((e = zt_conf_int(x, v, "rateLimits.repliesPerPeer", 1, 100000, &n)))
				return e;
			c->replies_per_peer = (int)n;
		} else if (!strcmp(key, "whoisMaxAddresses")) {
			if ((e = zt_conf_int(x, v, "rateLimits.whoisMaxAddresses", 1, 256, &n)))
				return e;
			c->whois_max_addresses = (int)n;
		} else {
			return zt_conf_fail(x, key, "unknown key in \"rateLimits\" (known: helloValidationsPerPrefix, "
						    "repliesPerPeer, whoisMaxAddresses)");
		}
	}
	return ZT_OK;
}

zt_err root_config_parse(struct root_config *c, const char *json, const char *name, char *err, size_t errlen)
{
	struct zt_conf_ctx x = { name, err, errlen };
	json_t *root = NULL;
	zt_err e = zt_conf_parse(json, name, &root, err, errlen);
	if (e)
		return e;
	const char *key;
	json_t *v;
	long long n;
	json_object_foreach(root, key, v) {
		if (!strcmp(key, "name") || !strcmp(key, "comment")) {
			continue; /* documentation only */
		} else if (!strcmp(key, "port")) {
			e = parse_ports(&x, c, v);
		} else if (!strcmp(key, "bind")) {
			e = parse_binds(&x, c, v);
		} else if (!strcmp(key, "threads")) {
			if (!(e = zt_conf_int(&x, v, key, 0, 256, &n)))
				c->threads = (int)n;
		} else if (!strcmp(key, "relayMaxHops")) {
			if (!(e = zt_conf_int(&x, v, key, 0, 7, &n)))
				c->relay_max_hops = (int)n;
		} else if (!strcmp(key, "planetFile")) {
			e = zt_conf_string(&x, v, key, c->planet_file, sizeof c->planet_file);
		} else if (!strcmp(key, "flushIntervalMs")) {
			if (!(e = zt_conf_int(&x, v, key, 10, 600000, &n)))
				c->flush_interval_ms = n;
		} else if (!strcmp(key, "http")) {
			if (json_is_false(v) || json_is_null(v)) {
				c->http[0] = '\0';
			} else if (!(e = zt_conf_string(&x, v, key, c->http, sizeof c->http))) {
				struct zt_inetaddr a;
				if (zt_inetaddr_parse(&a, c->http) != ZT_OK || a.port == 0)
					e = zt_conf_fail(&x, key, "\"%s\" is not IP:port (e.g. \"127.0.0.1:9993\" or \"[::1]:9993\")",
						 c->http);
			}
		} else if (!strcmp(key, "cacheMaxPeers")) {
			if (!(e = zt_conf_int(&x, v, key, 1000, 1000000000LL, &n)))
				c->cache_max_peers = (uint64_t)n;
		} else if (!strcmp(key, "peerExpirySeconds")) {
			if (!(e = zt_conf_int(&x, v, key, 60, 365LL * 86400, &n)))
				c->peer_expiry_ms = n * 1000;
		} else if (!strcmp(key, "lmdbMapSizeMiB")) {
			if (!(e = zt_conf_int(&x, v, key, 16, 1LL << 22, &n)))
				c->lmdb_map_size = (uint64_t)n << 20;
		} else if (!strcmp(key, "rateLimits")) {
			e = parse_limits(&x, c, v);
		} else if (!strcmp(key, "logLevel")) {
			if (!json_is_string(v) || zt_log_level_parse(json_string_value(v)) < 0)
				e = zt_conf_fail(&x, key, "must be one of \"error\", \"warn\", \"info\", \"debug\"");
			else
				c->log_level = zt_log_level_parse(json_string_value(v));
		} else {
			e = zt_conf_fail(&x, key, "unknown key (see docs/running-a-root.md for the settings)");
		}
		if (e)
			goto out;
	}
	/* Every port is opened on every bind address (both wildcards when there is none). */
	int per_port = c->nbinds ? c->nbinds : 2;
	if (c->nports * per_port > ROOT_MAX_ENDPOINTS) {
		snprintf(err, errlen, "%s: \"port\" x \"bind\": %d ports on %d addresses make %d sockets, more than %d",
			 name, c->nports, per_port, c->nports * per_port, ROOT_MAX_ENDPOINTS);
		e = ZT_ECONFIG;
	}
out:
	json_decref(root);
	return e;
}

zt_err root_config_load(struct root_config *c, const char *path, bool optional, char *err, size_t errlen)
{
	char *text = NULL;
	zt_err e = zt_conf_read(path, optional, &text, err, errlen);

	if (e)
		return e;
	e = root_config_parse(c, text, path, err, errlen);
	free(text);
	return e;
}
