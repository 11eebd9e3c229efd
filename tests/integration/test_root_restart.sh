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

# ---------------------------------------------------------------- common helpers (same in every test_root_*.sh)
for t in jq curl timeout; do
	command -v "$t" >/dev/null || { echo "$T: $t is required" >&2; exit 1; }
done
# shellcheck source=tests/integration/netns.sh disable=SC1091
. "$SRC/tests/integration/netns.sh"
netns_require
for b in "$ROOTD" "$ZTPEER" "$ZT"; do
	[ -x "$b" ] || { echo "$T: no binary at $b" >&2; exit 1; }
done

W=$(mktemp -d "${TMPDIR:-/tmp}/$T.XXXXXX")
H=$W/home
mkdir -p "$H"
CHECKS=0
ROOT_PID=
ROOT_RUN=0
T0=$SECONDS

finish() {
	local rc=$?
	set +e
	if declare -F test_cleanup >/dev/null; then test_cleanup; fi
	if [ -n "$ROOT_PID" ] && kill -0 "$ROOT_PID" 2>/dev/null; then
		kill -TERM "$ROOT_PID" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$ROOT_PID" 2>/dev/null || break; sleep 0.1; done
	fi
	if grep -qE "$SAN_RE" "$W"/root.*.err "$W"/zp-all.err 2>/dev/null; then
		echo "FAIL: sanitizer report:"
		grep -hE -A20 "$SAN_RE" "$W"/root.*.err "$W"/zp-all.err | head -60
		rc=1
	fi
	netns_cleanup
	if [ -n "${ZT_KEEP_TEST_DIR:-}" ]; then echo "$T: files kept in $W"; else rm -rf "$W"; fi
	exit "$rc"
}

step() {
	CHECKS=$((CHECKS + 1))
	echo "check: $*"
}

# fail <message>: on stderr (so it also shows from inside $(...)), with the latest logs; exits 1.
fail() {
	{
		echo "FAIL: $*"
		if [ -s "$W/zp.err" ]; then echo "--- last ztpeer stderr:"; tail -5 "$W/zp.err"; fi
		if [ "$ROOT_RUN" -gt 0 ] && [ -s "$W/root.$ROOT_RUN.err" ]; then
			echo "--- zerotier-root stderr:"
			tail -30 "$W/root.$ROOT_RUN.err"
		fi
	} >&2
	exit 1
}

# Secret identity for a test peer, made with the zerotier tool (ztpeer reads it with --identity).
new_identity() {
	"$ZT" identity new >"$W/$1.id" || fail "zerotier identity new failed"
	chmod 600 "$W/$1.id"
}
pub_of() { "$ZT" identity getpublic "$W/$1.id"; }
addr_of() { cut -c1-10 "$W/$1.id"; }

# zp <host> <identity name> [ztpeer options] <command> [args]: one ztpeer run in a host, events on
# stdout. The root is $ZP_ROOT (default: this root at 198.18.0.1/9993), stderr goes to $ZP_ERR.
zp() {
	local host=$1 name=$2 err=${ZP_ERR:-$W/zp.err} rc=0
	shift 2
	timeout 60 ip netns exec "$(netns_name "$host")" "$ZTPEER" --identity "$W/$name.id" \
		--root "${ZP_ROOT:-$ROOT_PUB@$ROOT_IP/9993}" --timeout "${ZP_TIMEOUT:-5000}" "$@" 2>"$err" || rc=$?
	cat "$err" >>"$W/zp-all.err" 2>/dev/null || true
	return $rc
}

# zp_spawn <host> <identity name> <events file> [ztpeer options] <command> [args]: ztpeer in the
# background (ended at cleanup at the latest); its PID in $ZP_PID.
zp_spawn() {
	local host=$1 name=$2 out=$3
	shift 3
	netns_spawn "$host" "$ZTPEER" --identity "$W/$name.id" --root "${ZP_ROOT:-$ROOT_PUB@$ROOT_IP/9993}" \
		--timeout "${ZP_TIMEOUT:-5000}" "$@" >"$out" 2>>"$W/zp-all.err" </dev/null
	# shellcheck disable=SC2034 # not every test uses it
	ZP_PID=$NETNS_LAST_PID
}

# wait_event <file> <seconds> <jq condition> [jq args]: waits until an event in the file (JSON
# lines, possibly still being written) meets the condition; prints the first such event.
wait_event() {
	local f=$1 t=$2 cond=$3 line i
	shift 3
	for i in $(seq 0 $((t * 10))); do
		line=$(jq -c -R "$@" "fromjson? | select($cond)" "$f" 2>/dev/null | head -1 || true)
		if [ -n "$line" ]; then
			echo "$line"
			return 0
		fi
		[ "$i" -eq $((t * 10)) ] || sleep 0.1
	done
	return 1
}

# ev <event name>: the events of that name from stdin (JSON lines).
ev() { jq -c --arg e "$1" 'select(.event == $e)'; }
# jcheck <json> <jq filter> [jq args]: true if the filter yields true.
jcheck() {
	local doc=$1
	shift
	jq -e "$@" <<<"$doc" >/dev/null 2>&1
}

start_root() {
	ROOT_RUN=$((ROOT_RUN + 1))
	netns_spawn 1 "$ROOTD" --home "$H" >"$W/root.$ROOT_RUN.out" 2>"$W/root.$ROOT_RUN.err" </dev/null
	ROOT_PID=$NETNS_LAST_PID
	for _ in $(seq 300); do
		[ -s "$W/root.$ROOT_RUN.out" ] && break
		kill -0 "$ROOT_PID" 2>/dev/null || fail "zerotier-root exited during start-up"
		sleep 0.1
	done
	[ -s "$W/root.$ROOT_RUN.out" ] || fail "zerotier-root printed no identity within 30 s"
	ROOT_PUB=$(head -1 "$W/root.$ROOT_RUN.out")
	ROOT_ADDR=${ROOT_PUB%%:*}
}

# stop_root: SIGTERM; the root must exit 0 within 10 s with no sanitizer report.
stop_root() {
	local rc=0
	kill -TERM "$ROOT_PID"
	for _ in $(seq 100); do
		kill -0 "$ROOT_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$ROOT_PID" 2>/dev/null && fail "zerotier-root still running 10 s after SIGTERM"
	wait "$ROOT_PID" || rc=$?
	ROOT_PID=
	! grep -qE "$SAN_RE" "$W/root.$ROOT_RUN.err" || fail "sanitizer report in the root's stderr"
	[ "$rc" -eq 0 ] || fail "zerotier-root exited $rc after SIGTERM, expected 0"
}

# http <path> [curl options]: GET from the root's HTTP server (inside host 1).
http() {
	local path=$1 rc=0
	shift
	netns_exec 1 curl -sS --max-time 5 "$@" "http://127.0.0.1:$HTTP_PORT$path" || rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "$T: curl $path exited $rc; TCP listeners in host 1:" >&2
		netns_exec 1 ss -ltnp >&2 || true
	fi
	return $rc
}

# metric <name> [<label>="<value>"]: one sample's value from /metrics.
metric() {
	local body v
	body=$(http /metrics -f) || fail "GET /metrics failed"
	v=$(awk -v n="$1" -v l="${2:-}" '
		/^#/ { next }
		{ name = $1; sub(/\{.*/, "", name) }
		name == n && (l == "" || index($1, l) > 0) { print $NF; exit }' <<<"$body")
	[ -n "$v" ] || fail "/metrics has no sample $1${2:+{$2\}}"
	echo "$v"
}

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
