#!/bin/sh
# conns.sh - one local user cannot starve log-ins by holding connections
# to kagid's socket (issue 13, item 7; R-AVL-1).
#
# An ordinary uid (nobody, through setpriv) opens 500 connections and
# sends nothing: kagid keeps at most max_clients_per_uid of them and drops
# the rest at once, real log-ins (root's, as from sshd or login) still
# succeed meanwhile, and the idle time-out drops what was kept.  When two
# uids fill every place of max_clients, root still gets one: the
# connection of another uid idle longest makes way.

. "$(dirname "$0")/lib.sh"

[ -x "$PAMDRV" ] && [ -f "$MODULE" ] && [ -x "$TOTPGEN" ] ||
	skip_all "pamdrv, totpgen or pam_kagi.so not built"
CONNHOLD=$top_builddir/tests/connhold
[ -x "$CONNHOLD" ] || skip_all "tests/connhold not built"
kagid_built
kagictl_built
[ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1 ||
	skip_all "needs root and setpriv to act as other users"

plan 13

# as UID CMD...: run CMD as that uid (and gid), no supplementary groups.
as() {
	_u=$1
	shift
	setpriv --reuid="$_u" --regid="$_u" --clear-groups "$@"
}

# hold UID N SECS OUT: UID holds N connections for SECS seconds in the
# background; returns once they are all attempted.
hold() {
	as "$1" "$CONNHOLD" "$SOCK" "$2" "$3" >"$4" 2>&1 &
	bg_register $!
	_i=0
	while ! grep -q '^connected' "$4" && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
}

# held OUT: how many connections were still open at the end.
held() {
	_i=0
	while ! grep -q '^opened' "$1" && [ $_i -lt 150 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	sed -n 's/^opened [0-9]* open \([0-9]*\)$/\1/p' "$1"
}

chmod 711 "$T"
start_kagid client_timeout=5s max_clients_per_uid=16 ||
	{ echo "Bail out! kagid did not start"; exit 1; }
write_service
kagictl user add alice >/dev/null
add_user_password alice pw-alice
s=$(enroll_totp alice)
wait_fresh_step 20

# --- one uid, 500 idle connections -------------------------------------------
hold 65534 500 3 "$T/hold1"
like "$(cat "$T/hold1")" "connected" "nobody made its connections"
c=$(code_for "$s")
out=$(pam_run -u alice -o both pw-alice "$c")
is "$(result_of "$out" auth)/$(result_of "$out" acct)" PAM_SUCCESS/PAM_SUCCESS \
    "R-AVL-1: with 500 idle connections of one user, a real log-in succeeds"
out=$(pam_run -u alice -o acct)
is "$(result_of "$out" acct)" PAM_SUCCESS \
    "R-AVL-1: ... and the next request too"
n=$(held "$T/hold1")
check "R-AVL-1: kagid kept at most max_clients_per_uid (16) of them ($n)" \
    test "${n:-999}" -le 16
like "$(cat "$T/kagid.log")" "uid 65534 already holds max_clients_per_uid (16)" \
    "the dropped connections are logged, naming the uid"

# --- the idle time-out drops what was kept -------------------------------------
hold 65534 50 7 "$T/hold2"
n=$(held "$T/hold2")
is "$n" 0 "R-AVL-1: after client_timeout (5 s) kagid has dropped every idle one"

# --- every place taken by two uids: root still gets one -------------------------
stop_kagid
start_kagid client_timeout=5s max_clients=8 max_clients_per_uid=4 ||
	{ echo "Bail out! kagid did not start"; exit 1; }
hold 65534 100 4 "$T/hold3"
hold 1 100 4 "$T/hold4"
wait_log "uid 1 already holds max_clients_per_uid (4)"
like "$(cat "$T/kagid.log")" "uid 1 already holds max_clients_per_uid (4)" \
    "a second uid is capped too"
wait_fresh_step 8
c=$(code_for "$s" 1)
out=$(pam_run -u alice -o both pw-alice "$c")
is "$(result_of "$out" auth)/$(result_of "$out" acct)" PAM_SUCCESS/PAM_SUCCESS \
    "R-AVL-1: with every place of max_clients held by others, root's log-in succeeds"
like "$(cat "$T/kagid.log")" "dropped to make room for root" \
    "the connection that made way is logged"
n1=$(held "$T/hold3")
n2=$(held "$T/hold4")
check "the others were capped at 4 each ($n1, $n2), fewer the ones that made way" \
    test "${n1:-99}" -le 4 -a "${n2:-99}" -le 4
# Another ordinary uid finds no place while all are taken: kagictl says
# kagid is unreachable (3), not that the request was refused (1).
out=$(as 2 "$KAGICTL" --socket "$SOCK" status 2>&1); rc=$?
is "$rc" 1 "with places free, a third ordinary uid is answered (refused: 1)"
hold 65534 4 3 "$T/hold5"
hold 1 4 3 "$T/hold6"
sleep 0.3
out=$(as 2 "$KAGICTL" --socket "$SOCK" status 2>&1); rc=$?
is "$rc" 3 "R-AVL-1: while every place is taken, it is turned away (unreachable: 3)"
like "$(cat "$T/kagid.log")" "too many clients" \
    "turning it away is logged"

finish
