/*
 * seal.h - secrets sealed at rest with AES-256-GCM (OpenSSL).
 *
 * A sealed blob is: version(1) = 1 | nonce(12, random) | ciphertext | tag(16).
 * The additional authenticated data binds the blob to its owner (e.g.
 * "totp:<user>"), so a blob copied onto another row fails to open.  The
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
