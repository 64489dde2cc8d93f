#!/bin/sh
# run.sh - kagi against the modules it replaces, side by side, one command.
#
#   bench/run.sh [--quick] [--pg-only] [--gateway] [--out FILE]
#
# Builds kagi into build/bench (as scripts/demo.sh does) and the benchmark
# tools beside it, installs the peers from Debian when missing (as root),
# writes the same N users for every system (bench/mkusers), then runs one
# PAM driver (bench/pambench) against pam_permit, pam_oath,
# pam_google_authenticator (DISALLOW_REUSE) and pam_kagi, for N = 1,
# 10,000 and 100,000 users (and 1,000,000 for kagi), with 1, 2, 4 and 8
# client processes; then the correctness runs (8 clients racing with one
# code, 8 clients with different users, 8 clients sending wrong codes);
# then FIDO2: assertions verified per second by kagid with 1-8 clients
# (bench/fido2load, N = 10,000 users with one ES256 key each) against
# libfido2's fido_assert_verify() alone in a loop; then the time of a
# refusal by kind (bench/refusals.sh: unknown, unenrolled, enrolled);
# then kagid on PostgreSQL (issue 14): a PostgreSQL 15 of the run's own,
# one core and two cores on one database beside kagid on SQLite, 8 and 64
# clients (bench/kagiload), and the correctness runs over two cores
# (--pg-only: that section alone); then the SSH gateway (bench/gateway.sh:
# kagi-authkeys spawned as sshd spawns it, and whole ssh log-ins to sshd
# alone and to the shipped kagi gateway; --gateway: that section alone).
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
# --gateway: only the SSH gateway's section (bench/gateway.sh), its table
# and its targets, in a few minutes.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
quick=0
pgonly=0
gwonly=0
out=$top/bench/results.json
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1 ;;
	--pg-only) pgonly=1 ;;
	--gateway) gwonly=1 ;;
	--out) shift; out=$1 ;;
	*) echo "usage: bench/run.sh [--quick] [--pg-only] [--gateway] [--out FILE]" >&2
	   exit 2 ;;
	esac
	shift
done
# --gateway alone leaves the full run's results.json as it is.
[ $gwonly = 1 ] && [ "$out" = "$top/bench/results.json" ] &&
    out=$top/bench/results-gateway.json
case $out in /*) ;; *) out=$(pwd)/$out ;; esac

# A private /dev/log: re-run inside a mount namespace of our own.
if [ -z "${KAGI_BENCH_NS:-}" ] && [ "$(id -u)" = 0 ] && [ ! -e /dev/log ] &&
    command -v unshare >/dev/null 2>&1 &&
    unshare --mount --propagation private true 2>/dev/null; then
	set -- --out "$out"
	[ $quick = 1 ] && set -- --quick "$@"
	[ $pgonly = 1 ] && set -- --pg-only "$@"
	[ $gwonly = 1 ] && set -- --gateway "$@"
	KAGI_BENCH_NS=1 exec unshare --mount --propagation private \
	    /bin/sh "$0" "$@"
fi

t_start=$(date +%s)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
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

# KAGI_BENCH_BUILD names a build tree its caller built (the test suite,
# whose other tests run meanwhile): it is used as it is, never rebuilt.
if [ -z "${KAGI_BENCH_BUILD:-}" ]; then
	[ -x configure ] && [ configure -nt configure.ac ] &&
	    [ Makefile.in -nt Makefile.am ] || autoreconf -fi >/dev/null 2>&1
fi
b=${KAGI_BENCH_BUILD:-$top/build/bench}
mkdir -p "$b/bench"
echo "== building kagi in $b"
(
	cd "$b"
	[ -f Makefile ] || "$top/configure" -q --prefix="$b/inst" \
	    --with-pammoddir="$b/inst/lib/security" >/dev/null
	if [ -z "${KAGI_BENCH_BUILD:-}" ]; then
		make -s -j2 >/dev/null
		make -s -j2 tests/totpgen tests/fakekagid \
		    tests/sshsk/libsshsk.la >/dev/null
	fi
	JSONC_CFLAGS=$(pkg-config --cflags json-c 2>/dev/null || true)
	CC=${CC:-cc}
	W="-std=c11 -O2 -Wall -Wextra -Werror"
	# shellcheck disable=SC2086 # $CC and $W are word lists
	$CC $W -fPIC -shared -o bench/fakeclock.so "$top/bench/fakeclock.c" -ldl
	$CC $W -o bench/logsink "$top/bench/logsink.c"
	$CC $W -o bench/spawntime "$top/bench/spawntime.c"
	$CC $W -o bench/pambench "$top/bench/pambench.c" -lpam -loath -lpthread
	$CC $W -I"$top/lib" -I"$top/tokend/store" -I"$top/tokend/core" -c -o bench/mkusers.o \
	    "$top/bench/mkusers.c"
	./libtool --mode=link --quiet $CC -o bench/mkusers bench/mkusers.o \
	    tokend/libkagid.la lib/libkagi.la -lcrypto
	$CC $W -I"$top/lib" -I"$top/tokend/store" -I"$top/tokend/core" $JSONC_CFLAGS -c \
	    -o bench/kagiload.o "$top/bench/kagiload.c"
	./libtool --mode=link --quiet $CC -o bench/kagiload bench/kagiload.o \
	    lib/libkagi.la -loath -lpthread
	# shellcheck disable=SC2046,SC2086 # word lists
	$CC $W -I"$top/lib" -I"$top/tokend/store" -I"$top/tokend/core" $JSONC_CFLAGS \
	    $(pkg-config --cflags libfido2) -c -o bench/fido2load.o \
	    "$top/bench/fido2load.c"
	# shellcheck disable=SC2046,SC2086 # word lists
	./libtool --mode=link --quiet $CC -o bench/fido2load bench/fido2load.o \
	    lib/libkagi.la $(pkg-config --libs libfido2 libcrypto) -lpthread
	# For "where kagi's time goes" only, never installed: the module's
	# own object relinked with json-c's static archive, so that a log-in
	# loads one shared object instead of two.
	rm -f bench/pam_kagi_staticjsonc.so
	jsonc_a=$(pkg-config --variable=libdir json-c 2>/dev/null)/libjson-c.a
	if [ -f "$jsonc_a" ] && [ -f pam_module/.libs/pam_kagi_la-pam_kagi.o ]; then
		# shellcheck disable=SC2046
		$CC -shared -fPIC -o bench/pam_kagi_staticjsonc.so \
		    pam_module/.libs/pam_kagi_la-*.o \
		    lib/.libs/pam_module_pam_kagi_la-*.o lib/.libs/libkagi.a \
		    "$jsonc_a" -Wl,--as-needed -lpam \
		    $(pkg-config --libs libfido2 libcrypto 2>/dev/null) \
		    -Wl,-z,relro,-z,now,-z,defs -Wl,--exclude-libs,ALL ||
		    rm -f bench/pam_kagi_staticjsonc.so
	fi
)
KAGID=$b/tokend/kagid/kagid
KAGICTL=$b/tokend/ctl/kagictl
MODULE=$b/pam_module/.libs/pam_kagi.so
FC=$b/bench/fakeclock.so
PB=$b/bench/pambench
MK=$b/bench/mkusers

# --- the run's directory, clock and syslog ------------------------------------
tmp=$(mktemp -d /tmp/kagi-bench.XXXXXX)
chmod 700 "$tmp"
kagid_pid=""
kagid2_pid=""
pg_kpids=""
pgdir=""
fake_pid=""
sink_pid=""
ram=""
devlog=none
cleanup() {
	for _p in $kagid_pid $kagid2_pid $pg_kpids $fake_pid $sink_pid; do
		kill "$_p" 2>/dev/null || true
		wait "$_p" 2>/dev/null || true
	done
	[ -n "$pgdir" ] && sh "$top/tests/pgserver.sh" stop "$pgdir" \
	    >/dev/null 2>&1
	case $ram in
	"$tmp/ram") umount "$ram" 2>/dev/null || true ;;
	/dev/shm/*) rm -rf "$ram" ;;
	esac
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
# What one durable write costs here, now (and again at the end).
"$PB" -m fsync -c "$tmp" -i 2000 -S disk-start >"$tmp/fsync.json"
runs=$tmp/runs.jsonl
cat "$tmp/fsync.json" >"$runs"
log=$tmp/pambench.log

if [ $quick = 1 ]; then
	NS="1 1000"
	KAGI_ONLY_N=3000
	KS="1 2 4 8"
	ITER=100; SECS=0.2; WARM=5; REPS=1
	ROUNDS=20; WRONG=3
	FIDO2_N=1000
else
	NS="1 10000 100000"
	KAGI_ONLY_N=1000000
	KS="1 2 4 8"
	ITER=5000; SECS=1; WARM=20; REPS=5
	ROUNDS=1000; WRONG=12
	FIDO2_N=10000
fi
DIAG_N=$(echo "$NS" | awk '{print $NF}')
[ "$DIAG_N" -gt 10000 ] && DIAG_N=10000
SYSTEMS="permit oath ga kagi"

# --- data sets ----------------------------------------------------------------

# make_set DIR N SYSTEMS: users, kagid.conf and one PAM stack per system.
make_set() {
	_d=$1 _n=$2
	mkdir -p "$_d/pam.d"
	# An empty default stack, as every system has: without it libpam
	# logs "no default config other" at every pam_start.
	: >"$_d/pam.d/other"
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
		kagi|fido2)	# fido2: each user with one ES256 key instead
			"$MK" "$_s" "$_d/kagi" "$_n"
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

# start_kagid DIR: kagid on DIR's set; its pid in $kagid_pid.
start_kagid() {
	rm -f "$1/kagid.sock"
	LD_PRELOAD=$FC KAGI_BENCH_CLOCK=$clock "$KAGID" -f -c "$1/kagid.conf" \
	    2>>"$1/kagid.log" &
	kagid_pid=$!
	wait_socket "$1/kagid.sock" "$kagid_pid" "$1/kagid.log"
}

wait_socket() {
	_i=0
	while [ ! -S "$1" ]; do
		_i=$((_i + 1))
		if [ $_i -gt 100 ] || ! kill -0 "$2" 2>/dev/null; then
			tail -n 20 "$3" >&2
			exit 1
		fi
		sleep 0.1
	done
}

# CPU time (user + system) of a process so far, in ns: from
# /proc/PID/schedstat when the kernel keeps it, else /proc/PID/stat's
# clock ticks.
cpu_ns_of() {
	_ns=$(cut -d' ' -f1 "/proc/$1/schedstat" 2>/dev/null || echo 0)
	if [ "${_ns:-0}" -gt 0 ]; then
		echo "$_ns"
		return
	fi
	# The command name (field 2) may hold blanks: count after its ')'.
	sed 's/^.*) //' "/proc/$1/stat" | awk -v hz="$(getconf CLK_TCK)" \
	    '{ printf "%.0f\n", ($12 + $13) * 1e9 / hz }'
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

# pb DIR SERVICE N [pambench options]: one run of DIR/pam.d/SERVICE, its
# JSON line to $runs.  LABEL names the run (default SERVICE); when KPID is
# set, that kagid's CPU time per log-in is recorded too; PRELOAD is added
# to LD_PRELOAD.
pb() {
	_d=$1 _s=$2 _n=$3
	shift 3
	_c0=0
	[ -n "${KPID:-}" ] && _c0=$(cpu_ns_of "$KPID")
	LD_PRELOAD="$FC${PRELOAD:+ $PRELOAD}" KAGI_BENCH_CLOCK=$clock "$PB" \
	    -k "$clock" -c "$_d/pam.d" -s "$_s" -S "${LABEL:-$_s}" -n "$_n" \
	    -j "$runs" "$@" 2>>"$log" || {
		tail -n 5 "$log" >&2
		return 1
	}
	if [ -n "${KPID:-}" ]; then
		_c1=$(cpu_ns_of "$KPID")
		_l=$(tail -n 1 "$runs" | sed -n 's/.*"logins":\([0-9]*\).*/\1/p')
		_k=$(tail -n 1 "$runs" | sed -n 's/.*"clients":\([0-9]*\).*/\1/p')
		_m=$(tail -n 1 "$runs" | sed -n 's/.*"mode":"\([a-z]*\)".*/\1/p')
		awk -v c=$((_c1 - _c0)) -v l="${_l:-0}" -v n="$_n" -v k="$_k" \
		    -v s="${LABEL:-$_s}" -v m="$_m" 'BEGIN {
			per = 0
			if (l > 0)
				per = c / 1000 / l
			printf("{\"system\":\"%s\",\"mode\":\"kagid_cpu\",\"of\":\"%s\",\"users\":%d,\"clients\":%d,\"kagid_cpu_us_per_login\":%.1f}\n",
			    s, m, n, k, per) }' >>"$runs"
	fi
	tail -n 1 "$log" | sed 's/^pambench: /   /'
}

# --- the SSH gateway (issue 16): kagi-authkeys and whole ssh log-ins -----------------
# bench/gateway.sh: kagi-authkeys spawned as sshd spawns it against /bin/true
# spawned the same way, and real ssh log-ins to sshd alone and to the
# shipped kagi gateway, in turns; its records go into $runs.
gateway_section() {
	if [ $quick = 1 ]; then
		GW="-n 20 -l 3 -r 1"
	else
		GW="-n 200 -l 20 -r 5"
	fi
	# shellcheck disable=SC2086 # $GW is a word list
	sh "$top/bench/gateway.sh" $GW -j "$runs" "$b"
}

# --- table, targets, JSON -----------------------------------------------------------
report() {
	elapsed=$(( $(date +%s) - t_start ))
	cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
	awk -v quick=$quick -v gwonly=$gwonly -v elapsed=$elapsed \
	    -v devlog=$devlog -v out="$out" -v cpu="$cpu" -v ncpu="$(nproc)" \
	    -v load_start="$load_start" \
	    -v load_end="$(cut -d' ' -f1-3 /proc/loadavg)" \
	    -f "$top/bench/report.awk" "$runs"
	echo "== $elapsed s in all; results in $out"
}

if [ $gwonly = 1 ]; then
	gateway_section
	report
	exit 0
fi

# --- latency and throughput ------------------------------------------------------
# (--pg-only skips to the PostgreSQL section; the sections between are not
# indented for it, to keep them as they were.)
if [ $pgonly = 0 ]; then

for n in $NS $KAGI_ONLY_N; do
	d=$tmp/n$n
	systems=$SYSTEMS
	[ "$n" = "$KAGI_ONLY_N" ] && systems=kagi
	t0=$(date +%s)
	make_set "$d" "$n" "$systems"
	sync	# no writeback of the new files during the runs
	echo "== N = $n: users written in $(( $(date +%s) - t0 )) s"
	case " $systems " in *" kagi "*) start_kagid "$d" ;; esac
	if [ "$n" = "$KAGI_ONLY_N" ]; then
		# Flatness is judged at the same moments: kagi with 1 user
		# again, interleaved with kagi with the most users.
		LD_PRELOAD=$FC KAGI_BENCH_CLOCK=$clock "$KAGID" -f \
		    -c "$tmp/n1/kagid.conf" 2>>"$tmp/n1/kagid.log" &
		kagid2_pid=$!
		wait_socket "$tmp/n1/kagid.sock" "$kagid2_pid" "$tmp/n1/kagid.log"
	fi
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
		r=0
		while [ $r -lt $REPS ]; do	# interleaved: the same moments
			r=$((r + 1))
			for s in $systems; do
				KPID=
				[ $s = kagi ] && KPID=$kagid_pid
				KPID=$KPID pb "$d" "$s" "$n" -m bench -P "$k" \
				    -i "$ITER" -d "$SECS" -w "$WARM"
			done
			if [ -n "$kagid2_pid" ] && [ "$k" = 1 ]; then
				KPID=$kagid2_pid LABEL=kagi-flat pb "$tmp/n1" kagi 1 \
				    -m bench -P 1 -i "$ITER" -d "$SECS" -w "$WARM"
			fi
		done
	done
	if [ -n "$kagid2_pid" ]; then
		kill "$kagid2_pid"
		wait "$kagid2_pid" 2>/dev/null || true
		kagid2_pid=""
	fi
	case " $systems " in *" kagi "*) stop_kagid "$n" ;; esac
	# The big sets are not needed again.
	[ "$n" -ge 100000 ] && rm -rf "$d"
	true
done

# --- correctness under load -----------------------------------------------------
c=$tmp/corr
make_set "$c" 16 "oath ga kagi"
start_kagid "$c"
echo "== correctness: 8 clients, $ROUNDS rounds"
for s in oath ga kagi; do
	KPID=
	[ $s = kagi ] && KPID=$kagid_pid
	KPID=$KPID pb "$c" "$s" 16 -m race -P 8 -r "$ROUNDS" -u 0
	KPID=$KPID pb "$c" "$s" 16 -m users -P 8 -r "$ROUNDS" -u 0
	before=""
	case $s in
	oath) before=$(cksum <"$c/oath.users") ;;
	ga) before=$(cksum <"$c/ga/u0000010") ;;
	esac
	pb "$c" "$s" 16 -m wrong -P 8 -a "$WRONG" -u 10
	attempts=$(grep '"mode":"wrong"' "$runs" | tail -n 1 |
	    sed -n 's/.*"attempts":\([0-9]*\).*/\1/p')
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

# --- where kagi's time goes ------------------------------------------------------
# The same N, the same moment; each variant takes one cost away:
#   kagi-ref        as shipped (the reference)
#   kagi-jsonc      libjson-c kept loaded in the client (LD_PRELOAD): what
#                   loading and unloading it at every pam_start/pam_end costs
#   kagi-deps       every shared object the module depends on (json-c,
#                   and since FIDO2 libfido2, libcrypto, libcbor, libudev,
#                   libz) kept loaded in the client
#   kagi-staticjsonc  the module relinked with json-c's static archive (one
#                   shared object to load instead of two): that cost, removed
#                   the way the product could remove it
#   kagi-fakekagid  pam_kagi against a stand-in daemon that answers every
#                   request at once with no store (tests/fakekagid impostor):
#                   the module, PAM and the round trips
#   kagi-tmpfs      kagid with its store on tmpfs: everything but fsync
d=$tmp/n$DIAG_N
echo "== where kagi's time goes (N = $DIAG_N)"
if [ -n "${KAGI_BENCH_NS:-}" ]; then
	mkdir -p "$tmp/ram"
	mount -t tmpfs -o size=512m,mode=0700 tmpfs "$tmp/ram" && ram=$tmp/ram
elif [ -d /dev/shm ] && [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ]; then
	ram=$(mktemp -d /dev/shm/kagi-bench.XXXXXX)
fi
start_kagid "$d"
"$b/tests/fakekagid" "$d/fake.sock" impostor >"$tmp/fake.out" 2>&1 &
fake_pid=$!
wait_socket "$d/fake.sock" "$fake_pid" "$tmp/fake.out"
echo "auth required $MODULE socket=$d/fake.sock timeout=10" >"$d/pam.d/kagi-fakekagid"
SJ=$b/bench/pam_kagi_staticjsonc.so
[ -f "$SJ" ] && echo "auth required $SJ socket=$d/kagid.sock timeout=10" \
    >"$d/pam.d/kagi-staticjsonc"
if [ -n "$ram" ]; then
	"$MK" kagi "$ram/kagi" "$DIAG_N"
	sed "s|^state_dir = .*|state_dir = $ram/kagi|; s|^socket = .*|socket = $ram/kagid.sock|" \
	    "$d/kagid.conf" >"$ram/kagid.conf"
	chmod 600 "$ram/kagid.conf"
	LD_PRELOAD=$FC KAGI_BENCH_CLOCK=$clock "$KAGID" -f -c "$ram/kagid.conf" \
	    2>>"$ram/kagid.log" &
	kagid2_pid=$!
	wait_socket "$ram/kagid.sock" "$kagid2_pid" "$ram/kagid.log"
	echo "auth required $MODULE socket=$ram/kagid.sock timeout=10" >"$d/pam.d/kagi-tmpfs"
fi
jsonc=$(ldd "$MODULE" | sed -n 's/.*libjson-c[^ ]* => \([^ ]*\).*/\1/p')
# Every shared object the module pulls in that a bare PAM client lacks.
deps=$(ldd "$MODULE" | awk '$2 == "=>" && $1 !~ /^(libc|libpam|libaudit|libcap-ng)\./ { printf "%s ", $3 }')
r=0
while [ $r -lt $REPS ]; do
	r=$((r + 1))
	for k in 1 8; do
		KPID=$kagid_pid LABEL=kagi-ref \
		    pb "$d" kagi "$DIAG_N" -P $k -i "$ITER" -d "$SECS" -w "$WARM"
		[ -n "$jsonc" ] && KPID=$kagid_pid LABEL=kagi-jsonc PRELOAD=$jsonc \
		    pb "$d" kagi "$DIAG_N" -P $k -i "$ITER" -d "$SECS" -w "$WARM"
		[ -n "$deps" ] && [ "$deps" != "$jsonc " ] && KPID=$kagid_pid \
		    LABEL=kagi-deps PRELOAD=$deps \
		    pb "$d" kagi "$DIAG_N" -P $k -i "$ITER" -d "$SECS" -w "$WARM"
		[ -f "$SJ" ] && KPID=$kagid_pid \
		    pb "$d" kagi-staticjsonc "$DIAG_N" -P $k -i "$ITER" -d "$SECS" -w "$WARM"
		# No kagid here: KPID= (a shell may keep the last prefix).
		KPID= pb "$d" kagi-fakekagid "$DIAG_N" -P $k -i "$ITER" -d "$SECS" -w "$WARM"
		[ -n "$kagid2_pid" ] && KPID=$kagid2_pid \
		    pb "$d" kagi-tmpfs "$DIAG_N" -P $k -i "$ITER" -d "$SECS" -w "$WARM"
	done
done
# kagid alone, without PAM or the module (bench/kagiload): what each of
# pam_kagi's requests costs the daemon, and what it can serve.
KL=$b/bench/kagiload
for k in 1 8; do
	for m in begin totp both persistent; do
		_c0=$(cpu_ns_of "$kagid_pid")
		"$KL" -k "$clock" -S "$d/kagid.sock" -n "$DIAG_N" -P $k -d "$SECS" \
		    -i "$ITER" -m $m >>"$runs"
		_c1=$(cpu_ns_of "$kagid_pid")
		tail -n 1 "$runs" | awk -v c=$((_c1 - _c0)) -v m=$m -v k=$k '{
			match($0, /"requests":[0-9]+/)
			req = substr($0, RSTART + 11, RLENGTH - 11) + 0
			match($0, /"requests_per_s":[0-9]+/)
			rps = substr($0, RSTART + 17, RLENGTH - 17)
			per = 0
			if (req > 0)
				per = c / 1000 / req
			printf("{\"system\":\"kagid\",\"mode\":\"kagid_alone_cpu\",\"requests_mode\":\"%s\",\"clients\":%d,\"kagid_cpu_us_per_request\":%.1f}\n", m, k, per) > "/dev/stderr"
			printf("   kagid alone, %s, K=%d: %s requests/s, %.0f us of kagid CPU per request\n", m, k, rps, per)
		}' 2>>"$runs"
	done
done
kill "$fake_pid" 2>/dev/null || true
wait "$fake_pid" 2>/dev/null || true
fake_pid=""
if [ -n "$kagid2_pid" ]; then
	kill "$kagid2_pid"
	wait "$kagid2_pid" 2>/dev/null || true
	kagid2_pid=""
fi
stop_kagid "$DIAG_N"

# --- FIDO2 ----------------------------------------------------------------------
# kagid verifying assertions (bench/fido2load: auth_begin, a fresh ES256
# assertion signed by the client, auth_fido2, each on a connection of its
# own) with 1-8 clients, N users with one key each; interleaved with the
# limit: fido_assert_verify() alone in a loop, 1 process (one core) and 2.
f=$tmp/fido2
t0=$(date +%s)
make_set "$f" "$FIDO2_N" fido2
sync
echo "== FIDO2, N = $FIDO2_N: users written in $(( $(date +%s) - t0 )) s"
start_kagid "$f"
F2=$b/bench/fido2load
r=0
while [ $r -lt $REPS ]; do
	r=$((r + 1))
	for k in $KS; do
		_c0=$(cpu_ns_of "$kagid_pid")
		"$F2" -m kagid -k "$clock" -S "$f/kagid.sock" -n "$FIDO2_N" \
		    -P "$k" -d "$SECS" -i "$ITER" >>"$runs"
		_c1=$(cpu_ns_of "$kagid_pid")
		# shellcheck disable=SC2094 # tail has read the file when awk writes
		tail -n 1 "$runs" | awk -v c=$((_c1 - _c0)) -v k="$k" \
		    -v n="$FIDO2_N" '{
			match($0, /"verified":[0-9]+/)
			v = substr($0, RSTART + 11, RLENGTH - 11) + 0
			match($0, /"verified_per_s":[0-9]+/)
			vps = substr($0, RSTART + 17, RLENGTH - 17)
			per = 0
			if (v > 0)
				per = c / 1000 / v
			printf("{\"system\":\"kagid\",\"mode\":\"fido2_kagid_cpu\",\"users\":%d,\"clients\":%d,\"kagid_cpu_us_per_assertion\":%.1f}\n", n, k, per) > "/dev/stderr"
			printf("   FIDO2, K=%d: %s assertions verified/s, %.0f us of kagid CPU each\n", k, vps, per)
		}' 2>>"$runs"
	done
	for p in 1 2; do
		"$F2" -m verify -P $p -d "$SECS" >>"$runs"
		# shellcheck disable=SC2094 # only reads
		tail -n 1 "$runs" | sed -n \
		    's/.*"verified_per_s":\([0-9]*\).*/   fido_assert_verify alone, '"$p"' process(es): \1\/s/p'
	done
done
kill "$kagid_pid"
wait "$kagid_pid" 2>/dev/null || true
kagid_pid=""
rm -rf "$f"

"$PB" -m fsync -c "$tmp" -i 2000 -S disk-end >>"$runs"

if [ -n "$sink_pid" ]; then
	kill "$sink_pid"
	wait "$sink_pid" 2>/dev/null || true
	sink_pid=""
	printf '{"system":"all","mode":"syslog","datagrams":%s}\n' \
	    "$(cat "$tmp/logsink.count" 2>/dev/null || echo null)" >>"$runs"
fi

# --- refusals: the same time whatever is refused (issue 13) ---------------------------
# An unknown user, a user with no token and an enrolled user with a wrong
# code, each tried once, turn about, through the module; store in memory,
# so that fsync's noise does not hide the work (bench/refusals.sh).
RN=300
[ $quick = 1 ] && RN=20
echo "== refusals: $RN of each kind"
sh "$top/bench/refusals.sh" -m -n "$RN" "$b" 2>&1 | sed 's/^/   /'
fi	# --pg-only

# --- PostgreSQL (issue 14) -------------------------------------------------------
# kagid with store = postgresql on a PostgreSQL 15 of the run's own
# (tests/pgserver.sh: initdb and pg_ctl in $tmp/pg, Unix socket only, as
# nobody when root; fsync and synchronous_commit on: a commit is on disk
# before kagid answers), one core and two cores (two kagid on one
# database, the same sealing key), and kagid on SQLite beside them for the
# ratios, all with the same N users (mkusers, KAGI_BENCH_PG).  Each run:
# kagiload "both" (auth_begin + auth_totp on one connection, a log-in as
# pam_kagi makes it, without PAM) with 8 and 64 clients, the three setups
# interleaved, PG_REPS times: granted (durable) log-ins/s, p50 and p99 of
# a granted log-in, CPU per log-in of kagid (every core) and of PostgreSQL
# (the postmaster and every process it started, /proc).  Then the
# correctness runs of the SQLite section through PAM, the 8 clients
# spread over the two cores (pambench -s pg1,pg2).  The cores' kagid.conf
# is the SQLite section's plus failure_delay = 0 (the racing replays and
# the wrong codes would otherwise sleep for minutes).
if [ $quick = 1 ]; then
	PG_N=2000; PG_REPS=1; PG_SECS=0.3
else
	PG_N=10000; PG_REPS=3; PG_SECS=1
fi
PG_KS="8 64"
# The postmaster and its children: their CPU time so far, in ns.
pg_cpu_ns() {
	_pm=$(head -n 1 "$pgdir/data/postmaster.pid" 2>/dev/null)
	_t=0
	for _p in $_pm $(ps -e -o pid=,ppid= | awk -v pm="$_pm" '$2 == pm { print $1 }'); do
		_c=$(cpu_ns_of "$_p" 2>/dev/null || true)	# gone: 0
		_t=$((_t + ${_c:-0}))
	done
	echo "$_t"
}
# pg_core DIR [CONNINFO]: a kagid on DIR (its kagid.conf), PID added to
# pg_kpids and left in $pg_last.
pg_core() {
	mkdir -p "$1/kagi"
	chmod 700 "$1/kagi"
	{
		echo "socket = $1/kagid.sock"
		echo "state_dir = $1/kagi"
		echo "user ="
		echo "max_clients = 256"
		echo "lockout_failures = 100"
		echo "lockout_interval = 1s"
		# The replays of the race and the wrong codes would each
		# wait (failure_delay, default 1 s growing to 8 s per user):
		# minutes of sleep that measure nothing here.
		echo "failure_delay = 0"
		if [ -n "${2:-}" ]; then
			echo "store = postgresql"
			echo "store_conninfo = $2"
			# Each core its own name (two under one are refused).
			echo "core_name = $(basename "$1")"
		fi
	} >"$1/kagid.conf"
	chmod 600 "$1/kagid.conf"
	LD_PRELOAD=$FC KAGI_BENCH_CLOCK=$clock "$KAGID" -f -c "$1/kagid.conf" \
	    2>>"$1/kagid.log" &
	pg_last=$!
	pg_kpids="$pg_kpids $pg_last"
	wait_socket "$1/kagid.sock" "$pg_last" "$1/kagid.log"
}
# pg_run LABEL STORE SOCKETS K PIDS: one kagiload run, its record with
# the CPU of the kagid PIDS and (STORE postgresql) of PostgreSQL.
pg_run() {
	_k0=0
	for _p in $5; do _k0=$((_k0 + $(cpu_ns_of "$_p"))); done
	_g0=0
	[ "$2" = postgresql ] && _g0=$(pg_cpu_ns)
	"$b/bench/kagiload" -k "$clock" -S "$3" -n "$PG_N" -P "$4" \
	    -d "$PG_SECS" -i "$ITER" -m both -L "$1" >"$tmp/pg.line" ||
		return 1
	_k1=0
	for _p in $5; do _k1=$((_k1 + $(cpu_ns_of "$_p"))); done
	_g1=0
	[ "$2" = postgresql ] && _g1=$(pg_cpu_ns)
	awk -v kc=$((_k1 - _k0)) -v gc=$((_g1 - _g0)) -v st="$2" '{
		match($0, /"granted":[0-9]+/)
		g = substr($0, RSTART + 10, RLENGTH - 10) + 0
		kpl = g > 0 ? kc / 1000 / g : 0
		ppl = g > 0 ? gc / 1000 / g : 0
		sub(/"mode":"kagid_alone"/, "\"mode\":\"store_bench\"")
		sub(/}$/, sprintf(",\"store\":\"%s\",\"kagid_cpu_us_per_login\":%.1f,\"pg_cpu_us_per_login\":%s}",
		    st, kpl, st == "postgresql" ? sprintf("%.1f", ppl) : "null"))
		print
	}' "$tmp/pg.line" >>"$runs"
	tail -n 1 "$runs" | awk '{
		split("granted_per_s p50_us p99_us kagid_cpu_us_per_login pg_cpu_us_per_login errors refused", f, " ")
		for (i = 1; i <= 7; i++) {
			match($0, "\"" f[i] "\":[-0-9.a-z]+")
			v[i] = substr($0, RSTART + length(f[i]) + 3, RLENGTH - length(f[i]) - 3)
		}
		match($0, /"system":"[^"]*"/)
		s = substr($0, RSTART + 10, RLENGTH - 11)
		match($0, /"clients":[0-9]+/)
		k = substr($0, RSTART + 10, RLENGTH - 10)
		printf("   %-12s K=%-2s %6s granted/s, p50 %6s us, p99 %6s us, " \
		    "CPU/log-in kagid %s us, PostgreSQL %s us; refused %s, errors %s\n",
		    s, k, v[1], v[2], v[3], v[4], v[5], v[7], v[6])
	}'
}
P=$tmp/pg
mkdir -p "$P"
chmod 711 "$tmp"	# the server runs as nobody under $tmp/pg (as root)
if conninfo=$(PGSERVER_FSYNC=on sh "$top/tests/pgserver.sh" start "$P/srv" \
    2>"$P/srv.err"); then
	pgdir=$P/srv
	pgv=$(/usr/lib/postgresql/15/bin/psql -X -Atq "$conninfo" -c \
	    "SELECT split_part(current_setting('server_version'), ' ', 1) ||
	    ' ' || current_setting('fsync') || ' ' ||
	    current_setting('synchronous_commit')")
	# shellcheck disable=SC2086 # three words
	set -- $pgv x x x
	printf '{"system":"postgresql","mode":"pg_server","version":"%s","fsync":"%s","synchronous_commit":"%s","users":%d}\n' \
	    "$1" "$2" "$3" "$PG_N" >>"$runs"
	t0=$(date +%s)
	mkdir -p "$P/c1/kagi" "$P/c2/kagi" "$P/sq/kagi"
	KAGI_BENCH_PG=$conninfo "$MK" kagi "$P/c1/kagi" "$PG_N"
	cp "$P/c1/kagi/seal.key" "$P/c2/kagi/seal.key"
	"$MK" kagi "$P/sq/kagi" "$PG_N"
	sync
	echo "== PostgreSQL $1 (fsync $2, synchronous_commit $3), N = $PG_N:" \
	    "users written in $(( $(date +%s) - t0 )) s"
	pg_core "$P/sq"
	sq_pid=$pg_last
	pg_core "$P/c1" "$conninfo"
	c1_pid=$pg_last
	pg_core "$P/c2" "$conninfo"
	c2_pid=$pg_last
	r=0
	while [ $r -lt $PG_REPS ]; do	# interleaved: the same moments
		r=$((r + 1))
		for k in $PG_KS; do
			pg_run sqlite sqlite "$P/sq/kagid.sock" "$k" "$sq_pid"
			pg_run pg-1core postgresql "$P/c1/kagid.sock" "$k" "$c1_pid"
			pg_run pg-2cores postgresql \
			    "$P/c1/kagid.sock,$P/c2/kagid.sock" "$k" \
			    "$c1_pid $c2_pid"
		done
	done
	# Correctness, the 8 clients over both cores.
	mkdir -p "$P/pam.d"
	: >"$P/pam.d/other"
	echo "auth required $MODULE socket=$P/c1/kagid.sock timeout=10" \
	    >"$P/pam.d/pg1"
	echo "auth required $MODULE socket=$P/c2/kagid.sock timeout=10" \
	    >"$P/pam.d/pg2"
	echo "== PostgreSQL correctness: 8 clients over two cores, $ROUNDS rounds"
	# -R: each round new users (the replays of one user would add up to
	# its lock over the rounds); the wrong codes at a user neither took.
	wu=$((PG_N - 1))
	LABEL=kagi-pg2 pb "$P" pg1,pg2 "$PG_N" -m race -P 8 -r "$ROUNDS" -u 0 -R
	LABEL=kagi-pg2 pb "$P" pg1,pg2 "$PG_N" -m users -P 8 -r "$ROUNDS" -u 0 -R
	LABEL=kagi-pg2 pb "$P" pg1,pg2 "$PG_N" -m wrong -P 8 -a "$WRONG" -u "$wu"
	attempts=$(grep '"mode":"wrong"' "$runs" | tail -n 1 |
	    sed -n 's/.*"attempts":\([0-9]*\).*/\1/p')
	lockf=$("$KAGICTL" --socket "$P/c1/kagid.sock" --json user show \
	    "$(printf 'u%07d' "$wu")" |
	    tr -d ' \n' | sed -n 's/.*"lock":{"failures":\([0-9]*\).*/\1/p')
	printf '{"system":"kagi-pg2","mode":"wrong_recorded","users":%d,"clients":8,"attempts":%s,"recorded":%s,"how":"kagictl --json user show: lock.failures"}\n' \
	    "$PG_N" "${attempts:-0}" "${lockf:-null}" >>"$runs"
	echo "   wrong codes over two cores: $attempts attempts, recorded: ${lockf:-none}"
	for _p in $pg_kpids; do
		kill "$_p" 2>/dev/null || true
		wait "$_p" 2>/dev/null || true
	done
	pg_kpids=""
	sh "$top/tests/pgserver.sh" stop "$pgdir" >/dev/null 2>&1 || true
	pgdir=""
else
	echo "== PostgreSQL: not run: $(head -n 3 "$P/srv.err")"
	printf '{"system":"postgresql","mode":"pg_server","error":"%s"}\n' \
	    "$(head -n 1 "$P/srv.err" | tr -d '"\\')" >>"$runs"
fi
rm -rf "$P"

# --pg-only: the PostgreSQL section alone.
[ $pgonly = 1 ] || gateway_section
report
