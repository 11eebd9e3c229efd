/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_INETADDR_H
#define ZT_INETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "buf.h"
#include "err.h"

/*
 * A physical (IP, UDP port) address as carried by the protocol: the 1/7/19-byte wire encoding of
 * packet.md §12, the text form 1.x prints ("IP/port"), conversion to and from struct sockaddr, and
 * the IP scope policy of verbs.md §17. Pure value type, no I/O.
 */

#define ZT_INETADDR_NIL 0
#define ZT_INETADDR_V4 4
#define ZT_INETADDR_V6 6

/* Wire type bytes (packet.md §12). */
#define ZT_INETADDR_WIRE_NIL 0x00
#define ZT_INETADDR_WIRE_RESERVED_A 0x01   /* followed by 6 skipped bytes */
#define ZT_INETADDR_WIRE_RESERVED_B 0x02   /* followed by 6 skipped bytes */
#define ZT_INETADDR_WIRE_RESERVED_LEN 0x03 /* followed by u16 length and that many skipped bytes */
#define ZT_INETADDR_WIRE_V4 0x04
#define ZT_INETADDR_WIRE_V6 0x06
#define ZT_INETADDR_RESERVED_SKIP 6

#define ZT_INETADDR_WIRE_MAX 19 /* 1 + 16 + 2: the largest encoding we ever write */
/* Buffer size for any text form incl. NUL: "[" 45-char IPv6 "]:" 5-digit port. */
#define ZT_INETADDR_STRING_MAX 56

struct zt_inetaddr {
	uint8_t family; /* ZT_INETADDR_NIL, _V4 or _V6 */
	uint8_t ip[16]; /* IPv4 in ip[0..3], the rest zero */
	uint16_t port;  /* host order; in network-config routes this holds a netmask bit count */
};

/* IP scopes, from least to most preferred for nothing in particular; only the names matter. */
enum zt_ip_scope {
	ZT_IP_SCOPE_NONE = 0,      /* nil, unspecified (0/8, ::), broadcast: never a path */
	ZT_IP_SCOPE_MULTICAST,     /* 224/4, ff00::/8 */
	ZT_IP_SCOPE_LOOPBACK,      /* 127/8, ::1, fe80::1, ::ffff:127/104 */
	ZT_IP_SCOPE_LINK_LOCAL,    /* 169.254/16, fe80::/10 */
	ZT_IP_SCOPE_PSEUDOPRIVATE, /* defense /8 blocks used as private space, 240/4 */
	ZT_IP_SCOPE_PRIVATE,       /* RFC 1918, 100.64/10, documentation and RFC 2544 nets, fc00::/7 */
	ZT_IP_SCOPE_GLOBAL,
};

/* Fills a as IPv4 / IPv6 (ip in network byte order). */
void zt_inetaddr_set_v4(struct zt_inetaddr *a, const uint8_t ip[static 4], uint16_t port);
void zt_inetaddr_set_v6(struct zt_inetaddr *a, const uint8_t ip[static 16], uint16_t port);

/*
 * Reads one encoded address from b. The reserved types 0x01..0x03 are skipped as 1.x does and yield
 * a nil address (compare the bytes consumed with zt_inetaddr_wire_len() to detect that).
 * Returns ZT_OK, ZT_ETRUNCATED, or ZT_EMALFORMED for an unknown type byte. On error a is nil.
 */
zt_err zt_inetaddr_read(struct zt_inetaddr *a, struct zt_buf *b);
/* Appends the 1/7/19-byte encoding (sets w->err if it does not fit). */
void zt_inetaddr_write(const struct zt_inetaddr *a, struct zt_wbuf *w);
/* Length of the encoding zt_inetaddr_write produces: 1, 7 or 19. */
size_t zt_inetaddr_wire_len(const struct zt_inetaddr *a);

/*
 * Parses "IP/port", "IPv4:port", "[IPv6]:port", "[IPv6]/port", or a bare IP (port 0). Decimal
 * port 0..65535. Returns ZT_OK or ZT_EMALFORMED (a is then nil).
 */
zt_err zt_inetaddr_parse(struct zt_inetaddr *a, const char *s);
/*
 * Formats "IP/port" (as 1.x prints it), or "nil", into out (NUL-terminated, truncated to cap).
 * Returns out for use in printf arguments. cap >= ZT_INETADDR_STRING_MAX is always enough.
 */
char *zt_inetaddr_format(const struct zt_inetaddr *a, char *out, size_t cap);
/* Formats the IP alone (no port); "nil" for nil. Same contract as zt_inetaddr_format. */
char *zt_inetaddr_format_ip(const struct zt_inetaddr *a, char *out, size_t cap);

/*
 * Fills *ss (zeroed first) and returns the sockaddr length to pass to the socket layer, or 0 for
 * a nil address.
 */
socklen_t zt_inetaddr_to_sockaddr(const struct zt_inetaddr *a, struct sockaddr_storage *ss);
/*
 * Converts an AF_INET or AF_INET6 sockaddr. An IPv4-mapped IPv6 address (::ffff:a.b.c.d, as a
 * dual-stack socket reports IPv4 peers) becomes plain IPv4, so it compares equal to what peers
 * see and put on the wire. Returns ZT_OK, or ZT_EUNSUPPORTED for another family (a is then nil).
 */
zt_err zt_inetaddr_from_sockaddr(struct zt_inetaddr *a, const struct sockaddr *sa, socklen_t len);

/* Scope of the IP (verbs.md §17). IPv4-mapped IPv6 addresses are classified by their IPv4 part. */
enum zt_ip_scope zt_inetaddr_scope(const struct zt_inetaddr *a);
/* Short lowercase name of a scope ("global", "private", ...). Never NULL. */
const char *zt_ip_scope_name(enum zt_ip_scope scope);
/*
 * 1.x local policy: true if the IP may carry ZeroTier traffic as a physical path, i.e. its scope is
 * private, pseudo-private or global and it is not in 2001:470::/32. The port is not examined.
 */
bool zt_inetaddr_usable_as_path(const struct zt_inetaddr *a);

/* Same family, IP and port. Two nil addresses are equal. */
bool zt_inetaddr_equal(const struct zt_inetaddr *a, const struct zt_inetaddr *b);
/* Same family and IP, port ignored (the stable-endpoint allow-list compares this way). */
bool zt_inetaddr_ip_equal(const struct zt_inetaddr *a, const struct zt_inetaddr *b);

#endif
