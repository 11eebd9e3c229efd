/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "world.h"

/* Reads one stable endpoint; only encodings that re-serialize to the same bytes are accepted. */
static zt_err read_endpoint(struct zt_inetaddr *a, struct zt_buf *b)
{
	size_t before = zt_buf_left(b);
	zt_err err = zt_inetaddr_read(a, b);
	if (err)
		return err;
	if (before - zt_buf_left(b) != zt_inetaddr_wire_len(a))
		return ZT_EUNSUPPORTED;
	return ZT_OK;
}

static zt_err read_root(struct zt_world_root *r, struct zt_buf *b)
{
	zt_err err = zt_identity_read(&r->identity, b);
	if (err)
		return err;
	if (r->identity.has_private) {
		zt_identity_wipe(&r->identity);
		return ZT_EMALFORMED;
	}
	r->endpoint_count = zt_buf_u8(b);
	if (b->err)
		return ZT_ETRUNCATED;
	if (r->endpoint_count > ZT_WORLD_MAX_STABLE_ENDPOINTS_PER_ROOT)
		return ZT_ETOOBIG;
	for (unsigned i = 0; i < r->endpoint_count; i++) {
		err = read_endpoint(&r->endpoints[i], b);
		if (err)
			return err;
	}
	return ZT_OK;
}

zt_err zt_world_read(struct zt_world *w, struct zt_buf *b)
{
	const uint8_t *start = b->p;
	size_t avail = zt_buf_left(b);
	zt_err err = ZT_ETRUNCATED;

	memset(w, 0, sizeof *w);
	w->type = zt_buf_u8(b);
	w->id = zt_buf_u64(b);
	w->timestamp = zt_buf_u64(b);
	zt_buf_copy(b, w->updates_must_be_signed_by, sizeof w->updates_must_be_signed_by);
	zt_buf_copy(b, w->signature, sizeof w->signature);
	w->root_count = zt_buf_u8(b);
	if (b->err)
		goto out;
	if (w->type != ZT_WORLD_TYPE_NULL && w->type != ZT_WORLD_TYPE_PLANET && w->type != ZT_WORLD_TYPE_MOON) {
		err = ZT_EUNSUPPORTED;
		goto out;
	}
	if (w->root_count > ZT_WORLD_MAX_ROOTS) {
		err = ZT_ETOOBIG;
		goto out;
	}
	for (unsigned i = 0; i < w->root_count; i++) {
		err = read_root(&w->roots[i], b);
		if (err)
			goto out;
	}
	if (w->type == ZT_WORLD_TYPE_MOON) {
		w->moon_dict_len = zt_buf_u16(b);
		w->moon_dict_off = (size_t)(b->p - start);
		zt_buf_skip(b, w->moon_dict_len);
	}
	if (b->err) {
		err = ZT_ETRUNCATED;
		goto out;
	}
	w->raw_len = avail - zt_buf_left(b);
	if (w->raw_len > ZT_WORLD_MAX_SERIALIZED_LENGTH) {
		err = ZT_ETOOBIG;
		goto out;
	}
	memcpy(w->raw, start, w->raw_len);
	err = ZT_OK;
out:
	if (err)
		memset(w, 0, sizeof *w);
	return err;
}

zt_err zt_world_parse(struct zt_world *w, const uint8_t *data, size_t len, size_t *consumed)
{
	struct zt_buf b = zt_buf_init(data, len);
	zt_err err = zt_world_read(w, &b);
	if (consumed)
		*consumed = err ? 0 : w->raw_len;
	return err;
}

/* Everything after the signature up to (not including) the moon dictionary. */
static void write_roots(const struct zt_world *w, struct zt_wbuf *out)
{
	zt_wbuf_u8(out, w->root_count);
	for (unsigned i = 0; i < w->root_count; i++) {
		const struct zt_world_root *r = &w->roots[i];
		zt_identity_write(&r->identity, false, out);
		zt_wbuf_u8(out, r->endpoint_count);
		for (unsigned j = 0; j < r->endpoint_count; j++)
			zt_inetaddr_write(&r->endpoints[j], out);
	}
}

static void write_head(const struct zt_world *w, struct zt_wbuf *out)
{
	zt_wbuf_u8(out, w->type);
	zt_wbuf_u64(out, w->id);
	zt_wbuf_u64(out, w->timestamp);
	zt_wbuf_put(out, w->updates_must_be_signed_by, sizeof w->updates_must_be_signed_by);
}

static bool counts_valid(const struct zt_world *w)
{
	if (w->root_count > ZT_WORLD_MAX_ROOTS)
		return false;
	for (unsigned i = 0; i < w->root_count; i++)
		if (w->roots[i].endpoint_count > ZT_WORLD_MAX_STABLE_ENDPOINTS_PER_ROOT)
			return false;
	/* The dictionary lives inside raw; a reference outside it is a caller bug. */
	return w->moon_dict_len == 0 ||
	       (w->moon_dict_off <= sizeof w->raw && w->moon_dict_len <= sizeof w->raw - w->moon_dict_off);
}

/* Checks the size limit on what was just written (from `start` on). */
static zt_err finish(struct zt_wbuf *out, size_t start, size_t markers)
{
	if (out->err)
		return ZT_ENOSPACE;
	if (out->len - start - markers > ZT_WORLD_MAX_SERIALIZED_LENGTH)
		return ZT_ETOOBIG;
	return ZT_OK;
}

zt_err zt_world_serialize(const struct zt_world *w, struct zt_wbuf *out)
{
	size_t start = out->len;
	if (!counts_valid(w))
		return ZT_EINVALID;
	write_head(w, out);
	zt_wbuf_put(out, w->signature, sizeof w->signature);
	write_roots(w, out);
	if (w->type == ZT_WORLD_TYPE_MOON) {
		if (w->moon_dict_len > UINT16_MAX)
			return ZT_EINVALID;
		zt_wbuf_u16(out, (uint16_t)w->moon_dict_len);
		zt_wbuf_put(out, w->raw + w->moon_dict_off, w->moon_dict_len);
	}
	return finish(out, start, 0);
}

zt_err zt_world_update_raw(struct zt_world *w)
{
	uint8_t tmp[ZT_WORLD_MAX_SERIALIZED_LENGTH];
	struct zt_wbuf out = zt_wbuf_init(tmp, sizeof tmp);
	zt_err err = zt_world_serialize(w, &out);
	if (err)
		return out.err ? ZT_ETOOBIG : err;
	memcpy(w->raw, tmp, out.len);
	w->raw_len = out.len;
	/* The dictionary is the tail of a moon; edited roots may have moved it. */
	if (w->type == ZT_WORLD_TYPE_MOON)
		w->moon_dict_off = out.len - w->moon_dict_len;
	return ZT_OK;
}

zt_err zt_world_signed_message(const struct zt_world *w, struct zt_wbuf *out)
{
	size_t start = out->len;
	if (!counts_valid(w))
		return ZT_EINVALID;
	for (int i = 0; i < ZT_WORLD_SIGNED_MARKER_LEN; i++)
		zt_wbuf_u8(out, ZT_WORLD_SIGNED_PREFIX);
	write_head(w, out);
	write_roots(w, out);
	/* The signer always writes a zero dictionary length, whatever the moon carries (§2). */
	if (w->type == ZT_WORLD_TYPE_MOON)
		zt_wbuf_u16(out, 0);
	for (int i = 0; i < ZT_WORLD_SIGNED_MARKER_LEN; i++)
		zt_wbuf_u8(out, ZT_WORLD_SIGNED_SUFFIX);
	return finish(out, start, 2 * ZT_WORLD_SIGNED_MARKER_LEN);
}

/* The signed message is shorter than the world itself (no signature), so this always suffices. */
#define SIGNED_MESSAGE_MAX (ZT_WORLD_MAX_SERIALIZED_LENGTH + 2 * ZT_WORLD_SIGNED_MARKER_LEN)

zt_err zt_world_sign(struct zt_world *w, const uint8_t pub[static ZT_C25519_PUBLIC_LEN],
		     const uint8_t priv[static ZT_C25519_PRIVATE_LEN])
{
	uint8_t msg[SIGNED_MESSAGE_MAX];
	struct zt_wbuf out = zt_wbuf_init(msg, sizeof msg);
	zt_err err = zt_world_signed_message(w, &out);
	if (err)
		return err;
	zt_c25519_sign(w->signature, msg, out.len, pub, priv);
	return zt_world_update_raw(w);
}

bool zt_world_verify(const struct zt_world *w, const uint8_t signer[static ZT_C25519_PUBLIC_LEN])
{
	uint8_t msg[SIGNED_MESSAGE_MAX];
	struct zt_wbuf out = zt_wbuf_init(msg, sizeof msg);
	if (zt_world_signed_message(w, &out))
		return false;
	return zt_c25519_verify(signer, msg, out.len, w->signature, sizeof w->signature);
}

bool zt_world_is_empty(const struct zt_world *current)
{
	return !current || current->id == 0 || current->type == ZT_WORLD_TYPE_NULL;
}

zt_err zt_world_check_update(const struct zt_world *current, const struct zt_world *candidate)
{
	/* An empty candidate would make the slot empty again, re-opening it to anything (rule 1). */
	if (zt_world_is_empty(candidate))
		return ZT_EINVALID;
	/* Rule 1, trust on first use: 1.x does not check the signature here, and neither do we. */
	if (zt_world_is_empty(current))
		return ZT_OK;
	if (candidate->id != current->id || candidate->type != current->type)
		return ZT_EINVALID;
	if (candidate->timestamp <= current->timestamp)
		return ZT_ESTALE;
	/* The key named by the world we hold, not the one inside the update: that is what chains trust. */
	if (!zt_world_verify(candidate, current->updates_must_be_signed_by))
		return ZT_EAUTH;
	return ZT_OK;
}

bool zt_world_should_accept(const struct zt_world *current, const struct zt_world *candidate)
{
	return zt_world_check_update(current, candidate) == ZT_OK;
}

const struct zt_world_root *zt_world_find_root(const struct zt_world *w, uint64_t address)
{
	for (unsigned i = 0; i < w->root_count && i < ZT_WORLD_MAX_ROOTS; i++)
		if (w->roots[i].identity.address == address)
			return &w->roots[i];
	return NULL;
}
