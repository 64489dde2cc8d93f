/*
 * sshkey.c - OpenSSH security-key public keys (sshkey.h): the wire form
 * of PROTOCOL.u2f read through lib/rbuf.h, the "type base64 comment"
 * line, the SHA256 fingerprint.
 *
 *   sk-ssh-ed25519@openssh.com:          string type, string key (32),
 *                                        string application
 *   sk-ecdsa-sha2-nistp256@openssh.com:  string type, string "nistp256",
 *                                        string Q (0x04 | x | y),
 *                                        string application
 *
 * Pure: no state, no logging; the caller that decides logs.  Outputs are
 * written only when everything parsed (else zeroed).  Base64 goes
 * through lib/b64.c, which takes exactly one encoding of each value.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "b64.h"
#include "fido2.h"
#include "kagi_err.h"
#include "rbuf.h"
#include "sshkey.h"
#include "wipe.h"

#define TYPE_MAX	64
#define CURVE_P256	"nistp256"

const char *
sshkey_sk_type_name(int type)
{
	switch (type) {
	case SSHKEY_ED25519_SK:
		return SSHKEY_TYPE_ED25519_SK;
	case SSHKEY_ECDSA_SK:
		return SSHKEY_TYPE_ECDSA_SK;
	}
	return NULL;
}

int
sshkey_sk_cose_alg(int type)
{
	switch (type) {
	case SSHKEY_ED25519_SK:
		return FIDO2_EDDSA;
	case SSHKEY_ECDSA_SK:
		return FIDO2_ES256;
	}
	return 0;
}

/* The type named by n bytes at s, or 0. */
static int
type_from(const uint8_t *s, size_t n)
{
	if (n == strlen(SSHKEY_TYPE_ED25519_SK) &&
	    memcmp(s, SSHKEY_TYPE_ED25519_SK, n) == 0)
		return SSHKEY_ED25519_SK;
	if (n == strlen(SSHKEY_TYPE_ECDSA_SK) &&
	    memcmp(s, SSHKEY_TYPE_ECDSA_SK, n) == 0)
		return SSHKEY_ECDSA_SK;
	return 0;
}

/* Printable ASCII without spaces: safe in a log line and a key line. */
static int
app_ok(const uint8_t *s, size_t n)
{
	size_t i;

	if (n == 0 || n > SSHKEY_APP_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return 0;
	return 1;
}

int
sshkey_sk_from_blob(const uint8_t *blob, size_t len, struct sshkey_sk *k)
{
	struct sshkey_sk v;
	struct rbuf b;
	const uint8_t *t, *pk, *curve, *app;
	size_t tlen, pklen, clen, alen;
	int r;

	memset(k, 0, sizeof(*k));
	memset(&v, 0, sizeof(v));
	if (blob == NULL || len == 0)
		return KAGI_ERR_INVALID;
	if (len > SSHKEY_BLOB_MAX)
		return KAGI_ERR_TOO_LARGE;
	rbuf_init(&b, blob, len);
	if ((r = rbuf_get_string32(&b, TYPE_MAX, &t, &tlen)) != 0)
		return r;
	if ((v.type = type_from(t, tlen)) == 0)
		return KAGI_ERR_INVALID;
	if (v.type == SSHKEY_ECDSA_SK) {
		if ((r = rbuf_get_string32(&b, TYPE_MAX, &curve, &clen)) != 0)
			return r;
		if (clen != strlen(CURVE_P256) ||
		    memcmp(curve, CURVE_P256, clen) != 0)
			return KAGI_ERR_INVALID;
	}
	if ((r = rbuf_get_string32(&b, SSHKEY_PK_MAX, &pk, &pklen)) != 0)
		return r;
	if (v.type == SSHKEY_ED25519_SK ? pklen != 32 :
	    pklen != 65 || pk[0] != 0x04)
		return KAGI_ERR_INVALID;
	if ((r = rbuf_get_string32(&b, SSHKEY_APP_MAX, &app, &alen)) != 0)
		return r;
	if (!app_ok(app, alen) || (r = rbuf_done(&b)) != 0)
		return KAGI_ERR_INVALID;
	/* A point off the curve, or an Ed25519 key that does not load. */
	if (v.type == SSHKEY_ECDSA_SK ?
	    fido2_pk_check(FIDO2_ES256, pk + 1, 64) != 0 :
	    fido2_pk_check(FIDO2_EDDSA, pk, 32) != 0)
		return KAGI_ERR_INVALID;
	memcpy(v.pk, pk, pklen);
	v.pk_len = pklen;
	memcpy(v.application, app, alen);
	v.application[alen] = '\0';
	memcpy(v.blob, blob, len);
	v.blob_len = len;
	*k = v;
	return 0;
}

static int
blank(char c)
{
	return c == ' ' || c == '\t';
}

int
sshkey_sk_from_line(const char *line, size_t len, struct sshkey_sk *k)
{
	char b64[(SSHKEY_BLOB_MAX + 2) / 3 * 4 + 1];
	const char *p, *end, *tok;
	uint8_t *blob = NULL;
	size_t blen = 0, i;
	int type, r;

	memset(k, 0, sizeof(*k));
	if (line == NULL || len == 0)
		return KAGI_ERR_INVALID;
	if (len > SSHKEY_LINE_MAX)
		return KAGI_ERR_TOO_LARGE;
	if (memchr(line, '\0', len) != NULL)
		return KAGI_ERR_INVALID;
	end = line + len;
	if (end[-1] == '\n')
		end--;
	/* The type. */
	for (p = line; p < end && !blank(*p); p++)
		;
	if ((type = type_from((const uint8_t *)line,
	    (size_t)(p - line))) == 0)
		return KAGI_ERR_INVALID;
	/* Blanks, then the base64. */
	if (p == end || !blank(*p))
		return KAGI_ERR_INVALID;
	while (p < end && blank(*p))
		p++;
	for (tok = p; p < end && !blank(*p); p++)
		;
	if (p == tok || (size_t)(p - tok) >= sizeof(b64))
		return KAGI_ERR_INVALID;
	memcpy(b64, tok, (size_t)(p - tok));
	b64[p - tok] = '\0';
	/* Whatever follows is a comment: blanks first, no control bytes. */
	if (p < end && !blank(*p))
		return KAGI_ERR_INVALID;
	for (i = 0; p + i < end; i++)
		if (((unsigned char)p[i] < 0x20 && p[i] != '\t') ||
		    p[i] == 0x7f)
			return KAGI_ERR_INVALID;
	if ((r = b64_decode(b64, 1, SSHKEY_BLOB_MAX, &blob, &blen)) != 0)
		return r;
	r = sshkey_sk_from_blob(blob, blen, k);
	free(blob);
	if (r != 0)
		return r;
	if (k->type != type) {
		memset(k, 0, sizeof(*k));
		return KAGI_ERR_INVALID;
	}
	return 0;
}

int
sshkey_sk_format(const struct sshkey_sk *k, char **line)
{
	const char *type = sshkey_sk_type_name(k->type);
	char *b64 = NULL, *s;
	size_t n;
	int r;

	*line = NULL;
	if (type == NULL || k->blob_len == 0 ||
	    k->blob_len > SSHKEY_BLOB_MAX)
		return KAGI_ERR_INVALID;
	if ((r = b64_encode(k->blob, k->blob_len, &b64)) != 0)
		return r;
	n = strlen(type) + 1 + strlen(b64) + 1;
	if ((s = malloc(n)) == NULL) {
		free(b64);
		return KAGI_ERR_NOMEM;
	}
	memcpy(s, type, strlen(type));
	s[strlen(type)] = ' ';
	memcpy(s + strlen(type) + 1, b64, strlen(b64) + 1);
	free(b64);
	*line = s;
	return 0;
}

int
sshkey_sk_fingerprint(const struct sshkey_sk *k, char out[SSHKEY_FP_LEN])
{
	uint8_t h[32];
	unsigned int n = 0;
	char *b64 = NULL;
	size_t len;
	int r;

	out[0] = '\0';
	if (k->blob_len == 0 || k->blob_len > SSHKEY_BLOB_MAX)
		return KAGI_ERR_INVALID;
	if (EVP_Digest(k->blob, k->blob_len, h, &n, EVP_sha256(), NULL) != 1 ||
	    n != sizeof(h))
		return KAGI_ERR_CRYPTO;
	if ((r = b64_encode(h, sizeof(h), &b64)) != 0)
		return r;
	/* 32 bytes: 43 characters and one '=' of padding, dropped. */
	len = strlen(b64);
	while (len > 0 && b64[len - 1] == '=')
		len--;
	if (len != SSHKEY_FP_LEN - 8) {
		free(b64);
		return KAGI_ERR_INTERNAL;
	}
	memcpy(out, "SHA256:", 7);
	memcpy(out + 7, b64, len);
	out[7 + len] = '\0';
	free(b64);
	return 0;
}

int
sshkey_sk_cmp(const struct sshkey_sk *a, const struct sshkey_sk *b)
{
	if (a->blob_len == 0 || a->blob_len != b->blob_len ||
	    a->blob_len > SSHKEY_BLOB_MAX)
		return 1;
	return kagi_ct_memcmp(a->blob, b->blob, a->blob_len) != 0;
}
