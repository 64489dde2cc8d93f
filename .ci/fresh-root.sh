#!/bin/bash
# fresh-root.sh - kagi on a fresh Debian 12 system, as an administrator or a
# new developer meets it; run by .ci/run as root.
#
#   .ci/fresh-root.sh packages   build the Debian packages, check them with
#                                lintian, install them in a fresh root, let
#                                the administrator choose kagi in
#                                pam-auth-update, start kagid, enrol a user
#                                and log in through a real PAM service
#   .ci/fresh-root.sh suite      the README's test command (scripts/test.sh)
#                                in a fresh root: scripts/deps.sh must bring
#                                everything the suite needs
#
# A fresh root is made by mmdebstrap (variant minbase) from the Debian
# archive ($KAGI_MIRROR, default http://deb.debian.org/debian).  Everything
# lives under one temporary directory, removed on every exit path; the
# mounts a root needs (/proc, /sys, /dev) are made inside a private mount
# namespace for each command run in it, so they vanish with it and nothing
# outside the temporary directory is touched.  Ends with a line
# "N passed, N failed, N skipped": its own checks (packages) or the suite's
# (suite).  Exits non-zero when anything failed.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
mode=${1:-}
case $mode in
packages|suite) ;;
*) echo "usage: .ci/fresh-root.sh packages|suite" >&2; exit 2 ;;
esac
[ "$(id -u)" = 0 ] || { echo "fresh-root.sh needs root" >&2; exit 2; }
mirror=${KAGI_MIRROR:-http://deb.debian.org/debian}
suite=bookworm

tmp=$(mktemp -d /tmp/kagi-fresh.XXXXXX)
root=$tmp/root
kagid_pidfile=$root/run/kagi/kagid.pid
cleanup() {
	local pid
	if [ -f "$kagid_pidfile" ]; then
		pid=$(cat "$kagid_pidfile" 2>/dev/null || true)
		[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true
		sleep 1
		[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

export DEBIAN_FRONTEND=noninteractive
export LC_ALL=C.UTF-8

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok - $*"; }
fail() { failed=$((failed + 1)); echo "not ok - $*"; }
# check DESC CMD...: pass when CMD succeeds; its output is shown otherwise.
check() {
	local d=$1 out
	shift
	if out=$("$@" 2>&1); then
		pass "$d"
	else
		fail "$d"
		printf '%s\n' "$out" | tail -n 20 | sed 's/^/#   /'
	fi
}
# is GOT WANT DESC
is() {
	if [ "$1" = "$2" ]; then
		pass "$3"
	else
		fail "$3"
		echo "#   got:  '$1'"
		echo "#   want: '$2'"
	fi
}

t_start=$(date +%s)
t_last=$t_start
# lap WHAT: how long the step since the last lap took.
lap() {
	local now
	now=$(date +%s)
	echo "time: $1: $((now - t_last)) s"
	t_last=$now
}

# host_tools PKG...: install what is missing on this machine.
host_tools() {
	local p missing=""
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		    grep -q "install ok installed" || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	echo "installing on this machine:$missing"
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

# copy_tree DEST: the source tree (tracked and new files, no build output).
copy_tree() {
	mkdir -p "$1"
	if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
		(cd "$top" && git ls-files -z -c -o --exclude-standard |
		    tar --null -T - -cf -) | tar -C "$1" -xf -
	else
		(cd "$top" && tar --exclude=./build -cf - .) | tar -C "$1" -xf -
	fi
}

# make_root [mmdebstrap options]: a fresh minimal Debian 12 in $root.
make_root() {
	mmdebstrap -q --variant=minbase "$@" "$suite" "$root" "$mirror"
	# apt in the root reaches the archive as this machine does.
	cp /etc/resolv.conf "$root/etc/resolv.conf"
}

# in_root CMD...: run CMD in $root with /proc, /sys and /dev, in a private
# mount namespace, with a clean environment.  The root is a mount point of
# its own, as / is on a real system (unshare --propagation, used by the
# tests, needs that).
in_root() {
	unshare --mount --propagation private -- /bin/sh -c '
		r=$1; shift
		mount --bind "$r" "$r" &&
		mount -t proc proc "$r/proc" &&
		mount --rbind /sys "$r/sys" &&
		mount --rbind /dev "$r/dev" || exit 125
		exec chroot "$r" /usr/bin/env -i HOME=/root LC_ALL=C.UTF-8 \
		    PATH=/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb \
		    DEBIAN_FRONTEND=noninteractive "$@"' sh "$root" "$@"
}

finish() {
	lap "cleanup"
	echo "time: total: $(( $(date +%s) - t_start )) s"
	echo "$passed passed, $failed failed, 0 skipped"
	[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
}

# --- the README's test command in a fresh root ----------------------------------
if [ "$mode" = suite ]; then
	host_tools mmdebstrap
	make_root
	lap "fresh root (mmdebstrap minbase)"
	copy_tree "$root/src/kagi"
	out=$tmp/suite.txt
	set +e
	in_root /bin/sh -c 'cd /src/kagi && ./scripts/test.sh' 2>&1 | tee "$out"
	set -e
	lap "scripts/test.sh in the fresh root"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1 || true)
	echo "time: total: $(( $(date +%s) - t_start )) s"
	if [ -z "$line" ]; then
		echo "0 passed, 1 failed, 0 skipped"
		exit 1
	fi
	echo "$line"
	case $line in
	*" 0 failed"*) exit 0 ;;
	*) exit 1 ;;
	esac
fi

# --- the packages -------------------------------------------------------------------
host_tools mmdebstrap debhelper lintian dpkg-dev fakeroot oathtool
src=$tmp/src/kagi
copy_tree "$src"
(cd "$src" && apt-get build-dep -y -qq ./ >/dev/null)
lap "build dependencies"
if (cd "$src" && dpkg-buildpackage -us -uc -b) >"$tmp/build.log" 2>&1; then
	pass "dpkg-buildpackage -us -uc -b"
else
	fail "dpkg-buildpackage -us -uc -b"
	tail -n 40 "$tmp/build.log" | sed 's/^/#   /'
	finish
	exit 1
fi
lap "dpkg-buildpackage"
for d in "$tmp"/src/*.deb; do
	printf 'package: %-40s %8d bytes, installed %s KiB\n' "$(basename "$d")" \
	    "$(stat -c %s "$d")" "$(dpkg-deb -f "$d" Installed-Size)"
done
# lintian: no error and no warning (its root warning is not about us).
st=0
lint=$(lintian --fail-on error,warning "$tmp"/src/kagi_*.changes 2>&1) || st=$?
printf '%s\n' "$lint" | grep -v 'running with root privileges' |
    sed 's/^/lintian: /' || true
is "$st" 0 "lintian: no error and no warning"
lap "lintian"

make_root
lap "fresh root (mmdebstrap minbase)"
mkdir -p "$root/tmp/debs"
cp "$tmp"/src/kagi_*.deb "$tmp"/src/libpam-kagi_*.deb "$root/tmp/debs/"
check "apt-get install ./kagi ./libpam-kagi pamtester in the fresh root" \
    in_root /bin/sh -c 'apt-get update -qq &&
	apt-get install -y -qq --no-install-recommends /tmp/debs/kagi_*.deb \
	    /tmp/debs/libpam-kagi_*.deb pamtester'
lap "install in the fresh root"

is "$(in_root getent passwd kagi | cut -d: -f6,7)" \
    "/var/lib/kagi:/usr/sbin/nologin" "sysusers.d: the kagi user"
check "sysusers.d: the kagi-admin and kagi-approver groups" \
    in_root getent group kagi-admin kagi-approver
is "$(in_root stat -c '%U %a' /var/lib/kagi /run/kagi | tr '\n' ' ')" \
    "kagi 700 kagi 755 " "tmpfiles.d: /var/lib/kagi and /run/kagi"
check "the unit is installed" test -f "$root/lib/systemd/system/kagid.service"
check "kagid -t accepts the shipped /etc/kagi/kagid.conf" \
    in_root /usr/sbin/kagid -t
check "the module is in Linux-PAM's directory" \
    in_root /bin/sh -c 'ls /lib/*/security/pam_kagi.so'
check "pam_kagi is in no stack before the administrator chooses it" \
    in_root /bin/sh -c '! grep -l pam_kagi /etc/pam.d/*'

in_root pam-auth-update --enable kagi >/dev/null 2>&1 || true
for s in auth account session; do
	order=$(in_root grep -E '^[a-z]+.*pam_(unix|kagi)\.so' \
	    "/etc/pam.d/common-$s" | sed 's/.*\(pam_[a-z]*\)\.so.*/\1/' |
	    tr '\n' ' ')
	is "$order" "pam_unix pam_kagi " \
	    "pam-auth-update --enable kagi: common-$s, pam_kagi after pam_unix"
done
check "... not in common-session-noninteractive (cron)" \
    in_root /bin/sh -c '! grep -q pam_kagi /etc/pam.d/common-session-noninteractive'

# kagid without systemd: started as root, it binds its socket, writes its
# pid file and drops to the kagi user.
check "kagid -p /run/kagi/kagid.pid starts" \
    in_root /usr/sbin/kagid -p /run/kagi/kagid.pid
i=0
while [ ! -s "$kagid_pidfile" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
pid=$(cat "$kagid_pidfile" 2>/dev/null || echo 0)
is "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)" \
    "$(in_root id -u kagi)" "kagid runs as the kagi user"

# Users: tanaka logs in; yamada administers (kagi-admin) and sato
# approves (kagi-approver); suzuki is asked for.
in_root /bin/sh -c 'useradd -m tanaka && echo tanaka:pw-tanaka | chpasswd &&
	useradd -m yamada && usermod -aG kagi-admin yamada &&
	useradd -m sato && usermod -aG kagi-approver sato &&
	useradd -m suzuki' >/dev/null
# as_person USER CMD...: CMD with USER's login uid, as pam_loginuid sets
# it at log-in and sudo keeps it: the two-person rule compares people,
# and a process with no login uid is nobody's (R-PRIV-3).
as_person() {
	_p=$1
	shift
	in_root /bin/sh -c 'echo "$(id -u "$0")" >/proc/self/loginuid &&
	    exec "$@"' "$_p" "$@"
}
check "kagictl user add tanaka" in_root kagictl user add tanaka
out=$(in_root kagictl token add-totp tanaka --no-qr --pending 2>&1 || true)
id=$(printf '%s\n' "$out" | sed -n 's/^token: *\([0-9]*\).*/\1/p' | head -n 1)
uri=$(printf '%s\n' "$out" | sed -n 's/^uri: *//p' | head -n 1)
secret=$(printf '%s\n' "$uri" | sed -n 's/.*[?&]secret=\([A-Z2-7=]*\).*/\1/p')
algo=$(printf '%s\n' "$uri" | sed -n 's/.*[?&]algorithm=\([A-Z0-9]*\).*/\1/p' |
    tr 'A-Z' 'a-z')
digits=$(printf '%s\n' "$uri" | sed -n 's/.*[?&]digits=\([0-9]*\).*/\1/p')
period=$(printf '%s\n' "$uri" | sed -n 's/.*[?&]period=\([0-9]*\).*/\1/p')
# code OFFSET_SECONDS: the code of the time step around now + OFFSET.
code() {
	oathtool --totp="${algo:-sha1}" -d "${digits:-6}" -s "${period:-30}s" \
	    -N "@$(( $(date +%s) + $1 ))" -b "$secret"
}
# Keep clear of a step's last seconds, so a code stays valid while used.
while [ $(( $(date +%s) % ${period:-30} )) -ge $(( ${period:-30} - 6 )) ]; do
	sleep 1
done
check "kagictl token add-totp tanaka, confirmed with the previous code" \
    in_root /bin/sh -c "echo $(code -${period:-30}) |
	kagictl token confirm tanaka $id"

cat >"$root/etc/pam.d/kagi-smoke" <<'PAM'
# A service made of Debian's common stacks, as pam-auth-update wrote them.
@include common-auth
@include common-account
@include common-session
PAM
c=$(code 0)
check "pamtester: password and code log in (auth, account, session)" \
    in_root /bin/sh -c "printf 'pw-tanaka\n$c\n' |
	pamtester kagi-smoke tanaka authenticate acct_mgmt open_session close_session"
check "pamtester: the same code again is refused" \
    in_root /bin/sh -c "! printf 'pw-tanaka\n$c\n' |
	pamtester kagi-smoke tanaka authenticate"
check "pamtester: a wrong password with the next code is refused" \
    in_root /bin/sh -c "! printf 'wrong\n$(code "${period:-30}")\n' |
	pamtester kagi-smoke tanaka authenticate"
ev=$(in_root kagictl audit export --json --user tanaka 2>&1 || true)
# common-account's pam_kagi confirms common-auth's (issue 13): the log-in
# is recorded as confirmed, not merely as a right code.
for e in '"event":"auth"' '"reason":"confirmed"' '"event":"session_open"' \
    '"event":"session_close"'; do
	case $ev in
	*"$e"*) pass "the audit records $e for tanaka" ;;
	*) fail "the audit records $e for tanaka" ;;
	esac
done

# The two-person rule: root's request, approved by a member of
# kagi-approver through that person's own Unix account.
st=0
out=$(as_person yamada kagictl --json user add suzuki --role privileged 2>&1) ||
    st=$?
is "$st" 4 "a privileged user is a request awaiting a second person (yamada, through sudo)"
rid=$(printf '%s' "$out" | tr -d ' \n' |
    sed -n 's/.*"request":{"id":\([0-9]*\).*/\1/p')
check "sato (kagi-approver) approves it with kagictl" \
    as_person sato runuser -u sato -- kagictl request approve "$rid"

kill -TERM "$pid" 2>/dev/null || true
i=0
while [ -e "$kagid_pidfile" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "kagid stops on SIGTERM and removes its pid file" test ! -e "$kagid_pidfile"
lap "kagid, enrolment and log-ins in the fresh root"
finish
