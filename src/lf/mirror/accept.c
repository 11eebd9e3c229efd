/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The acceptance rules for records offered by /post and by imports (lf.md §1.9, §5.5), in the
 * reference's order so that the first failing rule gives the reference's reason. Approval follows
 * the mirror's configuration: an owner listed in "ownersWithoutWork", or work that pays LF's cost
 * (or the configured difficulty). Certificates are not evaluated (see docs/man/zerotier-lf.8).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lf/mirror/mirror.h"

#define PARSE_PREFIX "record deserialization failed: "
#define REJECT_PREFIX "record rejected or record import failed: "
#define ERR_RECORD "ErrRecord"

__attribute__((format(printf, 3, 4))) static zt_err verdict(struct lfm_verdict *v, enum lfm_verdict_kind kind,
							     const char *fmt, ...)
{
	va_list ap;
	v->kind = kind;
	va_start(ap, fmt);
	vsnprintf(v->why, sizeof v->why, fmt, ap);
	va_end(ap);
	return ZT_EINVALID;
}

zt_err lfm_parse(struct lfm_entry *e, const uint8_t *in, size_t n, size_t *consumed, struct lfm_verdict *v)
{
	struct zt_lf_record_hashes h;
	memset(e, 0, sizeof *e);
	memset(v, 0, sizeof *v);
	zt_err err = zt_lf_record_parse(&e->rec, in, n, consumed);
	if (err) {
		verdict(v, LFM_PARSE_ERROR, "%s", zt_lf_record_parse_reason(err, n));
		return err;
	}
	/* Hashes come from the parsed fields; the canonical re-serialization is what is stored. */
	size_t size = zt_lf_record_size(&e->rec);
	if (size > ZT_LF_RECORD_MAX_SIZE) {
		lfm_entry_free(e);
		verdict(v, LFM_REJECT, "record too large");
		return ZT_ETOOBIG;
	}
	if (!(e->bytes = malloc(size))) {
		lfm_entry_free(e);
		return -ENOMEM;
	}
	struct zt_wbuf w = zt_wbuf_init(e->bytes, size);
	if ((err = zt_lf_record_serialize(&e->rec, &w)) || w.len != size || (err = zt_lf_record_hashes(&e->rec, &h))) {
		lfm_entry_free(e);
		verdict(v, LFM_PARSE_ERROR, "invalid object");
		return err ? err : ZT_EINVALID;
	}
	e->size = size;
	memcpy(e->hash, h.hash, sizeof e->hash);
	return ZT_OK;
}

zt_err lfm_verify(const struct lfm_policy *p, struct lfm_entry *e, bool genesis, struct lfm_verdict *v)
{
	const struct zt_lf_record *r = &e->rec;
	struct zt_lf_record_hashes h;
	const char *why = NULL;
	memset(v, 0, sizeof *v);

	if (zt_lf_record_hashes(r, &h) != ZT_OK)
		return verdict(v, LFM_REJECT, "record invalid");
	if (!genesis) {
		if (!p->have_genesis)
			return verdict(v, LFM_REJECT, "no genesis records loaded (import the network's records first)");
		if (r->type == ZT_LF_TYPE_GENESIS &&
		    (r->owner_len != p->genesis_owner_len || memcmp(r->owner, p->genesis_owner, r->owner_len)))
			return verdict(v, LFM_REJECT, "record administratively prohibited");
		if (zt_lf_record_value_data_size(r) > p->max_value_size)
			return verdict(v, LFM_REJECT, "record value too large");
		if (r->link_count < p->min_links)
			return verdict(v, LFM_REJECT, "insufficient links");
		if (r->timestamp > p->now + p->drift)
			return verdict(v, LFM_REJECT, "record timestamp too far in the future");
	}
	if (zt_lf_record_check(r, &why) != ZT_OK)
		return verdict(v, LFM_REJECT, "%s", why ? why : "record invalid");
	if (zt_lf_owner_type_of(r->owner_len) == ZT_LF_OWNER_NONE ||
	    zt_lf_record_verify_signature(r, &h) != ZT_OK)
		return verdict(v, LFM_REJECT, "owner signature check failed");
	if (zt_lf_record_keys(r, &h, &e->keys) != ZT_OK)
		return verdict(v, LFM_REJECT, "selector claim check failed (no public key recovers from a claim)");

	uint32_t difficulty = 0;
	if (r->work_algorithm == ZT_LF_WORK_WHARRGARBL && p->wtable && p->wtable->data)
		difficulty = zt_lf_record_work_difficulty(r, &h, p->wtable);
	e->score = r->work_algorithm == ZT_LF_WORK_NONE ? ZT_LF_SCORE_NO_WORK : zt_lf_wharrgarbl_score(difficulty);

	if (genesis) {
		if (difficulty < zt_lf_wharrgarbl_cost(h.billable))
			return verdict(v, LFM_REJECT, "genesis record work check failed");
		e->approval = LFM_APPROVED_GENESIS;
		return ZT_OK;
	}
	if (lfm_config_owner_without_work(p->cfg, r->owner, r->owner_len)) {
		e->approval = LFM_APPROVED_OWNER;
		return ZT_OK;
	}
	uint32_t required = p->cfg->work_lf ? zt_lf_wharrgarbl_cost(h.billable) : p->cfg->work_difficulty;
	if (!p->auth_required && difficulty >= required && (difficulty || !p->cfg->work_lf)) {
		e->approval = LFM_APPROVED_WORK;
		return ZT_OK;
	}
	return verdict(v, LFM_NOT_APPROVED, "record not currently approved (via proof of work and/or certificates)");
}

zt_err lfm_verdict_json(const struct lfm_verdict *v, struct zt_lf_str *out)
{
	char msg[sizeof v->why + 64];
	if (v->kind == LFM_PARSE_ERROR) {
		snprintf(msg, sizeof msg, PARSE_PREFIX "%s", v->why);
		return zt_lfapi_error_write(out, 400, msg, NULL);
	}
	snprintf(msg, sizeof msg, REJECT_PREFIX "%s", v->why);
	return zt_lfapi_error_write(out, 0, msg, ERR_RECORD);
}
