#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# zerotier-lf, the LF mirror (issue 6), over real HTTP on loopback with real LMDB files:
#  - import of the test network's dump (tests/vectors/lf/testnet_dump.txt), genesis records included;
#    /status, /query (name and range, owners, key range, oracles, no match), /record, /owner, /links
#    and the error bodies compared with the reference node's answers (tests/vectors/lf/json);
#  - good records posted with `zerotier lf set` (an owner allowed without work, and one paying a low
#    difficulty) and read back with `zerotier lf get`; /makerecord from loopback;
#  - bad records (bad signature, bad claim, oversized value, low and bogus work, future timestamp,
#    too few links, forbidden genesis type, garbage, an oversized body) rejected with LF's error
#    shape and nothing stored;
#  - export (command and /dumprecords), import into a second mirror: the same query answers;
#  - kill -9 and restart: every record still there;
#  - a third mirror pulling from the first over HTTP, with an unreachable upstream beside it;
#  - /makerecord from a non-loopback address refused (network namespaces; skipped without them).
# Run by `make check`; standalone: ZT_TOP_BUILDDIR=build ZT_TOP_SRCDIR=. tests/integration/test_lf_mirror.sh
set -euo pipefail

T=test_lf_mirror
BUILD=${ZT_TOP_BUILDDIR:-.}
SRC=${ZT_TOP_SRCDIR:-.}
LFD=$BUILD/zerotier-lf
ZT=$BUILD/zerotier
LFREC=$BUILD/tests/integration/lfrec
V=$SRC/tests/vectors/lf
SAN_RE='ERROR: [A-Za-z]*Sanitizer|runtime error:'
LOCATOR=com.example.ztroot.locator
LOCATOR_OWNER=@DZ1zWlNe4yjiQKNkLqR
U64_MAX=18446744073709551615

for t in jq curl timeout cmp; do
	command -v "$t" >/dev/null || { echo "$T: $t is required" >&2; exit 1; }
done
for b in "$LFD" "$ZT" "$LFREC"; do
	[ -x "$b" ] || { echo "$T: no binary at $b" >&2; exit 1; }
done

W=$(mktemp -d "${TMPDIR:-/tmp}/$T.XXXXXX")
CHECKS=0
declare -A PID PORT
NETNS_USED=0

finish() {
	local rc=$?
	set +e
	for n in "${!PID[@]}"; do
		kill -TERM "${PID[$n]}" 2>/dev/null
	done
	for n in "${!PID[@]}"; do
		for _ in $(seq 50); do kill -0 "${PID[$n]}" 2>/dev/null || break; sleep 0.1; done
		kill -9 "${PID[$n]}" 2>/dev/null
	done
	[ "$NETNS_USED" = 1 ] && netns_cleanup
	if grep -qE "$SAN_RE" "$W"/*.err 2>/dev/null; then
		echo "FAIL: sanitizer report:"
		grep -hE -A20 "$SAN_RE" "$W"/*.err | head -60
		rc=1
	fi
	if [ -n "${ZT_KEEP_TEST_DIR:-}" ]; then echo "$T: files kept in $W"; else rm -rf "$W"; fi
	exit "$rc"
}
trap finish EXIT

step() {
	CHECKS=$((CHECKS + 1))
	echo "check: $*"
}

fail() {
	{
		echo "FAIL: $*"
		for f in "$W"/*.err; do
			[ -s "$f" ] || continue
			echo "--- $(basename "$f"):"
			tail -15 "$f"
		done
	} >&2
	exit 1
}

# config <home> <json members>: writes the mirror's config, sharing one proof-of-work table.
config() {
	mkdir -p "$1"
	echo "{\"listen\":\"127.0.0.1:0\",\"wharrgarblTable\":\"$W/wharrgarbl.bin\",$2}" >"$1/zerotier-lf.json"
}

# start <name> <home>: runs a mirror, waits for its port (it listens on port 0) and for /status.
start() {
	local n=$1 home=$2 port=""
	"$LFD" --home "$home" >>"$W/$n.out" 2>>"$W/$n.err" &
	PID[$n]=$!
	for _ in $(seq 600); do
		port=$(sed -n 's/.*http: listening on 127\.0\.0\.1 port \([0-9]*\).*/\1/p' "$W/$n.err" | tail -1)
		[ -n "$port" ] && curl -sf "http://127.0.0.1:$port/status" >/dev/null && break
		kill -0 "${PID[$n]}" 2>/dev/null || fail "mirror $n exited"
		sleep 0.1
	done
	[ -n "$port" ] || fail "mirror $n did not start"
	PORT[$n]=$port
	: >"$W/$n.err.mark"
}

url() { echo "http://127.0.0.1:${PORT[$1]}"; }

# q <mirror> <query JSON>: the /query answer body.
q() { curl -s -X POST --data-binary "$2" "$(url "$1")/query"; }

count() { curl -s "$(url "$1")/status" | jq -r .RecordCount; }

# status_code <curl args...>: the HTTP status only.
status_code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

T0=$SECONDS

# ---------------------------------------------------------------- owners, configs
step "lf owner new writes mode-0600 key files and prints the owner"
FREE=$("$ZT" lf owner new "$W/free.key")
WORKER=$("$ZT" -j lf owner new --type p384 "$W/work.key" | jq -r .owner)
[[ $FREE == @* && $WORKER == @* ]] || fail "owner new printed '$FREE' / '$WORKER'"
[ "$(stat -c %a "$W/free.key")" = 600 ] || fail "owner key file mode is $(stat -c %a "$W/free.key")"
"$ZT" lf owner new "$W/free.key" 2>/dev/null && fail "owner new replaced an existing key file"

step "a bad config names the key and exits 2"
mkdir -p "$W/bad"
echo '{"listen": 5}' >"$W/bad/c.json"
set +e
"$LFD" --home "$W/bad" --config "$W/bad/c.json" 2>"$W/bad.txt"
rc=$?
set -e
[ $rc = 2 ] && grep -q '"listen"' "$W/bad.txt" || fail "bad listen: exit $rc, $(cat "$W/bad.txt")"
echo '{"workDifficulty": "lots"}' >"$W/bad/c.json"
set +e
"$LFD" --home "$W/bad" --config "$W/bad/c.json" 2>"$W/bad.txt"
rc=$?
set -e
[ $rc = 2 ] && grep -q '"workDifficulty"' "$W/bad.txt" || fail "bad workDifficulty: exit $rc, $(cat "$W/bad.txt")"

config "$W/a" "\"workDifficulty\":16,\"ownersWithoutWork\":[\"$FREE\"]"
config "$W/b" "\"workDifficulty\":16,\"ownersWithoutWork\":[\"$FREE\"]"
config "$W/c" "\"workDifficulty\":16,\"ownersWithoutWork\":[\"$FREE\"],\"upstreams\":[\"http://127.0.0.1:1\",\"URL_A\"],\"pullIntervalSeconds\":1"

# ---------------------------------------------------------------- import of the vectors' dump
step "import of the test network's /dumprecords (2 genesis records, 2 records)"
grep '^dump: ' "$V/testnet_dump.txt" | cut -d' ' -f2 | "$LFREC" unhex >"$W/testnet.lf"
[ "$(stat -c %s "$W/testnet.lf")" = 1089 ] || fail "the vector dump is not 1089 bytes"
"$LFD" --home "$W/a" import "$W/testnet.lf" >"$W/import.txt" 2>"$W/import.err" || fail "import failed: $(cat "$W/import.err")"
grep -q '4 added (2 genesis), 0 already stored, 0 rejected' "$W/import.txt" || fail "import: $(cat "$W/import.txt")"

start a "$W/a"
A=$(url a)

step "/status: records, genesis records and parameters as the reference served them"
curl -s "$A/status" >"$W/status.json"
[ "$(jq -r .RecordCount "$W/status.json")" = 4 ] || fail "RecordCount $(jq .RecordCount "$W/status.json")"
[ "$(jq -r .DataSize "$W/status.json")" = 1089 ] || fail "DataSize"
[ "$(jq -r .FullySynchronized "$W/status.json")" = true ] || fail "FullySynchronized"
want=$(sed -n 's/^genesis_records.json_blob.str: //p' "$V/testnet_dump.txt")
[ "$(jq -c .GenesisRecords "$W/status.json")" = "\"$want\"" ] || fail "GenesisRecords differ"
[ "$(jq -cS .GenesisParameters "$W/status.json")" = "$(jq -cS .GenesisParameters "$V/json/status.json")" ] ||
	fail "GenesisParameters differ"
curl -s -D "$W/h.txt" -o /dev/null "$A/status"
grep -qi '^X-LF-Time: [0-9]' "$W/h.txt" && grep -qi '^Cache-Control: no-cache' "$W/h.txt" || fail "headers: $(cat "$W/h.txt")"

step "/query by name and range: byte for byte the reference's answer (two owners, one collision)"
q a "{\"Ranges\":[{\"Name\":\"$LOCATOR\",\"Range\":[0,$U64_MAX]}]}" >"$W/q2.json"
cmp -s "$W/q2.json" "$V/json/query_name_range_two_owners.json" || fail "two-owner query: $(cat "$W/q2.json")"

# Captured later on the reference node (after more records linked to the locator): weights differ.
noweight() { jq -cS 'del(.[][].Weight)' "$1"; }
step "/query with Owners, with KeyRange, with Oracles (the reference's answers, weights aside)"
q a "{\"Ranges\":[{\"Name\":\"$LOCATOR\",\"Range\":[0,$U64_MAX]}],\"Owners\":[\"$LOCATOR_OWNER\"]}" >"$W/qo.json"
[ "$(noweight "$W/qo.json")" = "$(noweight "$V/json/query_owner_filter.json")" ] || fail "owner filter: $(cat "$W/qo.json")"
K0=$("$LFREC" key "$LOCATOR" 0)
K1=$("$LFREC" key "$LOCATOR" "$U64_MAX")
q a "{\"Ranges\":[{\"KeyRange\":[\"\\b$K0\",\"\\b$K1\"]}],\"MaskingKey\":\"$LOCATOR\",\"Owners\":[\"$LOCATOR_OWNER\"]}" >"$W/qk.json"
[ "$(noweight "$W/qk.json")" = "$(noweight "$V/json/query_keyrange.json")" ] || fail "key range: $(cat "$W/qk.json")"
q a "{\"Ranges\":[{\"Name\":\"$LOCATOR\",\"Range\":[42]}],\"Oracles\":[\"$LOCATOR_OWNER\"]}" >"$W/qr.json"
[ "$(jq -c '[.[][] | [.Hash,.Trust,.LocalTrust,.OracleTrust]]' "$W/qr.json")" = \
	"$(jq -c '[.[][] | [.Hash,.Trust,.LocalTrust,.OracleTrust]]' "$V/json/query_oracles.json")" ] ||
	fail "oracles: $(cat "$W/qr.json")"
q a '{"Ranges":[{"Name":"no such name","Range":[1]}]}' | cmp -s - "$V/json/query_empty_result.json" || fail "no match is not null"

step "errors: unknown record 404, GET /query 405, no selector 400, truncated /post 400 (exact bodies)"
curl -s "$A/record/=13AdKDbwp3q7E7ntarDl3P2J71xBM3YutnkwgIMTCPh" | cmp -s - "$V/json/error_404.json" || fail "404 body"
curl -s -D "$W/h.txt" "$A/query" | cmp -s - "$V/json/error_405.json" || fail "405 body"
grep -qi '^Allow: POST, PUT' "$W/h.txt" || fail "405 without Allow"
q a '{"Ranges":[]}' | cmp -s - "$V/json/error_query_noselector.json" || fail "no-selector body"
head -c 100 "$W/testnet.lf" | curl -s -X POST --data-binary @- "$A/post" | cmp -s - "$V/json/error_post_truncated.json" ||
	fail "truncated post body"
[ "$(status_code "$A/nothing/here")" = 404 ] || fail "unknown path"

step "/record, /record/raw, /owner, /links"
curl -s "$A/record/=13AdKDbwp3q7E7ntarDl3P2J71xBM3YutnkwgIMTCPg" | cmp -s - "$V/json/record_testnet_locator.json" ||
	fail "/record JSON"
curl -s "$A/record/raw/=13AdKDbwp3q7E7ntarDl3P2J71xBM3YutnkwgIMTCPg" | cmp -s - <(tail -c +560 "$W/testnet.lf" | head -c 241) ||
	fail "/record/raw bytes"
[ "$(curl -s "$A/owner/$LOCATOR_OWNER" | jq -cS 'del(.NewRecordLinks,.ServerTime)')" = \
	"$(jq -cS 'del(.NewRecordLinks,.ServerTime)' "$V/json/owner_status.json")" ] || fail "/owner"
[ "$(curl -s "$A/owner/$LOCATOR_OWNER" | jq '.NewRecordLinks | length')" = 2 ] || fail "/owner links"
[ "$(curl -s "$A/links?count=3" | wc -c)" = 96 ] || fail "/links?count=3"
[ "$(status_code "$A/owner/nope")" = 404 ] || fail "/owner without @"

step "zerotier lf status and lf get against the mirror"
[ "$("$ZT" -j lf status --url "$A" | jq -r .recordCount)" = 4 ] || fail "lf status"
[ "$("$ZT" lf get --url "$A" "$LOCATOR#42")" = locator-bytes-v1 ] || fail "lf get"
[ "$("$ZT" -j lf get --url "$A" --owner "$LOCATOR_OWNER" "$LOCATOR#0#100" | jq -r '.[0].value')" = locator-bytes-v1 ] ||
	fail "lf get range with owner"

# ---------------------------------------------------------------- posting
step "lf set: an owner allowed without work, and one paying the configured difficulty"
H1=$("$ZT" lf set --url "$A" --owner "$W/free.key" com.zerotier.test#1 "value one") || fail "lf set (free owner)"
"$ZT" lf set --url "$A" --owner "$W/free.key" com.zerotier.test#2 "value two" >/dev/null || fail "lf set 2"
"$ZT" lf set --url "$A" --owner "$W/free.key" --file <(printf 'from a file') com.zerotier.test#3 >/dev/null || fail "lf set 3"
H2=$("$ZT" lf set --url "$A" --owner "$W/work.key" --difficulty 16 --table "$W/wharrgarbl.bin" --memory 4 \
	other.name#7 "worked value" 2>"$W/set.err") || fail "lf set with work: $(cat "$W/set.err")"
grep -q 'proof of work: difficulty 16' "$W/set.err" || fail "no progress shown: $(cat "$W/set.err")"
[ "$("$ZT" lf get --url "$A" com.zerotier.test#1)" = "value one" ] || fail "get 1"
[ "$("$ZT" lf get --url "$A" other.name#7)" = "worked value" ] || fail "get worked"
[ "$("$ZT" lf get --url "$A" com.zerotier.test#1#3 | wc -l)" = 3 ] || fail "get range"
[ "$("$ZT" -j lf get --url "$A" com.zerotier.test#3 | jq -r '.[0].value')" = "from a file" ] || fail "get 3"
[ "$(curl -s "$A/record/$H1" | jq -r .Owner)" = "$FREE" ] || fail "record $H1"
[ "$(curl -s "$A/record/$H2" | jq -r .WorkAlgorithm)" = 1 ] || fail "record $H2 without work"
[ "$(curl -s "$A/owner/$FREE" | jq -r .HasCurrentCertificate)" = true ] || fail "allowed owner not reported"

step "/makerecord from loopback (the allowed owner), then PulseIfUnchanged"
PEM=$(jq -Rs . <"$W/free.key")
curl -s -X POST --data-binary "{\"Selectors\":[{\"Name\":\"com.zerotier.test\",\"Ordinal\":9}],\"Value\":\"made here\",\"OwnerPrivate\":$PEM}" \
	"$A/makerecord" >"$W/make.json"
[ "$(jq -r .Accepted "$W/make.json")" = true ] || fail "makerecord: $(cat "$W/make.json")"
[ "$("$ZT" lf get --url "$A" com.zerotier.test#9)" = "made here" ] || fail "made record not found"
curl -s -X POST --data-binary "{\"Selectors\":[{\"Name\":\"com.zerotier.test\",\"Ordinal\":9}],\"Value\":\"made here\",\"OwnerPrivate\":$PEM,\"PulseIfUnchanged\":true}" \
	"$A/makerecord" >"$W/make2.json"
[ "$(jq -r '.Accepted, (.Record != null)' "$W/make2.json" | tr '\n' ' ')" = "false true " ] ||
	fail "unchanged makerecord: $(cat "$W/make2.json")"

# ---------------------------------------------------------------- bad records
step "bad records: LF's error shape, nothing stored"
BEFORE=$(count a)
curl -s "$A/links?count=2" -o "$W/links.bin"
check_reject() { # <kind> <expected reason>
	local f="$W/bad-$1.bin" h body
	if [ "$1" = lowwork ]; then
		"$LFREC" make "$W/work.key" "$W/links.bin" "$1" bad.name 1 1 "$W/wharrgarbl.bin" >"$f"
	else
		"$LFREC" make "$W/work.key" "$W/links.bin" "$1" bad.name 1 >"$f"
	fi
	h=$("$LFREC" hash "$f")
	body=$(curl -s -w ' %{http_code}' -X POST --data-binary @"$f" "$A/post")
	[ "${body##* }" = 400 ] || fail "$1: HTTP ${body##* }"
	body=${body% *}
	[ "$(jq -c '[.Code, .ErrTypeName]' <<<"$body")" = '[0,"ErrRecord"]' ] || fail "$1: $body"
	[ "$(jq -r .Message <<<"$body")" = "record rejected or record import failed: $2" ] || fail "$1: $body"
	[ "$(status_code "$A/record/$h")" = 404 ] || fail "$1: the record was stored"
}
check_reject badsig "owner signature check failed"
check_reject badclaim "selector claim check failed (no public key recovers from a claim)"
check_reject bigvalue "record value too large"
check_reject lowwork "record not currently approved (via proof of work and/or certificates)"
check_reject badwork "record not currently approved (via proof of work and/or certificates)"
check_reject future "record timestamp too far in the future"
check_reject fewlinks "insufficient links"
check_reject type1 "record administratively prohibited"
"$LFREC" garbage 300 | curl -s -X POST --data-binary @- "$A/post" >"$W/garbage.json"
[ "$(jq -r '.Code' "$W/garbage.json")" = 400 ] && jq -r .Message "$W/garbage.json" | grep -q '^record deserialization failed: ' ||
	fail "garbage: $(cat "$W/garbage.json")"
head -c 70000 /dev/urandom | curl -s -X POST --data-binary @- "$A/post" >"$W/big.json"
jq -r .Message "$W/big.json" | grep -q '^record deserialization failed: ' || fail "70000-byte body: $(cat "$W/big.json")"
[ "$(count a)" = "$BEFORE" ] || fail "records were stored: $BEFORE before, $(count a) after"
"$LFREC" make "$W/work.key" "$W/links.bin" good bad.name 2 16 "$W/wharrgarbl.bin" >"$W/good.bin"
[ "$(status_code -X POST --data-binary @"$W/good.bin" "$A/post")" = 200 ] || fail "the good control record"
[ "$(status_code -X POST --data-binary @"$W/good.bin" "$A/post")" = 200 ] || fail "a duplicate is 200"
[ "$(count a)" = $((BEFORE + 1)) ] || fail "the good record was not stored once"

# ---------------------------------------------------------------- export, second mirror
step "export (command and /dumprecords), import into a second mirror: the same answers"
"$LFD" --home "$W/a" export "$W/a.lf" >/dev/null 2>"$W/export.err" || fail "export: $(cat "$W/export.err")"
curl -s "$A/dumprecords" >"$W/a.dump"
cmp -s "$W/a.lf" "$W/a.dump" || fail "export and /dumprecords differ"
cmp -s -n 1089 "$W/a.lf" "$W/testnet.lf" || fail "the export does not start with the imported dump"
[ "$("$LFREC" hashes "$W/a.lf" | wc -l)" = "$(count a)" ] || fail "export record count"
"$LFD" --home "$W/b" import "$W/a.lf" >"$W/importb.txt" 2>"$W/importb.err" || fail "import b: $(cat "$W/importb.err")"
start b "$W/b"
QUERIES=(
	"{\"Ranges\":[{\"Name\":\"$LOCATOR\",\"Range\":[0,$U64_MAX]}]}"
	'{"Ranges":[{"Name":"com.zerotier.test","Range":[0,100]}]}'
	"{\"Ranges\":[{\"Name\":\"com.zerotier.test\",\"Range\":[1]}],\"Owners\":[\"$FREE\"]}"
	'{"Ranges":[{"Name":"other.name","Range":[7]}]}'
	'{"Ranges":[{"Name":"bad.name","Range":[0,10]}]}'
)
snapshot() { # <mirror> <file>
	: >"$2"
	for qq in "${QUERIES[@]}"; do q "$1" "$qq" >>"$2"; echo >>"$2"; done
}
snapshot a "$W/answers.a"
snapshot b "$W/answers.b"
cmp -s "$W/answers.a" "$W/answers.b" || fail "mirror b answers differently: $(diff "$W/answers.a" "$W/answers.b" | head -5)"
[ "$(count b)" = "$(count a)" ] || fail "record counts differ"
[ "$(grep -c null "$W/answers.a")" = 0 ] || fail "a query found nothing: $(cat "$W/answers.a")"

# ---------------------------------------------------------------- kill -9
step "kill -9 and restart: every record still there, the same answers"
N=$(count a)
kill -9 "${PID[a]}"
{ wait "${PID[a]}" || true; } 2>/dev/null
unset 'PID[a]'
start a "$W/a"
A=$(url a)
[ "$(count a)" = "$N" ] || fail "after kill -9: $(count a) records, not $N"
while read -r h; do
	[ "$(status_code "$A/record/$h")" = 200 ] || fail "record $h lost"
done < <("$LFREC" hashes "$W/a.lf")
snapshot a "$W/answers.a2"
cmp -s "$W/answers.a" "$W/answers.a2" || fail "answers changed across the restart"

# ---------------------------------------------------------------- pulling
step "a third mirror pulls from the first (and from an unreachable upstream) over HTTP"
sed -i "s|URL_A|$A|" "$W/c/zerotier-lf.json"
start c "$W/c"
for _ in $(seq 300); do [ "$(count c)" = "$(count a)" ] && break; sleep 0.1; done
[ "$(count c)" = "$(count a)" ] || fail "mirror c has $(count c) records, a $(count a)"
H3=$("$ZT" lf set --url "$A" --owner "$W/free.key" com.zerotier.test#4 "pulled later")
for _ in $(seq 100); do [ "$(status_code "$(url c)/record/$H3")" = 200 ] && break; sleep 0.1; done
[ "$("$ZT" lf get --url "$(url c)" com.zerotier.test#4)" = "pulled later" ] || fail "the new record did not reach c"
snapshot a "$W/answers.a3"
snapshot c "$W/answers.c"
cmp -s "$W/answers.a3" "$W/answers.c" || fail "mirror c answers differently"
[ "$(curl -s "$(url c)/status" | jq -r .GenesisRecords)" = "$(jq -r .GenesisRecords "$W/status.json")" ] || fail "c's genesis"

# ---------------------------------------------------------------- /makerecord from another host
step "/makerecord from a non-loopback address is refused (403, the reference's body)"
# shellcheck source=tests/integration/netns.sh disable=SC1091
. "$SRC/tests/integration/netns.sh"
if [ "$(id -u)" = 0 ] && command -v ip >/dev/null && ip netns add "${NETNS_PREFIX}probe" 2>/dev/null; then
	ip netns del "${NETNS_PREFIX}probe"
	NETNS_USED=1
	netns_setup 2
	trap finish EXIT # netns_setup installs its own trap; finish also cleans the namespaces
	config "$W/d" '"listen":["198.18.0.1:9980","127.0.0.1:9980"]'
	sed -i 's/"listen":"127.0.0.1:0",//' "$W/d/zerotier-lf.json"
	netns_spawn 1 "$LFD" --home "$W/d" 2>"$W/d.err" >/dev/null
	PID[d]=$NETNS_LAST_PID
	for _ in $(seq 100); do netns_exec 2 curl -sf http://198.18.0.1:9980/status >/dev/null && break; sleep 0.1; done
	netns_exec 2 curl -s -X POST --data-binary '{}' -w ' %{http_code}' http://198.18.0.1:9980/makerecord >"$W/forbidden.txt"
	body=$(cat "$W/forbidden.txt")
	[ "${body##* }" = 403 ] || fail "non-loopback makerecord: $body"
	printf '%s' "${body% *}" | cmp -s - "$V/json/error_makerecord_forbidden.json" || fail "403 body: $body"
	[ "$(netns_exec 1 curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary '{}' http://127.0.0.1:9980/makerecord)" = 400 ] ||
		fail "loopback makerecord in the namespace was not let through"
	[ "$(netns_exec 2 curl -s -o /dev/null -w '%{http_code}' http://198.18.0.1:9980/status)" = 200 ] || fail "/status from outside"
else
	echo "SKIP: /makerecord from a non-loopback address (needs root and network namespaces)"
fi

echo "PASS: $T ($CHECKS checks, $((SECONDS - T0)) s)"
