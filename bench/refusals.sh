#!/bin/sh
# refusals.sh - how long kagi takes to refuse a log-in, by kind of refusal:
# an unknown user, a known user with no token, an enrolled user with a
# wrong code (issue 13, item 6: they must not be told apart by timing).
#
#   bench/refusals.sh [-n N] [-r RHOST] [-m] [BUILD]
#
# BUILD is a configured and built tree (default $KAGI_BENCH_BUILD, else
# build/bench, else build/test).  N (default 300) users of each kind are
# made: enrolled ones with bench/mkusers (u0000000...), unenrolled ones
# with kagictl user add (plain0000...), unknown names are never made
# (nosuch0000...).  Then bench/refusals logs each in once through the
# real module (pam_start_confdir, "auth required pam_kagi.so") with a
# wrong code, the kinds taking turns, and prints each kind's median.
# Every user is tried once, so no delay and no lock comes into it.
# -m keeps the store in memory (/dev/shm): without the disk's fsync, whose
# time varies more than the differences looked for, what is left is the
# work each kind of refusal does.
# A measurement, not a test: nothing is asserted.  Run as root or as
# kagid's user; writes only one temporary directory.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
n=300
rhost=
base=/tmp
while getopts mn:r: opt; do
	case $opt in
	n) n=$OPTARG ;;
	r) rhost=$OPTARG ;;
	m) base=/dev/shm ;;
	*) echo "usage: bench/refusals.sh [-n N] [-r RHOST] [-m] [BUILD]" >&2
	   exit 2 ;;
	esac
done
shift $((OPTIND - 1))
b=${1:-${KAGI_BENCH_BUILD:-}}
if [ -z "$b" ]; then
	for d in "$top/build/bench" "$top/build/test" "$top/build/dev"; do
		[ -x "$d/tokend/kagid/kagid" ] && { b=$d; break; }
	done
fi
[ -n "$b" ] && [ -x "$b/tokend/kagid/kagid" ] || {
	echo "refusals.sh: no built tree (give BUILD)" >&2
	exit 1
}
b=$(cd "$b" && pwd)

tmp=$(mktemp -d "$base/kagi-refusals.XXXXXX")
chmod 700 "$tmp"
kpid=
cleanup() {
	[ -n "$kpid" ] && kill "$kpid" 2>/dev/null && wait "$kpid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

CC=${CC:-cc}
JSONC_CFLAGS=$(pkg-config --cflags json-c 2>/dev/null || true)
$CC -std=c11 -O2 -Wall -Wextra -Werror -o "$tmp/refusals" \
    "$top/bench/refusals.c" -lpam
MK=$b/bench/mkusers
if [ ! -x "$MK" ]; then
	mkdir -p "$b/bench"
	# shellcheck disable=SC2086
	$CC -std=c11 -O2 -Wall -Wextra -Werror -I"$top/lib" \
	    -I"$top/tokend/store" -I"$top/tokend/core" $JSONC_CFLAGS \
	    -c -o "$tmp/mkusers.o" "$top/bench/mkusers.c"
	(cd "$b" && ./libtool --mode=link --quiet $CC -o "$tmp/mkusers" \
	    "$tmp/mkusers.o" tokend/libkagid.la lib/libkagi.la -lcrypto)
	MK=$tmp/mkusers
fi

mkdir -p "$tmp/state" "$tmp/pam.d"
chmod 700 "$tmp/state"
"$MK" kagi "$tmp/state" "$n" >/dev/null
cat >"$tmp/kagid.conf" <<EOF
socket = $tmp/kagid.sock
state_dir = $tmp/state
user = $(id -un)
EOF
chmod 600 "$tmp/kagid.conf"
: >"$tmp/pam.d/other"
echo "auth required $b/pam_module/.libs/pam_kagi.so socket=$tmp/kagid.sock" \
    "timeout=10" >"$tmp/pam.d/kagi"
"$b/tokend/kagid/kagid" -f -c "$tmp/kagid.conf" 2>"$tmp/kagid.log" &
kpid=$!
i=0
while [ ! -S "$tmp/kagid.sock" ]; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 "$kpid" 2>/dev/null; then
		tail -n 5 "$tmp/kagid.log" >&2
		exit 1
	fi
	sleep 0.1
done
i=0
while [ $i -lt "$n" ]; do
	"$b/tokend/ctl/kagictl" --socket "$tmp/kagid.sock" user add \
	    "$(printf 'plain%04d' "$i")" >/dev/null
	i=$((i + 1))
done
echo "== refusals: $n of each kind through pam_kagi ($(git -C "$top" \
    rev-parse --short HEAD 2>/dev/null || echo '?'))${rhost:+, from $rhost}, store in $base"
"$tmp/refusals" -c "$tmp/pam.d" -s kagi -n "$n" ${rhost:+-r "$rhost"} \
    unknown=nosuch%04d unenrolled=plain%04d enrolled=u%07d
