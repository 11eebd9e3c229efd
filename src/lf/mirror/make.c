/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Records and pulses made by the mirror for a client (lf.md §3.3): /makerecord (loopback clients
 * only, checked by http.c), /makepulse and /pulse. The mirror builds the record with links from its
 * own DAG, computes the proof of work the configuration asks for (none for an owner allowed to post
 * without work), signs it and puts it through the same acceptance rules as /post.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/log.h"
#include "lf/mirror/mirror.h"
#include "lf/pulse.h"
#include "node/buf.h"

#define MAKE_FAILED "record creation failed: "

/* The answer of a failure: 400 with the reference's "record creation failed: ..." message. */
static zt_err fail_body(int *status, char **body, size_t *len, int http, const char *why)
{
	char msg[ZT_LF_API_MESSAGE_MAX];
	struct zt_lf_str s = { 0 };
	snprintf(msg, sizeof msg, MAKE_FAILED "%s", why);
	*status = http;
	zt_err e = zt_lfapi_error_write(&s, http, msg, NULL);
	*body = zt_lf_str_take(&s, len);
	zt_lf_str_free(&s);
	return e ? e : *body ? ZT_OK : -ENOMEM;
}

static zt_err result_body(int *status, char **body, size_t *len, const struct zt_lf_make_result *mr)
{
	struct zt_lf_str s = { 0 };
	zt_err e = zt_lfapi_make_result_write(&s, mr);
	*status = 200;
	*body = e ? NULL : zt_lf_str_take(&s, len);
	zt_lf_str_free(&s);
	return e ? e : *body ? ZT_OK : -ENOMEM;
}

/* Owner and masking key of a MakeRecord/MakePulse request (lf.md §3.3 step 1). */
struct maker {
	struct zt_lf_owner owner;
	uint8_t pass_mk[32];
	const void *mk;
	size_t mklen;
	bool mk_set;
	uint8_t keys[ZT_LF_RECORD_MAX_SELECTORS][LFM_KEY_SIZE];
};

static zt_err maker_init(struct maker *mk, const struct zt_lf_make_request *req)
{
	zt_err e;
	memset(mk, 0, sizeof *mk);
	if (req->passphrase) {
		e = zt_lf_owner_from_passphrase(&mk->owner, mk->pass_mk, req->passphrase, strlen(req->passphrase));
		mk->mk = mk->pass_mk;
		mk->mklen = sizeof mk->pass_mk;
		mk->mk_set = true;
	} else if (req->owner_private && req->owner_private_len) {
		e = zt_lf_owner_load(&mk->owner, req->owner_private, req->owner_private_len);
	} else {
		e = ZT_EINVALID;
	}
	if (e == ZT_OK && !mk->owner.has_private)
		e = ZT_EINVALID;
	if (e)
		return e;
	if (req->masking_key_set) {
		mk->mk = req->masking_key;
		mk->mklen = req->masking_key_len;
		mk->mk_set = true;
	} else if (!mk->mk_set && req->nselectors) {
		mk->mk = req->selectors[0].name;
		mk->mklen = req->selectors[0].name_len;
	}
	for (unsigned i = 0; i < req->nselectors; i++)
		if ((e = zt_lf_selector_key(mk->keys[i], req->selectors[i].name, req->selectors[i].name_len,
					    req->selectors[i].ordinal)))
			return e;
	return ZT_OK;
}

static void maker_wipe(struct maker *mk)
{
	sodium_memzero(mk, sizeof *mk);
}

/* The newest synchronised record of this owner with exactly these selector keys. */
static zt_err newest_record(struct lfm *m, const struct maker *mk, unsigned nsel, struct zt_lf_record *rec)
{
	struct lfm_txn t;
	uint8_t hash[ZT_LF_HASH_SIZE];
	zt_err e = lfm_txn_begin(m->store, &t, false);
	if (e)
		return e;
	e = lfm_owner_newest(&t, mk->owner.pub, mk->owner.pub_len, (const uint8_t(*)[LFM_KEY_SIZE])mk->keys, nsel,
			     hash);
	if (!e)
		e = lfm_get_record(&t, hash, rec);
	lfm_txn_abort(&t);
	return e;
}

/* Makes the pulse for `minutes` after rec's timestamp and applies it here. */
static zt_err pulse_send(struct lfm *m, const struct maker *mk, const struct zt_lf_make_request *req,
			 const struct zt_lf_record *rec, uint32_t minutes, struct zt_lf_make_result *mr)
{
	struct lfm_policy p;
	struct lfm_txn t;
	uint64_t seed;
	zt_err e = zt_lf_record_pulse_seed(&seed, &mk->owner, req->selectors, req->nselectors, rec->timestamp);
	if (e)
		return e;
	zt_lf_pulse_make(mr->pulse, seed, minutes);
	mr->has_pulse = true;
	if (!zt_lf_pulse_check(mr->pulse, rec->pulse_token))
		return ZT_OK; /* not this record's chain (another key made it): not accepted */
	lfm_policy_get(m, &p);
	if ((e = lfm_txn_begin(m->store, &t, true)))
		return e;
	e = lfm_pulse_apply(&t, rec->pulse_token, minutes, p.now, p.drift, &mr->accepted);
	if (!e)
		e = lfm_txn_commit(&t);
	else
		lfm_txn_abort(&t);
	return e;
}

/*
 * Collision-table memory for a difficulty: about four slots per collider the search is expected
 * to try (the square root of the collision modulus), 8 bytes each, within [1 MiB, cap].
 */
static size_t work_memory_for(uint32_t difficulty, size_t cap)
{
	uint64_t m = zt_lf_wharrgarbl_diff64(difficulty), r = m >> 32 ? (uint64_t)1 << 32 : 1;
	for (int i = 0; i < 64; i++) /* Newton's method for the integer square root */
		r = (r + m / r) / 2;
	uint64_t bytes = r * 4 * 8;
	if (bytes < ZT_LF_SOLVE_MIN_MEMORY)
		bytes = ZT_LF_SOLVE_MIN_MEMORY;
	return bytes > cap ? cap : (size_t)bytes;
}

static bool make_cancelled(void *arg)
{
	return atomic_load(&((struct lfm *)arg)->stop);
}

/* Builds, works, signs and posts a new record; on success mr holds it. */
static zt_err make_new(struct lfm *m, const struct maker *mk, const struct zt_lf_make_request *req, uint64_t ts,
		       const void *value, size_t value_len, struct zt_lf_make_result *mr, struct lfm_verdict *v,
		       int *status)
{
	struct lfm_policy p;
	struct lfm_txn t;
	uint8_t links[ZT_LF_RECORD_MAX_LINKS][ZT_LF_HASH_SIZE];
	size_t nlinks = 0;
	struct zt_lf_record rec = { 0 };
	struct lfm_entry e = { 0 };
	zt_err err;

	lfm_policy_get(m, &p);
	*status = 400;
	memset(v, 0, sizeof *v);
	if (!p.have_genesis) {
		snprintf(v->why, sizeof v->why, "no genesis records loaded (import the network's records first)");
		return ZT_OK;
	}
	bool no_work = lfm_config_owner_without_work(&m->cfg, mk->owner.pub, mk->owner.pub_len);
	if (!no_work && p.auth_required) {
		snprintf(v->why, sizeof v->why, "certificate required");
		return ZT_OK;
	}
	if ((err = lfm_txn_begin(m->store, &t, false)))
		return err;
	nlinks = lfm_links(&t, links, p.min_links < ZT_LF_RECORD_MAX_LINKS ? p.min_links : ZT_LF_RECORD_MAX_LINKS);
	lfm_txn_abort(&t);

	struct zt_lf_record_params rp = {
		.owner = &mk->owner,
		.value = value,
		.value_len = value_len,
		.masking_key = mk->mk,
		.masking_key_len = mk->mklen,
		.masking_key_set = mk->mk_set,
		.selectors = req->selectors,
		.selector_count = req->nselectors,
		.links = (const uint8_t(*)[ZT_LF_HASH_SIZE])links,
		.link_count = (unsigned)nlinks,
		.timestamp = ts,
		.type = ZT_LF_TYPE_DATUM,
		.pulse = true,
	};
	if ((err = zt_lf_record_make(&rec, &rp)))
		goto out;
	if (!no_work && (m->cfg.work_lf || m->cfg.work_difficulty)) {
		struct zt_lf_solve_opts so = {
			.threads = m->cfg.work_threads,
			.memory = 0, /* below, once the difficulty is known */
			.cancel = make_cancelled,
			.arg = m,
		};
		if (!m->wtable_loaded) {
			err = ZT_EUNSUPPORTED;
			goto out;
		}
		struct zt_lf_record_hashes h;
		if ((err = zt_lf_record_hashes(&rec, &h)))
			goto out;
		uint32_t difficulty = m->cfg.work_lf ? zt_lf_wharrgarbl_cost(h.billable) : m->cfg.work_difficulty;
		so.memory = work_memory_for(difficulty, m->cfg.work_memory);
		pthread_mutex_lock(&m->make_lock);
		err = zt_lf_record_make_work(&rec, &m->wtable, difficulty, &so);
		pthread_mutex_unlock(&m->make_lock);
		if (err)
			goto out;
	}
	if ((err = zt_lf_record_sign(&rec, &mk->owner)))
		goto out;
	{
		size_t size = zt_lf_record_size(&rec);
		uint8_t *bytes = malloc(size ? size : 1);
		struct zt_wbuf w = zt_wbuf_init(bytes, size);
		if (!bytes) {
			err = -ENOMEM;
			goto out;
		}
		if (!(err = zt_lf_record_serialize(&rec, &w)))
			err = lfm_post(m, bytes, w.len, &e, v, status);
		free(bytes);
	}
	if (!err && *status == 200) {
		mr->has_record = true;
		mr->accepted = true;
		mr->record = e.rec;
		memset(&e.rec, 0, sizeof e.rec);
	}
out:
	lfm_entry_free(&e);
	zt_lf_record_clear(&rec);
	return err;
}

zt_err lfm_makerecord(struct lfm *m, const struct zt_lf_make_request_parsed *req, int *status, char **body,
		      size_t *len)
{
	struct maker mk;
	struct zt_lf_make_result mr = { 0 };
	struct zt_lf_record old = { 0 };
	struct lfm_verdict v = { 0 };
	uint64_t now = lfm_now(), ts = req->m.timestamp ? req->m.timestamp : now;
	zt_err e;

	*body = NULL;
	if (maker_init(&mk, &req->m)) {
		maker_wipe(&mk);
		return fail_body(status, body, len, 400, "invalid private key");
	}
	if (req->m.pulse_if_unchanged && newest_record(m, &mk, req->m.nselectors, &old) == ZT_OK) {
		uint8_t *val = NULL;
		size_t vlen = 0;
		bool same = zt_lf_record_value(&old, mk.mk, mk.mklen, &val, &vlen) == ZT_OK && vlen == req->m.value_len &&
			    (vlen == 0 || !memcmp(val, req->m.value, vlen));
		free(val);
		if (same) {
			uint64_t minutes = ts > old.timestamp ? (ts - old.timestamp) / 60 : 0;
			if (minutes > 0 && minutes < ZT_LF_PULSE_SPAN) {
				e = pulse_send(m, &mk, &req->m, &old, (uint32_t)minutes, &mr);
			} else {
				mr.has_record = true;
				mr.record = old;
				memset(&old, 0, sizeof old);
				e = ZT_OK;
			}
			if (!e)
				e = result_body(status, body, len, &mr);
			goto out;
		}
	}
	e = make_new(m, &mk, &req->m, ts, req->m.value, req->m.value_len, &mr, &v, status);
	if (e == -ECANCELED)
		e = fail_body(status, body, len, 503, "shutting down");
	else if (!e && *status != 200)
		e = fail_body(status, body, len, 400, v.why);
	else if (!e)
		e = result_body(status, body, len, &mr);
out:
	zt_lf_record_clear(&old);
	zt_lf_make_result_free(&mr);
	maker_wipe(&mk);
	return e;
}

zt_err lfm_makepulse(struct lfm *m, const json_t *doc, int *status, char **body, size_t *len)
{
	char why[ZT_LF_WHY_MAX];
	struct zt_lf_make_request_parsed req;
	struct maker mk;
	struct zt_lf_make_result mr = { 0 };
	struct zt_lf_record old = { 0 };
	struct lfm_verdict v = { 0 };
	zt_err e;

	*body = NULL;
	if (zt_lfapi_make_parse(doc, &req, why, sizeof why)) {
		char msg[ZT_LF_API_MESSAGE_MAX];
		struct zt_lf_str s = { 0 };
		snprintf(msg, sizeof msg, "invalid or malformed payload: %s", why);
		*status = 400;
		e = zt_lfapi_error_write(&s, 400, msg, NULL);
		*body = zt_lf_str_take(&s, len);
		zt_lf_str_free(&s);
		return e ? e : *body ? ZT_OK : -ENOMEM;
	}
	json_t *nr = zt_lf_json_get(doc, "NewRecordIfPulseSpanExceeded");
	bool renew = !json_is_false(nr);
	uint64_t now = lfm_now(), ts = req.m.timestamp ? req.m.timestamp : now;
	if (maker_init(&mk, &req.m)) {
		e = fail_body(status, body, len, 400, "invalid private key");
		goto out;
	}
	if (newest_record(m, &mk, req.m.nselectors, &old) != ZT_OK) {
		e = fail_body(status, body, len, 400, "record not found");
		goto out;
	}
	if (old.timestamp > ts) {
		e = fail_body(status, body, len, 400, "record is newer than timestamp");
		goto out;
	}
	uint64_t minutes = (ts - old.timestamp) / 60;
	if (minutes == 0 || (minutes > ZT_LF_PULSE_SPAN && !renew)) {
		e = result_body(status, body, len, &mr);
	} else if (minutes <= ZT_LF_PULSE_SPAN) {
		e = pulse_send(m, &mk, &req.m, &old, (uint32_t)minutes, &mr);
		if (!e)
			e = result_body(status, body, len, &mr);
	} else {
		/* Past a year of pulses: the old value again, as a new record (with links, unlike the reference). */
		uint8_t *val = NULL;
		size_t vlen = 0;
		zt_lf_record_value(&old, mk.mk, mk.mklen, &val, &vlen);
		e = make_new(m, &mk, &req.m, ts, val, vlen, &mr, &v, status);
		free(val);
		if (!e && *status != 200)
			e = fail_body(status, body, len, 400, v.why);
		else if (!e)
			e = result_body(status, body, len, &mr);
	}
out:
	zt_lf_record_clear(&old);
	zt_lf_make_result_free(&mr);
	maker_wipe(&mk);
	zt_lf_make_request_parsed_free(&req);
	return e;
}

zt_err lfm_pulse(struct lfm *m, const uint8_t *in, size_t n, int *status, char **body, size_t *len)
{
	struct zt_lf_make_result mr = { 0 };
	struct lfm_policy p;
	struct lfm_txn t;
	uint64_t key;
	uint32_t minutes;
	zt_err e;
	*body = NULL;
	if (n < ZT_LF_PULSE_SIZE) {
		struct zt_lf_str s = { 0 };
		*status = 400;
		e = zt_lfapi_error_write(&s, 400, "read error: unexpected EOF", NULL);
		*body = zt_lf_str_take(&s, len);
		zt_lf_str_free(&s);
		return e ? e : *body ? ZT_OK : -ENOMEM;
	}
	memcpy(mr.pulse, in, ZT_LF_PULSE_SIZE);
	mr.has_pulse = true;
	zt_lf_pulse_parse(mr.pulse, &key, &minutes);
	if (key) {
		lfm_policy_get(m, &p);
		if ((e = lfm_txn_begin(m->store, &t, true)))
			return e;
		e = lfm_pulse_apply(&t, zt_lf_th64n(key, minutes), minutes, p.now, p.drift, &mr.accepted);
		if (!e)
			e = lfm_txn_commit(&t);
		else
			lfm_txn_abort(&t);
		if (e)
			return e;
	}
	return result_body(status, body, len, &mr);
}
