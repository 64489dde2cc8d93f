/*
 * wipe.c - wiping and constant-time comparison of secrets.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "wipe.h"

void
kagi_wipe(void *p, size_t n)
{
	if (p == NULL || n == 0)
		return;
#ifdef HAVE_EXPLICIT_BZERO
	explicit_bzero(p, n);
#else
	{
		volatile unsigned char *v = p;
		while (n--)
			*v++ = 0;
	}
#endif
}

void
kagi_free_secret(void *p, size_t n)
{
	if (p == NULL)
		return;
	kagi_wipe(p, n);
	free(p);
}

void
kagi_free_str(char *s)
{
	if (s == NULL)
		return;
	kagi_wipe(s, strlen(s));
	free(s);
}

int
kagi_ct_memcmp(const void *a, const void *b, size_t n)
{
	const volatile unsigned char *x = a, *y = b;
	unsigned char d = 0;
	size_t i;

	for (i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return d != 0;
}
