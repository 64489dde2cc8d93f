#!/bin/sh
# fido2.sh - FIDO2 security keys end to end: kagictl enrolls the software
# key (tests/softkey, through its LD_PRELOAD shim), kagid decides, and
# pam_kagi asks the key inside a real PAM stack (pamdrv); fido2client
# plays a module that replays, answers old challenges or borrows another
# user's credential.  The shim is preloaded per command, never exported.
#
# Policy: R-MFA-1 (user verification required by default), R-INC-1 (a
# counter that goes back disables the key, with an alert), R-TOK-1 (one
# credential, one user), R-TOK-2 (a revoked key stops at once).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

SHIM=$top_builddir/tests/softkey/.libs/libsoftkey_shim.so
SKTOOL=$top_builddir/tests/softkey/softkeytool
F2CLIENT=$top_builddir/tests/fido2client
[ -f "$SHIM" ] && [ -x "$SKTOOL" ] || skip_all "the software key is not built"
[ -x "$F2CLIENT" ] || skip_all "fido2client is not built"
[ -n "$PAM_MATRIX" ] || skip_all "pam_wrapper's pam_matrix.so is needed"
command -v sqlite3 >/dev/null || skip_all "sqlite3 is needed to read the audit"
kagid_built || skip_all "kagid is not built"

plan 48

RP=pam://kagi-test
KAGI_TIMEOUT=3
start_kagid "fido2_rp_id=$RP" "lockout_failures=50" || {
	echo "Bail out! kagid did not start"
	exit 1
}
write_service

# key NAME [softkeytool init options]: a new software key, state $T/NAME.
key() {
	_k=$1
	shift
	"$SKTOOL" init "$T/$_k" "$@" >/dev/null
}

# with KEY [NAME=VALUE...] CMD...: run CMD with the shim and KEY plugged in.
with() {
	_k=$1
	shift
	env LD_PRELOAD="$SHIM" KAGI_SOFTKEY_STATE="$T/$_k" "$@"
}

# enroll KEY USER [kagictl options]: add-fido2 (PIN on stdin); the token id.
enroll() {
	_k=$1
	_u=$2
	shift 2
	with "$_k" "$KAGICTL" --socket "$SOCK" token add-fido2 "$_u" "$@" \
	    2>>"$T/kagictl.err" | sed -n 's/^token: *//p'
}

# login KEY [NAME=VALUE...] -- USER [ANSWER...]: auth through pam_kagi.
login() {
	_k=$1
	shift
	_env=
	while [ "$1" != "--" ]; do
		_env="$_env $1"
		shift
	done
	shift
	_u=$1
	shift
	# shellcheck disable=SC2086
	with "$_k" $_env "$PAMDRV" -c "$T/pam.d" -s "$SERVICE" -u "$_u" \
	    -o auth "pw-$_u" "$@" 2>>"$T/pamdrv.err"
}

# client KEY MODE USER [PIN [OTHER]]: fido2client's verdicts on one line.
client() {
	_k=$1
	_m=$2
	_u=$3
	shift 3
	with "$_k" "$F2CLIENT" "$SOCK" "$_u" "$SERVICE" tty9 "$_m" "$@" |
	    tr '\n' ' ' | sed 's/ $//'
}

# audit_last EVENT [USER]: the fields of the newest such audit record.
audit_last() {
	sqlite3 "$T/state/kagi.db" "SELECT fields FROM audit WHERE event = \
'$1'${2:+ AND user = '$2'} ORDER BY seq DESC LIMIT 1"
}

for u in alice bob carol dave erin frank gina hana; do
	kagictl user add "$u" >/dev/null
	add_user_password "$u" "pw-$u"
done

# --- enrollment and log-in with a PIN --------------------------------------

key kA --pin 1234
id_a=$(echo 1234 | enroll kA alice --label "alice key")
check "alice enrolls a key with a PIN (token $id_a)" test -n "$id_a"
like "$(kagictl token list alice)" "fido2" "token list shows the type fido2"
out=$(login kA -- alice 1234)
is "$(result_of "$out" auth)" PAM_SUCCESS "log-in with the key's PIN (R-MFA-1)"
like "$out" "PROMPT: Enter the PIN of your security key:" "the PIN is asked through PAM"
like "$out" "INFO: Touch your security key." "the user is told to touch the key"
like "$(audit_last auth alice)" '"factors":["possession","knowledge"]' \
    "a PIN log-in proves possession and knowledge"

out=$(login kA -- alice 9999)
is "$(result_of "$out" auth)" PAM_AUTH_ERR "wrong PIN: refused"
like "$out" "The PIN of your security key is wrong." "wrong PIN: its own message"
like "$(audit_last auth alice)" '"reason":"pin_invalid"' "wrong PIN counts as a failure"
out=$(login kA -- alice 1234)
is "$(result_of "$out" auth)" PAM_SUCCESS "the right PIN works again after a wrong one"

# --- built-in verification ---------------------------------------------------

key kB --uv builtin
id_b=$(enroll kB bob)
check "bob enrolls a key with built-in verification" test -n "$id_b"
out=$(login kB -- bob)
is "$(result_of "$out" auth)" PAM_SUCCESS "log-in verified by the key itself"
unlike "$out" "PIN" "no PIN is asked from a key that verifies by itself"
like "$(audit_last auth bob)" '"factors":["possession","inherence"]' \
    "built-in verification proves possession and inherence"

# --- UV required, the key only shows presence --------------------------------

key kC
out=$(with kC "$KAGICTL" --socket "$SOCK" token add-fido2 carol 2>&1)
like "$out" "has no PIN" "enrolling a presence-only key is refused while UV is required"
id_c=$(printf '4321\n' | enroll kC carol --set-pin)
check "--set-pin gives the key a first PIN and enrolls it" test -n "$id_c"
out=$(login kC KAGI_SOFTKEY_UV=none -- carol)
is "$(result_of "$out" auth)" PAM_AUTH_ERR "a key that can only show presence is refused (R-MFA-1)"
like "$out" "has no PIN or fingerprint" "... with its own message"
is "$(client kC nouv carol)" denied "kagid refuses an assertion without UV claimed as PIN"
like "$(audit_last auth carol)" '"reason":"uv_missing"' "... and records why"

# --- replay, old challenge, someone else's credential ------------------------

is "$(client kA replay alice 1234)" "success denied" \
    "a captured assertion replayed is refused"
like "$(audit_last auth alice)" '"reason":"no_challenge"' "... the challenge was single use"
is "$(client kA stale alice 1234)" denied \
    "an answer to an earlier challenge after a newer one is refused"
is "$(client kA foreign alice 1234 bob)" denied \
    "alice's credential answering bob's challenge is refused"
like "$(audit_last auth bob)" '"reason":"foreign_credential"' "... as a foreign credential"

# --- two keys, revocation ----------------------------------------------------

key kD1 --pin 1111
key kD2 --pin 2222
id_d1=$(echo 1111 | enroll kD1 dave --label first)
id_d2=$(echo 2222 | enroll kD2 dave --label second)
check "dave enrolls two keys" test -n "$id_d1" -a -n "$id_d2"
is "$(result_of "$(login kD1 -- dave 1111)" auth)" PAM_SUCCESS "the first key works"
is "$(result_of "$(login kD2 -- dave 2222)" auth)" PAM_SUCCESS "the second key works"
kagictl token revoke dave "$id_d1" >/dev/null
out=$(login kD1 -- dave 1111)
is "$(result_of "$out" auth)" PAM_AUTH_ERR "a revoked key is refused on the next attempt (R-TOK-2)"
like "$out" "not registered for your account" "... the key holds no allowed credential"
is "$(result_of "$(login kD2 -- dave 2222)" auth)" PAM_SUCCESS "the other key still works"

# --- cloned key --------------------------------------------------------------

out=$(login kD2 KAGI_SOFTKEY_COUNTER=back -- dave 2222)
is "$(result_of "$out" auth)" PAM_AUTH_ERR "a counter that goes back is refused (R-INC-1)"
like "$(kagictl token list dave)" "revoked" "the cloned key is disabled"
like "$(audit_last fido2_cloned dave)" "\"token\":$id_d2" "an alert record names the token"
like "$(cat "$T/kagid.log")" "event=fido2_cloned" "the alert is logged"
is "$(result_of "$(login kD2 -- dave 2222)" auth)" PAM_AUTH_ERR \
    "the disabled key stays refused with a normal counter"

# --- no key ------------------------------------------------------------------

out=$(login kA KAGI_SOFTKEY_ABSENT=1 -- alice 1234)
is "$(result_of "$out" auth)" PAM_AUTH_ERR "no key plugged in: refused"
like "$out" "No security key found. Insert your security key and try again." \
    "no key plugged in: its own message"
like "$(audit_last auth alice)" '"reason":"no_key"' "no key counts as the failure it is"
secret=$(enroll_totp erin)
key kE --pin 5555
echo 5555 | enroll kE erin >/dev/null
out=$(login kE KAGI_SOFTKEY_ABSENT=1 -- erin "$(code_for "$secret" 0)")
is "$(result_of "$out" auth)" PAM_SUCCESS "no key but TOTP allowed: the code is asked and works"
like "$out" "PROMPT: Verification code:" "... through the TOTP prompt"

# --- TOTP-only and unknown users ---------------------------------------------

secret=$(enroll_totp frank)
out=$(pam_run -u frank -o auth pw-frank "$(code_for "$secret" 0)")
is "$(result_of "$out" auth)" PAM_SUCCESS "a TOTP user is unaffected"
out=$(pam_run -u nobody-here -o auth pw "123456")
like "$out" "PROMPT: Verification code:" "an unknown user is asked like a TOTP user"

# --- import of a pam_u2f authfile --------------------------------------------

key kG --pin 7777
with kG "$F2CLIENT" - gina "$RP" - makecred 7777 >"$T/u2f_keys"
check "a pam_u2f authfile line for gina" grep -q '^gina:.*,es256,+presence+pin$' "$T/u2f_keys"
out=$(kagictl import pam-u2f "$T/u2f_keys")
like "$out" "1 of 1 credentials imported" "import pam-u2f takes the line"
is "$(result_of "$(login kG -- gina 7777)" auth)" PAM_SUCCESS "log-in with the imported key"
out=$(kagictl import pam-u2f "$T/u2f_keys" 2>&1)
like "$out" "already enrolled (R-TOK-1)" "importing the same credential again is refused (R-TOK-1)"
printf 'hana:not-base64!,AAAA,es256,+presence\n' >"$T/bad_keys"
out=$(kagictl import pam-u2f "$T/bad_keys" 2>&1)
like "$out" "bad_keys:1: the key handle is not base64" "a bad line is refused, naming the line"

finish
