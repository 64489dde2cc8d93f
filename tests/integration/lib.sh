# lib.sh - shared by kagi's integration tests; sourced, never run.
#
# Gives a test:
#  - TAP output: plan, ok, not_ok, check, is, like, unlike, skip, skip_all,
#    diag, finish (finish exits non-zero when any test failed);
#  - its own temporary directory $T, removed on exit with everything the
#    test started (kagid, fake daemons, background jobs it registered);
#  - a PAM service file in $T/pam.d whose first line is the password
#    stand-in (pam_matrix, or pam_permit when pam_wrapper is missing),
#    followed by pam_kagi for auth and account, and the pam_matrix passdb;
#  - a real kagid on a socket in $T (start_kagid, stop_kagid), the kagictl
#    wrapper, TOTP enrollment (enroll_totp) and codes (code_for);
#  - pamdrv wrappers (pam_run, result_of);
#  - sessions in the background (session_bg, with the software key through
#    with_key; gone waits for a process to end);
#  - FAKETIME_LIB, libfaketime when installed.
#
# Needs $top_srcdir and $top_builddir (set by `make check`; when missing,
# guessed from this file's place for running a test by hand).

if [ -z "${top_srcdir:-}" ]; then
	top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
fi
if [ -z "${top_builddir:-}" ]; then
	top_builddir=$top_srcdir
fi
export top_srcdir top_builddir

PAMDRV=$top_builddir/tests/pamdrv
FAKEKAGID=$top_builddir/tests/fakekagid
TOTPGEN=$top_builddir/tests/totpgen
DLSYM_CHECK=$top_builddir/tests/dlsym_check
KAGID=$top_builddir/tokend/kagid/kagid
KAGICTL=$top_builddir/tokend/ctl/kagictl
MODULE=$top_builddir/pam_module/.libs/pam_kagi.so

# --- TAP --------------------------------------------------------------------

_tap_n=0
_tap_failed=0

plan() { echo "1..$1"; }

skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

diag() {
	printf '%s\n' "$@" | sed 's/^/# /'
}

ok() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $*"
}

not_ok() {
	_tap_n=$((_tap_n + 1))
	_tap_failed=$((_tap_failed + 1))
	echo "not ok $_tap_n - $1"
	shift
	[ $# -gt 0 ] && diag "$@"
	return 0
}

skip() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $1 # SKIP ${2:-}"
}

# check DESC CMD [ARG...]: ok when CMD succeeds (its output is shown only
# when it fails).
check() {
	_d=$1
	shift
	if "$@" >"$T/check.out" 2>&1; then
		ok "$_d"
	else
		not_ok "$_d" "command failed ($?): $*" "$(cat "$T/check.out")"
	fi
}

# is GOT WANT DESC
is() {
	if [ "$1" = "$2" ]; then
		ok "$3"
	else
		not_ok "$3" "got:  '$1'" "want: '$2'"
	fi
}

# like TEXT FIXED-STRING DESC: the text contains the string.
like() {
	if printf '%s\n' "$1" | grep -qF -- "$2"; then
		ok "$3"
	else
		not_ok "$3" "wanted to find: '$2'" "in:" "$1"
	fi
}

# unlike TEXT FIXED-STRING DESC: the text does not contain the string.
unlike() {
	if printf '%s\n' "$1" | grep -qF -- "$2"; then
		not_ok "$3" "did not want: '$2'" "in:" "$1"
	else
		ok "$3"
	fi
}

finish() {
	if [ "$_tap_failed" -ne 0 ]; then
		diag "$_tap_failed of $_tap_n failed"
		exit 1
	fi
	exit 0
}

# --- the test's directory and what it started --------------------------------

T=$(mktemp -d "${TMPDIR:-/tmp}/kagi-test.XXXXXX") || {
	echo "Bail out! cannot make a temporary directory"
	exit 1
}
SOCK=$T/kagid.sock
SERVICE=kagitest
KAGID_PID=
_bg_pids=

# Register a background process to be killed on exit.
bg_register() { _bg_pids="$_bg_pids $1"; }

_cleanup() {
	for p in $KAGID_PID $_bg_pids; do
		kill -CONT "$p" 2>/dev/null
		kill -TERM "$p" 2>/dev/null
	done
	for p in $KAGID_PID $_bg_pids; do
		wait "$p" 2>/dev/null
	done
	# The test's own PostgreSQL (KAGI_TEST_STORE=postgresql, pgstore.sh),
	# or its database on the runner's server (KAGI_TEST_PGSERVER).
	[ -f "$T/pg/data/postmaster.pid" ] &&
		sh "$top_srcdir/tests/pgserver.sh" stop "$T/pg" 2>/dev/null
	if [ -f "$T/pg/dbname" ]; then
		for _db in $(cat "$T/pg/dbname" "$T/pg/saved" 2>/dev/null); do
			/usr/lib/postgresql/15/bin/dropdb --force \
			    -h "$KAGI_TEST_PGSERVER/sock" -U kagi "$_db" \
			    2>/dev/null
		done
	fi
	_unix_cleanup
	[ -n "${KAGI_TEST_KEEP:-}" ] && { echo "# kept: $T" >&2; return; }
	rm -rf "$T"
}
trap _cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# --- PAM stack ---------------------------------------------------------------

PAM_MATRIX=
for _d in /usr/lib/x86_64-linux-gnu/pam_wrapper /usr/lib/*/pam_wrapper \
    /usr/lib/pam_wrapper /usr/lib64/pam_wrapper; do
	if [ -f "$_d/pam_matrix.so" ]; then
		PAM_MATRIX=$_d/pam_matrix.so
		break
	fi
done

# add_user_password USER PASSWORD: a line of the pam_matrix passdb.
add_user_password() {
	echo "$1:$2:$SERVICE" >>"$T/passdb"
}

# write_service [NAME] [-- MODULE-OPTIONS...]: $T/pam.d/NAME (default
# $SERVICE) with the password stand-in, then pam_kagi for auth and
# account on $SOCK.  KAGI_TIMEOUT (default 2) is the timeout= option.
write_service() {
	_name=$SERVICE
	if [ $# -gt 0 ] && [ "$1" != "--" ]; then
		_name=$1
		shift
	fi
	[ "${1:-}" = "--" ] && shift
	mkdir -p "$T/pam.d"
	touch "$T/passdb"
	{
		if [ -n "$PAM_MATRIX" ]; then
			echo "auth required $PAM_MATRIX passdb=$T/passdb"
		else
			echo "auth required pam_permit.so"
		fi
		echo "auth required $MODULE socket=$SOCK timeout=${KAGI_TIMEOUT:-2} $*"
		echo "account required $MODULE socket=$SOCK timeout=${KAGI_TIMEOUT:-2} $*"
	} >"$T/pam.d/$_name"
}

if [ -z "$PAM_MATRIX" ]; then
	diag "pam_matrix.so (pam_wrapper) not found: pam_permit stands in" \
	    "for the password, so wrong-password tests cannot mean anything"
fi

# pam_run [pamdrv options] [ANSWER...]: run $SERVICE from $T/pam.d; prints
# pamdrv's lines, returns its status.  PAM_SERVICE_NAME picks another file.
pam_run() {
	"$PAMDRV" -c "$T/pam.d" -s "${PAM_SERVICE_NAME:-$SERVICE}" "$@" \
	    2>>"$T/pamdrv.err"
}

# result_of OUTPUT auth|acct: the PAM code name pamdrv printed.
result_of() {
	printf '%s\n' "$1" | sed -n "s/^$2=//p" | tail -n 1
}

# --- kagid -------------------------------------------------------------------

# kagid_built: a real kagid binary that answers -t.  A kagid that is not
# there, or that is there but refuses a minimal configuration (no time
# zone data, a library missing), is a failure of the whole test, never a
# skip: "Bail out!" with its words, and exit.
kagid_built() {
	if [ ! -x "$KAGID" ]; then
		echo "Bail out! kagid is not built: $KAGID"
		exit 1
	fi
	_probe=$T/probe.conf
	printf 'socket = %s\nstate_dir = %s\nuser = %s\n' "$T/probe.sock" \
	    "$T" "$(id -un)" >"$_probe"
	chmod 600 "$_probe"
	if ! _out=$("$KAGID" -t -c "$_probe" 2>&1); then
		echo "Bail out! kagid refuses to start:" \
		    "$(printf '%s' "$_out" | tr '\n' ' ')"
		exit 1
	fi
	return 0
}

# kagictl_built: a real kagictl (one that says kagid is unreachable, 3);
# as kagid_built, anything else bails out.
kagictl_built() {
	if [ ! -x "$KAGICTL" ]; then
		echo "Bail out! kagictl is not built: $KAGICTL"
		exit 1
	fi
	_out=$("$KAGICTL" --socket "$T/nobody.sock" status 2>&1)
	_st=$?
	if [ $_st -ne 3 ]; then
		echo "Bail out! kagictl does not run (exit $_st, want 3):" \
		    "$(printf '%s' "$_out" | tr '\n' ' ')"
		exit 1
	fi
	return 0
}

# start_kagid [key=value...]: write $T/kagid.conf (socket, state_dir, user
# and the given keys) and run kagid in the foreground in the background;
# wait up to 5 s for its socket.  Unless a failure_delay key is given,
# failure_delay = 0: the tests that count failures do not wait for the
# growing delays (the tests of the delays give the key, or
# KAGI_DELAYS=default keeps kagid's defaults).
# KAGID_ENV, when set, is VAR=VALUE words (no spaces inside) put in
# kagid's environment (libfaketime, say).
# KAGI_TEST_STORE=postgresql: kagid keeps its state in a PostgreSQL of
# the test's own ($T/pg, tests/pgserver.sh, started at the first
# start_kagid and stopped on exit), unless the test names a store itself.
# The runner sets it to run the tests that touch state once more; it sets
# KAGI_TEST_PGSERVER too, the directory of a server it started once
# (tests/pgrun.sh): each test then gets a database of its own there,
# created at the first start_kagid and dropped on exit.
_pg_conninfo() {
	if [ ! -f "$T/pg/conninfo" ] && [ -n "${KAGI_TEST_PGSERVER:-}" ]; then
		mkdir -p "$T/pg"
		_db=t_$(basename "$T" | tr -c '[:alnum:]\n' '_' | tr '[:upper:]' '[:lower:]')
		/usr/lib/postgresql/15/bin/createdb -h "$KAGI_TEST_PGSERVER/sock" \
		    -U kagi "$_db" 2>"$T/pg.err" ||
			{ diag "no database on the runner's PostgreSQL:" \
			    "$(cat "$T/pg.err")"; return 1; }
		echo "$_db" >"$T/pg/dbname"
		sh "$top_srcdir/tests/pgserver.sh" conninfo "$KAGI_TEST_PGSERVER" |
		    sed "s/dbname=kagi/dbname=$_db/" >"$T/pg/conninfo"
	fi
	if [ ! -f "$T/pg/conninfo" ]; then
		chmod 711 "$T"
		sh "$top_srcdir/tests/pgserver.sh" start "$T/pg" \
		    >"$T/pg.conninfo" 2>"$T/pg.err" ||
			{ diag "PostgreSQL did not start:" "$(cat "$T/pg.err")"; return 1; }
		mv "$T/pg.conninfo" "$T/pg/conninfo"
	fi
	cat "$T/pg/conninfo"
}

# state_sql SQL: SQL run on kagid's store as start_kagid set it up (the
# SQLite file, or the test's own PostgreSQL); rows as "a|b" lines.
# Write "user" quoted: unquoted, PostgreSQL reads the session's user.
state_sql() {
	if [ -f "$T/pg/conninfo" ]; then
		/usr/lib/postgresql/15/bin/psql -X -Atq "$(cat "$T/pg/conninfo")" \
		    -c "$1"
	else
		sqlite3 "$T/state/kagi.db" "$1"
	fi
}

# state_hex COLUMN: the SQL for COLUMN's bytes in upper-case hex on the
# engine state_sql uses (SQLite's hex(), PostgreSQL's encode()).
state_hex() {
	if [ -f "$T/pg/conninfo" ]; then
		printf "upper(encode(%s, 'hex'))" "$1"
	else
		printf 'hex(%s)' "$1"
	fi
}

# state_save NAME, state_restore NAME: a copy of kagid's store as
# start_kagid set it up, and that copy put back; kagid must be stopped.
# SQLite: the file (its WAL is checkpointed at kagid's stop); PostgreSQL:
# a database made from it as a template, and the store's database made
# again from that one.  The checkpoint log, keys and the rest of $T/state
# are the caller's to copy.
_pg_admin() {
	_h=$T/pg/sock
	[ -n "${KAGI_TEST_PGSERVER:-}" ] && [ -f "$T/pg/dbname" ] &&
		_h=$KAGI_TEST_PGSERVER/sock
	_c=$1
	shift
	"/usr/lib/postgresql/15/bin/$_c" -h "$_h" -U kagi "$@"
}
_pg_db() {
	if [ -f "$T/pg/dbname" ]; then cat "$T/pg/dbname"; else echo kagi; fi
}
state_save() {
	if [ -f "$T/pg/conninfo" ]; then
		_pg_admin dropdb --if-exists "$(_pg_db)_$1" 2>/dev/null
		_pg_admin createdb -T "$(_pg_db)" "$(_pg_db)_$1" ||
			{ diag "state_save $1 failed"; return 1; }
		echo "$(_pg_db)_$1" >>"$T/pg/saved"
	else
		cp "$T/state/kagi.db" "$T/saved-$1.db"
	fi
}
state_restore() {
	if [ -f "$T/pg/conninfo" ]; then
		_pg_admin dropdb --force "$(_pg_db)" &&
		    _pg_admin createdb -T "$(_pg_db)_$1" "$(_pg_db)" ||
			{ diag "state_restore $1 failed"; return 1; }
	else
		cp "$T/saved-$1.db" "$T/state/kagi.db" &&
		    rm -f "$T/state/kagi.db-wal" "$T/state/kagi.db-shm"
	fi
}

start_kagid() {
	mkdir -p "$T/state"
	chmod 700 "$T/state"
	_store=
	if [ "${KAGI_TEST_STORE:-sqlite}" = postgresql ]; then
		case " $* " in
		*" store="*) ;;
		*) _store=$(_pg_conninfo) || return 1 ;;
		esac
	fi
	_delay="failure_delay = 0"
	[ "${KAGI_DELAYS:-}" = default ] && _delay=
	{
		echo "socket = $SOCK"
		echo "state_dir = $T/state"
		echo "user = $(id -un)"
		for _kv in "$@"; do
			case ${_kv%%=*} in
			failure_delay*) _delay= ;;
			esac
			echo "${_kv%%=*} = ${_kv#*=}"
		done
		[ -n "$_delay" ] && echo "$_delay"
		if [ -n "$_store" ]; then
			echo "store = postgresql"
			echo "store_conninfo = $_store"
		fi
	} >"$T/kagid.conf"
	chmod 600 "$T/kagid.conf"
	rm -f "$SOCK"
	# KAGID_PREFIX (e.g. setsid): a command kagid is run through.
	# shellcheck disable=SC2086
	if [ -n "$_test_accounts" ]; then
		${KAGID_PREFIX:-} env ${KAGID_ENV:-} \
		    LD_PRELOAD="$NSS_WRAPPER_LIB${LD_PRELOAD:+ $LD_PRELOAD}" \
		    NSS_WRAPPER_PASSWD="$T/passwd" NSS_WRAPPER_GROUP="$T/group" \
		    "$KAGID" -f -c "$T/kagid.conf" 2>>"$T/kagid.log" &
	else
		${KAGID_PREFIX:-} env ${KAGID_ENV:-} "$KAGID" -f \
		    -c "$T/kagid.conf" 2>>"$T/kagid.log" &
	fi
	KAGID_PID=$!
	# Up to 30 s: a sanitizer build on a loaded machine verifies the
	# chain slowly; a start or a refusal ends the wait at once.
	_i=0
	while [ $_i -lt 300 ]; do
		if [ -S "$SOCK" ]; then
			return 0
		fi
		if ! kill -0 "$KAGID_PID" 2>/dev/null; then
			diag "kagid exited:" "$(tail -n 20 "$T/kagid.log")"
			KAGID_PID=
			return 1
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
	diag "kagid did not create $SOCK in 30 s:" "$(tail -n 20 "$T/kagid.log")"
	return 1
}

# serving: kagid (started by start_kagid, whose socket may come before
# the store is opened) says it listens; 1 when it exits first.  Truncate
# $T/kagid.log before start_kagid: an earlier start's line counts too.
serving() {
	_i=0
	while [ $_i -lt 300 ]; do
		grep -qF "listening on $SOCK" "$T/kagid.log" && return 0
		kill -0 "$KAGID_PID" 2>/dev/null || { KAGID_PID=; return 1; }
		sleep 0.1
		_i=$((_i + 1))
	done
	return 0
}

stop_kagid() {
	[ -n "$KAGID_PID" ] || return 0
	kill -CONT "$KAGID_PID" 2>/dev/null
	kill -TERM "$KAGID_PID" 2>/dev/null
	_i=0
	while kill -0 "$KAGID_PID" 2>/dev/null && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	kill -KILL "$KAGID_PID" 2>/dev/null
	wait "$KAGID_PID" 2>/dev/null
	KAGID_PID=
	return 0
}

kagictl() {
	"$KAGICTL" --socket "$SOCK" "$@"
}

# --- sessions ----------------------------------------------------------------

# The software key's shim and tool (tests/softkey), for with_key.
SHIM=$top_builddir/tests/softkey/.libs/libsoftkey_shim.so
SKTOOL=$top_builddir/tests/softkey/softkeytool

# with_key NAME|- CMD...: CMD with the shim and $T/key.NAME plugged in;
# with -, CMD as it is.
with_key() {
	_key=$1
	shift
	if [ "$_key" != - ]; then
		env LD_PRELOAD="$SHIM" KAGI_SOFTKEY_STATE="$T/key.$_key" "$@"
	else
		"$@"
	fi
}

# gone PID SECONDS: wait up to SECONDS for PID to go; 0 when it went
# (never for no PID).
gone() {
	[ -n "$1" ] || return 1
	_n=0
	while kill -0 "$1" 2>/dev/null; do
		[ $_n -ge $(($2 * 10)) ] && return 1
		sleep 0.1
		_n=$((_n + 1))
	done
	return 0
}

# session_bg OUTFILE KEY|- PAMDRV-ARGS...: a session of the sess service
# in the background (with_key KEY); sets CHILD to the child's pid once
# pamdrv printed it (empty after 5 s).
session_bg() {
	_sf=$1
	_k=$2
	shift 2
	child_bg "$_sf" with_key "$_k" "$PAMDRV" -c "$T/pam.d" -s sess \
	    -o session "$@"
}

# --- libfaketime --------------------------------------------------------------

# FAKETIME_LIB: libfaketime, or empty when it is not installed.
FAKETIME_LIB=
for _f in /usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 \
    /usr/lib/*/faketime/libfaketime.so.1; do
	[ -f "$_f" ] && { FAKETIME_LIB=$_f; break; }
done

# --- TOTP --------------------------------------------------------------------

# TOTP_PERIOD must match kagid's totp_period (30 unless a test sets it).
TOTP_PERIOD=${TOTP_PERIOD:-30}

# Do not compute a code in the last 2 s of a step: by the time kagid
# checks it the step may have moved.  Waits at most 2 s.
_avoid_step_edge() {
	while [ $(( $(date +%s) % TOTP_PERIOD )) -ge $((TOTP_PERIOD - 2)) ]; do
		sleep 0.2
	done
}

# code_for SECRET [OFFSET_STEPS]: the code for now (+ OFFSET steps).
code_for() {
	_avoid_step_edge
	"$TOTPGEN" -p "$TOTP_PERIOD" -o "${2:-0}" "$1"
}

# wait_fresh_step [SECONDS]: wait until at least SECONDS (default 10) are
# left in the current step, so a sequence of codes stays in one window.
wait_fresh_step() {
	_need=${1:-10}
	while [ $((TOTP_PERIOD - $(date +%s) % TOTP_PERIOD)) -lt "$_need" ]; do
		sleep 0.5
	done
}

# wait_in FILE TEXT [SECONDS]: wait until FILE holds TEXT (a fixed
# string), at most SECONDS (default 15): what kagid logs or its alert
# hook writes comes when it comes, later under load.  wait_log TEXT
# [SECONDS]: the same in kagid's log.
wait_in() {
	_i=0
	while ! grep -qF -- "$2" "$1" 2>/dev/null &&
	    [ $_i -lt $((${3:-15} * 10)) ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
}
wait_log() {
	wait_in "$T/kagid.log" "$@"
}

# enroll_totp USER [OFFSET_STEPS]: add a pending TOTP token, confirm it with
# the code at OFFSET steps (default -1, leaving the current and next steps
# for log-ins), print the secret.  The token id goes to $T/token.USER.
enroll_totp() {
	_out=$(kagictl token add-totp "$1" --no-qr --pending) || {
		diag "kagictl token add-totp $1 failed"
		return 1
	}
	_id=$(printf '%s\n' "$_out" | sed -n 's/^token: *//p' | head -n 1)
	_secret=$(printf '%s\n' "$_out" |
	    sed -n 's/^uri: *otpauth:.*[?&]secret=\([A-Za-z2-7=]*\).*/\1/p' |
	    head -n 1)
	if [ -z "$_id" ] || [ -z "$_secret" ]; then
		diag "cannot read token id or secret from kagictl output"
		return 1
	fi
	_code=$(code_for "$_secret" "${2:--1}") || return 1
	echo "$_code" | kagictl token confirm "$1" "$_id" >/dev/null || {
		diag "kagictl token confirm $1 $_id failed"
		return 1
	}
	echo "$_id" >"$T/token.$1"
	echo "$_secret"
}

# new_user NAME: a kagid user with a password ("pw-NAME") and a TOTP
# token; prints the secret.
new_user() {
	kagictl user add "$1" >/dev/null || { diag "user add $1 failed"; return 1; }
	add_user_password "$1" "pw-$1"
	enroll_totp "$1"
}

# wrong_code CODE: a six-digit code that is not CODE.
wrong_code() {
	printf '%06d\n' $(( (1$1 - 1000000 + 500000) % 1000000 ))
}

# alert_sink: $T/alert.sh, an alert_command that appends each alert and an
# empty line to $T/alerts (emptied here).
alert_sink() {
	cat >"$T/alert.sh" <<EOF
#!/bin/sh
cat >>"$T/alerts"
echo >>"$T/alerts"
EOF
	chmod 755 "$T/alert.sh"
	: >"$T/alerts"
}

# token_of USER: the id enroll_totp recorded.
token_of() { cat "$T/token.$1"; }

# elapsed_since T0: whole seconds since T0 (from date +%s).
elapsed_since() { echo $(( $(date +%s) - $1 )); }

# --- the two-person rule -------------------------------------------------------

# The person behind a caller is its audit login uid (/proc/PID/loginuid,
# R-PRIV-3): kagid lets no caller without one (or with 0) ask for or
# approve a two-person act.  A root process may set its own login uid,
# as pam_loginuid does at log-in; the test shell's stays as it is.
#
# as_person LOGINUID CMD [ARG...]: run CMD with that login uid
# (4294967295: unset).  Exit 97 when the kernel refuses to set it.
as_person() {
	sh -c 'echo "$1" >/proc/self/loginuid 2>/dev/null &&
	    [ "$(cat /proc/self/loginuid)" = "$1" ] || exit 97
	    shift; exec "$@"' sh "$@"
}

# loginuid_settable: this process may give a child a login uid (root
# with CAP_AUDIT_CONTROL, or a login uid still unset).
loginuid_settable() {
	[ "$(as_person 4242 cat /proc/self/loginuid 2>/dev/null)" = 4242 ]
}

# The login uid of the administrator who asks in approved(): a person
# with no account, not one of the approvers.
ADMIN_LOGINUID=${ADMIN_LOGINUID:-60100}

# kagictl_person ARGS...: kagictl as root logged in as $ADMIN_LOGINUID.
kagictl_person() {
	as_person "$ADMIN_LOGINUID" "$KAGICTL" --socket "$SOCK" "$@"
}

# as_ctl USER ARGS...: kagictl as USER, logged in as USER (its own login
# uid), standard error included.
as_ctl() {
	_u=$1
	shift
	as_user "$_u" "$KAGICTL" --socket "$SOCK" "$@" 2>&1
}
# sudo_ctl USER ARGS...: kagictl as root, logged in as USER (as after
# sudo), standard error included.
sudo_ctl() {
	_u=$1
	shift
	as_person "$(id -u "$_u")" "$KAGICTL" --socket "$SOCK" "$@" 2>&1
}
# req_id: the request number in kagictl's "stored as request N" output.
req_id() { sed -n 's/.*stored as request \([0-9]*\).*/\1/p' | head -n 1; }
# last_record EVENT: the newest audit record of EVENT, as JSON.
last_record() { kagictl audit export --json --event "$1" | tail -n 1; }
# shared_key NAME [softkeytool init options]: a software key
# $T/keys/NAME that every uid may use (the shim writes a lock file and
# renames its state in that directory, made 0777 here).  Needs $SKTOOL.
shared_key() {
	_k=$1
	shift
	[ -d "$T/keys" ] || mkdir -m 777 "$T/keys"
	"$SKTOOL" init "$T/keys/$_k" "$@" >/dev/null
	chmod 666 "$T/keys/$_k"
}

# A vendor permit's expiry inside the default vendor_max_horizon (90
# days), in kagid's default time zone.
PERMIT_EXPIRES=$(TZ=Asia/Tokyo date -d '+30 days' +%F)

# approved ARGS...: run `kagictl ARGS` as root logged in as the person
# $ADMIN_LOGINUID; when kagid stores it as a request awaiting a second
# person (exit 4, R-PRIV-3), approve it as nobody (logged in as nobody),
# a member of the approver group.  start_kagid must have been given
# approver_group=nogroup and $T must be reachable by nobody (chmod 711).
# Prints kagictl's output; returns the final exit status.  Needs root.
approved() {
	_out=$(as_person "$ADMIN_LOGINUID" "$KAGICTL" --socket "$SOCK" --json \
	    "$@" 2>&1)
	_st=$?
	if [ $_st -ne 4 ]; then
		printf '%s\n' "$_out"
		return $_st
	fi
	_id=$(printf '%s' "$_out" | tr -d ' \n' |
	    sed -n 's/.*"request":{"id":\([0-9]*\).*/\1/p')
	as_person 65534 setpriv --reuid=65534 \
	    --regid="$(getent group nogroup | cut -d: -f3)" --clear-groups \
	    "$KAGICTL" --socket "$SOCK" request approve "$_id"
}

# start_served ARGS...: start_kagid, then wait until kagid serves
# ("listening on") or has refused and exited (KAGID_PID empty, 1): kagid
# binds its socket as root before it reads the chain, so the socket alone
# does not say that it started.
start_served() {
	_ls=$(grep -c 'listening on' "$T/kagid.log" 2>/dev/null)
	start_kagid "$@" || return 1
	_i=0
	while [ $_i -lt 300 ]; do
		[ "$(grep -c 'listening on' "$T/kagid.log")" -gt "${_ls:-0}" ] &&
			return 0
		if ! kill -0 "$KAGID_PID" 2>/dev/null; then
			wait "$KAGID_PID" 2>/dev/null
			KAGID_PID=
			return 1
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
	diag "kagid neither served nor exited in 30 s"
	return 1
}

# --- real Unix users (as root) -------------------------------------------------

# need_people: what the tests of the two-person rule need to make Unix
# users and act as them with login uids of their own: root, setpriv,
# useradd and friends, nogroup (else the whole test is skipped), and a
# kernel that lets root set a login uid (else it bails out: those tests
# cite requirements and may not be skipped for that).
need_people() {
	[ "$(id -u)" -eq 0 ] || skip_all "needs root to make users and act as them"
	for _c in setpriv useradd groupadd userdel groupdel; do
		command -v "$_c" >/dev/null 2>&1 || skip_all "$_c not installed"
	done
	getent group nogroup >/dev/null 2>&1 || skip_all "no nogroup group"
	loginuid_settable || {
		echo "Bail out! cannot set a login uid (/proc/self/loginuid" \
		    "needs CAP_AUDIT_CONTROL): the two-person rule compares" \
		    "login uids"
		exit 1
	}
}

# new_unix_user PREFIX [GROUP...]: a Unix account of its own for this test
# run (PREFIX and the shell's pid: runs at the same time never meet),
# member of the GROUPs, removed at exit with the groups new_unix_group
# made (both listed in $T, as they are made in command substitutions).
# Prints its name.
new_unix_user() {
	_p=$1
	shift
	_n="${_p}$$"
	_g=
	for _x in "$@"; do _g="${_g:+$_g,}$_x"; done
	useradd -M -N -g nogroup -s /usr/sbin/nologin -d /nonexistent \
	    ${_g:+-G "$_g"} "$_n" >/dev/null 2>&1 || return 1
	echo "$_n" >>"$T/unix.users"
	echo "$_n"
}

# new_unix_group PREFIX: a group of its own for this run; prints its name.
new_unix_group() {
	_n="${1}$$"
	groupadd "$_n" >/dev/null 2>&1 || return 1
	echo "$_n" >>"$T/unix.groups"
	echo "$_n"
}

# as_user NAME CMD [ARG...]: CMD as the Unix user NAME, logged in as
# themselves (their uid as login uid), with their groups.
as_user() {
	_u=$1
	shift
	as_person "$(id -u "$_u")" setpriv --reuid="$(id -u "$_u")" \
	    --regid="$(id -g "$_u")" --init-groups "$@"
}

# --- accounts of the test's own (nss_wrapper) ----------------------------------

# test_accounts: the kagid start_kagid starts from now on looks users and
# groups up in $T/passwd and $T/group (the system's accounts, then those
# test_account adds) through nss_wrapper; the system's files are left
# alone.  Fails when libnss_wrapper.so is not installed.
NSS_WRAPPER_LIB=
# nss_wrapper loads libc with RTLD_DEEPBIND, which AddressSanitizer's
# runtime cannot work with: without it the sanitizer build runs too.
export NSS_WRAPPER_DISABLE_DEEPBIND=1
for _d in /usr/lib/x86_64-linux-gnu /usr/lib/*-linux-gnu /usr/lib64 /usr/lib; do
	[ -f "$_d/libnss_wrapper.so" ] && { NSS_WRAPPER_LIB=$_d/libnss_wrapper.so; break; }
done
_test_accounts=
test_accounts() {
	[ -n "$NSS_WRAPPER_LIB" ] || return 1
	getent passwd >"$T/passwd" && getent group >"$T/group" || return 1
	chmod 644 "$T/passwd" "$T/group"
	_test_accounts=1
}

# test_account NAME: NAME in $T/passwd with a uid no system account has
# (primary group nogroup); prints the uid.
test_account() {
	_uid=$((61000 + $(grep -c '^' "$T/passwd")))
	while getent passwd "$_uid" >/dev/null 2>&1; do _uid=$((_uid + 1)); done
	echo "$1:x:$_uid:$(getent group nogroup | cut -d: -f3)::/nonexistent:/usr/sbin/nologin" \
	    >>"$T/passwd"
	# nss_wrapper reloads the file only when its mtime's second
	# changed: an account added in the second a running kagid last
	# read it would stay unknown to it.  Each version of the file gets
	# a time of its own, from its length.
	touch -d "@$((1000000000 + $(grep -c '^' "$T/passwd")))" "$T/passwd"
	echo "$_uid"
}

# The AAGUID every software key has unless told otherwise: listed in
# fido2_aaguids, it lets a software key's full attestation through the
# privileged role's default policy (trusted: R-PRIV-2).
SOFTKEY_AAGUID=6b616769-2d73-6f66-746b-65792d763100

# grant_enroll UID STATE [ARG...]: `kagictl enroll --grant` as UID, logged
# in as itself, with the software key STATE plugged in (PIN on standard
# input): a privileged user spending the enrollment a second person
# approved (R-PRIV-3).  The key's directory must be writable by UID.
grant_enroll() {
	_u=$1 _k=$2
	shift 2
	as_person "$_u" setpriv --reuid="$_u" \
	    --regid="$(getent group nogroup | cut -d: -f3)" --clear-groups \
	    env LD_PRELOAD="$top_builddir/tests/softkey/.libs/libsoftkey_shim.so" \
	    KAGI_SOFTKEY_STATE="$_k" "$KAGICTL" --socket "$SOCK" enroll --grant \
	    "$@"
}

# enroll_key_granted UID NAME STATE PIN: NAME, privileged and an account
# of the test's own (test_account gave UID), enrolls the software key
# STATE itself on a second person's approval (R-PRIV-3); prints the token
# id.  kagid runs with test_accounts and fido2_aaguids=$SOFTKEY_AAGUID.
enroll_key_granted() {
	approved token add-fido2 "$2" >/dev/null || {
		diag "token add-fido2 $2 was not approved"
		return 1
	}
	chmod 777 "$(dirname "$3")"
	chmod 666 "$3"
	echo "$4" | grant_enroll "$1" "$3" 2>>"$T/kagictl.err" |
	    sed -n 's/^token: *//p'
}

_unix_cleanup() {
	[ -f "$T/unix.users" ] && while read -r _x; do
		userdel "$_x" >/dev/null 2>&1
	done <"$T/unix.users"
	[ -f "$T/unix.groups" ] && while read -r _x; do
		groupdel "$_x" >/dev/null 2>&1
	done <"$T/unix.groups"
	return 0
}

# can_approve: root, setpriv, nobody and nogroup are there.
can_approve() {
	[ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1 &&
	    getent group nogroup >/dev/null 2>&1
}

# child_bg OUTFILE COMMAND...: run a pamdrv that opens a session (COMMAND,
# its output into OUTFILE) in the background; sets CHILD to the session's
# process once pamdrv printed it ("child=PID"); returns 1, CHILD empty,
# after 5 s without it.
child_bg() {
	_f=$1
	shift
	"$@" >"$_f" 2>>"$T/pamdrv.err" &
	bg_register $!
	CHILD=
	_n=0
	while [ $_n -lt 50 ]; do
		CHILD=$(sed -n 's/^child=//p' "$_f")
		[ -n "$CHILD" ] && return 0
		sleep 0.1
		_n=$((_n + 1))
	done
	return 1
}

# start_fake MODE: tests/fakekagid in MODE on $SOCK (FAKE_PID), once it
# says it is ready; stop_fake ends it.
start_fake() {
	rm -f "$SOCK" "$T/fake.out"
	"$FAKEKAGID" "$SOCK" "$1" >"$T/fake.out" 2>>"$T/fake.err" &
	FAKE_PID=$!
	bg_register "$FAKE_PID"
	_i=0
	while [ $_i -lt 50 ]; do
		grep -q '^ready$' "$T/fake.out" 2>/dev/null && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	diag "fakekagid $1 did not become ready"
	return 1
}
stop_fake() {
	[ -n "$FAKE_PID" ] || return 0
	kill -CONT "$FAKE_PID" 2>/dev/null
	kill -TERM "$FAKE_PID" 2>/dev/null
	wait "$FAKE_PID" 2>/dev/null
	FAKE_PID=
}

# raw_request JSON: send JSON as one frame to kagid on $SOCK (python3),
# print the reply's payload: requests kagictl would never send.
raw_request() {
	python3 - "$SOCK" "$1" <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
req = sys.argv[2].encode()
s.sendall(b"KG\x01\x00" + struct.pack(">I", len(req)) + req)
hdr = s.recv(8)
n = struct.unpack(">I", hdr[4:8])[0]
body = b""
while len(body) < n:
    body += s.recv(n - len(body))
print(body.decode())
PY
}
