#!/bin/sh
# session.sh - pam_kagi's session part and kagid's session limits, the
# banner and the last log-in line, through a real PAM stack (pamdrv,
# pam_matrix, pam_kagi) and a real kagid.
#
# What it shows:
#  - R-PRIV-7/R-REM-4: session open and close are audited with service,
#    tty, rhost, pid, sid, started, ended and reason;
#  - R-PRIV-7: a privileged user's session over privileged_session_max is
#    warned, then actually ended: its processes get SIGHUP, and one that
#    ignores SIGHUP is killed after session_grace; audited as
#    session_close reason time_limit;
#  - R-REM-4/R-REM-1: a vendor session still open at the end of its
#    maintenance window is ended (reason window_end);
#  - a caller cannot register a session for a process that is not its own;
#  - R-TOK-3: off-boarding a user ends the user's open sessions at once
#    (SIGHUP, then SIGKILL after session_grace), audited as session_close
#    reason offboard;
#  - R-MFA-5: the banner is shown before the code prompt (and before a
#    privileged user's PIN prompt), and once the account step confirmed
#    a log-in, the previous success with the failures since.
# Privileged and vendor accounts are made through the two-person rule
# (R-PRIV-3: `approved`, nobody of nogroup approves); privileged users log
# in with the software FIDO2 key and its PIN (R-PRIV-2: never TOTP), the
# shim preloaded per command (tests/softkey/README).
# pamdrv -o session makes itself a session leader first, so the session
# kagid ends is never the test's own.

. "$(dirname "$0")/lib.sh"

[ -x "$PAMDRV" ] && [ -f "$MODULE" ] && [ -x "$TOTPGEN" ] ||
	skip_all "pamdrv, totpgen or pam_kagi.so not built"
kagid_built
kagictl_built
[ -n "$PAM_MATRIX" ] || skip_all "pam_matrix (pam_wrapper) not installed"
SHIM=$top_builddir/tests/softkey/.libs/libsoftkey_shim.so
SKTOOL=$top_builddir/tests/softkey/softkeytool
[ -f "$SHIM" ] && [ -x "$SKTOOL" ] || skip_all "the software key is not built"
# Privileged and vendor accounts need a second person's approval (R-PRIV-3).
can_approve || skip_all "needs root, setpriv and nogroup to approve requests"

plan 40

LIMIT=4
GRACE=2
printf 'Authorised use only.\nKagi test banner.\n' >"$T/banner"
chmod 644 "$T/banner"

RP=pam://kagi-test
chmod 711 "$T"
# The privileged users are accounts of the test's own (nss_wrapper): each
# enrolls its own key (R-PRIV-3), in a directory every uid may write.
test_accounts || skip_all "libnss_wrapper.so not found (libnss-wrapper)"
mkdir -m 777 "$T/keys"
start_kagid privileged_session_max=${LIMIT}s session_warn=2s \
    session_grace=${GRACE}s banner_file="$T/banner" fido2_rp_id=$RP \
    approver_group=nogroup fido2_aaguids=$SOFTKEY_AAGUID ||
	{ echo "Bail out! kagid did not start"; exit 1; }
write_service
# A whole log-in: password, pam_kagi's second factor, account, session.
{
	echo "auth required $PAM_MATRIX passdb=$T/passdb"
	echo "auth required $MODULE socket=$SOCK timeout=3"
	echo "account required $MODULE socket=$SOCK timeout=2"
	echo "session required $MODULE socket=$SOCK timeout=2"
} >"$T/pam.d/sess"
echo "session required $MODULE socket=$SOCK timeout=2" >>"$T/pam.d/$SERVICE"

# new_user NAME: a staff user with a TOTP token; prints the secret.
new_user() {
	kagictl user add "$1" >/dev/null ||
	    { diag "user add $1 failed"; return 1; }
	echo "$1:pw-$1:sess" >>"$T/passdb"
	enroll_totp "$1"
}

# new_privileged NAME: a privileged user (an account of the test's own),
# approved by a second person (R-PRIV-3), with a software key
# $T/keys/NAME (PIN pin-NAME) it enrolls itself on a second approval: no
# TOTP for them (R-PRIV-2).  Prints the token id.
new_privileged() {
	_uid=$(test_account "$1")
	approved user add "$1" --role privileged >/dev/null ||
	    { diag "user add $1 --role privileged failed"; return 1; }
	echo "$1:pw-$1:sess" >>"$T/passdb"
	"$SKTOOL" init "$T/keys/$1" --pin "pin-$1" >/dev/null
	chmod 666 "$T/keys/$1"
	# Its key too (R-PRIV-3): the approval lets the user enroll one key.
	approved token add-fido2 "$1" >/dev/null ||
	    { diag "token add-fido2 $1 was not approved"; return 1; }
	echo "pin-$1" | grant_enroll "$_uid" "$T/keys/$1" \
	    2>>"$T/kagictl.err" | sed -n 's/^token: *//p'
}

# with_key NAME|- CMD...: as lib.sh's, with the keys every uid may use
# ($T/keys/NAME, made by new_privileged).
with_key() {
	_key=$1
	shift
	if [ "$_key" != - ]; then
		env LD_PRELOAD="$SHIM" KAGI_SOFTKEY_STATE="$T/keys/$_key" "$@"
	else
		"$@"
	fi
}

# --- open and close, audited (R-PRIV-7, R-REM-4) ----------------------------------
s=$(new_user staff1)
out=$(PAM_SERVICE_NAME=sess pam_run -o session -S 1 -u staff1 -r 10.0.0.7 \
    -t pts/9 pw-staff1 "$(code_for "$s")")
is "$(result_of "$out" open)/$(result_of "$out" close)" PAM_SUCCESS/PAM_SUCCESS \
    "R-PRIV-7: a staff session opens and closes"
unlike "$out" "will be ended" "a staff session has no limit and says none"
log=$(grep 'event=session_open' "$T/kagid.log" | grep staff1)
like "$log" '"service":"sess"' "R-REM-4: session_open audited with the service"
like "$log" '"rhost":"10.0.0.7"' "R-REM-4: ... the remote host"
like "$log" '"tty":"pts\/9"' "R-REM-4: ... the terminal"
like "$log" '"sid":' "R-REM-4: ... the session id"
like "$log" '"started":' "R-REM-4: ... the start"
log=$(grep 'event=session_close' "$T/kagid.log" | grep staff1)
like "$log" '"reason":"logout"' "R-REM-4: session_close audited, reason logout"
like "$log" '"ended":' "R-REM-4: ... with the end time"
out=$(kagictl session list)
unlike "$out" "staff1" "a closed session is no longer listed"

# --- an unknown user's session is refused: fail closed ---------------------------
echo "ghost:pw-ghost:sess" >>"$T/passdb"
{
	echo "auth required $PAM_MATRIX passdb=$T/passdb"
	echo "account required pam_permit.so"
	echo "session required $MODULE socket=$SOCK timeout=2"
} >"$T/pam.d/sessonly"
out=$(PAM_SERVICE_NAME=sessonly pam_run -o session -S 0 -u ghost pw-ghost)
is "$(result_of "$out" open)" PAM_SESSION_ERR \
    "a session kagid cannot register (unknown user) is refused"

# --- a privileged session over its limit is ended (R-PRIV-7) -------------------
tok=$(new_privileged boss)
check "R-PRIV-3, R-PRIV-2: an approved privileged user enrolls a FIDO2 key (token $tok)" \
    test -n "$tok"
t0=$(date +%s)
session_bg "$T/boss.out" boss -H -u boss -t pts/7 pw-boss pin-boss
child=$CHILD
check "R-PRIV-7: a privileged session opens (child $child)" test -n "$child"
like "$(cat "$T/boss.out")" "INFO: This session will be ended at" \
    "R-PRIV-7: the user is told when the session will be ended"
first=$(grep -n 'INFO: Authorised use only.' "$T/boss.out" | cut -d: -f1)
prompt=$(grep -n 'PROMPT: Enter the PIN' "$T/boss.out" | cut -d: -f1)
check "R-MFA-5: a privileged FIDO2 user sees the banner before the key's PIN prompt" \
    test -n "$first" -a -n "$prompt" -a "${first:-99}" -lt "${prompt:-0}"
out=$(kagictl session list)
like "$out" "boss" "kagictl session list shows the open session"
like "$out" "time_limit" "... with its limit"
if gone "$child" $((LIMIT + GRACE + 5)); then
	ok "R-PRIV-7: the session's process (ignoring SIGHUP) is gone after limit + grace ($(elapsed_since "$t0") s)"
else
	not_ok "R-PRIV-7: the session's process is gone after limit + grace" \
	    "$(tail -n 20 "$T/kagid.log")"
	kill -KILL "$child" 2>/dev/null
fi
log=$(grep 'event=session_close' "$T/kagid.log" | grep boss)
like "$log" '"reason":"time_limit"' "R-PRIV-7: audited as session_close reason time_limit"
like "$(cat "$T/kagid.log")" "ends in" "R-PRIV-7: kagid warned before the end"
like "$(cat "$T/kagid.log")" "SIGKILL" "R-PRIV-7: what ignored SIGHUP got SIGKILL after the grace time"

# --- off-boarding ends the user's open sessions (R-TOK-3) ------------------------
s=$(new_user leaver)
session_bg "$T/leaver.out" - -H -u leaver -t pts/5 pw-leaver "$(code_for "$s")"
child=$CHILD
check "a staff session opens before off-boarding (child $child)" test -n "$child"
t0=$(date +%s)
out=$(kagictl user offboard leaver)
like "$out" "off-boarded" "R-TOK-3: kagictl user offboard leaver"
if [ -n "$child" ] && gone "$child" $((GRACE + 5)); then
	ok "R-TOK-3: the off-boarded user's session process (ignoring SIGHUP) is gone within grace ($(elapsed_since "$t0") s)"
else
	not_ok "R-TOK-3: the off-boarded user's session process is gone within grace" \
	    "$(tail -n 20 "$T/kagid.log")"
	[ -n "$child" ] && kill -KILL "$child" 2>/dev/null
fi
log=$(grep 'event=session_close' "$T/kagid.log" | grep leaver)
like "$log" '"reason":"offboard"' "R-TOK-3: audited as session_close reason offboard"
like "$(grep 'event=offboard' "$T/kagid.log" | grep leaver)" '"sessions_ended":1' \
    "R-TOK-3: the offboard record counts the session it ended"

# --- a vendor session still open at its window's end is ended (R-REM-4) --------
# The window is the current minute, Tokyo time: it ends within a minute.
while [ "$(date +%S | sed 's/^0//')" -ge 45 ]; do sleep 1; done
day=$(TZ=Asia/Tokyo date +%a)
hm=$(TZ=Asia/Tokyo date +%H:%M)
h=${hm%:*}; m=${hm#*:}
end=$(( ${h#0} * 60 + ${m#0} + 1 ))
endhm=$(printf '%02d:%02d' $((end / 60)) $((end % 60)))
approved vendor add vend1 --company ACME --expires "$PERMIT_EXPIRES" \
    --window "$day $hm-$endhm" --from 127.0.0.2 --worker "Taro Yamada" \
    --place "ACME Osaka office" --work "maintenance" >/dev/null ||
	diag "vendor add with window $day $hm-$endhm failed"
echo "vend1:pw-vend1:sess" >>"$T/passdb"
s=$(enroll_totp vend1)
session_bg "$T/vend.out" - -u vend1 -r 127.0.0.2 pw-vend1 "$(code_for "$s")"
child=$CHILD
check "R-REM-1: the vendor's session opens inside its window ($day $hm-$endhm)" \
    test -n "$child"
like "$(cat "$T/vend.out")" "INFO: This session will be ended at" \
    "R-REM-4: the vendor is told when its window ends"
if gone "$child" $((60 + GRACE + 5)); then
	ok "R-REM-4: the vendor's session is ended at the window's end"
else
	not_ok "R-REM-4: the vendor's session is ended at the window's end" \
	    "$(tail -n 20 "$T/kagid.log")"
	kill -KILL "$child" 2>/dev/null
fi
log=$(grep 'event=session_close' "$T/kagid.log" | grep vend1)
like "$log" '"reason":"window_end"' "R-REM-4: audited as session_close reason window_end"
like "$log" '"rhost":"127.0.0.2"' "R-REM-4: ... with the vendor's source address"

# --- nobody registers another's process -----------------------------------------
out=$("$top_builddir/tests/rawclient" "$SOCK" session-other 2>&1)
like "$out" "error denied" "session_open for a process that is not the caller's is refused"

# --- the banner and the last log-in (R-MFA-5) -----------------------------------
kagictl user add lastu >/dev/null
add_user_password lastu pw-lastu
s=$(enroll_totp lastu)
wait_fresh_step 12
out=$(pam_run -u lastu -r 10.1.2.3 -o both pw-lastu "$(code_for "$s")")
is "$(result_of "$out" auth)/$(result_of "$out" acct)" PAM_SUCCESS/PAM_SUCCESS \
    "lastu logs in"
first=$(printf '%s\n' "$out" | grep -n 'INFO: Authorised use only.' | cut -d: -f1)
prompt=$(printf '%s\n' "$out" | grep -n 'PROMPT: Verification code' | cut -d: -f1)
check "R-MFA-5: the banner is shown before the code prompt" \
    test -n "$first" -a -n "$prompt" -a "${first:-99}" -lt "${prompt:-0}"
unlike "$out" "Last successful log-in" "the first log-in has no last log-in line"
pam_run -u lastu -r 10.9.8.7 -o auth pw-lastu 000000 >/dev/null
when=$(date +%Y-%m-%d)
out=$(pam_run -u lastu -r 10.4.4.4 -o both pw-lastu "$(code_for "$s" 1)")
like "$out" "INFO: Last successful log-in: $when" \
    "R-MFA-5: after a success, the previous success's time"
like "$out" "from 10.1.2.3 (totp); 1 failed attempts since" \
    "R-MFA-5: ... its address, factor, and the one failure since"

# --- kagid as an unprivileged user keeps CAP_KILL only (R-PRIV-7) ---------------
# Started as root with user = nobody, kagid drops to nobody but keeps
# CAP_KILL, and still ends a root-run session's processes.
if id nobody >/dev/null 2>&1; then
	chmod 755 "$T"
	SOCK2=$T/kagid2.sock
	{
		echo "socket = $SOCK2"
		echo "state_dir = $T/state2"
		echo "user = nobody"
		echo "privileged_session_max = 2s"
		echo "session_warn = 0"
		echo "session_grace = 1s"
		echo "fido2_rp_id = $RP"
		echo "approver_group = nogroup"
		echo "fido2_aaguids = $SOFTKEY_AAGUID"
	} >"$T/kagid2.conf"
	chmod 600 "$T/kagid2.conf"
	env LD_PRELOAD="$NSS_WRAPPER_LIB" NSS_WRAPPER_PASSWD="$T/passwd" \
	    NSS_WRAPPER_GROUP="$T/group" \
	    "$KAGID" -f -c "$T/kagid2.conf" 2>>"$T/kagid2.log" &
	K2=$!
	bg_register $K2
	n=0
	while [ ! -S "$SOCK2" ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
	st=$(cat /proc/$K2/status 2>/dev/null)
	is "$(printf '%s\n' "$st" | sed -n 's/^Uid:[[:space:]]*\([0-9]*\).*/\1/p')" \
	    "$(id -u nobody)" "kagid with user = nobody runs as nobody"
	is "$(printf '%s\n' "$st" | sed -n 's/^CapEff:[[:space:]]*//p')/$(printf '%s\n' "$st" | sed -n 's/^CapPrm:[[:space:]]*//p')" \
	    0000000000000020/0000000000000020 \
	    "R-PRIV-7: ... with CAP_KILL as its only capability (effective and permitted)"
	SOCK_SAVE=$SOCK; SOCK=$SOCK2
	new_privileged boss2 >/dev/null
	SOCK=$SOCK_SAVE
	echo "boss2:pw-boss2:sess2" >>"$T/passdb"
	sed "s|$SOCK|$SOCK2|g; s|:sess|:sess2|" "$T/pam.d/sess" >"$T/pam.d/sess2"
	with_key boss2 "$PAMDRV" -c "$T/pam.d" -s sess2 -o session -H \
	    -u boss2 pw-boss2 pin-boss2 >"$T/boss2.out" 2>>"$T/pamdrv.err" &
	bg_register $!
	n=0
	while [ -z "$(sed -n 's/^child=//p' "$T/boss2.out")" ] && [ $n -lt 50 ]; do
		sleep 0.1; n=$((n + 1))
	done
	child=$(sed -n 's/^child=//p' "$T/boss2.out")
	if [ -n "$child" ] && gone "$child" 10; then
		ok "R-PRIV-7: kagid as nobody (CAP_KILL) ends a root-run session's processes"
	else
		not_ok "R-PRIV-7: kagid as nobody (CAP_KILL) ends a root-run session's processes" \
		    "$(cat "$T/boss2.out")" "$(tail -n 5 "$T/kagid2.log")"
		[ -n "$child" ] && kill -KILL "$child" 2>/dev/null
	fi
else
	skip "kagid with user = nobody runs as nobody" "no user nobody"
	skip "R-PRIV-7: ... with CAP_KILL as its only capability" "no user nobody"
	skip "R-PRIV-7: kagid as nobody (CAP_KILL) ends a root-run session's processes" "no user nobody"
fi

finish
