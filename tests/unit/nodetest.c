/* SPDX-License-Identifier: Apache-2.0 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "node/buf.h"
#include "node/crypto.h"
#include "node/packet.h"
#include "node/verbs.h"
#include "nodetest.h"

struct sim S;
static struct vec_file lab_ids, ids;
const char *sec_r, *sec_a, *sec_b, *sec_c;


void nt_setup(void)
{
	sim_init(&S);
	vec_load(&lab_ids, "lab/identities.txt");
	vec_load(&ids, "identities.txt");
	sec_r = vec_get(&lab_ids, "root.secret.str");
	sec_a = vec_get(&lab_ids, "a.secret.str");
	sec_b = vec_get(&lab_ids, "b.secret.str");
	sec_c = vec_get(&ids, "id1.secret.str");
	ck_assert(sec_r && sec_a && sec_b && sec_c);
}

void nt_teardown(void)
{
	sim_free(&S);
	vec_free(&lab_ids);
	vec_free(&ids);
}

struct zt_node *N(int i)
{
	return S.nodes[i].node;
}

void add_root(int i, int root)
{
	ck_assert_int_eq(zt_node_root_add_static(N(i), &S.nodes[root].id, &S.nodes[root].addr, 1, NULL, S.now), ZT_OK);
	sim_kick(&S, i);
}

struct zt_node_peer_info peer_info(int i, int of)
{
	struct zt_node_peer_info pi;
	ck_assert_int_eq(zt_node_peer(N(i), S.now, S.nodes[of].id.address, &pi), ZT_OK);
	return pi;
}

void hello_from(int i, const struct zt_identity *x, const char *from)
{
	uint8_t pkt[ZT_PROTO_MAX_PACKET_LENGTH];
	struct zt_inetaddr f = sim_addr(from);
	size_t len = sim_craft_hello(pkt, x, &S.nodes[i].id, &S.nodes[i].addr, S.now, NULL);
	ck_assert_int_eq(sim_inject(&S, i, &f, pkt, len), ZT_OK);
}

int inject_packet(int i, const struct zt_identity *x, const char *from, uint8_t verb, const void *payload,
			 size_t len, unsigned hops)
{
	uint8_t pkt[ZT_PROTO_MAX_PACKET_LENGTH];
	struct zt_inetaddr f = sim_addr(from);
	size_t l = sim_craft(pkt, x, &S.nodes[i].id, verb, payload, len, ZT_CIPHER_POLY1305_SALSA2012, hops, false,
			     false, NULL);
	return sim_inject(&S, i, &f, pkt, l);
}

void three_nodes(int *r, int *a, int *b)
{
	*r = sim_add(&S, sec_r, IP_R, NULL);
	*a = sim_add(&S, sec_a, IP_A, NULL);
	*b = sim_add(&S, sec_b, IP_B, NULL);
	S.nodes[*r].relay = true;
	add_root(*a, *r);
	add_root(*b, *r);
	sim_run(&S, 1000);
	ck_assert_uint_eq(sim_events(&S, *a, ZT_NODE_EVENT_ONLINE, 0), 1);
	ck_assert_uint_eq(sim_events(&S, *b, ZT_NODE_EVENT_ONLINE, 0), 1);
}

void direct_pair(int *r, int *a, int *b)
{
	three_nodes(r, a, b);
	uint64_t cookie = 0;
	ck_assert_int_eq(zt_node_ping(N(*a), S.nodes[*b].id.address, 0, S.now, &cookie), ZT_OK);
	sim_kick(&S, *a);
	sim_run(&S, 2000);
	const struct sim_event *e = sim_last_event(&S, *a, ZT_NODE_EVENT_ECHO_REPLY);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->cookie, cookie);
	ck_assert(!peer_info(*a, *b).direct);

	uint8_t rv[32];
	struct zt_wbuf w = zt_wbuf_init(rv, sizeof rv);
	struct zt_verb_rendezvous rz = { .flags = 0, .address = S.nodes[*b].id.address, .addr = S.nodes[*b].addr };
	ck_assert_int_eq(zt_verb_rendezvous_encode(&rz, &w), ZT_OK);
	int64_t t0 = S.now;
	ck_assert_int_eq(inject_packet(*a, &S.nodes[*r].id, IP_R, ZT_VERB_RENDEZVOUS, rv, w.len, 0), ZT_OK);
	sim_run(&S, 1000);
	/* The NAT-opening junk (4 bytes, TTL 2), then a HELLO (B's version is unknown to A). */
	bool junk = false;
	for (size_t i = 0; i < S.logn; i++) {
		const struct sim_dgram *d = &S.log[i];
		if (d->at >= t0 && d->src == *a && zt_inetaddr_equal(&d->to, &S.nodes[*b].addr) && d->len == 4) {
			ck_assert_uint_eq(d->ttl, 2);
			junk = true;
		}
	}
	ck_assert(junk);
	ck_assert_uint_ge(sim_count(&S, t0, &S.nodes[*a].addr, &S.nodes[*b].addr, ZT_VERB_HELLO, -1), 1);
	ck_assert(peer_info(*a, *b).direct);
	ck_assert(peer_info(*b, *a).direct);
	ck_assert_uint_eq(sim_events(&S, *a, ZT_NODE_EVENT_PEER_DIRECT, S.nodes[*b].id.address), 1);
	ck_assert_uint_eq(sim_events(&S, *b, ZT_NODE_EVENT_PEER_DIRECT, S.nodes[*a].id.address), 1);
}
