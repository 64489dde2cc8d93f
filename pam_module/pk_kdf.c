/*
 * pk_kdf.c - ucode_kdf() (ucode.h) for pam_kagi: the break-glass KDF,
 * PBKDF2-HMAC-SHA256, computed by libcrypto loaded for the call only
 * (pk_dl.h), so that a log-in that never needs it never maps libcrypto.
 * It is the same single call kagid makes (lib/ucode_crypto.c), with the
 * same bounds; if libcrypto cannot be loaded it fails (KAGI_ERR_CRYPTO)
 * and no code matches.  The caller (pam_kagi.c) checks beforehand that
 * libcrypto loads and logs what is missing when it does not.
 */
#include "config.h"

#include <string.h>

#include "kagi_err.h"
#include "pk_dl.h"
#include "ucode.h"

int
ucode_kdf(const uint8_t salt[UCODE_SALT_LEN], const char *code,
    long iterations, uint8_t out[UCODE_HASH_LEN])
{
	struct pk_crypto c;
	char err[256];
	int r = KAGI_ERR_CRYPTO;

	if (iterations < 1 || iterations > UCODE_ITER_MAX)
		return KAGI_ERR_INVALID;
	if (pk_crypto_open(&c, err, sizeof(err)) != 0)
		return KAGI_ERR_CRYPTO;
	if (c.pbkdf2_hmac(code, (int)strlen(code), salt, UCODE_SALT_LEN,
	    (int)iterations, c.sha256(), UCODE_HASH_LEN, out) == 1)
		r = 0;
	pk_crypto_close(&c);
	return r;
}
