#!/bin/sh
# breakglass.sh - break-glass codes (R-EXC-1, R-INC-1) through a real PAM
# stack and a real kagid: off by default; issued codes log in once each,
# raise an alert and open an exception until it is reported; with kagid
# down, pam_kagi checks and spends a code in the break-glass file, and
# kagid imports that use as an exception when it comes back.  A FIFO in
# place of the file or its lock, or a lock another holds, hangs neither
# the module (bounded by its timeout=) nor kagid (issue 13, R-AVL-1).

. "$(dirname "$0")/lib.sh"

[ -x "$PAMDRV" ] && [ -f "$MODULE" ] && [ -x "$TOTPGEN" ] ||
	skip_all "pamdrv, totpgen or pam_kagi.so not built"
kagid_built
kagictl_built

plan 36

BGFILE=$T/state/breakglass
start_kagid || { echo "Bail out! kagid did not start"; exit 1; }
write_service -- breakglass_file=$BGFILE

# --- off by default ---------------------------------------------------------
kagictl user add kei >/dev/null
add_user_password kei pw-kei
s=$(enroll_totp kei)
kagictl breakglass issue kei >/dev/null 2>&1
is "$?" 1 "R-EXC-1: break-glass is off by default: no codes are issued"

stop_kagid
start_kagid breakglass=yes breakglass_codes=3 breakglass_iterations=1000 ||
	{ echo "Bail out! kagid did not restart"; exit 1; }
out=$(kagictl breakglass issue kei)
is "$?" 0 "R-EXC-1: with breakglass = yes, codes are issued"
codes=$(printf '%s\n' "$out" | sed -n 's/^breakglass-code: *//p')
is "$(printf '%s\n' "$codes" | wc -l | tr -d ' ')" 3 "breakglass_codes codes are printed once"
c1=$(printf '%s\n' "$codes" | sed -n 1p)
c2=$(printf '%s\n' "$codes" | sed -n 2p)
c3=$(printf '%s\n' "$codes" | sed -n 3p)
unlike "$(cat "$BGFILE")" "$c1" "the break-glass file holds no code in clear"
like "$(stat -c %a "$BGFILE")" "600" "the break-glass file is mode 0600"

# --- a code logs in once, loudly, even with every token lost ------------------
kagictl token lost kei "$(token_of kei)" >/dev/null
out=$(pam_run -u kei -o both pw-kei "$c1")
is "$(result_of "$out" auth)" PAM_SUCCESS "R-EXC-1: a break-glass code logs in when the normal factor cannot work"
is "$(result_of "$out" acct)" PAM_SUCCESS "R-EXC-1: and passes account without a token"
like "$(grep 'event=breakglass_use' "$T/kagid.log")" "breakglass_use" "R-INC-1: the use is audited"
out=$(pam_run -u kei -o auth pw-kei "$c1")
is "$(result_of "$out" auth)" PAM_AUTH_ERR "R-EXC-1: the same code a second time is refused"
out=$(kagictl breakglass list)
like "$out" "kei" "R-EXC-1: the use opened an exception"
id=$(kagictl --json breakglass list | sed -n 's/.*"id":\([0-9]*\).*/\1/p' | head -n 1)
kagictl breakglass report "$id" >/dev/null 2>&1
is "$?" 2 "a report needs --reason"
kagictl breakglass report "$id" --reason "phone lost during outage" >/dev/null
is "$?" 0 "R-EXC-1: the report closes the exception"
out=$(kagictl breakglass list)
like "$out" "No open break-glass exceptions" "no exception stays open after the report"
like "$(cat "$T/kagid.log")" "event=breakglass_report" "the report is audited"

# --- kagid unreachable: the module uses the break-glass file ---------------
stop_kagid
out=$(pam_run -u kei -o both pw-kei "$c2")
is "$(result_of "$out" auth)" PAM_SUCCESS "R-EXC-1: with kagid down, a code from the break-glass file logs in"
is "$(result_of "$out" acct)" PAM_SUCCESS "R-EXC-1: and account passes for that log-in"
like "$(cat "$BGFILE")" "used " "the module marks the code used in the file"
out=$(pam_run -u kei -o auth pw-kei "$c2")
is "$(result_of "$out" auth)" PAM_AUTHINFO_UNAVAIL "R-EXC-1: the spent code is refused (kagid still down)"
out=$(pam_run -u kei -o auth pw-kei 123456)
is "$(result_of "$out" auth)" PAM_AUTHINFO_UNAVAIL "R-AVL-1: a TOTP code with kagid down still fails closed"

# --- a FIFO or a held lock never hangs the module (issue 13) -----------------
# kagid still down; the module waits for nothing longer than timeout=.
KAGI_TIMEOUT=2 write_service bgwait -- breakglass_file=$BGFILE
# tryc3 WHAT: a log-in with c3 through bgwait; its result and its seconds.
tryc3() {
	_t0=$(date +%s)
	_out=$(PAM_SERVICE_NAME=bgwait pam_run -u kei -o auth pw-kei "$c3")
	_s=$(elapsed_since "$_t0")
	is "$(result_of "$_out" auth)" PAM_AUTHINFO_UNAVAIL \
	    "R-AVL-1: kagid down, $1: refused"
	check "R-AVL-1: ... within the module's timeout= of 2 s ($_s s), not hanging" \
	    test "$_s" -le 4
}
flock -x -F "$BGFILE.lock" sleep 30 &
LOCKER=$!
bg_register "$LOCKER"
sleep 0.3
tryc3 "the break-glass file's lock held by another"
kill "$LOCKER"
mv "$BGFILE" "$BGFILE.saved"
mkfifo -m 600 "$BGFILE"
tryc3 "a FIFO in place of the break-glass file"
rm -f "$BGFILE"
mv "$BGFILE.saved" "$BGFILE"
mv "$BGFILE.lock" "$BGFILE.lock.saved"
mkfifo -m 600 "$BGFILE.lock"
tryc3 "a FIFO in place of its lock"
rm -f "$BGFILE.lock"
mv "$BGFILE.lock.saved" "$BGFILE.lock"
# A FIFO where kagid's socket should be is never waited on either: kagid
# counts as unreachable at once (and a code that is no break-glass code
# is refused).
rm -f "$SOCK"
mkfifo -m 600 "$SOCK"
t0=$(date +%s)
out=$(PAM_SERVICE_NAME=bgwait pam_run -u kei -o auth pw-kei 123456)
is "$(result_of "$out" auth)" PAM_AUTHINFO_UNAVAIL \
    "R-AVL-1: a FIFO in place of kagid's socket: unreachable, refused"
check "R-AVL-1: ... at once ($(elapsed_since "$t0") s)" test "$(elapsed_since "$t0")" -le 2
rm -f "$SOCK"

start_kagid breakglass=yes breakglass_codes=3 breakglass_iterations=1000 ||
	{ echo "Bail out! kagid did not restart"; exit 1; }
out=$(kagictl breakglass list)
like "$out" "offline" "R-EXC-1: kagid imports the offline use as an open exception"

# --- nor kagid: its wait for the lock is bounded too (issue 13) ---------------
flock -x -F "$BGFILE.lock" sleep 30 &
LOCKER=$!
bg_register "$LOCKER"
sleep 0.3
t0=$(date +%s)
kagictl user add kai >/dev/null
timeout 15 "$KAGICTL" --socket "$SOCK" breakglass issue kai >/dev/null 2>&1
is "$?" 0 "R-AVL-1: breakglass issue is answered while another holds the file's lock"
check "R-AVL-1: ... after kagid waited at most 3 s for the lock ($(elapsed_since "$t0") s)" \
    test "$(elapsed_since "$t0")" -le 6
like "$(cat "$T/kagid.log")" "still locked by another" "... and kagid says why the file was not written"
kill "$LOCKER"
mv "$BGFILE" "$BGFILE.saved"
mkfifo -m 600 "$BGFILE"
t0=$(date +%s)
timeout 15 "$KAGICTL" --socket "$SOCK" breakglass issue kai >/dev/null 2>&1
is "$?" 0 "R-AVL-1: breakglass issue is answered with a FIFO in place of the file"
timeout 5 "$KAGICTL" --socket "$SOCK" status >/dev/null 2>&1
is "$?" 0 "R-AVL-1: ... and kagid keeps answering ($(elapsed_since "$t0") s)"
like "$(cat "$T/kagid.log")" "is not a regular file" "... refusing the FIFO by name"
rm -f "$BGFILE"
mv "$BGFILE.saved" "$BGFILE"

# --- switched off again: codes stop working ----------------------------------
stop_kagid
start_kagid || { echo "Bail out! kagid did not restart"; exit 1; }
out=$(pam_run -u kei -o auth pw-kei "$c3")
is "$(result_of "$out" auth)" PAM_AUTH_ERR "R-EXC-1: with break-glass off, codes are refused"
unlike "$(cat "$BGFILE")" "code " "with break-glass off, the file holds no codes"
finish
