#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Dynamic roots inside zerotier-node, end to end on loopback: a real dnsmasq on 127.0.0.1 serving
# the records `zerotier dns txt --dnsmasq` prints, two real zerotier-root instances whose locators
# make the root sets, and a real zerotier-node following the dynamic root through
# settings.dnsServers (refreshed every second: dnsmasq --local-ttl=1 and the test setting
# dnsRefreshMinimumMs). The default locator is used until a lookup succeeds; a good set replaces it;
# forged, older and unreachable answers change nothing; a newer set replaces the old one; the last
# accepted set is used after a restart without DNS; a damaged name never reaches DNS.
# Run by `make check`; standalone: ZT_TOP_BUILDDIR=build ZT_TOP_SRCDIR=. $0
set -euo pipefail

B=$(cd "${ZT_TOP_BUILDDIR:-.}" && pwd)
NODED=$B/zerotier-node
ROOTD=$B/zerotier-root
ZT=$B/zerotier
for t in dnsmasq jq curl python3; do
	command -v "$t" >/dev/null || { echo "test_dynamic_roots: $t is required (apt-get install $t)" >&2; exit 1; }
done
for b in "$NODED" "$ROOTD" "$ZT"; do
	[ -x "$b" ] || { echo "test_dynamic_roots: no binary at $b" >&2; exit 1; }
done

W=$(mktemp -d)
declare -A PIDS=()
DNSMASQ_PID=
stop_dns() {
	if [ -n "$DNSMASQ_PID" ]; then
		kill "$DNSMASQ_PID" 2>/dev/null || true
		wait "$DNSMASQ_PID" 2>/dev/null || true
		DNSMASQ_PID=
	fi
}
cleanup() {
	local n
	stop_dns
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
	if [ -s "$W/out" ]; then echo "--- stdout:" >&2; head -40 "$W/out" >&2; fi
	if [ -s "$W/err" ]; then echo "--- stderr:" >&2; tail -20 "$W/err" >&2; fi
	for n in "${!PIDS[@]}"; do
		[ -s "$W/$n.err" ] && { echo "--- log of $n:" >&2; tail -25 "$W/$n.err" >&2; }
	done
	if [ -s "$W/dnsmasq.log" ]; then echo "--- dnsmasq log (tail):" >&2; tail -5 "$W/dnsmasq.log" >&2; fi
	exit 1
}
sanitizer_check() {
	if grep -qE 'Sanitizer|runtime error:' "$@" 2>/dev/null; then fail "sanitizer report in $*"; fi
}
# run <expected exit code> <program> <args...>: stdout/stderr in $W/out, $W/err.
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

# start <name> <program> <args...>: starts a daemon, waits for its identity line on stdout.
start() {
	local name=$1
	shift
	rm -f "$W/$name.out" # a restart must not take the previous run's identity line for its own
	"$@" >"$W/$name.out" 2>"$W/$name.err" </dev/null &
	PIDS[$name]=$!
	for _ in $(seq 600); do
		[ -s "$W/$name.out" ] && return 0
		kill -0 "${PIDS[$name]}" 2>/dev/null || fail "$name exited during start-up"
		sleep 0.1
	done
	fail "$name printed no identity within 60 s"
}
# stop <name>: SIGTERM; it must exit 0 within 10 s.
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
# wait_for <seconds> <description> <command...>: polls until the command succeeds.
wait_for() {
	local secs=$1 what=$2
	shift 2
	for _ in $(seq $((secs * 10))); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	fail "$what: not within $secs s"
}

# Starts dnsmasq on 127.0.0.1/$DNS_PORT serving the --txt-record lines of the given files (as
# `zerotier dns txt --dnsmasq` prints them; read like a shell command line, as test_dns.sh does).
# Names under .test that have no record are NXDOMAIN. TTL 1 s: the node refreshes every second.
start_dns() {
	local args=() line re='^--txt-record=[a-z0-9.-]+,"[A-Za-z0-9:/_= .-]+"$'
	stop_dns
	for f in "$@"; do
		while IFS= read -r line; do
			[[ $line =~ $re ]] || fail "unexpected line: $line"
			eval "args+=( $line )"
		done <"$f"
	done
	: >"$W/dnsmasq.log"
	dnsmasq --no-daemon --port="$DNS_PORT" --listen-address=127.0.0.1 --bind-interfaces --no-resolv --no-hosts \
		--conf-file=/dev/null --local=/test/ --local-ttl=1 --log-queries --log-facility="$W/dnsmasq.log" \
		--pid-file="$W/dnsmasq.pid" ${args[@]+"${args[@]}"} 2>>"$W/dnsmasq.err" &
	DNSMASQ_PID=$!
	for _ in $(seq 50); do
		grep -q 'started' "$W/dnsmasq.log" 2>/dev/null && return 0
		kill -0 "$DNSMASQ_PID" 2>/dev/null || break
		sleep 0.1
	done
	fail "dnsmasq did not start on port $DNS_PORT (see $W/dnsmasq.err)"
}

# The node's view of the dynamic root, as JSON in $W/dyn.
dyn() {
	"$ZT" -p "$N" -j roots >"$W/dyn.all" 2>/dev/null || return 1
	jq -e --arg n "$NAME" '.[] | select(.source == "dynamic" and .name == $n)' "$W/dyn.all" >"$W/dyn"
}
dyn_is() { dyn && jq -e "$@" "$W/dyn" >/dev/null; }
# last_refresh: when the node's last lookup ended (ms).
last_refresh() { dyn || fail "no dynamic root in GET /root"; jq -r '.lastRefresh' "$W/dyn"; }
# wait_lookup <seconds> <description> <jq condition>: a lookup that ended after now, meeting the condition.
wait_lookup() {
	local since
	since=$(last_refresh)
	wait_for "$1" "$2" dyn_is --argjson t "$since" ".lastRefresh > \$t and ($3)"
}
member_online() { dyn_is --arg a "$1" 'any(.members[]; .address == $a and .online and .used)'; }
node_online() { "$ZT" -p "$N" -j status | jq -e '.online == true' >/dev/null; }

cd "$W"
# ---------------------------------------------------------------- two roots, their locators, the sets
step "two zerotier-root instances on loopback, and their locators"
for i in 1 2; do
	RPORT[$i]=$(free_port)
	mkdir -p "$W/r$i"
	echo "{\"port\": ${RPORT[$i]}, \"bind\": [\"127.0.0.1\"], \"threads\": 1, \"http\": false}" >"$W/r$i/root.json"
	start "root$i" "$ROOTD" --home "$W/r$i"
	RADDR[$i]=$(head -1 "$W/root$i.out" | cut -c1-10)
	zt 0 locator new "$W/r$i/identity.secret" "127.0.0.1/${RPORT[$i]}"
	cp "$W/out" "$W/loc$i"
	grep -q "^loc1:${RADDR[$i]}:" "$W/loc$i" || fail "locator of root $i"
done
R1=${RADDR[1]}
R2=${RADDR[2]}

step "a signing key, its name, and the record sets (each split over several TXT strings)"
zt 0 dns keygen "$W/k1.key"
zt 0 dns keygen "$W/k2.key"
zt 0 dns name "$W/k1.key" roots.test
NAME=$(cat "$W/out")
zt 0 dns name "$W/k2.key" roots.test
NAME2=$(cat "$W/out")
zt 0 dns txt --dnsmasq --timestamp 1000 "$W/k1.key" roots.test "$W/loc1"
cp "$W/out" "$W/set-1000.conf" # root 1
zt 0 dns txt --dnsmasq --timestamp 500 "$W/k1.key" roots.test "$W/loc1" "$W/loc2"
cp "$W/out" "$W/set-500.conf" # older, both roots
zt 0 dns txt --dnsmasq --timestamp 2000 "$W/k1.key" roots.test "$W/loc2"
cp "$W/out" "$W/set-2000.conf" # root 2
# Root 2, signed by another key, published under k1's name: what a DNS attacker can do.
zt 0 dns txt --dnsmasq --timestamp 9000 "$W/k2.key" roots.test "$W/loc2"
sed "s/$NAME2/$NAME/" "$W/out" >"$W/forged.conf"
echo "--txt-record=$NAME,\"v=spf1 -all\"" >"$W/foreign.conf" # someone else's TXT record, no set
for f in set-1000 set-500 set-2000 forged; do
	[ "$(wc -l <"$W/$f.conf")" -ge 2 ] || fail "$f.conf: a set should take several TXT strings"
done

# ---------------------------------------------------------------- the node
DNS_PORT=$(free_port)
N="$W/node"
NPORT=$(free_port)
mkdir -p "$N"
cat >"$N/local.conf" <<EOF
{
    "settings": {
        "primaryPort": $NPORT,
        "allowSecondaryPort": false,
        "portSearch": false,
        "portMappingEnabled": false,
        "bind": ["127.0.0.1"],
        "allowLoopbackPaths": true,
        "dnsServers": ["127.0.0.1/$DNS_PORT"],
        "dnsRefreshMinimumMs": 1000
    }
}
EOF
start_dns "$W/foreign.conf"
start node "$NODED" "$N"
zt 0 -p "$N" -j status
jq_out '.online == false and .rootCount == 0'
zt 0 -p "$N" -j roots
jq_out 'length == 0'
zt 0 -p "$N" -j set dnsservers "127.0.0.1/$DNS_PORT"
jq_out --arg d "127.0.0.1/$DNS_PORT" '.settings.dnsServers == [$d] and .settings.dnsRefreshMinimumMs == 1000'

step "a name with a corrupted key is refused by the CLI and the API before any lookup"
C=${NAME:20:1}
BAD=${NAME:0:20}$([ "$C" = a ] && echo b || echo a)${NAME:21}
zt 2 -p "$N" addroot dynamic "$BAD" "$W/loc1"
grep -qF "refusing name" "$W/err" || fail "addroot did not say why it refuses the name"
grep -qF "checksum" "$W/err" || fail "addroot did not name the checksum"
zt 2 -p "$N" removeroot dynamic "$BAD"
zt 2 -p "$N" addroot dynamic "${NAME:0:30}${NAME:31}"
zt 2 -p "$N" addroot dynamic roots.test
zt 2 -p "$N" addroot sideways "$NAME"
grep -qF "unknown root kind" "$W/err" || fail "no 'unknown root kind'"
TOKEN=$(cat "$N/authtoken.secret")
CODE=$(curl -s -o "$W/out" -w '%{http_code}' --unix-socket "$N/apisocket" -H "X-ZT1-Auth: $TOKEN" -X POST -d '{}' \
	"http://x/root/$BAD")
[ "$CODE" = 400 ] || fail "POST /root/<damaged name>: HTTP $CODE"
jq_out '.error | test("checksum")'
sleep 0.3
! grep -qF "${BAD%%.*}" "$W/dnsmasq.log" || fail "dnsmasq saw a query for the corrupted name"
! grep -qF "${NAME:0:30}${NAME:31:30}" "$W/dnsmasq.log" || fail "dnsmasq saw a query for the shortened name"
zt 0 -p "$N" -j roots
jq_out 'length == 0'
[ ! -e "$N/roots.d/dynamic" ] || [ -z "$(ls -A "$N/roots.d/dynamic")" ] || fail "a refused name left a file"

step "the default locator (root 2) is used until the first lookup succeeds: ONLINE via root 2"
zt 1 -p "$N" addroot dynamic "$NAME" "$W/k1.key"
zt 0 -p "$N" addroot dynamic "$NAME" "$W/loc2"
grep -q "added dynamic root $NAME (default locator: root $R2" "$W/out" || fail "addroot did not confirm"
[ -f "$N/roots.d/dynamic/$NAME.json" ] || fail "no roots.d/dynamic/$NAME.json"
jq -e --arg n "$NAME" '.name == $n and (.defaultLocator | startswith("loc1:")) and .set == null' \
	"$N/roots.d/dynamic/$NAME.json" >/dev/null || fail "the saved file: $(cat "$N/roots.d/dynamic/$NAME.json")"
wait_for 20 "ONLINE through the default locator's root 2" member_online "$R2"
wait_for 10 "node ONLINE" node_online
wait_lookup 10 "a lookup that finds no set" '.lastError == "notfound"'
dyn_is '.usingDefault and .setTimestamp == null and (.members | length) == 1' || fail "not using the default: $(cat "$W/dyn")"
grep -q "result=rejected error=notfound" "$W/node.err" || fail "the failed lookup is not logged"
zt 0 -p "$N" roots
grep -q "dynamic root $NAME  ONLINE" "$W/out" || fail "roots does not show the dynamic root ONLINE"
grep -q "using the default locator" "$W/out" || fail "roots does not say the default locator is in use"
grep -q "error:    notfound" "$W/out" || fail "roots does not show the last error"
grep -q "^  $R2  ONLINE" "$W/out" || fail "roots does not list root 2 as a member"

step "a good set (root 1, reassembled from several TXT strings) is picked up: root 1 is contacted, root 2 dropped"
start_dns "$W/set-1000.conf"
wait_for 20 "set 1000 accepted" dyn_is '.setTimestamp == 1000 and .lastResult != "rejected"'
wait_for 20 "ONLINE through root 1" member_online "$R1"
dyn_is --arg a "$R2" '(.usingDefault | not) and (.members | length) == 1 and all(.members[]; .address != $a)' ||
	fail "root 2 is still a member: $(cat "$W/dyn")"
CODE=$(curl -s -o "$W/out" -w '%{http_code}' --unix-socket "$N/apisocket" -H "X-ZT1-Auth: $TOKEN" "http://x/root/$R2")
[ "$CODE" = 404 ] || fail "root 2 is still an engine root (GET /root/$R2: HTTP $CODE)"
grep -q "result=accepted timestamp=1000 roots=1 ttl=1 added=$R1 removed=$R2" "$W/node.err" ||
	fail "no key=value line for the accepted set"
jq -e '.setTimestamp == 1000 and (.set | length) > 100' "$N/roots.d/dynamic/$NAME.json" >/dev/null ||
	fail "the accepted set is not saved"
grep -q "query\[TXT\] $NAME" "$W/dnsmasq.log" || fail "dnsmasq saw no TXT query"
wait_for 10 "node ONLINE" node_online
zt 0 -p "$N" -j status
jq_out '.rootCount == 1'

step "a record set signed by another key is rejected and logged; the roots stay"
start_dns "$W/forged.conf"
wait_lookup 20 "a forged answer" '.lastError == "forged" and .verdict.forged == 1'
grep -q "error: dynamic root $NAME: result=rejected error=forged .*forged=1 " "$W/node.err" ||
	fail "the forged set is not logged as an error"
dyn_is --arg a "$R1" '.setTimestamp == 1000 and (.members | length) == 1 and .members[0].address == $a' ||
	fail "a forged answer changed the roots: $(cat "$W/dyn")"
wait_lookup 10 "a second forged answer" '.lastError == "forged" and .failures >= 2'
[ "$(grep -c "error=forged" "$W/node.err")" -eq 1 ] || fail "the same forged answer is logged loudly more than once"
member_online "$R1" || fail "root 1 no longer online after a forged answer"

step "an older set is rejected (no rollback); the roots stay"
start_dns "$W/set-500.conf"
wait_lookup 20 "an older set" '.lastError == "stale" and .verdict.stale == 1'
grep -q "result=rejected error=stale" "$W/node.err" || fail "the stale set is not logged"
dyn_is --arg a "$R1" '.setTimestamp == 1000 and (.members | length) == 1 and .members[0].address == $a' ||
	fail "an older set changed the roots: $(cat "$W/dyn")"
zt 0 -p "$N" roots
grep -q "error:    stale" "$W/out" || fail "roots does not show the stale error"
grep -q "stale=1" "$W/out" || fail "roots does not show the verdict"

step "the DNS server stopped: the node keeps its roots and stays ONLINE"
stop_dns
wait_lookup 20 "a failed lookup" '.lastError == "dns"'
wait_lookup 20 "another failed lookup" '.lastError == "dns" and .failures >= 2'
grep -q "result=rejected error=dns" "$W/node.err" || fail "the DNS failure is not logged"
dyn_is --arg a "$R1" '.setTimestamp == 1000 and .members[0].address == $a' || fail "a DNS failure changed the roots"
node_online || fail "OFFLINE after the DNS server stopped"
member_online "$R1" || fail "root 1 no longer used after the DNS server stopped"

step "a new set (root 2) replaces the old one at the next refresh: root 2 is contacted, root 1 dropped"
start_dns "$W/set-2000.conf" "$W/foreign.conf"
wait_for 40 "set 2000 accepted" dyn_is '.setTimestamp == 2000'
wait_for 20 "ONLINE through root 2" member_online "$R2"
dyn_is --arg a "$R1" 'all(.members[]; .address != $a) and .lastError == null and .verdict.foreign == 1' ||
	fail "root 1 is still a member: $(cat "$W/dyn")"
CODE=$(curl -s -o "$W/out" -w '%{http_code}' --unix-socket "$N/apisocket" -H "X-ZT1-Auth: $TOKEN" "http://x/root/$R1")
[ "$CODE" = 404 ] || fail "root 1 is still an engine root (GET /root/$R1: HTTP $CODE)"
grep -q "result=accepted timestamp=2000 roots=1 ttl=1 added=$R2 removed=$R1" "$W/node.err" ||
	fail "no key=value line for the new set"

step "a dynamic root's member is not removed as a static root, and survives SIGHUP"
zt 1 -p "$N" removeroot static "$R2"
grep -qF "listed by a dynamic root" "$W/err" || fail "removeroot static of a member: $(cat "$W/err")"
kill -HUP "${PIDS[node]}"
wait_for 10 "SIGHUP handled" grep -q "SIGHUP" "$W/node.err"
sleep 0.5
dyn_is --arg a "$R2" '.setTimestamp == 2000 and .members[0].address == $a and .members[0].used' ||
	fail "SIGHUP changed the dynamic root: $(cat "$W/dyn")"
CODE=$(curl -s -o "$W/out" -w '%{http_code}' --unix-socket "$N/apisocket" -H "X-ZT1-Auth: $TOKEN" "http://x/root/$R2")
[ "$CODE" = 200 ] || fail "root 2 left the engine after SIGHUP (HTTP $CODE)"
jq_out '.source == "dynamic"'

step "the last accepted set survives a restart without DNS"
stop_dns
stop node
jq -e '.setTimestamp == 2000' "$N/roots.d/dynamic/$NAME.json" >/dev/null || fail "the file does not hold set 2000"
: >"$W/node.err"
start node "$NODED" "$N"
dyn_is --arg a "$R2" '.setTimestamp == 2000 and (.usingDefault | not) and .members[0].address == $a' ||
	fail "the saved set is not used at start: $(cat "$W/dyn")"
grep -q "dynamic root $NAME: saved set roots=1 timestamp=2000" "$W/node.err" || fail "the saved set is not logged"
wait_for 20 "ONLINE through root 2 after the restart" member_online "$R2"
wait_for 10 "node ONLINE after the restart" node_online
wait_for 20 "a failed lookup after the restart" dyn_is '.lastError == "dns"'
dyn_is '.setTimestamp == 2000' || fail "a failed lookup after the restart changed the set"

step "a saved set that does not verify with the name's key is ignored at start (the default is used)"
stop node
cp "$N/roots.d/dynamic/$NAME.json" "$W/saved"
# Root 2's set signed by k2, written into k1's file: a file is no more trusted than DNS.
"$ZT" -j dns txt --timestamp 3000 "$W/k2.key" roots.test "$W/loc2" >"$W/out"
# The records' pieces are base64url of consecutive slices: joined, they are the whole set.
FORGED_SET=$(jq -r '[.records[] | sub("^ztr1:[0-9a-f]{8}:[0-9]{2}/[0-9]{2}:"; "")] | join("")' "$W/out")
jq --arg s "$FORGED_SET" '.set = $s | .setTimestamp = 3000' "$W/saved" >"$N/roots.d/dynamic/$NAME.json"
: >"$W/node.err"
start node "$NODED" "$N"
grep -q "saved set ignored (it is not signed by the key in the name)" "$W/node.err" || fail "a bad saved set was not refused"
dyn_is --arg a "$R2" '.setTimestamp == null and .usingDefault and .members[0].address == $a' ||
	fail "not back to the default locator: $(cat "$W/dyn")"
cp "$W/saved" "$N/roots.d/dynamic/$NAME.json"

step "a name too long for a file name of its own (244 characters) is kept under its key label and a hash"
LONG_DOMAIN=$(printf 'a%.0s' $(seq 60)).$(printf 'b%.0s' $(seq 60)).$(printf 'c%.0s' $(seq 55)).test
zt 0 dns name "$W/k1.key" "$LONG_DOMAIN"
LONG=$(cat "$W/out")
[ "${#LONG}" -eq 244 ] || fail "the long name has ${#LONG} characters"
zt 0 -p "$N" addroot dynamic "$LONG" "$W/loc1"
ls "$N/roots.d/dynamic/" | grep -qE "^${LONG:0:61}\.[0-9a-f]{16}\.json$" || fail "no hashed file: $(ls "$N/roots.d/dynamic/")"
kill -HUP "${PIDS[node]}"
sleep 1
zt 0 -p "$N" -j roots
jq_out --arg n "$LONG" 'any(.[]; .name == $n and .usingDefault)'
zt 0 -p "$N" removeroot dynamic "$LONG"
[ "$(ls "$N/roots.d/dynamic/" | wc -l)" -eq 1 ] || fail "the long name's file is still there"

step "removeroot dynamic removes the root, its file and its members"
zt 0 -p "$N" removeroot dynamic "$NAME"
grep -q "removed dynamic root $NAME" "$W/out" || fail "removeroot did not confirm"
[ ! -e "$N/roots.d/dynamic/$NAME.json" ] || fail "the file is still there"
zt 0 -p "$N" -j roots
jq_out 'length == 0'
zt 0 -p "$N" -j status
jq_out '.rootCount == 0'
zt 1 -p "$N" removeroot dynamic "$NAME"
grep -qF "no dynamic root" "$W/err" || fail "removing it twice: $(cat "$W/err")"

step "every daemon stops with exit 0 on SIGTERM"
stop node
stop root1
stop root2

echo "test_dynamic_roots: all $CHECKS checks passed"
