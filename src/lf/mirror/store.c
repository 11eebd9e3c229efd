/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store's environment, transactions, primitives and codecs (layout: store.h). This is the one
 * place LMDB return codes become zt_err.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/log.h"
#include "lf/mirror/store_impl.h"
#include "node/buf.h"

#define META_VERSION 1
#define INFO_COUNTERS "counters"

static const struct {
	const char *name;
	unsigned flags;
} db_defs[DB_COUNT] = {
	[DB_RECORDS] = { "records", 0 },
	[DB_META] = { "meta", 0 },
	[DB_STATE] = { "state", 0 },
	[DB_LOG] = { "log", 0 },
	[DB_SEL] = { "sel", 0 },
	[DB_OWNER] = { "owner", 0 },
	[DB_OWNERSTAT] = { "ownerstat", 0 },
	[DB_IDOWNER] = { "idowner", 0 },
	[DB_IDREC] = { "idrec", 0 },
	[DB_WAIT] = { "wait", MDB_DUPSORT | MDB_DUPFIXED },
	[DB_LINKCAND] = { "linkcand", 0 },
	[DB_PULSE] = { "pulse", MDB_DUPSORT | MDB_DUPFIXED },
	[DB_COMMENT] = { "comment", MDB_DUPSORT },
	[DB_LIMBO] = { "limbo", 0 },
	[DB_INFO] = { "info", 0 },
};

zt_err lfm_db_err(int rc, const char *what)
{
	switch (rc) {
	case MDB_SUCCESS:
		return ZT_OK;
	case MDB_NOTFOUND:
		return ZT_ENOTFOUND;
	case MDB_MAP_FULL:
		log_error("lmdb: %s: the database is full: raise \"mapSizeMiB\" in the config", what);
		return ZT_ENOSPACE;
	case ENOMEM:
		return -ENOMEM;
	default:
		log_error("lmdb: %s: %s", what, mdb_strerror(rc));
		return ZT_EDB;
	}
}

void lfm_entry_free(struct lfm_entry *e)
{
	zt_lf_record_clear(&e->rec);
	free(e->bytes);
	memset(e, 0, sizeof *e);
}

/* ---------------------------------------------------------------- environment */

zt_err lfm_store_open(struct lfm_store **out, const char *dir, uint64_t map_size)
{
	struct lfm_store *s = calloc(1, sizeof *s);
	MDB_txn *txn = NULL;
	int rc;
	zt_err e;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		e = -errno;
		log_warn("cannot create %s", dir);
		free(s);
		return e;
	}
	if ((rc = mdb_env_create(&s->env)) || (rc = mdb_env_set_maxdbs(s->env, DB_COUNT + 1)) ||
	    (rc = mdb_env_set_maxreaders(s->env, LFM_READERS)) ||
	    (rc = mdb_env_set_mapsize(s->env, (size_t)(map_size ? map_size : LFM_DEFAULT_MAP_SIZE))) ||
	    (rc = mdb_env_open(s->env, dir, MDB_NOSYNC | MDB_NOTLS, 0600))) {
		e = lfm_db_err(rc, dir);
		goto fail;
	}
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn))) {
		e = lfm_db_err(rc, "opening databases");
		goto fail;
	}
	for (int i = 0; i < DB_COUNT; i++) {
		if ((rc = mdb_dbi_open(txn, db_defs[i].name, MDB_CREATE | db_defs[i].flags, &s->dbi[i]))) {
			e = lfm_db_err(rc, db_defs[i].name);
			mdb_txn_abort(txn);
			goto fail;
		}
	}
	if ((rc = mdb_txn_commit(txn))) {
		e = lfm_db_err(rc, "opening databases");
		goto fail;
	}
	*out = s;
	return ZT_OK;
fail:
	if (s->env)
		mdb_env_close(s->env);
	free(s);
	return e;
}

void lfm_store_close(struct lfm_store *s)
{
	if (!s)
		return;
	mdb_env_sync(s->env, 1);
	mdb_env_close(s->env);
	free(s);
}

zt_err lfm_store_sync(struct lfm_store *s)
{
	return lfm_db_err(mdb_env_sync(s->env, 1), "sync");
}

uint64_t lfm_store_file_size(struct lfm_store *s)
{
	MDB_envinfo info;
	MDB_stat st;
	if (mdb_env_info(s->env, &info) || mdb_env_stat(s->env, &st))
		return 0;
	return (uint64_t)(info.me_last_pgno + 1) * st.ms_psize;
}

/* ---------------------------------------------------------------- transactions */

zt_err lfm_txn_begin(struct lfm_store *s, struct lfm_txn *t, bool write)
{
	MDB_txn *txn;
	memset(t, 0, sizeof *t);
	t->s = s;
	t->write = write;
	int rc = mdb_txn_begin(s->env, NULL, write ? 0 : MDB_RDONLY, &txn);
	if (rc)
		return t->err = lfm_db_err(rc, write ? "begin write" : "begin read");
	t->txn = txn;
	return ZT_OK;
}

zt_err lfm_txn_fail(struct lfm_txn *t, zt_err err)
{
	if (!t->err)
		t->err = err;
	return t->err;
}

static void counters_save(struct lfm_txn *t)
{
	uint8_t b[40];
	zt_put_be64(b, t->c.next_seq);
	zt_put_be64(b + 8, t->c.records);
	zt_put_be64(b + 16, t->c.bytes);
	zt_put_be64(b + 24, t->c.unsynced);
	zt_put_be64(b + 32, t->c.limbo);
	lfm_db_put(t, DB_INFO, INFO_COUNTERS, strlen(INFO_COUNTERS), b, sizeof b, 0);
}

zt_err lfm_txn_commit(struct lfm_txn *t)
{
	MDB_txn *txn = t->txn;
	if (!txn)
		return t->err ? t->err : ZT_EINVALID;
	if (t->write && !t->err && t->counters_dirty)
		counters_save(t);
	t->txn = NULL;
	if (t->err) {
		mdb_txn_abort(txn);
		return t->err;
	}
	if (!t->write) {
		mdb_txn_abort(txn);
		return ZT_OK;
	}
	return t->err = lfm_db_err(mdb_txn_commit(txn), "commit");
}

void lfm_txn_abort(struct lfm_txn *t)
{
	if (t->txn)
		mdb_txn_abort(t->txn);
	t->txn = NULL;
}

struct lfm_counters *lfm_counters_rw(struct lfm_txn *t)
{
	MDB_val v;
	if (t->err)
		return NULL;
	if (!t->counters_loaded) {
		memset(&t->c, 0, sizeof t->c);
		t->c.next_seq = 1;
		if (lfm_db_get(t, DB_INFO, INFO_COUNTERS, strlen(INFO_COUNTERS), &v) && v.mv_size >= 40) {
			const uint8_t *p = v.mv_data;
			t->c.next_seq = zt_be64(p);
			t->c.records = zt_be64(p + 8);
			t->c.bytes = zt_be64(p + 16);
			t->c.unsynced = zt_be64(p + 24);
			t->c.limbo = zt_be64(p + 32);
		}
		if (t->err)
			return NULL;
		t->counters_loaded = true;
	}
	return &t->c;
}

const struct lfm_counters *lfm_counters(struct lfm_txn *t)
{
	return lfm_counters_rw(t);
}

/* ---------------------------------------------------------------- primitives */

bool lfm_db_get(struct lfm_txn *t, enum lfm_db db, const void *k, size_t kn, MDB_val *v)
{
	if (t->err)
		return false;
	MDB_val key = { kn, (void *)k };
	int rc = mdb_get(t->txn, t->s->dbi[db], &key, v);
	if (rc == MDB_SUCCESS)
		return true;
	if (rc != MDB_NOTFOUND)
		lfm_txn_fail(t, lfm_db_err(rc, db_defs[db].name));
	return false;
}

void lfm_db_put(struct lfm_txn *t, enum lfm_db db, const void *k, size_t kn, const void *v, size_t vn,
		unsigned flags)
{
	if (t->err)
		return;
	MDB_val key = { kn, (void *)k }, val = { vn, (void *)v };
	int rc = mdb_put(t->txn, t->s->dbi[db], &key, &val, flags);
	if (rc && !(rc == MDB_KEYEXIST && (flags & (MDB_NODUPDATA | MDB_NOOVERWRITE))))
		lfm_txn_fail(t, lfm_db_err(rc, db_defs[db].name));
}

void lfm_db_del(struct lfm_txn *t, enum lfm_db db, const void *k, size_t kn, const void *v, size_t vn)
{
	if (t->err)
		return;
	MDB_val key = { kn, (void *)k }, val = { vn, (void *)v };
	int rc = mdb_del(t->txn, t->s->dbi[db], &key, v ? &val : NULL);
	if (rc && rc != MDB_NOTFOUND)
		lfm_txn_fail(t, lfm_db_err(rc, db_defs[db].name));
}

MDB_cursor *lfm_cursor(struct lfm_txn *t, enum lfm_db db)
{
	MDB_cursor *c = NULL;
	if (t->err)
		return NULL;
	int rc = mdb_cursor_open(t->txn, t->s->dbi[db], &c);
	if (rc) {
		lfm_txn_fail(t, lfm_db_err(rc, db_defs[db].name));
		return NULL;
	}
	return c;
}

/* ---------------------------------------------------------------- codecs */

size_t lfm_meta_encode(const struct lfm_meta *m, uint8_t *out, size_t cap)
{
	struct zt_wbuf w = zt_wbuf_init(out, cap);
	if (m->nsel > ZT_LF_RECORD_MAX_SELECTORS || m->nlinks > ZT_LF_RECORD_MAX_LINKS ||
	    m->owner_len > ZT_LF_OWNER_MAX_LEN)
		return 0;
	zt_wbuf_u8(&w, META_VERSION);
	zt_wbuf_u8(&w, m->type);
	zt_wbuf_u8(&w, m->approval);
	zt_wbuf_u8(&w, m->nsel);
	zt_wbuf_u8(&w, m->nlinks);
	zt_wbuf_u8(&w, (uint8_t)m->owner_len);
	zt_wbuf_u64(&w, m->seq);
	zt_wbuf_u64(&w, m->ts);
	zt_wbuf_u64(&w, m->pulse_token);
	zt_wbuf_u32(&w, m->score);
	zt_wbuf_u32(&w, m->size);
	zt_wbuf_put(&w, m->id, sizeof m->id);
	zt_wbuf_put(&w, m->owner, m->owner_len);
	for (unsigned i = 0; i < m->nsel; i++)
		zt_wbuf_put(&w, m->keys[i], LFM_KEY_SIZE);
	for (unsigned i = 0; i < m->nlinks; i++)
		zt_wbuf_put(&w, m->links[i], ZT_LF_HASH_SIZE);
	return w.err ? 0 : w.len;
}

zt_err lfm_meta_decode(struct lfm_meta *m, const uint8_t *in, size_t n)
{
	struct zt_buf b = zt_buf_init(in, n);
	memset(m, 0, sizeof *m);
	if (zt_buf_u8(&b) != META_VERSION)
		return ZT_EUNSUPPORTED;
	m->type = zt_buf_u8(&b);
	m->approval = zt_buf_u8(&b);
	m->nsel = zt_buf_u8(&b);
	m->nlinks = zt_buf_u8(&b);
	m->owner_len = zt_buf_u8(&b);
	if (m->nsel > ZT_LF_RECORD_MAX_SELECTORS || m->nlinks > ZT_LF_RECORD_MAX_LINKS ||
	    m->owner_len > ZT_LF_OWNER_MAX_LEN)
		return ZT_EMALFORMED;
	m->seq = zt_buf_u64(&b);
	m->ts = zt_buf_u64(&b);
	m->pulse_token = zt_buf_u64(&b);
	m->score = zt_buf_u32(&b);
	m->size = zt_buf_u32(&b);
	zt_buf_copy(&b, m->id, sizeof m->id);
	zt_buf_copy(&b, m->owner, m->owner_len);
	for (unsigned i = 0; i < m->nsel; i++)
		zt_buf_copy(&b, m->keys[i], LFM_KEY_SIZE);
	for (unsigned i = 0; i < m->nlinks; i++)
		zt_buf_copy(&b, m->links[i], ZT_LF_HASH_SIZE);
	return b.err ? ZT_ETRUNCATED : ZT_OK;
}

void lfm_state_encode(const struct lfm_state *st, uint8_t out[static STATE_SIZE])
{
	zt_put_be64(out, st->weight_hi);
	zt_put_be64(out + 8, st->weight_lo);
	zt_put_be32(out + 16, st->inlinks);
	zt_put_be32(out + 20, st->pending);
	zt_put_be32(out + 24, st->pulse_minutes);
	out[28] = st->rep;
	out[29] = st->flags;
}

void lfm_state_decode(struct lfm_state *st, const uint8_t in[static STATE_SIZE])
{
	st->weight_hi = zt_be64(in);
	st->weight_lo = zt_be64(in + 8);
	st->inlinks = zt_be32(in + 16);
	st->pending = zt_be32(in + 20);
	st->pulse_minutes = zt_be32(in + 24);
	st->rep = in[28];
	st->flags = in[29];
}

void lfm_put_state(struct lfm_txn *t, const uint8_t hash[static 32], const struct lfm_state *st)
{
	uint8_t b[STATE_SIZE];
	lfm_state_encode(st, b);
	lfm_db_put(t, DB_STATE, hash, 32, b, sizeof b, 0);
}

size_t lfm_owner_prefix(uint8_t *k, const uint8_t *owner, size_t owner_len)
{
	k[0] = (uint8_t)owner_len;
	memcpy(k + 1, owner, owner_len);
	return 1 + owner_len;
}

size_t lfm_idowner_key(uint8_t *k, const uint8_t id[static 32], const uint8_t *owner, size_t owner_len)
{
	memcpy(k, id, 32);
	return 32 + lfm_owner_prefix(k + 32, owner, owner_len);
}

/* ---------------------------------------------------------------- records */

bool lfm_has(struct lfm_txn *t, const uint8_t hash[static ZT_LF_HASH_SIZE])
{
	MDB_val v;
	return lfm_db_get(t, DB_RECORDS, hash, ZT_LF_HASH_SIZE, &v);
}

zt_err lfm_get_bytes(struct lfm_txn *t, const uint8_t hash[static ZT_LF_HASH_SIZE], const uint8_t **p, size_t *n)
{
	MDB_val v;
	if (!lfm_db_get(t, DB_RECORDS, hash, ZT_LF_HASH_SIZE, &v))
		return t->err ? t->err : ZT_ENOTFOUND;
	*p = v.mv_data;
	*n = v.mv_size;
	return ZT_OK;
}

zt_err lfm_get_record(struct lfm_txn *t, const uint8_t hash[static ZT_LF_HASH_SIZE], struct zt_lf_record *r)
{
	const uint8_t *p;
	size_t n, used;
	zt_err e = lfm_get_bytes(t, hash, &p, &n);
	if (e)
		return e;
	e = zt_lf_record_parse(r, p, n, &used);
	if (e == ZT_OK && used != n) {
		zt_lf_record_clear(r);
		e = ZT_EMALFORMED;
	}
	return e;
}

zt_err lfm_get_meta(struct lfm_txn *t, const uint8_t hash[static ZT_LF_HASH_SIZE], struct lfm_meta *m)
{
	MDB_val v;
	if (!lfm_db_get(t, DB_META, hash, ZT_LF_HASH_SIZE, &v))
		return t->err ? t->err : ZT_ENOTFOUND;
	zt_err e = lfm_meta_decode(m, v.mv_data, v.mv_size);
	if (e)
		log_error("lmdb: unreadable metadata of a stored record: %s", zt_strerror(e));
	return e;
}

zt_err lfm_get_state(struct lfm_txn *t, const uint8_t hash[static ZT_LF_HASH_SIZE], struct lfm_state *st)
{
	MDB_val v;
	if (!lfm_db_get(t, DB_STATE, hash, ZT_LF_HASH_SIZE, &v))
		return t->err ? t->err : ZT_ENOTFOUND;
	if (v.mv_size != STATE_SIZE)
		return ZT_EMALFORMED;
	lfm_state_decode(st, v.mv_data);
	return ZT_OK;
}

zt_err lfm_limbo_put(struct lfm_txn *t, const uint8_t hash[static ZT_LF_HASH_SIZE], const uint8_t *p, size_t n)
{
	MDB_val v;
	if (lfm_db_get(t, DB_LIMBO, hash, ZT_LF_HASH_SIZE, &v))
		return ZT_EEXIST;
	lfm_db_put(t, DB_LIMBO, hash, ZT_LF_HASH_SIZE, p, n, 0);
	struct lfm_counters *c = lfm_counters_rw(t);
	if (c) {
		c->limbo++;
		t->counters_dirty = true;
	}
	return t->err;
}

/* ---------------------------------------------------------------- info */

zt_err lfm_info_get(struct lfm_txn *t, const char *key, const uint8_t **p, size_t *n)
{
	MDB_val v;
	if (!lfm_db_get(t, DB_INFO, key, strlen(key), &v))
		return t->err ? t->err : ZT_ENOTFOUND;
	*p = v.mv_data;
	*n = v.mv_size;
	return ZT_OK;
}

zt_err lfm_info_put(struct lfm_txn *t, const char *key, const void *p, size_t n)
{
	lfm_db_put(t, DB_INFO, key, strlen(key), p, n, 0);
	return t->err;
}

zt_err lfm_info_append(struct lfm_txn *t, const char *key, const void *p, size_t n)
{
	MDB_val v;
	size_t old = 0;
	uint8_t *buf;
	if (lfm_db_get(t, DB_INFO, key, strlen(key), &v))
		old = v.mv_size;
	if (t->err)
		return t->err;
	if (!(buf = malloc(old + n + 1)))
		return lfm_txn_fail(t, -ENOMEM);
	if (old)
		memcpy(buf, v.mv_data, old);
	memcpy(buf + old, p, n);
	lfm_db_put(t, DB_INFO, key, strlen(key), buf, old + n, 0);
	free(buf);
	return t->err;
}
