#!/bin/sh
# wipeobj.sh - kagi_wipe_obj() (lib/wipe.h) takes a pointer to one object
# and nothing else, at compile time.
#
# Given an array it would wipe sizeof(*array): one byte of a char[64],
# leaving a secret behind (R-TOK-8).  Given a void pointer there is no
# size at all.  Both must fail to compile with the project's compiler and
# warnings; a pointer to a struct, and the address of a local, compile.

. "$(dirname "$0")/lib.sh"

cc=${KAGI_CC:-cc}
flags="${KAGI_WARN_CFLAGS:-} -Werror -I$top_srcdir/lib"

plan 4

try() {
	printf '#include "wipe.h"\n%s\n' "$1" >"$T/w.c"
	# shellcheck disable=SC2086 # word lists
	$cc $flags -fsyntax-only "$T/w.c" >"$T/w.out" 2>&1
}

try 'struct s { char key[32]; };
void f(struct s *p);
void f(struct s *p) { struct s q = *p; kagi_wipe_obj(p); kagi_wipe_obj(&q); }'
is "$?" 0 "a pointer to a struct and the address of a local compile"

try 'void f(void);
void f(void) { char a[64] = "secret"; kagi_wipe_obj(a); }'
rc=$?
is "$([ "$rc" -ne 0 ] && echo yes || echo no)" yes "R-TOK-8: an array (char[64]) is refused at compile time"
like "$(cat "$T/w.out")" "not an array" "the compiler says why"

try 'void f(void *p);
void f(void *p) { kagi_wipe_obj(p); }'
rc=$?
is "$([ "$rc" -ne 0 ] && echo yes || echo no)" yes \
    "R-TOK-8: a void pointer is refused at compile time"

finish
