/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_SVC_CONF_H
#define ZT_SVC_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/jsonconf.h"
#include "node/err.h"
#include "node/inetaddr.h"
#include "node/node.h"

/*
 * local.conf: the edge node's settings (docs/man/zerotier-node.8). A JSON object with a "settings"
 * object using 1.x's key names where 1.x has the setting, and a "virtual" object of per-peer
 * settings ({"<address>": {"try": ["IP/port", ...]}}, as in 1.x). The document is kept as read,
 * so keys we tolerate but do not use (other 1.x settings) survive when the service rewrites it.
 */

#define SVC_MAX_BINDS 16
#define SVC_MAX_DNS_SERVERS 8
#define SVC_CONF_NAME "local.conf"
/* secondaryPort when the key is absent: derived from the node address, as 1.x does. */
#define SVC_PORT_AUTO (-1)
/* The smallest dnsRefreshMinimumMs accepted: a test setting, but never a busy loop. */
#define SVC_DNS_REFRESH_MIN_FLOOR_MS 100

struct svc_settings {
	uint16_t primary_port;     /* 0: any free port, chosen by the kernel at each start */
	int32_t secondary_port;    /* SVC_PORT_AUTO, 0 (none) or a port */
	uint16_t tertiary_port;    /* 0: none */
	bool allow_secondary_port;
	bool port_mapping;         /* UPnP / NAT-PMP for the primary port */
	bool port_search;          /* a busy port: try the next ones */
	bool allow_loopback_paths; /* tests on one host */
	struct zt_inetaddr binds[SVC_MAX_BINDS]; /* IPs (no port); none = 0.0.0.0 and :: */
	int nbinds;
	struct zt_inetaddr explicit_addrs[ZT_NODE_MAX_LOCAL_ADDRESSES]; /* IP/port */
	int nexplicit;
	struct zt_inetaddr dns_servers[SVC_MAX_DNS_SERVERS]; /* dynamic roots' resolvers; none = the system's */
	int ndns;
	/*
	 * dnsRefreshMinimumMs, for tests: replaces the built-in shortest refresh (60 s) and first retry
	 * (30 s) of dynamic roots; 0 = the built-in schedule. Not listed by GET /config unless set.
	 */
	int64_t dns_refresh_min_ms;
};

void svc_settings_defaults(struct svc_settings *s);

/*
 * Validates a whole local.conf document and fills *s from it (defaults for what it leaves out).
 * `name` is used in messages. Unknown keys in "settings" that 1.x defines are accepted with a
 * warning in the log; any other unknown key is an error. Returns ZT_OK or ZT_ECONFIG with a
 * message naming the key in err.
 */
zt_err svc_conf_check(json_t *doc, const char *name, struct svc_settings *s, char *err, size_t errlen);

/*
 * Reads and validates local.conf at `path`. A missing file is an empty document (the defaults).
 * On ZT_OK *doc is a new reference. Errors: ZT_ECONFIG (message in err) or -ENOMEM.
 */
zt_err svc_conf_load(const char *path, json_t **doc, struct svc_settings *s, char *err, size_t errlen);

/* Writes the document to `path` atomically (mode 0644, 4-space indentation). */
zt_err svc_conf_save(const char *path, json_t *doc);

/*
 * Returns a new document: a copy of doc with each key of `patch` (an object of settings) set in
 * "settings" (JSON null removes a key, i.e. restores the default), validated into *s. NULL with
 * the message in err (ZT_ECONFIG) if the patch is not an object or the result does not validate.
 */
json_t *svc_conf_patch(json_t *doc, json_t *patch, struct svc_settings *s, char *err, size_t errlen);

/*
 * Returns a new document: a copy of doc with "virtual"."<address>"."try" set to addrs (removed
 * when n == 0). NULL if out of memory.
 */
json_t *svc_conf_set_try(json_t *doc, uint64_t address, const struct zt_inetaddr *addrs, size_t n);

/* The effective settings as a JSON object (every key, the defaults filled in). New reference. */
json_t *svc_settings_json(const struct svc_settings *s);

/* JSON array of "IP/port" strings. New reference (NULL if out of memory). */
json_t *svc_json_addrs(const struct zt_inetaddr *a, size_t n);

/*
 * Parses a JSON array of "IP/port" strings (port required, 1..65535) into out[0..cap-1], *n the
 * count. Returns ZT_OK or ZT_ECONFIG with a message naming `key` and the bad entry.
 */
zt_err svc_conf_addrs(struct zt_conf_ctx *x, json_t *v, const char *key, struct zt_inetaddr *out, size_t cap,
		      int *n);

#endif
