/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/file.h"
#include "node/crypto.h"
#include "node/hex.h"
#include "node/identity.h"
#include "tool.h"
#include "util.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define IDENTITY_FILE_MAX 4096            /* identity.secret is 270 bytes; leave room for whitespace */
#define SIGNATURE_FILE_MAX 4096
#define SIGNED_FILE_MAX (256UL << 20)     /* sign/verify read the whole file into memory */
#define SIGNATURE_HEX_LEN (2 * ZT_C25519_SIGNATURE_LEN)
#define IDENTITY_FORMAT "expected <address>:0:<public key>[:<private key>]"
#define ADDRESS_HEX_LEN 10
#define KEY_HEX_LEN 128

static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789abcdefABCDEF", s[i]) || !s[i])
			return false;
	return true;
}

/*
 * Says what is wrong with a string the parser refused. The parser only reports "malformed", and
 * "expected a:b:c" alone leaves the user counting 128 hex digits by eye.
 */
static const char *identity_parse_hint(zt_err err, const char *s)
{
	const char *f[5];
	size_t len[5];
	int n = 0;

	if (err == ZT_ERESERVED)
		return "reserved address (0000000000 or ff..........)";
	if (err == ZT_EUNSUPPORTED)
		return "unsupported identity type (only type 0, C25519, exists in protocol 12)";
	for (const char *p = s; n < 5; n++) {
		const char *c = strchr(p, ':');

		f[n] = p;
		len[n] = c ? (size_t)(c - p) : strlen(p);
		if (!c) {
			n++;
			break;
		}
		p = c + 1;
	}
	if (n < 3 || n > 4)
		return IDENTITY_FORMAT;
	if (len[0] != ADDRESS_HEX_LEN || !all_hex(f[0], len[0]))
		return "the address must be 10 hex digits (" IDENTITY_FORMAT ")";
	if (len[1] != 1 || f[1][0] != '0')
		return "the type must be 0 (" IDENTITY_FORMAT ")";
	if (len[2] != KEY_HEX_LEN || !all_hex(f[2], len[2]))
		return "the public key must be 128 hex digits (" IDENTITY_FORMAT ")";
	if (n == 4 && (len[3] != KEY_HEX_LEN || !all_hex(f[3], len[3])))
		return "the private key must be 128 hex digits (" IDENTITY_FORMAT ")";
	return IDENTITY_FORMAT;
}

int tool_identity_load(struct tool_ctx *ctx, const char *what, const char *arg, struct zt_identity *id)
{
	char q[TOOL_QUOTE_MAX], msg[64];
	char *buf = NULL, *s;
	size_t size = 0, len;
	zt_err err;
	int rc = TOOL_CONTINUE;

	if (!zt_file_exists(arg)) {
		err = zt_identity_from_string(id, arg);
		if (err) {
			tool_err(ctx, "cannot parse %s '%s' (no such file, so read as an identity string): %s", what,
				 tool_quote(q, arg), identity_parse_hint(err, arg));
			return TOOL_EXIT_USAGE;
		}
		return TOOL_CONTINUE;
	}
	err = zt_file_read(arg, IDENTITY_FILE_MAX, &buf, &size);
	if (err) {
		tool_err(ctx, "cannot read %s file '%s': %s", what, tool_quote(q, arg),
			 tool_read_strerror(err, IDENTITY_FILE_MAX, msg, sizeof msg));
		return TOOL_EXIT_FAIL;
	}
	len = size;
	s = tool_trim(buf, &len);
	err = zt_identity_from_string(id, s);
	if (err) {
		/* The file's content is not quoted: it may hold a private key. */
		tool_err(ctx, "cannot parse %s in file '%s': %s", what, tool_quote(q, arg),
			 identity_parse_hint(err, s));
		rc = TOOL_EXIT_FAIL;
	}
	zt_file_free(buf, size); /* the whole file: trimming may have moved the start */
	return rc;
}

static int identity_print(struct tool_ctx *ctx, const struct zt_identity *id, bool with_secret)
{
	char pub[ZT_IDENTITY_STRING_MAX], sec[ZT_IDENTITY_STRING_MAX], addr[11];
	int rc = TOOL_EXIT_FAIL;

	if (zt_identity_to_string(id, false, pub, sizeof pub) < 0 ||
	    (with_secret && zt_identity_to_string(id, true, sec, sizeof sec) < 0)) {
		tool_err(ctx, "cannot format the identity");
		goto out;
	}
	zt_address_format(addr, id->address);
	if (!ctx->json) {
		puts(with_secret ? sec : pub);
		rc = TOOL_EXIT_OK;
	} else if (with_secret) {
		rc = tool_json_print(ctx, json_pack("{s:s, s:s, s:s, s:s}", "address", addr, "type", "c25519",
						    "public", pub, "secret", sec));
	} else {
		rc = tool_json_print(ctx, json_pack("{s:s, s:s, s:s}", "address", addr, "type", "c25519", "public",
						    pub));
	}
out:
	zt_wipe(sec, sizeof sec);
	return rc;
}

static int identity_new(int argc, char **argv, struct tool_ctx *ctx)
{
	struct zt_identity id;
	char q[TOOL_QUOTE_MAX];
	int rc = tool_args(ctx, &argc, argv, NULL, 0, 1);
	zt_err err;

	if (rc != TOOL_CONTINUE)
		return rc;
	if (argc == 2 && strcmp(argv[1], "c25519") && strcmp(argv[1], "0")) {
		tool_err(ctx, "unknown identity type '%s' (supported: c25519)", tool_quote(q, argv[1]));
		return TOOL_EXIT_USAGE;
	}
	err = zt_identity_generate(&id);
	if (err) {
		tool_err(ctx, "cannot generate an identity: %s", zt_strerror(err));
		return TOOL_EXIT_FAIL;
	}
	rc = identity_print(ctx, &id, true);
	zt_identity_wipe(&id);
	return rc;
}

static int identity_getpublic(int argc, char **argv, struct tool_ctx *ctx)
{
	struct zt_identity id;
	int rc = tool_args(ctx, &argc, argv, NULL, 1, 1);

	if (rc != TOOL_CONTINUE)
		return rc;
	rc = tool_identity_load(ctx, "identity", argv[1], &id);
	if (rc != TOOL_CONTINUE)
		return rc;
	rc = identity_print(ctx, &id, false);
	zt_identity_wipe(&id);
	return rc;
}

/* Prints the outcome of a check: "valid" / {"valid":true}, or the reason on stderr (and JSON). */
static int print_verdict(struct tool_ctx *ctx, uint64_t address, bool ok, const char *human_ok, const char *why)
{
	char addr[11];
	int rc = ok ? TOOL_EXIT_OK : TOOL_EXIT_FAIL;

	zt_address_format(addr, address);
	if (!ok)
		tool_err(ctx, "%s", why);
	if (ctx->json) {
		if (tool_json_print(ctx, json_pack("{s:s, s:b}", "address", addr, "valid", ok)) != TOOL_EXIT_OK)
			rc = TOOL_EXIT_FAIL;
	} else if (ok) {
		puts(human_ok);
	}
	return rc;
}

static int identity_validate(int argc, char **argv, struct tool_ctx *ctx)
{
	struct zt_identity id;
	uint8_t derived[ZT_C25519_PUBLIC_LEN];
	char addr[11], why[128];
	int rc = tool_args(ctx, &argc, argv, NULL, 1, 1);
	zt_err err;

	if (rc != TOOL_CONTINUE)
		return rc;
	rc = tool_identity_load(ctx, "identity", argv[1], &id);
	if (rc != TOOL_CONTINUE)
		return rc;
	zt_address_format(addr, id.address);
	/* Checked here too, only to tell the user which of the two proofs failed. */
	if (id.has_private) {
		zt_c25519_public(derived, id.priv);
		if (!zt_ct_equal(derived, id.pub, sizeof derived)) {
			snprintf(why, sizeof why, "identity %s is invalid: its private key does not match its public key",
				 addr);
			rc = print_verdict(ctx, id.address, false, NULL, why);
			goto out;
		}
	}
	err = zt_identity_validate(&id);
	if (err && err != ZT_EINVALID) {
		tool_err(ctx, "cannot validate identity %s: %s", addr, zt_strerror(err));
		rc = TOOL_EXIT_FAIL;
		goto out;
	}
	snprintf(why, sizeof why, "identity %s is invalid: its address is not derived from its public key", addr);
	rc = print_verdict(ctx, id.address, err == ZT_OK, "valid", why);
out:
	zt_identity_wipe(&id);
	return rc;
}

static int read_message(struct tool_ctx *ctx, const char *path, char **buf, size_t *len)
{
	char q[TOOL_QUOTE_MAX], msg[64];
	zt_err err = zt_file_read(path, SIGNED_FILE_MAX, buf, len);

	if (err) {
		tool_err(ctx, "cannot read file '%s': %s", tool_quote(q, path),
			 tool_read_strerror(err, SIGNED_FILE_MAX, msg, sizeof msg));
		return TOOL_EXIT_FAIL;
	}
	return TOOL_CONTINUE;
}

static int identity_sign(int argc, char **argv, struct tool_ctx *ctx)
{
	struct zt_identity id;
	uint8_t sig[ZT_C25519_SIGNATURE_LEN];
	char hex[SIGNATURE_HEX_LEN + 1], addr[11];
	char *msg = NULL;
	size_t len = 0;
	int rc = tool_args(ctx, &argc, argv, NULL, 2, 2);

	if (rc != TOOL_CONTINUE)
		return rc;
	rc = tool_identity_load(ctx, "identity", argv[1], &id);
	if (rc != TOOL_CONTINUE)
		return rc;
	zt_address_format(addr, id.address);
	if (!id.has_private) {
		tool_err(ctx, "identity %s has no private key (give the secret form, e.g. identity.secret)", addr);
		rc = TOOL_EXIT_FAIL;
		goto out;
	}
	rc = read_message(ctx, argv[2], &msg, &len);
	if (rc != TOOL_CONTINUE)
		goto out;
	if (zt_identity_sign(&id, msg, len, sig) != ZT_OK) {
		tool_err(ctx, "cannot sign with identity %s", addr);
		rc = TOOL_EXIT_FAIL;
		goto out;
	}
	zt_hex_encode(hex, sig, sizeof sig);
	if (ctx->json) {
		rc = tool_json_print(ctx, json_pack("{s:s, s:s}", "address", addr, "signature", hex));
	} else {
		puts(hex);
		rc = TOOL_EXIT_OK;
	}
out:
	zt_file_free(msg, len);
	zt_identity_wipe(&id);
	return rc;
}

/* The signature argument: a file holding hex if one exists, else the hex itself. */
static int signature_load(struct tool_ctx *ctx, const char *arg, uint8_t sig[static ZT_C25519_SIGNATURE_LEN])
{
	char q[TOOL_QUOTE_MAX], msg[64];
	char *buf = NULL, *s;
	size_t size = 0, len;
	zt_err err;
	int rc = TOOL_CONTINUE;

	if (!zt_file_exists(arg)) {
		len = strlen(arg);
		if (len != SIGNATURE_HEX_LEN || !zt_hex_decode(sig, ZT_C25519_SIGNATURE_LEN, arg)) {
			tool_err(ctx, "cannot parse signature '%s' (no such file, so read as hex): expected %d hex digits",
				 tool_quote(q, arg), SIGNATURE_HEX_LEN);
			return TOOL_EXIT_USAGE;
		}
		return TOOL_CONTINUE;
	}
	err = zt_file_read(arg, SIGNATURE_FILE_MAX, &buf, &size);
	if (err) {
		tool_err(ctx, "cannot read signature file '%s': %s", tool_quote(q, arg),
			 tool_read_strerror(err, SIGNATURE_FILE_MAX, msg, sizeof msg));
		return TOOL_EXIT_FAIL;
	}
	len = size;
	s = tool_trim(buf, &len);
	if (len != SIGNATURE_HEX_LEN || !zt_hex_decode(sig, ZT_C25519_SIGNATURE_LEN, s)) {
		tool_err(ctx, "cannot parse signature in file '%s': expected %d hex digits", tool_quote(q, arg),
			 SIGNATURE_HEX_LEN);
		rc = TOOL_EXIT_FAIL;
	}
	zt_file_free(buf, size);
	return rc;
}

static int identity_verify(int argc, char **argv, struct tool_ctx *ctx)
{
	struct zt_identity id;
	uint8_t sig[ZT_C25519_SIGNATURE_LEN];
	char *msg = NULL;
	size_t len = 0;
	bool ok;
	int rc = tool_args(ctx, &argc, argv, NULL, 3, 3);

	if (rc != TOOL_CONTINUE)
		return rc;
	rc = tool_identity_load(ctx, "identity", argv[1], &id);
	if (rc != TOOL_CONTINUE)
		return rc;
	rc = signature_load(ctx, argv[3], sig);
	if (rc != TOOL_CONTINUE)
		goto out;
	rc = read_message(ctx, argv[2], &msg, &len);
	if (rc != TOOL_CONTINUE)
		goto out;
	ok = zt_identity_verify(&id, msg, len, sig, sizeof sig);
	rc = print_verdict(ctx, id.address, ok, "signature valid", "signature invalid");
out:
	zt_file_free(msg, len);
	zt_identity_wipe(&id);
	return rc;
}

static const struct tool_cmd identity_cmds[] = {
	{ "new", identity_new, "[c25519]", "generate an identity and print its secret form" },
	{ "getpublic", identity_getpublic, "<file|string>", "print the public form of an identity" },
	{ "validate", identity_validate, "<file|string>", "check an identity's address proof and key pair" },
	{ "sign", identity_sign, "<identity.secret> <file>", "sign a file; print the 96-byte signature as hex" },
	{ "verify", identity_verify, "<identity> <file> <signature>",
	  "verify a signature (hex, or a file holding hex) over a file" },
};

int cmd_identity(int argc, char **argv, struct tool_ctx *ctx)
{
	return tool_group_run(ctx, identity_cmds, ARRAY_SIZE(identity_cmds), argc, argv);
}
