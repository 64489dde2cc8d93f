#!/bin/sh
# trail.sh - the audit trail against an insider, on a real kagid (issue 12,
# items 1-5; R-LOG-2, R-LOG-1, R-LOG-4, R-AVL-1, R-INC-1).
#
# Each attack is done the way an insider would, with the sqlite3 tool and
# tests/insider (which numbers and hashes the chain anew with kagi's own
# encoding, and with the key file signs checkpoints as root could), and
# each asserts what `kagictl audit verify`, kagid's start and the records
# then say, beside the untouched case:
#  - item 1: a chain with a record deleted and every hash computed again
#    verifies link by link but not against the signed checkpoint; root,
#    who holds the key, re-signs it: the local checkpoint agrees, the copy
#    shipped off the machine by audit_checkpoint_command does not;
#  - item 2: the newest records removed: kagid refuses to start, naming
#    both ends, until started with -A HEAD (recorded); removed while kagid
#    runs: verify says so and kagid signs no checkpoint for it;
#  - item 3: a re-hashed chain whose time goes back is found;
#  - item 4: two archives: one left out, a record dropped from the first,
#    the wrong order, and a boundary written into the store by hand are
#    each named;
#  - item 5: an orderly stop and a kill -9 are start records with the gap;
#    refused requests are recorded once a caller and minute; every record
#    names the host.

. "$(dirname "$0")/lib.sh"

kagid_built
kagictl_built
command -v sqlite3 >/dev/null 2>&1 || skip_all "sqlite3 tool missing"
INSIDER=$top_builddir/tests/insider
RAW=$top_builddir/tests/rawclient
[ -x "$INSIDER" ] && [ -x "$RAW" ] ||
	{ echo "Bail out! tests/insider or tests/rawclient is not built"; exit 1; }
command -v setpriv >/dev/null 2>&1 ||
	{ echo "Bail out! setpriv (util-linux) is missing"; exit 1; }

DB=$T/state/kagi.db
CPLOG=$T/state/checkpoints
KEY=$T/state/audit.key
OFF=$T/offsite/checkpoints
mkdir -p "$T/offsite" "$T/arch"
chmod 700 "$T/offsite"
chmod 711 "$T"
# The checkpoint command keeps a copy off "the machine".
cat >"$T/ship.sh" <<EOF
#!/bin/sh
cat >>"$OFF"
EOF
chmod 700 "$T/ship.sh"
CONF="audit_checkpoint_interval=1s audit_checkpoint_command=$T/ship.sh"
HOST=$(uname -n)

# verify_out [ARGS...]: kagictl audit verify's output and status.
verify_out() {
	kagictl audit verify "$@" 2>&1
	echo "exit=$?"
}

# head_seq: the chain head's sequence number.
head_seq() {
	_h=$(kagictl audit anchor)
	echo "${_h%%:*}"
}

# wait_signed: until the local log and the copy off the machine end with
# a checkpoint of the head.
wait_signed() {
	_s=$(head_seq)
	_i=0
	while [ $_i -lt 50 ]; do
		if tail -n 1 "$CPLOG" | grep -q "\"seq\":$_s," &&
		    tail -n 1 "$OFF" 2>/dev/null | grep -q "\"seq\":$_s,"; then
			return 0
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
	diag "no checkpoint of record $_s after 5 s"
	return 1
}

# snapshot / restore: the store, its checkpoint log and the copy off the
# machine, with kagid stopped.
snapshot() {
	stop_kagid
	cp "$DB" "$T/snap.db"
	cp "$CPLOG" "$T/snap.cp"
	cp "$OFF" "$T/snap.off"
}
restore() {
	stop_kagid
	cp "$T/snap.db" "$DB"
	rm -f "$DB-wal" "$DB-shm"
	cp "$T/snap.cp" "$CPLOG"
	cp "$T/snap.off" "$OFF"
}

# start_accepting SEQ: start kagid with -A SEQ (through a wrapper, so that
# stop_kagid stops the right process).
start_accepting() {
	printf '#!/bin/sh\nexec "%s" -A %s "$@"\n' "$KAGID_REAL" "$1" \
	    >"$T/kagid-accept"
	chmod 700 "$T/kagid-accept"
	KAGID=$T/kagid-accept
	start_served $CONF
	_st=$?
	KAGID=$KAGID_REAL
	return $_st
}
KAGID_REAL=$KAGID

start_served $CONF || { echo "Bail out! kagid did not start"; exit 1; }
for u in alice bob carol dave erin frank; do
	kagictl user add "$u" >/dev/null
done
kagictl user disable frank >/dev/null

# --- the key, the checkpoints, the untouched chain ---------------------------
key=$(kagictl audit key)
case $key in
"ed25519 "????????????????????????????????????????????????????????????????" core=$HOST kagid@$HOST key="????????????????)
	ok "R-LOG-2: audit key prints the verifying key, its core, host and id" ;;
*) not_ok "R-LOG-2: audit key prints the verifying key, its core, host and id" "$key" ;;
esac
keyid=${key##*key=}
is "$(stat -c %a "$KEY")" 600 "R-LOG-2: the signing key file is mode 0600"
is "$(stat -c %s "$KEY")" 32 "R-LOG-2: ... 32 bytes, apart from the store and seal.key"
is "$(stat -c %a "$CPLOG")" 600 "R-LOG-2: the checkpoint log is mode 0600"
wait_signed
like "$(tail -n 1 "$CPLOG")" "\"host\":\"$HOST\",\"key\":\"$keyid\",\"reason\":\"interval\"" \
    "R-LOG-2: a checkpoint within a second (audit_checkpoint_interval=1s) names host and key"
like "$(cat "$T/kagid.log")" "audit checkpoint {\"seq\":" \
    "R-LOG-2: each checkpoint goes to syslog"
like "$(head -n 1 "$OFF")" '"reason":"start"' \
    "R-LOG-2: ... and to audit_checkpoint_command, from the start on"
out=$(verify_out)
like "$out" "the newest signed checkpoint: record $(head_seq)," \
    "R-LOG-2: verify checks the chain against the newest checkpoint"
like "$out" "exit=0" "R-LOG-2: the untouched chain verifies"
out=$(verify_out --checkpoints "$OFF")
like "$out" "every one signed by a key kagid knows" \
    "R-LOG-2: verify --checkpoints: every copied checkpoint signed"
like "$out" "exit=0" "R-LOG-2: verify --checkpoints: the untouched chain matches the copy"
snapshot
start_served $CONF
# The start's records (kagid_start, config) signed: the checkpoint is the head.
wait_signed

# --- item 1: the chain recomputed by whoever can write the store ---------------
sqlite3 "$DB" "DELETE FROM audit WHERE seq = 4"
"$INSIDER" rechain "$DB"
out=$(verify_out)
unlike "$out" "does not verify" "item 1: the recomputed chain verifies link by link"
like "$out" "says it had reached record" \
    "R-LOG-2 item 1: ... but not against the signed checkpoint"
like "$out" "exit=1" "R-LOG-2 item 1: verify exits 1"
wait_log "no longer extends checkpoint" 5
like "$(cat "$T/kagid.log")" "no longer extends checkpoint" \
    "R-LOG-2 item 1: kagid signs no checkpoint for a chain changed behind it"
restore
sqlite3 "$DB" "UPDATE audit SET user = 'mallory' WHERE seq = 5"
"$INSIDER" rechain "$DB"
start_served $CONF
is "$KAGID_PID" "" "R-LOG-2 item 1: a rewritten chain: kagid refuses to start"
like "$(tail -n 2 "$T/kagid.log")" "gives that record another hash: records were rewritten" \
    "R-LOG-2 item 1: ... saying it was rewritten"
# Root holds the key: it re-signs the rewritten chain in the local log.
h=$(sqlite3 "$DB" "SELECT seq || ' ' || lower(hex(hash)) FROM audit ORDER BY seq DESC LIMIT 1")
"$INSIDER" sign "$KEY" ${h% *} ${h#* } stop >>"$CPLOG"
start_served $CONF
check "R-LOG-2 item 1: re-signed by root, kagid starts (root holds the key)" \
    kill -0 "$KAGID_PID"
out=$(verify_out)
like "$out" "exit=0" "R-LOG-2 item 1: ... and the local checkpoint agrees with it"
out=$(verify_out --checkpoints "$OFF")
like "$out" "does not have the hash the checkpoint of $OFF, line" \
    "R-LOG-2 item 1: the copy kept off the machine finds the re-signed history"
like "$out" "exit=1" "R-LOG-2 item 1: verify --checkpoints exits 1"
# A copied checkpoint changed by hand is refused.
restore
sed '1s/"seq":\([0-9]*\)/"seq":9\1/' "$OFF" >"$T/forged.off"
chmod 600 "$T/forged.off"
start_served $CONF
out=$(verify_out --checkpoints "$T/forged.off")
like "$out" "forged.off, line 1: checkpoint of record 9" \
    "R-LOG-2: a checkpoint changed in the copy is named by line"
like "$out" "not validly signed" "R-LOG-2: ... as not validly signed"

# --- item 2: the newest records removed ----------------------------------------
restore
head=$(sqlite3 "$DB" "SELECT max(seq) FROM audit")
# Five cut: the accepted start's three records (chain_accepted,
# kagid_start, config) leave the chain shorter than the checkpoint.
sqlite3 "$DB" "DELETE FROM audit WHERE seq > $head - 5"
start_served $CONF
is "$KAGID_PID" "" "R-LOG-2 item 2: kagid refuses to start on a chain shorter than its checkpoint"
like "$(tail -n 2 "$T/kagid.log")" "the audit chain ends at record $((head - 5)) but checkpoint $head" \
    "R-LOG-2 item 2: ... naming the chain's end and the checkpoint"
like "$(tail -n 2 "$T/kagid.log")" "with -A $((head - 5))" \
    "R-LOG-2 item 2: ... and how the operator accepts it"
start_accepting $((head - 1))
is "$KAGID_PID" "" "R-LOG-2 item 2: -A with another sequence number is refused"
start_accepting $((head - 5))
check "R-LOG-2 item 2: kagid -A HEAD starts on the accepted chain" kill -0 "$KAGID_PID"
out=$(kagictl audit export --json --event chain_accepted)
like "$out" "\"state\":\"cut\",\"head_seq\":$((head - 5))," \
    "R-LOG-2 item 2: the acceptance is recorded with the chain's head"
like "$out" "\"checkpoint_seq\":$head" "R-LOG-2 item 2: ... and the checkpoint it overrides"
like "$out" '"login_uid":' "R-LOG-2 item 2: ... and the login uid of whoever started kagid"
out=$(verify_out --checkpoints "$OFF")
like "$out" "says it had reached record $head: the newest records were removed" \
    "R-LOG-2 item 2: the copy off the machine still shows the records lost"
# Removed while kagid runs.
restore
start_served $CONF
kagictl user add grace >/dev/null
wait_signed
head=$(head_seq)
sqlite3 "$DB" "DELETE FROM audit WHERE seq > $head - 2"
out=$(verify_out)
like "$out" "the audit chain ends at record $((head - 2)), but the newest signed checkpoint" \
    "R-LOG-2 item 2: removed under a running kagid: verify says so"
like "$out" "exit=1" "R-LOG-2 item 2: ... exit 1"
stop_kagid
like "$(tail -n 5 "$T/kagid.log")" "no longer extends checkpoint $head" \
    "R-LOG-2 item 2: ... and kagid does not sign the cut chain"

# --- item 3: time going back in a re-hashed chain ------------------------------
restore
sqlite3 "$DB" "UPDATE audit SET time = time - 7200 WHERE seq = 6"
"$INSIDER" rechain "$DB"
start_accepting "$(sqlite3 "$DB" "SELECT max(seq) FROM audit")"
out=$(verify_out)
like "$out" "record 6: its time is before the record's before it, and no clock step was recorded" \
    "R-LOG-2 R-LOG-4 item 3: a re-hashed chain whose time goes back is found"
like "$out" "exit=1" "R-LOG-2 item 3: ... exit 1"

# --- item 4: archives ---------------------------------------------------------------
restore
start_served $CONF
sleep 1.1
t1=$(date +%s)
kagictl user add henry >/dev/null
kagictl user add ivy >/dev/null
kagictl audit archive --before "@$t1" "$T/arch/a.jsonl" >"$T/arch.out" 2>&1
like "$(cat "$T/arch.out")" "archived audit records 1 to" "R-LOG-1 item 4: the first archive"
a_last=$(wc -l <"$T/arch/a.jsonl" | tr -d ' ')
sleep 1.1
t2=$(date +%s)
kagictl user add judy >/dev/null
kagictl audit archive --before "@$t2" "$T/arch/b.jsonl" >"$T/arch.out" 2>&1
like "$(cat "$T/arch.out")" "archived audit records $((a_last + 1)) to" \
    "R-LOG-1 item 4: the second continues where the first ended"
b_last=$((a_last + $(wc -l <"$T/arch/b.jsonl" | tr -d ' ')))
like "$(grep '"reason":"archive"' "$CPLOG" | tail -n 1)" "\"seq\":$b_last," \
    "R-LOG-2 item 4: each archive's boundary is a signed checkpoint"
out=$(verify_out --archive "$T/arch/a.jsonl" --archive "$T/arch/b.jsonl")
like "$out" "records 1 to $b_last in 2 archive(s)" "R-LOG-1 item 4: both archives and the live chain verify as one"
like "$out" "exit=0" "R-LOG-1 item 4: ... exit 0"
out=$(verify_out --archive "$T/arch/b.jsonl")
like "$out" "archive $T/arch/b.jsonl, line 1: records 1 to $a_last are missing: kagid archived them to $T/arch/a.jsonl" \
    "R-LOG-1 item 4: the first archive left out: the records and its file are named"
like "$out" "exit=1" "R-LOG-1 item 4: ... exit 1"
sed 1d "$T/arch/a.jsonl" >"$T/arch/a1.jsonl"
chmod 600 "$T/arch/a1.jsonl"
out=$(verify_out --archive "$T/arch/a1.jsonl" --archive "$T/arch/b.jsonl")
like "$out" "a1.jsonl, line 1: record 1 is missing" \
    "R-LOG-1 item 4: record 1 dropped from the first archive is named"
out=$(verify_out --archive "$T/arch/b.jsonl" --archive "$T/arch/a.jsonl")
like "$out" "exit=1" "R-LOG-1 item 4: archives out of order do not verify"
out=$(verify_out)
like "$out" "records 1 to $b_last are in archives, not checked here" \
    "R-LOG-1 item 4: without the archives, verify says what it did not check"
# Live records deleted and a boundary written by hand to cover them.
stop_kagid
cut=$((b_last + 3))
prev=$(sqlite3 "$DB" "SELECT lower(hex(hash)) FROM audit WHERE seq = $cut")
sqlite3 "$DB" "DELETE FROM audit WHERE seq <= $cut;
    UPDATE audit_boundary SET first_seq = $((cut + 1)), prev = x'$prev'"
start_served $CONF
out=$(verify_out)
like "$out" "the live chain starts after record $cut, but no signed checkpoint of an archive covers that boundary" \
    "R-LOG-2 item 4: a forged boundary is found"
like "$out" "exit=1" "R-LOG-2 item 4: ... exit 1"
out=$(verify_out --archive "$T/arch/a.jsonl" --archive "$T/arch/b.jsonl")
like "$out" "between the archives and the live chain: records $((b_last + 1)) to $cut are missing" \
    "R-LOG-1 item 4: ... and with the archives, the records it hides are named"

# --- item 5: outages, refused callers, the host --------------------------------------
restore
start_served $CONF
stop_kagid
sleep 2
start_served $CONF
out=$(kagictl audit export --json --event kagid_start | tail -n 1)
like "$out" '"last_checkpoint_reason":"stop"' \
    "R-AVL-1 item 5: the start names the last checkpoint, the stop's"
like "$out" '"clean_stop":true' "R-AVL-1 item 5: ... an orderly stop"
gap=$(printf '%s' "$out" | sed -n 's/.*"gap":\([0-9]*\).*/\1/p')
check "R-AVL-1 item 5: ... and the outage of at least 2 s (gap=$gap)" \
    test "${gap:-0}" -ge 2
n=$(kagictl audit export --json --event kagid_stop | wc -l)
check "R-AVL-1 item 5: every orderly stop is a kagid_stop record" test "$n" -ge 1
# Stopped while it starts (systemctl restart on a loaded machine): the
# stop waits for the start to be signed, so the next start is not refused.
refused=0
for i in 1 2 3 4 5; do
	stop_kagid
	rm -f "$SOCK"
	"$KAGID" -f -c "$T/kagid.conf" 2>>"$T/kagid.log" &
	KAGID_PID=$!
	while [ ! -S "$SOCK" ] && kill -0 "$KAGID_PID" 2>/dev/null; do
		sleep 0.01
	done
	stop_kagid
	start_served $CONF || refused=$((refused + 1))
done
is "$refused" 0 "R-AVL-1 item 5: a kagid stopped during its start starts again"
kill -9 "$KAGID_PID"
wait "$KAGID_PID" 2>/dev/null
KAGID_PID=
start_served $CONF
out=$(kagictl audit export --json --event kagid_start | tail -n 1)
like "$out" '"clean_stop":false' "R-AVL-1 item 5: after kill -9 the start says the stop was not clean"
like "$out" '"gap":' "R-AVL-1 item 5: ... with the gap since the last checkpoint"
# A local user sending what it may not, three times in a minute.
for i in 1 2 3; do
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	    "$KAGICTL" --socket "$SOCK" user list >/dev/null 2>&1
done
"$RAW" "$SOCK" notjson >/dev/null
i=0
while [ "$(kagictl audit export --json --event caller_refused | wc -l)" -lt 2 ] &&
    [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
out=$(kagictl audit export --json --event caller_refused)
is "$(printf '%s\n' "$out" | grep -c '"actor_uid":65534')" 1 \
    "R-LOG-1 item 5: three refused requests of one caller in a minute: one record"
like "$out" '"kind":"denied","what":"not allowed for this caller","op":"user_list"' \
    "R-LOG-1 item 5: ... saying what was refused"
like "$out" '"kind":"protocol","what":"malformed request"' \
    "R-LOG-1 item 5: a protocol error is recorded too"
n=$(kagictl audit export --json | grep -vc "\"host\":\"$HOST\"}")
is "$n" 0 "R-LOG-1 item 5: every record names the host"

plan "$_tap_n"
finish
