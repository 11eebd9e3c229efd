/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The engine against the 1.14.1 lab captures (tests/vectors/lab): our HELLO as lab node A has the
 * fields of capture 01 and authenticates under the root-a key; captured 1.x packets fed to the
 * engine get the answers a 1.x node gives (OK(HELLO), RENDEZVOUS → junk + contact); planet
 * updates signed with the lab key are accepted from the root and stored whole, even when bigger
 * than a peer cache object.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/buf.h"
#include "node/crypto.h"
#include "node/packet.h"
#include "node/verbs.h"
#include "node/world.h"
#include "lab.h"
#include "nodesim.h"
#include "vec.h"

static struct sim S;
static struct vec_file ids;
static struct zt_world *planet;
static int A;

static void setup(void)
{
	sim_init(&S);
	vec_load(&ids, "lab/identities.txt");
	planet = calloc(1, sizeof *planet);
	uint8_t raw[ZT_WORLD_MAX_SERIALIZED_LENGTH];
	size_t len = vec_hexfile("lab/planet.hex", raw, sizeof raw);
	ck_assert_int_eq(zt_world_parse(planet, raw, len, NULL), ZT_OK);
	A = sim_add(&S, vec_get(&ids, "a.secret.str"), "198.18.0.2/9994", NULL);
}

static void teardown(void)
{
	sim_free(&S);
	vec_free(&ids);
	free(planet);
}

/* The `wire:` of packet `no` in a lab capture file. */
static size_t lab_wire(const char *file, int no, uint8_t *out, size_t cap)
{
	struct vec_file f;
	vec_load(&f, file);
	char want[8];
	snprintf(want, sizeof want, "%d", no);
	size_t len = 0;
	bool in = false;
	for (size_t i = 0; i < f.n && !len; i++) {
		if (!strcmp(f.e[i].name, "packet"))
			in = !strcmp(f.e[i].value, want);
		else if (in && !strcmp(f.e[i].name, "wire"))
			len = vec_hex(f.e[i].value, out, cap);
	}
	vec_free(&f);
	ck_assert_msg(len > 0, "%s packet %d", file, no);
	return len;
}

static const char *lab_field(const char *file, const char *name, char *buf, size_t cap)
{
	struct vec_file f;
	vec_load(&f, file);
	const char *v = vec_get(&f, name);
	ck_assert_ptr_nonnull(v);
	snprintf(buf, cap, "%s", v);
	vec_free(&f);
	return buf;
}

static struct zt_peer_key *pair_key(const char *pair)
{
	static struct zt_peer_key pk;
	uint8_t key[48];
	zt_peer_key_free(&pk);
	ck_assert_int_eq(zt_peer_key_init(&pk, lab_pair_key(pair, key)), ZT_OK);
	return &pk;
}

/* The last datagram A sent to `to` since t0, or NULL. */
static const struct sim_dgram *sent_to(const char *to, int64_t t0, size_t skip_len)
{
	struct zt_inetaddr a = sim_addr(to);
	const struct sim_dgram *d = NULL;
	for (size_t i = 0; i < S.logn; i++)
		if (S.log[i].at >= t0 && zt_inetaddr_equal(&S.log[i].to, &a) && S.log[i].len != skip_len)
			d = &S.log[i];
	return d;
}

static const struct sim_dgram *first_sent_to(const char *to)
{
	struct zt_inetaddr a = sim_addr(to);
	for (size_t i = 0; i < S.logn; i++)
		if (zt_inetaddr_equal(&S.log[i].to, &a))
			return &S.log[i];
	return NULL;
}

START_TEST(hello_matches_capture)
{
	ck_assert_int_eq(S.now, 1795603888354LL); /* the capture's HELLO timestamp */
	ck_assert_int_eq(zt_node_roots_from_world(S.nodes[A].node, planet, S.now), ZT_OK);
	const struct sim_dgram *d = first_sent_to("198.18.0.1/9993");
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(d->len, 137);
	uint8_t pkt[ZT_PROTO_MAX_PACKET_LENGTH], lab[ZT_PROTO_MAX_PACKET_LENGTH];
	memcpy(pkt, d->data, d->len);
	size_t lablen = lab_wire("lab/01-hello-a-to-root.txt", 1, lab, sizeof lab);
	ck_assert_uint_eq(lablen, d->len);
	/* Header: destination, source, flags (cipher 0, hops 0); verb byte readable. */
	ck_assert_mem_eq(pkt + 8, lab + 8, 11);
	ck_assert_int_eq(pkt[ZT_PACKET_IDX_VERB], 0x01);
	ck_assert_int_eq(zt_packet_dearmor(pkt, d->len, pair_key("root-a")), ZT_OK);
	char off_s[16];
	size_t off = (size_t)atoi(lab_field("lab/01-hello-a-to-root.txt", "hello_cryptfield_offset", off_s, sizeof off_s));
	ck_assert_int_eq(zt_packet_hello_cryptfield(pkt, d->len, off, pair_key("root-a")->key), ZT_OK);
	uint8_t plain[256];
	char hex[600];
	size_t plen = vec_hex(lab_field("lab/01-hello-a-to-root.txt", "plain", hex, sizeof hex), plain, sizeof plain);
	ck_assert_uint_eq(plen, d->len - ZT_PACKET_IDX_VERB);
	/*
	 * Everything from the verb byte on equals the capture, timestamp included (same clock here),
	 * except the cryptField, which the capture file shows encrypted under its own packet ID: both
	 * decrypt to a moon count of 0.
	 */
	size_t cf = off - ZT_PACKET_IDX_VERB;
	ck_assert_uint_eq(plen - cf, 2);
	ck_assert_int_eq(zt_be16(pkt + off), 0);
	plen = cf;
	for (size_t i = 0; i < plen; i++)
		ck_assert_msg(pkt[ZT_PACKET_IDX_VERB + i] == plain[i], "byte %zu: %02x != %02x", i,
			      pkt[ZT_PACKET_IDX_VERB + i], plain[i]);

	struct zt_node_root_info ri;
	size_t n;
	ck_assert_int_eq(zt_node_roots(S.nodes[A].node, S.now, &ri, 1, &n), ZT_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(ri.name, "000000007a7a7a7a-0");
	ck_assert_int_eq(ri.source, ZT_NODE_ROOT_PLANET);
	struct zt_node_status st;
	zt_node_status(S.nodes[A].node, S.now, &st);
	ck_assert_uint_eq(st.planet_id, 0x7a7a7a7aULL);
	ck_assert_uint_eq(st.planet_timestamp, planet->timestamp);
}
END_TEST

START_TEST(hello_static_root)
{
	struct zt_identity root = sim_identity(vec_get(&ids, "root.public.str"));
	struct zt_inetaddr ep = sim_addr("198.18.0.1/9993");
	ck_assert_int_eq(zt_node_root_add_static(S.nodes[A].node, &root, &ep, 1, "lab", S.now), ZT_OK);
	const struct sim_dgram *d = first_sent_to("198.18.0.1/9993");
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(d->len, 137);
	uint8_t pkt[256], plain[256];
	char hex[600];
	memcpy(pkt, d->data, d->len);
	ck_assert_int_eq(zt_packet_dearmor(pkt, d->len, pair_key("root-a")), ZT_OK);
	vec_hex(lab_field("lab/01-hello-a-to-root.txt", "plain", hex, sizeof hex), plain, sizeof plain);
	/* Same up to the planet, which we do not have: ID and timestamp 0. */
	size_t planet_off = 1 + 5 + 8 + 71 + 7;
	ck_assert_mem_eq(pkt + ZT_PACKET_IDX_VERB, plain, planet_off);
	static const uint8_t zero[16];
	ck_assert_mem_eq(pkt + ZT_PACKET_IDX_VERB + planet_off, zero, 16);
}
END_TEST

START_TEST(answers_captured_hello)
{
	ck_assert_int_eq(zt_node_roots_from_world(S.nodes[A].node, planet, S.now), ZT_OK);
	uint8_t lab[512];
	size_t len = lab_wire("lab/03-hello-root-to-a-and-ok-a.txt", 1, lab, sizeof lab);
	struct zt_inetaddr root = sim_addr("198.18.0.1/9993");
	int64_t t0 = S.now + 1;
	S.now = t0;
	ck_assert_int_eq(sim_inject(&S, A, &root, lab, len), ZT_OK);
	/* The OK(HELLO): cipher 1 (root version unknown until now), in re the captured ID. */
	const struct sim_dgram *ok = NULL;
	for (size_t i = 0; i < S.logn; i++)
		if (S.log[i].at >= t0 && zt_packet_cipher(S.log[i].data) == ZT_CIPHER_POLY1305_SALSA2012)
			ok = &S.log[i];
	ck_assert_ptr_nonnull(ok);
	uint8_t pkt[512];
	memcpy(pkt, ok->data, ok->len);
	ck_assert_int_eq(zt_packet_dearmor(pkt, ok->len, pair_key("root-a")), ZT_OK);
	ck_assert_int_eq(zt_packet_verb(pkt), ZT_VERB_OK);
	struct zt_verb_ok_hello o;
	ck_assert_int_eq(zt_verb_ok_hello_decode(&o, pkt + 28, ok->len - 28), ZT_OK);
	ck_assert_uint_eq(o.in_re_packet_id, zt_be64(lab));
	ck_assert_uint_eq(o.timestamp_echo, 1795603888355ULL);
	ck_assert_int_eq(o.proto_version, 12);
	ck_assert(zt_inetaddr_equal(&o.observed, &root));
	ck_assert_uint_eq(o.worlds_len, 0);
	/* The root is now known to speak 12. */
	struct zt_node_peer_info pi;
	ck_assert_int_eq(zt_node_peer(S.nodes[A].node, S.now, 0xea697c101fULL, &pi), ZT_OK);
	ck_assert_int_eq(pi.proto_version, 12);
	/* An OK(WHOIS) in re a packet we never sent is ignored. */
	len = lab_wire("lab/05-whois-a-to-root-and-ok.txt", 2, lab, sizeof lab);
	ck_assert_int_eq(sim_inject(&S, A, &root, lab, len), ZT_OK);
	size_t n;
	zt_node_peers(S.nodes[A].node, S.now, NULL, 0, &n);
	ck_assert_uint_eq(n, 1);
}
END_TEST

START_TEST(rendezvous_from_capture)
{
	ck_assert_int_eq(zt_node_roots_from_world(S.nodes[A].node, planet, S.now), ZT_OK);
	uint8_t lab[512];
	/* B's HELLO to A (capture 08 #4): A learns B and its version. */
	size_t len = lab_wire("lab/08-direct-a-b-junk-hello-ok.txt", 4, lab, sizeof lab);
	struct zt_inetaddr b = sim_addr("198.18.0.3/9995"), root = sim_addr("198.18.0.1/9993");
	S.now += 10;
	ck_assert_int_eq(sim_inject(&S, A, &b, lab, len), ZT_OK);
	ck_assert_uint_eq(sim_events(&S, A, ZT_NODE_EVENT_PEER_NEW, 0xf9bd51349aULL), 1);
	/* The root's RENDEZVOUS to A about B (capture 07 #2, cipher 3). */
	len = lab_wire("lab/07-rendezvous-root-to-b-and-a.txt", 2, lab, sizeof lab);
	S.now += 10;
	int64_t t0 = S.now;
	ck_assert_int_eq(sim_inject(&S, A, &root, lab, len), ZT_OK);
	const struct sim_dgram *junk = NULL, *contact = NULL;
	for (size_t i = 0; i < S.logn; i++) {
		if (S.log[i].at < t0 || !zt_inetaddr_equal(&S.log[i].to, &b))
			continue;
		if (S.log[i].len == 4)
			junk = &S.log[i];
		else if (junk && !contact)
			contact = &S.log[i];
	}
	ck_assert_ptr_nonnull(junk);
	ck_assert_uint_eq(junk->ttl, 2);
	ck_assert_ptr_nonnull(contact);
	/* B's version is known (from its HELLO), so the contact is an ECHO under the a-b key, cipher 3. */
	uint8_t pkt[512];
	memcpy(pkt, contact->data, contact->len);
	ck_assert_int_eq(zt_packet_cipher(pkt), ZT_CIPHER_AES_GMAC_SIV);
	ck_assert_int_eq(zt_packet_dearmor(pkt, contact->len, pair_key("a-b")), ZT_OK);
	ck_assert_int_eq(zt_packet_verb(pkt), ZT_VERB_ECHO);
}
END_TEST

/* An OK(HELLO) from the root, in re A's latest HELLO to it, carrying `worlds`. */
static void ok_hello_with_world(const struct zt_world *w)
{
	struct zt_identity root = sim_identity(vec_get(&ids, "root.secret.str"));
	const struct sim_dgram *h = sent_to("198.18.0.1/9993", 0, 0);
	ck_assert_ptr_nonnull(h);
	struct zt_verb_ok_hello o = { .in_re_packet_id = zt_packet_id(h->data), .timestamp_echo = (uint64_t)S.now,
				      .proto_version = 12, .major = 1, .minor = 14, .revision = 1, .has_observed = true,
				      .observed = S.nodes[A].addr, .worlds = w->raw, .worlds_len = w->raw_len };
	static uint8_t pl[ZT_PROTO_MAX_PACKET_LENGTH], pkt[ZT_PROTO_MAX_PACKET_LENGTH];
	struct zt_wbuf wb = zt_wbuf_init(pl, sizeof pl);
	ck_assert_int_eq(zt_verb_ok_hello_encode(&o, &wb), ZT_OK);
	size_t len = sim_craft(pkt, &root, &S.nodes[A].id, ZT_VERB_OK, pl, wb.len, ZT_CIPHER_POLY1305_SALSA2012, 0, true,
			       false, NULL);
	struct zt_inetaddr from = sim_addr("198.18.0.1/9993");
	ck_assert_int_eq(sim_inject(&S, A, &from, pkt, len), ZT_OK);
}

START_TEST(planet_update_from_root)
{
	ck_assert_int_eq(zt_node_roots_from_world(S.nodes[A].node, planet, S.now), ZT_OK);
	struct vec_file k;
	vec_load(&k, "lab/world-signing-key.txt");
	uint8_t pub[64], sec[64];
	vec_hex(vec_get(&k, "world_signing.public"), pub, sizeof pub);
	vec_hex(vec_get(&k, "world_signing.secret"), sec, sizeof sec);
	vec_free(&k);
	struct zt_world *nw = malloc(sizeof *nw);
	/* A forged update (wrong key) is refused. */
	*nw = *planet;
	nw->timestamp += 1000;
	nw->roots[0].endpoints[0] = sim_addr("198.18.0.1/9999");
	uint8_t bad[64];
	memcpy(bad, sec, 64);
	bad[40] ^= 1;
	ck_assert_int_eq(zt_world_sign(nw, pub, bad), ZT_OK);
	ok_hello_with_world(nw);
	ck_assert_uint_eq(sim_events(&S, A, ZT_NODE_EVENT_PLANET_UPDATED, 0), 0);
	/* A properly signed newer planet is taken and stored. */
	ck_assert_int_eq(zt_world_sign(nw, pub, sec), ZT_OK);
	ok_hello_with_world(nw);
	ck_assert_uint_eq(sim_events(&S, A, ZT_NODE_EVENT_PLANET_UPDATED, 0), 1);
	struct zt_node_status st;
	zt_node_status(S.nodes[A].node, S.now, &st);
	ck_assert_uint_eq(st.planet_timestamp, nw->timestamp);
	struct zt_node_root_info ri;
	size_t n;
	zt_node_roots(S.nodes[A].node, S.now, &ri, 1, &n);
	ck_assert_uint_eq(ri.endpoints[0].port, 9999);
	bool stored = false;
	for (unsigned i = 0; i < SIM_MAX_STATES; i++)
		stored |= S.nodes[A].states[i].used && S.nodes[A].states[i].type == ZT_NODE_STATE_PLANET &&
			  S.nodes[A].states[i].len == nw->raw_len;
	ck_assert(stored);
	/* Our HELLOs now carry the new timestamp. */
	int64_t t0 = S.now + 1;
	S.now = t0;
	struct zt_inetaddr ep = sim_addr("198.18.0.1/9999");
	uint8_t pkt[256];
	sim_run(&S, 60000);
	const struct sim_dgram *h = NULL;
	for (size_t i = 0; i < S.logn; i++)
		if (S.log[i].at >= t0 && zt_inetaddr_equal(&S.log[i].to, &ep) && S.log[i].len == 137)
			h = &S.log[i];
	ck_assert_ptr_nonnull(h);
	memcpy(pkt, h->data, h->len);
	ck_assert_uint_eq(zt_be64(pkt + ZT_PACKET_IDX_VERB + 1 + 5 + 8 + 71 + 7 + 8), nw->timestamp);
	free(nw);
}
END_TEST

/* A newer planet bigger than a peer cache object (4 roots, 32 IPv6 endpoints each) is stored whole. */
START_TEST(planet_update_over_peer_max)
{
	ck_assert_int_eq(zt_node_roots_from_world(S.nodes[A].node, planet, S.now), ZT_OK);
	struct vec_file k, more;
	vec_load(&k, "lab/world-signing-key.txt");
	vec_load(&more, "identities.txt");
	uint8_t pub[64], sec[64];
	vec_hex(vec_get(&k, "world_signing.public"), pub, sizeof pub);
	vec_hex(vec_get(&k, "world_signing.secret"), sec, sizeof sec);
	struct zt_world *nw = malloc(sizeof *nw), *back = malloc(sizeof *back);
	*nw = *planet;
	nw->timestamp += 1000;
	const char *extra[] = { vec_get(&ids, "b.public.str"), vec_get(&more, "id1.public.str"),
				vec_get(&more, "id2.public.str") };
	for (unsigned r = 1; r < ZT_WORLD_MAX_ROOTS; r++) {
		ck_assert_ptr_nonnull(extra[r - 1]);
		nw->roots[r].identity = sim_identity(extra[r - 1]);
		nw->roots[r].endpoint_count = 0;
	}
	nw->root_count = ZT_WORLD_MAX_ROOTS;
	for (unsigned r = 0; r < ZT_WORLD_MAX_ROOTS; r++)
		while (nw->roots[r].endpoint_count < ZT_WORLD_MAX_STABLE_ENDPOINTS_PER_ROOT) {
			char ep[64];
			snprintf(ep, sizeof ep, "[2001:db8::%u:%u]/9993", r, nw->roots[r].endpoint_count);
			nw->roots[r].endpoints[nw->roots[r].endpoint_count++] = sim_addr(ep);
		}
	ck_assert_int_eq(zt_world_sign(nw, pub, sec), ZT_OK);
	ck_assert_uint_gt(nw->raw_len, ZT_NODE_STATE_MAX);
	ck_assert_uint_le(nw->raw_len, ZT_NODE_STATE_PLANET_MAX);
	ok_hello_with_world(nw);
	ck_assert_uint_eq(sim_events(&S, A, ZT_NODE_EVENT_PLANET_UPDATED, 0), 1);
	const struct sim_state *st = NULL;
	for (unsigned i = 0; i < SIM_MAX_STATES; i++)
		if (S.nodes[A].states[i].used && S.nodes[A].states[i].type == ZT_NODE_STATE_PLANET)
			st = &S.nodes[A].states[i];
	ck_assert_ptr_nonnull(st);
	ck_assert_uint_eq(st->len, nw->raw_len);
	ck_assert_mem_eq(st->data, nw->raw, nw->raw_len);
	ck_assert_int_eq(zt_world_parse(back, st->data, st->len, NULL), ZT_OK);
	ck_assert_uint_eq(back->timestamp, nw->timestamp);
	ck_assert_uint_eq(back->root_count, ZT_WORLD_MAX_ROOTS);
	struct zt_node_status status;
	zt_node_status(S.nodes[A].node, S.now, &status);
	ck_assert_uint_eq(status.root_count, ZT_WORLD_MAX_ROOTS);
	free(back);
	free(nw);
	vec_free(&more);
	vec_free(&k);
}
END_TEST

START_TEST(static_and_planet_root)
{
	struct zt_identity root = sim_identity(vec_get(&ids, "root.public.str"));
	struct zt_inetaddr ep = sim_addr("198.18.0.1/9993");
	struct zt_node *n = S.nodes[A].node;
	ck_assert_int_eq(zt_node_root_add_static(n, &root, &ep, 1, "mine", S.now), ZT_OK);
	ck_assert_int_eq(zt_node_roots_from_world(n, planet, S.now), ZT_OK);
	struct zt_node_root_info ri[2];
	size_t count;
	zt_node_roots(n, S.now, ri, 2, &count);
	ck_assert_uint_eq(count, 1);
	ck_assert_str_eq(ri[0].name, "mine");
	ck_assert_int_eq(ri[0].source, ZT_NODE_ROOT_STATIC);
	/* Removing the static listing leaves the planet's root. */
	ck_assert_int_eq(zt_node_root_remove(n, root.address), ZT_OK);
	zt_node_roots(n, S.now, ri, 2, &count);
	ck_assert_uint_eq(count, 1);
	ck_assert_str_eq(ri[0].name, "000000007a7a7a7a-0");
	ck_assert_int_eq(ri[0].source, ZT_NODE_ROOT_PLANET);
	ck_assert_int_eq(zt_node_root_remove(n, root.address), ZT_OK);
	zt_node_roots(n, S.now, ri, 2, &count);
	ck_assert_uint_eq(count, 0);
	/* Not a planet: refused. */
	struct zt_world *moon = malloc(sizeof *moon);
	*moon = *planet;
	moon->type = ZT_WORLD_TYPE_MOON;
	ck_assert_int_eq(zt_node_roots_from_world(n, moon, S.now), ZT_EINVALID);
	free(moon);
}
END_TEST

static Suite *node_lab_suite(void)
{
	Suite *s = suite_create("node_lab");
	TCase *tc = tcase_create("lab");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, hello_matches_capture);
	tcase_add_test(tc, hello_static_root);
	tcase_add_test(tc, answers_captured_hello);
	tcase_add_test(tc, rendezvous_from_capture);
	tcase_add_test(tc, planet_update_from_root);
	tcase_add_test(tc, planet_update_over_peer_max);
	tcase_add_test(tc, static_and_planet_root);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(node_lab_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
