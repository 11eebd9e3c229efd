/* SPDX-License-Identifier: Apache-2.0 */
/* local.conf of the edge node (src/node/service/conf.c): validation messages, patches, "virtual". */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "node/service/conf.h"

static json_t *parse(const char *text)
{
	json_error_t je;
	json_t *doc = json_loads(text, 0, &je);

	ck_assert_msg(doc != NULL, "test JSON does not parse: %s", je.text);
	return doc;
}

START_TEST(defaults)
{
	struct svc_settings s;
	char err[256] = "";
	json_t *doc = parse("{}");

	ck_assert_int_eq(svc_conf_check(doc, "local.conf", &s, err, sizeof err), ZT_OK);
	ck_assert_uint_eq(s.primary_port, 9993);
	ck_assert_int_eq(s.secondary_port, SVC_PORT_AUTO);
	ck_assert_uint_eq(s.tertiary_port, 0);
	ck_assert(s.allow_secondary_port && s.port_mapping && s.port_search && !s.allow_loopback_paths);
	ck_assert_int_eq(s.nbinds, 0);
	ck_assert_int_eq(s.nexplicit, 0);
	ck_assert_int_eq(s.ndns, 0);
	ck_assert_int_eq(s.dns_refresh_min_ms, 0);
	json_decref(doc);
}
END_TEST

START_TEST(full)
{
	struct svc_settings s;
	char err[256] = "";
	json_t *doc = parse("{\"settings\":{\"primaryPort\":19993,\"secondaryPort\":0,\"tertiaryPort\":29993,"
			    "\"allowSecondaryPort\":false,\"portMappingEnabled\":false,\"portSearch\":false,"
			    "\"allowLoopbackPaths\":true,\"bind\":[\"127.0.0.1\",\"::1\"],"
			    "\"explicitAddresses\":[\"198.51.100.7/9993\",\"[2001:db8::7]:9993\"],"
			    "\"dnsServers\":[\"127.0.0.1/5353\",\"[::1]/53\"],\"dnsRefreshMinimumMs\":1000,"
			    "\"allowTcpFallbackRelay\":true},"
			    "\"virtual\":{\"89e92ceee5\":{\"try\":[\"198.51.100.9/9993\"]}}}");

	ck_assert_int_eq(svc_conf_check(doc, "local.conf", &s, err, sizeof err), ZT_OK);
	ck_assert_uint_eq(s.primary_port, 19993);
	ck_assert_int_eq(s.secondary_port, 0);
	ck_assert_uint_eq(s.tertiary_port, 29993);
	ck_assert(!s.allow_secondary_port && !s.port_mapping && !s.port_search && s.allow_loopback_paths);
	ck_assert_int_eq(s.nbinds, 2);
	ck_assert_uint_eq(s.binds[1].family, ZT_INETADDR_V6);
	ck_assert_int_eq(s.nexplicit, 2);
	ck_assert_uint_eq(s.explicit_addrs[1].port, 9993);
	ck_assert_int_eq(s.ndns, 2);
	ck_assert_uint_eq(s.dns_servers[0].port, 5353);
	ck_assert_uint_eq(s.dns_servers[1].family, ZT_INETADDR_V6);
	ck_assert_int_eq(s.dns_refresh_min_ms, 1000);
	json_decref(doc);
}
END_TEST

/* Each bad document must fail with a message naming the key. */
static const struct {
	const char *json;
	const char *must_contain;
} bad[] = {
	{ "[]", "top level must be a JSON object" },
	{ "{\"settings\":[]}", "\"settings\": must be an object" },
	{ "{\"settings\":{\"primaryPort\":70000}}", "\"primaryPort\": 70000 is not a UDP port" },
	{ "{\"settings\":{\"secondaryPort\":\"x\"}}", "\"secondaryPort\"" },
	{ "{\"settings\":{\"portSearch\":1}}", "\"portSearch\": must be true or false" },
	{ "{\"settings\":{\"bind\":[\"1.2.3.4/99\"]}}", "\"bind\": entry 0" },
	{ "{\"settings\":{\"explicitAddresses\":[\"1.2.3.4\"]}}", "\"explicitAddresses\": entry 0 (\"1.2.3.4\")" },
	{ "{\"settings\":{\"primaryPrt\":1}}", "\"primaryPrt\": unknown setting" },
	{ "{\"settings\":{\"dnsServers\":[\"127.0.0.1\"]}}", "\"dnsServers\": entry 0 (\"127.0.0.1\")" },
	{ "{\"settings\":{\"dnsServers\":\"127.0.0.1/53\"}}", "\"dnsServers\": must be an array" },
	{ "{\"settings\":{\"dnsRefreshMinimumMs\":10}}", "\"dnsRefreshMinimumMs\": 10 is out of range" },
	{ "{\"virtual\":{\"xyz\":{}}}", "\"virtual.xyz\": the key must be a 10-digit hex node address" },
	{ "{\"virtual\":{\"89e92ceee5\":{\"try\":[\"nope\"]}}}", "\"virtual.89e92ceee5.try\": entry 0" },
	{ "{\"virtual\":{\"89e92ceee5\":{\"tri\":[]}}}", "\"virtual.89e92ceee5.tri\": unknown key" },
	{ "{\"setings\":{}}", "\"setings\": unknown key" },
};

START_TEST(bad_documents_name_the_key)
{
	struct svc_settings s;
	char err[256] = "";
	json_t *doc = parse(bad[_i].json);

	ck_assert_int_eq(svc_conf_check(doc, "local.conf", &s, err, sizeof err), ZT_ECONFIG);
	ck_assert_msg(strstr(err, bad[_i].must_contain) != NULL, "%s: message '%s' lacks '%s'", bad[_i].json, err,
		      bad[_i].must_contain);
	ck_assert_msg(!strncmp(err, "local.conf: ", 12), "message '%s' does not name the file", err);
	json_decref(doc);
}
END_TEST

START_TEST(patch_keeps_other_keys)
{
	struct svc_settings s;
	char err[256] = "";
	json_t *doc = parse("{\"settings\":{\"primaryPort\":19993,\"allowTcpFallbackRelay\":false},\"physical\":{}}");
	json_t *patch = parse("{\"primaryPort\":19994,\"portSearch\":false}");
	json_t *next = svc_conf_patch(doc, patch, &s, err, sizeof err);

	ck_assert_msg(next != NULL, "%s", err);
	ck_assert_uint_eq(s.primary_port, 19994);
	ck_assert(!s.port_search);
	ck_assert(json_is_false(json_object_get(json_object_get(next, "settings"), "allowTcpFallbackRelay")));
	ck_assert(json_object_get(next, "physical") != NULL);
	/* The original is untouched. */
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(doc, "settings"), "primaryPort")), 19993);
	json_decref(patch);

	/* null removes a key: back to the default. */
	patch = parse("{\"primaryPort\":null}");
	json_decref(doc);
	doc = next;
	next = svc_conf_patch(doc, patch, &s, err, sizeof err);
	ck_assert(next != NULL);
	ck_assert_uint_eq(s.primary_port, 9993);
	json_decref(patch);
	json_decref(next);

	/* An invalid result is refused with the key named. */
	patch = parse("{\"tertiaryPort\":-1}");
	ck_assert(svc_conf_patch(doc, patch, &s, err, sizeof err) == NULL);
	ck_assert(strstr(err, "\"tertiaryPort\"") != NULL);
	json_decref(patch);
	json_decref(doc);
}
END_TEST

START_TEST(try_lists)
{
	struct zt_inetaddr a[2];
	json_t *doc = parse("{}"), *next, *cleared;
	char *text;

	ck_assert_int_eq(zt_inetaddr_parse(&a[0], "198.51.100.9/9993"), ZT_OK);
	ck_assert_int_eq(zt_inetaddr_parse(&a[1], "[2001:db8::9]/9993"), ZT_OK);
	next = svc_conf_set_try(doc, 0x89e92ceee5ULL, a, 2);
	ck_assert(next != NULL);
	text = json_dumps(next, JSON_COMPACT | JSON_SORT_KEYS);
	ck_assert_str_eq(text, "{\"virtual\":{\"89e92ceee5\":{\"try\":[\"198.51.100.9/9993\",\"2001:db8::9/9993\"]}}}");
	free(text);
	cleared = svc_conf_set_try(next, 0x89e92ceee5ULL, NULL, 0);
	ck_assert(cleared != NULL);
	ck_assert_int_eq(json_object_size(cleared), 0);
	json_decref(cleared);
	json_decref(next);
	json_decref(doc);
}
END_TEST

START_TEST(load_and_save)
{
	char dir[] = "/tmp/test_service_conf.XXXXXX", path[64], err[256] = "";
	struct svc_settings s;
	json_t *doc = NULL, *again = NULL;

	ck_assert(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/local.conf", dir);
	/* Missing: the defaults, an empty document. */
	ck_assert_int_eq(svc_conf_load(path, &doc, &s, err, sizeof err), ZT_OK);
	ck_assert_int_eq(json_object_size(doc), 0);
	json_decref(doc);
	doc = parse("{\"settings\":{\"primaryPort\":19995}}");
	ck_assert_int_eq(svc_conf_save(path, doc), ZT_OK);
	ck_assert_int_eq(svc_conf_load(path, &again, &s, err, sizeof err), ZT_OK);
	ck_assert_uint_eq(s.primary_port, 19995);
	json_decref(again);
	json_decref(doc);
	/* Broken JSON: the line is named. */
	FILE *f = fopen(path, "w");
	ck_assert(f != NULL);
	fputs("{\"settings\": {\n  \"primaryPort\": ,\n}}\n", f);
	fclose(f);
	ck_assert_int_eq(svc_conf_load(path, &again, &s, err, sizeof err), ZT_ECONFIG);
	ck_assert_msg(strstr(err, "local.conf: line 2") != NULL, "%s", err);
	unlink(path);
	rmdir(dir);
}
END_TEST

int main(void)
{
	zt_log_init("test_service_conf", ZT_LOG_ERROR); /* the tolerated 1.x keys log warnings */
	Suite *s = suite_create("service_conf");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, full);
	tcase_add_loop_test(tc, bad_documents_name_the_key, 0, (int)(sizeof bad / sizeof bad[0]));
	tcase_add_test(tc, patch_keeps_other_keys);
	tcase_add_test(tc, try_lists);
	tcase_add_test(tc, load_and_save);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
