/*
 * wipe.h - wiping secrets.
 *
 * kagi_wipe() cannot be optimised away.  kagi_wipe_obj(p) wipes the object
 * p points to; it refuses (at compile time) to be given an array or a
 * void pointer by mistake for its size.  kagi_free_secret() wipes n bytes
 * and frees; kagi_free_str() wipes a NUL-terminated string and frees.
 * All tolerate NULL.
 */
#ifndef KAGI_WIPE_H
#define KAGI_WIPE_H

#include <stddef.h>

void kagi_wipe(void *p, size_t n);
void kagi_free_secret(void *p, size_t n);
void kagi_free_str(char *s);

#define kagi_wipe_obj(p) kagi_wipe((p), sizeof(*(p)))

/* Constant-time comparison: 0 when equal. */
int kagi_ct_memcmp(const void *a, const void *b, size_t n);

#endif
