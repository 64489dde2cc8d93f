/*
 * challenge.h - kagid's table of outstanding FIDO2 challenges, in memory.
 *
 * A challenge is 32 random bytes from OpenSSL, bound to a binding string
 * the caller builds (user, service and terminal for a log-in; user and
 * request number for an enrollment) and valid for a lifetime in seconds.
 * Guarantees:
 *  - chal_take() hands a challenge over at most once: it is removed on
 *    the first take, whatever the caller then decides (single use).
 *  - chal_issue() for a binding that already holds a challenge replaces
 *    it: an answer to the older one can no longer be checked.
 *  - An expired challenge is never handed over (KAGI_ERR_NOT_FOUND, as
 *    for one never issued).  The table is bounded: when full, expired
 *    entries go first, then the oldest.
 *  - Challenge bytes are wiped when an entry goes.
 * Not thread-safe: kagid's requests run one at a time.
 */
#ifndef KAGI_CHALLENGE_H
#define KAGI_CHALLENGE_H

#include <stddef.h>
#include <stdint.h>

#define CHAL_LEN 32
#define CHAL_BIND_MAX 400
#define CHAL_TABLE_MAX 1024

struct chal_table;

int chal_table_new(struct chal_table **t);
void chal_table_free(struct chal_table **t);
/* Issue a fresh challenge for bind, replacing any it held. */
int chal_issue(struct chal_table *t, const char *bind, int64_t now,
    int64_t lifetime, uint8_t out[CHAL_LEN]);
/* Take (and so remove) the challenge held for bind; NOT_FOUND if none. */
int chal_take(struct chal_table *t, const char *bind, int64_t now,
    uint8_t out[CHAL_LEN]);
/* Entries held, expired ones included (tests). */
size_t chal_count(const struct chal_table *t);

#endif
