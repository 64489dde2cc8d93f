#!/bin/sh
# layers.sh - measure how kagi's sources depend on each other, and check
# the layering rules.
#
#   scripts/layers.sh [--report] [BUILDDIR]   figures and every finding
#   scripts/layers.sh --functions [N]          the N (10) longest functions
#
# What it measures and checks, over lib/, pam_module/ and tokend/:
#  (a) the include graph: a module is x.c with x.h; A -> B when A.c or
#      A.h includes "B.h" (quoted includes of the project's own headers,
#      found the way the compiler finds them: the includer's directory,
#      then the -I$(top_srcdir)/... directories of Makefile.am in order).
#      Its cycles (strongly connected components of more than one module)
#      are findings; its depth is the number of levels, a module that
#      includes nothing of the project being level 1 and a cycle counting
#      as one module.
#  (b) directory layers: lib/ includes only lib/; pam_module/ lib/ and
#      itself; tokend/store/ lib/ and itself; tokend/core/ lib/,
#      tokend/store/ and itself; tokend/kagid/ and tokend/ctl/ lib/,
#      tokend/store/, tokend/core/ and themselves (never each other).
#      tests/, bench/ and fuzz/ may include anything.
#  (c) no handler includes another: tokend/kagid/h_X.c may include
#      h_Y.h or h_Y_int.h only when Y is X, or X is Y_something (a file
#      of the same handler, as h_fido2_enroll.c is of h_fido2).
#  (d) call cycles between files, from the objects of a built tree
#      (BUILDDIR, by default build/test): A -> B when an object of A.c
#      uses (nm: U) a symbol an object of B.c defines (T, D, B or R).
#      Cycles among these files are findings.  A symbol defined by two
#      files (each in its own program) gives an edge to each; it is
#      named in a note.
#
# Exit status: 0 without findings (or with --report), 1 with findings,
# 2 on a usage error or when BUILDDIR holds no objects.  POSIX sh, awk,
# sed, find, grep and nm only.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)

usage() {
	echo "usage: scripts/layers.sh [--report] [BUILDDIR]" >&2
	echo "       scripts/layers.sh --functions [N]" >&2
	exit 2
}

report=0
functions=0
build=""
while [ $# -gt 0 ]; do
	case $1 in
	--report) report=1 ;;
	--functions) functions=1 ;;
	-h|--help) usage ;;
	-*) usage ;;
	*) [ -z "$build" ] || usage; build=$1 ;;
	esac
	shift
done
case $build in
""|/*) ;;
*) build=$(cd "$build" 2>/dev/null && pwd) ||
	{ echo "layers.sh: cannot enter the build directory" >&2; exit 2; } ;;
esac
cd "$top"

sources=$(find lib pam_module tokend -name '*.[ch]' | LC_ALL=C sort)

# --- the longest functions -------------------------------------------------
# A definition starts with its name at column 0 followed by "(" (the
# return type on the line before) and ends at the "}" at column 0.
if [ $functions = 1 ]; then
	n=${build:-10}
	case $n in *[!0-9]*|"") usage ;; esac
	# shellcheck disable=SC2046,SC2086
	awk '
	FNR == 1 { state = 0 }
	state == 0 && /^[A-Za-z_][A-Za-z0-9_]*\(/ {
		name = $0; sub(/\(.*/, "", name)
		start = FNR; state = 1; next
	}
	state == 1 && /^\{/ { state = 2; next }
	state == 1 && /;/ { state = 0; next }
	state == 2 && /^\}/ {
		printf "%6d %s:%d %s()\n", FNR - start + 1, FILENAME, start, name
		state = 0
	}' $(echo "$sources" | grep '\.c$') | LC_ALL=C sort -k1,1nr -k2,2 |
	    head -n "$n"
	exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# --- the graph tool -------------------------------------------------------
# Reads "A B [label]" edges (and "A" alone for a node without edges) and
# prints "nodes N", "depth D", "cycles C", then "cycle K: ..." lines (the
# members of each strongly connected component, one shortest cycle
# through its first member, and every edge inside it) and "deepest: ..."
# (one longest chain).
graph() {
	awk '
	function add_node(v) {
		if (!(v in seen)) { seen[v] = 1; node[++nn] = v; deg[v] = 0 }
	}
	function strong(v,   i, w) {
		idx[v] = ++counter; low[v] = counter
		stack[++sp] = v; on[v] = 1
		for (i = 1; i <= deg[v]; i++) {
			w = nb[v, i]
			if (!(w in idx)) {
				strong(w)
				if (low[w] < low[v]) low[v] = low[w]
			} else if (on[w] && idx[w] < low[v])
				low[v] = idx[w]
		}
		if (low[v] == idx[v]) {
			ncomp++; csize[ncomp] = 0
			do {
				w = stack[sp--]; on[w] = 0; comp[w] = ncomp
				cm[ncomp, ++csize[ncomp]] = w
			} while (w != v)
		}
	}
	# Levels of components: 1 + the highest level of what they include.
	function level(c,   i, d, l) {
		if (c in lev) return lev[c]
		lev[c] = 1; next_of[c] = 0
		for (i = 1; i <= cdeg[c]; i++) {
			d = cnb[c, i]
			if ((l = level(d) + 1) > lev[c]) { lev[c] = l; next_of[c] = d }
		}
		return lev[c]
	}
	function first_member(c,   i, m) {
		m = cm[c, 1]
		for (i = 2; i <= csize[c]; i++) if (cm[c, i] < m) m = cm[c, i]
		return m
	}
	function members(c,   i, j, t, a, s) {
		for (i = 1; i <= csize[c]; i++) a[i] = cm[c, i]
		for (i = 2; i <= csize[c]; i++)
			for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
				t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
			}
		s = a[1]
		for (i = 2; i <= csize[c]; i++) s = s ", " a[i]
		return s
	}
	function arrow(u, v) {
		return (u SUBSEP v) in label ? " -(" label[u, v] ")-> " : " -> "
	}
	# One shortest cycle through s inside its component.
	function cycle(s,   q, h, t, u, w, i, par, path, found) {
		h = 1; t = 0; found = 0
		q[++t] = s
		while (h <= t && !found) {
			u = q[h++]
			for (i = 1; i <= deg[u]; i++) {
				w = nb[u, i]
				if (comp[w] != comp[s]) continue
				if (w == s) { par[s] = u; found = 1; break }
				if (!(w in par)) { par[w] = u; q[++t] = w }
			}
		}
		path = s
		for (w = s; ; w = u) {
			u = par[w]
			path = u arrow(u, w) path
			if (u == s) break
		}
		return path
	}
	NF >= 1 {
		add_node($1)
		if (NF >= 2 && $1 != $2) {
			add_node($2)
			if (!(($1, $2) in edge)) {
				edge[$1, $2] = 1
				nb[$1, ++deg[$1]] = $2
			}
			if (NF >= 3) {
				if (!(($1, $2) in label)) label[$1, $2] = $3
				else if (length(label[$1, $2]) < 60 &&
				    index("," label[$1, $2] ",", "," $3 ",") == 0)
					label[$1, $2] = label[$1, $2] "," $3
				else if (label[$1, $2] !~ /,\.\.\.$/ &&
				    index("," label[$1, $2] ",", "," $3 ",") == 0)
					label[$1, $2] = label[$1, $2] ",..."
			}
		}
	}
	END {
		for (i = 1; i <= nn; i++) if (!(node[i] in idx)) strong(node[i])
		for (i = 1; i <= nn; i++) {
			u = node[i]
			for (j = 1; j <= deg[u]; j++) {
				a = comp[u]; b = comp[nb[u, j]]
				if (a != b && !((a, b) in cedge)) {
					cedge[a, b] = 1; cnb[a, ++cdeg[a]] = b
				}
			}
		}
		depth = 0; top = 0
		for (c = 1; c <= ncomp; c++)
			if (level(c) > depth) { depth = lev[c]; top = c }
		ncyc = 0
		for (c = 1; c <= ncomp; c++) if (csize[c] > 1) ncyc++
		print "nodes " nn
		print "depth " depth
		print "cycles " ncyc
		k = 0
		for (c = 1; c <= ncomp; c++) {
			if (csize[c] < 2) continue
			k++
			print "cycle " k ": " csize[c] " members: " members(c)
			print "cycle " k ": e.g. " cycle(first_member(c))
			for (i = 1; i <= nn; i++) {
				u = node[i]
				if (comp[u] != c) continue
				for (j = 1; j <= deg[u]; j++)
					if (comp[nb[u, j]] == c)
						print "cycle " k ": edge " u \
						    arrow(u, nb[u, j]) nb[u, j]
			}
		}
		s = ""
		for (c = top; c != 0; c = next_of[c])
			s = s (s == "" ? "" : " -> ") \
			    (csize[c] > 1 ? "{" first_member(c) " +" \
			    csize[c] - 1 "}" : cm[c, 1])
		print "deepest: " s
	}'
}

# --- includes -------------------------------------------------------------
# "file header" for every quoted include that names a project header.
# shellcheck disable=SC2016,SC2020
idirs=$(tr ' \t' '\n\n' <Makefile.am |
    sed -n 's|^-I\$(top_srcdir)/\([A-Za-z0-9_/]*\).*|\1|p' |
    awk '!seen[$0]++' | tr '\n' ' ')
find lib pam_module tokend tests bench fuzz -name '*.h' | LC_ALL=C sort \
    >"$tmp/headers"
# shellcheck disable=SC2046,SC2086
awk -v idirs="$idirs" -v hfile="$tmp/headers" '
	BEGIN {
		while ((getline h < hfile) > 0) have[h] = 1
		ni = split(idirs, idir, " ")
	}
	/^[[:space:]]*#[[:space:]]*include[[:space:]]*"/ {
		f = FILENAME
		inc = $0; sub(/^[^"]*"/, "", inc); sub(/".*/, "", inc)
		d = f; sub(/\/[^\/]*$/, "", d)
		if ((d "/" inc) in have) { print f, d "/" inc; next }
		for (i = 1; i <= ni; i++)
			if ((idir[i] "/" inc) in have) {
				print f, idir[i] "/" inc; next
			}
	}' $sources $(find tests bench fuzz -name '*.[ch]' | LC_ALL=C sort) \
    >"$tmp/includes"

# (a) the module graph.
{
	echo "$sources" | sed 's/\.[ch]$//'
	grep -E '^(lib|pam_module|tokend)/' "$tmp/includes" |
	    awk '{ l = $1; sub(/.*\//, "", l)
		sub(/\.[ch]$/, "", $1); sub(/\.h$/, "", $2); print $1, $2, l }'
} | graph >"$tmp/igraph"

# (b) directory layers and (c) handlers.
awk '
function room(p) {
	if (p ~ /^(tests|bench|fuzz)\//) return "free"
	if (p ~ /^lib\//) return "lib"
	if (p ~ /^pam_module\//) return "pam_module"
	if (p ~ /^tokend\/(store|core|kagid|ctl)\//) {
		sub(/^tokend\//, "", p); sub(/\/.*/, "", p); return p
	}
	d = p; sub(/\/[^\/]*$/, "", d); return d
}
BEGIN {
	may["lib"] = " lib "
	may["pam_module"] = " lib pam_module "
	may["store"] = " lib store "
	may["core"] = " lib store core "
	may["kagid"] = " lib store core kagid "
	may["ctl"] = " lib store core ctl "
	dir["lib"] = "lib/"; dir["pam_module"] = "pam_module/"
	dir["store"] = "tokend/store/"; dir["core"] = "tokend/core/"
	dir["kagid"] = "tokend/kagid/"; dir["ctl"] = "tokend/ctl/"
}
{
	a = room($1); b = room($2)
	if (a != "free" && !(a in may)) {
		if (!($1 in nolayer))
			print "layer: " $1 " is in no layer (lib/, pam_module/, " \
			    "tokend/{store,core,kagid,ctl}/)"
		nolayer[$1] = 1
	} else if (a != "free" && index(may[a], " " b " ") == 0) {
		n = split(may[a], m, " "); s = dir[m[1]]
		for (i = 2; i <= n; i++) s = s ", " dir[m[i]]
		print "layer: " $1 " includes " $2 " (" dir[a] \
		    " may include only " s ")"
	}
	if ($1 ~ /^tokend\/kagid\/h_[^\/]*\.c$/ &&
	    $2 ~ /^tokend\/kagid\/h_[^\/]*\.h$/) {
		x = $1; sub(/.*\/h_/, "", x); sub(/\.c$/, "", x)
		y = $2; sub(/.*\/h_/, "", y); sub(/\.h$/, "", y)
		sub(/_int$/, "", y)
		if (x != y && index(x, y "_") != 1)
			print "handler: " $1 " includes " $2 \
			    " (a handler includes no other handler\047s header)"
	}
}' "$tmp/includes" >"$tmp/layers"

# (d) the call graph.
[ -n "$build" ] || { [ -d build/test ] && build=$top/build/test; } || true
calls=""
if [ -n "$build" ]; then
	command -v nm >/dev/null 2>&1 ||
	    { echo "layers.sh: nm is missing (binutils)" >&2; exit 2; }
	# Objects of the project's sources: dir/[target-]name.o, also under
	# .libs/ (libtool); each named by the source file it was built from.
	(cd "$build" && find lib pam_module tokend -name '*.o' 2>/dev/null) |
	    LC_ALL=C sort >"$tmp/objects" || true
	if [ ! -s "$tmp/objects" ]; then
		echo "layers.sh: no objects under $build (build it first)" >&2
		exit 2
	fi
	while read -r o; do
		d=$(dirname "$o"); d=${d%/.libs}
		s=$(basename "$o" .o)
		[ -f "$d/$s.c" ] || s=${s#*-}
		[ -f "$d/$s.c" ] || continue
		nm "$build/$o" | awk -v f="$d/$s.c" '
		    $1 == "U" { print "U", $2, f }
		    NF == 3 && $2 ~ /^[TDBR]$/ { print "D", $3, f }'
	done <"$tmp/objects" | LC_ALL=C sort -u >"$tmp/syms"
	awk '
	$1 == "D" {
		if (!(($2, $3) in d)) { d[$2, $3] = 1; def[$2] = def[$2] " " $3 }
		next
	}
	{ use[++n] = $2 " " $3 }
	END {
		for (s in def)
			if (split(def[s], t, " ") > 1 && s != "main")
				print "note: " s " is defined by" def[s] >"/dev/stderr"
		for (i = 1; i <= n; i++) {
			split(use[i], u, " ")
			if (!(u[1] in def)) continue
			k = split(def[u[1]], t, " ")
			for (j = 1; j <= k; j++)
				if (t[j] != u[2]) print u[2], t[j], u[1]
		}
	}' "$tmp/syms" 2>"$tmp/notes" | LC_ALL=C sort -u >"$tmp/calls"
	awk '{ print $3 }' "$tmp/syms" | LC_ALL=C sort -u >>"$tmp/calls"
	graph <"$tmp/calls" >"$tmp/cgraph"
	calls=1
fi

# --- the report -----------------------------------------------------------
get() { sed -n "s/^$1 //p" "$2"; }
inodes=$(get nodes "$tmp/igraph")
idepth=$(get depth "$tmp/igraph")
icycles=$(get cycles "$tmp/igraph")
nlayer=$(grep -c '^layer:' "$tmp/layers" || true)
nhandler=$(grep -c '^handler:' "$tmp/layers" || true)

echo "include graph: $inodes modules, depth $idepth, $icycles cycles"
echo "  deepest: $(get deepest: "$tmp/igraph")"
grep '^cycle ' "$tmp/igraph" | sed 's/^/  include /' || true
if [ -n "$calls" ]; then
	cfiles=$(get nodes "$tmp/cgraph")
	ccycles=$(get cycles "$tmp/cgraph")
	echo "call graph ($build): $cfiles files, $ccycles cycles"
	grep '^cycle ' "$tmp/cgraph" | sed 's/^/  call /' || true
	sed 's/^/  /' "$tmp/notes"
	csum="call graph: $ccycles cycles"
else
	ccycles=0
	echo "call graph: not measured (no BUILDDIR and no build/test)"
	csum="call graph: not measured"
fi
[ ! -s "$tmp/layers" ] || sed 's/^/  /' "$tmp/layers"
echo "include graph: $inodes modules, depth $idepth, $icycles cycles;" \
    "$csum; layer violations: $nlayer; handler includes: $nhandler"

[ $report = 1 ] && exit 0
[ $((icycles + ccycles + nlayer + nhandler)) -eq 0 ]
