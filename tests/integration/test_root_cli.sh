#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The root daemon's command-line behaviour, without the network: options and exit codes, config
# errors, first start in a fresh home (identity files, the identity on stdout), the HTTP /health and
# /status endpoints on loopback, SIGHUP, SIGTERM, and a restart that keeps the identity.
# Run by `make check`; standalone: ZT_TOP_BUILDDIR=build ZT_TOP_SRCDIR=. $0
set -euo pipefail

ROOTD=${ZT_TOP_BUILDDIR:-.}/zerotier-root
ZT=${ZT_TOP_BUILDDIR:-.}/zerotier
for t in jq curl; do
	command -v "$t" >/dev/null || { echo "test_root_cli: $t is required (apt-get install $t)" >&2; exit 1; }
done
[ -x "$ROOTD" ] || { echo "test_root_cli: no binary at $ROOTD" >&2; exit 1; }
[ -x "$ZT" ] || { echo "test_root_cli: no binary at $ZT" >&2; exit 1; }

W=$(mktemp -d)
PID=
cleanup() {
	if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
		kill -KILL "$PID" 2>/dev/null || true
		wait "$PID" 2>/dev/null || true
	fi
	rm -rf "$W"
}
trap cleanup EXIT

CHECKS=0
step() { CHECKS=$((CHECKS + 1)); echo "check: $*"; }
fail() {
	echo "FAIL: $*" >&2
	if [ -s "$W/out" ]; then echo "--- stdout:" >&2; head -20 "$W/out" >&2; fi
	if [ -s "$W/err" ]; then echo "--- stderr:" >&2; tail -30 "$W/err" >&2; fi
	exit 1
}
no_sanitizer_report() {
	if grep -qE 'Sanitizer|runtime error:' "$W/err"; then fail "$1 triggered a sanitizer report"; fi
}
# run <expected exit code> <args...>: runs the daemon in the foreground; stdout/stderr in $W/out, $W/err.
run() {
	local want=$1 rc=0
	shift
	timeout 60 "$ROOTD" "$@" >"$W/out" 2>"$W/err" </dev/null || rc=$?
	no_sanitizer_report "zerotier-root $*"
	[ "$rc" -eq "$want" ] || fail "zerotier-root $* exited $rc, expected $want"
}

# A port nothing listens on now (UDP or TCP), from the kernel's ephemeral range.
free_port() {
	local proto=$1 p
	if command -v python3 >/dev/null; then
		python3 -c "import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if sys.argv[1] == 'udp' else socket.SOCK_STREAM)
s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])" "$proto"
		return
	fi
	for _ in $(seq 100); do
		p=$((20000 + RANDOM % 40000))
		if [ "$proto" = udp ]; then
			ss -Hlun "sport = :$p" | grep -q . || { echo "$p"; return; }
		else
			(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
		fi
	done
	echo "test_root_cli: no free $proto port found" >&2
	exit 1
}

# start <home>: starts the daemon in the background and waits for its identity line on stdout.
start() {
	# Remove the previous run's output first: the shell truncates it only once the new process has
	# started, and the wait below must not see the old identity line.
	rm -f "$W/out" "$W/err"
	"$ROOTD" --home "$1" >"$W/out" 2>"$W/err" </dev/null &
	PID=$!
	for _ in $(seq 600); do
		[ -s "$W/out" ] && return 0
		kill -0 "$PID" 2>/dev/null || fail "zerotier-root exited during start-up"
		sleep 0.1
	done
	fail "zerotier-root printed no identity within 60 s"
}

# stop: SIGTERM, then the exit status must be 0 within 10 s.
stop() {
	local rc=0
	kill -TERM "$PID"
	for _ in $(seq 100); do
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$PID" 2>/dev/null && fail "zerotier-root still running 10 s after SIGTERM"
	wait "$PID" || rc=$?
	PID=
	no_sanitizer_report "zerotier-root (SIGTERM)"
	[ "$rc" -eq 0 ] || fail "zerotier-root exited $rc after SIGTERM, expected 0"
}

# ---------------------------------------------------------------- options
step "--help prints the usage and exits 0"
run 0 --help
grep -q '^usage: zerotier-root' "$W/out" || fail "--help did not print the usage on stdout"
grep -q -- '--home' "$W/out" || fail "--help does not mention --home"

step "--version prints the version and exits 0"
run 0 --version
grep -qE '^zerotier-root [0-9]+\.[0-9]+\.[0-9]+' "$W/out" || fail "--version output: $(cat "$W/out")"

step "an unknown option exits 2 with the usage on stderr"
run 2 --no-such-option
grep -q 'usage: zerotier-root' "$W/err" || fail "no usage on stderr"
[ ! -s "$W/out" ] || fail "stdout is not empty"

step "a stray argument exits 2"
run 2 "$W/stray"
grep -q 'unexpected argument' "$W/err" || fail "no 'unexpected argument' message"

step "a bad --log-level exits 2"
run 2 --log-level loud --home "$W/unused"
grep -q 'log-level' "$W/err" || fail "the message does not name --log-level"

# ---------------------------------------------------------------- configuration errors
step "root.json with \"port\": 70000 exits 2, naming the key, before creating anything"
mkdir -p "$W/bad"
echo '{"port": 70000}' >"$W/bad/root.json"
run 2 --home "$W/bad"
grep -q '"port"' "$W/err" || fail "the message does not name \"port\""
grep -q '70000' "$W/err" || fail "the message does not quote the value"
[ ! -e "$W/bad/identity.secret" ] || fail "an identity was created despite the bad config"

step "an unknown key exits 2, naming it"
echo '{"prot": 9993}' >"$W/bad/root.json"
run 2 --home "$W/bad"
grep -q '"prot"' "$W/err" || fail "the message does not name \"prot\""

step "a root.json that is not JSON exits 2 with the line"
echo '{"port": 9993,' >"$W/bad/root.json"
run 2 --home "$W/bad"
grep -q 'line' "$W/err" || fail "the message does not give the line"

step "--config naming a missing file exits 2"
run 2 --home "$W/bad" --config "$W/bad/missing.json"
grep -q 'missing.json' "$W/err" || fail "the message does not name the file"

# ---------------------------------------------------------------- a real start
UDP=$(free_port udp)
HTTP=$(free_port tcp)
H="$W/home"
mkdir -p "$H"
# Loopback only: the test needs no network and must not expose anything.
cat >"$H/root.json" <<EOF
{
  "comment": "test_root_cli",
  "port": $UDP,
  "bind": ["127.0.0.1"],
  "threads": 1,
  "http": "127.0.0.1:$HTTP"
}
EOF
URL="http://127.0.0.1:$HTTP"

step "first start in an empty home creates the identity and prints it on stdout"
start "$H"
PUB=$(head -1 "$W/out")
[[ $PUB =~ ^[0-9a-f]{10}:0:[0-9a-f]{128}$ ]] || fail "first line of stdout is not a public identity: $PUB"
ADDR=${PUB%%:*}
[ -f "$H/identity.secret" ] || fail "no identity.secret"
[ -f "$H/identity.public" ] || fail "no identity.public"
[ -d "$H/peers.lmdb" ] || fail "no peers.lmdb directory"
MODE=$(stat -c %a "$H/identity.secret")
[ "$MODE" = 600 ] || fail "identity.secret has mode $MODE, expected 600"
[ "$(cat "$H/identity.public")" = "$PUB" ] || fail "identity.public differs from the identity on stdout"
SECRET=$(cat "$H/identity.secret")
[ "${SECRET%:*}" = "$PUB" ] || fail "identity.secret is not the secret form of the printed identity"
grep -q "listening on udp 127.0.0.1/$UDP" "$W/err" || fail "the log does not show the UDP endpoint"

step "the printed identity validates with zerotier identity validate"
VOUT=$("$ZT" identity validate "$PUB") || fail "zerotier identity validate exited non-zero"
[ "$VOUT" = valid ] || fail "zerotier identity validate said: $VOUT"

step "GET /health answers 200 {\"ok\":true}"
HEALTH=$(curl -sf --max-time 5 "$URL/health") || fail "GET /health failed"
jq -e '.ok == true and .workers == 1' <<<"$HEALTH" >/dev/null || fail "/health: $HEALTH"

step "GET /status is JSON with this root's address, identity and endpoint"
STATUS=$(curl -sf --max-time 5 "$URL/status") || fail "GET /status failed"
jq -e --arg a "$ADDR" --arg p "$PUB" --arg e "127.0.0.1/$UDP" \
	'.address == $a and .identity == $p and .endpoints == [$e] and .planet == null and
	 (.peers.cached | type) == "number" and (.totals.dropped | type) == "object"' <<<"$STATUS" >/dev/null ||
	fail "/status: $STATUS"

step "GET /metrics carries the historic gauge with this root's id"
METRICS=$(curl -sf --max-time 5 "$URL/metrics") || fail "GET /metrics failed"
grep -q "^root_peers_online{root_id=\"$ADDR\"} 0$" <<<"$METRICS" || fail "no root_peers_online for $ADDR"

step "SIGHUP reloads (logged) and the daemon keeps serving"
kill -HUP "$PID"
for _ in $(seq 50); do
	grep -q 'reloading' "$W/err" && break
	sleep 0.1
done
grep -q 'reloading' "$W/err" || fail "no 'reloading' line after SIGHUP"
kill -0 "$PID" 2>/dev/null || fail "the daemon died on SIGHUP"
curl -sf --max-time 5 "$URL/health" >/dev/null || fail "GET /health failed after SIGHUP"

step "SIGTERM flushes and exits 0 within 10 s"
stop
grep -q 'SIGTERM' "$W/err" || fail "no SIGTERM line in the log"

step "a restart with the same home keeps the identity"
start "$H"
[ "$(head -1 "$W/out")" = "$PUB" ] || fail "the identity changed across a restart: $(head -1 "$W/out")"
grep -q 'generating' "$W/err" && fail "a new identity was generated on restart"
curl -sf --max-time 5 "$URL/health" >/dev/null || fail "GET /health failed after the restart"

step "a second daemon on the same UDP port is refused, naming the port"
mkdir -p "$W/second"
sed 's/"http": *"[^"]*"/"http": false/' "$H/root.json" >"$W/second/root.json"
set +e
timeout 60 "$ROOTD" --home "$W/second" >/dev/null 2>"$W/second.err" </dev/null
rc=$?
set -e
[ "$rc" = 1 ] || fail "a second daemon on the same port exited $rc, expected 1"
grep -q 'another process is using it' "$W/second.err" || fail "no 'another process' message: $(cat "$W/second.err")"
curl -sf --max-time 5 "$URL/health" >/dev/null || fail "the first daemon stopped serving"
stop

echo "test_root_cli: all $CHECKS checks passed"
