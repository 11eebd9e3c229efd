/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>

#include "common/file.h"
#include "common/home.h"
#include "common/identity_file.h"
#include "common/log.h"
#include "node/crypto.h"

#define IDENTITY_FILE_MAX 1024

static zt_err identity_create(const char *home, const char *path, const char *pubpath, struct zt_identity *id)
{
	char s[ZT_IDENTITY_STRING_MAX];
	zt_err e;
	int n;

	log_info("no identity in %s: generating one (this takes a moment)", home);
	if ((e = zt_identity_generate(id)))
		return e;
	n = zt_identity_to_string(id, true, s, sizeof s);
	e = n < 0 ? ZT_ENOSPACE : zt_file_write_new(path, s, (size_t)n, 0600);
	zt_wipe(s, sizeof s);
	if (e) {
		log_error("cannot write %s: %s", path, zt_strerror(e));
		return e;
	}
	n = zt_identity_to_string(id, false, s, sizeof s);
	if (n < 0 || (e = zt_file_write_atomic(pubpath, s, (size_t)n, 0644)))
		log_warnx("cannot write %s: %s", pubpath, zt_strerror(n < 0 ? ZT_ENOSPACE : e));
	return ZT_OK;
}

zt_err zt_home_identity_load(const char *home, struct zt_identity *id)
{
	char path[PATH_MAX], pubpath[PATH_MAX];
	char *text = NULL;
	size_t len = 0;
	struct stat st;
	zt_err e;

	if (zt_path_join(path, sizeof path, home, "identity.secret") ||
	    zt_path_join(pubpath, sizeof pubpath, home, "identity.public")) {
		log_error("home directory path is too long: %s", home);
		return ZT_ETOOBIG;
	}
	e = zt_file_read(path, IDENTITY_FILE_MAX, &text, &len);
	if (e == -ENOENT)
		return identity_create(home, path, pubpath, id);
	if (e) {
		log_error("cannot read %s: %s", path, zt_strerror(e));
		return e;
	}
	e = zt_identity_from_string(id, text);
	zt_file_free(text, len);
	if (e || !id->has_private) {
		log_error("%s: not a secret identity (%s)", path, e ? zt_strerror(e) : "no private key");
		return e ? e : ZT_EINVALID;
	}
	if ((e = zt_identity_validate(id))) {
		log_error("%s: the identity does not validate: %s", path, zt_strerror(e));
		return e;
	}
	if (stat(path, &st) == 0 && (st.st_mode & 077))
		log_warnx("%s is readable by others (mode %03o): chmod 600 it", path, (unsigned)(st.st_mode & 0777));
	return ZT_OK;
}
