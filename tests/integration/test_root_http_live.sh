#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The root's HTTP monitoring surface with real peers known (issue 3, "Tests"): /status is valid
# JSON with the peers counted, /peer is a JSON array in the shape 1.x monitors read (escaped "\/"
# in path addresses, IPv4 and IPv6 paths, versions), /metrics is strict Prometheus text (checked
# line by line here) with the five historic root_* gauges, /health answers 200, / is a
# self-contained HTML page naming the root; no response carries the root's secret key.
# Hosts: 1 root, 2 A (IPv4, protocol 12) and C (IPv6), 3 B (cipher 1, protocol 11, as 1.4.6).
# Run by `make check` (needs root for network namespaces, else SKIP);
# standalone: sudo ZT_TOP_BUILDDIR=build ZT_TOP_SRCDIR=. tests/integration/test_root_http_live.sh
set -euo pipefail

T=test_root_http_live
BUILD=${ZT_TOP_BUILDDIR:-.}
SRC=${ZT_TOP_SRCDIR:-.}
ROOTD=$BUILD/zerotier-root
ZTPEER=$BUILD/tests/integration/ztpeer
ZT=$BUILD/zerotier
ROOT_IP=198.18.0.1
HTTP_PORT=9080
SAN_RE='ERROR: [A-Za-z]*Sanitizer|runtime error:'

# ---------------------------------------------------------------- common helpers
# shellcheck source=tests/integration/rootlib.sh disable=SC1091
. "$SRC/tests/integration/rootlib.sh"

# ---------------------------------------------------------------- a strict Prometheus text checker
# Text format 0.0.4: every sample line is `name{label="value",...} value [timestamp]` with a
# numeric value; every family has one HELP and one TYPE, before its samples; a family's samples
# are contiguous; no series appears twice. Prints the first problem and exits 1.
PROM_CHECK='
function bad(msg) { printf "line %d: %s: %s\n", NR, msg, $0; failed = 1; exit 1 }
function family(n, t) {
	if (n in type) return n
	t = n
	if (sub(/_(bucket|sum|count)$/, "", t) && (t in type) && type[t] ~ /^(histogram|summary)$/) return t
	return n
}
BEGIN { NAME = "^[a-zA-Z_:][a-zA-Z0-9_:]*$"; LNAME = "^[a-zA-Z_][a-zA-Z0-9_]*" }
/^# HELP / {
	if ($3 !~ NAME) bad("bad metric name")
	if ($3 in help) bad("second HELP")
	if ($3 in sampled) bad("HELP after samples")
	help[$3] = 1
	next
}
/^# TYPE / {
	if (NF != 4 || $3 !~ NAME) bad("malformed TYPE")
	if ($4 !~ /^(counter|gauge|histogram|summary|untyped)$/) bad("unknown type")
	if ($3 in type) bad("second TYPE")
	if ($3 in sampled) bad("TYPE after samples")
	type[$3] = $4
	families++
	next
}
/^#/ { next }
/^[ \t]*$/ { next }
{
	s = $0
	if (!match(s, /^[a-zA-Z_:][a-zA-Z0-9_:]*/)) bad("no metric name")
	n = substr(s, 1, RLENGTH)
	s = substr(s, RLENGTH + 1)
	labels = ""
	if (substr(s, 1, 1) == "{") {
		s = substr(s, 2)
		while (substr(s, 1, 1) != "}") {
			if (!match(s, LNAME)) bad("bad label name")
			ln = substr(s, 1, RLENGTH)
			if ((n SUBSEP ln) in lseen) bad("label repeated")
			lseen[n, ln] = 1
			s = substr(s, RLENGTH + 1)
			if (substr(s, 1, 2) != "=\"") bad("label without =\"value\"")
			s = substr(s, 3)
			v = ""
			while (1) {
				c = substr(s, 1, 1)
				if (c == "") bad("unterminated label value")
				if (c == "\"") break
				if (c == "\\") {
					e = substr(s, 2, 1)
					if (e != "\\" && e != "\"" && e != "n") bad("bad escape in label value")
					v = v c e
					s = substr(s, 3)
					continue
				}
				v = v c
				s = substr(s, 2)
			}
			labels = labels ln "=" v ","
			s = substr(s, 2)
			if (substr(s, 1, 1) == ",") s = substr(s, 2)
			else if (substr(s, 1, 1) != "}") bad("expected , or } after a label")
		}
		s = substr(s, 2)
		for (k in lseen) delete lseen[k]
	}
	if (substr(s, 1, 1) != " ") bad("no space before the value")
	s = substr(s, 2)
	nf = split(s, part, " ")
	if (nf < 1 || nf > 2) bad("expected a value and at most a timestamp")
	if (part[1] !~ /^[-+]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][-+]?[0-9]+)?$/ && part[1] !~ /^(NaN|[-+]?Inf)$/) bad("value is not a number")
	if (nf == 2 && part[2] !~ /^-?[0-9]+$/) bad("timestamp is not an integer")
	f = family(n)
	if (!(f in type)) bad("sample without a TYPE line for " f)
	if (!(f in help)) bad("sample without a HELP line for " f)
	if (f != last && (f in sampled)) bad("samples of " f " are not contiguous")
	if ((n "{" labels) in series) bad("duplicate series")
	series[n "{" labels] = 1
	sampled[f] = 1
	last = f
	samples++
}
END {
	if (failed) exit 1
	for (f in type) if (!(f in help)) { print "TYPE without HELP: " f; exit 1 }
	for (f in help) if (!(f in type)) { print "HELP without TYPE: " f; exit 1 }
	if (!samples) { print "no samples"; exit 1 }
	print samples " samples in " families " families"
}'

# ---------------------------------------------------------------- setup
netns_setup 3
trap finish EXIT

cat >"$H/root.json" <<EOF2
{ "comment": "$T", "http": "127.0.0.1:$HTTP_PORT", "flushIntervalMs": 200, "threads": 2 }
EOF2
for p in a b c; do new_identity $p; done
A=$(addr_of a)
B=$(addr_of b)
C=$(addr_of c)
start_root
SECRET=$(cut -d: -f4 "$H/identity.secret")
[ ${#SECRET} -eq 128 ] || fail "cannot read the root's secret key from identity.secret"
echo "$T: root $ROOT_ADDR; A=$A (198.18.0.2/9994) B=$B (198.18.0.3/9994, 1.4.6) C=$C ([fd00:5a::2]/9995)"

# get <path>: GET into $W/body and $W/headers; prints the HTTP status.
get() {
	http "$1" -o "$W/body" -D "$W/headers" -w '%{http_code}' "${@:2}" || fail "GET $1 failed"
}
header() { tr -d '\r' <"$W/headers" | awk -v h="$1" 'BEGIN { IGNORECASE = 1 } tolower($0) ~ "^" tolower(h) ":" { sub(/^[^:]*: */, ""); print; exit }'; }
no_secret() { ! grep -qi "$SECRET" "$W/body" || fail "$1 contains the root's secret key"; }

T_START=$(date +%s%3N)
zp 2 a --bind 198.18.0.2/9994 hello >/dev/null || fail "ztpeer hello (A) exited $?"
zp 3 b --cipher 1 --bind 198.18.0.3/9994 hello >/dev/null || fail "ztpeer hello (B) exited $?"
ZP_ROOT="$ROOT_PUB@fd00:5a::1/9993" zp 2 c --bind fd00:5a::2/9995 hello >/dev/null || fail "ztpeer hello (C, IPv6) exited $?"
T_NOW=$(date +%s%3N)
# The rates (and the peers-online figure) are sampled every second, the first sample two seconds
# after the start: wait for one taken after the HELLOs.
for _ in $(seq 50); do
	[ "$(http /status -f | jq --argjson t "$T_NOW" '.rates.t > $t and (.history | length) >= 1')" = true ] && break
	sleep 0.1
done

# ---------------------------------------------------------------- /status
step "GET /status: 200, application/json, valid JSON with this root and peers.cached >= 2"
[ "$(get /status)" = 200 ] || fail "GET /status: HTTP $(head -1 "$W/headers")"
[[ $(header Content-Type) == application/json* ]] || fail "/status Content-Type: $(header Content-Type)"
jq -e . "$W/body" >/dev/null || fail "/status is not JSON: $(head -c 300 "$W/body")"
jq -e --arg a "$ROOT_ADDR" --arg p "$ROOT_PUB" \
	'.address == $a and .identity == $p and (.version | type) == "string" and .uptimeMs >= 1000 and
	 (.endpoints | sort) == ["0.0.0.0/9993", "::/9993"] and .planet == null and
	 .peers.cached >= 2 and .peers.cached == 3 and .peers.online == 3 and (.peers.stored | type) == "number" and
	 (.lmdbBytes | type) == "number"' "$W/body" >/dev/null || fail "/status: $(jq -c 'del(.history)' "$W/body")"

step "/status: rates and totals are numbers, HELLO counted 3 times, a rate history exists"
jq -e '([.rates[] | type] | all(. == "number")) and
	 (.totals | [.rxPackets, .txPackets, .droppedPackets, .replies, .rendezvousSent, .kernelDrops] | all(type == "number")) and
	 ([.totals.dropped[] | type] | all(. == "number")) and (.totals.dropped | has("hop_limit") and has("authentication")) and
	 .totals.verbs[1] == 3 and .totals.rxPackets >= 3 and .totals.txPackets >= 3 and
	 (.history | type) == "array" and (.history | length) >= 1' "$W/body" >/dev/null ||
	fail "/status rates/totals: $(jq -c '{rates, totals, h: (.history | length)}' "$W/body")"
no_secret /status

# ---------------------------------------------------------------- /peer
step "GET /peer: 200, application/json, an array of the 3 peers (X-Peers-Total 3, not truncated)"
[ "$(get /peer)" = 200 ] || fail "GET /peer: $(head -1 "$W/headers")"
[[ $(header Content-Type) == application/json* ]] || fail "/peer Content-Type: $(header Content-Type)"
PEERS=$(jq -c . "$W/body") || fail "/peer is not JSON: $(head -c 300 "$W/body")"
jcheck "$PEERS" 'type == "array" and length == 3' || fail "/peer: $PEERS"
[ "$(header X-Peers-Total)" = 3 ] && [ "$(header X-Peers-Truncated)" = false ] ||
	fail "X-Peers-Total: $(header X-Peers-Total), X-Peers-Truncated: $(header X-Peers-Truncated)"

step "/peer raw body writes path addresses as ip\\/port (1.x escaping), IPv4 and IPv6"
grep -qF '"198.18.0.2\/9994"' "$W/body" || fail "no \"198.18.0.2\\/9994\" in /peer: $(head -c 400 "$W/body")"
grep -qF '"fd00:5a::2\/9995"' "$W/body" || fail "no \"fd00:5a::2\\/9995\" in /peer"
no_secret /peer

step "/peer elements have exactly the 1.x keys and path keys"
jcheck "$PEERS" 'all(.[]; (keys == ["address", "latency", "paths", "role", "version", "versionMajor", "versionMinor", "versionRev"])
	and all(.paths[]; keys == ["active", "address", "expired", "lastReceive", "lastSend", "preferred", "trustedPathId"]))' ||
	fail "/peer keys: $(jq -c '[.[] | [keys, (.paths[] | keys)]]' <<<"$PEERS")"

step "/peer: A 1.14.1 at 198.18.0.2/9994 (preferred, active), B 1.4.6, C at fd00:5a::2/9995; latency -1, role LEAF"
jcheck "$PEERS" --arg a "$A" --argjson t0 "$T_START" --argjson t1 "$T_NOW" \
	'(.[] | select(.address == $a)) as $p | $p.version == "1.14.1" and $p.versionMajor == 1 and $p.versionMinor == 14 and
	 $p.versionRev == 1 and ($p.paths | length) == 1 and $p.paths[0].address == "198.18.0.2/9994" and $p.paths[0].active and
	 $p.paths[0].preferred and ($p.paths[0].expired | not) and $p.paths[0].trustedPathId == 0 and
	 $p.paths[0].lastReceive >= $t0 and $p.paths[0].lastReceive <= $t1' || fail "/peer A: $(jq -c --arg a "$A" '.[] | select(.address == $a)' <<<"$PEERS")"
jcheck "$PEERS" --arg b "$B" '(.[] | select(.address == $b)) as $p | $p.version == "1.4.6" and $p.versionMajor == 1 and
	 $p.versionMinor == 4 and $p.versionRev == 6 and $p.paths[0].address == "198.18.0.3/9994"' ||
	fail "/peer B: $(jq -c --arg b "$B" '.[] | select(.address == $b)' <<<"$PEERS")"
jcheck "$PEERS" --arg c "$C" '(.[] | select(.address == $c)) as $p | ($p.paths | length) == 1 and
	 $p.paths[0].address == "fd00:5a::2/9995" and $p.paths[0].preferred' ||
	fail "/peer C: $(jq -c --arg c "$C" '.[] | select(.address == $c)' <<<"$PEERS")"
jcheck "$PEERS" 'all(.[]; .latency == -1 and .role == "LEAF")' || fail "/peer latency/role: $PEERS"

# ---------------------------------------------------------------- /metrics
step "GET /metrics: 200, text/plain; version=0.0.4, strict Prometheus text"
[ "$(get /metrics)" = 200 ] || fail "GET /metrics: $(head -1 "$W/headers")"
[ "$(header Content-Type)" = "text/plain; version=0.0.4" ] || fail "/metrics Content-Type: $(header Content-Type)"
[ "$(tail -c 1 "$W/body" | od -An -c | tr -d ' ')" = '\n' ] || fail "/metrics does not end with a newline"
RES=$(awk "$PROM_CHECK" "$W/body") || fail "/metrics is not valid Prometheus text: $RES"
echo "  $RES"
no_secret /metrics

step "/metrics has the five historic gauges with root_id=\"$ROOT_ADDR\"; root_peers_online is 3"
for g in root_peers_online root_input_rate root_output_rate root_forwarded_rate root_discarded_rate; do
	grep -q "^# TYPE $g gauge$" "$W/body" || fail "no '# TYPE $g gauge'"
	grep -qE "^$g\\{root_id=\"$ROOT_ADDR\"\\} [0-9.e+-]+$" "$W/body" || fail "no sample $g{root_id=\"$ROOT_ADDR\"}"
done
grep -q "^root_peers_online{root_id=\"$ROOT_ADDR\"} 3$" "$W/body" || fail "$(grep '^root_peers_online{' "$W/body")"
grep -q "^root_input_rate{root_id=\"$ROOT_ADDR\"} " "$W/body" || fail "no root_input_rate"
grep -qE "^root_packets_by_verb_total\\{root_id=\"$ROOT_ADDR\",verb=\"HELLO\"\\} 3$" "$W/body" ||
	fail "HELLO count: $(grep 'verb="HELLO"' "$W/body")"

# ---------------------------------------------------------------- /health, /, errors
step "GET /health: 200 {\"ok\":true} with 2 workers"
[ "$(get /health)" = 200 ] || fail "GET /health: $(head -1 "$W/headers")"
jq -e '.ok == true and .workers == 2' "$W/body" >/dev/null || fail "/health: $(cat "$W/body")"

step "GET /: 200 text/html, a page naming the root, with no external assets"
[ "$(get /)" = 200 ] || fail "GET /: $(head -1 "$W/headers")"
[[ $(header Content-Type) == text/html* ]] || fail "/ Content-Type: $(header Content-Type)"
grep -qi '<html' "$W/body" || fail "/ is not an HTML document"
grep -q "$ROOT_ADDR" "$W/body" || fail "/ does not contain the root address $ROOT_ADDR"
! grep -qiE '(src|href)[[:space:]]*=[[:space:]]*["'\'']?([a-z]+:)?//|@import|url\([[:space:]]*["'\'']?([a-z]+:)?//' "$W/body" ||
	fail "/ loads an external asset: $(grep -oiE '(src|href)[[:space:]]*=[[:space:]]*["'\'']?([a-z]+:)?//[^"'\'' >]*' "$W/body" | head -3)"
no_secret /

step "unknown path: 404; POST: 405 with Allow: GET, HEAD; HEAD /health: 200 without a body"
[ "$(get /nope)" = 404 ] || fail "GET /nope: $(head -1 "$W/headers")"
[ "$(get /status -X POST -d x=1)" = 405 ] || fail "POST /status: $(head -1 "$W/headers")"
[ "$(header Allow)" = "GET, HEAD" ] || fail "405 Allow: $(header Allow)"
R=$(http /health -I -o /dev/null -w '%{http_code} %{size_download}') || fail "HEAD /health failed"
[ "$R" = "200 0" ] || fail "HEAD /health: status and body size $R"

step "SIGTERM: the root exits 0 (and no sanitizer report)"
stop_root

echo "$T: all $CHECKS checks passed in $((SECONDS - T0)) s"
