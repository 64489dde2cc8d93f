#!/bin/sh
# selflost.sh - a user reports their own lost token (R-TOK-2), through a
# real kagid and kagictl run as the user's own uid (setpriv), kagid
# knowing the test's accounts through nss_wrapper.
#
# What it shows:
#  - R-TOK-2: `kagictl token lost TOKEN` by its owner revokes it at once,
#    no administrator needed; the next log-in with it fails; the record
#    says the user reported it and the alert hook runs;
#  - a user can never revoke someone else's token this way: not by its
#    number (not found, nothing changes), not by naming the other user
#    (an administrator's request: refused);
#  - `kagictl token list` alone lists the caller's own tokens, to find
#    the number: never another user's, and an account kagi does not know
#    is told so.

. "$(dirname "$0")/lib.sh"

[ -x "$PAMDRV" ] && [ -f "$MODULE" ] && [ -x "$TOTPGEN" ] ||
	{ echo "Bail out! pamdrv, totpgen or pam_kagi.so not built"; exit 1; }
kagid_built
kagictl_built
test_accounts || { echo "Bail out! nss_wrapper is not installed"; exit 1; }
[ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1 ||
	{ echo "Bail out! needs root and setpriv"; exit 1; }

plan 18

ANA=$(test_account ana)
BEN=$(test_account ben)
NOGROUP=$(getent group nogroup | cut -d: -f3)
# ctl_as UID ARGS...: kagictl as UID, no groups (not an administrator).
ctl_as() {
	_u=$1
	shift
	setpriv --reuid="$_u" --regid="$NOGROUP" --clear-groups \
	    "$KAGICTL" --socket "$SOCK" "$@" 2>&1
}

chmod 711 "$T"
alert_sink
start_kagid "alert_command=$T/alert.sh" ||
	{ echo "Bail out! kagid did not start"; exit 1; }
write_service
wait_fresh_step 10
sa=$(new_user ana) || { echo "Bail out! ana not enrolled"; exit 1; }
ta=$(token_of ana)
new_user ben >/dev/null || { echo "Bail out! ben not enrolled"; exit 1; }
tb=$(token_of ben)

out=$(ctl_as "$ANA" --json token list); rc=$?
is "$rc" 0 "R-TOK-2: ana lists her own tokens, no administrator needed"
like "$out" "\"id\":$ta," "R-TOK-2: ... her token's number is there"
like "$out" '"user":"ana"' "... named as hers"
unlike "$out" "\"id\":$tb," "... and ben's token is not"
out=$(ctl_as "$ANA" token list); rc=$?
like "$out" "$ta" "... the table shows it too (rc $rc)"
out=$(ctl_as "$BEN" token list ana); rc=$?
is "$rc" 1 "ben listing ana's tokens by name: refused (an administrator's request)"
CARL=$(test_account carl)
# kagictl names the caller from the user database: the test's, here.
out=$(LD_PRELOAD=$NSS_WRAPPER_LIB NSS_WRAPPER_PASSWD=$T/passwd \
    NSS_WRAPPER_GROUP=$T/group ctl_as "$CARL" token list); rc=$?
like "$out" "no account 'carl' (yours)" \
    "an account kagi does not know is told it has none"
is "$rc" 1 "... and kagictl exits 1 (refused)"

out=$(ctl_as "$BEN" token lost "$ta"); rc=$?
is "$rc" 1 "R-TOK-2: ben reporting ana's token lost by its number: refused"
like "$out" "you have no token $ta" "R-TOK-2: ... told it is no token of his"
like "$(kagictl --json token list ana)" '"state":"active"' \
    "R-TOK-2: ... and ana's token is still active"
out=$(ctl_as "$BEN" token lost ana "$ta"); rc=$?
is "$rc" 1 "R-TOK-2: ben naming ana: refused (an administrator's request)"

out=$(ctl_as "$ANA" token lost "$ta"); rc=$?
is "$rc" 0 "R-TOK-2: ana reports her own token lost: done at once"
like "$(kagictl --json token list ana)" '"state":"revoked"' \
    "R-TOK-2: ... the token is revoked"
c=$(code_for "$sa")
is "$(result_of "$(pam_run -u ana -o auth pw-ana "$c")" auth)" PAM_AUTH_ERR \
    "R-TOK-2: ... and a log-in with its code fails"
like "$(last_record token_lost)" '"reported_by":"user"' \
    "R-TOK-2: the record says the user reported it"
wait_in "$T/alerts" token_lost
like "$(cat "$T/alerts")" "token_lost" "R-TOK-2: ... and the alert hook ran"
like "$(kagictl --json token list ben)" '"state":"active"' \
    "ben's token was never touched ($tb)"
finish
