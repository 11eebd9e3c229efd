/* SPDX-License-Identifier: Apache-2.0 */
/* Locators (src/node/locator.h, docs/locators.md) and the text encodings they use. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/buf.h"
#include "node/crypto.h"
#include "node/encoding.h"
#include "node/hex.h"
#include "node/identity.h"
#include "node/locator.h"
#include "vec.h"

#define TS 1700000000000LL
#define CONTEXT "zt-locator-v1"

static struct vec_file v;
static struct zt_identity id1, id2;

static void setup(void)
{
	ck_assert_int_eq(zt_crypto_init(), ZT_OK);
	vec_load(&v, "identities.txt");
	ck_assert_int_eq(zt_identity_from_string(&id1, vec_get(&v, "id1.secret.str")), ZT_OK);
	ck_assert_int_eq(zt_identity_from_string(&id2, vec_get(&v, "id2.secret.str")), ZT_OK);
}

static void teardown(void)
{
	vec_free(&v);
}

static struct zt_inetaddr udp(const char *s)
{
	struct zt_inetaddr a;

	ck_assert_int_eq(zt_inetaddr_parse(&a, s), ZT_OK);
	return a;
}

/* id1's locator with two UDP endpoints and one custody root, signed. */
static void make_locator(struct zt_locator *loc, int64_t ts)
{
	struct zt_inetaddr a = udp("198.18.0.1/9993"), b = udp("2001:db8::1/9993");

	zt_locator_init(loc, &id1, ts);
	ck_assert(!loc->identity.has_private);
	ck_assert_int_eq(zt_locator_add_udp(loc, &b), ZT_OK);
	ck_assert_int_eq(zt_locator_add_zerotier(loc, 0x1122334455ULL), ZT_OK);
	ck_assert_int_eq(zt_locator_add_udp(loc, &a), ZT_OK);
	ck_assert_int_eq(zt_locator_sign(loc, &id1), ZT_OK);
}

/* Signs hand-made body bytes (everything but the signature) with id, as a writer of any version would. */
static size_t sign_body(uint8_t *out, const uint8_t *body, size_t n, const struct zt_identity *id)
{
	uint8_t msg[sizeof CONTEXT + ZT_LOCATOR_MAX_LENGTH];

	memcpy(msg, CONTEXT, sizeof CONTEXT);
	memcpy(msg + sizeof CONTEXT, body, n);
	memmove(out, body, n);
	ck_assert_int_eq(zt_identity_sign(id, msg, sizeof CONTEXT + n, out + n), ZT_OK);
	return n + ZT_LOCATOR_SIGNATURE_LEN;
}

/* ------------------------------------------------------------------ encodings */

START_TEST(rfc4648_vectors)
{
	static const struct { const char *in, *b32, *b64; } t[] = {
		{ "", "", "" },
		{ "f", "my", "Zg" },
		{ "fo", "mzxq", "Zm8" },
		{ "foo", "mzxw6", "Zm9v" },
		{ "foob", "mzxw6yq", "Zm9vYg" },
		{ "fooba", "mzxw6ytb", "Zm9vYmE" },
		{ "foobar", "mzxw6ytboi", "Zm9vYmFy" },
	};
	char out[32];
	uint8_t back[16];

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		size_t n = strlen(t[i].in);

		zt_base32_encode(out, t[i].in, n);
		ck_assert_str_eq(out, t[i].b32);
		ck_assert_uint_eq(zt_base32_encoded_len(n), strlen(t[i].b32));
		ck_assert_int_eq(zt_base32_decode(back, sizeof back, t[i].b32, strlen(t[i].b32)), (long)n);
		ck_assert_mem_eq(back, t[i].in, n);
		zt_base64url_encode(out, t[i].in, n);
		ck_assert_str_eq(out, t[i].b64);
		ck_assert_int_eq(zt_base64url_decode(back, sizeof back, t[i].b64, strlen(t[i].b64)), (long)n);
		ck_assert_mem_eq(back, t[i].in, n);
	}
	/* The URL-safe characters, and base32 in upper case (DNS does not preserve case). */
	uint8_t ff[3] = { 0xfb, 0xff, 0xbf };
	zt_base64url_encode(out, ff, 3);
	ck_assert_str_eq(out, "-_-_");
	ck_assert_int_eq(zt_base32_decode(back, sizeof back, "MZXW6YTBOI", 10), 6);
	ck_assert_mem_eq(back, "foobar", 6);
}
END_TEST

START_TEST(decoders_are_strict)
{
	uint8_t out[16];

	ck_assert_int_eq(zt_base32_decode(out, sizeof out, "my======", 8), -1);   /* padding */
	ck_assert_int_eq(zt_base32_decode(out, sizeof out, "mz", 2), -1);         /* unused bits not zero */
	ck_assert_int_eq(zt_base32_decode(out, sizeof out, "m", 1), -1);          /* impossible length */
	ck_assert_int_eq(zt_base32_decode(out, sizeof out, "mzx", 3), -1);        /* impossible length */
	ck_assert_int_eq(zt_base32_decode(out, sizeof out, "m1", 2), -1);         /* not in the alphabet */
	ck_assert_int_eq(zt_base64url_decode(out, sizeof out, "Zg==", 4), -1);
	ck_assert_int_eq(zt_base64url_decode(out, sizeof out, "Zh", 2), -1);
	ck_assert_int_eq(zt_base64url_decode(out, sizeof out, "Z", 1), -1);
	ck_assert_int_eq(zt_base64url_decode(out, sizeof out, "Zm+v", 4), -1);    /* standard base64 */
	ck_assert_int_eq(zt_base64url_decode(out, sizeof out, "Zm9 v", 5), -1);
	ck_assert_int_eq(zt_base64url_decode(out, 2, "Zm9v", 4), -1);             /* does not fit */
}
END_TEST

START_TEST(encodings_round_trip)
{
	uint8_t in[100], out[100];
	char text[200];

	for (size_t n = 0; n <= sizeof in; n++) {
		zt_random(in, n);
		zt_base32_encode(text, in, n);
		ck_assert_int_eq(zt_base32_decode(out, sizeof out, text, strlen(text)), (long)n);
		ck_assert_mem_eq(out, in, n);
		zt_base64url_encode(text, in, n);
		ck_assert_int_eq(zt_base64url_decode(out, sizeof out, text, strlen(text)), (long)n);
		ck_assert_mem_eq(out, in, n);
	}
}
END_TEST

/* ------------------------------------------------------------------ locators */

/* The exact bytes of version 1, field by field (docs/locators.md). */
START_TEST(binary_layout)
{
	struct zt_locator *loc = malloc(sizeof *loc);
	struct zt_wbuf w;
	uint8_t idbin[ZT_IDENTITY_PUBLIC_BINARY_LEN];
	const uint8_t *p;

	make_locator(loc, TS);
	w = zt_wbuf_init(idbin, sizeof idbin);
	zt_identity_write(&id1, false, &w);
	p = loc->raw;
	ck_assert_uint_eq(p[0], 1);
	ck_assert_uint_eq(zt_be64(p + 1), (uint64_t)TS);
	ck_assert_mem_eq(p + 9, idbin, sizeof idbin);
	p += 9 + sizeof idbin;
	ck_assert_uint_eq(p[0], 3);
	/* Sorted by encoded bytes: UDP (type 1) IPv4, UDP IPv6, then the custody root (type 2). */
	static const uint8_t eps[] = {
		0x01, 7, 0x04, 198, 18, 0, 1, 0x27, 0x09,
		0x01, 19, 0x06, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x27, 0x09,
		0x02, 5, 0x11, 0x22, 0x33, 0x44, 0x55,
		0x00, 0x00, /* no extension */
	};
	ck_assert_mem_eq(p + 1, eps, sizeof eps);
	ck_assert_uint_eq(loc->raw_len, 1 + 8 + 71 + 1 + sizeof eps + 96);
	ck_assert_uint_eq(loc->endpoints[0].type, ZT_ENDPOINT_UDP);
	ck_assert_uint_eq(loc->endpoints[2].zerotier, 0x1122334455ULL);
	ck_assert_mem_eq(loc->signature, loc->raw + loc->raw_len - 96, 96);
	/* The signature is the identity's 96-byte signature over the context string, its NUL, and the rest. */
	uint8_t msg[sizeof CONTEXT + ZT_LOCATOR_MAX_LENGTH], sig[96];
	memcpy(msg, CONTEXT, sizeof CONTEXT);
	memcpy(msg + sizeof CONTEXT, loc->raw, loc->raw_len - 96);
	ck_assert_int_eq(zt_identity_sign(&id1, msg, sizeof CONTEXT + loc->raw_len - 96, sig), ZT_OK);
	ck_assert_mem_eq(sig, loc->signature, 96);
	free(loc);
}
END_TEST

/* Signing is deterministic, so the format is pinned by one known answer (docs/locators.md §6). */
START_TEST(known_answer)
{
	static const char want[] =
		"loc1:ab22f757ef:AQAAAYvP5WgAqyL3V-8AHwUEWrovfa32SW-nIW3MmFspgowdsDKl4rlb7o3ucn6G4IPRk4KhsDaYgy1uO5K0GGLuALE"
		"sz6ZjdiRaIlFezAADAQcExhIAAScJARMGIAENuAAAAAAAAAAAAAAAAScJAgURIjNEVQAA3BMG69sY7nniRxnZ5FjLv5SQztTePMIM7seG"
		"B4v0NjYVPL2d2ABuw9g6Lb8sF7GyLYsY-_ms6l6NVcUiwY_hDgnEoFWsjLH6fl3Fj4qYZF1lCbKgApxv6OMQ0ZkK_CL1";
	struct zt_locator *loc = malloc(sizeof *loc);
	char text[ZT_LOCATOR_STRING_MAX];

	make_locator(loc, TS);
	ck_assert_int_eq(zt_locator_to_string(loc, text, sizeof text), (int)strlen(want));
	ck_assert_str_eq(text, want);
	ck_assert_uint_eq(loc->raw_len, 216);
	free(loc);
}
END_TEST

START_TEST(round_trips)
{
	struct zt_locator *a = malloc(sizeof *a), *b = malloc(sizeof *b);
	char text[ZT_LOCATOR_STRING_MAX], addr[11];
	int n;

	make_locator(a, TS);
	ck_assert(zt_locator_verify(a));
	ck_assert_int_eq(zt_locator_parse(b, a->raw, a->raw_len), ZT_OK);
	ck_assert_uint_eq(b->raw_len, a->raw_len);
	ck_assert_mem_eq(b->raw, a->raw, a->raw_len);
	ck_assert(zt_identity_equal(&a->identity, &b->identity));
	ck_assert_int_eq(b->timestamp, TS);
	ck_assert(zt_locator_verify(b));

	n = zt_locator_to_string(a, text, sizeof text);
	ck_assert_int_eq(n, (int)strlen(text));
	zt_address_format(addr, id1.address);
	ck_assert(!strncmp(text, "loc1:", 5) && !strncmp(text + 5, addr, 10) && text[15] == ':');
	ck_assert_int_eq(zt_locator_to_string(a, text, (size_t)n), ZT_ENOSPACE);
	ck_assert_int_eq(zt_locator_to_string(a, text, (size_t)n + 1), n);
	ck_assert_int_eq(zt_locator_from_string(b, text), ZT_OK);
	ck_assert_mem_eq(b->raw, a->raw, a->raw_len);
	/* Surrounding whitespace, as in a file. */
	char spaced[ZT_LOCATOR_STRING_MAX + 4];
	snprintf(spaced, sizeof spaced, "  %s\n", text);
	ck_assert_int_eq(zt_locator_from_string(b, spaced), ZT_OK);

	/* Signing is deterministic and the order of the add calls does not matter. */
	struct zt_inetaddr x = udp("198.18.0.1/9993"), y = udp("2001:db8::1/9993");
	zt_locator_init(b, &id1, TS);
	ck_assert_int_eq(zt_locator_add_udp(b, &x), ZT_OK);
	ck_assert_int_eq(zt_locator_add_udp(b, &y), ZT_OK);
	ck_assert_int_eq(zt_locator_add_zerotier(b, 0x1122334455ULL), ZT_OK);
	ck_assert_int_eq(zt_locator_sign(b, &id1), ZT_OK);
	ck_assert_mem_eq(b->raw, a->raw, a->raw_len);
	ck_assert(zt_locator_has_udp(b, &y));
	free(a);
	free(b);
}
END_TEST

START_TEST(read_advances_over_concatenated_locators)
{
	struct zt_locator *a = malloc(sizeof *a), *b = malloc(sizeof *b);
	uint8_t two[2 * ZT_LOCATOR_MAX_LENGTH];
	struct zt_buf r;

	make_locator(a, TS);
	memcpy(two, a->raw, a->raw_len);
	memcpy(two + a->raw_len, a->raw, a->raw_len);
	r = zt_buf_init(two, 2 * a->raw_len);
	ck_assert_int_eq(zt_locator_read(b, &r), ZT_OK);
	ck_assert_int_eq(zt_locator_read(b, &r), ZT_OK);
	ck_assert_uint_eq(zt_buf_left(&r), 0);
	/* parse wants exactly one */
	ck_assert_int_eq(zt_locator_parse(b, two, a->raw_len + 1), ZT_EMALFORMED);
	free(a);
	free(b);
}
END_TEST

START_TEST(every_truncation_fails)
{
	struct zt_locator *a = malloc(sizeof *a), *b = malloc(sizeof *b);

	make_locator(a, TS);
	for (size_t n = 0; n < a->raw_len; n++) {
		ck_assert_int_eq(zt_locator_parse(b, a->raw, n), ZT_ETRUNCATED);
		ck_assert_uint_eq(b->raw_len, 0);
	}
	free(a);
	free(b);
}
END_TEST

/* Any single changed bit is caught: either the bytes no longer parse, or the signature fails. */
START_TEST(tampering_is_detected)
{
	struct zt_locator *a = malloc(sizeof *a), *b = malloc(sizeof *b);
	uint8_t buf[ZT_LOCATOR_MAX_LENGTH];

	make_locator(a, TS);
	for (size_t i = 0; i < a->raw_len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			memcpy(buf, a->raw, a->raw_len);
			buf[i] ^= (uint8_t)(1 << bit);
			if (zt_locator_parse(b, buf, a->raw_len) == ZT_OK)
				ck_assert_msg(!zt_locator_verify(b), "byte %zu bit %d flipped and still verifies", i, bit);
		}
	}
	free(a);
	free(b);
}
END_TEST

START_TEST(wrong_key)
{
	struct zt_locator *a = malloc(sizeof *a), *b = malloc(sizeof *b);
	struct zt_identity pub2 = id2;
	uint8_t buf[ZT_LOCATOR_MAX_LENGTH];
	struct zt_wbuf w;

	make_locator(a, TS);
	/* Another identity cannot sign id1's locator... */
	ck_assert_int_eq(zt_locator_sign(a, &id2), ZT_EINVALID);
	/* ...nor can a public identity sign at all... */
	pub2.has_private = false;
	zt_locator_init(b, &pub2, TS);
	ck_assert_int_eq(zt_locator_sign(b, &pub2), ZT_EINVALID);
	/* ...and id1's signature does not carry over to a locator naming id2. */
	memcpy(buf, a->raw, a->raw_len);
	w = zt_wbuf_init(buf + 9, ZT_IDENTITY_PUBLIC_BINARY_LEN);
	zt_identity_write(&id2, false, &w);
	ck_assert_int_eq(zt_locator_parse(b, buf, a->raw_len), ZT_OK);
	ck_assert(!zt_locator_verify(b));
	ck_assert_int_eq(zt_locator_check_update(NULL, b), ZT_EAUTH);
	/* A signature by id2 over id1's locator is refused too. */
	ck_assert_uint_eq(sign_body(buf, a->raw, a->raw_len - 96, &id2), a->raw_len);
	ck_assert_int_eq(zt_locator_parse(b, buf, a->raw_len), ZT_OK);
	ck_assert(!zt_locator_verify(b));
	free(a);
	free(b);
}
END_TEST

START_TEST(newer_replaces_older)
{
	struct zt_locator *old = malloc(sizeof *old), *cur = malloc(sizeof *cur), *other = malloc(sizeof *other);
	struct zt_inetaddr z = udp("203.0.113.9/9993");

	make_locator(old, TS);
	make_locator(cur, TS + 1);
	ck_assert_int_eq(zt_locator_check_update(NULL, old), ZT_OK);
	ck_assert_int_eq(zt_locator_check_update(old, cur), ZT_OK);
	ck_assert_int_eq(zt_locator_check_update(cur, old), ZT_ESTALE);
	ck_assert_int_eq(zt_locator_check_update(cur, cur), ZT_EEXIST);
	/* Same timestamp, other content: the first one seen stays. */
	make_locator(other, TS + 1);
	ck_assert_int_eq(zt_locator_add_udp(other, &z), ZT_OK);
	ck_assert_int_eq(zt_locator_sign(other, &id1), ZT_OK);
	ck_assert_int_eq(zt_locator_check_update(cur, other), ZT_ESTALE);
	/* Another node's locator never replaces this one, however new. */
	zt_locator_init(other, &id2, TS + 100);
	ck_assert_int_eq(zt_locator_add_udp(other, &z), ZT_OK);
	ck_assert_int_eq(zt_locator_sign(other, &id2), ZT_OK);
	ck_assert_int_eq(zt_locator_check_update(cur, other), ZT_EINVALID);
	free(old);
	free(cur);
	free(other);
}
END_TEST

START_TEST(add_rules)
{
	struct zt_locator *loc = malloc(sizeof *loc);
	struct zt_inetaddr a = udp("198.18.0.1/9993"), nil, noport = udp("198.18.0.1");

	memset(&nil, 0, sizeof nil);
	zt_locator_init(loc, &id1, TS);
	ck_assert_int_eq(zt_locator_add_udp(loc, &nil), ZT_EINVALID);
	ck_assert_int_eq(zt_locator_add_udp(loc, &noport), ZT_EINVALID);
	ck_assert_int_eq(zt_locator_add_udp(loc, &a), ZT_OK);
	ck_assert_int_eq(zt_locator_add_udp(loc, &a), ZT_EEXIST);
	ck_assert_int_eq(zt_locator_add_zerotier(loc, 0), ZT_ERESERVED);
	ck_assert_int_eq(zt_locator_add_zerotier(loc, 0xff00000001ULL), ZT_ERESERVED);
	ck_assert_int_eq(zt_locator_add_zerotier(loc, 1ULL << 40), ZT_ERESERVED);
	ck_assert_int_eq(zt_locator_add_zerotier(loc, id1.address), ZT_EINVALID);
	ck_assert_int_eq(zt_locator_add_zerotier(loc, 0x0102030405ULL), ZT_OK);
	ck_assert_int_eq(zt_locator_add_zerotier(loc, 0x0102030405ULL), ZT_EEXIST);
	for (int i = 2; i < ZT_LOCATOR_MAX_ENDPOINTS; i++)
		ck_assert_int_eq(zt_locator_add_zerotier(loc, 0x0102030405ULL + (uint64_t)i), ZT_OK);
	ck_assert_int_eq(zt_locator_add_zerotier(loc, 0x0a0a0a0a0aULL), ZT_ETOOBIG);
	ck_assert_int_eq(zt_locator_sign(loc, &id1), ZT_OK);
	ck_assert_uint_eq(loc->endpoint_count, ZT_LOCATOR_MAX_ENDPOINTS);
	ck_assert(zt_locator_verify(loc));
	/* Zero endpoints is a valid locator ("reachable nowhere right now"). */
	zt_locator_init(loc, &id1, TS);
	ck_assert_int_eq(zt_locator_sign(loc, &id1), ZT_OK);
	ck_assert_uint_eq(loc->raw_len, ZT_LOCATOR_MIN_LENGTH);
	ck_assert(zt_locator_verify(loc));
	free(loc);
}
END_TEST

/* Builds body bytes: header for id1 at TS, then `eps` (count n), then an extension. */
static size_t body(uint8_t *out, const uint8_t *eps, size_t eps_len, unsigned n, const uint8_t *ext, size_t ext_len)
{
	struct zt_wbuf w = zt_wbuf_init(out, ZT_LOCATOR_MAX_LENGTH);

	zt_wbuf_u8(&w, 1);
	zt_wbuf_u64(&w, (uint64_t)TS);
	zt_identity_write(&id1, false, &w);
	zt_wbuf_u8(&w, (uint8_t)n);
	zt_wbuf_put(&w, eps, eps_len);
	zt_wbuf_u16(&w, (uint16_t)ext_len);
	zt_wbuf_put(&w, ext, ext_len);
	ck_assert(!w.err);
	return w.len;
}

static zt_err parse_signed(struct zt_locator *loc, const uint8_t *eps, size_t eps_len, unsigned n)
{
	uint8_t b[ZT_LOCATOR_MAX_LENGTH];
	size_t len = body(b, eps, eps_len, n, NULL, 0);

	return zt_locator_parse(loc, b, sign_body(b, b, len, &id1));
}

START_TEST(parser_rejects)
{
	struct zt_locator *loc = malloc(sizeof *loc), *good = malloc(sizeof *good);
	uint8_t buf[ZT_LOCATOR_MAX_LENGTH];
	static const uint8_t v4[] = { 0x01, 7, 0x04, 198, 18, 0, 1, 0x27, 0x09 };
	static const uint8_t v4b[] = { 0x01, 7, 0x04, 198, 18, 0, 2, 0x27, 0x09 };
	uint8_t two[sizeof v4 * 2];

	ck_assert_int_eq(parse_signed(loc, v4, sizeof v4, 1), ZT_OK);
	/* Out of order, and twice the same. */
	memcpy(two, v4b, sizeof v4b);
	memcpy(two + sizeof v4b, v4, sizeof v4);
	ck_assert_int_eq(parse_signed(loc, two, sizeof two, 2), ZT_EMALFORMED);
	memcpy(two + sizeof v4b, v4b, sizeof v4b);
	ck_assert_int_eq(parse_signed(loc, two, sizeof two, 2), ZT_EMALFORMED);
	/* Bad UDP values: nil, a skipped reserved type, port 0, a length that does not match. */
	static const uint8_t nil[] = { 0x01, 1, 0x00 };
	static const uint8_t rsv[] = { 0x01, 7, 0x01, 0, 0, 0, 0, 0, 0 };
	static const uint8_t port0[] = { 0x01, 7, 0x04, 198, 18, 0, 1, 0, 0 };
	static const uint8_t longer[] = { 0x01, 8, 0x04, 198, 18, 0, 1, 0x27, 0x09, 0 };
	static const uint8_t shorter[] = { 0x01, 6, 0x04, 198, 18, 0, 1, 0x27 };
	ck_assert_int_eq(parse_signed(loc, nil, sizeof nil, 1), ZT_EMALFORMED);
	ck_assert_int_eq(parse_signed(loc, rsv, sizeof rsv, 1), ZT_EMALFORMED);
	ck_assert_int_eq(parse_signed(loc, port0, sizeof port0, 1), ZT_EMALFORMED);
	ck_assert_int_eq(parse_signed(loc, longer, sizeof longer, 1), ZT_EMALFORMED);
	ck_assert_int_eq(parse_signed(loc, shorter, sizeof shorter, 1), ZT_EMALFORMED);
	/* Custody roots: 5 bytes, not reserved, not the node itself. */
	static const uint8_t zt4[] = { 0x02, 4, 1, 2, 3, 4 };
	static const uint8_t ztres[] = { 0x02, 5, 0xff, 1, 2, 3, 4 };
	uint8_t ztself[] = { 0x02, 5, 0, 0, 0, 0, 0 };
	zt_put_be40(ztself + 2, id1.address);
	ck_assert_int_eq(parse_signed(loc, zt4, sizeof zt4, 1), ZT_EMALFORMED);
	ck_assert_int_eq(parse_signed(loc, ztres, sizeof ztres, 1), ZT_ERESERVED);
	ck_assert_int_eq(parse_signed(loc, ztself, sizeof ztself, 1), ZT_EMALFORMED);
	/* Type 0 is never written. */
	static const uint8_t type0[] = { 0x00, 0 };
	ck_assert_int_eq(parse_signed(loc, type0, sizeof type0, 1), ZT_EMALFORMED);
	/* More than 16 endpoints. */
	ck_assert_int_eq(parse_signed(loc, NULL, 0, 17), ZT_ETOOBIG);
	/* Version, timestamp sign bit, a private key, trailing bytes. */
	make_locator(good, TS);
	memcpy(buf, good->raw, good->raw_len);
	buf[0] = 2;
	ck_assert_int_eq(zt_locator_parse(loc, buf, good->raw_len), ZT_EUNSUPPORTED);
	buf[0] = 1;
	buf[1] = 0x80;
	ck_assert_int_eq(zt_locator_parse(loc, buf, good->raw_len), ZT_EMALFORMED);
	buf[1] = 0;
	buf[9 + 5] = 1; /* the identity's type byte */
	ck_assert_int_eq(zt_locator_parse(loc, buf, good->raw_len), ZT_EUNSUPPORTED);
	struct zt_wbuf w = zt_wbuf_init(buf, sizeof buf);
	zt_wbuf_u8(&w, 1);
	zt_wbuf_u64(&w, (uint64_t)TS);
	zt_identity_write(&id1, true, &w);
	zt_wbuf_u8(&w, 0);
	zt_wbuf_u16(&w, 0);
	zt_wbuf_reserve(&w, 96);
	ck_assert_int_eq(zt_locator_parse(loc, buf, w.len), ZT_EMALFORMED);
	memcpy(buf, good->raw, good->raw_len);
	ck_assert_int_eq(zt_locator_parse(loc, buf, good->raw_len + 1), ZT_EMALFORMED);
	/* Over the size limit: the first 1024 bytes are not a whole locator. */
	uint8_t *big = calloc(1, 2 * ZT_LOCATOR_MAX_LENGTH);
	static const uint8_t unknown_hdr[] = { 0x7f, 255 };
	size_t off = body(big, NULL, 0, 5, NULL, 0) - 2;
	for (int i = 0; i < 5; i++) {
		memcpy(big + off, unknown_hdr, 2);
		big[off + 2] = (uint8_t)i; /* keep them distinct and ascending */
		off += 2 + 255;
	}
	ck_assert_int_eq(zt_locator_parse(loc, big, off + 2 + 96), ZT_ETOOBIG);
	free(big);
	free(loc);
	free(good);
}
END_TEST

/* Endpoint types and extensions from a later version are carried along, so the signature still checks. */
START_TEST(unknown_types_are_kept)
{
	struct zt_locator *loc = malloc(sizeof *loc), *back = malloc(sizeof *back);
	static const uint8_t eps[] = { 0x01, 7, 0x04, 198, 18, 0, 1, 0x27, 0x09, 0x7f, 3, 'a', 'b', 'c' };
	static const uint8_t ext[] = { 0xde, 0xad };
	uint8_t b[ZT_LOCATOR_MAX_LENGTH];
	char text[ZT_LOCATOR_STRING_MAX];
	size_t len = body(b, eps, sizeof eps, 2, ext, sizeof ext);

	len = sign_body(b, b, len, &id1);
	ck_assert_int_eq(zt_locator_parse(loc, b, len), ZT_OK);
	ck_assert(zt_locator_verify(loc));
	ck_assert_uint_eq(loc->endpoint_count, 2);
	ck_assert_uint_eq(loc->endpoints[1].type, 0x7f);
	ck_assert_uint_eq(loc->endpoints[1].len, 3);
	ck_assert_mem_eq(loc->raw + loc->endpoints[1].raw_off, "abc", 3);
	ck_assert_uint_eq(loc->ext_len, 2);
	ck_assert_mem_eq(loc->raw + loc->ext_off, ext, 2);
	ck_assert_int_gt(zt_locator_to_string(loc, text, sizeof text), 0);
	ck_assert_int_eq(zt_locator_from_string(back, text), ZT_OK);
	ck_assert(zt_locator_verify(back));
	/* Re-signing (a new timestamp) keeps both. */
	back->timestamp = TS + 5;
	ck_assert_int_eq(zt_locator_sign(back, &id1), ZT_OK);
	ck_assert(zt_locator_verify(back));
	ck_assert_uint_eq(back->endpoint_count, 2);
	ck_assert_mem_eq(back->raw + back->endpoints[1].raw_off, "abc", 3);
	ck_assert_mem_eq(back->raw + back->ext_off, ext, 2);
	ck_assert_int_eq(zt_locator_check_update(loc, back), ZT_OK);
	free(loc);
	free(back);
}
END_TEST

START_TEST(text_form_rejects)
{
	struct zt_locator *loc = malloc(sizeof *loc), *good = malloc(sizeof *good);
	char text[ZT_LOCATOR_STRING_MAX], bad[ZT_LOCATOR_STRING_MAX];

	make_locator(good, TS);
	zt_locator_to_string(good, text, sizeof text);
	ck_assert_int_eq(zt_locator_from_string(loc, ""), ZT_EMALFORMED);
	ck_assert_int_eq(zt_locator_from_string(loc, "loc1:"), ZT_EMALFORMED);
	memcpy(bad, text, sizeof text);
	bad[3] = '2';
	ck_assert_int_eq(zt_locator_from_string(loc, bad), ZT_EMALFORMED);
	/* The address in the text must be the identity's. */
	memcpy(bad, text, sizeof text);
	bad[5] = bad[5] == '1' ? '2' : '1';
	ck_assert_int_eq(zt_locator_from_string(loc, bad), ZT_EMALFORMED);
	/* Not base64url, or cut. */
	memcpy(bad, text, sizeof text);
	bad[20] = '+';
	ck_assert_int_eq(zt_locator_from_string(loc, bad), ZT_EMALFORMED);
	memcpy(bad, text, sizeof text);
	bad[strlen(bad) - 4] = '\0';
	ck_assert_int_ne(zt_locator_from_string(loc, bad), ZT_OK);
	/* An unsigned locator has no text form. */
	zt_locator_init(loc, &id1, TS);
	ck_assert_int_eq(zt_locator_to_string(loc, text, sizeof text), ZT_EINVALID);
	free(loc);
	free(good);
}
END_TEST

START_TEST(too_big_to_sign)
{
	struct zt_locator *loc = malloc(sizeof *loc);
	static const uint8_t one[] = { 0x7f, 200 };
	uint8_t eps[5 * 202], b[ZT_LOCATOR_MAX_LENGTH];
	size_t len;

	/* Four 200-byte unknown endpoints fit; re-signing with a fifth one added by hand does not. */
	for (int i = 0; i < 5; i++) {
		memcpy(eps + i * 202, one, 2);
		memset(eps + i * 202 + 2, i, 200);
	}
	len = body(b, eps, 4 * 202, 4, NULL, 0);
	ck_assert_int_eq(zt_locator_parse(loc, b, sign_body(b, b, len, &id1)), ZT_OK);
	loc->endpoints[4] = loc->endpoints[3];
	loc->endpoints[4].raw_off = loc->endpoints[2].raw_off;
	loc->endpoint_count = 5;
	loc->endpoints[4].type = 0x7e;
	ck_assert_int_eq(zt_locator_sign(loc, &id1), ZT_ETOOBIG);
	free(loc);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("locator");
	TCase *tc = tcase_create("encoding");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, rfc4648_vectors);
	tcase_add_test(tc, decoders_are_strict);
	tcase_add_test(tc, encodings_round_trip);
	suite_add_tcase(s, tc);
	tc = tcase_create("locator");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, binary_layout);
	tcase_add_test(tc, known_answer);
	tcase_add_test(tc, round_trips);
	tcase_add_test(tc, read_advances_over_concatenated_locators);
	tcase_add_test(tc, every_truncation_fails);
	tcase_add_test(tc, tampering_is_detected);
	tcase_add_test(tc, wrong_key);
	tcase_add_test(tc, newer_replaces_older);
	tcase_add_test(tc, add_rules);
	tcase_add_test(tc, parser_rejects);
	tcase_add_test(tc, unknown_types_are_kept);
	tcase_add_test(tc, text_form_rejects);
	tcase_add_test(tc, too_big_to_sign);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
