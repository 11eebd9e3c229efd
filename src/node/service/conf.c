/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/file.h"
#include "common/log.h"
#include "conf.h"
#include "dns/resolve.h"
#include "node/constants.h"
#include "node/hex.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define CONF_KEY_MAX 96

/* 1.x settings we accept in a copied local.conf but do not implement (a warning, not an error). */
static const char *const foreign_settings[] = {
	"allowTcpFallbackRelay", "forceTcpRelay",	  "tcpFallbackRelay",	"interfacePrefixBlacklist",
	"allowManagementFrom",	 "lowBandwidthMode",	  "softwareUpdate",	"softwareUpdateChannel",
	"softwareUpdateDist",	 "multipathMode",	  "defaultBondingPolicy", "policies",
	"peerSpecificBonds",	 "enableMetrics",	  "allowManagementFromV6",
};

void svc_settings_defaults(struct svc_settings *s)
{
	memset(s, 0, sizeof *s);
	s->primary_port = ZT_DEFAULT_PORT;
	s->secondary_port = SVC_PORT_AUTO;
	s->allow_secondary_port = true;
	s->port_mapping = true;
	s->port_search = true;
}

zt_err svc_conf_addrs(struct zt_conf_ctx *x, json_t *v, const char *key, struct zt_inetaddr *out, size_t cap,
		      int *n)
{
	size_t i;
	json_t *a;

	if (!json_is_array(v) || json_array_size(v) > cap)
		return zt_conf_fail(x, key, "must be an array of at most %zu \"IP/port\" strings", cap);
	*n = 0;
	json_array_foreach(v, i, a) {
		if (!json_is_string(a))
			return zt_conf_fail(x, key, "entry %zu is not a string", i);
		if (zt_inetaddr_parse(&out[i], json_string_value(a)) != ZT_OK || out[i].port == 0)
			return zt_conf_fail(x, key, "entry %zu (\"%.60s\") is not IP/port (e.g. \"198.51.100.7/9993\")",
					    i, json_string_value(a));
		(*n)++;
	}
	return ZT_OK;
}

static zt_err conf_binds(struct zt_conf_ctx *x, json_t *v, struct svc_settings *s)
{
	size_t i;
	json_t *a;

	if (!json_is_array(v) || json_array_size(v) > SVC_MAX_BINDS)
		return zt_conf_fail(x, "bind", "must be an array of at most %d IP addresses", SVC_MAX_BINDS);
	s->nbinds = 0;
	json_array_foreach(v, i, a) {
		struct zt_inetaddr *b = &s->binds[s->nbinds];

		if (!json_is_string(a) || zt_inetaddr_parse(b, json_string_value(a)) != ZT_OK || b->port != 0)
			return zt_conf_fail(x, "bind", "entry %zu is not an IPv4 or IPv6 address (without a port)", i);
		s->nbinds++;
	}
	return ZT_OK;
}

static bool is_foreign_setting(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(foreign_settings); i++)
		if (!strcmp(key, foreign_settings[i]))
			return true;
	return false;
}

static zt_err conf_settings(struct zt_conf_ctx *x, json_t *o, struct svc_settings *s)
{
	const char *key;
	json_t *v;
	uint16_t port;

	if (!json_is_object(o))
		return zt_conf_fail(x, "settings", "must be an object");
	json_object_foreach(o, key, v) {
		zt_err e = ZT_OK;

		if (!strcmp(key, "primaryPort")) {
			e = zt_conf_port(x, v, key, true, &s->primary_port);
		} else if (!strcmp(key, "secondaryPort")) {
			if (!(e = zt_conf_port(x, v, key, true, &port)))
				s->secondary_port = port;
		} else if (!strcmp(key, "tertiaryPort")) {
			e = zt_conf_port(x, v, key, true, &s->tertiary_port);
		} else if (!strcmp(key, "allowSecondaryPort")) {
			e = zt_conf_bool(x, v, key, &s->allow_secondary_port);
		} else if (!strcmp(key, "portMappingEnabled")) {
			e = zt_conf_bool(x, v, key, &s->port_mapping);
		} else if (!strcmp(key, "portSearch")) {
			e = zt_conf_bool(x, v, key, &s->port_search);
		} else if (!strcmp(key, "allowLoopbackPaths")) {
			e = zt_conf_bool(x, v, key, &s->allow_loopback_paths);
		} else if (!strcmp(key, "bind")) {
			e = conf_binds(x, v, s);
		} else if (!strcmp(key, "explicitAddresses")) {
			e = svc_conf_addrs(x, v, key, s->explicit_addrs, ZT_NODE_MAX_LOCAL_ADDRESSES, &s->nexplicit);
		} else if (!strcmp(key, "dnsServers")) {
			e = svc_conf_addrs(x, v, key, s->dns_servers, SVC_MAX_DNS_SERVERS, &s->ndns);
		} else if (!strcmp(key, "dnsRefreshMinimumMs")) {
			long long ms = 0;

			if (!(e = zt_conf_int(x, v, key, SVC_DNS_REFRESH_MIN_FLOOR_MS, ZT_DNS_REFRESH_MAX_MS, &ms)))
				s->dns_refresh_min_ms = ms;
		} else if (is_foreign_setting(key)) {
			log_warnx("%s: \"%s\": a 1.x setting this node does not implement: ignored", x->name, key);
		} else {
			e = zt_conf_fail(x, key, "unknown setting (see zerotier-node(8) for the settings)");
		}
		if (e)
			return e;
	}
	return ZT_OK;
}

static zt_err conf_virtual(struct zt_conf_ctx *x, json_t *o)
{
	char k[CONF_KEY_MAX];
	const char *key, *sub;
	json_t *v, *w;

	if (!json_is_object(o))
		return zt_conf_fail(x, "virtual", "must be an object of {\"<address>\": {\"try\": [...]}}");
	json_object_foreach(o, key, v) {
		uint64_t address;
		struct zt_inetaddr addrs[ZT_NODE_MAX_TRY_ADDRESSES];
		int n;

		snprintf(k, sizeof k, "virtual.%.40s", key);
		if (!zt_address_parse(&address, key))
			return zt_conf_fail(x, k, "the key must be a 10-digit hex node address");
		if (!json_is_object(v))
			return zt_conf_fail(x, k, "must be an object");
		json_object_foreach(v, sub, w) {
			snprintf(k, sizeof k, "virtual.%.40s.%.40s", key, sub);
			if (!strcmp(sub, "try")) {
				zt_err e = svc_conf_addrs(x, w, k, addrs, ZT_NODE_MAX_TRY_ADDRESSES, &n);

				if (e)
					return e;
			} else if (!strcmp(sub, "blacklist")) {
				log_warnx("%s: \"%s\": not implemented: ignored", x->name, k);
			} else {
				return zt_conf_fail(x, k, "unknown key (known: \"try\")");
			}
		}
	}
	return ZT_OK;
}

zt_err svc_conf_check(json_t *doc, const char *name, struct svc_settings *s, char *err, size_t errlen)
{
	struct zt_conf_ctx x = { name, err, errlen };
	const char *key;
	json_t *v;

	svc_settings_defaults(s);
	if (!json_is_object(doc)) {
		snprintf(err, errlen, "%s: the top level must be a JSON object", name);
		return ZT_ECONFIG;
	}
	json_object_foreach(doc, key, v) {
		zt_err e = ZT_OK;

		if (!strcmp(key, "settings"))
			e = conf_settings(&x, v, s);
		else if (!strcmp(key, "virtual"))
			e = conf_virtual(&x, v);
		else if (!strcmp(key, "physical"))
			log_warnx("%s: \"physical\": per-network physical settings are not implemented: ignored", name);
		else
			e = zt_conf_fail(&x, key, "unknown key (known: \"settings\", \"virtual\", \"physical\")");
		if (e)
			return e;
	}
	return ZT_OK;
}

zt_err svc_conf_load(const char *path, json_t **doc, struct svc_settings *s, char *err, size_t errlen)
{
	char *text = NULL;
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	zt_err e = zt_conf_read(path, true, &text, err, errlen);

	*doc = NULL;
	if (e == ZT_ENOTFOUND) {
		svc_settings_defaults(s);
		*doc = json_object();
		return *doc ? ZT_OK : -ENOMEM;
	}
	if (e)
		return e;
	e = zt_conf_parse(text, name, doc, err, errlen);
	free(text);
	if (!e && (e = svc_conf_check(*doc, name, s, err, errlen))) {
		json_decref(*doc);
		*doc = NULL;
	}
	return e;
}

zt_err svc_conf_save(const char *path, json_t *doc)
{
	char *text = json_dumps(doc, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
	zt_err e;

	if (!text)
		return -ENOMEM;
	size_t n = strlen(text);
	text[n] = '\n'; /* json_dumps leaves room for its NUL: a newline at the end of the file instead */
	e = zt_file_write_atomic(path, text, n + 1, 0644);
	free(text);
	return e;
}

json_t *svc_conf_patch(json_t *doc, json_t *patch, struct svc_settings *s, char *err, size_t errlen)
{
	json_t *out, *settings;
	const char *key;
	json_t *v;

	if (!json_is_object(patch)) {
		snprintf(err, errlen, "\"settings\" must be an object");
		return NULL;
	}
	out = json_deep_copy(doc);
	if (!out) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	settings = json_object_get(out, "settings");
	if (!json_is_object(settings)) {
		settings = json_object();
		if (!settings || json_object_set_new(out, "settings", settings))
			goto oom;
	}
	json_object_foreach(patch, key, v) {
		if (json_is_null(v))
			json_object_del(settings, key);
		else if (json_object_set(settings, key, v))
			goto oom;
	}
	if (svc_conf_check(out, SVC_CONF_NAME, s, err, errlen) != ZT_OK) {
		json_decref(out);
		return NULL;
	}
	return out;
oom:
	snprintf(err, errlen, "out of memory");
	json_decref(out);
	return NULL;
}

json_t *svc_json_addrs(const struct zt_inetaddr *a, size_t n)
{
	json_t *arr = json_array();
	char s[ZT_INETADDR_STRING_MAX];

	for (size_t i = 0; arr && i < n; i++) {
		if (json_array_append_new(arr, json_string(zt_inetaddr_format(&a[i], s, sizeof s)))) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

json_t *svc_conf_set_try(json_t *doc, uint64_t address, const struct zt_inetaddr *addrs, size_t n)
{
	char key[11];
	json_t *out = json_deep_copy(doc), *virt, *peer;

	zt_address_format(key, address);
	if (!out)
		return NULL;
	virt = json_object_get(out, "virtual");
	if (!json_is_object(virt)) {
		virt = json_object();
		if (!virt || json_object_set_new(out, "virtual", virt))
			goto oom;
	}
	peer = json_object_get(virt, key);
	if (!json_is_object(peer)) {
		peer = json_object();
		if (!peer || json_object_set_new(virt, key, peer))
			goto oom;
	}
	if (n == 0) {
		json_object_del(peer, "try");
		if (json_object_size(peer) == 0)
			json_object_del(virt, key);
		if (json_object_size(virt) == 0)
			json_object_del(out, "virtual");
		return out;
	}
	if (json_object_set_new(peer, "try", svc_json_addrs(addrs, n)))
		goto oom;
	return out;
oom:
	json_decref(out);
	return NULL;
}

json_t *svc_settings_json(const struct svc_settings *s)
{
	json_t *o = json_object(), *binds = json_array();
	char ip[ZT_INETADDR_STRING_MAX];
	bool err = !o || !binds;

	for (int i = 0; !err && i < s->nbinds; i++)
		err = json_array_append_new(binds, json_string(zt_inetaddr_format_ip(&s->binds[i], ip, sizeof ip)));
	if (!err) {
		err = json_object_set_new(o, "primaryPort", json_integer(s->primary_port)) ||
		      json_object_set_new(o, "secondaryPort",
					  s->secondary_port == SVC_PORT_AUTO ? json_null() : json_integer(s->secondary_port)) ||
		      json_object_set_new(o, "tertiaryPort", json_integer(s->tertiary_port)) ||
		      json_object_set_new(o, "allowSecondaryPort", json_boolean(s->allow_secondary_port)) ||
		      json_object_set_new(o, "portMappingEnabled", json_boolean(s->port_mapping)) ||
		      json_object_set_new(o, "portSearch", json_boolean(s->port_search)) ||
		      json_object_set_new(o, "allowLoopbackPaths", json_boolean(s->allow_loopback_paths)) ||
		      json_object_set(o, "bind", binds) ||
		      json_object_set_new(o, "explicitAddresses", svc_json_addrs(s->explicit_addrs, (size_t)s->nexplicit)) ||
		      json_object_set_new(o, "dnsServers", svc_json_addrs(s->dns_servers, (size_t)s->ndns));
	}
	if (!err && s->dns_refresh_min_ms) /* a test setting: shown only when set */
		err = json_object_set_new(o, "dnsRefreshMinimumMs", json_integer(s->dns_refresh_min_ms));
	json_decref(binds);
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}
