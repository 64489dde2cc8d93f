#!/bin/sh
# demo.sh - kagi's main job on its embedded default, start to finish.
#
# Builds kagi, starts kagid on SQLite in a temporary state directory,
# creates a user with a TOTP token, and performs real PAM log-ins through
# pam_kagi.so stacked after a password module (pam_matrix from
# pam_wrapper), printing what happens: right code accepted, wrong code
# refused, the same code again refused, lockout after too many failures,
# unlock by an administrator.  Nothing outside the build directory and a
# temporary directory is touched.  As root, installs missing packages.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
sh scripts/deps.sh build

[ -x configure ] && [ configure -nt configure.ac ] && [ Makefile.in -nt Makefile.am ] ||
	autoreconf -fi >/dev/null 2>&1
b=$top/build/demo
mkdir -p "$b"
cd "$b"
[ -f Makefile ] || "$top/configure" -q --prefix="$b/inst" \
    --with-pammoddir="$b/inst/lib/security" >/dev/null
echo "== building kagi"
make -s -j2 >/dev/null
make -s -j2 tests/pamdrv tests/totpgen >/dev/null
make -s install >/dev/null

tmp=$(mktemp -d /tmp/kagi-demo.XXXXXX)
kagid_pid=""
cleanup() {
	[ -n "$kagid_pid" ] && kill "$kagid_pid" 2>/dev/null && wait "$kagid_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
chmod 700 "$tmp"
sock=$tmp/kagid.sock
mod=$b/pam_module/.libs/pam_kagi.so
matrix=$(ls /usr/lib/*/pam_wrapper/pam_matrix.so 2>/dev/null | head -n 1)
[ -n "$matrix" ] || { echo "pam_matrix.so not found (libpam-wrapper)" >&2; exit 1; }

cat > "$tmp/kagid.conf" <<CONF
socket = $sock
state_dir = $tmp/state
user =
lockout_failures = 3
lockout_duration = 15m
CONF
mkdir -p "$tmp/pam.d"
echo "alice:correct-horse:login" > "$tmp/passdb"
cat > "$tmp/pam.d/login" <<PAM
auth     required $matrix passdb=$tmp/passdb
auth     required $mod socket=$sock zone=mynumber
account  required $mod socket=$sock zone=mynumber
PAM

kagictl() { "$b/tokend/ctl/kagictl" --socket "$sock" "$@"; }
login() {
	# login PASSWORD CODE [auth|both]: a real PAM log-in through the stack
	"$b/tests/pamdrv" -c "$tmp/pam.d" -s login -u alice -t tty1 \
	    -o "${3:-both}" "$1" "$2" 2>&1 | sed 's/^/    /'
}
code() { "$b/tests/totpgen" "$secret" ${1:+-o "$1"}; }

echo "== starting kagid (SQLite store in $tmp/state)"
"$b/tokend/kagid/kagid" -f -c "$tmp/kagid.conf" 2>"$tmp/kagid.log" &
kagid_pid=$!
i=0
while [ ! -S "$sock" ]; do
	i=$((i + 1))
	[ $i -gt 50 ] && { cat "$tmp/kagid.log"; exit 1; }
	sleep 0.1
done

echo "== administrator: kagictl user add alice"
kagictl user add alice
echo "== administrator: kagictl token add-totp alice (the user scans the QR code)"
out=$(kagictl token add-totp alice --pending --ascii)
echo "$out" | sed 's/^/    /'
secret=$(echo "$out" | sed -n 's/.*secret=\([A-Z2-7]*\).*/\1/p')
id=$(echo "$out" | sed -n 's/^token: \([0-9]*\).*/\1/p')
echo "== the user types the code from the app to activate the token"
code | kagictl token confirm alice "$id"

echo
echo "== 1. password and the right code: accepted"
sleep_to_next_step() {
	# a fresh time step, so this log-in does not reuse the confirming code
	now=$(date +%s); sleep $((30 - now % 30 + 1))
}
c=$(code 1)
login correct-horse "$c"
echo "== 2. password and a wrong code: refused"
login correct-horse 000000 auth
echo "== 3. the same right code a second time: refused (replay)"
login correct-horse "$c" auth
echo "== 4. a third failure locks the account (lockout_failures = 3);"
echo "      then even the right code is refused, without being checked"
login correct-horse 111111 auth
kagictl user show alice | sed 's/^/    /'
login correct-horse "$(code 0)"
echo "== 5. administrator: kagictl unlock alice; a new code is accepted"
kagictl unlock alice
sleep_to_next_step
login correct-horse "$(code 1)"
echo
echo "== the audit chain kagid kept"
kagictl status | sed 's/^/    /'
echo "demo finished: kagid's log is below"
sed 's/^/    /' "$tmp/kagid.log" | tail -n 25
