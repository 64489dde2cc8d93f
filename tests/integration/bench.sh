#!/bin/sh
# bench.sh - a smoke run of the benchmark harness (bench/run.sh --quick,
# issue 6) against this build tree: it runs to the end and writes JSON
# that parses and holds pam_permit, pam_oath, google-authenticator and
# kagi (with bench mode records for each), FIDO2 assertions verified by
# kagid (every one of them accepted: each is a fresh, valid assertion) and
# the fido_assert_verify() limit, kagid on PostgreSQL (issue 14): runs
# of one core and of two cores on one database with 8 and 64 clients that
# granted log-ins with no error, each with its latency and the CPU of
# kagid and of PostgreSQL, the SQLite runs beside them, the correctness
# runs over two cores and the verdicts on the goal, and the SSH gateway
# (issue 16):
# kagi-authkeys spawned as nobody, every run printing the enrolled key's
# line, /bin/true spawned the same way, and real ssh log-ins to sshd alone
# and to the shipped kagi gateway, every one of them successful, with
# their verdicts.  No timing is asserted: the harness is a benchmark, not
# a test.
#
# It needs root (the harness runs in a private mount namespace with its
# own /dev/log) and the peer modules already installed: it never installs
# anything, it skips and says why.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

[ "$(id -u)" = 0 ] || skip_all "the harness needs root (private mount namespace)"
moddir=""
for d in /lib/x86_64-linux-gnu/security /usr/lib/x86_64-linux-gnu/security \
    /lib/security /usr/lib/security /lib64/security; do
	[ -f "$d/pam_permit.so" ] && { moddir=$d; break; }
done
[ -n "$moddir" ] && [ -f "$moddir/pam_oath.so" ] &&
    [ -f "$moddir/pam_google_authenticator.so" ] ||
    skip_all "the peers are not installed (apt-get install libpam-oath libpam-google-authenticator)"
[ -f /usr/include/liboath/oath.h ] || skip_all "liboath-dev is not installed"
command -v jq >/dev/null 2>&1 || skip_all "jq is needed to read the JSON"
kagid_built
# A sanitizer build cannot link the harness's own tools against it, and its
# figures would mean nothing: the plain run covers this smoke test.
if ldd "$MODULE" 2>/dev/null | grep -q libasan; then
	skip_all "the build under test uses ASan (benchmarks run on the plain build)"
fi

plan 22

KAGI_BENCH_BUILD=$top_builddir sh "$top_srcdir/bench/run.sh" --quick \
    --out "$T/results.json" >"$T/bench.out" 2>&1
rc=$?
is "$rc" 0 "bench/run.sh --quick runs to the end"
[ $rc = 0 ] || diag "$(tail -n 20 "$T/bench.out")"
check "it writes JSON that parses" jq -e . "$T/results.json"
for s in permit oath ga kagi; do
	n=$(jq "[.records[] | select(.system == \"$s\" and .mode == \"bench\"
	    and .ok > 0)] | length" "$T/results.json" 2>/dev/null)
	check "the JSON holds successful log-ins of $s ($n runs)" \
	    test "${n:-0}" -gt 0
done
n=$(jq '[.records[] | select(.mode == "fido2")] as $r |
    if ($r | length) > 0 and all($r[]; .verified > 0 and .refused == 0 and
    .errors == 0) then $r | length else 0 end' "$T/results.json" 2>/dev/null)
check "kagid verified FIDO2 assertions in every run, refusing none ($n runs)" \
    test "${n:-0}" -gt 0
n=$(jq '[.records[] | select(.mode == "fido2_verify_limit" and
    .verified > 0 and .errors == 0)] | length' "$T/results.json" 2>/dev/null)
check "the JSON holds the fido_assert_verify() limit ($n runs)" \
    test "${n:-0}" -gt 0
n=$(jq '[.targets[] | select(.id == "fido2" and .met != null)] | length' \
    "$T/results.json" 2>/dev/null)
check "the FIDO2 target has a verdict" test "${n:-0}" = 1
for c in pg-1core pg-2cores; do
	n=$(jq "[.records[] | select(.mode == \"store_bench\" and
	    .system == \"$c\" and .store == \"postgresql\" and .granted > 0
	    and .errors == 0 and .refused == 0 and .p99_us > 0 and
	    .kagid_cpu_us_per_login > 0 and .pg_cpu_us_per_login > 0) |
	    .clients] | unique | map(tostring) | join(\",\")" \
	    "$T/results.json" 2>/dev/null)
	is "$n" '"8,64"' "PostgreSQL, $c: durable log-ins with 8 and 64 clients, latency and CPU of kagid and PostgreSQL"
done
n=$(jq '[.records[] | select(.mode == "store_bench" and .system == "sqlite"
    and .granted > 0 and .errors == 0)] | length' "$T/results.json" 2>/dev/null)
check "the PostgreSQL section has kagid on SQLite beside it ($n runs)" \
    test "${n:-0}" -gt 0
n=$(jq '[.records[] | select(.mode == "pg_server" and .fsync == "on" and
    .synchronous_commit == "on")] | length' "$T/results.json" 2>/dev/null)
is "$n" 1 "the bench's PostgreSQL commits durably (fsync and synchronous_commit on)"
n=$(jq '[.records[] | select(.system == "kagi-pg2" and
    ((.mode == "race" or .mode == "users") and .rounds > 0 or
    .mode == "wrong_recorded" and .recorded != null))] | length' \
    "$T/results.json" 2>/dev/null)
is "$n" 3 "PostgreSQL: the correctness runs over two cores (race, users, wrong codes recorded)"
n=$(jq '[.targets[] | select((.id | startswith("pg_")) and .met != null)] |
    length' "$T/results.json" 2>/dev/null)
is "$n" 5 "PostgreSQL: the goal of issue 14 has its verdicts"
# gw LABEL MODE: how many rounds of LABEL the JSON holds, when each of
# them ran, every run succeeded and the figures are real; else 0.
gw() {
	jq "[.records[] | select(.system == \"gateway\" and .mode == \"$2\"
	    and .label == \"$1\")] as \$r | if (\$r | length) > 0 and
	    all(\$r[]; .runs > 0 and .ok == .runs and .failed == 0 and
	    .p50_ms > 0 and .p99_ms >= .p50_ms) then \$r | length else 0 end" \
	    "$T/results.json" 2>/dev/null
}
n=$(gw kagi-authkeys authkeys)
check "kagi-authkeys ran as nobody and printed the enrolled key every time ($n rounds)" \
    test "${n:-0}" -gt 0
n=$(gw true authkeys)
check "... beside /bin/true spawned the same way ($n rounds)" test "${n:-0}" -gt 0
n=$(gw sshd login)
check "every ssh log-in to sshd alone succeeded ($n rounds)" test "${n:-0}" -gt 0
n=$(gw kagi login)
check "every ssh log-in through the shipped kagi gateway succeeded ($n rounds)" \
    test "${n:-0}" -gt 0
n=$(jq '[.records[] | select(.mode == "login_audit" and .ok > 0 and
    .kagid_records == .ok)] | length' "$T/results.json" 2>/dev/null)
check "kagid confirmed each of those log-ins as one by security key" \
    test "${n:-0}" = 1
n=$(jq '[.targets[] | select((.id == "authkeys_p99" or
    .id == "gateway_overhead") and .met != null and .value != null)] | length' \
    "$T/results.json" 2>/dev/null)
check "the gateway's two targets have verdicts ($n)" test "${n:-0}" = 2
n=$(jq '.targets | length' "$T/results.json" 2>/dev/null)
check "the JSON holds the verdicts on the targets of issues 6, 14 and 16 ($n)" \
    test "${n:-0}" -gt 2

finish
