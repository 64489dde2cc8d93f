#!/bin/sh
# pgserver.sh - a PostgreSQL 15 server of the tests' own, for the store's
# PostgreSQL engine (issue 14).
#
#   tests/pgserver.sh start DIR    initdb and start a server in DIR (which
#                                  must not exist or be empty); prints the
#                                  libpq connection string of database kagi
#   tests/pgserver.sh stop DIR     stop it (fast shutdown); DIR is kept
#   tests/pgserver.sh resume DIR   start a server stopped before, as it was
#   tests/pgserver.sh conninfo DIR print the connection string again
#
# What it guarantees:
#  - Nothing outside DIR is touched: the cluster is DIR/data, the Unix
#    socket lives in DIR/sock, the log is DIR/postgresql.log.  No TCP
#    (listen_addresses is empty), no other server, no system service.
#  - The server runs as an unprivileged user: the caller when not root;
#    as root (CI), the user nobody (group nogroup) through setpriv, owning
#    DIR/data and DIR/sock (mode 0700) while DIR itself is 0711.  initdb
#    refuses root, and the tests must not run a database as root anyway.
#  - Authentication is trust on the socket only, reachable by its owner
#    and root (the socket's directory is 0700): this is a test server.
#  - fsync stays on unless PGSERVER_FSYNC=off is set (the unit tests may
#    set it; the failover and the durability tests must not).
#  - Debian's binaries (/usr/lib/postgresql/15/bin, postgresql-15); when
#    missing, it says which package to install and exits 2.
# Exit status: 0 done, 1 the server failed (its log is printed), 2 usage
# or a missing package.
set -eu

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}

usage() {
	echo "usage: pgserver.sh start|stop|resume|conninfo DIR" >&2
	exit 2
}

[ $# = 2 ] || usage
cmd=$1
dir=$2
case $dir in /*) ;; *) dir=$(pwd)/$dir ;; esac

conninfo() {
	echo "host=$dir/sock port=5432 dbname=kagi user=kagi"
}

# Run a command as the server's user, in DIR.
as_pg() {
	if [ "$(id -u)" = 0 ]; then
		(cd "$dir" && setpriv --reuid=nobody --regid=nogroup \
		    --clear-groups -- "$@")
	else
		(cd "$dir" && "$@")
	fi
}

case $cmd in
start)
	for b in initdb pg_ctl postgres createdb; do
		[ -x "$PGBIN/$b" ] || {
			echo "pgserver.sh: $PGBIN/$b missing: install the" \
			    "Debian package postgresql-15" >&2
			exit 2
		}
	done
	if [ -d "$dir" ] && [ -n "$(ls -A "$dir")" ]; then
		echo "pgserver.sh: $dir is not empty" >&2
		exit 2
	fi
	mkdir -p "$dir/data" "$dir/sock"
	chmod 0711 "$dir"
	chmod 0700 "$dir/data" "$dir/sock"
	if [ "$(id -u)" = 0 ]; then
		command -v setpriv >/dev/null 2>&1 || {
			echo "pgserver.sh: setpriv missing: install the" \
			    "Debian package util-linux" >&2
			exit 2
		}
		chown nobody:nogroup "$dir/data" "$dir/sock"
		: > "$dir/postgresql.log"
		chown nobody:nogroup "$dir/postgresql.log"
	fi
	if ! as_pg "$PGBIN/initdb" -D "$dir/data" -U kagi -A trust \
	    -E UTF8 --locale=C.UTF-8 --no-instructions \
	    > "$dir/initdb.log" 2>&1; then
		cat "$dir/initdb.log" >&2
		exit 1
	fi
	# Unix socket only, in DIR/sock; nothing else listens.
	cat >> "$dir/data/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$dir/sock'
unix_socket_permissions = 0700
port = 5432
fsync = ${PGSERVER_FSYNC:-on}
max_connections = 100
EOF
	if ! as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/postgresql.log" \
	    -w -t 60 start > "$dir/pg_ctl.log" 2>&1; then
		cat "$dir/pg_ctl.log" "$dir/postgresql.log" >&2
		exit 1
	fi
	if ! as_pg "$PGBIN/createdb" -h "$dir/sock" -U kagi kagi \
	    >> "$dir/pg_ctl.log" 2>&1; then
		cat "$dir/pg_ctl.log" "$dir/postgresql.log" >&2
		exit 1
	fi
	conninfo
	;;
stop)
	[ -f "$dir/data/postmaster.pid" ] || exit 0
	as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop \
	    > /dev/null
	;;
resume)
	[ -f "$dir/data/PG_VERSION" ] || usage
	if ! as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/postgresql.log" \
	    -w -t 60 start > "$dir/pg_ctl.log" 2>&1; then
		cat "$dir/pg_ctl.log" "$dir/postgresql.log" >&2
		exit 1
	fi
	;;
conninfo)
	conninfo
	;;
*)
	usage
	;;
esac
