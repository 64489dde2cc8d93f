#!/bin/sh
# results.sh - scripts/count-results.sh counts what really ran: tiny test
# scripts run through the real build-aux/tap-driver.sh into a fake build
# directory, then counted.  A skip that hides a requirement ID is a
# failure; a whole file skipped while its source cites one is a failure;
# "sanitizer build:" is accepted in a sanitizer build only; a bail-out is a
# failure; no result at all is a failure; a test's PostgreSQL re-run
# (pg/NAME) is judged by NAME's source.  And lib.sh's probe: a kagid
# that is missing or refuses to start bails the test out, never skips it.
. "$(dirname "$0")/lib.sh"

COUNT=$top_srcdir/scripts/count-results.sh
DRIVER=$top_srcdir/build-aux/tap-driver.sh

plan 17

# fixture NAME TAP-LINES...: $T/b/NAME (and its copy as source in $T/s)
# run through the driver into $T/b/NAME.trs and .log.
fixture() {
	_n=$1
	shift
	mkdir -p "$T/b/tests" "$T/s/tests"
	{
		echo '#!/bin/sh'
		for _l in "$@"; do
			printf "echo '%s'\n" "$_l"
		done
	} >"$T/s/tests/$_n"
	chmod +x "$T/s/tests/$_n"
	(cd "$T/b" && env AM_TAP_AWK=awk sh "$DRIVER" --test-name "tests/$_n" \
	    --log-file "tests/$_n.log" --trs-file "tests/$_n.trs" -- \
	    "$T/s/tests/$_n" >/dev/null)
}

# count: run the counter on $T/b; sets OUT, ERR and ST.
count() {
	OUT=$(sh "$COUNT" "$T/b" "$T/s" 2>"$T/count.err")
	ST=$?
	ERR=$(cat "$T/count.err")
}

reset() { rm -rf "$T/b" "$T/s"; mkdir -p "$T/b"; printf 'SAN_CFLAGS = \n' >"$T/b/Makefile"; }

reset
fixture a.sh "1..2" "ok 1 - one" "ok 2 - two"
count
is "$OUT" "2 passed, 0 failed, 0 skipped" "passes are counted"
is "$ST" 0 "all passed: exit 0"

reset
fixture a.sh "1..3" "ok 1 - one" "ok 2 - plain # SKIP no such tool" \
    "ok 3 - R-PRIV-3: an expired request # SKIP no libfaketime"
count
is "$OUT" "1 passed, 1 failed, 1 skipped" \
    "a skipped point citing a requirement counts as failed"
is "$ST" 1 "... and the count fails"
like "$ERR" "R-PRIV-3: an expired request: no libfaketime" "... and names it"

reset
fixture a.sh "1..1" "ok 1 - one"
fixture cites.sh "1..0 # SKIP needs root"
echo "# proves R-TOK-4" >>"$T/s/tests/cites.sh"
fixture plain.sh "1..0 # SKIP no peers installed"
count
is "$OUT" "1 passed, 1 failed, 1 skipped" \
    "a file citing requirements skipped whole is a failure, another a skip"
like "$ERR" "tests/cites.sh (skipped whole" "... the first is named"

# A test run once more on PostgreSQL (make check-pg) is pg/NAME; its
# source is NAME's.
reset
fixture cites.sh "1..1" "ok 1 - one"
echo "# proves R-TOK-4" >>"$T/s/tests/cites.sh"
mkdir -p "$T/b/pg/tests"
printf '#!/bin/sh\necho "1..0 # SKIP no server"\n' >"$T/pgskip"
chmod +x "$T/pgskip"
(cd "$T/b" && env AM_TAP_AWK=awk sh "$DRIVER" --test-name "pg/tests/cites.sh" \
    --log-file "pg/tests/cites.sh.log" --trs-file "pg/tests/cites.sh.trs" \
    -- "$T/pgskip" >/dev/null)
count
is "$OUT" "1 passed, 1 failed, 0 skipped" \
    "a PostgreSQL re-run (pg/NAME) skipped whole is a failure when NAME cites requirements"
like "$ERR" "pg/tests/cites.sh (skipped whole" "... and it is named as the re-run"

reset
fixture a.sh "1..1" "ok 1 - one"
fixture ssh.sh "1..0 # SKIP sanitizer build: sshd cannot load it"
echo "# R-REM-3" >>"$T/s/tests/ssh.sh"
count
is "$OUT" "1 passed, 1 failed, 0 skipped" \
    "'sanitizer build:' is refused in a plain build"
printf 'SAN_CFLAGS = -fsanitize=address,undefined\n' >"$T/b/Makefile"
count
is "$OUT" "1 passed, 0 failed, 1 skipped" \
    "'sanitizer build:' is accepted in a sanitizer build"

reset
fixture a.sh "1..2" "ok 1 - R-MFA-1: before" "Bail out! kagid refuses to start"
count
is "$OUT" "1 passed, 1 failed, 0 skipped" "a bail-out is a failure"

reset
fixture a.sh "1..2" "ok 1 - one" "not ok 2 - R-MFA-1: two"
count
is "$OUT" "1 passed, 1 failed, 0 skipped" "a failure is a failure"

reset
count
is "$OUT" "0 passed, 0 failed, 0 skipped" "no result at all is counted as none"
is "$ST" 1 "... and fails"

# The probe of lib.sh, with a kagid that refuses every configuration.
printf '#!/bin/sh\necho "unknown time zone Asia/Tokyo" >&2\nexit 1\n' \
    >"$T/refuses"
chmod +x "$T/refuses"
probe() {
	sh -c '. "$top_srcdir/tests/integration/lib.sh"; KAGID=$1; kagid_built
	    echo "still running"' probe "$1" 2>&1
}
out=$(probe "$T/refuses")
is "$out" "Bail out! kagid refuses to start: unknown time zone Asia/Tokyo" \
    "kagid_built: a kagid that refuses to start bails out"
out=$(probe "$T/absent")
is "$out" "Bail out! kagid is not built: $T/absent" \
    "kagid_built: a missing kagid bails out"

finish
