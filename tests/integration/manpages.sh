#!/bin/sh
# manpages.sh - the documentation that ships says what the code does.
#
# Everything is extracted from the sources, so a new option, key or
# command without its documentation fails here:
#  - every key of kagid_config_keys (tokend/core/kagid_config.c) is described
#    in kagid.conf(5) and listed in conf/kagid.conf with the default the
#    code really has, and the shipped file, uncommented, passes kagid -t;
#  - every choice of every enumerated key or option is in its page;
#  - every getopt letter of tokend/kagid/kagid.c is in kagid(8);
#  - every option of the module's cfg_key table (pam_module/pam_kagi.c)
#    is in pam_kagi(8), and so is every message a user may see (N_() in
#    any pam_module/*.c);
#  - every long option and every command of kagictl (tokend/ctl/kagictl.c,
#    tokend/ctl/ctl_*.c) is in kagictl(8);
#  - the pages cite the requirement IDs they enforce;
#  - the PAM examples stack pam_kagi as "required" after a password module
#    without nullok, with no jump past it (R-MFA-1, R-MFA-2), and list its
#    session line (R-PRIV-7); the systemd unit runs kagid -f unprivileged;
#  - mandoc -T lint (or groff -ww when mandoc is missing) finds nothing.
# One TAP line per group, naming what is missing.

. "$(dirname "$0")/lib.sh"

S=$top_srcdir
MAN=$S/man
CONFC=$S/tokend/core/kagid_config.c
KAGIDC=$S/tokend/kagid/kagid.c
PAMC=$S/pam_module/pam_kagi.c
CTLC=$S/tokend/ctl/kagictl.c

plan 23

# --- helpers ----------------------------------------------------------------

# missing_report DESC LIST: ok when LIST (words, one per line) is empty.
missing_report() {
	_list=$(printf '%s\n' "$2" | sed '/^$/d' | tr '\n' ' ' | sed 's/ $//')
	if [ -z "$_list" ]; then
		ok "$1"
	else
		not_ok "$1" "missing: $_list"
	fi
}

# The entries { "name", CFG_... } of every cfg_key table in a C file.
cfg_names() {
	sed -n 's/^[[:space:]]*{[[:space:]]*"\([A-Za-z0-9_-]*\)",[[:space:]]*CFG_[A-Z]*,.*/\1/p' "$1"
}

# The choices of a NULL-terminated string array NAME in FILE.
array_strings() {
	awk -v name="$2" '
	    !on && index($0, " " name "[]") { on = 1 }
	    on { print; if (index($0, "};")) exit }' "$1" |
	    sed 's/^[^{]*{//' | grep -o '"[^"]*"' | tr -d '"'
}

# For each CFG_ENUM entry of FILE: "key array".
cfg_enums() {
	sed -n 's/^[[:space:]]*{[[:space:]]*"\([A-Za-z0-9_-]*\)",[[:space:]]*CFG_ENUM,.*,[[:space:]]*\([A-Za-z_][A-Za-z0-9_]*\)[[:space:]]*}.*/\1 \2/p' "$1"
}

# Does the page define NAME as a list item (".It Cm NAME" or ".It Fl NAME")?
page_item() {
	grep -Eq "^\.It $2 $(re_quote "$3")( |\$)" "$1"
}

re_quote() {
	printf '%s' "$1" | sed 's/[][\.*^$+?(){}|/]/\\&/g'
}

# Duration text ("15m", "30s", "1d", "5") in seconds.
dur_seconds() {
	case $1 in
	*d) echo $(( ${1%d} * 86400 )) ;;
	*h) echo $(( ${1%h} * 3600 )) ;;
	*m) echo $(( ${1%m} * 60 )) ;;
	*s) echo "${1%s}" ;;
	*) echo "$1" ;;
	esac
}

# The commented default of KEY in conf/kagid.conf ("#key = value").
conf_value() {
	sed -n "s/^#$1[[:space:]]*=[[:space:]]*\(.*\)\$/\1/p" "$S/conf/kagid.conf" |
	    head -n 1
}

for f in "$CONFC" "$KAGIDC" "$PAMC" "$CTLC"; do
	[ -f "$f" ] || echo "Bail out! $f not found"
done

# --- kagid.conf ---------------------------------------------------------------

keys=$(sed -n '/kagid_config_keys\[\][[:space:]]*=/,/^};/p' "$CONFC" |
    cfg_names /dev/stdin)
[ -n "$keys" ] || diag "no keys extracted from $CONFC"

miss=
for k in $keys; do
	page_item "$MAN/kagid.conf.5" Cm "$k" || miss="$miss
$k"
done
[ -n "$keys" ] || miss="(no keys found in kagid_config_keys)"
missing_report "every kagid.conf key ($(echo $keys | wc -w)) is described in kagid.conf.5" "$miss"

miss=
for k in $keys; do
	grep -Eq "^#$k[[:space:]]*=" "$S/conf/kagid.conf" || miss="$miss
$k"
	n=$(grep -Ec "^#?$k[[:space:]]*=" "$S/conf/kagid.conf")
	[ "$n" -le 1 ] || miss="$miss
$k(listed $n times)"
done
grep -Eq '^[[:space:]]*[a-z_]+[[:space:]]*=' "$S/conf/kagid.conf" &&
    miss="$miss
(uncommented lines: the file must only document defaults)"
[ -n "$keys" ] || miss="(no keys found in kagid_config_keys)"
missing_report "every kagid.conf key is in conf/kagid.conf, commented out" "$miss"

# The defaults the code sets, against those the shipped file documents.
bad=
defaults=$(sed -n '/^kagid_config_defaults(/,/^}/p' "$CONFC" |
    sed -n 's/^[[:space:]]*c->\([a-z0-9_]*\)[[:space:]]*=[[:space:]]*\(.*\);/\1 \2/p')
for k in $keys; do
	expr=$(printf '%s\n' "$defaults" | sed -n "s/^$k //p")
	type=$(sed -n "s/^[[:space:]]*{[[:space:]]*\"$k\",[[:space:]]*\(CFG_[A-Z]*\),.*/\1/p" "$CONFC")
	doc=$(conf_value "$k")
	case $type in
	CFG_INT|CFG_DURATION)
		want=$(echo "${expr:-0}" | sed 's/DAY/(24 * 3600)/g; s/LL//g')
		want=$(( $want ))
		got=$(dur_seconds "$doc")
		[ "$got" = "$want" ] || bad="$bad
$k(code $want, file '$doc')" ;;
	CFG_BOOL)
		case ${expr:-0} in 0) want=no ;; *) want=yes ;; esac
		[ "$doc" = "$want" ] || bad="$bad
$k(code $want, file '$doc')" ;;
	CFG_ENUM)
		want=$(echo "${expr:-x_0}" | sed 's/^[A-Z]*_//' | tr 'A-Z' 'a-z')
		[ "$doc" = "$want" ] || bad="$bad
$k(code $want, file '$doc')" ;;
	CFG_STR)
		want=$(sed -n "s/.*set_str(&c->$k, \"\([^\"]*\)\").*/\1/p" "$CONFC")
		[ "$doc" = "$want" ] || bad="$bad
$k(code '$want', file '$doc')" ;;
	CFG_PATH)
		file=$(sed -n "s/.*derive_path(&c->$k, c->state_dir, \"\([^\"]*\)\").*/\1/p" "$CONFC")
		if [ -n "$file" ]; then
			want="$(conf_value state_dir)/$file"
		elif [ "$k" = socket ] && [ -f "$top_builddir/config.h" ]; then
			want=$(sed -n 's/^#define KAGI_DEFAULT_SOCKET "\(.*\)"$/\1/p' "$top_builddir/config.h")
		else
			want=$doc	# compiled-in (state_dir): --localstatedir
		fi
		[ "$doc" = "$want" ] || bad="$bad
$k(code '$want', file '$doc')" ;;
	esac
done
missing_report "conf/kagid.conf documents the defaults the code sets" "$bad"

# The shipped file with every line uncommented is a valid configuration.
if [ -x "$KAGID" ]; then
	sed -n 's/^#\([a-z_]*[[:space:]]*=.*\)$/\1/p' "$S/conf/kagid.conf" |
	    sed 's/^user[[:space:]]*=.*/user =/' >"$T/all.conf"
	chmod 600 "$T/all.conf"
	out=$("$KAGID" -t -c "$T/all.conf" 2>&1)
	if [ $? -eq 0 ]; then
		ok "conf/kagid.conf with every line uncommented passes kagid -t"
	else
		not_ok "conf/kagid.conf with every line uncommented passes kagid -t" "$out"
	fi
else
	not_ok "conf/kagid.conf with every line uncommented passes kagid -t" \
	    "kagid is not built: $KAGID"
fi

# --- enumerated choices ----------------------------------------------------

miss=
for pair in "$CONFC:kagid.conf.5" "$PAMC:pam_kagi.8"; do
	src=${pair%%:*}
	page=$MAN/${pair#*:}
	cfg_enums "$src" >"$T/enums"
	while read -r key arr; do
		for c in $(array_strings "$src" "$arr"); do
			grep -Eq "^\..*[ |]$(re_quote "$c")( |\$)" "$page" ||
			    miss="$miss
${pair#*:}:$key=$c"
		done
	done <"$T/enums"
done
missing_report "every choice of an enumerated key or option is in its page" "$miss"

# --- kagid(8) ----------------------------------------------------------------

letters=$(sed -n 's/.*getopt(argc, argv, "\([^"]*\)").*/\1/p' "$KAGIDC" |
    tr -d ':' | sed 's/./&\n/g')
miss=
for l in $letters; do
	page_item "$MAN/kagid.8" Fl "$l" || miss="$miss
-$l"
done
[ -n "$letters" ] || miss="(no getopt string found in kagid.c)"
missing_report "every kagid option ($(echo $letters | tr -d ' ')) is in kagid.8" "$miss"

# --- pam_kagi(8) ---------------------------------------------------------------

opts=$(cfg_names "$PAMC")
miss=
for o in $opts; do
	page_item "$MAN/pam_kagi.8" Cm "$o" || miss="$miss
$o"
done
[ -n "$opts" ] || miss="(no cfg_key table found in pam_kagi.c)"
missing_report "every module option ($(echo $opts)) is in pam_kagi.8" "$miss"

# Texts a user may see: N_("...") in the module, concatenations joined.
msgs=$(cat "$S"/pam_module/*.c | tr '\n' ' ' | grep -o 'N_("[^)]*)' |
    sed 's/"[[:space:]]*"//g; s/^N_("//; s/")$//')
miss=
src=$(sed 's/\\&//g' "$MAN/pam_kagi.8")
printf '%s\n' "$msgs" >"$T/msgs"
while IFS= read -r m; do
	[ -n "$m" ] || continue
	t=$(printf '%s' "$m" | sed 's/[[:space:]]*$//')
	printf '%s\n' "$src" | grep -qF -- "$t" || miss="$miss
'$t'"
done <"$T/msgs"
[ -n "$msgs" ] || miss="(no N_() texts found in pam_module/*.c)"
missing_report "every text the module shows a user is in pam_kagi.8" "$miss"

# Every PAM code the module can return, in its page.
codes=$(cat "$S"/pam_module/*.c | grep -o 'return PAM_[A-Z_]*' | sed 's/return //' | sort -u)
miss=
for c in $codes; do
	grep -q "Dv $c\\b" "$MAN/pam_kagi.8" || miss="$miss
$c"
done
[ -n "$codes" ] || miss="(no PAM codes found in pam_module/*.c)"
# The page promises PAM_IGNORE is never returned.
case " $(echo $codes) " in *" PAM_IGNORE "*) miss="$miss
PAM_IGNORE is returned, but pam_kagi.8 says never" ;; esac
missing_report "every PAM code the module returns is in pam_kagi.8" "$miss"

# --- kagictl(8) ------------------------------------------------------------------

ctlsrc=$(ls "$S"/tokend/ctl/kagictl*.c "$S"/tokend/ctl/ctl_*.c 2>/dev/null)
longs=$( {
	sed -n 's/^[[:space:]]*\[O_[A-Z_]*\][[:space:]]*=[[:space:]]*{[[:space:]]*"\([a-z0-9-]*\)".*/\1/p' $ctlsrc
	cat $ctlsrc | grep -o '"[^"]*"' | grep -o -- '--[a-z][a-z0-9-]*' |
	    sed 's/^--//'
} | sort -u)
shorts=$(cat $ctlsrc | grep -o '"-[A-Za-z]"' | tr -d '"-' | sort -u)
miss=
for o in $longs; do
	grep -Eq "Fl \\\\-$(re_quote "$o")( |\$)" "$MAN/kagictl.8" ||
	    miss="$miss
--$o"
done
for o in $shorts; do
	grep -Eq "Fl $o( |\$)" "$MAN/kagictl.8" || miss="$miss
-$o"
done
[ -n "$longs" ] || miss="(no options found in kagictl sources)"
missing_report "every kagictl option ($(echo $longs | wc -w) long) is in kagictl.8" "$miss"

cmds=$(sed -n 's/^[[:space:]]*{[[:space:]]*"\([a-z0-9-]*\)",[[:space:]]*\(NULL\|"\([a-z0-9-]*\)"\),.*/\1 \3/p' "$CTLC" |
    sed 's/ $//' | tr ' ' '_')
cmds="$cmds $(grep -o 'pos\[0\], "[a-z0-9-]*"' "$CTLC" | sed 's/.*"\(.*\)"/\1/')"
miss=
n=0
for c in $cmds; do
	n=$((n + 1))
	words=$(echo "$c" | tr '_' ' ')
	page_item "$MAN/kagictl.8" Cm "$words" || miss="$miss
'$words'"
done
[ "$n" -gt 1 ] || miss="(no command table found in kagictl.c)"
missing_report "every kagictl command ($n) is in kagictl.8" "$miss"

# --- requirement IDs ----------------------------------------------------------------

miss=
for p in pam_kagi.8 kagid.8 kagictl.8 kagid.conf.5; do
	grep -q 'R-[A-Z]*-[0-9]' "$MAN/$p" || miss="$miss
$p(cites none)"
done
for id in R-MFA-1 R-MFA-2 R-MFA-4 R-MFA-5 R-TOK-2 R-TOK-4 R-TOK-5 R-TOK-8 \
    R-LOG-1 R-LOG-2 R-AVL-1; do
	cat "$MAN"/*.[58] | grep -q -- "$id\\b" || miss="$miss
$id"
done
# Every ID cited is one of the policy's families.
bogus=$(cat "$MAN"/*.[58] "$S/conf/kagid.conf" "$S"/conf/pam.d/* \
    "$S/conf/kagid.service" | grep -o 'R-[A-Z]*-[0-9]*' | sort -u |
    grep -Ev '^R-(MFA|ACC|TOK|PRIV|REM|LOG|EXC|INC|AVL|AUD)-[0-9]+$')
[ -z "$bogus" ] || miss="$miss
$bogus(unknown family)"
missing_report "the pages cite the requirement IDs they enforce" "$miss"

# --- shipped PAM and systemd files ------------------------------------------------

# pam_check FILE: the policy lines of a PAM service example.  A control
# in brackets ([success=1 default=bad]) is read whole; a password module
# whose failure does not fail the stack (sufficient, default=ignore), or
# any auth line that may end the stack or jump past pam_kagi, is refused.
pam_check() {
	awk '
	/^[[:space:]]*#/ || NF == 0 { next }
	{
		type = $1; ctl = $2; i = 2
		if (ctl ~ /^\[/)
			while (ctl !~ /\]$/ && i < NF) { i++; ctl = ctl " " $i }
		mod = $(i + 1)
	}
	type == "auth" { na++ }
	type == "auth" && (mod ~ /pam_unix\.so$/ || $0 ~ /@include/) {
		if (ctl != "required" && ctl != "requisite" &&
		    ctl !~ /^\[.*default=(bad|die)/ && $0 !~ /@include/)
			print "password module not required: " $0
		if (ctl ~ /sufficient|=ignore|=ok|=done/)
			print "a wrong password may not fail: " $0
		if ($0 ~ /nullok/) print "nullok: " $0
		pw = 1
	}
	$0 ~ /@include[[:space:]]+common-auth/ { pw = 1 }
	type == "auth" && match(ctl, /=[0-9]+/) {
		# A jump of N lands on auth line na + N + 1.
		jump[na] = na + substr(ctl, RSTART + 1, RLENGTH - 1) + 1
	}
	mod ~ /pam_kagi\.so$/ {
		if (ctl != "required" && ctl != "requisite")
			print "pam_kagi is " ctl ", not required: " $0
		if (type == "auth") { kagi_auth = na
			if (!pw) print "pam_kagi before the password module" }
		else if (type == "account") kagi_acct = 1
		else if (type == "session") kagi_sess = 1
		else print "pam_kagi in a " type " stack: " $0
	}
	type == "auth" && ctl ~ /sufficient|success=done/ && !kagi_auth {
		print "auth stack may end before pam_kagi: " $0 }
	END {
		if (!kagi_auth) print "no auth line for pam_kagi"
		if (!kagi_acct) print "no account line for pam_kagi"
		if (!kagi_sess) print "no session line for pam_kagi: its time limits never apply"
		for (l in jump)
			if (l < kagi_auth && jump[l] > kagi_auth)
				print "auth line " l " may jump past pam_kagi"
	}' "$1"
}
for f in login sshd kagi-gateway; do
	missing_report "conf/pam.d/$f: password then pam_kagi, both required; pam_kagi's session line (R-MFA-1, R-MFA-2, R-PRIV-7)" \
	    "$(pam_check "$S/conf/pam.d/$f")"
done
# The checker itself refuses the stacks that would remove a factor or a
# limit.
bad_stacks() {
	printf 'auth sufficient pam_unix.so\nauth required pam_kagi.so\naccount required pam_kagi.so\nsession required pam_kagi.so\n'
	echo ---
	printf 'auth [success=2 default=bad] pam_unix.so\nauth required pam_faillock.so authsucc\nauth required pam_kagi.so\nauth required pam_permit.so\naccount required pam_kagi.so\nsession required pam_kagi.so\n'
	echo ---
	printf 'auth required pam_unix.so\nauth required pam_kagi.so\naccount required pam_kagi.so\n'
}
out=
bad_stacks | awk -v d="$T" '/^---$/ { n++; next } { print > (d "/bad." n) }'
for n in "" 1 2; do
	[ -n "$(pam_check "$T/bad.$n")" ] || out="$out
stack $n accepted"
done
missing_report "the stack check refuses 'sufficient', a jump past pam_kagi and a missing session line" "$out"
out=
for l in 'UsePAM yes' 'KbdInteractiveAuthentication yes' \
    'AuthenticationMethods keyboard-interactive'; do
	grep -q "^#[[:space:]]*$l" "$S/conf/pam.d/sshd" || out="$out
$l"
done
missing_report "conf/pam.d/sshd names the sshd_config lines it needs" "$out"

unit=$S/conf/kagid.service
defuser=$(sed -n 's/.*set_str(&c->user, "\([^"]*\)").*/\1/p' "$CONFC")
out=
grep -Eq '^ExecStart=[^ ]*/kagid -f$' "$unit" || out="$out
ExecStart=.../kagid -f"
grep -q "^User=$defuser\$" "$unit" || out="$out
User=$defuser (the default 'user' of kagid.conf)"
# One capability, CAP_KILL, to end over-time sessions (R-PRIV-7); no other.
for l in NoNewPrivileges=yes 'CapabilityBoundingSet=CAP_KILL' \
    'AmbientCapabilities=CAP_KILL' ProtectSystem=strict \
    ProtectHome=yes PrivateTmp=yes RuntimeDirectory=kagi StateDirectory=kagi \
    StateDirectoryMode=0700; do
	grep -q "^$l\$" "$unit" || out="$out
$l"
done
grep -q '^PrivateUsers=yes' "$unit" && out="$out
PrivateUsers=yes would hide callers' uids from SO_PEERCRED"
missing_report "kagid.service runs kagid -f as '$defuser' with CAP_KILL as its only privilege (R-TOK-8, R-PRIV-7)" "$out"

# --- lint -----------------------------------------------------------------------------

for p in pam_kagi.8 kagid.8 kagictl.8 kagid.conf.5 kagi-authkeys.8; do
	if command -v mandoc >/dev/null 2>&1; then
		out=$(mandoc -T lint -W warning "$MAN/$p" 2>&1)
		tool="mandoc -T lint"
	elif command -v groff >/dev/null 2>&1; then
		out=$(groff -mandoc -ww -z "$MAN/$p" 2>&1)
		tool="groff -ww"
	else
		skip "$p lints clean" "neither mandoc nor groff installed"
		continue
	fi
	if [ -z "$out" ]; then
		ok "$p: $tool finds nothing"
	else
		not_ok "$p: $tool finds nothing" "$out"
	fi
done

finish
