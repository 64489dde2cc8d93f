#!/bin/sh
# imports.sh - moving in from the peers: google-authenticator files,
# pam_oath users files and pam_u2f authfiles through `kagictl import`,
# against a real kagid; the peers' files as tests/mkusers
# (bench/mkusers.c) writes them after the peers' documentation.
#
# What it shows:
#  - a real .google_authenticator file and a real users.oath file are
#    imported: their users log in with the codes their authenticator
#    apps already show (R-MFA-1), each import recorded (R-LOG-1), the
#    scratch codes named as not imported;
#  - a broken file of each (a google-authenticator HOTP_COUNTER file, a
#    pam_oath HOTP line) is refused naming the line and why, and nothing
#    of it is imported, not even its good part;
#  - R-MFA-2 / R-PRIV-2: a pam_u2f key registered without user
#    verification (pamu2fcfg's default "+presence") is refused when the
#    file is checked, with a message saying why, and nothing of the file
#    is imported; sent to kagid anyway (a hand-made request), kagid
#    refuses it too and records the refusal (token_refused, no_uv);
#  - a relative path of 4,095 bytes and more is refused as too long
#    (it once overflowed kagictl's path buffer).
#  - R-PRIV-2: a privileged user's secret is refused, saying why.

. "$(dirname "$0")/lib.sh"

[ -x "$PAMDRV" ] && [ -f "$MODULE" ] && [ -x "$TOTPGEN" ] &&
    [ -x "$top_builddir/tests/mkusers" ] ||
	{ echo "Bail out! pamdrv, totpgen, mkusers or pam_kagi.so not built"; exit 1; }
kagid_built
kagictl_built
command -v python3 >/dev/null 2>&1 ||
	{ echo "Bail out! python3 is needed for the hand-made request"; exit 1; }

plan 23

chmod 711 "$T"
start_kagid approver_group=nogroup ||
	{ echo "Bail out! kagid did not start"; exit 1; }
kagictl user add gina >/dev/null
kagictl user add hana >/dev/null

# A well-formed pamu2fcfg line (es256, a 64-byte x|y point) with options.
KH=$(head -c 64 /dev/urandom | base64 -w0)
PK=$(openssl ecparam -name prime256v1 -genkey 2>/dev/null |
    openssl ec -pubout -outform DER 2>/dev/null | tail -c 64 | base64 -w0)
printf 'gina:%s,%s,es256,+presence+pin\n' "$KH" "$PK" >"$T/ok_keys"
printf 'hana:%s,%s,es256,+presence\n' \
    "$(head -c 64 /dev/urandom | base64 -w0)" "$PK" >>"$T/ok_keys"

out=$(kagictl import pam-u2f "$T/ok_keys" 2>&1); rc=$?
is "$rc" 1 "R-MFA-2: a file with a +presence-only key is refused"
like "$out" "ok_keys:2: the key does no user verification" \
    "R-MFA-2: ... naming the line and why"
is "$(kagictl --json token list gina | grep -c '"id"')" 0 \
    "R-MFA-2: ... and nothing of the file was imported, not even gina's line"

# The same key sent to kagid by hand: refused and recorded.
raw_request "$(printf '{"v":1,"op":"token_fido2_import","user":"hana","credential":"%s","public_key":"%s","alg":"es256","uv":"none"}' "$KH" "$PK")" >"$T/raw.out"
like "$(cat "$T/raw.out")" '"refused":"no_uv"' \
    "R-PRIV-2: kagid refuses a key without user verification itself"
like "$(kagictl audit export --json --event token_refused)" '"reason":"no_uv"' \
    "R-PRIV-2: ... and records the refusal"

sed -i 2d "$T/ok_keys"
out=$(kagictl import pam-u2f "$T/ok_keys" 2>&1)
like "$out" "1 of 1 credentials imported" "the file without that line imports"

# --- google-authenticator and pam_oath ---------------------------------------
MK=$top_builddir/tests/mkusers
write_service
for u in u0000000 u0000001 u0000002; do
	kagictl user add "$u" >/dev/null
	add_user_password "$u" "pw-$u"
done
"$MK" ga "$T/ga" 2 >/dev/null
echo 12345678 >>"$T/ga/u0000000"
echo 87654321 >>"$T/ga/u0000000"
# A broken set: a good file and a counter-based one.
"$MK" ga "$T/gabad" 2 >/dev/null
printf '%s\n" HOTP_COUNTER 1\n' "$(head -n 1 "$T/gabad/u0000001")" >"$T/gabad/u0000001"
out=$(kagictl import google-authenticator "$T/gabad/u0000000" "$T/gabad/u0000001" 2>&1); rc=$?
is "$rc" 1 "a google-authenticator HOTP_COUNTER file: refused"
like "$out" "u0000001:2: HOTP_COUNTER: a counter-based (HOTP) secret" \
    "... naming the line and why"
is "$(kagictl --json token list u0000000 | grep -c '"id"')" 0 \
    "... and nothing was imported, not even the good file"

out=$(kagictl import google-authenticator "$T/ga/u0000000" "$T/ga/u0000001" 2>&1)
like "$out" "2 of 2 secrets imported" "R-MFA-1: real google-authenticator files are imported"
like "$out" "2 scratch code(s) not imported" "... the scratch codes named as not imported"
wait_fresh_step 10
s0=$(head -n 1 "$T/ga/u0000000")
is "$(result_of "$(pam_run -u u0000000 -o auth pw-u0000000 "$(code_for "$s0" 0)")" auth)" \
    PAM_SUCCESS "R-MFA-1: ... and the user logs in with the app's code"
like "$(kagictl audit export --json --event token_import | head -n 1)" \
    '"source":"google-authenticator"' "R-LOG-1: the import is recorded"

"$MK" oath "$T/users.oath" 3 >/dev/null
cp "$T/users.oath" "$T/bad.oath"
echo "HOTP u0000002 - 3132333435363738393031323334353637383930" >>"$T/bad.oath"
out=$(kagictl import pam-oath "$T/bad.oath" 2>&1); rc=$?
is "$rc" 1 "a pam_oath HOTP line: refused"
like "$out" "bad.oath:4: a counter-based (HOTP) line" "... naming the line and why"
is "$(kagictl --json token list u0000002 | grep -c '"id"')" 0 \
    "... and nothing of the file was imported"
out=$(kagictl import pam-oath "$T/users.oath" 2>&1)
like "$out" "3 of 3 secrets imported" "R-MFA-1: a real pam_oath users file is imported"
hex=$(awk '$2 == "u0000002" { print $4 }' "$T/users.oath")
s2=$(python3 -c "import base64,sys; print(base64.b32encode(bytes.fromhex(sys.argv[1])).decode())" "$hex")
wait_fresh_step 10
is "$(result_of "$(pam_run -u u0000002 -o auth pw-u0000002 "$(code_for "$s2" 0)")" auth)" \
    PAM_SUCCESS "R-MFA-1: ... and its user logs in with the app's code"

# A privileged user: no TOTP token, imported or not (R-PRIV-2).
approved user add boss --role privileged >/dev/null 2>&1
mkdir -p "$T/gapriv"
cp "$T/ga/u0000001" "$T/gapriv/boss"
out=$(kagictl import google-authenticator "$T/gapriv/boss" 2>&1); rc=$?
is "$rc" 1 "R-PRIV-2: a privileged user's google-authenticator secret: refused"
like "$out" "FIDO2 and user verification only" "R-PRIV-2: ... saying why"
is "$(kagictl --json token list boss | grep -c '"id"')" 0 \
    "R-PRIV-2: ... and boss has no token"

# A relative path longer than PATH_MAX: refused, no overflow.
long=$(printf 'a/%.0s' $(seq 1 2100))x
out=$(cd "$T" && "$KAGICTL" --socket "$SOCK" import pam-u2f "$long" 2>&1); rc=$?
is "$rc" 1 "a 4,201-byte relative path: refused (exit 1), not a crash"
like "$out" "the path is too long" "... as too long"
finish
