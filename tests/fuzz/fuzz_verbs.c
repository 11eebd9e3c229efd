/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Verb payload decoders. The first byte selects the verb (low 5 bits, as in the verb byte); for OK the
 * in-re verb inside the payload selects the reply decoder. Whatever decodes must encode, decode again
 * and encode to the same bytes (decoding normalizes, a second round changes nothing).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "node/crypto.h"
#include "node/verbs.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_INPUT 65536
#define OUT_CAP (4 * MAX_INPUT)

typedef zt_err (*dec_fn)(void *msg, const uint8_t *p, size_t n);
typedef zt_err (*enc_fn)(const void *msg, struct zt_wbuf *w);

static uint8_t enc1[OUT_CAP], enc2[OUT_CAP];
static union msg {
	struct zt_verb_hello hello;
	struct zt_verb_ok_hello ok_hello;
	struct zt_verb_error error;
	struct zt_verb_whois whois;
	struct zt_verb_ok_whois ok_whois;
	struct zt_verb_rendezvous rdv;
	struct zt_verb_echo echo;
	struct zt_verb_multicast_like like;
	struct zt_verb_multicast_gather gather;
	struct zt_verb_ok_multicast_gather ok_gather;
	struct zt_verb_push_direct_paths push;
	struct zt_verb_network_config_request ncr;
} first, second;

static zt_err d_hello(void *m, const uint8_t *p, size_t n) { return zt_verb_hello_decode(m, p, n); }
static zt_err d_ok_hello(void *m, const uint8_t *p, size_t n) { return zt_verb_ok_hello_decode(m, p, n); }
static zt_err d_error(void *m, const uint8_t *p, size_t n) { return zt_verb_error_decode(m, p, n); }
static zt_err d_whois(void *m, const uint8_t *p, size_t n) { return zt_verb_whois_decode(m, p, n); }
static zt_err d_ok_whois(void *m, const uint8_t *p, size_t n) { return zt_verb_ok_whois_decode(m, p, n); }
static zt_err d_rdv(void *m, const uint8_t *p, size_t n) { return zt_verb_rendezvous_decode(m, p, n); }
static zt_err d_echo(void *m, const uint8_t *p, size_t n) { return zt_verb_echo_decode(m, p, n); }
static zt_err d_ok_echo(void *m, const uint8_t *p, size_t n) { return zt_verb_ok_echo_decode(m, p, n); }
static zt_err d_like(void *m, const uint8_t *p, size_t n) { return zt_verb_multicast_like_decode(m, p, n); }
static zt_err d_gather(void *m, const uint8_t *p, size_t n) { return zt_verb_multicast_gather_decode(m, p, n); }
static zt_err d_ok_gather(void *m, const uint8_t *p, size_t n) { return zt_verb_ok_multicast_gather_decode(m, p, n); }
static zt_err d_push(void *m, const uint8_t *p, size_t n) { return zt_verb_push_direct_paths_decode(m, p, n); }
static zt_err d_ncr(void *m, const uint8_t *p, size_t n) { return zt_verb_network_config_request_decode(m, p, n); }

/* A HELLO may list more moons than are kept; only the kept ones can be re-encoded. */
static zt_err e_hello(const void *m, struct zt_wbuf *w)
{
	static struct zt_verb_hello h;
	memcpy(&h, m, sizeof h);
	if (h.moon_count > ZT_VERB_HELLO_MAX_MOONS)
		h.moon_count = ZT_VERB_HELLO_MAX_MOONS;
	return zt_verb_hello_encode(&h, w, NULL);
}
static zt_err e_ok_hello(const void *m, struct zt_wbuf *w) { return zt_verb_ok_hello_encode(m, w); }
static zt_err e_error(const void *m, struct zt_wbuf *w) { return zt_verb_error_encode(m, w); }
static zt_err e_whois(const void *m, struct zt_wbuf *w) { return zt_verb_whois_encode(m, w); }
static zt_err e_ok_whois(const void *m, struct zt_wbuf *w) { return zt_verb_ok_whois_encode(m, w); }
static zt_err e_rdv(const void *m, struct zt_wbuf *w) { return zt_verb_rendezvous_encode(m, w); }
static zt_err e_echo(const void *m, struct zt_wbuf *w) { return zt_verb_echo_encode(m, w); }
static zt_err e_ok_echo(const void *m, struct zt_wbuf *w) { return zt_verb_ok_echo_encode(m, w); }
static zt_err e_like(const void *m, struct zt_wbuf *w) { return zt_verb_multicast_like_encode(m, w); }
static zt_err e_gather(const void *m, struct zt_wbuf *w) { return zt_verb_multicast_gather_encode(m, w); }
static zt_err e_ok_gather(const void *m, struct zt_wbuf *w) { return zt_verb_ok_multicast_gather_encode(m, w); }
static zt_err e_push(const void *m, struct zt_wbuf *w) { return zt_verb_push_direct_paths_encode(m, w); }
static zt_err e_ncr(const void *m, struct zt_wbuf *w) { return zt_verb_network_config_request_encode(m, w); }

static void roundtrip(dec_fn dec, enc_fn enc, const uint8_t *p, size_t n)
{
	if (dec(&first, p, n) != ZT_OK)
		return;
	struct zt_wbuf w1 = zt_wbuf_init(enc1, sizeof enc1);
	if (enc(&first, &w1) != ZT_OK)
		abort();
	if (dec(&second, enc1, w1.len) != ZT_OK)
		abort();
	struct zt_wbuf w2 = zt_wbuf_init(enc2, sizeof enc2);
	if (enc(&second, &w2) != ZT_OK || w2.len != w1.len || memcmp(enc1, enc2, w1.len))
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
	if (size < 1 || size > MAX_INPUT)
		return 0;
	const uint8_t *p = data + 1;
	size_t n = size - 1;
	size_t off;

	switch (data[0] & ZT_VERB_MASK) {
	case ZT_VERB_HELLO:
		(void)zt_verb_hello_cryptfield_offset(p, n, &off);
		roundtrip(d_hello, e_hello, p, n);
		break;
	case ZT_VERB_ERROR: roundtrip(d_error, e_error, p, n); break;
	case ZT_VERB_OK: {
		struct zt_verb_ok ok;
		if (zt_verb_ok_decode(&ok, p, n) != ZT_OK)
			break;
		switch (ok.in_re_verb) {
		case ZT_VERB_HELLO: roundtrip(d_ok_hello, e_ok_hello, p, n); break;
		case ZT_VERB_WHOIS: roundtrip(d_ok_whois, e_ok_whois, p, n); break;
		case ZT_VERB_ECHO: roundtrip(d_ok_echo, e_ok_echo, p, n); break;
		case ZT_VERB_MULTICAST_GATHER: roundtrip(d_ok_gather, e_ok_gather, p, n); break;
		default: break;
		}
		break;
	}
	case ZT_VERB_WHOIS: roundtrip(d_whois, e_whois, p, n); break;
	case ZT_VERB_RENDEZVOUS: roundtrip(d_rdv, e_rdv, p, n); break;
	case ZT_VERB_ECHO: roundtrip(d_echo, e_echo, p, n); break;
	case ZT_VERB_MULTICAST_LIKE: roundtrip(d_like, e_like, p, n); break;
	case ZT_VERB_NETWORK_CONFIG_REQUEST: roundtrip(d_ncr, e_ncr, p, n); break;
	case ZT_VERB_MULTICAST_GATHER: roundtrip(d_gather, e_gather, p, n); break;
	case ZT_VERB_PUSH_DIRECT_PATHS: roundtrip(d_push, e_push, p, n); break;
	default: break;
	}
	return 0;
}
