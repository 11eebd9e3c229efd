/* SPDX-License-Identifier: Apache-2.0 */
/* Type-0 (C25519) identities: spec/identity.md §1. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "constants.h"
#include "crypto.h"
#include "hex.h"
#include "identity.h"

#define MEMHARD_BLOCK 64
#define MEMHARD_WORDS (ZT_IDENTITY_MEMHARD_SIZE / 8)
#define MEMHARD_KS_BLOCKS 64 /* keystream blocks generated per libsodium call in the mixing loop */
#define MEMHARD_DIFFICULTY 17 /* valid when digest[0] is below this */
#define DIGEST_ADDRESS_OFFSET 59 /* the last 5 digest bytes are the address */
#define KEY_HEX_LEN 128
#define ADDRESS_HEX_LEN 10
#define STRING_MAX_FIELDS 4

bool zt_address_is_reserved(uint64_t address)
{
	address &= ZT_ADDRESS_MASK;
	return address == 0 || (address >> 32) == 0xff;
}

zt_err zt_identity_memhard_digest(uint8_t digest[static 64], const uint8_t pub[static 64])
{
	uint8_t key[32], nonce[8], ks[MEMHARD_KS_BLOCKS * MEMHARD_BLOCK];
	uint8_t *mem = calloc(1, ZT_IDENTITY_MEMHARD_SIZE);
	if (!mem)
		return -ENOMEM;

	zt_sha512(digest, pub, 64);
	memcpy(key, digest, sizeof key);
	memcpy(nonce, digest + 32, sizeof nonce);

	/*
	 * mem[off] = mem[off-64] ^ ks[off] is the same as taking the whole keystream in one call and then
	 * chaining each block onto the previous one; one libsodium call is much cheaper than 32,768.
	 */
	zt_salsa20_xor_ic(mem, mem, ZT_IDENTITY_MEMHARD_SIZE, nonce, 0, key);
	for (size_t off = MEMHARD_BLOCK; off < ZT_IDENTITY_MEMHARD_SIZE; off++)
		mem[off] ^= mem[off - MEMHARD_BLOCK];
	uint64_t counter = ZT_IDENTITY_MEMHARD_SIZE / MEMHARD_BLOCK;

	/*
	 * The keystream does not depend on the data it is XORed with, so it is produced a chunk at a time
	 * rather than by one libsodium call per 64-byte step, whose setup cost would dominate the hash.
	 */
	for (size_t k = 0, step = 0; k < MEMHARD_WORDS; k += 2, step++) {
		size_t i1 = (size_t)(zt_be64(mem + 8 * k) % 8);
		size_t i2 = (size_t)(zt_be64(mem + 8 * (k + 1)) % MEMHARD_WORDS);
		uint8_t tmp[8];
		memcpy(tmp, mem + 8 * i2, 8);
		memcpy(mem + 8 * i2, digest + 8 * i1, 8);
		memcpy(digest + 8 * i1, tmp, 8);

		size_t at = step % MEMHARD_KS_BLOCKS;
		if (at == 0) {
			memset(ks, 0, sizeof ks);
			zt_salsa20_xor_ic(ks, ks, sizeof ks, nonce, counter, key);
			counter += MEMHARD_KS_BLOCKS;
		}
		for (size_t j = 0; j < MEMHARD_BLOCK; j++)
			digest[j] ^= ks[at * MEMHARD_BLOCK + j];
	}

	free(mem);
	return ZT_OK;
}

/* The reference's deterministic step: +1 on the word at bytes 8..15, -1 on the word at 16..23 (little-endian). */
static void private_perturb(uint8_t priv[static 64])
{
	for (int i = 8; i < 16 && ++priv[i] == 0; i++)
		;
	for (int i = 16; i < 24 && priv[i]-- == 0; i++)
		;
}

zt_err zt_identity_generate(struct zt_identity *id)
{
	uint8_t digest[64];
	zt_err err = ZT_OK;

	memset(id, 0, sizeof *id);
	do {
		zt_c25519_generate(id->pub, id->priv);
		do {
			private_perturb(id->priv);
			/* Only bytes 8..23 change, all in the X25519 half, so the Ed25519 half stays as it is. */
			zt_x25519_public(id->pub, id->priv);
			err = zt_identity_memhard_digest(digest, id->pub);
			if (err)
				goto out;
		} while (digest[0] >= MEMHARD_DIFFICULTY);
		id->address = zt_be40(digest + DIGEST_ADDRESS_OFFSET);
	} while (zt_address_is_reserved(id->address));
	id->type = ZT_IDENTITY_TYPE_C25519;
	id->has_private = true;
out:
	if (err)
		zt_identity_wipe(id);
	return err;
}

zt_err zt_identity_validate(const struct zt_identity *id)
{
	uint8_t digest[64];
	zt_err err;

	if (id->type != ZT_IDENTITY_TYPE_C25519 || zt_address_is_reserved(id->address))
		return ZT_EINVALID;
	if (id->has_private) {
		uint8_t derived[64];
		zt_c25519_public(derived, id->priv);
		if (memcmp(derived, id->pub, sizeof derived) != 0)
			return ZT_EINVALID;
	}
	err = zt_identity_memhard_digest(digest, id->pub);
	if (err)
		return err;
	if (digest[0] >= MEMHARD_DIFFICULTY || zt_be40(digest + DIGEST_ADDRESS_OFFSET) != id->address)
		return ZT_EINVALID;
	return ZT_OK;
}

struct field {
	const char *p;
	size_t len;
};

/* Splits s[0..len) on ':'; returns the field count, or -1 if there are more than `max`. */
static int string_split(struct field *f, int max, const char *s, size_t len)
{
	int n = 0;
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != ':')
			continue;
		if (n == max)
			return -1;
		f[n].p = s + start;
		f[n].len = i - start;
		n++;
		start = i + 1;
	}
	return n;
}

static bool string_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool field_is_digits(const struct field *f)
{
	if (!f->len)
		return false;
	for (size_t i = 0; i < f->len; i++)
		if (f->p[i] < '0' || f->p[i] > '9')
			return false;
	return true;
}

zt_err zt_identity_from_string(struct zt_identity *id, const char *s)
{
	struct field f[STRING_MAX_FIELDS];
	struct zt_identity tmp;
	uint8_t addr[ZT_ADDRESS_LENGTH];
	size_t len = strlen(s);
	zt_err err = ZT_EMALFORMED;

	memset(&tmp, 0, sizeof tmp);
	while (len && string_is_space(s[len - 1]))
		len--;
	int n = string_split(f, STRING_MAX_FIELDS, s, len);
	if (n < 3)
		goto out;
	if (f[1].len != 1 || f[1].p[0] != '0') {
		/* A numeric type we do not know is unsupported rather than garbage (type 1 is the 2.0 design). */
		err = field_is_digits(&f[1]) ? ZT_EUNSUPPORTED : ZT_EMALFORMED;
		goto out;
	}
	if (f[0].len != ADDRESS_HEX_LEN || !zt_hex_decode(addr, sizeof addr, f[0].p))
		goto out;
	if (f[2].len != KEY_HEX_LEN || !zt_hex_decode(tmp.pub, sizeof tmp.pub, f[2].p))
		goto out;
	if (n == 4) {
		if (f[3].len != KEY_HEX_LEN || !zt_hex_decode(tmp.priv, sizeof tmp.priv, f[3].p))
			goto out;
		tmp.has_private = true;
	}
	tmp.address = zt_be40(addr);
	tmp.type = ZT_IDENTITY_TYPE_C25519;
	if (zt_address_is_reserved(tmp.address)) {
		err = ZT_ERESERVED;
		goto out;
	}
	*id = tmp;
	err = ZT_OK;
out:
	zt_identity_wipe(&tmp);
	return err;
}

int zt_identity_to_string(const struct zt_identity *id, bool include_private, char *out, size_t cap)
{
	bool priv = include_private && id->has_private;
	size_t len = priv ? ZT_IDENTITY_SECRET_STRING_LEN : ZT_IDENTITY_PUBLIC_STRING_LEN;

	if (id->type != ZT_IDENTITY_TYPE_C25519)
		return ZT_EUNSUPPORTED;
	if (cap < len + 1)
		return ZT_ENOSPACE;
	zt_address_format(out, id->address);
	memcpy(out + ADDRESS_HEX_LEN, ":0:", 3);
	zt_hex_encode(out + ADDRESS_HEX_LEN + 3, id->pub, sizeof id->pub);
	if (priv) {
		out[ZT_IDENTITY_PUBLIC_STRING_LEN] = ':';
		zt_hex_encode(out + ZT_IDENTITY_PUBLIC_STRING_LEN + 1, id->priv, sizeof id->priv);
	}
	return (int)len;
}

zt_err zt_identity_read(struct zt_identity *id, struct zt_buf *b)
{
	struct zt_identity tmp;
	zt_err err = ZT_ETRUNCATED;

	memset(&tmp, 0, sizeof tmp);
	tmp.address = zt_buf_u40(b);
	tmp.type = zt_buf_u8(b);
	if (b->err)
		goto out;
	/* Stop before the key: another type's layout is different, so nothing after the type byte is ours. */
	if (tmp.type != ZT_IDENTITY_TYPE_C25519) {
		err = ZT_EUNSUPPORTED;
		goto out;
	}
	zt_buf_copy(b, tmp.pub, sizeof tmp.pub);
	uint8_t privlen = zt_buf_u8(b);
	if (b->err)
		goto out;
	if (privlen == ZT_C25519_PRIVATE_LEN) {
		zt_buf_copy(b, tmp.priv, sizeof tmp.priv);
		if (b->err)
			goto out;
		tmp.has_private = true;
	} else if (privlen != 0) {
		err = ZT_EMALFORMED;
		goto out;
	}
	/* Reserved addresses can never validate; rejecting them here matches the string parser. */
	if (zt_address_is_reserved(tmp.address)) {
		err = ZT_ERESERVED;
		goto out;
	}
	*id = tmp;
	err = ZT_OK;
out:
	zt_identity_wipe(&tmp);
	return err;
}

void zt_identity_write(const struct zt_identity *id, bool include_private, struct zt_wbuf *w)
{
	zt_wbuf_u40(w, id->address);
	zt_wbuf_u8(w, id->type);
	zt_wbuf_put(w, id->pub, sizeof id->pub);
	if (include_private && id->has_private) {
		zt_wbuf_u8(w, ZT_C25519_PRIVATE_LEN);
		zt_wbuf_put(w, id->priv, sizeof id->priv);
	} else {
		zt_wbuf_u8(w, 0);
	}
}

zt_err zt_identity_agree(const struct zt_identity *me, const struct zt_identity *them, uint8_t key[static 48])
{
	uint8_t full[ZT_C25519_AGREEMENT_LEN];
	zt_err err;

	if (!me->has_private)
		return ZT_EINVALID;
	err = zt_c25519_agree(full, me->priv, them->pub);
	if (!err)
		memcpy(key, full, ZT_SYMMETRIC_KEY_SIZE);
	zt_wipe(full, sizeof full);
	return err;
}

zt_err zt_identity_sign(const struct zt_identity *id, const void *msg, size_t n, uint8_t sig[static 96])
{
	if (!id->has_private)
		return ZT_EINVALID;
	zt_c25519_sign(sig, msg, n, id->pub, id->priv);
	return ZT_OK;
}

bool zt_identity_verify(const struct zt_identity *id, const void *msg, size_t n, const uint8_t *sig, size_t siglen)
{
	return zt_c25519_verify(id->pub, msg, n, sig, siglen);
}

bool zt_identity_equal(const struct zt_identity *a, const struct zt_identity *b)
{
	return a->address == b->address && a->type == b->type && memcmp(a->pub, b->pub, sizeof a->pub) == 0;
}

void zt_identity_wipe(struct zt_identity *id)
{
	zt_wipe(id->priv, sizeof id->priv);
	id->has_private = false;
}
