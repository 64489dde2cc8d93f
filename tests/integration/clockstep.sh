#!/bin/sh
# clockstep.sh - kagid's wall clock stepped while it runs (issue 13, item 5;
# R-LOG-4, R-MFA-5, R-INC-1).
#
# kagid runs under libfaketime with its offset in a file the test rewrites
# (FAKETIME_TIMESTAMP_FILE, re-read at every call), the monotonic clock
# left alone.  A user locked for an hour stays locked when the clock jumps
# a day ahead, and after a restart; failures counted before the jump still
# count toward the lock; every step larger than the TOTP window is an
# audit record and an alert, a smaller one a record only; a step back
# moves nothing and shortens nothing.

. "$(dirname "$0")/lib.sh"

[ -x "$PAMDRV" ] && [ -f "$MODULE" ] && [ -x "$TOTPGEN" ] ||
	skip_all "pamdrv, totpgen or pam_kagi.so not built"
[ -n "$PAM_MATRIX" ] || skip_all "pam_matrix (pam_wrapper) not installed"
kagid_built
kagictl_built
LIBFAKETIME=
for f in /usr/lib/*/faketime/libfaketime.so.1 /usr/lib/faketime/libfaketime.so.1; do
	[ -f "$f" ] && LIBFAKETIME=$f && break
done
[ -n "$LIBFAKETIME" ] || skip_all "libfaketime is not installed"

plan 20

alert_sink
echo "+0" >"$T/faketime"
KAGID_REAL=$KAGID
cat >"$T/kagid-ft" <<EOF
#!/bin/sh
LD_PRELOAD=$LIBFAKETIME
FAKETIME_TIMESTAMP_FILE=$T/faketime
FAKETIME_NO_CACHE=1
FAKETIME_DONT_FAKE_MONOTONIC=1
export LD_PRELOAD FAKETIME_TIMESTAMP_FILE FAKETIME_NO_CACHE FAKETIME_DONT_FAKE_MONOTONIC
exec "$KAGID_REAL" "\$@"
EOF
chmod 755 "$T/kagid-ft"
KAGID=$T/kagid-ft
CONF="lockout_failures=3 lockout_interval=15m lockout_duration=1h
alert_command=$T/alert.sh"
# shellcheck disable=SC2086
start_kagid $CONF || { echo "Bail out! kagid did not start"; exit 1; }
write_service

# step OFFSET: kagid's clock is now OFFSET from the real one; wait for
# its loop (at least once a second) to see it.
step() {
	echo "$1" >"$T/faketime"
	sleep 2
}

# last_step: the newest clock_step record.
last_step() {
	kagictl audit export --json --event clock_step | tail -n 1
}

seconds_of() {
	printf '%s\n' "$1" | sed -n 's/.*"seconds":\(-\{0,1\}[0-9]*\).*/\1/p'
}

sa=$(new_user alice)
sd=$(new_user dave)
for i in 1 2 3; do
	pam_run -u alice -o auth pw-alice 000000 >/dev/null
done
like "$(kagictl user show alice)" "Lock: locked until" "alice is locked for an hour"
pam_run -u dave -o auth pw-dave 000000 >/dev/null
pam_run -u dave -o auth pw-dave 000000 >/dev/null
like "$(kagictl user show dave)" "Lock: not locked; 2 recent failures" \
    "dave has two failures of three"

# --- a day ahead -----------------------------------------------------------------
step "+1d"
rec=$(last_step)
like "$rec" '"direction":"forward"' "R-LOG-4: the step a day ahead is an audit record"
n=$(seconds_of "$rec")
check "R-LOG-4: ... of a day ($n s)" test "${n:-0}" -ge 86399 -a "${n:-0}" -le 86401
a=$(grep -F '"event":"clock_step"' "$T/alerts")
like "$a" '"direction":"forward"' \
    "R-INC-1: a step larger than the TOTP window is an alert (alert_command)"
like "$(cat "$T/kagid.log")" "running locks, intervals and throttles moved" \
    "kagid says it moved the running locks"
# The code for kagid's time: a day is 2880 steps of 30 s.
c=$("$TOTPGEN" -p "$TOTP_PERIOD" -o 2880 "$sa")
out=$(pam_run -u alice -o both pw-alice "$c")
is "$(result_of "$out" auth)" PAM_AUTH_ERR \
    "R-LOG-4 R-MFA-5: a day ahead, alice's hour-long lock still refuses the right code"
is "$(result_of "$out" acct)" PAM_PERM_DENIED "R-LOG-4: ... and the account step"
like "$(kagictl --json user show alice | tr -d ' \n')" '"lock":{"failures":1' \
    "... that attempt counted, as every attempt while locked"
pam_run -u dave -o auth pw-dave 000000 >/dev/null
like "$(kagictl user show dave)" "Lock: locked until" \
    "R-LOG-4: failures from before the step still count: dave's third locks"

# --- the store keeps the moved times: a restart changes nothing -------------------
stop_kagid
# shellcheck disable=SC2086
start_kagid $CONF || { echo "Bail out! kagid did not restart"; exit 1; }
out=$(pam_run -u alice -o acct)
is "$(result_of "$out" acct)" PAM_PERM_DENIED \
    "R-LOG-4: restarted on the stepped clock, alice is still locked"

# --- back again --------------------------------------------------------------------
step "+0"
rec=$(last_step)
like "$rec" '"direction":"back"' "R-LOG-4: the step back is recorded"
n=$(seconds_of "$rec")
check "R-LOG-4: ... of a day ($n s)" test "${n:-0}" -le -86399 -a "${n:-0}" -ge -86401
like "$(grep -F '"event":"clock_step"' "$T/alerts")" '"direction":"back"' \
    "R-INC-1: ... and an alert"
like "$rec" '"moved":0' "a step back moves nothing"
out=$(pam_run -u alice -o acct)
is "$(result_of "$out" acct)" PAM_PERM_DENIED \
    "R-LOG-4: the clock moved back shortens no lock"

# --- a step within the TOTP window ---------------------------------------------------
nalerts=$(grep -c '"event":"clock_step"' "$T/alerts")
step "+10"
rec=$(last_step)
n=$(seconds_of "$rec")
check "R-LOG-4: a step of 10 s is recorded too ($n s)" test "${n:-0}" -ge 9 -a "${n:-0}" -le 11
like "$rec" '"totp_window_seconds":30' "... with the TOTP window it was judged by"
sleep 1
is "$(grep -c '"event":"clock_step"' "$T/alerts")" "$nalerts" \
    "... but it is no alert: it stays within the TOTP window"
out=$(pam_run -u alice -o acct)
is "$(result_of "$out" acct)" PAM_PERM_DENIED "alice is still locked"

finish
