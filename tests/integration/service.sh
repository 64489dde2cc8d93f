#!/bin/sh
# service.sh - kagid run as a service: its pid file (-p) and its messages
# in the systemd journal, with fields.
#
#  - kagid -p FILE, daemonised: FILE (mode 0644) names the running kagid
#    and is removed when it stops; a pid file naming a live process, or a
#    symbolic link, is refused and left alone; a stale one is replaced;
#    started as root, kagid still removes it after dropping to its user.
#  - kagid -f whose standard error is the journal's stream
#    ($JOURNAL_STREAM names it) sends each message natively, an audit
#    record with KAGI_USER, KAGI_EVENT and KAGI_OUTCOME, and writes none of
#    them to standard error; with $JOURNAL_STREAM naming another file it
#    writes to standard error; with no journal socket (where
#    sd_journal_sendv() would drop messages silently) it writes "<N>"
#    lines to standard error.
# The journal part runs in a private mount namespace with a tmpfs on /run
# (root, unshare), where tests/journalsink plays journald's socket:
# nothing outside the test's directory is touched.

# Into a private mount namespace first, as root, before lib.sh makes the
# test's directory (an exec would leave it behind).
if [ -z "${KAGI_SERVICE_NS:-}" ] && [ "$(id -u)" = 0 ] &&
    command -v unshare >/dev/null 2>&1 &&
    unshare --mount --propagation private true 2>/dev/null; then
	KAGI_SERVICE_NS=1 exec unshare --mount --propagation private \
	    sh "$0" "$@"
fi

. "$(dirname "$0")/lib.sh"

kagid_built
kagictl_built
SINK=$top_builddir/tests/journalsink

plan 23

# wait_for COND...: up to 5 s for a test command to hold.
wait_for() {
	_i=0
	while ! "$@" && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	"$@"
}

conf() {
	{
		echo "socket = $1/kagid.sock"
		echo "state_dir = $T/state"
		echo "user = ${2:-$(id -un)}"
	} >"$T/kagid.conf"
	chmod 600 "$T/kagid.conf"
}

# --- the pid file ----------------------------------------------------------------
mkdir -p "$T/run" "$T/state"
chmod 700 "$T/state"
conf "$T/run"
PF=$T/run/kagid.pid
"$KAGID" -c "$T/kagid.conf" -p "$PF" 2>>"$T/kagid.log"
is "$?" 0 "kagid -p FILE daemonises"
wait_for test -s "$PF"
pid=$(cat "$PF" 2>/dev/null)
is "$(cat "/proc/$pid/comm" 2>/dev/null)" kagid "the pid file names the running kagid"
is "$(stat -c '%a' "$PF")" 644 "... mode 0644"
[ -S "$T/run/kagid.sock" ] && ok "... which serves its socket" ||
	not_ok "... which serves its socket"
out=$("$KAGID" -c "$T/kagid.conf" -p "$T/run/other.pid" 2>&1)
[ ! -e "$T/run/other.pid" ] && ok "a second kagid leaves no pid file behind" ||
	not_ok "a second kagid leaves no pid file behind" "$out"
kill -TERM "$pid"
wait_for test ! -e "$PF"
[ ! -e "$PF" ] && ok "SIGTERM: the pid file is removed" ||
	not_ok "SIGTERM: the pid file is removed"
kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"

echo "$$" >"$PF"
out=$("$KAGID" -f -c "$T/kagid.conf" -p "$PF" 2>&1)
is "$?" 1 "a pid file naming a live process is refused"
like "$out" "names process $$, which is running" "... saying which"
is "$(cat "$PF")" "$$" "... and left as it was"

echo 999999999 >"$PF"
"$KAGID" -c "$T/kagid.conf" -p "$PF" 2>>"$T/kagid.log"
wait_for grep -qv '^999999999$' "$PF"
pid=$(cat "$PF")
is "$(cat "/proc/$pid/comm" 2>/dev/null)" kagid "a stale pid file is replaced"
kill -TERM "$pid"
wait_for test ! -e "$PF"

echo keep >"$T/target"
ln -s "$T/target" "$PF"
out=$("$KAGID" -f -c "$T/kagid.conf" -p "$PF" 2>&1)
is "$?" 1 "a symbolic link as pid file is refused"
is "$(cat "$T/target")" keep "... and what it points to is untouched"
rm -f "$PF"

out=$("$KAGID" -f -c "$T/kagid.conf" -p run/kagid.pid 2>&1)
like "$out" "needs an absolute path" "a relative pid file path is refused"

if [ "$(id -u)" = 0 ]; then
	chmod 755 "$T"
	nobody=$(id -un 65534)
	rm -rf "$T/state"
	conf "$T/run2" "$nobody"
	"$KAGID" -c "$T/kagid.conf" -p "$T/run2/kagid.pid" 2>>"$T/kagid.log"
	wait_for test -s "$T/run2/kagid.pid"
	pid=$(cat "$T/run2/kagid.pid")
	is "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" 65534 \
	    "as root: kagid drops to its user"
	kill -TERM "$pid"
	wait_for test ! -e "$T/run2/kagid.pid"
	[ ! -e "$T/run2/kagid.pid" ] &&
	    ok "... and still removes the pid file in its socket directory" ||
	    not_ok "... and still removes the pid file in its socket directory"
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
	chmod 700 "$T"
else
	skip "as root: kagid drops to its user" "needs root"
	skip "... and still removes the pid file" "needs root"
fi

# --- the journal ------------------------------------------------------------------
if [ -z "${KAGI_SERVICE_NS:-}" ]; then
	for i in 1 2 3 4 5 6 7 8; do
		skip "the journal" "needs root and unshare (a private /run)"
	done
	finish
fi
mount -t tmpfs -o mode=0755 tmpfs /run || {
	echo "Bail out! cannot mount a tmpfs on /run in the private namespace"
	exit 1
}
mkdir -p /run/systemd/journal
"$SINK" /run/systemd/journal/socket 30 >"$T/journal.out" &
SINK_PID=$!
bg_register $SINK_PID
wait_for test -S /run/systemd/journal/socket

rm -rf "$T/state"
: >"$T/kagid.log"
# stream_is FILE: $JOURNAL_STREAM names FILE, as systemd sets it.
stream_is() {
	JOURNAL_STREAM=$(stat -c '%d:%i' "$1")
	export JOURNAL_STREAM
}
stream_is "$T/kagid.log"
start_kagid || { echo "Bail out! kagid did not start"; exit 1; }
kagictl user add alice >/dev/null
add_user_password alice pw-alice
write_service
s=$(enroll_totp alice)
wait_fresh_step 8
out=$(pam_run -u alice -o both pw-alice "$(code_for "$s")")
is "$(result_of "$out" auth)/$(result_of "$out" acct)" PAM_SUCCESS/PAM_SUCCESS \
    "a log-in under the journal"
out=$(pam_run -u alice -o auth pw-alice 000000)
stop_kagid
j=$(cat "$T/journal.out")
like "$j" "MESSAGE=kagid $(sed -n 's/^PACKAGE_VERSION = //p' "$top_builddir/Makefile") listening on" \
    "kagid's messages reach the journal natively"
like "$j" "SYSLOG_IDENTIFIER=kagid" "... as kagid"
like "$(printf '%s\n' "$j" | awk -v RS= '/KAGI_EVENT=auth/ && /KAGI_OUTCOME=success/')" \
    "KAGI_USER=alice" "an audit record carries KAGI_USER, KAGI_EVENT and KAGI_OUTCOME"
like "$(printf '%s\n' "$j" | awk -v RS= '/KAGI_EVENT=auth/ && /KAGI_OUTCOME=failure/')" \
    "PRIORITY=" "... a refused log-in too, with its priority"
unlike "$(cat "$T/kagid.log")" "listening on" "... and nothing goes to standard error"

: >"$T/other.log"
: >"$T/kagid.log"
stream_is "$T/other.log"
start_kagid
# The socket is bound before kagid says it listens: wait for the line.
wait_for grep -q "listening on" "$T/kagid.log"
stop_kagid
like "$(cat "$T/kagid.log")" "listening on" \
    "JOURNAL_STREAM naming another file: standard error"

kill "$SINK_PID"
wait "$SINK_PID" 2>/dev/null
rm -f /run/systemd/journal/socket
: >"$T/kagid.log"
stream_is "$T/kagid.log"
start_kagid
wait_for grep -q "listening on" "$T/kagid.log"
stop_kagid
like "$(cat "$T/kagid.log")" "<6>kagid: kagid" \
    "no journal socket: '<N>' lines on standard error"

finish
