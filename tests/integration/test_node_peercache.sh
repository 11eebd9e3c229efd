#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The edge node's peer cache across a restart, with a real zerotier-root on loopback: SIGTERM writes
# the path the engine held back (it writes a changed peer at most every 10 s), the restarted node
# preloads peers.d/ and is direct to its recent peer again without a WHOIS, and `zerotier ping
# --timeout` gives up after the time asked.
# Run by `make check`; standalone: ZT_TOP_BUILDDIR=build ZT_TOP_SRCDIR=. $0
set -euo pipefail

NODED=${ZT_TOP_BUILDDIR:-.}/zerotier-node
ROOTD=${ZT_TOP_BUILDDIR:-.}/zerotier-root
ZT=${ZT_TOP_BUILDDIR:-.}/zerotier
for t in curl jq od python3; do
	command -v "$t" >/dev/null || { echo "test_node_peercache: $t is required" >&2; exit 1; }
done
for b in "$NODED" "$ROOTD" "$ZT"; do
	[ -x "$b" ] || { echo "test_node_peercache: no binary at $b" >&2; exit 1; }
done

W=$(mktemp -d)
declare -A PIDS=()
cleanup() {
	local n
	for n in "${!PIDS[@]}"; do
		kill -KILL "${PIDS[$n]}" 2>/dev/null || true
		wait "${PIDS[$n]}" 2>/dev/null || true
	done
	rm -rf "$W"
}
trap cleanup EXIT

CHECKS=0
step() { CHECKS=$((CHECKS + 1)); echo "check: $*"; }
fail() {
	echo "FAIL: $*" >&2
	if [ -s "$W/out" ]; then echo "--- stdout:" >&2; head -20 "$W/out" >&2; fi
	if [ -s "$W/err" ]; then echo "--- stderr:" >&2; tail -20 "$W/err" >&2; fi
	for n in "${!PIDS[@]}"; do
		[ -s "$W/$n.err" ] && { echo "--- log of $n:" >&2; tail -20 "$W/$n.err" >&2; }
	done
	exit 1
}
sanitizer_check() {
	if grep -qE 'Sanitizer|runtime error:' "$@" 2>/dev/null; then fail "sanitizer report in $*"; fi
}
run() {
	local want=$1 rc=0
	shift
	timeout 60 "$@" >"$W/out" 2>"$W/err" </dev/null || rc=$?
	sanitizer_check "$W/err"
	[ "$rc" -eq "$want" ] || fail "$* exited $rc, expected $want"
}
zt() { run "$1" "$ZT" "${@:2}"; }
jq_out() { jq -e "$@" "$W/out" >/dev/null || fail "JSON check failed: $*"; }

free_port() {
	python3 -c "import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"
}

# node_conf <home> <port> <bind addresses as a JSON list>
node_conf() {
	mkdir -p "$1"
	cat >"$1/local.conf" <<EOF
{
    "settings": {
        "primaryPort": $2,
        "allowSecondaryPort": false,
        "portSearch": false,
        "portMappingEnabled": false,
        "bind": $3,
        "allowLoopbackPaths": true
    }
}
EOF
}

start() {
	local name=$1
	shift
	rm -f "$W/$name.out"
	"$@" >"$W/$name.out" 2>"$W/$name.err" </dev/null &
	PIDS[$name]=$!
	for _ in $(seq 600); do
		[ -s "$W/$name.out" ] && return 0
		kill -0 "${PIDS[$name]}" 2>/dev/null || fail "$name exited during start-up"
		sleep 0.1
	done
	fail "$name printed no identity within 60 s"
}

stop() {
	local name=$1 pid=${PIDS[$1]} rc=0
	kill -TERM "$pid"
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && fail "$name still running 10 s after SIGTERM"
	wait "$pid" || rc=$?
	unset "PIDS[$name]"
	sanitizer_check "$W/$name.err"
	[ "$rc" -eq 0 ] || fail "$name exited $rc after SIGTERM, expected 0"
}

wait_for() {
	local secs=$1 what=$2
	shift 2
	for _ in $(seq $((secs * 10))); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	fail "$what: not within $secs s"
}

# cached_path <peer file> <ip as 8 hex digits> <port>: the entry lists IPv4 ip/port (InetAddress
# serialization: 04, the address, the port, big-endian).
cached_path() {
	od -An -v -tx1 "$1" | tr -d ' \n' | grep -q "04$2$(printf %04x "$3")"
}

R="$W/root"
RP=$(free_port)
mkdir -p "$R"
echo "{\"port\": $RP, \"bind\": [\"127.0.0.1\"], \"threads\": 1, \"http\": false}" >"$R/root.json"
start root "$ROOTD" --home "$R"
RPUB=$(head -1 "$W/root.out")

A="$W/a" B="$W/b"
PA=$(free_port)
PB=$(free_port)
node_conf "$A" "$PA" '["127.0.0.1"]'
node_conf "$B" "$PB" '["127.0.0.1", "127.0.0.2"]'
start a "$NODED" "$A"
start b "$NODED" "$B"
BADDR=$(head -1 "$W/b.out" | cut -c1-10)
zt 0 -p "$A" addroot static "$RPUB" "127.0.0.1/$RP"
zt 0 -p "$B" addroot static "$RPUB" "127.0.0.1/$RP"
wait_for 20 "node A ONLINE" sh -c "'$ZT' -p '$A' -j status | jq -e '.online == true'"
wait_for 20 "node B ONLINE" sh -c "'$ZT' -p '$B' -j status | jq -e '.online == true'"

step "A reaches B at two addresses; the second path is held back from peers.d/ (10 s pace)"
zt 0 -p "$A" set try "$BADDR" "127.0.0.1/$PB" "127.0.0.2/$PB"
two_paths() {
	"$ZT" -p "$A" -j peers | jq -e --arg b "$BADDR" '.[] | select(.address == $b) |
		[.paths[] | select(.active) | .address] | contains(["127.0.0.1/'"$PB"'", "127.0.0.2/'"$PB"'"])'
}
wait_for 10 "two active paths from A to B" two_paths
zt 0 -p "$A" set try "$BADDR" # off again: after the restart only the cache may bring B back
PEERFILE="$A/peers.d/$BADDR.peer"
[ -f "$PEERFILE" ] || fail "no $PEERFILE"
cached_path "$PEERFILE" 7f000001 "$PB" || fail "the first path is not in the cache entry"
HELD_BACK=yes
cached_path "$PEERFILE" 7f000002 "$PB" && HELD_BACK=no
echo "  (second path held back before SIGTERM: $HELD_BACK)"

step "SIGTERM writes the latest paths: the entry lists 127.0.0.2 too"
stop a
cached_path "$PEERFILE" 7f000002 "$PB" || fail "the path learned last is not in $PEERFILE after SIGTERM"
cached_path "$PEERFILE" 7f000001 "$PB" || fail "the first path went missing from $PEERFILE"

step "restarted, A preloads B from peers.d/ and is direct to it without a WHOIS or a ping"
start a "$NODED" "$A"
wait_for 10 "'peer cache: preloaded=1' in A's log" grep -q "peer cache: preloaded=1 " "$W/a.err"
direct_to_b() {
	"$ZT" -p "$A" -j peers | jq -e --arg b "$BADDR" 'any(.[]; .address == $b and .direct)'
}
wait_for 10 "A direct to B after the restart" direct_to_b
zt 0 -p "$A" -j status
jq_out '.counters.whoisSent == 0'

step "ping --timeout 500 to an address nobody has: exit 1 after about half a second; bad timeouts refused (CLI, API)"
T0=$(date +%s%N)
zt 1 -p "$A" ping --timeout 500 0123456789
T1=$(date +%s%N)
grep -q "within 500 ms" "$W/err" || fail "the message does not give the 500 ms timeout"
[ $(((T1 - T0) / 1000000)) -lt 4000 ] || fail "ping --timeout 500 took $(((T1 - T0) / 1000000)) ms"
zt 2 -p "$A" ping --timeout 0 0123456789
grep -q -- "--timeout: '0' is not a number of milliseconds" "$W/err" || fail "no error line for --timeout 0"
CODE=$(curl -s --unix-socket "$A/apisocket" -o "$W/out" -w '%{http_code}' -X POST \
	-H "X-ZT1-Auth: $(cat "$A/authtoken.secret")" -d '{"timeout": 60001}' http://x/ping/0123456789)
[ "$CODE" = 400 ] || fail "POST /ping with timeout 60001 answered $CODE, expected 400"
jq_out '.error | contains("\"timeout\" must be a number of milliseconds from 1 to 60000")'

step "every daemon stops with exit 0 on SIGTERM"
stop a
stop b
stop root

echo "test_node_peercache: all $CHECKS checks passed"
