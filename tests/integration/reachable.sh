#!/bin/sh
# reachable.sh - kagictl tells a refusal from an unreachable kagid, and
# kagid says in its log why it closes a connection.
#
# What it shows (R-AVL-1: every failure is named, none is silent):
#  - kagictl exits 1 with kagid's words when kagid refused (an error
#    reply), and 3 with its own words when it got no answer: no socket,
#    a connection closed without an answer, a reply that is no reply;
#  - kagid logs why it closed a connection: a frame cut short, a request
#    it may not send, a malformed frame.

. "$(dirname "$0")/lib.sh"

RAW=$top_builddir/tests/rawclient
[ -x "$FAKEKAGID" ] && [ -x "$RAW" ] ||
	{ echo "Bail out! fakekagid or rawclient not built"; exit 1; }
kagid_built
kagictl_built

plan 9

out=$(kagictl --timeout 2 user list 2>&1); rc=$?
is "$rc $(printf '%s' "$out" | grep -c 'is kagid running')" "3 1" \
    "no socket: unreachable (exit 3), 'is kagid running?'"

start_fake close
out=$(kagictl --timeout 2 user list 2>&1); rc=$?
is "$rc $(printf '%s' "$out" | grep -c 'closed the connection without an answer')" \
    "3 1" "closed without an answer: unreachable (exit 3), said so"
stop_fake

start_fake errorreply
out=$(kagictl --timeout 2 user list 2>&1); rc=$?
is "$rc $(printf '%s' "$out" | grep -c 'is kagid running')" "1 0" \
    "an error reply: refused (exit 1), never 'is kagid running?'"
stop_fake

start_fake garbage
out=$(kagictl --timeout 2 user list 2>&1); rc=$?
is "$rc $(printf '%s' "$out" | grep -c 'malformed reply')" "3 1" \
    "garbage: unreachable (exit 3), a malformed reply"
stop_fake

start_kagid || { echo "Bail out! kagid did not start"; exit 1; }
kagictl user add alice >/dev/null 2>&1
out=$(kagictl user show nosuch 2>&1); rc=$?
is "$rc $(printf '%s' "$out" | grep -c 'does not exist')" "1 1" \
    "a real kagid's refusal: exit 1, its reason"

"$RAW" "$SOCK" truncated >/dev/null 2>&1
"$RAW" "$SOCK" unknownop >/dev/null 2>&1
"$RAW" "$SOCK" badmagic >/dev/null 2>&1
wait_log "closed: client closed in the middle of a frame"
wait_log "closed: its request was refused"
wait_log "closed: bad frame header"
like "$(cat "$T/kagid.log")" "closed: client closed in the middle of a frame" \
    "kagid logs a connection cut in the middle of a frame"
like "$(cat "$T/kagid.log")" "closed: its request was refused" \
    "kagid logs closing after a request it refused"
like "$(cat "$T/kagid.log")" "closed: bad frame header" \
    "kagid logs closing after a malformed frame"
# An ordinary exchange ends with the client hanging up: no line for it.
n0=$(grep -c 'closed:' "$T/kagid.log")
kagictl user list >/dev/null 2>&1
sleep 0.2
is "$(grep -c 'closed:' "$T/kagid.log")" "$n0" \
    "an ordinary request and hang-up adds no 'closed' line"
finish
