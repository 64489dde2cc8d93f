#!/bin/sh
# doctor.sh - kagictl doctor gateway (issue 16, item 5; R-MFA-2, R-MFA-3,
# R-REM-2, R-PRIV-2): sshd's effective settings (sshd -T -C user=...,
# addr=..., host=...) for every vendor and privileged account of a real
# kagid, against the shipped conf/sshd_config.d/kagi-gateway.conf (nothing
# unsafe) and against configs that each break one thing, Match blocks
# included: each unsafe setting is named, for the accounts it concerns,
# and the exit status says so.  Skipped when sshd is missing or the test
# is not root (sshd -T reads the host key).

. "$(dirname "$0")/lib.sh"

kagid_built
kagictl_built
SSHD=/usr/sbin/sshd
[ -x "$SSHD" ] || skip_all "sshd not installed (Debian package openssh-server)"
command -v ssh-keygen >/dev/null 2>&1 ||
	skip_all "ssh-keygen not installed (Debian package openssh-client)"
[ "$(id -u)" = 0 ] || skip_all "sshd -T reads the host key: needs root"
can_approve || skip_all "needs setpriv and nogroup to approve requests"

plan 12

chmod 711 "$T"
start_kagid approver_group=nogroup ||
	{ echo "Bail out! kagid did not start"; exit 1; }
approved vendor add vend1 --company ACME --expires "$PERMIT_EXPIRES" \
    --window "Mon-Fri 09:00-17:00" --from 192.0.2.8 --worker "Taro Yamada" \
    --place "ACME Osaka office" --work "maintenance" >/dev/null ||
	diag "vendor add vend1 failed"
approved user add kanri --role privileged >/dev/null ||
	diag "user add kanri failed"
kagictl user add tanaka >/dev/null

ssh-keygen -q -t ed25519 -N '' -f "$T/hostkey" >/dev/null
# conf NAME [LINES...]: the shipped file after the host key and LINES
# (sshd keeps the first value of a keyword, so LINES override it).
conf() {
	_n=$1
	shift
	{
		echo "HostKey $T/hostkey"
		for _l in "$@"; do echo "$_l"; done
		cat "$top_srcdir/conf/sshd_config.d/kagi-gateway.conf"
	} >"$T/$_n.conf"
}
doctor() { kagictl doctor gateway --sshd-config "$T/$1.conf" --from 192.0.2.8 2>&1; }

conf good
out=$(doctor good); st=$?
is "$st" 0 "the shipped kagi-gateway.conf: nothing unsafe (exit 0)"
like "$out" "2 vendor and privileged accounts checked, 0 unsafe settings." \
    "... for the vendor and the privileged account, staff left out"

conf akf "AuthorizedKeysFile .ssh/authorized_keys"
out=$(doctor akf); st=$?
is "$st" 1 "authorized_keys files read: exit 1"
like "$out" "vend1: authorized_keys files are still read" \
    "... named for the vendor"
like "$out" "kanri: authorized_keys files are still read" \
    "... and for the privileged account"

conf nopk "AuthenticationMethods keyboard-interactive:pam"
like "$(doctor nopk)" "vend1: a method list without publickey" \
    "R-MFA-3: a method list without publickey is named"
conf pwonly "AuthenticationMethods any" "PasswordAuthentication yes"
out=$(doctor pwonly)
like "$out" "kanri: password-only log-in possible" \
    "R-MFA-2: password-only log-in is named"
like "$out" "kanri: a method list without keyboard-interactive" \
    "... and so is skipping pam_kagi"
conf nouv "PubkeyAuthOptions none"
like "$(doctor nouv)" "vend1: no verify-required" \
    "R-PRIV-2: no verify-required is named"
conf fwd "AllowAgentForwarding yes" "AllowTcpForwarding yes"
out=$(doctor fwd)
like "$out" "vend1: agent forwarding on" "agent forwarding is named"
like "$out" "vend1: TCP forwarding on" "TCP forwarding is named"
# A Match block for one user: only that account is named.
conf match
printf 'Match User kanri\n\tAuthenticationMethods password\n' >>"$T/match.conf"
out=$(doctor match)
if printf '%s\n' "$out" | grep -q "^kanri: a method list without publickey" &&
    ! printf '%s\n' "$out" | grep -q "^vend1:"; then
	ok "a Match block is read per account: only kanri is named"
else
	not_ok "a Match block is read per account: only kanri is named" "$out"
fi

finish
