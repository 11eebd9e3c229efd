/* SPDX-License-Identifier: Apache-2.0 */
/*
 * World parser: whatever parses must re-serialize to exactly the bytes it consumed, keep them in raw,
 * and survive building its signed message, verification and the update rule.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "node/crypto.h"
#include "node/world.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct zt_world w, again;
static uint8_t out[ZT_WORLD_MAX_SERIALIZED_LENGTH + 64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (zt_crypto_init() != ZT_OK)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t consumed = 0;
	if (zt_world_parse(&w, data, size, &consumed) != ZT_OK)
		return 0;
	if (consumed == 0 || consumed > size || consumed > ZT_WORLD_MAX_SERIALIZED_LENGTH || consumed != w.raw_len ||
	    memcmp(w.raw, data, consumed))
		abort();

	struct zt_wbuf o = zt_wbuf_init(out, sizeof out);
	if (zt_world_serialize(&w, &o) != ZT_OK || o.len != consumed || memcmp(out, data, consumed))
		abort();

	/* Re-serializing into raw changes nothing; the result parses to the same bytes. */
	if (zt_world_update_raw(&w) != ZT_OK || w.raw_len != consumed || memcmp(w.raw, data, consumed))
		abort();
	if (zt_world_parse(&again, w.raw, w.raw_len, &consumed) != ZT_OK || consumed != w.raw_len)
		abort();

	o = zt_wbuf_init(out, sizeof out);
	if (zt_world_signed_message(&w, &o) != ZT_OK)
		abort();
	(void)zt_world_verify(&w, w.updates_must_be_signed_by);
	(void)zt_world_check_update(&again, &w);
	(void)zt_world_check_update(NULL, &w);
	return 0;
}
