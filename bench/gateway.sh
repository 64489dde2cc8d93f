#!/bin/sh
# gateway.sh - what the kagi SSH gateway costs (issue 16, "Speed"):
#
#   bench/gateway.sh [-n SPAWNS] [-l LOGINS] [-r ROUNDS] [-j RUNS] [BUILD]
#
# (a) kagi-authkeys, sshd's AuthorizedKeysCommand, spawned SPAWNS times a
#     round (default 200) the way sshd spawns it (bench/spawntime: fork,
#     drop to its own unprivileged user, empty environment, output read to
#     its end) against a kagid holding one vendor inside its permit with
#     one enrolled security key; each run must print that key's line.  A
#     baseline, /bin/true spawned the same way, takes turns with it, so
#     the ratio and the difference are the keys command's own work.
# (b) whole log-ins: the real ssh client logs in (and runs `echo`) to a
#     real sshd on loopback, LOGINS times a round (default 20) to each of
#     two sshds, one log-in to each in turn:
#       sshd   sshd alone: publickey from an authorized_keys file, then
#              keyboard-interactive password through PAM (pam_matrix);
#       kagi   the shipped gateway (conf/sshd_config.d/kagi-gateway.conf
#              as installed, the keys command's path and user changed),
#              its PAM stack: pam_matrix, then pam_kagi sshkey; pam_kagi
#              in account and session.
#     The same user, key (ed25519-sk, the software security key
#     tests/sshsk), password path and source address; each log-in timed
#     around the whole ssh command.  kagi's overhead is the difference.
# ROUNDS rounds (default 5).  Every run is counted, successful or not;
# one JSON line per label and round goes to RUNS (default: standard
# output), with p50 and p99 in ms (nearest rank, successful runs only).
#
# Needs root, sshd and ssh (openssh-server, openssh-client), nss_wrapper
# and pam_wrapper (libnss-wrapper, libpam-wrapper), setpriv, and BUILD
# built with tests/sshsk/libsshsk.la: without one of them it prints why,
# writes a "gateway_skipped" record and exits 0.  Writes only one
# temporary directory and one directory under /run (sshd runs a keys
# command only from a path root owns all the way), both removed.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
SPAWNS=200
LOGINS=20
ROUNDS=5
RUNS=""
while getopts n:l:r:j: opt; do
	case $opt in
	n) SPAWNS=$OPTARG ;;
	l) LOGINS=$OPTARG ;;
	r) ROUNDS=$OPTARG ;;
	j) RUNS=$OPTARG ;;
	*) echo "usage: bench/gateway.sh [-n SPAWNS] [-l LOGINS] [-r ROUNDS] [-j RUNS] [BUILD]" >&2
	   exit 2 ;;
	esac
done
shift $((OPTIND - 1))
b=${1:-${KAGI_BENCH_BUILD:-$top/build/bench}}
b=$(cd "$b" && pwd)
[ -n "$RUNS" ] || RUNS=/dev/stdout

skipped() {
	echo "   gateway: not measured: $1"
	printf '{"system":"gateway","mode":"gateway_skipped","why":"%s"}\n' "$1" >>"$RUNS"
	exit 0
}

KAGID=$b/tokend/kagid/kagid
KAGICTL=$b/tokend/ctl/kagictl
AUTHKEYS=$b/tokend/ctl/kagi-authkeys
MODULE=$b/pam_module/.libs/pam_kagi.so
P=$b/tests/sshsk/.libs/libsshsk.so
SSHD=/usr/sbin/sshd
[ "$(id -u)" = 0 ] || skipped "needs root (sshd, setuid to the keys command's user)"
{ [ -x "$KAGID" ] && [ -x "$AUTHKEYS" ] && [ -f "$MODULE" ] && [ -f "$P" ]; } ||
	skipped "kagid, kagi-authkeys, pam_kagi.so or tests/sshsk/libsshsk.la not built in $b"
{ [ -x "$SSHD" ] && command -v ssh >/dev/null 2>&1 &&
    command -v ssh-keygen >/dev/null 2>&1; } ||
	skipped "sshd or ssh not installed (openssh-server, openssh-client)"
{ command -v setpriv >/dev/null 2>&1 && getent group nogroup >/dev/null 2>&1; } ||
	skipped "needs setpriv and the group nogroup"
PAMWRAP=""
NSSWRAP=""
PAM_MATRIX=""
for d in /usr/lib/x86_64-linux-gnu /usr/lib/*-linux-gnu /usr/lib64 /usr/lib; do
	[ -z "$PAMWRAP" ] && [ -f "$d/libpam_wrapper.so" ] && PAMWRAP=$d/libpam_wrapper.so
	[ -z "$NSSWRAP" ] && [ -f "$d/libnss_wrapper.so" ] && NSSWRAP=$d/libnss_wrapper.so
	[ -z "$PAM_MATRIX" ] && [ -f "$d/pam_wrapper/pam_matrix.so" ] &&
	    PAM_MATRIX=$d/pam_wrapper/pam_matrix.so
done
{ [ -n "$PAMWRAP" ] && [ -n "$NSSWRAP" ] && [ -n "$PAM_MATRIX" ]; } ||
	skipped "pam_wrapper, pam_matrix or nss_wrapper not installed (libpam-wrapper, libnss-wrapper)"
[ -d /run/sshd ] || mkdir -m 0755 /run/sshd ||
	skipped "/run/sshd does not exist and cannot be made"

ST=$b/bench/spawntime
if [ ! -x "$ST" ]; then
	mkdir -p "$b/bench"
	${CC:-cc} -std=c11 -O2 -Wall -Wextra -Werror -o "$ST" "$top/bench/spawntime.c"
fi

tmp=$(mktemp -d /tmp/kagi-gwbench.XXXXXX)
chmod 711 "$tmp"
AKDIR=/run/kagi-gwbench.$$
kpid=""
spid1=""
spid2=""
cleanup() {
	for _p in $spid1 $spid2 $kpid; do
		kill "$_p" 2>/dev/null || true
		wait "$_p" 2>/dev/null || true
	done
	rm -rf "$tmp" "$AKDIR"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

SOCK=$tmp/kagid.sock
NOBODY=65534
NOGROUP=$(getent group nogroup | cut -d: -f3)
mkdir -m 700 "$tmp/state"
cat >"$tmp/kagid.conf" <<EOF
socket = $SOCK
state_dir = $tmp/state
user = $(id -un)
approver_group = nogroup
authkeys_user = nobody
EOF
chmod 600 "$tmp/kagid.conf"
# wait_line LOG PATTERN PID: until LOG says PATTERN (up to 30 s); exit 1
# with LOG's end when PID died or the time is up.
wait_line() {
	_i=0
	until grep -q "$2" "$1" 2>/dev/null; do
		_i=$((_i + 1))
		if [ $_i -gt 300 ] || ! kill -0 "$3" 2>/dev/null; then
			echo "gateway.sh: no '$2' in $1:" >&2
			tail -n 20 "$1" >&2
			exit 1
		fi
		sleep 0.1
	done
}
"$KAGID" -f -c "$tmp/kagid.conf" 2>>"$tmp/kagid.log" &
kpid=$!
wait_line "$tmp/kagid.log" 'listening on' "$kpid"

# as_person LOGINUID COMMAND...: COMMAND logged in as LOGINUID.
as_person() {
	sh -c 'echo "$1" >/proc/self/loginuid && shift && exec "$@"' sh "$@"
}

# The vendor gwv: a permit from now for three hours (Tokyo time, kagid's
# default zone), from 127.0.0.2; asked by one person, approved by another.
day=$(TZ=Asia/Tokyo date +%a)
hm=$(TZ=Asia/Tokyo date +%H:%M)
h=${hm%:*} m=${hm#*:}
end=$(( ${h#0} * 60 + ${m#0} + 180 ))
[ $end -gt 1440 ] && end=1440
endhm=$(printf '%02d:%02d' $((end / 60)) $((end % 60)))
expires=$(TZ=Asia/Tokyo date -d '+30 days' +%F)
out=$(as_person 60100 "$KAGICTL" --socket "$SOCK" --json vendor add gwv --company ACME --expires "$expires" \
    --window "$day $hm-$endhm" --from 127.0.0.2 --worker "Taro Yamada" \
    --place "ACME Osaka office" --work "gateway benchmark" 2>&1) && st=0 || st=$?
if [ "$st" = 4 ]; then
	req=$(printf '%s' "$out" | tr -d ' \n' |
	    sed -n 's/.*"request":{"id":\([0-9]*\).*/\1/p')
	as_person $NOBODY setpriv --reuid=$NOBODY --regid="$NOGROUP" --clear-groups \
	    "$KAGICTL" --socket "$SOCK" request approve "$req" >/dev/null
elif [ "$st" != 0 ]; then
	echo "gateway.sh: vendor add gwv: $out" >&2
	exit 1
fi

# Its key, made by ssh-keygen through the software security key over
# kagid's challenge, and enrolled.
export KAGI_SSHSK_STATE="$tmp/counter"
"$KAGICTL" --socket "$SOCK" token sshkey-challenge gwv "$tmp/chal" >/dev/null
ssh-keygen -q -t ed25519-sk -w "$P" -O verify-required -O challenge="$tmp/chal" \
    -O write-attestation="$tmp/key.att" -N '' -C gwv -f "$tmp/key" </dev/null
"$KAGICTL" --socket "$SOCK" token add-sshkey gwv "$tmp/key.pub" \
    --attestation "$tmp/key.att" >/dev/null
chmod 644 "$tmp/key.pub"
keyline=$(cut -d' ' -f1,2 "$tmp/key.pub")

mkdir -m 755 "$AKDIR"
cp "$AUTHKEYS" "$AKDIR/kagi-authkeys"
chmod 755 "$AKDIR/kagi-authkeys"
# The line kagi-authkeys must print (checked once here, then by spawntime
# at every run: a run that prints no key line is a failure).
first=$(setpriv --reuid=$NOBODY --regid="$NOGROUP" --clear-groups \
    "$AKDIR/kagi-authkeys" -s "$SOCK" gwv) || true
case $first in
*"restrict"*"$keyline"*) ;;
*) echo "gateway.sh: kagi-authkeys printed no key line for gwv: '$first'" >&2
   exit 1 ;;
esac

samples=$tmp/samples
sshlog=$tmp/ssh.log

# stats LABEL ROUND: the JSON record of one label's runs in the samples.
stats() {
	sort -k3,3n "$samples" | awk -v label="$1" -v round="$2" -v mode="$3" '
	$1 == label { n++; if ($2 == 1) { ok++; v[ok] = $3 / 1e6 } }
	END {
		p50 = ok ? v[int((ok * 50 + 99) / 100)] : "null"
		p99 = ok ? v[int((ok * 99 + 99) / 100)] : "null"
		printf("{\"system\":\"gateway\",\"mode\":\"%s\",\"label\":\"%s\"," \
		    "\"round\":%d,\"runs\":%d,\"ok\":%d,\"failed\":%d," \
		    "\"p50_ms\":%s,\"p99_ms\":%s}\n", mode, label, round, n,
		    ok + 0, n - ok, ok ? sprintf("%.3f", p50) : p50,
		    ok ? sprintf("%.3f", p99) : p99)
	}'
}
# show: one line of figures from the records just written.
show() {
	tail -n 2 "$RUNS" 2>/dev/null | awk -v what="$1" '
	function get(k,   re, v) { re = "\"" k "\":[^,}]*"
		if (!match($0, re)) return ""
		v = substr($0, RSTART + length(k) + 3, RLENGTH - length(k) - 3)
		gsub(/"/, "", v); return v }
	{ l[NR] = get("label"); p50[NR] = get("p50_ms"); p99[NR] = get("p99_ms")
	  ok[NR] = get("ok"); f[NR] = get("failed"); r = get("round") }
	END { printf("   %s, round %s: %s p50 %s p99 %s ms (%s ok, %s failed); " \
	    "%s p50 %s p99 %s ms (%s ok, %s failed)\n", what, r, l[1], p50[1],
	    p99[1], ok[1], f[1], l[2], p50[2], p99[2], ok[2], f[2]) }'
}

# --- (a) kagi-authkeys against a baseline spawn ------------------------------
echo "== gateway: kagi-authkeys spawned as nobody, $SPAWNS a round, $ROUNDS rounds"
CHUNK=$(( SPAWNS / 10 ))
[ $CHUNK -lt 1 ] && CHUNK=1
r=0
while [ $r -lt "$ROUNDS" ]; do
	r=$((r + 1))
	: >"$samples"
	done_n=0
	while [ $done_n -lt "$SPAWNS" ]; do	# in turns of CHUNK runs each
		c=$CHUNK
		[ $((done_n + c)) -gt "$SPAWNS" ] && c=$((SPAWNS - done_n))
		"$ST" -n "$c" -S true -o "$samples" -u $NOBODY -g "$NOGROUP" \
		    -- /bin/true
		"$ST" -n "$c" -S kagi-authkeys -o "$samples" -u $NOBODY \
		    -g "$NOGROUP" -x "$keyline" -l "$tmp/authkeys.err" \
		    -- "$AKDIR/kagi-authkeys" -s "$SOCK" gwv
		done_n=$((done_n + c))
	done
	{ stats true $r authkeys; stats kagi-authkeys $r authkeys; } >>"$RUNS"
	[ "$RUNS" = /dev/stdout ] || show "spawn"
done

# --- (b) whole log-ins: sshd alone and the kagi gateway ------------------------
VUID=42440
mkdir -p "$tmp/home/.ssh" "$tmp/pam-sshd" "$tmp/pam-kagi"
chmod 755 "$tmp/home"
cat /etc/passwd >"$tmp/passwd"
echo "gwv:x:$VUID:$VUID:kagi bench vendor:$tmp/home:/bin/sh" >>"$tmp/passwd"
cat /etc/group >"$tmp/group"
echo "gwv:x:$VUID:" >>"$tmp/group"
echo "gwv:pw-gwv:sshd" >"$tmp/passdb"
cp "$tmp/key.pub" "$tmp/home/.ssh/authorized_keys"
chmod 644 "$tmp/home/.ssh/authorized_keys"
{
	echo "auth required $PAM_MATRIX passdb=$tmp/passdb"
	echo "account required pam_permit.so"
	echo "session required pam_permit.so"
} >"$tmp/pam-sshd/sshd"
{
	echo "auth required $PAM_MATRIX passdb=$tmp/passdb"
	echo "auth required $MODULE socket=$SOCK timeout=5 zone=internet sshkey"
	echo "account required $MODULE socket=$SOCK timeout=5 zone=internet"
	echo "session required $MODULE socket=$SOCK timeout=5 zone=internet"
} >"$tmp/pam-kagi/sshd"
ssh-keygen -q -t ed25519 -N '' -f "$tmp/hostkey" >/dev/null
PS=$((21000 + ($$ + 17) % 20000)); PK=$((PS + 1))
# What the two have in common; then each one's own.
common() {
	cat <<EOF
Port $1
ListenAddress 127.0.0.1
HostKey $tmp/hostkey
PidFile $tmp/sshd-$1.pid
StrictModes no
UseDNS no
EOF
}
{
	common $PS
	cat <<EOF
UsePAM yes
PasswordAuthentication no
KbdInteractiveAuthentication yes
PubkeyAuthentication yes
AuthenticationMethods publickey,keyboard-interactive:pam
AuthorizedKeysFile .ssh/authorized_keys
PubkeyAcceptedAlgorithms sk-ssh-ed25519@openssh.com
EOF
} >"$tmp/sshd_config.sshd"
{
	common $PK
	sed -e "s|^AuthorizedKeysCommand .*|AuthorizedKeysCommand $AKDIR/kagi-authkeys -s $SOCK %u|" \
	    -e "s|^AuthorizedKeysCommandUser .*|AuthorizedKeysCommandUser nobody|" \
	    "$top/conf/sshd_config.d/kagi-gateway.conf"
} >"$tmp/sshd_config.kagi"
# start_sshd NAME PORT: the sshd of that config and PAM directory.
start_sshd() {
	env LD_PRELOAD="$NSSWRAP $PAMWRAP" NSS_WRAPPER_PASSWD="$tmp/passwd" \
	    NSS_WRAPPER_GROUP="$tmp/group" PAM_WRAPPER=1 \
	    PAM_WRAPPER_SERVICE_DIR="$tmp/pam-$1" \
	    "$SSHD" -D -e -f "$tmp/sshd_config.$1" 2>"$tmp/sshd-$1.log" &
	_pid=$!
	wait_line "$tmp/sshd-$1.log" "Server listening" "$_pid"
}
start_sshd sshd $PS
spid1=$_pid
start_sshd kagi $PK
spid2=$_pid

cat >"$tmp/askpass" <<EOF
#!/bin/sh
case "\$1" in
*assword*) echo pw-gwv ;;
*) echo no ;;
esac
EOF
chmod 755 "$tmp/askpass"
SSH=$(command -v ssh)
# login LABEL PORT: one timed log-in, appended to the samples.
login() {
	SSH_ASKPASS="$tmp/askpass" SSH_ASKPASS_REQUIRE=force DISPLAY=:0 \
	    "$ST" -E -n 1 -S "$1" -o "$samples" -x logged-in -l "$sshlog" -- \
	    "$SSH" -n -F /dev/null -b 127.0.0.2 -p "$2" -i "$tmp/key" \
	    -o IdentitiesOnly=yes -o IdentityAgent=none \
	    -o SecurityKeyProvider="$P" \
	    -o PreferredAuthentications=publickey,keyboard-interactive \
	    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	    -o NumberOfPasswordPrompts=1 -o LogLevel=ERROR \
	    -o ConnectTimeout=10 gwv@127.0.0.1 echo logged-in
}
kagi_ok=0
echo "== gateway: whole ssh log-ins, $LOGINS a round to each sshd, in turns, $ROUNDS rounds"
r=0
while [ $r -lt "$ROUNDS" ]; do
	r=$((r + 1))
	: >"$samples"
	j=0
	while [ $j -lt "$LOGINS" ]; do
		j=$((j + 1))
		login sshd $PS
		login kagi $PK
	done
	{ stats sshd $r login; stats kagi $r login; } >>"$RUNS"
	[ "$RUNS" = /dev/stdout ] || show "log-in"
	kagi_ok=$((kagi_ok + $(grep -c '^kagi 1 ' "$samples" || true)))
done
# Every successful log-in through the kagi gateway went through kagid:
# its log-ins by security key confirmed by the account step, against the
# count (a log-in refused later in the stack may leave a provisional
# record, never a confirmed one).
recorded=$("$KAGICTL" --socket "$SOCK" audit export --json --event auth \
    --user gwv | grep '"outcome":"success","reason":"confirmed"' |
    grep -c '"factor":"sshkey"' || true)
printf '{"system":"gateway","mode":"login_audit","label":"kagi","ok":%d,"kagid_records":%d}\n' \
    "$kagi_ok" "$recorded" >>"$RUNS"
echo "   kagid confirmed $recorded log-ins by security key for $kagi_ok through the gateway"
if grep -q . "$sshlog" 2>/dev/null; then
	echo "   ssh said (failed log-ins):"
	sort "$sshlog" | uniq -c | head -n 5 | sed 's/^/     /'
fi
