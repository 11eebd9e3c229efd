/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The engine's peer cache around a restart (src/node/node.h): zt_node_save_state writes what the
 * 10 s pace held back, zt_node_peer_preload brings cached peers back (direct again without a
 * WHOIS), and the state size limits.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/peer.h"
#include "node/verbs.h"
#include "nodetest.h"

/* Node i's stored cache entry for `address`, NULL if there is none. */
static const struct sim_state *stored_peer(int i, uint64_t address)
{
	for (unsigned k = 0; k < SIM_MAX_STATES; k++) {
		const struct sim_state *st = &S.nodes[i].states[k];
		if (st->used && st->type == ZT_NODE_STATE_PEER && st->id == address)
			return st;
	}
	return NULL;
}

/* True if node i's stored entry for node `of` lists `addr`. */
static bool stored_has_path(int i, int of, const struct zt_inetaddr *addr)
{
	const struct sim_state *st = stored_peer(i, S.nodes[of].id.address);
	struct ztn_peer_state ps;
	if (!st)
		return false;
	ck_assert_int_eq(ztn_peer_state_read(&ps, st->data, st->len), ZT_OK);
	for (unsigned k = 0; k < ps.addr_count; k++)
		if (zt_inetaddr_equal(&ps.addrs[k], addr))
			return true;
	return false;
}

/*
 * A and B direct (A's entry for B written with that path), then B moves to `to` (a NAT rebinding)
 * and pings A from there: A learns B's new path within 10 s of its last write, which the pace holds back.
 */
static void pair_then_roam(int *r, int *a, int *b, const char *to)
{
	direct_pair(r, a, b);
	ck_assert(stored_has_path(*a, *b, &S.nodes[*b].addr));
	S.nodes[*b].addr = sim_addr(to);
	ck_assert_int_eq(zt_node_ping(N(*b), S.nodes[*a].id.address, 0, S.now, NULL), ZT_OK);
	sim_kick(&S, *b);
	sim_run(&S, 1000);
	struct zt_node_peer_info pi = peer_info(*a, *b);
	bool learned = false;
	for (unsigned i = 0; i < pi.path_count; i++)
		learned |= zt_inetaddr_equal(&pi.paths[i].addr, &S.nodes[*b].addr) && pi.paths[i].active;
	ck_assert(learned);
	ck_assert(!stored_has_path(*a, *b, &S.nodes[*b].addr));
}

START_TEST(save_state_writes_changed_peers)
{
	int r, a, b;
	pair_then_roam(&r, &a, &b, "10.0.3.9/20000");
	unsigned puts = S.nodes[a].state_puts;
	ck_assert_int_eq(zt_node_save_state(N(a), S.now), ZT_OK);
	ck_assert(stored_has_path(a, b, &S.nodes[b].addr));
	ck_assert_uint_gt(S.nodes[a].state_puts, puts);
	/* Nothing changed since: nothing is written. */
	puts = S.nodes[a].state_puts;
	ck_assert_int_eq(zt_node_save_state(N(a), S.now), ZT_OK);
	ck_assert_uint_eq(S.nodes[a].state_puts, puts);
}
END_TEST

START_TEST(save_state_reports_failure)
{
	int r, a, b;
	pair_then_roam(&r, &a, &b, "10.0.3.9/20000");
	/* A full store: the error comes back and the entry stays out of date, written once there is room. */
	struct sim_state *old = (struct sim_state *)stored_peer(a, S.nodes[b].id.address);
	ck_assert_ptr_nonnull(old);
	old->used = false;
	for (unsigned k = 0; k < SIM_MAX_STATES; k++)
		if (!S.nodes[a].states[k].used) {
			S.nodes[a].states[k].used = true;
			S.nodes[a].states[k].type = 99;
		}
	ck_assert_int_eq(zt_node_save_state(N(a), S.now), ZT_ENOSPACE);
	for (unsigned k = 0; k < SIM_MAX_STATES; k++)
		if (S.nodes[a].states[k].type == 99)
			S.nodes[a].states[k].used = false;
	ck_assert_int_eq(zt_node_save_state(N(a), S.now), ZT_OK);
	ck_assert(stored_has_path(a, b, &S.nodes[b].addr));
}
END_TEST

START_TEST(preload_reconnects_without_whois)
{
	int r, a, b;
	direct_pair(&r, &a, &b);
	ck_assert_int_eq(zt_node_save_state(N(a), S.now), ZT_OK);
	const struct sim_state *st = stored_peer(a, S.nodes[b].id.address);
	ck_assert_ptr_nonnull(st);
	uint8_t blob[ZT_NODE_STATE_MAX];
	size_t len = st->len;
	memcpy(blob, st->data, len);

	/* A restarts with no root at all: the preloaded B answers the HELLO to its cached path. */
	sim_restart(&S, a);
	int64_t t0 = S.now;
	ck_assert_int_eq(zt_node_peer_preload(N(a), blob, len, S.now), ZT_OK);
	sim_kick(&S, a);
	sim_run(&S, 1000);
	ck_assert_uint_ge(sim_count(&S, t0, &S.nodes[a].addr, &S.nodes[b].addr, ZT_VERB_HELLO, -1), 1);
	ck_assert(peer_info(a, b).direct);
	ck_assert_int_eq(peer_info(a, b).role, ZT_NODE_PEER_LEAF);
	ck_assert_int_eq(peer_info(a, b).proto_version, 12);
	ck_assert_uint_eq(sim_events(&S, a, ZT_NODE_EVENT_PEER_DIRECT, S.nodes[b].id.address), 1);
	ck_assert_uint_eq(sim_count(&S, t0, &S.nodes[a].addr, NULL, ZT_VERB_WHOIS, -1), 0);
	/* A second time: known already. */
	ck_assert_int_eq(zt_node_peer_preload(N(a), blob, len, S.now), ZT_EEXIST);
}
END_TEST

START_TEST(preload_refuses_bad_objects)
{
	int r, a, b;
	direct_pair(&r, &a, &b);
	ck_assert_int_eq(zt_node_save_state(N(a), S.now), ZT_OK);
	const struct sim_state *sb = stored_peer(a, S.nodes[b].id.address);
	const struct sim_state *sr = stored_peer(a, S.nodes[r].id.address);
	ck_assert_ptr_nonnull(sb);
	ck_assert_ptr_nonnull(sr);
	uint8_t blob[ZT_NODE_STATE_MAX];
	memcpy(blob, sb->data, sb->len);

	int c = sim_add(&S, sec_c, IP_C, &(struct zt_node_config){ .max_peers = 1 });
	ck_assert_int_eq(zt_node_peer_preload(N(c), NULL, 0, S.now), ZT_EMALFORMED);
	ck_assert_int_eq(zt_node_peer_preload(N(c), blob, 10, S.now), ZT_ETRUNCATED);
	blob[0] ^= 0x40; /* another format version */
	ck_assert_int_eq(zt_node_peer_preload(N(c), blob, sb->len, S.now), ZT_EUNSUPPORTED);
	blob[0] ^= 0x40;
	blob[1 + 5 + 1 + 3] ^= 1; /* a public key bit: the address no longer derives from the key */
	ck_assert_int_eq(zt_node_peer_preload(N(c), blob, sb->len, S.now), ZT_EINVALID);
	blob[1 + 5 + 1 + 3] ^= 1;
	/* Our own entry (B's node reads what A wrote about B). */
	ck_assert_int_eq(zt_node_peer_preload(N(b), blob, sb->len, S.now), ZT_EINVALID);
	/* A full table never evicts for a preload. */
	ck_assert_int_eq(zt_node_peer_preload(N(c), blob, sb->len, S.now), ZT_OK);
	ck_assert_int_eq(zt_node_peer_preload(N(c), sr->data, sr->len, S.now), ZT_ELIMIT);
	size_t n;
	zt_node_peers(N(c), S.now, NULL, 0, &n);
	ck_assert_uint_eq(n, 1);
}
END_TEST

START_TEST(state_sizes)
{
	ck_assert_uint_eq(zt_node_state_max(ZT_NODE_STATE_PEER), ZT_NODE_STATE_MAX);
	ck_assert_uint_eq(zt_node_state_max(ZT_NODE_STATE_PLANET), ZT_NODE_STATE_PLANET_MAX);
	ck_assert_uint_ge(ZT_NODE_STATE_PLANET_MAX, ZT_WORLD_MAX_SERIALIZED_LENGTH);
	ck_assert_uint_eq(zt_node_state_max((enum zt_node_state_type)0), 0);
	/* A peer entry with every path of the widest family fits the peer maximum. */
	struct ztn_peer p;
	memset(&p, 0, sizeof p);
	p.id = sim_identity(sec_b);
	p.path_count = ZT_NODE_MAX_PATHS;
	for (unsigned i = 0; i < ZT_NODE_MAX_PATHS; i++)
		p.paths[i].addr = sim_addr("[2001:db8::1]/9993");
	uint8_t out[ZT_NODE_STATE_MAX];
	ck_assert_int_gt(ztn_peer_state_write(&p, out, sizeof out), 0);
}
END_TEST

static Suite *node_state_suite(void)
{
	Suite *s = suite_create("node_state");
	TCase *tc = tcase_create("cache");
	tcase_add_checked_fixture(tc, nt_setup, nt_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, save_state_writes_changed_peers);
	tcase_add_test(tc, save_state_reports_failure);
	tcase_add_test(tc, preload_reconnects_without_whois);
	tcase_add_test(tc, preload_refuses_bad_objects);
	tcase_add_test(tc, state_sizes);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(node_state_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
