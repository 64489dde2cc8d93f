#!/bin/sh
# sealkey.sh - kagid refuses to start when its sealing key does not open
# what is in the store (issue 14: every core on one store holds the same
# key), on SQLite and on a real PostgreSQL 15 of the test's own
# (tests/pgserver.sh, Unix socket only).
#
# Proves: a kagid started with another key than the one the store's
# tokens were sealed with refuses to start, with a sentence that names
# the problem (and the key file) but never the key; the store is left as
# it was: the right key starts kagid again and the token still works; on
# PostgreSQL, with one core running, a second core with another key is
# refused while a second core with a copy of the key (same owner, mode
# 0600) starts and accepts a code sealed by the first.

. "$(dirname "$0")/lib.sh"

[ -x "$PAMDRV" ] && [ -f "$MODULE" ] && [ -x "$TOTPGEN" ] ||
	skip_all "pamdrv, totpgen or pam_kagi.so not built"
kagid_built
kagictl_built

plan 10

REFUSAL="the sealing key opens none of the"

# refused_with_key KEYFILE DESC [start_kagid args]: kagid with KEYFILE
# does not start, and says why.
refused_with_key() {
	_kf=$1 _desc=$2
	shift 2
	: >"$T/kagid.log"
	if start_kagid "key_file=$_kf" "$@" 2>/dev/null && serving; then
		not_ok "$_desc"
		stop_kagid
	elif grep -qF "$REFUSAL" "$T/kagid.log"; then
		ok "$_desc"
	else
		not_ok "$_desc" "$(cat "$T/kagid.log")"
	fi
	# Never the key: not its bytes in hex, nor in base64.
	_hex=$(od -An -tx1 "$_kf" | tr -d ' \n')
	_b64=$(base64 -w0 "$_kf")
	if grep -qiF -e "$_hex" -e "$_b64" "$T/kagid.log"; then
		not_ok "... and the message never shows the key"
	else
		ok "... and the message never shows the key"
	fi
}

# --- SQLite ------------------------------------------------------------------------
start_kagid || { echo "Bail out! kagid did not start"; exit 1; }
write_service
kagictl user add kato >/dev/null
add_user_password kato pw-kato
secret=$(enroll_totp kato)
stop_kagid

refused_with_key "$T/other.key" \
    "SQLite: kagid with another sealing key refuses to start"
{ start_kagid && serving; } ||
	{ echo "Bail out! kagid did not start with its key"; exit 1; }
ok "SQLite: with its own key kagid starts again"
wait_fresh_step 5
out=$(pam_run -u kato -o auth pw-kato "$(code_for "$secret" 1)")
is "$(result_of "$out" auth)" PAM_SUCCESS \
    "R-TOK-8: ... and the token sealed before still opens"
stop_kagid

# --- PostgreSQL: two cores ---------------------------------------------------------
# The test's own server ($T/pg, lib.sh: stopped on exit).
conninfo=$(_pg_conninfo) ||
	{ echo "Bail out! PostgreSQL did not start"; exit 1; }

SOCK=$T/core1.sock
start_kagid store=postgresql "store_conninfo=$conninfo" ||
	{ echo "Bail out! the first core did not start"; exit 1; }
K1_PID=$KAGID_PID
ok "PostgreSQL: the first core starts on an empty store"
write_service
kagictl user add sato >/dev/null
add_user_password sato pw-sato
secret2=$(enroll_totp sato)

# The second core: a name of its own (one name on two cores is refused)
# and its own checkpoint key and log.
SOCK=$T/core2.sock
mkdir -p "$T/core2"
chmod 700 "$T/core2"
CORE2="core_name=core2 audit_key_file=$T/core2/audit.key
audit_checkpoint_log=$T/core2/checkpoints"
# shellcheck disable=SC2086
refused_with_key "$T/other.key" \
    "PostgreSQL: a second core with another key refuses to start" \
    store=postgresql "store_conninfo=$conninfo" $CORE2
cp -p "$T/state/seal.key" "$T/copy.key"
# shellcheck disable=SC2086
if start_kagid "key_file=$T/copy.key" store=postgresql \
    "store_conninfo=$conninfo" $CORE2 && serving; then
	ok "PostgreSQL: a second core with a copy of the key starts"
else
	not_ok "PostgreSQL: a second core with a copy of the key starts"
fi
bg_register "$K1_PID"
write_service
wait_fresh_step 5
out=$(pam_run -u sato -o auth pw-sato "$(code_for "$secret2" 1)")
is "$(result_of "$out" auth)" PAM_SUCCESS \
    "R-TOK-8: ... and opens a token the first core sealed"
if kill -0 "$K1_PID" 2>/dev/null; then
	ok "the first core ran on through the refusal"
else
	not_ok "the first core ran on through the refusal"
fi

finish
