/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The edge node's state files (src/node/service/state.c) in a temporary home directory: peers.d/
 * entries and the planet file written and read back through the engine's callbacks (a planet
 * bigger than a peer entry included), and the newest peers.d/ entries preloaded into a real engine
 * at start.
 */
#include <check.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/file.h"
#include "common/home.h"
#include "node/crypto.h"
#include "node/hex.h"
#include "node/peer.h"
#include "node/service/service.h"
#include "node/world.h"
#include "vec.h"

/* state.c's only link to the rest of the daemon. */
int64_t svc_now(const struct svc *s)
{
	(void)s;
	return 1795603888354LL;
}

static struct svc S;
static struct vec_file ids, lab;
static char rm_cmd[PATH_MAX + 16];

static void setup(void)
{
	ck_assert_int_eq(zt_crypto_init(), ZT_OK);
	memset(&S, 0, sizeof S);
	snprintf(S.home, sizeof S.home, "/tmp/zt-svcstate-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(S.home));
	snprintf(rm_cmd, sizeof rm_cmd, "rm -rf %s", S.home);
	vec_load(&ids, "identities.txt");
	vec_load(&lab, "lab/identities.txt");
}

static void teardown(void)
{
	zt_node_free(S.node);
	S.node = NULL;
	ck_assert_int_eq(system(rm_cmd), 0);
	vec_free(&ids);
	vec_free(&lab);
}

static struct zt_identity identity(struct vec_file *f, const char *name)
{
	struct zt_identity id;
	const char *s = vec_get(f, name);

	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(zt_identity_from_string(&id, s), ZT_OK);
	return id;
}

/* <home>/<rel> into out (PATH_MAX). */
static const char *home_path(char *out, const char *rel)
{
	ck_assert_int_eq(zt_path_join(out, PATH_MAX, S.home, rel), 0);
	return out;
}

static struct zt_inetaddr addr(const char *s)
{
	struct zt_inetaddr a;

	ck_assert_int_eq(zt_inetaddr_parse(&a, s), ZT_OK);
	return a;
}

START_TEST(planet_bigger_than_a_peer_entry)
{
	struct zt_world *w = calloc(1, sizeof *w), *back = calloc(1, sizeof *back);
	struct zt_identity roots[ZT_WORLD_MAX_ROOTS] = { identity(&ids, "id1.public.str"),
							 identity(&ids, "id2.public.str"),
							 identity(&ids, "id3.public.str"),
							 identity(&lab, "b.public.str") };
	uint8_t *buf = malloc(ZT_NODE_STATE_PLANET_MAX);
	char path[PATH_MAX];
	struct stat st;

	ck_assert(w && back && buf);
	w->type = ZT_WORLD_TYPE_PLANET;
	w->id = 0x7a7a7a7a;
	w->timestamp = 1700000000000ULL;
	w->root_count = ZT_WORLD_MAX_ROOTS;
	for (unsigned r = 0; r < ZT_WORLD_MAX_ROOTS; r++) {
		w->roots[r].identity = roots[r];
		for (unsigned k = 0; k < ZT_WORLD_MAX_STABLE_ENDPOINTS_PER_ROOT; k++) {
			char ep[64];

			snprintf(ep, sizeof ep, "[2001:db8::%u:%u]/9993", r, k);
			w->roots[r].endpoints[w->roots[r].endpoint_count++] = addr(ep);
		}
	}
	ck_assert_int_eq(zt_world_update_raw(w), ZT_OK);
	ck_assert_uint_gt(w->raw_len, ZT_NODE_STATE_MAX);
	ck_assert_uint_le(w->raw_len, ZT_NODE_STATE_PLANET_MAX);

	ck_assert_int_eq(svc_state_put(&S, ZT_NODE_STATE_PLANET, w->id, w->raw, w->raw_len), ZT_OK);
	ck_assert_int_eq(stat(home_path(path, SVC_PLANET_FILE), &st), 0);
	ck_assert_uint_eq((size_t)st.st_size, w->raw_len);
	/* Read back with the planet's size; a peer-sized buffer is refused, not cut. */
	ck_assert_int_eq(svc_state_get(&S, ZT_NODE_STATE_PLANET, w->id, buf, zt_node_state_max(ZT_NODE_STATE_PLANET)),
			 (long)w->raw_len);
	ck_assert_mem_eq(buf, w->raw, w->raw_len);
	ck_assert_int_eq(zt_world_parse(back, buf, w->raw_len, NULL), ZT_OK);
	ck_assert_uint_eq(back->root_count, ZT_WORLD_MAX_ROOTS);
	ck_assert_uint_eq(back->roots[3].endpoint_count, ZT_WORLD_MAX_STABLE_ENDPOINTS_PER_ROOT);
	ck_assert_int_eq(svc_state_get(&S, ZT_NODE_STATE_PLANET, w->id, buf, ZT_NODE_STATE_MAX), ZT_ETOOBIG);
	free(buf);
	free(back);
	free(w);
}
END_TEST

START_TEST(peer_entries)
{
	uint8_t data[] = { 1, 2, 3, 4 }, buf[ZT_NODE_STATE_MAX];
	char path[PATH_MAX];

	ck_assert_int_eq(svc_state_get(&S, ZT_NODE_STATE_PEER, 0x89e92ceee5ULL, buf, sizeof buf), ZT_ENOTFOUND);
	/* peers.d/ is created when missing. */
	ck_assert_int_eq(svc_state_put(&S, ZT_NODE_STATE_PEER, 0x89e92ceee5ULL, data, sizeof data), ZT_OK);
	ck_assert(zt_file_exists(home_path(path, SVC_PEERS_DIR "/89e92ceee5.peer")));
	ck_assert_int_eq(svc_state_get(&S, ZT_NODE_STATE_PEER, 0x89e92ceee5ULL, buf, sizeof buf), (long)sizeof data);
	ck_assert_mem_eq(buf, data, sizeof data);
	ck_assert_int_eq(svc_state_put(&S, ZT_NODE_STATE_PEER, 0x89e92ceee5ULL, NULL, 0), ZT_OK);
	ck_assert(!zt_file_exists(path));
}
END_TEST

/* ---------------------------------------------------------------- preloading */

static unsigned hellos;
static struct zt_inetaddr hello_to[16];

static int record_send(void *ctx, zt_node_socket sock, const struct zt_inetaddr *to, const void *data, size_t len,
		       unsigned ttl)
{
	(void)ctx;
	(void)sock;
	(void)data;
	(void)len;
	(void)ttl;
	if (hellos < 16)
		hello_to[hellos] = *to;
	hellos++;
	return 0;
}

static bool sent_to(const char *a)
{
	struct zt_inetaddr x = addr(a);

	for (unsigned i = 0; i < hellos && i < 16; i++)
		if (zt_inetaddr_equal(&hello_to[i], &x))
			return true;
	return false;
}

/* Writes peers.d/<address>.peer as the engine does, with one path, and sets its mtime. */
static void cache_entry(const struct zt_identity *id, const char *path_addr, time_t mtime)
{
	struct ztn_peer p;
	uint8_t out[ZT_NODE_STATE_MAX];
	char file[PATH_MAX], rel[32], a[11];
	struct timespec t[2] = { { .tv_sec = mtime }, { .tv_sec = mtime } };
	long len;

	memset(&p, 0, sizeof p);
	p.id = *id;
	p.proto = 12;
	p.major = 1;
	p.minor = 14;
	p.revision = 1;
	p.path_count = 1;
	p.paths[0].addr = addr(path_addr);
	len = ztn_peer_state_write(&p, out, sizeof out);
	ck_assert_int_gt(len, 0);
	ck_assert_int_eq(svc_state_put(&S, ZT_NODE_STATE_PEER, id->address, out, (size_t)len), ZT_OK);
	zt_address_format(a, id->address);
	snprintf(rel, sizeof rel, SVC_PEERS_DIR "/%s.peer", a);
	ck_assert_int_eq(utimensat(AT_FDCWD, home_path(file, rel), t, 0), 0);
}

static bool known(const struct zt_identity *id)
{
	struct zt_node_peer_info pi;

	return zt_node_peer(S.node, svc_now(&S), id->address, &pi) == ZT_OK;
}

START_TEST(preload_newest_first)
{
	struct zt_node_callbacks cb = { .send = record_send };
	struct zt_identity self = identity(&lab, "a.secret.str");
	struct zt_identity id1 = identity(&ids, "id1.public.str"), id2 = identity(&ids, "id2.public.str"),
			   id3 = identity(&ids, "id3.public.str"), b = identity(&lab, "b.public.str");
	uint8_t junk[] = { 0xff, 0x00, 0x01 };
	char path[PATH_MAX];
	struct timespec t[2] = { { .tv_sec = 1700000500 }, { .tv_sec = 1700000500 } };

	ck_assert_int_eq(zt_node_new(&S.node, &cb, &(struct zt_node_config){ .allow_loopback_paths = true }, &self,
				     svc_now(&S)),
			 ZT_OK);
	svc_peers_preload_start(&S, SVC_PEERS_PRELOAD_MAX);
	ck_assert_ptr_null(S.preload); /* no peers.d/ yet */
	cache_entry(&id1, "127.0.0.1/30001", 1700000100);
	cache_entry(&id2, "127.0.0.1/30002", 1700000200);
	cache_entry(&id3, "127.0.0.1/30003", 1700000300);
	cache_entry(&b, "127.0.0.1/30004", 1700000400);
	/* The newest entry is unusable, other names are ignored. */
	ck_assert_int_eq(svc_state_put(&S, ZT_NODE_STATE_PEER, 0x0123456789ULL, junk, sizeof junk), ZT_OK);
	ck_assert_int_eq(utimensat(AT_FDCWD, home_path(path, SVC_PEERS_DIR "/0123456789.peer"), t, 0), 0);
	ck_assert_int_eq(zt_file_write_atomic(home_path(path, SVC_PEERS_DIR "/notes.txt"), "x", 1, 0600), ZT_OK);

	/* The 3 newest: the junk entry (skipped), B, id3; one per step when the time is up. */
	hellos = 0;
	svc_peers_preload_start(&S, 3);
	ck_assert_ptr_nonnull(S.preload);
	ck_assert_uint_eq(svc_peers_preload_step(&S, 0), 0);
	ck_assert_uint_eq(svc_peers_preload_step(&S, 0), 1);
	ck_assert_ptr_nonnull(S.preload);
	ck_assert_uint_eq(svc_peers_preload_step(&S, 0), 1);
	ck_assert_ptr_null(S.preload);
	ck_assert_uint_eq(svc_peers_preload_step(&S, 0), 0);
	ck_assert(known(&b) && known(&id3));
	ck_assert(!known(&id2) && !known(&id1));
	ck_assert(sent_to("127.0.0.1/30004") && sent_to("127.0.0.1/30003"));
	ck_assert(!sent_to("127.0.0.1/30002"));
	/* Again with a larger bound, all in one step: those already known are not counted. */
	svc_peers_preload_start(&S, SVC_PEERS_PRELOAD_MAX + 100);
	ck_assert_uint_eq(svc_peers_preload_step(&S, INT64_MAX), 2);
	ck_assert_ptr_null(S.preload);
	ck_assert(known(&id2) && known(&id1));
	/* Stopped before the end (shutdown): nothing left behind. */
	svc_peers_preload_start(&S, 2);
	ck_assert_ptr_nonnull(S.preload);
	svc_peers_preload_stop(&S);
	ck_assert_ptr_null(S.preload);
}
END_TEST

static Suite *service_state_suite(void)
{
	Suite *s = suite_create("service_state");
	TCase *tc = tcase_create("files");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, planet_bigger_than_a_peer_entry);
	tcase_add_test(tc, peer_entries);
	tcase_add_test(tc, preload_newest_first);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(service_state_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
