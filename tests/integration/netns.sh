# SPDX-License-Identifier: Apache-2.0
# Sourced by integration tests: builds a small private network of network namespaces.
#
#   netns_setup <n>        creates a hub namespace with a bridge and hosts h1..hn, host i having
#                          198.18.0.i/24 (and fd00:5a::i/64) on its eth0, all on the bridge
#   netns_exec <i> cmd...  runs a command inside host i
#   netns_cleanup          removes everything (installed as an EXIT trap by netns_setup)
#
# 198.18.0.0/15 is RFC 2544 benchmarking space: 1.x treats it as a private scope, so nodes learn
# direct paths over it, which they never do on 127.0.0.0/8. Nothing here leaves the namespaces.
# Tests that source this exit 77 (automake's SKIP) with a printed reason when they cannot run.

NETNS_PREFIX="ztt$$"
NETNS_HOSTS=0
NETNS_PIDS=""

netns_skip() {
	echo "SKIP: $*"
	exit 77
}

netns_require() {
	[ "$(id -u)" = 0 ] || netns_skip "needs root for network namespaces"
	command -v ip >/dev/null || netns_skip "needs iproute2 (ip)"
	ip netns add "${NETNS_PREFIX}probe" 2>/dev/null || netns_skip "cannot create network namespaces here"
	ip netns del "${NETNS_PREFIX}probe"
}

netns_name() {
	echo "${NETNS_PREFIX}h$1"
}

netns_exec() {
	local i=$1
	shift
	ip netns exec "$(netns_name "$i")" "$@"
}

# Starts a command in host i in the background; its PID is remembered for cleanup.
netns_spawn() {
	local i=$1
	shift
	ip netns exec "$(netns_name "$i")" "$@" &
	NETNS_LAST_PID=$!
	NETNS_PIDS="$NETNS_PIDS $NETNS_LAST_PID"
}

# Safe under `set -e` and when called twice: every step tolerates what is already gone.
netns_cleanup() {
	local p i
	for p in $NETNS_PIDS; do kill "$p" 2>/dev/null || true; done
	[ -z "$NETNS_PIDS" ] || sleep 0.2
	for p in $NETNS_PIDS; do kill -9 "$p" 2>/dev/null || true; done
	NETNS_PIDS=""
	for i in $(seq 1 "$NETNS_HOSTS"); do ip netns del "$(netns_name "$i")" 2>/dev/null || true; done
	ip netns del "${NETNS_PREFIX}hub" 2>/dev/null || true
	NETNS_HOSTS=0
	return 0
}

netns_setup() {
	local n=$1 i hub="${NETNS_PREFIX}hub"
	netns_require
	trap 'netns_cleanup' EXIT
	ip netns add "$hub"
	ip -n "$hub" link add br0 type bridge
	ip -n "$hub" link set br0 up
	ip -n "$hub" link set lo up
	for i in $(seq 1 "$n"); do
		local ns
		ns=$(netns_name "$i")
		ip netns add "$ns"
		NETNS_HOSTS=$i
		ip link add "${NETNS_PREFIX}v$i" type veth peer name eth0 netns "$ns"
		ip link set "${NETNS_PREFIX}v$i" netns "$hub"
		ip -n "$hub" link set "${NETNS_PREFIX}v$i" master br0 up
		ip -n "$ns" link set lo up
		ip -n "$ns" addr add "198.18.0.$i/24" dev eth0
		ip -n "$ns" addr add "fd00:5a::$i/64" dev eth0 nodad
		ip -n "$ns" link set eth0 up
	done
	# Wait until every link is up (carrier on both ends of each veth).
	for i in $(seq 1 "$n"); do
		local tries=0
		until ip -n "$(netns_name "$i")" link show eth0 | grep -q LOWER_UP &&
			ip -n "$hub" link show "${NETNS_PREFIX}v$i" | grep -q LOWER_UP; do
			tries=$((tries + 1))
			[ $tries -lt 50 ] || { echo "FAIL: host $i: test link did not come up"; exit 1; }
			sleep 0.1
		done
	done
}
