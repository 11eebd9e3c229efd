/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_ROOT_HTTP_PAGE_H
#define ZT_ROOT_HTTP_PAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "root.h"

/*
 * Internal to the monitoring HTTP server: what http.c (requests, JSON, metrics) and http_page.c
 * (the HTML status page) share. Nothing here touches libmicrohttpd. Not for other modules.
 */

/* What the page's CSP allows: its own inline style and script, and fetches of /status. */
#define HTTP_PAGE_CSP                                                                                        \
	"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'; "    \
	"img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

/* A growable text buffer, always NUL-terminated once non-empty. Start from { 0 }; free p.
 * Sticky error: once an allocation fails, every later append is a no-op and err stays set. */
struct http_sbuf {
	char *p;
	size_t len, cap;
	bool err;
};

void http_sbuf_add(struct http_sbuf *b, const char *s, size_t n);
void http_sbuf_puts(struct http_sbuf *b, const char *s);
__attribute__((format(printf, 2, 3))) void http_sbuf_printf(struct http_sbuf *b, const char *fmt, ...);

/* One consistent reading of the root, taken per request. */
struct http_snapshot {
	int64_t now;
	char address[11];
	struct root_totals t;
	struct root_rates rates;   /* the latest sample (zero if none yet) */
	uint64_t cached, online, stored, lmdb_bytes;
	uint64_t validation_backlog; /* HELLOs of new nodes waiting for identity validation */
	bool have_planet;
	uint64_t planet_id, planet_ts;
	int planet_roots;
};

/*
 * Appends the self-contained HTML status page for snapshot s to b (check b->err afterwards).
 * init is the compact /status document, dumped with JSON_ESCAPE_SLASH so it cannot close the
 * <script> it is embedded in; the page renders from it, then polls /status every second.
 * Serve it with HTTP_PAGE_CSP.
 */
void http_page_render(struct http_sbuf *b, const struct root *r, const struct http_snapshot *s, const char *init);

#endif
