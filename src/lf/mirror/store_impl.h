/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_LF_MIRROR_STORE_IMPL_H
#define ZT_LF_MIRROR_STORE_IMPL_H

/* Internals shared by store.c, store_insert.c and store_read.c. */
#include <lmdb.h>

#include "lf/mirror/store.h"

enum lfm_db {
	DB_RECORDS,
	DB_META,
	DB_STATE,
	DB_LOG,
	DB_SEL,
	DB_OWNER,
	DB_OWNERSTAT,
	DB_IDOWNER,
	DB_IDREC,
	DB_WAIT,
	DB_LINKCAND,
	DB_PULSE,
	DB_COMMENT,
	DB_LIMBO,
	DB_INFO,
	DB_COUNT
};

struct lfm_store {
	MDB_env *env;
	MDB_dbi dbi[DB_COUNT];
};

#define STATE_SIZE 30
#define SEL_KEY_SIZE (1 + LFM_KEY_SIZE + 8 + 8)
#define OWNER_KEY_MAX (1 + ZT_LF_OWNER_MAX_LEN + 8 + 8)
#define IDOWNER_KEY_MAX (32 + 1 + ZT_LF_OWNER_MAX_LEN)
#define IDREC_KEY_MAX (IDOWNER_KEY_MAX + 8)
#define META_MAX (64 + 32 + ZT_LF_OWNER_MAX_LEN + (ZT_LF_RECORD_MAX_SELECTORS + ZT_LF_RECORD_MAX_LINKS) * 32)

/* The one translation of LMDB return codes (logs unexpected ones). */
zt_err lfm_db_err(int rc, const char *what);

/*
 * Primitives with the transaction's sticky error: after a failure they do nothing. get returns
 * false when the key is absent (not an error) or after a failure.
 */
bool lfm_db_get(struct lfm_txn *t, enum lfm_db db, const void *k, size_t kn, MDB_val *v);
void lfm_db_put(struct lfm_txn *t, enum lfm_db db, const void *k, size_t kn, const void *v, size_t vn,
		unsigned flags);
/* Deletes key k (and, for dupsort databases with v != NULL, only that value); absent is fine. */
void lfm_db_del(struct lfm_txn *t, enum lfm_db db, const void *k, size_t kn, const void *v, size_t vn);
MDB_cursor *lfm_cursor(struct lfm_txn *t, enum lfm_db db);

void lfm_state_encode(const struct lfm_state *st, uint8_t out[static STATE_SIZE]);
void lfm_state_decode(struct lfm_state *st, const uint8_t in[static STATE_SIZE]);
void lfm_put_state(struct lfm_txn *t, const uint8_t hash[static 32], const struct lfm_state *st);

/* Database keys. Return the length. */
size_t lfm_owner_prefix(uint8_t *k, const uint8_t *owner, size_t owner_len);
size_t lfm_idowner_key(uint8_t *k, const uint8_t id[static 32], const uint8_t *owner, size_t owner_len);

/* Loads the counters into the transaction (once). */
struct lfm_counters *lfm_counters_rw(struct lfm_txn *t);

#endif
