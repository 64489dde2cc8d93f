#!/bin/sh
# pgoutage.sh - kagid on PostgreSQL when PostgreSQL goes away and comes
# back (issue 14, item 6): a real PostgreSQL 15 of the test's own
# (tests/pgserver.sh, Unix socket only), stopped and started again under
# a running kagid.
#
# Proves, through real PAM stacks: with the server stopped a log-in fails
# closed and the user is told in plain words that the service cannot
# reach its database; kagid's log says the state store is unreachable
# (once, not per request); kagictl status still answers and says the
# store is unreachable, never showing the connection string; kagid keeps
# running; with the server started again kagid reconnects by itself
# (status says connected, one reconnection) and the next log-in succeeds
# without restarting kagid; the outage is in the audit chain once the
# store can hold it (an audit_degraded record: since, until, refusals),
# and the chain verifies.  What the store cannot hold while it is down --
# the refused attempts themselves -- is in kagid's log and pam_kagi's
# syslog only.  Stopped while the store is unreachable, kagid does not
# take the missing checkpoint for a chain changed behind its back.
# Break-glass as pam_kagi.8 documents it: while kagid answers with its
# store down, a break-glass code fails closed like any code and is not
# spent (the break-glass file is read only when kagid cannot be reached);
# it logs in once the store is back; with kagid stopped too, the file
# kagid kept serves an unspent code and refuses the spent one.

. "$(dirname "$0")/lib.sh"

[ -x "$PAMDRV" ] && [ -f "$MODULE" ] && [ -x "$TOTPGEN" ] ||
	skip_all "pamdrv, totpgen or pam_kagi.so not built"
kagid_built
kagictl_built

plan 23

DOWN_MSG="ERROR: The authentication service cannot reach its database. Nobody can log in until it is back. Contact your administrator."

# The test's own server ($T/pg, lib.sh: stopped on exit).
PGDIR=$T/pg
conninfo=$(_pg_conninfo) ||
	{ echo "Bail out! PostgreSQL did not start"; exit 1; }
pg_stop() { sh "$top_srcdir/tests/pgserver.sh" stop "$PGDIR" 2>/dev/null; }

BGFILE=$T/state/breakglass
start_kagid store=postgresql "store_conninfo=$conninfo" breakglass=yes \
    breakglass_codes=2 breakglass_iterations=1000 ||
	{ echo "Bail out! kagid did not start: $(tail -n 5 "$T/kagid.log")"; exit 1; }
write_service -- breakglass_file=$BGFILE

kagictl user add kato >/dev/null
add_user_password kato pw-kato
secret=$(enroll_totp kato)
codes=$(kagictl breakglass issue kato | sed -n 's/^breakglass-code: *//p')
bg1=$(printf '%s\n' "$codes" | sed -n 1p)
bg2=$(printf '%s\n' "$codes" | sed -n 2p)
[ -n "$bg2" ] && [ -f "$BGFILE" ] ||
	{ echo "Bail out! no break-glass codes or file"; exit 1; }
wait_fresh_step 15
out=$(pam_run -u kato -o auth pw-kato "$(code_for "$secret")")
is "$(result_of "$out" auth)" PAM_SUCCESS \
    "R-AVL-1: a log-in succeeds with PostgreSQL up"

# --- PostgreSQL stopped ----------------------------------------------------------
pg_stop
out=$(pam_run -u kato -o auth pw-kato "$(code_for "$secret" 1)")
r=$(result_of "$out" auth)
if [ "$r" = PAM_AUTHINFO_UNAVAIL ]; then
	ok "R-AVL-1: with PostgreSQL stopped a log-in fails closed ($r)"
else
	not_ok "R-AVL-1: with PostgreSQL stopped a log-in fails closed (got '$r')"
	diag "$out"
fi
like "$out" "$DOWN_MSG" "the user is told the service cannot reach its database"
out=$(pam_run -u kato -o auth pw-kato "$(code_for "$secret" 1)")
is "$(result_of "$out" auth)" PAM_AUTHINFO_UNAVAIL \
    "R-AVL-1: and so is the next one"
# Break-glass (pam_kagi.8): the break-glass file is the path only when
# kagid cannot be reached at all; kagid answers here, so the code goes to
# kagid, fails closed like any other and is not spent.
out=$(pam_run -u kato -o auth pw-kato "$bg1")
is "$(result_of "$out" auth)" PAM_AUTHINFO_UNAVAIL \
    "R-AVL-1: a break-glass code through kagid whose store is down fails closed"
like "$out" "$DOWN_MSG" "... telling the user the service cannot reach its database"
unlike "$(cat "$BGFILE")" "used " \
    "R-EXC-1: ... the break-glass file is not used while kagid answers: no code spent"
n=$(grep -c "the state store is unreachable" "$T/kagid.log")
is "$n" 1 "kagid's log says the state store is unreachable, once"

st=$(kagictl status 2>&1; echo "exit=$?")
likeE() {
	if printf '%s\n' "$1" | grep -qE -- "$2"; then
		ok "$3"
	else
		not_ok "$3" "wanted to match: '$2'" "in:" "$1"
	fi
}
likeE "$st" "store_state +unreachable" \
    "kagictl status answers and says the store is unreachable"
likeE "$st" "store +postgresql" "... names the engine"
likeE "$st" "store_error +connection to server" "... and libpq's last error"
if printf '%s\n' "$st" | grep -q "dbname=\|user=kagi"; then
	not_ok "... and never shows the connection string"
	diag "$st"
else
	ok "... and never shows the connection string"
fi
if kill -0 "$KAGID_PID" 2>/dev/null; then
	ok "kagid keeps running while PostgreSQL is stopped"
else
	not_ok "kagid keeps running while PostgreSQL is stopped"
fi

# --- PostgreSQL back ------------------------------------------------------------
sh "$top_srcdir/tests/pgserver.sh" resume "$PGDIR" 2>"$T/pg.err" ||
	{ echo "Bail out! PostgreSQL did not start again: $(cat "$T/pg.err")"; exit 1; }
# kagid tries by itself (backoff at most 2 s): no request is needed.
i=0
while [ $i -lt 100 ]; do
	st=$(kagictl status 2>&1)
	printf '%s\n' "$st" | grep -q "store_state *connected" && break
	sleep 0.1
	i=$((i + 1))
done
likeE "$st" "store_state +connected" \
    "kagid reconnects by itself: status says connected"
likeE "$st" "store_reconnects +1$" "... after one reconnection"
n=$(grep -c "the state store is reachable again" "$T/kagid.log")
is "$n" 1 "kagid's log says the store is reachable again, once"
# The refused attempts' step was never accepted: it is still good.
wait_fresh_step 5
out=$(pam_run -u kato -o auth pw-kato "$(code_for "$secret" 1)")
is "$(result_of "$out" auth)" PAM_SUCCESS \
    "R-AVL-1: the next log-in succeeds, kagid not restarted"
out=$(pam_run -u kato -o auth pw-kato "$bg1")
is "$(result_of "$out" auth)" PAM_SUCCESS \
    "R-EXC-1: the break-glass code refused during the outage logs in once the store is back"

rec=$(kagictl audit export --json --event audit_degraded 2>&1 | tail -n 1)
if printf '%s\n' "$rec" | grep -q '"since"' &&
    printf '%s\n' "$rec" | grep -q '"until"' &&
    printf '%s\n' "$rec" | grep -q '"failures": *[1-9]'; then
	ok "R-LOG-2: the outage is recorded once the store is back"
else
	not_ok "R-LOG-2: the outage is recorded once the store is back"
	diag "$rec"
fi
v=$(kagictl audit verify 2>&1; echo "exit=$?")
like "$v" "exit=0" "R-LOG-2: the audit chain verifies after the outage"

# Stopped while PostgreSQL is gone: the stop's checkpoint cannot be made,
# and that is no sign the chain was changed (no false alarm).
pg_stop
kagictl status >/dev/null 2>&1
stop_kagid
if grep -q "changed behind kagid's back" "$T/kagid.log"; then
	not_ok "R-LOG-2: an unreachable store is never reported as a changed chain"
	diag "$(grep "changed behind" "$T/kagid.log")"
else
	ok "R-LOG-2: an unreachable store is never reported as a changed chain"
fi
# kagid down as well: the documented emergency path, the break-glass file
# kagid kept (with the code spent through kagid taken out of it).
out=$(pam_run -u kato -o auth pw-kato "$bg1")
is "$(result_of "$out" auth)" PAM_AUTHINFO_UNAVAIL \
    "R-EXC-1: with kagid down too, the code spent through kagid is refused from the file"
out=$(pam_run -u kato -o auth pw-kato "$bg2")
is "$(result_of "$out" auth)" PAM_SUCCESS \
    "R-EXC-1: ... and an unspent code from the break-glass file logs in (pam_kagi.8)"

finish
