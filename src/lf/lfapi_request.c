/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading the requests of LF's HTTP API as a server does (lf.md §3.4, §3.5): Query and MakeRecord,
 * into owned copies, with the reference's interpretation of range shapes.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lf/lfapi_rd.h"

static void rd_owner_any(struct lf_rd *r, const json_t *v, const char *k, struct zt_lf_owner_id *id)
{
	if (json_is_string(v)) {
		lf_rd_owner_value(r, v, k, id);
		return;
	}
	memset(id, 0, sizeof *id);
	lf_rd_blob_into_value(r, v, k, id->pub, sizeof id->pub, &id->len);
}

static struct zt_lf_owner_id *rd_owner_list(struct lf_rd *r, const json_t *o, const char *k, unsigned *n)
{
	json_t *a = lf_rd_array(r, o, k, UINT_MAX / sizeof(struct zt_lf_owner_id));
	struct zt_lf_owner_id *ids;
	*n = 0;
	if (!a || r->err != ZT_OK || !(ids = lf_rd_calloc(r, json_array_size(a), sizeof *ids)))
		return NULL;
	for (size_t i = 0; i < json_array_size(a) && r->err == ZT_OK; i++)
		rd_owner_any(r, json_array_get(a, i), k, &ids[i]);
	*n = (unsigned)json_array_size(a);
	return ids;
}

/* A range of a query as the reference reads it; false when the reference would drop it. */
static bool rd_range(struct lf_rd *r, const json_t *o, struct zt_lf_query_range *qr, uint8_t **name)
{
	json_t *kr = lf_rd_array(r, o, "KeyRange", SIZE_MAX);
	size_t n;
	memset(qr, 0, sizeof *qr);
	if (kr && json_array_size(kr) > 0) {
		if (json_array_size(kr) > 2)
			return false;
		uint8_t *keys[2] = { qr->key_lo, qr->key_hi };
		for (size_t i = 0; i < 2; i++) {
			json_t *v = json_array_get(kr, json_array_size(kr) == 2 ? i : 0);
			uint8_t *p;
			lf_rd_blob_value(r, v, "KeyRange", ZT_LF_SELECTOR_KEY_SIZE, &p, &n);
			if (p)
				memcpy(keys[i], p, n); /* short keys are zero-padded at the end */
			free(p);
		}
		qr->by_key = true;
		return r->err == ZT_OK;
	}
	lf_rd_blob(r, o, "Name", ZT_LF_RECORD_MAX_SIZE, name, &n);
	if (!*name)
		return false;
	qr->name = *name;
	qr->name_len = n;
	json_t *range = lf_rd_array(r, o, "Range", SIZE_MAX);
	size_t len = range ? json_array_size(range) : 0;
	if (len > 2)
		return false;
	for (size_t i = 0; i < len && r->err == ZT_OK; i++)
		if (zt_lf_json_u64(json_array_get(range, i), i ? &qr->hi : &qr->lo) != ZT_OK)
			lf_rd_fail(r, ZT_EMALFORMED, "field `Range' is not unsigned 64-bit integers");
	if (len < 2)
		qr->hi = qr->lo;
	return r->err == ZT_OK;
}

void zt_lf_query_request_free(struct zt_lf_query_request *qr)
{
	for (size_t i = 0; i < ZT_LF_MAX_QUERY_RANGES; i++)
		free(qr->names[i]);
	free(qr->masking_key);
	free(qr->owners);
	free(qr->oracles);
	memset(qr, 0, sizeof *qr);
}

zt_err zt_lfapi_query_parse(const json_t *doc, struct zt_lf_query_request *qr, char *why, size_t whycap)
{
	struct lf_rd r = lf_rd_init(why, whycap);
	size_t n;
	memset(qr, 0, sizeof *qr);
	if (!json_is_object(doc)) {
		lf_rd_fail(&r, ZT_EMALFORMED, "not an object");
		return r.err;
	}
	json_t *ranges = lf_rd_array(&r, doc, "Ranges", ZT_LF_MAX_QUERY_RANGES);
	for (size_t i = 0; ranges && i < json_array_size(ranges) && r.err == ZT_OK; i++) {
		json_t *o = json_array_get(ranges, i);
		if (!json_is_object(o))
			lf_rd_fail(&r, ZT_EMALFORMED, "field `Ranges' holds a non-object");
		else if (rd_range(&r, o, &qr->ranges[qr->q.nranges], &qr->names[qr->q.nranges]))
			qr->q.nranges++;
		else if (r.err == ZT_OK)
			qr->dropped++;
	}
	qr->q.ranges = qr->ranges;

	json_t *tr = lf_rd_array(&r, doc, "TimeRange", 2);
	if (tr && json_array_size(tr) > 0) {
		qr->q.time_range = true;
		qr->q.time_max = ZT_LF_TIME_MAX;
		if (zt_lf_json_u64(json_array_get(tr, 0), &qr->q.time_min) != ZT_OK ||
		    (json_array_size(tr) == 2 && zt_lf_json_u64(json_array_get(tr, 1), &qr->q.time_max) != ZT_OK))
			lf_rd_fail(&r, ZT_EMALFORMED, "field `TimeRange' is not unsigned 64-bit integers");
	}
	json_t *mk = lf_rd_get(&r, doc, "MaskingKey", false);
	lf_rd_blob_value(&r, mk, "MaskingKey", ZT_LF_RECORD_MAX_SIZE, &qr->masking_key, &n);
	qr->q.masking_key = qr->masking_key;
	qr->q.masking_key_len = n;
	qr->q.masking_key_set = n > 0;
	qr->owners = rd_owner_list(&r, doc, "Owners", &qr->q.nowners);
	qr->q.owners = qr->owners;
	qr->oracles = rd_owner_list(&r, doc, "Oracles", &qr->q.noracles);
	qr->q.oracles = qr->oracles;
	lf_rd_text(&r, doc, "SortOrder", qr->sort_order, sizeof qr->sort_order, false);
	qr->has_limit = lf_rd_get(&r, doc, "Limit", false) != NULL;
	qr->limit = lf_rd_long(&r, doc, "Limit", false);
	qr->q.open = lf_rd_bool(&r, doc, "Open", false);
	if (r.err != ZT_OK)
		zt_lf_query_request_free(qr);
	return r.err;
}

static void wipe_free(void *p, size_t n)
{
	if (p)
		sodium_memzero(p, n);
	free(p);
}

void zt_lf_make_request_parsed_free(struct zt_lf_make_request_parsed *mp)
{
	for (size_t i = 0; i < ZT_LF_RECORD_MAX_SELECTORS; i++)
		free(mp->names[i]);
	free(mp->value);
	wipe_free(mp->owner_private, mp->m.owner_private_len);
	free(mp->masking_key);
	wipe_free(mp->passphrase, mp->passphrase ? strlen(mp->passphrase) : 0);
	sodium_memzero(mp, sizeof *mp);
}

zt_err zt_lfapi_make_parse(const json_t *doc, struct zt_lf_make_request_parsed *mp, char *why, size_t whycap)
{
	struct lf_rd r = lf_rd_init(why, whycap);
	size_t n = 0;
	memset(mp, 0, sizeof *mp);
	if (!json_is_object(doc)) {
		lf_rd_fail(&r, ZT_EMALFORMED, "not an object");
		return r.err;
	}
	json_t *sel = lf_rd_array(&r, doc, "Selectors", ZT_LF_RECORD_MAX_SELECTORS);
	for (size_t i = 0; sel && i < json_array_size(sel) && r.err == ZT_OK; i++) {
		json_t *o = json_array_get(sel, i);
		struct zt_lf_selector_spec *sp = &mp->selectors[i];
		if (!json_is_object(o)) {
			lf_rd_fail(&r, ZT_EMALFORMED, "field `Selectors' holds a non-object");
			break;
		}
		lf_rd_blob(&r, o, "Name", ZT_LF_RECORD_MAX_SIZE, &mp->names[i], &sp->name_len);
		sp->name = mp->names[i];
		sp->ordinal = lf_rd_u64(&r, o, "Ordinal", false);
		mp->m.nselectors++;
	}
	mp->m.selectors = mp->selectors;
	lf_rd_blob(&r, doc, "Value", ZT_LF_RECORD_MAX_SIZE, &mp->value, &mp->m.value_len);
	mp->m.value = mp->value;
	lf_rd_blob(&r, doc, "OwnerPrivate", ZT_LF_OWNER_PEM_MAX_LEN, &mp->owner_private, &mp->m.owner_private_len);
	mp->m.owner_private = mp->owner_private;
	json_t *mk = lf_rd_get(&r, doc, "MaskingKey", false);
	lf_rd_blob_value(&r, mk, "MaskingKey", ZT_LF_RECORD_MAX_SIZE, &mp->masking_key, &n);
	mp->m.masking_key = mp->masking_key;
	mp->m.masking_key_len = n;
	mp->m.masking_key_set = n > 0;
	mp->passphrase = lf_rd_strdup(&r, doc, "Passphrase");
	if (mp->passphrase && !mp->passphrase[0]) {
		free(mp->passphrase);
		mp->passphrase = NULL;
	}
	mp->m.passphrase = mp->passphrase;
	mp->m.timestamp = lf_rd_u64(&r, doc, "Timestamp", false);
	mp->m.pulse_if_unchanged = lf_rd_bool(&r, doc, "PulseIfUnchanged", false);
	if (r.err != ZT_OK)
		zt_lf_make_request_parsed_free(mp);
	return r.err;
}
