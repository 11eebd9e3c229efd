#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The edge node zerotier-node and the `zerotier` service commands on loopback, without network
# namespaces: options and config errors, first start (identity, token, API socket and their modes),
# the local API's token check through curl --unix-socket, the CLI's error lines and exit codes,
# settings saved to local.conf, static roots added and removed at runtime and across restarts,
# SIGHUP, -j output, and (with a real zerotier-root on 127.0.0.1) ONLINE and a ping between two nodes.
# Run by `make check`; standalone: ZT_TOP_BUILDDIR=build ZT_TOP_SRCDIR=. $0
set -euo pipefail

NODED=${ZT_TOP_BUILDDIR:-.}/zerotier-node
ROOTD=${ZT_TOP_BUILDDIR:-.}/zerotier-root
ZT=${ZT_TOP_BUILDDIR:-.}/zerotier
for t in jq curl python3; do
	command -v "$t" >/dev/null || { echo "test_node_cli: $t is required (apt-get install $t)" >&2; exit 1; }
done
for b in "$NODED" "$ROOTD" "$ZT"; do
	[ -x "$b" ] || { echo "test_node_cli: no binary at $b" >&2; exit 1; }
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
# run <expected exit code> <program> <args...>: stdout/stderr in $W/out, $W/err.
run() {
	local want=$1 rc=0
	shift
	timeout 60 "$@" >"$W/out" 2>"$W/err" </dev/null || rc=$?
	sanitizer_check "$W/err"
	[ "$rc" -eq "$want" ] || fail "$* exited $rc, expected $want"
}
zt() { run "$1" "$ZT" "${@:2}"; }
# The error is exactly one line on stderr, prefixed with the program name, containing $1.
one_line_with() {
	[ "$(wc -l <"$W/err")" -eq 1 ] || fail "expected one line on stderr"
	grep -q '^zerotier: ' "$W/err" || fail "stderr line does not start with 'zerotier: '"
	grep -qF -- "$1" "$W/err" || fail "stderr does not contain '$1'"
}
jq_out() { jq -e "$@" "$W/out" >/dev/null || fail "JSON check failed: $*"; }

# free_port: a UDP port nothing uses now.
free_port() {
	python3 -c "import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"
}

# node_conf <home> <port>: a loopback-only local.conf.
node_conf() {
	mkdir -p "$1"
	cat >"$1/local.conf" <<EOF
{
    "settings": {
        "primaryPort": $2,
        "allowSecondaryPort": false,
        "portSearch": false,
        "bind": ["127.0.0.1"],
        "allowLoopbackPaths": true
    }
}
EOF
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

# ---------------------------------------------------------------- options and config errors
step "zerotier-node --help exits 0; an unknown option or two homes exit 2"
run 0 "$NODED" --help
grep -q '^usage: zerotier-node' "$W/out" || fail "no usage on stdout"
run 2 "$NODED" --no-such-option
grep -q 'usage: zerotier-node' "$W/err" || fail "no usage on stderr"
run 2 "$NODED" "$W/x" "$W/y"

step "local.conf with \"primaryPort\": 70000 exits 2, naming the key and the value, creating nothing"
mkdir -p "$W/bad"
echo '{"settings": {"primaryPort": 70000}}' >"$W/bad/local.conf"
run 2 "$NODED" "$W/bad"
grep -q '"primaryPort"' "$W/err" || fail "the message does not name primaryPort"
grep -q '70000' "$W/err" || fail "the message does not quote the value"
[ ! -e "$W/bad/identity.secret" ] || fail "an identity was created despite the bad config"

step "an unknown setting, a bad explicitAddresses entry and broken JSON each exit 2 with the key or line"
echo '{"settings": {"primaryPrt": 9993}}' >"$W/bad/local.conf"
run 2 "$NODED" "$W/bad"
grep -q '"primaryPrt"' "$W/err" || fail "the message does not name primaryPrt"
echo '{"settings": {"explicitAddresses": ["198.51.100.1"]}}' >"$W/bad/local.conf"
run 2 "$NODED" "$W/bad"
grep -q '"explicitAddresses"' "$W/err" || fail "the message does not name explicitAddresses"
echo '{"settings": {"portSearch": true,' >"$W/bad/local.conf"
run 2 "$NODED" "$W/bad"
grep -q 'line' "$W/err" || fail "the message does not give the line"

# ---------------------------------------------------------------- first start
A="$W/a"
PA=$(free_port)
node_conf "$A" "$PA"
# Port mapping stays on for this node: with no gateway it must only log, never get in the way.
step "first start creates identity.secret, identity.public, authtoken.secret and apisocket with their modes"
start a "$NODED" "$A"
APUB=$(head -1 "$W/a.out")
[[ $APUB =~ ^[0-9a-f]{10}:0:[0-9a-f]{128}$ ]] || fail "first line of stdout is not a public identity: $APUB"
AADDR=${APUB%%:*}
[ "$(stat -c %a "$A/identity.secret")" = 600 ] || fail "identity.secret mode $(stat -c %a "$A/identity.secret")"
[ "$(cat "$A/identity.public")" = "$APUB" ] || fail "identity.public differs from stdout"
[ "$(stat -c %a "$A/authtoken.secret")" = 600 ] || fail "authtoken.secret mode $(stat -c %a "$A/authtoken.secret")"
TOKEN=$(cat "$A/authtoken.secret")
[[ $TOKEN =~ ^[a-z0-9]{24,}$ ]] || fail "the token is not 24+ characters of [a-z0-9]: $TOKEN"
[ -S "$A/apisocket" ] || fail "no apisocket"
[ "$(stat -c %a "$A/apisocket")" = 660 ] || fail "apisocket mode $(stat -c %a "$A/apisocket")"
grep -q "listening on udp 127.0.0.1/$PA" "$W/a.err" || fail "the log does not show udp 127.0.0.1/$PA"

step "a second node on the same home exits 1 (the API socket answers)"
run 1 "$NODED" "$A"
grep -q 'another zerotier-node is running' "$W/err" || fail "no 'another zerotier-node' message"
[ -S "$A/apisocket" ] || fail "the second node removed the first one's socket"

step "a node on a busy port with portSearch off exits 1"
node_conf "$W/busy" "$PA"
run 1 "$NODED" "$W/busy"
grep -q "cannot bind UDP port $PA" "$W/err" || fail "no 'cannot bind' message"

# ---------------------------------------------------------------- the API and its token
SOCK="$A/apisocket"
api() { curl -s --max-time 10 --unix-socket "$SOCK" "$@"; }
step "the API refuses a missing or wrong token with 401 and a JSON error"
CODE=$(api -o "$W/out" -w '%{http_code}' http://x/status)
[ "$CODE" = 401 ] || fail "no token: HTTP $CODE"
jq_out '.error | type == "string"'
CODE=$(api -o "$W/out" -w '%{http_code}' -H "X-ZT1-Auth: wrong$TOKEN" http://x/status)
[ "$CODE" = 401 ] || fail "wrong X-ZT1-Auth: HTTP $CODE"
CODE=$(api -o "$W/out" -w '%{http_code}' -H "Authorization: Bearer nope" http://x/peer)
[ "$CODE" = 401 ] || fail "wrong bearer: HTTP $CODE"

step "the right token works as X-ZT1-Auth and as Authorization: Bearer"
api -o "$W/out" -f -H "X-ZT1-Auth: $TOKEN" http://x/status || fail "GET /status with X-ZT1-Auth failed"
jq_out --arg a "$AADDR" '.address == $a and .online == false and .ports.primary == '"$PA"
api -o "$W/out" -f -H "Authorization: Bearer $TOKEN" http://x/config || fail "GET /config with bearer failed"
jq_out '.settings.primaryPort == '"$PA"' and .settings.allowLoopbackPaths == true'

step "an unknown endpoint is 404, a wrong method 405 with Allow, bad addresses 400, all JSON"
CODE=$(api -o "$W/out" -w '%{http_code}' -H "X-ZT1-Auth: $TOKEN" http://x/nothing)
[ "$CODE" = 404 ] || fail "/nothing: HTTP $CODE"
jq_out '.status == 404'
api -D "$W/hdr" -o "$W/out" -X DELETE -H "X-ZT1-Auth: $TOKEN" http://x/status
grep -qi '^Allow: GET' "$W/hdr" || fail "405 without Allow: GET"
jq_out '.status == 405'
CODE=$(api -o "$W/out" -w '%{http_code}' -X POST -H "X-ZT1-Auth: $TOKEN" http://x/ping/xyz)
[ "$CODE" = 400 ] || fail "/ping/xyz: HTTP $CODE"
CODE=$(api -o "$W/out" -w '%{http_code}' -X POST -H "X-ZT1-Auth: $TOKEN" -d '{"settings":{"primaryPort":"x"}}' http://x/config)
[ "$CODE" = 400 ] || fail "POST /config with a bad port: HTTP $CODE"
jq_out '.error | test("primaryPort")'

# ---------------------------------------------------------------- CLI errors
step "CLI: service not running is one line and exit 1"
zt 1 -p "$W/nowhere" status
one_line_with "service not running"
mkdir -p "$W/stale"
python3 -c "import socket, sys; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])" "$W/stale/apisocket"
zt 1 -p "$W/stale" -t "$A/authtoken.secret" status
one_line_with "service not running"

step "CLI: a wrong token is one line and exit 1"
echo "not-the-token" >"$W/wrong.token"
zt 1 -p "$A" -t "$W/wrong.token" status
one_line_with "refused the auth token"
zt 1 -p "$A" -t "$W/no-such-token" status
one_line_with "cannot read the auth token"

step "CLI: the token falls back to ~/.zerotierauth"
mkdir -p "$W/user" "$W/link"
ln -s "$SOCK" "$W/link/apisocket"
cp "$A/authtoken.secret" "$W/user/.zerotierauth"
HOME="$W/user" run 0 "$ZT" -p "$W/link" status
grep -q "$AADDR" "$W/out" || fail "status through ~/.zerotierauth lacks the address"
HOME="$W/nouser" run 1 "$ZT" -p "$W/link" status
one_line_with "no auth token"

step "CLI: a bad address or IP/port is one line and exit 2"
zt 2 -p "$A" ping 12345
one_line_with "not a node address"
zt 2 -p "$A" removeroot static xyz
one_line_with "not a node address"
zt 2 -p "$A" addroot static "$APUB" 127.0.0.1
one_line_with "cannot parse IP/port"
zt 2 -p "$A" set try 0123456789 1.2.3.4/99999
one_line_with "cannot parse IP/port"
zt 2 -p "$A" set port 70000
one_line_with "not a UDP port"
zt 2 -p "$A" set portsearch maybe
one_line_with "not a boolean"
zt 2 -p "$A" addroot dynamic foo 1.2.3.4/9993
one_line_with "refusing name 'foo'"
zt 2 -p "$A" addroot floating foo
one_line_with "unknown root kind 'floating'"

step "CLI: the service's own errors are one line and exit 1"
zt 1 -p "$A" ping 0123456789
one_line_with "cannot ping 0123456789"
zt 1 -p "$A" removeroot static 0123456789
one_line_with "no root 0123456789"

# ---------------------------------------------------------------- settings
step "status, peers and roots print tables; -j prints JSON"
zt 0 -p "$A" status
grep -q "^address *$AADDR" "$W/out" || fail "status lacks the address line"
grep -q "OFFLINE" "$W/out" || fail "status does not say OFFLINE before any root"
zt 0 -p "$A" -j status
jq_out --arg a "$AADDR" '.address == $a and .online == false and (.peerCount | type) == "number"'
zt 0 -p "$A" peers
grep -q '^ADDRESS' "$W/out" || fail "peers has no header"
zt 0 -p "$A" -j peers
jq_out 'type == "array"'
zt 0 -p "$A" roots -j
jq_out 'type == "array" and length == 0'

step "set port changes the socket at once and persists to local.conf"
PA2=$(free_port)
zt 0 -p "$A" set port "$PA2"
grep -q "primaryPort = $PA2" "$W/out" || fail "set port did not confirm"
jq -e ".settings.primaryPort == $PA2 and .settings.allowLoopbackPaths == true" "$A/local.conf" >/dev/null ||
	fail "local.conf: $(cat "$A/local.conf")"
zt 0 -p "$A" -j status
jq_out ".ports.primary == $PA2 and .boundAddresses == [\"127.0.0.1/$PA2\"]"

step "set secondaryport, tertiaryport, portsearch, portmapping, explicitaddresses: -j gives the settings"
PT=$(free_port)
zt 0 -p "$A" -j set tertiaryport "$PT"
jq_out ".settings.tertiaryPort == $PT"
zt 0 -p "$A" -j status
jq_out ".ports.tertiary == $PT"
zt 0 -p "$A" set tertiaryport 0
zt 0 -p "$A" -j set secondaryport 0
jq_out '.settings.secondaryPort == 0'
zt 0 -p "$A" -j set portsearch off
jq_out '.settings.portSearch == false'
zt 0 -p "$A" -j set portmapping false
jq_out '.settings.portMappingEnabled == false'
zt 0 -p "$A" -j set explicitaddresses 198.51.100.7/9993 "[2001:db8::7]/9993"
jq_out '.settings.explicitAddresses == ["198.51.100.7/9993", "2001:db8::7/9993"]'
jq -e '.settings.explicitAddresses | length == 2' "$A/local.conf" >/dev/null || fail "explicitAddresses not saved"
zt 0 -p "$A" set explicitaddresses

step "set port to a busy port (portSearch off) is refused, exit 1, and the node keeps its port"
BUSY=$(free_port)
python3 -c "import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', int(sys.argv[1]))); time.sleep(60)" "$BUSY" &
HOLDER=$!
sleep 0.5
zt 1 -p "$A" set port "$BUSY"
one_line_with "cannot bind UDP port $BUSY"
kill "$HOLDER"
wait "$HOLDER" 2>/dev/null || true
zt 0 -p "$A" -j status
jq_out ".ports.primary == $PA2 and .boundAddresses == [\"127.0.0.1/$PA2\"]"
jq -e ".settings.primaryPort == $PA2" "$A/local.conf" >/dev/null || fail "the refused port was saved"

step "set try saves the addresses under \"virtual\" in local.conf"
zt 0 -p "$A" -j set try 0123456789 198.51.100.9/9993
jq_out '.address == "0123456789" and .try == ["198.51.100.9/9993"]'
jq -e '.virtual["0123456789"].try == ["198.51.100.9/9993"]' "$A/local.conf" >/dev/null || fail "try not saved"
zt 0 -p "$A" set try 0123456789
jq -e '.virtual == null' "$A/local.conf" >/dev/null || fail "an empty try left \"virtual\" behind"

step "SIGHUP re-reads local.conf"
jq ".settings.tertiaryPort = $PT" "$A/local.conf" >"$W/conf" && cp "$W/conf" "$A/local.conf"
kill -HUP "${PIDS[a]}"
wait_for 10 "tertiary port after SIGHUP" sh -c "'$ZT' -p '$A' -j status | jq -e '.ports.tertiary == $PT'"

# ---------------------------------------------------------------- roots, with a real root
R="$W/root"
RP=$(free_port)
mkdir -p "$R"
echo "{\"port\": $RP, \"bind\": [\"127.0.0.1\"], \"threads\": 1, \"http\": false}" >"$R/root.json"
start root "$ROOTD" --home "$R"
RPUB=$(head -1 "$W/root.out")
RADDR=${RPUB%%:*}

step "addroot static at runtime: the node goes ONLINE, roots shows it"
zt 0 -p "$A" addroot static "$RPUB" "127.0.0.1/$RP"
grep -q "added static root $RADDR" "$W/out" || fail "addroot did not confirm"
[ -f "$A/roots.d/$RADDR.json" ] || fail "no roots.d/$RADDR.json"
wait_for 20 "node A ONLINE" sh -c "'$ZT' -p '$A' -j status | jq -e '.online == true'"
zt 0 -p "$A" roots
grep -q "^$RADDR .* static  ONLINE .*127.0.0.1/$RP" "$W/out" || fail "roots does not list the root ONLINE"
zt 0 -p "$A" -j roots
jq_out --arg a "$RADDR" 'length == 1 and .[0].address == $a and .[0].source == "static" and .[0].online'

step "a second node B with the same root: ping A -> B answers (exit 0), peers shows B"
B="$W/b"
PB=$(free_port)
node_conf "$B" "$PB"
start b "$ZT" service "$B" # `zerotier service` runs zerotier-node in the foreground
BADDR=$(head -1 "$W/b.out" | cut -c1-10)
zt 0 -p "$B" -j addroot static "$RPUB" "127.0.0.1/$RP"
jq_out --arg a "$RADDR" '.address == $a and .endpoints == ["127.0.0.1/'"$RP"'"]'
wait_for 20 "node B ONLINE" sh -c "'$ZT' -p '$B' -j status | jq -e '.online == true'"
zt 0 -p "$A" ping "$BADDR"
grep -q "^reply from $BADDR: [0-9]* ms" "$W/out" || fail "ping output: $(cat "$W/out")"
zt 0 -p "$A" -j ping "$BADDR"
jq_out --arg b "$BADDR" '.address == $b and (.latency | type) == "number"'
zt 0 -p "$A" -j peers
jq_out --arg b "$BADDR" --arg r "$RADDR" \
	'any(.[]; .address == $b and .role == "LEAF") and any(.[]; .address == $r and .role == "ROOT")'
zt 0 -p "$A" peers
grep -q "^$BADDR " "$W/out" || fail "peers table lacks B"
grep -q "^$RADDR .* ROOT " "$W/out" || fail "peers table lacks the root"
ls "$A/peers.d/" | grep -q "$RADDR.peer" || fail "no peer cache entry for the root"

step "the static root survives a restart (SIGTERM exits 0 and removes the socket)"
stop a
[ ! -e "$A/apisocket" ] || fail "apisocket left behind after SIGTERM"
start a "$NODED" "$A"
zt 0 -p "$A" -j roots
jq_out --arg a "$RADDR" 'length == 1 and .[0].address == $a'
zt 0 -p "$A" -j status
jq_out ".ports.primary == $PA2"
wait_for 20 "node A ONLINE after the restart" sh -c "'$ZT' -p '$A' -j status | jq -e '.online == true'"

step "removeroot static at runtime, and it stays removed after a restart"
zt 0 -p "$A" removeroot static "$RADDR"
grep -q "removed static root $RADDR" "$W/out" || fail "removeroot did not confirm"
[ ! -e "$A/roots.d/$RADDR.json" ] || fail "roots.d/$RADDR.json still there"
zt 0 -p "$A" -j roots
jq_out 'length == 0'
stop a
start a "$NODED" "$A"
zt 0 -p "$A" -j roots
jq_out 'length == 0'

step "a 1.x planet file in the home directory gives planet roots; they cannot be removed through the API"
C="$W/c"
node_conf "$C" "$(free_port)"
echo "$RPUB" >"$W/root.public"
zt 0 planet keygen "$W/planet.key"
zt 0 planet new -o "$C/planet" --id 0x7a7a7a7a --key "$W/planet.key" "$W/root.public@127.0.0.1/$RP"
start c "$NODED" "$C"
zt 0 -p "$C" -j roots
jq_out --arg a "$RADDR" 'length == 1 and .[0].address == $a and .[0].source == "planet"'
wait_for 20 "node C ONLINE through the planet's root" sh -c "'$ZT' -p '$C' -j status | jq -e '.online == true'"
zt 0 -p "$C" -j status
jq_out '.planet.id == 2054847098'
zt 1 -p "$C" removeroot static "$RADDR"
one_line_with "planet file"
stop c

step "every daemon stops with exit 0 on SIGTERM"
stop a
stop b
stop root

echo "test_node_cli: all $CHECKS checks passed"
