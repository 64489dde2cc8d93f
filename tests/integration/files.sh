#!/bin/sh
# files.sh - kagid refuses to start on files an attacker could have placed
# or changed: symlinks, wrong owners, group- or world-writable modes,
# wrong sizes, a directory on the way from "/" that someone else may
# change; and says which file (or directory) and why.  (R-TOK-8)
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

kagid_built
plan 42

# refuse DESC PATTERN: kagid must exit non-zero within 5 s with PATTERN in
# its message, and leave no socket behind.
refuse() {
	[ -S "$SOCK" ] && rm -f "$SOCK"
	out=$(timeout 5 "$KAGID" -f -c "$CONF" 2>&1); rc=$?
	if [ $rc -ne 0 ] && [ $rc -ne 124 ]; then ok "$1: refused"
	else not_ok "$1: refused" "exit $rc" "$out"; fi
	like "$out" "$2" "$1: the message says '$2'"
}

fresh() {
	rm -rf "$T/c"
	mkdir -m 700 "$T/c" "$T/c/state"
	CONF=$T/c/kagid.conf
	printf 'socket = %s\nstate_dir = %s\nuser =\n' "$SOCK" "$T/c/state" >"$CONF"
	chmod 600 "$CONF"
}

fresh
ln -s "$CONF" "$T/c/link.conf"
CONF=$T/c/link.conf
refuse "config is a symlink" "is a symbolic link"

fresh; chmod 666 "$CONF"
refuse "config is world-writable" "writable by group or others"

fresh; chmod 620 "$CONF"
refuse "config is group-writable" "writable by group or others"

fresh; rmdir "$T/c/state"; mkdir -m 700 "$T/c/real"; ln -s "$T/c/real" "$T/c/state"
refuse "state directory is a symlink" "symbolic link"

fresh; chmod 777 "$T/c/state"
refuse "state directory is world-writable" "writable by group or others"

fresh; ln -s /etc/passwd "$T/c/state/seal.key"
refuse "key file is a symlink" "symbolic link"

fresh; head -c 32 /dev/urandom >"$T/c/state/seal.key"; chmod 644 "$T/c/state/seal.key"
refuse "key file readable by others" "readable by group or others"

fresh; head -c 16 /dev/urandom >"$T/c/state/seal.key"; chmod 600 "$T/c/state/seal.key"
refuse "key file of the wrong size" "expected 32"

fresh; ln -s "$T/c/elsewhere.db" "$T/c/state/kagi.db"
refuse "database is a symlink" "kagi.db"

fresh; rm -f "$SOCK"; : >"$SOCK"
refuse "socket path is a regular file" "is not a socket"
rm -f "$SOCK"

if [ "$(id -u)" = 0 ]; then
	fresh; chown 65534 "$CONF"
	refuse "config owned by another user" "owned by uid 65534"
	fresh; chown 65534 "$T/c/state"
	refuse "state directory owned by another user" "owned by uid 65534"
	fresh; head -c 32 /dev/urandom >"$T/c/state/seal.key"
	chmod 600 "$T/c/state/seal.key"; chown 65534 "$T/c/state/seal.key"
	refuse "key file owned by another user" "owned by uid 65534"
else
	for i in 1 2 3 4 5 6; do skip "ownership checks" "need root"; done
fi

# --- every directory on the way from "/" (issue 13) ---------------------------
# A file of root's in a directory someone else may change is theirs to
# swap: kagid refuses it, naming that directory.
fresh; chmod 770 "$T/c"
refuse "config in a group-writable directory" \
    "its directory $T/c is writable by group or others"
fresh
if [ "$(id -u)" = 0 ]; then
	# A sticky directory of root's (like /tmp) on the way is accepted.
	mkdir -m 1777 "$T/st"
	mkdir -m 700 "$T/st/c"
	cp "$CONF" "$T/st/c/kagid.conf"
	out=$("$KAGID" -t -c "$T/st/c/kagid.conf" 2>&1); rc=$?
	is "$rc" 0 "a sticky directory of root's on the way is accepted"
	[ "$rc" = 0 ] || diag "$out"
	# Someone else's directory above each file kagid trusts.
	mkdir -m 755 "$T/u"
	chown 65534 "$T/u"
	chown 65534 "$T/c"
	refuse "config in a directory owned by another user" \
	    "its directory $T/c is owned by uid 65534"
	for kv in "state_dir = $T/u/state" "key_file = $T/u/seal.key" \
	    "database = $T/u/kagi.db" "socket = $T/u/run/kagid.sock" \
	    "breakglass_file = $T/u/bg"; do
		fresh
		mkdir -p -m 700 "$T/u/state"
		mkdir -p -m 755 "$T/u/run"
		grep -v "^${kv%% =*} =" "$CONF" >"$CONF.new"
		echo "$kv" >>"$CONF.new"
		[ "${kv%% =*}" = breakglass_file ] && echo "breakglass = yes" >>"$CONF.new"
		mv "$CONF.new" "$CONF"
		chmod 600 "$CONF"
		refuse "${kv%% =*} in a directory owned by another user" \
		    "its directory $T/u is owned by uid 65534"
	done
	rm -rf "$T/u" "$T/st"
else
	for i in $(seq 13); do skip "directories of other users" "need root"; done
fi

# And the good case: a fresh state directory gets a new key, mode 0600.
fresh
n0=$(grep -c "listening on" "$T/kagid.log" 2>/dev/null)
start_kagid >/dev/null 2>&1 || true
# The socket is bound before the key is made: wait until kagid listens.
i=0
while [ "$(grep -c "listening on" "$T/kagid.log" 2>/dev/null)" -le "${n0:-0}" ] &&
    [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
CONF=$T/kagid.conf
is "$(stat -c '%a %s' "$T/state/seal.key" 2>/dev/null)" "600 32" "a new key file is created: 32 bytes, mode 0600"
finish
