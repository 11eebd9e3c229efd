/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include <sodium.h>

#include "lf/ecc.h"
#include "lf/lfcrypto.h"
#include "lf/selector.h"

/* Claims are signed until one recovers with recovery id 0 or 1 (r = x mod n almost never wraps). */
#define CLAIM_ATTEMPTS 8

zt_err zt_lf_name_key(struct zt_lf_name_key *k, const void *name, size_t len)
{
	struct zt_lf_prng prng;
	zt_err err = zt_lf_prng_init(&prng, name, len);
	if (err != ZT_OK)
		return err;
	err = zt_lf_ec_key_from_prng(ZT_LF_CURVE_BP160, &prng, k->d, k->x, k->y);
	zt_lf_prng_free(&prng);
	if (err != ZT_OK)
		return err;
	zt_lf_ec_compress(ZT_LF_CURVE_BP160, k->x, k->y, k->compressed);
	zt_lf_ec_pubhash(ZT_LF_CURVE_BP160, k->x, k->y, k->pubhash);
	return ZT_OK;
}

void zt_lf_selector_key_of(uint8_t out[static 32], const struct zt_lf_name_key *k, const uint8_t ordinal[static 16])
{
	zt_lf_add_ordinal_to_hash(out, k->pubhash, ordinal);
}

zt_err zt_lf_selector_key(uint8_t out[static 32], const void *name, size_t len, uint64_t value)
{
	struct zt_lf_name_key k;
	uint8_t ord[16];
	zt_err err = zt_lf_name_key(&k, name, len);
	if (err == ZT_OK)
		err = zt_lf_ordinal_set(ord, value, name, len);
	if (err == ZT_OK)
		zt_lf_selector_key_of(out, &k, ord);
	sodium_memzero(&k, sizeof k);
	return err;
}

void zt_lf_claim_hash(uint8_t out[static 32], const uint8_t b[static 48], const uint8_t ordinal[static 16])
{
	uint8_t buf[48 + 16];
	memcpy(buf, b, 48);
	memcpy(buf + 48, ordinal, 16);
	zt_lf_sha256(out, buf, sizeof buf);
}

static zt_err recover_xy(const struct zt_lf_selector *s, const uint8_t b[static 48], unsigned j, uint8_t x[20],
			 uint8_t y[20])
{
	uint8_t h[32];
	zt_lf_claim_hash(h, b, s->ordinal);
	return zt_lf_ec_recover(ZT_LF_CURVE_BP160, h, sizeof h, s->claim, s->claim + 20, j, x, y);
}

zt_err zt_lf_selector_make(struct zt_lf_selector *s, const struct zt_lf_selector_spec *spec,
			   const uint8_t b[static 48])
{
	struct zt_lf_name_key k;
	uint8_t h[32], x[20], y[20];
	zt_err err;

	memset(s, 0, sizeof *s);
	if ((err = zt_lf_ordinal_set(s->ordinal, spec->ordinal, spec->name, spec->name_len)) != ZT_OK)
		return err;
	if ((err = zt_lf_name_key(&k, spec->name, spec->name_len)) != ZT_OK)
		return err;
	zt_lf_claim_hash(h, b, s->ordinal);
	err = ZT_ECRYPTO;
	for (int attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
		if ((err = zt_lf_ec_sign(ZT_LF_CURVE_BP160, k.d, k.x, k.y, h, sizeof h, s->claim, s->claim + 20)) != ZT_OK)
			break;
		/* The reference sets id 1 if id 1 recovers the key, else 0; we also insist that 0 does. */
		s->claim[40] = 1;
		if (zt_lf_ec_recover(ZT_LF_CURVE_BP160, h, sizeof h, s->claim, s->claim + 20, 1, x, y) == ZT_OK &&
		    !memcmp(x, k.x, 20) && !memcmp(y, k.y, 20))
			break;
		s->claim[40] = 0;
		if (zt_lf_ec_recover(ZT_LF_CURVE_BP160, h, sizeof h, s->claim, s->claim + 20, 0, x, y) == ZT_OK &&
		    !memcmp(x, k.x, 20) && !memcmp(y, k.y, 20))
			break;
		err = ZT_ECRYPTO;
	}
	sodium_memzero(&k, sizeof k);
	return err;
}

zt_err zt_lf_selector_recover(const struct zt_lf_selector *s, const uint8_t b[static 48],
			      uint8_t pub[ZT_LF_NAME_PUB_SIZE], uint8_t key[ZT_LF_SELECTOR_KEY_SIZE])
{
	uint8_t x[20], y[20];
	zt_err err = recover_xy(s, b, s->claim[40], x, y);
	if (err != ZT_OK)
		return err;
	if (pub)
		zt_lf_ec_compress(ZT_LF_CURVE_BP160, x, y, pub);
	if (key) {
		uint8_t h[32];
		zt_lf_ec_pubhash(ZT_LF_CURVE_BP160, x, y, h);
		zt_lf_add_ordinal_to_hash(key, h, s->ordinal);
	}
	return ZT_OK;
}

zt_err zt_lf_selector_check_name(const struct zt_lf_selector *s, const uint8_t b[static 48], const void *name,
				 size_t len, uint64_t *value)
{
	struct zt_lf_name_key k;
	uint8_t x[20], y[20];
	zt_err err = recover_xy(s, b, s->claim[40], x, y);
	if (err != ZT_OK)
		return err;
	if ((err = zt_lf_name_key(&k, name, len)) != ZT_OK)
		return err;
	bool same = !memcmp(x, k.x, 20) && !memcmp(y, k.y, 20);
	sodium_memzero(&k, sizeof k);
	if (!same)
		return ZT_EAUTH;
	if (value)
		err = zt_lf_ordinal_get(value, s->ordinal, name, len);
	return err;
}
