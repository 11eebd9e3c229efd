/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Dynamic roots on disk: one JSON file per dynamic root in roots.d/dynamic/, written atomically
 * each time its default locator or its accepted set changes:
 *
 *   {"name": "<dynamic root name>", "defaultLocator": "loc1:...",
 *    "set": "<base64url of the binary root set>", "setTimestamp": <ms>}
 *
 * "defaultLocator" and "set" are optional ("setTimestamp" is for people: "set" is what counts).
 * The file is <name>.json; a name longer than FILE_NAME_DIRECT_MAX (it may have 253 characters,
 * more than a file name plus the temporary suffix of an atomic write can hold) is written as
 * <key label>.<16 hex digits of SHA-512 of the name>.json. A file is no more trusted than DNS: at
 * start the set is verified again with the key from the name, and the default locator checked.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/file.h"
#include "common/home.h"
#include "common/jsonconf.h"
#include "common/log.h"
#include "dynroots.h"
#include "node/crypto.h"
#include "node/encoding.h"
#include "node/hex.h"

#define FILE_MODE 0644
#define DIR_MODE 0755
#define FILE_SUFFIX ".json"
/* 255 (NAME_MAX) - ".json" - ".tmp.XXXXXX" (zt_file_write_atomic's temporary name) */
#define FILE_NAME_DIRECT_MAX 239
#define NAME_HASH_BYTES 8
#define FILE_NAME_MAX (ZT_DNS_NAME_MAX + sizeof FILE_SUFFIX)

static void file_name(const char *name, char out[static FILE_NAME_MAX])
{
	uint8_t h[64];
	char hex[2 * NAME_HASH_BYTES + 1];

	if (strlen(name) <= FILE_NAME_DIRECT_MAX) {
		snprintf(out, FILE_NAME_MAX, "%s" FILE_SUFFIX, name);
		return;
	}
	zt_sha512(h, name, strlen(name));
	zt_hex_encode(hex, h, NAME_HASH_BYTES);
	snprintf(out, FILE_NAME_MAX, "%.*s.%s" FILE_SUFFIX, ZT_DNS_LABEL_LEN, name, hex);
}

static zt_err file_path(const struct svc *s, const char *name, char *out, size_t cap)
{
	char rel[sizeof SVC_DYNROOTS_DIR + FILE_NAME_MAX + 1], fname[FILE_NAME_MAX];

	file_name(name, fname);
	snprintf(rel, sizeof rel, SVC_DYNROOTS_DIR "/%s", fname);
	return zt_path_join(out, cap, s->home, rel) ? ZT_ETOOBIG : ZT_OK;
}

static json_t *locator_string(const struct zt_locator *loc)
{
	char text[ZT_LOCATOR_STRING_MAX];

	return zt_locator_to_string(loc, text, sizeof text) < 0 ? NULL : json_string(text);
}

zt_err svc_dynroot_save(struct svc *s, const struct svc_dynroot *d)
{
	char path[PATH_MAX], dir[PATH_MAX];
	char *set = NULL, *text = NULL;
	json_t *doc = json_pack("{s:s}", "name", d->name.name);
	zt_err e = -ENOMEM;

	if (!doc)
		return -ENOMEM;
	if (d->default_locator && json_object_set_new(doc, "defaultLocator", locator_string(d->default_locator)))
		goto out;
	if (d->set) {
		if (!(set = malloc(zt_base64url_encoded_len(d->set->raw_len) + 1)))
			goto out;
		zt_base64url_encode(set, d->set->raw, d->set->raw_len);
		if (json_object_set_new(doc, "set", json_string(set)) ||
		    json_object_set_new(doc, "setTimestamp", json_integer(d->set->timestamp)))
			goto out;
	}
	if (!(text = json_dumps(doc, JSON_INDENT(4) | JSON_PRESERVE_ORDER)))
		goto out;
	size_t len = strlen(text);
	text[len] = '\n'; /* the NUL's place: the file ends with a newline */
	if ((e = file_path(s, d->name.name, path, sizeof path)))
		goto out;
	if (zt_path_join(dir, sizeof dir, s->home, SVC_DYNROOTS_DIR)) {
		e = ZT_ETOOBIG;
		goto out;
	}
	if (!(e = zt_mkdir_p(dir, DIR_MODE)))
		e = zt_file_write_atomic(path, text, len + 1, FILE_MODE);
out:
	free(text);
	free(set);
	json_decref(doc);
	return e;
}

zt_err svc_dynroot_unlink(struct svc *s, const struct svc_dynroot *d)
{
	char path[PATH_MAX];
	zt_err e = file_path(s, d->name.name, path, sizeof path);

	if (!e && unlink(path) != 0 && errno != ENOENT)
		e = -errno;
	return e;
}

bool svc_dynroot_file_exists(struct svc *s, const struct svc_dynroot *d)
{
	char path[PATH_MAX];

	return file_path(s, d->name.name, path, sizeof path) == ZT_OK && zt_file_exists(path);
}

struct zt_locator *svc_dynroot_locator_parse(const struct svc *s, const char *text, const char **why)
{
	struct zt_locator *loc = malloc(sizeof *loc);
	bool udp = false;

	*why = "out of memory";
	if (!loc)
		return NULL;
	*why = "it is not a locator (loc1:<address>:<base64url>)";
	if (zt_locator_from_string(loc, text) != ZT_OK)
		goto fail;
	*why = "its signature does not verify";
	if (!zt_locator_verify(loc))
		goto fail;
	for (unsigned i = 0; i < loc->endpoint_count; i++)
		udp |= loc->endpoints[i].type == ZT_ENDPOINT_UDP;
	*why = "it has no IP/port endpoint: a root must be reachable directly";
	if (!udp)
		goto fail;
	*why = "it is this node's own locator";
	if (loc->identity.address == s->id.address)
		goto fail;
	*why = "its identity does not validate";
	if (zt_identity_validate(&loc->identity) != ZT_OK)
		goto fail;
	*why = NULL;
	return loc;
fail:
	free(loc);
	return NULL;
}

/* The saved set, verified again with the name's key. */
static struct zt_rootset *saved_set_parse(const struct zt_dns_name *name, const char *b64, const char **why)
{
	struct zt_rootset *rs = malloc(sizeof *rs);
	uint8_t *raw = malloc(ZT_ROOTSET_MAX_LENGTH);
	long len;

	*why = "out of memory";
	if (!rs || !raw)
		goto fail;
	*why = "it is not base64url of a root set";
	len = zt_base64url_decode(raw, ZT_ROOTSET_MAX_LENGTH, b64, strlen(b64));
	if (len <= 0 || zt_rootset_parse(rs, raw, (size_t)len) != ZT_OK)
		goto fail;
	*why = "it is not signed by the key in the name";
	if (zt_rootset_verify(rs, name->key) != ZT_OK)
		goto fail;
	free(raw);
	return rs;
fail:
	free(raw);
	free(rs);
	return NULL;
}

/* Reads one file. NULL (logged) if it is not a dynamic root's file, or its root is known already. */
static struct svc_dynroot *file_load(struct svc *s, const char *fname)
{
	struct zt_dns_name name;
	struct svc_dynroot *d = NULL;
	char path[PATH_MAX], rel[sizeof SVC_DYNROOTS_DIR + FILE_NAME_MAX + 1], expect[FILE_NAME_MAX], err[512];
	const char *why = NULL, *v;
	char *text = NULL;
	json_t *doc = NULL;

	snprintf(rel, sizeof rel, SVC_DYNROOTS_DIR "/%s", fname);
	if (zt_path_join(path, sizeof path, s->home, rel) || zt_conf_read(path, false, &text, err, sizeof err) ||
	    zt_conf_parse(text, fname, &doc, err, sizeof err)) {
		log_warnx("dynamic root file %s skipped: %s", rel, err);
		goto out;
	}
	if (!(v = json_string_value(json_object_get(doc, "name"))) || zt_dns_name_parse(&name, v, &why) != ZT_OK) {
		log_warnx("dynamic root file %s skipped: \"name\" is not a dynamic root name%s%s", rel,
			  why ? ": " : "", why ? why : "");
		goto out;
	}
	file_name(name.name, expect);
	if (strcmp(fname, expect)) {
		log_warnx("dynamic root file %s skipped: the file of %s is %s", rel, name.name, expect);
		goto out;
	}
	if (svc_dynroot_find(s, name.name) || !(d = svc_dynroot_new(s, &name)))
		goto out;
	if ((v = json_string_value(json_object_get(doc, "defaultLocator"))) &&
	    !(d->default_locator = svc_dynroot_locator_parse(s, v, &why)))
		log_warnx("dynamic root %s: default locator ignored: %s", name.name, why);
	if ((v = json_string_value(json_object_get(doc, "set")))) {
		if ((d->set = saved_set_parse(&name, v, &why)))
			zt_rootset_state_of(&d->state, d->set);
		else
			log_warnx("dynamic root %s: saved set ignored (%s): the next lookup fetches one", name.name, why);
	}
out:
	json_decref(doc);
	free(text);
	return d;
}

void svc_dynroot_files_load(struct svc *s, void (*add)(struct svc *s, struct svc_dynroot *d))
{
	char dir[PATH_MAX];
	struct dirent *de;
	struct svc_dynroot *d;
	DIR *dp;

	if (zt_path_join(dir, sizeof dir, s->home, SVC_DYNROOTS_DIR))
		return;
	if (!(dp = opendir(dir))) {
		if (errno != ENOENT)
			log_warn("cannot read the dynamic roots in %s", dir);
		return;
	}
	while ((de = readdir(dp))) {
		size_t len = strlen(de->d_name), sl = sizeof FILE_SUFFIX - 1;

		/* Temporary files of an atomic write end in random characters, not in the suffix. */
		if (de->d_name[0] == '.' || len <= sl || strcmp(de->d_name + len - sl, FILE_SUFFIX))
			continue;
		if ((d = file_load(s, de->d_name)))
			add(s, d);
	}
	closedir(dp);
}
