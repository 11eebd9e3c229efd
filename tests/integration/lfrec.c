/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test helper for test_lf_mirror.sh: makes LF records, good and deliberately bad, with the record
 * codec (src/lf/), for posting to a mirror with curl.
 *
 *   lfrec make <owner file> <links file> <kind> <name> <ordinal> [<difficulty> <table file>]
 *        writes one record to stdout. <links file> is a /links answer (concatenated hashes).
 *        kinds: good, badsig, badclaim, bigvalue, lowwork, badwork, future, fewlinks, type1
 *   lfrec hash <record file>    prints "=<base62>" (the record hash)
 *   lfrec key <name> <ordinal>  prints the Base62 of MakeSelectorKey(name, ordinal)
 *   lfrec garbage <n>           writes n pseudo-random bytes (not a record)
 *   lfrec hashes <file>         prints the hash of every record of a concatenation (a dump), one per line
 *   lfrec unhex                 hex text on stdin to bytes on stdout (the vectors' dump)
 * Exit status 0 on success, 1 on failure, 2 on bad usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "lf/base62.h"
#include "lf/owner.h"
#include "lf/record.h"
#include "lf/selector.h"
#include "lf/wharrgarbl.h"
#include "node/buf.h"

#define FILE_MAX (1 << 20)
#define BIG_VALUE 1100          /* above the test network's RecordMaxValueSize (1024) */
#define FUTURE_S 3600

static uint8_t *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = malloc(FILE_MAX);
	*n = 0;
	if (!f || !buf) {
		fprintf(stderr, "lfrec: cannot read %s: %s\n", path, strerror(errno));
		if (f)
			fclose(f);
		free(buf);
		return NULL;
	}
	*n = fread(buf, 1, FILE_MAX, f);
	fclose(f);
	return buf;
}

static int cmd_make(int argc, char **argv)
{
	const char *kind = argv[4];
	struct zt_lf_owner o;
	struct zt_lf_record r = { 0 };
	struct zt_lf_wtable table = { 0 };
	size_t n, nl;
	uint8_t *key = slurp(argv[2], &n), *links = slurp(argv[3], &nl), *big = NULL;
	uint32_t difficulty = argc > 7 ? (uint32_t)strtoul(argv[7], NULL, 0) : 0;
	int rc = 1;
	if (!key || !links || zt_lf_owner_load(&o, key, n) != ZT_OK) {
		fprintf(stderr, "lfrec: bad owner or links file\n");
		goto out;
	}
	unsigned nlinks = (unsigned)(nl / 32);
	if (!strcmp(kind, "fewlinks") && nlinks > 1)
		nlinks = 1;
	const char *value = "lfrec test value";
	size_t value_len = strlen(value);
	if (!strcmp(kind, "bigvalue")) {
		big = malloc(BIG_VALUE);
		randombytes_buf(big, BIG_VALUE); /* incompressible */
		value = (const char *)big;
		value_len = BIG_VALUE;
	}
	struct zt_lf_selector_spec sel = { argv[5], strlen(argv[5]), strtoull(argv[6], NULL, 0) };
	uint64_t now = (uint64_t)time(NULL);
	struct zt_lf_record_params p = {
		.owner = &o,
		.value = value,
		.value_len = value_len,
		.selectors = &sel,
		.selector_count = 1,
		.links = (const uint8_t(*)[32])links,
		.link_count = nlinks,
		.timestamp = !strcmp(kind, "future") ? now + FUTURE_S : now,
		.type = !strcmp(kind, "type1") ? ZT_LF_TYPE_GENESIS : ZT_LF_TYPE_DATUM,
		.pulse = true,
	};
	if (zt_lf_record_make(&r, &p) != ZT_OK) {
		fprintf(stderr, "lfrec: cannot make the record\n");
		goto out;
	}
	if (!strcmp(kind, "badclaim"))
		memset(r.selectors[0].claim, 0, 20); /* r = 0: no public key recovers */
	if (!strcmp(kind, "badwork")) {
		randombytes_buf(r.work, 10);
		zt_put_be32(r.work + 10, difficulty ? difficulty : 16);
		r.work_algorithm = ZT_LF_WORK_WHARRGARBL;
	} else if (difficulty || !strcmp(kind, "lowwork")) {
		if (zt_lf_wtable_map(&table, argv[8]) != ZT_OK && zt_lf_wtable_load(&table, argv[8]) != ZT_OK) {
			fprintf(stderr, "lfrec: no proof-of-work table at %s\n", argv[8]);
			goto out;
		}
		struct zt_lf_solve_opts so = { .memory = ZT_LF_SOLVE_MIN_MEMORY * 4 };
		if (zt_lf_record_make_work(&r, &table, !strcmp(kind, "lowwork") ? 1 : difficulty, &so) != ZT_OK) {
			fprintf(stderr, "lfrec: proof of work failed\n");
			goto out;
		}
	}
	if (zt_lf_record_sign(&r, &o) != ZT_OK) {
		fprintf(stderr, "lfrec: cannot sign\n");
		goto out;
	}
	if (!strcmp(kind, "badsig"))
		r.signature[r.signature_len / 2] ^= 0x40;
	size_t size = zt_lf_record_size(&r);
	uint8_t *out = malloc(size);
	struct zt_wbuf w = zt_wbuf_init(out, size);
	if (!out || zt_lf_record_serialize(&r, &w) != ZT_OK || fwrite(out, 1, w.len, stdout) != w.len)
		fprintf(stderr, "lfrec: cannot write the record\n");
	else
		rc = 0;
	free(out);
out:
	if (table.data)
		zt_lf_wtable_free(&table);
	zt_lf_record_clear(&r);
	free(key);
	free(links);
	free(big);
	return rc;
}

static int cmd_hash(const char *path)
{
	struct zt_lf_record r = { 0 };
	struct zt_lf_record_hashes h;
	char text[ZT_LF_HASH_TEXT_MAX];
	size_t n, used;
	uint8_t *b = slurp(path, &n);
	int rc = 1;
	if (b && zt_lf_record_parse(&r, b, n, &used) == ZT_OK && zt_lf_record_hashes(&r, &h) == ZT_OK &&
	    zt_lf_hash_text(text, h.hash) == ZT_OK) {
		puts(text);
		rc = 0;
	} else {
		fprintf(stderr, "lfrec: %s is not a record\n", path);
	}
	zt_lf_record_clear(&r);
	free(b);
	return rc;
}

static int cmd_hashes(const char *path)
{
	size_t n, off = 0, used;
	uint8_t *b = slurp(path, &n);
	int rc = b ? 0 : 1;
	while (b && off < n) {
		struct zt_lf_record r = { 0 };
		struct zt_lf_record_hashes h;
		char text[ZT_LF_HASH_TEXT_MAX];
		if (zt_lf_record_parse(&r, b + off, n - off, &used) != ZT_OK || zt_lf_record_hashes(&r, &h) != ZT_OK ||
		    zt_lf_hash_text(text, h.hash) != ZT_OK) {
			fprintf(stderr, "lfrec: no record at offset %zu of %s\n", off, path);
			rc = 1;
			break;
		}
		puts(text);
		zt_lf_record_clear(&r);
		off += used;
	}
	free(b);
	return rc;
}

static int cmd_unhex(void)
{
	int c, hi = -1;
	while ((c = getchar()) != EOF) {
		int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (v < 0)
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			putchar(hi << 4 | v);
			hi = -1;
		}
	}
	return hi < 0 ? 0 : 1;
}

static int cmd_key(const char *name, const char *ord)
{
	uint8_t key[32];
	char *text;
	if (zt_lf_selector_key(key, name, strlen(name), strtoull(ord, NULL, 0)) != ZT_OK ||
	    !(text = zt_lf_base62_encode_alloc(key, sizeof key)))
		return 1;
	puts(text);
	free(text);
	return 0;
}

static int cmd_garbage(const char *count)
{
	size_t n = strtoul(count, NULL, 0);
	uint8_t *b = malloc(n ? n : 1);
	if (!b)
		return 1;
	randombytes_buf(b, n);
	if (n)
		b[0] = 0xff; /* flags with reserved bits and a 15-link count: never a whole record at these sizes */
	int rc = fwrite(b, 1, n, stdout) == n ? 0 : 1;
	free(b);
	return rc;
}

int main(int argc, char **argv)
{
	if (sodium_init() < 0)
		return 1;
	if (argc >= 7 && !strcmp(argv[1], "make") && (argc == 7 || argc == 9))
		return cmd_make(argc, argv);
	if (argc == 3 && !strcmp(argv[1], "hash"))
		return cmd_hash(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "key"))
		return cmd_key(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "garbage"))
		return cmd_garbage(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "hashes"))
		return cmd_hashes(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "unhex"))
		return cmd_unhex();
	fprintf(stderr, "usage: lfrec make <owner file> <links file> <kind> <name> <ordinal> [<difficulty> <table>]\n"
			"       lfrec hash <record file> | hashes <dump file> | key <name> <ordinal> | garbage <n> | unhex\n");
	return 2;
}
