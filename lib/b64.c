/*
 * b64.c - strict base64 (RFC 4648 section 4, with padding).
 *
 * The codec is the plain table one, here rather than OpenSSL's
 * EVP_EncodeBlock/EVP_DecodeBlock so that pam_kagi.so, which needs
 * base64 only for FIDO2, does not map libcrypto into every process that
 * loads it.  The decoder takes only text whose length is a
 * multiple of four, with nothing but the alphabet before at most two
 * '=' at the end, and then re-encodes what it decoded: one encoding
 * decodes to exactly one value.
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "b64.h"
#include "kagi_err.h"
#include "proto.h"
#include "wipe.h"

#define B64_INPUT_MAX (1024 * 1024)

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* out gets (len + 2) / 3 * 4 characters, no NUL. */
static void
b64_encode_block(const uint8_t *in, size_t len, char *out)
{
	uint32_t v;
	size_t i, o = 0;

	for (i = 0; i + 3 <= len; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = b64_alphabet[v >> 18 & 63];
		out[o++] = b64_alphabet[v >> 12 & 63];
		out[o++] = b64_alphabet[v >> 6 & 63];
		out[o++] = b64_alphabet[v & 63];
	}
	if (len - i == 0)
		return;
	v = (uint32_t)in[i] << 16;
	if (len - i == 2)
		v |= (uint32_t)in[i + 1] << 8;
	out[o++] = b64_alphabet[v >> 18 & 63];
	out[o++] = b64_alphabet[v >> 12 & 63];
	out[o++] = len - i == 2 ? b64_alphabet[v >> 6 & 63] : '=';
	out[o] = '=';
}

/* The value of an alphabet character; '=' counts as 0. */
static uint32_t
b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return (uint32_t)(c - 'A');
	if (c >= 'a' && c <= 'z')
		return (uint32_t)(c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (uint32_t)(c - '0' + 52);
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return 0;
}

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
	b64_encode_block(in, len, s);
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
	/* Checked above: n % 4 == 0 and only the alphabet before the pad. */
	for (i = 0; i < n; i += 4) {
		uint32_t v = b64_value(s[i]) << 18 | b64_value(s[i + 1]) << 12 |
		    b64_value(s[i + 2]) << 6 | b64_value(s[i + 3]);

		buf[i / 4 * 3] = (uint8_t)(v >> 16);
		buf[i / 4 * 3 + 1] = (uint8_t)(v >> 8);
		buf[i / 4 * 3 + 2] = (uint8_t)v;
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

int
b64_set(struct json_object *o, const char *key, const uint8_t *p, size_t n)
{
	char *s = NULL;
	int r;

	if ((r = b64_encode(p, n, &s)) != 0)
		return r;
	r = proto_set_str(o, key, s);
	free(s);
	return r;
}

int
b64_append(struct json_object *arr, const uint8_t *p, size_t n)
{
	struct json_object *v;
	char *s = NULL;
	int r;

	if ((r = b64_encode(p, n, &s)) != 0)
		return r;
	v = json_object_new_string(s);
	free(s);
	if (v == NULL || json_object_array_add(arr, v) != 0) {
		json_object_put(v);
		return KAGI_ERR_NOMEM;
	}
	return 0;
}
