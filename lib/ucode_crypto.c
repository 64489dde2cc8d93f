/*
 * ucode_crypto.c - generating single-use codes and hashing them (see
 * ucode.h), through OpenSSL.  kagid and kagictl link it; pam_kagi does
 * not (pam_module/pk_kdf.c gives it ucode_kdf() with libcrypto loaded
 * only when a break-glass code is checked).  Every buffer that held
 * random bytes is wiped.
 */
#include "config.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "kagi_err.h"
#include "ucode.h"
#include "wipe.h"

static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int
ucode_generate(char out[UCODE_SHOWN_LEN + 1])
{
	uint8_t rnd[UCODE_LEN];
	size_t i, o = 0;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return KAGI_ERR_CRYPTO;
	for (i = 0; i < UCODE_LEN; i++) {
		if (i > 0 && i % 5 == 0)
			out[o++] = '-';
		out[o++] = b32[rnd[i] & 31];	/* 32 divides 256: unbiased */
	}
	out[o] = '\0';
	kagi_wipe(rnd, sizeof(rnd));
	return 0;
}

int
ucode_salt(uint8_t salt[UCODE_SALT_LEN])
{
	return RAND_bytes(salt, UCODE_SALT_LEN) == 1 ? 0 : KAGI_ERR_CRYPTO;
}

int
ucode_hash(const uint8_t salt[UCODE_SALT_LEN], const char *code,
    uint8_t out[UCODE_HASH_LEN])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned int n = 0;
	int r = KAGI_ERR_CRYPTO;

	if (md != NULL &&
	    EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(md, salt, UCODE_SALT_LEN) == 1 &&
	    EVP_DigestUpdate(md, code, strlen(code)) == 1 &&
	    EVP_DigestFinal_ex(md, out, &n) == 1 && n == UCODE_HASH_LEN)
		r = 0;
	EVP_MD_CTX_free(md);
	return r;
}

int
ucode_kdf(const uint8_t salt[UCODE_SALT_LEN], const char *code,
    long iterations, uint8_t out[UCODE_HASH_LEN])
{
	if (iterations < 1 || iterations > UCODE_ITER_MAX)
		return KAGI_ERR_INVALID;
	if (PKCS5_PBKDF2_HMAC(code, (int)strlen(code), salt, UCODE_SALT_LEN,
	    (int)iterations, EVP_sha256(), UCODE_HASH_LEN, out) != 1)
		return KAGI_ERR_CRYPTO;
	return 0;
}
