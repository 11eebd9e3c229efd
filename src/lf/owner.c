/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <sodium.h>

#include "lf/base62.h"
#include "lf/ecc.h"
#include "lf/lfcrypto.h"
#include "lf/owner.h"
#include "node/buf.h"

#define PEM_BEGIN "-----BEGIN LF OWNER PRIVATE KEY-----"
#define PEM_END "-----END LF OWNER PRIVATE KEY-----"
#define PEM_LINE 64

static bool is_ecdsa(enum zt_lf_owner_type t)
{
	return t == ZT_LF_OWNER_P224 || t == ZT_LF_OWNER_P384;
}

static enum zt_lf_curve curve_of(enum zt_lf_owner_type t)
{
	return t == ZT_LF_OWNER_P224 ? ZT_LF_CURVE_P224 : ZT_LF_CURVE_P384;
}

static size_t owner_len(enum zt_lf_owner_type t)
{
	switch (t) {
	case ZT_LF_OWNER_P224:
		return ZT_LF_OWNER_P224_LEN;
	case ZT_LF_OWNER_P384:
		return ZT_LF_OWNER_P384_LEN;
	case ZT_LF_OWNER_ED25519:
		return ZT_LF_OWNER_ED25519_LEN;
	default:
		return 0;
	}
}

enum zt_lf_owner_type zt_lf_owner_type_of(size_t pub_len)
{
	switch (pub_len) {
	case ZT_LF_OWNER_P224_LEN:
		return ZT_LF_OWNER_P224;
	case ZT_LF_OWNER_P384_LEN:
		return ZT_LF_OWNER_P384;
	case ZT_LF_OWNER_ED25519_LEN:
		return ZT_LF_OWNER_ED25519;
	default:
		return ZT_LF_OWNER_NONE;
	}
}

const char *zt_lf_owner_type_name(enum zt_lf_owner_type t)
{
	switch (t) {
	case ZT_LF_OWNER_P224:
		return "p224";
	case ZT_LF_OWNER_P384:
		return "p384";
	case ZT_LF_OWNER_ED25519:
		return "ed25519";
	default:
		return NULL;
	}
}

enum zt_lf_owner_type zt_lf_owner_type_parse(const char *s)
{
	for (int t = ZT_LF_OWNER_P224; t <= ZT_LF_OWNER_ED25519; t++)
		if (!strcasecmp(s, zt_lf_owner_type_name((enum zt_lf_owner_type)t)))
			return (enum zt_lf_owner_type)t;
	return ZT_LF_OWNER_NONE;
}

/* Fills the owner field from the public key already in o. */
static void owner_set_public(struct zt_lf_owner *o)
{
	o->pub_len = owner_len(o->type);
	if (is_ecdsa(o->type)) {
		uint8_t h[32];
		zt_lf_ec_pubhash(curve_of(o->type), o->x, o->y, h);
		memcpy(o->pub, h, o->pub_len);
	} else {
		memcpy(o->pub, o->x, ZT_LF_OWNER_ED25519_LEN);
	}
}

static zt_err ed25519_from_seed(struct zt_lf_owner *o, const uint8_t seed[32])
{
	uint8_t sk[crypto_sign_SECRETKEYBYTES];
	if (crypto_sign_seed_keypair(o->x, sk, seed) != 0)
		return ZT_ECRYPTO;
	sodium_memzero(sk, sizeof sk);
	memcpy(o->d, seed, 32);
	o->type = ZT_LF_OWNER_ED25519;
	o->has_private = true;
	owner_set_public(o);
	return ZT_OK;
}

zt_err zt_lf_owner_from_seed(struct zt_lf_owner *o, enum zt_lf_owner_type t, const void *seed, size_t n)
{
	struct zt_lf_prng prng;
	zt_err err;
	memset(o, 0, sizeof *o);
	if (t != ZT_LF_OWNER_P224 && t != ZT_LF_OWNER_P384 && t != ZT_LF_OWNER_ED25519)
		return ZT_EUNSUPPORTED;
	if (sodium_init() < 0)
		return ZT_ECRYPTO;
	if ((err = zt_lf_prng_init(&prng, seed, n)) != ZT_OK)
		return err;
	if (t == ZT_LF_OWNER_ED25519) {
		uint8_t edseed[32];
		zt_lf_prng_read(&prng, edseed, sizeof edseed);
		err = ed25519_from_seed(o, edseed);
		sodium_memzero(edseed, sizeof edseed);
	} else {
		err = zt_lf_ec_key_from_prng(curve_of(t), &prng, o->d, o->x, o->y);
		if (err == ZT_OK) {
			o->type = t;
			o->has_private = true;
			owner_set_public(o);
		}
	}
	zt_lf_prng_free(&prng);
	if (err != ZT_OK)
		zt_lf_owner_wipe(o);
	return err;
}

zt_err zt_lf_owner_generate(struct zt_lf_owner *o, enum zt_lf_owner_type t)
{
	uint8_t seed[32];
	if (sodium_init() < 0)
		return ZT_ECRYPTO;
	randombytes_buf(seed, sizeof seed);
	zt_err err = zt_lf_owner_from_seed(o, t, seed, sizeof seed);
	sodium_memzero(seed, sizeof seed);
	return err;
}

zt_err zt_lf_owner_from_passphrase(struct zt_lf_owner *o, uint8_t mk[32], const void *passphrase, size_t n)
{
	if (mk) {
		uint8_t h[32];
		zt_lf_sha256(h, passphrase, n);
		zt_lf_sha256(mk, h, sizeof h);
		sodium_memzero(h, sizeof h);
	}
	return zt_lf_owner_from_seed(o, ZT_LF_OWNER_P384, passphrase, n);
}

/*
 * SEC1 ECPrivateKey as Go's x509.MarshalECPrivateKey writes it: version 1, d padded to the order
 * size, the named-curve OID, the uncompressed public point. Only the lengths differ by curve.
 */
static const uint8_t oid_p224[] = { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x21 };
static const uint8_t oid_p384[] = { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22 };

static void der_len(struct zt_wbuf *w, size_t len)
{
	if (len >= 0x80)
		zt_wbuf_u8(w, 0x81);
	zt_wbuf_u8(w, (uint8_t)len);
}

zt_err zt_lf_owner_private_bytes(const struct zt_lf_owner *o, uint8_t *out, size_t cap, size_t *outlen)
{
	struct zt_wbuf w = zt_wbuf_init(out, cap);
	*outlen = 0;
	if (!o->has_private)
		return ZT_EINVALID;
	zt_wbuf_u8(&w, (uint8_t)o->type);
	if (o->type == ZT_LF_OWNER_ED25519) {
		zt_wbuf_put(&w, o->d, 32);
		zt_wbuf_put(&w, o->x, 32);
	} else if (is_ecdsa(o->type)) {
		size_t len = zt_lf_ec_len(curve_of(o->type));
		const uint8_t *oid = o->type == ZT_LF_OWNER_P224 ? oid_p224 : oid_p384;
		size_t bitstr = 2 + 2 * len; /* BIT STRING content: unused-bits byte, 04, X, Y */
		size_t pubfield = 1 + (bitstr >= 0x80 ? 2 : 1) + bitstr;
		size_t body = 3 + (2 + len) + (2 + sizeof oid_p224) + 1 + (pubfield >= 0x80 ? 2 : 1) + pubfield;
		zt_wbuf_u8(&w, 0x30);
		der_len(&w, body);
		zt_wbuf_put(&w, (const uint8_t[]){ 0x02, 0x01, 0x01, 0x04 }, 4);
		der_len(&w, len);
		zt_wbuf_put(&w, o->d, len);
		zt_wbuf_put(&w, (const uint8_t[]){ 0xa0, (uint8_t)sizeof oid_p224 }, 2);
		zt_wbuf_put(&w, oid, sizeof oid_p224);
		zt_wbuf_u8(&w, 0xa1);
		der_len(&w, pubfield);
		zt_wbuf_u8(&w, 0x03);
		der_len(&w, bitstr);
		zt_wbuf_put(&w, (const uint8_t[]){ 0x00, 0x04 }, 2);
		zt_wbuf_put(&w, o->x, len);
		zt_wbuf_put(&w, o->y, len);
	} else {
		return ZT_EINVALID;
	}
	*outlen = w.len;
	return zt_wbuf_result(&w);
}

/* Reads a SEC1 (or PKCS#8) DER EC private key with OpenSSL and keeps only the curve and d. */
static zt_err ecdsa_from_der(struct zt_lf_owner *o, enum zt_lf_owner_type t, const uint8_t *der, size_t n)
{
	const unsigned char *p = der;
	zt_err err = ZT_EMALFORMED;
	BIGNUM *d = NULL;
	char group[64];
	/* Bad input is expected here: keep its errors off the thread's OpenSSL error queue. */
	ERR_set_mark();
	EVP_PKEY *pkey = d2i_PrivateKey(EVP_PKEY_EC, NULL, &p, (long)n);
	if (!pkey) {
		p = der;
		pkey = d2i_AutoPrivateKey(NULL, &p, (long)n);
	}
	ERR_pop_to_mark();
	if (!pkey || EVP_PKEY_get_base_id(pkey) != EVP_PKEY_EC)
		goto out;
	if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, NULL) != 1 ||
	    EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &d) != 1)
		goto out;
	enum zt_lf_owner_type got = !strcmp(group, "secp224r1") || !strcmp(group, "P-224") ? ZT_LF_OWNER_P224
				    : !strcmp(group, "secp384r1") || !strcmp(group, "P-384") ? ZT_LF_OWNER_P384
											     : ZT_LF_OWNER_NONE;
	err = ZT_EUNSUPPORTED;
	if (got != t)
		goto out;
	err = ZT_EINVALID;
	size_t len = zt_lf_ec_len(curve_of(t));
	if (BN_bn2binpad(d, o->d, (int)len) < 0)
		goto out;
	if ((err = zt_lf_ec_public(curve_of(t), o->d, o->x, o->y)) != ZT_OK)
		goto out;
	o->type = t;
	o->has_private = true;
	owner_set_public(o);
out:
	BN_clear_free(d);
	EVP_PKEY_free(pkey);
	return err;
}

zt_err zt_lf_owner_from_private_bytes(struct zt_lf_owner *o, const uint8_t *in, size_t n)
{
	zt_err err = ZT_EMALFORMED;
	memset(o, 0, sizeof *o);
	if (n < 1)
		return ZT_EMALFORMED;
	if (sodium_init() < 0)
		return ZT_ECRYPTO;
	switch (in[0]) {
	case ZT_LF_OWNER_ED25519:
		if (n != 65)
			return ZT_EMALFORMED;
		if ((err = ed25519_from_seed(o, in + 1)) == ZT_OK && memcmp(o->x, in + 33, 32) != 0)
			err = ZT_EINVALID; /* the stored public key is not the seed's */
		break;
	case ZT_LF_OWNER_P224:
	case ZT_LF_OWNER_P384:
		err = ecdsa_from_der(o, (enum zt_lf_owner_type)in[0], in + 1, n - 1);
		break;
	default:
		err = ZT_EUNSUPPORTED;
	}
	if (err != ZT_OK)
		zt_lf_owner_wipe(o);
	return err;
}

zt_err zt_lf_owner_text(char *out, size_t cap, const uint8_t *pub, size_t pub_len)
{
	size_t len;
	if (cap < 2)
		return ZT_ENOSPACE;
	out[0] = '@';
	return zt_lf_base62_encode(out + 1, cap - 1, pub, pub_len, &len);
}

zt_err zt_lf_owner_text_parse(uint8_t *pub, size_t cap, size_t *pub_len, const char *s, size_t n)
{
	if (n && s[0] == '@') {
		s++;
		n--;
	}
	zt_err err = zt_lf_base62_decode(pub, cap, s, n, pub_len);
	if (err == ZT_OK && *pub_len == 0)
		err = ZT_EMALFORMED;
	return err;
}

zt_err zt_lf_owner_to_pem(const struct zt_lf_owner *o, char *out, size_t cap)
{
	uint8_t priv[ZT_LF_OWNER_PRIVATE_MAX_LEN];
	char b64[sodium_base64_ENCODED_LEN(ZT_LF_OWNER_PRIVATE_MAX_LEN, sodium_base64_VARIANT_ORIGINAL)];
	char text[ZT_LF_OWNER_TEXT_MAX_LEN];
	size_t plen, used = 0;
	zt_err err;

	if ((err = zt_lf_owner_private_bytes(o, priv, sizeof priv, &plen)) != ZT_OK)
		goto out;
	if ((err = zt_lf_owner_text(text, sizeof text, o->pub, o->pub_len)) != ZT_OK)
		goto out;
	sodium_bin2base64(b64, sizeof b64, priv, plen, sodium_base64_VARIANT_ORIGINAL);
	err = ZT_ENOSPACE;
	int k = snprintf(out, cap, PEM_BEGIN "\nPublic: %s\nType: %s\n\n", text, zt_lf_owner_type_name(o->type));
	if (k < 0 || (size_t)k >= cap)
		goto out;
	used = (size_t)k;
	for (size_t i = 0, n = strlen(b64); i < n; i += PEM_LINE) {
		size_t line = n - i < PEM_LINE ? n - i : PEM_LINE;
		if (used + line + 2 > cap)
			goto out;
		memcpy(out + used, b64 + i, line);
		used += line;
		out[used++] = '\n';
	}
	k = snprintf(out + used, cap - used, PEM_END "\n");
	if (k < 0 || (size_t)k >= cap - used)
		goto out;
	err = ZT_OK;
out:
	sodium_memzero(priv, sizeof priv);
	sodium_memzero(b64, sizeof b64);
	if (err != ZT_OK && cap)
		out[0] = '\0';
	return err;
}

static const char *find_bytes(const char *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; i + k <= n; i++)
		if (!memcmp(hay + i, needle, k))
			return hay + i;
	return NULL;
}

/* The PEM body: skips "Key: value" header lines after BEGIN, decodes base64 up to END. */
static zt_err pem_decode(const char *in, size_t n, uint8_t *out, size_t cap, size_t *outlen)
{
	const char *begin = find_bytes(in, n, PEM_BEGIN);
	const char *end = in + n;
	if (!begin)
		return ZT_EMALFORMED;
	const char *p = begin + strlen(PEM_BEGIN);
	const char *stop = find_bytes(p, (size_t)(end - p), PEM_END);
	if (!stop)
		return ZT_EMALFORMED;
	while (p < stop && (*p == '\r' || *p == '\n'))
		p++;
	/* Header lines contain ':' and end at the first blank line. */
	const char *eol = memchr(p, '\n', (size_t)(stop - p));
	if (eol && memchr(p, ':', (size_t)(eol - p))) {
		while (p < stop) {
			eol = memchr(p, '\n', (size_t)(stop - p));
			if (!eol)
				return ZT_EMALFORMED;
			bool blank = eol == p || (eol == p + 1 && *p == '\r');
			p = eol + 1;
			if (blank)
				break;
		}
	}
	if (sodium_base642bin(out, cap, p, (size_t)(stop - p), " \t\r\n", outlen, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0)
		return ZT_EMALFORMED;
	return ZT_OK;
}

zt_err zt_lf_owner_load(struct zt_lf_owner *o, const uint8_t *in, size_t n)
{
	uint8_t priv[ZT_LF_OWNER_PRIVATE_MAX_LEN + 64];
	size_t plen;
	zt_err err;
	if (find_bytes((const char *)in, n, PEM_BEGIN)) {
		if ((err = pem_decode((const char *)in, n, priv, sizeof priv, &plen)) != ZT_OK) {
			memset(o, 0, sizeof *o);
			return err;
		}
		err = zt_lf_owner_from_private_bytes(o, priv, plen);
		sodium_memzero(priv, sizeof priv);
		return err;
	}
	return zt_lf_owner_from_private_bytes(o, in, n);
}

zt_err zt_lf_owner_sign(const struct zt_lf_owner *o, const uint8_t s[static 48], uint8_t *sig, size_t cap,
			size_t *siglen)
{
	*siglen = 0;
	if (!o->has_private)
		return ZT_EINVALID;
	if (o->type == ZT_LF_OWNER_ED25519) {
		uint8_t sk[64];
		if (cap < 64)
			return ZT_ENOSPACE;
		memcpy(sk, o->d, 32);
		memcpy(sk + 32, o->x, 32);
		int rc = crypto_sign_detached(sig, NULL, s, 48, sk);
		sodium_memzero(sk, sizeof sk);
		if (rc != 0)
			return ZT_ECRYPTO;
		*siglen = 64;
		return ZT_OK;
	}
	if (!is_ecdsa(o->type))
		return ZT_EINVALID;
	enum zt_lf_curve c = curve_of(o->type);
	size_t len = zt_lf_ec_len(c);
	if (cap < 2 * len)
		return ZT_ENOSPACE;
	zt_err err = zt_lf_ec_sign(c, o->d, o->x, o->y, s, 48, sig, sig + len);
	if (err == ZT_OK)
		*siglen = 2 * len;
	return err;
}

zt_err zt_lf_owner_verify(const uint8_t *pub, size_t pub_len, const uint8_t s[static 48], const uint8_t *sig,
			  size_t siglen)
{
	enum zt_lf_owner_type t = zt_lf_owner_type_of(pub_len);
	if (t == ZT_LF_OWNER_ED25519) {
		if (siglen != crypto_sign_BYTES || sodium_init() < 0)
			return ZT_EAUTH;
		return crypto_sign_verify_detached(sig, s, 48, pub) == 0 ? ZT_OK : ZT_EAUTH;
	}
	if (!is_ecdsa(t))
		return ZT_EAUTH;
	enum zt_lf_curve c = curve_of(t);
	size_t len = zt_lf_ec_len(c);
	if (siglen != 2 * len)
		return ZT_EAUTH;
	for (unsigned j = 0; j < 2; j++) {
		uint8_t x[48], y[48], h[32];
		zt_err err = zt_lf_ec_recover(c, s, 48, sig, sig + len, j, x, y);
		if (err == ZT_ECRYPTO)
			return err;
		if (err != ZT_OK)
			continue;
		zt_lf_ec_pubhash(c, x, y, h);
		if (!memcmp(h, pub, pub_len))
			return ZT_OK;
	}
	return ZT_EAUTH;
}

zt_err zt_lf_owner_private_hash(const struct zt_lf_owner *o, uint8_t out[static 32])
{
	if (!o->has_private)
		return ZT_EINVALID;
	if (o->type == ZT_LF_OWNER_ED25519) {
		uint8_t sk[64];
		memcpy(sk, o->d, 32);
		memcpy(sk + 32, o->x, 32);
		zt_lf_sha256(out, sk, sizeof sk);
		sodium_memzero(sk, sizeof sk);
		return ZT_OK;
	}
	if (!is_ecdsa(o->type))
		return ZT_EINVALID;
	size_t len = zt_lf_ec_len(curve_of(o->type)), z = 0;
	while (z < len && o->d[z] == 0)
		z++;
	zt_lf_sha256(out, o->d + z, len - z);
	return ZT_OK;
}

void zt_lf_owner_wipe(struct zt_lf_owner *o)
{
	sodium_memzero(o, sizeof *o);
}
