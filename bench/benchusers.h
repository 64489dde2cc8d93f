/*
 * benchusers.h - the benchmark's users, the same for every system.
 *
 * User i (0 <= i < N) is named "u" followed by seven digits and has a
 * 20-byte TOTP secret derived from i alone (SHA1, 6 digits, 30 s), so the
 * generator (mkusers) writes the same accounts into kagi's store, the
 * pam_oath usersfile and the google-authenticator files, and the driver
 * (pambench) computes codes without reading any of them.  Bench only: the
 * secrets are predictable on purpose.
 */
#ifndef KAGI_BENCHUSERS_H
#define KAGI_BENCHUSERS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define BU_SECRET_LEN 20
#define BU_NAME_MAX 24
#define BU_PERIOD 30
#define BU_DIGITS 6

static inline void
bu_name(uint64_t i, char name[BU_NAME_MAX])
{
	snprintf(name, BU_NAME_MAX, "u%07llu", (unsigned long long)i);
}

static inline uint64_t
bu_mix(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static inline void
bu_secret(uint64_t i, uint8_t secret[BU_SECRET_LEN])
{
	uint64_t s = i * 2 + 1, v = 0;
	size_t k;

	for (k = 0; k < BU_SECRET_LEN; k++) {
		if (k % 8 == 0)
			v = bu_mix(&s);
		secret[k] = (uint8_t)(v >> (8 * (k % 8)));
	}
}

static inline uint64_t
bu_gcd(uint64_t a, uint64_t b)
{
	while (b != 0) {
		uint64_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

/*
 * The j-th user of a fixed pseudo-random walk over all n users: every
 * user once per n steps, neighbours in the walk far apart in the store.
 */
static inline uint64_t
bu_walk(uint64_t j, uint64_t n)
{
	uint64_t a = UINT64_C(2654435761) % n;

	if (n <= 1)
		return 0;
	while (a == 0 || bu_gcd(a, n) != 1)
		a = (a + 1) % n;
	return (uint64_t)(((unsigned __int128)j * a + n / 3) % n);
}

#endif
