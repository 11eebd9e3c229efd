#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Dynamic roots against a real dnsmasq on 127.0.0.1: locators and root sets made with the CLI,
# published as `zerotier dns txt --dnsmasq` prints them, fetched with src/dns/resolve.c (through
# tests/integration/dnsquery, a poll() loop like the node's) and with `zerotier dns lookup`.
# Run by `make check`; standalone: ZT_TOP_BUILDDIR=build ZT_TOP_SRCDIR=. $0
set -euo pipefail

B=$(cd "${ZT_TOP_BUILDDIR:-.}" && pwd)
ZT=$B/zerotier
DQ=$B/tests/integration/dnsquery
command -v dnsmasq >/dev/null || { echo "test_dns: dnsmasq is required (apt-get install dnsmasq)" >&2; exit 1; }
command -v jq >/dev/null || { echo "test_dns: jq is required (apt-get install jq)" >&2; exit 1; }
[ -x "$ZT" ] || { echo "test_dns: no binary at $ZT" >&2; exit 1; }
[ -x "$DQ" ] || { echo "test_dns: no binary at $DQ (make check builds it)" >&2; exit 1; }

W=$(mktemp -d)
DNSMASQ_PID=
stop_dns() {
	if [ -n "$DNSMASQ_PID" ]; then
		kill -CONT "$DNSMASQ_PID" 2>/dev/null || true
		kill "$DNSMASQ_PID" 2>/dev/null || true
		wait "$DNSMASQ_PID" 2>/dev/null || true
		DNSMASQ_PID=
	fi
}
trap 'stop_dns; rm -rf "$W"' EXIT

CHECKS=0
step() { CHECKS=$((CHECKS + 1)); echo "check: $*"; }
fail() {
	echo "FAIL: $*" >&2
	for f in out err; do
		if [ -s "$W/$f" ]; then echo "--- $f:" >&2; head -20 "$W/$f" >&2; fi
	done
	if [ -s "$W/dnsmasq.log" ]; then echo "--- dnsmasq log (tail):" >&2; tail -5 "$W/dnsmasq.log" >&2; fi
	exit 1
}
sanitizer_check() {
	if grep -qE 'Sanitizer|runtime error:' "$W/err"; then fail "$1 triggered a sanitizer report"; fi
}
# run <expected exit code> <args...>: zerotier, output in $W/out and $W/err.
run() {
	local want=$1 rc=0
	shift
	"$ZT" "$@" >"$W/out" 2>"$W/err" || rc=$?
	sanitizer_check "zerotier $*"
	[ "$rc" -eq "$want" ] || fail "zerotier $* exited $rc, expected $want"
}
# query <expected exit code> <dnsquery args...>: the resolver, output in $W/out and $W/err.
query() {
	local want=$1 rc=0
	shift
	"$DQ" -s "127.0.0.1/$PORT" --timeout 1000 "$@" >"$W/out" 2>"$W/err" || rc=$?
	sanitizer_check "dnsquery $*"
	[ "$rc" -eq "$want" ] || fail "dnsquery $* exited $rc, expected $want"
}
has() { grep -qF -- "$1" "$W/out" || fail "output lacks '$1'"; }
err_has() { grep -qF -- "$1" "$W/err" || fail "stderr lacks '$1'"; }

# Starts dnsmasq serving the --txt-record lines in the given files (as `zerotier dns txt --dnsmasq`
# prints them) on a free port of 127.0.0.1. The lines are read the way a shell reads a command line,
# so the quotes around each string are removed as they would be when pasted into a shell.
start_dns() {
	local args=() line try re='^--txt-record=[a-z0-9.-]+,"[A-Za-z0-9:/_= .-]+"$'
	stop_dns
	for f in "$@"; do
		while IFS= read -r line; do
			[[ $line =~ $re ]] || fail "unexpected line: $line"
			eval "args+=( $line )"
		done <"$f"
	done
	for try in 1 2 3 4 5 6 7 8 9 10; do
		PORT=${FIXED_PORT:-$((20000 + RANDOM % 40000))}
		: >"$W/dnsmasq.log"
		dnsmasq --no-daemon --port="$PORT" --listen-address=127.0.0.1 --bind-interfaces --no-resolv --no-hosts \
			--conf-file=/dev/null --local=/test/ --local-ttl=120 --log-queries --log-facility="$W/dnsmasq.log" \
			--pid-file="$W/dnsmasq.pid" "${args[@]}" 2>>"$W/dnsmasq.err" &
		DNSMASQ_PID=$!
		for _ in $(seq 50); do
			grep -q 'started' "$W/dnsmasq.log" 2>/dev/null && return 0
			kill -0 "$DNSMASQ_PID" 2>/dev/null || break
			sleep 0.1
		done
		stop_dns
		[ -z "${FIXED_PORT:-}" ] || break
	done
	fail "dnsmasq did not start (see $W/dnsmasq.err)"
}

cd "$W"
# ---------------------------------------------------------------- material
step "identities, locators and two root-set keys"
for i in 1 2 3 4 5 6; do run 0 identity new; out_id=$(cat "$W/out"); printf '%s' "$out_id" >"id$i.secret"; done
run 0 locator new id1.secret 127.0.0.1/9993 "[::1]/9993"
L1=$(cat "$W/out")
[[ $L1 =~ ^loc1:[0-9a-f]{10}:[A-Za-z0-9_-]+$ ]] || fail "locator new printed '$L1'"
[ "${L1:5:10}" = "$(cut -c1-10 id1.secret)" ] || fail "the locator's address is not id1's"
run 0 locator new id2.secret 127.0.0.2/9993
L2=$(cat "$W/out")
run 0 dns keygen k1.key
K1=$(cat "$W/out")
[[ $K1 =~ ^[0-9a-f]{64}$ ]] || fail "dns keygen printed '$K1'"
[ "$(stat -c %a k1.key)" = 600 ] || fail "k1.key is not mode 0600"
run 0 dns keygen k2.key
run 1 dns keygen k1.key
err_has "already exists"
run 0 dns keygen --force k2.key
K2=$(cat "$W/out")
run 0 dns name "$K1" roots.test
NAME=$(cat "$W/out")
[[ $NAME =~ ^ztr1-[a-z2-7]{56}\.roots\.test$ ]] || fail "dns name printed '$NAME'"
run 0 dns name k1.key roots.test.
[ "$(cat "$W/out")" = "$NAME" ] || fail "the key file and the hex key give different names"
run 0 dns name "$K2" roots.test
NAME2=$(cat "$W/out")

# ---------------------------------------------------------------- locator CLI
step "locator show / verify, text and JSON, string and file"
printf '%s\n' "$L1" >l1.txt
run 0 locator show l1.txt
has "endpoint: udp 127.0.0.1/9993"
has "endpoint: udp ::1/9993"
has "signature: valid"
run 0 -j locator show "$L1"
jq -e --arg l "$L1" '.locator == $l and .signatureValid and (.endpoints | length) == 2' "$W/out" >/dev/null ||
	fail "locator show -j"
run 0 locator verify "$L1"
[ "$(cat "$W/out")" = valid ] || fail "locator verify did not say valid"
run 0 locator verify -j l1.txt
jq -e '.valid and .signatureValid and .identityValid' "$W/out" >/dev/null || fail "locator verify -j"

step "a tampered locator fails verify; a mangled one does not parse"
# Change one character in the middle of the base64url body (a timestamp byte): still parses.
T=${L1:0:20}$([ "${L1:20:1}" = A ] && echo B || echo A)${L1:21}
run 1 locator verify "$T"
err_has "signature does not verify"
run 1 -j locator verify "$T"
jq -e '.valid == false and .signatureValid == false' "$W/out" >/dev/null || fail "tampered verify -j"
run 2 locator show "loc1:nothing"
err_has "cannot parse locator"
run 2 locator new id1.secret 127.0.0.1/0
err_has "cannot parse endpoint"
run 2 locator new id1.secret 0000000000
err_has "reserved"
run 0 locator new id1.secret 127.0.0.1/9993 "$(cut -c1-10 id2.secret)"
run 0 locator show "$(cat "$W/out")"
has "endpoint: root $(cut -c1-10 id2.secret)"

# ---------------------------------------------------------------- TXT records
step "dns txt: zone-file lines and dnsmasq options for the same set"
run 2 dns txt --timestamp 1000 --ttl 600 k1.key roots.test "$L1" l1.txt
err_has "already in the set"
run 0 dns txt --timestamp 1000 --ttl 600 k1.key roots.test "$L1" "$L2"
grep -qE "^$NAME\. 600 IN TXT \"ztr1:[0-9a-f]{8}:00/0[0-9]:[A-Za-z0-9_-]+\"$" "$W/out" || fail "zone line format"
ZONE_LINES=$(wc -l <"$W/out")
[ "$ZONE_LINES" -ge 2 ] || fail "a two-root set should take several TXT strings, got $ZONE_LINES"
run 0 dns txt --dnsmasq --timestamp 1000 k1.key roots.test "$L1" "$L2"
[ "$(wc -l <"$W/out")" -eq "$ZONE_LINES" ] || fail "dnsmasq and zone output differ in length"
cp "$W/out" set-t1000.conf
run 0 -j dns txt --dnsmasq --timestamp 1000 k1.key roots.test "$L1" "$L2"
jq -e --arg n "$NAME" '.name == $n and .timestamp == 1000 and (.roots | length) == 2 and (.records | length) == (.lines | length)' \
	"$W/out" >/dev/null || fail "dns txt -j"
# Signing is deterministic: the same inputs give the same records.
run 0 dns txt --dnsmasq --timestamp 1000 k1.key roots.test "$L1" "$L2"
cmp -s "$W/out" set-t1000.conf || fail "dns txt is not deterministic"
run 0 dns txt --dnsmasq --timestamp 2000 k1.key roots.test "$L1" "$L2"
cp "$W/out" set-t2000.conf
run 0 dns txt --dnsmasq --timestamp 3000 k1.key roots.test "$L2"
cp "$W/out" set-t3000.conf
# Six roots: an answer larger than 512 bytes (EDNS or TCP).
LS=()
for i in 1 2 3 4 5 6; do run 0 locator new "id$i.secret" "127.0.1.$i/9993" "[fd00::$i]/9993"; LS+=("$(cat "$W/out")"); done
run 0 dns txt --dnsmasq --timestamp 4000 k1.key roots.test "${LS[@]}"
cp "$W/out" set-t4000.conf
[ "$(wc -l <set-t4000.conf)" -ge 6 ] || fail "six roots should take at least 6 TXT strings"
# The set signed by the other key, published under k1's name (what a DNS attacker can do).
run 0 dns txt --dnsmasq --timestamp 9000 k2.key roots.test "$L1" "$L2"
sed "s/$NAME2/$NAME/" "$W/out" >forged.conf
grep -qF "$NAME," forged.conf || fail "could not move the forged set to k1's name"
run 2 dns txt k1.key "bad domain" "$L1"
err_has "cannot use domain"
run 1 dns txt k2.key roots.test id1.secret
run 1 dns txt "$W/id1.secret" roots.test "$L1"
err_has "cannot parse secret key file"

# ---------------------------------------------------------------- resolution
step "a good set is accepted, reassembled from several TXT strings, with the TTL"
start_dns set-t1000.conf
query 0 --state state.bin "$NAME"
has "result=accepted timestamp=1000 roots=2 ttl=120 unchanged=0"
has "records=$ZONE_LINES foreign=0"
[ -s state.bin ] || fail "the accepted set was not kept"
grep -q "query\[TXT\] $NAME" "$W/dnsmasq.log" || fail "dnsmasq saw no query"

step "zerotier dns lookup shows the same set"
run 0 dns lookup -s "127.0.0.1/$PORT" "$NAME"
has "root set $NAME"
has "timestamp: 1000 ("
has "endpoint: udp 127.0.0.2/9993"
run 0 -j dns lookup --server "127.0.0.1/$PORT" "$NAME"
jq -e '.timestamp == 1000 and .ttl == 120 and ([.roots[].signatureValid] | all) and (.roots | length) == 2' \
	"$W/out" >/dev/null || fail "dns lookup -j"

step "a newer set replaces it; fetching it again changes nothing"
start_dns set-t2000.conf
query 0 --state state.bin "$NAME"
has "state timestamp=1000"
has "result=accepted timestamp=2000"
has "unchanged=0"
query 0 --state state.bin "$NAME"
has "result=accepted timestamp=2000"
has "unchanged=1"

step "an older set is rejected (no rollback) and the kept set stays"
cp state.bin state-before.bin
start_dns set-t1000.conf
query 1 --state state.bin "$NAME"
has "result=rejected error=stale"
has "stale=1"
cmp -s state.bin state-before.bin || fail "a rejected lookup changed the kept set"
# Without history (a fresh node), the same old set is fine.
query 0 "$NAME"
has "timestamp=1000"

step "a set signed by another key is rejected"
start_dns forged.conf
query 1 --state state.bin "$NAME"
has "result=rejected error=forged"
has "forged=1"
cmp -s state.bin state-before.bin || fail "a forged answer changed the kept set"
run 1 dns lookup -s "127.0.0.1/$PORT" "$NAME"
err_has "NOT signed by the key in the name"

step "old and new sets published together (a change-over), with other TXT data: the newest wins"
echo "--txt-record=$NAME,\"v=spf1 -all\"" >foreign.conf
start_dns set-t1000.conf set-t3000.conf forged.conf foreign.conf
query 0 --state state.bin "$NAME"
has "result=accepted timestamp=3000 roots=1"
has "sets=3"
has "forged=1"
has "foreign=1"

step "six roots: a large answer is reassembled"
start_dns set-t4000.conf
query 0 --state state.bin "$NAME"
has "result=accepted timestamp=4000 roots=6"

step "a damaged or missing TXT string is refused"
# Change one base64url character of the second record.
awk 'NR == 2 { i = index($0, ",\"") + 30; c = substr($0, i, 1); $0 = substr($0, 1, i - 1) (c == "A" ? "B" : "A") substr($0, i + 1) } { print }' \
	set-t2000.conf >damaged.conf
cmp -s damaged.conf set-t2000.conf && fail "could not damage a record"
start_dns damaged.conf
query 1 "$NAME"
has "result=rejected error=malformed"
sed 2d set-t2000.conf >missing.conf
start_dns missing.conf
query 1 "$NAME"
has "result=rejected error=incomplete"
has "incomplete=1"
start_dns foreign.conf
query 1 "$NAME"
has "result=rejected error=notfound"

step "a name nobody published: not found (NXDOMAIN)"
start_dns set-t2000.conf
query 1 "$NAME2"
has "result=rejected error=notfound"

step "the DNS server stopped: a clear error, no crash, the kept set untouched"
cp state.bin state-before.bin
stop_dns
query 1 --state state.bin "$NAME"
has "result=rejected error=dns"
cmp -s state.bin state-before.bin || fail "a failed lookup changed the kept set"
run 1 dns lookup -s "127.0.0.1/$PORT" --timeout 500 "$NAME"
err_has "DNS failure"

step "the DNS server hangs: the lookup times out within its budget"
start_dns set-t2000.conf
kill -STOP "$DNSMASQ_PID"
T0=$(date +%s%N)
query 1 "$NAME"
T1=$(date +%s%N)
kill -CONT "$DNSMASQ_PID"
has "result=rejected error=dns"
grep -qi "timeout" "$W/out" || fail "the error does not say timeout"
[ $(((T1 - T0) / 1000000)) -lt 5000 ] || fail "a 1000 ms timeout took $(((T1 - T0) / 1000000)) ms"

step "a name with a corrupted key is refused before any lookup"
# One character of the key label changed: the checksum catches it.
C=${NAME:20:1}
BAD=${NAME:0:20}$([ "$C" = a ] && echo b || echo a)${NAME:21}
query 3 "$BAD"
has "result=refused"
has "checksum"
run 2 dns lookup -s "127.0.0.1/$PORT" "$BAD"
err_has "refusing name"
# Two neighbours swapped, a character lost.
SWAP=${NAME:0:20}${NAME:21:1}${NAME:20:1}${NAME:22}
if [ "$SWAP" != "$NAME" ]; then query 3 "$SWAP"; fi
query 3 "${NAME:0:30}${NAME:31}"
query 3 "roots.test"
sleep 0.2
! grep -qF "${BAD%%.*}" "$W/dnsmasq.log" || fail "dnsmasq saw a query for the corrupted name"
! grep -qF "${NAME:0:30}${NAME:31:30}" "$W/dnsmasq.log" || fail "dnsmasq saw a query for the shortened name"
query 0 "$NAME"

echo "test_dns: $CHECKS checks passed"
