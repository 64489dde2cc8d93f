#!/bin/sh
# reports.sh - the auditors' reports read kagid's state, so moving every
# audit record to an archive changes none of them (issue 12, items 6 and
# 7; R-TOK-7, R-PRIV-1, R-LOG-3, R-REM-4, R-EXC-1), on a real kagid and
# real PAM log-ins:
#  - a privileged role granted on a second person's approval, a request
#    still waiting, failures and a lockout from two sources, a vendor
#    session kagid ended, a break-glass use still open and one reported;
#  - each report says what it should: who granted and approved, the
#    vendor session's duration and why it ended, the exception's report;
#  - then `kagictl audit archive` moves every record to a file, and every
#    report, status and compliance's R-EXC-1 say exactly the same as
#    before; `breakglass list` and the exceptions report still agree.

. "$(dirname "$0")/lib.sh"

[ -x "$PAMDRV" ] && [ -f "$MODULE" ] && [ -x "$TOTPGEN" ] ||
	skip_all "pamdrv, totpgen or pam_kagi.so not built"
kagid_built
kagictl_built
[ -n "$PAM_MATRIX" ] || skip_all "pam_matrix (pam_wrapper) not installed"
can_approve || skip_all "needs root, setpriv and nogroup to approve requests"

# Reports print local times; compare them in UTC.
TZ=UTC
export TZ
chmod 711 "$T"
start_kagid approver_group=nogroup breakglass=yes breakglass_codes=2 \
    breakglass_iterations=1000 session_grace=1s lockout_failures=3 \
    vendor_max_window=24h ||
	{ echo "Bail out! kagid did not start"; exit 1; }
write_service
{
	echo "auth required $PAM_MATRIX passdb=$T/passdb"
	echo "auth required $MODULE socket=$SOCK timeout=3"
	echo "account required $MODULE socket=$SOCK timeout=2"
	echo "session required $MODULE socket=$SOCK timeout=2"
} >"$T/pam.d/sess"

new_user() {
	kagictl user add "$1" >/dev/null ||
	    { diag "user add $1 failed"; return 1; }
	echo "$1:pw-$1:$SERVICE" >>"$T/passdb"
	echo "$1:pw-$1:sess" >>"$T/passdb"
	enroll_totp "$1"
}

# session_bg OUTFILE PAMDRV-ARGS...: a whole log-in with a session of the
# sess service, in the background; CHILD its session's process.
session_bg() {
	_sf=$1
	shift
	child_bg "$_sf" "$PAMDRV" -c "$T/pam.d" -s sess -o session "$@"
}

# reports NAME: every report as JSON into $T/NAME.*, and status's counts.
reports() {
	for r in access privileged lockouts vendors exceptions dormant; do
		kagictl --json report "$r" >"$T/$1.$r" 2>&1
	done
	kagictl --json status | grep -e open_ -e locked_ >"$T/$1.status"
	kagictl compliance | grep '^R-EXC-1 ' >"$T/$1.exc"
}

wait_fresh_step 15
sa=$(new_user alice)
sb=$(new_user bob)
kagictl user add carol >/dev/null
# R-PRIV-1: the privileged role, on nobody's approval (R-PRIV-3).
approved user add pat --role privileged >/dev/null ||
	echo "Bail out! cannot make pat privileged"
# A request still waiting for a second person.
kagictl_person user role carol privileged >/dev/null 2>&1
is "$?" 4 "R-PRIV-3: carol's role change waits for a second person"
# Failures from two sources, a lockout (R-LOG-3).
c=$(code_for "$sa")
out=$(pam_run -u alice -r 192.0.2.7 -o auth pw-alice "$c")
is "$(result_of "$out" auth)" PAM_SUCCESS "alice logs in"
for i in 1 2 3; do
	pam_run -u bob -r 198.51.100.9 -o auth pw-bob 000000 >/dev/null
done
pam_run -u bob -r 192.0.2.8 -o auth pw-bob 000000 >/dev/null
# R-EXC-1: two break-glass uses; one reported.
codes=$(kagictl breakglass issue alice | sed -n 's/^breakglass-code: *//p')
c1=$(printf '%s\n' "$codes" | sed -n 1p)
c2=$(printf '%s\n' "$codes" | sed -n 2p)
out=$(pam_run -u alice -o auth pw-alice "$c1")
is "$(result_of "$out" auth)" PAM_SUCCESS "R-EXC-1: a break-glass code logs alice in"
out=$(pam_run -u alice -o auth pw-alice "$c2")
is "$(result_of "$out" auth)" PAM_SUCCESS "R-EXC-1: ... and the second one"
first=$(kagictl --json breakglass list | sed -n 's/.*"id": *\([0-9]*\).*/\1/p' | head -n 1)
kagictl breakglass report "$first" --reason "power cut and phone lost" >/dev/null ||
	diag "breakglass report failed"
# R-REM-4: a vendor's session, ended by kagid (the vendor off-boarded).
approved user add vend1 --role vendor >/dev/null ||
	echo "Bail out! cannot add the vendor"
approved vendor add vend1 --company ACME --expires "$(date -d '+30 days' +%F)" \
    --window "Sun-Sat 00:00-24:00" --from 127.0.0.2 \
    --worker "Taro Yamada" --place "ACME Osaka office" \
    --work "backup server maintenance" >/dev/null ||
	echo "Bail out! cannot give the vendor its terms"
echo "vend1:pw-vend1:sess" >>"$T/passdb"
sv=$(enroll_totp vend1)
session_bg "$T/vend.out" -u vend1 -r 127.0.0.2 pw-vend1 "$(code_for "$sv")"
check "R-REM-4: the vendor's session opens" test -n "$CHILD"
sleep 2
kagictl user offboard vend1 >/dev/null
i=0
while kill -0 "$CHILD" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done

reports before
like "$(kagictl compliance | grep '^R-PRIV-1 ')" \
    "R-PRIV-1 PASS: 1 privileged account(s) (pat), each granted with a second person's approval, which the audit chain holds" \
    "R-PRIV-1: pat's grant and its approval record in the chain agree"

# --- what the reports say ----------------------------------------------------
out=$(kagictl report privileged --csv | tr -d '\r' | cut -d, -f1,2,4,5)
is "$out" "user,state,granted_by,approved_by
pat,active,root,nobody" "R-PRIV-1: who granted the privileged role and who approved it"
out=$(kagictl report vendors --csv | tr -d '\r' | cut -d, -f1,2,6,7,11,12)
is "$out" "user,worker,service,source,state,end_reason
vend1,Taro Yamada,sess,127.0.0.2,closed,offboard" \
    "R-REM-4: the vendor's session, closed by kagid, and why"
dur=$(kagictl report vendors --csv | tr -d '\r' | sed -n 2p | cut -d, -f10)
check "R-REM-4 item 7: a session kagid ended has its duration (${dur:-none} s)" \
    test "${dur:-0}" -ge 2
out=$(kagictl report exceptions --csv | tr -d '\r' | cut -d, -f1,3,5,6,8)
is "$out" "kind,user,state,by,detail
breakglass,alice,reported,root,power cut and phone lost
breakglass,alice,open,,kagid
request,carol,open,root,role_privileged" \
    "R-EXC-1 item 7: exceptions with the report written when closed, open ones, the waiting request"
out=$(kagictl report lockouts --csv | tr -d '\r' | cut -d, -f1-3,7)
is "$out" "user,source,failures,locked_now
bob,192.0.2.8,1,yes
bob,198.51.100.9,3,yes" "R-LOG-3: failures by user and source"
n=$(kagictl report lockouts --csv | tr -d '\r' |
    awk -F, 'NR > 1 { n += $4 } END { print n + 0 }')
is "$n" 1 "R-LOG-3: ... and bob's one lockout"

# --- everything archived: the reports do not change ----------------------------
kagictl audit archive --before "@$(( $(date +%s) + 2 ))" "$T/all.jsonl" \
    >"$T/archive.out" 2>&1
like "$(cat "$T/archive.out")" "archived audit records 1 to" \
    "R-LOG-1: every record moved to an archive"
n=$(kagictl audit export --json | wc -l)
check "R-LOG-1: ... the live chain holds only the archiving itself ($n)" \
    test "$n" -le 2
reports after
for r in access privileged lockouts vendors exceptions dormant; do
	if cmp -s "$T/before.$r" "$T/after.$r"; then
		ok "item 6: report $r says the same after archiving"
	else
		not_ok "item 6: report $r says the same after archiving" \
		    "$(diff "$T/before.$r" "$T/after.$r")"
	fi
done
is "$(cat "$T/after.status")" "$(cat "$T/before.status")" \
    "item 6: status's open exceptions, sessions and locks are the same"
is "$(cat "$T/after.exc")" "$(cat "$T/before.exc")" \
    "R-EXC-1 item 6: compliance's R-EXC-1 says the same"
like "$(cat "$T/after.exc")" "R-EXC-1 FAIL: 1 break-glass use(s) not reported" \
    "R-EXC-1: ... the open exception a FAIL, before and after"
like "$(kagictl compliance | grep '^R-PRIV-1 ')" \
    "R-PRIV-1 WARN: 1 privileged account(s) (pat), each granted with a second person's approval; the approval of pat is older than the live chain" \
    "R-PRIV-1: once archived, pat's approval is not checked, and compliance says so"
like "$(kagictl breakglass list)" "alice" \
    "R-EXC-1 item 6: breakglass list and the exceptions report agree"

plan "$_tap_n"
finish
