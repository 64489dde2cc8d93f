#!/bin/bash
# .ci/failover.sh - kagid through the loss of its PostgreSQL primary
# (issue 14, item 6).  Run by .ci/run (not by scripts/test.sh: it takes a
# minute or two and wants the machine quiet).  Needs a built tree
# (BUILDDIR, default build/test) and Debian's postgresql-15.
#
# What it sets up, all under one temporary directory and removed after:
#  - a primary PostgreSQL 15 and a synchronous standby of the test's own
#    (initdb and pg_basebackup -R as an unprivileged user: nobody when
#    run as root), each on a Unix socket of its own; the primary has
#    synchronous_commit = on and synchronous_standby_names naming the
#    standby, and the test waits until the standby is "sync";
#  - the database kagi owned by a role kagid of its own, with no
#    superuser, createdb, createrole or replication right: what the cores
#    log in as (README: One state for several kagid);
#  - two kagid cores with one sealing key and
#    store_conninfo = host=PRIMARY,STANDBY ... target_session_attrs=read-write;
#  - 48 users with TOTP tokens (15 s steps), and 4 clients that log them
#    in through real PAM stacks: each round sends the same code to both
#    cores at once, and once a user's code was accepted the same code is
#    sent once more to both (it must be refused), until the next step;
#    after the promotion, once more again.
# Then, under that load, every process of the primary is killed with
# SIGKILL and the standby is promoted (pg_ctl promote); the load goes on.
#
# Proves:
#  - the cores reconnect by themselves (no restart): log-ins are accepted
#    through both after the promotion, and status shows the standby;
#  - no code is accepted twice: at most one success per user and step,
#    over both cores and across the failover (R-TOK-2);
#  - every success answered before the kill is in the promoted database:
#    the token's last_step reached that step, and the user's audit
#    records of accepted log-ins are at least as many as the client was
#    told of (R-LOG-2); the chain verifies on the promoted database;
#  - no log-in was refused before the kill, and every refusal was a
#    refusal (PAM_AUTHINFO_UNAVAIL: fail closed, R-AVL-1), never a
#    success without the store.
# Prints the time during which log-ins were refused, per core: from the
# kill to the last refused log-in, and to the first accepted one.
# Ends with "N passed, N failed, N skipped" like the other steps.
set -u

cd "$(dirname "$0")/.." || exit 2
top_srcdir=$(pwd)
top_builddir=$top_srcdir/${BUILDDIR:-build/test}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
USERS=${FAILOVER_USERS:-48}
WORKERS=4
PRE_S=${FAILOVER_PRE_S:-8}	# load before the kill
POST_S=${FAILOVER_POST_S:-12}	# load after the promotion (at least)
export top_srcdir top_builddir

summary() {
	echo "$((_tap_n - _tap_failed)) passed, $_tap_failed failed, 0 skipped"
}
fatal() {
	echo "Bail out! $*"
	_tap_n=$((_tap_n + 1))
	_tap_failed=$((_tap_failed + 1))
	summary
	exit 1
}

for b in initdb pg_ctl pg_basebackup psql; do
	[ -x "$PGBIN/$b" ] || { echo "Bail out! $PGBIN/$b missing: install postgresql-15"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
done
[ -x "$top_builddir/tokend/kagid/kagid" ] ||
	{ echo "Bail out! no kagid in $top_builddir: build first"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }

# shellcheck source=../tests/integration/lib.sh
. "$top_srcdir/tests/integration/lib.sh"
# Short steps: more log-ins accepted per minute, a step boundary soon.
TOTP_PERIOD=15

W=$T/pg
PRIMARY=$W/primary
STANDBY=$W/standby
PSOCK=$W/psock
SSOCK=$W/ssock

# Run a PostgreSQL program as the server's user (nobody when root).
as_pg() {
	if [ "$(id -u)" = 0 ]; then
		(cd "$W" && setpriv --reuid=nobody --regid=nogroup \
		    --clear-groups -- "$@")
	else
		(cd "$W" && "$@")
	fi
}
psql_at() {	# psql_at SOCKDIR PORT SQL: rows "a|b", as the superuser kagi
	"$PGBIN/psql" -X -Atq -h "$1" -p "$2" -U kagi -d postgres -c "$3"
}

# Every process of a server, by the pids it runs under (the postmaster's
# pid file, then its children): ours, ended by pid only.
server_pids() {
	local pm
	pm=$(head -n 1 "$1/postmaster.pid" 2>/dev/null) || return 0
	[ -n "$pm" ] || return 0
	echo "$pm"
	ps -o pid= --ppid "$pm" 2>/dev/null
}
pg_cleanup() {
	local p
	touch "$T/stop"
	for p in $(server_pids "$PRIMARY"); do kill -KILL "$p" 2>/dev/null; done
	[ -f "$STANDBY/postmaster.pid" ] &&
		as_pg "$PGBIN/pg_ctl" -D "$STANDBY" -m immediate -w -t 30 stop \
		    >/dev/null 2>&1
	[ -f "$PRIMARY/postmaster.pid" ] &&
		as_pg "$PGBIN/pg_ctl" -D "$PRIMARY" -m immediate -w -t 30 stop \
		    >/dev/null 2>&1
}
trap 'pg_cleanup; _cleanup' EXIT

# --- the primary and its synchronous standby ------------------------------------
chmod 711 "$T"
mkdir -p "$W" "$PSOCK" "$SSOCK"
chmod 711 "$W"
chmod 700 "$PSOCK" "$SSOCK"
if [ "$(id -u)" = 0 ]; then
	chown nobody:nogroup "$W" "$PSOCK" "$SSOCK"
fi
as_pg "$PGBIN/initdb" -D "$PRIMARY" -U kagi -A trust -E UTF8 \
    --locale=C.UTF-8 --no-instructions >"$T/initdb.log" 2>&1 ||
	fatal "initdb failed: $(tail -n 5 "$T/initdb.log")"
cat >>"$PRIMARY/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$PSOCK'
unix_socket_permissions = 0700
port = 5432
fsync = on
wal_level = replica
max_wal_senders = 4
synchronous_commit = on
EOF
as_pg "$PGBIN/pg_ctl" -D "$PRIMARY" -l "$W/primary.log" -w -t 60 start \
    >/dev/null 2>&1 || fatal "the primary did not start: $(tail -n 5 "$W/primary.log")"
psql_at "$PSOCK" 5432 "CREATE ROLE kagid LOGIN NOSUPERUSER NOCREATEDB
    NOCREATEROLE NOREPLICATION" >/dev/null 2>&1 &&
    psql_at "$PSOCK" 5432 "CREATE DATABASE kagi_store OWNER kagid" \
    >/dev/null 2>&1 ||
	fatal "cannot create the role and the database"
as_pg "$PGBIN/pg_basebackup" -h "$PSOCK" -p 5432 -U kagi -D "$STANDBY" \
    -R -X stream >"$T/basebackup.log" 2>&1 ||
	fatal "pg_basebackup failed: $(tail -n 5 "$T/basebackup.log")"
cat >>"$STANDBY/postgresql.conf" <<EOF
unix_socket_directories = '$SSOCK'
port = 5433
EOF
# pg_basebackup -R wrote primary_conninfo; the name the primary waits for.
echo "primary_conninfo = 'host=$PSOCK port=5432 user=kagi application_name=standby1'" \
    >>"$STANDBY/postgresql.auto.conf"
as_pg "$PGBIN/pg_ctl" -D "$STANDBY" -l "$W/standby.log" -w -t 60 start \
    >/dev/null 2>&1 || fatal "the standby did not start: $(tail -n 5 "$W/standby.log")"
# Synchronous from now on: set once the standby is there (before, every
# commit, the role's and the database's too, would wait for it).
psql_at "$PSOCK" 5432 "ALTER SYSTEM SET synchronous_standby_names =
    'FIRST 1 (standby1)'" >/dev/null &&
    psql_at "$PSOCK" 5432 "SELECT pg_reload_conf()" >/dev/null ||
	fatal "cannot name the synchronous standby"
i=0
while [ "$(psql_at "$PSOCK" 5432 "SELECT sync_state FROM pg_stat_replication
    WHERE application_name = 'standby1'" 2>/dev/null)" != sync ]; do
	i=$((i + 1))
	[ $i -lt 300 ] || fatal "the standby never became synchronous"
	sleep 0.1
done
ok "a primary and a synchronous standby (sync_state = sync) of the test's own"

# --- two cores -------------------------------------------------------------------
CONNINFO="host=$PSOCK,$SSOCK port=5432,5433 dbname=kagi_store user=kagid target_session_attrs=read-write connect_timeout=2"
COMMON="lockout_failures=100 throttle_failures=10000 totp_period=15"
# shellcheck disable=SC2086
SOCK=$T/core1.sock
set -- $COMMON
start_kagid "$@" store=postgresql "store_conninfo=$CONNINFO" core_name=core1 ||
	fatal "core 1 did not start: $(tail -n 5 "$T/kagid.log")"
K1=$KAGID_PID
bg_register "$K1"
SOCK=$T/core2.sock
mkdir -p "$T/core2"
chmod 700 "$T/core2"
start_kagid "$@" store=postgresql "store_conninfo=$CONNINFO" core_name=core2 \
    "audit_key_file=$T/core2/audit.key" "audit_checkpoint_log=$T/core2/checkpoints" ||
	fatal "core 2 did not start: $(tail -n 5 "$T/kagid.log")"
K2=$KAGID_PID
bg_register "$K2"
KAGID_PID=
# pam_kagi's wait for kagid: a loaded machine (CI) makes a synchronous
# commit slow, and a log-in that timed out would read as refused.
KAGI_TIMEOUT=10
write_service fo_b
SOCK=$T/core1.sock
write_service fo_a
SERVICE=fo_a
ok "two kagid cores on the pair, as a role that is no superuser"

# Users, enrolled by 4 at once: the password stand-in's lines name the
# services.
n=1
while [ $n -le "$USERS" ]; do
	echo "fo$n:pw-fo$n:fo_a"
	echo "fo$n:pw-fo$n:fo_b"
	n=$((n + 1))
done >>"$T/passdb"
enroll_some() {	# enroll_some FIRST STEP
	local n=$1
	while [ $n -le "$USERS" ]; do
		kagictl user add "fo$n" >/dev/null &&
		    enroll_totp "fo$n" >"$T/secret.fo$n" || echo "fo$n"
		n=$((n + $2))
	done
}
epids=
for w in 1 2 3 4; do
	enroll_some $w 4 >"$T/enroll.$w" &
	epids="$epids $!"
done
# Only these: a bare wait would wait for the cores too.
# shellcheck disable=SC2086
wait $epids
failed=$(cat "$T"/enroll.[1-4])
[ -z "$failed" ] || fatal "cannot enroll: $failed"
ok "$USERS users with TOTP tokens"

# --- the load --------------------------------------------------------------------
# One attempt: "T0 T1 CORE USER STEP RESULT KIND" (ms since the epoch).
# KIND code: the password and the code.  KIND probe (when the user has
# nothing left to try in this step): the password only, so that the
# log-in's first request (auth_begin) reaches the store and the log-in
# stops at the code's prompt (PAM_CONV_ERR) without counting a failure;
# refused, it is PAM_AUTHINFO_UNAVAIL.  Probes keep the load going
# between steps, so the refusal window is seen whenever the kill comes.
attempt() {	# attempt SERVICE CORE USER CODE STEP OUTFILE
	local t0 t1 r kind=code
	t0=$(date +%s%3N)
	if [ -n "$4" ]; then
		r=$("$PAMDRV" -c "$T/pam.d" -s "$1" -u "$3" -o auth "pw-$3" \
		    "$4" 2>>"$T/pamdrv.err" | sed -n 's/^auth=//p' | tail -n 1)
	else
		kind=probe
		r=$("$PAMDRV" -c "$T/pam.d" -s "$1" -u "$3" -o auth "pw-$3" \
		    2>>"$T/pamdrv.err" | sed -n 's/^auth=//p' | tail -n 1)
	fi
	t1=$(date +%s%3N)
	echo "$t0 $t1 $2 $3 $5 ${r:-NONE} $kind" >>"$6"
}
worker() {	# worker N USERS...
	local w=$1 u now step code ra rb out again=
	shift
	declare -A okstep=() replstep=()
	out=$T/res.$w
	: >"$out"
	while [ ! -f "$T/stop" ]; do
		# Once the standby is promoted, every code accepted in this
		# step is sent once more: the promoted database must refuse it.
		if [ -z "$again" ] && [ -f "$T/promoted" ]; then
			replstep=()
			again=1
		fi
		for u in "$@"; do
			[ -f "$T/stop" ] && break
			now=$(date +%s)
			step=$((now / TOTP_PERIOD))
			code=
			if [ "${okstep[$u]:-}" != "$step" ] ||
			    [ "${replstep[$u]:-}" != "$step" ]; then
				code=$("$TOTPGEN" -p "$TOTP_PERIOD" -t "$now" \
				    "$(cat "$T/secret.$u")")
			fi
			: >"$out.a"
			: >"$out.b"
			attempt fo_a 1 "$u" "$code" "$step" "$out.a" &
			attempt fo_b 2 "$u" "$code" "$step" "$out.b" &
			wait
			cat "$out.a" "$out.b" >>"$out"
			ra=$(cut -d' ' -f6 "$out.a")
			rb=$(cut -d' ' -f6 "$out.b")
			if [ -z "$code" ]; then
				:
			elif [ "${okstep[$u]:-}" = "$step" ]; then
				# The replay round: answered by both, done.
				[ "$ra" != PAM_AUTHINFO_UNAVAIL ] &&
				    [ "$rb" != PAM_AUTHINFO_UNAVAIL ] &&
				    replstep[$u]=$step
			elif [ "$ra" = PAM_SUCCESS ] || [ "$rb" = PAM_SUCCESS ]; then
				okstep[$u]=$step
			fi
		done
		sleep 0.05
	done
}

rm -f "$T/stop"
wpids=
per=$((USERS / WORKERS))
w=0
while [ $w -lt $WORKERS ]; do
	list=
	n=$((w * per + 1))
	while [ $n -le $(((w + 1) * per)) ]; do
		list="$list fo$n"
		n=$((n + 1))
	done
	# shellcheck disable=SC2086
	worker "$w" $list &
	bg_register $!
	wpids="$wpids $!"
	w=$((w + 1))
done

sleep "$PRE_S"
# The primary's machine is gone: every process of it, SIGKILL, at once.
pids=$(server_pids "$PRIMARY" | tr '\n' ' ')
KILL_MS=$(date +%s%3N)
# shellcheck disable=SC2086
kill -KILL $pids 2>/dev/null
as_pg "$PGBIN/pg_ctl" -D "$STANDBY" -w -t 60 promote >"$T/promote.log" 2>&1 ||
	fatal "pg_ctl promote failed: $(cat "$T/promote.log")"
PROMOTED_MS=$(date +%s%3N)
touch "$T/promoted"
# Load for POST_S, and past the next step's start (new codes accepted
# after the promotion) by 6 s.
now=$(date +%s)
end=$((now + POST_S))
next=$(( (now / TOTP_PERIOD + 1) * TOTP_PERIOD + 6 ))
[ $next -gt $end ] && end=$next
while [ "$(date +%s)" -lt $end ]; do
	sleep 0.5
done
touch "$T/stop"
# The workers end their round and stop.
# shellcheck disable=SC2086
wait $wpids
cat "$T"/res.[0-9] >"$T/results"
ok "load: $(wc -l <"$T/results") log-ins; the standby promoted $((PROMOTED_MS - KILL_MS)) ms after the kill"

# --- what the clients saw ---------------------------------------------------------
R=$T/results
gone_all=1
for p in $pids; do
	kill -0 "$p" 2>/dev/null && gone_all=0
done
if [ $gone_all = 1 ]; then
	ok "every process of the primary is gone"
else
	not_ok "every process of the primary is gone"
fi
if kill -0 "$K1" 2>/dev/null && kill -0 "$K2" 2>/dev/null; then
	ok "both cores ran on through the failover (no restart)"
else
	not_ok "both cores ran on through the failover (no restart)"
fi

odd=$(awk '($7 == "code" && $6 != "PAM_SUCCESS" && $6 != "PAM_AUTH_ERR" &&
    $6 != "PAM_AUTHINFO_UNAVAIL") || ($7 == "probe" &&
    $6 != "PAM_CONV_ERR" && $6 != "PAM_AUTHINFO_UNAVAIL")' "$R")
if [ -z "$odd" ]; then
	ok "R-AVL-1: every answer was a success, a refusal of the code, 'unavailable' or (a probe) the code's prompt"
else
	not_ok "R-AVL-1: every answer was a success, a refusal of the code, 'unavailable' or (a probe) the code's prompt"
	diag "$(printf '%s\n' "$odd" | head -n 10)"
fi
early=$(awk -v k="$KILL_MS" '$2 < k && $6 == "PAM_AUTHINFO_UNAVAIL"' "$R")
if [ -z "$early" ]; then
	ok "no log-in was refused before the kill"
else
	not_ok "no log-in was refused before the kill"
	diag "t0 t1 core user step result kind (kill at $KILL_MS):" "$early" \
	    "$(grep -v 'audit \(seq\|anchor\|checkpoint\)' "$T/kagid.log" | tail -n 20)" \
	    "the primary's errors:" "$(grep -E 'ERROR|FATAL' "$W/primary.log" | tail -n 20)"
fi

twice=$(awk '$6 == "PAM_SUCCESS" { n[$4 " " $5]++ }
    END { for (k in n) if (n[k] > 1) print k " accepted " n[k] " times" }' "$R")
nsucc=$(awk '$6 == "PAM_SUCCESS"' "$R" | wc -l)
if [ -z "$twice" ] && [ "$nsucc" -gt 0 ]; then
	ok "R-TOK-2: no code accepted twice ($nsucc accepted, each user and step once)"
else
	not_ok "R-TOK-2: no code accepted twice"
	diag "$twice"
fi

for c in 1 2; do
	after=$(awk -v p="$PROMOTED_MS" -v c=$c '$1 > p && $3 == c &&
	    $6 == "PAM_SUCCESS"' "$R" | wc -l)
	if [ "$after" -gt 0 ]; then
		ok "core $c reconnected by itself: $after log-ins accepted after the promotion"
	else
		not_ok "core $c reconnected by itself: log-ins accepted after the promotion"
	fi
	# The refusal window, as the clients saw it: from the kill to the
	# last refused log-in; the first answered again (a code accepted or
	# refused, a probe at the code's prompt) after that.
	last=$(sort -n -k2,2 "$R" | awk -v c=$c '$3 == c &&
	    $6 == "PAM_AUTHINFO_UNAVAIL" { t = $2 } END { print (t == "" ? 0 : t) }')
	nref=$(awk -v c=$c '$3 == c && $6 == "PAM_AUTHINFO_UNAVAIL"' "$R" | wc -l)
	first=$(sort -n -k2,2 "$R" | awk -v l="$last" -v c=$c '$3 == c &&
	    $2 > l && $6 != "PAM_AUTHINFO_UNAVAIL" { print $2; exit }')
	nafter=$(awk -v k="$KILL_MS" -v c=$c '$3 == c && $1 > k' "$R" | wc -l)
	if [ "$last" -gt 0 ]; then
		echo "# core $c: log-ins refused for $(( last - KILL_MS )) ms after the kill ($nref refused); answered again $(( ${first:-$last} - KILL_MS )) ms after it"
	else
		echo "# core $c: no log-in refused ($nafter tried after the kill)"
	fi
done

# --- the promoted database ----------------------------------------------------------
psql_s() { "$PGBIN/psql" -X -Atq -h "$SSOCK" -p 5433 -U kagi -d kagi_store -c "$1"; }
is "$(psql_s "SELECT pg_is_in_recovery()")" f "the standby is the primary now"
# Per user: the highest step and the count of successes the clients were
# told of before the kill, against the token's last_step and the audit's
# accepted log-ins (outcome provisional: confirmed by the account step).
awk -v k="$KILL_MS" '$2 < k && $6 == "PAM_SUCCESS" {
	n[$4]++; if ($5 > s[$4]) s[$4] = $5 }
    END { for (u in n) print u, s[u], n[u] }' "$R" | sort >"$T/acked"
psql_s "SELECT u.name, max(t.last_step) FROM users u JOIN tokens t ON
    t.user_id = u.id GROUP BY u.name" | tr '|' ' ' | sort >"$T/steps"
psql_s "SELECT \"user\", count(*) FROM audit WHERE event = 'auth' AND
    fields LIKE '%\"provisional\"%' GROUP BY \"user\"" | tr '|' ' ' |
    sort >"$T/audited"
lost=$(join -a 1 -e 0 -o 0,1.2,1.3,2.2 "$T/acked" "$T/steps" |
    join -a 1 -e 0 -o 0,1.2,1.3,1.4,2.2 - "$T/audited" |
    awk '$4 < $2 || $5 < $3')
nacked=$(awk '{ n += $3 } END { print n + 0 }' "$T/acked")
if [ -z "$lost" ] && [ "$nacked" -gt 0 ]; then
	ok "every success answered before the kill ($nacked) is in the promoted database (last_step, audit record)"
else
	not_ok "every success answered before the kill is in the promoted database"
	diag "user acked_step acked_n last_step audited:" "$lost"
fi
SOCK=$T/core1.sock
v=$(kagictl audit verify 2>&1; echo "exit=$?")
like "$v" "exit=0" "R-LOG-2: the audit chain verifies on the promoted database"
st=$(kagictl status 2>&1)
if printf '%s\n' "$st" | grep -qE "store_server +$SSOCK:5433" &&
    printf '%s\n' "$st" | grep -qE "store_state +connected"; then
	ok "kagictl status: connected to the promoted standby"
else
	not_ok "kagictl status: connected to the promoted standby"
	diag "$st"
fi

summary
[ "$_tap_failed" = 0 ]
