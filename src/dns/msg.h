/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_DNS_MSG_H
#define ZT_DNS_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "dns/txt.h"
#include "node/err.h"

/*
 * The TXT records and their TTL from a DNS response (RFC 1035 §4). c-ares 1.18 parses TXT
 * answers but drops their TTL, which the refresh schedule needs, so the answer section is walked
 * here, through the bounds-checked reader.
 */

#define ZT_DNS_MSG_MAX_TXT 256 /* TXT records taken from one answer; more is ZT_ETOOBIG */

/*
 * Collects the TXT records of class IN in the answer section of msg[0..len-1]: recs[i] is the
 * concatenation of record i's strings, stored in buf (cap >= len is always enough). *ttl receives
 * the smallest TTL (seconds) among those records and any CNAME leading to them, 0 if there are
 * none. Returns ZT_OK, ZT_ETRUNCATED / ZT_EMALFORMED (a broken message), ZT_ENOTFOUND (NXDOMAIN),
 * ZT_EDNS (another error code in the response), ZT_ETOOBIG (more than `max` records) or
 * ZT_ENOSPACE (buf too small).
 */
zt_err zt_dns_msg_txt(const uint8_t *msg, size_t len, struct zt_dns_txt *recs, size_t max, size_t *n, uint8_t *buf,
		      size_t cap, uint32_t *ttl);

#endif
