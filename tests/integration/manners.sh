#!/bin/sh
# manners.sh - the tools' manners: per-command help, --version on every
# program, and an invalid request answered naming its field.

. "$(dirname "$0")/lib.sh"

kagid_built
kagictl_built
command -v python3 >/dev/null 2>&1 || { echo "Bail out! python3 is needed"; exit 1; }

plan 10

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
finish
