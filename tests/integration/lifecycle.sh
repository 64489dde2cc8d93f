#!/bin/sh
# lifecycle.sh - enrollment codes (R-TOK-4), off-boarding (R-TOK-3), lost
# tokens (R-TOK-2) and dormant accounts (R-TOK-6) through a real PAM stack
# and a real kagid.

. "$(dirname "$0")/lib.sh"

[ -x "$PAMDRV" ] && [ -f "$MODULE" ] && [ -x "$TOTPGEN" ] ||
	skip_all "pamdrv, totpgen or pam_kagi.so not built"
kagid_built
kagictl_built

plan 26

start_kagid || { echo "Bail out! kagid did not start"; exit 1; }
write_service

# enroll_code_of OUTPUT: the code kagictl printed.
enroll_code_of() { printf '%s\n' "$1" | sed -n 's/^enroll-code: *//p'; }
# secret_of OUTPUT: the secret of the otpauth URI shown through PAM.
secret_of() {
	printf '%s\n' "$1" |
	    sed -n 's/^INFO: otpauth:.*[?&]secret=\([A-Za-z2-7=]*\).*/\1/p' |
	    head -n 1
}

wait_fresh_step 15

# --- enrollment code: log in and enroll on the spot ------------------------
out=$(kagictl user add eri --enroll-code)
is "$?" 0 "user add --enroll-code succeeds"
code=$(enroll_code_of "$out")
like "$code" "-" "R-TOK-4: an enrollment code is printed once"
add_user_password eri pw-eri

# pamdrv answers the first code prompt with the enrollment code; the
# second (the new app's code) is read from a fifo once the URI is known.
mkfifo "$T/answer"
pam_run -u eri -o both pw-eri "$code" - <"$T/answer" >"$T/enroll.out" &
pid=$!
exec 3>"$T/answer"
i=0
while ! grep -q '^INFO: otpauth:' "$T/enroll.out" && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
secret=$(secret_of "$(cat "$T/enroll.out")")
c=$(code_for "$secret")
echo "$c" >&3
exec 3>&-
wait $pid
out=$(cat "$T/enroll.out")
like "$out" "INFO: Your enrollment code is accepted" "R-TOK-4: the log-in leads through enrollment"
like "$out" "█" "R-TOK-4: a QR code is shown through the conversation"
is "$(result_of "$out" auth)" PAM_SUCCESS "R-TOK-4: password, enrollment code, then the new app's code: auth succeeds"
is "$(result_of "$out" acct)" PAM_SUCCESS "the enrolled user passes account"
out=$(kagictl --json token list eri)
like "$out" '"state":"active"' "the enrolled token is active"

out=$(pam_run -u eri -o auth pw-eri "$code")
is "$(result_of "$out" auth)" PAM_AUTH_ERR "R-TOK-4: the enrollment code used again is refused"
unlike "$out" "otpauth" "no second enrollment is offered"
out=$(pam_run -u eri -o auth pw-eri "$(code_for "$secret" 1)")
is "$(result_of "$out" auth)" PAM_SUCCESS "R-TOK-4: the second log-in needs the new TOTP code"

# --- a wrong code from the app fails the enrollment log-in ----------------
out=$(kagictl user add fumi --enroll-code)
code=$(enroll_code_of "$out")
add_user_password fumi pw-fumi
out=$(pam_run -u fumi -o both pw-fumi "$code" 000000 000001 000002)
is "$(result_of "$out" auth)" PAM_AUTH_ERR "R-TOK-4: wrong codes from the app: the log-in fails"
is "$(result_of "$out" acct)" PAM_PERM_DENIED "R-TOK-4: without finished enrollment the account has no factor"
like "$out" "Enrollment was not finished" "the user is told to ask for a new code"
out=$(pam_run -u fumi -o auth pw-fumi "$code")
is "$(result_of "$out" auth)" PAM_AUTH_ERR "R-TOK-4: an abandoned enrollment spent the code"

# --- privileged users get no enrollment code ------------------------------
out=$(kagictl user add --role privileged boss --enroll-code 2>&1)
is "$?" 2 "R-TOK-4: no enrollment code for a privileged user (refused before kagid)"

# --- an expired code ---------------------------------------------------------
out=$(kagictl user add gen --enroll-code)
code=$(enroll_code_of "$out")
add_user_password gen pw-gen
# (expiry is checked again below under libfaketime)

# --- token lost: refused at once --------------------------------------------
kagictl user add hana >/dev/null
add_user_password hana pw-hana
s=$(enroll_totp hana)
tok=$(token_of hana)
out=$(kagictl token lost hana "$tok")
is "$?" 0 "R-TOK-2: token lost succeeds"
out=$(pam_run -u hana -o auth pw-hana "$(code_for "$s")")
is "$(result_of "$out" auth)" PAM_AUTH_ERR "R-TOK-2: the lost token is refused at the next attempt"
like "$(cat "$T/kagid.log")" "event=token_lost" "R-TOK-2: the loss is recorded"

# --- off-boarding ------------------------------------------------------------
kagictl user add ichi >/dev/null
add_user_password ichi pw-ichi
s=$(enroll_totp ichi)
kagictl token add-totp ichi --no-qr --pending >/dev/null
out=$(kagictl user offboard ichi)
is "$?" 0 "R-TOK-3: offboard succeeds"
like "$out" "2 token(s) revoked" "R-TOK-3: every token is revoked"
out=$(kagictl --json token list ichi)
unlike "$out" '"state":"active"' "R-TOK-3: no token is left active"
out=$(pam_run -u ichi -o auth pw-ichi "$(code_for "$s" 1)")
is "$(result_of "$out" auth)" PAM_AUTH_ERR "R-TOK-3: the next log-in is refused"
like "$(cat "$T/kagid.log")" "event=offboard" "R-TOK-3: off-boarding is one audited step"

# --- later: expiry and dormancy (libfaketime) --------------------------------
FAKETIME_LIB=
for _f in /usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 \
    /usr/lib/*/faketime/libfaketime.so.1; do
	[ -f "$_f" ] && { FAKETIME_LIB=$_f; break; }
done
if [ -n "$FAKETIME_LIB" ]; then
	stop_kagid
	echo "dormant_disable_days = 30" >>"$T/kagid.conf"
	rm -f "$SOCK"
	LD_PRELOAD=$FAKETIME_LIB FAKETIME=+31d FAKETIME_DONT_FAKE_MONOTONIC=1 \
	    "$KAGID" -f -c "$T/kagid.conf" 2>>"$T/kagid.log" &
	KAGID_PID=$!
	i=0
	while [ ! -S "$SOCK" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	out=$(pam_run -u gen -o auth pw-gen "$code")
	is "$(result_of "$out" auth)" PAM_AUTH_ERR "R-TOK-4: an expired enrollment code is refused"
	out=$(kagictl --json user show eri)
	like "$out" '"disabled":true' "R-TOK-6: an account unused for dormant_disable_days is disabled at start"
	like "$(cat "$T/kagid.log")" "event=dormant_disable" "R-TOK-6: the disabling is audited"
else
	skip "R-TOK-4: an expired enrollment code is refused" "no libfaketime"
	skip "R-TOK-6: dormant disable" "no libfaketime"
	skip "R-TOK-6: audited" "no libfaketime"
fi
finish
