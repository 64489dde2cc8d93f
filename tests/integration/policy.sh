#!/bin/sh
# policy.sh - zones, roles, throttles, canonical names and vendors through
# a real PAM stack (pamdrv, pam_matrix, pam_kagi) and a real kagid.
#
# What it shows:
#  - R-MFA-1/R-MFA-4: a zone list that would allow a log-in without a
#    second factor stops kagid -t, naming the key; a factor the zone does
#    not list is refused and audited; privileged users may not use TOTP
#    (R-PRIV-2, "factor_not_allowed");
#  - R-MFA-5/R-PRIV-5: each role has its own lock count; flooding an
#    account from one address throttles that address and never locks the
#    account, while another address still logs in; names typed in other
#    cases, with spaces or in full-width letters count against one
#    account; a success forgives only the failures of its own service;
#    a role change revokes the user's tokens;
#  - R-REM-1/R-REM-3/R-PRIV-4: a vendor logs in only inside its window,
#    before its expiry and from its addresses, is refused and alerted
#    otherwise, and is never an administrator.
# kagid's audit mirror (its standard error, $T/kagid.log) is read to check
# what was recorded.

. "$(dirname "$0")/lib.sh"

[ -x "$PAMDRV" ] && [ -f "$MODULE" ] && [ -x "$TOTPGEN" ] ||
	skip_all "pamdrv, totpgen or pam_kagi.so not built"
kagid_built
kagictl_built
[ -n "$PAM_MATRIX" ] || skip_all "pam_matrix (pam_wrapper) not installed"
# Privileged and vendor accounts need a second person's approval (R-PRIV-3).
can_approve || skip_all "needs root, setpriv and nogroup to approve requests"

plan 56

THROTTLED_MSG="ERROR: Too many attempts from your address. Try again later."
REFUSED_MSG="ERROR: Your account may not log in at this time or from this address. Contact your administrator."

new_user() {
	kagictl user add "$1" ${2:+--role "$2"} >/dev/null ||
	    { diag "user add $1 failed"; return 1; }
	add_user_password "$1" "pw-$1"
	enroll_totp "$1"
}

wrong_code() {
	printf '%06d\n' $(( (1$1 - 1000000 + 500000) % 1000000 ))
}

# kagid -t on a config with the given extra line.
conf_check() {
	{
		echo "socket = $T/probe.sock"
		echo "state_dir = $T"
		echo "user = $(id -un)"
		echo "$1"
	} >"$T/check.conf"
	chmod 600 "$T/check.conf"
	"$KAGID" -t -c "$T/check.conf" 2>&1
}

# --- R-MFA-1: no bypass can be configured -------------------------------------
out=$(conf_check "zone_mynumber_factors = none"); rc=$?
check "R-MFA-1: zone_mynumber_factors = none: kagid -t fails" test "$rc" -ne 0
like "$out" "zone_mynumber_factors" "R-MFA-1: the error names the key"
out=$(conf_check "zone_mynumber_factors ="); rc=$?
check "R-MFA-1: an empty factor list for the My Number zone fails" test "$rc" -ne 0
out=$(conf_check "zone_lgwan_factors = totp,none"); rc=$?
check "R-MFA-1: 'none' in any zone's list fails" test "$rc" -ne 0
out=$(conf_check "nullok = yes"); rc=$?
check "R-MFA-4: a nullok-like key is no option: kagid -t fails" test "$rc" -ne 0
like "$out" "nullok" "R-MFA-4: the error names the key"
out=$(conf_check "timezone = Mars/Olympus"); rc=$?
check "an unknown time zone is refused (windows would shift silently)" \
    test "$rc" -ne 0
out=$(conf_check "zone_mynumber_factors = fido2"); rc=$?
is "$rc" 0 "a zone limited to fido2 is a valid configuration"

chmod 711 "$T"
# Windows open all day, so that the log-ins below do not depend on the
# hour the test runs (the limit itself: vendors.sh).
start_kagid lockout_failures=5 zone_internet_factors=fido2 \
    throttle_failures=6 throttle_interval=10m approver_group=nogroup \
    vendor_max_window=24h ||
	{ echo "Bail out! kagid did not start"; exit 1; }
write_service
write_service internet -- zone=internet
write_service kagitest2

wait_fresh_step 15

# --- zones and roles: factors (R-MFA-1, R-PRIV-2) ---------------------------------
s=$(new_user zoneuser)
c=$(code_for "$s")
out=$(PAM_SERVICE_NAME=internet pam_run -u zoneuser -o auth pw-zoneuser "$c")
is "$(result_of "$out" auth)" PAM_AUTH_ERR \
    "R-MFA-1: the right code in a zone that allows only fido2 is refused"
like "$(cat "$T/kagid.log")" '"reason":"factor_not_allowed"' \
    "R-MFA-1: the refusal is audited as factor_not_allowed"
out=$(pam_run -u zoneuser -o auth pw-zoneuser "$c")
is "$(result_of "$out" auth)" PAM_SUCCESS \
    "the same code was never looked at: it still works in the My Number zone"

approved user add admin1 --role privileged >/dev/null
add_user_password admin1 pw-admin1
out=$(kagictl token add-totp admin1 --no-qr --pending 2>&1); rc=$?
is "$rc" 1 "R-PRIV-2: no TOTP token is ever made for a privileged user"
out=$(pam_run -u admin1 -o auth pw-admin1 123456)
like "$(grep admin1 "$T/kagid.log")" '"rule":"role"' \
    "R-PRIV-2: a privileged user's code is refused as factor_not_allowed by the role"

# --- role-specific lock counts (R-MFA-5, R-PRIV-5) --------------------------------
s=$(new_user staff1)
c=$(code_for "$s")
for i in 1 2 3 4; do
	pam_run -u staff1 -o auth pw-staff1 "$(wrong_code "$c")" >/dev/null
done
out=$(kagictl user show staff1)
like "$out" "not locked" "R-MFA-5: staff: four failures do not lock (limit 5)"
pam_run -u staff1 -o auth pw-staff1 "$(wrong_code "$c")" >/dev/null
out=$(kagictl user show staff1)
like "$out" "locked until 20" "R-MFA-5: staff: the fifth failure locks for a time"

approved vendor add vend1 --company ACME --expires "$PERMIT_EXPIRES" \
    --window "Sun-Sat 00:00-24:00" --from 127.0.0.0/28,::1 \
    --worker "Taro Yamada" --place "ACME Osaka office" --work "maintenance" >/dev/null
add_user_password vend1 pw-vend1
s=$(enroll_totp vend1)
c=$(code_for "$s")
pam_run -u vend1 -r 127.0.0.2 -o auth pw-vend1 "$(wrong_code "$c")" >/dev/null
pam_run -u vend1 -r 127.0.0.2 -o auth pw-vend1 "$(wrong_code "$c")" >/dev/null
out=$(kagictl user show vend1)
like "$out" "not locked" "R-PRIV-5: vendor: two failures do not lock (limit 3)"
pam_run -u vend1 -r 127.0.0.3 -o auth pw-vend1 "$(wrong_code "$c")" >/dev/null
out=$(kagictl user show vend1)
like "$out" "Remote log-ins: locked until an administrator unlocks them" \
    "R-PRIV-5: vendor: the third failure locks (remote log-ins, a vendor's only way in) until an administrator unlocks"
like "$(grep 'event=lockout' "$T/kagid.log" | grep vend1)" '"role":"vendor"' \
    "R-PRIV-5: the lockout record names the role"

# --- flooding from one address (R-MFA-5) -----------------------------------------
s=$(new_user boss)
c=$(code_for "$s")
for i in 1 2 3 4 5 6; do
	out=$(pam_run -u boss -r 10.9.9.9 -o auth pw-boss "$(wrong_code "$c")")
done
is "$(result_of "$out" auth)" PAM_AUTH_ERR "six wrong codes from one address: refused"
out=$(pam_run -u boss -r 10.9.9.9 -o auth pw-boss "$c")
is "$(result_of "$out" auth)" PAM_MAXTRIES \
    "R-MFA-5: the address is throttled: even the right code gets PAM_MAXTRIES"
like "$out" "$THROTTLED_MSG" "R-MFA-5: a throttled attempt is told to try again later"
add_user_password nosuchuser pw-nosuchuser
out=$(pam_run -u nosuchuser -r 10.9.9.9 -o auth pw-nosuchuser "$c")
is "$(result_of "$out" auth)" PAM_MAXTRIES \
    "the throttle is the address's: it holds for any name, known or not"
out=$(kagictl user show boss)
like "$out" "not locked" \
    "R-MFA-5: one address alone never locks the account (at most limit - 1 count)"
out=$(pam_run -u boss -r 10.1.1.1 -o both pw-boss "$c")
is "$(result_of "$out" auth)" PAM_SUCCESS \
    "R-MFA-5: from another address the same user still logs in"
like "$(cat "$T/kagid.log")" 'event=throttle' "the throttle is audited"

# --- canonical names (R-MFA-5) -----------------------------------------------------
kagictl user add " Tanaka " >/dev/null
out=$(kagictl user list)
like "$out" "tanaka" "user add stores the canonical name"
unlike "$out" "Tanaka" "user add stores no upper case"
s=$(enroll_totp tanaka)
for n in tanaka "Ｔａｎａｋａ" " tanaka " "TANAKA"; do
	echo "$n:pw-tanaka:$SERVICE" >>"$T/passdb"
done
c=$(code_for "$s")
out=$(pam_run -u "Ｔａｎａｋａ" -o auth pw-tanaka "$c")
is "$(result_of "$out" auth)" PAM_SUCCESS \
    "a full-width name logs in as tanaka with tanaka's code"
pam_run -u "Ｔａｎａｋａ" -o auth pw-tanaka "$(wrong_code "$c")" >/dev/null
pam_run -u " tanaka " -o auth pw-tanaka "$(wrong_code "$c")" >/dev/null
pam_run -u "TANAKA" -o auth pw-tanaka "$(wrong_code "$c")" >/dev/null
out=$(kagictl --json user show tanaka)
like "$out" '"failures":3' \
    "R-MFA-5: Ｔａｎａｋａ, ' tanaka ' and TANAKA count against tanaka"
out=$(kagictl user show "ＴＡＮＡＫＡ")
like "$out" "tanaka" "kagictl finds the user by any spelling"

# --- a success forgives only its own service (R-MFA-5) ----------------------------
s=$(new_user sato)
echo "sato:pw-sato:kagitest2" >>"$T/passdb"
c=$(code_for "$s")
pam_run -u sato -o auth pw-sato "$(wrong_code "$c")" >/dev/null
pam_run -u sato -o auth pw-sato "$(wrong_code "$c")" >/dev/null
out=$(PAM_SERVICE_NAME=kagitest2 pam_run -u sato -o both pw-sato "$c")
is "$(result_of "$out" auth)/$(result_of "$out" acct)" PAM_SUCCESS/PAM_SUCCESS \
    "sato logs in at another service (confirmed by the account step)"
out=$(kagictl --json user show sato)
like "$out" '"failures":2' \
    "R-MFA-5: a success at one service keeps the failures of another"
s=$(new_user suzuki)
c=$(code_for "$s")
pam_run -u suzuki -o auth pw-suzuki "$(wrong_code "$c")" >/dev/null
pam_run -u suzuki -o auth pw-suzuki "$(wrong_code "$c")" >/dev/null
out=$(pam_run -u suzuki -o auth pw-suzuki "$c")
out=$(kagictl --json user show suzuki)
like "$out" '"failures":2' \
    "R-MFA-5: a right code alone (no account step: the stack failed) forgives nothing"
c=$(code_for "$s" 1)
out=$(pam_run -u suzuki -o both pw-suzuki "$c")
out=$(kagictl --json user show suzuki)
like "$out" '"failures":0' "a confirmed success forgives the failures of its own factor and service"

# --- role change (R-PRIV-5) ------------------------------------------------------------
s=$(new_user carol)
out=$(kagictl_person user role carol privileged 2>&1)
rc=$?
is "$rc" 4 "R-PRIV-3: granting the privileged role waits for a second person"
out=$(approved user role carol privileged)
rc=$?
is "$rc" 0 "... and is carried out once another person approves"
out=$(kagictl token list carol)
like "$out" "revoked" "R-PRIV-5: the role change revoked carol's token"
out=$(kagictl token list carol)
like "$out" "revoked" "R-PRIV-5: the token is listed as revoked"
like "$(grep 'event=role_change' "$T/kagid.log")" '"from":"staff","to":"privileged"' \
    "the role change is audited"
approved user role carol privileged >/dev/null 2>&1
is "$?" 1 "a role change to the same role is refused"

# --- vendors (R-REM-1, R-REM-3) --------------------------------------------------------
approved vendor add vend2 --company "Kaisha KK" --expires "$PERMIT_EXPIRES" \
    --window "Sun-Sat 00:00-24:00" --from 127.0.0.2 \
    --worker "Taro Yamada" --place "ACME Osaka office" --work "maintenance" >/dev/null
add_user_password vend2 pw-vend2
s=$(enroll_totp vend2)
out=$(pam_run -u vend2 -r 127.0.0.2 -o both pw-vend2 "$(code_for "$s")")
is "$(result_of "$out" auth)/$(result_of "$out" acct)" PAM_SUCCESS/PAM_SUCCESS \
    "R-REM-3: a vendor inside its window from its address logs in"
out=$(pam_run -u vend2 -r 127.0.0.3 -o both pw-vend2 "$(code_for "$s" 1)")
is "$(result_of "$out" auth)" PAM_AUTH_ERR \
    "R-REM-3: the same vendor from another address is refused at auth"
is "$(result_of "$out" acct)" PAM_PERM_DENIED \
    "R-REM-3: ... and at account"
like "$out" "$REFUSED_MSG" "R-REM-3: the vendor is told why at account"
like "$(grep 'event=vendor_refused' "$T/kagid.log")" '"reason":"source_address"' \
    "R-REM-3: the refusal is an audited vendor_refused alert"
out=$(pam_run -u vend2 -o acct)
is "$(result_of "$out" acct)" PAM_PERM_DENIED \
    "R-REM-3: a vendor without a remote address (console) is refused"

# A window on another day of the week, in Tokyo time.
tomorrow=$(TZ=Asia/Tokyo date -d tomorrow +%a)
approved vendor add vend3 --company ACME --expires "$PERMIT_EXPIRES" \
    --window "$tomorrow 00:00-24:00" --from 127.0.0.2 \
    --worker "Taro Yamada" --place "ACME Osaka office" --work "maintenance" >/dev/null
add_user_password vend3 pw-vend3
s=$(enroll_totp vend3)
out=$(pam_run -u vend3 -r 127.0.0.2 -o both pw-vend3 "$(code_for "$s")")
is "$(result_of "$out" auth)/$(result_of "$out" acct)" PAM_AUTH_ERR/PAM_PERM_DENIED \
    "R-REM-1: a vendor outside its maintenance window is refused"
like "$(grep 'event=vendor_refused' "$T/kagid.log")" '"reason":"outside_window"' \
    "R-REM-1: audited as outside_window"

yesterday=$(TZ=Asia/Tokyo date -d yesterday +%F)
approved vendor add vend4 --company ACME --expires "$yesterday" \
    --window "Sun-Sat 00:00-24:00" --from 127.0.0.2 \
    --worker "Taro Yamada" --place "ACME Osaka office" --work "maintenance" >/dev/null
add_user_password vend4 pw-vend4
s=$(enroll_totp vend4)
out=$(pam_run -u vend4 -r 127.0.0.2 -o both pw-vend4 "$(code_for "$s")")
is "$(result_of "$out" auth)/$(result_of "$out" acct)" PAM_AUTH_ERR/PAM_PERM_DENIED \
    "R-REM-1: a vendor after its expiry date is refused"
like "$(grep 'event=vendor_refused' "$T/kagid.log")" '"reason":"expired"' \
    "R-REM-1: audited as expired"

out=$(kagictl vendor list)
like "$out" "Kaisha KK" "kagictl vendor list shows the company"
like "$out" "expired" "kagictl vendor list marks an expired vendor"
out=$(kagictl --json vendor show vend2)
like "$out" '"approver":' "R-REM-1: the vendor carries the approving administrator"
approved vendor add vend5 --company X --expires "$PERMIT_EXPIRES" \
    --window "Mon 17:00-09:00" --from 127.0.0.2 \
    --worker "Taro Yamada" --place "ACME Osaka office" --work "maintenance" >/dev/null 2>&1
is "$?" 1 "a window that ends before it starts is refused by kagid"

# --- a vendor is never an administrator (R-PRIV-4) -----------------------------------
me=$(id -un)
approved vendor add "$me" --company Evil --expires "$PERMIT_EXPIRES" \
    --window "Sun-Sat 00:00-24:00" --from 127.0.0.2 \
    --worker "Taro Yamada" --place "ACME Osaka office" --work "maintenance" >/dev/null
kagictl unlock vend1 >/dev/null 2>&1
is "$?" 1 "R-PRIV-4: once the caller's name is a vendor, unlock is refused"
like "$(grep 'event=vendor_refused' "$T/kagid.log")" '"reason":"vendor_as_admin"' \
    "R-PRIV-4: kagid raises an alert"

finish
