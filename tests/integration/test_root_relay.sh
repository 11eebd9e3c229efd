#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The root relays for others (issue 3, "Tests"): A (host 2) -> root (host 1) -> B (host 3) arrives
# byte-identical except the hop bits of byte 18 (packets and fragments), B's answer makes it back,
# RENDEZVOUS reaches both A and B naming the other at its real address (and they then talk
# directly), the hop limit drops a packet at hops 3 (counted as hop_limit in /metrics), and
# "relayMaxHops": 4 in root.json (applied by SIGHUP) lets a hops-3 packet through.
# Run by `make check` (needs root for network namespaces, else SKIP);
# standalone: sudo ZT_TOP_BUILDDIR=build ZT_TOP_SRCDIR=. tests/integration/test_root_relay.sh
set -euo pipefail

T=test_root_relay
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

write_config() {
	cat >"$H/root.json" <<JSON
{ "comment": "$T", "http": "127.0.0.1:$HTTP_PORT", "flushIntervalMs": 200, "threads": 2 $1 }
JSON
}
write_config ""
for p in a b; do new_identity $p; done
A=$(addr_of a)
B=$(addr_of b)
A_AT=198.18.0.2/9994
B_AT=198.18.0.3/9994
start_root
echo "$T: root $ROOT_ADDR on $ROOT_IP/9993; A=$A at $A_AT, B=$B at $B_AT"

# same_but_hops <sent wire hex> <received wire hex> <hops index> <expected hops added>: the two
# datagrams are equal except for the low 3 bits of byte <index>, which grew by <added>.
same_but_hops() {
	local s=$1 r=$2 i=$(($3 * 2)) sb rb
	[ ${#s} -eq ${#r} ] || { echo "lengths differ: sent $((${#s} / 2)) bytes, received $((${#r} / 2))"; return 1; }
	[ "${s:0:i}" = "${r:0:i}" ] && [ "${s:i+2}" = "${r:i+2}" ] || { echo "bytes other than $3 differ"; return 1; }
	sb=$((16#${s:i:2}))
	rb=$((16#${r:i:2}))
	[ $((sb & 0xf8)) -eq $((rb & 0xf8)) ] && [ $((rb & 7)) -eq $(((sb & 7) + $4)) ] ||
		{ printf 'byte %d: sent 0x%02x, received 0x%02x\n' "$3" "$sb" "$rb"; return 1; }
}

# B listens (and keeps its path at the root alive with a HELLO every 5 s) for the whole test.
zp_spawn 3 b "$W/b.json" --bind "$B_AT" listen 55
wait_event "$W/b.json" 10 '.event == "ready"' >/dev/null || fail "B (listen) did not get its OK(HELLO)"
RELAYED0=$(metric root_relayed_packets_total)

# ---------------------------------------------------------------- a relayed packet
PAYLOAD=$(head -c 64 /dev/urandom | od -An -tx1 | tr -d ' \n')
step "A sends ECHO to B through the root; B receives it from the root, hops 1, authenticated"
OUT=$(zp 2 a --bind "$A_AT" --linger 2000 send "$B" 8 "$PAYLOAD") || fail "ztpeer send (A -> B) exited $?"
echo "$OUT" >"$W/a1.json"
SENT=$(ev sent <<<"$OUT" | head -1)
jcheck "$SENT" --arg b "$B" '.to == $b and .verb == "ECHO" and .hops == 0 and .via == "198.18.0.1/9993"' ||
	fail "A's sent event: $SENT"
P=$(jq -r .packet_id <<<"$SENT")
RECV=$(wait_event "$W/b.json" 5 '.event == "recv" and .packet_id == $p and .kind == "packet"' --arg p "$P") ||
	fail "B did not receive A's packet $P"
jcheck "$RECV" --arg a "$A" \
	'.source == $a and .from == "198.18.0.1/9993" and .hops == 1 and .status == "ok" and .verb == "ECHO" and
	 .payload == $ARGS.named.pl' --arg pl "$PAYLOAD" || fail "B's event for the relayed packet: $RECV"

step "the relayed packet is byte-identical to what A sent except byte 18's hop bits (0 -> 1)"
why=$(same_but_hops "$(jq -r .wire <<<"$SENT")" "$(jq -r .wire <<<"$RECV")" 18 1) || fail "relayed packet: $why"
[ "$(jq -r .wire_hops0 <<<"$RECV")" = "$(jq -r .wire <<<"$SENT")" ] || fail "wire with hops cleared differs from the sent wire"

step "B's OK(ECHO) makes it back to A"
jcheck "$(jq -s . <<<"$OUT")" --arg b "$B" \
	'any(.[]; .event == "recv" and .source == $b and .verb == "OK" and .in_re_verb == "ECHO" and .status == "ok")' ||
	fail "A got no OK(ECHO) from B"

step "RENDEZVOUS from the root reaches B, naming A at $A_AT"
RV=$(wait_event "$W/b.json" 5 '.event == "recv" and .verb == "RENDEZVOUS"') || fail "B got no RENDEZVOUS"
jcheck "$RV" --arg r "$ROOT_ADDR" --arg a "$A" --arg at "$A_AT" \
	'.source == $r and .status == "ok" and .peer == $a and .peer_path == $at' || fail "RENDEZVOUS to B: $RV"

step "RENDEZVOUS from the root reaches A, naming B at $B_AT"
RV=$(ev recv <<<"$OUT" | jq -c 'select(.verb == "RENDEZVOUS")' | head -1)
jcheck "$RV" --arg r "$ROOT_ADDR" --arg b "$B" --arg at "$B_AT" \
	'.source == $r and .status == "ok" and .peer == $b and .peer_path == $at' || fail "RENDEZVOUS to A: ${RV:-none}"

step "introduced, A and B reach each other directly (B hears A's HELLO from $A_AT, hops 0)"
wait_event "$W/b.json" 5 '.event == "recv" and .verb == "HELLO" and .source == $a and .from == $at and .hops == 0' \
	--arg a "$A" --arg at "$A_AT" >/dev/null || fail "no direct HELLO from A at B"

step "/metrics: root_rendezvous_sent_total >= 2 and the relay counted"
n=$(metric root_rendezvous_sent_total)
[ "$n" -ge 2 ] || fail "root_rendezvous_sent_total is $n"
n=$(metric root_relayed_packets_total)
[ "$n" -gt "$RELAYED0" ] || fail "root_relayed_packets_total did not grow ($RELAYED0 -> $n)"

# ---------------------------------------------------------------- a relayed fragmented packet
BIG=$(head -c 1200 /dev/urandom | od -An -tx1 | tr -d ' \n')
step "a 1200-byte packet sent in fragments (MTU 576): every piece arrives unchanged but for its hop count"
OUT=$(zp 2 a --bind "$A_AT" --mtu 576 --linger 1000 send "$B" 8 "$BIG") || fail "ztpeer send (fragmented) exited $?"
SENT=$(ev sent <<<"$OUT" | head -1)
P=$(jq -r .packet_id <<<"$SENT")
NF=$(jq '.fragments | length' <<<"$SENT")
[ "$NF" -ge 3 ] || fail "the packet was not fragmented: $NF pieces"
wait_event "$W/b.json" 5 '.event == "recv" and .packet_id == $p and .kind == "reassembled"' --arg p "$P" >/dev/null ||
	fail "B did not reassemble packet $P"
for i in $(seq 0 $((NF - 1))); do
	piece=$(jq -r ".fragments[$i]" <<<"$SENT")
	if [ "$i" -eq 0 ]; then
		GOT=$(jq -c -R --arg p "$P" 'fromjson? | select(.event == "recv" and .packet_id == $p and .kind == "packet")' "$W/b.json" | head -1)
		at=18
	else
		GOT=$(jq -c -R --arg p "$P" --argjson i "$i" \
			'fromjson? | select(.event == "recv" and .kind == "fragment" and .packet_id == $p and .fragment_index == $i)' "$W/b.json" | head -1)
		at=15
	fi
	[ -n "$GOT" ] || fail "B did not receive piece $i of packet $P"
	jcheck "$GOT" '.hops == 1 and .from == "198.18.0.1/9993"' || fail "piece $i: $GOT"
	why=$(same_but_hops "$piece" "$(jq -r .wire <<<"$GOT")" $at 1) || fail "piece $i: $why"
done
jcheck "$(jq -c -R --arg p "$P" 'fromjson? | select(.kind == "reassembled" and .packet_id == $p)' "$W/b.json")" \
	--arg pl "$BIG" '.status == "ok" and .verb == "ECHO" and .payload == $pl' || fail "the reassembled packet does not verify"

# ---------------------------------------------------------------- hop limit
# Each packet is sent after the one expected to be dropped: once the later one has arrived, the
# earlier one would have too.
HOPS0=$(metric root_dropped_packets_total 'reason="hop_limit"')
step "relayMaxHops default (3): a packet at hops 3 is dropped, a packet at hops 2 arrives at hops 3"
OUT=$(zp 2 a --bind "$A_AT" --linger 300 badhops "$B" 3) || fail "ztpeer badhops 3 exited $?"
P3=$(ev sent <<<"$OUT" | jq -r 'select(.hops == 3) | .packet_id' | head -1)
[ -n "$P3" ] || fail "ztpeer sent no hops-3 packet: $OUT"
OUT=$(zp 2 a --bind "$A_AT" --linger 300 badhops "$B" 2) || fail "ztpeer badhops 2 exited $?"
P2=$(ev sent <<<"$OUT" | jq -r 'select(.hops == 2) | .packet_id' | head -1)
wait_event "$W/b.json" 5 '.event == "recv" and .packet_id == $p and .hops == 3 and .status == "ok"' --arg p "$P2" >/dev/null ||
	fail "the hops-2 packet $P2 did not arrive at B with hops 3"
! wait_event "$W/b.json" 0 '.packet_id == $p' --arg p "$P3" >/dev/null || fail "the hops-3 packet $P3 was delivered"

step "/metrics: root_dropped_packets_total{reason=\"hop_limit\"} grew by 1"
HOPS1=$(metric root_dropped_packets_total 'reason="hop_limit"')
[ "$HOPS1" -eq $((HOPS0 + 1)) ] || fail "hop_limit drops went from $HOPS0 to $HOPS1"

step "\"relayMaxHops\": 4 in root.json and SIGHUP: hops 4 is dropped, hops 3 arrives at hops 4"
write_config ', "relayMaxHops": 4'
kill -HUP "$ROOT_PID"
for _ in $(seq 50); do
	grep -q 'reloading' "$W/root.$ROOT_RUN.err" && break
	sleep 0.1
done
grep -q 'reloading' "$W/root.$ROOT_RUN.err" || fail "no 'reloading' line after SIGHUP"
sleep 0.5
OUT=$(zp 2 a --bind "$A_AT" --linger 300 badhops "$B" 4) || fail "ztpeer badhops 4 exited $?"
P4=$(ev sent <<<"$OUT" | jq -r 'select(.hops == 4) | .packet_id' | head -1)
OUT=$(zp 2 a --bind "$A_AT" --linger 300 badhops "$B" 3) || fail "ztpeer badhops 3 exited $?"
P3=$(ev sent <<<"$OUT" | jq -r 'select(.hops == 3) | .packet_id' | head -1)
wait_event "$W/b.json" 5 '.event == "recv" and .packet_id == $p and .hops == 4 and .status == "ok"' --arg p "$P3" >/dev/null ||
	fail "with relayMaxHops 4 the hops-3 packet $P3 did not arrive at B with hops 4"
! wait_event "$W/b.json" 0 '.packet_id == $p' --arg p "$P4" >/dev/null || fail "the hops-4 packet $P4 was delivered"
HOPS2=$(metric root_dropped_packets_total 'reason="hop_limit"')
[ "$HOPS2" -eq $((HOPS1 + 1)) ] || fail "hop_limit drops went from $HOPS1 to $HOPS2 (expected +1 for the hops-4 packet)"

# ---------------------------------------------------------------- unknown destination
step "a packet for an address the root does not know is dropped (unknown_destination)"
U0=$(metric root_dropped_packets_total 'reason="unknown_destination"')
# A packet head: ID, destination 0badc0ffee, source A, flags 0 (hops 0), MAC, verb ECHO, payload.
RAW=$(printf '%s0badc0ffee%s00%s08%s' "$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')" "$A" \
	"$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')" "$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')")
zp 2 a --bind "$A_AT" raw "$RAW" >/dev/null || fail "ztpeer raw exited $?"
for _ in $(seq 20); do
	U1=$(metric root_dropped_packets_total 'reason="unknown_destination"')
	[ "$U1" -gt "$U0" ] && break
	sleep 0.1
done
[ "$U1" -eq $((U0 + 1)) ] || fail "unknown_destination drops went from $U0 to $U1"

step "SIGTERM: the root exits 0 (and no sanitizer report)"
stop_root

echo "$T: all $CHECKS checks passed in $((SECONDS - T0)) s"
