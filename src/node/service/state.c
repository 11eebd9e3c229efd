/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The engine's state callbacks. Peers go to peers.d/<address>.peer (the engine's opaque bytes);
 * a planet the roots sent replaces the planet file in the home directory, as in 1.x. The peer
 * cache is a cache: it is written without fsync (a temporary file and a rename, so a crash leaves
 * the old entry or the new one, never a torn one).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
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
