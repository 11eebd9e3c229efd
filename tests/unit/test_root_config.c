/* SPDX-License-Identifier: Apache-2.0 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "root/conf.h"

START_TEST(defaults)
{
	struct root_config c;
	root_config_defaults(&c);
	ck_assert_int_eq(c.nports, 1);
	ck_assert_uint_eq(c.ports[0], 9993);
	ck_assert_int_eq(c.relay_max_hops, 3);
	ck_assert_int_eq(c.flush_interval_ms, 1000);
	ck_assert_str_eq(c.http, "127.0.0.1:9993");
}
END_TEST

START_TEST(full_config)
{
	struct root_config c;
	char err[256] = "";
	root_config_defaults(&c);
	const char *json = "{\"name\":\"r1\",\"port\":[9993,443],\"bind\":[\"198.18.0.1\",\"fd00::1\"],"
			   "\"threads\":2,\"relayMaxHops\":4,\"planetFile\":\"planet\",\"flushIntervalMs\":250,"
			   "\"http\":\"[::1]:8080\",\"rateLimits\":{\"repliesPerPeer\":5},\"logLevel\":\"debug\"}";
	ck_assert_int_eq(root_config_parse(&c, json, "root.json", err, sizeof err), ZT_OK);
	ck_assert_int_eq(c.nports, 2);
	ck_assert_uint_eq(c.ports[1], 443);
	ck_assert_int_eq(c.nbinds, 2);
	ck_assert_uint_eq(c.binds[1].family, 6);
	ck_assert_int_eq(c.threads, 2);
	ck_assert_int_eq(c.relay_max_hops, 4);
	ck_assert_str_eq(c.planet_file, "planet");
	ck_assert_int_eq(c.flush_interval_ms, 250);
	ck_assert_str_eq(c.http, "[::1]:8080");
	ck_assert_int_eq(c.replies_per_peer, 5);
	ck_assert_int_eq(c.log_level, 3);
}
END_TEST

/* Each bad config must fail with a message naming the key. */
static const struct {
	const char *json;
	const char *must_contain;
} bad[] = {
	{ "{\"port\":70000}", "\"port\": 70000 is not a UDP port" },
	{ "{\"port\":\"x\"}", "\"port\"" },
	{ "{\"port\":[]}", "\"port\"" },
	{ "{\"relayMaxHops\":9}", "\"relayMaxHops\": 9 is out of range (0..7)" },
	{ "{\"threads\":-1}", "\"threads\"" },
	{ "{\"bind\":[\"1.2.3.4:99\"]}", "\"bind\": entry 0" },
	{ "{\"http\":\"localhost\"}", "\"http\": \"localhost\" is not IP:port" },
	{ "{\"flushIntervalMs\":1.5}", "\"flushIntervalMs\": must be an integer" },
	{ "{\"rateLimits\":{\"foo\":1}}", "\"foo\": unknown key in \"rateLimits\"" },
	{ "{\"logLevel\":\"loud\"}", "\"logLevel\"" },
	{ "{\"prot\":9993}", "\"prot\": unknown key" },
	{ "[1,2]", "top level must be a JSON object" },
	{ "{\"port\":9993,}", "line 1" },
	{ "{\"port\":9993,\"port\":9994}", "root.json" },
	{ "{\"port\":[1,2,3,4,5,6,7,8],\"bind\":[\"10.0.0.1\",\"10.0.0.2\",\"10.0.0.3\",\"10.0.0.4\",\"10.0.0.5\"]}",
	  "\"port\" x \"bind\": 8 ports on 5 addresses make 40 sockets, more than 32" },
};

START_TEST(bad_configs_name_the_key)
{
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct root_config c;
		char err[256] = "";
		root_config_defaults(&c);
		ck_assert_int_eq(root_config_parse(&c, bad[i].json, "root.json", err, sizeof err), ZT_ECONFIG);
		ck_assert_msg(strstr(err, bad[i].must_contain) != NULL, "config %s: message '%s' lacks '%s'",
			      bad[i].json, err, bad[i].must_contain);
		ck_assert_msg(!strncmp(err, "root.json: ", 11), "message '%s' does not name the file", err);
	}
}
END_TEST

START_TEST(load_file)
{
	char path[] = "/tmp/zt-root-config-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "{\"port\": 9994}\n", 15), 15);
	close(fd);
	struct root_config c;
	char err[256] = "";
	root_config_defaults(&c);
	ck_assert_int_eq(root_config_load(&c, path, false, err, sizeof err), ZT_OK);
	ck_assert_uint_eq(c.ports[0], 9994);
	unlink(path);
	ck_assert_int_eq(root_config_load(&c, path, true, err, sizeof err), ZT_ENOTFOUND);
	ck_assert_int_eq(root_config_load(&c, path, false, err, sizeof err), ZT_ECONFIG);
	ck_assert(strstr(err, "cannot open") != NULL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("root_config");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, full_config);
	tcase_add_test(tc, bad_configs_name_the_key);
	tcase_add_test(tc, load_file);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
