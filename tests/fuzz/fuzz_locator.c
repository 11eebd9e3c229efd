/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Locator parser, binary and text: whatever parses must keep exactly the bytes it consumed, survive
 * the text round trip byte for byte, and go through verification and the replacement rule.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "node/crypto.h"
#include "node/locator.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct zt_locator loc, again;
static char text[ZT_LOCATOR_STRING_MAX + 64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (zt_crypto_init() != ZT_OK)
		abort();
	return 0;
}

static void check_parsed(const struct zt_locator *l)
{
	if (l->raw_len < ZT_LOCATOR_MIN_LENGTH || l->raw_len > ZT_LOCATOR_MAX_LENGTH ||
	    l->endpoint_count > ZT_LOCATOR_MAX_ENDPOINTS || l->identity.has_private || l->timestamp < 0)
		abort();
	for (unsigned i = 0; i < l->endpoint_count; i++) {
		const struct zt_locator_endpoint *e = &l->endpoints[i];
		if (e->type != ZT_ENDPOINT_UDP && e->type != ZT_ENDPOINT_ZEROTIER &&
		    (size_t)e->raw_off + e->len > l->raw_len)
			abort();
	}
	if ((size_t)l->ext_off + l->ext_len > l->raw_len)
		abort();
	int n = zt_locator_to_string(l, text, sizeof text);
	if (n <= 0 || (size_t)n != strlen(text))
		abort();
	if (zt_locator_from_string(&again, text) != ZT_OK || again.raw_len != l->raw_len ||
	    memcmp(again.raw, l->raw, l->raw_len))
		abort();
	bool ok = zt_locator_verify(l);
	zt_err err = zt_locator_check_update(NULL, l);
	if ((err == ZT_OK) != ok)
		abort();
	err = zt_locator_check_update(&again, l);
	if (ok && err != ZT_EEXIST)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (zt_locator_parse(&loc, data, size) == ZT_OK) {
		if (loc.raw_len != size || memcmp(loc.raw, data, size))
			abort();
		check_parsed(&loc);
	}
	/* The same bytes as text. */
	if (size < sizeof text) {
		memcpy(text, data, size);
		text[size] = '\0';
		if (zt_locator_from_string(&loc, text) == ZT_OK)
			check_parsed(&loc);
	}
	return 0;
}
