/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Importing concatenated records (a /dumprecords body, records.lf, bootstrap.lf, genesis.lf) and
 * exporting the store in the same format (lf.md §2.2, §5.3).
 *
 * Records are self-delimiting, so the stream is parsed as it arrives. Parsed records collect into
 * a batch; a batch is verified by every CPU in parallel (signatures and claims dominate), then
 * inserted in stream order in one write transaction, which also saves the stream position when
 * the import is an upstream pull. A record that does not parse ends the import: without framing,
 * nothing after it can be found again.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "lf/mirror/mirror.h"
#include "node/buf.h"

#define IMPORT_BATCH 512
#define IMPORT_BATCH_BYTES ((size_t)4 << 20)
#define IMPORT_MAX_THREADS 16
#define IMPORT_CHUNK ((size_t)1 << 20)
#define MARK_SIZE (8 + 4 + ZT_LF_HASH_SIZE)
#define LOG_REJECTS_MAX 20 /* individual rejection lines per import; the rest are only counted */

struct item {
	struct lfm_entry e;
	struct lfm_verdict v;
	zt_err verr;
	uint64_t end;           /* stream offset just after the record */
	bool dup, genesis;
};

struct lfm_import {
	struct lfm *m;
	char mark_key[LFM_URL_MAX + 16];
	uint8_t *buf;           /* bytes received and not yet parsed */
	size_t len, cap;
	uint64_t offset;        /* stream offset of buf[0] */
	struct item *items;
	size_t nitems, batch_bytes;
	unsigned threads;
	struct lfm_policy policy;
	struct lfm_import_stats st;
	unsigned logged;
	zt_err fatal;
	char err[256];
};

const char *lfm_import_error(const struct lfm_import *imp)
{
	return imp->err[0] ? imp->err : zt_strerror(imp->fatal);
}

zt_err lfm_import_new(struct lfm_import **out, struct lfm *m, const char *mark_key, uint64_t start_offset)
{
	struct lfm_import *imp = calloc(1, sizeof *imp);
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	*out = NULL;
	if (!imp || !(imp->items = calloc(IMPORT_BATCH, sizeof *imp->items))) {
		free(imp);
		return -ENOMEM;
	}
	imp->m = m;
	if (mark_key)
		snprintf(imp->mark_key, sizeof imp->mark_key, "%s", mark_key);
	imp->offset = start_offset;
	imp->threads = ncpu < 1 ? 1 : ncpu > IMPORT_MAX_THREADS ? IMPORT_MAX_THREADS : (unsigned)ncpu;
	*out = imp;
	return ZT_OK;
}

void lfm_import_free(struct lfm_import *imp)
{
	if (!imp)
		return;
	for (size_t i = 0; i < imp->nitems; i++)
		lfm_entry_free(&imp->items[i].e);
	free(imp->items);
	free(imp->buf);
	free(imp);
}

__attribute__((format(printf, 3, 4))) static zt_err import_fail(struct lfm_import *imp, zt_err e, const char *fmt,
								 ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(imp->err, sizeof imp->err, fmt, ap);
	va_end(ap);
	return imp->fatal = e;
}

static void note_reject(struct lfm_import *imp, const struct item *it)
{
	char h[ZT_LF_HASH_TEXT_MAX];
	imp->st.rejected++;
	if (imp->logged++ >= LOG_REJECTS_MAX)
		return;
	zt_lf_hash_text(h, it->e.hash);
	log_info("import: record %s at offset %llu rejected: %s", h, (unsigned long long)(it->end - it->e.size),
		 it->v.why);
}

/* ---------------------------------------------------------------- verification in parallel */

struct vjob {
	struct lfm_import *imp;
	size_t from, to;
	unsigned step, first;
};

static void *verify_thread(void *arg)
{
	struct vjob *j = arg;
	for (size_t i = j->from + j->first; i < j->to; i += j->step) {
		struct item *it = &j->imp->items[i];
		if (!it->dup)
			it->verr = lfm_verify(&j->imp->policy, &it->e, false, &it->v);
	}
	return NULL;
}

static void verify_range(struct lfm_import *imp, size_t from, size_t to)
{
	pthread_t tid[IMPORT_MAX_THREADS];
	struct vjob jobs[IMPORT_MAX_THREADS];
	unsigned n = imp->threads, started = 0;
	if (to - from < 2 * n)
		n = 1;
	for (unsigned i = 0; i < n; i++)
		jobs[i] = (struct vjob){ imp, from, to, n, i };
	for (unsigned i = 1; i < n; i++)
		if (pthread_create(&tid[i], NULL, verify_thread, &jobs[i]) == 0)
			started |= 1u << i;
		else
			verify_thread(&jobs[i]);
	verify_thread(&jobs[0]);
	for (unsigned i = 1; i < n; i++)
		if (started & (1u << i))
			pthread_join(tid[i], NULL);
}

/* ---------------------------------------------------------------- batches */

static void mark_save(struct lfm_import *imp, struct lfm_txn *t, const struct item *last)
{
	uint8_t b[MARK_SIZE];
	if (!imp->mark_key[0])
		return;
	zt_put_be64(b, last->end);
	zt_put_be32(b + 8, (uint32_t)last->e.size);
	memcpy(b + 12, last->e.hash, ZT_LF_HASH_SIZE);
	lfm_info_put(t, imp->mark_key, b, sizeof b);
}

/* Inserts items[from..to) (verified unless genesis) in one transaction. */
static zt_err commit_range(struct lfm_import *imp, size_t from, size_t to)
{
	struct lfm *m = imp->m;
	struct lfm_txn t;
	bool genesis_changed = false;
	struct lfm_import_stats st = imp->st;
	zt_err e = lfm_txn_begin(m->store, &t, true);
	if (e)
		return import_fail(imp, e, "store: %s", zt_strerror(e));
	for (size_t i = from; i < to && !t.err; i++) {
		struct item *it = &imp->items[i];
		if (it->dup) {
			st.duplicates++;
			continue;
		}
		if (it->verr) {
			if (it->v.kind == LFM_NOT_APPROVED && lfm_limbo_put(&t, it->e.hash, it->e.bytes, it->e.size) == ZT_OK)
				st.limbo++;
			else if (!t.err)
				note_reject(imp, it);
			continue;
		}
		e = lfm_insert(&t, &it->e, imp->policy.drift);
		if (e == ZT_EEXIST) {
			st.duplicates++;
			continue;
		}
		if (e)
			break;
		st.added++;
		if (it->genesis) {
			st.genesis++;
			lfm_genesis_note(&t, &it->e);
			genesis_changed = true;
		} else if (lfm_is_genesis_owner_record(m, &it->e.rec)) {
			lfm_genesis_note(&t, &it->e);
			genesis_changed = true;
		}
	}
	if (to > from)
		mark_save(imp, &t, &imp->items[to - 1]);
	if ((e = lfm_txn_commit(&t)))
		return import_fail(imp, e, "store: %s", zt_strerror(e));
	atomic_fetch_add(&m->imported, st.added - imp->st.added);
	imp->st.duplicates = st.duplicates;
	imp->st.limbo = st.limbo;
	imp->st.added = st.added;
	imp->st.genesis = st.genesis;
	if (genesis_changed && (e = lfm_genesis_reload(m)))
		return import_fail(imp, e, "the imported genesis records are unusable");
	lfm_policy_get(m, &imp->policy);
	return ZT_OK;
}

/*
 * Without genesis records in the store, the stream must start with them: records of type 1 by the
 * owner of the first one, inserted after checking only their signature and work (lf.md §5.3).
 * Returns how many of the batch's items form that prefix (they are committed).
 */
static zt_err genesis_prefix(struct lfm_import *imp, size_t *count)
{
	struct item *first = &imp->items[0];
	size_t n = 0;
	char why[160];
	json_t *params = NULL;
	*count = 0;
	if (first->e.rec.type != ZT_LF_TYPE_GENESIS)
		return import_fail(imp, ZT_EINVALID, "the store has no genesis records and this stream does not start "
						      "with them (the first record is of type %u, not 1)", first->e.rec.type);
	if (lfm_genesis_params_of(&first->e.rec, &params, why, sizeof why) != ZT_OK)
		return import_fail(imp, ZT_EINVALID, "%s", why);
	json_decref(params);
	while (n < imp->nitems) {
		struct item *it = &imp->items[n];
		if (it->e.rec.type != ZT_LF_TYPE_GENESIS || it->e.rec.owner_len != first->e.rec.owner_len ||
		    memcmp(it->e.rec.owner, first->e.rec.owner, first->e.rec.owner_len))
			break;
		if (!it->dup && lfm_verify(&imp->policy, &it->e, true, &it->v) != ZT_OK)
			return import_fail(imp, ZT_EINVALID, "genesis record %zu: %s", n, it->v.why);
		it->genesis = true;
		n++;
	}
	zt_err e = commit_range(imp, 0, n);
	if (!e && !imp->m->genesis.have)
		e = import_fail(imp, ZT_EINVALID, "the genesis records could not be loaded");
	*count = n;
	return e;
}

static zt_err process_batch(struct lfm_import *imp)
{
	struct lfm_txn t;
	size_t start = 0;
	zt_err e;
	if (!imp->nitems)
		return ZT_OK;
	if ((e = lfm_txn_begin(imp->m->store, &t, false)))
		return import_fail(imp, e, "store: %s", zt_strerror(e));
	for (size_t i = 0; i < imp->nitems; i++)
		imp->items[i].dup = lfm_has(&t, imp->items[i].e.hash);
	e = t.err;
	lfm_txn_abort(&t);
	if (e)
		return import_fail(imp, e, "store: %s", zt_strerror(e));
	lfm_policy_get(imp->m, &imp->policy);
	if (!imp->policy.have_genesis && (e = genesis_prefix(imp, &start)))
		goto out;
	verify_range(imp, start, imp->nitems);
	e = commit_range(imp, start, imp->nitems);
out:
	for (size_t i = 0; i < imp->nitems; i++)
		lfm_entry_free(&imp->items[i].e);
	imp->nitems = 0;
	imp->batch_bytes = 0;
	return e;
}

/* ---------------------------------------------------------------- the stream */

static zt_err parse_available(struct lfm_import *imp, bool final)
{
	size_t pos = 0;
	zt_err e = ZT_OK;
	while (pos < imp->len && !e) {
		struct item *it = &imp->items[imp->nitems];
		size_t used = 0;
		e = lfm_parse(&it->e, imp->buf + pos, imp->len - pos, &used, &it->v);
		if (e == ZT_ETRUNCATED && !final && imp->len - pos <= ZT_LF_RECORD_MAX_SIZE + ZT_LF_UVARINT_MAX) {
			e = ZT_OK;
			break; /* wait for the rest of the record */
		}
		if (e == ZT_ETOOBIG && used) {
			/* Parsed, but larger than a record may be: skipped like any rejected record. */
			imp->st.records++;
			imp->st.rejected++;
			pos += used;
			e = ZT_OK;
			continue;
		}
		if (e) {
			import_fail(imp, e == ZT_ETRUNCATED ? ZT_ETRUNCATED : ZT_EMALFORMED,
				    "record %llu at offset %llu does not parse: %s", (unsigned long long)imp->st.records,
				    (unsigned long long)(imp->offset + pos), it->v.why);
			break;
		}
		pos += used;
		it->end = imp->offset + pos;
		imp->st.records++;
		imp->st.bytes += used;
		imp->nitems++;
		imp->batch_bytes += used;
		if (imp->nitems == IMPORT_BATCH || imp->batch_bytes >= IMPORT_BATCH_BYTES) {
			/* Keep the unparsed tail: process_batch does not touch the buffer. */
			e = process_batch(imp);
		}
	}
	if (pos) {
		memmove(imp->buf, imp->buf + pos, imp->len - pos);
		imp->len -= pos;
		imp->offset += pos;
	}
	return e;
}

zt_err lfm_import_feed(struct lfm_import *imp, const uint8_t *p, size_t n)
{
	if (imp->fatal)
		return imp->fatal;
	if (imp->len + n > imp->cap) {
		size_t cap = imp->cap ? imp->cap : IMPORT_CHUNK;
		while (cap < imp->len + n)
			cap *= 2;
		uint8_t *b = realloc(imp->buf, cap);
		if (!b)
			return import_fail(imp, -ENOMEM, "out of memory");
		imp->buf = b;
		imp->cap = cap;
	}
	memcpy(imp->buf + imp->len, p, n);
	imp->len += n;
	return parse_available(imp, false);
}

zt_err lfm_import_finish(struct lfm_import *imp, struct lfm_import_stats *st)
{
	zt_err e = imp->fatal;
	if (!e && imp->len)
		e = parse_available(imp, true);
	/* After bytes that do not parse (a cut file, garbage), the records before them are still kept. */
	if (!e || e == ZT_ETRUNCATED || e == ZT_EMALFORMED) {
		zt_err be = process_batch(imp);
		if (!e)
			e = be;
	}
	if (st)
		*st = imp->st;
	return e;
}

/* ---------------------------------------------------------------- files */

zt_err lfm_import_file(struct lfm *m, const char *path, struct lfm_import_stats *st)
{
	struct lfm_import *imp;
	uint8_t *chunk = malloc(IMPORT_CHUNK);
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;
	zt_err e;
	memset(st, 0, sizeof *st);
	if (fd < 0 || !chunk) {
		e = fd < 0 ? -errno : -ENOMEM;
		log_error("import %s: %s", path, zt_strerror(e));
		free(chunk);
		if (fd > 0)
			close(fd);
		return e;
	}
	if ((e = lfm_import_new(&imp, m, NULL, 0)))
		goto out;
	for (;;) {
		ssize_t r = read(fd, chunk, IMPORT_CHUNK);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			e = -errno;
			log_error("import %s: read: %s", path, zt_strerror(e));
			break;
		}
		if (r == 0 || (e = lfm_import_feed(imp, chunk, (size_t)r)))
			break;
	}
	if (!e)
		e = lfm_import_finish(imp, st);
	else
		lfm_import_finish(imp, st);
	if (e && imp->fatal)
		log_error("import %s: %s", path, lfm_import_error(imp));
	lfm_import_free(imp);
out:
	if (fd > 0)
		close(fd);
	free(chunk);
	return e;
}

struct export_ctx {
	FILE *f;
	uint64_t records, bytes;
	bool err;
};

static bool export_one(void *arg, uint64_t seq, const uint8_t *bytes, size_t n)
{
	struct export_ctx *x = arg;
	(void)seq;
	if (fwrite(bytes, 1, n, x->f) != n) {
		x->err = true;
		return false;
	}
	x->records++;
	x->bytes += n;
	return true;
}

zt_err lfm_export_file(struct lfm *m, const char *path, uint64_t *records, uint64_t *bytes)
{
	char tmp[PATH_MAX];
	struct export_ctx x = { 0 };
	struct lfm_txn t;
	bool to_stdout = !strcmp(path, "-");
	zt_err e;
	if (!to_stdout && snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp)
		return ZT_ECONFIG;
	if (!(x.f = to_stdout ? stdout : fopen(tmp, "wbx"))) {
		e = -errno;
		log_error("export %s: %s", tmp, zt_strerror(e));
		return e;
	}
	if (!(e = lfm_txn_begin(m->store, &t, false))) {
		e = lfm_log_walk(&t, 1, 0, export_one, &x, NULL);
		lfm_txn_abort(&t);
	}
	if (!e && x.err)
		e = -EIO;
	if (fflush(x.f) != 0 || (!to_stdout && fsync(fileno(x.f)) != 0))
		e = e ? e : -errno;
	if (!to_stdout && fclose(x.f) != 0)
		e = e ? e : -errno;
	if (!to_stdout) {
		if (!e && rename(tmp, path) != 0)
			e = -errno;
		if (e)
			unlink(tmp);
	}
	if (e)
		log_error("export %s: %s", path, zt_strerror(e));
	if (records)
		*records = x.records;
	if (bytes)
		*bytes = x.bytes;
	return e;
}
