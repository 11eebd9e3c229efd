#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The ztpeer test client itself (not the root): its in-process self-test, then every command as a
# real process against `ztpeer rootlite` (a minimal stand-in root) on 127.0.0.1.
# Run by `make check`; standalone: ZT_TOP_BUILDDIR=build ZT_TOP_SRCDIR=. $0
set -euo pipefail

ZTP=${ZT_TOP_BUILDDIR:-.}/tests/integration/ztpeer
command -v jq >/dev/null || { echo "test_ztpeer: jq is required (apt-get install jq)" >&2; exit 1; }
[ -x "$ZTP" ] || { echo "test_ztpeer: no binary at $ZTP (make check builds it)" >&2; exit 1; }

W=$(mktemp -d)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$W"
}
trap cleanup EXIT

CHECKS=0
step() { CHECKS=$((CHECKS + 1)); echo "check: $*"; }
fail() {
	echo "FAIL: $*" >&2
	for f in out err; do
		if [ -s "$W/$f" ]; then echo "--- $f:" >&2; cut -c1-400 "$W/$f" | head -20 >&2; fi
	done
	exit 1
}
# run <expected exit code> <args...>: runs ztpeer, keeps stdout/stderr in $W/out, $W/err.
run() {
	local want=$1 rc=0
	shift
	"$ZTP" "$@" >"$W/out" 2>"$W/err" || rc=$?
	[ "$rc" -eq "$want" ] || fail "ztpeer $* exited $rc, expected $want"
}
jq_true() { jq -e -s "$1" "$W/out" >/dev/null || fail "JSON check failed: $1"; }
one_error_line() {
	[ "$(wc -l <"$W/err")" -eq 1 ] || fail "expected one line on stderr"
	grep -q '^ztpeer: ' "$W/err" || fail "stderr line does not start with 'ztpeer: '"
	grep -qF -- "$1" "$W/err" || fail "stderr does not contain '$1'"
}
# wait_for <file> <jq filter>: up to 10 s for a line of the file to match.
wait_for() {
	for _ in $(seq 100); do
		if [ -s "$1" ] && jq -e -s "$2" "$1" >/dev/null 2>&1; then return 0; fi
		sleep 0.1
	done
	fail "timed out waiting for $2 in $1"
}

# ---------------------------------------------------------------- self-test
step "selftest: three in-process nodes, every check passes"
run 0 selftest
jq_true '.[-1] | .event == "selftest" and .failed == 0 and .checks > 40'

# ---------------------------------------------------------------- usage
step "usage errors exit 2 with one line; --help exits 0"
run 2
one_error_line "no command"
run 2 --identity "$W/x.id" frobnicate
one_error_line "unknown command"
run 2 --identity "$W/x.id" --root "0123456789:0:00@127.0.0.1/1" hello
one_error_line "root identity"
run 2 --identity "$W/x.id" whois
one_error_line "usage: ztpeer [options] whois"
run 2 --cipher 2 hello
one_error_line "--cipher"
run 0 --help
grep -q "badhops <dest> <hops>" "$W/out" || fail "--help does not list the commands"

# ---------------------------------------------------------------- the stand-in root
"$ZTP" --identity "$W/root.id" --bind 127.0.0.1/0 --planet-id 0x7a7a7a7a rootlite 120 >"$W/root.out" 2>"$W/root.err" &
PIDS+=($!)
wait_for "$W/root.out" '.[0].event == "ready"'
RID=$(jq -r 'select(.event == "ready") | .identity' "$W/root.out")
RADDR=$(jq -r 'select(.event == "ready") | .address' "$W/root.out")
RPORT=$(jq -r 'select(.event == "ready") | .bind' "$W/root.out" | cut -d/ -f2)
ROOT="$RID@127.0.0.1/$RPORT"

step "an identity file is created when missing, and reused"
run 0 --identity "$W/a.id" --root "$ROOT" hello
[[ $(cat "$W/a.id") =~ ^[0-9a-f]{10}:0:[0-9a-f]{128}:[0-9a-f]{128}$ ]] || fail "a.id is not a secret identity"
[ "$(stat -c %a "$W/a.id")" = 600 ] || fail "a.id is not mode 600"
A=$(cut -c1-10 "$W/a.id")
jq_true 'length == 1 and .[0].event == "ok_hello" and .[0].source == "'"$RADDR"'" and .[0].proto == 12'
jq_true '.[0].observed | startswith("127.0.0.1/")'

step "hello naming an older planet gets the planet; the root given as a file works too"
jq -r 'select(.event == "ready") | .identity' "$W/root.out" >"$W/root.public"
run 0 --identity "$W/a.id" --root "$W/root.public@127.0.0.1/$RPORT" --planet-id 0x7a7a7a7a --planet-ts 1 hello
jq_true '.[0].worlds == 1 and .[0].world_list[0].id == 2054847098 and .[0].world_list[0].self_signed_ok'

step "hello with --cipher 1 advertises protocol 11 and is answered with cipher 1"
run 0 --identity "$W/d.id" --root "$ROOT" --cipher 1 hello
run 0 --identity "$W/d.id" --root "$ROOT" --cipher 1 hello
jq_true '.[0].cipher == 1'
D=$(cut -c1-10 "$W/d.id")

step "whois returns valid identities and lists the missing ones"
run 0 --identity "$W/a.id" --root "$ROOT" whois "$RADDR" "$D" 0123456789
jq_true '.[-1].event == "ok_whois" and (.[-1].identities | length) == 2 and all(.[-1].identities[]; .valid)'
jq_true '.[-1].missing == ["0123456789"] and .[-1].identities[0].identity == "'"$RID"'"'
run 1 --identity "$W/a.id" --root "$ROOT" --timeout 1200 whois 0123456789
one_error_line "no OK(WHOIS)"

step "echo: the payload comes back (cipher 3 after the first contact)"
run 0 --identity "$W/a.id" --root "$ROOT" echo cafebabe
jq_true '.[-1].event == "ok_echo" and .[-1].match and .[-1].data == "cafebabe" and .[-1].cipher == 3'

step "like then gather"
run 0 --identity "$W/d.id" --root "$ROOT" --cipher 1 like 8056c2e21c000001 01:00:5e:00:00:01 0
jq_true '.[-1].event == "sent" and .[-1].verb == "MULTICAST_LIKE" and .[-1].mac == "01:00:5e:00:00:01"'
run 0 --identity "$W/a.id" --root "$ROOT" gather 8056c2e21c000001 01005e000001 0 5
jq_true '.[-1].event == "ok_gather" and .[-1].members == ["'"$D"'"] and .[-1].total == 1'

step "hello to a port nobody answers: exit 1 with a reason"
run 1 --identity "$W/a.id" --root "$RID@127.0.0.1/9" --timeout 1500 hello
one_error_line "no OK(HELLO)"

# ---------------------------------------------------------------- relay, RENDEZVOUS, hops, fragments
step "listen + send: the relayed ECHO is byte-identical but for the hops, RENDEZVOUS reaches both"
"$ZTP" --identity "$W/b.id" --root "$ROOT" listen 30 >"$W/b.out" 2>"$W/b.err" &
BPID=$!
PIDS+=($BPID)
wait_for "$W/b.out" 'any(.event == "ready")'
B=$(cut -c1-10 "$W/b.id")
run 0 --identity "$W/a.id" --root "$ROOT" --count 2 --interval 200 --linger 1500 send "$B" 8 0102030405
cp "$W/out" "$W/send.out"
jq_true '[.[] | select(.event == "sent")] | length == 2'
jq_true 'any(.event == "recv" and .verb == "RENDEZVOUS" and .peer == "'"$B"'")'
jq_true '[.[] | select(.event == "recv" and .verb == "OK" and .in_re_verb == "ECHO" and .hops == 1)] | length == 2'
for w in $(jq -r 'select(.event == "sent") | .wire' "$W/send.out"); do
	wait_for "$W/b.out" 'any(.event == "recv" and .verb == "ECHO" and .hops == 1 and .wire_hops0 == "'"$w"'")'
done
wait_for "$W/b.out" 'any(.verb == "RENDEZVOUS" and .peer == "'"$A"'")'

step "badhops: 2 arrives with 3, 3 is dropped by the hop limit"
run 0 --identity "$W/a.id" --root "$ROOT" --linger 500 badhops "$B" 2
W2=$(jq -r 'select(.event == "sent") | .wire_hops0' "$W/out")
wait_for "$W/b.out" 'any(.event == "recv" and .hops == 3 and .wire_hops0 == "'"$W2"'")'
run 0 --identity "$W/a.id" --root "$ROOT" --linger 500 badhops "$B" 3
W3=$(jq -r 'select(.event == "sent") | .wire' "$W/out")
sleep 0.5
if jq -e -s 'any(.packet_id == "'"${W3:0:16}"'")' "$W/b.out" >/dev/null; then fail "hops 3 was relayed"; fi
wait_for "$W/root.out" 'any(.packet_id == "'"${W3:0:16}"'" and .error == "hop limit")'

step "send above the MTU: fragments relayed and reassembled"
BIG=$(head -c 2500 /dev/urandom | od -An -tx1 | tr -d ' \n')
run 0 --identity "$W/a.id" --root "$ROOT" --linger 1000 send "$B" 8 "$BIG"
jq_true '.[] | select(.event == "sent") | (.fragments | length) == 2'
wait_for "$W/b.out" 'any(.kind == "reassembled" and .verb == "ECHO" and .payload == "'"$BIG"'")'
jq_true 'any(.verb == "OK" and .in_re_verb == "ECHO" and .kind == "reassembled" and .data == "'"$BIG"'")'

# ---------------------------------------------------------------- junk
step "junk of every kind and raw bytes: sent, the stand-in root keeps serving"
for k in truncated badmac reserved badfragment oversize random helloflood; do
	run 0 --identity "$W/a.id" --root "$ROOT" junk "$k" 3
	jq_true '.[-1].event == "junk_done" and .[-1].kind == "'"$k"'" and .[-1].count == 3'
done
run 0 --identity "$W/a.id" --root "$ROOT" --linger 1000 junk collision 2
jq_true 'any(.verb == "ERROR" and .error_name == "IDENTITY_COLLISION" and .alt_key and .in_re_verb == "HELLO")'
run 0 --identity "$W/a.id" --root "$ROOT" raw 00112233445566778899aabbccddeeff
jq_true '.[0].event == "sent_raw" and .[0].len == 16'
run 2 --identity "$W/a.id" --root "$ROOT" junk nonsense
run 0 --identity "$W/a.id" --root "$ROOT" echo
wait_for "$W/root.out" '[.[] | select(.status == "invalid_identity")] | length == 3'

step "listen exits 0 on SIGTERM"
kill -TERM "$BPID"
rc=0
wait "$BPID" || rc=$?
[ "$rc" -eq 0 ] || fail "listen exited $rc on SIGTERM"
[ ! -s "$W/b.err" ] || { cat "$W/b.err" >&2; fail "listen wrote to stderr"; }

step "rootlite exits 0 on SIGTERM with its counters"
RPID=${PIDS[0]}
kill -TERM "$RPID"
rc=0
wait "$RPID" || rc=$?
[ "$rc" -eq 0 ] || fail "rootlite exited $rc on SIGTERM"
[ ! -s "$W/root.err" ] || { cat "$W/root.err" >&2; fail "rootlite wrote to stderr"; }
jq -e -s '.[-1].event == "rootlite_done" and .[-1].relayed >= 8 and .[-1].rx_dropped > 0' "$W/root.out" >/dev/null ||
	fail "rootlite_done counters"

echo "test_ztpeer: $CHECKS checks passed"
