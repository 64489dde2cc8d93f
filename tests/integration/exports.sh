#!/bin/sh
# exports.sh - pam_kagi.so exports pam_sm_* and nothing else.
#
# The module runs inside login, sshd and sudo: every symbol it exports
# could clash with, or be called by, its host.  It provides auth, account
# and session (R-PRIV-7), no password change, loads with every symbol
# resolved (RTLD_NOW), and reads no environment variable (no test hook).

. "$(dirname "$0")/lib.sh"

[ -f "$MODULE" ] && [ -x "$DLSYM_CHECK" ] ||
	skip_all "pam_kagi.so or dlsym_check not built"
command -v nm >/dev/null 2>&1 || skip_all "nm (binutils) not installed"

plan 7

out=$("$DLSYM_CHECK" "$MODULE" 2>&1)
rc=$?
is "$rc" 0 "dlopen(RTLD_NOW) finds the five entry points, and no others"
[ "$rc" -eq 0 ] || diag "$out"

defined=$(nm -D --defined-only "$MODULE" | awk 'NF >= 3 { print $3 }' | sort)
is "$(echo $defined)" "pam_sm_acct_mgmt pam_sm_authenticate pam_sm_close_session pam_sm_open_session pam_sm_setcred" \
    "nm -D: exactly the five pam_sm_* entry points (auth, setcred, account, open and close session)"
like "$defined" pam_sm_open_session "R-PRIV-7: pam_sm_open_session is exported"
unlike "$defined" pam_sm_chauthtok "pam_sm_chauthtok is not exported"

undefined=$(nm -D --undefined-only "$MODULE" | awk '{ print $NF }' |
    sed 's/@.*//')
for f in getenv secure_getenv; do
	if printf '%s\n' "$undefined" | grep -qx "$f"; then
		not_ok "the module does not call $f (no environment hook)"
	else
		ok "the module does not call $f (no environment hook)"
	fi
done
if printf '%s\n' "$undefined" | grep -qx "pam_syslog"; then
	ok "the module logs through pam_syslog"
else
	not_ok "the module logs through pam_syslog"
fi

finish
