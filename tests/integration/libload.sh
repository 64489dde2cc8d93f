#!/bin/sh
# libload.sh - pam_kagi loads libfido2 and libcrypto only on the path
# that needs them, and fails closed when they cannot be loaded (issue 6).
#
# A stand-in library (tests/stublib.c: fido_init and nothing else) is
# linked as libfido2.so.1 and libcrypto.so.3 in a directory put on
# LD_LIBRARY_PATH of the PAM application only.  A TOTP log-in never
# loads either, so it works; a FIDO2 log-in finds a libfido2 without the
# functions it needs and is refused as unavailable, without asking the
# key (R-AVL-1: fail closed).  The software key's shim still reaches the
# module's lookups (pk_dl.c) once the real library is there (R-MFA-1).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

SHIM=$top_builddir/tests/softkey/.libs/libsoftkey_shim.so
SKTOOL=$top_builddir/tests/softkey/softkeytool
STUB=$top_builddir/tests/.libs/libstub.so
[ -f "$STUB" ] || skip_all "tests/libstub.so is not built"
[ -f "$SHIM" ] && [ -x "$SKTOOL" ] || skip_all "the software key is not built"
kagid_built

plan 8

start_kagid "lockout_failures=50" || {
	echo "Bail out! kagid did not start"
	exit 1
}
write_service
mkdir -p "$T/stub"
ln -s "$STUB" "$T/stub/libfido2.so.1"
ln -s "$STUB" "$T/stub/libcrypto.so.3"

check "the module needs neither libfido2 nor libcrypto to load" \
    sh -c "! LD_LIBRARY_PATH= ldd '$MODULE' | grep -q 'libfido2\|libcrypto'"

kagictl user add tom >/dev/null
add_user_password tom pw-tom
secret=$(enroll_totp tom)
code=$(code_for "$secret")
out=$(LD_LIBRARY_PATH=$T/stub pam_run -u tom -o auth pw-tom "$code")
is "$(result_of "$out" auth)" PAM_SUCCESS \
    "a TOTP log-in works with broken libfido2 and libcrypto on the path"
unlike "$out" "security key" "and nobody is asked for a security key"

kagictl user add fay >/dev/null
add_user_password fay pw-fay
"$SKTOOL" init "$T/kF" --pin 1234 >/dev/null
id=$(echo 1234 | env LD_PRELOAD="$SHIM" KAGI_SOFTKEY_STATE="$T/kF" \
    "$KAGICTL" --socket "$SOCK" token add-fido2 fay 2>>"$T/kagictl.err" |
    sed -n 's/^token: *//p')
check "fay enrolls a software key (token $id)" test -n "$id"

out=$(LD_LIBRARY_PATH=$T/stub pam_run -u fay -o auth pw-fay 1234)
is "$(result_of "$out" auth)" PAM_AUTHINFO_UNAVAIL \
    "R-AVL-1: libfido2 without the functions needed: unavailable"
unlike "$out" "Touch your security key" "the key is not asked"
unlike "$out" "PROMPT: Enter the PIN" "nor its PIN"

out=$(env LD_PRELOAD="$SHIM" KAGI_SOFTKEY_STATE="$T/kF" \
    "$PAMDRV" -c "$T/pam.d" -s "$SERVICE" -u fay -o auth pw-fay 1234 \
    2>>"$T/pamdrv.err")
is "$(result_of "$out" auth)" PAM_SUCCESS \
    "R-MFA-1: with the real libfido2 and the shim preloaded, the key logs in"

finish
