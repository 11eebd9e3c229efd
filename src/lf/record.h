/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_LF_RECORD_H
#define ZT_LF_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lf/owner.h"
#include "lf/selector.h"
#include "lf/wharrgarbl.h"
#include "node/buf.h"
#include "node/err.h"

/*
 * LF records (lf.md §1.1, §2.2-§2.4): the wire codec, the hashes B, W, S, the record hash and ID,
 * selector keys, the structural checks and signature verification of the acceptance rules (§1.9),
 * and record building (value masking, selectors, pulse token, work, signature).
 */
#define ZT_LF_RECORD_MAX_SIZE 65536     /* RecordMaxSize; also the limit on every length field */
#define ZT_LF_RECORD_MAX_LINKS 15
#define ZT_LF_RECORD_MAX_SELECTORS 15
#define ZT_LF_HASH_SIZE 32
#define ZT_LF_HASH_TEXT_MAX 48          /* "=" + Base62 of 32 bytes + NUL */
#define ZT_LF_UVARINT_MAX 10

#define ZT_LF_FLAG_HAS_VALUE 0x1u
#define ZT_LF_FLAG_HAS_PULSE 0x2u
#define ZT_LF_FLAG_VALUE_IS_HASH 0x4u   /* hash streams only; rejected on the wire */

enum zt_lf_record_type {
	ZT_LF_TYPE_DATUM = 0,
	ZT_LF_TYPE_GENESIS = 1,
	ZT_LF_TYPE_COMMENTARY = 2,
	ZT_LF_TYPE_CERTIFICATE = 3,
	ZT_LF_TYPE_CRL = 4,
	ZT_LF_TYPE_MAX = 15,
};

enum { ZT_LF_WORK_NONE = 0, ZT_LF_WORK_WHARRGARBL = 1 };

/*
 * A parsed or built record. The three variable fields are malloc'd and owned by the record:
 * zero-initialise before first use and release with zt_lf_record_clear.
 */
struct zt_lf_record {
	uint8_t *value;          /* masked value; NULL when there is none */
	size_t value_len;
	uint8_t *owner;          /* owner field: 14, 24 or 32 bytes when valid */
	size_t owner_len;
	uint8_t links[ZT_LF_RECORD_MAX_LINKS][ZT_LF_HASH_SIZE];
	unsigned link_count;
	uint64_t timestamp;      /* seconds */
	uint64_t pulse_token;    /* 0: none */
	unsigned type;           /* 0..15 */
	struct zt_lf_selector selectors[ZT_LF_RECORD_MAX_SELECTORS];
	unsigned selector_count;
	unsigned work_algorithm; /* ZT_LF_WORK_NONE or ZT_LF_WORK_WHARRGARBL */
	uint8_t work[ZT_LF_WORK_SIZE];
	uint8_t *signature;
	size_t signature_len;
	bool noncanonical;       /* set by parse: the input was not in canonical form (see parse) */
};

/* Frees the owned fields and zeroes the record. */
void zt_lf_record_clear(struct zt_lf_record *r);
/* Deep copy into a zeroed or cleared `dst`. */
zt_err zt_lf_record_copy(struct zt_lf_record *dst, const struct zt_lf_record *src);
/* Replace a variable field with a copy of (p, n); n = 0 sets it to none. */
zt_err zt_lf_record_set_value(struct zt_lf_record *r, const void *p, size_t n);
zt_err zt_lf_record_set_owner(struct zt_lf_record *r, const void *p, size_t n);
zt_err zt_lf_record_set_signature(struct zt_lf_record *r, const void *p, size_t n);

/* Unsigned LEB128 (Go's binary.Uvarint): minimal on write; the reader accepts non-minimal forms. */
size_t zt_lf_uvarint_size(uint64_t v);
void zt_lf_wbuf_uvarint(struct zt_wbuf *w, uint64_t v);
/* ZT_OK, ZT_ETRUNCATED (sets b->err), or ZT_EMALFORMED (overflows 64 bits). *minimal may be NULL. */
zt_err zt_lf_buf_uvarint(struct zt_buf *b, uint64_t *v, bool *minimal);

/*
 * Parses one record from the start of `in` (trailing bytes are the next record, or ignored) into
 * `r`, which is overwritten without being freed. *consumed gets the record's length on the wire.
 * Errors, with the reference's /post reason (zt_lf_record_parse_reason):
 *   ZT_ETRUNCATED   the input ends early ("unexpected EOF", or "EOF" for empty input);
 *   ZT_ETOOBIG      a length field above 65536 ("record invalid");
 *   ZT_EMALFORMED   a selector type other than 0, or a varint overflow ("invalid object");
 *   ZT_EUNSUPPORTED a work algorithm other than 0/1, or the ValueIsHash flag 0x4, which the
 *                   reference would store corrupted ("unsupported algorithm or type").
 * Accepted but non-canonical (r->noncanonical set, zt_lf_record_serialize gives other bytes):
 * non-minimal varints, reserved flag bits, HasValue with length 0, HasPulseToken with token 0.
 * No allocation exceeds the input length. On failure `r` is left cleared.
 */
zt_err zt_lf_record_parse(struct zt_lf_record *r, const uint8_t *in, size_t n, size_t *consumed);
const char *zt_lf_record_parse_reason(zt_err err, size_t input_len);

/* The canonical flags word: HasValue, HasPulseToken, link count << 4, type << 8. */
uint64_t zt_lf_record_flags(const struct zt_lf_record *r);
/* Canonical serialization; ZT_EINVALID if a field cannot be represented (counts, type, recovery id). */
zt_err zt_lf_record_serialize(const struct zt_lf_record *r, struct zt_wbuf *w);
/* Size of the canonical serialization. */
size_t zt_lf_record_size(const struct zt_lf_record *r);
/* Length of the normal body (fields 1-6). */
size_t zt_lf_record_body_size(const struct zt_lf_record *r);
/* ValueDataSize: masked length - 2, or 0. */
size_t zt_lf_record_value_data_size(const struct zt_lf_record *r);

struct zt_lf_record_hashes {
	uint8_t b[48];     /* body signing hash */
	uint8_t w[48];     /* work hash: the proof-of-work input */
	uint8_t s[48];     /* signing hash: what the owner signs */
	uint8_t hash[32];  /* record hash, shandwich(M) */
	uint32_t billable; /* billable bytes: body + 57 x selectors */
};
/* Computes B, W, S, the record hash and the billable bytes from the parsed fields. */
zt_err zt_lf_record_hashes(const struct zt_lf_record *r, struct zt_lf_record_hashes *h);
/* Writes the body hash stream (flag 0x4, SHA384 of the value) or the full stream M; for tests. */
zt_err zt_lf_record_hash_stream(const struct zt_lf_record *r, bool full, struct zt_wbuf *w);

struct zt_lf_record_keys {
	unsigned count;
	uint8_t key[ZT_LF_RECORD_MAX_SELECTORS][ZT_LF_SELECTOR_KEY_SIZE]; /* selector keys, by position */
	uint8_t pub[ZT_LF_RECORD_MAX_SELECTORS][ZT_LF_NAME_PUB_SIZE];     /* recovered name keys */
	uint8_t id[32];   /* record ID; the record hash when there are no selectors */
};
/* Recovers every claim: ZT_EINVALID if one yields no key (the record must then be rejected). */
zt_err zt_lf_record_keys(const struct zt_lf_record *r, const struct zt_lf_record_hashes *h,
			 struct zt_lf_record_keys *k);

/*
 * The structural part of Validate (lf.md §1.9 step 7, §5.5 step 7) except the signature:
 * a non-empty owner, counts and type in range, links strictly ascending, canonical size <= 65536.
 * ZT_EINVALID or ZT_ETOOBIG; *why (may be NULL) gets the reference's reason text.
 */
zt_err zt_lf_record_check(const struct zt_lf_record *r, const char **why);
/* The owner signature over S: ZT_OK or ZT_EAUTH. */
zt_err zt_lf_record_verify_signature(const struct zt_lf_record *r, const struct zt_lf_record_hashes *h);

/* The verified work difficulty (0 without valid Wharrgarbl work). */
uint32_t zt_lf_record_work_difficulty(const struct zt_lf_record *r, const struct zt_lf_record_hashes *h,
				      const struct zt_lf_wtable *t);
/* True if the work pays for the record: verified difficulty >= cost(billable). */
bool zt_lf_record_work_pays(const struct zt_lf_record *r, const struct zt_lf_record_hashes *h,
			    const struct zt_lf_wtable *t);
/* The record's score: 0x000fffff without work, else score(verified difficulty). */
uint32_t zt_lf_record_score(const struct zt_lf_record *r, const struct zt_lf_record_hashes *h,
			    const struct zt_lf_wtable *t);

/* Unmasks the value (see zt_lf_value_unmask); mk NULL/0 for "no masking key". */
zt_err zt_lf_record_value(const struct zt_lf_record *r, const void *mk, size_t mklen, uint8_t **out,
			  size_t *outlen);

/* "=" + Base62 of a record hash, and back (exactly 32 bytes, else ZT_EMALFORMED). */
zt_err zt_lf_hash_text(char out[static ZT_LF_HASH_TEXT_MAX], const uint8_t hash[static 32]);
zt_err zt_lf_hash_text_parse(uint8_t hash[static 32], const char *s, size_t n);

/* ---------------------------------------------------------------- building (make.c) */

struct zt_lf_record_params {
	const struct zt_lf_owner *owner; /* with its private key if a pulse token is wanted */
	const void *value;               /* plaintext; empty for none */
	size_t value_len;
	const void *masking_key;         /* used if masking_key_set; else the first selector name, else none */
	size_t masking_key_len;
	bool masking_key_set;
	const struct zt_lf_selector_spec *selectors;
	unsigned selector_count;
	const uint8_t (*links)[ZT_LF_HASH_SIZE]; /* any order, duplicates allowed: sorted and deduplicated */
	unsigned link_count;
	uint64_t timestamp;
	unsigned type;
	bool pulse;                      /* derive a PulseToken from the owner's private key */
};

/*
 * Builds everything but work and signature into `r` (zeroed or cleared): masked value, owner, links,
 * timestamp, pulse token, type, then the selectors over the final B. Follow with make_work (optional)
 * and sign.
 */
zt_err zt_lf_record_make(struct zt_lf_record *r, const struct zt_lf_record_params *p);
/*
 * Adds Wharrgarbl work at `difficulty` (0: the record's cost) and sets the algorithm. Cancellation
 * and progress as in zt_lf_wharrgarbl_solve.
 */
zt_err zt_lf_record_make_work(struct zt_lf_record *r, const struct zt_lf_wtable *t, uint32_t difficulty,
			      const struct zt_lf_solve_opts *opts);
/* Signs S with the owner (which must match the record's owner field) and stores the signature. */
zt_err zt_lf_record_sign(struct zt_lf_record *r, const struct zt_lf_owner *o);
/* The pulse chain seed of a record built with these selectors and timestamp by this owner. */
zt_err zt_lf_record_pulse_seed(uint64_t *seed, const struct zt_lf_owner *o, const struct zt_lf_selector_spec *sel,
			       unsigned nsel, uint64_t timestamp);

#endif
