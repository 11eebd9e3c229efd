/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The network's genesis records (lf.md §1.8): record 0's value, unmasked with no masking key, is
 * the GenesisParameters JSON; later type-1 records by the genesis owner with a value amend the
 * fields listed in AmendableFields, replayed in timestamp order.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lf/mirror/mirror.h"

#define GENESIS_MAX_RECORDS 1024

void lfm_genesis_free(struct lfm_genesis *g)
{
	struct zt_lf_status st = { 0 };
	st.genesis = g->params; /* zt_lf_status_free releases the parameters' heap parts */
	zt_lf_status_free(&st);
	json_decref(g->params_json);
	free(g->records);
	memset(g, 0, sizeof *g);
}

zt_err lfm_genesis_params_of(const struct zt_lf_record *r, json_t **params, char *why, size_t whycap)
{
	uint8_t *v = NULL;
	size_t n = 0;
	json_error_t je;
	*params = NULL;
	zt_err e = zt_lf_record_value(r, NULL, 0, &v, &n);
	if (e) {
		snprintf(why, whycap, "genesis record 0 has no readable value: %s", zt_strerror(e));
		return ZT_EINVALID;
	}
	json_t *doc = v ? zt_lf_json_loads((const char *)v, n, &je) : NULL;
	free(v);
	if (!json_is_object(doc)) {
		snprintf(why, whycap, "genesis record 0's value is not the GenesisParameters JSON object");
		json_decref(doc);
		return ZT_EINVALID;
	}
	*params = doc;
	return ZT_OK;
}

/* GenesisParameters JSON -> the struct, through the NodeStatus reader of lfapi_json.h. */
static zt_err params_decode(const json_t *obj, struct zt_lf_genesis_params *out, char *why, size_t whycap)
{
	struct zt_lf_status st;
	json_t *doc = json_pack("{s:i, s:i, s:O}", "APIVersion", 1, "Clock", 0, "GenesisParameters", obj);
	if (!doc)
		return -ENOMEM;
	zt_err e = zt_lfapi_status_parse(doc, &st, why, whycap);
	json_decref(doc);
	if (e)
		return e;
	*out = st.genesis;
	memset(&st.genesis, 0, sizeof st.genesis);
	zt_lf_status_free(&st);
	return ZT_OK;
}

static bool amendable(const json_t *params, const char *key)
{
	json_t *list = zt_lf_json_get(params, "AmendableFields"), *f;
	size_t i;
	json_array_foreach(list, i, f) {
		const char *name = json_string_value(f);
		if (!name)
			continue;
		if (!strcasecmp(name, key) ||
		    (!strcasecmp(name, "authcertificates") && !strcasecmp(key, "revokedauthcertificates")))
			return true;
	}
	return false;
}

/* Replaces the amendable fields of `params` with those of `amend` (names matched without case). */
static void amend_apply(json_t *params, const json_t *amend)
{
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)amend, key, v) {
		const char *k2;
		json_t *v2, *tmp;
		if (!amendable(params, key))
			continue;
		json_object_foreach_safe(params, tmp, k2, v2) {
			if (!strcasecmp(k2, key))
				json_object_del(params, k2);
		}
		json_object_set(params, key, v);
	}
}

struct amendment {
	uint64_t ts;
	size_t order;
	json_t *doc;
};

static int amendment_cmp(const void *a, const void *b)
{
	const struct amendment *x = a, *y = b;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

zt_err lfm_genesis_from_records(struct lfm_genesis *g, const uint8_t *p, size_t n, char *why, size_t whycap)
{
	struct amendment *am = NULL;
	size_t nam = 0, off = 0, count = 0;
	zt_err e = ZT_OK;
	memset(g, 0, sizeof *g);
	if (!n)
		return ZT_OK;
	if (!(am = calloc(GENESIS_MAX_RECORDS, sizeof *am)))
		return -ENOMEM;
	while (off < n && !e) {
		struct zt_lf_record r = { 0 };
		struct zt_lf_record_hashes h;
		size_t used;
		if ((e = zt_lf_record_parse(&r, p + off, n - off, &used)) || (e = zt_lf_record_hashes(&r, &h))) {
			snprintf(why, whycap, "stored genesis record %zu does not parse: %s", count, zt_strerror(e));
			break;
		}
		if (count == 0) {
			memcpy(g->owner, r.owner, r.owner_len);
			g->owner_len = r.owner_len;
			memcpy(g->first_hash, h.hash, sizeof g->first_hash);
			e = lfm_genesis_params_of(&r, &g->params_json, why, whycap);
		} else if (r.value_len && r.type == ZT_LF_TYPE_GENESIS && nam < GENESIS_MAX_RECORDS) {
			json_t *doc = NULL;
			if (lfm_genesis_params_of(&r, &doc, why, whycap) == ZT_OK)
				am[nam++] = (struct amendment){ r.timestamp, count, doc };
		}
		zt_lf_record_clear(&r);
		off += used;
		count++;
	}
	if (!e) {
		qsort(am, nam, sizeof *am, amendment_cmp);
		for (size_t i = 0; i < nam; i++)
			amend_apply(g->params_json, am[i].doc);
		e = params_decode(g->params_json, &g->params, why, whycap);
	}
	if (!e && !(g->records = malloc(n)))
		e = -ENOMEM;
	if (!e) {
		memcpy(g->records, p, n);
		g->records_len = n;
		g->have = true;
	}
	for (size_t i = 0; i < nam; i++)
		json_decref(am[i].doc);
	free(am);
	if (e)
		lfm_genesis_free(g);
	return e;
}
