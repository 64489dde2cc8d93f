#!/bin/sh
# allocfail.sh - fault injection: the heap runs out at every allocation of
# a TOTP and a FIDO2 log-in through the real module, and the host never
# crashes and never lets anyone in (issue 13, item 10; R-AVL-1, R-MFA-2).
#
# pamdrv runs with tests/failmalloc.c preloaded; tests/pam_failarm.c,
# just before and after pam_kagi in the auth and the account stack, arms
# it while pam_kagi runs (its own allocations and those of json-c, libc,
# libpam's helpers and libfido2 on its behalf).  Run N fails the N-th
# allocation and every one after it; the walk goes N = 1, 2, ... until a
# run completes without an injected failure, which must then log in.
# Each run:
#  - pamdrv ends normally (no signal: no crash in the module or in a
#    library it called);
#  - the log-in is never a success (auth and account both PAM_SUCCESS);
#  - when the allocation that failed was pam_kagi's own, the phase it
#    failed in answers PAM_BUF_ERR (pk_pam_code, R-AVL-1: a shortage is
#    named as such, never as a wrong code).
# Failures inside json-c, libpam or glibc may end otherwise (a library
# may report its own shortage as something else): only the first two
# hold there.  Each run gets a fresh code: kagid's clock moves a minute
# a run (libfaketime), so a code spent by a run that failed after kagid
# had checked it never makes the next run a replay.

. "$(dirname "$0")/lib.sh"

[ -x "$PAMDRV" ] && [ -f "$MODULE" ] && [ -x "$TOTPGEN" ] ||
	skip_all "pamdrv, totpgen or pam_kagi.so not built"
kagid_built
kagictl_built
FAILMALLOC=$top_builddir/tests/.libs/libfailmalloc.so
FAILARM=$top_builddir/tests/.libs/pam_failarm.so
if [ ! -f "$FAILMALLOC" ] || [ ! -f "$FAILARM" ]; then
	echo "Bail out! the failing allocator is not built: $FAILMALLOC"
	exit 1
fi
[ -f "$SHIM" ] && [ -x "$SKTOOL" ] || skip_all "the software key is not built"
[ -n "$PAM_MATRIX" ] || skip_all "pam_matrix (pam_wrapper) not installed"
if [ -z "$FAKETIME_LIB" ]; then
	echo "Bail out! libfaketime is needed to give each run a fresh code"
	exit 1
fi
# In the sanitizer build the preloaded allocator stands in front of ASan's
# (scripts/test.sh sets verify_asan_link_order=0): what it lets through
# ASan checks, leaks on the paths a shortage takes included (a leak
# aborts pamdrv, which counts as a crash here).  ASan's own interceptors
# (strdup and the like) allocate without it, so fewer are walked there.

plan 8

# kagid's clock: real time plus the offset in $T/faketime (libfaketime
# reads it at every call).
echo "+0" >"$T/faketime"
KAGID_ENV="LD_PRELOAD=$FAKETIME_LIB FAKETIME_TIMESTAMP_FILE=$T/faketime \
FAKETIME_NO_CACHE=1 FAKETIME_DONT_FAKE_MONOTONIC=1" \
    start_kagid fido2_rp_id=pam://kagi-test lockout_failures=100 ||
	{ echo "Bail out! kagid did not start"; exit 1; }

# The stack: the password, then pam_kagi with the allocator armed around
# it, in auth (phase 1) and account (phase 2).
mkdir -p "$T/pam.d"
{
	echo "auth required $PAM_MATRIX passdb=$T/passdb"
	echo "auth optional $FAILARM 1"
	echo "auth required $MODULE socket=$SOCK timeout=5"
	echo "auth optional $FAILARM 0"
	echo "account optional $FAILARM 2"
	echo "account required $MODULE socket=$SOCK timeout=5"
	echo "account optional $FAILARM 0"
} >"$T/pam.d/$SERVICE"

kagictl user add alice >/dev/null
add_user_password alice pw-alice
sa=$(enroll_totp alice)
kagictl user add carol >/dev/null
add_user_password carol pw-carol
"$SKTOOL" init "$T/kC" --pin 2468 >/dev/null
tok=$(echo 2468 | env LD_PRELOAD="$SHIM" KAGI_SOFTKEY_STATE="$T/kC" \
    "$KAGICTL" --socket "$SOCK" token add-fido2 carol 2>>"$T/kagictl.err" |
    sed -n 's/^token: *//p')
[ -n "$tok" ] || { echo "Bail out! carol's key did not enroll"; exit 1; }

RUN=0		# kagid's clock: a minute a run
crashes= successes= notbuf= ours=0 runs=0 last=

# tick: the next run; kagid's clock a minute further.
tick() {
	RUN=$((RUN + 1))
	echo "+$((RUN * 60))" >"$T/faketime"
	rm -f "$T/fail.log"
}

# check_run NAME N STATUS OUTPUT: judge one run (see the head of this
# file); adds to crashes, successes, notbuf (the runs that broke each
# rule) and ours.  Returns 1 when nothing failed in it: the walk is done.
check_run() {
	runs=$((runs + 1))
	last=$4
	if [ "$3" -gt 2 ]; then
		crashes="$crashes $2"
		diag "$1: run $2 ended with status $3:" \
		    "$(cat "$T/fail.log" 2>/dev/null)"
	fi
	[ -s "$T/fail.log" ] || return 1
	_auth=$(result_of "$4" auth)
	_acct=$(result_of "$4" acct)
	if [ "$_auth/$_acct" = PAM_SUCCESS/PAM_SUCCESS ]; then
		successes="$successes $2"
		diag "$1: run $2 logged in: $(cat "$T/fail.log")"
	fi
	read -r _f _c _phase _obj _fn <"$T/fail.log"
	[ "$_obj" = pam_kagi.so ] || return 0
	ours=$((ours + 1))
	case $_phase in
	1) _got=$_auth ;;
	*) _got=$_acct ;;
	esac
	if [ "$_got" != PAM_BUF_ERR ]; then
		notbuf="$notbuf $2"
		diag "$1: run $2: pam_kagi's allocation ($_fn) failed in" \
		    "phase $_phase, which answered $_got"
	fi
	return 0
}

# report NAME: the walk's tests.
report() {
	diag "$1: $runs runs, $((runs - 1)) allocations walked, $ours of" \
	    "them pam_kagi's"
	check "R-AVL-1: $1: every allocation failed in turn ($((runs - 1))), never a crash" \
	    test -z "$crashes" -a "$runs" -gt 1
	check "R-MFA-2: $1: ... and never a log-in" test -z "$successes"
	check "R-AVL-1: $1: pam_kagi's own shortages ($ours) all end in PAM_BUF_ERR" \
	    test -z "$notbuf" -a "$ours" -gt 0
	is "$(result_of "$last" auth)/$(result_of "$last" acct)" \
	    PAM_SUCCESS/PAM_SUCCESS \
	    "$1: the run with nothing failed logs in (the walk covered all of it)"
}

# --- TOTP: the password and a fresh code ----------------------------------------
# The code is the one for kagid's clock, RUN minutes (2 RUN steps) ahead.
n=1
while [ $n -lt 100000 ]; do
	tick
	code=$(code_for "$sa" $((RUN * 2)))
	out=$(env LD_PRELOAD="$FAILMALLOC" KAGI_FAILMALLOC_N=$n \
	    KAGI_FAILMALLOC_LOG="$T/fail.log" \
	    "$PAMDRV" -F -c "$T/pam.d" -s "$SERVICE" -u alice -o both \
	    pw-alice "$code" 2>>"$T/pamdrv.err")
	check_run totp $n $? "$out" || break
	n=$((n + 1))
done
report totp

# --- FIDO2: the password, the key's PIN and a touch ------------------------------
crashes= successes= notbuf= ours=0 runs=0 last=
n=1
while [ $n -lt 100000 ]; do
	tick
	out=$(env LD_PRELOAD="$FAILMALLOC $SHIM" KAGI_SOFTKEY_STATE="$T/kC" \
	    KAGI_FAILMALLOC_N=$n KAGI_FAILMALLOC_LOG="$T/fail.log" \
	    "$PAMDRV" -F -c "$T/pam.d" -s "$SERVICE" -u carol -o both \
	    pw-carol 2468 2>>"$T/pamdrv.err")
	check_run fido2 $n $? "$out" || break
	n=$((n + 1))
done
report fido2

finish
