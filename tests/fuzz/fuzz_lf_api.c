/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The LF API JSON readers on untrusted text (an LF node's answers reach the client, a client's
 * requests reach the mirror): every reader runs on the document; whatever one accepts is written
 * back and must read again to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lf/lfapi_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_again(struct zt_lf_str *a, struct zt_lf_str *b)
{
	if (a->err || b->err || a->len != b->len || memcmp(a->p, b->p, a->len))
		abort();
	zt_lf_str_free(a);
	zt_lf_str_free(b);
}

static json_t *reload(const struct zt_lf_str *s)
{
	json_t *doc = zt_lf_json_loads(s->p, s->len, NULL);
	if (!doc)
		abort(); /* our own output must be JSON */
	return doc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[ZT_LF_WHY_MAX];
	json_t *doc = zt_lf_json_loads((const char *)data, size, NULL);
	if (!doc)
		return 0;

	struct zt_lf_status st;
	if (zt_lfapi_status_parse(doc, &st, why, sizeof why) == ZT_OK) {
		struct zt_lf_str a = { 0 }, b = { 0 };
		struct zt_lf_status st2;
		zt_lfapi_status_write(&a, &st);
		json_t *d2 = reload(&a);
		if (zt_lfapi_status_parse(d2, &st2, why, sizeof why) != ZT_OK)
			abort();
		zt_lfapi_status_write(&b, &st2);
		same_again(&a, &b);
		zt_lf_status_free(&st2);
		json_decref(d2);
		zt_lf_status_free(&st);
	}

	struct zt_lf_owner_status os;
	if (zt_lfapi_owner_status_parse(doc, &os, why, sizeof why) == ZT_OK)
		zt_lf_owner_status_free(&os);

	struct zt_lf_query_result qr;
	if (zt_lfapi_query_result_parse(doc, &qr, why, sizeof why) == ZT_OK) {
		zt_lf_query_result_sort(&qr);
		for (size_t i = 0; i < qr.nsets; i++) {
			(void)zt_lf_query_set_consistent(&qr.sets[i]);
			for (size_t j = 0; j < qr.sets[i].n; j++)
				(void)zt_lf_query_entry_verify(&qr.sets[i].entries[j]);
		}
		zt_lf_query_result_free(&qr);
	}

	struct zt_lf_make_result mr;
	if (zt_lfapi_make_result_parse(doc, &mr, why, sizeof why) == ZT_OK)
		zt_lf_make_result_free(&mr);

	struct zt_lf_api_error e;
	(void)zt_lfapi_error_parse(doc, &e, why, sizeof why);

	struct zt_lf_query_request q;
	if (zt_lfapi_query_parse(doc, &q, why, sizeof why) == ZT_OK) {
		struct zt_lf_str a = { 0 }, b = { 0 };
		struct zt_lf_query_request q2;
		for (unsigned i = 0; i < q.q.nranges; i++)
			if (!q.ranges[i].by_key && q.ranges[i].name_len == 0)
				abort(); /* a range by name always has a name */
		if (zt_lfapi_query_write(&a, &q.q) == ZT_OK) {
			json_t *d2 = reload(&a);
			if (zt_lfapi_query_parse(d2, &q2, why, sizeof why) != ZT_OK)
				abort();
			if (zt_lfapi_query_write(&b, &q2.q) != ZT_OK)
				abort();
			same_again(&a, &b);
			zt_lf_query_request_free(&q2);
			json_decref(d2);
		}
		zt_lf_str_free(&a);
		zt_lf_query_request_free(&q);
	}

	struct zt_lf_make_request_parsed mp;
	if (zt_lfapi_make_parse(doc, &mp, why, sizeof why) == ZT_OK) {
		struct zt_lf_str a = { 0 };
		(void)zt_lfapi_make_write(&a, &mp.m);
		zt_lf_str_free(&a);
		zt_lf_make_request_parsed_free(&mp);
	}
	json_decref(doc);
	return 0;
}
