#!/bin/sh
# pgstore.sh - kagid on PostgreSQL (issue 14): a real PostgreSQL 15 of the
# test's own (tests/pgserver.sh: initdb and pg_ctl in $T/pg, Unix socket
# only, as nobody when root), one kagid and then two on the one database.
#
# Proves, through real PAM stacks: store = postgresql with store_conninfo
# starts kagid, which never logs the connection string nor shows it in
# kagictl status; a log-in works and its code is refused a second time;
# two kagid on one database (one sealing key, as every core must have):
# a code accepted through one is refused through the other, a token
# revoked through one is refused at once through the other, and the one
# audit chain verifies through either; kagictl backup is refused naming
# pg_dump; a wrong pair of keys in kagid.conf
# is refused; and with PostgreSQL gone a log-in fails closed.

. "$(dirname "$0")/lib.sh"

[ -x "$PAMDRV" ] && [ -f "$MODULE" ] && [ -x "$TOTPGEN" ] ||
	skip_all "pamdrv, totpgen or pam_kagi.so not built"
kagid_built
kagictl_built

plan 16

# The server runs as nobody when we are root: $T must be reachable.
chmod 711 "$T"
PGDIR=$T/pg
conninfo=$(sh "$top_srcdir/tests/pgserver.sh" start "$PGDIR" 2>"$T/pg.err") ||
	{ echo "Bail out! PostgreSQL did not start: $(cat "$T/pg.err")"; exit 1; }
pg_stop() { sh "$top_srcdir/tests/pgserver.sh" stop "$PGDIR" 2>/dev/null; }
trap 'pg_stop; _cleanup' EXIT

# --- the configuration --------------------------------------------------------
probe=$T/probe.conf
printf 'socket = %s\nstate_dir = %s\nuser = %s\nstore = postgresql\n' \
    "$T/probe.sock" "$T" "$(id -un)" >"$probe"
chmod 600 "$probe"
out=$("$KAGID" -t -c "$probe" 2>&1)
like "$out" "'store = postgresql' needs 'store_conninfo'" \
    "store = postgresql without store_conninfo is refused, naming both"
printf 'socket = %s\nstate_dir = %s\nuser = %s\nstore_conninfo = %s\n' \
    "$T/probe.sock" "$T" "$(id -un)" "$conninfo" >"$probe"
out=$("$KAGID" -t -c "$probe" 2>&1)
like "$out" "'store_conninfo' is set but 'store' is sqlite" \
    "store_conninfo with the default store (sqlite) is refused"

# --- one kagid ----------------------------------------------------------------
start_kagid store=postgresql "store_conninfo=$conninfo" ||
	{ echo "Bail out! kagid did not start: $(tail -n 5 "$T/kagid.log")"; exit 1; }
write_service
K1_PID=$KAGID_PID
K1_SOCK=$SOCK

if grep -qF "$PGDIR/sock" "$T/kagid.log"; then
	not_ok "kagid never logs the connection string"
else
	ok "kagid never logs the connection string"
fi
st=$(kagictl status 2>&1)
# The host it is connected to, yes (pgoutage.sh); the string, never.
if printf '%s\n' "$st" | grep -q postgresql &&
    ! printf '%s\n' "$st" | grep -q "dbname=\|user=kagi"; then
	ok "kagictl status says postgresql, without the connection string"
else
	not_ok "kagictl status says postgresql, without the connection string"
	diag "$st"
fi

kagictl user add kato >/dev/null
add_user_password kato pw-kato
secret=$(enroll_totp kato)
wait_fresh_step 15
c=$(code_for "$secret")
out=$(pam_run -u kato -o auth pw-kato "$c")
is "$(result_of "$out" auth)" PAM_SUCCESS \
    "R-AVL-1: a log-in through kagid on PostgreSQL succeeds"

# --- a second kagid on the same database ----------------------------------------
# Another core: its own name (one name on two cores is refused), its own
# checkpoint key and log.
SOCK=$T/kagid2.sock
bg_register "$K1_PID"
mkdir -p "$T/k2"
chmod 700 "$T/k2"
start_kagid store=postgresql "store_conninfo=$conninfo" core_name=kagid2 \
    "audit_key_file=$T/k2/audit.key" "audit_checkpoint_log=$T/k2/checkpoints" ||
	{ echo "Bail out! the second kagid did not start: $(tail -n 3 "$T/kagid.log")"; exit 1; }
K2_PID=$KAGID_PID
write_service

out=$(pam_run -u kato -o auth pw-kato "$c")
is "$(result_of "$out" auth)" PAM_AUTH_ERR \
    "R-TOK-2: a code accepted through one kagid is refused through the other"
c2=$(code_for "$secret" 1)
out=$(pam_run -u kato -o auth pw-kato "$c2")
is "$(result_of "$out" auth)" PAM_SUCCESS \
    "the next step's code is accepted through the second kagid"
v=$(kagictl audit verify 2>&1; echo "exit=$?")
like "$v" "exit=0" "R-LOG-2: the one audit chain verifies through the second kagid"
SOCK=$K1_SOCK
v=$(kagictl audit verify 2>&1; echo "exit=$?")
like "$v" "exit=0" "R-LOG-2: and through the first"

# kagictl backup copies a SQLite file: on PostgreSQL it is refused, naming
# pg_dump (README: Backups and upgrades), and no file is made.
out=$(kagictl backup "$T/pg-backup.db" 2>&1; echo "exit=$?")
unlike "$out" "exit=0" "kagictl backup on PostgreSQL is refused"
like "$out" "pg_dump" "... naming pg_dump, the README's way"
if [ -e "$T/pg-backup.db" ]; then
	not_ok "... and leaves no file"
else
	ok "... and leaves no file"
fi

# Revoked through the first, refused through the second at once.
kagictl user add sato >/dev/null
add_user_password sato pw-sato
secret2=$(enroll_totp sato)
tok=$(kagictl token list sato --json 2>/dev/null |
    sed -n 's/.*"id": *\([0-9][0-9]*\).*/\1/p' | head -n 1)
if [ -n "$tok" ] && kagictl token revoke sato "$tok" >/dev/null 2>&1; then
	ok "a token is revoked through the first kagid"
else
	not_ok "a token is revoked through the first kagid"
	diag "$(kagictl token list sato 2>&1)"
fi
SOCK=$T/kagid2.sock
wait_fresh_step 5
out=$(pam_run -u sato -o auth pw-sato "$(code_for "$secret2")")
is "$(result_of "$out" auth)" PAM_AUTH_ERR \
    "R-TOK-2: the revoked token is refused at once through the second kagid"

# --- PostgreSQL gone: fail closed -------------------------------------------------
pg_stop
wait_fresh_step 5
out=$(pam_run -u kato -o auth pw-kato "$(code_for "$secret" 1)")
r=$(result_of "$out" auth)
if [ -n "$r" ] && [ "$r" != PAM_SUCCESS ] && [ "$r" != PAM_IGNORE ]; then
	ok "R-AVL-1: with PostgreSQL gone a log-in fails closed ($r)"
else
	not_ok "R-AVL-1: with PostgreSQL gone a log-in fails closed (got '$r')"
fi
if kill -0 "$K2_PID" 2>/dev/null; then
	ok "kagid keeps running while PostgreSQL is gone"
else
	not_ok "kagid keeps running while PostgreSQL is gone"
fi

finish
