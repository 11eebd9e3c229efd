/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The HTML status page served at GET /: one self-contained document (inline CSS and JS, no
 * external assets, see HTTP_PAGE_CSP) rendered from a snapshot, with the /status document
 * embedded so the page shows figures at once; its script then polls /status every second and
 * redraws the cards, the five-minute chart and the drop table. Pure rendering: the request and
 * the response belong to http.c.
 */
#include <config.h> /* autoconf's (PACKAGE_VERSION) */

#include <inttypes.h>
#include <stdio.h>

#include "http_page.h"
#include "node/inetaddr.h"

/* Appends s with the five HTML metacharacters escaped (safe in text and in quoted attributes). */
static void page_html(struct http_sbuf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': http_sbuf_puts(b, "&amp;"); break;
		case '<': http_sbuf_puts(b, "&lt;"); break;
		case '>': http_sbuf_puts(b, "&gt;"); break;
		case '"': http_sbuf_puts(b, "&quot;"); break;
		case '\'': http_sbuf_puts(b, "&#39;"); break;
		default: http_sbuf_add(b, s, 1);
		}
	}
}

static const char page_style[] =
	"<style>\n"
	":root{--fg:#1d2329;--mute:#68737d;--bg:#f6f7f9;--card:#fff;--line:#dde1e6;"
	"--rx:#2b7bb9;--tx:#3aa55d;--relayed:#e08a1e;--dropped:#d64541}\n"
	"@media (prefers-color-scheme:dark){:root{--fg:#e4e7ea;--mute:#9aa4ad;--bg:#15191d;--card:#1f252b;"
	"--line:#343c44}}\n"
	"*{box-sizing:border-box}body{margin:0;padding:24px;font:14px/1.45 system-ui,-apple-system,'Segoe UI',"
	"sans-serif;color:var(--fg);background:var(--bg)}\n"
	"h1{font-size:20px;margin:0}h2{font-size:14px;margin:0 0 8px;color:var(--mute);font-weight:600}\n"
	".mono{font-family:ui-monospace,'DejaVu Sans Mono',Menlo,monospace}.sub{color:var(--mute);margin:4px 0 16px}\n"
	".cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(128px,1fr));gap:10px;margin-bottom:16px}\n"
	".card,.panel{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 12px}\n"
	".card span{display:block;color:var(--mute);font-size:12px}.card b{font-size:21px;font-weight:600;white-space:nowrap}\n"
	".panel{margin-bottom:16px}.chart{position:relative;height:200px;margin-left:56px}\n"
	".chart svg{position:absolute;inset:0;width:100%;height:100%;overflow:visible}\n"
	".chart line{stroke:var(--line)}.chart polyline{fill:none;stroke-width:1.8;stroke-linejoin:round}\n"
	".ylab{position:absolute;left:-56px;width:50px;text-align:right;font-size:11px;color:var(--mute)}\n"
	".xlab{display:flex;justify-content:space-between;margin-left:56px;font-size:11px;color:var(--mute)}\n"
	".legend{display:flex;gap:16px;flex-wrap:wrap;margin-top:6px;font-size:12px}\n"
	".legend i{display:inline-block;width:12px;height:3px;margin-right:5px;vertical-align:middle}\n"
	".two{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:16px}\n"
	"table{border-collapse:collapse;width:100%}td,th{padding:3px 6px;border-bottom:1px solid var(--line);"
	"text-align:left}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}tr.zero{color:var(--mute)}\n"
	"dl{margin:0;display:grid;grid-template-columns:max-content 1fr;gap:4px 12px}dt{color:var(--mute)}"
	"dd{margin:0;overflow-wrap:anywhere}\n"
	"footer{color:var(--mute);font-size:12px}a{color:var(--rx)}\n"
	"</style>\n";

/* Renders everything from the embedded /status document, then from /status once a second. */
static const char page_script[] =
	"<script>\n"
	"(function(){'use strict';\n"
	"var W=600,H=200,SPAN=300000,S=[['rxPps','rx'],['txPps','tx'],['relayedPps','relayed'],"
	"['droppedPps','dropped']];\n"
	"function $(id){return document.getElementById(id);}\n"
	"function num(n){return Number(n).toLocaleString('en-US');}\n"
	"function rate(x){return x>=100?num(Math.round(x)):x.toFixed(1);}\n"
	"function bytes(b){var u=['B','KiB','MiB','GiB','TiB'],i=0;while(b>=1024&&i<u.length-1){b/=1024;i++;}"
	"return (i?b.toFixed(1):b)+' '+u[i];}\n"
	"function uptime(ms){var s=Math.floor(ms/1000),d=Math.floor(s/86400),h=Math.floor(s%86400/3600),"
	"m=Math.floor(s%3600/60);return (d?d+'d ':'')+(d||h?h+'h ':'')+(d||h||m?m+'m ':'')+(s%60)+'s';}\n"
	"function nice(v){if(v<=1)return 1;var p=Math.pow(10,Math.floor(Math.log10(v))),f=v/p;"
	"return (f<=1?1:f<=2?2:f<=5?5:10)*p;}\n"
	"function chart(st){var h=st.history||[],max=0;h.forEach(function(s){S.forEach(function(k){"
	"if(s[k[0]]>max)max=s[k[0]];});});var top=nice(max);\n"
	" S.forEach(function(k){var p=[];h.forEach(function(s){var x=W-(st.now-s.t)/SPAN*W;if(x<0)return;"
	"p.push(x.toFixed(1)+','+(H-s[k[0]]/top*H).toFixed(1));});$('l-'+k[1]).setAttribute('points',p.join(' '));});\n"
	" $('y4').textContent=rate(top);$('y2').textContent=rate(top/2);}\n"
	"function drops(st){var tb=$('drops'),d=st.totals.dropped;while(tb.firstChild)tb.removeChild(tb.firstChild);\n"
	" Object.keys(d).forEach(function(k){var tr=document.createElement('tr'),a=document.createElement('td'),"
	"b=document.createElement('td');a.textContent=k;b.textContent=num(d[k]);b.className='num';"
	"if(!d[k])tr.className='zero';tr.appendChild(a);tr.appendChild(b);tb.appendChild(tr);});}\n"
	"function show(st){$('uptime').textContent=uptime(st.uptimeMs);$('online').textContent=num(st.peers.online);\n"
	" $('cached').textContent=num(st.peers.cached);$('stored').textContent=num(st.peers.stored);\n"
	" $('lmdb').textContent=bytes(st.lmdbBytes);$('rx').textContent=rate(st.rates.rxPps);\n"
	" $('tx').textContent=rate(st.rates.txPps);$('relayed').textContent=rate(st.rates.relayedPps);\n"
	" $('dropped').textContent=rate(st.rates.droppedPps);$('dtotal').textContent=num(st.totals.droppedPackets);\n"
	" var pts=$('pts');if(st.planet&&pts)pts.textContent=st.planet.timestamp+' ('+new Date(st.planet.timestamp).toISOString()+')';\n"
	" chart(st);drops(st);$('updated').textContent=new Date(st.now).toLocaleTimeString();}\n"
	"function tick(){fetch('status',{cache:'no-store'}).then(function(r){if(!r.ok)throw new Error(r.status);"
	"return r.json();}).then(function(st){show(st);$('state').textContent='live';})"
	".catch(function(){$('state').textContent='not reachable';}).then(function(){setTimeout(tick,1000);});}\n"
	"show(JSON.parse($('init').textContent));setTimeout(tick,1000);\n"
	"})();\n"
	"</script>\n";

static void page_card(struct http_sbuf *b, const char *id, const char *label, const char *value)
{
	http_sbuf_printf(b, "<div class=\"card\"><span>%s</span><b id=\"%s\">%s</b></div>\n", label, id, value);
}

static void page_rate_card(struct http_sbuf *b, const char *id, const char *label, double v)
{
	char text[32];
	snprintf(text, sizeof text, "%.1f", v);
	page_card(b, id, label, text);
}

void http_page_render(struct http_sbuf *b, const struct root *r, const struct http_snapshot *s, const char *init)
{
	char text[64], ep[ZT_INETADDR_STRING_MAX];

	http_sbuf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
			  "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n"
			  "<title>ZeroTier root ");
	page_html(b, s->address);
	http_sbuf_puts(b, "</title>\n");
	http_sbuf_puts(b, page_style);
	http_sbuf_puts(b, "</head><body>\n<h1>ZeroTier root <span class=\"mono\">");
	page_html(b, s->address);
	http_sbuf_puts(b, "</span></h1>\n<div class=\"sub\">zerotier-root ");
	page_html(b, PACKAGE_VERSION);
	snprintf(text, sizeof text, "%" PRId64 " s", (s->now - r->start_time) / 1000);
	http_sbuf_printf(b, " &middot; up <span id=\"uptime\">%s</span> &middot; <span id=\"state\">snapshot</span> "
			    "<span id=\"updated\"></span></div>\n<div class=\"cards\">\n", text);

	snprintf(text, sizeof text, "%" PRIu64, s->online);
	page_card(b, "online", "Peers online", text);
	snprintf(text, sizeof text, "%" PRIu64, s->cached);
	page_card(b, "cached", "Peers cached", text);
	snprintf(text, sizeof text, "%" PRIu64, s->stored);
	page_card(b, "stored", "Peers in LMDB", text);
	snprintf(text, sizeof text, "%" PRIu64 " B", s->lmdb_bytes);
	page_card(b, "lmdb", "LMDB size", text);
	page_rate_card(b, "rx", "In, packets/s", s->rates.rx_pps);
	page_rate_card(b, "tx", "Out, packets/s", s->rates.tx_pps);
	page_rate_card(b, "relayed", "Relayed, packets/s", s->rates.relayed_pps);
	page_rate_card(b, "dropped", "Dropped, packets/s", s->rates.dropped_pps);

	http_sbuf_puts(b, "</div>\n<div class=\"panel\"><h2>Packets per second, last 5 minutes</h2>\n"
			  "<div class=\"chart\"><div class=\"ylab\" style=\"top:-7px\" id=\"y4\">1</div>"
			  "<div class=\"ylab\" style=\"top:93px\" id=\"y2\">0.5</div>"
			  "<div class=\"ylab\" style=\"top:193px\">0</div>\n"
			  "<svg viewBox=\"0 0 600 200\" preserveAspectRatio=\"none\" role=\"img\" "
			  "aria-label=\"packets per second\">\n");
	for (int i = 0; i <= 4; i++)
		http_sbuf_printf(b, "<line x1=\"0\" x2=\"600\" y1=\"%d\" y2=\"%d\" "
				    "vector-effect=\"non-scaling-stroke\"/>", i * 50, i * 50);
	static const char *const series[] = { "rx", "tx", "relayed", "dropped" };
	for (size_t i = 0; i < sizeof series / sizeof series[0]; i++)
		http_sbuf_printf(b, "\n<polyline id=\"l-%s\" style=\"stroke:var(--%s)\" "
				    "vector-effect=\"non-scaling-stroke\" points=\"\"/>", series[i], series[i]);
	http_sbuf_puts(b, "\n</svg></div>\n<div class=\"xlab\"><span>-5 min</span><span>-4</span><span>-3</span>"
			  "<span>-2</span><span>-1</span><span>now</span></div>\n<div class=\"legend\">"
			  "<span><i style=\"background:var(--rx)\"></i>in</span>"
			  "<span><i style=\"background:var(--tx)\"></i>out</span>"
			  "<span><i style=\"background:var(--relayed)\"></i>relayed</span>"
			  "<span><i style=\"background:var(--dropped)\"></i>dropped</span></div></div>\n");

	http_sbuf_printf(b, "<div class=\"two\">\n<div class=\"panel\"><h2>Drops by reason (total "
			    "<span id=\"dtotal\">%" PRIu64 "</span>)</h2>\n<table><thead><tr><th>reason</th>"
			    "<th class=\"num\">packets</th></tr></thead><tbody id=\"drops\">\n", s->t.dropped_total);
	for (int i = 0; i < ROOT_DROP_MAX; i++)
		http_sbuf_printf(b, "<tr%s><td>%s</td><td class=\"num\">%" PRIu64 "</td></tr>\n",
				 s->t.dropped[i] ? "" : " class=\"zero\"",
				 root_drop_reason_name((enum root_drop_reason)i), s->t.dropped[i]);
	http_sbuf_puts(b, "</tbody></table></div>\n<div class=\"panel\"><h2>This root</h2><dl>\n<dt>Address</dt>"
			  "<dd class=\"mono\">");
	page_html(b, s->address);
	http_sbuf_puts(b, "</dd>\n<dt>Identity (public)</dt><dd class=\"mono\">");
	page_html(b, r->id_public);
	http_sbuf_puts(b, "</dd>\n<dt>Endpoints</dt><dd class=\"mono\">");
	for (int i = 0; i < r->nendpoints; i++) {
		http_sbuf_puts(b, i ? "<br>" : "");
		page_html(b, zt_inetaddr_format(&r->endpoints[i].addr, ep, sizeof ep));
	}
	http_sbuf_puts(b, r->nendpoints ? "</dd>\n" : "none</dd>\n");
	if (s->have_planet)
		http_sbuf_printf(b, "<dt>Planet</dt><dd>id <span class=\"mono\">%" PRIu64 "</span>, %d root%s</dd>\n"
				    "<dt>Planet timestamp</dt><dd id=\"pts\">%" PRIu64 "</dd>\n",
				s->planet_id, s->planet_roots, s->planet_roots == 1 ? "" : "s", s->planet_ts);
	else
		http_sbuf_puts(b, "<dt>Planet</dt><dd>none served</dd>\n");
	http_sbuf_puts(b, "</dl></div>\n</div>\n<footer>Machine-readable: <a href=\"status\">/status</a> &middot; "
			  "<a href=\"peer\">/peer</a> &middot; <a href=\"metrics\">/metrics</a> &middot; "
			  "<a href=\"health\">/health</a></footer>\n<script type=\"application/json\" id=\"init\">");
	http_sbuf_puts(b, init);
	http_sbuf_puts(b, "</script>\n");
	http_sbuf_puts(b, page_script);
	http_sbuf_puts(b, "</body></html>\n");
}
