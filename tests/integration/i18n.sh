#!/bin/sh
# i18n.sh - kagi's Japanese translation: complete, well-formed, installed
# and actually shown.
#
# Always (needs gettext's tools):
#  - po/ja.po passes `msgfmt --check` with nothing untranslated or fuzzy;
#  - every message in a pot made now from po/POTFILES has a translation in
#    ja.po (a new message left untranslated fails here), and ja.po keeps
#    nothing the sources no longer say;
#  - every translation keeps its msgid's leading and trailing spaces.
# When the ja_JP.UTF-8 locale exists and `make install` put kagi.mo in
# $KAGI_LOCALEDIR (scripts/test.sh does), through pamdrv and a real kagid:
#  - lang=ja prompts with ja.po's "Verification code: " whatever the host's
#    locale, and a log-in still succeeds;
#  - no lang= and a host in LC_ALL=ja_JP.UTF-8: the prompt is Japanese
#    (only when pamdrv sets its locale from the environment, as login(1)
#    and su(1) do);
#  - lang=en stays English under LC_ALL=ja_JP.UTF-8, and under LANGUAGE=ja
#    (pam_kagi(8): "en (English, untranslated)");
#  - kagid down, lang=ja: still PAM_AUTHINFO_UNAVAIL, told in Japanese
#    (R-AVL-1: fail closed, in the user's language);
#  - kagictl under LC_ALL=ja_JP.UTF-8 reports an unknown user and an
#    unreachable kagid in Japanese, with its usual exit codes.
# Expected texts are read from po/ja.po, never written here.

. "$(dirname "$0")/lib.sh"

# The tests choose the language themselves.
unset LANGUAGE LC_ALL LC_MESSAGES LANG

PO=$top_srcdir/po/ja.po
MO=${KAGI_LOCALEDIR:-}/ja/LC_MESSAGES/kagi.mo
JA=ja_JP.UTF-8
PROMPT_ID="Verification code: "
UNAVAIL_ID="The authentication service is not available. Contact your administrator."
NOUSER_ID="user '%s' does not exist (see: kagictl user list)"
NOREACH_ID="cannot reach kagid at %s: is kagid running? (systemctl status kagid)"

for _t in msgfmt msgcmp msgmerge msgattrib msgcat xgettext; do
	command -v "$_t" >/dev/null 2>&1 ||
		skip_all "gettext tools missing ($_t): apt-get install gettext"
done
[ -f "$PO" ] || skip_all "no $PO"

LOCALE_TESTS=15
plan $((8 + LOCALE_TESTS))

# --- ja.po on its own --------------------------------------------------------

# msgstr_of MSGID: ja.po's translation of a one-line MSGID (no quotes or
# backslashes in it), as printf would need it.
msgstr_of() {
	msgcat --no-wrap --no-location "$PO" | awk -v id="$1" '
		$0 == "msgid \"" id "\"" { want = 1; next }
		want && /^msgstr "/ {
			s = substr($0, 9); print substr(s, 1, length(s) - 1)
			exit
		}
		{ want = 0 }'
}

if msgfmt --check --statistics -o "$T/ja.mo" "$PO" 2>"$T/stats"; then
	ok "msgfmt --check accepts po/ja.po (headers, formats, newlines)"
else
	not_ok "msgfmt --check accepts po/ja.po (headers, formats, newlines)" \
	    "$(cat "$T/stats")"
fi
stats=$(cat "$T/stats")
if printf '%s\n' "$stats" | grep -Eqx '[0-9]+ translated messages\.'; then
	ok "ja.po: every message translated, none fuzzy, no warning ($stats)"
else
	not_ok "ja.po: every message translated, none fuzzy, no warning" \
	    "msgfmt said:" "$stats"
fi

# A pot made now from the sources, the way `make update-pot` makes it.
# shellcheck disable=SC2046 # one file name a word, as in the Makefile
if (cd "$top_srcdir" && xgettext --keyword=_ --keyword=N_ \
    --from-code=UTF-8 --package-name=kagi -o "$T/kagi.pot" \
    $(cat po/POTFILES)) 2>"$T/xgettext.err"; then
	ok "xgettext extracts the messages of po/POTFILES"
else
	not_ok "xgettext extracts the messages of po/POTFILES" \
	    "$(cat "$T/xgettext.err")"
fi
nmsg=$(grep -c '^msgid ' "$T/kagi.pot" 2>/dev/null || echo 0)
if [ "$nmsg" -gt 1 ]; then
	ok "the pot holds $((nmsg - 1)) messages"
else
	not_ok "the pot holds messages" "po/POTFILES names no file with _()?"
fi

# Every file that marks messages is listed in POTFILES.
unlisted=$(cd "$top_srcdir" && grep -lE '(^|[^A-Za-z0-9_])N?_\("' \
    lib/*.c tokend/*/*.c pam_module/*.c 2>/dev/null |
    grep -vxF -f po/POTFILES)
is "$unlisted" "" "po/POTFILES lists every source file with _() or N_()"

# msgcmp ignores untranslated and fuzzy entries of ja.po: a message of the
# pot without a real translation is reported.
if msgcmp "$PO" "$T/kagi.pot" 2>"$T/msgcmp.err"; then
	ok "every message of the sources has a Japanese translation"
else
	not_ok "every message of the sources has a Japanese translation" \
	    "$(cat "$T/msgcmp.err")"
fi

# Merging into the pot leaves obsolete (#~) whatever the sources dropped.
stale=$(msgmerge -q --no-fuzzy-matching "$PO" "$T/kagi.pot" 2>/dev/null |
    msgattrib --only-obsolete --no-wrap 2>/dev/null | grep -c '^#~ msgid ')
is "$stale" 0 "ja.po holds no message the sources no longer have"

# Leading and trailing spaces: "Verification code: " -> "確認コード: ".
msgcat --no-wrap --no-location "$PO" >"$T/flat.po"
badspace=$(awk '
	function lead(s) { match(s, /^ */); return RLENGTH }
	function trail(s) { match(s, / *$/); return RLENGTH }
	function check() {
		if (id != "" && (lead(id) != lead(str) || trail(id) != trail(str)))
			print "msgid \"" id "\""
	}
	/^msgid "/  { check(); id = substr($0, 8, length($0) - 8); str = ""; w = "id"; next }
	/^msgstr "/ { str = substr($0, 9, length($0) - 9); w = "str"; next }
	/^"/ {
		s = substr($0, 2, length($0) - 2)
		if (w == "id") id = id s; else if (w == "str") str = str s
		next
	}
	END { check() }' "$T/flat.po")
is "$badspace" "" "every translation keeps its msgid's leading and trailing spaces"

# --- shown to people -----------------------------------------------------------

why=
if ! locale -a 2>/dev/null | grep -qix 'ja_JP\.utf-\?8'; then
	why="no $JA locale (scripts/deps.sh test generates it)"
elif [ -z "${KAGI_LOCALEDIR:-}" ]; then
	why="KAGI_LOCALEDIR is not set (make check sets it)"
elif [ ! -f "$MO" ]; then
	why="kagi.mo not installed at $MO (make install first)"
elif [ ! -x "$PAMDRV" ] || [ ! -f "$MODULE" ] || [ ! -x "$TOTPGEN" ]; then
	why="pamdrv, totpgen or pam_kagi.so not built"
else
	kagid_built
	kagictl_built
fi
if [ -n "$why" ]; then
	_i=0
	while [ $_i -lt $LOCALE_TESTS ]; do
		skip "Japanese messages shown" "$why"
		_i=$((_i + 1))
	done
	finish
fi

ja_prompt=$(msgstr_of "$PROMPT_ID")
ja_unavail=$(msgstr_of "$UNAVAIL_ID")
ja_nouser=$(msgstr_of "$NOUSER_ID")
ja_noreach=$(msgstr_of "$NOREACH_ID")
if [ -z "$ja_prompt" ] || [ -z "$ja_unavail" ] || [ -z "$ja_nouser" ] ||
    [ -z "$ja_noreach" ]; then
	diag "cannot read a translation from ja.po (see the tests above)"
fi

if cmp -s "$T/ja.mo" "$MO"; then
	ok "the installed kagi.mo is po/ja.po compiled"
else
	not_ok "the installed kagi.mo is po/ja.po compiled" \
	    "$MO differs from msgfmt po/ja.po: run make install again"
fi

# prompt_of OUTPUT: the text of the last prompt pamdrv printed (the
# password stand-in's own prompt comes first).
prompt_of() {
	printf '%s\n' "$1" | sed -n 's/^PROMPT: //p' | tail -n 1
}

add_user_password alice secret
start_kagid || diag "kagid did not start: the log-in tests below fail"
kagictl user add alice >/dev/null || diag "kagictl user add alice failed"
secret=$(enroll_totp alice) || diag "TOTP enrollment failed"

# Three services: lang=ja, lang=en, and none (the host's locale).
write_service kagi-ja -- lang=ja
write_service kagi-en -- lang=en
write_service kagi-host

# lang=ja, host in the C locale: the module's text alone is Japanese.  No
# code is given, so kagid never sees an attempt.
out=$(LC_ALL=C PAM_SERVICE_NAME=kagi-ja pam_run -u alice -o auth secret)
is "$(prompt_of "$out")" "$ja_prompt" "lang=ja prompts in Japanese in a C-locale host"

code=$(code_for "$secret")
out=$(LC_ALL=C PAM_SERVICE_NAME=kagi-ja pam_run -u alice -o auth secret "$code")
is "$(result_of "$out" auth)" PAM_SUCCESS "lang=ja: the right code still logs in"

# The host's locale.  pamdrv must set it from the environment like login(1)
# does, or there is nothing to test.
if grep -q 'setlocale' "$top_srcdir/tests/pamdrv.c" 2>/dev/null; then
	out=$(LC_ALL=$JA PAM_SERVICE_NAME=kagi-host pam_run -u alice -o auth secret)
	is "$(prompt_of "$out")" "$ja_prompt" \
	    "no lang=, host in LC_ALL=$JA: the prompt is Japanese"
	out=$(LC_ALL=$JA PAM_SERVICE_NAME=kagi-en pam_run -u alice -o auth secret)
	is "$(prompt_of "$out")" "$PROMPT_ID" \
	    "lang=en, host in LC_ALL=$JA: the prompt stays English"
else
	skip "no lang=, host in LC_ALL=$JA: the prompt is Japanese" \
	    "tests/pamdrv does not call setlocale(LC_ALL, \"\")"
	skip "lang=en, host in LC_ALL=$JA: the prompt stays English" \
	    "tests/pamdrv does not call setlocale(LC_ALL, \"\")"
fi

# gettext prefers LANGUAGE to the locale unless the locale is "C": lang=en
# must not let it through.
out=$(LANGUAGE=ja LC_ALL=$JA PAM_SERVICE_NAME=kagi-en pam_run -u alice -o auth secret)
is "$(prompt_of "$out")" "$PROMPT_ID" \
    "lang=en, LANGUAGE=ja in the host's environment: the prompt stays English"

# kagid down: fail closed, and say so in Japanese (R-AVL-1).
stop_kagid
rm -f "$SOCK"
out=$(LC_ALL=C PAM_SERVICE_NAME=kagi-ja pam_run -u alice -o auth secret 123456)
is "$(result_of "$out" auth)" PAM_AUTHINFO_UNAVAIL \
    "R-AVL-1: lang=ja, kagid down: auth fails closed"
like "$out" "ERROR: $ja_unavail" \
    "R-AVL-1: lang=ja, kagid down: the user is told so in Japanese"

# kagictl takes its language from the environment.
start_kagid || diag "kagid did not restart"
err=$(LC_ALL=$JA kagictl user show nobody 2>&1 >/dev/null)
rc=$?
is "$rc" 1 "kagictl in $JA: an unknown user is refused (exit 1)"
# shellcheck disable=SC2059 # the format comes from ja.po on purpose
want=$(printf "$ja_nouser" nobody)
like "$err" "kagictl: $want" "kagictl in $JA: the unknown user is reported in Japanese"

# Compliance and the reports speak the reader's language too (R-AUD-1).
out=$(LC_ALL=$JA kagictl compliance 2>&1)
like "$out" "R-MFA-5 FAIL: $(msgstr_of "no banner_file: no log-in message is shown")" \
    "R-AUD-1: kagictl compliance in $JA: a line in Japanese"
# The translation with each number a pattern (it reorders them: %4$zu);
# msgstr_of takes no backslash, so read the entry after its msgid.
want=$(grep -F -A1 'msgid "%lld PASS, %lld WARN, %lld FAIL of %zu requirements' \
    "$T/flat.po" | sed -n 's/^msgstr "\(.*\)\\n"$/\1/p' |
    sed 's/%[0-9]*[$]*[a-z]*/[0-9][0-9]*/g')
if [ -n "$want" ] && [ "$want" != "[0-9][0-9]*" ] &&
    printf '%s\n' "$out" | tail -n 1 | grep -qx -- "$want"; then
	ok "R-AUD-1: kagictl compliance in $JA: the count in Japanese"
else
	not_ok "R-AUD-1: kagictl compliance in $JA: the count in Japanese" \
	    "wanted: $want" "got: $(printf '%s\n' "$out" | tail -n 1)"
fi
out=$(LC_ALL=$JA kagictl report access 2>&1 | head -n 1)
like "$out" "$(msgstr_of "GRANTED-BY")" \
    "kagictl report access in $JA: the headers in Japanese"
# Only the state columns are translated: a user named "open" keeps it.
kagictl user add open >/dev/null 2>&1 || diag "cannot add the user 'open'"
out=$(LC_ALL=$JA kagictl report access 2>&1 | awk '$1 == "open" { print $1, $3 }')
is "$out" "open $(msgstr_of "active")" \
    "kagictl report access in $JA: a user named 'open' keeps its name, its state in Japanese"

err=$(LC_ALL=$JA "$KAGICTL" --socket "$T/nobody.sock" status 2>&1 >/dev/null)
rc=$?
# shellcheck disable=SC2059
want=$(printf "$ja_noreach" "$T/nobody.sock")
if [ "$rc" -eq 3 ] && printf '%s\n' "$err" | grep -qF -- "kagictl: $want"; then
	ok "kagictl in $JA: kagid unreachable, exit 3, said in Japanese"
else
	not_ok "kagictl in $JA: kagid unreachable, exit 3, said in Japanese" \
	    "exit $rc, wanted 3 and: kagictl: $want" "got: $err"
fi

finish
