/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading the answers of LF's HTTP API (lf.md §3.4). Documents come from zt_lf_json_loads, so a
 * u64 above 2^63-1 arrives as a decimal string and zt_lf_json_u64 reads both forms. Field names
 * are matched as Go matches them (case-insensitively, exact spelling first); unknown fields are
 * ignored, so newer nodes and our mirror can add fields without breaking this reader.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lf/lfapi_rd.h"
#include "lf/mask.h"

/* Bound on a Blob in an answer (genesis records, certificates); zt_lf_json_blob_decode needs one. */
#define BLOB_MAX ((size_t)16 << 20)

/* ---------------------------------------------------------------- owners and ranges */

zt_err zt_lf_owner_id_parse(struct zt_lf_owner_id *o, const char *text)
{
	memset(o, 0, sizeof *o);
	if (zt_lf_owner_text_parse(o->pub, sizeof o->pub, &o->len, text, strlen(text)) != ZT_OK ||
	    zt_lf_owner_type_of(o->len) == ZT_LF_OWNER_NONE) {
		memset(o, 0, sizeof *o);
		return ZT_EMALFORMED;
	}
	return ZT_OK;
}

void zt_lf_query_range_name(struct zt_lf_query_range *r, const void *name, size_t len, uint64_t lo, uint64_t hi)
{
	memset(r, 0, sizeof *r);
	r->name = name;
	r->name_len = len;
	r->lo = lo;
	r->hi = hi;
}

zt_err zt_lf_query_range_keys(struct zt_lf_query_range *r, const void *name, size_t len, uint64_t lo, uint64_t hi)
{
	memset(r, 0, sizeof *r);
	r->by_key = true;
	r->lo = lo;
	r->hi = hi;
	zt_err err = zt_lf_selector_key(r->key_lo, name, len, lo);
	if (err == ZT_OK)
		err = lo == hi ? (memcpy(r->key_hi, r->key_lo, sizeof r->key_hi), ZT_OK)
			       : zt_lf_selector_key(r->key_hi, name, len, hi);
	return err;
}

/* ---------------------------------------------------------------- ErrAPI */

zt_err zt_lfapi_error_parse(const json_t *doc, struct zt_lf_api_error *e, char *why, size_t whycap)
{
	struct lf_rd r = lf_rd_init(why, whycap);
	memset(e, 0, sizeof *e);
	if (!json_is_object(doc))
		lf_rd_fail(&r, ZT_EMALFORMED, "not an object");
	e->code = lf_rd_long(&r, doc, "Code", true);
	lf_rd_text(&r, doc, "Message", e->message, sizeof e->message, false);
	lf_rd_text(&r, doc, "ErrTypeName", e->type, sizeof e->type, false);
	if (r.err != ZT_OK)
		memset(e, 0, sizeof *e);
	return r.err;
}

/* ---------------------------------------------------------------- NodeStatus */

static void genesis_free(struct zt_lf_genesis_params *g)
{
	for (size_t i = 0; i < g->namendable_fields; i++)
		free(g->amendable_fields[i]);
	free(g->amendable_fields);
	free(g->name);
	free(g->contact);
	free(g->comment);
	free(g->auth_certificates);
	free(g->revoked_auth_certificates);
	memset(g, 0, sizeof *g);
}

void zt_lf_status_free(struct zt_lf_status *st)
{
	free(st->genesis_records);
	genesis_free(&st->genesis);
	free(st->peers);
	memset(st, 0, sizeof *st);
}

static void rd_genesis(struct lf_rd *r, const json_t *o, struct zt_lf_genesis_params *g)
{
	uint8_t id[32];
	size_t n = 0;
	if (!o || r->err != ZT_OK)
		return;
	if (!json_is_object(o)) {
		lf_rd_fail(r, ZT_EMALFORMED, "field `GenesisParameters' is not an object");
		return;
	}
	lf_rd_blob_into(r, o, "ID", id, sizeof id, &n);
	if (r->err == ZT_OK && n != sizeof id)
		lf_rd_fail(r, ZT_EMALFORMED, "field `ID' is not 32 bytes");
	memcpy(g->id, id, sizeof id);

	json_t *af = lf_rd_array(r, o, "AmendableFields", SIZE_MAX / sizeof(char *));
	if (af && r->err == ZT_OK) {
		g->amendable_fields = lf_rd_calloc(r, json_array_size(af), sizeof(char *));
		for (size_t i = 0; i < json_array_size(af) && r->err == ZT_OK; i++) {
			json_t *v = json_array_get(af, i);
			if (!json_is_string(v))
				lf_rd_fail(r, ZT_EMALFORMED, "field `AmendableFields' holds a non-string");
			else if (!(g->amendable_fields[i] = strdup(json_string_value(v))))
				lf_rd_fail(r, -ENOMEM, "out of memory");
			else
				g->namendable_fields++;
		}
	}
	g->name = lf_rd_strdup(r, o, "Name");
	g->contact = lf_rd_strdup(r, o, "Contact");
	g->comment = lf_rd_strdup(r, o, "Comment");
	lf_rd_blob(r, o, "AuthCertificates", BLOB_MAX, &g->auth_certificates, &g->auth_certificates_len);
	lf_rd_blob(r, o, "RevokedAuthCertificates", BLOB_MAX, &g->revoked_auth_certificates,
		&g->revoked_auth_certificates_len);
	g->auth_required = lf_rd_bool(r, o, "AuthRequired", false);
	g->record_min_links = lf_rd_u64(r, o, "RecordMinLinks", false);
	g->record_max_value_size = lf_rd_u64(r, o, "RecordMaxValueSize", false);
	g->record_max_time_drift = lf_rd_u64(r, o, "RecordMaxTimeDrift", false);
}

static void rd_peers(struct lf_rd *r, const json_t *o, struct zt_lf_status *st)
{
	json_t *a = lf_rd_array(r, o, "Peers", SIZE_MAX / sizeof(struct zt_lf_peer));
	if (!a || r->err != ZT_OK)
		return;
	st->peers = lf_rd_calloc(r, json_array_size(a), sizeof *st->peers);
	for (size_t i = 0; i < json_array_size(a) && r->err == ZT_OK; i++) {
		json_t *p = json_array_get(a, i);
		struct zt_lf_peer *peer = &st->peers[i];
		if (!json_is_object(p)) {
			lf_rd_fail(r, ZT_EMALFORMED, "field `Peers' holds a non-object");
			break;
		}
		lf_rd_text(r, p, "IP", peer->ip, sizeof peer->ip, false);
		peer->port = lf_rd_long(r, p, "Port", false);
		lf_rd_blob_into(r, p, "Identity", peer->identity, sizeof peer->identity, &peer->identity_len);
		st->npeers++;
	}
}

zt_err zt_lfapi_status_parse(const json_t *doc, struct zt_lf_status *st, char *why, size_t whycap)
{
	struct lf_rd r = lf_rd_init(why, whycap);
	memset(st, 0, sizeof *st);
	if (!json_is_object(doc)) {
		lf_rd_fail(&r, ZT_EMALFORMED, "not an object");
		return r.err;
	}
	lf_rd_text(&r, doc, "Software", st->software, sizeof st->software, false);
	json_t *ver = lf_rd_array(&r, doc, "Version", 4);
	for (size_t i = 0; ver && i < json_array_size(ver); i++) {
		uint64_t x = 0;
		if (zt_lf_json_u64(json_array_get(ver, i), &x) != ZT_OK || x > UINT32_MAX)
			lf_rd_fail(&r, ZT_EMALFORMED, "field `Version' is not four integers");
		st->version[i] = (uint32_t)x;
	}
	st->api_version = lf_rd_long(&r, doc, "APIVersion", true);
	st->min_api_version = lf_rd_long(&r, doc, "MinAPIVersion", false);
	st->max_api_version = lf_rd_long(&r, doc, "MaxAPIVersion", false);
	st->uptime = lf_rd_u64(&r, doc, "Uptime", false);
	st->clock = lf_rd_u64(&r, doc, "Clock", true);
	st->record_count = lf_rd_u64(&r, doc, "RecordCount", false);
	st->data_size = lf_rd_u64(&r, doc, "DataSize", false);
	st->fully_synchronized = lf_rd_bool(&r, doc, "FullySynchronized", false);
	lf_rd_blob(&r, doc, "GenesisRecords", BLOB_MAX, &st->genesis_records, &st->genesis_records_len);
	rd_genesis(&r, lf_rd_get(&r, doc, "GenesisParameters", false), &st->genesis);
	json_t *oracle = lf_rd_get(&r, doc, "Oracle", false);
	if (oracle && !(json_is_string(oracle) && json_string_length(oracle) == 0)) {
		lf_rd_owner_value(&r, oracle, "Oracle", &st->oracle);
		st->has_oracle = r.err == ZT_OK;
	}
	st->p2p_port = lf_rd_long(&r, doc, "P2PPort", false);
	st->local_test_mode = lf_rd_bool(&r, doc, "LocalTestMode", false);
	lf_rd_blob_into(&r, doc, "Identity", st->identity, sizeof st->identity, &st->identity_len);
	rd_peers(&r, doc, st);
	if (r.err != ZT_OK)
		zt_lf_status_free(st);
	return r.err;
}

/* ---------------------------------------------------------------- OwnerStatus */

static void blobs_free(struct zt_lf_blob *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(b[i].p);
	free(b);
}

void zt_lf_owner_status_free(struct zt_lf_owner_status *os)
{
	blobs_free(os->certificates, os->ncertificates);
	blobs_free(os->revoked_certificates, os->nrevoked_certificates);
	free(os->links);
	memset(os, 0, sizeof *os);
}

static void rd_blob_array(struct lf_rd *r, const json_t *o, const char *k, struct zt_lf_blob **out, size_t *n)
{
	json_t *a = lf_rd_array(r, o, k, SIZE_MAX / sizeof(struct zt_lf_blob));
	if (!a || r->err != ZT_OK)
		return;
	*out = lf_rd_calloc(r, json_array_size(a), sizeof **out);
	for (size_t i = 0; i < json_array_size(a) && r->err == ZT_OK; i++) {
		lf_rd_blob_value(r, json_array_get(a, i), k, BLOB_MAX, &(*out)[i].p, &(*out)[i].n);
		if (r->err == ZT_OK)
			(*n)++;
	}
}

static void rd_hash_array(struct lf_rd *r, const json_t *o, const char *k, uint8_t (**out)[ZT_LF_HASH_SIZE],
			  size_t *n)
{
	json_t *a = lf_rd_array(r, o, k, SIZE_MAX / ZT_LF_HASH_SIZE);
	if (!a || r->err != ZT_OK)
		return;
	*out = lf_rd_calloc(r, json_array_size(a), ZT_LF_HASH_SIZE);
	for (size_t i = 0; i < json_array_size(a) && r->err == ZT_OK; i++) {
		lf_rd_hash_value(r, json_array_get(a, i), k, (*out)[i]);
		if (r->err == ZT_OK)
			(*n)++;
	}
}

zt_err zt_lfapi_owner_status_parse(const json_t *doc, struct zt_lf_owner_status *os, char *why, size_t whycap)
{
	struct lf_rd r = lf_rd_init(why, whycap);
	char type[16];
	memset(os, 0, sizeof *os);
	if (!json_is_object(doc)) {
		lf_rd_fail(&r, ZT_EMALFORMED, "not an object");
		return r.err;
	}
	lf_rd_owner_value(&r, lf_rd_get(&r, doc, "Owner", true), "Owner", &os->owner);
	lf_rd_text(&r, doc, "OwnerType", type, sizeof type, false);
	if (r.err == ZT_OK && type[0] && (os->type = zt_lf_owner_type_parse(type)) == ZT_LF_OWNER_NONE)
		lf_rd_fail(&r, ZT_EMALFORMED, "field `OwnerType' is `%s'", type);
	rd_blob_array(&r, doc, "Certificates", &os->certificates, &os->ncertificates);
	rd_blob_array(&r, doc, "RevokedCertificates", &os->revoked_certificates, &os->nrevoked_certificates);
	os->has_current_certificate = lf_rd_bool(&r, doc, "HasCurrentCertificate", false);
	os->auth_required = lf_rd_bool(&r, doc, "AuthRequired", false);
	os->record_count = lf_rd_u64(&r, doc, "RecordCount", false);
	os->record_bytes = lf_rd_u64(&r, doc, "RecordBytes", false);
	rd_hash_array(&r, doc, "NewRecordLinks", &os->links, &os->nlinks);
	os->server_time = lf_rd_u64(&r, doc, "ServerTime", true);
	if (r.err != ZT_OK)
		zt_lf_owner_status_free(os);
	return r.err;
}

/* ---------------------------------------------------------------- query results */

static void entry_free(struct zt_lf_query_entry *e)
{
	zt_lf_record_clear(&e->record);
	free(e->value);
	memset(e, 0, sizeof *e);
}

void zt_lf_query_result_free(struct zt_lf_query_result *qr)
{
	for (size_t i = 0; i < qr->nsets; i++) {
		for (size_t j = 0; j < qr->sets[i].n; j++)
			entry_free(&qr->sets[i].entries[j]);
		free(qr->sets[i].entries);
	}
	free(qr->sets);
	memset(qr, 0, sizeof *qr);
}

static void rd_entry(struct lf_rd *r, const json_t *o, struct zt_lf_query_entry *e)
{
	if (!json_is_object(o)) {
		lf_rd_fail(r, ZT_EMALFORMED, "a result entry is not an object");
		return;
	}
	lf_rd_hash_value(r, lf_rd_get(r, o, "Hash", true), "Hash", e->hash);
	e->size = lf_rd_u64(r, o, "Size", false);
	lf_rd_record(r, lf_rd_get(r, o, "Record", true), "Record", &e->record);
	json_t *v = lf_rd_get(r, o, "Value", false);
	lf_rd_blob_value(r, v, "Value", ZT_LF_VALUE_MAX_PLAIN, &e->value, &e->value_len);
	e->has_value = v != NULL && r->err == ZT_OK;
	e->pulse = lf_rd_u64(r, o, "Pulse", false);
	e->trust = lf_rd_number(r, o, "Trust", false);
	e->local_trust = lf_rd_number(r, o, "LocalTrust", false);
	e->oracle_trust = lf_rd_number(r, o, "OracleTrust", false);
	json_t *w = lf_rd_array(r, o, "Weight", 4);
	if (w && json_array_size(w) != 4)
		lf_rd_fail(r, ZT_EMALFORMED, "field `Weight' is not four integers");
	for (size_t i = 0; w && i < json_array_size(w); i++) {
		uint64_t x = 0;
		if (zt_lf_json_u64(json_array_get(w, i), &x) != ZT_OK || x > UINT32_MAX)
			lf_rd_fail(r, ZT_EMALFORMED, "field `Weight' is not four 32-bit integers");
		e->weight[i] = (uint32_t)x;
	}
	e->is_signed = lf_rd_bool(r, o, "Signed", false);
}

zt_err zt_lfapi_query_result_parse(const json_t *doc, struct zt_lf_query_result *qr, char *why, size_t whycap)
{
	struct lf_rd r = lf_rd_init(why, whycap);
	memset(qr, 0, sizeof *qr);
	if (json_is_null(doc))
		return ZT_OK;
	if (!json_is_array(doc)) {
		lf_rd_fail(&r, ZT_EMALFORMED, "not an array of result sets");
		return r.err;
	}
	qr->sets = lf_rd_calloc(&r, json_array_size(doc), sizeof *qr->sets);
	for (size_t i = 0; i < json_array_size(doc) && r.err == ZT_OK; i++) {
		json_t *set = json_array_get(doc, i);
		struct zt_lf_query_set *qs = &qr->sets[i];
		if (!json_is_array(set)) {
			lf_rd_fail(&r, ZT_EMALFORMED, "result set %zu is not an array", i);
			break;
		}
		qr->nsets++;
		qs->entries = lf_rd_calloc(&r, json_array_size(set), sizeof *qs->entries);
		for (size_t j = 0; j < json_array_size(set) && r.err == ZT_OK; j++) {
			qs->n++;
			rd_entry(&r, json_array_get(set, j), &qs->entries[j]);
		}
	}
	if (r.err != ZT_OK)
		zt_lf_query_result_free(qr);
	return r.err;
}

int zt_lf_weight_cmp(const uint32_t a[4], const uint32_t b[4])
{
	for (int i = 0; i < 4; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

#define TRUST_EPSILON 1e-10

/* Insertion sort: sets are small, and it keeps the node's order among equals (a stable sort). */
void zt_lf_query_result_sort(struct zt_lf_query_result *qr)
{
	for (size_t s = 0; s < qr->nsets; s++) {
		struct zt_lf_query_entry *e = qr->sets[s].entries;
		for (size_t i = 1; i < qr->sets[s].n; i++) {
			struct zt_lf_query_entry t = e[i];
			size_t j = i;
			while (j > 0) {
				const struct zt_lf_query_entry *p = &e[j - 1];
				bool before = fabs(t.trust - p->trust) > TRUST_EPSILON
						      ? t.trust > p->trust
						      : zt_lf_weight_cmp(t.weight, p->weight) > 0;
				if (!before)
					break;
				e[j] = e[j - 1];
				j--;
			}
			e[j] = t;
		}
	}
}

bool zt_lf_query_set_consistent(const struct zt_lf_query_set *set)
{
	for (size_t i = 1; i < set->n; i++) {
		const struct zt_lf_record *a = &set->entries[0].record, *b = &set->entries[i].record;
		if (a->selector_count != b->selector_count)
			return false;
		for (unsigned k = 0; k < a->selector_count; k++)
			if (memcmp(a->selectors[k].ordinal, b->selectors[k].ordinal, ZT_LF_ORDINAL_SIZE))
				return false;
	}
	return true;
}

zt_err zt_lf_query_entry_verify(const struct zt_lf_query_entry *e)
{
	struct zt_lf_record_hashes h;
	zt_err err = zt_lf_record_hashes(&e->record, &h);
	if (err != ZT_OK)
		return err;
	if (memcmp(h.hash, e->hash, ZT_LF_HASH_SIZE))
		return ZT_EAUTH;
	if ((err = zt_lf_record_check(&e->record, NULL)) != ZT_OK)
		return err;
	return zt_lf_record_verify_signature(&e->record, &h);
}

zt_err zt_lf_query_entry_value(const struct zt_lf_query_entry *e, const void *mk, size_t mklen, uint8_t **out,
			       size_t *outlen)
{
	return zt_lf_record_value(&e->record, mk, mklen, out, outlen);
}

/* ---------------------------------------------------------------- records and make results */

zt_err zt_lfapi_record_parse(const json_t *doc, struct zt_lf_record *rec, uint8_t hash[static ZT_LF_HASH_SIZE],
			     char *why, size_t whycap)
{
	struct lf_rd r = lf_rd_init(why, whycap);
	memset(rec, 0, sizeof *rec);
	lf_rd_record(&r, doc, "(record)", rec);
	lf_rd_record_hash(&r, rec, hash);
	if (r.err != ZT_OK)
		zt_lf_record_clear(rec);
	return r.err;
}

void zt_lf_make_result_free(struct zt_lf_make_result *mr)
{
	zt_lf_record_clear(&mr->record);
	memset(mr, 0, sizeof *mr);
}

zt_err zt_lfapi_make_result_parse(const json_t *doc, struct zt_lf_make_result *mr, char *why, size_t whycap)
{
	struct lf_rd r = lf_rd_init(why, whycap);
	memset(mr, 0, sizeof *mr);
	if (!json_is_object(doc)) {
		lf_rd_fail(&r, ZT_EMALFORMED, "not an object");
		return r.err;
	}
	json_t *p = lf_rd_get(&r, doc, "Pulse", false);
	if (p && (!json_is_string(p) ||
		  zt_lf_pulse_base64_parse(mr->pulse, json_string_value(p), json_string_length(p)) != ZT_OK))
		lf_rd_fail(&r, ZT_EMALFORMED, "field `Pulse' is not an 11-byte base64 pulse");
	mr->has_pulse = p != NULL;
	json_t *rec = lf_rd_get(&r, doc, "Record", false);
	if (rec) {
		lf_rd_record(&r, rec, "Record", &mr->record);
		lf_rd_record_hash(&r, &mr->record, mr->hash);
		mr->has_record = true;
	}
	mr->accepted = lf_rd_bool(&r, doc, "Accepted", true);
	if (r.err != ZT_OK)
		zt_lf_make_result_free(mr);
	return r.err;
}

zt_err zt_lfapi_links_parse(const uint8_t *body, size_t n, uint8_t (**out)[ZT_LF_HASH_SIZE], size_t *count)
{
	*out = NULL;
	*count = 0;
	if (n % ZT_LF_HASH_SIZE)
		return ZT_EMALFORMED;
	if (n == 0)
		return ZT_OK;
	if (!(*out = malloc(n)))
		return -ENOMEM;
	memcpy(*out, body, n);
	*count = n / ZT_LF_HASH_SIZE;
	return ZT_OK;
}
