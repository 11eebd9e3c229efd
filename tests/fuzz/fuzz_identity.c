/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Identity parsers: the string form and the binary form. Whatever parses must serialize and parse back
 * to the same identity (same address, type, public key and private key if any). No validation: the
 * memory-hard hash would make each input take milliseconds.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "node/crypto.h"
#include "node/identity.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same(const struct zt_identity *a, const struct zt_identity *b)
{
	if (!zt_identity_equal(a, b) || a->has_private != b->has_private)
		return false;
	return !a->has_private || memcmp(a->priv, b->priv, sizeof a->priv) == 0;
}

/* Both forms are checked whichever parser produced the identity: the two must agree on what is valid. */
static void roundtrip(const struct zt_identity *id)
{
	char s[ZT_IDENTITY_STRING_MAX];
	uint8_t wire[ZT_IDENTITY_SECRET_BINARY_LEN];
	struct zt_identity back;

	if (zt_identity_to_string(id, true, s, sizeof s) < 0 || zt_identity_from_string(&back, s) != ZT_OK ||
	    !same(id, &back))
		abort();

	struct zt_wbuf w = zt_wbuf_init(wire, sizeof wire);
	zt_identity_write(id, true, &w);
	if (w.err)
		abort();
	struct zt_buf b = zt_buf_init(wire, w.len);
	if (zt_identity_read(&back, &b) != ZT_OK || zt_buf_left(&b) != 0 || !same(id, &back))
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (zt_crypto_init() != ZT_OK)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zt_identity id;
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (zt_identity_from_string(&id, s) == ZT_OK)
		roundtrip(&id);
	free(s);

	struct zt_buf b = zt_buf_init(data, size);
	if (zt_identity_read(&id, &b) == ZT_OK) {
		size_t used = size - zt_buf_left(&b);
		if (used != ZT_IDENTITY_PUBLIC_BINARY_LEN && used != ZT_IDENTITY_SECRET_BINARY_LEN)
			abort();
		roundtrip(&id);
	}
	return 0;
}
