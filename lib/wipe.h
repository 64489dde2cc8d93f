/*
 * wipe.h - wiping secrets.
 *
 * kagi_wipe() cannot be optimised away.  kagi_wipe_obj(p) wipes the object
 * p points to; it refuses at compile time to be given an array (whose
 * "object" would be its first element: one byte of a char[64]) or a
 * void pointer (no size at all): use kagi_wipe(a, sizeof(a)) for those.  kagi_free_secret() wipes n bytes
 * and frees; kagi_free_str() wipes a NUL-terminated string and frees.
 * All tolerate NULL.
 */
#ifndef KAGI_WIPE_H
#define KAGI_WIPE_H

#include <stddef.h>

void kagi_wipe(void *p, size_t n);
void kagi_free_secret(void *p, size_t n);
void kagi_free_str(char *s);

/*
 * An array's type differs from the type of a pointer to its first
 * element; a pointer's does not.  sizeof(*(void *)p) is refused by
 * -Wpointer-arith and -Werror, and is an error under clang.
 */
#define kagi_wipe_obj(p) do { \
	_Static_assert(__builtin_types_compatible_p(__typeof__(p), \
	    __typeof__(&*(p))), "kagi_wipe_obj() needs a pointer to one " \
	    "object, not an array"); \
	kagi_wipe((p), sizeof(*(p))); \
} while (0)

/* Constant-time comparison: 0 when equal. */
int kagi_ct_memcmp(const void *a, const void *b, size_t n);

#endif
