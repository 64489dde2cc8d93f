#!/bin/sh
# test.sh - build kagi and run its whole test suite.
#
#   scripts/test.sh              gcc, -Werror, hardening flags
#   scripts/test.sh --sanitize   the same suite under ASan and UBSan
#
# Installs what is missing when run as root (scripts/deps.sh).  Builds in
# build/test (or build/asan), installs into that build directory (for the
# translations), runs `make check`, then (plain run) `make check-pg` (the
# integration tests that touch state once more, on a PostgreSQL 15 of the
# run's own: tests/pgrun.sh), runs each fuzz target briefly when
# clang can build them, and ends with "N passed, N failed, N skipped"
# counted from the real results (scripts/count-results.sh): a skipped test
# that cites a requirement ID counts as failed.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

mode=plain
case ${1:-} in
"") ;;
--sanitize) mode=sanitize ;;
*) echo "usage: scripts/test.sh [--sanitize]" >&2; exit 2 ;;
esac

sh scripts/deps.sh test
# Tests that read English messages must not depend on the caller's locale
# (the translation tests set their own).
LC_ALL=C.UTF-8
export LC_ALL
unset LANGUAGE

if ! { [ -x configure ] && [ configure -nt configure.ac ] &&
    [ Makefile.in -nt Makefile.am ]; }; then
	# A build that cannot even start says why, and counts as failed.
	if ! out=$(autoreconf -fi 2>&1); then
		printf '%s\n' "$out"
		echo "0 passed, 1 failed, 0 skipped"
		exit 1
	fi
fi

if [ $mode = sanitize ]; then
	b=$top/build/asan
	extra="--enable-sanitizers"
	# The test shims (tests/softkey) are preloaded into ASan-built
	# programs, which carry the runtime themselves: the link-order check
	# does not apply.
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:verify_asan_link_order=0
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
	export ASAN_OPTIONS UBSAN_OPTIONS
else
	b=$top/build/test
	extra=""
fi
mkdir -p "$b"
cd "$b"
if [ ! -f Makefile ]; then
	"$top/configure" -q --enable-werror $extra --prefix="$b/inst" \
	    --with-pammoddir="$b/inst/lib/security" >/dev/null
fi
make -s -j2 >/dev/null
make -s install >/dev/null
rm -f $(find . -name '*.trs')
make -s -j2 check >check.out 2>&1 || true
# The integration tests that touch state, once more with the store on
# PostgreSQL (issue 14): one server of the run's own, started and stopped
# by make check-pg (tests/pgrun.sh); results as pg/tests/integration/*.
# The plain run only: under ASan it would cost twice its five minutes,
# and the sanitizer run already has the engine's own tests (test_store_pg,
# test_store_on_pg, pgstore.sh: two kagid on one database).
if [ $mode = plain ]; then
	pg_t0=$(date +%s)
	make -s check-pg >check-pg.out 2>&1 || true
	echo "=== PostgreSQL re-run: $(($(date +%s) - pg_t0)) s"
fi
# A test program that does not build leaves its tests unrun: say why.
if grep -q -E ': (fatal )?error:|undefined reference|No rule to make target' check.out; then
	echo "=== make check: the build of the tests failed"
	grep -E ': (fatal )?error:|undefined reference|No rule to make target' check.out |
	    head -n 20
fi
# Show what failed, with its log, so a red run explains itself.
for t in $(grep -l -E '^:test-result: (FAIL|ERROR|XPASS)' $(find . -name '*.trs') 2>/dev/null); do
	echo "=== ${t%.trs}.log"
	tail -n 40 "${t%.trs}.log"
done

fuzz_pass=0
fuzz_fail=0
if [ $mode = plain ] && command -v clang >/dev/null 2>&1; then
	fb=$top/build/fuzz
	mkdir -p "$fb"
	cd "$fb"
	# deps.sh installs clang and its libFuzzer runtime: a target that
	# does not build is a failure, never a silent skip.
	if [ -f Makefile ] || "$top/configure" -q CC=clang --enable-fuzzing \
	    --enable-sanitizers >configure.log 2>&1; then
		# Each target with its seconds: the older four 20, the
		# smaller parsers 12.
		targets="fuzz_proto:20 fuzz_config:20 fuzz_archive:20 fuzz_fido2:20
		    fuzz_windows:12 fuzz_cidrs:12 fuzz_username:12 fuzz_u2f:12
		    fuzz_pkf_request:12 fuzz_sshkey_att:12 fuzz_bgline:12"
		if make -s -j2 $(for f in $targets; do echo "fuzz/${f%:*}"; done) \
		    >make.log 2>&1; then
			for f in $targets; do
				secs=${f#*:}
				f=${f%:*}
				if "./fuzz/$f" -max_total_time="$secs" -rss_limit_mb=1024 \
				    >"$f.log" 2>&1; then
					fuzz_pass=$((fuzz_pass + 1))
				else
					fuzz_fail=$((fuzz_fail + 1))
					echo "=== fuzz/$f found a crash:"; tail -n 30 "$f.log"
				fi
			done
		else
			fuzz_fail=$((fuzz_fail + 1))
			echo "=== the fuzz targets did not build:"
			tail -n 30 make.log
		fi
	else
		fuzz_fail=$((fuzz_fail + 1))
		echo "=== the fuzz build did not configure:"
		tail -n 30 configure.log
	fi
	cd "$b"
fi

# A test that never ran (a build or driver failure) is a failure too.
missing=0
pg_tests=
[ $mode = plain ] && pg_tests=$(make -s list-pg-tests)
for t in $(make -s list-tests) $pg_tests; do
	if [ ! -f "$t.trs" ]; then
		echo "=== $t did not run"
		missing=$((missing + 1))
	fi
done

summary=$(sh "$top/scripts/count-results.sh" "$b" "$top" || true)
p=$(echo "$summary" | sed 's/^\([0-9]*\) passed.*/\1/')
f=$(echo "$summary" | sed 's/.* \([0-9]*\) failed.*/\1/')
s=$(echo "$summary" | sed 's/.* \([0-9]*\) skipped.*/\1/')
p=$((p + fuzz_pass))
f=$((f + fuzz_fail + missing))
echo "$p passed, $f failed, $s skipped"
[ "$f" -eq 0 ] && [ "$p" -gt 0 ]
