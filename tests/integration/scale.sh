#!/bin/sh
# scale.sh - a municipality's scale: 100,000 users (KAGI_SCALE_USERS
# changes it) written straight into a store by tests/mkusers
# (bench/mkusers.c), then listed and reported through a real kagid and
# kagictl.
#
# What it shows:
#  - R-AVL-1 / R-TOK-7: `kagictl user list` and `kagictl report access`
#    give every user exactly once, however far past kagi's 64 KiB frame
#    the listing goes (kagid streams it, kagictl follows the stream);
#  - kagid logs nothing about dropping a connection while doing it.
# No timed assertion: the whole test is kept under a minute by the
# store being written in a few transactions, not through kagictl.

. "$(dirname "$0")/lib.sh"

MKUSERS=$top_builddir/tests/mkusers
[ -x "$MKUSERS" ] || { echo "Bail out! tests/mkusers is not built"; exit 1; }
kagid_built
kagictl_built

N=${KAGI_SCALE_USERS:-100000}
plan 7

mkdir -p "$T/state"
chmod 700 "$T/state"
"$MKUSERS" kagi "$T/state" "$N" >"$T/mkusers.out" 2>&1
check "mkusers wrote $N users into a fresh store" test $? -eq 0
# A client time-out shorter than the report takes to work out: the
# client's time to read counts from when the answer is ready.
start_kagid client_timeout=1s || { echo "Bail out! kagid did not start"; exit 1; }

# Every name u0000000 .. u(N-1), once each, in order.
seq -f 'u%07g' 0 $((N - 1)) >"$T/want"

kagictl --timeout 60 --json user list >"$T/users.json" 2>"$T/users.err"
is "$?" 0 "R-AVL-1: user list of $N users succeeds"
sed -n 's/.*"name": *"\(u[0-9]*\)".*/\1/p' "$T/users.json" >"$T/got"
check "R-AVL-1: ... and names every one of the $N users once" \
    cmp -s "$T/want" "$T/got"

kagictl --timeout 60 user list >"$T/users.txt" 2>&1
is "$(grep -c '^u[0-9]' "$T/users.txt")" "$N" \
    "R-AVL-1: ... and so does the table, a row per user"

kagictl --timeout 60 report access --csv >"$T/access.csv" 2>"$T/access.err"
rc=$?
[ $rc -eq 0 ] || diag "$(cat "$T/access.err")" "$(tail -n 5 "$T/kagid.log")"
is "$rc" 0 "R-TOK-7: report access over $N users succeeds"
cut -d, -f1 "$T/access.csv" | tr -d '"' | grep '^u[0-9]' >"$T/got"
check "R-TOK-7: ... and has every user exactly once" cmp -s "$T/want" "$T/got"

check "kagid dropped no connection and refused no reply" \
    sh -c "! grep -Eq 'cannot be sent|closed:' '$T/kagid.log'"
finish
