#!/bin/sh
# approval.sh - the two-person rule (R-PRIV-3, R-LOG-5) against a real
# kagid: acts that need approval become requests; the requester never
# approves (the same person, by login uid, also as root); a non-approver
# cannot approve; another approver's approval carries the act out; a
# rejected or expired request changes nothing.  twoperson.sh tries the
# rule as an insider would, with accounts of its own.
#
# Needs root, to run kagictl as other uids (setpriv) and with login uids
# of its choosing (as pam_loginuid sets them): root logged in as the
# person $A is the requesting administrator, daemon (admin_group =
# daemon) a second administrator who is not an approver, nobody
# (approver_group = nogroup) an approver who is not an administrator.

. "$(dirname "$0")/lib.sh"

kagid_built
kagictl_built
[ "$(id -u)" -eq 0 ] || skip_all "needs root to act as several uids"
command -v setpriv >/dev/null 2>&1 || skip_all "setpriv not installed"
getent group nogroup >/dev/null 2>&1 && getent passwd daemon >/dev/null 2>&1 ||
	skip_all "no nobody/nogroup or daemon account"
loginuid_settable || {
	echo "Bail out! cannot set a login uid (/proc/self/loginuid needs" \
	    "CAP_AUDIT_CONTROL): the two-person rule compares login uids"
	exit 1
}

plan 26

chmod 711 "$T"
start_kagid admin_group=daemon approver_group=nogroup request_lifetime=1h ||
	{ echo "Bail out! kagid did not start"; exit 1; }

# as UID GID kagictl ARGS...: kagictl run as another uid, no other groups,
# logged in as that uid.
as() {
	_u=$1 _g=$2
	shift 2
	as_person "$_u" setpriv --reuid="$_u" --regid="$_g" --clear-groups \
	    "$KAGICTL" --socket "$SOCK" "$@"
}
# root logged in as the person $A (an administrator using sudo).
A=60200
asroot() { as_person "$A" "$KAGICTL" --socket "$SOCK" "$@"; }
nobody_id=$(id -u nobody)
nogroup_id=$(getent group nogroup | cut -d: -f3)

# restart_kagid_at OFFSET: kagid again on $T/kagid.conf, its clock moved
# by OFFSET through libfaketime (preloaded: same pid, so it is stopped
# like any kagid).
restart_kagid_at() {
	[ -n "$FAKETIME_LIB" ] || return 1
	stop_kagid
	rm -f "$SOCK"
	LD_PRELOAD=$FAKETIME_LIB FAKETIME="$1" FAKETIME_DONT_FAKE_MONOTONIC=1 \
	    "$KAGID" -f -c "$T/kagid.conf" 2>>"$T/kagid.log" &
	KAGID_PID=$!
	_i=0
	while [ ! -S "$SOCK" ] && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	[ -S "$SOCK" ]
}

# request id from kagictl's "stored as request N" sentence

# --- root with no login uid is no person ----------------------------------
out=$(kagictl user add boss --role privileged 2>&1); st=$?
is "$st" 1 "R-PRIV-3: root with no login uid cannot ask for a two-person act"
like "$out" "is not a person" "the refusal says why"

# --- granting the privileged role is a request ---------------------------
out=$(asroot user add boss --role privileged 2>&1); st=$?
is "$st" 4 "R-PRIV-3: user add --role privileged exits 4 (stored as a request)"
id1=$(printf '%s\n' "$out" | req_id)
like "$out" "role_privileged" "the request names its act"
kagictl user show boss >/dev/null 2>&1; st=$?
is "$st" 1 "R-PRIV-3: the privileged user does not exist before approval"

out=$(asroot request approve "$id1" 2>&1); st=$?
is "$st" 1 "R-PRIV-3: the requester (root, person A) cannot approve A's own request"
like "$out" "nobody approves their own request" "the refusal says why"

out=$(as 1 1 request approve "$id1" 2>&1); st=$?
is "$st" 1 "R-PRIV-3: an administrator who is not an approver cannot approve"
out=$(as 1 1 request list 2>&1); st=$?
is "$st" 0 "an administrator may list requests"
like "$out" "pending" "the request is pending"

out=$(as "$nobody_id" "$nogroup_id" request approve "$id1" 2>&1); st=$?
is "$st" 0 "R-PRIV-3: another approver's approval is accepted"
like "$out" "approved and carried out" "the approval says it acted"
out=$(kagictl --json user show boss 2>&1)
like "$out" '"role":"privileged"' "R-PRIV-3: after approval the user exists with the privileged role"
out=$(as "$nobody_id" "$nogroup_id" request approve "$id1" 2>&1); st=$?
is "$st" 1 "an approved request cannot be approved twice"

# --- the requester never approves, whatever classes they hold ------------
out=$(as 1 1 user add vend1 --role vendor 2>&1); st=$?
is "$st" 4 "R-PRIV-3: creating vendor access (by another admin) is a request"
id2=$(printf '%s\n' "$out" | req_id)
out=$(as_person "$nobody_id" "$KAGICTL" --socket "$SOCK" request approve "$id2" 2>&1); st=$?
is "$st" 0 "root logged in as nobody (an approver) approves daemon's request"
kagictl user show vend1 >/dev/null 2>&1
is "$?" 0 "the vendor exists after approval"

# --- rejected and expired requests change nothing -------------------------
out=$(asroot user role boss staff 2>&1); st=$?
is "$st" 4 "R-PRIV-3: removing the privileged role is a request"
id3=$(printf '%s\n' "$out" | req_id)
out=$(as "$nobody_id" "$nogroup_id" request reject "$id3" --reason "not agreed" 2>&1); st=$?
is "$st" 0 "an approver rejects it"
out=$(kagictl --json user show boss 2>&1)
like "$out" '"role":"privileged"' "a rejected request changes nothing"
out=$(as "$nobody_id" "$nogroup_id" request approve "$id3" 2>&1); st=$?
is "$st" 1 "a rejected request cannot be approved afterwards"

out=$(asroot user role boss vendor 2>&1)
id4=$(printf '%s\n' "$out" | req_id)
# Two hours later (libfaketime): the request has expired.
if restart_kagid_at +2h; then
	out=$(as "$nobody_id" "$nogroup_id" request approve "$id4" 2>&1); st=$?
	is "$st" 1 "R-PRIV-3: an expired request cannot be approved"
	out=$(kagictl --json request show "$id4" 2>&1)
	like "$out" '"state":"expired"' "it shows as expired"
	out=$(kagictl --json user show boss 2>&1)
	like "$out" '"role":"privileged"' "an expired request changes nothing"
else
	skip "R-PRIV-3: an expired request cannot be approved" "no libfaketime"
	skip "it shows as expired" "no libfaketime"
	skip "an expired request changes nothing" "no libfaketime"
fi

# --- the decisions are in the audit log -----------------------------------
like "$(cat "$T/kagid.log")" "event=approve" "approvals are audited"
like "$(cat "$T/kagid.log")" "event=request_expire" "expiries are audited"
finish
