/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Dynamic roots (docs/dynamic-roots.md): a DNS name whose TXT records carry a root set signed by
 * the key in the name. Each dynamic root is looked up with c-ares inside the event loop (nothing
 * here blocks), refreshed by TTL, and its members are given to the engine as static roots named
 * SVC_DYNROOT_PREFIX "<address>".
 *
 * The one rule that matters: only a newer valid set changes the roots. A lookup that fails, is
 * forged, stale or damaged leaves the working roots in place (a lost lookup once took down half of
 * a network in a peer project). Until the first lookup succeeds, the default locator given at
 * `addroot` is used; after that, the last accepted set, which is kept on disk and used at start.
 *
 * On disk, one JSON file per dynamic root, roots.d/dynamic/<name> (the name is up to 253
 * characters, so there is no room for a suffix within NAME_MAX), written atomically:
 *   {"name": "<name>", "defaultLocator": "loc1:...", "set": "<base64url of the binary set>",
 *    "setTimestamp": <ms>}
 * "defaultLocator" and "set" are optional. At start the set is parsed and verified again with the
 * key from the name before it is used.
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
#include "dns/resolve.h"
#include "dynroots.h"
#include "node/crypto.h"
#include "node/encoding.h"
#include "node/hex.h"

#define PREFIX_LEN (sizeof SVC_DYNROOT_PREFIX - 1)
#define FILE_MODE 0644
#define DIR_MODE 0755
#define LOG_INTERVAL_MS (10 * 60 * 1000) /* the same failure of one name is logged this often at most */
#define JITTER_DIVISOR 10                /* refreshes are spread by up to a tenth of their delay */
#define RESOLVER_LOG_SOURCE 0xd2500 /* zt_log_ratelimit source of "cannot start the resolver" */
#define ENGINE_ROOTS_MAX ZT_NODE_MAX_ROOTS
#define CLAIMED_MAX (SVC_DYNROOT_MAX * ZT_ROOTSET_MAX_ROOTS)

bool svc_dynroot_member_name(const char *engine_name)
{
	return !strncmp(engine_name, SVC_DYNROOT_PREFIX, PREFIX_LEN);
}

const char *svc_dynroot_err_name(zt_err err)
{
	switch (err) {
	case ZT_OK: return "none";
	case ZT_EAUTH: return "forged";
	case ZT_ESTALE: return "stale";
	case ZT_EMALFORMED: return "malformed";
	case ZT_ETRUNCATED: return "incomplete";
	case ZT_ENOTFOUND: return "notfound";
	case ZT_EDNS: return "dns";
	case ZT_EINVALID: return "unusable";
	default: return "error";
	}
}

const char *svc_dynroot_err_text(zt_err err)
{
	switch (err) {
	case ZT_EAUTH: return "a root set NOT signed by the key in the name (forged, or signed with another key)";
	case ZT_ESTALE: return "only root sets older than the one in use (a rollback attempt or a stale cache)";
	case ZT_EMALFORMED: return "the TXT records do not form a valid root set";
	case ZT_ETRUNCATED: return "pieces of the root set are missing";
	case ZT_ENOTFOUND: return "no root set is published at this name";
	case ZT_EDNS: return "the DNS lookup failed";
	case ZT_EINVALID: return "no root of the set is usable (identities that do not validate?)";
	default: return zt_strerror(err);
	}
}

/* ---------------------------------------------------------------- members and the engine */

/*
 * Fills out[] from locators. An identity is validated (the memory-hard check, a few ms) once: a
 * member already held with the same key keeps its verdict.
 */
static unsigned members_build(const struct svc *s, const struct svc_dynroot *d, const struct zt_locator *locs,
			      unsigned n, struct svc_dynroot_member *out)
{
	for (unsigned i = 0; i < n; i++) {
		const struct zt_locator *loc = &locs[i];
		struct svc_dynroot_member *m = &out[i];
		const struct svc_dynroot_member *old = NULL;

		memset(m, 0, sizeof *m);
		m->id = loc->identity;
		m->id.has_private = false;
		m->locator_timestamp = loc->timestamp;
		for (unsigned j = 0; j < loc->endpoint_count && m->endpoint_count < ZT_NODE_MAX_ROOT_ENDPOINTS; j++)
			if (loc->endpoints[j].type == ZT_ENDPOINT_UDP)
				m->endpoints[m->endpoint_count++] = loc->endpoints[j].udp;
		for (unsigned j = 0; j < d->member_count; j++)
			if (d->members[j].id.address == m->id.address &&
			    !memcmp(d->members[j].id.pub, m->id.pub, sizeof m->id.pub))
				old = &d->members[j];
		if (m->id.address == s->id.address)
			m->problem = "this node's own address";
		else if (old)
			m->problem = old->problem;
		else if (zt_identity_validate(&m->id) != ZT_OK)
			m->problem = "its identity does not validate";
		if (m->problem && !(old && old->problem == m->problem))
			log_warnx("dynamic root %s: root %010llx not used: %s", d->name.name,
				  (unsigned long long)m->id.address, m->problem);
	}
	return n;
}

static unsigned members_usable(const struct svc_dynroot_member *m, unsigned n)
{
	unsigned k = 0;

	for (unsigned i = 0; i < n; i++)
		k += !m[i].problem;
	return k;
}

/* Members from the set, else from the default locator, else none. */
static void members_from_state(struct svc *s, struct svc_dynroot *d)
{
	struct svc_dynroot_member m[ZT_ROOTSET_MAX_ROOTS];
	unsigned n = 0;

	if (d->set)
		n = members_build(s, d, d->set->roots, d->set->root_count, m);
	else if (d->default_locator)
		n = members_build(s, d, d->default_locator, 1, m);
	memcpy(d->members, m, n * sizeof m[0]);
	d->member_count = n;
}

static bool claimed(const struct svc *s, uint64_t address)
{
	for (const struct svc_dynroot *d = s->dynroots; d; d = d->next)
		for (unsigned i = 0; i < d->member_count; i++)
			if (d->members[i].id.address == address && !d->members[i].problem)
				return true;
	return false;
}

static const struct zt_node_root_info *engine_root(const struct zt_node_root_info *roots, size_t n, uint64_t address)
{
	for (size_t i = 0; i < n; i++)
		if (roots[i].address == address)
			return &roots[i];
	return NULL;
}

static bool same_endpoints(const struct zt_node_root_info *r, const struct svc_dynroot_member *m)
{
	if (r->endpoint_count != m->endpoint_count)
		return false;
	for (unsigned i = 0; i < m->endpoint_count; i++)
		if (!zt_inetaddr_equal(&r->endpoints[i], &m->endpoints[i]))
			return false;
	return !memcmp(r->identity.pub, m->id.pub, sizeof m->id.pub);
}

/* Gives one member to the engine unless the engine has it right already (or another source holds it). */
static void member_apply(struct svc *s, const struct svc_dynroot *d, struct svc_dynroot_member *m,
			 const struct zt_node_root_info *roots, size_t n, int64_t now)
{
	const struct zt_node_root_info *r = engine_root(roots, n, m->id.address);
	char name[ZT_NODE_ROOT_NAME_MAX], eps[ZT_INETADDR_STRING_MAX * 2 + 8] = "", a[ZT_INETADDR_STRING_MAX];
	zt_err e;

	/* A static or planet root of that address stays as the operator configured it. */
	if (r && (!svc_dynroot_member_name(r->name) || same_endpoints(r, m))) {
		m->engine_err = ZT_OK;
		return;
	}
	snprintf(name, sizeof name, SVC_DYNROOT_PREFIX "%010llx", (unsigned long long)m->id.address);
	e = zt_node_root_add_static(s->node, &m->id, m->endpoint_count ? m->endpoints : NULL, m->endpoint_count,
				    name, now);
	if (e && e != m->engine_err)
		log_warnx("dynamic root %s: the engine refuses root %010llx: %s%s", d->name.name,
			  (unsigned long long)m->id.address, zt_strerror(e),
			  e == ZT_ELIMIT ? " (the node has 16 roots already)" : "");
	m->engine_err = e;
	if (e)
		return;
	for (unsigned i = 0; i < m->endpoint_count && i < 2; i++) {
		size_t used = strlen(eps);

		snprintf(eps + used, sizeof eps - used, "%s%s", i ? "," : "",
			 zt_inetaddr_format(&m->endpoints[i], a, sizeof a));
	}
	log_info("dynamic root %s: root %010llx %s endpoints=%s%s", d->name.name, (unsigned long long)m->id.address,
		 r ? "updated" : "added", eps[0] ? eps : "-", m->endpoint_count > 2 ? ",..." : "");
	s->next_deadline = now; /* HELLOs went out: the engine's timers are due */
}

void svc_dynroots_sync(struct svc *s)
{
	struct zt_node_root_info roots[ENGINE_ROOTS_MAX];
	uint64_t done[CLAIMED_MAX];
	size_t n = 0, ndone = 0;
	int64_t now = svc_now(s);

	/* Removals first, so a new set's roots find room. Only members of no dynamic root go. */
	zt_node_roots(s->node, now, roots, ENGINE_ROOTS_MAX, &n);
	n = n < ENGINE_ROOTS_MAX ? n : ENGINE_ROOTS_MAX;
	for (size_t i = 0; i < n; i++) {
		if (!svc_dynroot_member_name(roots[i].name) || claimed(s, roots[i].address))
			continue;
		if (zt_node_root_remove(s->node, roots[i].address) == ZT_OK)
			log_info("root %010llx no longer used: no dynamic root lists it", (unsigned long long)roots[i].address);
	}
	zt_node_roots(s->node, now, roots, ENGINE_ROOTS_MAX, &n);
	n = n < ENGINE_ROOTS_MAX ? n : ENGINE_ROOTS_MAX;
	for (struct svc_dynroot *d = s->dynroots; d; d = d->next) {
		for (unsigned i = 0; i < d->member_count; i++) {
			struct svc_dynroot_member *m = &d->members[i];
			bool seen = false;

			for (size_t j = 0; j < ndone && !seen; j++)
				seen = done[j] == m->id.address;
			if (m->problem || seen)
				continue; /* two dynamic roots listing one root: the first one's locator is used */
			done[ndone++] = m->id.address;
			member_apply(s, d, m, roots, n, now);
		}
	}
}

/* ---------------------------------------------------------------- files */

static zt_err dynroot_path(const struct svc *s, const char *name, char *out, size_t cap)
{
	char rel[sizeof SVC_DYNROOTS_DIR + ZT_DNS_NAME_MAX + 2];

	snprintf(rel, sizeof rel, SVC_DYNROOTS_DIR "/%s", name);
	return zt_path_join(out, cap, s->home, rel) ? ZT_ETOOBIG : ZT_OK;
}

static json_t *locator_string(const struct zt_locator *loc)
{
	char text[ZT_LOCATOR_STRING_MAX];

	return zt_locator_to_string(loc, text, sizeof text) < 0 ? NULL : json_string(text);
}

static zt_err dynroot_save(struct svc *s, const struct svc_dynroot *d)
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
	if ((e = dynroot_path(s, d->name.name, path, sizeof path)) ||
	    zt_path_join(dir, sizeof dir, s->home, SVC_DYNROOTS_DIR))
		goto out;
	if (!(e = zt_mkdir_p(dir, DIR_MODE)))
		e = zt_file_write_atomic(path, text, len + 1, FILE_MODE);
out:
	free(text);
	free(set);
	json_decref(doc);
	return e;
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

/* The saved set, checked again with the name's key: a file is no more trusted than DNS. */
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

static struct svc_dynroot *dynroot_new(struct svc *s, const struct zt_dns_name *name)
{
	struct svc_dynroot *d = calloc(1, sizeof *d);

	if (!d)
		return NULL;
	d->svc = s;
	d->name = *name;
	d->next_refresh = svc_now(s);
	return d;
}

static void dynroot_free(struct svc_dynroot *d)
{
	if (!d)
		return;
	free(d->default_locator);
	free(d->set);
	free(d);
}

static void dynroot_link(struct svc *s, struct svc_dynroot *d)
{
	struct svc_dynroot **pp = &s->dynroots;

	while (*pp)
		pp = &(*pp)->next;
	*pp = d;
}

static void dynroot_log_loaded(const struct svc_dynroot *d)
{
	char when[32] = "";

	if (d->set)
		snprintf(when, sizeof when, "%lld", (long long)d->set->timestamp);
	log_info("dynamic root %s: %s roots=%u%s%s", d->name.name,
		 d->set ? "saved set" : d->default_locator ? "default locator (no set yet)" : "no set yet, no default locator,",
		 d->member_count, d->set ? " timestamp=" : "", when);
}

/* Loads roots.d/dynamic/<fname>. Logs and returns NULL if the file is not usable. */
static struct svc_dynroot *dynroot_load(struct svc *s, const char *fname)
{
	struct zt_dns_name name;
	struct svc_dynroot *d = NULL;
	char path[PATH_MAX], err[512];
	const char *why, *v;
	char *text = NULL;
	json_t *doc = NULL;

	if (zt_dns_name_parse(&name, fname, &why) != ZT_OK || strcmp(name.name, fname)) {
		log_warnx("%s/%s skipped: not a dynamic root name in canonical form%s%s", SVC_DYNROOTS_DIR, fname,
			  why ? ": " : "", why ? why : "");
		return NULL;
	}
	if (dynroot_path(s, fname, path, sizeof path) || zt_conf_read(path, false, &text, err, sizeof err) ||
	    zt_conf_parse(text, fname, &doc, err, sizeof err)) {
		log_warnx("dynamic root %s skipped: %s", fname, err);
		goto out;
	}
	if ((v = json_string_value(json_object_get(doc, "name"))) && strcmp(v, name.name)) {
		log_warnx("dynamic root %s skipped: its file names another (\"%.80s\")", fname, v);
		goto out;
	}
	if (!(d = dynroot_new(s, &name)))
		goto out;
	if ((v = json_string_value(json_object_get(doc, "defaultLocator"))) &&
	    !(d->default_locator = svc_dynroot_locator_parse(s, v, &why)))
		log_warnx("dynamic root %s: default locator ignored: %s", fname, why);
	if ((v = json_string_value(json_object_get(doc, "set")))) {
		if ((d->set = saved_set_parse(&name, v, &why)))
			zt_rootset_state_of(&d->state, d->set);
		else
			log_warnx("dynamic root %s: saved set ignored (%s): the next lookup fetches one", fname, why);
	}
	members_from_state(s, d);
	dynroot_log_loaded(d);
out:
	json_decref(doc);
	free(text);
	return d;
}

/* Calls fn for each file name in roots.d/dynamic/ (none if the directory does not exist). */
static void dir_each(struct svc *s, void (*fn)(struct svc *s, const char *fname))
{
	char dir[PATH_MAX];
	struct dirent *de;
	DIR *dp;

	if (zt_path_join(dir, sizeof dir, s->home, SVC_DYNROOTS_DIR))
		return;
	if (!(dp = opendir(dir))) {
		if (errno != ENOENT)
			log_warn("cannot read the dynamic roots in %s", dir);
		return;
	}
	while ((de = readdir(dp)))
		if (de->d_name[0] != '.' && !strstr(de->d_name, ".tmp"))
			fn(s, de->d_name);
	closedir(dp);
}

static void load_new(struct svc *s, const char *fname)
{
	struct svc_dynroot *d;
	unsigned count = 0;

	if (svc_dynroot_find(s, fname))
		return;
	for (d = s->dynroots; d; d = d->next)
		count++;
	if (count >= SVC_DYNROOT_MAX) {
		log_warnx("dynamic root %s skipped: at most %d dynamic roots", fname, SVC_DYNROOT_MAX);
		return;
	}
	if ((d = dynroot_load(s, fname)))
		dynroot_link(s, d);
}

/* ---------------------------------------------------------------- lookups */

static int64_t refresh_delay(const struct svc *s, zt_err err, uint32_t ttl, unsigned failures)
{
	int64_t min = s->settings.dns_refresh_min_ms, d;

	if (!min) {
		d = zt_dns_refresh_delay_ms(err, ttl, failures);
	} else if (!err) {
		d = (int64_t)ttl * 1000;
		d = d < min ? min : d > ZT_DNS_REFRESH_MAX_MS ? ZT_DNS_REFRESH_MAX_MS : d;
	} else {
		for (d = min; failures > 1 && d < ZT_DNS_RETRY_MAX_MS; failures--)
			d *= 2;
		d = d > ZT_DNS_RETRY_MAX_MS ? ZT_DNS_RETRY_MAX_MS : d;
	}
	/* Jitter: nodes that started together do not all ask at the same moment. */
	return d + (int64_t)(zt_random_u64() % (uint64_t)(d / JITTER_DIVISOR + 1));
}

static uint64_t name_hash(const char *name)
{
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */

	for (; *name; name++)
		h = (h ^ (uint8_t)*name) * 0x100000001b3ULL;
	return h;
}

/* A newer set: its roots replace the current ones. Returns ZT_OK or ZT_EINVALID / -ENOMEM (nothing changed). */
static zt_err set_use(struct svc *s, struct svc_dynroot *d, const struct zt_rootset *set, uint32_t ttl)
{
	struct svc_dynroot_member m[ZT_ROOTSET_MAX_ROOTS];
	unsigned n = members_build(s, d, set->roots, set->root_count, m);
	char added[ZT_ROOTSET_MAX_ROOTS * 11 + 1] = "", removed[ZT_ROOTSET_MAX_ROOTS * 11 + 1] = "";
	zt_err e;

	if (!members_usable(m, n))
		return ZT_EINVALID;
	if (!d->set && !(d->set = malloc(sizeof *d->set)))
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++)
		if (!m[i].problem) {
			bool had = false;

			for (unsigned j = 0; j < d->member_count; j++)
				had |= d->members[j].id.address == m[i].id.address && !d->members[j].problem;
			if (!had)
				snprintf(added + strlen(added), sizeof added - strlen(added), "%s%010llx", added[0] ? "," : "",
					 (unsigned long long)m[i].id.address);
		}
	for (unsigned j = 0; j < d->member_count; j++)
		if (!d->members[j].problem && !zt_rootset_find(set, d->members[j].id.address))
			snprintf(removed + strlen(removed), sizeof removed - strlen(removed), "%s%010llx",
				 removed[0] ? "," : "", (unsigned long long)d->members[j].id.address);
	memcpy(d->set, set, sizeof *set);
	zt_rootset_state_of(&d->state, d->set);
	memcpy(d->members, m, n * sizeof m[0]);
	d->member_count = n;
	log_info("dynamic root %s: result=accepted timestamp=%lld roots=%u ttl=%u added=%s removed=%s", d->name.name,
		 (long long)set->timestamp, n, ttl, added[0] ? added : "-", removed[0] ? removed : "-");
	svc_dynroots_sync(s);
	if ((e = dynroot_save(s, d)))
		log_warnx("dynamic root %s: the new set is in use but cannot be saved (the node starts with the "
			  "previous one): %s", d->name.name, zt_strerror(e));
	return ZT_OK;
}

static void failure_log(struct svc *s, struct svc_dynroot *d, zt_err err, const struct zt_dns_result *res,
			int64_t retry_ms, int64_t now)
{
	const struct zt_dns_verdict *v = &res->verdict;
	bool fresh = !d->has_result || d->last_err != err;
	bool allowed = zt_log_ratelimit(name_hash(d->name.name) ^ (uint64_t)(int64_t)err, now, LOG_INTERVAL_MS);
	enum zt_log_level level = err == ZT_EAUTH ? ZT_LOG_ERROR : ZT_LOG_WARN;

	if (!fresh && !allowed)
		level = ZT_LOG_DEBUG;
	zt_log(level,
	       "dynamic root %s: result=rejected error=%s records=%u foreign=%u malformed=%u sets=%u incomplete=%u "
	       "conflicting=%u invalid=%u forged=%u stale=%u failures=%u keeping=%u retry=%llds: %s%s%s",
	       d->name.name, svc_dynroot_err_name(err), v->records, v->foreign, v->malformed, v->sets, v->incomplete,
	       v->conflicting, v->invalid, v->forged, v->stale, d->failures, members_usable(d->members, d->member_count),
	       (long long)(retry_ms / 1000), svc_dynroot_err_text(err), res->detail && res->detail[0] ? ": " : "",
	       res->detail ? res->detail : "");
}

static void lookup_done(void *arg, const struct zt_dns_result *res)
{
	struct svc_dynroot *d = arg;
	struct svc *s = d->svc;
	int64_t now = svc_now(s), delay;
	zt_err err = res->err;

	d->in_flight = false;
	if (d->removed) {
		struct svc_dynroot **pp = &s->dynroots_gone;

		while (*pp && *pp != d)
			pp = &(*pp)->next;
		if (*pp)
			*pp = d->next;
		dynroot_free(d);
		return;
	}
	if (!err && !res->unchanged)
		err = set_use(s, d, res->set, res->ttl);
	d->failures = err ? d->failures + 1 : 0;
	delay = refresh_delay(s, err, res->ttl, d->failures);
	if (err) {
		failure_log(s, d, err, res, delay, now);
		snprintf(d->detail, sizeof d->detail, "%s", res->detail ? res->detail : "");
	} else {
		if (res->unchanged)
			log_debug("dynamic root %s: result=unchanged timestamp=%lld ttl=%u", d->name.name,
				  (long long)d->state.timestamp, res->ttl);
		d->detail[0] = '\0';
		d->ttl = res->ttl;
		d->last_success = now;
	}
	d->has_result = true;
	d->last_err = err;
	d->last_unchanged = !err && res->unchanged;
	d->verdict = res->verdict;
	d->last_refresh = now;
	d->next_refresh = now + delay;
}

static zt_err resolver_open(struct svc *s, int64_t now)
{
	const struct svc_settings *st = &s->settings;
	struct zt_dns_resolver_config cfg = { .servers = st->ndns ? st->dns_servers : NULL,
					      .server_count = (size_t)st->ndns };
	zt_err e = zt_dns_resolver_new(&s->resolver, &cfg);

	if (e && zt_log_ratelimit(RESOLVER_LOG_SOURCE, now, LOG_INTERVAL_MS))
		log_warnx("dynamic roots: cannot start the DNS resolver: %s (tried again at each refresh)", zt_strerror(e));
	return e;
}

/* Drops the resolver and its lookups (their callbacks never run): due again now. */
static void resolver_close(struct svc *s)
{
	zt_dns_resolver_free(s->resolver);
	s->resolver = NULL;
	for (struct svc_dynroot *d = s->dynroots; d; d = d->next)
		if (d->in_flight) {
			d->in_flight = false;
			d->next_refresh = svc_now(s);
		}
	while (s->dynroots_gone) {
		struct svc_dynroot *d = s->dynroots_gone;

		s->dynroots_gone = d->next;
		dynroot_free(d);
	}
}

static void lookup_start(struct svc *s, struct svc_dynroot *d, int64_t now)
{
	zt_err e;

	if (!s->resolver && resolver_open(s, now)) {
		d->next_refresh = now + refresh_delay(s, ZT_EDNS, 0, d->failures + 1);
		return;
	}
	d->in_flight = true; /* before the call: c-ares may answer (fail) at once, from inside it */
	e = zt_dns_resolve_rootset(s->resolver, &d->name, d->state.valid ? &d->state : NULL, lookup_done, d);
	if (e) {
		d->in_flight = false;
		d->next_refresh = now + refresh_delay(s, e, 0, d->failures + 1);
		log_warnx("dynamic root %s: cannot start a lookup: %s", d->name.name, zt_strerror(e));
	}
}

/* ---------------------------------------------------------------- the service's entry points */

struct svc_dynroot *svc_dynroot_find(struct svc *s, const char *name)
{
	for (struct svc_dynroot *d = s->dynroots; d; d = d->next)
		if (!strcmp(d->name.name, name))
			return d;
	return NULL;
}

zt_err svc_dynroot_add(struct svc *s, const struct zt_dns_name *name, const struct zt_locator *deflt,
		       struct svc_dynroot **out)
{
	struct svc_dynroot *d = svc_dynroot_find(s, name->name), *fresh = NULL;
	struct zt_locator *loc = NULL, *old_loc;
	unsigned count = 0;
	zt_err e;

	*out = NULL;
	if (!d) {
		for (struct svc_dynroot *x = s->dynroots; x; x = x->next)
			count++;
		if (count >= SVC_DYNROOT_MAX)
			return ZT_ELIMIT;
		if (!(d = fresh = dynroot_new(s, name)))
			return -ENOMEM;
	}
	if (deflt) {
		if (!(loc = malloc(sizeof *loc))) {
			dynroot_free(fresh);
			return -ENOMEM;
		}
		*loc = *deflt;
	}
	old_loc = d->default_locator;
	if (loc)
		d->default_locator = loc;
	if ((e = dynroot_save(s, d))) {
		d->default_locator = old_loc;
		free(loc);
		dynroot_free(fresh);
		return e;
	}
	if (loc)
		free(old_loc);
	if (fresh)
		dynroot_link(s, d);
	if (fresh || (loc && !d->set)) {
		members_from_state(s, d);
		svc_dynroots_sync(s);
	}
	if (!d->in_flight)
		d->next_refresh = svc_now(s);
	*out = d;
	return ZT_OK;
}

zt_err svc_dynroot_remove(struct svc *s, struct svc_dynroot *d)
{
	struct svc_dynroot **pp = &s->dynroots;
	char path[PATH_MAX];
	zt_err e = dynroot_path(s, d->name.name, path, sizeof path);

	if (!e && unlink(path) != 0 && errno != ENOENT)
		e = -errno;
	if (e)
		return e;
	while (*pp && *pp != d)
		pp = &(*pp)->next;
	if (*pp)
		*pp = d->next;
	d->member_count = 0;
	svc_dynroots_sync(s); /* d is unlinked: its members go unless another dynamic root lists them */
	if (d->in_flight) {
		d->removed = true;
		d->next = s->dynroots_gone;
		s->dynroots_gone = d;
	} else {
		dynroot_free(d);
	}
	return ZT_OK;
}

void svc_dynroots_start(struct svc *s)
{
	resolver_open(s, svc_now(s));
	dir_each(s, load_new);
	svc_dynroots_sync(s);
}

void svc_dynroots_reload(struct svc *s)
{
	char path[PATH_MAX];
	struct svc_dynroot *d = s->dynroots, *next;

	for (; d; d = next) {
		next = d->next;
		if (dynroot_path(s, d->name.name, path, sizeof path) == ZT_OK && !zt_file_exists(path)) {
			log_info("dynamic root %s no longer used: its file in " SVC_DYNROOTS_DIR "/ is gone", d->name.name);
			svc_dynroot_remove(s, d);
		}
	}
	dir_each(s, load_new);
	svc_dynroots_sync(s);
}

void svc_dynroots_stop(struct svc *s)
{
	resolver_close(s);
	while (s->dynroots) {
		struct svc_dynroot *d = s->dynroots;

		s->dynroots = d->next;
		dynroot_free(d);
	}
}

void svc_dynroots_settings(struct svc *s, const struct svc_settings *next)
{
	const struct svc_settings *cur = &s->settings;
	bool same = cur->ndns == next->ndns;

	for (int i = 0; same && i < next->ndns; i++)
		same = zt_inetaddr_equal(&cur->dns_servers[i], &next->dns_servers[i]);
	if (same || !s->resolver)
		return;
	log_info("dynamic roots: dnsServers changed: a new resolver (lookups in flight start again)");
	resolver_close(s);
	/* Opened again by the next lookup, with the new settings (s->settings is updated by then). */
}

int svc_dynroots_pollfds(struct svc *s, struct pollfd *fds, int max)
{
	return s->resolver ? zt_dns_resolver_pollfds(s->resolver, fds, max) : 0;
}

int64_t svc_dynroots_wake(struct svc *s, int64_t now)
{
	int64_t t = INT64_MAX;
	int ms;

	for (const struct svc_dynroot *d = s->dynroots; d; d = d->next)
		if (!d->in_flight && d->next_refresh < t)
			t = d->next_refresh;
	if (s->resolver && (ms = zt_dns_resolver_timeout_ms(s->resolver)) >= 0 && now + ms < t)
		t = now + ms;
	return t;
}

void svc_dynroots_process(struct svc *s, const struct pollfd *fds, int n, int64_t now)
{
	if (s->resolver && zt_dns_resolver_pending(s->resolver))
		zt_dns_resolver_process(s->resolver, fds, n);
	for (struct svc_dynroot *d = s->dynroots; d; d = d->next)
		if (!d->in_flight && d->next_refresh <= now)
			lookup_start(s, d, now);
}
