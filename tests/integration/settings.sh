#!/bin/sh
# settings.sh - a security setting never changes without a record (issue
# 11: R-LOG-1, R-LOG-5, R-AUD-1), against a real kagid and its store: at
# every start kagid appends a "config" record with the digest of its
# effective configuration and what changed since the last one; kagictl
# status says when the policy last changed.  (kagid has no reload: a
# changed kagid.conf takes effect only at a start, so every effective
# change is on record.)

. "$(dirname "$0")/lib.sh"

kagid_built
kagictl_built

plan 16

# config_record N: the Nth newest "config" record's fields (1 = newest).
config_record() {
	kagictl audit export --json --event config | tail -n "$1" | head -n 1
}

start_kagid || { echo "Bail out! kagid did not start"; exit 1; }
rec=$(config_record 1)
like "$rec" '"changed":"first record of the configuration"' \
    "R-LOG-1: the first start records the configuration"
like "$rec" '"lockout_failures":"5"' "... every setting, defaults included"
like "$rec" '"approval_required":"role_privileged,token_privileged,vendor_add,breakglass_privileged"' \
    "... the two-person rule's acts among them"
first_seq=$(printf '%s\n' "$rec" | sed -n 's/.*"seq":\([0-9]*\).*/\1/p')
d1=$(printf '%s\n' "$rec" | sed -n 's/.*"digest":"\([0-9a-f]*\)".*/\1/p')
is "${#d1}" 64 "... with its SHA-256 digest"
like "$(kagictl status)" "policy_changed" "R-AUD-1: kagictl status says when the policy last changed"
like "$(kagictl status)" "(audit record $first_seq)" "... naming that record"

# The same configuration again: recorded, no change, the date stays.
stop_kagid
start_kagid || { echo "Bail out! kagid did not restart"; exit 1; }
rec=$(config_record 1)
like "$rec" '"changed":"no change"' "R-LOG-1: a restart without change is recorded as such"
like "$rec" "\"digest\":\"$d1\"" "... with the same digest"
like "$(kagictl status)" "(audit record $first_seq)" \
    "R-AUD-1: the policy's last change is still the first record"

# Lockout and the two-person rule loosened in kagid.conf: the next start
# says exactly what changed.
stop_kagid
start_kagid lockout_failures=9 \
    approval_required=role_privileged,token_privileged,vendor_add,user_delete ||
	{ echo "Bail out! kagid did not restart"; exit 1; }
rec=$(config_record 1)
like "$rec" '"lockout_failures: 5 -> 9' "R-LOG-5: the changed lockout threshold is named, old and new"
like "$rec" 'approval_required: role_privileged,token_privileged,vendor_add,breakglass_privileged -> role_privileged,token_privileged,vendor_add,user_delete' \
    "R-LOG-5: ... and the changed approval_required"
like "$rec" '"changes":2' "... two changes in all"
unlike "$rec" "\"digest\":\"$d1\"" "... under a new digest"
seq=$(printf '%s\n' "$rec" | sed -n 's/.*"seq":\([0-9]*\).*/\1/p')
like "$(kagictl status)" "(audit record $seq)" \
    "R-AUD-1: kagictl status points at the change"
like "$(cat "$T/kagid.log")" "configuration changed" "kagid says so in its log"
out=$(kagictl audit verify 2>&1)
like "$out" "audit chain intact" "R-LOG-2: the records are part of the chain"

finish
