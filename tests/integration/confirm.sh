#!/bin/sh
# confirm.sh - a second factor's success is provisional until the account
# step of the same PAM handle confirms it, through a real PAM stack
# (pamdrv, pam_matrix, pam_kagi) and a real kagid (issue 13).
#
# The attacks, and what they now get:
#  - R-MFA-2/R-MFA-5: a wrong password with the right code: the stack
#    fails; kagid spends the code but forgives nothing, records the
#    success as "provisional", shows nothing (no "Last successful
#    log-in" to the person who typed the wrong password), and records it
#    "unconfirmed" once login_confirm_time has passed; the next real
#    log-in shows it among the failed attempts; reports count it apart
#    and never as a log-in;
#  - a module between auth and account that changes PAM_USER: pam_kagi's
#    account step refuses the new user and confirms nothing;
#  - R-MFA-5: the banner comes before the first prompt of a FIDO2 user
#    (the PIN), not only before the code prompt;
#  - a FIDO2 user with no key falls back to a code only through kagid,
#    which records the fallback ("fallback", reason no_key).
# And the normal log-in beside them: auth and account pass, the account
# step confirms, failures are forgiven, the previous log-in is shown.

. "$(dirname "$0")/lib.sh"

[ -x "$PAMDRV" ] && [ -f "$MODULE" ] && [ -x "$TOTPGEN" ] ||
	skip_all "pamdrv, totpgen or pam_kagi.so not built"
kagid_built
kagictl_built
[ -n "$PAM_MATRIX" ] || skip_all "pam_matrix (pam_wrapper) not installed"
SETITEMS=$(dirname "$PAM_MATRIX")/pam_set_items.so
[ -f "$SETITEMS" ] || skip_all "pam_set_items.so (pam_wrapper) not installed"
SHIM=$top_builddir/tests/softkey/.libs/libsoftkey_shim.so
SKTOOL=$top_builddir/tests/softkey/softkeytool
[ -f "$SHIM" ] && [ -x "$SKTOOL" ] || skip_all "the software key is not built"
command -v sqlite3 >/dev/null || skip_all "sqlite3 is needed to read the audit"

plan 33

CONFIRM=5
printf 'Authorised use only.\n' >"$T/banner"
chmod 644 "$T/banner"
start_kagid login_confirm_time=${CONFIRM}s totp_window=3 \
    banner_file="$T/banner" fido2_rp_id=pam://kagi-test ||
	{ echo "Bail out! kagid did not start"; exit 1; }
write_service
# The same, with a module between auth and account that sets PAM_USER
# from its environment (pam_wrapper's pam_set_items).
{
	echo "auth required $PAM_MATRIX passdb=$T/passdb"
	echo "auth required $MODULE socket=$SOCK timeout=3"
	echo "account required $SETITEMS"
	echo "account required $MODULE socket=$SOCK timeout=3"
} >"$T/pam.d/chuser"

# audit_last USER: the fields of USER's newest auth record.
audit_last() {
	state_sql "SELECT fields FROM audit WHERE event = \
'auth' AND \"user\" = '$1' ORDER BY seq DESC LIMIT 1"
}
# audit_auth USER: all of USER's auth records, one per line.
audit_auth() {
	state_sql "SELECT fields FROM audit WHERE event = \
'auth' AND \"user\" = '$1' ORDER BY seq"
}
# failures USER: the lock's failure count.
failures() {
	kagictl --json user show "$1" | tr -d ' \n' |
	    sed -n 's/.*"failures":\([0-9]*\).*/\1/p'
}
# last_success USER: the user's last_success (0: never).
last_success() {
	kagictl --json user show "$1" | tr -d ' \n' |
	    sed -n 's/.*"last_success":\([0-9]*\).*/\1/p'
}

kagictl user add alice >/dev/null
add_user_password alice pw-alice
sa=$(enroll_totp alice)
wait_fresh_step 20

# --- the normal log-in: auth, then account confirms ------------------------------
out=$(pam_run -u alice -t tty3 -o both pw-alice "$(code_for "$sa" 0)")
is "$(result_of "$out" auth)/$(result_of "$out" acct)" PAM_SUCCESS/PAM_SUCCESS \
    "R-MFA-2: password and code: auth and account pass"
like "$(audit_auth alice)" '"outcome":"provisional"' \
    "R-MFA-5: kagid's auth success is recorded as provisional"
like "$(audit_last alice)" '"reason":"confirmed"' \
    "R-MFA-5: ... and the account step confirmed it"
first=$(last_success alice)
check "... the confirmed log-in is the user's last success" test "${first:-0}" -gt 0

# --- a wrong password with the right code (R-MFA-2, R-MFA-5) ---------------------
pam_run -u alice -t tty3 -o auth pw-alice 000000 >/dev/null
is "$(failures alice)" 1 "a wrong code counts"
out=$(pam_run -u alice -t tty3 -o auth wrong-password "$(code_for "$sa" 1)")
is "$(result_of "$out" auth)" PAM_AUTH_ERR \
    "R-MFA-2: a wrong password with the right code is refused"
unlike "$out" "Last successful log-in" \
    "R-MFA-5: ... and the person who typed it is not shown the last log-in"
is "$(failures alice)" 1 "R-MFA-5: ... and forgives no failure"
like "$(audit_last alice)" '"outcome":"provisional"' \
    "R-MFA-5: ... recorded as provisional, not as a success"
is "$(last_success alice)" "$first" "R-MFA-5: ... and is not the user's last success"
out=$(pam_run -u alice -t tty3 -o auth pw-alice "$(code_for "$sa" 1)")
is "$(result_of "$out" auth)" PAM_AUTH_ERR "the code stays spent"
is "$(failures alice)" 2 "... its replay counts"
sleep $((CONFIRM + 2))
like "$(audit_auth alice)" '"outcome":"unconfirmed","reason":"expired"' \
    "R-MFA-5: unconfirmed after login_confirm_time, recorded as such"
out=$(kagictl report lockouts --csv | tr -d '\r' | grep '^alice,')
is "$(printf '%s\n' "$out" | awk -F, '{ print $3 "/" $8 }')" "2/1" \
    "R-LOG-3: report lockouts: alice's failures and her unconfirmed success apart"
is "$(failures alice)" 2 "R-MFA-5: an unconfirmed success never counts toward a lock"

# The next real log-in: forgiven, and it shows what happened since.
out=$(pam_run -u alice -t tty3 -o both pw-alice "$(code_for "$sa" 2)")
is "$(result_of "$out" auth)/$(result_of "$out" acct)" PAM_SUCCESS/PAM_SUCCESS \
    "the right password and code log in"
like "$out" "INFO: Last successful log-in: $(date +%Y-%m-%d)" \
    "R-MFA-5: the account step shows the previous log-in"
like "$out" "from tty3 (totp); 3 failed attempts since" \
    "R-MFA-5: ... with the unconfirmed success among the failed attempts"
is "$(failures alice)" 0 "R-MFA-5: a confirmed success forgives its factor's failures"

# --- PAM_USER changed between auth and account -------------------------------------
kagictl user add bob >/dev/null
add_user_password bob pw-bob
sb=$(enroll_totp bob)
out=$(PAM_USER=alice PAM_SERVICE_NAME=chuser pam_run -u bob -o both pw-bob \
    "$(code_for "$sb" 0)")
is "$(result_of "$out" auth)/$(result_of "$out" acct)" PAM_SUCCESS/PAM_PERM_DENIED \
    "a module that changes PAM_USER after auth: the account step refuses"
like "$out" "ERROR: This log-in could not be confirmed." "... and says so"
like "$(audit_last bob)" '"outcome":"provisional"' "... bob's success stays unconfirmed"
unlike "$(audit_last alice)" '"outcome":"success","reason":"confirmed","service":"chuser"' \
    "... and nothing was confirmed for alice"
out=$(PAM_SERVICE_NAME=chuser pam_run -u bob -o both pw-bob "$(code_for "$sb" 1)")
is "$(result_of "$out" auth)/$(result_of "$out" acct)" PAM_SUCCESS/PAM_SUCCESS \
    "control: the same stack, PAM_USER left alone, logs bob in"
like "$(audit_last bob)" '"reason":"confirmed"' "... confirmed"

# --- FIDO2: the banner before the first prompt; the fallback recorded ------------
kagictl user add carol >/dev/null
add_user_password carol pw-carol
sc=$(enroll_totp carol)
"$SKTOOL" init "$T/kC" --pin 2468 >/dev/null
tok=$(echo 2468 | env LD_PRELOAD="$SHIM" KAGI_SOFTKEY_STATE="$T/kC" \
    "$KAGICTL" --socket "$SOCK" token add-fido2 carol 2>>"$T/kagictl.err" |
    sed -n 's/^token: *//p')
check "carol enrolls a key (token $tok) beside her TOTP token" test -n "$tok"
out=$(env LD_PRELOAD="$SHIM" KAGI_SOFTKEY_STATE="$T/kC" "$PAMDRV" \
    -c "$T/pam.d" -s "$SERVICE" -u carol -o both pw-carol 2468 \
    2>>"$T/pamdrv.err")
is "$(result_of "$out" auth)/$(result_of "$out" acct)" PAM_SUCCESS/PAM_SUCCESS \
    "carol logs in with her key"
banner=$(printf '%s\n' "$out" | grep -n 'INFO: Authorised use only.' | cut -d: -f1)
pin=$(printf '%s\n' "$out" | grep -n 'PROMPT: Enter the PIN' | cut -d: -f1)
check "R-MFA-5: the banner comes before the key's first prompt (the PIN)" \
    test -n "$banner" -a -n "$pin" -a "${banner:-99}" -lt "${pin:-0}"
like "$(audit_last carol)" '"reason":"confirmed","service":"kagitest","zone":"mynumber","factor":"fido2"' \
    "... and the key's log-in is confirmed by the account step"
out=$(env LD_PRELOAD="$SHIM" KAGI_SOFTKEY_STATE="$T/kC" KAGI_SOFTKEY_ABSENT=1 \
    "$PAMDRV" -c "$T/pam.d" -s "$SERVICE" -u carol -o both pw-carol \
    "$(code_for "$sc" 0)" 2>>"$T/pamdrv.err")
is "$(result_of "$out" auth)/$(result_of "$out" acct)" PAM_SUCCESS/PAM_SUCCESS \
    "no key plugged in: carol falls back to her code"
like "$(audit_auth carol)" '"outcome":"fallback","reason":"no_key"' \
    "the fallback to a code is recorded"
is "$(printf '%s\n' "$out" | grep -c 'INFO: Authorised use only.')" 1 \
    "R-MFA-5: the banner is shown once, before the first prompt"
is "$(failures carol)" 0 "a fallback is not a failed attempt"

finish
