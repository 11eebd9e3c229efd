/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Dictionary parser: whatever parses must serialize within the limits to exactly its tracked length,
 * and that serialization must parse back to an equal dictionary that serializes to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "node/dictionary.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t out1[ZT_DICT_MAX_SIZE], out2[ZT_DICT_MAX_SIZE];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zt_dict d, back;
	zt_dict_init(&d);
	zt_dict_init(&back);
	if (zt_dict_parse(&d, data, size) != ZT_OK)
		goto out;

	struct zt_wbuf w1 = zt_wbuf_init(out1, sizeof out1);
	if (zt_dict_serialize(&d, &w1) != ZT_OK || w1.len != zt_dict_serialized_len(&d))
		abort();
	if (zt_dict_parse(&back, out1, w1.len) != ZT_OK || !zt_dict_equal(&d, &back))
		abort();
	struct zt_wbuf w2 = zt_wbuf_init(out2, sizeof out2);
	if (zt_dict_serialize(&back, &w2) != ZT_OK || w2.len != w1.len || memcmp(out1, out2, w1.len))
		abort();

	/* The getters agree with the entries, whatever their contents. */
	for (size_t i = 0; i < d.n; i++) {
		size_t len;
		const uint8_t *v = zt_dict_get(&d, d.e[i].key, &len);
		if (v != d.e[i].value || len != d.e[i].len || v[len] != 0)
			abort();
		(void)zt_dict_get_str(&d, d.e[i].key);
		(void)zt_dict_get_u64(&d, d.e[i].key, 0);
		(void)zt_dict_get_i64(&d, d.e[i].key, 0);
		(void)zt_dict_get_bool(&d, d.e[i].key, false);
	}
	/* Removing the first entry keeps the length bookkeeping right. */
	if (d.n) {
		char key[ZT_DICT_MAX_KEY_LEN + 1];
		memcpy(key, d.e[0].key, sizeof key);
		if (zt_dict_remove(&d, key) != ZT_OK)
			abort();
		w1 = zt_wbuf_init(out1, sizeof out1);
		if (zt_dict_serialize(&d, &w1) != ZT_OK || w1.len != zt_dict_serialized_len(&d))
			abort();
	}
out:
	zt_dict_free(&d);
	zt_dict_free(&back);
	return 0;
}
