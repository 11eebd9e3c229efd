/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VL1 engine against hand-made packets (the harness speaks for a peer): fragments and
 * compression, bad input, identity collisions, PUSH_DIRECT_PATHS gates, path confirmation and
 * learning, WHOIS answers.
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

/* Reassembles the fragments node A sent to `to` since t0 and opens them as B. */
static int collect_reply(int a, const struct zt_identity *b, const struct zt_inetaddr *to, int64_t t0, uint8_t *out,
			 size_t *len)
{
	struct zt_defrag *df = malloc(sizeof *df);
	ck_assert_ptr_nonnull(df);
	zt_defrag_init(df);
	uint8_t whole[ZT_PROTO_MAX_PACKET_LENGTH];
	size_t wl = 0;
	int verb = -1;
	for (size_t i = 0; i < S.logn && verb < 0; i++) {
		const struct sim_dgram *d = &S.log[i];
		if (d->at < t0 || d->src != a || !zt_inetaddr_equal(&d->to, to))
			continue;
		enum zt_datagram_kind k = zt_packet_classify(d->data, d->len);
		if (k == ZT_DATAGRAM_FRAGMENT || (k == ZT_DATAGRAM_HEAD && zt_packet_fragmented(d->data))) {
			ck_assert_uint_le(d->len, ZT_DEFAULT_PHYSMTU);
			if (zt_defrag_add(df, d->data, d->len, S.now, whole, sizeof whole, &wl) == ZT_OK)
				verb = sim_open(whole, wl, b, &S.nodes[a].id, out, len);
		}
	}
	free(df);
	return verb;
}

START_TEST(fragmented_echo)
{
	int a = sim_add(&S, sec_a, IP_A, NULL);
	struct zt_identity b = sim_identity(sec_b);
	sim_extra(&S, &b);
	hello_from(a, &b, IP_B);
	struct zt_inetaddr from = sim_addr(IP_B);

	for (int round = 0; round < 2; round++) {
		/* Round 0: 3000 random bytes (3 fragments); round 1: 6000 zeros sent compressed. */
		size_t plen = round ? 6000 : 3000;
		uint8_t *payload = calloc(1, plen);
		if (!round)
			zt_random(payload, plen);
		uint8_t pkt[ZT_PROTO_MAX_PACKET_LENGTH], frag[ZT_DEFAULT_PHYSMTU];
		size_t len = sim_craft(pkt, &b, &S.nodes[a].id, ZT_VERB_ECHO, payload, plen, ZT_CIPHER_POLY1305_SALSA2012, 0,
				       round == 1, !round, NULL);
		int64_t t0 = S.now;
		if (!round) {
			int count = zt_fragment_count(len, ZT_DEFAULT_PHYSMTU);
			ck_assert_int_eq(count, 3);
			static const unsigned order[] = { 2, 0, 1 };
			for (int k = 0; k < count; k++) {
				long fl = zt_fragment_build(frag, sizeof frag, pkt, len, ZT_DEFAULT_PHYSMTU, order[k]);
				ck_assert_int_gt(fl, 0);
				ck_assert_int_eq(sim_inject(&S, a, &from, frag, (size_t)fl), ZT_OK);
			}
		} else {
			ck_assert_uint_lt(len, 1000);
			ck_assert_int_eq(sim_inject(&S, a, &from, pkt, len), ZT_OK);
		}
		uint8_t out[ZT_PROTO_MAX_PACKET_LENGTH];
		size_t olen = 0;
		int verb;
		if (!round) {
			verb = collect_reply(a, &b, &from, t0, out, &olen);
		} else {
			verb = -1;
			for (size_t i = 0; i < S.logn && verb != ZT_VERB_OK; i++)
				if (S.log[i].at >= t0 && S.log[i].src == a && S.log[i].len >= ZT_PROTO_MIN_PACKET_LENGTH)
					verb = sim_open(S.log[i].data, S.log[i].len, &b, &S.nodes[a].id, out, &olen);
		}
		ck_assert_int_eq(verb, ZT_VERB_OK);
		ck_assert_uint_eq(olen, ZT_PACKET_IDX_PAYLOAD + ZT_VERB_OK_HEADER_LEN + plen);
		ck_assert_int_eq(out[ZT_PACKET_IDX_PAYLOAD], ZT_VERB_ECHO);
		ck_assert_mem_eq(out + ZT_PACKET_IDX_PAYLOAD + ZT_VERB_OK_HEADER_LEN, payload, plen);
		free(payload);
		S.now += 1000;
	}
}
END_TEST

/* Takes a snapshot of what bad input must not change. */
struct snap {
	struct zt_node_status st;
	size_t npeers;
	struct zt_node_peer_info peers[4];
	unsigned nevents;
};

static void take(int i, struct snap *s)
{
	zt_node_status(N(i), S.now, &s->st);
	zt_node_peers(N(i), S.now, s->peers, 4, &s->npeers);
	s->nevents = S.nodes[i].nevents;
}

static void same(const struct snap *x, const struct snap *y)
{
	ck_assert_uint_eq(x->npeers, y->npeers);
	ck_assert_uint_eq(x->st.path_count, y->st.path_count);
	ck_assert_int_eq(x->st.online, y->st.online);
	ck_assert_uint_eq(x->nevents, y->nevents);
	for (size_t i = 0; i < x->npeers && i < 4; i++) {
		ck_assert_uint_eq(x->peers[i].address, y->peers[i].address);
		ck_assert_int_eq(x->peers[i].last_receive, y->peers[i].last_receive);
		ck_assert_uint_eq(x->peers[i].path_count, y->peers[i].path_count);
		ck_assert_int_eq(x->peers[i].proto_version, y->peers[i].proto_version);
	}
}

START_TEST(bad_input)
{
	int r = sim_add(&S, sec_r, IP_R, NULL);
	int a = sim_add(&S, sec_a, IP_A, NULL);
	add_root(a, r);
	sim_run(&S, 1000);
	S.now += 1000;
	struct snap before, after;
	take(a, &before);
	struct zt_inetaddr from = S.nodes[r].addr;
	uint8_t d[ZT_PROTO_MAX_PACKET_LENGTH + 16];

	/* Random datagrams, with and without a plausible header. */
	for (int i = 0; i < 3000; i++) {
		size_t len = zt_random_u64() % (i < 1000 ? 64 : 1500);
		zt_random(d, len);
		if (i % 3 == 1 && len >= 28) {
			zt_put_be40(d + ZT_PACKET_IDX_DEST, S.nodes[a].id.address);
			zt_put_be40(d + ZT_PACKET_IDX_SOURCE, S.nodes[r].id.address);
		} else if (i % 3 == 2 && len > 16) {
			zt_put_be40(d + ZT_FRAGMENT_IDX_DEST, S.nodes[a].id.address);
			d[ZT_FRAGMENT_IDX_INDICATOR] = 0xff;
		}
		sim_inject(&S, a, &from, d, len);
	}
	ck_assert_int_ne(sim_inject(&S, a, &from, d, ZT_PROTO_MAX_PACKET_LENGTH + 1), ZT_OK);
	ck_assert_int_ne(sim_inject(&S, a, NULL, d, 100), ZT_OK);

	/* Every truncation and every single-byte change (except the hop bits) of real packets. */
	uint8_t pkt[ZT_PROTO_MAX_PACKET_LENGTH];
	struct zt_identity *rid = &S.nodes[r].id, *aid = &S.nodes[a].id;
	size_t lens[3];
	uint8_t pkts[3][ZT_PROTO_MAX_PACKET_LENGTH];
	lens[0] = sim_craft_hello(pkts[0], rid, aid, &S.nodes[a].addr, S.now, NULL);
	uint8_t payload[200];
	memset(payload, 0x5a, sizeof payload);
	lens[1] = sim_craft(pkts[1], rid, aid, ZT_VERB_ECHO, payload, 100, ZT_CIPHER_AES_GMAC_SIV, 0, false, false, NULL);
	lens[2] = sim_craft(pkts[2], rid, aid, ZT_VERB_ECHO, payload, 200, ZT_CIPHER_POLY1305_SALSA2012, 0, true, false,
			    NULL);
	for (int k = 0; k < 3; k++) {
		for (size_t cut = 0; cut < lens[k]; cut++)
			sim_inject(&S, a, &from, pkts[k], cut);
		for (size_t pos = 0; pos < lens[k]; pos++) {
			if (pos >= ZT_PACKET_IDX_SOURCE && pos < ZT_PACKET_IDX_SOURCE + 5)
				continue; /* another source is a legitimate reason to WHOIS */
			for (int bit = 0; bit < 8; bit++) {
				if (pos == ZT_PACKET_IDX_FLAGS && bit < 3)
					continue;
				memcpy(pkt, pkts[k], lens[k]);
				pkt[pos] ^= (uint8_t)(1u << bit);
				int rc = sim_inject(&S, a, &from, pkt, lens[k]);
				/* With the FRAGMENTED flag set it waits for fragments that never come. */
				if (!(pos == ZT_PACKET_IDX_FLAGS && bit == 6))
					ck_assert_int_ne(rc, ZT_OK);
			}
		}
	}
	take(a, &after);
	same(&before, &after);
	ck_assert_uint_gt(after.st.rx_auth_failed, before.st.rx_auth_failed);
	ck_assert_uint_gt(after.st.rx_dropped, 1000);
	/* Still working. */
	sim_run(&S, 1000);
	ck_assert_int_eq(zt_node_status(N(a), S.now, &after.st), ZT_OK);
	ck_assert(after.st.online);
}
END_TEST

START_TEST(collision_from_root)
{
	int r = sim_add(&S, sec_r, IP_R, NULL);
	int a = sim_add(&S, sec_a, IP_A, NULL);
	add_root(a, r);
	sim_run(&S, 1000);
	/* From a mere leaf the error means nothing. */
	struct zt_identity c = sim_identity(sec_c);
	hello_from(a, &c, IP_C);
	uint8_t e[16];
	struct zt_wbuf w = zt_wbuf_init(e, sizeof e);
	struct zt_verb_error er = { .in_re_verb = ZT_VERB_HELLO, .in_re_packet_id = 1,
				    .code = ZT_ERROR_IDENTITY_COLLISION };
	ck_assert_int_eq(zt_verb_error_encode(&er, &w), ZT_OK);
	ck_assert_int_eq(inject_packet(a, &c, IP_C, ZT_VERB_ERROR, e, w.len, 0), ZT_OK);
	ck_assert_uint_eq(sim_events(&S, a, ZT_NODE_EVENT_IDENTITY_COLLISION, 0), 0);
	/* From a root it is fatal, and the engine falls silent. */
	S.now += 1;
	ck_assert_int_eq(inject_packet(a, &S.nodes[r].id, IP_R, ZT_VERB_ERROR, e, w.len, 0), ZT_OK);
	ck_assert_uint_eq(sim_events(&S, a, ZT_NODE_EVENT_IDENTITY_COLLISION, S.nodes[r].id.address), 1);
	struct zt_node_status st;
	zt_node_status(N(a), S.now, &st);
	ck_assert(st.collision);
	int64_t t0 = S.now, dl;
	ck_assert_int_eq(zt_node_background(N(a), S.now, &dl), ZT_EINVALID);
	ck_assert_int_eq(zt_node_ping(N(a), S.nodes[r].id.address, 0, S.now, NULL), ZT_EINVALID);
	sim_run(&S, 60000);
	ck_assert_uint_eq(sim_count(&S, t0, &S.nodes[a].addr, NULL, -1, -1), 0);
	uint8_t pkt[ZT_PROTO_MAX_PACKET_LENGTH];
	struct zt_inetaddr cf = sim_addr(IP_C);
	size_t hl = sim_craft_hello(pkt, &c, &S.nodes[a].id, &S.nodes[a].addr, S.now, NULL);
	ck_assert_int_eq(sim_inject(&S, a, &cf, pkt, hl), ZT_EINVALID); /* silently dropped: no reply */
	ck_assert_uint_eq(sim_count(&S, t0, &S.nodes[a].addr, NULL, -1, -1), 0);
}
END_TEST

START_TEST(collision_hello)
{
	int a = sim_add(&S, sec_a, IP_A, NULL);
	struct zt_identity b = sim_identity(sec_b);
	hello_from(a, &b, IP_B);
	/* Someone else claims B's address with another key (not a valid identity: only the MAC counts). */
	struct zt_identity fake = b;
	zt_c25519_generate(fake.pub, fake.priv);
	sim_extra(&S, &fake);
	uint8_t pkt[ZT_PROTO_MAX_PACKET_LENGTH], out[ZT_PROTO_MAX_PACKET_LENGTH];
	uint64_t id;
	size_t len = sim_craft_hello(pkt, &fake, &S.nodes[a].id, &S.nodes[a].addr, S.now, &id);
	struct zt_inetaddr from = sim_addr("10.0.9.9/9993");
	int64_t t0 = S.now;
	ck_assert_int_ne(sim_inject(&S, a, &from, pkt, len), ZT_OK);
	int verb = -1;
	size_t olen = 0;
	for (size_t i = 0; i < S.logn; i++)
		if (S.log[i].at >= t0 && zt_inetaddr_equal(&S.log[i].to, &from))
			verb = sim_open(S.log[i].data, S.log[i].len, &fake, &S.nodes[a].id, out, &olen);
	ck_assert_int_eq(verb, ZT_VERB_ERROR);
	struct zt_verb_error er;
	ck_assert_int_eq(zt_verb_error_decode(&er, out + ZT_PACKET_IDX_PAYLOAD, olen - ZT_PACKET_IDX_PAYLOAD), ZT_OK);
	ck_assert_int_eq(er.code, ZT_ERROR_IDENTITY_COLLISION);
	ck_assert_uint_eq(er.in_re_packet_id, id);
	/* B is still B. */
	struct zt_node_peer_info pi;
	ck_assert_int_eq(zt_node_peer(N(a), S.now, b.address, &pi), ZT_OK);
	ck_assert(zt_identity_equal(&pi.identity, &b));
}
END_TEST

START_TEST(push_rate_gates)
{
	int a = sim_add(&S, sec_a, IP_A, NULL);
	struct zt_identity b = sim_identity(sec_b);
	hello_from(a, &b, IP_B);
	int64_t t0 = S.now;
	/* One push with 12 addresses of one scope and family: 8 are tried. */
	struct zt_verb_push_direct_paths *d = calloc(1, sizeof *d);
	char ip[32];
	for (int i = 0; i < 12; i++) {
		snprintf(ip, sizeof ip, "10.7.0.%d/9993", i + 1);
		d->paths[d->path_count++].addr = sim_addr(ip);
	}
	uint8_t pl[512];
	struct zt_wbuf w = zt_wbuf_init(pl, sizeof pl);
	ck_assert_int_eq(zt_verb_push_direct_paths_encode(d, &w), ZT_OK);
	ck_assert_int_eq(inject_packet(a, &b, IP_B, ZT_VERB_PUSH_DIRECT_PATHS, pl, w.len, 0), ZT_OK);
	unsigned tried = 0;
	for (size_t i = 0; i < S.logn; i++)
		if (S.log[i].at >= t0 && S.log[i].to.ip[0] == 10 && S.log[i].to.ip[1] == 7)
			tried++;
	ck_assert_uint_eq(tried, 8);
	/* Loopback and link-local addresses are refused by policy. */
	d->path_count = 2;
	d->paths[0].addr = sim_addr("127.0.0.1/9993");
	d->paths[1].addr = sim_addr("169.254.1.1/9993");
	w = zt_wbuf_init(pl, sizeof pl);
	ck_assert_int_eq(zt_verb_push_direct_paths_encode(d, &w), ZT_OK);
	S.now += 40000;
	t0 = S.now;
	ck_assert_int_eq(inject_packet(a, &b, IP_B, ZT_VERB_PUSH_DIRECT_PATHS, pl, w.len, 0), ZT_OK);
	ck_assert_uint_eq(sim_count(&S, t0, NULL, &d->paths[0].addr, -1, -1), 0);
	ck_assert_uint_eq(sim_count(&S, t0, NULL, &d->paths[1].addr, -1, -1), 0);
	/* Ten pushes within 30 s: the first 8 are honoured. */
	for (int k = 0; k < 10; k++) {
		snprintf(ip, sizeof ip, "10.8.%d.1/9993", k);
		d->path_count = 1;
		d->paths[0].addr = sim_addr(ip);
		w = zt_wbuf_init(pl, sizeof pl);
		ck_assert_int_eq(zt_verb_push_direct_paths_encode(d, &w), ZT_OK);
		S.now += 100;
		ck_assert_int_eq(inject_packet(a, &b, IP_B, ZT_VERB_PUSH_DIRECT_PATHS, pl, w.len, 0), ZT_OK);
	}
	tried = 0;
	for (size_t i = 0; i < S.logn; i++)
		if (S.log[i].to.ip[0] == 10 && S.log[i].to.ip[1] == 8)
			tried++;
	ck_assert_uint_eq(tried, 7); /* the loopback push above was the first of this 30 s window */
	free(d);
}
END_TEST

START_TEST(path_confirmation)
{
	int a = sim_add(&S, sec_a, IP_A, NULL);
	struct zt_identity b = sim_identity(sec_b);
	sim_extra(&S, &b);
	hello_from(a, &b, IP_B);
	struct zt_inetaddr other = sim_addr("10.0.7.7/9993"), lo = sim_addr("127.0.0.1/9999");
	int64_t t0 = S.now;
	/* ECHO on an unknown path: answered, not learned, and one confirming HELLO per second. */
	for (int i = 0; i < 3; i++) {
		S.now += 200;
		ck_assert_int_eq(inject_packet(a, &b, "10.0.7.7/9993", ZT_VERB_ECHO, NULL, 0, 0), ZT_OK);
	}
	ck_assert_uint_eq(sim_count(&S, t0, NULL, &other, ZT_VERB_HELLO, -1), 1);
	ck_assert_uint_eq(sim_count(&S, t0, NULL, &other, ZT_VERB_OK, ZT_VERB_ECHO), 3);
	struct zt_node_peer_info pi;
	zt_node_peer(N(a), S.now, b.address, &pi);
	for (unsigned i = 0; i < pi.path_count; i++)
		ck_assert(!zt_inetaddr_equal(&pi.paths[i].addr, &other));
	S.now += 1000;
	ck_assert_int_eq(inject_packet(a, &b, "10.0.7.7/9993", ZT_VERB_ECHO, NULL, 0, 0), ZT_OK);
	ck_assert_uint_eq(sim_count(&S, t0, NULL, &other, ZT_VERB_HELLO, -1), 2);
	/* An OK to something we never sent teaches nothing; the OK(HELLO) to our HELLO does. */
	uint8_t pl[64];
	struct zt_verb_ok_hello o = { .in_re_packet_id = 12345, .timestamp_echo = (uint64_t)S.now, .proto_version = 12,
				      .major = 1, .minor = 14, .revision = 1 };
	struct zt_wbuf w = zt_wbuf_init(pl, sizeof pl);
	ck_assert_int_eq(zt_verb_ok_hello_encode(&o, &w), ZT_OK);
	ck_assert_int_eq(inject_packet(a, &b, "10.0.7.7/9993", ZT_VERB_OK, pl, w.len, 0), ZT_OK);
	zt_node_peer(N(a), S.now, b.address, &pi);
	for (unsigned i = 0; i < pi.path_count; i++)
		ck_assert(!zt_inetaddr_equal(&pi.paths[i].addr, &other));
	uint64_t hello_id = 0;
	for (size_t i = 0; i < S.logn; i++)
		if (zt_inetaddr_equal(&S.log[i].to, &other) && zt_packet_cipher(S.log[i].data) == 0)
			hello_id = zt_packet_id(S.log[i].data);
	o.in_re_packet_id = hello_id;
	w = zt_wbuf_init(pl, sizeof pl);
	ck_assert_int_eq(zt_verb_ok_hello_encode(&o, &w), ZT_OK);
	ck_assert_int_eq(inject_packet(a, &b, "10.0.7.7/9993", ZT_VERB_OK, pl, w.len, 0), ZT_OK);
	zt_node_peer(N(a), S.now, b.address, &pi);
	bool learned = false;
	for (unsigned i = 0; i < pi.path_count; i++)
		learned |= zt_inetaddr_equal(&pi.paths[i].addr, &other);
	ck_assert(learned);
	/* Relayed packets (hops > 0) teach nothing and trigger nothing. */
	struct zt_inetaddr relay = sim_addr("10.0.8.8/9993");
	t0 = S.now;
	ck_assert_int_eq(inject_packet(a, &b, "10.0.8.8/9993", ZT_VERB_ECHO, NULL, 0, 1), ZT_OK);
	ck_assert_uint_eq(sim_count(&S, t0, NULL, &relay, ZT_VERB_HELLO, -1), 0);
	/* Loopback: refused unless allow_loopback_paths. */
	S.now += 2000;
	t0 = S.now;
	ck_assert_int_eq(inject_packet(a, &b, "127.0.0.1/9999", ZT_VERB_ECHO, NULL, 0, 0), ZT_OK);
	ck_assert_uint_eq(sim_count(&S, t0, NULL, &lo, ZT_VERB_HELLO, -1), 0);
	struct zt_node_config cfg = { .allow_loopback_paths = true };
	zt_node_set_config(N(a), &cfg);
	S.now += 2000;
	ck_assert_int_eq(inject_packet(a, &b, "127.0.0.1/9999", ZT_VERB_ECHO, NULL, 0, 0), ZT_OK);
	ck_assert_uint_eq(sim_count(&S, t0, NULL, &lo, ZT_VERB_HELLO, -1), 1);
}
END_TEST

START_TEST(whois_answers)
{
	int r = sim_add(&S, sec_r, IP_R, NULL);
	int a = sim_add(&S, sec_a, IP_A, NULL);
	add_root(a, r);
	sim_run(&S, 1000);
	struct zt_identity c = sim_identity(sec_c);
	sim_extra(&S, &c);
	hello_from(a, &c, IP_C);
	uint8_t pl[15];
	zt_put_be40(pl, S.nodes[a].id.address);
	zt_put_be40(pl + 5, S.nodes[r].id.address);
	zt_put_be40(pl + 10, 0x0102030405ULL);
	struct zt_inetaddr ca = sim_addr(IP_C);
	int64_t t0 = S.now;
	ck_assert_int_eq(inject_packet(a, &c, IP_C, ZT_VERB_WHOIS, pl, sizeof pl, 0), ZT_OK);
	S.now += 50;
	ck_assert_int_eq(inject_packet(a, &c, IP_C, ZT_VERB_WHOIS, pl, sizeof pl, 0), ZT_OK);
	ck_assert_uint_eq(sim_count(&S, t0, NULL, &ca, ZT_VERB_OK, ZT_VERB_WHOIS), 1);
	uint8_t out[ZT_PROTO_MAX_PACKET_LENGTH];
	for (size_t i = 0; i < S.logn; i++) {
		size_t len;
		int in_re;
		if (S.log[i].at < t0 || sim_decode(&S, &S.log[i], out, &len, &in_re) != ZT_VERB_OK || in_re != ZT_VERB_WHOIS)
			continue;
		struct zt_verb_ok_whois *o = calloc(1, sizeof *o);
		ck_assert_int_eq(zt_verb_ok_whois_decode(o, out + 28, len - 28), ZT_OK);
		ck_assert_uint_eq(o->count, 2);
		ck_assert_uint_eq(o->identities[0].address, S.nodes[a].id.address);
		ck_assert(!o->identities[0].has_private);
		ck_assert(zt_identity_equal(&o->identities[1], &S.nodes[r].id));
		free(o);
	}
	S.now += 100;
	ck_assert_int_eq(inject_packet(a, &c, IP_C, ZT_VERB_WHOIS, pl, sizeof pl, 0), ZT_OK);
	ck_assert_uint_eq(sim_count(&S, t0, NULL, &ca, ZT_VERB_OK, ZT_VERB_WHOIS), 2);
	/* A node without a controller answers a config request with UNSUPPORTED_OPERATION. */
	uint8_t ncr[32] = { 0 };
	zt_put_be64(ncr, 0x8056c2e21c000001ULL);
	t0 = S.now;
	ck_assert_int_eq(inject_packet(a, &c, IP_C, ZT_VERB_NETWORK_CONFIG_REQUEST, ncr, 26, 0), ZT_OK);
	ck_assert_uint_eq(sim_count(&S, t0, NULL, &ca, ZT_VERB_ERROR, ZT_VERB_NETWORK_CONFIG_REQUEST), 1);
}
END_TEST

static Suite *node_wire_suite(void)
{
	Suite *s = suite_create("node_wire");
	TCase *tc = tcase_create("vl1");
	tcase_add_checked_fixture(tc, nt_setup, nt_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, fragmented_echo);
	tcase_add_test(tc, bad_input);
	tcase_add_test(tc, collision_from_root);
	tcase_add_test(tc, collision_hello);
	tcase_add_test(tc, push_rate_gates);
	tcase_add_test(tc, path_confirmation);
	tcase_add_test(tc, whois_answers);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(node_wire_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
