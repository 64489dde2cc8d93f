#!/bin/sh
# run.sh - kagi against the modules it replaces, side by side, one command.
#
#   bench/run.sh [--quick] [--out FILE]
#
# Builds kagi into build/bench (as scripts/demo.sh does) and the benchmark
# tools beside it, installs the peers from Debian when missing (as root),
# writes the same N users for every system (bench/mkusers), then runs one
# PAM driver (bench/pambench) against pam_permit, pam_oath,
# pam_google_authenticator (DISALLOW_REUSE) and pam_kagi, for N = 1,
# 10,000 and 100,000 users (and 1,000,000 for kagi), with 1, 2, 4 and 8
# client processes; then the correctness runs (8 clients racing with one
# code, 8 clients with different users, 8 clients sending wrong codes).
# Prints a table and writes bench/results.json (or --out FILE).
#
# Fairness, the same for every system (bench/README.md says more):
#  - one wall clock for the driver and kagid, moved by the driver
#    (bench/fakeclock.so, LD_PRELOAD): with one client the clock moves 30 s
#    before every log-in; with several it moves once per run and each user
#    logs in at most once per run;
#  - each PAM stack is the one module ("auth required MODULE");
#  - as root, the run happens in a private mount namespace whose /dev/log
#    is a socket that discards what it gets (bench/logsink), so a module
#    that logs every log-in pays what a syslog daemon costs, not the serial
#    console glibc falls back to with LOG_CONS; the host's /dev is never
#    changed.  kagid logs to a file (-f, stderr).
#
# Nothing outside build/bench and one temporary directory is written.
# --quick: tiny N and short runs, a smoke run of well under 30 s once built.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
quick=0
out=$top/bench/results.json
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1 ;;
	--out) shift; out=$1 ;;
	*) echo "usage: bench/run.sh [--quick] [--out FILE]" >&2; exit 2 ;;
	esac
	shift
done
case $out in /*) ;; *) out=$(pwd)/$out ;; esac

# A private /dev/log: re-run inside a mount namespace of our own.
if [ -z "${KAGI_BENCH_NS:-}" ] && [ "$(id -u)" = 0 ] && [ ! -e /dev/log ] &&
    command -v unshare >/dev/null 2>&1 &&
    unshare --mount --propagation private true 2>/dev/null; then
	KAGI_BENCH_NS=1 exec unshare --mount --propagation private \
	    /bin/sh "$0" $( [ $quick = 1 ] && echo --quick ) --out "$out"
fi

t_start=$(date +%s)
cd "$top"

# --- build ------------------------------------------------------------------
sh scripts/deps.sh build
if [ "$(id -u)" = 0 ]; then
	missing=""
	for p in libpam-oath libpam-google-authenticator liboath-dev; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		    grep -q 'install ok installed' || missing="$missing $p"
	done
	if [ -n "$missing" ]; then
		echo "== installing the peers:$missing"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		# shellcheck disable=SC2086
		apt-get install -y -qq --no-install-recommends $missing >/dev/null
	fi
fi
moddir=""
for d in /lib/x86_64-linux-gnu/security /usr/lib/x86_64-linux-gnu/security \
    /lib/security /usr/lib/security /lib64/security; do
	[ -f "$d/pam_permit.so" ] && { moddir=$d; break; }
done
for m in pam_permit pam_oath pam_google_authenticator; do
	[ -n "$moddir" ] && [ -f "$moddir/$m.so" ] || {
		echo "run.sh: $m.so not found: as root, run.sh installs" \
		    "libpam-oath and libpam-google-authenticator" >&2
		exit 1
	}
done

[ -x configure ] && [ configure -nt configure.ac ] && [ Makefile.in -nt Makefile.am ] ||
	autoreconf -fi >/dev/null 2>&1
b=${KAGI_BENCH_BUILD:-$top/build/bench}
mkdir -p "$b/bench"
echo "== building kagi in $b"
(
	cd "$b"
	[ -f Makefile ] || "$top/configure" -q --prefix="$b/inst" \
	    --with-pammoddir="$b/inst/lib/security" >/dev/null
	make -s -j2 >/dev/null
	make -s -j2 tests/totpgen >/dev/null
	CC=${CC:-cc}
	W="-std=c11 -O2 -Wall -Wextra -Werror"
	$CC $W -fPIC -shared -o bench/fakeclock.so "$top/bench/fakeclock.c" -ldl
	$CC $W -o bench/logsink "$top/bench/logsink.c"
	$CC $W -o bench/pambench "$top/bench/pambench.c" -lpam -loath -lpthread
	$CC $W -I"$top/lib" -I"$top/tokend" -c -o bench/mkusers.o \
	    "$top/bench/mkusers.c"
	./libtool --mode=link --quiet $CC -o bench/mkusers bench/mkusers.o \
	    tokend/libkagid.la lib/libkagi.la
)
KAGID=$b/tokend/kagid
KAGICTL=$b/tokend/kagictl
MODULE=$b/pam_module/.libs/pam_kagi.so
FC=$b/bench/fakeclock.so
PB=$b/bench/pambench
MK=$b/bench/mkusers

# --- the run's directory, clock and syslog ------------------------------------
tmp=$(mktemp -d /tmp/kagi-bench.XXXXXX)
chmod 700 "$tmp"
kagid_pid=""
sink_pid=""
devlog=none
cleanup() {
	if [ -n "$kagid_pid" ]; then
		kill "$kagid_pid" 2>/dev/null || true
		wait "$kagid_pid" 2>/dev/null || true
	fi
	if [ -n "$sink_pid" ]; then
		kill "$sink_pid" 2>/dev/null || true
		wait "$sink_pid" 2>/dev/null || true
	fi
	if [ "$devlog" = sink ]; then
		umount -l /dev 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -e /dev/log ]; then
	devlog=host
elif [ -n "${KAGI_BENCH_NS:-}" ]; then
	mkdir -p "$tmp/dev.up" "$tmp/dev.work"
	if mount -t overlay overlay -o \
	    "lowerdir=/dev,upperdir=$tmp/dev.up,workdir=$tmp/dev.work" /dev; then
		"$b/bench/logsink" /dev/log "$tmp/logsink.count" &
		sink_pid=$!
		i=0
		while [ ! -S /dev/log ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
		devlog=sink
	fi
fi
case $devlog in
host) echo "== /dev/log: the host's syslog daemon" ;;
sink) echo "== /dev/log: a discarding socket in a private mount namespace" ;;
none) echo "== /dev/log: none (modules opened with LOG_CONS write to the console)" ;;
esac

clock=$tmp/clock
"$PB" -k "$clock" -m clock
runs=$tmp/runs.jsonl
: >"$runs"
log=$tmp/pambench.log

if [ $quick = 1 ]; then
	NS="1 1000"
	KAGI_ONLY_N=3000
	KS="1 2 4 8"
	ITER=200; SECS=0.3; WARM=5
	ROUNDS=30; WRONG=3
else
	NS="1 10000 100000"
	KAGI_ONLY_N=1000000
	KS="1 2 4 8"
	ITER=5000; SECS=2; WARM=20
	ROUNDS=1000; WRONG=12
fi
SYSTEMS="permit oath ga kagi"

# --- data sets ----------------------------------------------------------------

# make_set DIR N SYSTEMS: users, kagid.conf and one PAM stack per system.
make_set() {
	_d=$1 _n=$2
	mkdir -p "$_d/pam.d"
	for _s in $3; do
		case $_s in
		permit)
			echo "auth required pam_permit.so" >"$_d/pam.d/permit" ;;
		oath)
			"$MK" oath "$_d/oath.users" "$_n"
			echo "auth required pam_oath.so usersfile=$_d/oath.users" \
			    "window=1 digits=6" >"$_d/pam.d/oath" ;;
		ga)
			"$MK" ga "$_d/ga" "$_n"
			echo "auth required pam_google_authenticator.so" \
			    "secret=$_d/ga/\${USER} user=$(id -un)" >"$_d/pam.d/ga" ;;
		kagi)
			"$MK" kagi "$_d/kagi" "$_n"
			cat >"$_d/kagid.conf" <<CONF
socket = $_d/kagid.sock
state_dir = $_d/kagi
user =
max_clients = 256
lockout_failures = 100
lockout_interval = 1s
CONF
			chmod 600 "$_d/kagid.conf"
			echo "auth required $MODULE socket=$_d/kagid.sock timeout=10" \
			    >"$_d/pam.d/kagi" ;;
		esac
	done
}

start_kagid() {
	rm -f "$1/kagid.sock"
	LD_PRELOAD=$FC KAGI_BENCH_CLOCK=$clock "$KAGID" -f -c "$1/kagid.conf" \
	    2>>"$1/kagid.log" &
	kagid_pid=$!
	_i=0
	while [ ! -S "$1/kagid.sock" ]; do
		_i=$((_i + 1))
		if [ $_i -gt 100 ] || ! kill -0 "$kagid_pid" 2>/dev/null; then
			tail -n 20 "$1/kagid.log" >&2
			exit 1
		fi
		sleep 0.1
	done
}

# stop_kagid N: record kagid's peak and current memory, then stop it.
stop_kagid() {
	_hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$kagid_pid/status")
	_rss=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$kagid_pid/status")
	printf '{"system":"kagid","mode":"memory","users":%s,"vmhwm_kb":%s,"vmrss_kb":%s}\n' \
	    "$1" "$_hwm" "$_rss" >>"$runs"
	kill "$kagid_pid"
	wait "$kagid_pid" 2>/dev/null || true
	kagid_pid=""
}

# pb DIR SYSTEM N [pambench options]: one run, its JSON line to $runs.
pb() {
	_d=$1 _s=$2 _n=$3
	shift 3
	LD_PRELOAD=$FC KAGI_BENCH_CLOCK=$clock "$PB" -k "$clock" -c "$_d/pam.d" \
	    -s "$_s" -S "$_s" -n "$_n" -j "$runs" "$@" 2>>"$log" || {
		tail -n 5 "$log" >&2
		return 1
	}
	tail -n 1 "$log" | sed 's/^pambench: /   /'
}

# --- latency and throughput ------------------------------------------------------

for n in $NS $KAGI_ONLY_N; do
	d=$tmp/n$n
	systems=$SYSTEMS
	[ "$n" = "$KAGI_ONLY_N" ] && systems=kagi
	t0=$(date +%s)
	make_set "$d" "$n" "$systems"
	echo "== N = $n: users written in $(( $(date +%s) - t0 )) s"
	case " $systems " in *" kagi "*) start_kagid "$d" ;; esac
	if [ "$n" = 1 ]; then
		# Once: a user enrolled the real way logs in through the driver.
		out1=$("$KAGICTL" --socket "$d/kagid.sock" user add benchctl >/dev/null &&
		    "$KAGICTL" --socket "$d/kagid.sock" token add-totp benchctl \
		    --pending --no-qr)
		tid=$(printf '%s\n' "$out1" | sed -n 's/^token: *//p' | head -n 1)
		sec=$(printf '%s\n' "$out1" |
		    sed -n 's/.*[?&]secret=\([A-Za-z2-7]*\).*/\1/p' | head -n 1)
		LD_PRELOAD=$FC KAGI_BENCH_CLOCK=$clock "$b/tests/totpgen" -o -1 "$sec" |
		    "$KAGICTL" --socket "$d/kagid.sock" token confirm benchctl "$tid" >/dev/null
		LD_PRELOAD=$FC KAGI_BENCH_CLOCK=$clock "$PB" -k "$clock" \
		    -c "$d/pam.d" -s kagi -S kagi-kagictl-user -n 1 -U benchctl \
		    -x "$sec" -i 5 -w 0 -j "$tmp/enrolled.json" 2>>"$log"
		grep -q '"ok":5,' "$tmp/enrolled.json" || {
			echo "run.sh: a user enrolled with kagictl cannot log in" >&2
			exit 1
		}
		echo "   kagictl-enrolled user: 5 of 5 log-ins accepted"
	fi
	for k in $KS; do
		if [ "$k" -gt 1 ] && [ "$n" -lt $((k * (WARM + 50))) ]; then
			continue	# each user logs in once per run: too few
		fi
		for s in $systems; do
			pb "$d" "$s" "$n" -m bench -P "$k" -i "$ITER" -d "$SECS" \
			    -w "$WARM"
		done
	done
	case " $systems " in *" kagi "*) stop_kagid "$n" ;; esac
	# The big sets are not needed again.
	[ "$n" -ge 100000 ] && rm -rf "$d"
done

# --- correctness under load -----------------------------------------------------
c=$tmp/corr
make_set "$c" 16 "oath ga kagi"
start_kagid "$c"
echo "== correctness: 8 clients, $ROUNDS rounds"
for s in oath ga kagi; do
	pb "$c" "$s" 16 -m race -P 8 -r "$ROUNDS" -u 0
	pb "$c" "$s" 16 -m users -P 8 -r "$ROUNDS" -u 0
	before=""
	case $s in
	oath) before=$(cksum <"$c/oath.users") ;;
	ga) before=$(cksum <"$c/ga/u0000010") ;;
	esac
	pb "$c" "$s" 16 -m wrong -P 8 -a "$WRONG" -u 10
	attempts=$(tail -n 1 "$runs" | sed -n 's/.*"attempts":\([0-9]*\).*/\1/p')
	case $s in
	kagi)
		lockf=$("$KAGICTL" --socket "$c/kagid.sock" --json user show u0000010 |
		    tr -d ' \n' | sed -n 's/.*"lock":{"failures":\([0-9]*\).*/\1/p')
		rec="\"recorded\":${lockf:-null},\"how\":\"kagictl --json user show: lock.failures\""
		;;
	oath)
		after=$(cksum <"$c/oath.users")
		chg=false; [ "$before" != "$after" ] && chg=true
		rec="\"recorded\":null,\"how\":\"not recorded: the usersfile has no failure count (file changed: $chg)\""
		;;
	ga)
		after=$(cksum <"$c/ga/u0000010")
		chg=false; [ "$before" != "$after" ] && chg=true
		rec="\"recorded\":null,\"how\":\"not recorded: no failure count without RATE_LIMIT (file changed: $chg)\""
		;;
	esac
	printf '{"system":"%s","mode":"wrong_recorded","users":16,"clients":8,"attempts":%s,%s}\n' \
	    "$s" "${attempts:-0}" "$rec" >>"$runs"
	echo "   $s wrong codes: $attempts attempts, recorded: $(tail -n 1 "$runs" | sed -n 's/.*"recorded":\([^,]*\),.*/\1/p')"
done
stop_kagid 16

if [ -n "$sink_pid" ]; then
	kill "$sink_pid"
	wait "$sink_pid" 2>/dev/null || true
	sink_pid=""
	printf '{"system":"all","mode":"syslog","datagrams":%s}\n' \
	    "$(cat "$tmp/logsink.count" 2>/dev/null || echo null)" >>"$runs"
fi

# --- table, targets, JSON -----------------------------------------------------------
elapsed=$(( $(date +%s) - t_start ))
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
awk -v quick=$quick -v elapsed=$elapsed -v devlog=$devlog -v out="$out" \
    -v cpu="$cpu" -v ncpu="$(nproc)" -f "$top/bench/report.awk" "$runs"
echo "== $elapsed s in all; results in $out"
