#!/bin/sh
# twoperson.sh - the two-person rule tried as an insider would (issue 11:
# R-PRIV-3, R-PRIV-2, R-LOG-5), against a real kagid with real Unix users
# made for this run (useradd, removed at exit), each run as itself with
# its own login uid (setpriv, /proc/self/loginuid as pam_loginuid sets it):
#
#  - root is not a person: root with no login uid, or with login uid 0,
#    can neither ask for nor approve a two-person act; the person behind
#    root is its login uid, so an administrator who asks through sudo
#    cannot approve as themselves, nor the other way round; a named
#    account with no login uid (a service) approves nothing, and another
#    person in an approver's account (sudo -u) approves only with their
#    own groups; two people
#    both working as root (different login uids) do succeed; every record
#    of an administrative act names the actor's login uid;
#  - nobody approves a request whose target is their own account (a role,
#    a token, an unlock, break-glass codes), and no administrator enrolls
#    a token for, unlocks, or issues an enrollment code for their own
#    account, as themselves or as root;
#  - who approves what: role_privileged only a member of the CISO's group
#    (approver_group_role_privileged), vendor access only the responsible
#    officer's (approver_group_vendor_add); the record names both people
#    and their groups;
#  - an approved request that cannot be carried out says the real reason
#    and is marked failed, visibly.
# Each refusal is checked for its exit status, its message and its audit
# record, beside the case where two different people succeed.

. "$(dirname "$0")/lib.sh"

kagid_built
kagictl_built
need_people

plan 63

chmod 711 "$T"
ADM=$(new_unix_group tpa) && APR=$(new_unix_group tpp) &&
    CISO=$(new_unix_group tpc) && RSO=$(new_unix_group tpr) ||
	{ echo "Bail out! groupadd failed"; exit 1; }
# alice: administrator, approver, in the CISO's group; bob: administrator
# and approver; carol: the CISO; dave: the system's responsible officer;
# frank: an approver who administers nothing.
alice=$(new_unix_user tpal "$ADM" "$APR" "$CISO") &&
    bob=$(new_unix_user tpbo "$ADM" "$APR") &&
    carol=$(new_unix_user tpca "$CISO") &&
    dave=$(new_unix_user tpda "$RSO") &&
    frank=$(new_unix_user tpfr "$APR") ||
	{ echo "Bail out! useradd failed"; exit 1; }

start_kagid admin_group="$ADM" approver_group="$APR" \
    approver_group_role_privileged="$CISO" approver_group_vendor_add="$RSO" \
    approval_required=role_privileged,token_privileged,vendor_add,unlock_privileged \
    request_lifetime=1h ||
	{ echo "Bail out! kagid did not start"; exit 1; }

# root_ctl LOGINUID ARGS...: kagictl as root with that login uid.
root_ctl() {
	_l=$1
	shift
	as_person "$_l" "$KAGICTL" --socket "$SOCK" "$@" 2>&1
}
role_of() {
	kagictl --json user show "$1" | tr -d ' \n' |
	    sed -n 's/.*"role":"\([a-z]*\)".*/\1/p'
}

kagictl user add "$alice" >/dev/null
kagictl user add "$bob" >/dev/null
kagictl user add staffy >/dev/null

# --- root is not a person (R-PRIV-3, R-LOG-5) --------------------------------
out=$(root_ctl 4294967295 user add boss1 --role privileged); st=$?
is "$st" 1 "R-PRIV-3: root with no login uid cannot ask for a two-person act"
like "$out" "is not a person" "... told it is not a person"
like "$(last_record refused)" '"reason":"not_a_person"' \
    "... recorded as a refusal (not_a_person)"
out=$(root_ctl 0 user add boss1 --role privileged); st=$?
is "$st" 1 "R-PRIV-3: root logged in as root (login uid 0) is no person either"
like "$out" "login uid 0" "... and is told why"

# Two people, both working as root: alice asks, carol approves.
out=$(sudo_ctl "$alice" user add boss1 --role privileged); st=$?
is "$st" 4 "R-PRIV-3: root logged in as alice asks to make boss1 privileged"
id=$(printf '%s\n' "$out" | req_id)
out=$(sudo_ctl "$alice" request approve "$id"); st=$?
is "$st" 1 "R-PRIV-3: root logged in as alice cannot approve alice's request"
like "$out" "nobody approves their own request" "... in words"
out=$(sudo_ctl "$carol" request approve "$id"); st=$?
is "$st" 0 "R-PRIV-3: root logged in as carol (the CISO) approves it"
is "$(role_of boss1)" privileged "... and boss1 is privileged"
rec=$(last_record approve)
like "$rec" "\"requester_loginuid\":$(id -u "$alice")" \
    "R-PRIV-3: the approval names the requester's login uid"
like "$rec" "\"approver_loginuid\":$(id -u "$carol")" \
    "... and the approver's"
like "$(last_record user_add)" "\"actor_loginuid\":$(id -u "$carol")" \
    "R-LOG-5: the act's own record names its actor's login uid"

# An administrator with sudo: asks as root, approves as themselves...
out=$(sudo_ctl "$bob" user role boss1 staff); st=$?
is "$st" 4 "R-PRIV-3: bob, through sudo, asks to remove boss1's privileged role"
id=$(printf '%s\n' "$out" | req_id)
out=$(as_ctl "$bob" request approve "$id"); st=$?
is "$st" 1 "R-PRIV-3: bob cannot approve it as himself: root's person was bob"
like "$out" "nobody approves their own request" "... in words"
like "$(last_record refused)" '"reason":"own_request"' \
    "... recorded as a refusal (own_request)"
# ... and the other way round.
out=$(as_ctl "$bob" unlock boss1); st=$?
is "$st" 4 "R-PRIV-3: bob, as himself, asks to unlock privileged boss1"
id2=$(printf '%s\n' "$out" | req_id)
out=$(sudo_ctl "$bob" request approve "$id2"); st=$?
is "$st" 1 "R-PRIV-3: bob cannot approve it as root: root's person is bob"
like "$out" "nobody approves their own request" "... in words"
# A named account with no login uid (a service, systemd-run) is no person.
out=$(as_person 4294967295 setpriv --reuid="$(id -u "$frank")" \
    --regid="$(id -g "$frank")" --init-groups \
    "$KAGICTL" --socket "$SOCK" request approve "$id2" 2>&1); st=$?
is "$st" 1 "R-PRIV-3: frank's account with no login uid cannot approve"
like "$out" "is not a person" "... in words"
# Another person in an approver's account (sudo -u frank) is still that
# person: the approver groups are those of the person, not of the uid.
out=$(as_person "$(id -u "$dave")" setpriv --reuid="$(id -u "$frank")" \
    --regid="$(id -g "$frank")" --init-groups \
    "$KAGICTL" --socket "$SOCK" request approve "$id2" 2>&1); st=$?
is "$st" 1 "R-PRIV-3: dave in frank's account (sudo -u) cannot approve: the person is dave"
like "$out" "takes a member of the group '$APR'" "... who is not in the approver group"
like "$(last_record refused)" '"reason":"approver_group"' \
    "... recorded as a refusal (approver_group)"
out=$(as_ctl "$frank" request approve "$id2"); st=$?
is "$st" 0 "R-PRIV-3: frank, logged in as himself, approves bob's unlock"

# --- nobody approves an act on their own account ------------------------------
out=$(as_ctl "$bob" user role "$alice" privileged); st=$?
is "$st" 4 "R-PRIV-3: bob asks to make alice privileged"
id=$(printf '%s\n' "$out" | req_id)
out=$(as_ctl "$alice" request approve "$id"); st=$?
is "$st" 1 "R-PRIV-3: alice (in the CISO's group) cannot approve her own elevation"
like "$out" "the approver's own account" "... in words"
like "$(last_record refused)" '"reason":"own_account"' \
    "... recorded as a refusal (own_account)"
is "$(role_of "$alice")" staff "... and alice is still staff"
out=$(sudo_ctl "$alice" request approve "$id"); st=$?
is "$st" 1 "R-PRIV-3: nor through sudo"
out=$(as_ctl "$carol" request approve "$id"); st=$?
is "$st" 0 "R-PRIV-3: carol, the CISO, approves it"
is "$(role_of "$alice")" privileged "... and alice is privileged"

out=$(as_ctl "$bob" token add-fido2 "$alice"); st=$?
is "$st" 4 "R-PRIV-3: bob asks to enroll a key for privileged alice"
id=$(printf '%s\n' "$out" | req_id)
out=$(as_ctl "$alice" request approve "$id"); st=$?
is "$st" 1 "R-PRIV-3: alice cannot approve a token for herself"
like "$out" "the approver's own account" "... in words"
out=$(as_ctl "$bob" unlock "$alice"); st=$?
id=$(printf '%s\n' "$out" | req_id)
out=$(as_ctl "$alice" request approve "$id"); st=$?
is "$st" 1 "R-PRIV-3: alice cannot approve her own unlock"
out=$(as_ctl "$frank" request approve "$id"); st=$?
is "$st" 0 "... frank can"

# Administrators' own accounts, as themselves and through sudo.
out=$(as_ctl "$bob" token add-totp "$bob" --no-qr --pending); st=$?
is "$st" 1 "R-PRIV-3: bob cannot enroll a token for his own account"
like "$out" "may not enroll a token for their own account" "... in words"
like "$(last_record refused)" "\"user\":\"$bob\"" \
    "... recorded as a refusal naming the account"
out=$(sudo_ctl "$bob" token add-totp "$bob" --no-qr --pending); st=$?
is "$st" 1 "R-PRIV-3: nor through sudo (root's person is bob)"
out=$(as_ctl "$bob" user enroll-code "$bob"); st=$?
is "$st" 1 "R-PRIV-3: bob cannot issue himself an enrollment code"
out=$(as_ctl "$bob" unlock "$bob"); st=$?
is "$st" 1 "R-PRIV-3: bob cannot unlock his own account"
like "$out" "may not unlock their own account" "... in words"
out=$(as_ctl "$alice" unlock "$bob"); st=$?
is "$st" 0 "... alice unlocks bob's account"
out=$(as_ctl "$alice" token add-totp "$bob" --no-qr --pending); st=$?
is "$st" 0 "... and enrolls a token for him"

# --- who approves what (R-PRIV-3: the CISO approves stand-ins) ---------------
out=$(as_ctl "$bob" user add boss2 --role privileged); st=$?
id=$(printf '%s\n' "$out" | req_id)
out=$(as_ctl "$frank" request approve "$id"); st=$?
is "$st" 1 "R-PRIV-3: an approver outside the CISO's group cannot grant the privileged role"
like "$out" "approver_group_role_privileged" "... naming the setting"
like "$out" "'$CISO'" "... and the group"
out=$(as_ctl "$carol" request approve "$id"); st=$?
is "$st" 0 "R-PRIV-3: the CISO grants it"
rec=$(last_record approve)
like "$rec" "\"approver_group\":\"$CISO\"" "the record names the approver's group"
like "$rec" "\"requester_group\":\"$ADM\"" "... and the requester's"

out=$(as_ctl "$bob" vendor add vendx --company ACME --expires "$PERMIT_EXPIRES" \
    --window "Mon-Fri 09:00-17:00" --from 192.0.2.8 --worker "Taro Yamada" \
    --place "ACME Osaka office" --work "backup server maintenance"); st=$?
is "$st" 4 "R-REM-1: vendor access is a request"
id=$(printf '%s\n' "$out" | req_id)
out=$(as_ctl "$alice" request approve "$id"); st=$?
is "$st" 1 "R-REM-1: the CISO's group is not the responsible officer's"
like "$out" "approver_group_vendor_add" "... naming the setting"
out=$(as_ctl "$dave" request approve "$id"); st=$?
is "$st" 0 "R-REM-1: the responsible officer approves vendor access"

# --- an approval that cannot be carried out says why -------------------------
# A permit within the limits when asked for; the limit is tightened
# (kagid restarted with it) before a second person approves: the
# approval's replay checks the limits again and cannot be carried out.
# (A permit on an existing staff account is that user's remote-access
# grant through the SSH gateway, issue 16: no longer a failure.)
out=$(as_ctl "$bob" vendor add staffy --company ACME --expires "$PERMIT_EXPIRES" \
    --window "Mon-Fri 09:00-17:00" --from 192.0.2.0/28 --worker "Taro Yamada" \
    --place "ACME Osaka office" --work "backup server maintenance"); st=$?
id=$(printf '%s\n' "$out" | req_id)
stop_kagid
start_kagid admin_group="$ADM" approver_group="$APR" \
    approver_group_role_privileged="$CISO" approver_group_vendor_add="$RSO" \
    approval_required=role_privileged,token_privileged,vendor_add,unlock_privileged \
    request_lifetime=1h vendor_widest_prefix_ipv4=29 ||
	{ echo "Bail out! kagid did not start again"; exit 1; }
out=$(as_ctl "$dave" request approve "$id"); st=$?
is "$st" 1 "R-LOG-5: vendor access beyond a limit tightened since it was asked cannot be carried out"
like "$out" "vendor_widest_prefix_ipv4" "... and says the real reason"
unlike "$out" "no longer pending" "... not that the request is no longer pending"
like "$(kagictl --json request show "$id")" '"state":"failed"' \
    "... and the request is marked failed"
like "$(last_record request_failed)" "\"request\":$id" \
    "... recorded as request_failed"

finish
