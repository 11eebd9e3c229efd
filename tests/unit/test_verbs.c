/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Verb payloads (verbs.md) against the lab captures (vectors README §4.2 steps 1 and 4): every captured
 * payload decodes to its field: lines and re-encodes to the same bytes, and our own replies armor to the
 * captured wire bytes. Round trips and truncation for every verb are in test_verbs_codec.c.
 */
#include <check.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/crypto.h"
#include "node/dictionary.h"
#include "node/hex.h"
#include "node/packet.h"
#include "node/verbs.h"
#include "lab.h"
#include "vec.h"

#define MAX_FIELDS 32
#define FIELD_LEN 512


static void setup(void)
{
	ck_assert_int_eq(zt_crypto_init(), ZT_OK);
}

static void teardown(void)
{
}

/* ---------------------------------------------------------------- formatting decoded fields */

struct fields {
	int n;
	char line[MAX_FIELDS][FIELD_LEN];
};

static void add(struct fields *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct fields *f, const char *fmt, ...)
{
	va_list ap;
	ck_assert_int_lt(f->n, MAX_FIELDS);
	va_start(ap, fmt);
	vsnprintf(f->line[f->n++], FIELD_LEN, fmt, ap);
	va_end(ap);
}

static const char *verb_name(unsigned v)
{
	switch (v) {
	case ZT_VERB_HELLO: return "HELLO";
	case ZT_VERB_WHOIS: return "WHOIS";
	case ZT_VERB_NETWORK_CONFIG_REQUEST: return "NETWORK_CONFIG_REQUEST";
	default: return "?";
	}
}

static const char *error_name(unsigned code)
{
	return code == ZT_ERROR_OBJ_NOT_FOUND ? "OBJ_NOT_FOUND" : "?";
}

static char *ident(const struct zt_identity *id)
{
	static char s[ZT_IDENTITY_STRING_MAX];
	ck_assert_int_gt(zt_identity_to_string(id, false, s, sizeof s), 0);
	return s;
}

static char *addr(uint64_t a)
{
	static char s[11];
	zt_address_format(s, a);
	return s;
}

static char *inet(const struct zt_inetaddr *a)
{
	static char s[ZT_INETADDR_STRING_MAX];
	return zt_inetaddr_format(a, s, sizeof s);
}

/* Decodes a payload, checks that re-encoding gives the same bytes, and renders the field: lines. */
static void decode_fields(unsigned verb, const uint8_t *p, size_t n, struct fields *f)
{
	static union {
		struct zt_verb_hello hello;
		struct zt_verb_ok ok;
		struct zt_verb_ok_hello ok_hello;
		struct zt_verb_ok_whois ok_whois;
		struct zt_verb_whois whois;
		struct zt_verb_rendezvous rdv;
		struct zt_verb_error error;
		struct zt_verb_network_config_request ncr;
	} u;
	uint8_t out[ZT_VERB_MAX_PAYLOAD];
	struct zt_wbuf w = zt_wbuf_init(out, sizeof out);
	zt_err err = ZT_EUNSUPPORTED;
	f->n = 0;

	switch (verb) {
	case ZT_VERB_HELLO:
		ck_assert_int_eq(zt_verb_hello_decode(&u.hello, p, n), ZT_OK);
		add(f, "protocol_version=%u", u.hello.proto_version);
		add(f, "software_version=%u.%u.%u", u.hello.major, u.hello.minor, u.hello.revision);
		add(f, "timestamp=%" PRIu64, u.hello.timestamp);
		add(f, "identity=%s", ident(&u.hello.identity));
		add(f, "sent_to=%s", inet(&u.hello.sent_to));
		add(f, "planet_world_id=0x%016" PRIx64, u.hello.planet_id);
		add(f, "planet_world_timestamp=%" PRIu64, u.hello.planet_timestamp);
		add(f, "moon_count=%u (after cryptField decryption)", u.hello.moon_count);
		ck_assert(u.hello.has_sent_to && u.hello.has_planet && u.hello.has_moons);
		err = zt_verb_hello_encode(&u.hello, &w, NULL);
		break;
	case ZT_VERB_OK:
		ck_assert_int_eq(zt_verb_ok_decode(&u.ok, p, n), ZT_OK);
		add(f, "in_re_verb=0x%02x %s", u.ok.in_re_verb, verb_name(u.ok.in_re_verb));
		add(f, "in_re_packet_id=%016" PRIx64, u.ok.in_re_packet_id);
		if (u.ok.in_re_verb == ZT_VERB_HELLO) {
			ck_assert_int_eq(zt_verb_ok_hello_decode(&u.ok_hello, p, n), ZT_OK);
			add(f, "echoed_timestamp=%" PRIu64, u.ok_hello.timestamp_echo);
			add(f, "protocol_version=%u", u.ok_hello.proto_version);
			add(f, "software_version=%u.%u.%u", u.ok_hello.major, u.ok_hello.minor, u.ok_hello.revision);
			add(f, "observed_address=%s", inet(&u.ok_hello.observed));
			add(f, "world_update_length=%zu", u.ok_hello.worlds_len);
			err = zt_verb_ok_hello_encode(&u.ok_hello, &w);
		} else if (u.ok.in_re_verb == ZT_VERB_WHOIS) {
			ck_assert_int_eq(zt_verb_ok_whois_decode(&u.ok_whois, p, n), ZT_OK);
			for (size_t i = 0; i < u.ok_whois.count; i++)
				add(f, "identity=%s", ident(&u.ok_whois.identities[i]));
			err = zt_verb_ok_whois_encode(&u.ok_whois, &w);
		}
		break;
	case ZT_VERB_WHOIS:
		ck_assert_int_eq(zt_verb_whois_decode(&u.whois, p, n), ZT_OK);
		for (size_t i = 0; i < u.whois.count; i++)
			add(f, "address=%s", addr(u.whois.addresses[i]));
		err = zt_verb_whois_encode(&u.whois, &w);
		break;
	case ZT_VERB_RENDEZVOUS: {
		char ip[ZT_INETADDR_STRING_MAX];
		ck_assert_int_eq(zt_verb_rendezvous_decode(&u.rdv, p, n), ZT_OK);
		add(f, "flags=0x%02x", u.rdv.flags);
		add(f, "address=%s", addr(u.rdv.address));
		add(f, "port=%u", u.rdv.addr.port);
		add(f, "ip_length=%d", u.rdv.addr.family == ZT_INETADDR_V4 ? 4 : 16);
		add(f, "ip=%s", zt_inetaddr_format_ip(&u.rdv.addr, ip, sizeof ip));
		err = zt_verb_rendezvous_encode(&u.rdv, &w);
		break;
	}
	case ZT_VERB_ERROR:
		ck_assert_int_eq(zt_verb_error_decode(&u.error, p, n), ZT_OK);
		add(f, "in_re_verb=0x%02x %s", u.error.in_re_verb, verb_name(u.error.in_re_verb));
		add(f, "in_re_packet_id=%016" PRIx64, u.error.in_re_packet_id);
		add(f, "error_code=0x%02x %s", u.error.code, error_name(u.error.code));
		ck_assert(u.error.has_nwid);
		add(f, "network_id=%016" PRIx64, u.error.nwid);
		err = zt_verb_error_encode(&u.error, &w);
		break;
	case ZT_VERB_NETWORK_CONFIG_REQUEST: {
		struct zt_dict d;
		ck_assert_int_eq(zt_verb_network_config_request_decode(&u.ncr, p, n), ZT_OK);
		add(f, "network_id=%016" PRIx64, u.ncr.nwid);
		add(f, "metadata_length=%zu", u.ncr.metadata_len);
		zt_dict_init(&d);
		ck_assert_int_eq(zt_dict_parse(&d, u.ncr.metadata, u.ncr.metadata_len), ZT_OK);
		for (size_t i = 0; i < d.n; i++)
			add(f, "metadata %s=%s", d.e[i].key, (const char *)d.e[i].value);
		zt_dict_free(&d);
		add(f, "config_revision=%" PRIu64, u.ncr.revision);
		add(f, "config_timestamp=%" PRIu64, u.ncr.timestamp);
		err = zt_verb_network_config_request_encode(&u.ncr, &w);
		break;
	}
	}
	/* The captured payload is exactly what our encoder writes for the decoded fields. */
	ck_assert_int_eq(err, ZT_OK);
	ck_assert_uint_eq(w.len, n);
	ck_assert_mem_eq(out, p, n);
}

static const uint8_t *lab_key(const struct vec_file *f, int block, uint8_t key[48])
{
	return lab_pair_key(vec_block_get(f, block, "key_pair"), key);
}

/* README §4.2 step 1, "parse the payload": every packet of every capture. */
START_TEST(lab_payloads_match_fields)
{
	int packets = 0;
	for (size_t fi = 0; fi < lab_ncaptures; fi++) {
		struct vec_file f;
		vec_load(&f, lab_captures[fi]);
		for (int blk = 0; blk < f.nblocks; blk++) {
			const char *kind = vec_block_get(&f, blk, "kind");
			if (!kind || strcmp(kind, "packet"))
				continue;
			uint8_t plain[ZT_PROTO_MAX_PACKET_LENGTH], wire[ZT_PROTO_MAX_PACKET_LENGTH], key[48];
			unsigned verb = (unsigned)strtoul(vec_block_get(&f, blk, "verb"), NULL, 16);
			size_t n = vec_hex(vec_block_get(&f, blk, "plain"), plain, sizeof plain);
			ck_assert_uint_eq(plain[0], verb);
			uint8_t *payload = plain + 1;
			size_t plen = n - 1;

			if (verb == ZT_VERB_HELLO) {
				uint8_t clear[8];
				size_t off = (size_t)atoi(vec_block_get(&f, blk, "hello_cryptfield_offset"));
				size_t cl = vec_hex(vec_block_get(&f, blk, "hello_cryptfield_plain"), clear, sizeof clear);
				size_t found;
				ck_assert_int_eq(zt_verb_hello_cryptfield_offset(payload, plen, &found), ZT_OK);
				ck_assert_uint_eq(found + ZT_PACKET_IDX_PAYLOAD, off);
				/* Decrypt the cryptField of the wire packet with packet.h (cipher 0: the rest is clear). */
				size_t wl = vec_hex(vec_block_get(&f, blk, "wire"), wire, sizeof wire);
				ck_assert_uint_eq(wl, off + cl);
				ck_assert_int_eq(zt_packet_hello_cryptfield(wire, wl, off, lab_key(&f, blk, key)), ZT_OK);
				ck_assert_mem_eq(wire + off, clear, cl);
				memcpy(payload + found, clear, cl);
			}

			struct fields got;
			decode_fields(verb, payload, plen, &got);
			for (int i = 0; i < got.n; i++) {
				const char *want = vec_block_get_nth(&f, blk, "field", i);
				ck_assert_msg(want != NULL, "%s #%d: extra field %s", lab_captures[fi], blk + 1, got.line[i]);
				ck_assert_msg(!strcmp(got.line[i], want), "%s #%d: got `%s', want `%s'", lab_captures[fi],
					      blk + 1, got.line[i], want);
			}
			ck_assert_ptr_null(vec_block_get_nth(&f, blk, "field", got.n));
			packets++;
		}
		vec_free(&f);
	}
	ck_assert_int_eq(packets, 21);
}
END_TEST

/* ---------------------------------------------------------------- README §4.2 step 4: our own replies */

struct lab_packet {
	struct vec_file f;
	int block;
	uint8_t wire[ZT_PROTO_MAX_PACKET_LENGTH];
	size_t wire_len;
};

static void load_packet(struct lab_packet *lp, const char *file, int packet_no)
{
	vec_load(&lp->f, file);
	lp->block = packet_no - 1;
	lp->wire_len = vec_hex(vec_block_get(&lp->f, lp->block, "wire"), lp->wire, sizeof lp->wire);
}

static uint64_t field_u64(const struct lab_packet *lp, const char *name)
{
	uint8_t b[8];
	vec_hex(vec_block_get(&lp->f, lp->block, name), b, 8);
	return zt_be64(b);
}

static uint64_t field_addr(const struct lab_packet *lp, const char *name)
{
	uint64_t a;
	ck_assert(zt_address_parse(&a, vec_block_get(&lp->f, lp->block, name)));
	return a;
}

/* Builds header + payload (encoded by `encode`), armors with `cipher`, compares with lp's wire. */
static void armor_and_compare(const struct lab_packet *lp, uint64_t packet_id, unsigned verb, unsigned cipher,
			      zt_err (*encode)(const void *msg, struct zt_wbuf *w), const void *msg)
{
	uint8_t pkt[ZT_PROTO_MAX_PACKET_LENGTH], key[48];
	struct zt_peer_key pk;
	size_t len = zt_packet_init(pkt, packet_id, field_addr(lp, "dest"), field_addr(lp, "source"), (uint8_t)verb);
	struct zt_wbuf w = zt_wbuf_init(pkt + len, sizeof pkt - len);
	ck_assert_int_eq(encode(msg, &w), ZT_OK);
	len += w.len;
	memset(&pk, 0, sizeof pk);
	ck_assert_int_eq(zt_peer_key_init(&pk, lab_key(&lp->f, lp->block, key)), ZT_OK);
	ck_assert_int_eq(zt_packet_armor(pkt, len, &pk, cipher), ZT_OK);
	zt_peer_key_free(&pk);
	ck_assert_uint_eq(len, lp->wire_len);
	ck_assert_mem_eq(pkt, lp->wire, len);
}

static zt_err enc_ok_hello(const void *m, struct zt_wbuf *w) { return zt_verb_ok_hello_encode(m, w); }
static zt_err enc_rendezvous(const void *m, struct zt_wbuf *w) { return zt_verb_rendezvous_encode(m, w); }
static zt_err enc_ok_whois(const void *m, struct zt_wbuf *w) { return zt_verb_ok_whois_encode(m, w); }

START_TEST(reply_ok_hello_equals_capture_02)
{
	static struct lab_packet hello, ok;
	struct zt_verb_hello h;
	struct zt_verb_ok_hello o;

	uint8_t key[48];
	size_t cf;

	load_packet(&hello, "lab/01-hello-a-to-root.txt", 1);
	load_packet(&ok, "lab/02-ok-hello-root-to-a.txt", 1);
	/* The HELLO as the root reads it: cipher 0 leaves it clear except the cryptField. */
	uint8_t *payload = hello.wire + ZT_PACKET_IDX_PAYLOAD;
	size_t plen = hello.wire_len - ZT_PACKET_IDX_PAYLOAD;
	ck_assert_int_eq(zt_verb_hello_cryptfield_offset(payload, plen, &cf), ZT_OK);
	ck_assert_int_eq(zt_packet_hello_cryptfield(hello.wire, hello.wire_len, ZT_PACKET_IDX_PAYLOAD + cf,
						    lab_key(&hello.f, 0, key)), ZT_OK);
	ck_assert_int_eq(zt_verb_hello_decode(&h, payload, plen), ZT_OK);

	memset(&o, 0, sizeof o);
	o.in_re_packet_id = zt_packet_id(hello.wire);
	o.timestamp_echo = h.timestamp;
	o.proto_version = ZT_PROTO_VERSION;
	o.major = ZT_SOFTWARE_VERSION_MAJOR;
	o.minor = ZT_SOFTWARE_VERSION_MINOR;
	o.revision = ZT_SOFTWARE_VERSION_REVISION;
	/* Where the root saw the HELLO come from. */
	ck_assert_int_eq(zt_inetaddr_parse(&o.observed, vec_block_get(&hello.f, 0, "from")), ZT_OK);
	struct zt_inetaddr want;
	ck_assert_int_eq(zt_inetaddr_parse(&want, "198.18.0.2/9994"), ZT_OK);
	ck_assert(zt_inetaddr_equal(&o.observed, &want));
	armor_and_compare(&ok, 0x6387aa5446211db2ULL, ZT_VERB_OK, ZT_CIPHER_POLY1305_SALSA2012, enc_ok_hello, &o);
	vec_free(&hello.f);
	vec_free(&ok.f);
}
END_TEST

START_TEST(reply_rendezvous_equals_capture_07)
{
	static struct lab_packet rdv;
	struct vec_file ids;
	static const struct {
		int packet;
		const char *other;
	} cases[] = { { 1, "a" }, { 2, "b" } };

	vec_load(&ids, "lab/identities.txt");
	for (size_t i = 0; i < 2; i++) {
		char name[32];
		struct zt_verb_rendezvous r;
		load_packet(&rdv, "lab/07-rendezvous-root-to-b-and-a.txt", cases[i].packet);
		memset(&r, 0, sizeof r);
		snprintf(name, sizeof name, "%s.address", cases[i].other);
		ck_assert(zt_address_parse(&r.address, vec_get(&ids, name)));
		snprintf(name, sizeof name, "%s.endpoint.str", cases[i].other);
		ck_assert_int_eq(zt_inetaddr_parse(&r.addr, vec_get(&ids, name)), ZT_OK);
		armor_and_compare(&rdv, field_u64(&rdv, "armor_iv"), ZT_VERB_RENDEZVOUS, ZT_CIPHER_AES_GMAC_SIV,
				  enc_rendezvous, &r);
		vec_free(&rdv.f);
	}
	vec_free(&ids);
}
END_TEST

START_TEST(reply_ok_whois_equals_capture_05)
{
	static struct lab_packet whois, ok;
	static struct zt_verb_whois q;
	static struct zt_verb_ok_whois o;
	struct vec_file ids;
	uint8_t key[48];
	struct zt_peer_key pk;

	load_packet(&whois, "lab/05-whois-a-to-root-and-ok.txt", 1);
	load_packet(&ok, "lab/05-whois-a-to-root-and-ok.txt", 2);
	/* Dearmor the request as the root would, and answer about the address it asks for. */
	memset(&pk, 0, sizeof pk);
	ck_assert_int_eq(zt_peer_key_init(&pk, lab_key(&whois.f, whois.block, key)), ZT_OK);
	ck_assert_int_eq(zt_packet_dearmor(whois.wire, whois.wire_len, &pk), ZT_OK);
	zt_peer_key_free(&pk);
	ck_assert_uint_eq(zt_packet_verb(whois.wire), ZT_VERB_WHOIS);
	ck_assert_int_eq(zt_verb_whois_decode(&q, whois.wire + ZT_PACKET_IDX_PAYLOAD,
					      whois.wire_len - ZT_PACKET_IDX_PAYLOAD), ZT_OK);
	ck_assert_uint_eq(q.count, 1);

	vec_load(&ids, "lab/identities.txt");
	memset(&o, 0, sizeof o);
	o.in_re_packet_id = zt_packet_id(whois.wire); /* the wire ID, not the sender's IV */
	o.count = 1;
	ck_assert_int_eq(zt_identity_from_string(&o.identities[0], vec_get(&ids, "root.public.str")), ZT_OK);
	ck_assert_uint_eq(o.identities[0].address, q.addresses[0]);
	armor_and_compare(&ok, field_u64(&ok, "armor_iv"), ZT_VERB_OK, ZT_CIPHER_AES_GMAC_SIV, enc_ok_whois, &o);
	vec_free(&ids);
	vec_free(&whois.f);
	vec_free(&ok.f);
}
END_TEST

/* Our HELLO with the fields of capture 01, cryptField applied before armor, equals the wire. */
START_TEST(own_hello_equals_capture_01)
{
	static struct lab_packet hello;
	uint8_t pkt[ZT_PROTO_MAX_PACKET_LENGTH], key[48];
	struct zt_verb_hello h;
	struct zt_peer_key pk;
	size_t cf;

	load_packet(&hello, "lab/01-hello-a-to-root.txt", 1);
	memcpy(pkt, hello.wire, hello.wire_len);
	lab_key(&hello.f, 0, key);
	ck_assert_int_eq(zt_packet_hello_cryptfield(pkt, hello.wire_len, 135, key), ZT_OK);
	ck_assert_int_eq(zt_verb_hello_decode(&h, pkt + ZT_PACKET_IDX_PAYLOAD, hello.wire_len - ZT_PACKET_IDX_PAYLOAD),
			 ZT_OK);
	ck_assert_uint_eq(h.cryptfield_offset, 135 - ZT_PACKET_IDX_PAYLOAD);

	size_t len = zt_packet_init(pkt, zt_packet_id(hello.wire), field_addr(&hello, "dest"),
				    field_addr(&hello, "source"), ZT_VERB_HELLO);
	struct zt_wbuf w = zt_wbuf_init(pkt + len, sizeof pkt - len);
	ck_assert_int_eq(zt_verb_hello_encode(&h, &w, &cf), ZT_OK);
	ck_assert_uint_eq(cf, h.cryptfield_offset);
	len += w.len;
	ck_assert_int_eq(zt_packet_hello_cryptfield(pkt, len, ZT_PACKET_IDX_PAYLOAD + cf, key), ZT_OK);
	memset(&pk, 0, sizeof pk);
	ck_assert_int_eq(zt_peer_key_init(&pk, key), ZT_OK);
	ck_assert_int_eq(zt_packet_armor(pkt, len, &pk, ZT_CIPHER_POLY1305_NONE), ZT_OK);
	zt_peer_key_free(&pk);
	ck_assert_uint_eq(len, hello.wire_len);
	ck_assert_mem_eq(pkt, hello.wire, len);
	vec_free(&hello.f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("verbs");
	TCase *tc = tcase_create("lab");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, lab_payloads_match_fields);
	tcase_add_test(tc, reply_ok_hello_equals_capture_02);
	tcase_add_test(tc, reply_rendezvous_equals_capture_07);
	tcase_add_test(tc, reply_ok_whois_equals_capture_05);
	tcase_add_test(tc, own_hello_equals_capture_01);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
