#!/bin/sh
# manners.sh - the tools' manners: per-command help, --version on every
# program, an invalid request answered naming its field, kagid -t telling
# every wrong line of a file at once, and times shown with their zone.

. "$(dirname "$0")/lib.sh"

kagid_built
kagictl_built
command -v python3 >/dev/null 2>&1 || { echo "Bail out! python3 is needed"; exit 1; }

plan 17

out=$("$KAGICTL" user --help 2>&1); rc=$?
is "$rc" 0 "kagictl user --help: exit 0"
like "$out" "user add NAME" "... shows the user commands"
unlike "$out" "token add-totp" "... and only those"
out=$("$KAGICTL" help import 2>&1)
like "$out" "import google-authenticator FILE..." "kagictl help import: the import commands"
out=$("$KAGICTL" frobnicate --help 2>&1); rc=$?
is "$rc" 2 "help for an unknown command: a usage error (exit 2)"
is "$("$KAGID" --version)" "$("$KAGID" -V)" "kagid --version is kagid -V"
like "$("$KAGICTL" --version)" "kagictl " "kagictl --version"

start_kagid || { echo "Bail out! kagid did not start"; exit 1; }
kagictl user add ann >/dev/null
like "$(raw_request '{"v":1,"op":"token_add_totp","user":"ann","digits":"six"}')" \
    "invalid field 'digits'" "an invalid value: kagid names the field"
like "$(raw_request '{"v":1,"op":"user_show","user":"ann","colour":"red"}')" \
    "unknown field 'colour' in request" "an unknown field: kagid names it"
like "$(raw_request '{"v":1,"op":"user_show"}')" "invalid field 'user'" \
    "a missing field: kagid names it"

# Times carry their zone's offset: tables and CSV read the same anywhere.
out=$(TZ=Asia/Tokyo kagictl report access --csv | tr -d '\r' |
    awk -F, '$1 == "ann" { print $7 }')
check "CSV times are RFC 3339 with the offset ($out)" \
    sh -c 'printf "%s\n" "$1" | grep -Eq "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\+09:00$"' \
    sh "$out"
out=$(TZ=UTC kagictl report access --csv | tr -d '\r' |
    awk -F, '$1 == "ann" { print $7 }')
like "$out" "+00:00" "... in the reader's zone: +00:00 in UTC"
like "$(TZ=Asia/Tokyo kagictl report access)" " +09:00 " \
    "tables show the offset beside each time"

# kagid -t: every wrong line of the file at once, each with its line.
printf '%s\n' "socket = $SOCK" "frobnicate = 1" "lockout_failures = many" \
    "state_dir = $T/state" "this line" >"$T/bad.conf"
chmod 600 "$T/bad.conf"
out=$("$KAGID" -t -c "$T/bad.conf" 2>&1); rc=$?
is "$rc" 1 "kagid -t on a file with three wrong lines: exit 1"
like "$out" "bad.conf:2: unknown key 'frobnicate'" "... names the first"
like "$out" "bad.conf:3: 'lockout_failures': 'many' is not a number" \
    "... the second"
like "$out" "bad.conf:5: missing '='" "... and the third"
finish
