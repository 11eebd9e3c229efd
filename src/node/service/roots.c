/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Static roots on disk: one file per root, roots.d/<name>.json =
 * {"identity": "<public identity>", "endpoints": ["IP/port", ...]}, the name being the file name
 * (zerotier addroot uses the root's address). Plus the 1.x planet file, whose roots are used as
 * static roots under the names the engine gives them ("<planet id>-<n>").
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/file.h"
#include "common/home.h"
#include "common/jsonconf.h"
#include "common/log.h"
#include "node/world.h"
#include "service.h"

#define ROOT_FILE_MAX (64 * 1024)
#define ROOT_SUFFIX ".json"
#define PLANET_FILE_MAX (64 * 1024)

bool svc_root_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= ZT_NODE_ROOT_NAME_MAX || name[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", name[i]))
			return false;
	return true;
}

static int root_path(const struct svc *s, const char *name, char *out, size_t cap)
{
	char rel[ZT_NODE_ROOT_NAME_MAX + 16];

	snprintf(rel, sizeof rel, SVC_ROOTS_DIR "/%s" ROOT_SUFFIX, name);
	return zt_path_join(out, cap, s->home, rel);
}

/* Parses one root file; message in err on failure. */
static zt_err root_file_parse(const char *path, const char *name, struct zt_identity *id, struct zt_inetaddr *eps,
			      int *n, char *err, size_t errlen)
{
	struct zt_conf_ctx x = { name, err, errlen };
	char *text = NULL;
	json_t *doc = NULL, *v;
	zt_err e = zt_conf_read(path, false, &text, err, errlen);

	if (e)
		return e;
	if ((e = zt_conf_parse(text, name, &doc, err, errlen)))
		goto out;
	v = json_object_get(doc, "identity");
	if (!json_is_string(v) || zt_identity_from_string(id, json_string_value(v)) != ZT_OK) {
		e = zt_conf_fail(&x, "identity", "must be an identity string (<address>:0:<public key>)");
		goto out;
	}
	id->has_private = false; /* a root's secret has no business here: never kept */
	v = json_object_get(doc, "endpoints");
	*n = 0;
	if (v)
		e = svc_conf_addrs(&x, v, "endpoints", eps, ZT_NODE_MAX_ROOT_ENDPOINTS, n);
out:
	json_decref(doc);
	free(text);
	return e;
}

/*
 * Stops using the roots of `source` that lost their file (a reload after the operator removed a
 * file in roots.d/, or the planet file).
 */
static void roots_forget(struct svc *s, enum zt_node_root_source source)
{
	struct zt_node_root_info roots[ZT_NODE_MAX_ROOTS];
	char path[PATH_MAX];
	size_t n = 0;

	zt_node_roots(s->node, svc_now(s), roots, ZT_NODE_MAX_ROOTS, &n);
	for (size_t i = 0; i < n && i < ZT_NODE_MAX_ROOTS; i++) {
		if (roots[i].source != source || svc_dynroot_member_name(roots[i].name))
			continue; /* a dynamic root's member has no file here: dynroots.c keeps it */
		if (source == ZT_NODE_ROOT_STATIC && (root_path(s, roots[i].name, path, sizeof path) || zt_file_exists(path)))
			continue;
		if (zt_node_root_remove(s->node, roots[i].address) == ZT_OK)
			log_info("root %s (%010llx) no longer used: its %s is gone", roots[i].name,
				 (unsigned long long)roots[i].address,
				 source == ZT_NODE_ROOT_STATIC ? "file in " SVC_ROOTS_DIR "/" : "planet file");
	}
}

void svc_roots_load(struct svc *s)
{
	char dir[PATH_MAX], path[PATH_MAX], name[ZT_NODE_ROOT_NAME_MAX], err[512];
	DIR *d;
	struct dirent *de;

	if (zt_path_join(dir, sizeof dir, s->home, SVC_ROOTS_DIR))
		return;
	d = opendir(dir);
	if (!d) {
		if (errno != ENOENT)
			log_warn("cannot read the static roots in %s", dir);
		else
			roots_forget(s, ZT_NODE_ROOT_STATIC);
		return;
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name), sl = strlen(ROOT_SUFFIX);
		struct zt_identity id;
		struct zt_inetaddr eps[ZT_NODE_MAX_ROOT_ENDPOINTS];
		int n = 0;
		zt_err e;

		if (len <= sl || strcmp(de->d_name + len - sl, ROOT_SUFFIX) || len - sl >= sizeof name)
			continue;
		memcpy(name, de->d_name, len - sl);
		name[len - sl] = '\0';
		if (!svc_root_name_valid(name) || root_path(s, name, path, sizeof path))
			continue;
		if (root_file_parse(path, de->d_name, &id, eps, &n, err, sizeof err)) {
			log_warnx("static root %s skipped: %s", path, err);
			continue;
		}
		e = zt_node_root_add_static(s->node, &id, eps, (size_t)n, name, svc_now(s));
		if (e)
			log_warnx("static root %s skipped: %s", path, zt_strerror(e));
		else
			log_info("static root %s (%010llx) with %d endpoint%s", name, (unsigned long long)id.address, n,
				 n == 1 ? "" : "s");
	}
	closedir(d);
	roots_forget(s, ZT_NODE_ROOT_STATIC);
}

zt_err svc_root_save(struct svc *s, const char *name, const struct zt_identity *id, const struct zt_inetaddr *eps,
		     size_t n)
{
	char path[PATH_MAX], dir[PATH_MAX], ids[ZT_IDENTITY_STRING_MAX];
	json_t *doc;
	char *text;
	zt_err e;

	if (zt_path_join(dir, sizeof dir, s->home, SVC_ROOTS_DIR) || root_path(s, name, path, sizeof path))
		return ZT_ETOOBIG;
	if ((e = zt_mkdir_p(dir, 0755)))
		return e;
	if (zt_identity_to_string(id, false, ids, sizeof ids) < 0)
		return ZT_EINVALID;
	doc = json_pack("{s:s, s:o}", "identity", ids, "endpoints", svc_json_addrs(eps, n));
	text = doc ? json_dumps(doc, JSON_INDENT(4) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(doc);
	if (!text)
		return -ENOMEM;
	size_t len = strlen(text);
	text[len] = '\n'; /* the NUL's place: the file ends with a newline */
	e = zt_file_write_atomic(path, text, len + 1, 0644);
	free(text);
	return e;
}

zt_err svc_root_delete(struct svc *s, const char *name)
{
	char path[PATH_MAX];

	if (root_path(s, name, path, sizeof path))
		return ZT_ETOOBIG;
	if (unlink(path) != 0)
		return errno == ENOENT ? ZT_ENOTFOUND : -errno;
	return ZT_OK;
}

zt_err svc_planet_load(struct svc *s)
{
	char path[PATH_MAX];
	char *data = NULL;
	size_t len = 0, used = 0;
	struct zt_world *w = NULL;
	zt_err e;

	if (zt_path_join(path, sizeof path, s->home, SVC_PLANET_FILE))
		return ZT_ETOOBIG;
	e = zt_file_read(path, PLANET_FILE_MAX, &data, &len);
	if (e == -ENOENT) {
		roots_forget(s, ZT_NODE_ROOT_PLANET);
		return ZT_OK;
	}
	if (e) {
		log_warnx("planet %s: %s", path, zt_strerror(e));
		return e;
	}
	w = calloc(1, sizeof *w);
	if (!w) {
		e = -ENOMEM;
		goto out;
	}
	e = zt_world_parse(w, (const uint8_t *)data, len, &used);
	if (!e && (used != len || w->type != ZT_WORLD_TYPE_PLANET))
		e = ZT_EMALFORMED;
	if (!e)
		e = zt_node_roots_from_world(s->node, w, svc_now(s));
	if (e)
		log_warnx("planet %s not used: %s", path, zt_strerror(e));
	else
		log_info("planet %s: world %llu with %u root%s", path, (unsigned long long)w->id, w->root_count,
			 w->root_count == 1 ? "" : "s");
out:
	free(w);
	zt_file_free(data, len);
	return e;
}
