/*
 * bgfile.c - the break-glass file (bgfile.h): the one parser and the one
 * formatter of its lines.
 *
 * Guarantees: a line is read whole or refused (KAGI_ERR_INVALID), never
 * half-read: exactly the fields of its kind, separated by one space,
 * numbers of 1 to 18 decimal digits, user names of 1 to BGFILE_USER_MAX
 * bytes without spaces, salt and hash in lower-case hex of their exact
 * length, iterations within 1..UCODE_ITER_MAX.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bgfile.h"
#include "kagi_err.h"

static int
hex_decode(const char *s, size_t slen, uint8_t *out, size_t len)
{
	size_t i;
	int hi, lo;

	if (slen != 2 * len)
		return KAGI_ERR_INVALID;
	for (i = 0; i < len; i++) {
		hi = s[2 * i];
		lo = s[2 * i + 1];
		hi = hi >= '0' && hi <= '9' ? hi - '0' :
		    hi >= 'a' && hi <= 'f' ? hi - 'a' + 10 : -1;
		lo = lo >= '0' && lo <= '9' ? lo - '0' :
		    lo >= 'a' && lo <= 'f' ? lo - 'a' + 10 : -1;
		if (hi < 0 || lo < 0)
			return KAGI_ERR_INVALID;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static void
hex_encode(const uint8_t *p, size_t len, char *out)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = hx[p[i] >> 4];
		out[2 * i + 1] = hx[p[i] & 15];
	}
	out[2 * len] = '\0';
}

/* A decimal number of 1 to 18 digits, nothing else. */
static int
num(const char *s, size_t n, int64_t *out)
{
	int64_t v = 0;
	size_t i;

	if (n == 0 || n > 18)
		return KAGI_ERR_INVALID;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return KAGI_ERR_INVALID;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int
bgfile_line_parse(const char *line, struct bgfile_line *l)
{
	const char *f[6];
	size_t fl[6];
	const char *p = line;
	int64_t v;
	int n = 0, want;

	memset(l, 0, sizeof(*l));
	while (*p != '\0') {
		if (n == 6)
			return KAGI_ERR_INVALID;
		f[n] = p;
		fl[n] = strcspn(p, " ");
		p += fl[n];
		n++;
		if (*p == ' ')
			p++;
		else if (*p != '\0')
			return KAGI_ERR_INVALID;
	}
	if (n < 1)
		return KAGI_ERR_INVALID;
	if (fl[0] == 4 && strncmp(f[0], "code", 4) == 0)
		want = 6;
	else if (fl[0] == 4 && strncmp(f[0], "used", 4) == 0)
		want = 4;
	else
		return KAGI_ERR_INVALID;
	if (n != want || num(f[1], fl[1], &l->id) != 0 || fl[2] == 0 ||
	    fl[2] > BGFILE_USER_MAX)
		return KAGI_ERR_INVALID;
	memcpy(l->user, f[2], fl[2]);
	l->user[fl[2]] = '\0';
	if (want == 4) {
		l->used = 1;
		return num(f[3], fl[3], &l->time);
	}
	if (num(f[3], fl[3], &v) != 0 || v < 1 || v > UCODE_ITER_MAX ||
	    hex_decode(f[4], fl[4], l->salt, sizeof(l->salt)) != 0 ||
	    hex_decode(f[5], fl[5], l->hash, sizeof(l->hash)) != 0)
		return KAGI_ERR_INVALID;
	l->iterations = (long)v;
	return 0;
}

int
bgfile_line_format(const struct bgfile_line *l, char *buf, size_t len)
{
	char salt[2 * UCODE_SALT_LEN + 1], hash[2 * UCODE_HASH_LEN + 1];
	int n;

	if (l->used) {
		n = snprintf(buf, len, "used %lld %s %lld\n", (long long)l->id,
		    l->user, (long long)l->time);
	} else {
		hex_encode(l->salt, sizeof(l->salt), salt);
		hex_encode(l->hash, sizeof(l->hash), hash);
		n = snprintf(buf, len, "code %lld %s %ld %s %s\n",
		    (long long)l->id, l->user, l->iterations, salt, hash);
	}
	return n < 0 || (size_t)n >= len ? KAGI_ERR_TOO_LARGE : 0;
}
