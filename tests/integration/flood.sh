#!/bin/sh
# flood.sh - an attacker on the network against a real kagid and real PAM
# stacks (issue 13, items 3, 4 and 6; R-MFA-5, R-PRIV-5, R-INC-1, R-AVL-1).
#
# What it shows, with kagid's default delays:
#  - one wrong code from each of five addresses: the answers wait longer
#    each time (0, 1, 2, 4 s, then the lock's 8 s); the staff account's
#    remote log-ins are locked, with an alert (alert_command) naming five
#    sources; the console still logs in, the network does not;
#  - a name that is no user is held just as long as a user;
#  - after a lock has ended one wrong code locks again, twice as long,
#    until a success;
#  - a privileged user with a FIDO2 key (the software key) locked from
#    three addresses, until an administrator unlocks, still logs in at the
#    console with the key and its PIN; there the stricter rule holds too.

. "$(dirname "$0")/lib.sh"

SHIM=$top_builddir/tests/softkey/.libs/libsoftkey_shim.so
SKTOOL=$top_builddir/tests/softkey/softkeytool
[ -x "$PAMDRV" ] && [ -f "$MODULE" ] && [ -x "$TOTPGEN" ] ||
	skip_all "pamdrv, totpgen or pam_kagi.so not built"
[ -f "$SHIM" ] && [ -x "$SKTOOL" ] || skip_all "the software key is not built"
[ -n "$PAM_MATRIX" ] || skip_all "pam_matrix (pam_wrapper) not installed"
kagid_built
kagictl_built
can_approve || skip_all "needs root, setpriv and nogroup to approve requests"

plan 32

RP=pam://kagi-test
# The module waits longer than kagid's longest delay (8 s).
KAGI_TIMEOUT=15
chmod 711 "$T"
alert_sink

# The defaults, named: failure_delay 1 s doubling to 8 s, relock after 1.
# Compliance reads the shipped stacks and a banner.
echo "Authorised use only." >"$T/banner"
start_kagid failure_delay=1s failure_delay_max=8s "alert_command=$T/alert.sh" \
    "fido2_rp_id=$RP" approver_group=nogroup "banner_file=$T/banner" \
    "compliance_pam_dir=$top_srcdir/conf/pam.d" ||
	{ echo "Bail out! kagid did not start"; exit 1; }
write_service

# What kagictl compliance says of the scheme is a claim (R-AUD-1).
out=$(kagictl compliance)
like "$out" "; failures from an address lock remote log-ins only; answers to failures held 1 s doubling to 8 s; after a lock 1 failure(s) lock again until a success" \
    "R-AUD-1 R-MFA-5: compliance states the remote locks, the delays and the relock in force"
like "$out" "nobody on the network can lock a user out of the console; a uid other than root holds at most 16 of the 256 connections, and root's (pam_kagi) always finds a place" \
    "R-AUD-1 R-AVL-1: compliance states the console kept and the connection limits"

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# timed OUT-VAR MS-VAR pam_run ARGS...: pam_run's output and how long it took.
timed() {
	_o=$1 _m=$2
	shift 2
	_t0=$(now_ms)
	_out=$("$@")
	eval "$_o=\$_out"
	eval "$_m=$(( $(now_ms) - _t0 ))"
}

# wait_alert TEXT: the alert hook got a record holding TEXT (3 s at most).
wait_alert() {
	_i=0
	while ! grep -qF -- "$1" "$T/alerts" && [ $_i -lt 30 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	grep -F -- "$1" "$T/alerts"
}

# --- staff: one wrong code from each of five addresses (item 3) -------------------
s=$(new_user alice)
# A code stays good a step either side (totp_window): long enough.
c=$(code_for "$s")
w=$(wrong_code "$c")
ms=""
res=""
for i in 1 2 3 4 5; do
	timed out t pam_run -u alice -r "10.13.0.$i" -o auth pw-alice "$w"
	ms="$ms $t"
	res="$res $(result_of "$out" auth)"
done
set -- $ms
is "$res" " PAM_AUTH_ERR PAM_AUTH_ERR PAM_AUTH_ERR PAM_AUTH_ERR PAM_AUTH_ERR" \
    "five wrong codes from five addresses are refused"
check "R-MFA-5: the first answer is not held ($1 ms)" test "$1" -lt 1000
check "R-MFA-5: the answers wait longer each time: $2, $3, $4 ms (1, 2, 4 s)" \
    test "$2" -ge 1000 -a "$3" -ge 2000 -a "$4" -ge 4000
check "R-MFA-5: the failure that locks waits failure_delay_max ($5 ms)" \
    test "$5" -ge 8000
out=$(kagictl user show alice)
like "$out" "Remote log-ins: locked until" \
    "R-AVL-1: the five addresses locked alice's remote log-ins"
like "$out" "Lock: not locked" "R-AVL-1: ... and not the account"
rec=$(kagictl audit export --json --event lockout --user alice | tail -n 1)
like "$rec" '"scope":"remote"' "the lockout record says it is the remote log-ins'"
like "$rec" '"sources":5' "... caused by five sources"
a=$(wait_alert '"user":"alice"')
like "$a" '"event":"lockout"' \
    "R-INC-1: a lock caused by more than one source is an alert (alert_command)"
out=$(pam_run -u alice -o both pw-alice "$c")
is "$(result_of "$out" auth)/$(result_of "$out" acct)" PAM_SUCCESS/PAM_SUCCESS \
    "R-AVL-1: at the console alice logs in with her code"
timed out t pam_run -u alice -r 10.13.0.9 -o auth pw-alice "$(code_for "$s" 1)"
is "$(result_of "$out" auth)" PAM_AUTH_ERR \
    "R-MFA-5: from the network even the right code is refused"
check "R-MFA-5: ... after the longest delay, as every attempt while locked ($t ms)" \
    test "$t" -ge 8000
out=$(pam_run -u alice -r 10.13.0.9 -o acct)
is "$(result_of "$out" acct)" PAM_PERM_DENIED \
    "R-MFA-5: the account step refuses the network too"

# --- a name that is no user is held as a user is (item 6) ------------------------
add_user_password nosuchuser pw-nosuchuser
ms=""
for i in 1 2 3; do
	timed out t pam_run -u nosuchuser -o auth pw-nosuchuser 000000
	ms="$ms $t"
done
set -- $ms
is "$(result_of "$out" auth)" PAM_AUTH_ERR "an unknown name is refused as a wrong code"
check "R-MFA-5: its answers wait as a user's would: $1, $2, $3 ms (0, 1, 2 s)" \
    test "$1" -lt 1000 -a "$2" -ge 1000 -a "$3" -ge 2000
like "$(kagictl audit export --json --event auth --user nosuchuser | tail -n 1)" \
    '"reason":"unknown_user"' "... and recorded as unknown_user"

# --- after a lock, one failure locks again (item 4) --------------------------------
stop_kagid
# boss, below, is an account of the test's own: it enrolls its own key.
test_accounts || skip_all "libnss_wrapper.so not found (libnss-wrapper)"
start_kagid failure_delay=0 lockout_duration=2s "fido2_rp_id=$RP" \
    "alert_command=$T/alert.sh" approver_group=nogroup \
    fido2_aaguids=$SOFTKEY_AAGUID ||
	{ echo "Bail out! kagid did not start"; exit 1; }
s=$(new_user bob)
c=$(code_for "$s")
for i in 1 2 3 4 5; do
	pam_run -u bob -o auth pw-bob "$(wrong_code "$c")" >/dev/null
done
like "$(kagictl user show bob)" "Lock: locked until" "five failures lock bob (2 s)"
sleep 3
like "$(kagictl user show bob)" "Lock: not locked" "the lock ends"
pam_run -u bob -o auth pw-bob "$(wrong_code "$c")" >/dev/null
like "$(kagictl user show bob)" "Lock: locked until" \
    "R-MFA-5: after a lock, one wrong code locks again"
is "$(kagictl --json user show bob | tr -d ' \n' |
    sed -n 's/.*"lock":{[^}]*"lock_count":\([0-9]*\).*/\1/p')" 2 \
    "... a second lock (twice as long: 4 s)"
sleep 5
out=$(pam_run -u bob -o both pw-bob "$c")
is "$(result_of "$out" auth)/$(result_of "$out" acct)" PAM_SUCCESS/PAM_SUCCESS \
    "bob logs in once that lock has ended"
pam_run -u bob -o auth pw-bob "$(wrong_code "$c")" >/dev/null
like "$(kagictl user show bob)" "Lock: not locked; 1 recent failures" \
    "R-MFA-5: after a success the full quota is back"

# --- a privileged user: the network cannot take the console (R-PRIV-5) ---------------
buid=$(test_account boss)
approved user add boss --role privileged >/dev/null
add_user_password boss pw-boss
mkdir "$T/keys"
"$SKTOOL" init "$T/keys/kP" --pin 5555 >/dev/null
with_key() {
	env LD_PRELOAD="$SHIM" KAGI_SOFTKEY_STATE="$T/keys/kP" "$@"
}
tok=$(enroll_key_granted "$buid" boss "$T/keys/kP" 5555)
check "boss enrolls a FIDO2 key (a second person approved, R-PRIV-3)" \
    test -n "$tok"
# login_key RHOST|- PIN: auth then account with the key plugged in.
login_key() {
	_r=
	[ "$1" != - ] && _r="-r $1"
	# shellcheck disable=SC2086
	with_key "$PAMDRV" -c "$T/pam.d" -s "$SERVICE" -u boss $_r -o both \
	    pw-boss "$2" 2>>"$T/pamdrv.err"
}
for i in 1 2 3; do
	login_key "10.14.0.$i" 9999 >/dev/null
done
out=$(kagictl user show boss)
like "$out" "Remote log-ins: locked until an administrator unlocks them" \
    "R-PRIV-5: three wrong PINs from three addresses lock boss's remote log-ins until an unlock"
like "$out" "Lock: not locked" "R-PRIV-5: ... not the account"
a=$(wait_alert '"user":"boss"')
like "$a" '"event":"lockout"' "R-INC-1: the privileged lock is an alert"
out=$(login_key - 5555)
is "$(result_of "$out" auth)/$(result_of "$out" acct)" PAM_SUCCESS/PAM_SUCCESS \
    "R-PRIV-5 R-AVL-1: at the console boss logs in with the key and its PIN"
out=$(login_key 10.14.0.9 5555)
is "$(result_of "$out" auth)" PAM_AUTH_ERR \
    "R-PRIV-5: from the network the right PIN is refused until an unlock"
for i in 1 2 3; do
	login_key - 9999 >/dev/null
done
like "$(kagictl user show boss)" "Lock: locked until an administrator unlocks it" \
    "R-PRIV-5: at the console three wrong PINs lock the account until an unlock"
kagictl unlock boss >/dev/null 2>&1
out=$(login_key 10.14.0.9 5555)
is "$(result_of "$out" auth)/$(result_of "$out" acct)" PAM_SUCCESS/PAM_SUCCESS \
    "an administrator's unlock opens both"

finish
