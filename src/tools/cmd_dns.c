/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_dns.h"
#include "common/file.h"
#include "dns/name.h"
#include "dns/resolve.h"
#include "dns/rootset.h"
#include "dns/txt.h"
#include "node/crypto.h"
#include "node/hex.h"
#include "node/identity.h"
#include "node/locator.h"
#include "util.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define KEY_HEX_LEN (2 * ZT_DNS_KEY_LEN)
/* A key file is one line "<64 hex public key>:<64 hex secret seed>\n". */
#define KEY_LINE_LEN (2 * KEY_HEX_LEN + 1)
#define KEY_FILE_MAX 4096
#define SEED_LEN 32
#define DEFAULT_TTL 300
#define TTL_MAX 2147483647UL /* RFC 2181 §8 */
#define LOOKUP_SERVERS_MAX 8
#define LOOKUP_TIMEOUT_DEFAULT_MS 5000
#define KEY_FORMAT "expected <64 hex public key>:<64 hex secret key>, as 'zerotier dns keygen' writes it"

struct dns_key {
	uint8_t pub[ZT_DNS_KEY_LEN];
	uint8_t seed[SEED_LEN]; /* all zero when only the public key was given */
	bool has_secret;
};

/* Parses "<pub hex>:<seed hex>", or "<pub hex>" alone if public_ok; the pair must belong together. */
static bool key_parse(struct dns_key *k, const char *s, bool public_ok, const char **why)
{
	uint8_t derived[ZT_DNS_KEY_LEN];
	size_t len = strlen(s);

	memset(k, 0, sizeof *k);
	*why = public_ok ? "expected 64 hex digits (an Ed25519 public key) or a key file" : KEY_FORMAT;
	if (len == KEY_HEX_LEN && public_ok)
		return zt_hex_decode(k->pub, sizeof k->pub, s);
	if (len != KEY_LINE_LEN || s[KEY_HEX_LEN] != ':' || !zt_hex_decode(k->pub, sizeof k->pub, s) ||
	    !zt_hex_decode(k->seed, sizeof k->seed, s + KEY_HEX_LEN + 1)) {
		if (len == 2 * 128 + 1)
			*why = "this looks like a planet key (C25519); a DNS root-set key comes from 'zerotier dns keygen'";
		goto fail;
	}
	zt_ed25519_public(derived, k->seed);
	if (!zt_ct_equal(derived, k->pub, sizeof derived)) {
		*why = "the public key does not belong to the secret key";
		goto fail;
	}
	k->has_secret = true;
	return true;
fail:
	zt_wipe(k, sizeof *k);
	return false;
}

/* A key file, or (public_ok, and no such file) a public key in hex. */
static int key_load(struct tool_ctx *ctx, const char *what, const char *arg, bool public_ok, struct dns_key *k)
{
	char q[TOOL_QUOTE_MAX], msg[64];
	const char *why;
	char *buf = NULL, *s;
	size_t size = 0, len;
	int rc = TOOL_CONTINUE;
	zt_err err;

	if (public_ok && !zt_file_exists(arg)) {
		if (!key_parse(k, arg, true, &why)) {
			tool_err(ctx, "cannot parse %s '%s' (no such file, so read as hex): %s", what, tool_quote(q, arg), why);
			return TOOL_EXIT_USAGE;
		}
		return TOOL_CONTINUE;
	}
	err = zt_file_read(arg, KEY_FILE_MAX, &buf, &size);
	if (err) {
		tool_err(ctx, "cannot read %s file '%s': %s", what, tool_quote(q, arg),
			 tool_read_strerror(err, KEY_FILE_MAX, msg, sizeof msg));
		return TOOL_EXIT_FAIL;
	}
	len = size;
	s = tool_trim(buf, &len);
	if (!key_parse(k, s, public_ok, &why)) {
		tool_err(ctx, "cannot parse %s file '%s': %s", what, tool_quote(q, arg), why);
		rc = TOOL_EXIT_FAIL;
	}
	zt_file_free(buf, size);
	return rc;
}

static int dns_keygen(int argc, char **argv, struct tool_ctx *ctx)
{
	bool force = false;
	const struct tool_opt opts[] = { { "force", 'f', NULL, &force }, { NULL, 0, NULL, NULL } };
	struct dns_key k;
	char line[KEY_HEX_LEN + 1], label[ZT_DNS_LABEL_LEN + 1];
	int rc = tool_args(ctx, &argc, argv, opts, 1, 1);

	if (rc != TOOL_CONTINUE)
		return rc;
	zt_random(k.seed, sizeof k.seed);
	zt_ed25519_public(k.pub, k.seed);
	/* Without --force, O_EXCL: a lost key means a new name for every node that uses the old one. */
	rc = tool_write_key_file(ctx, argv[1], k.pub, sizeof k.pub, k.seed, sizeof k.seed, force);
	zt_wipe(k.seed, sizeof k.seed);
	if (rc != TOOL_EXIT_OK)
		return rc;
	zt_hex_encode(line, k.pub, sizeof k.pub);
	zt_dns_key_label(label, k.pub);
	if (ctx->json)
		return tool_json_print(ctx, json_pack("{s:s, s:s, s:s}", "file", argv[1], "public", line, "label", label));
	puts(line);
	return TOOL_EXIT_OK;
}

static int name_make(struct tool_ctx *ctx, const uint8_t key[static ZT_DNS_KEY_LEN], const char *domain, char *out,
		     size_t cap)
{
	char q[TOOL_QUOTE_MAX];
	zt_err err = zt_dns_name_make(out, cap, key, domain);

	if (err == ZT_EMALFORMED) {
		tool_err(ctx, "cannot use domain '%s': expected a DNS name such as roots.example.org (letters, digits, "
			      "'-', '_'; labels of 1 to 63 characters)", tool_quote(q, domain));
		return TOOL_EXIT_USAGE;
	}
	if (err) {
		tool_err(ctx, "domain '%s' is too long: the whole name must fit in 253 characters, and the key label "
			      "takes 62", tool_quote(q, domain));
		return TOOL_EXIT_USAGE;
	}
	return TOOL_CONTINUE;
}

static int dns_name(int argc, char **argv, struct tool_ctx *ctx)
{
	struct dns_key k;
	char name[ZT_DNS_NAME_MAX + 1], hex[KEY_HEX_LEN + 1];
	int rc = tool_args(ctx, &argc, argv, NULL, 2, 2);

	if (rc != TOOL_CONTINUE)
		return rc;
	rc = key_load(ctx, "public key", argv[1], true, &k);
	zt_wipe(k.seed, sizeof k.seed); /* only the public half is needed */
	if (rc != TOOL_CONTINUE)
		return rc;
	rc = name_make(ctx, k.pub, argv[2], name, sizeof name);
	if (rc != TOOL_CONTINUE)
		return rc;
	zt_hex_encode(hex, k.pub, sizeof k.pub);
	if (ctx->json)
		return tool_json_print(ctx, json_pack("{s:s, s:s, s:s}", "name", name, "public", hex, "domain",
						      name + ZT_DNS_LABEL_LEN + 1));
	puts(name);
	return TOOL_EXIT_OK;
}

/* Loads, checks and adds one root's locator. */
static int root_add(struct tool_ctx *ctx, struct zt_rootset *rs, unsigned index, const char *arg)
{
	struct zt_locator *loc = malloc(sizeof *loc);
	char what[32], addr[11];
	zt_err err;
	int rc = TOOL_EXIT_FAIL;

	if (!loc) {
		tool_err(ctx, "out of memory");
		return TOOL_EXIT_FAIL;
	}
	snprintf(what, sizeof what, "locator %u", index);
	rc = tool_locator_load(ctx, what, arg, loc);
	if (rc != TOOL_CONTINUE)
		goto out;
	rc = TOOL_EXIT_FAIL;
	zt_address_format(addr, loc->identity.address);
	err = zt_identity_validate(&loc->identity);
	if (err) {
		tool_err(ctx, "locator %u (%s): the identity is invalid: %s", index, addr,
			 err == ZT_EINVALID ? "its address is not derived from its key" : zt_strerror(err));
		goto out;
	}
	err = zt_rootset_add_root(rs, loc);
	switch (err) {
	case ZT_OK:
		rc = TOOL_CONTINUE;
		break;
	case ZT_EAUTH:
		tool_err(ctx, "locator %u (%s): its signature does not verify", index, addr);
		break;
	case ZT_EINVALID:
		tool_err(ctx, "locator %u (%s) has no IP/port endpoint: a root must be reachable directly", index, addr);
		break;
	case ZT_EEXIST:
		tool_err(ctx, "locator %u (%s): that root is already in the set", index, addr);
		rc = TOOL_EXIT_USAGE;
		break;
	default:
		tool_err(ctx, "a root set holds at most %d roots", ZT_ROOTSET_MAX_ROOTS);
		rc = TOOL_EXIT_USAGE;
	}
out:
	free(loc);
	return rc;
}

static int print_records(struct tool_ctx *ctx, const struct zt_rootset *rs, const struct zt_dns_txt_records *recs,
			 const char *name, bool dnsmasq, unsigned long ttl)
{
	struct zt_rootset_state st;
	json_t *lines, *records, *roots;
	char line[ZT_DNS_NAME_MAX + ZT_DNS_TXT_RECORD_MAX + 64], addr[11];

	if (!ctx->json) {
		for (unsigned i = 0; i < recs->count; i++) {
			/* Records hold only [a-z0-9:/_-]: the quotes are for dnsmasq's and zone files' parsers. */
			if (dnsmasq)
				printf("--txt-record=%s,\"%s\"\n", name, recs->rec[i]);
			else
				printf("%s. %lu IN TXT \"%s\"\n", name, ttl, recs->rec[i]);
		}
		return TOOL_EXIT_OK;
	}
	lines = json_array();
	records = json_array();
	roots = json_array();
	for (unsigned i = 0; lines && records && i < recs->count; i++) {
		if (dnsmasq)
			snprintf(line, sizeof line, "--txt-record=%s,\"%s\"", name, recs->rec[i]);
		else
			snprintf(line, sizeof line, "%s. %lu IN TXT \"%s\"", name, ttl, recs->rec[i]);
		json_array_append_new(lines, json_string(line));
		json_array_append_new(records, json_string(recs->rec[i]));
	}
	for (unsigned i = 0; roots && i < rs->root_count; i++) {
		zt_address_format(addr, rs->roots[i].identity.address);
		json_array_append_new(roots, json_string(addr));
	}
	zt_rootset_state_of(&st, rs);
	return tool_json_print(ctx, json_pack("{s:s, s:o*, s:I, s:I, s:o*, s:o*, s:o*, s:o*}", "name", name, "timestamp",
					      tool_json_u64((uint64_t)rs->timestamp), "ttl", (json_int_t)ttl, "size",
					      (json_int_t)rs->raw_len, "digest", tool_json_hex(st.digest, sizeof st.digest),
					      "roots", roots, "records", records, "lines", lines));
}

static int dns_txt(int argc, char **argv, struct tool_ctx *ctx)
{
	const char *ts_s = NULL, *ttl_s = NULL;
	bool dnsmasq = false;
	const struct tool_opt opts[] = { { "dnsmasq", 0, NULL, &dnsmasq }, { "timestamp", 0, &ts_s, NULL },
					 { "ttl", 0, &ttl_s, NULL }, { NULL, 0, NULL, NULL } };
	struct dns_key k = { { 0 }, { 0 }, false };
	struct zt_rootset *rs = NULL;
	struct zt_dns_txt_records *recs = NULL;
	char name[ZT_DNS_NAME_MAX + 1], q[TOOL_QUOTE_MAX];
	uint64_t ts = tool_now_ms(), ttl = DEFAULT_TTL;
	zt_err err;
	int rc = tool_args(ctx, &argc, argv, opts, 3, -1);

	if (rc != TOOL_CONTINUE)
		return rc;
	if (ts_s && (!tool_parse_u64(&ts, ts_s) || ts > INT64_MAX)) {
		tool_err(ctx, "cannot parse --timestamp '%s': expected milliseconds since the epoch", tool_quote(q, ts_s));
		return TOOL_EXIT_USAGE;
	}
	if (ttl_s && (!tool_parse_u64(&ttl, ttl_s) || ttl > TTL_MAX)) {
		tool_err(ctx, "cannot parse --ttl '%s': expected seconds, 0 to %lu", tool_quote(q, ttl_s), TTL_MAX);
		return TOOL_EXIT_USAGE;
	}
	if (argc - 3 > ZT_ROOTSET_MAX_ROOTS) {
		tool_err(ctx, "a root set holds 1 to %d roots, got %d", ZT_ROOTSET_MAX_ROOTS, argc - 3);
		return TOOL_EXIT_USAGE;
	}
	rs = malloc(sizeof *rs);
	recs = malloc(sizeof *recs);
	if (!rs || !recs) {
		tool_err(ctx, "out of memory");
		rc = TOOL_EXIT_FAIL;
		goto out;
	}
	zt_rootset_init(rs, (int64_t)ts);
	if ((rc = key_load(ctx, "secret key", argv[1], false, &k)) != TOOL_CONTINUE)
		goto out;
	if ((rc = name_make(ctx, k.pub, argv[2], name, sizeof name)) != TOOL_CONTINUE)
		goto out;
	for (int i = 3; i < argc; i++)
		if ((rc = root_add(ctx, rs, (unsigned)i - 2, argv[i])) != TOOL_CONTINUE)
			goto out;
	err = zt_rootset_sign(rs, k.seed, k.pub);
	if (!err)
		err = zt_rootset_verify(rs, k.pub);
	if (!err)
		err = zt_dns_txt_split(rs, recs);
	if (err) {
		tool_err(ctx, "cannot sign the root set: %s",
			 err == ZT_ETOOBIG ? "it is larger than 8192 bytes" : zt_strerror(err));
		rc = TOOL_EXIT_FAIL;
		goto out;
	}
	rc = print_records(ctx, rs, recs, name, dnsmasq, (unsigned long)ttl);
out:
	zt_wipe(&k, sizeof k);
	free(rs);
	free(recs);
	return rc;
}

/* ------------------------------------------------------------------ dns lookup: one blocking lookup */

struct lookup {
	struct tool_ctx *ctx;
	bool done;
	int rc;
};

static const char *lookup_error(zt_err err)
{
	switch (err) {
	case ZT_EAUTH: return "the records are NOT signed by the key in the name (forged or misconfigured)";
	case ZT_ESTALE: return "only an older root set was found";
	case ZT_EMALFORMED: return "the records do not form a valid root set";
	case ZT_ETRUNCATED: return "pieces of the root set are missing";
	case ZT_ENOTFOUND: return "no root set published at this name";
	default: return zt_strerror(err);
	}
}

static void lookup_done(void *arg, const struct zt_dns_result *res)
{
	struct lookup *l = arg;
	const struct zt_rootset *rs = res->set;
	char when[TOOL_TIME_MAX], addr[11];
	json_t *roots;

	l->done = true;
	if (res->err) {
		const struct zt_dns_verdict *v = &res->verdict;

		if (v->records)
			tool_err(l->ctx, "%s: %s (TXT records=%u foreign=%u malformed=%u sets=%u incomplete=%u "
					 "conflicting=%u invalid=%u forged=%u stale=%u)", res->name->name,
				 lookup_error(res->err), v->records, v->foreign, v->malformed, v->sets, v->incomplete,
				 v->conflicting, v->invalid, v->forged, v->stale);
		else
			tool_err(l->ctx, "%s: %s%s%s", res->name->name, lookup_error(res->err),
				 res->detail[0] ? ": " : "", res->detail);
		l->rc = TOOL_EXIT_FAIL;
		return;
	}
	tool_format_time(when, (uint64_t)rs->timestamp);
	if (l->ctx->json) {
		roots = json_array();
		for (unsigned i = 0; roots && i < rs->root_count; i++)
			json_array_append_new(roots, tool_locator_json(&rs->roots[i]));
		l->rc = tool_json_print(l->ctx, json_pack("{s:s, s:o*, s:s, s:I, s:I, s:o*}", "name", res->name->name,
							  "timestamp", tool_json_u64((uint64_t)rs->timestamp), "time",
							  when, "ttl", (json_int_t)res->ttl, "size",
							  (json_int_t)rs->raw_len, "roots", roots));
		return;
	}
	printf("root set %s\n  timestamp: %lld (%s)\n  ttl: %u\n  signature: valid (key from the name)\n",
	       res->name->name, (long long)rs->timestamp, when, res->ttl);
	for (unsigned i = 0; i < rs->root_count; i++) {
		zt_address_format(addr, rs->roots[i].identity.address);
		printf("\nroot %s\n", addr);
		tool_locator_print(&rs->roots[i], "  ");
	}
	l->rc = TOOL_EXIT_OK;
}

static int servers_parse(struct tool_ctx *ctx, const char *list, struct zt_inetaddr *out, size_t *n)
{
	char q[TOOL_QUOTE_MAX];
	char *copy = strdup(list), *save = NULL;
	int rc = TOOL_CONTINUE;

	if (!copy) {
		tool_err(ctx, "out of memory");
		return TOOL_EXIT_FAIL;
	}
	*n = 0;
	for (char *s = strtok_r(copy, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
		if (*n == LOOKUP_SERVERS_MAX) {
			tool_err(ctx, "at most %d servers", LOOKUP_SERVERS_MAX);
			rc = TOOL_EXIT_USAGE;
			break;
		}
		if (zt_inetaddr_parse(&out[*n], s) != ZT_OK || out[*n].family == ZT_INETADDR_NIL || !out[*n].port) {
			tool_err(ctx, "cannot parse server '%s': expected IP/port (e.g. 127.0.0.1/53)", tool_quote(q, s));
			rc = TOOL_EXIT_USAGE;
			break;
		}
		(*n)++;
	}
	free(copy);
	return rc;
}

static int dns_lookup(int argc, char **argv, struct tool_ctx *ctx)
{
	const char *servers_s = NULL, *timeout_s = NULL;
	const struct tool_opt opts[] = { { "server", 's', &servers_s, NULL }, { "timeout", 0, &timeout_s, NULL },
					 { NULL, 0, NULL, NULL } };
	struct zt_inetaddr servers[LOOKUP_SERVERS_MAX];
	struct zt_dns_resolver_config cfg = { 0 };
	struct zt_dns_resolver *r = NULL;
	struct zt_dns_name name;
	struct lookup l = { ctx, false, TOOL_EXIT_FAIL };
	struct pollfd fds[ZT_DNS_POLLFD_MAX];
	char q[TOOL_QUOTE_MAX];
	const char *why;
	uint64_t timeout = LOOKUP_TIMEOUT_DEFAULT_MS;
	zt_err err;
	int rc = tool_args(ctx, &argc, argv, opts, 1, 1);

	if (rc != TOOL_CONTINUE)
		return rc;
	/* The key label is checked before anything goes on the wire. */
	if (zt_dns_name_parse(&name, argv[1], &why) != ZT_OK) {
		tool_err(ctx, "refusing name '%s': %s", tool_quote(q, argv[1]), why);
		return TOOL_EXIT_USAGE;
	}
	if (timeout_s && (!tool_parse_u64(&timeout, timeout_s) || !timeout || timeout > INT32_MAX)) {
		tool_err(ctx, "cannot parse --timeout '%s': expected milliseconds", tool_quote(q, timeout_s));
		return TOOL_EXIT_USAGE;
	}
	if (servers_s && (rc = servers_parse(ctx, servers_s, servers, &cfg.server_count)) != TOOL_CONTINUE)
		return rc;
	cfg.servers = servers;
	cfg.timeout_ms = (int)timeout;
	cfg.tries = 1;
	err = zt_dns_resolver_new(&r, &cfg);
	if (err) {
		tool_err(ctx, "cannot start the resolver: %s", zt_strerror(err));
		return TOOL_EXIT_FAIL;
	}
	err = zt_dns_resolve_rootset(r, &name, NULL, lookup_done, &l);
	while (!err && !l.done) {
		int n = zt_dns_resolver_pollfds(r, fds, ZT_DNS_POLLFD_MAX);

		if (poll(fds, (nfds_t)n, zt_dns_resolver_timeout_ms(r)) < 0 && errno != EINTR) {
			err = -errno;
			break;
		}
		zt_dns_resolver_process(r, fds, n);
	}
	if (err) {
		tool_err(ctx, "lookup failed: %s", zt_strerror(err));
		l.rc = TOOL_EXIT_FAIL;
	}
	zt_dns_resolver_free(r);
	return l.rc;
}

static const struct tool_cmd dns_cmds[] = {
	{ "keygen", dns_keygen, "[--force] <secret-key-file>",
	  "create a root-set signing key (mode 0600); print its public key" },
	{ "name", dns_name, "<public key|key file> <domain>", "print the dynamic-root name that carries the key" },
	{ "txt", dns_txt, "[--dnsmasq] [--timestamp <ms>] [--ttl <s>] <secret-key-file> <domain> <locator>...",
	  "sign a root set of 1 to 16 root locators; print its TXT records as zone-file lines or dnsmasq options" },
	{ "lookup", dns_lookup, "[-s <IP/port>[,<IP/port>...]] [--timeout <ms>] <name>",
	  "fetch and verify the root set published at a dynamic-root name" },
};

int cmd_dns(int argc, char **argv, struct tool_ctx *ctx)
{
	return tool_group_run(ctx, dns_cmds, ARRAY_SIZE(dns_cmds), argc, argv);
}
