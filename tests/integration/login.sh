#!/bin/sh
# login.sh - log-ins through a real PAM stack, pam_matrix for the password
# and pam_kagi for the code, against a real kagid on a temporary socket.
#
# Each scenario has its own user so that TOTP steps used by one (a step
# is accepted once per token) never get in another's way.  Enrollment
# confirms with the previous step's code, leaving the current and next
# steps for log-ins.

. "$(dirname "$0")/lib.sh"

[ -x "$PAMDRV" ] && [ -f "$MODULE" ] && [ -x "$TOTPGEN" ] ||
	skip_all "pamdrv, totpgen or pam_kagi.so not built"
kagid_built
kagictl_built

plan 42

LOCKED_MSG="ERROR: Your account is locked. Contact your administrator."
DISABLED_MSG="ERROR: Your account is disabled. Contact your administrator."
UNENROLLED_MSG="ERROR: No second factor is enrolled for your account. Contact your administrator."

start_kagid lockout_failures=3 lockout_interval=10m lockout_duration=1h ||
	{ echo "Bail out! kagid did not start"; exit 1; }
write_service

# new_user NAME: a kagid user with a TOTP token and a password; prints the
# secret.
new_user() {
	kagictl user add "$1" >/dev/null || { diag "user add $1 failed"; return 1; }
	add_user_password "$1" "pw-$1"
	enroll_totp "$1"
}

# wrong_code CODE: a six-digit code that is not CODE.
wrong_code() {
	printf '%06d\n' $(( (1$1 - 1000000 + 500000) % 1000000 ))
}

# fullwidth CODE: the code in full-width digits (U+FF10..U+FF19).
fullwidth() {
	printf '%s\n' "$1" | sed 's/0/０/g; s/1/１/g; s/2/２/g; s/3/３/g;
	    s/4/４/g; s/5/５/g; s/6/６/g; s/7/７/g; s/8/８/g; s/9/９/g'
}

wait_fresh_step 12

# --- the right password and the right code --------------------------------
s=$(new_user alice)
c=$(code_for "$s")
out=$(pam_run -u alice -o both pw-alice "$c")
is "$(result_of "$out" auth)" PAM_SUCCESS \
    "R-MFA-1: right password and right code: auth PAM_SUCCESS"
is "$(result_of "$out" acct)" PAM_SUCCESS \
    "right password and right code: account PAM_SUCCESS"
like "$out" "PROMPT: Verification code: " "the code is asked for after the password"

out=$(pam_run -u alice -o auth pw-alice "$c")
is "$(result_of "$out" auth)" PAM_AUTH_ERR \
    "R-MFA-1: the same code a second time is refused (replay)"

# --- a code older than the last accepted one -------------------------------
wait_fresh_step 8
s=$(new_user carol)
out=$(pam_run -u carol -o auth pw-carol "$(code_for "$s" 1)")
is "$(result_of "$out" auth)" PAM_SUCCESS \
    "the next step's code is accepted (clock drift window)"
out=$(pam_run -u carol -o auth pw-carol "$(code_for "$s" 0)")
is "$(result_of "$out" auth)" PAM_AUTH_ERR \
    "R-MFA-1: an unused code of a step before the last accepted one is refused"

# --- wrong code, wrong password ----------------------------------------------
s=$(new_user dave)
c=$(code_for "$s")
out_wrong=$(pam_run -u dave -o auth pw-dave "$(wrong_code "$c")")
is "$(result_of "$out_wrong" auth)" PAM_AUTH_ERR \
    "R-MFA-1: right password and wrong code: PAM_AUTH_ERR"
out=$(pam_run -u dave -o auth wrong-password "$c")
is "$(result_of "$out" auth)" PAM_AUTH_ERR \
    "R-MFA-2: wrong password and right code: PAM_AUTH_ERR"
like "$out" "PROMPT: Verification code: " \
    "wrong password: the stack goes on (required) and still asks for the code"

# --- the code's form -----------------------------------------------------------
s=$(new_user erin)
c=$(code_for "$s")
out=$(pam_run -u erin -o auth pw-erin "$(fullwidth "$c")")
is "$(result_of "$out" auth)" PAM_SUCCESS \
    "a code typed in full-width digits is accepted"

s=$(new_user frank)
c=$(code_for "$s")
out=$(pam_run -u frank -o auth pw-frank "$(printf '%s' "$c" | cut -c1-5)")
is "$(result_of "$out" auth)" PAM_AUTH_ERR "a 5-digit code is refused"
out=$(pam_run -u frank -o auth pw-frank "${c}0")
is "$(result_of "$out" auth)" PAM_AUTH_ERR "a 7-digit code is refused"
out=$(pam_run -u frank -o auth pw-frank "$c")
is "$(result_of "$out" auth)" PAM_SUCCESS \
    "after malformed codes the right one still works"
out=$(code_for "$s" 1 | pam_run -u frank -o auth pw-frank -)
is "$(result_of "$out" auth)" PAM_SUCCESS \
    "a code answered from standard input (pamdrv '-') is accepted"
out=$(pam_run -u erin -o auth pw-erin)
is "$(result_of "$out" auth)" PAM_CONV_ERR \
    "no answer to the code prompt: PAM_CONV_ERR, nobody let in"
out=$(pam_run -u erin -o auth pw-erin "")
is "$(result_of "$out" auth)" PAM_AUTH_ERR \
    "an empty code is refused (PAM_AUTH_ERR, not a service error)"

# Answers kagid could not even read still count as the failures they are.
s=$(new_user gina)
before=$(kagictl --json user show gina | tr -d ' \n' | sed -n 's/.*"failures":\([0-9]*\).*/\1/p')
out=$(pam_run -u gina -o auth pw-gina "$(printf '9%.0s' $(seq 1 300))")
is "$(result_of "$out" auth)" PAM_AUTH_ERR "a 300-byte answer is a wrong code (PAM_AUTH_ERR, not a service error)"
out=$(pam_run -u gina -o auth pw-gina "$(printf '12\37734')")
is "$(result_of "$out" auth)" PAM_AUTH_ERR "an answer that is not UTF-8 is a wrong code"
after=$(kagictl --json user show gina | tr -d ' \n' | sed -n 's/.*"failures":\([0-9]*\).*/\1/p')
is "$after" "$((before + 2))" "R-MFA-5: both count as failed attempts"

# --- unknown and unenrolled users look like a wrong code ----------------------
add_user_password ghost pw-ghost
out=$(pam_run -u ghost -o auth pw-ghost 123456 | sed 's/ghost/dave/g')
is "$out" "$out_wrong" \
    "an unknown user gets the same prompts and PAM_AUTH_ERR as a wrong code"
kagictl user add nofactor >/dev/null
add_user_password nofactor pw-nofactor
out=$(pam_run -u nofactor -o auth pw-nofactor 123456)
is "$out" "$out_wrong" \
    "R-MFA-1: an unenrolled user gets the same prompts and PAM_AUTH_ERR as a wrong code"
out=$(pam_run -u ghost -o acct)
is "$(result_of "$out" acct)" PAM_USER_UNKNOWN "account: unknown user is PAM_USER_UNKNOWN"
out=$(pam_run -u nofactor -o acct)
is "$(result_of "$out" acct)" PAM_PERM_DENIED \
    "R-MFA-1: account: a user with no second factor is PAM_PERM_DENIED"
like "$out" "$UNENROLLED_MSG" "account: the unenrolled user is told why"

# --- lockout (R-MFA-5) ------------------------------------------------------------
s=$(new_user lock1)
c=$(code_for "$s")
fails=0
for i in 1 2 3; do
	out=$(pam_run -u lock1 -o auth pw-lock1 "$(wrong_code "$c")")
	[ "$(result_of "$out" auth)" = PAM_AUTH_ERR ] && fails=$((fails + 1))
done
is "$fails" 3 "R-MFA-5: three wrong codes are refused"
out=$(pam_run -u lock1 -o auth pw-lock1 "$(code_for "$s")")
is "$(result_of "$out" auth)" PAM_AUTH_ERR \
    "R-MFA-5: after lockout_failures wrong codes even the right code is refused"
out=$(pam_run -u lock1 -o acct)
is "$(result_of "$out" acct)" PAM_PERM_DENIED "R-MFA-5: account: locked is PAM_PERM_DENIED"
like "$out" "$LOCKED_MSG" "R-MFA-5: the locked user is told to contact the administrator"
check "kagictl unlock succeeds" kagictl unlock lock1
out=$(pam_run -u lock1 -o both pw-lock1 "$(code_for "$s" 1)")
is "$(result_of "$out" auth)$(result_of "$out" acct)" PAM_SUCCESSPAM_SUCCESS \
    "R-MFA-5: after kagictl unlock a fresh right code works"

# --- a revoked token stops at once (R-TOK-2) ---------------------------------------
s=$(new_user rev)
out=$(pam_run -u rev -o auth pw-rev "$(code_for "$s")")
is "$(result_of "$out" auth)" PAM_SUCCESS "R-TOK-2: before revocation the token works"
check "R-TOK-2: kagictl token revoke succeeds" kagictl token revoke rev "$(token_of rev)"
out=$(pam_run -u rev -o both pw-rev "$(code_for "$s" 1)")
is "$(result_of "$out" auth)" PAM_AUTH_ERR \
    "R-TOK-2: the very next log-in with the revoked token is refused"
is "$(result_of "$out" acct)" PAM_PERM_DENIED \
    "R-TOK-2: account: no active factor left is PAM_PERM_DENIED"

# --- disabled users -------------------------------------------------------------------
s=$(new_user dis)
check "kagictl user disable succeeds" kagictl user disable dis
out=$(pam_run -u dis -o both pw-dis "$(code_for "$s")")
is "$(result_of "$out" auth)" PAM_AUTH_ERR "R-TOK-3: a disabled user's right code is refused"
is "$(result_of "$out" acct)" PAM_ACCT_EXPIRED "R-TOK-3: account: disabled is PAM_ACCT_EXPIRED"
like "$out" "$DISABLED_MSG" "the disabled user is told to contact the administrator"
check "kagictl user enable succeeds" kagictl user enable dis
out=$(pam_run -u dis -o both pw-dis "$(code_for "$s" 1)")
is "$(result_of "$out" auth)$(result_of "$out" acct)" PAM_SUCCESSPAM_SUCCESS \
    "R-TOK-5: once enabled again the user logs in"

# --- a lock expires by itself ------------------------------------------------------
stop_kagid
start_kagid lockout_failures=3 lockout_interval=10m lockout_duration=2s \
    lockout_growth=no ||
	{ echo "Bail out! kagid did not restart"; exit 1; }
s=$(new_user expiry)
c=$(code_for "$s")
for i in 1 2 3; do
	pam_run -u expiry -o auth pw-expiry "$(wrong_code "$c")" >/dev/null
done
out=$(pam_run -u expiry -o acct)
is "$(result_of "$out" acct)" PAM_PERM_DENIED \
    "R-MFA-5: lockout_duration=2s: locked after three wrong codes"
sleep 3
out=$(pam_run -u expiry -o both pw-expiry "$(code_for "$s" 1)")
is "$(result_of "$out" auth)$(result_of "$out" acct)" PAM_SUCCESSPAM_SUCCESS \
    "R-MFA-5: lockout_duration=2s: after 3 s a fresh code works"

finish
