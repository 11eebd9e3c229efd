/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Verb payload codecs: a round trip for every verb, every prefix of every valid payload (those shorter
 * than the mandatory fields must fail), and the edge rules of verbs.h. Lab captures: test_verbs.c.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "node/crypto.h"
#include "node/verbs.h"
#include "node/world.h"
#include "vec.h"

typedef zt_err (*decode_fn)(const uint8_t *p, size_t n);

/* One scratch output for all decoders: the structs are large, keep them off the stack. */
static union {
	struct zt_verb_hello hello;
	struct zt_verb_ok_hello ok_hello;
	struct zt_verb_error error;
	struct zt_verb_whois whois;
	struct zt_verb_ok_whois ok_whois;
	struct zt_verb_rendezvous rdv;
	struct zt_verb_echo echo;
	struct zt_verb_multicast_like like;
	struct zt_verb_multicast_gather gather;
	struct zt_verb_ok_multicast_gather ok_gather;
	struct zt_verb_push_direct_paths push;
	struct zt_verb_network_config_request ncr;
} out;

static zt_err dec_hello(const uint8_t *p, size_t n) { return zt_verb_hello_decode(&out.hello, p, n); }
static zt_err dec_ok_hello(const uint8_t *p, size_t n) { return zt_verb_ok_hello_decode(&out.ok_hello, p, n); }
static zt_err dec_error(const uint8_t *p, size_t n) { return zt_verb_error_decode(&out.error, p, n); }
static zt_err dec_whois(const uint8_t *p, size_t n) { return zt_verb_whois_decode(&out.whois, p, n); }
static zt_err dec_ok_whois(const uint8_t *p, size_t n) { return zt_verb_ok_whois_decode(&out.ok_whois, p, n); }
static zt_err dec_rdv(const uint8_t *p, size_t n) { return zt_verb_rendezvous_decode(&out.rdv, p, n); }
static zt_err dec_echo(const uint8_t *p, size_t n) { return zt_verb_echo_decode(&out.echo, p, n); }
static zt_err dec_ok_echo(const uint8_t *p, size_t n) { return zt_verb_ok_echo_decode(&out.echo, p, n); }
static zt_err dec_like(const uint8_t *p, size_t n) { return zt_verb_multicast_like_decode(&out.like, p, n); }
static zt_err dec_gather(const uint8_t *p, size_t n) { return zt_verb_multicast_gather_decode(&out.gather, p, n); }
static zt_err dec_ok_gather(const uint8_t *p, size_t n)
{
	return zt_verb_ok_multicast_gather_decode(&out.ok_gather, p, n);
}
static zt_err dec_push(const uint8_t *p, size_t n) { return zt_verb_push_direct_paths_decode(&out.push, p, n); }
static zt_err dec_ncr(const uint8_t *p, size_t n) { return zt_verb_network_config_request_decode(&out.ncr, p, n); }

static const decode_fn all_decoders[] = {
	dec_hello, dec_ok_hello, dec_error, dec_whois, dec_ok_whois, dec_rdv, dec_echo,
	dec_ok_echo, dec_like, dec_gather, dec_ok_gather, dec_push, dec_ncr,
};

static uint8_t buf[ZT_VERB_MAX_PAYLOAD + 64];
static struct zt_identity id_root, id_a;

static void setup(void)
{
	struct vec_file ids;
	ck_assert_int_eq(zt_crypto_init(), ZT_OK);
	vec_load(&ids, "lab/identities.txt");
	ck_assert_int_eq(zt_identity_from_string(&id_root, vec_get(&ids, "root.public.str")), ZT_OK);
	ck_assert_int_eq(zt_identity_from_string(&id_a, vec_get(&ids, "a.public.str")), ZT_OK);
	vec_free(&ids);
}

/*
 * Decodes every prefix of p[0..n-1] from an exactly-sized heap copy (so the sanitizer build catches
 * any over-read): those shorter than `mandatory` must fail, the whole payload must decode.
 */
static void check_prefixes(decode_fn dec, const uint8_t *p, size_t n, size_t mandatory)
{
	for (size_t i = 0; i <= n; i++) {
		uint8_t *copy = malloc(i ? i : 1);
		memcpy(copy, p, i);
		zt_err err = dec(copy, i);
		free(copy);
		if (i < mandatory)
			ck_assert_msg(err != ZT_OK, "prefix %zu of %zu decoded (mandatory %zu)", i, n, mandatory);
	}
	ck_assert_int_eq(dec(p, n), ZT_OK);
}

typedef zt_err (*encode_fn)(const void *msg, struct zt_wbuf *w);

/* Encodes msg into buf; returns the length. */
static size_t encode(encode_fn fn, const void *msg)
{
	struct zt_wbuf w = zt_wbuf_init(buf, sizeof buf);
	ck_assert_int_eq(fn(msg, &w), ZT_OK);
	return w.len;
}

static zt_err enc_hello(const void *m, struct zt_wbuf *w) { return zt_verb_hello_encode(m, w, NULL); }
static zt_err enc_ok_hello(const void *m, struct zt_wbuf *w) { return zt_verb_ok_hello_encode(m, w); }
static zt_err enc_error(const void *m, struct zt_wbuf *w) { return zt_verb_error_encode(m, w); }
static zt_err enc_whois(const void *m, struct zt_wbuf *w) { return zt_verb_whois_encode(m, w); }
static zt_err enc_ok_whois(const void *m, struct zt_wbuf *w) { return zt_verb_ok_whois_encode(m, w); }
static zt_err enc_rdv(const void *m, struct zt_wbuf *w) { return zt_verb_rendezvous_encode(m, w); }
static zt_err enc_echo(const void *m, struct zt_wbuf *w) { return zt_verb_echo_encode(m, w); }
static zt_err enc_ok_echo(const void *m, struct zt_wbuf *w) { return zt_verb_ok_echo_encode(m, w); }
static zt_err enc_like(const void *m, struct zt_wbuf *w) { return zt_verb_multicast_like_encode(m, w); }
static zt_err enc_gather(const void *m, struct zt_wbuf *w) { return zt_verb_multicast_gather_encode(m, w); }
static zt_err enc_ok_gather(const void *m, struct zt_wbuf *w) { return zt_verb_ok_multicast_gather_encode(m, w); }
static zt_err enc_push(const void *m, struct zt_wbuf *w) { return zt_verb_push_direct_paths_encode(m, w); }
static zt_err enc_ncr(const void *m, struct zt_wbuf *w) { return zt_verb_network_config_request_encode(m, w); }

/* The encoder must refuse msg with `want`. */
static void encode_fails(encode_fn fn, const void *msg, zt_err want)
{
	struct zt_wbuf w = zt_wbuf_init(buf, sizeof buf);
	ck_assert_int_eq(fn(msg, &w), want);
}

START_TEST(hello)
{
	static struct zt_verb_hello h;
	size_t cf, off;
	memset(&h, 0, sizeof h);
	h.proto_version = 12, h.major = 1, h.minor = 14, h.revision = 1;
	h.timestamp = 0x0102030405060708ULL;
	h.identity = id_a;
	ck_assert_int_eq(zt_inetaddr_parse(&h.sent_to, "[2605:9880:200:1200:30:571:e34:51]:9993"), ZT_OK);
	h.planet_id = ZT_WORLD_ID_EARTH, h.planet_timestamp = 1644592324813ULL;
	h.moon_count = 3;
	for (int i = 0; i < 3; i++)
		h.moons[i] = (struct zt_verb_hello_moon){ ZT_WORLD_TYPE_MOON, 0xdeadbeef00ULL + (uint64_t)i, (uint64_t)i };
	struct zt_wbuf w = zt_wbuf_init(buf, sizeof buf);
	ck_assert_int_eq(zt_verb_hello_encode(&h, &w, &cf), ZT_OK);
	size_t n = w.len;
	ck_assert_uint_eq(n, ZT_VERB_HELLO_MIN_LEN + 19 + 16 + 2 + 3 * ZT_VERB_HELLO_MOON_LEN);
	ck_assert_uint_eq(cf, ZT_VERB_HELLO_MIN_LEN + 19 + 16);

	ck_assert_int_eq(dec_hello(buf, n), ZT_OK);
	ck_assert(zt_identity_equal(&out.hello.identity, &id_a));
	ck_assert(zt_inetaddr_equal(&out.hello.sent_to, &h.sent_to));
	ck_assert(out.hello.has_sent_to && out.hello.has_planet && out.hello.has_moons);
	ck_assert_uint_eq(out.hello.timestamp, h.timestamp);
	ck_assert_uint_eq(out.hello.planet_id, h.planet_id);
	ck_assert_uint_eq(out.hello.moon_count, 3);
	ck_assert_uint_eq(out.hello.moons[2].id, 0xdeadbeef02ULL);
	ck_assert_uint_eq(out.hello.moons[2].timestamp, 2);
	ck_assert_uint_eq(out.hello.cryptfield_offset, cf);
	ck_assert_int_eq(zt_verb_hello_cryptfield_offset(buf, n, &off), ZT_OK);
	ck_assert_uint_eq(off, cf);
	check_prefixes(dec_hello, buf, n, ZT_VERB_HELLO_MIN_LEN);

	/* Optional groups: whole or absent. */
	ck_assert_int_eq(dec_hello(buf, ZT_VERB_HELLO_MIN_LEN), ZT_OK);
	ck_assert(!out.hello.has_sent_to);
	ck_assert_int_eq(zt_verb_hello_cryptfield_offset(buf, ZT_VERB_HELLO_MIN_LEN, &off), ZT_ENOTFOUND);
	ck_assert_int_eq(dec_hello(buf, ZT_VERB_HELLO_MIN_LEN + 19), ZT_OK);
	ck_assert(out.hello.has_sent_to && !out.hello.has_planet);
	ck_assert_int_eq(dec_hello(buf, ZT_VERB_HELLO_MIN_LEN + 19 + 8), ZT_ETRUNCATED);
	ck_assert_int_eq(dec_hello(buf, cf), ZT_OK);
	ck_assert(out.hello.has_planet && !out.hello.has_moons);
	ck_assert_int_eq(zt_verb_hello_cryptfield_offset(buf, cf, &off), ZT_ENOTFOUND);
	ck_assert_int_eq(dec_hello(buf, cf + 1), ZT_ETRUNCATED);
	ck_assert_int_eq(dec_hello(buf, n - 1), ZT_ETRUNCATED);
	/* Trailing bytes are ignored. */
	ck_assert_int_eq(dec_hello(buf, n + 5), ZT_OK);

	/* More moons than we keep: all parsed, the first ZT_VERB_HELLO_MAX_MOONS kept. */
	uint16_t many = ZT_VERB_HELLO_MAX_MOONS + 8;
	zt_put_be16(buf + cf, many);
	for (unsigned i = 0; i < many; i++) {
		uint8_t *m = buf + cf + 2 + i * ZT_VERB_HELLO_MOON_LEN;
		m[0] = ZT_WORLD_TYPE_MOON;
		zt_put_be64(m + 1, 1000 + i);
		zt_put_be64(m + 9, i);
	}
	n = cf + 2 + many * ZT_VERB_HELLO_MOON_LEN;
	ck_assert_int_eq(dec_hello(buf, n), ZT_OK);
	ck_assert_uint_eq(out.hello.moon_count, many);
	ck_assert_uint_eq(out.hello.moons[ZT_VERB_HELLO_MAX_MOONS - 1].id, 1000 + ZT_VERB_HELLO_MAX_MOONS - 1);
	ck_assert_int_eq(dec_hello(buf, n - 1), ZT_ETRUNCATED);
	h.moon_count = ZT_VERB_HELLO_MAX_MOONS + 1;
	w = zt_wbuf_init(buf, sizeof buf);
	ck_assert_int_eq(zt_verb_hello_encode(&h, &w, NULL), ZT_EINVALID);

	/* A private key on the wire, an unknown identity type, a bad InetAddress. */
	struct zt_identity priv = id_a;
	priv.has_private = true;
	h.moon_count = 0;
	n = encode(enc_hello, &h);
	w = zt_wbuf_init(buf + 13, sizeof buf - 13);
	zt_identity_write(&priv, true, &w);
	ck_assert_int_eq(dec_hello(buf, 13 + w.len), ZT_EMALFORMED);
	n = encode(enc_hello, &h);
	buf[13 + 5] = 1;
	ck_assert_int_ne(dec_hello(buf, n), ZT_OK);
	buf[13 + 5] = 0;
	buf[ZT_VERB_HELLO_MIN_LEN] = 0x05;
	ck_assert_int_eq(dec_hello(buf, n), ZT_EMALFORMED);
	ck_assert_int_eq(zt_verb_hello_cryptfield_offset(buf, n, &off), ZT_EMALFORMED);
}
END_TEST

START_TEST(ok_hello)
{
	static uint8_t planet[512];
	static struct zt_world world;
	struct zt_verb_ok_hello o;
	size_t plen = vec_hexfile("lab/planet.hex", planet, sizeof planet);
	memset(&o, 0, sizeof o);
	o.in_re_packet_id = 0x20371b3d2b6d4572ULL;
	o.timestamp_echo = 1795603888354ULL;
	o.proto_version = 12, o.major = 1, o.minor = 14, o.revision = 1;
	ck_assert_int_eq(zt_inetaddr_parse(&o.observed, "198.18.0.2/9994"), ZT_OK);
	o.worlds = planet;
	o.worlds_len = plen;
	size_t n = encode(enc_ok_hello, &o);
	ck_assert_uint_eq(n, ZT_VERB_OK_HELLO_MIN_LEN + 7 + 2 + plen);
	ck_assert_int_eq(dec_ok_hello(buf, n), ZT_OK);
	ck_assert_uint_eq(out.ok_hello.in_re_packet_id, o.in_re_packet_id);
	ck_assert_uint_eq(out.ok_hello.timestamp_echo, o.timestamp_echo);
	ck_assert_uint_eq(out.ok_hello.revision, 1);
	ck_assert(out.ok_hello.has_observed && zt_inetaddr_equal(&out.ok_hello.observed, &o.observed));
	ck_assert_uint_eq(out.ok_hello.worlds_len, plen);
	ck_assert_ptr_eq(out.ok_hello.worlds, buf + n - plen);
	ck_assert_int_eq(zt_world_parse(&world, out.ok_hello.worlds, out.ok_hello.worlds_len, NULL), ZT_OK);
	check_prefixes(dec_ok_hello, buf, n, ZT_VERB_OK_HELLO_MIN_LEN);

	/* Optional tail: absent, a lone trailing byte, a world length beyond the end. */
	ck_assert_int_eq(dec_ok_hello(buf, ZT_VERB_OK_HELLO_MIN_LEN), ZT_OK);
	ck_assert(!out.ok_hello.has_observed && out.ok_hello.worlds == NULL);
	ck_assert_int_eq(dec_ok_hello(buf, ZT_VERB_OK_HELLO_MIN_LEN + 7 + 1), ZT_OK);
	ck_assert_uint_eq(out.ok_hello.worlds_len, 0);
	ck_assert_int_eq(dec_ok_hello(buf, n - 1), ZT_ETRUNCATED);
	buf[0] = ZT_VERB_WHOIS;
	ck_assert_int_eq(dec_ok_hello(buf, n), ZT_EMALFORMED);

	o.worlds = NULL;
	encode_fails(enc_ok_hello, &o, ZT_EINVALID);
	o.worlds_len = 0;
	memset(&o.observed, 0, sizeof o.observed);
	n = encode(enc_ok_hello, &o);
	ck_assert_uint_eq(n, ZT_VERB_OK_HELLO_MIN_LEN + 1 + 2);
	struct zt_wbuf w = zt_wbuf_init(buf, n - 1);
	ck_assert_int_eq(zt_verb_ok_hello_encode(&o, &w), ZT_ENOSPACE);
}
END_TEST

START_TEST(ok_framing)
{
	struct zt_verb_ok ok;
	struct zt_wbuf w = zt_wbuf_init(buf, sizeof buf);
	zt_verb_ok_header_encode(&w, ZT_VERB_MULTICAST_GATHER, 0x1122334455667788ULL);
	zt_wbuf_put(&w, "xyz", 3);
	ck_assert_int_eq(zt_verb_ok_decode(&ok, buf, w.len), ZT_OK);
	ck_assert_uint_eq(ok.in_re_verb, ZT_VERB_MULTICAST_GATHER);
	ck_assert_uint_eq(ok.in_re_packet_id, 0x1122334455667788ULL);
	ck_assert_uint_eq(ok.body_len, 3);
	ck_assert_mem_eq(ok.body, "xyz", 3);
	for (size_t i = 0; i < ZT_VERB_OK_HEADER_LEN; i++)
		ck_assert_int_eq(zt_verb_ok_decode(&ok, buf, i), ZT_ETRUNCATED);
	ck_assert_int_eq(zt_verb_ok_decode(&ok, buf, ZT_VERB_OK_HEADER_LEN), ZT_OK);
	ck_assert_uint_eq(ok.body_len, 0);
}
END_TEST

START_TEST(error_forms)
{
	static const char auth[] = "aV=0000000000000000\naU=https://sso.example/auth";
	static const struct {
		uint8_t code, in_re;
		bool nwid;
		bool dict;
		size_t mandatory;
	} cases[] = {
		{ ZT_ERROR_INVALID_REQUEST, ZT_VERB_HELLO, false, false, 10 },
		{ ZT_ERROR_BAD_PROTOCOL_VERSION, ZT_VERB_HELLO, false, false, 10 },
		{ ZT_ERROR_OBJ_NOT_FOUND, ZT_VERB_NETWORK_CONFIG_REQUEST, true, false, 18 },
		{ ZT_ERROR_OBJ_NOT_FOUND, ZT_VERB_WHOIS, false, false, 10 },
		{ ZT_ERROR_OBJ_NOT_FOUND, ZT_VERB_WHOIS, true, false, 10 },
		{ ZT_ERROR_IDENTITY_COLLISION, ZT_VERB_HELLO, false, false, 10 },
		{ ZT_ERROR_UNSUPPORTED_OPERATION, ZT_VERB_NETWORK_CONFIG_REQUEST, true, false, 18 },
		{ ZT_ERROR_NEED_MEMBERSHIP_CERTIFICATE, ZT_VERB_FRAME, true, false, 18 },
		{ ZT_ERROR_NETWORK_ACCESS_DENIED, ZT_VERB_NETWORK_CONFIG_REQUEST, true, false, 18 },
		{ ZT_ERROR_UNWANTED_MULTICAST, ZT_VERB_MULTICAST_FRAME, true, false, 28 },
		{ ZT_ERROR_NETWORK_AUTHENTICATION_REQUIRED, ZT_VERB_NETWORK_CONFIG_REQUEST, true, false, 18 },
		{ ZT_ERROR_NETWORK_AUTHENTICATION_REQUIRED, ZT_VERB_NETWORK_CONFIG_REQUEST, true, true, 18 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct zt_verb_error e;
		memset(&e, 0, sizeof e);
		e.code = cases[i].code;
		e.in_re_verb = cases[i].in_re;
		e.in_re_packet_id = 0x163c464404a76657ULL;
		e.has_nwid = cases[i].nwid;
		e.nwid = e.has_nwid ? 0xf9bd51349a000001ULL : 0;
		if (e.code == ZT_ERROR_UNWANTED_MULTICAST) {
			memcpy(e.mac, "\x33\x33\xff\x03\xd2\xc2", 6);
			e.adi = 0x01020304;
		}
		if (cases[i].dict) {
			e.dict = (const uint8_t *)auth;
			e.dict_len = strlen(auth);
		}
		size_t n = encode(enc_error, &e);
		ck_assert_int_eq(dec_error(buf, n), ZT_OK);
		ck_assert_uint_eq(out.error.code, e.code);
		ck_assert_uint_eq(out.error.in_re_verb, e.in_re_verb);
		ck_assert_uint_eq(out.error.in_re_packet_id, e.in_re_packet_id);
		ck_assert_int_eq(out.error.has_nwid, e.has_nwid);
		ck_assert_uint_eq(out.error.nwid, e.nwid);
		ck_assert_mem_eq(out.error.mac, e.mac, 6);
		ck_assert_uint_eq(out.error.adi, e.adi);
		ck_assert_uint_eq(out.error.dict_len, e.dict_len);
		ck_assert_int_eq(out.error.dict != NULL, e.dict != NULL);
		if (e.dict)
			ck_assert_mem_eq(out.error.dict, auth, e.dict_len);
		check_prefixes(dec_error, buf, n, cases[i].mandatory);
	}

	/* A Dictionary longer than the packet is dropped, the error kept (1.x). */
	struct zt_verb_error e;
	memset(&e, 0, sizeof e);
	e.code = ZT_ERROR_NETWORK_AUTHENTICATION_REQUIRED;
	e.has_nwid = true;
	e.dict = (const uint8_t *)auth;
	e.dict_len = strlen(auth);
	size_t n = encode(enc_error, &e);
	ck_assert_int_eq(dec_error(buf, n - 1), ZT_OK);
	ck_assert_ptr_null(out.error.dict);

	/* Encoder refusals. */
	e.has_nwid = false;
	encode_fails(enc_error, &e, ZT_EINVALID);
	e.has_nwid = true;
	e.code = ZT_ERROR_INVALID_REQUEST;
	encode_fails(enc_error, &e, ZT_EINVALID);
	e.dict = NULL;
	encode_fails(enc_error, &e, ZT_EINVALID);
	e.has_nwid = false;
	ck_assert_uint_eq(encode(enc_error, &e), ZT_VERB_ERROR_HEADER_LEN);
}
END_TEST

START_TEST(whois)
{
	static struct zt_verb_whois q;
	q.count = 3;
	q.addresses[0] = 0xea697c101fULL, q.addresses[1] = 0x45de99e693ULL, q.addresses[2] = 0x0000000001ULL;
	size_t n = encode(enc_whois, &q);
	ck_assert_uint_eq(n, 15);
	ck_assert_int_eq(dec_whois(buf, n), ZT_OK);
	ck_assert_uint_eq(out.whois.count, 3);
	ck_assert_mem_eq(out.whois.addresses, q.addresses, 3 * sizeof q.addresses[0]);
	check_prefixes(dec_whois, buf, n, ZT_ADDRESS_LENGTH);
	ck_assert_int_eq(dec_whois(buf, n - 1), ZT_OK); /* the partial address is ignored */
	ck_assert_uint_eq(out.whois.count, 2);

	memset(buf, 0x11, sizeof buf);
	ck_assert_int_eq(dec_whois(buf, ZT_VERB_WHOIS_MAX_ADDRESSES * ZT_ADDRESS_LENGTH), ZT_OK);
	ck_assert_int_eq(dec_whois(buf, (ZT_VERB_WHOIS_MAX_ADDRESSES + 1) * ZT_ADDRESS_LENGTH), ZT_ETOOBIG);
	q.count = 0;
	encode_fails(enc_whois, &q, ZT_EINVALID);
	q.count = ZT_VERB_WHOIS_MAX_ADDRESSES + 1;
	encode_fails(enc_whois, &q, ZT_EINVALID);
}
END_TEST

START_TEST(ok_whois)
{
	static struct zt_verb_ok_whois o;
	o.in_re_packet_id = 0x6fbbe5fa1e513f90ULL;
	o.count = 2;
	o.identities[0] = id_root;
	o.identities[1] = id_a;
	size_t n = encode(enc_ok_whois, &o);
	ck_assert_uint_eq(n, 9 + 2 * 71);
	ck_assert_int_eq(dec_ok_whois(buf, n), ZT_OK);
	ck_assert_uint_eq(out.ok_whois.count, 2);
	ck_assert_uint_eq(out.ok_whois.in_re_packet_id, o.in_re_packet_id);
	ck_assert(zt_identity_equal(&out.ok_whois.identities[0], &id_root));
	ck_assert(zt_identity_equal(&out.ok_whois.identities[1], &id_a));
	check_prefixes(dec_ok_whois, buf, n, 9 + 71);
	ck_assert_int_eq(dec_ok_whois(buf, 9), ZT_ETRUNCATED);
	ck_assert_int_eq(dec_ok_whois(buf, n - 1), ZT_ETRUNCATED);
	buf[9 + 71 + 5] = 1; /* second identity of an unknown type */
	ck_assert_int_eq(dec_ok_whois(buf, n), ZT_EUNSUPPORTED);
	buf[0] = ZT_VERB_HELLO;
	ck_assert_int_eq(dec_ok_whois(buf, n), ZT_EMALFORMED);

	/* The array holds what fits in a maximal packet; more only from oversized input. */
	o.count = ZT_VERB_OK_WHOIS_MAX_IDENTITIES;
	for (size_t i = 0; i < o.count; i++)
		o.identities[i] = id_a;
	n = encode(enc_ok_whois, &o);
	ck_assert_uint_le(n, ZT_VERB_MAX_PAYLOAD);
	ck_assert_int_eq(dec_ok_whois(buf, n), ZT_OK);
	memcpy(buf + n, buf + 9, 71);
	ck_assert_int_eq(dec_ok_whois(buf, n + 71), ZT_ETOOBIG);
	o.count = 0;
	encode_fails(enc_ok_whois, &o, ZT_EINVALID);
}
END_TEST

START_TEST(rendezvous)
{
	struct zt_verb_rendezvous r;
	memset(&r, 0, sizeof r);
	r.address = 0x45de99e693ULL;
	ck_assert_int_eq(zt_inetaddr_parse(&r.addr, "198.18.0.2/9994"), ZT_OK);
	size_t n = encode(enc_rdv, &r);
	ck_assert_uint_eq(n, 13);
	ck_assert_mem_eq(buf, "\x00\x45\xde\x99\xe6\x93\x27\x0a\x04\xc6\x12\x00\x02", 13);
	ck_assert_int_eq(dec_rdv(buf, n), ZT_OK);
	ck_assert_uint_eq(out.rdv.address, r.address);
	ck_assert(zt_inetaddr_equal(&out.rdv.addr, &r.addr));
	check_prefixes(dec_rdv, buf, n, n);

	r.flags = 0x80;
	ck_assert_int_eq(zt_inetaddr_parse(&r.addr, "[2001:49f0:d0db:2::2]:0"), ZT_OK);
	n = encode(enc_rdv, &r);
	ck_assert_uint_eq(n, 25);
	ck_assert_int_eq(dec_rdv(buf, n), ZT_OK);
	ck_assert_uint_eq(out.rdv.flags, 0x80);
	ck_assert(zt_inetaddr_equal(&out.rdv.addr, &r.addr));
	check_prefixes(dec_rdv, buf, n, n);

	buf[8] = 5;
	ck_assert_int_eq(dec_rdv(buf, n), ZT_EMALFORMED);
	memset(&r.addr, 0, sizeof r.addr);
	encode_fails(enc_rdv, &r, ZT_EINVALID);
}
END_TEST

START_TEST(echo)
{
	struct zt_verb_echo e = { 0x0102030405060708ULL, (const uint8_t *)"ping", 4 };
	size_t n = encode(enc_echo, &e);
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(dec_echo(buf, n), ZT_OK);
	ck_assert_uint_eq(out.echo.len, 4);
	ck_assert_ptr_eq(out.echo.data, buf);
	check_prefixes(dec_echo, buf, n, 0);

	n = encode(enc_ok_echo, &e);
	ck_assert_uint_eq(n, 13);
	ck_assert_int_eq(dec_ok_echo(buf, n), ZT_OK);
	ck_assert_uint_eq(out.echo.in_re_packet_id, e.in_re_packet_id);
	ck_assert_uint_eq(out.echo.len, 4);
	ck_assert_mem_eq(out.echo.data, "ping", 4);
	check_prefixes(dec_ok_echo, buf, n, ZT_VERB_OK_HEADER_LEN);
	buf[0] = ZT_VERB_HELLO;
	ck_assert_int_eq(dec_ok_echo(buf, n), ZT_EMALFORMED);

	/* Empty keepalive, both ways. */
	e.data = NULL, e.len = 0;
	ck_assert_uint_eq(encode(enc_echo, &e), 0);
	ck_assert_int_eq(dec_echo(NULL, 0), ZT_OK);
	ck_assert_uint_eq(encode(enc_ok_echo, &e), 9);
	ck_assert_int_eq(dec_ok_echo(buf, 9), ZT_OK);
	ck_assert_uint_eq(out.echo.len, 0);
	e.len = 3;
	encode_fails(enc_echo, &e, ZT_EINVALID);
	encode_fails(enc_ok_echo, &e, ZT_EINVALID);
}
END_TEST

START_TEST(multicast_like)
{
	static struct zt_verb_multicast_like l;
	static const uint8_t macs[3][6] = {
		{ 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 },
		{ 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 },
		{ 0x33, 0x33, 0xff, 0x03, 0xd2, 0xc2 },
	};
	l.count = 3;
	for (int i = 0; i < 3; i++) {
		l.groups[i].nwid = 0xf9bd51349a000001ULL;
		memcpy(l.groups[i].mac, macs[i], 6);
		l.groups[i].adi = (uint32_t)i;
	}
	size_t n = encode(enc_like, &l);
	ck_assert_uint_eq(n, 3 * ZT_VERB_MULTICAST_GROUP_LEN);
	ck_assert_int_eq(dec_like(buf, n), ZT_OK);
	ck_assert_uint_eq(out.like.count, 3);
	for (int i = 0; i < 3; i++) {
		ck_assert_uint_eq(out.like.groups[i].nwid, l.groups[i].nwid);
		ck_assert_mem_eq(out.like.groups[i].mac, macs[i], 6);
		ck_assert_uint_eq(out.like.groups[i].adi, (uint32_t)i);
	}
	check_prefixes(dec_like, buf, n, ZT_VERB_MULTICAST_GROUP_LEN);
	ck_assert_int_eq(dec_like(buf, n - 1), ZT_OK);
	ck_assert_uint_eq(out.like.count, 2);
	ck_assert_int_eq(dec_like(buf, (ZT_VERB_LIKE_MAX_GROUPS + 1) * ZT_VERB_MULTICAST_GROUP_LEN), ZT_ETOOBIG);
	l.count = 0;
	encode_fails(enc_like, &l, ZT_EINVALID);
}
END_TEST

START_TEST(multicast_gather)
{
	struct zt_verb_multicast_gather g;
	static const uint8_t com[] = { 0x01, 0xaa, 0xbb, 0xcc };
	memset(&g, 0, sizeof g);
	g.nwid = 0xf9bd51349a000001ULL;
	memcpy(g.mac, "\xff\xff\xff\xff\xff\xff", 6);
	g.adi = 0x0a000001;
	g.limit = 32;
	size_t n = encode(enc_gather, &g);
	ck_assert_uint_eq(n, ZT_VERB_GATHER_MIN_LEN);
	ck_assert_int_eq(dec_gather(buf, n), ZT_OK);
	ck_assert_uint_eq(out.gather.nwid, g.nwid);
	ck_assert_mem_eq(out.gather.mac, g.mac, 6);
	ck_assert_uint_eq(out.gather.adi, g.adi);
	ck_assert_uint_eq(out.gather.limit, 32);
	ck_assert_ptr_null(out.gather.com);
	check_prefixes(dec_gather, buf, n, ZT_VERB_GATHER_MIN_LEN);

	g.flags = ZT_VERB_GATHER_FLAG_COM;
	encode_fails(enc_gather, &g, ZT_EINVALID);
	g.com = com, g.com_len = sizeof com;
	n = encode(enc_gather, &g);
	ck_assert_uint_eq(n, ZT_VERB_GATHER_MIN_LEN + sizeof com);
	ck_assert_int_eq(dec_gather(buf, n), ZT_OK);
	ck_assert_uint_eq(out.gather.com_len, sizeof com);
	ck_assert_mem_eq(out.gather.com, com, sizeof com);
	check_prefixes(dec_gather, buf, n, ZT_VERB_GATHER_MIN_LEN);
}
END_TEST

START_TEST(ok_multicast_gather)
{
	static struct zt_verb_ok_multicast_gather o;
	memset(&o, 0, sizeof o);
	o.in_re_packet_id = 42;
	o.nwid = 0xf9bd51349a000001ULL;
	memcpy(o.mac, "\x33\x33\x00\x00\x00\x01", 6);
	o.total_known = 7;
	o.count = 3;
	o.addresses[0] = 0x45de99e693ULL, o.addresses[1] = 0xf9bd51349aULL, o.addresses[2] = 0xea697c101fULL;
	size_t n = encode(enc_ok_gather, &o);
	ck_assert_uint_eq(n, ZT_VERB_OK_GATHER_MIN_LEN + 15);
	ck_assert_int_eq(dec_ok_gather(buf, n), ZT_OK);
	ck_assert_uint_eq(out.ok_gather.in_re_packet_id, 42);
	ck_assert_uint_eq(out.ok_gather.nwid, o.nwid);
	ck_assert_mem_eq(out.ok_gather.mac, o.mac, 6);
	ck_assert_uint_eq(out.ok_gather.total_known, 7);
	ck_assert_uint_eq(out.ok_gather.count, 3);
	ck_assert_mem_eq(out.ok_gather.addresses, o.addresses, 3 * sizeof o.addresses[0]);
	check_prefixes(dec_ok_gather, buf, n, n); /* every listed address is mandatory */
	buf[0] = ZT_VERB_WHOIS;
	ck_assert_int_eq(dec_ok_gather(buf, n), ZT_EMALFORMED);

	/* Zero addresses is a valid (if useless) answer; a count the array cannot hold is refused. */
	o.count = 0;
	n = encode(enc_ok_gather, &o);
	ck_assert_int_eq(dec_ok_gather(buf, n), ZT_OK);
	ck_assert_uint_eq(out.ok_gather.count, 0);
	o.count = ZT_VERB_OK_GATHER_MAX_ADDRESSES;
	n = encode(enc_ok_gather, &o);
	ck_assert_uint_le(n, ZT_VERB_MAX_PAYLOAD);
	ck_assert_int_eq(dec_ok_gather(buf, n), ZT_OK);
	zt_put_be16(buf + n - 2 - ZT_VERB_OK_GATHER_MAX_ADDRESSES * ZT_ADDRESS_LENGTH,
		    ZT_VERB_OK_GATHER_MAX_ADDRESSES + 1);
	ck_assert_int_eq(dec_ok_gather(buf, n + ZT_ADDRESS_LENGTH), ZT_ETOOBIG);
	o.count = ZT_VERB_OK_GATHER_MAX_ADDRESSES + 1;
	encode_fails(enc_ok_gather, &o, ZT_EINVALID);
}
END_TEST

START_TEST(push_direct_paths)
{
	static struct zt_verb_push_direct_paths d;
	memset(&d, 0, sizeof d);
	d.path_count = 2;
	d.paths[0].flags = ZT_VERB_PUSH_FLAG_FORGET;
	ck_assert_int_eq(zt_inetaddr_parse(&d.paths[0].addr, "198.18.0.3/9995"), ZT_OK);
	d.paths[1].flags = ZT_VERB_PUSH_FLAG_CLUSTER_REDIRECT;
	ck_assert_int_eq(zt_inetaddr_parse(&d.paths[1].addr, "[fd00::3]:9995"), ZT_OK);
	size_t n = encode(enc_push, &d);
	ck_assert_uint_eq(n, 2 + (5 + 6) + (5 + 18));
	ck_assert_int_eq(dec_push(buf, n), ZT_OK);
	ck_assert_uint_eq(out.push.count, 2);
	ck_assert_uint_eq(out.push.path_count, 2);
	for (int i = 0; i < 2; i++) {
		ck_assert_uint_eq(out.push.paths[i].flags, d.paths[i].flags);
		ck_assert(zt_inetaddr_equal(&out.push.paths[i].addr, &d.paths[i].addr));
	}
	check_prefixes(dec_push, buf, n, n); /* the record count makes every record mandatory */

	/* A record with an extension and one of an unknown address type, by hand. */
	static const uint8_t odd[] = {
		0x00, 0x03,
		0x00, 0x00, 0x02, 0xee, 0xee, 0x04, 0x06, 10, 0, 0, 1, 0x27, 0x09, /* extension skipped */
		0x00, 0x00, 0x00, 0x09, 0x03, 1, 2, 3,                         /* type 9: skipped */
		0x02, 0x00, 0x00, 0x04, 0x06, 10, 0, 0, 2, 0x27, 0x0a,
	};
	check_prefixes(dec_push, odd, sizeof odd, sizeof odd);
	ck_assert_uint_eq(out.push.count, 3);
	ck_assert_uint_eq(out.push.path_count, 2);
	char s[ZT_INETADDR_STRING_MAX];
	ck_assert_str_eq(zt_inetaddr_format(&out.push.paths[0].addr, s, sizeof s), "10.0.0.1/9993");
	ck_assert_str_eq(zt_inetaddr_format(&out.push.paths[1].addr, s, sizeof s), "10.0.0.2/9994");
	ck_assert_uint_eq(out.push.paths[1].flags, 2);
	/* Type 4 with the IPv6 length is malformed. */
	uint8_t bad[sizeof odd];
	memcpy(bad, odd, sizeof odd);
	bad[8] = 18;
	ck_assert_int_eq(dec_push(bad, sizeof bad), ZT_EMALFORMED);

	/* More records than we keep: all parsed, ZT_VERB_PUSH_MAX_PATHS kept. */
	d.path_count = ZT_VERB_PUSH_MAX_PATHS;
	for (size_t i = 0; i < d.path_count; i++)
		d.paths[i] = d.paths[0];
	n = encode(enc_push, &d);
	uint16_t extra = 10;
	zt_put_be16(buf, (uint16_t)(ZT_VERB_PUSH_MAX_PATHS + extra));
	for (unsigned i = 0; i < extra; i++)
		memcpy(buf + n + i * 11, buf + 2, 11);
	ck_assert_int_eq(dec_push(buf, n + extra * 11), ZT_OK);
	ck_assert_uint_eq(out.push.count, ZT_VERB_PUSH_MAX_PATHS + extra);
	ck_assert_uint_eq(out.push.path_count, ZT_VERB_PUSH_MAX_PATHS);
	ck_assert_int_eq(dec_push(buf, n + extra * 11 - 1), ZT_ETRUNCATED);

	d.path_count = ZT_VERB_PUSH_MAX_PATHS + 1;
	encode_fails(enc_push, &d, ZT_EINVALID);
	d.path_count = 1;
	memset(&d.paths[0].addr, 0, sizeof d.paths[0].addr);
	encode_fails(enc_push, &d, ZT_EINVALID);
	d.path_count = 0;
	ck_assert_uint_eq(encode(enc_push, &d), 2);
	ck_assert_int_eq(dec_push(buf, 2), ZT_OK);
}
END_TEST

START_TEST(network_config_request)
{
	static const char meta[] = "v=0000000000000007\npv=000000000000000c";
	struct zt_verb_network_config_request r;
	memset(&r, 0, sizeof r);
	r.nwid = 0xf9bd51349a000001ULL;
	r.metadata = (const uint8_t *)meta;
	r.metadata_len = strlen(meta);
	r.revision = 5, r.timestamp = 1795603881000ULL;
	size_t n = encode(enc_ncr, &r);
	ck_assert_uint_eq(n, ZT_VERB_NCR_MIN_LEN + strlen(meta) + 16);
	ck_assert_int_eq(dec_ncr(buf, n), ZT_OK);
	ck_assert_uint_eq(out.ncr.nwid, r.nwid);
	ck_assert_uint_eq(out.ncr.metadata_len, strlen(meta));
	ck_assert_mem_eq(out.ncr.metadata, meta, strlen(meta));
	ck_assert_uint_eq(out.ncr.revision, 5);
	ck_assert_uint_eq(out.ncr.timestamp, r.timestamp);
	check_prefixes(dec_ncr, buf, n, ZT_VERB_NCR_MIN_LEN + strlen(meta));
	/* Older senders stop after the metadata or the revision. */
	ck_assert_int_eq(dec_ncr(buf, n - 16), ZT_OK);
	ck_assert_uint_eq(out.ncr.revision, 0);
	ck_assert_int_eq(dec_ncr(buf, n - 8), ZT_OK);
	ck_assert_uint_eq(out.ncr.revision, 5);
	ck_assert_uint_eq(out.ncr.timestamp, 0);
	r.metadata = NULL;
	encode_fails(enc_ncr, &r, ZT_EINVALID);
}
END_TEST

START_TEST(random_input_never_crashes)
{
	uint8_t *p = malloc(2048);
	for (int round = 0; round < 3000; round++) {
		size_t n = (size_t)(zt_random_u64() % 2048);
		zt_random(p, n);
		/* Bias some inputs toward the interesting values. */
		if (n > 0 && round % 3 == 0)
			p[0] = (uint8_t)(round % 0x20);
		for (size_t d = 0; d < sizeof all_decoders / sizeof all_decoders[0]; d++)
			(void)all_decoders[d](p, n);
	}
	free(p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("verbs_codec");
	TCase *tc = tcase_create("codec");
	tcase_add_unchecked_fixture(tc, setup, NULL);
	tcase_add_test(tc, hello);
	tcase_add_test(tc, ok_framing);
	tcase_add_test(tc, ok_hello);
	tcase_add_test(tc, error_forms);
	tcase_add_test(tc, whois);
	tcase_add_test(tc, ok_whois);
	tcase_add_test(tc, rendezvous);
	tcase_add_test(tc, echo);
	tcase_add_test(tc, multicast_like);
	tcase_add_test(tc, multicast_gather);
	tcase_add_test(tc, ok_multicast_gather);
	tcase_add_test(tc, push_direct_paths);
	tcase_add_test(tc, network_config_request);
	tcase_add_test(tc, random_input_never_crashes);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
