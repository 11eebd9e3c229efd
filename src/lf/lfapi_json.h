/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_LF_LFAPI_JSON_H
#define ZT_LF_LFAPI_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "lf/lfjson.h"
#include "lf/owner.h"
#include "lf/pulse.h"
#include "lf/record.h"
#include "lf/selector.h"
#include "node/err.h"

/*
 * The JSON objects of LF's HTTP API (lf.md §3.2-§3.4): the requests a client sends (Query,
 * MakeRecord), the answers it reads (NodeStatus, QueryResult sets, OwnerStatus, make results,
 * ErrAPI), and writers for those answers so that a server (the mirror) emits the same bytes as the
 * reference node. Records go through lfjson.h; every document is read with zt_lf_json_loads, which
 * keeps unsigned 64-bit numbers above 2^63-1 (PulseToken, Range bounds) exact.
 *
 * Parsers fill a caller-owned struct that starts zeroed, and leave it cleared on failure; `why`
 * (may be NULL) receives a short reason naming the offending field. Every struct with heap parts
 * has a _free that zeroes it again.
 */
#define ZT_LF_MAX_QUERY_RANGES ZT_LF_RECORD_MAX_SELECTORS
#define ZT_LF_IDENTITY_MAX_LEN 64   /* a node identity Blob: a compressed P-384 key, 49 bytes */
#define ZT_LF_SOFTWARE_MAX 64
#define ZT_LF_API_MESSAGE_MAX 512
#define ZT_LF_API_TYPE_MAX 64
#define ZT_LF_WHY_MAX 128
#define ZT_LF_TIME_MAX ((uint64_t)INT64_MAX) /* the reference's default upper TimeRange bound */

/* An owner field as records carry it (14, 24 or 32 bytes); "@" + Base62 in JSON. */
struct zt_lf_owner_id {
	uint8_t pub[ZT_LF_OWNER_MAX_LEN];
	size_t len;
};
/* Parses "@..." text (the '@' is optional); ZT_EMALFORMED if it is no owner of a known size. */
zt_err zt_lf_owner_id_parse(struct zt_lf_owner_id *o, const char *text);

/* ---------------------------------------------------------------- requests */

/*
 * One range of a query, ANDed by position with the others. By name: the node computes the keys of
 * ordinals lo..hi (and learns the name). By key: the client computed them (zt_lf_query_range_keys),
 * so the name stays secret, but the node cannot unmask values without a masking key.
 */
struct zt_lf_query_range {
	const void *name;
	size_t name_len;
	uint64_t lo, hi;
	bool by_key;
	uint8_t key_lo[ZT_LF_SELECTOR_KEY_SIZE], key_hi[ZT_LF_SELECTOR_KEY_SIZE];
};
/* A range by name over ordinals lo..hi (lo == hi: one ordinal). The name is borrowed. */
void zt_lf_query_range_name(struct zt_lf_query_range *r, const void *name, size_t len, uint64_t lo, uint64_t hi);
/* A range by selector keys MakeSelectorKey(name, lo) .. MakeSelectorKey(name, hi). */
zt_err zt_lf_query_range_keys(struct zt_lf_query_range *r, const void *name, size_t len, uint64_t lo, uint64_t hi);

struct zt_lf_query {
	const struct zt_lf_query_range *ranges; /* 1 .. ZT_LF_MAX_QUERY_RANGES */
	unsigned nranges;
	const void *masking_key;                /* sent if masking_key_set; default: the node uses range 0's name */
	size_t masking_key_len;
	bool masking_key_set;
	const struct zt_lf_owner_id *owners;    /* only these owners (none: every owner) */
	unsigned nowners;
	const struct zt_lf_owner_id *oracles;   /* oracle owners whose commentary counts in trust */
	unsigned noracles;
	bool open;                              /* also records with more selectors than ranges */
	bool time_range;                        /* restrict record timestamps to time_min..time_max */
	uint64_t time_min, time_max;
};
/* Appends the Query JSON; ZT_EINVALID for no ranges or too many, -ENOMEM. */
zt_err zt_lfapi_query_write(struct zt_lf_str *s, const struct zt_lf_query *q);

/* /makerecord (lf.md §3.3, §4.1): the node builds, works, signs and posts the record. */
struct zt_lf_make_request {
	const struct zt_lf_selector_spec *selectors; /* plain names and ordinals */
	unsigned nselectors;
	const void *value;                     /* plaintext; binary is sent as a "\b" Blob */
	size_t value_len;
	const void *owner_private;             /* PEM text (zt_lf_owner_to_pem) or PrivateBytes */
	size_t owner_private_len;
	const char *passphrase;                /* instead of owner_private: the passphrase owner */
	const void *masking_key;               /* sent if masking_key_set */
	size_t masking_key_len;
	bool masking_key_set;
	uint64_t timestamp;                    /* 0: the node's clock */
	bool pulse_if_unchanged;
};
/* Appends the MakeRecord JSON; ZT_EINVALID without an owner or with too many selectors. */
zt_err zt_lfapi_make_write(struct zt_lf_str *s, const struct zt_lf_make_request *m);

/*
 * The same requests as a server reads them (the mirror). `q` / `m` point into the struct's own
 * copies. Ranges follow the reference (lf.md §3.4, §3.5): KeyRange [k] or [k1,k2] wins over Name;
 * Range absent or [] is ordinal 0, [a] is a, [a,b] is a..b; any other shape is dropped and
 * counted in `dropped` (no range left is the server's "query requires at least one selector").
 * Deviation: more than ZT_LF_MAX_QUERY_RANGES ranges, or a key longer than 32 bytes, is malformed.
 */
struct zt_lf_query_request {
	struct zt_lf_query q;
	struct zt_lf_query_range ranges[ZT_LF_MAX_QUERY_RANGES];
	unsigned dropped;
	char sort_order[16];                  /* "" (trust), "trust", "weight", "timestamp", or what was sent */
	bool has_limit;
	long limit;
	uint8_t *names[ZT_LF_MAX_QUERY_RANGES];
	uint8_t *masking_key;
	struct zt_lf_owner_id *owners, *oracles;
};
zt_err zt_lfapi_query_parse(const json_t *doc, struct zt_lf_query_request *qr, char *why, size_t whycap);
void zt_lf_query_request_free(struct zt_lf_query_request *qr);

/* A MakeRecord request; OwnerPrivate and Passphrase are wiped by the _free. */
struct zt_lf_make_request_parsed {
	struct zt_lf_make_request m;
	struct zt_lf_selector_spec selectors[ZT_LF_RECORD_MAX_SELECTORS];
	uint8_t *names[ZT_LF_RECORD_MAX_SELECTORS];
	uint8_t *value, *owner_private, *masking_key;
	char *passphrase;
};
zt_err zt_lfapi_make_parse(const json_t *doc, struct zt_lf_make_request_parsed *mp, char *why, size_t whycap);
void zt_lf_make_request_parsed_free(struct zt_lf_make_request_parsed *mp);

/* ---------------------------------------------------------------- answers */

/* ErrAPI {"Code","Message"?,"ErrTypeName"?}; Code is 0 on rejected /post and 405 in 403 bodies. */
struct zt_lf_api_error {
	long code;
	char message[ZT_LF_API_MESSAGE_MAX]; /* cut if longer */
	char type[ZT_LF_API_TYPE_MAX];
};
zt_err zt_lfapi_error_parse(const json_t *doc, struct zt_lf_api_error *e, char *why, size_t whycap);
zt_err zt_lfapi_error_write(struct zt_lf_str *s, long code, const char *message, const char *type);

struct zt_lf_genesis_params {
	uint8_t id[32];
	char **amendable_fields;                /* lowercase field names */
	size_t namendable_fields;
	char *name, *contact, *comment;         /* NULL when absent */
	uint8_t *auth_certificates;             /* concatenated DER */
	size_t auth_certificates_len;
	uint8_t *revoked_auth_certificates;
	size_t revoked_auth_certificates_len;
	bool auth_required;
	uint64_t record_min_links, record_max_value_size, record_max_time_drift;
};

struct zt_lf_peer {
	char ip[64];
	long port;                              /* -1 for inbound connections */
	uint8_t identity[ZT_LF_IDENTITY_MAX_LEN];
	size_t identity_len;
};

struct zt_lf_status {
	char software[ZT_LF_SOFTWARE_MAX];
	uint32_t version[4];
	long api_version, min_api_version, max_api_version;
	uint64_t uptime, clock, record_count, data_size;
	bool fully_synchronized;
	uint8_t *genesis_records;               /* concatenated genesis records */
	size_t genesis_records_len;
	struct zt_lf_genesis_params genesis;
	bool has_oracle;
	struct zt_lf_owner_id oracle;
	long p2p_port;
	bool local_test_mode;
	uint8_t identity[ZT_LF_IDENTITY_MAX_LEN];
	size_t identity_len;
	struct zt_lf_peer *peers;
	size_t npeers;
};
zt_err zt_lfapi_status_parse(const json_t *doc, struct zt_lf_status *st, char *why, size_t whycap);
zt_err zt_lfapi_status_write(struct zt_lf_str *s, const struct zt_lf_status *st);
void zt_lf_status_free(struct zt_lf_status *st);

struct zt_lf_owner_status {
	struct zt_lf_owner_id owner;
	enum zt_lf_owner_type type;             /* ZT_LF_OWNER_NONE when absent */
	struct zt_lf_blob { uint8_t *p; size_t n; } *certificates, *revoked_certificates; /* DER */
	size_t ncertificates, nrevoked_certificates;
	bool has_current_certificate, auth_required;
	uint64_t record_count, record_bytes;
	uint8_t (*links)[ZT_LF_HASH_SIZE];      /* NewRecordLinks */
	size_t nlinks;
	uint64_t server_time;
};
zt_err zt_lfapi_owner_status_parse(const json_t *doc, struct zt_lf_owner_status *os, char *why, size_t whycap);
zt_err zt_lfapi_owner_status_write(struct zt_lf_str *s, const struct zt_lf_owner_status *os);
void zt_lf_owner_status_free(struct zt_lf_owner_status *os);

/* One entry of a result set: the newest record of one owner for one tuple of selector keys. */
struct zt_lf_query_entry {
	uint8_t hash[ZT_LF_HASH_SIZE];          /* as the node claims it: see zt_lf_query_entry_verify */
	uint64_t size;
	struct zt_lf_record record;
	uint8_t *value;                         /* the node's unmasked value, if it could unmask */
	size_t value_len;
	bool has_value;
	uint64_t pulse;                         /* timestamp + 60 x the latest pulse minutes */
	double trust, local_trust, oracle_trust;
	uint32_t weight[4];                     /* 128 bits, most significant word first */
	bool is_signed;
};
struct zt_lf_query_set {
	struct zt_lf_query_entry *entries;
	size_t n;
};
/* The answer to /query: one set per distinct tuple of selector keys; none for the body `null`. */
struct zt_lf_query_result {
	struct zt_lf_query_set *sets;
	size_t nsets;
};
/* Parses the array of sets (or null). The sets keep the node's order; see zt_lf_query_result_sort. */
zt_err zt_lfapi_query_result_parse(const json_t *doc, struct zt_lf_query_result *qr, char *why, size_t whycap);
/* Writes the sets as the reference does (an empty result is `null`). */
zt_err zt_lfapi_query_result_write(struct zt_lf_str *s, const struct zt_lf_query_result *qr);
void zt_lf_query_result_free(struct zt_lf_query_result *qr);

/* 128-bit weight comparison: <0, 0, >0. */
int zt_lf_weight_cmp(const uint32_t a[4], const uint32_t b[4]);
/*
 * Orders every set by Trust descending (differences below 1e-10 count as ties), then Weight
 * descending, then the node's order. The reference sorts only when the query names oracles, so a
 * client must always do this itself (lf.md §0 trap 2).
 */
void zt_lf_query_result_sort(struct zt_lf_query_result *qr);
/*
 * True if every entry of the set has the same selector count and masked ordinals as the first: the
 * reference can append entries of another key tuple to a set (lf.md §3.5, "set merging").
 */
bool zt_lf_query_set_consistent(const struct zt_lf_query_set *set);
/*
 * Checks an entry without trusting the node: the record rebuilt from its JSON hashes to `hash`
 * and its owner signature verifies. ZT_OK, ZT_EAUTH, or a codec error.
 */
zt_err zt_lf_query_entry_verify(const struct zt_lf_query_entry *e);
/* Unmasks the record's value locally with `mk` (NULL/0: no key); see zt_lf_record_value. */
zt_err zt_lf_query_entry_value(const struct zt_lf_query_entry *e, const void *mk, size_t mklen, uint8_t **out,
			       size_t *outlen);

/* A record as /record and /post answer it, with its hash computed from the parsed fields. */
zt_err zt_lfapi_record_parse(const json_t *doc, struct zt_lf_record *r, uint8_t hash[static ZT_LF_HASH_SIZE],
			     char *why, size_t whycap);

/* The answer to /makerecord and /makepulse: {"Pulse"?,"Record"?,"Accepted"}. */
struct zt_lf_make_result {
	bool accepted;
	bool has_pulse;
	uint8_t pulse[ZT_LF_PULSE_SIZE];
	bool has_record;
	struct zt_lf_record record;
	uint8_t hash[ZT_LF_HASH_SIZE];          /* computed from the record */
};
zt_err zt_lfapi_make_result_parse(const json_t *doc, struct zt_lf_make_result *mr, char *why, size_t whycap);
zt_err zt_lfapi_make_result_write(struct zt_lf_str *s, const struct zt_lf_make_result *mr);
void zt_lf_make_result_free(struct zt_lf_make_result *mr);

/* The /links body: concatenated 32-byte hashes. *out is malloc'd (NULL when empty). */
zt_err zt_lfapi_links_parse(const uint8_t *body, size_t n, uint8_t (**out)[ZT_LF_HASH_SIZE], size_t *count);

/* Go's float64 text (shortest form that reads back exactly): 1, 0.5, 1e-07. */
void zt_lfapi_write_float(struct zt_lf_str *s, double v);

#endif
