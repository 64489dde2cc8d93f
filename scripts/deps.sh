#!/bin/sh
# deps.sh - install what kagi needs to build and test, from Debian.
#
# As root: installs the missing packages (apt-get) and the ja_JP.UTF-8
# locale the translation tests use.  As anyone else: prints the exact
# command to run and fails.  `deps.sh build` needs less than `deps.sh test`.
set -eu

what=${1:-test}
# dbus-daemon: idle.sh runs its own system bus for a stand-in logind.
# tzdata: kagid reads maintenance windows in a named time zone
# (Asia/Tokyo by default) and refuses to start without it.
# libpq-dev: the PostgreSQL store (issue 14).
build_pkgs="build-essential autoconf automake libtool pkgconf gettext
libpam0g-dev libjson-c-dev libssl-dev libsqlite3-dev libpq-dev liboath-dev
libqrencode-dev libcmocka-dev libpam-wrapper libfido2-dev libcbor-dev
tzdata"
# passwd, util-linux: the two-person tests make Unix users (useradd) and
# act as them (setpriv).  postgresql-15: the store's tests start a
# PostgreSQL server of their own (initdb, pg_ctl) in a temporary directory.
test_pkgs="$build_pkgs mandoc locales sqlite3 clang libclang-rt-14-dev
fido2-tools libsystemd-dev libnss-wrapper openssh-server openssh-client
jq libpam-oath libpam-google-authenticator libfaketime python3 openssl
dbus-daemon passwd util-linux postgresql-15"
case $what in
build|demo) pkgs=$build_pkgs ;;
test) pkgs=$test_pkgs ;;
*) echo "usage: deps.sh [build|test]" >&2; exit 2 ;;
esac

missing=""
for p in $pkgs; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case $st in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done

need_locale=0
if [ "$what" = test ] && ! locale -a 2>/dev/null | grep -qi '^ja_JP\.utf-\?8$'; then
	need_locale=1
fi

if [ -z "$missing" ] && [ $need_locale = 0 ]; then
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	if [ -n "$missing" ]; then
		echo "kagi needs these Debian packages:$missing" >&2
		echo "install them as root:  apt-get install -y$missing" >&2
		exit 1
	fi
	echo "note: the ja_JP.UTF-8 locale is missing; the Japanese message" \
	    "tests will be skipped (as root: run this script to add it)" >&2
	exit 0
fi
if [ -n "$missing" ]; then
	echo "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
if [ $need_locale = 1 ] && [ -f /etc/locale.gen ]; then
	sed -i 's/^# *\(ja_JP\.UTF-8 UTF-8\)/\1/' /etc/locale.gen
	grep -q '^ja_JP.UTF-8 UTF-8' /etc/locale.gen ||
	    echo 'ja_JP.UTF-8 UTF-8' >> /etc/locale.gen
	locale-gen >/dev/null
fi
