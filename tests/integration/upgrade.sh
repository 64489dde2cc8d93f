#!/bin/sh
# upgrade.sh - a database made by an earlier release (tests/fixtures,
# schema version 12, kept as an SQL dump) is migrated forward by this
# kagid and keeps working; a database of a newer release is refused with
# a message naming both versions, and left as it was (R-AVL-1).

. "$(dirname "$0")/lib.sh"

[ -x "$PAMDRV" ] && [ -f "$MODULE" ] && [ -x "$TOTPGEN" ] ||
	{ echo "Bail out! pamdrv, totpgen or pam_kagi.so not built"; exit 1; }
command -v sqlite3 >/dev/null 2>&1 || { echo "Bail out! sqlite3 is needed"; exit 1; }
kagid_built
kagictl_built

plan 9

FX=$top_srcdir/tests/fixtures
SECRET=7LYA4L53TN3JRQMVI4D2HYO3JUSKWAWR
mkdir -p "$T/state"
chmod 700 "$T/state"
sqlite3 "$T/state/kagi.db" <"$FX/upgrade-schema12.sql"
cp "$FX/upgrade-schema12.seal.key" "$T/state/seal.key"
chmod 600 "$T/state/seal.key" "$T/state/kagi.db"

start_kagid || { echo "Bail out! kagid refused the schema 12 database"; exit 1; }
ok "R-AVL-1: kagid starts on a schema 12 database"
write_service
add_user_password alice pw-alice
out=$(kagictl --json user list)
like "$out" '"name":"alice"' "R-AVL-1: ... its users are there (alice)"
like "$(kagictl --json user show carol)" '"disabled":true' \
    "R-AVL-1: ... with their state (carol disabled)"
out=$(kagictl audit verify 2>&1)
is "$?" 0 "R-LOG-2: ... its audit chain verifies after the migration"
wait_fresh_step 10
c=$(code_for "$SECRET" 0)
is "$(result_of "$(pam_run -u alice -o auth pw-alice "$c")" auth)" PAM_SUCCESS \
    "R-AVL-1: ... and alice logs in with the TOTP token it sealed"
v=$(sqlite3 "$T/state/kagi.db" 'SELECT version FROM schema_version')
check "the database is at this release's schema ($v >= 12)" test "$v" -ge 12
stop_kagid

# A newer release's database.
sqlite3 "$T/state/kagi.db" 'UPDATE schema_version SET version = 999'
if start_kagid; then
	not_ok "kagid refuses a database of a newer release"
	stop_kagid
else
	ok "kagid refuses a database of a newer release"
fi
check "... naming both versions (999, and $v it knows)" grep -Eq \
    "schema version 999 was made by a newer release of kagi; this kagid .* knows schema versions up to $v:" \
    "$T/kagid.log"
is "$(sqlite3 "$T/state/kagi.db" 'SELECT version FROM schema_version')" 999 \
    "... and leaves it as it was"
finish
