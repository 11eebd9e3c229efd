/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_LF_PULSE_H
#define ZT_LF_PULSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lf/selector.h"
#include "node/err.h"

/*
 * Pulses (lf.md §1.7, §2.11): a record's PulseToken is the end of a th64 hash chain of length
 * 525600 (one year of minutes) from a secret seed; a pulse for minute m reveals the chain value
 * 525600 - m steps from the seed, which anyone can hash m times up to the token.
 */
#define ZT_LF_PULSE_SPAN 525600u /* RecordMaxPulseSpan, minutes */
#define ZT_LF_PULSE_SIZE 11
#define ZT_LF_PULSE_TEXT_MAX 24  /* "!" + Base62 of 11 bytes + NUL */
#define ZT_LF_PULSE_BASE64_MAX 20

uint64_t zt_lf_th64(uint64_t i);
/* th64 applied n times (n = 0 gives i). */
uint64_t zt_lf_th64n(uint64_t i, uint32_t n);

/*
 * The chain seed: BE64 of the first 8 bytes of
 * SHA256(name0 || BE64(ord0) || ... || BE64(timestamp) || private_hash), with private_hash from
 * zt_lf_owner_private_hash.
 */
uint64_t zt_lf_pulse_seed(const struct zt_lf_selector_spec *sel, unsigned nsel, uint64_t timestamp,
			  const uint8_t private_hash[static 32]);
/* The record's PulseToken for a seed: th64n(seed, 525600). */
uint64_t zt_lf_pulse_token(uint64_t seed);

/* Builds the 11-byte pulse BE64(th64n(seed, 525600 - m)) || BE24(m); m above the span is clamped. */
void zt_lf_pulse_make(uint8_t out[static 11], uint64_t seed, uint32_t minutes);
/* Splits a pulse; minute values above the span read as the span. */
void zt_lf_pulse_parse(const uint8_t in[static 11], uint64_t *key, uint32_t *minutes);
/* True if th64n(key, m) == token (and the token is not 0). */
bool zt_lf_pulse_check(const uint8_t pulse[static 11], uint64_t token);

/* Text forms: the CLI's "!" + Base62, and the base64 (standard, padded) of JSON API responses. */
zt_err zt_lf_pulse_text(char out[static ZT_LF_PULSE_TEXT_MAX], const uint8_t pulse[static 11]);
zt_err zt_lf_pulse_text_parse(uint8_t out[static 11], const char *s, size_t n);
void zt_lf_pulse_base64(char out[static ZT_LF_PULSE_BASE64_MAX], const uint8_t pulse[static 11]);
zt_err zt_lf_pulse_base64_parse(uint8_t out[static 11], const char *s, size_t n);

#endif
