/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VL1 engine (src/node/node.h) on an in-memory network (nodesim.h): roots and ONLINE, WHOIS,
 * ping (and its timeout), relaying, RENDEZVOUS, keepalive timing, expiry, PUSH_DIRECT_PATHS (with a
 * port-mapped address), the peer cache and the bounded peer table. Wire-level checks are in
 * test_node_wire.c; saving and preloading the peer cache in test_node_state.c.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/buf.h"
#include "node/crypto.h"
#include "node/fragment.h"
#include "node/packet.h"
#include "node/peer.h"
#include "node/verbs.h"
#include "nodetest.h"

START_TEST(hello_online)
{
	int r = sim_add(&S, sec_r, IP_R, NULL);
	int a = sim_add(&S, sec_a, IP_A, NULL);
	ck_assert_int_eq(zt_node_root_add_static(N(a), &S.nodes[r].id, &S.nodes[r].addr, 1, "myroot", S.now), ZT_OK);
	sim_kick(&S, a);
	sim_run(&S, 1000);
	ck_assert_uint_eq(sim_events(&S, a, ZT_NODE_EVENT_ONLINE, 0), 1);

	struct zt_node_status st;
	ck_assert_int_eq(zt_node_status(N(a), S.now, &st), ZT_OK);
	ck_assert(st.online);
	ck_assert_uint_eq(st.root_count, 1);
	ck_assert_uint_eq(st.roots_online, 1);
	ck_assert_uint_eq(st.peer_count, 1);
	ck_assert(zt_inetaddr_equal(&st.external, &S.nodes[a].addr));
	ck_assert_uint_eq(st.address, S.nodes[a].id.address);
	ck_assert_uint_eq(sim_events(&S, a, ZT_NODE_EVENT_EXTERNAL_ADDRESS, 0), 1);

	struct zt_node_root_info ri[2];
	size_t nr = 0;
	ck_assert_int_eq(zt_node_roots(N(a), S.now, ri, 2, &nr), ZT_OK);
	ck_assert_uint_eq(nr, 1);
	ck_assert_str_eq(ri[0].name, "myroot");
	ck_assert(ri[0].online && ri[0].preferred);
	ck_assert_int_eq(ri[0].latency_ms, 2 * S.latency);
	ck_assert_int_eq(ri[0].source, ZT_NODE_ROOT_STATIC);

	struct zt_node_peer_info pi = peer_info(a, r);
	ck_assert_int_eq(pi.role, ZT_NODE_PEER_ROOT);
	ck_assert_int_eq(pi.proto_version, 12);
	ck_assert_int_eq(pi.version_major, 1);
	ck_assert_int_eq(pi.version_minor, 14);
	ck_assert_int_eq(pi.version_revision, 1);
	ck_assert(pi.direct);
	ck_assert_uint_eq(pi.path_count, 1);
	ck_assert(zt_inetaddr_equal(&pi.paths[0].addr, &S.nodes[r].addr));
	ck_assert(pi.paths[0].active && pi.paths[0].preferred && !pi.paths[0].expired);

	/* R learned A from its HELLO, and a path from the OK(HELLO) to its confirming HELLO. */
	pi = peer_info(r, a);
	ck_assert_int_eq(pi.role, ZT_NODE_PEER_LEAF);
	ck_assert(pi.direct);

	/* Wire: R's first OK(HELLO) is cipher 1 (version recorded after armor); A's later replies cipher 3. */
	const struct sim_dgram *first_ok = NULL;
	unsigned a_cipher3 = 0;
	uint8_t buf[ZT_PROTO_MAX_PACKET_LENGTH];
	for (size_t i = 0; i < S.logn; i++) {
		size_t len;
		int in_re;
		int verb = sim_decode(&S, &S.log[i], buf, &len, &in_re);
		if (!first_ok && S.log[i].src == r && verb == ZT_VERB_OK && in_re == ZT_VERB_HELLO)
			first_ok = &S.log[i];
		if (S.log[i].src == a && verb == ZT_VERB_OK)
			a_cipher3 += zt_packet_cipher(S.log[i].data) == ZT_CIPHER_AES_GMAC_SIV;
	}
	ck_assert_ptr_nonnull(first_ok);
	ck_assert_uint_eq(zt_packet_cipher(first_ok->data), ZT_CIPHER_POLY1305_SALSA2012);
	ck_assert_uint_ge(a_cipher3, 1);
	/* Every HELLO is 137 bytes on IPv4 with no moons (verbs.md §3). */
	for (size_t i = 0; i < S.logn; i++)
		if (zt_packet_classify(S.log[i].data, S.log[i].len) == ZT_DATAGRAM_HEAD &&
		    zt_packet_cipher(S.log[i].data) == 0)
			ck_assert_uint_eq(S.log[i].len, 137);
}
END_TEST

START_TEST(root_api)
{
	int r = sim_add(&S, sec_r, IP_R, NULL);
	int a = sim_add(&S, sec_a, IP_A, NULL);
	int c = sim_add(&S, sec_c, IP_C, NULL);
	struct zt_identity bad = S.nodes[r].id;
	bad.pub[3] ^= 1;
	struct zt_inetaddr nil = { 0 };
	ck_assert_int_eq(zt_node_root_add_static(N(a), &bad, &S.nodes[r].addr, 1, NULL, S.now), ZT_EINVALID);
	ck_assert_int_eq(zt_node_root_add_static(N(a), &S.nodes[a].id, &S.nodes[r].addr, 1, NULL, S.now), ZT_EINVALID);
	ck_assert_int_eq(zt_node_root_add_static(N(a), &S.nodes[r].id, &nil, 1, NULL, S.now), ZT_EINVALID);
	ck_assert_int_eq(zt_node_root_add_static(N(a), &S.nodes[r].id, &S.nodes[r].addr, 1, "one", S.now), ZT_OK);
	ck_assert_int_eq(zt_node_root_add_static(N(a), &S.nodes[c].id, &S.nodes[c].addr, 1, "one", S.now), ZT_EEXIST);
	ck_assert_int_eq(zt_node_root_add_static(N(a), &S.nodes[c].id, &S.nodes[c].addr, 1, "two", S.now), ZT_OK);
	/* Re-adding replaces endpoints and name. */
	ck_assert_int_eq(zt_node_root_add_static(N(a), &S.nodes[c].id, &S.nodes[c].addr, 1, "three", S.now), ZT_OK);
	struct zt_node_root_info ri[4];
	size_t nr;
	ck_assert_int_eq(zt_node_roots(N(a), S.now, ri, 4, &nr), ZT_OK);
	ck_assert_uint_eq(nr, 2);
	ck_assert_str_eq(ri[1].name, "three");
	sim_kick(&S, a);
	sim_run(&S, 1000);
	ck_assert_int_eq(zt_node_roots(N(a), S.now, ri, 4, &nr), ZT_OK);
	ck_assert(ri[0].online && ri[1].online);
	ck_assert_int_eq(zt_node_root_remove(N(a), S.nodes[c].id.address), ZT_OK);
	ck_assert_int_eq(zt_node_root_remove(N(a), S.nodes[c].id.address), ZT_ENOTFOUND);
	ck_assert_int_eq(zt_node_roots(N(a), S.now, ri, 4, &nr), ZT_OK);
	ck_assert_uint_eq(nr, 1);
	/* The former root stays known as a leaf. */
	ck_assert_int_eq(peer_info(a, c).role, ZT_NODE_PEER_LEAF);
	/* No root left: offline at once. */
	ck_assert_int_eq(zt_node_root_remove(N(a), S.nodes[r].id.address), ZT_OK);
	ck_assert_uint_eq(sim_events(&S, a, ZT_NODE_EVENT_OFFLINE, 0), 1);
	ck_assert_int_eq(zt_node_ping(N(a), 0x1234567890ULL, 0, S.now, NULL), ZT_ENOTFOUND);
	ck_assert_int_eq(zt_node_ping(N(a), S.nodes[a].id.address, 0, S.now, NULL), ZT_EINVALID);
}
END_TEST

START_TEST(whois_ping_rendezvous)
{
	int r, a, b;
	direct_pair(&r, &a, &b);
	/* A looked B up through R, and B looked A up when A's relayed ECHO arrived. */
	ck_assert_uint_ge(sim_count(&S, 0, &S.nodes[a].addr, &S.nodes[r].addr, ZT_VERB_WHOIS, -1), 1);
	ck_assert_uint_ge(sim_count(&S, 0, &S.nodes[b].addr, &S.nodes[r].addr, ZT_VERB_WHOIS, -1), 1);
	ck_assert_uint_eq(sim_events(&S, a, ZT_NODE_EVENT_PEER_NEW, S.nodes[b].id.address), 1);
	/* Now a ping goes direct and reports where the answer came from. */
	uint64_t cookie;
	ck_assert_int_eq(zt_node_ping(N(a), S.nodes[b].id.address, 0, S.now, &cookie), ZT_OK);
	sim_run(&S, 100);
	const struct sim_event *e = sim_last_event(&S, a, ZT_NODE_EVENT_ECHO_REPLY);
	ck_assert_uint_eq(e->cookie, cookie);
	ck_assert_int_eq(e->rtt, 2 * S.latency);
	ck_assert(zt_inetaddr_equal(&e->addr, &S.nodes[b].addr));
	struct zt_node_peer_info pi = peer_info(a, b);
	ck_assert_int_eq(pi.latency_ms, 2 * S.latency);
	/* A ping nobody answers times out. */
	S.nodes[b].up = false;
	ck_assert_int_eq(zt_node_ping(N(a), S.nodes[b].id.address, 0, S.now, &cookie), ZT_OK);
	sim_run(&S, ZT_NODE_PING_TIMEOUT + 1000);
	e = sim_last_event(&S, a, ZT_NODE_EVENT_ECHO_TIMEOUT);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->cookie, cookie);
}
END_TEST

START_TEST(keepalive_timing)
{
	int r, a, b;
	direct_pair(&r, &a, &b);
	sim_run(&S, 5000);
	int64_t t0 = S.now;
	sim_run(&S, 300000);
	const struct zt_inetaddr *ra = &S.nodes[r].addr, *aa = &S.nodes[a].addr, *ba = &S.nodes[b].addr;
	/* A pinged B, so B is "active" for A: a full HELLO every 60 s, ECHO on the idle path in between. */
	unsigned hello = sim_count(&S, t0, aa, ba, ZT_VERB_HELLO, -1);
	unsigned echo = sim_count(&S, t0, aa, ba, ZT_VERB_ECHO, -1);
	ck_assert_uint_ge(hello, 4);
	ck_assert_uint_le(hello, 6);
	ck_assert_uint_ge(echo, 12);
	ck_assert_uint_le(echo, 22);
	/* A sent B nothing non-trivial, so B keeps no keepalive towards A (verbs.md §17). */
	ck_assert_uint_eq(sim_count(&S, t0, ba, aa, ZT_VERB_HELLO, -1), 0);
	ck_assert_uint_eq(sim_count(&S, t0, ba, aa, ZT_VERB_ECHO, -1), 0);
	/* Roots: a full HELLO only once the 224 s gate passes; ECHO keeps the path busy; no WHOIS(root). */
	ck_assert_uint_eq(sim_count(&S, t0, aa, ra, ZT_VERB_HELLO, -1), 1);
	ck_assert_uint_ge(sim_count(&S, t0, aa, ra, ZT_VERB_ECHO, -1), 15);
	ck_assert_uint_eq(sim_count(&S, t0, aa, ra, ZT_VERB_WHOIS, -1), 0);
	ck_assert_uint_eq(sim_events(&S, a, ZT_NODE_EVENT_PEER_RELAYED, 0), 0);
	ck_assert_uint_eq(sim_events(&S, a, ZT_NODE_EVENT_OFFLINE, 0), 0);
	/* A keeps pushing its addresses: every 120 s once direct (explicit addresses set here). */
	ck_assert_int_eq(zt_node_set_explicit_addresses(N(a), aa, 1), ZT_OK);
	int64_t t1 = S.now;
	sim_run(&S, 250000);
	unsigned pushes = sim_count(&S, t1, aa, ba, ZT_VERB_PUSH_DIRECT_PATHS, -1);
	ck_assert_uint_ge(pushes, 2);
	ck_assert_uint_le(pushes, 3);
}
END_TEST

START_TEST(expiry_offline)
{
	int r, a, b;
	direct_pair(&r, &a, &b);
	S.nodes[b].up = false;
	sim_run(&S, 30000);
	ck_assert_uint_eq(sim_events(&S, a, ZT_NODE_EVENT_PEER_RELAYED, S.nodes[b].id.address), 1);
	struct zt_node_peer_info pi = peer_info(a, b);
	ck_assert(!pi.direct);
	ck_assert_uint_eq(pi.path_count, 1);
	ck_assert(!pi.paths[0].active);
	sim_run(&S, ZT_PEER_PATH_EXPIRATION);
	ck_assert_uint_eq(peer_info(a, b).path_count, 0);

	S.nodes[r].up = false;
	int64_t t0 = S.now;
	sim_run(&S, 60000);
	/* A pathless root is contacted at its endpoint every 5 s. */
	unsigned h = sim_count(&S, t0 + 20000, &S.nodes[a].addr, &S.nodes[r].addr, ZT_VERB_HELLO, -1);
	ck_assert_uint_ge(h, 7);
	ck_assert_uint_le(h, 9);
	ck_assert_uint_eq(sim_events(&S, a, ZT_NODE_EVENT_OFFLINE, 0), 0);
	sim_run(&S, ZT_PEER_ACTIVITY_TIMEOUT);
	ck_assert_uint_eq(sim_events(&S, a, ZT_NODE_EVENT_OFFLINE, 0), 1);
	struct zt_node_status st;
	zt_node_status(N(a), S.now, &st);
	ck_assert(!st.online);
	/* The root comes back: ONLINE again within one contact period. */
	S.nodes[r].up = true;
	sim_kick(&S, r);
	sim_run(&S, 6000);
	ck_assert_uint_eq(sim_events(&S, a, ZT_NODE_EVENT_ONLINE, 0), 2);
}
END_TEST

START_TEST(state_roundtrip)
{
	int r, a, b;
	direct_pair(&r, &a, &b);
	sim_run(&S, 20000);
	/* The cache entry of B written by A parses back to B's identity and address. */
	bool found = false;
	for (unsigned i = 0; i < SIM_MAX_STATES; i++) {
		struct sim_state *st = &S.nodes[a].states[i];
		if (!st->used || st->type != ZT_NODE_STATE_PEER || st->id != S.nodes[b].id.address)
			continue;
		struct ztn_peer_state ps;
		ck_assert_int_eq(ztn_peer_state_read(&ps, st->data, st->len), ZT_OK);
		ck_assert(zt_identity_equal(&ps.id, &S.nodes[b].id));
		ck_assert_uint_ge(ps.addr_count, 1);
		ck_assert(zt_inetaddr_equal(&ps.addrs[0], &S.nodes[b].addr));
		ck_assert_int_eq(ps.proto, 12);
		found = true;
	}
	ck_assert(found);
	/* Restart A with no roots at all: B is reached from the cache alone, without WHOIS. */
	sim_restart(&S, a);
	int64_t t0 = S.now;
	uint64_t cookie;
	ck_assert_int_eq(zt_node_ping(N(a), S.nodes[b].id.address, 0, S.now, &cookie), ZT_OK);
	sim_kick(&S, a);
	sim_run(&S, 2000);
	const struct sim_event *e = sim_last_event(&S, a, ZT_NODE_EVENT_ECHO_REPLY);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->cookie, cookie);
	ck_assert(zt_inetaddr_equal(&e->addr, &S.nodes[b].addr));
	ck_assert_uint_eq(sim_count(&S, t0, &S.nodes[a].addr, NULL, ZT_VERB_WHOIS, -1), 0);
	ck_assert(peer_info(a, b).direct);
	/* A root's cached paths are contacted when the root is added again. */
	ck_assert_uint_ge(S.nodes[a].state_gets, 1);
}
END_TEST

START_TEST(push_direct_paths)
{
	int r, a, b;
	three_nodes(&r, &a, &b);
	ck_assert_int_eq(zt_node_set_explicit_addresses(N(a), &S.nodes[a].addr, 1), ZT_OK);
	uint64_t cookie;
	ck_assert_int_eq(zt_node_ping(N(a), S.nodes[b].id.address, 0, S.now, &cookie), ZT_OK);
	sim_kick(&S, a);
	sim_run(&S, 12000);
	/* No RENDEZVOUS here: A's PUSH_DIRECT_PATHS (relayed) makes B contact A directly. */
	ck_assert_uint_ge(sim_count(&S, 0, &S.nodes[a].addr, &S.nodes[r].addr, ZT_VERB_PUSH_DIRECT_PATHS, -1), 1);
	ck_assert(peer_info(a, b).direct);
	ck_assert(peer_info(b, a).direct);
}
END_TEST

START_TEST(try_addresses)
{
	int r, a, b;
	three_nodes(&r, &a, &b);
	int c = sim_add(&S, sec_c, IP_C, NULL);
	add_root(c, r);
	sim_run(&S, 3000);
	/* A does not know C: `try` looks C up through R, then says HELLO at the given address. */
	ck_assert_int_eq(zt_node_try(N(a), S.nodes[c].id.address, &S.nodes[c].addr, 1, S.now), ZT_OK);
	sim_kick(&S, a);
	sim_run(&S, 2000);
	ck_assert(peer_info(a, c).direct);
	ck_assert(peer_info(c, a).direct);
	struct zt_inetaddr nil = { 0 };
	ck_assert_int_eq(zt_node_try(N(a), S.nodes[c].id.address, &nil, 1, S.now), ZT_EINVALID);
	ck_assert_int_eq(zt_node_set_explicit_addresses(N(a), &nil, 1), ZT_EINVALID);
}
END_TEST

START_TEST(peer_table_listing)
{
	int r, a, b;
	direct_pair(&r, &a, &b);
	struct zt_node_peer_info pis[4];
	size_t n = 0;
	ck_assert_int_eq(zt_node_peers(N(a), S.now, pis, 4, &n), ZT_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_lt(pis[0].address, pis[1].address);
	ck_assert_int_eq(zt_node_peers(N(a), S.now, pis, 1, &n), ZT_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(zt_node_peer(N(a), S.now, 0x1122334455ULL, pis), ZT_ENOTFOUND);
	struct zt_node_status st;
	zt_node_status(N(a), S.now, &st);
	ck_assert_uint_eq(st.direct_peer_count, 2);
	ck_assert_uint_ge(st.whois_sent, 1);
	ck_assert_uint_ge(st.relayed_sent, 1);
	ck_assert_uint_gt(st.tx_datagrams, 0);
	ck_assert(strncmp(st.public_identity, sec_a, ZT_IDENTITY_PUBLIC_STRING_LEN) == 0);
	ck_assert_uint_eq(strlen(st.public_identity), ZT_IDENTITY_PUBLIC_STRING_LEN);
}
END_TEST

START_TEST(lru_eviction)
{
	struct zt_node_config cfg = { .max_peers = 2 };
	int r = sim_add(&S, sec_r, IP_R, NULL);
	int a = sim_add(&S, sec_a, IP_A, &cfg);
	add_root(a, r);
	sim_run(&S, 1000);
	struct zt_identity b = sim_identity(sec_b), c = sim_identity(sec_c);
	hello_from(a, &b, IP_B);
	S.now += 1000;
	hello_from(a, &c, IP_C);
	/* The table holds 2: the root stays, B (least recently used leaf) went, C is in. */
	struct zt_node_peer_info pi;
	size_t n;
	zt_node_peers(N(a), S.now, NULL, 0, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(zt_node_peer(N(a), S.now, b.address, &pi), ZT_ENOTFOUND);
	ck_assert_int_eq(zt_node_peer(N(a), S.now, c.address, &pi), ZT_OK);
	ck_assert_int_eq(zt_node_peer(N(a), S.now, S.nodes[r].id.address, &pi), ZT_OK);
	/* B was written to the cache on eviction: its next packet brings it back without WHOIS. */
	S.now += 1000;
	int64_t t0 = S.now;
	ck_assert_int_eq(inject_packet(a, &b, IP_B, ZT_VERB_ECHO, "x", 1, 0), ZT_OK);
	ck_assert_int_eq(zt_node_peer(N(a), S.now, b.address, &pi), ZT_OK);
	ck_assert_int_eq(pi.proto_version, 12);
	ck_assert_uint_eq(sim_count(&S, t0, &S.nodes[a].addr, NULL, ZT_VERB_WHOIS, -1), 0);
	zt_node_peers(N(a), S.now, NULL, 0, &n);
	ck_assert_uint_eq(n, 2);
	/* A second root always fits. */
	int c2 = sim_add(&S, sec_c, IP_C, NULL);
	add_root(a, c2);
	zt_node_peers(N(a), S.now, NULL, 0, &n);
	ck_assert_uint_eq(n, 3);
}
END_TEST

START_TEST(whois_retries)
{
	int r = sim_add(&S, sec_r, IP_R, NULL);
	int a = sim_add(&S, sec_a, IP_A, NULL);
	add_root(a, r);
	sim_run(&S, 1000);
	/* Nobody knows this address: WHOIS every 500 ms for 5 s, then the ping times out. */
	uint64_t cookie;
	int64_t t0 = S.now;
	ck_assert_int_eq(zt_node_ping(N(a), 0x0badc0ffeeULL, 0, S.now, &cookie), ZT_OK);
	sim_kick(&S, a);
	sim_run(&S, 15000);
	unsigned w = sim_count(&S, t0, &S.nodes[a].addr, &S.nodes[r].addr, ZT_VERB_WHOIS, -1);
	ck_assert_uint_ge(w, 9);
	ck_assert_uint_le(w, 11);
	const struct sim_event *e = sim_last_event(&S, a, ZT_NODE_EVENT_ECHO_TIMEOUT);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->cookie, cookie);
	ck_assert_int_ge(e->at - t0, ZT_NODE_PING_TIMEOUT);
	/* Too many pings in flight are refused. */
	for (int i = 0; i < 100; i++) {
		zt_err err = zt_node_ping(N(a), S.nodes[r].id.address, 0, S.now, NULL);
		if (err) {
			ck_assert_int_eq(err, ZT_ELIMIT);
			break;
		}
		ck_assert_int_lt(i, 64);
	}
}
END_TEST

/* True if node i sent a PUSH_DIRECT_PATHS since t0 that lists `want`. */
static bool pushed(int i, int64_t t0, const struct zt_inetaddr *want)
{
	static uint8_t out[ZT_PROTO_MAX_PACKET_LENGTH];
	struct zt_verb_push_direct_paths d;
	for (size_t k = 0; k < S.logn; k++) {
		const struct sim_dgram *dg = &S.log[k];
		size_t len;
		if (dg->at < t0 || dg->src != i || sim_decode(&S, dg, out, &len, NULL) != ZT_VERB_PUSH_DIRECT_PATHS)
			continue;
		ck_assert_int_eq(zt_verb_push_direct_paths_decode(&d, out + ZT_PACKET_IDX_PAYLOAD,
								  len - ZT_PACKET_IDX_PAYLOAD), ZT_OK);
		for (size_t j = 0; j < d.path_count; j++)
			if (zt_inetaddr_equal(&d.paths[j].addr, want))
				return true;
	}
	return false;
}

START_TEST(mapped_address_pushed)
{
	int r, a, b;
	three_nodes(&r, &a, &b);
	struct zt_inetaddr mapped = sim_addr("203.0.113.5/41000"), noport = mapped, nil = { 0 };
	noport.port = 0;
	ck_assert_int_eq(zt_node_set_mapped_address(N(a), &noport), ZT_EINVALID);
	ck_assert_int_eq(zt_node_set_mapped_address(N(a), &nil), ZT_OK);
	ck_assert_int_eq(zt_node_set_mapped_address(N(a), NULL), ZT_OK);
	ck_assert_int_eq(zt_node_set_mapped_address(N(a), &mapped), ZT_OK);
	/* A public address the local policy would also accept as a local one: pushed with what R sees. */
	int64_t t0 = S.now;
	uint64_t cookie;
	ck_assert_int_eq(zt_node_ping(N(a), S.nodes[b].id.address, 0, S.now, &cookie), ZT_OK);
	sim_kick(&S, a);
	sim_run(&S, 6000);
	ck_assert(pushed(a, t0, &mapped));
	ck_assert(pushed(a, t0, &S.nodes[a].addr));
	/* Cleared: no longer pushed. Explicit addresses replace everything else. */
	ck_assert_int_eq(zt_node_set_mapped_address(N(a), &nil), ZT_OK);
	struct zt_node_peer_info pi = peer_info(a, b);
	ck_assert(pi.direct); /* B answered A's push: later pushes come every 120 s */
	t0 = S.now;
	sim_run(&S, 125000);
	ck_assert(!pushed(a, t0, &mapped));
	ck_assert(pushed(a, t0, &S.nodes[a].addr));
	struct zt_inetaddr expl = sim_addr("198.51.100.7/9993");
	ck_assert_int_eq(zt_node_set_explicit_addresses(N(a), &expl, 1), ZT_OK);
	ck_assert_int_eq(zt_node_set_mapped_address(N(a), &mapped), ZT_OK);
	t0 = S.now;
	sim_run(&S, 125000);
	ck_assert(pushed(a, t0, &expl));
	ck_assert(!pushed(a, t0, &mapped));
}
END_TEST

START_TEST(ping_timeout_per_call)
{
	int r = sim_add(&S, sec_r, IP_R, NULL);
	int a = sim_add(&S, sec_a, IP_A, NULL);
	add_root(a, r);
	sim_run(&S, 1000);
	ck_assert_int_eq(zt_node_ping(N(a), 0x0badc0ffeeULL, -1, S.now, NULL), ZT_EINVALID);
	ck_assert_int_eq(zt_node_ping(N(a), 0x0badc0ffeeULL, ZT_NODE_PING_TIMEOUT_MAX + 1, S.now, NULL), ZT_EINVALID);
	/* Nobody has this address: a 1.5 s ping times out after 1.5 s, the default one after 10 s. */
	uint64_t quick, slow;
	int64_t t0 = S.now;
	ck_assert_int_eq(zt_node_ping(N(a), 0x0badc0ffeeULL, 1500, S.now, &quick), ZT_OK);
	ck_assert_int_eq(zt_node_ping(N(a), 0x0badc0ffeeULL, 0, S.now, &slow), ZT_OK);
	int64_t deadline = zt_node_next_deadline(N(a));
	ck_assert_int_le(deadline, t0 + 1500);
	sim_kick(&S, a);
	sim_run(&S, 12000);
	int64_t at_quick = -1, at_slow = -1;
	for (unsigned i = 0; i < S.nodes[a].nevents; i++) {
		const struct sim_event *e = &S.nodes[a].events[i];
		if (e->type != ZT_NODE_EVENT_ECHO_TIMEOUT)
			continue;
		if (e->cookie == quick)
			at_quick = e->at - t0;
		if (e->cookie == slow)
			at_slow = e->at - t0;
	}
	ck_assert_int_ge(at_quick, 1500);
	ck_assert_int_le(at_quick, 1600);
	ck_assert_int_ge(at_slow, ZT_NODE_PING_TIMEOUT);
	ck_assert_int_le(at_slow, ZT_NODE_PING_TIMEOUT + 100);
}
END_TEST

static Suite *node_suite(void)
{
	Suite *s = suite_create("node");
	TCase *tc = tcase_create("vl1");
	tcase_add_checked_fixture(tc, nt_setup, nt_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, hello_online);
	tcase_add_test(tc, root_api);
	tcase_add_test(tc, whois_ping_rendezvous);
	tcase_add_test(tc, keepalive_timing);
	tcase_add_test(tc, expiry_offline);
	tcase_add_test(tc, state_roundtrip);
	tcase_add_test(tc, push_direct_paths);
	tcase_add_test(tc, try_addresses);
	tcase_add_test(tc, peer_table_listing);
	tcase_add_test(tc, lru_eviction);
	tcase_add_test(tc, whois_retries);
	tcase_add_test(tc, mapped_address_pushed);
	tcase_add_test(tc, ping_timeout_per_call);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(node_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
