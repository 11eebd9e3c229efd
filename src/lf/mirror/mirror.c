/* SPDX-License-Identifier: Apache-2.0 */
/* Opening the mirror (store, genesis state, work table) and posting one record. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/home.h"
#include "common/log.h"
#include "lf/mirror/mirror.h"

#define INFO_GENESIS "genesis"

uint64_t lfm_now(void)
{
	return (uint64_t)time(NULL);
}

zt_err lfm_genesis_reload(struct lfm *m)
{
	struct lfm_txn t;
	struct lfm_genesis g = { 0 };
	const uint8_t *p = NULL;
	size_t n = 0;
	char why[256] = "";
	zt_err e = lfm_txn_begin(m->store, &t, false);
	if (e)
		return e;
	e = lfm_info_get(&t, INFO_GENESIS, &p, &n);
	if (e == ZT_ENOTFOUND) {
		lfm_txn_abort(&t);
		return ZT_OK;
	}
	if (!e)
		e = lfm_genesis_from_records(&g, p, n, why, sizeof why);
	lfm_txn_abort(&t);
	if (e) {
		log_error("genesis records in the store: %s", why[0] ? why : zt_strerror(e));
		return e;
	}
	pthread_rwlock_wrlock(&m->glock);
	lfm_genesis_free(&m->genesis);
	m->genesis = g;
	pthread_rwlock_unlock(&m->glock);
	return ZT_OK;
}

zt_err lfm_genesis_note(struct lfm_txn *t, const struct lfm_entry *e)
{
	return lfm_info_append(t, INFO_GENESIS, e->bytes, e->size);
}

bool lfm_is_genesis_owner_record(struct lfm *m, const struct zt_lf_record *r)
{
	bool yes;
	if (r->type != ZT_LF_TYPE_GENESIS)
		return false;
	pthread_rwlock_rdlock(&m->glock);
	yes = m->genesis.have && r->owner_len == m->genesis.owner_len && !memcmp(r->owner, m->genesis.owner, r->owner_len);
	pthread_rwlock_unlock(&m->glock);
	return yes;
}

void lfm_policy_get(struct lfm *m, struct lfm_policy *p)
{
	memset(p, 0, sizeof *p);
	pthread_rwlock_rdlock(&m->glock);
	p->have_genesis = m->genesis.have;
	memcpy(p->genesis_owner, m->genesis.owner, m->genesis.owner_len);
	p->genesis_owner_len = m->genesis.owner_len;
	p->min_links = m->genesis.params.record_min_links;
	p->max_value_size = m->genesis.params.record_max_value_size;
	p->drift = m->genesis.params.record_max_time_drift;
	p->auth_required = m->genesis.params.auth_required;
	pthread_rwlock_unlock(&m->glock);
	p->cfg = &m->cfg;
	p->wtable = m->wtable_loaded ? &m->wtable : NULL;
	p->now = lfm_now();
}

zt_err lfm_open(struct lfm *m, const char *home, const struct lfm_config *cfg, bool no_table)
{
	char dir[PATH_MAX], table[PATH_MAX];
	zt_err e;
	memset(m, 0, sizeof *m);
	m->cfg = *cfg;
	snprintf(m->home, sizeof m->home, "%s", home);
	m->started = lfm_now();
	pthread_rwlock_init(&m->glock, NULL);
	pthread_mutex_init(&m->make_lock, NULL);
	if (zt_path_join(dir, sizeof dir, home, LFM_STORE_DIR)) {
		log_error("home directory path too long: %s", home);
		return ZT_ECONFIG;
	}
	if ((e = lfm_store_open(&m->store, dir, cfg->map_size))) {
		log_error("cannot open the record store in %s: %s", dir, zt_strerror(e));
		goto fail;
	}
	if ((e = lfm_genesis_reload(m)))
		goto fail;
	if (!no_table) {
		if (zt_path_join(table, sizeof table, home, cfg->wtable[0] ? cfg->wtable : LFM_WTABLE_FILE)) {
			e = ZT_ECONFIG;
			log_error("wharrgarbl table path too long");
			goto fail;
		}
		if (zt_lf_wtable_map(&m->wtable, table) != ZT_OK) {
			log_info("building the proof-of-work table (128 MiB, once): %s", table);
			if ((e = zt_lf_wtable_load(&m->wtable, table))) {
				log_error("cannot build the proof-of-work table: %s", zt_strerror(e));
				goto fail;
			}
		}
		m->wtable_loaded = true;
	}
	return ZT_OK;
fail:
	lfm_close(m);
	return e;
}

void lfm_close(struct lfm *m)
{
	if (m->wtable_loaded)
		zt_lf_wtable_free(&m->wtable);
	m->wtable_loaded = false;
	lfm_store_close(m->store);
	m->store = NULL;
	lfm_genesis_free(&m->genesis);
	pthread_rwlock_destroy(&m->glock);
	pthread_mutex_destroy(&m->make_lock);
}

zt_err lfm_post(struct lfm *m, const uint8_t *in, size_t n, struct lfm_entry *e, struct lfm_verdict *v,
		int *status)
{
	struct lfm_policy p;
	struct lfm_txn t;
	size_t used;
	bool dup, genesis_changed = false;
	zt_err err;

	*status = 400;
	err = lfm_parse(e, in, n, &used, v);
	if (err)
		return err == -ENOMEM ? err : ZT_OK;
	if ((err = lfm_txn_begin(m->store, &t, false)))
		return err;
	dup = lfm_has(&t, e->hash);
	err = t.err;
	lfm_txn_abort(&t);
	if (err)
		return err;
	if (dup) {
		*status = 200;
		return ZT_OK;
	}
	lfm_policy_get(m, &p);
	if (lfm_verify(&p, e, false, v) != ZT_OK) {
		atomic_fetch_add(&m->rejected, 1);
		return ZT_OK;
	}
	if ((err = lfm_txn_begin(m->store, &t, true)))
		return err;
	err = lfm_insert(&t, e, p.drift);
	if (err == ZT_EEXIST) {
		lfm_txn_abort(&t);
		*status = 200;
		return ZT_OK;
	}
	if (!err && lfm_is_genesis_owner_record(m, &e->rec)) {
		err = lfm_genesis_note(&t, e);
		genesis_changed = true;
	}
	if (!err)
		err = lfm_txn_commit(&t);
	else
		lfm_txn_abort(&t);
	if (err)
		return err;
	if (genesis_changed)
		lfm_genesis_reload(m);
	atomic_fetch_add(&m->posted, 1);
	*status = 200;
	return ZT_OK;
}
