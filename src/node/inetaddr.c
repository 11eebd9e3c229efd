/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "inetaddr.h"

#define IPV4_LEN 4
#define IPV6_LEN 16
#define PORT_MAX 65535

void zt_inetaddr_set_v4(struct zt_inetaddr *a, const uint8_t ip[static 4], uint16_t port)
{
	memset(a, 0, sizeof *a);
	a->family = ZT_INETADDR_V4;
	memcpy(a->ip, ip, IPV4_LEN);
	a->port = port;
}

void zt_inetaddr_set_v6(struct zt_inetaddr *a, const uint8_t ip[static 16], uint16_t port)
{
	memset(a, 0, sizeof *a);
	a->family = ZT_INETADDR_V6;
	memcpy(a->ip, ip, IPV6_LEN);
	a->port = port;
}

zt_err zt_inetaddr_read(struct zt_inetaddr *a, struct zt_buf *b)
{
	memset(a, 0, sizeof *a);
	uint8_t type = zt_buf_u8(b);
	switch (type) {
	case ZT_INETADDR_WIRE_NIL:
		break;
	case ZT_INETADDR_WIRE_V4:
		zt_buf_copy(b, a->ip, IPV4_LEN);
		a->port = zt_buf_u16(b);
		a->family = ZT_INETADDR_V4;
		break;
	case ZT_INETADDR_WIRE_V6:
		zt_buf_copy(b, a->ip, IPV6_LEN);
		a->port = zt_buf_u16(b);
		a->family = ZT_INETADDR_V6;
		break;
	case ZT_INETADDR_WIRE_RESERVED_A:
	case ZT_INETADDR_WIRE_RESERVED_B:
		zt_buf_skip(b, ZT_INETADDR_RESERVED_SKIP);
		break;
	case ZT_INETADDR_WIRE_RESERVED_LEN:
		zt_buf_skip(b, zt_buf_u16(b));
		break;
	default:
		if (!b->err)
			return ZT_EMALFORMED;
	}
	if (b->err) {
		memset(a, 0, sizeof *a);
		return ZT_ETRUNCATED;
	}
	return ZT_OK;
}

void zt_inetaddr_write(const struct zt_inetaddr *a, struct zt_wbuf *w)
{
	switch (a->family) {
	case ZT_INETADDR_V4:
		zt_wbuf_u8(w, ZT_INETADDR_WIRE_V4);
		zt_wbuf_put(w, a->ip, IPV4_LEN);
		zt_wbuf_u16(w, a->port);
		break;
	case ZT_INETADDR_V6:
		zt_wbuf_u8(w, ZT_INETADDR_WIRE_V6);
		zt_wbuf_put(w, a->ip, IPV6_LEN);
		zt_wbuf_u16(w, a->port);
		break;
	default:
		zt_wbuf_u8(w, ZT_INETADDR_WIRE_NIL);
	}
}

size_t zt_inetaddr_wire_len(const struct zt_inetaddr *a)
{
	switch (a->family) {
	case ZT_INETADDR_V4: return 1 + IPV4_LEN + 2;
	case ZT_INETADDR_V6: return 1 + IPV6_LEN + 2;
	default: return 1;
	}
}

/* Parses a decimal port of 1..5 digits with nothing after it. */
static bool parse_port(const char *s, uint16_t *port)
{
	unsigned long v = 0;
	size_t n = 0;
	for (; s[n]; n++) {
		if (s[n] < '0' || s[n] > '9' || n >= 5)
			return false;
		v = v * 10 + (unsigned long)(s[n] - '0');
	}
	if (n == 0 || v > PORT_MAX)
		return false;
	*port = (uint16_t)v;
	return true;
}

/* Parses an IP literal of exactly len characters. */
static bool parse_ip(struct zt_inetaddr *a, const char *s, size_t len)
{
	char tmp[INET6_ADDRSTRLEN];
	uint8_t ip[IPV6_LEN];
	if (len == 0 || len >= sizeof tmp)
		return false;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	if (inet_pton(AF_INET, tmp, ip) == 1) {
		zt_inetaddr_set_v4(a, ip, 0);
		return true;
	}
	if (inet_pton(AF_INET6, tmp, ip) == 1) {
		zt_inetaddr_set_v6(a, ip, 0);
		return true;
	}
	return false;
}

zt_err zt_inetaddr_parse(struct zt_inetaddr *a, const char *s)
{
	uint16_t port = 0;
	bool ok;
	memset(a, 0, sizeof *a);
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		ok = close && parse_ip(a, s + 1, (size_t)(close - s - 1)) && a->family == ZT_INETADDR_V6;
		if (ok && close[1])
			ok = (close[1] == ':' || close[1] == '/') && parse_port(close + 2, &port);
	} else {
		/* "/" is 1.x's separator for both families; ":" is accepted only where it cannot be part of the IP. */
		const char *sep = strchr(s, '/');
		const char *colon = strchr(s, ':');
		if (!sep && colon && !strchr(colon + 1, ':'))
			sep = colon;
		size_t iplen = sep ? (size_t)(sep - s) : strlen(s);
		ok = parse_ip(a, s, iplen);
		if (ok && sep && sep == colon)
			ok = a->family == ZT_INETADDR_V4;
		if (ok && sep)
			ok = parse_port(sep + 1, &port);
	}
	if (!ok) {
		memset(a, 0, sizeof *a);
		return ZT_EMALFORMED;
	}
	a->port = port;
	return ZT_OK;
}

char *zt_inetaddr_format_ip(const struct zt_inetaddr *a, char *out, size_t cap)
{
	char tmp[INET6_ADDRSTRLEN];
	const char *r = NULL;
	if (a->family == ZT_INETADDR_V4)
		r = inet_ntop(AF_INET, a->ip, tmp, sizeof tmp);
	else if (a->family == ZT_INETADDR_V6)
		r = inet_ntop(AF_INET6, a->ip, tmp, sizeof tmp);
	if (cap)
		snprintf(out, cap, "%s", r ? r : "nil");
	return out;
}

char *zt_inetaddr_format(const struct zt_inetaddr *a, char *out, size_t cap)
{
	char ip[INET6_ADDRSTRLEN];
	zt_inetaddr_format_ip(a, ip, sizeof ip);
	if (!cap)
		return out;
	if (a->family == ZT_INETADDR_NIL)
		snprintf(out, cap, "%s", ip);
	else
		snprintf(out, cap, "%s/%u", ip, (unsigned)a->port);
	return out;
}

socklen_t zt_inetaddr_to_sockaddr(const struct zt_inetaddr *a, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	if (a->family == ZT_INETADDR_V4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(a->port);
		memcpy(&sin->sin_addr, a->ip, IPV4_LEN);
		return (socklen_t)sizeof *sin;
	}
	if (a->family == ZT_INETADDR_V6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(a->port);
		memcpy(&sin6->sin6_addr, a->ip, IPV6_LEN);
		return (socklen_t)sizeof *sin6;
	}
	return 0;
}

static const uint8_t v4_mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

zt_err zt_inetaddr_from_sockaddr(struct zt_inetaddr *a, const struct sockaddr *sa, socklen_t len)
{
	memset(a, 0, sizeof *a);
	if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
		zt_inetaddr_set_v4(a, (const uint8_t *)&sin->sin_addr, ntohs(sin->sin_port));
		return ZT_OK;
	}
	if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
		const uint8_t *ip = (const uint8_t *)&sin6->sin6_addr;
		if (!memcmp(ip, v4_mapped_prefix, sizeof v4_mapped_prefix))
			zt_inetaddr_set_v4(a, ip + sizeof v4_mapped_prefix, ntohs(sin6->sin6_port));
		else
			zt_inetaddr_set_v6(a, ip, ntohs(sin6->sin6_port));
		return ZT_OK;
	}
	return ZT_EUNSUPPORTED;
}

/* True if the first `bits` bits of ip equal those of prefix. */
static bool in_prefix(const uint8_t *ip, const uint8_t *prefix, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;
	if (memcmp(ip, prefix, whole))
		return false;
	if (!rest)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (ip[whole] & mask) == (prefix[whole] & mask);
}

struct prefix_scope {
	uint8_t prefix[4];
	uint8_t bits;
	enum zt_ip_scope scope;
};

/*
 * IPv4 ranges in the order they are tested (first match wins; everything else is global).
 * The pseudo-private /8s are blocks assigned to the US DoD and UK MoD that are not routed on the
 * Internet and are reused as extra private space by some large networks; 1.x treats them as such.
 */
static const struct prefix_scope v4_scopes[] = {
	{ { 0, 0, 0, 0 }, 8, ZT_IP_SCOPE_NONE },
	{ { 127, 0, 0, 0 }, 8, ZT_IP_SCOPE_LOOPBACK },
	{ { 169, 254, 0, 0 }, 16, ZT_IP_SCOPE_LINK_LOCAL },
	{ { 224, 0, 0, 0 }, 4, ZT_IP_SCOPE_MULTICAST },
	{ { 255, 255, 255, 255 }, 32, ZT_IP_SCOPE_NONE },
	{ { 240, 0, 0, 0 }, 4, ZT_IP_SCOPE_PSEUDOPRIVATE },
	{ { 10, 0, 0, 0 }, 8, ZT_IP_SCOPE_PRIVATE },
	{ { 172, 16, 0, 0 }, 12, ZT_IP_SCOPE_PRIVATE },
	{ { 192, 168, 0, 0 }, 16, ZT_IP_SCOPE_PRIVATE },
	{ { 100, 64, 0, 0 }, 10, ZT_IP_SCOPE_PRIVATE },    /* carrier-grade NAT */
	{ { 192, 0, 2, 0 }, 24, ZT_IP_SCOPE_PRIVATE },     /* TEST-NET-1 */
	{ { 198, 18, 0, 0 }, 15, ZT_IP_SCOPE_PRIVATE },    /* RFC 2544 benchmarking: the lab uses it */
	{ { 198, 51, 100, 0 }, 24, ZT_IP_SCOPE_PRIVATE },  /* TEST-NET-2 */
	{ { 203, 0, 113, 0 }, 24, ZT_IP_SCOPE_PRIVATE },   /* TEST-NET-3 */
	{ { 6, 0, 0, 0 }, 8, ZT_IP_SCOPE_PSEUDOPRIVATE },
	{ { 11, 0, 0, 0 }, 8, ZT_IP_SCOPE_PSEUDOPRIVATE },
	{ { 21, 0, 0, 0 }, 8, ZT_IP_SCOPE_PSEUDOPRIVATE },
	{ { 22, 0, 0, 0 }, 8, ZT_IP_SCOPE_PSEUDOPRIVATE },
	{ { 25, 0, 0, 0 }, 8, ZT_IP_SCOPE_PSEUDOPRIVATE },
	{ { 26, 0, 0, 0 }, 8, ZT_IP_SCOPE_PSEUDOPRIVATE },
	{ { 28, 0, 0, 0 }, 8, ZT_IP_SCOPE_PSEUDOPRIVATE },
	{ { 29, 0, 0, 0 }, 8, ZT_IP_SCOPE_PSEUDOPRIVATE },
	{ { 30, 0, 0, 0 }, 8, ZT_IP_SCOPE_PSEUDOPRIVATE },
	{ { 33, 0, 0, 0 }, 8, ZT_IP_SCOPE_PSEUDOPRIVATE },
	{ { 55, 0, 0, 0 }, 8, ZT_IP_SCOPE_PSEUDOPRIVATE },
	{ { 214, 0, 0, 0 }, 8, ZT_IP_SCOPE_PSEUDOPRIVATE },
	{ { 215, 0, 0, 0 }, 8, ZT_IP_SCOPE_PSEUDOPRIVATE },
};

static enum zt_ip_scope scope_v4(const uint8_t ip[4])
{
	for (size_t i = 0; i < sizeof v4_scopes / sizeof v4_scopes[0]; i++)
		if (in_prefix(ip, v4_scopes[i].prefix, v4_scopes[i].bits))
			return v4_scopes[i].scope;
	return ZT_IP_SCOPE_GLOBAL;
}

static const uint8_t v6_any[16] = { 0 };
static const uint8_t v6_loopback[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
/* 1.x lists fe80::1 with the loopbacks: some systems put it on lo0. */
static const uint8_t v6_fe80_1[16] = { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
static const uint8_t v6_link_local[2] = { 0xfe, 0x80 };
static const uint8_t v6_multicast[1] = { 0xff };
static const uint8_t v6_ula[1] = { 0xfc };
static const uint8_t v6_tunnel_broker[4] = { 0x20, 0x01, 0x04, 0x70 };

static enum zt_ip_scope scope_v6(const uint8_t ip[16])
{
	if (!memcmp(ip, v4_mapped_prefix, sizeof v4_mapped_prefix))
		return scope_v4(ip + sizeof v4_mapped_prefix);
	if (!memcmp(ip, v6_any, 16))
		return ZT_IP_SCOPE_NONE;
	if (!memcmp(ip, v6_loopback, 16) || !memcmp(ip, v6_fe80_1, 16))
		return ZT_IP_SCOPE_LOOPBACK;
	if (in_prefix(ip, v6_link_local, 10))
		return ZT_IP_SCOPE_LINK_LOCAL;
	if (in_prefix(ip, v6_multicast, 8))
		return ZT_IP_SCOPE_MULTICAST;
	if (in_prefix(ip, v6_ula, 7))
		return ZT_IP_SCOPE_PRIVATE;
	return ZT_IP_SCOPE_GLOBAL;
}

enum zt_ip_scope zt_inetaddr_scope(const struct zt_inetaddr *a)
{
	if (a->family == ZT_INETADDR_V4)
		return scope_v4(a->ip);
	if (a->family == ZT_INETADDR_V6)
		return scope_v6(a->ip);
	return ZT_IP_SCOPE_NONE;
}

const char *zt_ip_scope_name(enum zt_ip_scope scope)
{
	switch (scope) {
	case ZT_IP_SCOPE_NONE: return "none";
	case ZT_IP_SCOPE_MULTICAST: return "multicast";
	case ZT_IP_SCOPE_LOOPBACK: return "loopback";
	case ZT_IP_SCOPE_LINK_LOCAL: return "link-local";
	case ZT_IP_SCOPE_PSEUDOPRIVATE: return "pseudo-private";
	case ZT_IP_SCOPE_PRIVATE: return "private";
	case ZT_IP_SCOPE_GLOBAL: return "global";
	}
	return "unknown";
}

bool zt_inetaddr_usable_as_path(const struct zt_inetaddr *a)
{
	switch (zt_inetaddr_scope(a)) {
	case ZT_IP_SCOPE_PRIVATE:
	case ZT_IP_SCOPE_PSEUDOPRIVATE:
	case ZT_IP_SCOPE_GLOBAL:
		break;
	default:
		return false;
	}
	/* verbs.md §17: 1.x also refuses 2001:470::/32 (a tunnel broker), although its scope is global. */
	if (a->family == ZT_INETADDR_V6 && in_prefix(a->ip, v6_tunnel_broker, 32))
		return false;
	return true;
}

bool zt_inetaddr_ip_equal(const struct zt_inetaddr *a, const struct zt_inetaddr *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == ZT_INETADDR_V4)
		return !memcmp(a->ip, b->ip, IPV4_LEN);
	if (a->family == ZT_INETADDR_V6)
		return !memcmp(a->ip, b->ip, IPV6_LEN);
	return true;
}

bool zt_inetaddr_equal(const struct zt_inetaddr *a, const struct zt_inetaddr *b)
{
	return zt_inetaddr_ip_equal(a, b) && (a->family == ZT_INETADDR_NIL || a->port == b->port);
}
