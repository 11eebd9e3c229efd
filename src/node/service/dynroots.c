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
 * Files: dynroots_file.c; the API: dynroots_api.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "dns/resolve.h"
#include "dynroots.h"
#include "node/crypto.h"

#define PREFIX_LEN (sizeof SVC_DYNROOT_PREFIX - 1)
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

/* ---------------------------------------------------------------- the list */

struct svc_dynroot *svc_dynroot_new(struct svc *s, const struct zt_dns_name *name)
{
	struct svc_dynroot *d = calloc(1, sizeof *d);

	if (!d)
		return NULL;
	d->svc = s;
	d->name = *name;
	d->next_refresh = svc_now(s);
	return d;
}

void svc_dynroot_free(struct svc_dynroot *d)
{
	if (!d)
		return;
	free(d->default_locator);
	free(d->set);
	free(d);
}

static unsigned dynroot_count(const struct svc *s)
{
	unsigned n = 0;

	for (const struct svc_dynroot *d = s->dynroots; d; d = d->next)
		n++;
	return n;
}

static void dynroot_link(struct svc *s, struct svc_dynroot *d)
{
	struct svc_dynroot **pp = &s->dynroots;

	while (*pp)
		pp = &(*pp)->next;
	*pp = d;
}

/* A dynamic root read from its file: its set (or default locator) is used at once. */
static void dynroot_loaded(struct svc *s, struct svc_dynroot *d)
{
	char ts[32] = "";

	if (dynroot_count(s) >= SVC_DYNROOT_MAX) {
		log_warnx("dynamic root %s skipped: at most %d dynamic roots", d->name.name, SVC_DYNROOT_MAX);
		svc_dynroot_free(d);
		return;
	}
	members_from_state(s, d);
	if (d->set)
		snprintf(ts, sizeof ts, " timestamp=%lld", (long long)d->set->timestamp);
	const char *what = d->set ? "saved set" : d->default_locator ? "default locator (no set yet)"
								       : "no set yet, no default locator,";

	log_info("dynamic root %s: %s roots=%u%s", d->name.name, what, d->member_count, ts);
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
	if ((e = svc_dynroot_save(s, d)))
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
		svc_dynroot_free(d);
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
		svc_dynroot_free(d);
	}
}

static void lookup_start(struct svc *s, struct svc_dynroot *d, int64_t now)
{
	zt_err e;

	if (!s->resolver && resolver_open(s, now)) {
		/* Recorded like a failed lookup, so `zerotier roots` says why nothing happens. */
		d->failures++;
		d->has_result = true;
		d->last_err = ZT_EDNS;
		d->last_unchanged = false;
		memset(&d->verdict, 0, sizeof d->verdict);
		snprintf(d->detail, sizeof d->detail, "the resolver cannot start");
		d->last_refresh = now;
		d->next_refresh = now + refresh_delay(s, ZT_EDNS, 0, d->failures);
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
	zt_err e;

	*out = NULL;
	if (!d) {
		if (dynroot_count(s) >= SVC_DYNROOT_MAX)
			return ZT_ELIMIT;
		if (!(d = fresh = svc_dynroot_new(s, name)))
			return -ENOMEM;
	}
	if (deflt) {
		if (!(loc = malloc(sizeof *loc))) {
			svc_dynroot_free(fresh);
			return -ENOMEM;
		}
		*loc = *deflt;
	}
	old_loc = d->default_locator;
	if (loc)
		d->default_locator = loc;
	if ((e = svc_dynroot_save(s, d))) {
		d->default_locator = old_loc;
		free(loc);
		svc_dynroot_free(fresh);
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
	zt_err e = svc_dynroot_unlink(s, d);

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
		svc_dynroot_free(d);
	}
	return ZT_OK;
}

void svc_dynroots_start(struct svc *s)
{
	resolver_open(s, svc_now(s));
	svc_dynroot_files_load(s, dynroot_loaded);
	svc_dynroots_sync(s);
}

void svc_dynroots_reload(struct svc *s)
{
	struct svc_dynroot *d = s->dynroots, *next;

	for (; d; d = next) {
		next = d->next;
		if (!svc_dynroot_file_exists(s, d)) {
			log_info("dynamic root %s no longer used: its file in " SVC_DYNROOTS_DIR "/ is gone", d->name.name);
			svc_dynroot_remove(s, d);
		}
	}
	svc_dynroot_files_load(s, dynroot_loaded);
	svc_dynroots_sync(s);
}

void svc_dynroots_stop(struct svc *s)
{
	resolver_close(s);
	while (s->dynroots) {
		struct svc_dynroot *d = s->dynroots;

		s->dynroots = d->next;
		svc_dynroot_free(d);
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
