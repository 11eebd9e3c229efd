/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "lf/lfcrypto.h"
#include "lf/wharrgarbl.h"

#define TABLE_INDEX_MASK 0x7ffffffu
#define TABLE_ROUNDS 4
#define EVP_CHUNK (1u << 30)

/* ---------------------------------------------------------------- the static table */

static zt_err cfb_pass(EVP_CIPHER_CTX *ctx, uint8_t *buf, size_t n)
{
	while (n) {
		int chunk = n > EVP_CHUNK ? (int)EVP_CHUNK : (int)n, len = 0;
		if (EVP_EncryptUpdate(ctx, buf, &len, buf, chunk) != 1 || len != chunk)
			return ZT_ECRYPTO;
		buf += chunk;
		n -= (size_t)chunk;
	}
	return ZT_OK;
}

zt_err zt_lf_wtable_build(struct zt_lf_wtable *t)
{
	zt_err err = ZT_OK;
	memset(t, 0, sizeof *t);
	/* Anonymous memory, with huge pages where the kernel allows: the frankenhash's random lookups
	 * are TLB-bound otherwise. */
	uint8_t *tab = mmap(NULL, ZT_LF_WTABLE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (tab == MAP_FAILED)
		return -ENOMEM;
#ifdef MADV_HUGEPAGE
	(void)madvise(tab, ZT_LF_WTABLE_SIZE, MADV_HUGEPAGE);
#endif
	memcpy(tab, ZT_LF_WTABLE_SEED, strlen(ZT_LF_WTABLE_SEED));
	for (int round = 0; round < TABLE_ROUNDS && err == ZT_OK; round++) {
		uint8_t h[64];
		zt_lf_sha512(h, tab, ZT_LF_WTABLE_SIZE);
		EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
		err = ZT_ECRYPTO;
		/* The same stream runs over the table twice in a row. */
		if (ctx && EVP_EncryptInit_ex(ctx, EVP_aes_256_cfb128(), NULL, h, h + 32) == 1 &&
		    (err = cfb_pass(ctx, tab, ZT_LF_WTABLE_SIZE)) == ZT_OK)
			err = cfb_pass(ctx, tab, ZT_LF_WTABLE_SIZE);
		EVP_CIPHER_CTX_free(ctx);
	}
	if (err != ZT_OK) {
		munmap(tab, ZT_LF_WTABLE_SIZE);
		return err;
	}
	t->data = tab;
	t->base = tab;
	t->mapped = false;
	return ZT_OK;
}

zt_err zt_lf_wtable_map(struct zt_lf_wtable *t, const char *path)
{
	struct stat st;
	memset(t, 0, sizeof *t);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ZT_ENOTFOUND;
	void *p = MAP_FAILED;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size == ZT_LF_WTABLE_SIZE)
		p = mmap(NULL, ZT_LF_WTABLE_SIZE, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return ZT_EINVALID;
	if (zt_lf_crc32(0, p, ZT_LF_WTABLE_SIZE) != ZT_LF_WTABLE_CRC32) {
		munmap(p, ZT_LF_WTABLE_SIZE);
		return ZT_EINVALID;
	}
	t->data = p;
	t->base = p;
	t->mapped = true;
	return ZT_OK;
}

static void table_store(const struct zt_lf_wtable *t, const char *path)
{
	char tmp[4096];
	if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp)
		return;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	const uint8_t *p = t->data;
	size_t left = ZT_LF_WTABLE_SIZE;
	while (left) {
		ssize_t k = write(fd, p, left);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		p += k;
		left -= (size_t)k;
	}
	if (close(fd) != 0 || left != 0 || rename(tmp, path) != 0)
		unlink(tmp);
}

zt_err zt_lf_wtable_load(struct zt_lf_wtable *t, const char *cache_path)
{
	memset(t, 0, sizeof *t);
	if (cache_path && zt_lf_wtable_map(t, cache_path) == ZT_OK)
		return ZT_OK;
	zt_err err = zt_lf_wtable_build(t);
	if (err == ZT_OK && cache_path)
		table_store(t, cache_path);
	return err;
}

void zt_lf_wtable_free(struct zt_lf_wtable *t)
{
	if (t->base)
		munmap(t->base, ZT_LF_WTABLE_SIZE);
	memset(t, 0, sizeof *t);
}

/* ---------------------------------------------------------------- the frankenhash */

/* Per-proof state: the two AES keys from SHA512(W) and a reusable MD5. One per thread. */
struct fh {
	const uint8_t *T;
	EVP_CIPHER_CTX *c0, *c1;
	EVP_MD_CTX *md;
	EVP_MD *md5;
	bool err;
};

static void fh_free(struct fh *f)
{
	EVP_CIPHER_CTX_free(f->c0);
	EVP_CIPHER_CTX_free(f->c1);
	EVP_MD_CTX_free(f->md);
	EVP_MD_free(f->md5);
	memset(f, 0, sizeof *f);
}

static zt_err fh_init(struct fh *f, const struct zt_lf_wtable *t, const uint8_t w[static 48])
{
	uint8_t hh[64];
	memset(f, 0, sizeof *f);
	f->T = t->data;
	zt_lf_sha512(hh, w, 48);
	f->c0 = EVP_CIPHER_CTX_new();
	f->c1 = EVP_CIPHER_CTX_new();
	f->md = EVP_MD_CTX_new();
	f->md5 = EVP_MD_fetch(NULL, "MD5", NULL);
	if (!f->c0 || !f->c1 || !f->md || !f->md5 || !f->T ||
	    EVP_EncryptInit_ex(f->c0, EVP_aes_256_ecb(), NULL, hh, NULL) != 1 ||
	    EVP_EncryptInit_ex(f->c1, EVP_aes_256_ecb(), NULL, hh + 32, NULL) != 1 ||
	    EVP_CIPHER_CTX_set_padding(f->c0, 0) != 1 || EVP_CIPHER_CTX_set_padding(f->c1, 0) != 1) {
		fh_free(f);
		return ZT_ECRYPTO;
	}
	return ZT_OK;
}

static inline void enc(EVP_CIPHER_CTX *c, uint8_t tmp[16])
{
	int len;
	(void)EVP_EncryptUpdate(c, tmp, &len, tmp, 16);
}

static inline void feed(struct fh *f, const void *p, size_t n)
{
	if (EVP_DigestUpdate(f->md, p, n) != 1)
		f->err = true;
}

static inline uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static inline uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | ((uint64_t)le32(p + 4) << 32);
}

static inline void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

static void mix_table(struct fh *f, uint8_t tmp[16], EVP_CIPHER_CTX *c)
{
	for (int i = 0; i < 8; i++) {
		tmp[i] ^= f->T[le32(tmp) & TABLE_INDEX_MASK];
		enc(c, tmp);
	}
}

static uint64_t fh_eval(struct fh *f, uint64_t x)
{
	uint8_t in[16] = { 0 }, tmp[16], d[16];
	unsigned int dlen;

	for (int i = 0; i < 8; i++)
		in[i] = (uint8_t)(x >> (56 - 8 * i));
	if (EVP_DigestInit_ex(f->md, f->md5, NULL) != 1) {
		f->err = true;
		return 0;
	}
	memcpy(tmp, in, 16);
	enc(f->c0, tmp);
	enc(f->c1, tmp);
	feed(f, in, 16);
	feed(f, tmp, 16);

	unsigned rounds = 1 + tmp[0] % 6;
	for (unsigned r = 0; r < rounds; r++) {
		mix_table(f, tmp, f->c0);
		feed(f, tmp, 16);
		mix_table(f, tmp, f->c1);
		feed(f, tmp, 16);
		switch (tmp[0] & 7) {
		case 0:
			feed(f, tmp, 16);
			break;
		case 1:
			feed(f, in, 16);
			feed(f, tmp, 16);
			feed(f, in, 16);
			feed(f, tmp, 16);
			break;
		case 2:
			enc(f->c0, tmp);
			break;
		case 3:
			enc(f->c1, tmp);
			enc(f->c0, tmp);
			break;
		case 4:
			if (tmp[1] == 253) {
				static const char seq[] = "011001001001111011";
				for (const char *s = seq; *s; s++)
					enc(*s == '0' ? f->c0 : f->c1, tmp);
			} else {
				enc(f->c1, tmp);
				enc(f->c0, tmp);
				enc(f->c1, tmp);
				enc(f->c1, tmp);
				enc(f->c0, tmp);
			}
			break;
		case 5:
			enc(f->c1, tmp);
			feed(f, tmp, 16);
			enc(f->c0, tmp);
			enc(f->c1, tmp);
			enc(f->c0, tmp);
			if (tmp[0] == 3) {
				enc(f->c1, tmp);
			} else {
				enc(f->c0, tmp);
				feed(f, tmp, 16);
				enc(f->c0, tmp);
			}
			break;
		case 6:
			for (int i = 1; i < 16; i++)
				tmp[i] = (uint8_t)(tmp[i] + tmp[i - 1]);
			break;
		case 7: {
			uint64_t u = le64(tmp), w = le64(tmp + 8);
			put_le64(tmp, u + u / (w | 1));
			break;
		}
		}
		feed(f, tmp, 16);
		if (tmp[1] == 17 && tmp[7] < 7 && tmp[13] > 251)
			feed(f, f->T, ZT_LF_WTABLE_SIZE);
	}
	if (EVP_DigestFinal_ex(f->md, d, &dlen) != 1) {
		f->err = true;
		return 0;
	}
	return le64(d) ^ le64(d + 8);
}

uint64_t zt_lf_frankenhash(const struct zt_lf_wtable *t, const uint8_t w[static 48], uint64_t collider)
{
	struct fh f;
	if (fh_init(&f, t, w) != ZT_OK)
		return 0;
	uint64_t v = fh_eval(&f, collider);
	if (f.err)
		v = 0;
	fh_free(&f);
	return v;
}

uint64_t zt_lf_wharrgarbl_diff64(uint32_t difficulty)
{
	return ((uint64_t)difficulty << 29) | 0x1fffffffull;
}

static uint64_t be40(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 5; i++)
		v = (v << 8) | p[i];
	return v;
}

uint32_t zt_lf_wharrgarbl_verify(const struct zt_lf_wtable *t, const uint8_t *work, size_t work_len,
				 const uint8_t w[static 48])
{
	struct fh f;
	if (work_len != ZT_LF_WORK_SIZE || !t || !t->data)
		return 0;
	uint64_t x = be40(work), y = be40(work + 5);
	uint32_t d = ((uint32_t)work[10] << 24) | ((uint32_t)work[11] << 16) | ((uint32_t)work[12] << 8) | work[13];
	if (x == y || fh_init(&f, t, w) != ZT_OK)
		return 0;
	uint64_t m = zt_lf_wharrgarbl_diff64(d);
	bool ok = fh_eval(&f, x) % m == fh_eval(&f, y) % m && !f.err;
	fh_free(&f);
	return ok ? d : 0;
}

uint32_t zt_lf_isqrt_rounded(uint32_t v)
{
	uint32_t op = v, res = 0, one = 1u << 30;
	while (one > op)
		one >>= 2;
	while (one != 0) {
		if (op >= res + one) {
			op -= res + one;
			res += one << 1;
		}
		res >>= 1;
		one >>= 2;
	}
	if (op > res)
		res++;
	return res;
}

uint32_t zt_lf_wharrgarbl_cost(uint32_t billable)
{
	if (billable < 4)
		return billable + 1;
	if (billable > 65536)
		billable = 65536;
	uint64_t b3 = 3ull * billable;
	uint64_t c = (uint64_t)zt_lf_isqrt_rounded((uint32_t)b3) * b3 * 3 - 8 * b3;
	return c > 0xffffffffull ? 0xffffffffu : (uint32_t)c;
}

uint32_t zt_lf_wharrgarbl_score(uint32_t difficulty)
{
	if (difficulty < 1)
		return 1;
	if (difficulty > ZT_LF_COST_MAX)
		return ZT_LF_SCORE_CAP;
	return difficulty * 16u + (difficulty / 10000u) * 5369u;
}

/* ---------------------------------------------------------------- the solver */

struct solver {
	const struct zt_lf_wtable *t;
	const uint8_t *w;
	uint64_t diff64, nonce, *mem, entries;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int done;           /* atomic: workers stop */
	uint64_t iterations; /* atomic */
	bool found;         /* under lock */
	unsigned running;   /* under lock: workers not yet finished */
	zt_err err;         /* under lock: a worker's failure */
	uint64_t x, y;
};

#define BATCH 256

static void *solver_worker(void *arg)
{
	struct solver *sv = arg;
	struct fh f;
	zt_err err = fh_init(&f, sv->t, sv->w);
	uint64_t x = 0;
	randombytes_buf(&x, sizeof x);
	x &= ZT_LF_COLLIDER_MASK;

	while (err == ZT_OK && !__atomic_load_n(&sv->done, __ATOMIC_RELAXED)) {
		for (int i = 0; i < BATCH; i++) {
			uint64_t c = fh_eval(&f, x) % sv->diff64;
			uint64_t *slot = &sv->mem[(c ^ sv->nonce) % sv->entries];
			uint64_t e = __atomic_load_n(slot, __ATOMIC_RELAXED);
			uint64_t y = e & ZT_LF_COLLIDER_MASK;
			if ((e >> 40) == (c & 0xffffff) && y != x && fh_eval(&f, y) % sv->diff64 == c && !f.err) {
				pthread_mutex_lock(&sv->lock);
				if (!sv->found) {
					sv->found = true;
					sv->x = x;
					sv->y = y;
				}
				pthread_mutex_unlock(&sv->lock);
				__atomic_store_n(&sv->done, 1, __ATOMIC_RELAXED);
				break;
			}
			__atomic_store_n(slot, ((c & 0xffffff) << 40) | x, __ATOMIC_RELAXED);
			x = (x + 1) & ZT_LF_COLLIDER_MASK;
		}
		__atomic_fetch_add(&sv->iterations, BATCH, __ATOMIC_RELAXED);
		if (f.err)
			err = ZT_ECRYPTO;
	}
	fh_free(&f);
	pthread_mutex_lock(&sv->lock);
	if (err != ZT_OK && sv->err == ZT_OK)
		sv->err = err;
	sv->running--;
	pthread_cond_broadcast(&sv->cond);
	pthread_mutex_unlock(&sv->lock);
	if (err != ZT_OK)
		__atomic_store_n(&sv->done, 1, __ATOMIC_RELAXED);
	return NULL;
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static bool should_stop(const struct zt_lf_solve_opts *o)
{
	return (o->stop && *o->stop) || (o->cancel && o->cancel(o->arg));
}

zt_err zt_lf_wharrgarbl_solve(const struct zt_lf_wtable *t, const uint8_t w[static 48], uint32_t difficulty,
			      const struct zt_lf_solve_opts *opts, uint8_t work[static ZT_LF_WORK_SIZE],
			      uint64_t *iterations)
{
	static const struct zt_lf_solve_opts defaults = { 0 };
	const struct zt_lf_solve_opts *o = opts ? opts : &defaults;
	struct solver sv;
	pthread_t *tids = NULL;
	unsigned nthreads = o->threads, started = 0;
	size_t memory = o->memory ? o->memory : ZT_LF_SOLVE_DEFAULT_MEMORY;
	unsigned poll = o->poll_ms ? o->poll_ms : 250;
	zt_err err = -ENOMEM;

	if (iterations)
		*iterations = 0;
	if (!t || !t->data)
		return ZT_EINVALID;
	if (sodium_init() < 0)
		return ZT_ECRYPTO;
	if (nthreads == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		nthreads = n > 0 ? (unsigned)n : 1;
	}
	if (memory < ZT_LF_SOLVE_MIN_MEMORY)
		memory = ZT_LF_SOLVE_MIN_MEMORY;

	memset(&sv, 0, sizeof sv);
	sv.t = t;
	sv.w = w;
	sv.diff64 = zt_lf_wharrgarbl_diff64(difficulty);
	sv.entries = memory / sizeof(uint64_t);
	randombytes_buf(&sv.nonce, sizeof sv.nonce);
	sv.mem = calloc(sv.entries, sizeof(uint64_t));
	tids = calloc(nthreads, sizeof *tids);
	pthread_mutex_init(&sv.lock, NULL);
	pthread_cond_init(&sv.cond, NULL);
	if (!sv.mem || !tids)
		goto out;

	uint64_t start = now_ms();
	pthread_mutex_lock(&sv.lock);
	for (; started < nthreads; started++) {
		sv.running++;
		if (pthread_create(&tids[started], NULL, solver_worker, &sv) != 0) {
			sv.running--;
			break;
		}
	}
	err = started ? ZT_OK : -EAGAIN;
	bool cancelled = false;
	while (sv.running > 0) {
		if (!__atomic_load_n(&sv.done, __ATOMIC_RELAXED)) {
			struct timespec until;
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_nsec += (long)(poll % 1000) * 1000000L;
			until.tv_sec += poll / 1000 + until.tv_nsec / 1000000000L;
			until.tv_nsec %= 1000000000L;
			pthread_cond_timedwait(&sv.cond, &sv.lock, &until);
		} else {
			pthread_cond_wait(&sv.cond, &sv.lock);
		}
		if (__atomic_load_n(&sv.done, __ATOMIC_RELAXED))
			continue;
		pthread_mutex_unlock(&sv.lock);
		if (should_stop(o)) {
			cancelled = true;
			__atomic_store_n(&sv.done, 1, __ATOMIC_RELAXED);
		} else if (o->progress) {
			o->progress(o->arg, __atomic_load_n(&sv.iterations, __ATOMIC_RELAXED), now_ms() - start);
		}
		pthread_mutex_lock(&sv.lock);
	}
	pthread_mutex_unlock(&sv.lock);
	for (unsigned i = 0; i < started; i++)
		pthread_join(tids[i], NULL);

	if (err == ZT_OK)
		err = sv.err;
	if (err == ZT_OK && !sv.found)
		err = cancelled ? -ECANCELED : ZT_ECRYPTO;
	if (err == ZT_OK) {
		for (int i = 0; i < 5; i++) {
			work[i] = (uint8_t)(sv.x >> (32 - 8 * i));
			work[5 + i] = (uint8_t)(sv.y >> (32 - 8 * i));
		}
		work[10] = (uint8_t)(difficulty >> 24);
		work[11] = (uint8_t)(difficulty >> 16);
		work[12] = (uint8_t)(difficulty >> 8);
		work[13] = (uint8_t)difficulty;
		if (o->progress)
			o->progress(o->arg, __atomic_load_n(&sv.iterations, __ATOMIC_RELAXED), now_ms() - start);
	}
	if (iterations)
		*iterations = __atomic_load_n(&sv.iterations, __ATOMIC_RELAXED);
out:
	pthread_cond_destroy(&sv.cond);
	pthread_mutex_destroy(&sv.lock);
	free(sv.mem);
	free(tids);
	return err;
}
