/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/txt.h"
#include "node/crypto.h"
#include "node/encoding.h"
#include "node/hex.h"

#define PREFIX_LEN (sizeof ZT_DNS_TXT_PREFIX - 1)
#define TAG_LEN 4
#define TAG_HEX_LEN (2 * TAG_LEN)
#define TAG_OFF PREFIX_LEN
#define INDEX_OFF (TAG_OFF + TAG_HEX_LEN + 1)
#define COUNT_OFF (INDEX_OFF + 3)
#define PIECE_OFF ZT_DNS_TXT_HEADER_LEN
#define DIGITS 2
#define BLOB_MAX (ZT_DNS_TXT_MAX_PIECES * ZT_DNS_TXT_PIECE_LEN)

static void tag_of(uint8_t tag[static TAG_LEN], const uint8_t *blob, size_t len)
{
	uint8_t h[64];

	zt_sha512(h, blob, len);
	memcpy(tag, h, TAG_LEN);
}

zt_err zt_dns_txt_split(const struct zt_rootset *rs, struct zt_dns_txt_records *out)
{
	uint8_t tag[TAG_LEN];
	char tag_hex[TAG_HEX_LEN + 1];
	size_t len = rs->raw_len;
	unsigned count = (unsigned)((len + ZT_DNS_TXT_PIECE_LEN - 1) / ZT_DNS_TXT_PIECE_LEN);

	memset(out, 0, sizeof *out);
	if (!len || len > ZT_ROOTSET_MAX_LENGTH || count > ZT_DNS_TXT_MAX_PIECES)
		return ZT_EINVALID;
	tag_of(tag, rs->raw, len);
	zt_hex_encode(tag_hex, tag, TAG_LEN);
	for (unsigned i = 0; i < count; i++) {
		size_t off = (size_t)i * ZT_DNS_TXT_PIECE_LEN;
		size_t n = len - off < ZT_DNS_TXT_PIECE_LEN ? len - off : ZT_DNS_TXT_PIECE_LEN;

		snprintf(out->rec[i], ZT_DNS_TXT_HEADER_LEN + 1, ZT_DNS_TXT_PREFIX "%s:%02u/%02u:", tag_hex, i, count);
		zt_base64url_encode(out->rec[i] + ZT_DNS_TXT_HEADER_LEN, rs->raw + off, n);
	}
	out->count = count;
	return ZT_OK;
}

/* A decoded piece. */
struct piece {
	uint8_t tag[TAG_LEN];
	unsigned index, count;
	size_t len;
	uint8_t data[ZT_DNS_TXT_PIECE_LEN];
};

/* One set being put back together. */
struct assembly {
	uint8_t tag[TAG_LEN];
	unsigned count;
	uint64_t have; /* bit i: piece i arrived */
	bool conflict;
	size_t last_len;
	uint8_t blob[BLOB_MAX];
};

static bool two_digits(const uint8_t *p, unsigned *v)
{
	if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9')
		return false;
	*v = (unsigned)(p[0] - '0') * 10 + (unsigned)(p[1] - '0');
	return true;
}

static bool lower_hex(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return false;
	return true;
}

/* Strict: every record has exactly one spelling, so a record that parses means what it says. */
static bool piece_parse(struct piece *pc, const uint8_t *r, size_t len)
{
	char tag_hex[TAG_HEX_LEN + 1];
	long n;

	if (len <= PIECE_OFF || len > ZT_DNS_TXT_RECORD_MAX || r[TAG_OFF + TAG_HEX_LEN] != ':' ||
	    r[INDEX_OFF + DIGITS] != '/' || r[COUNT_OFF + DIGITS] != ':' || !lower_hex(r + TAG_OFF, TAG_HEX_LEN) ||
	    !two_digits(r + INDEX_OFF, &pc->index) || !two_digits(r + COUNT_OFF, &pc->count))
		return false;
	if (!pc->count || pc->count > ZT_DNS_TXT_MAX_PIECES || pc->index >= pc->count)
		return false;
	memcpy(tag_hex, r + TAG_OFF, TAG_HEX_LEN);
	tag_hex[TAG_HEX_LEN] = '\0';
	if (!zt_hex_decode(pc->tag, TAG_LEN, tag_hex))
		return false;
	n = zt_base64url_decode(pc->data, sizeof pc->data, (const char *)r + PIECE_OFF, len - PIECE_OFF);
	if (n <= 0)
		return false;
	pc->len = (size_t)n;
	/* Every piece but the last is full, so the cut points are fixed. */
	return pc->index + 1 == pc->count || pc->len == ZT_DNS_TXT_PIECE_LEN;
}

static struct assembly *assembly_for(struct assembly *sets, unsigned *nsets, const struct piece *pc)
{
	for (unsigned i = 0; i < *nsets; i++)
		if (!memcmp(sets[i].tag, pc->tag, TAG_LEN))
			return &sets[i];
	if (*nsets == ZT_DNS_TXT_MAX_SETS)
		return NULL;
	struct assembly *a = &sets[(*nsets)++];
	memcpy(a->tag, pc->tag, TAG_LEN);
	a->count = pc->count;
	a->have = 0;
	a->conflict = false;
	a->last_len = 0;
	return a;
}

static void assembly_add(struct assembly *a, const struct piece *pc)
{
	uint8_t *slot = a->blob + (size_t)pc->index * ZT_DNS_TXT_PIECE_LEN;
	uint64_t bit = 1ULL << pc->index;

	if (pc->count != a->count) {
		a->conflict = true;
		return;
	}
	if (a->have & bit) {
		/* The same piece twice is harmless (a server may repeat a string); two different ones are not. */
		bool last = pc->index + 1 == a->count;
		if ((last && pc->len != a->last_len) || memcmp(slot, pc->data, pc->len))
			a->conflict = true;
		return;
	}
	memcpy(slot, pc->data, pc->len);
	if (pc->index + 1 == a->count)
		a->last_len = pc->len;
	a->have |= bit;
}

/* Is a better than b as the set to use (both acceptable)? Newer; on a tie, the lower digest. */
static bool better(const struct zt_rootset *a, const struct zt_rootset *b)
{
	struct zt_rootset_state sa, sb;

	if (a->timestamp != b->timestamp)
		return a->timestamp > b->timestamp;
	zt_rootset_state_of(&sa, a);
	zt_rootset_state_of(&sb, b);
	return memcmp(sa.digest, sb.digest, sizeof sa.digest) < 0;
}

/* Checks one complete assembly; on success *cand holds the set and it is acceptable. */
static zt_err assembly_check(const struct assembly *a, const struct zt_dns_name *name,
			     const struct zt_rootset_state *cur, struct zt_rootset *cand, bool *unchanged,
			     struct zt_dns_verdict *v)
{
	uint64_t all = a->count == 64 ? UINT64_MAX : (1ULL << a->count) - 1;
	size_t len = (size_t)(a->count - 1) * ZT_DNS_TXT_PIECE_LEN + a->last_len;
	uint8_t tag[TAG_LEN];
	zt_err err;

	if (a->conflict) {
		v->conflicting++;
		return ZT_EMALFORMED;
	}
	if (a->have != all) {
		v->incomplete++;
		return ZT_ETRUNCATED;
	}
	tag_of(tag, a->blob, len);
	if (memcmp(tag, a->tag, TAG_LEN)) {
		v->conflicting++;
		return ZT_EMALFORMED;
	}
	if (zt_rootset_parse(cand, a->blob, len) != ZT_OK) {
		v->invalid++;
		return ZT_EMALFORMED;
	}
	err = zt_rootset_accept(cur, name->key, cand, unchanged);
	if (err == ZT_EAUTH)
		v->forged++;
	else if (err == ZT_EINVALID)
		v->invalid++;
	else if (err == ZT_ESTALE)
		v->stale++;
	return err == ZT_EINVALID ? ZT_EMALFORMED : err;
}

static zt_err verdict_error(const struct zt_dns_verdict *v)
{
	if (v->forged)
		return ZT_EAUTH;
	if (v->stale)
		return ZT_ESTALE;
	if (v->conflicting || v->invalid || v->malformed)
		return ZT_EMALFORMED;
	if (v->incomplete)
		return ZT_ETRUNCATED;
	return ZT_ENOTFOUND;
}

zt_err zt_dns_rootset_from_txt(const struct zt_dns_name *name, const struct zt_dns_txt *recs, size_t n,
			       const struct zt_rootset_state *cur, struct zt_rootset *out, struct zt_dns_verdict *v)
{
	struct zt_dns_verdict local;
	struct assembly *sets = malloc(ZT_DNS_TXT_MAX_SETS * sizeof *sets);
	struct zt_rootset *cand = malloc(sizeof *cand);
	struct piece pc;
	unsigned nsets = 0;
	bool found = false, unchanged = false;
	zt_err err = -ENOMEM;

	if (!v)
		v = &local;
	memset(v, 0, sizeof *v);
	if (!sets || !cand)
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct assembly *a;

		v->records++;
		if (recs[i].len < PREFIX_LEN || memcmp(recs[i].data, ZT_DNS_TXT_PREFIX, PREFIX_LEN)) {
			v->foreign++;
			continue;
		}
		if (!piece_parse(&pc, recs[i].data, recs[i].len)) {
			v->malformed++;
			continue;
		}
		a = assembly_for(sets, &nsets, &pc);
		if (!a) {
			v->dropped++;
			continue;
		}
		assembly_add(a, &pc);
	}
	v->sets = nsets;
	for (unsigned i = 0; i < nsets; i++) {
		bool same;

		if (assembly_check(&sets[i], name, cur, cand, &same, v) != ZT_OK)
			continue;
		if (!found || better(cand, out)) {
			memcpy(out, cand, sizeof *out);
			unchanged = same;
			found = true;
		}
	}
	v->unchanged = found && unchanged;
	err = found ? ZT_OK : verdict_error(v);
out:
	free(sets);
	free(cand);
	return err;
}
