#!/bin/sh
# count-results.sh BUILDDIR - count the real results of `make check`.
#
# Reads every .trs file automake's drivers wrote (one ":test-result:" line
# per TAP test point) and prints "N passed, N failed, N skipped".  Exits 1
# when anything failed or when no result was found at all.
set -eu
dir=${1:?usage: count-results.sh BUILDDIR}
find "$dir" -name '*.trs' -exec cat {} + 2>/dev/null |
awk '
/^:test-result: PASS/  { p++ }
/^:test-result: XFAIL/ { p++ }
/^:test-result: FAIL/  { f++ }
/^:test-result: XPASS/ { f++ }
/^:test-result: ERROR/ { f++ }
/^:test-result: SKIP/  { s++ }
END {
	printf "%d passed, %d failed, %d skipped\n", p, f, s
	exit (f > 0 || p == 0) ? 1 : 0
}'
