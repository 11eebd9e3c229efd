/* SPDX-License-Identifier: Apache-2.0 */
#include <check.h>
#include <stdbool.h>

#include "lab.h"

const char *const lab_captures[] = {
	"lab/01-hello-a-to-root.txt",
	"lab/02-ok-hello-root-to-a.txt",
	"lab/03-hello-root-to-a-and-ok-a.txt",
	"lab/04-hello-handshake-b-root-ratelimited-first-hello.txt",
	"lab/05-whois-a-to-root-and-ok.txt",
	"lab/06-relayed-netconf-request-a-root-b.txt",
	"lab/07-rendezvous-root-to-b-and-a.txt",
	"lab/08-direct-a-b-junk-hello-ok.txt",
	"lab/09-error-netconf-notfound-relayed.txt",
};
const size_t lab_ncaptures = sizeof lab_captures / sizeof lab_captures[0];

const uint8_t *lab_pair_key(const char *pair, uint8_t key[48])
{
	/* Loaded once and kept: every test of a process uses the same three keys. */
	static struct vec_file keys;
	static bool loaded;
	if (!loaded) {
		vec_load(&keys, "lab/keys.txt");
		loaded = true;
	}
	const char *s = vec_getf(&keys, "%s.key", pair);
	ck_assert_msg(s != NULL, "no key for lab pair %s", pair);
	ck_assert_uint_eq(vec_hex(s, key, 48), 48);
	return key;
}
