/*
 * totp.c - RFC 6238 TOTP codes: liboath computes and matches them, this
 * file guards what goes in and what comes out.
 *
 * Guarantees:
 * - A code reaches liboath only when it is exactly `digits` ASCII digits;
 *   totp_normalise_code() is the one place where user input becomes such a
 *   code (full-width digits from a Japanese input method are read as
 *   ASCII, nothing else is forgiven: no spaces, signs or other scripts).
 * - Codes are compared in constant time (liboath's validation callback
 *   with kagi_ct_memcmp), and the matched time step is returned so the
 *   caller can accept each step at most once (liboath itself accepts
 *   replays).
 * - Parameters outside their ranges (digits 6..8, period 1..3600, window
 *   0..TOTP_WINDOW_MAX, secret 1..TOTP_SECRET_MAX bytes, times >= 0 that
 *   cannot overflow) are refused before any computation.
 * - Every temporary that holds a code, a secret or its base32 form is
 *   wiped before it is freed or goes out of scope.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <liboath/oath.h>
#include <openssl/rand.h>

#include "kagi_err.h"
#include "totp.h"
#include "wipe.h"

#define TOTP_DIGITS_MIN 6
#define TOTP_PERIOD_MAX 3600
#define TOTP_URI_FIELD_MAX 1024	/* issuer or user, before encoding */

static const struct {
	int alg;
	const char *name;	/* kagi's own name */
	const char *uri;	/* the otpauth:// name */
	int flags;		/* liboath's */
} algs[] = {
	{ TOTP_SHA1, "sha1", "SHA1", 0 },
	{ TOTP_SHA256, "sha256", "SHA256", OATH_TOTP_HMAC_SHA256 },
	{ TOTP_SHA512, "sha512", "SHA512", OATH_TOTP_HMAC_SHA512 },
};
#define NALGS (sizeof(algs) / sizeof(algs[0]))

static int
alg_index(int alg)
{
	size_t i;

	for (i = 0; i < NALGS; i++)
		if (algs[i].alg == alg)
			return (int)i;
	return -1;
}

/* The parameters every computation shares. */
static int
check_params(const uint8_t *secret, size_t len, int alg, int digits,
    int period)
{
	if (secret == NULL || len == 0 || len > TOTP_SECRET_MAX)
		return KAGI_ERR_INVALID;
	if (alg_index(alg) < 0)
		return KAGI_ERR_INVALID;
	if (digits < TOTP_DIGITS_MIN || digits > TOTP_CODE_MAX)
		return KAGI_ERR_INVALID;
	if (period < 1 || period > TOTP_PERIOD_MAX)
		return KAGI_ERR_INVALID;
	return 0;
}

/* t, and t moved by slack seconds either way, are valid times. */
static int
check_time(int64_t t, int64_t slack)
{
	if (t < 0 || t > INT64_MAX - slack)
		return KAGI_ERR_INVALID;
	if ((int64_t)(time_t)(t + slack) != t + slack)
		return KAGI_ERR_INVALID;
	return 0;
}

int
totp_global_init(void)
{
	if (oath_init() != OATH_OK)
		return KAGI_ERR_CRYPTO;
	return 0;
}

int
totp_normalise_code(const char *in, int digits, char out[TOTP_CODE_MAX + 1])
{
	const unsigned char *p = (const unsigned char *)in;
	int n = 0;

	if (out == NULL)
		return KAGI_ERR_INVALID;
	memset(out, 0, TOTP_CODE_MAX + 1);
	if (digits < TOTP_DIGITS_MIN || digits > TOTP_CODE_MAX)
		return KAGI_ERR_INVALID;
	if (in == NULL)
		return KAGI_ERR_BAD_CODE;

	/* Stops at the first byte too many or not allowed: bounded. */
	while (*p != '\0') {
		if (n == digits)
			goto bad;
		if (p[0] >= '0' && p[0] <= '9') {
			out[n++] = (char)p[0];
			p++;
		} else if (p[0] == 0xef && p[1] == 0xbc &&
		    p[2] >= 0x90 && p[2] <= 0x99) {
			/* U+FF10..U+FF19 FULLWIDTH DIGIT ZERO..NINE */
			out[n++] = (char)('0' + (p[2] - 0x90));
			p += 3;
		} else
			goto bad;
	}
	if (n != digits)
		goto bad;
	return 0;
bad:
	kagi_wipe(out, TOTP_CODE_MAX + 1);
	return KAGI_ERR_BAD_CODE;
}

int
totp_new_secret(uint8_t *secret, size_t len)
{
	if (secret == NULL || len == 0 || len > TOTP_SECRET_MAX)
		return KAGI_ERR_INVALID;
	if (RAND_bytes(secret, (int)len) != 1) {
		kagi_wipe(secret, len);
		return KAGI_ERR_CRYPTO;
	}
	return 0;
}

int
totp_generate(const uint8_t *secret, size_t len, int alg, int digits,
    int period, int64_t t, char out[TOTP_CODE_MAX + 1])
{
	int r;

	if (out == NULL)
		return KAGI_ERR_INVALID;
	memset(out, 0, TOTP_CODE_MAX + 1);
	if ((r = check_params(secret, len, alg, digits, period)) != 0 ||
	    (r = check_time(t, 0)) != 0)
		return r;
	if (oath_totp_generate2((const char *)secret, len, (time_t)t,
	    (unsigned)period, 0, (unsigned)digits,
	    algs[alg_index(alg)].flags, out) != OATH_OK ||
	    strlen(out) != (size_t)digits) {
		kagi_wipe(out, TOTP_CODE_MAX + 1);
		return KAGI_ERR_CRYPTO;
	}
	return 0;
}

struct ct_code {
	const char *code;
	size_t len;
};

/* liboath's strcmp-like callback: 0 only on a match, in constant time. */
static int
ct_code_cmp(void *handle, const char *test)
{
	const struct ct_code *c = handle;

	if (strnlen(test, TOTP_CODE_MAX + 1) != c->len)
		return 1;
	return kagi_ct_memcmp(c->code, test, c->len) == 0 ? 0 : 1;
}

int
totp_verify(const uint8_t *secret, size_t len, int alg, int digits,
    int period, int window, int64_t now, const char *code, int64_t *step)
{
	struct ct_code c;
	uint64_t counter = 0;
	int64_t want;
	int r, i, pos = 0;

	if (step == NULL)
		return KAGI_ERR_INVALID;
	*step = -1;
	if ((r = check_params(secret, len, alg, digits, period)) != 0)
		return r;
	if (window < 0 || window > TOTP_WINDOW_MAX)
		return KAGI_ERR_INVALID;
	if ((r = check_time(now, (int64_t)window * period)) != 0)
		return r;
	if (code == NULL)
		return KAGI_ERR_BAD_CODE;
	for (i = 0; i < digits; i++)
		if (code[i] < '0' || code[i] > '9')
			return KAGI_ERR_BAD_CODE;
	if (code[digits] != '\0')
		return KAGI_ERR_BAD_CODE;

	c.code = code;
	c.len = (size_t)digits;
	r = oath_totp_validate4_callback((const char *)secret, len,
	    (time_t)now, (unsigned)period, 0, (unsigned)digits,
	    (size_t)window, &pos, &counter, algs[alg_index(alg)].flags,
	    ct_code_cmp, &c);
	if (r == OATH_INVALID_OTP)
		return KAGI_ERR_BAD_CODE;
	if (r < 0)
		return KAGI_ERR_CRYPTO;

	/*
	 * liboath's counter is the matched step, (now + pos * period) /
	 * period.  A step before the epoch is no step; a counter that
	 * disagrees with the position is refused rather than trusted.
	 */
	if (pos < -window || pos > window)
		return KAGI_ERR_INTERNAL;
	want = now / period + pos;
	if (want < 0 || now + (int64_t)pos * period < 0)
		return KAGI_ERR_BAD_CODE;
	if (counter != (uint64_t)want)
		return KAGI_ERR_INTERNAL;
	*step = want;
	return 0;
}

/* RFC 3986 unreserved characters pass; everything else becomes %XX. */
static size_t
pct_len(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += (strchr("-._~", *s) != NULL ||
		    (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= '0' && *s <= '9')) ? 1 : 3;
	return n;
}

static char *
pct_put(char *d, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char ch;

	for (; *s != '\0'; s++) {
		ch = (unsigned char)*s;
		if (strchr("-._~", ch) != NULL || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))
			*d++ = (char)ch;
		else {
			*d++ = '%';
			*d++ = hex[ch >> 4];
			*d++ = hex[ch & 0x0f];
		}
	}
	return d;
}

int
totp_uri(const char *issuer, const char *user, const uint8_t *secret,
    size_t len, int alg, int digits, int period, char **uri)
{
	char *b32 = NULL, *s = NULL, *p;
	size_t b32len = 0, b32used, ilen, ulen, total = 0;
	char tail[96];
	int r, n;

	if (uri == NULL)
		return KAGI_ERR_INVALID;
	*uri = NULL;
	if (issuer == NULL || user == NULL || *issuer == '\0' || *user == '\0')
		return KAGI_ERR_INVALID;
	if ((r = check_params(secret, len, alg, digits, period)) != 0)
		return r;
	if (strnlen(issuer, TOTP_URI_FIELD_MAX + 1) > TOTP_URI_FIELD_MAX ||
	    strnlen(user, TOTP_URI_FIELD_MAX + 1) > TOTP_URI_FIELD_MAX)
		return KAGI_ERR_TOO_LARGE;

	if (oath_base32_encode((const char *)secret, len, &b32,
	    &b32len) != OATH_OK || b32 == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	for (b32used = b32len; b32used > 0 && b32[b32used - 1] == '='; )
		b32used--;

	n = snprintf(tail, sizeof(tail), "&algorithm=%s&digits=%d&period=%d",
	    algs[alg_index(alg)].uri, digits, period);
	if (n < 0 || (size_t)n >= sizeof(tail)) {
		r = KAGI_ERR_INTERNAL;
		goto out;
	}

	ilen = pct_len(issuer);
	ulen = pct_len(user);
	total = strlen("otpauth://totp/") + ilen + 1 + ulen +
	    strlen("?secret=") + b32used + strlen("&issuer=") + ilen +
	    (size_t)n + 1;
	if ((s = malloc(total)) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	p = s;
	memcpy(p, "otpauth://totp/", 15);
	p = pct_put(p + 15, issuer);
	*p++ = ':';
	p = pct_put(p, user);
	memcpy(p, "?secret=", 8);
	memcpy(p + 8, b32, b32used);
	p += 8 + b32used;
	memcpy(p, "&issuer=", 8);
	p = pct_put(p + 8, issuer);
	memcpy(p, tail, (size_t)n + 1);
	if ((size_t)(p - s) + (size_t)n + 1 != total) {
		r = KAGI_ERR_INTERNAL;
		goto out;
	}

	*uri = s;
	s = NULL;
	r = 0;
out:
	kagi_free_secret(b32, b32len);
	kagi_free_secret(s, total);
	return r;
}

const char *
totp_alg_name(int alg)
{
	int i;

	if ((i = alg_index(alg)) < 0)
		return "unknown";
	return algs[i].name;
}

int
totp_alg_from_name(const char *s, int *alg)
{
	size_t i;

	if (s == NULL || alg == NULL)
		return KAGI_ERR_INVALID;
	for (i = 0; i < NALGS; i++) {
		if (strcasecmp(s, algs[i].name) == 0) {
			*alg = algs[i].alg;
			return 0;
		}
	}
	return KAGI_ERR_INVALID;
}

int
totp_secret_decode(const char *text, int hex, uint8_t **out, size_t *len)
{
	char *raw = NULL;
	size_t n = 0;

	*out = NULL;
	*len = 0;
	if (text == NULL || text[0] == '\0')
		return KAGI_ERR_INVALID;
	if (hex) {
		n = strlen(text) / 2;
		if (strlen(text) % 2 != 0 || (raw = malloc(n + 1)) == NULL)
			return strlen(text) % 2 != 0 ? KAGI_ERR_INVALID :
			    KAGI_ERR_NOMEM;
		if (oath_hex2bin(text, raw, &n) != OATH_OK) {
			kagi_free_secret(raw, strlen(text) / 2 + 1);
			return KAGI_ERR_INVALID;
		}
	} else if (oath_base32_decode(text, strlen(text), &raw, &n) !=
	    OATH_OK || raw == NULL) {
		return KAGI_ERR_INVALID;
	}
	if (n < TOTP_IMPORT_MIN || n > TOTP_IMPORT_MAX) {
		kagi_free_secret(raw, n);
		return KAGI_ERR_INVALID;
	}
	*out = (uint8_t *)raw;
	*len = n;
	return 0;
}
