/* SPDX-License-Identifier: Apache-2.0 */
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include "lf/ecc.h"

struct curve {
	int nid;
	const char *name;      /* LF's name, hashed into pubhash */
	const char *ossl_name; /* OpenSSL group name for EVP keys */
	size_t len;
	EC_GROUP *group;
	BIGNUM *p;
	const BIGNUM *n;
	int nbits;
};

static struct curve curves[] = {
	[ZT_LF_CURVE_P224] = { NID_secp224r1, "P-224", "secp224r1", 28, NULL, NULL, NULL, 0 },
	[ZT_LF_CURVE_P384] = { NID_secp384r1, "P-384", "secp384r1", 48, NULL, NULL, NULL, 0 },
	[ZT_LF_CURVE_BP160] = { NID_brainpoolP160t1, "brainpoolP160t1", "brainpoolP160t1", 20, NULL, NULL, NULL, 0 },
};

static pthread_once_t curves_once = PTHREAD_ONCE_INIT;

/* The groups are built once and only read afterwards, so they are shared between threads. */
static void curves_init(void)
{
	for (size_t i = 0; i < sizeof curves / sizeof curves[0]; i++) {
		struct curve *c = &curves[i];
		EC_GROUP *g = EC_GROUP_new_by_curve_name(c->nid);
		BIGNUM *p = BN_new();
		if (!g || !p || EC_GROUP_get_curve(g, p, NULL, NULL, NULL) != 1) {
			EC_GROUP_free(g);
			BN_free(p);
			continue;
		}
		c->group = g;
		c->p = p;
		c->n = EC_GROUP_get0_order(g);
		c->nbits = BN_num_bits(c->n);
	}
}

static const struct curve *curve_get(enum zt_lf_curve id)
{
	if ((unsigned)id >= sizeof curves / sizeof curves[0])
		return NULL;
	pthread_once(&curves_once, curves_init);
	return curves[id].group ? &curves[id] : NULL;
}

size_t zt_lf_ec_len(enum zt_lf_curve c)
{
	return (unsigned)c < sizeof curves / sizeof curves[0] ? curves[c].len : 0;
}

const char *zt_lf_ec_name(enum zt_lf_curve c)
{
	return (unsigned)c < sizeof curves / sizeof curves[0] ? curves[c].name : "";
}

static zt_err point_to_xy(const struct curve *c, const EC_POINT *q, uint8_t *x, uint8_t *y, BN_CTX *ctx)
{
	zt_err err = ZT_ECRYPTO;
	BN_CTX_start(ctx);
	BIGNUM *bx = BN_CTX_get(ctx), *by = BN_CTX_get(ctx);
	if (!by)
		goto out;
	err = ZT_EINVALID;
	if (EC_POINT_is_at_infinity(c->group, q))
		goto out;
	err = ZT_ECRYPTO;
	if (EC_POINT_get_affine_coordinates(c->group, q, bx, by, ctx) != 1 ||
	    BN_bn2binpad(bx, x, (int)c->len) < 0 || BN_bn2binpad(by, y, (int)c->len) < 0)
		goto out;
	err = ZT_OK;
out:
	BN_CTX_end(ctx);
	return err;
}

static zt_err public_of(const struct curve *c, const BIGNUM *d, uint8_t *x, uint8_t *y, BN_CTX *ctx)
{
	if (BN_is_zero(d) || BN_is_negative(d) || BN_cmp(d, c->n) >= 0)
		return ZT_EINVALID;
	EC_POINT *q = EC_POINT_new(c->group);
	zt_err err = ZT_ECRYPTO;
	if (q && EC_POINT_mul(c->group, q, d, NULL, NULL, ctx) == 1)
		err = point_to_xy(c, q, x, y, ctx);
	EC_POINT_free(q);
	return err;
}

zt_err zt_lf_ec_key_from_prng(enum zt_lf_curve id, struct zt_lf_prng *prng, uint8_t *d, uint8_t *x, uint8_t *y)
{
	const struct curve *c = curve_get(id);
	uint8_t buf[ZT_LF_EC_MAX_LEN + 8];
	zt_err err = ZT_ECRYPTO;
	if (!c)
		return ZT_ECRYPTO;
	size_t nbytes = (size_t)c->nbits / 8 + 8;
	BN_CTX *ctx = BN_CTX_secure_new();
	if (!ctx)
		return ZT_ECRYPTO;
	BN_CTX_start(ctx);
	BIGNUM *k = BN_CTX_get(ctx), *nm1 = BN_CTX_get(ctx), *bd = BN_CTX_get(ctx);
	if (!bd)
		goto out;
	zt_lf_prng_read(prng, buf, nbytes);
	if (!BN_bin2bn(buf, (int)nbytes, k) || !BN_copy(nm1, c->n) || !BN_sub_word(nm1, 1) ||
	    !BN_mod(bd, k, nm1, ctx) || !BN_add_word(bd, 1) || BN_bn2binpad(bd, d, (int)c->len) < 0)
		goto out;
	err = public_of(c, bd, x, y, ctx);
out:
	OPENSSL_cleanse(buf, sizeof buf);
	BN_CTX_end(ctx);
	BN_CTX_free(ctx);
	return err;
}

zt_err zt_lf_ec_public(enum zt_lf_curve id, const uint8_t *d, uint8_t *x, uint8_t *y)
{
	const struct curve *c = curve_get(id);
	zt_err err = ZT_ECRYPTO;
	if (!c)
		return ZT_ECRYPTO;
	BN_CTX *ctx = BN_CTX_secure_new();
	if (!ctx)
		return ZT_ECRYPTO;
	BN_CTX_start(ctx);
	BIGNUM *bd = BN_CTX_get(ctx);
	if (bd && BN_bin2bn(d, (int)c->len, bd))
		err = public_of(c, bd, x, y, ctx);
	BN_CTX_end(ctx);
	BN_CTX_free(ctx);
	return err;
}

static EVP_PKEY *make_pkey(const struct curve *c, const uint8_t *d, const uint8_t *x, const uint8_t *y)
{
	uint8_t pub[1 + 2 * ZT_LF_EC_MAX_LEN];
	EVP_PKEY *pkey = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *priv = BN_secure_new();

	if (!bld || !priv || !BN_bin2bn(d, (int)c->len, priv))
		goto out;
	pub[0] = 0x04;
	memcpy(pub + 1, x, c->len);
	memcpy(pub + 1 + c->len, y, c->len);
	if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, c->ossl_name, 0) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, 1 + 2 * c->len))
		goto out;
	params = OSSL_PARAM_BLD_to_param(bld);
	pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (!params || !pctx || EVP_PKEY_fromdata_init(pctx) != 1 ||
	    EVP_PKEY_fromdata(pctx, &pkey, EVP_PKEY_KEYPAIR, params) != 1) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
out:
	EVP_PKEY_CTX_free(pctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(priv);
	return pkey;
}

zt_err zt_lf_ec_sign(enum zt_lf_curve id, const uint8_t *d, const uint8_t *x, const uint8_t *y,
		     const uint8_t *hash, size_t hashlen, uint8_t *r, uint8_t *s)
{
	const struct curve *c = curve_get(id);
	uint8_t der[2 * ZT_LF_EC_MAX_LEN + 16];
	size_t derlen = sizeof der;
	zt_err err = ZT_ECRYPTO;
	EVP_PKEY_CTX *sctx = NULL;
	ECDSA_SIG *sig = NULL;

	if (!c)
		return ZT_ECRYPTO;
	EVP_PKEY *pkey = make_pkey(c, d, x, y);
	if (!pkey)
		goto out;
	sctx = EVP_PKEY_CTX_new(pkey, NULL);
	if (!sctx || EVP_PKEY_sign_init(sctx) != 1 || EVP_PKEY_sign(sctx, der, &derlen, hash, hashlen) != 1)
		goto out;
	const unsigned char *p = der;
	sig = d2i_ECDSA_SIG(NULL, &p, (long)derlen);
	if (!sig)
		goto out;
	const BIGNUM *br, *bs;
	ECDSA_SIG_get0(sig, &br, &bs);
	if (BN_bn2binpad(br, r, (int)c->len) < 0 || BN_bn2binpad(bs, s, (int)c->len) < 0)
		goto out;
	err = ZT_OK;
out:
	ECDSA_SIG_free(sig);
	EVP_PKEY_CTX_free(sctx);
	EVP_PKEY_free(pkey);
	return err;
}

zt_err zt_lf_ec_recover(enum zt_lf_curve id, const uint8_t *hash, size_t hashlen, const uint8_t *r,
			const uint8_t *s, unsigned j, uint8_t *x, uint8_t *y)
{
	const struct curve *c = curve_get(id);
	zt_err err = ZT_ECRYPTO;
	EC_POINT *pr = NULL, *q = NULL;
	if (!c)
		return ZT_ECRYPTO;
	BN_CTX *ctx = BN_CTX_new();
	if (!ctx)
		return ZT_ECRYPTO;
	BN_CTX_start(ctx);
	BIGNUM *br = BN_CTX_get(ctx), *bs = BN_CTX_get(ctx), *bx = BN_CTX_get(ctx), *e = BN_CTX_get(ctx);
	BIGNUM *rinv = BN_CTX_get(ctx), *u1 = BN_CTX_get(ctx), *u2 = BN_CTX_get(ctx);
	pr = EC_POINT_new(c->group);
	q = EC_POINT_new(c->group);
	if (!u2 || !pr || !q || !BN_bin2bn(r, (int)c->len, br) || !BN_bin2bn(s, (int)c->len, bs))
		goto out;

	err = ZT_EINVALID;
	if (BN_is_zero(br) || BN_cmp(br, c->n) >= 0 || BN_is_zero(bs) || BN_cmp(bs, c->n) >= 0)
		goto out;
	/* x = r + floor(j/2)*n must be a field element, and must have a square root on the curve. */
	if (!BN_copy(bx, br))
		goto out;
	for (unsigned i = 0; i < j / 2; i++)
		if (!BN_add(bx, bx, c->n))
			goto out;
	if (BN_cmp(bx, c->p) >= 0)
		goto out;
	ERR_set_mark();
	int on_curve = EC_POINT_set_compressed_coordinates(c->group, pr, bx, (int)(j & 1), ctx);
	ERR_pop_to_mark();
	if (on_curve != 1)
		goto out;

	/* e: the leftmost bits(n) bits of the hash, as Go's hashToInt. */
	size_t obytes = ((size_t)c->nbits + 7) / 8;
	if (hashlen > obytes)
		hashlen = obytes;
	if (!BN_bin2bn(hash, (int)hashlen, e))
		goto out;
	if ((int)(hashlen * 8) > c->nbits && !BN_rshift(e, e, (int)(hashlen * 8) - c->nbits))
		goto out;

	/* Q = r^-1 (s*R - e*G) = (-e * r^-1) G + (s * r^-1) R */
	err = ZT_ECRYPTO;
	if (!BN_mod_inverse(rinv, br, c->n, ctx) || !BN_mod_mul(u1, e, rinv, c->n, ctx) ||
	    !BN_mod_sub(u1, c->n, u1, c->n, ctx) || !BN_mod_mul(u2, bs, rinv, c->n, ctx) ||
	    EC_POINT_mul(c->group, q, u1, pr, u2, ctx) != 1)
		goto out;
	err = point_to_xy(c, q, x, y, ctx);
out:
	EC_POINT_free(pr);
	EC_POINT_free(q);
	BN_CTX_end(ctx);
	BN_CTX_free(ctx);
	return err;
}

void zt_lf_ec_pubhash(enum zt_lf_curve c, const uint8_t *x, const uint8_t *y, uint8_t out[static 32])
{
	uint8_t buf[2 * ZT_LF_EC_MAX_LEN + 16];
	size_t len = zt_lf_ec_len(c), nlen = strlen(zt_lf_ec_name(c));
	memcpy(buf, x, len);
	memcpy(buf + len, y, len);
	memcpy(buf + 2 * len, zt_lf_ec_name(c), nlen);
	zt_lf_shandwich(out, buf, 2 * len + nlen);
}

void zt_lf_ec_compress(enum zt_lf_curve c, const uint8_t *x, const uint8_t *y, uint8_t *out)
{
	size_t len = zt_lf_ec_len(c);
	out[0] = (uint8_t)(0x02 + (y[len - 1] & 1));
	memcpy(out + 1, x, len);
}
