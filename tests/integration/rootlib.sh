# SPDX-License-Identifier: Apache-2.0
# Sourced by the test_root_*.sh integration tests: helpers to run a real zerotier-root and ztpeer
# leaves inside the namespaces of netns.sh, wait for their JSON events, and read the root's HTTP
# surface. Each test sets T, BUILD, SRC, ROOTD, ZTPEER, ZT, ROOT_IP, HTTP_PORT and SAN_RE first.
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

