/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pulling new records from upstream LF nodes (lf.md §5.6), in a thread of its own so that a slow
 * or unreachable upstream never holds up the HTTP server.
 *
 * The only bulk export of an LF node is /dumprecords, append-only and without Range support. For
 * each upstream the mirror remembers how many bytes of that dump it has imported and the size and
 * hash of the record ending there (saved in the same transaction as the records). The next poll
 * streams the dump, skips those bytes after checking that the remembered record is where it was,
 * and imports the rest. If the check fails (the upstream was rebuilt), the next poll starts over
 * from byte 0; records already stored are recognised by hash and skipped.
 *
 * Before the dump, /status tells whether the upstream serves the same network (its first genesis
 * record), and supplies the genesis records to a mirror that has none yet.
 *
 * libcurl is used directly for the streaming download (the client library reads whole answers);
 * its errors are translated here, for the mirror.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "common/log.h"
#include "lf/client.h"
#include "lf/mirror/mirror.h"
#include "node/buf.h"

#define PULL_MARK_PREFIX "pull:"
#define PULL_CONNECT_TIMEOUT_S 10L
#define PULL_LOW_SPEED_BYTES 1L
#define PULL_LOW_SPEED_TIME_S 120L
#define PULL_RETRY_S 30 /* after a failure, the next attempt comes sooner than the interval */
#define PULL_LOG_INTERVAL_MS (600 * 1000) /* one line per upstream and kind of failure per 10 minutes */

struct lfm_pull {
	struct lfm *m;
	pthread_t thread;
	bool running;
	pthread_mutex_t lock;
	pthread_cond_t wake;
};

/* One poll of one upstream's /dumprecords. */
struct stream {
	struct lfm *m;
	const char *url;
	char mark_key[LFM_URL_MAX + 16];
	struct lfm_import_mark mark;
	uint64_t received;          /* bytes of the body so far */
	uint8_t check[ZT_LF_RECORD_MAX_SIZE];
	size_t checked;             /* bytes of the remembered record collected */
	bool verified;              /* the remembered record is where it was (or nothing is remembered) */
	bool restart;               /* it is not: start over from 0 next time */
	struct lfm_import *imp;
	zt_err err;
};

/* Failures of an upstream that stays down are logged once per PULL_LOG_INTERVAL_MS. */
static bool pull_log_ok(const char *url, unsigned kind)
{
	uint64_t h = 1469598103934665603ULL ^ kind;
	struct timespec ts;
	for (const char *p = url; *p; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211ULL;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return zt_log_ratelimit(h, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, PULL_LOG_INTERVAL_MS);
}

static void mark_key(char *out, size_t cap, const char *url)
{
	snprintf(out, cap, PULL_MARK_PREFIX "%s", url);
}

static zt_err mark_load(struct lfm *m, const char *key, struct lfm_import_mark *mk)
{
	struct lfm_txn t;
	const uint8_t *p;
	size_t n;
	memset(mk, 0, sizeof *mk);
	zt_err e = lfm_txn_begin(m->store, &t, false);
	if (e)
		return e;
	e = lfm_info_get(&t, key, &p, &n);
	if (!e && n == 8 + 4 + ZT_LF_HASH_SIZE) {
		mk->offset = zt_be64(p);
		mk->last_size = zt_be32(p + 8);
		memcpy(mk->last_hash, p + 12, ZT_LF_HASH_SIZE);
	}
	lfm_txn_abort(&t);
	return e == ZT_ENOTFOUND ? ZT_OK : e;
}

static zt_err mark_reset(struct lfm *m, const char *key)
{
	struct lfm_txn t;
	uint8_t zero[8 + 4 + ZT_LF_HASH_SIZE] = { 0 };
	zt_err e = lfm_txn_begin(m->store, &t, true);
	if (e)
		return e;
	lfm_info_put(&t, key, zero, sizeof zero);
	return lfm_txn_commit(&t);
}

/* The remembered record must end at mark.offset; returns false when it does not. */
static bool check_mark(struct stream *s)
{
	struct zt_lf_record r = { 0 };
	struct zt_lf_record_hashes h;
	size_t used;
	bool ok = zt_lf_record_parse(&r, s->check, s->checked, &used) == ZT_OK && used == s->checked &&
		  zt_lf_record_hashes(&r, &h) == ZT_OK && !memcmp(h.hash, s->mark.last_hash, ZT_LF_HASH_SIZE);
	zt_lf_record_clear(&r);
	return ok;
}

static size_t on_data(char *data, size_t size, size_t nmemb, void *arg)
{
	struct stream *s = arg;
	const uint8_t *p = (const uint8_t *)data;
	size_t n = size * nmemb, total = n;
	if (atomic_load(&s->m->stop))
		return 0;
	if (!s->verified) {
		uint64_t start = s->mark.offset - s->mark.last_size;
		if (s->received + n <= start) {
			s->received += n;
			return total;
		}
		if (s->received < start) {
			size_t skip = (size_t)(start - s->received);
			p += skip;
			n -= skip;
			s->received += skip;
		}
		size_t want = s->mark.last_size - s->checked, take = n < want ? n : want;
		memcpy(s->check + s->checked, p, take);
		s->checked += take;
		s->received += take;
		p += take;
		n -= take;
		if (s->checked < s->mark.last_size)
			return total;
		if (!check_mark(s)) {
			s->restart = true;
			return 0; /* abort the transfer */
		}
		s->verified = true;
	}
	s->received += n;
	if (n && (s->err = lfm_import_feed(s->imp, p, n)))
		return 0;
	return total;
}

static int on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct stream *s = arg;
	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	return atomic_load(&s->m->stop) ? 1 : 0;
}

/* Checks the upstream's network, and takes its genesis records if we have none. */
static zt_err pull_genesis(struct lfm *m, const char *url)
{
	struct zt_lf_client *c = NULL;
	struct zt_lf_client_options o;
	struct zt_lf_status st;
	struct zt_lf_error err;
	zt_err e;
	zt_lf_client_options_default(&o);
	o.retries = 0;
	if ((e = zt_lf_client_new(&c, url, &o)))
		return e;
	e = zt_lf_client_status(c, &st, &err);
	zt_lf_client_free(c);
	if (e) {
		if (pull_log_ok(url, 1))
			log_warnx("pull %s: %s (next tries are logged at most every 10 minutes)", url, err.message);
		return e;
	}
	struct zt_lf_record r0 = { 0 };
	struct zt_lf_record_hashes h;
	size_t used;
	if (!st.genesis_records_len || zt_lf_record_parse(&r0, st.genesis_records, st.genesis_records_len, &used) ||
	    zt_lf_record_hashes(&r0, &h)) {
		log_warnx("pull %s: /status carries no usable genesis records", url);
		e = ZT_EINVALID;
		goto out;
	}
	pthread_rwlock_rdlock(&m->glock);
	bool have = m->genesis.have, same = have && !memcmp(m->genesis.first_hash, h.hash, ZT_LF_HASH_SIZE);
	pthread_rwlock_unlock(&m->glock);
	if (have && !same) {
		log_error("pull %s: the upstream serves another LF network (its genesis records differ): not pulling",
			  url);
		e = ZT_EINVALID;
	} else if (!have) {
		struct lfm_import *imp;
		struct lfm_import_stats ist;
		if (!(e = lfm_import_new(&imp, m, NULL, 0))) {
			e = lfm_import_feed(imp, st.genesis_records, st.genesis_records_len);
			if (!e)
				e = lfm_import_finish(imp, &ist);
			if (e)
				log_error("pull %s: genesis records: %s", url, lfm_import_error(imp));
			else
				log_info("pull %s: network genesis loaded (%llu records)", url,
					 (unsigned long long)ist.genesis);
			lfm_import_free(imp);
		}
	}
out:
	zt_lf_record_clear(&r0);
	zt_lf_status_free(&st);
	return e;
}

/* One poll of one upstream. Returns ZT_OK or an error (already logged). */
static zt_err pull_once(struct lfm *m, const char *url)
{
	struct stream *s = calloc(1, sizeof *s);
	struct lfm_import_stats st = { 0 };
	char full[LFM_URL_MAX + 32], errbuf[CURL_ERROR_SIZE] = "";
	CURL *curl = NULL;
	zt_err e;
	if (!s)
		return -ENOMEM;
	if ((e = pull_genesis(m, url)))
		goto out;
	s->m = m;
	s->url = url;
	mark_key(s->mark_key, sizeof s->mark_key, url);
	if ((e = mark_load(m, s->mark_key, &s->mark)))
		goto out;
	if (s->mark.offset < s->mark.last_size || s->mark.last_size > ZT_LF_RECORD_MAX_SIZE || !s->mark.last_size)
		memset(&s->mark, 0, sizeof s->mark);
	s->verified = s->mark.offset == 0;
	if ((e = lfm_import_new(&s->imp, m, s->mark_key, s->mark.offset)))
		goto out;
	size_t ul = strlen(url);
	snprintf(full, sizeof full, "%s%sdumprecords", url, ul && url[ul - 1] == '/' ? "" : "/");
	if (!(curl = curl_easy_init())) {
		e = -ENOMEM;
		goto out;
	}
	curl_easy_setopt(curl, CURLOPT_URL, full);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(curl, CURLOPT_XFERINFODATA, s);
	curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, PULL_CONNECT_TIMEOUT_S);
	curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, PULL_LOW_SPEED_BYTES);
	curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, PULL_LOW_SPEED_TIME_S);
	curl_easy_setopt(curl, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, LFM_NAME);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	CURLcode rc = curl_easy_perform(curl);
	if (s->restart) {
		log_warnx("pull %s: the dump changed below the position reached last time (rebuilt upstream?): "
			  "starting over", url);
		if (!(e = mark_reset(m, s->mark_key)))
			e = ZT_ESTALE; /* counts as a failure: the next poll comes soon */
		goto out;
	}
	if (atomic_load(&m->stop)) {
		e = -ECANCELED;
		goto out;
	}
	if (rc == CURLE_WRITE_ERROR && s->err) {
		log_error("pull %s: %s", url, lfm_import_error(s->imp));
		e = s->err;
		goto out;
	}
	if (rc != CURLE_OK) {
		if (pull_log_ok(url, 2))
			log_warnx("pull %s: %s", url, errbuf[0] ? errbuf : curl_easy_strerror(rc));
		e = rc == CURLE_OPERATION_TIMEDOUT ? -ETIMEDOUT : rc == CURLE_COULDNT_CONNECT ? -ECONNREFUSED : ZT_EHTTP;
		/* Whatever arrived completely is kept (each batch saved its position). */
		lfm_import_finish(s->imp, &st);
		goto out;
	}
	if (!s->verified) {
		log_warnx("pull %s: the dump is shorter than what was imported before: starting over", url);
		if (!(e = mark_reset(m, s->mark_key)))
			e = ZT_ESTALE;
		goto out;
	}
	e = lfm_import_finish(s->imp, &st);
	if (e == ZT_ETRUNCATED)
		e = ZT_OK; /* a record still being written upstream: next time */
	if (e)
		log_error("pull %s: %s", url, lfm_import_error(s->imp));
	else if (st.records)
		log_info("pull %s: %llu new bytes, %llu records: %llu added, %llu already here, %llu rejected, "
			 "%llu kept unapproved", url, (unsigned long long)st.bytes, (unsigned long long)st.records,
			 (unsigned long long)st.added, (unsigned long long)st.duplicates,
			 (unsigned long long)st.rejected, (unsigned long long)st.limbo);
out:
	if (curl)
		curl_easy_cleanup(curl);
	if (s)
		lfm_import_free(s->imp);
	free(s);
	return e;
}

static void *pull_thread(void *arg)
{
	struct lfm_pull *p = arg;
	struct lfm *m = p->m;
	while (!atomic_load(&m->stop)) {
		bool failed = false;
		for (unsigned i = 0; i < m->cfg.nupstreams && !atomic_load(&m->stop); i++)
			if (pull_once(m, m->cfg.upstreams[i]) != ZT_OK)
				failed = true;
		unsigned wait = failed && m->cfg.pull_interval_s > PULL_RETRY_S ? PULL_RETRY_S : m->cfg.pull_interval_s;
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += wait;
		pthread_mutex_lock(&p->lock);
		if (!atomic_load(&m->stop))
			pthread_cond_timedwait(&p->wake, &p->lock, &ts);
		pthread_mutex_unlock(&p->lock);
	}
	return NULL;
}

zt_err lfm_pull_start(struct lfm *m, struct lfm_pull **out)
{
	struct lfm_pull *p;
	*out = NULL;
	if (!m->cfg.nupstreams)
		return ZT_OK;
	if (!(p = calloc(1, sizeof *p)))
		return -ENOMEM;
	p->m = m;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	int rc = pthread_create(&p->thread, NULL, pull_thread, p);
	if (rc) {
		pthread_mutex_destroy(&p->lock);
		pthread_cond_destroy(&p->wake);
		free(p);
		return -rc;
	}
	p->running = true;
	*out = p;
	return ZT_OK;
}

void lfm_pull_stop(struct lfm_pull *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	atomic_store(&p->m->stop, true);
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->lock);
	if (p->running)
		pthread_join(p->thread, NULL);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->wake);
	free(p);
}
