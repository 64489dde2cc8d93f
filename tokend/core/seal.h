/*
 * seal.h - secrets sealed at rest with AES-256-GCM (OpenSSL).
 *
 * A sealed blob is: version(1) = 1 | nonce(12, random) | ciphertext | tag(16).
 * The additional authenticated data binds the blob to what it is and
 * whose it is (seal_aad(): "totp:<user>", "fido2:<user>"), so a blob
 * copied onto another user's row, or from a key onto a seed, fails to
 * open.  The files that use the key: totp_factor.c (TOTP seeds),
 * fido2_factor.c (FIDO2 public keys) and hosts.c (the cores' CA key,
 * "hostca:kagi", issue 15); kagid.c loads it.  The
 * key lives in a 32-byte file, mode 0600, owned by kagid's user, created
 * on first start.  Key material is wiped on free.
 */
#ifndef KAGI_SEAL_H
#define KAGI_SEAL_H

#include <stddef.h>
#include <stdint.h>

#define SEAL_KEY_LEN 32
#define SEAL_OVERHEAD (1 + 12 + 16)

struct seal_key;

int seal_key_load_or_create(const char *path, struct seal_key **k,
    int *created, char *err, size_t errlen);
int seal_key_from_bytes(const uint8_t key[SEAL_KEY_LEN], struct seal_key **k);
void seal_key_free(struct seal_key **k);

/* What a sealed blob holds, for its additional authenticated data. */
enum seal_purpose { SEAL_TOTP_SEED = 0, SEAL_FIDO2_KEY = 1,
    SEAL_SSHKEY_ATT = 2, SEAL_HOST_CA = 3 };
/* Longest AAD seal_aad() writes, with its NUL. */
#define SEAL_AAD_MAX (8 + 64 + 1)
/*
 * The additional authenticated data of purpose for user: "totp:USER",
 * "fido2:USER" or "sshkey:USER" into out; *len its length.  KAGI_ERR_TOO_LARGE when it does
 * not fit, KAGI_ERR_INVALID for an unknown purpose.
 */
int seal_aad(enum seal_purpose purpose, const char *user,
    char out[SEAL_AAD_MAX], size_t *len);

/* *out is malloc'd, length ptlen + SEAL_OVERHEAD. */
int seal(const struct seal_key *k, const void *aad, size_t aadlen,
    const uint8_t *pt, size_t ptlen, uint8_t **out, size_t *outlen);
/*
 * *pt is malloc'd; free it with kagi_free_secret(*pt, *ptlen).  A wrong
 * key, AAD or any flipped byte is KAGI_ERR_CRYPTO; a short or unknown-
 * version blob KAGI_ERR_INVALID.
 */
int unseal(const struct seal_key *k, const void *aad, size_t aadlen,
    const uint8_t *in, size_t inlen, uint8_t **pt, size_t *ptlen);

#endif
