#!/bin/sh
# pgexact.sh - exact across cores (issue 14, item 2): two kagid on one
# PostgreSQL database (tests/pgserver.sh: the test's own, Unix socket
# only), sent the same requests at the same moment by tests/pgrace
# through kagi's own client.  Both kagid and pgrace share one wall clock
# the test moves (tests/libfakeclock, bench/fakeclock.c), so every round
# gets a fresh TOTP step without waiting 30 s.
#
# Proves:
#  - R-TOK-2: 1,000 rounds of one TOTP code sent at once to both cores:
#    exactly one success per round, never two, never none, and 1,000
#    success records in the one audit chain, which verifies;
#  - R-MFA-5: 8 clients x 125 wrong codes spread over both cores: exactly
#    1,000 failures recorded (the user's count, the audit's failure
#    records), the lock where the policy says (the 5th failure locks: 5
#    refused for the code, 995 for the lock, one lockout record, lock
#    count 1), no code granted; the same for 4 users named in different
#    orders by both cores' batches, with no request failing (no deadlock),
#    and for a name that is no user (its own records, no row to lock);
#  - R-TOK-2: a token revoked through one core is refused at once, in the
#    next round, through both;
#  - a FIDO2 challenge is used once: an answer is refused by the other
#    core, accepted once by the one that issued the challenge;
#  - R-EXC-1: each break-glass code sent at once to both cores logs in
#    once, is spent once and opens one exception;
#  - R-TOK-4: an enrollment code sent at once to both cores starts one
#    enrolment and is spent once;
#  - R-PRIV-3: the requester of a two-person act cannot approve it through
#    the other core; two approvals of one request sent at once to both
#    cores: one carries the act out, the other is refused, the act is
#    done once.

. "$(dirname "$0")/lib.sh"

PGRACE=$top_builddir/tests/pgrace
FC=$top_builddir/tests/.libs/libfakeclock.so
SHIM=$top_builddir/tests/softkey/.libs/libsoftkey_shim.so
SKTOOL=$top_builddir/tests/softkey/softkeytool
F2CLIENT=$top_builddir/tests/fido2client
[ -x "$PGRACE" ] && [ -f "$FC" ] || skip_all "tests/pgrace or libfakeclock not built"
[ -f "$SHIM" ] && [ -x "$SKTOOL" ] && [ -x "$F2CLIENT" ] ||
	skip_all "the software key or fido2client is not built"
kagid_built
kagictl_built

plan 31

chmod 711 "$T"
PGDIR=$T/pg
# Exactness, not durability, is tested here: no fsync at each commit keeps
# the 1,000 rounds short (pgstore.sh and the bench run with fsync on).
conninfo=$(PGSERVER_FSYNC=off sh "$top_srcdir/tests/pgserver.sh" start "$PGDIR" \
    2>"$T/pg.err") ||
	{ echo "Bail out! PostgreSQL did not start: $(cat "$T/pg.err")"; exit 1; }
# state_sql (lib.sh) reads the test's PostgreSQL once this file is there.
echo "$conninfo" >"$PGDIR/conninfo"
CLK=$T/clock
"$PGRACE" clock "$CLK" || { echo "Bail out! no clock file"; exit 1; }
K1=
K2=
stop_cores() {
	for _p in $K1 $K2; do
		kill -TERM "$_p" 2>/dev/null
		wait "$_p" 2>/dev/null
	done
	K1=
	K2=
}
trap 'stop_cores; sh "$top_srcdir/tests/pgserver.sh" stop "$PGDIR" 2>/dev/null; _cleanup' EXIT

command -v setpriv >/dev/null 2>&1 || skip_all "setpriv not installed"
loginuid_settable || {
	echo "Bail out! cannot set a login uid (/proc/self/loginuid needs" \
	    "CAP_AUDIT_CONTROL or an unset login uid)"
	exit 1
}

S1=$T/core1.sock
S2=$T/core2.sock
KAGID_ENV="LD_PRELOAD=$FC KAGI_BENCH_CLOCK=$CLK"
ASAN_OPTIONS=${ASAN_OPTIONS:-}:verify_asan_link_order=0
export ASAN_OPTIONS

# start_cores KEY=VALUE...: both kagid on the one database.
# Both with the two-person rule (approver: the group nogroup) and
# break-glass codes on, FIDO2 keys for the test PAM service.
CORE_KEYS="admin_group=daemon approver_group=nogroup request_lifetime=1h
breakglass=yes breakglass_codes=3 breakglass_iterations=1000
fido2_rp_id=pam://kagi-test"
# Each core its own name (one name on two cores is refused) and its own
# checkpoint key and log in $T/core-N; once both ran, each knows the
# other's key ($T/core-N/verify: a core restarts after the other wrote on).
mkdir -p "$T/core-1" "$T/core-2"
chmod 700 "$T/core-1" "$T/core-2"
core_keys() {
	for _c in 1 2; do
		[ -f "$T/core-$_c/verify" ] &&
			echo "audit_verify_keys=$T/core-$_c/verify"
		echo "audit_key_file=$T/core-$_c/audit.key"
		echo "audit_checkpoint_log=$T/core-$_c/checkpoints"
	done
}
start_cores() {
	SOCK=$S1
	# shellcheck disable=SC2086,SC2046
	start_kagid store=postgresql "store_conninfo=$conninfo" $CORE_KEYS \
	    core_name=core-1 $(core_keys | grep core-1/) "$@" ||
		{ echo "Bail out! core 1 did not start"; exit 1; }
	K1=$KAGID_PID
	SOCK=$S2
	# shellcheck disable=SC2086,SC2046
	start_kagid store=postgresql "store_conninfo=$conninfo" $CORE_KEYS \
	    core_name=core-2 $(core_keys | grep core-2/) "$@" ||
		{ echo "Bail out! core 2 did not start"; exit 1; }
	K2=$KAGID_PID
	KAGID_PID=
	SOCK=$S1
	if [ ! -f "$T/core-1/verify" ]; then
		"$KAGICTL" --socket "$S2" audit key | head -n 1 >"$T/core-1/verify"
		"$KAGICTL" --socket "$S1" audit key | head -n 1 >"$T/core-2/verify"
		chmod 600 "$T/core-1/verify" "$T/core-2/verify"
	fi
}

# audit_count EVENT USER [TEXT]: EVENT's records about USER whose fields
# hold TEXT.
audit_count() {
	state_sql "SELECT count(*) FROM audit WHERE event = '$1' AND
	    \"user\" = '$2' AND fields LIKE '%${3:-}%'"
}

# verifies DESC: kagictl audit verify through core 1 succeeds.
verifies() {
	_v=$("$KAGICTL" --socket "$S1" audit verify 2>&1; echo "exit=$?")
	like "$_v" "exit=0" "$1"
}

# enroll NAME: a user with an active TOTP token, confirmed at the clock's
# step through core 1; prints the secret; the token id in $T/token.NAME.
enroll() {
	kagictl user add "$1" >/dev/null || { diag "user add $1"; return 1; }
	_out=$(kagictl token add-totp "$1" --no-qr --pending) || return 1
	_id=$(printf '%s\n' "$_out" | sed -n 's/^token: *//p' | head -n 1)
	_sec=$(printf '%s\n' "$_out" |
	    sed -n 's/^uri: *otpauth:.*[?&]secret=\([A-Za-z2-7=]*\).*/\1/p' |
	    head -n 1)
	"$PGRACE" code "$CLK" "$_sec" | kagictl token confirm "$1" "$_id" \
	    >/dev/null || { diag "token confirm $1"; return 1; }
	echo "$_id" >"$T/token.$1"
	echo "$_sec"
}

# --- 1,000 rounds of one code at both cores at once -------------------------
# The loser's replay is a failure; the winner's confirmation (the account
# request) forgives it, so the failures never add up to a lock here.
start_cores
secret=$(enroll racer) || { echo "Bail out! enrolment failed"; exit 1; }
t0=$(date +%s)
out=$("$PGRACE" totp "$CLK" "$S1" "$S2" racer "$secret" 1000)
t1=$(date +%s)
diag "1,000 rounds on two cores: $out ($((t1 - t0)) s)"
is "$out" "rounds 1000 once 1000 never 0 twice 0 errors 0" \
    "R-TOK-2: 1,000 rounds of one code sent at once to two cores: exactly one success each"
n=$(audit_count auth racer '"outcome":"success"')
is "$n" 1000 "R-TOK-2: ... and exactly 1,000 confirmed successes in the one audit chain"
n=$(audit_count auth racer '"reason":"replay"')
is "$n" 1000 "R-TOK-2: ... and 1,000 refusals as a replay, one a round"
verifies "R-LOG-2: the chain both cores appended to verifies"

# --- 8 clients x 125 wrong codes over both cores -----------------------------
stop_cores
start_cores
secret2=$(enroll guesser) || { echo "Bail out! enrolment failed"; exit 1; }
right=$("$PGRACE" code "$CLK" "$secret2")
wrong=$(printf '%06d' $(( (1${right} - 1000000 + 1) % 1000000 )))
out=$("$PGRACE" wrong "$S1" "$S2" guesser "$wrong" 8 125)
diag "8 x 125 wrong codes on two cores: $out"
is "$out" "sent 1000 granted 0 refused 1000 errors 0" \
    "R-MFA-5: 8 clients x 125 wrong codes over two cores: all refused, none lost"
n=$(state_sql "SELECT l.failures FROM logins l JOIN users u ON u.id = l.user_id
    WHERE u.name = 'guesser'")
is "$n" 1000 "R-MFA-5: exactly 1,000 failures counted for the user"
n=$(audit_count auth guesser '"outcome":"failure"')
is "$n" 1000 "R-MFA-5: exactly 1,000 failure records in the audit chain"
n=$(state_sql "SELECT count(*) FROM audit WHERE event = 'auth' AND
    \"user\" = 'guesser' AND fields LIKE '%\"outcome\":\"failure\"%' AND
    fields NOT LIKE '%\"reason\":\"locked\"%'")
is "$n" 5 "R-MFA-5: the code was checked 5 times, no more: the 5th failure locks (lockout_failures = 5)"
n=$(audit_count auth guesser '"reason":"locked"')
is "$n" 995 "R-MFA-5: ... and the other 995 are refused as locked"
n=$(audit_count lockout guesser)
is "$n" 1 "R-MFA-5: one lockout, recorded once"
n=$(state_sql "SELECT lock_count || ' ' || failures FROM locks l JOIN users u
    ON u.id = l.user_id WHERE u.name = 'guesser'")
is "$n" "1 995" "R-MFA-5: the lock record: locked once, 995 failures while locked"
verifies "R-LOG-2: the chain verifies after the guessing"

# A name that is no user has its own records (unknown_locks: no user row
# to lock; the audit head taken at BEGIN keeps them exact too).
out=$("$PGRACE" wrong "$S1" "$S2" nosuchuser "$wrong" 8 125)
is "$out" "sent 1000 granted 0 refused 1000 errors 0" \
    "R-MFA-5: 8 x 125 codes for a name that is no user, over two cores: all refused"
n=$(state_sql "SELECT lock_count || ' ' || failures FROM unknown_locks
    WHERE name = 'nosuchuser' AND remote = 0")
is "$n" "1 995" "R-MFA-5: ... its records exact as a user's: locked once at the 5th, 995 after"

# --- several users, named in different orders by both cores' batches --------
# Each core batches the requests that arrive together in one transaction
# (server.c) and locks each user it reads until COMMIT; the audit head,
# taken at BEGIN, gives every transaction one lock order, so two batches
# naming the same users in other orders never deadlock (a deadlock would
# fail a request after PostgreSQL's deadlock_timeout: an error here).
for u in m1 m2 m3 m4; do
	eval "sec_$u=\$(enroll $u)" || { echo "Bail out! enrolment failed"; exit 1; }
done
# A code wrong for all four at the clock's step.
bad=0
while :; do
	bad=$(printf '%06d' $(( (1${bad} - 1000000 + 7919) % 1000000 )))
	for u in m1 m2 m3 m4; do
		eval "_s=\$sec_$u"
		[ "$("$PGRACE" code "$CLK" "$_s")" = "$bad" ] && continue 2
	done
	break
done
t0=$(date +%s)
out=$("$PGRACE" wrong "$S1" "$S2" m1,m2,m3,m4 "$bad" 8 125)
t1=$(date +%s)
diag "8 x 125 wrong codes for 4 users on two cores: $out ($((t1 - t0)) s)"
is "$out" "sent 1000 granted 0 refused 1000 errors 0" \
    "4 users in different orders in both cores' batches: no request fails (no deadlock)"
n=$(state_sql "SELECT string_agg(u.name || '=' || l.failures || '/' ||
    k.lock_count || '/' || k.failures, ' ' ORDER BY u.name) FROM logins l
    JOIN users u ON u.id = l.user_id JOIN locks k ON k.user_id = u.id
    WHERE u.name LIKE 'm_'")
is "$n" "m1=250/1/245 m2=250/1/245 m3=250/1/245 m4=250/1/245" \
    "R-MFA-5: ... and each user's 250 failures counted exactly, locked once at the 5th"

# --- a revocation through one core, refused through both ----------------------
tok=$(cat "$T/token.racer")
if kagictl token revoke racer "$tok" >/dev/null 2>&1; then
	ok "R-TOK-2: racer's token is revoked through core 1"
else
	not_ok "R-TOK-2: racer's token is revoked through core 1"
fi
out=$("$PGRACE" totp "$CLK" "$S1" "$S2" racer "$secret" 3)
is "$out" "rounds 3 once 0 never 3 twice 0 errors 0" \
    "R-TOK-2: the next rounds' codes are refused through both cores at once"
SOCK=$S2
st=$(kagictl token list racer 2>&1)
like "$st" "revoked" "core 2 lists the token as revoked"
SOCK=$S1
n=$(audit_count auth racer '"outcome":"provisional"')
is "$n" 1000 "R-TOK-2: no success, not even a provisional one, after the revocation"

# --- a FIDO2 challenge is used once, by the core that issued it ---------------
# Challenges live in the memory of the core that issued them (challenge.c):
# an answer taken to the other core is refused there (the edges of the
# next issue keep a log-in on one core), and at the issuing core it is
# accepted once; the replay is refused.
key() { "$SKTOOL" init "$T/$1" --pin 1234 >/dev/null; }
with() { _k=$1; shift; env LD_PRELOAD="$SHIM" KAGI_SOFTKEY_STATE="$T/$_k" "$@"; }
key kF
kagictl user add fuji >/dev/null
tok=$(echo 1234 | with kF "$KAGICTL" --socket "$S1" token add-fido2 fuji \
    2>>"$T/kagictl.err" | sed -n 's/^token: *//p')
out=$(with kF "$F2CLIENT" "$S1" fuji pgrace tty9 cores 1234 "$S2" |
    tr '\n' ' ' | sed 's/ $//')
is "$out" "denied success denied" \
    "R-TOK-2: a FIDO2 answer is refused by the other core, accepted once by the issuing one, its replay refused"

# --- break-glass codes raced -------------------------------------------------
enroll glass >/dev/null || { echo "Bail out! enrolment failed"; exit 1; }
codes=$(kagictl breakglass issue glass | sed -n 's/^breakglass-code: *//p')
# shellcheck disable=SC2086
out=$("$PGRACE" same "$S1" "$S2" glass $codes)
is "$out" "rounds 3 once 3 never 0 twice 0 errors 0" \
    "R-EXC-1: each of 3 break-glass codes sent at once to both cores logs in once"
n=$(state_sql "SELECT count(*) FROM breakglass_codes b JOIN users u ON
    u.id = b.user_id WHERE u.name = 'glass' AND b.used <> 0")
is "$n" 3 "R-EXC-1: ... each code spent once"
n=$(state_sql "SELECT count(*) FROM exceptions WHERE \"user\" = 'glass'")
is "$n" 3 "R-EXC-1: ... one exception opened per use, no more"

# --- an enrollment code raced --------------------------------------------------
code=$(kagictl user add newbie --enroll-code | sed -n 's/^enroll-code: *//p')
out=$("$PGRACE" same "$S1" "$S2" newbie "$code")
is "$out" "rounds 1 once 1 never 0 twice 0 errors 0" \
    "R-TOK-4: an enrollment code sent at once to both cores starts one enrolment"
n=$(state_sql "SELECT count(*) FROM tokens t JOIN users u ON u.id = t.user_id
    WHERE u.name = 'newbie'")
is "$n" 1 "R-TOK-4: ... one pending token, the code spent once"

# --- one request, two approvals at once ----------------------------------------
A=60200
nogroup_id=$(getent group nogroup | cut -d: -f3)
# approve SOCK ID OUT: nobody (an approver, login uid 65534) approves.
approve() {
	as_person 65534 setpriv --reuid=65534 --regid="$nogroup_id" \
	    --clear-groups "$KAGICTL" --socket "$1" request approve "$2" \
	    >"$3" 2>&1
	echo "exit=$?" >>"$3"
}
out=$(as_person "$A" "$KAGICTL" --socket "$S1" user add boss --role privileged 2>&1)
id=$(printf '%s\n' "$out" | req_id)
out=$(as_person "$A" "$KAGICTL" --socket "$S2" request approve "$id" 2>&1)
like "$out" "nobody approves their own request" \
    "R-PRIV-3: asked through core 1, the requester cannot approve through core 2"
approve "$S1" "$id" "$T/ap1" &
p1=$!
approve "$S2" "$id" "$T/ap2" &
p2=$!
wait "$p1" "$p2"
n=$(cat "$T/ap1" "$T/ap2" | grep -c '^exit=0$')
is "$n" 1 "R-PRIV-3: two approvals sent at once to both cores: exactly one carries the act out"
like "$(cat "$T/ap1" "$T/ap2")" "no longer pending" "... the other is refused as no longer pending"
n=$(audit_count user_add boss)
is "$n" 1 "R-PRIV-3: ... and the act is done once"
verifies "R-LOG-2: the chain verifies after the races"

stop_cores
finish
