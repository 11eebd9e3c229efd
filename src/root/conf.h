/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_ROOT_CONF_H
#define ZT_ROOT_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/err.h"
#include "node/inetaddr.h"

#define ROOT_MAX_PORTS 8
#define ROOT_MAX_BINDS 16
#define ROOT_MAX_ENDPOINTS 32 /* ports x bind addresses (= ROOT_IO_MAX_ENDPOINTS) */
#define ROOT_DEFAULT_HTTP "127.0.0.1:9993"

/* The root's settings: built-in defaults, overridden by root.json (docs/running-a-root.md). */
struct root_config {
	uint16_t ports[ROOT_MAX_PORTS];
	int nports;
	struct zt_inetaddr binds[ROOT_MAX_BINDS]; /* IPs to bind (port ignored); none = wildcard v4 + v6 */
	int nbinds;
	int threads;               /* 0 = one per core */
	int relay_max_hops;        /* relay only if hops < this before incrementing (0..7) */
	char planet_file[4096];    /* "" = none; relative paths are under the home directory */
	int64_t flush_interval_ms; /* LMDB write-behind interval */
	char http[256];            /* "IP:port" for the status/metrics HTTP server, "" = disabled */
	uint64_t cache_max_peers;  /* memory bound of the peer cache */
	int64_t peer_expiry_ms;    /* forget a silent peer from memory after this (LMDB keeps it) */
	uint64_t lmdb_map_size;    /* bytes */
	/* rate limits */
	int hello_validations_per_prefix; /* identity validations per /24 (/48) per second (burst = 4x) */
	int replies_per_peer;             /* WHOIS/ECHO/GATHER replies per peer per second */
	int whois_max_addresses;          /* addresses answered per WHOIS request */
	int log_level;                    /* enum zt_log_level */
};

/* Fills in the built-in defaults. */
void root_config_defaults(struct root_config *c);

/*
 * Loads a JSON config file over the current values. On error returns ZT_ECONFIG and writes a
 * message naming the key and the problem (e.g. "root.json: \"port\": 70000 is not a port (1..65535)")
 * into err. A missing file is ZT_ENOTFOUND when `optional`, else an error.
 */
zt_err root_config_load(struct root_config *c, const char *path, bool optional, char *err, size_t errlen);

/* Parses the JSON text itself (for tests). `name` is used in messages. */
zt_err root_config_parse(struct root_config *c, const char *json, const char *name, char *err, size_t errlen);

#endif
