#!/bin/sh
# concurrency.sh - log-ins racing each other through real PAM stacks.
#
#  - 20 log-ins at once with the same valid code: exactly one succeeds
#    (R-MFA-1: a step is accepted once, even when log-ins race);
#  - 8 users at once, each with their own code: all succeed;
#  - 10 wrong codes at once: the failure count is exactly 10 (R-MFA-5:
#    lockouts are counted exactly under concurrent attempts).

. "$(dirname "$0")/lib.sh"

[ -x "$PAMDRV" ] && [ -f "$MODULE" ] && [ -x "$TOTPGEN" ] ||
	skip_all "pamdrv, totpgen or pam_kagi.so not built"
kagid_built
kagictl_built

plan 7

# Generous per-step time-out: 20 log-ins share two CPUs.
KAGI_TIMEOUT=10
write_service
start_kagid lockout_failures=100 lockout_interval=1h ||
	{ echo "Bail out! kagid did not start"; exit 1; }

new_user() {
	kagictl user add "$1" >/dev/null || { diag "user add $1 failed"; return 1; }
	add_user_password "$1" "pw-$1"
	enroll_totp "$1"
}

# run_parallel N PREFIX USER-CMD: start N pamdrv runs at once; run I's
# output goes to $T/PREFIX.I.  USER-CMD I prints "user password code".
run_parallel() {
	_n=$1
	_pfx=$2
	_fn=$3
	_pids=
	_i=1
	while [ $_i -le "$_n" ]; do
		# The function prints three words: user, password, code.
		# shellcheck disable=SC2046
		set -- $($_fn $_i)
		pam_run -u "$1" -o auth "$2" "$3" >"$T/$_pfx.$_i" &
		_pids="$_pids $!"
		_i=$((_i + 1))
	done
	for _p in $_pids; do
		wait "$_p"
	done
}

# count RESULT PREFIX: how many runs ended with auth=RESULT.
count() {
	cat "$T/$2".* | grep -c "^auth=$1\$"
}

wait_fresh_step 12

# --- one code, twenty log-ins ----------------------------------------------------
s=$(new_user race)
RACE_CODE=$(code_for "$s")
same_code() { echo race pw-race "$RACE_CODE"; }
run_parallel 20 same same_code
is "$(count PAM_SUCCESS same)" 1 \
    "R-MFA-1: 20 simultaneous log-ins with one code: exactly one succeeds"
is "$(count PAM_AUTH_ERR same)" 19 \
    "R-MFA-1: the other 19 are refused as replays (PAM_AUTH_ERR)"

# --- eight users, eight codes --------------------------------------------------------
i=1
while [ $i -le 8 ]; do
	new_user "u$i" >"$T/secret.u$i" || diag "cannot enroll u$i"
	i=$((i + 1))
done
own_code() { echo "u$1" "pw-u$1" "$(code_for "$(cat "$T/secret.u$1")")"; }
run_parallel 8 eight own_code
is "$(count PAM_SUCCESS eight)" 8 \
    "8 users logging in at once with their own codes all succeed"

# --- exact failure counting ------------------------------------------------------------
s=$(new_user counted)
c=$(code_for "$s")
WRONG=$(printf '%06d' $(( (1$c - 1000000 + 500000) % 1000000 )))
wrong_code() { echo counted pw-counted "$WRONG"; }
run_parallel 10 wrong wrong_code
is "$(count PAM_AUTH_ERR wrong)" 10 "10 simultaneous wrong codes are all refused"
json=$(kagictl --json user show counted)
if command -v jq >/dev/null 2>&1; then
	failures=$(printf '%s\n' "$json" | jq -r '.lock.failures')
	locked=$(printf '%s\n' "$json" | jq -r '.lock.locked')
else
	failures=$(printf '%s\n' "$json" | tr -d ' \n' |
	    sed -n 's/.*"lock":{[^}]*"failures":\([0-9]*\).*/\1/p')
	locked=$(printf '%s\n' "$json" | tr -d ' \n' |
	    sed -n 's/.*"lock":{[^}]*"locked":\([a-z]*\).*/\1/p')
fi
is "$failures" 10 "R-MFA-5: kagictl user show counts exactly 10 failures"
is "$locked" false "R-MFA-5: 10 failures under lockout_failures=100 do not lock"
out=$(pam_run -u counted -o auth pw-counted "$(code_for "$s" 1)")
is "$(result_of "$out" auth)" PAM_SUCCESS \
    "after the failures the right code still works"

finish
