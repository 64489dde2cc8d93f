/*
 * b64.c - strict base64 through OpenSSL's EVP_EncodeBlock and
 * EVP_DecodeBlock.
 *
 * EVP_DecodeBlock skips leading and trailing white space, accepts any
 * length and counts padding as zero bytes: the checks before and after
 * it close those doors, so one encoding decodes to exactly one value.
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "b64.h"
#include "kagi_err.h"
#include "wipe.h"

#define B64_INPUT_MAX (1024 * 1024)

int
b64_encode(const uint8_t *in, size_t len, char **out)
{
	char *s;
	size_t n;

	*out = NULL;
	if (len > B64_INPUT_MAX || (in == NULL && len != 0))
		return KAGI_ERR_TOO_LARGE;
	n = (len + 2) / 3 * 4;
	if ((s = malloc(n + 1)) == NULL)
		return KAGI_ERR_NOMEM;
	if ((size_t)EVP_EncodeBlock((unsigned char *)s, in, (int)len) != n) {
		free(s);
		return KAGI_ERR_INTERNAL;
	}
	s[n] = '\0';
	*out = s;
	return 0;
}

static int
b64_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '/';
}

int
b64_decode(const char *s, size_t min, size_t max, uint8_t **out,
    size_t *outlen)
{
	uint8_t *buf = NULL;
	char *again = NULL;
	size_t n, i, pad = 0, len;
	int r;

	*out = NULL;
	*outlen = 0;
	if (s == NULL)
		return KAGI_ERR_INVALID;
	n = strnlen(s, B64_INPUT_MAX + 1);
	if (n > B64_INPUT_MAX)
		return KAGI_ERR_TOO_LARGE;
	if (n == 0 || n % 4 != 0)
		return KAGI_ERR_INVALID;
	if (s[n - 1] == '=')
		pad = s[n - 2] == '=' ? 2 : 1;
	for (i = 0; i < n - pad; i++)
		if (!b64_char(s[i]))
			return KAGI_ERR_INVALID;
	len = n / 4 * 3 - pad;
	if (len < min)
		return KAGI_ERR_INVALID;
	if (len > max)
		return KAGI_ERR_TOO_LARGE;
	if ((buf = malloc(n / 4 * 3)) == NULL)
		return KAGI_ERR_NOMEM;
	if (EVP_DecodeBlock(buf, (const unsigned char *)s, (int)n) !=
	    (int)(n / 4 * 3)) {
		r = KAGI_ERR_INVALID;
		goto out;
	}
	/* Unused bits must be zero: only the canonical text is accepted. */
	if ((r = b64_encode(buf, len, &again)) != 0)
		goto out;
	if (strcmp(again, s) != 0) {
		r = KAGI_ERR_INVALID;
		goto out;
	}
	*out = buf;
	*outlen = len;
	buf = NULL;
	r = 0;
 out:
	kagi_free_str(again);
	kagi_free_secret(buf, n / 4 * 3);
	return r;
}

int
b64_decode_websafe(const char *s, size_t min, size_t max, uint8_t **out,
    size_t *outlen)
{
	char *std;
	size_t n, i;
	int r;

	*out = NULL;
	*outlen = 0;
	if (s == NULL)
		return KAGI_ERR_INVALID;
	n = strnlen(s, B64_INPUT_MAX + 1);
	if (n > B64_INPUT_MAX)
		return KAGI_ERR_TOO_LARGE;
	if (n % 4 == 1)
		return KAGI_ERR_INVALID;
	if ((std = malloc(n + 3)) == NULL)
		return KAGI_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '+' || c == '/' || c == '=') {
			free(std);
			return KAGI_ERR_INVALID;
		}
		std[i] = c == '-' ? '+' : c == '_' ? '/' : c;
	}
	while (i % 4 != 0)
		std[i++] = '=';
	std[i] = '\0';
	r = b64_decode(std, min, max, out, outlen);
	free(std);
	return r;
}
