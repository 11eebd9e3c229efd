/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The local API's endpoints, run on the event-loop thread (the only one that touches the engine).
 * Every answer is JSON; errors are {"error": "...", "status": N}. docs/man/zerotier-node.8 lists
 * the endpoints and their documents.
 */
#include <config.h> /* PACKAGE_VERSION */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <microhttpd.h>

#include "common/log.h"
#include "node/constants.h"
#include "node/hex.h"
#include "service.h"

#define ALLOW_GET "GET"
#define ALLOW_GET_POST "GET, POST"
#define ALLOW_POST "POST"
#define ALLOW_ROOT "GET, POST, PUT, DELETE"
#define ERR_MAX 512

/* ---------------------------------------------------------------- JSON documents */

static json_t *jaddr(const struct zt_inetaddr *a)
{
	char s[ZT_INETADDR_STRING_MAX];

	return a->family == ZT_INETADDR_NIL ? json_null() : json_string(zt_inetaddr_format(a, s, sizeof s));
}

static json_t *jaddress(uint64_t address)
{
	char s[11];

	zt_address_format(s, address);
	return json_string(s);
}

static json_t *jidentity(const struct zt_identity *id)
{
	char s[ZT_IDENTITY_STRING_MAX];

	return zt_identity_to_string(id, false, s, sizeof s) < 0 ? NULL : json_string(s);
}

static json_t *path_json(const struct zt_node_path_info *p)
{
	return json_pack("{s:o, s:I, s:I, s:I, s:b, s:b, s:b}", "address", jaddr(&p->addr), "localSocket",
			 (json_int_t)p->local_socket, "lastSend", (json_int_t)p->last_send, "lastReceive",
			 (json_int_t)p->last_receive, "active", p->active, "preferred", p->preferred, "expired",
			 p->expired);
}

static json_t *peer_json(const struct zt_node_peer_info *p)
{
	json_t *paths = json_array(), *o;
	char version[32];

	for (unsigned i = 0; paths && i < p->path_count && i < ZT_NODE_MAX_PATHS; i++)
		if (json_array_append_new(paths, path_json(&p->paths[i]))) {
			json_decref(paths);
			return NULL;
		}
	if (p->version_major >= 0)
		snprintf(version, sizeof version, "%d.%d.%d", p->version_major, p->version_minor, p->version_revision);
	o = json_pack("{s:o, s:s, s:o, s:o, s:i, s:i, s:i, s:i, s:I, s:I, s:I, s:b, s:o}", "address",
		      jaddress(p->address), "role", p->role == ZT_NODE_PEER_ROOT ? "ROOT" : "LEAF", "identity",
		      jidentity(&p->identity), "version", p->version_major >= 0 ? json_string(version) : json_null(),
		      "versionMajor", p->version_major, "versionMinor", p->version_minor, "versionRev",
		      p->version_revision, "protocolVersion", p->proto_version, "latency", (json_int_t)p->latency_ms,
		      "lastReceive", (json_int_t)p->last_receive, "lastSend", (json_int_t)p->last_send, "direct",
		      p->direct, "paths", paths);
	return o;
}

static json_t *root_json(const struct zt_node_root_info *r)
{
	const char *source = r->source == ZT_NODE_ROOT_PLANET		? "planet"
			     : svc_dynroot_member_name(r->name) ? "dynamic"
								    : "static";
	json_t *eps = svc_json_addrs(r->endpoints, r->endpoint_count < ZT_NODE_MAX_ROOT_ENDPOINTS
							   ? r->endpoint_count
							   : ZT_NODE_MAX_ROOT_ENDPOINTS);

	return json_pack("{s:s, s:o, s:s, s:o, s:o, s:b, s:b, s:I, s:I, s:I, s:o}", "name", r->name, "address",
			 jaddress(r->address), "source", source,
			 "identity", jidentity(&r->identity), "endpoints", eps, "online", r->online, "preferred",
			 r->preferred, "latency", (json_int_t)r->latency_ms, "lastReceive", (json_int_t)r->last_receive,
			 "lastHello", (json_int_t)r->last_hello, "externalAddress", jaddr(&r->external));
}

static json_t *config_json(const struct svc *s)
{
	return json_pack("{s:o}", "settings", svc_settings_json(&s->settings));
}

static json_t *status_json(struct svc *s, int64_t now)
{
	struct zt_node_status st;
	struct utsname un;
	json_t *bound = json_array(), *ports, *planet, *counters;
	char version[32];

	zt_node_status(s->node, now, &st);
	for (int i = 0; bound && i < s->udp.n; i++)
		json_array_append_new(bound, jaddr(&s->udp.socks[i].local));
	ports = json_pack("{s:i, s:o, s:o}", "primary", s->udp.port[SVC_PORT_PRIMARY], "secondary",
			  s->udp.port[SVC_PORT_SECONDARY] ? json_integer(s->udp.port[SVC_PORT_SECONDARY]) : json_null(),
			  "tertiary",
			  s->udp.port[SVC_PORT_TERTIARY] ? json_integer(s->udp.port[SVC_PORT_TERTIARY]) : json_null());
	planet = st.planet_id ? json_pack("{s:I, s:I}", "id", (json_int_t)st.planet_id, "timestamp",
					  (json_int_t)st.planet_timestamp)
			      : json_null();
	counters = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "rxDatagrams", (json_int_t)st.rx_datagrams,
			     "rxPackets", (json_int_t)st.rx_packets, "rxDropped", (json_int_t)st.rx_dropped,
			     "rxAuthFailed", (json_int_t)st.rx_auth_failed, "txDatagrams", (json_int_t)st.tx_datagrams,
			     "txFailed", (json_int_t)st.tx_failed, "whoisSent", (json_int_t)st.whois_sent,
			     "relayedSent", (json_int_t)st.relayed_sent);
	if (uname(&un) != 0)
		memset(&un, 0, sizeof un);
	snprintf(version, sizeof version, "%d.%d.%d", ZT_SOFTWARE_VERSION_MAJOR, ZT_SOFTWARE_VERSION_MINOR,
		 ZT_SOFTWARE_VERSION_REVISION);
	return json_pack("{s:o, s:s, s:b, s:b, s:I, s:I, s:s, s:i, s:i, s:i, s:s, s:i, s:s, s:s, s:o, s:o, s:o,"
			 " s:o, s:i, s:i, s:i, s:i, s:i, s:o, s:o, s:o}",
			 "address", jaddress(st.address), "publicIdentity", st.public_identity, "online", st.online,
			 "identityCollision", st.collision, "clock", (json_int_t)now, "startupTime",
			 (json_int_t)s->start_time, "version", version, "versionMajor", ZT_SOFTWARE_VERSION_MAJOR,
			 "versionMinor", ZT_SOFTWARE_VERSION_MINOR, "versionRev", ZT_SOFTWARE_VERSION_REVISION,
			 "packageVersion", PACKAGE_VERSION, "protocolVersion", ZT_PROTO_VERSION, "os", un.sysname,
			 "arch", un.machine, "home", json_string(s->home), "ports", ports, "boundAddresses", bound,
			 "externalAddress", jaddr(&st.external), "peerCount", (int)st.peer_count, "directPeerCount",
			 (int)st.direct_peer_count, "pathCount", (int)st.path_count, "rootCount", (int)st.root_count,
			 "rootsOnline", (int)st.roots_online, "mappedAddress", jaddr(&s->mapped), "planet", planet,
			 "counters", counters);
}

/* ---------------------------------------------------------------- helpers */

/* Splits "/peer/89e92ceee5" into "peer" and "89e92ceee5" (arg "" when absent); false if deeper. */
static bool split_path(const char *path, char *first, size_t fcap, const char **arg)
{
	const char *p = path[0] == '/' ? path + 1 : path, *slash = strchr(p, '/');
	size_t n = slash ? (size_t)(slash - p) : strlen(p);

	if (n >= fcap)
		return false;
	memcpy(first, p, n);
	first[n] = '\0';
	*arg = slash ? slash + 1 : "";
	if (strchr(*arg, '/'))
		return false;
	return true;
}

static void method_not_allowed(struct svc *s, struct api_req *req, const char *allow)
{
	req->allow = allow;
	api_finish_error(&s->api, req, MHD_HTTP_METHOD_NOT_ALLOWED, "method %s not allowed here (allowed: %s)",
			 req->method, allow);
}

static bool is(const struct api_req *req, const char *method)
{
	return !strcmp(req->method, method);
}

/* Parses the body as a JSON object; answers 400 and returns NULL if it is not one. */
static json_t *body_object(struct svc *s, struct api_req *req)
{
	json_error_t je;
	json_t *doc = req->body ? json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &je) : NULL;

	if (!req->body) {
		api_finish_error(&s->api, req, MHD_HTTP_BAD_REQUEST, "a JSON object is required in the body");
		return NULL;
	}
	if (!doc) {
		api_finish_error(&s->api, req, MHD_HTTP_BAD_REQUEST, "body: line %d column %d: %s", je.line, je.column,
				 je.text);
		return NULL;
	}
	if (!json_is_object(doc)) {
		json_decref(doc);
		api_finish_error(&s->api, req, MHD_HTTP_BAD_REQUEST, "the body must be a JSON object");
		return NULL;
	}
	return doc;
}

static bool parse_address(struct svc *s, struct api_req *req, const char *arg, uint64_t *address)
{
	if (zt_address_parse(address, arg))
		return true;
	api_finish_error(&s->api, req, MHD_HTTP_BAD_REQUEST, "'%.40s' is not a node address (10 hex digits)", arg);
	return false;
}

/* ---------------------------------------------------------------- endpoints */

static void serve_config(struct svc *s, struct api_req *req)
{
	char err[ERR_MAX];
	struct svc_settings next;
	json_t *body, *patch, *doc;
	zt_err e;

	if (is(req, "GET")) {
		api_finish(&s->api, req, MHD_HTTP_OK, config_json(s));
		return;
	}
	if (!is(req, "POST") && !is(req, "PUT")) {
		method_not_allowed(s, req, ALLOW_GET_POST);
		return;
	}
	if (!(body = body_object(s, req)))
		return;
	patch = json_object_get(body, "settings");
	doc = svc_conf_patch(s->conf, patch ? patch : body, &next, err, sizeof err);
	json_decref(body);
	if (!doc) {
		api_finish_error(&s->api, req, MHD_HTTP_BAD_REQUEST, "%s", err);
		return;
	}
	if ((e = svc_apply_settings(s, &next, err, sizeof err))) {
		json_decref(doc);
		api_finish_error(&s->api, req, MHD_HTTP_CONFLICT, "%s", err);
		return;
	}
	json_decref(s->conf);
	s->conf = doc;
	if ((e = svc_conf_save(s->conf_path, s->conf))) {
		log_warnx("cannot write %s: %s", s->conf_path, zt_strerror(e));
		api_finish_error(&s->api, req, MHD_HTTP_INTERNAL_SERVER_ERROR,
				 "applied, but %s could not be written: %s", s->conf_path, zt_strerror(e));
		return;
	}
	log_info("settings changed through the API: written to %s", s->conf_path);
	api_finish(&s->api, req, MHD_HTTP_OK, config_json(s));
}

static void serve_peer(struct svc *s, struct api_req *req, const char *arg, int64_t now)
{
	struct zt_node_peer_info *peers = NULL;
	size_t count = 0;
	uint64_t address;
	json_t *arr;

	if (!is(req, "GET")) {
		method_not_allowed(s, req, ALLOW_GET);
		return;
	}
	if (arg[0]) {
		struct zt_node_peer_info *p;

		if (!parse_address(s, req, arg, &address))
			return;
		if (!(p = malloc(sizeof *p))) {
			api_finish(&s->api, req, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL);
			return;
		}
		if (zt_node_peer(s->node, now, address, p) != ZT_OK) {
			free(p);
			api_finish_error(&s->api, req, MHD_HTTP_NOT_FOUND, "no peer %010llx", (unsigned long long)address);
			return;
		}
		api_finish(&s->api, req, MHD_HTTP_OK, peer_json(p));
		free(p);
		return;
	}
	zt_node_peers(s->node, now, NULL, 0, &count);
	if (count && !(peers = calloc(count, sizeof *peers))) {
		api_finish(&s->api, req, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL);
		return;
	}
	zt_node_peers(s->node, now, peers, count, &count);
	arr = json_array();
	for (size_t i = 0; arr && i < count; i++)
		if (json_array_append_new(arr, peer_json(&peers[i]))) {
			json_decref(arr);
			arr = NULL;
		}
	free(peers);
	api_finish(&s->api, req, MHD_HTTP_OK, arr);
}

static size_t roots_get(struct svc *s, int64_t now, struct zt_node_root_info *out)
{
	size_t count = 0;

	zt_node_roots(s->node, now, out, ZT_NODE_MAX_ROOTS, &count);
	return count < ZT_NODE_MAX_ROOTS ? count : ZT_NODE_MAX_ROOTS;
}

/* The root named `name`, or whose address is `name`. */
static const struct zt_node_root_info *root_find(const struct zt_node_root_info *roots, size_t n, const char *name)
{
	uint64_t address;
	bool by_address = zt_address_parse(&address, name);

	for (size_t i = 0; i < n; i++)
		if (!strcmp(roots[i].name, name) || (by_address && roots[i].address == address))
			return &roots[i];
	return NULL;
}

static void root_add(struct svc *s, struct api_req *req, const char *name, int64_t now)
{
	struct zt_node_root_info roots[ZT_NODE_MAX_ROOTS];
	struct zt_conf_ctx x;
	struct zt_identity id;
	struct zt_inetaddr eps[ZT_NODE_MAX_ROOT_ENDPOINTS];
	char err[ERR_MAX] = "";
	json_t *body, *v;
	int n = 0;
	zt_err e;

	if (!(body = body_object(s, req)))
		return;
	x = (struct zt_conf_ctx){ "body", err, sizeof err };
	v = json_object_get(body, "identity");
	if (!json_is_string(v) || zt_identity_from_string(&id, json_string_value(v)) != ZT_OK) {
		json_decref(body);
		api_finish_error(&s->api, req, MHD_HTTP_BAD_REQUEST,
				 "\"identity\" must be an identity string (<address>:0:<public key>)");
		return;
	}
	id.has_private = false;
	v = json_object_get(body, "endpoints");
	if (!v || svc_conf_addrs(&x, v, "endpoints", eps, ZT_NODE_MAX_ROOT_ENDPOINTS, &n) || n == 0) {
		json_decref(body);
		api_finish_error(&s->api, req, MHD_HTTP_BAD_REQUEST, "%s",
				 v && err[0] ? err : "\"endpoints\" must list the root's IP/port addresses");
		return;
	}
	json_decref(body);
	size_t count = roots_get(s, now, roots);
	for (size_t i = 0; i < count; i++) {
		if (roots[i].address == id.address && roots[i].source == ZT_NODE_ROOT_PLANET) {
			api_finish_error(&s->api, req, MHD_HTTP_CONFLICT,
					 "%010llx is a root of the planet file already (as %s)",
					 (unsigned long long)id.address, roots[i].name);
			return;
		}
	}
	e = zt_node_root_add_static(s->node, &id, eps, (size_t)n, name, now);
	if (e) {
		unsigned status = e == ZT_ELIMIT || e == ZT_EEXIST ? MHD_HTTP_CONFLICT : MHD_HTTP_BAD_REQUEST;

		api_finish_error(&s->api, req, status, "cannot add root %s: %s%s", name, zt_strerror(e),
				 e == ZT_EINVALID ? " (the identity does not validate, or it is this node's own)"
				 : e == ZT_ELIMIT ? " (too many roots)"
				 : e == ZT_EEXIST ? " (another root has this name)"
						  : "");
		return;
	}
	/* The same root under another name (re-added with a new name): its old file goes. */
	for (size_t i = 0; i < count; i++)
		if (roots[i].address == id.address && strcmp(roots[i].name, name) && roots[i].source == ZT_NODE_ROOT_STATIC &&
		    !svc_dynroot_member_name(roots[i].name))
			svc_root_delete(s, roots[i].name);
	if ((e = svc_root_save(s, name, &id, eps, (size_t)n))) {
		log_warnx("static root %s: cannot write its file: %s", name, zt_strerror(e));
		api_finish_error(&s->api, req, MHD_HTTP_INTERNAL_SERVER_ERROR,
				 "root %s added, but not saved (it will be gone after a restart): %s", name,
				 zt_strerror(e));
		return;
	}
	log_info("static root %s (%010llx) added through the API", name, (unsigned long long)id.address);
	count = roots_get(s, now, roots);
	const struct zt_node_root_info *r = root_find(roots, count, name);
	api_finish(&s->api, req, MHD_HTTP_OK, r ? root_json(r) : json_object());
}

static void root_remove(struct svc *s, struct api_req *req, const struct zt_node_root_info *r)
{
	json_t *doc = root_json(r);
	zt_err e;

	if (r->source == ZT_NODE_ROOT_PLANET) {
		json_decref(doc);
		api_finish_error(&s->api, req, MHD_HTTP_CONFLICT,
				 "%s comes from the planet file in %s: remove or replace that file instead", r->name,
				 s->home);
		return;
	}
	if (svc_dynroot_member_name(r->name)) {
		json_decref(doc);
		api_finish_error(&s->api, req, MHD_HTTP_CONFLICT,
				 "%010llx is listed by a dynamic root: remove that one (removeroot dynamic <name>), or "
				 "publish a set without it", (unsigned long long)r->address);
		return;
	}
	if ((e = zt_node_root_remove(s->node, r->address))) {
		json_decref(doc);
		api_finish_error(&s->api, req, MHD_HTTP_INTERNAL_SERVER_ERROR, "%s", zt_strerror(e));
		return;
	}
	e = svc_root_delete(s, r->name);
	if (e && e != ZT_ENOTFOUND)
		log_warnx("static root %s: cannot remove its file: %s", r->name, zt_strerror(e));
	log_info("static root %s (%010llx) removed through the API", r->name, (unsigned long long)r->address);
	svc_dynroots_sync(s); /* a dynamic root may list it too: it stays, as that root's member */
	api_finish(&s->api, req, MHD_HTTP_OK, doc);
}

static void serve_root(struct svc *s, struct api_req *req, const char *arg, int64_t now)
{
	struct zt_node_root_info roots[ZT_NODE_MAX_ROOTS];
	size_t count;
	const struct zt_node_root_info *r;

	if (!arg[0]) {
		json_t *arr = json_array();

		if (!is(req, "GET")) {
			method_not_allowed(s, req, ALLOW_GET);
			return;
		}
		/* What the operator configured: static and planet roots, then each dynamic root with its members. */
		count = roots_get(s, now, roots);
		for (size_t i = 0; arr && i < count; i++)
			if (!svc_dynroot_member_name(roots[i].name) && json_array_append_new(arr, root_json(&roots[i]))) {
				json_decref(arr);
				arr = NULL;
			}
		if (arr)
			svc_dynroots_json_append(s, arr, now);
		api_finish(&s->api, req, MHD_HTTP_OK, arr);
		return;
	}
	if (svc_dynroot_arg(arg)) {
		svc_dynroot_serve(s, req, arg, now);
		return;
	}
	if (!svc_root_name_valid(arg)) {
		api_finish_error(&s->api, req, MHD_HTTP_BAD_REQUEST,
				 "'%.64s' is not a root name (1..%d of A-Z a-z 0-9 . _ -, not starting with '.')", arg,
				 ZT_NODE_ROOT_NAME_MAX - 1);
		return;
	}
	if (is(req, "POST") || is(req, "PUT")) {
		root_add(s, req, arg, now);
		return;
	}
	count = roots_get(s, now, roots);
	r = root_find(roots, count, arg);
	if (!is(req, "GET") && !is(req, "DELETE")) {
		method_not_allowed(s, req, ALLOW_ROOT);
		return;
	}
	if (!r) {
		api_finish_error(&s->api, req, MHD_HTTP_NOT_FOUND, "no root %s", arg);
		return;
	}
	if (is(req, "GET"))
		api_finish(&s->api, req, MHD_HTTP_OK, root_json(r));
	else
		root_remove(s, req, r);
}

/* The optional body of POST /ping/<address>: {"timeout": ms}. Answers 400 and returns false if it is wrong. */
static bool ping_timeout(struct svc *s, struct api_req *req, int64_t *timeout)
{
	json_t *body, *v;
	bool ok = true;

	*timeout = ZT_NODE_PING_TIMEOUT;
	if (!req->body)
		return true;
	if (!(body = body_object(s, req)))
		return false;
	v = json_object_get(body, "timeout");
	if (v && (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > ZT_NODE_PING_TIMEOUT_MAX)) {
		api_finish_error(&s->api, req, MHD_HTTP_BAD_REQUEST,
				 "\"timeout\" must be a number of milliseconds from 1 to %d", ZT_NODE_PING_TIMEOUT_MAX);
		ok = false;
	} else if (v) {
		*timeout = json_integer_value(v);
	}
	json_decref(body);
	return ok;
}

static void serve_ping(struct svc *s, struct api_req *req, const char *arg, int64_t now)
{
	uint64_t address, cookie = 0;
	int64_t timeout;
	struct svc_ping *p;
	zt_err e;

	if (!is(req, "POST")) {
		method_not_allowed(s, req, ALLOW_POST);
		return;
	}
	if (!parse_address(s, req, arg, &address) || !ping_timeout(s, req, &timeout))
		return;
	if (!(p = calloc(1, sizeof *p))) {
		api_finish(&s->api, req, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL);
		return;
	}
	e = zt_node_ping(s->node, address, timeout, now, &cookie);
	if (e) {
		unsigned status = e == ZT_EINVALID ? MHD_HTTP_BAD_REQUEST
				  : e == ZT_ENOTFOUND ? MHD_HTTP_NOT_FOUND
				  : e == ZT_ELIMIT    ? MHD_HTTP_TOO_MANY_REQUESTS
						      : MHD_HTTP_INTERNAL_SERVER_ERROR;

		free(p);
		api_finish_error(&s->api, req, status, "cannot ping %010llx: %s%s", (unsigned long long)address,
				 zt_strerror(e),
				 e == ZT_EINVALID ? " (a reserved address, or this node's own)"
				 : e == ZT_ENOTFOUND ? " (unknown peer and no root to ask)"
						     : "");
		return;
	}
	*p = (struct svc_ping){ .req = req, .address = address, .cookie = cookie, .started = now, .timeout = timeout,
				.deadline = now + timeout + SVC_PING_GRACE_MS, .next = s->pings };
	s->pings = p;
	s->next_deadline = now; /* the engine sent nothing yet: run its timers now */
}

static void serve_try(struct svc *s, struct api_req *req, const char *arg, int64_t now)
{
	struct zt_inetaddr addrs[ZT_NODE_MAX_TRY_ADDRESSES];
	struct zt_conf_ctx x;
	char err[ERR_MAX] = "";
	uint64_t address;
	json_t *body, *v, *doc;
	int n = 0;
	zt_err e;

	if (!is(req, "POST") && !is(req, "PUT")) {
		method_not_allowed(s, req, ALLOW_POST);
		return;
	}
	if (!parse_address(s, req, arg, &address) || !(body = body_object(s, req)))
		return;
	x = (struct zt_conf_ctx){ "body", err, sizeof err };
	v = json_object_get(body, "endpoints");
	if (!v || svc_conf_addrs(&x, v, "endpoints", addrs, ZT_NODE_MAX_TRY_ADDRESSES, &n)) {
		json_decref(body);
		api_finish_error(&s->api, req, MHD_HTTP_BAD_REQUEST, "%s",
				 err[0] ? err : "\"endpoints\" must list IP/port addresses ([] clears them)");
		return;
	}
	json_decref(body);
	if ((e = zt_node_try(s->node, address, addrs, (size_t)n, now))) {
		api_finish_error(&s->api, req, MHD_HTTP_BAD_REQUEST, "cannot try %010llx: %s",
				 (unsigned long long)address, zt_strerror(e));
		return;
	}
	s->next_deadline = now;
	doc = svc_conf_set_try(s->conf, address, addrs, (size_t)n);
	if (doc) {
		json_decref(s->conf);
		s->conf = doc;
		if ((e = svc_conf_save(s->conf_path, s->conf)))
			log_warnx("cannot write %s: %s", s->conf_path, zt_strerror(e));
	}
	api_finish(&s->api, req, MHD_HTTP_OK,
		   json_pack("{s:o, s:o}", "address", jaddress(address), "try", svc_json_addrs(addrs, (size_t)n)));
}

void svc_control_handle(struct svc *s, struct api_req *req)
{
	char first[16];
	const char *arg;
	int64_t now = svc_now(s);

	if (!split_path(req->path, first, sizeof first, &arg)) {
		api_finish_error(&s->api, req, MHD_HTTP_NOT_FOUND, "no such endpoint: %.100s", req->path);
		return;
	}
	if (!strcmp(first, "status") && !arg[0]) {
		if (is(req, "GET"))
			api_finish(&s->api, req, MHD_HTTP_OK, status_json(s, now));
		else
			method_not_allowed(s, req, ALLOW_GET);
	} else if (!strcmp(first, "config") && !arg[0]) {
		serve_config(s, req);
	} else if (!strcmp(first, "peer")) {
		serve_peer(s, req, arg, now);
	} else if (!strcmp(first, "root")) {
		serve_root(s, req, arg, now);
	} else if (!strcmp(first, "ping") && arg[0]) {
		serve_ping(s, req, arg, now);
	} else if (!strcmp(first, "try") && arg[0]) {
		serve_try(s, req, arg, now);
	} else {
		api_finish_error(&s->api, req, MHD_HTTP_NOT_FOUND,
				 "no such endpoint: %.100s (see zerotier-node(8))", req->path);
	}
}

/* ---------------------------------------------------------------- pings */

static struct svc_ping *ping_take(struct svc *s, uint64_t cookie)
{
	for (struct svc_ping **pp = &s->pings; *pp; pp = &(*pp)->next)
		if ((*pp)->cookie == cookie) {
			struct svc_ping *p = *pp;

			*pp = p->next;
			return p;
		}
	return NULL;
}

void svc_control_echo(struct svc *s, const struct zt_node_event *ev)
{
	struct svc_ping *p = ping_take(s, ev->cookie);

	if (!p)
		return;
	if (ev->type == ZT_NODE_EVENT_ECHO_REPLY)
		api_finish(&s->api, p->req, MHD_HTTP_OK,
			   json_pack("{s:o, s:I, s:b, s:o}", "address", jaddress(p->address), "latency",
				     (json_int_t)ev->rtt_ms, "direct", ev->addr.family != ZT_INETADDR_NIL, "path",
				     jaddr(&ev->addr)));
	else
		api_finish_error(&s->api, p->req, MHD_HTTP_GATEWAY_TIMEOUT, "no reply from %010llx within %lld ms",
				 (unsigned long long)p->address, (long long)p->timeout);
	free(p);
}

void svc_control_expire(struct svc *s, int64_t now)
{
	struct svc_ping **pp = &s->pings;

	while (*pp) {
		struct svc_ping *p = *pp;

		if (p->deadline > now) {
			pp = &p->next;
			continue;
		}
		*pp = p->next;
		api_finish_error(&s->api, p->req, MHD_HTTP_GATEWAY_TIMEOUT, "no reply from %010llx within %lld ms",
				 (unsigned long long)p->address, (long long)(now - p->started));
		free(p);
	}
}

void svc_control_abort(struct svc *s)
{
	while (s->pings) {
		struct svc_ping *p = s->pings;

		s->pings = p->next;
		api_finish_error(&s->api, p->req, MHD_HTTP_SERVICE_UNAVAILABLE, "the service is stopping");
		free(p);
	}
}
