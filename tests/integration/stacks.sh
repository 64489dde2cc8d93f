#!/bin/sh
# stacks.sh - the shipped PAM stacks, conf/pam.d/login and conf/pam.d/sshd,
# run as shipped: every line in its order with its control, where only
# the modules that would touch the system are replaced.  pam_unix becomes
# pam_matrix (the password), modules that write system files (loginuid,
# lastlog, motd, mail, limits, ...) become pam_permit, pam_kagi gets this
# test's socket, and pam_faillock is the real one with its records in the
# test's directory.  The users exist for pam_faillock through nss_wrapper.
#
# For each stack:
#  - R-MFA-1/R-MFA-2: password and code log in; auth, account and
#    session all succeed, and kagid registers the session;
#  - R-MFA-5: the stack's account line confirms pam_kagi's provisional
#    success; after a wrong password the right code is never confirmed;
#  - R-PRIV-7: a privileged user's session is limited as shipped: told
#    when it ends, and ended by kagid after privileged_session_max;
#  - a wrong password still asks for the code, fails, and is counted by
#    pam_faillock; a right one clears that count;
#  - R-MFA-5: after faillock's deny (3) wrong passwords, even the right
#    password and code are refused.

. "$(dirname "$0")/lib.sh"

[ -x "$PAMDRV" ] && [ -f "$MODULE" ] && [ -x "$TOTPGEN" ] ||
	skip_all "pamdrv, totpgen or pam_kagi.so not built"
kagid_built
kagictl_built
[ -n "$PAM_MATRIX" ] || skip_all "pam_matrix (pam_wrapper) not installed"
SHIM=$top_builddir/tests/softkey/.libs/libsoftkey_shim.so
SKTOOL=$top_builddir/tests/softkey/softkeytool
[ -f "$SHIM" ] && [ -x "$SKTOOL" ] || skip_all "the software key is not built"
can_approve || skip_all "needs root, setpriv and nogroup to approve requests"
NSSWRAP=
for d in /usr/lib/x86_64-linux-gnu /usr/lib/*-linux-gnu /usr/lib64 /usr/lib; do
	[ -f "$d/libnss_wrapper.so" ] && { NSSWRAP=$d/libnss_wrapper.so; break; }
done
[ -n "$NSSWRAP" ] || skip_all "libnss_wrapper.so not found (libnss-wrapper)"
FAILLOCK=$(command -v faillock || echo /usr/sbin/faillock)

plan 24

LIMIT=4
GRACE=2
chmod 711 "$T"
# The users are accounts of the test's own, for pam_faillock and for
# kagid alike (a privileged user enrolls its own key: R-PRIV-3).
test_accounts || skip_all "libnss_wrapper.so not found (libnss-wrapper)"
mkdir -m 777 "$T/keys"
# kagid's own lockout stays out of the way: the refusals below are
# pam_faillock's.
start_kagid privileged_session_max=${LIMIT}s session_grace=${GRACE}s \
    fido2_rp_id=pam://kagi-test approver_group=nogroup lockout_failures=20 \
    fido2_aaguids=$SOFTKEY_AAGUID ||
	{ echo "Bail out! kagid did not start"; exit 1; }

# ship STACK: $T/pam.d/STACK from conf/pam.d/STACK, line by line.
ship() {
	mkdir -p "$T/pam.d" "$T/faillock"
	awk -v mod="$MODULE" -v sock="$SOCK" -v matrix="$PAM_MATRIX" \
	    -v passdb="$T/passdb.$1" -v fdir="$T/faillock" '
	/^[[:space:]]*#/ || NF == 0 { next }
	{
		type = $1; ctl = $2; i = 2
		if (ctl ~ /^\[/)
			while (ctl !~ /\]$/ && i < NF) { i++; ctl = ctl " " $i }
		m = $(i + 1); args = ""
		for (j = i + 2; j <= NF; j++) args = args " " $j
		if (m == "pam_kagi.so")
			m = mod " socket=" sock " timeout=3"
		else if (m == "pam_unix.so" && (type == "auth" || type == "account")) {
			m = matrix " passdb=" passdb; args = ""
		} else if (m == "pam_faillock.so")
			args = args " dir=" fdir
		else if (m == "pam_pwquality.so")
			;
		else { m = "pam_permit.so"; args = "" }
		print type "\t" ctl "\t" m args
	}' "$top_srcdir/conf/pam.d/$1" >"$T/pam.d/$1"
}

# as_users CMD...: CMD with the test's users in the user database.
as_users() {
	env LD_PRELOAD="$NSSWRAP" NSS_WRAPPER_PASSWD="$T/passwd" \
	    NSS_WRAPPER_GROUP="$T/group" "$@"
}

# unix_user STACK NAME: NAME in the user database, password pw-NAME.
unix_user() {
	_uid=$((42500 + $(wc -l <"$T/passwd") + 1))
	echo "$2:x:$_uid:$_uid::/nonexistent:/bin/sh" >>"$T/passwd"
	echo "$2:pw-$2:$1" >>"$T/passdb.$1"
}

# new_user STACK NAME: a staff user with a password and a TOTP token;
# prints the secret.
new_user() {
	unix_user "$1" "$2"
	kagictl user add "$2" >/dev/null || { diag "user add $2 failed"; return 1; }
	enroll_totp "$2"
}

# login STACK USER ANSWER...: a whole log-in (auth, account, session).
login() {
	_s=$1
	shift
	as_users "$PAMDRV" -c "$T/pam.d" -s "$_s" -o session -S 1 -u "$@" \
	    2>>"$T/pamdrv.err"
}

# auth STACK USER ANSWER...: the auth stage alone, as login(1) and sshd
# stop after a failed one (pam_faillock's account stage clears its
# records, on the assumption that auth succeeded).
auth() {
	_s=$1
	shift
	as_users "$PAMDRV" -c "$T/pam.d" -s "$_s" -o auth -u "$@" \
	    2>>"$T/pamdrv.err"
}

# with_key NAME CMD...: CMD with the software key $T/keys/NAME plugged in.
with_key() {
	_key=$1
	shift
	env LD_PRELOAD="$SHIM" KAGI_SOFTKEY_STATE="$T/keys/$_key" "$@"
}

# failures USER: pam_faillock's records of USER.
failures() {
	as_users "$FAILLOCK" --dir "$T/faillock" --user "$1" 2>/dev/null |
	    grep -c '^[0-9]'
}

for stack in login sshd; do
	ship "$stack"
	wait_fresh_step 12

	# --- the right password and code: auth, account, session -----------
	s=$(new_user "$stack" "st${stack}")
	out=$(login "$stack" "st${stack}" "pw-st${stack}" "$(code_for "$s")")
	is "$(result_of "$out" auth)/$(result_of "$out" acct)/$(result_of "$out" open)/$(result_of "$out" close)" \
	    PAM_SUCCESS/PAM_SUCCESS/PAM_SUCCESS/PAM_SUCCESS \
	    "R-MFA-1: $stack as shipped: password and code log in, the session opens and closes"
	log=$(grep 'event=session_open' "$T/kagid.log" | grep "st${stack}")
	like "$log" "\"service\":\"$stack\"" \
	    "R-PRIV-7: $stack as shipped: kagid registered the session"
	log=$(grep 'event=auth' "$T/kagid.log" | grep "st${stack}" |
	    grep '"reason":"confirmed"')
	like "$log" '"outcome":"success"' \
	    "R-MFA-5: $stack as shipped: its account stack confirms pam_kagi's success"

	# --- a privileged session is limited as shipped ----------------------
	p=pv${stack}
	unix_user "$stack" "$p"
	approved user add "$p" --role privileged >/dev/null
	"$SKTOOL" init "$T/keys/$p" --pin "pin-$p" >/dev/null
	chmod 666 "$T/keys/$p"
	# R-PRIV-3: approved, then enrolled by the user itself.
	approved token add-fido2 "$p" >/dev/null
	tok=$(echo "pin-$p" | grant_enroll \
	    "$(awk -F: -v n="$p" '$1 == n { print $3 }' "$T/passwd")" \
	    "$T/keys/$p" 2>>"$T/kagictl.err" | sed -n 's/^token: *//p')
	check "R-PRIV-3: an approved privileged user with a key (token $tok)" \
	    test -n "$tok"
	t0=$(date +%s)
	with_key "$p" env LD_PRELOAD="$SHIM $NSSWRAP" \
	    NSS_WRAPPER_PASSWD="$T/passwd" NSS_WRAPPER_GROUP="$T/group" \
	    "$PAMDRV" -c "$T/pam.d" -s "$stack" -o session -S 60 -H -u "$p" \
	    "pw-$p" "pin-$p" >"$T/$p.out" 2>>"$T/pamdrv.err" &
	bg_register $!
	child=
	n=0
	while [ -z "$child" ] && [ $n -lt 50 ]; do
		child=$(sed -n 's/^child=//p' "$T/$p.out")
		sleep 0.1
		n=$((n + 1))
	done
	like "$(cat "$T/$p.out")" "INFO: This session will be ended at" \
	    "R-PRIV-7: $stack as shipped: the privileged user is told when the session ends"
	n=0
	while [ -n "$child" ] && kill -0 "$child" 2>/dev/null &&
	    [ $n -lt $(( (LIMIT + GRACE + 5) * 10 )) ]; do
		sleep 0.1
		n=$((n + 1))
	done
	if [ -n "$child" ] && ! kill -0 "$child" 2>/dev/null; then
		ok "R-PRIV-7: $stack as shipped: kagid ended the session after privileged_session_max ($(elapsed_since "$t0") s)"
	else
		not_ok "R-PRIV-7: $stack as shipped: kagid ended the session" \
		    "$(cat "$T/$p.out")" "$(tail -n 10 "$T/kagid.log")"
		[ -n "$child" ] && kill -KILL "$child" 2>/dev/null
	fi

	# --- pam_faillock counts the first factor ----------------------------
	u=fl${stack}
	s=$(new_user "$stack" "$u")
	wait_fresh_step 12
	out=$(auth "$stack" "$u" wrong-password "$(code_for "$s")")
	is "$(result_of "$out" auth)" PAM_AUTH_ERR \
	    "R-MFA-2: $stack as shipped: a wrong password is refused"
	like "$out" "PROMPT: Verification code:" \
	    "... after the code was asked all the same (which factor failed is not told)"
	is "$(failures "$u")" 1 "... and pam_faillock counted it"
	log=$(grep 'event=auth' "$T/kagid.log" | grep "\"$u\"")
	check "R-MFA-2: $stack as shipped: the right code after it stays provisional, never confirmed" \
	    sh -c "printf '%s\n' '$log' | grep -q provisional &&
	    ! printf '%s\n' '$log' | grep -q confirmed"
	out=$(auth "$stack" "$u" "pw-$u" "$(code_for "$s" 1)")
	is "$(result_of "$out" auth)/$(failures "$u")" PAM_SUCCESS/0 \
	    "$stack as shipped: the right password and code clear faillock's count"
	for i in 1 2 3; do
		auth "$stack" "$u" wrong-password 000000 >/dev/null
	done
	wait_fresh_step 8
	out=$(auth "$stack" "$u" "pw-$u" "$(code_for "$s")")
	is "$(result_of "$out" auth)" PAM_AUTH_ERR \
	    "R-MFA-5: $stack as shipped: after faillock's deny, even the right password and code are refused"
done

finish
