#!/bin/sh
# pgcores.sh - several kagid cores on one PostgreSQL database share one
# audit chain, each record naming the core that wrote it, and each core
# signs its own checkpoints with its own key (issue 14, item 3).
#
# Proves, with a real PostgreSQL 15 of the test's own (tests/pgserver.sh)
# and two cores (core_name core-a and core-b, one sealing key, each its own
# checkpoint key and log):
#  - kagictl audit key prints the own key with its core, as
#    audit_verify_keys takes it;
#  - a core restarts after the other wrote records while it was stopped,
#    when it knows that core's key; a record naming a core nobody
#    configured (core-c) makes it refuse to start, naming that core, until
#    its key is added;
#  - log-ins through both cores; audit verify through either passes and
#    names both cores; audit export shows the core of each record;
#  - the checkpoints of both cores, collected into one file, verify
#    through a core that has the other's key; a checkpoint of core-b
#    relabelled as core-a, and the checkpoints of core-c whose key is not
#    configured, are refused naming the core;
#  - an archive made through core-b: core-a's verify finds its boundary
#    signed in core-b's checkpoints (--checkpoints), and says to give them;
#  - an insider who edits a record's core name in the database breaks
#    verify at that record (R-LOG-2);
#  - one name, one core: kagictl status shows the core's name and that it
#    holds it; a second core with a running core's name (a copied
#    kagid.conf) is refused at start, saying what to change; with the
#    first stopped the second starts, and then the first is refused until
#    the second stops; a core whose name another connection took while
#    its own connection was broken answers no decision (store_down, the
#    reason in status) and takes the name back by itself once it is free.

. "$(dirname "$0")/lib.sh"

[ -x "$PAMDRV" ] && [ -f "$MODULE" ] && [ -x "$TOTPGEN" ] ||
	skip_all "pamdrv, totpgen or pam_kagi.so not built"
kagid_built
kagictl_built

plan 40

# The test's own PostgreSQL in $T/pg, stopped on exit (lib.sh).
conninfo=$(_pg_conninfo) || { echo "Bail out! PostgreSQL did not start"; exit 1; }
PSQL=/usr/lib/postgresql/15/bin/psql
psql_do() { "$PSQL" -X -Atq "$conninfo" -c "$1"; }

# start_core NAME [KEY=VALUE...]: kagid core NAME on $T/NAME.sock, its
# checkpoint key and log in $T/NAME; PID in $CORE_PID.  CORE_AS=OTHER
# gives it core_name OTHER, CORE_DIR=DIR the key and log of $T/DIR.  Its socket is
# there before it checks its chain: it started once it says it listens,
# it refused once it exited.
start_core() {
	_n=$1
	shift
	mkdir -p "$T/$_n"
	chmod 700 "$T/$_n"
	SOCK=$T/$_n.sock
	_before=$(grep -c "listening on $SOCK " "$T/kagid.log" 2>/dev/null)
	_d=${CORE_DIR:-$_n}
	_as=${CORE_AS:-$_n}
	CORE_DIR=
	CORE_AS=
	start_kagid store=postgresql "store_conninfo=$conninfo" \
	    "core_name=$_as" "audit_key_file=$T/$_d/audit.key" \
	    "audit_checkpoint_log=$T/$_d/checkpoints" \
	    audit_checkpoint_interval=1s "$@" || return 1
	CORE_PID=$KAGID_PID
	bg_register "$KAGID_PID"
	KAGID_PID=
	_i=0
	while [ $_i -lt 300 ]; do
		[ "$(grep -c "listening on $SOCK " "$T/kagid.log")" -gt \
		    "${_before:-0}" ] && return 0
		kill -0 "$CORE_PID" 2>/dev/null || return 1
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}
stop_core() {
	KAGID_PID=$1
	stop_kagid
}
# own_key NAME: the first line of kagictl audit key on core NAME.
own_key() { "$KAGICTL" --socket "$T/$1.sock" audit key | head -n 1; }
on() { _s=$1; shift; "$KAGICTL" --socket "$T/$_s.sock" "$@"; }
# likere TEXT BASIC-REGEX DESC
likere() {
	if printf '%s\n' "$1" | grep -q -- "$2"; then
		ok "$3"
	else
		not_ok "$3" "wanted to match: '$2'" "in:" "$1"
	fi
}

start_core core-a || { echo "Bail out! core-a did not start"; exit 1; }
A_PID=$CORE_PID
start_core core-b || { echo "Bail out! core-b did not start"; exit 1; }
B_PID=$CORE_PID
ka=$(own_key core-a)
kb=$(own_key core-b)
likere "$ka" "^ed25519 [0-9a-f]\{64\} core=core-a kagid@" \
    "R-LOG-2: audit key prints the own key for its core, as audit_verify_keys takes it"
echo "$kb" >"$T/keys-a"
echo "$ka" >"$T/keys-b"
chmod 600 "$T/keys-a" "$T/keys-b"

# Each core restarts knowing the other's key; core-a's restart writes
# records after core-b's stop checkpoint.
stop_core "$B_PID"
stop_core "$A_PID"
start_core core-a "audit_verify_keys=$T/keys-a" ||
	{ echo "Bail out! core-a did not restart"; exit 1; }
A_PID=$CORE_PID
if start_core core-b "audit_verify_keys=$T/keys-b"; then
	B_PID=$CORE_PID
	ok "R-LOG-2: a core starts after another core it knows wrote records while it was stopped"
else
	not_ok "R-LOG-2: a core starts after another core it knows wrote records while it was stopped"
	echo "Bail out! core-b did not restart"
	exit 1
fi
# Its configuration record compares with its own last one, not core-a's.
cfg=$(grep "configuration changed" "$T/kagid.log" | tail -n 1)
like "$cfg" "audit_verify_keys:" \
    "R-LOG-1: core-b's restart records its own configuration change"
unlike "$cfg" "core_name:" \
    "R-LOG-1: ... compared with core-b's last configuration, not core-a's"

# --- log-ins through both cores ----------------------------------------------
SOCK=$T/core-a.sock
write_service
kagictl user add kato >/dev/null
add_user_password kato pw-kato
secret=$(enroll_totp kato)
wait_fresh_step 15
out=$(pam_run -u kato -o auth pw-kato "$(code_for "$secret")")
is "$(result_of "$out" auth)" PAM_SUCCESS "R-AVL-1: a log-in through core-a"
SOCK=$T/core-b.sock
write_service
out=$(pam_run -u kato -o auth pw-kato "$(code_for "$secret" 1)")
is "$(result_of "$out" auth)" PAM_SUCCESS "R-AVL-1: the next step's log-in through core-b"

v=$(on core-b audit verify 2>&1; echo "exit=$?")
like "$v" "exit=0" "R-LOG-2: the one chain written by two cores verifies"
likere "$v" "core core-a wrote [0-9]* records" "R-LOG-2: ... naming core-a's records"
likere "$v" "core core-b wrote [0-9]* records" "R-LOG-2: ... and core-b's"
out=$(on core-a audit export --json --event auth --user kato)
if printf '%s\n' "$out" | grep -q '"core":"core-a"' &&
    printf '%s\n' "$out" | grep -q '"core":"core-b"'; then
	ok "R-LOG-3: audit export shows the core of each log-in"
else
	not_ok "R-LOG-3: audit export shows the core of each log-in"
	diag "$out"
fi

out=$(on core-a audit export --event auth --user kato)
likere "$out" "^SEQ  *TIME  *CORE  *ACTOR" "R-LOG-3: the export table has a CORE column"

# --- the checkpoints of both cores ---------------------------------------------
sleep 1.5
cat "$T/core-a/checkpoints" "$T/core-b/checkpoints" >"$T/all.cp"
chmod 600 "$T/all.cp"
if grep -q '"core":"core-a"' "$T/all.cp" && grep -q '"core":"core-b"' "$T/all.cp"; then
	ok "R-LOG-2: each core signs checkpoints naming itself"
else
	not_ok "R-LOG-2: each core signs checkpoints naming itself"
fi
v=$(on core-a audit verify --checkpoints "$T/all.cp" 2>&1; echo "exit=$?")
like "$v" "every one signed by a key kagid knows" \
    "R-LOG-2: both cores' checkpoints verify through core-a, each with its core's key"
like "$v" "exit=0" "R-LOG-2: ... exit 0"
grep '"core":"core-b"' "$T/core-b/checkpoints" | head -n 1 |
    sed 's/"core":"core-b"/"core":"core-a"/' >"$T/relabelled.cp"
chmod 600 "$T/relabelled.cp"
v=$(on core-a audit verify --checkpoints "$T/relabelled.cp" 2>&1; echo "exit=$?")
likere "$v" "by core core-a is signed by key .*, which is not a key kagid knows for core core-a" \
    "R-LOG-2: core-b's checkpoint relabelled as core-a's is refused, naming the core"

# --- an archive made through one core, verified through the other ----------------
sleep 1.1
t=$(date +%s)
on core-b user add ueda >/dev/null
mkdir -p "$T/arch"
chmod 700 "$T/arch"
out=$(on core-b audit archive --before "@$t" "$T/arch/a.jsonl" 2>&1)
like "$out" "archived audit records 1 to" "R-LOG-1: an archive made through core-b"
sleep 1.5
v=$(on core-a audit verify 2>&1; echo "exit=$?")
like "$v" "give its checkpoints with --checkpoints FILE" \
    "R-LOG-2: through core-a, the boundary core-b signed is not in core-a's log: verify says where it is"
v=$(on core-a audit verify --checkpoints "$T/core-b/checkpoints" 2>&1; echo "exit=$?")
like "$v" "a signed checkpoint of that archive in the checkpoints given covers the boundary" \
    "R-LOG-2: with core-b's checkpoints, core-a finds the boundary signed"
like "$v" "exit=0" "R-LOG-2: ... and the chain verifies, exit 0"

# --- an insider edits a record's core ------------------------------------------
seq=$(psql_do "SELECT max(seq) FROM audit WHERE core = 'core-b'")
psql_do "UPDATE audit SET core = 'core-a' WHERE seq = $seq"
v=$(on core-b audit verify 2>&1; echo "exit=$?")
like "$v" "record $seq: its contents do not match its hash" \
    "R-LOG-2: a record's core name edited in the database breaks verify at it"
like "$v" "exit=1" "R-LOG-2: ... exit 1"
psql_do "UPDATE audit SET core = 'core-b' WHERE seq = $seq"
v=$(on core-b audit verify 2>&1; echo "exit=$?")
like "$v" "exit=0" "R-LOG-2: put back, the chain verifies again"

# --- a third core whose key nobody configured -------------------------------------
stop_core "$A_PID"
start_core core-c || { echo "Bail out! core-c did not start"; exit 1; }
kc=$(own_key core-c)
stop_core "$CORE_PID"
if start_core core-a "audit_verify_keys=$T/keys-a"; then
	not_ok "R-LOG-2: records of an unknown core after core-a's stop: core-a refuses to start"
	A_PID=$CORE_PID
else
	ok "R-LOG-2: records of an unknown core after core-a's stop: core-a refuses to start"
fi
like "$(tail -n 3 "$T/kagid.log")" "naming core core-c, whose key is not in audit_verify_keys" \
    "R-LOG-2: ... naming that core"
cp "$T/core-c/checkpoints" "$T/c.cp"
chmod 600 "$T/c.cp"
v=$(on core-b audit verify --checkpoints "$T/c.cp" 2>&1; echo "exit=$?")
likere "$v" "by core core-c is signed by key .*, which is not a key kagid knows for core core-c" \
    "R-LOG-2: core-c's checkpoints are refused where its key is unknown, naming the core"
echo "$kc" >>"$T/keys-a"
if start_core core-a "audit_verify_keys=$T/keys-a"; then
	ok "R-LOG-2: with core-c's key configured, core-a starts"
	A_PID=$CORE_PID
else
	not_ok "R-LOG-2: with core-c's key configured, core-a starts"
fi

# --- one name, one core ----------------------------------------------------------
# A copy of core-a's configuration on another machine (here: another
# socket): the same core_name, key and checkpoint log.
st=$(on core-a status 2>&1)
likere "$st" "^core_name  *core-a$" "kagictl status shows the core's name"
likere "$st" "^core_name_lock  *held$" "... and that it holds it on the database"
likere "$(on core-b status 2>&1)" "^core_name  *core-b$" \
    "two cores with different names both run, each showing its own"
if CORE_AS=core-a CORE_DIR=core-a start_core dup "audit_verify_keys=$T/keys-a"; then
	not_ok "a second core named core-a is refused at start while core-a runs"
	stop_core "$CORE_PID"
else
	ok "a second core named core-a is refused at start while core-a runs"
fi
like "$(tail -n 20 "$T/kagid.log")" \
    "core_name core-a is held by another kagid on this database (PostgreSQL server process" \
    "... saying the name is held by another kagid"
like "$(tail -n 20 "$T/kagid.log")" "give each core its own core_name in kagid.conf" \
    "... and what to change"
likere "$(on core-a status 2>&1)" "^core_name_lock  *held$" "... and core-a still holds its name"
stop_core "$A_PID"
A_PID=
if CORE_AS=core-a CORE_DIR=core-a start_core dup "audit_verify_keys=$T/keys-a"; then
	ok "with core-a stopped, its name is free: the copy starts under it"
	D_PID=$CORE_PID
else
	not_ok "with core-a stopped, its name is free: the copy starts under it"
	D_PID=
fi
if start_core core-a "audit_verify_keys=$T/keys-a"; then
	not_ok "core-a is refused while its copy runs under its name"
	stop_core "$CORE_PID"
else
	ok "core-a is refused while its copy runs under its name"
fi
[ -n "$D_PID" ] && stop_core "$D_PID"
if start_core core-a "audit_verify_keys=$T/keys-a"; then
	ok "core-a starts again once the copy stopped"
	A_PID=$CORE_PID
else
	not_ok "core-a starts again once the copy stopped"
	echo "Bail out! core-a did not restart: $(tail -n 3 "$T/kagid.log")"
	exit 1
fi

# core-a's connection breaks; another connection takes the name before
# core-a is back (it waits for core-a's lock, so it gets it the moment
# core-a's connection ends): core-a answers nothing under the name.
KEY="1801545571, ('x' || substr(md5('core-a'), 1, 8))::bit(32)::int"
OID="('x00000000' || substr(md5('core-a'), 1, 8))::bit(64)::bigint::oid"
"$PSQL" -X -Atq "$conninfo" -c "SELECT pg_advisory_lock($KEY)" \
    -c "SELECT pg_sleep(6)" >/dev/null 2>&1 &
HOLD=$!
bg_register "$HOLD"
i=0
while [ $i -lt 50 ] && [ "$(psql_do "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid = 1801545571 AND objid = $OID")" != 1 ]; do
	sleep 0.1
	i=$((i + 1))
done
psql_do "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = 1801545571 AND objid = $OID" >/dev/null
sleep 1
SOCK=$T/core-a.sock
write_service
out=$(pam_run -u kato -o auth pw-kato 000000)
is "$(result_of "$out" auth)" PAM_AUTHINFO_UNAVAIL \
    "core-a's name taken while it reconnected: core-a answers no decision (store_down)"
st=$(on core-a status 2>&1)
likere "$st" "^core_name_lock  *not held" "... kagictl status says it does not hold its name"
like "$st" "core_name core-a is held by another kagid on this database" "... and why"
wait "$HOLD" 2>/dev/null
i=0
while [ $i -lt 60 ]; do
	on core-a status 2>&1 | grep -q "^core_name_lock  *held$" && break
	sleep 0.1
	i=$((i + 1))
done
out=$(pam_run -u kato -o auth pw-kato 000000)
is "$(result_of "$out" auth)" PAM_AUTH_ERR \
    "the name free again, core-a takes it back by itself and answers (a wrong code refused)"

finish
