/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_LF_MIRROR_H
#define ZT_LF_MIRROR_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "lf/lfapi_json.h"
#include "lf/mirror/store.h"
#include "lf/record.h"
#include "lf/wharrgarbl.h"
#include "node/err.h"
#include "node/inetaddr.h"

/*
 * zerotier-lf: an LF-API-compatible mirror backed by LMDB (lf.md §5). The modules:
 *   conf.c      settings (embedded defaults, JSON config naming the bad key)
 *   genesis.c   the network's genesis records and current parameters
 *   accept.c    the acceptance rules of /post and imports (lf.md §5.5)
 *   mirror.c    opening the mirror, posting one record
 *   import.c    streaming import of concatenated records (files, /dumprecords bodies), export
 *   query.c     /query (lf.md §3.5)
 *   make.c      /makerecord, /makepulse, /pulse
 *   http.c      the HTTP server (libmicrohttpd) and the simple endpoints
 *   pull.c      pulling new records from upstream LF nodes
 * store.h describes the LMDB layout.
 */

#define LFM_NAME "zerotier-lf"
#define LFM_DEFAULT_LISTEN "127.0.0.1:9980"
#define LFM_CONFIG_FILE "zerotier-lf.json"
#define LFM_STORE_DIR "db"
#define LFM_WTABLE_FILE "wharrgarbl-table.bin"
#define LFM_MAX_LISTEN 8
#define LFM_MAX_UPSTREAMS 16
#define LFM_MAX_NO_WORK_OWNERS 256
#define LFM_URL_MAX 512
#define LFM_DEFAULT_PULL_INTERVAL_S 600
#define LFM_DEFAULT_MAX_CONNECTIONS 64
#define LFM_DEFAULT_MAX_REQUEST (1u << 20)
#define LFM_DEFAULT_MAX_QUERY_RESULTS 10000
#define LFM_DEFAULT_WORK_MEMORY ((size_t)256 << 20)
#define LFM_SYNC_INTERVAL_S 5
/* What /status reports: LF's API version, so that LF's tools accept the mirror. */
#define LFM_LF_VERSION "1.1.0.0"
#define LFM_API_VERSION 1

/* ---------------------------------------------------------------- settings (conf.c) */

struct lfm_config {
	struct zt_inetaddr listen[LFM_MAX_LISTEN];
	unsigned nlisten;
	char upstreams[LFM_MAX_UPSTREAMS][LFM_URL_MAX];
	unsigned nupstreams;
	unsigned pull_interval_s;
	struct zt_lf_owner_id no_work[LFM_MAX_NO_WORK_OWNERS]; /* owners that may post without work */
	unsigned nno_work;
	bool work_lf;                /* true: LF's rule, work must pay cost(billable bytes) */
	uint32_t work_difficulty;    /* else: this verified difficulty at least (0: any record) */
	char wtable[PATH_MAX];       /* "" = <home>/wharrgarbl-table.bin */
	uint64_t map_size;           /* LMDB map, bytes */
	unsigned max_connections;
	size_t max_request;          /* bytes of a /query, /makerecord ... body */
	size_t max_query_results;    /* entries of one /query answer */
	size_t work_memory;          /* collision table of /makerecord's proof of work */
	unsigned work_threads;       /* 0: every CPU */
	int log_level;
};

void lfm_config_defaults(struct lfm_config *c);
/*
 * Reads a JSON config over the current values. A missing file is ZT_ENOTFOUND when `optional`.
 * Errors: ZT_ECONFIG with "<file>: \"<key>\": <problem>" in err.
 */
zt_err lfm_config_load(struct lfm_config *c, const char *path, bool optional, char *err, size_t errlen);
zt_err lfm_config_parse(struct lfm_config *c, const char *json, const char *name, char *err, size_t errlen);
bool lfm_config_owner_without_work(const struct lfm_config *c, const uint8_t *owner, size_t len);

/* ---------------------------------------------------------------- genesis (genesis.c) */

struct lfm_genesis {
	bool have;
	uint8_t owner[ZT_LF_OWNER_MAX_LEN];
	size_t owner_len;
	uint8_t first_hash[ZT_LF_HASH_SIZE];  /* genesis record 0: identifies the network */
	struct zt_lf_genesis_params params;   /* current (amendments applied) */
	json_t *params_json;                  /* the same as an object, for amendments */
	uint8_t *records;                     /* concatenation served as GenesisRecords */
	size_t records_len;
};
void lfm_genesis_free(struct lfm_genesis *g);
/*
 * Rebuilds the genesis state from the concatenated genesis records (info "genesis"): record 0's
 * value (no masking key) is the GenesisParameters JSON; later ones with a value amend it.
 */
zt_err lfm_genesis_from_records(struct lfm_genesis *g, const uint8_t *p, size_t n, char *why, size_t whycap);
/* The parameters from record 0 (parsed and unmasked), for a first import. */
zt_err lfm_genesis_params_of(const struct zt_lf_record *r, json_t **params, char *why, size_t whycap);

/* ---------------------------------------------------------------- the mirror (mirror.c) */

struct lfm {
	struct lfm_config cfg;
	char home[PATH_MAX];
	struct lfm_store *store;
	struct zt_lf_wtable wtable;
	bool wtable_loaded;
	pthread_rwlock_t glock;         /* genesis */
	struct lfm_genesis genesis;
	pthread_mutex_t make_lock;      /* one proof of work at a time */
	uint64_t started;               /* Unix seconds */
	atomic_bool stop;
	_Atomic uint64_t posted, rejected, imported;
};

/*
 * Opens the store under home/db, the genesis state, and (unless `no_table`) the Wharrgarbl table
 * (mapped from cfg.wtable or built and cached there). Logs why on failure.
 */
zt_err lfm_open(struct lfm *m, const char *home, const struct lfm_config *cfg, bool no_table);
void lfm_close(struct lfm *m);
uint64_t lfm_now(void);

/* The acceptance policy at one moment: genesis parameters and the configuration. */
struct lfm_policy {
	bool have_genesis;
	uint8_t genesis_owner[ZT_LF_OWNER_MAX_LEN];
	size_t genesis_owner_len;
	uint64_t min_links, max_value_size, drift;
	bool auth_required;
	const struct lfm_config *cfg;
	const struct zt_lf_wtable *wtable;
	uint64_t now;
};
void lfm_policy_get(struct lfm *m, struct lfm_policy *p);

/*
 * Inside the write transaction that inserted a genesis record (or a type-1 amendment by the genesis
 * owner): appends it to the stored genesis records. After the commit, lfm_genesis_reload rebuilds
 * the parameters from them.
 */
zt_err lfm_genesis_note(struct lfm_txn *t, const struct lfm_entry *e);
zt_err lfm_genesis_reload(struct lfm *m);
/* True if the entry is a type-1 record by the current genesis owner. */
bool lfm_is_genesis_owner_record(struct lfm *m, const struct zt_lf_record *r);

/* ---------------------------------------------------------------- acceptance (accept.c) */

enum lfm_verdict_kind {
	LFM_ACCEPT = 0,
	LFM_PARSE_ERROR,   /* 400 {"Code":400,"Message":"record deserialization failed: ..."} */
	LFM_REJECT,        /* 400 {"Code":0,"Message":"record rejected or record import failed: ...","ErrTypeName":"ErrRecord"} */
	LFM_NOT_APPROVED,  /* a REJECT that an import keeps in limbo */
};

struct lfm_verdict {
	enum lfm_verdict_kind kind;
	char why[160];     /* the reason, without the prefix */
};

/*
 * Parses one record from `in` (trailing bytes ignored; *consumed gets its length) into e->rec and
 * computes its canonical bytes and hash. Returns ZT_OK, or the parse error with v filled.
 */
zt_err lfm_parse(struct lfm_entry *e, const uint8_t *in, size_t n, size_t *consumed, struct lfm_verdict *v);
/*
 * The checks of lf.md §5.5 steps 3-10 on a parsed entry (duplicates are the caller's): fills keys,
 * score and approval. `genesis` inserts a genesis record: only signature, claims and work are
 * checked. ZT_OK or ZT_EINVALID with v filled.
 */
zt_err lfm_verify(const struct lfm_policy *p, struct lfm_entry *e, bool genesis, struct lfm_verdict *v);
/* The error body of a verdict. */
zt_err lfm_verdict_json(const struct lfm_verdict *v, struct zt_lf_str *out);

/*
 * /post: parse, duplicate check, verify, insert. Returns ZT_OK with *status 200 (new or duplicate;
 * e holds the record for the answer) or 400 (v says why), or a store error (500).
 */
zt_err lfm_post(struct lfm *m, const uint8_t *in, size_t n, struct lfm_entry *e, struct lfm_verdict *v,
		int *status);

/* ---------------------------------------------------------------- import and export (import.c) */

struct lfm_import_stats {
	uint64_t records, added, duplicates, rejected, limbo, genesis, bytes;
};

/* Where an import resumes after a committed batch: for upstream pulls (pull.c). */
struct lfm_import_mark {
	uint64_t offset;        /* bytes of the stream consumed (whole records) */
	uint32_t last_size;     /* the last record's size and hash */
	uint8_t last_hash[ZT_LF_HASH_SIZE];
};

struct lfm_import;
/*
 * A streaming import of concatenated records: feed any chunks, then finish. Records are verified
 * in parallel (all CPUs) and inserted in file order, in batches of one transaction each. If the
 * store has no genesis records yet, the stream must start with them (type 1, one owner).
 * `mark_key` (may be NULL): an info key under which the stream position is saved with every batch.
 */
zt_err lfm_import_new(struct lfm_import **imp, struct lfm *m, const char *mark_key, uint64_t start_offset);
/* ZT_OK, or a fatal error (store failure, garbage that is not records, wrong network). */
zt_err lfm_import_feed(struct lfm_import *imp, const uint8_t *p, size_t n);
/* Processes what is left; ZT_ETRUNCATED if the stream ended inside a record (the rest is ignored). */
zt_err lfm_import_finish(struct lfm_import *imp, struct lfm_import_stats *st);
void lfm_import_free(struct lfm_import *imp);
/* A message for the last fatal error. */
const char *lfm_import_error(const struct lfm_import *imp);

zt_err lfm_import_file(struct lfm *m, const char *path, struct lfm_import_stats *st);
/* Writes every stored record in arrival order (the /dumprecords body); records and bytes may be NULL. */
zt_err lfm_export_file(struct lfm *m, const char *path, uint64_t *records, uint64_t *bytes);

/* ---------------------------------------------------------------- query (query.c) */

/*
 * Runs a parsed /query. On ZT_OK *body is the JSON answer (malloc'd); on ZT_EINVALID `why` holds
 * the 400 message ("query failed: ..."); other errors are the store's.
 */
zt_err lfm_query(struct lfm *m, const struct zt_lf_query_request *qr, char **body, size_t *len, char *why,
		 size_t whycap);

/* ---------------------------------------------------------------- record making (make.c) */

/*
 * /makerecord for a parsed request. *status is 200 with *body the make result JSON, or 400/500
 * with *body an ErrAPI body.
 */
zt_err lfm_makerecord(struct lfm *m, const struct zt_lf_make_request_parsed *req, int *status, char **body,
		      size_t *len);
zt_err lfm_makepulse(struct lfm *m, const json_t *doc, int *status, char **body, size_t *len);
zt_err lfm_pulse(struct lfm *m, const uint8_t *in, size_t n, int *status, char **body, size_t *len);

/* ---------------------------------------------------------------- HTTP (http.c) and pulls (pull.c) */

struct lfm_http;
/* Starts serving on every configured address (bound before return). Logs why on failure. */
zt_err lfm_http_start(struct lfm *m, struct lfm_http **h);
void lfm_http_stop(struct lfm_http *h);
/* The port of listener i (after binding port 0). */
uint16_t lfm_http_port(const struct lfm_http *h, unsigned i);

struct lfm_pull;
zt_err lfm_pull_start(struct lfm *m, struct lfm_pull **p);
void lfm_pull_stop(struct lfm_pull *p);

#endif
