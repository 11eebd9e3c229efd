#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# One zerotier-root and two zerotier-node edge nodes in network namespaces (198.18.0.0/24, where
# 1.x path policy allows direct paths, unlike loopback): both nodes go ONLINE with a static root
# added at runtime, `zerotier ping` from A to B works through the root at first, then B shows in
# `zerotier peers` with a direct path and pings go direct; a restart keeps the root and reconnects.
# Needs root and network namespaces (exit 77 = SKIP otherwise).
# Run by `make check`; standalone: ZT_TOP_BUILDDIR=build ZT_TOP_SRCDIR=. $0
set -euo pipefail

SRC=${ZT_TOP_SRCDIR:-.}
NODED=$(realpath "${ZT_TOP_BUILDDIR:-.}/zerotier-node")
ROOTD=$(realpath "${ZT_TOP_BUILDDIR:-.}/zerotier-root")
ZT=$(realpath "${ZT_TOP_BUILDDIR:-.}/zerotier")
# shellcheck source=netns.sh
. "$SRC/tests/integration/netns.sh"
for t in jq; do
	command -v "$t" >/dev/null || { echo "test_node_netns: $t is required (apt-get install $t)" >&2; exit 1; }
done

W=$(mktemp -d)
CHECKS=0
step() { CHECKS=$((CHECKS + 1)); echo "check: $*"; }
fail() {
	local f
	echo "FAIL: $*" >&2
	for f in "$W"/*.err; do [ -s "$f" ] && { echo "--- $f:" >&2; tail -15 "$f" >&2; }; done
	exit 1
}
netns_setup 3
finish() {
	local rc=$?
	set +e # the cleanup kills what may have stopped already: its failures are not the test's
	netns_cleanup
	rm -rf "$W"
	exit "$rc"
}
trap finish EXIT

declare -A PID=()
# spawn <name> <host> <command...>: starts a daemon in a namespace, waits for its identity line.
spawn() {
	local name=$1 host=$2
	shift 2
	netns_spawn "$host" "$@" >"$W/$name.out" 2>"$W/$name.err" </dev/null
	PID[$name]=$NETNS_LAST_PID
	for _ in $(seq 600); do
		[ -s "$W/$name.out" ] && return 0
		kill -0 "${PID[$name]}" 2>/dev/null || fail "$name exited during start-up"
		sleep 0.1
	done
	fail "$name printed no identity within 60 s"
}
stop() {
	local name=$1 rc=0
	kill -TERM "${PID[$name]}"
	for _ in $(seq 100); do
		kill -0 "${PID[$name]}" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "${PID[$name]}" 2>/dev/null && fail "$name still running 10 s after SIGTERM"
	wait "${PID[$name]}" || rc=$?
	[ "$rc" -eq 0 ] || fail "$name exited $rc after SIGTERM"
	if grep -qE 'Sanitizer|runtime error:' "$W/$name.err"; then fail "sanitizer report from $name"; fi
}
# zt <home> <args...>: the CLI (the API socket is a file: reachable from any namespace).
zt() { "$ZT" -p "$@"; }
wait_for() {
	local secs=$1 what=$2
	shift 2
	for _ in $(seq $((secs * 10))); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	fail "$what: not within $secs s"
}
online() { zt "$1" -j status | jq -e '.online == true'; }

# ---------------------------------------------------------------- the root on h1
mkdir -p "$W/root" "$W/a" "$W/b"
echo '{"port": 9993, "threads": 1, "http": false}' >"$W/root/root.json"
spawn root 1 "$ROOTD" --home "$W/root"
RPUB=$(head -1 "$W/root.out")
RADDR=${RPUB%%:*}

# ---------------------------------------------------------------- two nodes on h2 and h3
for n in a b; do
	echo '{"settings": {"portMappingEnabled": false, "allowSecondaryPort": false}}' >"$W/$n/local.conf"
done
spawn a 2 "$NODED" "$W/a"
spawn b 3 "$NODED" "$W/b"
BADDR=$(head -1 "$W/b.out" | cut -c1-10)

step "addroot static on both nodes: both report ONLINE"
zt "$W/a" addroot static "$RPUB" 198.18.0.1/9993 >/dev/null || fail "addroot on A"
zt "$W/b" addroot static "$RPUB" 198.18.0.1/9993 >/dev/null || fail "addroot on B"
wait_for 30 "A ONLINE" online "$W/a"
wait_for 30 "B ONLINE" online "$W/b"
zt "$W/a" status | grep -q 'ONLINE' || fail "A's status does not say ONLINE"
zt "$W/a" -j roots | jq -e --arg r "$RADDR" '.[0].address == $r and .[0].online' >/dev/null ||
	fail "A's roots: $(zt "$W/a" -j roots)"

step "ping A -> B answers through the root at first"
zt "$W/a" -j ping "$BADDR" >"$W/ping1" || fail "the first ping failed: $(cat "$W/ping1")"
jq -e --arg b "$BADDR" '.address == $b and .direct == false' "$W/ping1" >/dev/null ||
	fail "the first ping was not relayed: $(cat "$W/ping1")"

step "then B shows in A's peers with a direct path, and pings go direct"
direct_path() {
	zt "$W/a" -j peers | jq -e --arg b "$BADDR" \
		'any(.[]; .address == $b and .direct and any(.paths[]; .active and (.address | startswith("198.18.0.3/"))))'
}
for _ in $(seq 30); do
	direct_path >/dev/null 2>&1 && break
	zt "$W/a" ping "$BADDR" >/dev/null 2>&1 || true
	sleep 1
done
direct_path >/dev/null || fail "no direct path to B: $(zt "$W/a" -j peers)"
zt "$W/a" peers | grep -q "^$BADDR .*198\.18\.0\.3/9993" || fail "peers table: $(zt "$W/a" peers)"
zt "$W/a" -j ping "$BADDR" >"$W/ping2" || fail "the direct ping failed"
jq -e '.direct == true and (.path | startswith("198.18.0.3/"))' "$W/ping2" >/dev/null ||
	fail "the ping after the direct path was not direct: $(cat "$W/ping2")"

step "A restarts: the root is still configured, A is ONLINE again and reaches B"
stop a
spawn a 2 "$NODED" "$W/a"
zt "$W/a" -j roots | jq -e --arg r "$RADDR" 'length == 1 and .[0].address == $r' >/dev/null ||
	fail "the root is gone after the restart"
wait_for 30 "A ONLINE after the restart" online "$W/a"
zt "$W/a" -j ping "$BADDR" >/dev/null || fail "ping after the restart failed"

step "every daemon stops with exit 0 on SIGTERM"
stop a
stop b
stop root

echo "test_node_netns: all $CHECKS checks passed"
