#!/bin/sh
# sshd.sh - a vendor through a real OpenSSH server on loopback (R-REM-1,
# R-REM-3, R-REM-4): Debian's sshd, started by this test with its own
# config, host key and port, its PAM stack (pam_matrix for the password,
# pam_kagi for auth, account and session) read through pam_wrapper, and
# the vendor user given to sshd by nss_wrapper (no system user is
# created).  The ssh client answers keyboard-interactive prompts through
# an askpass program.
#
# What it shows:
#  - R-REM-1/R-REM-3: the vendor logs in with password and TOTP inside
#    its window from its address (ssh -b 127.0.0.2);
#  - R-MFA-5: sshd's account stack, run in the keyboard-interactive child
#    with the same PAM handle, confirms the log-in; an interactive log-in
#    shows the previous one and when its session ended;
#  - from another address (127.0.0.3) the same vendor is refused;
#  - R-REM-4: a vendor session through sshd still open when its window
#    ends is ended by kagid (the ssh client returns), audited window_end.
# Skipped, saying why, when sshd, ssh, pam_wrapper or nss_wrapper are
# missing or the test is not root (sshd's privilege separation).

. "$(dirname "$0")/lib.sh"

[ -x "$PAMDRV" ] && [ -f "$MODULE" ] && [ -x "$TOTPGEN" ] ||
	skip_all "pamdrv, totpgen or pam_kagi.so not built"
kagid_built
kagictl_built
[ -n "$PAM_MATRIX" ] || skip_all "pam_matrix (pam_wrapper) not installed"
# Debian's sshd carries no ASan runtime, so it cannot load a module built
# with --enable-sanitizers; the plain run of the suite covers this test
# (scripts/count-results.sh accepts this reason in a sanitizer build only).
if ldd "$MODULE" 2>/dev/null | grep -q libasan; then
	skip_all "sanitizer build: Debian's sshd cannot load an ASan pam_kagi.so"
fi
SSHD=/usr/sbin/sshd
[ -x "$SSHD" ] || skip_all "sshd not installed (Debian package openssh-server)"
command -v ssh >/dev/null 2>&1 && command -v ssh-keygen >/dev/null 2>&1 ||
	skip_all "ssh not installed (Debian package openssh-client)"
[ "$(id -u)" = 0 ] || skip_all "sshd's privilege separation needs root"
# A vendor account needs a second person's approval (R-PRIV-3).
can_approve || skip_all "needs setpriv and nogroup to approve requests"
PAMWRAP=
NSSWRAP=
for d in /usr/lib/x86_64-linux-gnu /usr/lib/*-linux-gnu /usr/lib64 /usr/lib; do
	[ -z "$PAMWRAP" ] && [ -f "$d/libpam_wrapper.so" ] && PAMWRAP=$d/libpam_wrapper.so
	[ -z "$NSSWRAP" ] && [ -f "$d/libnss_wrapper.so" ] && NSSWRAP=$d/libnss_wrapper.so
done
[ -n "$PAMWRAP" ] || skip_all "libpam_wrapper.so not found (libpam-wrapper)"
[ -n "$NSSWRAP" ] || skip_all "libnss_wrapper.so not found (libnss-wrapper)"
# sshd's privilege separation directory (as its package creates it).
[ -d /run/sshd ] || mkdir -m 0755 /run/sshd ||
	skip_all "/run/sshd does not exist and cannot be made"

plan 11

GRACE=2
chmod 711 "$T"
# Three log-ins in one window: codes of this step and the two after it.
start_kagid session_grace=${GRACE}s approver_group=nogroup totp_window=2 ||
	{ echo "Bail out! kagid did not start"; exit 1; }

# The fake user database of sshd and its PAM stack.
VUID=42420
mkdir -p "$T/home" "$T/pam"
chmod 755 "$T" "$T/home"
cat /etc/passwd >"$T/passwd"
echo "vend1:x:$VUID:$VUID:kagi test vendor:$T/home:/bin/sh" >>"$T/passwd"
cat /etc/group >"$T/group"
echo "vend1:x:$VUID:" >>"$T/group"
echo "vend1:pw-vend1:sshd" >"$T/passdb"
{
	echo "auth required $PAM_MATRIX passdb=$T/passdb"
	echo "auth required $MODULE socket=$SOCK timeout=5 zone=internet"
	echo "account required $MODULE socket=$SOCK timeout=5 zone=internet"
	echo "session required $MODULE socket=$SOCK timeout=5 zone=internet"
} >"$T/pam/sshd"

PORT=$((20000 + $$ % 20000))
ssh-keygen -q -t ed25519 -N '' -f "$T/hostkey" >/dev/null
cat >"$T/sshd_config" <<CONF
Port $PORT
ListenAddress 127.0.0.1
HostKey $T/hostkey
PidFile $T/sshd.pid
UsePAM yes
KbdInteractiveAuthentication yes
PasswordAuthentication no
PubkeyAuthentication no
AuthenticationMethods keyboard-interactive
PermitRootLogin no
StrictModes no
UseDNS no
MaxAuthTries 2
CONF

env LD_PRELOAD="$NSSWRAP $PAMWRAP" NSS_WRAPPER_PASSWD="$T/passwd" \
    NSS_WRAPPER_GROUP="$T/group" PAM_WRAPPER=1 \
    PAM_WRAPPER_SERVICE_DIR="$T/pam" \
    "$SSHD" -D -e -f "$T/sshd_config" 2>"$T/sshd.log" &
SSHD_PID=$!
bg_register $SSHD_PID
n=0
while ! grep -q "Server listening" "$T/sshd.log" 2>/dev/null; do
	if ! kill -0 $SSHD_PID 2>/dev/null || [ $n -ge 50 ]; then
		skip_all "sshd did not start: $(tail -n 3 "$T/sshd.log" | tr '\n' ' ')"
	fi
	sleep 0.1
	n=$((n + 1))
done

# The askpass program: the password, then the code in $T/code.
cat >"$T/askpass" <<ASK
#!/bin/sh
case "\$1" in
*assword*) echo pw-vend1 ;;
*erification*) cat "$T/code" ;;
*) echo no ;;
esac
ASK
chmod 755 "$T/askpass"

# vssh FROM-ADDRESS COMMAND: ssh as vend1 from that loopback address.
vssh() {
	_from=$1
	shift
	SSH_ASKPASS="$T/askpass" SSH_ASKPASS_REQUIRE=force DISPLAY=:0 \
	    setsid ssh -n -F /dev/null -b "$_from" -p "$PORT" \
	    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	    -o PreferredAuthentications=keyboard-interactive \
	    -o NumberOfPasswordPrompts=1 -o LogLevel=ERROR \
	    -o ConnectTimeout=10 vend1@127.0.0.1 "$@"
}

# The window: the current minute, Tokyo time (ends within a minute); at
# least 45 s of it left for the log-ins below, which also keeps them in
# one TOTP step and the next (steps start at :00 and :30).
while [ "$(date +%S | sed 's/^0//')" -ge 15 ]; do sleep 1; done
day=$(TZ=Asia/Tokyo date +%a)
hm=$(TZ=Asia/Tokyo date +%H:%M)
h=${hm%:*}; m=${hm#*:}
end=$(( ${h#0} * 60 + ${m#0} + 1 ))
endhm=$(printf '%02d:%02d' $((end / 60)) $((end % 60)))
approved vendor add vend1 --company ACME --expires "$PERMIT_EXPIRES" \
    --window "$day $hm-$endhm" --from 127.0.0.2 --worker "Taro Yamada" \
    --place "ACME Osaka office" --work "maintenance" >/dev/null ||
	diag "vendor add with window $day $hm-$endhm failed"
s=$(enroll_totp vend1)

code_for "$s" >"$T/code"
out=$(vssh 127.0.0.3 echo logged-in 2>&1)
unlike "$out" "logged-in" "R-REM-3: through sshd, the vendor from 127.0.0.3 is refused"
like "$(grep 'event=vendor_refused' "$T/kagid.log")" '"reason":"source_address"' \
    "R-REM-3: ... audited as source_address"

# The refusal above never looked at the code: it is still good.
out=$(vssh 127.0.0.2 echo logged-in 2>&1)
like "$out" "logged-in" \
    "R-REM-1: through sshd, the vendor logs in with password and TOTP inside its window from 127.0.0.2"
[ -n "$(printf '%s' "$out" | grep -v logged-in)" ] && diag "$out" "$(tail -n 5 "$T/sshd.log")"
# sshd runs the account stack in the keyboard-interactive child that ran
# auth, with the same PAM handle: pam_kagi's account step confirms the
# provisional success there (issue 13).
like "$(grep 'event=auth' "$T/kagid.log" | grep vend1 | grep '"reason":"confirmed"')" \
    '"outcome":"success"' \
    "R-MFA-5: through sshd, the account step confirms the log-in"
# An interactive log-in (a terminal, no command): sshd shows what PAM
# said at log-in, the previous log-in and when its session ended.
code_for "$s" 1 >"$T/code"
out=$(echo exit | SSH_ASKPASS="$T/askpass" SSH_ASKPASS_REQUIRE=force \
    DISPLAY=:0 setsid ssh -tt -F /dev/null -b 127.0.0.2 -p "$PORT" \
    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -o PreferredAuthentications=keyboard-interactive \
    -o NumberOfPasswordPrompts=1 -o LogLevel=ERROR \
    -o ConnectTimeout=10 vend1@127.0.0.1 2>&1)
like "$out" "Last successful log-in: " \
    "R-MFA-5: through sshd, the previous log-in is shown once confirmed"
like "$out" "from 127.0.0.2 (totp), ended " \
    "R-MFA-5: ... with when its session ended"

# A session that outlives the window, with a later step's code.
code_for "$s" 2 >"$T/code"
t0=$(date +%s)
vssh 127.0.0.2 sleep 600 >"$T/long.out" 2>&1 &
VSSH=$!
bg_register $VSSH
sleep 3
like "$(kagictl session list)" "vend1" "R-REM-4: the sshd session is registered with kagid"
n=0
while kill -0 $VSSH 2>/dev/null && [ $n -lt $(( (60 + GRACE + 8) * 10 )) ]; do
	sleep 0.1
	n=$((n + 1))
done
if kill -0 $VSSH 2>/dev/null; then
	not_ok "R-REM-4: the vendor's sshd session is ended at the window's end" \
	    "$(tail -n 10 "$T/kagid.log")"
else
	ok "R-REM-4: the vendor's sshd session is ended at the window's end ($(elapsed_since "$t0") s)"
fi
log=$(grep 'event=session_close' "$T/kagid.log" | grep vend1 | tail -n 1)
like "$log" '"reason":"window_end"' "R-REM-4: audited as session_close reason window_end"

# Outside the window now: refused (before any code is looked at).
code_for "$s" 1 >"$T/code"
out=$(vssh 127.0.0.2 echo logged-in 2>&1)
unlike "$out" "logged-in" "R-REM-1: through sshd, the vendor outside its window is refused"
like "$(grep 'event=vendor_refused' "$T/kagid.log" | tail -n 1)" '"reason":"outside_window"' \
    "R-REM-1: ... audited as outside_window"

finish
