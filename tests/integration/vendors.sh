#!/bin/sh
# vendors.sh - a vendor permit has limits and names its people (issue 11:
# R-REM-1, R-REM-3, R-REM-5, R-PRIV-3, R-PRIV-4), against a real kagid
# with real Unix users made for this run:
#
#  - the permit of the issue (24 hours a day, every day, until 2099, from
#    0.0.0.0/0 and ::/0) is refused when it is asked for, each limit in
#    turn naming itself and its setting: vendor_max_horizon (90 days),
#    vendor_max_window (10 hours in any 24, however the windows are cut
#    up or joined across midnight), vendor_widest_prefix_ipv4 (/28) and
#    vendor_widest_prefix_ipv6 (/64); a limit raised in kagid.conf is
#    honoured; a permit asked for under a looser configuration is checked
#    again when it is approved, and fails visibly;
#  - a permit names the worker, the place and the work: one without them
#    is refused, by kagictl and by kagid;
#  - a permit within the limits, approved by a second person, is shown by
#    vendor show and by the vendors report beside the vendor's session;
#  - a vendor approves nothing, even in the approver group (R-PRIV-4).
# Each refusal is checked for its exit status, its message and its audit
# record.

. "$(dirname "$0")/lib.sh"

[ -x "$PAMDRV" ] && [ -f "$MODULE" ] && [ -x "$TOTPGEN" ] ||
	skip_all "pamdrv, totpgen or pam_kagi.so not built"
[ -n "$PAM_MATRIX" ] || skip_all "pam_wrapper's pam_matrix.so is needed"
kagid_built
kagictl_built
need_people

plan 36

chmod 711 "$T"
ADM=$(new_unix_group tva) && APR=$(new_unix_group tvp) ||
	{ echo "Bail out! groupadd failed"; exit 1; }
bob=$(new_unix_user tvbo "$ADM") && frank=$(new_unix_user tvfr "$APR") &&
    vendy=$(new_unix_user tvvd "$APR") ||
	{ echo "Bail out! useradd failed"; exit 1; }
CONF="admin_group=$ADM approver_group=$APR request_lifetime=1h"
# shellcheck disable=SC2086
start_kagid $CONF || { echo "Bail out! kagid did not start"; exit 1; }

# permit NAME EXPIRES WINDOWS SOURCES: bob asks for a vendor permit.
permit() {
	as_ctl "$bob" vendor add "$1" --company ACME --expires "$2" --window "$3" \
	    --from "$4" --worker "Taro Yamada" --place "ACME Osaka office" \
	    --work "backup server maintenance"
}
in_days() { TZ=Asia/Tokyo date -d "+$1 days" +%F; }

# --- the permit of the issue, limit by limit ---------------------------------
out=$(permit v1 2099-12-31 "Sun-Sat 00:00-24:00" 0.0.0.0/0,::/0); st=$?
is "$st" 1 "R-REM-1: a permit until 2099 is refused when asked for"
like "$out" "vendor_max_horizon allows 90 days" "... naming the limit and its setting"
like "$(last_record refused)" '"reason":"permit_horizon"' \
    "... recorded as a refusal (permit_horizon)"
out=$(permit v1 "$(in_days 30)" "Sun-Sat 00:00-24:00" 0.0.0.0/0,::/0); st=$?
is "$st" 1 "R-REM-1: windows open 24 hours a day are refused"
like "$out" "vendor_max_window allows 10:00" "... naming the limit and its setting"
like "$(last_record refused)" '"reason":"permit_window"' \
    "... recorded as a refusal (permit_window)"
out=$(permit v1 "$(in_days 30)" "Sun-Sat 00:00-12:00; Sun-Sat 12:00-24:00" \
    192.0.2.0/28); st=$?
is "$st" 1 "R-REM-1: two windows that touch count as one (24 hours)"
out=$(permit v1 "$(in_days 30)" "Mon 18:00-24:00; Tue 00:00-06:00" \
    192.0.2.0/28); st=$?
is "$st" 1 "R-REM-1: windows joined across midnight count as one (12 hours)"
like "$out" "open 12:00 in 24 hours" "... and the message says how long"
out=$(permit v1 "$(in_days 30)" "Mon-Fri 09:00-17:00" 0.0.0.0/0); st=$?
is "$st" 1 "R-REM-3: 0.0.0.0/0 is refused"
like "$out" "vendor_widest_prefix_ipv4 allows /28" "... naming the limit and its setting"
like "$(last_record refused)" '"reason":"permit_source"' \
    "... recorded as a refusal (permit_source)"
out=$(permit v1 "$(in_days 30)" "Mon-Fri 09:00-17:00" 192.0.2.0/28,::/0); st=$?
is "$st" 1 "R-REM-3: ::/0 is refused"
like "$out" "vendor_widest_prefix_ipv6 allows /64" "... naming the limit and its setting"
is "$(kagictl request list)" "No requests." "no refused permit became a request"

# --- who works, from where, on what (R-REM-5) ---------------------------------
out=$(as_ctl "$bob" vendor add v1 --company ACME --expires "$(in_days 30)" \
    --window "Mon-Fri 09:00-17:00" --from 192.0.2.8); st=$?
is "$st" 2 "R-REM-5: kagictl refuses a permit without worker, place and work"
like "$out" "--worker" "... naming them"
out=$(as_ctl "$bob" vendor add v1 --company ACME --expires "$(in_days 30)" \
    --window "Mon-Fri 09:00-17:00" --from 192.0.2.8 \
    --worker "$(printf 'Taro\tYamada')" --place "ACME Osaka office" \
    --work "maintenance"); st=$?
is "$st" 1 "R-REM-5: kagid refuses a permit whose worker is no printable name"
like "$out" "'worker' is missing or not" "... naming the field"
like "$(last_record refused)" '"reason":"permit_incomplete"' \
    "... recorded as a refusal (permit_incomplete)"

# --- a permit within the limits, approved, with its session --------------------
day=$(TZ=Asia/Tokyo date +%a)
h=$(TZ=Asia/Tokyo date +%H)
h=${h#0}
end=$((h + 2 > 24 ? 24 : h + 2))
win=$(printf '%s %02d:00-%02d:00' "$day" "$h" "$end")
out=$(permit vend1 "$(in_days 30)" "$win" 127.0.0.2/32,2001:db8::/64); st=$?
is "$st" 4 "R-REM-1: a permit within the limits is a request"
id=$(printf '%s\n' "$out" | req_id)
out=$(as_ctl "$frank" request approve "$id"); st=$?
is "$st" 0 "R-PRIV-3: a second person approves it"
out=$(kagictl --json vendor show vend1)
like "$out" '"worker":"Taro Yamada"' "R-REM-5: the permit names the worker"
like "$out" '"place":"ACME Osaka office"' "... the place"
like "$out" '"work":"backup server maintenance"' "... and the work"
like "$out" "\"approver\":\"$frank\"" "R-REM-1: ... and the person who approved it"

# The vendor logs in through a stack with a session: the report shows the
# session beside the permit's worker, place and work.
add_user_password vend1 pw-vend1
s=$(enroll_totp vend1)
write_service
echo "session required $MODULE socket=$SOCK timeout=2" >>"$T/pam.d/$SERVICE"
out=$(pam_run -u vend1 -r 127.0.0.2 -o session -S 0 pw-vend1 "$(code_for "$s")")
is "$(result_of "$out" open)" PAM_SUCCESS "R-REM-4: the vendor's session opens inside its permit"
out=$(kagictl report vendors --csv --since 2020-01-01 | tr -d '\r' | cut -d, -f1-4)
like "$out" "user,worker,place,work" "R-REM-5: the vendors report has worker, place and work"
like "$out" "vend1,Taro Yamada,ACME Osaka office,backup server maintenance" \
    "R-REM-5: ... and shows them beside the vendor's session"

# --- a vendor approves nothing, whatever its groups (R-PRIV-4) -----------------
out=$(permit "$vendy" "$(in_days 30)" "Mon-Fri 09:00-17:00" 192.0.2.9)
id=$(printf '%s\n' "$out" | req_id)
as_ctl "$frank" request approve "$id" >/dev/null
out=$(permit v3 "$(in_days 30)" "Mon-Fri 09:00-17:00" 192.0.2.10)
id=$(printf '%s\n' "$out" | req_id)
out=$(as_ctl "$vendy" request approve "$id"); st=$?
is "$st" 1 "R-PRIV-4: a vendor in the approver group cannot approve a permit"
like "$(last_record vendor_refused)" '"reason":"vendor_as_admin"' \
    "R-PRIV-4: ... refused with an alert (vendor_as_admin)"

# --- the limits are settings, checked again at approval ------------------------
stop_kagid
# shellcheck disable=SC2086
start_kagid $CONF vendor_max_horizon=200d vendor_max_window=24h ||
	{ echo "Bail out! kagid did not restart"; exit 1; }
out=$(permit v2 "$(in_days 150)" "Sun-Sat 00:00-24:00" 192.0.2.16/28); st=$?
is "$st" 4 "R-REM-1: raised limits (vendor_max_horizon, vendor_max_window) are honoured"
id=$(printf '%s\n' "$out" | req_id)
stop_kagid
# shellcheck disable=SC2086
start_kagid $CONF || { echo "Bail out! kagid did not restart"; exit 1; }
out=$(as_ctl "$frank" request approve "$id"); st=$?
is "$st" 1 "R-REM-1: back to the default limits, the waiting permit is refused at approval"
like "$out" "vendor_max_horizon allows 90 days" "... naming the limit"
like "$(kagictl --json request show "$id")" '"state":"failed"' \
    "... and the request is marked failed"
kagictl vendor show v2 >/dev/null 2>&1
is "$?" 1 "... and no vendor v2 exists"

finish
