/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/file.h"
#include "node/crypto.h"
#include "node/hex.h"
#include "node/identity.h"
#include "node/inetaddr.h"
#include "node/world.h"
#include "tool.h"
#include "util.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define KEY_HEX_LEN (2 * ZT_C25519_PUBLIC_LEN)
/* A key file is one line "<128 hex public>:<128 hex secret>\n". */
#define KEY_LINE_LEN (2 * KEY_HEX_LEN + 1)
#define KEY_FILE_MAX 4096
/* A planet file is binary, or the same bytes as hex text (with room for line breaks). */
#define PLANET_FILE_MAX (2 * ZT_WORLD_MAX_SERIALIZED_LENGTH + 1024)
#define PLANET_FILE_MODE 0644
#define ROOT_FORMAT "expected <identity>@<IP/port>[,<IP/port>...]"

struct signing_key {
	uint8_t pub[ZT_C25519_PUBLIC_LEN];
	uint8_t priv[ZT_C25519_PRIVATE_LEN]; /* all zero when only the public key was given */
};

static const char *world_type_name(uint8_t type)
{
	switch (type) {
	case ZT_WORLD_TYPE_PLANET: return "planet";
	case ZT_WORLD_TYPE_MOON: return "moon";
	case ZT_WORLD_TYPE_NULL: return "null";
	default: return "unknown";
	}
}

/*
 * Parses "<pub hex>:<secret hex>", or "<pub hex>" alone if public_ok. A pair must belong together:
 * signing with a mismatched secret would give planets that never verify. On false, *why says why.
 */
static bool key_parse(struct signing_key *k, const char *s, bool public_ok, const char **why)
{
	uint8_t derived[ZT_C25519_PUBLIC_LEN];
	size_t len = strlen(s);

	memset(k, 0, sizeof *k);
	*why = public_ok ? "expected 128 hex digits (a public key) or a key file" :
			   "expected <128 hex public key>:<128 hex secret key>";
	if (len == KEY_HEX_LEN && public_ok)
		return zt_hex_decode(k->pub, sizeof k->pub, s);
	if (len != KEY_LINE_LEN || s[KEY_HEX_LEN] != ':' || !zt_hex_decode(k->pub, sizeof k->pub, s) ||
	    !zt_hex_decode(k->priv, sizeof k->priv, s + KEY_HEX_LEN + 1))
		goto fail;
	zt_c25519_public(derived, k->priv);
	if (!zt_ct_equal(derived, k->pub, sizeof derived)) {
		*why = "the public key does not belong to the secret key";
		goto fail;
	}
	return true;
fail:
	zt_wipe(k, sizeof *k);
	return false;
}

/* Loads a key file (or, if public_ok and no such file exists, a public key in hex). */
static int key_load(struct tool_ctx *ctx, const char *what, const char *arg, bool public_ok, struct signing_key *k)
{
	char q[TOOL_QUOTE_MAX], msg[64];
	const char *why;
	char *buf = NULL, *s;
	size_t size = 0, len;
	zt_err err;
	int rc = TOOL_CONTINUE;

	if (public_ok && !zt_file_exists(arg)) {
		if (!key_parse(k, arg, true, &why)) {
			tool_err(ctx, "cannot parse %s '%s' (no such file, so read as hex): %s", what, tool_quote(q, arg),
				 why);
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
	zt_file_free(buf, size); /* the whole file: trimming may have moved the start */
	return rc;
}

static int planet_keygen(int argc, char **argv, struct tool_ctx *ctx)
{
	bool force = false;
	const struct tool_opt opts[] = { { "force", 'f', NULL, &force }, { NULL, 0, NULL, NULL } };
	struct signing_key k;
	char line[KEY_HEX_LEN + 1];
	int rc;

	rc = tool_args(ctx, &argc, argv, opts, 1, 1);
	if (rc != TOOL_CONTINUE)
		return rc;
	zt_c25519_generate(k.pub, k.priv);
	/* Without --force, O_EXCL: overwriting a signing key would lose control of the planet for good. */
	rc = tool_write_key_file(ctx, argv[1], k.pub, sizeof k.pub, k.priv, sizeof k.priv, force);
	zt_wipe(k.priv, sizeof k.priv);
	if (rc != TOOL_EXIT_OK)
		return rc;
	zt_hex_encode(line, k.pub, sizeof k.pub);
	if (ctx->json)
		return tool_json_print(ctx, json_pack("{s:s, s:s}", "file", argv[1], "public", line));
	puts(line);
	return TOOL_EXIT_OK;
}

static json_t *endpoints_json(const struct zt_world_root *r)
{
	char ep[ZT_INETADDR_STRING_MAX];
	json_t *a = json_array();

	for (unsigned i = 0; a && i < r->endpoint_count; i++) {
		if (json_array_append_new(a, json_string(zt_inetaddr_format(&r->endpoints[i], ep, sizeof ep)))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *world_json(const struct zt_world *w, const char *path, bool sig_ok)
{
	char idhex[17], addr[11], ident[ZT_IDENTITY_STRING_MAX], when[TOOL_TIME_MAX];
	json_t *roots = json_array();

	for (unsigned i = 0; roots && i < w->root_count; i++) {
		const struct zt_world_root *r = &w->roots[i];

		zt_address_format(addr, r->identity.address);
		if (zt_identity_to_string(&r->identity, false, ident, sizeof ident) < 0 ||
		    json_array_append_new(roots, json_pack("{s:s, s:s, s:o*}", "address", addr, "identity", ident,
							   "stableEndpoints", endpoints_json(r)))) {
			json_decref(roots);
			return NULL;
		}
	}
	snprintf(idhex, sizeof idhex, "%016llx", (unsigned long long)w->id);
	tool_format_time(when, w->timestamp);
	return json_pack("{s:s, s:s, s:o*, s:s, s:o*, s:s, s:o*, s:o*, s:b, s:I, s:o*}", "file", path, "type",
			 world_type_name(w->type), "id", tool_json_u64(w->id), "idHex", idhex, "timestamp",
			 tool_json_u64(w->timestamp), "time", when, "updatesMustBeSignedBy",
			 tool_json_hex(w->updates_must_be_signed_by, sizeof w->updates_must_be_signed_by),
			 "signature", tool_json_hex(w->signature, sizeof w->signature), "signatureValid", sig_ok,
			 "size", (json_int_t)w->raw_len, "roots", roots);
}

static void world_print_human(const struct zt_world *w, const char *path, bool sig_ok, const char *signer_hex)
{
	char hex[2 * ZT_C25519_PUBLIC_LEN + 1], addr[11], ident[ZT_IDENTITY_STRING_MAX], when[TOOL_TIME_MAX];
	char ep[ZT_INETADDR_STRING_MAX];

	zt_hex_encode(hex, w->updates_must_be_signed_by, sizeof w->updates_must_be_signed_by);
	tool_format_time(when, w->timestamp);
	printf("world %llu (0x%016llx)\n", (unsigned long long)w->id, (unsigned long long)w->id);
	printf("  type: %s\n", world_type_name(w->type));
	printf("  file: %s (%zu bytes)\n", path, w->raw_len);
	printf("  timestamp: %llu (%s)\n", (unsigned long long)w->timestamp, when);
	printf("  updates must be signed by: %s\n", hex);
	printf("  signature: %s\n", sig_ok ? "valid under its own updates-must-be-signed-by key"
				       : "does NOT verify under its own updates-must-be-signed-by key");
	if (signer_hex)
		printf("  signed by: %s\n", signer_hex);
	for (unsigned i = 0; i < w->root_count; i++) {
		const struct zt_world_root *r = &w->roots[i];

		zt_address_format(addr, r->identity.address);
		if (zt_identity_to_string(&r->identity, false, ident, sizeof ident) < 0)
			snprintf(ident, sizeof ident, "(unprintable)");
		printf("\nroot %s\n  identity: %s\n", addr, ident);
		for (unsigned j = 0; j < r->endpoint_count; j++)
			printf("  endpoint: %s\n", zt_inetaddr_format(&r->endpoints[j], ep, sizeof ep));
	}
}

/*
 * Prints a world. `signer` (NULL if unknown) is the key that just signed it: after a key rotation
 * the signature verifies only under that previous key, and the summary should say so.
 */
static int world_print(struct tool_ctx *ctx, const struct zt_world *w, const char *path, const uint8_t *signer)
{
	bool sig_ok = zt_world_verify(w, w->updates_must_be_signed_by);
	char hex[2 * ZT_C25519_PUBLIC_LEN + 1];
	json_t *j;

	if (signer)
		zt_hex_encode(hex, signer, ZT_C25519_PUBLIC_LEN);
	if (ctx->json) {
		j = world_json(w, path, sig_ok);
		if (j && signer && json_object_set_new(j, "signedBy", json_string(hex))) {
			json_decref(j);
			j = NULL;
		}
		return tool_json_print(ctx, j);
	}
	world_print_human(w, path, sig_ok, signer ? hex : NULL);
	return TOOL_EXIT_OK;
}

static bool is_hex_text(const char *s, size_t len)
{
	if (!len || len % 2)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/*
 * If buf[0..len-1] is hex text (surrounding whitespace allowed), decodes it into a new buffer in
 * *bin. A binary world starts with its type byte (0, 1 or 127), never a hex digit, so this needs no
 * guessing; binary data may end in bytes that look like whitespace, so buf is only looked at.
 * Returns false if the text does not decode; *bin stays NULL for binary input.
 */
static bool hex_text_decode(const char *buf, size_t len, uint8_t **bin, size_t *n)
{
	size_t start = 0, end = len;
	long dec;

	*bin = NULL;
	while (start < end && isspace((unsigned char)buf[start]))
		start++;
	while (end > start && isspace((unsigned char)buf[end - 1]))
		end--;
	if (!is_hex_text(buf + start, end - start))
		return true;
	*bin = malloc((end - start) / 2);
	dec = *bin ? zt_hex_decode_all(*bin, (end - start) / 2, buf + start, end - start) : -1;
	if (dec < 0)
		return false;
	*n = (size_t)dec;
	return true;
}

/* Reads and parses a world file, binary or hex. Returns TOOL_CONTINUE or an exit code. */
static int world_load(struct tool_ctx *ctx, const char *path, struct zt_world *w)
{
	char q[TOOL_QUOTE_MAX], msg[64];
	char *buf = NULL;
	uint8_t *bin = NULL;
	size_t len = 0, n = 0, used = 0;
	int rc = TOOL_EXIT_FAIL;
	zt_err err = zt_file_read(path, PLANET_FILE_MAX, &buf, &len);

	if (err) {
		tool_err(ctx, "cannot read planet file '%s': %s", tool_quote(q, path),
			 tool_read_strerror(err, PLANET_FILE_MAX, msg, sizeof msg));
		return TOOL_EXIT_FAIL;
	}
	if (!hex_text_decode(buf, len, &bin, &n)) {
		tool_err(ctx, "cannot decode hex planet file '%s'", tool_quote(q, path));
		goto out;
	}
	if (!bin)
		n = len;
	err = zt_world_parse(w, bin ? bin : (const uint8_t *)buf, n, &used);
	if (err) {
		tool_err(ctx, "cannot parse planet file '%s': %s", tool_quote(q, path), zt_strerror(err));
		goto out;
	}
	if (used != n) {
		tool_err(ctx, "planet file '%s' has %zu bytes after the world", tool_quote(q, path), n - used);
		goto out;
	}
	rc = TOOL_CONTINUE;
out:
	free(bin);
	zt_file_free(buf, len);
	return rc;
}

static int planet_show(int argc, char **argv, struct tool_ctx *ctx)
{
	struct zt_world *w;
	int rc = tool_args(ctx, &argc, argv, NULL, 1, 1);

	if (rc != TOOL_CONTINUE)
		return rc;
	w = malloc(sizeof *w);
	if (!w) {
		tool_err(ctx, "out of memory");
		return TOOL_EXIT_FAIL;
	}
	rc = world_load(ctx, argv[1], w);
	if (rc == TOOL_CONTINUE)
		rc = world_print(ctx, w, argv[1], NULL);
	free(w);
	return rc;
}

/* Parses the endpoint list after '@' (modified in place by the split) into r. */
static int endpoints_parse(struct tool_ctx *ctx, unsigned index, char *list, struct zt_world_root *r)
{
	char q[TOOL_QUOTE_MAX];

	r->endpoint_count = 0;
	for (char *ep = list, *next; ep; ep = next) {
		struct zt_inetaddr *a = &r->endpoints[r->endpoint_count];

		next = strchr(ep, ',');
		if (next)
			*next++ = '\0';
		if (r->endpoint_count == ZT_WORLD_MAX_STABLE_ENDPOINTS_PER_ROOT) {
			tool_err(ctx, "root %u has more than %d endpoints", index, ZT_WORLD_MAX_STABLE_ENDPOINTS_PER_ROOT);
			return TOOL_EXIT_USAGE;
		}
		if (zt_inetaddr_parse(a, ep) != ZT_OK || a->family == ZT_INETADDR_NIL || !a->port) {
			tool_err(ctx, "cannot parse endpoint '%s' of root %u: expected IP/port (e.g. 198.18.0.1/9993 or "
				      "2001:db8::1/9993)", tool_quote(q, ep), index);
			return TOOL_EXIT_USAGE;
		}
		for (unsigned j = 0; j < r->endpoint_count; j++) {
			if (zt_inetaddr_equal(&r->endpoints[j], a)) {
				tool_err(ctx, "endpoint '%s' of root %u is listed twice", tool_quote(q, ep), index);
				return TOOL_EXIT_USAGE;
			}
		}
		r->endpoint_count++;
	}
	return TOOL_CONTINUE;
}

/* One root argument: <identity string or file>@<IP/port>[,<IP/port>...]. */
static int root_parse(struct tool_ctx *ctx, unsigned index, const char *arg, struct zt_world_root *r)
{
	char q[TOOL_QUOTE_MAX], what[32];
	char *copy = strdup(arg), *at;
	int rc;

	if (!copy) {
		tool_err(ctx, "out of memory");
		return TOOL_EXIT_FAIL;
	}
	/* The last '@': endpoints never hold one, a file name might. */
	at = strrchr(copy, '@');
	if (!at || at == copy || !at[1]) {
		tool_err(ctx, "cannot parse root %u '%s': " ROOT_FORMAT, index, tool_quote(q, arg));
		rc = TOOL_EXIT_USAGE;
		goto out;
	}
	*at = '\0';
	rc = endpoints_parse(ctx, index, at + 1, r);
	if (rc != TOOL_CONTINUE)
		goto out;
	snprintf(what, sizeof what, "root %u identity", index);
	rc = tool_identity_load(ctx, what, copy, &r->identity);
	if (rc != TOOL_CONTINUE)
		goto out;
	/* A world carries public identities only; a secret given here must go no further. */
	zt_identity_wipe(&r->identity);
	r->identity.has_private = false;
out:
	zt_wipe(copy, strlen(arg)); /* the identity part may have been a secret string */
	free(copy);
	return rc;
}

static int roots_parse(struct tool_ctx *ctx, int n, char **args, struct zt_world *w)
{
	char addr[11];
	int rc;

	if (n < 1 || n > ZT_WORLD_MAX_ROOTS) {
		tool_err(ctx, "a world holds 1 to %d roots, got %d (usage: " TOOL_NAME " %s %s)", ZT_WORLD_MAX_ROOTS, n,
			 ctx->cmd, ctx->usage);
		return TOOL_EXIT_USAGE;
	}
	for (int i = 0; i < n; i++) {
		rc = root_parse(ctx, (unsigned)i + 1, args[i], &w->roots[i]);
		if (rc != TOOL_CONTINUE)
			return rc;
		w->root_count++;
		for (int j = 0; j < i; j++) {
			if (w->roots[j].identity.address == w->roots[i].identity.address) {
				zt_address_format(addr, w->roots[i].identity.address);
				tool_err(ctx, "roots %d and %d are the same node %s", j + 1, i + 1, addr);
				return TOOL_EXIT_USAGE;
			}
		}
	}
	return TOOL_CONTINUE;
}

/* The memory-hard check, after every cheap argument check has passed. */
static int roots_validate(struct tool_ctx *ctx, const struct zt_world *w)
{
	char addr[11];

	for (unsigned i = 0; i < w->root_count; i++) {
		zt_err err = zt_identity_validate(&w->roots[i].identity);

		if (err) {
			zt_address_format(addr, w->roots[i].identity.address);
			tool_err(ctx, "root %u identity %s is invalid: %s", i + 1, addr,
				 err == ZT_EINVALID ? "its address is not derived from its public key" : zt_strerror(err));
			return TOOL_EXIT_FAIL;
		}
	}
	return TOOL_CONTINUE;
}

static int parse_u64_opt(struct tool_ctx *ctx, const char *name, const char *s, uint64_t *v)
{
	char q[TOOL_QUOTE_MAX];

	if (!tool_parse_u64(v, s)) {
		tool_err(ctx, "cannot parse --%s '%s': expected a decimal or 0x-prefixed hex number below 2^64", name,
			 tool_quote(q, s));
		return TOOL_EXIT_USAGE;
	}
	return TOOL_CONTINUE;
}

static int missing_option(struct tool_ctx *ctx, const char *name)
{
	tool_err(ctx, "missing option %s (usage: " TOOL_NAME " %s %s)", name, ctx->cmd, ctx->usage);
	return TOOL_EXIT_USAGE;
}

static int planet_new(int argc, char **argv, struct tool_ctx *ctx)
{
	const char *out = NULL, *id_s = NULL, *ts_s = NULL, *next_s = NULL, *key_s = NULL;
	bool moon = false;
	const struct tool_opt opts[] = {
		{ "output", 'o', &out, NULL }, { "id", 0, &id_s, NULL }, { "timestamp", 0, &ts_s, NULL },
		{ "moon", 0, NULL, &moon }, { "next-key", 0, &next_s, NULL }, { "key", 'k', &key_s, NULL },
		{ NULL, 0, NULL, NULL },
	};
	struct signing_key key = { { 0 }, { 0 } }, next = { { 0 }, { 0 } };
	struct zt_world *w = NULL;
	char q[TOOL_QUOTE_MAX];
	zt_err err;
	int rc = tool_args(ctx, &argc, argv, opts, 0, -1);

	if (rc != TOOL_CONTINUE)
		return rc;
	if (!out || !id_s || !key_s)
		return missing_option(ctx, !out ? "-o <file>" : !id_s ? "--id <world id>" : "--key <signing-key-file>");
	w = calloc(1, sizeof *w);
	if (!w) {
		tool_err(ctx, "out of memory");
		return TOOL_EXIT_FAIL;
	}
	w->type = moon ? ZT_WORLD_TYPE_MOON : ZT_WORLD_TYPE_PLANET;
	w->timestamp = tool_now_ms();
	if ((rc = parse_u64_opt(ctx, "id", id_s, &w->id)) != TOOL_CONTINUE ||
	    (ts_s && (rc = parse_u64_opt(ctx, "timestamp", ts_s, &w->timestamp)) != TOOL_CONTINUE))
		goto out;
	if (!w->id) {
		/* ID 0 marks an empty world, which any other world replaces without a signature (world.md §3). */
		tool_err(ctx, "--id must not be 0 (that is the empty world)");
		rc = TOOL_EXIT_USAGE;
		goto out;
	}
	if ((rc = roots_parse(ctx, argc - 1, argv + 1, w)) != TOOL_CONTINUE)
		goto out;
	if (next_s && (rc = key_load(ctx, "--next-key", next_s, true, &next)) != TOOL_CONTINUE)
		goto out;
	if ((rc = key_load(ctx, "signing key", key_s, false, &key)) != TOOL_CONTINUE)
		goto out;
	if ((rc = roots_validate(ctx, w)) != TOOL_CONTINUE)
		goto out;
	memcpy(w->updates_must_be_signed_by, next_s ? next.pub : key.pub, sizeof w->updates_must_be_signed_by);
	err = zt_world_sign(w, key.pub, key.priv);
	if (err || !zt_world_verify(w, key.pub)) {
		tool_err(ctx, "cannot sign the world: %s", err ? zt_strerror(err) : "signature does not verify");
		rc = TOOL_EXIT_FAIL;
		goto out;
	}
	err = zt_file_write_atomic(out, w->raw, w->raw_len, PLANET_FILE_MODE);
	if (err) {
		tool_err(ctx, "cannot write '%s': %s", tool_quote(q, out), zt_strerror(err));
		rc = TOOL_EXIT_FAIL;
		goto out;
	}
	rc = world_print(ctx, w, out, key.pub);
out:
	zt_wipe(&key, sizeof key);
	zt_wipe(&next, sizeof next); /* --next-key may have named a key pair file */
	free(w);
	return rc;
}

static const struct tool_cmd planet_cmds[] = {
	{ "keygen", planet_keygen, "[--force] <signing-key-file>",
	  "create a world signing key pair (mode 0600); print its public key" },
	{ "new", planet_new,
	  "-o <file> --id <world id> [--timestamp <ms>] [--moon] [--next-key <key>] --key <signing-key-file> "
	  "<identity>@<IP/port>[,<IP/port>...] ...",
	  "build and sign a planet (or moon) with 1 to 4 roots" },
	{ "show", planet_show, "<file>", "print a planet or moon file (binary or hex) and check its signature" },
};

int cmd_planet(int argc, char **argv, struct tool_ctx *ctx)
{
	return tool_group_run(ctx, planet_cmds, ARRAY_SIZE(planet_cmds), argc, argv);
}
