#!/bin/sh
# daemon.sh - kagid as a process: config check, malformed input, idle
# clients, caller classes, privilege drop, durability across kill -9,
# clean shutdown.  (R-AVL-1, R-TOK-8, R-MFA-5)
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

kagid_built
kagictl_built
RAW=$top_builddir/tests/rawclient

plan 58

# --- kagid -t ---------------------------------------------------------------
printf 'socket = %s\nstate_dir = %s\nuser =\n' "$SOCK" "$T/state" >"$T/ok.conf"
out=$("$KAGID" -t -c "$T/ok.conf" 2>&1); rc=$?
is "$rc" 0 "kagid -t accepts a valid config"
like "$out" "configuration OK" "kagid -t says the config is OK"
printf 'socket = %s\nlockot_failures = 3\n' "$SOCK" >"$T/bad.conf"
out=$("$KAGID" -t -c "$T/bad.conf" 2>&1); rc=$?
is "$rc" 1 "kagid -t refuses an unknown key"
like "$out" "bad.conf:2: unknown key 'lockot_failures'" "the error names the key and the line"
printf 'lockout_failures = 0\n' >"$T/range.conf"
out=$("$KAGID" -t -c "$T/range.conf" 2>&1); rc=$?
is "$rc" 1 "kagid -t refuses an out-of-range value"
like "$out" "'lockout_failures'" "the error names the key"
printf 'totp_window = 2x\n' >"$T/num.conf"
out=$("$KAGID" -t -c "$T/num.conf" 2>&1); rc=$?
is "$rc" 1 "kagid -t refuses a number with trailing junk"
out=$("$KAGID" -t -c "$T/does-not-exist.conf" 2>&1); rc=$?
is "$rc" 1 "kagid -t refuses a missing config file"

# --- malformed frames: each answered once, connection closed, state unchanged
start_kagid client_timeout=1 || { not_ok "kagid starts"; finish; }
kagictl user add alice >/dev/null
before=$(kagictl --json status | sed -n 's/.*"audit_seq": *\([0-9]*\).*/\1/p')
for m in badmagic badversion zerolen oversized notjson array trailing \
    nulstring badutf8 deep unknownop unknownfield oldversion; do
	out=$("$RAW" "$SOCK" "$m" | tr '\n' ' ')
	case $out in
	"error "*" eof ") ok "malformed frame ($m): error reply, connection closed" ;;
	*) not_ok "malformed frame ($m): error reply, connection closed" "got: $out" ;;
	esac
done
out=$("$RAW" "$SOCK" truncated | tr '\n' ' ')
is "$out" "closed eof " "a truncated frame gets no answer and the connection is closed"
# One caller_refused record for all of them (one per caller uid and
# minute, written at kagid's next tick), and nothing else (R-LOG-1).
_i=0
while [ $_i -lt 30 ]; do
	after=$(kagictl --json status | sed -n 's/.*"audit_seq": *\([0-9]*\).*/\1/p')
	[ "$after" != "$before" ] && break
	sleep 0.1
	_i=$((_i + 1))
done
is "$after" "$((before + 1))" "malformed frames changed no state: one record only"
out=$(kagictl audit export --json --event caller_refused)
is "$(printf '%s\n' "$out" | grep -c caller_refused)" 1 \
    "R-LOG-1: the refused frames are one caller_refused record (a minute)"
like "$out" '"kind":"protocol"' "R-LOG-1: ... a protocol error, named as such"
check "kagid keeps serving after malformed frames" eval 'kagictl status >/dev/null'
t0=$(date +%s)
out=$("$RAW" "$SOCK" silent | tr '\n' ' ')
is "$out" "closed eof " "a client that sends nothing is dropped"
[ "$(elapsed_since "$t0")" -le 4 ] && ok "... after client_timeout (1 s), not later" ||
    not_ok "... after client_timeout (1 s), not later"

# --- caller classes (SO_PEERCRED) --------------------------------------------
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
	chmod 755 "$T"
	asnobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
	out=$(asnobody "$RAW" "$SOCK" status | tr '\n' ' ')
	is "$out" "error denied eof " "an ordinary user cannot administer (status refused)"
	out=$(asnobody "$KAGICTL" --socket "$SOCK" user add mallory 2>&1); rc=$?
	is "$rc" 1 "kagictl user add as an ordinary user exits 1"
	kagictl user show mallory >/dev/null 2>&1
	is "$?" 1 "... and no user was created"
	out=$(asnobody "$RAW" "$SOCK" verify-other | tr '\n' ' ')
	is "$out" "error denied eof " "an ordinary user cannot verify another user's code"
	# A public key line is no secret: only root (sshd's PAM) may ask
	# whether one logs a user in, even for the caller's own name.
	out=$(asnobody "$RAW" "$SOCK" sshkey-self | tr '\n' ' ')
	is "$out" "error denied eof " \
	    "R-REM-2: an ordinary user cannot send auth_sshkey, even for itself"
	# Issue 13: that refusal was answered without a record.
	rec=$(kagictl audit export --json --event auth --user root-only-victim | tail -n 1)
	like "$rec" '"reason":"caller_not_allowed"' \
	    "R-LOG-1: the refusal is an auth record (caller_not_allowed)"
	like "$rec" '"actor_uid":65534' "R-LOG-1: ... naming the caller's uid"
	like "$rec" '"op":"auth_totp"' "R-LOG-1: ... and the request"
	# A user may verify itself (screen lockers), under the same lockout.
	nobody=$(id -un 65534)
	kagictl user add "$nobody" >/dev/null
	secret=$(enroll_totp "$nobody")
	add_user_password "$nobody" pw
	write_service
	chmod 644 "$T/passdb" "$T/pam.d/$SERVICE"
	out=$(asnobody "$PAMDRV" -c "$T/pam.d" -s "$SERVICE" -u "$nobody" -o auth pw "$(code_for "$secret")")
	is "$(result_of "$out" auth)" PAM_SUCCESS "a user verifies its own code through kagid (self-service)"
	add_user_password alice pw
	out=$(asnobody "$PAMDRV" -c "$T/pam.d" -s "$SERVICE" -u alice -o auth pw 123456)
	is "$(result_of "$out" auth)" PAM_AUTHINFO_UNAVAIL "a user cannot have kagid verify someone else"
	rec=$(kagictl audit export --json --event auth --user alice | tail -n 1)
	like "$rec" '"reason":"caller_not_allowed"' \
	    "R-LOG-1: through the module too (auth_begin, a read-only request)"
	like "$(kagictl user show alice)" "not locked; 0 recent failures" \
	    "... and nothing is counted against alice"
	chmod 700 "$T"
else
	for i in $(seq 12); do skip "caller classes" "needs root and setpriv"; done
fi

# --- durability: kill -9 loses nothing committed ---------------------------------
kagictl user add bob >/dev/null
secret=$(enroll_totp bob)
add_user_password bob pw
write_service
pam_run -u bob -o auth pw 000000 >/dev/null
pam_run -u bob -o auth pw 000001 >/dev/null
kill -9 "$KAGID_PID"; wait "$KAGID_PID" 2>/dev/null; KAGID_PID=
start_kagid client_timeout=1 || not_ok "kagid restarts after kill -9"
out=$(kagictl --json user show bob | tr -d ' \n')
like "$out" '"failures":2' "failure count survives kill -9 (R-MFA-5)"
like "$out" '"state":"active"' "the token survives kill -9"
like "$(kagictl user list)" "alice" "users survive kill -9"

# --- a log-in's connection after auth_begin (R-AVL-1) -----------------------------
stop_kagid
start_kagid client_timeout=5 debug=yes || not_ok "kagid starts with client_timeout 5 s"
out=$("$RAW" "$SOCK" begin-status | tr '\n' ' ')
is "$out" "ok  open " "R-AVL-1: the request that follows auth_begin at once is served on its connection"
t0=$(date +%s)
out=$("$RAW" "$SOCK" begin-idle | tr '\n' ' ')
is "$out" "ok  eof " "R-AVL-1: a connection silent after auth_begin is closed after one second, not client_timeout"
[ "$(elapsed_since "$t0")" -le 3 ] && ok "... within 3 s (client_timeout is 5 s)" ||
    not_ok "... within 3 s (client_timeout is 5 s)"
wait_fresh_step 5
code=$(code_for "$secret")
before=$(grep -c "connection from uid" "$T/kagid.log")
out=$(pam_run -u bob -o auth pw "$code")
is "$(result_of "$out" auth)" PAM_SUCCESS "a code answered at once logs in"
after=$(grep -c "connection from uid" "$T/kagid.log")
is "$((after - before))" 1 "... over one connection (auth_begin and auth_totp)"
before=$after
out=$( (sleep 1.5; "$TOTPGEN" -p "$TOTP_PERIOD" -o 1 "$secret") |
    pam_run -u bob -o auth pw -)
is "$(result_of "$out" auth)" PAM_SUCCESS "a code typed after 1.5 s logs in"
after=$(grep -c "connection from uid" "$T/kagid.log")
is "$((after - before))" 2 "... on a new connection: kagid had closed the first"

# --- one kagid per socket; clean shutdown ---------------------------------------
out=$("$KAGID" -f -c "$T/kagid.conf" 2>&1); rc=$?
is "$rc" 1 "a second kagid on the same socket refuses to start"
like "$out" "another kagid is running" "... and says why"
kill -TERM "$KAGID_PID"; wait "$KAGID_PID"; rc=$?; KAGID_PID=
is "$rc" 0 "SIGTERM stops kagid cleanly (exit 0)"
[ ! -e "$SOCK" ] && ok "... and removes its socket" || not_ok "... and removes its socket"

# --- privilege drop ---------------------------------------------------------------
if [ "$(id -u)" = 0 ]; then
	chmod 755 "$T"
	nobody=$(id -un 65534)
	mkdir -p "$T/run2"
	cat >"$T/drop.conf" <<CONF
socket = $T/run2/kagid.sock
state_dir = $T/state2
user = $nobody
CONF
	"$KAGID" -f -c "$T/drop.conf" 2>>"$T/kagid.log" &
	pid=$!; bg_register $pid
	i=0; while [ ! -S "$T/run2/kagid.sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
	uid=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' /proc/$pid/status)
	is "$uid" "65534 65534 65534 65534" "kagid started as root runs as its user (real, effective, saved, fs uid)"
	groups=$(awk '/^Groups:/ { print $2 }' /proc/$pid/status)
	is "$groups" "" "... with no supplementary groups"
	is "$(stat -c '%u %a' "$T/state2/seal.key")" "65534 600" "the key file is created mode 0600, owned by kagid's user (R-TOK-8)"
	is "$(stat -c '%u %a' "$T/state2")" "65534 700" "the state directory is created mode 0700, owned by kagid's user"
	kill -TERM $pid; wait $pid
	chmod 700 "$T"
else
	for i in 1 2 3 4; do skip "privilege drop" "needs root"; done
fi
finish
