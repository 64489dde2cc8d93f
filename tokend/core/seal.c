/*
 * seal.c - secrets sealed at rest with AES-256-GCM (R-TOK-8).
 *
 * A blob is version(1) = 1 | nonce(12) | ciphertext | tag(16), the nonce
 * fresh from the OpenSSL random generator for every seal, the caller's
 * AAD authenticated with it.
 *
 * Guarantees:
 * - unseal() hands out plaintext only after the tag verified; a short
 *   blob or an unknown version is KAGI_ERR_INVALID, anything that fails
 *   authentication (wrong key, wrong AAD, any changed byte) is
 *   KAGI_ERR_CRYPTO.  On every error path the plaintext buffer is wiped
 *   and freed and *pt stays NULL.
 * - The key is 32 bytes held in one struct, wiped in seal_key_free(); key
 *   bytes passing through the stack are wiped before return.
 * - The key file is created (random, mode 0600, exclusive) or read by
 *   safefile_secret(), which refuses links, other owners and open modes.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "kagi_err.h"
#include "safefile.h"
#include "seal.h"
#include "wipe.h"

#define SEAL_VERSION 1
#define SEAL_NONCE_LEN 12
#define SEAL_TAG_LEN 16
#define SEAL_HDR_LEN (1 + SEAL_NONCE_LEN)

struct seal_key {
	uint8_t key[SEAL_KEY_LEN];
};

static int
fill_random(unsigned char *buf, size_t size)
{
	if (size > INT_MAX || RAND_bytes(buf, (int)size) != 1)
		return KAGI_ERR_CRYPTO;
	return 0;
}

int
seal_key_from_bytes(const uint8_t key[SEAL_KEY_LEN], struct seal_key **k)
{
	struct seal_key *n;

	if (k == NULL)
		return KAGI_ERR_INVALID;
	*k = NULL;
	if (key == NULL)
		return KAGI_ERR_INVALID;
	if ((n = calloc(1, sizeof(*n))) == NULL)
		return KAGI_ERR_NOMEM;
	memcpy(n->key, key, SEAL_KEY_LEN);
	*k = n;
	return 0;
}

int
seal_key_load_or_create(const char *path, struct seal_key **k,
    int *created, char *err, size_t errlen)
{
	uint8_t buf[SEAL_KEY_LEN];
	struct seal_key *n = NULL;
	int r, c = 0;

	if (k == NULL || path == NULL)
		return KAGI_ERR_INVALID;
	*k = NULL;
	if ((r = safefile_secret(path, sizeof(buf), fill_random, buf, &c,
	    err, errlen)) != 0)
		goto out;
	if ((r = seal_key_from_bytes(buf, &n)) != 0) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: %s", path, kagi_strerror(r));
		goto out;
	}
	*k = n;
	n = NULL;
	if (created != NULL)
		*created = c;
out:
	kagi_wipe(buf, sizeof(buf));
	seal_key_free(&n);
	return r;
}

void
seal_key_free(struct seal_key **k)
{
	if (k == NULL || *k == NULL)
		return;
	kagi_free_secret(*k, sizeof(**k));
	*k = NULL;
}

int
seal(const struct seal_key *k, const void *aad, size_t aadlen,
    const uint8_t *pt, size_t ptlen, uint8_t **out, size_t *outlen)
{
	EVP_CIPHER_CTX *ctx = NULL;
	uint8_t *blob = NULL;
	size_t bloblen = 0;
	int r, n;

	if (out != NULL)
		*out = NULL;
	if (outlen != NULL)
		*outlen = 0;
	if (k == NULL || out == NULL || outlen == NULL ||
	    (aad == NULL && aadlen > 0) || (pt == NULL && ptlen > 0))
		return KAGI_ERR_INVALID;
	if (aadlen > INT_MAX || ptlen > INT_MAX - SEAL_OVERHEAD)
		return KAGI_ERR_TOO_LARGE;

	bloblen = ptlen + SEAL_OVERHEAD;
	if ((blob = malloc(bloblen)) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	blob[0] = SEAL_VERSION;
	if ((r = fill_random(blob + 1, SEAL_NONCE_LEN)) != 0)
		goto out;

	r = KAGI_ERR_CRYPTO;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	if (EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, SEAL_NONCE_LEN,
	    NULL) != 1 ||
	    EVP_EncryptInit_ex(ctx, NULL, NULL, k->key, blob + 1) != 1)
		goto out;
	if (aadlen > 0 &&
	    EVP_EncryptUpdate(ctx, NULL, &n, aad, (int)aadlen) != 1)
		goto out;
	if (ptlen > 0 && (EVP_EncryptUpdate(ctx, blob + SEAL_HDR_LEN, &n, pt,
	    (int)ptlen) != 1 || (size_t)n != ptlen))
		goto out;
	if (EVP_EncryptFinal_ex(ctx, blob + SEAL_HDR_LEN + ptlen, &n) != 1 ||
	    n != 0)
		goto out;
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, SEAL_TAG_LEN,
	    blob + SEAL_HDR_LEN + ptlen) != 1)
		goto out;

	*out = blob;
	*outlen = bloblen;
	blob = NULL;
	r = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	kagi_free_secret(blob, bloblen);
	return r;
}

int
unseal(const struct seal_key *k, const void *aad, size_t aadlen,
    const uint8_t *in, size_t inlen, uint8_t **pt, size_t *ptlen)
{
	EVP_CIPHER_CTX *ctx = NULL;
	uint8_t tag[SEAL_TAG_LEN];
	uint8_t *buf = NULL;
	size_t len = 0;
	int r, n;

	if (pt != NULL)
		*pt = NULL;
	if (ptlen != NULL)
		*ptlen = 0;
	if (k == NULL || pt == NULL || ptlen == NULL ||
	    (aad == NULL && aadlen > 0) || (in == NULL && inlen > 0))
		return KAGI_ERR_INVALID;
	if (inlen < SEAL_OVERHEAD || in[0] != SEAL_VERSION)
		return KAGI_ERR_INVALID;
	if (aadlen > INT_MAX || inlen > INT_MAX)
		return KAGI_ERR_TOO_LARGE;

	len = inlen - SEAL_OVERHEAD;
	memcpy(tag, in + inlen - SEAL_TAG_LEN, sizeof(tag));
	/* One byte more than needed, so an empty secret still gets a buffer. */
	if ((buf = malloc(len + 1)) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}

	r = KAGI_ERR_CRYPTO;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	if (EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, SEAL_NONCE_LEN,
	    NULL) != 1 ||
	    EVP_DecryptInit_ex(ctx, NULL, NULL, k->key, in + 1) != 1)
		goto out;
	if (aadlen > 0 &&
	    EVP_DecryptUpdate(ctx, NULL, &n, aad, (int)aadlen) != 1)
		goto out;
	if (len > 0 && (EVP_DecryptUpdate(ctx, buf, &n, in + SEAL_HDR_LEN,
	    (int)len) != 1 || (size_t)n != len))
		goto out;
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, SEAL_TAG_LEN,
	    tag) != 1)
		goto out;
	/* The tag is checked here; nothing decrypted is handed out before. */
	if (EVP_DecryptFinal_ex(ctx, buf + len, &n) != 1 || n != 0)
		goto out;

	*pt = buf;
	*ptlen = len;
	buf = NULL;
	r = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	kagi_free_secret(buf, len + 1);
	kagi_wipe(tag, sizeof(tag));
	return r;
}

int
seal_aad(enum seal_purpose purpose, const char *user, char out[SEAL_AAD_MAX],
    size_t *len)
{
	const char *what;
	int n;

	switch (purpose) {
	case SEAL_TOTP_SEED:
		what = "totp";
		break;
	case SEAL_FIDO2_KEY:
		what = "fido2";
		break;
	case SEAL_SSHKEY_ATT:
		what = "sshkey";
		break;
	case SEAL_HOST_CA:
		what = "hostca";
		break;
	default:
		return KAGI_ERR_INVALID;
	}
	n = snprintf(out, SEAL_AAD_MAX, "%s:%s", what, user);
	if (n < 0 || n >= SEAL_AAD_MAX)
		return KAGI_ERR_TOO_LARGE;
	*len = (size_t)n;
	return 0;
}
