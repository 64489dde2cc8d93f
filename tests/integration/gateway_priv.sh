#!/bin/sh
# gateway_priv.sh - a privileged administrator's SSH gateway key (issue
# 16; R-PRIV-2, R-PRIV-3, R-REM-1): the administrator's challenge for a
# privileged user is only a request; its approval by a second person is a
# grant that only the user spends, logged in as themselves, with the key
# in hand (kagictl enroll --grant --challenge, then --sshkey); an
# administrator's add-sshkey for that user is refused; the key's
# attestation must be trusted (fido2_attestation_privileged); and
# kagi-authkeys lists the key only once a second person approved the
# user's remote-access grant.  A staff user enrolls their own key with an
# enrollment code, which is then spent.  The users are accounts of the
# test's own (nss_wrapper); the key is the software security key
# (tests/sshsk).

. "$(dirname "$0")/lib.sh"

P=$top_builddir/tests/sshsk/.libs/libsshsk.so
AUTHKEYS=$top_builddir/tokend/ctl/kagi-authkeys
[ -f "$P" ] && [ -x "$AUTHKEYS" ] || skip_all "libsshsk.so or kagi-authkeys not built"
kagid_built
kagictl_built
command -v ssh-keygen >/dev/null 2>&1 ||
	skip_all "ssh-keygen not installed (Debian package openssh-client)"
if command -v nm >/dev/null 2>&1 &&
    nm -D --undefined-only "$P" 2>/dev/null | grep -q '__asan_'; then
	skip_all "sanitizer build: the provider is built with ASan; ssh-sk-helper is not"
fi
can_approve || skip_all "needs root, setpriv and nogroup to approve requests"
test_accounts || skip_all "libnss_wrapper.so not found (libnss-wrapper)"
loginuid_settable || {
	echo "Bail out! cannot set a login uid: the grant is spent in person"
	exit 1
}

plan 13

chmod 711 "$T"
export KAGI_SSHSK_STATE="$T/counter"
buid=$(test_account boss)
start_kagid approver_group=nogroup authkeys_user=nobody \
    fido2_aaguids=6b616769-2d73-7368-736b-2d7631000000 ||
	{ echo "Bail out! kagid did not start"; exit 1; }
approved user add boss --role privileged >/dev/null ||
	diag "user add boss --role privileged failed"
# boss's own directory (kagictl reads files as their owner left them).
mkdir -m 755 "$T/pk" && chown "$buid" "$T/pk"

# boss ARGS...: kagictl as boss, logged in as boss.
boss() {
	as_person "$buid" setpriv --reuid="$buid" \
	    --regid="$(getent group nogroup | cut -d: -f3)" --clear-groups \
	    "$KAGICTL" --socket "$SOCK" "$@" 2>&1
}
keygen() {
	ssh-keygen -q -t ed25519-sk -w "$P" -O verify-required \
	    -O challenge="$1" -O write-attestation="$T/pk/$2.att" -N '' \
	    -C "$2" -f "$T/pk/$2" </dev/null >"$T/keygen.out" 2>&1 ||
		diag "ssh-keygen $2: $(cat "$T/keygen.out")"
	# As if boss had run it.
	chown "$buid" "$T/pk/$2" "$T/pk/$2.pub" "$T/pk/$2.att"
}

kagictl_person token sshkey-challenge boss "$T/pk/x" >/dev/null 2>&1
is "$?" 4 "R-PRIV-3: an administrator's challenge for a privileged user is a request (exit 4)"
[ ! -e "$T/pk/x" ] && ok "... and no challenge is written" ||
	not_ok "... and no challenge is written"
out=$(boss enroll --grant --challenge "$T/pk/c0")
like "$out" "no approved enrollment waits" \
    "R-PRIV-3: without an approval the user gets no challenge either"

approved token sshkey-challenge boss "$T/pk/y" >/dev/null ||
	diag "the request was not approved"
like "$(last_record enroll_grant)" '"spent_by":"boss"' \
    "R-PRIV-3: the approval is a grant only boss spends"
out=$(boss enroll --grant --challenge "$T/pk/chal")
like "$out" "Challenge written to" "boss, in person, gets the challenge with the grant"
keygen "$T/pk/chal" k1
out=$(kagictl token add-sshkey boss "$T/pk/k1.pub" --attestation "$T/pk/k1.att" 2>&1)
unlike "$out" "token: " "R-PRIV-3: an administrator's add-sshkey for a privileged user is refused"
out=$(boss enroll --grant --sshkey "$T/pk/k1.pub" --attestation "$T/pk/k1.att")
like "$out" "token: " "R-PRIV-3: boss enrolls the key in hand, spending the grant"
like "$(last_record enroll_grant_use)" '"approver"' "... recorded as enroll_grant_use"

ak() {
	setpriv --reuid=65534 --regid="$(getent group nogroup | cut -d: -f3)" \
	    --clear-groups "$AUTHKEYS" -s "$SOCK" "$@"
}
is "$(ak boss)" "" \
    "R-REM-1: kagi-authkeys lists nothing for boss without a remote-access grant"
# A window from now for two hours (Tokyo time, kagid's default zone).
day=$(TZ=Asia/Tokyo date +%a)
hm=$(TZ=Asia/Tokyo date +%H:%M)
h=${hm%:*}; m=${hm#*:}
end=$(( ${h#0} * 60 + ${m#0} + 120 ))
[ $end -gt 1440 ] && end=1440
endhm=$(printf '%02d:%02d' $((end / 60)) $((end % 60)))
approved vendor add boss --company "Itabashi City IT" --expires "$PERMIT_EXPIRES" \
    --window "$day $hm-$endhm" --from 198.51.100.7 \
    --worker "Ichiro Suzuki" --place "home" --work "patching" >/dev/null ||
	diag "the remote-access grant was not approved"
like "$(ak boss)" 'from="198.51.100.7/32",restrict,pty sk-ssh-ed25519@openssh.com' \
    "R-REM-1: with an approved remote-access grant, inside it, boss's key is listed"

# --- a staff user's own key with an enrollment code (R-TOK-4) ------------------
euid=$(test_account emp)
# The kagid of this run reads the new account too (nss_wrapper's files).
code=$(kagictl user add emp --enroll-code | sed -n 's/^enroll-code: *//p')
mkdir -m 755 "$T/ek" && chown "$euid" "$T/ek"
emp() {
	as_person "$euid" setpriv --reuid="$euid" \
	    --regid="$(getent group nogroup | cut -d: -f3)" --clear-groups \
	    "$KAGICTL" --socket "$SOCK" "$@" 2>&1
}
out=$(echo "$code" | emp enroll --challenge "$T/ek/chal")
like "$out" "Challenge written to" \
    "R-TOK-4: a user gets a challenge for their own key with their enrollment code"
ssh-keygen -q -t ed25519-sk -w "$P" -O verify-required -O challenge="$T/ek/chal" \
    -O write-attestation="$T/ek/e.att" -N '' -f "$T/ek/e" </dev/null >/dev/null 2>&1
chown "$euid" "$T/ek/e" "$T/ek/e.pub" "$T/ek/e.att"
out=$(echo "$code" | emp enroll --sshkey "$T/ek/e.pub" --attestation "$T/ek/e.att")
like "$out" "token: " "R-TOK-4: ... and enrolls it, spending the code"
out=$(echo "$code" | emp enroll --challenge "$T/ek/chal2")
unlike "$out" "Challenge written to" "R-TOK-4: ... which then serves no further key"

finish
