/* SPDX-License-Identifier: Apache-2.0 */
/*
 * LF record parser: whatever parses re-serializes canonically (to exactly the consumed bytes when the
 * input was canonical), parses again to the same bytes, survives hashing, the structural check,
 * signature verification and claim recovery, and round-trips through the Record JSON form.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lf/lfjson.h"
#include "lf/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OUT_CAP (3 * ZT_LF_RECORD_MAX_SIZE + 4096)
static uint8_t out1[OUT_CAP], out2[OUT_CAP];

/* A Blob that is valid UTF-8 and starts with 0x08 reads back as Base62: the form's known ambiguity. */
static bool ambiguous(const uint8_t *p, size_t n)
{
	return n && p[0] == 0x08 && zt_lf_utf8_valid(p, n);
}

static bool json_ambiguous(const struct zt_lf_record *r)
{
	if (ambiguous(r->value, r->value_len) || ambiguous(r->signature, r->signature_len) ||
	    (r->work_algorithm && ambiguous(r->work, ZT_LF_WORK_SIZE)))
		return true;
	for (unsigned i = 0; i < r->selector_count; i++)
		if (ambiguous(r->selectors[i].claim, ZT_LF_CLAIM_SIZE))
			return true;
	return false;
}

static void json_round_trip(const struct zt_lf_record *r, const uint8_t *canon, size_t len)
{
	struct zt_lf_str s = { 0 };
	struct zt_lf_record back;
	json_error_t e;
	if (zt_lf_record_json(&s, r) != ZT_OK)
		abort();
	json_t *j = zt_lf_json_loads(s.p, s.len, &e);
	if (!j)
		abort();
	if (zt_lf_record_from_json(&back, j) != ZT_OK)
		abort();
	struct zt_wbuf w = zt_wbuf_init(out2, sizeof out2);
	if (zt_lf_record_serialize(&back, &w) != ZT_OK || w.len != len || memcmp(out2, canon, len))
		abort();
	zt_lf_record_clear(&back);
	json_decref(j);
	zt_lf_str_free(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zt_lf_record r, again;
	struct zt_lf_record_hashes h, h2;
	struct zt_lf_record_keys k;
	size_t consumed = 0, consumed2 = 0;

	if (zt_lf_record_parse(&r, data, size, &consumed) != ZT_OK)
		return 0;
	if (consumed == 0 || consumed > size)
		abort();

	struct zt_wbuf w = zt_wbuf_init(out1, sizeof out1);
	if (zt_lf_record_serialize(&r, &w) != ZT_OK || w.len != zt_lf_record_size(&r) || w.len > consumed)
		abort();
	if (!r.noncanonical && (w.len != consumed || memcmp(out1, data, consumed)))
		abort();

	if (zt_lf_record_parse(&again, out1, w.len, &consumed2) != ZT_OK || consumed2 != w.len || again.noncanonical)
		abort();
	struct zt_wbuf w2 = zt_wbuf_init(out2, sizeof out2);
	if (zt_lf_record_serialize(&again, &w2) != ZT_OK || w2.len != w.len || memcmp(out1, out2, w.len))
		abort();

	if (zt_lf_record_hashes(&r, &h) != ZT_OK || zt_lf_record_hashes(&again, &h2) != ZT_OK ||
	    memcmp(&h, &h2, sizeof h))
		abort();
	(void)zt_lf_record_check(&r, NULL);
	(void)zt_lf_record_verify_signature(&r, &h);
	if (zt_lf_record_keys(&r, &h, &k) == ZT_OK && k.count != r.selector_count)
		abort();

	if (!json_ambiguous(&r))
		json_round_trip(&r, out1, w.len);

	zt_lf_record_clear(&again);
	zt_lf_record_clear(&r);
	return 0;
}
