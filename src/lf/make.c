/* SPDX-License-Identifier: Apache-2.0 */
/* Building records (lf.md §4.2 step 4): body, selectors, work, signature. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lf/mask.h"
#include "lf/pulse.h"
#include "lf/record.h"

static int link_cmp(const void *a, const void *b)
{
	return memcmp(a, b, ZT_LF_HASH_SIZE);
}

zt_err zt_lf_record_pulse_seed(uint64_t *seed, const struct zt_lf_owner *o, const struct zt_lf_selector_spec *sel,
			       unsigned nsel, uint64_t timestamp)
{
	uint8_t ph[32];
	zt_err err = zt_lf_owner_private_hash(o, ph);
	*seed = 0;
	if (err != ZT_OK)
		return err;
	*seed = zt_lf_pulse_seed(sel, nsel, timestamp, ph);
	sodium_memzero(ph, sizeof ph);
	return ZT_OK;
}

zt_err zt_lf_record_make(struct zt_lf_record *r, const struct zt_lf_record_params *p)
{
	struct zt_lf_record_hashes h;
	uint8_t *masked = NULL;
	size_t masked_len = 0;
	zt_err err;

	memset(r, 0, sizeof *r);
	if (!p->owner || !p->owner->pub_len || p->selector_count > ZT_LF_RECORD_MAX_SELECTORS ||
	    p->link_count > ZT_LF_RECORD_MAX_LINKS || p->type > ZT_LF_TYPE_MAX)
		return ZT_EINVALID;

	const void *mk = NULL;
	size_t mklen = 0;
	if (p->masking_key_set) {
		mk = p->masking_key;
		mklen = p->masking_key_len;
	} else if (p->selector_count) {
		mk = p->selectors[0].name;
		mklen = p->selectors[0].name_len;
	}
	err = zt_lf_value_mask(&masked, &masked_len, p->value, p->value_len, p->timestamp, mk, mklen, p->owner->pub,
			       p->owner->pub_len);
	if (err != ZT_OK)
		goto out;
	r->value = masked;
	r->value_len = masked_len;
	if ((err = zt_lf_record_set_owner(r, p->owner->pub, p->owner->pub_len)) != ZT_OK)
		goto out;

	if (p->link_count)
		memcpy(r->links, p->links, (size_t)p->link_count * ZT_LF_HASH_SIZE);
	qsort(r->links, p->link_count, ZT_LF_HASH_SIZE, link_cmp);
	for (unsigned i = 0; i < p->link_count; i++)
		if (r->link_count == 0 || memcmp(r->links[r->link_count - 1], r->links[i], ZT_LF_HASH_SIZE) != 0)
			memmove(r->links[r->link_count++], r->links[i], ZT_LF_HASH_SIZE);

	r->timestamp = p->timestamp;
	r->type = p->type;
	if (p->pulse) {
		uint64_t seed;
		if ((err = zt_lf_record_pulse_seed(&seed, p->owner, p->selectors, p->selector_count, p->timestamp)) !=
		    ZT_OK)
			goto out;
		r->pulse_token = zt_lf_pulse_token(seed);
	}

	/* Claims sign SHA256(B || ordinal), so B must be final before the selectors exist. */
	if ((err = zt_lf_record_hashes(r, &h)) != ZT_OK)
		goto out;
	for (unsigned i = 0; i < p->selector_count; i++)
		if ((err = zt_lf_selector_make(&r->selectors[i], &p->selectors[i], h.b)) != ZT_OK)
			goto out;
	r->selector_count = p->selector_count;
	err = ZT_OK;
out:
	if (err != ZT_OK)
		zt_lf_record_clear(r);
	return err;
}

zt_err zt_lf_record_make_work(struct zt_lf_record *r, const struct zt_lf_wtable *t, uint32_t difficulty,
			      const struct zt_lf_solve_opts *opts)
{
	struct zt_lf_record_hashes h;
	uint8_t work[ZT_LF_WORK_SIZE];
	/* W does not cover the work or the algorithm, so it is the same before and after. */
	zt_err err = zt_lf_record_hashes(r, &h);
	if (err != ZT_OK)
		return err;
	if (difficulty == 0)
		difficulty = zt_lf_wharrgarbl_cost(h.billable);
	if ((err = zt_lf_wharrgarbl_solve(t, h.w, difficulty, opts, work, NULL)) != ZT_OK)
		return err;
	memcpy(r->work, work, sizeof work);
	r->work_algorithm = ZT_LF_WORK_WHARRGARBL;
	return ZT_OK;
}

zt_err zt_lf_record_sign(struct zt_lf_record *r, const struct zt_lf_owner *o)
{
	struct zt_lf_record_hashes h;
	uint8_t sig[ZT_LF_OWNER_SIG_MAX_LEN];
	size_t siglen;
	zt_err err;
	if (r->owner_len != o->pub_len || memcmp(r->owner, o->pub, o->pub_len) != 0)
		return ZT_EINVALID;
	if ((err = zt_lf_record_hashes(r, &h)) != ZT_OK)
		return err;
	if ((err = zt_lf_owner_sign(o, h.s, sig, sizeof sig, &siglen)) != ZT_OK)
		return err;
	return zt_lf_record_set_signature(r, sig, siglen);
}
