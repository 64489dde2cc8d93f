#!/bin/sh
# enroll.sh - enrolling FIDO2 keys outside the administrator's plain path,
# against a real kagid, kagictl, the software key (tests/softkey, its shim
# preloaded per command) and pam_kagi in a real PAM stack (pamdrv):
#
#  - self-service with an enrollment code (issue 3, R-TOK-4): a user runs
#    `kagictl enroll` as themself (nobody, through setpriv), types the
#    code, and enrolls their own key, then logs in with it; a wrong, used
#    or expired code is refused and recorded; nobody enrolls for another
#    user's name, even with that user's code; a privileged user never
#    enrolls with a code; the administrator's add-fido2 stays admin-only;
#  - a privileged user's key needs a second person and the user's own
#    hand (R-PRIV-3): add-fido2 becomes a request (exit 4); the requester
#    cannot approve it; another approver's approval grants the user one
#    enrollment, which only the user spends (`kagictl enroll --grant`,
#    logged in as themselves); the administrator's add-fido2 asks again
#    and enrolls nothing; another person in the user's account (sudo -u),
#    or the account with no login uid, cannot spend it; a pam_u2f import
#    for a privileged user is refused; a second key needs a new approval;
#    a grant expires (an hour at most).  Each step leaves an audit record
#    (R-LOG-5).
#
# Needs root (setpriv to act as nobody, daemon, bin and uid 3).

. "$(dirname "$0")/lib.sh"

SHIM=$top_builddir/tests/softkey/.libs/libsoftkey_shim.so
SKTOOL=$top_builddir/tests/softkey/softkeytool
[ -f "$SHIM" ] && [ -x "$SKTOOL" ] || skip_all "the software key is not built"
[ -x "$PAMDRV" ] && [ -f "$MODULE" ] || skip_all "pamdrv or pam_kagi.so not built"
[ -n "$PAM_MATRIX" ] || skip_all "pam_wrapper's pam_matrix.so is needed"
command -v sqlite3 >/dev/null || skip_all "sqlite3 is needed to read the audit"
kagid_built
kagictl_built
can_approve || skip_all "needs root, setpriv and nogroup"
getent passwd daemon >/dev/null 2>&1 && getent passwd bin >/dev/null 2>&1 &&
    getent passwd 3 >/dev/null 2>&1 || skip_all "no daemon, bin or uid 3 account"

plan 52

RP=pam://kagi-test
KAGI_TIMEOUT=3
chmod 711 "$T"
CONF="fido2_rp_id=$RP admin_group=daemon approver_group=nogroup
enroll_code_lifetime=1h request_lifetime=1h fido2_aaguids=$SOFTKEY_AAGUID"
# shellcheck disable=SC2086
start_kagid $CONF || { echo "Bail out! kagid did not start"; exit 1; }
write_service

nobody=$(id -un 65534)
nogroup=$(getent group nogroup | cut -d: -f3)
mkdir "$T/keys"
chmod 777 "$T/keys"


# as UID GID [NAME=VALUE...] CMD...: CMD as another uid, no other groups,
# logged in as itself.
as() {
	_u=$1 _g=$2
	shift 2
	as_person "$_u" setpriv --reuid="$_u" --regid="$_g" --clear-groups \
	    env "$@"
}

# self UID KEY [kagictl enroll options]: `kagictl enroll` as UID with KEY
# plugged in; standard input gives the code (and the PIN).  Output on
# stdout and stderr, then "exit=N".
self() {
	_u=$1 _k=$2
	shift 2
	as "$_u" "$_u" LD_PRELOAD="$SHIM" KAGI_SOFTKEY_STATE="$T/keys/$_k" \
	    "$KAGICTL" --socket "$SOCK" enroll "$@" 2>&1
	echo "exit=$?"
}

# add_fido2_person KEY USER: `kagictl token add-fido2 USER` with KEY, by
# root logged in as the administrator $ADMIN_LOGINUID; PIN on stdin.
# Output, then "exit=N".
add_fido2_person() {
	as_person "$ADMIN_LOGINUID" env LD_PRELOAD="$SHIM" \
	    KAGI_SOFTKEY_STATE="$T/keys/$1" \
	    "$KAGICTL" --socket "$SOCK" token add-fido2 "$2" 2>&1
	echo "exit=$?"
}

# login KEY USER [ANSWER...]: auth through pam_kagi with KEY plugged in.
login() {
	_k=$1 _u=$2
	shift 2
	env LD_PRELOAD="$SHIM" KAGI_SOFTKEY_STATE="$T/keys/$_k" "$PAMDRV" \
	    -c "$T/pam.d" -s "$SERVICE" -u "$_u" -o auth "pw-$_u" "$@" \
	    2>>"$T/pamdrv.err"
}

# audit_last EVENT [USER]: the fields of the newest such record.
audit_last() {
	state_sql "SELECT fields FROM audit WHERE event = \
'$1'${2:+ AND \"user\" = '$2'} ORDER BY seq DESC LIMIT 1"
}

# tokens USER: how many tokens the user has.
tokens() { kagictl token list "$1" --json | grep -c '"id"'; }

enroll_code_of() { printf '%s\n' "$1" | sed -n 's/^enroll-code: *//p'; }
approve() {
	as 65534 "$nogroup" "$KAGICTL" --socket "$SOCK" request approve "$1" 2>&1
}

# --- self-service with an enrollment code (issue 3, R-TOK-4) ---------------

code=$(enroll_code_of "$(kagictl user add "$nobody" --enroll-code)")
add_user_password "$nobody" "pw-$nobody"
shared_key kN --pin 1234

out=$(printf 'AAAAA-BBBBB-CCCCC-DDDDD\n1234\n' | self 65534 kN)
like "$out" "exit=1" "R-TOK-4: a wrong enrollment code is refused (exit 1)"
like "$out" "not your enrollment code" "... in words"
like "$(audit_last enroll_code_refused "$nobody")" '"reason":"bad_code"' \
    "... and recorded as bad_code"
is "$(tokens "$nobody")" 0 "... and no key was enrolled"

out=$(printf '%s\n1234\n' "$code" | self 65534 kN --label "my key")
like "$out" "exit=0" "R-TOK-4: a user enrolls their own key with the code (exit 0)"
tok=$(printf '%s\n' "$out" | sed -n 's/^token: *//p')
like "$out" "Security key enrolled for user '$nobody'" "... and is told so"
like "$(kagictl token list "$nobody" --json)" '"type":"fido2"' \
    "the user now has a FIDO2 token"
like "$(audit_last enroll_code_use "$nobody")" "\"token\":$tok" \
    "the code is spent on that token, recorded as enroll_code_use"
like "$(audit_last token_add "$nobody")" '"label":"my key"' \
    "the key's enrollment is recorded as token_add"
out=$(login kN "$nobody" 1234)
is "$(result_of "$out" auth)" PAM_SUCCESS "the self-enrolled key logs in"

shared_key kN2 --pin 1234
out=$(printf '%s\n1234\n' "$code" | self 65534 kN2)
like "$out" "exit=1" "R-TOK-4: the code used again is refused"
like "$out" "already used" "... in words"
is "$(tokens "$nobody")" 1 "... and no second key was enrolled"

# A code spent only with the key: a key that fails leaves it usable.
code=$(enroll_code_of "$(kagictl user enroll-code "$nobody")")
out=$(printf '%s\n9999\n' "$code" | self 65534 kN2)
like "$out" "exit=1" "a wrong PIN at the key fails the enrollment"
out=$(printf '%s\n1234\n' "$code" | self 65534 kN2)
like "$out" "exit=0" "... and the code still enrolls the key afterwards"

# Only one's own account, even with the other user's code.
dcode=$(enroll_code_of "$(kagictl user add daemon --enroll-code)")
shared_key kD --pin 4321
out=$(printf '%s\n4321\n' "$dcode" | self 65534 kD --user daemon)
like "$out" "exit=1" "a user cannot enroll a key for another user's name"
like "$out" "only for your own account" "... in words"
is "$(tokens daemon)" 0 "... and the other user has no key"
out=$(printf '%s\n4321\n' "$dcode" | self 1 kD)
like "$out" "exit=0" "the other user's code was not spent: its owner enrolls"

# A uid that is no kagi user is told so.
sysname=$(getent passwd 3 | cut -d: -f1)
out=$(printf 'AAAAA-BBBBB-CCCCC-DDDDD\n' | self 3 kD)
like "$out" "your account $sysname is not known to kagi" \
    "a uid that is no kagi user is told so, by name"

# The administrator's path stays administrators' (R-TOK-1).
shared_key kX --pin 1111
out=$(echo 1111 | as 65534 65534 LD_PRELOAD="$SHIM" \
    KAGI_SOFTKEY_STATE="$T/keys/kX" "$KAGICTL" --socket "$SOCK" \
    token add-fido2 "$nobody" 2>&1)
is "$?" 1 "a user still cannot use token add-fido2 (admin only)"
like "$out" "denied" "... kagid denies it"

# A privileged user never enrolls with a code.
bcode=$(enroll_code_of "$(kagictl user add bin --enroll-code)")
approved user role bin privileged >/dev/null 2>&1
like "$(kagictl --json user show bin)" '"role":"privileged"' \
    "bin is made privileged (approved)"
shared_key kB --pin 2222
out=$(printf '%s\n2222\n' "$bcode" | self 2 kB)
like "$out" "exit=1" "R-PRIV-3: a privileged user cannot enroll with a code"
like "$out" "a privileged account does not enroll with a code" "... in words"
is "$(tokens bin)" 0 "... and has no key"

# --- a privileged user's key: a second person, then its own hand (R-PRIV-3) ---

# bin (uid 2) is privileged (above).  Root asks as the administrator
# $ADMIN_LOGINUID (a person: R-PRIV-3 takes people), nobody approves.
add_user_password bin pw-bin
shared_key kP --pin 5555
out=$(echo 5555 | add_fido2_person kP bin)
like "$out" "exit=4" "R-PRIV-3: add-fido2 for a privileged user is stored as a request (exit 4)"
like "$out" "token_privileged" "... naming its act"
id1=$(printf '%s\n' "$out" | req_id)
is "$(tokens bin)" 0 "... and enrolls nothing"
like "$(audit_last request bin)" '"action":"token_privileged"' "... recorded as request"

out=$(kagictl_person request approve "$id1" 2>&1)
is "$?" 1 "R-PRIV-3: the requester cannot approve their own request"
out=$(approve "$id1")
like "$out" "approved" "another approver approves it"
like "$out" "may now enroll one security key" "... and is told who enrolls it now"
is "$(tokens bin)" 0 "the approval alone enrolls nothing"
like "$(audit_last enroll_grant bin)" '"approver":"'"$nobody"'"' \
    "the approval grants one enrollment to bin, recorded as enroll_grant"

out=$(echo 5555 | add_fido2_person kP bin)
like "$out" "exit=4" "R-PRIV-3: the administrator who asked cannot enroll the key (a new request)"
is "$(tokens bin)" 0 "... so the administrator never holds a credential of bin"

# bin's own account, but another person (sudo -u bin): refused.
out=$(echo 5555 | as_person 1 setpriv --reuid=2 --regid=2 --clear-groups \
    env LD_PRELOAD="$SHIM" KAGI_SOFTKEY_STATE="$T/keys/kP" \
    "$KAGICTL" --socket "$SOCK" enroll --grant 2>&1)
is "$?" 1 "R-PRIV-3: another person in bin's account (login uid 1) cannot spend bin's grant"
like "$out" "logged in as themselves" "... in words"
like "$(audit_last token_refused bin)" '"reason":"not_in_person"' \
    "... recorded as not_in_person"
out=$(echo 5555 | as_person 4294967295 setpriv --reuid=2 --regid=2 \
    --clear-groups env LD_PRELOAD="$SHIM" KAGI_SOFTKEY_STATE="$T/keys/kP" \
    "$KAGICTL" --socket "$SOCK" enroll --grant 2>&1)
is "$?" 1 "R-PRIV-3: nor can bin's account with no login uid (a service, systemd-run)"
is "$(tokens bin)" 0 "... and no key was enrolled"

out=$(echo 5555 | grant_enroll 2 "$T/keys/kP" 2>&1)
is "$?" 0 "R-PRIV-3: bin, logged in as itself, enrolls its key with the grant"
ptok=$(printf '%s\n' "$out" | sed -n 's/^token: *//p')
like "$(audit_last enroll_grant_use bin)" "\"token\":$ptok" \
    "the grant is spent on that token, recorded as enroll_grant_use"
out=$(login kP bin 5555)
is "$(result_of "$out" auth)" PAM_SUCCESS "the privileged user logs in with the key"

shared_key kP2 --pin 6666
out=$(echo 6666 | grant_enroll 2 "$T/keys/kP2" 2>&1)
like "$out" "no approved enrollment waits" "R-PRIV-3: the grant is spent: a second key needs a new approval"
is "$(tokens bin)" 1 "... and is not enrolled before it"

"$SKTOOL" init "$T/keys/kU" --pin 7777 >/dev/null
env LD_PRELOAD="$SHIM" KAGI_SOFTKEY_STATE="$T/keys/kU" \
    "$top_builddir/tests/fido2client" - bin "$RP" - makecred 7777 \
    >"$T/u2f_keys" 2>/dev/null
out=$(kagictl_person import pam-u2f "$T/u2f_keys" 2>&1)
is "$?" 1 "R-PRIV-3: a privileged user's pam_u2f key is never imported"
like "$out" "refused the credential: enrolled_by_user" "... and says why"
is "$(tokens bin)" 1 "... and nothing was imported"

# --- later: expiry (libfaketime) --------------------------------------------

FAKETIME_LIB=
for _f in /usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 \
    /usr/lib/*/faketime/libfaketime.so.1; do
	[ -f "$_f" ] && { FAKETIME_LIB=$_f; break; }
done
out=$(echo 6666 | add_fido2_person kP2 bin)
id2=$(printf '%s\n' "$out" | req_id)
approve "$id2" >/dev/null
code=$(enroll_code_of "$(kagictl user enroll-code "$nobody")")
if [ -n "$FAKETIME_LIB" ]; then
	stop_kagid
	rm -f "$SOCK"
	LD_PRELOAD=$FAKETIME_LIB FAKETIME=+2h FAKETIME_DONT_FAKE_MONOTONIC=1 \
	    "$KAGID" -f -c "$T/kagid.conf" 2>>"$T/kagid.log" &
	KAGID_PID=$!
	i=0
	while [ ! -S "$SOCK" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	out=$(echo 6666 | grant_enroll 2 "$T/keys/kP2" 2>&1)
	like "$out" "no approved enrollment waits" \
	    "R-PRIV-3: an approval unused for two hours has expired"
	shared_key kN3 --pin 1234
	out=$(printf '%s\n1234\n' "$code" | self 65534 kN3)
	like "$out" "has expired" "R-TOK-4: an expired enrollment code is refused"
else
	skip "R-PRIV-3: an unused approval expires" "no libfaketime"
	skip "R-TOK-4: an expired enrollment code is refused" "no libfaketime"
fi

finish
