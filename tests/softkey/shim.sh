#!/bin/sh
# shim.sh - the LD_PRELOAD shim puts the software FIDO2 key in front of an
# unmodified libfido2 program (fido2-token), and only when asked to.
#
# Without the shim nothing lists "soft:0"; with it and KAGI_SOFTKEY_STATE,
# fido2-token -L lists it and fido2-token -I reads its getInfo through
# CTAPHID; KAGI_SOFTKEY_ABSENT=1 hides it again.

. "$(dirname "$0")/../integration/lib.sh"

SHIM=$top_builddir/tests/softkey/.libs/libsoftkey_shim.so
SOFTKEYTOOL=$top_builddir/tests/softkey/softkeytool

[ -f "$SHIM" ] && [ -x "$SOFTKEYTOOL" ] ||
	skip_all "libsoftkey_shim.so or softkeytool not built"
command -v fido2-token >/dev/null 2>&1 ||
	skip_all "fido2-token not installed (Debian package fido2-tools)"
# A sanitizer build of the shim cannot be preloaded into a program built
# without the sanitizer runtime.
if command -v nm >/dev/null 2>&1 &&
    nm -D --undefined-only "$SHIM" 2>/dev/null | grep -q '__asan_'; then
	skip_all "the shim is built with ASan; fido2-token is not"
fi

plan 7

state=$T/key.state
check "softkeytool init makes a state with a PIN" \
    "$SOFTKEYTOOL" init "$state" --pin 4321 --aaguid 6b6167692d736f66746b65792d763100
is "$("$SOFTKEYTOOL" show "$state" | sed -n 2,3p | tr '\n' ' ')" \
    "pin set retries 8 of 8 " "softkeytool show: PIN set, 8 retries"

out=$(KAGI_SOFTKEY_STATE=$state fido2-token -L 2>&1)
unlike "$out" "soft:0" "without the shim, no soft key is listed"

out=$(LD_PRELOAD=$SHIM KAGI_SOFTKEY_STATE=$state fido2-token -L 2>&1)
like "$out" "soft:0: vendor=0x0000, product=0x0000 (kagi softkey)" \
    "with the shim, fido2-token -L lists soft:0 (kagi softkey)"

out=$(LD_PRELOAD=$SHIM KAGI_SOFTKEY_STATE=$state fido2-token -I soft:0 2>&1)
like "$out" "options: nork, up, clientPin" \
    "fido2-token -I reads getInfo: rk off, up, clientPin set"
like "$out" "aaguid: 6b6167692d736f66746b65792d763100" \
    "fido2-token -I shows the AAGUID given to softkeytool"

out=$(LD_PRELOAD=$SHIM KAGI_SOFTKEY_STATE=$state KAGI_SOFTKEY_ABSENT=1 \
    fido2-token -L 2>&1)
unlike "$out" "soft:0" "KAGI_SOFTKEY_ABSENT=1: the key is unplugged"

finish
