/* SPDX-License-Identifier: Apache-2.0 */
/* Type-0 identities against selftest.txt, identities.txt and lab/identities.txt (README §1, §2, §4). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/crypto.h"
#include "node/hex.h"
#include "node/identity.h"
#include "vec.h"

static struct vec_file st, ids, lab;

static void setup(void)
{
	ck_assert_int_eq(zt_crypto_init(), ZT_OK);
	vec_load(&st, "selftest.txt");
	vec_load(&ids, "identities.txt");
	vec_load(&lab, "lab/identities.txt");
}

static void teardown(void)
{
	vec_free(&st);
	vec_free(&ids);
	vec_free(&lab);
}

/* Hex field "<prefix>.<field>" of file f, which must exist and have length n. */
static void getx(const struct vec_file *f, const char *prefix, const char *field, uint8_t *out, size_t n)
{
	const char *s = vec_getf(f, "%s.%s", prefix, field);
	ck_assert_msg(s != NULL, "missing %s.%s", prefix, field);
	ck_assert_uint_eq(vec_hex(s, out, n), n);
}

static const char *gets(const struct vec_file *f, const char *prefix, const char *field)
{
	const char *s = vec_getf(f, "%s.%s", prefix, field);
	ck_assert_msg(s != NULL, "missing %s.%s", prefix, field);
	return s;
}

static void parse(struct zt_identity *id, const char *s)
{
	zt_err err = zt_identity_from_string(id, s);
	ck_assert_msg(err == ZT_OK, "parse `%s': %s", s, zt_strerror(err));
}

static void check_digest(const struct vec_file *f, const char *prefix, const struct zt_identity *id)
{
	uint8_t want[64], got[64];
	getx(f, prefix, "memhard_digest", want, sizeof want);
	ck_assert_int_eq(zt_identity_memhard_digest(got, id->pub), ZT_OK);
	ck_assert_msg(!memcmp(got, want, sizeof want), "%s memhard digest", prefix);
	ck_assert_msg(got[0] < 17, "%s digest[0]", prefix);
}

/* The string form reproduced by to_string must be the input (vectors are lowercase, no whitespace). */
static void check_string_roundtrip(const struct zt_identity *id, bool priv, const char *want)
{
	char out[ZT_IDENTITY_STRING_MAX];
	struct zt_identity again;
	int n = zt_identity_to_string(id, priv, out, sizeof out);
	ck_assert_int_eq(n, (int)strlen(want));
	ck_assert_str_eq(out, want);
	parse(&again, out);
	ck_assert(zt_identity_equal(id, &again));
	ck_assert_int_eq(again.has_private, priv && id->has_private);
	if (again.has_private)
		ck_assert_mem_eq(again.priv, id->priv, 64);
}

START_TEST(selftest_identities)
{
	for (int i = 0; i < 2; i++) {
		char prefix[32];
		uint8_t pub[64], priv[64], addr[5], half[32];
		struct zt_identity id;
		snprintf(prefix, sizeof prefix, "identity.%d", i);
		parse(&id, gets(&st, prefix, "str"));
		getx(&st, prefix, "address", addr, 5);
		getx(&st, prefix, "public", pub, 64);
		getx(&st, prefix, "private", priv, 64);
		ck_assert_uint_eq(id.address, zt_be40(addr));
		ck_assert_uint_eq(id.type, ZT_IDENTITY_TYPE_C25519);
		ck_assert(id.has_private);
		ck_assert_mem_eq(id.pub, pub, 64);
		ck_assert_mem_eq(id.priv, priv, 64);
		zt_x25519_public(half, priv);
		ck_assert_mem_eq(half, pub, 32);
		zt_ed25519_public(half, priv + 32);
		ck_assert_mem_eq(half, pub + 32, 32);

		/* Both share one key, so one digest; only the address decides. */
		check_digest(&st, prefix, &id);
		int valid = atoi(gets(&st, prefix, "valid.int"));
		ck_assert_int_eq(zt_identity_validate(&id), valid ? ZT_OK : ZT_EINVALID);
		zt_identity_wipe(&id);
		ck_assert(!id.has_private);
		ck_assert_int_eq(zt_identity_validate(&id), valid ? ZT_OK : ZT_EINVALID);
	}
}
END_TEST

/* README §2 tests 1, 2 and 4: parse, reserialize, binary form, public from secret. */
START_TEST(vector_identities_forms)
{
	for (int i = 1; i <= 3; i++) {
		char prefix[8];
		uint8_t addr[5], pub[64], priv[64], serialized[ZT_IDENTITY_PUBLIC_BINARY_LEN], wire[256], derived[64];
		struct zt_identity pubid, secid, back;
		snprintf(prefix, sizeof prefix, "id%d", i);
		getx(&ids, prefix, "address", addr, 5);
		getx(&ids, prefix, "public", pub, 64);
		getx(&ids, prefix, "private", priv, 64);
		getx(&ids, prefix, "serialized", serialized, sizeof serialized);

		parse(&pubid, gets(&ids, prefix, "public.str"));
		parse(&secid, gets(&ids, prefix, "secret.str"));
		ck_assert_uint_eq(pubid.address, zt_be40(addr));
		ck_assert(!pubid.has_private);
		ck_assert(secid.has_private);
		ck_assert_mem_eq(pubid.pub, pub, 64);
		ck_assert_mem_eq(secid.priv, priv, 64);
		ck_assert(zt_identity_equal(&pubid, &secid));

		check_string_roundtrip(&pubid, true, gets(&ids, prefix, "public.str"));
		check_string_roundtrip(&secid, true, gets(&ids, prefix, "secret.str"));
		/* The public form of the secret identity is the published public string. */
		check_string_roundtrip(&secid, false, gets(&ids, prefix, "public.str"));

		/* Binary public form, from either parse. */
		struct zt_wbuf w = zt_wbuf_init(wire, sizeof wire);
		zt_identity_write(&secid, false, &w);
		ck_assert(!w.err);
		ck_assert_uint_eq(w.len, ZT_IDENTITY_PUBLIC_BINARY_LEN);
		ck_assert_mem_eq(wire, serialized, sizeof serialized);
		w = zt_wbuf_init(wire, sizeof wire);
		zt_identity_write(&pubid, true, &w);
		ck_assert_uint_eq(w.len, ZT_IDENTITY_PUBLIC_BINARY_LEN);
		ck_assert_mem_eq(wire, serialized, sizeof serialized);
		struct zt_buf b = zt_buf_init(serialized, sizeof serialized);
		ck_assert_int_eq(zt_identity_read(&back, &b), ZT_OK);
		ck_assert_uint_eq(zt_buf_left(&b), 0);
		ck_assert(zt_identity_equal(&back, &pubid));
		ck_assert(!back.has_private);

		/* Binary secret form: 135 bytes, private key preserved, nothing read past it. */
		w = zt_wbuf_init(wire, sizeof wire);
		zt_identity_write(&secid, true, &w);
		ck_assert_uint_eq(w.len, ZT_IDENTITY_SECRET_BINARY_LEN);
		ck_assert_uint_eq(wire[70], 64);
		wire[w.len] = 0xaa;
		b = zt_buf_init(wire, w.len + 1);
		ck_assert_int_eq(zt_identity_read(&back, &b), ZT_OK);
		ck_assert_uint_eq(zt_buf_left(&b), 1);
		ck_assert(zt_identity_equal(&back, &secid));
		ck_assert(back.has_private);
		ck_assert_mem_eq(back.priv, priv, 64);

		zt_c25519_public(derived, secid.priv);
		ck_assert_mem_eq(derived, pubid.pub, 64);
		zt_identity_wipe(&secid);
		zt_identity_wipe(&back);
	}
}
END_TEST

/* README §2 test 3. */
START_TEST(vector_identities_validate)
{
	for (int i = 1; i <= 3; i++) {
		char prefix[8];
		struct zt_identity pubid, secid;
		snprintf(prefix, sizeof prefix, "id%d", i);
		parse(&pubid, gets(&ids, prefix, "public.str"));
		parse(&secid, gets(&ids, prefix, "secret.str"));
		check_digest(&ids, prefix, &pubid);
		ck_assert_int_eq(zt_identity_validate(&pubid), ZT_OK);
		ck_assert_int_eq(zt_identity_validate(&secid), ZT_OK);
		zt_identity_wipe(&secid);
	}
}
END_TEST

START_TEST(validate_rejects_foreign_private_key)
{
	struct zt_identity id1, id2;
	parse(&id1, gets(&ids, "id1", "secret.str"));
	parse(&id2, gets(&ids, "id2", "secret.str"));
	memcpy(id1.priv, id2.priv, 64);
	ck_assert_int_eq(zt_identity_validate(&id1), ZT_EINVALID);
	/* Same key, one flipped public bit: the digest no longer gives the address. */
	parse(&id1, gets(&ids, "id1", "public.str"));
	id1.pub[40] ^= 1;
	ck_assert_int_eq(zt_identity_validate(&id1), ZT_EINVALID);
	zt_identity_wipe(&id1);
	zt_identity_wipe(&id2);
}
END_TEST

/* README §2 test 5. */
START_TEST(vector_pair12_agreement)
{
	static const uint8_t kbkdf0[] = { 0, 0, 0, 0, 0x5a, 0x54, 0x30, 0, 0, 0, 0, 0x01, 0x80 };
	static const uint8_t kbkdf1[] = { 0, 0, 0, 0, 0x5a, 0x54, 0x31, 0, 0, 0, 0, 0x01, 0x80 };
	uint8_t raw[32], key[48], k0[48], k1[48], got12[48], got21[48], h[64];
	struct zt_identity id1, id2, id1pub;
	getx(&ids, "pair12", "x25519", raw, sizeof raw);
	getx(&ids, "pair12", "key", key, sizeof key);
	getx(&ids, "pair12", "k0", k0, sizeof k0);
	getx(&ids, "pair12", "k1", k1, sizeof k1);
	parse(&id1, gets(&ids, "id1", "secret.str"));
	parse(&id2, gets(&ids, "id2", "secret.str"));
	parse(&id1pub, gets(&ids, "id1", "public.str"));

	/* The wrappers do not expose raw X25519, so tie the raw vector to K through its definition. */
	zt_sha512(h, raw, sizeof raw);
	ck_assert_mem_eq(h, key, 48);

	ck_assert_int_eq(zt_identity_agree(&id1, &id2, got12), ZT_OK);
	ck_assert_int_eq(zt_identity_agree(&id2, &id1, got21), ZT_OK);
	ck_assert_mem_eq(got12, key, 48);
	ck_assert_mem_eq(got21, key, 48);
	ck_assert_int_eq(zt_identity_agree(&id2, &id1pub, got21), ZT_OK);
	ck_assert_mem_eq(got21, key, 48);
	ck_assert_int_eq(zt_identity_agree(&id1pub, &id2, got21), ZT_EINVALID);

	ck_assert_int_eq(zt_hmac_sha384(h, got12, 48, kbkdf0, sizeof kbkdf0), ZT_OK);
	ck_assert_mem_eq(h, k0, 48);
	ck_assert_int_eq(zt_hmac_sha384(h, got12, 48, kbkdf1, sizeof kbkdf1), ZT_OK);
	ck_assert_mem_eq(h, k1, 48);

	/* A low-order (all-zero) public key is refused. */
	memset(id1pub.pub, 0, 64);
	ck_assert_int_eq(zt_identity_agree(&id2, &id1pub, got21), ZT_EINVALID);
	zt_identity_wipe(&id1);
	zt_identity_wipe(&id2);
}
END_TEST

/* README §2 test 6, plus signature length checks. */
START_TEST(vector_sig1)
{
	uint8_t want[96], msg[64], sig[96], big[97];
	struct zt_identity id1, id1pub, id2;
	const char *text = gets(&ids, "sig1", "message.str");
	size_t n = vec_hex(gets(&ids, "sig1", "message"), msg, sizeof msg);
	ck_assert_uint_eq(n, strlen(text));
	ck_assert_mem_eq(msg, text, n);
	getx(&ids, "sig1", "signature", want, sizeof want);
	parse(&id1, gets(&ids, "id1", "secret.str"));
	parse(&id1pub, gets(&ids, "id1", "public.str"));
	parse(&id2, gets(&ids, "id2", "public.str"));

	ck_assert_int_eq(zt_identity_sign(&id1, msg, n, sig), ZT_OK);
	ck_assert_mem_eq(sig, want, 96);
	ck_assert(zt_identity_verify(&id1pub, msg, n, sig, 96));
	ck_assert(zt_identity_verify(&id1, msg, n, sig, 96));
	ck_assert(!zt_identity_verify(&id2, msg, n, sig, 96));
	msg[0] ^= 0x20;
	ck_assert(!zt_identity_verify(&id1pub, msg, n, sig, 96));
	msg[0] ^= 0x20;
	ck_assert(!zt_identity_verify(&id1pub, msg, n - 1, sig, 96));
	sig[10] ^= 1;
	ck_assert(!zt_identity_verify(&id1pub, msg, n, sig, 96));
	sig[10] ^= 1;

	/* Wrong lengths fail even when the first 96 bytes are a good signature. */
	memcpy(big, sig, 96);
	big[96] = 0;
	ck_assert(!zt_identity_verify(&id1pub, msg, n, big, 97));
	ck_assert(!zt_identity_verify(&id1pub, msg, n, sig, 95));
	ck_assert(!zt_identity_verify(&id1pub, msg, n, sig, 64));
	ck_assert(!zt_identity_verify(&id1pub, msg, n, sig, 0));

	ck_assert_int_eq(zt_identity_sign(&id1pub, msg, n, sig), ZT_EINVALID);
	zt_identity_wipe(&id1);
}
END_TEST

START_TEST(lab_identities)
{
	static const char *const nodes[] = { "root", "a", "b" };
	for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++) {
		struct zt_identity pubid, secid;
		uint8_t addr[5];
		parse(&pubid, gets(&lab, nodes[i], "public.str"));
		parse(&secid, gets(&lab, nodes[i], "secret.str"));
		getx(&lab, nodes[i], "address", addr, 5);
		ck_assert_uint_eq(pubid.address, zt_be40(addr));
		ck_assert(zt_identity_equal(&pubid, &secid));
		check_digest(&lab, nodes[i], &pubid);
		ck_assert_int_eq(zt_identity_validate(&secid), ZT_OK);
		check_string_roundtrip(&secid, true, gets(&lab, nodes[i], "secret.str"));
		check_string_roundtrip(&secid, false, gets(&lab, nodes[i], "public.str"));
		zt_identity_wipe(&secid);
	}
}
END_TEST

START_TEST(generate_roundtrips)
{
	struct zt_identity id, back;
	char s[ZT_IDENTITY_STRING_MAX];
	uint8_t wire[ZT_IDENTITY_SECRET_BINARY_LEN];
	uint8_t sig[96];

	ck_assert_int_eq(zt_identity_generate(&id), ZT_OK);
	ck_assert(id.has_private);
	ck_assert_uint_eq(id.type, ZT_IDENTITY_TYPE_C25519);
	ck_assert(!zt_address_is_reserved(id.address));
	ck_assert_int_eq(zt_identity_validate(&id), ZT_OK);

	ck_assert_int_eq(zt_identity_to_string(&id, true, s, sizeof s), ZT_IDENTITY_SECRET_STRING_LEN);
	parse(&back, s);
	ck_assert(zt_identity_equal(&id, &back));
	ck_assert(back.has_private);
	ck_assert_mem_eq(back.priv, id.priv, 64);
	ck_assert_int_eq(zt_identity_to_string(&id, false, s, sizeof s), ZT_IDENTITY_PUBLIC_STRING_LEN);
	parse(&back, s);
	ck_assert(zt_identity_equal(&id, &back));
	ck_assert(!back.has_private);

	struct zt_wbuf w = zt_wbuf_init(wire, sizeof wire);
	zt_identity_write(&id, true, &w);
	ck_assert(!w.err);
	ck_assert_uint_eq(w.len, sizeof wire);
	struct zt_buf b = zt_buf_init(wire, w.len);
	ck_assert_int_eq(zt_identity_read(&back, &b), ZT_OK);
	ck_assert(zt_identity_equal(&id, &back));
	ck_assert_mem_eq(back.priv, id.priv, 64);
	ck_assert_int_eq(zt_identity_validate(&back), ZT_OK);

	ck_assert_int_eq(zt_identity_sign(&id, "x", 1, sig), ZT_OK);
	ck_assert(zt_identity_verify(&back, "x", 1, sig, sizeof sig));
	zt_identity_wipe(&id);
	zt_identity_wipe(&back);
	ck_assert(!id.has_private);
	uint8_t zero[64] = { 0 };
	ck_assert_mem_eq(id.priv, zero, 64);
}
END_TEST

START_TEST(reserved_addresses)
{
	ck_assert(zt_address_is_reserved(0));
	ck_assert(zt_address_is_reserved(0xff00000000ULL));
	ck_assert(zt_address_is_reserved(0xffffffffffULL));
	ck_assert(zt_address_is_reserved(0xff12345678ULL));
	ck_assert(!zt_address_is_reserved(1));
	ck_assert(!zt_address_is_reserved(0xfeffffffffULL));
	ck_assert(!zt_address_is_reserved(0x00ffffffffULL));
}
END_TEST

START_TEST(binary_rejects_bad_input)
{
	uint8_t pubform[ZT_IDENTITY_PUBLIC_BINARY_LEN], secform[ZT_IDENTITY_SECRET_BINARY_LEN], tmp[256];
	struct zt_identity id, sec;
	struct zt_buf b;

	getx(&ids, "id1", "serialized", pubform, sizeof pubform);
	parse(&sec, gets(&ids, "id1", "secret.str"));
	struct zt_wbuf w = zt_wbuf_init(secform, sizeof secform);
	zt_identity_write(&sec, true, &w);
	ck_assert(!w.err);

	for (size_t n = 0; n < sizeof pubform; n++) {
		b = zt_buf_init(pubform, n);
		ck_assert_msg(zt_identity_read(&id, &b) == ZT_ETRUNCATED, "public form cut at %zu", n);
	}
	for (size_t n = 0; n < sizeof secform; n++) {
		/* Cut at 71 the privlen byte says 64 but nothing follows. */
		b = zt_buf_init(secform, n);
		ck_assert_msg(zt_identity_read(&id, &b) == ZT_ETRUNCATED, "secret form cut at %zu", n);
	}

	memcpy(tmp, secform, sizeof secform);
	tmp[5] = 1;
	b = zt_buf_init(tmp, sizeof secform);
	ck_assert_int_eq(zt_identity_read(&id, &b), ZT_EUNSUPPORTED);

	static const uint8_t bad_privlen[] = { 0x01, 0x20, 0x3f, 0x41, 0x80, 0xff };
	for (size_t i = 0; i < sizeof bad_privlen; i++) {
		memcpy(tmp, secform, sizeof secform);
		tmp[70] = bad_privlen[i];
		b = zt_buf_init(tmp, sizeof secform);
		ck_assert_msg(zt_identity_read(&id, &b) == ZT_EMALFORMED, "privlen %#x", bad_privlen[i]);
	}

	memcpy(tmp, pubform, sizeof pubform);
	memset(tmp, 0, 5);
	b = zt_buf_init(tmp, sizeof pubform);
	ck_assert_int_eq(zt_identity_read(&id, &b), ZT_ERESERVED);
	tmp[0] = 0xff;
	b = zt_buf_init(tmp, sizeof pubform);
	ck_assert_int_eq(zt_identity_read(&id, &b), ZT_ERESERVED);

	/* The writer's sticky error: a buffer one byte short. */
	w = zt_wbuf_init(tmp, ZT_IDENTITY_PUBLIC_BINARY_LEN - 1);
	zt_identity_write(&sec, false, &w);
	ck_assert(w.err);
	zt_identity_wipe(&sec);
}
END_TEST

START_TEST(string_accepts_variants)
{
	char s[ZT_IDENTITY_STRING_MAX + 8];
	struct zt_identity want, id;
	const char *secret = gets(&ids, "id1", "secret.str");
	parse(&want, secret);

	snprintf(s, sizeof s, "%s \t\r\n", secret);
	parse(&id, s);
	ck_assert(zt_identity_equal(&id, &want));
	ck_assert_mem_eq(id.priv, want.priv, 64);

	snprintf(s, sizeof s, "%s", secret);
	for (char *p = s; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	parse(&id, s);
	ck_assert(zt_identity_equal(&id, &want));
	ck_assert_mem_eq(id.priv, want.priv, 64);
	zt_identity_wipe(&id);
	zt_identity_wipe(&want);
}
END_TEST

/*
 * Expands a template: $K = id1's public key hex, $k = it without its last 2 digits, $h = its first 63
 * digits, $P = id1's private key hex, $p = it without its last digit.
 */
static void expand(char *out, size_t cap, const char *tmpl, const char *key, const char *priv)
{
	size_t n = 0;
	for (const char *t = tmpl; *t; t++) {
		const char *src = NULL;
		size_t len = 0;
		if (t[0] == '$' && t[1]) {
			switch (*++t) {
			case 'K': src = key, len = 128; break;
			case 'k': src = key, len = 126; break;
			case 'h': src = key, len = 63; break;
			case 'P': src = priv, len = 128; break;
			case 'p': src = priv, len = 127; break;
			default: ck_abort_msg("bad template `%s'", tmpl);
			}
		} else {
			src = t, len = 1;
		}
		ck_assert_uint_lt(n + len, cap);
		memcpy(out + n, src, len);
		n += len;
	}
	out[n] = '\0';
}

START_TEST(string_rejects_bad_input)
{
	const char *key = gets(&ids, "id1", "public.str") + 13;
	const char *priv = gets(&ids, "id1", "secret.str") + ZT_IDENTITY_PUBLIC_STRING_LEN + 1;
	char s[1024];
	struct zt_identity id;
	static const struct {
		const char *tmpl;
		zt_err err;
	} bad[] = {
		{ "", ZT_EMALFORMED },
		{ "   ", ZT_EMALFORMED },
		{ "ab22f757ef", ZT_EMALFORMED },
		{ "ab22f757ef:0", ZT_EMALFORMED },
		{ "ab22f757ef:0:", ZT_EMALFORMED },
		{ "ab22f757ef:0:$K:", ZT_EMALFORMED },
		{ "ab22f757ef:0:$K:$P:", ZT_EMALFORMED },
		{ "ab22f757ef:0:$K:$P:$P", ZT_EMALFORMED },
		{ "ab22f757ef;0;$K", ZT_EMALFORMED },
		{ "ab22f757ef-0-$K", ZT_EMALFORMED },
		{ "ab22f757ef::0:$K", ZT_EMALFORMED },
		{ "ab22f757ef 0 $K", ZT_EMALFORMED },
		{ " ab22f757ef:0:$K", ZT_EMALFORMED },
		{ "ab22f757e:0:$K", ZT_EMALFORMED },
		{ "ab22f757ef0:0:$K", ZT_EMALFORMED },
		{ "ab22f757eg:0:$K", ZT_EMALFORMED },
		{ "0xab22f757:0:$K", ZT_EMALFORMED },
		{ "ab22f757ef:0:$k", ZT_EMALFORMED },
		{ "ab22f757ef:0:$K00", ZT_EMALFORMED },
		{ "ab22f757ef:0:$pz", ZT_EMALFORMED },
		{ "ab22f757ef:0:$h $h0", ZT_EMALFORMED },
		{ "ab22f757ef:0:$K:$p", ZT_EMALFORMED },
		{ "ab22f757ef:0:$K:$p ", ZT_EMALFORMED },
		{ "ab22f757ef:0:$K:$px", ZT_EMALFORMED },
		{ "ab22f757ef:0:$K:$P0", ZT_EMALFORMED },
		{ "ab22f757ef:x:$K", ZT_EMALFORMED },
		{ "ab22f757ef::$K", ZT_EMALFORMED },
		{ "ab22f757ef: 0:$K", ZT_EMALFORMED },
		{ "ab22f757ef:1:$K", ZT_EUNSUPPORTED },
		{ "ab22f757ef:00:$K", ZT_EUNSUPPORTED },
		{ "ab22f757ef:1:$K:$P", ZT_EUNSUPPORTED },
		{ "0000000000:0:$K", ZT_ERESERVED },
		{ "ff00000000:0:$K", ZT_ERESERVED },
		{ "ffffffffff:0:$K:$P", ZT_ERESERVED },
		{ "FF22F757EF:0:$K", ZT_ERESERVED },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		expand(s, sizeof s, bad[i].tmpl, key, priv);
		id.address = 0x1234;
		zt_err err = zt_identity_from_string(&id, s);
		ck_assert_msg(err == bad[i].err, "`%s' gave %s, want %s", s, zt_strerror(err), zt_strerror(bad[i].err));
		ck_assert_uint_eq(id.address, 0x1234); /* untouched on failure */
	}
	/* The control case, built the same way, parses. */
	expand(s, sizeof s, "ab22f757ef:0:$K:$P", key, priv);
	parse(&id, s);
	zt_identity_wipe(&id);
}
END_TEST

START_TEST(string_output_bounds)
{
	struct zt_identity id;
	char s[ZT_IDENTITY_STRING_MAX];
	parse(&id, gets(&ids, "id1", "secret.str"));
	ck_assert_int_eq(zt_identity_to_string(&id, true, s, ZT_IDENTITY_SECRET_STRING_LEN), ZT_ENOSPACE);
	ck_assert_int_eq(zt_identity_to_string(&id, true, s, ZT_IDENTITY_SECRET_STRING_LEN + 1),
			 ZT_IDENTITY_SECRET_STRING_LEN);
	ck_assert_int_eq(zt_identity_to_string(&id, false, s, ZT_IDENTITY_PUBLIC_STRING_LEN), ZT_ENOSPACE);
	ck_assert_int_eq(zt_identity_to_string(&id, false, s, ZT_IDENTITY_PUBLIC_STRING_LEN + 1),
			 ZT_IDENTITY_PUBLIC_STRING_LEN);
	ck_assert_uint_eq(strlen(s), ZT_IDENTITY_PUBLIC_STRING_LEN);
	zt_identity_wipe(&id);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("identity");
	TCase *vectors = tcase_create("vectors");
	tcase_add_checked_fixture(vectors, setup, teardown);
	tcase_set_timeout(vectors, 300);
	tcase_add_test(vectors, selftest_identities);
	tcase_add_test(vectors, vector_identities_forms);
	tcase_add_test(vectors, vector_identities_validate);
	tcase_add_test(vectors, validate_rejects_foreign_private_key);
	tcase_add_test(vectors, vector_pair12_agreement);
	tcase_add_test(vectors, vector_sig1);
	tcase_add_test(vectors, lab_identities);
	tcase_add_test(vectors, generate_roundtrips);
	suite_add_tcase(s, vectors);

	TCase *neg = tcase_create("negative");
	tcase_add_checked_fixture(neg, setup, teardown);
	tcase_add_test(neg, reserved_addresses);
	tcase_add_test(neg, binary_rejects_bad_input);
	tcase_add_test(neg, string_accepts_variants);
	tcase_add_test(neg, string_rejects_bad_input);
	tcase_add_test(neg, string_output_bounds);
	suite_add_tcase(s, neg);

	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
