#!/bin/sh
# pgcopy.sh - kagictl store copy (issue 14, item 5): a standalone kagid's
# SQLite state moved into an empty PostgreSQL database (a real PostgreSQL
# 15 of the test's own, tests/pgserver.sh).
#
# Proves, with a state made by a real kagid through real PAM stacks
# (users, a TOTP token, a lock, a request waiting for approval, a session,
# audit records):
#  - store copy is refused while kagid runs, and without --to;
#  - a source whose audit chain does not verify, or that holds a table
#    the copy does not know, is refused and the target not even touched;
#  - the copy moves every user, token (its sealed bytes equal, never
#    opened), lock, request and session, the fleet's CA (its key sealed)
#    and host registry (issue 15), and the audit chain with the same
#    head, verified before and after;
#  - a copy into the same database again (no longer empty) is refused and
#    leaves it as it was; so is a database of another program, one with an
#    empty kagi store at an older schema (12: never migrated, pg_dump
#    --schema-only and every row count equal before and after) and one
#    with a hand-made schema_version; each refusal names what it found;
#  - kagid on PostgreSQL with the state's sealing key serves a log-in
#    with the copied TOTP token (its last step kept: the code used before
#    the copy is refused), keeps the lock, and the chain verifies.

. "$(dirname "$0")/lib.sh"

[ -x "$PAMDRV" ] && [ -f "$MODULE" ] && [ -x "$TOTPGEN" ] ||
	skip_all "pamdrv, totpgen or pam_kagi.so not built"
command -v sqlite3 >/dev/null 2>&1 || skip_all "sqlite3 not installed"
kagid_built
kagictl_built

plan 33

# The test's own PostgreSQL in $T/pg, stopped on exit (lib.sh).
conninfo=$(_pg_conninfo) || { echo "Bail out! PostgreSQL did not start"; exit 1; }
PSQL=/usr/lib/postgresql/15/bin/psql
# psql_on DB SQL: one query on database DB of the test's server.
psql_on() {
	"$PSQL" -X -Atq "$(printf '%s' "$conninfo" | sed "s/dbname=kagi/dbname=$1/")" \
	    -c "$2"
}
psql_on kagi "CREATE DATABASE other" >/dev/null
psql_on kagi "CREATE DATABASE broken" >/dev/null
psql_on other "CREATE TABLE notes (x integer); INSERT INTO notes VALUES (7)" \
    >/dev/null
DB=$T/state/kagi.db

# --- a standalone kagid's state -------------------------------------------------
start_kagid store=sqlite ||
	{ echo "Bail out! kagid did not start: $(tail -n 5 "$T/kagid.log")"; exit 1; }
write_service
echo "session required $MODULE socket=$SOCK timeout=2" >>"$T/pam.d/$SERVICE"
kagictl user add kato >/dev/null
add_user_password kato pw-kato
secret=$(enroll_totp kato)
kagictl user add sato >/dev/null
add_user_password sato pw-sato
secret2=$(enroll_totp sato)
kagictl user add carol >/dev/null
wait_fresh_step 15
used=$(code_for "$secret")
out=$(pam_run -u kato -o session -S 0 pw-kato "$used")
r=$(result_of "$out" open)
for i in 1 2 3 4 5; do
	pam_run -u sato -o auth pw-sato 000000 >/dev/null
done
kagictl_person user role carol privileged >/dev/null 2>&1
# The oldest records archived: the boundary and the archive move too.
sleep 1.1
t=$(date +%s)
kagictl user add dave >/dev/null
mkdir -p "$T/arch"
chmod 700 "$T/arch"
kagictl audit archive --before "@$t" "$T/arch/a.jsonl" >/dev/null 2>&1
# The fleet (issue 15): the cores' CA and a host registry, one revoked.
csr() {
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$T/$1.key" -out "$T/$1.csr" -subj "/CN=$1" 2>/dev/null
}
kagictl host ca-init >"$T/ca.crt" 2>&1
csr t1
csr t2
csr t3
kagictl host add t1 --zone mynumber --class terminal --csr "$T/t1.csr" \
    >"$T/t1.crt" 2>&1
kagictl host add t2 --zone lgwan --class gateway --csr "$T/t2.csr" \
    >/dev/null 2>&1
kagictl host revoke t2 >/dev/null 2>&1
fp1=$(openssl x509 -in "$T/t1.crt" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')
hosts_q="SELECT name || ' ' || zone || ' ' || class || ' ' || state || ' ' || serial || ' ' || not_after FROM hosts ORDER BY name"
hosts_before=$(sqlite3 "$DB" "$hosts_q")
ca_before=$(sqlite3 "$DB" "SELECT lower(hex(sealed_key)) FROM host_ca")
rq=$(sqlite3 "$DB" "SELECT count(*) FROM requests")
if [ "$r" = PAM_SUCCESS ] && [ "$rq" -ge 1 ] &&
    [ "$(sqlite3 "$DB" "SELECT count(*) FROM locks WHERE locked_until > 0")" -ge 1 ] &&
    [ "$(sqlite3 "$DB" "SELECT count(*) FROM sessions")" -ge 1 ] &&
    [ "$(sqlite3 "$DB" "SELECT count(*) FROM audit_archives")" = 1 ]; then
	ok "a real kagid made users, tokens, a lock, a request, a session and an archive"
else
	not_ok "a real kagid made users, tokens, a lock, a request, a session and an archive" \
	    "open=$r requests=$rq"
fi

out=$("$KAGICTL" --config "$T/kagid.conf" store copy --to "$conninfo" 2>&1; echo "exit=$?")
like "$out" "kagid is running" "store copy is refused while kagid runs"
like "$out" "exit=1" "... exit 1"
stop_kagid
out=$("$KAGICTL" --config "$T/kagid.conf" store copy 2>&1; echo "exit=$?")
like "$out" "store copy needs --to CONNINFO" "store copy without --to is a usage error"

# --- a source that does not verify ------------------------------------------------
mkdir -p "$T/bad"
chmod 700 "$T/bad"
sqlite3 "$DB" ".backup '$T/bad/kagi.db'"
chmod 600 "$T/bad/kagi.db"
bs=$(sqlite3 "$T/bad/kagi.db" "SELECT max(seq) - 1 FROM audit")
sqlite3 "$T/bad/kagi.db" "UPDATE audit SET user = 'mallory' WHERE seq = $bs"
sed "s|^state_dir = .*|state_dir = $T/bad|" "$T/kagid.conf" >"$T/bad.conf"
chmod 600 "$T/bad.conf"
bconn=$(printf '%s' "$conninfo" | sed 's/dbname=kagi/dbname=broken/')
out=$("$KAGICTL" --config "$T/bad.conf" store copy --to "$bconn" 2>&1; echo "exit=$?")
like "$out" "does not verify: record $bs" \
    "R-LOG-2: a source whose audit chain does not verify is refused, naming the record"
is "$(psql_on broken "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" 0 \
    "... and the target is not touched (no table made)"
sqlite3 "$DB" ".backup '$T/bad/kagi.db'"
sqlite3 "$T/bad/kagi.db" "CREATE TABLE extra (x INTEGER)"
out=$("$KAGICTL" --config "$T/bad.conf" store copy --to "$bconn" 2>&1; echo "exit=$?")
like "$out" "the source has a table the copy does not know (extra)" \
    "a source with a table the copy does not know is refused, naming it"
is "$(psql_on broken "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" 0 \
    "... and the target is not touched"

# --- the copy -----------------------------------------------------------------------
q() { sqlite3 "$DB" "$1"; }
before_head=$(q "SELECT seq || ':' || lower(hex(hash)) FROM audit ORDER BY seq DESC LIMIT 1")
before=$(for t in users tokens locks requests sessions logins role_grants auth_stats audit audit_boundary audit_archives; do
	printf '%s=%s ' "$t" "$(q "SELECT count(*) FROM $t")"; done)
sealed=$(q "SELECT id || ':' || lower(hex(sealed)) FROM tokens ORDER BY id")
out=$("$KAGICTL" --config "$T/kagid.conf" store copy --to "$conninfo" 2>&1; echo "exit=$?")
like "$out" "exit=0" "store copy into an empty PostgreSQL database succeeds"
like "$out" "audit chain verified before and after the copy: head $before_head" \
    "R-LOG-2: ... the chain verified before and after, the same head"
unlike "$out" "$T/pg/sock" "... and the connection string is never printed"
after=$(for t in users tokens locks requests sessions logins role_grants auth_stats audit audit_boundary audit_archives; do
	printf '%s=%s ' "$t" "$(psql_on kagi "SELECT count(*) FROM $t")"; done)
is "$after" "$before" "users, tokens, locks, requests, sessions, log-ins, grants, stats, audit and archives: every row"
is "$(psql_on kagi "SELECT id || ':' || encode(sealed, 'hex') FROM tokens ORDER BY id")" \
    "$sealed" "R-TOK-8: the tokens' sealed bytes are copied as they are"
is "$(psql_on kagi "SELECT seq || ':' || encode(hash, 'hex') FROM audit_head")" \
    "$before_head" "the audit head row is the source's head"
is "$(psql_on kagi "$hosts_q")/$(psql_on kagi "SELECT encode(sealed_key, 'hex') FROM host_ca")" \
    "$hosts_before/$ca_before" "the host registry and the cores' CA (its key sealed) are copied"

# --- a target that is not empty -------------------------------------------------------
n=$(psql_on kagi "SELECT count(*) FROM audit")
out=$("$KAGICTL" --config "$T/kagid.conf" store copy --to "$conninfo" 2>&1; echo "exit=$?")
like "$out" "the target database is not empty: it holds a kagi store at schema version $(psql_on kagi "SELECT version FROM schema_version")" \
    "a copy into a database that holds a state is refused, naming its schema version"
is "$(psql_on kagi "SELECT count(*) FROM audit")/$(psql_on kagi "SELECT count(*) FROM users")" \
    "$n/$(q "SELECT count(*) FROM users")" "... and leaves it as it was"
oconn=$(printf '%s' "$conninfo" | sed 's/dbname=kagi/dbname=other/')
out=$("$KAGICTL" --config "$T/kagid.conf" store copy --to "$oconn" 2>&1; echo "exit=$?")
like "$out" "it holds 1 tables, sequences or views (the first by name: notes)" \
    "a copy into another program's database is refused, naming what it holds"
is "$(psql_on other "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")/$(psql_on other "SELECT x FROM notes")" \
    "1/7" "... and leaves it as it was"

# --- a target with an older kagi schema, or a hand-made one ---------------------------
# An empty store at schema 12 (as a release before 13 made it: the copy's
# schema less migrations 13 to 15) used to be migrated before it
# was refused; now it is refused before any DDL, unchanged.
PGDUMP=/usr/lib/postgresql/15/bin/pg_dump
# snapshot DB: its schema and every table's row count (without the
# random key newer pg_dump puts in its \restrict lines).
snapshot() {
	"$PGDUMP" --schema-only --no-owner \
	    "$(printf '%s' "$conninfo" | sed "s/dbname=kagi/dbname=$1/")" |
	    grep -v '^\\\(un\)\{0,1\}restrict '
	printf 'relations=%s\n' "$(psql_on "$1" "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'")"
	for t in $(psql_on "$1" "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"); do
		printf '%s=%s\n' "$t" "$(psql_on "$1" "SELECT count(*) FROM \"$t\"")"
	done
}
psql_on kagi "CREATE DATABASE old" >/dev/null
psql_on kagi "CREATE DATABASE hand" >/dev/null
"$PGDUMP" --schema-only --no-owner "$conninfo" |
    "$PSQL" -X -q "$(printf '%s' "$conninfo" | sed 's/dbname=kagi/dbname=old/')" \
    >/dev/null 2>&1
psql_on old "DROP TABLE sshkeys; ALTER TABLE audit DROP COLUMN core;
    DROP TABLE hosts; DROP TABLE host_ca;
    INSERT INTO schema_version (id, version) VALUES (1, 12);
    INSERT INTO audit_head VALUES (1, 0, decode(repeat('00', 32), 'hex'), 0)" \
    >/dev/null 2>&1
psql_on hand "CREATE TABLE schema_version (version integer); INSERT INTO schema_version VALUES (13);
    CREATE TABLE users (id bigint)" >/dev/null
s_old=$(snapshot old)
s_hand=$(snapshot hand)
old_conn=$(printf '%s' "$conninfo" | sed 's/dbname=kagi/dbname=old/')
out=$("$KAGICTL" --config "$T/kagid.conf" store copy --to "$old_conn" 2>&1; echo "exit=$?")
like "$out" "not empty: it holds a kagi store at schema version 12 (36 tables, sequences or views); nothing was changed" \
    "a copy into an empty store at an older schema (12) is refused, naming its version"
like "$out" "exit=1" "... exit 1"
is "$(snapshot old)" "$s_old" "... and leaves it byte for byte as it was (pg_dump --schema-only, row counts): not migrated"
is "$(psql_on old "SELECT version FROM schema_version")" 12 "... its schema version still 12"
out=$("$KAGICTL" --config "$T/kagid.conf" store copy --to "$(printf '%s' "$conninfo" | sed 's/dbname=kagi/dbname=hand/')" 2>&1; echo "exit=$?")
like "$out" "not empty: it holds a kagi store at schema version 13 (2 tables" \
    "a hand-made schema_version 13 and a table: refused, naming the version and the tables"
is "$(snapshot hand)" "$s_hand" "... and left as it was"

# --- kagid on the copy ----------------------------------------------------------------------
start_kagid store=postgresql "store_conninfo=$conninfo" ||
	{ echo "Bail out! kagid on the copy did not start: $(tail -n 5 "$T/kagid.log")"; exit 1; }
out=$(pam_run -u kato -o auth pw-kato "$used")
is "$(result_of "$out" auth)" PAM_AUTH_ERR \
    "R-TOK-2: the code used before the copy is refused after it (last step copied)"
wait_fresh_step 5
out=$(pam_run -u kato -o auth pw-kato "$(code_for "$secret" 1)")
is "$(result_of "$out" auth)" PAM_SUCCESS \
    "R-AVL-1: kagid on PostgreSQL serves a log-in with the copied TOTP token"
out=$(pam_run -u sato -o auth pw-sato "$(code_for "$secret2" 1)")
unlike "$(result_of "$out" auth)" PAM_SUCCESS "the copied lock still holds"
v=$(kagictl audit verify 2>&1; echo "exit=$?")
like "$v" "exit=0" "R-LOG-2: the copied chain, continued on PostgreSQL, verifies, its archive boundary signed"
like "$(kagictl request list 2>&1)" "carol" "the copied request is there to approve"
like "$(kagictl host show t1 2>&1)" "$fp1" "the copied registry knows host t1 by its certificate"
like "$(kagictl host list 2>&1 | grep '^t2 ')" "revoked" "... and host t2 stays revoked"
kagictl host add t3 --zone mynumber --class terminal --csr "$T/t3.csr" \
    >"$T/t3.crt" 2>"$T/t3.err"
check "the copied CA signs a new host's certificate that verifies against the CA made before the copy" \
    openssl verify -CAfile "$T/ca.crt" "$T/t3.crt"

finish
