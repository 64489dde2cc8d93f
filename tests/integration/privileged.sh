#!/bin/sh
# privileged.sh - what one person cannot do to a privileged account (issue
# 11: R-PRIV-3, R-PRIV-2, R-LOG-5, R-EXC-1, R-INC-1), against a real kagid,
# the software FIDO2 key (tests/softkey) and pam_kagi in a real PAM stack,
# with real Unix users made for this run (useradd, removed at exit):
#
#  - a privileged user's key: an administrator asks, a second person
#    approves, and the approval is a single-use grant that only the user
#    spends (`kagictl enroll --grant`, logged in as themselves, the key in
#    hand); the administrator's own add-fido2 only asks again, an import
#    is refused, and the administrator through `sudo -u USER` is another
#    person and is refused: nobody else ever holds the user's credential;
#  - the attestation policy is per role (R-PRIV-2): by default a
#    privileged user's key needs a full attestation chaining to
#    fido2_attestation_roots or an AAGUID of fido2_aaguids (no attestation,
#    self attestation, an unknown maker: refused), while a staff user's
#    key with self attestation is taken; `kagid -t` warns when the roots
#    file holds no certificate;
#  - break-glass codes for a privileged user are always a two-person act,
#    even when approval_required leaves them out, while a staff user's are
#    issued at once; a code used with kagid down raises an alert when
#    kagid is back.
# Each refusal is checked for its exit status, its message and its audit
# record, beside the case where two different people succeed.

. "$(dirname "$0")/lib.sh"

SHIM=$top_builddir/tests/softkey/.libs/libsoftkey_shim.so
SKTOOL=$top_builddir/tests/softkey/softkeytool
[ -f "$SHIM" ] && [ -x "$SKTOOL" ] || skip_all "the software key is not built"
[ -x "$PAMDRV" ] && [ -f "$MODULE" ] || skip_all "pamdrv or pam_kagi.so not built"
[ -n "$PAM_MATRIX" ] || skip_all "pam_wrapper's pam_matrix.so is needed"
kagid_built
kagictl_built
need_people

plan 46

chmod 711 "$T"
mkdir -m 777 "$T/keys"
ADM=$(new_unix_group tqa) && APR=$(new_unix_group tqp) ||
	{ echo "Bail out! groupadd failed"; exit 1; }
# bob: administrator and approver; frank: an approver; erin: becomes
# privileged.
bob=$(new_unix_user tqbo "$ADM" "$APR") &&
    frank=$(new_unix_user tqfr "$APR") &&
    erin=$(new_unix_user tqer) ||
	{ echo "Bail out! useradd failed"; exit 1; }

RP=pam://kagi-test
BGFILE=$T/state/breakglass
shared_key kE --pin 1357		# erin's: its maker is a trusted root
shared_key kX --pin 2468		# another maker's
"$SKTOOL" cert "$T/keys/kE" >"$T/roots.pem"
chmod 644 "$T/roots.pem"
cat >"$T/alert.sh" <<EOF
#!/bin/sh
cat >>"$T/alert.out"
EOF
chmod 755 "$T/alert.sh"
# approval_required leaves breakglass_privileged out: it is required all
# the same.
CONF="admin_group=$ADM approver_group=$APR request_lifetime=1h
fido2_rp_id=$RP fido2_attestation_roots=$T/roots.pem breakglass=yes
breakglass_codes=2 breakglass_iterations=1000 alert_command=$T/alert.sh
alert_timeout=5 approval_required=role_privileged,token_privileged,vendor_add"
# shellcheck disable=SC2086
start_kagid $CONF || { echo "Bail out! kagid did not start"; exit 1; }
write_service -- breakglass_file=$BGFILE

tokens() { kagictl --json token list "$1" | grep -c '"id"'; }
# enroll_as USER KEY [env...]: `kagictl enroll --grant` as USER, logged in
# as USER, with KEY plugged in; the PIN on standard input.
enroll_as() {
	_u=$1 _k=$2
	shift 2
	as_user "$_u" env LD_PRELOAD="$SHIM" KAGI_SOFTKEY_STATE="$T/keys/$_k" \
	    "$@" "$KAGICTL" --socket "$SOCK" enroll --grant 2>&1
}

out=$(sudo_ctl "$bob" user add "$erin" --role privileged)
id=$(printf '%s\n' "$out" | req_id)
as_ctl "$frank" request approve "$id" >/dev/null
like "$(kagictl --json user show "$erin")" '"role":"privileged"' \
    "R-PRIV-3: erin is privileged, on a second person's approval"
add_user_password "$erin" pw-erin

# --- a privileged user's key: asked, approved, enrolled by the user -------------
out=$(echo 2468 | as_user "$bob" env LD_PRELOAD="$SHIM" \
    KAGI_SOFTKEY_STATE="$T/keys/kX" "$KAGICTL" --socket "$SOCK" \
    token add-fido2 "$erin" 2>&1); st=$?
is "$st" 4 "R-PRIV-3: bob asking to enroll a key for erin stores a request"
id=$(printf '%s\n' "$out" | req_id)
out=$(as_ctl "$bob" request approve "$id"); st=$?
is "$st" 1 "R-PRIV-3: bob cannot approve it"
out=$(as_ctl "$frank" request approve "$id"); st=$?
is "$st" 0 "R-PRIV-3: frank approves it"
like "$out" "may now enroll one security key" "... and is told erin enrolls it"
is "$(tokens "$erin")" 0 "the approval enrolls nothing by itself"
like "$(last_record enroll_grant)" "\"spent_by\":\"$erin\"" \
    "R-PRIV-3: the grant is recorded as erin's to spend"

out=$(echo 2468 | as_user "$bob" env LD_PRELOAD="$SHIM" \
    KAGI_SOFTKEY_STATE="$T/keys/kX" "$KAGICTL" --socket "$SOCK" \
    token add-fido2 "$erin" 2>&1); st=$?
is "$st" 4 "R-PRIV-3: after the approval, bob's add-fido2 only asks again"
is "$(tokens "$erin")" 0 "... and bob's key is not erin's"
out=$(echo 2468 | as_person "$(id -u "$bob")" setpriv --reuid="$(id -u "$erin")" \
    --regid="$(id -g "$erin")" --init-groups env LD_PRELOAD="$SHIM" \
    KAGI_SOFTKEY_STATE="$T/keys/kX" "$KAGICTL" --socket "$SOCK" enroll --grant 2>&1); st=$?
is "$st" 1 "R-PRIV-3: bob in erin's account (sudo -u) cannot spend erin's grant"
like "$out" "logged in as themselves" "... in words"
like "$(last_record token_refused)" '"reason":"not_in_person"' \
    "... recorded as not_in_person"
is "$(tokens "$erin")" 0 "... and no key was enrolled"
"$SKTOOL" init "$T/keys/kU" --pin 7777 >/dev/null
env LD_PRELOAD="$SHIM" KAGI_SOFTKEY_STATE="$T/keys/kU" \
    "$top_builddir/tests/fido2client" - "$erin" "$RP" - makecred 7777 \
    >"$T/u2f_keys" 2>/dev/null
out=$(as_ctl "$bob" import pam-u2f "$T/u2f_keys"); st=$?
is "$st" 1 "R-PRIV-3: a key bob brings is never imported for erin"
like "$(last_record token_refused)" '"reason":"enrolled_by_user"' \
    "... recorded as enrolled_by_user"

# --- the privileged role's attestation policy (R-PRIV-2) ----------------------
out=$(echo 1357 | enroll_as "$erin" kE KAGI_SOFTKEY_ATT=none); st=$?
is "$st" 1 "R-PRIV-2: erin's key with no attestation is refused"
like "$out" "requires an attestation this security key does not give" "... in words"
like "$(last_record token_refused)" '"reason":"attestation_missing"' \
    "... recorded as attestation_missing"
out=$(echo 1357 | enroll_as "$erin" kE KAGI_SOFTKEY_ATT=self); st=$?
is "$st" 1 "R-PRIV-2: erin's key with self attestation is refused"
out=$(echo 2468 | enroll_as "$erin" kX); st=$?
is "$st" 1 "R-PRIV-2: a full attestation from an untrusted maker is refused"
like "$out" "not among the trusted ones" "... in words"
like "$(last_record token_refused)" '"reason":"attestation_untrusted"' \
    "... recorded as attestation_untrusted"
is "$(tokens "$erin")" 0 "no refused key was enrolled"

out=$(echo 1357 | enroll_as "$erin" kE); st=$?
is "$st" 0 "R-PRIV-3 R-PRIV-2: erin, logged in as herself, enrolls her key (trusted root)"
tok=$(printf '%s\n' "$out" | sed -n 's/^token: *//p')
like "$(last_record enroll_grant_use)" "\"token\":$tok" \
    "... spending the grant, recorded as enroll_grant_use"
out=$(env LD_PRELOAD="$SHIM" KAGI_SOFTKEY_STATE="$T/keys/kE" "$PAMDRV" \
    -c "$T/pam.d" -s "$SERVICE" -u "$erin" -o auth pw-erin 1357 2>>"$T/pamdrv.err")
is "$(result_of "$out" auth)" PAM_SUCCESS "R-PRIV-2: erin logs in with her key"
out=$(echo 1357 | enroll_as "$erin" kE); st=$?
like "$out" "no approved enrollment waits" "R-PRIV-3: the grant was single-use"

# A staff user's key: the staff role's policy (any) takes self attestation.
kagictl user add staffy >/dev/null
add_user_password staffy pw-staffy
shared_key kS --pin 4321
out=$(echo 4321 | env LD_PRELOAD="$SHIM" KAGI_SOFTKEY_STATE="$T/keys/kS" \
    KAGI_SOFTKEY_ATT=self "$KAGICTL" --socket "$SOCK" token add-fido2 staffy 2>&1); st=$?
is "$st" 0 "R-PRIV-2: the same self attestation is taken for a staff user's key"

# An AAGUID on the allow-list stands in for a root (the trusted policy).
shared_key kA --pin 8642 --aaguid 0123456789abcdef0123456789abcdef
stop_kagid
# shellcheck disable=SC2086
start_kagid $CONF fido2_aaguids=01234567-89ab-cdef-0123-456789abcdef ||
	{ echo "Bail out! kagid did not restart"; exit 1; }
out=$(as_ctl "$bob" token add-fido2 "$erin")
id=$(printf '%s\n' "$out" | req_id)
as_ctl "$frank" request approve "$id" >/dev/null
out=$(echo 8642 | enroll_as "$erin" kA); st=$?
is "$st" 0 "R-PRIV-2: a key whose AAGUID is on fido2_aaguids is taken for erin"
is "$(tokens "$erin")" 2 "... erin has two keys"

# kagid -t on a roots file with no certificate.
: >"$T/empty.pem"
chmod 644 "$T/empty.pem"
sed "s|^fido2_attestation_roots = .*|fido2_attestation_roots = $T/empty.pem|" \
    "$T/kagid.conf" >"$T/empty.conf"
chmod 600 "$T/empty.conf"
out=$("$KAGID" -t -c "$T/empty.conf" 2>&1); st=$?
is "$st" 0 "kagid -t accepts a configuration whose roots file is empty"
like "$out" "holds no certificate" "R-PRIV-2: ... but warns that the roots file is empty"
like "$out" "fido2_attestation_privileged = trusted" "... naming the policy it weakens"

# --- break-glass codes (R-EXC-1, R-PRIV-3) ------------------------------------
out=$(as_ctl "$bob" breakglass issue staffy); st=$?
is "$st" 0 "R-EXC-1: bob issues a staff user's break-glass codes at once"
out=$(as_ctl "$bob" breakglass issue "$erin"); st=$?
is "$st" 4 "R-PRIV-3: a privileged user's break-glass codes always need a second person"
like "$out" "breakglass_privileged" "... naming the act, though approval_required leaves it out"
id=$(printf '%s\n' "$out" | req_id)
is "$(kagictl audit export --json --event breakglass_issue --user "$erin" | wc -l)" 0 \
    "... and no code is issued before the approval"
out=$(sudo_ctl "$bob" request approve "$id"); st=$?
is "$st" 1 "R-PRIV-3: bob (through sudo) cannot approve it"
like "$(last_record refused)" '"reason":"own_request"' "... recorded as own_request"
out=$(as_ctl "$frank" request approve "$id"); st=$?
is "$st" 0 "R-PRIV-3: frank approves the codes"
c1=$(printf '%s\n' "$out" | sed -n 's/^breakglass-code: *//p' | head -n 1)
check "... and the codes are shown once, to the approver" test -n "$c1"
like "$(last_record breakglass_issue)" "\"actor_loginuid\":$(id -u "$frank")" \
    "R-LOG-5: the issue is recorded with the approver's login uid"

# Used while kagid is down: an alert once kagid is back (R-INC-1).
stop_kagid
out=$(pam_run -u "$erin" -o both pw-erin "$c1")
is "$(result_of "$out" auth)" PAM_SUCCESS "R-EXC-1: with kagid down, erin logs in with a code"
: >"$T/alert.out"
# shellcheck disable=SC2086
start_kagid $CONF || { echo "Bail out! kagid did not restart"; exit 1; }
i=0
while ! grep -q breakglass_use "$T/alert.out" 2>/dev/null && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
out=$(cat "$T/alert.out")
like "$out" '"event":"breakglass_use"' "R-INC-1: kagid back, the offline use raises an alert"
like "$out" '"source":"offline"' "... as an offline use"
like "$out" "\"user\":\"$erin\"" "... naming the user"

finish
