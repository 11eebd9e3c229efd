#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The root answers what leaves ask of it (issue 3, "Tests"): HELLO -> OK(HELLO) with the observed
# address for both cipher generations, WHOIS, ECHO (plain and fragmented), MULTICAST_LIKE then
# MULTICAST_GATHER, the planet in OK(HELLO) only for an older copy of the same world, and
# ERROR(IDENTITY_COLLISION) for a known address with another key.
# Root on host 1 (198.18.0.1), peers on hosts 2 and 3, all real ztpeer leaves (protocol 12 / 11).
# Run by `make check` (needs root for network namespaces, else SKIP);
# standalone: sudo ZT_TOP_BUILDDIR=build ZT_TOP_SRCDIR=. tests/integration/test_root_protocol.sh
set -euo pipefail

T=test_root_protocol
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
netns_setup 3
trap finish EXIT

PLANET_ID=7337000001
PLANET_TS=1700000000000
"$ZT" identity new >"$H/identity.secret"
chmod 600 "$H/identity.secret"
"$ZT" identity getpublic "$H/identity.secret" >"$H/identity.public"
"$ZT" planet keygen "$W/planet.key" >/dev/null
"$ZT" planet new -o "$H/planet" --id "$PLANET_ID" --timestamp "$PLANET_TS" --key "$W/planet.key" \
	"$(cat "$H/identity.public")@$ROOT_IP/9993" >/dev/null || fail "zerotier planet new failed"
PLANET_SIZE=$(stat -c %s "$H/planet")
cat >"$H/root.json" <<EOF
{ "comment": "$T", "http": "127.0.0.1:$HTTP_PORT", "flushIntervalMs": 200, "threads": 2 }
EOF
for p in a b c evil; do new_identity $p; done
A=$(addr_of a)
B=$(addr_of b)
C=$(addr_of c)
# An identity claiming A's address with B's key pair (its proof of work cannot match).
echo "$A:0:$(cut -d: -f3- "$W/b.id")" >"$W/evil.id"

start_root
echo "$T: root $ROOT_ADDR on $ROOT_IP/9993; A=$A (cipher 3, host 2) B=$B (cipher 1, host 3) C=$C"

step "the root serves the planet written with zerotier planet new (/status)"
STATUS=$(http /status -f) || fail "GET /status failed"
jcheck "$STATUS" --argjson id "$PLANET_ID" --argjson ts "$PLANET_TS" \
	'.planet.id == $id and .planet.timestamp == $ts and .planet.roots == 1' || fail "/status planet: $(jq -c .planet <<<"$STATUS")"

# ---------------------------------------------------------------- HELLO
step "HELLO from A (protocol 12, cipher 3) -> OK(HELLO) from the root in cipher 3, observed 198.18.0.2/9994"
OUT=$(zp 2 a --bind 198.18.0.2/9994 hello) || fail "ztpeer hello (A) exited $?"
OK=$(ev ok_hello <<<"$OUT")
jcheck "$OK" --arg r "$ROOT_ADDR" --arg a "$A" \
	'.source == $r and .dest == $a and .in_re_verb == "HELLO" and .expected and .cipher == 3 and .hops == 0 and
	 .proto == 12 and .observed == "198.18.0.2/9994" and .from == "198.18.0.1/9993" and .worlds_len == 0' ||
	fail "OK(HELLO) to A: $OK"

step "HELLO from B (protocol 11, cipher 1 only) -> OK(HELLO) in cipher 1, observed 198.18.0.3/9995"
OUT=$(zp 3 b --cipher 1 --bind 198.18.0.3/9995 hello) || fail "ztpeer hello (B, cipher 1) exited $?"
OK=$(ev ok_hello <<<"$OUT")
jcheck "$OK" --arg r "$ROOT_ADDR" --arg b "$B" \
	'.source == $r and .dest == $b and .expected and .cipher == 1 and .proto == 12 and .observed == "198.18.0.3/9995"' ||
	fail "OK(HELLO) to B: $OK"

step "a second HELLO from a known peer on a new port is answered with the new observed port"
OUT=$(zp 2 a --bind 198.18.0.2/9996 hello) || fail "ztpeer hello (A again) exited $?"
jcheck "$(ev ok_hello <<<"$OUT")" '.observed == "198.18.0.2/9996" and .cipher == 3' ||
	fail "OK(HELLO) to A on port 9996: $(ev ok_hello <<<"$OUT")"

# ---------------------------------------------------------------- WHOIS
step "WHOIS from A for B and for the root -> OK(WHOIS) with both identities, valid"
OUT=$(zp 2 a whois "$B" "$ROOT_ADDR") || fail "ztpeer whois (A) exited $?"
WH=$(ev ok_whois <<<"$OUT")
jcheck "$WH" --arg b "$(pub_of b)" --arg r "$ROOT_PUB" \
	'(.identities | map(.identity) | sort) == ([$b, $r] | sort) and all(.identities[]; .valid) and .missing == [] and .cipher == 3' ||
	fail "OK(WHOIS) to A: $WH"

step "WHOIS from B (cipher 1) for A -> A's identity, in cipher 1"
OUT=$(zp 3 b --cipher 1 whois "$A") || fail "ztpeer whois (B) exited $?"
WH=$(ev ok_whois <<<"$OUT")
jcheck "$WH" --arg a "$(pub_of a)" '.identities == [{"address": ($a[0:10]), "identity": $a, "valid": true}] and .cipher == 1' ||
	fail "OK(WHOIS) to B: $WH"

step "WHOIS for an address nobody announced gets no answer (as 1.x)"
rc=0
OUT=$(ZP_TIMEOUT=1500 zp 2 a whois 0badc0ffee) || rc=$?
[ "$rc" -eq 1 ] || fail "ztpeer whois 0badc0ffee exited $rc (expected 1: no OK(WHOIS)); $OUT"
[ -z "$(ev ok_whois <<<"$OUT")" ] || fail "the root answered a WHOIS for an unknown address: $OUT"

# ---------------------------------------------------------------- ECHO
PAYLOAD=$(head -c 48 /dev/urandom | od -An -tx1 | tr -d ' \n')
step "ECHO from A -> OK(ECHO) with the same payload (cipher 3)"
OUT=$(zp 2 a echo "$PAYLOAD") || fail "ztpeer echo (A) exited $?"
jcheck "$(ev ok_echo <<<"$OUT")" --arg p "$PAYLOAD" '.data == $p and .match and .cipher == 3' ||
	fail "OK(ECHO) to A: $(ev ok_echo <<<"$OUT")"

step "ECHO from B -> OK(ECHO) with the same payload (cipher 1)"
OUT=$(zp 3 b --cipher 1 echo "$PAYLOAD") || fail "ztpeer echo (B) exited $?"
jcheck "$(ev ok_echo <<<"$OUT")" --arg p "$PAYLOAD" '.data == $p and .match and .cipher == 1' ||
	fail "OK(ECHO) to B: $(ev ok_echo <<<"$OUT")"

BIG=$(head -c 1200 /dev/urandom | od -An -tx1 | tr -d ' \n')
step "a 1200-byte ECHO sent in 3 fragments (MTU 576) is reassembled by the root and answered"
OUT=$(zp 2 a --mtu 576 -v echo "$BIG") || fail "ztpeer echo (A, fragmented) exited $?"
NFRAG=$(jq -s '[.[] | select(.event == "sent" and .verb == "ECHO") | .fragments | length] | max // 0' <<<"$OUT")
[ "$NFRAG" -ge 3 ] || fail "the ECHO was not sent in fragments (fragments: $NFRAG)"
jcheck "$(ev ok_echo <<<"$OUT")" --arg p "$BIG" '.data == $p and .match' || fail "no matching OK(ECHO) for the fragmented ECHO"

# ---------------------------------------------------------------- MULTICAST_LIKE / MULTICAST_GATHER
NWID=8056c2e21c000001
MAC=33:33:ff:00:00:01
step "LIKE from A, then GATHER from B -> members [A], total 1"
zp 2 a like "$NWID" "$MAC" 0 >/dev/null || fail "ztpeer like (A) exited $?"
OUT=$(zp 3 b --cipher 1 gather "$NWID" "$MAC" 0 10) || fail "ztpeer gather (B) exited $?"
GA=$(ev ok_gather <<<"$OUT")
jcheck "$GA" --arg a "$A" --arg n "$NWID" --arg m "$MAC" \
	'.members == [$a] and .count == 1 and .total == 1 and .nwid == $n and .mac == $m and .adi == 0' ||
	fail "OK(MULTICAST_GATHER) to B: $GA"

step "LIKE from B, then GATHER from A -> members [B] (never the requester), total 2"
zp 3 b --cipher 1 like "$NWID" "$MAC" 0 >/dev/null || fail "ztpeer like (B) exited $?"
OUT=$(zp 2 a gather "$NWID" "$MAC" 0 10) || fail "ztpeer gather (A) exited $?"
GA=$(ev ok_gather <<<"$OUT")
jcheck "$GA" --arg b "$B" '.members == [$b] and .total == 2' || fail "OK(MULTICAST_GATHER) to A: $GA"

step "GATHER from C (not a member) with limit 1 -> one of A, B; total 2"
OUT=$(zp 2 c gather "$NWID" "$MAC" 0 1) || fail "ztpeer gather (C) exited $?"
GA=$(ev ok_gather <<<"$OUT")
jcheck "$GA" --arg a "$A" --arg b "$B" '.count == 1 and (.members[0] == $a or .members[0] == $b) and .total == 2' ||
	fail "OK(MULTICAST_GATHER) to C: $GA"

step "GATHER for another ADI of the same group gets nothing (no members there)"
rc=0
OUT=$(ZP_TIMEOUT=1500 zp 2 c gather "$NWID" "$MAC" 7 10) || rc=$?
[ "$rc" -eq 1 ] && [ -z "$(ev ok_gather <<<"$OUT")" ] || fail "GATHER for an empty group: exit $rc, $OUT"

# ---------------------------------------------------------------- the planet in OK(HELLO)
step "HELLO naming the same planet with an older timestamp -> OK(HELLO) carries the planet"
OUT=$(zp 2 c --planet-id "$PLANET_ID" --planet-ts $((PLANET_TS - 1000)) hello) || fail "ztpeer hello (C, old planet) exited $?"
OK=$(ev ok_hello <<<"$OUT")
jcheck "$OK" --argjson id "$PLANET_ID" --argjson ts "$PLANET_TS" --argjson len "$PLANET_SIZE" \
	'.worlds == 1 and .worlds_len == $len and .world_list[0].id == $id and .world_list[0].timestamp == $ts and
	 .world_list[0].roots == 1 and .world_list[0].self_signed_ok and .world_list[0].len == $len' ||
	fail "OK(HELLO) to a node with an older planet: $(jq -c '{worlds, worlds_len, world_list}' <<<"$OK")"

step "HELLO naming the same planet and timestamp -> no world in OK(HELLO)"
OUT=$(zp 2 c --planet-id "$PLANET_ID" --planet-ts "$PLANET_TS" hello) || fail "ztpeer hello (C, same planet) exited $?"
jcheck "$(ev ok_hello <<<"$OUT")" '.worlds_len == 0' || fail "the planet was sent to a node holding it: $(ev ok_hello <<<"$OUT")"

step "HELLO naming a newer timestamp, or another planet id with an older one -> no world"
OUT=$(zp 3 b --cipher 1 --planet-id "$PLANET_ID" --planet-ts $((PLANET_TS + 1)) hello) || fail "ztpeer hello (newer) exited $?"
jcheck "$(ev ok_hello <<<"$OUT")" '.worlds_len == 0' || fail "the planet was sent to a node with a newer one"
OUT=$(zp 3 b --cipher 1 --planet-id $((PLANET_ID + 1)) --planet-ts 1 hello) || fail "ztpeer hello (other id) exited $?"
jcheck "$(ev ok_hello <<<"$OUT")" '.worlds_len == 0' || fail "the planet was sent to a node of another world"

# ---------------------------------------------------------------- identity collision
step "HELLO with A's address but another key (valid MAC) -> ERROR(IDENTITY_COLLISION), no OK(HELLO)"
rc=0
OUT=$(ZP_TIMEOUT=2000 zp 3 evil -v hello) || rc=$?
[ "$rc" -eq 1 ] || fail "ztpeer hello (colliding identity) exited $rc, expected 1 (no OK)"
jcheck "$(jq -s . <<<"$OUT")" --arg r "$ROOT_ADDR" \
	'any(.[]; .event == "recv" and .source == $r and .verb == "ERROR" and .error_name == "IDENTITY_COLLISION" and
	     .in_re_verb == "HELLO" and .expected)' || fail "no ERROR(IDENTITY_COLLISION): $OUT"
[ -z "$(ev ok_hello <<<"$OUT")" ] || fail "the colliding identity got an OK(HELLO)"

step "after the collision attempt the root still gives A's own identity for A"
OUT=$(zp 3 b --cipher 1 whois "$A") || fail "ztpeer whois (B) exited $?"
jcheck "$(ev ok_whois <<<"$OUT")" --arg a "$(pub_of a)" '.identities[0].identity == $a' ||
	fail "WHOIS A after the collision: $(ev ok_whois <<<"$OUT")"

# ---------------------------------------------------------------- counters and shutdown
step "/metrics counts the verbs answered (HELLO, WHOIS, ECHO, MULTICAST_LIKE, MULTICAST_GATHER)"
for v in HELLO:10 WHOIS:3 ECHO:3 MULTICAST_LIKE:2 MULTICAST_GATHER:3; do
	n=$(metric root_packets_by_verb_total "verb=\"${v%%:*}\"")
	[ "$n" -ge "${v##*:}" ] || fail "root_packets_by_verb_total{verb=\"${v%%:*}\"} is $n, expected >= ${v##*:}"
done

step "SIGTERM: the root exits 0 (and no sanitizer report)"
stop_root

echo "$T: all $CHECKS checks passed in $((SECONDS - T0)) s"
