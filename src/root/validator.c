/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "common/log.h"
#include "node/crypto.h"
#include "node/hex.h"
#include "validator.h"

static size_t suspect_slot(uint64_t prefix)
{
	return (size_t)((prefix * 0x9e3779b97f4a7c15ULL) >> 50) % ROOT_SUSPECT_SLOTS;
}

bool root_validator_is_suspect(struct root_validator *v, uint64_t prefix, int64_t now)
{
	return atomic_load(&v->suspect_until[suspect_slot(prefix)]) > now;
}

static bool vq_push(struct root_vqueue *q, const struct root_vjob *job)
{
	if (q->len == q->cap)
		return false;
	q->jobs[(q->head + q->len) % q->cap] = *job;
	q->len++;
	return true;
}

static bool vq_pop(struct root_vqueue *q, struct root_vjob *out)
{
	if (!q->len)
		return false;
	*out = q->jobs[q->head];
	zt_wipe(&q->jobs[q->head], sizeof q->jobs[q->head]); /* it holds an agreed key */
	q->head = (q->head + 1) % q->cap;
	q->len--;
	return true;
}

bool root_validator_submit(struct root_validator *v, const struct root_vjob *job, int64_t now)
{
	size_t slot = suspect_slot(job->prefix);
	bool ok;
	pthread_mutex_lock(&v->lock);
	/*
	 * Fairness: the first-class queue holds at most one HELLO per source prefix, from prefixes with
	 * no recent failure; everything else waits in the second-class queue. A new node from a clean
	 * prefix thus waits behind at most one validation per other prefix, however hard they flood.
	 */
	if (!root_validator_is_suspect(v, job->prefix, now) && !v->clean_pending[slot]) {
		ok = vq_push(&v->clean, job);
		if (ok)
			v->clean_pending[slot] = 1;
	} else {
		ok = vq_push(&v->suspect, job);
	}
	pthread_mutex_unlock(&v->lock);
	if (ok)
		pthread_cond_signal(&v->cond);
	return ok;
}

size_t root_validator_backlog(struct root_validator *v)
{
	pthread_mutex_lock(&v->lock);
	size_t n = v->clean.len + v->suspect.len;
	pthread_mutex_unlock(&v->lock);
	return n;
}

/* Hands a validated HELLO back to the worker that received it. */
static void hand_back(struct root *r, const struct root_vjob *job)
{
	struct root_worker *w = &r->workers[job->worker % r->nworkers];
	pthread_mutex_lock(&w->done_lock);
	if (w->done_len == w->done_cap) {
		size_t ncap = w->done_cap ? w->done_cap * 2 : 16;
		struct root_vjob *nd = ncap <= ROOT_VALIDATOR_QUEUE ? malloc(ncap * sizeof *nd) : NULL;
		if (!nd) {
			/* The node retries its HELLO; its identity is cached now, so that one is cheap. */
			pthread_mutex_unlock(&w->done_lock);
			return;
		}
		/* Copy and wipe rather than realloc: the jobs carry agreed keys. */
		if (w->done_len)
			memcpy(nd, w->done, w->done_len * sizeof *nd);
		if (w->done) {
			zt_wipe(w->done, w->done_cap * sizeof *w->done);
			free(w->done);
		}
		w->done = nd;
		w->done_cap = ncap;
	}
	w->done[w->done_len++] = *job;
	pthread_mutex_unlock(&w->done_lock);
	root_io_wake(&w->io);
}

static void validate_one(struct root_validator *v, struct root_vjob *job)
{
	struct root *r = v->root;
	int64_t now = root_now();
	char addr[11];
	zt_address_format(addr, job->id.address);
	if (zt_identity_validate(&job->id) != ZT_OK) {
		char ip[ZT_INETADDR_STRING_MAX];
		ROOT_STAT_INC(&r->misc_counters, validations_failed);
		ROOT_STAT_INC(&r->misc_counters, dropped[ROOT_DROP_INVALID_IDENTITY]);
		atomic_store(&v->suspect_until[suspect_slot(job->prefix)], now + ROOT_SUSPECT_MS);
		root_limiter_penalize(&r->proto->validation_limit, job->prefix, now, 4.0 * r->cfg.hello_validations_per_prefix);
		if (zt_log_ratelimit(job->prefix, now, 10000))
			log_info("identity validation failed: address=%s from=%s", addr,
				 zt_inetaddr_format(&job->from, ip, sizeof ip));
		return;
	}
	ROOT_STAT_INC(&r->misc_counters, validations_ok);
	struct root_peer p;
	memset(&p, 0, sizeof p);
	p.address = job->id.address;
	memcpy(p.pub, job->id.pub, 64);
	memcpy(p.key, job->key, 48);
	p.flags = ROOT_PEER_VALIDATED | ROOT_PEER_KEY_VALID;
	p.last_rx = now;
	/* Another HELLO of the same node may have been validated meanwhile: keep what is there. */
	struct root_peer existing;
	p.flags |= ROOT_PEER_DIRTY;
	zt_err e = root_cache_put_if_absent(&r->cache, &p, &existing);
	zt_wipe(&p, sizeof p);
	if (e == ZT_EEXIST) {
		bool same = !memcmp(existing.pub, job->id.pub, 64);
		zt_wipe(&existing, sizeof existing);
		if (!same)
			return; /* someone else holds the address now: the worker reports the collision */
	} else if (e) {
		ROOT_STAT_INC(&r->misc_counters, dropped[ROOT_DROP_QUEUE_FULL]);
		if (zt_log_ratelimit(0xcafe, now, 10000))
			log_warnx("cannot add peer %s: %s (raise cacheMaxPeers?)", addr, zt_strerror(e));
		return;
	} else {
		log_debug("new peer: address=%s", addr);
	}
	hand_back(r, job);
}

static void *validator_thread(void *arg)
{
	struct root_validator *v = arg;
	struct root_vjob *job = malloc(sizeof *job);
	if (!job)
		return NULL;
	pthread_mutex_lock(&v->lock);
	while (!v->stop) {
		if (vq_pop(&v->clean, job)) {
			v->clean_pending[suspect_slot(job->prefix)] = 0;
		} else if (!vq_pop(&v->suspect, job)) {
			pthread_cond_wait(&v->cond, &v->lock);
			continue;
		}
		pthread_mutex_unlock(&v->lock);
		validate_one(v, job);
		zt_wipe(job->key, sizeof job->key);
		pthread_mutex_lock(&v->lock);
	}
	pthread_mutex_unlock(&v->lock);
	free(job);
	return NULL;
}

zt_err root_validator_start(struct root *r, int nthreads)
{
	struct root_validator *v = calloc(1, sizeof *v);
	if (!v)
		return -ENOMEM;
	v->root = r;
	pthread_mutex_init(&v->lock, NULL);
	pthread_cond_init(&v->cond, NULL);
	v->clean.cap = v->suspect.cap = ROOT_VALIDATOR_QUEUE;
	v->clean.jobs = calloc(ROOT_VALIDATOR_QUEUE, sizeof(struct root_vjob));
	v->suspect.jobs = calloc(ROOT_VALIDATOR_QUEUE, sizeof(struct root_vjob));
	v->suspect_until = calloc(ROOT_SUSPECT_SLOTS, sizeof *v->suspect_until);
	v->clean_pending = calloc(ROOT_SUSPECT_SLOTS, sizeof *v->clean_pending);
	v->threads = calloc((size_t)nthreads, sizeof *v->threads);
	r->validator = v;
	if (!v->clean.jobs || !v->suspect.jobs || !v->suspect_until || !v->clean_pending || !v->threads) {
		root_validator_stop(r);
		return -ENOMEM;
	}
	for (int i = 0; i < nthreads; i++) {
		int rc = pthread_create(&v->threads[i], NULL, validator_thread, v);
		if (rc) {
			root_validator_stop(r);
			return -rc;
		}
		v->nthreads++;
	}
	return ZT_OK;
}

void root_validator_stop(struct root *r)
{
	struct root_validator *v = r->validator;
	if (!v)
		return;
	pthread_mutex_lock(&v->lock);
	v->stop = true;
	pthread_mutex_unlock(&v->lock);
	pthread_cond_broadcast(&v->cond);
	for (int i = 0; i < v->nthreads; i++)
		pthread_join(v->threads[i], NULL);
	if (v->clean.jobs)
		zt_wipe(v->clean.jobs, v->clean.cap * sizeof *v->clean.jobs);
	if (v->suspect.jobs)
		zt_wipe(v->suspect.jobs, v->suspect.cap * sizeof *v->suspect.jobs);
	free(v->clean.jobs);
	free(v->suspect.jobs);
	free((void *)v->suspect_until);
	free(v->clean_pending);
	free(v->threads);
	pthread_mutex_destroy(&v->lock);
	pthread_cond_destroy(&v->cond);
	free(v);
	r->validator = NULL;
}
