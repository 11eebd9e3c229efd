/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_DICTIONARY_H
#define ZT_DICTIONARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

/*
 * The 1.x Dictionary (spec/vl2.md §5): "key=value" entries separated by '\n', values escaped with
 * backslash. Used for network configs, config-request metadata, SSO auth info and traces.
 *
 * Entries keep their order (serialization is deterministic and reproduces what 1.x writes) and keys
 * are unique. Values are stored unescaped, as bytes, each followed by a NUL that is not part of the
 * value so string values can be used directly.
 */

/* Largest serialized dictionary we parse or produce: a full network config is a few hundred KiB. */
#define ZT_DICT_MAX_SIZE (512 * 1024)
#define ZT_DICT_MAX_ENTRIES 1024
#define ZT_DICT_MAX_KEY_LEN 63
/* Config-request metadata limit of 1.x (ZT_NETWORKCONFIG_METADATA_DICT_CAPACITY). */
#define ZT_DICT_METADATA_MAX_SIZE 1024
/* Length of an integer written by zt_dict_set_u64: 16 hex digits. */
#define ZT_DICT_INT_DIGITS 16

struct zt_dict_entry {
	char key[ZT_DICT_MAX_KEY_LEN + 1];
	uint8_t *value; /* len bytes + a NUL; owned by the dictionary */
	size_t len;
};

struct zt_dict {
	struct zt_dict_entry *e; /* owned, n used of cap */
	size_t n;
	size_t cap;
	size_t size; /* current serialized length, kept up to date so limits are cheap to enforce */
};

/* Initializes an empty dictionary (no allocation). */
void zt_dict_init(struct zt_dict *d);
/* Frees every entry; d is then empty and may be reused. */
void zt_dict_free(struct zt_dict *d);

/*
 * Replaces d's contents with the dictionary in data[0..len-1]. Reading stops at the first NUL
 * (in-memory and REMOTE_TRACE dictionaries are NUL-terminated). As in 1.x: '\r' also ends an entry,
 * a line without '=' or with an empty key is ignored, and for a repeated key the first one counts
 * (later ones are dropped). Returns ZT_OK, ZT_ETOOBIG (input over ZT_DICT_MAX_SIZE, a key over
 * ZT_DICT_MAX_KEY_LEN, more than ZT_DICT_MAX_ENTRIES entries) or -ENOMEM. On error d is empty.
 */
zt_err zt_dict_parse(struct zt_dict *d, const uint8_t *data, size_t len);

/*
 * Appends the serialized form (no trailing newline, no NUL) to w.
 * Returns ZT_OK or ZT_ENOSPACE (w->err is then set).
 */
zt_err zt_dict_serialize(const struct zt_dict *d, struct zt_wbuf *w);
/* Length zt_dict_serialize would write. */
static inline size_t zt_dict_serialized_len(const struct zt_dict *d) { return d->size; }

/*
 * Raw value of key, or NULL if absent. *len (if not NULL) receives its length. The pointer stays
 * valid until the entry is replaced or the dictionary freed; the byte after the value is a NUL.
 */
const uint8_t *zt_dict_get(const struct zt_dict *d, const char *key, size_t *len);
/* The value as a C string, or NULL if absent or if it contains a NUL byte. Same lifetime. */
const char *zt_dict_get_str(const struct zt_dict *d, const char *key);
/*
 * The value parsed as hex like 1.x does (leading '-' negates; digits are read until the first
 * non-hex character; overflow saturates). Returns dflt if the key is absent.
 */
uint64_t zt_dict_get_u64(const struct zt_dict *d, const char *key, uint64_t dflt);
int64_t zt_dict_get_i64(const struct zt_dict *d, const char *key, int64_t dflt);
/* True if the value starts with 1, t, T, y or Y (1.x's reading); dflt if absent or empty. */
bool zt_dict_get_bool(const struct zt_dict *d, const char *key, bool dflt);

/*
 * Sets key to the given bytes (copied). An existing key keeps its position and gets the new value,
 * so keys stay unique. Keys must be 1..ZT_DICT_MAX_KEY_LEN bytes without '=', '\r', '\n'.
 * Returns ZT_OK, ZT_EINVALID (bad key), ZT_ETOOBIG (the dictionary would exceed a limit) or
 * -ENOMEM. On error d is unchanged.
 */
zt_err zt_dict_set(struct zt_dict *d, const char *key, const void *value, size_t len);
zt_err zt_dict_set_str(struct zt_dict *d, const char *key, const char *value);
/* Lowercase hex zero-padded to 16 digits, as 1.x writes integers ("0000000000000007"). */
zt_err zt_dict_set_u64(struct zt_dict *d, const char *key, uint64_t value);
/* Like zt_dict_set_u64; a negative value is written as '-' followed by its magnitude. */
zt_err zt_dict_set_i64(struct zt_dict *d, const char *key, int64_t value);
/* "1" or "0". */
zt_err zt_dict_set_bool(struct zt_dict *d, const char *key, bool value);

/* Removes key; returns ZT_OK or ZT_ENOTFOUND. */
zt_err zt_dict_remove(struct zt_dict *d, const char *key);

/* True if both hold the same keys with the same values in the same order. */
bool zt_dict_equal(const struct zt_dict *a, const struct zt_dict *b);

#endif
