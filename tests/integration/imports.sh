#!/bin/sh
# imports.sh - moving in from the peers: pam_u2f authfiles through
# `kagictl import pam-u2f`, against a real kagid.
#
# What it shows:
#  - R-MFA-2 / R-PRIV-2: a pam_u2f key registered without user
#    verification (pamu2fcfg's default "+presence") is refused when the
#    file is checked, with a message saying why, and nothing of the file
#    is imported; sent to kagid anyway (a hand-made request), kagid
#    refuses it too and records the refusal (token_refused, no_uv);
#  - a relative path of 4,095 bytes and more is refused as too long
#    (it once overflowed kagictl's path buffer).

. "$(dirname "$0")/lib.sh"

kagid_built
kagictl_built
command -v python3 >/dev/null 2>&1 ||
	{ echo "Bail out! python3 is needed for the hand-made request"; exit 1; }

plan 8

start_kagid || { echo "Bail out! kagid did not start"; exit 1; }
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
python3 - "$SOCK" "$KH" "$PK" >"$T/raw.out" <<'PY'
import json, socket, struct, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
req = json.dumps({"v": 1, "op": "token_fido2_import", "user": "hana",
    "credential": sys.argv[2], "public_key": sys.argv[3], "alg": "es256",
    "uv": "none"}).encode()
s.sendall(b"KG\x01\x00" + struct.pack(">I", len(req)) + req)
hdr = s.recv(8)
n = struct.unpack(">I", hdr[4:8])[0]
body = b""
while len(body) < n:
    body += s.recv(n - len(body))
print(body.decode())
PY
like "$(cat "$T/raw.out")" '"refused":"no_uv"' \
    "R-PRIV-2: kagid refuses a key without user verification itself"
like "$(kagictl audit export --json --event token_refused)" '"reason":"no_uv"' \
    "R-PRIV-2: ... and records the refusal"

sed -i 2d "$T/ok_keys"
out=$(kagictl import pam-u2f "$T/ok_keys" 2>&1)
like "$out" "1 of 1 credentials imported" "the file without that line imports"

# A relative path longer than PATH_MAX: refused, no overflow.
long=$(printf 'a/%.0s' $(seq 1 2100))x
out=$(cd "$T" && "$KAGICTL" --socket "$SOCK" import pam-u2f "$long" 2>&1); rc=$?
is "$rc" 1 "a 4,201-byte relative path: refused (exit 1), not a crash"
like "$out" "the path is too long" "... as too long"
finish
