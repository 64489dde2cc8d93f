/*
 * ucode.h - single-use codes: enrollment codes and break-glass codes.
 *
 * A code is 20 characters of the RFC 4648 base32 alphabet (100 bits from
 * the system's CSPRNG), shown as four groups of five ("ABCDE-FGHIJ-...").
 * What a person types is normalised (case, dashes, spaces) before it is
 * hashed; anything else is not a code, so a TOTP code never costs a slow
 * hash.  Shared by kagid and pam_kagi (which needs the break-glass KDF and
 * the break-glass file's line format when kagid cannot be reached).
 *
 * The break-glass file, written by kagid, read and rewritten by pam_kagi:
 *   kagi-breakglass 1
 *   code ID USER ITERATIONS SALT-HEX HASH-HEX     an unused code
 *   used ID USER TIME                            spent while kagid was away
 */
#ifndef KAGI_UCODE_H
#define KAGI_UCODE_H

#include <stddef.h>
#include <stdint.h>

#define UCODE_LEN 20
#define UCODE_SHOWN_LEN 23		/* with three dashes */
#define UCODE_SALT_LEN 16
#define UCODE_HASH_LEN 32
#define UCODE_FILE_MAGIC "kagi-breakglass 1"
#define UCODE_USER_MAX 64

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

/* One line of the break-glass file. */
struct ucode_line {
	int used;			/* "used" line, else "code" */
	int64_t id;
	char user[UCODE_USER_MAX + 1];
	long iterations;		/* code lines */
	uint8_t salt[UCODE_SALT_LEN];
	uint8_t hash[UCODE_HASH_LEN];
	int64_t time;			/* used lines */
};

/* Parse a line (without its newline); KAGI_ERR_INVALID when malformed. */
int ucode_line_parse(const char *line, struct ucode_line *l);
/* Format a line with its newline into buf; KAGI_ERR_TOO_LARGE. */
int ucode_line_format(const struct ucode_line *l, char *buf, size_t len);

#endif
