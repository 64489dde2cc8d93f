#!/bin/sh
# kagictl.sh - kagictl against a real kagid: argument checks before any
# contact, exit codes (0 ok, 1 refused, 2 usage, 3 unreachable), tables
# and --json, TOTP enrollment with confirmation, revocation (R-TOK-2),
# user life cycle and that only administrators change users (R-TOK-5).
#
# Self-contained TAP.  Needs $top_builddir (set by make check); bails out
# when kagid is not a working binary.
#
# Deleting without --yes when there is no terminal is a usage error: exit
# 2, nothing sent.  Declining the question on a terminal exits 1.

top_builddir=${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}
KAGID=$top_builddir/tokend/kagid/kagid
KAGICTL=$top_builddir/tokend/ctl/kagictl
TOTPGEN=$top_builddir/tests/totpgen

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)); failed=$((failed + 1))
	echo "not ok $n - $1"
	[ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/# /'
	return 0
}
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
# run CMD...: $out gets stdout and stderr, $rc the exit status.
run() { out=$("$@" 2>&1); rc=$?; }
# runo CMD...: $out gets stdout only, $err stderr.
runo() {
	out=$("$@" 2>"$T/stderr"); rc=$?
	err=$(cat "$T/stderr")
}
# expect DESC RC PATTERN: the last run exited RC and its output matches
# the grep -E PATTERN (empty: not checked).
expect() {
	if [ "$rc" != "$2" ]; then
		not_ok "$1" "exit $rc, expected $2; output: $out ${err:-}"
	elif [ -n "$3" ] && ! printf '%s\n' "$out" | grep -Eq -- "$3"; then
		not_ok "$1" "output does not match /$3/: $out"
	else
		ok "$1"
	fi
}

T=$(mktemp -d) || exit 1
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
# Others may pass through to the socket (0666); the state stays private.
chmod 711 "$T"
mkdir -m 700 "$T/state"
SOCK=$T/kagid.sock
printf 'socket = %s\nstate_dir = %s\nuser = \n' "$SOCK" "$T/state" \
	>"$T/kagid.conf"

# A kagid or kagictl that is missing or does not start is a failure,
# never a skip.
if [ ! -x "$KAGID" ] || [ ! -x "$KAGICTL" ]; then
	echo "Bail out! kagid or kagictl is not built"
	exit 1
fi
"$KAGID" -f -c "$T/kagid.conf" >"$T/kagid.log" 2>&1 &
pid=$!
i=0
while [ ! -S "$SOCK" ] && [ $i -lt 50 ]; do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
	i=$((i + 1))
done
if [ ! -S "$SOCK" ]; then
	echo "Bail out! kagid did not start: $(tail -n 5 "$T/kagid.log" | tr '\n' ' ')"
	exit 1
fi

ctl() { "$KAGICTL" --socket "$SOCK" "$@"; }
NOSOCK=$T/absent.sock
# A TOTP code for SECRET at OFFSET steps: totp SECRET OFFSET [ARGS...]
totp() { s=$1; o=$2; shift 2; "$TOTPGEN" "$@" -o "$o" "$s"; }
# A code kagid's window (one step either side) cannot accept.
wrong_code() {
	for w in 000000 111111 222222 333333; do
		case " $(totp "$1" -1) $(totp "$1" 0) $(totp "$1" 1) " in
		*" $w "*) ;;
		*) echo $w; return ;;
		esac
	done
}

# --- usage errors: exit 2, a message, nothing sent ----------------------
# (the socket does not exist, so an attempt to reach kagid would exit 3)
run "$KAGICTL" --socket "$NOSOCK"
expect "no command: exit 2 with a message" 2 "no command given"
run "$KAGICTL" --socket "$NOSOCK" frobnicate
expect "unknown command: exit 2 naming it" 2 "unknown command 'frobnicate'"
run "$KAGICTL" --socket "$NOSOCK" user add
expect "missing user name: exit 2" 2 "missing argument"
run "$KAGICTL" --socket "$NOSOCK" token revoke alice
expect "missing token id: exit 2" 2 "missing argument: a token id"
run "$KAGICTL" --socket "$NOSOCK" token confirm alice 12x
expect "token id '12x' refused before contacting kagid (exit 2)" 2 \
	"positive number, not '12x'"
run "$KAGICTL" --socket "$NOSOCK" token revoke alice 0
expect "token id 0 refused (exit 2)" 2 "positive number"
nl='
'
run "$KAGICTL" --socket "$NOSOCK" user add "bad${nl}name"
expect "a name with a newline: exit 2" 2 "control character"
case $out in
*"bad${nl}name"*) not_ok "... and the newline is not echoed raw" "$out" ;;
*) ok "... and the newline is not echoed raw" ;;
esac
run "$KAGICTL" --socket "$NOSOCK" user add \
	aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
expect "a 65-byte name: exit 2" 2 "1 to 64 bytes"
run "$KAGICTL" --socket "$NOSOCK" --bogus user list
expect "unknown option: exit 2 naming it" 2 "unknown option '--bogus'"
run "$KAGICTL" --socket "$NOSOCK" user list --yes
expect "an option of another command: exit 2" 2 "does not apply"
run "$KAGICTL" --socket "$NOSOCK" user add bob --role boss
expect "unknown role: exit 2" 2 "--role must be"
run "$KAGICTL" --socket "$NOSOCK" token add-totp bob --digits 7
expect "--digits 7: exit 2" 2 "--digits must be 6 or 8"
run "$KAGICTL" --socket "$NOSOCK" user list extra
expect "extra operand: exit 2" 2 "unexpected argument 'extra'"
run "$KAGICTL" --socket "$NOSOCK" --timeout 5x status
expect "--timeout 5x: exit 2" 2 "--timeout"
runo "$KAGICTL" help
expect "help: exit 0, exit codes documented" 0 "Exit status"
runo "$KAGICTL" --version
expect "--version: exit 0" 0 "^kagictl [0-9]"

# --- kagid unreachable: exit 3 ---------------------------------------------
run "$KAGICTL" --socket "$NOSOCK" status
expect "wrong --socket: exit 3, 'cannot reach' and what to do" 3 \
	"cannot reach kagid at $NOSOCK: is kagid running\\? \\(systemctl status kagid\\)"
run env KAGI_SOCKET="$NOSOCK" "$KAGICTL" user list
expect "\$KAGI_SOCKET is used" 3 "cannot reach kagid at $NOSOCK"

# --- users --------------------------------------------------------------------
runo ctl user add alice
expect "user add alice" 0 "alice"
runo ctl user add bob --role privileged
# The two-person rule takes people: a caller with no login uid (or 0) is
# none, and is told so; a person's request waits (approval.sh, twoperson.sh).
case $(cat /proc/self/loginuid) in
4294967295|0)
	out="$out $err"
	expect "R-PRIV-3: user add bob --role privileged: refused, this caller is no person" \
		1 "is not a person" ;;
*)
	expect "R-PRIV-3: user add bob --role privileged waits for approval (exit 4)" \
		4 "stored as request" ;;
esac
runo ctl user add bob
expect "user add bob" 0 "bob"
run ctl user add alice
expect "adding alice twice: exit 1 with what to do" 1 \
	"user 'alice' already exists \\(see: kagictl user show alice\\)"
runo ctl user list
expect "user list: table header" 0 "^NAME +ROLE +STATE +LAST-LOGIN$"
expect "user list: alice's row" 0 "^alice +staff +active +-$"
expect "user list: bob's row" 0 "^bob +staff +active +-$"
runo "$KAGICTL" --config "$T/kagid.conf" user list
expect "--config FILE gives the socket" 0 "^alice "
runo env KAGI_SOCKET="$SOCK" "$KAGICTL" user list
expect "\$KAGI_SOCKET gives the socket" 0 "^alice "
runo ctl --json user list
expect "user list --json" 0 '"name": *"alice"'
runo ctl user show alice
expect "user show: the user's row" 0 "^alice +staff +active"
expect "user show: no tokens yet" 0 "No tokens"
expect "user show: lock state" 0 "not locked"
runo ctl --json user show alice
json=$out
expect "user show --json" 0 '"user": *\{'
if command -v python3 >/dev/null 2>&1; then
	if printf '%s' "$json" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert sorted(d) == ["lock", "remote_lock", "tokens", "user"], sorted(d)
assert d["user"]["name"] == "alice" and d["user"]["role"] == "staff"
assert d["tokens"] == [] and d["lock"]["locked"] is False
' 2>"$T/py"; then
		ok "user show --json is {user, tokens, lock, remote_lock} as kagid returned"
	else
		not_ok "user show --json is {user, tokens, lock, remote_lock} as kagid returned" \
			"$(cat "$T/py")"
	fi
else
	case $json in
	*'"tokens"'*'"lock"'*) ok "user show --json has tokens and lock" ;;
	*) not_ok "user show --json has tokens and lock" "$json" ;;
	esac
fi
run ctl user show nobody
expect "user show of an unknown user: exit 1, what to do" 1 \
	"user 'nobody' does not exist \\(see: kagictl user list\\)"

# --- TOTP enrollment ------------------------------------------------------------
runo ctl token add-totp alice --no-qr --pending --label phone
expect "token add-totp --pending prints the token id" 0 "^token: [0-9]+$"
expect "... and an otpauth URI with its secret" 0 \
	"^uri: otpauth://totp/[^ ]*[?&]secret=[A-Z2-7]+"
case $out in
*'██'*|*'##'*) not_ok "... and no QR code with --no-qr" "$out" ;;
*) ok "... and no QR code with --no-qr" ;;
esac
id=$(printf '%s\n' "$out" | sed -n 's/^token: \([0-9]*\)$/\1/p')
secret=$(printf '%s\n' "$out" | sed -n 's/^uri: .*[?&]secret=\([A-Z2-7]*\).*/\1/p')
runo ctl token list alice
expect "the new token is pending" 0 "^$id +totp +phone +pending "

bad=$(wrong_code "$secret")
run sh -c "echo $bad | \"\$0\" --socket \"\$1\" token confirm alice $id" \
	"$KAGICTL" "$SOCK"
expect "confirm with a wrong code: exit 1, says so" 1 "wrong code"
expect "... and explains how to confirm later" 1 \
	"kagictl token confirm alice $id"
runo ctl token list alice
expect "... and the token stays pending" 0 "^$id +totp +phone +pending "
run sh -c "echo 12ab | \"\$0\" --socket \"\$1\" token confirm alice $id" \
	"$KAGICTL" "$SOCK"
expect "confirm with a code that is not digits: exit 1" 1 "digits"

code=$(totp "$secret" 0)
run sh -c "echo $code | \"\$0\" --socket \"\$1\" token confirm alice $id" \
	"$KAGICTL" "$SOCK"
expect "confirm with the right code: active" 0 "Token $id is active"
runo ctl token list alice
expect "token list shows it active" 0 "^$id +totp +phone +active "
runo ctl --json token list alice
expect "token list --json shows it active" 0 '"state": *"active"'
run sh -c "echo $code | \"\$0\" --socket \"\$1\" token confirm alice $id" \
	"$KAGICTL" "$SOCK"
expect "confirming an active token: exit 1, wrong state" 1 "wrong state"

# Without --pending the code is read from stdin right after enrollment;
# a second kagictl computes it from the URI of the first.
run ctl token add-totp alice --no-qr --algorithm sha256 --digits 8 </dev/null
expect "add-totp without a code on stdin: exit 1, left pending" 1 \
	"stays pending"
id2=$(printf '%s\n' "$out" | sed -n 's/^token: \([0-9]*\)$/\1/p')
s2=$(printf '%s\n' "$out" | sed -n 's/^uri: .*[?&]secret=\([A-Z2-7]*\).*/\1/p')
case $out in
*"algorithm=SHA256"*"digits=8"*) ok "sha256 and 8 digits reach the URI" ;;
*) not_ok "sha256 and 8 digits reach the URI" "$out" ;;
esac
code2=$(totp "$s2" 0 -a sha256 -d 8)
run sh -c "echo $code2 | \"\$0\" --socket \"\$1\" token confirm alice $id2" \
	"$KAGICTL" "$SOCK"
expect "an 8-digit SHA-256 token confirms" 0 "Token $id2 is active"

runo ctl token add-totp bob --ascii --pending
expect "add-totp --ascii draws the QR code with ##" 0 "^ *##"
if [ "$(printf '%s\n' "$out" | grep -c '##')" -ge 21 ]; then
	ok "... at least 21 lines of modules"
else
	not_ok "... at least 21 lines of modules" "$out"
fi
runo ctl --json token add-totp bob --pending
expect "add-totp --json gives token and uri" 0 '"uri": *"otpauth://'

# --- revocation (R-TOK-2) -------------------------------------------------------
runo ctl token revoke alice "$id"
expect "token revoke" 0 "revoked"
runo ctl token list alice
expect "the token is revoked" 0 "^$id +totp +phone +revoked "
run ctl token revoke alice "$id"
expect "revoking it again: exit 1" 1 "wrong state"
run ctl token revoke alice 999999
expect "revoking an unknown token: exit 1, what to do" 1 \
	"user 'alice' has no token 999999 \\(see: kagictl token list alice\\)"

# --- disable, enable, unlock, status --------------------------------------------
runo ctl user disable alice
expect "user disable" 0 "disabled"
runo ctl user list
expect "user list shows alice disabled" 0 "^alice +staff +disabled "
runo ctl user enable alice
expect "user enable" 0 "enabled"
runo ctl user list
expect "user list shows alice active again" 0 "^alice +staff +active "
runo ctl unlock alice
expect "unlock" 0 "unlocked"
runo ctl status
expect "status" 0 "^version +[0-9]"
runo ctl --json status
expect "status --json" 0 '"users": *2'

# --- delete ------------------------------------------------------------------------
run ctl user delete alice </dev/null
expect "delete without --yes and without a terminal: exit 2, names --yes" 2 \
	"--yes"
runo ctl user show alice
expect "... and alice still exists" 0 "^alice "
runo ctl user delete alice --yes
expect "delete --yes" 0 "deleted"
run ctl user show alice
expect "alice is gone" 1 "does not exist"

# --- on a terminal (a pty through python3) --------------------------------------
PTY='
import os, pty, select, sys, time
answers = sys.argv[1].split(",")
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
out = b""
def drain(t):
    global out
    end = time.time() + t
    while time.time() < end:
        if select.select([fd], [], [], 0.05)[0]:
            try:
                d = os.read(fd, 4096)
            except OSError:
                return
            if not d:
                return
            out += d
for a in answers:
    drain(0.5)
    os.write(fd, (a + "\n").encode())
drain(1.0)
_, st = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(st))
'
if command -v python3 >/dev/null 2>&1 && python3 -c 'import pty' 2>/dev/null; then
	run python3 -c "$PTY" n "$KAGICTL" --socket "$SOCK" user delete bob
	expect "on a terminal, delete asks and 'n' keeps the user (exit 1)" 1 \
		"Delete user bob and all its tokens\\? \\[y/N\\]"
	runo ctl user show bob
	expect "... bob still exists" 0 "^bob "
	run python3 -c "$PTY" "$bad,$bad,$bad" "$KAGICTL" --socket "$SOCK" \
		token add-totp bob --no-qr
	expect "on a terminal, three wrong codes leave the token pending" 1 \
		"stays pending"
	tries=$(printf '%s\n' "$out" | grep -c "Enter the code shown by the authenticator app")
	if [ "$tries" = 3 ]; then
		ok "... after asking three times"
	else
		not_ok "... after asking three times" "$out"
	fi
	run python3 -c "$PTY" y "$KAGICTL" --socket "$SOCK" user delete bob
	expect "on a terminal, 'y' deletes" 0 "deleted"
else
	for d in "delete asks on a terminal" "... bob still exists" \
	    "three wrong codes" "... three times" "'y' deletes"; do
		skip "$d" "python3 with pty not available"
	done
	ctl user delete bob --yes >/dev/null 2>&1
fi

# --- only administrators change users (R-TOK-5) ---------------------------------
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
	asnobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
	run asnobody "$KAGICTL" --socket "$SOCK" user add mallory
	expect "R-TOK-5: a non-administrator's user add is refused (exit 1)" 1 \
		"permission denied: administration needs root or membership of the kagi-admin group"
	run asnobody "$KAGICTL" --socket "$SOCK" user list
	expect "R-TOK-5: ... and so is user list" 1 "permission denied"
	run ctl user show mallory
	expect "... and mallory was not created" 1 "does not exist"
else
	skip "R-TOK-5: non-administrator refused" "needs root and setpriv"
	skip "R-TOK-5: ... and so is user list" "needs root and setpriv"
	skip "... and mallory was not created" "needs root and setpriv"
fi

# --- kagid stopped: exit 3 ---------------------------------------------------------
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
pid=
run ctl status
expect "kagid stopped: exit 3, 'cannot reach'" 3 "cannot reach kagid"

echo "1..$n"
[ $failed -eq 0 ]
