#!/bin/sh
# backup.sh - `kagictl backup` and `kagictl restore` (R-AVL-1, R-LOG-2)
# against a real kagid, the backup taken while other administrators keep
# kagid busy.
#
# What it shows:
#  - R-AVL-1: a backup taken under load is a consistent copy: SQLite's
#    integrity check passes, its audit chain verifies and ends with the
#    backup's own record, and it holds exactly the users its chain
#    created; it is 0600 and never overwrites a file; it holds neither
#    the sealing key nor the signing key;
#  - R-AVL-1: restore is refused while kagid runs;
#  - R-LOG-2: a copy whose chain ends before the newest signed checkpoint
#    is refused without --force, and nothing changes;
#  - R-AVL-1: a restore brings back an identical state (every table the
#    same as in the copy, the audit chain plus one "restore" record, forced
#    or not), and kagid starts on it with an intact chain.

. "$(dirname "$0")/lib.sh"

kagid_built
kagictl_built
command -v sqlite3 >/dev/null 2>&1 || { echo "Bail out! sqlite3 is needed"; exit 1; }

plan 19

start_kagid || { echo "Bail out! kagid did not start"; exit 1; }
CTL="$KAGICTL --socket $SOCK --config $T/kagid.conf"
DB=$T/state/kagi.db
i=0
while [ $i -lt 50 ]; do kagictl user add "base$i" >/dev/null; i=$((i + 1)); done

# Load: two administrators adding and reading users all along.
( i=0; while :; do kagictl user add "loada$i" >/dev/null 2>&1; i=$((i + 1)); done ) &
L1=$!
bg_register "$L1"
( i=0; while :; do kagictl user add "loadb$i" >/dev/null 2>&1;
    kagictl user list >/dev/null 2>&1; i=$((i + 1)); done ) &
L2=$!
bg_register "$L2"
sleep 1

out=$($CTL backup "$T/b1.db" 2>&1)
is "$?" 0 "R-AVL-1: backup under load succeeds"
sleep 0.5
kill "$L1" "$L2" 2>/dev/null
wait "$L1" "$L2" 2>/dev/null
is "$(stat -c %a "$T/b1.db")" 600 "R-AVL-1: the copy is 0600"
is "$(sqlite3 "$T/b1.db" 'PRAGMA integrity_check')" ok \
    "R-AVL-1: the copy passes SQLite's integrity check"
last=$(sqlite3 "$T/b1.db" 'SELECT max(seq) FROM audit')
like "$(kagictl audit export --json --event backup | head -n 1)" \
    "\"copy_last_seq\":$last," \
    "R-AVL-1: the 'backup' record names the copy's last record ($last)"
is "$(sqlite3 "$T/b1.db" 'SELECT count(*) FROM users')" \
    "$(sqlite3 "$T/b1.db" "SELECT count(*) FROM audit WHERE event = 'user_add'")" \
    "R-AVL-1: it holds exactly the users its chain created (consistent)"
nb1=$(sqlite3 "$T/b1.db" "SELECT count(*) FROM users WHERE name LIKE 'load%'")
check "R-AVL-1: ... some of them added under load ($nb1)" test "$nb1" -gt 0
python3 - "$T/b1.db" "$T/state/seal.key" "$T/state/audit.key" <<'PY'
import sys
db = open(sys.argv[1], "rb").read()
for k in sys.argv[2:]:
    if open(k, "rb").read() in db:
        sys.exit(1)
PY
is "$?" 0 "R-AVL-1: neither the sealing key nor the signing key is in it"
echo keep >"$T/b2.db"
out=$($CTL backup "$T/b2.db" 2>&1); rc=$?
is "$rc:$(cat "$T/b2.db")" "1:keep" "a backup never overwrites a file"
rm -f "$T/b2.db"
$CTL backup "$T/b2.db" >/dev/null 2>&1
is "$?" 0 "a second backup, quiet"

out=$($CTL restore "$T/b2.db" 2>&1); rc=$?
is "$rc $(printf '%s' "$out" | grep -c 'kagid is running')" "1 1" \
    "R-AVL-1: restore is refused while kagid runs"
kagictl user add after >/dev/null
stop_kagid
sqlite3 "$DB" .dump >"$T/before.sql"

out=$($CTL restore "$T/b1.db" 2>&1); rc=$?
is "$rc" 1 "R-LOG-2: a copy older than the newest signed checkpoint: refused"
like "$out" "before the newest signed checkpoint" "R-LOG-2: ... saying why"
sqlite3 "$DB" .dump >"$T/after.sql"
check "R-LOG-2: ... and the database is unchanged" cmp -s "$T/before.sql" "$T/after.sql"

out=$($CTL restore --force "$T/b1.db" 2>&1)
is "$?" 0 "R-LOG-2: --force restores it"
state() { sqlite3 "$1" .dump | grep -v '^INSERT INTO audit\|^INSERT INTO "audit"'; }
state "$T/b1.db" >"$T/copy.state"
state "$DB" >"$T/restored.state"
check "R-AVL-1: the restored state is identical to the copy's" \
    cmp -s "$T/copy.state" "$T/restored.state"
is "$(sqlite3 "$DB" 'SELECT count(*) FROM audit') $(sqlite3 "$DB" \
    "SELECT event || ' ' || fields FROM audit ORDER BY seq DESC LIMIT 1" |
    grep -c '^restore .*"forced":true')" \
    "$(( $(sqlite3 "$T/b1.db" 'SELECT count(*) FROM audit') + 1 )) 1" \
    "R-LOG-2: its chain is the copy's plus a 'restore' record, forced"
is "$(stat -c %U "$DB")" "$(id -un)" "the database is kagid's user's"

# A forced restore: kagid starts once told to accept the chain (-A).
accept=$(printf '%s\n' "$out" | sed -n 's/.*start it once with -A \([0-9]*\).*/\1/p')
printf '#!/bin/sh\nexec %s -A %s "$@"\n' "$KAGID" "$accept" >"$T/kagid-accept"
chmod 755 "$T/kagid-accept"
REAL_KAGID=$KAGID
KAGID=$T/kagid-accept
start_kagid || { echo "Bail out! kagid did not start on the restored database"; exit 1; }
KAGID=$REAL_KAGID
out=$(kagictl audit verify 2>&1)
is "$?" 0 "R-AVL-1: kagid starts on it and the chain verifies"
out=$(kagictl user show after 2>&1); rc=$?
is "$rc" 1 "R-AVL-1: what came after the copy is gone (user 'after')"
finish
