#!/bin/sh
# gateway.sh - vendors through the SSH gateway with their own security
# keys (issue 16; R-MFA-2, R-MFA-3, R-REM-1, R-REM-2, R-REM-3, R-PRIV-2,
# R-TOK-1): the real ssh-keygen makes keys with the software security key
# (tests/sshsk) over kagid's challenge, kagictl enrols them, Debian's
# sshd (on loopback, its own config, host key and ports; its users from
# nss_wrapper, its PAM stack through pam_wrapper) takes them through
# kagi-authkeys as AuthorizedKeysCommand and pam_kagi sshkey binds them,
# and the real ssh client logs in.
#
# sshd listens on four ports, one config (Match LocalPort):
#   A  the gateway as shipped: no authorized_keys file, the keys command,
#      publickey,keyboard-interactive:pam, verify-required;
#   B  a gateway misconfigured to read ~/.ssh/authorized_keys too;
#   C  a method list without publickey;
#   D  two publickey methods.
# B, C and D show that pam_kagi and kagid refuse, with a record, what a
# wrong sshd lets through.
#
# What it shows:
#  - enrolment: a key made over kagid's challenge is stored; refused and
#    recorded: the challenge reused, an attestation over another
#    challenge, another key's attestation, self and none attestations for
#    a vendor, a key made without verify-required;
#  - kagi-authkeys prints the vendor's key with verify-required,
#    expiry-time, from= and restrict, only for its authkeys_user, and
#    nothing outside the window, from another address, or with kagid
#    down; it writes no record;
#  - accepted: the enrolled key inside the window from the permit's
#    address, password first; the log-in records the key's fingerprint
#    and factors and is confirmed by the account step;
#  - R-REM-1: staff get nothing from kagi-authkeys and are refused
#    without a remote-access grant (a permit on their account, approved
#    like a vendor's); with one they log in;
#  - refused: another user's key, a key outside its window, an address
#    outside the permit, a key without user verification, a key in
#    ~/.ssh/authorized_keys, a method list without publickey, two
#    publickey methods, a revoked key, kagid down, an expired vendor;
#  - R-REM-4: the gateway session is registered to end with the window,
#    and revoking the key ends it.
# Skipped, saying why, when sshd, ssh, pam_wrapper, nss_wrapper or root
# are missing, or in a sanitizer build.

. "$(dirname "$0")/lib.sh"

P=$top_builddir/tests/sshsk/.libs/libsshsk.so
AUTHKEYS=$top_builddir/tokend/ctl/kagi-authkeys
[ -x "$PAMDRV" ] && [ -f "$MODULE" ] && [ -f "$P" ] && [ -x "$AUTHKEYS" ] ||
	skip_all "pam_kagi.so, libsshsk.so or kagi-authkeys not built"
kagid_built
kagictl_built
[ -n "$PAM_MATRIX" ] || skip_all "pam_matrix (pam_wrapper) not installed"
if ldd "$MODULE" 2>/dev/null | grep -q libasan ||
    nm -D --undefined-only "$P" 2>/dev/null | grep -q '__asan_'; then
	skip_all "sanitizer build: Debian's sshd and ssh-sk-helper cannot load ASan objects"
fi
SSHD=/usr/sbin/sshd
[ -x "$SSHD" ] || skip_all "sshd not installed (Debian package openssh-server)"
command -v ssh >/dev/null 2>&1 && command -v ssh-keygen >/dev/null 2>&1 ||
	skip_all "ssh not installed (Debian package openssh-client)"
[ "$(id -u)" = 0 ] || skip_all "sshd's privilege separation needs root"
can_approve || skip_all "needs setpriv and nogroup to approve requests"
PAMWRAP=
NSSWRAP=
for d in /usr/lib/x86_64-linux-gnu /usr/lib/*-linux-gnu /usr/lib64 /usr/lib; do
	[ -z "$PAMWRAP" ] && [ -f "$d/libpam_wrapper.so" ] && PAMWRAP=$d/libpam_wrapper.so
	[ -z "$NSSWRAP" ] && [ -f "$d/libnss_wrapper.so" ] && NSSWRAP=$d/libnss_wrapper.so
done
[ -n "$PAMWRAP" ] || skip_all "libpam_wrapper.so not found (libpam-wrapper)"
[ -n "$NSSWRAP" ] || skip_all "libnss_wrapper.so not found (libnss-wrapper)"
[ -d /run/sshd ] || mkdir -m 0755 /run/sshd ||
	skip_all "/run/sshd does not exist and cannot be made"

plan 73

chmod 711 "$T"
export KAGI_SSHSK_STATE="$T/counter"
start_kagid approver_group=nogroup authkeys_user=nobody session_grace=2s ||
	{ echo "Bail out! kagid did not start"; exit 1; }

# sshd runs the keys command only from a path root owns all the way, none
# of it writable by others (not under /tmp): a copy in a directory of
# this run's own.
AKDIR=/run/kagi-gateway-test.$$
mkdir -m 755 "$AKDIR" && cp "$AUTHKEYS" "$AKDIR/kagi-authkeys" &&
    chmod 755 "$AKDIR/kagi-authkeys" ||
	{ echo "Bail out! cannot copy kagi-authkeys to $AKDIR"; exit 1; }
trap '_cleanup; rm -rf "$AKDIR"' EXIT

# --- the vendors and their keys -------------------------------------------------

# vend1: a window from now for two hours (Tokyo time), from 127.0.0.2.
# vend2: a window on another day only (closed now).
day=$(TZ=Asia/Tokyo date +%a)
other=$(TZ=Asia/Tokyo date -d '+2 days' +%a)
hm=$(TZ=Asia/Tokyo date +%H:%M)
h=${hm%:*}; m=${hm#*:}
end=$(( ${h#0} * 60 + ${m#0} + 120 ))
[ $end -gt 1440 ] && end=1440
endhm=$(printf '%02d:%02d' $((end / 60)) $((end % 60)))
approved vendor add vend1 --company ACME --expires "$PERMIT_EXPIRES" \
    --window "$day $hm-$endhm" --from 127.0.0.2 --worker "Taro Yamada" \
    --place "ACME Osaka office" --work "maintenance" >/dev/null ||
	diag "vendor add vend1 ($day $hm-$endhm) failed"
approved vendor add vend2 --company ACME --expires "$PERMIT_EXPIRES" \
    --window "$other 09:00-10:00" --from 127.0.0.2 --worker "Jiro Sato" \
    --place "ACME Osaka office" --work "maintenance" >/dev/null ||
	diag "vendor add vend2 failed"

# keygen NAME CHALLENGE [ssh-keygen -O options...]: a key $T/NAME through
# the provider, its attestation over CHALLENGE in $T/NAME.att.
keygen() {
	_n=$1 _c=$2
	shift 2
	ssh-keygen -q -t ed25519-sk -w "$P" -O challenge="$_c" \
	    -O write-attestation="$T/$_n.att" "$@" -N '' -C "$_n" \
	    -f "$T/$_n" </dev/null >"$T/keygen.out" 2>&1 ||
		diag "ssh-keygen $_n: $(cat "$T/keygen.out")"
}
# challenge USER FILE: kagid's challenge for USER into a new FILE.
challenge() { kagictl token sshkey-challenge "$1" "$2" >/dev/null; }
# add USER NAME: kagictl token add-sshkey USER $T/NAME.pub with its
# attestation; its output, standard error included.
add() { kagictl token add-sshkey "$1" "$T/$2.pub" --attestation "$T/$2.att" 2>&1; }
# refused_as REASON: the newest token_refused record says REASON.
refused_as() { last_record token_refused | grep -q "\"reason\":\"$1\""; }

check "kagictl writes kagid's single-use challenge for vend1 to a new file" \
    challenge vend1 "$T/chal1"
is "$(wc -c <"$T/chal1" | tr -d ' ')" 32 "... 32 bytes, as ssh-keygen -O challenge= takes them"
keygen v1 "$T/chal1" -O verify-required
out=$(add vend1 v1)
like "$out" "token: " \
    "R-MFA-3: a verify-required key made over the challenge is enrolled for the vendor"
fp1=$(ssh-keygen -l -f "$T/v1.pub" | cut -d' ' -f2)
like "$(last_record token_add)" "\"fingerprint\":\"$fp1\"" \
    "... recorded with ssh-keygen's fingerprint and its attestation kind"
like "$(kagictl token list vend1 --json)" '"type":"sshkey"' \
    "... listed as a token of type sshkey"

out=$(add vend1 v1)
unlike "$out" "token: " "the same challenge and key again are refused (single use)"
refused_as no_challenge && ok "... recorded as no_challenge" ||
	not_ok "... recorded as no_challenge" "$(last_record token_refused)"

challenge vend1 "$T/chal2"
head -c 32 /dev/urandom >"$T/chalx"
keygen x1 "$T/chalx" -O verify-required
out=$(add vend1 x1)
unlike "$out" "token: " "an attestation over a challenge kagid did not issue is refused"
refused_as signature && ok "... recorded as signature" ||
	not_ok "... recorded as signature" "$(last_record token_refused)"

challenge vend1 "$T/chal3"
keygen x2 "$T/chal3" -O verify-required
cp "$T/x2.att" "$T/x1b.att"; cp "$T/x1.pub" "$T/x1b.pub"
out=$(add vend1 x1b)
unlike "$out" "token: " "another key's attestation is refused"
refused_as public_key && ok "... recorded as public_key" ||
	not_ok "... recorded as public_key" "$(last_record token_refused)"

challenge vend1 "$T/chal4"
KAGI_SSHSK_ATT=self keygen self1 "$T/chal4" -O verify-required
out=$(add vend1 self1)
unlike "$out" "token: " "R-PRIV-2: a self attestation is refused for a vendor"
refused_as attestation_missing && ok "... recorded as attestation_missing" ||
	not_ok "... recorded as attestation_missing" "$(last_record token_refused)"
challenge vend1 "$T/chal5"
KAGI_SSHSK_ATT=none keygen none1 "$T/chal5" -O verify-required
out=$(add vend1 none1)
unlike "$out" "token: " "R-PRIV-2: no attestation is refused for a vendor"
challenge vend1 "$T/chal6"
keygen nouv "$T/chal6"
out=$(add vend1 nouv)
unlike "$out" "token: " "a key made without verify-required is refused"
refused_as user_verification && ok "... recorded as user_verification" ||
	not_ok "... recorded as user_verification" "$(last_record token_refused)"

challenge vend2 "$T/chal7"
keygen v2 "$T/chal7" -O verify-required
like "$(add vend2 v2)" "token: " "vend2's key is enrolled for vend2"

# --- kagi-authkeys ---------------------------------------------------------------

nobody_ak() {
	setpriv --reuid=65534 --regid="$(getent group nogroup | cut -d: -f3)" \
	    --clear-groups "$AKDIR/kagi-authkeys" -s "$SOCK" "$@"
}
n0=$(kagictl audit export --json | grep -c .)
out=$(nobody_ak vend1 "127.0.0.2 50000 127.0.0.1 22")
exp=$(printf '%s' "$out" | sed -n 's/.*expiry-time="\([0-9]*\)Z".*/\1/p')
is "$out" "verify-required,expiry-time=\"${exp}Z\",from=\"127.0.0.2/32\",restrict,pty $(cut -d' ' -f1,2 "$T/v1.pub")" \
    "R-REM-2: kagi-authkeys prints the vendor's key with verify-required, expiry-time, from= and restrict"
want=$(TZ=Asia/Tokyo date -d "$(TZ=Asia/Tokyo date +%F) $endhm" +%s 2>/dev/null)
got=$(date -u -d "$(printf '%s' "$exp" | sed 's/^\(....\)\(..\)\(..\)\(..\)\(..\)\(..\)$/\1-\2-\3 \4:\5:\6/') UTC" +%s 2>/dev/null)
is "$got" "$want" "R-REM-1: ... the expiry-time is the window's end"
is "$(kagictl audit export --json | grep -c .)" "$n0" \
    "kagi-authkeys writes no record (it runs for every key offered)"
is "$(nobody_ak vend2 "127.0.0.2 50000 127.0.0.1 22")" "" \
    "R-REM-1: nothing for a vendor outside its window"
is "$(nobody_ak vend1 "127.0.0.3 50000 127.0.0.1 22")" "" \
    "R-REM-3: nothing for an address outside the permit"
out=$("$AKDIR/kagi-authkeys" -s "$SOCK" vend1 2>&1); st=$?
is "$out:$st" ":1" "only authkeys_user may ask: root is refused, nothing printed, exit 1"
is "$(nobody_ak nosuchuser)" "" "nothing for an unknown user"

# --- sshd ----------------------------------------------------------------------

VUID=42430
mkdir -p "$T/home1/.ssh" "$T/home2/.ssh" "$T/home3/.ssh" "$T/pam"
chmod 755 "$T/home1" "$T/home2" "$T/home3"
cat /etc/passwd >"$T/passwd"
echo "vend1:x:$VUID:$VUID:kagi test vendor:$T/home1:/bin/sh" >>"$T/passwd"
echo "vend2:x:$((VUID + 1)):$((VUID + 1)):kagi test vendor:$T/home2:/bin/sh" >>"$T/passwd"
echo "st1:x:$((VUID + 2)):$((VUID + 2)):kagi test staff:$T/home3:/bin/sh" >>"$T/passwd"
cat /etc/group >"$T/group"
echo "vend1:x:$VUID:" >>"$T/group"
echo "vend2:x:$((VUID + 1)):" >>"$T/group"
echo "st1:x:$((VUID + 2)):" >>"$T/group"
printf 'vend1:pw-vend1:sshd\nvend2:pw-vend2:sshd\nst1:pw-st1:sshd\n' >"$T/passdb"
{
	echo "auth required $PAM_MATRIX passdb=$T/passdb"
	echo "auth required $MODULE socket=$SOCK timeout=5 zone=internet sshkey"
	echo "account required $MODULE socket=$SOCK timeout=5 zone=internet"
	echo "session required $MODULE socket=$SOCK timeout=5 zone=internet"
} >"$T/pam/sshd"

PA=$((20000 + ($$ + 11) % 20000)); PB=$((PA + 1)); PC=$((PA + 2)); PD=$((PA + 3))
ssh-keygen -q -t ed25519 -N '' -f "$T/hostkey" >/dev/null
cat >"$T/sshd_config" <<CONF
Port $PA
Port $PB
Port $PC
Port $PD
ListenAddress 127.0.0.1
HostKey $T/hostkey
PidFile $T/sshd.pid
UsePAM yes
PasswordAuthentication no
KbdInteractiveAuthentication yes
PubkeyAuthentication yes
PubkeyAuthOptions verify-required
PubkeyAcceptedAlgorithms sk-ssh-ed25519@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com
AuthenticationMethods publickey,keyboard-interactive:pam
AuthorizedKeysFile none
AuthorizedKeysCommand $AKDIR/kagi-authkeys -s $SOCK %u
AuthorizedKeysCommandUser nobody
ExposeAuthInfo yes
PermitRootLogin no
StrictModes no
UseDNS no
MaxAuthTries 6
Match LocalPort $PB
	AuthorizedKeysFile .ssh/authorized_keys
Match LocalPort $PC
	AuthenticationMethods keyboard-interactive:pam
Match LocalPort $PD
	AuthorizedKeysFile .ssh/authorized_keys
	AuthenticationMethods publickey,publickey,keyboard-interactive:pam
CONF

env LD_PRELOAD="$NSSWRAP $PAMWRAP" NSS_WRAPPER_PASSWD="$T/passwd" \
    NSS_WRAPPER_GROUP="$T/group" PAM_WRAPPER=1 \
    PAM_WRAPPER_SERVICE_DIR="$T/pam" \
    "$SSHD" -D -e -f "$T/sshd_config" 2>"$T/sshd.log" &
SSHD_PID=$!
bg_register $SSHD_PID
n=0
while [ "$(grep -c "Server listening" "$T/sshd.log" 2>/dev/null)" -lt 4 ]; do
	if ! kill -0 $SSHD_PID 2>/dev/null || [ $n -ge 50 ]; then
		echo "Bail out! sshd did not start: $(tail -n 3 "$T/sshd.log" | tr '\n' ' ')"
		exit 1
	fi
	sleep 0.1
	n=$((n + 1))
done

# The askpass program: the password of the user in $T/who, the PIN.
cat >"$T/askpass" <<ASK
#!/bin/sh
case "\$1" in
*assword*) echo "pw-\$(cat "$T/who")" ;;
*PIN*) echo 1234 ;;
*) echo no ;;
esac
ASK
chmod 755 "$T/askpass"

# gssh USER PORT FROM KEY... -- COMMAND: ssh as USER to PORT from that
# loopback address with those keys through the provider.
gssh() {
	_u=$1 _p=$2 _f=$3
	shift 3
	_ids=
	while [ "$1" != "--" ]; do _ids="$_ids -i $T/$1"; shift; done
	shift
	echo "$_u" >"$T/who"
	# shellcheck disable=SC2086
	SSH_ASKPASS="$T/askpass" SSH_ASKPASS_REQUIRE=force DISPLAY=:0 \
	    setsid ssh -n -F /dev/null -b "$_f" -p "$_p" $_ids \
	    -o IdentitiesOnly=yes -o IdentityAgent=none \
	    -o SecurityKeyProvider="$P" \
	    -o PreferredAuthentications=publickey,keyboard-interactive \
	    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	    -o NumberOfPasswordPrompts=1 -o LogLevel=ERROR \
	    -o ConnectTimeout=10 "$_u@127.0.0.1" "$@"
}
# auth_last USER: the newest "auth" record of USER.
auth_last() { kagictl audit export --json --event auth --user "$1" | tail -n 1; }

out=$(gssh vend1 "$PA" 127.0.0.2 v1 -- echo logged-in 2>&1)
like "$out" "logged-in" \
    "R-REM-2: through the gateway the vendor logs in with password and its enrolled key, inside its window, from 127.0.0.2"
[ -n "$(printf '%s' "$out" | grep -v logged-in)" ] && diag "$out" "$(tail -n 8 "$T/sshd.log")"
rec=$(kagictl audit export --json --event auth --user vend1 | grep '"outcome":"provisional"' | tail -n 1)
like "$rec" "\"fingerprint\":\"$fp1\"" \
    "R-MFA-3: the log-in is recorded with the key's fingerprint"
like "$rec" '"factors":["possession","knowledge_or_inherence"]' \
    "R-MFA-3: ... and the factors its user verification proved"
like "$(auth_last vend1)" '"reason":"confirmed"' \
    "R-MFA-5: ... and confirmed by the account step"

out=$(gssh vend1 "$PA" 127.0.0.2 v2 -- echo logged-in 2>&1)
unlike "$out" "logged-in" "another user's key is refused by the gateway"
out=$(gssh vend2 "$PA" 127.0.0.2 v2 -- echo logged-in 2>&1)
unlike "$out" "logged-in" "R-REM-1: a vendor's key outside its window is refused by the gateway"
out=$(gssh vend1 "$PA" 127.0.0.3 v1 -- echo logged-in 2>&1)
unlike "$out" "logged-in" "R-REM-3: the key from an address outside the permit is refused"
like "$(cat "$T/sshd.log")" "not from a permitted host" \
    "R-REM-3: ... by sshd, from the from= kagi-authkeys wrote"
out=$(KAGI_SSHSK_UV=never gssh vend1 "$PA" 127.0.0.2 v1 -- echo logged-in 2>&1)
unlike "$out" "logged-in" "the enrolled key signing without user verification is refused"
like "$(cat "$T/sshd.log")" "user verification requirement not met" \
    "... by verify-required, from kagi-authkeys' line and the shipped PubkeyAuthOptions"
cat "$T/x1.pub" >"$T/home1/.ssh/authorized_keys"
out=$(gssh vend1 "$PA" 127.0.0.2 x1 -- echo logged-in 2>&1)
unlike "$out" "logged-in" "a key in ~/.ssh/authorized_keys is not read by the gateway"

# --- what a misconfigured sshd lets through, pam_kagi refuses and records ---------

out=$(gssh vend1 "$PB" 127.0.0.2 x1 -- echo logged-in 2>&1)
unlike "$out" "logged-in" "a key from ~/.ssh/authorized_keys is refused by pam_kagi"
like "$(auth_last vend1)" '"reason":"unknown_key"' "... recorded as unknown_key"
cat "$T/v2.pub" >"$T/home1/.ssh/authorized_keys"
out=$(gssh vend1 "$PB" 127.0.0.2 v2 -- echo logged-in 2>&1)
unlike "$out" "logged-in" "R-TOK-1: another user's enrolled key is refused by pam_kagi"
like "$(auth_last vend1)" '"reason":"foreign_key"' "... recorded as foreign_key"
cat "$T/v2.pub" >"$T/home2/.ssh/authorized_keys"
out=$(gssh vend2 "$PB" 127.0.0.2 v2 -- echo logged-in 2>&1)
unlike "$out" "logged-in" "R-REM-1: outside the window, pam_kagi refuses even a key sshd took"
like "$(kagictl audit export --json --event vendor_refused --user vend2 | tail -n 1)" \
    '"reason":"outside_window"' "... recorded as outside_window"
cat "$T/v1.pub" >"$T/home1/.ssh/authorized_keys"
out=$(gssh vend1 "$PB" 127.0.0.3 v1 -- echo logged-in 2>&1)
unlike "$out" "logged-in" "R-REM-3: from outside the permit, pam_kagi refuses even a key sshd took"
like "$(kagictl audit export --json --event vendor_refused --user vend1 | tail -n 1)" \
    '"reason":"source_address"' "... recorded as source_address"
out=$(gssh vend1 "$PC" 127.0.0.2 v1 -- echo logged-in 2>&1)
unlike "$out" "logged-in" "R-MFA-3: a method list without publickey is refused"
like "$(auth_last vend1)" '"reason":"auth_info_absent"' "... recorded as auth_info_absent"
cat "$T/v1.pub" "$T/x1.pub" >"$T/home1/.ssh/authorized_keys"
out=$(gssh vend1 "$PD" 127.0.0.2 v1 x1 -- echo logged-in 2>&1)
unlike "$out" "logged-in" "two publickey methods are refused"
like "$(auth_last vend1)" '"reason":"auth_info_ambiguous"' "... recorded as auth_info_ambiguous"

# --- pam_kagi sshkey reads the PAM environment, only (pamdrv) ------------------

add_user_password vend1 pw-vend1
write_service -- zone=internet sshkey
key1=$(cut -d' ' -f1,2 "$T/v1.pub")
out=$(pam_run -u vend1 -r 127.0.0.2 -o auth -e "SSH_AUTH_INFO_0=publickey $key1" pw-vend1)
is "$(result_of "$out" auth)" PAM_SUCCESS \
    "R-MFA-3: pam_kagi sshkey takes the one publickey line of SSH_AUTH_INFO_0"
out=$(SSH_AUTH_INFO_0="publickey $key1" pam_run -u vend1 -r 127.0.0.2 -o auth pw-vend1)
is "$(result_of "$out" auth)" PAM_AUTH_ERR \
    "... never the process environment's (a client's SendEnv)"
like "$(auth_last vend1)" '"reason":"auth_info_absent"' "... recorded as auth_info_absent"
out=$(pam_run -u vend1 -r 127.0.0.2 -o auth -e "SSH_AUTH_INFO_0=publickey sk-ssh-ed25519@openssh.com AAAA%%" pw-vend1)
is "$(result_of "$out" auth)" PAM_AUTH_ERR "a publickey line that is no key is refused"
like "$(auth_last vend1)" '"reason":"auth_info_malformed"' "... recorded as auth_info_malformed"

# --- staff from outside: a remote-access grant (R-REM-1) ---------------------------

kagictl user add st1 >/dev/null || diag "user add st1 failed"
challenge st1 "$T/chal8"
keygen s1 "$T/chal8" -O verify-required
like "$(add st1 s1)" "token: " "a staff user's key is enrolled"
is "$(nobody_ak st1)" "" \
    "R-REM-1: without a remote-access grant kagi-authkeys prints nothing for staff"
out=$(gssh st1 "$PA" 127.0.0.2 s1 -- echo logged-in 2>&1)
unlike "$out" "logged-in" "R-REM-1: ... and staff cannot log in through the gateway"
cat "$T/s1.pub" >"$T/home3/.ssh/authorized_keys"
out=$(gssh st1 "$PB" 127.0.0.2 s1 -- echo logged-in 2>&1)
unlike "$out" "logged-in" "R-REM-1: ... nor through a misconfigured one"
like "$(auth_last st1)" '"reason":"no_remote_grant"' "... recorded as no_remote_grant"
approved vendor add st1 --company "Itabashi City IT" --expires "$PERMIT_EXPIRES" \
    --window "$day $hm-$endhm" --from 127.0.0.2 --worker "Hanako Suzuki" \
    --place "home office" --work "night duty" >/dev/null ||
	diag "vendor add st1 (the remote-access grant) failed"
like "$(last_record vendor_add)" '"remote_grant":"staff"' \
    "R-REM-1: a permit on a staff account, approved by a second person, is its remote-access grant"
like "$(nobody_ak st1)" "from=\"127.0.0.2/32\",restrict,pty" \
    "R-REM-1: ... and kagi-authkeys prints the key inside it"
out=$(gssh st1 "$PA" 127.0.0.2 s1 -- echo logged-in 2>&1)
like "$out" "logged-in" "R-REM-1: staff with a grant log in through the gateway with their key"
like "$(kagictl user show st1 --json)" '"role":"staff"' "... the role unchanged"
like "$(kagictl vendor show st1)" "Itabashi City IT" \
    "R-REM-1: kagictl vendor show shows the grant"
gssh st1 "$PA" 127.0.0.2 s1 -- sleep 600 >"$T/st1.out" 2>&1 &
SSSH=$!
bg_register $SSSH
n=0
while ! kagictl session list --json 2>/dev/null | grep -q '"st1"' && [ $n -lt 100 ]; do
	sleep 0.1
	n=$((n + 1))
done
like "$(kagictl session list --json | tr -d ' \n' | grep -o '{[^{}]*"st1"[^{}]*}')" \
    '"window_end"' \
    "R-REM-4: a staff gateway session from the grant's address ends with the grant's window"
kill "$SSSH" 2>/dev/null

# --- revoked, kagid down, expired -----------------------------------------------

# A gateway session, registered like every other log-in's (R-REM-4).
cat "$T/v1.pub" >"$T/home1/.ssh/authorized_keys"
gssh vend1 "$PA" 127.0.0.2 v1 -- sleep 600 >"$T/long.out" 2>&1 &
VSSH=$!
bg_register $VSSH
n=0
while ! kagictl session list --json 2>/dev/null | grep -q '"vend1"' && [ $n -lt 100 ]; do
	sleep 0.1
	n=$((n + 1))
done
sl=$(kagictl session list --json)
like "$sl" '"window_end"' \
    "R-REM-4: the gateway session is registered with kagid, to end with the window"
tok=$(kagictl token list vend1 --json | tr -d ' \n' |
    sed -n 's/.*"id":\([0-9]*\),"user":"vend1","type":"sshkey".*/\1/p')
kagictl token revoke vend1 "$tok" >/dev/null 2>&1 || diag "token revoke $tok failed"
n=0
while kill -0 $VSSH 2>/dev/null && [ $n -lt 300 ]; do
	sleep 0.1
	n=$((n + 1))
done
if kill -0 $VSSH 2>/dev/null; then
	not_ok "R-REM-4: revoking the key ends the vendor's gateway session" \
	    "$(tail -n 10 "$T/kagid.log")"
else
	ok "R-REM-4: revoking the key ends the vendor's gateway session"
fi
like "$(kagictl audit export --json --event session_close --user vend1 | tail -n 1)" \
    '"reason":"key_revoked"' "R-REM-4: ... audited as session_close reason key_revoked"
is "$(nobody_ak vend1 "127.0.0.2 50000 127.0.0.1 22")" "" \
    "a revoked key is no longer printed"
out=$(gssh vend1 "$PB" 127.0.0.2 v1 -- echo logged-in 2>&1)
unlike "$out" "logged-in" "a revoked key is refused by pam_kagi when sshd still takes it"
like "$(auth_last vend1)" '"reason":"revoked"' "... recorded as revoked"

stop_kagid
out=$(nobody_ak vend2 "127.0.0.2 50000 127.0.0.1 22" 2>&1); st=$?
is "$out:$st" ":1" "with kagid down kagi-authkeys prints nothing and fails"

# FAKETIME_LIB: lib.sh's.
if [ -n "$FAKETIME_LIB" ]; then
	KAGID_ENV="LD_PRELOAD=$FAKETIME_LIB FAKETIME=+31d FAKETIME_DONT_FAKE_MONOTONIC=1" \
	    start_kagid approver_group=nogroup authkeys_user=nobody ||
		diag "kagid did not start under libfaketime"
	cat "$T/v2.pub" >"$T/home2/.ssh/authorized_keys"
	is "$(nobody_ak vend2 "127.0.0.2 50000 127.0.0.1 22")" "" \
	    "R-REM-1: nothing for a vendor whose permit expired"
	out=$(gssh vend2 "$PB" 127.0.0.2 v2 -- echo logged-in 2>&1)
	unlike "$out" "logged-in" "R-REM-1: an expired vendor is refused by pam_kagi even when sshd takes its key"
	like "$(kagictl audit export --json --event vendor_refused --user vend2 | tail -n 1)" \
	    '"reason":"expired"' "... recorded as expired"
else
	not_ok "R-REM-1: expired vendor" "libfaketime not installed"
	not_ok "R-REM-1: expired vendor (pam_kagi)" "libfaketime not installed"
	not_ok "R-REM-1: expired vendor record" "libfaketime not installed"
fi

finish
