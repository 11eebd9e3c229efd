#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The peer directory survives restarts (issue 3, "Tests"): after SIGTERM (exit 0) and after
# kill -9, a restarted root answers WHOIS for peers that said HELLO before, to a client that never
# spoke to it before and without the named peer saying HELLO again, and relays at once to a peer
# that kept listening across the restart (frozen with SIGSTOP meanwhile, so it cannot re-announce
# itself: the root can only use the path it persisted). kill -9 loses at most one flush interval.
# Run by `make check` (needs root for network namespaces, else SKIP);
# standalone: sudo ZT_TOP_BUILDDIR=build ZT_TOP_SRCDIR=. tests/integration/test_root_restart.sh
set -euo pipefail

T=test_root_restart
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

# ---------------------------------------------------------------- setup
netns_setup 5
trap finish EXIT

FLUSH_MS=200
cat >"$H/root.json" <<EOF2
{ "comment": "$T", "http": "127.0.0.1:$HTTP_PORT", "flushIntervalMs": $FLUSH_MS, "threads": 2 }
EOF2
for p in a b c d; do new_identity $p; done
A=$(addr_of a)
B=$(addr_of b)
C=$(addr_of c)
D=$(addr_of d)
A_AT=198.18.0.2/9994
now_ms() { date +%s%3N; }

# wait_stored <n>: until /status says at least n peers are in LMDB (2 s at most).
wait_stored() {
	local s=0
	for _ in $(seq 20); do
		s=$(http /status -f | jq '.peers.stored') || s=0
		[ "$s" -ge "$1" ] && return 0
		sleep 0.1
	done
	fail "/status peers.stored is $s, expected >= $1 (flushIntervalMs $FLUSH_MS)"
}

# relay_to_frozen_a <label>: B sends to A through the root while A is stopped; the root must relay
# it (counter), and A must find it in its socket once resumed.
relay_to_frozen_a() {
	local out sent p r0 r1
	r0=$(metric root_relayed_packets_total)
	out=$(zp 3 b --linger 300 send "$A" 8 "$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')") ||
		fail "ztpeer send (B -> A, $1) exited $?"
	sent=$(ev sent <<<"$out" | head -1)
	p=$(jq -r .packet_id <<<"$sent")
	r1=$(metric root_relayed_packets_total)
	[ "$r1" -gt "$r0" ] || fail "$1: the root did not relay B's packet to A (relayed $r0 -> $r1)"
	kill -CONT "$A_PID"
	wait_event "$W/a.json" 5 '.event == "recv" and .packet_id == $p and .source == $b and .hops == 1 and .status == "ok"' \
		--arg p "$p" --arg b "$B" >/dev/null || fail "$1: A did not receive B's packet $p"
}

start_root
FIRST_PUB=$ROOT_PUB
echo "$T: root $ROOT_ADDR; A=$A (listening at $A_AT) B=$B C=$C D=$D"

# ---------------------------------------------------------------- before the restart
step "A (listening) and B say HELLO; both reach LMDB within the flush interval"
zp_spawn 2 a "$W/a.json" --bind "$A_AT" listen 55
A_PID=$ZP_PID
wait_event "$W/a.json" 10 '.event == "ready"' >/dev/null || fail "A (listen) did not get its OK(HELLO)"
zp 3 b hello >/dev/null || fail "ztpeer hello (B) exited $?"
wait_stored 2

# ---------------------------------------------------------------- SIGTERM and restart
step "A is frozen (SIGSTOP: no more HELLO from it); SIGTERM: the root flushes and exits 0"
kill -STOP "$A_PID"
stop_root
grep -q 'SIGTERM' "$W/root.$ROOT_RUN.err" || fail "no SIGTERM line in the log"

step "restart with the same home: same identity, 2 peers loaded from LMDB"
RESTART_MS=$(now_ms)
start_root
[ "$ROOT_PUB" = "$FIRST_PUB" ] || fail "the identity changed across the restart"
grep -q 'loaded 2 peers' "$W/root.$ROOT_RUN.err" || fail "the log does not say 'loaded 2 peers': $(grep loaded "$W/root.$ROOT_RUN.err")"

step "/peer right after the restart lists A at $A_AT, last heard before the restart"
PEERS=$(http /peer -f) || fail "GET /peer failed"
jcheck "$PEERS" --arg a "$A" --arg at "$A_AT" --argjson t "$RESTART_MS" \
	'any(.[]; .address == $a and .paths[0].address == $at and .paths[0].lastReceive < $t)' ||
	fail "/peer after the restart: $PEERS"

step "a new client C (never seen) says HELLO, then WHOIS A -> A's identity (A is still frozen)"
OUT=$(zp 4 c whois "$A") || fail "ztpeer whois (C) exited $?"
jcheck "$(ev ok_whois <<<"$OUT")" --arg a "$(pub_of a)" '.identities == [{"address": $a[0:10], "identity": $a, "valid": true}]' ||
	fail "OK(WHOIS) for A after the restart: $(ev ok_whois <<<"$OUT")"
[ "$(ps -o stat= -p "$A_PID" | cut -c1)" = T ] || fail "A is not stopped: the check proves nothing"

step "right after the restart the root relays B -> A over A's persisted path (A frozen, then resumed)"
relay_to_frozen_a "after SIGTERM"

# ---------------------------------------------------------------- kill -9
step "a new peer D says HELLO; LMDB has A, B, C, D within the flush interval"
zp 5 d hello >/dev/null || fail "ztpeer hello (D) exited $?"
wait_stored 4
sleep 2 # the brief: a couple of seconds (> flushIntervalMs) after D's HELLO

step "kill -9 the root (A frozen again), restart: 4 peers loaded"
kill -STOP "$A_PID"
kill -KILL "$ROOT_PID"
wait "$ROOT_PID" 2>/dev/null || true
ROOT_PID=
start_root
[ "$ROOT_PUB" = "$FIRST_PUB" ] || fail "the identity changed across kill -9"
grep -q 'loaded 4 peers' "$W/root.$ROOT_RUN.err" || fail "the log does not say 'loaded 4 peers': $(grep loaded "$W/root.$ROOT_RUN.err")"

step "WHOIS D after kill -9 -> D's identity"
OUT=$(zp 4 c whois "$D") || fail "ztpeer whois (C for D) exited $?"
jcheck "$(ev ok_whois <<<"$OUT")" --arg d "$(pub_of d)" '.identities[0].identity == $d' ||
	fail "OK(WHOIS) for D after kill -9: $(ev ok_whois <<<"$OUT")"

step "right after kill -9 and restart the root relays B -> A over A's persisted path"
relay_to_frozen_a "after kill -9"

step "SIGTERM: the root exits 0 (and no sanitizer report)"
stop_root

echo "$T: all $CHECKS checks passed in $((SECONDS - T0)) s"
