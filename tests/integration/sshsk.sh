#!/bin/sh
# sshsk.sh - OpenSSH security keys with the software security key
# (tests/sshsk/), for the gateway of issue 16 (R-MFA-3, R-REM-2,
# R-PRIV-2): the real ssh-keygen enrols keys through the provider and
# writes their attestations; kagid's verifier (tests/sshkeycheck, the
# code of tokend/core/sshkey_att.c) checks those files; then Debian's
# sshd, started by this test on loopback with its own config, host key
# and port (the user given to it by nss_wrapper), and the real ssh
# client using the provider (-o SecurityKeyProvider) show where user
# verification is enforced at log-in.
#
# What it shows:
#  - ssh-keygen -t ed25519-sk/ecdsa-sk -O verify-required -O challenge
#    -O write-attestation works with the provider; kagi's fingerprint is
#    ssh-keygen's; the attestation verifies (full, self, none reported as
#    such) and is refused over another challenge, for another key,
#    without verify-required, for a wrong application;
#  - sshd with PubkeyAuthOptions verify-required lets the verify-required
#    key in, and refuses a key made without UV, a key that does not
#    verify its user, and a signature without user presence;
#  - what sshd tells the session (ExposeAuthInfo, the same text PAM gets
#    as SSH_AUTH_INFO_0): exactly one line "publickey TYPE BASE64", with
#    neither the UV flag nor the counter; the key's counter moves forward
#    at each log-in.
# The sshd part is skipped, saying why, when sshd, nss_wrapper or root
# are missing.

. "$(dirname "$0")/lib.sh"

P=$top_builddir/tests/sshsk/.libs/libsshsk.so
CHECK=$top_builddir/tests/sshkeycheck
[ -f "$P" ] && [ -x "$CHECK" ] ||
	skip_all "libsshsk.so or sshkeycheck not built"
command -v ssh >/dev/null 2>&1 && command -v ssh-keygen >/dev/null 2>&1 ||
	skip_all "ssh not installed (Debian package openssh-client)"
# ssh-sk-helper, which loads the provider, carries no ASan runtime.
if command -v nm >/dev/null 2>&1 &&
    nm -D --undefined-only "$P" 2>/dev/null | grep -q '__asan_'; then
	skip_all "sanitizer build: the provider is built with ASan; ssh-sk-helper is not"
fi

plan 23

chmod 711 "$T"
state=$T/counter
export KAGI_SSHSK_STATE="$state"
head -c 32 /dev/urandom >"$T/chal"
head -c 32 /dev/urandom >"$T/chal2"

# keygen NAME TYPE [ssh-keygen -O options...]: a key $T/NAME made through
# the provider, its attestation over $T/chal in $T/NAME.att.
keygen() {
	_n=$1
	_t=$2
	shift 2
	ssh-keygen -q -t "$_t" -w "$P" -O challenge="$T/chal" \
	    -O write-attestation="$T/$_n.att" "$@" -N '' -C "$_n" \
	    -f "$T/$_n" </dev/null >"$T/keygen.out" 2>&1
}

# fp KEY.pub: ssh-keygen's fingerprint.
fp() { ssh-keygen -l -f "$1" | cut -d' ' -f2; }

verify() { "$CHECK" verify "$@" 2>&1; }

# --- enrolment: what ssh-keygen writes, verified by kagi's code -------------

check "ssh-keygen makes an ed25519-sk key with verify-required through the provider" \
    keygen ed ed25519-sk -O verify-required
is "$("$CHECK" fp "$T/ed.pub")" "$(fp "$T/ed.pub")" \
    "kagi's fingerprint of the key is ssh-keygen's"
out=$(verify "$T/ed.pub" "$T/chal" "$T/ed.att" full)
like "$out" "ok kind=full aaguid=6b616769-2d73-7368-736b-2d7631000000" \
    "R-PRIV-2: its full attestation verifies over the challenge, AAGUID reported"
like "$out" "cred_prot=3" "... with credProtect 'user verification required'"

keygen ec ecdsa-sk -O verify-required || diag "$(cat "$T/keygen.out")"
like "$(verify "$T/ec.pub" "$T/chal" "$T/ec.att" full)" "ok kind=full" \
    "an ecdsa-sk key's attestation verifies too"
is "$("$CHECK" fp "$T/ec.pub")" "$(fp "$T/ec.pub")" \
    "... and its fingerprint is ssh-keygen's"

like "$(verify "$T/ed.pub" "$T/chal2" "$T/ed.att")" "refused why=signature" \
    "an attestation over another challenge is refused"

keygen nouv ed25519-sk || diag "$(cat "$T/keygen.out")"
like "$(verify "$T/nouv.pub" "$T/chal" "$T/nouv.att")" \
    "refused why=user_verification" \
    "a key made without -O verify-required is refused"

KAGI_SSHSK_ATT=self keygen self ed25519-sk -O verify-required ||
	diag "$(cat "$T/keygen.out")"
like "$(verify "$T/self.pub" "$T/chal" "$T/self.att" any)" "ok kind=self" \
    "self attestation is reported as self"
like "$(verify "$T/self.pub" "$T/chal" "$T/self.att" full)" \
    "refused why=attestation_missing" \
    "... and refused where a full attestation is required"
KAGI_SSHSK_ATT=none keygen none ed25519-sk -O verify-required ||
	diag "$(cat "$T/keygen.out")"
like "$(verify "$T/none.pub" "$T/chal" "$T/none.att" any)" "ok kind=none" \
    "no attestation is reported as none"
like "$(verify "$T/ed.pub" "$T/chal" "$T/none.att" any)" \
    "refused why=public_key" "the attestation of another key is refused"

KAGI_SSHSK_APP=wrong keygen wrong ed25519-sk -O verify-required ||
	diag "$(cat "$T/keygen.out")"
like "$(verify "$T/wrong.pub" "$T/chal" "$T/wrong.att")" \
    "refused why=relying_party" \
    "an attestation for another application is refused"

# --- log-in through a real sshd ----------------------------------------------

SSHD=/usr/sbin/sshd
why=
[ -x "$SSHD" ] || why="sshd not installed (openssh-server)"
[ -z "$why" ] && [ "$(id -u)" != 0 ] && why="sshd's privilege separation needs root"
NSSWRAP=
for d in /usr/lib/x86_64-linux-gnu /usr/lib/*-linux-gnu /usr/lib64 /usr/lib; do
	[ -z "$NSSWRAP" ] && [ -f "$d/libnss_wrapper.so" ] && NSSWRAP=$d/libnss_wrapper.so
done
[ -z "$why" ] && [ -z "$NSSWRAP" ] && why="libnss_wrapper.so not found (libnss-wrapper)"
if [ -z "$why" ] && [ ! -d /run/sshd ] && ! mkdir -m 0755 /run/sshd; then
	why="/run/sshd does not exist and cannot be made"
fi
if [ -n "$why" ]; then
	for i in 1 2 3 4 5 6 7 8 9 10; do
		skip "sshd part" "$why"
	done
	finish
fi

VUID=42421
mkdir -p "$T/home"
chmod 755 "$T/home"
cat /etc/passwd >"$T/passwd"
echo "vend1:x:$VUID:$VUID:kagi test vendor:$T/home:/bin/sh" >>"$T/passwd"
cat /etc/group >"$T/group"
echo "vend1:x:$VUID:" >>"$T/group"
# Keys sshd accepts; read by sshd as the user.
cat "$T/ed.pub" "$T/ec.pub" "$T/nouv.pub" >"$T/authorized_keys"
chmod 644 "$T/authorized_keys"

PORT=$((20000 + ($$ + 7) % 20000))
ssh-keygen -q -t ed25519 -N '' -f "$T/hostkey" >/dev/null
cat >"$T/sshd_config" <<CONF
Port $PORT
ListenAddress 127.0.0.1
HostKey $T/hostkey
PidFile $T/sshd.pid
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PubkeyAuthOptions verify-required
AuthenticationMethods publickey
AuthorizedKeysFile $T/authorized_keys
ExposeAuthInfo yes
PermitRootLogin no
StrictModes no
UseDNS no
MaxAuthTries 3
CONF

env LD_PRELOAD="$NSSWRAP" NSS_WRAPPER_PASSWD="$T/passwd" \
    NSS_WRAPPER_GROUP="$T/group" \
    "$SSHD" -D -e -f "$T/sshd_config" 2>"$T/sshd.log" &
SSHD_PID=$!
bg_register $SSHD_PID
n=0
while ! grep -q "Server listening" "$T/sshd.log" 2>/dev/null; do
	if ! kill -0 $SSHD_PID 2>/dev/null || [ $n -ge 50 ]; then
		echo "Bail out! sshd did not start: $(tail -n 3 "$T/sshd.log" | tr '\n' ' ')"
		exit 1
	fi
	sleep 0.1
	n=$((n + 1))
done

# kssh KEY COMMAND: ssh as vend1 with that key through the provider.
kssh() {
	_k=$1
	shift
	ssh -n -F /dev/null -p "$PORT" -i "$T/$_k" -o IdentitiesOnly=yes \
	    -o IdentityAgent=none -o SecurityKeyProvider="$P" \
	    -o BatchMode=yes -o PreferredAuthentications=publickey \
	    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	    -o LogLevel=ERROR -o ConnectTimeout=10 vend1@127.0.0.1 "$@"
}

c1=$(cat "$state"); c1=${c1:-counter 0}
out=$(kssh ed 'echo logged-in; cat "$SSH_USER_AUTH"' 2>&1)
like "$out" "logged-in" \
    "R-REM-2: sshd with PubkeyAuthOptions verify-required lets the verify-required key in"
# What pam_kagi will read as SSH_AUTH_INFO_0: the method and the key,
# nothing about UV or the counter (privilege separation keeps those in
# sshd's unprivileged child).
is "$(printf '%s\n' "$out" | grep -v '^logged-in$')" \
    "publickey $(cut -d' ' -f1,2 "$T/ed.pub")" \
    "the session's auth info is exactly one publickey line with that key"
kssh ed true >/dev/null 2>&1
c2=$(cat "$state")
if [ "${c1#counter }" -ge 0 ] 2>/dev/null &&
    [ "${c2#counter }" -gt "${c1#counter }" ] 2>/dev/null; then
	ok "each log-in signs with a greater counter (${c1#counter }, then ${c2#counter })"
else
	not_ok "each log-in signs with a greater counter" "$c1" "$c2"
fi

like "$(kssh ec echo logged-in 2>&1)" "logged-in" \
    "the ecdsa-sk key logs in too"

# uvlog: how many log-ins sshd refused for want of user verification.
uvlog() { grep -c "user verification requirement not met" "$T/sshd.log"; }

out=$(kssh nouv echo logged-in 2>&1)
unlike "$out" "logged-in" "a key made without verify-required is refused at log-in"
is "$(uvlog)" 1 "... by sshd's user-verification requirement"

out=$(KAGI_SSHSK_UV=never kssh ed echo logged-in 2>&1)
unlike "$out" "logged-in" \
    "the enrolled key signing without user verification is refused"
is "$(uvlog)" 2 "... by the same requirement"

out=$(KAGI_SSHSK_UP=never kssh ed echo logged-in 2>&1)
unlike "$out" "logged-in" "a signature without user presence is refused"
like "$(cat "$T/sshd.log")" "user presence (authenticator touch) requirement not met" \
    "... by sshd's user-presence requirement"

finish
