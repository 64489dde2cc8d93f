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
kagid_built

plan 97

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
	state_sql "SELECT fields FROM audit WHERE event = \
'$1'${2:+ AND \"user\" = '$2'} ORDER BY seq DESC LIMIT 1"
}

# failures USER: lock.failures from kagictl user show --json.
failures() {
	kagictl user show "$1" --json | tr -d ' \n' |
	    sed -n 's/.*"lock":{[^}]*"failures":\([0-9]*\).*/\1/p'
}

# json_str JSON KEY: the first string value of KEY.
json_str() {
	printf '%s\n' "$1" | tr -d '\n' |
	    sed -n "s/^[^{]*{.*\"$2\": *\"\([^\"]*\)\".*/\1/p"
}

for u in alice bob carol dave erin frank gina hana ivan judy kent liam mona \
    nora olga; do
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

# --- token list and user show: the credential's details ---------------------

js=$(kagictl token list alice --json)
cred=$(json_str "$js" credential)
check "token list --json gives the full credential ID in base64" \
    test "$(printf '%s' "$cred" | base64 -d | wc -c)" -ge 32
like "$js" '"aaguid":"6b616769-2d73-6f66-746b-65792d763100"' \
    "token list --json gives the AAGUID"
like "$js" '"uv":"pin"' "token list --json gives how the key verifies the user"
like "$js" '"counter":2' "token list --json gives the signature counter"
prefix=$(printf '%s' "$cred" | base64 -d | od -An -tx1 -N8 | tr -d ' \n')
tbl=$(kagictl token list alice)
like "$tbl" "$prefix..." "the table shows the credential ID's first 8 bytes in hex"
like "$tbl" "6b616769-2d73-6f66-746b-65792d763100" "the table shows the AAGUID"
check "the table's FIDO2 row: id, credential, AAGUID, counter, uv, reason" \
    grep -Eq "^$id_a +$prefix\.\.\. +6b616769-[0-9a-f-]+ +2 +pin +-\$" \
    "$(printf '%s\n' "$tbl" >"$T/tbl"; echo "$T/tbl")"
like "$(kagictl user show alice)" "$prefix..." "user show shows the same details"
like "$(kagictl user show alice --json)" "\"credential\":\"$cred\"" \
    "user show --json gives the full credential ID"

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
like "$(kagictl token list dave)" "cloned" "token list shows why the key was disabled"
like "$(kagictl token list dave --json)" '"reason":"cloned"' \
    "... and so does its JSON"

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

# --- what can go wrong at the key: each its message, each a failure ----------

# refused WHAT USER KEY SWITCH MESSAGE REASON [PIN]: one log-in with SWITCH
# set ("" for none) is refused with MESSAGE ("-": none, when the key
# answered and kagid refused), recorded with REASON, and
# counted in lock.failures (R-MFA-1, R-MFA-4).
refused() {
	_f0=$(failures "$2")
	_out=$(login "$3" $4 -- "$2" ${7:-})
	is "$(result_of "$_out" auth)" PAM_AUTH_ERR "$1: refused"
	if [ "$5" = - ]; then
		unlike "$_out" "ERROR:" "$1: the key did its part; kagid's refusal is not explained at the terminal"
	else
		like "$_out" "$5" "$1: its own message"
	fi
	like "$(audit_last auth "$2")" "\"reason\":\"$6\"" "$1: recorded as $6"
	is "$(failures "$2")" $((_f0 + 1)) "$1: counted as a failure"
}

key kI --uv builtin
enroll kI ivan >/dev/null
refused "touch refused" ivan kI KAGI_SOFTKEY_TOUCH=refuse \
    "The security key refused the request." touch_refused
key kJ --uv builtin
enroll kJ judy >/dev/null
t0=$(date +%s)
refused "not touched" judy kJ KAGI_SOFTKEY_TOUCH=timeout \
    "The security key was not touched in time." timeout
el=$(elapsed_since "$t0")
check "an untouched key gives up after timeout=$KAGI_TIMEOUT s, no hang ($el s)" \
    test "$el" -le $((KAGI_TIMEOUT + 4))
key kK --uv builtin
enroll kK kent >/dev/null
refused "unplugged mid-way" kent kK KAGI_SOFTKEY_UNPLUG=after-init \
    "The security key was removed. Insert it and try again." key_removed
key kL --uv builtin
enroll kL liam >/dev/null
refused "malformed reply" liam kL KAGI_SOFTKEY_MALFORMED=reply \
    "The security key did not answer correctly." device
key kM --uv builtin
enroll kM mona >/dev/null
refused "wrong relying party" mona kM KAGI_SOFTKEY_RP=wrong - relying_party
is "$(result_of "$(login kM -- mona)" auth)" PAM_SUCCESS \
    "the same key answering for kagi's relying party works"

# PIN blocked: two retries, two wrong PINs, then even the right one fails.
key kN --pin 1234 --retries 2
echo 1234 | enroll kN nora >/dev/null
login kN -- nora 0000 >/dev/null
login kN -- nora 0000 >/dev/null
is "$(failures nora)" 2 "two wrong PINs count as two failures"
refused "PIN blocked" nora kN "" \
    "The PIN of your security key is blocked. Contact your administrator." \
    pin_blocked 1234

# --- attestation policy (kagid.conf: fido2_attestation, fido2_aaguids) -------

key kR --pin 3333
"$SKTOOL" cert "$T/kR" >"$T/roots.pem"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$T/other.key" -out "$T/other.pem" -days 30 \
    -subj "/CN=another maker" >/dev/null 2>&1
restart() {
	stop_kagid
	start_kagid "fido2_rp_id=$RP" "lockout_failures=50" "$@" || {
		echo "Bail out! kagid did not restart"
		exit 1
	}
}
restart fido2_attestation=roots "fido2_attestation_roots=$T/roots.pem"
id_r=$(echo 3333 | enroll kR olga --label trusted)
check "roots: a key whose attestation chains to a root is enrolled" test -n "$id_r"
key kR0 --pin 3333
out=$(echo 3333 | with kR0 KAGI_SOFTKEY_ATT=none "$KAGICTL" --socket "$SOCK" \
    token add-fido2 olga 2>&1)
like "$out" "requires an attestation this security key does not give" \
    "roots: a key without attestation is refused with the reason"
restart fido2_attestation=roots "fido2_attestation_roots=$T/other.pem"
key kR2 --pin 3333
out=$(echo 3333 | with kR2 "$KAGICTL" --socket "$SOCK" token add-fido2 olga 2>&1)
like "$out" "not among the trusted ones (fido2_attestation_roots" \
    "roots: a key from another maker is refused with the reason"
like "$(audit_last token_refused olga)" '"reason":"attestation_untrusted"' \
    "... and the refusal is recorded"
is "$(result_of "$(login kR -- olga 3333)" auth)" PAM_SUCCESS \
    "a key enrolled earlier still logs in (the policy judges enrollment)"

restart "fido2_aaguids=00112233-4455-6677-8899-aabbccddeeff"
key kA1 --pin 3333 --aaguid 00112233445566778899aabbccddeeff
key kA2 --pin 3333 --aaguid ffeeddccbbaa99887766554433221100
id_a1=$(echo 3333 | enroll kA1 olga --label listed)
check "aaguids: a listed model is enrolled" test -n "$id_a1"
out=$(echo 3333 | with kA2 "$KAGICTL" --socket "$SOCK" token add-fido2 olga 2>&1)
like "$out" "this model of security key is not allowed (fido2_aaguids)" \
    "aaguids: another model is refused with the reason"
like "$(audit_last token_refused olga)" '"reason":"aaguid_not_allowed"' \
    "... and the refusal is recorded"

# --- an ordinary user cannot use the administrators' enrollment -------------
# Users enroll their own key with an enrollment code through kagictl
# enroll (enroll.sh); token add-fido2 stays administrators' (R-TOK-1).

if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
	nobody=$(id -un 65534)
	kagictl user add "$nobody" >/dev/null
	key kS --uv builtin
	chmod 755 "$T"
	chmod 644 "$T/kS"
	n0=$(kagictl token list "$nobody" --json | grep -c '"id"')
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups env \
	    LD_PRELOAD="$SHIM" KAGI_SOFTKEY_STATE="$T/kS" "$KAGICTL" \
	    --socket "$SOCK" token add-fido2 "$nobody" 2>&1)
	rc=$?
	chmod 700 "$T"
	is "$rc" 1 "an ordinary user cannot enroll a key for itself (exit 1)"
	like "$out" "denied" "... kagid denies the request"
	is "$(kagictl token list "$nobody" --json | grep -c '"id"')" "$n0" \
	    "... and no token was added"
else
	for i in 1 2 3; do skip "an ordinary user cannot enroll" "needs root and setpriv"; done
fi

finish
