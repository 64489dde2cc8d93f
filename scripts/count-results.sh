#!/bin/sh
# count-results.sh BUILDDIR [SRCDIR] - count the real results of `make check`.
#
# Reads every .trs file automake's drivers wrote (one ":test-result:" line
# per TAP test point; pg/NAME.trs are NAME's results on PostgreSQL, from
# make check-pg) and prints "N passed, N failed, N skipped".  Exits 1
# when anything failed or when no result was found at all.
#
# A skip never hides a requirement.  These count as failed, not skipped,
# and each is named on standard error:
#  - a skipped test point whose description cites a requirement ID
#    (R-XXX-N): the requirement it proves is unproven on this machine;
#  - a test file skipped whole (a plan of 1..0) whose source, found under
#    SRCDIR by the test's name, cites one.
# The one exception is a check that cannot run against a sanitizer build
# at all (Debian's sshd carries no ASan runtime and cannot load an ASan
# pam_kagi.so): its skip reason begins "sanitizer build:", and it is
# accepted only in a build configured with --enable-sanitizers.  In the
# plain build the same reason counts as a failure, so the plain run of
# the suite is the one that must run it.
set -eu
dir=${1:?usage: count-results.sh BUILDDIR [SRCDIR]}
src=${2:-}
dir=${dir%/}

san=0
if [ -f "$dir/Makefile" ] &&
    grep -q '^SAN_CFLAGS = .*-fsanitize=' "$dir/Makefile"; then
	san=1
fi

# The results, then each one's log (the driver's "SKIP:" lines say what
# was skipped and why), and the test names whose source cites an ID.
trs=$(find "$dir" -name '*.trs' | sort)
if [ -z "$trs" ]; then
	echo "0 passed, 0 failed, 0 skipped"
	exit 1
fi
citing=$(mktemp "${TMPDIR:-/tmp}/kagi-count.XXXXXX")
trap 'rm -f "$citing"' EXIT
for t in $trs; do
	n=${t#"$dir"/}
	n=${n%.trs}
	# pg/NAME: NAME run once more on PostgreSQL (make check-pg).
	if [ -n "$src" ] && [ -f "$src/${n#pg/}" ] &&
	    grep -qE 'R-[A-Z]+-[0-9]+' "$src/${n#pg/}"; then
		echo "$n" >>"$citing"
	fi
done
logs=
for t in $trs; do
	[ -f "${t%.trs}.log" ] && logs="$logs ${t%.trs}.log"
done

# shellcheck disable=SC2086
awk -v dir="$dir" -v san="$san" -v citing="$citing" '
BEGIN {
	while ((getline l < citing) > 0)
		cites[l] = 1
}
FILENAME ~ /\.trs$/ {
	if ($0 ~ /^:test-result: (PASS|XFAIL)/) p++
	else if ($0 ~ /^:test-result: (FAIL|XPASS|ERROR)/) f++
	else if ($0 ~ /^:test-result: SKIP/) s++
	next
}
/^SKIP: / {
	name = substr(FILENAME, length(dir) + 2)
	sub(/\.log$/, "", name)
	rest = substr($0, 7)
	if (substr(rest, 1, length(name) + 1) != name " ")
		next
	rest = substr(rest, length(name) + 2)
	if (rest ~ /^- /) {
		# The whole file: "SKIP: NAME - REASON".
		why = substr(rest, 3)
		hides = name in cites
		what = name " (skipped whole; it cites requirement IDs)"
	} else {
		# One point: "SKIP: NAME N - DESC # SKIP REASON".
		sub(/^[0-9]+ (- )?/, "", rest)
		i = index(rest, " # SKIP")
		desc = i > 0 ? substr(rest, 1, i - 1) : rest
		why = i > 0 ? substr(rest, i + 7) : ""
		sub(/^ +/, "", why)
		hides = desc ~ /R-[A-Z]+-[0-9]+/
		what = name ": " desc
	}
	if (!hides || (san && why ~ /^sanitizer build:/))
		next
	s--
	f++
	printf "=== skipped, so failed: %s: %s\n", what, why > "/dev/stderr"
}
END {
	printf "%d passed, %d failed, %d skipped\n", p, f, s
	exit (f > 0 || p == 0) ? 1 : 0
}' $trs $logs
