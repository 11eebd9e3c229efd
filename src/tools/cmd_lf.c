/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `zerotier lf ...`: talks to an LF node (LF's own, or zerotier-lf) over its HTTP API through the
 * client library (src/lf/client.h), and builds records locally (lf.md §4.2): the owner's private
 * key never leaves this machine, selector names are sent only as keys, and values are checked and
 * unmasked here rather than trusted from the node.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd_lf.h"
#include "common/file.h"
#include "lf/client.h"
#include "lf/lfapi_json.h"
#include "lf/owner.h"
#include "lf/record.h"
#include "lf/wharrgarbl.h"
#include "node/crypto.h"
#include "node/hex.h"
#include "util.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define LF_URL_ENV "ZT_LF_URL"
#define OWNER_FILE_MODE 0600
#define OWNER_FILE_MAX 4096
#define VALUE_FILE_MAX ((size_t)1 << 20)
#define TABLE_FILE "lf-wharrgarbl-table.bin"
#define PROGRESS_TTY_MS 250
#define PROGRESS_LOG_MS 10000
#define GET_MAX_OWNERS 32
#define MiB ((size_t)1 << 20)

/* ---------------------------------------------------------------- shared */

static const char *lf_url(const char *opt)
{
	const char *env = getenv(LF_URL_ENV);
	return opt ? opt : env && *env ? env : ZT_LF_CLIENT_DEFAULT_URL;
}

static int client_open(struct tool_ctx *ctx, const char *url, struct zt_lf_client **c)
{
	char q[TOOL_QUOTE_MAX];
	zt_err e = zt_lf_client_new(c, url, NULL);
	if (e == ZT_ECONFIG) {
		tool_err(ctx, "'%s' is not an http:// or https:// URL", tool_quote(q, url));
		return TOOL_EXIT_USAGE;
	}
	if (e) {
		tool_err(ctx, "cannot set up the LF client: %s", zt_strerror(e));
		return TOOL_EXIT_FAIL;
	}
	return TOOL_CONTINUE;
}

/*
 * "name", "name#ordinal" or (ranges) "name#lo#hi": the trailing '#'-separated numbers are ordinals,
 * so a name may itself contain '#' as long as what follows it is not a number.
 */
static bool selector_parse(char *arg, bool allow_range, const char **name, uint64_t *lo, uint64_t *hi)
{
	char *h1 = strrchr(arg, '#');
	*name = arg;
	*lo = *hi = 0;
	if (!h1 || !tool_parse_u64(lo, h1 + 1))
		return arg[0] != '\0';
	*h1 = '\0';
	*hi = *lo;
	char *h2 = allow_range ? strrchr(arg, '#') : NULL;
	uint64_t first;
	if (h2 && tool_parse_u64(&first, h2 + 1)) {
		*h2 = '\0';
		*lo = first;
	}
	return arg[0] != '\0' && *lo <= *hi;
}

static void print_lf_error(struct tool_ctx *ctx, const struct zt_lf_error *e)
{
	tool_err(ctx, "%s", e->message[0] ? e->message : zt_strerror(e->err));
}

static json_t *owner_json(const uint8_t *pub, size_t len)
{
	char text[ZT_LF_OWNER_TEXT_MAX_LEN + 16];
	if (zt_lf_owner_text(text, sizeof text, pub, len))
		return NULL;
	return json_string(text);
}

/* ---------------------------------------------------------------- lf status */

static int lf_status(int argc, char **argv, struct tool_ctx *ctx)
{
	const char *url = NULL;
	const struct tool_opt opts[] = { { "url", 'u', &url, NULL }, { NULL, 0, NULL, NULL } };
	struct zt_lf_client *c = NULL;
	struct zt_lf_status st;
	struct zt_lf_error err;
	char idhex[65];
	int rc = tool_args(ctx, &argc, argv, opts, 0, 0);
	if (rc != TOOL_CONTINUE)
		return rc;
	url = lf_url(url);
	if ((rc = client_open(ctx, url, &c)) != TOOL_CONTINUE)
		return rc;
	if (zt_lf_client_status(c, &st, &err)) {
		print_lf_error(ctx, &err);
		zt_lf_client_free(c);
		return TOOL_EXIT_FAIL;
	}
	zt_lf_client_free(c);
	zt_hex_encode(idhex, st.genesis.id, sizeof st.genesis.id);
	const struct zt_lf_genesis_params *g = &st.genesis;
	int64_t skew = (int64_t)st.clock - (int64_t)(tool_now_ms() / 1000);
	if (ctx->json) {
		json_t *net = json_pack("{s:s, s:s?, s:b, s:I, s:I, s:I}", "id", idhex, "name", g->name, "authRequired",
					g->auth_required, "recordMinLinks", (json_int_t)g->record_min_links,
					"recordMaxValueSize", (json_int_t)g->record_max_value_size, "recordMaxTimeDrift",
					(json_int_t)g->record_max_time_drift);
		json_t *o = json_pack("{s:s, s:s, s:[iiii], s:i, s:I, s:I, s:I, s:I, s:b, s:I, s:o*}", "url", url,
				      "software", st.software, "version", (int)st.version[0], (int)st.version[1],
				      (int)st.version[2], (int)st.version[3], "apiVersion", (int)st.api_version, "clock",
				      (json_int_t)st.clock, "uptime", (json_int_t)st.uptime, "recordCount",
				      (json_int_t)st.record_count, "dataSize", (json_int_t)st.data_size,
				      "fullySynchronized", st.fully_synchronized, "genesisRecordsBytes",
				      (json_int_t)st.genesis_records_len, "network", net);
		zt_lf_status_free(&st);
		return tool_json_print(ctx, o);
	}
	printf("node:      %s (%s, LF %u.%u.%u.%u, API %ld)\n", url, st.software, st.version[0], st.version[1],
	       st.version[2], st.version[3], st.api_version);
	if (st.genesis_records_len)
		printf("network:   %s (ID %s)\n", g->name ? g->name : "(unnamed)", idhex);
	else
		printf("network:   none yet (no genesis records)\n");
	printf("records:   %llu (%llu bytes), %s\n", (unsigned long long)st.record_count,
	       (unsigned long long)st.data_size, st.fully_synchronized ? "fully synchronized" : "some links missing");
	printf("clock:     %llu (%+lld s from ours), up %llu s\n", (unsigned long long)st.clock, (long long)skew,
	       (unsigned long long)st.uptime);
	printf("rules:     at least %llu links, values up to %llu bytes, %llu s clock drift, %s\n",
	       (unsigned long long)g->record_min_links, (unsigned long long)g->record_max_value_size,
	       (unsigned long long)g->record_max_time_drift,
	       g->auth_required ? "certificates required" : "proof of work or certificates");
	zt_lf_status_free(&st);
	return TOOL_EXIT_OK;
}

/* ---------------------------------------------------------------- lf get */

struct get_sel {
	const char *name;
	uint64_t lo, hi;
};

/* Prints a value: text as it is, binary as "\b" + Base62 (LF's Blob form). */
static json_t *value_json(const uint8_t *v, size_t n)
{
	struct zt_lf_str s = { 0 };
	zt_lf_json_blob(&s, v, n);
	char *text = zt_lf_str_take(&s, NULL);
	json_error_t je;
	json_t *o = text ? json_loads(text, JSON_DECODE_ANY, &je) : NULL;
	free(text);
	return o;
}

/*
 * Checks one entry without trusting the node: the record hashes to its Hash, the owner signature
 * verifies, and every selector's claim belongs to the name asked for, with an ordinal in range.
 */
static bool entry_check(const struct zt_lf_query_entry *e, const struct get_sel *sel, unsigned nsel,
			uint64_t *ordinals)
{
	struct zt_lf_record_hashes h;
	if (zt_lf_query_entry_verify(e) != ZT_OK || zt_lf_record_hashes(&e->record, &h) != ZT_OK ||
	    e->record.selector_count < nsel)
		return false;
	for (unsigned i = 0; i < nsel; i++) {
		if (zt_lf_selector_check_name(&e->record.selectors[i], h.b, sel[i].name, strlen(sel[i].name),
					      &ordinals[i]) != ZT_OK ||
		    ordinals[i] < sel[i].lo || ordinals[i] > sel[i].hi)
			return false;
	}
	return true;
}

static int lf_get(int argc, char **argv, struct tool_ctx *ctx)
{
	const char *url = NULL, *owners_arg = NULL, *mask = NULL;
	bool all = false, open = false;
	const struct tool_opt opts[] = {
		{ "url", 'u', &url, NULL },     { "owner", 'o', &owners_arg, NULL }, { "mask", 'm', &mask, NULL },
		{ "all", 'a', NULL, &all },     { "open", 0, NULL, &open },          { NULL, 0, NULL, NULL },
	};
	struct get_sel sel[ZT_LF_RECORD_MAX_SELECTORS];
	struct zt_lf_query_range ranges[ZT_LF_RECORD_MAX_SELECTORS];
	struct zt_lf_owner_id owners[GET_MAX_OWNERS];
	unsigned nowners = 0;
	struct zt_lf_client *c = NULL;
	struct zt_lf_query_result res = { 0 };
	struct zt_lf_error err;
	char q[TOOL_QUOTE_MAX];
	json_t *out = NULL;
	size_t found = 0, unverified = 0;
	int rc = tool_args(ctx, &argc, argv, opts, 1, ZT_LF_RECORD_MAX_SELECTORS);
	if (rc != TOOL_CONTINUE)
		return rc;
	unsigned nsel = (unsigned)argc - 1;
	for (unsigned i = 0; i < nsel; i++) {
		char *arg = argv[i + 1];
		tool_quote(q, arg);
		if (!selector_parse(arg, true, &sel[i].name, &sel[i].lo, &sel[i].hi)) {
			tool_err(ctx, "cannot parse selector '%s' (expected <name>, <name>#<ordinal> or <name>#<lo>#<hi>)", q);
			return TOOL_EXIT_USAGE;
		}
		/* By key: the node never learns the name, and cannot unmask the value either. */
		zt_err e = zt_lf_query_range_keys(&ranges[i], sel[i].name, strlen(sel[i].name), sel[i].lo, sel[i].hi);
		if (e) {
			tool_err(ctx, "cannot compute the selector keys of '%s': %s", q, zt_strerror(e));
			return TOOL_EXIT_FAIL;
		}
	}
	if (owners_arg) {
		char *list = strdup(owners_arg), *save = NULL;
		for (char *t = list ? strtok_r(list, ",", &save) : NULL; t; t = strtok_r(NULL, ",", &save)) {
			if (nowners == GET_MAX_OWNERS || zt_lf_owner_id_parse(&owners[nowners], t) != ZT_OK) {
				tool_err(ctx, "cannot parse owner '%s' (expected @ and Base62; at most %d)", tool_quote(q, t),
					 GET_MAX_OWNERS);
				free(list);
				return TOOL_EXIT_USAGE;
			}
			nowners++;
		}
		free(list);
	}
	struct zt_lf_query query = {
		.ranges = ranges,
		.nranges = nsel,
		.owners = owners,
		.nowners = nowners,
		.open = open,
	};
	if ((rc = client_open(ctx, lf_url(url), &c)) != TOOL_CONTINUE)
		return rc;
	if (zt_lf_client_query(c, &query, &res, &err)) {
		print_lf_error(ctx, &err);
		zt_lf_client_free(c);
		return TOOL_EXIT_FAIL;
	}
	zt_lf_client_free(c);
	if (ctx->json && !(out = json_array())) {
		zt_lf_query_result_free(&res);
		return tool_json_print(ctx, NULL);
	}
	const char *mk = mask ? mask : sel[0].name;
	for (size_t s = 0; s < res.nsets; s++) {
		for (size_t i = 0; i < res.sets[s].n; i++) {
			const struct zt_lf_query_entry *e = &res.sets[s].entries[i];
			uint64_t ord[ZT_LF_RECORD_MAX_SELECTORS];
			uint8_t *v = NULL;
			size_t vlen = 0;
			if (!entry_check(e, sel, nsel, ord)) {
				unverified++;
				continue;
			}
			if (zt_lf_query_entry_value(e, mk, strlen(mk), &v, &vlen) != ZT_OK)
				continue; /* masked with another key: not ours to read */
			found++;
			char hash[ZT_LF_HASH_TEXT_MAX];
			zt_lf_hash_text(hash, e->hash);
			if (ctx->json) {
				json_t *sels = json_array();
				for (unsigned k = 0; k < nsel; k++)
					json_array_append_new(sels, json_pack("{s:s, s:o}", "name", sel[k].name, "ordinal",
									      tool_json_u64(ord[k])));
				json_array_append_new(out, json_pack("{s:o, s:o*, s:o*, s:s, s:I, s:f, s:o, s:b}", "selectors",
								     sels, "value", value_json(v, vlen), "owner",
								     owner_json(e->record.owner, e->record.owner_len),
								     "hash", hash, "timestamp", (json_int_t)e->record.timestamp,
								     "trust", e->trust, "pulse", tool_json_u64(e->pulse),
								     "signed", e->is_signed));
			} else {
				char owner[ZT_LF_OWNER_TEXT_MAX_LEN + 16] = "";
				zt_lf_owner_text(owner, sizeof owner, e->record.owner, e->record.owner_len);
				if (nsel == 1 && sel[0].lo == sel[0].hi && !all) {
					fwrite(v, 1, vlen, stdout);
					putchar('\n');
				} else {
					printf("%s#%llu", sel[0].name, (unsigned long long)ord[0]);
					for (unsigned k = 1; k < nsel; k++)
						printf(" %s#%llu", sel[k].name, (unsigned long long)ord[k]);
					printf("\t");
					fwrite(v, 1, vlen, stdout);
					if (all)
						printf("\t%s trust=%g", owner, e->trust);
					putchar('\n');
				}
			}
			free(v);
			if (!all)
				break; /* the best entry of the set (sorted by trust, then weight) */
		}
	}
	zt_lf_query_result_free(&res);
	if (unverified)
		tool_err(ctx, "ignored %zu result%s that did not verify (hash, signature or selector names)", unverified,
			 unverified == 1 ? "" : "s");
	if (ctx->json)
		return tool_json_print(ctx, out);
	if (!found) {
		tool_err(ctx, "no record found");
		return TOOL_EXIT_FAIL;
	}
	return TOOL_EXIT_OK;
}

/* ---------------------------------------------------------------- lf set */

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
	(void)sig;
	interrupted = 1;
}

struct progress {
	uint32_t difficulty;
	bool tty;
	uint64_t last_ms;
};

static void work_progress(void *arg, uint64_t iterations, uint64_t elapsed_ms)
{
	struct progress *p = arg;
	uint64_t every = p->tty ? PROGRESS_TTY_MS : PROGRESS_LOG_MS;
	if (elapsed_ms - p->last_ms < every && p->last_ms)
		return;
	p->last_ms = elapsed_ms;
	fprintf(stderr, "%sproof of work: difficulty %u, %.1f M colliders tried in %.1f s (Ctrl-C to stop)%s",
		p->tty ? "\r" : "", p->difficulty, (double)iterations / 1e6, (double)elapsed_ms / 1e3, p->tty ? "" : "\n");
	fflush(stderr);
}

/*
 * Collision-table memory for a difficulty: about four slots per collider the search is expected
 * to try (the square root of the collision modulus), 8 bytes each, within [1 MiB, cap].
 */
static size_t work_memory_for(uint32_t difficulty, size_t cap)
{
	uint64_t m = zt_lf_wharrgarbl_diff64(difficulty), r = m >> 32 ? (uint64_t)1 << 32 : 1;
	for (int i = 0; i < 64; i++) /* Newton's method for the integer square root */
		r = (r + m / r) / 2;
	uint64_t bytes = r * 4 * 8;
	if (bytes < ZT_LF_SOLVE_MIN_MEMORY)
		bytes = ZT_LF_SOLVE_MIN_MEMORY;
	return bytes > cap ? cap : (size_t)bytes;
}

/* The 128 MiB table: --table, else a cache file in ~/.cache/zerotier, else built in memory. */
static zt_err table_load(struct tool_ctx *ctx, const char *path, struct zt_lf_wtable *t)
{
	char def[PATH_MAX] = "";
	const char *cache = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	if (!path) {
		if (cache && *cache)
			snprintf(def, sizeof def, "%s/zerotier", cache);
		else if (home && *home)
			snprintf(def, sizeof def, "%s/.cache/zerotier", home);
		if (def[0] && zt_mkdir_p(def, 0700) == ZT_OK && strlen(def) + sizeof TABLE_FILE + 1 < sizeof def) {
			strcat(def, "/" TABLE_FILE);
			path = def;
		}
	}
	if (path && zt_lf_wtable_map(t, path) == ZT_OK)
		return ZT_OK;
	if (!ctx->json)
		fprintf(stderr, "building the proof-of-work table (128 MiB, a few seconds%s)\n",
			path ? ", kept for next time" : "");
	return zt_lf_wtable_load(t, path);
}

static int value_read(struct tool_ctx *ctx, const char *file, char **out, size_t *len)
{
	char q[TOOL_QUOTE_MAX], buf[128];
	zt_err e;
	if (!strcmp(file, "-")) {
		size_t cap = 0, n = 0;
		char *p = NULL;
		for (;;) {
			if (n == cap) {
				char *np = cap < VALUE_FILE_MAX + 1 ? realloc(p, cap = cap ? 2 * cap : 4096) : NULL;
				if (!np)
					break;
				p = np;
			}
			size_t r = fread(p + n, 1, cap - n, stdin);
			if (r == 0)
				break;
			n += r;
		}
		if (!p || n > VALUE_FILE_MAX || ferror(stdin)) {
			free(p);
			tool_err(ctx, "cannot read the value from standard input (at most %zu bytes)", VALUE_FILE_MAX);
			return TOOL_EXIT_FAIL;
		}
		*out = p;
		*len = n;
		return TOOL_CONTINUE;
	}
	if ((e = zt_file_read(file, VALUE_FILE_MAX, out, len))) {
		tool_err(ctx, "cannot read value file '%s': %s", tool_quote(q, file),
			 tool_read_strerror(e, VALUE_FILE_MAX, buf, sizeof buf));
		return TOOL_EXIT_FAIL;
	}
	return TOOL_CONTINUE;
}

static int owner_load(struct tool_ctx *ctx, const char *file, struct zt_lf_owner *o)
{
	char q[TOOL_QUOTE_MAX], buf[128], *text = NULL;
	size_t len = 0;
	zt_err e = zt_file_read(file, OWNER_FILE_MAX, &text, &len);
	if (e) {
		tool_err(ctx, "cannot read owner file '%s': %s", tool_quote(q, file),
			 tool_read_strerror(e, OWNER_FILE_MAX, buf, sizeof buf));
		return TOOL_EXIT_FAIL;
	}
	e = zt_lf_owner_load(o, (const uint8_t *)text, len);
	zt_file_free(text, len);
	if (e || !o->has_private) {
		tool_err(ctx, "owner file '%s' holds no LF owner private key (make one with '" TOOL_NAME
			      " lf owner new')", tool_quote(q, file));
		return TOOL_EXIT_FAIL;
	}
	return TOOL_CONTINUE;
}

static int lf_set(int argc, char **argv, struct tool_ctx *ctx)
{
	const char *url = NULL, *owner_file = NULL, *mask = NULL, *diff_arg = NULL, *table_path = NULL,
		   *value_file = NULL, *memory_arg = NULL, *threads_arg = NULL;
	bool no_work = false;
	const struct tool_opt opts[] = {
		{ "url", 'u', &url, NULL },
		{ "owner", 'o', &owner_file, NULL },
		{ "mask", 'm', &mask, NULL },
		{ "difficulty", 'd', &diff_arg, NULL },
		{ "no-work", 0, NULL, &no_work },
		{ "table", 0, &table_path, NULL },
		{ "file", 'f', &value_file, NULL },
		{ "memory", 0, &memory_arg, NULL },
		{ "threads", 0, &threads_arg, NULL },
		{ NULL, 0, NULL, NULL },
	};
	struct zt_lf_selector_spec specs[ZT_LF_RECORD_MAX_SELECTORS];
	struct zt_lf_owner owner;
	struct zt_lf_owner_id oid;
	struct zt_lf_owner_status os = { 0 };
	struct zt_lf_client *c = NULL;
	struct zt_lf_error err;
	struct zt_lf_record rec = { 0 }, echo = { 0 };
	struct zt_lf_wtable table = { 0 };
	bool table_loaded = false;
	char q[TOOL_QUOTE_MAX], *value_buf = NULL;
	const char *value;
	size_t value_len = 0;
	uint64_t difficulty = 0, memory = 0, threads = 0;
	uint8_t *bytes = NULL;
	int rc = tool_args(ctx, &argc, argv, opts, 1, ZT_LF_RECORD_MAX_SELECTORS + 1);
	if (rc != TOOL_CONTINUE)
		return rc;
	memset(&owner, 0, sizeof owner);
	if (!owner_file) {
		tool_err(ctx, "--owner <file> is required (make one with '" TOOL_NAME " lf owner new <file>')");
		return TOOL_EXIT_USAGE;
	}
	if (diff_arg && (no_work || !tool_parse_u64(&difficulty, diff_arg) || difficulty == 0 || difficulty > UINT32_MAX)) {
		tool_err(ctx, no_work ? "--difficulty and --no-work exclude each other"
				      : "--difficulty must be 1..4294967295, not '%s'", tool_quote(q, diff_arg));
		return TOOL_EXIT_USAGE;
	}
	if ((memory_arg && (!tool_parse_u64(&memory, memory_arg) || memory == 0 || memory > 65536)) ||
	    (threads_arg && (!tool_parse_u64(&threads, threads_arg) || threads > 1024))) {
		tool_err(ctx, "--memory takes MiB (1..65536), --threads a count (0..1024: 0 = every CPU)");
		return TOOL_EXIT_USAGE;
	}
	unsigned nsel = (unsigned)argc - (value_file ? 1 : 2);
	if ((!value_file && argc < 3) || nsel > ZT_LF_RECORD_MAX_SELECTORS || nsel == 0) {
		tool_err(ctx, "expected 1 to %d selectors and a value (usage: " TOOL_NAME " %s %s)",
			 ZT_LF_RECORD_MAX_SELECTORS, ctx->cmd, ctx->usage);
		return TOOL_EXIT_USAGE;
	}
	for (unsigned i = 0; i < nsel; i++) {
		const char *name;
		uint64_t lo, hi;
		tool_quote(q, argv[i + 1]);
		if (!selector_parse(argv[i + 1], false, &name, &lo, &hi)) {
			tool_err(ctx, "cannot parse selector '%s' (expected <name> or <name>#<ordinal>)", q);
			return TOOL_EXIT_USAGE;
		}
		specs[i] = (struct zt_lf_selector_spec){ name, strlen(name), lo };
	}
	if (value_file) {
		if ((rc = value_read(ctx, value_file, &value_buf, &value_len)) != TOOL_CONTINUE)
			return rc;
		value = value_buf;
	} else {
		value = argv[argc - 1];
		value_len = strlen(value);
	}
	if ((rc = owner_load(ctx, owner_file, &owner)) != TOOL_CONTINUE)
		goto out;
	rc = TOOL_EXIT_FAIL;
	memcpy(oid.pub, owner.pub, owner.pub_len);
	oid.len = owner.pub_len;

	/* What the node says about this owner: links to use, its clock, whether work is needed. */
	if ((rc = client_open(ctx, lf_url(url), &c)) != TOOL_CONTINUE)
		goto out;
	rc = TOOL_EXIT_FAIL;
	if (zt_lf_client_owner(c, &oid, &os, &err)) {
		print_lf_error(ctx, &err);
		goto out;
	}
	if (os.auth_required && !os.has_current_certificate) {
		tool_err(ctx, "the network requires a certificate for this owner, and it has none");
		goto out;
	}
	uint64_t ts = os.server_time ? os.server_time : tool_now_ms() / 1000;
	struct zt_lf_record_params p = {
		.owner = &owner,
		.value = value,
		.value_len = value_len,
		.masking_key = mask,
		.masking_key_len = mask ? strlen(mask) : 0,
		.masking_key_set = mask != NULL,
		.selectors = specs,
		.selector_count = nsel,
		.links = (const uint8_t(*)[ZT_LF_HASH_SIZE])os.links,
		.link_count = (unsigned)os.nlinks,
		.timestamp = ts,
		.type = ZT_LF_TYPE_DATUM,
		.pulse = true,
	};
	zt_err e = zt_lf_record_make(&rec, &p);
	if (e) {
		tool_err(ctx, "cannot build the record: %s", zt_strerror(e));
		goto out;
	}
	struct zt_lf_record_hashes h;
	uint32_t work = 0;
	if (!no_work && !os.has_current_certificate && (e = zt_lf_record_hashes(&rec, &h)) == ZT_OK) {
		work = diff_arg ? (uint32_t)difficulty : zt_lf_wharrgarbl_cost(h.billable);
		if ((e = table_load(ctx, table_path, &table))) {
			tool_err(ctx, "cannot build the proof-of-work table: %s", zt_strerror(e));
			goto out;
		}
		table_loaded = true;
		struct progress pr = { .difficulty = work, .tty = isatty(STDERR_FILENO) };
		struct zt_lf_solve_opts so = {
			.threads = (unsigned)threads,
			.memory = memory ? (size_t)memory * MiB : work_memory_for(work, ZT_LF_SOLVE_DEFAULT_MEMORY),
			.stop = &interrupted,
			.progress = work_progress,
			.arg = &pr,
		};
		struct sigaction sa = { .sa_handler = on_interrupt }, old_int, old_term;
		sigemptyset(&sa.sa_mask);
		interrupted = 0;
		sigaction(SIGINT, &sa, &old_int);
		sigaction(SIGTERM, &sa, &old_term);
		e = zt_lf_record_make_work(&rec, &table, work, &so);
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
		if (pr.tty && pr.last_ms)
			fputc('\n', stderr);
		if (e == -ECANCELED) {
			tool_err(ctx, "interrupted: nothing was posted");
			goto out;
		}
		if (e) {
			tool_err(ctx, "proof of work failed: %s", zt_strerror(e));
			goto out;
		}
	}
	if (e || (e = zt_lf_record_sign(&rec, &owner))) {
		tool_err(ctx, "cannot sign the record: %s", zt_strerror(e));
		goto out;
	}
	size_t size = zt_lf_record_size(&rec);
	struct zt_wbuf w;
	if (!(bytes = malloc(size))) {
		tool_err(ctx, "out of memory");
		goto out;
	}
	w = zt_wbuf_init(bytes, size);
	if ((e = zt_lf_record_serialize(&rec, &w)) || (e = zt_lf_record_hashes(&rec, &h))) {
		tool_err(ctx, "cannot serialize the record: %s", zt_strerror(e));
		goto out;
	}
	if (zt_lf_client_post(c, bytes, w.len, &echo, &err)) {
		print_lf_error(ctx, &err);
		goto out;
	}
	char hash[ZT_LF_HASH_TEXT_MAX];
	zt_lf_hash_text(hash, h.hash);
	if (ctx->json) {
		rc = tool_json_print(ctx, json_pack("{s:s, s:o*, s:I, s:I, s:i, s:I}", "hash", hash, "owner",
						    owner_json(owner.pub, owner.pub_len), "timestamp", (json_int_t)ts,
						    "bytes", (json_int_t)w.len, "links", (int)rec.link_count, "difficulty",
						    (json_int_t)work));
	} else {
		puts(hash);
		rc = TOOL_EXIT_OK;
	}
out:
	if (table_loaded)
		zt_lf_wtable_free(&table);
	zt_lf_record_clear(&rec);
	zt_lf_record_clear(&echo);
	zt_lf_owner_status_free(&os);
	zt_lf_client_free(c);
	zt_lf_owner_wipe(&owner);
	free(bytes);
	free(value_buf);
	return rc;
}

/* ---------------------------------------------------------------- lf owner new */

static int lf_owner_new(int argc, char **argv, struct tool_ctx *ctx)
{
	const char *type_arg = NULL;
	bool force = false;
	const struct tool_opt opts[] = { { "type", 't', &type_arg, NULL },
					 { "force", 'f', NULL, &force },
					 { NULL, 0, NULL, NULL } };
	struct zt_lf_owner o;
	char pem[ZT_LF_OWNER_PEM_MAX_LEN], text[ZT_LF_OWNER_TEXT_MAX_LEN + 16], q[TOOL_QUOTE_MAX];
	int rc = tool_args(ctx, &argc, argv, opts, 1, 1);
	if (rc != TOOL_CONTINUE)
		return rc;
	enum zt_lf_owner_type t = type_arg ? zt_lf_owner_type_parse(type_arg) : ZT_LF_OWNER_ED25519;
	if (t == ZT_LF_OWNER_NONE) {
		tool_err(ctx, "unknown owner type '%s' (ed25519, p224, p384)", tool_quote(q, type_arg));
		return TOOL_EXIT_USAGE;
	}
	zt_err e = zt_lf_owner_generate(&o, t);
	if (!e)
		e = zt_lf_owner_to_pem(&o, pem, sizeof pem);
	if (!e)
		e = zt_lf_owner_text(text, sizeof text, o.pub, o.pub_len);
	zt_lf_owner_wipe(&o);
	if (e) {
		zt_wipe(pem, sizeof pem);
		tool_err(ctx, "cannot make an owner: %s", zt_strerror(e));
		return TOOL_EXIT_FAIL;
	}
	/* Without --force, never replace a key: records signed by it could no longer be updated. */
	e = force ? zt_file_write_atomic(argv[1], pem, strlen(pem), OWNER_FILE_MODE)
		  : zt_file_write_new(argv[1], pem, strlen(pem), OWNER_FILE_MODE);
	zt_wipe(pem, sizeof pem);
	if (e == -EEXIST) {
		tool_err(ctx, "owner file '%s' already exists (use --force to replace it)", tool_quote(q, argv[1]));
		return TOOL_EXIT_FAIL;
	}
	if (e) {
		tool_err(ctx, "cannot write owner file '%s': %s", tool_quote(q, argv[1]), zt_strerror(e));
		return TOOL_EXIT_FAIL;
	}
	if (ctx->json)
		return tool_json_print(ctx, json_pack("{s:s, s:s, s:s}", "owner", text, "type", zt_lf_owner_type_name(t),
						      "file", argv[1]));
	puts(text);
	return TOOL_EXIT_OK;
}

static const struct tool_cmd lf_owner_cmds[] = {
	{ "new", lf_owner_new, "[--type ed25519|p224|p384] [--force] <file>",
	  "create an owner key file (mode 0600); print the owner (@...)" },
};

static int lf_owner(int argc, char **argv, struct tool_ctx *ctx)
{
	return tool_group_run(ctx, lf_owner_cmds, ARRAY_SIZE(lf_owner_cmds), argc, argv);
}

static const struct tool_cmd lf_cmds[] = {
	{ "status", lf_status, "[--url <url>]", "the LF node's network, record count and clock" },
	{ "get", lf_get, "[--url <url>] [--owner @o[,@o...]] [--mask <key>] [--all] [--open] <name>[#<ord>[#<ord>]]...",
	  "query by selector names and print the values (checked here: hash, signature, names)" },
	{ "set", lf_set,
	  "[--url <url>] --owner <file> [--mask <key>] [--difficulty <d>|--no-work] [--table <file>] "
	  "[--memory <MiB>] [--threads <n>] <name>[#<ord>]... <value>|--file <file>",
	  "make a record (with proof of work unless the node waives it), sign it and post it" },
	{ "owner", lf_owner, "new ...", "LF owner keys" },
};

int cmd_lf(int argc, char **argv, struct tool_ctx *ctx)
{
	return tool_group_run(ctx, lf_cmds, ARRAY_SIZE(lf_cmds), argc, argv);
}
