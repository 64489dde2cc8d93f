#!/bin/sh
# pgrun.sh - the integration tests that touch state, once more with
# kagid's store on PostgreSQL (issue 14).
#
#   make check-pg                 (scripts/test.sh runs it after make check)
#   tests/pgrun.sh TEST...        with make check's environment
#
# What it does:
#  - starts one PostgreSQL 15 of its own (tests/pgserver.sh) in a new
#    temporary directory, Unix socket only, and stops it on exit, whatever
#    happened; no other server is touched;
#  - runs each TEST (a path under $top_srcdir) through automake's TAP
#    driver with KAGI_TEST_STORE=postgresql and KAGI_TEST_PGSERVER set:
#    lib.sh's start_kagid gives each test a database of its own on that
#    server (dropped when the test ends), so two tests never share state;
#  - two tests at a time (KAGI_PGRUN_JOBS), like make -j2;
#  - results in pg/TEST.log and pg/TEST.trs under the build tree, named
#    "pg/TEST", where scripts/count-results.sh counts them with the rest;
#  - when the server cannot start, each TEST gets a failed result that
#    says why: a re-run that could not happen is never a silent pass.
# Exit status: 0 every TEST passed, 1 otherwise.
set -u
: "${top_srcdir:?run through make check-pg}"
: "${top_builddir:?run through make check-pg}"
[ $# -gt 0 ] || { echo "usage: pgrun.sh TEST..." >&2; exit 2; }

# driver TEST COMMAND...: COMMAND's TAP output as TEST's result.
driver() {
	_t=$1
	shift
	env AM_TAP_AWK="${AWK:-awk}" sh "$top_srcdir/build-aux/tap-driver.sh" \
	    --test-name "pg/$_t" --log-file "$top_builddir/pg/$_t.log" \
	    --trs-file "$top_builddir/pg/$_t.trs" --color-tests no \
	    --enable-hard-errors yes --expect-failure no -- "$@"
}

for t in "$@"; do
	mkdir -p "$top_builddir/pg/$(dirname "$t")"
	rm -f "$top_builddir/pg/$t.log" "$top_builddir/pg/$t.trs"
done

# One call per test, from xargs below: "pgrun.sh --one TEST".
if [ "${KAGI_PGRUN_ONE:-}" = 1 ]; then
	driver "$1" "$top_srcdir/$1" >/dev/null
	exit $?
fi

srv=$(mktemp -d "${TMPDIR:-/tmp}/kagi-pgrun.XXXXXX") || exit 1
rmdir "$srv"
trap 'sh "$top_srcdir/tests/pgserver.sh" stop "$srv" 2>/dev/null; rm -rf "$srv"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
if ! err=$(sh "$top_srcdir/tests/pgserver.sh" start "$srv" 2>&1 >/dev/null); then
	for t in "$@"; do
		printf '1..1\nnot ok 1 - PostgreSQL for the re-run started\n# %s\n' \
		    "$err" >"$srv.why"
		driver "$t" cat "$srv.why" >/dev/null
	done
	rm -f "$srv.why"
	exit 1
fi

KAGI_TEST_STORE=postgresql
KAGI_TEST_PGSERVER=$srv
KAGI_PGRUN_ONE=1
export KAGI_TEST_STORE KAGI_TEST_PGSERVER KAGI_PGRUN_ONE
printf '%s\n' "$@" |
    xargs -P "${KAGI_PGRUN_JOBS:-2}" -n 1 sh "$top_srcdir/tests/pgrun.sh"
rc=$?
for t in "$@"; do
	grep -q '^:test-result: \(FAIL\|ERROR\|XPASS\)' \
	    "$top_builddir/pg/$t.trs" 2>/dev/null && rc=1
	echo "$(sed -n 's/^:global-test-result: //p' \
	    "$top_builddir/pg/$t.trs" 2>/dev/null || echo ERROR): pg/$t"
done
[ $rc = 0 ]
