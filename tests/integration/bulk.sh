#!/bin/sh
# bulk.sh - `kagictl user add --from FILE`: users in bulk from CSV
# (R-TOK-5: administrators only, each user_add recorded, R-LOG-1).
#
# What it shows: a CSV file (header, CRLF ends, roles) adds its users;
# a file with a bad name or a name twice is refused naming the line, and
# nobody of it is added; a user who already exists is refused alone and
# the others are added (exit 1).

. "$(dirname "$0")/lib.sh"

kagid_built
kagictl_built

plan 11

start_kagid || { echo "Bail out! kagid did not start"; exit 1; }
printf 'name,role\r\nkato,staff\r\nito\r\n\r\nmori,staff\r\n' >"$T/ok.csv"
out=$(kagictl user add --from "$T/ok.csv" 2>&1)
is "$?" 0 "a CSV of three users: exit 0"
like "$out" "3 of 3 users added" "... all three added"
like "$(kagictl --json user show ito)" '"role":"staff"' "... ito among them, staff"
is "$(kagictl audit export --json --event user_add | grep -c '"user":"\(kato\|ito\|mori\)"')" 3 \
    "R-LOG-1: ... each recorded"

printf 'abe\nbad name\nueda\n' >"$T/bad.csv"
out=$(kagictl user add --from "$T/bad.csv" 2>&1); rc=$?
is "$rc" 1 "a bad name on line 2: refused"
like "$out" "bad.csv:2: not a user name kagid takes" "... naming the line"
out=$(kagictl user show abe 2>&1)
like "$out" "does not exist" "... and nobody was added, not even line 1"
printf 'abe\nueda\nabe\n' >"$T/twice.csv"
out=$(kagictl user add --from "$T/twice.csv" 2>&1)
like "$out" "twice.csv:3: this user is named twice" "a name twice: refused, naming the line"
printf 'abe\nueda\nABE\n' >"$T/case.csv"
out=$(kagictl user add --from "$T/case.csv" 2>&1); rc=$?
like "$out" "case.csv:3: this user is named twice" \
    "a name twice in another case (kagid folds case): refused, naming the line"
out=$(kagictl user show ueda 2>&1)
like "$out" "does not exist" "... and nobody was added"
printf 'abe\nkato\n' >"$T/exists.csv"
out=$(kagictl user add --from "$T/exists.csv" 2>&1); rc=$?
is "$rc $(printf '%s' "$out" | grep -c '1 of 2 users added')" "1 1" \
    "an existing user is refused alone, the others added (exit 1)"
finish
