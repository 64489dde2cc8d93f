#!/bin/sh
# idle.sh - the idle time-out per role (issue 13, item 12; R-MFA-5),
# through a real PAM stack (pamdrv, pam_matrix, pam_kagi), a real kagid
# and a stand-in for systemd-logind (tests/fakelogind.c) on the test's
# own system bus (dbus-daemon; kagid finds it through
# DBUS_SYSTEM_BUS_ADDRESS, as sd_bus_open_system does).
#
# What it shows:
#  - R-MFA-5: a staff session logind reports idle for longer than
#    staff_session_idle is ended (its process gets SIGHUP), audited as
#    session_close reason idle;
#  - a session logind reports active, and one logind does not know (no
#    XDG_SESSION_ID: what the time-out cannot see), stay open;
#  - R-MFA-5: the time-out is per role: a privileged session idle for
#    longer than the staff time-out but shorter than
#    privileged_session_idle stays open, and is ended once idle past it;
#  - R-AVL-1: logind hanging holds kagid's loop about a second at most:
#    kagid keeps answering and a log-in passes;
#  - the bus going away (logind stopped) ends nothing and kagid keeps
#    answering.
# pamdrv -o session makes itself a session leader first, so the session
# kagid ends is never the test's own.

. "$(dirname "$0")/lib.sh"

[ -x "$PAMDRV" ] && [ -f "$MODULE" ] && [ -x "$TOTPGEN" ] ||
	skip_all "pamdrv, totpgen or pam_kagi.so not built"
kagid_built
kagictl_built
[ -n "$PAM_MATRIX" ] || skip_all "pam_matrix (pam_wrapper) not installed"
FAKELOGIND=$top_builddir/tests/fakelogind
[ -f "$SHIM" ] && [ -x "$SKTOOL" ] || skip_all "the software key is not built"
can_approve || skip_all "needs root, setpriv and nogroup to approve requests"
if ! command -v dbus-daemon >/dev/null 2>&1; then
	echo "Bail out! dbus-daemon (Debian: dbus-daemon) is needed"
	exit 1
fi

plan 15

# The test's own system bus and the stand-in logind.
cat >"$T/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$T/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
CONF
dbus-daemon --config-file="$T/bus.conf" --nofork --nopidfile \
    2>>"$T/bus.err" &
bg_register $!
_i=0
while [ ! -S "$T/bus" ] && [ $_i -lt 50 ]; do
	sleep 0.1
	_i=$((_i + 1))
done
DBUS_SYSTEM_BUS_ADDRESS=unix:path=$T/bus
export DBUS_SYSTEM_BUS_ADDRESS
mkdir -p "$T/logind"
"$FAKELOGIND" "$T/logind" >"$T/fakelogind.out" 2>>"$T/fakelogind.err" &
LOGIND_PID=$!
bg_register $LOGIND_PID
_i=0
while ! grep -q ready "$T/fakelogind.out" 2>/dev/null && [ $_i -lt 50 ]; do
	sleep 0.1
	_i=$((_i + 1))
done
grep -q ready "$T/fakelogind.out" ||
	{ echo "Bail out! fakelogind did not start: $(cat "$T/fakelogind.err")"; exit 1; }

STAFF_IDLE=4
PRIV_IDLE=30
chmod 711 "$T"
# dave, below, is an account of the test's own: it enrolls its own key.
test_accounts || skip_all "libnss_wrapper.so not found (libnss-wrapper)"
start_kagid staff_session_idle=${STAFF_IDLE}s \
    privileged_session_idle=${PRIV_IDLE}s session_grace=2s \
    fido2_rp_id=pam://kagi-test approver_group=nogroup \
    fido2_aaguids=$SOFTKEY_AAGUID ||
	{ echo "Bail out! kagid did not start"; exit 1; }
mkdir -p "$T/pam.d"
{
	echo "auth required $PAM_MATRIX passdb=$T/passdb"
	echo "auth required $MODULE socket=$SOCK timeout=3"
	echo "account required $MODULE socket=$SOCK timeout=2"
	echo "session required $MODULE socket=$SOCK timeout=2"
} >"$T/pam.d/sess"

# logind_says ID active|SECONDS-AGO: what the stand-in reports for ID.
logind_says() {
	if [ "$2" = active ]; then
		echo active >"$T/logind/$1"
	else
		echo "idle $(( $(date +%s) - $2 ))" >"$T/logind/$1"
	fi
}

# new_user NAME: a staff user with a TOTP token; prints the secret.
new_user() {
	kagictl user add "$1" >/dev/null ||
	    { diag "user add $1 failed"; return 1; }
	echo "$1:pw-$1:sess" >>"$T/passdb"
	enroll_totp "$1"
}

# closed_reason USER: the reason of USER's last session_close.
closed_reason() {
	grep 'event=session_close' "$T/kagid.log" | grep "$1" |
	    sed -n 's/.*"reason":"\([a-z_]*\)".*/\1/p' | tail -n 1
}

# --- staff: idle past the time-out, active, unknown to logind -------------------
sa=$(new_user alice)
sb=$(new_user bob)
sc=$(new_user carol)
logind_says c1 "$((STAFF_IDLE + 10))"
logind_says c2 active
session_bg "$T/alice.out" - -e XDG_SESSION_ID=c1 -u alice -t pts/3 \
    pw-alice "$(code_for "$sa")"
alice=$CHILD
session_bg "$T/bob.out" - -e XDG_SESSION_ID=c2 -u bob -t pts/4 \
    pw-bob "$(code_for "$sb")"
bob=$CHILD
session_bg "$T/carol.out" - -u carol -t pts/5 pw-carol "$(code_for "$sc")"
carol=$CHILD
check "three staff sessions open ($alice $bob $carol)" \
    test -n "$alice" -a -n "$bob" -a -n "$carol"
if gone "$alice" $((STAFF_IDLE + 10)); then
	ok "R-MFA-5: a staff session idle past staff_session_idle is ended"
else
	not_ok "R-MFA-5: a staff session idle past staff_session_idle is ended" \
	    "$(tail -n 20 "$T/kagid.log")"
fi
is "$(closed_reason alice)" idle "R-MFA-5: ... audited as session_close reason idle"
check "a session logind reports active stays open" kill -0 "${bob:-none}"
check "a session logind does not know stays open (it cannot see it)" \
    kill -0 "${carol:-none}"
# bob stops typing: idle since long enough.
logind_says c2 "$((STAFF_IDLE + 1))"
if gone "$bob" $((STAFF_IDLE + 10)); then
	ok "R-MFA-5: ... and is ended once logind reports it idle past the time-out"
else
	not_ok "R-MFA-5: ... and is ended once logind reports it idle past the time-out"
fi

# --- privileged: its own, longer time-out ---------------------------------------
duid=$(test_account dave)
approved user add dave --role privileged >/dev/null
echo "dave:pw-dave:sess" >>"$T/passdb"
mkdir "$T/keys"
"$SKTOOL" init "$T/keys/dave" --pin pin-dave >/dev/null
tok=$(enroll_key_granted "$duid" dave "$T/keys/dave" pin-dave)
mv "$T/keys/dave" "$T/key.dave"		# where with_key looks
check "R-PRIV-3: an approved privileged user enrolls a key ($tok)" test -n "$tok"
logind_says c4 "$((STAFF_IDLE + 2))"
session_bg "$T/dave.out" dave -e XDG_SESSION_ID=c4 -u dave \
    -t pts/6 pw-dave pin-dave
dave=$CHILD
sleep $((STAFF_IDLE + 2))
check "R-MFA-5: a privileged session idle past the staff time-out, not its own, stays open" \
    kill -0 "${dave:-none}"
logind_says c4 "$((PRIV_IDLE + 1))"
if gone "$dave" 20; then
	ok "R-MFA-5: ... and is ended once idle past privileged_session_idle"
else
	not_ok "R-MFA-5: ... and is ended once idle past privileged_session_idle"
fi
is "$(closed_reason dave)" idle "R-MFA-5: ... reason idle"

# --- logind hangs: kagid's loop is held about a second at most ------------------
# Five sessions logind knows, then logind stopped (SIGSTOP): each question
# would wait its second; the scan stops at the first unanswered one.
for u in e1 e2 e3 e4 e5; do
	se=$(new_user $u)
	logind_says "s$u" active
	session_bg "$T/$u.out" - -e XDG_SESSION_ID="s$u" -u $u -t pts/8 \
	    pw-$u "$(code_for "$se")"
done
sf=$(new_user frank)
kill -STOP "$LOGIND_PID"
sleep 2
worst=0
for i in 1 2 3 4 5 6; do
	t0=$(date +%s%N)
	kagictl status >/dev/null
	t=$(( ($(date +%s%N) - t0) / 1000000 ))
	[ $t -gt $worst ] && worst=$t
	sleep 0.3
done
check "R-AVL-1: with logind hung, kagid answers within 2.5 s (worst $worst ms)" \
    test $worst -lt 2500
out=$(PAM_SERVICE_NAME=sess pam_run -o both -u frank pw-frank \
    "$(code_for "$sf")")
is "$(result_of "$out" auth)/$(result_of "$out" acct)" PAM_SUCCESS/PAM_SUCCESS \
    "R-AVL-1: ... and a log-in passes"
like "$(cat "$T/kagid.log")" "logind did not answer" "... and kagid says logind hangs"
kill -CONT "$LOGIND_PID"

# --- logind goes away: nothing is ended, kagid keeps answering -----------------
kill "$LOGIND_PID"
logind_says c2 999
sleep $((STAFF_IDLE / 2 + 2))
check "with logind gone, carol's session stays open" kill -0 "${carol:-none}"
check "... and kagid answers" kagictl status
kill "$carol" 2>/dev/null

finish
