#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The offline `zerotier` commands (identity, planet) against the conformance vectors: outputs, JSON,
# exit codes and error messages. Run by `make check`; standalone: ZT_TOP_BUILDDIR=build ZT_TOP_SRCDIR=. $0
set -euo pipefail

ZT=${ZT_TOP_BUILDDIR:-.}/zerotier
VEC=${ZT_TOP_SRCDIR:-.}/tests/vectors
command -v jq >/dev/null || { echo "test_cli: jq is required (apt-get install jq)" >&2; exit 1; }
[ -x "$ZT" ] || { echo "test_cli: no binary at $ZT" >&2; exit 1; }

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

CHECKS=0
step() { CHECKS=$((CHECKS + 1)); echo "check: $*"; }
fail() {
	echo "FAIL: $*" >&2
	if [ -s "$W/out" ]; then echo "--- stdout:" >&2; head -20 "$W/out" >&2; fi
	if [ -s "$W/err" ]; then echo "--- stderr:" >&2; head -20 "$W/err" >&2; fi
	exit 1
}
# run <expected exit code> <args...>: runs zerotier, keeps stdout/stderr in $W/out, $W/err.
run() {
	local want=$1 rc=0
	shift
	"$ZT" "$@" >"$W/out" 2>"$W/err" || rc=$?
	# A sanitizer build may report on a path that exits 1 anyway: look at what it printed too.
	if grep -qE 'Sanitizer|runtime error:' "$W/err"; then fail "zerotier $* triggered a sanitizer report"; fi
	[ "$rc" -eq "$want" ] || fail "zerotier $* exited $rc, expected $want"
}
out() { cat "$W/out"; }
# An error is exactly one line on stderr, prefixed with the program name, containing $1.
err_is_one_line_with() {
	[ "$(wc -l <"$W/err")" -eq 1 ] || fail "expected one line on stderr"
	grep -q '^zerotier: ' "$W/err" || fail "stderr line does not start with 'zerotier: '"
	grep -qF -- "$1" "$W/err" || fail "stderr does not contain '$1'"
}
jq_true() { jq -e "$1" "$W/out" >/dev/null || fail "JSON check failed: $1"; }
vec() { grep "^$1: " "$2" | head -1 | cut -d' ' -f2-; }
idv() { vec "$1" "$VEC/identities.txt"; }

# ---------------------------------------------------------------- identity
step "identity new prints a secret identity; getpublic and validate accept it"
run 0 identity new
SECRET=$(out)
[[ $SECRET =~ ^[0-9a-f]{10}:0:[0-9a-f]{128}:[0-9a-f]{128}$ ]] || fail "not a secret identity: $SECRET"
printf '%s' "$SECRET" >"$W/identity.secret"
run 0 identity getpublic "$W/identity.secret"
[ "$(out)" = "${SECRET%:*}" ] || fail "getpublic (file) is not the public part of the secret"
run 0 identity getpublic "$SECRET"
[ "$(out)" = "${SECRET%:*}" ] || fail "getpublic (string) is not the public part of the secret"
run 0 identity validate "$W/identity.secret"
[ "$(out)" = valid ] || fail "validate did not print 'valid'"

step "identity new c25519 -j gives address, type, public, secret that agree"
run 0 -j identity new c25519
jq_true '.type == "c25519" and (.address | test("^[0-9a-f]{10}$"))'
JS=$(jq -r .secret "$W/out")
JP=$(jq -r .public "$W/out")
JA=$(jq -r .address "$W/out")
[ "${JS%:*}" = "$JP" ] || fail "-j public is not the public part of -j secret"
[ "${JP%%:*}" = "$JA" ] || fail "-j address does not match the identity"
run 0 -j identity getpublic "$JS"
[ "$(jq -r .public "$W/out")" = "$JP" ] || fail "getpublic -j differs"
run 0 identity validate -j "$JS"
jq_true ".valid == true and .address == \"$JA\""

for i in 1 2 3; do
	step "vector id$i: secret validates, its public form is id$i.public.str"
	run 0 identity validate "$(idv id$i.secret.str)"
	[ "$(out)" = valid ] || fail "id$i not valid"
	run 0 identity getpublic "$(idv id$i.secret.str)"
	[ "$(out)" = "$(idv id$i.public.str)" ] || fail "id$i public form differs"
	run 0 identity validate "$(idv id$i.public.str)"
done

step "selftest identity.0 validates, identity.1 (changed address) is rejected with exit 1"
run 0 identity validate "$(vec identity.0.str "$VEC/selftest.txt")"
run 1 identity validate "$(vec identity.1.str "$VEC/selftest.txt")"
err_is_one_line_with "9e4df28b72 is invalid"
run 1 -j identity validate "$(vec identity.1.str "$VEC/selftest.txt")"
jq_true '.valid == false'

step "identity sign reproduces sig1 exactly (id1 over the 14 bytes 'hello zerotier')"
printf 'hello zerotier' >"$W/msg"
run 0 identity sign "$(idv id1.secret.str)" "$W/msg"
[ "$(out)" = "$(idv sig1.signature)" ] || fail "signature differs from sig1.signature"
run 0 -j identity sign "$(idv id1.secret.str)" "$W/msg"
jq_true ".signature == \"$(idv sig1.signature)\" and .address == \"ab22f757ef\""

step "identity sign/verify round trip with a fresh identity (signature as hex and as a file)"
head -c 100000 /dev/urandom >"$W/blob"
run 0 identity sign "$W/identity.secret" "$W/blob"
out >"$W/blob.sig"
run 0 identity verify "${SECRET%:*}" "$W/blob" "$(out)"
[ "$(out)" = "signature valid" ] || fail "verify did not print 'signature valid'"
run 0 identity verify "$W/identity.secret" "$W/blob" "$W/blob.sig"
run 0 -j identity verify "$W/identity.secret" "$W/blob" "$W/blob.sig"
jq_true '.valid == true'

step "identity verify: tampered file, wrong identity and flipped signature fail with exit 1"
printf 'hello zerotieR' >"$W/msg2"
run 1 identity verify "$(idv id1.public.str)" "$W/msg2" "$(idv sig1.signature)"
err_is_one_line_with "signature invalid"
run 1 identity verify "$(idv id2.public.str)" "$W/msg" "$(idv sig1.signature)"
err_is_one_line_with "signature invalid"
SIG=$(idv sig1.signature)
run 1 identity verify "$(idv id1.public.str)" "$W/msg" "0${SIG:1}"
run 1 -j identity verify "$(idv id2.public.str)" "$W/msg" "$SIG"
jq_true '.valid == false'
run 0 identity verify "$(idv id1.public.str)" "$W/msg" "$SIG"

step "identity sign needs a private key (exit 1)"
run 1 identity sign "$(idv id1.public.str)" "$W/msg"
err_is_one_line_with "no private key"

# ---------------------------------------------------------------- planet keygen
step "planet keygen writes a 0600 key file and prints its public key"
run 0 planet keygen "$W/world.key"
PUB=$(out)
[[ $PUB =~ ^[0-9a-f]{128}$ ]] || fail "keygen did not print 128 hex digits"
[ "$(stat -c %a "$W/world.key")" = 600 ] || fail "key file mode is $(stat -c %a "$W/world.key")"
grep -qE "^$PUB:[0-9a-f]{128}\$" "$W/world.key" || fail "key file is not <public>:<secret>"

step "planet keygen refuses to overwrite (exit 1) unless --force"
cp "$W/world.key" "$W/world.key.orig"
run 1 planet keygen "$W/world.key"
err_is_one_line_with "already exists"
cmp -s "$W/world.key" "$W/world.key.orig" || fail "key file changed"
run 0 -j planet keygen --force "$W/world2.key"
run 0 -j planet keygen --force "$W/world2.key"
jq_true '.public | test("^[0-9a-f]{128}$")'
[ "$(stat -c %a "$W/world2.key")" = 600 ] || fail "--force key file mode is not 600"

# ---------------------------------------------------------------- planet new / show
ID1=$(idv id1.public.str)
ID2=$(idv id2.public.str)
ID3=$(idv id3.public.str)
step "planet new with two roots (one with IPv4 + IPv6 endpoints), secret identity file accepted"
idv id2.secret.str >"$W/id2.secret"
run 0 planet new -o "$W/planet" --id 0x7a7a7a7b --timestamp 1700000000123 --key "$W/world.key" \
	"$ID1@198.18.0.1/9993,2001:db8::1/9993" "$W/id2.secret@10.1.2.3/19993"
grep -q "world 2054847099 (0x000000007a7a7a7b)" "$W/out" || fail "summary lacks the world ID"
[ "$(stat -c %a "$W/planet")" = 644 ] || fail "planet mode is $(stat -c %a "$W/planet")"
if xxd -p "$W/planet" | tr -d '\n' | grep -qF "$(idv id2.private)"; then
	fail "the planet contains a private key"
fi

step "planet show -j lists both roots and endpoints; the signature verifies"
run 0 -j planet show "$W/planet"
jq_true '.type == "planet" and .id == 2054847099 and .idHex == "000000007a7a7a7b"'
jq_true '.timestamp == 1700000000123 and .time == "2023-11-14T22:13:20.123Z"'
jq_true ".updatesMustBeSignedBy == \"$PUB\" and .signatureValid == true"
jq_true '[.roots[].address] == ["ab22f757ef", "452a530f1d"]'
jq_true '.roots[0].stableEndpoints == ["198.18.0.1/9993", "2001:db8::1/9993"]'
jq_true '.roots[1].stableEndpoints == ["10.1.2.3/19993"]'
jq_true ".roots[1].identity == \"$ID2\""

step "planet show (human) prints ID, type, timestamp, signature status, roots"
run 0 planet show "$W/planet"
for s in "world 2054847099 (0x000000007a7a7a7b)" "type: planet" "2023-11-14T22:13:20.123Z" \
	"signature: valid" "root ab22f757ef" "endpoint: 2001:db8::1/9993" "root 452a530f1d"; do
	grep -qF "$s" "$W/out" || fail "human output lacks '$s'"
done

step "planet new reproduces the lab planet byte for byte from its key and root"
printf '%s:%s\n' "$(vec world_signing.public "$VEC/lab/world-signing-key.txt")" \
	"$(vec world_signing.secret "$VEC/lab/world-signing-key.txt")" >"$W/lab.key"
run 0 -j planet new -o "$W/lab.planet" --id 0x7a7a7a7a --timestamp 1795603881000 --key "$W/lab.key" \
	"$(vec root.public.str "$VEC/lab/identities.txt")@198.18.0.1/9993"
[ "$(xxd -p "$W/lab.planet" | tr -d '\n')" = "$(tr -d ' \n' <"$VEC/lab/planet.hex")" ] ||
	fail "lab planet differs from tests/vectors/lab/planet.hex"
jq_true '.file != null and .signatureValid == true'

step "planet new --moon --next-key: type moon, names the next key, signed by the current one"
run 0 -j planet new -o "$W/moon" --moon --id 0xab22f757ef --key "$W/world.key" --next-key "$W/lab.key" \
	"$ID1@198.18.0.1/9993"
jq_true '.type == "moon" and .idHex == "000000ab22f757ef"'
jq_true ".updatesMustBeSignedBy == \"$(vec world_signing.public "$VEC/lab/world-signing-key.txt")\""
jq_true '.signatureValid == false' # it verifies only under the previous key, which is the point
jq_true ".signedBy == \"$PUB\""
run 0 -j planet show "$W/moon"
jq_true '.type == "moon" and (.roots | length) == 1'

step "planet show on earth-planet.hex: world 149604618, the four roots of README §3, valid signature"
run 0 -j planet show "$VEC/earth-planet.hex"
jq_true '.id == 149604618 and .type == "planet" and .timestamp == 1644592324813 and .signatureValid == true'
jq_true '[.roots[].address] == ["cafe9efeb9", "778cde7190", "62f865ae71", "cafe04eba9"]'
jq_true '.roots[0].stableEndpoints == ["104.194.8.134/9993", "2605:9880:200:1200:30:571:e34:51/9993"]'
jq_true '.roots[1].stableEndpoints == ["103.195.103.66/9993", "2605:9880:400:c3:254:f2bc:a1f7:19/9993"]'
jq_true '.roots[2].stableEndpoints == ["50.7.252.138/9993", "2001:49f0:d0db:2::2/9993"]'
jq_true '.roots[3].stableEndpoints == ["84.17.53.155/9993", "2a02:6ea0:d405::9993/9993"]'
jq_true '.updatesMustBeSignedBy | startswith("b8b388a4")'
run 0 planet show "$VEC/earth-planet.hex"
grep -qF "world 149604618 (0x0000000008eac90a)" "$W/out" || fail "human earth output lacks the ID"
xxd -r -p "$VEC/earth-planet.hex" >"$W/earth.bin"
run 0 -j planet show "$W/earth.bin"
jq_true '.id == 149604618 and (.roots | length) == 4'

# ---------------------------------------------------------------- errors
step "usage: unknown command and subcommand exit 2"
run 2 frobnicate
err_is_one_line_with "unknown command 'frobnicate'"
run 2 identity frobnicate
err_is_one_line_with "unknown command 'frobnicate'"
run 2 planet new --bogus
err_is_one_line_with "unknown option '--bogus'"

step "usage: missing arguments exit 2"
run 2 identity sign "$W/identity.secret"
err_is_one_line_with "expected 2 arguments, got 1"
run 2 identity validate
run 2 planet show
run 2 planet new -o "$W/p" --id 1 --key "$W/world.key"
err_is_one_line_with "1 to 4 roots, got 0"
run 2 planet new --id 1 --key "$W/world.key" "$ID1@1.2.3.4/9993"
err_is_one_line_with "missing option -o"

step "usage: a bad identity string exits 2 and is quoted"
run 2 identity validate "abc:0:def"
err_is_one_line_with "cannot parse identity 'abc:0:def'"
run 2 identity getpublic "ab22f757ef:0:1f05"
err_is_one_line_with "public key must be 128 hex digits"
run 2 identity new ed448
err_is_one_line_with "'ed448'"
run 2 planet new -o "$W/p" --id 1 --key "$W/world.key" "nope@1.2.3.4/9993"
err_is_one_line_with "cannot parse root 1 identity 'nope'"

step "usage: a bad IP/port exits 2 and is quoted"
run 2 planet new -o "$W/p" --id 1 --key "$W/world.key" "$ID1@1.2.3.256/9993"
err_is_one_line_with "'1.2.3.256/9993'"
run 2 planet new -o "$W/p" --id 1 --key "$W/world.key" "$ID1@198.18.0.1/9993,2001:db8::1"
err_is_one_line_with "'2001:db8::1'"
run 2 planet new -o "$W/p" --id 0x --key "$W/world.key" "$ID1@198.18.0.1/9993"
err_is_one_line_with "cannot parse --id '0x'"

step "failure: a nonexistent key file exits 1"
run 1 planet new -o "$W/p" --id 1 --key "$W/no-such.key" "$ID1@198.18.0.1/9993"
err_is_one_line_with "no-such.key"
[ ! -e "$W/p" ] || fail "a planet was written anyway"

step "usage: five roots exit 2"
run 2 planet new -o "$W/p" --id 1 --key "$W/world.key" "$ID1@1.1.1.1/1" "$ID2@1.1.1.2/1" "$ID3@1.1.1.3/1" \
	"$(idv id1.public.str)@1.1.1.4/1" "$(vec root.public.str "$VEC/lab/identities.txt")@1.1.1.5/1"
err_is_one_line_with "1 to 4 roots, got 5"

step "failure: an invalid root identity is refused (exit 1)"
run 1 planet new -o "$W/p" --id 1 --key "$W/world.key" "$(vec identity.1.str "$VEC/selftest.txt")@1.2.3.4/9993"
err_is_one_line_with "root 1 identity 9e4df28b72 is invalid"

step "failure: truncated and unreadable planet files exit 1"
head -c 300 "$VEC/earth-planet.hex" >"$W/trunc.hex"
run 1 planet show "$W/trunc.hex"
err_is_one_line_with "trunc.hex"
run 1 planet show "$W/no-such-planet"

step "help: 'help <cmd>' and '<group> --help' print usage with exit 0"
run 0 help
grep -q "identity" "$W/out" || fail "help lists no identity command"
run 0 help planet new
grep -q "^usage: zerotier .*planet new" "$W/out" || fail "help planet new shows no usage"
run 0 identity --help
grep -q "getpublic" "$W/out" || fail "identity --help lists no getpublic"
run 0 identity sign --help
run 0 --version

echo "test_cli: all $CHECKS checks passed"
