#!/bin/sh
# session_nosid.sh - a log-in in a session whose leader kagid cannot see
# (session id 0, as in a container whose first process came from
# outside), through a real PAM stack and a real kagid, both in a pid
# namespace of their own (unshare; needs root).
#
# What it shows:
#  - R-PRIV-7/R-REM-4: the session is registered and audited (sid 0),
#    not refused: such a log-in has no other session to be in;
#  - R-TOK-3: off-boarding the user ends that session's processes (the
#    host and its descendants), and only those: a process that merely
#    shares session id 0 is never signalled.

if [ "${KAGI_IN_PIDNS:-}" != 1 ]; then
	if [ "$(id -u)" -ne 0 ] || ! command -v unshare >/dev/null 2>&1; then
		echo "1..0 # SKIP needs root and unshare(1) for a pid namespace"
		exit 0
	fi
	KAGI_IN_PIDNS=1 exec unshare --pid --fork --mount-proc sh "$0" "$@"
fi

. "$(dirname "$0")/lib.sh"

[ -x "$PAMDRV" ] && [ -f "$MODULE" ] && [ -x "$TOTPGEN" ] ||
	skip_all "pamdrv, totpgen or pam_kagi.so not built"
kagid_built
kagictl_built

plan 7

is "$(cut -d' ' -f6 /proc/self/stat)" 0 \
    "the test runs in session 0 (its leader is outside the namespace)"
# kagid in a session of its own, as systemd starts it.
KAGID_PREFIX=setsid start_kagid session_grace=2s ||
	{ echo "Bail out! kagid did not start"; exit 1; }
write_service
{
	echo "auth required $PAM_MATRIX passdb=$T/passdb"
	echo "auth required $MODULE socket=$SOCK timeout=3"
	echo "account required $MODULE socket=$SOCK timeout=2"
	echo "session required $MODULE socket=$SOCK timeout=2"
} >"$T/pam.d/sess"
kagictl user add yamada >/dev/null
echo "yamada:pw-yamada:sess" >>"$T/passdb"
secret=$(enroll_totp yamada)

# A process of session 0 that is no part of the log-in.
sleep 300 &
bystander=$!
bg_register $bystander

${PAMDRV_PREFIX:-} "$PAMDRV" -c "$T/pam.d" -s sess -o session -N -u yamada -t pts/7 \
    pw-yamada "$(code_for "$secret")" >"$T/out" 2>>"$T/pamdrv.err" &
host=$!
bg_register $host
child=
n=0
while [ $n -lt 50 ] && [ -z "$child" ]; do
	child=$(sed -n 's/^child=//p' "$T/out" 2>/dev/null)
	[ -n "$child" ] || sleep 0.1
	n=$((n + 1))
done
like "$(cat "$T/out")" "open=PAM_SUCCESS" \
    "R-PRIV-7: a log-in in session 0 opens its session"
like "$(grep 'event=session_open' "$T/kagid.log" | grep yamada)" '"sid":0' \
    "R-PRIV-7: audited as session_open with sid 0"

out=$(kagictl user offboard yamada)
like "$out" "off-boarded" "R-TOK-3: kagictl user offboard yamada"
n=0
while [ $n -lt 70 ] && kill -0 "$host" 2>/dev/null; do
	sleep 0.1
	n=$((n + 1))
done
if kill -0 "$host" 2>/dev/null; then
	not_ok "R-TOK-3: the log-in's host process is ended" \
	    "$(tail -n 20 "$T/kagid.log")"
else
	ok "R-TOK-3: the log-in's host process is ended"
fi
if [ -n "$child" ] && ! kill -0 "$child" 2>/dev/null; then
	ok "R-TOK-3: the log-in's shell (a descendant) is ended"
else
	not_ok "R-TOK-3: the log-in's shell (a descendant) is ended"
fi
check "a process that only shares session id 0 is never signalled" \
    kill -0 "$bystander"

finish
