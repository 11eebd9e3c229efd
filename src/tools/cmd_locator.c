/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_dns.h"
#include "common/file.h"
#include "node/hex.h"
#include "node/identity.h"
#include "node/inetaddr.h"
#include "node/locator.h"
#include "util.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define LOCATOR_FILE_MAX 8192 /* the text form of the longest locator is 1382 characters */
#define ADDRESS_HEX_LEN 10
#define LOCATOR_FORMAT "expected loc1:<address>:<base64url>, as 'zerotier locator new' prints it"
#define ENDPOINT_FORMAT \
	"expected IP/port (e.g. 198.18.0.1/9993 or 2001:db8::1/9993) or the 10-hex-digit address of a root"

static const char *locator_parse_hint(zt_err err)
{
	switch (err) {
	case ZT_ETRUNCATED: return "the locator is cut short (" LOCATOR_FORMAT ")";
	case ZT_EUNSUPPORTED: return "unsupported locator version or identity type";
	case ZT_ERESERVED: return "the locator holds a reserved ZeroTier address";
	case ZT_ETOOBIG: return "the locator is longer than 1024 bytes or has more than 16 endpoints";
	default: return LOCATOR_FORMAT;
	}
}

int tool_locator_load(struct tool_ctx *ctx, const char *what, const char *arg, struct zt_locator *loc)
{
	char q[TOOL_QUOTE_MAX], msg[64];
	char *buf = NULL, *s;
	size_t size = 0, len;
	zt_err err;

	if (!zt_file_exists(arg)) {
		err = zt_locator_from_string(loc, arg);
		if (err) {
			tool_err(ctx, "cannot parse %s '%s' (no such file, so read as a locator): %s", what,
				 tool_quote(q, arg), locator_parse_hint(err));
			return TOOL_EXIT_USAGE;
		}
		return TOOL_CONTINUE;
	}
	err = zt_file_read(arg, LOCATOR_FILE_MAX, &buf, &size);
	if (err) {
		tool_err(ctx, "cannot read %s file '%s': %s", what, tool_quote(q, arg),
			 tool_read_strerror(err, LOCATOR_FILE_MAX, msg, sizeof msg));
		return TOOL_EXIT_FAIL;
	}
	/* A binary locator starts with its version byte, never with the 'l' of the text form. */
	if (size && (uint8_t)buf[0] == ZT_LOCATOR_VERSION) {
		err = zt_locator_parse(loc, (const uint8_t *)buf, size);
	} else {
		len = size;
		s = tool_trim(buf, &len);
		err = zt_locator_from_string(loc, s);
	}
	zt_file_free(buf, size);
	if (err) {
		tool_err(ctx, "cannot parse %s in file '%s': %s", what, tool_quote(q, arg), locator_parse_hint(err));
		return TOOL_EXIT_FAIL;
	}
	return TOOL_CONTINUE;
}

static json_t *endpoint_json(const struct zt_locator *loc, const struct zt_locator_endpoint *e)
{
	char buf[ZT_INETADDR_STRING_MAX];

	switch (e->type) {
	case ZT_ENDPOINT_UDP:
		return json_pack("{s:s, s:s}", "type", "udp", "address", zt_inetaddr_format(&e->udp, buf, sizeof buf));
	case ZT_ENDPOINT_ZEROTIER:
		zt_address_format(buf, e->zerotier);
		return json_pack("{s:s, s:s}", "type", "zerotier", "address", buf);
	default:
		return json_pack("{s:i, s:o*}", "type", (int)e->type, "value", tool_json_hex(loc->raw + e->raw_off, e->len));
	}
}

json_t *tool_locator_json(const struct zt_locator *loc)
{
	char addr[ADDRESS_HEX_LEN + 1], ident[ZT_IDENTITY_STRING_MAX], when[TOOL_TIME_MAX];
	char *text = malloc(ZT_LOCATOR_STRING_MAX);
	json_t *eps = json_array(), *j = NULL;

	if (!text || !eps || zt_locator_to_string(loc, text, ZT_LOCATOR_STRING_MAX) < 0 ||
	    zt_identity_to_string(&loc->identity, false, ident, sizeof ident) < 0)
		goto out;
	for (unsigned i = 0; i < loc->endpoint_count; i++)
		if (json_array_append_new(eps, endpoint_json(loc, &loc->endpoints[i])))
			goto out;
	zt_address_format(addr, loc->identity.address);
	tool_format_time(when, (uint64_t)loc->timestamp);
	j = json_pack("{s:s, s:s, s:o*, s:s, s:O, s:I, s:b, s:s}", "address", addr, "identity", ident, "timestamp",
		      tool_json_u64((uint64_t)loc->timestamp), "time", when, "endpoints", eps, "size",
		      (json_int_t)loc->raw_len, "signatureValid", zt_locator_verify(loc), "locator", text);
out:
	json_decref(eps);
	free(text);
	return j;
}

void tool_locator_print(const struct zt_locator *loc, const char *indent)
{
	char buf[ZT_IDENTITY_STRING_MAX], when[TOOL_TIME_MAX];

	zt_identity_to_string(&loc->identity, false, buf, sizeof buf);
	tool_format_time(when, (uint64_t)loc->timestamp);
	printf("%sidentity: %s\n", indent, buf);
	printf("%stimestamp: %lld (%s)\n", indent, (long long)loc->timestamp, when);
	for (unsigned i = 0; i < loc->endpoint_count; i++) {
		const struct zt_locator_endpoint *e = &loc->endpoints[i];

		if (e->type == ZT_ENDPOINT_UDP) {
			printf("%sendpoint: udp %s\n", indent, zt_inetaddr_format(&e->udp, buf, sizeof buf));
		} else if (e->type == ZT_ENDPOINT_ZEROTIER) {
			zt_address_format(buf, e->zerotier);
			printf("%sendpoint: root %s\n", indent, buf);
		} else {
			printf("%sendpoint: unknown type %u (%u bytes)\n", indent, e->type, e->len);
		}
	}
	printf("%ssignature: %s\n", indent, zt_locator_verify(loc) ? "valid" : "does NOT verify");
}

/* One endpoint argument: a root's 10-hex-digit address, or IP/port. */
static int endpoint_add(struct tool_ctx *ctx, struct zt_locator *loc, const char *arg)
{
	char q[TOOL_QUOTE_MAX];
	struct zt_inetaddr a;
	uint64_t address;
	zt_err err;

	if (strlen(arg) == ADDRESS_HEX_LEN && zt_address_parse(&address, arg)) {
		err = zt_locator_add_zerotier(loc, address);
		if (err == ZT_EINVALID) {
			tool_err(ctx, "endpoint '%s' is the node itself: a custody root is another node", tool_quote(q, arg));
			return TOOL_EXIT_USAGE;
		}
		if (err == ZT_ERESERVED) {
			tool_err(ctx, "endpoint '%s' is a reserved address (0000000000 or ff..........)", tool_quote(q, arg));
			return TOOL_EXIT_USAGE;
		}
	} else {
		if (zt_inetaddr_parse(&a, arg) != ZT_OK || a.family == ZT_INETADDR_NIL || !a.port) {
			tool_err(ctx, "cannot parse endpoint '%s': " ENDPOINT_FORMAT, tool_quote(q, arg));
			return TOOL_EXIT_USAGE;
		}
		err = zt_locator_add_udp(loc, &a);
	}
	if (err == ZT_EEXIST) {
		tool_err(ctx, "endpoint '%s' is listed twice", tool_quote(q, arg));
		return TOOL_EXIT_USAGE;
	}
	if (err == ZT_ETOOBIG) {
		tool_err(ctx, "a locator holds at most %d endpoints", ZT_LOCATOR_MAX_ENDPOINTS);
		return TOOL_EXIT_USAGE;
	}
	return err ? TOOL_EXIT_USAGE : TOOL_CONTINUE;
}

static int locator_new(int argc, char **argv, struct tool_ctx *ctx)
{
	const char *ts_s = NULL;
	const struct tool_opt opts[] = { { "timestamp", 0, &ts_s, NULL }, { NULL, 0, NULL, NULL } };
	struct zt_identity id;
	struct zt_locator *loc = NULL;
	char *text = NULL, q[TOOL_QUOTE_MAX], addr[ADDRESS_HEX_LEN + 1];
	uint64_t ts = tool_now_ms();
	zt_err err;
	int rc = tool_args(ctx, &argc, argv, opts, 2, -1);

	if (rc != TOOL_CONTINUE)
		return rc;
	if (ts_s && (!tool_parse_u64(&ts, ts_s) || ts > INT64_MAX)) {
		tool_err(ctx, "cannot parse --timestamp '%s': expected milliseconds since the epoch", tool_quote(q, ts_s));
		return TOOL_EXIT_USAGE;
	}
	rc = tool_identity_load(ctx, "identity", argv[1], &id);
	if (rc != TOOL_CONTINUE)
		return rc;
	zt_address_format(addr, id.address);
	loc = malloc(sizeof *loc);
	text = malloc(ZT_LOCATOR_STRING_MAX);
	if (!loc || !text) {
		tool_err(ctx, "out of memory");
		rc = TOOL_EXIT_FAIL;
		goto out;
	}
	zt_locator_init(loc, &id, (int64_t)ts);
	for (int i = 2; i < argc; i++)
		if ((rc = endpoint_add(ctx, loc, argv[i])) != TOOL_CONTINUE)
			goto out;
	if (!id.has_private) {
		tool_err(ctx, "identity %s has no private key (give the secret form, e.g. identity.secret)", addr);
		rc = TOOL_EXIT_FAIL;
		goto out;
	}
	/* A locator of an identity that fails its proof would be refused by everyone: say so now. */
	err = zt_identity_validate(&id);
	if (err) {
		tool_err(ctx, "identity %s is invalid: %s", addr,
			 err == ZT_EINVALID ? "its address or key pair does not check out" : zt_strerror(err));
		rc = TOOL_EXIT_FAIL;
		goto out;
	}
	err = zt_locator_sign(loc, &id);
	if (err || zt_locator_to_string(loc, text, ZT_LOCATOR_STRING_MAX) < 0) {
		tool_err(ctx, "cannot sign the locator: %s", zt_strerror(err));
		rc = TOOL_EXIT_FAIL;
		goto out;
	}
	if (ctx->json) {
		rc = tool_json_print(ctx, tool_locator_json(loc));
	} else {
		puts(text);
		rc = TOOL_EXIT_OK;
	}
out:
	zt_identity_wipe(&id);
	free(loc);
	free(text);
	return rc;
}

static int locator_show(int argc, char **argv, struct tool_ctx *ctx)
{
	struct zt_locator *loc = malloc(sizeof *loc);
	char addr[ADDRESS_HEX_LEN + 1];
	int rc = tool_args(ctx, &argc, argv, NULL, 1, 1);

	if (rc != TOOL_CONTINUE || !loc) {
		if (!loc && rc == TOOL_CONTINUE) {
			tool_err(ctx, "out of memory");
			rc = TOOL_EXIT_FAIL;
		}
		goto out;
	}
	rc = tool_locator_load(ctx, "locator", argv[1], loc);
	if (rc != TOOL_CONTINUE)
		goto out;
	if (ctx->json) {
		rc = tool_json_print(ctx, tool_locator_json(loc));
		goto out;
	}
	zt_address_format(addr, loc->identity.address);
	printf("locator %s (%zu bytes)\n", addr, loc->raw_len);
	tool_locator_print(loc, "  ");
	rc = TOOL_EXIT_OK;
out:
	free(loc);
	return rc;
}

static int locator_verify(int argc, char **argv, struct tool_ctx *ctx)
{
	struct zt_locator *loc = malloc(sizeof *loc);
	char addr[ADDRESS_HEX_LEN + 1];
	bool sig_ok, id_ok;
	zt_err err;
	int rc = tool_args(ctx, &argc, argv, NULL, 1, 1);

	if (rc != TOOL_CONTINUE || !loc) {
		if (!loc && rc == TOOL_CONTINUE) {
			tool_err(ctx, "out of memory");
			rc = TOOL_EXIT_FAIL;
		}
		goto out;
	}
	rc = tool_locator_load(ctx, "locator", argv[1], loc);
	if (rc != TOOL_CONTINUE)
		goto out;
	zt_address_format(addr, loc->identity.address);
	sig_ok = zt_locator_verify(loc);
	err = zt_identity_validate(&loc->identity);
	if (err && err != ZT_EINVALID) {
		tool_err(ctx, "cannot validate identity %s: %s", addr, zt_strerror(err));
		rc = TOOL_EXIT_FAIL;
		goto out;
	}
	id_ok = !err;
	rc = sig_ok && id_ok ? TOOL_EXIT_OK : TOOL_EXIT_FAIL;
	if (!sig_ok)
		tool_err(ctx, "locator of %s is invalid: its signature does not verify under its identity", addr);
	else if (!id_ok)
		tool_err(ctx, "locator of %s is invalid: the identity's address is not derived from its key", addr);
	if (ctx->json) {
		if (tool_json_print(ctx, json_pack("{s:s, s:b, s:b, s:b, s:o*}", "address", addr, "valid", sig_ok && id_ok,
						   "signatureValid", sig_ok, "identityValid", id_ok, "timestamp",
						   tool_json_u64((uint64_t)loc->timestamp))) != TOOL_EXIT_OK)
			rc = TOOL_EXIT_FAIL;
	} else if (rc == TOOL_EXIT_OK) {
		puts("valid");
	}
out:
	free(loc);
	return rc;
}

static const struct tool_cmd locator_cmds[] = {
	{ "new", locator_new, "[--timestamp <ms>] <identity.secret> <endpoint>...",
	  "sign a locator: endpoints are IP/port or the address of a custody root; prints one line" },
	{ "show", locator_show, "<locator|file>", "print a locator and whether its signature verifies" },
	{ "verify", locator_verify, "<locator|file>", "check a locator's signature and its identity's proof" },
};

int cmd_locator(int argc, char **argv, struct tool_ctx *ctx)
{
	return tool_group_run(ctx, locator_cmds, ARRAY_SIZE(locator_cmds), argc, argv);
}
