/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_SVC_DYNROOTS_H
#define ZT_SVC_DYNROOTS_H

#include <stdbool.h>
#include <stdint.h>

#include "dns/name.h"
#include "dns/rootset.h"
#include "dns/txt.h"
#include "node/locator.h"
#include "service.h"

/*
 * Dynamic roots inside zerotier-node, shared by dynroots.c (state, lookups, files, the engine) and
 * dynroots_api.c (the local API). Everything here belongs to the event-loop thread.
 */

/* One root of a dynamic root's set (or its default locator), as given to the engine. */
struct svc_dynroot_member {
	struct zt_identity id; /* public only */
	int64_t locator_timestamp;
	struct zt_inetaddr endpoints[ZT_NODE_MAX_ROOT_ENDPOINTS]; /* the locator's UDP endpoints */
	unsigned endpoint_count;
	const char *problem; /* NULL: usable; else why it is not used (the identity does not validate, ...) */
	zt_err engine_err;   /* the engine's answer when it was last added (ZT_ELIMIT: no room) */
};

struct svc_dynroot {
	struct svc_dynroot *next;
	struct svc *svc;
	struct zt_dns_name name;
	struct zt_locator *default_locator; /* NULL: none */
	struct zt_rootset *set;             /* the newest accepted set; NULL until a lookup succeeds */
	struct zt_rootset_state state;      /* of `set` (what a lookup must not roll back behind) */
	unsigned member_count;              /* from `set`, else from the default locator */
	struct svc_dynroot_member members[ZT_ROOTSET_MAX_ROOTS];
	bool in_flight;                     /* a lookup is running: its callback holds this struct */
	bool removed;                       /* removed while in flight: the callback frees it */
	int64_t next_refresh;
	int64_t last_refresh; /* the last lookup ended (0: never) */
	int64_t last_success; /* the last lookup that gave a set, new or unchanged (0: never) */
	uint32_t ttl;         /* seconds, from the last successful answer */
	unsigned failures;    /* lookups failed in a row */
	bool has_result;      /* last_err, unchanged and verdict describe a lookup */
	zt_err last_err;
	bool last_unchanged;
	struct zt_dns_verdict verdict;
	char detail[128]; /* the resolver's message of the last failed lookup */
};

/* The dynamic root with this canonical name, or NULL. */
struct svc_dynroot *svc_dynroot_find(struct svc *s, const char *name);

/*
 * Adds a dynamic root (or, if it exists, replaces its default locator when `deflt` is not NULL),
 * saves its file and looks it up at once. `deflt` (copied; NULL: none) must be verified and its
 * identity validated by the caller. *out receives the root. Returns ZT_OK, ZT_ELIMIT
 * (SVC_DYNROOT_MAX already), or the error of writing its file (nothing is added then); -ENOMEM.
 */
zt_err svc_dynroot_add(struct svc *s, const struct zt_dns_name *name, const struct zt_locator *deflt,
		       struct svc_dynroot **out);

/* Removes a dynamic root, its file and the engine roots only it listed. Returns ZT_OK or the file error. */
zt_err svc_dynroot_remove(struct svc *s, struct svc_dynroot *d);

/* A new dynamic root (not in the list yet), due for a lookup now; NULL if out of memory. */
struct svc_dynroot *svc_dynroot_new(struct svc *s, const struct zt_dns_name *name);
/* Frees one (NULL is fine). */
void svc_dynroot_free(struct svc_dynroot *d);

/* ---- dynroots_file.c: roots.d/dynamic/ */

/* Writes the root's file atomically (name, default locator, accepted set). Returns ZT_OK or the error. */
zt_err svc_dynroot_save(struct svc *s, const struct svc_dynroot *d);
/* Removes the root's file (none is fine). */
zt_err svc_dynroot_unlink(struct svc *s, const struct svc_dynroot *d);
bool svc_dynroot_file_exists(struct svc *s, const struct svc_dynroot *d);
/*
 * Reads each file of roots.d/dynamic/ whose root is not in the list yet, and hands the root (its
 * default locator and saved set checked, members not built) to `add`, which owns it. Bad files are
 * logged and skipped.
 */
void svc_dynroot_files_load(struct svc *s, void (*add)(struct svc *s, struct svc_dynroot *d));
/*
 * Parses a default locator (text form) and checks everything the node needs of it: its signature,
 * an IP/port endpoint, not this node, an identity that validates. Returns a new locator (free()),
 * or NULL with a reason for the user in *why.
 */
struct zt_locator *svc_dynroot_locator_parse(const struct svc *s, const char *text, const char **why);

/* "forged", "stale", "malformed", "incomplete", "notfound", "dns", "unusable" or "error". */
const char *svc_dynroot_err_name(zt_err err);
/* A sentence for operators about a failed lookup. */
const char *svc_dynroot_err_text(zt_err err);

#endif
