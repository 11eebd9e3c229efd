/* SPDX-License-Identifier: Apache-2.0 */
/* InetAddress: wire encoding (packet.md §12), text forms, sockaddr conversion, scopes (verbs.md §17). */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "node/hex.h"
#include "node/inetaddr.h"

static struct zt_inetaddr parsed(const char *s)
{
	struct zt_inetaddr a;
	ck_assert_msg(zt_inetaddr_parse(&a, s) == ZT_OK, "parse %s", s);
	return a;
}

static void check_wire(const char *hex, const char *text)
{
	uint8_t in[32], out[32];
	char s[ZT_INETADDR_STRING_MAX];
	long n = zt_hex_decode_all(in, sizeof in, hex, strlen(hex));
	ck_assert_int_gt(n, 0);

	struct zt_buf b = zt_buf_init(in, (size_t)n);
	struct zt_inetaddr a;
	ck_assert_int_eq(zt_inetaddr_read(&a, &b), ZT_OK);
	ck_assert_uint_eq(zt_buf_left(&b), 0);
	ck_assert_str_eq(zt_inetaddr_format(&a, s, sizeof s), text);
	ck_assert_uint_eq(zt_inetaddr_wire_len(&a), (size_t)n);

	struct zt_wbuf w = zt_wbuf_init(out, sizeof out);
	zt_inetaddr_write(&a, &w);
	ck_assert(!w.err);
	ck_assert_uint_eq(w.len, (size_t)n);
	ck_assert_mem_eq(out, in, (size_t)n);

	/* Every proper prefix is truncated. */
	for (long i = 0; i < n; i++) {
		b = zt_buf_init(in, (size_t)i);
		ck_assert_int_eq(zt_inetaddr_read(&a, &b), ZT_ETRUNCATED);
		ck_assert_int_eq(a.family, ZT_INETADDR_NIL);
	}
	/* A writer with too little room fails without overrunning. */
	b = zt_buf_init(in, (size_t)n);
	ck_assert_int_eq(zt_inetaddr_read(&a, &b), ZT_OK);
	w = zt_wbuf_init(out, (size_t)n - 1);
	zt_inetaddr_write(&a, &w);
	ck_assert(n == 1 || w.err);
}

START_TEST(wire_examples)
{
	check_wire("04c61200012709", "198.18.0.1/9993");
	check_wire("062605988002001200003005710e3400512709", "2605:9880:200:1200:30:571:e34:51/9993");
	check_wire("00", "nil");
}
END_TEST

START_TEST(wire_reserved_types_are_skipped)
{
	const uint8_t a1[] = { 0x01, 1, 2, 3, 4, 5, 6, 0xaa };
	const uint8_t a2[] = { 0x02, 1, 2, 3, 4, 5, 6, 0xaa };
	const uint8_t a3[] = { 0x03, 0x00, 0x03, 1, 2, 3, 0xaa };
	const uint8_t a3_short[] = { 0x03, 0x00, 0x04, 1, 2, 3 };
	const uint8_t bad[] = { 0x05, 1, 2, 3, 4, 5, 6 };
	struct zt_inetaddr a;
	struct zt_buf b;

	b = zt_buf_init(a1, sizeof a1);
	ck_assert_int_eq(zt_inetaddr_read(&a, &b), ZT_OK);
	ck_assert_int_eq(a.family, ZT_INETADDR_NIL);
	ck_assert_uint_eq(zt_buf_u8(&b), 0xaa);
	b = zt_buf_init(a2, sizeof a2);
	ck_assert_int_eq(zt_inetaddr_read(&a, &b), ZT_OK);
	ck_assert_uint_eq(zt_buf_u8(&b), 0xaa);
	b = zt_buf_init(a3, sizeof a3);
	ck_assert_int_eq(zt_inetaddr_read(&a, &b), ZT_OK);
	ck_assert_uint_eq(zt_buf_u8(&b), 0xaa);
	b = zt_buf_init(a3_short, sizeof a3_short);
	ck_assert_int_eq(zt_inetaddr_read(&a, &b), ZT_ETRUNCATED);
	b = zt_buf_init(a1, 6);
	ck_assert_int_eq(zt_inetaddr_read(&a, &b), ZT_ETRUNCATED);
	for (int t = 0x07; t < 0x100; t++) {
		uint8_t x[7] = { (uint8_t)t };
		b = zt_buf_init(x, sizeof x);
		ck_assert_int_eq(zt_inetaddr_read(&a, &b), ZT_EMALFORMED);
	}
	b = zt_buf_init(bad, sizeof bad);
	ck_assert_int_eq(zt_inetaddr_read(&a, &b), ZT_EMALFORMED);
	b = zt_buf_init(bad, 0);
	ck_assert_int_eq(zt_inetaddr_read(&a, &b), ZT_ETRUNCATED);
}
END_TEST

START_TEST(text_forms)
{
	static const struct {
		const char *in, *out;
	} ok[] = {
		{ "198.18.0.1/9993", "198.18.0.1/9993" },
		{ "198.18.0.1:9993", "198.18.0.1/9993" },
		{ "10.0.0.1", "10.0.0.1/0" },
		{ "0.0.0.0/0", "0.0.0.0/0" },
		{ "255.255.255.255/65535", "255.255.255.255/65535" },
		{ "2a02:6ea0:d405::9993/9993", "2a02:6ea0:d405::9993/9993" },
		{ "[2a02:6ea0:d405::9993]:9993", "2a02:6ea0:d405::9993/9993" },
		{ "[2a02:6ea0:d405::9993]/9993", "2a02:6ea0:d405::9993/9993" },
		{ "[::1]", "::1/0" },
		{ "2001:db8::1:5", "2001:db8::1:5/0" }, /* a bare IPv6 literal, not ...::1 port 5 */
		{ "2001:49F0:D0DB:2::2/9993", "2001:49f0:d0db:2::2/9993" },
	};
	static const char *bad[] = {
		"", "nil", "1.2.3", "1.2.3.4/", "1.2.3.4:", "1.2.3.4/65536", "1.2.3.4/99999", "1.2.3.4/-1",
		"1.2.3.4/12a", "1.2.3.4/ 5", "1.2.3.4/000001", "[1.2.3.4]:5", "[::1", "[::1]5", "[::1]:",
		"[::1]:x", "::1/70000", "1.2.3.4:5:6", "hello/1", " 1.2.3.4/1", "1.2.3.4/1/2",
		"[2a02:6ea0:d405::9993:9993:1:2:3:4:5]:1",
	};
	char s[ZT_INETADDR_STRING_MAX];
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		struct zt_inetaddr a = parsed(ok[i].in);
		ck_assert_str_eq(zt_inetaddr_format(&a, s, sizeof s), ok[i].out);
		struct zt_inetaddr back = parsed(s);
		ck_assert(zt_inetaddr_equal(&a, &back));
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct zt_inetaddr a;
		ck_assert_msg(zt_inetaddr_parse(&a, bad[i]) == ZT_EMALFORMED, "accepted `%s'", bad[i]);
		ck_assert_int_eq(a.family, ZT_INETADDR_NIL);
	}
	/* The longest text form fits ZT_INETADDR_STRING_MAX; a short buffer truncates safely. */
	struct zt_inetaddr a = parsed("[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535");
	zt_inetaddr_format(&a, s, sizeof s);
	ck_assert_uint_lt(strlen(s), sizeof s);
	char tiny[4];
	ck_assert_str_eq(zt_inetaddr_format(&a, tiny, sizeof tiny), "fff");
	ck_assert_str_eq(zt_inetaddr_format_ip(&a, s, sizeof s), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
}
END_TEST

START_TEST(sockaddr_conversion)
{
	struct sockaddr_storage ss;
	struct zt_inetaddr a = parsed("198.18.0.2/9994"), b;
	socklen_t len = zt_inetaddr_to_sockaddr(&a, &ss);
	ck_assert_uint_eq(len, sizeof(struct sockaddr_in));
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&ss;
	ck_assert_int_eq(sin->sin_family, AF_INET);
	ck_assert_uint_eq(ntohs(sin->sin_port), 9994);
	ck_assert_uint_eq(ntohl(sin->sin_addr.s_addr), 0xc6120002);
	ck_assert_int_eq(zt_inetaddr_from_sockaddr(&b, (struct sockaddr *)&ss, len), ZT_OK);
	ck_assert(zt_inetaddr_equal(&a, &b));

	a = parsed("[2605:9880:400:c3:254:f2bc:a1f7:19]:9993");
	len = zt_inetaddr_to_sockaddr(&a, &ss);
	ck_assert_uint_eq(len, sizeof(struct sockaddr_in6));
	ck_assert_int_eq(((struct sockaddr_in6 *)&ss)->sin6_family, AF_INET6);
	ck_assert_int_eq(zt_inetaddr_from_sockaddr(&b, (struct sockaddr *)&ss, len), ZT_OK);
	ck_assert(zt_inetaddr_equal(&a, &b));

	/* A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d: they become plain IPv4. */
	struct sockaddr_in6 m;
	memset(&m, 0, sizeof m);
	m.sin6_family = AF_INET6;
	m.sin6_port = htons(9993);
	ck_assert_int_eq(inet_pton(AF_INET6, "::ffff:198.18.0.1", &m.sin6_addr), 1);
	ck_assert_int_eq(zt_inetaddr_from_sockaddr(&b, (struct sockaddr *)&m, sizeof m), ZT_OK);
	a = parsed("198.18.0.1/9993");
	ck_assert(zt_inetaddr_equal(&a, &b));

	/* Other families and short lengths are refused; nil has no sockaddr. */
	struct sockaddr_storage other;
	memset(&other, 0, sizeof other);
	other.ss_family = AF_UNIX;
	ck_assert_int_eq(zt_inetaddr_from_sockaddr(&b, (struct sockaddr *)&other, sizeof other), ZT_EUNSUPPORTED);
	ck_assert_int_eq(zt_inetaddr_from_sockaddr(&b, (struct sockaddr *)&m, 8), ZT_EUNSUPPORTED);
	memset(&a, 0, sizeof a);
	ck_assert_uint_eq(zt_inetaddr_to_sockaddr(&a, &ss), 0);
}
END_TEST

START_TEST(scopes_and_path_policy)
{
	static const struct {
		const char *ip;
		enum zt_ip_scope scope;
		bool usable;
	} cases[] = {
		{ "0.0.0.0", ZT_IP_SCOPE_NONE, false },
		{ "0.1.2.3", ZT_IP_SCOPE_NONE, false },
		{ "127.0.0.1", ZT_IP_SCOPE_LOOPBACK, false },
		{ "127.255.0.9", ZT_IP_SCOPE_LOOPBACK, false },
		{ "169.254.1.1", ZT_IP_SCOPE_LINK_LOCAL, false },
		{ "224.0.0.1", ZT_IP_SCOPE_MULTICAST, false },
		{ "239.255.255.250", ZT_IP_SCOPE_MULTICAST, false },
		{ "255.255.255.255", ZT_IP_SCOPE_NONE, false },
		{ "240.0.0.1", ZT_IP_SCOPE_PSEUDOPRIVATE, true },
		{ "6.1.2.3", ZT_IP_SCOPE_PSEUDOPRIVATE, true },
		{ "215.1.2.3", ZT_IP_SCOPE_PSEUDOPRIVATE, true },
		{ "10.1.2.3", ZT_IP_SCOPE_PRIVATE, true },
		{ "172.16.0.1", ZT_IP_SCOPE_PRIVATE, true },
		{ "172.31.255.255", ZT_IP_SCOPE_PRIVATE, true },
		{ "172.32.0.1", ZT_IP_SCOPE_GLOBAL, true },
		{ "192.168.1.1", ZT_IP_SCOPE_PRIVATE, true },
		{ "100.64.0.1", ZT_IP_SCOPE_PRIVATE, true },
		{ "100.127.255.255", ZT_IP_SCOPE_PRIVATE, true },
		{ "100.128.0.1", ZT_IP_SCOPE_GLOBAL, true },
		{ "192.0.2.7", ZT_IP_SCOPE_PRIVATE, true },
		{ "198.18.0.1", ZT_IP_SCOPE_PRIVATE, true },
		{ "198.19.255.254", ZT_IP_SCOPE_PRIVATE, true },
		{ "198.20.0.1", ZT_IP_SCOPE_GLOBAL, true },
		{ "198.51.100.1", ZT_IP_SCOPE_PRIVATE, true },
		{ "203.0.113.1", ZT_IP_SCOPE_PRIVATE, true },
		{ "104.194.8.134", ZT_IP_SCOPE_GLOBAL, true },
		{ "::", ZT_IP_SCOPE_NONE, false },
		{ "::1", ZT_IP_SCOPE_LOOPBACK, false },
		{ "fe80::1", ZT_IP_SCOPE_LOOPBACK, false },
		{ "fe80::2", ZT_IP_SCOPE_LINK_LOCAL, false },
		{ "febf::1", ZT_IP_SCOPE_LINK_LOCAL, false },
		{ "ff02::1", ZT_IP_SCOPE_MULTICAST, false },
		{ "fc00::1", ZT_IP_SCOPE_PRIVATE, true },
		{ "fd12:3456::1", ZT_IP_SCOPE_PRIVATE, true },
		{ "::ffff:127.0.0.1", ZT_IP_SCOPE_LOOPBACK, false },
		{ "::ffff:10.0.0.1", ZT_IP_SCOPE_PRIVATE, true },
		{ "2605:9880:200:1200:30:571:e34:51", ZT_IP_SCOPE_GLOBAL, true },
		{ "2001:470::1", ZT_IP_SCOPE_GLOBAL, false },
		{ "2001:470:ffff::1", ZT_IP_SCOPE_GLOBAL, false },
		{ "2001:471::1", ZT_IP_SCOPE_GLOBAL, true },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct zt_inetaddr a = parsed(cases[i].ip);
		ck_assert_msg(zt_inetaddr_scope(&a) == cases[i].scope, "%s: scope %s", cases[i].ip,
			      zt_ip_scope_name(zt_inetaddr_scope(&a)));
		ck_assert_msg(zt_inetaddr_usable_as_path(&a) == cases[i].usable, "%s: usable", cases[i].ip);
	}
	struct zt_inetaddr nil;
	memset(&nil, 0, sizeof nil);
	ck_assert_int_eq(zt_inetaddr_scope(&nil), ZT_IP_SCOPE_NONE);
	ck_assert(!zt_inetaddr_usable_as_path(&nil));
	ck_assert_str_eq(zt_ip_scope_name(ZT_IP_SCOPE_GLOBAL), "global");
	ck_assert_str_eq(zt_ip_scope_name((enum zt_ip_scope)99), "unknown");
}
END_TEST

START_TEST(equality)
{
	struct zt_inetaddr a = parsed("198.18.0.1/9993"), b = parsed("198.18.0.1/9994"),
			   c = parsed("198.18.0.2/9993"), d = parsed("::ffff:198.18.0.1"), nil1, nil2;
	ck_assert(zt_inetaddr_equal(&a, &a));
	ck_assert(!zt_inetaddr_equal(&a, &b));
	ck_assert(zt_inetaddr_ip_equal(&a, &b));
	ck_assert(!zt_inetaddr_ip_equal(&a, &c));
	ck_assert(!zt_inetaddr_ip_equal(&a, &d)); /* different families */
	memset(&nil1, 0, sizeof nil1);
	memset(&nil2, 0, sizeof nil2);
	nil2.port = 5;
	ck_assert(zt_inetaddr_equal(&nil1, &nil2));
	ck_assert(!zt_inetaddr_equal(&nil1, &a));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("inetaddr");
	TCase *tc = tcase_create("inetaddr");
	tcase_add_test(tc, wire_examples);
	tcase_add_test(tc, wire_reserved_types_are_skipped);
	tcase_add_test(tc, text_forms);
	tcase_add_test(tc, sockaddr_conversion);
	tcase_add_test(tc, scopes_and_path_policy);
	tcase_add_test(tc, equality);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
