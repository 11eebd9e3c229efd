/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The engine's state callbacks. Peers go to peers.d/<address>.peer (the engine's opaque bytes);
 * a planet the roots sent replaces the planet file in the home directory, as in 1.x. The peer
 * cache is a cache: it is written without fsync (a temporary file and a rename, so a crash leaves
 * the old entry or the new one, never a torn one). At start the newest entries are fed back to the
 * engine, so the node says HELLO to its recent peers at once.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/file.h"
#include "common/home.h"
#include "common/log.h"
#include "node/hex.h"
#include "node/world.h"
#include "service.h"

static int peer_path(const struct svc *s, uint64_t address, char *out, size_t cap)
{
	char name[64], a[11];

	zt_address_format(a, address);
	snprintf(name, sizeof name, SVC_PEERS_DIR "/%s.peer", a);
	return zt_path_join(out, cap, s->home, name);
}

static zt_err write_cache_file(const char *path, const void *data, size_t len)
{
	char tmp[PATH_MAX + 8];
	int fd;
	ssize_t w;

	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	w = write(fd, data, len);
	if (w != (ssize_t)len || close(fd) != 0) {
		zt_err e = w < 0 ? -errno : -EIO;

		if (w != (ssize_t)len)
			close(fd);
		unlink(tmp);
		return e;
	}
	if (rename(tmp, path) != 0) {
		zt_err e = -errno;

		unlink(tmp);
		return e;
	}
	return ZT_OK;
}

int svc_state_put(void *ctx, enum zt_node_state_type type, uint64_t id, const void *data, size_t len)
{
	struct svc *s = ctx;
	char path[PATH_MAX], dir[PATH_MAX];
	zt_err e;

	if (type == ZT_NODE_STATE_PLANET) {
		if (!data)
			return ZT_OK; /* the planet file is the operator's to remove */
		if (zt_path_join(path, sizeof path, s->home, SVC_PLANET_FILE))
			return ZT_ETOOBIG;
		e = zt_file_write_atomic(path, data, len, 0644);
		if (e)
			log_warnx("cannot write the updated planet to %s: %s", path, zt_strerror(e));
		else
			log_info("planet %llu updated by a root: written to %s", (unsigned long long)id, path);
		return e;
	}
	if (type != ZT_NODE_STATE_PEER || peer_path(s, id, path, sizeof path))
		return ZT_EUNSUPPORTED;
	if (!data) {
		if (unlink(path) != 0 && errno != ENOENT)
			return -errno;
		return ZT_OK;
	}
	e = write_cache_file(path, data, len);
	if (e == -ENOENT && !zt_path_join(dir, sizeof dir, s->home, SVC_PEERS_DIR) && !zt_mkdir_p(dir, 0700))
		e = write_cache_file(path, data, len);
	if (e && zt_log_ratelimit(0x5ea7e, svc_now(s), 60000))
		log_warnx("peer cache: cannot write %s: %s", path, zt_strerror(e));
	return e;
}

long svc_state_get(void *ctx, enum zt_node_state_type type, uint64_t id, void *buf, size_t cap)
{
	struct svc *s = ctx;
	char path[PATH_MAX];
	char *data = NULL;
	size_t len = 0;
	zt_err e;

	if (type == ZT_NODE_STATE_PLANET) {
		if (zt_path_join(path, sizeof path, s->home, SVC_PLANET_FILE))
			return ZT_ETOOBIG;
	} else if (type != ZT_NODE_STATE_PEER || peer_path(s, id, path, sizeof path)) {
		return ZT_EUNSUPPORTED;
	}
	e = zt_file_read(path, cap, &data, &len);
	if (e == -ENOENT)
		return ZT_ENOTFOUND;
	if (e)
		return e;
	if (len > cap) {
		zt_file_free(data, len);
		return ZT_ETOOBIG;
	}
	memcpy(buf, data, len);
	zt_file_free(data, len);
	return (long)len;
}

/* ---------------------------------------------------------------- preloading at start */

#define PEER_SUFFIX ".peer"
#define PEER_NAME_LEN (10 + sizeof PEER_SUFFIX - 1) /* "<10 hex digits>.peer" */

struct cached_peer {
	uint64_t address;
	struct timespec mtime;
};

/* The entries still to hand to the engine, newest first; the loop feeds them a few at a time. */
struct svc_preload {
	unsigned n, next;
	unsigned entries, loaded, unusable; /* for the summary line */
	struct cached_peer top[SVC_PEERS_PRELOAD_MAX];
};

static bool newer(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec > b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec > b->tv_nsec);
}

/* The address of a peers.d/ entry name ("89e92ceee5.peer"); false for anything else (e.g. a .tmp). */
static bool peer_file_address(const char *name, uint64_t *address)
{
	char hex[11];

	if (strlen(name) != PEER_NAME_LEN || strcmp(name + 10, PEER_SUFFIX))
		return false;
	memcpy(hex, name, 10);
	hex[10] = '\0';
	return zt_address_parse(address, hex);
}

/* Keeps top[0..*n-1] the `max` newest entries, newest first (insertion: max is small). */
static void keep_newest(struct cached_peer *top, unsigned *n, unsigned max, const struct cached_peer *c)
{
	unsigned i = *n;

	if (i == max && !newer(&c->mtime, &top[max - 1].mtime))
		return;
	if (i == max)
		i--;
	else
		(*n)++;
	for (; i > 0 && newer(&c->mtime, &top[i - 1].mtime); i--)
		top[i] = top[i - 1];
	top[i] = *c;
}

void svc_peers_preload_start(struct svc *s, unsigned max)
{
	struct svc_preload *pl;
	char dir[PATH_MAX];
	struct dirent *de;
	DIR *d;

	svc_peers_preload_stop(s);
	if (max > SVC_PEERS_PRELOAD_MAX)
		max = SVC_PEERS_PRELOAD_MAX;
	if (!max || zt_path_join(dir, sizeof dir, s->home, SVC_PEERS_DIR))
		return;
	if (!(d = opendir(dir))) {
		if (errno != ENOENT)
			log_warn("peer cache: cannot read %s", dir);
		return;
	}
	if (!(pl = calloc(1, sizeof *pl))) {
		closedir(d);
		return;
	}
	while ((de = readdir(d))) {
		struct cached_peer c;
		struct stat st;

		if (!peer_file_address(de->d_name, &c.address) ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
			continue;
		c.mtime = st.st_mtim;
		pl->entries++;
		keep_newest(pl->top, &pl->n, max, &c);
	}
	closedir(d);
	if (!pl->n) {
		free(pl);
		return;
	}
	s->preload = pl;
}

unsigned svc_peers_preload_step(struct svc *s, int64_t deadline)
{
	struct svc_preload *pl = s->preload;
	uint8_t buf[ZT_NODE_STATE_MAX];
	unsigned added = 0;

	if (!pl)
		return 0;
	/* At least one: each costs an identity validation (a few ms), hence the slices. */
	do {
		const struct cached_peer *c = &pl->top[pl->next++];
		long len = svc_state_get(s, ZT_NODE_STATE_PEER, c->address, buf, sizeof buf);
		zt_err e = len < 0 ? (zt_err)len : zt_node_peer_preload(s->node, buf, (size_t)len, svc_now(s));

		if (!e) {
			added++;
		} else if (e != ZT_EEXIST) { /* EEXIST: a root, known already */
			pl->unusable++;
			log_debug("peer cache: %s/%010llx" PEER_SUFFIX " not used: %s", SVC_PEERS_DIR,
				  (unsigned long long)c->address, zt_strerror(e));
		}
	} while (pl->next < pl->n && svc_now(s) < deadline);
	pl->loaded += added;
	if (pl->next == pl->n) {
		log_info("peer cache: preloaded=%u entries=%u tried=%u unusable=%u", pl->loaded, pl->entries, pl->n,
			 pl->unusable);
		svc_peers_preload_stop(s);
	}
	return added;
}

void svc_peers_preload_stop(struct svc *s)
{
	free(s->preload);
	s->preload = NULL;
}
