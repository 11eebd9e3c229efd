/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_DNS_TXT_H
#define ZT_DNS_TXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/name.h"
#include "dns/rootset.h"
#include "node/err.h"

/*
 * A root set in TXT records (docs/dynamic-roots.md §4). DNS returns the records of a name in any
 * order, so each record says which piece of which set it is:
 *
 *   "ztr1:" <tag: 8 hex> ":" <index: 2 digits> "/" <count: 2 digits> ":" <base64url piece>
 *
 * tag = the first 4 bytes of SHA-512 of the set's binary form, in lowercase hex; the pieces are
 * the binary form cut into 174-byte slices (the last one shorter), so every record is at most 252
 * characters: one TXT string. Records that do not start with "ztr1:" are someone else's and
 * ignored; the strings of one TXT record are concatenated first (as for SPF and DKIM).
 */

#define ZT_DNS_TXT_PREFIX "ztr1:"
#define ZT_DNS_TXT_HEADER_LEN 20        /* "ztr1:" tag ":" ii "/" nn ":" */
#define ZT_DNS_TXT_PIECE_LEN 174        /* bytes per record but the last: 232 base64url characters */
#define ZT_DNS_TXT_MAX_PIECES 48        /* 48 x 174 >= ZT_ROOTSET_MAX_LENGTH */
#define ZT_DNS_TXT_RECORD_MAX 252       /* characters of the longest record */
#define ZT_DNS_TXT_MAX_SETS 8           /* distinct tags considered per answer */

/* One TXT record as received: its strings concatenated (any bytes, not NUL-terminated). */
struct zt_dns_txt {
	const uint8_t *data;
	size_t len;
};

/* The record strings of one set, each NUL-terminated. */
struct zt_dns_txt_records {
	unsigned count;
	char rec[ZT_DNS_TXT_MAX_PIECES][ZT_DNS_TXT_RECORD_MAX + 1];
};

/*
 * Cuts a root set's binary form (rs->raw) into records. Returns ZT_OK, or ZT_EINVALID if rs is not
 * signed or too long.
 */
zt_err zt_dns_txt_split(const struct zt_rootset *rs, struct zt_dns_txt_records *out);

/* What became of the records of one answer: every count, for the log line. */
struct zt_dns_verdict {
	unsigned records;     /* TXT records seen */
	unsigned foreign;     /* not ours (no "ztr1:" prefix): ignored */
	unsigned malformed;   /* "ztr1:" records that are not a valid piece */
	unsigned sets;        /* distinct tags among the valid pieces */
	unsigned dropped;     /* pieces of sets beyond ZT_DNS_TXT_MAX_SETS */
	unsigned incomplete;  /* sets with pieces missing */
	unsigned conflicting; /* sets with two different pieces at one index, or that do not hash to their tag */
	unsigned invalid;     /* complete sets that do not parse, or whose roots' locators do not verify */
	unsigned forged;      /* sets whose signature does not verify with the key from the name */
	unsigned stale;       /* genuine sets older than the one held, or different with the same timestamp */
	bool unchanged;       /* the set accepted is the one already held */
};

/*
 * From the TXT records of `name` to the set to use: reassembles every set present, keeps those
 * signed by the name's key and acceptable after `cur` (may be NULL), and copies the newest into
 * *out (on a tie in timestamp, the lower digest, so every node picks the same one). v (may be
 * NULL) receives the counts. Returns ZT_OK, or if no set is acceptable, by priority: ZT_EAUTH
 * (a forged set), ZT_ESTALE (only sets older than the one held), ZT_EMALFORMED (unusable
 * records), ZT_ETRUNCATED (pieces missing), ZT_ENOTFOUND (no "ztr1:" record at all); -ENOMEM.
 */
zt_err zt_dns_rootset_from_txt(const struct zt_dns_name *name, const struct zt_dns_txt *recs, size_t n,
			       const struct zt_rootset_state *cur, struct zt_rootset *out, struct zt_dns_verdict *v);

#endif
