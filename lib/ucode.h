/*
 * ucode.h - single-use codes: enrollment codes and break-glass codes.
 *
 * A code is 20 characters of the RFC 4648 base32 alphabet (100 bits from
 * the system's CSPRNG), shown as four groups of five ("ABCDE-FGHIJ-...").
 * What a person types is normalised (case, dashes, spaces) before it is
 * hashed; anything else is not a code, so a TOTP code never costs a slow
 * hash.  Shared by kagid and pam_kagi (which needs the break-glass KDF
 * when kagid cannot be reached; the break-glass file is bgfile.h's).
 */
#ifndef KAGI_UCODE_H
#define KAGI_UCODE_H

#include <stddef.h>
#include <stdint.h>

#define UCODE_LEN 20
#define UCODE_SHOWN_LEN 23		/* with three dashes */
#define UCODE_SALT_LEN 16
#define UCODE_HASH_LEN 32
#define UCODE_ITER_MAX 100000000L	/* KDF iterations, at most */

/* A fresh code in out (NUL-terminated, shown form with dashes). */
int ucode_generate(char out[UCODE_SHOWN_LEN + 1]);
/* Normalise a typed code; KAGI_ERR_BAD_CODE when it is not one. */
int ucode_normalise(const char *in, char out[UCODE_LEN + 1]);
/* Random salt. */
int ucode_salt(uint8_t salt[UCODE_SALT_LEN]);
/* SHA-256(salt || code): for enrollment codes (short-lived, 100 bits). */
int ucode_hash(const uint8_t salt[UCODE_SALT_LEN], const char *code,
    uint8_t out[UCODE_HASH_LEN]);
/* PBKDF2-HMAC-SHA256(code, salt, iterations): for break-glass codes. */
int ucode_kdf(const uint8_t salt[UCODE_SALT_LEN], const char *code,
    long iterations, uint8_t out[UCODE_HASH_LEN]);

#endif
