/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The local API of dynamic roots: GET, POST/PUT and DELETE /root/<name>, where <name> is a
 * dynamic root name (ztr1-<key>.<domain>), and the dynamic roots' documents in GET /root.
 * docs/man/zerotier-node.8 describes the documents.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>

#include "common/log.h"
#include "dynroots.h"
#include "node/hex.h"

#define ALLOW_ROOT "GET, POST, PUT, DELETE"
#define PREFIX_LEN (sizeof ZT_DNS_LABEL_PREFIX - 1)

bool svc_dynroot_arg(const char *arg)
{
	return !strncasecmp(arg, ZT_DNS_LABEL_PREFIX, PREFIX_LEN);
}

static json_t *jstring_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *verdict_json(const struct zt_dns_verdict *v)
{
	return json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i}", "records", (int)v->records, "foreign",
			 (int)v->foreign, "malformed", (int)v->malformed, "sets", (int)v->sets, "dropped",
			 (int)v->dropped, "incomplete", (int)v->incomplete, "conflicting", (int)v->conflicting,
			 "invalid", (int)v->invalid, "forged", (int)v->forged, "stale", (int)v->stale);
}

static const struct zt_node_root_info *engine_root(const struct zt_node_root_info *roots, size_t n, uint64_t address)
{
	for (size_t i = 0; i < n; i++)
		if (roots[i].address == address)
			return &roots[i];
	return NULL;
}

static json_t *member_json(const struct svc_dynroot_member *m, const struct zt_node_root_info *r)
{
	char address[11], id[ZT_IDENTITY_STRING_MAX], problem[128];
	const char *why = m->problem;

	zt_address_format(address, m->id.address);
	if (zt_identity_to_string(&m->id, false, id, sizeof id) < 0)
		return NULL;
	if (!why && m->engine_err) {
		snprintf(problem, sizeof problem, "the engine refuses it: %s", zt_strerror(m->engine_err));
		why = problem;
	}
	return json_pack("{s:s, s:s, s:o, s:I, s:b, s:o, s:b, s:b, s:I, s:I, s:o}", "address", address, "identity", id,
			 "endpoints", svc_json_addrs(m->endpoints, m->endpoint_count), "locatorTimestamp",
			 (json_int_t)m->locator_timestamp, "used", !why && r, "problem", jstring_or_null(why), "online",
			 r && r->online, "preferred", r && r->preferred, "latency", (json_int_t)(r ? r->latency_ms : -1),
			 "lastReceive", (json_int_t)(r ? r->last_receive : 0), "engineName",
			 jstring_or_null(r ? r->name : NULL));
}

static json_t *dynroot_json(const struct svc_dynroot *d, const struct zt_node_root_info *roots, size_t n, int64_t now)
{
	char digest[2 * ZT_ROOTSET_DIGEST_LEN + 1], loc[ZT_LOCATOR_STRING_MAX];
	json_t *members = json_array();
	bool online = false;
	const char *result = NULL;

	for (unsigned i = 0; members && i < d->member_count; i++) {
		const struct zt_node_root_info *r = engine_root(roots, n, d->members[i].id.address);

		online |= r && r->online && !d->members[i].problem;
		if (json_array_append_new(members, member_json(&d->members[i], r))) {
			json_decref(members);
			return NULL;
		}
	}
	if (d->set)
		zt_hex_encode(digest, d->state.digest, sizeof d->state.digest);
	if (d->has_result)
		result = d->last_err ? "rejected" : d->last_unchanged ? "unchanged" : "accepted";
	if (!d->default_locator || zt_locator_to_string(d->default_locator, loc, sizeof loc) < 0)
		loc[0] = '\0';
	return json_pack("{s:s, s:s, s:b, s:b, s:o, s:o, s:o, s:o, s:I, s:I, s:I, s:I, s:b, s:i, s:o, s:o, s:o, s:o, s:o}",
			 "name", d->name.name, "source", "dynamic", "online", online, "usingDefault",
			 !d->set && d->default_locator, "defaultLocator", jstring_or_null(loc[0] ? loc : NULL),
			 "setTimestamp", d->set ? json_integer(d->set->timestamp) : json_null(), "setDigest",
			 jstring_or_null(d->set ? digest : NULL), "ttl",
			 d->last_success ? json_integer(d->ttl) : json_null(), "lastRefresh", (json_int_t)d->last_refresh,
			 "lastSuccess", (json_int_t)d->last_success, "nextRefresh",
			 (json_int_t)(d->in_flight ? now : d->next_refresh), "nextRefreshIn",
			 (json_int_t)(d->in_flight || d->next_refresh < now ? 0 : d->next_refresh - now), "refreshing",
			 d->in_flight, "failures", (int)d->failures, "lastResult", jstring_or_null(result), "lastError",
			 jstring_or_null(d->has_result && d->last_err ? svc_dynroot_err_name(d->last_err) : NULL),
			 "lastErrorMessage",
			 d->has_result && d->last_err
				 ? json_sprintf("%s%s%s", svc_dynroot_err_text(d->last_err), d->detail[0] ? ": " : "",
						d->detail)
				 : json_null(),
			 "verdict", d->has_result ? verdict_json(&d->verdict) : json_null(), "members", members);
}

static size_t engine_roots(struct svc *s, int64_t now, struct zt_node_root_info *out)
{
	size_t n = 0;

	zt_node_roots(s->node, now, out, ZT_NODE_MAX_ROOTS, &n);
	return n < ZT_NODE_MAX_ROOTS ? n : ZT_NODE_MAX_ROOTS;
}

void svc_dynroots_json_append(struct svc *s, json_t *arr, int64_t now)
{
	struct zt_node_root_info roots[ZT_NODE_MAX_ROOTS];
	size_t n = engine_roots(s, now, roots);

	for (const struct svc_dynroot *d = s->dynroots; d; d = d->next)
		json_array_append_new(arr, dynroot_json(d, roots, n, now));
}

/* The optional body of POST: {} or {"defaultLocator": "loc1:..."}; answers 400 and returns false if bad. */
static bool add_body(struct svc *s, struct api_req *req, struct zt_locator **loc)
{
	json_error_t je;
	json_t *doc = NULL, *v;
	const char *key;

	*loc = NULL;
	if (!req->body || !req->body_len)
		return true;
	doc = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(doc)) {
		api_finish_error(&s->api, req, MHD_HTTP_BAD_REQUEST, "the body must be a JSON object (%s)",
				 doc ? "not an object" : je.text);
		json_decref(doc);
		return false;
	}
	json_object_foreach(doc, key, v) {
		if (strcmp(key, "defaultLocator")) {
			api_finish_error(&s->api, req, MHD_HTTP_BAD_REQUEST,
					 "\"%.40s\": unknown key (a dynamic root takes only \"defaultLocator\")", key);
			goto fail;
		}
	}
	v = json_object_get(doc, "defaultLocator");
	if (v && !json_is_null(v)) {
		const char *why = "it must be a string: loc1:<address>:<base64url>";

		if (!json_is_string(v) || !(*loc = svc_dynroot_locator_parse(s, json_string_value(v), &why))) {
			api_finish_error(&s->api, req, MHD_HTTP_BAD_REQUEST, "\"defaultLocator\": %s", why);
			goto fail;
		}
	}
	json_decref(doc);
	return true;
fail:
	free(*loc);
	*loc = NULL;
	json_decref(doc);
	return false;
}

static void dynroot_add(struct svc *s, struct api_req *req, const struct zt_dns_name *name, int64_t now)
{
	struct zt_node_root_info roots[ZT_NODE_MAX_ROOTS];
	struct zt_locator *loc;
	struct svc_dynroot *d;
	bool existed = svc_dynroot_find(s, name->name) != NULL;
	zt_err e;

	if (!add_body(s, req, &loc))
		return;
	e = svc_dynroot_add(s, name, loc, &d);
	if (e == ZT_ELIMIT) {
		api_finish_error(&s->api, req, MHD_HTTP_CONFLICT, "a node follows at most %d dynamic roots",
				 SVC_DYNROOT_MAX);
	} else if (e) {
		api_finish_error(&s->api, req, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot save dynamic root %s: %s",
				 name->name, zt_strerror(e));
	} else {
		if (loc)
			log_info("dynamic root %s %s through the API, default locator: root %010llx (used until the "
				 "first lookup succeeds)", name->name, existed ? "updated" : "added",
				 (unsigned long long)loc->identity.address);
		else
			log_info("dynamic root %s %s through the API", name->name, existed ? "updated" : "added");
		api_finish(&s->api, req, MHD_HTTP_OK, dynroot_json(d, roots, engine_roots(s, now, roots), now));
	}
	free(loc);
}

void svc_dynroot_serve(struct svc *s, struct api_req *req, const char *arg, int64_t now)
{
	struct zt_node_root_info roots[ZT_NODE_MAX_ROOTS];
	struct zt_dns_name name;
	struct svc_dynroot *d;
	const char *why = NULL;
	json_t *doc;
	zt_err e;

	/* The key label's checksum is checked before anything else: a damaged name is never looked up. */
	if (zt_dns_name_parse(&name, arg, &why) != ZT_OK) {
		api_finish_error(&s->api, req, MHD_HTTP_BAD_REQUEST, "refusing dynamic root name '%.100s%s': %s", arg,
				 strlen(arg) > 100 ? "..." : "", why ? why : "not a dynamic root name");
		return;
	}
	if (!strcmp(req->method, "POST") || !strcmp(req->method, "PUT")) {
		dynroot_add(s, req, &name, now);
		return;
	}
	if (strcmp(req->method, "GET") && strcmp(req->method, "DELETE")) {
		req->allow = ALLOW_ROOT;
		api_finish_error(&s->api, req, MHD_HTTP_METHOD_NOT_ALLOWED, "method %s not allowed here (allowed: %s)",
				 req->method, ALLOW_ROOT);
		return;
	}
	if (!(d = svc_dynroot_find(s, name.name))) {
		api_finish_error(&s->api, req, MHD_HTTP_NOT_FOUND, "no dynamic root %s", name.name);
		return;
	}
	doc = dynroot_json(d, roots, engine_roots(s, now, roots), now);
	if (!strcmp(req->method, "GET")) {
		api_finish(&s->api, req, MHD_HTTP_OK, doc);
		return;
	}
	if ((e = svc_dynroot_remove(s, d))) {
		json_decref(doc);
		api_finish_error(&s->api, req, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot remove the file of %s: %s",
				 name.name, zt_strerror(e));
		return;
	}
	log_info("dynamic root %s removed through the API", name.name);
	api_finish(&s->api, req, MHD_HTTP_OK, doc);
}
